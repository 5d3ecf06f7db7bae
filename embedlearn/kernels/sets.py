"""Set-context SGNS (Item2Vec): every other item of the same set is a context, order ignored.

Barkan & Koenigstein (2016) train skip-gram with negative sampling where the context of an item is
the whole set it belongs to (a basket, a user's liked movies). gensim users approximate this with a
window as long as the longest set (often over shuffled lists); with gensim's default
``shrink_windows=True`` each position draws a smaller window, which skips far pairs of long sets
(14% of the pairs of MovieLens 100K's liked-movie sets). This kernel walks the pairs of each set
directly and hands every pair to the engine's inlined step,
:func:`embedlearn.kernels.sgd.single_row_step` (what :func:`~embedlearn.kernels.sgd.sgd_step` takes).

Roles are skip-gram's in word2vec.c and gensim (``train_batch_sg``): for the item at position
``i`` of a set (the "center", the target whose *output* row ``W_out[i]`` learns) and every other
position ``j``, the *input* row ``W_in[j]`` predicts ``i``. Over all ordered pairs of a set this
sums the same terms as the paper's center-predicts-context form.

Random numbers come from the job's own word2vec.c LCG (:func:`embedlearn.kernels.sgd.next_random`),
so results depend only on the seed, never on thread scheduling.
"""
import numpy as np
from numba import njit

# _subsample: the word kernels' subsampling, applied to one set (same draws, same order).
from .sgd import (_FAST, NOISE_BUCKET_BITS, _subsample, _wide_vectors, draw_negatives,
                  next_random, noise_buckets, ns_label_codes, single_row_step)


@njit(cache=True, nogil=True, inline="always")
def draw_below(rng, m):
    """A uniform integer in ``0..m-1`` from the 32 *high* bits of the LCG (multiply and shift).

    The low bits of a power-of-two LCG have short periods (the lowest one alternates), so
    ``next_random % m`` would draw badly correlated positions for even ``m``.
    """
    return np.int64((((next_random(rng) >> np.uint64(16)) & np.uint64(0xFFFFFFFF))
                     * np.uint64(m)) >> np.uint64(32))


@njit(cache=True, nogil=True)
def pairs_per_set(offsets, max_context):
    """Number of SGD steps (ordered pairs) each set yields before subsampling.

    Parameters
    ----------
    offsets : int64 array (S + 1,)
        Set boundaries.
    max_context : int
        The cap of :func:`train_sets_job` (0: no cap).

    Returns
    -------
    int64 array (S,)
        ``n * (n - 1)`` per set of ``n`` items, or ``n * min(c, n - 1)`` with a cap ``c``; use it
        to balance jobs by work (a set's cost is quadratic in its size without a cap).
    """
    S = offsets.shape[0] - 1
    out = np.empty(S, np.int64)
    for s in range(S):
        n = offsets[s + 1] - offsets[s]
        per_item = n - 1 if n > 0 else 0
        if max_context > 0 and max_context < per_item:
            per_item = max_context
        out[s] = n * per_item
    return out


