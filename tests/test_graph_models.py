"""DeepWalk, Node2Vec (and Graph2Vec): the Word2Vec engine on walks, lookups by node label,
reproducibility, persistence, bad input, and learning on graphs whose answer is known."""
import warnings

import networkx as nx
import numpy as np
import pytest

from embedlearn.errors import ModelFileError, VocabularyError
from embedlearn.graphs import DeepWalk, Graph, GraphWarning, Node2Vec, NodeVectors, Walker
from embedlearn.word2vec import Word2Vec

SMALL = dict(num_walks=4, walk_length=20, vector_size=16, window=5, progress=False)


def two_communities(size=20, seed=0):
    """Two dense random communities joined by one edge: nodes must cluster by community.

    Synthetic on purpose: the right answer is known, so a broken model fails here.
    """
    G = nx.planted_partition_graph(2, size, 0.5, 0.0, seed=seed)
    G.add_edge(0, size)
    return G


# ----------------------------------------------------------------------------- the engine
def test_training_is_word2vecs_skip_gram():
    # One training loop and one job kernel for every SGD model: none is copied here.
    for cls in (DeepWalk, Node2Vec):
        assert cls._train_job is Word2Vec._train_job
        assert cls.train is Word2Vec.train
    model = Node2Vec(two_communities(), p=0.5, q=2, workers=1, **SMALL)
    assert model.sg == 1


def test_walks_are_trained_as_node_ids():
    G = two_communities()
    model = DeepWalk(G, workers=1, seed=3, **SMALL)
    graph = Graph.from_networkx(G)
    walks = Walker(graph).walks(SMALL["walk_length"], 0, SMALL["num_walks"] * len(G), seed=3,
                                workers=1)
    # The corpus trained on is the walks renumbered by row (rows by decreasing count).
    assert np.array_equal(model.node_ids[model._corpus.tokens], walks.tokens)
    counts = np.bincount(walks.tokens, minlength=len(G))
    assert np.array_equal(model.vocab.counts, counts[model.node_ids])
    assert np.all(np.diff(model.vocab.counts) <= 0)
    assert model.vocab.index_to_key == [str(graph.nodes[i]) for i in model.node_ids]


# ----------------------------------------------------------------------------- lookups
def test_get_embedding_is_in_node_id_order_and_wv_takes_labels():
    G = nx.relabel_nodes(two_communities(), {v: 1000 + 7 * v for v in range(40)})
    model = DeepWalk(G, workers=1, **SMALL)
    E = model.get_embedding()
    assert E.shape == (40, 16) and E.dtype == np.float32
    nodes = list(G.nodes())
    for i in (0, 5, 39):
        label = nodes[i]
        assert np.array_equal(E[i], model.wv[label])          # the int label itself
        assert np.array_equal(E[i], model.wv[str(label)])     # its string key
        assert np.array_equal(model.wv.get_vector(label), model.wv[label])
    assert isinstance(model.wv, NodeVectors)
    assert model.wv.nodes[0] in G
    # An int that is not a label is a row index (gensim's rule).
    assert np.array_equal(model.wv[3], model.wv.vectors[3])
    assert model.wv.most_similar(nodes[0], topn=3)[0][0] != str(nodes[0])
    E[0] = 0  # a copy, not a view of the trained weights
    assert model.wv[nodes[0]].any()


def test_tuple_and_str_labels():
    G = nx.grid_2d_graph(4, 5)
    model = DeepWalk(G, workers=1, **SMALL)
    assert np.array_equal(model.wv[(2, 3)], model.get_embedding()[list(G.nodes()).index((2, 3))])
    assert model.wv[[(0, 0), (1, 1)]].shape == (2, 16)
    G = nx.relabel_nodes(nx.path_graph(6), lambda v: f"n{v}")
    model = DeepWalk(G, workers=1, **SMALL)
    assert model.wv["n3"].shape == (16,)
    with pytest.raises(KeyError, match="n9"):
        model.wv["n9"]


def test_node_vectors_add_keeps_labels():
    wv = NodeVectors([10, 20], np.eye(2, dtype=np.float32))
    wv[20] = [5.0, 5.0]                      # an existing node label: replaced in place
    assert len(wv) == 2 and wv[20][0] == 5.0
    wv["x"] = [1.0, 2.0]                     # a new key: a new node labelled "x"
    assert wv.nodes == [10, 20, "x"] and wv["x"][1] == 2.0


# ----------------------------------------------------------------------------- reproducibility
@pytest.mark.parametrize("cls, kwargs", [(DeepWalk, {}), (Node2Vec, dict(p=0.25, q=4)),
                                         (Node2Vec, dict(p=2, q=0.5, hs=1, negative=3))])
def test_workers_1_is_bitwise_reproducible(cls, kwargs):
    G = two_communities()
    a = cls(G, workers=1, seed=5, **kwargs, **SMALL)
    b = cls(G, workers=1, seed=5, **kwargs, **SMALL)
    c = cls(G, workers=1, seed=6, **kwargs, **SMALL)
    assert np.array_equal(a.get_embedding(), b.get_embedding())
    assert not np.array_equal(a.get_embedding(), c.get_embedding())


def test_walks_identical_for_any_number_of_threads():
    G = nx.barabasi_albert_graph(300, 3, seed=2)
    one = Node2Vec(G, p=0.5, q=2, workers=1, seed=4, **SMALL)
    for workers in (2, 3):
        many = Node2Vec(G, p=0.5, q=2, workers=workers, seed=4, **SMALL)
        assert np.array_equal(many._corpus.tokens, one._corpus.tokens)
        assert np.array_equal(many.node_ids, one.node_ids)


