"""Vocabulary: counts, ``min_count``, frequency order, subsampling, noise table, Huffman codes."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .corpus import ScanResult, scan
from .errors import VocabularyError

__all__ = ["Vocabulary", "HuffmanCodes"]

#: Range of the cumulative noise table (as gensim: ``2**31 - 1``).
NOISE_RANGE = 2**31 - 1


@dataclass
class HuffmanCodes:
    """Per-word Huffman codes and inner-node paths, flat with offsets.

    Word ``w``'s code bits are ``codes[offsets[w]:offsets[w+1]]`` and the inner nodes (rows of the
    hierarchical-softmax output matrix) on its path ``points[offsets[w]:offsets[w+1]]``, root first.
    """

    codes: np.ndarray
    points: np.ndarray
    offsets: np.ndarray

    def code(self, w: int) -> np.ndarray:
        """Code bits of word ``w``, root first."""
        return self.codes[self.offsets[w]:self.offsets[w + 1]]

    def point(self, w: int) -> np.ndarray:
        """Inner nodes on word ``w``'s path, root first."""
        return self.points[self.offsets[w]:self.offsets[w + 1]]


class Vocabulary:
    """Words sorted by decreasing count, with what training needs derived from the counts.

    Parameters
    ----------
    keys : list of str
        The words, in decreasing order of count (unless ``check_sorted=False``).
    counts : array_like of int
        Their counts, all positive.
    check_sorted : bool, default True
        Require decreasing counts (a model built with ``sorted_vocab=0``, or updated with new words,
        keeps another order).

    Attributes
    ----------
    index_to_key : list of str
    key_to_index : dict of str to int
    counts : numpy.ndarray of int64
    total_words : int
        Sum of ``counts`` (the retained words only).

    Notes
    -----
    Words of equal count are ordered as gensim 4.4 orders them (``sort_by_descending_frequency``:
    among equal counts, the word seen *last* comes first), so ``restrict_vocab`` cut-offs and the
    Huffman tree agree with gensim's on the same text (tested).
    """

    def __init__(self, keys, counts, check_sorted=True):
        counts = np.asarray(counts, dtype=np.int64)
        if len(keys) != len(counts):
            raise ValueError(f"{len(keys)} keys but {len(counts)} counts")
        if len(keys) == 0:
            raise VocabularyError("the vocabulary is empty")
        if np.any(counts <= 0):
            raise ValueError("counts must be positive")
        if check_sorted and np.any(np.diff(counts) > 0):
            raise ValueError("keys must be sorted by decreasing count")
        self.index_to_key = list(keys)
        self.key_to_index = {k: i for i, k in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            raise ValueError("duplicate keys in the vocabulary")
        self.counts = counts
        self._huffman = None

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def from_counts(cls, keys, counts, min_count=5, max_final_vocab=None, trim_rule=None,
                    sorted_vocab=True):
        """Keep the words gensim's ``prepare_vocab`` keeps, in gensim's order.

        Parameters
        ----------
        keys : list of str
            Words in first-seen order (``None`` for ids pruned while counting; they are skipped).
        counts : array_like of int
            Their counts.
        min_count : int, default 5
            Drop words rarer than this (0 and 1 keep every word seen).
        max_final_vocab : int or None
            gensim's cap on the final vocabulary: when more words reach ``min_count``, the
            effective ``min_count`` is raised to one more than the count of the
            ``max_final_vocab + 1``-th most frequent word, so ties at the cut are all dropped and
            the vocabulary may be smaller than the cap (as gensim).
        trim_rule : callable, optional
            ``trim_rule(word, count, min_count)`` returning ``RULE_KEEP`` / ``RULE_DISCARD`` /
            ``RULE_DEFAULT`` (:mod:`embedlearn.corpus`; the numbers are gensim's) overrides the
            ``min_count`` decision for a word.
        sorted_vocab : bool, default True
            Order by decreasing count (ties: last seen first, as gensim); False keeps first-seen
            order.

        Raises
        ------
        ValueError
            If ``min_count`` or ``max_final_vocab`` is invalid.
        embedlearn.errors.VocabularyError
            If no word survives (also a ``RuntimeError``, gensim's type).
        """
        if isinstance(min_count, bool) or int(min_count) != min_count or min_count < 0:
            raise ValueError(f"min_count must be a non-negative integer, got {min_count!r}")
        if max_final_vocab is not None and (isinstance(max_final_vocab, bool) or
                                            int(max_final_vocab) != max_final_vocab or max_final_vocab < 1):
            raise ValueError(f"max_final_vocab must be a positive integer or None, got {max_final_vocab!r}")
        counts = np.asarray(counts, dtype=np.int64)
        live = np.flatnonzero(counts > 0)  # pruned ids have count 0
        effective = max(int(min_count), 1)
        if max_final_vocab is not None and max_final_vocab < len(live):
            ranked = np.sort(counts[live])[::-1]
            effective = max(effective, int(ranked[max_final_vocab]) + 1)
        keep = counts[live] >= effective
        if trim_rule is not None:
            from .corpus import RULE_DISCARD, RULE_KEEP

            for n, i in enumerate(live):
                rule = trim_rule(keys[i], int(counts[i]), effective)
                if rule == RULE_KEEP:
                    keep[n] = True
                elif rule == RULE_DISCARD:
                    keep[n] = False
        order = live[keep]
        if sorted_vocab and len(order):
            # gensim: np.lexsort((-index, -count)), i.e. count descending, ties last-seen first.
            order = order[np.lexsort((-order, -counts[order]))]
        if len(order) == 0:
            most = int(counts.max()) if len(counts) else 0
            raise VocabularyError(
                f"no word occurs at least min_count={effective} times (the most frequent occurs "
                f"{most} times): the vocabulary would be empty")
        vocab = cls([keys[i] for i in order], counts[order], check_sorted=bool(sorted_vocab))
        vocab.effective_min_count = effective
        return vocab

    @classmethod
    def from_scan(cls, result: ScanResult, min_count=5, max_final_vocab=None, trim_rule=None,
                  sorted_vocab=True):
        """Build from the result of :func:`embedlearn.corpus.scan`."""
        return cls.from_counts(result.keys, result.counts, min_count, max_final_vocab, trim_rule,
                               sorted_vocab)

    @classmethod
    def build(cls, sentences, min_count=5, max_final_vocab=None, trim_rule=None):
        """Count an iterable of token lists and build the vocabulary.

        Parameters
        ----------
        sentences : iterable of list of str
        min_count : int, default 5
        max_final_vocab : int or None
        trim_rule : callable, optional

        Returns
        -------
        Vocabulary
        """
        return cls.from_scan(scan(sentences), min_count, max_final_vocab, trim_rule)

    def merged(self, keys, counts, min_count=5, trim_rule=None):
        """A new vocabulary with these extra counts; existing words keep their ids.

        Used by ``build_vocab(..., update=True)``: old words stay in place (their rows are trained
        vectors), their counts grow; new words that pass ``min_count`` (and ``trim_rule``) are
        appended in first-seen order, as gensim appends them. The result is then no longer sorted
        by count, which only the Huffman tree cares about (it is rebuilt from the merged counts).
        """
        from .corpus import RULE_DISCARD, RULE_KEEP

        counts = np.asarray(counts, dtype=np.int64)
        new_counts = self.counts.copy()
        new_keys, extra = [], []
        effective = max(int(min_count), 1)
        for key, c in zip(keys, counts):
            if key is None or c <= 0:
                continue
            i = self.key_to_index.get(key)
            if i is not None:
                new_counts[i] += c
                continue
            ok = c >= effective
            if trim_rule is not None:
                rule = trim_rule(key, int(c), effective)
                ok = True if rule == RULE_KEEP else False if rule == RULE_DISCARD else ok
            if ok:
                new_keys.append(key)
                extra.append(c)
        vocab = Vocabulary(self.index_to_key + new_keys,
                           np.concatenate([new_counts, np.asarray(extra, dtype=np.int64)]),
                           check_sorted=False)
        vocab.new_words = len(new_keys)
        return vocab

    # --- lookups ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key) -> bool:
        return key in self.key_to_index

    @property
    def total_words(self) -> int:
        """Number of corpus tokens that are in the vocabulary."""
        return int(self.counts.sum())

    def lookup(self, keys) -> np.ndarray:
        """Ids of ``keys`` (``-1`` for words outside the vocabulary or ``None``), as int32."""
        get = self.key_to_index.get
        return np.fromiter((get(k, -1) if k is not None else -1 for k in keys), dtype=np.int32,
                           count=len(keys))

    # --- what training needs --------------------------------------------------------------------
    def keep_probabilities(self, sample=1e-3) -> np.ndarray:
        """Probability of keeping each occurrence of each word when subsampling frequent words.

        Code form of word2vec.c and gensim: with threshold ``t * T`` (``T`` = total words),
        ``p_keep(w) = (sqrt(c_w / (t T)) + 1) * (t T) / c_w``, clipped to 1. (The paper writes the
        discard probability ``1 - sqrt(t / f_w)`` with ``f_w = c_w / T``.)

        Parameters
        ----------
        sample : float, default 1e-3
            The threshold ``t``; 0 disables subsampling.

        Returns
        -------
        numpy.ndarray of float32, shape (V,)
        """
        if not np.isfinite(sample) or sample < 0:
            raise ValueError(f"sample must be >= 0, got {sample!r}")
        if sample == 0:
            return np.ones(len(self), dtype=np.float32)
        threshold = sample * self.total_words
        c = self.counts.astype(np.float64)
        keep = (np.sqrt(c / threshold) + 1.0) * threshold / c
        return np.minimum(keep, 1.0).astype(np.float32)

    def noise_cdf(self, ns_exponent=0.75) -> np.ndarray:
        """Cumulative table of the noise distribution ``count**ns_exponent`` for negative sampling.

        As gensim: ``round(cumsum(count**e) / Z * (2**31 - 1))``; a draw is
        ``searchsorted(table, r)`` (bisect_left, as gensim) for ``r`` uniform in ``[0, table[-1])``,
        O(log V) instead of word2vec.c's 10^8-entry table.

        Returns
        -------
        numpy.ndarray of int64, shape (V,)
        """
        if not np.isfinite(ns_exponent):
            raise ValueError(f"ns_exponent must be finite, got {ns_exponent!r}")
        weights = self.counts.astype(np.float64) ** ns_exponent
        return np.round(np.cumsum(weights) / weights.sum() * NOISE_RANGE).astype(np.int64)

    def huffman(self) -> HuffmanCodes:
        """Huffman codes and paths of every word (built once, then cached)."""
        if self._huffman is None:
            from .kernels.huffman import huffman_tree

            counts = self.counts
            order = np.argsort(-counts, kind="stable")
            if np.all(order == np.arange(len(counts))):
                codes, points, offsets = huffman_tree(counts)
            else:
                # After an update the ids are not in count order: build on the sorted counts,
                # then put each word's path back at its own id.
                c, p, o = huffman_tree(counts[order])
                lengths = np.empty(len(counts), np.int64)
                lengths[order] = np.diff(o)
                offsets = np.concatenate(([0], np.cumsum(lengths)))
                codes = np.empty_like(c)
                points = np.empty_like(p)
                for rank, w in enumerate(order):
                    codes[offsets[w]:offsets[w + 1]] = c[o[rank]:o[rank + 1]]
                    points[offsets[w]:offsets[w + 1]] = p[o[rank]:o[rank + 1]]
            self._huffman = HuffmanCodes(codes, points, offsets)
        return self._huffman

    def __repr__(self):
        return f"Vocabulary({len(self)} words, {self.total_words} tokens)"
