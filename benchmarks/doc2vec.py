"""Doc2Vec benchmark: embedlearn against gensim on IMDB sentiment (Le & Mikolov's test).

Usage::

    EMBEDLEARN_DATA=../shared/data python benchmarks/doc2vec.py [--modes dbow,dm_mean]
        [--seeds 1] [--epochs 20] [--workers 2] [--max-docs 50000]

Setting (gensim's IMDB tutorial, Le & Mikolov 2014 section 3.2): the 50,000 labelled reviews
(25k train / 25k test as distributed) are tokenised alike for both libraries (lower case, ``<br />``
removed, punctuation split off), shuffled once with a fixed seed (order matters: unshuffled, the
train documents are sorted by label) and trained together with their labels unused; tags are the
reviews' indices. vector_size 100, negative 5, hs 0, window 5 (PV-DM and ``dbow_words`` runs),
min_count 2, sample 0, 20 epochs, 2 workers. A logistic regression (scikit-learn, default C=1,
``max_iter=1000`` so that lbfgs converges) is fitted on the 25k train vectors; the error is
measured on the 25k test vectors learnt in training, and again on test vectors inferred by each
library's ``infer_vector`` (model epochs and learning rates; embedlearn infers them in one batched
call on ``workers`` threads, gensim one call per review as its API offers).

Each run is a fresh subprocess (so peak RSS is per run) and the libraries alternate within a
mode and seed, so both see the same machine load. Prints a Markdown table with the CPU model.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time

from _common import cpu_model, run_child

MODES = {"dbow": dict(dm=0), "dm_mean": dict(dm=1, dm_mean=1), "dbow_words": dict(dm=0, dbow_words=1)}
_PUNCT = re.compile(r'([.",()!?;:])')


def tokenize(text):
    """gensim's IMDB tutorial's normalisation: lower case, no ``<br />``, punctuation split off."""
    return _PUNCT.sub(r" \1 ", text.lower().replace("<br />", " ")).split()


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(lib, mode, seed, epochs, workers, max_docs, stream=False):
    """Train, evaluate and infer in this process; print one JSON line.

    ``stream`` (embedlearn only): the documents are tokenised on the fly from the raw texts and
    read once, so no token lists are held (gensim reads its corpus 21 times, so it needs them).
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from embedlearn.datasets import load_imdb

    train, test = load_imdb("train"), load_imdb("test")
    half = max_docs // 2
    pick = np.r_[0:half // 2, 12_500:12_500 + half - half // 2]  # both labels when subsetting
    texts = [train.texts[i] for i in pick] + [test.texts[i] for i in pick]
    labels = np.concatenate([train.labels[pick], test.labels[pick]])
    del train, test
    n_train = len(pick)
    order = np.random.default_rng(0).permutation(len(texts))  # one fixed shuffle, both libraries
    params = dict(vector_size=100, window=5, negative=5, hs=0, min_count=2, sample=0,
                  epochs=epochs, workers=workers, seed=seed, **MODES[mode])
    if lib == "gensim":
        from gensim.models.doc2vec import Doc2Vec, TaggedDocument
    else:
        from embedlearn.doc2vec import Doc2Vec, TaggedDocument

        params["progress"] = False
        # Load numba's runtime and the cached kernels, as gensim's import loads its extension.
        warm = Doc2Vec([TaggedDocument(["a", "b"] * 5, [0])], min_count=1, epochs=1, workers=1,
                       **{k: v for k, v in params.items() if k not in ("min_count", "epochs",
                                                                      "workers")})
        warm.infer_vector(["a", "b"])
        del warm
    if stream:
        tokens = None
        docs = (TaggedDocument(tokenize(texts[i]), [int(i)]) for i in order)
        words = sum(len(tokenize(t)) for t in texts)
    else:
        tokens = [tokenize(t) for t in texts]
        del texts
        docs = [TaggedDocument(tokens[i], [int(i)]) for i in order]
        words = sum(len(t) for t in tokens)
    cpu, start = time.process_time(), time.perf_counter()
    model = Doc2Vec(docs, **params)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    rss_train = _peak_rss_mb()
    del docs
    X_train = np.array([model.dv[i] for i in range(n_train)])
    X_test = np.array([model.dv[i] for i in range(n_train, len(labels))])
    clf = LogisticRegression(max_iter=1000).fit(X_train, labels[:n_train])
    error = 1.0 - clf.score(X_test, labels[n_train:])
    cpu, start = time.process_time(), time.perf_counter()
    if lib == "gensim":
        inferred = np.array([model.infer_vector(t) for t in tokens[n_train:]])
    elif stream:  # a few thousand token lists at a time
        inferred = np.concatenate([
            model.infer_vectors([tokenize(t) for t in texts[i:i + 2500]])
            for i in range(n_train, len(texts), 2500)])
    else:
        inferred = model.infer_vectors(tokens[n_train:])
    infer_seconds, infer_cpu = time.perf_counter() - start, time.process_time() - cpu
    error_inferred = 1.0 - clf.score(inferred, labels[n_train:])
    print(json.dumps({"lib": lib + (" (streamed)" if stream else ""), "mode": mode, "seed": seed,
                      "seconds": seconds, "cpu_seconds": cpu_seconds,
                      "words_per_sec": words * epochs / seconds, "rss_train_mb": rss_train,
                      "rss_mb": _peak_rss_mb(), "error": error, "error_inferred": error_inferred,
                      "infer_seconds": infer_seconds, "infer_cpu_seconds": infer_cpu,
                      "docs": len(labels), "words": words, "vocab": len(model.wv)}))


def _load_average():
    """The 1-minute load average (the machine is shared: say how busy it was)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def _mean(rows, key, scale=1.0, fmt=".2f"):
    values = [scale * r[key] for r in rows]
    text = f"{statistics.mean(values):{fmt}}"
    if len(values) > 1:
        text += f" ± {statistics.stdev(values):{fmt}}"
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modes", default="dbow,dm_mean")
    parser.add_argument("--seeds", default="1", help="comma-separated; results are mean ± sd")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-docs", type=int, default=50_000,
                        help="documents in all (half train, half test); 50,000 = the full set")
    parser.add_argument("--libs", default="embedlearn,gensim")
    parser.add_argument("--stream", action="store_true",
                        help="also run embedlearn on documents streamed once from the raw texts")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        lib, mode, seed, stream = args.child
        return run_one(lib, mode, int(seed), args.epochs, args.workers, args.max_docs,
                       stream == "1")

    libs = args.libs.split(",")
    common = ["--epochs", str(args.epochs), "--workers", str(args.workers),
              "--max-docs", str(args.max_docs)]
    results = {}
    load_before = _load_average()
    for mode in args.modes.split(","):
        for seed in args.seeds.split(","):
            runs = [(lib, "0") for lib in libs]
            if args.stream and "embedlearn" in libs:
                runs.append(("embedlearn", "1"))
            for lib, stream in runs:
                r = run_child(__file__, "--child", lib, mode, seed, stream, *common)
                print(json.dumps(r), file=sys.stderr)
                results.setdefault((mode, r["lib"]), []).append(r)

    first = next(iter(results.values()))[0]
    print(f"\nIMDB, {first['docs']:,} reviews ({first['docs'] // 2:,} train / "
          f"{first['docs'] // 2:,} test), {first['words']:,} tokens, vocabulary "
          f"{first['vocab']:,}; vector_size 100, negative 5, window 5, min_count 2, sample 0, "
          f"{args.epochs} epochs, {args.workers} workers; seeds {args.seeds} (mean ± sd); "
          f"CPU: {cpu_model()}; load average before the runs {load_before}, after "
          f"{_load_average()}\n")
    print("| mode | library | train s | train CPU s | words/s | speed vs gensim | peak RSS MB "
          "(train) | peak RSS MB (run) | test error | test error, inferred | infer s | "
          "infer CPU s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (mode, lib), rows in results.items():
        ratio = ""
        if lib.startswith("embedlearn") and (mode, "gensim") in results:
            g = statistics.mean(r["seconds"] for r in results[(mode, "gensim")])
            ratio = f"{g / statistics.mean(r['seconds'] for r in rows):.2f}×"
        print(f"| {mode} | {lib} | {_mean(rows, 'seconds', fmt='.0f')} | "
              f"{_mean(rows, 'cpu_seconds', fmt='.0f')} | "
              f"{_mean(rows, 'words_per_sec', fmt=',.0f')} | {ratio} | "
              f"{_mean(rows, 'rss_train_mb', fmt='.0f')} | {_mean(rows, 'rss_mb', fmt='.0f')} | "
              f"{_mean(rows, 'error', 100)}% | {_mean(rows, 'error_inferred', 100)}% | "
              f"{_mean(rows, 'infer_seconds', fmt='.0f')} | "
              f"{_mean(rows, 'infer_cpu_seconds', fmt='.0f')} |")
    print("\npeak RSS (train): whole process up to the end of training (texts, token lists, "
          "libraries incl. scikit-learn, model); (run): to the end, inference included. words/s: "
          "corpus tokens × epochs / training seconds (vocabulary scan included, as in both "
          "constructors). CPU s: process CPU time (user + system), a check on wall times taken "
          "on a loaded machine. embedlearn infers in one batched call on the workers; gensim "
          "one infer_vector call per review. streamed: embedlearn reads the documents once from "
          "a generator that tokenises the raw texts (its training time includes tokenising), so "
          "the token lists never exist.")


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    main()
