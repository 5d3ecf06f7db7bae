"""Graph2Vec: the PV-DBOW kernel (gradient, step-for-step replay, frozen outputs), the model
(reproducibility, inference with the training WL dictionaries, bad input) and MUTAG."""
import networkx as nx
import numpy as np
import pytest

from embedlearn.graphs import DeepWalk, Graph2Vec, weisfeiler_lehman
from embedlearn.kernels.dbow import train_dbow_job
from embedlearn.reference import check_gradients, dbow_job_reference, ns_loss_and_grads
from embedlearn.vocab import Vocabulary


def _docs(V=12, S=6, seed=0):
    rng = np.random.default_rng(seed)
    docs = [rng.integers(0, V, rng.integers(1, 9)).tolist() for _ in range(S)]
    tokens = np.array([w for d in docs for w in d], np.int32)
    offsets = np.concatenate(([0], np.cumsum([len(d) for d in docs]))).astype(np.int64)
    counts = np.sort(np.bincount(tokens, minlength=V) + 1)[::-1]
    return docs, tokens, offsets, Vocabulary([f"w{i}" for i in range(V)], counts)


# --- the objective: one token's term is NS with h = the document's row ----------------------
def test_dbow_term_gradient_equals_finite_differences():
    rng = np.random.default_rng(1)
    d, W_out = rng.normal(size=6), rng.normal(scale=0.5, size=(10, 6))
    loss, grad_h, rows, grad_rows = ns_loss_and_grads(d, W_out, 3, [1, 7, 7])
    G = np.zeros_like(W_out)
    G[rows] = grad_rows
    errors = check_gradients(lambda d, W_out: ns_loss_and_grads(d, W_out, 3, [1, 7, 7])[0],
                             {"d": d, "W_out": W_out}, {"d": grad_h, "W_out": G})
    assert max(errors.values()) < 1e-6, errors
    # A wrong gradient (the target's sign flipped) is caught by the same check.
    wrong = check_gradients(lambda d: ns_loss_and_grads(d, W_out, 3, [1, 7, 7])[0], {"d": d},
                            {"d": grad_h - 2 * (1 / (1 + np.exp(-W_out[3] @ d)) - 1) * W_out[3]})
    assert wrong["d"] > 1e-2


