"""Random walks: the kernel equals a plain-Python reference step for step, and the walks follow
the exact DeepWalk and node2vec transition probabilities (computed from networkx, independently
of the CSR arrays)."""
import warnings

import networkx as nx
import numpy as np
import pytest

from embedlearn.graphs import Graph, GraphWarning, Walker, node2vec_table_bytes, random_walks
from embedlearn.kernels.walks import build_alias, row_sums
from embedlearn.reference import random_walks_reference


# ----------------------------------------------------------------------------- reference
def _exact_next(G, prev, cur, p, q):
    """node2vec's transition probabilities from networkx (``prev=None``: first order)."""
    nbrs = sorted(G.successors(cur)) if G.is_directed() else sorted(G.neighbors(cur))
    w = np.array([G[cur][x].get("weight", 1.0) for x in nbrs], float)
    if prev is not None:
        alpha = [1 / p if x == prev else 1.0 if G.has_edge(prev, x) else 1 / q for x in nbrs]
        w = w * np.array(alpha)
    return nbrs, w / w.sum()


# ----------------------------------------------------------------------------- small graphs
def _graphs():
    """Small graphs with triangles, squares, pendant nodes, hubs; weighted and directed."""
    rng = np.random.default_rng(7)
    und = nx.Graph()
    und.add_edges_from([(0, 1), (0, 2), (1, 2), (2, 3), (3, 4), (4, 5), (5, 2), (5, 6), (6, 0),
                        (1, 7), (3, 6)])
    wund = und.copy()
    for u, v in wund.edges():
        wund[u][v]["weight"] = float(rng.uniform(0.2, 3.0))
    di = nx.DiGraph()
    # Reciprocal and one-way arcs, so "adjacent to prev" and "can return" both vary.
    di.add_edges_from([(0, 1), (1, 0), (1, 2), (2, 0), (2, 3), (3, 2), (3, 4), (4, 0), (4, 1),
                       (0, 3), (2, 4), (4, 2)])
    wdi = di.copy()
    for u, v in wdi.edges():
        wdi[u][v]["weight"] = float(rng.uniform(0.2, 3.0))
    return {"undirected": und, "weighted": wund, "directed": di, "weighted-directed": wdi}


GRAPHS = _graphs()
PQ = [(1.0, 1.0), (0.25, 4.0), (4.0, 0.25), (0.5, 1.0), (2.0, 2.0)]


@pytest.mark.parametrize("name", sorted(GRAPHS))
@pytest.mark.parametrize("p, q", PQ)
def test_kernel_equals_reference(name, p, q):
    G = GRAPHS[name]
    graph = Graph.from_networkx(G)
    got = random_walks(graph, num_walks=3, walk_length=12, p=p, q=q, seed=11, workers=1)
    ref = random_walks_reference(graph, p, q, 3, 12, 11)
    assert got.n_sentences == len(ref)
    for w, walk in enumerate(ref):
        assert got.sentence(w).tolist() == walk, f"walk {w}"


def test_pinned_walks_tiny_graph():
    # The exact output on a kite (triangle 0-1-2 plus the pendant edge 2-3): it changes only if
    # the RNG or the algorithm changes, which must be deliberate (update it with the reference).
    G = nx.Graph([(0, 1), (0, 2), (1, 2), (2, 3)])
    walks = random_walks(G, num_walks=1, walk_length=8, p=0.5, q=2, seed=1, workers=1)
    got = [walks.sentence(w).tolist() for w in range(4)]
    assert got == random_walks_reference(Graph.from_networkx(G), 0.5, 2, 1, 8, 1)
    assert got == [[0, 1, 0, 1, 0, 1, 0, 1], [1, 0, 2, 0, 2, 3, 2, 3],
                   [2, 0, 2, 0, 2, 1, 2, 1], [3, 2, 0, 1, 2, 0, 2, 0]]


def _chi_square(counts, expected_prob):
    """Pearson's statistic and degrees of freedom, over cells with expected count >= 5."""
    n = counts.sum()
    e = expected_prob * n
    keep = e >= 5
    stat = float((((counts - e) ** 2)[keep] / e[keep]).sum())
    return stat, int(keep.sum()) - 1


