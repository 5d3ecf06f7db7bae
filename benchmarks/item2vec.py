"""Item2Vec on MovieLens: quality, speed against gensim, cold start, incremental updates, grid.

Usage (one command each; every measurement runs in a fresh subprocess)::

    EMBEDLEARN_DATA=../shared/data python benchmarks/item2vec.py            # all three tables
        [--tables main,cold,incremental] [--seeds 1,2,3] [--datasets ml-100k,ml-latest-small]
        [--exponents 0.75,-0.5]
        [--no-gensim]
    EMBEDLEARN_DATA=../shared/data python benchmarks/item2vec.py --grid     # validation grid
        [--out benchmarks/results/item2vec_grid.json]

Protocol (the Item2Vec issue): per user the movies rated >= 4 in time order (ties in file
order, :func:`embedlearn.recsys.movielens_sequences`), the last one held out
(:func:`~embedlearn.recsys.leave_last_out`); a model sees the training sets, each user's history
is their training set, seen items are never recommended. HitRate@10 is the share of users whose
held-out movie is in their top 10. Two ways to score, both by cosine to a user vector
(:class:`~embedlearn.recsys.VectorRecommender`): the **mean** of the history's unit vectors, and
the **recency**-weighted mean (half-life ``RECENCY`` items, chosen on the validation split).

**Main table.** vector_size 64, 20 epochs, 2 workers, ns_exponent 0.75 and -0.5, seeds 1-3:

* ``Item2Vec``: embedlearn's model with its documented defaults (``alpha=0.1``,
  ``max_context=20``, ``sample=1e-3``, ``negative=5``, ``min_count=1``), chosen on the
  validation split (``--grid``; each user's second-to-last item, the test item unused);
* ``gensim``: gensim 4's ``Word2Vec(sg=1, window=<longest set>)`` over the same sets, the usual
  way to run Item2Vec with gensim, at gensim's defaults (alpha 0.025, sample 1e-3) and
  ``min_count=1`` (gensim's ``shrink_windows=True`` draws a reduced window per position, so long
  sets lose some far pairs);
* most popular (:class:`~embedlearn.recsys.PopularityRecommender`).

**Cold start** (``cold``): items dealt into 5 folds (:func:`~embedlearn.recsys.cold_start_split`);
per fold every training interaction with its items is removed, Item2Vec (defaults) is trained on
the rest, and the users whose held-out item is in the fold get 10 of the fold's items, ranked
from content through the ridge map (:class:`~embedlearn.recsys.HybridItemVectors`): genres,
decades, and the mean title-word vector of a FastText model trained on the text8 prefix
(200,000 hash buckets), which answers for title words text8 lacks through their n-grams. Baselines on the same items:
random; popularity from the training counts, which are 0 for every cold item by construction
(its ranking is the tie order: random in effect); and the **oracle** popularity that counts the
interactions held out of training, an upper reference that no cold-start system has. The fusion
rows keep 3 training interactions per fold item (``keep=3``) and blend the learned and content
vectors, ``alpha * behaviour + (1 - alpha) * content``.

**Incremental** (``incremental``): liked ratings split in time at their 80% quantile
(:func:`~embedlearn.recsys.movielens_time_split`); a model trained on the first period is
updated with the second period's sets (``build_vocab(update=True)`` + ``train``), compared with
retraining from scratch on both periods and with the first-period model as it was; users' last
second-period item is held out. Drift: mean cosine of old items' vectors before and after the
update, and the overlap of their 10 nearest neighbours with the old model's (two from-scratch
models with different seeds give the noise level).

Prints Markdown tables with the CPU model; quality and seconds are mean ± sd over the seeds.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from _common import cpu_model, run_child

VECTOR_SIZE, EPOCHS, WORKERS = 64, 20, 2
#: Half-life (items) of the recency-weighted user vector, chosen on the validation split.
RECENCY = 3.0
GENSIM = dict(negative=5, min_count=1, sample=1e-3, alpha=0.025, min_alpha=1e-4)
HERE = os.path.dirname(os.path.abspath(__file__))


# ------------------------------------------------------------------------------------- data
def load_split(dataset, split="test"):
    from embedlearn.recsys import leave_last_out, movielens_sequences

    test = leave_last_out(movielens_sequences(dataset))
    return test if split == "test" else leave_last_out(test.train_sets)


def scores(vectors, split, recency_values=(None, RECENCY)):
    """HitRate@10 and NDCG@10 of the cosine recommender for each recency setting."""
    from embedlearn.evaluation import hit_rate_at_k, ndcg_at_k
    from embedlearn.recsys import VectorRecommender

    out = {}
    for recency in recency_values:
        rec = VectorRecommender(vectors, recency=recency).recommend(split.histories, 10)
        name = "mean" if recency is None else f"recency{recency:g}"
        out[name] = {"hr": hit_rate_at_k(rec, split.heldout, 10),
                     "ndcg": ndcg_at_k(rec, split.heldout, 10)}
    return out


def item2vec(sets, seed, **params):
    from embedlearn import Item2Vec

    params = {"vector_size": VECTOR_SIZE, "epochs": EPOCHS, "workers": WORKERS, **params}
    Item2Vec([[1, 2, 3]], epochs=1, workers=1, progress=False)  # load the cached kernels first
    start = time.perf_counter()
    model = Item2Vec(sets, seed=seed, progress=False, **params)
    return model, time.perf_counter() - start


def _vectors(model):
    from types import SimpleNamespace

    return SimpleNamespace(index_to_key=model.items, vectors=model.syn0)


# ------------------------------------------------------------------------------- main table
def child_main(dataset, trainer, exponent, seed):
    split = load_split(dataset)
    out = {"dataset": dataset, "trainer": trainer, "exponent": exponent, "seed": seed}
    if trainer == "popularity":
        from embedlearn.evaluation import hit_rate_at_k, ndcg_at_k
        from embedlearn.recsys import PopularityRecommender

        rec = PopularityRecommender(split.train_sets).recommend(split.histories, 10)
        result = {"hr": hit_rate_at_k(rec, split.heldout, 10),
                  "ndcg": ndcg_at_k(rec, split.heldout, 10)}
        out.update(seconds=0.0, scores={"mean": result, f"recency{RECENCY:g}": result})
    elif trainer == "gensim":
        from gensim.models import Word2Vec

        sets = [[str(i) for i in s] for s in split.train_sets]
        start = time.perf_counter()
        model = Word2Vec(sets, sg=1, window=max(map(len, sets)), ns_exponent=exponent, seed=seed,
                         epochs=EPOCHS, workers=WORKERS, vector_size=VECTOR_SIZE, **GENSIM)
        out["seconds"] = time.perf_counter() - start
        split = split._replace(histories=[[str(i) for i in h] for h in split.histories],
                               heldout=[str(i) for i in split.heldout])
        out["scores"] = scores(model.wv, split)
    else:
        model, out["seconds"] = item2vec(split.train_sets, seed, ns_exponent=exponent)
        out["steps_per_epoch"] = model.epoch_stats[-1]["examples"]
        out["scores"] = scores(_vectors(model), split)
    return out


def main_table(args, seeds):
    rows = []
    for dataset in args.datasets:
        configs = [("popularity", 0.75, seeds[:1])]
        for e in args.exponents:
            if not args.no_gensim:
                configs.append(("gensim", e, seeds))
            configs.append(("item2vec", e, seeds))
        for trainer, e, trainer_seeds in configs:
            runs = [run_child(__file__, "--child", "main", dataset, trainer, str(e), str(s))
                    for s in trainer_seeds]
            print(json.dumps(runs), file=sys.stderr)
            rows.append((dataset, trainer, e, runs))
    recent = f"recency{RECENCY:g}"
    print(f"\nItem2Vec, leave-last-out (movies rated >= 4, the last held out); vector_size "
          f"{VECTOR_SIZE}, {EPOCHS} epochs, {WORKERS} workers; mean ± sd over seeds "
          f"{','.join(map(str, seeds))}. 'mean': cosine to the mean of the history's unit "
          f"vectors; 'recency': half-life {RECENCY:g} items. CPU: {cpu_model()}\n")
    print("| data | trainer | ns_exponent | HR@10 mean | NDCG@10 mean | HR@10 recency "
          "| NDCG@10 recency | train s | steps/epoch | gensim s / this s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    gensim_s = {(d, e): statistics.mean(r["seconds"] for r in runs)
                for d, t, e, runs in rows if t == "gensim"}
    for dataset, trainer, e, runs in rows:
        cells = [_mean_sd([r["scores"][kind][metric] for r in runs], ".3f")
                 for kind in ("mean", recent) for metric in ("hr", "ndcg")]
        if trainer == "popularity":
            print(f"| {dataset} | most popular | | {' | '.join(cells)} | | | |")
            continue
        secs = _mean_sd([r["seconds"] for r in runs], ".1f")
        steps = f"{runs[0]['steps_per_epoch']:,}" if "steps_per_epoch" in runs[0] else ""
        ratio = ""
        if trainer == "item2vec" and (dataset, e) in gensim_s:
            ratio = f"{gensim_s[dataset, e] / statistics.mean(r['seconds'] for r in runs):.2f}"
        print(f"| {dataset} | {trainer} | {e:g} | {' | '.join(cells)} | {secs} | {steps} "
              f"| {ratio} |")


# ------------------------------------------------------------------------------- cold start
#: Hash buckets of the title-word FastText model: a tenth of fastText's 2,000,000, as in
#: chapter 5 (the model file is 80 MB instead of 800; collisions cost little at 2.1M tokens).
TITLE_BUCKETS = 200_000


def child_word_vectors(path):
    """Vectors for title words: embedlearn's FastText on the text8 prefix (2.1M tokens).

    FastText answers for every title word, including names and words text8 lacks, through
    their character n-grams.
    """
    from embedlearn.datasets import load_text8
    from embedlearn.fasttext import FastText

    start = time.perf_counter()
    model = FastText(load_text8(max_tokens=2_139_748), vector_size=100, window=5, min_count=5,
                     sg=1, negative=5, min_n=3, max_n=6, bucket=TITLE_BUCKETS, epochs=5,
                     workers=WORKERS, seed=1, progress=False)
    model.wv.save(path)
    return {"seconds": time.perf_counter() - start, "words": len(model.wv)}


def _title_word_vectors(path):
    from embedlearn.fasttext import FastTextKeyedVectors

    return FastTextKeyedVectors.load(path)


#: The data sets the tables can run on (ml-1m is not in the test mirror: it is downloaded).
DATASETS = ("ml-100k", "ml-latest-small", "ml-1m")


def _ratings(dataset):
    from embedlearn import datasets

    return {"ml-100k": datasets.load_movielens_100k,
            "ml-latest-small": datasets.load_movielens_latest_small,
            "ml-1m": datasets.load_movielens_1m}[dataset]()


def check_datasets(names):
    """Fail before any work on an unknown name or a data set that is not on disk (nor
    downloadable: offline, ml-1m raises the loader's DataNotFoundError naming the URL)."""
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        raise SystemExit(f"unknown data set(s) {unknown}: choose from {', '.join(DATASETS)}")
    for name in names:
        _ratings(name)


def _hits(rec, heldout):
    return int(sum(h in r for h, r in zip(heldout, rec.tolist())))


def child_cold(dataset, fold, seed, words_path):
    import numpy as np

    from embedlearn.evaluation import top_k
    from embedlearn.recsys import (HybridItemVectors, cold_start_split, content_features,
                                   movielens_sequences)

    data = _ratings(dataset)
    seqs = movielens_sequences(data)
    words = _title_word_vectors(words_path)
    out = {"dataset": dataset, "fold": fold, "seed": seed}
    # Cold: no training interaction with the fold's items.
    cs = cold_start_split(seqs, n_folds=5, fold=fold, seed=0)
    model, _ = item2vec(cs.train_sets, seed)
    cold = cs.cold_items
    out.update(n_users=len(cs.users), n_cold=len(cold),
               random=float(np.mean([min(10, len(cold)) / len(cold)] * len(cs.users))))
    # Oracle popularity: the fold items ranked by their held-out training interactions.
    counts = dict.fromkeys(cold, 0)
    for removed in cs.removed_sets:
        for i in removed:
            counts[i] += 1
    order = np.array(cold, dtype=object)[top_k(np.array([[counts[i] for i in cold]], float), 10)[0]]
    out["oracle popularity"] = int(sum(h in set(order) for h in cs.heldout))
    everything = model.items + [i for i in cold if i not in model]
    for name, wv, decades in [("genres", None, False), ("genres+decades", None, True),
                              ("genres+decades+title", words, True)]:
        content = content_features(everything, data.titles, data.genres, wv, decades=decades)
        hybrid = HybridItemVectors(model, content, seed=fold)
        rec = hybrid.recommender(recency=RECENCY).recommend(cs.histories, 10, unknown="ignore",
                                                            candidates=cold)
        out[name] = _hits(rec, cs.heldout)
        out[name + " l2"] = hybrid.l2
        out["title coverage"] = content.title_coverage
    # Few interactions: keep 3 per fold item, fuse behaviour and content.
    few = cold_start_split(seqs, n_folds=5, fold=fold, seed=0, keep=3)
    model, _ = item2vec(few.train_sets, seed)
    fold_items = set(few.cold_items)
    candidates = [i for i in few.cold_items if i in model]  # items kept in some training set
    content = content_features(model.items, data.titles, data.genres, words, decades=True)
    hybrid = HybridItemVectors(model, content, fit_items=[i for i in model.items
                                                          if i not in fold_items], seed=fold)
    users = [u for u, h in enumerate(few.heldout) if h in model]
    histories = [few.histories[u] for u in users]
    heldout = [few.heldout[u] for u in users]
    out["few n_users"], out["few n_candidates"] = len(users), len(candidates)
    for alpha in (0.0, 0.25, 0.5, 0.75, 1.0):
        rec = hybrid.recommender(alpha=alpha, recency=RECENCY).recommend(
            histories, 10, unknown="ignore", candidates=candidates)
        out[f"fuse alpha={alpha:g}"] = _hits(rec, heldout)
    for n_half in (1.0, 3.0, 10.0):
        rec = hybrid.recommender(alpha=None, n_half=n_half, recency=RECENCY).recommend(
            histories, 10, unknown="ignore", candidates=candidates)
        out[f"fuse n/(n+{n_half:g})"] = _hits(rec, heldout)
    return out


def cold_table(args, seeds):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "text8_fasttext.kv")
        words = run_child(__file__, "--child", "words", path)
        folds = [run_child(__file__, "--child", "cold", d, str(fold), str(seed), path)
                 for d in args.datasets for seed in seeds for fold in range(5)]
    print(json.dumps(folds), file=sys.stderr)
    print(f"\nItem cold start: 5 folds of items; per fold the items lose every training "
          f"interaction, Item2Vec (defaults, {EPOCHS} epochs) learns the rest, and users whose "
          f"held-out item is in the fold get 10 of the fold's items (recency-weighted user "
          f"vector). Title words: FastText on the text8 prefix ({words['words']:,} words, "
          f"{TITLE_BUCKETS:,} buckets; unseen words from their n-grams). "
          f"HitRate@10 over the users of all folds, mean ± sd over seeds "
          f"{','.join(map(str, seeds))}. Fusion rows: 3 training interactions kept per fold item."
          f" CPU: {cpu_model()}\n")
    names = ["random", "popularity (training counts: all 0)", "oracle popularity",
             "genres", "genres+decades", "genres+decades+title",
             "fuse alpha=0", "fuse alpha=0.25", "fuse alpha=0.5", "fuse alpha=0.75",
             "fuse alpha=1", "fuse n/(n+1)", "fuse n/(n+3)", "fuse n/(n+10)"]
    print("| ranking of the fold's items | " + " | ".join(args.datasets) + " |")
    print("|---|" + "---:|" * len(args.datasets))
    for name in names:
        cells = []
        for d in args.datasets:
            mine = [f for f in folds if f["dataset"] == d]
            users = "few n_users" if name.startswith("fuse") else "n_users"
            key = "random" if name.startswith("popularity (training") else name
            per_seed = []
            for s in seeds:
                fs = [f for f in mine if f["seed"] == s]
                if key == "random":  # an expectation per user, not a count of hits
                    total = sum(f["random"] * f["n_users"] for f in fs)
                else:
                    total = sum(f[key] for f in fs)
                per_seed.append(total / sum(f[users] for f in fs))
            cells.append(_mean_sd(per_seed, ".3f"))
        print(f"| {name} | " + " | ".join(cells) + " |")
    for d in args.datasets:
        mine = [f for f in folds if f["dataset"] == d and f["seed"] == seeds[0]]
        print(f"\n{d}: {sum(f['n_users'] for f in mine)} users over the folds, "
              f"~{statistics.mean(f['n_cold'] for f in mine):.0f} items per fold; title "
              f"coverage {mine[0]['title coverage']:.0%}; fusion: "
              f"{sum(f['few n_users'] for f in mine)} users, "
              f"~{statistics.mean(f['few n_candidates'] for f in mine):.0f} candidates per fold.")


