"""BlogCatalog random walks (embedlearn vs PecanPy), skip-gram on them (vs gensim), MUTAG's WL bag.

Usage::

    EMBEDLEARN_DATA=../shared/data python benchmarks/walks.py [--workers 2] [--repeats 2]
        [--splits 10] [--pecanpy-python PATH] [--no-pecanpy] [--skip-walks] [--skip-skipgram]
        [--skip-mutag]

Skip-gram only (about 6 minutes on 2 cores): ``--skip-walks --skip-mutag``.

Walks: BlogCatalog (10,312 nodes, 333,983 edges), 10 walks of 80 nodes from every node, DeepWalk
(p = q = 1) and node2vec (p = 0.25, q = 4). Both tools read the same edge file
(``blogcatalog/edges.csv``). PecanPy's ``walk_length`` counts steps (its walks hold
``walk_length + 1`` nodes, PecanPy#243), so it is given 79 to produce 80-node walks. PecanPy runs
its modes ``FirstOrderUnweighted`` (DeepWalk) and ``SparseOTF`` (node2vec, its default), with
``NUMBA_NUM_THREADS`` = workers (its ``workers`` argument is unused).

Every measurement runs in a fresh process: the graph is read, the walks are generated once to
warm up (numba compiles PecanPy's closures in every new process; embedlearn loads its cached
kernels), then timed ``--repeats`` times; the best time is reported, wall-clock and CPU (user +
system over all threads, less sensitive to the load of a shared machine). "peak RSS" is the
high-water mark of the whole process (graph, walks, numba). PecanPy's time is given for
``simulate_walks`` (including its mapping of every walk to a list of str) and for its numba walk
kernel alone.
With PecanPy the whole run takes 10-20 minutes on 2 cores (its SparseOTF walks take minutes);
``--no-pecanpy`` skips it.

PecanPy pins numpy < 2 (through nptyping), so it lives in its own virtual environment::

    python -m venv /tmp/pecanpy-venv && /tmp/pecanpy-venv/bin/pip install pecanpy

and is found through ``--pecanpy-python`` or ``$PECANPY_PYTHON`` (default
``/tmp/pecanpy-venv/bin/python``, else the current interpreter if it imports pecanpy).

Skip-gram: DeepWalk walks (p = q = 1) trained by embedlearn's ``Node2Vec`` and by gensim's
``Word2Vec`` with the same settings (:data:`SKIPGRAM`: sg=1, 128 dimensions, window 10, 1
epoch, negative 5, ``sample=1e-3`` for both, every node kept), ``--repeats`` runs each, run
``r`` in a fresh process with seed ``r`` for the walks and the model (both tools get the same
walks); train seconds are the ``train`` call alone (the same callback in both), peak RSS the
process's. gensim gets the walks as lists of str, as PecanPy gives them. Every run's vectors are
scored as :func:`embedlearn.evaluation.node_classification` does (one-vs-rest logistic
regression, each node given its k best groups, 50% labelled, ``--splits`` random splits, the
same for every run), so the F1 spread covers training as well as the splits.

MUTAG: bag of WL labels (h = 3, atom types as iteration-0 labels) + LinearSVC and logistic
regression, 10-fold stratified CV with C chosen by inner 5-fold CV (the issue cites 84.4%).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

from _common import cpu_model, run_child  # shared by every benchmark

SETTINGS = {"deepwalk": (1.0, 1.0), "node2vec": (0.25, 4.0)}
NUM_WALKS, WALK_LENGTH = 10, 80
#: Skip-gram on the walks, the same for embedlearn and gensim: node2vec's reference settings
#: (negative sampling, gensim's default subsampling 1e-3, as node2vec's and PecanPy's code).
SKIPGRAM = dict(vector_size=128, window=10, epochs=1, negative=5, sample=1e-3)


def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _timed(fn, repeats):
    """Warm up once, then the best wall-clock and CPU seconds (all threads) of ``repeats`` calls.

    CPU seconds depend much less on the load of a shared machine than wall-clock seconds.
    """
    import gc

    result = fn()
    del result
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeats):
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        del result
    return best, best_cpu


def child_embedlearn(setting, edges, workers, repeats, backend):
    """Time embedlearn's walks; print one JSON line."""
    from embedlearn.graphs import Graph, Walker, node2vec_table_bytes

    p, q = SETTINGS[setting]
    start = time.perf_counter()
    graph = Graph.from_edgelist(edges, delimiter=",")
    read_s = time.perf_counter() - start
    walker = Walker(graph, p, q)
    walker.check()
    n = graph.n_nodes
    stats = {}

    def run():
        corpus = walker.walks(WALK_LENGTH, 0, NUM_WALKS * n, seed=1, workers=workers,
                              backend=backend)
        stats["tokens"] = len(corpus.tokens)
        stats["walks"] = corpus.n_sentences
        return corpus

    seconds, cpu = _timed(run, repeats)
    print(json.dumps({"seconds": seconds, "cpu_s": cpu, "read_s": read_s,
                      "process_peak_mb": _status_kb("VmHWM") / 1024, **stats,
                      "nodes": n, "edges": graph.n_edges,
                      "table_gb": node2vec_table_bytes(graph) / 2**30}))


