"""The set-context kernel (Item2Vec): gradient, step-for-step replay, pairs visited, the cap."""
import numpy as np
import pytest

from embedlearn.kernels.sets import pairs_per_set, train_sets_job
from embedlearn.reference import check_gradients, set_sgns_loss_and_grads, sgd_step_reference
from embedlearn.vocab import Vocabulary

MASK = (1 << 64) - 1
NO_VISITS = np.zeros((0, 0), np.int64)


class LCG:
    """word2vec.c's generator, drawn from exactly as the kernels draw."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state * 25214903917 + 11) & MASK
        return self.state

    def uniform(self):
        return np.float32((self.next() >> 16) & 0xFFFFFFFF) * np.float32(2.0**-32)

    def below(self, m):
        return (((self.next() >> 16) & 0xFFFFFFFF) * m) >> 32

    def noise(self, cdf):
        return int(np.searchsorted(cdf, (((self.next() >> 16) & 0xFFFFFFFF) * int(cdf[-1])) >> 32))


def _encode(sets):
    items = np.concatenate([np.asarray(s, np.int32) for s in sets] or [np.zeros(0, np.int32)])
    offsets = np.concatenate(([0], np.cumsum([len(s) for s in sets]))).astype(np.int64)
    return items.astype(np.int32), offsets


def _tables(V, items, exponent=0.75):
    counts = np.bincount(items, minlength=V) + 1
    order = np.argsort(-counts, kind="stable")
    # Vocabulary wants decreasing counts; the kernel only needs some valid table over V rows.
    vocab = Vocabulary([f"i{w}" for w in range(V)], counts[order])
    return vocab.noise_cdf(exponent)


def _weights(V, N, seed=0, scale=0.2):
    rng = np.random.default_rng(seed)
    return (rng.normal(scale=scale, size=(V, N)).astype(np.float32),
            rng.normal(scale=scale, size=(V, N)).astype(np.float32))


def _run(sets, V, N=8, keep=None, negative=3, max_context=0, seed=99, alpha=(0.05, 0.01),
         visits=None, exponent=0.75, weights_seed=3):
    items, offsets = _encode(sets)
    W_in, W_out = _weights(V, N, weights_seed)
    keep = np.ones(V, np.float32) if keep is None else keep
    out = train_sets_job(items, offsets, 0, len(sets), W_in, W_out, keep, _tables(V, items, exponent),
                         negative, max_context, alpha[0], alpha[1], seed, True,
                         NO_VISITS if visits is None else visits)
    return W_in, W_out, out


def replay_sets_job(sets, W_in, W_out, keep, cdf, negative, max_context, alpha0, alpha1, seed):
    """The loop of ``train_sets_job`` in plain Python, each step by ``sgd_step_reference``."""
    rng = LCG(seed)
    total = sum(len(s) for s in sets)
    done, examples, loss = 0, 0, 0.0
    for s in sets:
        alpha = alpha0 + (alpha1 - alpha0) * done / max(total, 1)
        done += len(s)
        kept = [w for w in s if not (keep[w] < 1.0 and keep[w] < rng.uniform())]
        n = len(kept)
        if n < 2:
            continue
        capped = 0 < max_context < n - 1
        pool = list(range(n))
        for i, target in enumerate(kept):
            if capped:
                a = pool.index(i)
                pool[a], pool[n - 1] = pool[n - 1], pool[a]
            for t in range(max_context if capped else n - 1):
                if capped:  # draw the next context position, then its negatives
                    r = t + rng.below(n - 1 - t)
                    pool[t], pool[r] = pool[r], pool[t]
                    j = pool[t]
                else:
                    j = t if t < i else t + 1
                negs = [w for w in (rng.noise(cdf) for _ in range(negative)) if w != target]
                step = sgd_step_reference(W_in, [kept[j]], target, alpha, W_out_ns=W_out,
                                          negatives=negs)
                W_in, W_out = step.W_in, step.W_out_ns
                loss += step.loss
                examples += 1
    return W_in, W_out, loss, examples


# --- the objective: analytic gradient = finite differences ----------------------------------
@pytest.mark.parametrize("M", [0, 2])
def test_set_objective_gradient_equals_finite_differences(M):
    rng = np.random.default_rng(0)
    V, N = 9, 5
    W_in, W_out = rng.normal(scale=0.5, size=(V, N)), rng.normal(scale=0.5, size=(V, N))
    items = [4, 0, 7, 2]
    negatives = rng.integers(0, V, size=(4, 4, M))
    if M:
        negatives[1, 0, 0] = 0  # a noise item equal to the pair's target: kept in paper form
    loss, g_in, g_out = set_sgns_loss_and_grads(W_in, W_out, items, negatives)
    assert loss > 0 and np.abs(g_in).max() > 0 and np.abs(g_out).max() > 0
    errs = check_gradients(lambda W_in, W_out: set_sgns_loss_and_grads(W_in, W_out, items, negatives)[0],
                           {"W_in": W_in, "W_out": W_out}, {"W_in": g_in, "W_out": g_out})
    assert max(errs.values()) < 1e-8, errs
    # Rows outside the set and its noise items get no gradient.
    untouched = sorted(set(range(V)) - set(items) - set(negatives.ravel().tolist()))
    assert np.all(g_out[untouched] == 0) and np.all(g_in[[1, 3, 5, 6, 8]] == 0)


def test_set_objective_is_the_mean_of_pair_terms():
    """With K = 2 the objective is half the two pairs' negative-sampling losses."""
    from embedlearn.reference import ns_loss_and_grads

    rng = np.random.default_rng(1)
    W_in, W_out = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    negatives = np.array([[[0, 0], [3, 4]], [[1, 2], [0, 0]]])
    loss, _, _ = set_sgns_loss_and_grads(W_in, W_out, [0, 1], negatives)
    expected = (ns_loss_and_grads(W_in[1], W_out, 0, [3, 4])[0]
                + ns_loss_and_grads(W_in[0], W_out, 1, [1, 2])[0]) / 2
    assert loss == pytest.approx(expected, rel=1e-12)


