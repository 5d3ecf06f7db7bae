"""Encode a tokenized corpus once into flat arrays, in memory or on disk.

Every model trains on the same representation: one ``int32`` array of token ids and one ``int64``
array of sentence offsets (sentence ``s`` is ``tokens[offsets[s]:offsets[s + 1]]``). The text is
read once by :func:`scan`, which counts words and assigns provisional ids in the same pass; the
vocabulary then maps provisional ids to final ones (:func:`encode` / :meth:`Corpus.remap`), so no
step reads the text twice or holds it twice.

Two stores share one interface (``len``, ``n_sentences``, ``remap``, ``job_table``, ``piece``):

* :class:`Corpus` holds both arrays in memory (lists of sentences, the default);
* :class:`DiskCorpus` keeps them in two files (``corpus_file=`` in the models): training reads each
  job's slice with ``pread``, so memory does not grow with the corpus.

Training splits the corpus into jobs of about ``job_words`` tokens (:meth:`Corpus.job_table`).
Jobs end at sentence ends, except that a sentence longer than ``job_words`` is cut into several
jobs, so one 1M-token sentence still keeps every worker busy; windows stop at the cuts, as at
sentence ends (gensim cuts such sentences at 10,000 words too).

Also here, gensim's streaming readers :class:`LineSentence` and :class:`PathLineSentences`.
"""
from __future__ import annotations

import bz2
import gzip
import os
import tempfile
import weakref
from array import array
from dataclasses import dataclass, field
from itertools import islice

import numpy as np

__all__ = ["Corpus", "DiskCorpus", "ScanResult", "scan", "encode", "LineSentence",
           "PathLineSentences", "RULE_DEFAULT", "RULE_DISCARD", "RULE_KEEP"]

#: Tokens handled per step when re-encoding or counting (bounds temporary memory to a few MB).
_CHUNK = 1 << 18

#: ``trim_rule`` return values, as gensim's ``gensim.utils`` (same numbers, so gensim's work too).
RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2


