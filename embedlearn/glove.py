r"""GloVe: count co-occurrences once, then fit log-counts by weighted least squares.

GloVe (Pennington, Socher & Manning 2014) minimises

.. math::

    J = \sum_{i,j:\,X_{ij}>0} f(X_{ij})\,\bigl(\mathbf w_i^\top\tilde{\mathbf w}_j + b_i
        + \tilde b_j - \log X_{ij}\bigr)^2,
    \qquad f(x) = \min\bigl((x/x_{\max})^\alpha, 1\bigr)

over the non-zero entries of a co-occurrence matrix ``X``. This module counts ``X`` from the same
encoded corpus and :class:`~embedlearn.vocab.Vocabulary` as every other model
(:func:`cooccurrence_matrix`, a :class:`Cooccurrence` in COO arrays) and fits it with AdaGrad
(:class:`GloVe`). Both follow the reference tools ``cooccur.c`` and ``glove.c`` (stanfordnlp/GloVe);
the kernels are in :mod:`embedlearn.kernels.glove`, the NumPy equations in
:mod:`embedlearn.reference`.
"""
from __future__ import annotations

import json
import math
import numbers
import time
from dataclasses import dataclass
from functools import partial

import numpy as np

from . import training
from .corpus import Corpus, scan
from .errors import ModelFileError, VocabularyError
from .validation import ArraySpec, check_arrays, check_learning_rate
from .vocab import Vocabulary

__all__ = ["Cooccurrence", "cooccurrence_matrix", "GloVe", "save_glove_format", "load_glove_format"]

_FORMAT = "embedlearn.GloVe/1"
_COMBINE = ("sum", "word")
#: Tokens per counting chunk (the whole of text8 is two chunks). The inverted index of a chunk
#: takes 16 bytes per token (256 MiB here); fewer chunks mean fewer pairs counted in two runs.
DEFAULT_CHUNK_TOKENS = 1 << 24


@dataclass
class Cooccurrence:
    """A sparse co-occurrence matrix in COO arrays, each ``(row, col)`` once, sorted.

    Attributes
    ----------
    row, col : numpy.ndarray of int32
        Word ids of the entries, in increasing ``(row, col)`` order.
    value : numpy.ndarray of float32
        ``X[row, col]``: the sum of ``1/d`` over the co-occurrences at distance ``d``.
    vocab_size : int
        The matrix is ``vocab_size x vocab_size``.
    window : int
    symmetric : bool

    Examples
    --------
    >>> X = Cooccurrence(np.array([0, 1], np.int32), np.array([1, 0], np.int32),
    ...                  np.array([1.5, 1.5], np.float32), 2)
    >>> X.tocsr().toarray()
    array([[0. , 1.5],
           [1.5, 0. ]], dtype=float32)
    >>> row, col, value = X
    """

    row: np.ndarray
    col: np.ndarray
    value: np.ndarray
    vocab_size: int
    window: int = 0
    symmetric: bool = True

    def __len__(self) -> int:
        """Number of stored (non-zero) entries."""
        return len(self.value)

    def __iter__(self):
        """Unpack as ``row, col, value = X``."""
        return iter((self.row, self.col, self.value))

    @property
    def nnz(self) -> int:
        """Number of stored (non-zero) entries (SciPy's name)."""
        return len(self.value)

    @property
    def shape(self) -> tuple:
        return (self.vocab_size, self.vocab_size)

    @property
    def nbytes(self) -> int:
        """Bytes held by the three arrays (12 per entry)."""
        return self.row.nbytes + self.col.nbytes + self.value.nbytes

    def tocoo(self):
        """As a ``scipy.sparse.coo_matrix`` (shares the arrays)."""
        import scipy.sparse as sp

        return sp.coo_matrix((self.value, (self.row, self.col)), shape=self.shape)

    def tocsr(self):
        """As a ``scipy.sparse.csr_matrix`` (the entries are already sorted: no sort is needed)."""
        import scipy.sparse as sp

        indptr = np.zeros(self.vocab_size + 1, np.int64)
        np.cumsum(np.bincount(self.row, minlength=self.vocab_size), out=indptr[1:])
        return sp.csr_matrix((self.value, self.col, indptr), shape=self.shape)

    def __repr__(self):
        kind = "symmetric" if self.symmetric else "left-context"
        return (f"Cooccurrence({self.vocab_size}x{self.vocab_size}, {self.nnz} pairs, "
                f"window={self.window}, {kind})")


