"""GloVe kernels: co-occurrence counting and one AdaGrad pass over the pairs.

Counting (what GloVe's ``cooccur.c`` computes, without its dense table or temporary files):

1. :func:`index_positions` builds, for one chunk of the corpus, an inverted index: for every word
   id the positions where it occurs, with how many neighbours each occurrence has to its left and
   right inside the window and its sentence (a counting sort, O(chunk)).
2. :func:`count_rows` walks a block of rows (words). For each occurrence of row word ``r`` it adds
   ``1/d`` for the word at distance ``d`` to a dense accumulator of length ``V`` (one row, never
   ``V x V``), remembers which columns it touched and emits them in column order (a sort for few
   columns, a bitmap scan for many). Blocks of consecutive rows concatenate into one run sorted
   by ``(row, col)``.
3. :func:`merge_sorted` merges the sorted runs of successive chunks, adding equal entries.

Memory is O(chunk + V + distinct pairs). Weights are accumulated as integer multiples of
``1/scale`` (``scale = lcm(1..window)``, so ``scale/d`` is an integer): sums of integers below
2**53 are exact in float64, so the result does not depend on the order of additions, the chunking
or the number of threads, and equals an exact rational count rounded once.

Training (:func:`glove_epoch`) follows ``glove.c`` of the reference implementation (see
:func:`glove_epoch` for the exact update) on float32 parameters laid out as in ``glove.c`` (row
``i`` holds ``[w_i, b_i]``, row ``V + j`` holds ``[w~_j, b~_j]``), with each row's AdaGrad
accumulators stored right after it: one ``(2V, 2(N + 1))`` array, so a pair touches two
contiguous rows of memory instead of four scattered ones. The accumulators are stored minus their
initial value 1 (``H = G - 1``): the increments of the vector accumulators, ``(eta g)**2``, are
often below 1e-7, which float32 cannot add to 1 but adds exactly to a small ``H`` (glove.c keeps
``G`` in double precision).
"""
import numpy as np
from numba import njit

_LCG_MULT = np.uint64(25214903917)
_LCG_INC = np.uint64(11)


# --------------------------------------------------------------------------- counting
@njit(cache=True, nogil=True)
def index_positions(tokens, offsets, start, stop, vocab_size, window):
    """Inverted index of the token positions ``start <= p < stop``.

    Parameters
    ----------
    tokens : numpy.ndarray of int32
        Token ids of the whole corpus (``Corpus.tokens``).
    offsets : numpy.ndarray of int64
        Sentence boundaries (``Corpus.offsets``); windows never cross them.
    start, stop : int
        The chunk of positions to index.
    vocab_size : int
        Number of word ids ``V``.
    window : int
        Maximal distance ``m``.

    Returns
    -------
    row_ptr : numpy.ndarray of int64, shape (V + 1,)
        Occurrences of word ``w`` are entries ``row_ptr[w]:row_ptr[w + 1]`` of the arrays below.
    positions : numpy.ndarray of int64
        Position of each occurrence, increasing within a word.
    left, right : numpy.ndarray of int32
        Number of neighbours at distance ``1..m`` to the left / right inside the sentence.
    """
    n = stop - start
    row_ptr = np.zeros(vocab_size + 1, np.int64)
    for p in range(start, stop):
        row_ptr[tokens[p] + 1] += 1
    for w in range(vocab_size):
        row_ptr[w + 1] += row_ptr[w]
    fill = row_ptr[:-1].copy()
    positions = np.empty(n, np.int64)
    left = np.empty(n, np.int32)
    right = np.empty(n, np.int32)
    s = np.searchsorted(offsets, start, side="right") - 1
    p = start
    while p < stop:
        lo = offsets[s]
        hi = offsets[s + 1]
        end = min(hi, stop)
        for q in range(p, end):
            k = fill[tokens[q]]
            fill[tokens[q]] += 1
            positions[k] = q
            left[k] = min(window, q - lo)
            right[k] = min(window, hi - 1 - q)
        p = max(p, end)
        s += 1
    return row_ptr, positions, left, right


