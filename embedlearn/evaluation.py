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

    Unpacks and indexes like scipy's results: ``r, p = result`` or ``result[0]``; the coefficient is
    ``result.statistic`` or ``result.correlation``, the p-value ``result.pvalue``.
    """

    statistic: float
    pvalue: float

    @property
    def correlation(self) -> float:
        """The coefficient again, under the name scipy's results also answer to (gensim users read
        ``evaluate_word_pairs(...)[1].correlation``)."""
        return self.statistic


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
