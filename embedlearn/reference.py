r"""Plain NumPy losses, gradients and one SGD step, written as the chapters write them.

Notation (Rong 2014, adapted): the input vectors :math:`\mathbf v_w` are the rows of
``W_in`` (:math:`V\times N`, word2vec.c's ``syn0``), the output vectors :math:`\mathbf u_w`
are the rows of ``W_out`` (:math:`V\times N`; ``syn1`` for hierarchical softmax, ``syn1neg``
for negative sampling), and :math:`\mathbf h` is the hidden vector (``neu1``).  A score is
:math:`x_j = \mathbf u_j^\top\mathbf h`.

Two kinds of function live here:

* ``*_loss_and_grads`` follow the **paper**: exact losses and their exact gradients
  (no saturation, no table look-ups), checked against finite differences with
  :func:`gradcheck`.  They are slow and dense on purpose: they are for tiny inputs.
* :func:`sgd_step_reference` follows the **code** (gensim's ``word2vec_inner.pyx``, which
  follows word2vec.c): one SGD step with the role swap, the saturation rule and the
  ``cbow_mean`` scaling of the reference implementations.  The numba kernels are tested
  against it step for step.

Everything works in the floating dtype of its inputs (float32 or float64).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

__all__ = [
    "MAX_EXP",
    "sigmoid",
    "log_sigmoid",
    "softmax",
    "softmax_loss_and_grads",
    "skipgram_softmax_loss_and_grads",
    "cbow_softmax_loss_and_grads",
    "ns_loss_and_grads",
    "hs_loss_and_grads",
    "hs_probability",
    "SGDStep",
    "sgd_step_reference",
    "numerical_gradient",
    "gradcheck",
    "check_gradients",
]

#: Scores with ``|x| >= MAX_EXP`` are skipped by gensim (word2vec.c's ``MAX_EXP``).
MAX_EXP = 6.0


# --------------------------------------------------------------------------- helpers
def _float_array(x, name: str) -> np.ndarray:
    r"""Return ``x`` as a floating array, or raise TypeError naming the argument."""
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"{name} must be a floating-point array, got dtype {arr.dtype}")
    return arr


def _matrix(W, name: str) -> np.ndarray:
    W = _float_array(W, name)
    if W.ndim != 2:
        raise ValueError(f"{name} must be 2-D (V, N), got shape {W.shape}")
    return W


def _hidden(h, W: np.ndarray, name: str = "h") -> np.ndarray:
    h = _float_array(h, name)
    if h.shape != (W.shape[1],):
        raise ValueError(f"{name} must have shape ({W.shape[1]},), got {h.shape}")
    return h


def _index(i, V: int, name: str) -> int:
    if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
        raise TypeError(f"{name} must be an integer row index, got {type(i).__name__}")
    if not 0 <= int(i) < V:
        raise ValueError(f"{name}={int(i)} is out of range for {V} rows")
    return int(i)


def _indices(idx, V: int, name: str, allow_empty: bool = False) -> np.ndarray:
    arr = np.asarray(idx)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of row indices, got shape {arr.shape}")
    if arr.size == 0:
        if allow_empty:
            return arr.astype(np.int64)
        raise ValueError(f"{name} must not be empty")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integer row indices, got dtype {arr.dtype}")
    if arr.min() < 0 or arr.max() >= V:
        raise ValueError(f"{name} has indices outside [0, {V})")
    return arr.astype(np.int64)


def _code_point(code, point, V_hs: int) -> tuple[np.ndarray, np.ndarray]:
    code = np.asarray(code)
    point = _indices(point, V_hs, "point")
    if code.shape != point.shape:
        raise ValueError(f"code and point must have the same length, got {code.shape} and {point.shape}")
    if not np.all((code == 0) | (code == 1)):
        raise ValueError("code must hold only 0/1 bits")
    return code.astype(np.int64), point


def _sparse_rows(rows: np.ndarray, grads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Sum gradient rows that hit the same output row (a word drawn twice)."""
    uniq, inverse = np.unique(rows, return_inverse=True)
    out = np.zeros((uniq.size, grads.shape[1]), dtype=grads.dtype)
    np.add.at(out, inverse, grads)
    return uniq, out


# --------------------------------------------------------------------------- scalars
def sigmoid(x):
    r"""Logistic function :math:`\sigma(x) = 1 / (1 + e^{-x})`, evaluated without overflow.

    Parameters
    ----------
    x : float or ndarray
        Scores; the dtype (float32 or float64) is kept.

    Returns
    -------
    float or ndarray
        :math:`\sigma(x)`, same shape and dtype as ``x``.

    Notes
    -----
    word2vec.c and gensim read :math:`\sigma` from a 1000-entry table on
    :math:`[-6, 6]` (``EXP_TABLE``); this function is exact.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    # exp of a non-positive number never overflows
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)
    return out[()] if out.ndim == 0 else out


def log_sigmoid(x):
    r""":math:`\log\sigma(x) = -\log(1 + e^{-x})`, stable for large :math:`|x|`.

    Parameters
    ----------
    x : float or ndarray

    Returns
    -------
    float or ndarray
        Same shape and dtype as ``x``.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    out = (-np.logaddexp(np.zeros((), dtype=x.dtype), -x)).astype(x.dtype)
    return out[()] if out.ndim == 0 else out


def softmax(scores):
    r"""Softmax :math:`y_j = e^{x_j} / \sum_{j'} e^{x_{j'}}` of a score vector.

    Parameters
    ----------
    scores : ndarray, shape (V,)

    Returns
    -------
    ndarray, shape (V,)
        Probabilities summing to 1 (the maximum is subtracted first, so no overflow).
    """
    scores = _float_array(scores, "scores")
    z = np.exp(scores - scores.max())
    return z / z.sum()


# --------------------------------------------------------------------------- full softmax
def softmax_loss_and_grads(h, W_out, target):
    r"""Full-softmax loss and its gradients (paper form; Rong 2014, section 1.1).

    .. math::
        E = -\log \frac{\exp(\mathbf u_{o}^\top\mathbf h)}{\sum_{j\in\mathcal V}\exp(\mathbf u_j^\top\mathbf h)},
        \qquad e_j = y_j - t_j,\qquad
        \frac{\partial E}{\partial\mathbf h} = \sum_j e_j\mathbf u_j = EH,\qquad
        \frac{\partial E}{\partial\mathbf u_j} = e_j\,\mathbf h,

    where :math:`y = \mathrm{softmax}(\mathbf W_{out}\mathbf h)` and :math:`t` is the one-hot
    vector of the target :math:`o` ("observed minus expected", with the sign of a gradient).

    Parameters
    ----------
    h : ndarray, shape (N,)
        Hidden vector.
    W_out : ndarray, shape (V, N)
        Output vectors :math:`\mathbf u_j` as rows.
    target : int
        Index :math:`o` of the word to predict.

    Returns
    -------
    loss : float
        :math:`E`.
    grad_h : ndarray, shape (N,)
        :math:`EH = \mathbf W_{out}^\top \mathbf e`.
    grad_W_out : ndarray, shape (V, N)
        :math:`\mathbf e\,\mathbf h^\top` (dense: every output vector moves).
    """
    W_out = _matrix(W_out, "W_out")
    h = _hidden(h, W_out)
    o = _index(target, W_out.shape[0], "target")
    x = W_out @ h
    y = softmax(x)
    # E = logsumexp(x) - x_o, computed stably
    xmax = x.max()
    loss = float(xmax + np.log(np.exp(x - xmax).sum()) - x[o])
    e = y.copy()
    e[o] -= 1  # e = y - t
    return loss, W_out.T @ e, np.outer(e, h)


