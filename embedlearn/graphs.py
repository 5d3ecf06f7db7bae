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

import math
import numbers
import os
import warnings
from dataclasses import dataclass

import numpy as np

from . import training
from .corpus import Corpus

__all__ = ["Graph", "GraphWarning", "Walker", "random_walks", "node2vec_table_bytes",
           "WLDocuments", "weisfeiler_lehman"]

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
    from .kernels.wl import wl_documents, wl_relabel

    training.check_nonnegative("iterations", iterations, integer=True)
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
    # The batch as one block-diagonal CSR graph: WL never crosses from one graph to another.
    indptr = np.concatenate([[0]] + [g.indptr[1:] + e for g, e in zip(batch, edge_offsets)])
    indices = np.concatenate([g.indices.astype(np.int64) + o
                              for g, o in zip(batch, node_offsets)]).astype(np.int32)
    initial = {}
    if node_label is None:
        raw = np.concatenate([g.degrees for g in batch]).tolist()
    else:
        raw = [x for g in batch for x in g.node_labels]
    try:
        labels0 = np.fromiter((initial.setdefault(x, len(initial)) for x in raw), np.int32,
                              len(raw))
    except TypeError as err:
        raise TypeError(f"node labels must be hashable: {err}") from None
    node_labels, counts = wl_relabel(indptr.astype(np.int64), indices, labels0, len(initial),
                                     int(iterations))
    word_offsets = np.zeros(int(iterations) + 2, np.int64)
    np.cumsum(counts, out=word_offsets[1:])
    tokens, offsets = wl_documents(node_labels, word_offsets, node_offsets)
    return WLDocuments(Corpus(tokens, offsets), word_offsets, node_labels, node_offsets,
                       list(initial))


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
