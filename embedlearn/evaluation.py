"""Correlation statistics for word-similarity benchmarks (WordSim-353, Rare Words, ...).

Pearson's r and Spearman's rho with their two-sided p-values, equal to ``scipy.stats.pearsonr`` and
``scipy.stats.spearmanr`` (tested). They live here, in NumPy, because ``scipy.stats`` costs about
40 MB of memory to import, more than a trained text8 model; the p-value needs only
``scipy.special.betainc`` (about 4 MB).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["CorrelationResult", "pearson", "spearman", "rankdata"]


class CorrelationResult(NamedTuple):
    """A correlation coefficient and its two-sided p-value.

    Unpacks and indexes like scipy's results: ``r, p = result`` or ``result[0]``.
    """

    statistic: float
    pvalue: float


def _as_pair(x, y):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"x and y must be 1-D of the same length, got shapes {x.shape} and {y.shape}")
    if len(x) < 2:
        raise ValueError(f"a correlation needs at least 2 observations, got {len(x)}")
    return x, y


def _two_sided_pvalue(r: float, n: int) -> float:
    # Under independence (normal data) t = r sqrt((n-2)/(1-r^2)) has n-2 degrees of freedom, and
    # P(|T| >= |t|) = I_{1-r^2}((n-2)/2, 1/2), the regularized incomplete beta function.
    if np.isnan(r):
        return float("nan")
    if n == 2:
        return 1.0  # two points always lie on a line: no evidence either way (scipy's value)
    from scipy.special import betainc

    return float(betainc((n - 2) / 2.0, 0.5, max(0.0, 1.0 - r * r)))


def _pearson_r(x: np.ndarray, y: np.ndarray) -> float:
    xc = x - x.mean()
    yc = y - y.mean()
    nx, ny = np.linalg.norm(xc), np.linalg.norm(yc)
    if nx == 0 or ny == 0:
        return float("nan")  # a constant input has no correlation
    r = float(np.dot(xc / nx, yc / ny))
    # Within rounding of +-1 is +-1: a perfect (rank) agreement then has p = 0, as in scipy,
    # instead of a p-value made of rounding error.
    return float(np.sign(r)) if 1.0 - abs(r) < 1e-14 else r


def pearson(x, y) -> CorrelationResult:
    """Pearson's correlation coefficient and its two-sided p-value.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Paired observations, ``n >= 2``.

    Returns
    -------
    CorrelationResult
        ``r = cov(x, y) / (sd(x) sd(y))`` and the probability of an ``|r|`` at least this large if
        ``x`` and ``y`` were independent normal samples. ``r`` is NaN if an input is constant.
    """
    x, y = _as_pair(x, y)
    r = _pearson_r(x, y)
    return CorrelationResult(r, _two_sided_pvalue(r, len(x)))


def rankdata(a) -> np.ndarray:
    """Ranks 1..n of ``a``, tied values sharing the mean of their ranks (``scipy``'s ``"average"``)."""
    a = np.asarray(a)
    order = np.argsort(a, kind="stable")
    ordered = a[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]]  # first position of each run of equal values
    group = np.cumsum(starts) - 1
    bounds = np.r_[np.flatnonzero(starts), len(a)]  # run g covers sorted positions [b[g], b[g+1])
    ranks = np.empty(len(a), dtype=np.float64)
    ranks[order] = 0.5 * (bounds[group] + 1 + bounds[group + 1])
    return ranks


def spearman(x, y) -> CorrelationResult:
    """Spearman's rank correlation and its two-sided p-value.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Paired observations, ``n >= 2``.

    Returns
    -------
    CorrelationResult
        Pearson's r of the ranks (ties get their mean rank) and the p-value of the t approximation
        that ``scipy.stats.spearmanr`` uses.
    """
    x, y = _as_pair(x, y)
    r = _pearson_r(rankdata(x), rankdata(y))
    return CorrelationResult(r, _two_sided_pvalue(r, len(x)))


# =========================================================================== Ranking metrics
# Appended for Item2Vec: top-k lists from scores and the leave-one-out metrics of recommendation.
# Each function takes *ranked lists* (one row per user, best first) of any hashable ids and the
# held-out items, and averages over users. Unlike the script of Caselles-Dupre et al. (2018), the
# hit rate is the plain fraction of users whose held-out item is in their top k (no 1/k, no x1000).
def _check_k(k, width=None, name="k"):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(k).__name__}")
    if k <= 0:
        raise ValueError(f"{name} must be positive, got {k}")
    if width is not None and k > width:
        raise ValueError(f"{name}={k} but the ranked lists have only {width} items")
    return int(k)


