"""Random walks on a CSR graph: first order (DeepWalk) and node2vec's second order, no tables.

The graph is CSR: node ``v``'s out-neighbours are ``indices[indptr[v]:indptr[v + 1]]``, sorted
ascending within each row, with optional positive ``weights`` in the same layout. Every function
here takes these arrays as arguments (never a closure over them: numba would freeze captured arrays
into the compiled code as constants, recompile for every graph, and ``cache=True`` could not work).

**Walks.** Walk ``w`` starts at node ``w % n_nodes`` (so walk id = ``round * n_nodes + node``) and
holds at most ``walk_length`` nodes, the start node included. It stops early at a node without
out-neighbours. Walks are written to row ``w - first_walk`` of an ``(n_walks, walk_length)`` int32
buffer, with their true lengths in a separate array.

**Random numbers.** Each walk has its own stream: splitmix64 (Steele, Lea & Flood 2014) started at a
state mixed from ``(seed, walk id)``. The walks therefore do not depend on how walks are grouped
into jobs or on the number of threads (PecanPy seeds ``np.random`` once per thread, so its walks
depend on the scheduling).

**First order.** Uniform over the row, or, with weights, Walker's alias method over the row
(:func:`build_alias`): O(1) per step, 8 bytes per stored edge.

**Second order (node2vec).** Grover & Leskovec (2016) weight the step ``cur -> x`` after
``prev -> cur`` by ``w(cur, x) * alpha(prev, x)`` with ``alpha = 1/p`` if ``x == prev``, ``1`` if
``x`` is one step from ``prev`` and ``1/q`` otherwise. The original code precomputes an alias
table for every edge, sum over nodes of deg**2 entries (:func:`node2vec_table_entries`; gigabytes
for BlogCatalog). Here each step is drawn by **rejection sampling** from the first-order proposal
(the method of fastnode2vec), adjacency being a binary search in the sorted CSR row of ``prev``:
memory stays linear in the edges. Two refinements, both exact:

* The envelope is ``B = max(1, 1/q)``, not ``max(1/p, 1, 1/q)``: when ``1/p > B`` the excess
  ``w(cur, prev) * (1/p - B)`` of the return move is an extra box of the envelope that returns
  to ``prev`` without a test ("outlier folding", the idea of KnightKing, Yang et al., SOSP 2019).
  For ``p = 0.25, q = 4`` this cuts the expected number of trials per step about fourfold.
* The acceptance draw comes first: below ``min(1, 1/q) / B`` a non-return proposal is accepted
  without looking up whether ``x`` is adjacent to ``prev``.

**Directed graphs.** "``x`` is one step from ``prev``" means the edge ``prev -> x`` exists, as in
PecanPy (the original node2vec code tests the reverse edge ``x -> prev``; the two agree on
undirected graphs). A return to ``prev`` needs the edge ``cur -> prev``.
"""
import numpy as np
from numba import njit, prange

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 2.0**-53


# ----------------------------------------------------------------------------- random numbers
@njit(cache=True, nogil=True, inline="always")
def mix64(z):
    """splitmix64's finalizer: a bijection of uint64 that scrambles every input bit."""
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(cache=True, nogil=True, inline="always")
def walk_state(seed, walk):
    """Initial random state of walk ``walk`` under ``seed`` (both non-negative integers).

    The state is mixed twice, so the streams of consecutive walks start at unrelated points of the
    splitmix64 sequence instead of overlapping.
    """
    return mix64(mix64(np.uint64(seed) + _GOLDEN) ^ mix64(np.uint64(walk) * _GOLDEN + _GOLDEN))


@njit(cache=True, nogil=True, inline="always")
def next_uniform(state):
    """Advance the splitmix64 ``state``; return ``(new_state, u)`` with ``u`` uniform in [0, 1).

    ``u`` has 53 random bits (a multiple of ``2**-53``).
    """
    state = state + _GOLDEN
    return state, np.float64(mix64(state) >> _S11) * _TO_UNIT