def _transition_counts(walks, n):
    """Counts of first steps ``first[a, b]`` and of later steps ``second[(a, b)][c]``."""
    tokens = walks.tokens.astype(np.int64)
    walk_of = np.repeat(np.arange(walks.n_sentences), np.diff(walks.offsets))
    starts = walks.offsets[:-1][np.diff(walks.offsets) > 1]
    first = np.bincount(tokens[starts] * n + tokens[starts + 1], minlength=n * n).reshape(n, n)
    i = np.flatnonzero(walk_of[:-2] == walk_of[2:])  # triples inside one walk
    triples = np.bincount((tokens[i] * n + tokens[i + 1]) * n + tokens[i + 2],
                          minlength=n ** 3).reshape(n, n, n)
    second = {(a, b): triples[a, b] for a in range(n) for b in range(n) if triples[a, b].sum()}
    return first, second


@pytest.mark.parametrize("name", sorted(GRAPHS))
@pytest.mark.parametrize("p, q", PQ)
def test_transition_frequencies_equal_node2vec(name, p, q):
    """Pooled chi-square over all (prev, cur) states; p-value threshold 1e-4 at a fixed seed.

    Also: total-variation distance <= 0.02 for every state seen >= 2,000 times, and a control
    that the same test rejects the first-order distribution (so it has power) when p, q != 1.
    """
    from scipy.stats import chi2

    G = GRAPHS[name]
    graph = Graph.from_networkx(G)
    n = graph.n_nodes
    walks = random_walks(graph, num_walks=2500, walk_length=40, p=p, q=q, seed=5, workers=2)
    first, second = _transition_counts(walks, n)
    label = graph.nodes
    stat = df = 0
    wrong_stat = wrong_df = 0
    for (a, b), counts in second.items():
        nbrs, prob = _exact_next(G, label[a], label[b], p, q)
        expected = np.zeros(n)
        expected[[graph.index(x) for x in nbrs]] = prob
        assert counts[expected == 0].sum() == 0, "a move along a non-edge"
        s, d = _chi_square(counts, expected)
        stat, df = stat + s, df + d
        if counts.sum() >= 2000:
            assert 0.5 * np.abs(counts / counts.sum() - expected).sum() <= 0.02
        _, first_prob = _exact_next(G, None, label[b], 1, 1)
        wrong = np.zeros(n)
        wrong[[graph.index(x) for x in nbrs]] = first_prob
        s, d = _chi_square(counts, wrong)
        wrong_stat, wrong_df = wrong_stat + s, wrong_df + d
    assert df >= 10  # enough states and cells for the test to mean something
    assert chi2.sf(stat, df) > 1e-4, (stat, df)
    if (p, q) != (1.0, 1.0):
        assert chi2.sf(wrong_stat, wrong_df) < 1e-12
    # The first step of every walk is first order (node2vec's alias_nodes).
    stat = df = 0
    for a in range(n):
        if first[a].sum():
            nbrs, prob = _exact_next(G, None, label[a], 1, 1)
            expected = np.zeros(n)
            expected[[graph.index(x) for x in nbrs]] = prob
            s, d = _chi_square(first[a], expected)
            stat, df = stat + s, df + d
    assert chi2.sf(stat, df) > 1e-4, (stat, df)


def test_walks_identical_for_any_number_of_threads():
    G = nx.barabasi_albert_graph(300, 3, seed=1)
    for u, v in G.edges():
        G[u][v]["weight"] = 1.0 + (u * 7 + v) % 5
    graph = Graph.from_networkx(G)
    for p, q in [(1, 1), (0.25, 4)]:
        one = random_walks(graph, 4, 30, p=p, q=q, seed=3, workers=1)
        for workers, backend in [(2, "threads"), (3, "threads"), (2, "prange")]:
            walker = Walker(graph, p, q)
            many = walker.walks(30, 0, 4 * graph.n_nodes, seed=3, workers=workers,
                                backend=backend)
            assert np.array_equal(one.tokens, many.tokens)
            assert np.array_equal(one.offsets, many.offsets)
        # Any split into ranges of walk ids gives the same walks.
        walker = Walker(graph, p, q)
        parts = [walker.walks(30, a, b, seed=3, workers=1)
                 for a, b in [(0, 7), (7, 900), (900, 1200)]]
        assert np.array_equal(np.concatenate([c.tokens for c in parts]), one.tokens)
        # A different seed gives different walks.
        other = random_walks(graph, 4, 30, p=p, q=q, seed=4, workers=1)
        assert not np.array_equal(other.tokens, one.tokens)


