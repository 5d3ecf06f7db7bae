"""Spark MLlib's Word2Vec: Java checks, input checks before Spark starts, export to KeyedVectors.

The Java tests fake the runtime (a missing one, an old one) with small shell scripts; the training
test starts a real local[2] session (about 10-20 s) and is skipped only if PySpark or Java 17+ is
absent (CI installs both).
"""
import os
import stat

import numpy as np
import pytest

from embedlearn import spark as es


def fake_java(tmp_path, version_line):
    home = tmp_path / "jdk"
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    return home


def test_missing_java_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no java anywhere
    with pytest.raises(es.JavaRuntimeError, match="no `java` is on PATH.*openjdk-17-jre-headless"):
        es.check_java()
    with pytest.raises(es.JavaRuntimeError, match="openjdk-17-jre-headless"):
        es.local_session()
    with pytest.raises(RuntimeError):  # JavaRuntimeError is a RuntimeError
        es.check_java()


def test_java_home_without_java(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nowhere"))
    with pytest.raises(es.JavaRuntimeError, match="holds no bin/java"):
        es.check_java()


@pytest.mark.parametrize("line, major", [('openjdk version "11.0.2" 2019-01-15', 11),
                                         ('java version "1.8.0_392"', 8)])
def test_old_java_is_refused(monkeypatch, tmp_path, line, major):
    monkeypatch.setenv("JAVA_HOME", str(fake_java(tmp_path, line)))
    with pytest.raises(es.JavaRuntimeError, match=f"needs Java 17 or newer; .* is Java {major}"):
        es.check_java()


def test_new_java_is_accepted(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(fake_java(tmp_path, 'openjdk version "21.0.4" 2024-07-16')))
    assert es.check_java() == "21.0.4"


def test_bad_input_fails_before_spark_starts(monkeypatch):
    def no_spark(*args, **kwargs):
        raise AssertionError("Spark must not start for bad input")

    monkeypatch.setattr(es, "local_session", no_spark)
    with pytest.raises(ValueError, match="empty"):
        es.train_word2vec([])
    with pytest.raises(ValueError, match="empty"):
        es.train_word2vec([[], []])
    with pytest.raises(TypeError, match="str tokens; sentence 1 holds int 3"):
        es.train_word2vec([["a", "b"], ["c", 3]])
    with pytest.raises(ValueError, match="no whitespace"):
        es.train_word2vec([["a", "b c"]])
    with pytest.raises(ValueError, match="no whitespace"):
        es.train_word2vec([["a", ""]])
    with pytest.raises(ValueError, match="vocabulary would be empty"):
        es.train_word2vec([["a", "b"]], min_count=5)
    with pytest.raises(ValueError, match="num_partitions must be a positive int"):
        es.train_word2vec([["a", "b"]], num_partitions=0)
    with pytest.raises(ValueError, match="step_size"):
        es.train_word2vec([["a", "b"]], step_size=0)


@pytest.fixture(scope="module")
def session():
    pytest.importorskip("pyspark")
    try:
        es.check_java()
    except es.JavaRuntimeError as exc:
        pytest.skip(str(exc))
    s = es.local_session(cores=2, driver_memory="1g")
    yield s
    s.stop()


def test_mllib_word2vec_exports_to_keyed_vectors_and_serves(session):
    from embedlearn.datasets import load_text8
    from embedlearn.vocab import Vocabulary

    text = load_text8(max_tokens=30_000)
    result = es.train_word2vec(text, session, vector_size=16, min_count=5, num_partitions=2, seed=3)
    vocab = Vocabulary.build(text, min_count=5)
    wv = result.wv
    assert wv.index_to_key == vocab.index_to_key            # same words, most frequent first
    assert np.array_equal(wv.counts, vocab.counts)
    assert wv.vectors.shape == (len(vocab), 16) and np.isfinite(wv.vectors).all()
    assert result.params["numPartitions"] == 2 and result.seconds > 0
    assert np.linalg.norm(wv.vectors, axis=1).min() > 0      # every word was trained
    # MLlib's own nearest neighbours (findSynonyms) agree with an exact index over the export
    serving = pytest.importorskip("embedlearn.serving")
    index = serving.build_index(wv)
    mllib = [w for w, _ in result.model.findSynonymsArray("the", 5)]
    ours = [k for k, _ in serving.most_similar(wv, "the", topn=5, index=index)]
    assert ours == mllib
    with pytest.raises(ValueError, match="does not match the model"):
        es.to_keyed_vectors(result.model, order=vocab.index_to_key[:-1])
    assert sorted(es.to_keyed_vectors(result.model).index_to_key) == sorted(vocab.index_to_key)
