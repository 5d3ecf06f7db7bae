"""Tests of file handling: strict word2vec readers, compressed files, checked .npz archives, atomic
saves (symbolic links, permissions, killed saves) and fuzzing with truncated and corrupted files."""
import bz2
import errno
import gzip
import io
import json
import os
import signal
import struct
import subprocess
import sys
import textwrap
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from embedlearn._io import atomic_savez, atomic_write, load_npz, read_npz
from embedlearn.errors import ModelFileError, TruncatedFileError
from embedlearn.keyedvectors import KeyedVectors

REPO = Path(__file__).resolve().parents[1]


def small_kv(n_keys=5, dim=3, seed=0, counts=True):
    rng = np.random.default_rng(seed)
    return KeyedVectors([f"w{i}" for i in range(n_keys)], rng.standard_normal((n_keys, dim)),
                        counts=list(range(n_keys, 0, -1)) if counts else None)


def load_w2v(path, binary, **kwargs):
    return KeyedVectors.load_word2vec_format(path, binary=binary, **kwargs)


def binary_record(word, values):
    return word.encode() + b" " + struct.pack(f"<{len(values)}f", *values) + b"\n"


# ---------------------------------------------------------------------- header count
@pytest.mark.parametrize("binary", [False, True])
def test_header_declaring_fewer_vectors_than_the_file_holds_is_an_error(tmp_path, binary):
    path = tmp_path / "v"
    small_kv().save_word2vec_format(path, binary=binary)
    data = path.read_bytes()
    header, body = data.split(b"\n", 1)
    path.write_bytes(b"3 3\n" + body)  # 5 vectors follow
    # text: line 5 holds the 4th vector; binary: the 4th record starts after the header + 3 records
    where = "line 5" if not binary else f"byte offset {4 + 3 * (3 + 12 + 1)}"
    with pytest.raises(ModelFileError, match=rf"{path}: {where}: the header declares 3 vectors but "
                                             r".* \('w3' follows\).*limit=3"):
        load_w2v(path, binary)
    # asking for at most the declared number reads the first ones, as gensim
    assert load_w2v(path, binary, limit=3).index_to_key == ["w0", "w1", "w2"]
    assert load_w2v(path, binary, limit=2).index_to_key == ["w0", "w1"]
    # trailing whitespace after the declared vectors is fine (word2vec.c ends with a newline)
    path.write_bytes(data + b"\n\n")
    assert load_w2v(path, binary).index_to_key == [f"w{i}" for i in range(5)]


