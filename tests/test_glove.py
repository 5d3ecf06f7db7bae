"""GloVe: co-occurrence counting, the AdaGrad kernel against the reference step, the model class."""
import numpy as np
import pytest

from embedlearn import reference as R
from embedlearn.corpus import Corpus
from embedlearn.glove import (Cooccurrence, GloVe, cooccurrence_matrix, load_glove_format,
                              save_glove_format)
from embedlearn.kernels.glove import glove_epoch, prepare_pairs


def random_corpus(seed, n_sentences=7, vocab_size=9, max_len=30):
    rng = np.random.default_rng(seed)
    # Zipf-like ids so that some pairs repeat often and a word meets itself in the window.
    sentences = [rng.zipf(1.5, size=rng.integers(0, max_len)) % vocab_size
                 for _ in range(n_sentences)]
    lengths = [len(s) for s in sentences]
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    tokens = np.concatenate(sentences).astype(np.int32)
    return sentences, Corpus(tokens, offsets)


def as_dict(X):
    return {(int(i), int(j)): v for i, j, v in zip(X.row, X.col, X.value)}


# --------------------------------------------------------------------------- counting
@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("window", [1, 3, 7])
def test_cooccurrence_equals_plain_python_count(symmetric, window):
    sentences, corpus = random_corpus(window)
    X = cooccurrence_matrix(corpus, 9, window=window, symmetric=symmetric)
    expected = R.glove_cooccurrence_counts(sentences, window, symmetric)
    # Exact: the exact rational count, rounded once to float32.
    assert as_dict(X) == {k: np.float32(float(v)) for k, v in expected.items()}
    keys = X.row.astype(np.int64) * 9 + X.col
    assert np.all(np.diff(keys) > 0), "entries must be sorted and unique"
    assert X.row.dtype == X.col.dtype == np.int32 and X.value.dtype == np.float32


def test_counting_does_not_depend_on_chunks_or_threads():
    _, corpus = random_corpus(1, n_sentences=40, vocab_size=12, max_len=60)
    ref = cooccurrence_matrix(corpus, 12, window=5)
    for chunk, workers in [(1, 1), (7, 2), (50, 3)]:
        X = cooccurrence_matrix(corpus, 12, window=5, workers=workers, chunk_tokens=chunk)
        assert np.array_equal(X.row, ref.row) and np.array_equal(X.col, ref.col)
        assert np.array_equal(X.value, ref.value)


def test_symmetric_is_left_context_plus_transpose():
    _, corpus = random_corpus(2, n_sentences=20)
    left = cooccurrence_matrix(corpus, 9, window=4, symmetric=False).tocsr()
    both = cooccurrence_matrix(corpus, 9, window=4, symmetric=True).tocsr()
    np.testing.assert_allclose(both.toarray(), (left + left.T).toarray(), rtol=1e-6)
    assert np.array_equal(both.toarray(), both.toarray().T)


def test_distance_counts_vocabulary_words_only():
    # The rare words are dropped before windowing (as cooccur.c): "a" and "b" are adjacent.
    model = GloVe(min_count=2, window=1, vector_size=2, workers=1, progress=False)
    model.build_vocab([["a", "rare1", "b"], ["a", "rare2", "b"]])
    X = model.cooccurrence.tocsr().toarray()
    a, b = model.vocab.key_to_index["a"], model.vocab.key_to_index["b"]
    assert X[a, b] == X[b, a] == 2.0


def test_cooccurrence_accessors():
    _, corpus = random_corpus(3)
    X = cooccurrence_matrix(corpus, 9, window=3)
    row, col, value = X
    coo, csr = X.tocoo(), X.tocsr()
    assert np.array_equal(coo.toarray(), csr.toarray())
    assert csr.has_sorted_indices and len(X) == X.nnz == csr.nnz == len(value)
    assert X.shape == (9, 9) and X.nbytes == 12 * X.nnz


def test_counting_rejects_bad_input():
    _, corpus = random_corpus(4)
    with pytest.raises(ValueError, match="token ids"):
        cooccurrence_matrix(corpus, 3, window=2)
    with pytest.raises(ValueError, match="window"):
        cooccurrence_matrix(corpus, 9, window=0)
    with pytest.raises(TypeError, match="Corpus"):
        cooccurrence_matrix(corpus.tokens, 9)


