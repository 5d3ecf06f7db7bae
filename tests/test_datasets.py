"""Tests of embedlearn.datasets: counts of the real data (from shared/data/MANIFEST.md) and the
download path against a local HTTP server (never the internet)."""

import dataclasses
import gzip
import hashlib
import http.server
import io
import os
import socket
import subprocess
import sys
import tarfile
import threading
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from embedlearn import datasets as ds


# ------------------------------------------------------------------------------ fixtures
def _mirror_or_skip():
    env = os.environ.get("EMBEDLEARN_DATA")
    if not env:
        pytest.skip("EMBEDLEARN_DATA is not set: no offline copy of the real data sets")
    path = Path(os.path.abspath(env))
    if not path.is_dir():
        pytest.fail(f"EMBEDLEARN_DATA={env!r} is not a folder (resolved against {os.getcwd()})")
    return path


@pytest.fixture
def mirror():
    """The offline data folder (skips the test with a reason when it is not configured)."""
    return _mirror_or_skip()


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Every test gets an empty cache and no proxy (downloads go to 127.0.0.1 only)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("EMBEDLEARN_CACHE", str(cache))
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    ds.set_data_home(None)
    yield cache
    ds.set_data_home(None)


@pytest.fixture
def empty_mirror(tmp_path, monkeypatch):
    """EMBEDLEARN_DATA pointing to an empty folder, so every file must come from the cache or
    a download."""
    folder = tmp_path / "empty-mirror"
    folder.mkdir()
    monkeypatch.setenv("EMBEDLEARN_DATA", str(folder))
    return folder


@pytest.fixture(scope="module")
def text8_prefix(tmp_path_factory):
    """The parsed text8 prefix, shared by the text8 tests (parsing takes a second or two)."""
    _mirror_or_skip()
    return ds.load_text8(ds.TEXT8_PREFIX_TOKENS, data_home=tmp_path_factory.mktemp("cache"))


def _closed_port_url(path):
    """A URL on 127.0.0.1 where nothing listens: connecting fails at once, offline-like."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{path}"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.hits.append(self.path)
        if self.path not in self.server.routes:
            self.send_error(404)
            return
        body, truncated = self.server.routes[self.path]
        self.send_response(200)
        # a truncated route promises more bytes than it sends, then closes the connection
        self.send_header("Content-Length", str(len(body) + (4096 if truncated else 0)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A threaded HTTP server on 127.0.0.1 (random port); ``server.routes[path] = (bytes,
    truncated)``; ``server.url(path)``; ``server.hits`` lists requested paths."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.routes, httpd.hits = {}, []
    httpd.url = lambda path: f"http://127.0.0.1:{httpd.server_address[1]}{path}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _files_under(folder):
    return sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file())


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _with(name, monkeypatch, **changes):
    """Replace registry entry ``name`` for this test only."""
    entry = dataclasses.replace(ds.REGISTRY[name], **changes)
    monkeypatch.setitem(ds.REGISTRY, name, entry)
    return entry


def _file_with_urls(name, urls):
    (f,) = ds.REGISTRY[name].files
    return (dataclasses.replace(f, urls=tuple(urls)),)


# ------------------------------------------------------------------------------ text8
def test_text8_prefix_counts(text8_prefix):
    sentences = text8_prefix
    counts = Counter()
    for s in sentences:
        counts.update(s)
    assert sum(counts.values()) == 2_139_748
    assert len(counts) == 80_982
    assert sum(c >= 5 for c in counts.values()) == 22_541
    assert sentences[0][:7] == "anarchism originated as a term of abuse".split()
    assert all(len(s) == 10_000 for s in sentences[:-1])
    assert len(sentences) == 214 and len(sentences[-1]) == 2_139_748 - 213 * 10_000


def test_text8_matches_gensim_text8corpus(mirror, tmp_path):
    """gensim's Text8Corpus on a file holding the first n tokens == load_text8(n)."""
    word2vec = pytest.importorskip("gensim.models.word2vec")
    head = (mirror / "text8" / "text8").read_bytes()[:1_000_000]
    head = head[:head.rindex(b" ")]  # whole words only, as the prefix file itself
    path = tmp_path / "text8-head"
    path.write_bytes(head)
    expected = list(word2vec.Text8Corpus(str(path)))
    n = len(head.split())
    assert [len(s) for s in expected] == [10_000] * (n // 10_000) + [n % 10_000]
    assert ds.load_text8(n) == expected


def test_text8_max_tokens_is_a_prefix_of_the_same_stream(text8_prefix):
    short = ds.load_text8(25_000)
    assert [len(s) for s in short] == [10_000, 10_000, 5_000]
    assert [w for s in short for w in s] == [w for s in text8_prefix for w in s][:25_000]
    assert ds.load_text8(0) == []


def test_read_tokens_across_block_boundaries(tmp_path):
    words = [f"w{i % 977:09d}" for i in range(20_000)]  # 11 bytes each with the space
    path = tmp_path / "tokens"
    path.write_text(" " + " ".join(words))
    for n in (0, 1, 8_000, 8_192, 19_999, 20_000, 30_000, None):  # 8,192 -> 64 KiB blocks
        assert ds._read_tokens(path, n) == words[:n]


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (2.5, TypeError), (True, TypeError),
                                        ("10", TypeError)])
