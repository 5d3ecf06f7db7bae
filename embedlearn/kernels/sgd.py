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

Why the code has the shape it has (measured with ``benchmarks/profile_sgd.py``):

* **No reference counting in the hot loops.** numba counts references to arrays with atomic
  instructions, and removes the pairs only where control flow is simple. An inlined helper with
  several exits (an early ``return``), a raise path (``ZeroDivisionError`` checks, hence
  ``error_model="numpy"``; ``range`` with a step), or an array chosen in a branch keeps them:
  the first kernel paid several atomic operations per HS node or NS term, the main reason
  skip-gram HS (12 terms per step) lost most. The helpers below have one exit, steps are
  inlined (a call costs the same per call), and prefetch hints take addresses, not arrays.
* Scores and updates index the 2-D matrices (``W[row, k]``) instead of taking row views.
* Each term's score is computed in the same pass over ``h`` as the previous term's update
  (one pass instead of two; the next row's loads start earlier).
* Noise words are drawn with a bucket index over the cumulative table (:func:`noise_buckets`)
  instead of a binary search over all of it, which took half of skip-gram NS's time.
* A job draws a center's random numbers one center ahead (the stream's order is unchanged) and
  prefetches the rows that center will read.
* The kernels ask LLVM for 512-bit vectors where the CPU has them (:func:`_wide_vectors`).

``_PREFETCH``, ``_FUSE`` and ``_WIDE`` switch the last three off in a copy of this module, for
an A/B run of the profile.
"""
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

#: Scores beyond +-MAX_EXP saturate the sigmoid; their terms are skipped (as gensim).
MAX_EXP = 6.0

# Fast-math without nnan/ninf: sums may be reordered (vectorised dot products), but comparisons
# with MAX_EXP and NaN keep their meaning.
_FAST = {"reassoc", "contract", "nsz", "arcp"}
#: log2 of the number of buckets of the noise index: 2**16 int32 (256 KiB, in L2) leave most draws
#: no table entry to compare (text8: 0.34 entries per draw); fewer bits measured slower.
NOISE_BUCKET_BITS = 16
_PREFETCH = True
_FUSE = True
_WIDE = True

_MULT = np.uint64(25214903917)
_INC = np.uint64(11)


@intrinsic
def _data_address(typingctx, arr):
    """The address of ``arr``'s first element as an integer (for prefetch hints)."""
    if not isinstance(arr, types.Array):
        return None
    sig = types.uintp(arr)

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        return builder.ptrtoint(ary.data, context.get_value_type(types.uintp))

    return sig, codegen


