"""Huffman tree for hierarchical softmax, built in O(V) from counts sorted in decreasing order."""
import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def huffman_tree(counts):
    """Build the Huffman tree of word2vec.c over counts sorted in decreasing order.

    Leaves are words ``0..V-1``; inner node ``k`` (``0..V-2``) is node ``V + k`` of the tree and
    row ``k`` of the hierarchical-softmax output matrix; the root is inner node ``V - 2``.

    Parameters
    ----------
    counts : numpy.ndarray of int64, shape (V,)
        Word counts, non-increasing (the order of :class:`embedlearn.vocab.Vocabulary`).

    Returns
    -------
    codes : numpy.ndarray of uint8
        All words' codes concatenated, each read from the root down (bit 1 = the branch of the
        larger-count child, as word2vec.c).
    points : numpy.ndarray of int32
        The inner nodes on each word's path, root first, aligned with ``codes``.
    offsets : numpy.ndarray of int64, shape (V + 1,)
        Word ``w``'s code is ``codes[offsets[w]:offsets[w + 1]]``.
    """
    V = counts.shape[0]
    offsets = np.zeros(V + 1, np.int64)
    if V < 2:
        # A single word needs no decision: empty path (its probability is 1).
        return np.zeros(0, np.uint8), np.zeros(0, np.int32), offsets
    weight = np.empty(2 * V - 1, np.int64)
    weight[:V] = counts
    parent = np.zeros(2 * V - 1, np.int64)
    bit = np.zeros(2 * V - 1, np.uint8)
    # Two sorted queues: leaves (from the rarest up) and new inner nodes (in creation order).
    leaf = V - 1
    inner = V
    for a in range(V - 1):
        pair = np.empty(2, np.int64)
        for k in range(2):
            if leaf >= 0 and (inner >= V + a or weight[leaf] < weight[inner]):
                pair[k] = leaf
                leaf -= 1
            else:
                pair[k] = inner
                inner += 1
        weight[V + a] = weight[pair[0]] + weight[pair[1]]
        parent[pair[0]] = V + a
        parent[pair[1]] = V + a
        bit[pair[1]] = 1
    root = 2 * V - 2
    depth = np.zeros(V, np.int64)
    for w in range(V):
        node = w
        while node != root:
            depth[w] += 1
            node = parent[node]
    offsets[1:] = np.cumsum(depth)
    codes = np.empty(offsets[V], np.uint8)
    points = np.empty(offsets[V], np.int32)
    for w in range(V):
        # Walk leaf -> root, filling the slots from the end so the result reads root -> leaf.
        pos = offsets[w + 1] - 1
        node = w
        while node != root:
            codes[pos] = bit[node]
            points[pos] = parent[node] - V
            node = parent[node]
            pos -= 1
    return codes, points, offsets