def _check_int(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def _weights(window, n_tokens, symmetric):
    """``(scale, weights)``: the weight of distance ``d`` is ``weights[d] / scale = 1/d``.

    With ``scale = lcm(1..window)`` every weight is an integer, so float64 sums are exact (and
    independent of order) while they stay below 2**53; the bound is the total weight of the corpus.
    Past it (very long windows on huge corpora) the weights are plain ``1/d``.
    """
    scale = math.lcm(*range(1, window + 1))
    harmonic = sum(1.0 / d for d in range(1, window + 1))
    bound = (2 if symmetric else 1) * max(n_tokens, 1) * harmonic * scale
    if bound >= 2.0**53:
        scale = 1
    return float(scale), np.array([0.0] + [scale / d for d in range(1, window + 1)])


def _count_block(count_rows, tokens, index, vocab_size, weights, symmetric, block):
    return count_rows(tokens, *index, block[0], block[1], vocab_size, weights, symmetric)


def cooccurrence_matrix(corpus, vocab_size, window=10, symmetric=True, workers=1,
                        chunk_tokens=DEFAULT_CHUNK_TOKENS):
    """Count weighted co-occurrences as GloVe's ``cooccur.c`` does.

    A pair of words at distance ``d <= window`` in the same sentence adds ``1/d``. Distances count
    the tokens of ``corpus``, i.e. vocabulary words only, since encoding drops the others (as
    ``cooccur.c``, which skips out-of-vocabulary words before filling its window).
    ``symmetric=True`` counts both orders (``X`` is symmetric; a word pair ``(w, w)`` adds ``2/d``);
    ``symmetric=False`` counts only the left context: ``X[i, j]`` sums over ``i`` occurring ``d``
    words before ``j`` (``cooccur.c -symmetric 0``).

    The corpus is processed in chunks of ``chunk_tokens`` tokens; each chunk gives a run sorted by
    ``(row, col)`` and the runs are merged, so memory is O(chunk + V + distinct pairs), never
    O(V**2). Weights are summed as exact integers (multiples of ``1/lcm(1..window)``), so the
    result does not depend on ``workers`` or ``chunk_tokens``, and each value is the exact rational
    count rounded once to float32.

    Parameters
    ----------
    corpus : embedlearn.corpus.Corpus
        Encoded corpus (``tokens`` int32 in ``[0, vocab_size)``, ``offsets`` int64).
    vocab_size : int
    window : int, default 10
        Maximal distance (``cooccur.c``'s ``-window-size``, whose default is 15).
    symmetric : bool, default True
    workers : int, default 1
        Threads counting blocks of rows in parallel.
    chunk_tokens : int, default 16,777,216
        Tokens per chunk.

    Returns
    -------
    Cooccurrence

    Raises
    ------
    TypeError
        If ``corpus`` is not a :class:`~embedlearn.corpus.Corpus` or an argument is not an int.
    ValueError
        If ``window``, ``workers``, ``chunk_tokens`` or ``vocab_size`` is not positive, or a token
        id is outside ``[0, vocab_size)``.
    """
    from .kernels.glove import count_rows, index_positions, merge_sorted

    if not isinstance(corpus, Corpus):
        raise TypeError(f"corpus must be an embedlearn.corpus.Corpus, got {type(corpus).__name__}")
    _check_int("vocab_size", vocab_size)
    _check_int("window", window)
    _check_int("workers", workers)
    _check_int("chunk_tokens", chunk_tokens)
    tokens, offsets = corpus.tokens, corpus.offsets
    n = len(tokens)
    if n and (tokens.min() < 0 or tokens.max() >= vocab_size):
        raise ValueError(f"token ids must lie in [0, {vocab_size}), "
                         f"found [{tokens.min()}, {tokens.max()}]")
    scale, weights = _weights(window, n, symmetric)

    single = n <= chunk_tokens
    stack = []  # sorted runs; sizes roughly halve down the stack (binary-counter merging)
    for start in range(0, n, chunk_tokens):
        stop = min(n, start + chunk_tokens)
        index = index_positions(tokens, offsets, start, stop, vocab_size, window)
        # Blocks of rows with about equal numbers of occurrences (the work of a row).
        n_blocks = 1 if workers == 1 else 4 * workers
        targets = np.linspace(0, index[0][-1], n_blocks + 1)[1:-1]
        cuts = np.unique(np.concatenate(([0], np.searchsorted(index[0], targets), [vocab_size])))
        blocks = [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:])]
        parts = training.run_jobs(
            partial(_count_block, count_rows, tokens, index, vocab_size, weights, bool(symmetric)),
            blocks, workers)
        del index
        if single:
            # The only run: round each block to float32 before joining them (less peak memory).
            for k in range(len(parts)):
                r, c, v = parts[k]
                parts[k] = (r, c, (v / scale).astype(np.float32))
            del r, c, v
            rows, cols, value = (np.concatenate([p[k] for p in parts]) for k in range(3))
            return Cooccurrence(rows, cols, value, int(vocab_size), int(window), bool(symmetric))
        if len(parts) == 1:
            stack.append(parts.pop())
        else:
            stack.append(tuple(np.concatenate([p[k] for p in parts]) for k in range(3)))
        del parts
        while len(stack) > 1 and len(stack[-2][0]) <= 2 * len(stack[-1][0]):
            b, a = stack.pop(), stack.pop()
            stack.append(merge_sorted(*a, *b))
    while len(stack) > 1:
        b, a = stack.pop(), stack.pop()
        stack.append(merge_sorted(*a, *b))
    if stack:
        rows, cols, values = stack[0]
    else:
        rows = cols = np.zeros(0, np.int32)
        values = np.zeros(0, np.float64)
    value = np.divide(values, scale, out=values).astype(np.float32)
    return Cooccurrence(rows, cols, value, int(vocab_size), int(window), bool(symmetric))


