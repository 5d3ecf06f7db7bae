"""What the context cap costs on long sets: Item2Vec with and without ``max_context``.

Usage::

    EMBEDLEARN_DATA=/abs/path/to/shared/data python benchmarks/item2vec_cap.py
        [--dataset ml-latest-small] [--seed 1] [--caps 20,40,100,0]

Same protocol and settings as ``benchmarks/item2vec.py`` (leave-last-out, vector_size 64,
20 epochs, 2 workers); prints HitRate@10 (plain and recency-weighted mean) and training seconds
for the default cap (20 context items per item per epoch), larger caps and no cap (0), at
ns_exponent 0.75 and -0.5, with the SGD steps of an epoch, as a Markdown table with the CPU model.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import item2vec as bench  # noqa: E402  (the main Item2Vec benchmark: split, trainer, scores)
from _common import cpu_model  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="ml-latest-small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--caps", default="20,40,100,0", help="max_context values (0: no cap)")
    args = parser.parse_args()
    split = bench.load_split(args.dataset)
    print(f"{args.dataset}, seed {args.seed}; CPU: {cpu_model()}\n")
    print("| ns_exponent | max_context | steps per epoch | HR@10 mean | HR@10 recency | train s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for exponent in (0.75, -0.5):
        for cap in (int(c) for c in args.caps.split(",")):
            model, seconds = bench.item2vec(split.train_sets, args.seed, ns_exponent=exponent,
                                            max_context=cap)
            got = bench.scores(bench._vectors(model), split)
            steps = model.epoch_stats[-1]["examples"]
            print(f"| {exponent:g} | {cap if cap else 'none'} | {steps:,} | "
                  f"{got['mean']['hr']:.3f} | "
                  f"{got[f'recency{bench.RECENCY:g}']['hr']:.3f} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
