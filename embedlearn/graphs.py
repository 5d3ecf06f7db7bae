"""Graphs as CSR arrays, random walks over them, and Weisfeiler–Lehman documents of many graphs.

This module turns graphs into the flat arrays the engine trains on, as :mod:`embedlearn.corpus`
does for text:

* :class:`Graph`: compressed sparse rows (``indptr`` int64, ``indices`` int32 sorted within each
  row, optional float32 ``weights``), directed or undirected, with the user's node labels.
* :func:`random_walks` / :class:`Walker`: DeepWalk (first-order) and node2vec (second-order,
  ``p``, ``q``) walks as a :class:`~embedlearn.corpus.Corpus` of node ids, so Word2Vec trains on
  them without any Python per node (kernels in :mod:`embedlearn.kernels.walks`).
* :func:`weisfeiler_lehman`: the Weisfeiler–Lehman relabelling of a batch of graphs, each graph
  becoming a "document" of its subtree labels (Graph2Vec's input; kernel in
  :mod:`embedlearn.kernels.wl`).

Node labels
-----------
Node ``i`` of a graph is ``graph.nodes[i]``, any hashable (ints stay ints). Vectors are stored
under string keys (:class:`~embedlearn.keyedvectors.KeyedVectors`, as gensim, PecanPy and
node2vec do), ``graph.keys[i] == str(graph.nodes[i])``. Two labels with the same string, such as
``1`` and ``"1"``, would share a vector, so a graph holding both is rejected when it is built.
"""
from __future__ import annotations

import json
import math
import numbers
import os
import warnings
from dataclasses import dataclass

import numpy as np

from . import training
from .corpus import Corpus
from .errors import ModelFileError, VocabularyError
from .keyedvectors import KeyedVectors
from .validation import ArraySpec
from .word2vec import Word2Vec

__all__ = ["Graph", "GraphWarning", "Walker", "random_walks", "node2vec_table_bytes",
           "NodeVectors", "DeepWalk", "Node2Vec", "WLDocuments", "weisfeiler_lehman", "Graph2Vec"]

_DUPLICATES = ("merge", "sum", "error")


class GraphWarning(UserWarning):
    """A graph is usable but part of it will not be learned (isolated nodes, dead ends)."""


def _sample(labels, k=3):
    shown = ", ".join(repr(x) for x in labels[:k])
    return shown + (", ..." if len(labels) > k else "")


