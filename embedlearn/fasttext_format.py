"""Facebook fastText's model files: read and write ``.bin``, write ``.vec``.

A ``.bin`` holds everything ``fasttext.load_model`` needs. The layout (little-endian, no padding)
is what ``FastText::saveModel`` writes in facebookresearch/fastText (``src/fasttext.cc``,
``args.cc``, ``dictionary.cc``, ``densematrix.cc``):

======================  ==========================================================================
int32 ×2                magic 793712314, format version (11 or 12)
args                    int32 dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket,
                        minn, maxn, lrUpdateRate; float64 t
dictionary              int32 size, nwords, nlabels; int64 ntokens, pruneidx_size; then ``size``
                        entries ``word bytes, NUL, int64 count, int8 type``; then ``pruneidx_size``
                        pairs of int32 (only in pruned, i.e. quantised, models)
bool + matrix           quant_input; int64 rows (= nwords + bucket), int64 cols (= dim),
                        rows × cols float32: the input matrix (words, then n-gram buckets)
bool + matrix           qout; int64 rows (= nwords), int64 cols, float32: the output matrix
======================  ==========================================================================

Only unsupervised models (``cbow``, ``skipgram``) with dense matrices are supported, as in gensim's
``_fasttext_bin.py``: a supervised model (``model = sup`` or labels in the dictionary) or a
quantised one (``.ftz``) raises :class:`~embedlearn.errors.ModelFileError`. Files from before the
magic number (fastText before May 2017) are not read: their layout changed several times.

Every size in the file is checked against the bytes that remain *before* anything is allocated,
so a corrupt or lying header gives :class:`~embedlearn.errors.TruncatedFileError` or
:class:`~embedlearn.errors.ModelFileError` naming the file and the byte offset, never a crash or a
huge allocation.
"""
from __future__ import annotations

import math
import mmap
import os
import struct
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from ._io import atomic_write
from .errors import ModelFileError, TruncatedFileError
from .kernels.subwords import mean_rows, ngram_rows, subword_rows

__all__ = ["FastTextBin", "read_fasttext_bin", "write_fasttext_bin", "write_fasttext_vec",
           "FASTTEXT_MAGIC", "FASTTEXT_VERSION"]

FASTTEXT_MAGIC = 793712314
FASTTEXT_VERSION = 12
_KNOWN_VERSIONS = (11, 12)

# fastText's enums (src/args.h): model_name {cbow = 1, sg, sup}, loss_name {hs = 1, ns, softmax, ova}.
_MODELS = {1: "cbow", 2: "skipgram"}
_SUPERVISED = 3
_LOSSES = {1: "hs", 2: "ns", 3: "softmax", 4: "ova"}
_MODEL_CODES = {v: k for k, v in _MODELS.items()}
_LOSS_CODES = {v: k for k, v in _LOSSES.items()}

_ARGS = struct.Struct("<12id")
_ARG_NAMES = ("dim", "ws", "epoch", "min_count", "neg", "word_ngrams", "loss", "model", "bucket",
              "minn", "maxn", "lr_update_rate")
_DICT_HEADER = struct.Struct("<3i2q")
_ENTRY_TAIL = struct.Struct("<qb")  # count, type
_MATRIX_SHAPE = struct.Struct("<2q")
_BOOL = struct.Struct("<B")
# Bytes a dictionary entry needs at least: an empty word's NUL, the count and the type.
_MIN_ENTRY = 1 + _ENTRY_TAIL.size
# Characters that end a token in fastText's readWord: a word containing one cannot come from text.
_WORD_DELIMITERS = (" ", "\n", "\r", "\t", "\v", "\f", "\0")
_INT32_MAX = 2**31 - 1


