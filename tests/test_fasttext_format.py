"""fastText .bin/.vec files: read what fastText writes, write what fastText reads, refuse the rest."""
import struct
import tracemalloc

import numpy as np
import pytest

from embedlearn.datasets import load_text8
from embedlearn.errors import ModelFileError, TruncatedFileError
from embedlearn.fasttext_format import (
    FASTTEXT_MAGIC,
    FastTextBin,
    read_fasttext_bin,
    write_fasttext_bin,
    write_fasttext_vec,
)
from embedlearn.keyedvectors import KeyedVectors
from embedlearn.kernels.subwords import EOS, subword_rows

fasttext = pytest.importorskip("fasttext")

# Lines added to the text8 prefix so that the vocabulary holds non-ASCII words (each line 6 times,
# above minCount 5).
NON_ASCII = ["the café on the straße near the ß sign", "привет мир привет москва",
             "東京 日本語 の 日本", "naïve façade résumé déjà vu", "😀 👩\u200d💻 🇫🇷 emoji"]
OOV = ["anarchisms", "unbelievablyness", "zzzzqx", "ж", "cafés", "straßenbahn", "приветствую",
       "東京都", "😀😀", "ñandú", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "a b", ""]

# Offsets fixed by the layout: magic + version (8), args (12 int32 + 1 float64 = 56).
ARGS_AT, DICT_AT, ENTRIES_AT = 8, 64, 92


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("ft") / "text8_50k.txt"
    sentences = load_text8(50_000)
    lines = [" ".join(s) for s in sentences] + NON_ASCII * 6
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    """Two real fastText models (skip-gram/NS with the default n-grams; CBOW/HS, shorter ones)."""
    out = {}
    for name, kwargs in {
        "skipgram": dict(model="skipgram", loss="ns", minn=3, maxn=6, bucket=50_000, dim=16),
        "cbow": dict(model="cbow", loss="hs", minn=2, maxn=4, bucket=20_011, dim=8, ws=3),
    }.items():
        model = fasttext.train_unsupervised(str(corpus), epoch=1, thread=1, verbose=0, minCount=5,
                                            **kwargs)
        path = tmp_path_factory.mktemp(name) / f"{name}.bin"
        model.save_model(str(path))
        out[name] = (model, path)
    return out


def _entries_end(data):
    return ENTRIES_AT + sum(len(w.encode()) + 1 + 9 for w in data.words)


def _patched(src, dst, offset, fmt, value):
    raw = bytearray(src.read_bytes())
    struct.pack_into(fmt, raw, offset, value)
    dst.write_bytes(bytes(raw))
    return dst


# ------------------------------------------------------------------ reading fastText's files
@pytest.mark.parametrize("name", ["skipgram", "cbow"])
def test_read_equals_fasttext(trained, name):
    model, path = trained[name]
    data = read_fasttext_bin(path)
    words, freqs = model.get_words(include_freq=True)
    assert data.words == words and data.counts.tolist() == freqs.tolist()
    assert any(w in data.words for w in ["café", "привет", "日本語", "😀"]) and EOS in data.words
    np.testing.assert_array_equal(data.input_matrix, model.get_input_matrix())
    np.testing.assert_array_equal(data.output_matrix, model.get_output_matrix())
    a = model.f.getArgs()
    assert (data.dim, data.ws, data.epoch, data.min_count, data.neg, data.word_ngrams,
            data.bucket, data.minn, data.maxn, data.lr_update_rate, data.t) == (
        a.dim, a.ws, a.epoch, a.minCount, a.neg, a.wordNgrams, a.bucket, a.minn, a.maxn,
        a.lrUpdateRate, a.t)
    assert data.model == name and data.loss == {"skipgram": "ns", "cbow": "hs"}[name]
    assert data.version == 12 and data.ntokens >= 50_000
    assert data.input_matrix.dtype == np.float32 and data.input_matrix.flags.c_contiguous


@pytest.mark.parametrize("name", ["skipgram", "cbow"])
def test_mean_of_subword_rows_is_fasttext_word_vector(trained, name):
    """The rows our builder gives, averaged, = fastText's get_word_vector, in and out of vocabulary."""
    model, path = trained[name]
    data = read_fasttext_bin(path)
    expected = np.array([model.get_word_vector(w) for w in data.words])
    scale = np.abs(expected).max()
    np.testing.assert_allclose(data.word_vectors(), expected, rtol=1e-6, atol=1e-7 * scale)
    # The same from the rows directly, for the words with the most n-grams too.
    rows, offsets = subword_rows(data.words, data.minn, data.maxn, data.bucket)
    longest = np.argsort(np.diff(offsets))[-20:]
    for i in longest:
        mean = data.input_matrix[rows[offsets[i]:offsets[i + 1]]].mean(axis=0, dtype=np.float64)
        np.testing.assert_allclose(mean, expected[i], rtol=1e-5, atol=1e-6 * scale)
    for word in OOV:
        assert word not in data.words
        got, want = data.word_vector(word), model.get_word_vector(word)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7 * scale, err_msg=word)
        if word:
            assert np.any(want != 0), word  # a real comparison, not of two zero vectors


