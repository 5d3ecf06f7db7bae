"""The count-based baseline: co-occurrence counts, (shifted) PPMI and truncated SVD.

The pipeline of the opening chapter, and the baseline every later model is compared with:

1. :func:`cooccurrence_counts` counts word--context pairs within a symmetric window, never across
   a sentence boundary, as a sparse matrix built from shifted index arrays (no per-token loop);
2. :func:`ppmi` turns counts into positive pointwise mutual information, with the optional
   context-distribution smoothing and shift of Levy, Goldberg & Dagan (2015);
3. :func:`truncated_svd` / :func:`svd_vectors` factorize it into dense word vectors;
4. :func:`ppmi_svd` runs all three and wraps the result in a
   :class:`~embedlearn.keyedvectors.KeyedVectors`.

References: Church & Hanks (1990) for PMI; Bullinaria & Levy (2007) and Levy, Goldberg & Dagan
(2015, TACL) for PPMI, smoothing, the shift and the SVD eigenvalue weighting.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["cooccurrence_counts", "ppmi", "truncated_svd", "svd_vectors", "ppmi_svd"]

_WEIGHTINGS = ("uniform", "harmonic")


def _check_int_array(name, array, ndim=1):
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{name} must be a numpy integer array, got {type(array).__name__}")
    if not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"{name} must have an integer dtype (int32 tokens, int64 offsets), "
                        f"got {array.dtype}")
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {array.shape}")


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")


def cooccurrence_counts(tokens, offsets, vocab_size, window=2, weighting="uniform"):
    """Count word--context co-occurrences within a symmetric window.

    Entry ``(w, c)`` is the number of times word ``c`` occurs at distance ``1..window`` to the
    left or right of word ``w`` in the same sentence (``weighting="uniform"``), or the sum of
    ``1/d`` over those occurrences at distance ``d`` (``weighting="harmonic"``, as GloVe's
    ``cooccur.c``). The matrix is symmetric.

    Parameters
    ----------
    tokens : numpy.ndarray of int
        Token ids of all sentences concatenated (``Corpus.tokens``, int32), each in
        ``[0, vocab_size)``.
    offsets : numpy.ndarray of int
        ``n_sentences + 1`` sentence boundaries (``Corpus.offsets``, int64): sentence ``s`` is
        ``tokens[offsets[s]:offsets[s + 1]]``. Windows never cross a boundary.
    vocab_size : int
        Number of rows and columns of the result.
    window : int, default 2
        Maximum distance ``m`` between a word and its context.
    weighting : {"uniform", "harmonic"}, default "uniform"
        Weight of a pair at distance ``d``: ``1`` or ``1/d``.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``(vocab_size, vocab_size)`` float64 counts, sorted indices, no explicit zeros.

    Raises
    ------
    TypeError
        If ``tokens`` or ``offsets`` is not an integer array, or ``window``/``vocab_size`` not an int.
    ValueError
        If ``window <= 0``, ``weighting`` is unknown, offsets are malformed or a token id is out
        of range.

    Notes
    -----
    For each distance ``d`` the pairs are ``(tokens[i], tokens[i + d])`` for all ``i`` whose
    sentence equals the sentence of ``i + d``: one vectorised comparison per distance. Each
    distance is summed into CSR form (``sum_duplicates``) before the next, so memory stays
    ``O(len(tokens))`` whatever the window.
    """
    import scipy.sparse as sp

    _check_int_array("tokens", tokens)
    _check_int_array("offsets", offsets)
    _check_positive_int("vocab_size", vocab_size)
    _check_positive_int("window", window)
    if weighting not in _WEIGHTINGS:
        raise ValueError(f"weighting must be one of {_WEIGHTINGS}, got {weighting!r}")
    n = len(tokens)
    if len(offsets) < 1 or offsets[0] != 0 or offsets[-1] != n:
        raise ValueError("offsets must start at 0 and end at len(tokens) "
                         f"(got {offsets[:1].tolist()}...{offsets[-1:].tolist()} for {n} tokens)")
    lengths = np.diff(offsets)
    if np.any(lengths < 0):
        raise ValueError("offsets must be non-decreasing")
    if n and (tokens.min() < 0 or tokens.max() >= vocab_size):
        raise ValueError(f"token ids must lie in [0, {vocab_size}), "
                         f"found [{tokens.min()}, {tokens.max()}]")

    tok = tokens.astype(np.int32, copy=False)
    sentence = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    total = sp.csr_matrix((vocab_size, vocab_size), dtype=np.float64)
    for d in range(1, min(window, max(n - 1, 0)) + 1):
        same = sentence[:-d] == sentence[d:]
        left, right = tok[:-d][same], tok[d:][same]
        if len(left) == 0:
            continue
        weight = 1.0 if weighting == "uniform" else 1.0 / d
        data = np.full(2 * len(left), weight)
        # Both directions: c right of w, and w left of c.
        rows = np.concatenate((left, right))
        cols = np.concatenate((right, left))
        total = total + sp.coo_matrix((data, (rows, cols)),
                                      shape=(vocab_size, vocab_size)).tocsr()
    total = sp.csr_matrix(total)
    total.sum_duplicates()
    total.eliminate_zeros()
    total.sort_indices()
    return total


def ppmi(counts, alpha=0.75, shift=0.0):
    r"""Positive pointwise mutual information of a co-occurrence matrix.

    .. math::

        \mathrm{PPMI}(w, c) = \max\Bigl(\log\frac{\#(w,c)\,\sum_{c'}\#(c')^\alpha}
        {\#(w)\,\#(c)^\alpha} - \text{shift},\; 0\Bigr)

    with ``#(w)`` the row sums and ``#(c)`` the column sums of ``counts``. With ``alpha=1`` and
    ``shift=0`` this is plain PPMI (Church & Hanks 1990; Bullinaria & Levy 2007). ``alpha=0.75``
    is the context-distribution smoothing and ``shift=log(k)`` the shifted PPMI of Levy, Goldberg
    & Dagan (2015); SGNS with ``k`` negatives implicitly factorizes PMI shifted by ``log k``
    (Levy & Goldberg 2014).

    Parameters
    ----------
    counts : scipy.sparse matrix or numpy.ndarray
        Non-negative co-occurrence counts, rows = words, columns = contexts.
    alpha : float, default 0.75
        Exponent of the context distribution, in ``(0, 1]``; ``1`` disables smoothing.
    shift : float, default 0.0
        Subtracted from PMI before clipping at zero (nats), ``>= 0``.

    Returns
    -------
    scipy.sparse.csr_matrix
        float64 PPMI values, same shape as ``counts``; only positive entries are stored.

    Raises
    ------
    ValueError
        If ``counts`` is not 2-D, has a negative entry or sums to zero, or ``alpha``/``shift``
        is out of range.
    """
    import scipy.sparse as sp

    if not (0.0 < float(alpha) <= 1.0):
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    if not float(shift) >= 0.0:
        raise ValueError(f"shift must be >= 0, got {shift}")
    if not sp.issparse(counts):
        counts = np.asarray(counts)
        if counts.ndim != 2:
            raise ValueError(f"counts must be 2-D, got shape {counts.shape}")
    m = sp.csr_matrix(counts, dtype=np.float64, copy=True)
    m.sum_duplicates()
    if m.nnz and m.data.min() < 0:
        raise ValueError("counts must be non-negative")
    m.eliminate_zeros()
    total = m.data.sum()
    if total <= 0:
        raise ValueError("counts sum to zero: no co-occurrence to compute PMI from")
    row_sum = np.asarray(m.sum(axis=1)).ravel()
    col_sum = np.asarray(m.sum(axis=0)).ravel()
    smoothed = col_sum ** alpha
    p_context = smoothed / smoothed.sum()
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    # log[P(w,c) / (P(w) P_alpha(c))] with P(w,c) = #(w,c)/D and P(w) = #(w)/D.
    pmi = np.log(m.data) - np.log(row_sum[rows]) - np.log(p_context[m.indices]) - shift
    m.data = np.maximum(pmi, 0.0)
    m.eliminate_zeros()
    return m


def _single_threaded_blas():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it BLAS keeps its default threads
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def truncated_svd(matrix, k, seed=0):
    """The ``k`` largest singular triplets, deterministically.

    Parameters
    ----------
    matrix : scipy.sparse matrix or numpy.ndarray
        The ``(n, p)`` matrix to factorize.
    k : int
        Number of singular values, ``1 <= k < min(n, p)``.
    seed : int, default 0
        Seed of ARPACK's starting vector ``v0`` (fixed so that results repeat).

    Returns
    -------
    U : numpy.ndarray, shape (n, k)
    s : numpy.ndarray, shape (k,)
        Singular values in decreasing order.
    Vt : numpy.ndarray, shape (k, p)

    Notes
    -----
    Signs of singular vectors are arbitrary; each pair ``(U[:, i], Vt[i])`` is flipped so that
    the largest-magnitude entry of ``U[:, i]`` is positive, which makes the output reproducible.

    ARPACK's work is a long series of small matrix-vector products, for which a multithreaded
    BLAS mostly waits on its own threads: if ``threadpoolctl`` is installed, BLAS is limited to
    one thread during the call (4-6 times faster on a busy 2-core machine in our measurements).
    """
    from scipy.sparse.linalg import svds

    _check_positive_int("k", k)
    shape = matrix.shape
    if len(shape) != 2:
        raise ValueError(f"matrix must be 2-D, got shape {shape}")
    if k >= min(shape):
        raise ValueError(f"k must be smaller than min(matrix.shape) = {min(shape)}, got {k}")
    a = matrix.astype(np.float64)
    v0 = np.random.default_rng(seed).uniform(-1.0, 1.0, size=min(shape))
    with _single_threaded_blas():
        u, s, vt = svds(a, k=k, v0=v0, solver="arpack")
    order = np.argsort(s)[::-1]
    u, s, vt = u[:, order], s[order], vt[order]
    flip = np.sign(u[np.argmax(np.abs(u), axis=0), np.arange(k)])
    flip[flip == 0] = 1.0
    return u * flip, s, vt * flip[:, None]


def svd_vectors(matrix, dim, eig=0.0, seed=0):
    r"""Dense word vectors from a truncated SVD: rows of :math:`U_d\,\Sigma_d^{\,eig}`.

    Parameters
    ----------
    matrix : scipy.sparse matrix or numpy.ndarray
        ``(V, C)`` word--context matrix (e.g. the output of :func:`ppmi`).
    dim : int
        Number of dimensions ``d`` kept.
    eig : float, default 0.0
        Exponent of the singular values: ``1`` is the classic :math:`U\Sigma`, ``0.5`` the
        symmetric split, ``0`` drops them (Levy et al. 2015 find ``0`` or ``0.5`` better than
        ``1`` on similarity tasks).
    seed : int, default 0
        Seed of the SVD starting vector.

    Returns
    -------
    numpy.ndarray
        ``(V, dim)`` float32 word vectors.
    """
    if not 0.0 <= float(eig) <= 1.0:
        raise ValueError(f"eig must be in [0, 1], got {eig}")
    u, s, _ = truncated_svd(matrix, dim, seed=seed)
    return (u * s ** eig).astype(np.float32)


def ppmi_svd(tokens, offsets, index_to_key, dim=100, window=2, weighting="uniform",
             alpha=0.75, shift=0.0, eig=0.0, seed=0, counts=None):
    """Count, weight and factorize: the PPMI-SVD baseline as :class:`KeyedVectors`.

    Parameters
    ----------
    tokens, offsets : numpy.ndarray
        The encoded corpus (``Corpus.tokens``, ``Corpus.offsets``).
    index_to_key : list of str
        Word of each id; its length is the vocabulary size.
    dim, window, weighting, alpha, shift, eig, seed
        See :func:`svd_vectors`, :func:`cooccurrence_counts` and :func:`ppmi`.
    counts : numpy.ndarray, optional
        Word frequencies stored on the result (e.g. ``Vocabulary.counts``).

    Returns
    -------
    embedlearn.keyedvectors.KeyedVectors
        ``len(index_to_key)`` vectors of ``dim`` dimensions.
    """
    from .keyedvectors import KeyedVectors

    keys = list(index_to_key)
    c = cooccurrence_counts(tokens, offsets, len(keys), window=window, weighting=weighting)
    vectors = svd_vectors(ppmi(c, alpha=alpha, shift=shift), dim, eig=eig, seed=seed)
    return KeyedVectors(keys, vectors, counts=counts)
