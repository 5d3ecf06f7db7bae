"""Item2Vec: skip-gram with negative sampling where an item's context is the rest of its set.

What is Item2Vec's own is small: the items (any hashable ids, mapped to rows), the output weights
``syn1neg``, the job kernel :func:`embedlearn.kernels.sets.train_sets_job` (every other item of a
set is a context, order ignored; Barkan & Koenigstein 2016) and jobs balanced by SGD steps rather
than by items. Vocabulary, schedule, threads, checks and save/load are
:class:`embedlearn.training.SGDModel`'s; recommending and cold start use
:mod:`embedlearn.recsys`.
"""
from __future__ import annotations

import json
from numbers import Integral, Real

import numpy as np

from .errors import ModelFileError, VocabularyError
from .keyedvectors import _growing
from .training import SGDModel
from .validation import ArraySpec, check_nonnegative, check_positive

__all__ = ["Item2Vec"]

_NO_VISITS = np.zeros((0, 0), np.int64)


class Item2Vec(SGDModel):
    """Item2Vec model: item vectors from sets of co-occurring items (baskets, liked items, sessions).

    Parameters
    ----------
    sets : iterable of iterables of hashable, optional
        If given, the vocabulary is built and the model trained right away. Items are any hashable
        ids (``int``, ``str``, tuples...); order inside a set does not matter. A set is read once;
        an item listed twice in a set counts once; **empty sets and sets of one distinct item are
        skipped and counted** (:attr:`last_scan`), not errors. A string is not a set and an
        unhashable item is an error (``TypeError``, naming the set).
    vector_size : int, default 64
        Dimension ``N`` of the item vectors.
    alpha : float, default 0.1
        Initial learning rate, falling linearly to ``min_alpha`` over all items of all epochs
        (gensim's 0.025 learns too little in 20 epochs here: HitRate@10 about 0.08 instead of
        0.12 on the validation split; 0.2 collapses without a cap).
    min_alpha : float, default 1e-4
    min_count : int, default 1
        Drop items in fewer sets (1 keeps every item that has a pair: a rare item can still be the
        next one a user picks).
    max_final_vocab : int, optional
        Keep at most this many items (raising ``min_count``, as gensim).
    sample : float, default 1e-3
        Subsampling threshold ``t`` on the number of sets holding an item (0 disables it;
        1e-4 and below drop so many pairs of popular items that the model learns little).
    seed : int, default 1
    workers : int, default 3
        Worker threads; ``workers=1`` with a fixed ``seed`` gives bitwise-identical vectors.
    negative : int, default 5
        Noise items per positive pair (>= 1: Item2Vec trains by negative sampling only).
    ns_exponent : float, default 0.75
        Exponent of the noise distribution ``count**ns_exponent``; negative values draw rare items
        more often than frequent ones (Caselles-Dupre et al. 2018 found -0.5 best on music).
    epochs : int, default 20
    max_context : int, default 20
        Cap ``c`` on the context items of an item per epoch (0: every other item of its set). With
        a cap, an item of a set of ``n > c + 1`` items gets ``c`` contexts drawn uniformly without
        replacement each epoch: a set's expected update is its full gradient times ``c / (n - 1)``,
        so within a set nothing is biased, but large sets weigh less than in the paper's objective
        (each of their items gets ``c`` updates, not ``n - 1``) and an epoch costs ``O(n c)`` steps
        instead of ``O(n^2)`` (on MovieLens 100K's liked sets: 1.0M steps instead of 5.1M, at
        the same validation HitRate@10; a cap of 10 loses a third of it). On data with long
        sets raise it: on MovieLens latest-small (79 liked movies per user on average, up to
        1,226) the default trains a small share of the pairs and falls below gensim's
        full-window HitRate@10, while ``max_context=100`` reaches it (README, Item2Vec).
    compute_loss, callbacks, progress :
        As :class:`~embedlearn.word2vec.Word2Vec`.
    sorted_vocab : {0, 1}, default 1
        Rows in decreasing order of count.
    pairs_per_job : int, default 100000
        SGD steps (before subsampling) per job: a set's cost grows with the square of its size, so
        jobs hold whole sets and are balanced by steps, not by items.
    corpus_iterable : iterable, optional
        gensim's name for ``sets``.

    Attributes
    ----------
    wv : embedlearn.keyedvectors.KeyedVectors
        The item vectors, live, **keyed by** ``str(item)``: ``KeyedVectors`` keys are ``str``, and
        an ``int`` given to it means a row index (gensim's semantics), so for int items
        ``model.wv["50"]`` is item 50 while ``model.wv[50]`` is row 50. The model's own methods
        (:meth:`item_vector`, :meth:`most_similar`, :meth:`recommend`) take the raw items. Two
        different items that print alike (``1`` and ``"1"``) are an error.
    items : list
        The item of each row (``items[i]`` is ``wv.index_to_key[i]`` before ``str``); saved.
    syn1neg : numpy.ndarray
        Output (context) vectors.
    last_scan : dict
        Of the last sets read: ``sets``, ``empty`` and ``single`` (skipped), ``repeats`` (items
        listed twice in a set), ``unknown`` (items that :meth:`train` skipped: not in the model).

    Notes
    -----
    The defaults were chosen on a *validation* split of MovieLens 100K (each user's second-to-last
    liked movie held out; the test item, the last one, unused), vector_size 64 and 20 epochs:
    ``benchmarks/item2vec.py --grid`` varies each setting around them
    (``benchmarks/results/item2vec_grid.json``, plotted in chapter 7); the test figures are that
    script's main table. More epochs still help there (40 beat 20), at twice the time.

    Examples
    --------
    >>> model = Item2Vec([[1, 2, 3], [2, 3], [1, 3, 4]] * 20, vector_size=8, epochs=5,
    ...                  workers=1, progress=False)
    >>> sorted(model.items)
    [1, 2, 3, 4]
    >>> len(model.recommend([1, 2], k=2))
    2
    """

    _FORMAT = "embedlearn.Item2Vec/1"
    _PARAMS = ("vector_size", "alpha", "min_alpha", "min_count", "max_final_vocab", "sample",
               "seed", "workers", "negative", "ns_exponent", "epochs", "max_context",
               "compute_loss", "progress", "sorted_vocab", "pairs_per_job")
    _NAME = "Item2Vec"
    _cut_long_sentences = False  # a set is never cut; see _PairJobs for how jobs are made

    def __init__(self, sets=None, vector_size=64, alpha=0.1, min_alpha=0.0001, min_count=1,
                 max_final_vocab=None, sample=1e-3, seed=1, workers=3, negative=5,
                 ns_exponent=0.75, epochs=20, max_context=20, compute_loss=False, callbacks=(),
                 progress=True, sorted_vocab=1, pairs_per_job=100_000, corpus_iterable=None):
        check_positive("negative", negative, integer=True)
        check_nonnegative("max_context", max_context, integer=True)
        check_positive("pairs_per_job", pairs_per_job, integer=True)
        super().__init__(vector_size=vector_size, alpha=alpha, window=1, min_count=min_count,
                         max_final_vocab=max_final_vocab, sample=sample, seed=seed,
                         workers=workers, min_alpha=min_alpha, hs=0, negative=negative,
                         ns_exponent=ns_exponent, epochs=epochs, compute_loss=compute_loss,
                         callbacks=callbacks, progress=progress, sorted_vocab=sorted_vocab)
        self.max_context = int(max_context)
        self.pairs_per_job = int(pairs_per_job)
        self.items = []
        self._row_of = {}
        self._new_items = {}
        self._updating = False
        self.last_scan = {}
        sets = _one_of(sets, corpus_iterable)
        if sets is not None:
            self.build_vocab(sets)
            self.train()

    # --- input: sets of hashable items -> the engine's int32 corpus ---------------------------
    def build_vocab(self, sets=None, update=False, corpus_iterable=None):
        """Read the sets once, build the item vocabulary and initialise the weights.

        Parameters
        ----------
        sets : iterable of iterables of hashable
        update : bool, default False
            Add the new items of ``sets`` to a trained model: old items keep their rows and
            vectors (their counts grow), new items get fresh rows. Then ``train(new_sets)``
            trains on the new sets only (an incremental update).

        Returns
        -------
        self
        """
        self._updating = bool(update)
        return super().build_vocab(_one_of(sets, corpus_iterable), update=update)

    def _scan(self, iterable, corpus_file):
        from .corpus import ScanResult

        scanned = self._scan_sets(iterable)
        keys = self._keys_of(scanned.keys, against_model=self._updating)
        self._new_items = dict(zip(keys, scanned.keys))  # rows are made from the vocabulary
        return ScanResult(scanned.corpus, keys, scanned.counts, total_words=len(scanned.corpus),
                          n_sentences=scanned.corpus.n_sentences)

    def _scan_sets(self, sets):
        from .recsys import scan_sets

        if sets is None:
            raise ValueError("no sets given: pass an iterable of item sets")
        scanned = scan_sets(sets)
        self.last_scan = {"sets": scanned.n_sets, "empty": scanned.n_empty,
                          "single": scanned.n_single, "repeats": scanned.n_repeats, "unknown": 0}
        return scanned

    def _keys_of(self, items, against_model):
        """``str(item)`` of each (distinct) item; two items with one string are an error.

        With ``against_model``, an item whose string is a row's must also be that row's item.
        """
        keys = [str(item) for item in items]
        if len(set(keys)) < len(keys):
            seen = {}
            for key, item in zip(keys, items):
                if seen.setdefault(key, item) is not item:
                    _collision(key, seen[key], item)
        if against_model:
            get = self.vocab.key_to_index.get
            for key, item in zip(keys, items):
                row = get(key)
                if row is not None and not _same_item(self.items[row], item):
                    _collision(key, self.items[row], item)
        return keys

    def train(self, sets=None, epochs=None, start_alpha=None, end_alpha=None, compute_loss=None,
              callbacks=None, progress=None, corpus_iterable=None):
        """Train on ``sets``, or on the sets given to :meth:`build_vocab` (not read again).

        Items not in the model are skipped (counted in ``last_scan["unknown"]``): to learn new
        items, call ``build_vocab(new_sets, update=True)`` first. The other parameters are those
        of :meth:`embedlearn.training.SGDModel.train`.

        Returns
        -------
        tuple of (int, int)
            Items kept after subsampling and items trained on, over all epochs.
        """
        sets = _one_of(sets, corpus_iterable)
        if sets is not None:
            if self.vocab is None:
                raise VocabularyError("build the vocabulary first: call build_vocab(sets)")
            scanned = self._scan_sets(sets)
            rows = self.vocab.lookup(self._keys_of(scanned.keys, against_model=True))
            unknown = np.bincount(scanned.corpus.tokens, minlength=len(rows))[rows < 0]
            self.last_scan["unknown"] = int(unknown.sum())
            if self.last_scan["unknown"] == len(scanned.corpus):
                raise VocabularyError("no item of these sets is in the model: call "
                                      "build_vocab(sets, update=True) to add new items")
            self._corpus = None  # never hold two encoded corpora
            self._corpus = scanned.corpus.remap(rows, inplace=True)
            self._corpus_file = None
        return super().train(epochs=epochs, start_alpha=start_alpha, end_alpha=end_alpha,
                             compute_loss=compute_loss, callbacks=callbacks, progress=progress)

    def _corpus_for(self, sentences, corpus_file):
        # The base cuts jobs by items; a set costs O(n^2) steps (O(n c) with a cap), so the jobs
        # of this corpus are cut at set ends by steps (see _PairJobs).
        return _PairJobs(super()._corpus_for(sentences, corpus_file), self.max_context,
                         self.pairs_per_job)

    # --- weights ------------------------------------------------------------------------------
    def _init_weights(self):
        from .keyedvectors import KeyedVectors

        V = len(self.vocab)
        self.wv = KeyedVectors(self.vocab.index_to_key, self._new_rows(0, V),
                               counts=self.vocab.counts)
        self.syn0 = self.wv.vectors  # one array for training and queries
        self.syn1neg = np.zeros((V, self.vector_size), np.float32)
        self._set_items([self._new_items[k] for k in self.vocab.index_to_key])

    def _grow_weights(self, old):
        V = len(self.vocab)
        with _growing(self.wv):
            self.wv.add_vectors(self.vocab.index_to_key[old:], self._new_rows(old, V),
                                extras={"count": self.vocab.counts[old:]})
        self.wv.counts = self.vocab.counts  # old items' counts grew too
        self.syn0 = self.wv.vectors
        self.syn1neg = np.vstack([self.syn1neg, np.zeros((V - old, self.vector_size), np.float32)])
        self._set_items(self.items + [self._new_items[k] for k in self.vocab.index_to_key[old:]])

    def _set_items(self, items):
        self.items = items
        self._row_of = {item: row for row, item in enumerate(items)}
        self._new_items = {}

    def _weights(self):
        return {"syn0": self.syn0, "syn1neg": self.syn1neg}

    def _array_specs(self, V):
        N = self.vector_size
        return {"syn0": ArraySpec(np.float32, (V, N)), "syn1neg": ArraySpec(np.float32, (V, N)),
                "items_json": ArraySpec(np.uint8, (None,))}

    def _extra_arrays(self):
        return {"items_json": np.frombuffer(_encode_items(self.items), np.uint8)}

    def _restore(self, arrays):
        from .keyedvectors import KeyedVectors

        self.wv = KeyedVectors(self.vocab.index_to_key, arrays["syn0"], counts=self.vocab.counts)
        self.syn0 = self.wv.vectors
        self.syn1neg = np.ascontiguousarray(arrays["syn1neg"])
        self._set_items(_decode_items(arrays["items_json"].tobytes(), self.vocab.index_to_key))

    @classmethod
    def load(cls, path):
        """Load a model written by :meth:`save` (weights, vocabulary and the item of each row).

        Raises
        ------
        embedlearn.errors.ModelFileError
            If the file is corrupt or inconsistent, including an item map that does not match
            the rows (:meth:`embedlearn.training.SGDModel.load` checks the rest).
        """
        try:
            return super().load(path)
        except _ItemMapError as err:
            raise ModelFileError(f"{path}: inconsistent model file: {err}") from None

    # --- one job ------------------------------------------------------------------------------
    def _train_job(self, piece, first_sentence, alpha_start, alpha_end, seed, compute_loss):
        from .kernels.sets import train_sets_job

        return train_sets_job(piece.tokens, piece.offsets, 0, piece.n_sentences, self.syn0,
                              self.syn1neg, self._keep_prob, self._noise_cdf, self.negative,
                              self.max_context, alpha_start, alpha_end, seed, compute_loss,
                              _NO_VISITS)

    # --- queries with raw items ---------------------------------------------------------------
    def __contains__(self, item):
        try:
            return item in self._row_of
        except TypeError:
            return False

    def item_index(self, item) -> int:
        """Row of ``item`` in :attr:`wv` (``KeyError`` if unknown, ``TypeError`` if unhashable)."""
        self._need_vocab()
        try:
            row = self._row_of.get(item)
        except TypeError:
            raise TypeError(f"item {item!r} is unhashable ({type(item).__name__}): items are "
                            "hashable ids") from None
        if row is None:
            raise KeyError(f"item {item!r} is not in the model ({len(self.items)} items; "
                           "add new items with build_vocab(sets, update=True))")
        return row

    def item_vector(self, item, norm=False) -> np.ndarray:
        """A copy of the vector of ``item`` (unit length if ``norm``)."""
        self._need_vocab()
        return self.wv.get_vector(self.item_index(item), norm=norm).copy()

    def most_similar(self, positive=None, negative=None, topn=10):
        """Items nearest (cosine) to a combination of items, as ``wv.most_similar`` on rows.

        Parameters
        ----------
        positive, negative : item or list of items, optional
            A list is several items; anything else (an int, a str, a tuple) is one item.
        topn : int, default 10

        Returns
        -------
        list of (item, float)
            Raw items and their cosine similarity, most similar first; the query items excluded.
        """
        self._need_vocab()
        rows = [[self.item_index(i) for i in _item_list(x)] for x in (positive, negative)]
        if not rows[0] and not rows[1]:
            raise ValueError("most_similar needs at least one item")
        check_positive("topn", topn, integer=True)
        found = self.wv.most_similar(positive=rows[0], negative=rows[1], topn=topn)
        return [(self.items[self.wv.key_to_index[key]], sim) for key, sim in found]

    def recommender(self, recency=3.0):
        """A :class:`~embedlearn.recsys.VectorRecommender` over the current item vectors.

        A snapshot (unit vectors computed once), for scoring many users at once; see
        :meth:`recommend` for ``recency``.
        """
        from types import SimpleNamespace

        from .recsys import VectorRecommender

        self._need_vocab()
        return VectorRecommender(SimpleNamespace(index_to_key=self.items, vectors=self.syn0),
                                 recency=recency)

    def recommend(self, history, k=10, exclude_seen=True, candidates=None, recency=3.0):
        """The ``k`` items nearest (cosine) to a recency-weighted mean of a history's unit vectors.

        Parameters
        ----------
        history : sequence of items
            One user's items, oldest first (order matters only with ``recency``).
        k : int, default 10
            Number of items, ``k >= 1``.
        exclude_seen : bool, default True
            Never recommend an item of the history.
        candidates : sequence of items, optional
            Recommend only among these (all items by default).
        recency : float or None, default 3.0
            Half-life in items of the recency-weighted mean: the item ``j`` places before the
            last one weighs ``0.5 ** (j / recency)``. None: the plain mean, every item weighs the
            same (use it when a history has no order, e.g. a basket). For next-item prediction
            the latest items say most: on MovieLens 100K's validation split a half-life of 3
            raises HitRate@10 from about 0.12 (plain mean) to 0.17 (1 to 5 do about as well).

        Returns
        -------
        list
            ``k`` items, best first.

        Raises
        ------
        KeyError
            An item of the history (or a candidate) that is not in the model.
        TypeError
            A history that is a single item or a string, or an unhashable item.
        ValueError
            ``k <= 0``, an empty history, or fewer than ``k`` items left to recommend.
        """
        from .evaluation import _check_k

        _check_k(k)
        if isinstance(history, (str, bytes)) or not hasattr(history, "__iter__"):
            raise TypeError("history must be a sequence of items (wrap a single item in a list)")
        history = list(history)
        if not history:
            raise ValueError("the history is empty: nothing to recommend from")
        for item in history:
            self.item_index(item)  # unknown or unhashable items: a clear error first
        found = self.recommender(recency).recommend([history], k, exclude_seen,
                                                    candidates=candidates)
        return found[0].tolist()

    def _need_vocab(self):
        if self.vocab is None:
            raise VocabularyError("the model has no items yet: call build_vocab(sets) first")

    def __repr__(self):
        size = len(self.vocab) if self.vocab is not None else 0
        cap = f", max_context={self.max_context}" if self.max_context else ""
        return f"Item2Vec(items={size}, vector_size={self.vector_size}{cap})"


