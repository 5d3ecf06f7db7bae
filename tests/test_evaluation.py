"""Correlation statistics equal scipy.stats (values and p-values), without importing it."""
import numpy as np
import pytest

from embedlearn.evaluation import CorrelationResult, pearson, rankdata, spearman

stats = pytest.importorskip("scipy.stats")


def _cases():
    rng = np.random.default_rng(0)
    for n in (3, 4, 10, 353, 2000):
        x = rng.standard_normal(n)
        yield x, 0.3 * x + rng.standard_normal(n)  # moderate correlation
        yield np.round(x * 2) / 2, np.round(rng.standard_normal(n))  # many ties, no correlation
    x = rng.standard_normal(500)
    yield x, x + 0.01 * rng.standard_normal(500)  # p-value far below 1e-100


@pytest.mark.parametrize("case", list(_cases()))
def test_pearson_and_spearman_equal_scipy(case):
    x, y = case
    for ours, theirs in [(pearson(x, y), stats.pearsonr(x, y)),
                         (spearman(x, y), stats.spearmanr(x, y))]:
        assert isinstance(ours, CorrelationResult)
        assert ours.statistic == pytest.approx(theirs[0], abs=1e-12)
        assert ours.pvalue == pytest.approx(theirs[1], rel=1e-9, abs=1e-300)


def test_rankdata_averages_ties_like_scipy():
    a = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5])
    assert np.array_equal(rankdata(a), stats.rankdata(a))
    assert rankdata([]).shape == (0,)


def test_result_unpacks_like_scipy():
    r, p = spearman([1, 2, 3, 4], [1, 3, 2, 4])
    assert (r, p) == tuple(spearman([1, 2, 3, 4], [1, 3, 2, 4]))
    assert spearman([1, 2, 3, 4], [1, 3, 2, 4])[0] == r == pytest.approx(0.8)


def test_perfect_agreement_is_exactly_one():
    # scipy's own r may come out as 1 - 2e-16 here, and its p-value is then rounding error (1e-8
    # for n = 3); ours reports r = +-1 and p = 0.
    assert pearson([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]) == (-1.0, 0.0)
    assert spearman([0.1, 0.5, 0.2, 0.9], [1, 7, 3, 8]) == (1.0, 0.0)


def test_degenerate_inputs():
    assert pearson([1.0, 2.0], [5.0, 3.0]) == (-1.0, 1.0)  # two points: |r| = 1, p = 1 (scipy)
    r, p = pearson([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])  # constant input: undefined
    assert np.isnan(r) and np.isnan(p)
    with pytest.raises(ValueError, match="at least 2"):
        spearman([1.0], [2.0])
    with pytest.raises(ValueError, match="same length"):
        pearson([1.0, 2.0], [1.0, 2.0, 3.0])


def test_importing_evaluation_does_not_load_scipy_stats():
    import subprocess
    import sys

    code = ("import sys; from embedlearn.evaluation import spearman; spearman([1, 2, 3], [1, 3, 2]);"
            "print('scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
