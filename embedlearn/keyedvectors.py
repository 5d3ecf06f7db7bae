"""Trained vectors and the queries run on them: the ``.wv`` of every model.

:class:`KeyedVectors` keeps gensim 4's names and meanings (users arrive from gensim): ``wv["king"]``,
``wv["new"] = vector``, ``add_vectors``, ``most_similar`` (3CosAdd), ``most_similar_cosmul``
(3CosMul), ``similarity``, ``distances``, ``rank``, ``get_mean_vector``, ``vectors_for_all``,
``evaluate_word_analogies``, ``evaluate_word_pairs`` and the word2vec.c text/binary formats, plain or
compressed (``.gz``, ``.bz2``, ``.xz``). Where this module departs from gensim it says so in the
docstring concerned.

All similarity queries work on unit-length rows, ``vectors / ||vectors||``, computed once and cached
(:meth:`KeyedVectors.get_normed_vectors`); a zero row stays zero, so it is similar to nothing (cosine 0)
instead of poisoning results with NaN. Every mutation through the class (``wv[key] = v``,
``add_vectors``, ``unit_normalize_all``, assigning ``vectors``) drops that cache.
"""
from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from numbers import Integral

import numpy as np

from ._io import atomic_write, compression_from_name, open_for_reading, read_npz, write_compressed
from .errors import ModelFileError, TruncatedFileError

__all__ = ["KeyedVectors"]

logger = logging.getLogger(__name__)

# gensim's epsilon in 3CosMul: keeps the quotient finite when a negative term's shifted cosine is 0.
COSMUL_EPSILON = 1e-6

_NATIVE_FORMAT = "embedlearn.KeyedVectors/1"
_VECATTR_PREFIX = "vecattr_"
_BINARY_CHUNK = 1 << 20
# word2vec.c caps words at 100 bytes; gensim has no cap. Far beyond any word, this stops a search
# for the space after a word from reading a whole non-word2vec file into memory.
_MAX_WORD_BYTES = 1 << 20
# Characters that the word2vec formats use as separators; a key containing one cannot be stored.
_FORBIDDEN_IN_KEYS = (" ", "\t", "\n", "\r")
_WHITESPACE = b" \t\r\n"


def _is_index(key) -> bool:
    """An int (not a bool) used as a key means a row index, as in gensim."""
    return isinstance(key, Integral) and not isinstance(key, bool)


def _is_single_key(key) -> bool:
    return isinstance(key, str) or _is_index(key)


@contextmanager
def _growing(kv):
    """Let the model that owns ``kv`` add keys to it (``build_vocab(update=True)``)."""
    owner, kv._owner = kv._owner, None
    try:
        yield kv
    finally:
        kv._owner = owner


def _missing(key, n_keys=None) -> KeyError:
    if _is_index(key) and n_keys is not None:
        return KeyError(f"word {key!r} not in vocabulary (an int key is a row index, "
                        f"0 <= index < {n_keys})")
    return KeyError(f"word {key!r} not in vocabulary")


def _ensure_list(value) -> list:
    """Wrap a single key or vector in a list, as gensim's ``most_similar`` does."""
    if value is None:
        return []
    if _is_single_key(value):
        return [value]
    if isinstance(value, np.ndarray):
        if value.ndim == 1:
            return [value]
        if value.ndim == 2:
            return list(value)
        raise ValueError(f"expected a 1-D vector or a 2-D array of vectors, got shape {value.shape}")
    return list(value)


def _check_restrict(restrict_vocab, n: int) -> int:
    """Number of leading rows to search; ``None`` or 0 means all (gensim)."""
    if restrict_vocab is None:
        return n
    if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, Integral):
        raise TypeError(f"restrict_vocab must be an int or None, got {type(restrict_vocab).__name__}")
    if restrict_vocab < 0:
        raise ValueError(f"restrict_vocab must be >= 0, got {restrict_vocab}")
    return n if restrict_vocab == 0 else min(int(restrict_vocab), n)


def _unit(v: np.ndarray) -> np.ndarray:
    """``v / ||v||`` in float32; a zero vector stays zero."""
    n = np.linalg.norm(v)
    return (v / n).astype(np.float32) if n > 0 else v.astype(np.float32)


def _top(sims: np.ndarray, topn: int, exclude: set) -> list:
    """Indices of the ``topn`` largest ``sims`` outside ``exclude``, best first, ties by index."""
    k = min(topn + len(exclude), len(sims))
    if k <= 0:
        return []
    cand = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else np.arange(len(sims))
    cand = cand[np.lexsort((cand, -sims[cand]))]
    return [int(i) for i in cand if int(i) not in exclude][:topn]


