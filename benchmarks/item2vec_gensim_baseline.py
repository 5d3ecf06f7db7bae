"""Item2Vec baseline: gensim Word2Vec as the trainer vs the set-context kernel, MovieLens 100K.

Usage::

    EMBEDLEARN_DATA=../shared/data python benchmarks/item2vec_gensim_baseline.py
        [--seeds 1,2,3] [--exponents 0.75,-0.5] [--kernels 0:0.025,20:0.1,30:0.1]
        [--epochs 20] [--workers 2] [--split test|validation] [--no-gensim]
    EMBEDLEARN_DATA=../shared/data python benchmarks/item2vec_gensim_baseline.py --cold-start
        [--seeds 1,2,3] [--cold-kernel 20:0.1]

Protocol (the Item2Vec issue): per user the movies rated >= 4 in time order (ties in file
order, :func:`embedlearn.recsys.movielens_sequences`), the last one held out
(:func:`~embedlearn.recsys.leave_last_out`); a model sees the training sets, each user's
history is their training set, seen items are never recommended, and items are ranked by cosine
to the mean of the history's unit vectors (:class:`~embedlearn.recsys.VectorRecommender`).
HitRate@10 is the share of users whose held-out movie is in their top 10. ``--split validation``
holds out the second-to-last item instead (the last one is then not used at all): tune there.

Trainers, all with vector_size 64, negative 5, min_count 1, sample 1e-3 (gensim's default),
alpha 0.025 -> 0.0001, 20 epochs, 2 workers:

* **gensim**: ``Word2Vec(sg=1, window=<longest set>, ...)`` over the sets in time order (gensim's
  default ``shrink_windows=True`` draws a reduced window per position, so long sets lose some far
  pairs);
* **kernel**: a plain loop (no model class yet) of :func:`embedlearn.kernels.sets.train_sets_job`
  over the same sets, on fresh gensim-style random weights, for each ``cap:alpha`` of
  ``--kernels``: ``cap`` is ``max_context`` (0: every ordered pair of every set once per epoch)
  and ``alpha`` the initial learning rate (``0:0.025`` is gensim's settings; the capped ones
  were chosen on ``--split validation``, where cap 20-30 with alpha 0.1 matched the uncapped
  HitRate@10 with a quarter of the steps, while cap 10-20 at alpha 0.025-0.05 fell far below);
* **popularity**: :class:`~embedlearn.recsys.PopularityRecommender`.

``--cold-start`` prints the item cold-start table instead: items dealt into 5 folds
(:func:`~embedlearn.recsys.cold_start_split`); per fold every interaction with its items is
removed before training, their vectors come from content (genre and decade one-hots, mean title
word vector from a Word2Vec trained on the text8 prefix) through the ridge map
(:func:`~embedlearn.recsys.fit_content_map`), and users whose held-out item is in the fold get 10
of the fold's items; the popularity row ranks the same items by their counts in the full data.

Every run is a fresh subprocess; quality and train seconds are the mean ± sd over the seeds. Prints
a Markdown table with the CPU model.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from _common import run_child

PARAMS = dict(vector_size=64, negative=5, min_count=1, sample=1e-3, alpha=0.025, min_alpha=1e-4)


def load_split(split):
    from embedlearn.recsys import leave_last_out, movielens_sequences

    test = leave_last_out(movielens_sequences("ml-100k"))
    if split == "test":
        return test
    return leave_last_out(test.train_sets)


def evaluate(vectors, split):
    from embedlearn.evaluation import hit_rate_at_k, ndcg_at_k
    from embedlearn.recsys import VectorRecommender

    rec = VectorRecommender(vectors).recommend(split.histories, 10)
    return hit_rate_at_k(rec, split.heldout, 10), ndcg_at_k(rec, split.heldout, 10)


def run_gensim(split, exponent, seed, epochs, workers):
    from gensim.models import Word2Vec

    sets = [[str(i) for i in s] for s in split.train_sets]
    start = time.perf_counter()
    model = Word2Vec(sets, sg=1, window=max(map(len, sets)), ns_exponent=exponent, seed=seed,
                     epochs=epochs, workers=workers, **PARAMS)
    seconds = time.perf_counter() - start
    split = split._replace(histories=[[str(i) for i in h] for h in split.histories],
                           heldout=[str(i) for i in split.heldout])
    return seconds, *evaluate(model.wv, split)


def train_kernel(sets, exponent, seed, epochs, workers, max_context, job_pairs=200_000,
                 alpha=PARAMS["alpha"], sample=PARAMS["sample"]):
    """A bare training loop over the kernel: what an Item2Vec class would orchestrate."""
    import numpy as np

    from embedlearn import training
    from embedlearn.kernels.sets import pairs_per_set, train_sets_job
    from embedlearn.recsys import scan_sets
    from embedlearn.vocab import Vocabulary

    scanned = scan_sets(sets)
    vocab = Vocabulary.from_counts(scanned.keys, scanned.counts, min_count=PARAMS["min_count"])
    corpus = scanned.corpus.remap(vocab.lookup(scanned.keys))
    keep = vocab.keep_probabilities(sample)
    cdf = vocab.noise_cdf(exponent)
    V, N = len(vocab), PARAMS["vector_size"]
    rng = np.random.default_rng(seed)
    W_in = ((rng.random((V, N), dtype=np.float32) - 0.5) / N).astype(np.float32)  # as gensim
    W_out = np.zeros((V, N), np.float32)
    no_visits = np.zeros((0, 0), np.int64)
    # Jobs of about job_pairs steps: a set's cost is quadratic in its size.
    cum = np.cumsum(pairs_per_set(corpus.offsets, max_context))
    cuts = np.searchsorted(cum, np.arange(job_pairs, cum[-1], job_pairs), side="right")
    bounds = np.unique(np.r_[0, cuts, corpus.n_sentences])
    jobs = list(enumerate(zip(bounds[:-1], bounds[1:])))
    n_items = len(corpus.tokens)
    total = n_items * epochs
    a0, a1 = alpha, PARAMS["min_alpha"]

    def alpha(epoch, s):
        return a0 + (a1 - a0) * (epoch * n_items + corpus.offsets[s]) / total

    examples = 0
    for epoch in range(epochs):
        def run(job, epoch=epoch):
            index, (s0, s1) = job
            return train_sets_job(corpus.tokens, corpus.offsets, s0, s1, W_in, W_out, keep, cdf,
                                  PARAMS["negative"], max_context, alpha(epoch, s0),
                                  alpha(epoch, s1), training.job_seed(seed, epoch, index), False,
                                  no_visits)

        examples += sum(r[1] for r in training.run_jobs(run, jobs, workers))
    return vocab.index_to_key, W_in, examples


def run_kernel(split, exponent, seed, epochs, workers, cap, alpha):
    from types import SimpleNamespace

    train_kernel([[1, 2, 3]], exponent, seed, 1, 1, cap)  # load the cached kernels first
    start = time.perf_counter()
    keys, W_in, examples = train_kernel(split.train_sets, exponent, seed, epochs, workers, cap,
                                        alpha=alpha)
    seconds = time.perf_counter() - start
    return seconds, *evaluate(SimpleNamespace(index_to_key=keys, vectors=W_in), split), examples


def run_one(trainer, exponent, seed, epochs, workers, cap, alpha, split_name):
    split = load_split(split_name)
    out = {"trainer": trainer, "exponent": exponent, "seed": seed, "cap": cap, "alpha": alpha}
    if trainer == "gensim":
        out["seconds"], out["hr"], out["ndcg"] = run_gensim(split, exponent, seed, epochs, workers)
    elif trainer == "kernel":
        out["seconds"], out["hr"], out["ndcg"], out["examples"] = run_kernel(
            split, exponent, seed, epochs, workers, cap, alpha)
    else:
        from embedlearn.evaluation import hit_rate_at_k, ndcg_at_k
        from embedlearn.recsys import PopularityRecommender

        rec = PopularityRecommender(split.train_sets).recommend(split.histories, 10)
        out.update(seconds=0.0, hr=hit_rate_at_k(rec, split.heldout, 10),
                   ndcg=ndcg_at_k(rec, split.heldout, 10))
    print(json.dumps(out))


def train_word_vectors(path):
    """Word vectors for title words: embedlearn's Word2Vec on the text8 prefix (2.1M tokens)."""
    from embedlearn.datasets import load_text8
    from embedlearn.word2vec import Word2Vec

    start = time.perf_counter()
    model = Word2Vec(load_text8(max_tokens=2_139_748), vector_size=100, window=5, min_count=5,
                     sg=1, negative=5, epochs=5, workers=2, seed=1, progress=False)
    model.wv.save_word2vec_format(path, binary=True)
    print(json.dumps({"seconds": time.perf_counter() - start, "words": len(model.wv)}))


