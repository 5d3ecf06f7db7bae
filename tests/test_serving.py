"""FAISS serving: exact and approximate indexes over KeyedVectors, files, bad input.

Most tests use synthetic vectors drawn around 20 random centres (clustered, as trained embeddings
are): their exact neighbours are known by a NumPy scan, and small sizes keep the tests fast. The
real-data figures (recall@10 on text8 word vectors) are in benchmarks/serving.py and chapter 10.
"""
import os

import numpy as np
import pytest

faiss = pytest.importorskip("faiss")

from embedlearn.errors import ModelFileError, TruncatedFileError  # noqa: E402
from embedlearn.keyedvectors import KeyedVectors  # noqa: E402
from embedlearn import serving  # noqa: E402
from embedlearn.serving import (VectorIndex, build_index, exact_neighbours, faiss_threads,  # noqa: E402
                                most_similar, recall_at_k)


def clustered(n=3000, dim=32, centres=20, seed=0):
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centres, dim))
    x = c[rng.integers(0, centres, n)] + 0.6 * rng.normal(size=(n, dim))
    return x.astype(np.float32)


@pytest.fixture(scope="module")
def kv():
    x = clustered()
    return KeyedVectors([f"w{i}" for i in range(len(x))], x)


@pytest.fixture(scope="module")
def truth(kv):
    return exact_neighbours(kv.vectors, kv.vectors[:200], 10)


def test_exact_neighbours_is_the_brute_force_cosine_ranking(kv):
    x = kv.get_normed_vectors().astype(np.float64)
    sims = x[:5] @ x.T
    want = np.argsort(-sims, axis=1, kind="stable")[:, :8]
    scores, ids = exact_neighbours(kv.vectors, kv.vectors[:5], 7)
    assert np.array_equal(ids, want[:, :7]) and np.array_equal(ids[:, 0], np.arange(5))
    assert np.allclose(scores, np.take_along_axis(sims, want[:, :7], axis=1), atol=1e-5)
    _, ids_ex = exact_neighbours(kv.vectors, kv.vectors[:5], 7, exclude=np.arange(5))
    assert np.array_equal(ids_ex, want[:, 1:8])  # each query's own row left out


def test_flat_index_is_exact(kv, truth):
    index = build_index(kv)  # exact is the default
    assert index.kind == "flat" and len(index) == len(kv) and index.dim == kv.vector_size
    scores, ids = index.search(kv.vectors[:200], 10)
    assert np.array_equal(ids, truth[1])
    assert np.allclose(scores, truth[0], atol=1e-5)


def test_flat_index_agrees_with_most_similar(kv):
    index = build_index(kv)
    for query in (dict(positive=["w3"]), dict(positive=["w3", "w10"], negative=["w7"]),
                  dict(positive=[("w3", 2.0), kv["w11"]])):
        want = kv.most_similar(**query, topn=8)
        got = most_similar(kv, **query, topn=8, index=index)
        assert [k for k, _ in got] == [k for k, _ in want]
        assert np.allclose([s for _, s in got], [s for _, s in want], atol=1e-5)
        assert not {"w3", "w10", "w7"} & {k for k, _ in got}
    assert most_similar(kv, "w3", topn=5) == kv.most_similar("w3", topn=5)  # no index: exact


def test_ivf_scanning_every_cell_is_exact(kv, truth):
    index = build_index(kv, kind="ivf", nlist=16)
    _, ids = index.search(kv.vectors[:200], 10, nprobe=16)
    assert np.array_equal(ids, truth[1])
    _, few = index.search(kv.vectors[:200], 10, nprobe=1)
    assert recall_at_k(few, truth[1]) < 1.0  # one cell of 16 misses some neighbours


def test_hnsw_recall_grows_with_ef_search(kv, truth):
    index = build_index(kv, kind="hnsw", M=16, ef_construction=40)
    recalls = [recall_at_k(index.search(kv.vectors[:200], 10, ef_search=ef)[1], truth[1])
               for ef in (10, 40, 200)]
    assert recalls[0] <= recalls[1] <= recalls[2]
    assert recalls[2] >= 0.98
    assert index.params == {"M": 16, "ef_construction": 40, "ef_search": 64}


