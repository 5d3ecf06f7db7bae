"""Recommendation from item sets: data protocol, baselines, and cold start from content.

Everything around an item-embedding model that does not train it:

* **Sets as arrays.** :func:`scan_sets` turns any iterable of item sets (items: any hashable ids)
  into the flat arrays of the set-context kernel (:mod:`embedlearn.kernels.sets`), with the
  bad-input rules of the Item2Vec issue: a string is not a set, unhashable items are an error,
  repeats inside a set are dropped, sets with fewer than 2 items are skipped and counted.
* **Protocol.** :func:`movielens_sequences` reads MovieLens into per-user item lists in time
  order; :func:`leave_last_out` holds out each user's last item; :func:`cold_start_split` does
  so with one fold of items stripped of all (or all but a few) interactions;
  :func:`movielens_time_split` cuts the data in time for incremental training.
* **Recommenders.** :class:`PopularityRecommender` (most-interacted items) and
  :class:`VectorRecommender` (cosine k-nearest items to the plain or recency-weighted mean of
  the history's unit vectors, from any ``KeyedVectors``), both vectorised over users and scored
  by :mod:`embedlearn.evaluation`'s ranking metrics.
* **Cold start.** :func:`content_features` (genre one-hots, the mean of title-word vectors),
  :func:`fit_content_map` (ridge regression from content into the item space, closed form),
  :func:`fuse` (``alpha * behaviour + (1 - alpha) * content`` for items with few interactions)
  and :class:`HybridItemVectors`, which puts them together for a trained model.
"""
from __future__ import annotations

import re
from array import array
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from .corpus import Corpus
from .evaluation import _check_k, _id_array, top_k

__all__ = ["SetScan", "scan_sets", "movielens_sequences", "LeaveLastOut", "leave_last_out",
           "ColdStartSplit", "cold_start_split", "PopularityRecommender", "VectorRecommender",
           "title_words", "ContentFeatures", "content_features", "ContentMap", "fit_content_map",
           "fuse", "fusion_weights", "HybridItemVectors", "TimeSplit", "movielens_time_split"]

#: Users scored per block by the recommenders (bounds the (users, items) score matrix).
_USER_BLOCK = 256


# --------------------------------------------------------------------------------- sets
class SetScan(NamedTuple):
    """Result of :func:`scan_sets`: the kept sets as arrays, their items and counts."""

    corpus: Corpus
    r"""Kept sets with provisional ids (first-seen order); set ``s`` is ``corpus.sentence(s)``."""
    keys: list
    r"""``keys[i]`` is the item of provisional id ``i``."""
    counts: np.ndarray
    r"""Number of kept sets holding each item (int64)."""
    n_sets: int
    r"""Sets read."""
    n_empty: int
    r"""Sets skipped because they were empty."""
    n_single: int
    r"""Sets skipped because they hold one distinct item (no pair)."""
    n_repeats: int
    r"""Repeated items dropped inside sets (a set lists each item once)."""


def scan_sets(sets) -> SetScan:
    """Read item sets once into flat arrays, with counts, skipping sets that have no pair.

    Parameters
    ----------
    sets : iterable of iterables of hashable
        Baskets, sessions, a user's liked items...: any hashable ids (``int``, ``str``, tuples).
        Order inside a set is kept (it does not matter to the set-context objective).

    Returns
    -------
    SetScan
        Sets with fewer than 2 distinct items are skipped and counted (``n_empty``,
        ``n_single``), not errors: their items are not counted either, so an item seen only
        alone gets no vector. An item listed twice in one set is kept once (``n_repeats``).

    Raises
    ------
    TypeError
        If ``sets`` or one set is a string (a str is a sequence of characters, not of items), or
        an item is unhashable (e.g. a list), naming the set and the item.
    ValueError
        If no set has 2 distinct items (nothing to train on).
    """
    if sets is None:
        raise ValueError("no sets given (sets is None)")
    if isinstance(sets, (str, bytes)):
        raise TypeError("sets must be an iterable of item sets, not a single string")
    key_to_id: dict = {}
    ids = array("i")
    lengths = array("q")
    n_sets = n_empty = n_single = n_repeats = 0
    for index, items in enumerate(sets):
        n_sets += 1
        if isinstance(items, (str, bytes)):
            raise TypeError(f"set {index} is a {type(items).__name__}; expected an iterable of "
                            "items (wrap a single item id in a list)")
        try:
            items = list(items)
        except TypeError:
            raise TypeError(f"set {index} is a {type(items).__name__}, not an iterable of "
                            "items") from None
        try:
            distinct = list(dict.fromkeys(items))  # drops repeats, keeps first-seen order
        except TypeError:
            bad = next(i for i in items if _unhashable(i))
            raise TypeError(f"set {index} holds an unhashable item {bad!r} "
                            f"({type(bad).__name__}); items must be hashable ids") from None
        n_repeats += len(items) - len(distinct)
        if len(distinct) < 2:
            n_empty += len(distinct) == 0
            n_single += len(distinct) == 1
            continue
        setdefault = key_to_id.setdefault
        ids.extend([setdefault(item, len(key_to_id)) for item in distinct])
        lengths.append(len(distinct))
    if not lengths:
        raise ValueError(f"no set has 2 distinct items (read {n_sets} sets: {n_empty} empty, "
                         f"{n_single} with one item): there is no pair to train on")
    tokens = np.frombuffer(ids, dtype=np.int32).copy()
    offsets = np.zeros(len(lengths) + 1, np.int64)
    np.cumsum(np.frombuffer(lengths, dtype=np.int64), out=offsets[1:])
    counts = np.bincount(tokens, minlength=len(key_to_id)).astype(np.int64)
    return SetScan(Corpus(tokens, offsets), list(key_to_id), counts, n_sets, n_empty, n_single,
                   n_repeats)


