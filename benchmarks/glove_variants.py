"""GloVe: do float64 arithmetic or a fixed pair order change the scores? (an experiment, not a test)

Usage::

    EMBEDLEARN_DATA=../shared/data python benchmarks/glove_variants.py [--seeds 1,2] [--iterations 15]

The reference ``glove.c`` computes in ``double`` and reads its pairs in one order, shuffled once by
the ``shuffle`` tool; embedlearn's kernel computes in float32 and reshuffles before every pass.
This trains the benchmark's setting (text8 prefix as one line, min_count 5, window 10,
vector_size 50, x_max 10) with one worker in three ways from the same initial parameters:

* ``float32, reshuffled``: :meth:`embedlearn.glove.GloVe.train`, what the package does;
* ``float64, reshuffled``: the same AdaGrad step in float64 (defined below, for this experiment);
* ``float32, one order``: the package kernel, shuffled once.

and prints WordSim-353 rho and analogy accuracy (30k) of W + W~ for each seed.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from numba import njit


@njit(nogil=True)
def _glove_epoch_float64(state, order, rows, cols, log_x, weight, vocab_size, eta, grad_clip):
    """glove.c's AdaGrad pass in float64 over the pairs in ``order`` (same step as the package's)."""
    S = state.shape[1] // 2
    N = S - 1
    cost = 0.0
    for k in order:
        i = rows[k]
        j = cols[k] + vocab_size
        w, gw = state[i, :S], state[i, S:]
        wc, gwc = state[j, :S], state[j, S:]
        diff = w[N] + wc[N] - log_x[k]
        for c in range(N):
            diff += w[c] * wc[c]
        fdiff = weight[k] * diff
        cost += 0.5 * fdiff * diff
        for c in range(N):
            t1 = min(max(fdiff * wc[c], -grad_clip), grad_clip) * eta
            t2 = min(max(fdiff * w[c], -grad_clip), grad_clip) * eta
            w[c] -= t1 / np.sqrt(1.0 + gw[c])
            wc[c] -= t2 / np.sqrt(1.0 + gwc[c])
            gw[c] += t1 * t1
            gwc[c] += t2 * t2
        w[N] -= fdiff / np.sqrt(1.0 + gw[N])
        wc[N] -= fdiff / np.sqrt(1.0 + gwc[N])
        gw[N] += fdiff * fdiff
        gwc[N] += fdiff * fdiff
    return cost


def _scores(model, state):
    from embedlearn.datasets import fetch
    from embedlearn.keyedvectors import KeyedVectors

    V, N = len(model.vocab), model.vector_size
    kv = KeyedVectors(model.vocab.index_to_key, (state[:V, :N] + state[V:, :N]).astype(np.float32))
    rho = kv.evaluate_word_pairs(str(fetch("wordsim353")))[1][0]
    accuracy = kv.evaluate_word_analogies(str(fetch("questions-words")), restrict_vocab=30000)[0]
    return rho, 100 * accuracy


def main():
    from embedlearn import training
    from embedlearn.datasets import load_text8
    from embedlearn.glove import GloVe
    from embedlearn.kernels.glove import glove_epoch, shuffle_records

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--max-tokens", type=int, default=2_139_748)
    args = parser.parse_args()
    sentences = [[w for s in load_text8(max_tokens=args.max_tokens) for w in s]]
    print("| seed | variant | WS353 rho | analogy % (30k) | seconds |")
    print("|---:|---|---:|---:|---:|")
    for seed in (int(s) for s in args.seeds.split(",")):
        def fresh():
            return GloVe(sentences=None, vector_size=50, window=10, min_count=5, x_max=10.0,
                         epochs=args.iterations, workers=1, seed=seed,
                         progress=False).build_vocab(sentences)

        model = fresh()
        start = time.perf_counter()
        model.train()
        rows = [("float32, reshuffled", model.state, time.perf_counter() - start)]

        model = fresh()
        state = model.state.astype(np.float64)
        X = model.cooccurrence
        log_x = np.log(X.value.astype(np.float64))
        weight = np.minimum((X.value.astype(np.float64) / model.x_max) ** model.alpha, 1.0)
        order = np.arange(X.nnz, dtype=np.int64).reshape(-1, 1)
        start = time.perf_counter()
        for done in range(args.iterations):
            shuffle_records(order, training.job_seed(seed, done, 0))
            _glove_epoch_float64(state, order[:, 0], X.row, X.col, log_x, weight,
                                 len(model.vocab), model.eta, model.grad_clip)
        rows.append(("float64, reshuffled", state, time.perf_counter() - start))

        model = fresh()
        model._prepare_records()
        ids = model._records
        start = time.perf_counter()
        shuffle_records(ids, training.job_seed(seed, 0, 0))
        for _ in range(args.iterations):
            glove_epoch(model.state, ids, ids.view(np.float32), 0, len(ids), len(model.vocab),
                        model.eta, model.grad_clip)
        rows.append(("float32, one order", model.state, time.perf_counter() - start))

        for name, st, seconds in rows:
            rho, accuracy = _scores(model, st)
            print(f"| {seed} | {name} | {rho:.4f} | {accuracy:.2f} | {seconds:.0f} |", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    main()