def child_pecanpy(setting, edges, repeats):
    """Time PecanPy's walks (run under its own interpreter); print one JSON line."""
    import resource  # noqa: F401  (Linux only, as /proc)

    from pecanpy import pecanpy as pp

    p, q = SETTINGS[setting]
    mode = pp.FirstOrderUnweighted if setting == "deepwalk" else pp.SparseOTF
    g = mode(p=p, q=q, workers=1, verbose=False, random_state=1)
    start = time.perf_counter()
    g.read_edg(edges, weighted=False, directed=False, delimiter=",")
    read_s = time.perf_counter() - start
    kernel = {"seconds": []}
    original = g._random_walks

    def timed_kernel(*args):
        t = time.perf_counter()
        out = original(*args)
        kernel["seconds"].append(time.perf_counter() - t)
        return out

    g._random_walks = timed_kernel
    stats = {}

    def run():
        walks = g.simulate_walks(num_walks=NUM_WALKS, walk_length=WALK_LENGTH - 1)
        stats["walks"] = len(walks)
        stats["tokens"] = sum(len(w) for w in walks)
        return walks

    seconds, cpu = _timed(run, repeats)
    print(json.dumps({"seconds": seconds, "cpu_s": cpu,
                      "kernel_seconds": min(kernel["seconds"][1:]),
                      "read_s": read_s,
                      "process_peak_mb": _status_kb("VmHWM") / 1024, **stats}))


def wl_bag(name, iterations=3, seed=1, classifiers=("svm", "logreg")):
    """The bag-of-WL-labels baseline of a TU data set, by LinearSVC and logistic regression.

    Node labels of the file as iteration-0 labels, ``iterations`` WL relabellings; 10-fold
    stratified CV with C chosen by inner 5-fold CV (:func:`embedlearn.evaluation.
    graph_classification`). ``benchmarks/graphs.py`` imports it for its TU rows.

    Returns
    -------
    dict
        ``wl_s``, ``graphs``, ``words`` and, for each of ``classifiers`` (``"svm"``,
        ``"logreg"``), the mean and sd over folds, the fold range, the CV seconds and the count
        of liblinear convergence warnings.
    """
    import warnings

    from embedlearn.datasets import load_tu_dataset
    from embedlearn.evaluation import graph_classification
    from embedlearn.graphs import weisfeiler_lehman

    data = load_tu_dataset(name)
    weisfeiler_lehman(data.graphs[:2], iterations=iterations, node_label="label")  # warm up
    start = time.perf_counter()
    docs = weisfeiler_lehman(data.graphs, iterations=iterations, node_label="label")
    wl_s = time.perf_counter() - start
    out = {"wl_s": wl_s, "graphs": docs.corpus.n_sentences, "words": docs.n_words}
    for clf in classifiers:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            start = time.perf_counter()
            res = graph_classification(docs.bags(), data.labels, folds=10, classifier=clf,
                                       seed=seed)
        out[clf] = {"mean": res.mean, "sd": res.sd, "fold_min": float(res.accuracies.min()),
                    "fold_max": float(res.accuracies.max()), "seconds": time.perf_counter() - start,
                    "convergence_warnings": sum("converge" in str(w.message) for w in caught)}
    return out