def run_cold(fold, seed, epochs, workers, cap, alpha, word_vectors_path):
    """One fold of the item cold start: content map into a kernel-trained item space."""
    from types import SimpleNamespace

    import numpy as np

    from embedlearn.datasets import load_movielens_100k
    from embedlearn.evaluation import top_k
    from embedlearn.keyedvectors import KeyedVectors
    from embedlearn.recsys import (PopularityRecommender, VectorRecommender, cold_start_split,
                                   content_features, fit_content_map, movielens_sequences)

    data = load_movielens_100k()
    seqs = movielens_sequences(data)
    cs = cold_start_split(seqs, n_folds=5, fold=fold, seed=0)
    train_kernel([[1, 2, 3]], 0.75, seed, 1, 1, cap)
    keys, W_in, _ = train_kernel(cs.train_sets, 0.75, seed, epochs, workers, cap, alpha=alpha)
    words = KeyedVectors.load_word2vec_format(word_vectors_path, binary=True) if word_vectors_path else None
    warm_unit = W_in / np.linalg.norm(W_in, axis=1, keepdims=True)
    out = {"fold": fold, "seed": seed, "n_users": len(cs.users), "n_cold": len(cs.cold_items)}
    for name, wv, decades in [("genres", None, False), ("genres+decades", None, True),
                              ("genres+decades+title", words, True)]:
        if name.endswith("title") and wv is None:
            continue
        feats = content_features(keys + cs.cold_items, data.titles, data.genres, wv,
                                 decades=decades)
        X_warm, X_cold = feats.matrix[:len(keys)], feats.matrix[len(keys):]
        # l2 by the mean cosine on a fifth of the warm items (never the cold ones).
        rng = np.random.default_rng(fold)
        inner = rng.random(len(keys)) < 0.2
        best = max((1e-2, 1e-1, 1.0, 10.0, 100.0), key=lambda l2: np.mean(np.sum(
            _unit(fit_content_map(X_warm[~inner], warm_unit[~inner], l2).predict(X_warm[inner]))
            * warm_unit[inner], axis=1)))
        cold_vectors = fit_content_map(X_warm, warm_unit, best).predict(X_cold)
        both = SimpleNamespace(index_to_key=keys + cs.cold_items,
                               vectors=np.vstack([warm_unit, cold_vectors]))
        rec = VectorRecommender(both).recommend(cs.histories, 10, candidates=cs.cold_items)
        out[name] = int(sum(h in r for h, r in zip(cs.heldout, rec.tolist())))
        out[name + "_l2"] = best
    is_cold = set(cs.cold_items)
    pop = PopularityRecommender([[i for i in s if i in is_cold] for s in seqs.values()])
    rec = pop.recommend(cs.histories, 10, unknown="ignore")
    out["popularity (oracle counts)"] = int(sum(h in r for h, r in zip(cs.heldout, rec.tolist())))
    print(json.dumps(out))


