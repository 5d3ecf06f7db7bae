"""Where the Doc2Vec benchmark's memory goes: resident set size by stage, embedlearn and gensim.

Usage::

    EMBEDLEARN_DATA=../shared/data python benchmarks/doc2vec_memory.py [--epochs 1]

Same data and settings as ``benchmarks/doc2vec.py`` (the 50,000 IMDB reviews tokenised alike and
held as token lists, PV-DBOW, vector_size 100, negative 5, min_count 2, sample 0, 2 workers),
each library in a fresh process. After each stage the process's current RSS and its peak so far
(``VmRSS`` and ``VmHWM`` of ``/proc/self/status``, MB) are recorded:

1. Python, NumPy and scikit-learn imported (the benchmark's process has them too);
2. the reviews read;
3. the library imported (embedlearn: and its numba kernels loaded from the cache by a two-word
   warm-up model, as the benchmark does, so that their cost shows as a stage of its own);
4. the token lists and ``TaggedDocument`` objects made (the raw texts dropped);
5. ``build_vocab``: counting, the vocabulary, the encoded corpus (embedlearn), the weights;
6. ``train`` for ``--epochs`` epochs (the output weights are zeros until training writes them,
   so their pages join the RSS during the first epoch; later epochs add nothing);
7. inference of the 25,000 test reviews with the model's epochs, as ``benchmarks/doc2vec.py``
   does it (embedlearn: one ``infer_vectors`` call; gensim: ``infer_vector`` per review).

Linux only (reads ``/proc``). Prints a Markdown table with the CPU model.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys

from _common import cpu_model, run_child

STAGES = ("numpy + scikit-learn", "reviews read", "library imported (+ numba kernels)",
          "token lists", "build_vocab", "train", "infer the 25,000 test reviews")


def _status_mb():
    with open("/proc/self/status") as f:
        text = f.read()
    return tuple(int(re.search(rf"{key}:\s+(\d+)", text).group(1)) / 1024
                 for key in ("VmRSS", "VmHWM"))


def child(lib, epochs):
    """Run the stages in this process and print one JSON line of (stage, RSS, peak)."""
    rows = []

    def mark(stage):
        rows.append((stage, *_status_mb()))

    import numpy as np
    import sklearn.linear_model  # noqa: F401  (the benchmark's process holds it)

    mark(STAGES[0])
    from doc2vec import tokenize

    from embedlearn.datasets import load_imdb

    train, test = load_imdb("train"), load_imdb("test")
    texts = list(train.texts) + list(test.texts)
    del train, test
    mark(STAGES[1])
    params = dict(dm=0, vector_size=100, window=5, negative=5, hs=0, min_count=2, sample=0,
                  workers=2, seed=1)
    if lib == "gensim":
        from gensim.models.doc2vec import Doc2Vec, TaggedDocument
    else:
        from embedlearn.doc2vec import Doc2Vec, TaggedDocument

        params["progress"] = False
        warm = Doc2Vec([TaggedDocument(["a", "b"] * 5, [0])], min_count=1, epochs=1, workers=1,
                       **{k: v for k, v in params.items() if k not in ("min_count", "workers")})
        warm.infer_vector(["a", "b"])
        del warm
    mark(STAGES[2])
    tokens = [tokenize(t) for t in texts]
    del texts
    order = np.random.default_rng(0).permutation(len(tokens))
    docs = [TaggedDocument(tokens[i], [int(i)]) for i in order]
    mark(STAGES[3])
    model = Doc2Vec(epochs=epochs, **params)
    model.build_vocab(docs)
    mark(STAGES[4])
    if lib == "gensim":
        model.train(docs, total_examples=len(docs), epochs=epochs)
    else:  # the corpus encoded by build_vocab (passing docs again would encode them again)
        model.train(epochs=epochs)
    mark(STAGES[5])
    test_words = tokens[len(tokens) // 2:]  # the test reviews, as benchmarks/doc2vec.py infers
    if lib == "gensim":  # one call per document, as its API offers
        inferred = np.array([model.infer_vector(words) for words in test_words])
    else:  # one batched call
        inferred = model.infer_vectors(test_words)
    mark(STAGES[6])
    del inferred
    print(json.dumps({"lib": lib, "rows": rows, "vocab": len(model.wv)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.epochs)
    here = os.path.abspath(__file__)
    results = {lib: run_child(here, "--child", lib, "--epochs", str(args.epochs))
               for lib in ("embedlearn", "gensim")}
    print(f"CPU: {cpu_model()}; load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"vocabulary {results['gensim']['vocab']:,} words; train = {args.epochs} epoch(s)\n")
    print("| stage | embedlearn RSS MB | embedlearn peak MB | gensim RSS MB | gensim peak MB "
          "| difference in RSS |")
    print("|---|---:|---:|---:|---:|---:|")
    for (stage, rss, peak), (_, g_rss, g_peak) in zip(results["embedlearn"]["rows"],
                                                        results["gensim"]["rows"]):
        print(f"| {stage} | {rss:,.0f} | {peak:,.0f} | {g_rss:,.0f} | {g_peak:,.0f} | "
              f"{rss - g_rss:+,.0f} |")


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    main()