class _PairJobs:
    """A training corpus whose jobs hold whole sets and about ``pairs_per_job`` SGD steps each.

    :meth:`SGDModel.train` asks the corpus for its job table; this one ignores the base's budget
    in items (``job_words``) and counts steps with :func:`~embedlearn.kernels.sets.pairs_per_set`
    (``n (n - 1)`` per set, ``n min(c, n - 1)`` with a cap ``c``), so a few large sets do not make
    one job the whole epoch's work while the other workers wait.
    """

    def __init__(self, corpus, max_context, pairs_per_job):
        self.corpus = corpus
        self.max_context = max_context
        self.pairs_per_job = pairs_per_job

    def __len__(self):
        return len(self.corpus)

    def piece(self, t0, t1, s0, s1):
        return self.corpus.piece(t0, t1, s0, s1)

    def job_table(self, job_words=None):
        """Rows ``(first item, first set)`` of each job, then ``(n_items, n_sets)``."""
        from .kernels.sets import pairs_per_set

        offsets = self.corpus.offsets
        steps = pairs_per_set(offsets, self.max_context)
        before = np.cumsum(steps) - steps  # steps of the sets before each set
        bucket = before // self.pairs_per_job
        starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]]) if len(steps) else \
            np.zeros(0, np.int64)
        # Keep one job per start item (empty sets share their neighbour's) and none at the end.
        _, first = np.unique(offsets[starts], return_index=True)
        starts = starts[np.sort(first)]
        starts = starts[(offsets[starts] < len(self.corpus)) | (starts == 0)]
        rows = np.stack([offsets[starts], starts], axis=1)
        return np.vstack([rows, [[len(self.corpus), len(offsets) - 1]]]).astype(np.int64)