# --- one job: kernel = the plain-Python job of embedlearn.reference ---------------------------
@pytest.mark.parametrize("subsample", [False, True])
@pytest.mark.parametrize("learn_outputs", [True, False])
def test_dbow_job_equals_reference_replay(subsample, learn_outputs):
    docs, tokens, offsets, vocab = _docs()
    keep = vocab.keep_probabilities(0.01) if subsample else np.ones(len(vocab), np.float32)
    assert subsample == bool(np.any(keep < 1))
    cdf = vocab.noise_cdf()
    rng = np.random.default_rng(3)
    rows = np.array([4, 0, 2, 1, 5, 3], np.int64)          # documents need not be rows in order
    W_doc = rng.normal(scale=0.3, size=(6, 8)).astype(np.float32)
    W_out = rng.normal(scale=0.3, size=(len(vocab), 8)).astype(np.float32)
    ref_doc, ref_out, ref_loss, ref_examples = dbow_job_reference(
        docs, rows, W_doc.copy(), W_out.copy(), keep, cdf, 3, 0.05, 0.01, 77, learn_outputs)
    loss, examples = train_dbow_job(tokens, offsets, 0, len(docs), rows, W_doc, W_out, keep, cdf,
                                    3, 0.05, 0.01, 77, learn_outputs, True)
    np.testing.assert_allclose(W_doc, ref_doc, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(W_out, ref_out, rtol=1e-5, atol=1e-6)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    assert examples == ref_examples and (examples < len(tokens)) == subsample
    if not learn_outputs:  # inference: the output rows are not touched at all
        rng = np.random.default_rng(3)
        rng.normal(size=(6, 8))
        assert np.array_equal(W_out, rng.normal(scale=0.3, size=(len(vocab), 8)).astype(np.float32))


# --- the model --------------------------------------------------------------------------------
def _toy_graphs():
    # Two families with different subtrees: cycles (every degree 2) and stars (a hub).
    return ([nx.cycle_graph(n) for n in range(4, 16)] + [nx.star_graph(n) for n in range(4, 16)],
            np.repeat([0, 1], 12))


def test_fit_is_reproducible_and_separates_families():
    graphs, y = _toy_graphs()
    a = Graph2Vec(vector_size=16, min_count=1, sample=0, epochs=50, workers=1, seed=3).fit(graphs)
    b = Graph2Vec(vector_size=16, min_count=1, sample=0, epochs=50, workers=1, seed=3).fit(graphs)
    c = Graph2Vec(vector_size=16, min_count=1, sample=0, epochs=50, workers=1, seed=4).fit(graphs)
    X = a.get_embedding()
    assert X.shape == (24, 16) and X.dtype == np.float32
    assert np.array_equal(X, b.get_embedding()) and not np.array_equal(X, c.get_embedding())
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    cos = unit @ unit.T
    same = cos[np.equal.outer(y, y) & ~np.eye(24, dtype=bool)].mean()
    other = cos[~np.equal.outer(y, y)].mean()
    assert same > other + 0.3, (same, other)


def test_two_workers_run_every_job_of_every_epoch_once(monkeypatch):
    """With 2 workers the jobs of all epochs share one queue (no barrier per epoch): each
    (alpha range, seed) job still runs exactly once, the same jobs as with 1 worker, and the
    vectors separate the families as well."""
    import embedlearn.kernels.dbow as dbow

    real, calls = dbow.train_dbow_job, []

    def recording(*args):
        calls.append((args[2], args[3], args[10], args[11], args[12]))  # docs, alphas, seed
        return real(*args)

    monkeypatch.setattr(dbow, "train_dbow_job", recording)
    graphs, y = _toy_graphs()
    graphs = graphs * 60        # 1,440 graphs: several jobs per epoch
    y = np.tile(y, 60)
    runs = {}
    for workers in (1, 2):
        calls.clear()
        model = Graph2Vec(vector_size=16, min_count=1, sample=0, epochs=5, workers=workers,
                          seed=3).fit(graphs)
        runs[workers] = list(calls)
        X = model.get_embedding()
        unit = X / np.linalg.norm(X, axis=1, keepdims=True)
        centroid = np.array([unit[y == k].mean(axis=0) for k in (0, 1)])
        assert (np.argmax(unit @ centroid.T, axis=1) == y).mean() > 0.95, workers
    assert len(runs[1]) == len(set(runs[1])) and len(runs[1]) > 2 * 5
    assert sorted(runs[2]) == sorted(runs[1])


def _order_leak_accuracy():
    """CV accuracy on 120 copies of one graph, labelled 0 then 1 in the order given: only a
    graph's position can tell the halves apart."""
    from embedlearn.evaluation import graph_classification

    graphs = [nx.cycle_graph(6)] * 120
    y = np.repeat([0, 1], 60)
    model = Graph2Vec(vector_size=16, min_count=1, sample=0, epochs=20, workers=1, seed=1)
    X = model.fit(graphs).get_embedding()
    return graph_classification(X, y, folds=5, classifier="logreg", seed=0).mean


def test_training_order_does_not_leak_position(monkeypatch):
    """fit trains the graphs in a seeded random order: a data set listed by class (PROTEINS,
    NCI1) must not get its labels back from the positions. The same fit in the order given
    separates the halves, which shows the test can fail."""
    assert _order_leak_accuracy() < 0.6  # 0.47: chance
    import embedlearn.graphs

    monkeypatch.setattr(embedlearn.graphs, "_training_order", lambda seed, n: np.arange(n))
    assert _order_leak_accuracy() > 0.65  # 0.70 in the order given


def test_infer_uses_training_dictionaries_and_freezes_labels():
    graphs, y = _toy_graphs()
    model = Graph2Vec(vector_size=16, min_count=1, sample=0, epochs=50, workers=1).fit(graphs)
    X, labels_before = model.get_embedding(), model.label_vectors.copy()
    new = [nx.cycle_graph(20), nx.star_graph(20)]
    Z = model.infer(new)
    assert Z.shape == (2, 16) and np.array_equal(model.label_vectors, labels_before)
    assert np.array_equal(Z, model.infer(new)) and np.array_equal(model.get_embedding(), X)
    centroids = np.array([X[y == k].mean(axis=0) for k in (0, 1)])
    dist = np.linalg.norm(Z[:, None, :] - centroids[None], axis=2)
    assert np.argmin(dist, axis=1).tolist() == [0, 1]     # a cycle near cycles, a star near stars
    # star_graph(20)'s hub (degree 20) is a subtree never seen in training: dropped, while its
    # leaves' labels are the training stars'. A graph of unseen subtrees only has nothing left.
    with pytest.raises(ValueError, match="no WL label"):
        model.infer([nx.complete_graph(30)])    # degree 29 everywhere: no training label


def test_bad_input_is_rejected_before_work():
    with pytest.raises(ValueError, match="vector_size"):
        Graph2Vec(vector_size=0)
    with pytest.raises(ValueError, match="epochs"):
        Graph2Vec(epochs=0)
    with pytest.raises(ValueError, match="negative"):
        Graph2Vec(negative=0)
    with pytest.raises(ValueError, match="alpha"):
        Graph2Vec(alpha=-1)
    with pytest.raises(TypeError, match="seed"):
        Graph2Vec(seed=1.5)
    with pytest.raises(ValueError, match="no graph"):
        Graph2Vec().fit([])
    with pytest.raises(TypeError, match="graph 1"):
        Graph2Vec().fit([nx.path_graph(3), "not a graph"])
    with pytest.raises(Exception, match="not fitted"):
        Graph2Vec().get_embedding()
    with pytest.raises(Exception, match="not fitted"):
        Graph2Vec().infer([nx.path_graph(3)])
    with pytest.raises(Exception, match="min_count|empty|survive"):
        Graph2Vec(min_count=1000).fit([nx.path_graph(3)])


# --- real data: MUTAG -------------------------------------------------------------------------
#: Narayanan et al. (2017), Table 2: Graph2Vec 83.15% (± 9.25) on MUTAG, 10-fold SVM. That
#: spread is over folds of ~19 graphs; the mean of one 10-fold run moves with the training seed
#: and the split (benchmarks/graphs.py, seeds 1-3: 0.797 +- 0.009; seed 1 here: 0.803), so the
#: band is 5 points around the published figure. The
#: settings are karateclub's with 100 epochs and no subsampling: with its 10 epochs and
#: sample=1e-4 (nearly every label of a 188-graph corpus is "frequent") both this package and
#: gensim's Doc2Vec stay near 67%.
MUTAG_PUBLISHED = 0.8315
MUTAG_TOLERANCE = 0.05


def test_mutag_accuracy_matches_published_and_gensim():
    from gensim.models.doc2vec import Doc2Vec, TaggedDocument

    from embedlearn.datasets import load_tu_dataset
    from embedlearn.evaluation import graph_classification

    data = load_tu_dataset("MUTAG")   # EMBEDLEARN_DATA/mutag; missing, it raises and this fails
    settings = dict(vector_size=128, min_count=5, sample=0.0, epochs=100, alpha=0.025)
    model = Graph2Vec(node_label="label", workers=1, seed=1, **settings).fit(data.graphs)
    ours = graph_classification(model.get_embedding(), data.labels, folds=10, classifier="svm",
                                seed=1)
    assert abs(ours.mean - MUTAG_PUBLISHED) <= MUTAG_TOLERANCE, str(ours)
    # The same documents through gensim's PV-DBOW (the reference implementation karateclub uses).
    docs = weisfeiler_lehman(data.graphs, iterations=2, node_label="label")
    words = docs.words()
    tagged = [TaggedDocument([words[t] for t in docs.corpus.sentence(g)], [g])
              for g in range(docs.corpus.n_sentences)]
    gensim = Doc2Vec(tagged, dm=0, workers=1, seed=1, **settings)
    X = np.array([gensim.dv[g] for g in range(len(tagged))])
    theirs = graph_classification(X, data.labels, folds=10, classifier="svm", seed=1)
    assert abs(ours.mean - theirs.mean) <= 0.05, (str(ours), str(theirs))


# --- files ------------------------------------------------------------------------------------
def test_save_load_round_trip_infers_the_same(tmp_path):
    graphs, _ = _toy_graphs()
    for i, g in enumerate(graphs):  # string iteration-0 labels, as atom types
        nx.set_node_attributes(g, {v: "CNO"[(v + i) % 3] for v in g}, "atom")
    model = Graph2Vec(node_label="atom", vector_size=8, min_count=1, epochs=5, workers=1)
    model.fit(graphs)
    path = tmp_path / "g2v.npz"
    model.save(path)
    loaded = Graph2Vec.load(path)
    assert np.array_equal(loaded.get_embedding(), model.get_embedding())
    assert np.array_equal(loaded.label_vectors, model.label_vectors)
    assert loaded.vocab.index_to_key == model.vocab.index_to_key
    new = [nx.relabel_nodes(graphs[3], {v: v + 100 for v in graphs[3]}), graphs[20]]
    assert np.array_equal(loaded.infer(new), model.infer(new))


def test_load_rejects_damaged_files(tmp_path):
    from embedlearn.errors import ModelFileError

    graphs, _ = _toy_graphs()
    model = Graph2Vec(vector_size=8, min_count=1, epochs=2, workers=1).fit(graphs)
    path = tmp_path / "g2v.npz"
    model.save(path)
    good = dict(np.load(path))
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ModelFileError):
        Graph2Vec.load(truncated)
    other = tmp_path / "deepwalk.npz"
    DeepWalk(nx.karate_club_graph(), num_walks=1, walk_length=5, vector_size=4, workers=1,
             progress=False).save(other)
    with pytest.raises(ModelFileError, match="Graph2Vec"):
        Graph2Vec.load(other)
    for name, bad in (("indices", good["indices"] + 10_000),          # a neighbour out of range
                      ("graph_vectors", good["graph_vectors"][:, :4]),  # wrong width
                      ("labels0", good["labels0"].astype(np.int64))):   # wrong dtype
        np.savez(tmp_path / "bad.npz", **{**good, name: bad})
        with pytest.raises(ModelFileError, match=name):
            Graph2Vec.load(tmp_path / "bad.npz")
    with pytest.raises(TypeError, match="cannot save"):
        tupled = [nx.path_graph(3) for _ in range(2)]
        for g in tupled:
            nx.set_node_attributes(g, (1, 2), "pair")
        Graph2Vec(node_label="pair", min_count=1, epochs=1, workers=1).fit(tupled).save(
            tmp_path / "t.npz")