# ------------------------------------------------------------------------------ incremental
def child_incremental(dataset, seed):
    import numpy as np

    from embedlearn.recsys import leave_last_out, movielens_time_split

    split = movielens_time_split(_ratings(dataset), quantile=0.8)
    after = leave_last_out(split.after)
    held = dict(zip(after.users, after.heldout))
    new_sets = [seq[:-1] if u in held else seq for u, seq in split.after.items()]
    users = after.users
    histories = [split.before.get(u, []) + split.after[u][:-1] for u in users]
    heldout = [held[u] for u in users]
    old_sets = list(split.before.values())
    both = {u: split.before.get(u, []) + s for u, s in zip(split.after, new_sets)}
    full_sets = [both.get(u, s) for u, s in split.before.items()] + \
        [s for u, s in both.items() if u not in split.before]
    out = {"dataset": dataset, "seed": seed, "n_users": len(users),
           "new_heldout": int(sum(h in split.new_items for h in heldout)),
           "new_items": len(split.new_items)}
    old, out["old seconds"] = item2vec(old_sets, seed)
    old_items = list(old.items)
    before = {i: old.item_vector(i, norm=True) for i in old_items}
    old_neighbours = _neighbours(old, old_items)
    # The first-period model as it is: it knows no new item.
    known = [[i for i in h if i in old] for h in histories]
    keep = [u for u, h in enumerate(known) if h]
    rec = old.recommender(recency=RECENCY).recommend([known[u] for u in keep], 10)
    out["frozen"] = int(sum(heldout[u] in r for u, r in zip(keep, rec.tolist())))
    start = time.perf_counter()
    old.build_vocab(new_sets, update=True)
    old.train(new_sets)
    out["update seconds"] = time.perf_counter() - start
    retrained, out["retrain seconds"] = item2vec(full_sets, seed)
    other, _ = item2vec(full_sets, seed + 100)
    common = [i for i in before if i in retrained]
    out["drift cosine"] = float(np.mean([before[i] @ old.item_vector(i, norm=True)
                                         for i in common]))
    out["overlap updated"] = _overlap(old_neighbours, _neighbours(old, common, old_items))
    out["overlap retrained"] = _overlap(old_neighbours, _neighbours(retrained, common, old_items))
    out["overlap retrain seeds"] = _overlap(_neighbours(other, common, old_items),
                                            _neighbours(retrained, common, old_items))
    for name, model in (("updated", old), ("retrained", retrained)):
        rec = model.recommender(recency=RECENCY).recommend(histories, 10, unknown="ignore")
        hits = [h in r for h, r in zip(heldout, rec.tolist())]
        out[name] = int(sum(hits))
        out[name + " new"] = int(sum(x for x, h in zip(hits, heldout) if h in split.new_items))
    return out


