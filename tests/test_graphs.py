"""The CSR graph: builders, node labels, and clear errors on bad input."""
import networkx as nx
import numpy as np
import pytest

from embedlearn.graphs import Graph


def _rows(graph):
    """{label: sorted neighbour labels (by id)} and weights, read back from the CSR arrays."""
    out = {}
    for i, v in enumerate(graph.nodes):
        a, b = graph.indptr[i], graph.indptr[i + 1]
        w = graph.weights[a:b].tolist() if graph.weighted else [1.0] * (b - a)
        out[v] = dict(zip((graph.nodes[j] for j in graph.indices[a:b]), w))
    return out


def _check_layout(graph):
    assert graph.indptr.dtype == np.int64 and graph.indices.dtype == np.int32
    assert graph.weights is None or graph.weights.dtype == np.float32
    for i in range(graph.n_nodes):
        row = graph.indices[graph.indptr[i]:graph.indptr[i + 1]]
        assert np.all(np.diff(row) > 0)


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_from_networkx_matches_adjacency(directed, weighted):
    G = nx.gnp_random_graph(40, 0.15, seed=3, directed=directed)
    G = nx.relabel_nodes(G, {v: f"n{v}" if v % 3 else v for v in G})  # mixed str / int labels
    if weighted:
        for k, (u, v) in enumerate(G.edges()):
            G[u][v]["weight"] = 0.5 + k % 4
    graph = Graph.from_networkx(G)
    _check_layout(graph)
    assert graph.nodes == list(G.nodes())
    assert graph.directed == directed and graph.weighted == weighted
    assert graph.n_edges == G.number_of_edges()
    rows = _rows(graph)
    for v in G:
        assert rows[v] == {x: float(G[v][x].get("weight", 1.0)) for x in G[v]}
    assert graph.keys == [str(v) for v in G]
    assert graph.index("n1") == list(G).index("n1") and graph.index(0) == 0
    assert nx.utils.graphs_equal(graph.to_networkx(), G)  # weights k/2 are exact in float32


def test_ints_stay_ints_and_collisions_are_rejected():
    G = nx.Graph([(1, 2), (2, 3)])
    graph = Graph.from_networkx(G)
    assert graph.nodes == [1, 2, 3] and all(type(v) is int for v in graph.nodes)
    assert graph.neighbors(2) == [1, 3]
    with pytest.raises(KeyError, match="'2'"):
        graph.index("2")
    H = nx.Graph([(1, "1"), ("1", 2)])  # 1 and "1" would share the vector key "1"
    with pytest.raises(ValueError, match="same string '1'"):
        Graph.from_networkx(H)
    with pytest.raises(ValueError, match="appears twice"):
        Graph.from_edges([0], [1], nodes=["a", "a"])


def test_undirected_stores_both_directions_and_self_loops_once():
    G = nx.Graph([(0, 1), (1, 1), (1, 2)])
    graph = Graph.from_networkx(G)
    assert graph.indptr.tolist() == [0, 1, 4, 5]
    assert graph.indices.tolist() == [1, 0, 1, 2, 1]
    assert graph.n_edges == 3 and graph.n_self_loops == 1
    assert graph.degrees.tolist() == [1, 3, 1]
    # No self-loop is ever added.
    assert Graph.from_networkx(nx.path_graph(3)).n_self_loops == 0


def test_parallel_edges():
    src, dst = [0, 1, 0, 2], [1, 0, 1, 1]  # (0,1) three times if undirected
    g = Graph.from_edges(src, dst)
    assert g.n_edges == 2 and not g.weighted  # merged, as networkx's Graph
    g = Graph.from_edges(src, dst, duplicates="sum")
    assert _rows(g)[0] == {1: 3.0} and _rows(g)[2] == {1: 1.0}
    with pytest.raises(ValueError, match="3 repeated|2 repeated"):
        Graph.from_edges(src, dst, duplicates="error")
    d = Graph.from_edges(src, dst, directed=True)
    assert d.n_edges == 3  # (0,1) twice, (1,0), (2,1)
    # Weighted repeats must agree under "merge" (both directions of an undirected edge listed).
    g = Graph.from_edges([0, 1], [1, 0], [2.0, 2.0])
    assert _rows(g)[0] == {1: 2.0}
    with pytest.raises(ValueError, match="different weights"):
        Graph.from_edges([0, 1], [1, 0], [2.0, 3.0])
    assert _rows(Graph.from_edges([0, 1], [1, 0], [2.0, 3.0], duplicates="sum"))[0] == {1: 5.0}
    M = nx.MultiGraph([(0, 1), (0, 1), (1, 2)])
    assert _rows(Graph.from_networkx(M))[1] == {0: 2.0, 2: 1.0}  # the multigraph's walk


