"""Tests of the count-based baseline (embedlearn.ppmi) against plain-Python and dense formulas."""
import numpy as np
import pytest
import scipy.sparse as sp

from embedlearn.ppmi import cooccurrence_counts, ppmi, svd_vectors, truncated_svd

# Two sentences; the pair (4, 0) across the boundary must not be counted.
SENTENCES = [[0, 1, 2, 0, 3, 1, 4], [0, 2, 2, 1], [3], []]
V = 5


def _flat(sentences):
    tokens = np.array([t for s in sentences for t in s], dtype=np.int32)
    offsets = np.zeros(len(sentences) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(s) for s in sentences])
    return tokens, offsets


def _double_loop(sentences, vocab_size, window, harmonic=False):
    counts = np.zeros((vocab_size, vocab_size))
    for sentence in sentences:
        for i, w in enumerate(sentence):
            for j, c in enumerate(sentence):
                d = abs(i - j)
                if 1 <= d <= window:
                    counts[w, c] += 1.0 / d if harmonic else 1.0
    return counts


@pytest.mark.parametrize("window", [1, 2, 3, 10])
@pytest.mark.parametrize("weighting", ["uniform", "harmonic"])
def test_counts_equal_double_loop(window, weighting):
    tokens, offsets = _flat(SENTENCES)
    got = cooccurrence_counts(tokens, offsets, V, window=window, weighting=weighting)
    assert sp.issparse(got) and got.shape == (V, V) and got.dtype == np.float64
    expected = _double_loop(SENTENCES, V, window, harmonic=weighting == "harmonic")
    np.testing.assert_allclose(got.toarray(), expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(got.toarray(), got.toarray().T)


def test_sentence_boundary_is_respected():
    tokens, offsets = _flat([[0, 1], [2, 3]])
    got = cooccurrence_counts(tokens, offsets, 4, window=5).toarray()
    assert got[1, 2] == 0 and got[0, 3] == 0
    assert got[0, 1] == 1 and got[2, 3] == 1
    # The same tokens as one sentence do co-occur across the former boundary.
    joined = cooccurrence_counts(tokens, np.array([0, 4], dtype=np.int64), 4, window=5).toarray()
    assert joined[1, 2] == 1 and joined[0, 3] == 1


def test_counts_random_corpus_matches_loop():
    rng = np.random.default_rng(3)
    sentences = [list(rng.integers(0, 7, size=rng.integers(0, 15))) for _ in range(20)]
    tokens, offsets = _flat(sentences)
    got = cooccurrence_counts(tokens, offsets, 7, window=4).toarray()
    np.testing.assert_array_equal(got, _double_loop(sentences, 7, 4))


def _dense_ppmi(counts, alpha=1.0, shift=0.0):
    total = counts.sum()
    p_wc = counts / total
    p_w = counts.sum(axis=1) / total
    c_alpha = counts.sum(axis=0) ** alpha
    p_c = c_alpha / c_alpha.sum()
    with np.errstate(divide="ignore"):
        pmi = np.log(p_wc / np.outer(p_w, p_c))
    return np.maximum(np.nan_to_num(pmi - shift, neginf=0.0), 0.0)


@pytest.mark.parametrize("alpha,shift", [(1.0, 0.0), (0.75, 0.0), (0.75, np.log(2)), (0.5, 0.3)])
def test_ppmi_matches_dense_formula(alpha, shift):
    rng = np.random.default_rng(0)
    counts = rng.poisson(1.5, size=(6, 8)).astype(float)
    got = ppmi(sp.csr_matrix(counts), alpha=alpha, shift=shift)
    np.testing.assert_allclose(got.toarray(), _dense_ppmi(counts, alpha, shift), atol=1e-12)
    assert got.nnz > 0 and got.data.min() > 0  # only positive entries stored
    # Dense input gives the same result.
    np.testing.assert_allclose(ppmi(counts, alpha=alpha, shift=shift).toarray(), got.toarray())


def test_ppmi_hand_value():
    counts = np.array([[2.0, 0.0], [1.0, 1.0]])
    # P(0,0)=1/2, P(w=0)=1/2, P(c=0)=3/4 -> PMI = log(4/3); (1,1): P=1/4, 1/2, 1/4 -> log 2.
    got = ppmi(counts, alpha=1.0).toarray()
    np.testing.assert_allclose(got, [[np.log(4 / 3), 0.0], [0.0, np.log(2)]])


def test_svd_vectors_reconstruct_best_rank_k():
    rng = np.random.default_rng(1)
    a = sp.random(40, 30, density=0.3, random_state=2, format="csr")
    k = 5
    u, s, vt = truncated_svd(a, k)
    assert np.all(np.diff(s) <= 0)
    s_all = np.linalg.svd(a.toarray(), compute_uv=False)
    np.testing.assert_allclose(s, s_all[:k], rtol=1e-8)
    err = np.linalg.norm(a.toarray() - (u * s) @ vt)
    # Eckart-Young: the error is the tail of the spectrum, and beats another rank-k matrix.
    np.testing.assert_allclose(err, np.sqrt(np.sum(s_all[k:] ** 2)), rtol=1e-8)
    q, _ = np.linalg.qr(rng.standard_normal((40, k)))
    other = q @ (q.T @ a.toarray())  # best approximation within a random rank-k column space
    assert err < np.linalg.norm(a.toarray() - other)
    vec = svd_vectors(a, k, eig=0.5)
    assert vec.shape == (40, k) and vec.dtype == np.float32
    np.testing.assert_allclose(vec, u * np.sqrt(s), rtol=1e-5, atol=1e-6)
    # Deterministic.
    np.testing.assert_array_equal(svd_vectors(a, k), svd_vectors(a, k))


def test_bad_inputs_raise():
    tokens, offsets = _flat(SENTENCES)
    with pytest.raises(ValueError, match="window"):
        cooccurrence_counts(tokens, offsets, V, window=0)
    with pytest.raises(ValueError, match="window"):
        cooccurrence_counts(tokens, offsets, V, window=-2)
    with pytest.raises(TypeError, match="tokens"):
        cooccurrence_counts(tokens.astype(np.float32), offsets, V)
    with pytest.raises(TypeError, match="offsets"):
        cooccurrence_counts(tokens, offsets.astype(float), V)
    with pytest.raises(TypeError, match="tokens"):
        cooccurrence_counts(list(tokens), offsets, V)
    with pytest.raises(ValueError, match="token ids"):
        cooccurrence_counts(tokens, offsets, 3)
    with pytest.raises(ValueError, match="offsets"):
        cooccurrence_counts(tokens, offsets[1:], V)
    with pytest.raises(ValueError, match="weighting"):
        cooccurrence_counts(tokens, offsets, V, weighting="gaussian")
    with pytest.raises(ValueError, match="non-negative"):
        ppmi(np.array([[1.0, -1.0], [0.0, 2.0]]))
    with pytest.raises(ValueError, match="zero"):
        ppmi(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="alpha"):
        ppmi(np.ones((3, 3)), alpha=0)
    with pytest.raises(ValueError, match="k must be smaller"):
        svd_vectors(np.ones((3, 3)), 3)
