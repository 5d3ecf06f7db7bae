r"""Character n-grams and their hash buckets: the subword rows of FastText.

FastText (Bojanowski et al. 2017) represents a word :math:`w` by the bag :math:`\mathcal G_w` of
its character n-grams plus the word itself. This module follows the reference code
(facebookresearch/fastText ``src/dictionary.cc``, ``computeSubwords`` and ``hash``) exactly, so
that rows, vectors and ``.bin`` files agree with fastText's:

* the word is wrapped in boundary symbols, ``<w>``;
* an n-gram is a run of :math:`n` whole **UTF-8 code points** (it starts only at a byte that is
  not a continuation byte ``10xxxxxx`` and grows by whole characters), for
  ``min_n <= n <= max_n``; the 1-grams that are just ``<`` or ``>`` are skipped, and the whole
  ``<w>`` is one of the n-grams only when it has at most ``max_n`` characters;
* each n-gram is hashed with 32-bit FNV-1a over its bytes, where each byte is **sign-extended**
  (``h ^= uint32(int8(byte)); h *= 16777619`` from ``h = 2166136261``): released fastText models
  were trained with a signed ``char``, so bytes >= 0x80 become ``0xFFFFFFxx`` before the XOR;
* the n-gram's row in the input matrix is ``nwords + hash % bucket`` (rows ``0..nwords-1`` are the
  vocabulary words themselves);
* a vocabulary word's inputs are ``[its own row, its n-gram rows...]`` in the order
  ``computeSubwords`` emits them (by start position, then by length; a repeated n-gram is listed
  each time it occurs); the end-of-sentence token ``</s>`` gets no n-grams; an out-of-vocabulary
  word has only its n-gram rows (its vector is their mean, the zero vector if there are none).

The paper writes the score as a *sum* over :math:`\mathcal G_w`; the code *averages* the rows in
the hidden layer (``Model::computeHidden``) and adds the whole, unscaled gradient to every row,
which is :func:`embedlearn.kernels.sgd.sgd_step` with ``cbow_mean=True``.

The numba kernels take a whole vocabulary as one ``uint8`` byte array plus ``int64`` offsets
(word ``i`` is ``word_bytes[word_offsets[i]:word_offsets[i + 1]]``) and return flat ``int32``
rows plus ``int64`` offsets. They know nothing of words beyond bytes. The Python helpers at the
end (:func:`encode_words`, :func:`subword_rows`, :func:`ft_hash`, :func:`compute_ngrams`,
:func:`ngram_rows`) validate arguments and turn strings into those arrays.
"""
from __future__ import annotations

from numbers import Integral

import numpy as np
from numba import njit

__all__ = [
    "FNV_OFFSET_BASIS", "FNV_PRIME", "EOS",
    "fnv1a_update", "ft_hash_bytes", "count_ngrams", "word_ngrams", "ngram_hashes",
    "subword_rows_kernel", "mean_rows",
    "encode_words", "check_ngram_args", "subword_rows", "ft_hash", "compute_ngrams", "ngram_rows",
]

#: FNV-1a 32-bit offset basis and prime.
FNV_OFFSET_BASIS = 2166136261
FNV_PRIME = 16777619
#: fastText's end-of-sentence token; it gets no character n-grams.
EOS = "</s>"

_BASIS = np.uint64(FNV_OFFSET_BASIS)
_PRIME = np.uint64(FNV_PRIME)
_MASK32 = np.uint64(0xFFFFFFFF)
_SIGN_EXTEND = np.uint64(0xFFFFFF00)
_BOW = np.uint8(ord("<"))
_EOW = np.uint8(ord(">"))
_INT32_MAX = 2**31 - 1


# =========================================================================== kernels
@njit(cache=True, nogil=True, inline="always")
def fnv1a_update(h, byte):
    """One FNV-1a step on a 32-bit state held in a ``uint64``, with fastText's sign extension.

    Parameters
    ----------
    h : uint64
        The state (below 2**32).
    byte : uint8

    Returns
    -------
    uint64
        ``(h ^ uint32(int8(byte))) * 16777619 mod 2**32``.
    """
    x = np.uint64(byte)
    if byte >= 128:
        # int8(byte) is negative: widening it to 32 bits fills the high 24 bits with ones.
        x |= _SIGN_EXTEND
    # (h ^ x) < 2**32 and the prime < 2**25: the product fits in 64 bits, then keep 32.
    return ((h ^ x) * _PRIME) & _MASK32