def _unhashable(item) -> bool:
    try:
        hash(item)
        return False
    except TypeError:
        return True


# --------------------------------------------------------------------------------- protocol
def movielens_sequences(ratings, min_rating=4.0, ties="input"):
    """Each user's items rated ``>= min_rating``, in time order.

    Parameters
    ----------
    ratings : embedlearn.datasets.Ratings or str
        Ratings from :func:`embedlearn.datasets.load_movielens_100k` (or ``_latest_small``,
        ``_1m``), or one of the names ``"ml-100k"``, ``"ml-latest-small"``, ``"ml-1m"``.
    min_rating : float, default 4.0
        Ratings below this are not interactions (the usual "liked" threshold).
    ties : {"input", "item"}, default "input"
        Order of items with equal timestamps: as the ratings are given (for the loaders, the
        file's line order), or by increasing item id.

    Returns
    -------
    dict of int to list of int
        User id -> item ids, users in increasing id order; users with no such rating are absent.

    Notes
    -----
    **Ties decide what is held out.** Users often rate several movies within one second: in
    ml-100k, 305 of the 942 users have two or more liked items at their latest timestamp, and
    :func:`leave_last_out` holds out the last of them. Both rules are deterministic. ``"input"``
    (a stable sort on time) is the default because MovieLens' line order is unrelated to the
    items, so the held-out item is an unbiased pick among the tied ones; ``"item"`` always holds
    out the highest id, and ml-100k's ids are correlated with popularity (Pearson -0.57 with the
    number of likes), which moves the most-popular baseline's HitRate@10 from 0.079 (input
    order) to 0.058. A (user, item) pair rated twice keeps its first rating in this order
    (MovieLens has none).
    """
    if isinstance(ratings, str):
        ratings = _load_movielens(ratings)
    if ties not in ("input", "item"):
        raise ValueError(f"ties must be 'input' or 'item', got {ties!r}")
    if not np.isfinite(min_rating):
        raise ValueError(f"min_rating must be finite, got {min_rating!r}")
    liked = np.asarray(ratings.rating) >= min_rating
    user = np.asarray(ratings.user)[liked]
    item = np.asarray(ratings.item)[liked]
    time = np.asarray(ratings.timestamp)[liked]
    if user.size == 0:
        raise ValueError(f"no rating is >= {min_rating}")
    # lexsort is stable: with ties="input" equal (user, time) keep the order they were given in.
    keys = (time, user) if ties == "input" else (item, time, user)
    order = np.lexsort(keys)
    user, item = user[order], item[order]
    # First occurrence of each (user, item) pair in this order.
    _, first = np.unique(np.stack([user, item]), axis=1, return_index=True)
    keep = np.zeros(user.size, bool)
    keep[first] = True
    user, item = user[keep], item[keep]
    starts = np.flatnonzero(np.r_[True, user[1:] != user[:-1]])
    bounds = np.r_[starts, user.size]
    items = item.tolist()
    return {int(user[a]): items[a:b] for a, b in zip(bounds[:-1], bounds[1:])}


def _load_movielens(name):
    from . import datasets

    loaders = {"ml-100k": datasets.load_movielens_100k,
               "ml-latest-small": datasets.load_movielens_latest_small,
               "ml-1m": datasets.load_movielens_1m}
    if name not in loaders:
        raise ValueError(f"unknown MovieLens name {name!r}; expected one of {sorted(loaders)}")
    return loaders[name]()


class LeaveLastOut(NamedTuple):
    """Result of :func:`leave_last_out`."""

    train_sets: list
    r"""Every user's training items (evaluated users without their last item), in input order."""
    users: list
    r"""The evaluated users (those with at least ``min_length`` items)."""
    histories: list
    r"""Per evaluated user, the items the recommender may see (= their training set)."""
    heldout: list
    r"""Per evaluated user, the held-out last item."""


def leave_last_out(sequences, min_length=2):
    """Hold out each user's last item; the rest is training data and the query history.

    Parameters
    ----------
    sequences : mapping of user to sequence, or sequence of sequences
        Each user's items in time order (e.g. from :func:`movielens_sequences`, whose tie rule
        decides which item is last).
    min_length : int, default 2
        Users with fewer items are not evaluated (a history needs an item); their items all stay
        in ``train_sets`` (they are real interactions for other users' models).

    Returns
    -------
    LeaveLastOut

    Raises
    ------
    ValueError
        If ``min_length < 2`` or no user has ``min_length`` items.
    """
    if isinstance(min_length, bool) or not isinstance(min_length, (int, np.integer)) or min_length < 2:
        raise ValueError(f"min_length must be an integer >= 2, got {min_length!r}")
    pairs = sequences.items() if isinstance(sequences, Mapping) else enumerate(sequences)
    train_sets, users, histories, heldout = [], [], [], []
    for user, seq in pairs:
        if isinstance(seq, (str, bytes)):
            raise TypeError(f"the sequence of user {user!r} is a string, expected a list of items")
        seq = list(seq)
        if len(seq) < min_length:
            train_sets.append(seq)
            continue
        train_sets.append(seq[:-1])
        users.append(user)
        histories.append(seq[:-1])
        heldout.append(seq[-1])
    if not users:
        raise ValueError(f"no user has at least {min_length} items: nothing to evaluate")
    return LeaveLastOut(train_sets, users, histories, heldout)


