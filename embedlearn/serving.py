"""Approximate nearest-neighbour serving: FAISS indexes over any :class:`KeyedVectors`.

Exact search (a scan of every row, ``kind="flat"``) is the default and the ground truth; three
approximate kinds trade recall for speed or memory:

``"hnsw"``
    FAISS's ``IndexHNSWFlat`` (Malkov & Yashunin 2018): a layered proximity graph with ``M`` links
    per node (``2M`` on the bottom layer), built with a candidate list of ``ef_construction`` and
    searched with one of ``ef_search``. Fast, and it keeps every vector, so it needs *more* memory
    than the flat scan.
``"ivf"``
    ``IndexIVFFlat`` (Jégou, Douze & Schmid 2011): k-means splits the space into ``nlist`` cells and
    a query scans only the ``nprobe`` nearest cells. Memory as the flat scan.
``"ivfpq"``
    ``IndexIVFPQ``: the cells of ``"ivf"``, with each vector's residual from its centroid compressed
    by product quantisation into ``pq_m`` codes of ``pq_bits`` bits. Bytes per vector fall from
    ``4 N`` to about ``pq_m * pq_bits / 8 + 8`` (the 8 bytes are the stored id); scores become
    approximate, so recall drops.

With ``metric="cosine"`` (the default, what ``most_similar`` ranks by) the rows are scaled to unit
length and searched by inner product, so an index answers exactly the question that
:meth:`KeyedVectors.most_similar` answers; ``metric="inner_product"`` searches the raw rows
(maximum inner product, as recommenders score). Bad input -- vectors of a non-float dtype, NaN or
infinite rows, ``k`` larger than the index, unknown parameters -- raises before any work.

Examples
--------
>>> import numpy as np
>>> from embedlearn.keyedvectors import KeyedVectors
>>> kv = KeyedVectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]))
>>> index = build_index(kv, kind="flat")
>>> scores, ids = index.search(kv["a"], k=2)
>>> [kv.index_to_key[i] for i in ids[0]]
['a', 'b']
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import zipfile
from numbers import Integral, Real

import numpy as np

from ._io import atomic_write
from .errors import ModelFileError, TruncatedFileError

__all__ = ["KINDS", "METRICS", "VectorIndex", "build_index", "most_similar", "exact_neighbours",
           "recall_at_k", "faiss_threads"]

KINDS = ("flat", "hnsw", "ivf", "ivfpq")
METRICS = ("cosine", "inner_product")
_FORMAT = "embedlearn.VectorIndex/1"

#: Search defaults. FAISS's own are efSearch 16 and nprobe 1. On the 80,982 word2vec vectors of
#: the text8 prefix with held-out word queries (benchmarks/serving.py), HNSW M=32 reaches recall@10
#: 0.91 at efSearch 16 and 0.99 at 64; IVF-Flat (nlist 1136) 0.27 at nprobe 1, 0.88 at 16 and 0.99
#: at 64. The defaults are the smallest values of the sweep that reach 0.99.
DEFAULT_EF_SEARCH = 64
DEFAULT_NPROBE = 64


_FAISS = None  # the module, once imported: an import statement costs ~2 us per query


def _faiss():
    global _FAISS
    if _FAISS is None:
        try:
            import faiss
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError("embedlearn.serving needs FAISS: pip install faiss-cpu "
                              "(or pip install 'embedlearn[serving]')") from None
        _FAISS = faiss
    return _FAISS


@contextlib.contextmanager
def faiss_threads(n):
    """Run the block with FAISS (OpenMP) limited to ``n`` threads, then restore the previous limit.

    Single-thread queries per second are measured inside ``with faiss_threads(1):``.
    """
    faiss = _faiss()
    _check_int("threads", n, 1)
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(int(n))
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _as_matrix(vectors, what, dim=None) -> np.ndarray:
    """``vectors`` as a C-contiguous float32 (n, N) array, after checking dtype, shape and values."""
    arr = np.asarray(vectors)
    if arr.dtype.kind != "f":
        raise TypeError(f"{what} must be a floating-point array (float16/32/64), got dtype {arr.dtype}")
    if arr.ndim == 1 and dim is not None:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{what} must be a 2-D array (n, N), got shape {arr.shape}")
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{what} have {arr.shape[1]} columns but the index holds {dim}-dimensional "
                         "vectors")
    if arr.shape[1] < 1:
        raise ValueError(f"{what} must have at least one column")
    # NaN and inf propagate through a sum, so one reduction clears the common case (a huge but
    # finite sum that overflows only costs the full check); the row scan names the bad rows.
    if not math.isfinite(arr.sum()) and not np.isfinite(arr).all():
        finite = np.isfinite(arr).all(axis=1)
        bad = np.flatnonzero(~finite)
        raise ValueError(f"{what} hold NaN or infinite values in {len(bad)} rows (first: "
                         f"{', '.join(map(str, bad[:5]))}); fix or drop them before indexing")
    return np.ascontiguousarray(arr, dtype=np.float32)


_FLOAT32 = np.dtype(np.float32)
_UNSEEN = object()  # a search setting not used yet (a flat index's cached setting is None)


def _unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a copy); zero rows stay zero, so they match nothing.

    float32 rows go through FAISS's ``normalize_L2`` (2 us for one query against 15 for
    ``np.linalg.norm`` and a masked divide: it matters on a server's one-query-per-call path).
    """
    if x.dtype == np.float32 and x.flags.c_contiguous:
        out = x.copy()
        _faiss().normalize_L2(out)  # leaves zero rows at zero
        return out
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    out = np.zeros_like(x)
    np.divide(x, norms, out=out, where=norms > 0)
    return out


