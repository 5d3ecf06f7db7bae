"""The numba kernels equal the plain NumPy reference, step for step."""
import numpy as np
import pytest

from embedlearn.kernels.sgd import sgd_step, train_examples_job, train_window_job
from embedlearn.reference import sgd_step_reference
from embedlearn.vocab import Vocabulary

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


def replay_window_job(tokens, offsets, W_in, W_ns, W_hs, keep, cdf, tree, sg, cbow_mean, window,
                      negative, use_hs, alpha0, alpha1, seed):
    """The job loop of ``train_window_job`` written with the NumPy reference step."""
    rng = LCG(seed)
    total = offsets[-1]
    for s in range(len(offsets) - 1):
        alpha = alpha0 + (alpha1 - alpha0) * offsets[s] / total
        sent = [w for w in tokens[offsets[s]:offsets[s + 1]]
                if not (keep[w] < 1.0 and keep[w] < rng.uniform())]
        for i, target in enumerate(sent):
            b = rng.next() % window
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
                    point=tree.point(target) if use_hs else None)
                W_in = step.W_in
                W_ns = step.W_out_ns if negative else W_ns
                W_hs = step.W_out_hs if use_hs else W_hs
    return W_in, W_ns, W_hs


@pytest.mark.parametrize("sg", [True, False])
@pytest.mark.parametrize("negative, use_hs", [(3, False), (0, True), (2, True)])
def test_window_job_equals_reference_replay(sg, negative, use_hs):
    V, N = 15, 8
    rng = np.random.default_rng(1)
    sentences = [rng.integers(0, V, n) for n in (9, 1, 0, 14)]
    tokens = np.concatenate(sentences).astype(np.int32)
    offsets = np.concatenate(([0], np.cumsum([len(s) for s in sentences]))).astype(np.int64)
    vocab = Vocabulary([f"w{i}" for i in range(V)],
                       np.sort(np.bincount(tokens, minlength=V) + 1)[::-1])
    keep = np.where(np.arange(V) < 3, 0.5, 1.0).astype(np.float32)  # exercise subsampling
    cdf = vocab.noise_cdf(0.75)
    tree = vocab.huffman()
    W_in, W_ns, W_hs = _weights(V, N, seed=2, scale=0.1)
    args = dict(sg=sg, cbow_mean=True, window=3, negative=negative, use_hs=use_hs,
                alpha0=0.05, alpha1=0.01, seed=12345)
    ref = replay_window_job(tokens, offsets, W_in, W_ns, W_hs, keep, cdf, tree, **args)
    got = [W_in.copy(), W_ns.copy(), W_hs.copy()]
    loss, examples, effective = train_window_job(
        tokens, offsets, 0, len(tokens), got[0], got[1], got[2], keep, cdf, tree.codes,
        tree.points, tree.offsets, sg, True, 3, True, negative, use_hs, 0.05, 0.01, 12345, True)
    assert examples > 0 and 0 < effective <= len(tokens)
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


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