def _real_matrix(value, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return arr


def _vecattr_array(value, n: int, name: str) -> np.ndarray:
    """A per-key attribute as a 1-D numeric array of length ``n`` ("count" as int64)."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"vector attribute {name!r} must be numbers, got dtype {arr.dtype}")
    if name == "count":
        if arr.dtype.kind not in "iu":
            raise TypeError(f"counts must be integers, got dtype {arr.dtype}")
        arr = arr.astype(np.int64, copy=False)
    if arr.shape != (n,):
        raise ValueError(f"{'counts' if name == 'count' else repr(name)} must have shape ({n},), "
                         f"got {arr.shape}")
    return np.ascontiguousarray(arr)


def _write_word2vec(f, keys, vectors, binary: bool, write_header: bool) -> None:
    """Write ``keys``/``vectors`` to the open binary file ``f`` in word2vec.c's format."""
    n_rows, dim = vectors.shape
    if write_header:
        f.write(f"{n_rows} {dim}\n".encode("utf8"))
    if binary:
        little = vectors.astype("<f4", copy=False)
        for key, row in zip(keys, little):
            # word2vec.c writes the newline after each vector; readers strip it from the next word.
            f.write(key.encode("utf8") + b" " + row.tobytes() + b"\n")
    else:
        # '%.9g' (9 significant digits) round-trips every float32 exactly; word2vec.c's '%lf' keeps 6
        # decimals only. Any reader that uses atof/strtod/float() parses it.
        fmt = " ".join(["%.9g"] * dim)
        lines = []
        for key, row in zip(keys, vectors.tolist()):
            lines.append(key + " " + fmt % tuple(row) + "\n")
            if len(lines) >= 4096:
                f.write("".join(lines).encode("utf8"))
                lines.clear()
        f.write("".join(lines).encode("utf8"))


class KeyedVectors:
    """Vectors indexed by string keys, with the similarity queries of gensim 4's ``KeyedVectors``.

    Parameters
    ----------
    index_to_key : sequence of str
        The keys, row ``i`` of ``vectors`` belongs to ``index_to_key[i]``. Models order them by
        descending frequency, which ``restrict_vocab`` arguments rely on.
    vectors : array_like, shape (V, N)
        One row per key; stored as C-contiguous float32 (no copy if it already is, so a model can keep
        training the same array; call :meth:`fill_norms` with ``force=True`` after changing it in place).
    counts : array_like of int, shape (V,), optional
        Corpus frequency of each key, stored as int64 (the vector attribute ``"count"``).

    Raises
    ------
    TypeError
        If a key is not a ``str`` or ``vectors`` is not a real numeric array.
    ValueError
        If ``vectors`` is not 2-D, its row count differs from the number of keys, a key is repeated or
        ``counts`` has the wrong shape.

    Notes
    -----
    **Keys.** Keys are ``str``. An ``int`` given where a key is expected (``wv[0]``,
    ``wv.most_similar(0)``, ``wv.get_vector(0)``, ``0 in wv``) means that row index, as in gensim.

    **Contract with the models.** A model keeps one live ``KeyedVectors`` whose ``vectors`` *is* its
    input weight matrix:

    * after training changes the matrix in place, the model assigns ``kv.vectors = same_array``.
      That costs nothing (a C-contiguous float32 array is kept as is, ``kv.vectors is same_array``)
      and drops the cached unit vectors, so no query sees stale norms;
    * after a vocabulary update it calls ``kv.add_vectors(new_keys, new_rows)`` (inside
      :func:`_growing`) and adopts ``kv.vectors`` as its new weight matrix. ``add_vectors``
      allocates the grown C-contiguous float32 matrix once (one copy of the old rows, none of it
      afterwards); pass ``extras={"count": new_counts}`` to extend the counts too;
    * the model marks the vectors as its own (``_owner``, its class name). Such vectors refuse a
      *new* key from anyone else (``model.wv["new"] = v``): its row could not join the model's
      weights, so training would go on without it and ``model.wv`` would stop following
      training. Replacing an existing key's vector writes the weights in place, as in gensim.
      :meth:`copy` gives free vectors to extend.

    **Subclassing.** A subclass that can compose a vector for a key without a row (FastText, from
    character n-grams) overrides :meth:`_vector_for_missing`; :meth:`get_vector`, ``wv[key]``,
    :meth:`get_mean_vector`, the query methods and :meth:`vectors_for_all` (with
    ``allow_inference=True``) then use it. It should also override ``__contains__`` to say which
    keys it can serve; :meth:`has_index_for` keeps meaning "has a row".

    Examples
    --------
    >>> import numpy as np
    >>> wv = KeyedVectors(["a", "b"], np.array([[1.0, 0.0], [1.0, 1.0]]))
    >>> round(wv.similarity("a", "b"), 4)
    0.7071
    >>> wv["c"] = [0.0, 2.0]
    >>> wv.most_similar("c", topn=1)[0][0]
    'b'
    """

    #: Class name of the model whose input weights ``vectors`` is, or None (see the Notes).
    _owner = None

    def __init__(self, index_to_key, vectors, counts=None):
        keys = list(index_to_key)
        for i, key in enumerate(keys):
            if not isinstance(key, str):
                raise TypeError(f"keys must be str; index_to_key[{i}] is {type(key).__name__} {key!r}")
        keys = [str(k) for k in keys]  # plain str, not numpy.str_
        key_to_index = {}
        for i, key in enumerate(keys):
            j = key_to_index.setdefault(key, i)
            if j != i:
                raise ValueError(f"duplicate key {key!r} at positions {j} and {i}")
        self._index_to_key = keys
        self._key_to_index = key_to_index
        self._vecattrs = {}
        self.vectors = vectors
        self.counts = counts

    def copy(self):
        """An independent copy (keys, vectors, attributes), free of any model.

        Returns
        -------
        KeyedVectors
            Of the same class; its ``vectors`` are a new array, so changing or extending it
            leaves the original (and a model that trains the original) alone.
        """
        import copy

        clone = copy.deepcopy(self)
        clone._owner = None
        return clone

    # ------------------------------------------------------------------ storage
    @property
    def index_to_key(self) -> list:
        """list of str: the key of each row."""
        return self._index_to_key

    @property
    def key_to_index(self) -> dict:
        """dict: row index of each key."""
        return self._key_to_index

    @property
    def vectors(self) -> np.ndarray:
        """numpy.ndarray of float32, shape (V, N): one row per key.

        Assigning an array validates it and invalidates the cached unit vectors; a C-contiguous
        float32 array is stored as is (no copy), so ``kv.vectors = kv.vectors`` is the cheap way to
        say "the rows changed in place".
        """
        return self._vectors

    @vectors.setter
    def vectors(self, value) -> None:
        arr = _real_matrix(value, "vectors")
        if arr.ndim != 2:
            raise ValueError(f"vectors must be 2-D (V, N), got {arr.ndim}-D array of shape {arr.shape}")
        if arr.shape[0] != len(self._index_to_key):
            raise ValueError(
                f"vectors has {arr.shape[0]} rows but there are {len(self._index_to_key)} keys")
        if arr.shape[1] < 1:
            raise ValueError("vectors must have at least one column")
        self._vectors = np.ascontiguousarray(arr, dtype=np.float32)
        self._normed = None

    @property
    def counts(self):
        """numpy.ndarray of int64 or None: corpus count of each key (vector attribute ``"count"``)."""
        return self._vecattrs.get("count")

    @counts.setter
    def counts(self, value) -> None:
        if value is None:
            self._vecattrs.pop("count", None)
            return
        self._vecattrs["count"] = _vecattr_array(value, len(self._index_to_key), "count")

    @property
    def expandos(self) -> dict:
        """dict of str to numpy.ndarray: the per-key attributes by name (gensim's name), a copy of the
        mapping whose arrays are the live ones."""
        return dict(self._vecattrs)

    @property
    def vector_size(self) -> int:
        """int: dimension N of the vectors."""
        return self._vectors.shape[1]

    def __len__(self) -> int:
        return len(self._index_to_key)

    def has_index_for(self, key) -> bool:
        """Whether ``key`` has a row: a known key, or an int row index ``0 <= key < V`` (gensim)."""
        return self.get_index(key, -1) >= 0

    def __contains__(self, key) -> bool:
        return self.has_index_for(key)

    def __iter__(self):
        return iter(self._index_to_key)

    def __repr__(self) -> str:
        return f"KeyedVectors(n_keys={len(self)}, vector_size={self.vector_size})"

    def get_index(self, key, default=None) -> int:
        """Row index of ``key``; an int key is itself a row index (gensim).

        Parameters
        ----------
        key : str or int
        default : int, optional
            Returned instead of raising when ``key`` has no row.

        Raises
        ------
        KeyError
            If ``key`` is not in the vocabulary (and ``default`` is None).
        """
        try:
            return self._key_to_index[key]
        except (KeyError, TypeError):
            pass
        if _is_index(key) and 0 <= key < len(self._index_to_key):
            return int(key)
        if default is not None:
            return default
        raise _missing(key, len(self._index_to_key))

    def _vector_for_missing(self, key):
        """A vector for a ``key`` that has no row, or None: the hook for subclasses.

        The base class has none (returns None), so such keys raise ``KeyError``. FastText-style
        subclasses return a vector composed from subword rows; it must have shape ``(vector_size,)``.
        """
        return None

    def _raw_vector(self, key):
        """``(row index or None, raw vector)`` of ``key``, asking the subclass hook for keys without a
        row."""
        i = self.get_index(key, -1)
        if i >= 0:
            return i, self._vectors[i]
        vector = self._vector_for_missing(key)
        if vector is None:
            raise _missing(key, len(self._index_to_key))
        return None, np.asarray(vector, dtype=np.float32)

    def get_vector(self, key, norm: bool = False) -> np.ndarray:
        """The vector of ``key`` (a read-only view), unit-length if ``norm``.

        Parameters
        ----------
        key : str or int
            An int is a row index.
        norm : bool, default False
            Return ``v / ||v||`` (a zero vector stays zero).

        Raises
        ------
        KeyError
            ``"word 'xyz' not in vocabulary"``.
        """
        i, row = self._raw_vector(key)
        if norm:
            row = self.get_normed_vectors()[i] if i is not None else _unit(row)
        row = row.view()
        row.setflags(write=False)  # writing through it would bypass the norm cache
        return row

    def __getitem__(self, key_or_keys) -> np.ndarray:
        """``wv["word"]`` -> (N,) vector; ``wv[["a", "b"]]`` -> (2, N) array (a copy)."""
        if isinstance(key_or_keys, (list, tuple, np.ndarray)):
            keys = list(key_or_keys)
            idx = [self.get_index(k, -1) for k in keys]
            if -1 not in idx:
                return self._vectors[np.asarray(idx, dtype=np.intp)]
            return np.vstack([self.get_vector(k) for k in keys])
        return self.get_vector(key_or_keys)

    def __setitem__(self, keys, weights) -> None:
        """``wv[key] = vector`` or ``wv[[k1, k2]] = array``: :meth:`add_vectors` with ``replace=True``.

        An existing key (or int row index) gets the new vector, a new key is appended.
        """
        if isinstance(keys, (list, tuple, np.ndarray)):
            self.add_vectors(list(keys), weights, replace=True)
        else:
            self.add_vectors([keys], self._one_row(weights), replace=True)

    def _one_row(self, vector) -> np.ndarray:
        arr = _real_matrix(vector, "vector")
        if arr.shape != (self.vector_size,):
            raise ValueError(f"vector must have shape ({self.vector_size},), got {arr.shape}")
        return arr[None, :]

    def add_vectors(self, keys, weights, extras=None, replace=False) -> None:
        """Append keys and their vectors; an existing key keeps its vector unless ``replace``.

        Parameters
        ----------
        keys : str or int or list of (str or int)
            New keys must be ``str``; an int names an existing row.
        weights : array_like, shape (len(keys), N), or (N,) for a single key
        extras : mapping of str to array_like, optional
            Per-key attributes for these keys (e.g. ``{"count": counts}``), each of shape
            ``(len(keys),)``. New keys get 0 in the attributes not given, as in gensim.
        replace : bool, default False
            Overwrite the vectors (and the ``extras``) of keys that already exist.

        Raises
        ------
        TypeError
            If a new key is not a ``str`` or ``weights`` is not numeric.
        ValueError
            If ``weights`` has the wrong shape or a key appears twice in ``keys``. Nothing is changed
            when an error is raised.

        Notes
        -----
        New rows make one new C-contiguous float32 matrix (the old rows copied once); replaced rows are
        written in place. The cached unit vectors are dropped either way.
        """
        if _is_single_key(keys):
            keys, weights = [keys], self._one_row(weights)
        keys = list(keys)
        w = _real_matrix(weights, "weights")
        if w.size == 0 and not keys:
            return
        if w.shape != (len(keys), self.vector_size):
            raise ValueError(f"weights must have shape ({len(keys)}, {self.vector_size}) for "
                             f"{len(keys)} keys, got {w.shape}")
        positions, existing, new = {}, [], []
        for j, key in enumerate(keys):
            if not _is_single_key(key):
                raise TypeError(f"keys must be str (or int row indices); keys[{j}] is "
                                f"{type(key).__name__} {key!r}")
            i = self.get_index(key, -1)
            if i >= 0:
                previous = positions.setdefault(i, j)
                if previous != j:
                    raise ValueError(f"keys[{previous}] and keys[{j}] are the same row "
                                     f"({self._index_to_key[i]!r})")
                existing.append((i, j))
            elif not isinstance(key, str):
                raise _missing(key, len(self))
            else:
                previous = positions.setdefault(str(key), j)
                if previous != j:
                    raise ValueError(f"duplicate key {key!r} at positions {previous} and {j}")
                new.append(j)
        extra_arrays = {}
        for name, values in (extras or {}).items():
            if not isinstance(name, str) or not name:
                raise TypeError(f"vector attribute names must be non-empty str, got {name!r}")
            arr = _vecattr_array(values, len(keys), name)
            if name in self._vecattrs and not np.can_cast(arr.dtype, self._vecattrs[name].dtype,
                                                          "same_kind"):
                raise TypeError(f"vector attribute {name!r} is {self._vecattrs[name].dtype}; cannot "
                                f"store {arr.dtype} values in it")
            extra_arrays[name] = arr
        if new and self._owner is not None:
            raise ValueError(
                f"cannot add the new key {keys[new[0]]!r}: these vectors are the training weights "
                f"of a {self._owner} model, and a row added here would not be one of them "
                "(training would skip it and the vectors would stop following training). Grow "
                "the model with build_vocab(..., update=True) and train, or extend a free copy "
                "made by .copy() (e.g. kv = model.wv.copy())")
        # Everything is checked: mutate.
        for name, arr in extra_arrays.items():
            if name not in self._vecattrs:  # a new attribute: 0 for the keys that have no value
                self._vecattrs[name] = np.zeros(len(self._index_to_key), dtype=arr.dtype)
        if new:
            n_old = len(self._index_to_key)
            for offset, j in enumerate(new):
                key = str(keys[j])
                self._index_to_key.append(key)
                self._key_to_index[key] = n_old + offset
            self._vectors = np.concatenate([self._vectors, w[new]], dtype=np.float32,
                                           casting="same_kind")
            for name, column in self._vecattrs.items():
                added = extra_arrays[name][new] if name in extra_arrays \
                    else np.zeros(len(new), dtype=column.dtype)
                self._vecattrs[name] = np.concatenate([column, added.astype(column.dtype)])
        if replace and existing:
            rows = np.array([i for i, _ in existing], dtype=np.intp)
            cols = np.array([j for _, j in existing], dtype=np.intp)
            if not self._vectors.flags.writeable:
                self._vectors = self._vectors.copy()
            self._vectors[rows] = w[cols]
            for name, arr in extra_arrays.items():
                self._vecattrs[name][rows] = arr[cols]
        self._normed = None

    def add_vector(self, key, vector) -> int:
        """Add one key and its vector; return its row index.

        An existing key keeps its vector (as :meth:`add_vectors` without ``replace``; use
        ``wv[key] = vector`` to overwrite). Each call copies the whole matrix: add many keys with one
        :meth:`add_vectors` call instead.
        """
        row = self._one_row(vector)
        i = self.get_index(key, -1)
        if i >= 0:
            return i
        self.add_vectors([key], row)
        return len(self) - 1

    def get_vecattr(self, key, attr):
        """Value of the per-key attribute ``attr`` (e.g. ``"count"``) for ``key``, as gensim.

        Raises
        ------
        KeyError
            If ``key`` is unknown or no key has the attribute ``attr``.
        """
        i = self.get_index(key)
        try:
            return self._vecattrs[attr][i]
        except KeyError:
            raise KeyError(f"no vector attribute {attr!r}; the attributes are "
                           f"{sorted(self._vecattrs)}") from None

    def set_vecattr(self, key, attr, val) -> None:
        """Set the per-key attribute ``attr`` of ``key`` to the number ``val``.

        A new attribute is created for all keys, 0 for the others, with the type of ``val`` (int64,
        float64 or bool; ``"count"`` is always int64). Departure from gensim: values must be numbers
        (gensim also takes strings), so that every attribute is saved by :meth:`save`.

        Raises
        ------
        KeyError
            If ``key`` is unknown.
        TypeError
            If ``val`` is not a number, or cannot be stored in the attribute's type (a float in
            ``"count"``).
        """
        if not isinstance(attr, str) or not attr:
            raise TypeError(f"attribute names must be non-empty str, got {attr!r}")
        i = self.get_index(key)
        value = np.asarray(val)
        if value.ndim != 0 or value.dtype.kind not in "biuf":
            raise TypeError(f"vector attribute values must be numbers, got {val!r}")
        column = self._vecattrs.get(attr)
        if column is None:
            dtype = np.int64 if attr == "count" or value.dtype.kind in "iu" else value.dtype
            if attr == "count" and value.dtype.kind not in "biu":
                raise TypeError(f"counts must be integers, got {val!r}")
            column = self._vecattrs[attr] = np.zeros(len(self), dtype=dtype)
        elif not np.can_cast(value.dtype, column.dtype, "same_kind"):
            raise TypeError(f"vector attribute {attr!r} is {column.dtype}; cannot store {val!r} in it")
        column[i] = value

    def fill_norms(self, force: bool = False) -> None:
        """Compute the cached unit vectors (gensim's name).

        Parameters
        ----------
        force : bool, default False
            Recompute even if cached: needed after ``vectors`` was modified in place (assigning
            ``vectors``, even the same array, invalidates the cache by itself).
        """
        if self._normed is None or force:
            v = self._vectors
            norms = np.linalg.norm(v, axis=1, keepdims=True)
            normed = np.zeros_like(v)
            np.divide(v, norms, out=normed, where=norms > 0)
            normed.setflags(write=False)
            self._normed = normed

    def get_normed_vectors(self) -> np.ndarray:
        """All vectors scaled to unit L2 length, shape (V, N), cached and read-only.

        Zero rows stay zero (gensim would give NaN), so they have cosine 0 with everything.
        """
        self.fill_norms()
        return self._normed

    def unit_normalize_all(self) -> None:
        """Scale every row to unit length, in place (gensim); zero rows stay zero.

        The array keeps its identity, so a model sharing it sees the change; training on after this
        is rarely sensible.
        """
        v = self._vectors
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        if v.flags.writeable:
            np.divide(v, norms, out=v, where=norms > 0)
        else:
            self._vectors = np.divide(v, norms, out=v.copy(), where=norms > 0)
        self._normed = None

    def get_mean_vector(self, keys, weights=None, pre_normalize=True, post_normalize=False,
                        ignore_missing=True) -> np.ndarray:
        """Weighted mean of the vectors of ``keys``, as gensim 4.

        ``sum_k w_k v_k / sum_k |w_k|`` over the keys found, where ``v_k`` is the unit vector if
        ``pre_normalize`` (vectors given directly are used as given).

        Parameters
        ----------
        keys : str or int or ndarray, or list of them
        weights : array_like of float, shape (len(keys),), optional
            Default 1 for every key.
        pre_normalize : bool, default True
            Average unit vectors rather than raw ones.
        post_normalize : bool, default False
            Scale the mean to unit length.
        ignore_missing : bool, default True
            Skip unknown keys; if every key is unknown the result is the zero vector (gensim).

        Returns
        -------
        numpy.ndarray of float32, shape (N,)

        Raises
        ------
        ValueError
            If ``keys`` is empty, or ``weights`` or a given vector has the wrong shape.
        KeyError
            If a key is unknown and ``ignore_missing`` is False.
        """
        items = _ensure_list(keys)
        if not items:
            raise ValueError("cannot compute mean with no input")
        w = np.ones(len(items), dtype=np.float32) if weights is None \
            else np.asarray(weights, dtype=np.float32)
        if w.shape != (len(items),):
            raise ValueError(f"keys and weights must have the same length, got {len(items)} keys and "
                             f"weights of shape {w.shape}")
        mean = np.zeros(self.vector_size, dtype=np.float32)
        total = 0.0
        for item, weight in zip(items, w):
            if isinstance(item, np.ndarray):
                if item.shape != (self.vector_size,):
                    raise ValueError(f"vector must have shape ({self.vector_size},), got {item.shape}")
                vec = item.astype(np.float32)
            else:
                try:
                    vec = self.get_vector(item, norm=pre_normalize)
                except KeyError:
                    if not ignore_missing:
                        raise
                    continue
            mean += weight * vec
            total += abs(float(weight))
        if total > 0:
            mean /= np.float32(total)
        return _unit(mean) if post_normalize else mean

    def vectors_for_all(self, keys, allow_inference: bool = True,
                        copy_vecattrs: bool = False) -> "KeyedVectors":
        """A new :class:`KeyedVectors` with the vectors of the given keys, as gensim 4.

        Parameters
        ----------
        keys : iterable of str
            Deduplicated, first occurrence kept, order kept. Keys without a vector are left out.
        allow_inference : bool, default True
            Let a subclass compose vectors for keys without a row (:meth:`_vector_for_missing`; the
            base class composes none).
        copy_vecattrs : bool, default False
            Copy the per-key attributes (``"count"``...); keys without a row get 0.

        Returns
        -------
        KeyedVectors
            Always the base class, rows copied.

        Raises
        ------
        TypeError
            If a key is not a ``str`` (a KeyedVectors holds only str keys).
        """
        chosen, rows, inferred = [], [], {}
        seen = set()
        for key in keys:
            if not isinstance(key, str):
                raise TypeError(f"keys must be str, got {type(key).__name__} {key!r}")
            if key in seen:
                continue
            seen.add(key)
            i = self._key_to_index.get(key)
            if i is None:
                vector = self._vector_for_missing(key) if allow_inference else None
                if vector is None:
                    continue
                inferred[len(chosen)] = np.asarray(vector, dtype=np.float32)
                i = -1
            chosen.append(key)
            rows.append(i)
        idx = np.asarray(rows, dtype=np.intp)
        known = idx >= 0
        vectors = np.empty((len(chosen), self.vector_size), dtype=np.float32)
        vectors[known] = self._vectors[idx[known]]
        for position, vector in inferred.items():
            vectors[position] = vector
        kv = KeyedVectors(chosen, vectors)
        if copy_vecattrs:
            for name, column in self._vecattrs.items():
                copied = np.zeros(len(chosen), dtype=column.dtype)
                copied[known] = column[idx[known]]
                kv._vecattrs[name] = copied
        return kv

    # ------------------------------------------------------------------ queries
    def _query_terms(self, items, default_weight: float):
        """Split ``most_similar`` inputs into (unit-or-raw vector, weight) and the indices of keys."""
        vecs, weights, indices = [], [], []
        for item in items:
            weight = default_weight
            if isinstance(item, tuple):
                if len(item) != 2:
                    raise ValueError(f"expected (key or vector, weight), got a tuple of length {len(item)}")
                item, weight = item
            if isinstance(item, np.ndarray):
                if item.shape != (self.vector_size,):
                    raise ValueError(f"query vector must have shape ({self.vector_size},), got {item.shape}")
                vecs.append(item.astype(np.float32))
            else:
                i, raw = self._raw_vector(item)
                if i is None:  # a subclass composed it: no row to exclude from the results
                    vecs.append(_unit(raw))
                else:
                    indices.append(i)
                    vecs.append(self.get_normed_vectors()[i])
            weights.append(float(weight))
        return vecs, weights, indices

    def build_index(self, kind="flat", metric="cosine", **params):
        """A FAISS index over these vectors (see :func:`embedlearn.serving.build_index`).

        ``kind`` is ``"flat"`` (exact), ``"hnsw"``, ``"ivf"`` or ``"ivfpq"``; use the result
        with ``most_similar(..., index=...)`` or its own ``search``.
        """
        from .serving import build_index

        return build_index(self, kind=kind, metric=metric, **params)

    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None,
                     index=None, **search_params):
        """Nearest keys to a combination of keys/vectors: 3CosAdd, as gensim 4 and word2vec.c.

        The query is the weighted mean of the unit vectors of the given keys (raw vectors are used as
        given), ``q = (sum_p w_p v̂_p - sum_n w_n v̂_n) / sum |w|``, normalised to unit length; each key
        ``x`` is scored by ``cos(x, q)``. For an analogy ``a : b :: c : ?`` (``positive=[b, c],
        negative=[a]``) the argmax equals that of 3CosAdd, ``cos(x, b) - cos(x, a) + cos(x, c)``
        (Mikolov et al. 2013; Levy & Goldberg 2014). The keys given as input are excluded from the
        results, as in gensim and word2vec.c (d2l's helper forgets this); vectors given as input are not.

        Parameters
        ----------
        positive, negative : key, ndarray, or list of (key or ndarray or (item, weight)), optional
            Keys or vectors that contribute positively / negatively (default weights +1 / -1 as
            gensim; a ``(item, weight)`` tuple sets the weight). An int is a row index.
        topn : int or None, default 10
            Number of results; ``None`` returns the similarities of all searched keys as an array
            (as gensim), ``topn < 1`` returns ``[]``.
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` keys (the most frequent ones).
        index : embedlearn.serving.VectorIndex, optional
            Answer from an approximate nearest-neighbour index built over these vectors
            (:meth:`build_index`) instead of by exact search; ``search_params`` (e.g.
            ``ef_search``, ``nprobe``) go to its search. Exact search stays the default.

        Returns
        -------
        list of (str, float) or numpy.ndarray
            ``(key, cosine)`` pairs, most similar first (ties by index); or the array for ``topn=None``.

        Raises
        ------
        KeyError
            If a key is not in the vocabulary.
        ValueError
            If no input is given or a vector has the wrong shape.
        """
        if index is not None:
            from .serving import most_similar

            return most_similar(self, positive, negative, topn=topn, index=index,
                                restrict_vocab=restrict_vocab, **search_params)
        if search_params:
            raise TypeError(f"unexpected arguments {sorted(search_params)} (search parameters "
                            "need index=...)")
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive, negative = _ensure_list(positive), _ensure_list(negative)
        pv, pw, pi = self._query_terms(positive, 1.0)
        nv, nw, ni = self._query_terms(negative, -1.0)
        vecs, weights = pv + nv, pw + nw
        if not vecs:
            raise ValueError("cannot compute similarity with no input")
        n_search = _check_restrict(restrict_vocab, len(self))
        mean = np.zeros(self.vector_size, dtype=np.float32)
        for v, w in zip(vecs, weights):
            mean += np.float32(w) * v
        total = sum(abs(w) for w in weights)
        if total > 0:
            mean /= np.float32(total)
        dists = self.get_normed_vectors()[:n_search] @ _unit(mean)
        if topn is None:
            return dists
        best = _top(dists, int(topn), set(pi + ni))
        return [(self._index_to_key[i], float(dists[i])) for i in best]

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """Nearest keys by the multiplicative objective 3CosMul (Levy & Goldberg 2014, CoNLL, eq. 4).

        Each cosine is shifted to ``[0, 1]`` by ``s(x, y) = (1 + cos(x, y)) / 2`` (their footnote 7)
        and a key ``x`` is scored by ``prod_p s(x, p) / (prod_n s(x, n) + 1e-6)``, gensim's formula and
        epsilon. For ``a : b :: c : ?`` that is ``s(x, b) s(x, c) / (s(x, a) + 1e-6)``. Input keys are
        excluded from the results.

        Departures from gensim 4: vectors given as input are normalised first (gensim uses them as
        given, which is a cosine only if they are unit-length), and ``restrict_vocab`` is honoured
        (gensim 4 accepts but ignores it).

        Parameters
        ----------
        positive, negative : str, ndarray or list of (str or ndarray), optional
            At least one positive term is required.
        topn : int or None, default 10
            As in :meth:`most_similar`.
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` keys.

        Returns
        -------
        list of (str, float) or numpy.ndarray
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive, negative = _ensure_list(positive), _ensure_list(negative)
        if any(isinstance(t, tuple) for t in positive + negative):
            raise TypeError("most_similar_cosmul does not take (key, weight) tuples")
        pv, _, pi = self._query_terms(positive, 1.0)
        nv, _, ni = self._query_terms(negative, -1.0)
        if not pv:
            raise ValueError("cannot compute similarity with no input")
        n_search = _check_restrict(restrict_vocab, len(self))
        unit = self.get_normed_vectors()[:n_search]
        num = np.ones(n_search, dtype=np.float32)
        for v in pv:
            num *= (1 + unit @ _unit(v)) / 2
        den = np.ones(n_search, dtype=np.float32)
        for v in nv:
            den *= (1 + unit @ _unit(v)) / 2
        dists = num / (den + np.float32(COSMUL_EPSILON))
        if topn is None:
            return dists
        best = _top(dists, int(topn), set(pi + ni))
        return [(self._index_to_key[i], float(dists[i])) for i in best]

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """Keys nearest to ``vector`` by cosine (nothing excluded); see :meth:`most_similar`."""
        return self.most_similar(positive=[np.asarray(vector)], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_key(self, key, topn=10, restrict_vocab=None):
        """Keys nearest to ``key`` by cosine, ``key`` itself excluded; see :meth:`most_similar`."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_word = similar_by_key

    def similarity(self, w1, w2) -> float:
        """Cosine similarity ``v1·v2 / (||v1|| ||v2||)`` of two keys (0 if either vector is zero).

        Exactly 1.0 for a key with itself (or two keys with identical nonzero vectors): float32
        rounding would otherwise give ``1 - 6e-8``, and ``distance(w, w)`` would not be 0. Other values
        are clipped to ``[-1, 1]``.
        """
        i, v1 = self._raw_vector(w1)
        j, v2 = self._raw_vector(w2)
        if np.array_equal(v1, v2):
            return 1.0 if np.any(v1) else 0.0
        normed = self.get_normed_vectors()
        u1 = normed[i] if i is not None else _unit(v1)
        u2 = normed[j] if j is not None else _unit(v2)
        return float(np.clip(np.dot(u1, u2), -1.0, 1.0))

    def distance(self, w1, w2) -> float:
        """Cosine distance ``1 - similarity(w1, w2)``: exactly 0 for a key with itself."""
        return 1.0 - self.similarity(w1, w2)

    @staticmethod
    def cosine_similarities(vector_1, vectors_all) -> np.ndarray:
        """Cosines between ``vector_1`` (N,) and each row of ``vectors_all`` (M, N), as gensim.

        Zero vectors have cosine 0 with everything (gensim gives NaN).
        """
        rows = np.asarray(vectors_all, dtype=np.float32)
        norms = np.linalg.norm(rows, axis=1)
        unit = np.divide(rows, norms[:, None], out=np.zeros_like(rows), where=norms[:, None] > 0)
        return unit @ _unit(np.asarray(vector_1, dtype=np.float32))

    def distances(self, word_or_vector, other_words=()) -> np.ndarray:
        """Cosine distances from a key or vector to ``other_words`` (default: every key), as gensim.

        Rows identical to the query (the key itself) are at distance exactly 0; a zero row is at
        distance 1 from everything (gensim gives NaN).

        Parameters
        ----------
        word_or_vector : str or int or ndarray of shape (N,)
        other_words : sequence of keys, optional

        Returns
        -------
        numpy.ndarray of float32, shape (len(other_words),) or (V,)

        Raises
        ------
        KeyError
            If a key is unknown.
        """
        if isinstance(word_or_vector, np.ndarray):
            if word_or_vector.shape != (self.vector_size,):
                raise ValueError(f"vector must have shape ({self.vector_size},), "
                                 f"got {word_or_vector.shape}")
            query = word_or_vector.astype(np.float32)
        else:
            query = self._raw_vector(word_or_vector)[1]
        if len(other_words) == 0:
            rows, unit = self._vectors, self.get_normed_vectors()
        else:
            idx = np.array([self.get_index(w) for w in other_words], dtype=np.intp)
            rows, unit = self._vectors[idx], self.get_normed_vectors()[idx]
        sims = np.clip(unit @ _unit(query), -1.0, 1.0)
        if np.any(query):
            # Rows identical to the query are at distance exactly 0; compare only the few near 1.
            near = np.flatnonzero(sims > 1 - 1e-4)
            sims[near[np.all(rows[near] == query, axis=1)]] = 1.0
        return (1.0 - sims).astype(np.float32)

    def closer_than(self, key1, key2) -> list:
        """Keys closer to ``key1`` than ``key2`` is (by cosine distance), in row order, ``key1``
        excluded (gensim)."""
        dists = self.distances(key1)
        i1, i2 = self.get_index(key1), self.get_index(key2)
        return [self._index_to_key[i] for i in np.flatnonzero(dists < dists[i2]) if i != i1]

    words_closer_than = closer_than

    def rank(self, key1, key2) -> int:
        """Rank of ``key2`` among the neighbours of ``key1``: ``len(closer_than(key1, key2)) + 1``."""
        return len(self.closer_than(key1, key2)) + 1

    def most_similar_to_given(self, key1, keys_list):
        """The key of ``keys_list`` most similar to ``key1`` (the first one on ties), as gensim."""
        keys_list = list(keys_list)
        if not keys_list:
            raise ValueError("most_similar_to_given needs a non-empty keys_list")
        return keys_list[int(np.argmax([self.similarity(key1, k) for k in keys_list]))]

    def relative_cosine_similarity(self, wa, wb, topn=10) -> float:
        """``cos(wa, wb) / sum of the cosines of wa's topn nearest keys`` (Leeuwenberg et al. 2016,
        eq. 1), as gensim; above about ``1/topn``, wb is closer to wa than a typical top-n neighbour.

        Raises
        ------
        ValueError
            If ``wa`` has no neighbours (``topn < 1`` or a single key).
        """
        sims = self.similar_by_key(wa, topn=topn)
        if not sims:
            raise ValueError("cannot calculate relative cosine similarity without any similar words")
        return self.similarity(wa, wb) / sum(s for _, s in sims)

    def n_similarity(self, ws1, ws2) -> float:
        """Cosine similarity of the means of two sets of (raw, not normalised) vectors, as gensim."""
        if not len(ws1) or not len(ws2):
            raise ValueError("n_similarity needs two non-empty lists of keys")
        m1 = self[list(ws1)].mean(axis=0)
        m2 = self[list(ws2)].mean(axis=0)
        return float(np.dot(_unit(m1), _unit(m2)))

    def doesnt_match(self, words) -> str:
        """The key farthest from the others: lowest cosine to the normalised mean of their unit vectors.

        As gensim's ``doesnt_match`` except that an unknown key raises ``KeyError`` (gensim drops it
        with a warning).
        """
        words = list(words)
        if not words:
            raise ValueError("doesnt_match needs at least one key")
        unit = np.vstack([self.get_vector(w, norm=True) for w in words])
        dists = unit @ _unit(unit.mean(axis=0))
        return words[int(np.argmin(dists))]

    # ------------------------------------------------------------------ evaluation
    def _ok_vocab(self, restrict_vocab, case_insensitive):
        """gensim's ``ok_vocab``: (upper-cased) key -> index of its first occurrence among the first
        ``restrict_vocab`` keys (``None``: all keys), and the list of those (upper-cased) keys."""
        if restrict_vocab is not None and (isinstance(restrict_vocab, bool)
                                           or not isinstance(restrict_vocab, Integral) or restrict_vocab < 0):
            raise ValueError(f"restrict_vocab must be a non-negative int or None, got {restrict_vocab!r}")
        keys = self._index_to_key[:restrict_vocab]
        norm_keys = [k.upper() for k in keys] if case_insensitive else keys
        ok = {}
        for i, k in enumerate(norm_keys):
            ok.setdefault(k, i)  # the first (most frequent) variant wins, as gensim
        return ok, norm_keys

    def evaluate_word_analogies(self, analogies, restrict_vocab=30000, case_insensitive=True,
                                dummy4unknown=False):
        """Accuracy on an analogy test set by 3CosAdd, with gensim 4's conventions and results.

        For each question ``a b c expected`` the prediction is
        ``argmax_x cos(x, b) - cos(x, a) + cos(x, c)`` over the first ``restrict_vocab`` keys, with
        ``a``, ``b``, ``c`` excluded (word2vec.c's ``compute-accuracy``; gensim). The questions are
        scored in batches, ``(b̂ + ĉ - â) @ unit_vectors.T`` with the query words masked, so the 19,544
        Google questions against 30,000 words take seconds.

        Parameters
        ----------
        analogies : str or os.PathLike or mapping or iterable
            A file in ``questions-words.txt`` format (``: section`` lines, then one question of 4 words
            per line; lines of another length are skipped, as gensim does), or already parsed
            questions: a mapping ``{section: [(a, b, c, d), ...]}``, a list of ``(section, [(a, b, c,
            d), ...])`` (what :func:`embedlearn.datasets.load_analogy_questions` returns) or an iterable
            of ``(section, a, b, c, d)``.
        restrict_vocab : int or None, default 30000
            Only the first ``restrict_vocab`` keys are candidates, and a question with a word outside
            them is skipped (not counted) unless ``dummy4unknown``. gensim's default is 300000; 30,000
            is the convention of Mikolov et al. 2013 and of most papers.
        case_insensitive : bool, default True
            Upper-case the keys and the questions before matching (gensim); when several keys have
            the same upper-case form, the first (most frequent) one's vector is used, and a
            prediction counts as right if it matches ``expected`` in upper case.
        dummy4unknown : bool, default False
            Count questions with unknown words as incorrect instead of skipping them.

        Returns
        -------
        accuracy : float
            ``correct / (correct + incorrect)`` over all sections (0.0 if nothing was evaluated).
        sections : list of dict
            One ``{"section": name, "correct": [...], "incorrect": [...]}`` per section, in file order,
            then ``"Total accuracy"``; the lists hold ``(a, b, c, expected)`` tuples (upper-cased if
            ``case_insensitive``), as gensim.

        Raises
        ------
        ValueError
            If a question comes before the first section header.
        """
        ok, norm_keys = self._ok_vocab(restrict_vocab, case_insensitive)
        n_search = len(norm_keys)
        # Keys sharing an upper-case form: all of them are masked when one is a query word.
        variants = {}
        if case_insensitive:
            for i, k in enumerate(norm_keys):
                if ok[k] != i:
                    variants.setdefault(ok[k], [ok[k]]).append(i)
        canon = np.fromiter((ok[k] for k in norm_keys), dtype=np.int64, count=n_search)

        sections, questions, oov = [], [], 0  # questions: (section index, tuple, (ia, ib, ic, ie))
        for name, words in _iter_analogies(analogies):
            if words is None:
                sections.append({"section": name, "correct": [], "incorrect": []})
                continue
            quad = tuple(w.upper() for w in words) if case_insensitive else tuple(words)
            qids = [ok.get(w) for w in quad]
            if None in qids:
                oov += 1
                if dummy4unknown:
                    sections[-1]["incorrect"].append(quad)
                continue
            questions.append((len(sections) - 1, quad, qids))

        normed = self.get_normed_vectors()[:n_search]
        batch = max(1, (1 << 19) // max(n_search, 1))  # about 2 MB of float32 similarities per batch
        for start in range(0, len(questions), batch):
            chunk = questions[start:start + batch]
            ids = np.array([q[2] for q in chunk], dtype=np.int64).reshape(-1, 4)
            query = normed[ids[:, 1]] + normed[ids[:, 2]] - normed[ids[:, 0]]
            sims = query @ normed.T
            rows = np.arange(len(chunk))
            for col in range(3):
                sims[rows, ids[:, col]] = -np.inf
            if variants:
                for r, q in enumerate(chunk):
                    for i in q[2][:3]:
                        if i in variants:
                            sims[r, variants[i]] = -np.inf
            pred = np.argmax(sims, axis=1)
            found = sims[rows, pred] > -np.inf
            right = found & (canon[pred] == ids[:, 3])
            for q, is_right in zip(chunk, right):
                sections[q[0]]["correct" if is_right else "incorrect"].append(q[1])

        total = {
            "section": "Total accuracy",
            "correct": [q for s in sections for q in s["correct"]],
            "incorrect": [q for s in sections for q in s["incorrect"]],
        }
        n_eval = len(total["correct"]) + len(total["incorrect"])
        accuracy = len(total["correct"]) / n_eval if n_eval else 0.0
        logger.info("analogies: %.1f%% (%d/%d), %d questions with unknown words %s", 100 * accuracy,
                    len(total["correct"]), n_eval, oov, "counted wrong" if dummy4unknown else "skipped")
        sections.append(total)
        return accuracy, sections

    def evaluate_word_pairs(self, pairs, delimiter="\t", encoding="utf8", restrict_vocab=300000,
                            case_insensitive=True, dummy4unknown=False):
        """Correlation of cosine similarities with human judgements (WordSim-353 etc.), as gensim 4.

        Parameters
        ----------
        pairs : str or os.PathLike or iterable of (str, str, float)
            A file of ``word1<delimiter>word2<delimiter>score`` lines, ``#`` lines being comments
            (gensim's ``wordsim353.tsv``), or the parsed triples. Lines with more than three fields use
            the first three (Stanford Rare Words' ``rw.txt``; gensim skips such lines). Other
            malformed lines are skipped, as gensim.
        delimiter : str, default tab
        encoding : str, default 'utf8'
        restrict_vocab : int, default 300000
            Pairs with a word outside the first ``restrict_vocab`` keys count as out of vocabulary.
        case_insensitive : bool, default True
            Upper-case keys and pairs before matching (first occurrence wins, as gensim).
        dummy4unknown : bool, default False
            Give out-of-vocabulary pairs similarity 0 instead of skipping them.

        Returns
        -------
        pearson : embedlearn.evaluation.CorrelationResult
            ``(statistic, pvalue)`` of Pearson's r between the scores and the cosines (the values
            of ``scipy.stats.pearsonr``, without importing ``scipy.stats``).
        spearman : embedlearn.evaluation.CorrelationResult
            ``(statistic, pvalue)`` of Spearman's rho (as ``scipy.stats.spearmanr``).
        oov_ratio : float
            Percentage of pairs with unknown words; with gensim's formulas: ``100 * oov / (used + oov)``,
            or ``100 * oov / used`` when ``dummy4unknown`` (the dummies are among the used pairs).

        Raises
        ------
        ValueError
            If no pair could be evaluated.
        """
        from .evaluation import pearson as pearson_r, spearman as spearman_rho

        ok, _ = self._ok_vocab(restrict_vocab, case_insensitive)
        normed = self.get_normed_vectors()
        gold, model, oov = [], [], 0
        for a, b, score in _iter_pairs(pairs, delimiter, encoding):
            if case_insensitive:
                a, b = a.upper(), b.upper()
            if a not in ok or b not in ok:
                oov += 1
                if dummy4unknown:
                    gold.append(score)
                    model.append(0.0)
                continue
            gold.append(score)
            model.append(float(np.dot(normed[ok[a]], normed[ok[b]])))
        if not gold:
            raise ValueError(f"no valid similarity judgements found in {pairs!r}: "
                             "wrong format, or every pair has an out-of-vocabulary word")
        pearson = pearson_r(gold, model)
        spearman = spearman_rho(gold, model)
        # gensim's formulas, in gensim's order of operations (so the floats are identical)
        oov_ratio = oov / (len(gold) if dummy4unknown else len(gold) + oov) * 100
        logger.info("pairs: Pearson %.4f, Spearman %.4f, OOV %.1f%%", pearson[0], spearman[0], oov_ratio)
        return pearson, spearman, oov_ratio

    # ------------------------------------------------------------------ word2vec.c formats
    def _check_keys_storable(self) -> None:
        for i, key in enumerate(self._index_to_key):
            if not key or any(c in key for c in _FORBIDDEN_IN_KEYS):
                raise ValueError(
                    f"key {key!r} (index {i}) cannot be stored in word2vec format: keys must be "
                    "non-empty and contain no space, tab or newline")

    def save_word2vec_format(self, path, binary=False, write_header=True) -> None:
        """Save in word2vec.c's format, readable by word2vec.c's tools and gensim.

        Text: a header ``"V N\\n"`` then one ``"word v1 v2 ... vN\\n"`` line per key, numbers written
        with 9 significant digits so float32 values round-trip exactly (word2vec.c writes 6 decimals).
        Binary: the header, then per key ``"word "``, N little-endian float32 and ``"\\n"``, as
        word2vec.c's ``-binary 1`` (gensim 4 omits the newline; readers accept both).
        ``write_header=False`` gives the GloVe tool's text format. A path ending in ``.gz``, ``.bz2``
        or ``.xz`` is compressed accordingly (``GoogleNews-vectors-negative300.bin.gz`` style).

        The file is written to a temporary file in the same directory and renamed over ``path``, so
        an interrupted save never leaves a half-written file (see :func:`embedlearn._io.atomic_write`).

        Parameters
        ----------
        path : str or os.PathLike
        binary : bool, default False
        write_header : bool, default True

        Raises
        ------
        ValueError
            Before writing anything, if a key is empty or contains a space, tab or newline (the
            format cannot represent it).
        """
        self._check_keys_storable()
        compression = compression_from_name(path)
        atomic_write(path, lambda f: write_compressed(
            f, compression,
            lambda out: _write_word2vec(out, self._index_to_key, self._vectors, binary, write_header)))

    @classmethod
    def load_word2vec_format(cls, path, binary=False, limit=None, no_header=False, encoding="utf8",
                             unicode_errors="strict", allow_nonfinite=False):
        """Load vectors saved by word2vec.c, gensim, fastText (``.vec``) or GloVe (``no_header``).

        Text lines are split on single spaces after stripping trailing whitespace (word2vec.c ends
        each line with a space; Windows files with ``\\r``), as gensim. In binary files a newline
        before a word is dropped, so files with (word2vec.c) or without (gensim 4) a newline after
        each vector both load. A repeated word keeps its first vector, with a warning, as gensim.
        gzip, bz2 and xz files are decompressed on the fly, recognised by their first bytes.

        The reader is stricter than gensim's, so a damaged file cannot load as plausible vectors:

        * a text file whose last line has no final newline is truncated (its last number may have
          lost digits), as is a file with fewer vectors than its header declares;
        * a file with *more* vectors than its header declares is an error, unless a ``limit`` is
          given (gensim silently drops the rest);
        * ``nan``, ``inf`` and text numbers beyond the float32 range are errors unless
          ``allow_nonfinite=True``.

        Parameters
        ----------
        path : str or os.PathLike
        binary : bool, default False
        limit : int, optional
            Read at most this many vectors (the first ones: the most frequent in word2vec files).
            The rest of the file is then not read, nor checked.
        no_header : bool, default False
            The file has no ``"V N"`` line (GloVe's text output); V and N are inferred. Text only.
        encoding : str, default 'utf8'
        unicode_errors : str, default 'strict'
            Passed to ``bytes.decode``; ``'ignore'`` helps with word2vec.c files whose words were cut
            inside a multi-byte character.
        allow_nonfinite : bool, default False
            Accept ``nan`` and ``inf`` values. By default they are an error: one NaN row makes every
            similarity with it NaN, which then sorts unpredictably in ``most_similar``.

        Returns
        -------
        KeyedVectors
            ``counts`` is ``None``: the format does not store them.

        Raises
        ------
        TruncatedFileError
            If the file ends early: inside a line, a word, a vector or the compressed stream, or
            before the declared number of vectors. Also a ``ValueError`` and an ``EOFError``
            (gensim's type).
        ModelFileError
            If the file is malformed or holds non-finite values. Also a ``ValueError``.

        Every message names the file and the line (text) or byte offset (binary, counted in the
        uncompressed data) and says what was expected there.
        """
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, Integral) or limit < 0):
            raise ValueError(f"limit must be a non-negative int or None, got {limit!r}")
        if no_header and binary:
            raise ValueError("no_header=True works only with text files (binary=False): the vector "
                             "size of a binary file cannot be inferred")
        path = os.fspath(path)
        # With a limit the caller asked for the first vectors only: the rest is neither read nor checked.
        opts = dict(path=path, encoding=encoding, unicode_errors=unicode_errors,
                    allow_nonfinite=allow_nonfinite, check_rest=limit is None)
        with open_for_reading(path) as f:
            if no_header:
                keys, rows = _read_text(f, declared=None, n_rows=limit, dim=None, **opts)
            else:
                raw = f.readline()
                declared, dim = _parse_header(raw, path)
                n_rows = declared if limit is None else min(declared, limit)
                read = _read_binary if binary else _read_text
                keys, rows = read(f, declared=declared, n_rows=n_rows, dim=dim, **opts)
        keep = {}
        for i, key in enumerate(keys):
            keep.setdefault(key, i)
        if len(keep) != len(keys):
            warnings.warn(f"{path}: {len(keys) - len(keep)} repeated words; keeping the first vector "
                          "of each (as gensim)", stacklevel=2)
            idx = sorted(keep.values())
            keys, rows = [keys[i] for i in idx], rows[idx]
        return cls(keys, rows)

    # ------------------------------------------------------------------ native format
    def save(self, path) -> None:
        """Save keys, vectors and every per-key attribute exactly, in an ``.npz`` archive (no
        pickle), atomically.

        The file is written to ``path`` as given (no ``.npz`` suffix is added). Keys may contain any
        character, unlike in the word2vec formats.
        """
        encoded = [k.encode("utf8") for k in self._index_to_key]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        arrays = {
            "format": np.array(_NATIVE_FORMAT),
            "keys_utf8": np.frombuffer(b"".join(encoded), dtype=np.uint8),
            "key_offsets": offsets,
            "vectors": self._vectors,
        }
        for name, column in self._vecattrs.items():
            arrays["counts" if name == "count" else _VECATTR_PREFIX + name] = column
        atomic_write(path, lambda f: np.savez(f, **arrays))

    @classmethod
    def load(cls, path) -> "KeyedVectors":
        """Load a file written by :meth:`save`.

        Raises
        ------
        FileNotFoundError
            If there is no such file.
        TruncatedFileError
            If the file ends early (also a ``ModelFileError``, ``ValueError`` and ``EOFError``).
        ModelFileError
            If the file is not a complete, valid embedlearn KeyedVectors archive (also a
            ``ValueError``); the message names the file.
        """
        path = os.fspath(path)
        prefix = f"{path} is not a valid embedlearn KeyedVectors file"
        z = read_npz(path, prefix=prefix)

        def bad(reason):
            return ModelFileError(f"{prefix}: {reason}")

        fmt = z.get("format")
        if fmt is None or fmt.dtype.kind != "U" or fmt.ndim != 0 or str(fmt) != _NATIVE_FORMAT:
            raise bad(f"missing format marker {_NATIVE_FORMAT!r}"
                      + ("; for word2vec.c files use load_word2vec_format" if fmt is None else ""))
        for name in ("keys_utf8", "key_offsets", "vectors"):
            if name not in z:
                raise bad(f"missing array {name!r}")
        raw, offsets, vectors = z["keys_utf8"], z["key_offsets"], z["vectors"]
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise bad("keys_utf8 must be a 1-D uint8 array")
        if offsets.dtype.kind not in "iu" or offsets.ndim != 1 or vectors.ndim != 2 \
                or len(offsets) != len(vectors) + 1 or offsets[0] != 0 or offsets[-1] != len(raw) \
                or np.any(np.diff(offsets) < 0):
            raise bad("key offsets do not match the keys or the vectors")
        blob = raw.tobytes()
        try:
            bounds = offsets.tolist()
            keys = [blob[a:b].decode("utf8") for a, b in zip(bounds[:-1], bounds[1:])]
            kv = cls(keys, vectors, z.get("counts"))
            for name, column in z.items():
                if name.startswith(_VECATTR_PREFIX):
                    attr = name[len(_VECATTR_PREFIX):]
                    kv._vecattrs[attr] = _vecattr_array(column, len(keys), attr)
        except (ValueError, TypeError) as exc:  # includes UnicodeDecodeError
            raise bad(str(exc)) from exc
        return kv


