"""Orthogonal Procrustes: exact recovery of a known rotation, SciPy's solution, real retrainings."""
import numpy as np
import pytest

from embedlearn.alignment import neighbour_overlap, procrustes, shared_keys
from embedlearn.keyedvectors import KeyedVectors


def rotation(dim, seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))


@pytest.fixture(scope="module")
def spaces():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(400, 16))
    R = rotation(16, 1)
    keys = [f"w{i}" for i in range(400)]
    return KeyedVectors(keys, y @ R.T), KeyedVectors(keys, y), R


def test_recovers_a_known_rotation(spaces):
    source, target, R = spaces
    result = procrustes(source, target)
    assert np.allclose(result.rotation, R, atol=1e-5)
    assert result.residual < 1e-5 < 0.5 < result.residual_before
    assert np.allclose(result.aligned.vectors, target.vectors, atol=1e-4)
    assert result.aligned.index_to_key == source.index_to_key and len(result.keys) == 400
    assert np.allclose(result.transform(source.vectors[:3]), target.vectors[:3], atol=1e-4)


def test_matches_scipy_and_is_orthogonal():
    from scipy.linalg import orthogonal_procrustes

    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2, 300, 10))
    keys = [str(i) for i in range(300)]
    result = procrustes(KeyedVectors(keys, a), KeyedVectors(keys, b), normalize=False)
    want, _ = orthogonal_procrustes(a.astype(np.float32), b.astype(np.float32))
    assert np.allclose(result.rotation, want, atol=1e-5)
    assert np.allclose(result.rotation.T @ result.rotation, np.eye(10), atol=1e-10)


def test_fits_on_shared_keys_only_and_rotates_every_key(spaces):
    source, target, R = spaces
    # the source has 50 extra keys, the target lacks the last 100 of the shared ones
    rng = np.random.default_rng(5)
    extra = rng.normal(size=(50, 16))
    src = KeyedVectors(source.index_to_key + [f"new{i}" for i in range(50)],
                       np.vstack([source.vectors, extra]))
    tgt = KeyedVectors(target.index_to_key[:300], target.vectors[:300])
    assert shared_keys(src, tgt) == src.index_to_key[:300] and len(shared_keys(src, tgt, 7)) == 7
    result = procrustes(src, tgt)
    assert len(result.keys) == 300 and len(result.aligned) == 450
    assert np.allclose(result.aligned.vectors[-50:], extra @ R, atol=1e-4)   # new keys rotated too
    assert np.allclose(result.aligned.vectors[300:400], target.vectors[300:400], atol=1e-4)


def test_neighbour_overlap_before_and_after(spaces):
    source, target, _ = spaces
    aligned = procrustes(source, target).aligned
    assert neighbour_overlap(target, source) == 1.0                 # rotations keep neighbours
    assert neighbour_overlap(target, source, cross=True) < 0.2      # but not coordinates
    assert neighbour_overlap(target, aligned, cross=True) == 1.0
    keys = target.index_to_key
    assert neighbour_overlap(target, aligned, keys=keys[:5], pool=keys[:50], k=3, cross=True) == 1.0


def test_bad_input_is_refused_before_work(spaces):
    source, target, _ = spaces
    small = KeyedVectors(source.index_to_key[:10], source.vectors[:10])
    with pytest.raises(ValueError, match="only 10 shared keys to fit a rotation of 16 dimensions"):
        procrustes(small, target)
    assert procrustes(small, target, min_shared=10).rotation.shape == (16, 16)
    other = KeyedVectors([f"x{i}" for i in range(400)], source.vectors)
    with pytest.raises(ValueError, match="only 0 shared keys"):
        procrustes(other, target)
    with pytest.raises(ValueError, match="same dimension"):
        procrustes(KeyedVectors(source.index_to_key, source.vectors[:, :8]), target)
    with pytest.raises(ValueError, match="not in source"):
        procrustes(source, target, keys=["w1", "zzz"])
    with pytest.raises(ValueError, match="repeated"):
        procrustes(source, target, keys=["w1", "w1"])
    with pytest.raises(TypeError, match="KeyedVectors"):
        procrustes(source.vectors, target)
    bad = KeyedVectors(source.index_to_key, np.where(np.arange(400)[:, None] == 3, np.nan,
                                                      source.vectors))
    with pytest.raises(ValueError, match="NaN"):
        procrustes(bad, target)
    with pytest.raises(ValueError, match="at least 11"):
        neighbour_overlap(target, source, pool=target.index_to_key[:10])
    with pytest.raises(ValueError, match="not in the pool"):
        neighbour_overlap(target, source, keys=["w300"], pool=target.index_to_key[:50])


def test_two_word2vec_seeds_align_on_real_text():
    """Two seeds of CBOW on 300,000 tokens of text8: unaligned cross-space overlap is at chance,
    Procrustes brings it to at least the two runs' own agreement (self-consistency)."""
    from embedlearn.datasets import load_text8
    from embedlearn.word2vec import Word2Vec

    text = load_text8(max_tokens=300_000)
    runs = [Word2Vec(text, vector_size=50, min_count=5, epochs=3, workers=1, seed=s, progress=False).wv
            for s in (1, 2)]
    pool = shared_keys(runs[0], runs[1], limit=3000)
    result = procrustes(runs[1], runs[0], keys=pool)
    self_consistency = neighbour_overlap(runs[0], runs[1], pool=pool, keys=pool[:500])
    before = neighbour_overlap(runs[0], runs[1], pool=pool, keys=pool[:500], cross=True)
    after = neighbour_overlap(runs[0], result.aligned, pool=pool, keys=pool[:500], cross=True)
    assert before < 0.02 < 0.1 < self_consistency <= after