# --------------------------------------------------------------------------- equations and kernel
def random_params(rng, V=6, N=4, dtype=np.float64):
    return [rng.normal(scale=0.5, size=s).astype(dtype) for s in [(V, N), (V, N), (V,), (V,)]]


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    W, Wc, b, bc = random_params(rng)
    rows, cols = rng.integers(0, 6, 15), rng.integers(0, 6, 15)
    X = rng.uniform(0.2, 30.0, 15)  # some above x_max: f = 1 there
    out = R.glove_loss_and_grads(W, Wc, b, bc, rows, cols, X, x_max=10.0, alpha=0.75)
    errors = R.check_gradients(
        lambda W, Wc, b, bc: R.glove_loss_and_grads(W, Wc, b, bc, rows, cols, X, 10.0).loss,
        dict(W=W, Wc=Wc, b=b, bc=bc),
        dict(W=out.W, Wc=out.W_context, b=out.b, bc=out.b_context))
    assert max(errors.values()) < 1e-6, errors


def kernel_state(W, Wc, b, bc, GW, GWc, Gb, Gbc):
    # The kernel's layout: [w, b, G - 1 of w, G - 1 of b] per row, context rows after word rows.
    V, N = W.shape
    state = np.empty((2 * V, 2 * (N + 1)), np.float32)
    H = slice(N + 1, 2 * N + 1)
    state[:V, :N], state[:V, N], state[:V, H], state[:V, -1] = W, b, GW - 1, Gb - 1
    state[V:, :N], state[V:, N], state[V:, H], state[V:, -1] = Wc, bc, GWc - 1, Gbc - 1
    return state


def unpack(state, V, N):
    G = 1.0 + state.astype(np.float64)
    return (state[:V, :N], state[V:, :N], state[:V, N], state[V:, N],
            G[:V, N + 1:2 * N + 1], G[V:, N + 1:2 * N + 1], G[:V, -1], G[V:, -1])


def records(i, j, x, x_max, alpha):
    buf = np.empty((len(i), 4), np.int32)
    prepare_pairs(np.asarray(i, np.int32), np.asarray(j, np.int32), np.asarray(x, np.float32),
                  x_max, alpha, buf, buf.view(np.float32))
    return buf, buf.view(np.float32)


@pytest.mark.parametrize("scale, x, clipped", [(0.5, 7.0, False), (40.0, 5.0, True)])
def test_kernel_step_equals_reference_step(scale, x, clipped):
    rng = np.random.default_rng(1)
    V, N, eta, x_max, alpha, clip = 5, 8, 0.05, 10.0, 0.75, 100.0
    W, Wc, b, bc = [p * scale for p in random_params(rng, V, N, np.float32)]
    G = [rng.uniform(1, 3, size=p.shape).astype(np.float32) for p in (W, Wc, b, bc)]
    i, j = 2, 2  # the same word as word and as context: different rows of the state
    step = R.glove_adagrad_step(W.astype(np.float64), Wc.astype(np.float64), b.astype(np.float64),
                                bc.astype(np.float64), *[g.astype(np.float64) for g in G],
                                i, j, np.float64(np.float32(x)), eta, x_max, alpha, clip)
    g = R.glove_weight(x, x_max, alpha) * (W[i] @ Wc[j] + b[i] + bc[j] - np.log(x))
    assert bool(np.any(np.abs(g * Wc[j]) > clip)) == clipped
    state = kernel_state(W, Wc, b, bc, *G)
    ids, vals = records([i], [j], [x], x_max, alpha)
    cost = glove_epoch(state, ids, vals, 0, 1, V, eta, clip)
    for got, want in zip(unpack(state, V, N), step[:8]):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)
    assert cost == pytest.approx(step.loss, rel=1e-5)


def test_kernel_pass_equals_reference_steps_in_order():
    rng = np.random.default_rng(2)
    V, N = 6, 5
    params = random_params(rng, V, N, np.float32)
    G = [np.ones_like(p) for p in params]
    i, j = rng.integers(0, V, 40), rng.integers(0, V, 40)
    x = rng.uniform(0.1, 50, 40).astype(np.float32)
    state = kernel_state(*params, *G)
    ids, vals = records(i, j, x, 10.0, 0.75)
    cost = glove_epoch(state, ids, vals, 0, 40, V, 0.05, 100.0)
    ref = [p.astype(np.float64) for p in params + G]
    total = 0.0
    for k in range(40):
        step = R.glove_adagrad_step(*ref, i[k], j[k], np.float64(x[k]), 0.05, 10.0, 0.75, 100.0)
        ref, total = list(step[:8]), total + step.loss
    for got, want in zip(unpack(state, V, N), ref):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert cost == pytest.approx(total, rel=1e-4)