# ---------------------------------------------------------------------- readers
def _parse_header(raw: bytes, path) -> tuple:
    if not raw:
        raise TruncatedFileError(f"{path}: the file is empty; expected a header 'V N' (number of "
                                 "vectors and vector size)")
    if not raw.endswith(b"\n"):
        raise TruncatedFileError(f"{path}: line 1: the file ends inside the header {raw[:80]!r}; "
                                 "the file is truncated")
    parts = raw.split()
    try:
        n_rows, dim = (int(p) for p in parts)
    except ValueError:
        raise ModelFileError(f"{path}: line 1: expected a header 'V N' (number of vectors and vector "
                             f"size), got {raw[:80]!r}; for a file without header use "
                             "no_header=True") from None
    if n_rows < 0 or dim < 1:
        raise ModelFileError(f"{path}: line 1: header {raw.strip()!r} must have V >= 0 and N >= 1")
    return n_rows, dim


def _check_finite(vectors, path, where, keys) -> None:
    """Raise naming the first non-finite value; ``where(row, col)`` says where it is in the file."""
    finite = np.isfinite(vectors)
    if finite.all():
        return
    row = int(np.flatnonzero(~finite.all(axis=1))[0])
    col = int(np.flatnonzero(~finite[row])[0])
    raise ModelFileError(
        f"{path}: {where(row, col)}: value {col + 1} of the vector of {keys[row]!r} is "
        f"{vectors[row, col]} (not finite, or beyond the float32 range); pass "
        "allow_nonfinite=True to load such vectors")