@dataclass(eq=False)
class FastTextBin:
    """The content of an unsupervised fastText ``.bin``: dictionary, matrices and training args.

    A plain container; :class:`embedlearn.FastText` builds itself from one and makes one to save.
    Field names are fastText's (``Args``), in snake case.

    Parameters
    ----------
    words : list of str
        The dictionary, in file order (fastText sorts by descending count); word ``i`` owns row
        ``i`` of both matrices.
    counts : int64 array (nwords,)
    input_matrix : float32 array (nwords + bucket, dim)
        Word rows, then one row per n-gram bucket (fastText's ``input``, gensim's
        ``vectors_vocab`` + ``vectors_ngrams``).
    output_matrix : float32 array (nwords, dim) or None
        Output vectors (``syn1neg`` for ``loss="ns"``); None when read with ``load_output=False``.
    model : {"skipgram", "cbow"}
    loss : {"ns", "hs", "softmax", "ova"}
    bucket, minn, maxn : int
        N-gram buckets and lengths (``maxn = 0`` or ``bucket = 0``: no n-grams).
    ws, epoch, min_count, neg, word_ngrams, lr_update_rate : int
        The remaining training arguments, stored for fastText (defaults: fastText's).
    t : float
        Subsampling threshold.
    ntokens : int or None
        Tokens read when the dictionary was built; None writes ``sum(counts)``.
    version : int
        Format version the file had (11 or 12); files are always written as 12.
    path : str or None
        The file it was read from (not written).
    """

    words: list
    counts: np.ndarray
    input_matrix: np.ndarray
    output_matrix: np.ndarray | None
    model: str = "skipgram"
    loss: str = "ns"
    bucket: int = 2_000_000
    minn: int = 3
    maxn: int = 6
    ws: int = 5
    epoch: int = 5
    min_count: int = 5
    neg: int = 5
    word_ngrams: int = 1
    lr_update_rate: int = 100
    t: float = 1e-4
    ntokens: int | None = None
    version: int = FASTTEXT_VERSION
    path: str | None = None

    @property
    def nwords(self) -> int:
        """Number of vocabulary words (rows ``0..nwords-1`` of the input matrix)."""
        return len(self.words)

    @property
    def dim(self) -> int:
        """Vector size."""
        return int(self.input_matrix.shape[1])

    def _ngram_settings(self):
        # fastText is lenient: minn 0 acts as 1 (n starts at 1) and maxn < minn gives no n-grams.
        minn = max(int(self.minn), 1)
        maxn = int(self.maxn)
        bucket = int(self.bucket) if maxn >= minn else 0
        return minn, maxn, bucket

    def subword_rows(self):
        """Each word's input rows, ``[own row, n-gram rows...]``, as fastText's ``initNgrams``.

        Returns
        -------
        rows : int32 array
        offsets : int64 array (nwords + 1,)
            See :func:`embedlearn.kernels.subwords.subword_rows`.
        """
        minn, maxn, bucket = self._ngram_settings()
        return subword_rows(self.words, minn, maxn, bucket)

    def word_vectors(self) -> np.ndarray:
        """fastText's ``getWordVector`` of every vocabulary word: the mean of its input rows.

        Returns
        -------
        float32 array (nwords, dim)
            What fastText writes to the ``.vec`` file.
        """
        rows, offsets = self.subword_rows()
        out = np.empty((self.nwords, self.dim), np.float32)
        mean_rows(np.ascontiguousarray(self.input_matrix, np.float32), rows, offsets, out)
        return out

    def word_vector(self, word) -> np.ndarray:
        """fastText's ``getWordVector`` of any word; an unknown word gets the mean of its n-grams.

        The zero vector if an unknown word has no n-grams (e.g. ``</s>`` or ``bucket = 0``).
        """
        minn, maxn, bucket = self._ngram_settings()
        rows = ngram_rows(word, minn, maxn, bucket, self.nwords)
        try:
            # A vocabulary word's own row comes first (fastText's initNgrams).
            rows = np.concatenate(([self.words.index(word)], rows)).astype(np.int32)
        except ValueError:
            pass
        out = np.empty((1, self.dim), np.float32)
        mean_rows(np.ascontiguousarray(self.input_matrix, np.float32), rows,
                  np.array([0, rows.size], np.int64), out)
        return out[0]


