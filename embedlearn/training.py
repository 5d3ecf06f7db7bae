"""The training loop shared by every SGD model, written once: :class:`SGDModel`.

A model module (Word2Vec, FastText, Doc2Vec, Item2Vec, graph embeddings) holds only what is its
own: how its data become the engine's arrays, its job kernel, its extra weights and its parameters.
Everything else is here: parameter checks, the vocabulary (counting, ``min_count``, trimming),
the encoded corpus (in memory or on disk), subsampling and noise tables, the Huffman tree, the
linear learning-rate schedule, the job split, the worker threads, progress, callbacks, the loss
record, the finiteness checks after every epoch, and save/load with every array validated.

The kernels release the GIL (``nogil=True``), so plain Python threads run them truly in parallel,
all writing to the same weight matrices without locks (hogwild, as word2vec.c and gensim). Each
job's random stream depends only on (seed, epoch, job), never on which thread runs it, so with
``workers=1`` a fixed ``seed`` gives bitwise-identical results run after run.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np

from .errors import ModelFileError, VocabularyError
from .validation import (ArraySpec, check_arrays, check_finite_arrays, check_flag,
                         check_learning_rate, check_nonnegative, check_positive)

__all__ = ["SGDModel", "check_positive", "check_nonnegative", "default_workers", "split_jobs",
           "run_jobs", "progress_bar", "job_seed", "DIVERGENCE_BOUND"]

#: After each epoch a trained weight whose magnitude exceeds this stops training with
#: ``FloatingPointError``. Scores beyond +-6 saturate the sigmoid (their updates are skipped); a
#: row holding a component of 1000 has a norm of at least 1000, so its score with any row of norm
#: above 0.006 saturates: the model has diverged and learns nothing more. (Healthy word2vec,
#: GloVe or Doc2Vec weights stay below about 20.)
DIVERGENCE_BOUND = 1e3


def default_workers() -> int:
    """Number of usable cores (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def split_jobs(offsets, job_words=10_000):
    """Split sentences into jobs of about ``job_words`` tokens, never splitting a sentence.

    Kept for GloVe-style callers; SGD models use :meth:`embedlearn.corpus.Corpus.job_table`,
    which also cuts sentences longer than ``job_words``.

    Returns
    -------
    numpy.ndarray of int64, shape (n_jobs + 1,)
        Sentence indices where jobs start (and the total number of sentences at the end).
    """
    n = len(offsets) - 1
    if n == 0:
        return np.zeros(1, np.int64)
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
    workers : int
        Number of threads; 1 runs the jobs in order in this thread (reproducible).
    bar : tqdm-like or None
        Progress bar, advanced by ``size(job)`` as jobs finish.
    size : callable or None
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


def _callback(callbacks, event, model):
    for cb in callbacks:
        getattr(cb, event, lambda m: None)(model)


def _load_npz(path, names, fmt):
    from ._io import load_npz

    try:
        data = load_npz(path, names, fmt)
    except ModelFileError:
        raise
    except ValueError as err:  # every problem with a model file is a ModelFileError
        raise ModelFileError(str(err)) from err
    if not isinstance(data.get("meta", {}), dict) or \
            not isinstance(data.get("meta", {}).get("params", {}), dict):
        raise ModelFileError(f"{path}: bad model file: its settings are not a JSON object")
    return data


def _file_signature(path):
    st = os.stat(path)
    return (os.path.realpath(path), st.st_size, st.st_mtime_ns)


class SGDModel:
    """Base class of the SGD models: the shared vocabulary, corpus, schedule and training loop.

    Subclasses set ``_FORMAT`` and ``_PARAMS`` (saved settings) and implement:

    * ``_init_weights()`` / ``_grow_weights(old_vocab_size)``: allocate the weights for the
      vocabulary (and the live :attr:`wv`);
    * ``_weights()``: ``{name: array}`` of every trained array (saved, checked for finiteness);
    * ``_array_specs(V)``: what each saved array must be (:class:`~embedlearn.validation.ArraySpec`);
    * ``_train_job(piece, first_sentence, alpha_start, alpha_end, seed, compute_loss)``: train one
      job (a small :class:`~embedlearn.corpus.Corpus`) in its kernel, returning
      ``(loss, examples, effective_words)``;
    * optionally ``_refresh_wv()`` after training and ``_cut_long_sentences`` (False keeps every
      sentence in one job, for models whose sentences are sets);
    * optionally ``_meta()`` (extended) and ``_read_meta(path, meta)``: sizes a subclass saves
      besides the vocabulary, read back before ``_array_specs`` so that the specs can state exact
      shapes (Doc2Vec's tag count).

    The constructor arguments common to all models are gensim 4's; see
    :class:`~embedlearn.word2vec.Word2Vec` for their meaning.
    """

    _FORMAT = None
    _PARAMS = ("vector_size", "alpha", "min_alpha", "window", "min_count", "max_vocab_size",
               "max_final_vocab", "sample", "seed", "workers", "hs", "negative", "ns_exponent",
               "epochs", "compute_loss", "progress", "sorted_vocab", "batch_words",
               "shrink_windows")
    _NAME = "model"
    _cut_long_sentences = True

    def __init__(self, vector_size=100, alpha=0.025, window=5, min_count=5, max_vocab_size=None,
                 max_final_vocab=None, sample=1e-3, seed=1, workers=3, min_alpha=0.0001, hs=0,
                 negative=5, ns_exponent=0.75, epochs=5, compute_loss=False, callbacks=(),
                 progress=True, trim_rule=None, sorted_vocab=1, batch_words=10000,
                 shrink_windows=True):
        check_positive("vector_size", vector_size, integer=True)
        self.alpha = check_learning_rate("alpha", alpha)
        self.min_alpha = check_learning_rate("min_alpha", min_alpha, allow_zero=True)
        check_positive("window", window, integer=True)
        check_nonnegative("min_count", min_count, integer=True)
        for name, value in (("max_vocab_size", max_vocab_size), ("max_final_vocab", max_final_vocab)):
            if value is not None:
                check_positive(name, value, integer=True)
        check_nonnegative("sample", sample)
        check_nonnegative("seed", seed, integer=True)
        check_positive("workers", workers, integer=True)
        check_nonnegative("negative", negative, integer=True)
        check_positive("epochs", epochs, integer=True)
        check_positive("batch_words", batch_words, integer=True)
        check_flag("hs", hs)
        check_flag("sorted_vocab", sorted_vocab)
        check_flag("shrink_windows", shrink_windows)
        if not hs and not negative:
            raise ValueError("hs=0 and negative=0: no training objective (set hs=1 or negative>0)")
        if not isinstance(ns_exponent, (int, float, np.floating, np.integer)) or \
                isinstance(ns_exponent, bool) or not np.isfinite(ns_exponent):
            raise ValueError(f"ns_exponent must be a finite number, got {ns_exponent!r}")
        if trim_rule is not None and not callable(trim_rule):
            raise TypeError(f"trim_rule must be callable(word, count, min_count), got {trim_rule!r}")
        self.vector_size = int(vector_size)
        self.window = int(window)
        self.min_count = int(min_count)
        self.max_vocab_size = None if max_vocab_size is None else int(max_vocab_size)
        self.max_final_vocab = None if max_final_vocab is None else int(max_final_vocab)
        self.sample = float(sample)
        self.seed = int(seed)
        self.workers = int(workers)
        self.hs = int(hs)
        self.negative = int(negative)
        self.ns_exponent = float(ns_exponent)
        self.epochs = int(epochs)
        self.compute_loss = bool(compute_loss)
        self.callbacks = tuple(callbacks)
        self.progress = bool(progress)
        self.trim_rule = trim_rule
        self.sorted_vocab = int(sorted_vocab)
        self.batch_words = int(batch_words)
        self.shrink_windows = bool(shrink_windows)
        self.vocab = None
        self.wv = None
        self.corpus_count = 0
        self.corpus_total_words = 0
        self.running_training_loss = 0.0
        self.loss_history = []
        self.epoch_stats = []
        self._corpus = None
        self._corpus_file = None

    # --- input --------------------------------------------------------------------------------
    @staticmethod
    def _pick_corpus(sentences, corpus_iterable, corpus_file):
        given = [x is not None for x in (sentences, corpus_iterable, corpus_file)]
        if sum(given) > 1:
            raise ValueError("give one of sentences, corpus_iterable or corpus_file")
        if corpus_file is not None:
            path = os.fspath(corpus_file)
            if not os.path.isfile(path):
                raise FileNotFoundError(f"corpus_file {path!r}: no such file")
            return None, path
        return (sentences if sentences is not None else corpus_iterable), None

    def _scan(self, iterable, corpus_file):
        from .corpus import LineSentence, scan

        if corpus_file is not None:
            # One pass over the file; the ids go straight to temporary files (see DiskCorpus).
            return scan(LineSentence(corpus_file), self.max_vocab_size, self.trim_rule,
                        spill_dir=tempfile.gettempdir())
        if iterable is None:
            raise ValueError("no corpus given: pass sentences (corpus_iterable) or corpus_file")
        return scan(iterable, self.max_vocab_size, self.trim_rule)

    @property
    def wv(self):
        """The word vectors: a :class:`~embedlearn.keyedvectors.KeyedVectors` whose ``vectors``
        are this model's input weights (changes to existing rows are training's too; new keys
        come through ``build_vocab(update=True)``, see ``KeyedVectors``'s Notes)."""
        return self._wv

    @wv.setter
    def wv(self, kv):
        if kv is not None:
            kv._owner = type(self).__name__
        self._wv = kv

    # --- vocabulary ---------------------------------------------------------------------------
    def build_vocab(self, corpus_iterable=None, corpus_file=None, update=False, trim_rule=None,
                    progress_per=None, keep_raw_vocab=False, sentences=None):
        """Count the corpus (read once), build the vocabulary and initialise the weights.

        Parameters
        ----------
        corpus_iterable : iterable of list of str, optional
            The sentences (``sentences=`` is accepted too). Read once.
        corpus_file : str or os.PathLike, optional
            A text file, one sentence per line (:class:`~embedlearn.corpus.LineSentence`; ``.gz``
            and ``.bz2`` decompressed): streamed once into an on-disk token array, so memory
            does not grow with the corpus.
        update : bool, default False
            Add the new words to a trained model: existing vectors are kept, new words get fresh
            rows and their counts join the noise distribution and the Huffman tree (whose inner
            rows are kept, as gensim: paths change, so expect some retraining).
        trim_rule : callable, optional
            Overrides the constructor's ``trim_rule`` for this call.
        progress_per, keep_raw_vocab : ignored
            gensim's logging options, accepted for compatibility.

        Returns
        -------
        self
        """
        from .vocab import Vocabulary

        iterable, path = self._pick_corpus(sentences, corpus_iterable, corpus_file)
        trim_rule = self.trim_rule if trim_rule is None else trim_rule
        if update and self.vocab is None:
            raise VocabularyError("build_vocab(update=True) needs a model with a vocabulary: "
                                  "call build_vocab(sentences) first")
        result = self._scan(iterable, path)
        self.corpus_count = result.n_sentences
        self.corpus_total_words = result.total_words
        if update:
            old = len(self.vocab)
            self.vocab = self.vocab.merged(result.keys, result.counts, self.min_count, trim_rule)
            self._grow_weights(old)
        else:
            self.vocab = Vocabulary.from_scan(result, self.min_count, self.max_final_vocab,
                                              trim_rule, bool(self.sorted_vocab))
            self._init_weights()
        self._corpus = None  # drop the previous corpus before holding the new one
        self._corpus = result.corpus.remap(self.vocab.lookup(result.keys), inplace=True)
        self._corpus_file = _file_signature(path) if path is not None else None
        self._prepare_tables()
        return self

    def _prepare_tables(self):
        """Subsampling keep probabilities, the noise table and the Huffman codes."""
        self._keep_prob = self.vocab.keep_probabilities(self.sample)
        if self.negative:
            self._noise_cdf = self.vocab.noise_cdf(self.ns_exponent)
            if self._noise_cdf[-1] <= 0:
                raise ValueError(f"ns_exponent={self.ns_exponent} gives every word a noise weight "
                                 "of 0 (counts**ns_exponent underflows)")
        else:
            self._noise_cdf = np.ones(1, np.int64)
        if self.hs:
            tree = self.vocab.huffman()
            self._codes, self._points, self._code_offsets = tree.codes, tree.points, tree.offsets
        else:
            self._codes = np.zeros(1, np.uint8)
            self._points = np.zeros(1, np.int32)
            self._code_offsets = np.zeros(len(self.vocab) + 1, np.int64)

    def _new_rows(self, start, stop, size=None, out=None):
        """Input rows ``start:stop``, uniform in [-1, 1) / N as gensim 4, seeded per model.

        (word2vec.c starts from [-0.5, 0.5) / N; the wider start matters for averaged inputs such
        as CBOW's: on the text8 prefix it is worth about 0.4 analogy points.) With ``out`` (a
        C-contiguous float32 array of that shape, e.g. a slice of the weights) the rows are
        drawn into it, the same values, without a temporary matrix.
        """
        size = self.vector_size if size is None else size
        rng = np.random.default_rng([self.seed, start])
        if out is None:
            rows = rng.random((stop - start, size), dtype=np.float32)
        else:
            if out.shape != (stop - start, size) or out.dtype != np.float32:
                raise ValueError(f"out must be float32 of shape {(stop - start, size)}, got "
                                 f"{out.dtype} {out.shape}")
            rows = rng.random(out=out, dtype=np.float32)
        rows *= 2.0  # in place: no temporary copies of the matrix
        rows -= 1.0
        rows /= size
        return rows

    # --- training -----------------------------------------------------------------------------
    def train(self, corpus_iterable=None, corpus_file=None, total_examples=None, total_words=None,
              epochs=None, start_alpha=None, end_alpha=None, word_count=0, queue_factor=2,
              report_delay=1.0, compute_loss=None, callbacks=None, progress=None, sentences=None):
        """Train on ``corpus_iterable`` / ``corpus_file``, or on the corpus given to build_vocab.

        Parameters
        ----------
        corpus_iterable : iterable of list of str, optional
            Text to train on (read once; ``sentences=`` is accepted too); words outside the
            vocabulary are skipped. If no corpus is given, the corpus encoded last (by
            :meth:`build_vocab` or :meth:`train`) is used without reading the text again; the same
            ``corpus_file`` as in build_vocab, unchanged on disk, is not read again either.
        corpus_file : str or os.PathLike, optional
        total_examples, total_words : optional
            gensim requires one of them; here the corpus is encoded first, so its size is known:
            they are accepted and checked to be positive when given.
        epochs : int, optional
            Defaults to ``self.epochs`` (gensim makes you pass ``epochs=model.epochs``).
        start_alpha, end_alpha : float, optional
            Learning-rate schedule for this call (default ``alpha`` to ``min_alpha``), linear over
            all words of all its epochs.
        compute_loss, callbacks, progress : optional
            Override the constructor's settings for this call.
        word_count, queue_factor, report_delay : ignored
            gensim's threading and logging options.

        Returns
        -------
        tuple of (int, int)
            Effective words trained on (after subsampling) and raw words, over all epochs.

        Raises
        ------
        FloatingPointError
            If a weight became NaN, infinite or larger than :data:`DIVERGENCE_BOUND` (the message
            names the epoch and says what to lower).
        """
        if self.vocab is None:
            raise VocabularyError("build the vocabulary first: call build_vocab(sentences) "
                                  "(gensim: 'you must first build vocabulary before training')")
        epochs = self.epochs if epochs is None else epochs
        check_positive("epochs", epochs, integer=True)
        for name, value in (("total_examples", total_examples), ("total_words", total_words)):
            if value is not None:
                check_nonnegative(name, value, integer=True)
        compute_loss = self.compute_loss if compute_loss is None else bool(compute_loss)
        callbacks = self.callbacks if callbacks is None else tuple(callbacks)
        progress = self.progress if progress is None else bool(progress)
        alpha0 = self.alpha if start_alpha is None else check_learning_rate("start_alpha", start_alpha)
        alpha1 = self.min_alpha if end_alpha is None else \
            check_learning_rate("end_alpha", end_alpha, allow_zero=True)
        check_finite_arrays(self._weights(), "before training")
        corpus = self._corpus_for(sentences if sentences is not None else corpus_iterable,
                                  corpus_file)
        n_tokens = len(corpus)
        if n_tokens == 0:
            raise ValueError("no word of the training corpus is in the vocabulary")
        table = corpus.job_table(self.batch_words if self._cut_long_sentences else 2**62)
        jobs = list(enumerate(zip(table[:-1], table[1:])))
        total = n_tokens * epochs

        def alpha_at(epoch, token):
            return alpha0 + (alpha1 - alpha0) * (epoch * n_tokens + token) / total

        self.running_training_loss = 0.0  # gensim: the loss of this call only
        _callback(callbacks, "on_train_begin", self)
        effective_total = 0
        bar = progress_bar(total, self._NAME, progress)
        try:
            for epoch in range(epochs):
                _callback(callbacks, "on_epoch_begin", self)
                started = time.perf_counter()

                def run(job, epoch=epoch):
                    index, ((t0, s0), (t1, s1)) = job
                    piece = corpus.piece(t0, t1, s0, s1)
                    return self._train_job(piece, s0, alpha_at(epoch, t0), alpha_at(epoch, t1),
                                           job_seed(self.seed, epoch, index), compute_loss)

                results = run_jobs(run, jobs, self.workers, bar,
                                   size=lambda job: int(job[1][1][0] - job[1][0][0]))
                seconds = time.perf_counter() - started
                loss = float(sum(r[0] for r in results))
                examples = int(sum(r[1] for r in results))
                effective = int(sum(r[2] for r in results))
                effective_total += effective
                self.running_training_loss += loss
                stats = {"epoch": len(self.epoch_stats), "seconds": seconds,
                         "words_per_sec": n_tokens / max(seconds, 1e-9),
                         "examples": examples, "effective_words": effective,
                         "alpha": [alpha_at(epoch, 0), alpha_at(epoch, n_tokens)]}
                if compute_loss:
                    stats["loss"] = loss / max(examples, 1)
                self._check_divergence(epoch, loss, alpha0)
                if compute_loss:
                    self.loss_history.append(stats["loss"])
                self.epoch_stats.append(stats)
                self._refresh_wv()
                _callback(callbacks, "on_epoch_end", self)
        finally:
            bar.close()
            self._refresh_wv()
        _callback(callbacks, "on_train_end", self)
        return effective_total, total

    def _check_divergence(self, epoch, loss, alpha0):
        if not np.isfinite(loss):
            self._diverged(epoch, f"the loss is {loss}", alpha0)
        for name, array in self._weights().items():
            if not array.size:
                continue
            # min and max propagate NaN, so two reductions check finiteness and size without
            # a temporary array as large as the weights.
            low, high = float(array.min()), float(array.max())
            if not (np.isfinite(low) and np.isfinite(high)):
                self._diverged(epoch, f"{name} holds NaN or inf", alpha0)
            biggest = max(-low, high)
            if biggest > DIVERGENCE_BOUND:
                self._diverged(epoch, f"{name} holds values as large as {biggest:.3g} (bound "
                                      f"{DIVERGENCE_BOUND:g})", alpha0)

    def _diverged(self, epoch, what, alpha0):
        raise FloatingPointError(
            f"{self._NAME} training diverged in epoch {epoch + 1}: {what}; lower alpha "
            f"(the learning rate started at {alpha0:g}; gensim's default is 0.025)")

    def _corpus_for(self, sentences, corpus_file):
        # No corpus: the one encoded by the last build_vocab. Otherwise encode the one given (as
        # gensim, train(sentences) reads the text it is given, even if build_vocab read it too),
        # except an unchanged corpus_file that build_vocab already encoded.
        from .corpus import LineSentence, scan

        iterable, path = self._pick_corpus(sentences, None, corpus_file)
        if iterable is None and path is None:
            if self._corpus is None:
                raise ValueError("no corpus: pass sentences to train() or build_vocab()")
            return self._corpus
        if path is not None and self._corpus_file == _file_signature(path):
            return self._corpus
        self._corpus = None  # never hold two encoded corpora at once
        if path is not None:
            result = scan(LineSentence(path), spill_dir=tempfile.gettempdir())
        else:
            result = scan(iterable)
        self._corpus = result.corpus.remap(self.vocab.lookup(result.keys), inplace=True)
        self._corpus_file = _file_signature(path) if path is not None else None
        return self._corpus

    def get_latest_training_loss(self) -> float:
        """Loss summed over the last :meth:`train` call (gensim's name and meaning; needs
        ``compute_loss=True``). :attr:`loss_history` keeps the mean loss of every epoch."""
        return self.running_training_loss

    # --- hooks with defaults ------------------------------------------------------------------
    def _refresh_wv(self):
        """Tell the live :attr:`wv` that its vectors changed in place (drops cached norms)."""
        if self.wv is not None:
            self.wv.vectors = self.wv.vectors

    # --- persistence --------------------------------------------------------------------------
    def _meta(self):
        return {"format": self._FORMAT, "params": {k: getattr(self, k) for k in self._PARAMS},
                "loss_history": self.loss_history, "epoch_stats": self.epoch_stats,
                "running_training_loss": self.running_training_loss,
                "corpus_count": self.corpus_count, "corpus_total_words": self.corpus_total_words}

    def _extra_arrays(self):
        """Arrays a subclass saves besides the vocabulary and :meth:`_weights` (e.g. tags)."""
        return {}

    def _read_meta(self, path, meta):
        """Read what a subclass's :meth:`_meta` added, before :meth:`_array_specs` is asked (a
        bad value is a :class:`~embedlearn.errors.ModelFileError` naming ``path``)."""

    def save(self, path):
        """Save the whole model (vocabulary, weights, settings) to ``path`` atomically (``.npz``).

        The file is written to a temporary name in the same directory and renamed into place, so
        an interrupted save never leaves a half-written model. The callbacks and ``trim_rule``
        (Python callables) are not saved.
        """
        from ._io import atomic_savez

        if self.vocab is None:
            raise VocabularyError("nothing to save: call build_vocab(sentences) first")
        encoded = [k.encode("utf8") for k in self.vocab.index_to_key]
        key_offsets = np.zeros(len(encoded) + 1, np.int64)
        np.cumsum([len(b) for b in encoded], out=key_offsets[1:])
        atomic_savez(path, meta=json.dumps(self._meta()),
                     keys_utf8=np.frombuffer(b"".join(encoded), np.uint8), key_offsets=key_offsets,
                     counts=self.vocab.counts, **self._weights(), **self._extra_arrays())

    @classmethod
    def load(cls, path):
        """Load a model written by :meth:`save`, checking every array against the others first.

        Raises
        ------
        embedlearn.errors.ModelFileError
            (a ``ValueError``) if the file is corrupt, truncated, of another format, or its
            arrays disagree (shapes, dtypes, index ranges, counts, non-finite weights): nothing
            read from it reaches a kernel unchecked.
        """
        from .vocab import Vocabulary

        data = _load_npz(path, ("meta", "keys_utf8", "key_offsets", "counts"), cls._FORMAT)
        meta = data["meta"]
        try:
            model = cls(**meta["params"])
        except (TypeError, ValueError, KeyError) as err:
            raise ModelFileError(f"{path}: bad model settings ({err})") from err
        model._read_meta(path, meta)
        raw, key_offsets, counts = data["keys_utf8"], data["key_offsets"], data["counts"]
        check_arrays(path, {"keys_utf8": raw, "key_offsets": key_offsets, "counts": counts}, {
            "keys_utf8": ArraySpec(np.uint8, (None,)),
            "key_offsets": ArraySpec(np.int64, (None,), low=0, high=len(raw) + 1),
            "counts": ArraySpec(np.int64, (len(key_offsets) - 1,), low=1)})
        if len(key_offsets) < 2 or key_offsets[0] != 0 or key_offsets[-1] != len(raw) or \
                np.any(np.diff(key_offsets) < 0):
            raise ModelFileError(f"{path}: inconsistent model file: key offsets do not match the keys")
        blob = raw.tobytes()
        try:
            keys = [blob[key_offsets[i]:key_offsets[i + 1]].decode("utf8")
                    for i in range(len(key_offsets) - 1)]
        except UnicodeDecodeError as err:
            raise ModelFileError(f"{path}: corrupt model file: a key is not UTF-8 ({err})") from err
        try:
            vocab = Vocabulary(keys, counts, check_sorted=False)
        except ValueError as err:
            raise ModelFileError(f"{path}: inconsistent model file: {err}") from err
        V = len(keys)
        specs = model._array_specs(V)
        arrays = _load_npz(path, tuple(specs), cls._FORMAT)
        check_arrays(path, arrays, specs)
        model.vocab = vocab
        model._restore(arrays)
        for name in ("loss_history", "epoch_stats"):
            if not isinstance(meta.get(name, []), list):
                raise ModelFileError(f"{path}: bad model file: {name} is not a list")
        model.loss_history = list(meta.get("loss_history", []))
        model.epoch_stats = list(meta.get("epoch_stats", []))
        model.running_training_loss = float(meta.get("running_training_loss", 0.0))
        model.corpus_count = int(meta.get("corpus_count", 0))
        model.corpus_total_words = int(meta.get("corpus_total_words", 0))
        try:
            model._prepare_tables()
        except ValueError as err:
            raise ModelFileError(f"{path}: inconsistent model file: {err}") from err
        return model
