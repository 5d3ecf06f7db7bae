"""Paragraph-vector job kernels: PV-DM and PV-DBOW as steps of the one SGD engine.

A document is a sequence of word rows plus a few rows of its own (its tags' rows, "paragraph
vectors"), all rows of one input matrix ``W_in``. The kernels know rows only:

* **PV-DM** (``dm=True``): at each position, the sequence's own rows and the window's word rows,
  averaged (``cbow_mean``) or summed, predict the center word: CBOW with extra input rows
  (:func:`~embedlearn.kernels.sgd.averaged_rows_step`).
* **PV-DBOW** (``dm=False``): each of the sequence's own rows alone predicts every word, as a
  skip-gram input row (:func:`~embedlearn.kernels.sgd.single_row_step`); ``train_words``
  interleaves ordinary skip-gram pairs over the window (gensim's ``dbow_words=1``), which share
  the output weights.

The steps are the inlined forms of :func:`~embedlearn.kernels.sgd.sgd_step` with buffers the job
owns (no allocation per step), and negatives are drawn with the job's bucket index over the noise
table (:func:`~embedlearn.kernels.sgd.noise_buckets`), as in
:func:`~embedlearn.kernels.sgd.train_window_job`.

Training and inference run the same per-sequence loop, :func:`train_sequence`, with different
flags: inference (:func:`infer_sequences_job`) freezes the word rows (``learn_words=False``) and
the output rows (``learn_outputs=False``) and moves only the new sequence's row.

Order of operations and random draws follow gensim's ``doc2vec_inner.pyx`` (a draw of the reduced
window per position, then the negatives of each step), with the random stream of
:mod:`embedlearn.kernels.sgd`. Unlike gensim, no sequence is cut at 10,000 words.
"""
import numpy as np
from numba import njit

from .sgd import (_FAST, NOISE_BUCKET_BITS, _subsample, _wide_vectors, averaged_rows_step,
                  draw_negatives, next_random, noise_buckets, ns_label_codes, random_uniform,
                  single_row_step)


@njit(cache=True, nogil=True, inline="always")
def _window_bounds(i, n, window, shrink_windows, rng):
    """``[lo, hi)`` of the window around position ``i``: ``window - b`` wide, ``b`` uniform in
    ``0..window-1`` when ``shrink_windows`` (word2vec.c's reduced window), else ``b = 0``."""
    b = np.int64(next_random(rng) % np.uint64(window)) if shrink_windows else 0
    return max(0, i - window + b), min(n, i + window + 1 - b)


@njit(cache=True, nogil=True, inline="always")
def _noise(noise_cdf, buckets, shift, target, negative, rng, ns_rows):
    """Fill the NS rows of one step, ``ns_rows = [target, negatives...]``, and return how many
    negatives were kept; ``-1`` (no negative sampling) when ``negative == 0``."""
    if negative > 0:
        ns_rows[0] = target
        return draw_negatives(noise_cdf, buckets, shift, target, negative, rng, ns_rows, 1)
    return -1


@njit(cache=True, nogil=True, inline="always")
def _apply_to_some_inputs(W_in, inputs, start, stop, n_inputs, cbow_mean, grad_h):
    """Add ``grad_h`` to ``inputs[start:stop]`` only, scaled as the averaged step scales it.

    Used when :func:`~embedlearn.kernels.sgd.averaged_rows_step` ran with
    ``learn_inputs=False`` (it accumulated ``grad_h`` but moved no input row) and only some of
    the inputs learn, e.g. the new row in PV-DM inference.
    """
    N = grad_h.shape[0]
    if not cbow_mean and n_inputs > 1:
        inv = np.float32(1.0) / np.float32(n_inputs)
        for k in range(N):
            grad_h[k] *= inv
    for i in range(start, stop):
        row = inputs[i]
        for k in range(N):
            W_in[row, k] += grad_h[k]


