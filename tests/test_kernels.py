"""The numba kernels equal the plain NumPy reference, step for step."""
import numpy as np
import pytest

from embedlearn.kernels.sgd import (_copy_path, _merge_path, draw_noise, noise_buckets, sgd_step,
                                    train_examples_job, train_window_job)
from embedlearn.reference import sgd_step_reference
from embedlearn.vocab import HuffmanCodes, Vocabulary

MASK = (1 << 64) - 1


def _weights(V, N, seed=0, scale=0.3):
    rng = np.random.default_rng(seed)
    return (rng.normal(scale=scale, size=(V, N)).astype(np.float32),
            rng.normal(scale=scale, size=(V, N)).astype(np.float32),
            rng.normal(scale=scale, size=(max(V - 1, 1), N)).astype(np.float32))


def _vocab(V, seed=0):
    counts = np.sort(np.random.default_rng(seed).integers(1, 1000, V))[::-1]
    return Vocabulary([f"w{i}" for i in range(V)], counts)


def _kernel_step(W_in, W_ns, W_hs, tree, inputs, target, negatives, alpha, cbow_mean=True,
                 use_ns=True, use_hs=True, learn_inputs=True, learn_outputs=True):
    W_in, W_ns, W_hs = W_in.copy(), W_ns.copy(), W_hs.copy()
    N = W_in.shape[1]
    c0, c1 = (tree.offsets[target], tree.offsets[target + 1]) if use_hs else (0, 0)
    loss = sgd_step(W_in, np.asarray(inputs, np.int32), len(inputs), cbow_mean, target, W_ns,
                    np.asarray(negatives, np.int32), len(negatives) if use_ns else -1,
                    W_hs, tree.codes, tree.points, c0, c1, alpha,
                    np.empty(N, np.float32), np.empty(N, np.float32),
                    learn_inputs, learn_outputs, True)
    return W_in, W_ns, W_hs, loss


@pytest.mark.parametrize("inputs", [[3], [1, 4, 7, 7, 2]])
@pytest.mark.parametrize("cbow_mean", [True, False])
@pytest.mark.parametrize("use_ns, use_hs", [(True, False), (False, True), (True, True)])
@pytest.mark.parametrize("learn_inputs, learn_outputs", [(True, True), (True, False), (False, True)])
def test_sgd_step_equals_reference(inputs, cbow_mean, use_ns, use_hs, learn_inputs, learn_outputs):
    V, N = 12, 16
    W_in, W_ns, W_hs = _weights(V, N)
    tree = _vocab(V).huffman()
    target, negatives, alpha = 5, [0, 9, 9, 2], 0.05
    got = _kernel_step(W_in, W_ns, W_hs, tree, inputs, target, negatives, alpha, cbow_mean,
                       use_ns, use_hs, learn_inputs, learn_outputs)
    ref = sgd_step_reference(
        W_in, inputs, target, alpha, cbow_mean=cbow_mean,
        W_out_ns=W_ns if use_ns else None, negatives=negatives if use_ns else None,
        W_out_hs=W_hs if use_hs else None,
        code=tree.code(target) if use_hs else None, point=tree.point(target) if use_hs else None,
        learn_inputs=learn_inputs, learn_outputs=learn_outputs)
    np.testing.assert_allclose(got[0], ref.W_in, rtol=1e-5, atol=1e-6)
    if use_ns:
        np.testing.assert_allclose(got[1], ref.W_out_ns, rtol=1e-5, atol=1e-6)
    if use_hs:
        np.testing.assert_allclose(got[2], ref.W_out_hs, rtol=1e-5, atol=1e-6)
    assert got[3] == pytest.approx(ref.loss, rel=1e-5)
    # The step really moved something (the comparison is not between two no-ops).
    assert not np.array_equal(got[0] if learn_inputs else got[1 if use_ns else 2],
                              W_in if learn_inputs else (W_ns if use_ns else W_hs))