def skipgram_softmax_loss_and_grads(W_in, W_out, center, contexts):
    r"""Skip-gram with the full softmax, summed over a window (paper direction).

    The center word's input vector is the hidden vector, :math:`\mathbf h = \mathbf v_c`,
    and it predicts every context word :math:`o` of the window:

    .. math::
        E = -\sum_{o\in\text{window}}\log P(w_o\mid w_c), \qquad
        \frac{\partial E}{\partial \mathbf v_c} = \sum_o EH_o, \qquad
        \frac{\partial E}{\partial \mathbf u_j} = \sum_o e_{o,j}\,\mathbf h.

    This is the paper's direction (Mikolov et al. 2013a; Rong 2014, section 2).  word2vec.c and
    gensim swap the roles (each context word's input vector predicts the center word); over a
    symmetric window both sum the same pairs.

    Parameters
    ----------
    W_in, W_out : ndarray, shape (V, N)
        Input and output vectors as rows.
    center : int
        Center word :math:`c`.
    contexts : sequence of int
        Context words :math:`o` (repeats allowed; each is one term).

    Returns
    -------
    loss : float
    grad_W_in : ndarray, shape (V, N)
        Nonzero only in row ``center``.
    grad_W_out : ndarray, shape (V, N)
    """
    W_in = _matrix(W_in, "W_in")
    W_out = _matrix(W_out, "W_out")
    if W_in.shape[1] != W_out.shape[1]:
        raise ValueError(f"W_in and W_out must have the same width, got {W_in.shape} and {W_out.shape}")
    c = _index(center, W_in.shape[0], "center")
    ctx = _indices(contexts, W_out.shape[0], "contexts")
    h = W_in[c]
    loss = 0.0
    grad_W_in = np.zeros_like(W_in)
    grad_W_out = np.zeros_like(W_out)
    for o in ctx:
        l_o, gh, gW = softmax_loss_and_grads(h, W_out, int(o))
        loss += l_o
        grad_W_in[c] += gh
        grad_W_out += gW
    return loss, grad_W_in, grad_W_out


def cbow_softmax_loss_and_grads(W_in, W_out, contexts, center, mean=True):
    r"""CBOW with the full softmax: the window's input vectors predict the center word.

    .. math::
        \mathbf h = \frac1C\sum_{c=1}^{C}\mathbf v_{w_c}, \qquad
        E = -\log P(w_o\mid \mathbf h), \qquad
        \frac{\partial E}{\partial \mathbf v_{w_c}} = \frac1C\,EH

    (paper form; Rong 2014, section 1.2).  With ``mean=False`` the hidden vector is the sum and
    each context row's gradient is the whole :math:`EH`.

    Notes
    -----
    This is the exact gradient.  word2vec.c (and gensim with ``cbow_mean=1``) averages the
    context vectors but then adds the *whole* ``neu1e`` :math:`=-\eta\,EH` to every context
    word, i.e. a step :math:`C` times the gradient; gensim with ``cbow_mean=0`` sums them and
    adds ``neu1e / C``.  See :func:`sgd_step_reference`.

    Parameters
    ----------
    W_in, W_out : ndarray, shape (V, N)
    contexts : sequence of int
        Context words :math:`w_1..w_C` (a word appearing twice counts twice).
    center : int
        Word to predict.
    mean : bool, default True
        Average (True) or sum (False) the context vectors.

    Returns
    -------
    loss : float
    grad_W_in : ndarray, shape (V, N)
        Nonzero only in context rows.
    grad_W_out : ndarray, shape (V, N)
    """
    W_in = _matrix(W_in, "W_in")
    W_out = _matrix(W_out, "W_out")
    if W_in.shape[1] != W_out.shape[1]:
        raise ValueError(f"W_in and W_out must have the same width, got {W_in.shape} and {W_out.shape}")
    ctx = _indices(contexts, W_in.shape[0], "contexts")
    o = _index(center, W_out.shape[0], "center")
    scale = 1.0 / ctx.size if mean else 1.0
    h = W_in[ctx].sum(axis=0) * scale
    loss, gh, grad_W_out = softmax_loss_and_grads(h, W_out, o)
    grad_W_in = np.zeros_like(W_in)
    # a context word that appears twice collects two shares
    np.add.at(grad_W_in, ctx, scale * gh)
    return loss, grad_W_in, grad_W_out


# --------------------------------------------------------------------------- negative sampling
def ns_loss_and_grads(h, W_out, target, negatives):
    r"""Negative-sampling loss and gradients (paper form; Mikolov et al. 2013b; Rong 2014, 3.2).

    .. math::
        E = -\log\sigma(\mathbf u_o^\top\mathbf h) - \sum_{k=1}^{K}\log\sigma(-\mathbf u_k^\top\mathbf h),
        \qquad \frac{\partial E}{\partial \mathbf h} = \sum_{j\in\{o\}\cup\mathcal W_{neg}}
        (\sigma(\mathbf u_j^\top\mathbf h)-t_j)\,\mathbf u_j,
        \qquad \frac{\partial E}{\partial \mathbf u_j} = (\sigma(\mathbf u_j^\top\mathbf h)-t_j)\,\mathbf h,

    with :math:`t_o = 1` and :math:`t_k = 0`.  Every term is kept: a negative drawn twice is two
    terms and its gradients add up; a negative equal to the target is kept too (the code skips it,
    see :func:`sgd_step_reference`).

    Parameters
    ----------
    h : ndarray, shape (N,)
    W_out : ndarray, shape (V, N)
        Output vectors for negative sampling (``syn1neg``).
    target : int
    negatives : sequence of int
        The :math:`K` noise words (may be empty).

    Returns
    -------
    loss : float
    grad_h : ndarray, shape (N,)
    rows : ndarray of int64, shape (R,)
        The distinct output rows touched, sorted.
    grad_rows : ndarray, shape (R, N)
        :math:`\partial E/\partial \mathbf u_r` for each of ``rows`` (summed over repeats).
        ``G = np.zeros_like(W_out); G[rows] = grad_rows`` is the dense gradient.
    """
    W_out = _matrix(W_out, "W_out")
    h = _hidden(h, W_out)
    o = _index(target, W_out.shape[0], "target")
    neg = _indices(negatives, W_out.shape[0], "negatives", allow_empty=True)
    words = np.concatenate([[o], neg])
    t = np.zeros(words.size, dtype=h.dtype)
    t[0] = 1
    x = W_out[words] @ h
    sign = 2 * t - 1  # +1 for the target, -1 for noise
    loss = float(-log_sigmoid(sign * x).sum())
    dx = sigmoid(x) - t  # dE/dx_j
    grad_h = dx @ W_out[words]
    rows, grad_rows = _sparse_rows(words, np.outer(dx, h))
    return loss, grad_h, rows, grad_rows


# --------------------------------------------------------------------------- hierarchical softmax
def hs_loss_and_grads(h, W_out_hs, code, point):
    r"""Hierarchical-softmax loss and gradients, word2vec.c / gensim code convention.

    The word's leaf is reached from the root through inner nodes ``point[j]`` (rows of
    ``W_out_hs``, i.e. ``syn1``), turning by bit ``code[j]`` :math:`=d_j` at each.  With label
    :math:`t_j = 1-d_j`:

    .. math::
        E = -\sum_j \log\sigma\big((1-2d_j)\,\mathbf u_{j}^\top\mathbf h\big),\qquad
        \frac{\partial E}{\partial(\mathbf u_j^\top\mathbf h)} = \sigma(\mathbf u_j^\top\mathbf h) - t_j,

    so :math:`\partial E/\partial\mathbf u_j = (\sigma-t_j)\mathbf h` and
    :math:`\partial E/\partial\mathbf h = \sum_j(\sigma-t_j)\mathbf u_j`.  The code's
    ``g = (1 - code - f) * alpha`` is :math:`-\eta(\sigma - t_j)`.  (Rong 2014 writes the
    sign :math:`[\![\cdot]\!]` = +1 for "left"; here bit 0 means +1.)

    Parameters
    ----------
    h : ndarray, shape (N,)
    W_out_hs : ndarray, shape (V - 1, N)
        Inner-node vectors.
    code : sequence of {0, 1}
        Branch bits from the root to the word.
    point : sequence of int
        Inner-node rows from the root to the word (same length as ``code``).

    Returns
    -------
    loss : float
    grad_h : ndarray, shape (N,)
    rows : ndarray of int64
        Distinct inner-node rows on the path, sorted.
    grad_rows : ndarray, shape (len(rows), N)
    """
    W_out_hs = _matrix(W_out_hs, "W_out_hs")
    h = _hidden(h, W_out_hs)
    code, point = _code_point(code, point, W_out_hs.shape[0])
    t = (1 - code).astype(h.dtype)
    x = W_out_hs[point] @ h
    loss = float(-log_sigmoid((2 * t - 1) * x).sum())
    dx = sigmoid(x) - t
    grad_h = dx @ W_out_hs[point]
    rows, grad_rows = _sparse_rows(point, np.outer(dx, h))
    return loss, grad_h, rows, grad_rows