@njit(cache=True, nogil=True)
def ft_hash_bytes(data):
    """fastText's ``Dictionary::hash`` of a byte string (FNV-1a 32, sign-extended bytes).

    Parameters
    ----------
    data : uint8 array

    Returns
    -------
    uint64
        The 32-bit hash (``0 <= h < 2**32``).
    """
    h = _BASIS
    for i in range(data.shape[0]):
        h = fnv1a_update(h, data[i])
    return h


@njit(cache=True, nogil=True, inline="always")
def _is_continuation(byte):
    """A UTF-8 continuation byte (``10xxxxxx``) never starts a character."""
    return (byte & np.uint8(0xC0)) == np.uint8(0x80)


@njit(cache=True, nogil=True, inline="always")
def _wrapped_byte(word_bytes, start, length, p):
    """Byte ``p`` of ``<w>`` where ``w = word_bytes[start:start + length]``, without copying it."""
    if p == 0:
        return _BOW
    if p == length + 1:
        return _EOW
    return word_bytes[start + p - 1]


@njit(cache=True, nogil=True)
def count_ngrams(n_chars, min_n, max_n):
    """Number of n-grams ``computeSubwords`` emits for a wrapped word ``<w>`` of ``n_chars``.

    Parameters
    ----------
    n_chars : int
        Characters (code points) of ``<w>``, i.e. of ``w`` plus 2.
    min_n, max_n : int
        N-gram lengths in characters, ``min_n <= n <= max_n``.

    Returns
    -------
    int
        With repeats (an n-gram occurring twice counts twice).
    """
    total = 0
    for k in range(n_chars):
        longest = min(max_n, n_chars - k)
        if longest >= min_n:
            total += longest - max(min_n, 1) + 1
            # The 1-grams "<" (k = 0) and ">" (k = n_chars - 1) are skipped.
            if min_n <= 1 and (k == 0 or k == n_chars - 1):
                total -= 1
    return total


@njit(cache=True, nogil=True)
def word_ngrams(word_bytes, start, end, min_n, max_n, hashes, spans, pos):
    """Hash every n-gram of ``<w>``, ``w = word_bytes[start:end]``, in ``computeSubwords`` order.

    For each character start ``i`` of ``<w>`` and growing length ``n = 1..max_n`` (whole code
    points), the n-gram is emitted when ``n >= min_n``, except the 1-grams ``<`` and ``>``. The
    hash of each prefix extends the previous one (FNV-1a is sequential), so a word costs
    ``O(bytes * max_n)``.

    Parameters
    ----------
    word_bytes : uint8 array
    start, end : int
        The word's bytes (without the ``<``/``>`` boundary symbols, which are added here).
    min_n, max_n : int
    hashes : uint32 array
        Output: 32-bit hashes written at ``hashes[pos:]`` (its size must suffice, see
        :func:`count_ngrams`).
    spans : int64 array (M, 2)
        Output, if ``M > 0``: byte spans ``[begin, end)`` of each n-gram in ``<w>`` coordinates
        (byte 0 is ``<``), written at ``spans[pos:]``; pass an array of shape ``(0, 2)`` to skip.
    pos : int
        Where to start writing.

    Returns
    -------
    int
        ``pos`` plus the number of n-grams written.
    """
    length = end - start
    size = length + 2
    with_spans = spans.shape[0] > 0
    for i in range(size):
        if _is_continuation(_wrapped_byte(word_bytes, start, length, i)):
            continue
        h = _BASIS
        j = i
        n = 1
        while j < size and n <= max_n:
            h = fnv1a_update(h, _wrapped_byte(word_bytes, start, length, j))
            j += 1
            while j < size and _is_continuation(_wrapped_byte(word_bytes, start, length, j)):
                h = fnv1a_update(h, _wrapped_byte(word_bytes, start, length, j))
                j += 1
            if n >= min_n and not (n == 1 and (i == 0 or j == size)):
                hashes[pos] = np.uint32(h)
                if with_spans:
                    spans[pos, 0] = i
                    spans[pos, 1] = j
                pos += 1
            n += 1
    return pos


@njit(cache=True, nogil=True)
def _n_chars(word_bytes, start, end):
    """Code points of ``word_bytes[start:end]``: the bytes that are not continuation bytes."""
    c = 0
    for p in range(start, end):
        if not _is_continuation(word_bytes[p]):
            c += 1
    return c