# ---------------------------------------------------------------------- truncation
def test_text_file_cut_inside_its_last_number_is_truncated(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 2\na 1.5 2.25\nb 3.125 4.0625\n")
    assert load_w2v(path, False)["b"].tolist() == [3.125, 4.0625]
    path.write_bytes(b"2 2\na 1.5 2.25\nb 3.125 4.06")  # gensim loads 4.06
    with pytest.raises(TruncatedFileError, match=rf"{path}: line 3: the file ends inside this line"):
        load_w2v(path, False)
    with pytest.raises(EOFError):  # gensim's type for a truncated file
        load_w2v(path, False)
    path.write_bytes(b"2 2")  # cut inside the header
    with pytest.raises(TruncatedFileError, match="line 1: the file ends inside the header"):
        load_w2v(path, False)
    path.write_bytes(b"")
    with pytest.raises(TruncatedFileError, match="the file is empty"):
        load_w2v(path, False)
    path.write_bytes(b"a 1 2\nb 3 4")  # a header-less (GloVe) file too
    with pytest.raises(TruncatedFileError, match="line 2: the file ends inside this line"):
        load_w2v(path, False, no_header=True)
    # reading fewer vectors with limit never reaches the cut line
    path.write_bytes(b"2 2\na 1.5 2.25\nb 3.125 4.06")
    assert load_w2v(path, False, limit=1).index_to_key == ["a"]


def test_every_truncation_is_a_truncated_file_error(tmp_path):
    wv = small_kv()
    for name, binary in [("v.txt", False), ("v.bin", True)]:
        path = tmp_path / name
        wv.save_word2vec_format(path, binary=binary)
        data = path.read_bytes()
        for cut in range(len(data)):
            path.write_bytes(data[:cut])
            if binary and cut == len(data) - 1:
                # only the optional newline after the last vector is missing: the file is complete
                assert np.array_equal(load_w2v(path, binary).vectors, wv.vectors)
                continue
            with pytest.raises(TruncatedFileError, match=str(path)):
                load_w2v(path, binary)


# ---------------------------------------------------------------------- non-finite values
@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "NaN", "1e39"])
def test_non_finite_text_value_is_an_error_naming_line_and_word(tmp_path, text):
    path = tmp_path / "v.txt"
    path.write_text(f"3 2\na 1 2\nb 3 {text}\nc 5 6\n")
    with pytest.raises(ModelFileError, match=rf"{path}: line 3: value 2 of the vector of 'b' is "
                                             r"(nan|-?inf) .*allow_nonfinite=True"):
        load_w2v(path, False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning either
        wv = load_w2v(path, False, allow_nonfinite=True)
    assert not np.isfinite(wv["b"][1]) and wv["c"].tolist() == [5, 6]


def test_non_finite_binary_value_is_an_error_naming_the_byte_offset(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(b"2 3\n" + binary_record("a", [1, 2, 3]) + binary_record("b", [4, np.inf, 6]))
    offset = 4 + (2 + 12 + 1) + 2 + 4  # header, record "a", "b ", first float
    with pytest.raises(ModelFileError, match=rf"{path}: byte offset {offset}: value 2 of the vector "
                                             r"of 'b' is inf"):
        load_w2v(path, True)
    assert load_w2v(path, True, allow_nonfinite=True)["b"][1] == np.inf


# ---------------------------------------------------------------------- compressed files
@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
@pytest.mark.parametrize("binary", [False, True])
def test_compressed_round_trip_by_extension(tmp_path, suffix, binary):
    wv = small_kv(n_keys=50, dim=7)
    path = tmp_path / ("vectors.bin" + suffix)
    wv.save_word2vec_format(path, binary=binary)
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": __import__("lzma").open}[suffix]
    with opener(path, "rb") as f:  # really compressed, readable by the standard tools
        assert f.read(7) == b"50 7\nw0"
    back = load_w2v(path, binary)
    assert back.index_to_key == wv.index_to_key
    np.testing.assert_array_equal(back.vectors, wv.vectors)
    # recognised by the magic bytes, whatever the name
    plain_name = tmp_path / "vectors.bin"
    plain_name.write_bytes(path.read_bytes())
    np.testing.assert_array_equal(load_w2v(plain_name, binary).vectors, wv.vectors)


def test_gensim_googlenews_style_bin_gz(tmp_path):
    gensim = pytest.importorskip("gensim")
    wv = small_kv(n_keys=30, dim=5)
    g = gensim.models.KeyedVectors(5)
    g.add_vectors(wv.index_to_key, wv.vectors)
    path = tmp_path / "GoogleNews-like.bin.gz"
    g.save_word2vec_format(str(path), binary=True)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    back = load_w2v(path, True)
    assert back.index_to_key == wv.index_to_key
    np.testing.assert_array_equal(back.vectors, wv.vectors)
    ours = tmp_path / "ours.bin.gz"
    wv.save_word2vec_format(ours, binary=True)
    np.testing.assert_array_equal(
        gensim.models.KeyedVectors.load_word2vec_format(str(ours), binary=True).vectors, wv.vectors)


def test_damaged_compressed_files(tmp_path):
    wv = small_kv(n_keys=20)
    path = tmp_path / "v.bin.gz"
    wv.save_word2vec_format(path, binary=True)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(TruncatedFileError, match=rf"{path}: the gzip data ends early"):
        load_w2v(path, True)
    path.write_bytes(data[:-8] + struct.pack("<I", zlib_crc(data) ^ 1) + data[-4:])
    with pytest.raises(ModelFileError, match=rf"{path}: corrupt gzip data .*CRC"):
        load_w2v(path, True)
    path.write_bytes(b"\x1f")  # cut inside the signature
    with pytest.raises(TruncatedFileError, match="inside the gzip signature"):
        load_w2v(path, True)
    path.write_bytes(b"1 2\na 1 2\n")  # plain data under a .gz name
    with pytest.raises(ModelFileError, match=r"the name says gzip but the file does not start"):
        load_w2v(path, False)


def zlib_crc(gz_data):
    return struct.unpack("<I", gz_data[-8:-4])[0]


def test_binary_reader_works_on_streams_and_never_trusts_the_header_for_memory(tmp_path):
    path = tmp_path / "v.bin.gz"
    # a header declaring 10^12 vectors of 10^6 floats over two tiny records
    with gzip.open(path, "wb") as f:
        f.write(b"1000000000000 2\n" + binary_record("a", [1, 2]) + binary_record("b", [3, 4]))
    with pytest.raises(TruncatedFileError, match=r"expected word 3 of 1000000000000"):
        load_w2v(path, True)
    assert load_w2v(path, True, limit=2).index_to_key == ["a", "b"]
    path = tmp_path / "big_dim.bin"
    path.write_bytes(b"1 1000000000000\n" + binary_record("a", [1, 2]))
    with pytest.raises(TruncatedFileError, match=r"expected 4000000000000 bytes"):
        load_w2v(path, True)
    # large enough to need several chunks and several growths of the matrix
    wv = small_kv(n_keys=3000, dim=100, counts=False)
    path = tmp_path / "large.bin.gz"
    wv.save_word2vec_format(path, binary=True)
    np.testing.assert_array_equal(load_w2v(path, True).vectors, wv.vectors)


# ---------------------------------------------------------------------- .npz archives
def central_directory_entries(data):
    """Offsets of the central-directory records ("PK\\x01\\x02") of a zip file."""
    offsets, at = [], data.find(b"PK\x01\x02")
    while at != -1:
        offsets.append(at)
        at = data.find(b"PK\x01\x02", at + 4)
    return offsets


def patched(data, offset, fmt, value):
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


@pytest.fixture
def saved_kv(tmp_path):
    path = tmp_path / "model.kv"
    small_kv().save(path)
    return path


@pytest.mark.parametrize("damage, raw_error", [
    (lambda d, cd: patched(d, cd + 10, "<H", 99), NotImplementedError),  # compression method 99
    (lambda d, cd: patched(d, cd + 8, "<H", 1), RuntimeError),  # the "encrypted" flag
    (lambda d, cd: patched(d, cd + 42, "<I", len(d) - 10), zipfile.BadZipFile),  # header offset
    (lambda d, cd: patched(d, cd + 20, "<I", 10 ** 9), None),  # compressed size: numpy.load ignores it
])
def test_zip_damage_is_a_model_file_error_naming_the_file(saved_kv, damage, raw_error):
    data = saved_kv.read_bytes()
    cd = central_directory_entries(data)[-2]  # the "vectors" member
    saved_kv.write_bytes(damage(data, cd))
    if raw_error is not None:
        with pytest.raises(raw_error):  # what numpy.load raises on it
            with np.load(saved_kv) as z:
                [z[k] for k in z.files]
    for load in (KeyedVectors.load, read_npz):
        with pytest.raises(ModelFileError, match=rf"{saved_kv}.*member 'vectors.npy'") as info:
            load(saved_kv)
        assert isinstance(info.value, ValueError)


def test_corrupt_deflate_data_is_a_model_file_error(tmp_path):
    path = tmp_path / "compressed.npz"
    np.savez_compressed(path, syn0=np.arange(1000.0))
    data = path.read_bytes()
    name_size, extra_size = struct.unpack_from("<HH", data, 26)  # of the first local header
    start = 30 + name_size + extra_size  # the deflate stream; a first byte 0xff is block type 3: invalid
    path.write_bytes(data[:start] + b"\xff" + data[start + 1:])
    with pytest.raises(zlib.error):
        np.load(path)["syn0"]
    with pytest.raises(ModelFileError, match=rf"{path}: corrupt or truncated model file \(member "
                                             r"'syn0.npy': error: Error -3 while decompressing"):
        load_npz(path, ("syn0",), "F/1")
    np.savez_compressed(path, syn0=np.arange(1000.0))  # a deflated archive loads when intact
    np.testing.assert_array_equal(load_npz(path, ("syn0",), "F/1")["syn0"], np.arange(1000.0))


def test_truncated_archive_is_a_truncated_file_error(saved_kv):
    data = saved_kv.read_bytes()
    for cut in (0, 2, 100, len(data) // 2, len(data) - 1):
        saved_kv.write_bytes(data[:cut])
        with pytest.raises(TruncatedFileError, match=str(saved_kv)):
            KeyedVectors.load(saved_kv)
        with pytest.raises(EOFError):
            load_npz(saved_kv, ("vectors",), "x")


def test_npz_header_cannot_request_a_huge_allocation(tmp_path):
    path = tmp_path / "huge.npz"
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (2 ** 40,)})
    with zipfile.ZipFile(path, "w") as zf:  # a valid zip (correct CRC) with a lying .npy header
        zf.writestr("vectors.npy", header.getvalue() + b"\0" * 64)
    with pytest.raises(ModelFileError, match=r"member 'vectors.npy': the array header declares shape "
                                             r"\(1099511627776,\)"):
        read_npz(path)


def test_npz_never_unpickles_and_checks_crc(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ModelFileError, match="Python objects"):
        read_npz(path)
    path = tmp_path / "flipped.npz"
    np.savez(path, x=np.arange(100, dtype=np.int64))
    data = bytearray(path.read_bytes())
    data[data.find(b"\x63\x00\x00\x00\x00\x00\x00\x00")] ^= 1  # the value 99, inside the data
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="Bad CRC-32"):
        read_npz(path)