class ColdStartSplit(NamedTuple):
    """Result of :func:`cold_start_split`."""

    train_sets: list
    r"""Every user's training items without the fold's removed interactions."""
    cold_items: list
    r"""The items of this fold (cold with ``keep=0``: no interaction in ``train_sets``)."""
    users: list
    r"""Users whose held-out (last) item is in the fold and whose history is not empty."""
    histories: list
    r"""Their histories (their items in ``train_sets``)."""
    heldout: list
    r"""Their held-out item of the fold."""
    removed_sets: list
    r"""Per training set, its interactions with fold items that were removed (never the
    held-out items): what an oracle popularity may count, what a model may not see."""


def cold_start_split(sequences, n_folds=5, fold=0, seed=0, keep=0):
    """Leave-last-out where the items of one fold lose all (or all but ``keep``) interactions.

    Items are dealt into ``n_folds`` folds by a seeded permutation; the items of fold ``fold``
    are *cold*: every training interaction with them is removed, as for items added to the
    catalogue after training. The evaluated users are those whose held-out last item is in the
    fold; their histories are what is left of their training items. Running every fold
    evaluates every user once.

    A recommender for these users ranks the fold's items only (the new arrivals), with vectors
    it can compute without interactions, e.g. from content (:class:`HybridItemVectors`).
    Popularity from ``train_sets`` gives every cold item 0 (no ranking at all, by
    construction); popularity from ``removed_sets`` ranks them by the interactions that were
    held out of training, an *oracle* (real cold start has no counts yet): an upper reference,
    not an achievable baseline.

    Parameters
    ----------
    sequences : mapping of user to sequence, or sequence of sequences
        As for :func:`leave_last_out`.
    n_folds : int, default 5
    fold : int, default 0
        Which fold is cold, ``0 <= fold < n_folds``.
    seed : int, default 0
        Seeds the folds and the kept interactions.
    keep : int, default 0
        Keep this many training interactions of each fold item (drawn at random; all of them
        for an item with fewer): items with few interactions, where behaviour and content are
        fused (:func:`fuse`).

    Returns
    -------
    ColdStartSplit
    """
    if isinstance(n_folds, bool) or not isinstance(n_folds, (int, np.integer)) or n_folds < 2:
        raise ValueError(f"n_folds must be an integer >= 2, got {n_folds!r}")
    if isinstance(fold, bool) or not isinstance(fold, (int, np.integer)) or not 0 <= fold < n_folds:
        raise ValueError(f"fold must be an integer in [0, {n_folds}), got {fold!r}")
    if isinstance(keep, bool) or not isinstance(keep, (int, np.integer)) or keep < 0:
        raise ValueError(f"keep must be an integer >= 0, got {keep!r}")
    if not isinstance(sequences, Mapping):
        sequences = list(sequences)  # read twice below
    split = leave_last_out(sequences)
    # Every item once, in first-seen order (training items, then items seen only as held out).
    items = list(dict.fromkeys([i for seq in split.train_sets for i in seq] + list(split.heldout)))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(items))
    cold = [items[j] for j in order[fold::n_folds]]
    is_cold = set(cold)
    kept = set()
    if keep:
        where: dict = {}  # fold item -> the training sets holding it
        for s, seq in enumerate(split.train_sets):
            for i in seq:
                if i in is_cold:
                    where.setdefault(i, []).append(s)
        for i, sets in where.items():
            chosen = sets if len(sets) <= keep else rng.choice(sets, keep, replace=False)
            kept.update((int(s), i) for s in chosen)
    train_sets, removed = [], []
    for s, seq in enumerate(split.train_sets):
        gone = [i for i in seq if i in is_cold and (s, i) not in kept]
        train_sets.append([i for i in seq if i not in is_cold or (s, i) in kept])
        removed.append(gone)
    # The evaluated users' training sets (leave_last_out evaluates users with 2 or more items).
    pairs = sequences.values() if isinstance(sequences, Mapping) else sequences
    evaluated = [s for s, seq in enumerate(pairs) if len(seq) >= 2]
    users, histories, heldout = [], [], []
    for user, s, item in zip(split.users, evaluated, split.heldout):
        rest = train_sets[s]
        if item in is_cold and rest:
            users.append(user)
            histories.append(rest)
            heldout.append(item)
    if not users:
        raise ValueError("no evaluated user has a held-out item in the fold and a history")
    return ColdStartSplit(train_sets, cold, users, histories, heldout, removed)


class TimeSplit(NamedTuple):
    """Result of :func:`movielens_time_split`."""

    before: dict
    r"""User -> liked items (time order) rated before ``cutoff``."""
    after: dict
    r"""User -> liked items (time order) rated at or after ``cutoff``."""
    cutoff: int
    r"""The timestamp that splits the periods (seconds since 1970)."""
    new_items: set
    r"""Items liked after the cutoff and never before it (the catalogue's growth)."""


