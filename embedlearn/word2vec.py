"""Word2Vec: skip-gram and CBOW with negative sampling and/or hierarchical softmax.

What is Word2Vec's own is small: the output weights ``syn1neg`` (NS) and ``syn1`` (HS), and the
job kernel :func:`embedlearn.kernels.sgd.train_window_job`, which slides the (reduced) window over
each sentence and calls the one SGD step. The vocabulary, corpus, schedule, threads, checks and
save/load are :class:`embedlearn.training.SGDModel`'s. Parameter names and defaults are gensim 4's.
"""
from __future__ import annotations

import numpy as np

from .keyedvectors import _growing
from .training import SGDModel
from .validation import ArraySpec, check_flag

__all__ = ["Word2Vec"]


class Word2Vec(SGDModel):
    """Word2Vec model (gensim 4 API and defaults).

    Parameters
    ----------
    sentences : iterable of list of str, optional
        If given (or ``corpus_iterable`` / ``corpus_file``), the vocabulary is built and the model
        trained right away. Read once.
    corpus_file : str or os.PathLike, optional
        A text file, one sentence per line, streamed once into an on-disk token array: training
        memory does not grow with the corpus.
    vector_size : int, default 100
        Dimension ``N`` of the vectors.
    alpha : float, default 0.025
        Initial learning rate (finite, > 0; a warning above 1).
    window : int, default 5
        Maximal distance ``m`` between center and context word.
    min_count : int, default 5
        Ignore words with a lower total count (0 and 1 keep every word).
    max_vocab_size : int, optional
        gensim's RAM cap while counting: prune the rarest words whenever more than this many
        distinct words have been seen (see :func:`embedlearn.corpus.scan`).
    max_final_vocab : int, optional
        Cap on the final vocabulary, by raising ``min_count`` as gensim does.
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
        Exponent of the noise distribution ``count**ns_exponent`` (may be negative).
    cbow_mean : {0, 1}, default 1
        Average (1) or sum (0) the context vectors in CBOW.
    epochs : int, default 5
    compute_loss : bool, default False
        Record the training loss (per call in :meth:`get_latest_training_loss`, per epoch in
        ``loss_history``).
    callbacks : sequence, default ()
        Objects with optional ``on_train_begin``, ``on_epoch_begin``, ``on_epoch_end``,
        ``on_train_end`` methods taking the model (gensim's ``CallbackAny2Vec`` protocol).
    progress : bool, default True
        Show a tqdm progress bar.
    trim_rule : callable, optional
        ``trim_rule(word, count, min_count)`` -> ``RULE_KEEP`` / ``RULE_DISCARD`` /
        ``RULE_DEFAULT`` (:mod:`embedlearn.corpus`, gensim's values).
    sorted_vocab : {0, 1}, default 1
        Order the vocabulary by decreasing count (ties as gensim: last seen first).
    batch_words : int, default 10000
        Tokens per job; longer sentences are cut into several jobs.
    shrink_windows : bool, default True
        Draw a reduced window uniformly in ``1..m`` for each center word (word2vec.c); False
        always uses the full window.
    corpus_iterable : iterable of list of str, optional
        gensim 4's name for ``sentences``.

    Attributes
    ----------
    wv : embedlearn.keyedvectors.KeyedVectors
        The input vectors, live: it shares memory with training and stays valid (new words
        included) through :meth:`build_vocab` with ``update=True`` and further :meth:`train`.
    vocab : embedlearn.vocab.Vocabulary
    syn1neg, syn1 : numpy.ndarray
        Output vectors of negative sampling and inner-node vectors of hierarchical softmax.
    corpus_count, corpus_total_words : int
        Sentences and raw words of the last corpus counted (gensim's names).
    loss_history : list of float
        Mean loss per training example of each epoch (with ``compute_loss``).
    epoch_stats : list of dict
        Per epoch: seconds, words/s, examples, effective words, learning rates, loss.
    """

    _FORMAT = "embedlearn.Word2Vec/2"
    _PARAMS = SGDModel._PARAMS + ("sg", "cbow_mean")
    _NAME = "Word2Vec"

    def __init__(self, sentences=None, corpus_file=None, vector_size=100, alpha=0.025, window=5,
                 min_count=5, max_vocab_size=None, sample=1e-3, seed=1, workers=3,
                 min_alpha=0.0001, sg=0, hs=0, negative=5, ns_exponent=0.75, cbow_mean=1,
                 epochs=5, compute_loss=False, callbacks=(), progress=True, trim_rule=None,
                 sorted_vocab=1, batch_words=10000, shrink_windows=True, max_final_vocab=None,
                 corpus_iterable=None):
        check_flag("sg", sg)
        check_flag("cbow_mean", cbow_mean)
        super().__init__(vector_size=vector_size, alpha=alpha, window=window, min_count=min_count,
                         max_vocab_size=max_vocab_size, max_final_vocab=max_final_vocab,
                         sample=sample, seed=seed, workers=workers, min_alpha=min_alpha, hs=hs,
                         negative=negative, ns_exponent=ns_exponent, epochs=epochs,
                         compute_loss=compute_loss, callbacks=callbacks, progress=progress,
                         trim_rule=trim_rule, sorted_vocab=sorted_vocab, batch_words=batch_words,
                         shrink_windows=shrink_windows)
        self.sg = int(sg)
        self.cbow_mean = int(cbow_mean)
        iterable, path = self._pick_corpus(sentences, corpus_iterable, corpus_file)
        if iterable is not None or path is not None:
            self.build_vocab(iterable, corpus_file=path)
            self.train(epochs=self.epochs)

    # --- weights ------------------------------------------------------------------------------
    def _init_weights(self):
        from .keyedvectors import KeyedVectors

        V, N = len(self.vocab), self.vector_size
        self.syn0 = self._new_rows(0, V)
        self.syn1neg = np.zeros((V if self.negative else 0, N), np.float32)
        self.syn1 = np.zeros((max(V - 1, 0) if self.hs else 0, N), np.float32)
        self.wv = KeyedVectors(self.vocab.index_to_key, self.syn0, counts=self.vocab.counts)
        self.syn0 = self.wv.vectors  # one array for training and queries

    def _grow_weights(self, old):
        V, N = len(self.vocab), self.vector_size
        with _growing(self.wv):
            self.wv.add_vectors(self.vocab.index_to_key[old:], self._new_rows(old, V),
                                extras={"count": self.vocab.counts[old:]})
        self.wv.counts = self.vocab.counts  # old words' counts grew too
        self.syn0 = self.wv.vectors
        if self.negative:
            self.syn1neg = np.vstack([self.syn1neg, np.zeros((V - old, N), np.float32)])
        if self.hs:
            self.syn1 = np.vstack([self.syn1, np.zeros((V - 1 - len(self.syn1), N), np.float32)])

    def _weights(self):
        return {"syn0": self.syn0, "syn1neg": self.syn1neg, "syn1": self.syn1}

    def _array_specs(self, V):
        N = self.vector_size
        return {"syn0": ArraySpec(np.float32, (V, N)),
                "syn1neg": ArraySpec(np.float32, (V if self.negative else 0, N)),
                "syn1": ArraySpec(np.float32, (max(V - 1, 0) if self.hs else 0, N))}

    def _restore(self, arrays):
        from .keyedvectors import KeyedVectors

        self.wv = KeyedVectors(self.vocab.index_to_key, arrays["syn0"], counts=self.vocab.counts)
        self.syn0 = self.wv.vectors
        self.syn1neg = np.ascontiguousarray(arrays["syn1neg"])
        self.syn1 = np.ascontiguousarray(arrays["syn1"])

    # --- one job ------------------------------------------------------------------------------
    def _train_job(self, piece, first_sentence, alpha_start, alpha_end, seed, compute_loss):
        from .kernels.sgd import train_window_job

        loss, examples, effective = train_window_job(
            piece.tokens, piece.offsets, 0, len(piece.tokens), self.syn0, self.syn1neg,
            self.syn1, self._keep_prob, self._noise_cdf, self._codes, self._points,
            self._code_offsets, bool(self.sg), bool(self.cbow_mean), self.window,
            self.shrink_windows, self.negative, bool(self.hs), alpha_start, alpha_end, seed,
            compute_loss)
        return loss, examples, effective

    def __repr__(self):
        arch = "skip-gram" if self.sg else "CBOW"
        loss = "+".join(n for n, on in (("HS", self.hs), ("NS", self.negative)) if on)
        size = len(self.vocab) if self.vocab is not None else 0
        return f"Word2Vec({arch}, {loss}, vocab={size}, vector_size={self.vector_size})"