def test_set_objective_rejects_bad_input():
    W = np.zeros((4, 2))
    with pytest.raises(ValueError, match="at least 2 items"):
        set_sgns_loss_and_grads(W, W, [1], np.zeros((1, 1, 0), int))
    with pytest.raises(ValueError, match="shape"):
        set_sgns_loss_and_grads(W, W, [1, 2], np.zeros((2, 3, 1), int))
    with pytest.raises(ValueError, match="outside"):
        set_sgns_loss_and_grads(W, W, [1, 9], np.zeros((2, 2, 1), int))


# --- one job: kernel = plain-Python replay on the reference step -----------------------------
@pytest.mark.parametrize("max_context", [0, 2])
@pytest.mark.parametrize("subsample", [False, True])
def test_sets_job_equals_reference_replay(max_context, subsample):
    V, N = 14, 8
    rng = np.random.default_rng(5)
    sets = [rng.choice(V, n, replace=False).tolist() for n in (6, 1, 0, 2, 9, 3)]
    keep = (np.where(np.arange(V) < 4, 0.5, 1.0) if subsample else np.ones(V)).astype(np.float32)
    items, _ = _encode(sets)
    cdf = _tables(V, items)
    W_in, W_out = _weights(V, N, 3)
    ref = replay_sets_job(sets, W_in, W_out, keep, cdf, 3, max_context, 0.05, 0.01, 99)
    got_in, got_out, (loss, examples, effective) = _run(sets, V, N, keep, 3, max_context)
    assert examples == ref[3] > 0
    assert (effective == sum(len(s) for s in sets)) != subsample
    np.testing.assert_allclose(got_in, ref[0], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got_out, ref[1], rtol=1e-4, atol=1e-6)
    assert loss == pytest.approx(ref[2], rel=1e-4)
    assert not np.allclose(got_in, W_in)  # training moved the vectors


def test_sets_job_is_reproducible_and_seeded():
    sets = [list(range(10)), list(range(5, 15))]
    a = _run(sets, 15, max_context=3, seed=7)
    b = _run(sets, 15, max_context=3, seed=7)
    c = _run(sets, 15, max_context=3, seed=8)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[2] == b[2]
    assert not np.array_equal(a[0], c[0])