def _source(kv):
    """(keys or None, vectors) of a KeyedVectors-like object or a bare array."""
    if hasattr(kv, "index_to_key") and hasattr(kv, "vectors"):
        return list(kv.index_to_key), kv.vectors
    return None, kv


def _keys_digest(keys) -> str:
    h = hashlib.sha256()
    for k in keys:
        h.update(k.encode("utf8"))
        h.update(b"\n")
    return h.hexdigest()


class VectorIndex:
    """A FAISS index over the rows of a :class:`KeyedVectors`, with the keys of its rows.

    Made by :func:`build_index` or :meth:`load`; not constructed directly.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    metric : str
        ``"cosine"`` or ``"inner_product"``.
    keys : list of str or None
        Key of each indexed row (``None`` if the index was built from a bare array).
    params : dict
        The build parameters (``M``, ``ef_construction``, ``nlist``, ``pq_m``, ...), and the search
        defaults ``ef_search`` / ``nprobe``.
    faiss_index : faiss.Index
        The underlying FAISS object.
    """

    def __init__(self, faiss_index, kind, metric, keys, params):
        self.faiss_index = faiss_index
        self.kind = kind
        self.metric = metric
        self.keys = keys
        self.params = dict(params)
        self._param_cache = {}  # FAISS SearchParameters objects, one per (ef_search, nprobe)

    # ------------------------------------------------------------------ shape
    @property
    def dim(self) -> int:
        """int: dimension of the indexed vectors."""
        return int(self.faiss_index.d)

    def __len__(self) -> int:
        return int(self.faiss_index.ntotal)

    @property
    def nbytes(self) -> int:
        """int: size of the serialised FAISS index (vectors or codes, graph or lists, centroids).

        The keys are not counted: they are the same for every kind.
        """
        return int(_faiss().serialize_index(self.faiss_index).nbytes)

    @property
    def bytes_per_vector(self) -> float:
        """float: :attr:`nbytes` divided by the number of indexed vectors."""
        return self.nbytes / max(len(self), 1)

    def __repr__(self):
        shown = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"VectorIndex({self.kind}, {self.metric}, n={len(self)}, dim={self.dim}, {shown})"

    # ------------------------------------------------------------------ queries
    def _params_key(self, ef_search, nprobe):
        # The types keep ``True`` off the entry for ``1``; the defaults, off a stale entry.
        return (type(ef_search), ef_search, type(nprobe), nprobe,
                self.params.get("ef_search"), self.params.get("nprobe"))

    def _search_params(self, ef_search, nprobe):
        # Built once per setting: making a SWIG parameter object costs ~8 us, a tenth of an
        # HNSW query on one thread.
        key = self._params_key(ef_search, nprobe)
        cached = self._param_cache.get(key, _UNSEEN)
        if cached is _UNSEEN:
            cached = self._param_cache[key] = self._make_search_params(ef_search, nprobe)
        return cached

    def _search_one(self, query, k, ef_search, nprobe):
        """A server's usual call, with its checks cut to what that call needs; else ``None``.

        One finite float32 vector of the index's width, an int ``k`` in range, and a search
        setting already used (so already checked and cached). One dot product clears NaN and
        inf (they propagate into it) and gives the norm. Anything else, including a zero or
        overflowing vector, returns ``None`` and takes the general path, which checks,
        converts and explains. On one thread the general path's checks and conversions are a
        visible share of an HNSW query's time, which ``benchmarks/serving.py`` measures.
        """
        index = self.faiss_index
        params = self._param_cache.get(self._params_key(ef_search, nprobe), _UNSEEN)
        if (params is _UNSEEN or query.dtype != _FLOAT32 or query.shape[0] != index.d
                or not 0 < k <= index.ntotal):
            return None
        squares = float(query.dot(query))
        if not (math.isfinite(squares) and squares > 0):
            return None
        x = query * (1.0 / math.sqrt(squares)) if self.metric == "cosine" else query.copy()
        return self._faiss_search(x, 1, k, params)

    def _faiss_search(self, x, n, k, params):
        """FAISS's low-level call on ``n`` ready rows ``x``, into our own output arrays.

        FAISS's Python wrapper's checks and allocations cost ~5 us, a twentieth of an HNSW
        query on one thread. Missing results (-1, fewer than ``k`` found) get score ``-inf``.
        """
        scores = np.empty((n, k), _FLOAT32)
        ids = np.empty((n, k), np.int64)
        swig_ptr = _faiss().swig_ptr
        self.faiss_index.search_c(n, swig_ptr(x), k, swig_ptr(scores), swig_ptr(ids), params)
        # Missing results come last in a row, so the last column tells if there are any.
        if (ids[0, k - 1] < 0) if n == 1 else (ids[:, k - 1] < 0).any():
            scores[ids < 0] = -np.inf
        return scores, ids

    def _make_search_params(self, ef_search, nprobe):
        faiss = _faiss()
        if self.kind == "hnsw":
            if nprobe is not None:
                raise ValueError("nprobe applies to IVF indexes; an HNSW index takes ef_search")
            ef = self.params["ef_search"] if ef_search is None else _check_int("ef_search", ef_search, 1)
            params = faiss.SearchParametersHNSW()
            params.efSearch = ef
            return params
        if self.kind in ("ivf", "ivfpq"):
            if ef_search is not None:
                raise ValueError("ef_search applies to HNSW indexes; an IVF index takes nprobe")
            probe = self.params["nprobe"] if nprobe is None else _check_int("nprobe", nprobe, 1)
            params = faiss.SearchParametersIVF()
            params.nprobe = min(probe, self.params["nlist"])
            return params
        if ef_search is not None or nprobe is not None:
            raise ValueError("a flat (exact) index takes neither ef_search nor nprobe")
        return None

    def search(self, queries, k=10, ef_search=None, nprobe=None):
        """The ``k`` indexed rows nearest to each query, best first.

        Parameters
        ----------
        queries : array_like of float, shape (n, N) or (N,)
            Raw query vectors; with ``metric="cosine"`` they are scaled to unit length first.
        k : int, default 10
            Neighbours per query, ``1 <= k <= len(index)``.
        ef_search : int, optional
            HNSW only: length of the candidate list (FAISS uses ``max(ef_search, k)``); default
            ``params["ef_search"]``.
        nprobe : int, optional
            IVF only: cells scanned per query (capped at ``nlist``); default ``params["nprobe"]``.

        Returns
        -------
        scores : numpy.ndarray of float32, shape (n, k)
            Cosine (or inner product) of each neighbour; approximate for ``"ivfpq"``.
        ids : numpy.ndarray of int64, shape (n, k)
            Row numbers of the neighbours; ``-1`` (with score ``-inf``) where an approximate index
            found fewer than ``k`` rows (an IVF search whose cells hold fewer than ``k`` vectors).

        Raises
        ------
        ValueError
            If ``k`` is out of range, the queries have the wrong shape or hold NaN/inf, or a search
            parameter does not apply to this kind of index.
        TypeError
            If the queries are not floating point or ``k`` is not an int.
        """
        if type(queries) is np.ndarray and queries.ndim == 1 and type(k) is int:
            found = self._search_one(queries, k, ef_search, nprobe)
            if found is not None:
                return found
        # The general path: any float dtype, shape (n, N) or (N,), every argument checked.
        k = _check_int("k", k, 1)
        index = self.faiss_index
        if k > index.ntotal:
            raise ValueError(f"k={k} is larger than the index, which holds {len(self)} vectors")
        params = self._search_params(ef_search, nprobe)
        x = _as_matrix(queries, "queries", index.d)
        if self.metric == "cosine":
            x = _unit_rows(x)  # a copy: the caller's array is never scaled in place
        return self._faiss_search(x, len(x), k, params)

    def search_keys(self, queries, k=10, **search_params):
        """As :meth:`search`, but each query's result is a list of ``(key, score)`` pairs."""
        if self.keys is None:
            raise ValueError("this index was built from a bare array and has no keys; use search()")
        scores, ids = self.search(queries, k, **search_params)
        return [[(self.keys[i], float(s)) for s, i in zip(srow, irow) if i >= 0]
                for srow, irow in zip(scores, ids)]

    # ------------------------------------------------------------------ growth
    def add(self, keys, vectors) -> None:
        """Append rows to the index (e.g. new words of a retrained, aligned model).

        Parameters
        ----------
        keys : sequence of str
            Their keys, none already in the index.
        vectors : array_like of float, shape (len(keys), N)
            In the space the index was built in (align a retrained model first:
            :func:`embedlearn.alignment.procrustes`).

        Raises
        ------
        ValueError
            If a key is already indexed or repeated, or the vectors are bad (as for :func:`build_index`).
        """
        keys = [str(k) for k in keys]
        x = _as_matrix(vectors, "vectors", self.dim)
        if len(keys) != len(x):
            raise ValueError(f"{len(keys)} keys for {len(x)} vectors")
        if self.keys is None:
            raise ValueError("this index has no keys (built from a bare array): cannot add keyed rows")
        known = set(self.keys)
        clash = [k for k in keys if k in known]
        if clash or len(set(keys)) != len(keys):
            raise ValueError(f"keys already in the index or repeated: {clash[:5] or 'repeated keys'}")
        if self.metric == "cosine":
            x = _unit_rows(x)
        self.faiss_index.add(x)
        self.keys.extend(keys)

    # ------------------------------------------------------------------ files
    def save(self, path) -> None:
        """Save the index and its keys to one ``.npz`` file (no pickle), atomically.

        The file holds the FAISS bytes (``faiss.serialize_index``), the keys and the settings, and
        is written to a temporary file renamed over ``path``, so an interrupted save leaves the old
        file whole. Save it next to the vectors (``wv.save("v.kv"); index.save("v.hnsw")``).
        """
        faiss = _faiss()
        keys = self.keys or []
        encoded = [k.encode("utf8") for k in keys]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        meta = {"format": _FORMAT, "kind": self.kind, "metric": self.metric, "params": self.params,
                "has_keys": self.keys is not None, "n": len(self), "dim": self.dim,
                "keys_sha256": _keys_digest(keys)}
        arrays = {"meta": np.array(json.dumps(meta)),
                  "faiss": faiss.serialize_index(self.faiss_index),
                  "keys_utf8": np.frombuffer(b"".join(encoded), dtype=np.uint8),
                  "key_offsets": offsets}
        atomic_write(path, lambda f: np.savez(f, **arrays))

    @classmethod
    def load(cls, path, kv=None) -> "VectorIndex":
        """Load an index written by :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike
        kv : KeyedVectors, optional
            If given, the index must hold exactly ``kv``'s keys in ``kv``'s order (an index loaded
            next to other vectors would return wrong rows).

        Raises
        ------
        FileNotFoundError
        TruncatedFileError
            If the file ends early.
        ModelFileError
            If it is not an embedlearn index file, its parts disagree, or its keys are not ``kv``'s.
        """
        faiss = _faiss()
        path = os.fspath(path)
        with open(path, "rb") as f:
            head = f.read(4)
        if head != b"PK\x03\x04":
            raise ModelFileError(f"{path}: not an embedlearn index file (not an .npz archive)")
        try:
            with np.load(path, allow_pickle=False) as z:
                missing = [n for n in ("meta", "faiss", "keys_utf8", "key_offsets") if n not in z.files]
                if missing:
                    raise ModelFileError(f"{path}: not an embedlearn index file (missing {missing})")
                meta = json.loads(str(z["meta"]))
                blob, raw, offsets = z["faiss"], z["keys_utf8"].tobytes(), z["key_offsets"]
        except (EOFError, zipfile.BadZipFile) as exc:
            raise TruncatedFileError(f"{path}: truncated or corrupt index file ({exc})") from exc
        except (OSError, ValueError, KeyError) as exc:
            if isinstance(exc, ModelFileError):
                raise
            raise ModelFileError(f"{path}: unreadable index file ({exc})") from exc
        if meta.get("format") != _FORMAT:
            raise ModelFileError(f"{path}: format {meta.get('format')!r}, expected {_FORMAT!r}")
        if offsets.ndim != 1 or offsets[-1] != len(raw):
            raise ModelFileError(f"{path}: key offsets do not match the stored keys")
        keys = [raw[offsets[i]:offsets[i + 1]].decode("utf8") for i in range(len(offsets) - 1)]
        if _keys_digest(keys) != meta["keys_sha256"]:
            raise ModelFileError(f"{path}: the stored keys do not match their checksum")
        try:
            index = faiss.deserialize_index(blob)
        except RuntimeError as exc:
            raise ModelFileError(f"{path}: FAISS cannot read the stored index ({exc})") from exc
        if index.ntotal != meta["n"] or index.d != meta["dim"] or (meta["has_keys"] and len(keys) != meta["n"]):
            raise ModelFileError(f"{path}: index holds {index.ntotal} x {index.d} vectors, the file "
                                 f"declares {meta['n']} x {meta['dim']} and {len(keys)} keys")
        out = cls(index, meta["kind"], meta["metric"], keys if meta["has_keys"] else None, meta["params"])
        if kv is not None:
            if out.keys != list(kv.index_to_key):
                raise ModelFileError(f"{path}: the index's {len(out)} keys are not the {len(kv)} keys of "
                                     "the vectors given (another model, or another order)")
            if out.dim != kv.vector_size:
                raise ModelFileError(f"{path}: index dimension {out.dim} != vector size {kv.vector_size}")
        return out


