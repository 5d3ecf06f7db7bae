"""Vocabulary, corpus encoding, subsampling, noise table and Huffman tree."""
import numpy as np
import pytest

from embedlearn.corpus import Corpus, encode, scan
from embedlearn.kernels.sgd import NOISE_BUCKET_BITS, draw_noise, noise_buckets
from embedlearn.vocab import Vocabulary

TINY = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat"], [], ["a", "cat"]]


def test_scan_counts_and_first_seen_ids():
    result = scan(TINY)
    assert result.keys == ["the", "cat", "sat", "on", "mat", "dog", "a"]
    assert result.counts.tolist() == [3, 2, 2, 1, 1, 1, 1]
    assert result.corpus.offsets.tolist() == [0, 6, 9, 9, 11]
    assert result.corpus.tokens.dtype == np.int32


def test_scan_reads_a_generator_once():
    reads = []

    def gen():
        for s in TINY:
            reads.append(1)
            yield s

    scan(gen())
    assert len(reads) == len(TINY)


@pytest.mark.parametrize("max_vocab_size", [None, 40])
def test_scan_buffer_growth_keeps_every_id_and_count(monkeypatch, max_vocab_size):
    # Tiny staging and buffer sizes make the ids move to the buffer and the buffer grow many
    # times (the real sizes are 2**18 and 2**23 tokens); the result must equal a plain count.
    import embedlearn.corpus as corpus_module

    monkeypatch.setattr(corpus_module, "_BUFFER_START", 5)
    monkeypatch.setattr(corpus_module, "_STAGE", 7)
    original = corpus_module._Spill.__init__
    rng = np.random.default_rng(3)
    sentences = [[f"w{i}" for i in rng.zipf(1.5, size=rng.integers(0, 30)) % 300]
                 for _ in range(200)]
    result = scan(sentences, max_vocab_size=max_vocab_size)
    assert result.corpus.tokens.dtype == np.int32
    assert len(result.corpus.tokens) == sum(map(len, sentences))
    assert result.corpus.offsets.tolist() == np.cumsum([0] + [len(s) for s in sentences]).tolist()
    if max_vocab_size is None:
        words = [result.keys[i] for i in result.corpus.tokens]
        assert words == [w for s in sentences for w in s]
        from collections import Counter
        assert dict(zip(result.keys, result.counts.tolist())) == Counter(words)
    else:  # as the unbuffered scan: pruning forgets words, counts stay those of the survivors
        monkeypatch.setattr(corpus_module, "_BUFFER_START", 1 << 20)
        monkeypatch.setattr(corpus_module._Spill, "__init__",
                            lambda self, directory: original(self, directory, flush_at=1 << 30))
        plain = scan(sentences, max_vocab_size=max_vocab_size)
        assert result.keys == plain.keys and result.pruned == plain.pruned
        assert np.array_equal(result.counts, plain.counts)
        assert np.array_equal(result.corpus.tokens, plain.corpus.tokens)


def test_vocabulary_sorted_by_count_ties_as_gensim():
    # gensim 4.4 sorts by (count descending, first-seen index descending): last seen first.
    vocab = Vocabulary.build(TINY, min_count=1)
    assert vocab.index_to_key == ["the", "sat", "cat", "a", "dog", "mat", "on"]
    assert vocab.total_words == 11
    vocab2 = Vocabulary.build(TINY, min_count=2)
    assert vocab2.index_to_key == ["the", "sat", "cat"]
    # max_final_vocab raises min_count past the tie at the cut, as gensim: 2 requested, 1 kept.
    vocab3 = Vocabulary.build(TINY, min_count=1, max_final_vocab=2)
    assert vocab3.index_to_key == ["the"]
    assert Vocabulary.build(TINY, min_count=0).index_to_key == vocab.index_to_key


@pytest.mark.parametrize("seed", range(20))
def test_vocabulary_order_equals_gensims(seed):
    from gensim.models import Word2Vec as GensimWord2Vec

    rng = np.random.default_rng(seed)
    text = [[f"w{int(x)}" for x in rng.zipf(1.3, int(rng.integers(1, 40))) % 60]
            for _ in range(int(rng.integers(5, 60)))]
    for kwargs in ({"min_count": 1}, {"min_count": 2}, {"min_count": 1, "max_final_vocab": 7}):
        g = GensimWord2Vec(vector_size=4, **kwargs)
        g.build_vocab(text)
        ours = Vocabulary.build(text, **kwargs)
        assert ours.index_to_key == g.wv.index_to_key, kwargs


