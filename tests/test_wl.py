"""Weisfeiler–Lehman relabelling: equal to a plain-Python reference, invariant under node
renumbering, no self-loops added; and the WL-bag baseline on MUTAG."""
import networkx as nx
import numpy as np
import pytest

from embedlearn.graphs import Graph, weisfeiler_lehman


def _reference_wl(graphs, iterations, node_label=None):
    """Textbook WL with Python dicts: label = (own, sorted neighbour labels), first-seen ids."""
    def neighbours(G, v):
        return list(G.successors(v)) if G.is_directed() else list(G.neighbors(v))

    initial = {}
    labels = []
    for G in graphs:
        raw = [G.nodes[v][node_label] if node_label else len(G[v]) for v in G]
        labels.append({v: initial.setdefault(x, len(initial)) for v, x in zip(G, raw)})
    per_iteration = [labels]
    for _ in range(iterations):
        table = {}
        new = []
        for G, lab in zip(graphs, labels):
            new.append({v: table.setdefault(
                (lab[v], tuple(sorted(lab[u] for u in neighbours(G, v)))), len(table))
                for v in G})
        labels = new
        per_iteration.append(labels)
    sizes = [len(initial)] + [max(max(d.values()) for d in it) + 1
                              for it in per_iteration[1:]]
    shift = np.concatenate(([0], np.cumsum(sizes)))
    docs = [[shift[k] + per_iteration[k][g][v] for k in range(iterations + 1) for v in G]
            for g, G in enumerate(graphs)]
    return docs, shift


def _random_graphs(seed, count=25, directed=False, labelled=False):
    rng = np.random.default_rng(seed)
    graphs = []
    for i in range(count):
        n = int(rng.integers(1, 18))
        G = nx.gnp_random_graph(n, float(rng.uniform(0.05, 0.5)), seed=int(rng.integers(1 << 30)),
                                directed=directed)
        if i % 4 == 0 and n > 1:
            G.add_edge(0, 0)  # a self-loop of the input counts the node as its own neighbour
        if labelled:
            atoms = ["C", "N", "O", 7]
            nx.set_node_attributes(G, {v: atoms[int(rng.integers(4))] for v in G}, "label")
        graphs.append(G)
    return graphs


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("labelled", [False, True])
@pytest.mark.parametrize("iterations", [0, 1, 3])
def test_equals_reference(directed, labelled, iterations):
    graphs = _random_graphs(3 + directed + 2 * labelled, directed=directed, labelled=labelled)
    label = "label" if labelled else None
    got = weisfeiler_lehman(graphs, iterations, node_label=label)
    docs, shift = _reference_wl(graphs, iterations, label)
    assert got.corpus.n_sentences == len(graphs)
    assert got.word_offsets.tolist() == shift.tolist()
    for g, doc in enumerate(docs):
        assert got.corpus.sentence(g).tolist() == doc
    assert got.iterations == iterations and len(got.words()) == got.n_words
    # The same batch given as Graph objects.
    as_csr = [Graph.from_networkx(G, weight=None, node_label=label) for G in graphs]
    again = weisfeiler_lehman(as_csr, iterations, node_label=label)
    assert np.array_equal(again.corpus.tokens, got.corpus.tokens)


def test_hash_collisions_do_not_merge_labels(monkeypatch):
    # Force every signature to the same hash: the collision chain must still tell them apart.
    import embedlearn.kernels.wl as wl

    graphs = _random_graphs(11, count=10)
    expected = weisfeiler_lehman(graphs, 2).corpus.tokens
    py_relabel = wl.wl_relabel.py_func
    monkeypatch.setitem(py_relabel.__globals__, "_signature_hash",
                        lambda own, neighbours, d: np.uint64(42))
    monkeypatch.setattr(wl, "wl_relabel", py_relabel)
    collided = weisfeiler_lehman(graphs, 2).corpus.tokens
    assert np.array_equal(collided, expected)


