"""The SGD engine on bad files, diverging runs and gensim users' idioms (Word2Vec as the example).

Every test here failed before the engine-hardening work: a model file whose arrays disagree
crashed the interpreter in ``train()``, divergence went unreported, and gensim's keywords or
a held ``wv`` behaved differently from gensim.
"""
import bz2
import gzip
import warnings

import numpy as np
import pytest

from embedlearn.corpus import RULE_DISCARD, RULE_KEEP, LineSentence, PathLineSentences, scan
from embedlearn.errors import ModelFileError, VocabularyError
from embedlearn.word2vec import Word2Vec

SMALL = dict(vector_size=8, min_count=1, epochs=2, progress=False, seed=3, workers=1)


def topic_corpus(n_sentences=120, length=12, seed=0):
    """Two topics whose words never co-occur (synthetic on purpose: the answer is known)."""
    rng = np.random.default_rng(seed)
    topics = [[f"a{i}" for i in range(10)], [f"b{i}" for i in range(10)]]
    return [list(rng.choice(topics[s % 2], length)) for s in range(n_sentences)]


# ------------------------------------------------------------------ files whose arrays disagree
def saved_arrays(tmp_path, **kw):
    model = Word2Vec(topic_corpus(), **{**SMALL, **kw})
    path = tmp_path / "model.npz"
    model.save(path)
    with np.load(path) as z:
        return model, {k: z[k] for k in z.files}


@pytest.mark.parametrize("damage, kw", [
    ("syn1neg_width", {}), ("syn1neg_rows", {}), ("syn1_rows", {"hs": 1}),
    ("counts_zero", {}), ("counts_negative", {}), ("syn0_nan", {}), ("syn0_dtype", {}),
    ("keys_missing", {}), ("key_offsets_bad", {}), ("params_bad", {}), ("syn1_when_hs", {"hs": 1}),
])
def test_inconsistent_model_file_is_an_error_not_a_crash(tmp_path, damage, kw):
    import json

    model, a = saved_arrays(tmp_path, **kw)
    if damage == "syn1neg_width":
        a["syn1neg"] = np.zeros((a["syn1neg"].shape[0], 3), np.float32)
    elif damage == "syn1neg_rows":
        a["syn1neg"] = a["syn1neg"][:-2]
    elif damage == "syn1_rows":
        a["syn1"] = a["syn1"][:2]
    elif damage == "counts_zero":
        a["counts"][-1] = 0
    elif damage == "counts_negative":
        a["counts"][0] = -5
    elif damage == "syn0_nan":
        a["syn0"][1, 2] = np.nan
    elif damage == "syn0_dtype":
        a["syn0"] = a["syn0"].astype(np.float64)
    elif damage == "keys_missing":
        del a["keys_utf8"]
    elif damage == "key_offsets_bad":
        a["key_offsets"][1] = a["key_offsets"][-1] + 7
    elif damage == "params_bad":
        meta = json.loads(str(a["meta"]))
        meta["params"]["vector_size"] = -1
        a["meta"] = np.array(json.dumps(meta))
    elif damage == "syn1_when_hs":
        a["syn1"] = np.zeros((0, 8), np.float32)
    bad = tmp_path / "bad.npz"
    np.savez(bad, **a)
    with pytest.raises(ModelFileError, match="bad.npz"):
        Word2Vec.load(bad)


def test_loaded_model_trains_and_equals_the_saved_one(tmp_path):
    model = Word2Vec(topic_corpus(), hs=1, negative=3, **SMALL)
    model.save(tmp_path / "m.npz")
    loaded = Word2Vec.load(tmp_path / "m.npz")
    assert loaded.corpus_count == model.corpus_count == 120
    for name in ("syn0", "syn1neg", "syn1"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(model, name))
    more = topic_corpus(10, seed=5)
    model.train(more, epochs=1)
    loaded.train(more, epochs=1)
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)


def test_keys_with_any_character_round_trip(tmp_path):
    text = [["new\nline", "tab\tword", "ünï", "a b"]] * 5
    model = Word2Vec(text, **SMALL)
    model.save(tmp_path / "m.npz")
    assert Word2Vec.load(tmp_path / "m.npz").wv.index_to_key == model.wv.index_to_key