def test_saturated_terms_are_skipped():
    V, N = 4, 2
    W_in = np.array([[10, 0]] * V, np.float32)
    W_ns = np.array([[1, 0]] * V, np.float32)  # scores x = 10 >= 6: every term saturated
    W_hs = np.zeros((V - 1, N), np.float32)
    tree = _vocab(V).huffman()
    got = _kernel_step(W_in, W_ns, W_hs, tree, [0], 1, [2, 3], 0.1, use_hs=False)
    np.testing.assert_array_equal(got[0], W_in)
    np.testing.assert_array_equal(got[1], W_ns)
    assert got[3] == 0


# --- a whole job, replayed in plain Python with the same random stream ------------------------
class LCG:
    """word2vec.c's generator, as the kernels use it."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state * 25214903917 + 11) & MASK
        return self.state

    def uniform(self):
        return np.float32((self.next() >> 16) & 0xFFFFFFFF) * np.float32(2.0**-32)

    def noise(self, cdf):
        return int(np.searchsorted(cdf, (((self.next() >> 16) & 0xFFFFFFFF) * int(cdf[-1])) >> 32))


def replay_window_job(tokens, offsets, t0, t1, W_in, W_ns, W_hs, keep, cdf, tree, sg, cbow_mean,
                      window, shrink_windows, negative, use_hs, alpha0, alpha1, seed):
    """The job loop of ``train_window_job`` on tokens ``t0:t1``, with the NumPy reference step."""
    rng = LCG(seed)
    total = max(t1 - t0, 1)
    for s in range(len(offsets) - 1):
        start, end = max(offsets[s], t0), min(offsets[s + 1], t1)
        if end <= start:
            continue  # a piece: the part of sentence s inside the job's range
        alpha = alpha0 + (alpha1 - alpha0) * (start - t0) / total
        sent = [w for w in tokens[start:end] if not (keep[w] < 1.0 and keep[w] < rng.uniform())]
        for i, target in enumerate(sent):
            b = rng.next() % window if shrink_windows else 0
            ctx = [sent[j] for j in range(max(0, i - window + b), min(len(sent), i + window + 1 - b))
                   if j != i]
            groups = [[c] for c in ctx] if sg else ([ctx] if ctx else [])
            for inputs in groups:
                negs = [n for n in (rng.noise(cdf) for _ in range(negative)) if n != target]
                step = sgd_step_reference(
                    W_in, inputs, target, alpha, cbow_mean=cbow_mean,
                    W_out_ns=W_ns if negative else None, negatives=negs if negative else None,
                    W_out_hs=W_hs if use_hs else None,
                    code=tree.code(target) if use_hs else None,
                    point=tree.point(target) if use_hs else None, max_exp=6.0)
                W_in = step.W_in
                W_ns = step.W_out_ns if negative else W_ns
                W_hs = step.W_out_hs if use_hs else W_hs
    return W_in, W_ns, W_hs


def _window_corpus(V=15):
    rng = np.random.default_rng(1)
    sentences = [rng.integers(0, V, n) for n in (9, 1, 0, 14)]
    tokens = np.concatenate(sentences).astype(np.int32)
    offsets = np.concatenate(([0], np.cumsum([len(s) for s in sentences]))).astype(np.int64)
    vocab = Vocabulary([f"w{i}" for i in range(V)],
                       np.sort(np.bincount(tokens, minlength=V) + 1)[::-1])
    keep = np.where(np.arange(V) < 3, 0.5, 1.0).astype(np.float32)  # exercise subsampling
    return tokens, offsets, vocab, keep


# Token ranges: the whole corpus; one that cuts the first and the last sentence (and holds the
# one-token and the empty sentence); one inside a single sentence; an empty one.
@pytest.mark.parametrize("t0, t1", [(0, 24), (4, 20), (11, 19), (9, 9)])
@pytest.mark.parametrize("shrink_windows", [True, False])
@pytest.mark.parametrize("sg", [True, False])
@pytest.mark.parametrize("negative, use_hs", [(3, False), (0, True), (2, True)])
def test_window_job_equals_reference_replay(sg, negative, use_hs, shrink_windows, t0, t1):
    V, N = 15, 8
    tokens, offsets, vocab, keep = _window_corpus(V)
    assert offsets[-1] == 24
    cdf = vocab.noise_cdf(0.75)
    tree = vocab.huffman()
    W_in, W_ns, W_hs = _weights(V, N, seed=2, scale=0.1)
    ref = replay_window_job(tokens, offsets, t0, t1, W_in, W_ns, W_hs, keep, cdf, tree, sg, True,
                            3, shrink_windows, negative, use_hs, 0.05, 0.01, 12345)
    got = [W_in.copy(), W_ns.copy(), W_hs.copy()]
    loss, examples, effective = train_window_job(
        tokens, offsets, t0, t1, got[0], got[1], got[2], keep, cdf, tree.codes, tree.points,
        tree.offsets, sg, True, 3, shrink_windows, negative, use_hs, 0.05, 0.01, 12345, True)
    assert 0 <= effective <= t1 - t0
    if t1 > t0:
        assert examples > 0 and loss > 0
        assert not np.array_equal(got[0], W_in)  # the job trained something
    else:
        assert (loss, examples, effective) == (0, 0, 0)
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_window_jobs_split_a_long_sentence():
    """One sentence cut into token ranges: each job trains only on its own tokens."""
    V, N = 15, 8
    tokens, _, vocab, keep = _window_corpus(V)
    offsets = np.array([0, len(tokens)], np.int64)  # one 24-token sentence
    cdf, tree = vocab.noise_cdf(0.75), vocab.huffman()
    W_in, W_ns, W_hs = _weights(V, N, seed=3, scale=0.1)
    got = [W_in.copy(), W_ns.copy(), W_hs.copy()]
    ref = (W_in, W_ns, W_hs)
    effective = 0
    for job, (t0, t1) in enumerate([(0, 10), (10, 17), (17, 24)]):
        ref = replay_window_job(tokens, offsets, t0, t1, *ref, keep, cdf, tree, True, True, 3,
                                True, 2, False, 0.05, 0.01, 7 + job)
        effective += train_window_job(tokens, offsets, t0, t1, got[0], got[1], got[2], keep, cdf,
                                      tree.codes, tree.points, tree.offsets, True, True, 3, True,
                                      2, False, 0.05, 0.01, 7 + job, False)[2]
    assert 0 < effective <= len(tokens)
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_private_path_merge_keeps_other_threads_updates():
    """Skip-gram HS trains a center's path on a copy; merging it back stores the trained rows
    where nothing else wrote, and adds this center's change where another thread did."""
    rng = np.random.default_rng(0)
    W_hs = rng.normal(size=(6, 4)).astype(np.float32)
    points = np.array([5, 1, 3], np.int32)
    codes = np.array([1, 0, 1], np.uint8)
    rows, start = np.empty((3, 4), np.float32), np.empty((3, 4), np.float32)
    path_codes = np.empty(3, np.uint8)
    _copy_path(W_hs, points, codes, 1, 3, rows, start, path_codes)
    np.testing.assert_array_equal(rows[:2], W_hs[[1, 3]])
    np.testing.assert_array_equal(path_codes[:2], [0, 1])
    before = W_hs.copy()
    rows[:2] += 0.5  # this center's steps
    W_hs[3, 0] += 2.0  # another thread, meanwhile
    _merge_path(W_hs, points, 1, 3, rows, start)
    expected = before.copy()
    expected[[1, 3]] += 0.5
    expected[3, 0] += 2.0
    np.testing.assert_allclose(W_hs, expected, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(W_hs[1], rows[0])  # untouched by others: the trained bits
    np.testing.assert_array_equal(W_hs[[0, 2, 4, 5]], before[[0, 2, 4, 5]])


@pytest.mark.parametrize("t0, t1, window", [(-1, 5, 3), (0, 25, 3), (6, 5, 3), (0, 5, 0)])
def test_window_job_rejects_bad_range(t0, t1, window):
    V, N = 15, 8
    tokens, offsets, vocab, keep = _window_corpus(V)
    W_in, W_ns, W_hs = _weights(V, N)
    tree = vocab.huffman()
    with pytest.raises(ValueError, match="token range|window"):
        train_window_job(tokens, offsets, t0, t1, W_in, W_ns, W_hs, keep, vocab.noise_cdf(0.75),
                         tree.codes, tree.points, tree.offsets, True, True, window, True, 2,
                         False, 0.05, 0.01, 1, False)


# --- the noise sampler -----------------------------------------------------------------------
@pytest.mark.parametrize("bits", [0, 3, 12])
@pytest.mark.parametrize("exponent", [0.75, 0.0, 3.0])
def test_bucketed_noise_draws_equal_binary_search(bits, exponent):
    """draw_noise with any bucket index returns what bisect_left over the whole table does.

    Exponent 3 makes rare words' slices round to nothing (repeated table values)."""
    counts = np.sort(np.random.default_rng(5).zipf(1.3, 500).clip(1, 10**6))[::-1]
    vocab = Vocabulary([f"w{i}" for i in range(len(counts))], counts)
    cdf = vocab.noise_cdf(exponent)
    buckets = noise_buckets(cdf, bits)
    assert buckets.shape == (2**bits + 1,) and np.all(np.diff(buckets) >= 0)
    rng, ref = np.array([12345], np.uint64), LCG(12345)
    got = [draw_noise(cdf, buckets, 32 - bits, rng) for _ in range(3000)]
    assert got == [ref.noise(cdf) for _ in range(3000)]
    assert len(set(got)) > 10


# --- saturation: |x| >= MAX_EXP = 6 skips a term (gensim), pinned to 6, not to the constant ---
def _scores_at(x_ns, x_hs, V=8, N=4):
    """Weights where h = W_in[0] = e_0 scores x_ns[j] against W_ns[j] and x_hs[p] against
    W_hs[p] (their first coordinates)."""
    W_in = np.zeros((V, N), np.float32)
    W_in[0, 0] = 1.0
    W_ns = np.zeros((V, N), np.float32)
    W_ns[:len(x_ns), 0] = x_ns
    W_ns[:, 1] = 0.3
    W_hs = np.zeros((V - 1, N), np.float32)
    W_hs[:len(x_hs), 0] = x_hs
    W_hs[:, 2] = 0.3
    return W_in, W_ns, W_hs


@pytest.mark.parametrize("use_ns, use_hs", [(True, False), (False, True), (True, True)])
def test_scores_between_6_and_8_are_skipped(use_ns, use_hs):
    """Scores of +-7 are saturated for gensim's MAX_EXP = 6 (and would not be for 8); +-5.9 are
    not. The saturated rows stay as they are; the step equals the reference with max_exp=6."""
    x = np.array([7.0, -7.0, 5.9, -5.9, -6.5, 6.0, 0.5], np.float32)
    W_in, W_ns, W_hs = _scores_at(x, x)
    # Word 7 is the target: its path is nodes 0..6 (codes 0), its NS row scores 0, and the
    # negatives are rows 0..6.
    tree = HuffmanCodes(np.zeros(7, np.uint8), np.arange(7, dtype=np.int32),
                        np.array([0] * 8 + [7], np.int64))
    target, negatives = 7, [0, 1, 2, 3, 4, 5, 6]
    got = _kernel_step(W_in, W_ns, W_hs, tree, [0], target, negatives, 0.1, use_ns=use_ns,
                       use_hs=use_hs)
    ref = sgd_step_reference(
        W_in, [0], target, 0.1, W_out_ns=W_ns if use_ns else None,
        negatives=negatives if use_ns else None, W_out_hs=W_hs if use_hs else None,
        code=tree.code(target) if use_hs else None, point=tree.point(target) if use_hs else None,
        max_exp=6.0)
    saturated = np.abs(x) >= 6
    if use_ns:
        # Rows 0..6 score x; the unsaturated ones moved.
        np.testing.assert_array_equal(got[1][:7][saturated], W_ns[:7][saturated])
        assert not np.any(np.all(got[1][:7][~saturated] == W_ns[:7][~saturated], axis=1))
        np.testing.assert_allclose(got[1], ref.W_out_ns, rtol=1e-5, atol=1e-7)
    if use_hs:
        np.testing.assert_array_equal(got[2][:7][saturated], W_hs[:7][saturated])
        assert not np.any(np.all(got[2][:7][~saturated] == W_hs[:7][~saturated], axis=1))
        np.testing.assert_allclose(got[2], ref.W_out_hs, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got[0], ref.W_in, rtol=1e-5, atol=1e-7)
    assert got[3] == pytest.approx(ref.loss, rel=1e-5)


def test_examples_job_skips_scores_between_6_and_8():
    """A job on frozen outputs: h = e_0 scores 7 (saturated) against the target and 5.5 (not)
    against the HS node, so only the HS term moves the input row."""
    V, N = 4, 4
    W_in, W_ns, W_hs = _scores_at(np.array([7.0, 7.0, 7.0, 7.0]), np.array([5.5, 5.5, 5.5]), V, N)
    W_in[:] = W_in[0]
    tree = HuffmanCodes(np.zeros(1, np.uint8), np.zeros(1, np.int32),
                        np.array([0, 1, 1, 1, 1], np.int64))  # word 0's path: node 0, code 0
    cdf = np.array([1, 2, 3, 4], np.int64) * 2**20
    rows, offs = np.array([1], np.int32), np.array([0, 1], np.int64)
    targets = np.array([0], np.int32)
    got = W_in.copy()
    # One negative per example: every NS row scores 7, whichever is drawn.
    _, n = train_examples_job(rows, offs, targets, 0, 1, got, W_ns.copy(), W_hs.copy(), cdf,
                              tree.codes, tree.points, tree.offsets, True, 1, True, 0.1, 0.1, 3,
                              True, False, True)
    ref = sgd_step_reference(W_in, [1], 0, 0.1, W_out_ns=W_ns, negatives=[], W_out_hs=W_hs,
                             code=tree.code(0), point=tree.point(0), learn_outputs=False,
                             max_exp=6.0)
    assert n == 1
    np.testing.assert_allclose(got, ref.W_in, rtol=1e-6, atol=1e-7)
    # Only the HS term (label 1, x = 5.5) moved row 1: along W_hs[0].
    g = (1 - 1 / (1 + np.exp(-5.5))) * 0.1
    np.testing.assert_allclose(got[1] - W_in[1], g * W_hs[0], atol=3e-7)  # float32 of 1 + d


def test_examples_job_frozen_outputs():
    """With learn_outputs=False only the input rows move (Doc2Vec-style inference)."""
    V, N = 10, 4
    W_in, W_ns, W_hs = _weights(V, N)
    cdf = _vocab(V).noise_cdf(0.75)
    tree = _vocab(V).huffman()
    before_ns = W_ns.copy()
    before_in = W_in.copy()
    rows = np.array([1, 2, 3, 1], np.int32)
    offs = np.array([0, 1, 3, 4], np.int64)
    targets = np.array([4, 5, 6], np.int32)
    loss, n = train_examples_job(rows, offs, targets, 0, 3, W_in, W_ns, W_hs, cdf, tree.codes,
                                 tree.points, tree.offsets, True, 2, False, 0.05, 0.05, 7,
                                 True, False, True)
    assert n == 3 and loss > 0
    np.testing.assert_array_equal(W_ns, before_ns)
    assert not np.array_equal(W_in[[1, 2, 3]], before_in[[1, 2, 3]])
    np.testing.assert_array_equal(W_in[[0, 4, 5]], before_in[[0, 4, 5]])