# =========================================================================== reading
class _Cursor:
    """Checked reads from a byte buffer: every read names the file and offset when it fails."""

    def __init__(self, path, buf):
        self.path, self.buf, self.pos, self.size = path, buf, 0, len(buf)

    def fail(self, message, at=None):
        return ModelFileError(f"{self.path}: byte {self.pos if at is None else at}: {message}")

    def need(self, n, what):
        if n > self.size - self.pos:
            raise TruncatedFileError(
                f"{self.path}: truncated at byte {self.pos}: {what} needs {n:,} bytes, but the file "
                f"ends at byte {self.size:,}")

    def unpack(self, fmt: struct.Struct, what):
        self.need(fmt.size, what)
        values = fmt.unpack_from(self.buf, self.pos)
        self.pos += fmt.size
        return values

    def flag(self, what):
        at = self.pos
        (value,) = self.unpack(_BOOL, what)
        if value not in (0, 1):
            raise self.fail(f"{what} must be a bool (0 or 1), got {value}: corrupt file", at)
        return bool(value)

    def word(self, index):
        end = self.buf.find(b"\0", self.pos)
        if end < 0:
            raise TruncatedFileError(
                f"{self.path}: truncated at byte {self.pos}: dictionary entry {index} has no "
                f"terminating NUL before the end of the file (byte {self.size:,})")
        raw = self.buf[self.pos:end]
        self.pos = end + 1
        return raw

    def matrix(self, rows, cols, what):
        self.need(rows * cols * 4, what)  # Python ints: no overflow from a lying header
        view = np.frombuffer(self.buf, dtype="<f4", count=rows * cols, offset=self.pos)
        out = view.astype(np.float32).reshape(rows, cols)  # a copy: the mmap can close
        del view
        self.pos += rows * cols * 4
        return out

    def skip(self, n, what):
        self.need(n, what)
        self.pos += n