def test_encode_drops_unknown_words_and_keeps_sentences():
    vocab = Vocabulary.build(TINY, min_count=2)
    corpus = encode(TINY, vocab)
    assert vocab.index_to_key == ["the", "sat", "cat"]
    assert corpus.tokens.tolist() == [0, 2, 1, 0, 0, 1, 2]
    assert corpus.offsets.tolist() == [0, 4, 6, 6, 7]
    assert [vocab.index_to_key[t] for t in corpus.sentence(1)] == ["the", "sat"]



@pytest.mark.parametrize("inplace", [False, True])
def test_remap_in_chunks_equals_per_sentence_filtering(monkeypatch, inplace):
    # A chunk of 3 tokens makes sentences straddle chunks, start and end on chunk edges, and
    # chunks that drop everything; the result must equal filtering each sentence by hand.
    import embedlearn.corpus as corpus_module

    monkeypatch.setattr(corpus_module, "_CHUNK", 3)
    rng = np.random.default_rng(0)
    for _ in range(300):
        n, V = int(rng.integers(0, 30)), int(rng.integers(1, 6))
        tokens = rng.integers(0, V, n).astype(np.int32)
        offsets = np.r_[0, np.sort(rng.integers(0, n + 1, rng.integers(0, 6))), n]
        mapping = rng.integers(-1, 4, V)
        expected = [[mapping[t] for t in tokens[a:b] if mapping[t] >= 0]
                    for a, b in zip(offsets[:-1], offsets[1:])]
        original = Corpus(tokens.copy(), offsets.copy())
        remapped = original.remap(mapping, inplace=inplace)
        assert [list(remapped.sentence(s)) for s in range(remapped.n_sentences)] == expected
        assert remapped.tokens.dtype == np.int32 and remapped.offsets.dtype == np.int64
        if not inplace:  # the original is left as it was
            assert np.array_equal(original.tokens, tokens)
            assert np.array_equal(original.offsets, offsets)


def test_scan_counts_in_chunks(monkeypatch):
    import embedlearn.corpus as corpus_module

    monkeypatch.setattr(corpus_module, "_CHUNK", 4)
    sentences = [["a", "b", "a"], [], ["c", "a", "b", "b", "d", "a"], ["d"]]
    result = scan(sentences)
    assert result.keys == ["a", "b", "c", "d"]
    assert result.counts.tolist() == [4, 3, 1, 2]

@pytest.mark.parametrize("bad, error, match", [
    ([], ValueError, "empty"),
    ([[], []], ValueError, "empty"),
    ("the cat sat", TypeError, "not a single string"),
    (["the cat", "sat"], TypeError, "list of str"),
    ([["the", 3]], TypeError, "must be str"),
    (None, ValueError, "None"),
])
def test_bad_corpus(bad, error, match):
    with pytest.raises(error, match=match):
        scan(bad)


def test_min_count_emptying_vocabulary_is_an_error():
    with pytest.raises(ValueError, match="min_count=5"):
        Vocabulary.build(TINY, min_count=5)
    with pytest.raises(ValueError, match="min_count"):
        Vocabulary.build(TINY, min_count=-1)
    with pytest.raises(RuntimeError, match="min_count"):  # gensim users catch RuntimeError
        Vocabulary.build(TINY, min_count=5)


def test_corpus_checks_offsets():
    with pytest.raises(ValueError):
        Corpus(np.arange(3), np.array([0, 2]))


def test_keep_probability_code_form():
    vocab = Vocabulary(["a", "b", "c"], [1000, 100, 1])
    t = 1e-2
    T = 1101
    expected = [min(1.0, (np.sqrt(c / (t * T)) + 1) * (t * T) / c) for c in (1000, 100, 1)]
    np.testing.assert_allclose(vocab.keep_probabilities(t), expected, rtol=1e-6)
    assert np.all(vocab.keep_probabilities(0) == 1)
    with pytest.raises(ValueError):
        vocab.keep_probabilities(-1)


def test_noise_sampler_matches_unigram_power():
    """Distributional test: the sampled histogram follows count**0.75 (chi-square-like bound)."""
    counts = np.array([500, 200, 100, 50, 20, 10, 5, 1], dtype=np.int64)
    vocab = Vocabulary([str(i) for i in range(len(counts))], counts)
    cdf = vocab.noise_cdf(0.75)
    rng = np.array([12345], dtype=np.uint64)
    n = 200_000
    buckets, shift = noise_buckets(cdf), 32 - NOISE_BUCKET_BITS
    draws = np.array([draw_noise(cdf, buckets, shift, rng) for _ in range(n)])
    p = counts ** 0.75 / (counts ** 0.75).sum()
    freq = np.bincount(draws, minlength=len(counts)) / n
    # 5 standard errors of a binomial proportion for each word.
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / n))
    assert cdf[-1] == 2**31 - 1


