"""Graph embedding quality over training seeds: DeepWalk on Cora, Graph2Vec on MUTAG.

Usage::

    EMBEDLEARN_DATA=../shared/data python benchmarks/graphs.py [--seeds 1 2 3] [--workers 2]
        [--splits 10] [--skip-cora] [--skip-mutag]

Cora (chapter 8): DeepWalk with the reference settings (10 walks of 80 nodes from every node,
window 10, 128 dimensions, hierarchical softmax), one model per seed; node classification by
one-vs-rest logistic regression with 50% of the nodes labelled, ``--splits`` random splits per
model. Reported: mean and spread over seeds of the per-model mean Micro-F1 and Macro-F1, and
the fit time (wall-clock).

MUTAG (chapter 9): Graph2Vec (atom types as iteration-0 labels, 2 WL iterations, 128
dimensions) against gensim's ``Doc2Vec(dm=0)`` on the same WL documents, each with
karateclub's defaults (10 epochs, ``sample=1e-4``) and with 100 epochs without subsampling;
10-fold stratified accuracy of a LinearSVC with C chosen by inner CV (Narayanan et al. 2017
report 83.15 ± 9.25% for Graph2Vec). Training uses one thread (``workers=1``) so every figure
is reproducible from its seed.

Prints Markdown tables with the CPU model beside them.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from _common import cpu_model  # noqa: E402

from embedlearn.datasets import load_cora, load_tu_dataset  # noqa: E402
from embedlearn.evaluation import graph_classification, node_classification  # noqa: E402
from embedlearn.graphs import DeepWalk, Graph2Vec, weisfeiler_lehman  # noqa: E402


def _spread(values):
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{mean:.3f} ± {sd:.3f}"


def cora(seeds, workers, splits):
    data = load_cora()
    micro, macro, seconds = [], [], []
    for seed in seeds:
        start = time.perf_counter()
        model = DeepWalk(data.graph, workers=workers, seed=seed, progress=False)
        seconds.append(time.perf_counter() - start)
        result = node_classification(model.get_embedding(), data.labels, train_fractions=(0.5,),
                                     repeats=splits, seed=seed)
        micro.append(float(result.micro_f1.mean()))
        macro.append(float(result.macro_f1.mean()))
    print(f"\n### Cora, DeepWalk, 50% labelled ({len(seeds)} seeds x {splits} splits)\n")
    print("| Micro-F1 | Macro-F1 | fit seconds (each) |")
    print("|---:|---:|---|")
    print(f"| {_spread(micro)} | {_spread(macro)} | "
          f"{', '.join(f'{s:.1f}' for s in seconds)} |")


def mutag(seeds):
    from gensim.models.doc2vec import Doc2Vec, TaggedDocument

    data = load_tu_dataset("MUTAG")
    docs = weisfeiler_lehman(data.graphs, iterations=2, node_label="label")
    words = docs.words()
    tagged = [TaggedDocument([words[t] for t in docs.corpus.sentence(g)], [g])
              for g in range(docs.corpus.n_sentences)]
    settings = {"karateclub defaults (10 epochs, sample 1e-4)": dict(epochs=10, sample=1e-4),
                "100 epochs, no subsampling": dict(epochs=100, sample=0.0)}
    print(f"\n### MUTAG, Graph2Vec, 10-fold LinearSVC accuracy ({len(seeds)} seeds; "
          "published 0.832)\n")
    print("| settings | embedlearn | gensim Doc2Vec | embedlearn s | gensim s |")
    print("|---|---:|---:|---:|---:|")
    for name, kw in settings.items():
        ours, theirs, t_ours, t_theirs = [], [], [], []
        for seed in seeds:
            start = time.perf_counter()
            model = Graph2Vec(node_label="label", workers=1, seed=seed, min_count=5,
                              vector_size=128, **kw).fit(data.graphs)
            t_ours.append(time.perf_counter() - start)
            ours.append(graph_classification(model.get_embedding(), data.labels, folds=10,
                                             classifier="svm", seed=seed).mean)
            start = time.perf_counter()
            g = Doc2Vec(tagged, dm=0, vector_size=128, min_count=5, workers=1, seed=seed,
                        alpha=0.025, **kw)
            t_theirs.append(time.perf_counter() - start)
            X = np.array([g.dv[i] for i in range(len(tagged))])
            theirs.append(graph_classification(X, data.labels, folds=10, classifier="svm",
                                               seed=seed).mean)
        print(f"| {name} | {_spread(ours)} | {_spread(theirs)} | "
              f"{min(t_ours):.2f} | {min(t_theirs):.2f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--skip-cora", action="store_true")
    parser.add_argument("--skip-mutag", action="store_true")
    args = parser.parse_args()
    print(f"CPU: {cpu_model()}; load average {os.getloadavg()[0]:.1f}")
    if not args.skip_cora:
        cora(args.seeds, args.workers, args.splits)
    if not args.skip_mutag:
        mutag(args.seeds)


if __name__ == "__main__":
    main()
