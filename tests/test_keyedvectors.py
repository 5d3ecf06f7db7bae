"""Tests of embedlearn.keyedvectors: queries on hand-made geometry, evaluation against gensim,
word2vec.c formats (both directions with gensim), atomic saves and clear errors."""
import collections
import os
import struct
from pathlib import Path

import numpy as np
import pytest

import embedlearn.keyedvectors as kvmod
from embedlearn.keyedvectors import KeyedVectors

DATA = Path(os.environ.get("EMBEDLEARN_DATA", "/nonexistent"))
QUESTIONS = DATA / "wordsim" / "questions-words.txt"
WORDSIM = DATA / "wordsim" / "wordsim353.tsv"
TEXT8 = DATA / "text8" / "text8"

# Row 0..7. Dim 0 = royalty, dim 1 = gender (+ male), dims 2-3 = fruit/vehicle, dim 4 = other.
# king and queen share a large royal part, so for king - man + woman the query word "woman" is
# nearer than "queen": an analogy solver that does not exclude query words answers "woman".
ROYAL_KEYS = ["king", "queen", "man", "woman", "prince", "apple", "banana", "car"]
ROYAL_VECTORS = np.array([
    [3.0, 1.0, 0.0, 0.0, 0.0],
    [3.0, -1.0, 0.0, 0.0, 0.0],
    [0.0, 1.0, 0.0, 0.0, 0.3],
    [0.0, -1.0, 0.0, 0.0, 0.3],
    [3.0, 1.2, 0.0, 0.0, 1.5],
    [0.0, 0.0, 3.0, 0.5, 0.0],
    [0.0, 0.0, 3.0, -0.5, 0.0],
    [0.0, 0.2, 0.0, 3.0, 0.0],
])


@pytest.fixture
def royal():
    return KeyedVectors(ROYAL_KEYS, ROYAL_VECTORS)


def random_kv(n_keys=40, dim=6, seed=0):
    rng = np.random.default_rng(seed)
    return KeyedVectors([f"w{i}" for i in range(n_keys)], rng.standard_normal((n_keys, dim)))


def unit_rows(a):
    return a / np.linalg.norm(a, axis=-1, keepdims=True)


def gensim_kv(keys, vectors):
    gensim = pytest.importorskip("gensim")
    g = gensim.models.KeyedVectors(vectors.shape[1])
    g.add_vectors(list(keys), np.asarray(vectors, dtype=np.float32))
    return g


# ---------------------------------------------------------------------- construction, lookups
def test_storage_is_float32_c_contiguous_and_shared_when_possible():
    f64 = np.asfortranarray(np.arange(12, dtype=np.float64).reshape(4, 3))
    wv = KeyedVectors(list("abcd"), f64)
    assert wv.vectors.dtype == np.float32 and wv.vectors.flags.c_contiguous
    np.testing.assert_array_equal(wv.vectors, f64)
    f32 = np.ones((4, 3), dtype=np.float32)
    # a model can keep training the array it passed in
    assert np.shares_memory(KeyedVectors(list("abcd"), f32).vectors, f32)
    wv = KeyedVectors(list("abcd"), f32, counts=[4, 3, 2, 1])
    assert wv.counts.dtype == np.int64 and wv.counts.tolist() == [4, 3, 2, 1]
    assert len(wv) == 4 and wv.vector_size == 3 and list(wv) == list("abcd")
    assert wv.key_to_index == {"a": 0, "b": 1, "c": 2, "d": 3} and wv.index_to_key == list("abcd")


@pytest.mark.parametrize("keys, vectors, counts, exc, match", [
    (["a", "b"], np.zeros(2), None, ValueError, "2-D"),
    (["a", "b"], np.zeros((2, 3, 1)), None, ValueError, "2-D"),
    (["a", "b"], np.zeros((3, 4)), None, ValueError, "3 rows but there are 2 keys"),
    (["a", "b", "a"], np.zeros((3, 4)), None, ValueError, "duplicate key 'a' at positions 0 and 2"),
    (["a", 7], np.zeros((2, 4)), None, TypeError, r"index_to_key\[1\] is int"),
    (["a", "b"], np.array([["x", "y"], ["z", "w"]]), None, TypeError, "real numeric"),
    (["a", "b"], np.zeros((2, 0)), None, ValueError, "at least one column"),
    (["a", "b"], np.zeros((2, 3)), [1, 2, 3], ValueError, "counts must have shape"),
    (["a", "b"], np.zeros((2, 3)), [1.5, 2.0], TypeError, "counts must be integers"),
])
def test_bad_construction_is_a_clear_error(keys, vectors, counts, exc, match):
    with pytest.raises(exc, match=match):
        KeyedVectors(keys, vectors, counts)


def test_lookups(royal):
    np.testing.assert_array_equal(royal["queen"], ROYAL_VECTORS[1].astype(np.float32))
    both = royal[["car", "king"]]
    assert both.shape == (2, 5)
    np.testing.assert_array_equal(both, ROYAL_VECTORS[[7, 0]].astype(np.float32))
    assert "king" in royal and "unicorn" not in royal and ["king"] not in royal
    normed = royal.get_vector("king", norm=True)
    np.testing.assert_allclose(normed, ROYAL_VECTORS[0] / np.linalg.norm(ROYAL_VECTORS[0]), rtol=1e-6)
    with pytest.raises(ValueError):  # a returned row cannot silently bypass the norm cache
        royal["king"][0] = 5.0


@pytest.mark.parametrize("call", [
    lambda wv: wv["xyz"],
    lambda wv: wv[["king", "xyz"]],
    lambda wv: wv.get_vector("xyz", norm=True),
    lambda wv: wv.similarity("king", "xyz"),
    lambda wv: wv.most_similar(positive=["king", "xyz"]),
    lambda wv: wv.most_similar(positive=["king"], negative="xyz"),
    lambda wv: wv.most_similar_cosmul(positive=["xyz"]),
    lambda wv: wv.doesnt_match(["king", "xyz", "queen"]),
])
def test_unknown_key_error_names_the_key(royal, call):
    with pytest.raises(KeyError, match="word 'xyz' not in vocabulary"):
        call(royal)