@pytest.mark.parametrize("bad", [-1.0, 0.0, float("nan"), float("inf")])
def test_bad_weights(bad):
    with pytest.raises(ValueError, match="weights must be"):
        Graph.from_edges([0, 1], [1, 2], [1.0, bad])
    G = nx.Graph()
    G.add_edge("a", "b", weight=bad)
    with pytest.raises(ValueError, match="weights must be"):
        Graph.from_networkx(G)


def test_bad_input():
    with pytest.raises(ValueError, match="empty"):
        Graph.from_networkx(nx.Graph())
    with pytest.raises(ValueError, match="empty"):
        Graph.from_edges([], [])
    with pytest.raises(ValueError, match="lie in"):
        Graph.from_edges([0, -1], [1, 2])
    with pytest.raises(ValueError, match="lie in"):
        Graph.from_edges([0, 5], [1, 2], n_nodes=3)
    with pytest.raises(ValueError, match="differ in length"):
        Graph.from_edges([0, 1], [1])
    with pytest.raises(TypeError, match="integer node ids"):
        Graph.from_edges(["a"], ["b"])
    with pytest.raises(TypeError, match="networkx"):
        Graph.from_networkx([(0, 1)])
    G = nx.Graph([(0, 1)])
    G[0][1]["weight"] = "heavy"
    with pytest.raises(TypeError, match="real number"):
        Graph.from_networkx(G)
    with pytest.raises(ValueError, match="lack the attribute 'label'"):
        Graph.from_networkx(nx.path_graph(3), node_label="label")
    with pytest.raises(ValueError, match="duplicates"):
        Graph.from_edges([0], [1], duplicates="first")
    # The constructor checks raw CSR arrays.
    with pytest.raises(ValueError, match="both rows"):
        Graph([0, 1, 1], [1])
    with pytest.raises(ValueError, match="sorted"):
        Graph([0, 2, 3, 4], [2, 1, 0, 0])
    with pytest.raises(ValueError, match="indptr"):
        Graph([0, 2, 1], [1, 0], directed=True)
    with pytest.raises(ValueError, match="equal weights"):
        Graph([0, 1, 2], [1, 0], [1.0, 2.0])
    assert Graph([0, 1, 1], [1], directed=True).n_edges == 1


def test_node_label_attribute_kept():
    G = nx.path_graph(3)
    nx.set_node_attributes(G, {0: "C", 1: "N", 2: "C"}, "label")
    graph = Graph.from_networkx(G, node_label="label")
    assert graph.node_labels == ["C", "N", "C"] and graph.label_attribute == "label"


