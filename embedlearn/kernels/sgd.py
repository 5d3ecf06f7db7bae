"""The one SGD engine: negative sampling and hierarchical softmax over averaged input rows.

Every model in the book is a call to :func:`sgd_step` with different inputs (see DESIGN.md):

* skip-gram: one input row (the context word) predicts the center word (roles as in word2vec.c and
  gensim; over a symmetric window the objective equals the paper's);
* CBOW: the window's rows, averaged (``cbow_mean``) or summed, predict the center word;
* the later models pass subword rows, a document row, an item or a node.

Conventions follow gensim's ``word2vec_inner.pyx``: ``g = (t - sigma(x)) * alpha`` is
:math:`-\\eta(\\sigma(x) - t)`, ``grad_h`` (gensim's ``work``, word2vec.c's ``neu1e``) accumulates
:math:`-\\eta\\,EH` with the output vectors *before* they are updated, and a score with
``|x| >= MAX_EXP`` skips its update (gensim skips both NS and HS terms; word2vec.c clips NS).
The sigmoid is computed exactly (no lookup table), so one step equals the NumPy reference step in
:mod:`embedlearn.reference` to float32 rounding.

Random numbers come from word2vec.c's linear congruential generator
``r = r * 25214903917 + 11 (mod 2**64)`` held in a one-element ``uint64`` array, so each job has its
own stream and results do not depend on thread scheduling.
"""
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

#: Scores beyond +-MAX_EXP saturate the sigmoid; their terms are skipped (as gensim).
MAX_EXP = 6.0

_MULT = np.uint64(25214903917)
_INC = np.uint64(11)


@intrinsic
def _prefetch(typingctx, arr, row, col):
    """Hint the CPU to load the cache line holding ``arr[row, col]`` (LLVM's ``llvm.prefetch``)."""
    if not (isinstance(arr, types.Array) and arr.ndim == 2):
        return None
    sig = types.void(arr, types.intp, types.intp)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1], args[2]])
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        # read, high temporal locality, data cache
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3),
                          ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, nogil=True, inline="always")
def prefetch_row(W, row):
    """Start loading row ``row`` of ``W`` into cache (64-byte lines) without waiting for it."""
    for k in range(0, W.shape[1], 16):
        _prefetch(W, row, k)


@njit(cache=True, nogil=True, inline="always")
def next_random(rng):
    """Advance the LCG state ``rng[0]`` and return the new state."""
    rng[0] = rng[0] * _MULT + _INC
    return rng[0]


@njit(cache=True, nogil=True, inline="always")
def random_uniform(rng):
    """A uniform float in [0, 1) from 32 high bits of the LCG."""
    return np.float32((next_random(rng) >> np.uint64(16)) & np.uint64(0xFFFFFFFF)) * np.float32(2.0**-32)


@njit(cache=True, nogil=True, inline="always")
def draw_noise(noise_cdf, rng):
    """Draw one word from the noise distribution given as a cumulative table (binary search)."""
    # Scale 32 random bits to [0, total) by a multiply and a shift (no 64-bit division).
    r = (((next_random(rng) >> np.uint64(16)) & np.uint64(0xFFFFFFFF))
         * np.uint64(noise_cdf[-1])) >> np.uint64(32)
    return np.searchsorted(noise_cdf, np.int64(r))  # bisect_left, as gensim


@njit(cache=True, nogil=True)
def draw_negatives(noise_cdf, target, negative, rng, out):
    """Draw ``negative`` noise words into ``out``, dropping draws equal to ``target`` (as gensim).

    Returns
    -------
    int
        How many negatives were kept (``<= negative``).
    """
    n = 0
    for _ in range(negative):
        w = draw_noise(noise_cdf, rng)
        if w == target:
            continue
        out[n] = w
        n += 1
    return n


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def _output_update(W_out, row, label, h, grad_h, alpha, learn_outputs, compute_loss):
    """One logistic term: score, skip if saturated, accumulate grad_h, update the output row."""
    N = h.shape[0]
    x = np.float32(0.0)
    for k in range(N):
        x += W_out[row, k] * h[k]
    if x <= -MAX_EXP or x >= MAX_EXP:
        return 0.0
    f = np.float32(1.0) / (np.float32(1.0) + np.exp(-x))
    # g = -eta * (sigma(x) - t): word2vec.c's "gradient multiplied by the learning rate".
    g = (label - f) * alpha
    if learn_outputs:
        # One pass: grad_h takes u_j before its update, then u_j moves.
        for k in range(N):
            u = W_out[row, k]
            grad_h[k] += g * u
            W_out[row, k] = u + g * h[k]
    else:
        for k in range(N):
            grad_h[k] += g * W_out[row, k]
    if compute_loss:
        # -log sigma(x) for a positive label, -log sigma(-x) for a negative one.
        s = x if label > 0.5 else -x
        return np.log1p(np.exp(-np.float64(s)))
    return 0.0