def _parse(cur: _Cursor, load_output, unicode_errors) -> FastTextBin:
    magic, version = cur.unpack(struct.Struct("<2i"), "the magic number and version")
    if magic != FASTTEXT_MAGIC:
        raise cur.fail(f"not a fastText .bin model: magic number {magic} (0x{magic & 0xFFFFFFFF:08x}), "
                       f"expected {FASTTEXT_MAGIC} (text .vec files are read with "
                       f"KeyedVectors.load_word2vec_format; fastText files from before May 2017 "
                       f"have no magic number and are not supported)", 0)
    if version not in _KNOWN_VERSIONS:
        raise cur.fail(f"fastText format version {version}; this reader knows versions "
                       f"{_KNOWN_VERSIONS[0]} and {_KNOWN_VERSIONS[-1]}", 4)

    args_at = cur.pos
    *ints, t = cur.unpack(_ARGS, "the args block")
    args = dict(zip(_ARG_NAMES, ints))
    field_at = {name: args_at + 4 * i for i, name in enumerate(_ARG_NAMES)}
    if args["model"] == _SUPERVISED:
        raise cur.fail("a supervised fastText model (model = sup, a classifier); only unsupervised "
                       "models (cbow, skipgram) are supported", field_at["model"])
    if args["model"] not in _MODELS:
        raise cur.fail(f"unknown model code {args['model']} (cbow = 1, skipgram = 2): corrupt file",
                       field_at["model"])
    if args["loss"] not in _LOSSES:
        raise cur.fail(f"unknown loss code {args['loss']} (hs = 1, ns = 2, softmax = 3, ova = 4): "
                       "corrupt file", field_at["loss"])
    for name, low in (("dim", 1), ("bucket", 0), ("minn", 0), ("maxn", 0)):
        if args[name] < low:
            raise cur.fail(f"{name} = {args[name]} must be >= {low}: corrupt file", field_at[name])
    if not math.isfinite(t):
        raise cur.fail(f"t = {t} is not finite: corrupt file", args_at + 48)

    dict_at = cur.pos
    size, nwords, nlabels, ntokens, pruneidx_size = cur.unpack(_DICT_HEADER, "the dictionary header")
    if nlabels > 0:
        raise cur.fail(f"the dictionary holds {nlabels} labels: a supervised fastText model; only "
                       "unsupervised models are supported", dict_at + 8)
    if nwords < 0 or nlabels < 0 or size != nwords + nlabels:
        raise cur.fail(f"inconsistent dictionary sizes (size {size}, nwords {nwords}, nlabels "
                       f"{nlabels}): corrupt file", dict_at)
    if ntokens < 0:
        raise cur.fail(f"ntokens = {ntokens} is negative: corrupt file", dict_at + 12)
    if pruneidx_size < -1:
        raise cur.fail(f"pruneidx_size = {pruneidx_size} is below -1: corrupt file", dict_at + 20)
    if nwords + args["bucket"] > _INT32_MAX:
        raise cur.fail(f"nwords + bucket = {nwords + args['bucket']} rows exceed fastText's int32 "
                       "ids: corrupt file", dict_at)
    # Bound the loop (and the lists) by what the file can hold before reading any entry.
    cur.need(size * _MIN_ENTRY, f"a dictionary of {size:,} entries")

    words, counts, seen = [], np.empty(size, np.int64), {}
    for i in range(size):
        at = cur.pos
        raw = cur.word(i)
        count, kind = cur.unpack(_ENTRY_TAIL, f"dictionary entry {i}")
        if kind != 0:
            what = "a label" if kind == 1 else f"unknown entry type {kind}"
            raise cur.fail(f"dictionary entry {i} is {what}, but the dictionary declares only words: "
                           "corrupt file", cur.pos - 1)
        if count < 0:
            raise cur.fail(f"dictionary entry {i} has a negative count {count}: corrupt file",
                           cur.pos - _ENTRY_TAIL.size)
        try:
            word = raw.decode("utf-8", unicode_errors)
        except UnicodeDecodeError as err:
            raise cur.fail(f"dictionary entry {i} is not valid UTF-8 ({err.reason} at byte "
                           f"{at + err.start}); pass unicode_errors='replace' to read it anyway", at)
        first = seen.setdefault(word, i)
        if first != i:
            raise cur.fail(f"dictionary entry {i} repeats the word {word!r} of entry {first}: "
                           "corrupt file", at)
        words.append(word)
        counts[i] = count
    if pruneidx_size > 0:
        cur.skip(8 * pruneidx_size, f"{pruneidx_size:,} pruned-index pairs")

    quant_at = cur.pos
    if cur.flag("the quant_input flag"):
        raise cur.fail("a quantised fastText model (.ftz, product-quantised input matrix); only "
                       "models with dense matrices (.bin) are supported", quant_at)
    if pruneidx_size >= 0:
        raise cur.fail(f"the dictionary is pruned (pruneidx_size = {pruneidx_size}) but the matrix "
                       "is not quantised; fastText refuses such a file too", dict_at + 20)

    shape_at = cur.pos
    rows, cols = cur.unpack(_MATRIX_SHAPE, "the input matrix shape")
    if (rows, cols) != (nwords + args["bucket"], args["dim"]):
        raise cur.fail(f"input matrix of shape ({rows}, {cols}), expected (nwords + bucket, dim) = "
                       f"({nwords + args['bucket']}, {args['dim']}): corrupt file", shape_at)
    input_matrix = cur.matrix(rows, cols, f"the ({rows:,}, {cols}) input matrix")

    cur.flag("the qout flag")  # a dense output matrix either way (fastText: quant_ && qout)
    shape_at = cur.pos
    rows, cols = cur.unpack(_MATRIX_SHAPE, "the output matrix shape")
    if (rows, cols) != (nwords, args["dim"]):
        raise cur.fail(f"output matrix of shape ({rows}, {cols}), expected (nwords, dim) = "
                       f"({nwords}, {args['dim']}): corrupt file", shape_at)
    if load_output:
        output_matrix = cur.matrix(rows, cols, f"the ({rows:,}, {cols}) output matrix")
    else:
        cur.skip(rows * cols * 4, f"the ({rows:,}, {cols}) output matrix")
        output_matrix = None
    if cur.pos != cur.size:
        raise cur.fail(f"{cur.size - cur.pos:,} unexpected bytes after the output matrix: corrupt "
                       "file or not a fastText model")

    return FastTextBin(
        words=words, counts=counts, input_matrix=input_matrix, output_matrix=output_matrix,
        model=_MODELS[args["model"]], loss=_LOSSES[args["loss"]], bucket=args["bucket"],
        minn=args["minn"], maxn=args["maxn"], ws=args["ws"], epoch=args["epoch"],
        min_count=args["min_count"], neg=args["neg"], word_ngrams=args["word_ngrams"],
        lr_update_rate=args["lr_update_rate"], t=t, ntokens=ntokens, version=version,
        path=cur.path)