class GloVe:
    """GloVe model: co-occurrence counting and AdaGrad training (the reference tool's names).

    Parameters
    ----------
    sentences : iterable of list of str, optional
        If given, the vocabulary and co-occurrence matrix are built and the model trained right
        away. Read once.
    vector_size : int, default 100
        Dimension ``N`` of the vectors.
    window : int, default 10
        Maximal distance of a co-occurrence (weight ``1/d``).
    min_count : int, default 5
        Ignore words with a lower total count.
    max_vocab_size : int, optional
        Keep at most this many words (the most frequent).
    x_max : float, default 100.0
        Cut-off of the weighting function ``f(x) = min((x / x_max)**alpha, 1)``.
    alpha : float, default 0.75
        Exponent of the weighting function, in ``(0, 1]``.
    eta : float, default 0.05
        AdaGrad learning rate.
    epochs : int, default 25
        Passes over the shuffled pairs (glove.c's ``-iter``).
    workers : int, optional
        Worker threads (hogwild); default: all usable cores. ``workers=1`` with a fixed ``seed``
        gives bitwise-identical vectors.
    seed : int, default 1
        Seed of the initial parameters and of every pass's shuffle.
    symmetric : bool, default True
        Count both left and right context (``False``: left context only).
    progress : bool, default True
        Show a tqdm progress bar.
    grad_clip : float, default 100.0
        Bound on each vector-gradient component (glove.c's ``grad_clip_value``).
    combine : {"sum", "word"}, default "sum"
        Vectors in :attr:`wv`: ``W + W~`` (glove.c's ``-model 2``) or ``W`` only (``-model 1``).

    Attributes
    ----------
    wv : embedlearn.keyedvectors.KeyedVectors
        The trained vectors (see ``combine``).
    vocab : embedlearn.vocab.Vocabulary
    cooccurrence : Cooccurrence
        The counted matrix (COO arrays).
    loss_history : list of float
        Per pass, glove.c's cost: the mean over pairs of ``(1/2) f(X_ij) e_ij**2``, each pair's
        term taken just before its update.
    epoch_stats : list of dict
        Per pass: seconds, pairs per second, loss.
    W, W_context : numpy.ndarray of float32, shape (V, N)
        Word and context vectors (views into the training state).
    b, b_context : numpy.ndarray of float32, shape (V,)
        Word and context biases (views).

    Notes
    -----
    The update is glove.c's (see :func:`embedlearn.kernels.glove.glove_epoch`): AdaGrad with
    accumulators starting at 1, gradient components clipped to ``+-grad_clip``, ``eta`` on the
    vectors but not on the biases, initial parameters uniform in ``[-0.5, 0.5) / N``. Unlike
    glove.c, which skips NaN updates silently, training stops with ``FloatingPointError`` naming
    the pass at which the loss or the parameters became NaN or infinite.
    """

    _PARAMS = ("vector_size", "window", "min_count", "max_vocab_size", "x_max", "alpha", "eta",
               "epochs", "workers", "seed", "symmetric", "progress", "grad_clip", "combine")

    def __init__(self, sentences=None, vector_size=100, window=10, min_count=5,
                 max_vocab_size=None, x_max=100.0, alpha=0.75, eta=0.05, epochs=25, workers=None,
                 seed=1, symmetric=True, progress=True, grad_clip=100.0, combine="sum"):
        training.check_positive("vector_size", vector_size, integer=True)
        training.check_positive("window", window, integer=True)
        training.check_positive("min_count", min_count, integer=True)
        if max_vocab_size is not None:
            training.check_positive("max_vocab_size", max_vocab_size, integer=True)
        training.check_positive("x_max", x_max)
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha <= 1:
            raise ValueError(f"alpha must be in (0, 1], got {alpha!r}")
        check_learning_rate("eta", eta)
        training.check_positive("epochs", epochs, integer=True)
        workers = training.default_workers() if workers is None else workers
        training.check_positive("workers", workers, integer=True)
        training.check_nonnegative("seed", seed, integer=True)
        training.check_positive("grad_clip", grad_clip)
        if combine not in _COMBINE:
            raise ValueError(f"combine must be one of {_COMBINE}, got {combine!r}")
        self.vector_size = int(vector_size)
        self.window = int(window)
        self.min_count = int(min_count)
        self.max_vocab_size = None if max_vocab_size is None else int(max_vocab_size)
        self.x_max = float(x_max)
        self.alpha = float(alpha)
        self.eta = float(eta)
        self.epochs = int(epochs)
        self.workers = int(workers)
        self.seed = int(seed)
        self.symmetric = bool(symmetric)
        self.progress = bool(progress)
        self.grad_clip = float(grad_clip)
        self.combine = combine
        self.vocab = None
        self.cooccurrence = None
        self.state = None
        self.loss_history = []
        self.epoch_stats = []
        self._records = None
        self._wv = None
        if sentences is not None:
            self.build_vocab(sentences)
            self.train()

    # --- counting -----------------------------------------------------------------------------
    def build_vocab(self, sentences):
        """Read the corpus once: vocabulary, encoded tokens, co-occurrence counts, initial weights.

        Parameters
        ----------
        sentences : iterable of list of str

        Returns
        -------
        GloVe
            ``self``.

        Raises
        ------
        ValueError
            If no word reaches ``min_count``, or no two vocabulary words co-occur within the
            window (the co-occurrence matrix would be empty).
        """
        result = scan(sentences)
        vocab = Vocabulary.from_scan(result, self.min_count)
        if self.max_vocab_size is not None and len(vocab) > self.max_vocab_size:
            # vocab_count's -max-vocab: keep the most frequent words, a hard cap.
            cap = self.max_vocab_size
            vocab = Vocabulary(vocab.index_to_key[:cap], vocab.counts[:cap])
        self.vocab = vocab
        corpus = result.corpus.remap(self.vocab.lookup(result.keys), inplace=True)
        del result
        self.cooccurrence = cooccurrence_matrix(corpus, len(self.vocab), self.window,
                                                self.symmetric, self.workers)
        if self.cooccurrence.nnz == 0:
            raise ValueError(
                f"the co-occurrence matrix is empty: no two of the {len(self.vocab)} vocabulary "
                f"words occur within window={self.window} of each other in a sentence "
                "(are the sentences single words, or min_count too high?)")
        self._init_state()
        return self

    def _init_state(self):
        V, N = len(self.vocab), self.vector_size
        # Uniform in [-0.5, 0.5) / N for vectors and biases, accumulators at 1 (as glove.c),
        # stored as G - 1 = 0 (see embedlearn.kernels.glove).
        rng = np.random.default_rng(self.seed)
        self.state = np.zeros((2 * V, 2 * (N + 1)), np.float32)
        self.state[:, :N + 1] = (rng.random((2 * V, N + 1)) - 0.5) / N
        self.loss_history, self.epoch_stats = [], []
        self._records = None
        self._wv = None

    def _prepare_records(self):
        from .kernels.glove import prepare_pairs

        X = self.cooccurrence
        buf = np.empty((X.nnz, 4), np.int32)
        prepare_pairs(X.row, X.col, X.value, self.x_max, self.alpha, buf, buf.view(np.float32))
        self._records = buf

    # --- training -----------------------------------------------------------------------------
    def train(self, epochs=None, progress=None):
        """Run AdaGrad passes over the co-occurrence pairs, reshuffled before every pass.

        Continues from the current parameters and accumulators, so two calls of 5 passes equal
        one of 10 (with ``workers=1``).

        Parameters
        ----------
        epochs : int, optional
            Number of passes (default ``self.epochs``).
        progress : bool, optional
            Override the constructor's ``progress``.

        Returns
        -------
        list of float
            The loss of each pass of this call (also appended to :attr:`loss_history`).

        Raises
        ------
        ValueError
            If :meth:`build_vocab` was not called.
        FloatingPointError
            If the loss or the parameters become NaN or infinite; the message names the pass.
        """
        from .kernels.glove import glove_epoch, shuffle_records

        if self.cooccurrence is None:
            raise VocabularyError("count the co-occurrences first: call build_vocab(sentences)")
        epochs = self.epochs if epochs is None else epochs
        training.check_positive("epochs", epochs, integer=True)
        progress = self.progress if progress is None else bool(progress)
        if self._records is None:
            self._prepare_records()
        ids = self._records
        vals = ids.view(np.float32)
        P, V = len(ids), len(self.vocab)
        # Contiguous slices of the shuffled pairs; more than one per worker for a smoother bar.
        n_jobs = 1 if self.workers == 1 else 4 * self.workers
        cuts = np.linspace(0, P, n_jobs + 1).astype(np.int64)
        jobs = [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
        state = self.state
        losses = []
        bar = training.progress_bar(P * epochs, "GloVe", progress, unit="pair")
        try:
            for _ in range(epochs):
                done = len(self.loss_history)
                started = time.perf_counter()
                shuffle_records(ids, training.job_seed(self.seed, done, 0))

                def run(job):
                    return glove_epoch(state, ids, vals, job[0], job[1], V, self.eta,
                                       self.grad_clip)

                costs = training.run_jobs(run, jobs, self.workers, bar,
                                          size=lambda job: job[1] - job[0])
                loss = float(sum(costs)) / P
                seconds = time.perf_counter() - started
                problem = self._divergence(loss)
                if problem:
                    raise FloatingPointError(
                        f"GloVe training diverged in pass {done + 1}: {problem}; lower eta "
                        f"(now {self.eta}; glove.c's default is 0.05)")
                self.loss_history.append(loss)
                self.epoch_stats.append({"epoch": done, "seconds": seconds,
                                         "pairs_per_sec": P / max(seconds, 1e-9), "loss": loss})
                losses.append(loss)
        finally:
            bar.close()
            self._wv = None
        return losses

    def _divergence(self, loss):
        """What went wrong after a pass, or ``""``: the loss, parameters and accumulators must
        stay finite and the parameters below :data:`embedlearn.training.DIVERGENCE_BOUND`."""
        S = self.vector_size + 1
        if not np.isfinite(loss):
            return f"the loss is {loss}"
        if not np.isfinite(self.state).all():
            part = "parameters" if not np.isfinite(self.state[:, :S]).all() else "AdaGrad accumulators"
            return f"the {part} hold NaN or inf"
        biggest = float(np.abs(self.state[:, :S]).max())
        if biggest > training.DIVERGENCE_BOUND:
            return f"parameters as large as {biggest:.3g} (bound {training.DIVERGENCE_BOUND:g})"
        return ""

    # --- parameters and vectors -----------------------------------------------------------------
    @property
    def W(self):
        """Word vectors ``W`` (V, N), a view into the training state."""
        return self.state[:len(self.vocab), :self.vector_size]

    @property
    def W_context(self):
        """Context vectors ``W~`` (V, N), a view into the training state."""
        return self.state[len(self.vocab):, :self.vector_size]

    @property
    def b(self):
        """Word biases (V,), a view."""
        return self.state[:len(self.vocab), self.vector_size]

    @property
    def b_context(self):
        """Context biases (V,), a view."""
        return self.state[len(self.vocab):, self.vector_size]

    def accumulators(self):
        """The AdaGrad accumulators ``G`` (copies, float64; they start at 1).

        Returns
        -------
        dict of str to numpy.ndarray
            ``G_W``, ``G_W_context`` of shape (V, N) and ``G_b``, ``G_b_context`` of shape (V,).
        """
        V, N = len(self.vocab), self.vector_size
        S = N + 1
        H = self.state.astype(np.float64)
        return {"G_W": 1.0 + H[:V, S:S + N], "G_W_context": 1.0 + H[V:, S:S + N],
                "G_b": 1.0 + H[:V, S + N], "G_b_context": 1.0 + H[V:, S + N]}

    def keyed_vectors(self, combine=None):
        """The vectors as :class:`~embedlearn.keyedvectors.KeyedVectors` (a copy).

        Parameters
        ----------
        combine : {"sum", "word"}, optional
            ``W + W~`` or ``W`` only; default ``self.combine``.
        """
        from .keyedvectors import KeyedVectors

        combine = self.combine if combine is None else combine
        if combine not in _COMBINE:
            raise ValueError(f"combine must be one of {_COMBINE}, got {combine!r}")
        if self.state is None:
            raise ValueError("the model has no vectors yet: call build_vocab(sentences)")
        vectors = self.W + self.W_context if combine == "sum" else self.W.copy()
        return KeyedVectors(self.vocab.index_to_key, vectors, counts=self.vocab.counts)

    @property
    def wv(self):
        """The vectors (``combine``) as :class:`~embedlearn.keyedvectors.KeyedVectors`."""
        if self._wv is None:
            self._wv = self.keyed_vectors()
        return self._wv

    def save_glove_format(self, path, combine=None):
        """Write the vectors in the GloVe tool's text format (``word v1 ... vN``, no header)."""
        save_glove_format(self.keyed_vectors(combine), path)

    # --- persistence --------------------------------------------------------------------------
    def save(self, path):
        """Save the whole model (settings, vocabulary, counts, parameters, accumulators) atomically.

        The file is an ``.npz`` archive (no pickle), written to a temporary name and renamed.
        """
        from ._io import atomic_savez

        if self.cooccurrence is None:
            raise ValueError("nothing to save: call build_vocab(sentences) first")
        meta = {"format": _FORMAT, "params": {k: getattr(self, k) for k in self._PARAMS},
                "loss_history": self.loss_history, "epoch_stats": self.epoch_stats}
        X = self.cooccurrence
        # The training records are kept in the order the last pass shuffled them into (each
        # pass shuffles that order again), so they are saved too: training resumes bitwise.
        records = self._records if self._records is not None else np.zeros((0, 4), np.int32)
        atomic_savez(path, meta=json.dumps(meta), keys="\n".join(self.vocab.index_to_key),
                     counts=self.vocab.counts, state=self.state, row=X.row, col=X.col,
                     value=X.value, records=records)

    @classmethod
    def load(cls, path):
        """Load a model written by :meth:`save`; a corrupt or foreign file raises ``ValueError``."""
        from ._io import load_npz

        data = load_npz(path, ("meta", "keys", "counts", "state", "row", "col", "value", "records"),
                        _FORMAT)
        meta = data["meta"]
        try:
            model = cls(**meta["params"])
        except (TypeError, ValueError, KeyError) as err:
            raise ModelFileError(f"{path}: bad model settings ({err})") from err
        keys = data["keys"].split("\n")
        V, N = len(keys), model.vector_size
        nnz = len(data["value"])
        records = data["records"]
        check_arrays(path, data, {
            "counts": ArraySpec(np.int64, (V,), low=1),
            "state": ArraySpec(np.float32, (2 * V, 2 * (N + 1))),
            "row": ArraySpec(np.int32, (nnz,), low=0, high=V),
            "col": ArraySpec(np.int32, (nnz,), low=0, high=V),
            "value": ArraySpec(np.float32, (nnz,)),
            "records": ArraySpec(np.int32, (nnz if len(records) else 0, 4))})
        if nnz and data["value"].min() <= 0:
            raise ModelFileError(f"{path}: inconsistent model file: co-occurrence values must be > 0")
        if len(records):
            # Columns 0, 1 are word ids, 2, 3 float32 bit patterns (log x and f(x)).
            ids, vals = records[:, :2], records.view(np.float32)[:, 2:]
            if ids.min() < 0 or ids.max() >= V or not np.isfinite(vals).all():
                raise ModelFileError(f"{path}: inconsistent model file: training records hold "
                                     f"word ids outside [0, {V}) or non-finite values")
        try:
            model.vocab = Vocabulary(keys, data["counts"])
        except ValueError as err:
            raise ModelFileError(f"{path}: inconsistent model file: {err}") from err
        model.cooccurrence = Cooccurrence(data["row"], data["col"], data["value"], V,
                                          model.window, model.symmetric)
        model.state = np.ascontiguousarray(data["state"], dtype=np.float32)
        if len(records):
            model._records = np.ascontiguousarray(records)
        model.loss_history = meta["loss_history"]
        model.epoch_stats = meta["epoch_stats"]
        return model

    def __repr__(self):
        size = len(self.vocab) if self.vocab is not None else 0
        pairs = self.cooccurrence.nnz if self.cooccurrence is not None else 0
        return f"GloVe(vocab={size}, pairs={pairs}, vector_size={self.vector_size})"


def save_glove_format(kv, path):
    """Write ``KeyedVectors`` in the GloVe tool's text format: ``word v1 ... vN`` lines, no header.

    glove.c also appends an ``<unk>`` line (the mean of the 100 rarest words); this does not.
    """
    kv.save_word2vec_format(path, binary=False, write_header=False)


def load_glove_format(path):
    """Read vectors in the GloVe tool's text format (no header line) as ``KeyedVectors``.

    An ``<unk>`` line written by glove.c is kept as the word ``"<unk>"``.
    """
    from .keyedvectors import KeyedVectors

    return KeyedVectors.load_word2vec_format(path, binary=False, no_header=True)
