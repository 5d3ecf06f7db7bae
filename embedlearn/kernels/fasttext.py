"""FastText's job kernel: skip-gram and CBOW over subword rows, one inlined SGD step per example.

A vocabulary word ``w`` enters the hidden layer as its subword rows
``sub_rows[sub_offsets[w]:sub_offsets[w + 1]]`` (its own row, then one row per character n-gram,
see :mod:`embedlearn.kernels.subwords`), precomputed once per vocabulary: there is no hashing here.
The hidden vector is their mean and every row gets the whole, unscaled update
(:func:`~embedlearn.kernels.sgd.averaged_rows_step` with ``cbow_mean=True``, the inlined form of
:func:`~embedlearn.kernels.sgd.sgd_step`), as fastText's ``Model::computeHidden`` and
``Model::update``. The step reads a word's rows straight from ``sub_rows`` (skip-gram) or from one
job-owned buffer (CBOW), and every other buffer is allocated once per job: a step allocates
nothing.

Which examples are formed follows gensim 4's ``fasttext_inner.pyx`` (the speed and quality target),
which here agrees with fastText's ``FastText::skipgram`` / ``cbow``:

* **skip-gram**: the *center* word's subword rows predict each context word (word2vec.c and
  :func:`~embedlearn.kernels.sgd.train_window_job` swap the roles; fastText and gensim do not, and
  the subwords must be on the side of the word being represented);
* **CBOW**: the subword rows of all the window's context words, concatenated and averaged,
  predict the center word;
* the reduced window ``m - b``, ``b`` uniform in ``0..m-1`` (fastText's ``uniform(1, ws)`` is the
  same distribution); subsampling with the keep probabilities given (gensim's formula);
  ``negative`` noise words drawn for every example, a draw equal to the target **dropped** (fastText
  redraws it); a score beyond +-6 **skips** its term (fastText clips its sigmoid table at +-8 and
  updates anyway) -- both as :func:`~embedlearn.kernels.sgd.sgd_step` and gensim.

One departure from gensim, in fastText's favour: gensim's skip-gram divides the sum of the word row
and its ``n`` n-gram rows by ``n`` (not ``n + 1``); here ``h`` is the true mean, the same formula
as the word vectors that queries see.

The random stream is word2vec.c's LCG (:func:`~embedlearn.kernels.sgd.next_random`), drawn in the
same order as :func:`~embedlearn.kernels.sgd.train_window_job`: subsampling, then per position the
window reduction, then per example the negatives.
"""
import numpy as np
from numba import njit

from .sgd import (_FAST, NOISE_BUCKET_BITS, _subsample, _wide_vectors, averaged_rows_step,
                  draw_negatives, next_random, noise_buckets, ns_label_codes)

__all__ = ["train_subword_job", "reduced_window", "bucket_start_rows"]


