"""Figures: 2-D projections are right on data whose structure is known; plots label what they draw."""
import numpy as np
import pytest

pytest.importorskip("sklearn")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from embedlearn.keyedvectors import KeyedVectors  # noqa: E402
from embedlearn.plotting import (plot_embedding_map, plot_loss_history, plot_recall_qps,  # noqa: E402
                                 project_2d)


def two_clusters(n=40, dim=10, seed=0):
    """Two tight groups of directions: any sensible 2-D map must keep them apart."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(2, dim))
    x = np.vstack([a + 0.05 * rng.normal(size=(n, dim)), b + 0.05 * rng.normal(size=(n, dim))])
    return x, np.array([0] * n + [1] * n)


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_projection_separates_clusters(method):
    x, groups = two_clusters()
    xy = project_2d(x, method=method, seed=0, perplexity=10)
    assert xy.shape == (80, 2)
    c0, c1 = xy[groups == 0].mean(axis=0), xy[groups == 1].mean(axis=0)
    spread = max(xy[groups == 0].std(axis=0).max(), xy[groups == 1].std(axis=0).max())
    assert np.linalg.norm(c0 - c1) > 3 * spread


def test_pca_matches_the_top_singular_directions():
    x, _ = two_clusters()
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    centred = unit - unit.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    xy = project_2d(x)
    for axis in range(2):
        assert abs(abs(np.corrcoef(xy[:, axis], centred @ vt[axis])[0, 1]) - 1) < 1e-8


def test_projection_refuses_bad_input():
    with pytest.raises(ValueError, match="at least 3"):
        project_2d(np.ones((2, 4)))
    with pytest.raises(ValueError, match="perplexity"):
        project_2d(np.random.default_rng(0).normal(size=(10, 4)), method="tsne", perplexity=10)
    with pytest.raises(ValueError, match="method"):
        project_2d(np.ones((5, 4)), method="umap")
    with pytest.raises(ValueError, match="NaN"):
        project_2d(np.full((5, 4), np.nan))


def test_map_labels_every_point_and_groups_get_a_legend():
    x, groups = two_clusters(n=5)
    kv = KeyedVectors([f"w{i}" for i in range(10)], x)
    ax = plot_embedding_map(kv, groups=["a"] * 5 + ["b"] * 5)
    assert [t.get_text() for t in ax.texts] == kv.index_to_key
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    with pytest.raises(ValueError, match="3 labels for 10 vectors"):
        plot_embedding_map(x, labels=["a", "b", "c"])


def test_loss_and_recall_plots():
    class Model:
        loss_history = [3.0, 2.0, 1.5]

    ax = plot_loss_history({"sg": Model(), "cbow": [2.0, 1.0]})
    assert [len(line.get_xdata()) for line in ax.lines] == [3, 2]
    with pytest.raises(ValueError, match="compute_loss"):
        plot_loss_history({"empty": []})
    rows = [{"label": "hnsw", "recall": 0.9, "qps": 1000}, {"label": "hnsw", "recall": 0.99, "qps": 300}]
    ax = plot_recall_qps(rows, baseline=50)
    assert list(ax.lines[0].get_xdata()) == [0.9, 0.99] and ax.get_yscale() == "log"