def _random_counts(V, seed=0):
    rng = np.random.default_rng(seed)
    return np.sort(rng.zipf(1.3, V).clip(1, 10**6))[::-1].astype(np.int64)


@pytest.mark.parametrize("V", [2, 3, 10, 257, 5000])
def test_huffman_prefix_free_and_near_entropy(V):
    counts = _random_counts(V)
    vocab = Vocabulary([f"w{i}" for i in range(V)], counts)
    tree = vocab.huffman()
    codes = ["".join(map(str, tree.code(w))) for w in range(V)]
    assert all(len(c) >= 1 for c in codes)
    ordered = sorted(codes)
    # Prefix-free: in sorted order a prefix would sit right before a word it prefixes.
    assert all(not b.startswith(a) for a, b in zip(ordered, ordered[1:]))
    assert len(set(codes)) == V
    p = counts / counts.sum()
    entropy = -(p * np.log2(p)).sum()
    expected_length = (p * np.diff(tree.offsets)).sum()
    assert entropy <= expected_length < entropy + 1
    # Inner nodes are numbered 0..V-2, the root (V-2) first on every path.
    assert tree.points.min() >= 0 and tree.points.max() == V - 2
    assert np.all(tree.points[tree.offsets[:-1]] == V - 2)


@pytest.fixture(scope="module")
def text8_counts():
    from embedlearn.datasets import DataNotFoundError, load_text8

    try:
        sentences = load_text8(max_tokens=2_139_748)
    except DataNotFoundError:
        pytest.skip("text8 not available (set EMBEDLEARN_DATA)")
    return Vocabulary.build(sentences, min_count=5).counts


def _gensim_tree(counts):
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    from gensim.models.word2vec import _assign_binary_codes

    kv = gensim_kv.KeyedVectors(2, count=len(counts))
    for i, c in enumerate(counts):
        kv.set_vecattr(i, "count", int(c))
    _assign_binary_codes(kv)
    return ([list(kv.get_vecattr(w, "code")) for w in range(len(counts))],
            [list(kv.get_vecattr(w, "point")) for w in range(len(counts))])


@pytest.mark.parametrize("seed", range(5))
def test_huffman_tree_equals_gensims_including_ties(seed):
    # Many equal counts: which equal node is merged first decides the tree; ours must be gensim's.
    rng = np.random.default_rng(seed)
    for _ in range(40):
        V = int(rng.integers(2, 80))
        counts = np.sort(rng.integers(1, 6, V))[::-1].astype(np.int64)
        tree = Vocabulary([f"w{i}" for i in range(V)], counts).huffman()
        codes, points = _gensim_tree(counts)
        assert [list(tree.code(w)) for w in range(V)] == codes
        assert [list(tree.point(w)) for w in range(V)] == points


def test_huffman_tree_equals_gensims_on_text8(text8_counts):
    tree = Vocabulary([f"w{i}" for i in range(len(text8_counts))], text8_counts).huffman()
    codes, points = _gensim_tree(text8_counts)
    assert [list(tree.code(w)) for w in range(len(text8_counts))] == codes
    assert [list(tree.point(w)) for w in range(len(text8_counts))] == points


def test_huffman_leaf_probabilities_sum_to_one():
    V, N = 300, 8
    vocab = Vocabulary([f"w{i}" for i in range(V)], _random_counts(V, 1))
    tree = vocab.huffman()
    rng = np.random.default_rng(0)
    W_hs = rng.normal(size=(V - 1, N))
    for _ in range(5):
        h = rng.normal(size=N)
        total = 0.0
        for w in range(V):
            x = W_hs[tree.point(w)] @ h
            sign = 1 - 2 * tree.code(w).astype(float)  # bit 0: sigma(x), bit 1: sigma(-x)
            total += np.prod(1 / (1 + np.exp(-sign * x)))
        assert abs(total - 1) < 1e-10


def test_huffman_after_update_keeps_ids():
    vocab = Vocabulary(["a", "b", "c"], [10, 5, 2])
    merged = vocab.merged(["d", "a"], [40, 1], min_count=1)
    assert merged.index_to_key == ["a", "b", "c", "d"]
    tree = merged.huffman()
    # "d" is now the most frequent word: it gets the shortest code.
    lengths = np.diff(tree.offsets)
    assert lengths[3] == lengths.min() == 1