def test_normed_vectors_zero_rows_and_cache_invalidation():
    wv = KeyedVectors(["a", "zero", "b"], np.array([[3.0, 4.0], [0.0, 0.0], [0.0, 2.0]]))
    normed = wv.get_normed_vectors()
    assert np.all(np.isfinite(normed))
    np.testing.assert_allclose(normed, [[0.6, 0.8], [0.0, 0.0], [0.0, 1.0]], rtol=1e-7)
    assert wv.get_normed_vectors() is normed  # cached
    assert wv.similarity("a", "zero") == 0.0
    assert all(np.isfinite(s) for _, s in wv.most_similar("a"))
    wv.vectors = np.array([[1.0, 0.0], [0.0, 1.0], [-2.0, 0.0]])  # replacing invalidates
    np.testing.assert_allclose(wv.get_normed_vectors(), [[1, 0], [0, 1], [-1, 0]])
    wv.vectors[0] = [0.0, 5.0]  # in-place change: refreshed on request, as gensim's fill_norms
    wv.fill_norms(force=True)
    np.testing.assert_allclose(wv.get_vector("a", norm=True), [0.0, 1.0])
    with pytest.raises(ValueError, match="rows"):
        wv.vectors = np.zeros((2, 2))


# ---------------------------------------------------------------------- similarity queries
def test_similarity_distance_n_similarity_match_numpy():
    wv = random_kv()
    v = wv.vectors.astype(np.float64)
    for i, j in [(0, 1), (3, 17), (5, 5), (39, 2)]:
        cos = v[i] @ v[j] / np.linalg.norm(v[i]) / np.linalg.norm(v[j])
        assert wv.similarity(f"w{i}", f"w{j}") == pytest.approx(cos, abs=1e-6)
        assert wv.distance(f"w{i}", f"w{j}") == pytest.approx(1 - cos, abs=1e-6)
    m1, m2 = v[[1, 2, 3]].mean(0), v[[4, 5]].mean(0)
    expected = m1 @ m2 / np.linalg.norm(m1) / np.linalg.norm(m2)
    assert wv.n_similarity(["w1", "w2", "w3"], ["w4", "w5"]) == pytest.approx(expected, abs=1e-6)


def test_most_similar_excludes_query_words_on_analogy_geometry(royal):
    query = dict(positive=["king", "woman"], negative=["man"])
    all_sims = royal.most_similar(**query, topn=None)
    assert all_sims.shape == (len(ROYAL_KEYS),)
    # without exclusion the nearest key would be a query word (the d2l helper's answer) ...
    assert ROYAL_KEYS[int(np.argmax(all_sims))] == "woman"
    # ... but 3CosAdd as gensim excludes the query words
    result = royal.most_similar(**query, topn=3)
    assert result[0][0] == "queen"
    assert not {"king", "woman", "man"} & {k for k, _ in result}
    assert result[0][1] == pytest.approx(all_sims[1])
    assert royal.most_similar_cosmul(**query, topn=1)[0][0] == "queen"
    assert royal.most_similar(**query, topn=0) == []


def test_most_similar_equals_3cosadd_computed_with_numpy():
    wv = random_kv(n_keys=60, dim=8, seed=1)
    u = unit_rows(wv.vectors.astype(np.float64))
    a, b, c = 3, 10, 25
    q = (u[b] + u[c] - u[a]) / 3
    sims = u @ (q / np.linalg.norm(q))
    order = [i for i in np.argsort(-sims) if i not in (a, b, c)][:7]
    got = wv.most_similar(positive=[f"w{b}", f"w{c}"], negative=[f"w{a}"], topn=7)
    assert [k for k, _ in got] == [f"w{i}" for i in order]
    np.testing.assert_allclose([s for _, s in got], sims[order], atol=1e-6)
    # 3CosAdd's argmax: cos(x, b) - cos(x, a) + cos(x, c) ranks the same way
    add = u @ u[b] - u @ u[a] + u @ u[c]
    assert [i for i in np.argsort(-add) if i not in (a, b, c)][:7] == order
    # weights as (key, weight) tuples, vectors as input (not excluded)
    weighted = wv.most_similar(positive=[("w1", 2.0), "w2"], topn=None)
    q = 2 * u[1] + u[2]
    np.testing.assert_allclose(weighted, u @ (q / np.linalg.norm(q)), atol=1e-6)
    by_vec = wv.similar_by_vector(wv["w4"], topn=2)
    assert by_vec[0][0] == "w4" and by_vec[0][1] == pytest.approx(1.0, abs=1e-6)
    assert wv.similar_by_word("w4", topn=1)[0][0] == by_vec[1][0]


def test_most_similar_cosmul_equals_formula():
    wv = random_kv(n_keys=50, dim=5, seed=2)
    u = unit_rows(wv.vectors.astype(np.float64))
    s = (1 + u @ u[[7, 8, 9]].T) / 2  # shifted cosines with a=7, b=8, c=9
    score = s[:, 1] * s[:, 2] / (s[:, 0] + 1e-6)
    order = [i for i in np.argsort(-score) if i not in (7, 8, 9)][:5]
    got = wv.most_similar_cosmul(positive=["w8", "w9"], negative=["w7"], topn=5)
    assert [k for k, _ in got] == [f"w{i}" for i in order]
    np.testing.assert_allclose([v for _, v in got], score[order], rtol=1e-5)
    np.testing.assert_allclose(wv.most_similar_cosmul("w8", topn=None), s[:, 1] / (1 + 1e-6), rtol=1e-5)
    with pytest.raises(ValueError, match="no input"):
        wv.most_similar_cosmul(negative=["w1"])


def test_restrict_vocab_is_respected():
    wv = random_kv(n_keys=30, dim=4, seed=3)
    got = wv.most_similar("w0", topn=100, restrict_vocab=10)
    assert {k for k, _ in got} == {f"w{i}" for i in range(1, 10)}
    assert wv.most_similar("w0", topn=None, restrict_vocab=10).shape == (10,)
    assert wv.most_similar_cosmul("w0", topn=None, restrict_vocab=12).shape == (12,)
    # the query may lie outside the restricted range; only the candidates are restricted
    assert all(wv.key_to_index[k] < 5 for k, _ in wv.most_similar("w20", topn=3, restrict_vocab=5))


def test_doesnt_match_and_query_errors(royal):
    assert royal.doesnt_match(["apple", "banana", "car"]) == "car"
    assert royal.doesnt_match(["king", "queen", "prince", "apple"]) == "apple"
    with pytest.raises(ValueError, match="no input"):
        royal.most_similar()
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        royal.most_similar(positive=[np.ones(3)])


