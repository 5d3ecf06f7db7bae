"""Doc2Vec (Paragraph Vector, Le & Mikolov 2014): PV-DM and PV-DBOW on the shared SGD engine.

What is Doc2Vec's own is small: the tags (a table of tag keys and, per document, flat tag ids),
the document rows, and the job kernels of :mod:`embedlearn.kernels.doc2vec`, which feed a
document's row to the engine's steps (:mod:`embedlearn.kernels.sgd`) as one more input row. The
documents' words go through the base's vocabulary, encoding, job split, schedule, threads, checks
and save/load (:class:`embedlearn.training.SGDModel`). Parameter names and defaults are gensim
4's.

Layout: one input matrix ``syn0`` holds the word rows (``0..V-1``), then the document rows
(``V..V+D-1``), then a few scratch rows for inference, so that PV-DM can average a document row
with word rows in one kernel call. :attr:`Doc2Vec.wv` and :attr:`Doc2Vec.dv` are views of it.
"""
from __future__ import annotations

import hashlib
import inspect
import queue
import warnings
from array import array
from numbers import Integral
from typing import NamedTuple

import numpy as np

from .errors import ModelFileError, VocabularyError
from .keyedvectors import KeyedVectors, _growing
from .training import SGDModel, run_jobs
from .validation import (ArraySpec, check_flag, check_learning_rate, check_nonnegative,
                         check_positive)

__all__ = ["Doc2Vec", "TaggedDocument", "DocVectors"]

#: Offset of the seeds of the document rows' initial values (``SGDModel._new_rows``), so that no
#: document row starts equal to a word row (word rows use seeds ``[seed, row]``).
_DOC_SEED_OFFSET = 1 << 40


class TaggedDocument(NamedTuple):
    """A document: its ``words`` (a list of str) and its ``tags`` (a list of str or int).

    gensim's ``TaggedDocument``. Each tag gets one trained vector (``model.dv[tag]``); a document
    usually has one unique tag, and may share extra tags (e.g. a label) with other documents.
    """

    words: list
    tags: list


def _is_tag(tag) -> bool:
    return isinstance(tag, str) or (isinstance(tag, Integral) and not isinstance(tag, bool))


class DocVectors(KeyedVectors):
    """The document vectors ``model.dv``: :class:`KeyedVectors` whose keys are the tags.

    Tags may be ``str`` or ``int`` (mixed, too): ``1`` and ``"1"`` are different tags. Each tag
    has one row, in order of first appearance, so int tags never allocate rows up to the largest
    one (gensim uses an int tag as a row index and allocates all rows below it). Lookups follow
    gensim's rule: a key is looked up first, then an int that is not a tag is taken as a row
    index (``dv[0]`` is the first document's vector when the tags are strings). The queries of
    :class:`KeyedVectors` take tags the same way: ``dv.most_similar(7)`` ranks the tags nearest
    to tag ``7``, ``dv.most_similar([model.infer_vector(words)])`` those nearest to a new
    document.

    Parameters
    ----------
    index_to_key : sequence of str or int
        The tags; row ``i`` of ``vectors`` belongs to ``index_to_key[i]``.
    vectors : array_like, shape (D, N)
    """

    def __init__(self, index_to_key, vectors):
        keys = list(index_to_key)
        for i, key in enumerate(keys):
            if not _is_tag(key):
                raise TypeError(f"tags must be str or int; index_to_key[{i}] is "
                                f"{type(key).__name__} {key!r}")
            if not isinstance(key, str):
                keys[i] = int(key)
        self._set_keys(keys)
        self._vecattrs = {}
        self.vectors = vectors

    def _set_keys(self, keys):
        key_to_index = {}
        for i, key in enumerate(keys):
            j = key_to_index.setdefault(key, i)
            if j != i:
                raise ValueError(f"duplicate tag {key!r} at positions {j} and {i}")
        self._index_to_key = list(keys)
        self._key_to_index = key_to_index

    def get_index(self, key, default=None) -> int:
        """Row of ``key``: the tag's row, else (for an int that is not a tag) the row ``key``.

        Parameters
        ----------
        key : str or int
        default : int, optional
            Returned instead of raising when ``key`` has no row.

        Raises
        ------
        KeyError
            ``"tag 'x' not in the document vectors"``, also for ``bool``, ``float`` or other keys
            (so ``True`` or ``1.0`` never silently mean tag ``1``).
        """
        if _is_tag(key):
            key = int(key) if not isinstance(key, str) else key
            i = self._key_to_index.get(key)
            if i is not None:
                return i
            if isinstance(key, int) and 0 <= key < len(self._index_to_key):
                return key
        if default is not None:
            return default
        raise self._missing_tag(key)

    def _missing_tag(self, key) -> KeyError:
        return KeyError(f"tag {key!r} not in the document vectors ({len(self)} tags; tags are "
                        "the str or int values given in TaggedDocument.tags)")

    def _vector_for_missing(self, key):
        # KeyedVectors' hook for keys without a row: a tag has no composed vector, and the
        # error names tags rather than words.
        raise self._missing_tag(key)

    def _with_str_keys(self) -> KeyedVectors:
        return KeyedVectors([str(k) for k in self._index_to_key], self.vectors)

    def save_word2vec_format(self, path, binary=False, write_header=True) -> None:
        """Write the vectors in word2vec.c's format with ``str(tag)`` as the key.

        Raises ``ValueError`` if two tags have the same string (``1`` and ``"1"``).
        """
        self._with_str_keys().save_word2vec_format(path, binary, write_header)

    def save(self, path) -> None:
        """Save as :meth:`KeyedVectors.save` with ``str(tag)`` keys (loads as a KeyedVectors)."""
        self._with_str_keys().save(path)

    def __repr__(self) -> str:
        return f"DocVectors(n_tags={len(self)}, vector_size={self.vector_size})"