def _read_text(f, path, declared, n_rows, dim, encoding, unicode_errors, allow_nonfinite, check_rest):
    """Read text-format lines after the header (``declared`` = the header's V, None: no header).

    ``n_rows`` is the number of vectors wanted (``None``: all of a header-less file); ``dim`` None
    means infer it from the first line; ``check_rest``: check that nothing follows the declared
    vectors.
    """
    header_less = declared is None
    first_line = 1 if header_less else 2
    keys, rows = [], []
    line_no = first_line - 1
    pending_blank = []  # blank lines are accepted only at the end of a header-less file
    with np.errstate(over="ignore"):  # out-of-range numbers become inf: reported below
        while n_rows is None or len(keys) < n_rows:
            raw = f.readline()
            if not raw:
                break
            line_no += 1
            if header_less and not raw.strip():
                pending_blank.append(line_no)
                continue
            if not raw.endswith(b"\n"):
                # Every writer ends the last line with a newline: without one, the file was cut, maybe
                # in the middle of the last number ("0.12345" -> "0.12").
                raise TruncatedFileError(f"{path}: line {line_no}: the file ends inside this line (no "
                                         "final newline), so its last number may be cut short; the "
                                         "file is truncated")
            try:
                line = raw.decode(encoding, unicode_errors)
            except UnicodeDecodeError as exc:
                raise ModelFileError(f"{path}: line {line_no}: cannot decode as {encoding}: {exc}") \
                    from None
            if pending_blank:
                raise ModelFileError(f"{path}: line {pending_blank[0]}: empty line; expected a word and "
                                     "its vector")
            parts = line.rstrip().split(" ")
            if dim is None:
                dim = len(parts) - 1
                if dim < 1:
                    raise ModelFileError(f"{path}: line {line_no}: expected a word followed by numbers, "
                                         f"got {line[:80]!r}")
            if len(parts) != dim + 1:
                raise ModelFileError(f"{path}: line {line_no}: expected a word and {dim} numbers "
                                     f"separated by single spaces, got {len(parts)} fields")
            try:
                rows.append(np.array(parts[1:], dtype=np.float32))
            except ValueError as exc:
                raise ModelFileError(f"{path}: line {line_no}: bad number in the vector of "
                                     f"{parts[0]!r}: {exc}") from None
            keys.append(parts[0])
    if not header_less and len(keys) < n_rows:
        raise TruncatedFileError(f"{path}: line {line_no + 1}: file ends after {len(keys)} vectors but "
                                 f"the header declares {declared}; the file is truncated")
    if not header_less and check_rest:
        _check_text_tail(f, path, line_no, declared)
    if dim is None:
        raise ModelFileError(f"{path}: the file holds no vectors, so the vector size cannot be inferred")
    vectors = np.vstack(rows) if rows else np.zeros((0, dim), dtype=np.float32)
    if not allow_nonfinite:
        _check_finite(vectors, path, lambda row, col: f"line {first_line + row}", keys)
    return keys, vectors