# ---------------------------------------------------------------------- analogies
ANALOGY_FILE = """\
: royals
man woman king queen
Man Woman King Queen
woman man queen king
man woman king prince
man woman king unicorn
: misc
apple banana king queen
apple banana car car
apple banana
"""


def test_evaluate_word_analogies_hand_file(tmp_path, royal):
    path = tmp_path / "analogies.txt"
    path.write_text(ANALOGY_FILE)
    # "car" (index 7) is outside restrict_vocab=7: its question is skipped; "unicorn" is unknown
    acc, sections = royal.evaluate_word_analogies(path, restrict_vocab=7)
    counts = [(s["section"], len(s["correct"]), len(s["incorrect"])) for s in sections]
    assert counts == [("royals", 3, 1), ("misc", 0, 1), ("Total accuracy", 3, 2)]
    assert acc == pytest.approx(3 / 5)
    assert sections[0]["correct"][0] == ("MAN", "WOMAN", "KING", "QUEEN")  # gensim upper-cases
    assert sections[0]["incorrect"] == [("MAN", "WOMAN", "KING", "PRINCE")]

    acc, sections = royal.evaluate_word_analogies(path, restrict_vocab=7, dummy4unknown=True)
    counts = [(s["section"], len(s["correct"]), len(s["incorrect"])) for s in sections]
    assert counts == [("royals", 3, 2), ("misc", 0, 2), ("Total accuracy", 3, 4)]

    acc, sections = royal.evaluate_word_analogies(path, restrict_vocab=7, case_insensitive=False)
    assert [len(sections[0]["correct"]), len(sections[0]["incorrect"])] == [2, 1]
    assert sections[0]["correct"][0] == ("man", "woman", "king", "queen")

    # with every key a candidate, "car" questions count: predicted "car" is a query word -> excluded
    acc, sections = royal.evaluate_word_analogies(path, restrict_vocab=None)
    assert len(sections[1]["incorrect"]) == 2


def test_evaluate_word_analogies_parsed_input_and_errors(tmp_path, royal):
    path = tmp_path / "analogies.txt"
    path.write_text(ANALOGY_FILE)
    from_file = royal.evaluate_word_analogies(path, restrict_vocab=7)
    mapping = {"royals": [("man", "woman", "king", "queen"), ("Man", "Woman", "King", "Queen"),
                          ("woman", "man", "queen", "king"), ("man", "woman", "king", "prince"),
                          ("man", "woman", "king", "unicorn")],
               "misc": [("apple", "banana", "king", "queen"), ("apple", "banana", "car", "car")]}
    assert royal.evaluate_word_analogies(mapping, restrict_vocab=7) == from_file
    records = [(name, *q) for name, qs in mapping.items() for q in qs]
    assert royal.evaluate_word_analogies(records, restrict_vocab=7) == from_file
    assert royal.evaluate_word_analogies(list(mapping.items()), restrict_vocab=7) == from_file
    bad = tmp_path / "bad.txt"
    bad.write_text("man woman king queen\n: late header\n")
    with pytest.raises(ValueError, match="line 1: question before any ': section' header"):
        royal.evaluate_word_analogies(bad)


@pytest.fixture(scope="module")
def text8_words():
    if not TEXT8.exists():
        pytest.skip("text8 not available (set EMBEDLEARN_DATA)")
    counts = collections.Counter(TEXT8.read_text().split())
    return [w for w, _ in counts.most_common(12000)]


def structured_vectors(words, questions_path, dim=24, seed=0):
    """Random vectors where, section by section, b = a + section offset + noise for many question pairs,
    so a fair share of analogies come out right (and others wrong): a mix worth comparing."""
    rng = np.random.default_rng(seed)
    index = {w.upper(): i for i, w in reversed(list(enumerate(words)))}
    vectors = rng.standard_normal((len(words), dim))
    offset = None
    for line in Path(questions_path).read_text().splitlines():
        if line.startswith(": "):
            offset = 2 * rng.standard_normal(dim)
            continue
        a, b = (w.upper() for w in line.split()[:2])
        if a in index and b in index and rng.random() < 0.7:
            vectors[index[b]] = vectors[index[a]] + offset + 0.5 * rng.standard_normal(dim)
    return vectors


def test_all_google_questions_parse():
    if not QUESTIONS.exists():
        pytest.skip("questions-words.txt not available (set EMBEDLEARN_DATA)")
    wv = random_kv(n_keys=10, dim=3)
    acc, sections = wv.evaluate_word_analogies(QUESTIONS, dummy4unknown=True)
    total = sections[-1]
    assert len(sections) == 15 and sections[0]["section"] == "capital-common-countries"
    assert len(total["correct"]) + len(total["incorrect"]) == 19544  # MANIFEST.md's count
    assert acc == 0.0
    try:
        from embedlearn.datasets import load_analogy_questions
    except ImportError:
        return
    parsed = load_analogy_questions()
    assert wv.evaluate_word_analogies(parsed, dummy4unknown=True) == (acc, sections)


def test_evaluate_word_analogies_matches_gensim(tmp_path, text8_words):
    if not QUESTIONS.exists():
        pytest.skip("questions-words.txt not available (set EMBEDLEARN_DATA)")
    # every 8th question of each section keeps gensim's (slow, per-question) evaluation short
    lines, n = [], 0
    for line in QUESTIONS.read_text().splitlines():
        if line.startswith(": "):
            lines.append(line)
            n = 0
        else:
            n += 1
            if n % 8 == 1:
                lines.append(line)
    subset = tmp_path / "questions-subset.txt"
    subset.write_text("\n".join(lines) + "\n")

    words = list(text8_words)
    vectors = structured_vectors(words, QUESTIONS)
    # Case variants test gensim's rules: a question uses the first variant's vector, every variant of
    # a query word is excluded, and predicting a variant of the expected word counts as right. Each
    # variant is put exactly on the 3CosAdd query direction of one question, where it beats all
    # other candidates unless excluded.
    index = {w: i for i, w in enumerate(words)}
    unit = unit_rows(vectors)
    questions = [ln.lower().split() for ln in lines if not ln.startswith(": ")]
    usable = [q for q in questions if all(index.get(w, 10 ** 6) < 9000 for w in q)]
    variant_of_expected = []
    for k, (q, pos) in enumerate(zip(usable[::40], [0, 1, 2, 3] * 10)):
        a, b, c = (index[w] for w in q[:3])
        variant = q[pos].title() if k % 2 else q[pos].upper()
        if variant in words:
            continue
        words[9000 + k] = variant
        vectors[9000 + k] = unit[b] + unit[c] - unit[a]
        if pos == 3:
            variant_of_expected.append(tuple(w.upper() for w in q))
    assert len(variant_of_expected) >= 2

    ours = KeyedVectors(words, vectors)
    theirs = gensim_kv(words, vectors)
    acc, sections = ours.evaluate_word_analogies(subset, restrict_vocab=10000)
    g_acc, g_sections = theirs.evaluate_word_analogies(subset, restrict_vocab=10000)
    assert 0.2 < acc < 0.9  # a real mix of right and wrong answers, so the comparison means something
    assert set(variant_of_expected) <= set(sections[-1]["correct"])
    assert acc == g_acc
    assert [s["section"] for s in sections] == [s["section"] for s in g_sections]
    for s, g in zip(sections, g_sections):
        assert s["correct"] == g["correct"], s["section"]
        assert s["incorrect"] == g["incorrect"], s["section"]