# ----------------------------------------------------------------------------- CSR helpers
@njit(cache=True, nogil=True, inline="always")
def find_in_row(indices, start, stop, x):
    """Position of ``x`` in the sorted slice ``indices[start:stop]``, or -1 (binary search)."""
    lo = start
    hi = stop
    while lo < hi:
        mid = (lo + hi) >> 1
        if indices[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    if lo < stop and indices[lo] == x:
        return lo
    return -1


@njit(cache=True, nogil=True)
def build_alias(indptr, weights):
    """Walker's alias tables (Vose's construction) for every CSR row.

    Row ``v`` with ``d`` entries is an equal mixture of ``d`` columns: column ``k`` (edge
    ``indptr[v] + k``) keeps itself with probability ``prob[indptr[v] + k]`` and otherwise moves
    to the column ``alias[indptr[v] + k]`` (a row-local index). Drawing ``k`` uniformly and one
    coin gives edge ``e`` with probability ``weights[e] / sum(row weights)``.

    Parameters
    ----------
    indptr : numpy.ndarray of int64, shape (n + 1,)
    weights : numpy.ndarray of float32, shape (m,)
        Positive edge weights in CSR order.

    Returns
    -------
    prob : numpy.ndarray of float32, shape (m,)
    alias : numpy.ndarray of int32, shape (m,)
    """
    m = len(weights)
    prob = np.ones(m, np.float32)
    alias = np.zeros(m, np.int32)
    n = len(indptr) - 1
    max_deg = 0
    for v in range(n):
        max_deg = max(max_deg, indptr[v + 1] - indptr[v])
    scaled = np.empty(max_deg, np.float64)
    small = np.empty(max_deg, np.int64)
    large = np.empty(max_deg, np.int64)
    for v in range(n):
        start = indptr[v]
        d = indptr[v + 1] - start
        if d == 0:
            continue
        total = 0.0
        for k in range(d):
            total += weights[start + k]
        n_small = 0
        n_large = 0
        for k in range(d):
            scaled[k] = weights[start + k] * d / total
            if scaled[k] < 1.0:
                small[n_small] = k
                n_small += 1
            else:
                large[n_large] = k
                n_large += 1
        # Pair each under-full column with an over-full one that tops it up to 1.
        while n_small > 0 and n_large > 0:
            n_small -= 1
            s = small[n_small]
            g = large[n_large - 1]
            prob[start + s] = scaled[s]
            alias[start + s] = g
            scaled[g] -= 1.0 - scaled[s]
            if scaled[g] < 1.0:
                n_large -= 1
                small[n_small] = g
                n_small += 1
        # What is left is full up to rounding error.
        for i in range(n_large):
            prob[start + large[i]] = 1.0
        for i in range(n_small):
            prob[start + small[i]] = 1.0
    return prob, alias


@njit(cache=True, nogil=True)
def row_sums(indptr, weights):
    """Sum of the weights of every CSR row (float64), the normaliser of the first-order walk."""
    n = len(indptr) - 1
    out = np.zeros(n, np.float64)
    for v in range(n):
        s = 0.0
        for e in range(indptr[v], indptr[v + 1]):
            s += weights[e]
        out[v] = s
    return out


@njit(cache=True, nogil=True)
def node2vec_table_entries(indptr, indices):
    """Entries of node2vec's precomputed edge alias tables: the sum of ``deg(cur)`` over all edges.

    The original implementation (and PecanPy's ``PreComp`` mode) stores, for every stored edge
    ``prev -> cur``, one probability and one alias index per out-neighbour of ``cur``: this many
    entries (the sum of ``deg**2`` over nodes for an undirected graph). Returned as int64.
    """
    total = 0
    for e in range(len(indices)):
        cur = indices[e]
        total += indptr[cur + 1] - indptr[cur]
    return total


# ----------------------------------------------------------------------------- one step
@njit(cache=True, nogil=True, inline="always")
def first_order_step(indptr, indices, prob, alias, weighted, cur, u):
    """Edge position of one first-order step from ``cur`` given ``u`` uniform in [0, 1).

    The row must be non-empty. One uniform serves both draws of the alias method: its integer
    part (times the degree) picks the column, its fractional part is the coin.
    """
    start = indptr[cur]
    d = indptr[cur + 1] - start
    scaled = u * d
    k = min(np.int64(scaled), d - 1)
    if weighted and scaled - k >= prob[start + k]:
        k = alias[start + k]
    return start + k


@njit(cache=True, nogil=True, inline="always")
def node2vec_step(indptr, indices, weights, prob, alias, totals, weighted, directed, inv_p,
                  inv_q, prev, cur, state):
    """One node2vec step from ``cur`` (arrived from ``prev``) by rejection; ``(node, state)``.

    The target is ``w(cur, x) * alpha(prev, x)`` over the out-neighbours ``x`` of ``cur`` (row
    non-empty). The envelope is ``B * w(cur, x)`` with ``B = max(1, 1/q)`` over the whole row plus,
    when ``1/p > B``, a box of mass ``w(cur, prev) * (1/p - B)`` that is always accepted and
    returns to ``prev``. A proposal ``x`` from the first-order walk is accepted with probability
    ``min(alpha(prev, x), B) / B``.
    """
    start = indptr[cur]
    stop = indptr[cur + 1]
    bound = max(1.0, inv_q)
    low = min(1.0, inv_q)
    row_mass = totals[cur] if weighted else np.float64(stop - start)
    extra = 0.0
    if inv_p > bound:
        # Weight of the return edge cur -> prev (it exists in an undirected graph).
        w_return = 0.0
        if weighted or directed:
            pos = find_in_row(indices, start, stop, prev)
            if pos >= 0:
                w_return = weights[pos] if weighted else 1.0
        else:
            w_return = 1.0
        extra = w_return * (inv_p - bound)
    body = bound * row_mass
    total = body + extra
    prev_start = indptr[prev]
    prev_stop = indptr[prev + 1]
    while True:
        state, u = next_uniform(state)
        u = u * total
        if u >= body:
            return prev, state  # the folded excess of the return move
        x = indices[first_order_step(indptr, indices, prob, alias, weighted, cur, u / body)]
        state, v = next_uniform(state)
        v = v * bound
        if x == prev:
            if v < min(inv_p, bound):
                return x, state
        elif v < low:
            return x, state  # accepted whatever the distance from prev
        else:
            a = 1.0 if find_in_row(indices, prev_start, prev_stop, x) >= 0 else inv_q
            if v < a:
                return x, state


# ----------------------------------------------------------------------------- many walks
@njit(cache=True, nogil=True)
def walk_range(indptr, indices, weights, prob, alias, totals, weighted, directed, second_order,
               inv_p, inv_q, walk_length, seed, first_walk, stop_walk, out, lengths):
    """Walks ``first_walk <= w < stop_walk`` into rows ``w - first_walk`` of ``out``.

    Parameters
    ----------
    indptr : numpy.ndarray of int64, shape (n + 1,)
    indices : numpy.ndarray of int32, shape (m,)
        Sorted within each row.
    weights : numpy.ndarray of float32, shape (m,) or (1,)
        Edge weights (a dummy when ``weighted`` is false).
    prob, alias : numpy.ndarray
        Alias tables of the rows (:func:`build_alias`; dummies when unweighted).
    totals : numpy.ndarray of float64, shape (n,) or (1,)
        Row weight sums (:func:`row_sums`; a dummy when unweighted).
    weighted, directed, second_order : bool
        ``second_order`` false gives the first-order (DeepWalk) walk, whatever ``p`` and ``q``.
    inv_p, inv_q : float
        ``1/p`` and ``1/q``.
    walk_length : int
        Maximal number of nodes per walk (>= 1).
    seed : int
        Non-negative; with the walk id it seeds the walk's random stream.
    first_walk, stop_walk : int
        Walk ids to generate; walk ``w`` starts at node ``w % n``.
    out : numpy.ndarray of int32, shape (>= stop_walk - first_walk, walk_length)
        Receives the walks; entries past a walk's length are left untouched.
    lengths : numpy.ndarray of int64
        Receives the number of nodes of each walk.
    """
    n = len(indptr) - 1
    for w in range(first_walk, stop_walk):
        row = w - first_walk
        state = walk_state(seed, w)
        cur = np.int32(w % n)
        out[row, 0] = cur
        length = 1
        prev = cur
        while length < walk_length:
            if indptr[cur] == indptr[cur + 1]:
                break  # no out-neighbour: the walk ends here
            if second_order and length > 1:
                nxt, state = node2vec_step(indptr, indices, weights, prob, alias, totals,
                                           weighted, directed, inv_p, inv_q, prev, cur, state)
            else:
                state, u = next_uniform(state)
                nxt = indices[first_order_step(indptr, indices, prob, alias, weighted, cur, u)]
            out[row, length] = nxt
            length += 1
            prev = cur
            cur = nxt
        lengths[row] = length


@njit(cache=True, nogil=True, parallel=True)
def walk_range_parallel(indptr, indices, weights, prob, alias, totals, weighted, directed,
                        second_order, inv_p, inv_q, walk_length, seed, first_walk, stop_walk,
                        out, lengths, block):
    """:func:`walk_range` split into blocks of ``block`` walks run in parallel (``prange``).

    Same arguments as :func:`walk_range` plus ``block``; the result is identical to it for any
    number of numba threads, since every walk draws from its own stream.
    """
    n_walks = stop_walk - first_walk
    n_blocks = (n_walks + block - 1) // block
    for b in prange(n_blocks):
        a = first_walk + b * block
        z = min(stop_walk, a + block)
        walk_range(indptr, indices, weights, prob, alias, totals, weighted, directed,
                   second_order, inv_p, inv_q, walk_length, seed, a, z, out[a - first_walk:],
                   lengths[a - first_walk:])


@njit(cache=True, nogil=True)
def compact_walks(out, lengths):
    """Concatenate the walks of ``out`` (true lengths ``lengths``) into tokens and offsets.

    Returns
    -------
    tokens : numpy.ndarray of int32, shape (lengths.sum(),)
    offsets : numpy.ndarray of int64, shape (len(lengths) + 1,)
    """
    n_walks = len(lengths)
    offsets = np.zeros(n_walks + 1, np.int64)
    for i in range(n_walks):
        offsets[i + 1] = offsets[i] + lengths[i]
    tokens = np.empty(offsets[n_walks], np.int32)
    for i in range(n_walks):
        o = offsets[i]
        for j in range(lengths[i]):
            tokens[o + j] = out[i, j]
    return tokens, offsets