# ------------------------------------------------------------------ divergence, learning rates
@pytest.mark.parametrize("kwargs, match", [
    (dict(alpha=1e39), "alpha"), (dict(alpha=float("nan")), "alpha"),
    (dict(alpha=-0.025), "alpha"), (dict(min_alpha=1e300), "min_alpha"),
    (dict(min_alpha=-1e-4), "min_alpha"), (dict(alpha=float("inf")), "alpha"),
    (dict(ns_exponent=float("nan")), "ns_exponent"),
])
def test_bad_learning_rates_raise_before_work(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Word2Vec(topic_corpus(), **{**SMALL, **kwargs})


@pytest.mark.parametrize("start_alpha", [float("nan"), -0.025, 0.0, 1e39])
def test_bad_train_learning_rate_raises(start_alpha):
    model = Word2Vec(**SMALL).build_vocab(topic_corpus())
    before = model.wv.vectors.copy()
    with pytest.raises(ValueError, match="start_alpha"):
        model.train(epochs=1, start_alpha=start_alpha)
    np.testing.assert_array_equal(model.wv.vectors, before)  # nothing was trained


@pytest.mark.parametrize("alpha", [1e30, 1000.0, 10.0])
def test_divergence_is_reported_with_the_epoch(alpha):
    with pytest.warns(UserWarning, match="diverge"):
        model = Word2Vec(alpha=alpha, sg=1, **{**SMALL, "epochs": 3})
    model.build_vocab(topic_corpus())
    with pytest.raises(FloatingPointError, match=r"epoch [1-3]\b.*lower alpha"):
        model.train()


def test_a_nan_row_is_reported_before_training():
    model = Word2Vec(**SMALL).build_vocab(topic_corpus())
    model.syn0[3, 1] = np.nan
    with pytest.raises(ValueError, match="syn0 holds NaN"):
        model.train()


def test_sane_learning_rates_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Word2Vec(topic_corpus(), alpha=0.05, **SMALL)


# ------------------------------------------------------------------ bad tokens, named early
@pytest.mark.parametrize("corpus, index", [
    ([["a", "b"], None, ["c"]], 1),
    ([["a", "b"], ["c", None]], 1),
    ([["a"], ["b"], ["c", 3]], 2),
    ([["a"], [["nested"]]], 1),
])
def test_bad_tokens_raise_while_counting_naming_the_sentence(corpus, index):
    with pytest.raises(TypeError, match=f"sentence {index}"):
        Word2Vec(corpus, **SMALL)


# ------------------------------------------------------------------ gensim idioms
def test_gensim_keywords_and_corpus_counts():
    from gensim.models import Word2Vec as GensimWord2Vec

    text = topic_corpus()
    model = Word2Vec(corpus_iterable=text, **SMALL)
    g = GensimWord2Vec(vector_size=8, min_count=1)
    g.build_vocab(corpus_iterable=text)
    assert (model.corpus_count, model.corpus_total_words) == (g.corpus_count, g.corpus_total_words)
    m2 = Word2Vec(**SMALL)
    m2.build_vocab(corpus_iterable=text)
    m2.train(corpus_iterable=text, total_examples=m2.corpus_count, epochs=m2.epochs)
    np.testing.assert_array_equal(m2.wv.vectors, model.wv.vectors)
    with pytest.raises(ValueError, match="one of"):
        Word2Vec(text, corpus_iterable=text, **SMALL)


def test_empty_vocabulary_is_both_valueerror_and_runtimeerror():
    with pytest.raises(RuntimeError):
        Word2Vec([["rare"]], **{**SMALL, "min_count": 5})
    with pytest.raises(VocabularyError):
        Word2Vec(**SMALL).train(topic_corpus())
    with pytest.raises(ValueError):
        Word2Vec(**SMALL).train(topic_corpus())


def test_latest_training_loss_is_per_call_as_gensim():
    model = Word2Vec(topic_corpus(), compute_loss=True, **SMALL)
    first = model.get_latest_training_loss()
    model.train(epochs=2)
    second = model.get_latest_training_loss()
    assert 0 < second < 1.5 * first  # not first + second
    assert len(model.loss_history) == 4


def test_trim_rule_max_final_vocab_sorted_vocab_and_min_count_zero():
    from gensim.models import Word2Vec as GensimWord2Vec

    text = topic_corpus(40) + [["rare1", "rare2", "a1"]]

    def rule(word, count, min_count):
        return RULE_KEEP if word == "rare1" else RULE_DISCARD if word == "a3" else 0

    for kwargs in (dict(min_count=2, trim_rule=rule), dict(min_count=1, max_final_vocab=5),
                   dict(min_count=0), dict(min_count=1, sorted_vocab=0)):
        ours = Word2Vec(**{**SMALL, **kwargs}).build_vocab(text)
        trim = kwargs.pop("trim_rule", None)  # gensim applies it in build_vocab only
        g = GensimWord2Vec(vector_size=8, **kwargs)
        g.build_vocab(text, trim_rule=trim)
        assert ours.wv.index_to_key == g.wv.index_to_key, kwargs


@pytest.mark.parametrize("max_vocab_size", [3, 7, 15])
def test_max_vocab_size_prunes_while_counting_as_gensim(max_vocab_size):
    from gensim.models import Word2Vec as GensimWord2Vec

    rng = np.random.default_rng(max_vocab_size)
    text = [[f"w{int(x)}" for x in rng.zipf(1.4, 20) % 40] for _ in range(50)]
    ours = Word2Vec(**{**SMALL, "max_vocab_size": max_vocab_size}).build_vocab(text)
    g = GensimWord2Vec(vector_size=8, min_count=1, max_vocab_size=max_vocab_size)
    g.build_vocab(text)
    assert ours.wv.index_to_key == g.wv.index_to_key
    counts = [g.wv.get_vecattr(w, "count") for w in g.wv.index_to_key]
    assert ours.vocab.counts.tolist() == counts


def test_held_wv_stays_live_through_update_and_training():
    model = Word2Vec(topic_corpus(), **SMALL)
    wv = model.wv
    before = wv.most_similar("a0", topn=3)
    new_text = [["c0", "c1", "c2", "a1"] * 3 for _ in range(100)]
    model.build_vocab(new_text, update=True)
    assert "c0" in wv and wv is model.wv
    assert wv.get_index("c0") == model.vocab.key_to_index["c0"]
    model.train(new_text, epochs=3)
    # Queries see the new vectors: the same ranking as on a fresh copy of the arrays.
    from embedlearn.keyedvectors import KeyedVectors

    fresh = KeyedVectors(model.vocab.index_to_key, model.syn0.copy())
    assert wv.most_similar("a0", topn=3) == fresh.most_similar("a0", topn=3)
    assert wv.most_similar("a0", topn=3) != before
    np.testing.assert_array_equal(wv["c0"], model.syn0[model.vocab.key_to_index["c0"]])


# ------------------------------------------------------------------ streaming readers
def gensim_lines(path, **kw):
    from gensim.models.word2vec import LineSentence as GensimLineSentence

    return list(GensimLineSentence(str(path), **kw))


@pytest.mark.parametrize("suffix, opener", [("", open), (".gz", gzip.open), (".bz2", bz2.open)])
def test_line_sentence_equals_gensims(tmp_path, suffix, opener):
    rng = np.random.default_rng(1)
    lines = [" ".join(f"w{int(x)}" for x in rng.integers(0, 50, int(rng.integers(0, 40))))
             for _ in range(60)]
    lines[3] = " ".join(["long"] * 95)
    lines[7] = "  spaced\tout  words \r"
    path = tmp_path / f"text.txt{suffix}"
    with opener(path, "wt", encoding="utf8") as f:
        f.write("\n".join(lines) + "\n" + "ünïcode last line without newline")
    for kw in ({}, {"max_sentence_length": 10}, {"limit": 5}):
        assert list(LineSentence(path, **kw)) == gensim_lines(path, **kw)


def test_line_sentence_reads_a_long_line_in_blocks(tmp_path):
    from embedlearn.corpus import _read_sentences

    words = [f"w{i % 97}é" for i in range(5000)]
    path = tmp_path / "one_line.txt"
    path.write_text(" ".join(words) + "\nsecond line\n", encoding="utf8")
    with open(path, "rb") as f:
        got = list(_read_sentences(f, 1000, None, block=37))  # blocks cut words and characters
    assert got == gensim_lines(path, max_sentence_length=1000)


def test_path_line_sentences_reads_files_in_order(tmp_path):
    (tmp_path / "b.txt").write_text("b1 b2\n")
    (tmp_path / "a.txt").write_text("a1\na2 a3\n")
    assert list(PathLineSentences(tmp_path)) == [["a1"], ["a2", "a3"], ["b1", "b2"]]


# ------------------------------------------------------------------ corpus_file and long sentences
def test_corpus_file_equals_the_same_sentences_in_memory(tmp_path):
    text = topic_corpus(200, length=30)
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in text) + "\n")
    for kw in (dict(sg=1), dict(sg=0, hs=1, negative=0)):
        a = Word2Vec(corpus_file=path, batch_words=500, **{**SMALL, **kw})
        b = Word2Vec(LineSentence(path), batch_words=500, **{**SMALL, **kw})
        np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
        assert a.corpus_total_words == b.corpus_total_words == 6000
        # train(corpus_file=) on the unchanged file reuses the encoded corpus.
        a.train(corpus_file=path, total_words=a.corpus_total_words, epochs=1)
        b.train(LineSentence(path), epochs=1)
        np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)


