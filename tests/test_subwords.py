"""Character n-grams and their rows equal fastText's, byte for byte, on non-ASCII words too."""
import numpy as np
import pytest

from embedlearn.kernels.subwords import (
    EOS,
    check_ngram_args,
    compute_ngrams,
    count_ngrams,
    encode_words,
    ft_hash,
    mean_rows,
    ngram_hashes,
    ngram_rows,
    subword_rows,
)

# In the training text of the reference model below (so in its vocabulary).
IN_VOCAB = ["a", "ab", "abc", "abcd", "abcde", "where", "é", "ß", "straße", "café", "cafe\u0301",
            "привет", "мир", "日本語", "東京", "😀", "👩\u200d💻", "naïve", "ÿ", "a<b>c", "x" * 12]
# Never in it: only their n-grams count.
OOV = ["b", "zz", "abcf", "wherever", "ñ", "Straßen", "приветствие", "日本", "😀😀", "🇫🇷",
       "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "é" * 7, "<", ">", "<>", EOS + "x"]


def _lines():
    # Each word several times, in different orders, so every one passes minCount=1 surely.
    rng = np.random.default_rng(0)
    return [" ".join(rng.permutation(IN_VOCAB)) for _ in range(5)]


@pytest.fixture(scope="module")
def fasttext_models(tmp_path_factory):
    """Real fastText models with a few n-gram settings, trained briefly on IN_VOCAB."""
    fasttext = pytest.importorskip("fasttext")
    path = tmp_path_factory.mktemp("ft") / "text.txt"
    path.write_text("\n".join(_lines()) + "\n", encoding="utf-8")
    models = {}
    # (minn, maxn, bucket): the defaults; short n-grams with 1-grams; a small prime bucket.
    for minn, maxn, bucket in [(3, 6, 2_000_000), (1, 3, 1009), (2, 4, 50_000), (5, 5, 7)]:
        models[minn, maxn, bucket] = fasttext.train_unsupervised(
            str(path), minCount=1, dim=1, epoch=1, thread=1, verbose=0, minn=minn, maxn=maxn,
            bucket=bucket)
    return models


def test_fnv1a_test_vectors():
    # Published FNV-1a 32 values (ASCII, where sign extension does not matter).
    assert ft_hash("") == 0x811C9DC5
    assert ft_hash("a") == 0xE40C292C
    assert ft_hash("foobar") == 0xBF9CF968
    assert ft_hash(b"a") == ft_hash("a")


def test_hash_sign_extends_bytes_as_fasttext():
    # By hand: one byte 0xC3 enters as 0xFFFFFFC3, not 0xC3.
    h = ((0x811C9DC5 ^ 0xFFFFFFC3) * 16777619) % 2**32
    assert ft_hash(b"\xc3") == h
    unsigned = ((0x811C9DC5 ^ 0xC3) * 16777619) % 2**32
    assert h != unsigned


def test_hash_equals_gensim_on_random_unicode():
    ft_inner = pytest.importorskip("gensim.models.fasttext_inner")
    rng = np.random.default_rng(1)
    ranges = [(0x20, 0x7F), (0xA0, 0x800), (0x800, 0xD800), (0xE000, 0x10000), (0x10000, 0x20000)]
    for _ in range(300):
        lo, hi = ranges[rng.integers(len(ranges))]
        word = "".join(chr(c) for c in rng.integers(lo, hi, rng.integers(1, 8)))
        assert ft_hash(word) == ft_inner.ft_hash_bytes(word.encode("utf-8")), word


@pytest.mark.parametrize("word", IN_VOCAB + OOV)
@pytest.mark.parametrize("minn, maxn", [(3, 6), (1, 3), (2, 4), (1, 1), (5, 5)])
def test_ngrams_equal_gensim(word, minn, maxn):
    ft_inner = pytest.importorskip("gensim.models.fasttext_inner")
    expected = [b.decode("utf-8") for b in ft_inner.compute_ngrams_bytes(word, minn, maxn)]
    assert compute_ngrams(word, minn, maxn) == expected


def test_ngram_edge_cases():
    assert compute_ngrams("a", 1, 6) == ["<a", "<a>", "a", "a>"]  # 1-grams "<", ">" skipped
    assert compute_ngrams("a", 3, 6) == ["<a>"]
    # <abcd> has 6 characters = max_n: the whole wrapped word is an n-gram; <abcde> has 7.
    assert "<abcd>" in compute_ngrams("abcd", 3, 6)
    assert "<abcde>" not in compute_ngrams("abcde", 3, 6)
    # Whole code points: 'é' is 2 bytes, '😀' 4, and the n-gram never cuts one.
    assert compute_ngrams("é😀", 3, 3) == ["<é😀", "é😀>"]
    # Repeats are kept (fastText lists and averages an n-gram each time it occurs).
    assert compute_ngrams("aaaa", 3, 3) == ["<aa", "aaa", "aaa", "aa>"]
    assert compute_ngrams("", 1, 6) == ["<>"]


def test_count_ngrams_matches_enumeration():
    for word in IN_VOCAB + OOV + ["", "x" * 30]:
        for minn, maxn in [(1, 1), (1, 6), (3, 6), (2, 3), (6, 6), (7, 9)]:
            n_chars = len(word) + 2  # len(str) counts code points
            assert count_ngrams(n_chars, minn, maxn) == len(compute_ngrams(word, minn, maxn))


def test_rows_equal_fasttext(fasttext_models):
    """Every word's row list = fastText's get_subwords ids; n-gram strings too."""
    for (minn, maxn, bucket), model in fasttext_models.items():
        words = model.words
        assert set(IN_VOCAB) | {EOS} == set(words)
        rows, offsets = subword_rows(words, minn, maxn, bucket)
        for i, word in enumerate(words):
            subwords, ids = model.get_subwords(word)
            np.testing.assert_array_equal(rows[offsets[i]:offsets[i + 1]], ids, err_msg=word)
            assert subwords[0] == word and ids[0] == i
            expected_ngrams = [] if word == EOS else compute_ngrams(word, minn, maxn)
            assert subwords[1:] == expected_ngrams, word
        for word in OOV:
            subwords, ids = model.get_subwords(word)
            assert word not in words
            assert subwords == compute_ngrams(word, minn, maxn), word
            np.testing.assert_array_equal(ngram_rows(word, minn, maxn, bucket, len(words)), ids,
                                          err_msg=word)
        # The batch form for out-of-vocabulary words gives the same rows.
        oov_rows, oov_off = subword_rows(OOV, minn, maxn, bucket, nwords=len(words),
                                         word_rows=False)
        for j, word in enumerate(OOV):
            np.testing.assert_array_equal(oov_rows[oov_off[j]:oov_off[j + 1]],
                                          model.get_subwords(word)[1])


def test_hash_rows_equal_fasttext_subword_id(fasttext_models):
    """fastText's get_subword_id(g) = nwords + hash(g) % bucket, over every n-gram of the lists."""
    model = fasttext_models[3, 6, 2_000_000]
    nwords = len(model.words)
    ngrams = {g for w in IN_VOCAB + OOV for g in compute_ngrams(w, 1, 8)}
    for g in ngrams:
        assert model.get_subword_id(g) == nwords + ft_hash(g) % 2_000_000, g


def test_eos_gets_no_ngrams():
    rows, offsets = subword_rows(["word", EOS], 3, 6, 100)
    assert rows[offsets[1]:offsets[2]].tolist() == [1]
    assert ngram_rows(EOS, 3, 6, 100, 2).size == 0
    # As a string, "</s>" still has n-grams; only the token is special.
    assert compute_ngrams(EOS, 3, 6)


def test_bucket_zero_gives_plain_word_rows():
    words = ["alpha", "beta", EOS, "é"]
    for min_n, max_n, bucket in [(3, 6, 0), (0, 0, 100)]:
        rows, offsets = subword_rows(words, min_n, max_n, bucket)
        assert rows.tolist() == [0, 1, 2, 3] and offsets.tolist() == [0, 1, 2, 3, 4]
        assert ngram_rows("gamma", min_n, max_n, bucket, 4).size == 0


def test_rows_are_in_range_and_typed():
    words = IN_VOCAB + [EOS]
    rows, offsets = subword_rows(words, 3, 6, 997)
    assert rows.dtype == np.int32 and offsets.dtype == np.int64
    assert offsets[0] == 0 and offsets[-1] == rows.size and np.all(np.diff(offsets) >= 1)
    ngram_part = np.concatenate([rows[offsets[i] + 1:offsets[i + 1]] for i in range(len(words))])
    assert ngram_part.min() >= len(words) and ngram_part.max() < len(words) + 997
    assert subword_rows([], 3, 6, 10)[1].tolist() == [0]


def test_builder_equals_per_word_helpers():
    words = IN_VOCAB + OOV
    word_bytes, word_offsets = encode_words(words)
    hashes, h_off = ngram_hashes(word_bytes, word_offsets, 2, 5, np.empty(0, bool))
    rows, offsets = subword_rows(words, 2, 5, 12345)
    for i, w in enumerate(words):
        assert hashes[h_off[i]:h_off[i + 1]].tolist() == [ft_hash(g) for g in compute_ngrams(w, 2, 5)]
        assert rows[offsets[i] + 1:offsets[i + 1]].tolist() == ngram_rows(w, 2, 5, 12345,
                                                                          len(words)).tolist()


def test_mean_rows_is_fasttext_word_vector(fasttext_models):
    model = fasttext_models[1, 3, 1009]
    W = model.get_input_matrix()
    words = model.words
    rows, offsets = subword_rows(words, 1, 3, 1009)
    out = np.empty((len(words), W.shape[1]), np.float32)
    mean_rows(W, rows, offsets, out)
    expected = np.array([model.get_word_vector(w) for w in words])
    np.testing.assert_array_equal(out, expected)
    # An empty list gives the zero vector (fastText's vector of an OOV word without n-grams).
    mean_rows(W, rows, np.array([0, 0], np.int64), out[:1])
    assert not out[0].any()


@pytest.mark.parametrize("min_n, max_n, bucket, match", [
    (4, 3, 10, "min_n must be <= max_n"),
    (0, 3, 10, "min_n must be >= 1"),
    (-1, 3, 10, "min_n must be >= 1"),
    (3, 6, -1, "bucket must be >= 0"),
    (3, -1, 10, "max_n must be >= 0"),
    (3, 6, 2**31, "bucket must be < 2"),
])
def test_bad_ngram_settings(min_n, max_n, bucket, match):
    with pytest.raises(ValueError, match=match):
        check_ngram_args(min_n, max_n, bucket)
    with pytest.raises(ValueError, match=match):
        subword_rows(["a"], min_n, max_n, bucket)
    with pytest.raises(ValueError, match=match):
        ngram_rows("a", min_n, max_n, bucket, 1)
    if bucket >= 0 and bucket < 2**31:
        with pytest.raises(ValueError, match=match):
            compute_ngrams("a", min_n, max_n)


def test_bad_types_and_sizes():
    with pytest.raises(TypeError, match="min_n must be an int"):
        subword_rows(["a"], 3.0, 6, 10)
    with pytest.raises(TypeError, match="words must be str"):
        subword_rows(["a", b"b"], 3, 6, 10)
    with pytest.raises(TypeError, match="word must be str"):
        ngram_rows(5, 3, 6, 10, 1)
    with pytest.raises(ValueError, match="do not fit in int32"):
        subword_rows(["a"], 3, 6, 2**31 - 1)
    with pytest.raises(ValueError, match="smaller than"):
        subword_rows(["a", "b"], 3, 6, 10, nwords=1)


# ------------------------------------------------------------------ reference: score, loss, step
def _subword_problem(seed=0, bucket=7):
    """A small vocabulary with real subword rows (a tiny bucket, so rows repeat) and weights."""
    words = ["aaaa", "straße", "привет", "a"]
    rows, offsets = subword_rows(words, 2, 3, bucket)
    rng = np.random.default_rng(seed)
    Z = rng.normal(scale=0.4, size=(len(words) + bucket, 6))
    W_out = rng.normal(scale=0.4, size=(len(words), 6))
    return words, rows, offsets, Z, W_out


def test_subword_score_is_mean_or_sum_of_row_scores():
    from embedlearn.reference import subword_hidden, subword_score

    _, rows, offsets, Z, W_out = _subword_problem()
    g = rows[offsets[1]:offsets[2]]
    u = W_out[2]
    per_row = Z[g] @ u
    assert subword_score(Z, g, u) == pytest.approx(per_row.mean(), rel=1e-12)
    assert subword_score(Z, g, u, mean=False) == pytest.approx(per_row.sum(), rel=1e-12)
    np.testing.assert_allclose(subword_hidden(Z, g), Z[g].mean(axis=0), rtol=1e-12)
    with pytest.raises(ValueError, match="rows must not be empty"):
        subword_hidden(Z, [])


@pytest.mark.parametrize("mean", [True, False])
@pytest.mark.parametrize("word", [0, 1, 2, 3])
def test_subword_ns_gradients_equal_finite_differences(word, mean):
    from embedlearn.reference import check_gradients, subword_ns_loss_and_grads

    words, rows, offsets, Z, W_out = _subword_problem(seed=word)
    g = rows[offsets[word]:offsets[word + 1]]
    target, negatives = (word + 1) % len(words), [word, 2, 2, (word + 1) % len(words)]
    res = subword_ns_loss_and_grads(Z, W_out, g, target, negatives, mean=mean)
    errors = check_gradients(
        lambda Z, W_out: subword_ns_loss_and_grads(Z, W_out, g, target, negatives, mean=mean).loss,
        {"Z": Z, "W_out": W_out}, {"Z": res.Z, "W_out": res.W_out})
    assert max(errors.values()) < 1e-8, errors
    # Only the word's subword rows and the target/noise rows have gradients.
    assert set(np.flatnonzero(np.abs(res.Z).sum(axis=1))) == set(g.tolist())
    assert set(np.flatnonzero(np.abs(res.W_out).sum(axis=1))) == {target, *negatives}


def test_word_with_repeated_rows_collects_each_share():
    from embedlearn.reference import subword_ns_loss_and_grads

    _, rows, offsets, Z, W_out = _subword_problem()
    g = rows[offsets[0]:offsets[1]]  # "aaaa": the n-gram "aa" occurs three times
    counts = np.bincount(g, minlength=Z.shape[0])
    assert counts.max() >= 2
    res = subword_ns_loss_and_grads(Z, W_out, g, 1, [2, 3])
    one = res.Z[g[0]] / (counts[g[0]] / g.size)  # EH
    for r in np.unique(g):
        np.testing.assert_allclose(res.Z[r], counts[r] / g.size * one, rtol=1e-12)


@pytest.mark.parametrize("word", [0, 1, 2, 3])
def test_kernel_step_with_subword_rows_equals_reference(word):
    """One sgd_step with a word's subword rows as inputs = the reference step (fastText's update)."""
    from embedlearn.kernels.sgd import sgd_step
    from embedlearn.reference import sgd_step_reference, subword_ns_loss_and_grads

    words, rows, offsets, Z, W_out = _subword_problem(seed=10 + word)
    Z, W_out = Z.astype(np.float32), W_out.astype(np.float32)
    g = rows[offsets[word]:offsets[word + 1]]
    target, negatives, alpha = (word + 1) % len(words), [(word + 2) % len(words), word], 0.05
    ref = sgd_step_reference(Z, g, target, alpha, W_out_ns=W_out, negatives=negatives,
                             cbow_mean=True)
    Z_k, W_k = Z.copy(), W_out.copy()
    N = Z.shape[1]
    loss = sgd_step(Z_k, g, g.size, True, target, W_k, np.array(negatives, np.int32), len(negatives),
                    np.zeros((1, N), np.float32), np.zeros(0, np.uint8), np.zeros(0, np.int32), 0, 0,
                    alpha, np.empty(N, np.float32), np.empty(N, np.float32), True, True, True)
    np.testing.assert_allclose(Z_k, ref.W_in, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(W_k, ref.W_out_ns, rtol=1e-5, atol=1e-7)
    assert loss == pytest.approx(ref.loss, rel=1e-5)
    # And the step is fastText's: each occurrence of a row adds -alpha * EH, so a row listed c_g
    # times moves by c_g * (-alpha * EH) = -alpha * n * dE/dz_g (n times the exact gradient
    # step); each (distinct) output row moves by -alpha * dE/du exactly.
    exact = subword_ns_loss_and_grads(Z.astype(np.float64), W_out.astype(np.float64), g, target,
                                      negatives)
    assert ref.loss == pytest.approx(exact.loss, rel=1e-5)  # no term saturated or skipped
    np.testing.assert_allclose(ref.W_in - Z, -alpha * g.size * exact.Z, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(ref.W_out_ns - W_out, -alpha * exact.W_out, rtol=1e-4, atol=1e-7)
    assert not np.array_equal(Z_k, Z)