def test_text8_rejects_bad_max_tokens(bad, error):
    with pytest.raises(error, match="max_tokens"):
        ds.load_text8(bad)


@pytest.mark.parametrize("max_tokens", [ds.TEXT8_PREFIX_TOKENS + 1, None])
def test_text8_beyond_prefix_offline_is_a_clear_error(mirror, isolated_cache, monkeypatch,
                                                      max_tokens):
    url = _closed_port_url("text8.zip")
    _with("text8", monkeypatch, urls=(url,))
    with pytest.raises(ds.DataNotFoundError) as info:
        ds.load_text8(max_tokens)
    message = str(info.value)
    assert "2,139,748" in message and url in message
    assert str(isolated_cache / "text8" / "text8") in message
    assert _files_under(isolated_cache) == []


@pytest.mark.parametrize("mirror_set", [False, True], ids=["no-EMBEDLEARN_DATA", "empty-mirror"])
def test_text8_within_prefix_offline_says_no_copy_was_found(isolated_cache, monkeypatch,
                                                            tmp_path, mirror_set):
    """max_tokens=1000 is within the prefix: the error must not ask for max_tokens <= 2,139,748,
    it must say that no copy was found, where it looked, and how to point at one."""
    folder = tmp_path / "somewhere"
    folder.mkdir()
    if mirror_set:
        monkeypatch.setenv("EMBEDLEARN_DATA", str(folder))
    else:
        monkeypatch.delenv("EMBEDLEARN_DATA", raising=False)
    url = _closed_port_url("text8.zip")
    _with("text8", monkeypatch, urls=(url,))
    with pytest.raises(ds.DataNotFoundError) as info:
        ds.load_text8(max_tokens=1000)
    message = str(info.value)
    assert "no copy of text8 was found" in message
    assert "max_tokens <=" not in message and "needs the full" not in message
    assert str(isolated_cache / "text8" / "text8") in message      # where it looked: cache
    if mirror_set:
        assert str(folder / "text8" / "text8") in message          # ... and the mirror
    else:
        assert "EMBEDLEARN_DATA (not set)" in message
    assert "set EMBEDLEARN_DATA" in message and url in message     # how to point at one
    assert _files_under(isolated_cache) == []


def test_text8_prefix_is_not_downloadable(empty_mirror):
    with pytest.raises(ds.DataNotFoundError, match="not downloadable"):
        ds.fetch("text8-prefix")


# -------------------------------------------------------------------- evaluation sets
def test_analogy_questions(mirror):
    sections = ds.load_analogy_questions()
    assert len(sections) == 14
    assert sum(len(q) for _, q in sections) == 19_544
    assert sections[0][0] == "capital-common-countries"
    assert sections[-1][0] == "gram9-plural-verbs"
    assert sections[0][1][0] == ("Athens", "Greece", "Baghdad", "Iraq")
    assert all(len(q) == 4 for _, qs in sections for q in qs)


def test_wordsim353(mirror):
    pairs = ds.load_wordsim353()
    assert len(pairs) == 353
    assert pairs[0] == ("love", "sex", 6.77)
    assert all(0 <= s <= 10 for _, _, s in pairs)


def test_rare_words(mirror):
    pairs = ds.load_rare_words()
    assert len(pairs) == 2_034
    assert pairs[0] == ("squishing", "squirt", 5.88)
    assert len(set((a, b) for a, b, _ in pairs)) == 2_034
    assert all(0 <= s <= 10 for _, _, s in pairs)


