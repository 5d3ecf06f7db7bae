"""Trained vectors and the queries run on them: the ``.wv`` of every model.

:class:`KeyedVectors` keeps gensim 4's names and meanings (users arrive from gensim): ``wv["king"]``,
``most_similar`` (3CosAdd), ``most_similar_cosmul`` (3CosMul), ``similarity``,
``evaluate_word_analogies``, ``evaluate_word_pairs`` and the word2vec.c text/binary formats. Where
this module departs from gensim it says so in the docstring concerned.

All similarity queries work on unit-length rows, ``vectors / ||vectors||``, computed once and cached
(:meth:`KeyedVectors.get_normed_vectors`); a zero row stays zero, so it is similar to nothing (cosine 0)
instead of poisoning results with NaN.
"""
from __future__ import annotations

import logging
import os
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from numbers import Integral

import numpy as np

from ._io import atomic_write

__all__ = ["KeyedVectors"]

logger = logging.getLogger(__name__)

# gensim's epsilon in 3CosMul: keeps the quotient finite when a negative term's shifted cosine is 0.
COSMUL_EPSILON = 1e-6

_NATIVE_FORMAT = "embedlearn.KeyedVectors/1"
_BINARY_CHUNK = 1 << 20
# Characters that the word2vec formats use as separators; a key containing one cannot be stored.
_FORBIDDEN_IN_KEYS = (" ", "\t", "\n", "\r")


def _missing(key) -> KeyError:
    return KeyError(f"word {key!r} not in vocabulary")