#: De Bruijn table: index of the lowest set bit of a 64-bit word (no ctz intrinsic in numba).
_DEBRUIJN = np.array([0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4, 62, 55, 59, 36,
                      53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5, 63, 47, 56, 27, 60, 41, 37, 16,
                      54, 35, 52, 21, 44, 32, 23, 11, 46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,
                      13, 8, 7, 6], np.int64)
_DEBRUIJN_MULT = np.uint64(0x03F79D71B4CB0A89)


@njit(cache=True, nogil=True)
def count_rows(tokens, row_ptr, positions, left, right, row_start, row_stop, vocab_size,
               weights, symmetric):
    """Co-occurrence rows ``row_start <= r < row_stop`` of one chunk, sorted by (row, column).

    Row ``r`` collects, for every indexed occurrence of ``r``, the words at distance ``d`` to its
    right (and, if ``symmetric``, to its left) with weight ``weights[d]``. This is ``cooccur.c``'s
    count: with ``symmetric=False`` entry ``(r, c)`` sums over ``r`` occurring ``d`` words before
    ``c`` (its record ``(w1, w2)`` with ``w1`` the left context of ``w2``); ``symmetric=True``
    adds the transpose, so a word pair at distance ``d`` adds ``weights[d]`` to both ``(r, c)``
    and ``(c, r)`` (and twice to ``(r, r)``), as ``cooccur.c`` does.

    Parameters
    ----------
    tokens : numpy.ndarray of int32
    row_ptr, positions, left, right : numpy.ndarray
        The index of :func:`index_positions`.
    row_start, row_stop : int
        The block of rows (word ids) to count.
    vocab_size : int
    weights : numpy.ndarray of float64, shape (window + 1,)
        ``weights[d]`` is added for distance ``d`` (``scale / d``; ``weights[0]`` unused).
    symmetric : bool

    Returns
    -------
    rows, cols : numpy.ndarray of int32
        The non-zero entries, in increasing ``(row, col)`` order.
    values : numpy.ndarray of float64
        Their summed weights.
    """
    acc = np.zeros(vocab_size, np.float64)
    touched = np.empty(vocab_size, np.int64)
    n_words = (vocab_size + 63) // 64
    bits = np.zeros(n_words, np.uint64)
    cap = 1024
    rows = np.empty(cap, np.int32)
    cols = np.empty(cap, np.int32)
    values = np.empty(cap, np.float64)
    n = 0
    for r in range(row_start, row_stop):
        nt = 0
        for k in range(row_ptr[r], row_ptr[r + 1]):
            p = positions[k]
            # Branch-free "append if first seen": the slot is overwritten unless nt advances.
            for d in range(1, right[k] + 1):
                c = tokens[p + d]
                touched[nt] = c
                nt += acc[c] == 0.0
                acc[c] += weights[d]
            if symmetric:
                for d in range(1, left[k] + 1):
                    c = tokens[p - d]
                    touched[nt] = c
                    nt += acc[c] == 0.0
                    acc[c] += weights[d]
        if nt == 0:
            continue
        if n + nt > cap:
            # Grow geometrically: amortised O(1) per entry, at most 2x the final size.
            cap = max(2 * cap, n + nt)
            new_rows = np.empty(cap, np.int32)
            new_cols = np.empty(cap, np.int32)
            new_values = np.empty(cap, np.float64)
            new_rows[:n] = rows[:n]
            new_cols[:n] = cols[:n]
            new_values[:n] = values[:n]
            rows, cols, values = new_rows, new_cols, new_values
        if nt * 8 < n_words:
            # Few columns: sort them.
            order = np.sort(touched[:nt])
            for t in range(nt):
                c = order[t]
                rows[n] = r
                cols[n] = c
                values[n] = acc[c]
                acc[c] = 0.0
                n += 1
        else:
            # Many columns: a bitmap of V bits lists them in order in O(V / 64 + nt).
            for t in range(nt):
                c = touched[t]
                bits[c >> 6] |= np.uint64(1) << np.uint64(c & 63)
            for wi in range(n_words):
                word = bits[wi]
                bits[wi] = 0
                while word != 0:
                    low = word & (~word + np.uint64(1))
                    c = wi * 64 + _DEBRUIJN[np.int64((low * _DEBRUIJN_MULT) >> np.uint64(58))]
                    rows[n] = r
                    cols[n] = c
                    values[n] = acc[c]
                    acc[c] = 0.0
                    n += 1
                    word ^= low
    return rows[:n].copy(), cols[:n].copy(), values[:n].copy()