def hs_probability(h, W_out_hs, code, point):
    r"""Probability of one word under hierarchical softmax.

    .. math::
        p(w\mid\mathbf h) = \prod_j \sigma\big((1-2d_j)\,\mathbf u_{\mathrm{point}_j}^\top\mathbf h\big)

    (word2vec.c / gensim convention: bit 0 takes :math:`\sigma(x)`, bit 1 takes
    :math:`\sigma(-x) = 1-\sigma(x)`).  Over all leaves of a binary tree these sum to 1.

    Parameters
    ----------
    h : ndarray, shape (N,)
    W_out_hs : ndarray, shape (V - 1, N)
    code, point : sequences
        The word's path, as in :func:`hs_loss_and_grads`.

    Returns
    -------
    float
    """
    W_out_hs = _matrix(W_out_hs, "W_out_hs")
    h = _hidden(h, W_out_hs)
    code, point = _code_point(code, point, W_out_hs.shape[0])
    x = W_out_hs[point] @ h
    return float(np.prod(sigmoid((1 - 2 * code) * x)))


# --------------------------------------------------------------------------- one SGD step (code form)
class SGDStep(NamedTuple):
    r"""Result of :func:`sgd_step_reference` (new arrays; the inputs are untouched)."""

    W_in: np.ndarray
    r"""Input vectors after the step (``syn0``)."""
    W_out_hs: np.ndarray | None
    r"""Inner-node vectors after the step (``syn1``), or None without HS."""
    W_out_ns: np.ndarray | None
    r"""Negative-sampling output vectors after the step (``syn1neg``), or None without NS."""
    loss: float
    r"""Sum of :math:`-\log\sigma(\pm x)` over the terms actually applied (not skipped)."""
    h: np.ndarray
    r"""The hidden vector used (``neu1``)."""
    work: np.ndarray
    r"""The vector added to each learning input row (``neu1e`` / gensim's ``work``, after the
    ``cbow_mean=0`` division), i.e. :math:`-\eta\,EH` up to that scaling."""


def sgd_step_reference(
    W_in,
    inputs,
    target,
    alpha,
    *,
    W_out_ns=None,
    negatives=None,
    W_out_hs=None,
    code=None,
    point=None,
    cbow_mean=True,
    learn_inputs=True,
    learn_outputs=True,
    max_exp=MAX_EXP,
):
    r"""One SGD step exactly as the kernels take it (gensim's ``word2vec_inner.pyx`` conventions).

    Order of operations (``alpha`` :math:`=\eta`):

    1. ``h = sum(W_in[inputs])``, divided by ``len(inputs)`` if ``cbow_mean``; ``work = 0``.
    2. Hierarchical softmax, if ``W_out_hs`` is given: for each inner node ``p = point[j]`` in
       path order, with label ``t = 1 - code[j]``: ``x = W_out_hs[p] @ h``; **skip the node if**
       ``|x| >= max_exp``; ``g = (t - sigmoid(x)) * alpha``; ``work += g * W_out_hs[p]`` (the
       vector *before* its update); ``W_out_hs[p] += g * h``.
    3. Negative sampling, if ``W_out_ns`` is given: the same for ``j`` in ``[target] +
       negatives`` in order, ``t = 1`` for the target and 0 for the negatives, on ``W_out_ns``.
       A negative equal to ``target`` is skipped (word2vec.c and gensim do so); a negative
       listed twice is applied twice, the second time with the already-updated row.
    4. If not ``cbow_mean``: ``work /= len(inputs)``.  Then ``W_in[r] += work`` for every input
       ``r`` in order (a row listed twice gets it twice).

    ``g = (t - f) * alpha`` is :math:`-\eta(\sigma(x) - t)`, so ``work`` is
    :math:`-\eta\,EH` and each output step is :math:`-\eta\,\partial E/\partial\mathbf u_j`
    (compare :func:`ns_loss_and_grads`, :func:`hs_loss_and_grads`).

    Parameters
    ----------
    W_in : ndarray, shape (V, N)
        Input vectors (``syn0``).
    inputs : sequence of int
        Input rows averaged (or summed) into ``h``.  **Skip-gram**: one row, the *context* word,
        which predicts the center word ``target`` (the role swap of word2vec.c and gensim; the
        paper's center-predicts-context sums the same pairs over a symmetric window).
        **CBOW**: the window's rows.  Doc2Vec: the document row (and word rows for PV-DM).
    target : int
        The word to predict.  Used by negative sampling (row of ``W_out_ns``, and to skip
        negatives equal to it); for hierarchical softmax the path ``code``/``point`` is the target.
    alpha : float
        Learning rate :math:`\eta`.
    W_out_ns : ndarray, shape (V, N), optional
        ``syn1neg``; with ``negatives`` enables negative sampling.
    negatives : sequence of int, optional
        The noise words, in the order the kernel's sampler drew them.
    W_out_hs : ndarray, shape (V - 1, N), optional
        ``syn1``; with ``code`` and ``point`` enables hierarchical softmax.
    code, point : sequences, optional
        The target's Huffman path (see :func:`hs_loss_and_grads`).
    cbow_mean : bool, default True
        Average (True) or sum (False) the input rows.
    learn_inputs : bool or sequence of bool, default True
        Whether each input row is updated (one flag for all, or one per input).  False freezes
        rows, e.g. word vectors during Doc2Vec inference.
    learn_outputs : bool, default True
        Whether the output rows (``syn1``/``syn1neg``) are updated; ``work`` is accumulated
        either way (gensim Doc2Vec's ``learn_hidden``).
    max_exp : float, default 6
        Saturation threshold (``MAX_EXP``).

    Returns
    -------
    SGDStep
        ``(W_in, W_out_hs, W_out_ns, loss, h, work)``: new arrays in the inputs' floating dtype.

    Notes
    -----
    What the reference codes do (read in gensim 4's ``word2vec_inner.pyx``):

    * **Saturation.** gensim skips an NS or HS term with ``|x| >= 6`` entirely (no output update,
      nothing added to ``work``).  word2vec.c skips HS nodes the same way but *clips* NS terms:
      for ``x > 6`` it uses ``g = (label - 1) * alpha``, for ``x < -6`` ``g = label * alpha``.
      This function follows gensim.
    * **CBOW scaling.** ``fast_sentence_cbow_{hs,neg}``: with ``cbow_mean=1`` ``neu1`` is divided
      by the count but the whole ``work`` is added to every context row (as word2vec.c); with
      ``cbow_mean=0`` ``neu1`` is the sum and ``work`` is divided by the count
      (``sscal(inv_count, work)`` "divide error over summed window vectors").  Neither is the
      exact gradient of :func:`cbow_softmax_loss_and_grads` (which gives :math:`EH/C` for the
      mean, :math:`EH` for the sum); both are descent directions.
    * **HS and NS together.** Here (as word2vec.c and gensim's Doc2Vec kernels) both losses share
      one ``h`` and one ``work``, applied once at the end.  gensim's *Word2Vec* instead runs two
      complete steps (``fast_sentence_*_hs`` then ``fast_sentence_*_neg``), so its NS step sees
      input rows already moved by the HS step.
    * :math:`\sigma` is exact here; the codes read it from a table (``EXP_TABLE``).
    * The loss counts :math:`-\log\sigma((1-2d_j)x_j)` for HS and :math:`-\log\sigma(\pm x)`
      for NS over the applied terms only, as gensim's ``compute_loss``.
    """
    W_in0 = _matrix(W_in, "W_in")
    V, N = W_in0.shape
    idx = _indices(inputs, V, "inputs")
    use_hs = W_out_hs is not None
    use_ns = W_out_ns is not None
    if not (use_hs or use_ns):
        raise ValueError("give W_out_hs (hierarchical softmax) and/or W_out_ns (negative sampling)")
    if (code is None or point is None) and use_hs:
        raise ValueError("hierarchical softmax needs both code and point")
    if (code is not None or point is not None) and not use_hs:
        raise ValueError("code/point given but W_out_hs is None")
    if negatives is not None and not use_ns:
        raise ValueError("negatives given but W_out_ns is None")
    alpha = float(alpha)
    if not np.isfinite(alpha):
        raise ValueError(f"alpha must be finite, got {alpha}")

    mats = [W_in0]
    if use_hs:
        Whs0 = _matrix(W_out_hs, "W_out_hs")
        if Whs0.shape[1] != N:
            raise ValueError(f"W_out_hs must have {N} columns, got {Whs0.shape}")
        code_arr, point_arr = _code_point(code, point, Whs0.shape[0])
        mats.append(Whs0)
    if use_ns:
        Wns0 = _matrix(W_out_ns, "W_out_ns")
        if Wns0.shape[1] != N:
            raise ValueError(f"W_out_ns must have {N} columns, got {Wns0.shape}")
        tgt = _index(target, Wns0.shape[0], "target")
        neg = _indices([] if negatives is None else negatives, Wns0.shape[0], "negatives", allow_empty=True)
        mats.append(Wns0)
    elif isinstance(target, (bool, np.bool_)) or not isinstance(target, (int, np.integer)):
        raise TypeError(f"target must be an integer row index, got {type(target).__name__}")

    learn_in = np.asarray(learn_inputs, dtype=bool)
    if learn_in.ndim == 0:
        learn_in = np.broadcast_to(learn_in, idx.shape)
    if learn_in.shape != idx.shape:
        raise ValueError(
            f"learn_inputs must be a bool or one flag per input ({idx.size}), got shape {learn_in.shape}")

    dtype = np.result_type(*mats)
    a = dtype.type(alpha)
    W_in_new = W_in0.astype(dtype, copy=True)
    Whs = Whs0.astype(dtype, copy=True) if use_hs else None
    Wns = Wns0.astype(dtype, copy=True) if use_ns else None

    count = idx.size
    h = W_in_new[idx].sum(axis=0, dtype=dtype)
    if cbow_mean:
        h = h / dtype.type(count)
    work = np.zeros(N, dtype=dtype)
    loss = 0.0

    def apply(W, j, t, sign):
        r"""One output term: returns its loss, or 0 if saturated (skipped)."""
        nonlocal work
        x = W[j] @ h
        if x <= -max_exp or x >= max_exp:
            return 0.0
        g = (dtype.type(t) - sigmoid(x)) * a
        work = work + g * W[j]  # uses u_j before its update
        if learn_outputs:
            W[j] = W[j] + g * h
        return float(-log_sigmoid(sign * float(x)))

    if use_hs:
        for d, p in zip(code_arr, point_arr):
            loss += apply(Whs, int(p), 1 - int(d), 1 - 2 * int(d))
    if use_ns:
        loss += apply(Wns, tgt, 1, 1)
        for k in neg:
            if k == tgt:  # word2vec.c / gensim: a noise word equal to the target is skipped
                continue
            loss += apply(Wns, int(k), 0, -1)

    if not cbow_mean:
        work = work / dtype.type(count)
    for r, learn in zip(idx, learn_in):
        if learn:
            W_in_new[r] = W_in_new[r] + work
    return SGDStep(W_in_new, Whs, Wns, loss, h, work)


