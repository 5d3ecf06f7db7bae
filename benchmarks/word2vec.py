"""Word2Vec benchmark: embedlearn against gensim on the same text8 input, all four modes.

Usage::

    EMBEDLEARN_DATA=../shared/data python benchmarks/word2vec.py [--epochs 5] [--workers 2]
        [--max-tokens 2139748] [--modes sg_ns,cbow_ns,sg_hs,cbow_hs] [--repeats 1]
        [--quality-seeds 1,2,3,4] [--json benchmarks/results/word2vec.json]

Each run is a fresh subprocess (so peak RSS is per run), embedlearn and gensim alternate within a
mode so that both see the same machine load. Prints the CPU model (``lscpu``) and the load
average, then a Markdown table: train seconds (best of ``--repeats``, and every run, for the
spread), words/s, peak RSS, analogy accuracy (30k restriction), WordSim-353 Spearman rho, and
the ratio gensim-time / embedlearn-time. With ``--quality-seeds``, also prints the analogy
accuracy and rho as mean +- sd over those seeds (one run per seed is noisy on this small
corpus). Also prints embedlearn's warm start: the seconds of the first training call in a new
process, and whether numba compiled anything (it should load from cache). With ``--json PATH``,
also writes every run (and the command, the settings, the CPU, the load and the table) to PATH,
the file the performance chapter reads (``notebooks/12_making_it_fast.ipynb``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

from _common import cpu_model, run_child

MODES = {"sg_ns": (1, 0, 5), "cbow_ns": (0, 0, 5), "sg_hs": (1, 1, 0), "cbow_hs": (0, 1, 0)}


def run_one(lib, mode, epochs, workers, max_tokens, seed=1):
    """Train one model in this process and print a JSON line with the measurements."""
    import resource

    from embedlearn.datasets import fetch, load_text8

    sentences = load_text8(max_tokens=max_tokens)
    sg, hs, negative = MODES[mode]
    params = dict(vector_size=100, window=5, negative=negative, hs=hs, sg=sg, min_count=5,
                  sample=1e-3, epochs=epochs, workers=workers, seed=seed)
    if lib == "gensim":
        from gensim.models import Word2Vec
    else:
        from embedlearn.word2vec import Word2Vec

        params["progress"] = False
    words = sum(len(s) for s in sentences)
    if lib == "embedlearn":
        # Load numba's runtime and the cached kernels of this mode (the Huffman tree's too, for HS),
        # as gensim's import loads its extension.
        Word2Vec([["a", "b", "c"] * 5], min_count=1, sg=sg, hs=hs, negative=negative, epochs=1,
                 workers=1, progress=False)
    base_rss = _current_rss_mb()
    start = time.perf_counter()
    model = Word2Vec(sentences, **params)
    seconds = time.perf_counter() - start
    model_rss = _current_rss_mb() - base_rss
    accuracy, _ = model.wv.evaluate_word_analogies(str(fetch("questions-words")),
                                                    restrict_vocab=30000)
    _, spearman, _ = model.wv.evaluate_word_pairs(str(fetch("wordsim353")))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"lib": lib, "mode": mode, "seconds": seconds,
                      "words_per_sec": words * epochs / seconds, "rss_mb": rss, "model_mb": model_rss,
                      "analogy": float(accuracy), "rho": float(spearman[0])}))


def _current_rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def warm_start():
    """Seconds of the first training call in a fresh process, and numba cache hits/misses."""
    start = time.perf_counter()
    from embedlearn.kernels.sgd import train_window_job
    from embedlearn.word2vec import Word2Vec

    Word2Vec([["a", "b", "c"] * 5] * 5, min_count=1, epochs=1, workers=1, progress=False)
    seconds = time.perf_counter() - start
    stats = train_window_job.stats
    print(json.dumps({"seconds": seconds, "cache_hits": sum(stats.cache_hits.values()),
                      "cache_misses": sum(stats.cache_misses.values())}))


def _load_average():
    """The 1-minute load average (the machine may be shared: say how busy it was)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def _mean_sd(values, fmt):
    import statistics

    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):{fmt}} ± {sd:{fmt}}"