def _ensure_list(value) -> list:
    """Wrap a single key or vector in a list, as gensim's ``most_similar`` does."""
    if value is None:
        return []
    if isinstance(value, str):
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
        Corpus frequency of each key, stored as int64.

    Raises
    ------
    TypeError
        If a key is not a ``str`` or ``vectors`` is not a real numeric array.
    ValueError
        If ``vectors`` is not 2-D, its row count differs from the number of keys, a key is repeated or
        ``counts`` has the wrong shape.

    Examples
    --------
    >>> import numpy as np
    >>> wv = KeyedVectors(["a", "b"], np.array([[1.0, 0.0], [1.0, 1.0]]))
    >>> round(wv.similarity("a", "b"), 4)
    0.7071
    """

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
        self.vectors = vectors
        self.counts = counts

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

        Assigning a new array validates it and invalidates the cached unit vectors.
        """
        return self._vectors

    @vectors.setter
    def vectors(self, value) -> None:
        arr = np.asarray(value)
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"vectors must be a real numeric array, got dtype {arr.dtype}")
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
        """numpy.ndarray of int64 or None: corpus count of each key, if known."""
        return self._counts

    @counts.setter
    def counts(self, value) -> None:
        if value is None:
            self._counts = None
            return
        arr = np.asarray(value)
        if arr.dtype.kind not in "iu":
            raise TypeError(f"counts must be integers, got dtype {arr.dtype}")
        if arr.shape != (len(self._index_to_key),):
            raise ValueError(f"counts must have shape ({len(self._index_to_key)},), got {arr.shape}")
        self._counts = np.ascontiguousarray(arr, dtype=np.int64)

    @property
    def vector_size(self) -> int:
        """int: dimension N of the vectors."""
        return self._vectors.shape[1]

    def __len__(self) -> int:
        return len(self._index_to_key)

    def __contains__(self, key) -> bool:
        try:
            return key in self._key_to_index
        except TypeError:  # unhashable
            return False

    def __iter__(self):
        return iter(self._index_to_key)

    def __repr__(self) -> str:
        return f"KeyedVectors(n_keys={len(self)}, vector_size={self.vector_size})"

    def get_index(self, key) -> int:
        """Row index of ``key``.

        Raises
        ------
        KeyError
            If ``key`` is not in the vocabulary.
        """
        try:
            return self._key_to_index[key]
        except (KeyError, TypeError):
            raise _missing(key) from None

    def get_vector(self, key, norm: bool = False) -> np.ndarray:
        """The vector of ``key`` (a read-only view), unit-length if ``norm``.

        Parameters
        ----------
        key : str
        norm : bool, default False
            Return ``v / ||v||`` (a zero vector stays zero).

        Raises
        ------
        KeyError
            ``"word 'xyz' not in vocabulary"``.
        """
        i = self.get_index(key)
        row = (self.get_normed_vectors() if norm else self._vectors)[i]
        row.setflags(write=False)  # writing through it would bypass the norm cache
        return row

    def __getitem__(self, key_or_keys) -> np.ndarray:
        """``wv["word"]`` -> (N,) vector; ``wv[["a", "b"]]`` -> (2, N) array (a copy)."""
        if isinstance(key_or_keys, (list, tuple, np.ndarray)):
            idx = [self.get_index(k) for k in key_or_keys]
            return self._vectors[np.asarray(idx, dtype=np.intp)]
        return self.get_vector(key_or_keys)

    def fill_norms(self, force: bool = False) -> None:
        """Compute the cached unit vectors (gensim's name).

        Parameters
        ----------
        force : bool, default False
            Recompute even if cached: needed after ``vectors`` was modified in place (assigning a new
            array to ``vectors`` invalidates the cache by itself).
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
                i = self.get_index(item)
                indices.append(i)
                vecs.append(self.get_normed_vectors()[i])
            weights.append(float(weight))
        return vecs, weights, indices

    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """Nearest keys to a combination of keys/vectors: 3CosAdd, as gensim 4 and word2vec.c.

        The query is the weighted mean of the unit vectors of the given keys (raw vectors are used as
        given), ``q = (sum_p w_p v̂_p - sum_n w_n v̂_n) / sum |w|``, normalised to unit length; each key
        ``x`` is scored by ``cos(x, q)``. For an analogy ``a : b :: c : ?`` (``positive=[b, c],
        negative=[a]``) the argmax equals that of 3CosAdd, ``cos(x, b) - cos(x, a) + cos(x, c)``
        (Mikolov et al. 2013; Levy & Goldberg 2014). The keys given as input are excluded from the
        results, as in gensim and word2vec.c (d2l's helper forgets this); vectors given as input are not.

        Parameters
        ----------
        positive, negative : str, ndarray, or list of (str or ndarray or (item, weight)), optional
            Keys or vectors that contribute positively / negatively (default weights +1 / -1 as
            gensim; a ``(item, weight)`` tuple sets the weight).
        topn : int or None, default 10
            Number of results; ``None`` returns the similarities of all searched keys as an array
            (as gensim), ``topn < 1`` returns ``[]``.
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` keys (the most frequent ones).

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
        """Cosine similarity ``v1·v2 / (||v1|| ||v2||)`` of two keys (0 if either vector is zero)."""
        n = self.get_normed_vectors()
        return float(np.dot(n[self.get_index(w1)], n[self.get_index(w2)]))

    def distance(self, w1, w2) -> float:
        """Cosine distance ``1 - similarity(w1, w2)``."""
        return 1.0 - self.similarity(w1, w2)

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
        unit = self.get_normed_vectors()[[self.get_index(w) for w in words]]
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
        ``write_header=False`` gives the GloVe tool's text format.

        The file is written to a temporary file in the same directory and renamed over ``path``, so
        an interrupted save never leaves a half-written file.

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
        atomic_write(path, lambda f: _write_word2vec(f, self._index_to_key, self._vectors, binary,
                                                       write_header))

    @classmethod
    def load_word2vec_format(cls, path, binary=False, limit=None, no_header=False, encoding="utf8",
                             unicode_errors="strict"):
        """Load vectors saved by word2vec.c, gensim, fastText (``.vec``) or GloVe (``no_header``).

        Text lines are split on single spaces after stripping trailing whitespace (word2vec.c ends
        each line with a space; Windows files with ``\\r``), as gensim. In binary files a newline
        before a word is dropped, so files with (word2vec.c) or without (gensim 4) a newline after
        each vector both load. A repeated word keeps its first vector, with a warning, as gensim.

        Parameters
        ----------
        path : str or os.PathLike
        binary : bool, default False
        limit : int, optional
            Read at most this many vectors (the first ones: the most frequent in word2vec files).
        no_header : bool, default False
            The file has no ``"V N"`` line (GloVe's text output); V and N are inferred. Text only.
        encoding : str, default 'utf8'
        unicode_errors : str, default 'strict'
            Passed to ``bytes.decode``; ``'ignore'`` helps with word2vec.c files whose words were cut
            inside a multi-byte character.

        Returns
        -------
        KeyedVectors
            ``counts`` is ``None``: the format does not store them.

        Raises
        ------
        ValueError
            If the file is truncated or malformed; the message names the line (text) or byte offset
            (binary) and what was expected there.
        """
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, Integral) or limit < 0):
            raise ValueError(f"limit must be a non-negative int or None, got {limit!r}")
        if no_header and binary:
            raise ValueError("no_header=True works only with text files (binary=False): the vector "
                             "size of a binary file cannot be inferred")
        path = os.fspath(path)
        with open(path, "rb") as f:
            if no_header:
                keys, rows = _read_text(f, path, None, None, limit, 1, encoding, unicode_errors)
            else:
                raw = f.readline()
                n_rows, dim = _parse_header(raw, path)
                if limit is not None:
                    n_rows = min(n_rows, limit)
                if binary:
                    keys, rows = _read_binary(f, path, n_rows, dim, len(raw), encoding, unicode_errors)
                else:
                    keys, rows = _read_text(f, path, n_rows, dim, None, 2, encoding, unicode_errors)
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
        """Save keys, vectors and counts exactly, in an ``.npz`` archive (no pickle), atomically.

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
        if self._counts is not None:
            arrays["counts"] = self._counts
        atomic_write(path, lambda f: np.savez(f, **arrays))

    @classmethod
    def load(cls, path) -> "KeyedVectors":
        """Load a file written by :meth:`save`.

        Raises
        ------
        ValueError
            If the file is not a complete, valid embedlearn KeyedVectors archive.
        """
        path = os.fspath(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                if "format" not in z.files or str(z["format"]) != _NATIVE_FORMAT:
                    raise ValueError(f"missing format marker {_NATIVE_FORMAT!r}")
                raw = z["keys_utf8"].tobytes()
                offsets = z["key_offsets"]
                vectors = z["vectors"]
                counts = z["counts"] if "counts" in z.files else None
            if offsets.ndim != 1 or len(offsets) != len(vectors) + 1 or offsets[-1] != len(raw):
                raise ValueError("key offsets do not match the keys or the vectors")
            keys = [raw[offsets[i]:offsets[i + 1]].decode("utf8") for i in range(len(offsets) - 1)]
            return cls(keys, vectors, counts)
        except FileNotFoundError:
            raise
        except (ValueError, TypeError, OSError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path} is not a valid embedlearn KeyedVectors file: {exc}") from exc


# ---------------------------------------------------------------------- readers
def _parse_header(raw: bytes, path) -> tuple:
    parts = raw.split()
    try:
        n_rows, dim = (int(p) for p in parts)
    except ValueError:
        raise ValueError(f"{path}: line 1: expected a header 'V N' (number of vectors and vector size), "
                         f"got {raw[:80]!r}; for a file without header use no_header=True") from None
    if n_rows < 0 or dim < 1:
        raise ValueError(f"{path}: line 1: header {raw.strip()!r} must have V >= 0 and N >= 1")
    return n_rows, dim


def _read_text(f, path, n_rows, dim, limit, first_line, encoding, unicode_errors):
    """Read text-format lines; ``n_rows``/``dim`` None means infer them (no header)."""
    keys, rows = [], []
    line_no = first_line - 1
    want = n_rows if n_rows is not None else limit
    pending_blank = []  # blank lines are accepted only at the end of a header-less file
    for raw in f:
        if want is not None and len(keys) >= want:
            break
        line_no += 1
        try:
            line = raw.decode(encoding, unicode_errors)
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: line {line_no}: cannot decode as {encoding}: {exc}") from None
        parts = line.rstrip().split(" ")
        if n_rows is None and parts == [""]:
            pending_blank.append(line_no)
            continue
        if pending_blank:
            raise ValueError(f"{path}: line {pending_blank[0]}: empty line; expected a word and its vector")
        if dim is None:
            dim = len(parts) - 1
            if dim < 1:
                raise ValueError(f"{path}: line {line_no}: expected a word followed by numbers, "
                                 f"got {line[:80]!r}")
        if len(parts) != dim + 1:
            raise ValueError(f"{path}: line {line_no}: expected a word and {dim} numbers separated by "
                             f"single spaces, got {len(parts)} fields")
        try:
            rows.append(np.array(parts[1:], dtype=np.float32))
        except ValueError as exc:
            raise ValueError(f"{path}: line {line_no}: bad number in the vector of {parts[0]!r}: {exc}") \
                from None
        keys.append(parts[0])
    if n_rows is not None and len(keys) < n_rows:
        raise ValueError(f"{path}: line {line_no + 1}: file ends after {len(keys)} vectors but the header "
                         f"declares {n_rows}; the file is truncated")
    if dim is None:
        raise ValueError(f"{path}: the file holds no vectors, so the vector size cannot be inferred")
    vectors = np.vstack(rows) if rows else np.zeros((0, dim), dtype=np.float32)
    return keys, vectors


def _read_binary(f, path, n_rows, dim, header_len, encoding, unicode_errors):
    """Read ``n_rows`` records ``word`` + ``' '`` + ``dim`` little-endian float32 (+ optional newline)."""
    rec = 4 * dim
    # A record takes at least rec + 1 bytes: never allocate more rows than the file can hold.
    room = max(os.fstat(f.fileno()).st_size - header_len, 0) // (rec + 1)
    vectors = np.empty((min(n_rows, room), dim), dtype=np.float32)
    keys = []
    buf, base, pos, eof = b"", header_len, 0, False  # base: file offset of buf[0]
    for i in range(n_rows):
        while True:
            space = buf.find(b" ", pos)
            if space != -1 and len(buf) - space - 1 >= rec:
                break
            if eof:
                if space == -1:
                    start = base + len(buf) - len(buf[pos:].lstrip(b"\n"))  # after the optional newline
                    raise ValueError(
                        f"{path}: byte offset {start}: expected word {i + 1} of {n_rows} followed by "
                        "a space, found the end of the file; the file is truncated")
                raise ValueError(
                    f"{path}: byte offset {base + space + 1}: expected {rec} bytes ({dim} float32) for "
                    f"the vector of word {i + 1} of {n_rows}, found {len(buf) - space - 1}; "
                    "the file is truncated")
            chunk = f.read(_BINARY_CHUNK)
            eof = not chunk
            buf, base, pos = buf[pos:] + chunk, base + pos, 0
        word = buf[pos:space].lstrip(b"\n")
        start = base + space - len(word)
        if b"\n" in word:
            raise ValueError(f"{path}: byte offset {start}: word {i + 1} contains a newline; is this a "
                             "text-format file (binary=False)?")
        try:
            keys.append(word.decode(encoding, unicode_errors))
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: byte offset {start}: cannot decode word {i + 1} as "
                             f"{encoding}: {exc}") from None
        vectors[i] = np.frombuffer(buf, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + rec
    return keys, vectors


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