def child_wl_bag(name):
    """:func:`wl_bag` of ``name`` (h = 3); print one JSON line."""
    print(json.dumps(wl_bag(name)))


class _TrainClock:
    """Wall-clock and CPU seconds of one ``train`` call: embedlearn and gensim both call these
    hooks around their training loop only (the vocabulary and the tables are built before)."""

    def on_train_begin(self, model):
        self.start, self.cpu = time.perf_counter(), time.process_time()

    def on_train_end(self, model):
        self.seconds = time.perf_counter() - self.start
        self.cpu_s = time.process_time() - self.cpu

    def on_epoch_begin(self, model):  # gensim calls every hook
        pass

    def on_epoch_end(self, model):
        pass


def child_skipgram(tool, edges, workers, out, seed=1):
    """Skip-gram on BlogCatalog's DeepWalk walks, by embedlearn or gensim; print one JSON line.

    Both train on the same walks (:class:`~embedlearn.graphs.Walker`, p = q = 1, seed ``seed``,
    the walks :meth:`~embedlearn.graphs.Node2Vec.fit` makes) with :data:`SKIPGRAM` and the same
    ``seed`` for the model. The vectors are
    saved to ``out`` (``.npy``, row ``k`` = the node of file id ``k + 1``) and scored by the
    parent, so the peak RSS here is the graph, the walks and the model.
    """
    import numpy as np

    from embedlearn.graphs import Graph, Node2Vec, Walker

    graph = Graph.from_edgelist(edges, delimiter=",")
    n = graph.n_nodes
    clock = _TrainClock()
    if tool == "embedlearn":
        kwargs = dict(p=1.0, q=1.0, workers=workers, seed=seed, progress=False, **SKIPGRAM)
        # Load the cached numba kernels on a toy graph first (gensim has nothing to load).
        Node2Vec(Graph.from_edges([0, 1, 2], [1, 2, 3]), num_walks=2, walk_length=5, **kwargs)
        start = time.perf_counter()
        model = Node2Vec(num_walks=NUM_WALKS, walk_length=WALK_LENGTH, callbacks=[clock],
                         **kwargs).fit(graph)
        fit_s = time.perf_counter() - start
        vectors = model.get_embedding()
    else:
        from gensim.models import Word2Vec

        start = time.perf_counter()
        walks = Walker(graph).walks(WALK_LENGTH, 0, NUM_WALKS * n, seed=seed, workers=workers)
        names = [str(i) for i in range(n)]
        tokens, offsets = walks.tokens.tolist(), walks.offsets.tolist()
        sentences = [[names[t] for t in tokens[a:b]] for a, b in zip(offsets, offsets[1:])]
        model = Word2Vec(sentences, min_count=0, sg=1, hs=0, workers=workers, seed=seed,
                         callbacks=[clock], **SKIPGRAM)
        fit_s = time.perf_counter() - start
        vectors = model.wv[names]
    by_file_id = np.empty_like(vectors)
    by_file_id[np.asarray(graph.nodes) - 1] = vectors
    np.save(out, by_file_id)
    print(json.dumps({"train_s": clock.seconds, "train_cpu_s": clock.cpu_s,
                      "other_s": fit_s - clock.seconds,
                      "process_peak_mb": _status_kb("VmHWM") / 1024, "nodes": n}))


def skipgram(edges, env, workers, repeats, splits):
    """Train both tools ``repeats`` times, each in a fresh process with seed 1, 2, ...; score
    every run's vectors on the same ``splits`` splits."""
    import tempfile

    import numpy as np

    from embedlearn.datasets import load_blogcatalog
    from embedlearn.evaluation import node_classification

    labels = load_blogcatalog().labels
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for tool in ("embedlearn", "gensim"):
            runs, results = [], []
            for seed in range(1, repeats + 1):
                path = os.path.join(tmp, f"{tool}-{seed}.npy")
                runs.append(_run(sys.executable, "skipgram", tool, edges, str(workers), path,
                                 str(seed), env=env))
                results.append(node_classification(np.load(path), labels, train_fractions=(0.5,),
                                                   repeats=splits, seed=1))
            rows.append((tool, runs, results))
    return rows