def test_from_edgelist(tmp_path):
    path = tmp_path / "g.edges"
    path.write_text("# a comment\n3 1\n1 2  # trailing comment\n\n2 3\n10 3\n")
    g = Graph.from_edgelist(path)
    assert g.nodes == [1, 2, 3, 10]  # ints, ascending
    assert not g.weighted and g.n_edges == 4
    assert g.neighbors(3) == [1, 2, 10]
    path.write_text("a b 0.5\nb c 2\n")
    g = Graph.from_edgelist(path, directed=True)
    assert g.nodes == ["a", "b", "c"] and g.weighted
    assert _rows(g)["a"] == {"b": 0.5} and g.n_edges == 2
    path.write_text("01 1\n1 2\n")  # "01" is not written as an int: all labels stay strings
    assert Graph.from_edgelist(path).nodes == ["01", "1", "2"]
    with pytest.raises(ValueError, match="line 1.*same integer 1"):
        Graph.from_edgelist(path, nodetype=int)
    path.write_text("1 2 3.0\n2 3\n")
    with pytest.raises(ValueError, match="line 2: expected 3 fields"):
        Graph.from_edgelist(path, weighted=True)
    with pytest.raises(ValueError, match="line 1: expected 2 fields"):
        Graph.from_edgelist(path)  # mixed widths: not weighted, and line 1 has 3 fields
    path.write_text("1 2 x\n")
    with pytest.raises(ValueError, match="line 1: weight 'x'"):
        Graph.from_edgelist(path)
    path.write_text("1 2 -3\n")
    with pytest.raises(ValueError, match="line 1: weight '-3' must be positive"):
        Graph.from_edgelist(path)
    path.write_text("# nothing\n")
    with pytest.raises(ValueError, match="no edge"):
        Graph.from_edgelist(path)


def test_blogcatalog_csr():
    from embedlearn.datasets import load_blogcatalog

    # The offline copy is in EMBEDLEARN_DATA (shared/data/blogcatalog); without it the loader
    # raises FileNotFoundError naming the URL, and this test fails rather than skips.
    data = load_blogcatalog()
    g = Graph.from_networkx(data.graph)
    assert (g.n_nodes, g.n_edges) == (10_312, 333_983)
    assert len(g.indices) == 2 * 333_983 and g.n_self_loops == 0
    _check_layout(g)


# ----------------------------------------------------------------------------- evaluation
def test_node_classification_equals_sklearn_one_vs_rest():
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.multiclass import OneVsRestClassifier

    from embedlearn.evaluation import node_classification

    rng = np.random.default_rng(0)
    n, k = 300, 5
    Y = rng.random((n, k)) < 0.3
    Y[~Y.any(axis=1), 0] = True
    X = Y @ rng.normal(size=(k, 8)) + rng.normal(scale=1.5, size=(n, 8))
    result = node_classification(X, Y, train_fractions=(0.5,), repeats=1, seed=4)
    # The same split and top-k rule, written with sklearn's OneVsRestClassifier.
    order = np.random.default_rng(4).permutation(n)
    train, test = order[:150], order[150:]
    clf = OneVsRestClassifier(LogisticRegression(max_iter=1000)).fit(X[train], Y[train])
    scores = clf.decision_function(X[test])
    pred = np.zeros_like(Y[test])
    for i, row in enumerate(scores):
        pred[i, np.argsort(-row, kind="stable")[:Y[test][i].sum()]] = True
    assert result.micro_f1[0, 0] == pytest.approx(f1_score(Y[test], pred, average="micro"))
    assert result.macro_f1[0, 0] == pytest.approx(f1_score(Y[test], pred, average="macro"))
    assert result.multilabel and 0.3 < result.micro_f1[0, 0] < 1.0


def test_node_classification_split_is_one_repeat():
    from embedlearn.evaluation import node_classification, node_classification_split

    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 200)
    X = np.eye(3)[y] + rng.normal(scale=0.8, size=(200, 3))
    order = np.random.default_rng(9).permutation(200)
    whole = node_classification(X, y, train_fractions=(0.3,), repeats=1, seed=9)
    micro, macro = node_classification_split(X, y, order[:60], order[60:])
    assert (micro, macro) == (whole.micro_f1[0, 0], whole.macro_f1[0, 0])
    with pytest.raises(ValueError, match="share nodes"):
        node_classification_split(X, y, order[:60], order[50:])
    with pytest.raises(ValueError, match="lie in"):
        node_classification_split(X, y, [0, 1], [200])
    with pytest.raises(ValueError, match="non-empty"):
        node_classification_split(X, y, [0, 1], [])


