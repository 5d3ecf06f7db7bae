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


# =============================================================================================
# Node and graph tasks
# =============================================================================================
# Protocols of the graph-embedding papers, on plain arrays (row i of ``embeddings`` is node i, or
# graph i). They need scikit-learn (the ``book`` extra), imported only when called.

from dataclasses import dataclass as _dataclass  # noqa: E402

from .training import check_positive as _check_positive  # noqa: E402

__all__ += ["NodeClassificationResult", "node_classification",
            "node_classification_split", "GraphClassificationResult",
            "graph_classification", "LinkSplit", "link_prediction_split", "link_prediction_auc"]


def _sklearn():
    try:
        import sklearn  # noqa: F401
    except ImportError as err:  # pragma: no cover - sklearn is in the book extra
        raise ImportError("node and graph evaluation needs scikit-learn "
                          "(pip install 'embedlearn[book]')") from err


def _check_features(name, X, n=None, allow_sparse=False):
    from scipy import sparse

    if allow_sparse and sparse.issparse(X):
        X = sparse.csr_matrix(X, dtype=np.float64)
        values = X.data
    else:
        X = np.asarray(X)
        if X.dtype.kind not in "iuf":
            raise TypeError(f"{name} must be a real numeric array, got dtype {X.dtype}")
        X = X.astype(np.float64)
        values = X
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array, got shape {X.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} contains NaN or inf")
    if n is not None and X.shape[0] != n:
        raise ValueError(f"{name} has {X.shape[0]} rows but there are {n} labels")
    return X


def _check_fraction(name, value):
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not 0 < value < 1:
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {value!r}")
    return float(value)


def _check_count(name, value, minimum):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


@_dataclass
class NodeClassificationResult:
    """Micro- and Macro-F1 of node classification for each labelled fraction and repeat.

    Attributes
    ----------
    train_fractions : numpy.ndarray, shape (F,)
    micro_f1, macro_f1 : numpy.ndarray, shape (F, repeats)
    multilabel : bool
    """

    train_fractions: np.ndarray
    micro_f1: np.ndarray
    macro_f1: np.ndarray
    multilabel: bool

    def summary(self) -> list:
        """Rows ``(fraction, micro mean, micro sd, macro mean, macro sd)`` (sd over repeats)."""
        return [(float(f), float(mi.mean()), float(mi.std()), float(ma.mean()), float(ma.std()))
                for f, mi, ma in zip(self.train_fractions, self.micro_f1, self.macro_f1)]

    def table(self) -> str:
        """The summary as a Markdown table."""
        lines = ["| labelled | Micro-F1 | Macro-F1 |", "|---:|---:|---:|"]
        for f, mi, mis, ma, mas in self.summary():
            lines.append(f"| {f:.0%} | {mi:.3f} ± {mis:.3f} | {ma:.3f} ± {mas:.3f} |")
        return "\n".join(lines)


def _node_labels(embeddings, labels):
    """Checked features, labels and the (n, classes) indicator of each node's classes."""
    Y = np.asarray(labels)
    if Y.ndim not in (1, 2) or len(Y) == 0:
        raise ValueError(f"labels must be (n,) class ids or (n, k) 0/1, got shape {Y.shape}")
    X = _check_features("embeddings", embeddings, len(Y))
    if Y.ndim == 2:
        if not np.isin(Y, (0, 1)).all():
            raise ValueError("multi-label labels must be 0/1 (or bool)")
        Y = Y.astype(bool)
        if not Y.any(axis=1).all():
            raise ValueError(f"{int((~Y.any(axis=1)).sum())} nodes have no label; drop them first")
        return X, Y, None, Y
    if Y.dtype.kind not in "iub":
        raise TypeError(f"single-label labels must be integer class ids, got dtype {Y.dtype}")
    classes = np.unique(Y)
    return X, Y, classes, Y[:, None] == classes[None, :]