# ---------------------------------------------------------------------------------- job table
def _job_table(offset_blocks, n_tokens, job_words):
    """Jobs of about ``job_words`` tokens over sentences given block by block.

    Parameters
    ----------
    offset_blocks : iterable of (int, numpy.ndarray)
        ``(first sentence index, offsets[i0:i1 + 1])`` blocks covering all sentences in order.
    n_tokens : int
    job_words : int

    Returns
    -------
    numpy.ndarray of int64, shape (n_jobs + 1, 2)
        Row ``j`` = (first token, index of the sentence holding it) of job ``j``; the last row is
        ``(n_tokens, n_sentences)``. A job boundary is a sentence start, or a cut every
        ``job_words`` tokens inside a longer sentence; among candidate boundaries the first one
        in each multiple of ``job_words`` starts a job, as when sentences are grouped whole.
    """
    rows = []
    prev = -1  # the bucket (position // job_words) of the last job start
    n_sentences = 0
    for i0, off in offset_blocks:
        a, b = off[:-1], off[1:]
        n_sentences = i0 + len(a)
        if not len(a):
            continue
        # Candidate boundaries: each sentence's start, plus cuts every job_words inside it.
        n_cuts = np.maximum(1, -(-(b - a) // job_words))
        sent = np.repeat(np.arange(i0, i0 + len(a), dtype=np.int64), n_cuts)
        first = np.repeat(np.cumsum(n_cuts) - n_cuts, n_cuts)
        pos = np.repeat(a, n_cuts) + job_words * (np.arange(len(sent)) - first)
        bucket = pos // job_words
        keep = np.empty(len(pos), bool)
        keep[0] = bucket[0] != prev
        keep[1:] = bucket[1:] != bucket[:-1]
        # A job never starts at the end of the corpus (trailing empty sentences).
        keep &= pos < n_tokens
        if keep.any():
            rows.append(np.stack([pos[keep], sent[keep]], axis=1))
            prev = int(bucket[keep][-1])
    rows.append(np.array([[n_tokens, n_sentences]], np.int64))
    table = np.concatenate(rows).astype(np.int64)
    if n_tokens > 0 and table[0, 0] != 0:  # cannot happen for offsets starting at 0
        raise AssertionError("job table must start at token 0")
    return table


def _piece_offsets(offsets, t0, t1):
    """Offsets of the sentence pieces covering tokens ``[t0, t1)``, relative to ``t0``."""
    return np.clip(offsets, t0, t1) - t0


# ---------------------------------------------------------------------------------- in memory
@dataclass
class Corpus:
    """A corpus as flat arrays in memory.

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

    def job_table(self, job_words=10_000) -> np.ndarray:
        """Jobs of about ``job_words`` tokens (see :func:`_job_table`)."""
        return _job_table([(0, self.offsets)], len(self.tokens), int(job_words))

    def piece(self, t0, t1, s0, s1) -> "Corpus":
        """Tokens ``[t0, t1)`` as a small corpus of sentence pieces (a view, no copy of tokens).

        ``s0`` is the sentence holding token ``t0`` and ``s1`` the one holding ``t1`` (rows of
        :meth:`job_table`); sentences cut by the range become shorter pieces.
        """
        stop = min(s1 + 2, len(self.offsets))
        return Corpus(self.tokens[t0:t1], _piece_offsets(self.offsets[s0:stop], t0, t1))

    def remap(self, mapping: np.ndarray, inplace: bool = False) -> "Corpus":
        """Map every token id through ``mapping``; ids mapped to ``-1`` are dropped.

        Parameters
        ----------
        mapping : numpy.ndarray of int
            New id for each old id, ``-1`` to drop the token.
        inplace : bool, default False
            Reuse this corpus's arrays (its tokens are overwritten): no second copy of the corpus
            is ever held, which is what the models want for a scan result they discard.

        Returns
        -------
        Corpus
            The re-encoded corpus (empty sentences are kept, so sentence indices stay valid).
        """
        mapping = np.asarray(mapping, dtype=np.int32)
        tokens = self.tokens if inplace else np.empty_like(self.tokens)
        offsets = self.offsets if inplace else self.offsets.copy()
        kept_before = np.zeros(len(offsets), dtype=np.int64)
        written = 0
        for start in range(0, len(self.tokens), _CHUNK):
            mapped = mapping[self.tokens[start:start + _CHUNK]]
            keep = mapped >= 0
            n_keep = int(np.count_nonzero(keep))
            tokens[written:written + n_keep] = mapped[keep]
            _kept_counts(offsets, start, keep, written, kept_before)
            written += n_keep
        offsets[:] = kept_before
        return Corpus(tokens[:written], offsets)


def _kept_counts(offsets, start, keep, written, kept_before):
    # kept_before[s] = tokens kept before sentence s starts, for the sentence starts that fall in
    # this chunk (start < offset <= stop). Writing at `written <= start` never overtakes reading.
    lo, hi = np.searchsorted(offsets, [start, start + len(keep)], side="right")
    kept_here = np.cumsum(keep, dtype=np.int64)
    kept_before[lo:hi] = written + kept_here[offsets[lo:hi] - start - 1]


# ---------------------------------------------------------------------------------- on disk
class DiskCorpus:
    """A corpus kept in two files: int32 token ids and int64 sentence offsets (native order).

    Built by :func:`scan` with ``spill_dir``; the files are temporary and removed when the object
    is garbage-collected. Only a few megabytes are ever read into memory at once: the re-encoding
    works in chunks and training reads each job's slice (:meth:`piece`) with ``os.pread``, which
    releases the GIL, so workers read in parallel.
    """

    def __init__(self, tokens_path, offsets_path, n_tokens, n_sentences):
        self.tokens_path, self.offsets_path = os.fspath(tokens_path), os.fspath(offsets_path)
        self._n_tokens, self._n_sentences = int(n_tokens), int(n_sentences)
        self._fds = (os.open(self.tokens_path, os.O_RDWR), os.open(self.offsets_path, os.O_RDWR))
        self._finalizer = weakref.finalize(self, _close_and_remove, self._fds,
                                           (self.tokens_path, self.offsets_path))

    @property
    def n_sentences(self) -> int:
        return self._n_sentences

    def __len__(self) -> int:
        return self._n_tokens

    def _read(self, which, dtype, start, stop):
        itemsize = np.dtype(dtype).itemsize
        n = max(0, stop - start)
        buf = bytearray(n * itemsize)
        view, done = memoryview(buf), 0
        while done < len(buf):
            got = os.preadv(self._fds[which], [view[done:]], start * itemsize + done)
            if got <= 0:
                raise EOFError(f"{self.tokens_path if which == 0 else self.offsets_path}: "
                               "the corpus file ends early (was it changed during training?)")
            done += got
        return np.frombuffer(buf, dtype=dtype)

    def _write(self, which, start, array_):
        data = memoryview(np.ascontiguousarray(array_)).cast("B")
        offset, done = start * array_.itemsize, 0
        while done < len(data):
            done += os.pwrite(self._fds[which], data[done:], offset + done)

    def _offset_blocks(self, block=1 << 20):
        for i0 in range(0, self._n_sentences, block):
            i1 = min(self._n_sentences, i0 + block)
            yield i0, self._read(1, np.int64, i0, i1 + 1)
        if self._n_sentences == 0:
            yield 0, self._read(1, np.int64, 0, 1)

    def offsets(self) -> np.ndarray:
        """All sentence offsets, read into memory (for tests and small corpora)."""
        return self._read(1, np.int64, 0, self._n_sentences + 1)

    def tokens(self) -> np.ndarray:
        """All tokens, read into memory (for tests and small corpora)."""
        return self._read(0, np.int32, 0, self._n_tokens)

    def job_table(self, job_words=10_000) -> np.ndarray:
        """Jobs of about ``job_words`` tokens, computed by streaming the offsets file once."""
        return _job_table(self._offset_blocks(), self._n_tokens, int(job_words))

    def piece(self, t0, t1, s0, s1) -> Corpus:
        """Tokens ``[t0, t1)`` read from disk as a small in-memory :class:`Corpus`."""
        stop = min(s1 + 2, self._n_sentences + 1)
        return Corpus(self._read(0, np.int32, t0, t1),
                      _piece_offsets(self._read(1, np.int64, s0, stop), t0, t1))

    def remap(self, mapping, inplace=True) -> "DiskCorpus":
        """Map token ids through ``mapping`` (``-1`` drops the token), in place, in chunks."""
        if not inplace:
            raise ValueError("a DiskCorpus is re-encoded in place only")
        mapping = np.asarray(mapping, dtype=np.int32)
        written = 0
        s_next = 0  # first sentence whose new offset is not yet known
        kept_total = 0
        for start in range(0, self._n_tokens, _CHUNK):
            stop = min(self._n_tokens, start + _CHUNK)
            mapped = mapping[self._read(0, np.int32, start, stop)]
            keep = mapped >= 0
            kept_here = np.cumsum(keep, dtype=np.int64)
            self._write(0, written, mapped[keep])
            # New offsets of the sentences starting in (start, stop], streamed in blocks.
            s_next = self._update_offsets(s_next, start, stop, kept_total, kept_here)
            written += int(kept_here[-1]) if len(kept_here) else 0
            kept_total = written
        # Sentences starting at the very end (or an empty corpus) keep all that was written.
        self._update_offsets(s_next, self._n_tokens, None, written, None)
        os.ftruncate(self._fds[0], written * 4)
        self._n_tokens = written
        return self

    def _update_offsets(self, s_next, start, stop, kept_before, kept_here, block=1 << 16):
        while s_next <= self._n_sentences:
            hi = min(self._n_sentences + 1, s_next + block)
            off = self._read(1, np.int64, s_next, hi)
            if stop is None:  # tail: every remaining sentence starts at the end
                self._write(1, s_next, np.full(len(off), kept_before, np.int64))
                s_next = hi
                continue
            inside = int(np.searchsorted(off, stop, side="right"))
            if inside == 0:
                return s_next
            rel = off[:inside] - start - 1
            new = np.where(rel < 0, kept_before, kept_before + kept_here[np.maximum(rel, 0)])
            self._write(1, s_next, new.astype(np.int64))
            s_next += inside
            if inside < len(off):
                return s_next
        return s_next

    def __repr__(self):
        return f"DiskCorpus({self._n_tokens} tokens, {self._n_sentences} sentences, {self.tokens_path})"


def _close_and_remove(fds, paths):
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass
    for p in paths:
        try:
            os.unlink(p)
        except OSError:
            pass


# ---------------------------------------------------------------------------------- scanning
@dataclass
class ScanResult:
    """Result of one pass over a text: provisional ids, the keys they stand for, their counts.

    ``keys[i]`` is ``None`` and ``counts[i]`` 0 for an id whose word was pruned while counting
    (``max_vocab_size``); such ids map to nothing.
    """

    corpus: object
    keys: list
    counts: np.ndarray
    total_words: int = 0
    n_sentences: int = 0
    min_reduce: int = 1
    pruned: int = field(default=0)


def _check_sentence(sentence, index):
    if sentence is None:
        raise TypeError(f"sentence {index} is None, expected a list of str tokens")
    if isinstance(sentence, (str, bytes)):
        raise TypeError(
            f"sentence {index} is a {type(sentence).__name__}, expected a list of str tokens "
            "(split your text first, e.g. text.split())")


def _check_new_keys(key_to_id, n_new, index):
    # The n_new keys this sentence added are the last ones inserted into the dict.
    for key in islice(reversed(key_to_id), n_new):
        if not isinstance(key, str):
            raise TypeError(f"tokens must be str; sentence {index} holds the "
                            f"{type(key).__name__} token {key!r}")


#: Capacity (tokens) of the in-memory token buffer when it is first made: 32 MiB and a page, so
#: that glibc maps it with mmap (its dynamic threshold never exceeds 32 MiB) and every later
#: ``resize`` is an mremap. Pages never written are never resident, so a small corpus costs
#: nothing; a buffer grown by realloc on the heap instead would leave its outgrown copies
#: resident (on IMDB's 13M tokens, more than the final array itself).
_BUFFER_START = (1 << 23) + 1024
#: Ids staged in a small ``array`` before they move to an :class:`_IdBuffer`.
_STAGE = 1 << 18


class _IdBuffer:
    """int32 ids appended block by block to one NumPy buffer that grows in place.

    The buffer starts at ``_BUFFER_START`` entries, so that it is mapped on its own and every
    growth (by half) is an ``mremap``: no outgrown copy is left behind on the heap.
    """

    def __init__(self):
        self.array = None
        self.n = 0  # entries filled

    def append(self, ids):
        """Append the ids of ``ids`` (an ``array("i")`` or int32 array)."""
        m = len(ids)
        if self.array is None:
            self.array = np.empty(max(_BUFFER_START, m), np.int32)
        elif self.n + m > len(self.array):
            # No view of the buffer outlives a method of this class, so realloc may move it.
            self.array.resize(max(self.n + m, len(self.array) * 3 // 2), refcheck=False)
        if m:
            self.array[self.n:self.n + m] = np.frombuffer(ids, np.int32)
        self.n += m

    def take(self):
        """Every id appended, as an int32 array of exactly that length; the buffer is emptied."""
        ids, self.array, n = self.array, None, self.n
        self.n = 0
        if ids is None:
            return np.zeros(0, np.int32)
        ids.resize(n, refcheck=False)  # mremap: the unused tail is given back
        return ids


class _Spill:
    """Token ids and sentence lengths as read, with running counts.

    The ids of the last few sentences wait in a small ``array`` (``ids``); every ``flush_at``
    of them move on, to a file when ``directory`` is given, or else to an :class:`_IdBuffer`.
    """

    def __init__(self, directory, flush_at=None):
        self.ids, self.lengths = array("i"), array("q")
        self.flush_at = _STAGE if flush_at is None else flush_at
        self.files = None
        self.buffer = _IdBuffer()  # in memory: self.n_ids of its entries are filled
        self.n_ids = self.n_lengths = 0  # flushed so far
        self.counts = np.zeros(0, np.int64)
        self.counted = 0  # tokens (flushed or not) already in self.counts
        self.total = 0
        if directory is not None:
            directory = os.fspath(directory)
            f1 = tempfile.NamedTemporaryFile(dir=directory, prefix="embedlearn-tokens-",
                                             suffix=".int32", delete=False)
            f2 = tempfile.NamedTemporaryFile(dir=directory, prefix="embedlearn-offsets-",
                                             suffix=".int64", delete=False)
            self.files = (f1, f2)
            f2.write(np.zeros(1, np.int64).tobytes())  # offsets[0] = 0

    def count(self, n_ids):
        """Bring ``self.counts`` (length ``n_ids``) up to date with every token read so far."""
        if len(self.counts) < n_ids:
            self.counts = np.concatenate([self.counts, np.zeros(n_ids - len(self.counts), np.int64)])
        if self.counted < self.n_ids:  # moved to the buffer uncounted
            self._add_counts(self.buffer.array[self.counted:self.n_ids], n_ids)
            self.counted = self.n_ids
        pending = np.frombuffer(self.ids, np.int32) if len(self.ids) else np.zeros(0, np.int32)
        self._add_counts(pending[self.counted - self.n_ids:], n_ids)
        self.counted = self.n_ids + len(pending)
        return self.counts

    def _add_counts(self, fresh, n_ids):
        for start in range(0, len(fresh), _CHUNK):  # bincount copies to int64: chunk it
            self.counts += np.bincount(fresh[start:start + _CHUNK], minlength=n_ids)

    def maybe_flush(self, n_ids, force=False):
        if len(self.ids) < self.flush_at and not force:
            return
        if self.files is None:
            self._to_buffer()  # counted later, all at once (a count costs O(vocabulary))
            return
        self.count(n_ids)
        self.files[0].write(self.ids.tobytes())
        if len(self.lengths):
            ends = self.total + np.cumsum(np.frombuffer(self.lengths, np.int64))
            self.files[1].write(ends.tobytes())
            self.total = int(ends[-1])
        self.n_ids += len(self.ids)
        self.n_lengths += len(self.lengths)
        del self.ids[:]
        del self.lengths[:]

    def _to_buffer(self):
        self.buffer.append(self.ids)
        self.n_ids += len(self.ids)
        del self.ids[:]

    def take_tokens(self):
        """Every id read (after a forced flush), as an int32 array of exactly that length."""
        return self.buffer.take()

    def discard(self):
        if self.files is not None:
            for f in self.files:
                f.close()
                os.unlink(f.name)


def scan(sentences, max_vocab_size=None, trim_rule=None, spill_dir=None) -> ScanResult:
    """Read an iterable of token lists once: count words and encode them with provisional ids.

    Parameters
    ----------
    sentences : iterable of list of str
        The corpus; may be a generator (it is read exactly once).
    max_vocab_size : int, optional
        gensim's RAM cap: whenever more than this many distinct words have been seen, words seen
        fewer than ``min_reduce`` times so far are forgotten (``min_reduce`` starts at 1 and grows
        by one at each pruning), as ``gensim.utils.prune_vocab``. A forgotten word that comes back
        starts counting from zero.
    trim_rule : callable, optional
        ``trim_rule(word, count, min_count)`` returning :data:`RULE_KEEP` protects a word from
        pruning (gensim's contract; here it is called with ``min_count=min_reduce``).
    spill_dir : str or os.PathLike, optional
        Write the token ids and offsets to temporary files in this directory as they are read,
        and return a :class:`DiskCorpus` (``corpus_file`` mode): memory holds only the counts.

    Returns
    -------
    ScanResult
        ``corpus`` with ids in first-seen order, ``keys[i]`` the word of id ``i`` and
        ``counts[i]`` its frequency, ``total_words`` and ``n_sentences`` of the raw text.

    Raises
    ------
    TypeError
        If a sentence is None or a string, or a token is not a ``str``; the message names the
        sentence index. Raised while counting, before any training.
    ValueError
        If the corpus holds no token at all.
    """
    if sentences is None:
        raise ValueError("no corpus given (sentences is None)")
    if isinstance(sentences, (str, bytes)):
        raise TypeError("sentences must be an iterable of token lists, not a single string")
    if max_vocab_size is not None and (isinstance(max_vocab_size, bool) or
                                       int(max_vocab_size) != max_vocab_size or max_vocab_size < 1):
        raise ValueError(f"max_vocab_size must be a positive integer or None, got {max_vocab_size!r}")
    key_to_id: dict = {}
    spill = _Spill(spill_dir)
    n_dead = 0  # ids of pruned words; new ids continue after them
    pruned_ids = []
    min_reduce = 1
    setdefault = key_to_id.setdefault
    try:
        for index, sentence in enumerate(sentences):
            _check_sentence(sentence, index)
            before = len(spill.ids)
            n_keys = len(key_to_id)
            try:
                # One dict operation per token: a new word gets the next id.
                spill.ids.extend([setdefault(w, len(key_to_id) + n_dead) for w in sentence])
            except TypeError as err:  # an unhashable token, or a sentence that is not iterable
                raise TypeError(f"sentence {index}: expected a list of str tokens ({err})") from None
            if len(key_to_id) != n_keys:
                _check_new_keys(key_to_id, len(key_to_id) - n_keys, index)
            spill.lengths.append(len(spill.ids) - before)
            if max_vocab_size is not None and len(key_to_id) > max_vocab_size:
                counted = spill.count(len(key_to_id) + n_dead)
                dead = [k for k, i in key_to_id.items() if counted[i] < min_reduce and
                        (trim_rule is None or trim_rule(k, int(counted[i]), min_reduce) != RULE_KEEP)]
                for k in dead:
                    pruned_ids.append(key_to_id.pop(k))
                n_dead += len(dead)
                min_reduce += 1
            spill.maybe_flush(len(key_to_id) + n_dead)
        n_ids = len(key_to_id) + n_dead
        keys = [None] * n_ids
        for k, i in key_to_id.items():
            keys[i] = k
        if not key_to_id:
            raise ValueError("the corpus is empty: it holds no token")
        if spill.files is None:
            spill.maybe_flush(n_ids, force=True)
            counts = spill.count(n_ids).copy()
            tokens = spill.take_tokens()
            offsets = np.zeros(len(spill.lengths) + 1, dtype=np.int64)
            np.cumsum(np.frombuffer(spill.lengths, dtype=np.int64), out=offsets[1:])
            corpus = Corpus(tokens, offsets)
        else:
            spill.maybe_flush(n_ids, force=True)
            counts = spill.counts.copy()
            for f in spill.files:
                f.close()
            corpus = DiskCorpus(spill.files[0].name, spill.files[1].name, spill.n_ids,
                                spill.n_lengths)
            spill.files = None  # owned by the DiskCorpus now
    except BaseException:
        spill.discard()
        raise
    if pruned_ids:
        counts[np.asarray(pruned_ids)] = 0
    return ScanResult(corpus, keys, counts, len(corpus), corpus.n_sentences, min_reduce,
                      len(pruned_ids))


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


# ---------------------------------------------------------------------------------- readers
def _open_text(path):
    """Open a text file for reading bytes, decompressing ``.gz`` / ``.bz2`` transparently."""
    path = os.fspath(path)
    if path.endswith(".gz"):
        return gzip.open(path, "rb")
    if path.endswith(".bz2"):
        return bz2.open(path, "rb")
    return open(path, "rb")


def _lines_as_sentences(lines, max_sentence_length, limit):
    for line_no, raw in enumerate(islice(lines, limit)):
        words = (raw.decode("utf8") if isinstance(raw, bytes) else raw).split()
        for i in range(0, len(words), max_sentence_length):
            yield words[i:i + max_sentence_length]


class LineSentence:
    """Iterate over a text file with one sentence per line, words separated by whitespace.

    gensim's ``LineSentence``: lines longer than ``max_sentence_length`` words are split into
    pieces of that length; ``.gz`` and ``.bz2`` files are decompressed on the fly; the file is
    reopened at every iteration, so it can be passed as a corpus that is read more than once.
    Long lines are read in blocks, so a single-line file such as text8 (100 MB) is never held
    whole in memory.

    Parameters
    ----------
    source : str, os.PathLike or file object
    max_sentence_length : int, default 10000
    limit : int, optional
        Read only the first ``limit`` lines.
    """

    def __init__(self, source, max_sentence_length=10000, limit=None):
        if isinstance(max_sentence_length, bool) or int(max_sentence_length) != max_sentence_length \
                or max_sentence_length < 1:
            raise ValueError(f"max_sentence_length must be a positive integer, got {max_sentence_length!r}")
        if isinstance(source, (str, os.PathLike)) and not os.path.isfile(source):
            raise FileNotFoundError(f"{source}: no such file")
        self.source, self.max_sentence_length, self.limit = source, int(max_sentence_length), limit

    def __iter__(self):
        if hasattr(self.source, "read"):
            self.source.seek(0)
            yield from _lines_as_sentences(self.source, self.max_sentence_length, self.limit)
            return
        with _open_text(self.source) as f:
            yield from _read_sentences(f, self.max_sentence_length, self.limit)


def _read_sentences(f, max_len, limit, block=1 << 20):
    """Sentences of at most ``max_len`` words from a binary file, reading ``block`` bytes at a time."""
    words, tail, lines = [], b"", 0
    while True:
        chunk = f.read(block)
        if not chunk:
            break
        chunk = tail + chunk
        parts = chunk.split(b"\n")
        tail = parts.pop()  # an unfinished line (or word) waits for the next block
        # The unfinished line's complete words can be emitted now: keep only its last word back.
        cut = max(tail.rfind(b" "), tail.rfind(b"\t"))
        for part in parts:
            words.extend(part.decode("utf8").split())
            while len(words) >= max_len:
                yield words[:max_len]
                words = words[max_len:]
            yield from ([words] if words else [])
            words = []
            lines += 1
            if limit is not None and lines >= limit:
                return
        if cut >= 0:
            words.extend(tail[:cut].decode("utf8", "strict").split())
            tail = tail[cut + 1:]
            while len(words) >= max_len:
                yield words[:max_len]
                words = words[max_len:]
    words.extend(tail.decode("utf8").split())
    for i in range(0, len(words), max_len):
        yield words[i:i + max_len]


class PathLineSentences:
    """:class:`LineSentence` over every file of a directory, in sorted name order (gensim's).

    Parameters
    ----------
    source : str or os.PathLike
        A directory (or a single file).
    max_sentence_length : int, default 10000
    limit : int, optional
        Lines read per file.
    """

    def __init__(self, source, max_sentence_length=10000, limit=None):
        source = os.fspath(source)
        if os.path.isfile(source):
            self.paths = [source]
        elif os.path.isdir(source):
            self.paths = sorted(os.path.join(source, n) for n in os.listdir(source)
                                if os.path.isfile(os.path.join(source, n)))
        else:
            raise FileNotFoundError(f"{source}: no such file or directory")
        if not self.paths:
            raise ValueError(f"{source}: the directory holds no files")
        self.max_sentence_length, self.limit = max_sentence_length, limit

    def __iter__(self):
        for path in self.paths:
            yield from LineSentence(path, self.max_sentence_length, self.limit)