def test_node_classification_separable_and_chance():
    from embedlearn.evaluation import node_classification

    rng = np.random.default_rng(1)
    y = rng.integers(0, 4, 400)
    separable = np.eye(4)[y] * 5 + rng.normal(scale=0.1, size=(400, 4))
    res = node_classification(separable, y, train_fractions=(0.2, 0.8), repeats=3)
    assert res.micro_f1.shape == (2, 3) and np.all(res.micro_f1 == 1.0)
    noise = rng.normal(size=(400, 4))
    res = node_classification(noise, y, train_fractions=(0.5,), repeats=5)
    assert abs(res.micro_f1.mean() - 0.25) < 0.08  # chance level for 4 balanced classes
    assert "Micro-F1" in res.table() and len(res.summary()) == 1


def test_node_classification_bad_input():
    from embedlearn.evaluation import node_classification

    X, y = np.zeros((10, 3)), np.arange(10) % 2
    with pytest.raises(ValueError, match="rows"):
        node_classification(X[:5], y)
    with pytest.raises(ValueError, match="NaN"):
        node_classification(np.full((10, 3), np.nan), y)
    with pytest.raises(ValueError, match="between 0 and 1"):
        node_classification(X, y, train_fractions=(1.0,))
    with pytest.raises(ValueError, match="repeats"):
        node_classification(X, y, repeats=0)
    with pytest.raises(ValueError, match="no label"):
        node_classification(X, np.zeros((10, 2), bool))
    with pytest.raises(TypeError, match="class ids"):
        node_classification(X, y.astype(float))
    with pytest.raises(ValueError, match="0/1"):
        node_classification(X, np.full((10, 2), 2))


def test_graph_classification():
    from embedlearn.evaluation import graph_classification

    rng = np.random.default_rng(2)
    y = np.repeat([0, 1], 30)
    X = np.c_[y * 4.0 + rng.normal(scale=0.3, size=60), rng.normal(size=60)]
    res = graph_classification(X, y, folds=5, classifier="logreg")
    assert res.mean == 1.0 and res.sd == 0.0 and len(res.chosen_C) == 5
    res = graph_classification(rng.normal(size=(60, 3)), y, folds=5)
    assert 0.2 < res.mean < 0.8
    # Two rings: no line separates them, an RBF kernel does; its gamma grid follows the scale.
    angle = rng.uniform(0, 2 * np.pi, 60)
    rings = np.c_[np.cos(angle), np.sin(angle)] * (1.0 + 2.0 * y)[:, None]
    rings += rng.normal(scale=0.1, size=rings.shape)
    linear = graph_classification(rings, y, folds=5, classifier="svm")
    for scale in (1.0, 1000.0):
        rbf = graph_classification(rings * scale, y, folds=5, classifier="rbf")
        assert rbf.mean == 1.0 and len(rbf.chosen_gamma) == 5
    assert linear.mean < 0.8 and linear.chosen_gamma is None
    # Sparse features (bags of WL labels) get the same gamma grid as their dense copy.
    import scipy.sparse as sp

    shifted = rings + 5.0  # positive, as counts are
    dense = graph_classification(shifted, y, folds=5, classifier="rbf")
    sparse = graph_classification(sp.csr_matrix(shifted), y, folds=5, classifier="rbf")
    np.testing.assert_allclose(sparse.chosen_gamma, dense.chosen_gamma, rtol=1e-9)
    assert sparse.mean == dense.mean
    with pytest.raises(ValueError, match="gammas"):
        graph_classification(rings, y, classifier="rbf", gammas=(0.0,))
    with pytest.raises(ValueError, match="smallest class"):
        graph_classification(X[:33], y[:33], folds=10)
    with pytest.raises(ValueError, match="single class"):
        graph_classification(X, np.zeros(60))
    with pytest.raises(ValueError, match="classifier"):
        graph_classification(X, y, classifier="forest")
    with pytest.raises(ValueError, match="folds"):
        graph_classification(X, y, folds=1)