def test_negative_noise_exponent_trains():
    """ns_exponent < 0 (rare items drawn most, Caselles-Dupre et al. 2018) is a valid table."""
    sets = [[0, 1, 2, 3], [0, 1, 4], [0, 5, 6, 7, 8]]
    W_in, W_out, (loss, examples, _) = _run(sets, 9, exponent=-0.5)
    assert examples == 12 + 6 + 20 and np.isfinite(loss) and loss > 0
    assert np.all(np.isfinite(W_in)) and np.all(np.isfinite(W_out))


# --- which pairs are visited --------------------------------------------------------------------
def test_every_ordered_pair_once_per_epoch_without_cap():
    V = 30
    rng = np.random.default_rng(2)
    sets = [rng.choice(V, n, replace=False).tolist() for n in (2, 7, 1, 0, 12, 30)]
    visits = np.zeros((V, V), np.int64)
    _, _, (_, examples, effective) = _run(sets, V, visits=visits)
    expected = np.zeros((V, V), np.int64)
    for s in sets:
        for i in s:
            for j in s:
                if i != j:
                    expected[i, j] += 1
    np.testing.assert_array_equal(visits, expected)
    assert examples == sum(n * (n - 1) for n in map(len, sets)) == pairs_per_set(_encode(sets)[1], 0).sum()
    assert effective == sum(map(len, sets))


@pytest.mark.parametrize("c", [1, 3, 8])
def test_cap_gives_each_item_min_c_distinct_contexts(c):
    V = 25
    rng = np.random.default_rng(4)
    sets = [rng.choice(V, n, replace=False).tolist() for n in (2, 4, 9, 25)]
    for s in sets:  # one set at a time, so a row of visits is one item's contexts in one set
        visits = np.zeros((V, V), np.int64)
        _, _, (_, examples, _) = _run([s], V, max_context=c, visits=visits, seed=len(s))
        n = len(s)
        assert examples == n * min(c, n - 1) == pairs_per_set(_encode([s])[1], c)[0]
        assert visits.max() == 1 and np.all(np.diag(visits) == 0)  # distinct, never itself
        np.testing.assert_array_equal(visits.sum(axis=1)[s], min(c, n - 1))
        outside = np.setdiff1d(np.arange(V), s)
        assert visits[outside].sum() == 0 and visits[:, outside].sum() == 0


@pytest.mark.parametrize("jobs", ["one stream", "a job per epoch"])
def test_cap_draws_contexts_uniformly(jobs):
    """Over many epochs each pair of a set of n is drawn with frequency c / (n - 1)."""
    from embedlearn.training import job_seed

    n, c, epochs = 8, 3, 4000
    visits = np.zeros((n, n), np.int64)
    W_in, W_out = _weights(n, 4)
    keep = np.ones(n, np.float32)
    if jobs == "one stream":  # the set once per "epoch", all in one job
        items, offsets = _encode([list(range(n))] * epochs)
        train_sets_job(items, offsets, 0, epochs, W_in, W_out, keep, _tables(n, items), 1, c,
                       0.0, 0.0, 12345, False, visits)
    else:  # as a model runs it: one job per epoch, seeds from training.job_seed
        items, offsets = _encode([list(range(n))])
        cdf = _tables(n, items)
        for epoch in range(epochs):
            train_sets_job(items, offsets, 0, 1, W_in, W_out, keep, cdf, 1, c, 0.0, 0.0,
                           job_seed(1, epoch, 0), False, visits)
    freq = visits / epochs
    off = ~np.eye(n, dtype=bool)
    # Binomial sd of a frequency: sqrt(p (1 - p) / epochs) = 0.0077; 5 sd over 56 pairs.
    p = c / (n - 1)
    assert np.abs(freq[off] - p).max() < 5 * np.sqrt(p * (1 - p) / epochs)
    assert np.all(np.diag(visits) == 0)


def test_pairs_per_set():
    offsets = np.array([0, 0, 1, 3, 13], np.int64)  # sizes 0, 1, 2, 10
    np.testing.assert_array_equal(pairs_per_set(offsets, 0), [0, 0, 2, 90])
    np.testing.assert_array_equal(pairs_per_set(offsets, 4), [0, 0, 2, 40])