def _id_array(values) -> np.ndarray:
    """A 1-D array of ids; object dtype unless they are all int or all str (tuples stay whole)."""
    values = list(values)
    if values and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.int64)
    if values and all(isinstance(v, str) for v in values):
        return np.asarray(values, dtype=str)
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out


def _factorize(values: np.ndarray) -> np.ndarray:
    """Integer codes of ``values`` (equal ids get equal codes)."""
    try:
        return np.unique(values, return_inverse=True)[1].reshape(-1)
    except TypeError:  # ids of mixed types cannot be sorted: number them by first appearance
        codes: dict = {}
        return np.fromiter((codes.setdefault(v, len(codes)) for v in values), np.int64, len(values))


def _ranked_lists(recommended) -> np.ndarray:
    if isinstance(recommended, np.ndarray) and recommended.ndim == 2:
        return recommended
    rows = [list(r) for r in recommended]
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        raise ValueError(f"ranked lists must all have the same length, got lengths {sorted(widths)}")
    if not rows or not widths or widths == {0}:
        raise ValueError("recommended must hold at least one user and one item per list")
    flat = _id_array([v for r in rows for v in r])
    return flat.reshape(len(rows), -1)


def _hits(recommended, heldout, k):
    """Boolean ``(U, k)`` hits of the top-k lists and the number of held-out items per user."""
    rec = _ranked_lists(recommended)
    n_users, width = rec.shape
    if n_users == 0 or width == 0:
        raise ValueError("recommended must hold at least one user and one item per list")
    k = width if k is None else _check_k(k, width)
    heldout = list(heldout)
    if len(heldout) != n_users:
        raise ValueError(f"{len(heldout)} held-out entries for {n_users} ranked lists")
    users, items = [], []
    for u, entry in enumerate(heldout):
        # A tuple is an id (items are any hashable), not a collection of ids.
        group = list(entry) if isinstance(entry, (list, set, frozenset, np.ndarray)) else [entry]
        if not group:
            raise ValueError(f"user {u} has no held-out item")
        users.extend([u] * len(group))
        items.extend(group)
    held = _id_array(items)
    flat = rec.reshape(-1)
    if flat.dtype.kind != held.dtype.kind:  # else numpy would turn 1 into "1" and match them
        flat, held = flat.astype(object), held.astype(object)
    codes = _factorize(np.concatenate([flat, held]))
    rec_codes = codes[:rec.size].reshape(n_users, width)
    # A list that repeats an item would count its hit twice.
    ordered = np.sort(rec_codes, axis=1)
    dup = np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))
    if dup.size:
        raise ValueError(f"the ranked list of user {dup[0]} repeats an item")
    n_codes = int(codes.max()) + 1
    held_keys = np.unique(np.asarray(users, np.int64) * n_codes + codes[rec.size:])
    n_relevant = np.bincount(held_keys // n_codes, minlength=n_users)
    rec_keys = np.arange(n_users, dtype=np.int64)[:, None] * n_codes + rec_codes[:, :k]
    return np.isin(rec_keys, held_keys), n_relevant


def top_k(scores, k, exclude=None):
    """Column indices of the ``k`` highest scores of each row, best first.

    Parameters
    ----------
    scores : array_like, shape (U, V)
        One row of item scores per user (e.g. cosine similarities). ``-inf`` marks an item that
        must not be recommended.
    k : int
        List length, ``1 <= k``.
    exclude : sequence of sequences of int, optional
        Per user, columns never to recommend (e.g. the items already seen).

    Returns
    -------
    numpy.ndarray of int64, shape (U, k)
        Ties are broken by the lower column index, so the result is deterministic.

    Raises
    ------
    ValueError
        If ``k <= 0``, a score is NaN, or a user has fewer than ``k`` recommendable items.
    """
    s = np.array(scores, dtype=np.float64)  # a copy: exclusions are written into it
    if s.ndim != 2:
        raise ValueError(f"scores must be 2-D (users, items), got shape {s.shape}")
    k = _check_k(k)
    if np.isnan(s).any() or (s == np.inf).any():
        raise ValueError("scores must be finite (or -inf for items never to recommend)")
    if exclude is not None:
        exclude = list(exclude)
        if len(exclude) != s.shape[0]:
            raise ValueError(f"exclude has {len(exclude)} entries for {s.shape[0]} users")
        lengths = [len(e) for e in exclude]
        rows = np.repeat(np.arange(s.shape[0]), lengths)
        cols = np.concatenate([np.asarray(e, np.int64).reshape(-1) for e in exclude] + [np.zeros(0, np.int64)])
        s[rows, cols] = -np.inf
    n_ok = np.isfinite(s).sum(axis=1)
    if k > s.shape[1] or (n_ok < k).any():
        u = int(np.argmax(n_ok < k)) if k <= s.shape[1] else 0
        raise ValueError(f"user {u} has {int(n_ok[u])} recommendable items, fewer than k={k}")
    # The k-th largest score of each row; ties at that score go to the lowest columns.
    kth = -np.partition(-s, k - 1, axis=1)[:, k - 1:k]
    above = s > kth
    tied = s == kth
    take = above | (tied & (np.cumsum(tied, axis=1) <= k - above.sum(axis=1, keepdims=True)))
    cols = np.nonzero(take)[1].reshape(s.shape[0], k)  # row-major: each row's columns ascending
    order = np.lexsort((cols, -np.take_along_axis(s, cols, axis=1)), axis=-1)
    return np.take_along_axis(cols, order, axis=1)


def hit_rate_at_k(recommended, heldout, k=10):
    """HitRate@k: the fraction of users with at least one held-out item in their top ``k``.

    Parameters
    ----------
    recommended : array_like, shape (U, L)
        Ranked lists of item ids, best first, ``L >= k``; no list may repeat an item.
    heldout : sequence of length U
        Each user's held-out item, or a list, set or array of them (a tuple is one id).
    k : int, default 10

    Returns
    -------
    float
    """
    hits, _ = _hits(recommended, heldout, k)
    return float(hits.any(axis=1).mean())


def recall_at_k(recommended, heldout, k=10):
    """Recall@k: per user the share of their held-out items found in the top ``k``, averaged.

    The denominator is the number of held-out items (not ``min(k, n)``); with one held-out item
    per user (leave-last-out) it equals :func:`hit_rate_at_k`. Parameters as there.
    """
    hits, n_relevant = _hits(recommended, heldout, k)
    return float((hits.sum(axis=1) / n_relevant).mean())


def ndcg_at_k(recommended, heldout, k=10):
    """NDCG@k with binary relevance: ``DCG / IDCG``, averaged over users.

    ``DCG = sum over hits at 0-based rank r < k of 1 / log2(r + 2)``; ``IDCG`` is the DCG of the
    ideal list, ``sum over r < min(k, n_heldout)`` of the same. With one held-out item it is
    ``1 / log2(rank + 2)`` if the item is in the top ``k``, else 0. Parameters as in
    :func:`hit_rate_at_k`.
    """
    hits, n_relevant = _hits(recommended, heldout, k)
    discount = 1.0 / np.log2(np.arange(hits.shape[1]) + 2.0)
    ideal = np.cumsum(discount)[np.minimum(n_relevant, hits.shape[1]) - 1]
    return float(((hits @ discount) / ideal).mean())


def mrr(recommended, heldout, k=None):
    """Mean reciprocal rank: ``1 / (r + 1)`` for the first held-out item at 0-based rank ``r``.

    A user with no held-out item in the list (or in its first ``k``, if given) scores 0, so this
    is MRR over the lists as given: pass full rankings for the untruncated MRR. Parameters as in
    :func:`hit_rate_at_k`.
    """
    hits, _ = _hits(recommended, heldout, k)
    first = np.argmax(hits, axis=1)
    return float(np.where(hits.any(axis=1), 1.0 / (first + 1.0), 0.0).mean())


def ranking_metrics(recommended, heldout, k=10):
    """HitRate@k, Recall@k, NDCG@k and MRR@k of the same lists, as a dict."""
    return {f"HitRate@{k}": hit_rate_at_k(recommended, heldout, k),
            f"Recall@{k}": recall_at_k(recommended, heldout, k),
            f"NDCG@{k}": ndcg_at_k(recommended, heldout, k),
            f"MRR@{k}": mrr(recommended, heldout, k)}


__all__ += ["top_k", "hit_rate_at_k", "recall_at_k", "ndcg_at_k", "mrr", "ranking_metrics"]