def _check_text_tail(f, path, line_no, declared) -> None:
    """After the declared vectors only blank lines may follow."""
    for raw in f:
        line_no += 1
        if raw.strip():
            word = raw.split(None, 1)[0][:40].decode("utf8", "replace")
            raise ModelFileError(
                f"{path}: line {line_no}: the header declares {declared} vectors but the file holds "
                f"more ({word!r} follows); a wrong header, or two files joined? Pass "
                f"limit={declared} to read only the first {declared}")


def _read_binary(f, path, declared, n_rows, dim, encoding, unicode_errors, allow_nonfinite, check_rest):
    """Read ``n_rows`` records ``word`` + ``' '`` + ``dim`` little-endian float32 (+ optional newline).

    Works on any stream (compressed data included): memory grows with the records actually read,
    never with what a (possibly corrupt) header declares.
    """
    rec = 4 * dim
    keys = []
    vectors = np.empty((0, dim), dtype=np.float32)
    starts = np.empty(0, dtype=np.int64)  # file offset of each vector, for error messages
    buf = bytearray()
    base, pos, eof = f.offset, 0, False  # base: file offset of buf[0]; pos: start of the next record
    for i in range(n_rows):
        searched = pos
        while True:
            space = buf.find(b" ", searched)
            if space != -1 and len(buf) - space - 1 >= rec:
                break
            if space == -1:
                searched = max(pos, len(buf))
                if len(buf) - pos > _MAX_WORD_BYTES:
                    raise ModelFileError(
                        f"{path}: byte offset {base + pos}: no space within {_MAX_WORD_BYTES} bytes "
                        f"where word {i + 1} of {declared} should end; is this a binary word2vec file?")
            if eof:
                if space == -1:
                    start = base + len(buf) - len(buf[pos:].lstrip(b"\n"))  # after the optional newline
                    raise TruncatedFileError(
                        f"{path}: byte offset {start}: expected word {i + 1} of {declared} followed by "
                        "a space, found the end of the file; the file is truncated")
                raise TruncatedFileError(
                    f"{path}: byte offset {base + space + 1}: expected {rec} bytes ({dim} float32) for "
                    f"the vector of word {i + 1} of {declared}, found {len(buf) - space - 1}; "
                    "the file is truncated")
            chunk = f.read(_BINARY_CHUNK)
            eof = not chunk
            del buf[:pos]  # bytearray drops its head cheaply
            base, searched, pos = base + pos, searched - pos, 0
            buf += chunk
        word = bytes(buf[pos:space]).lstrip(b"\n")
        start = base + space - len(word)
        if b"\n" in word:
            raise ModelFileError(f"{path}: byte offset {start}: word {i + 1} contains a newline; is "
                                 "this a text-format file (binary=False)?")
        try:
            keys.append(word.decode(encoding, unicode_errors))
        except UnicodeDecodeError as exc:
            raise ModelFileError(f"{path}: byte offset {start}: cannot decode word {i + 1} as "
                                 f"{encoding}: {exc}") from None
        if i == len(vectors):
            # Grow geometrically, starting at about 1 MiB: at most twice the data read so far.
            capacity = min(n_rows, max(2 * i, (1 << 20) // rec + 1))
            vectors = _grown(vectors, capacity)
            starts = _grown(starts, capacity)
        vectors[i] = np.frombuffer(buf, dtype="<f4", count=dim, offset=space + 1)
        starts[i] = base + space + 1
        pos = space + 1 + rec
    if check_rest:
        _check_binary_tail(f, path, declared, buf[pos:], base + pos, eof)
    vectors, starts = vectors[:n_rows], starts[:n_rows]
    if not allow_nonfinite:
        _check_finite(vectors, path, lambda row, col: f"byte offset {starts[row] + 4 * col}", keys)
    return keys, vectors


def _grown(arr: np.ndarray, capacity: int) -> np.ndarray:
    out = np.empty((capacity,) + arr.shape[1:], dtype=arr.dtype)
    out[:len(arr)] = arr
    return out


def _check_binary_tail(f, path, declared, rest, offset, eof) -> None:
    """After the declared records only whitespace (word2vec.c's final newline) may follow.

    Reading to the end also makes a compressed stream verify its checksum.
    """
    while True:
        content = bytes(rest).lstrip(_WHITESPACE)
        if content:
            offset += len(rest) - len(content)
            word = content.split(b" ", 1)[0][:40].decode("utf8", "replace")
            raise ModelFileError(
                f"{path}: byte offset {offset}: the header declares {declared} vectors but the file "
                f"holds more ({word!r} follows); a wrong header, or two files joined? Pass "
                f"limit={declared} to read only the first {declared}")
        if eof:
            return
        offset += len(rest)
        rest = f.read(_BINARY_CHUNK)
        eof = not rest


def _iter_analogies(analogies):
    """Yield ``(section, None)`` at each section start and ``(section, words)`` per question."""
    if isinstance(analogies, (str, os.PathLike)):
        section = None
        with open(analogies, "rb") as f:
            for line_no, raw in enumerate(f, start=1):
                line = raw.decode("utf8")
                if line.startswith(": "):
                    section = line.lstrip(": ").strip()  # gensim's exact parsing of the name
                    yield section, None
                    continue
                if section is None:
                    raise ValueError(f"{analogies}: line {line_no}: question before any ': section' header")
                words = line.split()
                if len(words) != 4:
                    if words:
                        logger.info("skipping invalid line %d in %s", line_no, analogies)
                    continue
                yield section, words
        return
    if isinstance(analogies, Mapping):
        items = ((name, q) for name, qs in analogies.items() for q in ([None] + list(qs)))
    elif isinstance(analogies, Iterable):
        items = []
        for rec in analogies:
            rec = tuple(rec)
            if len(rec) == 2 and not isinstance(rec[1], str):  # (section, questions)
                items.append((rec[0], None))
                items.extend((rec[0], q) for q in rec[1])
                continue
            if len(rec) != 5:
                raise ValueError(f"expected (section, questions) or (section, a, b, c, d) records, got {rec!r}")
            if not items or items[-1][0] != rec[0]:
                items.append((rec[0], None))
            items.append((rec[0], rec[1:]))
    else:
        raise TypeError(f"analogies must be a path, a mapping or an iterable, got {type(analogies).__name__}")
    for name, q in items:
        if q is not None and len(q) != 4:
            raise ValueError(f"expected 4-word questions, got {q!r} in section {name!r}")
        yield name, (None if q is None else list(q))


def _iter_pairs(pairs, delimiter, encoding):
    """Yield ``(word1, word2, score)``, skipping comments and malformed lines as gensim does."""
    if not isinstance(pairs, (str, os.PathLike)):
        for rec in pairs:
            a, b, score = rec
            yield a, b, float(score)
        return
    with open(pairs, encoding=encoding) as f:
        for line_no, line in enumerate(f, start=1):
            if not line or line.startswith("#"):
                continue
            fields = line.rstrip("\r\n").split(delimiter)
            try:
                if len(fields) < 3:
                    raise ValueError
                a, b, score = fields[0], fields[1], float(fields[2])
            except ValueError:
                logger.info("skipping invalid line %d in %s", line_no, pairs)
                continue
            yield a, b, score
