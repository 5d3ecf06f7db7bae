"""FastText: bad input, vectors of any word, the job = its reference replay, reproducibility,
the live wv, persistence, and fastText's own files (trained by the real fastText)."""
import inspect
import warnings

import numpy as np
import pytest

from embedlearn.datasets import load_text8
from embedlearn.errors import ModelFileError
from embedlearn.evaluation import spearman
from embedlearn.fasttext import (
    FastText,
    FastTextKeyedVectors,
    load_facebook_model,
    load_facebook_vectors,
    save_facebook_model,
)
from embedlearn.kernels.fasttext import train_subword_job
from embedlearn.kernels.subwords import ngram_rows, subword_rows
from embedlearn.reference import sgd_step_reference
from embedlearn.vocab import Vocabulary
from test_kernels import LCG  # word2vec.c's generator, replayed in Python

SMALL = dict(vector_size=12, min_count=1, epochs=2, progress=False, seed=3, bucket=5003,
             min_n=2, max_n=4, workers=1)
MORPHOLOGY = [w.split() for w in [
    "the biology of the geology is biological and geological",
    "a biologist and a geologist study biological and geological samples",
    "the geology and the biology departments",
    "we walk and we walked and we are walking while they walk",
]] * 15


def _rows_of(wv, word):
    """A word's rows found independently of the vectors' own lists: its own row (if any), then
    for each n-gram the row of its bucket (-1: a bucket without a row, a zero row)."""
    own = [wv.key_to_index[word]] if word in wv.key_to_index else []
    buckets = ngram_rows(word, wv.min_n, wv.max_n, wv.bucket, 0)
    where = np.searchsorted(wv.started_buckets, buckets)
    has = (where < len(wv.started_buckets)) & \
        (wv.started_buckets[np.minimum(where, len(wv.started_buckets) - 1)] == buckets)
    return own + [len(wv) + w if h else -1 for w, h in zip(where, has)]


def _mean(matrix, rows):
    padded = np.vstack([matrix, np.zeros((1, matrix.shape[1]), matrix.dtype)])
    return padded[rows].mean(axis=0)  # row -1 is the zero row appended


@pytest.fixture(scope="module")
def small_model():
    return FastText(MORPHOLOGY, sg=1, **SMALL)


# ------------------------------------------------------------------ parameters
def test_defaults_are_gensims():
    import gensim

    theirs = inspect.signature(gensim.models.FastText).parameters
    ours = inspect.signature(FastText).parameters
    shared = [name for name in ours if name in theirs]
    assert {"sg", "hs", "alpha", "sample", "bucket", "min_n", "max_n", "window", "negative",
            "vector_size", "epochs", "min_count", "cbow_mean", "seed", "workers"} <= set(shared)
    for name in shared:
        assert ours[name].default == theirs[name].default, name
    model = FastText()
    assert (model.sg, model.alpha, model.sample, model.bucket, model.min_n, model.max_n) == \
        (0, 0.025, 1e-3, 2_000_000, 3, 6)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(min_n=5, max_n=4), ValueError, "min_n must be <= max_n"),
    (dict(min_n=0), ValueError, "min_n must be >= 1"),
    (dict(bucket=-1), ValueError, "bucket must be >= 0"),
    (dict(bucket=2**31), ValueError, "bucket must be < 2"),
    (dict(max_n=-1), ValueError, "max_n must be >= 0"),
    (dict(min_n=2.5), TypeError, "min_n must be an int"),
    (dict(word_ngrams=2), ValueError, "word_ngrams"),
    (dict(sg=2), ValueError, "sg"),
    (dict(hs=0, negative=0), ValueError, "no training objective"),
])
def test_bad_parameters_raise_before_work(kwargs, error, match):
    def never_read():
        raise AssertionError("the corpus was read before the parameters were checked")
        yield

    with pytest.raises(error, match=match):
        FastText(never_read(), **kwargs)


def test_ngrams_off_means_plain_word_rows():
    model = FastText(MORPHOLOGY, **{**SMALL, "max_n": 0})
    assert np.array_equal(model.wv.subword_rows, np.arange(len(model.vocab)))
    assert model.input_matrix.shape == (len(model.vocab), 12)
    with pytest.warns(UserWarning, match="no character n-gram"):
        assert not np.any(model.wv["unseen"])
    assert "unseen" not in model.wv