def test_cached_search_parameters_follow_each_call(kv, truth):
    """The per-setting parameter cache never hands one setting's parameters to another call."""
    index = build_index(kv, kind="hnsw", M=16, ef_construction=40)
    low = index.search(kv.vectors[:200], 10, ef_search=10)[1]
    high = index.search(kv.vectors[:200], 10, ef_search=200)[1]
    assert np.array_equal(index.search(kv.vectors[:200], 10, ef_search=10)[1], low)
    assert recall_at_k(low, truth[1]) < recall_at_k(high, truth[1])
    index.params["ef_search"] = 200  # a changed default is seen by the next default call
    assert np.array_equal(index.search(kv.vectors[:200], 10)[1], high)
    with pytest.raises(TypeError, match="ef_search must be an int"):
        index.search(kv.vectors[:1], 10, ef_search=True)  # True == 1 must not hit a cache entry
    index.search(kv.vectors[:1], 10, ef_search=1)
    with pytest.raises(TypeError, match="ef_search must be an int"):
        index.search(kv.vectors[:1], 10, ef_search=True)


def test_hnsw_build_is_deterministic_across_threads(kv):
    with faiss_threads(2):
        a = faiss.serialize_index(build_index(kv, kind="hnsw", M=8).faiss_index)
        b = faiss.serialize_index(build_index(kv, kind="hnsw", M=8).faiss_index)
    c = faiss.serialize_index(build_index(kv, kind="hnsw", M=8, threads=1).faiss_index)
    assert np.array_equal(a, b) and np.array_equal(a, c)


def test_ivfpq_compresses_and_still_finds_neighbours(kv, truth):
    flat = build_index(kv)
    pq = build_index(kv, kind="ivfpq", nlist=16, pq_m=8, pq_bits=4)
    assert pq.params["pq_m"] == 8
    # 8 codes of 4 bits (4 bytes) + an 8-byte id, against 32 float32 = 128 bytes
    assert pq.bytes_per_vector <= flat.bytes_per_vector / 4
    recall = recall_at_k(pq.search(kv.vectors[:200], 10, nprobe=16)[1], truth[1])
    assert 10 / len(kv) * 20 < recall < 1.0     # far above chance, below exact


def test_default_pq_m_is_a_divisor_near_a_quarter():
    x = clustered(n=600, dim=100)
    index = build_index(x, kind="ivfpq", nlist=4, pq_bits=4)
    assert index.params["pq_m"] == 25 and index.keys is None


def test_cosine_ignores_row_lengths(kv):
    scaled = KeyedVectors(kv.index_to_key, kv.vectors * np.linspace(0.1, 10, len(kv))[:, None])
    a = build_index(kv, kind="hnsw", M=8).search(kv.vectors[:20], 5)[1]
    b = build_index(scaled, kind="hnsw", M=8).search(kv.vectors[:20] * 3, 5)[1]
    assert np.array_equal(a, b)


def test_inner_product_uses_raw_rows():
    x = np.array([[1.0, 0.0], [3.0, 1.0], [0.0, 1.0]], np.float32)
    q = np.array([[1.0, 0.0]], np.float32)
    assert build_index(x, metric="inner_product").search(q, 1)[1][0, 0] == 1
    assert build_index(x, metric="cosine").search(q, 1)[1][0, 0] == 0


def test_zero_rows_stay_zero_and_match_nothing():
    x = np.array([[1.0, 0.0], [0.0, 0.0], [0.8, 0.2]], np.float32)
    scores, ids = build_index(x).search(np.array([1.0, 0.1]), 3)
    assert ids[0, -1] == 1 and scores[0, -1] == 0.0


def test_search_keys_and_single_query(kv):
    index = build_index(kv)
    hits = index.search_keys(kv["w5"], 3)
    assert len(hits) == 1 and hits[0][0][0] == "w5" and len(hits[0]) == 3


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_one_float32_query_takes_the_short_path_with_the_same_answer(kv, kind):
    # A server's call (one float32 vector) skips the general conversion: same neighbours and
    # scores as the batched float64 call, the caller's vector left unscaled, bad values refused.
    index = build_index(kv, kind=kind, M=8) if kind == "hnsw" else build_index(kv)
    batch = index.search(kv.vectors[:20].astype(np.float64) * 3.0, 5)
    for i in range(20):
        q = kv.vectors[i] * np.float32(3.0)
        before = q.copy()
        scores, ids = index.search(q, 5)
        assert np.array_equal(q, before)
        assert np.array_equal(ids[0], batch[1][i])
        np.testing.assert_allclose(scores[0], batch[0][i], rtol=1e-6, atol=1e-6)
    for bad in (np.nan, np.inf, -np.inf):
        q = kv.vectors[0].copy()
        q[3] = bad
        with pytest.raises(ValueError, match="NaN or infinite"):
            index.search(q, 5)
    with pytest.raises(ValueError, match="columns"):
        index.search(kv.vectors[0][:-1], 5)


