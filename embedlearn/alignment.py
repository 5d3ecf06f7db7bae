r"""Orthogonal Procrustes alignment between two embedding spaces, and neighbour overlap.

Two trainings of the same model on the same text (another seed, more data, another model) give
spaces that agree on which words are near each other but not on the coordinates: the SGD objectives
depend on the vectors only through dot products, so any rotation of a solution is a solution. To
compare or exchange vectors, find the rotation that maps one space onto the other over the keys they
share,

.. math::

    W^\star = \arg\min_{W^\top W = I} \lVert X W - Y\rVert_F
            = U V^\top \quad\text{where}\quad X^\top Y = U \Sigma V^\top ,

the orthogonal Procrustes problem (Schönemann 1966), solved by one SVD of the ``N x N`` matrix
``X^T Y``. Rows of ``X`` (source) and ``Y`` (target) are the shared keys' vectors, scaled to unit
length by default, as Hamilton, Leskovec & Jurafsky (2016) align word2vec spaces across decades
(a rotation keeps cosines, so only the cross-space comparisons change).

:func:`neighbour_overlap` measures what the rotation achieves: overlap@k of neighbour lists.
"""
from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np

__all__ = ["Alignment", "procrustes", "shared_keys", "neighbour_overlap"]


@dataclass
class Alignment:
    """The result of :func:`procrustes`.

    Attributes
    ----------
    rotation : numpy.ndarray of float64, shape (N, N)
        Orthogonal ``W``: ``source_vector @ W`` lies in the target space.
    aligned : KeyedVectors
        Every key of the source (shared or not) with its vector rotated, ``source.vectors @ W``
        (raw vectors, so norms are kept; counts are kept too).
    keys : list of str
        The shared keys the rotation was fitted on.
    residual : float
        ``||X W - Y||_F / ||Y||_F`` over the fitted keys (0: the spaces differ only by a rotation).
    residual_before : float
        The same without rotation, ``||X - Y||_F / ||Y||_F``.
    """

    rotation: np.ndarray
    aligned: object
    keys: list
    residual: float
    residual_before: float

    def transform(self, vectors) -> np.ndarray:
        """Rotate source-space vectors (shape (n, N) or (N,)) into the target space (float32)."""
        v = np.asarray(vectors, dtype=np.float64)
        if v.shape[-1] != self.rotation.shape[0]:
            raise ValueError(f"vectors have {v.shape[-1]} columns, the rotation is "
                             f"{self.rotation.shape[0]}x{self.rotation.shape[0]}")
        return (v @ self.rotation).astype(np.float32)


def shared_keys(source, target, limit=None) -> list:
    """Keys present in both ``source`` and ``target``, in ``source``'s order (most frequent first).

    Parameters
    ----------
    source, target : KeyedVectors
    limit : int, optional
        Keep only the first ``limit`` shared keys.
    """
    keys = [k for k in source.index_to_key if k in target.key_to_index]
    return keys if limit is None else keys[:limit]


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    out = np.zeros_like(x)
    np.divide(x, norms, out=out, where=norms > 0)
    return out


def procrustes(source, target, keys=None, normalize=True, center=False, min_shared=None) -> Alignment:
    """Rotate ``source`` onto ``target``: orthogonal Procrustes over their shared keys (one SVD).

    Parameters
    ----------
    source, target : KeyedVectors
        Spaces of the same dimension N (another seed, an updated model, another model).
    keys : sequence of str, optional
        The keys to fit on (default: every shared key). Frequent words have the most stable
        vectors; passing ``shared_keys(source, target, limit=10000)`` fits on those only.
    normalize : bool, default True
        Scale the fitted rows to unit length first, so every key weighs the same and the rotation
        serves cosine queries (Hamilton et al. 2016). ``False`` fits the raw vectors (frequent words,
        with longer vectors, dominate).
    center : bool, default False
        Subtract each space's mean vector (over the fitted keys) before fitting. The rotation is
        then applied to the raw vectors all the same (no translation is added).
    min_shared : int, optional
        The fewest shared keys accepted; default N, the fewest that determine a rotation of N
        dimensions (with fewer, ``X^T Y`` has rank < N and part of ``W`` is arbitrary).

    Returns
    -------
    Alignment

    Raises
    ------
    ValueError
        Before any computation: different dimensions, fewer than ``min_shared`` shared keys, a key of
        ``keys`` missing from one side, repeated keys, or NaN/inf in the fitted rows.

    Examples
    --------
    >>> import numpy as np
    >>> from embedlearn.keyedvectors import KeyedVectors
    >>> rng = np.random.default_rng(0)
    >>> Y = rng.normal(size=(50, 3))
    >>> R = np.linalg.qr(rng.normal(size=(3, 3)))[0]          # a random rotation
    >>> src = KeyedVectors([f"w{i}" for i in range(50)], Y @ R.T)
    >>> tgt = KeyedVectors([f"w{i}" for i in range(50)], Y)
    >>> result = procrustes(src, tgt)
    >>> bool(np.allclose(result.rotation, R, atol=1e-5)), result.residual < 1e-5
    (True, True)
    """
    from .keyedvectors import KeyedVectors

    for name, kv in (("source", source), ("target", target)):
        if not (hasattr(kv, "index_to_key") and hasattr(kv, "vectors")):
            raise TypeError(f"{name} must be a KeyedVectors, got {type(kv).__name__}")
    dim = source.vector_size
    if target.vector_size != dim:
        raise ValueError(f"source has {dim}-dimensional vectors and target {target.vector_size}: an "
                         "orthogonal map needs the same dimension (reduce one space first)")
    if min_shared is None:
        min_shared = dim
    elif isinstance(min_shared, bool) or not isinstance(min_shared, Integral) or min_shared < 1:
        raise ValueError(f"min_shared must be a positive int, got {min_shared!r}")
    if keys is None:
        keys = shared_keys(source, target)
    else:
        keys = list(keys)
        if len(set(keys)) != len(keys):
            raise ValueError("keys holds repeated keys")
        for name, kv in (("source", source), ("target", target)):
            missing = [k for k in keys if k not in kv.key_to_index]
            if missing:
                raise ValueError(f"{len(missing)} of the keys are not in {name} (first: {missing[:5]})")
    if len(keys) < min_shared:
        raise ValueError(f"only {len(keys)} shared keys to fit a rotation of {dim} dimensions; at least "
                         f"{min_shared} are needed (are these spaces over the same vocabulary?)")
    X = source.vectors[[source.key_to_index[k] for k in keys]].astype(np.float64)
    Y = target.vectors[[target.key_to_index[k] for k in keys]].astype(np.float64)
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise ValueError("the vectors of the shared keys hold NaN or infinite values")
    if normalize:
        X, Y = _unit(X), _unit(Y)
    if center:
        X, Y = X - X.mean(axis=0), Y - Y.mean(axis=0)
    # min ||XW - Y|| over orthogonal W  <=>  max trace(W^T X^T Y); with X^T Y = U S V^T, W = U V^T.
    U, _, Vt = np.linalg.svd(X.T @ Y)
    W = U @ Vt
    scale = np.linalg.norm(Y) or 1.0
    residual = float(np.linalg.norm(X @ W - Y) / scale)
    before = float(np.linalg.norm(X - Y) / scale)
    rotated = (source.vectors.astype(np.float64) @ W).astype(np.float32)
    aligned = KeyedVectors(source.index_to_key, rotated, counts=source.counts)
    return Alignment(W, aligned, keys, residual, before)