# --------------------------------------------------------------------------- the model
def toy_sentences(n=200, seed=0, stay=0.8):
    # Two topics; the next word stays in the topic with probability ``stay``: words of a topic
    # co-occur more often, so log-counts have structure to find.
    rng = np.random.default_rng(seed)
    topics = [["cat", "dog", "pet", "fur", "paw"], ["car", "road", "wheel", "drive", "fuel"]]
    sentences = []
    for s in range(n):
        topic, sentence = s % 2, []
        for _ in range(12):
            sentence.append(topics[topic][rng.integers(5)])
            topic = topic if rng.random() < stay else 1 - topic
        sentences.append(sentence)
    return sentences


def small_model(**kw):
    args = dict(vector_size=8, window=3, min_count=1, x_max=10.0, epochs=5, workers=1, seed=3,
                progress=False)
    args.update(kw)
    return GloVe(toy_sentences(), **args)


def test_training_reduces_loss_and_separates_topics():
    model = small_model(epochs=30)
    assert len(model.loss_history) == 30
    assert model.loss_history[-1] < 0.5 * model.loss_history[0]
    wv = model.wv
    assert wv.similarity("cat", "dog") > wv.similarity("cat", "car")
    assert {w for w, _ in wv.most_similar("road", topn=4)} == {"car", "wheel", "drive", "fuel"}


def test_single_worker_is_reproducible():
    a, b, c = small_model(), small_model(), small_model(seed=4)
    assert np.array_equal(a.state, b.state) and a.loss_history == b.loss_history
    assert not np.array_equal(a.state, c.state)


def test_training_continues_where_it_stopped():
    once = small_model(epochs=4)
    twice = GloVe(vector_size=8, window=3, min_count=1, x_max=10.0, workers=1, seed=3,
                  progress=False)
    twice.build_vocab(toy_sentences())
    twice.train(epochs=2)
    twice.train(epochs=2)
    assert np.array_equal(once.state, twice.state)


def test_several_workers_train_too():
    model = small_model(workers=3, epochs=20)
    assert np.all(np.isfinite(model.state))
    assert model.loss_history[-1] < model.loss_history[0]


def test_vectors_are_word_plus_context(tmp_path):
    model = small_model()
    np.testing.assert_array_equal(model.wv.vectors, model.W + model.W_context)
    np.testing.assert_array_equal(model.keyed_vectors("word").vectors, model.W)
    assert model.wv.index_to_key == model.vocab.index_to_key
    model.wv.save_word2vec_format(tmp_path / "w2v.txt")
    path = tmp_path / "vectors.txt"
    model.save_glove_format(path)
    first = path.read_text().splitlines()[0].split()
    assert first[0] == model.wv.index_to_key[0] and len(first) == 1 + model.vector_size
    loaded = load_glove_format(path)
    assert loaded.index_to_key == model.wv.index_to_key
    np.testing.assert_allclose(loaded.vectors, model.wv.vectors, rtol=1e-6)
    save_glove_format(loaded, tmp_path / "again.txt")
    assert (tmp_path / "again.txt").read_text() == path.read_text()


def test_save_load_round_trip(tmp_path):
    model = small_model()
    model.save(tmp_path / "m.npz")
    loaded = GloVe.load(tmp_path / "m.npz")
    assert np.array_equal(loaded.state, model.state)
    assert loaded.loss_history == model.loss_history
    assert np.array_equal(loaded.cooccurrence.value, model.cooccurrence.value)
    model.train(epochs=1)
    loaded.train(epochs=1)
    assert np.array_equal(loaded.state, model.state)
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    with pytest.raises(ValueError):
        GloVe.load(tmp_path / "bad.npz")


@pytest.mark.parametrize("kwargs, match", [
    (dict(x_max=0), "x_max"), (dict(x_max=-1.0), "x_max"),
    (dict(alpha=0.0), "alpha"), (dict(alpha=1.5), "alpha"),
    (dict(vector_size=0), "vector_size"), (dict(eta=0), "eta"), (dict(window=0), "window"),
    (dict(combine="both"), "combine"),
])
def test_bad_parameters_are_rejected_before_work(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GloVe(toy_sentences(), **kwargs)


def test_empty_cooccurrence_matrix_is_an_error():
    with pytest.raises(ValueError, match="co-occurrence matrix is empty"):
        GloVe([["a"], ["b"], ["a"], ["b"]], min_count=1, progress=False)


def test_divergence_stops_with_the_pass_number():
    model = GloVe(vector_size=8, window=3, min_count=1, eta=1e30, workers=1, progress=False)
    model.build_vocab(toy_sentences())
    with pytest.raises(FloatingPointError, match=r"pass 1\b"):
        model.train(epochs=3)


def test_train_needs_counts():
    with pytest.raises(ValueError, match="build_vocab"):
        GloVe(progress=False).train()
    X = Cooccurrence(np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.float32), 3)
    assert len(X) == 0 and X.tocsr().shape == (3, 3)