def test_layout_walk_ids_and_lengths():
    G = nx.cycle_graph(5)
    walks = random_walks(G, num_walks=3, walk_length=7, seed=2, workers=1)
    assert walks.tokens.dtype == np.int32 and walks.offsets.dtype == np.int64
    assert walks.n_sentences == 15
    assert np.array_equal(walks.offsets, np.arange(16) * 7)  # walk_length counts nodes
    starts = walks.tokens[walks.offsets[:-1]]
    assert np.array_equal(starts, np.tile(np.arange(5), 3))  # walk id = round * n + node
    steps = np.abs(np.diff(walks.tokens.reshape(15, 7), axis=1))
    assert np.all((steps == 1) | (steps == 4))
    one = random_walks(G, num_walks=2, walk_length=1, workers=1)
    assert np.array_equal(one.tokens, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4])


def test_directed_dead_end_stops_early_with_warning():
    G = nx.DiGraph([(0, 1), (1, 2), (2, 0), (2, 3)])  # 3 is a sink
    with pytest.warns(GraphWarning, match="no out-edge"):
        walks = random_walks(G, num_walks=50, walk_length=10, seed=1, workers=1)
    lengths = np.diff(walks.offsets)
    assert lengths.max() == 10 and lengths.min() == 1
    for w in range(walks.n_sentences):
        walk = walks.sentence(w)
        if len(walk) < 10:
            assert walk[-1] == 3  # only the sink ends a walk early
        assert 3 not in walk[:-1]
    assert np.all(lengths[3::4] == 1)  # walks starting at the sink


def test_isolated_nodes_warn():
    G = nx.path_graph(3)
    G.add_node("lonely")
    with pytest.warns(GraphWarning, match="isolated.*'lonely'.*untrained|isolated.*'lonely'"):
        walks = random_walks(G, 1, 5, workers=1)
    assert walks.sentence(3).tolist() == [3]


def test_bad_input_raises_before_work():
    G = nx.path_graph(4)
    for kwargs in [dict(p=0), dict(q=-1), dict(p=float("nan")), dict(walk_length=0),
                   dict(num_walks=0), dict(num_walks=1.5), dict(seed=-1), dict(workers=0)]:
        args = dict(num_walks=2, walk_length=5) | kwargs
        with pytest.raises(ValueError):
            random_walks(G, **args)
    empty_edges = nx.Graph()
    empty_edges.add_nodes_from([1, 2])
    with pytest.raises(ValueError, match="no edge"):
        random_walks(empty_edges, 1, 5)
    with pytest.raises(TypeError):
        random_walks([(0, 1)], 1, 5)


def test_alias_tables_give_the_weights():
    rng = np.random.default_rng(0)
    indptr = np.array([0, 1, 4, 4, 9], np.int64)
    weights = rng.uniform(0.01, 5, 9).astype(np.float32)
    weights[5] = 1e-4  # a tiny weight next to large ones
    prob, alias = build_alias(indptr, weights)
    for v in range(4):
        a, b = indptr[v], indptr[v + 1]
        d = b - a
        implied = prob[a:b].astype(float).copy()
        for k in range(d):
            implied[alias[a + k]] += 1.0 - prob[a + k]
        np.testing.assert_allclose(implied / d, weights[a:b] / weights[a:b].sum(), atol=1e-6)


def test_node2vec_table_bytes():
    G = nx.star_graph(4)  # centre degree 4, leaves degree 1
    # edges leaf->centre: 4 * deg(centre) = 16 entries; centre->leaf: 4 * 1 = 4 entries
    assert node2vec_table_bytes(G) == 8 * 20