class _TagTable:
    """Tag keys in first-seen order and, per document read, its tag ids (flat, with offsets)."""

    def __init__(self):
        self.keys = []
        self.index = {}
        self.ids = array("i")
        self.lengths = array("q")

    def arrays(self):
        offsets = np.zeros(len(self.lengths) + 1, np.int64)
        if len(self.lengths):
            np.cumsum(np.frombuffer(self.lengths, np.int64), out=offsets[1:])
        ids = np.frombuffer(self.ids, np.int32).copy() if len(self.ids) else np.zeros(0, np.int32)
        return ids, offsets


class _DocumentReader:
    """Iterate over documents once: check each, record its tags, yield its words to the scan.

    Every problem is a clear error naming the document, raised while the corpus is read and before
    any weight changes. With ``known`` (a tag -> index dict), a tag outside it is an error too.
    """

    def __init__(self, documents, known=None):
        if documents is None:
            raise ValueError("no documents given: pass an iterable of TaggedDocument")
        if isinstance(documents, (str, bytes)) or hasattr(documents, "words"):
            raise TypeError("documents must be an iterable of TaggedDocument(words, tags), not a "
                            f"single {type(documents).__name__}")
        self.documents = documents
        self.known = known
        self.table = _TagTable()

    def __iter__(self):
        table, known = self.table, self.known
        for d, doc in enumerate(self.documents):
            words, tags = _check_document(doc, d)
            n_before = len(table.ids)
            for tag in tags:
                if known is not None and tag not in known:
                    raise VocabularyError(
                        f"document {d}: tag {tag!r} is not a tag of the model; add new tags with "
                        "build_vocab(documents, update=True) before train()")
                i = table.index.get(tag)
                if i is None:
                    i = table.index[tag] = len(table.keys)
                    table.keys.append(tag)
                table.ids.append(i)
            table.lengths.append(len(table.ids) - n_before)
            yield words


