"""Memory and speed as the corpus grows: lists in memory vs ``corpus_file``, embedlearn vs gensim.

Usage::

    EMBEDLEARN_DATA=/abs/path/to/shared/data python benchmarks/memory.py [--scales 1,8]
        [--repeats 2] [--workers 2]

Input: the text8 prefix (2,139,748 tokens) concatenated ``k`` times (``k`` = 1 and 8: 2.1M and
17.1M tokens; the full text8 is not in the test mirror, so x8 repeats the prefix and the
vocabulary does not grow with it). "list" runs get ``k`` freshly loaded copies of
``load_text8()``'s sentences of 10,000 words; "corpus_file" runs get a temporary text file with the
same sentences, one per line. Settings: skip-gram, negative sampling (5), vector_size 100, window 5,
min_count 5, sample 1e-3, 1 epoch. Every run is a fresh process; the table shows the best of
``--repeats`` for time and the largest peak RSS seen (``ru_maxrss``: the whole process, data and
libraries included). "input MB" is the RSS once the input is ready, before the library is imported.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

from _common import cpu_model, run_child


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def write_corpus(path, scale):
    from embedlearn.datasets import load_text8

    with open(path, "w", encoding="utf8") as f:
        for _ in range(scale):
            for sentence in load_text8(max_tokens=2_139_748):
                f.write(" ".join(sentence) + "\n")


def run_one(lib, kind, scale, workers, path, fixed_vocab=False):
    import resource

    from embedlearn.datasets import load_text8

    sentences = None
    if kind == "list":
        sentences = []
        for _ in range(scale):
            sentences.extend(load_text8(max_tokens=2_139_748))
    input_mb = _rss_mb()
    # min_count 5 keeps 22,541 words of one copy but 80,982 of eight (every word seen once in
    # the prefix is seen 8 times); --fixed-vocab scales min_count with the copies so the
    # vocabulary, and so the model, stay the same and only the corpus grows.
    min_count = 5 * scale if fixed_vocab else 5
    params = dict(vector_size=100, window=5, negative=5, hs=0, sg=1, min_count=min_count,
                  sample=1e-3, epochs=1, workers=workers, seed=1)
    if lib == "gensim":
        from gensim.models import Word2Vec
    else:
        from embedlearn.word2vec import Word2Vec

        params["progress"] = False
    start = time.perf_counter()
    if kind == "list":
        model = Word2Vec(sentences, **params)
    else:
        model = Word2Vec(corpus_file=path, **params)
    seconds = time.perf_counter() - start
    words = 2_139_748 * scale
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"lib": lib, "kind": kind, "scale": scale, "seconds": seconds,
                      "words_per_sec": words / seconds, "peak_mb": rss, "input_mb": input_mb,
                      "vocab": len(model.wv)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="1,8")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--libs", default="embedlearn,gensim")
    parser.add_argument("--kinds", default="list,corpus_file")
    parser.add_argument("--fixed-vocab", action="store_true",
                        help="min_count = 5 x copies, so the vocabulary does not grow with x8")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        lib, kind, scale, path = args.child
        return run_one(lib, kind, int(scale), args.workers, path, args.fixed_vocab)
    scales = [int(s) for s in args.scales.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in scales:
            path = os.path.join(tmp, f"text8x{scale}.txt")
            write_corpus(path, scale)
            for kind in args.kinds.split(","):
                for lib in args.libs.split(","):
                    extra = ["--fixed-vocab"] if args.fixed_vocab else []
                    runs = [run_child(__file__, "--workers", str(args.workers), *extra, "--child",
                                      lib, kind, str(scale), path) for _ in range(args.repeats)]
                    best = min(runs, key=lambda r: r["seconds"])
                    best["peak_mb"] = max(r["peak_mb"] for r in runs)
                    best["spread"] = (min(r["seconds"] for r in runs), max(r["seconds"] for r in runs))
                    rows.append(best)
    print(f"\nCPU: {cpu_model()}; skip-gram NS, 1 epoch, "
          f"{args.workers} workers; best of {args.repeats} (time), largest peak RSS\n")
    vocab_rule = "min_count 5 x copies (fixed vocabulary)" if args.fixed_vocab else "min_count 5"
    print(f"{vocab_rule}\n")
    print("| input | tokens | library | vocabulary | train s (range) | words/s | input MB | "
          "peak RSS MB |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for r in rows:
        lo, hi = r["spread"]
        print(f"| {r['kind']} x{r['scale']} | {2_139_748 * r['scale']:,} | {r['lib']} | "
              f"{r['vocab']:,} | "
              f"{r['seconds']:.1f} ({lo:.1f}-{hi:.1f}) | {r['words_per_sec']:,.0f} | "
              f"{r['input_mb']:.0f} | {r['peak_mb']:.0f} |")
    by = {(r["lib"], r["kind"], r["scale"]): r for r in rows}
    for lib in args.libs.split(","):
        if (lib, "corpus_file", 1) in by and (lib, "corpus_file", 8) in by:
            a, b = by[(lib, "corpus_file", 1)]["peak_mb"], by[(lib, "corpus_file", 8)]["peak_mb"]
            print(f"\n{lib} corpus_file peak RSS growth x1 -> x8: {100 * (b - a) / a:+.1f}%")


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    main()