def test_disk_corpus_equals_memory_corpus(tmp_path):
    rng = np.random.default_rng(0)
    text = [[f"w{x}" for x in rng.zipf(1.5, int(rng.integers(0, 30)))] for _ in range(400)]
    mem, disk = scan(text), scan(text, spill_dir=tmp_path)
    assert mem.keys == disk.keys and np.array_equal(mem.counts, disk.counts)
    mapping = np.where(mem.counts >= 3, np.arange(len(mem.counts)), -1)
    m, d = mem.corpus.remap(mapping), disk.corpus.remap(mapping)
    np.testing.assert_array_equal(d.tokens(), m.tokens)
    np.testing.assert_array_equal(d.offsets(), m.offsets)
    for job_words in (1, 7, 50, 10_000):
        table = m.job_table(job_words)
        np.testing.assert_array_equal(d.job_table(job_words), table)
        pieces = [m.piece(t0, t1, s0, s1) for (t0, s0), (t1, s1) in zip(table[:-1], table[1:])]
        np.testing.assert_array_equal(np.concatenate([p.tokens for p in pieces]), m.tokens)
        assert all(len(p.tokens) <= max(job_words, 1) or p.n_sentences >= 1 for p in pieces)
    del d, disk
    assert not list(tmp_path.iterdir())  # the temporary files go with the corpus