class Graph:
    """A directed or undirected graph in compressed sparse row (CSR) form.

    Node ``v``'s out-neighbours are ``indices[indptr[v]:indptr[v + 1]]``, sorted ascending, each
    at most once, with weights ``weights[indptr[v]:indptr[v + 1]]`` (``None`` if unweighted). An
    undirected graph stores each edge in both rows (a self-loop once, in its own row), so its
    walks and its Weisfeiler–Lehman neighbourhoods read one row.

    Build it with :meth:`from_networkx`, :meth:`from_edgelist` or :meth:`from_edges`; the
    constructor takes CSR arrays and checks them.

    Parameters
    ----------
    indptr : array_like of int, shape (n + 1,)
    indices : array_like of int, shape (m,)
    weights : array_like of float, shape (m,), optional
        Positive, finite.
    directed : bool, default False
        If false, the rows must be symmetric (with equal weights both ways).
    nodes : sequence of hashable, optional
        The label of each node; default ``0..n-1``.
    node_labels : sequence, optional
        One attribute value per node (e.g. an atom type), the iteration-0 labels of
        :func:`weisfeiler_lehman`.
    label_attribute : str, optional
        The name of that attribute.

    Attributes
    ----------
    indptr : numpy.ndarray of int64
    indices : numpy.ndarray of int32
    weights : numpy.ndarray of float32 or None
    directed : bool
    nodes : list
        Node labels, by node id.
    node_labels : list or None
    label_attribute : str or None

    Notes
    -----
    What the builders do with unusual input:

    * **Self-loops** in the input are kept (a walk may stay on its node for a step); none is ever
      added. (karateclub adds a self-loop to every node of Graph2Vec's input; this module does
      not.)
    * **Parallel edges** (repeated pairs; in an undirected graph ``(u, v)`` and ``(v, u)`` are
      the same edge): ``duplicates="merge"`` (default) keeps one edge and requires repeated
      weights to agree, so an undirected edge list that lists both directions is read as
      intended; ``"sum"`` adds their weights, an unweighted repeat counting 1 (the random walk
      of the multigraph: a networkx ``MultiGraph`` is read this way); ``"error"`` rejects them.
    * **Weights** must be positive and finite (a zero-weight edge can never be walked: drop it).
    * **Isolated nodes** and, in a directed graph, nodes without out-edges are allowed; the walk
      functions warn (:class:`GraphWarning`) since their walks end there.
    """

    def __init__(self, indptr, indices, weights=None, *, directed=False, nodes=None,
                 node_labels=None, label_attribute=None, _checked=False):
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(indices, dtype=np.int32)
        self.weights = None if weights is None else np.ascontiguousarray(weights, np.float32)
        self.directed = bool(directed)
        n = len(self.indptr) - 1
        self.nodes = list(range(n)) if nodes is None else list(nodes)
        self.node_labels = None if node_labels is None else list(node_labels)
        self.label_attribute = label_attribute
        self._index = None
        self._keys = None
        self._check(_checked)

    # ------------------------------------------------------------------ validation
    def _check(self, structure_checked):
        indptr, indices, weights = self.indptr, self.indices, self.weights
        if indptr.ndim != 1 or len(indptr) < 2:
            raise ValueError("the graph is empty: it has no node")
        n = len(indptr) - 1
        if len(self.nodes) != n:
            raise ValueError(f"{len(self.nodes)} node labels for {n} nodes")
        if self.node_labels is not None and len(self.node_labels) != n:
            raise ValueError(f"{len(self.node_labels)} node_labels for {n} nodes")
        keys = [str(v) for v in self.nodes]
        if len(set(keys)) != n:
            seen = {}
            for i, (v, key) in enumerate(zip(self.nodes, keys)):
                j = seen.setdefault(key, i)
                if j == i:
                    continue
                other = self.nodes[j]
                if type(other) is type(v) and other == v:
                    raise ValueError(f"node label {v!r} appears twice (nodes {j} and {i})")
                raise ValueError(
                    f"node labels {other!r} and {v!r} have the same string {key!r}: they "
                    "would share one vector key; rename one of them")
        self._keys = keys
        if structure_checked:
            return
        m = len(indices)
        if indptr[0] != 0 or indptr[-1] != m or np.any(np.diff(indptr) < 0):
            raise ValueError("indptr must start at 0, be non-decreasing and end at len(indices)")
        if m and (indices.min() < 0 or indices.max() >= n):
            raise ValueError(f"indices must lie in [0, {n})")
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        if m > 1:
            step = np.diff(indices.astype(np.int64))
            inside = rows[1:] == rows[:-1]
            if np.any(step[inside] <= 0):
                raise ValueError("each CSR row must be sorted ascending with no repeated neighbour")
        if weights is not None:
            _check_weights(weights, m)
        if not self.directed and m:
            key = rows * n + indices
            rkey = indices.astype(np.int64) * n + rows
            order = np.argsort(rkey, kind="stable")
            if not np.array_equal(rkey[order], key):
                raise ValueError("an undirected graph must store every edge in both rows "
                                 "(pass directed=True for a directed graph)")
            if weights is not None and not np.array_equal(weights[order], weights):
                raise ValueError("an undirected graph must have equal weights in both directions")

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_edges(cls, sources, targets, weights=None, *, directed=False, nodes=None,
                   n_nodes=None, duplicates="merge"):
        """Build a graph from arrays of node ids (``0..n-1``).

        Parameters
        ----------
        sources, targets : array_like of int, shape (k,)
            Edge ``j`` goes from ``sources[j]`` to ``targets[j]``.
        weights : array_like of float, shape (k,), optional
        directed : bool, default False
        nodes : sequence of hashable, optional
            Label of each node id (default: the ids themselves).
        n_nodes : int, optional
            Number of nodes (default ``len(nodes)``, or the largest id + 1); ids without edges
            are isolated nodes.
        duplicates : {"merge", "sum", "error"}, default "merge"
            What to do with parallel edges (see the class notes).
        """
        src = _as_ids("sources", sources)
        dst = _as_ids("targets", targets)
        if src.shape != dst.shape:
            raise ValueError(f"sources and targets differ in length ({len(src)} vs {len(dst)})")
        if n_nodes is None:
            n_nodes = len(nodes) if nodes is not None else (
                int(max(src.max(), dst.max())) + 1 if len(src) else 0)
        training.check_nonnegative("n_nodes", n_nodes, integer=True)
        n_nodes = int(n_nodes)
        if nodes is not None and len(nodes) != n_nodes:
            raise ValueError(f"{len(nodes)} node labels for n_nodes={n_nodes}")
        if n_nodes == 0:
            raise ValueError("the graph is empty: it has no node")
        if n_nodes >= 2**31:
            raise ValueError(f"{n_nodes} nodes: node ids must fit in int32")
        if len(src) and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n_nodes):
            raise ValueError(f"node ids must lie in [0, {n_nodes})")
        w = None
        if weights is not None:
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != src.shape:
                raise ValueError(f"{len(w)} weights for {len(src)} edges")
            _check_weights(w, len(src))
        indptr, indices, w = _csr(src, dst, w, n_nodes, directed, duplicates)
        return cls(indptr, indices, w, directed=directed, nodes=nodes, _checked=True)

    @classmethod
    def from_networkx(cls, graph, weight="weight", node_label=None):
        """Build from a networkx graph, keeping its node order and labels.

        Parameters
        ----------
        graph : networkx.Graph, DiGraph, MultiGraph or MultiDiGraph
        weight : str or None, default "weight"
            Edge attribute holding the weight. The graph is weighted if any edge has it (an edge
            without it weighs 1, networkx's convention); ``None`` ignores weights. Parallel edges
            of a multigraph add up (``duplicates="sum"``).
        node_label : str, optional
            Node attribute to keep as ``node_labels`` (Graph2Vec's iteration-0 labels); every
            node must have it.
        """
        try:
            import networkx as nx
        except ImportError as err:  # pragma: no cover - networkx is a dependency
            raise ImportError("from_networkx needs networkx") from err
        if not isinstance(graph, nx.Graph):
            raise TypeError(f"expected a networkx graph, got {type(graph).__name__}")
        nodes = list(graph.nodes())
        if not nodes:
            raise ValueError("the graph is empty: it has no node")
        index = {v: i for i, v in enumerate(nodes)}
        if weight is None:
            pairs = list(graph.edges())
            w = None
        else:
            triples = list(graph.edges(data=weight))
            pairs = [(u, v) for u, v, _ in triples]
            values = [x for _, _, x in triples]
            w = None
            if any(x is not None for x in values):
                bad = next((x for x in values if x is not None and
                            (not isinstance(x, numbers.Real) or isinstance(x, bool))), None)
                if bad is not None:
                    raise TypeError(f"edge attribute {weight!r} must be a real number, got {bad!r}")
                w = np.array([1.0 if x is None else float(x) for x in values], np.float64)
        src = np.fromiter((index[u] for u, _ in pairs), np.int64, len(pairs))
        dst = np.fromiter((index[v] for _, v in pairs), np.int64, len(pairs))
        labels = None
        if node_label is not None:
            missing = [v for v in nodes if node_label not in graph.nodes[v]]
            if missing:
                raise ValueError(f"{len(missing)} nodes lack the attribute {node_label!r} "
                                 f"(e.g. {_sample(missing)})")
            labels = [graph.nodes[v][node_label] for v in nodes]
        if w is not None:
            _check_weights(w, len(w))
        duplicates = "sum" if graph.is_multigraph() else "merge"
        indptr, indices, w = _csr(src, dst, w, len(nodes), graph.is_directed(), duplicates)
        return cls(indptr, indices, w, directed=graph.is_directed(), nodes=nodes,
                   node_labels=labels, label_attribute=node_label, _checked=True)

    @classmethod
    def from_edgelist(cls, path, directed=False, weighted=None, nodetype=None, comments="#",
                      delimiter=None, duplicates="merge", encoding="utf-8"):
        """Read a whitespace-separated edge list ``u v [weight]``, one edge per line.

        Parameters
        ----------
        path : str or os.PathLike
        directed : bool, default False
        weighted : bool, optional
            Whether a third column holds weights; default: it does if every edge line has three
            fields. Lines with another number of fields are an error naming the line.
        nodetype : {None, int, str}, default None
            ``int`` parses labels as integers (``"01"`` and ``"1"`` would then be the same node:
            an error); ``str`` keeps them as strings; ``None`` makes them ints if every label is
            an integer written canonically (``"7"``, not ``"07"``) and strings otherwise.
        comments : str or None, default "#"
            Text from this marker to the end of a line is ignored; blank lines are skipped.
        delimiter : str, optional
            Field separator (default: any whitespace).
        duplicates : {"merge", "sum", "error"}, default "merge"
            Parallel edges (see the class notes).

        Notes
        -----
        Integer labels are numbered in ascending order (``nodes`` is sorted); string labels in
        order of first appearance. Nodes appear only through edges (no isolated nodes).
        """
        path = os.fspath(path)
        if nodetype not in (None, int, str):
            raise ValueError(f"nodetype must be None, int or str, got {nodetype!r}")
        with open(path, encoding=encoding) as f:
            text = f.read()
        rows, line_no = [], []
        for no, line in enumerate(text.splitlines(), 1):
            if comments:
                line = line.split(comments, 1)[0]
            fields = line.split(delimiter)
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            rows.append(fields)
            line_no.append(no)
        if not rows:
            raise ValueError(f"{path}: no edge found")
        widths = {len(r) for r in rows}
        if weighted is None:
            weighted = widths == {3}
        want = 3 if weighted else 2
        for fields, no in zip(rows, line_no):
            if len(fields) != want:
                raise ValueError(f"{path}, line {no}: expected {want} fields "
                                 f"({'u v weight' if weighted else 'u v'}), got {len(fields)}")
        tokens = [f.strip() for r in rows for f in r[:2]]
        if nodetype is None:
            as_int = all(_canonical_int(t) for t in tokens)
        else:
            as_int = nodetype is int
        if as_int:
            try:
                values = [int(t) for t in tokens]
            except ValueError:
                bad = next(k for k, t in enumerate(tokens) if not _is_int(t))
                raise ValueError(f"{path}, line {line_no[bad // 2]}: node {tokens[bad]!r} is not "
                                 "an integer (nodetype=int)") from None
            spelled = {}
            for k, (t, v) in enumerate(zip(tokens, values)):
                if spelled.setdefault(v, t) != t:
                    raise ValueError(f"{path}, line {line_no[k // 2]}: nodes {spelled[v]!r} and "
                                     f"{t!r} are the same integer {v}")
            nodes = sorted(set(values))
        else:
            values = tokens
            nodes = list(dict.fromkeys(values))
        index = {v: i for i, v in enumerate(nodes)}
        ids = np.fromiter((index[v] for v in values), np.int64, len(values)).reshape(-1, 2)
        w = None
        if weighted:
            try:
                w = np.array([float(r[2]) for r in rows], np.float64)
            except ValueError:
                bad = next(k for k, r in enumerate(rows) if not _is_float(r[2]))
                raise ValueError(f"{path}, line {line_no[bad]}: weight {rows[bad][2]!r} is not a "
                                 "number") from None
            bad = np.flatnonzero(~(np.isfinite(w) & (w > 0)))
            if len(bad):
                raise ValueError(f"{path}, line {line_no[bad[0]]}: weight {rows[bad[0]][2]!r} "
                                 "must be positive and finite")
        return cls.from_edges(ids[:, 0], ids[:, 1], w, directed=directed, nodes=nodes,
                              duplicates=duplicates)

    # ------------------------------------------------------------------ queries
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.indptr) - 1

    @property
    def n_edges(self) -> int:
        """Number of edges (an undirected edge counts once, a self-loop once)."""
        m = len(self.indices)
        if self.directed:
            return m
        return (m + self.n_self_loops) // 2

    @property
    def n_self_loops(self) -> int:
        """Number of self-loops."""
        rows = np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(self.indptr))
        return int(np.count_nonzero(rows == self.indices))

    @property
    def weighted(self) -> bool:
        """Whether the edges carry weights."""
        return self.weights is not None

    @property
    def degrees(self) -> np.ndarray:
        """Out-degree of every node (int64; a self-loop counts once)."""
        return np.diff(self.indptr)

    @property
    def keys(self) -> list:
        """The string key of every node's vector: ``str(label)``."""
        return self._keys

    def index(self, node) -> int:
        """Node id of the label ``node``."""
        if self._index is None:
            self._index = {v: i for i, v in enumerate(self.nodes)}
        try:
            return self._index[node]
        except (KeyError, TypeError):
            raise KeyError(f"node {node!r} is not in the graph") from None

    def neighbors(self, node) -> list:
        """Labels of the out-neighbours of ``node`` (a label), in id order."""
        i = self.index(node)
        return [self.nodes[j] for j in self.indices[self.indptr[i]:self.indptr[i + 1]]]

    def dead_ends(self) -> np.ndarray:
        """Ids of the nodes without out-edges (isolated nodes, and sinks of a directed graph)."""
        return np.flatnonzero(self.indptr[1:] == self.indptr[:-1])

    def edges(self):
        """The edges as arrays ``(sources, targets, weights)``.

        An undirected edge appears once, with ``source <= target``; ``weights`` is ``None`` for
        an unweighted graph.
        """
        rows = np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(self.indptr))
        cols = self.indices.astype(np.int64)
        keep = slice(None) if self.directed else rows <= cols
        w = None if self.weights is None else self.weights[keep]
        return rows[keep], cols[keep], w

    def to_networkx(self):
        """The graph as a networkx ``Graph`` or ``DiGraph`` with the same labels and weights."""
        import networkx as nx

        g = nx.DiGraph() if self.directed else nx.Graph()
        if self.node_labels is not None:
            g.add_nodes_from((v, {self.label_attribute or "label": x})
                             for v, x in zip(self.nodes, self.node_labels))
        else:
            g.add_nodes_from(self.nodes)
        src, dst, w = self.edges()
        names = self.nodes
        if w is None:
            g.add_edges_from((names[a], names[b]) for a, b in zip(src.tolist(), dst.tolist()))
        else:
            g.add_weighted_edges_from((names[a], names[b], float(x))
                                      for a, b, x in zip(src.tolist(), dst.tolist(), w.tolist()))
        return g

    def __repr__(self):
        kind = "directed" if self.directed else "undirected"
        weighted = ", weighted" if self.weighted else ""
        return f"Graph({kind}{weighted}, n_nodes={self.n_nodes}, n_edges={self.n_edges})"


