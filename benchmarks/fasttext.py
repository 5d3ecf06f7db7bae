"""FastText benchmark: embedlearn against gensim on the same text8 prefix and settings.

Usage::

    EMBEDLEARN_DATA=../shared/data python benchmarks/fasttext.py [--seeds 1,2,3] [--repeats 2]
        [--epochs 5] [--workers 2] [--max-tokens 2139748] [--bucket 2000000] [--sg 1]

Settings (both libraries): vector_size 100, window 5, negative 5, min_count 5, sample 1e-3,
min_n 3, max_n 6, bucket 2,000,000, skip-gram, 5 epochs, 2 workers. Every run is a fresh
subprocess (so peak RSS is per run); embedlearn and gensim alternate, seed by seed, so both see
the same machine load. Speed is the best of the first ``--repeats`` seeds' runs; quality is the
mean +- sd over all seeds (one run is noisy on this small corpus). Prints a Markdown table:
train seconds, words/s, peak RSS, analogy accuracy (30k restriction; semantic and syntactic
sections apart), WordSim-353 Spearman rho, and Stanford Rare Words rho over **all** 2,034 pairs
(an out-of-vocabulary word gets the mean of its n-gram rows, in both libraries) and over the pairs
whose words are both in the vocabulary.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

from _common import cpu_model, run_child

SEMANTIC_SECTIONS = 5  # questions-words.txt: the first 5 sections are semantic, the rest "gram*"


def _rare_words_rho(vector, in_vocab):
    """Spearman rho over all Rare Words pairs (any word has a vector) and over in-vocabulary
    ones."""
    import numpy as np

    from embedlearn.datasets import load_rare_words
    from embedlearn.evaluation import spearman

    pairs = load_rare_words()

    def cosine(a, b):
        u, v = vector(a), vector(b)
        n = float(np.linalg.norm(u) * np.linalg.norm(v))
        return float(u @ v) / n if n > 0 else 0.0

    gold = [s for _, _, s in pairs]
    model = [cosine(a, b) for a, b, _ in pairs]
    known = [i for i, (a, b, _) in enumerate(pairs) if in_vocab(a) and in_vocab(b)]
    rho_known = spearman([gold[i] for i in known], [model[i] for i in known])[0]
    return spearman(gold, model)[0], rho_known, len(known), len(pairs)


def run_one(lib, seed, epochs, workers, max_tokens, bucket, sg):
    """Train one model in this process and print a JSON line with the measurements."""
    import resource
    import warnings

    from embedlearn.datasets import fetch, load_text8

    sentences = load_text8(max_tokens=max_tokens)
    params = dict(vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, min_n=3,
                  max_n=6, bucket=bucket, sg=sg, epochs=epochs, workers=workers, seed=seed)
    if lib == "gensim":
        from gensim.models import FastText
    else:
        from embedlearn.fasttext import FastText

        params["progress"] = False
        # Load numba's runtime and the cached kernels, as gensim's import loads its extension.
        FastText([["a", "b"] * 5], min_count=1, epochs=1, workers=1, progress=False, bucket=10)
    words = sum(len(s) for s in sentences)
    start, cpu = time.perf_counter(), time.process_time()
    model = FastText(sentences, **params)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    wv = model.wv
    accuracy, sections = wv.evaluate_word_analogies(str(fetch("questions-words")),
                                                    restrict_vocab=30000)
    by_kind = {}
    for kind, part in (("semantic", sections[:SEMANTIC_SECTIONS]),
                       ("syntactic", sections[SEMANTIC_SECTIONS:-1])):
        right = sum(len(s["correct"]) for s in part)
        by_kind[kind] = right / max(right + sum(len(s["incorrect"]) for s in part), 1)
    _, ws353, _ = wv.evaluate_word_pairs(str(fetch("wordsim353")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # words without n-grams: zero vectors, cosine 0
        rw_all, rw_known, n_known, n_pairs = _rare_words_rho(lambda w: wv[w],
                                                             lambda w: w in wv.key_to_index)
        if lib == "embedlearn":
            # The library's own evaluator scores every pair the same way (up to rounding).
            _, rho, _ = wv.evaluate_word_pairs(str(fetch("rare-words")), allow_oov=True)
            assert abs(rho[0] - rw_all) < 1e-4, (rho[0], rw_all)  # float32 cosines
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"lib": lib, "seed": seed, "seconds": seconds, "cpu_seconds": cpu,
                      "words_per_sec": words * epochs / seconds, "rss_mb": rss,
                      "analogy": accuracy, **by_kind, "ws353": float(ws353[0]),
                      "rw_all": rw_all, "rw_known": rw_known, "rw_known_pairs": n_known,
                      "rw_pairs": n_pairs, "vocab": len(wv.key_to_index)}))


def _mean_sd(values, scale=1.0, fmt=".3f"):
    values = [scale * v for v in values]
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):{fmt}} ± {sd:{fmt}}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="1,2,3", help="one run per library and seed")
    parser.add_argument("--repeats", type=int, default=2,
                        help="speed: the fastest of the first REPEATS seeds' runs")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=2_139_748)
    parser.add_argument("--bucket", type=int, default=2_000_000)
    parser.add_argument("--sg", type=int, default=1)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_one(args.child[0], int(args.child[1]), args.epochs, args.workers,
                       args.max_tokens, args.bucket, args.sg)

    common = ["--epochs", str(args.epochs), "--workers", str(args.workers), "--max-tokens",
              str(args.max_tokens), "--bucket", str(args.bucket), "--sg", str(args.sg)]
    seeds = [int(s) for s in args.seeds.split(",")]
    runs = {"embedlearn": [], "gensim": []}
    for seed in seeds:
        for lib in runs:
            runs[lib].append(run_child(__file__, "--child", lib, str(seed), *common))
            r = runs[lib][-1]
            print(f"{lib} seed {seed}: {r['seconds']:.1f} s, {r['rss_mb']:.0f} MB, analogy "
                  f"{100 * r['analogy']:.1f}%, WS-353 {r['ws353']:.3f}, RW {r['rw_all']:.3f}",
                  file=sys.stderr)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nCPU: {cpu_model()}; load average {load}; text8 prefix, "
          f"{args.max_tokens:,} tokens; {'skip-gram' if args.sg else 'CBOW'}, vector_size 100, "
          f"window 5, negative 5, min_count 5, sample 1e-3, min_n 3, max_n 6, bucket "
          f"{args.bucket:,}, {args.epochs} epochs, {args.workers} workers. Speed: best of "
          f"{min(args.repeats, len(seeds))} fresh processes; quality: mean ± sd over seeds "
          f"{args.seeds}.\n")
    print("| library | train s | train CPU s | words/s | peak RSS MiB | analogy (30k) | semantic "
          "| syntactic | WS-353 ρ | Rare Words ρ, all pairs "
          "| Rare Words ρ, in-vocabulary pairs |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    best = {}
    for lib, rs in runs.items():
        fast = min(rs[:max(args.repeats, 1)], key=lambda r: r["seconds"])
        best[lib] = fast
        times = ", ".join(f"{r['seconds']:.1f}" for r in rs[:max(args.repeats, 1)])
        cpu = _mean_sd([r["cpu_seconds"] for r in rs], fmt=".1f")
        print(f"| {lib} | {fast['seconds']:.1f} ({times}) | {cpu} | "
              f"{fast['words_per_sec']:,.0f} | "
              f"{max(r['rss_mb'] for r in rs):,.0f} | "
              f"{_mean_sd([r['analogy'] for r in rs], 100, '.1f')}% | "
              f"{_mean_sd([r['semantic'] for r in rs], 100, '.1f')}% | "
              f"{_mean_sd([r['syntactic'] for r in rs], 100, '.1f')}% | "
              f"{_mean_sd([r['ws353'] for r in rs])} | {_mean_sd([r['rw_all'] for r in rs])} | "
              f"{_mean_sd([r['rw_known'] for r in rs])} ({rs[0]['rw_known_pairs']:,} of "
              f"{rs[0]['rw_pairs']:,}) |")
    ratio = best["gensim"]["seconds"] / best["embedlearn"]["seconds"]
    cpu_ratio = statistics.mean(r["cpu_seconds"] for r in runs["gensim"]) / \
        statistics.mean(r["cpu_seconds"] for r in runs["embedlearn"])
    print(f"\ngensim s / embedlearn s = {ratio:.2f} (wall, best runs); CPU seconds of training, "
          f"summed over threads (mean over all runs; steadier than wall time on a shared "
          f"machine): gensim / embedlearn = {cpu_ratio:.2f}. Peak RSS: the largest over the "
          "runs, whole process (data, libraries, training, evaluation). All times of the speed "
          "runs are in parentheses: on a loaded machine their spread is the noise.")


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    main()