def test_fetch_returns_mirror_paths(mirror):
    assert ds.fetch("questions-words") == mirror / "wordsim" / "questions-words.txt"
    assert ds.fetch("cora") == mirror / "cora"
    assert ds.fetch("text8-prefix") == mirror / "text8" / "text8"
    for name in ("text8", "questions-words", "wordsim353", "rare-words", "cora", "mutag"):
        assert name in ds.list_datasets()
    with pytest.raises(KeyError, match="unknown data set"):
        ds.fetch("no-such-data")


def test_relative_embedlearn_data_resolves_against_cwd(mirror, monkeypatch):
    monkeypatch.chdir(mirror.parent)
    monkeypatch.setenv("EMBEDLEARN_DATA", mirror.name)
    path = ds.fetch("wordsim353")
    assert path.is_absolute()
    assert path.resolve() == (mirror / "wordsim" / "wordsim353.tsv").resolve()
    monkeypatch.setenv("EMBEDLEARN_DATA", "no/such/folder")
    with pytest.raises(NotADirectoryError, match="EMBEDLEARN_DATA"):
        ds.fetch("wordsim353")


# ----------------------------------------------------------------------- documents
def test_imdb_train(mirror):
    reviews = ds.load_imdb("train")
    assert len(reviews.texts) == 25_000
    assert reviews.labels.sum() == 12_500
    pos = reviews.labels == 1
    assert reviews.ratings[pos].min() == 7 and reviews.ratings[pos].max() == 10
    assert reviews.ratings[~pos].min() == 1 and reviews.ratings[~pos].max() == 4
    assert np.array_equal(reviews.ids[pos], np.arange(12_500))
    # U+0085 is kept inside reviews (splitlines would have split them)
    assert any("\x85" in t for t in reviews.texts)
    with pytest.raises(ValueError, match="subset"):
        ds.load_imdb("unsup")


def test_rt_polarity_and_lee(mirror):
    data = ds.load_rt_polarity()
    assert len(data.texts) == 10_662 and data.labels.sum() == 5_331
    assert any("\u2026" in t for t in data.texts)  # cp1252 byte 0x85 is an ellipsis
    lee = ds.load_lee()
    assert (len(lee.background), len(lee.test)) == (300, 50)


def test_extract_imdb_builds_line_files_in_id_order(tmp_path):
    files = ds.REGISTRY["imdb"].files
    reviews = {("train", "pos"): {10: ("8", "ten\x85ten"), 2: ("7", "two<br />two")},
               ("test", "neg"): {1: ("1", "one"), 0: ("4", "zero")}}
    archive = tmp_path / "aclImdb_v1.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for (split, label), group in reviews.items():
            for i, (rating, text) in group.items():
                data = text.encode()
                info = tarfile.TarInfo(f"aclImdb/{split}/{label}/{i}_{rating}.txt")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    out = {f.path: data for f, data in ds._extract_imdb(archive, files)}
    assert gzip.decompress(out["imdb/train_pos.txt.gz"]).decode() == "two<br />two\nten\x85ten\n"
    assert out["imdb/ids_train_pos.tsv"] == b"2\t7\n10\t8\n"
    assert gzip.decompress(out["imdb/test_neg.txt.gz"]) == b"zero\none\n"
    assert out["imdb/ids_test_neg.tsv"] == b"0\t4\n1\t1\n"


# ----------------------------------------------------------------------- MovieLens
def test_movielens_100k(mirror):
    ml = ds.load_movielens_100k()
    assert len(ml.rating) == 100_000
    assert len(np.unique(ml.user)) == 943 and len(np.unique(ml.item)) == 1_682
    assert set(np.unique(ml.rating).tolist()) == {1, 2, 3, 4, 5}
    assert ml.titles[1] == "Toy Story (1995)"
    assert ml.titles[543] == "Misérables, Les (1995)"  # latin-1
    assert ml.genres[1] == ("Animation", "Children's", "Comedy")


def test_movielens_latest_small(mirror):
    ml = ds.load_movielens_latest_small()
    assert len(ml.rating) == 100_836
    assert len(np.unique(ml.user)) == 610 and len(ml.titles) == 9_742
    assert ml.rating.min() == 0.5 and ml.rating.max() == 5.0
    assert set(np.unique(ml.item).tolist()) <= set(ml.titles)