@njit(cache=True, nogil=True, inline="always")
def _before(ra, ca, rb, cb):
    return ra < rb or (ra == rb and ca < cb)


@njit(cache=True, nogil=True)
def merge_sorted(rows_a, cols_a, values_a, rows_b, cols_b, values_b):
    """Merge two runs sorted by strictly increasing ``(row, col)``, adding equal entries' values.

    A first pass counts the distinct entries, so the output is allocated at its exact size (peak
    memory: the two inputs plus the output, no trimming copy).

    Returns
    -------
    rows, cols, values : numpy.ndarray
        The union of the entries (sorted, each once) and the summed values.
    """
    na = rows_a.shape[0]
    nb = rows_b.shape[0]
    i = 0
    j = 0
    n = 0
    while i < na and j < nb:
        if _before(rows_a[i], cols_a[i], rows_b[j], cols_b[j]):
            i += 1
        elif _before(rows_b[j], cols_b[j], rows_a[i], cols_a[i]):
            j += 1
        else:
            i += 1
            j += 1
        n += 1
    n += (na - i) + (nb - j)
    rows = np.empty(n, np.int32)
    cols = np.empty(n, np.int32)
    values = np.empty(n, np.float64)
    i = 0
    j = 0
    for k in range(n):
        if j == nb or (i < na and _before(rows_a[i], cols_a[i], rows_b[j], cols_b[j])):
            rows[k] = rows_a[i]
            cols[k] = cols_a[i]
            values[k] = values_a[i]
            i += 1
        elif i == na or _before(rows_b[j], cols_b[j], rows_a[i], cols_a[i]):
            rows[k] = rows_b[j]
            cols[k] = cols_b[j]
            values[k] = values_b[j]
            j += 1
        else:
            rows[k] = rows_a[i]
            cols[k] = cols_a[i]
            values[k] = values_a[i] + values_b[j]
            i += 1
            j += 1
    return rows, cols, values


# --------------------------------------------------------------------------- training
@njit(cache=True, nogil=True)
def prepare_pairs(row, col, value, x_max, alpha, out_ids, out_vals):
    """Pack the pairs into 16-byte records for training: ``(i, j, log x, f(x))``.

    ``out_ids`` (int32, shape (P, 4)) and ``out_vals`` (float32, shape (P, 4)) are two views of one
    buffer; columns 0, 1 are written through ``out_ids`` and 2, 3 through ``out_vals``, so one
    shuffle of the rows moves a whole record and training reads each record with one memory access.
    ``f(x) = min((x / x_max)**alpha, 1)`` and ``log x`` are computed in float64, stored as float32.
    """
    for k in range(row.shape[0]):
        x = np.float64(value[k])
        out_ids[k, 0] = row[k]
        out_ids[k, 1] = col[k]
        out_vals[k, 2] = np.float32(np.log(x))
        out_vals[k, 3] = np.float32(1.0 if x > x_max else (x / x_max) ** alpha)


@njit(cache=True, nogil=True)
def shuffle_records(ids, seed):
    """Shuffle the rows of ``ids`` in place (Fisher--Yates), seeded.

    Random numbers come from word2vec.c's linear congruential generator
    ``r = r * 25214903917 + 11 (mod 2**64)``, so the order depends on ``seed`` only.
    """
    state = np.uint64(seed)
    n = ids.shape[0]
    for i in range(n - 1, 0, -1):
        state = state * _LCG_MULT + _LCG_INC
        j = np.int64((state >> np.uint64(16)) % np.uint64(i + 1))
        for c in range(ids.shape[1]):
            t = ids[i, c]
            ids[i, c] = ids[j, c]
            ids[j, c] = t