# ---------------------------------------------------------------------- word pairs
def test_evaluate_word_pairs_hand_file(tmp_path, royal):
    stats = pytest.importorskip("scipy.stats")
    path = tmp_path / "pairs.tsv"
    path.write_text("# a comment\n# word1\tword2\tscore\n"
                    "king\tqueen\t8.0\nKing\tprince\t9.0\nman\tapple\t1.0\napple\tbanana\t7.5\n"
                    "car\tbanana\t2.0\t3\t1\n"  # rw.txt-style extra columns: the first three are used
                    "unicorn\tking\t5.0\nnot a valid line\n")
    pearson, spearman, oov = royal.evaluate_word_pairs(path)
    pairs = [("king", "queen"), ("king", "prince"), ("man", "apple"), ("apple", "banana"), ("car", "banana")]
    model = [royal.similarity(a, b) for a, b in pairs]
    gold = [8.0, 9.0, 1.0, 7.5, 2.0]
    assert pearson[0] == pytest.approx(stats.pearsonr(gold, model)[0], abs=1e-12)
    assert spearman[0] == pytest.approx(stats.spearmanr(gold, model)[0], abs=1e-12)
    assert pearson[1] == pytest.approx(stats.pearsonr(gold, model)[1], rel=1e-9)
    assert oov == pytest.approx(100 / 6)
    pearson, spearman, oov = royal.evaluate_word_pairs(path, dummy4unknown=True)
    assert spearman[0] == pytest.approx(stats.spearmanr(gold + [5.0], model + [0.0])[0], abs=1e-12)
    _, _, oov = royal.evaluate_word_pairs(path, restrict_vocab=7)  # "car" now unknown
    assert oov == pytest.approx(200 / 6)
    with pytest.raises(ValueError, match="no valid similarity judgements"):
        royal.evaluate_word_pairs(path, restrict_vocab=1)


def test_evaluate_word_pairs_matches_gensim(text8_words):
    if not WORDSIM.exists():
        pytest.skip("wordsim353.tsv not available (set EMBEDLEARN_DATA)")
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((len(text8_words), 16))
    ours = KeyedVectors(text8_words, vectors)
    theirs = gensim_kv(text8_words, vectors)
    for kwargs in [{}, {"restrict_vocab": 3000}, {"dummy4unknown": True}]:
        p, s, oov = ours.evaluate_word_pairs(WORDSIM, **kwargs)
        gp, gs, goov = theirs.evaluate_word_pairs(str(WORDSIM), **kwargs)
        assert oov == goov and 0 < oov < 100
        # cosines agree to float32 rounding (gensim normalises in float64 BLAS, then casts)
        assert p[0] == pytest.approx(gp[0], abs=1e-6) and s[0] == pytest.approx(gs[0], abs=1e-6)
        assert p[1] == pytest.approx(gp[1], rel=1e-4) and s[1] == pytest.approx(gs[1], rel=1e-4)
    try:
        from embedlearn.datasets import load_wordsim353
    except ImportError:
        return
    assert ours.evaluate_word_pairs(load_wordsim353()) == ours.evaluate_word_pairs(WORDSIM)


# ---------------------------------------------------------------------- word2vec formats
WEIRD_KEYS = ["the", "café", "naïve", "日本", "a-b", "x\u00a0y", "Z"]


@pytest.fixture
def weird():
    rng = np.random.default_rng(7)
    v = rng.standard_normal((len(WEIRD_KEYS), 9)).astype(np.float32)
    v[1, :3] = [1e-30, -3.4e38, 1.0e-45]  # tiny, huge and subnormal values must survive too
    v[2] = 0.0
    return KeyedVectors(WEIRD_KEYS, v)


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_round_trip_is_exact(tmp_path, weird, binary):
    path = tmp_path / "vectors.bin"
    weird.save_word2vec_format(path, binary=binary)
    back = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert back.index_to_key == WEIRD_KEYS
    np.testing.assert_array_equal(back.vectors, weird.vectors)  # text too: 9 significant digits
    assert back.counts is None
    limited = KeyedVectors.load_word2vec_format(path, binary=binary, limit=3)
    assert limited.index_to_key == WEIRD_KEYS[:3]
    np.testing.assert_array_equal(limited.vectors, weird.vectors[:3])


def test_binary_layout_is_word2vec_c():
    v = np.array([[1.5, -2.0]], dtype=np.float32)
    import io
    buf = io.BytesIO()
    kvmod._write_word2vec(buf, ["ab"], v, binary=True, write_header=True)
    assert buf.getvalue() == b"1 2\nab " + struct.pack("<2f", 1.5, -2.0) + b"\n"
    buf = io.BytesIO()
    kvmod._write_word2vec(buf, ["ab"], v, binary=False, write_header=True)
    assert buf.getvalue() == b"1 2\nab 1.5 -2\n"