def test_load_npz_keeps_its_contract(tmp_path):
    path = tmp_path / "m.npz"
    atomic_savez(path, meta=json.dumps({"format": "F/1", "k": [1, 2]}), keys="a\nb",
                 syn0=np.ones((2, 3), dtype=np.float32))
    out = load_npz(path, ("meta", "keys", "syn0"), "F/1")
    assert out["meta"] == {"format": "F/1", "k": [1, 2]} and out["keys"] == "a\nb"
    assert out["syn0"].dtype == np.float32 and out["syn0"].shape == (2, 3)
    with pytest.raises(ModelFileError, match="not a F/1 file \\(missing other\\)"):
        load_npz(path, ("meta", "other"), "F/1")
    with pytest.raises(ModelFileError, match="format 'F/1', expected 'G/1'"):
        load_npz(path, ("meta",), "G/1")
    atomic_savez(path, meta="{not json", keys="a")
    with pytest.raises(ModelFileError, match="meta is not valid JSON"):
        load_npz(path, ("meta", "keys"), "F/1")
    with pytest.raises(FileNotFoundError):
        load_npz(tmp_path / "missing.npz", ("meta",), "F/1")


# ---------------------------------------------------------------------- atomic saves
def test_save_error_names_the_users_path_not_the_temporary_file(tmp_path):
    path = tmp_path / "v.bin"

    def disk_full(f):
        f.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match=r"No space left on device") as info:
        atomic_write(path, disk_full)
    assert info.value.errno == errno.ENOSPC
    assert info.value.filename == str(path) and ".tmp" not in str(info.value)
    assert os.listdir(tmp_path) == []
    with pytest.raises(FileNotFoundError) as info:  # the directory does not exist
        small_kv().save(tmp_path / "no" / "such" / "dir.kv")
    assert info.value.filename == str(tmp_path / "no" / "such" / "dir.kv")