# --------------------------------------------------------------------------- gradient checks
def _check_entries(size: int, max_entries: int | None, seed: int) -> np.ndarray:
    if max_entries is None or size <= max_entries:
        return np.arange(size)
    return np.sort(np.random.default_rng(seed).choice(size, size=max_entries, replace=False))


def numerical_gradient(f: Callable[[np.ndarray], float], x, eps=1e-3, entries=None, order=4):
    r"""Central finite differences of a scalar function.

    ``order=2``: :math:`\frac{f(x+\epsilon e_i) - f(x-\epsilon e_i)}{2\epsilon}`, error
    :math:`O(\epsilon^2)`.  ``order=4``: the five-point stencil
    :math:`\frac{8[f(x+\epsilon e_i)-f(x-\epsilon e_i)] - [f(x+2\epsilon e_i)-f(x-2\epsilon e_i)]}{12\epsilon}`,
    error :math:`O(\epsilon^4)`.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``; must not keep a reference to ``x`` (it is perturbed in place).
    x : ndarray
        Point of evaluation (float64 recommended); copied, never modified.
    eps : float, default 1e-3
        Step.  Good choices in float64: about 1e-3 for ``order=4``, 1e-5 for ``order=2``.
    entries : array of int, optional
        Flat indices to differentiate (default: all); the others are left at 0.
    order : {2, 4}, default 4

    Returns
    -------
    ndarray
        Same shape as ``x``.
    """
    if order not in (2, 4):
        raise ValueError(f"order must be 2 or 4, got {order!r}")
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps}")
    x = np.array(_float_array(x, "x"), copy=True)
    flat = x.reshape(-1)
    grad = np.zeros_like(flat)

    def at(i, old, step):
        flat[i] = old + step
        return float(f(x))

    for i in range(flat.size) if entries is None else entries:
        old = flat[i]
        d1 = at(i, old, eps) - at(i, old, -eps)
        if order == 2:
            grad[i] = d1 / (2 * eps)
        else:
            d2 = at(i, old, 2 * eps) - at(i, old, -2 * eps)
            grad[i] = (8 * d1 - d2) / (12 * eps)
        flat[i] = old
    return grad.reshape(x.shape)


def gradcheck(f, x, grad, eps=1e-3, order=4, max_entries=2000, seed=0, tiny=1e-12):
    r"""Compare an analytic gradient with central finite differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, the loss as a function of ``x`` alone.
    x : ndarray
        Point of evaluation (float64 for a tight check).
    grad : ndarray
        The analytic gradient :math:`\partial f/\partial x` at ``x``, same shape.
    eps : float, default 1e-3
        Finite-difference step.
    order : {2, 4}, default 4
        Accuracy order of the central stencil (see :func:`numerical_gradient`).  The default
        fourth-order rule is accurate to about 1e-12 in float64 on losses of order 1; the
        two-point rule with ``eps=1e-6`` leaves about 1e-10 of rounding noise, which is more
        than 1e-6 *relative* error on gradient entries smaller than about 1e-4.
    max_entries : int or None, default 2000
        Check at most this many entries, drawn with ``seed`` (all if None or if ``x`` is smaller).
    seed : int, default 0
    tiny : float, default 1e-12
        Floor of the denominator, so that entries where both gradients are 0 count as exact.

    Returns
    -------
    float
        Maximum over the checked entries of :math:`|a-n| / \max(|a|+|n|, \mathrm{tiny})`
        (:math:`a` analytic, :math:`n` numerical).
    """
    x = _float_array(x, "x")
    grad = np.asarray(grad)
    if grad.shape != x.shape:
        raise ValueError(f"grad has shape {grad.shape}, x has shape {x.shape}")
    entries = _check_entries(x.size, max_entries, seed)
    num = numerical_gradient(f, x, eps=eps, entries=entries, order=order).reshape(-1)[entries]
    ana = grad.reshape(-1)[entries].astype(np.float64)
    err = np.abs(ana - num) / np.maximum(np.abs(ana) + np.abs(num), tiny)
    return float(err.max()) if err.size else 0.0


def check_gradients(loss_fn, params: dict, analytic: dict, eps=1e-3, order=4, max_entries=2000, seed=0):
    r""":func:`gradcheck` for every named parameter of a loss.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(**params) -> float``.
    params : dict of str to ndarray
        The point of evaluation.
    analytic : dict of str to ndarray
        Analytic gradients for (some of) the parameters, same shapes.
    eps, order, max_entries, seed
        As in :func:`gradcheck`.

    Returns
    -------
    dict of str to float
        Maximum relative error per parameter named in ``analytic``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> h, W = rng.normal(size=3), rng.normal(size=(5, 3))
    >>> _, gh, gW = softmax_loss_and_grads(h, W, 2)
    >>> errs = check_gradients(lambda h, W: softmax_loss_and_grads(h, W, 2)[0],
    ...                        {"h": h, "W": W}, {"h": gh, "W": gW})
    >>> max(errs.values()) < 1e-6
    True
    """
    unknown = set(analytic) - set(params)
    if unknown:
        raise KeyError(f"analytic gradients for unknown parameters: {sorted(unknown)}")
    errors = {}
    for name, grad in analytic.items():
        def f(value, name=name):
            return loss_fn(**{**params, name: value})

        errors[name] = gradcheck(f, params[name], grad, eps=eps, order=order, max_entries=max_entries, seed=seed)
    return errors


# =========================================================================== GloVe
# Appended for the GloVe chapter (notebooks/04_glove.ipynb). Plain NumPy/Python, dense and slow on
# purpose: for tiny inputs and for checking :mod:`embedlearn.kernels.glove`.
class GloVeLossGrads(NamedTuple):
    r"""Result of :func:`glove_loss_and_grads`: :math:`J` and its gradients."""

    loss: float
    W: np.ndarray
    W_context: np.ndarray
    b: np.ndarray
    b_context: np.ndarray


class GloVeStep(NamedTuple):
    r"""Result of :func:`glove_adagrad_step` (new arrays; the inputs are untouched)."""

    W: np.ndarray
    W_context: np.ndarray
    b: np.ndarray
    b_context: np.ndarray
    G_W: np.ndarray
    G_W_context: np.ndarray
    G_b: np.ndarray
    G_b_context: np.ndarray
    loss: float
    r"""glove.c's cost of the pair, :math:`\frac12 f(x)\,e^2`, before the step."""


