"""Profile the Word2Vec job kernel alone: jobs of 10,000 tokens, no Python per token.

Usage::

    EMBEDLEARN_DATA=../shared/data python benchmarks/profile_sgd.py [--modes sg_hs,sg_ns]
        [--max-tokens 500000] [--repeats 3] [--module path/to/sgd.py ...] [--threads 1]
        [--gensim]

Builds the vocabulary, tables and weights of ``benchmarks/word2vec.py``'s settings (vector_size
100, window 5, min_count 5, sample 1e-3) once, then times one epoch of ``train_window_job`` and
prints seconds, tokens/s and ns per SGD step (best of ``--repeats``, each from the same
weights). With one thread the time is the thread's CPU time, so other processes on a shared
machine count less; ``--threads 2`` times a hogwild run (wall time). ``--module`` (repeatable)
times copies of the kernel module, round robin, so all see the same machine load (an A/B
comparison). ``--gensim`` also times gensim with ``workers=1`` (wall time). The CPU model is
printed above the table.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

import numpy as np

from _common import cpu_model

MODES = {"sg_ns": (1, 0, 5), "cbow_ns": (0, 0, 5), "sg_hs": (1, 1, 0), "cbow_hs": (0, 1, 0)}
JOB_WORDS = 10_000


def load_module(path):
    if path is None:
        from embedlearn.kernels import sgd

        return sgd
    # Imported by name from its folder, so numba's cache can find the module again.
    folder, name = os.path.split(os.path.abspath(path))
    sys.path.insert(0, folder)
    return importlib.import_module(name.removesuffix(".py"))


def prepare(max_tokens):
    from embedlearn.corpus import scan
    from embedlearn.datasets import load_text8
    from embedlearn.vocab import Vocabulary

    sentences = load_text8(max_tokens=max_tokens)
    result = scan(sentences)
    vocab = Vocabulary.from_scan(result, min_count=5)
    corpus = result.corpus.remap(vocab.lookup(result.keys), inplace=True)
    tree = vocab.huffman()
    return dict(tokens=corpus.tokens, offsets=corpus.offsets, keep=vocab.keep_probabilities(1e-3),
                cdf=vocab.noise_cdf(0.75), codes=tree.codes, points=tree.points,
                code_offsets=tree.offsets, V=len(vocab)), sentences


def run_mode(module, data, mode, N=100, window=5, seed=1, threads=1):
    """Train one epoch of ``mode``; return (seconds, SGD steps). One thread: its CPU time;
    more: wall time of a hogwild run on ``threads`` threads sharing the weights."""
    sg, hs, negative = MODES[mode]
    V = data["V"]
    rng = np.random.default_rng(seed)
    W_in = ((rng.random((V, N), dtype=np.float32) * 2 - 1) / N).astype(np.float32)
    W_ns = np.zeros((V if negative else 0, N), np.float32)
    W_hs = np.zeros((V - 1 if hs else 0, N), np.float32)
    cdf = data["cdf"] if negative else np.ones(1, np.int64)
    codes, points, code_offsets = ((data["codes"], data["points"], data["code_offsets"]) if hs else
                                   (np.zeros(1, np.uint8), np.zeros(1, np.int32),
                                    np.zeros(V + 1, np.int64)))
    tokens, offsets = data["tokens"], data["offsets"]
    total = len(tokens)
    # Jobs of JOB_WORDS tokens (they cut sentences).
    bounds = list(range(0, total, JOB_WORDS)) + [total]

    def job(index):
        t0, t1 = bounds[index], bounds[index + 1]
        a0 = 0.025 - (0.025 - 0.0001) * t0 / total
        a1 = 0.025 - (0.025 - 0.0001) * t1 / total
        return module.train_window_job(
            tokens, offsets, t0, t1, W_in, W_ns, W_hs, data["keep"], cdf, codes, points,
            code_offsets, bool(sg), True, window, True, negative, bool(hs), a0, a1,
            seed * 1000003 + index, False)[1]

    if threads == 1:
        # CPU time of this thread: on a shared machine it leaves out the time others ran on
        # our core.
        start = time.thread_time()
        steps = sum(job(i) for i in range(len(bounds) - 1))
        return time.thread_time() - start, steps
    from concurrent.futures import ThreadPoolExecutor

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        steps = sum(pool.map(job, range(len(bounds) - 1)))
    return time.perf_counter() - start, steps


def run_gensim(sentences, mode):
    from gensim.models import Word2Vec

    sg, hs, negative = MODES[mode]
    model = Word2Vec(vector_size=100, window=5, min_count=5, sample=1e-3, sg=sg, hs=hs,
                     negative=negative, workers=1, seed=1)
    model.build_vocab(sentences)
    start = time.perf_counter()
    model.train(sentences, total_examples=len(sentences), epochs=1)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--max-tokens", type=int, default=500_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--module", action="append", default=None,
                        help="a kernel module's path (repeatable; default: the package's)")
    parser.add_argument("--gensim", action="store_true", help="also time gensim, workers=1")
    parser.add_argument("--threads", type=int, default=1,
                        help="hogwild threads (>1: wall time instead of CPU time)")
    args = parser.parse_args()
    modules = [(p, load_module(p)) for p in (args.module or [None])]
    data, sentences = prepare(args.max_tokens)
    for _, module in modules:  # compile (or load from cache) outside the timings
        for mode in args.modes.split(","):
            small = dict(data, tokens=data["tokens"][:2000], offsets=np.array([0, 2000]))
            run_mode(module, small, mode)
    clock = "CPU seconds" if args.threads == 1 else f"wall seconds, {args.threads} threads"
    print(f"\n{cpu_model()}; text8 prefix {len(data['tokens']):,} tokens, jobs of "
          f"{JOB_WORDS:,} tokens, best of {args.repeats}\n")
    print(f"| mode | kernel | {clock} | tokens/s | SGD steps | ns / step |")
    print("|---|---|---:|---:|---:|---:|")
    for mode in args.modes.split(","):
        # Round robin over the kernels, so a burst of load hits all of them alike.
        runs = {name: [] for name, _ in modules}
        for _ in range(args.repeats):
            for name, module in modules:
                runs[name].append(run_mode(module, data, mode, threads=args.threads))
        for name, _ in modules:
            seconds = min(r[0] for r in runs[name])
            steps = runs[name][0][1]
            print(f"| {mode} | {name or 'embedlearn'} | {seconds:.3f} | "
                  f"{len(data['tokens']) / seconds:,.0f} | {steps:,} | "
                  f"{1e9 * seconds / steps:.0f} |", flush=True)
        if args.gensim:
            seconds = min(run_gensim(sentences, mode) for _ in range(args.repeats))
            print(f"| {mode} | gensim workers=1 (wall s) | {seconds:.3f} | "
                  f"{len(data['tokens']) / seconds:,.0f} | | |", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    main()
