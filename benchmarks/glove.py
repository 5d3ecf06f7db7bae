"""GloVe benchmark: counting and training on the text8 prefix, against the reference C tools.

Usage::

    EMBEDLEARN_DATA=../shared/data python benchmarks/glove.py [--iterations 15] [--workers 2]
        [--max-tokens 2139748] [--windows 5,10,15] [--repeats 3] [--seeds 1,2,3,4,5]

Settings are those of the reference run (GloVe's ``demo.sh`` on the same prefix and machine):
min_count 5, window 10, vector_size 50, x_max 10, 15 iterations, 2 threads. text8 is one line
and ``cooccur.c`` treats a newline as a boundary, so the corpus is encoded as ONE sentence here
(``load_text8`` yields 10,000-token sentences; the count with those is printed too).

Every measurement runs in a fresh subprocess, so peak RSS is per setting. Peak RSS of counting is
the kernel's high-water mark (``VmHWM``) reset just before counting (``/proc/self/clear_refs``),
minus the RSS at that moment: the memory the count itself needs. Prints Markdown tables.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
from _common import run_child

#: The reference C implementation (stanfordnlp/GloVe cooccur, shuffle, glove) on this machine,
#: with exactly the settings above (figures given in the task, measured by the project lead).
REFERENCE = {"pairs": 8_656_198, "count_s": 3.9, "shuffle_s": 3.0, "s_per_iter": 5.6,
             "train_s": 84.3, "analogy": 0.057, "rho": 0.388}
TEXT8_TOKENS = 17_005_207


def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _cpu_seconds():
    """User + system CPU seconds of this process (all threads)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _reset_peak():
    """Reset the peak-RSS mark (Linux >= 4.0); False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _one_sentence(max_tokens):
    from embedlearn.datasets import load_text8

    return [[w for s in load_text8(max_tokens=max_tokens) for w in s]]


def _encode(sentences, min_count=5):
    from embedlearn.corpus import scan
    from embedlearn.vocab import Vocabulary

    result = scan(sentences)
    vocab = Vocabulary.from_scan(result, min_count)
    return vocab, result.corpus.remap(vocab.lookup(result.keys))


def _warm_up():
    # Load numba's runtime and the cached kernels before anything is timed.
    from embedlearn.glove import GloVe

    GloVe([["a", "b", "c", "a"] * 5] * 3, vector_size=4, window=2, min_count=1, epochs=1,
          workers=1, progress=False)


def count_child(window, workers, max_tokens, chunks=1):
    """Count co-occurrences for one window; print pairs, seconds and memory as JSON."""
    from embedlearn.glove import DEFAULT_CHUNK_TOKENS, cooccurrence_matrix

    _warm_up()
    vocab, corpus = _encode(_one_sentence(max_tokens))
    import gc

    gc.collect()
    before_kb = _status_kb("VmRSS")
    reset = _reset_peak()
    start = time.perf_counter()
    chunk = DEFAULT_CHUNK_TOKENS if chunks == 1 else -(-len(corpus) // chunks)
    X = cooccurrence_matrix(corpus, len(vocab), window=window, workers=workers,
                            chunk_tokens=chunk)
    seconds = time.perf_counter() - start
    peak_kb = _status_kb("VmHWM")
    print(json.dumps({"window": window, "chunks": -(-len(corpus) // chunk), "pairs": X.nnz,
                      "seconds": seconds,
                      "rss_before_mb": before_kb / 1024, "peak_mb": peak_kb / 1024,
                      "growth_mb": (peak_kb - before_kb) / 1024 if reset else float("nan"),
                      "result_mb": X.nbytes / 2**20, "tokens": len(corpus), "vocab": len(vocab)}))


def growth_child(window, workers, max_tokens):
    """Distinct pairs on growing prefixes (for an extrapolation to the whole text8)."""
    from embedlearn.glove import cooccurrence_matrix

    _warm_up()
    tokens = _one_sentence(max_tokens)[0]
    out = []
    for fraction in (0.125, 0.25, 0.5, 1.0):
        n = int(len(tokens) * fraction)
        vocab, corpus = _encode([tokens[:n]])
        X = cooccurrence_matrix(corpus, len(vocab), window=window, workers=workers)
        out.append({"raw_tokens": n, "pairs": X.nnz, "vocab": len(vocab)})
    print(json.dumps(out))


def train_child(iterations, workers, max_tokens, seed=1):
    """Count (window 10) and train as the reference run; print timings and scores as JSON."""
    import resource

    from embedlearn.datasets import fetch, load_text8
    from embedlearn.glove import GloVe, cooccurrence_matrix

    _warm_up()
    sentences = _one_sentence(max_tokens)
    model = GloVe(vector_size=50, window=10, min_count=5, x_max=10.0, epochs=iterations,
                  workers=workers, seed=seed, progress=False)
    start = time.perf_counter()
    model.build_vocab(sentences)
    build_s = time.perf_counter() - start
    cpu0 = _cpu_seconds()
    start = time.perf_counter()
    model.train()
    train_s = time.perf_counter() - start
    cpu_s = _cpu_seconds() - cpu0
    per_iter = [s["seconds"] for s in model.epoch_stats]
    questions, wordsim = str(fetch("questions-words")), str(fetch("wordsim353"))
    scores = {}
    for combine in ("sum", "word"):
        kv = model.keyed_vectors(combine)
        acc, _ = kv.evaluate_word_analogies(questions, restrict_vocab=30000)
        _, spearman, _ = kv.evaluate_word_pairs(wordsim)
        scores[combine] = (float(acc), float(spearman[0]))
    # The same count with load_text8's 10,000-token sentences (windows stop at their ends).
    _, corpus = _encode(load_text8(max_tokens=max_tokens))
    pairs_split = cooccurrence_matrix(corpus, len(model.vocab), window=10, workers=workers).nnz
    print(json.dumps({
        "pairs": model.cooccurrence.nnz, "pairs_10k_sentences": pairs_split,
        "vocab": len(model.vocab), "build_s": build_s, "train_s": train_s,
        "s_per_iter": train_s / iterations, "cpu_per_iter": cpu_s / iterations,
        "min_iter_s": min(per_iter),
        "max_iter_s": max(per_iter), "loss": model.loss_history,
        "analogy": scores["sum"][0], "rho": scores["sum"][1],
        "analogy_W": scores["word"][0], "rho_W": scores["word"][1],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def count_seconds_child(workers, max_tokens, repeats):
    """Counting seconds alone (window 10), best of ``repeats``, after the corpus is encoded."""
    from embedlearn.glove import cooccurrence_matrix

    _warm_up()
    vocab, corpus = _encode(_one_sentence(max_tokens))
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        X = cooccurrence_matrix(corpus, len(vocab), window=10, workers=workers)
        best = min(best, time.perf_counter() - start)
    print(json.dumps({"seconds": best, "pairs": X.nnz}))


def child(*args):
    return run_child(__file__, "--child", *args)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=2_139_748)
    parser.add_argument("--windows", default="5,10,15")
    parser.add_argument("--repeats", type=int, default=3, help="counting runs; the fastest is kept")
    parser.add_argument("--seeds", default="1,2,3,4,5",
                        help="training runs (seeds); scores are reported per seed and averaged")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, rest = args.child[0], [int(a) for a in args.child[1:]]
        return {"count": count_child, "growth": growth_child, "train": train_child,
                "seconds": count_seconds_child}[kind](*rest)

    w, n = str(args.workers), str(args.max_tokens)
    child("count", "10", w, "100000")  # populate numba's cache outside any measurement
    count = child("seconds", w, n, str(args.repeats))
    seeds = args.seeds.split(",")
    trains = [child("train", str(args.iterations), w, n, seed) for seed in seeds]
    train = trains[0]
    windows = args.windows.split(",")
    memory = [child("count", win, w, n) for win in windows]
    # The same count in 4 chunks: the runs of the chunks overlap and are merged, as they would
    # be for a corpus larger than one chunk.
    memory.append(child("count", windows[-1], w, n, "4"))
    growth = child("growth", windows[-1], w, n)

    ref = REFERENCE
    print(f"\nload average during the run: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"(a shared machine: wall-clock times grow with the load, CPU seconds much less)")
    print(f"\ntext8 prefix: {args.max_tokens:,} tokens as one sentence ({train['vocab']:,} words "
          f"with count >= 5); window 10, vector_size 50, x_max 10, {args.iterations} iterations, "
          f"{args.workers} workers\n")
    print("| | embedlearn | reference C tools |")
    print("|---|---:|---:|")
    print(f"| co-occurrence pairs | {count['pairs']:,} | {ref['pairs']:,} |")
    print(f"| counting s (best of {args.repeats}) | {count['seconds']:.2f} | {ref['count_s']} "
          f"(+{ref['shuffle_s']} shuffle) |")
    per_iter = [t["s_per_iter"] for t in trains]
    print(f"| s per iteration (incl. shuffle; mean of {len(trains)} runs) | "
          f"{np.mean(per_iter):.2f} "
          f"(fastest iteration {min(t['min_iter_s'] for t in trains):.2f}, slowest "
          f"{max(t['max_iter_s'] for t in trains):.2f}) | {ref['s_per_iter']} |")
    print(f"| CPU s per iteration (all threads) | "
          f"{np.mean([t['cpu_per_iter'] for t in trains]):.2f} | |")
    print(f"| training s ({args.iterations} iterations) | "
          f"{np.mean([t['train_s'] for t in trains]):.1f} | {ref['train_s']} |")

    def spread(key, scale=1.0, fmt=".3f"):
        values = np.array([t[key] for t in trains]) * scale
        return f"{values.mean():{fmt}} ± {values.std(ddof=1) if len(values) > 1 else 0:{fmt}}"

    print(f"| analogy accuracy %, W + W~ (30k; mean ± sd over seeds) | "
          f"{spread('analogy', 100, '.2f')} | {100 * ref['analogy']:.1f} (one run) |")
    print(f"| WordSim-353 rho, W + W~ (mean ± sd over seeds) | {spread('rho')} | {ref['rho']} "
          "(one run) |")
    print(f"| analogy % / rho with W only | {spread('analogy_W', 100, '.2f')} / {spread('rho_W')} "
          "| |")
    print(f"| peak RSS MB (whole run) | {max(t['peak_mb'] for t in trains):.0f} | |")
    print("\nper seed (analogy %, rho): " + "; ".join(
        f"{seed}: {100 * t['analogy']:.2f}, {t['rho']:.3f}" for seed, t in zip(seeds, trains)))
    print(f"loss per iteration (seed {seeds[0]}): {', '.join(f'{x:.4f}' for x in train['loss'])}")
    print(f"pairs with load_text8's 10,000-token sentences instead of one line: "
          f"{train['pairs_10k_sentences']:,}")

    print("\nCounting memory (fresh process per window; growth = peak during counting minus RSS "
          "before it):\n")
    print("| window | chunks | pairs | counting s | RSS before MB | peak MB | growth MB "
          "| result MB | growth bytes/pair |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for m in memory:
        print(f"| {m['window']} | {m['chunks']} | {m['pairs']:,} | {m['seconds']:.2f} | "
              f"{m['rss_before_mb']:.0f} | "
              f"{m['peak_mb']:.0f} | {m['growth_mb']:.0f} | {m['result_mb']:.0f} | "
              f"{m['growth_mb'] * 2**20 / m['pairs']:.0f} |")

    # Distinct pairs grow about as a power of the corpus size: fit it on the prefixes.
    x = np.log([g["raw_tokens"] for g in growth])
    y = np.log([g["pairs"] for g in growth])
    slope, intercept = np.polyfit(x, y, 1)
    full_pairs = math.exp(intercept + slope * math.log(TEXT8_TOKENS))
    per_pair = max(m["growth_mb"] * 2**20 / m["pairs"] for m in memory
                   if m["window"] == int(windows[-1]))
    print(f"\nWindow {windows[-1]}: distinct pairs on prefixes of "
          + ", ".join(f"{g['raw_tokens']:,} tokens: {g['pairs']:,}" for g in growth)
          + f" -> pairs ~ tokens^{slope:.2f}. Extrapolated to the whole text8 "
          f"({TEXT8_TOKENS:,} tokens): ~{full_pairs / 1e6:.0f}M pairs, so counting needs "
          f"~{full_pairs * per_pair / 2**30:.1f} GiB at the larger measured {per_pair:.0f} "
          f"bytes/pair "
          f"(an extrapolation, not a measurement: the full corpus is not in the test mirror).")


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    main()
