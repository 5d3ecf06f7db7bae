"""Serving benchmark: exact search against HNSW, IVF-Flat and IVF-PQ on real word vectors.

Usage::

    EMBEDLEARN_DATA=/abs/path/to/shared/data python benchmarks/serving.py
        [--queries 1000] [--repeats 2] [--scaling 62500,125000,250000,500000,1000000]
        [--ef-construction 40,200,400] [--confirm-rounds 7] [--keep-scaling]
        [--model fasttext|word2vec] [--vectors path.kv] [--out benchmarks/results/serving.json]

Vectors: every word of the text8 prefix from FastText, the set the issue names (embedlearn
``FastText``, skip-gram, negative 5, 100 dimensions, min_count 1, n-grams 3-6, 5 epochs, 2
workers, seed 1), one vector per distinct word (80,982); ``--model word2vec`` takes embedlearn's
skip-gram Word2Vec with the same settings instead (the vectors of the results before
2026-12-02), and ``--vectors`` any KeyedVectors file. A rare word's FastText vector is mostly the
mean of n-gram rows that other words share, its Word2Vec vector mostly its random start: at the
same efSearch HNSW finds more of the exact neighbours among the FastText vectors. 1,000 randomly
chosen words (seed 0) are held out as queries and the rest indexed, so no query finds itself.
The ground truth is the exact cosine top-10 (FAISS flat scan, checked against a NumPy scan).

Measured per setting: recall@10 against the exact top-10; queries/s on **one thread, one query per
call** (``faiss.omp_set_num_threads(1)``, through ``VectorIndex.search`` as a server would call it),
and **batched** (all queries in one call, 2 threads); build seconds (2 threads) and bytes per vector
(the serialised index divided by the number of vectors). Sweeps: HNSW M in {16, 32} x efConstruction in
``--ef-construction`` (default {40, 200, 400}: FAISS's default, and slower builds that link
better neighbours) x efSearch in {16, 20, 24, 28, 32, 48, 64, 128, 256} (the steps below 32 are
where recall crosses 0.95); IVF-Flat and IVF-PQ (25 codes of 8 bits) with nlist = 4 sqrt(n) and nprobe in
{1, 4, 16, 64, 256}; for IVF-PQ also the recall@10 after re-scoring its top 100 with the exact
vectors (which can stay on disk). Queries/s are the best of ``--repeats`` runs.

Confirmation (``--confirm-rounds``): the three fastest HNSW settings at recall@10 >= 0.95 are
built again and timed back to back with exact search, round by round, so that each ratio
compares the two under the same load (the shared machine's load drifts over a sweep); the table
gives the median and range of the ratios.

Scaling: up to 1,000,000 *passage vectors*, each the mean of the unit word vectors of 10 consecutive
tokens of the text8 prefix, one passage starting at every second token (so neighbours in the text
share 8 tokens); the first n are indexed and 1,000 passages from beyond the first million are the
queries. Exact, HNSW (M 32, efConstruction 40, efSearch 64) and IVF-PQ (nprobe 16) at each n.
``--scaling '' --keep-scaling`` re-runs the sweep only and keeps the scaling rows of the previous
result file, labelled with the date and command that made them.

Prints Markdown tables (with the CPU model) and writes them with the raw numbers to ``--out``.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import shlex
import sys
import time

import numpy as np

from _common import cpu_model, write_result  # shared by every benchmark

EF_SEARCH = (16, 20, 24, 28, 32, 48, 64, 128, 256)
HNSW_M = (16, 32)
NPROBE = (1, 4, 16, 64, 256)


def qps_one_by_one(index, queries, repeats, **params):
    """Best queries/s over ``repeats`` runs, one thread, one query per call."""
    from embedlearn.serving import faiss_threads

    best = 0.0
    with faiss_threads(1):
        index.search(queries[:1], 10, **params)  # warm-up
        for _ in range(repeats):
            start = time.perf_counter()
            for q in queries:
                index.search(q, 10, **params)
            best = max(best, len(queries) / (time.perf_counter() - start))
    return best


def qps_batched(index, queries, repeats, threads=2, **params):
    from embedlearn.serving import faiss_threads

    best, ids = 0.0, None
    with faiss_threads(threads):
        for _ in range(repeats):
            start = time.perf_counter()
            _, ids = index.search(queries, 10, **params)
            best = max(best, len(queries) / (time.perf_counter() - start))
    return best, ids


def timed_build(vectors, threads=2, **kwargs):
    from embedlearn.serving import build_index, faiss_threads

    with faiss_threads(threads):
        start = time.perf_counter()
        index = build_index(vectors, **kwargs)
        return index, time.perf_counter() - start


def word_vectors(args):
    from embedlearn.keyedvectors import KeyedVectors

    if args.vectors:
        return KeyedVectors.load(args.vectors), {"source": args.vectors}, None
    from embedlearn.datasets import TEXT8_PREFIX_TOKENS, load_text8
    from embedlearn.fasttext import FastText
    from embedlearn.word2vec import Word2Vec

    sentences = load_text8(max_tokens=TEXT8_PREFIX_TOKENS)
    model_class = {"fasttext": FastText, "word2vec": Word2Vec}[args.model]
    start = time.perf_counter()
    model = model_class(sentences, vector_size=100, sg=1, negative=5, min_count=1, epochs=5,
                        workers=2, seed=1, progress=False)
    seconds = time.perf_counter() - start
    # Plain vectors (a FastText model's wv computes them from its subword rows).
    kv = KeyedVectors(model.wv.index_to_key, np.array(model.wv.vectors, np.float32))
    info = {"source": f"embedlearn {model_class.__name__} sg=1 negative=5 vector_size=100 "
                      "min_count=1 epochs=5 seed=1 on the text8 prefix (2,139,748 tokens)",
            "model": args.model, "train_seconds": seconds}
    return kv, info, (model, sentences)


def held_out(kv, n_queries):
    """(indexed KeyedVectors, query rows): ``n_queries`` random words (seed 0) held out."""
    from embedlearn.keyedvectors import KeyedVectors

    rng = np.random.default_rng(0)
    held = np.zeros(len(kv), bool)
    held[rng.choice(len(kv), n_queries, replace=False)] = True
    base = KeyedVectors([k for k, h in zip(kv.index_to_key, held) if not h], kv.vectors[~held])
    return base, kv.vectors[held]


def sweep(kv, n_queries, repeats, ef_constructions=(40,)):
    from embedlearn.serving import exact_neighbours, recall_at_k

    base, queries = held_out(kv, n_queries)
    rows = []

    flat, flat_s = timed_build(base, kind="flat")
    exact_qps = qps_one_by_one(flat, queries, repeats)
    exact_batch, truth = qps_batched(flat, queries, repeats)
    _, by_numpy = exact_neighbours(base.vectors, queries, 10)
    agree = recall_at_k(truth, by_numpy)
    rows.append(dict(kind="exact (flat)", label="exact", param="", recall=1.0, qps=exact_qps,
                     qps_batched=exact_batch, build_s=flat_s, bytes_per_vector=flat.bytes_per_vector))
    for M, efc in itertools.product(HNSW_M, ef_constructions):
        index, build_s = timed_build(base, kind="hnsw", M=M, ef_construction=efc)
        for ef in EF_SEARCH:
            qps = qps_one_by_one(index, queries, repeats, ef_search=ef)
            batch, ids = qps_batched(index, queries, repeats, ef_search=ef)
            rows.append(dict(kind="hnsw", label=f"HNSW M={M} efC={efc}",
                             param=f"M={M}, efConstruction={efc}, efSearch={ef}",
                             M=M, ef_construction=efc, ef_search=ef,
                             recall=recall_at_k(ids, truth), qps=qps, qps_batched=batch,
                             build_s=build_s, bytes_per_vector=index.bytes_per_vector))
    for kind, label in (("ivf", "IVF-Flat"), ("ivfpq", "IVF-PQ 25x8")):
        index, build_s = timed_build(base, kind=kind, pq_m=25 if kind == "ivfpq" else None)
        for nprobe in NPROBE:
            qps = qps_one_by_one(index, queries, repeats, nprobe=nprobe)
            batch, ids = qps_batched(index, queries, repeats, nprobe=nprobe)
            rows.append(dict(kind=kind, label=label, param=f"nlist={index.params['nlist']}, "
                             f"nprobe={nprobe}", nprobe=nprobe, nlist=index.params["nlist"],
                             recall=recall_at_k(ids, truth), qps=qps, qps_batched=batch,
                             build_s=build_s, bytes_per_vector=index.bytes_per_vector))
            if kind == "ivfpq":
                rows[-1]["recall_reranked"] = reranked_recall(index, base, queries, truth, nprobe)
    return rows, {"indexed": len(base), "queries": int(n_queries), "flat_vs_numpy_recall": agree}


def reranked_recall(index, base, queries, truth, nprobe, candidates=100):
    """recall@10 when IVF-PQ's top-100 are re-scored with the exact vectors (kept on disk in a
    real deployment: 100 rows read per query) and the best 10 kept."""
    from embedlearn.serving import recall_at_k

    _, cand = index.search(queries, candidates, nprobe=nprobe)
    unit = base.get_normed_vectors()
    q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    best = np.full((len(q), 10), -1, np.int64)  # -1: fewer than 10 candidates (few cells probed)
    for i, row in enumerate(cand):
        row = row[row >= 0]
        top = row[np.argsort(-(unit[row] @ q[i]), kind="stable")[:10]]
        best[i, :len(top)] = top
    return recall_at_k(best, truth)


def passage_vectors(kv, model_and_text, count):
    """Means of the unit vectors of 10 consecutive tokens, one passage per 2 tokens."""
    from embedlearn.corpus import encode

    model, sentences = model_and_text
    tokens = encode(sentences, model.vocab).tokens
    unit = kv.get_normed_vectors()
    starts = np.arange(0, len(tokens) - 10, 2)[:count]
    out = np.empty((len(starts), kv.vector_size), np.float32)
    for lo in range(0, len(starts), 100_000):
        s = starts[lo:lo + 100_000]
        acc = np.zeros((len(s), kv.vector_size), np.float32)
        for j in range(10):
            acc += unit[tokens[s + j]]
        out[lo:lo + len(s)] = acc / 10
    return out


def scaling(kv, model_and_text, sizes, repeats):
    from embedlearn.serving import recall_at_k

    largest = max(sizes)
    passages = passage_vectors(kv, model_and_text, largest + 60_000)
    if len(passages) < largest + 1000:
        raise SystemExit(f"only {len(passages)} passages: the largest size must leave 1,000 queries")
    rng = np.random.default_rng(0)
    queries = passages[largest + rng.choice(len(passages) - largest, 1000, replace=False)]
    rows = []
    for n in sizes:
        base = passages[:n]
        flat, _ = timed_build(base, kind="flat")
        exact_qps = qps_one_by_one(flat, queries[:200], repeats)
        _, truth = qps_batched(flat, queries, 1)
        hnsw, hnsw_s = timed_build(base, kind="hnsw", M=32, ef_construction=40)
        hnsw_qps = qps_one_by_one(hnsw, queries, repeats, ef_search=64)
        _, h_ids = qps_batched(hnsw, queries, 1, ef_search=64)
        pq, pq_s = timed_build(base, kind="ivfpq", pq_m=25)
        pq_qps = qps_one_by_one(pq, queries, repeats, nprobe=16)
        _, p_ids = qps_batched(pq, queries, 1, nprobe=16)
        rows.append(dict(n=n, exact_qps=exact_qps, exact_bytes=flat.bytes_per_vector,
                         hnsw_build_s=hnsw_s, hnsw_qps=hnsw_qps, hnsw_recall=recall_at_k(h_ids, truth),
                         hnsw_bytes=hnsw.bytes_per_vector, ivfpq_build_s=pq_s, ivfpq_qps=pq_qps,
                         ivfpq_recall=recall_at_k(p_ids, truth), ivfpq_bytes=pq.bytes_per_vector,
                         nlist=pq.params["nlist"]))
        print(f"  n={n:,}: exact {exact_qps:.0f} q/s, HNSW {hnsw_qps:.0f} q/s recall "
              f"{rows[-1]['hnsw_recall']:.3f} (build {hnsw_s:.0f} s), IVF-PQ {pq_qps:.0f} q/s "
              f"recall {rows[-1]['ivfpq_recall']:.3f}", flush=True)
        del flat, hnsw, pq
    return rows


def confirm(kv, n_queries, sweep_rows, rounds, top=3, min_recall=0.95):
    """Re-measure the ``top`` fastest HNSW settings of the sweep at recall >= ``min_recall``.

    The sweep measures exact search once and each setting minutes later; on a shared machine the
    load drifts in between. Here each setting's index is built again (a 2-thread build differs
    from run to run, so its recall is measured again) and every round times exact search and
    the index back to back (one pass of the queries each, one thread), so each round's ratio
    compares the two under the same load.
    """
    from embedlearn.serving import recall_at_k

    base, queries = held_out(kv, n_queries)
    flat, _ = timed_build(base, kind="flat")
    _, truth = qps_batched(flat, queries, 1)
    fast = sorted((r for r in sweep_rows if r["kind"] == "hnsw" and r["recall"] >= min_recall),
                  key=lambda r: -r["qps"])[:top]
    rows = []
    for r in fast:
        index, _ = timed_build(base, kind="hnsw", M=r["M"], ef_construction=r["ef_construction"])
        _, ids = qps_batched(index, queries, 1, ef_search=r["ef_search"])
        exact, approx = [], []
        for _ in range(rounds):
            exact.append(qps_one_by_one(flat, queries, 1))
            approx.append(qps_one_by_one(index, queries, 1, ef_search=r["ef_search"]))
        ratios = sorted(a / e for a, e in zip(approx, exact))
        rows.append(dict(param=r["param"], M=r["M"], ef_construction=r["ef_construction"],
                         ef_search=r["ef_search"], recall=recall_at_k(ids, truth),
                         exact_qps=exact, hnsw_qps=approx, ratios=ratios))
        print(f"  {r['param']}: recall {rows[-1]['recall']:.4f}, x exact per round "
              f"{', '.join(f'{x:.1f}' for x in ratios)}", flush=True)
    return rows


def tables(result) -> str:
    lines = [f"CPU: {result['cpu']}. Vectors: {result['vectors']['source']}; "
             f"{result['sweep_info']['indexed']:,} indexed, {result['sweep_info']['queries']:,} "
             "held-out queries. Queries/s: one thread, one query per call (best of "
             f"{result['repeats']}); batched: all queries in one call, 2 threads.", "",
             "| index | setting | recall@10 | queries/s (1 thread) | × exact | queries/s (batched, 2 threads) "
             "| build s | bytes/vector |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    exact = result["sweep"][0]["qps"]
    for r in result["sweep"]:
        rerank = f" ({r['recall_reranked']:.4f} re-ranked)" if "recall_reranked" in r else ""
        lines.append(f"| {r['label']} | {r['param']} | {r['recall']:.4f}{rerank} | {r['qps']:,.0f} | "
                     f"{r['qps'] / exact:.1f} | {r['qps_batched']:,.0f} | {r['build_s']:.1f} | "
                     f"{r['bytes_per_vector']:.0f} |")
    if result.get("confirm"):
        lines += ["", f"Confirmation: the {len(result['confirm'])} fastest HNSW settings above at "
                  "recall@10 >= 0.95, each index built again and timed back to back with exact "
                  "search in each round (one pass of the queries each, one thread):", "",
                  "| setting | recall@10 (rebuilt) | × exact: median | min | max | rounds |",
                  "|---|---:|---:|---:|---:|---:|"]
        for r in result["confirm"]:
            x = r["ratios"]
            lines.append(f"| {r['param']} | {r['recall']:.4f} | {float(np.median(x)):.1f} | "
                         f"{x[0]:.1f} | {x[-1]:.1f} | {len(x)} |")
    if result.get("scaling"):
        kept = result.get("scaling_from")
        origin = (f" Measured in an earlier run ({kept['date']}: `{kept['command']}`)."
                  if kept else "")
        lines += ["", "Scaling (passage vectors, see the docstring): HNSW M=32 efConstruction=40 "
                  "efSearch=64, IVF-PQ 25x8 nprobe=16; queries/s on one thread, one query per "
                  "call." + origin, "",
                  "| n | exact q/s | HNSW q/s | HNSW recall@10 | HNSW build s | HNSW bytes/vec "
                  "| IVF-PQ q/s | IVF-PQ recall@10 | IVF-PQ build s | IVF-PQ bytes/vec |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in result["scaling"]:
            lines.append(f"| {r['n']:,} | {r['exact_qps']:,.0f} | {r['hnsw_qps']:,.0f} | "
                         f"{r['hnsw_recall']:.4f} | {r['hnsw_build_s']:.1f} | {r['hnsw_bytes']:.0f} | "
                         f"{r['ivfpq_qps']:,.0f} | {r['ivfpq_recall']:.4f} | {r['ivfpq_build_s']:.1f} | "
                         f"{r['ivfpq_bytes']:.0f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--scaling", default="62500,125000,250000,500000,1000000",
                        help="comma-separated sizes for the scaling curve ('' to skip)")
    parser.add_argument("--ef-construction", default="40,200,400",
                        help="comma-separated HNSW efConstruction values of the sweep")
    parser.add_argument("--keep-scaling", action="store_true",
                        help="with --scaling '': keep the scaling rows of the --out file, "
                             "labelled with their own date and command")
    parser.add_argument("--confirm-rounds", type=int, default=7,
                        help="rounds of the back-to-back re-measurement of the fastest settings "
                             "at recall >= 0.95 (0 to skip)")
    parser.add_argument("--model", choices=("fasttext", "word2vec"), default="fasttext",
                        help="the model whose word vectors are indexed (default: FastText)")
    parser.add_argument("--vectors", help="a KeyedVectors file (KeyedVectors.save) instead of "
                                          "training a model")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                      "results", "serving.json"))
    args = parser.parse_args()
    started = time.perf_counter()
    kv, info, model_and_text = word_vectors(args)
    print(f"vectors: {len(kv):,} x {kv.vector_size} ({info['source']})", flush=True)
    ef_constructions = [int(s) for s in args.ef_construction.split(",") if s]
    rows, sweep_info = sweep(kv, args.queries, args.repeats, ef_constructions)
    confirmed = confirm(kv, args.queries, rows, args.confirm_rounds) if args.confirm_rounds else []
    sizes = [int(s) for s in args.scaling.split(",") if s]
    if sizes and model_and_text is None:
        print("scaling skipped: passage vectors need the text (omit --vectors)")
        sizes = []
    scale_rows = scaling(kv, model_and_text, sizes, args.repeats) if sizes else []
    scaling_from = None
    if args.keep_scaling and not sizes and os.path.exists(args.out):
        with open(args.out) as f:
            previous = json.load(f)
        scale_rows = previous.get("scaling", [])
        scaling_from = previous.get("scaling_from") or {"date": previous["date"],
                                                        "command": previous["command"]}
    import faiss

    result = {"command": "EMBEDLEARN_DATA=/abs/path/to/shared/data python benchmarks/serving.py "
                         + shlex.join(sys.argv[1:]),
              "cpu": cpu_model(), "date": time.strftime("%Y-%m-%d"), "faiss": faiss.__version__,
              "repeats": args.repeats, "vectors": info, "sweep_info": sweep_info, "sweep": rows,
              "confirm": confirmed, "scaling": scale_rows, "scaling_from": scaling_from, "seconds": time.perf_counter() - started}
    result["markdown"] = tables(result)
    write_result(result, args.out)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    main()
