"""Encode a tokenized corpus once into flat arrays.

Every model trains on the same representation: one ``int32`` array of token ids and one ``int64``
array of sentence offsets (sentence ``s`` is ``tokens[offsets[s]:offsets[s + 1]]``). The text is
read once by :func:`scan`, which counts words and assigns provisional ids in the same pass; the
vocabulary then maps provisional ids to final ones (:func:`encode` / :meth:`Corpus.remap`), so no
step reads the text twice or holds it twice.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

__all__ = ["Corpus", "ScanResult", "scan", "encode"]


@dataclass
class Corpus:
    """A corpus as flat arrays.

    Attributes
    ----------
    tokens : numpy.ndarray of int32
        Token ids of all sentences, concatenated.
    offsets : numpy.ndarray of int64
        ``len(sentences) + 1`` sentence boundaries into ``tokens``.
    """

    tokens: np.ndarray
    offsets: np.ndarray

    def __post_init__(self):
        self.tokens = np.ascontiguousarray(self.tokens, dtype=np.int32)
        self.offsets = np.ascontiguousarray(self.offsets, dtype=np.int64)
        if self.offsets.ndim != 1 or len(self.offsets) < 1 or self.offsets[0] != 0:
            raise ValueError("offsets must be a 1-D array starting at 0")
        if self.offsets[-1] != len(self.tokens) or np.any(np.diff(self.offsets) < 0):
            raise ValueError("offsets must be non-decreasing and end at len(tokens)")

    @property
    def n_sentences(self) -> int:
        """Number of sentences."""
        return len(self.offsets) - 1

    def __len__(self) -> int:
        return len(self.tokens)

    def sentence(self, i: int) -> np.ndarray:
        """Token ids of sentence ``i``."""
        return self.tokens[self.offsets[i]:self.offsets[i + 1]]

    def remap(self, mapping: np.ndarray, inplace: bool = False) -> "Corpus":
        """Map every token id through ``mapping``; ids mapped to ``-1`` are dropped.

        Parameters
        ----------
        mapping : numpy.ndarray of int
            New id for each old id, ``-1`` to drop the token.
        inplace : bool, default False
            Reuse this corpus's arrays (its tokens are overwritten): no second copy of the corpus
            is ever held, which is what :meth:`Word2Vec.build_vocab
            <embedlearn.word2vec.Word2Vec.build_vocab>` wants for a scan result it discards.

        Returns
        -------
        Corpus
            The re-encoded corpus (empty sentences are kept, so sentence indices stay valid).
        """
        mapping = np.asarray(mapping, dtype=np.int32)
        tokens = self.tokens if inplace else np.empty_like(self.tokens)
        offsets = self.offsets if inplace else self.offsets.copy()
        # kept[s] = tokens kept before sentence s starts. Chunks bound the temporaries to a few MB
        # whatever the corpus size; writing at `written <= start` never overtakes the reading.
        kept_before = np.zeros(len(offsets), dtype=np.int64)
        written = 0
        for start in range(0, len(self.tokens), _CHUNK):
            mapped = mapping[self.tokens[start:start + _CHUNK]]
            keep = mapped >= 0
            n_keep = int(np.count_nonzero(keep))
            tokens[written:written + n_keep] = mapped[keep]
            # Sentence starts inside this chunk (start < offset <= stop) get their kept count.
            lo, hi = np.searchsorted(offsets, [start, start + len(mapped)], side="right")
            kept_here = np.cumsum(keep, dtype=np.int64)
            kept_before[lo:hi] = written + kept_here[offsets[lo:hi] - start - 1]
            written += n_keep
        offsets[:] = kept_before
        return Corpus(tokens[:written], offsets)


#: Tokens handled per step when re-encoding or counting (bounds temporary memory to a few MB).
_CHUNK = 1 << 18


@dataclass
class ScanResult:
    """Result of one pass over a text: provisional ids, the keys they stand for, their counts."""

    corpus: Corpus
    keys: list
    counts: np.ndarray


def _check_sentence(sentence, index):
    if isinstance(sentence, (str, bytes)):
        raise TypeError(
            f"sentence {index} is a {type(sentence).__name__}, expected a list of str tokens "
            "(split your text first, e.g. text.split())")


def scan(sentences) -> ScanResult:
    """Read an iterable of token lists once: count words and encode them with provisional ids.

    Parameters
    ----------
    sentences : iterable of list of str
        The corpus; may be a generator (it is read exactly once).

    Returns
    -------
    ScanResult
        ``corpus`` with ids in first-seen order, ``keys[i]`` the word of id ``i`` and
        ``counts[i]`` its frequency.

    Raises
    ------
    TypeError
        If a sentence is a string, or a token is not a ``str``.
    ValueError
        If the corpus holds no token at all.
    """
    if sentences is None:
        raise ValueError("no corpus given (sentences is None)")
    if isinstance(sentences, (str, bytes)):
        raise TypeError("sentences must be an iterable of token lists, not a single string")
    key_to_id: dict = {}
    # Growable C buffers: one int32 per token, one int64 per sentence, no per-sentence arrays.
    ids = array("i")
    lengths = array("q")
    setdefault = key_to_id.setdefault
    for index, sentence in enumerate(sentences):
        _check_sentence(sentence, index)
        before = len(ids)
        # One dict operation per token: a new word gets the next id.
        ids.extend([setdefault(w, len(key_to_id)) for w in sentence])
        lengths.append(len(ids) - before)
    keys = list(key_to_id)
    bad = next((k for k in keys if not isinstance(k, str)), None)
    if bad is not None:
        raise TypeError(f"tokens must be str, found {type(bad).__name__} token {bad!r}")
    if not keys:
        raise ValueError("the corpus is empty: it holds no token")
    tokens = np.frombuffer(ids, dtype=np.int32) if len(ids) else np.zeros(0, np.int32)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.frombuffer(lengths, dtype=np.int64), out=offsets[1:])
    counts = np.zeros(len(keys), dtype=np.int64)
    for start in range(0, len(tokens), _CHUNK):  # bincount copies to int64: chunk it
        counts += np.bincount(tokens[start:start + _CHUNK], minlength=len(keys))
    return ScanResult(Corpus(tokens, offsets), keys, counts)


def encode(sentences, vocab) -> Corpus:
    """Encode sentences with the ids of ``vocab``; words outside it are dropped.

    Parameters
    ----------
    sentences : iterable of list of str
        The corpus (read once).
    vocab : embedlearn.vocab.Vocabulary
        The vocabulary giving each kept word its id.

    Returns
    -------
    Corpus
    """
    result = scan(sentences)
    return result.corpus.remap(vocab.lookup(result.keys), inplace=True)