def _glove_float(x, name, ndim):
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"{name} must be a floating-point array, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    return arr


def _glove_ids(idx, V, name):
    arr = np.atleast_1d(np.asarray(idx))
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integer ids, got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= V):
        raise ValueError(f"{name} has ids outside [0, {V})")
    return arr.astype(np.int64)


def glove_weight(x, x_max=100.0, alpha=0.75):
    r"""GloVe's weighting function :math:`f(x) = \min\bigl((x/x_{\max})^\alpha, 1\bigr)`.

    Parameters
    ----------
    x : array_like
        Co-occurrence values (non-negative).
    x_max : float, default 100.0
    alpha : float, default 0.75

    Returns
    -------
    ndarray or float
        In ``[0, 1]``; ``f(0) = 0``.
    """
    x = np.asarray(x, dtype=np.float64)
    return np.minimum((x / x_max) ** alpha, 1.0)


def glove_loss_and_grads(W, W_context, b, b_context, rows, cols, X, x_max=100.0, alpha=0.75):
    r"""The paper's weighted least-squares loss and its exact gradients, over the given pairs.

    With :math:`e_k = \mathbf w_{i_k}^\top\tilde{\mathbf w}_{j_k} + b_{i_k} + \tilde b_{j_k} -
    \log X_k`:

    .. math::

        J = \sum_k f(X_k)\, e_k^2, \qquad
        \frac{\partial J}{\partial \mathbf w_i} = \sum_{k:\,i_k=i} 2 f(X_k)\, e_k\,
        \tilde{\mathbf w}_{j_k}, \qquad
        \frac{\partial J}{\partial \tilde{\mathbf w}_j} = \sum_{k:\,j_k=j} 2 f(X_k)\, e_k\,
        \mathbf w_{i_k},

    and :math:`\partial J/\partial b_i = \sum_{k:\,i_k=i} 2 f(X_k) e_k` (the same for
    :math:`\tilde b_j`). glove.c minimises :math:`J/2`, whose gradients are half of these.

    Parameters
    ----------
    W, W_context : ndarray, shape (V, N)
        Word and context vectors.
    b, b_context : ndarray, shape (V,)
        Word and context biases.
    rows, cols : array_like of int, shape (P,)
        The pairs ``(i_k, j_k)`` (a pair listed twice counts twice).
    X : array_like, shape (P,)
        Their co-occurrence values, all positive.
    x_max, alpha : float
        Parameters of :func:`glove_weight`.

    Returns
    -------
    GloVeLossGrads
    """
    W = _glove_float(W, "W", 2)
    W_context = _glove_float(W_context, "W_context", 2)
    b = _glove_float(b, "b", 1)
    b_context = _glove_float(b_context, "b_context", 1)
    rows = _glove_ids(rows, W.shape[0], "rows")
    cols = _glove_ids(cols, W_context.shape[0], "cols")
    X = np.atleast_1d(_glove_float(X, "X", np.ndim(X)))
    if not (len(rows) == len(cols) == len(X)):
        raise ValueError(f"rows, cols and X must have the same length, got "
                         f"{len(rows)}, {len(cols)}, {len(X)}")
    if np.any(X <= 0):
        raise ValueError("co-occurrence values X must be positive (log X is taken)")
    f = glove_weight(X, x_max, alpha)
    e = np.sum(W[rows] * W_context[cols], axis=1) + b[rows] + b_context[cols] - np.log(X)
    g = 2.0 * f * e
    dW, dWc = np.zeros_like(W), np.zeros_like(W_context)
    db, dbc = np.zeros_like(b), np.zeros_like(b_context)
    np.add.at(dW, rows, g[:, None] * W_context[cols])
    np.add.at(dWc, cols, g[:, None] * W[rows])
    np.add.at(db, rows, g)
    np.add.at(dbc, cols, g)
    return GloVeLossGrads(float(np.sum(f * e * e)), dW, dWc, db, dbc)


def glove_adagrad_step(W, W_context, b, b_context, G_W, G_W_context, G_b, G_b_context, i, j, x,
                       eta=0.05, x_max=100.0, alpha=0.75, grad_clip=100.0):
    r"""One AdaGrad step on the pair ``(i, j)`` exactly as glove.c (stanfordnlp/GloVe) takes it.

    With :math:`e = \mathbf w_i^\top\tilde{\mathbf w}_j + b_i + \tilde b_j - \log x` and
    :math:`g = f(x)\,e` (the gradient of :math:`\frac12 f e^2` with respect to :math:`b_i`):

    * for each component :math:`c`: :math:`t = \eta\,\mathrm{clip}(g\,\tilde w_{jc})`,
      :math:`w_{ic} \leftarrow w_{ic} - t/\sqrt{G_{ic}}` and then :math:`G_{ic} \leftarrow G_{ic}
      + t^2` (the accumulator holds squared *scaled* gradients and starts at 1); the same for
      :math:`\tilde w_{jc}` with :math:`w_{ic}`, both from the values before the step;
    * biases: :math:`b_i \leftarrow b_i - g/\sqrt{G^b_i}`, :math:`G^b_i \leftarrow G^b_i + g^2`
      (and :math:`\tilde b_j`): no :math:`\eta` and no clipping, as in glove.c (see
      stanfordnlp/GloVe pull request #209).

    ``clip`` bounds each component to :math:`\pm` ``grad_clip``.

    Returns
    -------
    GloVeStep
        Copies of all eight arrays after the step, and the pair's cost before it.
    """
    W, Wc = _glove_float(W, "W", 2).copy(), _glove_float(W_context, "W_context", 2).copy()
    b, bc = _glove_float(b, "b", 1).copy(), _glove_float(b_context, "b_context", 1).copy()
    GW, GWc = _glove_float(G_W, "G_W", 2).copy(), _glove_float(G_W_context, "G_W_context", 2).copy()
    Gb, Gbc = _glove_float(G_b, "G_b", 1).copy(), _glove_float(G_b_context, "G_b_context", 1).copy()
    i = int(_glove_ids(i, W.shape[0], "i")[0])
    j = int(_glove_ids(j, Wc.shape[0], "j")[0])
    if not x > 0:
        raise ValueError(f"x must be positive, got {x}")
    f = glove_weight(x, x_max, alpha)
    e = W[i] @ Wc[j] + b[i] + bc[j] - np.log(x)
    g = f * e
    t1 = eta * np.clip(g * Wc[j], -grad_clip, grad_clip)
    t2 = eta * np.clip(g * W[i], -grad_clip, grad_clip)
    W[i] -= t1 / np.sqrt(GW[i])
    Wc[j] -= t2 / np.sqrt(GWc[j])
    GW[i] += t1 * t1
    GWc[j] += t2 * t2
    b[i] -= g / np.sqrt(Gb[i])
    bc[j] -= g / np.sqrt(Gbc[j])
    Gb[i] += g * g
    Gbc[j] += g * g
    return GloVeStep(W, Wc, b, bc, GW, GWc, Gb, Gbc, float(0.5 * f * e * e))


def glove_cooccurrence_counts(sentences, window=10, symmetric=True):
    r"""Co-occurrence counts by a plain Python loop, as GloVe's ``cooccur.c`` computes them.

    For every token (the *target*, position :math:`t`) and every earlier token of the same
    sentence at distance :math:`1 \le d \le` ``window`` (the *context*), add :math:`1/d` to
    ``(context, target)`` and, if ``symmetric``, to ``(target, context)`` too.

    Parameters
    ----------
    sentences : iterable of sequences of int
        Encoded sentences (vocabulary words only, as :func:`embedlearn.corpus.encode` gives).
    window : int, default 10
    symmetric : bool, default True

    Returns
    -------
    dict of (int, int) to fractions.Fraction
        The exact non-zero counts.
    """
    from fractions import Fraction

    counts = {}
    for sentence in sentences:
        sentence = list(sentence)
        for t, target in enumerate(sentence):
            for d in range(1, window + 1):
                if t - d < 0:
                    break
                context = int(sentence[t - d])
                key = (context, int(target))
                counts[key] = counts.get(key, 0) + Fraction(1, d)
                if symmetric:
                    key = (int(target), context)
                    counts[key] = counts.get(key, 0) + Fraction(1, d)
    return counts


__all__ += ["GloVeLossGrads", "GloVeStep", "glove_weight", "glove_loss_and_grads",
            "glove_adagrad_step", "glove_cooccurrence_counts"]