#: Only re-association (a vectorised dot product) and fused multiply-add: no approximate square
#: roots or reciprocals, and NaN/inf keep their IEEE meaning, so divergence stays detectable.
_FASTMATH = {"reassoc", "contract"}


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def glove_epoch(state, ids, vals, start, stop, vocab_size, eta, grad_clip):
    """One AdaGrad pass over the records ``start <= k < stop``, updating in place (hogwild-safe).

    For a record ``(i, j, log x, f)`` with ``e = w_i . w~_j + b_i + b~_j - log x`` (``diff`` in
    glove.c) and ``g = f * e`` (``fdiff``), the step is glove.c's (current stanfordnlp/GloVe, the
    version with ``grad_clip_value``):

    * vectors, per component ``c``: ``t = eta * clip(g * w~_jc, +-grad_clip)``;
      ``w_ic -= t / sqrt(G_ic)``, then ``G_ic += t**2``; symmetrically for ``w~_jc`` with ``w_ic``.
      Both use the values from before the step. The accumulators start at 1 and collect squared
      *learning-rate-scaled* gradients, so the step is ``eta g / sqrt(1 + sum (eta g)**2)``;
    * biases: ``b_i -= g / sqrt(G^b_i)``, ``G^b_i += g**2`` (and the same for ``b~_j``): glove.c
      applies neither ``eta`` nor clipping to the biases (stanfordnlp/GloVe pull request #209
      discusses this; the maintainers found adding ``eta`` made vectors worse, and it is unmerged).

    This is SGD on ``(1/2) f e**2`` per pair, i.e. on ``J / 2``. glove.c silently skips updates
    that would be NaN; this kernel does not (the caller checks the loss and stops).

    Parameters
    ----------
    state : numpy.ndarray of float32, shape (2V, 2(N + 1))
        Row ``i < V`` is ``[w_i, b_i, H(w_i), H(b_i)]``, row ``V + j`` is
        ``[w~_j, b~_j, H(w~_j), H(b~_j)]``, with ``H = G - 1`` the AdaGrad accumulator minus its
        initial value (``G = 1 + H`` in the formulas above).
    ids, vals : numpy.ndarray, shape (P, 4)
        int32 and float32 views of the records of :func:`prepare_pairs`.
    start, stop : int
        The slice of records to process (one worker's contiguous share).
    vocab_size : int
    eta : float
        Learning rate (glove.c's ``eta``).
    grad_clip : float
        Bound on each vector-gradient component (glove.c's ``grad_clip_value``).

    Returns
    -------
    float
        ``sum (1/2) f e**2`` over the processed records, each before its own update (glove.c's
        cost).
    """
    S = state.shape[1] // 2
    N = S - 1
    eta32 = np.float32(eta)
    clip = np.float32(grad_clip)
    one = np.float32(1.0)
    cost = 0.0
    for k in range(start, stop):
        i = ids[k, 0]
        j = ids[k, 1] + vocab_size
        w = state[i, :S]
        gw = state[i, S:]
        wc = state[j, :S]
        gwc = state[j, S:]
        diff = np.float32(0.0)
        for c in range(N):
            diff += w[c] * wc[c]
        diff += w[N] + wc[N] - vals[k, 2]
        fdiff = vals[k, 3] * diff
        cost += 0.5 * np.float64(fdiff) * np.float64(diff)
        for c in range(N):
            t1 = min(max(fdiff * wc[c], -clip), clip) * eta32
            t2 = min(max(fdiff * w[c], -clip), clip) * eta32
            w[c] -= t1 / np.sqrt(one + gw[c])
            wc[c] -= t2 / np.sqrt(one + gwc[c])
            gw[c] += t1 * t1
            gwc[c] += t2 * t2
        w[N] -= fdiff / np.sqrt(one + gw[N])
        wc[N] -= fdiff / np.sqrt(one + gwc[N])
        gw[N] += fdiff * fdiff
        gwc[N] += fdiff * fdiff
    return cost