def test_reads_word2vec_c_text_and_binary_and_glove(tmp_path):
    # word2vec.c text: "%lf " per value, so a trailing space; Windows line ends tolerated
    text = tmp_path / "w2v.txt"
    text.write_bytes(b"2 3\nthe 0.100000 -0.200000 0.300000 \r\nof 1.000000 2.000000 3.000000 \n")
    wv = KeyedVectors.load_word2vec_format(text)
    assert wv.index_to_key == ["the", "of"]
    np.testing.assert_allclose(wv.vectors, [[0.1, -0.2, 0.3], [1, 2, 3]], rtol=1e-7)
    # binary with a newline after each vector (word2vec.c) or without it (gensim 4)
    for sep in (b"\n", b""):
        path = tmp_path / "w2v.bin"
        path.write_bytes(b"2 2\n" + b"the " + struct.pack("<2f", 0.5, 1.5) + sep
                         + b"of " + struct.pack("<2f", -1.0, 2.0) + sep)
        wv = KeyedVectors.load_word2vec_format(path, binary=True)
        assert wv.index_to_key == ["the", "of"]
        np.testing.assert_array_equal(wv.vectors, [[0.5, 1.5], [-1.0, 2.0]])
    # GloVe: no header, V and N inferred
    glove = tmp_path / "glove.txt"
    glove.write_text("the 0.1 0.2 0.3 0.4\nof -1 -2 -3 -4\nand 5 6 7 8\n")
    wv = KeyedVectors.load_word2vec_format(glove, no_header=True)
    assert wv.index_to_key == ["the", "of", "and"] and wv.vectors.shape == (3, 4)
    assert KeyedVectors.load_word2vec_format(glove, no_header=True, limit=2).index_to_key == ["the", "of"]
    with pytest.raises(ValueError, match="line 1: expected a header"):
        KeyedVectors.load_word2vec_format(glove)
    with pytest.raises(ValueError, match="no_header=True works only with text"):
        KeyedVectors.load_word2vec_format(glove, binary=True, no_header=True)


def test_save_without_header_reads_back_as_glove(tmp_path, weird):
    path = tmp_path / "glove.txt"
    weird.save_word2vec_format(path, write_header=False)
    assert path.read_text(encoding="utf8").split("\n", 1)[0].startswith("the ")
    back = KeyedVectors.load_word2vec_format(path, no_header=True)
    assert back.index_to_key == WEIRD_KEYS
    np.testing.assert_array_equal(back.vectors, weird.vectors)


def test_truncated_binary_names_the_byte_offset(tmp_path):
    wv = random_kv(n_keys=3, dim=4)
    path = tmp_path / "v.bin"
    wv.save_word2vec_format(path, binary=True)
    data = path.read_bytes()
    # records: "wI " + 16 bytes + "\n"; the last vector starts after the header, 2 records and "w2 "
    last_vector = len(b"3 4\n") + 2 * (3 + 16 + 1) + 3
    path.write_bytes(data[:-6])
    with pytest.raises(ValueError, match=rf"byte offset {last_vector}: expected 16 bytes .* word 3 of 3, "
                                         r"found 11; the file is truncated"):
        KeyedVectors.load_word2vec_format(path, binary=True)
    path.write_bytes(data[:last_vector - 2])  # cut inside the last word
    with pytest.raises(ValueError, match=rf"byte offset {last_vector - 3}: expected word 3 of 3"):
        KeyedVectors.load_word2vec_format(path, binary=True)