# --------------------------------------------------------------------------- hardening
def python_shuffle(n, seed):
    # Fisher-Yates with word2vec.c's LCG, written out in plain Python: the order training uses.
    order, state = list(range(n)), seed
    for i in range(n - 1, 0, -1):
        state = (state * 25214903917 + 11) % 2**64
        j = (state >> 16) % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def test_each_pass_trains_in_a_fresh_shuffled_order():
    # Two passes with one worker equal the reference AdaGrad steps taken in the order the
    # seeded shuffle gives before each pass: removing or changing the shuffle fails here.
    from embedlearn.training import job_seed

    model = GloVe(vector_size=4, window=2, min_count=1, x_max=10.0, workers=1, seed=5,
                  progress=False)
    model.build_vocab(toy_sentences(30))
    X, V, N = model.cooccurrence, len(model.vocab), model.vector_size
    state = model.state.astype(np.float64)
    ref = list(unpack(model.state, V, N))
    ref = [r.astype(np.float64) for r in ref]
    pairs = list(zip(X.row.tolist(), X.col.tolist(), X.value.tolist()))
    order = list(range(len(pairs)))
    for p in range(2):
        shuffled = python_shuffle(len(pairs), job_seed(model.seed, p, 0))
        order = [order[k] for k in shuffled]
        for k in order:
            i, j, x = pairs[k]
            ref = list(R.glove_adagrad_step(*ref, i, j, np.float64(x), model.eta, model.x_max,
                                            model.alpha, model.grad_clip)[:8])
    del state
    model.train(epochs=2)
    for got, want in zip(unpack(model.state, V, N), ref):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    # The same steps in the unshuffled order give other parameters (the check can fail).
    plain = list(unpack(GloVe(vector_size=4, window=2, min_count=1, x_max=10.0, workers=1, seed=5,
                              progress=False).build_vocab(toy_sentences(30)).state, V, N))
    plain = [r.astype(np.float64) for r in plain]
    for _ in range(2):
        for i, j, x in pairs:
            plain = list(R.glove_adagrad_step(*plain, i, j, np.float64(x), model.eta, model.x_max,
                                              model.alpha, model.grad_clip)[:8])
    assert not np.allclose(plain[0], ref[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("eta", [float("nan"), -0.05, 1e39, float("inf")])
def test_bad_learning_rates_are_rejected(eta):
    with pytest.raises(ValueError, match="eta"):
        GloVe(eta=eta, progress=False)


def test_large_eta_warns_then_divergence_is_reported():
    # A large finite eta makes the parameters or accumulators blow up: never a silent 1e47 loss.
    with pytest.warns(UserWarning, match="eta"):
        model = GloVe(vector_size=8, window=3, min_count=1, eta=50.0, workers=1, progress=False)
    model.build_vocab(toy_sentences())
    with pytest.raises(FloatingPointError, match="lower eta"):
        model.train(epochs=20)


def _saved(tmp_path):
    model = small_model(epochs=2)
    path = tmp_path / "m.npz"
    model.save(path)
    with np.load(path) as z:
        return path, {k: z[k] for k in z.files}


@pytest.mark.parametrize("damage", ["row_id_too_large", "col_negative", "lengths_differ",
                                    "state_shape", "counts_zero", "state_nan", "record_id",
                                    "value_dtype"])
def test_inconsistent_model_files_are_clear_errors(tmp_path, damage):
    from embedlearn.errors import ModelFileError

    path, arrays = _saved(tmp_path)
    V = len(str(arrays["keys"]).split("\n"))
    if damage == "row_id_too_large":
        arrays["row"][0] = V
    elif damage == "col_negative":
        arrays["col"][-1] = -1
    elif damage == "lengths_differ":
        arrays["col"] = arrays["col"][:-1]
    elif damage == "state_shape":
        arrays["state"] = arrays["state"][:, :-1]
    elif damage == "counts_zero":
        arrays["counts"][0] = 0
    elif damage == "state_nan":
        arrays["state"][0, 0] = np.nan
    elif damage == "record_id":
        arrays["records"][3, 1] = 10 * V
    elif damage == "value_dtype":
        arrays["value"] = arrays["value"].astype(np.float64)
    bad = tmp_path / "bad.npz"
    np.savez(bad, **arrays)
    with pytest.raises(ModelFileError, match="bad.npz"):
        GloVe.load(bad)