def movielens_time_split(ratings, quantile=0.8, min_rating=4.0, ties="input"):
    """Split liked items in time at the ``quantile`` of their timestamps (incremental training).

    The first period is what a model is trained on; the second is new sessions and new items
    arriving, for ``build_vocab(update=True)`` + ``train``. Each user's items are split at the
    same global time, so a user may appear in one period or both.

    Parameters
    ----------
    ratings : embedlearn.datasets.Ratings or str
        As for :func:`movielens_sequences`.
    quantile : float, default 0.8
        Share of the liked ratings that fall in the first period, ``0 < quantile < 1``.
    min_rating, ties :
        As for :func:`movielens_sequences`.

    Returns
    -------
    TimeSplit
    """
    if isinstance(ratings, str):
        ratings = _load_movielens(ratings)
    if isinstance(quantile, bool) or not np.isfinite(quantile) or not 0 < quantile < 1:
        raise ValueError(f"quantile must lie strictly between 0 and 1, got {quantile!r}")
    liked = np.asarray(ratings.rating) >= min_rating
    if not liked.any():
        raise ValueError(f"no rating is >= {min_rating}")
    cutoff = int(np.quantile(np.asarray(ratings.timestamp)[liked], quantile, method="higher"))
    early = np.asarray(ratings.timestamp) < cutoff
    halves = []
    for mask in (early, ~early):
        part = ratings._replace(user=ratings.user[mask], item=ratings.item[mask],
                                rating=ratings.rating[mask], timestamp=ratings.timestamp[mask])
        has_likes = bool((np.asarray(part.rating) >= min_rating).any())
        halves.append(movielens_sequences(part, min_rating, ties) if has_likes else {})
    if not halves[0] or not halves[1]:
        raise ValueError(f"quantile={quantile} leaves a period without liked ratings")
    old = {i for seq in halves[0].values() for i in seq}
    new = {i for seq in halves[1].values() for i in seq} - old
    return TimeSplit(halves[0], halves[1], cutoff, new)


# --------------------------------------------------------------------------------- recommenders
class _Recommender:
    """Shared by both recommenders: item keys, history encoding, blocked top-k with exclusions."""

    _keys: list
    _key_to_index: dict

    @property
    def items(self) -> list:
        """list: the candidate items, in the order of the score columns."""
        return self._keys

    def _encode(self, histories, unknown):
        """Row indices of each history's known items, in history order; unknown items raise or
        are dropped."""
        if isinstance(histories, (str, bytes)) or not hasattr(histories, "__iter__"):
            raise TypeError("histories must be a sequence of item sequences (one per user)")
        rows = []
        for u, history in enumerate(histories):
            if isinstance(history, (str, bytes)) or not hasattr(history, "__iter__"):
                raise TypeError(f"history {u} must be a sequence of items, got "
                                f"{type(history).__name__} (wrap a single item in a list)")
            idx = []
            for item in history:
                try:
                    i = self._key_to_index.get(item)
                except TypeError:
                    raise TypeError(f"history {u} holds an unhashable item {item!r}") from None
                if i is None:
                    if unknown == "raise":
                        raise KeyError(f"item {item!r} (history {u}) is not a known item")
                    continue
                idx.append(i)
            rows.append(np.asarray(idx, np.int64))
        if not rows:
            raise ValueError("histories is empty: no user to recommend for")
        return rows

    def _scores(self, rows):  # pragma: no cover - defined by each recommender
        raise NotImplementedError

    def recommend(self, histories, k=10, exclude_seen=True, unknown="raise", candidates=None):
        """Top-``k`` items for each history, best first.

        Parameters
        ----------
        histories : sequence of sequences of items
            One history per user (items already interacted with).
        k : int, default 10
        exclude_seen : bool, default True
            Never recommend an item of the user's own history.
        unknown : {"raise", "ignore"}, default "raise"
            What to do with a history item the recommender does not know: raise ``KeyError``, or
            leave it out (it can then not be excluded either, but an unknown item is never a
            candidate anyway).
        candidates : sequence of items, optional
            Recommend only among these (e.g. the new arrivals of a cold start); all by default.

        Returns
        -------
        numpy.ndarray, shape (U, k)
            Item ids (int64 if all are ints, str if all are strs, else object). Ties go to the
            earlier item in :attr:`items`.

        Raises
        ------
        ValueError
            ``k <= 0``, an empty ``histories``, or a user with fewer than ``k`` unseen items.
        KeyError
            An unknown item with ``unknown="raise"``.
        """
        k = _check_k(k)
        if unknown not in ("raise", "ignore"):
            raise ValueError(f"unknown must be 'raise' or 'ignore', got {unknown!r}")
        rows = self._encode(histories, unknown)
        keys = _id_array(self._keys)
        barred = None
        if candidates is not None:
            unknown_candidates = [c for c in candidates if c not in self._key_to_index]
            if unknown_candidates:
                raise KeyError(f"candidate item {unknown_candidates[0]!r} is not a known item")
            allowed = self._encode([candidates], "raise")[0]
            barred = np.ones(len(self._keys), bool)
            barred[allowed] = False
        out = []
        for start in range(0, len(rows), _USER_BLOCK):
            block = rows[start:start + _USER_BLOCK]
            scores = self._scores(block)
            if barred is not None:
                scores = np.where(barred, -np.inf, scores)
            try:
                out.append(top_k(scores, k, exclude=block if exclude_seen else None))
            except ValueError as err:
                raise ValueError(f"{err} (in the user block starting at history {start})") from None
        return keys[np.concatenate(out)]