def _neighbours(model, items, among=None):
    """The 10 nearest items of each of ``items`` (among ``among``, default all)."""
    import numpy as np

    from embedlearn.evaluation import top_k

    pool = model.items if among is None else [i for i in among if i in model]
    U = np.stack([model.item_vector(i, norm=True) for i in pool])
    Q = np.stack([model.item_vector(i, norm=True) for i in items])
    index = {item: r for r, item in enumerate(pool)}
    found = []
    for start in range(0, len(items), 512):
        block = items[start:start + 512]
        best = top_k(Q[start:start + 512] @ U.T, 10, exclude=[[index[i]] for i in block])
        found += [{pool[j] for j in row} for row in best]
    return dict(zip(items, found))


def _overlap(a, b):
    common = [i for i in b if i in a]
    return float(sum(len(a[i] & b[i]) for i in common) / (10 * len(common)))


def incremental_table(args, seeds):
    runs = [run_child(__file__, "--child", "incremental", d, str(s))
            for d in args.datasets for s in seeds]
    print(json.dumps(runs), file=sys.stderr)
    print(f"\nIncremental updates: liked ratings split in time at their 80% quantile; the first "
          f"period trains a model, the second period's sets update it (build_vocab(update=True) "
          f"+ train, {EPOCHS} epochs, default learning rates) or a model is retrained on both; "
          f"each second-period user's last item is held out (recency-weighted user vector). "
          f"Mean ± sd over seeds {','.join(map(str, seeds))}. CPU: {cpu_model()}\n")
    print("| data | users | held-out new items | HR@10 frozen | HR@10 updated | HR@10 retrained "
          "| HR@10 on new items: updated / retrained | update s | retrain s | cos(old, updated) "
          "| top-10 overlap with old: updated / retrained / retrain seed vs seed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for d in args.datasets:
        rs = [r for r in runs if r["dataset"] == d]
        n, n_new = rs[0]["n_users"], rs[0]["new_heldout"]

        def rate(key, denominator=n):
            return _mean_sd([r[key] / max(denominator, 1) for r in rs], ".3f")

        def value(key, fmt=".3f"):
            return _mean_sd([r[key] for r in rs], fmt)

        print(f"| {d} | {n} | {n_new} of {rs[0]['new_items']} new | {rate('frozen')} | "
              f"{rate('updated')} | {rate('retrained')} | {rate('updated new', n_new)} / "
              f"{rate('retrained new', n_new)} | {value('update seconds', '.1f')} | "
              f"{value('retrain seconds', '.1f')} | {value('drift cosine')} | "
              f"{value('overlap updated', '.2f')} / {value('overlap retrained', '.2f')} / "
              f"{value('overlap retrain seeds', '.2f')} |")


# ------------------------------------------------------------------------------------- grid
#: The validation grid behind chapter 7's figures: (name, parameters) around the defaults.
#: Sized to run in about 10 minutes on 2 loaded cores at one seed (a finer grid, more epochs
#: and more seeds are a matter of editing these lists).
def grid_configs():
    configs = [("ns_exponent x epochs", {"ns_exponent": e, "epochs": n})
               for e in (-0.5, 0.0, 0.75, 1.0) for n in (5, 10, 20)]
    configs += [("sample", {"sample": s}) for s in (0.0, 1e-4, 1e-3)]
    configs += [("vector_size", {"vector_size": n}) for n in (16, 64, 128)]
    configs += [("max_context", {"max_context": c}) for c in (10, 20, 40)]
    return configs


def child_grid(params, seed):
    split = load_split("ml-100k", "validation")
    model, seconds = item2vec(split.train_sets, seed, **params)
    return {"params": params, "seed": seed, "seconds": seconds,
            "steps_per_epoch": model.epoch_stats[-1]["examples"],
            "scores": scores(_vectors(model), split, (None, 1.0, 2.0, 3.0, 5.0, 10.0))}


def grid(args, seeds):
    from embedlearn.evaluation import hit_rate_at_k, ndcg_at_k
    from embedlearn.recsys import PopularityRecommender

    split = load_split("ml-100k", "validation")
    rec = PopularityRecommender(split.train_sets).recommend(split.histories, 10)
    from embedlearn import Item2Vec

    defaults = {k: getattr(Item2Vec(), k) for k in ("alpha", "sample", "negative", "max_context",
                                                       "ns_exponent", "min_count", "epochs")}
    runs, done = [], {}
    for name, params in grid_configs():
        for seed in seeds:
            # A configuration equal to another (the defaults appear in every group) runs once.
            full = {**defaults, "vector_size": VECTOR_SIZE, "epochs": EPOCHS, **params}
            key = json.dumps([full, seed], sort_keys=True)
            if key not in done:
                done[key] = run_child(__file__, "--child", "grid", json.dumps(params), str(seed))
                print(json.dumps(done[key]), file=sys.stderr)
            runs.append({**done[key], "params": params, "group": name})
    result = {"command": "python benchmarks/item2vec.py --grid --seeds "
                         + ",".join(map(str, seeds)),
              "data": "ml-100k, movies rated >= 4, validation split (each user's second-to-last "
                      "liked movie held out; the test item unused)",
              "cpu": cpu_model(), "fixed": {"vector_size": VECTOR_SIZE, "epochs": EPOCHS,
                                            "workers": WORKERS},
              "defaults": defaults, "users": len(split.users),
              "popularity": {"hr": hit_rate_at_k(rec, split.heldout, 10),
                             "ndcg": ndcg_at_k(rec, split.heldout, 10)},
              "runs": runs}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf8") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out}: {len(runs)} runs")