# ------------------------------------------------------------------ vectors of any word
def test_vectors_are_means_of_rows(small_model):
    wv = small_model.wv
    for word in ["biology", "geological", "walk", "biologically", "geo", "wälking", "日本"]:
        expected = _mean(small_model.input_matrix, _rows_of(wv, word))
        np.testing.assert_allclose(wv[word], expected, rtol=1e-5, atol=1e-7)
        assert word in wv
    assert "biologically" not in wv.key_to_index
    with pytest.raises(KeyError):
        wv.get_index("biologically")
    both = wv[["biology", "biologically"]]
    assert both.shape == (2, 12) and np.array_equal(both[1], wv["biologically"])
    np.testing.assert_allclose(wv.get_vector("biologically", norm=True),
                               wv["biologically"] / np.linalg.norm(wv["biologically"]), rtol=1e-6)


def test_word_without_ngrams_warns_and_is_zero(small_model):
    wv = small_model.wv  # min_n = 2: "" is "<>", one 2-gram; "</s>" never has n-grams
    assert "" in wv
    with pytest.warns(UserWarning, match="'</s>' has no character n-gram"):
        assert not np.any(wv["</s>"])
    assert "</s>" not in wv and 42 not in wv and [1] not in wv
    with pytest.raises(KeyError):
        wv[42]
    long = FastText(MORPHOLOGY, **{**SMALL, "min_n": 5, "max_n": 6}).wv
    with pytest.warns(UserWarning, match="'ab' has no character n-gram of 5 to 6"):
        assert not np.any(long["ab"])


def test_queries_take_unseen_words(small_model):
    wv = small_model.wv
    near = wv.most_similar("biologically", topn=3)
    assert len(near) == 3 and all(w in wv.key_to_index for w, _ in near)
    by_vector = wv.most_similar(positive=[wv.get_vector("biologically", norm=True)], topn=3)
    assert near == by_vector
    assert wv.most_similar(positive=["biologically"], negative=[("geo", 0.5)], topn=2)
    assert wv.most_similar_cosmul(positive=["biologically", "walk"], topn=2)
    a, b = wv["biologically"], wv["biology"]
    assert wv.similarity("biologically", "biology") == pytest.approx(
        a @ b / np.linalg.norm(a) / np.linalg.norm(b), rel=1e-5)
    assert wv.similarity("biology", "geology") == pytest.approx(
        super(FastTextKeyedVectors, wv).similarity("biology", "geology"))


def test_unseen_words_come_through_the_base_class_hook(small_model):
    wv = small_model.wv
    # Lookups are KeyedVectors' own: the subclass overrides only the hook for keys without a row.
    for name in ("get_vector", "__getitem__", "most_similar", "most_similar_cosmul",
                 "similarity", "get_mean_vector", "vectors_for_all"):
        assert name not in vars(FastTextKeyedVectors), name
    unseen = wv.ngram_vector("biologically")
    assert np.array_equal(wv._vector_for_missing("biologically"), unseen)
    assert wv._vector_for_missing(10_000) is None
    assert np.array_equal(wv[0], wv.vectors[0]) and np.array_equal(wv[0], wv[wv.index_to_key[0]])
    sub = wv.vectors_for_all(["biology", "biologically", "biology"])
    assert sub.index_to_key == ["biology", "biologically"]
    assert np.array_equal(sub.vectors, np.vstack([wv["biology"], unseen]))
    assert wv.vectors_for_all(["biology", "biologically"], allow_inference=False).index_to_key \
        == ["biology"]
    mean = wv.get_mean_vector(["biology", "biologically"], pre_normalize=False)
    np.testing.assert_allclose(mean, (wv["biology"] + unseen) / 2, rtol=1e-6)
    # An unseen word is not excluded from the results (it has no row), a known word is.
    assert "biology" not in [w for w, _ in wv.most_similar("biology", topn=5)]
    assert wv.distance("biologically", "biologically") == 0.0


