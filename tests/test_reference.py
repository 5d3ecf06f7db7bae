"""The NumPy reference: analytic gradients = finite differences; one SGD step as documented."""

import numpy as np
import pytest

from embedlearn.reference import (
    check_gradients,
    cbow_softmax_loss_and_grads,
    gradcheck,
    hs_loss_and_grads,
    hs_probability,
    log_sigmoid,
    ns_loss_and_grads,
    numerical_gradient,
    sgd_step_reference,
    sigmoid,
    skipgram_softmax_loss_and_grads,
    softmax,
    softmax_loss_and_grads,
)

TOL = 1e-6
V, N = 5, 4

# A binary tree over V=5 words, built by hand (inner nodes 0..3, root 0):
#          0
#       0/   \1
#       1     2
#     0/ \1  0/ \1
#     A   3  D   E
#       0/ \1
#       B   C
TREE = {
    0: ([0, 0], [0, 1]),  # A
    1: ([0, 1, 0], [0, 1, 3]),  # B
    2: ([0, 1, 1], [0, 1, 3]),  # C
    3: ([1, 0], [0, 2]),  # D
    4: ([1, 1], [0, 2]),  # E
}


def rand(seed, *shape, scale=0.5):
    return np.random.default_rng(seed).normal(scale=scale, size=shape)


def dense(rows, grad_rows, shape):
    G = np.zeros(shape)
    G[rows] = grad_rows
    return G


# ------------------------------------------------------------------ scalar helpers
def test_sigmoid_and_log_sigmoid_are_stable_and_exact():
    x = np.array([-800.0, -3.0, 0.0, 2.5, 800.0])
    s = sigmoid(x)
    assert np.all(np.isfinite(s)) and s[0] == 0.0 and s[-1] == 1.0
    np.testing.assert_allclose(s[1:4], 1 / (1 + np.exp(-x[1:4])), rtol=1e-15)
    np.testing.assert_allclose(log_sigmoid(x[1:4]), np.log(s[1:4]), rtol=1e-14)
    assert log_sigmoid(-800.0) == -800.0
    assert sigmoid(np.float32(1.0)).dtype == np.float32
    np.testing.assert_allclose(softmax(np.array([1000.0, 1000.0])), [0.5, 0.5])


# ------------------------------------------------------------------ full softmax
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_softmax_gradients(seed):
    h, W = rand(seed, N), rand(seed + 10, V, N)
    loss, gh, gW = softmax_loss_and_grads(h, W, 3)
    assert loss == pytest.approx(-np.log(softmax(W @ h)[3]), rel=1e-12)
    errs = check_gradients(lambda h, W: softmax_loss_and_grads(h, W, 3)[0], {"h": h, "W": W}, {"h": gh, "W": gW})
    assert max(errs.values()) < TOL, errs


def test_softmax_gradient_is_observed_minus_expected():
    h, W = rand(3, N), rand(4, V, N)
    _, gh, _ = softmax_loss_and_grads(h, W, 1)
    y = softmax(W @ h)
    np.testing.assert_allclose(-gh, W[1] - y @ W, atol=1e-14)


@pytest.mark.parametrize("seed", [0, 1])
def test_skipgram_softmax_gradients(seed):
    W_in, W_out = rand(seed, V, N), rand(seed + 20, V, N)
    ctx = [0, 3, 3, 4]  # a repeated context word is two terms
    loss, gi, go = skipgram_softmax_loss_and_grads(W_in, W_out, 2, ctx)
    assert loss == pytest.approx(sum(softmax_loss_and_grads(W_in[2], W_out, o)[0] for o in ctx))
    assert np.count_nonzero(np.abs(gi).sum(axis=1)) == 1  # only the center row
    f = lambda W_in, W_out: skipgram_softmax_loss_and_grads(W_in, W_out, 2, ctx)[0]  # noqa: E731
    errs = check_gradients(f, {"W_in": W_in, "W_out": W_out}, {"W_in": gi, "W_out": go})
    assert max(errs.values()) < TOL, errs