# ------------------------------------------------------------------------------------ helpers
def _mean_sd(values, fmt):
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):{fmt}} ± {sd:{fmt}}"


def child(argv):
    kind, rest = argv[0], argv[1:]
    if kind == "main":
        return child_main(rest[0], rest[1], float(rest[2]), int(rest[3]))
    if kind == "words":
        return child_word_vectors(rest[0])
    if kind == "cold":
        return child_cold(rest[0], int(rest[1]), int(rest[2]), rest[3])
    if kind == "incremental":
        return child_incremental(rest[0], int(rest[1]))
    if kind == "grid":
        return child_grid(json.loads(rest[0]), int(rest[1]))
    raise SystemExit(f"unknown child {kind!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tables", default="main,cold,incremental")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--datasets", default="ml-100k,ml-latest-small")
    parser.add_argument("--exponents", default="0.75,-0.5")
    parser.add_argument("--no-gensim", action="store_true")
    parser.add_argument("--grid", action="store_true", help="run the validation grid only")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "item2vec_grid.json"))
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    seeds = [int(s) for s in args.seeds.split(",")]
    args.datasets = args.datasets.split(",")
    check_datasets(args.datasets)
    args.exponents = [float(e) for e in args.exponents.split(",")]
    if args.grid:
        return grid(args, seeds)
    tables = {"main": main_table, "cold": cold_table, "incremental": incremental_table}
    for name in args.tables.split(","):
        tables[name](args, seeds)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(HERE, ".."))
    main()