@njit(cache=True, nogil=True)
def ngram_hashes(word_bytes, word_offsets, min_n, max_n, no_ngrams):
    """The 32-bit hashes of every word's n-grams, as one flat array.

    Parameters
    ----------
    word_bytes : uint8 array
        All words' UTF-8 bytes, concatenated.
    word_offsets : int64 array (V + 1,)
        Word ``i`` is ``word_bytes[word_offsets[i]:word_offsets[i + 1]]``.
    min_n, max_n : int
        ``1 <= min_n``; ``max_n < min_n`` gives no n-grams.
    no_ngrams : bool array (V,) or (0,)
        Words that get no n-grams (``</s>``); an empty array means none.

    Returns
    -------
    hashes : uint32 array
        Word ``i``'s n-gram hashes are ``hashes[offsets[i]:offsets[i + 1]]``.
    offsets : int64 array (V + 1,)
    """
    V = word_offsets.shape[0] - 1
    skip = no_ngrams.shape[0] > 0
    offsets = np.empty(V + 1, np.int64)
    offsets[0] = 0
    for w in range(V):
        c = 0
        if not (skip and no_ngrams[w]):
            c = count_ngrams(_n_chars(word_bytes, word_offsets[w], word_offsets[w + 1]) + 2,
                             min_n, max_n)
        offsets[w + 1] = offsets[w] + c
    hashes = np.empty(offsets[V], np.uint32)
    no_spans = np.empty((0, 2), np.int64)
    for w in range(V):
        if offsets[w + 1] > offsets[w]:
            word_ngrams(word_bytes, word_offsets[w], word_offsets[w + 1], min_n, max_n, hashes,
                        no_spans, offsets[w])
    return hashes, offsets


@njit(cache=True, nogil=True)
def subword_rows_kernel(word_bytes, word_offsets, min_n, max_n, bucket, nwords, word_rows,
                        no_ngrams):
    """Input rows of every word: ``[own row] + [nwords + hash % bucket for each n-gram]``.

    Parameters
    ----------
    word_bytes : uint8 array
    word_offsets : int64 array (V + 1,)
        The words, as in :func:`ngram_hashes`.
    min_n, max_n : int
    bucket : int
        Number of n-gram buckets; 0 means no n-grams (plain word vectors).
    nwords : int
        Rows ``0..nwords-1`` belong to the vocabulary; n-gram rows start at ``nwords``.
    word_rows : bool
        Put row ``i`` first in word ``i``'s list (vocabulary words, with ``nwords = V``); False
        gives the n-gram rows only (out-of-vocabulary words).
    no_ngrams : bool array (V,) or (0,)
        Words that get no n-grams (``</s>``).

    Returns
    -------
    rows : int32 array
        Word ``i``'s input rows are ``rows[offsets[i]:offsets[i + 1]]``.
    offsets : int64 array (V + 1,)
    """
    V = word_offsets.shape[0] - 1
    if bucket > 0:
        hashes, h_off = ngram_hashes(word_bytes, word_offsets, min_n, max_n, no_ngrams)
    else:
        hashes = np.empty(0, np.uint32)
        h_off = np.zeros(V + 1, np.int64)
    own = 1 if word_rows else 0
    offsets = np.empty(V + 1, np.int64)
    for w in range(V + 1):
        offsets[w] = h_off[w] + own * w
    rows = np.empty(offsets[V], np.int32)
    b = np.uint64(max(bucket, 1))
    for w in range(V):
        p = offsets[w]
        if word_rows:
            rows[p] = w
            p += 1
        for k in range(h_off[w], h_off[w + 1]):
            # uint32 % bucket, as fastText (hash is uint32_t, bucket converted to it).
            rows[p] = nwords + np.int64(np.uint64(hashes[k]) % b)
            p += 1
    return rows, offsets


@njit(cache=True, nogil=True)
def mean_rows(W, rows, offsets, out):
    """``out[i] = mean(W[rows[offsets[i]:offsets[i + 1]]])``; a zero row if the list is empty.

    fastText's ``getWordVector``: the average of a word's subword rows (summed in float32 in the
    listed order, then multiplied by ``1 / count``, as ``Vector::mul``).

    Parameters
    ----------
    W : float32 array (R, N)
    rows : int32 array
        A row ``-1`` stands for a zero row: it counts in the mean and adds nothing (a hash bucket
        that holds no row, see :class:`embedlearn.fasttext.FastTextKeyedVectors`).
    offsets : int64 array (V + 1,)
    out : float32 array (V, N)
        Written in place.
    """
    N = W.shape[1]
    for i in range(offsets.shape[0] - 1):
        for k in range(N):
            out[i, k] = 0.0
        a, b = offsets[i], offsets[i + 1]
        for p in range(a, b):
            r = rows[p]
            if r < 0:
                continue
            for k in range(N):
                out[i, k] += W[r, k]
        if b > a:
            # fastText multiplies by float(1.0 / count), the quotient taken in double.
            inv = np.float32(1.0 / (b - a))
            for k in range(N):
                out[i, k] *= inv