def _neighbours(pool: np.ndarray, queries: np.ndarray, self_rows: np.ndarray, k: int) -> np.ndarray:
    """Top-k rows of the unit ``pool`` for unit ``queries`` by cosine, each query's own row excluded."""
    out = np.empty((len(queries), k), np.int64)
    for start in range(0, len(queries), 512):
        sims = queries[start:start + 512] @ pool.T
        sims[np.arange(len(sims)), self_rows[start:start + 512]] = -np.inf
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        out[start:start + len(sims)] = top
    return out


def neighbour_overlap(a, b, keys=None, pool=None, k=10, cross=False) -> float:
    """Mean overlap@k of the neighbour lists of the same keys in two spaces.

    For each query key ``w``, the ``k`` nearest keys by cosine (``w`` itself excluded, candidates
    restricted to ``pool``) are found twice and ``|N_a(w) ∩ N_b(w)| / k`` is averaged over the keys.

    - ``cross=False`` (self-consistency): ``N_a(w)`` is searched in ``a`` with ``a[w]``, ``N_b(w)`` in
      ``b`` with ``b[w]``. Rotations do not change it: it says how far two trainings agree, the
      ceiling an alignment can reach.
    - ``cross=True``: ``N_b(w)`` is searched in ``a``'s space with ``b[w]`` as the query, as if ``b``'s
      vectors were dropped into an index of ``a``. Unaligned spaces score at chance (about
      ``k / len(pool)``); after :func:`procrustes` it approaches the self-consistency.

    Parameters
    ----------
    a, b : KeyedVectors
        ``b`` is the space being compared (aligned or not) to the reference ``a``.
    keys : sequence of str, optional
        Query keys (default: the first 1,000 keys of ``pool``).
    pool : sequence of str, optional
        Candidate neighbours (default: every key shared by ``a`` and ``b``); must contain ``keys``.
    k : int, default 10
    cross : bool, default False

    Returns
    -------
    float
        In [0, 1].

    Raises
    ------
    ValueError
        If the dimensions differ (for ``cross``), a key is missing, or the pool has fewer than
        ``k + 1`` keys.
    """
    if isinstance(k, bool) or not isinstance(k, Integral) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    pool = shared_keys(a, b) if pool is None else list(pool)
    if len(pool) < k + 1:
        raise ValueError(f"the pool holds {len(pool)} keys; overlap@{k} needs at least {k + 1}")
    for name, kv in (("a", a), ("b", b)):
        missing = [w for w in pool if w not in kv.key_to_index]
        if missing:
            raise ValueError(f"{len(missing)} pool keys are not in {name} (first: {missing[:5]})")
    keys = pool[:1000] if keys is None else list(keys)
    position = {w: i for i, w in enumerate(pool)}
    missing = [w for w in keys if w not in position]
    if missing:
        raise ValueError(f"{len(missing)} query keys are not in the pool (first: {missing[:5]})")
    if cross and a.vector_size != b.vector_size:
        raise ValueError(f"cross=True compares b's vectors in a's space: dimensions {a.vector_size} "
                         f"and {b.vector_size} differ")
    rows = np.array([position[w] for w in keys], np.int64)
    pool_a = a.get_normed_vectors()[[a.key_to_index[w] for w in pool]]
    pool_b = b.get_normed_vectors()[[b.key_to_index[w] for w in pool]]
    nn_a = _neighbours(pool_a, pool_a[rows], rows, k)
    nn_b = _neighbours(pool_a if cross else pool_b, pool_b[rows], rows, k)
    hits = sum(len(np.intersect1d(x, y)) for x, y in zip(nn_a, nn_b))
    return hits / (len(keys) * k)