@njit(cache=True, nogil=True, fastmath=True)
def sgd_step(W_in, inputs, n_inputs, cbow_mean, target,
             W_ns, negatives, n_neg,
             W_hs, codes, points, code_start, code_end,
             alpha, h, grad_h, learn_inputs, learn_outputs, compute_loss):
    """One SGD step: the averaged input rows predict ``target`` by NS and/or HS.

    Parameters
    ----------
    W_in : float32 array (rows, N)
        Input vectors (``syn0``).
    inputs : int32 array
        Rows of ``W_in`` feeding the hidden layer; the first ``n_inputs`` are used.
    n_inputs : int
    cbow_mean : bool
        Average the input rows (True) or sum them. As gensim, with the mean each input row gets
        the whole ``grad_h``; with the sum each gets ``grad_h / n_inputs``.
    target : int
        The word to predict (label 1).
    W_ns : float32 array (V, N)
        Output vectors for negative sampling (``syn1neg``).
    negatives : int32 array
        Noise words (label 0), the first ``n_neg`` are used; ``n_neg = -1`` disables negative
        sampling (``n_neg = 0`` still trains the positive term).
    W_hs : float32 array (V - 1, N)
        Inner-node vectors for hierarchical softmax (``syn1``).
    codes, points : uint8 array, int32 array
        Huffman codes and paths of all words; ``code_start:code_end`` is ``target``'s path, empty
        to disable HS.
    alpha : float
        Learning rate.
    h, grad_h : float32 arrays (N,)
        Work buffers (``neu1`` and ``neu1e``).
    learn_inputs, learn_outputs : bool
        Update the input rows / the output rows (False freezes them, e.g. for inference).
    compute_loss : bool
        Also return the loss of the applied terms.

    Returns
    -------
    float
        The summed ``-log sigma`` of the applied terms (0 unless ``compute_loss``).
    """
    N = h.shape[0]
    # The output rows are scattered in memory: ask for all of them now, so their cache misses
    # overlap with each other and with building h instead of stalling one after another.
    for i in range(n_inputs):
        prefetch_row(W_in, inputs[i])
    for c in range(code_start, code_end):
        prefetch_row(W_hs, points[c])
    if n_neg >= 0:
        prefetch_row(W_ns, target)
        for d in range(n_neg):
            prefetch_row(W_ns, negatives[d])
    for k in range(N):
        h[k] = 0.0
        grad_h[k] = 0.0
    for i in range(n_inputs):
        row = inputs[i]
        for k in range(N):
            h[k] += W_in[row, k]
    if cbow_mean and n_inputs > 1:
        inv = np.float32(1.0) / np.float32(n_inputs)
        for k in range(N):
            h[k] *= inv
    a = np.float32(alpha)
    loss = 0.0
    # Hierarchical softmax first, then negative sampling (gensim's order when both are on).
    for c in range(code_start, code_end):
        loss += _output_update(W_hs, points[c], np.float32(1.0) - np.float32(codes[c]), h, grad_h,
                               a, learn_outputs, compute_loss)
    if n_neg >= 0:
        loss += _output_update(W_ns, target, np.float32(1.0), h, grad_h, a, learn_outputs,
                               compute_loss)
        for d in range(n_neg):
            loss += _output_update(W_ns, negatives[d], np.float32(0.0), h, grad_h, a,
                                   learn_outputs, compute_loss)
    if learn_inputs:
        if not cbow_mean and n_inputs > 1:
            inv = np.float32(1.0) / np.float32(n_inputs)
            for k in range(N):
                grad_h[k] *= inv
        for i in range(n_inputs):
            row = inputs[i]
            for k in range(N):
                W_in[row, k] += grad_h[k]
    return loss


@njit(cache=True, nogil=True)
def _subsample(tokens, start, end, keep_prob, rng, out):
    """Copy the kept tokens of ``tokens[start:end]`` into ``out``; return how many."""
    n = 0
    for t in range(start, end):
        w = tokens[t]
        p = keep_prob[w]
        if p < 1.0 and p < random_uniform(rng):
            continue
        out[n] = w
        n += 1
    return n