def test_load_output_false(trained):
    _, path = trained["skipgram"]
    data = read_fasttext_bin(path, load_output=False)
    assert data.output_matrix is None
    np.testing.assert_array_equal(data.input_matrix, read_fasttext_bin(path).input_matrix)
    with pytest.raises(ValueError, match="needs both matrices"):
        write_fasttext_bin(path.with_suffix(".copy.bin"), data)


# ------------------------------------------------------------------ writing for fastText
@pytest.mark.parametrize("name", ["skipgram", "cbow"])
def test_rewrite_is_byte_identical(trained, name, tmp_path):
    _, path = trained[name]
    out = tmp_path / "rewritten.bin"
    write_fasttext_bin(out, read_fasttext_bin(path))
    assert out.read_bytes() == path.read_bytes()


def test_written_model_loads_in_fasttext(tmp_path):
    """A model made here (not read from fastText) loads in fastText with the same vectors."""
    rng = np.random.default_rng(3)
    words = ["the", "straße", "привет", "日本語", "😀", EOS, "of", "naïve"]
    bucket, dim = 997, 5
    data = FastTextBin(words=words, counts=np.arange(len(words), 0, -1) * 10,
                       input_matrix=rng.normal(size=(len(words) + bucket, dim)).astype(np.float32),
                       output_matrix=rng.normal(size=(len(words), dim)).astype(np.float32),
                       model="cbow", loss="hs", bucket=bucket, minn=2, maxn=4, ws=7, epoch=3,
                       min_count=2, neg=9, t=1e-3, ntokens=1234)
    path = tmp_path / "made.bin"
    write_fasttext_bin(path, data)
    model = fasttext.load_model(str(path))
    assert model.words == words
    np.testing.assert_array_equal(model.get_input_matrix(), data.input_matrix)
    np.testing.assert_array_equal(model.get_output_matrix(), data.output_matrix)
    a = model.f.getArgs()
    assert (a.dim, a.ws, a.epoch, a.minCount, a.neg, a.bucket, a.minn, a.maxn, a.t) == (
        dim, 7, 3, 2, 9, bucket, 2, 4, 1e-3)
    for word in words + OOV:
        np.testing.assert_allclose(data.word_vector(word), model.get_word_vector(word),
                                   rtol=1e-6, atol=1e-7, err_msg=word)
    back = read_fasttext_bin(path)
    assert back.words == words and back.ntokens == 1234 and back.model == "cbow"
    np.testing.assert_array_equal(back.input_matrix, data.input_matrix)


def test_written_model_loads_in_gensim(trained, tmp_path):
    ft_gensim = pytest.importorskip("gensim.models.fasttext")
    model, path = trained["skipgram"]
    out = tmp_path / "copy.bin"
    write_fasttext_bin(out, read_fasttext_bin(path))
    wv = ft_gensim.load_facebook_vectors(str(out))
    for word in ["the", "café", "привет"] + OOV[:-2]:
        np.testing.assert_allclose(wv[word], model.get_word_vector(word), rtol=1e-5, atol=1e-6)


def test_vec_holds_fasttext_word_vectors(trained, tmp_path):
    model, path = trained["skipgram"]
    data = read_fasttext_bin(path)
    out = tmp_path / "vectors.vec"
    write_fasttext_vec(out, data)
    kv = KeyedVectors.load_word2vec_format(out)
    assert kv.index_to_key == data.words
    expected = np.array([model.get_word_vector(w) for w in data.words])
    np.testing.assert_allclose(kv.vectors, expected, rtol=1e-6, atol=1e-7 * np.abs(expected).max())
    assert out.read_text(encoding="utf-8").splitlines()[0] == f"{len(data.words)} {data.dim}"