@pytest.mark.parametrize("mean", [True, False])
@pytest.mark.parametrize("seed", [0, 1])
def test_cbow_softmax_gradients(mean, seed):
    W_in, W_out = rand(seed, V, N), rand(seed + 30, V, N)
    ctx = [0, 1, 1, 4]
    loss, gi, go = cbow_softmax_loss_and_grads(W_in, W_out, ctx, 2, mean=mean)
    f = lambda W_in, W_out: cbow_softmax_loss_and_grads(W_in, W_out, ctx, 2, mean=mean)[0]  # noqa: E731
    errs = check_gradients(f, {"W_in": W_in, "W_out": W_out}, {"W_in": gi, "W_out": go})
    assert max(errs.values()) < TOL, errs
    # row 1 appears twice, so it collects twice the share of row 0
    np.testing.assert_allclose(gi[1], 2 * gi[0])


# ------------------------------------------------------------------ negative sampling
@pytest.mark.parametrize("negatives", [[1, 4, 0], [4, 4, 1], [2, 1, 1, 1], []])
def test_ns_gradients(negatives):
    h, W = rand(5, N, scale=1.0), rand(6, V, N)
    loss, gh, rows, gr = ns_loss_and_grads(h, W, 2, negatives)
    expected = -np.log(sigmoid(W[2] @ h)) - sum(np.log(sigmoid(-W[k] @ h)) for k in negatives)
    assert loss == pytest.approx(expected, rel=1e-12)
    assert list(rows) == sorted(set([2] + negatives))
    f = lambda h, W: ns_loss_and_grads(h, W, 2, negatives)[0]  # noqa: E731
    errs = check_gradients(f, {"h": h, "W": W}, {"h": gh, "W": dense(rows, gr, W.shape)})
    assert max(errs.values()) < TOL, errs


def test_ns_duplicate_negative_accumulates():
    h, W = rand(7, N), rand(8, V, N)
    _, _, rows1, g1 = ns_loss_and_grads(h, W, 2, [4])
    _, _, rows2, g2 = ns_loss_and_grads(h, W, 2, [4, 4])
    np.testing.assert_allclose(g2[list(rows2).index(4)], 2 * g1[list(rows1).index(4)])


# ------------------------------------------------------------------ hierarchical softmax
@pytest.mark.parametrize("word", sorted(TREE))
def test_hs_gradients(word):
    code, point = TREE[word]
    h, W = rand(9, N, scale=1.0), rand(10, V - 1, N)
    loss, gh, rows, gr = hs_loss_and_grads(h, W, code, point)
    assert loss == pytest.approx(-np.log(hs_probability(h, W, code, point)), rel=1e-12)
    f = lambda h, W: hs_loss_and_grads(h, W, code, point)[0]  # noqa: E731
    errs = check_gradients(f, {"h": h, "W": W}, {"h": gh, "W": dense(rows, gr, W.shape)})
    assert max(errs.values()) < TOL, errs


@pytest.mark.parametrize("seed", range(5))
def test_hs_probabilities_sum_to_one(seed):
    h, W = rand(seed, N, scale=2.0), rand(seed + 40, V - 1, N, scale=2.0)
    p = np.array([hs_probability(h, W, *TREE[w]) for w in TREE])
    assert np.all(p > 0)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)


def test_hs_code_zero_means_sigma_of_plus_score():
    h = np.array([1.0, 0, 0, 0])
    W = np.zeros((V - 1, N))
    W[0, 0] = 2.0
    assert hs_probability(h, W, [0], [0]) == pytest.approx(sigmoid(2.0))
    assert hs_probability(h, W, [1], [0]) == pytest.approx(sigmoid(-2.0))


# ------------------------------------------------------------------ the gradient check can fail
def test_gradcheck_detects_wrong_gradients():
    h, W = rand(11, N), rand(12, V, N)
    _, gh, gW = softmax_loss_and_grads(h, W, 0)
    f = lambda h: softmax_loss_and_grads(h, W, 0)[0]  # noqa: E731
    assert gradcheck(f, h, gh) < TOL
    assert gradcheck(f, h, -gh) == pytest.approx(1.0)  # wrong sign
    wrong = gh.copy()
    wrong[2] *= 1.001  # one entry off by 0.1%
    assert gradcheck(f, h, wrong) > 1e-4
    # word2vec.c's CBOW update (the whole EH per context row) is not the gradient of the mean
    W_in = rand(13, V, N)
    _, gi, _ = cbow_softmax_loss_and_grads(W_in, W, [0, 1, 3], 2, mean=True)
    g = lambda W_in: cbow_softmax_loss_and_grads(W_in, W, [0, 1, 3], 2)[0]  # noqa: E731
    assert gradcheck(g, W_in, gi) < TOL
    assert gradcheck(g, W_in, 3 * gi) > 0.1