def _check_document(doc, d):
    """``(words, tags)`` of document ``d``, tags normalised to str / int, or a clear error."""
    try:
        words, tags = doc.words, doc.tags
    except AttributeError:
        raise TypeError(f"document {d} is a {type(doc).__name__}, expected a TaggedDocument(words, "
                        "tags) (an object with .words and .tags)") from None
    if isinstance(words, (str, bytes)):
        raise TypeError(f"document {d}: words is a {type(words).__name__}, expected a list of str "
                        "(split the text first, e.g. text.split())")
    if not isinstance(words, (list, tuple)):
        words = list(words)
    if not words:
        raise ValueError(f"document {d} has no words (an empty document has nothing to train on; "
                         "drop it or give it words)")
    if isinstance(tags, (str, bytes)):
        raise TypeError(f"document {d}: tags is the {type(tags).__name__} {tags!r}, expected a list "
                        f"of tags (write tags=[{tags!r}]; a plain string would make one tag per "
                        "character)")
    if _is_tag(tags):
        raise TypeError(f"document {d}: tags is the {type(tags).__name__} {tags!r}, expected a "
                        f"list of tags (write tags=[{tags!r}])")
    try:
        tags = list(tags)
    except TypeError:
        raise TypeError(f"document {d}: tags must be a list of str or int, got a "
                        f"{type(tags).__name__}") from None
    for t, tag in enumerate(tags):
        if not _is_tag(tag):
            raise TypeError(f"document {d}: the tag {tag!r} is a {type(tag).__name__}, expected "
                            "str or int")
        if not isinstance(tag, str):
            tags[t] = int(tag)  # numpy integers become plain ints (one key per value)
    if not tags:
        raise ValueError(f"document {d} has no tags: every document needs at least one tag "
                         "(e.g. its index: TaggedDocument(words, [i]))")
    return words, tags


def inference_seed(seed, words) -> int:
    """The seed of a document's inferred row and random stream: model seed + digest of the words.

    BLAKE2b of the seed and the words joined by NUL, so it is the same in every process and
    every call (gensim seeds with Python's ``hash``, which changes per process).
    """
    data = f"{int(seed)}\x00".encode() + "\x00".join(words).encode("utf8", "surrogatepass")
    digest = int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")
    return (digest & 0x7FFFFFFFFFFFFFFF) | 1  # an int64 for numba; odd, as job_seed's


#: The constructor arguments of :class:`SGDModel`, all of which Doc2Vec takes too (same names).
_BASE_ARGS = tuple(inspect.signature(SGDModel.__init__).parameters)[1:]