def _default_nlist(n: int) -> int:
    # The usual rule of thumb (FAISS wiki): about 4 sqrt(n) cells, each with >= 39 training points.
    return max(1, min(int(4 * math.sqrt(n)), n // 39))


def build_index(kv, kind="flat", metric="cosine", *, M=32, ef_construction=40,
                ef_search=DEFAULT_EF_SEARCH, nlist=None, nprobe=DEFAULT_NPROBE, pq_m=None,
                pq_bits=8, seed=1, threads=None) -> VectorIndex:
    """Build an exact or approximate nearest-neighbour index over the rows of ``kv``.

    Parameters
    ----------
    kv : KeyedVectors or array_like of float, shape (V, N)
        The vectors (a ``KeyedVectors`` gives the index its keys; a bare array gives none).
    kind : {"flat", "hnsw", "ivf", "ivfpq"}, default "flat"
        ``"flat"`` is the exact scan; see the module docstring for the others.
    metric : {"cosine", "inner_product"}, default "cosine"
    M : int, default 32
        HNSW: links per node on the upper layers (``2M`` on the bottom one); FAISS's default.
    ef_construction : int, default 40
        HNSW: candidate-list length while building (FAISS's default).
    ef_search : int, default 64
        HNSW: default candidate-list length of :meth:`VectorIndex.search`.
    nlist : int, optional
        IVF: number of k-means cells; default ``min(4 sqrt(V), V / 39)``.
    nprobe : int, default 64
        IVF: default number of cells scanned per query.
    pq_m : int, optional
        IVF-PQ: sub-quantisers, a divisor of N; default the largest divisor of N up to ``N / 4``
        (25 codes for N = 100: 25 bytes of codes instead of 400 of floats).
    pq_bits : int, default 8
        IVF-PQ: bits per code (``2**pq_bits`` centroids per sub-quantiser).
    seed : int, default 1
        Seed of FAISS's k-means (IVF kinds). HNSW builds are deterministic in FAISS >= 1.15.
    threads : int, optional
        OpenMP threads for the build (default: FAISS's current setting).

    Returns
    -------
    VectorIndex

    Raises
    ------
    TypeError
        If the vectors are not floating point, or a parameter has the wrong type.
    ValueError
        If the vectors are empty or hold NaN/inf rows, ``kind``/``metric`` is unknown, a parameter is
        out of range, ``pq_m`` does not divide N, or there are too few vectors to train the cells
        (``nlist``) or the codebooks (``2**pq_bits``).
    """
    faiss = _faiss()
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    keys, vectors = _source(kv)
    x = _as_matrix(vectors, "vectors")
    n, dim = x.shape
    if n == 0:
        raise ValueError("cannot build an index over zero vectors")
    params = {}
    if kind == "hnsw":
        params.update(M=_check_int("M", M, 2), ef_construction=_check_int("ef_construction", ef_construction, 1),
                      ef_search=_check_int("ef_search", ef_search, 1))
    if kind in ("ivf", "ivfpq"):
        nlist = _default_nlist(n) if nlist is None else _check_int("nlist", nlist, 1)
        if nlist > n:
            raise ValueError(f"nlist={nlist} cells need at least as many vectors; got {n}")
        params.update(nlist=nlist, nprobe=_check_int("nprobe", nprobe, 1), seed=_check_int("seed", seed, 0))
    if kind == "ivfpq":
        if pq_m is None:
            pq_m = max(m for m in range(1, max(dim // 4, 1) + 1) if dim % m == 0)
        pq_m = _check_int("pq_m", pq_m, 1)
        if dim % pq_m:
            raise ValueError(f"pq_m={pq_m} must divide the vector size {dim}")
        pq_bits = _check_int("pq_bits", pq_bits, 1)
        if pq_bits > 16:
            raise ValueError(f"pq_bits must be <= 16, got {pq_bits}")
        if n < 2 ** pq_bits:
            raise ValueError(f"IVF-PQ with pq_bits={pq_bits} trains {2 ** pq_bits} centroids per "
                             f"sub-quantiser and needs at least that many vectors; got {n} "
                             "(lower pq_bits, or use kind='ivf')")
        params.update(pq_m=pq_m, pq_bits=pq_bits)
    if threads is not None:
        _check_int("threads", threads, 1)
    if metric == "cosine":
        x = _unit_rows(x)
    faiss_metric = faiss.METRIC_INNER_PRODUCT

    with (faiss_threads(threads) if threads is not None else contextlib.nullcontext()):
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, params["M"], faiss_metric)
            index.hnsw.efConstruction = params["ef_construction"]
            index.hnsw.efSearch = params["ef_search"]
        else:
            quantizer = faiss.IndexFlatIP(dim)
            if kind == "ivf":
                index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss_metric)
            else:
                index = faiss.IndexIVFPQ(quantizer, dim, nlist, pq_m, pq_bits, faiss_metric)
            index.cp.seed = params["seed"]
            index.nprobe = params["nprobe"]
            index.train(x)  # faiss's Python wrapper keeps `quantizer` alive with `index`
        index.add(x)
    return VectorIndex(index, kind, metric, keys, params)


def exact_neighbours(vectors, queries, k, metric="cosine", exclude=None, block=1024):
    """Exact top-``k`` rows of ``vectors`` for each query, by a blocked NumPy scan: the ground truth.

    Parameters
    ----------
    vectors : array_like of float, shape (V, N)
    queries : array_like of float, shape (n, N)
    k : int
    metric : {"cosine", "inner_product"}
    exclude : array_like of int, shape (n,), optional
        A row to leave out of each query's result (the query's own row).
    block : int
        Queries scored per matrix product (bounds the memory to ``block * V`` floats).

    Returns
    -------
    scores : numpy.ndarray of float32, shape (n, k)
    ids : numpy.ndarray of int64, shape (n, k)
        Best first; ties by the lower row number.
    """
    x = _as_matrix(vectors, "vectors")
    q = _as_matrix(queries, "queries", x.shape[1])
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    k = _check_int("k", k, 1)
    if k > len(x) - (exclude is not None):
        raise ValueError(f"k={k} is larger than the {len(x)} vectors searched")
    if metric == "cosine":
        x, q = _unit_rows(x), _unit_rows(q)
    ids = np.empty((len(q), k), np.int64)
    scores = np.empty((len(q), k), np.float32)
    for start in range(0, len(q), block):
        sims = q[start:start + block] @ x.T
        rows = np.arange(len(sims))
        if exclude is not None:
            sims[rows, np.asarray(exclude[start:start + block])] = -np.inf
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top_s = np.take_along_axis(sims, top, axis=1)
        order = np.lexsort((top, -top_s), axis=1)
        ids[start:start + len(sims)] = np.take_along_axis(top, order, axis=1)
        scores[start:start + len(sims)] = np.take_along_axis(top_s, order, axis=1)
    return scores, ids


def recall_at_k(found, truth) -> float:
    """Mean over queries of ``|found ∩ truth| / k``: recall@k of an approximate search.

    Parameters
    ----------
    found, truth : array_like of int, shape (n, k)
        Neighbour ids per query (``-1`` entries in ``found`` count as misses).
    """
    found, truth = np.asarray(found), np.asarray(truth)
    if found.shape != truth.shape or found.ndim != 2:
        raise ValueError(f"found and truth must be (n, k) arrays of the same shape, got {found.shape} "
                         f"and {truth.shape}")
    hits = sum(len(np.intersect1d(f[f >= 0], t)) for f, t in zip(found, truth))
    return hits / truth.size if truth.size else 0.0


def most_similar(kv, positive=None, negative=None, topn=10, index=None, restrict_vocab=None,
                 **search_params):
    """:meth:`KeyedVectors.most_similar`, answered by ``index`` when one is given.

    The query is built exactly as ``kv.most_similar`` builds it (the weighted mean of the unit
    vectors of the keys, 3CosAdd); the index is then searched for ``topn`` plus the number of input
    keys, and the input keys are dropped. Without ``index`` this is ``kv.most_similar``: exact search
    stays the default and the ground truth.

    The index may hold other keys than ``kv`` -- e.g. an index over an old model, queried with a
    retrained model's vectors aligned to it (:func:`embedlearn.alignment.procrustes`); results are
    the index's keys.

    Parameters
    ----------
    kv : KeyedVectors
        Where the query keys are looked up.
    positive, negative, topn, restrict_vocab
        As :meth:`KeyedVectors.most_similar` (``restrict_vocab`` only without an index).
    index : VectorIndex, optional
        A cosine index (``metric="cosine"``), with keys.
    **search_params
        ``ef_search`` or ``nprobe``, passed to :meth:`VectorIndex.search`.

    Returns
    -------
    list of (str, float)
    """
    if index is None:
        if search_params:
            raise ValueError(f"{sorted(search_params)} need an index")
        return kv.most_similar(positive=positive, negative=negative, topn=topn,
                               restrict_vocab=restrict_vocab)
    from .keyedvectors import _ensure_list, _unit

    if restrict_vocab is not None:
        raise ValueError("restrict_vocab cannot be combined with an index (the index covers the rows "
                         "it was built on); build the index over the rows you want")
    if index.keys is None:
        raise ValueError("the index has no keys (built from a bare array)")
    if index.metric != "cosine":
        raise ValueError(f"most_similar ranks by cosine; this index is {index.metric!r}")
    if index.dim != kv.vector_size:
        raise ValueError(f"the index holds {index.dim}-dimensional vectors, kv has {kv.vector_size}")
    topn = _check_int("topn", topn, 0)
    if topn == 0:
        return []
    positive, negative = _ensure_list(positive), _ensure_list(negative)
    pv, pw, pi = kv._query_terms(positive, 1.0)
    nv, nw, ni = kv._query_terms(negative, -1.0)
    vecs, weights = pv + nv, pw + nw
    if not vecs:
        raise ValueError("cannot compute similarity with no input")
    mean = np.zeros(kv.vector_size, dtype=np.float32)
    for v, w in zip(vecs, weights):
        mean += np.float32(w) * v
    exclude = {kv.index_to_key[i] for i in pi + ni}
    k = min(topn + len(exclude), len(index))
    hits = index.search_keys(_unit(mean), k, **search_params)[0]
    return [(key, score) for key, score in hits if key not in exclude][:topn]
