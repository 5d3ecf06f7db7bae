"""Vocabulary: counts, ``min_count``, frequency order, subsampling, noise table, Huffman codes."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .corpus import ScanResult, scan

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
        The words, in decreasing order of count (ties keep first-seen order, as gensim).
    counts : array_like of int
        Their counts.

    Attributes
    ----------
    index_to_key : list of str
    key_to_index : dict of str to int
    counts : numpy.ndarray of int64
    total_words : int
        Sum of ``counts`` (the retained words only).
    """

    def __init__(self, keys, counts):
        counts = np.asarray(counts, dtype=np.int64)
        if len(keys) != len(counts):
            raise ValueError(f"{len(keys)} keys but {len(counts)} counts")
        if len(keys) == 0:
            raise ValueError("the vocabulary is empty")
        if np.any(counts <= 0):
            raise ValueError("counts must be positive")
        if np.any(np.diff(counts) > 0):
            raise ValueError("keys must be sorted by decreasing count")
        self.index_to_key = list(keys)
        self.key_to_index = {k: i for i, k in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            raise ValueError("duplicate keys in the vocabulary")
        self.counts = counts
        self._huffman = None

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def from_counts(cls, keys, counts, min_count=5, max_vocab_size=None):
        """Keep words with ``count >= min_count``, the most frequent first, at most ``max_vocab_size``.

        Parameters
        ----------
        keys : list of str
            Words in any order (ties in count keep this order).
        counts : array_like of int
            Their counts.
        min_count : int, default 5
            Drop words rarer than this.
        max_vocab_size : int or None
            Keep at most this many words (the most frequent). Unlike gensim's RAM cap of the same
            name, this caps the final vocabulary (gensim's ``max_final_vocab``); the counting pass
            here stores one int per distinct word, so it needs no cap.

        Raises
        ------
        ValueError
            If ``min_count`` or ``max_vocab_size`` is not positive, or no word survives.
        """
        if int(min_count) != min_count or min_count < 1:
            raise ValueError(f"min_count must be a positive integer, got {min_count!r}")
        if max_vocab_size is not None and (int(max_vocab_size) != max_vocab_size or max_vocab_size < 1):
            raise ValueError(f"max_vocab_size must be a positive integer or None, got {max_vocab_size!r}")
        counts = np.asarray(counts, dtype=np.int64)
        order = np.argsort(-counts, kind="stable")
        order = order[counts[order] >= min_count]
        if max_vocab_size is not None:
            order = order[:max_vocab_size]
        if len(order) == 0:
            raise ValueError(
                f"no word occurs at least min_count={min_count} times (the most frequent occurs "
                f"{int(counts.max()) if len(counts) else 0} times): the vocabulary would be empty")
        return cls([keys[i] for i in order], counts[order])

    @classmethod
    def from_scan(cls, result: ScanResult, min_count=5, max_vocab_size=None):
        """Build from the result of :func:`embedlearn.corpus.scan`."""
        return cls.from_counts(result.keys, result.counts, min_count, max_vocab_size)

    @classmethod
    def build(cls, sentences, min_count=5, max_vocab_size=None):
        """Count an iterable of token lists and build the vocabulary.

        Parameters
        ----------
        sentences : iterable of list of str
        min_count : int, default 5
        max_vocab_size : int or None

        Returns
        -------
        Vocabulary
        """
        return cls.from_scan(scan(sentences), min_count, max_vocab_size)

    def merged(self, keys, counts, min_count=5):
        """A new vocabulary with these extra counts; existing words keep their ids.

        Used by ``build_vocab(..., update=True)``: old words stay in place (their rows are trained
        vectors), their counts grow; new words with ``count >= min_count`` are appended, most
        frequent first. The result is then no longer sorted by count, which only the Huffman tree
        cares about (it is rebuilt from the merged counts).
        """
        counts = np.asarray(counts, dtype=np.int64)
        new_counts = self.counts.copy()
        new_keys, extra = [], []
        for key, c in zip(keys, counts):
            i = self.key_to_index.get(key)
            if i is not None:
                new_counts[i] += c
            elif c >= min_count:
                new_keys.append(key)
                extra.append(c)
        extra = np.asarray(extra, dtype=np.int64)
        order = np.argsort(-extra, kind="stable")
        vocab = object.__new__(Vocabulary)
        vocab.index_to_key = self.index_to_key + [new_keys[i] for i in order]
        vocab.key_to_index = {k: i for i, k in enumerate(vocab.index_to_key)}
        vocab.counts = np.concatenate([new_counts, extra[order]])
        vocab._huffman = None
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
        """Ids of ``keys`` (``-1`` for words outside the vocabulary), as int32."""
        get = self.key_to_index.get
        return np.fromiter((get(k, -1) for k in keys), dtype=np.int32, count=len(keys))

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