def test_movielens_1m_offline_names_the_url(empty_mirror, isolated_cache, monkeypatch):
    url = _closed_port_url("ml-1m.zip")
    _with("ml-1m", monkeypatch, urls=(url,))
    with pytest.raises(ds.DataNotFoundError) as info:
        ds.load_movielens_1m()
    message = str(info.value)
    assert url in message and "ml-1m/ratings.dat" in message
    assert str(isolated_cache / "movielens" / "ml-1m" / "ratings.dat") in message


# --------------------------------------------------------------------------- graphs
def test_cora(mirror):
    cora = ds.load_cora()
    assert cora.graph.number_of_nodes() == 2_708
    assert cora.graph.number_of_edges() == 5_278
    assert len(cora.classes) == 7
    assert cora.labels.shape == (2_708,)
    assert np.bincount(cora.labels)[cora.classes.index("Neural_Networks")] == 818
    assert cora.features.shape == (2_708, 1_433) and set(np.unique(cora.features)) == {0, 1}


def test_blogcatalog(mirror):
    blog = ds.load_blogcatalog()
    assert blog.graph.number_of_nodes() == 10_312
    assert blog.graph.number_of_edges() == 333_983
    assert blog.labels.shape == (10_312, 39)
    assert blog.labels.sum() == 14_476
    assert blog.labels.sum(axis=1).min() >= 1


def test_mutag(mirror):
    data = ds.load_tu_dataset("MUTAG")
    assert len(data.graphs) == 188
    assert (data.labels == 1).sum() == 125 and (data.labels == -1).sum() == 63
    assert sum(g.number_of_nodes() for g in data.graphs) == 3_371
    assert sum(g.number_of_edges() for g in data.graphs) == 3_721
    labels = {d["label"] for g in data.graphs for _, d in g.nodes(data=True)}
    assert labels == set(range(7))
    assert all(sorted(g.nodes) == list(range(g.number_of_nodes())) for g in data.graphs)
    with pytest.raises(KeyError, match="TU"):
        ds.load_tu_dataset("ENZYMES")


# ------------------------------------------------------------------- download path
def test_download_verifies_and_caches(mirror, empty_mirror, isolated_cache, server,
                                      monkeypatch):
    body = (mirror / "wordsim" / "wordsim353.tsv").read_bytes()
    server.routes["/wordsim353.tsv"] = (body, False)
    entry = _with("wordsim353", monkeypatch,
                  files=_file_with_urls("wordsim353", [server.url("/wordsim353.tsv")]))
    path = ds.fetch("wordsim353")
    assert path == isolated_cache / "wordsim" / "wordsim353.tsv"
    assert "sha256:" + _sha256(path) == entry.files[0].digest
    assert _files_under(isolated_cache) == ["wordsim/wordsim353.tsv"]
    assert len(ds.load_wordsim353()) == 353
    assert server.hits == ["/wordsim353.tsv"]  # the second call used the cache


def test_download_falls_back_to_a_mirror_url(mirror, empty_mirror, isolated_cache, server,
                                             monkeypatch):
    server.routes["/wordsim353.tsv"] = ((mirror / "wordsim" / "wordsim353.tsv").read_bytes(),
                                        False)
    urls = [_closed_port_url("wordsim353.tsv"), server.url("/wordsim353.tsv")]
    _with("wordsim353", monkeypatch, files=_file_with_urls("wordsim353", urls))
    assert ds.fetch("wordsim353") == isolated_cache / "wordsim" / "wordsim353.tsv"


def test_download_checksum_mismatch_keeps_nothing(mirror, empty_mirror, isolated_cache, server,
                                                  monkeypatch):
    body = bytearray((mirror / "wordsim" / "wordsim353.tsv").read_bytes())
    body[-3] ^= 1  # same size, one bit changed
    server.routes["/wordsim353.tsv"] = (bytes(body), False)
    _with("wordsim353", monkeypatch,
          files=_file_with_urls("wordsim353", [server.url("/wordsim353.tsv")]))
    with pytest.raises(ds.ChecksumError, match="sha256"):
        ds.fetch("wordsim353")
    assert _files_under(isolated_cache) == []


def test_interrupted_download_keeps_nothing(mirror, empty_mirror, isolated_cache, server,
                                            monkeypatch):
    server.routes["/wordsim353.tsv"] = ((mirror / "wordsim" / "wordsim353.tsv").read_bytes(),
                                        True)
    url = server.url("/wordsim353.tsv")
    _with("wordsim353", monkeypatch, files=_file_with_urls("wordsim353", [url]))
    with pytest.raises(ds.DataNotFoundError) as info:
        ds.fetch("wordsim353")
    assert url in str(info.value)
    assert _files_under(isolated_cache) == []