# fastmath as every job kernel: without it LLVM may not reorder the sums of the inlined step,
# and its dot products stay scalar (Graph2Vec's kernel, the same step, ran 3 times slower than
# gensim at 1024 dimensions that way).
@njit(cache=True, nogil=True, fastmath=_FAST, error_model="numpy")
def train_sets_job(items, offsets, set_start, set_end, W_in, W_out, keep_prob, noise_cdf,
                   negative, max_context, alpha_start, alpha_end, seed, compute_loss, visits):
    """Train SGNS on sets ``set_start:set_end`` where every other item of a set is a context.

    Per set, in order:

    1. Subsample: keep item ``w`` with probability ``keep_prob[w]`` (one uniform draw per item
       whose probability is below 1, as the window kernel); the kept items are the set this
       epoch. Sets left with fewer than 2 items yield no step.
    2. For each kept position ``i`` (the target) and each context position ``j != i``: draw
       ``negative`` noise items (draws equal to the target are dropped, as gensim) and take one
       :func:`~embedlearn.kernels.sgd.single_row_step`: input row ``W_in[set[j]]`` predicts
       ``set[i]`` on ``W_out``. Without a cap the contexts of ``i`` are all ``j != i`` in
       increasing order, so every ordered pair of the set is one step per epoch.
    3. With ``max_context = c > 0`` and ``c < n - 1``, each position ``i`` instead gets ``c``
       context positions drawn uniformly **without replacement** from the ``n - 1`` others (a
       partial Fisher-Yates shuffle of a position pool with ``i`` moved out of the drawn range),
       each a step in draw order.

    What the cap changes: a pair ``(i, j)`` of a set of ``n`` is visited with probability
    ``c / (n - 1)`` per epoch, so a set's expected update is its full-objective gradient scaled
    by ``c / (n - 1)``; within a set this is unbiased, across sets it down-weights large sets
    (every item of a large set gets ``c`` updates, not ``n - 1``), and the cost falls from
    ``O(n^2)`` to ``O(n c)`` steps per set. Sets with ``n - 1 <= c`` are trained exactly as
    without a cap (no draws).

    The learning rate falls linearly from ``alpha_start`` to ``alpha_end`` over the job's raw
    items (the caller gives each job its slice of the global schedule, as for the window kernel).

    Positions, not ids, make the pairs: a set that lists an item twice pairs it with itself, so
    the caller should pass sets without repeats.

    Parameters
    ----------
    items, offsets : int32 array, int64 array (S + 1,)
        The encoded sets: set ``s`` is ``items[offsets[s]:offsets[s + 1]]``.
    set_start, set_end : int
        Sets of this job.
    W_in, W_out : float32 arrays (V, N)
        Input vectors (the item vectors) and negative-sampling output vectors (``syn1neg``),
        updated in place (hogwild across jobs).
    keep_prob : float32 array (V,)
        Subsampling keep probabilities (all 1 to disable).
    noise_cdf : int64 array (V,)
        Cumulative noise table (:meth:`embedlearn.vocab.Vocabulary.noise_cdf`; any exponent,
        negative ones included).
    negative : int
        Noise items per positive pair (``negative >= 1`` for learning; 0 skips the NS terms, as
        the window kernel, so nothing is learned).
    max_context : int
        Cap ``c`` on context items per item per epoch; 0 means every other item of the set.
    alpha_start, alpha_end : float
        Learning rate at the job's first and last item.
    seed : int
        Seed of this job's random stream.
    compute_loss : bool
        Sum the loss of the applied terms.
    visits : int64 array (V, V) or (0, 0)
        Counting mode for tests: if not empty, ``visits[target, input] += 1`` for every step.

    Returns
    -------
    loss : float
        Summed ``-log sigma`` of the applied terms (0 unless ``compute_loss``).
    examples : int
        SGD steps taken (ordered pairs).
    effective_items : int
        Items kept after subsampling.
    """
    _wide_vectors()
    N = W_in.shape[1]
    rng = np.empty(1, np.uint64)
    rng[0] = np.uint64(seed)
    max_len = 0
    for s in range(set_start, set_end):
        max_len = max(max_len, offsets[s + 1] - offsets[s])
    kept = np.empty(max_len, np.int32)
    pool = np.empty(max_len, np.int64)    # context positions, permuted in place
    where = np.empty(max_len, np.int64)   # where[p] = index of position p in pool
    # ns_rows = [target, negatives...]: the inlined step's NS rows (see kernels.sgd).
    ns_rows = np.empty(max(negative, 0) + 1, np.int32)
    ns_codes = ns_label_codes(max(negative, 0))
    buckets = noise_buckets(noise_cdf, NOISE_BUCKET_BITS)
    shift = 32 - NOISE_BUCKET_BITS
    grad_h = np.empty(N, np.float32)
    # The step's hierarchical-softmax arguments, unused (an empty code range disables HS).
    W_hs = np.zeros((1, N), np.float32)
    codes = np.zeros(1, np.uint8)
    points = np.zeros(1, np.int32)
    count_visits = visits.shape[0] > 0
    total = offsets[set_end] - offsets[set_start]
    done = 0
    loss = 0.0
    examples = 0
    effective = 0
    for s in range(set_start, set_end):
        alpha = alpha_start + (alpha_end - alpha_start) * done / max(total, 1)
        done += offsets[s + 1] - offsets[s]
        n = _subsample(items, offsets[s], offsets[s + 1], keep_prob, rng, kept)
        effective += n
        if n < 2:
            continue
        capped = max_context > 0 and max_context < n - 1
        if capped:
            for p in range(n):
                pool[p] = p
                where[p] = p
        n_ctx = max_context if capped else n - 1
        for i in range(n):
            target = kept[i]
            if capped:
                # Move position i to the pool's last slot; draw from the first n - 1 slots.
                a, b = where[i], n - 1
                pa, pb = pool[a], pool[b]
                pool[a], pool[b] = pb, pa
                where[pb], where[pa] = a, b
            for t in range(n_ctx):
                if capped:
                    r = t + draw_below(rng, n - 1 - t)
                    pt, pr = pool[t], pool[r]
                    pool[t], pool[r] = pr, pt
                    where[pr], where[pt] = t, r
                    j = pr
                else:
                    j = t if t < i else t + 1  # every position but i, in order
                ns_rows[0] = target
                n_neg = (draw_negatives(noise_cdf, buckets, shift, target, negative, rng,
                                        ns_rows, 1) if negative > 0 else -1)
                loss += single_row_step(W_in, kept[j], W_out, ns_rows, 0, n_neg, ns_codes,
                                        W_hs, codes, points, 0, 0, np.float32(alpha), grad_h,
                                        True, True, compute_loss)
                examples += 1
                if count_visits:
                    visits[target, kept[j]] += 1
    return loss, examples, effective