def test_gradcheck_subset_order2_and_errors():
    x = rand(14, 50, 50)
    f = lambda x: float((x**3).sum())  # noqa: E731
    assert gradcheck(f, x, 3 * x**2, max_entries=40) < TOL
    assert gradcheck(f, x, 3 * x**2, eps=1e-5, order=2, max_entries=40) < 1e-4
    num = numerical_gradient(f, x, entries=np.array([0, 7]))
    assert np.count_nonzero(num) == 2
    with pytest.raises(ValueError, match="shape"):
        gradcheck(f, x, x[0])
    with pytest.raises(ValueError, match="order"):
        numerical_gradient(f, x, order=3)
    with pytest.raises(KeyError, match="unknown"):
        check_gradients(lambda x: f(x), {"x": x}, {"y": x})


# ------------------------------------------------------------------ one SGD step (code form)
def setup_step(seed=0, dtype=np.float64):
    W_in = rand(seed, V, N, scale=0.5).astype(dtype)
    Wns = rand(seed + 1, V, N, scale=0.5).astype(dtype)
    Whs = rand(seed + 2, V - 1, N, scale=0.5).astype(dtype)
    return W_in, Wns, Whs


def test_step_skipgram_ns_is_an_exact_gradient_step():
    W_in, Wns, _ = setup_step()
    alpha = 0.1
    # skip-gram, code form: context word 3 predicts center word 1
    res = sgd_step_reference(W_in, [3], 1, alpha, W_out_ns=Wns, negatives=[0, 4])
    loss, gh, rows, gr = ns_loss_and_grads(W_in[3], Wns, 1, [0, 4])
    assert res.loss == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(res.W_in[3], W_in[3] - alpha * gh, atol=1e-14)
    np.testing.assert_allclose(res.W_out_ns, Wns - alpha * dense(rows, gr, Wns.shape), atol=1e-14)
    np.testing.assert_allclose(res.work, -alpha * gh, atol=1e-14)
    assert res.W_out_hs is None
    untouched = [0, 1, 2, 4]
    np.testing.assert_array_equal(res.W_in[untouched], W_in[untouched])


def test_step_skipgram_hs_is_an_exact_gradient_step():
    W_in, _, Whs = setup_step(1)
    code, point = TREE[2]
    res = sgd_step_reference(W_in, [0], 2, 0.05, W_out_hs=Whs, code=code, point=point)
    loss, gh, rows, gr = hs_loss_and_grads(W_in[0], Whs, code, point)
    assert res.loss == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(res.W_in[0], W_in[0] - 0.05 * gh, atol=1e-14)
    np.testing.assert_allclose(res.W_out_hs, Whs - 0.05 * dense(rows, gr, Whs.shape), atol=1e-14)


@pytest.mark.parametrize("cbow_mean", [True, False])
def test_step_cbow_scaling_follows_gensim(cbow_mean):
    W_in, Wns, _ = setup_step(2)
    ctx, alpha = [0, 2, 3], 0.1
    res = sgd_step_reference(W_in, ctx, 1, alpha, W_out_ns=Wns, negatives=[4], cbow_mean=cbow_mean)
    h = W_in[ctx].mean(axis=0) if cbow_mean else W_in[ctx].sum(axis=0)
    np.testing.assert_allclose(res.h, h)
    _, gh, _, _ = ns_loss_and_grads(h, Wns, 1, [4])
    # cbow_mean=1: the whole -alpha*EH to each row; cbow_mean=0: -alpha*EH / C
    expected = -alpha * gh if cbow_mean else -alpha * gh / len(ctx)
    for r in ctx:
        np.testing.assert_allclose(res.W_in[r] - W_in[r], expected, atol=1e-14)