def test_zip_archive_is_extracted_verified_and_deleted(mirror, empty_mirror, isolated_cache,
                                                       server, monkeypatch):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("rw/README.txt", "not registered, not extracted")
        zf.write(mirror / "wordsim" / "rw.txt", "rw/rw.txt")
    archive = buf.getvalue()
    server.routes["/rw.zip"] = (archive, False)
    _with("rare-words", monkeypatch, urls=(server.url("/rw.zip"),),
          archive_digest="sha256:" + hashlib.sha256(archive).hexdigest())
    assert ds.fetch("rare-words") == isolated_cache / "wordsim" / "rw.txt"
    assert _files_under(isolated_cache) == ["wordsim/rw.txt"]
    assert len(ds.load_rare_words()) == 2_034


def test_tar_archive_with_several_members(mirror, empty_mirror, isolated_cache, server,
                                          monkeypatch):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for label in ("neg", "pos"):
            tar.add(mirror / "rt-polarity" / f"rt-polarity.{label}",
                    f"rt-polaritydata/rt-polarity.{label}")
    server.routes["/rt-polaritydata.tar.gz"] = (buf.getvalue(), False)
    _with("rt-polarity", monkeypatch, urls=(server.url("/rt-polaritydata.tar.gz"),))
    assert len(ds.load_rt_polarity().texts) == 10_662
    assert _files_under(isolated_cache) == ["rt-polarity/rt-polarity.neg",
                                            "rt-polarity/rt-polarity.pos"]


def test_archive_digest_and_member_errors(mirror, empty_mirror, isolated_cache, server,
                                          monkeypatch):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("rw/other.txt", "no rw.txt here")
    server.routes["/rw.zip"] = (buf.getvalue(), False)
    _with("rare-words", monkeypatch, urls=(server.url("/rw.zip"),))  # real rw.zip's SHA-1
    with pytest.raises(ds.ChecksumError, match="sha1"):
        ds.fetch("rare-words")
    _with("rare-words", monkeypatch, urls=(server.url("/rw.zip"),), archive_digest=None)
    with pytest.raises(ds.ChecksumError, match="no member 'rw/rw.txt'"):
        ds.fetch("rare-words")
    assert _files_under(isolated_cache) == []


def test_corrupt_local_files_are_refused(mirror, tmp_path, isolated_cache, monkeypatch):
    bad = bytearray((mirror / "wordsim" / "wordsim353.tsv").read_bytes())
    bad[-3] ^= 1
    local = tmp_path / "data" / "wordsim" / "wordsim353.tsv"
    local.parent.mkdir(parents=True)
    local.write_bytes(bytes(bad))
    monkeypatch.setenv("EMBEDLEARN_DATA", str(tmp_path / "data"))
    with pytest.raises(ds.ChecksumError, match="wordsim353.tsv"):
        ds.load_wordsim353()
    # the same in the cache: an error, no silent re-download
    monkeypatch.setenv("EMBEDLEARN_DATA", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    cached = isolated_cache / "wordsim" / "wordsim353.tsv"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(bytes(bad[:-1]))  # truncated
    _with("wordsim353", monkeypatch,
          files=_file_with_urls("wordsim353", [_closed_port_url("wordsim353.tsv")]))
    with pytest.raises(ds.ChecksumError, match="bytes"):
        ds.fetch("wordsim353")
    assert cached.exists()  # left for inspection, never used


# ---------------------------------------------------------------------------- misc
def test_data_home_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDLEARN_CACHE", str(tmp_path / "env"))
    assert ds.get_data_home() == tmp_path / "env"
    ds.set_data_home(tmp_path / "set")
    assert ds.get_data_home() == tmp_path / "set"
    assert ds.get_data_home(tmp_path / "arg") == tmp_path / "arg"
    ds.set_data_home(None)
    monkeypatch.delenv("EMBEDLEARN_CACHE")
    assert ds.get_data_home() == Path.home() / ".cache" / "embedlearn"


def test_import_is_light():
    code = ("import sys, embedlearn.datasets; "
            "print(sorted(m for m in ('networkx', 'scipy', 'numba', 'tqdm', 'urllib.request', "
            "'gensim') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