# =========================================================================== FastText
# Appended for the FastText chapter: the bag-of-n-grams score and its negative-sampling loss.
# The rows of ``Z`` are the input matrix of fastText: vocabulary words first, then n-gram buckets
# (see :mod:`embedlearn.kernels.subwords` for how a word's rows are found).
class SubwordNSLossGrads(NamedTuple):
    r"""Result of :func:`subword_ns_loss_and_grads`: the loss and its dense gradients."""

    loss: float
    Z: np.ndarray
    r""":math:`\partial E/\partial\mathbf Z` (nonzero only in the word's subword rows)."""
    W_out: np.ndarray
    r""":math:`\partial E/\partial\mathbf W_{out}` (nonzero only in the target and noise rows)."""


def subword_hidden(Z, rows, mean=True):
    r"""The hidden vector of a word from its subword rows :math:`\mathcal G_w`.

    .. math::
        \mathbf h_w = \frac{1}{|\mathcal G_w|}\sum_{g\in\mathcal G_w}\mathbf z_g
        \quad(\texttt{mean=True}),\qquad
        \mathbf h_w = \sum_{g\in\mathcal G_w}\mathbf z_g \quad(\texttt{mean=False}).

    The paper (Bojanowski et al. 2017, eq. 2) sums; the reference code averages
    (``Model::computeHidden``), and so does fastText's ``getWordVector``. A row listed twice
    (an n-gram that occurs twice, or two n-grams in one bucket) counts twice.

    Parameters
    ----------
    Z : ndarray, shape (R, N)
        Input rows: words, then n-gram buckets.
    rows : sequence of int
        :math:`\mathcal G_w`, e.g. ``[word row, n-gram rows...]``; not empty.
    mean : bool, default True

    Returns
    -------
    ndarray, shape (N,)
    """
    Z = _matrix(Z, "Z")
    idx = _indices(rows, Z.shape[0], "rows")
    h = Z[idx].sum(axis=0)
    return h / idx.size if mean else h


def subword_score(Z, rows, u, mean=True):
    r"""fastText's score of a (word, context) pair, :math:`s(w,c) = \mathbf h_w^\top\mathbf u_c`.

    With ``mean=True`` (the code) :math:`s(w,c) = \frac{1}{|\mathcal G_w|}\sum_{g\in\mathcal G_w}
    \mathbf z_g^\top\mathbf u_c`; with ``mean=False`` the paper's
    :math:`\sum_{g\in\mathcal G_w}\mathbf z_g^\top\mathbf u_c`.

    Parameters
    ----------
    Z : ndarray, shape (R, N)
    rows : sequence of int
        The word's subword rows :math:`\mathcal G_w`.
    u : ndarray, shape (N,)
        The context word's output vector :math:`\mathbf u_c`.
    mean : bool, default True

    Returns
    -------
    float
    """
    h = subword_hidden(Z, rows, mean)
    return float(h @ _hidden(u, _matrix(Z, "Z"), "u"))


def subword_ns_loss_and_grads(Z, W_out, rows, target, negatives, mean=True):
    r"""Negative-sampling loss of fastText's skip-gram pair and its exact gradients.

    With :math:`\mathbf h = \frac1n\sum_{g\in\mathcal G_w}\mathbf z_g` (:math:`n = |\mathcal G_w|`,
    or the sum with ``mean=False``) and :math:`x_j = \mathbf u_j^\top\mathbf h`:

    .. math::
        E = \ell(x_o) + \sum_{k=1}^{K}\ell(-x_k),\quad \ell(x) = \log(1 + e^{-x}),\qquad
        \frac{\partial E}{\partial\mathbf u_j} = (\sigma(x_j) - t_j)\,\mathbf h,\qquad
        \frac{\partial E}{\partial\mathbf z_g} = \frac{c_g}{n}\,EH,\quad
        EH = \sum_{j\in\{o\}\cup\mathcal W_{neg}}(\sigma(x_j) - t_j)\,\mathbf u_j,

    where :math:`c_g` is how often row :math:`g` appears in ``rows`` (:math:`c_g\,EH` for the sum).
    This is the paper's loss (Bojanowski et al. 2017, eq. 1 with the score of eq. 2) for one
    context word :math:`o` and its :math:`K` noise words; every term is kept (see
    :func:`ns_loss_and_grads`).

    Notes
    -----
    fastText's step (``Model::update`` with ``normalizeGradient = false`` in unsupervised mode)
    adds the whole :math:`-\eta\,EH` once per listing of a row, so a row listed :math:`c_g` times
    moves by :math:`-c_g\,\eta\,EH`: :math:`n` times the exact gradient step of the mean form for
    every row, the same scaling as word2vec.c's CBOW. That step is
    :func:`sgd_step_reference` (and :func:`embedlearn.kernels.sgd.sgd_step`) with the subword rows
    as inputs and ``cbow_mean=True``. (fastText clips saturated scores through its sigmoid table
    and redraws a noise word equal to the target; the reference step skips both, as gensim.)

    Parameters
    ----------
    Z : ndarray, shape (R, N)
        Input rows (words, then n-gram buckets).
    W_out : ndarray, shape (V, N)
        Output vectors (``syn1neg``).
    rows : sequence of int
        The center word's subword rows :math:`\mathcal G_w`; repeats allowed.
    target : int
        The context word :math:`o` (label 1).
    negatives : sequence of int
        Noise words (label 0), may be empty.
    mean : bool, default True
        Average (the code) or sum (the paper) the rows.

    Returns
    -------
    SubwordNSLossGrads
        ``(loss, Z, W_out)``: :math:`E` and the dense gradients.
    """
    Z = _matrix(Z, "Z")
    W_out = _matrix(W_out, "W_out")
    if Z.shape[1] != W_out.shape[1]:
        raise ValueError(f"Z and W_out must have the same width, got {Z.shape} and {W_out.shape}")
    idx = _indices(rows, Z.shape[0], "rows")
    h = subword_hidden(Z, idx, mean)
    loss, grad_h, out_rows, grad_out_rows = ns_loss_and_grads(h, W_out, target, negatives)
    grad_Z = np.zeros_like(Z)
    # dh/dz_g = 1/n per occurrence (mean) or 1 (sum); a repeated row collects each share.
    np.add.at(grad_Z, idx, grad_h / idx.size if mean else grad_h)
    grad_W_out = np.zeros_like(W_out)
    grad_W_out[out_rows] = grad_out_rows
    return SubwordNSLossGrads(loss, grad_Z, grad_W_out)


__all__ += ["SubwordNSLossGrads", "subword_hidden", "subword_score", "subword_ns_loss_and_grads"]


# =========================================================================== Doc2Vec
# Appended for the Doc2Vec chapter (notebooks/06_doc2vec.ipynb): Paragraph Vector's two losses
# (Le & Mikolov 2014) with exact gradients. ``D`` holds the document (paragraph) vectors, ``W`` the
# word input vectors, ``W_out`` the output rows (``syn1neg``) or inner-node rows (``syn1``).
class ParagraphLossGrads(NamedTuple):
    r"""Result of :func:`pv_dm_loss_and_grads` / :func:`pv_dbow_loss_and_grads`: dense gradients."""

    loss: float
    D: np.ndarray
    r""":math:`\partial E/\partial\mathbf D` (nonzero only in the document's rows)."""
    W: np.ndarray | None
    r""":math:`\partial E/\partial\mathbf W` (the context words' rows; None for PV-DBOW)."""
    W_out: np.ndarray
    r""":math:`\partial E/\partial\mathbf W_{out}` (the target and noise rows, or the path's nodes)."""


def _output_loss_and_grads(h, W_out, target, negatives, code, point):
    r"""NS (``negatives`` given) or HS (``code``/``point`` given) loss of ``target`` from ``h``."""
    if (negatives is None) == (code is None or point is None):
        raise ValueError("give negatives (negative sampling) or code and point (hierarchical "
                         "softmax), not both")
    if negatives is not None:
        loss, grad_h, rows, grad_rows = ns_loss_and_grads(h, W_out, target, negatives)
    else:
        loss, grad_h, rows, grad_rows = hs_loss_and_grads(h, W_out, code, point)
    grad_W_out = np.zeros_like(W_out)
    grad_W_out[rows] = grad_rows
    return loss, grad_h, grad_W_out