# =========================================================================== Python helpers
def _int(value, name) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return int(value)


def check_ngram_args(min_n, max_n, bucket) -> tuple[int, int, int]:
    """Validate n-gram settings; return them as ints.

    ``bucket = 0`` means no n-grams (plain word vectors), as does ``max_n = 0`` (fastText's
    ``-maxn 0``); then ``min_n`` is not checked. Otherwise ``1 <= min_n <= max_n``.

    Raises
    ------
    TypeError
        A value is not an int.
    ValueError
        ``bucket < 0``, ``bucket >= 2**31``, ``min_n < 1`` or ``min_n > max_n``.
    """
    min_n, max_n, bucket = _int(min_n, "min_n"), _int(max_n, "max_n"), _int(bucket, "bucket")
    if bucket < 0:
        raise ValueError(f"bucket must be >= 0 (0 disables character n-grams), got {bucket}")
    if bucket > _INT32_MAX:
        raise ValueError(f"bucket must be < 2**31 (fastText's rows are int32), got {bucket}")
    if max_n < 0:
        raise ValueError(f"max_n must be >= 0 (0 disables character n-grams), got {max_n}")
    if bucket == 0 or max_n == 0:
        return min_n, max_n, bucket
    if min_n < 1:
        raise ValueError(f"min_n must be >= 1, got {min_n}")
    if min_n > max_n:
        raise ValueError(f"min_n must be <= max_n, got min_n={min_n} > max_n={max_n}")
    return min_n, max_n, bucket


def _ngrams_off(max_n, bucket) -> bool:
    return bucket == 0 or max_n == 0