def _check_weights(w, m):
    if w.ndim != 1 or len(w) != m:
        raise ValueError(f"weights must have one value per edge ({m}), got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite (found NaN or inf)")
    if np.any(w <= 0):
        raise ValueError(f"weights must be positive, found {float(w.min())!r} (drop zero-weight "
                         "edges, and negative weights have no random-walk meaning)")


def _as_ids(name, values):
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.dtype.kind == "f" and len(arr) and np.all(np.isfinite(arr)) and \
            np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    if len(arr) and arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer node ids, got dtype {arr.dtype}")
    return arr.astype(np.int64)


def _canonical_int(token):
    return _is_int(token) and str(int(token)) == token


def _is_int(token):
    try:
        int(token)
    except ValueError:
        return False
    return True


def _is_float(token):
    try:
        float(token)
    except ValueError:
        return False
    return True


def _csr(src, dst, w, n, directed, duplicates):
    """Sorted CSR arrays from edge arrays (ids checked), merging parallel edges as told."""
    if duplicates not in _DUPLICATES:
        raise ValueError(f"duplicates must be one of {_DUPLICATES}, got {duplicates!r}")
    if directed:
        a, b = src, dst
    else:  # an undirected edge's canonical form is (min, max)
        a, b = np.minimum(src, dst), np.maximum(src, dst)
    key = a * n + b
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.ones(len(key), bool)
    first[1:] = key[1:] != key[:-1]
    n_repeated = len(key) - int(np.count_nonzero(first))
    starts = np.flatnonzero(first)
    if n_repeated:
        if duplicates == "error":
            j = int(np.flatnonzero(~first)[0])
            raise ValueError(f"{n_repeated} repeated edges, e.g. ({int(key[j] // n)}, "
                             f"{int(key[j] % n)}) (duplicates='error')")
        if duplicates == "sum":
            w = np.ones(len(key)) if w is None else w[order]
            w = np.add.reduceat(w, starts)
            if np.all(w == 1.0):
                w = None
        elif w is not None:
            w = w[order]
            lo, hi = np.minimum.reduceat(w, starts), np.maximum.reduceat(w, starts)
            if np.any(lo != hi):
                j = int(np.flatnonzero(lo != hi)[0])
                raise ValueError(
                    f"edge ({int(key[starts[j]] // n)}, {int(key[starts[j]] % n)}) is repeated "
                    f"with different weights ({lo[j]!r}, {hi[j]!r}); pass duplicates='sum' to add "
                    "them, or aggregate the edges first")
            w = lo
    elif w is not None:
        w = w[order]
    key = key[starts]
    a, b = key // n, key % n
    if not directed:  # store both directions, a self-loop once
        off = a != b
        a, b = np.concatenate((a, b[off])), np.concatenate((b, a[off]))
        if w is not None:
            w = np.concatenate((w, w[off]))
        order = np.argsort(a * n + b, kind="stable")
        a, b = a[order], b[order]
        if w is not None:
            w = w[order]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=indptr[1:])
    return indptr, b.astype(np.int32), None if w is None else w.astype(np.float32)


def _as_graph(graph):
    if isinstance(graph, Graph):
        return graph
    try:
        import networkx as nx
    except ImportError:  # pragma: no cover
        nx = None
    if nx is not None and isinstance(graph, nx.Graph):
        return Graph.from_networkx(graph)
    raise TypeError(f"expected an embedlearn.graphs.Graph or a networkx graph, got "
                    f"{type(graph).__name__}")


# ============================================================================= random walks
def node2vec_table_bytes(graph) -> int:
    """Bytes that node2vec's precomputed second-order alias tables would take for ``graph``.

    One float32 probability and one int32 alias per entry, one entry per out-neighbour of
    ``cur`` for every stored edge ``prev -> cur`` (the sum of ``deg**2`` for an undirected
    graph), as in the original implementation and PecanPy's ``PreComp`` mode. :class:`Walker`
    never builds these tables; the figure shows what rejection sampling saves.
    """
    from .kernels.walks import node2vec_table_entries

    graph = _as_graph(graph)
    return 8 * int(node2vec_table_entries(graph.indptr, graph.indices))