def test_word_pairs_with_unseen_words(small_model):
    wv = small_model.wv
    pairs = [("biology", "geology", 8.0), ("biologically", "biological", 9.0),
             ("walk", "walked", 7.5), ("walks", "geologists", 1.0), ("the", "samples", 0.5),
             ("Biology", "WALKING", 2.0)]
    _, rho, oov = wv.evaluate_word_pairs(pairs, allow_oov=True)
    cosines = [wv.similarity(a.lower(), b.lower()) for a, b, _ in pairs]
    assert rho[0] == pytest.approx(spearman([s for *_, s in pairs], cosines)[0])
    assert oov == pytest.approx(100 * 2 / 6)
    _, rho_known, oov_known = wv.evaluate_word_pairs(pairs)  # gensim's: unseen pairs skipped
    vocab = wv.key_to_index
    known = [p for p in pairs if p[0].lower() in vocab and p[1].lower() in vocab]
    assert oov_known == pytest.approx(oov)
    assert rho_known[0] == pytest.approx(
        spearman([s for *_, s in known], [wv.similarity(a.lower(), b.lower())
                                          for a, b, _ in known])[0])


# ------------------------------------------------------------------ the job kernel
def replay_subword_job(tokens, offsets, sub, W_in, W_ns, W_hs, keep, cdf, tree, sg, cbow_mean,
                       window, shrink, negative, use_hs, alpha0, alpha1, seed):
    """The loop of ``train_subword_job`` written with the NumPy reference step."""
    rng = LCG(seed)
    weights = {"W_in": W_in, "W_out_ns": W_ns if negative else None,
               "W_out_hs": W_hs if use_hs else None}
    for s in range(len(offsets) - 1):
        alpha = alpha0 + (alpha1 - alpha0) * offsets[s] / offsets[-1]
        sent = [w for w in tokens[offsets[s]:offsets[s + 1]]
                if not (keep[w] < 1.0 and keep[w] < rng.uniform())]
        for i, center in enumerate(sent):
            cut = rng.next() % window if shrink else 0
            near = range(max(0, i - window + cut), min(len(sent), i + window + 1 - cut))
            context = [sent[j] for j in near if j != i]
            if sg:  # the center's rows predict each context word
                examples = [(sub[center], c) for c in context]
            else:   # all context rows predict the center
                examples = [([r for c in context for r in sub[c]], center)] if context else []
            for rows, target in examples:
                noise = [rng.noise(cdf) for _ in range(negative)]
                path = dict(code=tree.code(target), point=tree.point(target)) if use_hs else {}
                step = sgd_step_reference(
                    weights["W_in"], rows, target, alpha, cbow_mean=cbow_mean or sg,
                    W_out_ns=weights["W_out_ns"],
                    W_out_hs=weights["W_out_hs"], **path,
                    negatives=[n for n in noise if n != target] if negative else None)
                weights.update(W_in=step.W_in, W_out_ns=step.W_out_ns, W_out_hs=step.W_out_hs)
    return weights["W_in"], weights["W_out_ns"], weights["W_out_hs"]


@pytest.mark.parametrize("sg, cbow_mean", [(True, True), (False, True), (False, False)])
@pytest.mark.parametrize("negative, use_hs, shrink", [(3, False, True), (0, True, True),
                                                      (2, True, False)])