class Doc2Vec(SGDModel):
    """Paragraph Vector: PV-DM and PV-DBOW with negative sampling and/or hierarchical softmax.

    gensim 4's API and defaults. Departures from gensim, each where its users complain:

    * :meth:`infer_vector` is deterministic: the same words and model give the same vector in
      every call and every process (its row and random stream are seeded from the model seed and
      a BLAKE2b digest of the words, never Python's ``hash`` or a shared RNG).
    * No document is truncated: gensim silently uses only the first 10,000 words of a document in
      training and inference; here a long document is split into jobs of ``batch_words`` tokens
      that all train its row (PV-DM windows stop at the cuts).
    * Tags may be str or int, mixed, and each distinct tag takes one row: an int tag of 10**9
      does not allocate 10**9 rows.
    * ``workers=1`` and a ``seed`` reproduce training bit for bit with no environment variable
      (no ``PYTHONHASHSEED``).
    * Bad input is a clear error before work: a document without tags, tags given as one string,
      an empty document, a string passed as the words, an unknown tag in ``dv[...]`` or in
      :meth:`train`. (gensim iterates a string's characters or ignores unknown tags.)

    ``dm_concat=1`` (PV-DM with the document and window vectors concatenated) is not implemented:
    its input layer is ``(1 + 2 * window) * vector_size`` wide over a padded fixed window, which
    the one averaged-rows step (:func:`~embedlearn.kernels.sgd.averaged_rows_step`) does not
    express, and gensim's documentation calls it much larger and slower. ``corpus_file`` is not supported
    either (gensim tags its lines by number; pass documents).

    Parameters
    ----------
    documents : iterable of TaggedDocument, optional
        If given (or ``corpus_iterable``), the vocabulary is built and the model trained at once.
        Read once.
    vector_size : int, default 100
    dm_mean : {0, 1}, optional
        PV-DM: average (1, the default as in gensim) or sum (0) the document and word rows.
    dm : {0, 1}, default 1
        1 for PV-DM ("distributed memory"), 0 for PV-DBOW ("distributed bag of words").
    dbow_words : {0, 1}, default 0
        PV-DBOW: also train word vectors by skip-gram over ``window`` (interleaved, sharing the
        output weights). Without it PV-DBOW leaves the word vectors at their random start.
    dm_concat : {0}, default 0
        Only 0; see above.
    dm_tag_count : int, default 1
        Used by gensim only with ``dm_concat``; accepted and ignored.
    window, epochs, alpha, min_alpha, min_count, max_vocab_size, max_final_vocab, sample
        As :class:`~embedlearn.word2vec.Word2Vec` (gensim's names and meanings); ``epochs``
        defaults to 10 as gensim's Doc2Vec.
    seed, workers, hs, negative, ns_exponent, compute_loss, callbacks, progress, trim_rule
        As :class:`~embedlearn.word2vec.Word2Vec`.
    sorted_vocab, batch_words, shrink_windows
        As :class:`~embedlearn.word2vec.Word2Vec`.
    corpus_iterable : iterable of TaggedDocument, optional
        gensim 4's name for ``documents``.

    Attributes
    ----------
    wv : embedlearn.keyedvectors.KeyedVectors
        Word vectors (live views of ``syn0``).
    dv : DocVectors
        Document vectors by tag: ``dv["doc_7"]``, ``dv[7]``, ``dv.most_similar(tag)``.
    syn0 : numpy.ndarray
        All input rows: words, documents, scratch rows.
    syn1neg, syn1 : numpy.ndarray
        Output rows of negative sampling / inner-node rows of hierarchical softmax.
    """

    _FORMAT = "embedlearn.Doc2Vec/1"
    _PARAMS = SGDModel._PARAMS + ("dm", "dm_mean", "dbow_words")
    _NAME = "Doc2Vec"

    def __init__(self, documents=None, corpus_file=None, vector_size=100, dm_mean=None, dm=1,
                 dbow_words=0, dm_concat=0, dm_tag_count=1, window=5, epochs=10, alpha=0.025,
                 min_alpha=0.0001, min_count=5, max_vocab_size=None, max_final_vocab=None,
                 sample=1e-3, seed=1, workers=3, hs=0, negative=5, ns_exponent=0.75,
                 compute_loss=False, callbacks=(), progress=True, trim_rule=None, sorted_vocab=1,
                 batch_words=10000, shrink_windows=True, corpus_iterable=None):
        check_flag("dm", dm)
        check_flag("dbow_words", dbow_words)
        if dm_mean is not None:
            check_flag("dm_mean", dm_mean)
        check_flag("dm_concat", dm_concat)
        if dm_concat:
            raise NotImplementedError("dm_concat=1 is not implemented (use dm=1 with the mean or "
                                      "sum, or dm=0)")
        check_positive("dm_tag_count", dm_tag_count, integer=True)
        given = locals()
        super().__init__(**{name: given[name] for name in _BASE_ARGS})
        self.dm = int(dm)
        self.dm_mean = 1 if dm_mean is None else int(dm_mean)
        self.dbow_words = int(dbow_words)
        self.dv = None
        self._tags = []           # tag keys, row order of dv
        self._tag_index = {}      # tag -> its index
        self._corpus_tags = None  # (tag ids, offsets) of the documents of self._corpus
        self._scanned = None      # the tag table of the last scan, until weights are built
        self._scratch = None
        self._n_tags_in_file = None  # set by load (_read_meta) for _array_specs
        iterable, path = self._pick_corpus(documents, corpus_iterable, corpus_file)
        if iterable is not None:
            self.build_vocab(iterable)
            self.train(epochs=self.epochs)

    @property
    def dv(self):
        """The document vectors: :class:`DocVectors` whose ``vectors`` are this model's document
        rows (new tags come through ``build_vocab(documents, update=True)``)."""
        return self._dv

    @dv.setter
    def dv(self, vectors):
        if vectors is not None:
            vectors._owner = type(self).__name__
        self._dv = vectors

    # --- input --------------------------------------------------------------------------------
    @staticmethod
    def _pick_corpus(sentences, corpus_iterable, corpus_file):
        if corpus_file is not None:
            raise ValueError("Doc2Vec does not read corpus_file (it needs each document's tags): "
                             "pass documents, e.g. [TaggedDocument(line.split(), [i]) for i, "
                             "line in enumerate(open(path))]")
        return SGDModel._pick_corpus(sentences, corpus_iterable, None)

    def _scan(self, iterable, corpus_file):
        reader = _DocumentReader(iterable)
        result = super()._scan(reader, None)
        self._scanned = reader.table
        return result

    def _corpus_for(self, sentences, corpus_file):
        # train(documents): the documents' tags must be the model's; on any error keep the corpus
        # and tags encoded before (the base drops its corpus before reading a new one).
        if sentences is None and corpus_file is None:
            return super()._corpus_for(None, None)
        before = self._corpus, self._corpus_file, self._corpus_tags
        reader = _DocumentReader(sentences, known=self._tag_index)
        try:
            corpus = super()._corpus_for(reader, None)
        except BaseException:
            self._corpus, self._corpus_file, self._corpus_tags = before
            raise
        ids, offsets = reader.table.arrays()
        mapping = np.array([self._tag_index[k] for k in reader.table.keys], np.int32)
        self._corpus_tags = (mapping[ids] if len(ids) else ids, offsets)
        self._warn_untrainable(corpus)
        return corpus

    def _commit_tags(self, update):
        """Make the tags of the last scan the model's (new tags appended when updating)."""
        table, self._scanned = self._scanned, None
        if not update:
            self._tags, self._tag_index = [], {}
        for key in table.keys:
            if key not in self._tag_index:
                self._tag_index[key] = len(self._tags)
                self._tags.append(key)
        ids, offsets = table.arrays()
        mapping = np.array([self._tag_index[k] for k in table.keys], np.int32)
        self._corpus_tags = (mapping[ids] if len(ids) else ids, offsets)

    def build_vocab(self, corpus_iterable=None, corpus_file=None, update=False, trim_rule=None,
                    progress_per=None, keep_raw_vocab=False, documents=None):
        """Count the documents' words, register their tags and initialise the weights.

        Parameters
        ----------
        corpus_iterable : iterable of TaggedDocument
            Read once (``documents=`` is accepted too).
        update : bool, default False
            Add new words and new tags to a trained model: existing word and document vectors
            are kept, new ones start at random (see :meth:`SGDModel.build_vocab`).
        trim_rule, progress_per, keep_raw_vocab, corpus_file
            As :meth:`embedlearn.training.SGDModel.build_vocab` (``corpus_file`` is refused).

        Returns
        -------
        self
        """
        super().build_vocab(corpus_iterable, corpus_file, update, trim_rule, progress_per,
                            keep_raw_vocab, sentences=documents)
        self._warn_untrainable(self._corpus)
        return self

    def _warn_untrainable(self, corpus):
        empty = int(np.count_nonzero(np.diff(corpus.offsets) == 0))
        if empty:
            warnings.warn(f"{empty} document(s) have no word in the vocabulary (min_count="
                          f"{self.min_count}): their vectors stay at their random start",
                          UserWarning, stacklevel=3)

    # --- weights ------------------------------------------------------------------------------
    def _layout(self, V, D):
        """One input matrix: word rows, document rows, then one scratch row per worker.

        Returns the (uninitialised) word and document parts for the caller to fill in place, so
        the weights exist once in memory; :meth:`_attach` then points ``wv`` and ``dv`` at them.
        """
        N, scratch = self.vector_size, max(self.workers, 1)
        self.syn0 = np.empty((V + D + scratch, N), np.float32)
        self.syn0[V + D:] = 0.0
        self._scratch = queue.SimpleQueue()
        for row in range(V + D, V + D + scratch):
            self._scratch.put(row)
        return self.syn0[:V], self.syn0[V:V + D]

    def _attach(self, words, docs):
        if self.wv is None:
            self.wv = KeyedVectors(self.vocab.index_to_key, words, counts=self.vocab.counts)
        else:  # keep the user's wv object live (gensim's wv survives build_vocab(update=True))
            self.wv.vectors = words  # its keys were grown by _grow_weights (add_vectors)
        if self.dv is None:
            self.dv = DocVectors(self._tags, docs)
        else:
            self.dv._set_keys(self._tags)
            self.dv.vectors = docs

    def _new_doc_rows(self, start, stop, out=None):
        return self._new_rows(_DOC_SEED_OFFSET + start, _DOC_SEED_OFFSET + stop, out=out)

    def _init_weights(self):
        self._commit_tags(update=False)
        V, N, D = len(self.vocab), self.vector_size, len(self._tags)
        self.wv = self.dv = None
        words, docs = self._layout(V, D)
        self._new_rows(0, V, out=words)
        self._new_doc_rows(0, D, out=docs)
        self._attach(words, docs)
        self.syn1neg = np.zeros((V if self.negative else 0, N), np.float32)
        self.syn1 = np.zeros((max(V - 1, 0) if self.hs else 0, N), np.float32)

    def _grow_weights(self, old):
        old_docs = len(self._tags)
        self._commit_tags(update=True)
        V, N, D = len(self.vocab), self.vector_size, len(self._tags)
        with _growing(self.wv):
            self.wv.add_vectors(self.vocab.index_to_key[old:], self._new_rows(old, V),
                                extras={"count": self.vocab.counts[old:]})
        self.wv.counts = self.vocab.counts  # old words' counts grew too
        old_words, old_doc_rows = self.wv.vectors, self.dv.vectors
        words, docs = self._layout(V, D)
        words[:] = old_words
        docs[:old_docs] = old_doc_rows
        self._new_doc_rows(old_docs, D, out=docs[old_docs:])
        self._attach(words, docs)
        if self.negative:
            self.syn1neg = np.vstack([self.syn1neg, np.zeros((V - old, N), np.float32)])
        if self.hs:
            self.syn1 = np.vstack([self.syn1, np.zeros((V - 1 - len(self.syn1), N), np.float32)])

    def _weights(self):
        return {"syn0": self.wv.vectors, "doc_vectors": self.dv.vectors, "syn1neg": self.syn1neg,
                "syn1": self.syn1}

    def _extra_arrays(self):
        kinds = np.array([isinstance(t, str) for t in self._tags], np.uint8)
        ints = np.array([0 if isinstance(t, str) else t for t in self._tags], np.int64)
        encoded = [t.encode("utf8") if isinstance(t, str) else b"" for t in self._tags]
        offsets = np.zeros(len(encoded) + 1, np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        return {"tag_is_str": kinds, "tag_ints": ints,
                "tag_utf8": np.frombuffer(b"".join(encoded), np.uint8), "tag_offsets": offsets}

    def _meta(self):
        meta = super()._meta()
        meta["n_tags"] = len(self._tags)
        return meta

    def _read_meta(self, path, meta):
        n_tags = meta.get("n_tags")
        if not isinstance(n_tags, int) or isinstance(n_tags, bool) or n_tags < 0:
            raise ModelFileError(f"{path}: bad model file: n_tags is {n_tags!r}, expected the "
                                 "number of tags (an int >= 0)")
        self._n_tags_in_file = n_tags

    def _array_specs(self, V):
        # Exact shapes: the vocabulary gives V, the file's meta the tag count D (_read_meta).
        N, D = self.vector_size, self._n_tags_in_file
        return {"syn0": ArraySpec(np.float32, (V, N)),
                "doc_vectors": ArraySpec(np.float32, (D, N)),
                "syn1neg": ArraySpec(np.float32, (V if self.negative else 0, N)),
                "syn1": ArraySpec(np.float32, (max(V - 1, 0) if self.hs else 0, N)),
                "tag_is_str": ArraySpec(np.uint8, (D,), low=0, high=2),
                "tag_ints": ArraySpec(np.int64, (D,)),
                "tag_utf8": ArraySpec(np.uint8, (None,)),
                "tag_offsets": ArraySpec(np.int64, (D + 1,), low=0)}

    def _restore(self, arrays):
        self._tags = _decode_tags(arrays)  # shapes were checked by _array_specs
        self._tag_index = {t: i for i, t in enumerate(self._tags)}
        if len(self._tag_index) != len(self._tags):
            raise ModelFileError("inconsistent model file: a tag is repeated")
        words, docs = self._layout(len(arrays["syn0"]), len(arrays["doc_vectors"]))
        words[:], docs[:] = arrays["syn0"], arrays["doc_vectors"]
        self._attach(words, docs)
        self.syn1neg = np.ascontiguousarray(arrays["syn1neg"])
        self.syn1 = np.ascontiguousarray(arrays["syn1"])

    @classmethod
    def load(cls, path):
        """Load a model written by :meth:`save` (every array checked first).

        Raises
        ------
        embedlearn.errors.ModelFileError
            If the file is corrupt, truncated, of another format or its arrays disagree.
        """
        try:
            return super().load(path)
        except ModelFileError as err:
            if str(path) in str(err):
                raise
            raise ModelFileError(f"{path}: {err}") from err

    def _refresh_wv(self):
        super()._refresh_wv()
        if self.dv is not None:
            self.dv.vectors = self.dv.vectors

    # --- one job ------------------------------------------------------------------------------
    def _train_job(self, piece, first_sentence, alpha_start, alpha_end, seed, compute_loss):
        from .kernels.doc2vec import train_document_job

        doc_tags, tag_offsets = self._corpus_tags
        return train_document_job(
            piece.tokens, piece.offsets, first_sentence, doc_tags, tag_offsets, len(self.vocab),
            self.syn0, self.syn1neg, self.syn1, self._keep_prob, self._noise_cdf, self._codes,
            self._points, self._code_offsets, bool(self.dm), bool(self.dm_mean), self.window,
            self.shrink_windows, self.negative, bool(self.hs), bool(self.dbow_words), alpha_start,
            alpha_end, seed, compute_loss)

    # --- inference ----------------------------------------------------------------------------
    def infer_vector(self, doc_words, alpha=None, min_alpha=None, epochs=None, seed=None):
        """Infer the vector of a new document: SGD on a new row, every other weight frozen.

        Deterministic: the new row starts from, and its random stream is seeded by, the model's
        seed and a digest of ``doc_words`` (:func:`inference_seed`), so the same words give the
        same vector in every call and every process, whatever else was inferred before. Words
        outside the vocabulary are skipped (as gensim); no document is truncated.

        Parameters
        ----------
        doc_words : list of str
        alpha, min_alpha : float, optional
            Learning rate of the first and of the last epoch (constant within an epoch, linear in
            between, as gensim); default the model's ``alpha`` and ``min_alpha``.
        epochs : int, optional
            Default the model's ``epochs``.
        seed : int, optional
            Use this seed instead of the model's (not in gensim): to see how much an inferred
            vector depends on its random start and negatives.

        Returns
        -------
        numpy.ndarray of float32, shape (vector_size,)

        Raises
        ------
        TypeError
            If ``doc_words`` is a string (gensim's users pass one by mistake) or holds a non-str.
        ValueError
            If ``doc_words`` is empty or a parameter is bad.
        """
        if isinstance(doc_words, (str, bytes)):
            raise TypeError("infer_vector(doc_words) takes a list of words, not a "
                            f"{type(doc_words).__name__} (split it first, e.g. text.split())")
        if isinstance(doc_words, TaggedDocument):
            raise TypeError("infer_vector takes the words of a document: pass doc.words")
        return self.infer_vectors([doc_words], alpha=alpha, min_alpha=min_alpha, epochs=epochs,
                                  seed=seed)[0]

    def infer_vectors(self, documents, alpha=None, min_alpha=None, epochs=None, seed=None):
        """:meth:`infer_vector` for many documents at once, on ``workers`` threads.

        Row ``i`` of the result equals ``infer_vector(documents[i], ...)`` bit for bit (each
        document has its own seed), whatever the number of workers.

        Parameters
        ----------
        documents : sequence of list of str
        alpha, min_alpha, epochs, seed : optional
            As :meth:`infer_vector`.

        Returns
        -------
        numpy.ndarray of float32, shape (len(documents), vector_size)
        """
        from .kernels.doc2vec import infer_sequences_job

        if self.vocab is None or self.dv is None:
            raise VocabularyError("the model has no vocabulary: build_vocab() and train() first")
        if isinstance(documents, (str, bytes)):
            raise TypeError("infer_vectors takes a list of documents (lists of words)")
        epochs = self.epochs if epochs is None else epochs
        check_positive("epochs", epochs, integer=True)
        alpha = self.alpha if alpha is None else check_learning_rate("alpha", alpha)
        min_alpha = self.min_alpha if min_alpha is None else \
            check_learning_rate("min_alpha", min_alpha, allow_zero=True)
        if seed is not None:
            check_nonnegative("seed", seed, integer=True)
        tokens, offsets, seeds = self._encode_for_inference(documents,
                                                            self.seed if seed is None else seed)
        out = np.empty((len(offsets) - 1, self.vector_size), np.float32)
        unknown = int(np.count_nonzero(np.diff(offsets) == 0))
        if unknown:
            warnings.warn(f"{unknown} document(s) have no word in the vocabulary: their inferred "
                          "vectors are their random start", UserWarning, stacklevel=2)
        bounds = np.searchsorted(offsets, np.arange(0, offsets[-1], self.batch_words), "right") - 1
        starts = sorted(set(bounds.tolist()) | {0})
        jobs = list(zip(starts, starts[1:] + [len(out)]))

        def run(job):
            row = self._scratch.get()  # a free scratch row: concurrent calls never share one
            try:
                infer_sequences_job(
                    tokens, offsets, job[0], job[1], seeds, row, out, self.syn0, self.syn1neg,
                    self.syn1, self._keep_prob, self._noise_cdf, self._codes, self._points,
                    self._code_offsets, bool(self.dm), bool(self.dm_mean), self.window,
                    self.shrink_windows, self.negative, bool(self.hs), int(epochs), alpha,
                    min_alpha)
            finally:
                self._scratch.put(row)

        run_jobs(run, jobs, self.workers)
        return out

    def _encode_for_inference(self, documents, seed):
        from . import corpus

        get = self.vocab.key_to_index.get
        ids, lengths, seeds, buffer = array("i"), [], [], corpus._IdBuffer()
        for d, words in enumerate(documents):
            if isinstance(words, (str, bytes)):
                raise TypeError(f"document {d} is a {type(words).__name__}, expected a list of "
                                "words (split it first)")
            words = list(words)
            if not words:
                raise ValueError(f"document {d} has no words: there is nothing to infer from")
            if not all(isinstance(w, str) for w in words):
                bad = next(w for w in words if not isinstance(w, str))
                raise TypeError(f"document {d}: words must be str, got the "
                                f"{type(bad).__name__} {bad!r}")
            n = len(ids)
            ids.extend(i for i in map(get, words) if i is not None)
            lengths.append(len(ids) - n)
            seeds.append(inference_seed(seed, words))
            if len(ids) >= corpus._STAGE:  # staged ids move on in blocks (no heap-grown array)
                buffer.append(ids)
                del ids[:]
        buffer.append(ids)
        offsets = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return buffer.take(), offsets, np.array(seeds, np.int64)

    def __repr__(self):
        arch = "PV-DM" if self.dm else ("PV-DBOW+w" if self.dbow_words else "PV-DBOW")
        loss = "+".join(n for n, on in (("HS", self.hs), ("NS", self.negative)) if on)
        words = len(self.vocab) if self.vocab is not None else 0
        return (f"Doc2Vec({arch}, {loss}, vocab={words}, tags={len(self._tags)}, "
                f"vector_size={self.vector_size})")


def _decode_tags(arrays):
    """The tag list stored by :meth:`Doc2Vec._extra_arrays`, or a ModelFileError."""
    kinds, ints, raw, offsets = (arrays[k] for k in ("tag_is_str", "tag_ints", "tag_utf8",
                                                      "tag_offsets"))
    D = len(kinds)
    if offsets[0] != 0 or offsets[-1] != len(raw) or np.any(np.diff(offsets) < 0):
        raise ModelFileError("inconsistent model file: the tag arrays disagree")
    if np.any(np.diff(offsets)[kinds == 0] != 0):
        raise ModelFileError("inconsistent model file: an int tag has a string")
    blob = raw.tobytes()
    try:
        return [blob[offsets[i]:offsets[i + 1]].decode("utf8") if kinds[i] else int(ints[i])
                for i in range(D)]
    except UnicodeDecodeError as err:
        raise ModelFileError(f"corrupt model file: a tag is not UTF-8 ({err})") from err