def test_graph_classification_picks_the_feature_set_by_inner_cv_only():
    # With several candidate feature sets the inner CV picks one per fold: the informative one
    # over noise, wherever it stands; one candidate gives the plain result; bad sets are named.
    from embedlearn.evaluation import graph_classification

    rng = np.random.default_rng(4)
    y = np.repeat([0, 1], 40)
    signal = np.c_[y * 3.0 + rng.normal(size=80), rng.normal(size=80)]
    noise = rng.normal(size=(80, 2))
    for order in (("noise", "signal"), ("signal", "noise")):
        sets = {"noise": noise, "signal": signal}
        res = graph_classification({k: sets[k] for k in order}, y, folds=5, classifier="svm")
        assert list(res.chosen_features) == ["signal"] * 5
        assert res.mean == graph_classification(signal, y, folds=5, classifier="svm").mean
    alone = graph_classification({"noise": noise}, y, folds=5)
    assert alone.mean == graph_classification(noise, y, folds=5).mean
    assert list(alone.chosen_features) == ["noise"] * 5
    assert graph_classification(noise, y, folds=5).chosen_features is None
    with pytest.raises(ValueError, match="empty dict"):
        graph_classification({}, y)
    with pytest.raises(ValueError, match=r"features\['bad'\] has 3 rows"):
        graph_classification({"signal": signal, "bad": signal[:3]}, y)


def test_link_prediction_split_and_auc():
    from embedlearn.evaluation import link_prediction_auc, link_prediction_split

    G = nx.planted_partition_graph(2, 60, 0.3, 0.02, seed=3)
    graph = Graph.from_networkx(G)
    split = link_prediction_split(graph, remove_fraction=0.5, seed=1)
    k = len(split.pairs) // 2
    assert k == round(0.5 * graph.n_edges)
    assert split.residual.n_edges == graph.n_edges - k
    assert split.residual.nodes == graph.nodes
    residual = split.residual.to_networkx()
    assert nx.number_connected_components(residual) == nx.number_connected_components(G)
    pos, neg = split.pairs[:k], split.pairs[k:]
    assert all(G.has_edge(u, v) and not residual.has_edge(u, v) for u, v in pos.tolist())
    assert not any(G.has_edge(u, v) or u == v for u, v in neg.tolist())
    assert len({tuple(p) for p in neg.tolist()}) == k
    # Community indicators tell same-community pairs under the Hadamard product. About 94% of
    # the removed edges and 50% of the random pairs lie inside a community, so knowing only
    # the community gives AUC ~ 0.94/2 + 0.5 (0.94/2 + 0.06/2) = 0.72; noise lowers it a bit.
    community = np.array([G.nodes[v]["block"] for v in G])
    inside = community[split.pairs[:, 0]] == community[split.pairs[:, 1]]
    assert inside[:k].mean() > 0.9 and 0.4 < inside[k:].mean() < 0.6
    rng = np.random.default_rng(0)
    emb = np.eye(2)[community] + rng.normal(scale=0.3, size=(len(G), 2))
    auc = link_prediction_auc(emb, split.pairs, split.labels, seed=5)
    assert 0.65 < auc < 0.8
    # The same computation written directly with sklearn.
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    X = emb[split.pairs[:, 0]] * emb[split.pairs[:, 1]]
    a, b, ya, yb = train_test_split(X, split.labels, train_size=0.5, stratify=split.labels,
                                    random_state=5)
    clf = LogisticRegression(max_iter=1000).fit(a, ya)
    assert auc == pytest.approx(roc_auc_score(yb, clf.decision_function(b)))
    auc = link_prediction_auc(rng.normal(size=(len(G), 2)), split.pairs, split.labels)
    assert abs(auc - 0.5) < 0.1
    with pytest.raises(ValueError, match="disconnecting"):
        link_prediction_split(nx.path_graph(10), 0.5)
    with pytest.raises(ValueError, match="undirected"):
        link_prediction_split(nx.DiGraph([(0, 1), (1, 2)]))
    with pytest.raises(ValueError, match="operator"):
        link_prediction_auc(emb, split.pairs, split.labels, operator="cosine")
    with pytest.raises(ValueError, match="node ids"):
        link_prediction_auc(emb[:10], split.pairs, split.labels)
    with pytest.raises(ValueError, match="both classes"):
        link_prediction_auc(emb, split.pairs, np.ones(len(split.pairs)))