def test_job_equals_reference_replay(sg, cbow_mean, negative, use_hs, shrink):
    words = ["ab", "abc", "bca", "cab", "a", "abab", "ßé", "c", "bb", "cabc"]
    V, N, bucket = len(words), 8, 7  # 7 buckets: n-grams collide, rows repeat
    rows, row_offsets = subword_rows(words, 2, 3, bucket)
    sub = [list(rows[row_offsets[w]:row_offsets[w + 1]]) for w in range(V)]
    assert any(len(set(r)) < len(r) for r in sub)  # a word listing one row twice
    rng = np.random.default_rng(1)
    sentences = [rng.integers(0, V, n) for n in (9, 1, 0, 12)]
    tokens = np.concatenate(sentences).astype(np.int32)
    offsets = np.concatenate(([0], np.cumsum([len(s) for s in sentences]))).astype(np.int64)
    vocab = Vocabulary(words, np.sort(np.bincount(tokens, minlength=V) + 1)[::-1])
    keep = np.where(np.arange(V) < 3, 0.5, 1.0).astype(np.float32)  # exercise subsampling
    cdf, tree = vocab.noise_cdf(0.75), vocab.huffman()
    W_in = rng.normal(scale=0.1, size=(V + bucket, N)).astype(np.float32)
    W_ns = rng.normal(scale=0.1, size=(V, N)).astype(np.float32)
    W_hs = rng.normal(scale=0.1, size=(V - 1, N)).astype(np.float32)
    ref = replay_subword_job(tokens, offsets, sub, W_in, W_ns, W_hs, keep, cdf, tree, sg,
                             cbow_mean, 3, shrink, negative, use_hs, 0.05, 0.01, 12345)
    got = [W_in.copy(), W_ns.copy(), W_hs.copy()]
    loss, examples, effective = train_subword_job(
        tokens, offsets, 0, len(sentences), got[0], got[1], got[2], rows, row_offsets, keep, cdf,
        tree.codes, tree.points, tree.offsets, sg, cbow_mean, 3, shrink, negative, use_hs, 0.05,
        0.01, 12345, True)
    assert examples > 0 and 0 < effective <= len(tokens) and loss > 0
    for a, b in zip(got, ref):
        if b is not None:
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert not np.array_equal(got[0], W_in)


def test_job_refuses_bad_ranges():
    words = ["ab", "abc"]
    rows, row_offsets = subword_rows(words, 2, 3, 7)
    tokens, offsets = np.array([0, 1, 0], np.int32), np.array([0, 3], np.int64)
    W = np.zeros((len(words) + 7, 4), np.float32)
    args = (W, np.zeros((2, 4), np.float32), np.zeros((1, 4), np.float32), rows, row_offsets,
            np.ones(2, np.float32), np.array([1, 2], np.int64), np.zeros(1, np.uint8),
            np.zeros(1, np.int32), np.zeros(3, np.int64), True, True)
    for start, end, window in [(0, 2, 3), (1, 0, 3), (0, 1, 0)]:
        with pytest.raises(ValueError, match="sentence range outside the corpus"):
            train_subword_job(tokens, offsets, start, end, *args, window, True, 2, False, 0.05,
                              0.01, 1, False)


# ------------------------------------------------------------------ training
def test_workers1_seed_is_bitwise_reproducible():
    runs = [FastText(MORPHOLOGY, sg=sg, hs=1, **SMALL) for sg in (1, 1, 0)]
    for name in ("input_matrix", "syn1neg", "syn1"):
        assert np.array_equal(getattr(runs[0], name), getattr(runs[1], name))
    assert not np.array_equal(runs[0].input_matrix, runs[2].input_matrix)
    other_seed = FastText(MORPHOLOGY, sg=1, hs=1, **{**SMALL, "seed": 4})
    assert not np.array_equal(runs[0].input_matrix, other_seed.input_matrix)
    threads = FastText(MORPHOLOGY * 20, **{**SMALL, "workers": 2, "batch_words": 200})
    assert np.isfinite(threads.input_matrix).all() and len(threads.epoch_stats) == 2