def write_json(args, cpu, load_before, load_after, libs, rows, table, warm):
    """Write the runs of this invocation to ``args.json`` (one object, every run kept)."""
    import datetime
    import platform

    versions = {"python": platform.python_version()}
    for name in ("numpy", "numba", "gensim"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            pass
    argv = " ".join(sys.argv[1:])
    result = {
        "command": f"EMBEDLEARN_DATA=../shared/data python benchmarks/word2vec.py {argv}",
        "date": datetime.date.today().isoformat(),
        "cpu": cpu,
        "load_average": {"before": load_before, "after": load_after},
        "versions": versions,
        "settings": {"corpus": "text8 prefix", "max_tokens": args.max_tokens,
                     "vector_size": 100, "window": 5, "min_count": 5, "sample": 1e-3,
                     "epochs": args.epochs, "workers": args.workers, "repeats": args.repeats,
                     "modes": args.modes.split(","), "libraries": libs,
                     "best_of": "the fastest of the repeats is reported per library and mode"},
        "runs": [r for best in rows for r in best.values()],
        "warm_start": warm,
        "markdown": "\n".join(table),
    }
    folder = os.path.dirname(os.path.abspath(args.json))
    os.makedirs(folder, exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"\nwrote {args.json}")


def child(*args):
    return run_child(__file__, *args)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=2_139_748)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--repeats", type=int, default=1,
                        help="runs per library and mode; the fastest is reported")
    parser.add_argument("--quality-seeds", default="",
                        help="comma-separated seeds: also report quality as mean +- sd over them")
    parser.add_argument("--json", metavar="PATH", default="",
                        help="also write the runs, settings and table to this JSON file")
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.warm:
        return warm_start()
    if args.child:
        return run_one(args.child[0], args.child[1], args.epochs, args.workers, args.max_tokens,
                       args.seed)

    try:
        import gensim  # noqa: F401
        libs = ["embedlearn", "gensim"]
    except ImportError:
        libs = ["embedlearn"]
        print("gensim is not installed: embedlearn only (pip install -e .[bench])")
    common = ["--epochs", str(args.epochs), "--workers", str(args.workers),
              "--max-tokens", str(args.max_tokens)]
    load_before = _load_average()
    child("--warm")  # make sure the cache is populated
    warm = child("--warm")
    rows = []
    for mode in args.modes.split(","):
        best, times = {}, {lib: [] for lib in libs}
        for _ in range(args.repeats):
            for lib in libs:
                r = child("--child", lib, mode, *common)
                times[lib].append(r["seconds"])
                if lib not in best or r["seconds"] < best[lib]["seconds"]:
                    best[lib] = r
        for lib in best:
            best[lib]["all_seconds"] = times[lib]
        rows.append(best)

    load_after = _load_average()
    cpu = cpu_model()
    print(f"\nCPU: {cpu}; load average before the runs {load_before}, after {load_after}")
    print(f"text8 prefix, {args.max_tokens:,} tokens; vector_size=100, window=5, min_count=5, "
          f"sample=1e-3, epochs={args.epochs}, workers={args.workers}; best of {args.repeats}\n")
    table = ["| mode | library | train s | all runs s | words/s | peak RSS MB | model MB "
             "| analogy acc (30k) | WS353 rho | gensim s / embedlearn s |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for best in rows:
        for lib, r in best.items():
            ratio = (f"{best['gensim']['seconds'] / best['embedlearn']['seconds']:.2f}"
                     if lib == "embedlearn" and "gensim" in best else "")
            runs = ", ".join(f"{t:.1f}" for t in r["all_seconds"])
            table.append(f"| {r['mode']} | {lib} | {r['seconds']:.1f} | {runs} | "
                         f"{r['words_per_sec']:,.0f} | {r['rss_mb']:.0f} | {r['model_mb']:.0f} | "
                         f"{100 * r['analogy']:.1f}% | {r['rho']:.3f} | {ratio} |")
    print("\n".join(table))
    if args.json:
        write_json(args, cpu, load_before, load_after, libs, rows, table, warm)
    print("\npeak RSS: whole process (data, libraries, training, evaluation); model MB: RSS growth "
          "during vocabulary + training, after imports (numba's runtime and the cached kernels "
          "loaded for embedlearn)")
    if args.quality_seeds:
        seeds = [int(x) for x in args.quality_seeds.split(",")]
        print(f"\nquality over seeds {args.quality_seeds} (mean ± sd)\n")
        print("| mode | library | analogy acc (30k) | WS353 rho |")
        print("|---|---|---:|---:|")
        for mode in args.modes.split(","):
            for lib in libs:
                runs = [child("--child", lib, mode, *common, "--seed", str(seed)) for seed in seeds]
                acc = [100 * r["analogy"] for r in runs]
                rho = [r["rho"] for r in runs]
                print(f"| {mode} | {lib} | {_mean_sd(acc, '.2f')}% | {_mean_sd(rho, '.3f')} |")
    print(f"\nembedlearn warm start (new process, numba cache present): first training call "
          f"{warm['seconds']:.2f} s including imports; cache hits {warm['cache_hits']}, "
          f"compilations {warm['cache_misses']}")


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    main()
