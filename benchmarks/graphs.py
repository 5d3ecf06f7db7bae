"""Graph embedding quality: DeepWalk on Cora, node2vec on BlogCatalog, Graph2Vec on TU data sets.

Usage::

    EMBEDLEARN_DATA=../shared/data python benchmarks/graphs.py [--parts cora mutag node2vec tu]
        [--seeds 1 2 3] [--workers 2] [--splits 10] [--skip-cora] [--skip-mutag]
        [--grid-p 0.25 1 4] [--grid-q 0.25 1 4] [--n2v-splits 5] [--val-fraction 0.3]
        [--tu PTC_MR PROTEINS NCI1] [--wide MUTAG] [--karateclub-python PATH]
        [--select MUTAG PTC_MR] [--rbf-max-graphs 1200]
        [--g2v-settings defaults 100-epochs every-label karateclub original] [--g2v-workers 1]
        [--skip-bag]

``--parts`` picks the pieces (default: all four; ``--skip-cora`` / ``--skip-mutag`` drop one).
The karateclub rows run when ``--karateclub-python`` is given (or ``$KARATECLUB_PYTHON``).

Cora (chapter 8, ``cora``): DeepWalk with the reference settings (10 walks of 80 nodes from every
node, window 10, 128 dimensions, hierarchical softmax), one model per seed; node classification
by one-vs-rest logistic regression with 50% of the nodes labelled, ``--splits`` random splits per
model. Reported: mean and spread over seeds of the per-model mean Micro-F1 and Macro-F1, and the
fit time (wall-clock).

BlogCatalog node2vec (``node2vec``): one Node2Vec model (10 walks x 80, window 10, 128
dimensions, negative sampling, one epoch, seed ``--seeds[0]``) for every (p, q) of the grid and
for p = q = 1. Each of ``--n2v-splits`` random splits labels half of the nodes; a validation
part (``--val-fraction`` of the labelled half) is held out of it, every (p, q) is scored by the
Macro-F1 on that validation part after training the classifier on the rest of the labelled half,
and the best (p, q) of that split is then trained on the whole labelled half and scored on the
unlabelled half, beside p = q = 1 on the same split. The test half never takes part in the
choice. The 3 x 3 grid took 7 minutes on 2 busy cores (load 3-4.7).

TU data sets (``mutag``: MUTAG; ``tu``: ``--tu``, by default PTC_MR, PROTEINS, NCI1): Graph2Vec
(node labels of the file as iteration-0 labels) against gensim's ``Doc2Vec(dm=0)`` on the same WL
documents, 128 dimensions, with karateclub's defaults (WL 2, 10 epochs, ``sample=1e-4``), with
100 epochs without subsampling, and, on the ``--wide`` data sets, with karateclub's benchmark
setting (WL 3, 1024 dimensions, 100 epochs, its default ``sample=1e-4``) and with the original
graph2vec code's (``G2V_ORIGINAL``: WL 3, 1024 dimensions, every label, no subsampling, at 100
epochs rather than its 1000); ``min_count=5``
(karateclub's default), and the 100-epoch setting once more with ``min_count=1``
(``G2V_ALL_LABELS``: every WL label a word, as in the original graph2vec code). Each
against the bag-of-WL-labels baseline (``walks.wl_bag``, h = 3, LinearSVC: the WL subtree
kernel). Accuracy: 10-fold stratified CV of a LinearSVC with C chosen by inner 5-fold CV, and of
an RBF-kernel SVC with C and gamma chosen by the inner CV (gamma in {0.1, 1, 10} x scikit-learn's
"scale"; on data sets of at most ``--rbf-max-graphs`` graphs), the folds seeded like the model;
mean ± sd over seeds of the fold means (Narayanan et al. 2017: MUTAG 83.15 ± 9.25, PTC 60.17 ±
6.86, PROTEINS 73.30 ± 2.05, NCI1 73.22 ± 1.81); for vectors wider than 128 the C grid stops
at 10 (``WIDE_CS``: liblinear takes seconds per fit at larger C there). Training uses one
thread (``workers=1``) so every figure is reproducible from its seed (``--g2v-workers`` gives
every library's fit more threads, for fit times at a library's default; hogwild training is then
not bitwise reproducible). The inner CV, not the
training, takes most of the time: MUTAG (three settings, karateclub, WL bag) took 6 minutes for
3 seeds on a busy machine, PTC_MR's two 128-dimension settings 4; at 1024 dimensions it had not
finished one seed after 5 more minutes, so ``--wide`` holds MUTAG only by default.

karateclub (``--karateclub-python``): its own ``Graph2Vec`` (``attributed=True`` on the node
labels, the setting's ``min_count``, ``workers=1``) at both 100-epoch settings on every data set and at its
benchmark setting on the ``--wide`` ones, ``down_sampling`` set to the setting's ``sample``,
scored by the same CV. karateclub adds a self-loop to every node before WL (so a node counts
itself among its neighbours) and hashes labels to strings. It pins old numpy/networkx, so it
lives in its own virtual environment::

    python -m venv /tmp/karate-venv && /tmp/karate-venv/bin/pip install --no-deps karateclub \\
        && /tmp/karate-venv/bin/pip install "numpy<2" gensim "networkx<3" scipy scikit-learn \\
        tqdm pandas python-louvain pygsp decorator six

Nested selection (``--select``, default MUTAG and PTC_MR): Graph2Vec at each of the 12 settings
of ``SELECT_GRID`` (WL 1-3 x 32/128 dimensions x min_count 1/5, 100 epochs, no subsampling)
embeds every graph, and in each outer fold the inner CV on the training graphs picks the
setting together with C (and gamma); the picks are listed.

Training order: gensim and karateclub are handed the graphs in one seeded random order
(``training_order``), as ``Graph2Vec.fit`` orders them itself; PROTEINS and NCI1 are stored
sorted by class, and in file order the vectors carry the label.

Prints Markdown tables with the CPU model beside them.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

PARTS = ("cora", "mutag", "node2vec", "tu")

#: Graph2Vec settings: karateclub's defaults, the one that gave MUTAG its best result here, and
#: karateclub's benchmark setting (run on the ``--wide`` data sets only).
G2V_DEFAULTS = dict(wl_iterations=2, vector_size=128, epochs=10, sample=1e-4)
G2V_BEST = dict(wl_iterations=2, vector_size=128, epochs=100, sample=0.0)
G2V_KARATECLUB = dict(wl_iterations=3, vector_size=1024, epochs=100, sample=1e-4)
#: The 100-epoch setting with every WL label kept as a word (``min_count=1``), as the original
#: graph2vec code does (its corpus keeps every rooted subgraph; karateclub's default drops
#: labels seen fewer than 5 times).
G2V_ALL_LABELS = dict(G2V_BEST, min_count=1)
#: The original graph2vec code's setting (Narayanan et al.: WL depth 3, 1024 dimensions, every
#: rooted subgraph a word, no subsampling) at 100 epochs instead of its 1000.
G2V_ORIGINAL = dict(wl_iterations=3, vector_size=1024, epochs=100, sample=0.0, min_count=1)
#: The settings by name (``--g2v-settings``).
G2V_NAMED = {"defaults": G2V_DEFAULTS, "100-epochs": G2V_BEST, "every-label": G2V_ALL_LABELS,
             "karateclub": G2V_KARATECLUB, "original": G2V_ORIGINAL}
#: min_count of the settings that do not name one (karateclub's default).
MIN_COUNT = 5
#: C grid of the inner CV for vectors wider than 128: with 1024 dimensions and under 200 graphs
#: per fold the classes are separable, and liblinear's LinearSVC at C = 100 took 4 s per fit
#: (C = 1000 longer still, 350 fits per CV), so the grid stops at 10 there.
WIDE_CS = (1e-3, 1e-2, 1e-1, 1.0, 10.0)


#: Candidates of the nested selection (``--select``): WL depth, width and min_count, each at
#: 100 epochs without subsampling; the inner CV of each outer fold picks one (and C, gamma).
SELECT_GRID = [dict(wl_iterations=wl, vector_size=dim, epochs=100, sample=0.0, min_count=mc)
               for wl in (1, 2, 3) for dim in (32, 128) for mc in (1, 5)]


def _spread(values, scale=1.0, digits=3):
    mean = statistics.fmean(values) * scale
    sd = (statistics.stdev(values) if len(values) > 1 else 0.0) * scale
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"


def _setting_name(s):
    sample = f"sample {s['sample']:g}" if s["sample"] else "no subsampling"
    count = f", min_count {s['min_count']}" if "min_count" in s else ""
    return (f"WL {s['wl_iterations']}, {s['vector_size']} dims, {s['epochs']} epochs, "
            f"{sample}{count}")


def cora(seeds, workers, splits):
    from embedlearn.datasets import load_cora
    from embedlearn.evaluation import node_classification
    from embedlearn.graphs import DeepWalk

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


# ============================================================================= node2vec
def _choose_and_test(vectors, labels, splits, val_fraction, seed):
    """Per random split: choose (p, q) by validation Macro-F1 inside the labelled half, then
    score the choice and p = q = 1 on the unlabelled half.

    Returns the validation Macro-F1 of every (p, q) per split, the choices, and the test
    (Micro-F1, Macro-F1) of the chosen and of the p = q = 1 vectors per split.
    """
    from embedlearn.evaluation import node_classification_split

    n = len(labels)
    n_labelled = int(round(0.5 * n))
    n_val = int(round(val_fraction * n_labelled))
    rng = np.random.default_rng(seed)
    validation = {key: [] for key in vectors}
    chosen, test_chosen, test_base = [], [], []
    for _ in range(splits):
        order = rng.permutation(n)
        labelled, unlabelled = order[:n_labelled], order[n_labelled:]
        val, fit = labelled[:n_val], labelled[n_val:]
        for key, X in vectors.items():
            validation[key].append(node_classification_split(X, labels, fit, val)[1])
        best = max(vectors, key=lambda key: validation[key][-1])
        chosen.append(best)
        base = node_classification_split(vectors[(1.0, 1.0)], labels, labelled, unlabelled)
        test_base.append(base)
        test_chosen.append(base if best == (1.0, 1.0) else
                           node_classification_split(vectors[best], labels, labelled, unlabelled))
    return validation, chosen, np.array(test_chosen), np.array(test_base)


def node2vec_grid(ps, qs, workers, seed, splits, val_fraction):
    from embedlearn.datasets import load_blogcatalog
    from embedlearn.graphs import Graph, Node2Vec

    started = time.perf_counter()
    data = load_blogcatalog()
    graph = Graph.from_networkx(data.graph)
    if list(graph.nodes) != list(range(graph.n_nodes)):
        raise RuntimeError("BlogCatalog's graph is not numbered 0..n-1 in label order")
    grid = [(float(p), float(q)) for p in ps for q in qs]
    if (1.0, 1.0) not in grid:
        grid.append((1.0, 1.0))
    vectors, fit_s = {}, {}
    for p, q in grid:
        start = time.perf_counter()
        model = Node2Vec(graph, p=p, q=q, workers=workers, seed=seed, progress=False)
        fit_s[p, q] = time.perf_counter() - start
        vectors[p, q] = model.get_embedding()
        del model
    start = time.perf_counter()
    validation, chosen, test_chosen, test_base = _choose_and_test(vectors, data.labels, splits,
                                                                  val_fraction, seed)
    score_s = time.perf_counter() - start
    print(f"\n### BlogCatalog node2vec, (p, q) chosen on a validation split ({splits} splits, "
          f"model seed {seed}, {workers} workers)\n")
    print(f"Node2Vec defaults (10 walks x 80, window 10, 128 dims, negative 5, sample 1e-3, "
          f"1 epoch), one model per (p, q). Per split: 50% of the nodes labelled; "
          f"{val_fraction:.0%} of them held out for validation (classifier trained on the "
          "other labelled nodes); the (p, q) with the best validation Macro-F1 is retrained on "
          "all labelled nodes and scored on the unlabelled half. Fit = walks + training.\n")
    print("| p | q | fit s | validation Macro-F1 (mean ± sd over splits) | chosen in splits |")
    print("|---:|---:|---:|---:|---:|")
    for key in grid:
        print(f"| {key[0]:g} | {key[1]:g} | {fit_s[key]:.1f} | {_spread(validation[key])} | "
              f"{chosen.count(key)} |")
    print(f"\nTest half, mean ± sd over splits (published at 50%: DeepWalk 0.211, node2vec "
          f"0.258 Macro-F1; scoring took {score_s:.0f} s, all {time.perf_counter() - started:.0f}"
          " s):\n")
    print("| walks | Micro-F1 | Macro-F1 |")
    print("|---|---:|---:|")
    for name, scores in (("p = q = 1", test_base), ("(p, q) chosen on validation", test_chosen)):
        print(f"| {name} | {_spread(scores[:, 0])} | {_spread(scores[:, 1])} |")


# ============================================================================= Graph2Vec
def training_order(n, seed):
    """The seeded random order in which every library is handed the graphs.

    PROTEINS and NCI1 are stored sorted by class; trained in file order, each class is met at
    its own stretch of the decaying learning rate and the vectors carry the label (gensim gave
    91.7% on PROTEINS and 84.8% on NCI1 that way, far above any published figure).
    ``Graph2Vec.fit`` shuffles by itself; gensim and karateclub train in the order given.
    """
    return np.random.default_rng(seed).permutation(n)


def _gensim_dbow(docs, setting, seed, workers=1):
    from gensim.models.doc2vec import Doc2Vec, TaggedDocument

    words = docs.words()
    order = training_order(docs.corpus.n_sentences, seed)
    tagged = [TaggedDocument([words[t] for t in docs.corpus.sentence(g)], [int(g)])
              for g in order]
    model = Doc2Vec(tagged, dm=0, vector_size=setting["vector_size"],
                    min_count=setting.get("min_count", MIN_COUNT), workers=workers,
                    seed=seed, alpha=0.025, epochs=setting["epochs"], sample=setting["sample"])
    return np.array([model.dv[i] for i in range(len(tagged))])  # int tags: rows by graph id


def graph2vec_rows(name, seeds, settings, karateclub=None, rbf_max_graphs=1200,
                   karateclub_settings=(), workers=1, bag=True):
    """Graph2Vec and gensim Doc2Vec per setting, the WL bag, and karateclub if given.

    Each embedding is scored twice, by the LinearSVC and by an RBF-kernel SVC (``C`` and
    ``gamma`` by the inner CV), the latter on data sets of at most ``rbf_max_graphs`` graphs
    (its fits grow with the square of the training part). The WL bag is scored by the LinearSVC
    only: on bags of labels that is the WL subtree kernel.
    """
    from walks import wl_bag

    from embedlearn.datasets import load_tu_dataset
    from embedlearn.evaluation import graph_classification
    from embedlearn.graphs import Graph2Vec, weisfeiler_lehman

    data = load_tu_dataset(name)
    rbf = len(data.graphs) <= rbf_max_graphs
    # Load the cached kernels before any fit is timed (the first call of a process pays it).
    Graph2Vec(node_label="label", epochs=1, min_count=1, workers=workers).fit(data.graphs[:4])

    def accuracy(X, seed):
        kw = dict(Cs=WIDE_CS) if X.shape[1] > 128 else {}
        linear = graph_classification(X, data.labels, folds=10, classifier="svm", seed=seed,
                                      **kw).mean
        kernel = graph_classification(X, data.labels, folds=10, classifier="rbf",
                                      seed=seed).mean if rbf else None
        return linear, kernel

    def cells(scores):
        linear = _spread([a for a, _ in scores], 100, 2)
        kernel = _spread([b for _, b in scores], 100, 2) if rbf else "not run"
        return f"{linear} | {kernel}"

    print(f"\n### {name} ({len(data.graphs)} graphs), 10-fold accuracy %, mean ± sd over "
          f"{len(seeds)} seeds (fit s: best over seeds, and the slowest in brackets, {workers} "
          "thread(s); Graph2Vec's includes its WL "
          "relabelling, gensim's is Doc2Vec's alone, karateclub's includes its WL)\n")
    print("| method | setting | LinearSVC | RBF SVM | fit s |")
    print("|---|---|---:|---:|---:|")
    for setting in settings:
        ours, theirs, t_ours, t_theirs = [], [], [], []
        # WL documents for gensim, made once (the fit time is Doc2Vec's alone; Graph2Vec's
        # includes its WL relabelling).
        docs = weisfeiler_lehman(data.graphs, iterations=setting["wl_iterations"],
                                 node_label="label")
        for seed in seeds:
            start = time.perf_counter()
            model = Graph2Vec(node_label="label", workers=workers, seed=seed,
                              **{"min_count": MIN_COUNT, **setting}).fit(data.graphs)
            t_ours.append(time.perf_counter() - start)
            ours.append(accuracy(model.get_embedding(), seed))
            start = time.perf_counter()
            X = _gensim_dbow(docs, setting, seed, workers)
            t_theirs.append(time.perf_counter() - start)
            theirs.append(accuracy(X, seed))
        label = _setting_name(setting)
        print(f"| embedlearn Graph2Vec | {label} | {cells(ours)} | {_seconds(t_ours)} |",
              flush=True)
        print(f"| gensim Doc2Vec (same WL documents) | {label} | {cells(theirs)} | "
              f"{_seconds(t_theirs)} |", flush=True)
        if karateclub and setting in karateclub_settings:
            accs, times = [], []
            for seed in seeds:
                X, seconds = _karateclub_embedding(karateclub, data, setting, seed, workers)
                accs.append(accuracy(X, seed))
                times.append(seconds)
            print(f"| karateclub Graph2Vec (self-loops added) | {label} | {cells(accs)} | "
                  f"{_seconds(times)} |", flush=True)
    if not bag:
        return
    bags = [wl_bag(name, iterations=3, seed=seed, classifiers=("svm",)) for seed in seeds]
    print(f"| bag of WL labels (WL subtree kernel) | WL 3, {bags[0]['words']:,} labels | "
          f"{_spread([b['svm']['mean'] for b in bags], 100, 2)} | | {bags[0]['wl_s']:.2f} (WL) |",
          flush=True)


def _seconds(times):
    """Fit seconds as the table gives them: the best run, and the slowest in brackets."""
    return f"{min(times):.2f} ({max(times):.2f})" if len(times) > 1 else f"{times[0]:.2f}"


def selected_rows(name, seeds, grid=SELECT_GRID, rbf_max_graphs=1200):
    """Graph2Vec with its setting chosen by the inner CV of each outer fold (nested CV).

    Every candidate of ``grid`` embeds every graph once per seed (Graph2Vec never sees a
    label); ``graph_classification`` given the candidates as a dict then picks, in each outer
    fold, the candidate and the classifier's parameters by the inner CV on that fold's
    training graphs alone, and scores the pick on the fold's test graphs.
    """
    from collections import Counter

    from embedlearn.datasets import load_tu_dataset
    from embedlearn.evaluation import graph_classification
    from embedlearn.graphs import Graph2Vec

    data = load_tu_dataset(name)
    rbf = len(data.graphs) <= rbf_max_graphs
    linear, kernel, picks, fit_s = [], [], Counter(), {}
    short = {_setting_name(g): f"WL {g['wl_iterations']}/{g['vector_size']} d/min_count "
                               f"{g['min_count']}" for g in grid}
    for seed in seeds:
        embeddings = {}
        for setting in grid:
            label = _setting_name(setting)
            start = time.perf_counter()
            model = Graph2Vec(node_label="label", workers=1, seed=seed, **setting)
            model.fit(data.graphs)
            fit_s[label] = min(fit_s.get(label, np.inf), time.perf_counter() - start)
            embeddings[label] = model.get_embedding()
        res = graph_classification(embeddings, data.labels, folds=10, classifier="svm", seed=seed)
        linear.append(res.mean)
        picks.update(f"linear: {short[p]}" for p in res.chosen_features)
        if rbf:
            res = graph_classification(embeddings, data.labels, folds=10, classifier="rbf",
                                       seed=seed)
            kernel.append(res.mean)
            picks.update(f"RBF: {short[p]}" for p in res.chosen_features)
    print(f"| embedlearn Graph2Vec, setting chosen by inner CV (nested) | {len(grid)} "
          f"candidates: WL 1-3 x 32/128 dims x min_count 1/5, 100 epochs | "
          f"{_spread(linear, 100, 2)} | {_spread(kernel, 100, 2) if rbf else 'not run'} | "
          f"{max(fit_s.values()):.2f} (slowest candidate) |", flush=True)
    print(f"\n{name}: settings picked over {len(seeds)} seeds x 10 folds: " +
          "; ".join(f"{k} x{v}" for k, v in picks.most_common()) + "\n", flush=True)
    print("fit s per candidate (best over seeds): " +
          "; ".join(f"{short[k]}: {v:.2f}" for k, v in fit_s.items()), flush=True)


def _karateclub_embedding(python, data, setting, seed, workers=1):
    """karateclub's Graph2Vec run by ``python`` (its own venv) on ``data``: (vectors, fit s)."""
    from _common import run_child

    order = training_order(len(data.graphs), seed)
    with tempfile.TemporaryDirectory() as tmp:
        graphs = [{"edges": [list(e) for e in g.edges()],
                   "labels": [g.nodes[v]["label"] for v in range(g.number_of_nodes())]}
                  for g in (data.graphs[i] for i in order)]
        source, out = os.path.join(tmp, "graphs.json"), os.path.join(tmp, "vectors.npy")
        with open(source, "w") as f:
            json.dump(graphs, f)
        # Not this worktree's path: karateclub's venv has no numba, and the child needs none.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        seconds = run_child(os.path.abspath(__file__), "--child", "karateclub", source, out,
                            str(setting["wl_iterations"]), str(setting["vector_size"]),
                            str(setting["epochs"]), str(seed),
                            str(setting.get("min_count", MIN_COUNT)), str(workers),
                            repr(setting["sample"]),
                            python=python, env=env)["fit_s"]
        shuffled = np.load(out)
        vectors = np.empty_like(shuffled)
        vectors[order] = shuffled  # row i of the shuffled run is graph order[i]
        return vectors, seconds