def test_invariant_under_node_renumbering():
    graphs = _random_graphs(5, labelled=True)
    rng = np.random.default_rng(0)
    shuffled = [nx.relabel_nodes(G, dict(zip(G, rng.permutation(len(G)).tolist())))
                for G in graphs]
    shuffled = [nx.convert_node_labels_to_integers(G, ordering="sorted") for G in shuffled]
    a = weisfeiler_lehman(graphs, 3, node_label="label").bags()
    b = weisfeiler_lehman(shuffled, 3, node_label="label").bags()
    # The WL subtree kernel (dot products of label counts) does not depend on node ids.
    np.testing.assert_array_equal((a @ a.T).toarray(), (b @ b.T).toarray())


def test_path_graph_exact_and_no_self_loops():
    docs = weisfeiler_lehman([nx.path_graph(3)], iterations=1)
    # Degrees 1, 2, 1 -> labels 0, 1, 0; then (0, [1]) -> 0, (1, [0, 0]) -> 1: words shift by 2.
    # With karateclub's added self-loops the degrees would be 2, 3, 2 and the signatures differ.
    assert docs.corpus.sentence(0).tolist() == [0, 1, 0, 2, 3, 2]
    assert docs.initial_values == [1, 2]
    assert docs.word_offsets.tolist() == [0, 2, 4]
    bag = docs.bags().toarray()
    assert bag.tolist() == [[2, 1, 2, 1]]
    # bags() leaves the documents as they are (scipy must not sort them in place).
    assert docs.corpus.sentence(0).tolist() == [0, 1, 0, 2, 3, 2]


def test_bags_count_labels_and_keep_documents():
    docs = weisfeiler_lehman(_random_graphs(8, labelled=True), 2, node_label="label")
    tokens = docs.corpus.tokens.copy()
    first = docs.bags()
    assert np.array_equal(docs.corpus.tokens, tokens)
    assert (first != docs.bags()).nnz == 0
    for g in range(docs.corpus.n_sentences):
        counts = np.bincount(docs.corpus.sentence(g), minlength=docs.n_words)
        assert np.array_equal(first[g].toarray().ravel(), counts)


def test_bad_input():
    with pytest.raises(ValueError, match="no graph"):
        weisfeiler_lehman([], 2)
    with pytest.raises(ValueError, match="iterations"):
        weisfeiler_lehman([nx.path_graph(3)], -1)
    with pytest.raises(TypeError, match="graph 1"):
        weisfeiler_lehman([nx.path_graph(3), "not a graph"], 1)
    with pytest.raises(ValueError, match="graph 0 has no node"):
        weisfeiler_lehman([nx.Graph()], 1)
    with pytest.raises(ValueError, match="graph 0: .*lack the attribute 'label'"):
        weisfeiler_lehman([nx.path_graph(3)], 1, node_label="label")
    with pytest.raises(TypeError):
        weisfeiler_lehman(nx.path_graph(3), 1)


#: The WL-bag baseline the issue cites for MUTAG (a karateclub-like figure): 84.4%.
#: Measured here: 84.6 ± 6.9% over 10 folds (logreg, seed 1; LinearSVC gives 85.6 ± 5.4%).
#: The WL subtree kernel paper (Shervashidze et al. 2011) reports about 82% on MUTAG; with 188
#: graphs a fold holds ~19, so fold accuracies spread by 5-9 points and the mean of one 10-fold
#: run moves by about 2 points with the split seed. The band is 6 points around the cited value.
MUTAG_REFERENCE = 0.844
MUTAG_TOLERANCE = 0.06


def test_mutag_wl_bag_baseline():
    from embedlearn.datasets import load_tu_dataset
    from embedlearn.evaluation import graph_classification

    data = load_tu_dataset("MUTAG")  # EMBEDLEARN_DATA/mutag; missing, it raises and this fails
    docs = weisfeiler_lehman(data.graphs, iterations=3, node_label="label")
    assert docs.corpus.n_sentences == 188
    result = graph_classification(docs.bags(), data.labels, folds=10, classifier="logreg", seed=1)
    assert abs(result.mean - MUTAG_REFERENCE) <= MUTAG_TOLERANCE, str(result)