def pv_dm_loss_and_grads(D, W, W_out, doc_rows, context, target, negatives=None, code=None,
                         point=None, mean=True):
    r"""PV-DM: the document rows and the context words' rows predict the center word.

    .. math::
        \mathbf h = \frac{1}{|\mathcal T|+C}\Big(\sum_{t\in\mathcal T}\mathbf d_t
        + \sum_{c=1}^{C}\mathbf v_{w_c}\Big),\qquad
        \frac{\partial E}{\partial\mathbf d_t} = \frac{\partial E}{\partial\mathbf v_{w_c}}
        = \frac{EH}{|\mathcal T|+C}

    with the mean (``mean=True``, gensim's ``dm_mean=1``) and :math:`EH` for the sum; :math:`E`
    is the negative-sampling loss :func:`ns_loss_and_grads` or the hierarchical-softmax loss
    :func:`hs_loss_and_grads` of the center word. This is the paper's model with the average
    (Le & Mikolov 2014, section 2.2: "averaged or concatenated"); with no context words it is
    PV-DBOW's loss of one word. A row listed twice collects two shares.

    Notes
    -----
    The code's step (gensim's ``train_document_dm``, :func:`sgd_step_reference` with the document
    and context rows as inputs) adds the whole :math:`-\eta\,EH` to every input row with the mean,
    :math:`|\mathcal T|+C` times the exact gradient step, as CBOW does
    (:func:`cbow_softmax_loss_and_grads`).

    Parameters
    ----------
    D : ndarray, shape (n_docs, N)
        Document vectors :math:`\mathbf d`.
    W : ndarray, shape (V, N)
        Word input vectors :math:`\mathbf v`.
    W_out : ndarray
        ``syn1neg`` (V, N) with ``negatives``, or ``syn1`` (V - 1, N) with ``code``/``point``.
    doc_rows : sequence of int
        The document's rows :math:`\mathcal T` (its tags), not empty.
    context : sequence of int
        The window's words :math:`w_1..w_C` (may be empty).
    target : int
        The center word.
    negatives : sequence of int, optional
    code, point : sequences, optional
    mean : bool, default True

    Returns
    -------
    ParagraphLossGrads
    """
    D = _matrix(D, "D")
    W = _matrix(W, "W")
    W_out = _matrix(W_out, "W_out")
    if not D.shape[1] == W.shape[1] == W_out.shape[1]:
        raise ValueError(f"D, W and W_out must have the same width, got {D.shape}, {W.shape}, "
                         f"{W_out.shape}")
    docs = _indices(doc_rows, D.shape[0], "doc_rows")
    ctx = _indices(context, W.shape[0], "context", allow_empty=True)
    n = docs.size + ctx.size
    h = D[docs].sum(axis=0) + W[ctx].sum(axis=0)
    if mean:
        h = h / n
    loss, grad_h, grad_W_out = _output_loss_and_grads(h, W_out, target, negatives, code, point)
    share = grad_h / n if mean else grad_h
    grad_D, grad_W = np.zeros_like(D), np.zeros_like(W)
    np.add.at(grad_D, docs, share)
    np.add.at(grad_W, ctx, share)
    return ParagraphLossGrads(loss, grad_D, grad_W, grad_W_out)


def pv_dbow_loss_and_grads(D, W_out, doc_row, words, negatives=None, codes=None, points=None):
    r"""PV-DBOW: the document row alone predicts each of the document's words.

    .. math::
        E = \sum_{i=1}^{L} E_i(\mathbf d),\qquad
        \frac{\partial E}{\partial\mathbf d} = \sum_{i=1}^{L} EH_i,

    where :math:`E_i` is the negative-sampling (or hierarchical-softmax) loss of word :math:`w_i`
    with :math:`\mathbf h = \mathbf d` (Le & Mikolov 2014, section 2.3): skip-gram with the
    document in the place of the center word. Summed over the words it is also the objective that
    inference minimises over a new :math:`\mathbf d` with ``W_out`` frozen.

    Parameters
    ----------
    D : ndarray, shape (n_docs, N)
    W_out : ndarray
        ``syn1neg`` with ``negatives``, ``syn1`` with ``codes``/``points``.
    doc_row : int
    words : sequence of int
        The words :math:`w_1..w_L` to predict.
    negatives : sequence of sequences of int, optional
        The noise words of each word.
    codes, points : sequences of sequences, optional
        The Huffman path of each word.

    Returns
    -------
    ParagraphLossGrads
        ``W`` is None (PV-DBOW has no word input rows).
    """
    D = _matrix(D, "D")
    W_out = _matrix(W_out, "W_out")
    d = _index(doc_row, D.shape[0], "doc_row")
    words = _indices(words, W_out.shape[0] + (1 if codes is not None else 0), "words")
    L = words.size
    for name, value in (("negatives", negatives), ("codes", codes), ("points", points)):
        if value is not None and len(value) != L:
            raise ValueError(f"{name} must hold one entry per word ({L}), got {len(value)}")
    loss, grad_d, grad_W_out = 0.0, np.zeros(D.shape[1], D.dtype), np.zeros_like(W_out)
    for i, w in enumerate(words):
        term, grad_h, grad_out = _output_loss_and_grads(
            D[d], W_out, int(w), None if negatives is None else negatives[i],
            None if codes is None else codes[i], None if points is None else points[i])
        loss += term
        grad_d = grad_d + grad_h
        grad_W_out += grad_out
    grad_D = np.zeros_like(D)
    grad_D[d] = grad_d
    return ParagraphLossGrads(loss, grad_D, None, grad_W_out)


__all__ += ["ParagraphLossGrads", "pv_dm_loss_and_grads", "pv_dbow_loss_and_grads"]


# --------------------------------------------------------------------------- random walks
_MASK64 = (1 << 64) - 1
_GOLDEN64 = 0x9E3779B97F4A7C15


def _splitmix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


class WalkStream:
    """The random stream of one walk, in Python integers: splitmix64 from ``(seed, walk)``.

    The same numbers as :func:`embedlearn.kernels.walks.walk_state` and ``next_uniform``.
    """

    def __init__(self, seed: int, walk: int):
        self.state = _splitmix(_splitmix((seed + _GOLDEN64) & _MASK64)
                               ^ _splitmix((walk * _GOLDEN64 + _GOLDEN64) & _MASK64))

    def uniform(self) -> float:
        """The next uniform in [0, 1), 53 bits."""
        self.state = (self.state + _GOLDEN64) & _MASK64
        return (_splitmix(self.state) >> 11) * 2.0**-53


def random_walks_reference(graph, p, q, num_walks, walk_length, seed) -> list:
    """node2vec walks by rejection sampling, in plain Python lists: the kernel's algorithm.

    Written as chapter 8 derives it, for tiny graphs: walk ``w`` starts at node ``w % n``; its
    first step, and every step when ``p = q = 1``, is first order (uniform over the row, or
    Walker's alias method over the weights); a second-order step from ``cur`` after ``prev``
    proposes ``x`` from the first-order step and accepts it with probability
    ``min(alpha, B) / B``, ``B = max(1, 1/q)``, the excess of a return weight ``1/p > B`` being
    an extra box of the envelope that returns to ``prev`` without a test. See
    :mod:`embedlearn.kernels.walks`, which must give the same walks for the same seed.

    Parameters
    ----------
    graph : embedlearn.graphs.Graph
        Its alias tables (weighted graphs) are :func:`embedlearn.kernels.walks.build_alias`'s,
        which are checked against the weights separately.
    p, q : float
    num_walks, walk_length : int
    seed : int

    Returns
    -------
    list of list of int
        The walks, node ids.
    """
    from .kernels.walks import build_alias, row_sums

    indptr, indices = graph.indptr.tolist(), graph.indices.tolist()
    weighted = graph.weighted
    if weighted:
        prob, alias = (a.tolist() for a in build_alias(graph.indptr, graph.weights))
        weights = graph.weights.tolist()
        totals = row_sums(graph.indptr, graph.weights).tolist()
    inv_p, inv_q = 1.0 / p, 1.0 / q
    second_order = not (p == 1 and q == 1)
    n = graph.n_nodes

    def row(v):
        return indices[indptr[v]:indptr[v + 1]]

    def first_order(cur, u):
        start, d = indptr[cur], indptr[cur + 1] - indptr[cur]
        scaled = u * d
        k = min(int(scaled), d - 1)
        if weighted and scaled - k >= prob[start + k]:
            k = alias[start + k]
        return indices[start + k]

    def second_order_step(prev, cur, stream):
        bound, low = max(1.0, inv_q), min(1.0, inv_q)
        mass = totals[cur] if weighted else float(len(row(cur)))
        extra = 0.0
        if inv_p > bound and prev in row(cur):
            w_return = weights[indptr[cur] + row(cur).index(prev)] if weighted else 1.0
            extra = w_return * (inv_p - bound)
        body = bound * mass
        total = body + extra
        while True:
            u = stream.uniform() * total
            if u >= body:
                return prev
            x = first_order(cur, u / body)
            v = stream.uniform() * bound
            if x == prev:
                if v < min(inv_p, bound):
                    return x
            elif v < low:
                return x
            elif v < (1.0 if x in row(prev) else inv_q):
                return x

    walks = []
    for w in range(num_walks * n):
        stream = WalkStream(seed, w)
        walk = [w % n]
        while len(walk) < walk_length and row(walk[-1]):
            if second_order and len(walk) > 1:
                walk.append(second_order_step(walk[-2], walk[-1], stream))
            else:
                walk.append(first_order(walk[-1], stream.uniform()))
        walks.append(walk)
    return walks


