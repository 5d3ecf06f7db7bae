"""Weisfeiler–Lehman relabelling of a (block-diagonal) CSR graph, and its label documents.

At iteration ``k`` node ``v`` gets the label ``compress(l[v], sorted(l[u] for u in row v))`` of
the labels ``l`` of iteration ``k - 1`` (Shervashidze et al. 2011, JMLR 12). The compression is a
dictionary from signatures to new labels, numbered in order of first appearance over the nodes:
each signature is hashed (64 bits) and the hash looked up in a numba typed dict; signatures that
share a hash are told apart by comparing them with the stored signature of each label in a
collision chain, so the labels are exact whatever the hash does.

A batch of graphs is one block-diagonal CSR graph (no edge between two graphs), so one call
relabels all graphs with one dictionary per iteration, as Graph2Vec's corpus builder does.
"""
import numpy as np
from numba import njit, types
from numba.typed import Dict

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)


@njit(cache=True, nogil=True, inline="always")
def _mix64(z):
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(cache=True, nogil=True)
def _signature_hash(own, neighbours, d):
    h = _mix64(np.uint64(own) + _GOLDEN)
    h = _mix64(h ^ np.uint64(d))
    for i in range(d):
        h = _mix64(h + np.uint64(neighbours[i]) + _GOLDEN)
    return h


@njit(cache=True, nogil=True)
def wl_relabel(indptr, indices, labels0, n_labels0, iterations):
    """Weisfeiler–Lehman labels of every node for iterations ``0..iterations``.

    Parameters
    ----------
    indptr : numpy.ndarray of int64, shape (n + 1,)
    indices : numpy.ndarray of int32, shape (m,)
        CSR neighbours (the order within a row does not matter; a self-loop counts as a
        neighbour, none is added).
    labels0 : numpy.ndarray of int32, shape (n,)
        Iteration-0 labels in ``[0, n_labels0)``.
    n_labels0 : int
        Number of iteration-0 labels.
    iterations : int
        ``h >= 0``.

    Returns
    -------
    labels : numpy.ndarray of int32, shape (iterations + 1, n)
        ``labels[k, v]``: label of node ``v`` at iteration ``k``, numbered ``0, 1, ...`` in order
        of first appearance over the nodes within each iteration ``k >= 1``.
    counts : numpy.ndarray of int64, shape (iterations + 1,)
        Number of distinct labels of each iteration.
    """
    n = len(labels0)
    m = len(indices)
    labels = np.empty((iterations + 1, n), np.int32)
    counts = np.empty(iterations + 1, np.int64)
    labels[0, :] = labels0
    counts[0] = n_labels0
    max_deg = 0
    for v in range(n):
        max_deg = max(max_deg, indptr[v + 1] - indptr[v])
    neighbours = np.empty(max(max_deg, 1), np.int32)
    # Signatures of the labels created so far: own label, then the sorted neighbour labels.
    store = np.empty(n + m, np.int32)
    store_start = np.empty(n + 1, np.int64)
    chain = np.empty(n, np.int64)  # next label with the same hash, -1 at the end
    for k in range(1, iterations + 1):
        before = labels[k - 1]
        after = labels[k]
        first_with_hash = Dict.empty(key_type=types.uint64, value_type=types.int64)
        n_new = 0
        store_start[0] = 0
        for v in range(n):
            start = indptr[v]
            d = indptr[v + 1] - start
            for i in range(d):
                neighbours[i] = before[indices[start + i]]
            neighbours[:d].sort()
            own = before[v]
            h = _signature_hash(own, neighbours, d)
            found = -1
            head = -1
            if h in first_with_hash:
                head = first_with_hash[h]
            c = head
            while c >= 0:
                s = store_start[c]
                if store_start[c + 1] - s == d + 1 and store[s] == own:
                    same = True
                    for i in range(d):
                        if store[s + 1 + i] != neighbours[i]:
                            same = False
                            break
                    if same:
                        found = c
                        break
                c = chain[c]
            if found < 0:
                found = n_new
                s = store_start[n_new]
                store[s] = own
                for i in range(d):
                    store[s + 1 + i] = neighbours[i]
                store_start[n_new + 1] = s + 1 + d
                chain[n_new] = head
                first_with_hash[h] = n_new
                n_new += 1
            after[v] = found
        counts[k] = n_new
    return labels, counts


@njit(cache=True, nogil=True)
def wl_documents(labels, word_offsets, node_offsets):
    """One document per graph: its nodes' labels of iteration 0, then 1, ..., as word ids.

    Parameters
    ----------
    labels : numpy.ndarray of int32, shape (h + 1, n)
        From :func:`wl_relabel`.
    word_offsets : numpy.ndarray of int64, shape (h + 2,)
        Label ``j`` of iteration ``k`` is word ``word_offsets[k] + j``.
    node_offsets : numpy.ndarray of int64, shape (n_graphs + 1,)
        Graph ``g`` owns nodes ``node_offsets[g]:node_offsets[g + 1]``.

    Returns
    -------
    tokens : numpy.ndarray of int32, shape ((h + 1) * n,)
    offsets : numpy.ndarray of int64, shape (n_graphs + 1,)
    """
    n_iter = labels.shape[0]
    n_graphs = len(node_offsets) - 1
    tokens = np.empty(n_iter * labels.shape[1], np.int32)
    offsets = np.empty(n_graphs + 1, np.int64)
    pos = 0
    for g in range(n_graphs):
        offsets[g] = pos
        for k in range(n_iter):
            shift = word_offsets[k]
            for v in range(node_offsets[g], node_offsets[g + 1]):
                tokens[pos] = labels[k, v] + shift
                pos += 1
    offsets[n_graphs] = pos
    return tokens, offsets
