"""How many character n-grams does a vocabulary have, and how often do their hash buckets collide?

Usage::

    EMBEDLEARN_DATA=../shared/data python benchmarks/subword_collisions.py [--min-n 3] [--max-n 6]

FastText hashes every n-gram of every word into one of ``bucket`` rows (fastText's default 2,000,000:
800 MB of float32 at 100 dimensions). Fewer buckets save memory, but unrelated n-grams then share
a row. On the vocabulary of the text8 prefix (2,139,748 tokens, min_count 5) this counts the
distinct n-grams (as strings, ``minn <= n <= maxn``, fastText's rules, :mod:`embedlearn.kernels.subwords`)
and, for each bucket count, the fraction of distinct n-grams whose bucket holds another one
(measured, and expected if the hash were uniform: ``1 - (1 - 1/B)**(n - 1)``), the fraction of words
with at least one such n-gram, and the input matrix's size at 100 dimensions. Deterministic: no
timing, no randomness (the CPU is printed only as the project's benchmarks do).
"""
from __future__ import annotations

import argparse

import numpy as np

from embedlearn.datasets import TEXT8_PREFIX_TOKENS, load_text8
from embedlearn.kernels.subwords import EOS, compute_ngrams, encode_words, ngram_hashes
from embedlearn.vocab import Vocabulary

from _common import cpu_model  # the one CPU label of every benchmark table

BUCKETS = (2_000_000, 200_000, 50_000, 20_000)


def distinct_ngrams(words, min_n, max_n):
    """Distinct n-gram strings with their 32-bit hashes, and for each word its distinct n-grams' ids."""
    word_bytes, word_offsets = encode_words(words)
    no_ngrams = np.array([w == EOS for w in words])
    hashes, offsets = ngram_hashes(word_bytes, word_offsets, min_n, max_n, no_ngrams)
    index, ngram_hash, word_ids = {}, [], []
    for i, w in enumerate(words):
        # compute_ngrams lists the n-grams in the order ngram_hashes hashed them.
        grams = compute_ngrams(w, min_n, max_n)
        ids = []
        for g, h in zip(grams, hashes[offsets[i]:offsets[i + 1]].tolist()):
            j = index.setdefault(g, len(index))
            if j == len(ngram_hash):
                ngram_hash.append(h)
            ids.append(j)
        word_ids.append(np.unique(ids))
    return np.array(ngram_hash, np.uint64), word_ids


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-n", type=int, default=3)
    parser.add_argument("--max-n", type=int, default=6)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--dim", type=int, default=100, help="for the memory column")
    args = parser.parse_args(argv)

    vocab = Vocabulary.build(load_text8(TEXT8_PREFIX_TOKENS), min_count=args.min_count)
    words = vocab.index_to_key
    hashes, word_ids = distinct_ngrams(words, args.min_n, args.max_n)
    n = hashes.size
    total = sum(len(compute_ngrams(w, args.min_n, args.max_n)) for w in words)
    same_hash = n - np.unique(hashes).size

    print(f"CPU: {cpu_model()}\n")
    print(f"text8 prefix ({TEXT8_PREFIX_TOKENS:,} tokens), min_count {args.min_count}: "
          f"{len(words):,} words; n-grams with {args.min_n} <= n <= {args.max_n}: {total:,} "
          f"(with repeats, {total / len(words):.1f} per word), **{n:,} distinct**; "
          f"{same_hash} of them share their whole 32-bit hash with another. Vocabulary words have "
          "rows of their own, which collide with nothing.\n")
    print(f"| bucket | input matrix at dim {args.dim} | buckets used | n-grams sharing a bucket "
          "| expected (uniform hash) | words with a shared n-gram |")
    print("|---:|---:|---:|---:|---:|---:|")
    for bucket in BUCKETS:
        b = (hashes % np.uint64(bucket)).astype(np.int64)
        occupancy = np.bincount(b, minlength=bucket)
        shared = occupancy[b] > 1
        expected = 1 - (1 - 1 / bucket) ** (n - 1)
        words_hit = np.mean([shared[ids].any() for ids in word_ids if ids.size])
        mb = (len(words) + bucket) * args.dim * 4 / 1e6
        print(f"| {bucket:,} | {mb:,.0f} MB | {np.count_nonzero(occupancy):,} | "
              f"{shared.mean():.2%} | {expected:.2%} | {words_hit:.1%} |")


if __name__ == "__main__":
    main()