def _run(python, *args, env=None):
    return run_child(__file__, "--child", *args, python=python, env=env)


def _pecanpy_python(given):
    candidates = [given, os.environ.get("PECANPY_PYTHON"), "/tmp/pecanpy-venv/bin/python"]
    for c in candidates:
        if c and os.path.exists(c):
            return c
    try:
        import pecanpy  # noqa: F401

        return sys.executable
    except ImportError:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--splits", type=int, default=10,
                        help="random 50%% splits scoring the skip-gram vectors")
    parser.add_argument("--pecanpy-python")
    parser.add_argument("--skip-walks", action="store_true")
    parser.add_argument("--skip-skipgram", action="store_true")
    parser.add_argument("--skip-mutag", action="store_true")
    parser.add_argument("--no-pecanpy", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, rest = args.child[0], args.child[1:]
        if kind == "embedlearn":
            return child_embedlearn(rest[0], rest[1], int(rest[2]), int(rest[3]), rest[4])
        if kind == "pecanpy":
            return child_pecanpy(rest[0], rest[1], int(rest[2]))
        if kind == "skipgram":
            return child_skipgram(rest[0], rest[1], int(rest[2]), rest[3], int(rest[4]))
        return child_wl_bag(rest[0])

    from embedlearn.datasets import fetch

    edges = str(fetch("blogcatalog") / "edges.csv")
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, PYTHONPATH=os.path.join(here, "..") + os.pathsep +
               os.environ.get("PYTHONPATH", ""), NUMBA_NUM_THREADS=str(args.workers))
    w, r = str(args.workers), str(args.repeats)
    pecan = None if args.no_pecanpy else _pecanpy_python(args.pecanpy_python)
    rows = []
    if not args.skip_walks:
        _run(sys.executable, "embedlearn", "node2vec", edges, w, "1", "threads", env=env)  # cache
        for setting in SETTINGS:
            for backend in ("threads", "prange"):
                rows.append((setting, f"embedlearn ({backend})",
                             _run(sys.executable, "embedlearn", setting, edges, w, r, backend,
                                  env=env)))
            if pecan:
                mode = "FirstOrderUnweighted" if setting == "deepwalk" else "SparseOTF"
                rows.append((setting, f"PecanPy {mode}",
                             _run(pecan, "pecanpy", setting, edges, r, env=env)))
    sg = None if args.skip_skipgram else skipgram(edges, env, args.workers, args.repeats,
                                                  args.splits)
    mutag = None if args.skip_mutag else _run(sys.executable, "wlbag", "MUTAG", env=env)

    print(f"\nCPU: {cpu_model()}; workers {args.workers}; load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} (a shared machine: times vary)")
    if rows:
        _print_walks(rows, args.repeats, pecan, args.no_pecanpy)
    if sg:
        _print_skipgram(sg, args.repeats, args.splits)
    if mutag:
        print(f"\nMUTAG ({mutag['graphs']} graphs): WL bag of labels, h = 3, {mutag['words']:,} "
              f"distinct labels (WL in {mutag['wl_s']:.2f} s); 10-fold stratified CV, C by inner "
              "5-fold CV; mean ± sd over folds (issue's karateclub-like figure: 84.4%).\n")
        print(wl_bag_table(mutag))