__all__ += ["WalkStream", "random_walks_reference"]


# =========================================================================== Item2Vec
# Appended for Item2Vec (Barkan & Koenigstein 2016): the set-context objective in paper form, for
# tiny inputs and for checking :mod:`embedlearn.kernels.sets` (whose steps are sgd_step_reference).
def set_sgns_loss_and_grads(W_in, W_out, items, negatives):
    r"""Item2Vec's objective for one set, as a loss, and its exact gradients (paper form).

    For a set of :math:`K` items :math:`w_1..w_K` with input vectors :math:`\mathbf v` (rows of
    ``W_in``) and output vectors :math:`\mathbf u` (rows of ``W_out``), every ordered pair
    :math:`(i, j)`, :math:`i\ne j`, is a positive, with its own noise items
    :math:`k\in\mathcal N_{ij}`:

    .. math::
        E = -\frac1K\sum_{i=1}^{K}\sum_{j\ne i}\Big[\log\sigma(\mathbf u_{w_i}^\top\mathbf v_{w_j})
            + \sum_{k\in\mathcal N_{ij}}\log\sigma(-\mathbf u_k^\top\mathbf v_{w_j})\Big].

    Each bracket is the negative-sampling term of :func:`ns_loss_and_grads` with
    :math:`\mathbf h = \mathbf v_{w_j}` and target :math:`w_i`, so

    .. math::
        \frac{\partial E}{\partial\mathbf v_{w_j}} = \frac1K\sum_{i\ne j}\Big[
            (\sigma(\mathbf u_{w_i}^\top\mathbf v_{w_j}) - 1)\,\mathbf u_{w_i}
            + \sum_{k\in\mathcal N_{ij}}\sigma(\mathbf u_k^\top\mathbf v_{w_j})\,\mathbf u_k\Big],

    and :math:`\partial E/\partial\mathbf u` collects :math:`(\sigma - t)\,\mathbf v_{w_j}/K`
    from every term. Roles are the code's (word2vec.c, gensim skip-gram): the *context* item's
    input vector predicts the *target* item; summed over all ordered pairs of a set, the paper's
    :math:`\log p(w_j\mid w_i)` gives the same terms with the two names swapped. Over several sets
    the objective is the sum of this per-set loss. The paper's :math:`1/K` does not appear in the
    SGD code (each pair is one step of rate :math:`\eta`): it scales a set's share of the sum.

    Parameters
    ----------
    W_in, W_out : ndarray, shape (V, N)
    items : sequence of int
        The set's items, length :math:`K \ge 2` (an item listed twice is two positions).
    negatives : array_like of int, shape (K, K, M)
        ``negatives[i, j]`` are the :math:`M` noise items of the pair (target position ``i``,
        context position ``j``); the diagonal ``negatives[i, i]`` is ignored. Every noise term is
        kept, also one equal to the target (the code drops those draws).

    Returns
    -------
    loss : float
    grad_W_in : ndarray, shape (V, N)
    grad_W_out : ndarray, shape (V, N)
    """
    W_in = _matrix(W_in, "W_in")
    W_out = _matrix(W_out, "W_out")
    if W_in.shape[1] != W_out.shape[1]:
        raise ValueError(f"W_in and W_out must have the same width, got {W_in.shape} and {W_out.shape}")
    items = _indices(items, min(W_in.shape[0], W_out.shape[0]), "items")
    K = items.size
    if K < 2:
        raise ValueError(f"a set needs at least 2 items to have a pair, got {K}")
    negatives = np.asarray(negatives)
    if negatives.ndim != 3 or negatives.shape[:2] != (K, K):
        raise ValueError(f"negatives must have shape ({K}, {K}, M), got {negatives.shape}")
    loss = 0.0
    grad_W_in = np.zeros_like(W_in)
    grad_W_out = np.zeros_like(W_out)
    for i in range(K):
        for j in range(K):
            if i == j:
                continue
            l_ij, g_h, rows, g_rows = ns_loss_and_grads(W_in[items[j]], W_out, int(items[i]),
                                                        negatives[i, j].astype(np.int64))
            loss += l_ij
            grad_W_in[items[j]] += g_h
            grad_W_out[rows] += g_rows
    return loss / K, grad_W_in / K, grad_W_out / K


__all__ += ["set_sgns_loss_and_grads"]


# =========================================================================== PV-DBOW (Graph2Vec)
_LCG_MULT, _LCG_INC = 25214903917, 11


class LCG:
    """word2vec.c's generator in Python integers, drawn from exactly as the kernels draw
    (:func:`embedlearn.kernels.sgd.next_random`, ``random_uniform``, ``draw_noise``)."""

    def __init__(self, seed: int):
        self.state = int(seed) & _MASK64

    def next(self) -> int:
        """Advance the state and return it."""
        self.state = (self.state * _LCG_MULT + _LCG_INC) & _MASK64
        return self.state

    def uniform(self) -> np.float32:
        """A float32 in [0, 1) from 32 high bits."""
        return np.float32((self.next() >> 16) & 0xFFFFFFFF) * np.float32(2.0**-32)

    def noise(self, noise_cdf) -> int:
        """One noise word: ``bisect_left(noise_cdf, r)``, ``r`` scaled from 32 high bits."""
        r = (((self.next() >> 16) & 0xFFFFFFFF) * int(noise_cdf[-1])) >> 32
        return int(np.searchsorted(noise_cdf, r))


def dbow_job_reference(docs, doc_rows, W_doc, W_out, keep_prob, noise_cdf, negative, alpha_start,
                       alpha_end, seed, learn_outputs=True):
    r"""PV-DBOW without word vectors, one job in plain Python: the loop of
    :func:`embedlearn.kernels.dbow.train_dbow_job`, each step by :func:`sgd_step_reference`.

    For every token :math:`w` of document :math:`g` (kept with probability ``keep_prob[w]``),
    the document's row :math:`\mathbf d_g` predicts :math:`w` by negative sampling,

    .. math::
        E = -\log\sigma(\mathbf u_w^\top\mathbf d_g)
            - \sum_{k\in\mathcal N}\log\sigma(-\mathbf u_k^\top\mathbf d_g),

    the loss of :func:`ns_loss_and_grads` with :math:`\mathbf h = \mathbf d_g`. Noise draws equal
    to :math:`w` are dropped and the learning rate falls linearly over the job's tokens, as in
    the kernel.

    Parameters
    ----------
    docs : list of list of int
    doc_rows : sequence of int
        Row of ``W_doc`` for each document.
    W_doc, W_out : ndarray
        Not modified; the updated copies are returned.
    keep_prob, noise_cdf : ndarray
    negative : int
    alpha_start, alpha_end : float
    seed : int
    learn_outputs : bool

    Returns
    -------
    W_doc, W_out : ndarray
    loss : float
    examples : int
    """
    rng = LCG(seed)
    total = sum(len(d) for d in docs)
    done, loss, examples = 0, 0.0, 0
    for g, doc in enumerate(docs):
        for w in doc:
            alpha = np.float32(alpha_start + (alpha_end - alpha_start) * done / max(total, 1))
            done += 1
            if keep_prob[w] < 1.0 and keep_prob[w] < rng.uniform():
                continue
            negatives = [x for x in (rng.noise(noise_cdf) for _ in range(negative)) if x != w]
            step = sgd_step_reference(W_doc, [doc_rows[g]], w, alpha, W_out_ns=W_out,
                                      negatives=negatives, learn_outputs=learn_outputs)
            W_doc, W_out = step.W_in, step.W_out_ns
            loss += step.loss
            examples += 1
    return W_doc, W_out, loss, examples


__all__ += ["LCG", "dbow_job_reference"]