@pytest.mark.parametrize("metric", ["cosine", "inner_product"])
def test_one_query_short_path_agrees_with_the_checked_path_on_awkward_input(kv, metric,
                                                                             monkeypatch):
    # The short path only runs for a setting already used; every other case falls through to
    # the checked path, so the first call, a strided view, a zero vector, a bool k and an
    # out-of-range k answer (or fail) exactly as there.
    index = build_index(kv, kind="hnsw", M=8, metric=metric)
    wide = np.ascontiguousarray(np.repeat(kv.vectors[:3], 2, axis=1))
    strided = wide[1, ::2]  # kv.vectors[1], not contiguous
    assert not strided.flags.c_contiguous
    checked = []
    real = serving._as_matrix
    monkeypatch.setattr(serving, "_as_matrix", lambda *a: checked.append(1) or real(*a))
    first = index.search(kv.vectors[1], 4)  # no cached setting yet: the checked path
    again = index.search(strided, 4)  # cached now: the short path
    assert len(checked) == 1
    assert np.array_equal(first[1], again[1])
    np.testing.assert_allclose(first[0], again[0], rtol=1e-6, atol=1e-6)
    zero = np.zeros(kv.vectors.shape[1], np.float32)
    assert index.search(zero, 4)[0].shape == (1, 4)
    with pytest.raises(TypeError, match="k must be an int"):
        index.search(kv.vectors[1], True)
    with pytest.raises(ValueError, match="larger than the index"):
        index.search(kv.vectors[1], len(index) + 1)
    with pytest.raises(ValueError, match="must be >= 1"):
        index.search(kv.vectors[1], 0)
    with pytest.raises(TypeError, match="ef_search must be an int"):
        index.search(kv.vectors[1], 4, ef_search=True)


def test_add_rows_of_new_keys(kv):
    index = build_index(KeyedVectors(kv.index_to_key[:2000], kv.vectors[:2000]), kind="hnsw", M=8)
    index.add(kv.index_to_key[2000:], kv.vectors[2000:])
    assert len(index) == len(kv) and index.keys == kv.index_to_key
    assert index.search_keys(kv["w2500"], 1)[0][0][0] == "w2500"
    with pytest.raises(ValueError, match="already in the index"):
        index.add(["w1"], kv.vectors[:1])
    with pytest.raises(ValueError, match="2 keys for 1 vectors"):
        index.add(["new1", "new2"], kv.vectors[:1])


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf", "ivfpq"])
def test_save_load_round_trip(kv, tmp_path, kind):
    extra = dict(nlist=16, pq_m=8, pq_bits=4) if kind == "ivfpq" else dict(nlist=16) if kind == "ivf" else {}
    index = build_index(kv, kind=kind, **extra)
    path = tmp_path / f"vectors.{kind}"
    index.save(path)
    assert sorted(os.listdir(tmp_path)) == [path.name]  # no temporary file left behind
    loaded = VectorIndex.load(path, kv=kv)
    assert (loaded.kind, loaded.metric, loaded.params, loaded.keys) == \
           (index.kind, index.metric, index.params, index.keys)
    a, b = index.search(kv.vectors[:30], 5), loaded.search(kv.vectors[:30], 5)
    assert np.array_equal(a[1], b[1]) and np.array_equal(a[0], b[0])