class PopularityRecommender(_Recommender):
    """Recommend the items in the most training sets (the "most popular" baseline).

    Parameters
    ----------
    train_sets : iterable of iterables of hashable
        The training interactions; an item counts once per set it is in.

    Notes
    -----
    Ties in popularity go to the item seen first in ``train_sets``, so the ranking is
    deterministic. Every history gets the same list (minus its own items).
    """

    def __init__(self, train_sets):
        counts: dict = {}
        for index, items in enumerate(train_sets):
            if isinstance(items, (str, bytes)):
                raise TypeError(f"set {index} is a string, expected an iterable of items")
            try:
                for item in dict.fromkeys(items):
                    counts[item] = counts.get(item, 0) + 1
            except TypeError:
                raise TypeError(f"set {index} holds an unhashable item") from None
        if not counts:
            raise ValueError("no item in train_sets: nothing to recommend")
        self._keys = list(counts)
        self._key_to_index = {k: i for i, k in enumerate(self._keys)}
        self.counts = np.fromiter(counts.values(), np.int64, len(counts))
        order = np.argsort(-self.counts, kind="stable")
        # Score = minus the popularity rank: the count order with ties by first appearance.
        self._score_row = np.empty(len(order), np.float64)
        self._score_row[order] = -np.arange(len(order), dtype=np.float64)

    def _scores(self, rows):
        return np.broadcast_to(self._score_row, (len(rows), len(self._score_row)))


class VectorRecommender(_Recommender):
    """Recommend the items whose vectors are nearest (cosine) to the mean of a history's.

    The user vector is the mean of the history's *unit* item vectors (each item counts equally,
    whatever its vector's length, which in SGNS grows with frequency); items are ranked by
    cosine similarity to it. This is the kNN of Barkan & Koenigstein's item-to-item
    recommendation extended to a history, with cosine rather than the Euclidean distance of
    sklearn's default that the script of Caselles-Dupre et al. (2018) uses.

    Parameters
    ----------
    vectors : KeyedVectors-like
        Anything with ``index_to_key`` and ``vectors`` (``embedlearn.KeyedVectors``, gensim's
        ``KeyedVectors``), or a mapping ``item -> vector``.
    recency : float, optional
        Half-life, in items, of a recency-weighted mean: in a history of ``L`` items the one at
        position ``t`` (0 = oldest) weighs ``0.5 ** ((L - 1 - t) / recency)``, so the last item
        weighs 1 and the one ``recency`` places before it 1/2. For next-item prediction the
        latest items say most about the next one. None (default): a plain mean.

    Notes
    -----
    A history that lists an item twice counts it twice (at each of its positions).
    """

    def __init__(self, vectors, recency=None):
        if isinstance(vectors, Mapping):
            keys = list(vectors)
            matrix = np.stack([np.asarray(vectors[k], np.float32) for k in keys]) if keys else None
        else:
            keys = list(vectors.index_to_key)
            matrix = np.asarray(vectors.vectors, np.float32)
        if not keys:
            raise ValueError("no item vectors given")
        if matrix.ndim != 2 or matrix.shape[0] != len(keys):
            raise ValueError(f"expected one vector per item, got shape {matrix.shape} for {len(keys)} items")
        if not np.all(np.isfinite(matrix)):
            raise ValueError("item vectors contain NaN or inf")
        if recency is not None and (isinstance(recency, bool) or
                                    not isinstance(recency, (int, float, np.number)) or
                                    not np.isfinite(recency) or recency <= 0):
            raise ValueError(f"recency must be a positive half-life in items or None, got {recency!r}")
        self.recency = None if recency is None else float(recency)
        self._keys = keys
        self._key_to_index = {k: i for i, k in enumerate(keys)}
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self.unit_vectors = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)

    def user_vectors(self, rows):
        """(Weighted) mean unit vector of each history (rows of item indices, oldest first)."""
        lengths = np.array([len(r) for r in rows])
        if (lengths == 0).any():
            u = int(np.argmax(lengths == 0))
            raise ValueError(f"history {u} has no item with a vector: nothing to compare with")
        flat = np.concatenate(rows)
        starts = np.r_[0, np.cumsum(lengths)[:-1]]
        if self.recency is None:
            weights = np.ones(len(flat))
        else:  # items from the end of each history: 0 for the last one
            back = np.repeat(starts + lengths - 1, lengths) - np.arange(len(flat))
            weights = 0.5 ** (back / self.recency)
        sums = np.add.reduceat(self.unit_vectors[flat] * weights[:, None], starts, axis=0)
        return sums / np.add.reduceat(weights, starts)[:, None]

    def _scores(self, rows):
        return self.user_vectors(rows) @ self.unit_vectors.T


# --------------------------------------------------------------------------------- content
_YEAR = re.compile(r"\s*\(\d{4}\)\s*$")
_YEAR_VALUE = re.compile(r"\((\d{4})\)\s*$")
_WORD = re.compile(r"[^\W_]+")


def title_words(title: str) -> list:
    """Lower-case words of a MovieLens title without its trailing ``(year)``.

    ``"American President, The (1995)"`` -> ``["american", "president", "the"]``: letters and
    digits of any script; punctuation splits words (the article MovieLens moves to the end stays
    a word like any other).
    """
    return _WORD.findall(_YEAR.sub("", title).lower())


