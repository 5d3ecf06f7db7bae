"""PV-DBOW without word training: each document's own row predicts every token of the document.

The distributed bag of words of Le & Mikolov (2014) as gensim's ``Doc2Vec(dm=0)`` trains it when
``dbow_words=0`` (``train_document_dbow`` with ``train_words=False``): for each token of a
document, the document vector is the hidden layer (one row, read in place) and the token is the
target of a negative-sampling step. Graph2Vec (Narayanan et al. 2017) is this model with a graph
as the document and its Weisfeiler-Lehman labels as the tokens.

The kernel knows rows and tokens only. ``learn_outputs=False`` freezes the output vectors, which
is inference: a new document's row is fitted against the trained outputs (gensim's
``infer_vector``).

Random numbers come from the job's own word2vec.c LCG (:func:`embedlearn.kernels.sgd.next_random`):
results depend on the seed only, never on thread scheduling.
"""
import numpy as np
from numba import njit

from .sgd import (_FAST, NOISE_BUCKET_BITS, _wide_vectors, draw_negatives, noise_buckets,
                  ns_label_codes, random_uniform, single_row_step)


# fastmath as every job kernel: without it LLVM may not reorder the sums of the inlined step,
# and its dot products stay scalar (3 times slower than gensim at 1024 dimensions).
@njit(cache=True, nogil=True, fastmath=_FAST, error_model="numpy")
def train_dbow_job(tokens, offsets, doc_start, doc_end, doc_rows, W_doc, W_out, keep_prob,
                   noise_cdf, negative, alpha_start, alpha_end, seed, learn_outputs,
                   compute_loss):
    """Train PV-DBOW (no word vectors) on documents ``doc_start:doc_end``.

    Per document ``s``, per token ``w`` in order: keep ``w`` with probability ``keep_prob[w]``
    (one uniform draw when it is below 1, as the window kernel); draw ``negative`` noise tokens
    (draws equal to ``w`` are dropped, as gensim); take one negative-sampling step in which row
    ``W_doc[doc_rows[s]]`` predicts ``w`` on ``W_out``. The document row is updated after each
    step (gensim's order), the outputs as they are scored.

    The learning rate falls linearly from ``alpha_start`` to ``alpha_end`` over the job's raw
    tokens (the caller gives each job its slice of the global schedule).

    Parameters
    ----------
    tokens, offsets : int32 array, int64 array (S + 1,)
        The documents: document ``s`` is ``tokens[offsets[s]:offsets[s + 1]]``, token ids
        ``0 <= w < W_out.shape[0]``.
    doc_start, doc_end : int
        Documents of this job.
    doc_rows : int64 array (S,)
        Row of ``W_doc`` that represents each document.
    W_doc, W_out : float32 arrays (D, N), (V, N)
        Document vectors and negative-sampling output vectors (``syn1neg``), updated in place
        (hogwild across jobs).
    keep_prob : float32 array (V,)
        Subsampling keep probabilities (all 1 to disable).
    noise_cdf : int64 array (V,)
        Cumulative noise table (:meth:`embedlearn.vocab.Vocabulary.noise_cdf`).
    negative : int
        Noise tokens per positive, ``>= 1``.
    alpha_start, alpha_end : float
        Learning rate at the job's first and last token.
    seed : int
        Seed of this job's random stream.
    learn_outputs : bool
        Update ``W_out`` (training) or keep it fixed (inference).
    compute_loss : bool
        Sum the loss of the applied terms.

    Returns
    -------
    loss : float
        Summed ``-log sigma`` of the applied terms (0 unless ``compute_loss``).
    examples : int
        Steps taken (tokens kept after subsampling).
    """
    _wide_vectors()
    N = W_doc.shape[1]
    rng = np.empty(1, np.uint64)
    rng[0] = np.uint64(seed)
    ns_rows = np.empty(negative + 1, np.int32)
    ns_codes = ns_label_codes(negative)
    buckets = noise_buckets(noise_cdf, NOISE_BUCKET_BITS)
    shift = 32 - NOISE_BUCKET_BITS
    grad_h = np.empty(N, np.float32)
    # The step's hierarchical-softmax arguments, unused (an empty code range disables HS).
    W_hs = np.zeros((1, N), np.float32)
    codes = np.zeros(1, np.uint8)
    points = np.zeros(1, np.int32)
    total = offsets[doc_end] - offsets[doc_start]
    done = 0
    loss = 0.0
    examples = 0
    for s in range(doc_start, doc_end):
        row = doc_rows[s]
        for t in range(offsets[s], offsets[s + 1]):
            alpha = np.float32(alpha_start + (alpha_end - alpha_start) * done / max(total, 1))
            done += 1
            w = tokens[t]
            p = keep_prob[w]
            if p < 1.0 and p < random_uniform(rng):
                continue
            ns_rows[0] = w
            n_neg = draw_negatives(noise_cdf, buckets, shift, w, negative, rng, ns_rows, 1)
            loss += single_row_step(W_doc, row, W_out, ns_rows, 0, n_neg, ns_codes, W_hs, codes,
                                    points, 0, 0, alpha, grad_h, True, learn_outputs,
                                    compute_loss)
            examples += 1
    return loss, examples