def test_node2vec_with_p_q_1_is_deepwalk():
    G = two_communities()
    deepwalk = DeepWalk(G, workers=1, seed=2, **SMALL)
    same = Node2Vec(G, p=1, q=1, hs=1, negative=0, workers=1, seed=2, **SMALL)
    assert np.array_equal(deepwalk.get_embedding(), same.get_embedding())
    biased = Node2Vec(G, p=0.25, q=4, hs=1, negative=0, workers=1, seed=2, **SMALL)
    assert not np.array_equal(biased._corpus.tokens, deepwalk._corpus.tokens)


# ----------------------------------------------------------------------------- learning
@pytest.mark.parametrize("cls, kwargs", [(DeepWalk, {}), (Node2Vec, dict(p=1, q=0.5)),
                                         (Node2Vec, dict(p=4, q=1, hs=1))])
def test_nodes_cluster_by_community(cls, kwargs):
    G = two_communities()
    model = cls(G, workers=2, seed=1, **{**SMALL, "num_walks": 10, "epochs": 3}, **kwargs)
    E = model.get_embedding()
    E = E / np.linalg.norm(E, axis=1, keepdims=True)
    S = E @ E.T
    np.fill_diagonal(S, -np.inf)
    nearest = np.argsort(-S, axis=1)[:, :5]
    side = np.arange(40) >= 20
    purity = np.mean(side[nearest] == side[:, None])
    assert purity > 0.95, purity  # random vectors: 0.5


def test_compute_loss_falls():
    G = two_communities()
    model = Node2Vec(G, workers=1, compute_loss=True, **{**SMALL, "epochs": 4})
    assert len(model.loss_history) == 4 and model.loss_history[-1] < model.loss_history[0]


# ----------------------------------------------------------------------------- persistence
@pytest.mark.parametrize("relabel", [lambda v: v * 3, lambda v: f"node {v}x"])
def test_save_load_round_trip(tmp_path, relabel):
    G = nx.relabel_nodes(two_communities(), relabel)
    model = Node2Vec(G, p=0.5, q=3, workers=1, **SMALL)
    path = tmp_path / "n2v.npz"
    model.save(path)
    loaded = Node2Vec.load(path)
    assert (loaded.p, loaded.q, loaded.walk_length, loaded.num_walks) == (0.5, 3.0, 20, 4)
    assert np.array_equal(loaded.get_embedding(), model.get_embedding())
    assert loaded.wv.nodes == model.wv.nodes                 # int labels come back as ints
    label = list(G.nodes())[7]
    assert np.array_equal(loaded.wv[label], model.wv[label])
    assert loaded.graph is None
    # More training continues on a loaded model only with a corpus given.
    with pytest.raises(ValueError, match="no corpus"):
        loaded.train()
    with pytest.raises(ModelFileError):
        DeepWalk.load(path)                                   # another model's format


def test_load_rejects_inconsistent_node_ids(tmp_path):
    model = DeepWalk(two_communities(), workers=1, **SMALL)
    good = tmp_path / "dw.npz"
    model.save(good)
    data = dict(np.load(good))
    for name, value, match in [("node_ids", np.zeros(40, np.int64), "permutation"),
                               ("node_ids", np.arange(40, dtype=np.int32), "dtype"),
                               ("int_labels", np.full(40, 2, np.uint8), "int_labels")]:
        bad = tmp_path / f"bad_{name}_{match}.npz"
        np.savez(bad, **{**data, name: value})
        with pytest.raises(ModelFileError, match=match):
            DeepWalk.load(bad)
    keys = bytes(data["keys_utf8"]).replace(b"1", b"a")      # an int label that is not an int
    bad = tmp_path / "bad_keys.npz"
    np.savez(bad, **{**data, "keys_utf8": np.frombuffer(keys, np.uint8)})
    with pytest.raises(ModelFileError, match=r"bad_keys.npz.*not an integer"):
        DeepWalk.load(bad)


# ----------------------------------------------------------------------------- bad input
class _NotAGraph:
    def __getattr__(self, name):
        raise AssertionError("the graph was read before the parameters were checked")


@pytest.mark.parametrize("cls, kwargs, match", [
    (DeepWalk, dict(walk_length=0), "walk_length"),
    (DeepWalk, dict(num_walks=1.5), "num_walks"),
    (DeepWalk, dict(window=0), "window"),
    (DeepWalk, dict(vector_size=-3), "vector_size"),
    (DeepWalk, dict(hs=0, negative=0), "no training objective"),
    (DeepWalk, dict(alpha=0), "alpha"),
    (Node2Vec, dict(p=0), "p must"),
    (Node2Vec, dict(q=float("inf")), "q must"),
    (Node2Vec, dict(epochs=0), "epochs"),
])
def test_bad_parameters_raise_before_work(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(_NotAGraph(), **kwargs)


def test_bad_graphs():
    with pytest.raises(TypeError, match="networkx graph"):
        DeepWalk([(0, 1)], progress=False)
    G = nx.empty_graph(5)
    with pytest.raises(ValueError, match="no edge"):
        DeepWalk(G, progress=False)
    G = nx.path_graph(5)
    G.add_node(99)
    with pytest.warns(GraphWarning, match="isolated"):
        model = DeepWalk(G, workers=1, **SMALL)
    assert model.get_embedding().shape == (6, 16)


def test_unfitted_and_refused_calls():
    model = DeepWalk(progress=False)
    with pytest.raises(VocabularyError, match="fit"):
        model.get_embedding()
    with pytest.raises(TypeError, match="fit\\(graph\\)"):
        model.build_vocab([["0", "1"]])


def test_fit_again_replaces_the_model():
    model = DeepWalk(nx.path_graph(10), workers=1, **SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(nx.cycle_graph(7))
    assert model.get_embedding().shape == (7, 16) and len(model.wv) == 7