def test_step_repeated_input_row_gets_work_twice():
    W_in, Wns, _ = setup_step(3)
    res = sgd_step_reference(W_in, [0, 0, 2], 1, 0.1, W_out_ns=Wns, negatives=[3])
    np.testing.assert_allclose(res.W_in[0] - W_in[0], 2 * res.work, atol=1e-14)
    np.testing.assert_allclose(res.W_in[2] - W_in[2], res.work, atol=1e-14)


def test_step_hs_then_ns_share_h_and_work():
    W_in, Wns, Whs = setup_step(4)
    code, point = TREE[1]
    both = sgd_step_reference(W_in, [0, 3], 1, 0.1, W_out_ns=Wns, negatives=[2], W_out_hs=Whs, code=code, point=point)
    hs = sgd_step_reference(W_in, [0, 3], 1, 0.1, W_out_hs=Whs, code=code, point=point)
    ns = sgd_step_reference(W_in, [0, 3], 1, 0.1, W_out_ns=Wns, negatives=[2])
    np.testing.assert_allclose(both.work, hs.work + ns.work, atol=1e-14)
    np.testing.assert_allclose(both.W_out_hs, hs.W_out_hs)
    np.testing.assert_allclose(both.W_out_ns, ns.W_out_ns)
    assert both.loss == pytest.approx(hs.loss + ns.loss)


def test_step_duplicate_negative_is_sequential_and_target_negative_skipped():
    W_in, Wns, _ = setup_step(5)
    a = 0.5
    res = sgd_step_reference(W_in, [0], 1, a, W_out_ns=Wns, negatives=[3, 1, 3])
    # by hand: target 1, then negative 3 twice (negative 1 == target is skipped)
    h, u = W_in[0].copy(), Wns.copy()
    work = np.zeros(N)
    for j, t in [(1, 1.0), (3, 0.0), (3, 0.0)]:
        g = (t - sigmoid(u[j] @ h)) * a
        work += g * u[j]
        u[j] += g * h
    np.testing.assert_allclose(res.W_out_ns, u, atol=1e-14)
    np.testing.assert_allclose(res.W_in[0], W_in[0] + work, atol=1e-14)
    skipped = sgd_step_reference(W_in, [0], 1, a, W_out_ns=Wns, negatives=[3, 3])
    np.testing.assert_array_equal(skipped.W_out_ns, res.W_out_ns)


def test_step_saturated_terms_are_skipped():
    W_in = np.zeros((V, N))
    W_in[0, 0] = 1.0  # h = e_0, so x_j = W_out[j, 0]
    Wns = np.zeros((V, N))
    Wns[:, 1] = 0.3
    Wns[1, 0], Wns[2, 0], Wns[3, 0] = 6.0, -7.0, 5.9  # target saturated, negatives -7 and 5.9
    res = sgd_step_reference(W_in, [0], 1, 0.1, W_out_ns=Wns, negatives=[2, 3])
    np.testing.assert_array_equal(res.W_out_ns[[1, 2]], Wns[[1, 2]])  # |x| >= 6: untouched
    assert not np.array_equal(res.W_out_ns[3], Wns[3])  # |x| < 6: applied
    g = (0 - sigmoid(5.9)) * 0.1
    np.testing.assert_allclose(res.work, g * Wns[3], atol=1e-15)
    assert res.loss == pytest.approx(-np.log(sigmoid(-5.9)))
    # the HS rule is the same: a path whose every node saturates changes nothing
    Whs = np.zeros((V - 1, N))
    Whs[0, 0], Whs[2, 0] = -6.5, 8.0
    code, point = TREE[3]
    res = sgd_step_reference(W_in, [0], 3, 0.1, W_out_hs=Whs, code=code, point=point)
    np.testing.assert_array_equal(res.W_out_hs, Whs)
    np.testing.assert_array_equal(res.W_in, W_in)
    assert res.loss == 0.0