def _unit(X):
    import numpy as np

    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-30)


def cold_start_table(args, seeds):
    import tempfile

    cap, alpha = (int(x) if i == 0 else float(x) for i, x in enumerate(args.cold_kernel.split(":")))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "text8.bin")
        words = run_child(__file__, "--word-vectors", path)
        folds = [run_child(__file__, "--epochs", str(args.epochs), "--workers", str(args.workers),
                           "--cold", str(fold), str(seed), str(cap), str(alpha), path)
                 for seed in seeds for fold in range(5)]
    print(json.dumps(folds), file=sys.stderr)
    n_users = sum(f["n_users"] for f in folds) / len(seeds)
    print(f"\nItem cold start, ml-100k: items in 5 folds; per fold, every interaction with its "
          f"items is removed, item vectors are trained on the rest (kernel, cap {cap}, alpha "
          f"{alpha:g}, ns_exponent 0.75, {args.epochs} epochs) and the users whose held-out item is "
          f"in the fold ({n_users:.0f} over the folds) get 10 of the fold's items (~"
          f"{statistics.mean(f['n_cold'] for f in folds):.0f}). Content map: ridge from the content "
          f"to the warm unit vectors, l2 picked on warm items; title words: Word2Vec on the text8 "
          f"prefix ({words['words']:,} words). Popularity uses the full data's counts of the "
          f"fold's items (an oracle). HitRate@10 over all users of the 5 folds, mean ± sd over "
          f"seeds {args.seeds}; random: ~{10 / statistics.mean(f['n_cold'] for f in folds):.3f}.\n")
    print("| ranking of the cold items | HitRate@10 |")
    print("|---|---:|")
    for name in ("popularity (oracle counts)", "genres", "genres+decades", "genres+decades+title"):
        per_seed = [sum(f[name] for f in folds if f["seed"] == s)
                    / sum(f["n_users"] for f in folds if f["seed"] == s) for s in seeds]
        print(f"| {name} | {_mean_sd(per_seed, '.3f')} |")