def test_only_used_buckets_have_rows_and_start_as_in_any_vocabulary():
    model = FastText(MORPHOLOGY, sg=1, **SMALL)
    V, wv = len(model.vocab), model.wv
    used = np.unique(model.wv.subword_rows[model.wv.subword_rows >= V])
    assert np.array_equal(used, V + np.arange(len(wv.started_buckets)))  # every row is used
    assert model.input_matrix.shape == (V + len(wv.started_buckets), 12)
    assert len(wv.started_buckets) < model.bucket
    dense = wv.vectors_ngrams
    assert dense.shape == (5003, 12) and not np.delete(dense, wv.started_buckets, axis=0).any()
    # An unseen word whose n-grams have no row: its vector is zero, without a warning.
    lonely = next(w for w in ("qqqqq", "xqzjv", "zzjjq") if
                  all(r == -1 for r in _rows_of(wv, w)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not wv[lonely].any() and lonely in wv
    # A bucket's start depends on the seed and the bucket only, not on the vocabulary.
    small = FastText(vector_size=12, bucket=5003, min_n=2, max_n=4, min_count=1)
    small.build_vocab([["biology"]])
    big = FastText(vector_size=12, bucket=5003, min_n=2, max_n=4, min_count=1)
    big.build_vocab(MORPHOLOGY)
    shared = np.intersect1d(small.wv.started_buckets, big.wv.started_buckets)
    assert len(shared) == len(small.wv.started_buckets)
    np.testing.assert_array_equal(small.wv.vectors_ngrams[shared], big.wv.vectors_ngrams[shared])
    with pytest.raises(ValueError, match="falls in a bucket without a row"):
        FastTextKeyedVectors(["biology"], small.input_matrix[:-1], 2, 4, 5003,
                             started_buckets=small.wv.started_buckets[1:])
    starts = small.input_matrix[1:]
    assert np.all(np.abs(starts) < 1 / 12) and abs(starts.mean()) < 0.02 and starts.std() > 0.04


def test_losses_fall_and_the_model_learns_morphology():
    model = FastText(MORPHOLOGY * 4, sg=1, compute_loss=True, **{**SMALL, "epochs": 5})
    first, *_, last = model.loss_history
    assert last < first - 0.2 and last < 6 * np.log(2)  # below "every score 0"
    wv = model.wv
    # An unseen word lies nearer the words it shares n-grams with than the words it does not.
    assert wv.similarity("biologically", "biological") > wv.similarity("biologically", "walk")


def test_corpus_file_equals_sentences(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in MORPHOLOGY) + "\n")
    from_file = FastText(corpus_file=str(path), sg=1, **SMALL)
    from_list = FastText(MORPHOLOGY, sg=1, **SMALL)
    assert np.array_equal(from_file.input_matrix, from_list.input_matrix)


def test_held_wv_stays_live_through_training_and_update():
    model = FastText(MORPHOLOGY, **SMALL)
    wv = model.wv
    before = wv["biology"].copy()
    model.train(MORPHOLOGY, epochs=1)
    assert model.wv is wv and not np.array_equal(before, wv["biology"])
    np.testing.assert_allclose(wv["biology"], _mean(model.input_matrix, _rows_of(wv, "biology")),
                               rtol=1e-5, atol=1e-7)
    old_words = model.input_matrix[:len(model.vocab)].copy()
    old_buckets = wv.vectors_ngrams
    unseen_before = wv["zoologically"].copy()
    model.build_vocab([["zoology", "zoological", "biology"]] * 3, update=True)
    V = len(model.vocab)
    assert model.wv is wv and {"zoology", "zoological"} <= set(wv.key_to_index) and len(wv) == V
    assert np.array_equal(model.input_matrix[:len(old_words)], old_words)
    # Trained bucket rows are kept; the new words' new buckets got their start.
    kept = np.abs(old_buckets).max(axis=1) > 0
    assert np.array_equal(wv.vectors_ngrams[kept], old_buckets[kept])
    assert all(r >= 0 for r in _rows_of(wv, "zoological"))
    assert not np.array_equal(unseen_before, wv["zoologically"])
    for word in ("zoology", "biology", "zoologically"):
        np.testing.assert_allclose(wv[word], _mean(model.input_matrix, _rows_of(wv, word)),
                                   rtol=1e-5, atol=1e-7)
    model.train(epochs=1)
    assert np.isfinite(model.input_matrix).all() and model.syn1neg.shape[0] == V


# ------------------------------------------------------------------ persistence
def test_save_load_round_trip_and_continue_identically(tmp_path, small_model):
    path = tmp_path / "ft.npz"
    small_model.save(path)
    loaded = FastText.load(path)
    for name in ("input_matrix", "syn1neg", "syn1"):
        assert np.array_equal(getattr(loaded, name), getattr(small_model, name))
    assert loaded.wv.index_to_key == small_model.wv.index_to_key
    assert np.array_equal(loaded.wv["biologically"], small_model.wv["biologically"])
    assert (loaded.sg, loaded.min_n, loaded.max_n, loaded.bucket) == (1, 2, 4, 5003)
    again = FastText.load(path)
    loaded.train(MORPHOLOGY, epochs=1)
    again.train(MORPHOLOGY, epochs=1)
    assert np.array_equal(loaded.input_matrix, again.input_matrix)


def _rewrite(src, dst, **changes):
    with np.load(src, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays.update(changes)
    np.savez(dst, **arrays)
    return dst


def test_load_refuses_inconsistent_files(tmp_path, small_model):
    path = tmp_path / "ft.npz"
    small_model.save(path)
    rows = small_model.wv.subword_rows
    out_of_range = rows.copy()
    out_of_range[5] = len(small_model.vocab) + small_model.bucket  # beyond any row
    with pytest.raises(ModelFileError, match="subword_rows holds values"):
        FastText.load(_rewrite(path, tmp_path / "a.npz", subword_rows=out_of_range))
    wrong = rows.copy()
    wrong[5] = (wrong[5] + 1) % len(small_model.input_matrix)
    with pytest.raises(ModelFileError, match="not the n-grams of its words"):
        FastText.load(_rewrite(path, tmp_path / "b.npz", subword_rows=wrong))
    with pytest.raises(ModelFileError, match="input_matrix must be .* of shape"):
        FastText.load(_rewrite(path, tmp_path / "c.npz", input_matrix=small_model.input_matrix[1:]))
    started = small_model.wv.started_buckets
    with pytest.raises(ModelFileError, match="started_buckets must be increasing"):
        FastText.load(_rewrite(path, tmp_path / "e.npz", started_buckets=started[::-1].copy()))
    with pytest.raises(ModelFileError, match="started_buckets holds values"):
        FastText.load(_rewrite(path, tmp_path / "f.npz", started_buckets=started + 5003))
    with pytest.raises(ModelFileError, match="NaN"):
        bad = small_model.input_matrix.copy()
        bad[3, 1] = np.nan
        FastText.load(_rewrite(path, tmp_path / "d.npz", input_matrix=bad))


def _saved(wv, path):
    wv.save(path)
    return path


def test_keyedvectors_round_trip(tmp_path, small_model):
    path = tmp_path / "wv.npz"
    original = FastTextKeyedVectors.load(_saved(small_model.wv, tmp_path / "plain.npz"))
    original.set_vecattr("biology", "weight", 0.5)
    original.save(path)
    wv = FastTextKeyedVectors.load(path)
    assert np.array_equal(wv["biologically"], small_model.wv["biologically"])
    assert np.array_equal(wv.counts, small_model.wv.counts)
    assert wv.get_vecattr("biology", "weight") == 0.5 and wv.get_vecattr("walk", "weight") == 0
    assert wv.expandos["weight"].dtype == np.float64
    with pytest.raises(ModelFileError):
        FastTextKeyedVectors.load(_rewrite(path, tmp_path / "bad.npz",
                                           input_matrix=small_model.input_matrix[:3]))
    with pytest.raises(ModelFileError, match="'weight' must have shape"):
        FastTextKeyedVectors.load(_rewrite(path, tmp_path / "bad_attr.npz",
                                           vecattr_weight=np.zeros(3)))


# ------------------------------------------------------------------ the real fastText
NON_ASCII = ["the café on the straße near the ß sign", "привет мир привет москва",
             "東京 日本語 の 日本", "naïve façade résumé déjà vu"]
OOV = ["anarchisms", "unbelievablyness", "zzzzqx", "ж", "cafés", "straßenbahn", "приветствую",
       "東京都", "😀😀", "ñandú"]


@pytest.fixture(scope="module")
def fasttext_files(tmp_path_factory):
    import fasttext  # fasttext-wheel, in the test extra

    folder = tmp_path_factory.mktemp("ft")
    corpus = folder / "text.txt"
    lines = [" ".join(s) for s in load_text8(30_000)] + NON_ASCII * 6
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    files = {}
    for name, kwargs in {"skipgram": dict(model="skipgram", loss="ns", bucket=20_000),
                         "cbow_hs": dict(model="cbow", loss="hs", bucket=3001, minn=2, maxn=4)
                         }.items():
        model = fasttext.train_unsupervised(str(corpus), epoch=1, thread=1, verbose=0, dim=16,
                                            minCount=5, **kwargs)
        files[name] = folder / f"{name}.bin"
        model.save_model(str(files[name]))
    return fasttext, corpus, files


def _same_vectors(ours, ft_model, words):
    for word in words:
        np.testing.assert_allclose(ours[word], ft_model.get_word_vector(word), rtol=1e-5,
                                   atol=1e-7, err_msg=word)


def test_fasttext_models_load_with_fasttexts_vectors(fasttext_files):
    fasttext, _, files = fasttext_files
    ft = fasttext.load_model(str(files["skipgram"]))
    vocab = ft.get_words()
    assert {"café", "straße", "привет", "東京"} <= set(vocab)
    words = vocab[:50] + ["café", "straße", "привет", "東京", "naïve"] + OOV
    _same_vectors(load_facebook_vectors(files["skipgram"]), ft, words)
    model = load_facebook_model(files["skipgram"])
    _same_vectors(model.wv, ft, words)
    settings = (model.sg, model.negative, model.hs, model.bucket, model.vector_size)
    assert settings == (1, 5, 0, 20_000, 16)
    assert np.array_equal(model.syn1neg, np.asarray(ft.get_output_matrix()))


def test_fasttext_model_continues_training(fasttext_files):
    _, corpus, files = fasttext_files
    model = load_facebook_model(files["skipgram"])
    before = model.wv["anarchism"].copy()
    sentences = [line.split() for line in corpus.read_text(encoding="utf-8").splitlines()]
    model.train(sentences, epochs=1)
    assert np.isfinite(model.input_matrix).all()
    assert not np.array_equal(before, model.wv["anarchism"])
    model.build_vocab([["zyzzyva"] * 6], update=True)
    assert "zyzzyva" in model.wv.key_to_index
    model.train(epochs=1)
    with pytest.warns(UserWarning, match="inner-node vectors restart at zero"):
        hs = load_facebook_model(files["cbow_hs"])
    hs.train(sentences[:20], epochs=1)
    assert np.abs(hs.syn1).max() > 0


def test_saved_models_load_in_fasttext_and_gensim(fasttext_files, small_model, tmp_path):
    fasttext, _, files = fasttext_files
    words = ["biology", "geological", "walk"] + OOV
    for name, model in [("ours", small_model), ("theirs", load_facebook_model(files["skipgram"]))]:
        path = tmp_path / f"{name}.bin"
        save_facebook_model(model, path)
        _same_vectors(model.wv, fasttext.load_model(str(path)), words)
    import gensim.models.fasttext as gensim_ft

    theirs = gensim_ft.load_facebook_vectors(str(tmp_path / "ours.bin"))
    for word in words:
        np.testing.assert_allclose(small_model.wv[word], theirs[word], rtol=1e-5, atol=1e-7)
    vec = tmp_path / "ours.vec"
    small_model.wv.save_word2vec_format(vec)
    from embedlearn.keyedvectors import KeyedVectors
    assert np.array_equal(KeyedVectors.load_word2vec_format(vec).vectors, small_model.wv.vectors)


def test_supervised_and_quantised_files_are_refused(fasttext_files, tmp_path):
    fasttext, _, _ = fasttext_files
    text = tmp_path / "labelled.txt"
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]  # fastText quantises matrices of >= 256 rows only
    text.write_text("\n".join(f"__label__{i % 2} " + " ".join(rng.choice(words, 8))
                              for i in range(600)) + "\n")
    model = fasttext.train_supervised(str(text), epoch=1, thread=1, verbose=0, dim=4)
    model.save_model(str(tmp_path / "sup.bin"))
    model.quantize(input=str(text), retrain=False, cutoff=0, dsub=2, verbose=0)
    model.save_model(str(tmp_path / "sup.ftz"))
    for name in ("sup.bin", "sup.ftz"):
        for load in (load_facebook_model, load_facebook_vectors):
            with pytest.raises(ModelFileError, match="supervised fastText model"):
                load(tmp_path / name)


def test_save_facebook_model_refuses_bad_input(small_model, tmp_path):
    with pytest.raises(TypeError, match="FastText model"):
        save_facebook_model(small_model.wv, tmp_path / "x.bin")
    with pytest.raises(ValueError):
        load_facebook_vectors(tmp_path / "x.bin", encoding="latin-1")
    assert not list(tmp_path.iterdir())