@njit(cache=True, nogil=True, fastmath=_FAST, error_model="numpy")
def train_sequence(words, n_words, own_rows, n_own, W_in, W_ns, W_hs, noise_cdf, buckets, shift,
                   codes, points, code_offsets, dm, cbow_mean, window, shrink_windows, negative,
                   use_hs, train_words, learn_words, learn_own, learn_outputs, alpha, rng, inputs,
                   ns_rows, ns_codes, h, grad_h, compute_loss):
    """Train on one sequence of word rows that has rows of its own (PV-DM or PV-DBOW).

    Parameters
    ----------
    words : int32 array
        The sequence's word rows (after subsampling); the first ``n_words`` are used. A word row
        is also the word's id in ``W_ns``, ``codes`` and ``points``.
    n_words : int
    own_rows : int32 array
        Rows of ``W_in`` that belong to the sequence (the document's tags); the first ``n_own``.
    n_own : int
    W_in, W_ns, W_hs : float32 arrays
        Input rows (words and documents), NS output rows, HS inner-node rows.
    noise_cdf, buckets, shift : arrays and int
        Noise table, its bucket index ``noise_buckets(noise_cdf, bits)`` and ``shift = 32 - bits``
        (see :func:`~embedlearn.kernels.sgd.draw_noise`).
    codes, points, code_offsets : arrays
        Huffman paths, as for :func:`embedlearn.kernels.sgd.train_window_job`.
    dm : bool
        PV-DM (True) or PV-DBOW (False).
    cbow_mean : bool
        PV-DM: average (True) or sum the input rows.
    window : int
        Maximal window ``m``.
    shrink_windows : bool
        Draw a reduced window per position.
    negative : int
        Negatives per step; 0 disables negative sampling.
    use_hs : bool
    train_words : bool
        PV-DBOW only: also train skip-gram pairs of words (gensim's ``dbow_words``).
    learn_words, learn_own, learn_outputs : bool
        Which rows move: the word rows, the sequence's own rows, the output rows.
    alpha : float
    rng : uint64 array (1,)
        The random state, advanced in place.
    inputs, ns_rows, ns_codes, h, grad_h : arrays
        Buffers the caller owns: ``inputs`` (int32) holds at least ``n_own + 2 * window`` rows,
        ``ns_rows`` (int32) ``max(negative, 0) + 1``; ``ns_codes = ns_label_codes(max(negative,
        0))``; ``h`` is float32 (1, N), ``grad_h`` float32 (N,).
    compute_loss : bool

    Returns
    -------
    loss : float
    examples : int
        SGD steps taken.
    """
    _wide_vectors()
    a = np.float32(alpha)
    loss = 0.0
    examples = 0
    learn_all = learn_words and learn_own
    for i in range(n_words):
        target = words[i]
        c0 = code_offsets[target] if use_hs else 0
        c1 = code_offsets[target + 1] if use_hs else 0
        if dm:
            lo, hi = _window_bounds(i, n_words, window, shrink_windows, rng)
            count = 0
            for t in range(n_own):  # own rows first, then the context words
                inputs[count] = own_rows[t]
                count += 1
            for j in range(lo, hi):
                if j != i:
                    inputs[count] = words[j]
                    count += 1
            n_neg = _noise(noise_cdf, buckets, shift, target, negative, rng, ns_rows)
            loss += averaged_rows_step(W_in, inputs, 0, count, cbow_mean, W_ns, ns_rows, 0, n_neg,
                                       ns_codes, W_hs, codes, points, c0, c1, a, h, grad_h,
                                       learn_all, learn_outputs, compute_loss)
            if learn_own and not learn_words:
                _apply_to_some_inputs(W_in, inputs, 0, n_own, count, cbow_mean, grad_h)
            elif learn_words and not learn_own:
                _apply_to_some_inputs(W_in, inputs, n_own, count, count, cbow_mean, grad_h)
            examples += 1
            continue
        if train_words:  # skip-gram pairs first, as gensim: the context word predicts the center
            lo, hi = _window_bounds(i, n_words, window, shrink_windows, rng)
            for j in range(lo, hi):
                if j == i:
                    continue
                n_neg = _noise(noise_cdf, buckets, shift, target, negative, rng, ns_rows)
                loss += single_row_step(W_in, words[j], W_ns, ns_rows, 0, n_neg, ns_codes, W_hs,
                                        codes, points, c0, c1, a, grad_h, learn_words,
                                        learn_outputs, compute_loss)
                examples += 1
        for t in range(n_own):  # then each own row predicts the word
            n_neg = _noise(noise_cdf, buckets, shift, target, negative, rng, ns_rows)
            loss += single_row_step(W_in, own_rows[t], W_ns, ns_rows, 0, n_neg, ns_codes, W_hs,
                                    codes, points, c0, c1, a, grad_h, learn_own, learn_outputs,
                                    compute_loss)
            examples += 1
    return loss, examples