def test_interrupted_save_keeps_the_old_file(kv, tmp_path, monkeypatch):
    path = tmp_path / "v.index"
    build_index(kv).save(path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        build_index(kv, kind="hnsw", M=8).save(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["v.index"]


def test_load_rejects_bad_files(kv, tmp_path):
    path = tmp_path / "v.index"
    build_index(kv).save(path)
    other = KeyedVectors([f"x{i}" for i in range(len(kv))], kv.vectors)
    with pytest.raises(ModelFileError, match="not the .* keys of the vectors given"):
        VectorIndex.load(path, kv=other)
    data = path.read_bytes()
    (tmp_path / "cut").write_bytes(data[: len(data) // 2])
    with pytest.raises(TruncatedFileError):
        VectorIndex.load(tmp_path / "cut")
    (tmp_path / "junk").write_bytes(b"not an index at all")
    with pytest.raises(ModelFileError, match="not an .npz"):
        VectorIndex.load(tmp_path / "junk")
    kv.save(tmp_path / "vectors.kv")  # an .npz, but of another format
    with pytest.raises(ModelFileError, match="missing"):
        VectorIndex.load(tmp_path / "vectors.kv")
    with pytest.raises(FileNotFoundError):
        VectorIndex.load(tmp_path / "absent")


def test_bad_vectors_are_refused_before_work():
    with pytest.raises(TypeError, match="floating-point"):
        build_index(np.arange(12).reshape(4, 3))
    with pytest.raises(TypeError, match="floating-point"):
        build_index(np.ones((4, 3), dtype=np.complex64))
    x = clustered(n=100, dim=8)
    x[[7, 42]] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite values in 2 rows .*7, 42"):
        build_index(x, kind="hnsw")
    x[[7, 42]] = 0.0
    x[3, 1] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        build_index(KeyedVectors([str(i) for i in range(100)], x))
    with pytest.raises(ValueError, match="zero vectors"):
        build_index(np.zeros((0, 4), np.float32))
    with pytest.raises(ValueError, match="2-D"):
        build_index(np.ones(5, np.float32))


def test_bad_parameters_are_refused(kv):
    x = kv.vectors
    with pytest.raises(ValueError, match="kind must be one of"):
        build_index(kv, kind="annoy")
    with pytest.raises(ValueError, match="metric must be one of"):
        build_index(kv, metric="l1")
    with pytest.raises(ValueError, match="M must be >= 2"):
        build_index(kv, kind="hnsw", M=1)
    with pytest.raises(TypeError, match="ef_construction must be an int"):
        build_index(kv, kind="hnsw", ef_construction=40.0)
    with pytest.raises(ValueError, match="pq_m=7 must divide the vector size 32"):
        build_index(kv, kind="ivfpq", pq_m=7)
    with pytest.raises(ValueError, match="needs at least that many vectors"):
        build_index(x[:100], kind="ivfpq", nlist=2, pq_bits=8)
    with pytest.raises(ValueError, match="nlist=200 cells need at least as many vectors"):
        build_index(x[:100], kind="ivf", nlist=200)


def test_bad_queries_are_refused(kv):
    flat, hnsw, ivf = build_index(kv), build_index(kv, kind="hnsw", M=8), build_index(kv, kind="ivf")
    with pytest.raises(ValueError, match="k=3001 is larger than the index, which holds 3000"):
        flat.search(kv.vectors[:2], k=3001)
    with pytest.raises(ValueError, match="k must be >= 1"):
        flat.search(kv.vectors[:2], k=0)
    with pytest.raises(ValueError, match="have 31 columns but the index holds 32"):
        flat.search(kv.vectors[:2, :31])
    with pytest.raises(TypeError, match="floating-point"):
        flat.search(np.ones((1, 32), np.int64))
    with pytest.raises(ValueError, match="NaN"):
        flat.search(np.full((1, 32), np.nan, np.float32))
    with pytest.raises(ValueError, match="neither ef_search nor nprobe"):
        flat.search(kv.vectors[:1], ef_search=10)
    with pytest.raises(ValueError, match="takes ef_search"):
        hnsw.search(kv.vectors[:1], nprobe=4)
    with pytest.raises(ValueError, match="takes nprobe"):
        ivf.search(kv.vectors[:1], ef_search=4)
    with pytest.raises(ValueError, match="restrict_vocab cannot be combined"):
        most_similar(kv, "w1", index=flat, restrict_vocab=10)
    with pytest.raises(KeyError):
        most_similar(kv, "nope", index=flat)
    with pytest.raises(ValueError, match="inner_product"):
        most_similar(kv, "w1", index=build_index(kv, metric="inner_product"))
    with pytest.raises(ValueError, match="need an index"):
        most_similar(kv, "w1", ef_search=10)


def test_recall_at_k():
    truth = np.array([[1, 2, 3], [4, 5, 6]])
    assert recall_at_k(truth, truth) == 1.0
    assert recall_at_k(np.array([[3, 9, -1], [6, 5, 4]]), truth) == pytest.approx(4 / 6)
    with pytest.raises(ValueError, match="same shape"):
        recall_at_k(truth[:, :2], truth)


def test_faiss_threads_restores_the_setting():
    before = faiss.omp_get_max_threads()
    with faiss_threads(1):
        assert faiss.omp_get_max_threads() == 1
    assert faiss.omp_get_max_threads() == before


def test_keyedvectors_methods_use_the_index():
    # kv.build_index(...) and kv.most_similar(..., index=...) are the serving module's calls.
    from embedlearn.keyedvectors import KeyedVectors

    rng = np.random.default_rng(7)
    kv = KeyedVectors([f"k{i}" for i in range(500)], rng.standard_normal((500, 16)))
    flat = kv.build_index("flat")
    exact = kv.most_similar("k3", topn=5)
    via_index = kv.most_similar("k3", topn=5, index=flat)
    assert [k for k, _ in via_index] == [k for k, _ in exact]
    np.testing.assert_allclose([s for _, s in via_index], [s for _, s in exact], rtol=1e-5)
    hnsw = kv.build_index("hnsw", M=16)
    assert [k for k, _ in kv.most_similar("k3", topn=5, index=hnsw, ef_search=256)] == \
        [k for k, _ in exact]
    with pytest.raises(TypeError, match="index="):
        kv.most_similar("k3", ef_search=16)