@njit(cache=True, nogil=True)
def train_window_job(tokens, offsets, sent_start, sent_end, W_in, W_ns, W_hs, keep_prob,
                     noise_cdf, codes, points, code_offsets, sg, cbow_mean, window, negative,
                     use_hs, alpha_start, alpha_end, seed, compute_loss):
    """Train skip-gram or CBOW on sentences ``sent_start:sent_end`` (one job).

    Per sentence: subsample (keep word ``w`` with probability ``keep_prob[w]``), then for each
    position draw a reduced window ``m - b`` with ``b`` uniform in ``0..m-1`` (word2vec.c) and take
    SGD steps. The learning rate falls linearly from ``alpha_start`` to ``alpha_end`` over the job's
    words (the caller gives each job its slice of the global schedule).

    Parameters
    ----------
    tokens, offsets : int32 array, int64 array
        The encoded corpus.
    sent_start, sent_end : int
        Sentences of this job.
    W_in, W_ns, W_hs : float32 arrays
        Weights (updated in place, hogwild).
    keep_prob : float32 array (V,)
        Subsampling keep probabilities.
    noise_cdf : int64 array (V,)
        Cumulative noise table (ignored if ``negative == 0``).
    codes, points, code_offsets : arrays
        Huffman codes (ignored unless ``use_hs``).
    sg : bool
        Skip-gram (True) or CBOW (False).
    cbow_mean : bool
    window : int
        Maximal window ``m``.
    negative : int
        Negatives per positive (``K``); 0 disables NS.
    use_hs : bool
    alpha_start, alpha_end : float
    seed : int
        Seed of this job's random stream.
    compute_loss : bool

    Returns
    -------
    loss : float
        Summed loss of the applied terms.
    examples : int
        Number of SGD steps (pairs for skip-gram, windows for CBOW).
    effective_words : int
        Words left after subsampling.
    """
    N = W_in.shape[1]
    rng = np.empty(1, np.uint64)
    rng[0] = np.uint64(seed)
    max_len = 0
    for s in range(sent_start, sent_end):
        max_len = max(max_len, offsets[s + 1] - offsets[s])
    sent = np.empty(max_len, np.int32)
    inputs = np.empty(max(2 * window, 1), np.int32)
    negatives = np.empty(max(negative, 1), np.int32)
    h = np.empty(N, np.float32)
    grad_h = np.empty(N, np.float32)
    total = offsets[sent_end] - offsets[sent_start]
    done = 0
    loss = 0.0
    examples = 0
    effective = 0
    for s in range(sent_start, sent_end):
        alpha = alpha_start + (alpha_end - alpha_start) * done / max(total, 1)
        n = _subsample(tokens, offsets[s], offsets[s + 1], keep_prob, rng, sent)
        effective += n
        for i in range(n):
            b = np.int64(next_random(rng) % np.uint64(window))
            lo = max(0, i - window + b)
            hi = min(n, i + window + 1 - b)
            target = sent[i]
            c0 = code_offsets[target] if use_hs else 0
            c1 = code_offsets[target + 1] if use_hs else 0
            if sg:
                for j in range(lo, hi):
                    if j == i:
                        continue
                    inputs[0] = sent[j]
                    n_neg = draw_negatives(noise_cdf, target, negative, rng, negatives) if negative > 0 else -1
                    loss += sgd_step(W_in, inputs, 1, True, target, W_ns, negatives, n_neg,
                                     W_hs, codes, points, c0, c1, alpha, h, grad_h,
                                     True, True, compute_loss)
                    examples += 1
            else:
                count = 0
                for j in range(lo, hi):
                    if j != i:
                        inputs[count] = sent[j]
                        count += 1
                if count == 0:
                    continue
                n_neg = draw_negatives(noise_cdf, target, negative, rng, negatives) if negative > 0 else -1
                loss += sgd_step(W_in, inputs, count, cbow_mean, target, W_ns, negatives, n_neg,
                                 W_hs, codes, points, c0, c1, alpha, h, grad_h,
                                 True, True, compute_loss)
                examples += 1
        done += offsets[s + 1] - offsets[s]
    return loss, examples, effective


@njit(cache=True, nogil=True)
def train_examples_job(input_rows, input_offsets, targets, ex_start, ex_end, W_in, W_ns, W_hs,
                       noise_cdf, codes, points, code_offsets, cbow_mean, negative, use_hs,
                       alpha_start, alpha_end, seed, learn_inputs, learn_outputs, compute_loss):
    """Train on explicit examples ``ex_start:ex_end``: input rows ``input_rows[input_offsets[e]:
    input_offsets[e + 1]]`` (averaged or summed) predict ``targets[e]``.

    The general form of the engine, for models whose inputs are not a sliding window (a document
    row, an item set, subword rows) and for inference with frozen rows (``learn_outputs=False``).

    Returns
    -------
    loss : float
    examples : int
    """
    N = W_in.shape[1]
    rng = np.empty(1, np.uint64)
    rng[0] = np.uint64(seed)
    negatives = np.empty(max(negative, 1), np.int32)
    h = np.empty(N, np.float32)
    grad_h = np.empty(N, np.float32)
    loss = 0.0
    total = max(ex_end - ex_start, 1)
    for e in range(ex_start, ex_end):
        alpha = alpha_start + (alpha_end - alpha_start) * (e - ex_start) / total
        target = targets[e]
        c0 = code_offsets[target] if use_hs else 0
        c1 = code_offsets[target + 1] if use_hs else 0
        n_neg = draw_negatives(noise_cdf, target, negative, rng, negatives) if negative > 0 else -1
        start = input_offsets[e]
        loss += sgd_step(W_in, input_rows[start:input_offsets[e + 1]], input_offsets[e + 1] - start,
                         cbow_mean, target, W_ns, negatives, n_neg, W_hs, codes, points, c0, c1,
                         alpha, h, grad_h, learn_inputs, learn_outputs, compute_loss)
    return loss, ex_end - ex_start