def read_fasttext_bin(path, *, load_output=True, unicode_errors="strict") -> FastTextBin:
    """Read an unsupervised model saved by fastText (``save_model``, ``fasttext skipgram``...).

    Parameters
    ----------
    path : str or os.PathLike
    load_output : bool, default True
        Also load the output matrix (needed to continue training; skipping it halves the memory).
        The file is checked to the end either way.
    unicode_errors : str, default "strict"
        How to decode words that are not valid UTF-8 (``bytes.decode``). With ``"replace"`` such
        a word's n-grams are those of the decoded string, not of fastText's raw bytes.

    Returns
    -------
    FastTextBin

    Raises
    ------
    TruncatedFileError
        The file ends before the data its header declares (message: file, byte offset, need).
    ModelFileError
        Wrong magic number or version, a supervised or quantised model, or inconsistent content
        (message: file, byte offset, what is wrong).
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise TruncatedFileError(f"{path}: truncated at byte 0: the file is empty")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _parse(_Cursor(path, buf), load_output, unicode_errors)


# =========================================================================== writing
def _check_int(value, name, low=0, high=_INT32_MAX) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {value}")
    return int(value)


def _matrix(value, name, shape):
    arr = np.asarray(value)
    if arr.ndim != 2 or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name} must be a 2-D real array, got shape {arr.shape}, dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")
    arr = np.ascontiguousarray(arr, dtype="<f4")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} holds NaN or infinite values")
    return arr


def _check_for_writing(data: FastTextBin):
    """Validate everything before the first byte is written; return the encoded pieces."""
    if not isinstance(data, FastTextBin):
        raise TypeError(f"data must be a FastTextBin, got {type(data).__name__}")
    words = list(data.words)
    if not words:
        raise ValueError("a fastText model needs at least one word (fastText: 'Empty vocabulary')")
    seen = {}
    for i, w in enumerate(words):
        if not isinstance(w, str):
            raise TypeError(f"words must be str; words[{i}] is {type(w).__name__} {w!r}")
        if not w or any(c in w for c in _WORD_DELIMITERS):
            raise ValueError(f"words[{i}] = {w!r} cannot be a fastText word: words are non-empty "
                             "and contain no whitespace or NUL (fastText's readWord splits there)")
        j = seen.setdefault(w, i)
        if j != i:
            raise ValueError(f"duplicate word {w!r} at positions {j} and {i}")
    nwords = len(words)
    bucket = _check_int(data.bucket, "bucket", 0, _INT32_MAX - nwords)
    if data.model not in _MODEL_CODES:
        raise ValueError(f"model must be one of {sorted(_MODEL_CODES)} (supervised models are not "
                         f"written), got {data.model!r}")
    if data.loss not in _LOSS_CODES:
        raise ValueError(f"loss must be one of {sorted(_LOSS_CODES)}, got {data.loss!r}")
    counts = np.asarray(data.counts)
    if counts.shape != (nwords,) or not np.issubdtype(counts.dtype, np.integer):
        raise ValueError(f"counts must be {nwords} integers, got shape {counts.shape}, dtype "
                         f"{counts.dtype}")
    if nwords and counts.min() < 0:
        raise ValueError("counts must be >= 0")
    ntokens = int(counts.sum()) if data.ntokens is None else _check_int(data.ntokens, "ntokens",
                                                                        0, 2**63 - 1)
    if data.input_matrix is None or data.output_matrix is None:
        raise ValueError("a .bin needs both matrices (fastText's load_model reads the output "
                         "matrix too); read the model with load_output=True")
    if np.ndim(data.input_matrix) != 2 or np.shape(data.input_matrix)[1] < 1:
        raise ValueError(f"input_matrix must be 2-D with at least one column, got shape "
                         f"{np.shape(data.input_matrix)}")
    dim = int(np.shape(data.input_matrix)[1])
    W_in = _matrix(data.input_matrix, "input_matrix", (nwords + bucket, dim))
    W_out = _matrix(data.output_matrix, "output_matrix", (nwords, dim))
    ints = dict(dim=dim, ws=data.ws, epoch=data.epoch, min_count=data.min_count, neg=data.neg,
                word_ngrams=data.word_ngrams, loss=_LOSS_CODES[data.loss],
                model=_MODEL_CODES[data.model], bucket=bucket, minn=data.minn, maxn=data.maxn,
                lr_update_rate=data.lr_update_rate)
    for name in ("ws", "epoch", "min_count", "neg", "word_ngrams", "minn", "maxn", "lr_update_rate"):
        _check_int(ints[name], name, 0)
    if isinstance(data.t, bool) or not isinstance(data.t, Real) or not math.isfinite(data.t):
        raise ValueError(f"t must be a finite number, got {data.t!r}")
    header = (struct.pack("<2i", FASTTEXT_MAGIC, FASTTEXT_VERSION)
              + _ARGS.pack(*(int(ints[n]) for n in _ARG_NAMES), float(data.t))
              + _DICT_HEADER.pack(nwords, nwords, 0, ntokens, -1))
    entries = b"".join(w.encode("utf-8") + b"\0" + _ENTRY_TAIL.pack(int(c), 0)
                       for w, c in zip(words, counts.tolist()))
    return header + entries, W_in, W_out


def write_fasttext_bin(path, data: FastTextBin) -> None:
    """Save ``data`` as a fastText ``.bin`` (format version 12) that ``fasttext.load_model`` reads.

    The layout is ``FastText::saveModel``'s with an unpruned dictionary (``pruneidx_size = -1``),
    no labels and dense matrices, so a model read by :func:`read_fasttext_bin` and written back is
    byte-for-byte the file fastText wrote (version 11 files come back as 12). The file is written
    to a temporary file and renamed over ``path`` (:func:`embedlearn._io.atomic_write`).

    Parameters
    ----------
    path : str or os.PathLike
    data : FastTextBin
        Needs both matrices.

    Raises
    ------
    ValueError, TypeError
        Before anything is written: no words, a word fastText could not read back (empty,
        whitespace, NUL) or repeated, shapes that disagree with ``nwords``/``bucket``/``dim``,
        non-finite values, unknown ``model``/``loss``, out-of-range arguments.
    """
    head, W_in, W_out = _check_for_writing(data)

    def write(f):
        f.write(head)
        f.write(b"\0" + _MATRIX_SHAPE.pack(*W_in.shape))
        f.write(memoryview(W_in).cast("B"))
        f.write(b"\0" + _MATRIX_SHAPE.pack(*W_out.shape))
        f.write(memoryview(W_out).cast("B"))

    atomic_write(path, write)


def write_fasttext_vec(path, data: FastTextBin) -> None:
    """Save every vocabulary word's vector as fastText's ``.vec`` (word2vec text format).

    The vectors are fastText's ``getWordVector`` (the mean of each word's subword rows,
    :meth:`FastTextBin.word_vectors`), as ``fasttext`` writes them beside the ``.bin``; the format
    is :meth:`embedlearn.KeyedVectors.save_word2vec_format`'s (a ``"nwords dim"`` header, then one
    line per word), written atomically.
    """
    from .keyedvectors import KeyedVectors

    if not isinstance(data, FastTextBin):
        raise TypeError(f"data must be a FastTextBin, got {type(data).__name__}")
    KeyedVectors(data.words, data.word_vectors()).save_word2vec_format(path, binary=False)