def test_one_long_sentence_is_split_into_jobs():
    from embedlearn.corpus import Corpus

    corpus = Corpus(np.zeros(25_000, np.int32), np.array([0, 25_000]))
    table = corpus.job_table(10_000)
    assert table[:, 0].tolist() == [0, 10_000, 20_000, 25_000]
    text = [[f"w{i % 50}" for i in range(20_000)]]
    one = Word2Vec(text, batch_words=1000, **{**SMALL, "workers": 1})
    again = Word2Vec(text, batch_words=1000, **{**SMALL, "workers": 1})
    np.testing.assert_array_equal(one.wv.vectors, again.wv.vectors)
    two = Word2Vec(text, batch_words=1000, **{**SMALL, "workers": 2})
    assert np.isfinite(two.wv.vectors).all()


def _owned_models():
    from embedlearn import Doc2Vec, FastText, Item2Vec, Word2Vec
    from embedlearn.doc2vec import TaggedDocument

    text = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "sat", "on", "a", "log"]] * 5
    small = dict(vector_size=8, min_count=1, epochs=2, workers=1, seed=1, progress=False)
    docs = [TaggedDocument(s, [i]) for i, s in enumerate(text)]
    d2v = Doc2Vec(docs, **small)
    return [("Word2Vec", Word2Vec(text, **small), "wv"),
            ("FastText", FastText(text, min_n=2, max_n=3, bucket=50, **small), "wv"),
            ("Item2Vec", Item2Vec([[1, 2, 3], [2, 3, 4]] * 5, **small), "wv"),
            ("Doc2Vec", d2v, "wv"), ("Doc2Vec", d2v, "dv")]


@pytest.mark.parametrize("name, model, attr", _owned_models(),
                         ids=["word2vec", "fasttext", "item2vec", "doc2vec-wv", "doc2vec-dv"])
def test_model_vectors_refuse_new_keys_but_replace_rows_in_place(name, model, attr):
    # A new key added to model.wv could not become a row of the training weights: before this
    # guard it silently detached wv from them (training went on updating rows wv no longer
    # showed). Existing rows are edited in place, and a copy is free to grow.
    kv = getattr(model, attr)
    weights = kv.vectors
    before = len(kv)
    with pytest.raises(ValueError, match=f"training weights of a {name} model"):
        kv["never-seen"] = np.ones(kv.vector_size, np.float32)
    assert len(kv) == before and kv.vectors is weights  # nothing changed
    kv[0] = np.full(kv.vector_size, 0.5, np.float32)
    assert kv.vectors is weights and np.all(weights[0] == 0.5)  # replaced in the weights
    free = kv.copy()
    free["never-seen"] = np.ones(kv.vector_size, np.float32)
    assert len(free) == before + 1 and len(kv) == before
    assert not np.shares_memory(free.vectors, weights)


def test_build_vocab_update_still_grows_model_vectors():
    from embedlearn import Word2Vec

    model = Word2Vec([["a", "b", "c"]] * 5, vector_size=8, min_count=1, epochs=1, workers=1,
                     progress=False)
    model.build_vocab([["d", "e"]] * 5, update=True)
    assert "d" in model.wv and model.wv.vectors is model.syn0
    with pytest.raises(ValueError, match="training weights of a Word2Vec model"):
        model.wv["f"] = np.zeros(8, np.float32)