def child_karateclub(source, out, wl_iterations, dimensions, epochs, seed, min_count, workers,
                     sample):
    """Fit karateclub's Graph2Vec (runs under karateclub's interpreter); print one JSON line."""
    import networkx as nx
    from karateclub import Graph2Vec as KarateGraph2Vec

    with open(source) as f:
        spec = json.load(f)
    graphs = []
    for g in spec:
        graph = nx.Graph()
        graph.add_nodes_from((v, {"feature": x}) for v, x in enumerate(g["labels"]))
        graph.add_edges_from(map(tuple, g["edges"]))
        graphs.append(graph)
    model = KarateGraph2Vec(wl_iterations=wl_iterations, attributed=True, dimensions=dimensions,
                            epochs=epochs, workers=workers, seed=seed, min_count=min_count,
                            down_sampling=sample)
    start = time.perf_counter()
    model.fit(graphs)
    seconds = time.perf_counter() - start
    np.save(out, model.get_embedding())
    print(json.dumps({"fit_s": seconds}))


def _karateclub_python(given):
    for candidate in (given, os.environ.get("KARATECLUB_PYTHON")):
        if candidate:
            if not os.path.exists(candidate):
                raise FileNotFoundError(f"karateclub interpreter {candidate!r} not found")
            return candidate
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--skip-cora", action="store_true")
    parser.add_argument("--skip-mutag", action="store_true")
    parser.add_argument("--grid-p", type=float, nargs="+", default=[0.25, 1.0, 4.0])
    parser.add_argument("--grid-q", type=float, nargs="+", default=[0.25, 1.0, 4.0])
    parser.add_argument("--n2v-splits", type=int, default=5)
    parser.add_argument("--val-fraction", type=float, default=0.3)
    parser.add_argument("--tu", nargs="+", default=["PTC_MR", "PROTEINS", "NCI1"])
    parser.add_argument("--wide", nargs="+", default=["MUTAG"],
                        help="data sets that also get the WL 3 / 1024-dimension setting")
    parser.add_argument("--karateclub-python")
    parser.add_argument("--rbf-max-graphs", type=int, default=1200,
                        help="score embeddings by an RBF SVM too on data sets up to this size")
    parser.add_argument("--select", nargs="*", default=["MUTAG", "PTC_MR"],
                        help="data sets that also get the nested selection of Graph2Vec's "
                             "setting (SELECT_GRID)")
    parser.add_argument("--g2v-settings", nargs="+", choices=list(G2V_NAMED),
                        help="Graph2Vec settings to run (default: all that apply to the data set)")
    parser.add_argument("--g2v-workers", type=int, default=1,
                        help="threads of every library's Graph2Vec fit (1: reproducible)")
    parser.add_argument("--skip-bag", action="store_true", help="no WL-bag row")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        source, out, *numbers, sample = args.child[1:]
        return child_karateclub(source, out, *map(int, numbers), float(sample))
    parts = [p for p in args.parts if not (p == "cora" and args.skip_cora)
             and not (p == "mutag" and args.skip_mutag)]
    karateclub = _karateclub_python(args.karateclub_python)

    from _common import cpu_model

    print(f"CPU: {cpu_model()}; load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if "cora" in parts:
        cora(args.seeds, args.workers, args.splits)
    if "node2vec" in parts:
        node2vec_grid(args.grid_p, args.grid_q, args.workers, args.seeds[0], args.n2v_splits,
                      args.val_fraction)
    names = (["MUTAG"] if "mutag" in parts else []) + (args.tu if "tu" in parts else [])
    for name in names:
        settings = ([G2V_DEFAULTS, G2V_BEST, G2V_ALL_LABELS]
                    + ([G2V_KARATECLUB, G2V_ORIGINAL] if name in args.wide else []))
        if args.g2v_settings:
            settings = [s for s in settings if any(s is G2V_NAMED[n] for n in args.g2v_settings)]
        graph2vec_rows(name, args.seeds, settings, karateclub, args.rbf_max_graphs,
                       karateclub_settings=[s for s in settings if s is not G2V_DEFAULTS],
                       workers=args.g2v_workers, bag=not args.skip_bag)
        if name in args.select:
            selected_rows(name, args.seeds, rbf_max_graphs=args.rbf_max_graphs)
    print(f"\nload average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