@njit(cache=True, nogil=True, fastmath=_FAST, error_model="numpy")
def train_document_job(tokens, offsets, first_doc, doc_tags, tag_offsets, tag_row0, W_in, W_ns,
                       W_hs, keep_prob, noise_cdf, codes, points, code_offsets, dm, cbow_mean,
                       window, shrink_windows, negative, use_hs, train_words, alpha_start,
                       alpha_end, seed, compute_loss):
    """Train PV-DM or PV-DBOW on one job: pieces of consecutive documents.

    Sequence ``s`` of the job (``tokens[offsets[s]:offsets[s + 1]]``) is (a piece of) document
    ``d = first_doc + s``, whose own rows are
    ``tag_row0 + doc_tags[tag_offsets[d]:tag_offsets[d + 1]]``.
    Per sequence: subsample, then :func:`train_sequence` with every row learning. The learning
    rate falls linearly from ``alpha_start`` to ``alpha_end`` over the job's tokens.

    Parameters
    ----------
    tokens, offsets : int32 array, int64 array
        The job's word rows and sequence boundaries (``offsets[0] == 0``).
    first_doc : int
        Document index of the job's first sequence.
    doc_tags, tag_offsets : int32 array, int64 array
        Tag ids of every document of the corpus, flat, and their boundaries.
    tag_row0 : int
        Row of ``W_in`` holding tag 0 (the tags' rows follow the word rows).
    W_in, W_ns, W_hs : float32 arrays
        Weights, updated in place (hogwild).
    keep_prob, noise_cdf, codes, points, code_offsets : arrays
        Subsampling, noise table and Huffman paths.
    dm, cbow_mean, window, shrink_windows, negative, use_hs, train_words
        As :func:`train_sequence`.
    alpha_start, alpha_end : float
    seed : int
        Seed of the job's random stream.
    compute_loss : bool

    Returns
    -------
    loss : float
    examples : int
    effective_words : int
        Words left after subsampling.
    """
    _wide_vectors()
    N = W_in.shape[1]
    n_seq = len(offsets) - 1
    rng = np.empty(1, np.uint64)
    rng[0] = np.uint64(seed)
    max_len = 0
    max_tags = 1
    for s in range(n_seq):
        max_len = max(max_len, offsets[s + 1] - offsets[s])
        d = first_doc + s
        max_tags = max(max_tags, tag_offsets[d + 1] - tag_offsets[d])
    words = np.empty(max_len, np.int32)
    own_rows = np.empty(max_tags, np.int32)
    inputs = np.empty(max_tags + 2 * window, np.int32)
    ns_rows = np.empty(max(negative, 0) + 1, np.int32)
    ns_codes = ns_label_codes(max(negative, 0))
    bits = NOISE_BUCKET_BITS if negative > 0 else 0
    buckets = noise_buckets(noise_cdf, bits)
    h = np.empty((1, N), np.float32)
    grad_h = np.empty(N, np.float32)
    total = max(offsets[n_seq], 1)
    loss = 0.0
    examples = 0
    effective = 0
    for s in range(n_seq):
        alpha = alpha_start + (alpha_end - alpha_start) * offsets[s] / total
        d = first_doc + s
        n_own = tag_offsets[d + 1] - tag_offsets[d]
        for t in range(n_own):
            own_rows[t] = tag_row0 + doc_tags[tag_offsets[d] + t]
        # np.int64: numba would first type the count as the literal 0 and compile
        # train_sequence for it too.
        n = np.int64(_subsample(tokens, offsets[s], offsets[s + 1], keep_prob, rng, words))
        effective += n
        # np.bool_ constants, not literals: numba would compile train_sequence once more for
        # each combination of literal flags (a literal argument is a specialisation of its own).
        seq_loss, seq_examples = train_sequence(
            words, n, own_rows, n_own, W_in, W_ns, W_hs, noise_cdf, buckets, 32 - bits, codes,
            points, code_offsets, dm, cbow_mean, window, shrink_windows, negative, use_hs,
            train_words, np.bool_(True), np.bool_(True), np.bool_(True), alpha, rng, inputs,
            ns_rows, ns_codes, h, grad_h, compute_loss)
        loss += seq_loss
        examples += seq_examples
    return loss, examples, effective