def cpu_model():
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        return "unknown CPU"
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return f"{fields.get('Model name', '?').strip()}, {fields.get('CPU(s)', '?').strip()} CPUs"


def _mean_sd(values, fmt):
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):{fmt}} ± {sd:{fmt}}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--exponents", default="0.75,-0.5")
    parser.add_argument("--kernels", default="0:0.025,20:0.1,30:0.1",
                        help="kernel runs as max_context:alpha (max_context 0: no cap)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--split", choices=("test", "validation"), default="test")
    parser.add_argument("--no-gensim", action="store_true")
    parser.add_argument("--cold-start", action="store_true",
                        help="only the item cold-start table (content map)")
    parser.add_argument("--cold-kernel", default="20:0.1",
                        help="max_context:alpha of the item vectors for the cold start")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--cold", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--word-vectors", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.word_vectors:
        return train_word_vectors(args.word_vectors)
    if args.cold:
        fold, seed, cap, alpha, path = args.cold
        return run_cold(int(fold), int(seed), args.epochs, args.workers, int(cap), float(alpha),
                        path)
    if args.child:
        trainer, exponent, seed, cap, alpha = args.child
        return run_one(trainer, float(exponent), int(seed), args.epochs, args.workers, int(cap),
                       float(alpha), args.split)

    seeds = [int(s) for s in args.seeds.split(",")]
    if args.cold_start:
        print(f"CPU: {cpu_model()}")
        return cold_start_table(args, seeds)
    common = ["--epochs", str(args.epochs), "--workers", str(args.workers), "--split", args.split]
    kernels = [(int(c), float(a)) for c, a in (x.split(":") for x in args.kernels.split(","))]
    configs = [("popularity", 0.0, 0, 0.0)]
    for e in (float(x) for x in args.exponents.split(",")):
        if not args.no_gensim:
            configs.append(("gensim", e, 0, PARAMS["alpha"]))
        configs += [("kernel", e, c, a) for c, a in kernels]
    rows = []
    for trainer, e, cap, alpha in configs:
        runs = [run_child(__file__, *common, "--child", trainer, str(e), str(seed), str(cap),
                          str(alpha))
                for seed in (seeds if trainer != "popularity" else seeds[:1])]
        rows.append((trainer, e, cap, alpha, runs))
        print(json.dumps(runs), file=sys.stderr)

    print(f"\nMovieLens 100K, rated >= 4, leave-last-out ({args.split} item); vector_size=64, "
          f"negative=5, min_count=1, sample=1e-3, min_alpha=1e-4, epochs={args.epochs}, "
          f"workers={args.workers}; "
          f"mean ± sd over seeds {args.seeds}; CPU: {cpu_model()}\n")
    print("| trainer | ns_exponent | cap | alpha | HitRate@10 | NDCG@10 | train s | steps/epoch "
          "| gensim s / this s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    gensim_s = {e: statistics.mean(r["seconds"] for r in runs)
                for trainer, e, _, _, runs in rows if trainer == "gensim"}
    for trainer, e, cap, alpha, runs in rows:
        hr = _mean_sd([r["hr"] for r in runs], ".3f")
        ndcg = _mean_sd([r["ndcg"] for r in runs], ".3f")
        if trainer == "popularity":
            print(f"| most popular | | | | {hr} | {ndcg} | | | |")
            continue
        secs = _mean_sd([r["seconds"] for r in runs], ".1f")
        steps = f"{runs[0]['examples'] / args.epochs:,.0f}" if "examples" in runs[0] else ""
        mean_s = statistics.mean(r["seconds"] for r in runs)
        ratio = f"{gensim_s[e] / mean_s:.2f}" if trainer == "kernel" and e in gensim_s else ""
        print(f"| {trainer} | {e:g} | {cap if trainer == 'kernel' else ''} | {alpha:g} | {hr} | "
              f"{ndcg} | {secs} | {steps} | {ratio} |")


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    main()