def _score_split(X, Y, classes, indicator, train, test, C, max_iter):
    """(Micro-F1, Macro-F1) of one-vs-rest logistic regression trained on ``train``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from threadpoolctl import threadpool_limits

    # One-vs-rest: one binary logistic regression per class seen both ways in training;
    # a class only positive outranks every other, a class never positive never wins.
    scores = np.full((len(test), indicator.shape[1]), -np.inf)
    # One BLAS thread: these fits are small (thousands x 128), and BLAS's own threads made each
    # one about ten times slower on two busy cores (measured); only rounding can differ.
    with threadpool_limits(limits=1, user_api="blas"):
        for c in range(indicator.shape[1]):
            y_c = indicator[train, c]
            if y_c.all():
                scores[:, c] = np.inf
            elif y_c.any():
                clf = LogisticRegression(C=C, max_iter=max_iter).fit(X[train], y_c)
                scores[:, c] = clf.decision_function(X[test])
    if classes is None:  # multi-label: each node gets its k best classes, k its true count
        k = Y[test].sum(axis=1)
        rank = np.argsort(-scores, axis=1, kind="stable")
        pred = np.zeros_like(Y[test])
        pred[np.repeat(np.arange(len(test)), k), rank[np.arange(rank.shape[1]) < k[:, None]]] = True
    else:
        pred = classes[np.argmax(scores, axis=1)]
    truth = Y[test]
    return (f1_score(truth, pred, average="micro", labels=classes, zero_division=0),
            f1_score(truth, pred, average="macro", labels=classes, zero_division=0))


def node_classification(embeddings, labels, train_fractions=(0.1, 0.5, 0.9), repeats=10,
                        seed=1, C=1.0, max_iter=1000):
    """Node classification by one-vs-rest logistic regression, DeepWalk's protocol.

    For each fraction ``f`` and each repeat, a random ``f`` of the nodes (a fresh permutation
    per repeat, from ``seed``) trains one L2 logistic regression per class on the embeddings;
    the rest are predicted. With multi-label ``labels`` (BlogCatalog), each test node is given
    its ``k`` highest-scoring classes, ``k`` being its true number of labels (Perozzi et al. 2014,
    as in their ``scoring.py``; it assumes ``k`` known, which is the published protocol). With one
    label per node (Cora), the highest one-vs-rest score wins.

    Parameters
    ----------
    embeddings : array_like, shape (n, d)
        Row ``i`` is node ``i``.
    labels : array_like, shape (n,) of class ids, or (n, k) of 0/1 (multi-label)
    train_fractions : sequence of float in (0, 1), default (0.1, 0.5, 0.9)
    repeats : int, default 10
        Random splits per fraction.
    seed : int, default 1
    C : float, default 1.0
        Inverse regularisation strength of the logistic regression (scikit-learn's default).
    max_iter : int, default 1000

    Returns
    -------
    NodeClassificationResult
        Micro-F1 (pooled over all decisions) and Macro-F1 (mean over classes; a class absent
        from a test split and never predicted scores 0, scikit-learn's ``zero_division=0``).

    See Also
    --------
    node_classification_split : the same scores for one given split.
    """
    _sklearn()
    X, Y, classes, indicator = _node_labels(embeddings, labels)
    fractions = np.array([_check_fraction("train_fractions", f) for f in train_fractions])
    if len(fractions) == 0:
        raise ValueError("train_fractions is empty")
    repeats = _check_count("repeats", repeats, 1)
    _check_positive("C", C)
    n = len(Y)
    rng = np.random.default_rng(seed)
    micro = np.zeros((len(fractions), repeats))
    macro = np.zeros((len(fractions), repeats))
    for r in range(repeats):
        order = rng.permutation(n)
        for i, f in enumerate(fractions):
            n_train = int(round(f * n))
            if not 0 < n_train < n:
                raise ValueError(f"train fraction {f} leaves an empty training or test set "
                                 f"({n} nodes)")
            micro[i, r], macro[i, r] = _score_split(X, Y, classes, indicator, order[:n_train],
                                                    order[n_train:], C, max_iter)
    return NodeClassificationResult(fractions, micro, macro, Y.ndim == 2)


def node_classification_split(embeddings, labels, train, test, C=1.0, max_iter=1000):
    """Micro- and Macro-F1 of :func:`node_classification`'s classifier on one given split.

    For choosing hyperparameters on a validation split: pass only labelled nodes, split among
    themselves, and keep the test nodes out of the choice.

    Parameters
    ----------
    embeddings, labels :
        As :func:`node_classification`.
    train, test : array_like of int
        Node ids of the two parts (disjoint, non-empty).
    C, max_iter :
        As :func:`node_classification`.

    Returns
    -------
    tuple of float
        ``(micro_f1, macro_f1)``.
    """
    _sklearn()
    X, Y, classes, indicator = _node_labels(embeddings, labels)
    _check_positive("C", C)
    parts = []
    for name, idx in (("train", train), ("test", test)):
        idx = np.asarray(idx)
        if idx.ndim != 1 or len(idx) == 0 or idx.dtype.kind not in "iu":
            raise ValueError(f"{name} must be a non-empty 1-D array of node ids")
        if idx.min() < 0 or idx.max() >= len(Y):
            raise ValueError(f"{name} node ids must lie in [0, {len(Y)})")
        parts.append(idx)
    if np.intersect1d(*parts).size:
        raise ValueError("train and test share nodes")
    micro, macro = _score_split(X, Y, classes, indicator, parts[0], parts[1], C, max_iter)
    return float(micro), float(macro)


@_dataclass
class GraphClassificationResult:
    """Accuracy of graph classification in each outer fold.

    Attributes
    ----------
    accuracies : numpy.ndarray, shape (folds,)
    chosen_C : numpy.ndarray, shape (folds,)
        The ``C`` picked by the inner cross-validation of each fold.
    chosen_gamma : numpy.ndarray, shape (folds,), or None
        The RBF kernel's ``gamma`` picked in each fold (``classifier="rbf"`` only).
    chosen_features : numpy.ndarray of str, shape (folds,), or None
        The feature set picked in each fold, when several were given.
    """

    accuracies: np.ndarray
    chosen_C: np.ndarray
    chosen_gamma: np.ndarray = None
    chosen_features: np.ndarray = None

    @property
    def mean(self) -> float:
        """Mean accuracy over the folds."""
        return float(self.accuracies.mean())

    @property
    def sd(self) -> float:
        """Standard deviation of the fold accuracies (``ddof=0``, as graph-kernel papers)."""
        return float(self.accuracies.std())

    def __str__(self):
        return f"{100 * self.mean:.1f} ± {100 * self.sd:.1f}% ({len(self.accuracies)} folds)"


def _variance(X) -> float:
    """Variance of all entries of a dense or scipy.sparse matrix (as sklearn's ``"scale"``)."""
    if hasattr(X, "tocsr"):
        return float(X.power(2).mean() - X.mean() ** 2)
    return float(X.var())


def graph_classification(features, labels, folds=10, classifier="svm",
                         Cs=(1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0), inner_folds=5,
                         seed=1, gammas=(0.1, 1.0, 10.0)):
    """Graph classification accuracy by stratified k-fold CV, ``C`` chosen by an inner CV.

    Parameters
    ----------
    features : array_like or scipy.sparse matrix, shape (n_graphs, d), or dict of them
        Graph embeddings, or bags of WL labels (:meth:`embedlearn.graphs.WLDocuments.bags`). A
        dict ``{name: features}`` holds candidates (say, one embedding per setting of its
        hyperparameters, each of every graph): in each outer fold the inner CV then picks the
        candidate as well as ``C`` (the best inner accuracy; ties go to the first), so the
        choice never sees the fold's test graphs.
    labels : array_like, shape (n_graphs,)
        One class per graph.
    folds : int, default 10
        Outer folds (stratified, shuffled with ``seed``).
    classifier : {"svm", "rbf", "logreg"}, default "svm"
        ``LinearSVC`` (Graph2Vec's evaluation; on bags of WL labels it is the WL subtree
        kernel), an RBF-kernel ``SVC`` (``C`` and ``gamma`` both chosen by the inner CV), or L2
        ``LogisticRegression`` (liblinear). Features are used as given: scale them first if
        their ranges differ widely.
    Cs : sequence of float
        Grid for ``C``, searched by ``inner_folds``-fold stratified CV on each training part only.
    gammas : sequence of float, default (0.1, 1.0, 10.0)
        ``"rbf"`` only: grid for ``gamma`` as multiples of scikit-learn's ``"scale"``,
        ``1 / (d * X.var())`` computed on each training part, so the grid follows the features'
        scale.
    inner_folds : int, default 5
    seed : int, default 1

    Returns
    -------
    GraphClassificationResult
        Fold accuracies (report ``mean ± sd`` over folds), the chosen ``C`` per fold (and
        ``gamma``, and the feature set when several were given).
    """
    _sklearn()
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.svm import SVC, LinearSVC

    y = np.asarray(labels)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError(f"labels must be a non-empty 1-D array, got shape {y.shape}")
    if isinstance(features, dict):
        if not features:
            raise ValueError("features is an empty dict: give at least one feature set")
        candidates = {str(name): _check_features(f"features[{name!r}]", X, len(y),
                                                 allow_sparse=True)
                      for name, X in features.items()}
    else:
        candidates = {None: _check_features("features", features, len(y), allow_sparse=True)}
    folds = _check_count("folds", folds, 2)
    inner_folds = _check_count("inner_folds", inner_folds, 2)
    if classifier not in ("svm", "rbf", "logreg"):
        raise ValueError(f"classifier must be 'svm', 'rbf' or 'logreg', got {classifier!r}")
    Cs = [float(c) for c in Cs]
    gammas = [float(g) for g in gammas]
    for name, grid in (("Cs", Cs), ("gammas", gammas)):
        if not grid:
            raise ValueError(f"{name} is empty")
        for value in grid:
            _check_positive(name, value)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError("labels hold a single class")
    if counts.min() < folds:
        raise ValueError(f"the smallest class has {counts.min()} graphs, fewer than folds={folds}")
    if classifier == "svm":
        make = LinearSVC(dual="auto", max_iter=20000)
    elif classifier == "rbf":
        make = SVC(kernel="rbf")
    else:
        # liblinear: lbfgs needs minutes on raw WL counts at large C, liblinear a second.
        make = LogisticRegression(solver="liblinear", max_iter=5000)
    outer = StratifiedKFold(folds, shuffle=True, random_state=seed)
    accuracies, chosen, gammas_chosen, names_chosen = [], [], [], []
    for train, test in outer.split(np.zeros(len(y)), y):
        best = None
        for name, X in candidates.items():
            inner = StratifiedKFold(inner_folds, shuffle=True, random_state=seed)
            grid = {"C": Cs}
            if classifier == "rbf":
                variance = _variance(X[train])
                scale = 1.0 / (X.shape[1] * variance) if variance > 0 else 1.0
                grid["gamma"] = [g * scale for g in gammas]
            search = GridSearchCV(make, grid, cv=inner, scoring="accuracy")
            search.fit(X[train], y[train])
            if best is None or search.best_score_ > best[0].best_score_:
                best = (search, name, X)
        search, name, X = best
        accuracies.append(float(np.mean(search.predict(X[test]) == y[test])))
        chosen.append(search.best_params_["C"])
        gammas_chosen.append(search.best_params_.get("gamma"))
        names_chosen.append(name)
    return GraphClassificationResult(
        np.array(accuracies), np.array(chosen),
        np.array(gammas_chosen) if classifier == "rbf" else None,
        np.array(names_chosen) if isinstance(features, dict) else None)


@_dataclass
class LinkSplit:
    """A link-prediction split: a residual graph and labelled node pairs.

    Attributes
    ----------
    residual : embedlearn.graphs.Graph
        The graph without the removed edges (same nodes, same ids); learn embeddings on it.
    pairs : numpy.ndarray of int64, shape (2k, 2)
        The ``k`` removed edges (label 1) then ``k`` node pairs that are not edges of the full
        graph (label 0), node ids.
    labels : numpy.ndarray of int8, shape (2k,)
    """

    residual: object
    pairs: np.ndarray
    labels: np.ndarray


def link_prediction_split(graph, remove_fraction=0.5, seed=1):
    """Remove edges for link prediction, keeping the residual graph connected (node2vec's setup).

    A random spanning forest of the graph is kept (Kruskal on random edge weights), so every
    connected component stays connected; ``remove_fraction`` of all edges are then removed at
    random from the other edges. As many negative pairs (distinct, ``u != v``, not edges of the
    full graph) are drawn uniformly.

    Parameters
    ----------
    graph : embedlearn.graphs.Graph or networkx graph
        Undirected (link prediction of directed edges is not handled).
    remove_fraction : float in (0, 1), default 0.5
    seed : int, default 1

    Returns
    -------
    LinkSplit

    Raises
    ------
    ValueError
        If the graph is directed, or more edges are asked for than can be removed without
        disconnecting it.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import minimum_spanning_tree

    from .graphs import Graph, _as_graph

    graph = _as_graph(graph)
    if graph.directed:
        raise ValueError("link_prediction_split handles undirected graphs only")
    remove_fraction = _check_fraction("remove_fraction", remove_fraction)
    rng = np.random.default_rng(seed)
    src, dst, w = graph.edges()
    off = src != dst  # self-loops are never removed nor predicted
    n, m = graph.n_nodes, len(src)
    # Random positive weights: the minimum spanning forest is a uniformly shuffled Kruskal forest.
    rand = rng.random(m) + 1.0
    tree = minimum_spanning_tree(coo_matrix((rand[off], (src[off], dst[off])), shape=(n, n)))
    tree = tree.tocoo()
    tree_keys = np.minimum(tree.row, tree.col).astype(np.int64) * n + \
        np.maximum(tree.row, tree.col)
    keys = src * n + dst
    removable = np.flatnonzero(off & ~np.isin(keys, tree_keys))
    k = int(round(remove_fraction * int(off.sum())))
    if k == 0:
        raise ValueError(f"remove_fraction={remove_fraction} removes no edge of {m}")
    if k > len(removable):
        raise ValueError(f"only {len(removable)} of {m} edges can be removed without "
                         f"disconnecting the graph; remove_fraction={remove_fraction} asks {k}")
    removed = rng.choice(removable, size=k, replace=False)
    keep = np.ones(m, bool)
    keep[removed] = False
    residual = Graph.from_edges(src[keep], dst[keep], None if w is None else w[keep],
                                nodes=graph.nodes, n_nodes=n)
    # Negatives: uniform pairs u < v that are not edges, drawn in rounds until k are found.
    all_keys = np.sort(keys)
    found = np.zeros(0, np.int64)
    if k > n * (n - 1) // 2 - int(off.sum()):
        raise ValueError("the graph has fewer non-edges than removed edges")
    while len(found) < k:
        u = rng.integers(0, n, 2 * k)
        v = rng.integers(0, n, 2 * k)
        cand = np.minimum(u, v) * n + np.maximum(u, v)
        cand = cand[(u != v)]
        pos = np.searchsorted(all_keys, cand).clip(max=len(all_keys) - 1)
        cand = cand[all_keys[pos] != cand]
        # keep first occurrences, in draw order, without repeats of earlier rounds
        _, first = np.unique(cand, return_index=True)
        cand = cand[np.sort(first)]
        cand = cand[~np.isin(cand, found)]
        found = np.concatenate((found, cand[:k - len(found)]))
    positives = np.stack((src[removed], dst[removed]), axis=1)
    negatives = np.stack((found // n, found % n), axis=1)
    pairs = np.concatenate((positives, negatives)).astype(np.int64)
    labels = np.concatenate((np.ones(k, np.int8), np.zeros(k, np.int8)))
    return LinkSplit(residual, pairs, labels)


_EDGE_OPERATORS = {
    "hadamard": lambda a, b: a * b,
    "average": lambda a, b: (a + b) / 2,
    "l1": lambda a, b: np.abs(a - b),
    "l2": lambda a, b: (a - b) ** 2,
}


def link_prediction_auc(embeddings, pairs, labels, operator="hadamard", train_fraction=0.5,
                        seed=1, C=1.0):
    """ROC AUC of link prediction from node embeddings (node2vec's edge features).

    Each pair ``(u, v)`` becomes ``operator(e_u, e_v)`` (Hadamard product by default; node2vec
    also uses average, weighted L1 and L2). A stratified random ``train_fraction`` of the pairs
    trains an L2 logistic regression; the AUC is measured on the other pairs.

    Parameters
    ----------
    embeddings : array_like, shape (n, d)
        Node embeddings learned on the residual graph (row ``i`` = node ``i``).
    pairs : array_like of int, shape (k, 2)
    labels : array_like of 0/1, shape (k,)
    operator : {"hadamard", "average", "l1", "l2"}, default "hadamard"
    train_fraction : float in (0, 1), default 0.5
    seed : int, default 1
    C : float, default 1.0

    Returns
    -------
    float
        Area under the ROC curve on the held-out pairs.
    """
    _sklearn()
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    E = _check_features("embeddings", embeddings)
    pairs = np.asarray(pairs)
    y = np.asarray(labels)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.dtype.kind not in "iu":
        raise ValueError(f"pairs must be an integer array of shape (k, 2), got {pairs.shape} "
                         f"{pairs.dtype}")
    if y.shape != (len(pairs),):
        raise ValueError(f"{len(pairs)} pairs but labels have shape {y.shape}")
    if len(pairs) and (pairs.min() < 0 or pairs.max() >= len(E)):
        raise ValueError(f"pair node ids must lie in [0, {len(E)})")
    if not np.isin(y, (0, 1)).all() or len(np.unique(y)) < 2:
        raise ValueError("labels must be 0/1 with both classes present")
    if operator not in _EDGE_OPERATORS:
        raise ValueError(f"operator must be one of {sorted(_EDGE_OPERATORS)}, got {operator!r}")
    train_fraction = _check_fraction("train_fraction", train_fraction)
    _check_positive("C", C)
    X = _EDGE_OPERATORS[operator](E[pairs[:, 0]], E[pairs[:, 1]])
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=train_fraction, stratify=y, random_state=seed)
    clf = LogisticRegression(C=C, max_iter=1000).fit(X_train, y_train)
    return float(roc_auc_score(y_test, clf.decision_function(X_test)))


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