class ContentFeatures(NamedTuple):
    """Result of :func:`content_features`."""

    matrix: np.ndarray
    r"""float32 (n_items, F): genre one-hots, decade one-hots (if asked), the title block."""
    items: list
    r"""The item of each row."""
    columns: list
    r"""Name of each column: ``"genre:Drama"``, ..., ``"title:0"``, ..."""
    title_coverage: float
    r"""Share of items with at least one title word that has a vector (1.0 without vectors)."""


def content_features(items, titles, genres, word_vectors=None, genre_names=None, decades=False):
    """Content vectors of items: genre one-hots and the mean of their title words' vectors.

    Parameters
    ----------
    items : sequence of hashable
        The items, one row each, in this order.
    titles, genres : mapping
        Item -> title string and item -> iterable of genre names (as
        :class:`embedlearn.datasets.Ratings` gives them for MovieLens).
    word_vectors : KeyedVectors-like, optional
        Word vectors looked up as ``word_vectors[word]``: a word raising ``KeyError`` is
        skipped (a FastText model's vectors answer for every word, through subwords). The block is
        the mean of the title words' *unit* vectors; a title with no known word gets zeros. None
        leaves out the title block (genres only).
    genre_names : sequence of str, optional
        The genre columns, in order (default: every genre of these items, sorted). A genre not
        listed is ignored.
    decades : bool, default False
        Also one-hot the decade of the year that ends a MovieLens title (``"... (1995)"`` ->
        ``"decade:1990"``), between the genre and title blocks; a title without a year gets none.

    Returns
    -------
    ContentFeatures

    Raises
    ------
    KeyError
        If an item has no title or no genre entry.
    """
    items = list(items)
    if not items:
        raise ValueError("no items given")
    missing = next((i for i in items if i not in titles or i not in genres), None)
    if missing is not None:
        raise KeyError(f"item {missing!r} has no {'title' if missing not in titles else 'genres'}")
    if genre_names is None:
        genre_names = sorted({g for i in items for g in genres[i]})
    column_of = {g: c for c, g in enumerate(genre_names)}
    G = np.zeros((len(items), len(genre_names)), np.float32)
    for r, item in enumerate(items):
        for g in genres[item]:
            c = column_of.get(g)
            if c is not None:
                G[r, c] = 1.0
    columns = [f"genre:{g}" for g in genre_names]
    if decades:
        found = [_YEAR_VALUE.search(titles[i]) for i in items]
        decade = [int(m.group(1)) // 10 * 10 if m else None for m in found]
        names = sorted({d for d in decade if d is not None})
        D = np.zeros((len(items), len(names)), np.float32)
        for r, d in enumerate(decade):
            if d is not None:
                D[r, names.index(d)] = 1.0
        G = np.hstack([G, D])
        columns += [f"decade:{d}" for d in names]
    if word_vectors is None:
        return ContentFeatures(G, items, columns, 1.0)
    dim = int(word_vectors.vector_size)
    T = np.zeros((len(items), dim), np.float32)
    covered = 0
    for r, item in enumerate(items):
        found = []
        for word in title_words(titles[item]):
            try:
                v = np.asarray(word_vectors[word], np.float64)
            except KeyError:
                continue
            n = np.linalg.norm(v)
            if n > 0:
                found.append(v / n)
        if found:
            T[r] = np.mean(found, axis=0)
            covered += 1
    columns += [f"title:{d}" for d in range(dim)]
    return ContentFeatures(np.hstack([G, T]), items, columns, covered / len(items))


class ContentMap(NamedTuple):
    """A linear map from content space into the item space: ``Y ~ X @ coef + intercept``."""

    coef: np.ndarray
    r"""float64 (F, N)."""
    intercept: np.ndarray
    r"""float64 (N,); not penalised."""
    l2: float

    def predict(self, content_X) -> np.ndarray:
        """Item-space vectors (float32, (n, N)) for content rows ``content_X`` (n, F)."""
        X = np.asarray(content_X, np.float64)
        if X.ndim != 2 or X.shape[1] != self.coef.shape[0]:
            raise ValueError(f"content_X must have shape (n, {self.coef.shape[0]}), got {X.shape}")
        return (X @ self.coef + self.intercept).astype(np.float32)


def fit_content_map(content_X, item_vectors, l2=1.0) -> ContentMap:
    r"""Ridge regression from content features to item vectors, in closed form.

    Minimises :math:`\lVert X_c W - Y_c\rVert_F^2 + \lambda\lVert W\rVert_F^2` over ``W`` with
    :math:`X_c, Y_c` the centred rows (so the intercept is the mean and is not shrunk):

    .. math::
        W = (X_c^\top X_c + \lambda I)^{-1} X_c^\top Y_c, \qquad b = \bar y - \bar x^\top W.

    One :math:`F\times F` solve in float64: :math:`F` (genres + word dimensions) is small.

    Parameters
    ----------
    content_X : array_like, shape (n, F)
        Content rows of items that have behaviour vectors (see :func:`content_features`).
    item_vectors : array_like, shape (n, N)
        Their item vectors, row for row. When items are ranked by cosine, pass unit vectors so
        the map learns directions rather than frequency-driven lengths.
    l2 : float, default 1.0
        Penalty :math:`\lambda \ge 0` (pick it on held-out items; 0 needs :math:`X_c` of full
        column rank).

    Returns
    -------
    ContentMap

    Raises
    ------
    ValueError
        Mismatched rows, non-finite values, ``l2 < 0``, or a singular system with ``l2 = 0``.
    """
    X = np.asarray(content_X, np.float64)
    Y = np.asarray(item_vectors, np.float64)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError(f"content_X (n, F) and item_vectors (n, N) need the same rows, got "
                         f"{X.shape} and {Y.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError("content_X is empty")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Y))):
        raise ValueError("content_X and item_vectors must be finite")
    if isinstance(l2, bool) or not np.isfinite(l2) or l2 < 0:
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")
    x_mean, y_mean = X.mean(axis=0), Y.mean(axis=0)
    Xc, Yc = X - x_mean, Y - y_mean
    A = Xc.T @ Xc + float(l2) * np.eye(X.shape[1])
    try:
        coef = np.linalg.solve(A, Xc.T @ Yc)
    except np.linalg.LinAlgError:
        raise ValueError("the ridge system is singular: use l2 > 0") from None
    return ContentMap(coef, y_mean - x_mean @ coef, float(l2))


def fusion_weights(counts, n_half=10.0) -> np.ndarray:
    r"""Behaviour weight :math:`\alpha = n / (n + n_{1/2})` for items with ``n`` interactions.

    An item with no interaction is pure content (:math:`\alpha = 0`), one with
    :math:`n_{1/2}` interactions is half and half, and :math:`\alpha \to 1` as data accumulate
    (the shrinkage form of a prior worth :math:`n_{1/2}` interactions).
    """
    n = np.asarray(counts, np.float64)
    if np.any(n < 0) or not np.all(np.isfinite(n)):
        raise ValueError("counts must be finite and >= 0")
    if isinstance(n_half, bool) or not np.isfinite(n_half) or n_half <= 0:
        raise ValueError(f"n_half must be a positive number, got {n_half!r}")
    return n / (n + n_half)


def fuse(behaviour, content, alpha, normalize=True) -> np.ndarray:
    r"""Blend behaviour and content vectors: :math:`\alpha\,\mathbf b + (1-\alpha)\,\mathbf c`.

    Parameters
    ----------
    behaviour, content : array_like, shape (n, N)
        Row for row the same items: learned vectors and :meth:`ContentMap.predict` output.
    alpha : float or array_like of shape (n,)
        Weight of behaviour in ``[0, 1]``, one for all or one per item (see
        :func:`fusion_weights`).
    normalize : bool, default True
        Scale both to unit length first, so ``alpha`` is the share of each *direction* (a ridge
        prediction is shrunk towards the mean and is much shorter than a learned vector; without
        this the content would count less than ``1 - alpha``).

    Returns
    -------
    numpy.ndarray of float32, shape (n, N)
    """
    B = np.asarray(behaviour, np.float64)
    C = np.asarray(content, np.float64)
    if B.ndim != 2 or B.shape != C.shape:
        raise ValueError(f"behaviour and content must have the same 2-D shape, got {B.shape} and {C.shape}")
    a = np.asarray(alpha, np.float64)
    if a.ndim == 0:
        a = np.full(B.shape[0], float(a))
    if a.shape != (B.shape[0],):
        raise ValueError(f"alpha must be a number or have shape ({B.shape[0]},), got {a.shape}")
    if not np.all((a >= 0) & (a <= 1)):
        raise ValueError("alpha must lie in [0, 1]")
    if normalize:
        B = B / np.maximum(np.linalg.norm(B, axis=1, keepdims=True), 1e-30)
        C = C / np.maximum(np.linalg.norm(C, axis=1, keepdims=True), 1e-30)
    return (a[:, None] * B + (1 - a[:, None]) * C).astype(np.float32)


class HybridItemVectors:
    r"""Vectors for items with few or no interactions, from their content (cold start).

    The learned item space is extended to items it has never seen through their content: a
    ridge map (:func:`fit_content_map`) from content features (genres, title words...:
    :func:`content_features`) to the *unit* behaviour vectors of the items that have them, and,
    for an item with both, the fusion :math:`\alpha\,\mathbf b + (1-\alpha)\,\mathbf c`
    (:func:`fuse`) with :math:`\alpha` constant or :math:`n / (n + n_{1/2})` for an item in
    :math:`n` training sets (:func:`fusion_weights`).

    Parameters
    ----------
    behaviour : Item2Vec or KeyedVectors-like
        A model with ``items``, ``syn0`` and ``vocab.counts`` (:class:`embedlearn.Item2Vec`), or
        anything with ``index_to_key`` and ``vectors`` (then ``counts`` is needed for
        ``alpha=None``).
    content : ContentFeatures
        Content rows of every item to serve: the behaviour items used to fit the map, and the
        items without behaviour vectors.
    counts : array_like of int, optional
        Training sets per behaviour item (default: the model's counts).
    l2 : float or sequence of float, default (0.01, 0.1, 1, 10, 100)
        Ridge penalty, or candidates for it: the one with the highest mean cosine between
        predicted and learned vectors on a random fifth of the fitting items (never on the items
        being evaluated) is kept in :attr:`l2`; the map is then refitted on all of them.
    fit_items : sequence of items, optional
        The items to fit the map on (default: every behaviour item with content). Leave out
        items whose behaviour vectors are unreliable (few interactions).
    seed : int, default 0
        Seeds the fifth used to choose ``l2``.

    Attributes
    ----------
    content_map : ContentMap
    l2 : float
    items : list
        Every item served: the behaviour items, then the content-only items.
    """

    def __init__(self, behaviour, content, counts=None, l2=(0.01, 0.1, 1.0, 10.0, 100.0),
                 fit_items=None, seed=0):
        if hasattr(behaviour, "items") and hasattr(behaviour, "syn0"):  # an Item2Vec model
            keys, matrix = list(behaviour.items), behaviour.syn0
            counts = behaviour.vocab.counts if counts is None else counts
        else:
            keys, matrix = list(behaviour.index_to_key), behaviour.vectors
        self._behaviour = VectorRecommender(_Vectors(keys, matrix))
        self.counts = None if counts is None else np.asarray(counts, np.float64)
        if self.counts is not None and self.counts.shape != (len(keys),):
            raise ValueError(f"counts must have one entry per behaviour item ({len(keys)}), "
                             f"got shape {self.counts.shape}")
        if not isinstance(content, ContentFeatures):
            raise TypeError("content must be the ContentFeatures of content_features(...)")
        self._content_row = {item: r for r, item in enumerate(content.items)}
        self._content = content.matrix
        fit_items = [k for k in keys if k in self._content_row] if fit_items is None \
            else list(fit_items)
        if len(fit_items) < 2:
            raise ValueError("the content map needs at least 2 behaviour items with content")
        X = self._content_rows(fit_items)
        Y = self._behaviour.unit_vectors[[self._behaviour_row(i) for i in fit_items]]
        grid = [l2] if np.ndim(l2) == 0 else list(l2)
        if not grid:
            raise ValueError("l2 needs at least one candidate")
        if len(grid) > 1:
            inner = np.random.default_rng(seed).random(len(fit_items)) < 0.2
            if inner.all() or not inner.any():
                inner[:] = False
                inner[0] = True
            grid_scores = [np.mean(np.sum(_unit_rows(fit_content_map(
                X[~inner], Y[~inner], c).predict(X[inner])) * Y[inner], axis=1)) for c in grid]
            self.l2 = float(grid[int(np.argmax(grid_scores))])
        else:
            self.l2 = float(grid[0])
        self.content_map = fit_content_map(X, Y, self.l2)
        self.items = keys + [i for i in content.items if i not in self._behaviour._key_to_index]

    def _behaviour_row(self, item):
        row = self._behaviour._key_to_index.get(item)
        if row is None:
            raise KeyError(f"item {item!r} has no behaviour vector")
        return row

    def _content_rows(self, items):
        missing = next((i for i in items if i not in self._content_row), None)
        if missing is not None:
            raise KeyError(f"item {missing!r} has no content row")
        return self._content[[self._content_row[i] for i in items]]

    def content_vectors(self, items) -> np.ndarray:
        """Unit vectors predicted from content alone, float32 (n, N)."""
        return _unit_rows(self.content_map.predict(self._content_rows(list(items))))

    def vectors(self, items, alpha=None, n_half=10.0, fuse_items=None) -> np.ndarray:
        """Unit item vectors: fused for items with behaviour vectors, content for the rest.

        Parameters
        ----------
        items : sequence of items
        alpha : float in [0, 1], optional
            Behaviour weight for items that have both (1: behaviour only, 0: content only).
            None: :func:`fusion_weights` of their counts with ``n_half``.
        n_half : float, default 10
        fuse_items : collection of items, optional
            Fuse only these (e.g. the items with few interactions); the other items with
            behaviour vectors keep them unchanged. Default: fuse every item that has both.
        """
        items = list(items)
        rows = [self._behaviour._key_to_index.get(i) for i in items]
        out = np.empty((len(items), self.content_map.coef.shape[1]), np.float32)
        cold = [j for j, r in enumerate(rows) if r is None]
        warm = [j for j, r in enumerate(rows) if r is not None]
        if cold:
            out[cold] = self.content_vectors([items[j] for j in cold])
        if fuse_items is not None:
            kept = [j for j in warm if items[j] not in fuse_items]
            out[kept] = self._behaviour.unit_vectors[[rows[j] for j in kept]]
            warm = [j for j in warm if items[j] in fuse_items]
        if warm:
            behaviour = self._behaviour.unit_vectors[[rows[j] for j in warm]]
            if alpha is None:
                if self.counts is None:
                    raise ValueError("alpha=None weighs by counts: give counts")
                alpha = fusion_weights(self.counts[[rows[j] for j in warm]], n_half)
            if np.ndim(alpha) == 0 and float(alpha) == 1.0:
                out[warm] = behaviour  # no content needed
            else:
                with_content = [items[j] for j in warm]
                out[warm] = _unit_rows(fuse(behaviour, self.content_vectors(with_content), alpha))
        return out

    def recommender(self, items=None, alpha=None, n_half=10.0, fuse_items=None, recency=None):
        """A :class:`VectorRecommender` over ``items`` (default :attr:`items`) and their
        :meth:`vectors` (``recency`` as for :class:`VectorRecommender`)."""
        items = self.items if items is None else list(items)
        vectors = self.vectors(items, alpha, n_half, fuse_items)
        return VectorRecommender(_Vectors(items, vectors), recency=recency)


class _Vectors(NamedTuple):
    """Items and their vectors, the ``index_to_key`` / ``vectors`` pair recommenders read."""

    index_to_key: list
    vectors: np.ndarray


def _unit_rows(X):
    X = np.asarray(X, np.float32)
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-30)