# --- the item of each row, saved as JSON --------------------------------------------------------
class _ItemMapError(ValueError):
    pass


def _collision(key, first, second):
    raise TypeError(f"items {first!r} ({type(first).__name__}) and {second!r} "
                    f"({type(second).__name__}) are different but both are {key!r} as str, the "
                    "key type of model.wv: use ids of one type")


def _same_item(a, b):
    try:
        return a == b and str(a) == str(b)
    except Exception:  # noqa: BLE001 - an item whose == fails is not the same item
        return False


def _one_of(sets, corpus_iterable):
    if sets is not None and corpus_iterable is not None:
        raise ValueError("give sets or corpus_iterable, not both")
    return sets if sets is not None else corpus_iterable


def _item_list(x):
    if x is None:
        return []
    return list(x) if isinstance(x, list) else [x]


def _encode_item(item):
    """JSON form of one item: str and int as themselves, other types tagged."""
    if isinstance(item, str):
        return str(item)
    if isinstance(item, bool) or isinstance(item, np.bool_):
        return {"b": bool(item)}
    if isinstance(item, Integral):
        return int(item)
    if isinstance(item, Real):
        return {"f": repr(float(item))}
    if item is None:
        return {"n": 0}
    if isinstance(item, bytes):
        return {"y": item.hex()}
    if isinstance(item, tuple):
        return {"t": [_encode_item(x) for x in item]}
    raise TypeError(f"cannot save item {item!r} of type {type(item).__name__}: a model file holds "
                    "items that are str, int, float, bool, None, bytes or tuples of these")