def _print_walks(rows, repeats, pecan, no_pecanpy):
    first = rows[0][2]
    print(f"\nBlogCatalog: {first['nodes']:,} nodes, {first['edges']:,} edges; {NUM_WALKS} walks "
          f"x {WALK_LENGTH} nodes from every node. Best of {repeats} warm runs.\n")
    print("| walks | implementation | seconds | CPU s | kernel s | peak RSS MB | read edges s "
          "| walks x nodes |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for setting, name, m in rows:
        p, q = SETTINGS[setting]
        label = "DeepWalk (p = q = 1)" if setting == "deepwalk" else f"node2vec (p={p}, q={q})"
        kernel = f"{m['kernel_seconds']:.2f}" if "kernel_seconds" in m else "="
        print(f"| {label} | {name} | {m['seconds']:.2f} | {m['cpu_s']:.2f} | {kernel} | "
              f"{m['process_peak_mb']:.0f} | {m['read_s']:.1f} | "
              f"{m['walks']:,} x {m['tokens'] // m['walks']} |")
    if not pecan and not no_pecanpy:
        print("\n(PecanPy not found: see the module docstring to install it.)")
    print(f"\nIssue targets: node2vec walks <= 10 s at <= 1 GiB peak RSS, DeepWalk walks <= 2 s. "
          f"node2vec's precomputed second-order alias tables (original code, PecanPy PreComp) "
          f"would take {first['table_gb']:.2f} GiB here; embedlearn builds none.")


def _print_skipgram(rows, repeats, splits):
    import numpy as np

    sg = ", ".join(f"{k} {v}" for k, v in SKIPGRAM.items())
    print(f"\nBlogCatalog skip-gram on the same DeepWalk walks ({NUM_WALKS} x {WALK_LENGTH}, "
          f"p = q = 1): sg=1, {sg}, every node kept (gensim min_count=0). {repeats} runs, each in "
          f"a fresh process with its own seed (walks and model; both tools get the same walks), "
          "best time of the runs; train s = the train() call alone (wall, CPU over all "
          "threads); other s = walks + vocabulary (+ gensim's str walks). F1: each run's "
          f"vectors, one-vs-rest logistic regression, 50% labelled, the same {splits} random "
          "splits; mean ± sd over runs of each run's mean over splits, then the mean sd over "
          "splits in brackets (issue: Macro-F1 0.218 with gensim, published node2vec "
          "0.258).\n")
    print("| implementation | train s | train CPU s | other s | peak RSS MB | Micro-F1 "
          "| Macro-F1 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    best = {}
    for tool, runs, results in rows:
        m = min(runs, key=lambda x: x["train_s"])
        best[tool] = m["train_s"]
        scores = np.array([res.summary()[0][1:] for res in results])  # (runs, 4)
        (mi, ma), (mi_sd, ma_sd) = scores[:, [0, 2]].mean(0), scores[:, [0, 2]].std(0)
        split_mi, split_ma = scores[:, 1].mean(), scores[:, 3].mean()
        name = "embedlearn Node2Vec" if tool == "embedlearn" else "gensim Word2Vec"
        print(f"| {name} | {m['train_s']:.1f} | {m['train_cpu_s']:.1f} | {m['other_s']:.1f} | "
              f"{max(x['process_peak_mb'] for x in runs):.0f} | {mi:.3f} ± {mi_sd:.3f} "
              f"({split_mi:.3f}) | {ma:.3f} ± {ma_sd:.3f} ({split_ma:.3f}) |")
        print(f"|   per run (Macro-F1) | | | | | | "
              f"{', '.join(f'{x:.3f}' for x in scores[:, 2])} |")
    print(f"\nembedlearn trains {best['gensim'] / best['embedlearn']:.2f}x gensim's speed "
          "(issue target: >= 1.25x); peak RSS: the largest of the runs.")


def wl_bag_table(result):
    """:func:`wl_bag`'s result as a Markdown table (one row per classifier)."""
    lines = ["| classifier | accuracy % | fold min-max % | CV seconds |", "|---|---:|---:|---:|"]
    for clf, name in (("svm", "LinearSVC"), ("logreg", "logistic regression")):
        m = result[clf]
        note = (f" ({m['convergence_warnings']} liblinear convergence warnings at large C)"
                if m["convergence_warnings"] else "")
        lines.append(f"| {name}{note} | {100 * m['mean']:.1f} ± {100 * m['sd']:.1f} | "
                     f"{100 * m['fold_min']:.0f}-{100 * m['fold_max']:.0f} | "
                     f"{m['seconds']:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    main()
