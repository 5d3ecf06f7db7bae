"""Word2Vec: bad input, reproducibility, persistence, incremental training, learning."""
import numpy as np
import pytest

from embedlearn.word2vec import Word2Vec


def topic_corpus(n_sentences=400, length=12, seed=0):
    """Two topics whose words never co-occur: a model must separate them.

    Synthetic on purpose: the right answer is known exactly, so a broken kernel fails here.
    """
    rng = np.random.default_rng(seed)
    topics = [[f"a{i}" for i in range(10)], [f"b{i}" for i in range(10)]]
    return [list(rng.choice(topics[s % 2], length)) for s in range(n_sentences)]


SMALL = dict(vector_size=16, min_count=1, epochs=3, progress=False, seed=3)


@pytest.mark.parametrize("kwargs, match", [
    (dict(vector_size=0), "vector_size"),
    (dict(vector_size=2.5), "vector_size"),
    (dict(window=0), "window"),
    (dict(negative=-1), "negative"),
    (dict(hs=0, negative=0), "no training objective"),
    (dict(alpha=0), "alpha"),
    (dict(epochs=0), "epochs"),
    (dict(min_count=-1), "min_count"),
    (dict(sample=-1e-3), "sample"),
    (dict(workers=0), "workers"),
    (dict(sg=2), "sg"),
])
def test_bad_parameters_raise_before_work(kwargs, match):
    def never_read():
        raise AssertionError("the corpus was read before the parameters were checked")
        yield

    with pytest.raises(ValueError, match=match):
        Word2Vec(never_read(), **kwargs)


def test_bad_corpora():
    with pytest.raises(ValueError, match="empty"):
        Word2Vec([], progress=False)
    with pytest.raises(ValueError, match="min_count=5"):
        Word2Vec([["rare", "words"]], progress=False)
    with pytest.raises(TypeError, match="must be str"):
        Word2Vec([["a", 1, "b"]], min_count=1, progress=False)
    with pytest.raises(TypeError, match="list of str"):
        Word2Vec(["a sentence as one string"], min_count=1, progress=False)
    with pytest.raises(ValueError, match="build the vocabulary"):
        Word2Vec(progress=False).train([["a"]])


def test_unknown_word_is_a_keyerror_naming_it():
    model = Word2Vec(topic_corpus(40), **SMALL)
    with pytest.raises(KeyError, match="zebra"):
        model.wv["zebra"]
    with pytest.raises(KeyError, match="zebra"):
        model.wv.most_similar("zebra")


@pytest.mark.parametrize("sg, hs, negative", [(1, 0, 5), (0, 0, 5), (1, 1, 0), (0, 1, 0), (1, 1, 3)])
def test_workers_1_is_bitwise_reproducible(sg, hs, negative):
    corpus = topic_corpus(60)
    a = Word2Vec(corpus, sg=sg, hs=hs, negative=negative, workers=1, **SMALL)
    b = Word2Vec(corpus, sg=sg, hs=hs, negative=negative, workers=1, **SMALL)
    c = Word2Vec(corpus, sg=sg, hs=hs, negative=negative, workers=1, **{**SMALL, "seed": 4})
    assert np.array_equal(a.wv.vectors, b.wv.vectors)
    assert not np.array_equal(a.wv.vectors, c.wv.vectors)


@pytest.mark.parametrize("sg, hs, negative", [(1, 0, 5), (0, 0, 5), (1, 1, 0), (0, 1, 0)])
def test_learns_topic_structure(sg, hs, negative):
    model = Word2Vec(topic_corpus(), sg=sg, hs=hs, negative=negative, workers=2, sample=0,
                     compute_loss=True, **{**SMALL, "epochs": 5})
    wv = model.wv
    same = np.mean([wv.similarity("a0", f"a{i}") for i in range(1, 10)])
    other = np.mean([wv.similarity("a0", f"b{i}") for i in range(10)])
    assert same > other + 0.3, (same, other)
    top = [w for w, _ in wv.most_similar("b3", topn=5)]
    assert all(w.startswith("b") for w in top), top
    # The loss is recorded per epoch and falls.
    assert len(model.loss_history) == 5
    assert model.loss_history[-1] < model.loss_history[0]
    assert model.epoch_stats[-1]["words_per_sec"] > 0


def test_save_load_roundtrip_and_continue_training(tmp_path):
    model = Word2Vec(topic_corpus(60), hs=1, negative=2, workers=1, **SMALL)
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = Word2Vec.load(path)
    assert loaded.wv.index_to_key == model.wv.index_to_key
    assert np.array_equal(loaded.wv.vectors, model.wv.vectors)
    assert np.array_equal(loaded.syn1neg, model.syn1neg)
    assert np.array_equal(loaded.syn1, model.syn1)
    # Continuing training works the same on both.
    model.train(topic_corpus(20, seed=9), epochs=1)
    loaded.train(topic_corpus(20, seed=9), epochs=1)
    assert np.array_equal(loaded.wv.vectors, model.wv.vectors)


def test_corrupt_and_truncated_model_files(tmp_path):
    model = Word2Vec(topic_corpus(40), **SMALL)
    path = tmp_path / "model.npz"
    model.save(path)
    data = path.read_bytes()
    (tmp_path / "truncated.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="corrupt or truncated"):
        Word2Vec.load(tmp_path / "truncated.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a model at all")
    with pytest.raises(ValueError, match="corrupt or truncated"):
        Word2Vec.load(tmp_path / "junk.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="missing"):
        Word2Vec.load(tmp_path / "other.npz")


def test_failed_save_leaves_old_file_intact(tmp_path, monkeypatch):
    model = Word2Vec(topic_corpus(40), **SMALL)
    path = tmp_path / "model.npz"
    model.save(path)
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(np, "savez", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_build_vocab_update_adds_words_and_keeps_vectors():
    model = Word2Vec(topic_corpus(60), workers=1, **SMALL)
    old = model.wv.vectors.copy()
    new_text = [["c0", "c1", "c2", "a1"] * 3 for _ in range(200)]
    model.build_vocab(new_text, update=True)
    assert {"c0", "c1", "c2"} <= set(model.wv.index_to_key)
    assert model.wv.index_to_key[: len(old)] == Word2Vec(topic_corpus(60), **SMALL).wv.index_to_key
    np.testing.assert_array_equal(model.wv.vectors[: len(old)], old)
    before_c = model.wv["c0"].copy()
    model.train(new_text, epochs=5)
    assert not np.array_equal(model.wv["c0"], before_c)
    assert model.wv.similarity("c0", "c1") > model.wv.similarity("c0", "b1")


def test_callbacks_and_progress(capsys):
    events = []

    class Recorder:
        def on_epoch_end(self, model):
            events.append(len(model.epoch_stats))

    Word2Vec(topic_corpus(40), callbacks=[Recorder()], **SMALL)
    assert events == [1, 2, 3]
    assert capsys.readouterr().err == ""  # progress=False prints nothing


def test_train_reads_the_sentences_it_is_given():
    model = Word2Vec(**SMALL)
    model.build_vocab(topic_corpus(60))
    effective, raw = model.train([["a0", "a1", "zebra"] * 4] * 10, epochs=1)
    assert raw == 80  # the 8 known words of each of 10 sentences, not the build_vocab corpus
    effective, raw = model.train(epochs=2)  # no sentences: the corpus encoded last
    assert raw == 2 * 80
    model.build_vocab(topic_corpus(60))
    effective, raw = model.train(epochs=2)  # the corpus build_vocab encoded
    assert raw == 2 * 60 * 12