def test_malformed_text_names_the_line(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("3 2\na 1 2\nb 3 4\n")
    with pytest.raises(ValueError, match="line 4: file ends after 2 vectors but the header declares 3"):
        KeyedVectors.load_word2vec_format(path)
    path.write_text("2 2\na 1 2\nb 3\n")
    with pytest.raises(ValueError, match="line 3: expected a word and 2 numbers"):
        KeyedVectors.load_word2vec_format(path)
    path.write_text("2 2\na 1 2\nb 3 x4\n")
    with pytest.raises(ValueError, match="line 3: bad number in the vector of 'b'"):
        KeyedVectors.load_word2vec_format(path)
    path.write_text("two 2\na 1 2\n")
    with pytest.raises(ValueError, match="line 1: expected a header 'V N'"):
        KeyedVectors.load_word2vec_format(path)
    path.write_bytes(b"1 2\n\xff\xfe 1 2\n")
    with pytest.raises(ValueError, match="line 2: cannot decode as utf8"):
        KeyedVectors.load_word2vec_format(path)
    assert KeyedVectors.load_word2vec_format(path, unicode_errors="ignore").index_to_key == [""]


def test_repeated_word_in_file_keeps_first(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("3 2\na 1 2\nb 3 4\na 5 6\n")
    with pytest.warns(UserWarning, match="repeated words"):
        wv = KeyedVectors.load_word2vec_format(path)
    assert wv.index_to_key == ["a", "b"]
    np.testing.assert_array_equal(wv["a"], [1, 2])


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_ours_and_we_read_gensims(tmp_path, weird, binary):
    gensim = pytest.importorskip("gensim")
    ours = tmp_path / "ours"
    weird.save_word2vec_format(ours, binary=binary)
    g = gensim.models.KeyedVectors.load_word2vec_format(str(ours), binary=binary)
    assert g.index_to_key == WEIRD_KEYS
    np.testing.assert_array_equal(g.vectors, weird.vectors)

    theirs = tmp_path / "theirs"
    gensim_kv(WEIRD_KEYS, weird.vectors).save_word2vec_format(str(theirs), binary=binary)
    back = KeyedVectors.load_word2vec_format(theirs, binary=binary)
    assert back.index_to_key == WEIRD_KEYS
    np.testing.assert_array_equal(back.vectors, weird.vectors)


# ---------------------------------------------------------------------- atomic saves
def _dir_listing(path):
    return sorted(os.listdir(path))


@pytest.mark.parametrize("binary", [False, True])
def test_key_with_space_is_refused_and_nothing_is_touched(tmp_path, binary):
    path = tmp_path / "v.txt"
    path.write_bytes(b"original content")
    wv = KeyedVectors(["new york", "b"], np.ones((2, 3)))
    with pytest.raises(ValueError, match="key 'new york' .* no space"):
        wv.save_word2vec_format(path, binary=binary)
    assert path.read_bytes() == b"original content"
    assert _dir_listing(tmp_path) == ["v.txt"]


def test_crash_mid_write_leaves_the_old_file(tmp_path, monkeypatch, weird):
    path = tmp_path / "v.txt"
    path.write_bytes(b"original content")

    def half_write(f, keys, vectors, binary, write_header):
        f.write(b"7 9\nthe 0.1 0.")
        raise OSError("disk full")

    monkeypatch.setattr(kvmod, "_write_word2vec", half_write)
    with pytest.raises(OSError, match="disk full"):
        weird.save_word2vec_format(path)
    assert path.read_bytes() == b"original content"
    assert _dir_listing(tmp_path) == ["v.txt"]


def test_failed_rename_leaves_the_old_file(tmp_path, monkeypatch, weird):
    path = tmp_path / "v.kv"
    path.write_bytes(b"original content")

    def no_replace(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(kvmod.os, "replace", no_replace)
    for save in (lambda: weird.save_word2vec_format(path, binary=True), lambda: weird.save(path)):
        with pytest.raises(OSError, match="rename failed"):
            save()
        assert path.read_bytes() == b"original content"
        assert _dir_listing(tmp_path) == ["v.kv"]


def test_saved_file_has_normal_permissions(tmp_path, weird):
    path = tmp_path / "v.txt"
    weird.save_word2vec_format(path)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


# ---------------------------------------------------------------------- native format
def test_native_round_trip_and_corrupt_files(tmp_path):
    keys = ["new york", "line\nbreak", "é", ""]
    wv = KeyedVectors(keys, np.arange(12, dtype=np.float32).reshape(4, 3), counts=[9, 5, 2, 1])
    path = tmp_path / "model.kv"
    wv.save(path)
    assert _dir_listing(tmp_path) == ["model.kv"]  # no ".npz" added, no temp file left
    back = KeyedVectors.load(path)
    assert back.index_to_key == keys
    np.testing.assert_array_equal(back.vectors, wv.vectors)
    np.testing.assert_array_equal(back.counts, [9, 5, 2, 1])

    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a valid embedlearn KeyedVectors file"):
        KeyedVectors.load(path)
    path.write_bytes(b"this is not an archive at all")
    with pytest.raises(ValueError, match="not a valid embedlearn KeyedVectors file"):
        KeyedVectors.load(path)
    with open(path, "wb") as f:
        np.savez(f, vectors=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="format marker"):
        KeyedVectors.load(path)
    with pytest.raises(FileNotFoundError):
        KeyedVectors.load(tmp_path / "missing.kv")


# ---------------------------------------------------------------------- gensim 4 API: mutation
def test_add_vectors_appends_new_keys_and_keeps_or_replaces_existing_ones():
    wv = random_kv(n_keys=6, dim=4, seed=11)
    wv.counts = [60, 50, 40, 30, 20, 10]
    before = wv.vectors.copy()
    new = np.arange(12, dtype=np.float64).reshape(3, 4)
    wv.add_vectors(["x", "w2", "y"], new)  # w2 exists: kept without replace, as gensim
    assert wv.index_to_key == [f"w{i}" for i in range(6)] + ["x", "y"]
    assert wv.key_to_index["x"] == 6 and wv.key_to_index["y"] == 7 and len(wv) == 8
    np.testing.assert_array_equal(wv.vectors[:6], before)
    np.testing.assert_array_equal(wv.vectors[6:], new[[0, 2]])
    assert wv.counts.tolist() == [60, 50, 40, 30, 20, 10, 0, 0]  # new keys get 0, as gensim
    wv.add_vectors(["w2", "z"], np.ones((2, 4)), replace=True, extras={"count": [7, 3]})
    np.testing.assert_array_equal(wv["w2"], np.ones(4))
    assert wv.counts.tolist() == [60, 50, 7, 30, 20, 10, 0, 0, 3]
    assert wv.add_vector("w0", np.zeros(4)) == 0 and np.array_equal(wv["w0"], before[0])
    assert wv.add_vector("single", np.full(4, 2.0)) == 9 and wv.get_index("single") == 9
    wv.add_vectors("one more", np.full(4, 3.0))  # a single key with a 1-D vector
    assert wv.index_to_key[-1] == "one more"

    g = gensim_kv(ROYAL_KEYS, ROYAL_VECTORS)
    ours = KeyedVectors(ROYAL_KEYS, ROYAL_VECTORS)
    extra = np.arange(15, dtype=np.float32).reshape(3, 5)
    for kv in (g, ours):
        kv.add_vectors(["duke", "king", "earl"], extra)
        kv.add_vectors(["queen"], extra[:1], replace=True)
    assert ours.index_to_key == g.index_to_key
    np.testing.assert_array_equal(ours.vectors, g.vectors)


@pytest.mark.parametrize("keys, weights, exc, match", [
    (["x", "y"], np.zeros((3, 5)), ValueError, r"shape \(2, 5\) for 2 keys, got \(3, 5\)"),
    (["x", "x"], np.zeros((2, 5)), ValueError, "duplicate key 'x' at positions 0 and 1"),
    (["king", 0], np.zeros((2, 5)), ValueError, "same row"),
    (["x", 3.5], np.zeros((2, 5)), TypeError, r"keys\[1\] is float"),
    ([99], np.zeros((1, 5)), KeyError, "row index"),
    (["x"], np.array([["a"] * 5]), TypeError, "real numeric"),
])
def test_bad_add_vectors_changes_nothing(royal, keys, weights, exc, match):
    before = royal.vectors.copy()
    with pytest.raises(exc, match=match):
        royal.add_vectors(keys, weights, replace=True)
    assert royal.index_to_key == ROYAL_KEYS and len(royal.key_to_index) == len(ROYAL_KEYS)
    np.testing.assert_array_equal(royal.vectors, before)


def test_setitem_adds_or_replaces_and_refreshes_queries(royal):
    assert royal.most_similar("king", topn=1)[0][0] == "prince"
    royal["knight"] = ROYAL_VECTORS[0] * 2  # new key: same direction as king
    assert royal.index_to_key[-1] == "knight"
    (nearest, sim), = royal.most_similar("king", topn=1)
    assert nearest == "knight" and sim == pytest.approx(1.0, abs=1e-6)
    royal["knight"] = -ROYAL_VECTORS[0]  # replaced in place
    assert royal.most_similar("king", topn=None)[-1] == pytest.approx(-1.0, abs=1e-6)
    royal[["apple", "car"]] = np.array([ROYAL_VECTORS[7], ROYAL_VECTORS[5]])
    assert royal.most_similar("banana", topn=1)[0][0] == "car"
    royal[0] = np.zeros(5)  # an int key is row 0, as gensim's wv[0]
    np.testing.assert_array_equal(royal["king"], np.zeros(5))
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        royal["bad"] = np.zeros(4)


def test_every_mutation_invalidates_the_unit_vectors():
    mutations = [
        lambda wv: wv.__setitem__("w0", -wv["w0"]),
        lambda wv: wv.add_vectors(["w0"], -wv[["w0"]], replace=True),
        lambda wv: wv.add_vectors(["new"], np.ones((1, wv.vector_size))),
        lambda wv: setattr(wv, "vectors", wv.vectors * np.arange(1, len(wv) + 1)[:, None]),
        lambda wv: wv.unit_normalize_all(),
    ]
    for mutate in mutations:
        wv = random_kv(n_keys=10, dim=4, seed=4)
        wv.most_similar("w1")  # fills the cache
        mutate(wv)
        fresh = unit_rows(wv.vectors.astype(np.float64))
        np.testing.assert_allclose(wv.get_normed_vectors(), fresh, atol=1e-6)
        np.testing.assert_allclose(wv.most_similar("w1", topn=None), fresh @ fresh[1], atol=1e-6)


def test_models_contract_is_cheap():
    weights = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    wv = KeyedVectors(list("abcde"), weights)
    assert wv.vectors is weights
    normed = wv.get_normed_vectors()
    weights *= 2  # training changed the rows in place ...
    wv.vectors = weights  # ... and the model says so: no copy, cache dropped
    assert wv.vectors is weights and wv.get_normed_vectors() is not normed
    wv.add_vectors(["f", "g"], np.ones((2, 3)))  # a vocabulary update
    grown = wv.vectors
    assert grown.dtype == np.float32 and grown.flags.c_contiguous and grown.shape == (7, 3)
    np.testing.assert_array_equal(grown[:5], weights)
    wv.vectors = grown  # the model adopts it as its weight matrix
    assert wv.vectors is grown


def test_unit_normalize_all_in_place_like_gensim():
    vectors = np.array([[3.0, 4.0], [0.0, 0.0], [0.0, -2.0]], dtype=np.float32)
    wv = KeyedVectors(["a", "zero", "b"], vectors)
    wv.unit_normalize_all()
    assert wv.vectors is vectors  # the model's array, changed in place
    np.testing.assert_allclose(vectors, [[0.6, 0.8], [0.0, 0.0], [0.0, -1.0]], rtol=1e-7)
    ours = random_kv(seed=8)
    g = gensim_kv(ours.index_to_key, ours.vectors)
    g.unit_normalize_all()
    ours.unit_normalize_all()
    np.testing.assert_allclose(ours.vectors, g.vectors, atol=1e-7)


def test_vecattrs_count_and_others(tmp_path):
    wv = random_kv(n_keys=4, dim=3)
    with pytest.raises(KeyError, match="no vector attribute 'count'"):
        wv.get_vecattr("w0", "count")
    wv.set_vecattr("w1", "count", 7)  # creates the attribute, 0 for the other keys (gensim)
    assert wv.counts.dtype == np.int64 and wv.counts.tolist() == [0, 7, 0, 0]
    assert wv.get_vecattr("w1", "count") == 7 and wv.get_vecattr(1, "count") == 7
    wv.set_vecattr("w2", "score", 0.25)
    assert wv.get_vecattr("w2", "score") == 0.25 and wv.expandos["score"].dtype == np.float64
    with pytest.raises(TypeError, match="cannot store"):
        wv.set_vecattr("w0", "count", 1.5)
    with pytest.raises(TypeError, match="must be numbers"):
        wv.set_vecattr("w0", "tag", "noun")
    with pytest.raises(KeyError, match="'nope' not in vocabulary"):
        wv.set_vecattr("nope", "count", 1)
    path = tmp_path / "wv.kv"
    wv.save(path)  # every attribute is saved
    back = KeyedVectors.load(path)
    assert back.counts.tolist() == [0, 7, 0, 0] and back.get_vecattr("w2", "score") == 0.25
    g = gensim_kv(wv.index_to_key, wv.vectors)
    g.set_vecattr("w1", "count", 7)
    assert g.get_vecattr("w1", "count") == wv.get_vecattr("w1", "count")


# ---------------------------------------------------------------------- gensim 4 API: queries
def test_integer_keys_are_row_indices_as_in_gensim():
    wv = random_kv(n_keys=30, dim=6, seed=12)
    g = gensim_kv(wv.index_to_key, wv.vectors)
    np.testing.assert_array_equal(wv[0], wv["w0"])
    np.testing.assert_array_equal(wv.get_vector(np.int64(3), norm=True), wv.get_vector("w3", norm=True))
    np.testing.assert_array_equal(wv[[0, "w1"]], wv[["w0", "w1"]])
    assert 0 in wv and 29 in wv and 30 not in wv and -1 not in wv and True not in wv
    assert wv.most_similar(0, topn=5) == wv.most_similar("w0", topn=5)
    assert [k for k, _ in wv.most_similar(0, topn=5)] == [k for k, _ in g.most_similar(0, topn=5)]
    assert wv.similarity(0, "w5") == wv.similarity("w0", "w5")
    with pytest.raises(KeyError, match=r"word 30 not in vocabulary \(an int key is a row index"):
        wv[30]


def test_distance_of_a_key_to_itself_is_exactly_zero():
    wv = random_kv(n_keys=200, dim=50, seed=13)
    # float32 rounding made some of these 1 - 6e-8 before
    assert all(wv.distance(k, k) == 0.0 and wv.similarity(k, k) == 1.0 for k in wv.index_to_key)
    dists = wv.distances("w7")
    assert dists[7] == 0.0 and np.all(dists >= 0) and np.all(dists <= 2)
    zero = KeyedVectors(["z", "a"], np.array([[0.0, 0.0], [1.0, 0.0]]))
    assert zero.similarity("z", "z") == 0.0  # a zero vector is similar to nothing


def test_neighbourhood_queries_match_gensim():
    wv = random_kv(n_keys=40, dim=6, seed=14)
    g = gensim_kv(wv.index_to_key, wv.vectors)
    for a, b in [("w0", "w5"), ("w3", "w39"), ("w10", "w11")]:
        assert wv.closer_than(a, b) == g.closer_than(a, b)
        assert wv.words_closer_than(a, b) == g.closer_than(a, b)
        assert wv.rank(a, b) == g.rank(a, b)
        assert wv.relative_cosine_similarity(a, b) == pytest.approx(g.relative_cosine_similarity(a, b),
                                                                    abs=1e-6)
        assert wv.relative_cosine_similarity(a, b, topn=3) == pytest.approx(
            g.relative_cosine_similarity(a, b, topn=3), abs=1e-6)
    assert wv.rank("w4", wv.most_similar("w4", topn=1)[0][0]) == 1
    candidates = ["w1", "w2", "w3", "w4", "w5"]
    assert wv.most_similar_to_given("w0", candidates) == g.most_similar_to_given("w0", candidates)
    np.testing.assert_allclose(wv.distances("w0"), g.distances("w0"), atol=1e-6)
    np.testing.assert_allclose(wv.distances(wv["w2"], ["w1", "w3"]), g.distances(wv["w2"], ["w1", "w3"]),
                               atol=1e-6)
    np.testing.assert_allclose(KeyedVectors.cosine_similarities(wv["w1"], wv.vectors),
                               g.cosine_similarities(wv["w1"], wv.vectors), atol=1e-6)
    assert wv.n_similarity(["w1", "w2"], ["w3"]) == pytest.approx(g.n_similarity(["w1", "w2"], ["w3"]),
                                                                  abs=1e-6)
    assert wv.doesnt_match(candidates) == g.doesnt_match(candidates)
    with pytest.raises(ValueError, match="non-empty"):
        wv.most_similar_to_given("w0", [])


@pytest.mark.parametrize("kwargs", [
    {}, {"pre_normalize": False}, {"post_normalize": True}, {"weights": [2.0, -1.0, 0.5, 1.0]},
    {"pre_normalize": False, "post_normalize": True, "weights": np.array([1.0, 1.0, 3.0, 1.0])},
])
def test_get_mean_vector_matches_gensim(kwargs):
    wv = random_kv(n_keys=20, dim=5, seed=15)
    g = gensim_kv(wv.index_to_key, wv.vectors)
    keys = ["w1", "w7", "unknown", 3]  # an unknown key is skipped; 3 is row 3
    np.testing.assert_allclose(wv.get_mean_vector(keys, **kwargs), g.get_mean_vector(keys, **kwargs),
                               atol=1e-6)
    vec_keys = ["w2", np.ones(5, dtype=np.float32)]  # a vector is used as given
    np.testing.assert_allclose(wv.get_mean_vector(vec_keys), g.get_mean_vector(vec_keys), atol=1e-6)


def test_get_mean_vector_errors():
    wv = random_kv(n_keys=5, dim=3)
    with pytest.raises(KeyError, match="'nope' not in vocabulary"):
        wv.get_mean_vector(["w1", "nope"], ignore_missing=False)
    with pytest.raises(ValueError, match="no input"):
        wv.get_mean_vector([])
    with pytest.raises(ValueError, match="same length"):
        wv.get_mean_vector(["w1", "w2"], weights=[1.0])
    assert np.array_equal(wv.get_mean_vector(["nope"]), np.zeros(3))  # all missing: zeros (gensim)


class SubwordVectors(KeyedVectors):
    """A FastText-like subclass: a key without a row gets the mean of its characters' rows."""

    def _vector_for_missing(self, key):
        rows = [self.key_to_index[c] for c in key if c in self.key_to_index]
        return self.vectors[rows].mean(axis=0) if rows else None

    def __contains__(self, key):
        return super().__contains__(key) or self._vector_for_missing(key) is not None


def test_vectors_for_all_and_the_inference_hook():
    wv = KeyedVectors(list("abc"), np.eye(3), counts=[5, 4, 3])
    out = wv.vectors_for_all(["c", "zz", "a", "c"], copy_vecattrs=True)
    assert type(out) is KeyedVectors and out.index_to_key == ["c", "a"]  # deduplicated, order kept
    np.testing.assert_array_equal(out.vectors, np.eye(3)[[2, 0]])
    assert out.counts.tolist() == [3, 5]
    assert wv.vectors_for_all(["a"]).counts is None
    with pytest.raises(TypeError, match="keys must be str"):
        wv.vectors_for_all([0])

    sub = SubwordVectors(list("abc"), np.eye(3), counts=[5, 4, 3])
    np.testing.assert_allclose(sub["ab"], [0.5, 0.5, 0.0])
    assert "ab" in sub and not sub.has_index_for("ab") and "xy" not in sub
    out = sub.vectors_for_all(["ab", "c", "xy"], copy_vecattrs=True)
    assert out.index_to_key == ["ab", "c"] and out.counts.tolist() == [0, 3]
    np.testing.assert_allclose(out.vectors, [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    assert sub.vectors_for_all(["ab", "c"], allow_inference=False).index_to_key == ["c"]
    # queries accept composed keys; such a key has no row, so nothing is excluded for it
    assert sub.most_similar("ab", topn=2)[0][1] == pytest.approx(np.sqrt(0.5))
    assert sub.similarity("ab", "a") == pytest.approx(np.sqrt(0.5))
    np.testing.assert_allclose(sub.get_mean_vector(["ab", "c"]), (np.array([1, 1, 0]) / np.sqrt(2)
                                                                   + [0, 0, 1]) / 2, rtol=1e-6)


def test_evaluate_word_pairs_results_have_scipy_attribute_names(tmp_path, royal):
    pytest.importorskip("scipy")
    pairs = [("king", "queen", 8.0), ("king", "prince", 9.0), ("man", "apple", 1.0),
             ("apple", "banana", 7.5)]
    pearson, spearman, _ = royal.evaluate_word_pairs(pairs)
    for result in (pearson, spearman):
        assert result.correlation == result.statistic == result[0]
        assert result.pvalue == result[1]
    assert royal.evaluate_word_pairs(pairs)[1].correlation == spearman.statistic


def test_extras_create_attributes_for_replaced_keys_too():
    wv = random_kv(n_keys=3, dim=2)
    wv.add_vectors(["w1"], np.ones((1, 2)), replace=True, extras={"score": [0.5]})
    assert wv.expandos["score"].tolist() == [0.0, 0.5, 0.0]
    wv.add_vectors(["new"], np.ones((1, 2)), extras={"count": [4]})
    assert wv.counts.tolist() == [0, 0, 0, 4] and wv.expandos["score"].tolist() == [0, 0.5, 0, 0]
    with pytest.raises(TypeError, match="counts must be integers"):
        wv.add_vectors(["w0"], np.ones((1, 2)), replace=True, extras={"count": np.array([1.5])})
    wv.set_vecattr("w0", "flag", 3)
    with pytest.raises(TypeError, match="'flag' is int64; cannot store float64"):
        wv.add_vectors(["w0"], np.ones((1, 2)), replace=True, extras={"flag": [0.5]})