class Walker:
    """First-order (DeepWalk) or node2vec random walks on one graph, with their tables built once.

    Parameters
    ----------
    graph : Graph or networkx graph
    p : float, default 1
        node2vec return parameter: returning to the previous node is weighted ``1/p``.
    q : float, default 1
        node2vec in-out parameter: moving to a node not adjacent to the previous one is weighted
        ``1/q``. ``p = q = 1`` is DeepWalk's first-order walk.

    Attributes
    ----------
    graph : Graph
    second_order : bool
        False when ``p == q == 1`` (then the cheaper first-order walk is exact).
    table_bytes : int
        Memory of the tables built here: the alias tables of a weighted graph (8 bytes per stored
        edge) and its row sums (8 bytes per node); nothing for an unweighted one.

    Notes
    -----
    The walks (see :meth:`walks`) follow :mod:`embedlearn.kernels.walks`: each walk's random
    stream is seeded from ``(seed, walk id)``, so walks are identical for any ``workers`` and any
    split into calls. A second-order step costs O(log deg) per trial and about
    ``max(1, 1/q) / E[alpha]`` trials (fewer with the return folding); no Σ deg² table is built
    (:func:`node2vec_table_bytes` tells what it would take).
    """

    def __init__(self, graph, p=1.0, q=1.0):
        from .kernels.walks import build_alias, row_sums

        training.check_positive("p", p)
        training.check_positive("q", q)
        self.graph = _as_graph(graph)
        self.p, self.q = float(p), float(q)
        self.second_order = not (self.p == 1.0 and self.q == 1.0)
        g = self.graph
        if g.weighted:
            self._prob, self._alias = build_alias(g.indptr, g.weights)
            self._totals = row_sums(g.indptr, g.weights)
            self._weights = g.weights
        else:
            self._prob = np.ones(1, np.float32)
            self._alias = np.zeros(1, np.int32)
            self._totals = np.ones(1, np.float64)
            self._weights = np.ones(1, np.float32)
        self.table_bytes = (self._prob.nbytes + self._alias.nbytes + self._totals.nbytes
                            if g.weighted else 0)

    def check(self, warn=True):
        """Raise if no walk can move; warn (:class:`GraphWarning`) about nodes where walks end.

        Returns
        -------
        numpy.ndarray of int64
            Ids of the nodes without out-edges.
        """
        g = self.graph
        if len(g.indices) == 0:
            raise ValueError(f"the graph has no edge: every walk would be its start node ({g!r})")
        ends = g.dead_ends()
        if warn and len(ends):
            labels = [g.nodes[i] for i in ends[:3]]
            if g.directed:
                warnings.warn(
                    f"{len(ends)} of {g.n_nodes} nodes have no out-edge (e.g. {_sample(labels)}): "
                    "walks stop early when they reach one (they are shorter than walk_length), "
                    "and walks starting there have length 1", GraphWarning, stacklevel=3)
            else:
                warnings.warn(
                    f"{len(ends)} of {g.n_nodes} nodes are isolated (e.g. {_sample(labels)}): "
                    "their walks have length 1 (the node alone), so their vectors get no "
                    "training signal and stay at their random initial values", GraphWarning,
                    stacklevel=3)
        return ends

    def walks(self, walk_length, first_walk, stop_walk, seed=1, workers=None,
              backend="threads"):
        """Walks with ids ``first_walk <= w < stop_walk`` (walk ``w`` starts at node ``w % n``).

        Parameters
        ----------
        walk_length : int
            Maximal number of nodes per walk, the start node included (a walk of length 80 makes
            79 steps; PecanPy's ``walk_length=80`` gives 81 nodes).
        first_walk, stop_walk : int
            The range of walk ids; a model can generate one range per job or per epoch.
        seed : int, default 1
        workers : int, optional
            Threads (default: all usable cores). The walks do not depend on it.
        backend : {"threads", "prange"}, default "threads"
            Python threads over blocks of walks, each a call of the ``nogil`` kernel
            :func:`~embedlearn.kernels.walks.walk_range` (the package's usual scheme), or numba's
            ``prange`` over the same blocks (:func:`~embedlearn.kernels.walks.walk_range_parallel`).
            Both give the same walks; ``benchmarks/walks.py`` times them.

        Returns
        -------
        Corpus
            Walk ``k`` of the result (id ``first_walk + k``) is
            ``tokens[offsets[k]:offsets[k + 1]]``, node ids of :attr:`graph`.
        """
        from .kernels.walks import compact_walks, walk_range, walk_range_parallel

        training.check_positive("walk_length", walk_length, integer=True)
        training.check_nonnegative("first_walk", first_walk, integer=True)
        training.check_nonnegative("seed", seed, integer=True)
        if workers is not None:
            training.check_positive("workers", workers, integer=True)
        if not isinstance(stop_walk, (int, np.integer)) or stop_walk < first_walk:
            raise ValueError(f"stop_walk must be an integer >= first_walk, got {stop_walk!r}")
        if backend not in ("threads", "prange"):
            raise ValueError(f"backend must be 'threads' or 'prange', got {backend!r}")
        seed = int(seed) % 2**63
        workers = training.default_workers() if workers is None else int(workers)
        g = self.graph
        first_walk, stop_walk = int(first_walk), int(stop_walk)
        n_walks = stop_walk - first_walk
        walk_length = int(walk_length)
        out = np.empty((n_walks, walk_length), np.int32)
        lengths = np.empty(n_walks, np.int64)
        tables = (g.indptr, g.indices, self._weights, self._prob, self._alias, self._totals,
                  g.weighted, g.directed, self.second_order, 1.0 / self.p, 1.0 / self.q,
                  walk_length, seed)
        # About 16 blocks per thread balance the load (walks differ in cost) at little overhead.
        block = max(256, -(-n_walks // (16 * workers)))
        if workers == 1 or n_walks <= block:
            walk_range(*tables, first_walk, stop_walk, out, lengths)
        elif backend == "prange":
            import numba

            previous = numba.get_num_threads()
            numba.set_num_threads(min(workers, numba.config.NUMBA_NUM_THREADS))
            try:
                walk_range_parallel(*tables, first_walk, stop_walk, out, lengths, block)
            finally:
                numba.set_num_threads(previous)
        else:
            def run(a):
                z = min(stop_walk, a + block)
                row = a - first_walk
                walk_range(*tables, a, z, out[row:], lengths[row:])

            training.run_jobs(run, range(first_walk, stop_walk, block), workers)
        if n_walks and lengths.min() == walk_length:  # every walk complete: no copy needed
            return Corpus(out.reshape(-1), np.arange(n_walks + 1, dtype=np.int64) * walk_length)
        tokens, offsets = compact_walks(out, lengths)
        return Corpus(tokens, offsets)


def random_walks(graph, num_walks, walk_length, p=1.0, q=1.0, seed=1, workers=None):
    """``num_walks`` random walks from every node: DeepWalk (``p = q = 1``) or node2vec.

    Parameters
    ----------
    graph : Graph or networkx graph
        A networkx graph is converted with :meth:`Graph.from_networkx` (attribute ``"weight"``).
    num_walks : int
        Walks per start node (node2vec's ``r``, default 10 there).
    walk_length : int
        Nodes per walk, the start node included (node2vec's ``l``, 80 there). A walk is shorter
        only if it reaches a node without out-edges.
    p, q : float, default 1
        node2vec's return and in-out parameters (see :class:`Walker`).
    seed : int, default 1
        Each walk's random stream is seeded from ``(seed, walk id)``.
    workers : int, optional
        Threads (default: all usable cores). The walks are identical for any value.

    Returns
    -------
    Corpus
        ``tokens`` (int32 node ids of the :class:`Graph`) and ``offsets`` (int64), the layout of
        an encoded text corpus. Walk ``w = r * n_nodes + v`` (round ``r``, start node ``v``) is
        ``tokens[offsets[w]:offsets[w + 1]]``: round by round, nodes in id order within a round.
        Map ids to labels with ``graph.nodes`` (or ``graph.keys`` for vector keys).

    Raises
    ------
    ValueError
        If ``num_walks``, ``walk_length``, ``p`` or ``q`` is not positive, or the graph has no
        edge. Nodes without out-edges give a :class:`GraphWarning`.

    Examples
    --------
    >>> import networkx as nx
    >>> walks = random_walks(nx.karate_club_graph(), num_walks=2, walk_length=5, seed=3)
    >>> walks.n_sentences, len(walks.sentence(0))
    (68, 5)
    """
    training.check_positive("num_walks", num_walks, integer=True)
    training.check_positive("walk_length", walk_length, integer=True)
    walker = Walker(graph, p, q)
    walker.check()
    n = walker.graph.n_nodes
    return walker.walks(walk_length, 0, int(num_walks) * n, seed=seed, workers=workers)


# ============================================================================= node embeddings
class _BadLabels(ValueError):
    """The node labels of a model file disagree with its keys (becomes a ModelFileError)."""


class NodeVectors(KeyedVectors):
    """Node vectors: :class:`~embedlearn.keyedvectors.KeyedVectors` that also take node labels.

    The keys are ``str(label)`` (as gensim, node2vec and PecanPy store them, and as the word2vec
    file formats need), one row per node. Every lookup also accepts the
    label itself: ``wv[31336]`` is the vector of the node labelled ``31336`` (an int), also when
    the graph has fewer nodes than that. Only an int that is not a node label falls back to
    gensim's meaning, a row index. Query results (``most_similar``) name nodes by their string
    key; :attr:`nodes` maps rows back to labels.

    Parameters
    ----------
    nodes : sequence of hashable
        The label of each row; their strings must be distinct.
    vectors : array_like, shape (n, N)
    counts : array_like of int, optional
        Occurrences of each node in the walks.

    Attributes
    ----------
    nodes : list
        The label of each row.
    """

    def __init__(self, nodes, vectors, counts=None):
        nodes = list(nodes)
        super().__init__([str(v) for v in nodes], vectors, counts)
        self.nodes = nodes
        self._node_index = {}
        for i, v in enumerate(nodes):
            self._node_index.setdefault(v, i)

    def get_index(self, key, default=None) -> int:
        """Row of ``key``: a node label first, then a string key, then an int row index."""
        if not isinstance(key, str):
            try:
                i = self._node_index.get(key)
            except TypeError:  # unhashable: a list of keys, handled by the caller
                i = None
            if i is not None:
                return i
        return super().get_index(key, default)

    def _is_node(self, key) -> bool:
        try:
            return not isinstance(key, str) and key in self._node_index
        except TypeError:
            return False

    def __getitem__(self, key_or_keys):
        # A tuple label (grid graphs) is one node, not a list of keys.
        if self._is_node(key_or_keys):
            return self.get_vector(key_or_keys)
        return super().__getitem__(key_or_keys)

    def add_vectors(self, keys, weights, extras=None, replace=False) -> None:
        """:meth:`KeyedVectors.add_vectors`; a new key becomes a node labelled by that string."""
        if self._is_node(keys):
            keys = [keys]
            weights = np.asarray(weights, dtype=np.float32).reshape(1, -1)
        n_old = len(self)
        super().add_vectors(keys, weights, extras, replace)
        for i, key in enumerate(self.index_to_key[n_old:], n_old):
            self.nodes.append(key)
            self._node_index.setdefault(key, i)

    def __repr__(self) -> str:
        return f"NodeVectors(n_nodes={len(self)}, vector_size={self.vector_size})"


class DeepWalk(Word2Vec):
    """DeepWalk: skip-gram on uniform random walks (Perozzi et al. 2014).

    The walks (:class:`Walker`) are a :class:`~embedlearn.corpus.Corpus` of node ids, and the
    vocabulary is the graph's nodes in id order, so the walks are trained as they come out of the
    walk kernel: no string is made or encoded, and no Python touches a single node. The training
    is :class:`~embedlearn.word2vec.Word2Vec`'s skip-gram (``sg=1``), the shared engine of
    :class:`~embedlearn.training.SGDModel` (jobs, learning-rate schedule, threads, checks,
    save/load).

    The loss is the DeepWalk paper's, hierarchical softmax (``hs=1, negative=0``, also
    karateclub's); the walks and the window are the node2vec reference code's (``main.py``: 10
    walks of 80 nodes per node, window 10, 128 dimensions, one epoch; the paper took 80 walks of
    40 nodes), with gensim's subsampling (1e-3). On Cora (50% labelled) hierarchical softmax
    scores about 0.82 Micro-F1 where negative sampling with 5 negatives scores about 0.81
    (``benchmarks/graphs.py``). :class:`Node2Vec` defaults to negative sampling, as its
    reference code.

    Parameters
    ----------
    graph : Graph or networkx graph, optional
        If given, :meth:`fit` it right away.
    walk_length : int, default 80
        Nodes per walk, the start node included (a walk is shorter only at a node without
        out-edges).
    num_walks : int, default 10
        Walks started from every node.
    window : int, default 10
    vector_size : int, default 128
    negative : int, default 0
    hs : {0, 1}, default 1
        Hierarchical softmax, as the DeepWalk paper.
    alpha, min_alpha, sample, ns_exponent, epochs
        As :class:`~embedlearn.word2vec.Word2Vec` (gensim's meaning and defaults; ``epochs``
        defaults to 1 here). Every node is kept (there is no ``min_count``).
    compute_loss, callbacks, progress, batch_words, shrink_windows
        As :class:`~embedlearn.word2vec.Word2Vec`.
    workers : int, default 3
        Threads, for the walks and for training. The walks do not depend on it.
    seed : int, default 1
        Seeds the walks (each walk's random stream comes from ``(seed, walk id)``) and the
        training. ``workers=1`` with a fixed ``seed`` gives bitwise-identical vectors.

    Attributes
    ----------
    wv : NodeVectors
        The node vectors, looked up by node label or string key.
    graph : Graph or None
        The graph of the last :meth:`fit` (None after :meth:`load`).
    node_ids : numpy.ndarray of int64
        The node id of each row of :attr:`wv` (rows are ordered by decreasing count in the
        walks, as a Word2Vec vocabulary; :meth:`get_embedding` is in node id order).

    Examples
    --------
    >>> import networkx as nx
    >>> model = DeepWalk(nx.karate_club_graph(), num_walks=5, walk_length=20, vector_size=16,
    ...                  workers=1, progress=False)
    >>> model.get_embedding().shape
    (34, 16)
    """

    _FORMAT = "embedlearn.DeepWalk/1"
    _PARAMS = ("vector_size", "alpha", "min_alpha", "window", "sample", "seed", "workers", "hs",
               "negative", "ns_exponent", "epochs", "compute_loss", "progress", "batch_words",
               "shrink_windows", "walk_length", "num_walks")
    _NAME = "DeepWalk"

    #: DeepWalk's walk is node2vec's with ``p = q = 1`` (first order); :class:`Node2Vec` sets both.
    p = q = 1.0

    def __init__(self, graph=None, walk_length=80, num_walks=10, window=10, vector_size=128,
                 alpha=0.025, min_alpha=0.0001, sample=1e-3, negative=0, hs=1, ns_exponent=0.75,
                 epochs=1, workers=3, seed=1, compute_loss=False, callbacks=(), progress=True,
                 batch_words=10000, shrink_windows=True):
        training.check_positive("walk_length", walk_length, integer=True)
        training.check_positive("num_walks", num_walks, integer=True)
        self.walk_length, self.num_walks = int(walk_length), int(num_walks)
        self.graph = None
        self.node_ids = None
        super().__init__(vector_size=vector_size, alpha=alpha, window=window, min_count=0,
                         sample=sample, seed=seed, workers=workers, min_alpha=min_alpha, sg=1,
                         hs=hs, negative=negative, ns_exponent=ns_exponent, epochs=epochs,
                         compute_loss=compute_loss, callbacks=callbacks, progress=progress,
                         sorted_vocab=0, batch_words=batch_words, shrink_windows=shrink_windows)
        if graph is not None:
            self.fit(graph)

    # --- karateclub-like API ------------------------------------------------------------------
    def fit(self, graph):
        """Walk the graph, then train skip-gram on the walks (a new model each call).

        Parameters
        ----------
        graph : Graph or networkx graph
            A networkx graph is converted by :meth:`Graph.from_networkx` (edge attribute
            ``"weight"``).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If the graph has no edge. Isolated nodes and, in a directed graph, nodes without
            out-edges give a :class:`GraphWarning`: their vectors get little or no training.
        """
        walker = Walker(graph, self.p, self.q)
        walker.check()
        g = walker.graph
        walks = walker.walks(self.walk_length, 0, self.num_walks * g.n_nodes, seed=self.seed,
                             workers=self.workers)
        self._use_walks(g, walks)
        self.train()
        return self

    def get_embedding(self) -> np.ndarray:
        """The node vectors as a new (n_nodes, vector_size) float32 array, row ``i`` = node ``i``
        (node id order: ``graph.nodes[i]``; :attr:`wv` keeps its rows by decreasing count)."""
        if self.wv is None:
            raise VocabularyError(f"{self._NAME} is not fitted: call fit(graph) first")
        rows = np.empty_like(self.node_ids)
        rows[self.node_ids] = np.arange(len(rows))
        return self.wv.vectors[rows]

    def _use_walks(self, graph, walks):
        """The walks become the training corpus: a vectorised renumbering, no string made.

        Rows are ordered by decreasing count, as Word2Vec's (frequent rows close together in
        memory: about 5% faster training on BlogCatalog than node id order).
        """
        from .vocab import Vocabulary

        counts = np.bincount(walks.tokens, minlength=graph.n_nodes)
        order = np.argsort(-counts, kind="stable")
        row_of_node = np.empty(len(order), np.int32)
        row_of_node[order] = np.arange(len(order), dtype=np.int32)
        self.graph = graph
        self.node_ids = order
        self.vocab = Vocabulary([graph.keys[i] for i in order], counts[order])
        self.corpus_count, self.corpus_total_words = walks.n_sentences, len(walks)
        self._init_weights()
        self._corpus, self._corpus_file = walks.remap(row_of_node, inplace=True), None
        self._prepare_tables()

    def build_vocab(self, *args, **kwargs):
        """Not for node models: :meth:`fit` builds the vocabulary (the nodes) from the graph."""
        raise TypeError(f"{self._NAME} takes its vocabulary from the graph: call fit(graph)")

    # --- weights: Word2Vec's, with node vectors ------------------------------------------------
    def _init_weights(self):
        super()._init_weights()
        self._adopt_wv([self.graph.nodes[i] for i in self.node_ids])

    def _adopt_wv(self, nodes):
        self.wv = NodeVectors(nodes, self.syn0, counts=self.vocab.counts)
        self.syn0 = self.wv.vectors

    def _grow_weights(self, old):  # pragma: no cover - build_vocab is refused above
        raise TypeError(f"{self._NAME} cannot add nodes to a trained model: fit the new graph")

    def _extra_arrays(self):
        # The node id of each row, and which labels are ints (restored as ints by load).
        int_labels = [isinstance(v, numbers.Integral) and not isinstance(v, bool)
                      for v in self.wv.nodes]
        return {"node_ids": self.node_ids, "int_labels": np.array(int_labels, np.uint8)}

    def _array_specs(self, V):
        return {**super()._array_specs(V), "node_ids": ArraySpec(np.int64, (V,), 0, V),
                "int_labels": ArraySpec(np.uint8, (V,), 0, 2)}

    def _restore(self, arrays):
        super()._restore(arrays)
        keys, flags = self.vocab.index_to_key, arrays["int_labels"]
        if any(flag and not (_is_int(k) and str(int(k)) == k) for k, flag in zip(keys, flags)):
            raise _BadLabels("a node label marked int is not an integer")
        nodes = [int(k) if flag else k for k, flag in zip(keys, flags)]
        if not np.all(np.bincount(arrays["node_ids"], minlength=len(keys)) == 1):
            raise _BadLabels("node_ids is not a permutation of the rows")
        self.node_ids = arrays["node_ids"]
        self._adopt_wv(nodes)

    @classmethod
    def load(cls, path):
        """Load a model written by :meth:`save` (see :meth:`SGDModel.load`; int node labels are
        restored as ints, other labels as their strings)."""
        try:
            return super().load(path)
        except _BadLabels as err:
            raise ModelFileError(f"{os.fspath(path)}: inconsistent model file: {err}") from None

    def __repr__(self):
        size = len(self.vocab) if self.vocab is not None else 0
        loss = "+".join(n for n, on in (("HS", self.hs), ("NS", self.negative)) if on)
        return (f"{self._NAME}({self._walk_repr()}{loss}, nodes={size}, "
                f"vector_size={self.vector_size})")

    def _walk_repr(self):
        return f"{self.num_walks} walks x {self.walk_length}, "


class Node2Vec(DeepWalk):
    """node2vec: skip-gram on second-order biased random walks (Grover & Leskovec 2016).

    :class:`DeepWalk` with node2vec's walks: from ``cur``, reached from ``prev``, the walk moves
    to a neighbour ``x`` with probability proportional to ``w(cur, x) * alpha(prev, x)``, where
    ``alpha`` is ``1/p`` for ``x = prev``, 1 for ``x`` adjacent to ``prev`` and ``1/q``
    otherwise. The walks are drawn by rejection (:class:`Walker`): no table of Σ deg² entries is
    built.

    Parameters
    ----------
    graph : Graph or networkx graph, optional
    p : float, default 1
        Return parameter (small ``p``: walks that stay near their start).
    q : float, default 1
        In-out parameter (small ``q``: walks that move outward, DFS-like; large ``q``: BFS-like).
        ``p = q = 1`` is DeepWalk.
    negative : int, default 5
    hs : {0, 1}, default 0
        Negative sampling with 5 negatives, the node2vec reference code's (gensim's defaults);
        ``hs=1, negative=0`` with ``p = q = 1`` trains exactly :class:`DeepWalk`.
    walk_length, num_walks, window, vector_size, **kwargs :
        As :class:`DeepWalk` (the defaults are the node2vec reference code's).
    """

    _FORMAT = "embedlearn.Node2Vec/1"
    _PARAMS = DeepWalk._PARAMS + ("p", "q")
    _NAME = "Node2Vec"

    def __init__(self, graph=None, p=1.0, q=1.0, walk_length=80, num_walks=10, window=10,
                 vector_size=128, negative=5, hs=0, **kwargs):
        training.check_positive("p", p)
        training.check_positive("q", q)
        self.p, self.q = float(p), float(q)
        super().__init__(graph, walk_length=walk_length, num_walks=num_walks, window=window,
                         vector_size=vector_size, negative=negative, hs=hs, **kwargs)

    def _walk_repr(self):
        return f"p={self.p:g}, q={self.q:g}, {super()._walk_repr()}"


# ============================================================================= Weisfeiler–Lehman
@dataclass
class WLDocuments:
    """Weisfeiler–Lehman labels of a batch of graphs, one "document" of labels per graph.

    Attributes
    ----------
    corpus : Corpus
        Document ``g`` is ``corpus.sentence(g)``: the labels of graph ``g``'s nodes at iteration
        0 (node order), then at iteration 1, ..., up to ``iterations``, as word ids. Its length is
        ``(iterations + 1) * n_nodes(g)``.
    word_offsets : numpy.ndarray of int64, shape (iterations + 2,)
        Word ids ``word_offsets[k] <= id < word_offsets[k + 1]`` are the labels of iteration
        ``k`` (a label of iteration 1 and one of iteration 2 are different words).
    node_labels : numpy.ndarray of int32, shape (iterations + 1, total nodes)
        The label of every node of the batch at every iteration, numbered within the iteration.
    node_offsets : numpy.ndarray of int64, shape (n_graphs + 1,)
        Graph ``g``'s nodes are columns ``node_offsets[g]:node_offsets[g + 1]`` of ``node_labels``.
    initial_values : list
        The attribute value (or degree) of each iteration-0 label.
    """

    corpus: Corpus
    word_offsets: np.ndarray
    node_labels: np.ndarray
    node_offsets: np.ndarray
    initial_values: list

    @property
    def iterations(self) -> int:
        """Number of relabelling iterations ``h``."""
        return len(self.word_offsets) - 2

    @property
    def n_words(self) -> int:
        """Number of distinct labels over all iterations."""
        return int(self.word_offsets[-1])

    def words(self) -> list:
        """String key of every word id: ``"{iteration}_{label}"``."""
        return [f"{k}_{j}" for k in range(self.iterations + 1)
                for j in range(int(self.word_offsets[k + 1] - self.word_offsets[k]))]

    def bags(self):
        """Label counts per graph, a ``scipy.sparse.csr_matrix`` of shape (n_graphs, n_words).

        Row ``g`` is the WL feature vector of graph ``g`` (the WL subtree kernel is the dot
        product of two rows).
        """
        from scipy.sparse import csr_matrix

        c = self.corpus
        data = np.ones(len(c.tokens), np.float64)
        # copy=True: scipy would otherwise adopt the corpus arrays and sum_duplicates() would
        # sort the documents in place.
        bag = csr_matrix((data, c.tokens, c.offsets), shape=(c.n_sentences, self.n_words),
                         copy=True)
        bag.sum_duplicates()
        return bag


def weisfeiler_lehman(graphs, iterations=2, node_label=None):
    """Weisfeiler–Lehman relabelling of many graphs at once, each graph as a document of labels.

    At iteration ``k`` every node gets ``compress(own label, sorted multiset of its neighbours'
    labels)`` of iteration ``k - 1``, the compression being one dictionary per iteration shared
    by all graphs (labels numbered in order of first appearance, graph by graph, node by node):
    the textbook relabelling (Shervashidze et al. 2011) of Graph2Vec's original corpus builder.

    Parameters
    ----------
    graphs : sequence of networkx graphs or Graph
    iterations : int, default 2
        ``h``; 0 gives the iteration-0 labels only.
    node_label : str, optional
        Node attribute whose values are the iteration-0 labels (e.g. ``"label"`` for the TU data
        sets of :func:`embedlearn.datasets.load_tu_dataset`). By default the degree. For a
        :class:`Graph`, any value selects its ``node_labels``.

    Returns
    -------
    WLDocuments

    Notes
    -----
    Neighbours are the CSR row: out-neighbours in a directed graph; weights are ignored. No
    self-loop is added (karateclub's Graph2Vec adds one to every node, so each node counts itself
    among its neighbours and degrees rise: not textbook WL); a self-loop in the input makes the
    node its own neighbour, as it should.
    """
    training.check_nonnegative("iterations", iterations, integer=True)
    return _wl_run(_wl_batch(graphs, node_label), int(iterations))


@dataclass
class _WLBatch:
    """Graphs as one block-diagonal CSR graph (WL never crosses from one graph to another)
    with their iteration-0 labels as ids into ``values`` (numbered in order of first
    appearance)."""

    indptr: np.ndarray
    indices: np.ndarray
    node_offsets: np.ndarray
    labels0: np.ndarray
    values: list

    def extended(self, other):
        """This batch followed by ``other`` (whose label ids continue this batch's)."""
        n, m = self.node_offsets[-1], self.indptr[-1]
        return _WLBatch(np.concatenate((self.indptr, other.indptr[1:] + m)),
                        np.concatenate((self.indices, other.indices + np.int32(n))),
                        np.concatenate((self.node_offsets, other.node_offsets[1:] + n)),
                        np.concatenate((self.labels0, other.labels0)), other.values)


def _wl_batch(graphs, node_label, values=()):
    """Check and pack the graphs; label ids continue those of ``values`` (already numbered)."""
    if isinstance(graphs, (Graph, str, bytes)) or not hasattr(graphs, "__iter__"):
        raise TypeError("graphs must be a sequence of graphs")
    batch = [_wl_graph(g, node_label, i) for i, g in enumerate(graphs)]
    if not batch:
        raise ValueError("no graph given")
    sizes = np.array([g.n_nodes for g in batch], np.int64)
    node_offsets = np.zeros(len(batch) + 1, np.int64)
    np.cumsum(sizes, out=node_offsets[1:])
    edge_counts = np.array([len(g.indices) for g in batch], np.int64)
    edge_offsets = np.zeros(len(batch) + 1, np.int64)
    np.cumsum(edge_counts, out=edge_offsets[1:])
    indptr = np.concatenate([[0]] + [g.indptr[1:] + e for g, e in zip(batch, edge_offsets)])
    indices = np.concatenate([g.indices.astype(np.int64) + o
                              for g, o in zip(batch, node_offsets)]).astype(np.int32)
    initial = {x: i for i, x in enumerate(values)}
    if node_label is None:
        raw = np.concatenate([g.degrees for g in batch]).tolist()
    else:
        raw = [x for g in batch for x in g.node_labels]
    try:
        labels0 = np.fromiter((initial.setdefault(x, len(initial)) for x in raw), np.int32,
                              len(raw))
    except TypeError as err:
        raise TypeError(f"node labels must be hashable: {err}") from None
    return _WLBatch(indptr.astype(np.int64), indices, node_offsets, labels0, list(initial))


def _wl_run(batch, iterations):
    from .kernels.wl import wl_documents, wl_relabel

    node_labels, counts = wl_relabel(batch.indptr, batch.indices, batch.labels0,
                                     len(batch.values), iterations)
    word_offsets = np.zeros(iterations + 2, np.int64)
    np.cumsum(counts, out=word_offsets[1:])
    tokens, offsets = wl_documents(node_labels, word_offsets, batch.node_offsets)
    return WLDocuments(Corpus(tokens, offsets), word_offsets, node_labels, batch.node_offsets,
                       batch.values)


def _wl_graph(graph, node_label, i):
    if isinstance(graph, Graph):
        if node_label is not None and graph.node_labels is None:
            raise ValueError(f"graph {i} has no node_labels (build it with "
                             "Graph.from_networkx(..., node_label=...))")
        return graph
    try:
        import networkx as nx
    except ImportError:  # pragma: no cover
        nx = None
    if nx is None or not isinstance(graph, nx.Graph):
        raise TypeError(f"graph {i} is a {type(graph).__name__}, expected a networkx graph or "
                        "an embedlearn.graphs.Graph")
    if graph.number_of_nodes() == 0:
        raise ValueError(f"graph {i} has no node")
    try:
        return Graph.from_networkx(graph, weight=None, node_label=node_label)
    except ValueError as err:
        raise ValueError(f"graph {i}: {err}") from None


# ============================================================================= Graph2Vec
def _training_order(seed, n):
    """The seeded order in which :meth:`Graph2Vec.fit` trains its ``n`` graphs."""
    return np.random.default_rng([seed, 1]).permutation(n)


def _reorder_documents(tokens, offsets, order):
    """The documents ``order[0], order[1], ...`` of a flat corpus, as a new (tokens, offsets)."""
    lengths = np.diff(offsets)[order]
    new_offsets = np.zeros(len(order) + 1, np.int64)
    np.cumsum(lengths, out=new_offsets[1:])
    # Position p of the new corpus reads old position offsets[doc] + (p - new_offsets[s]).
    shift = np.repeat(offsets[:-1][order] - new_offsets[:-1], lengths)
    return tokens[np.arange(new_offsets[-1]) + shift], new_offsets


class Graph2Vec:
    """Whole-graph vectors: PV-DBOW over Weisfeiler–Lehman subtree labels (Narayanan et al. 2017).

    Each graph is a document whose words are the WL labels of its nodes at iterations
    ``0..wl_iterations`` (:func:`weisfeiler_lehman`); a graph's vector predicts each of its
    labels by negative sampling (kernel :func:`embedlearn.kernels.dbow.train_dbow_job`), so
    graphs sharing rooted subtrees get close vectors. The interface is karateclub's
    (``fit(graphs)``, ``get_embedding()``, ``infer(graphs)``; also ``save``/``load``) and so are
    the defaults (``wl_iterations=2``, 128 dimensions, ``min_count=5``, ``sample=1e-4``, 10
    epochs, learning rate 0.025), which train gensim's ``Doc2Vec(dm=0)`` on the same documents.
    On a corpus as small as MUTAG's (about 10,000 labels) ``sample=1e-4`` discards over 90% of
    the tokens and the vectors classify poorly (about 67%); ``sample=0, epochs=100`` gives the
    published 83% (chapter 9, ``benchmarks/graphs.py``).

    Where this differs from karateclub: the WL relabelling is the textbook one (no self-loop
    added to every node, see :func:`weisfeiler_lehman`), labels are numbered, not hashed to
    strings, and the learning rate falls linearly within jobs as in
    :class:`~embedlearn.word2vec.Word2Vec` (gensim keeps it constant within a job).

    Parameters
    ----------
    wl_iterations : int, default 2
    node_label : str, optional
        Node attribute giving the iteration-0 labels (``"label"`` for the TU data sets); by
        default the degree.
    vector_size : int, default 128
    negative : int, default 5
    min_count : int, default 5
        Labels seen fewer times over all training graphs are dropped.
    sample : float, default 1e-4
        Subsampling threshold of frequent labels (0 disables it).
    epochs : int, default 10
    alpha, min_alpha : float, default 0.025, 0.0001
        Linear learning-rate schedule over all epochs.
    workers : int, optional
        Threads (default: usable cores); ``workers=1`` with a fixed ``seed`` is bitwise
        reproducible.
    seed : int, default 1

    Examples
    --------
    >>> import networkx as nx
    >>> graphs = [nx.cycle_graph(n) for n in range(3, 13)]
    >>> graphs += [nx.star_graph(n) for n in range(3, 13)]
    >>> model = Graph2Vec(vector_size=16, min_count=1, epochs=20, workers=1).fit(graphs)
    >>> model.get_embedding().shape
    (20, 16)
    """

    def __init__(self, wl_iterations=2, node_label=None, vector_size=128, negative=5,
                 min_count=5, sample=1e-4, epochs=10, alpha=0.025, min_alpha=0.0001,
                 workers=None, seed=1):
        training.check_nonnegative("wl_iterations", wl_iterations, integer=True)
        training.check_positive("vector_size", vector_size, integer=True)
        training.check_positive("negative", negative, integer=True)
        training.check_nonnegative("min_count", min_count, integer=True)
        training.check_nonnegative("sample", sample)
        training.check_positive("epochs", epochs, integer=True)
        from .validation import check_learning_rate

        self.alpha = check_learning_rate("alpha", alpha)
        self.min_alpha = check_learning_rate("min_alpha", min_alpha, allow_zero=True)
        if workers is not None:
            training.check_positive("workers", workers, integer=True)
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"seed must be an integer, got {seed!r}")
        self.wl_iterations, self.node_label = int(wl_iterations), node_label
        self.vector_size, self.negative = int(vector_size), int(negative)
        self.min_count, self.sample, self.epochs = int(min_count), float(sample), int(epochs)
        self.workers = training.default_workers() if workers is None else int(workers)
        self.seed = int(seed)
        self.vocab = None
        self.graph_vectors = None
        self.label_vectors = None   # the output (syn1neg) rows, one per kept WL label
        self._batch = None          # the training graphs, packed, for relabelling new graphs
        self._counts = None         # labels per WL iteration in the training batch

    def __repr__(self):
        fitted = (f"{len(self.graph_vectors)} graphs, {len(self.vocab)} WL labels"
                  if self.graph_vectors is not None else "not fitted")
        return (f"Graph2Vec(wl_iterations={self.wl_iterations}, vector_size={self.vector_size}, "
                f"{fitted})")

    # --- training -----------------------------------------------------------------------------
    def fit(self, graphs):
        """Relabel ``graphs`` by WL and learn one vector per graph (and per WL label).

        Parameters
        ----------
        graphs : sequence of networkx graphs or Graph

        Returns
        -------
        Graph2Vec
            ``self``.
        """
        from .vocab import Vocabulary

        batch = _wl_batch(graphs, self.node_label)
        docs = _wl_run(batch, self.wl_iterations)
        counts = np.bincount(docs.corpus.tokens, minlength=docs.n_words)
        vocab = Vocabulary.from_counts(docs.words(), counts, min_count=self.min_count)
        self.vocab, self._batch = vocab, batch
        self._counts = np.diff(docs.word_offsets)
        tokens, offsets = self._encode(docs, np.arange(docs.n_words))
        n_graphs = len(offsets) - 1
        rng = np.random.default_rng([self.seed, 0])
        # gensim's start for document and word rows: uniform in [-1, 1) / N; outputs at zero.
        self.graph_vectors = ((rng.random((n_graphs, self.vector_size), dtype=np.float32) * 2 - 1)
                              / self.vector_size).astype(np.float32)
        self.label_vectors = np.zeros((len(vocab), self.vector_size), np.float32)
        # Train the graphs in a seeded random order, not the order given: with a fixed order the
        # learning-rate schedule and the outputs' drift within an epoch imprint each graph's
        # position on its vector, and data sets listed by class (PROTEINS, NCI1) then leak
        # their labels into the embedding (PROTEINS: 85.5% CV accuracy in file order, 61.8%
        # shuffled). Row ``order[s]`` is trained at position ``s``.
        order = _training_order(self.seed, n_graphs)
        tokens, offsets = _reorder_documents(tokens, offsets, order)
        self._train(tokens, offsets, self.graph_vectors, True, self.epochs, self.alpha,
                    self.min_alpha, self.seed, doc_rows=order)
        return self

    def _encode(self, docs, to_training_word):
        """The documents as vocabulary ids (labels below ``min_count`` or unseen dropped).

        ``to_training_word`` maps each word id of ``docs`` to the training run's word id, or -1.
        """
        index = np.full(int(self._counts.sum()), -1, np.int64)
        for i, key in enumerate(self.vocab.index_to_key):
            k, label = key.split("_")
            index[int(np.sum(self._counts[:int(k)])) + int(label)] = i
        word = to_training_word[docs.corpus.tokens]
        ids = np.where(word >= 0, index[np.maximum(word, 0)], -1)
        keep = ids >= 0
        kept_before = np.concatenate(([0], np.cumsum(keep)))   # kept tokens before each position
        return ids[keep].astype(np.int32), kept_before[docs.corpus.offsets].astype(np.int64)

    def _train(self, tokens, offsets, rows_matrix, learn_outputs, epochs, alpha0, alpha1, seed,
               doc_rows=None):
        from .kernels.dbow import train_dbow_job

        if len(tokens) == 0:
            raise ValueError("no WL label of these graphs is in the vocabulary (min_count="
                             f"{self.min_count}); nothing to train on")
        keep = self.vocab.keep_probabilities(self.sample)
        cdf = self.vocab.noise_cdf()
        if doc_rows is None:  # document s trains row s
            doc_rows = np.arange(len(offsets) - 1, dtype=np.int64)
        doc_rows = np.ascontiguousarray(doc_rows, dtype=np.int64)
        starts = training.split_jobs(offsets)
        jobs = list(enumerate(zip(starts[:-1], starts[1:])))
        n_tokens, total = len(tokens), len(tokens) * epochs

        def alpha_at(epoch, token):
            return alpha0 + (alpha1 - alpha0) * (epoch * n_tokens + token) / total

        def run(epoch_job):
            epoch, (index, (s0, s1)) = epoch_job
            return train_dbow_job(tokens, offsets, s0, s1, doc_rows, rows_matrix,
                                  self.label_vectors, keep, cdf, self.negative,
                                  alpha_at(epoch, offsets[s0]), alpha_at(epoch, offsets[s1]),
                                  training.job_seed(seed, epoch, index), learn_outputs, False)

        # Every epoch's jobs in one queue, in order: a thread that finishes early takes the next
        # epoch's first job instead of waiting for the epoch's last (MUTAG's epoch is one job of
        # 10k tokens and one of 3.5k, so a barrier per epoch left a thread idle most of the
        # time). With one worker the jobs run in this order, as before.
        training.run_jobs(run, [(epoch, job) for epoch in range(epochs) for job in jobs],
                          self.workers)
        if not (np.isfinite(rows_matrix).all() and np.isfinite(self.label_vectors).all()):
            raise FloatingPointError("Graph2Vec diverged (a weight is not finite): lower alpha")

    # --- results ------------------------------------------------------------------------------
    def _check_fitted(self):
        if self.graph_vectors is None:
            raise VocabularyError("Graph2Vec is not fitted: call fit(graphs) first")

    def get_embedding(self) -> np.ndarray:
        """The training graphs' vectors, shape (n_graphs, vector_size), in the order given."""
        self._check_fitted()
        return self.graph_vectors.copy()

    def infer(self, graphs, epochs=None, alpha=None, min_alpha=None, seed=None) -> np.ndarray:
        """Vectors for new graphs, the label vectors fixed (gensim's ``infer_vector``).

        The new graphs are relabelled with the training graphs' WL dictionaries (a subtree seen
        in training gets its label; an unseen one is dropped, as an unknown word), and each
        graph's fresh row is trained alone against the frozen output vectors.

        Parameters
        ----------
        graphs : sequence of networkx graphs or Graph
        epochs, alpha, min_alpha : optional
            Default to the model's.
        seed : int, optional
            Default: the model's seed (so inferring the same graph twice gives the same vector).

        Returns
        -------
        numpy.ndarray of float32, shape (len(graphs), vector_size)
        """
        from .validation import check_learning_rate

        self._check_fitted()
        epochs = self.epochs if epochs is None else epochs
        training.check_positive("epochs", epochs, integer=True)
        alpha0 = self.alpha if alpha is None else check_learning_rate("alpha", alpha)
        alpha1 = (self.min_alpha if min_alpha is None
                  else check_learning_rate("min_alpha", min_alpha, allow_zero=True))
        seed = self.seed if seed is None else seed
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"seed must be an integer, got {seed!r}")
        new = _wl_batch(graphs, self.node_label, self._batch.values)
        n_old = len(self._batch.node_offsets) - 1
        both = _wl_run(self._batch.extended(new), self.wl_iterations)
        # Word (k, label) of the joint run is the training run's word (k, label) when
        # label < the training run's count at iteration k (labels are numbered in order of
        # first appearance, training graphs first); larger labels are new subtrees.
        k = np.repeat(np.arange(self.wl_iterations + 1), np.diff(both.word_offsets))
        label = np.arange(both.n_words) - both.word_offsets[k]
        train_offsets = np.concatenate(([0], np.cumsum(self._counts)))
        to_training = np.where(label < self._counts[k], train_offsets[k] + label, -1)
        tokens, offsets = self._encode(both, to_training)
        tokens, offsets = tokens[offsets[n_old]:], offsets[n_old:] - offsets[n_old]
        n_new = len(offsets) - 1
        rng = np.random.default_rng([int(seed), 1])
        rows = ((rng.random((n_new, self.vector_size), dtype=np.float32) * 2 - 1)
                / self.vector_size).astype(np.float32)
        self._train(tokens, offsets, rows, False, int(epochs), alpha0, alpha1, int(seed))
        return rows

    # --- files --------------------------------------------------------------------------------
    _FORMAT = "embedlearn.Graph2Vec/1"

    def _params(self):
        return {"wl_iterations": self.wl_iterations, "node_label": self.node_label,
                "vector_size": self.vector_size, "negative": self.negative,
                "min_count": self.min_count, "sample": self.sample, "epochs": self.epochs,
                "alpha": self.alpha, "min_alpha": self.min_alpha, "workers": self.workers,
                "seed": self.seed}

    def save(self, path):
        """Save the fitted model to ``path`` (``.npz``, written atomically).

        Besides the vectors, the file keeps the training graphs' WL input (their packed
        adjacency and iteration-0 labels), so a loaded model relabels new graphs for
        :meth:`infer` exactly as the saved one does.

        Raises
        ------
        TypeError
            If an iteration-0 label value (a node attribute) is not a str, int, float or bool,
            which a JSON file cannot give back as the same value.
        """
        from ._io import atomic_savez

        self._check_fitted()
        values = [v.item() if isinstance(v, np.generic) else v for v in self._batch.values]
        for v in values:
            if not isinstance(v, (str, int, float, bool)):
                raise TypeError(f"cannot save the iteration-0 label {v!r} "
                                f"({type(v).__name__}): only str, int, float and bool labels")
        meta = {"format": self._FORMAT, "params": self._params(), "values": values,
                "keys": list(self.vocab.index_to_key)}
        b = self._batch
        atomic_savez(path, meta=json.dumps(meta), counts=self.vocab.counts,
                     graph_vectors=self.graph_vectors, label_vectors=self.label_vectors,
                     indptr=b.indptr, indices=b.indices, node_offsets=b.node_offsets,
                     labels0=b.labels0, wl_counts=np.asarray(self._counts, np.int64))

    @classmethod
    def load(cls, path):
        """Load a model written by :meth:`save`, every array checked before use.

        Raises
        ------
        embedlearn.errors.ModelFileError
            If the file is corrupt, truncated, of another format, or its arrays disagree.
        """
        from .validation import check_arrays
        from .vocab import Vocabulary

        names = ("meta", "counts", "graph_vectors", "label_vectors", "indptr", "indices",
                 "node_offsets", "labels0", "wl_counts")
        data = training._load_npz(path, names, cls._FORMAT)
        meta = data["meta"]
        try:
            model = cls(**meta["params"])
            values, keys = list(meta["values"]), [str(k) for k in meta["keys"]]
        except (TypeError, ValueError, KeyError) as err:
            raise ModelFileError(f"{path}: bad model settings ({err})") from err
        n_nodes = len(data["labels0"])
        V, N = len(data["counts"]), model.vector_size
        check_arrays(path, data, {
            "counts": ArraySpec(np.int64, (len(keys),), low=1),
            "graph_vectors": ArraySpec(np.float32, (len(data["node_offsets"]) - 1, N)),
            "label_vectors": ArraySpec(np.float32, (V, N)),
            "indptr": ArraySpec(np.int64, (n_nodes + 1,), low=0, high=len(data["indices"]) + 1),
            "indices": ArraySpec(np.int32, (None,), low=0, high=max(n_nodes, 1)),
            "node_offsets": ArraySpec(np.int64, (None,), low=0, high=n_nodes + 1),
            "labels0": ArraySpec(np.int32, (n_nodes,), low=0, high=max(len(values), 1)),
            "wl_counts": ArraySpec(np.int64, (model.wl_iterations + 1,), low=0)})
        indptr, node_offsets, wl_counts = data["indptr"], data["node_offsets"], data["wl_counts"]
        if (len(node_offsets) < 2 or node_offsets[0] != 0 or node_offsets[-1] != n_nodes
                or np.any(np.diff(node_offsets) <= 0) or indptr[0] != 0
                or indptr[-1] != len(data["indices"]) or np.any(np.diff(indptr) < 0)):
            raise ModelFileError(f"{path}: inconsistent model file: the packed graphs' offsets")
        for key in keys:
            k, _, label = key.partition("_")
            if not (k.isdigit() and label.isdigit() and int(k) <= model.wl_iterations
                    and int(label) < wl_counts[int(k)]):
                raise ModelFileError(f"{path}: inconsistent model file: WL label {key!r} is "
                                     "not one of the saved iterations' labels")
        try:
            model.vocab = Vocabulary(keys, data["counts"])
        except ValueError as err:
            raise ModelFileError(f"{path}: inconsistent model file: {err}") from err
        model._batch = _WLBatch(indptr, data["indices"], node_offsets, data["labels0"], values)
        model._counts = wl_counts
        model.graph_vectors, model.label_vectors = data["graph_vectors"], data["label_vectors"]
        return model
