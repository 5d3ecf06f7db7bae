"""Figures shared by the chapters: 2-D maps of vectors, loss curves, recall–throughput curves.

Maps project vectors of any kind -- words, items, documents, nodes -- to two dimensions with PCA
(linear: distances along the axes mean something, and the same call on another set gives comparable
axes) or t-SNE (van der Maaten & Hinton 2008; non-linear: keeps neighbourhoods, not distances, and
the picture depends on the seed and the perplexity). Both are scikit-learn's; matplotlib and
scikit-learn are imported only when a function is called.
"""
from __future__ import annotations

import numpy as np

__all__ = ["project_2d", "plot_embedding_map", "plot_loss_history", "plot_recall_qps"]

METHODS = ("pca", "tsne")


def project_2d(vectors, method="pca", seed=0, perplexity=30.0, normalize=True) -> np.ndarray:
    """Project row vectors to 2-D.

    Parameters
    ----------
    vectors : array_like of float, shape (n, N)
    method : {"pca", "tsne"}, default "pca"
    seed : int, default 0
        Seed of t-SNE's initialisation and optimisation (PCA is deterministic up to sign; signs are
        fixed so that the largest-magnitude loading of each axis is positive).
    perplexity : float, default 30
        t-SNE only: about the number of neighbours each point keeps; must be < n.
    normalize : bool, default True
        Scale rows to unit length first, so the map shows cosine structure (as the queries do).

    Returns
    -------
    numpy.ndarray of float64, shape (n, 2)

    Raises
    ------
    ValueError
        If there are fewer than 3 vectors (PCA) or ``perplexity >= n`` (t-SNE), the method is
        unknown, or the vectors hold NaN/inf.
    """
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array, got shape {x.shape}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if len(x) < 3:
        raise ValueError(f"a 2-D map needs at least 3 vectors, got {len(x)}")
    if not np.isfinite(x).all():
        raise ValueError("vectors hold NaN or infinite values")
    if normalize:
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        x = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
    if method == "pca":
        from sklearn.decomposition import PCA

        pca = PCA(n_components=2, random_state=seed)
        xy = pca.fit_transform(x)
        signs = np.sign(pca.components_[np.arange(2), np.abs(pca.components_).argmax(axis=1)])
        return xy * signs
    if not 0 < perplexity < len(x):
        raise ValueError(f"perplexity must be in (0, n={len(x)}), got {perplexity}")
    from sklearn.manifold import TSNE

    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed,
                learning_rate="auto").fit_transform(x)


def plot_embedding_map(vectors, labels=None, groups=None, method="pca", ax=None, seed=0,
                       perplexity=30.0, annotate=True, title=None, fontsize=8):
    """Scatter a 2-D map of vectors with labelled points, coloured by group.

    Parameters
    ----------
    vectors : KeyedVectors or array_like, shape (n, N)
        A ``KeyedVectors`` maps all its keys (pass ``wv[keys]`` and ``labels=keys`` for a subset).
    labels : sequence of str, optional
        Text beside each point (default: the keys of a ``KeyedVectors``).
    groups : sequence, optional
        A group per point (a class, a genre, a community); each group gets its own colour and an
        entry in the legend.
    method, seed, perplexity
        As :func:`project_2d`.
    ax : matplotlib.axes.Axes, optional
    annotate : bool, default True
        Write the labels (turn off for thousands of points).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if hasattr(vectors, "index_to_key") and hasattr(vectors, "vectors"):
        labels = list(vectors.index_to_key) if labels is None else labels
        vectors = vectors.vectors
    vectors = np.asarray(vectors)
    for name, seq in (("labels", labels), ("groups", groups)):
        if seq is not None and len(seq) != len(vectors):
            raise ValueError(f"{len(seq)} {name} for {len(vectors)} vectors")
    xy = project_2d(vectors, method=method, seed=seed, perplexity=perplexity)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    if groups is None:
        ax.scatter(xy[:, 0], xy[:, 1], s=12)
    else:
        groups = list(groups)
        for g in dict.fromkeys(groups):
            mask = np.array([x == g for x in groups])
            ax.scatter(xy[mask, 0], xy[mask, 1], s=12, label=str(g))
        ax.legend(fontsize=fontsize, loc="best")
    if annotate and labels is not None:
        for (px, py), text in zip(xy, labels):
            ax.annotate(str(text), (px, py), xytext=(2, 2), textcoords="offset points",
                        fontsize=fontsize)
    axis = {"pca": "principal component", "tsne": "t-SNE axis"}[method]
    ax.set(xlabel=f"{axis} 1 (cosine geometry, unitless)", ylabel=f"{axis} 2 (unitless)")
    if title:
        ax.set_title(title)
    return ax


def plot_loss_history(models, ax=None, ylabel="mean loss per training example (nats)", title=None):
    """Plot ``loss_history`` (one value per epoch) of one or several models.

    Parameters
    ----------
    models : model, or mapping of label -> model or sequence of float
        Anything with a ``loss_history`` list (train with ``compute_loss=True``), or the lists.
    ax : matplotlib.axes.Axes, optional
    ylabel : str
        The loss's meaning and unit (word2vec: mean negative log-likelihood per example, in nats;
        GloVe: mean weighted squared error per pair).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If a history is empty (the model was trained without ``compute_loss``).
    """
    import matplotlib.pyplot as plt

    if not isinstance(models, dict):
        models = {type(models).__name__: models}
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for label, m in models.items():
        history = list(getattr(m, "loss_history", m))
        if not history:
            raise ValueError(f"{label}: empty loss_history (train with compute_loss=True)")
        ax.plot(np.arange(1, len(history) + 1), history, "o-", label=str(label))
    ax.set(xlabel="epoch", ylabel=ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_recall_qps(rows, ax=None, series="label", recall="recall", qps="qps", baseline=None,
                    title=None):
    """The recall–throughput curve of ANN benchmarks: recall@k against queries per second (log).

    Parameters
    ----------
    rows : sequence of dict
        One per measured setting, with a series name (``rows[i][series]``, e.g. "HNSW M=32"), the
        recall and the queries per second; points of a series are joined in the given order.
    baseline : float, optional
        Queries per second of exact search, drawn as a vertical line at recall 1.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4))
    names = list(dict.fromkeys(r[series] for r in rows))
    for name in names:
        pts = [r for r in rows if r[series] == name]
        ax.plot([r[recall] for r in pts], [r[qps] for r in pts], "o-", label=name)
    if baseline is not None:
        ax.axhline(baseline, color="0.4", ls="--", label="exact search")
    ax.set(yscale="log", xlabel="recall@10 (fraction of the exact top-10 found)",
           ylabel="queries per second (log scale)")
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return ax