def encode_words(words) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate the UTF-8 bytes of ``words``: ``(word_bytes uint8, word_offsets int64)``.

    Parameters
    ----------
    words : sequence of str

    Returns
    -------
    word_bytes : uint8 array
    word_offsets : int64 array (len(words) + 1,)

    Raises
    ------
    TypeError
        If a word is not a ``str``.
    """
    encoded = []
    for i, w in enumerate(words):
        if not isinstance(w, str):
            raise TypeError(f"words must be str; words[{i}] is {type(w).__name__} {w!r}")
        encoded.append(w.encode("utf-8"))
    offsets = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), np.uint8).copy(), offsets


def subword_rows(words, min_n=3, max_n=6, bucket=2_000_000, *, nwords=None, word_rows=True):
    """Input rows of each word, as fastText builds them (``Dictionary::initNgrams``).

    Parameters
    ----------
    words : sequence of str
        A vocabulary (word ``i`` owns row ``i``), or out-of-vocabulary words (``word_rows=False``).
    min_n, max_n : int, default 3, 6
        N-gram lengths in characters (fastText's ``-minn``/``-maxn``).
    bucket : int, default 2,000,000
        Hash buckets; 0 gives plain word vectors (each word's list is its own row).
    nwords : int, optional
        First n-gram row; default ``len(words)`` (a vocabulary). Give the model's vocabulary size
        for out-of-vocabulary words.
    word_rows : bool, default True
        Put each word's own row first; False gives n-gram rows only (fastText's ``getSubwords``
        for a word not in the vocabulary).

    Returns
    -------
    rows : int32 array
        Word ``i``'s rows are ``rows[offsets[i]:offsets[i + 1]]``: its own row (if ``word_rows``)
        then ``nwords + hash % bucket`` for each n-gram in fastText's order (repeats kept). ``</s>``
        gets no n-grams.
    offsets : int64 array (len(words) + 1,)

    Raises
    ------
    ValueError
        Bad n-gram settings (see :func:`check_ngram_args`), ``nwords < 0``, or rows that would not
        fit in int32 (``nwords + bucket >= 2**31``).

    Examples
    --------
    >>> rows, offsets = subword_rows(["where", "</s>"], min_n=3, max_n=3, bucket=100)
    >>> offsets.tolist(), rows[:1].tolist(), rows[offsets[1]:].tolist()
    ([0, 6, 7], [0], [1])
    """
    min_n, max_n, bucket = check_ngram_args(min_n, max_n, bucket)
    words = list(words)
    nwords = len(words) if nwords is None else _int(nwords, "nwords")
    if nwords < 0:
        raise ValueError(f"nwords must be >= 0, got {nwords}")
    if word_rows and nwords < len(words):
        raise ValueError(f"nwords={nwords} is smaller than the {len(words)} words that own rows")
    if nwords + bucket > _INT32_MAX:
        raise ValueError(f"nwords + bucket = {nwords + bucket} rows do not fit in int32")
    word_bytes, word_offsets = encode_words(words)
    no_ngrams = np.fromiter((w == EOS for w in words), bool, len(words))
    if _ngrams_off(max_n, bucket):
        bucket = 0
    return subword_rows_kernel(word_bytes, word_offsets, min_n, max_n, bucket, nwords,
                               bool(word_rows), no_ngrams)


def ft_hash(word) -> int:
    """fastText's 32-bit FNV-1a hash of a string's UTF-8 bytes (sign-extended, see module doc).

    Parameters
    ----------
    word : str or bytes

    Returns
    -------
    int
        In ``[0, 2**32)``.

    Examples
    --------
    >>> hex(ft_hash("a"))  # the standard FNV-1a 32 test vector (ASCII: no sign extension)
    '0xe40c292c'
    """
    if isinstance(word, str):
        word = word.encode("utf-8")
    elif not isinstance(word, (bytes, bytearray)):
        raise TypeError(f"word must be str or bytes, got {type(word).__name__}")
    return int(ft_hash_bytes(np.frombuffer(bytes(word), np.uint8)))


def _word_ngrams(word, min_n, max_n):
    """(hashes, spans, wrapped bytes) of one word's n-grams."""
    if not isinstance(word, str):
        raise TypeError(f"word must be str, got {type(word).__name__}")
    data = np.frombuffer(word.encode("utf-8"), np.uint8)
    n = count_ngrams(_n_chars(data, 0, data.shape[0]) + 2, min_n, max_n)
    hashes = np.empty(n, np.uint32)
    spans = np.empty((n, 2), np.int64)
    word_ngrams(data, 0, data.shape[0], min_n, max_n, hashes, spans, 0)
    return hashes, spans, b"<" + data.tobytes() + b">"


def compute_ngrams(word, min_n=3, max_n=6) -> list:
    """The character n-grams of ``<word>``, in fastText's order (repeats kept).

    A pure function of the string: unlike :func:`ngram_rows` it does not treat ``</s>`` apart.

    Parameters
    ----------
    word : str
    min_n, max_n : int, default 3, 6
        ``1 <= min_n <= max_n``.

    Returns
    -------
    list of str

    Examples
    --------
    >>> compute_ngrams("where", 3, 3)
    ['<wh', 'whe', 'her', 'ere', 're>']
    >>> compute_ngrams("hé", 1, 6)
    ['<h', '<hé', '<hé>', 'h', 'hé', 'hé>', 'é', 'é>']
    """
    min_n, max_n, _ = check_ngram_args(min_n, max_n, 1)
    if max_n == 0:
        return []
    _, spans, wrapped = _word_ngrams(word, min_n, max_n)
    return [wrapped[a:b].decode("utf-8") for a, b in spans.tolist()]


def ngram_rows(word, min_n=3, max_n=6, bucket=2_000_000, nwords=0) -> np.ndarray:
    """Rows of an out-of-vocabulary word: ``nwords + hash % bucket`` of each of its n-grams.

    fastText's ``getSubwords`` for a word not in the vocabulary (its vector is the mean of these
    rows, the zero vector when there are none). ``</s>`` and ``bucket = 0`` give no rows.

    Parameters
    ----------
    word : str
    min_n, max_n, bucket : int
        As in :func:`subword_rows`.
    nwords : int, default 0
        The model's vocabulary size (first n-gram row).

    Returns
    -------
    int32 array
    """
    min_n, max_n, bucket = check_ngram_args(min_n, max_n, bucket)
    nwords = _int(nwords, "nwords")
    if nwords < 0:
        raise ValueError(f"nwords must be >= 0, got {nwords}")
    if nwords + bucket > _INT32_MAX:
        raise ValueError(f"nwords + bucket = {nwords + bucket} rows do not fit in int32")
    if not isinstance(word, str):
        raise TypeError(f"word must be str, got {type(word).__name__}")
    if word == EOS or _ngrams_off(max_n, bucket):
        return np.empty(0, np.int32)
    hashes, _, _ = _word_ngrams(word, min_n, max_n)
    return (nwords + hashes.astype(np.int64) % bucket).astype(np.int32)