@njit(cache=True, nogil=True, fastmath=_FAST, error_model="numpy")
def train_subword_job(tokens, offsets, sent_start, sent_end, W_in, W_ns, W_hs, sub_rows,
                      sub_offsets, keep_prob, noise_cdf, codes, points, code_offsets, sg,
                      cbow_mean, window, shrink_windows, negative, use_hs, alpha_start, alpha_end,
                      seed, compute_loss):
    """Train FastText skip-gram or CBOW on sentences ``sent_start:sent_end`` (one job).

    Parameters
    ----------
    tokens, offsets : int32 array, int64 array
        The encoded corpus (vocabulary ids).
    sent_start, sent_end : int
        Sentences of this job, ``0 <= sent_start <= sent_end < len(offsets)``.
    W_in : float32 array (V + S, N)
        Input rows: the vocabulary words, then the n-gram buckets in use (updated in place,
        hogwild).
    W_ns, W_hs : float32 arrays
        Output vectors of negative sampling (``syn1neg``) and inner nodes (``syn1``).
    sub_rows, sub_offsets : int32 array, int64 array (V + 1,)
        Word ``w``'s input rows are ``sub_rows[sub_offsets[w]:sub_offsets[w + 1]]`` (not empty).
    keep_prob : float32 array (V,)
        Subsampling keep probabilities.
    noise_cdf : int64 array
        Cumulative noise table (ignored if ``negative == 0``).
    codes, points, code_offsets : arrays
        Huffman codes and paths (ignored unless ``use_hs``).
    sg : bool
        Skip-gram (True) or CBOW (False).
    cbow_mean : bool
        CBOW: average (True) or sum the context rows. Skip-gram always averages.
    window : int
        Maximal window ``m`` (positive).
    shrink_windows : bool
        Draw the reduced window for every position (True, word2vec.c, gensim and fastText) or
        always use ``m`` (no random number drawn).
    negative : int
        Negatives per example (``K``); 0 disables NS.
    use_hs : bool
    alpha_start, alpha_end : float
        The learning rate falls linearly between them over the job's words.
    seed : int
        This job's random stream (see the module docstring for the order of the draws).
    compute_loss : bool

    Returns
    -------
    loss : float
        The summed loss of the terms applied (0 unless ``compute_loss``).
    examples : int
        SGD steps: (center, context) pairs for skip-gram, windows for CBOW.
    effective_words : int
        Words left after subsampling.

    Raises
    ------
    ValueError
        If the sentence range is outside the corpus or ``window < 1``.
    """
    _wide_vectors()
    if not (0 <= sent_start <= sent_end < offsets.shape[0]) or window < 1:
        raise ValueError("train_subword_job: sentence range outside the corpus, or window < 1")
    N = W_in.shape[1]
    rng = np.empty(1, np.uint64)
    rng[0] = np.uint64(seed)
    sent = np.empty(_longest(offsets, sent_start, sent_end), np.int32)
    # The rows of one word (skip-gram) or of up to 2m context words (CBOW).
    longest_word = _longest(sub_offsets, 0, sub_offsets.shape[0] - 1)
    inputs = np.empty(longest_word if sg else 2 * window * longest_word, np.int32)
    # The inlined step's NS rows: the target, then the negatives (see kernels.sgd).
    ns_rows = np.empty(max(negative, 0) + 1, np.int32)
    ns_codes = ns_label_codes(max(negative, 0))
    bits = NOISE_BUCKET_BITS if negative > 0 else 0
    buckets = noise_buckets(noise_cdf, bits)
    shift = 32 - bits
    h = np.empty((1, N), np.float32)
    grad_h = np.empty(N, np.float32)
    words = max(offsets[sent_end] - offsets[sent_start], 1)
    loss = 0.0
    examples = 0
    effective = 0
    for s in range(sent_start, sent_end):
        # The job's slice of the linear schedule, at the sentence's first word.
        alpha = np.float32(alpha_start + (alpha_end - alpha_start)
                           * (offsets[s] - offsets[sent_start]) / words)
        n = _subsample(tokens, offsets[s], offsets[s + 1], keep_prob, rng, sent)
        effective += n
        for i in range(n):
            lo, hi = reduced_window(rng, i, n, window, shrink_windows)
            # The hidden layer's rows: the center's (skip-gram) or all context words' (CBOW),
            # copied into one buffer so that the step is expanded once (two expansions, in
            # branches, would make numba count references per step; see kernels.sgd).
            count = 0
            for j in range(lo, hi):
                if (j == i) == sg:
                    for p in range(sub_offsets[sent[j]], sub_offsets[sent[j] + 1]):
                        inputs[count] = sub_rows[p]
                        count += 1
            # Skip-gram: one step per context word; CBOW: one for the window (if not empty).
            steps = hi - lo - 1 if sg else min(hi - lo - 1, 1)
            mean = True if sg else cbow_mean
            for step in range(steps):
                j = lo + step if lo + step < i else lo + step + 1  # every position but i
                target = sent[j] if sg else sent[i]
                n_neg = -1
                if negative > 0:
                    ns_rows[0] = target
                    n_neg = draw_negatives(noise_cdf, buckets, shift, target, negative, rng,
                                           ns_rows, 1)
                c0 = code_offsets[target] if use_hs else 0
                c1 = code_offsets[target + 1] if use_hs else 0
                loss += averaged_rows_step(W_in, inputs, 0, count, mean, W_ns, ns_rows, 0, n_neg,
                                           ns_codes, W_hs, codes, points, c0, c1, alpha, h,
                                           grad_h, True, True, compute_loss)
            examples += steps
    return loss, examples, effective


@njit(cache=True, nogil=True, inline="always")
def _longest(offsets, start, end):
    """The longest of the runs ``offsets[k]:offsets[k + 1]`` for ``start <= k < end`` (>= 1)."""
    longest = 1
    for k in range(start, end):
        longest = max(longest, offsets[k + 1] - offsets[k])
    return longest


@njit(cache=True, nogil=True, inline="always")
def reduced_window(rng, i, n, window, shrink_windows):
    """Positions ``lo:hi`` of the window around ``i`` in a sentence of ``n`` words.

    With ``shrink_windows`` the window is ``m - b`` with ``b`` uniform in ``0..m-1`` (one random
    number), else ``m``.
    """
    b = np.int64(next_random(rng) % np.uint64(window)) if shrink_windows else 0
    return max(0, i - window + b), min(n, i + window + 1 - b)


_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, nogil=True, inline="always")
def _splitmix64(state):
    """One SplitMix64 output for a state (Steele, Lea & Flood 2014): a well-mixed 64-bit value."""
    z = state
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def bucket_start_rows(seed, buckets, out):
    """The random start of each bucket in ``buckets``: uniform in ``[-1, 1) / N`` as gensim 4.

    Row ``i`` of ``out`` depends on ``seed`` and ``buckets[i]`` only (a SplitMix64 stream per
    bucket), so a bucket starts the same whatever the vocabulary, whichever other buckets are in
    use, and whenever (at :meth:`~embedlearn.fasttext.FastText.build_vocab` or at an update) a
    word first needs it.

    Parameters
    ----------
    seed : int
        Non-negative, below 2**32.
    buckets : int64 array
    out : float32 array (len(buckets), N)
        Written in place.
    """
    N = out.shape[1]
    scale = np.float32(1.0) / np.float32(N)
    for i in range(buckets.shape[0]):
        state = (np.uint64(seed) << np.uint64(32)) ^ np.uint64(buckets[i])
        for k in range(N):
            state += _GAMMA
            u = np.float32(_splitmix64(state) >> np.uint64(40)) * np.float32(2.0**-24)
            out[i, k] = (np.float32(2.0) * u - np.float32(1.0)) * scale
