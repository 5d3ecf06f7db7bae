"""Word2Vec: skip-gram and CBOW with negative sampling and/or hierarchical softmax.

The class only orchestrates: it counts the vocabulary, encodes the corpus once, derives the
subsampling probabilities, the noise table, the Huffman codes and the learning-rate schedule, and
hands jobs of about 10,000 words to :func:`embedlearn.kernels.sgd.train_window_job` on worker
threads. Parameter names and defaults are gensim 4's.
"""
from __future__ import annotations

import json
import time

import numpy as np

from . import training
from .corpus import Corpus, encode, scan
from .vocab import Vocabulary

__all__ = ["Word2Vec"]

_FORMAT = "embedlearn.Word2Vec/1"


class Word2Vec:
    """Word2Vec model (gensim 4 API and defaults).

    Parameters
    ----------
    sentences : iterable of list of str, optional
        If given, the vocabulary is built and the model trained right away. Read once.
    vector_size : int, default 100
        Dimension ``N`` of the vectors.
    alpha : float, default 0.025
        Initial learning rate.
    window : int, default 5
        Maximal distance ``m`` between center and context word (reduced uniformly per position).
    min_count : int, default 5
        Ignore words with a lower total count.
    max_vocab_size : int, optional
        Keep at most this many words (the most frequent).
    sample : float, default 1e-3
        Subsampling threshold ``t`` (0 disables it).
    seed : int, default 1
        Seed of the initial vectors and of every job's random stream.
    workers : int, default 3
        Worker threads. ``workers=1`` with a fixed ``seed`` gives bitwise-identical vectors.
    min_alpha : float, default 1e-4
        Final learning rate (linear decay over all words of all epochs).
    sg : {0, 1}, default 0
        1 for skip-gram, 0 for CBOW.
    hs : {0, 1}, default 0
        1 for hierarchical softmax.
    negative : int, default 5
        Negatives per positive example; 0 disables negative sampling.
    ns_exponent : float, default 0.75
        Exponent of the noise distribution ``count**ns_exponent``.
    cbow_mean : {0, 1}, default 1
        Average (1) or sum (0) the context vectors in CBOW.
    epochs : int, default 5
    compute_loss : bool, default False
        Record the training loss (summed over epochs in ``running_training_loss`` and per epoch
        in ``loss_history``).
    callbacks : sequence, default ()
        Objects with optional ``on_train_begin``, ``on_epoch_begin``, ``on_epoch_end``,
        ``on_train_end`` methods taking the model (gensim's ``CallbackAny2Vec`` protocol).
    progress : bool, default True
        Show a tqdm progress bar.

    Attributes
    ----------
    wv : embedlearn.keyedvectors.KeyedVectors
        The trained input vectors.
    vocab : embedlearn.vocab.Vocabulary
    syn1neg, syn1 : numpy.ndarray
        Output vectors of negative sampling and inner-node vectors of hierarchical softmax.
    loss_history : list of float
        Mean loss per training example of each epoch (with ``compute_loss``).
    epoch_stats : list of dict
        Per epoch: seconds, words/s, examples, effective words, loss.
    """

    def __init__(self, sentences=None, vector_size=100, alpha=0.025, window=5, min_count=5,
                 max_vocab_size=None, sample=1e-3, seed=1, workers=3, min_alpha=0.0001, sg=0,
                 hs=0, negative=5, ns_exponent=0.75, cbow_mean=1, epochs=5, compute_loss=False,
                 callbacks=(), progress=True):
        training.check_positive("vector_size", vector_size, integer=True)
        training.check_positive("alpha", alpha)
        training.check_positive("window", window, integer=True)
        training.check_positive("min_count", min_count, integer=True)
        if max_vocab_size is not None:
            training.check_positive("max_vocab_size", max_vocab_size, integer=True)
        training.check_nonnegative("sample", sample)
        training.check_nonnegative("seed", seed, integer=True)
        training.check_positive("workers", workers, integer=True)
        training.check_nonnegative("min_alpha", min_alpha)
        training.check_nonnegative("negative", negative, integer=True)
        training.check_positive("epochs", epochs, integer=True)
        if sg not in (0, 1) or hs not in (0, 1) or cbow_mean not in (0, 1):
            raise ValueError(f"sg, hs and cbow_mean must be 0 or 1, got {sg!r}, {hs!r}, {cbow_mean!r}")
        if not hs and not negative:
            raise ValueError("hs=0 and negative=0: no training objective (set hs=1 or negative>0)")
        if not np.isfinite(ns_exponent):
            raise ValueError(f"ns_exponent must be finite, got {ns_exponent!r}")
        self.vector_size = int(vector_size)
        self.alpha = float(alpha)
        self.min_alpha = float(min_alpha)
        self.window = int(window)
        self.min_count = int(min_count)
        self.max_vocab_size = max_vocab_size
        self.sample = float(sample)
        self.seed = int(seed)
        self.workers = int(workers)
        self.sg = int(sg)
        self.hs = int(hs)
        self.negative = int(negative)
        self.ns_exponent = float(ns_exponent)
        self.cbow_mean = int(cbow_mean)
        self.epochs = int(epochs)
        self.compute_loss = bool(compute_loss)
        self.callbacks = tuple(callbacks)
        self.progress = bool(progress)
        self.vocab = None
        self.running_training_loss = 0.0
        self.loss_history = []
        self.epoch_stats = []
        self._corpus = None
        if sentences is not None:
            self.build_vocab(sentences)
            self.train(epochs=self.epochs)

    # --- vocabulary ---------------------------------------------------------------------------
    def build_vocab(self, sentences, update=False):
        """Count the corpus (read once), build the vocabulary and initialise the weights.

        Parameters
        ----------
        sentences : iterable of list of str
        update : bool, default False
            Add the new words of ``sentences`` to a trained model: existing vectors are kept,
            new words get fresh random vectors and their counts join the noise distribution.
            With ``hs=1`` the Huffman tree is rebuilt from the merged counts while the trained
            inner-node rows (``syn1``) are kept, as gensim does: paths change, so expect the
            hierarchical-softmax outputs to need some retraining.

        Returns
        -------
        Word2Vec
            ``self``.
        """
        result = scan(sentences)
        if update:
            if self.vocab is None:
                raise ValueError("build_vocab(update=True) needs a model with a vocabulary")
            old = len(self.vocab)
            self.vocab = self.vocab.merged(result.keys, result.counts, self.min_count)
            self._grow_weights(old)
        else:
            self.vocab = Vocabulary.from_scan(result, self.min_count, self.max_vocab_size)
            self._init_weights()
        self._corpus = result.corpus.remap(self.vocab.lookup(result.keys), inplace=True)
        self._prepare_tables()
        return self

    def _new_rows(self, start, stop):
        # Uniform in [-1, 1) / N, as gensim 4 (word2vec.c: [-0.5, 0.5) / N). The wider start
        # matters for CBOW, whose averaged input starts small: on the text8 prefix it is worth
        # about 0.4 analogy points (benchmarks/word2vec.py --quality-seeds). Seeded per model.
        rng = np.random.default_rng([self.seed, start])
        rows = rng.random((stop - start, self.vector_size), dtype=np.float32)
        rows *= 2.0  # in place: no temporary copies of the matrix
        rows -= 1.0
        rows /= self.vector_size
        return rows

    def _init_weights(self):
        V, N = len(self.vocab), self.vector_size
        self.syn0 = self._new_rows(0, V)
        self.syn1neg = np.zeros((V if self.negative else 0, N), np.float32)
        self.syn1 = np.zeros((max(V - 1, 0) if self.hs else 0, N), np.float32)
        self._wv = None

    def _grow_weights(self, old):
        V, N = len(self.vocab), self.vector_size
        self.syn0 = np.vstack([self.syn0, self._new_rows(old, V)])
        if self.negative:
            self.syn1neg = np.vstack([self.syn1neg, np.zeros((V - old, N), np.float32)])
        if self.hs:
            self.syn1 = np.vstack([self.syn1, np.zeros((V - 1 - len(self.syn1), N), np.float32)])
        self._wv = None

    def _prepare_tables(self):
        self._keep_prob = self.vocab.keep_probabilities(self.sample)
        self._noise_cdf = (self.vocab.noise_cdf(self.ns_exponent) if self.negative
                           else np.ones(1, np.int64))
        if self.hs:
            tree = self.vocab.huffman()
            self._codes, self._points, self._code_offsets = tree.codes, tree.points, tree.offsets
        else:
            self._codes = np.zeros(1, np.uint8)
            self._points = np.zeros(1, np.int32)
            self._code_offsets = np.zeros(len(self.vocab) + 1, np.int64)

    # --- training -----------------------------------------------------------------------------
    def train(self, sentences=None, epochs=None, start_alpha=None, end_alpha=None,
              compute_loss=None, callbacks=None, progress=None, total_examples=None,
              total_words=None):
        """Train on ``sentences`` (or on the corpus given to :meth:`build_vocab`).

        Parameters
        ----------
        sentences : iterable of list of str, optional
            Text to train on (read once); words outside the vocabulary are skipped. If omitted,
            the corpus already encoded by the last :meth:`build_vocab` is used without reading
            the text again.
        epochs : int, optional
            Defaults to ``self.epochs``.
        start_alpha, end_alpha : float, optional
            Learning-rate schedule (default ``alpha`` to ``min_alpha``).
        compute_loss, callbacks, progress : optional
            Override the constructor's settings for this call.
        total_examples, total_words : ignored
            Accepted for gensim compatibility: the corpus is encoded first, so its size is known.

        Returns
        -------
        tuple of (int, int)
            Effective words trained on (after subsampling) and raw words, over all epochs.
        """
        from .kernels.sgd import train_window_job

        if self.vocab is None:
            raise ValueError("build the vocabulary first: call build_vocab(sentences)")
        epochs = self.epochs if epochs is None else epochs
        training.check_positive("epochs", epochs, integer=True)
        compute_loss = self.compute_loss if compute_loss is None else bool(compute_loss)
        callbacks = self.callbacks if callbacks is None else tuple(callbacks)
        progress = self.progress if progress is None else bool(progress)
        alpha0 = self.alpha if start_alpha is None else float(start_alpha)
        alpha1 = self.min_alpha if end_alpha is None else float(end_alpha)
        corpus = self._corpus_for(sentences)
        if len(corpus.tokens) == 0:
            raise ValueError("no word of the training corpus is in the vocabulary")

        jobs = training.split_jobs(corpus.offsets)
        bounds = list(zip(jobs[:-1], jobs[1:]))
        total = len(corpus.tokens) * epochs
        args = (corpus.tokens, corpus.offsets)

        def schedule(epoch, s0):
            done = epoch * len(corpus.tokens) + corpus.offsets[s0]
            return alpha0 + (alpha1 - alpha0) * done / total

        for cb in callbacks:
            getattr(cb, "on_train_begin", lambda m: None)(self)
        effective_total = 0
        bar = training.progress_bar(total, "Word2Vec", progress)
        try:
            for epoch in range(epochs):
                for cb in callbacks:
                    getattr(cb, "on_epoch_begin", lambda m: None)(self)
                started = time.perf_counter()

                def run(job, epoch=epoch):
                    index, (s0, s1) = job
                    return train_window_job(
                        *args, corpus.offsets[s0], corpus.offsets[s1], self.syn0, self.syn1neg,
                        self.syn1, self._keep_prob,
                        self._noise_cdf, self._codes, self._points, self._code_offsets,
                        bool(self.sg), bool(self.cbow_mean), self.window, True, self.negative,
                        bool(self.hs), schedule(epoch, s0), schedule(epoch, s1),
                        training.job_seed(self.seed, epoch, index), compute_loss)

                results = training.run_jobs(
                    run, list(enumerate(bounds)), self.workers, bar,
                    size=lambda job: int(corpus.offsets[job[1][1]] - corpus.offsets[job[1][0]]))
                seconds = time.perf_counter() - started
                loss = sum(r[0] for r in results)
                examples = sum(r[1] for r in results)
                effective = sum(r[2] for r in results)
                effective_total += effective
                self.running_training_loss += loss
                stats = {"epoch": len(self.epoch_stats), "seconds": seconds,
                         "words_per_sec": len(corpus.tokens) / max(seconds, 1e-9),
                         "examples": int(examples), "effective_words": int(effective)}
                if compute_loss:
                    stats["loss"] = loss / max(examples, 1)
                    self.loss_history.append(stats["loss"])
                self.epoch_stats.append(stats)
                if not np.all(np.isfinite(self.syn0[:: max(1, len(self.syn0) // 64)])):
                    raise FloatingPointError(
                        f"vectors became NaN/inf in epoch {epoch}; lower alpha (now {alpha0})")
                for cb in callbacks:
                    getattr(cb, "on_epoch_end", lambda m: None)(self)
        finally:
            bar.close()
        for cb in callbacks:
            getattr(cb, "on_train_end", lambda m: None)(self)
        self._wv = None
        return effective_total, len(corpus.tokens) * epochs

    def _corpus_for(self, sentences) -> Corpus:
        # No sentences: the corpus encoded by the last build_vocab. Otherwise encode them (as
        # gensim, train(sentences) reads the text it is given, even if build_vocab read it too).
        if sentences is None:
            if self._corpus is None:
                raise ValueError("no corpus: pass sentences to train() or build_vocab()")
            return self._corpus
        return encode(sentences, self.vocab)

    def get_latest_training_loss(self) -> float:
        """Loss summed over all training so far (gensim's name; needs ``compute_loss=True``)."""
        return self.running_training_loss

    # --- vectors ------------------------------------------------------------------------------
    @property
    def wv(self):
        """The input vectors as :class:`~embedlearn.keyedvectors.KeyedVectors` (shares memory)."""
        if self._wv is None or self._wv.vectors is not self.syn0:
            from .keyedvectors import KeyedVectors

            self._wv = KeyedVectors(self.vocab.index_to_key, self.syn0, counts=self.vocab.counts)
            # KeyedVectors may copy; keep training and queries on the same array.
            self.syn0 = self._wv.vectors
        return self._wv

    # --- persistence --------------------------------------------------------------------------
    _PARAMS = ("vector_size", "alpha", "min_alpha", "window", "min_count", "max_vocab_size",
               "sample", "seed", "workers", "sg", "hs", "negative", "ns_exponent", "cbow_mean",
               "epochs", "compute_loss", "progress")

    def save(self, path):
        """Save the whole model (vocabulary, weights, settings) to ``path`` atomically (``.npz``).

        The file is written to a temporary name in the same directory and renamed into place, so
        an interrupted save never leaves a half-written model.
        """
        from ._io import atomic_savez

        meta = {"format": _FORMAT, "params": {k: getattr(self, k) for k in self._PARAMS},
                "loss_history": self.loss_history, "epoch_stats": self.epoch_stats,
                "running_training_loss": self.running_training_loss}
        atomic_savez(path, meta=json.dumps(meta), keys="\n".join(self.vocab.index_to_key),
                     counts=self.vocab.counts, syn0=self.syn0, syn1neg=self.syn1neg,
                     syn1=self.syn1)

    @classmethod
    def load(cls, path):
        """Load a model written by :meth:`save`; a corrupt or foreign file raises ``ValueError``."""
        from ._io import load_npz

        data = load_npz(path, ("meta", "keys", "counts", "syn0", "syn1neg", "syn1"), _FORMAT)
        meta = data["meta"]
        model = cls(**meta["params"])
        keys = data["keys"].split("\n")
        counts = data["counts"]
        if len(keys) != len(counts) or data["syn0"].shape != (len(keys), model.vector_size):
            raise ValueError(f"{path}: inconsistent model file (vocabulary and weights disagree)")
        vocab = object.__new__(Vocabulary)
        vocab.index_to_key, vocab.counts, vocab._huffman = keys, counts, None
        vocab.key_to_index = {k: i for i, k in enumerate(keys)}
        model.vocab = vocab
        model.syn0, model.syn1neg, model.syn1 = data["syn0"], data["syn1neg"], data["syn1"]
        model._wv = None
        model.loss_history = meta["loss_history"]
        model.epoch_stats = meta["epoch_stats"]
        model.running_training_loss = meta["running_training_loss"]
        model._prepare_tables()
        return model

    def __repr__(self):
        arch = "skip-gram" if self.sg else "CBOW"
        loss = "+".join(n for n, on in (("HS", self.hs), ("NS", self.negative)) if on)
        size = len(self.vocab) if self.vocab is not None else 0
        return f"Word2Vec({arch}, {loss}, vocab={size}, vector_size={self.vector_size})"
