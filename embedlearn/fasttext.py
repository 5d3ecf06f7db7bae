r"""FastText: word2vec whose input vector of a word is the mean of its character n-gram rows.

What is FastText's own is small (Bojanowski et al. 2017; the code: facebookresearch/fastText):

* an input matrix whose rows are the vocabulary words, then the n-gram hash buckets, and for
  every vocabulary word the flat list of its rows (:mod:`embedlearn.kernels.subwords`, computed
  once per vocabulary, so the training loop never hashes);
* the job kernel :func:`embedlearn.kernels.fasttext.train_subword_job`, which calls the one SGD
  step with those rows as inputs (mean in the hidden layer, the whole update to every row);
* :class:`FastTextKeyedVectors`, whose vectors are derived from the rows: any word, seen or not,
  has one (the mean of its n-gram rows).

The vocabulary, corpus, schedule, threads, checks and save/load are
:class:`embedlearn.training.SGDModel`'s. Names and defaults are gensim 4's
(``gensim.models.FastText``); fastText's own ``.bin`` files are read and written by
:func:`load_facebook_model`, :func:`load_facebook_vectors` and :func:`save_facebook_model`.

One departure from both, for memory and for out-of-vocabulary vectors: fastText and gensim
store a row for every one of the ``bucket`` buckets (2,000,000 by default: 800 MB at 100
dimensions) and give each a random start, also to the buckets that no vocabulary word uses. Those
are never trained (no word's input list holds them), so all they ever add to an unseen word's
vector is noise. Here only the buckets that some vocabulary word uses have a row (its random start
is the same uniform ``[-1, 1) / N``, a function of the seed and the bucket only); any other bucket
counts as a zero row. On the text8 prefix (22,541 words) that is 125,101 of the 2,000,000
buckets: an input matrix of 59 MB instead of 809 MB. Unlike gensim 3's pruned buckets (which
dropped such n-grams from the mean and so changed fastText's vectors), a zero row still counts in
the mean, and a model read from fastText keeps all its buckets: its vectors are fastText's
exactly.
"""
from __future__ import annotations

import inspect
import json
import warnings

import numpy as np

from .errors import ModelFileError
from .keyedvectors import KeyedVectors, _growing, _iter_pairs, _vecattr_array
from .kernels.subwords import check_ngram_args, mean_rows, ngram_rows, subword_rows
from .training import SGDModel
from .validation import ArraySpec, check_flag

__all__ = ["FastText", "FastTextKeyedVectors", "load_facebook_model", "load_facebook_vectors",
           "save_facebook_model"]


