"""Orchestration shared by every model: checks, jobs, worker threads, progress, learning rates.

The kernels release the GIL (``nogil=True``), so plain Python threads run them truly in parallel,
all writing to the same weight matrices without locks (hogwild, as word2vec.c and gensim). With
``workers=1`` jobs run in order in the calling thread, so a fixed ``seed`` gives bitwise-identical
results run after run.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np

__all__ = ["check_positive", "check_nonnegative", "default_workers", "split_jobs", "run_jobs",
           "progress_bar", "job_seed"]


def check_positive(name, value, integer=False):
    """Raise ``ValueError`` unless ``value`` is a positive (integer) number."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if ok and integer:
        ok = float(value) == int(value)
    if not ok or not np.isfinite(value) or value <= 0:
        kind = "a positive integer" if integer else "a positive number"
        raise ValueError(f"{name} must be {kind}, got {value!r}")


def check_nonnegative(name, value, integer=False):
    """Raise ``ValueError`` unless ``value`` is a non-negative (integer) number."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if ok and integer:
        ok = float(value) == int(value)
    if not ok or not np.isfinite(value) or value < 0:
        kind = "a non-negative integer" if integer else "a non-negative number"
        raise ValueError(f"{name} must be {kind}, got {value!r}")


def default_workers() -> int:
    """Number of usable cores (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def split_jobs(offsets, job_words=10_000):
    """Split sentences into jobs of about ``job_words`` tokens, never splitting a sentence.

    Parameters
    ----------
    offsets : numpy.ndarray of int64
        Sentence boundaries of the corpus.
    job_words : int
        Target number of tokens per job.

    Returns
    -------
    numpy.ndarray of int64, shape (n_jobs + 1,)
        Sentence indices where jobs start (and the total number of sentences at the end).
    """
    n = len(offsets) - 1
    if n == 0:
        return np.zeros(1, np.int64)
    # Sentence s starts a new job when the running token count crosses a multiple of job_words.
    block = offsets[:-1] // job_words
    starts = np.flatnonzero(np.concatenate(([True], block[1:] != block[:-1])))
    return np.concatenate((starts, [n])).astype(np.int64)


def job_seed(seed, epoch, job):
    """A distinct 64-bit seed for each (seed, epoch, job), so results do not depend on scheduling."""
    mixed = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, epoch, job]).generate_state(2, np.uint32)
    # Kept below 2**63 so numba passes it as an int64.
    return (int(mixed[0]) & 0x7FFFFFFF) << 32 | int(mixed[1]) | 1


def progress_bar(total, desc, enabled, unit="word"):
    """A tqdm bar (or a no-op stand-in when ``enabled`` is false)."""
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, leave=False)


class _NoBar:
    def update(self, n=1):
        pass

    def set_postfix(self, *args, **kwargs):
        pass

    def close(self):
        pass


def run_jobs(fn, jobs, workers, bar=None, size=None):
    """Run ``fn(job)`` for every job on ``workers`` threads; results in job order.

    Parameters
    ----------
    fn : callable
        Called once per job; should spend its time in a ``nogil`` kernel.
    jobs : sequence
        The jobs.
    workers : int
        Number of threads; 1 runs the jobs in order in this thread (reproducible).
    bar : tqdm-like or None
        Progress bar, advanced by ``size(job)`` as jobs finish.
    size : callable or None
        Size of a job for the progress bar.
    """
    results = [None] * len(jobs)
    if workers == 1 or len(jobs) <= 1:
        for i, job in enumerate(jobs):
            results[i] = fn(job)
            if bar is not None:
                bar.update(size(job) if size else 1)
        return results
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            if bar is not None:
                bar.update(size(jobs[i]) if size else 1)
    return results
