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

    def remap(self, mapping: np.ndarray) -> "Corpus":
        """Map every token id through ``mapping``; ids mapped to ``-1`` are dropped.

        Parameters
        ----------
        mapping : numpy.ndarray of int
            New id for each old id, ``-1`` to drop the token.

        Returns
        -------
        Corpus
            The re-encoded corpus (empty sentences are kept, so sentence indices stay valid).
        """
        mapped = np.asarray(mapping, dtype=np.int32)[self.tokens]
        dropped = np.flatnonzero(mapped < 0)
        # Each boundary moves left by the number of dropped tokens before it.
        offsets = self.offsets - np.searchsorted(dropped, self.offsets)
        return Corpus(np.delete(mapped, dropped) if len(dropped) else mapped, offsets)


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
    counts = np.bincount(tokens, minlength=len(keys)).astype(np.int64)
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
    return result.corpus.remap(vocab.lookup(result.keys))