@njit(cache=True, nogil=True, fastmath=_FAST, error_model="numpy")
def infer_sequences_job(tokens, offsets, seq_start, seq_end, seeds, new_row, out, W_in, W_ns,
                        W_hs, keep_prob, noise_cdf, codes, points, code_offsets, dm, cbow_mean,
                        window, shrink_windows, negative, use_hs, epochs, alpha, min_alpha):
    """Infer a row for each of sequences ``seq_start:seq_end`` with every other weight frozen.

    For each sequence: seed the random stream with ``seeds[s]``, start row ``new_row`` of
    ``W_in`` uniform in ``[-0.5, 0.5) / N`` from that stream (gensim's start for an inferred
    vector, ``pseudorandom_weak_vector``; trained rows start in ``[-1, 1) / N``), then run
    ``epochs`` passes of :func:`train_sequence` with only that row learning
    (``learn_words=False``, ``learn_outputs=False``, no word pairs) and copy it to ``out[s]``.
    The learning rate is constant within an epoch and falls linearly from ``alpha`` (first
    epoch) to ``min_alpha`` (last epoch), as gensim's ``infer_vector``. Only row ``new_row`` of ``W_in`` is written.

    Parameters
    ----------
    tokens, offsets : int32 array, int64 array
        The sequences' word rows (words outside the vocabulary already dropped).
    seq_start, seq_end : int
    seeds : int64 array
        One seed per sequence (so a sequence's result does not depend on the others).
    new_row : int
        A row of ``W_in`` that nothing else uses (a scratch row).
    out : float32 array (n_sequences, N)
        Receives the inferred rows.
    W_in, W_ns, W_hs, keep_prob, noise_cdf, codes, points, code_offsets
        The trained model (read only, except ``W_in[new_row]``).
    dm, cbow_mean, window, shrink_windows, negative, use_hs
        The model's settings.
    epochs : int
    alpha, min_alpha : float
    """
    _wide_vectors()
    N = W_in.shape[1]
    rng = np.empty(1, np.uint64)
    max_len = 0
    for s in range(seq_start, seq_end):
        max_len = max(max_len, offsets[s + 1] - offsets[s])
    words = np.empty(max_len, np.int32)
    own_rows = np.full(1, new_row, np.int32)
    inputs = np.empty(1 + 2 * window, np.int32)
    ns_rows = np.empty(max(negative, 0) + 1, np.int32)
    ns_codes = ns_label_codes(max(negative, 0))
    # The bucket index pays for building it only on jobs with many draws (as train_examples_job).
    draws = (offsets[seq_end] - offsets[seq_start]) * epochs * max(negative, 0)
    many = negative > 0 and draws > noise_cdf.shape[0] + (1 << NOISE_BUCKET_BITS)
    bits = NOISE_BUCKET_BITS if many else 0
    buckets = noise_buckets(noise_cdf, bits)
    h = np.empty((1, N), np.float32)
    grad_h = np.empty(N, np.float32)
    step = (alpha - min_alpha) / max(epochs - 1, 1)
    for s in range(seq_start, seq_end):
        rng[0] = np.uint64(seeds[s])
        for k in range(N):
            W_in[new_row, k] = (random_uniform(rng) - np.float32(0.5)) / np.float32(N)
        for epoch in range(epochs):
            n = np.int64(_subsample(tokens, offsets[s], offsets[s + 1], keep_prob, rng, words))
            # Flags as np.bool_ and the row count as a value, not literals: one compiled
            # train_sequence serves training, inference and direct calls (a literal argument
            # makes numba compile a specialisation of its own).
            no, yes = np.bool_(False), np.bool_(True)
            train_sequence(words, n, own_rows, own_rows.shape[0], W_in, W_ns, W_hs, noise_cdf,
                           buckets, 32 - bits, codes, points, code_offsets, dm, cbow_mean,
                           window, shrink_windows, negative, use_hs, no, no, yes, no,
                           alpha - step * epoch, rng, inputs, ns_rows, ns_codes, h, grad_h, no)
        for k in range(N):
            out[s, k] = W_in[new_row, k]