def test_save_writes_through_a_symlink(tmp_path):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "vectors.kv"
    target.write_bytes(b"old")
    link = tmp_path / "link.kv"
    link.symlink_to(target)
    wv = small_kv()
    wv.save(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    np.testing.assert_array_equal(KeyedVectors.load(target).vectors, wv.vectors)
    assert sorted(os.listdir(tmp_path)) == ["link.kv", "real"]
    assert os.listdir(real_dir) == ["vectors.kv"]


def test_save_keeps_the_destination_permissions(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    small_kv().save_word2vec_format(path)
    assert os.stat(path).st_mode & 0o7777 == 0o640
    small_kv().save(path)
    assert os.stat(path).st_mode & 0o7777 == 0o640


SLOW_SAVE = textwrap.dedent("""
    import sys
    from embedlearn._io import atomic_write

    def write(f):
        f.write(b"from the child")
        f.flush()
        print("writing", flush=True)
        sys.stdin.readline()  # wait until the parent says go (or kills us)

    atomic_write(sys.argv[1], write)
""")


def start_slow_save(path):
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    child = subprocess.Popen([sys.executable, "-c", SLOW_SAVE, str(path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, env=env)
    assert child.stdout.readline() == b"writing\n"
    return child


def temporaries(directory):
    return sorted(n for n in os.listdir(directory) if n.endswith(".tmp"))


def test_stale_temporary_of_a_killed_save_is_removed_by_the_next_save(tmp_path):
    path = tmp_path / "model.kv"
    child = start_slow_save(path)
    left = temporaries(tmp_path)
    assert len(left) == 1 and left[0].startswith(".model.kv.")
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    assert temporaries(tmp_path) == left  # a killed save leaves its temporary file behind
    (tmp_path / ".other.kv.abcd1234.tmp").write_bytes(b"another file's, never touched")
    small_kv().save(path)
    assert temporaries(tmp_path) == [".other.kv.abcd1234.tmp"]
    np.testing.assert_array_equal(KeyedVectors.load(path).vectors, small_kv().vectors)


def test_a_live_saves_temporary_file_is_never_removed(tmp_path):
    path = tmp_path / "model.kv"
    child = start_slow_save(path)
    try:
        live = temporaries(tmp_path)
        small_kv().save(path)  # a concurrent save to the same path
        assert temporaries(tmp_path) == live
        child.stdin.write(b"go\n")
        child.stdin.close()
        assert child.wait(timeout=60) == 0
    finally:
        if child.poll() is None:
            child.kill()
    assert path.read_bytes() == b"from the child"  # the child's save completed and won
    assert temporaries(tmp_path) == []


# ---------------------------------------------------------------------- fuzzing
def expected_outcome(path, load, original, data, exact, n_changed=1):
    """Load ``data`` from ``path``: either an error naming the file, or the original vectors.

    With ``exact=False`` (uncompressed word2vec files, which have no checksum) a load may also
    differ from the original in at most ``n_changed`` keys or vectors (the number of bytes changed):
    a changed digit or letter cannot be detected.
    """
    path.write_bytes(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a flipped letter can repeat a word: dropped with a warning
            wv = load(path)
    except ModelFileError as exc:
        assert str(path) in str(exc)
        return type(exc).__name__
    except ValueError as exc:
        assert str(path) in str(exc)
        return "ValueError"
    if wv.index_to_key == original.index_to_key and np.array_equal(wv.vectors, original.vectors) \
            and (original.counts is None or np.array_equal(wv.counts, original.counts)):
        return "equal"
    assert not exact, "a corrupted checksummed file loaded as different vectors"
    if len(wv) == len(original):
        differing = [i for i in range(len(wv)) if wv.index_to_key[i] != original.index_to_key[i]
                     or not np.array_equal(wv.vectors[i], original.vectors[i])]
        assert 1 <= len(differing) <= n_changed
    else:  # a changed word became a copy of another one and was dropped
        assert len(original) - n_changed <= len(wv) < len(original)
    return "changed"


FUZZ_CASES = {
    "native.kv": (lambda wv, p: wv.save(p), KeyedVectors.load, True),
    "text.txt": (lambda wv, p: wv.save_word2vec_format(p), lambda p: load_w2v(p, False), False),
    "binary.bin": (lambda wv, p: wv.save_word2vec_format(p, binary=True),
                   lambda p: load_w2v(p, True), False),
    "text.txt.gz": (lambda wv, p: wv.save_word2vec_format(p), lambda p: load_w2v(p, False), True),
    "binary.bin.gz": (lambda wv, p: wv.save_word2vec_format(p, binary=True),
                      lambda p: load_w2v(p, True), True),
    "binary.bin.bz2": (lambda wv, p: wv.save_word2vec_format(p, binary=True),
                       lambda p: load_w2v(p, True), True),
}


@pytest.mark.parametrize("name", list(FUZZ_CASES))
def test_fuzz_truncations_and_byte_flips(tmp_path, name):
    save, load, checksummed = FUZZ_CASES[name]
    original = small_kv(counts=name.startswith("native"))
    path = tmp_path / name
    save(original, path)
    data = path.read_bytes()
    rng = np.random.default_rng(1234)
    # Every byte position of the small word2vec files; a seeded sample of the (larger) .npz archive,
    # whose bytes are mostly padded .npy headers, to keep the test to seconds.
    positions = range(len(data))
    if len(data) > 400:
        positions = np.sort(rng.choice(len(data), 400, replace=False)).tolist()
    outcomes = {}
    for cut in positions:  # truncations
        outcome = expected_outcome(path, load, original, data[:cut], exact=True)
        outcomes.setdefault(("cut", outcome), cut)
        if outcome == "equal":
            assert name.startswith("binary.bin") and cut == len(data) - 1  # only the final newline
        else:
            assert outcome == "TruncatedFileError", (cut, outcome)
    for position in positions:  # each byte, flipped two ways
        for mask in (0xFF, int(rng.integers(1, 256))):
            damaged = bytearray(data)
            damaged[position] ^= mask
            outcome = expected_outcome(path, load, original, bytes(damaged), exact=checksummed)
            outcomes.setdefault(("flip", outcome), position)
    for _ in range(200):  # a few bytes at once
        damaged = bytearray(data)
        positions = rng.integers(0, len(data), size=int(rng.integers(2, 5)))
        for position in positions:
            damaged[position] = int(rng.integers(256))
        outcome = expected_outcome(path, load, original, bytes(damaged), exact=checksummed,
                                   n_changed=len(positions))
        outcomes.setdefault(("multi", outcome), None)
    # the fuzzing reached real errors, not only harmless bytes
    assert ("flip", "ModelFileError") in outcomes


def test_fuzz_files_never_raise_raw_zip_errors_through_load_npz(tmp_path):
    path = tmp_path / "model.npz"
    atomic_savez(path, meta=json.dumps({"format": "F/1"}), keys="a\nb", syn0=np.ones((2, 3)))
    data = path.read_bytes()
    rng = np.random.default_rng(99)
    for _ in range(500):
        damaged = bytearray(data)
        for position in rng.integers(0, len(data), size=int(rng.integers(1, 4))):
            damaged[position] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(damaged))
        try:
            out = load_npz(path, ("meta", "keys", "syn0"), "F/1")
        except ModelFileError as exc:
            assert str(path) in str(exc)
            continue
        assert out["keys"] == "a\nb" and np.array_equal(out["syn0"], np.ones((2, 3)))