@pytest.mark.parametrize("change, error, match", [
    (dict(words=["a", "a b"]), ValueError, "cannot be a fastText word"),
    (dict(words=["a", "a"]), ValueError, "duplicate word"),
    (dict(words=["a", ""]), ValueError, "cannot be a fastText word"),
    (dict(words=["a", "b\0"]), ValueError, "cannot be a fastText word"),
    (dict(words=["a", 3]), TypeError, "words must be str"),
    (dict(counts=np.array([1, -1])), ValueError, "counts must be >= 0"),
    (dict(counts=np.array([1.0, 2.0])), ValueError, "counts must be 2 integers"),
    (dict(bucket=4), ValueError, "input_matrix has shape"),
    (dict(output_matrix=np.zeros((3, 2), np.float32)), ValueError, "output_matrix has shape"),
    (dict(input_matrix=np.full((5, 2), np.nan, np.float32)), ValueError, "NaN"),
    (dict(model="supervised"), ValueError, "model must be one of"),
    (dict(loss="bce"), ValueError, "loss must be one of"),
    (dict(minn=-1), ValueError, "minn must be in"),
    (dict(t=float("inf")), ValueError, "t must be a finite"),
])
def test_writer_refuses_bad_data_before_writing(tmp_path, change, error, match):
    fields = dict(words=["a", "b"], counts=np.array([3, 1]), input_matrix=np.zeros((5, 2), np.float32),
                  output_matrix=np.zeros((2, 2), np.float32), bucket=3)
    fields.update(change)
    path = tmp_path / "bad.bin"
    with pytest.raises(error, match=match):
        write_fasttext_bin(path, FastTextBin(**fields))
    assert not path.exists() and not list(tmp_path.iterdir())


# ------------------------------------------------------------------ files that are refused
@pytest.fixture(scope="module")
def supervised_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sup")
    text = folder / "labelled.txt"
    rng = np.random.default_rng(0)
    # fastText quantises only matrices of at least 256 rows: 300 words.
    words = [f"w{i}" for i in range(300)]
    lines = [f"__label__{'pos' if i % 2 else 'neg'} " + " ".join(rng.choice(words, 8))
             for i in range(1000)]
    text.write_text("\n".join(lines) + "\n")
    model = fasttext.train_supervised(str(text), epoch=1, thread=1, verbose=0, dim=4, minCount=1)
    model.save_model(str(folder / "classifier.bin"))
    model.quantize(input=str(text), retrain=False, cutoff=0, dsub=2, verbose=0)
    model.save_model(str(folder / "classifier.ftz"))
    assert fasttext.load_model(str(folder / "classifier.ftz")).is_quantized()
    return folder / "classifier.bin", folder / "classifier.ftz"


def test_supervised_and_quantised_fasttext_files_are_refused(supervised_files):
    for path in supervised_files:
        with pytest.raises(ModelFileError, match=r"supervised fastText model") as info:
            read_fasttext_bin(path)
        assert str(path) in str(info.value) and "byte 36" in str(info.value)  # args' model field


def test_quant_flag_is_refused(trained, tmp_path):
    _, path = trained["cbow"]
    data = read_fasttext_bin(path)
    at = _entries_end(data)
    bad = _patched(path, tmp_path / "quant.bin", at, "<B", 1)
    with pytest.raises(ModelFileError, match=rf"byte {at}: a quantised fastText model"):
        read_fasttext_bin(bad)


def test_labels_in_dictionary_are_refused(trained, tmp_path):
    _, path = trained["cbow"]
    bad = _patched(path, tmp_path / "labels.bin", DICT_AT + 8, "<i", 2)
    with pytest.raises(ModelFileError, match="2 labels: a supervised"):
        read_fasttext_bin(bad)


@pytest.mark.parametrize("content, match", [
    (b"2 3\nthe 0.1 0.2 0.3\nof 0.4 0.5 0.6\n", "not a fastText .bin model: magic number"),
    (struct.pack("<2i", 100, 5) + bytes(200), "not a fastText .bin model"),
    (struct.pack("<2i", FASTTEXT_MAGIC, 13) + bytes(200), "format version 13"),
])
def test_wrong_magic_or_version(tmp_path, content, match):
    path = tmp_path / "other.bin"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=match) as info:
        read_fasttext_bin(path)
    assert str(path) in str(info.value)


def test_truncated_files(trained, tmp_path):
    _, path = trained["cbow"]
    raw = path.read_bytes()
    data = read_fasttext_bin(path)
    ends = _entries_end(data)
    cuts = [0, 3, 8, 40, DICT_AT + 10, ENTRIES_AT + 2, ENTRIES_AT + 20, ends, ends + 5,
            ends + 17 + 4 * 1000, len(raw) - data.nwords * data.dim * 4 - 3, len(raw) - 1]
    for cut in cuts:
        bad = tmp_path / f"cut{cut}.bin"
        bad.write_bytes(raw[:cut])
        with pytest.raises(TruncatedFileError, match=r"truncated at byte \d+") as info:
            read_fasttext_bin(bad)
        assert isinstance(info.value, EOFError) and str(bad) in str(info.value)