@pytest.mark.parametrize(
    "kw",
    [
        dict(inputs=[3], negatives=[0, 4]),
        dict(inputs=[0, 2, 4], negatives=[3, 0]),
        dict(inputs=[0, 2, 4], negatives=[3], cbow_mean=False),
        dict(inputs=[1], hs=2),
        dict(inputs=[0, 1, 4], hs=3, cbow_mean=False),
    ],
)
def test_step_reduces_loss_for_small_alpha(kw):
    W_in, Wns, Whs = setup_step(6)
    kw = dict(kw)
    inputs, cbow_mean = kw.pop("inputs"), kw.pop("cbow_mean", True)
    target = 1
    if "hs" in kw:
        target = kw.pop("hs")
        code, point = TREE[target]
        out = dict(W_out_hs=Whs, code=code, point=point)
    else:
        out = dict(W_out_ns=Wns, negatives=kw.pop("negatives"))

    def loss(W_in, res=None):
        h = W_in[inputs].sum(axis=0) / (len(inputs) if cbow_mean else 1)
        if "code" in out:
            return hs_loss_and_grads(h, Whs if res is None else res.W_out_hs, code, point)[0]
        return ns_loss_and_grads(h, Wns if res is None else res.W_out_ns, target, out["negatives"])[0]

    res = sgd_step_reference(W_in, inputs, target, 1e-3, cbow_mean=cbow_mean, **out)
    assert res.loss == pytest.approx(loss(W_in))
    assert loss(res.W_in, res) < loss(W_in)


def test_step_frozen_rows_and_dtype_and_no_mutation():
    W_in, Wns, _ = setup_step(7, np.float32)
    W_in0, Wns0 = W_in.copy(), Wns.copy()
    full = sgd_step_reference(W_in, [0, 2], 1, 0.1, W_out_ns=Wns, negatives=[3])
    assert full.W_in.dtype == np.float32 and full.W_out_ns.dtype == np.float32 and full.work.dtype == np.float32
    np.testing.assert_array_equal(W_in, W_in0)
    np.testing.assert_array_equal(Wns, Wns0)
    frozen_out = sgd_step_reference(W_in, [0, 2], 1, 0.1, W_out_ns=Wns, negatives=[3], learn_outputs=False)
    np.testing.assert_array_equal(frozen_out.W_out_ns, Wns)
    np.testing.assert_array_equal(frozen_out.W_in, full.W_in)  # work is accumulated either way
    frozen_in = sgd_step_reference(W_in, [0, 2], 1, 0.1, W_out_ns=Wns, negatives=[3], learn_inputs=False)
    np.testing.assert_array_equal(frozen_in.W_in, W_in)
    np.testing.assert_array_equal(frozen_in.W_out_ns, full.W_out_ns)
    # Doc2Vec inference: learn the first input row (the document) only
    doc_only = sgd_step_reference(W_in, [0, 2], 1, 0.1, W_out_ns=Wns, negatives=[3], learn_inputs=[True, False])
    np.testing.assert_array_equal(doc_only.W_in[0], full.W_in[0])
    np.testing.assert_array_equal(doc_only.W_in[2], W_in[2])


def test_step_bad_input_raises():
    W_in, Wns, Whs = setup_step(8)
    with pytest.raises(ValueError, match="W_out_hs"):
        sgd_step_reference(W_in, [0], 1, 0.1)
    with pytest.raises(ValueError, match="inputs"):
        sgd_step_reference(W_in, [0, 9], 1, 0.1, W_out_ns=Wns, negatives=[2])
    with pytest.raises(ValueError, match="inputs"):
        sgd_step_reference(W_in, [], 1, 0.1, W_out_ns=Wns, negatives=[2])
    with pytest.raises(ValueError, match="same length"):
        sgd_step_reference(W_in, [0], 1, 0.1, W_out_hs=Whs, code=[0, 1], point=[0])
    with pytest.raises(ValueError, match="code and point"):
        sgd_step_reference(W_in, [0], 1, 0.1, W_out_hs=Whs, code=[0, 1])
    with pytest.raises(ValueError, match="learn_inputs"):
        sgd_step_reference(W_in, [0, 1], 2, 0.1, W_out_ns=Wns, learn_inputs=[True])
    with pytest.raises(TypeError, match="floating"):
        sgd_step_reference(W_in.astype(int), [0], 1, 0.1, W_out_ns=Wns)
    with pytest.raises(ValueError, match="target"):
        ns_loss_and_grads(W_in[0], Wns, 7, [1])
    with pytest.raises(ValueError, match="0/1"):
        hs_probability(W_in[0], Whs, [0, 2], [0, 1])
    with pytest.raises(ValueError, match="shape"):
        softmax_loss_and_grads(W_in[0, :3], Wns, 1)