@intrinsic
def _prefetch(typingctx, address):
    """Hint the CPU to load the cache line holding ``address`` (LLVM's ``llvm.prefetch``)."""
    sig = types.void(types.uintp)

    def codegen(context, builder, signature, args):
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        # read, high temporal locality, data cache
        builder.call(fn, [builder.inttoptr(args[0], i8p), ir.Constant(i32, 0), ir.Constant(i32, 3),
                          ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def _wide_vectors(typingctx):
    """Let LLVM vectorise the calling kernel with the widest vectors the CPU has.

    LLVM vectorises with 256-bit registers by default even on AVX-512 CPUs; the function
    attribute ``"prefer-vector-width"="512"`` lifts that. On a CPU without AVX-512 the widest
    legal vector is 256 bits, so the code is unchanged there. (gensim's BLAS calls use 512-bit
    vectors on AVX-512 CPUs too.)
    """
    def codegen(context, builder, signature, args):
        if _WIDE:
            # llvmlite knows no string attributes; the set renders its items verbatim. Should
            # that change, the kernel keeps LLVM's default width.
            try:
                set.add(builder.function.attributes, '"prefer-vector-width"="512"')
            except (AttributeError, TypeError):  # pragma: no cover
                pass
        return context.get_dummy_value()

    return types.void(), codegen


@njit(cache=True, nogil=True, inline="always")
def _prefetch_bytes(address, nbytes):
    """Start loading ``nbytes`` from ``address`` into cache without waiting: one hint per 64-byte
    line. (Addresses, not arrays: an array passed to a helper costs reference counting.)"""
    end = address + np.uintp(nbytes)
    line = address & ~np.uintp(63)
    while line < end:
        _prefetch(line)
        line += np.uintp(64)


@njit(cache=True, nogil=True, inline="always")
def next_random(rng):
    """Advance the LCG state ``rng[0]`` and return the new state."""
    rng[0] = rng[0] * _MULT + _INC
    return rng[0]


@njit(cache=True, nogil=True, inline="always")
def random_uniform(rng):
    """A uniform float in [0, 1) from 32 high bits of the LCG."""
    return np.float32((next_random(rng) >> np.uint64(16)) & np.uint64(0xFFFFFFFF)) * np.float32(2.0**-32)


@njit(cache=True, nogil=True)
def noise_buckets(noise_cdf, bits=NOISE_BUCKET_BITS):
    """Where each of ``2**bits`` ranges of a draw's 32 random bits starts in the noise table.

    A draw with random bits ``u`` lies in bucket ``b = u >> (32 - bits)``, and its word is one of
    ``buckets[b] ... buckets[b + 1]``, so :func:`draw_noise` searches that short range of
    ``noise_cdf`` (on text8, 0.34 entries on average for 16 bits, 5.5 for 12) instead of the
    whole table, with the same result. Building it is one pass over the table.

    Parameters
    ----------
    noise_cdf : int64 array (V,)
        Cumulative noise table (:meth:`embedlearn.vocab.Vocabulary.noise_cdf`), non-decreasing,
        ``noise_cdf[-1] < 2**31``.
    bits : int
        ``0 <= bits <= 24``; 0 gives one bucket (a binary search over the whole table).

    Returns
    -------
    int32 array (2**bits + 1,)
        ``buckets[b]`` is the first index ``i`` with ``noise_cdf[i] >= `` the smallest scaled
        draw of bucket ``b`` (``bisect_left``).
    """
    n_buckets = 1 << bits
    buckets = np.empty(n_buckets + 1, np.int32)
    total = np.uint64(noise_cdf[-1])
    shift = np.uint64(32 - bits)
    j = 0
    for b in range(n_buckets + 1):
        # The smallest scaled draw of bucket b (draw_noise's scaling is monotone in u).
        lowest = np.int64((np.uint64(b) << shift) * total >> np.uint64(32))
        while j < noise_cdf.shape[0] and noise_cdf[j] < lowest:
            j += 1
        buckets[b] = j
    return buckets


@njit(cache=True, nogil=True, inline="always")
def draw_noise(noise_cdf, buckets, shift, rng):
    """Draw one word from the noise distribution given as a cumulative table.

    Returns ``bisect_left(noise_cdf, r)`` (as gensim) for ``r`` uniform in ``[0, noise_cdf[-1])``,
    searching only ``r``'s bucket of ``buckets = noise_buckets(noise_cdf, bits)``;
    ``shift = 32 - bits``.
    """
    u = (next_random(rng) >> np.uint64(16)) & np.uint64(0xFFFFFFFF)
    # Scale 32 random bits to [0, total) by a multiply and a shift (no 64-bit division).
    r = np.int64((u * np.uint64(noise_cdf[-1])) >> np.uint64(32))
    b = np.int64(u >> np.uint64(shift))
    lo = np.int64(buckets[b])
    hi = np.int64(buckets[b + 1])
    while lo < hi:
        mid = (lo + hi) >> 1
        if noise_cdf[mid] < r:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True, inline="always")
def draw_negatives(noise_cdf, buckets, shift, target, negative, rng, out, out_start):
    """Draw ``negative`` noise words into ``out[out_start:]``, dropping draws equal to
    ``target`` (as gensim).

    Returns
    -------
    int
        How many negatives were kept (``<= negative``).
    """
    n = 0
    for _ in range(negative):
        w = draw_noise(noise_cdf, buckets, shift, rng)
        if w == target:
            continue
        out[out_start + n] = w
        n += 1
    return n


@njit(cache=True, nogil=True, inline="always")
def _terms(W, rows, rows_start, codes, codes_start, n_terms, H, h_row, grad_h, alpha,
           learn_outputs, compute_loss):
    """The logistic terms of one step, in order: term ``t`` scores output row
    ``r = rows[rows_start + t]`` of ``W`` against ``h = H[h_row]`` with label
    ``1 - codes[codes_start + t]``.

    HS passes a Huffman path (``points``, ``codes``); NS passes the target and the negatives
    with codes ``0, 1, 1, ...``. A saturated score skips its term; otherwise ``grad_h`` takes
    ``g * W[r]`` (the row before its update) and ``W[r]`` moves by ``g * h`` (if
    ``learn_outputs``). Returns the summed loss (0 unless ``compute_loss``).
    """
    loss = 0.0
    N = W.shape[1]
    row = rows[rows_start] if n_terms > 0 else 0
    x = np.float32(0.0)
    if n_terms > 0:
        for k in range(N):
            x += W[row, k] * H[h_row, k]
    for t in range(n_terms):
        more = t + 1 < n_terms
        next_row = rows[rows_start + t + 1] if more else row
        # The next term's score is computed in the same pass as this term's update (one pass
        # over h instead of two). It reads another row, so it is the value it would have after
        # the update; a row listed twice in a row (equal negatives) is scored afterwards.
        fuse = _FUSE and more and next_row != row
        x_next = np.float32(0.0)
        if -MAX_EXP < x < MAX_EXP:
            label = np.float32(1.0) - np.float32(codes[codes_start + t])
            f = np.float32(1.0) / (np.float32(1.0) + np.exp(-x))
            # g = -eta * (sigma(x) - t): word2vec.c's "gradient multiplied by the learning rate".
            g = (label - f) * alpha
            if learn_outputs and fuse:
                for k in range(N):
                    u = W[row, k]
                    hk = H[h_row, k]
                    grad_h[k] += g * u
                    W[row, k] = u + g * hk
                    x_next += W[next_row, k] * hk
            elif learn_outputs:
                for k in range(N):
                    u = W[row, k]
                    grad_h[k] += g * u
                    W[row, k] = u + g * H[h_row, k]
            else:
                for k in range(N):
                    grad_h[k] += g * W[row, k]
                fuse = False
            if compute_loss:
                # -log sigma(x) for a positive label, -log sigma(-x) for a negative one.
                s = x if label > 0.5 else -x
                loss += np.log1p(np.exp(-np.float64(s)))
        else:
            fuse = False
        if more and not fuse:
            for k in range(N):
                x_next += W[next_row, k] * H[h_row, k]
        row = next_row
        x = x_next
    return loss


@njit(cache=True, nogil=True, inline="always")
def single_row_step(W_in, row, W_ns, ns_rows, ns_start, n_neg, ns_codes,
                       W_hs, codes, points, code_start, code_end, alpha, grad_h, learn_input,
                       learn_outputs, compute_loss):
    """A step whose hidden layer is one input row ``W_in[row]`` (skip-gram, PV-DBOW, a node),
    read in place: it is updated only after all terms. ``ns_rows[ns_start:]`` holds the NS
    target and then the ``n_neg`` negatives (``n_neg < 0``: no NS).

    The inlined form of :func:`sgd_step` for the job kernels of every model (word windows here,
    item sets, subwords, documents): the caller owns the buffers (``ns_rows``, ``grad_h``) and
    ``ns_codes = ns_label_codes(negative)``, so a step allocates nothing. Equals
    :func:`sgd_step` (tested)."""
    N = grad_h.shape[0]
    for k in range(N):
        grad_h[k] = 0.0
    # Hierarchical softmax first, then negative sampling (gensim's order when both are on).
    loss = _terms(W_hs, points, code_start, codes, code_start, code_end - code_start, W_in, row,
                  grad_h, alpha, learn_outputs, compute_loss)
    loss += _terms(W_ns, ns_rows, ns_start, ns_codes, 0, n_neg + 1, W_in, row, grad_h, alpha,
                   learn_outputs, compute_loss)
    if learn_input:
        for k in range(N):
            W_in[row, k] += grad_h[k]
    return loss


@njit(cache=True, nogil=True, inline="always")
def _copy_path(W_hs, points, codes, c0, c1, path_rows, path_start, path_codes):
    """Copy the Huffman path ``points[c0:c1]`` of ``W_hs`` into ``path_rows`` (and, as read,
    into ``path_start``) and its codes into ``path_codes``, so its steps can run on the copy."""
    N = W_hs.shape[1]
    for t in range(c1 - c0):
        r = points[c0 + t]
        path_codes[t] = codes[c0 + t]
        for k in range(N):
            v = W_hs[r, k]
            path_rows[t, k] = v
            path_start[t, k] = v


@njit(cache=True, nogil=True, inline="always")
def _merge_path(W_hs, points, c0, c1, path_rows, path_start):
    """Write a path trained on its copy back into ``W_hs``, keeping other threads' updates.

    Where ``W_hs`` still holds the value copied out (always, with one thread), the trained
    value is stored as it is, so one thread gives the same bits as steps taken in place;
    where another thread changed it meanwhile, this center's change is added to theirs."""
    N = W_hs.shape[1]
    for t in range(c1 - c0):
        r = points[c0 + t]
        for k in range(N):
            now = W_hs[r, k]
            new = path_rows[t, k]
            old = path_start[t, k]
            W_hs[r, k] = new if now == old else now + (new - old)


@njit(cache=True, nogil=True, inline="always")
def averaged_rows_step(W_in, inputs, input_start, n_inputs, cbow_mean, W_ns, ns_rows, ns_start, n_neg,
                   ns_codes, W_hs, codes, points, code_start, code_end, alpha, h, grad_h,
                   learn_inputs, learn_outputs, compute_loss):
    """A step whose hidden layer is the mean (or sum) of the rows
    ``inputs[input_start:input_start + n_inputs]`` of ``W_in``, built in ``h[0]`` (``h`` is a
    (1, N) buffer): CBOW, PV-DM, a word's subword rows. The inlined form of :func:`sgd_step`
    for job kernels, like :func:`single_row_step`."""
    N = grad_h.shape[0]
    for k in range(N):
        grad_h[k] = 0.0
        h[0, k] = 0.0
    for i in range(n_inputs):
        row = inputs[input_start + i]
        for k in range(N):
            h[0, k] += W_in[row, k]
    if cbow_mean and n_inputs > 1:
        inv = np.float32(1.0) / np.float32(n_inputs)
        for k in range(N):
            h[0, k] *= inv
    loss = _terms(W_hs, points, code_start, codes, code_start, code_end - code_start, h, 0,
                  grad_h, alpha, learn_outputs, compute_loss)
    loss += _terms(W_ns, ns_rows, ns_start, ns_codes, 0, n_neg + 1, h, 0, grad_h, alpha,
                   learn_outputs, compute_loss)
    if learn_inputs:
        # As gensim: with the mean each input row gets the whole grad_h, with the sum 1/n of it.
        if not cbow_mean and n_inputs > 1:
            inv = np.float32(1.0) / np.float32(n_inputs)
            for k in range(N):
                grad_h[k] *= inv
        for i in range(n_inputs):
            row = inputs[input_start + i]
            for k in range(N):
                W_in[row, k] += grad_h[k]
    return loss


@njit(cache=True, nogil=True, inline="always")
def ns_label_codes(negative):
    """Codes of the NS terms, as if they were a Huffman path: 0 (label 1) for the target, then 1
    (label 0) for each negative."""
    c = np.ones(negative + 1, np.uint8)
    c[0] = 0
    return c


@njit(cache=True, nogil=True, fastmath=_FAST, error_model="numpy")
def sgd_step(W_in, inputs, n_inputs, cbow_mean, target,
             W_ns, negatives, n_neg,
             W_hs, codes, points, code_start, code_end,
             alpha, h, grad_h, learn_inputs, learn_outputs, compute_loss):
    """One SGD step: the averaged input rows predict ``target`` by NS and/or HS.

    The job kernels take the same step inlined; this entry point is for tests, the book and
    one-off steps.

    Parameters
    ----------
    W_in : float32 array (rows, N)
        Input vectors (``syn0``). Must not share memory with ``W_ns`` or ``W_hs``.
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
        Work buffers (``neu1`` and ``neu1e``); with one input row ``h`` is not used (the row
        is read in place).
    learn_inputs, learn_outputs : bool
        Update the input rows / the output rows (False freezes them, e.g. for inference).
    compute_loss : bool
        Also return the loss of the applied terms.

    Returns
    -------
    float
        The summed ``-log sigma`` of the applied terms (0 unless ``compute_loss``).
    """
    _wide_vectors()
    ns_rows = np.empty(max(n_neg, 0) + 1, np.int32)
    ns_rows[0] = target
    for d in range(n_neg):
        ns_rows[1 + d] = negatives[d]
    ns_codes = ns_label_codes(max(n_neg, 0))
    a = np.float32(alpha)
    if n_inputs == 1:
        return single_row_step(W_in, inputs[0], W_ns, ns_rows, 0, n_neg, ns_codes,
                                  W_hs, codes, points, code_start, code_end, a, grad_h,
                                  learn_inputs, learn_outputs, compute_loss)
    return averaged_rows_step(W_in, inputs, 0, n_inputs, cbow_mean, W_ns, ns_rows, 0, n_neg,
                          ns_codes, W_hs, codes, points, code_start, code_end, a,
                          h.reshape((1, h.shape[0])), grad_h, learn_inputs, learn_outputs,
                          compute_loss)


@njit(cache=True, nogil=True, inline="always")
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


@njit(cache=True, nogil=True, fastmath=_FAST, error_model="numpy")
def train_window_job(tokens, offsets, tok_start, tok_end, W_in, W_ns, W_hs, keep_prob,
                     noise_cdf, codes, points, code_offsets, sg, cbow_mean, window,
                     shrink_windows, negative, use_hs, alpha_start, alpha_end, seed,
                     compute_loss):
    """Train skip-gram or CBOW on the tokens ``tok_start:tok_end`` (one job).

    The range may cut sentences: the job trains on each *piece*, the part of a sentence inside
    the range, so one long sentence can be spread over many jobs. Windows stop at the ends of
    a piece (a sentence's end or the job's). Per piece: subsample (keep word ``w`` with
    probability ``keep_prob[w]``), then for each position take ``m - b`` words each side,
    ``b`` uniform in ``0..m-1`` (word2vec.c's reduced window) if ``shrink_windows`` else
    ``b = 0``, and take SGD steps. The learning rate falls linearly from ``alpha_start`` to
    ``alpha_end`` over the job's tokens, fixed within a piece (the caller gives each job its
    slice of the global schedule).

    Random numbers, in stream order: per piece, one per token of the piece with
    ``keep_prob < 1`` (subsampling); then per kept position, one for ``b`` (if
    ``shrink_windows``) and ``negative`` per SGD step.

    Parameters
    ----------
    tokens, offsets : int32 array, int64 array
        The encoded corpus: sentence ``s`` is ``tokens[offsets[s]:offsets[s + 1]]``.
    tok_start, tok_end : int
        Token range of this job, ``0 <= tok_start <= tok_end <= offsets[-1]``.
    W_in, W_ns, W_hs : float32 arrays (C-contiguous)
        Weights (updated in place, hogwild); ``W_in`` shares no memory with the others.
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
        Maximal window ``m`` (positive).
    shrink_windows : bool
        Draw a reduced window per position (True: word2vec.c, gensim's default) or always use
        ``m`` (False: gensim's ``shrink_windows=False``; no random number is drawn for it).
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

    Raises
    ------
    ValueError
        If the token range is outside the corpus or ``window < 1``.
    """
    _wide_vectors()
    if not (0 <= tok_start <= tok_end <= offsets[-1]) or window < 1:
        raise ValueError("train_window_job: token range outside the corpus, or window < 1")
    N = W_in.shape[1]
    rng = np.empty(1, np.uint64)
    rng[0] = np.uint64(seed)
    # The sentence holding tok_start, then every sentence that starts before tok_end.
    first = np.searchsorted(offsets, tok_start, side="right") - 1
    last = first
    max_len = 0
    while last < offsets.shape[0] - 1 and offsets[last] < tok_end:
        max_len = max(max_len, min(offsets[last + 1], tok_end) - max(offsets[last], tok_start))
        last += 1
    sent = np.empty(max_len, np.int32)
    inputs = np.empty(2 * window, np.int32)
    # Two plans, this center's and the next's (slot i % 2): the window bounds and, per SGD
    # step p, the NS rows (the target, then the negatives) at ns_rows[p * (negative + 1):]
    # and the number of negatives kept.
    steps_max = 2 * window if sg else 1
    ns_rows = np.empty(2 * steps_max * (max(negative, 0) + 1), np.int32)
    n_negs = np.full(2 * steps_max, -1, np.int64)
    bounds = np.empty(4, np.int64)
    ns_codes = ns_label_codes(max(negative, 0))
    bits = NOISE_BUCKET_BITS if negative > 0 else 0
    buckets = noise_buckets(noise_cdf, bits)
    h = np.empty((1, N), np.float32)
    grad_h = np.empty(N, np.float32)
    # Skip-gram with HS: every pair of a center walks the center's Huffman path, whose top rows
    # every step of every thread writes. The center's steps run on a private copy of its path
    # (path_rows, read once), merged back once per center instead of at every pair: with two
    # threads the hot rows' cache lines then cross between cores once per center, not per pair.
    local_path = sg and use_hs
    path_len = 0
    if local_path:
        for w in range(code_offsets.shape[0] - 1):
            path_len = max(path_len, code_offsets[w + 1] - code_offsets[w])
    path_rows = np.empty((path_len, N), np.float32)
    path_start = np.empty((path_len, N), np.float32)
    path_codes = np.empty(path_len, codes.dtype)
    path_slots = np.arange(path_len).astype(np.int32)
    # For prefetch hints: where the matrices start, and the bytes of a row (C-contiguous).
    row_bytes = np.uintp(N * 4)
    in_base = _data_address(W_in)
    ns_base = _data_address(W_ns)
    hs_base = _data_address(W_hs)
    total = max(tok_end - tok_start, 1)
    loss = 0.0
    examples = 0
    effective = 0
    for s in range(first, last):
        start = max(offsets[s], tok_start)
        end = min(offsets[s + 1], tok_end)
        if end <= start:
            continue
        alpha = np.float32(alpha_start + (alpha_end - alpha_start) * (start - tok_start) / total)
        n = _subsample(tokens, start, end, keep_prob, rng, sent)
        effective += n
        if n == 0:
            continue
        _plan(sent, n, 0, window, shrink_windows, sg, negative, noise_cdf, buckets, 32 - bits,
              rng, ns_rows, n_negs, bounds, 0, steps_max)
        for i in range(n):
            slot = i & 1
            if i + 1 < n:
                # Draw the next center's random numbers now (the stream's order is unchanged:
                # SGD steps draw none) and start loading its rows, so their cache misses
                # overlap with this center's work.
                _plan(sent, n, i + 1, window, shrink_windows, sg, negative, noise_cdf, buckets,
                      32 - bits, rng, ns_rows, n_negs, bounds, 1 - slot, steps_max)
                if _PREFETCH:
                    # The rows center i + 1 reads that are likely not in cache: its Huffman path,
                    # its NS rows, the context word entering the window.
                    nxt = sent[i + 1]
                    if use_hs:
                        for c in range(code_offsets[nxt], code_offsets[nxt + 1]):
                            _prefetch_bytes(hs_base + np.uintp(points[c]) * row_bytes, row_bytes)
                    if negative > 0:
                        _prefetch_bytes(ns_base + np.uintp(nxt) * row_bytes, row_bytes)
                        width = bounds[3 - 2 * slot] - bounds[2 - 2 * slot] - 1
                        first_step = (1 - slot) * steps_max
                        for p in range(first_step, first_step + (width if sg else min(width, 1))):
                            for d in range(1, n_negs[p] + 1):
                                neg = ns_rows[p * (negative + 1) + d]
                                _prefetch_bytes(ns_base + np.uintp(neg) * row_bytes, row_bytes)
                    if i + 1 + window < n:
                        _prefetch_bytes(in_base + np.uintp(sent[i + 1 + window]) * row_bytes,
                                        row_bytes)
            lo = bounds[2 * slot]
            hi = bounds[2 * slot + 1]
            target = sent[i]
            c0 = code_offsets[target] if use_hs else 0
            c1 = code_offsets[target + 1] if use_hs else 0
            step = slot * steps_max
            if sg and local_path:
                if hi - lo > 1:
                    _copy_path(W_hs, points, codes, c0, c1, path_rows, path_start, path_codes)
                    for j in range(lo, hi):
                        if j == i:
                            continue
                        loss += single_row_step(W_in, sent[j], W_ns, ns_rows,
                                                step * (negative + 1), n_negs[step], ns_codes,
                                                path_rows, path_codes, path_slots, 0, c1 - c0,
                                                alpha, grad_h, True, True, compute_loss)
                        step += 1
                    _merge_path(W_hs, points, c0, c1, path_rows, path_start)
                examples += hi - lo - 1
            elif sg:
                for j in range(lo, hi):
                    if j == i:
                        continue
                    loss += single_row_step(W_in, sent[j], W_ns, ns_rows,
                                               step * (negative + 1), n_negs[step], ns_codes,
                                               W_hs, codes, points, c0, c1, alpha, grad_h, True,
                                               True, compute_loss)
                    step += 1
                examples += hi - lo - 1
            elif hi - lo > 1:
                count = 0
                for j in range(lo, hi):
                    if j != i:
                        inputs[count] = sent[j]
                        count += 1
                loss += averaged_rows_step(W_in, inputs, 0, count, cbow_mean, W_ns, ns_rows,
                                       step * (negative + 1), n_negs[step], ns_codes, W_hs,
                                       codes, points, c0, c1, alpha, h, grad_h, True, True,
                                       compute_loss)
                examples += 1
    return loss, examples, effective


@njit(cache=True, nogil=True, inline="always")
def _plan(sent, n, i, window, shrink_windows, sg, negative, noise_cdf, buckets, shift, rng,
          ns_rows, n_negs, bounds, slot, steps_max):
    """Draw center ``i``'s window (into ``bounds[2 * slot:]``) and, for each of its SGD steps in
    order, the negatives (into plan ``slot`` of ``ns_rows`` after the target, and ``n_negs``)."""
    b = np.int64(next_random(rng) % np.uint64(window)) if shrink_windows else 0
    lo = max(0, i - window + b)
    hi = min(n, i + window + 1 - b)
    bounds[2 * slot] = lo
    bounds[2 * slot + 1] = hi
    if negative > 0:
        target = sent[i]
        # One step per context word (skip-gram) or one for the window (CBOW, if not empty).
        steps = hi - lo - 1 if sg else min(hi - lo - 1, 1)
        first_step = slot * steps_max
        for p in range(first_step, first_step + steps):
            ns_rows[p * (negative + 1)] = target
            n_negs[p] = draw_negatives(noise_cdf, buckets, shift, target, negative, rng, ns_rows,
                                       p * (negative + 1) + 1)


@njit(cache=True, nogil=True, fastmath=_FAST, error_model="numpy")
def train_examples_job(input_rows, input_offsets, targets, ex_start, ex_end, W_in, W_ns, W_hs,
                       noise_cdf, codes, points, code_offsets, cbow_mean, negative, use_hs,
                       alpha_start, alpha_end, seed, learn_inputs, learn_outputs, compute_loss):
    """Train on explicit examples ``ex_start:ex_end``: input rows ``input_rows[input_offsets[e]:
    input_offsets[e + 1]]`` (averaged or summed) predict ``targets[e]``.

    The general form of the engine, for models whose inputs are not a sliding window (a document
    row, an item set, subword rows) and for inference with frozen rows (``learn_outputs=False``).
    Random numbers: ``negative`` per example, in order.

    Returns
    -------
    loss : float
    examples : int
    """
    _wide_vectors()
    N = W_in.shape[1]
    rng = np.empty(1, np.uint64)
    rng[0] = np.uint64(seed)
    ns_rows = np.empty(max(negative, 0) + 1, np.int32)
    ns_codes = ns_label_codes(max(negative, 0))
    # The bucket index pays for building it only on jobs with many draws.
    many = (negative > 0 and
            (ex_end - ex_start) * negative > noise_cdf.shape[0] + (1 << NOISE_BUCKET_BITS))
    bits = NOISE_BUCKET_BITS if many else 0
    buckets = noise_buckets(noise_cdf, bits)
    h = np.empty((1, N), np.float32)
    grad_h = np.empty(N, np.float32)
    loss = 0.0
    total = max(ex_end - ex_start, 1)
    for e in range(ex_start, ex_end):
        alpha = np.float32(alpha_start + (alpha_end - alpha_start) * (e - ex_start) / total)
        target = targets[e]
        c0 = code_offsets[target] if use_hs else 0
        c1 = code_offsets[target + 1] if use_hs else 0
        n_neg = -1
        if negative > 0:
            ns_rows[0] = target
            n_neg = draw_negatives(noise_cdf, buckets, 32 - bits, target, negative, rng, ns_rows,
                                   1)
        start = input_offsets[e]
        # One expansion of the step (one input row is copied into h): two, in branches, would
        # make numba count references per example.
        loss += averaged_rows_step(W_in, input_rows, start, input_offsets[e + 1] - start, cbow_mean,
                               W_ns, ns_rows, 0, n_neg, ns_codes, W_hs, codes, points, c0, c1,
                               alpha, h, grad_h, learn_inputs, learn_outputs, compute_loss)
    return loss, ex_end - ex_start