@pytest.mark.parametrize("what", ["dict_size", "bucket_and_rows", "rows_only", "word_without_nul"])
def test_lying_header_gives_an_error_without_allocating(trained, tmp_path, what):
    _, path = trained["cbow"]
    data = read_fasttext_bin(path, load_output=False)
    raw = bytearray(path.read_bytes())
    shape_at = _entries_end(data) + 1
    if what == "dict_size":  # as many words as int32 ids allow
        size = 2**31 - 1 - data.bucket
        struct.pack_into("<2i", raw, DICT_AT, size, size)
        error, match = TruncatedFileError, f"a dictionary of {size:,} entries needs"
    elif what == "bucket_and_rows":  # a consistent header declaring a 2**30-row matrix
        struct.pack_into("<i", raw, ARGS_AT + 32, 2**30)
        struct.pack_into("<q", raw, shape_at, data.nwords + 2**30)
        error, match = TruncatedFileError, "input matrix needs"
    elif what == "rows_only":
        struct.pack_into("<q", raw, shape_at, 10**12)
        error, match = ModelFileError, rf"byte {shape_at}: input matrix of shape \(1000000000000"
    else:  # no NUL anywhere after the first entry: the word would run to the end of the file
        raw = raw[:ENTRIES_AT] + raw[ENTRIES_AT:].replace(b"\0", b"\1")
        error, match = TruncatedFileError, "entry 0 has no terminating NUL"
    bad = tmp_path / "lying.bin"
    bad.write_bytes(bytes(raw))
    tracemalloc.start()
    try:
        with pytest.raises(error, match=match):
            read_fasttext_bin(bad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20  # far below what the header declares


@pytest.mark.parametrize("corruption, match", [
    ("trailing", "unexpected bytes after the output matrix"),
    ("type", "is a label"),
    ("count", "negative count"),
    ("duplicate", "repeats the word"),
    ("utf8", "not valid UTF-8"),
    ("qout", "qout flag must be a bool"),
    ("model", "unknown model code 7"),
    ("pruned", "the dictionary is pruned"),
    ("output_rows", "output matrix of shape"),
])
def test_corrupt_content(trained, tmp_path, corruption, match):
    _, path = trained["cbow"]
    data = read_fasttext_bin(path, load_output=False)
    raw = bytearray(path.read_bytes())
    first_word = data.words[0].encode()
    tail_at = ENTRIES_AT + len(first_word) + 1  # count and type of entry 0
    out_shape_at = _entries_end(data) + 1 + 16 + data.input_matrix.size * 4 + 1
    if corruption == "trailing":
        raw += b"\0\0\0\0"
    elif corruption == "type":
        struct.pack_into("<b", raw, tail_at + 8, 1)
    elif corruption == "count":
        struct.pack_into("<q", raw, tail_at, -5)
    elif corruption == "duplicate":  # overwrite a later word with an earlier one of equal length
        lengths = [len(w.encode()) for w in data.words]
        starts = ENTRIES_AT + np.concatenate(([0], np.cumsum(np.array(lengths) + 10)))
        i, j = next((i, j) for j in range(len(lengths)) for i in range(j)
                    if lengths[i] == lengths[j])
        raw[starts[j]:starts[j] + lengths[j]] = data.words[i].encode()
    elif corruption == "utf8":
        raw[ENTRIES_AT] = 0xFF
    elif corruption == "qout":
        raw[out_shape_at - 1] = 2
    elif corruption == "model":
        struct.pack_into("<i", raw, ARGS_AT + 28, 7)
    elif corruption == "pruned":
        struct.pack_into("<q", raw, DICT_AT + 20, 0)
    elif corruption == "output_rows":
        struct.pack_into("<q", raw, out_shape_at, data.nwords + 1)
    bad = tmp_path / "corrupt.bin"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match=match) as info:
        read_fasttext_bin(bad)
    assert str(bad) in str(info.value) and "byte" in str(info.value)


def test_invalid_utf8_can_be_replaced(trained, tmp_path):
    _, path = trained["cbow"]
    raw = bytearray(path.read_bytes())
    raw[ENTRIES_AT] = 0xFF
    bad = tmp_path / "latin.bin"
    bad.write_bytes(bytes(raw))
    data = read_fasttext_bin(bad, unicode_errors="replace")
    assert data.words[0].startswith("\ufffd")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.bin"
    path.write_bytes(b"")
    with pytest.raises(TruncatedFileError, match="byte 0: the file is empty"):
        read_fasttext_bin(path)