def _decode_item(value):
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (tag, x), = value.items()
        if tag == "b" and isinstance(x, bool):
            return x
        if tag == "f" and isinstance(x, str):
            return float(x)
        if tag == "n":
            return None
        if tag == "y" and isinstance(x, str):
            return bytes.fromhex(x)
        if tag == "t" and isinstance(x, list):
            return tuple(_decode_item(v) for v in x)
    raise _ItemMapError(f"bad item entry {value!r}")


def _encode_items(items):
    return json.dumps([_encode_item(i) for i in items], ensure_ascii=False).encode("utf8")


def _decode_items(blob, keys):
    try:
        raw = json.loads(blob.decode("utf8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _ItemMapError(f"the item map is not UTF-8 JSON ({err})") from None
    if not isinstance(raw, list) or len(raw) != len(keys):
        raise _ItemMapError(f"the item map does not list one item per row ({len(keys)} rows)")
    try:
        items = [_decode_item(v) for v in raw]
    except ValueError as err:
        raise _ItemMapError(str(err)) from None
    for row, (item, key) in enumerate(zip(items, keys)):
        if str(item) != key:
            raise _ItemMapError(f"row {row} is key {key!r} but its item is {item!r}")
    if len(set(items)) != len(items):
        raise _ItemMapError("the item map repeats an item")
    return items