class FastTextKeyedVectors(KeyedVectors):
    """Word vectors built from subword rows: every word has one, also a word never seen.

    A vocabulary word's vector is the mean of its own row and its n-gram rows, an unseen word's the
    mean of its n-gram rows (fastText's ``getWordVector``; gensim 4 gives the same). The vectors of
    the vocabulary (:attr:`vectors`) are computed from the input matrix and recomputed by
    :meth:`adjust_vectors` after training changed it. All queries of
    :class:`~embedlearn.keyedvectors.KeyedVectors` work, and the ones taking keys accept unseen
    words too (``wv[word]``, ``most_similar``, ``similarity``, ``get_mean_vector``,
    ``vectors_for_all``...): this class only overrides the base class's hook for keys without a
    row, :meth:`_vector_for_missing`, with :meth:`ngram_vector`.

    Parameters
    ----------
    index_to_key : sequence of str
        The vocabulary; word ``i`` owns row ``i`` of ``input_matrix``.
    input_matrix : float32 array (V + S, N)
        The vocabulary words' rows, then one row per bucket of ``started_buckets``. Shared, not
        copied: a model's live weights.
    min_n, max_n, bucket : int, default 3, 6, 2,000,000
        N-gram lengths and buckets (``bucket = 0`` or ``max_n = 0``: no n-grams).
    counts : array_like of int, optional
    started_buckets : int array (S,), optional
        The buckets that have a row, in increasing order; every bucket of a vocabulary word's
        n-grams must be among them. Any other bucket counts as a zero row. Default: all
        ``bucket`` buckets (fastText's layout, ``S = bucket``).

    Attributes
    ----------
    subword_rows, subword_offsets : int32 array, int64 array (V + 1,)
        Word ``i``'s input rows are ``subword_rows[subword_offsets[i]:subword_offsets[i + 1]]``.
    bucket_rows : int32 array (bucket,)
        Row of each bucket after the ``V`` word rows, ``-1`` for a bucket without one.
    """

    def __init__(self, index_to_key, input_matrix, min_n=3, max_n=6, bucket=2_000_000,
                 counts=None, started_buckets=None):
        self.min_n, self.max_n, self.bucket = check_ngram_args(min_n, max_n, bucket)
        keys = list(index_to_key)
        width = np.shape(input_matrix)[1] if np.ndim(input_matrix) == 2 else 1
        super().__init__(keys, np.zeros((len(keys), width), np.float32), counts)
        self._bind(input_matrix, started_buckets)

    @staticmethod
    def vocabulary_buckets(words, min_n, max_n, bucket):
        """The sorted distinct buckets of the n-grams of ``words`` (vocabulary rules: ``</s>``
        has none)."""
        rows, _ = subword_rows(words, min_n, max_n, bucket, nwords=0, word_rows=False)
        return np.unique(rows).astype(np.int64)

    def _bind(self, input_matrix, started_buckets=None):
        """Use ``input_matrix`` (of the current vocabulary) and recompute rows and vectors."""
        V = len(self)
        started = np.arange(self.bucket, dtype=np.int64) if started_buckets is None else \
            np.asarray(started_buckets, np.int64)
        if started.ndim != 1 or np.any(np.diff(started) <= 0) or \
                (started.size and (started[0] < 0 or started[-1] >= self.bucket)):
            raise ValueError(f"started_buckets must be increasing bucket ids in [0, {self.bucket})")
        if not isinstance(input_matrix, np.ndarray) or input_matrix.dtype != np.float32 or \
                input_matrix.shape != (V + started.size, self.vector_size) or \
                not input_matrix.flags.c_contiguous:
            raise ValueError(f"input_matrix must be a C-contiguous float32 array of shape "
                             f"(V + buckets with rows, N) = ({V + started.size}, "
                             f"{self.vector_size}), got {getattr(input_matrix, 'dtype', None)} "
                             f"{np.shape(input_matrix)}")
        bucket_rows = np.full(self.bucket, -1, np.int32)
        bucket_rows[started] = np.arange(started.size, dtype=np.int32)
        rows, offsets = subword_rows(self.index_to_key, self.min_n, self.max_n, self.bucket)
        grams = rows >= V
        slots = bucket_rows[rows[grams] - V]
        if np.any(slots < 0):
            raise ValueError("a vocabulary word's n-gram falls in a bucket without a row "
                             "(started_buckets misses it)")
        rows[grams] = V + slots
        self.input_matrix, self.started_buckets, self.bucket_rows = input_matrix, started, \
            bucket_rows
        self.subword_rows, self.subword_offsets = rows, offsets
        self.adjust_vectors()

    @property
    def vectors_vocab(self) -> np.ndarray:
        """The vocabulary words' own rows (gensim's name), a view of :attr:`input_matrix`."""
        return self.input_matrix[:len(self)]

    @property
    def vectors_ngrams(self) -> np.ndarray:
        """All ``bucket`` n-gram rows (gensim's name): a view of :attr:`input_matrix` when every
        bucket has a row, else a new array with zeros for the buckets without one."""
        V = len(self)
        if self.started_buckets.size == self.bucket:
            return self.input_matrix[V:]
        dense = np.zeros((self.bucket, self.vector_size), np.float32)
        dense[self.started_buckets] = self.input_matrix[V:]
        return dense

    def adjust_vectors(self) -> None:
        """Recompute every vocabulary word's vector, the mean of its rows (gensim's name)."""
        vectors = self.vectors
        mean_rows(self.input_matrix, self.subword_rows, self.subword_offsets, vectors)
        self.vectors = vectors  # same array; drops the cached unit vectors

    def _extend(self, new_keys, input_matrix, started_buckets):
        """Append ``new_keys`` (a grown vocabulary) and switch to the grown ``input_matrix``."""
        # Placeholder rows: _bind computes the new words' vectors from their subword rows.
        with _growing(self):
            self.add_vectors(list(new_keys), np.zeros((len(new_keys), self.vector_size), np.float32))
        self._bind(input_matrix, started_buckets)

    # ------------------------------------------------------------------ unseen words
    def ngram_vector(self, word) -> np.ndarray:
        """The mean of ``word``'s n-gram rows (its own row left out, even if it has one).

        This is the vector of an out-of-vocabulary word (fastText's ``getWordVector``); a bucket
        without a row counts as a zero row.

        Warns
        -----
        UserWarning
            If ``word`` has no n-gram (e.g. ``""``, ``"</s>"``, ``bucket = 0``, or fewer than
            ``min_n - 2`` characters): the result is then the zero vector, as fastText and
            gensim return, similar to nothing.
        """
        buckets = ngram_rows(word, self.min_n, self.max_n, self.bucket, 0)
        out = np.zeros((1, self.vector_size), np.float32)
        if buckets.size == 0:
            warnings.warn(f"{word!r} has no character n-gram of {self.min_n} to {self.max_n} "
                          f"characters (bucket={self.bucket}): its vector is the zero vector",
                          UserWarning, stacklevel=3)
            return out[0]
        slots = self.bucket_rows[buckets]
        rows = np.where(slots >= 0, len(self) + slots, -1).astype(np.int32)
        mean_rows(self.input_matrix, rows, np.array([0, rows.size], np.int64), out)
        return out[0]

    def has_ngrams(self, word) -> bool:
        """Whether ``word`` (a str) has at least one character n-gram."""
        return isinstance(word, str) and \
            ngram_rows(word, self.min_n, self.max_n, self.bucket, 0).size > 0

    def _vector_for_missing(self, key):
        """Any str key without a row gets :meth:`ngram_vector` (the base class's hook, which
        :meth:`get_vector`, ``wv[...]`` and the queries use); an int row index out of range gets
        None (``KeyError``)."""
        return self.ngram_vector(key) if isinstance(key, str) else None

    def __contains__(self, key) -> bool:
        """True for a vocabulary word (or row index) and for any word with an n-gram (as gensim);
        use :meth:`has_index_for` or ``key in wv.key_to_index`` to ask whether a word was in the
        training vocabulary."""
        return self.has_index_for(key) or self.has_ngrams(key)

    def evaluate_word_pairs(self, pairs, delimiter="\t", encoding="utf8", restrict_vocab=300000,
                            case_insensitive=True, dummy4unknown=False, allow_oov=False):
        """Correlation of cosine similarities with human scores; with ``allow_oov``, over **every**
        pair, an unseen word getting its n-gram vector.

        Without ``allow_oov`` this is :meth:`KeyedVectors.evaluate_word_pairs
        <embedlearn.keyedvectors.KeyedVectors.evaluate_word_pairs>` (gensim's: pairs with a word
        outside the first ``restrict_vocab`` keys are skipped or, with ``dummy4unknown``, scored
        0). With ``allow_oov=True`` such a word gets :meth:`get_vector`'s vector instead, so a
        model is scored on the whole data set (Stanford Rare Words: 2,034 pairs, whatever the
        vocabulary); a word without n-grams gets the zero vector (cosine 0, with a warning).

        Returns
        -------
        pearson, spearman : embedlearn.evaluation.CorrelationResult
        oov_ratio : float
            Percentage of pairs with a word outside the vocabulary (inferred, with ``allow_oov``).
        """
        if not allow_oov:
            return super().evaluate_word_pairs(pairs, delimiter, encoding, restrict_vocab,
                                               case_insensitive, dummy4unknown)
        triples = list(_iter_pairs(pairs, delimiter, encoding))
        keys = self.index_to_key[:restrict_vocab]
        norm = str.upper if case_insensitive else str
        known = {norm(k) for k in keys}
        unseen = list(dict.fromkeys(w for a, b, _ in triples for w in (a, b)
                                    if norm(w) not in known))
        # The same evaluation on the vocabulary plus the unseen words with their inferred vectors.
        inferred = self[unseen] if unseen else np.zeros((0, self.vector_size), np.float32)
        extended = KeyedVectors(keys + unseen, np.vstack([self.vectors[:len(keys)], inferred]))
        pearson, spearman, _ = extended.evaluate_word_pairs(triples, restrict_vocab=None,
                                                            case_insensitive=case_insensitive)
        unseen = {norm(w) for w in unseen}
        n_oov = sum(norm(a) in unseen or norm(b) in unseen for a, b, _ in triples)
        return pearson, spearman, 100.0 * n_oov / len(triples)

    # ------------------------------------------------------------------ native format
    _NATIVE = "embedlearn.FastTextKeyedVectors/1"

    def save(self, path) -> None:
        """Save keys, every per-key attribute (counts included), the n-gram settings and the
        input matrix (``.npz``, atomically)."""
        from ._io import atomic_savez

        encoded = [k.encode("utf8") for k in self.index_to_key]
        offsets = np.zeros(len(encoded) + 1, np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        others = {name: column for name, column in self.expandos.items() if name != "count"}
        meta = {"format": self._NATIVE, "min_n": self.min_n, "max_n": self.max_n,
                "bucket": self.bucket, "vecattrs": sorted(others)}
        counts = np.zeros(0, np.int64) if self.counts is None else self.counts  # empty: none
        atomic_savez(path, meta=json.dumps(meta), keys_utf8=np.frombuffer(b"".join(encoded),
                     np.uint8), key_offsets=offsets, counts=counts, input_matrix=self.input_matrix,
                     started_buckets=self.started_buckets,
                     **{f"vecattr_{name}": column for name, column in others.items()})

    @classmethod
    def load(cls, path) -> "FastTextKeyedVectors":
        """Load a file written by :meth:`save`, checking it first.

        Raises
        ------
        embedlearn.errors.ModelFileError
            If the file is corrupt, of another format, or its arrays disagree.
        """
        from ._io import load_npz
        from .validation import check_arrays

        names = ("meta", "keys_utf8", "key_offsets", "counts", "input_matrix", "started_buckets")
        try:
            attrs = load_npz(path, ("meta",), cls._NATIVE)["meta"].get("vecattrs", [])
            if not isinstance(attrs, list) or not all(isinstance(a, str) and a for a in attrs):
                raise ValueError("its list of vector attributes is not a list of names")
            data = load_npz(path, names + tuple(f"vecattr_{a}" for a in attrs), cls._NATIVE)
            raw, offsets, meta = data["keys_utf8"], data["key_offsets"], data["meta"]
            check_arrays(path, data, {"keys_utf8": ArraySpec(np.uint8, (None,)),
                                      "key_offsets": ArraySpec(np.int64, (None,), 0, len(raw) + 1),
                                      "counts": ArraySpec(np.int64, (None,)),
                                      "input_matrix": ArraySpec(np.float32, (None, None)),
                                      "started_buckets": ArraySpec(np.int64, (None,))})
            if len(offsets) < 1 or offsets[0] != 0 or offsets[-1] != len(raw) or \
                    np.any(np.diff(offsets) < 0):
                raise ValueError("key offsets do not match the keys")
            blob = raw.tobytes()
            keys = [blob[offsets[i]:offsets[i + 1]].decode("utf8")
                    for i in range(len(offsets) - 1)]
            wv = cls(keys, data["input_matrix"], meta["min_n"], meta["max_n"], meta["bucket"],
                     data["counts"] if data["counts"].size else None, data["started_buckets"])
            for name in attrs:  # checked as KeyedVectors.load checks them
                wv._vecattrs[name] = _vecattr_array(data[f"vecattr_{name}"], len(keys), name)
            return wv
        except ModelFileError:
            raise
        except (ValueError, TypeError, KeyError, UnicodeDecodeError) as err:
            raise ModelFileError(f"{path}: not a valid FastTextKeyedVectors file: {err}") from err

    def __repr__(self) -> str:
        return (f"FastTextKeyedVectors(n_keys={len(self)}, vector_size={self.vector_size}, "
                f"min_n={self.min_n}, max_n={self.max_n}, bucket={self.bucket})")


class FastText(SGDModel):
    """FastText model: skip-gram or CBOW over character n-grams (gensim 4 API and defaults).

    The parameters are :class:`~embedlearn.word2vec.Word2Vec`'s (same names, same defaults, same
    meaning: CBOW, ``alpha=0.025``, ``sample=1e-3``, ...) plus:

    Parameters
    ----------
    min_n, max_n : int, default 3, 6
        Lengths of the character n-grams of ``<word>``, in characters (``1 <= min_n <= max_n``;
        ``max_n = 0`` disables n-grams).
    bucket : int, default 2,000,000
        Hash buckets for the n-grams (``0`` disables them: plain word2vec). Only the buckets that
        vocabulary words use get a row (fastText and gensim store all: 800 MB at the default).
    word_ngrams : {1}
        gensim's parameter; only 1 (no word n-grams, which fastText uses in supervised mode).

    Attributes
    ----------
    wv : FastTextKeyedVectors
        Live: it shares the input matrix with training and is recomputed after every epoch and
        after :meth:`build_vocab` with ``update=True``, so a held ``model.wv`` stays correct.
    input_matrix : float32 array (V + S, N)
        The words' rows, then the rows of the ``S`` buckets in use (``wv.started_buckets``, in
        increasing order); fastText's input matrix without the rows no word uses. gensim's
        ``wv.vectors_vocab`` and ``wv.vectors_ngrams`` are derived from it.
    syn1neg, syn1 : numpy.ndarray
        Output vectors (negative sampling) and inner-node vectors (hierarchical softmax).

    Notes
    -----
    Training follows gensim 4 and fastText (:mod:`embedlearn.kernels.fasttext`): in skip-gram the
    center word's rows predict each context word, in CBOW all context words' rows together predict
    the center word; the hidden vector is the mean of the rows and each row gets the whole update.
    """

    _FORMAT = "embedlearn.FastText/1"
    _PARAMS = SGDModel._PARAMS + ("sg", "cbow_mean", "min_n", "max_n", "bucket")
    _NAME = "FastText"

    def __init__(self, sentences=None, corpus_file=None, sg=0, hs=0, vector_size=100,
                 alpha=0.025, window=5, min_count=5, max_vocab_size=None, word_ngrams=1,
                 sample=1e-3, seed=1, workers=3, min_alpha=0.0001, negative=5, ns_exponent=0.75,
                 cbow_mean=1, epochs=5, min_n=3, max_n=6, sorted_vocab=1, bucket=2_000_000,
                 trim_rule=None, batch_words=10000, callbacks=(), max_final_vocab=None,
                 shrink_windows=True, compute_loss=False, progress=True, corpus_iterable=None):
        check_flag("sg", sg)
        check_flag("cbow_mean", cbow_mean)
        if word_ngrams != 1:
            raise ValueError(f"word_ngrams={word_ngrams!r}: only 1 is supported (word n-grams "
                             "are a feature of fastText's supervised mode; gensim has only 1 too)")
        self.min_n, self.max_n, self.bucket = check_ngram_args(min_n, max_n, bucket)
        # Every argument the base takes is passed on as given (it checks them all).
        shared = inspect.signature(SGDModel.__init__).parameters.keys() - {"self"}
        super().__init__(**{name: value for name, value in locals().items() if name in shared})
        self.sg, self.cbow_mean = int(sg), int(cbow_mean)
        self.input_matrix = None
        if any(c is not None for c in (sentences, corpus_iterable, corpus_file)):
            self.build_vocab(corpus_iterable, corpus_file, sentences=sentences)  # read once
            self.train(epochs=self.epochs)

    # --- weights ------------------------------------------------------------------------------
    def _init_weights(self):
        V, N = len(self.vocab), self.vector_size
        started = FastTextKeyedVectors.vocabulary_buckets(self.vocab.index_to_key, self.min_n,
                                                          self.max_n, self.bucket)
        self.input_matrix = np.empty((V + started.size, N), np.float32)
        self.input_matrix[:V] = self._new_rows(0, V)
        self._start(started, self.input_matrix[V:])
        self.syn1neg = np.zeros((V if self.negative else 0, N), np.float32)
        self.syn1 = np.zeros((max(V - 1, 0) if self.hs else 0, N), np.float32)
        self.wv = FastTextKeyedVectors(self.vocab.index_to_key, self.input_matrix, self.min_n,
                                       self.max_n, self.bucket, self.vocab.counts, started)

    def _start(self, buckets, out):
        """Write the random start of each of ``buckets`` into the rows ``out``."""
        from .kernels.fasttext import bucket_start_rows

        bucket_start_rows(self.seed & 0xFFFFFFFF, buckets, out)

    def _grow_weights(self, old):
        V, N = len(self.vocab), self.vector_size
        had = self.wv.started_buckets
        needed = FastTextKeyedVectors.vocabulary_buckets(self.vocab.index_to_key[old:],
                                                         self.min_n, self.max_n, self.bucket)
        started = np.union1d(had, needed)
        kept = np.isin(started, had)
        grown = np.empty((V + started.size, N), np.float32)
        grown[:old] = self.input_matrix[:old]
        grown[old:V] = self._new_rows(old, V)
        bucket_part = grown[V:]
        bucket_part[kept] = self.input_matrix[old:]  # trained rows, in bucket order
        fresh = np.empty((started.size - had.size, N), np.float32)
        self._start(started[~kept], fresh)
        bucket_part[~kept] = fresh
        self.input_matrix = grown
        self.wv._extend(self.vocab.index_to_key[old:], grown, started)
        self.wv.counts = self.vocab.counts
        if self.negative:
            self.syn1neg = np.vstack([self.syn1neg, np.zeros((V - old, N), np.float32)])
        if self.hs:
            self.syn1 = np.vstack([self.syn1, np.zeros((V - 1 - len(self.syn1), N), np.float32)])

    def _weights(self):
        return {"input_matrix": self.input_matrix, "syn1neg": self.syn1neg, "syn1": self.syn1}

    def _extra_arrays(self):
        return {"started_buckets": self.wv.started_buckets, "subword_rows": self.wv.subword_rows,
                "subword_offsets": self.wv.subword_offsets}

    def _array_specs(self, V):
        N = self.vector_size
        return {"input_matrix": ArraySpec(np.float32, (None, N)),
                "syn1neg": ArraySpec(np.float32, (V if self.negative else 0, N)),
                "syn1": ArraySpec(np.float32, (max(V - 1, 0) if self.hs else 0, N)),
                "started_buckets": ArraySpec(np.int64, (None,), low=0, high=max(self.bucket, 1)),
                "subword_rows": ArraySpec(np.int32, (None,), low=0, high=V + self.bucket),
                "subword_offsets": ArraySpec(np.int64, (V + 1,), low=0)}

    def _restore(self, arrays):
        self.input_matrix = np.ascontiguousarray(arrays["input_matrix"])
        self.syn1neg = np.ascontiguousarray(arrays["syn1neg"])
        self.syn1 = np.ascontiguousarray(arrays["syn1"])
        try:
            self.wv = FastTextKeyedVectors(self.vocab.index_to_key, self.input_matrix,
                                           self.min_n, self.max_n, self.bucket, self.vocab.counts,
                                           arrays["started_buckets"])
        except ValueError as err:
            raise ModelFileError(f"inconsistent model file: {err}") from err
        if not (np.array_equal(arrays["subword_rows"], self.wv.subword_rows)
                and np.array_equal(arrays["subword_offsets"], self.wv.subword_offsets)):
            raise ModelFileError(
                "inconsistent model file: its subword rows are not the n-grams of its words "
                f"(min_n={self.min_n}, max_n={self.max_n}, bucket={self.bucket})")

    def _refresh_wv(self):
        if self.wv is not None:
            self.wv.adjust_vectors()

    # --- one job ------------------------------------------------------------------------------
    def _train_job(self, piece, first_sentence, alpha_start, alpha_end, seed, compute_loss):
        from .kernels.fasttext import train_subword_job

        return train_subword_job(
            piece.tokens, piece.offsets, 0, piece.n_sentences, self.input_matrix, self.syn1neg,
            self.syn1, self.wv.subword_rows, self.wv.subword_offsets, self._keep_prob,
            self._noise_cdf, self._codes, self._points, self._code_offsets, bool(self.sg),
            bool(self.cbow_mean), self.window, self.shrink_windows, self.negative, bool(self.hs),
            alpha_start, alpha_end, seed, compute_loss)

    def __repr__(self):
        arch = "skip-gram" if self.sg else "CBOW"
        loss = "+".join(n for n, on in (("HS", self.hs), ("NS", self.negative)) if on)
        size = len(self.vocab) if self.vocab is not None else 0
        return (f"FastText({arch}, {loss}, vocab={size}, vector_size={self.vector_size}, "
                f"n-grams {self.min_n}..{self.max_n} in {self.bucket:,} buckets)")


# =========================================================================== fastText's files
def _ngram_settings(data):
    """fastText's lenient n-gram settings as valid ones: minn 0 acts as 1, maxn < minn: none."""
    min_n = max(int(data.minn), 1)
    return min_n, (int(data.maxn) if data.maxn >= min_n else 0), int(data.bucket)


def load_facebook_vectors(path, encoding="utf-8"):
    """Word vectors of a model saved by fastText (``.bin``), unseen words included.

    ``wv[word]`` equals fastText's ``get_word_vector(word)`` for any word (tested). The output
    matrix is skipped (half the memory); use :func:`load_facebook_model` to continue training.

    Parameters
    ----------
    path : str or os.PathLike
    encoding : {"utf-8"}
        fastText's words are UTF-8.

    Returns
    -------
    FastTextKeyedVectors

    Raises
    ------
    embedlearn.errors.ModelFileError
        For a supervised or quantised (``.ftz``) model, or a corrupt or truncated file (see
        :func:`embedlearn.fasttext_format.read_fasttext_bin`).
    """
    from .fasttext_format import read_fasttext_bin

    _check_encoding(encoding)
    data = read_fasttext_bin(path, load_output=False)
    return FastTextKeyedVectors(data.words, data.input_matrix, *_ngram_settings(data),
                                counts=data.counts)


def _check_encoding(encoding):
    if str(encoding).lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise ValueError(f"encoding={encoding!r}: fastText files are UTF-8")


def load_facebook_model(path, encoding="utf-8"):
    """A trainable :class:`FastText` from a model saved by fastText (``.bin``).

    The settings stored in the file become the model's (``dim``, ``ws``, ``epoch``, ``minCount``,
    ``neg``, ``loss``, ``model``, ``bucket``, ``minn``, ``maxn``, ``t``); the learning rate is not
    stored and is gensim's 0.025. ``wv[word]`` equals fastText's ``get_word_vector(word)``, and
    :meth:`FastText.train` continues from fastText's weights (``build_vocab(update=True)`` adds
    words). For a negative-sampling model the output vectors are fastText's; fastText's Huffman tree
    numbers its nodes otherwise than :meth:`embedlearn.vocab.Vocabulary.huffman`, so for an ``hs``
    model the inner-node vectors restart at zero (with a warning).

    Raises
    ------
    embedlearn.errors.ModelFileError
        For a supervised or quantised model, a ``softmax`` or ``ova`` loss (not trainable here:
        use :func:`load_facebook_vectors`), or a corrupt file.
    """
    from .fasttext_format import read_fasttext_bin
    from .vocab import Vocabulary

    _check_encoding(encoding)
    data = read_fasttext_bin(path, load_output=True)
    if data.loss not in ("ns", "hs"):
        raise ModelFileError(f"{path}: a fastText model with loss {data.loss!r}: embedlearn trains "
                             "'ns' and 'hs' models only; load_facebook_vectors reads its vectors")
    min_n, max_n, bucket = _ngram_settings(data)
    try:
        model = FastText(vector_size=data.dim, window=max(data.ws, 1), epochs=max(data.epoch, 1),
                         min_count=data.min_count, sample=data.t, sg=int(data.model == "skipgram"),
                         hs=int(data.loss == "hs"), negative=data.neg if data.loss == "ns" else 0,
                         min_n=min_n, max_n=max_n, bucket=bucket)
        model.vocab = Vocabulary(data.words, np.maximum(data.counts, 1), check_sorted=False)
    except ValueError as err:
        raise ModelFileError(f"{path}: settings embedlearn cannot train with ({err})") from err
    V, N = data.nwords, data.dim
    model.input_matrix = data.input_matrix
    model.syn1neg = data.output_matrix if model.negative else np.zeros((0, N), np.float32)
    model.syn1 = np.zeros((max(V - 1, 0) if model.hs else 0, N), np.float32)
    if model.hs:
        warnings.warn(f"{path}: a hierarchical-softmax model: fastText's tree is not "
                      "embedlearn's, so the inner-node vectors restart at zero", stacklevel=2)
    model.wv = FastTextKeyedVectors(data.words, model.input_matrix, min_n, max_n, bucket,
                                    counts=model.vocab.counts)
    model.corpus_total_words = int(data.ntokens or 0)
    model._prepare_tables()
    return model


def save_facebook_model(model, path):
    """Save a :class:`FastText` as a fastText ``.bin`` that ``fasttext.load_model`` reads.

    ``get_word_vector`` in fastText then equals ``model.wv`` for every word. The output matrix is
    ``syn1neg`` (or, for an ``hs``-only model, ``syn1`` padded to ``nwords`` rows; fastText numbers
    its tree otherwise, so such a file serves word vectors, not further training in fastText). The
    ``.vec`` text file that fastText writes beside it is ``model.wv.save_word2vec_format(path)``.

    Raises
    ------
    ValueError
        Before writing, for a word fastText could not read back (whitespace, empty) and the other
        checks of :func:`embedlearn.fasttext_format.write_fasttext_bin`.
    """
    from .fasttext_format import FastTextBin, write_fasttext_bin

    if not isinstance(model, FastText) or model.vocab is None:
        raise TypeError("save_facebook_model needs a FastText model with a vocabulary")
    V, N = len(model.vocab), model.vector_size
    output = model.syn1neg if model.negative else \
        np.vstack([model.syn1, np.zeros((V - len(model.syn1), N), np.float32)])
    inputs = model.input_matrix
    if model.wv.started_buckets.size < model.bucket:  # fastText stores every bucket
        inputs = np.concatenate([model.input_matrix[:V], model.wv.vectors_ngrams])
    write_fasttext_bin(path, FastTextBin(
        words=model.vocab.index_to_key, counts=model.vocab.counts,
        input_matrix=inputs, output_matrix=output,
        model="skipgram" if model.sg else "cbow", loss="ns" if model.negative else "hs",
        bucket=model.bucket, minn=model.min_n, maxn=model.max_n if model.bucket else 0,
        ws=model.window, epoch=model.epochs, min_count=model.min_count, neg=model.negative,
        t=model.sample))
