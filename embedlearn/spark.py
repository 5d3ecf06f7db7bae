"""Apache Spark MLlib's Word2Vec beside embedlearn: a local session, training, export to KeyedVectors.

MLlib's ``Word2Vec`` (``org.apache.spark.mllib.feature.Word2Vec``, wrapped by
``pyspark.ml.feature.Word2Vec``) is skip-gram with hierarchical softmax in word2vec.c's roles, with
no negative sampling and no subsampling. Each iteration broadcasts the weights; each of the
``numPartitions`` partitions runs SGD over its share of the sentences from the same start, and the
rows the partitions changed are averaged (Spark >= 3; before, they were summed, SPARK-24666). More
partitions therefore mean more parallel work *and* a different, noisier optimisation: the quality
drop is measured in ``benchmarks/spark.py`` and chapter 11.

Everything here runs on one machine, ``local[n]``: pip's ``pyspark`` (4.x) brings Spark itself, and
needs a Java 17 or 21 runtime (:func:`check_java` says what to install when it is missing).
``SPARK_LOCAL_IP`` defaults to ``127.0.0.1`` so that no network interface is looked up.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from numbers import Integral

import numpy as np

__all__ = ["JavaRuntimeError", "check_java", "local_session", "train_word2vec", "to_keyed_vectors",
           "SparkWord2Vec"]

MIN_JAVA = 17
_INSTALL_HINT = ("install a Java 17 (or 21) runtime: on Debian/Ubuntu `apt-get install "
                 "openjdk-17-jre-headless`; elsewhere install a JDK 17 and set JAVA_HOME to it")


class JavaRuntimeError(RuntimeError):
    """No usable Java runtime for Spark (missing, or older than Java 17)."""


def _java_executable():
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = os.path.join(home, "bin", "java")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
        raise JavaRuntimeError(f"JAVA_HOME={home!r} holds no bin/java; unset it or point it at a Java "
                               f"{MIN_JAVA}+ installation ({_INSTALL_HINT})")
    return shutil.which("java")


def check_java(min_version=MIN_JAVA) -> str:
    """Check that a Java runtime Spark 4 can use is installed; return its version string.

    Looks at ``JAVA_HOME/bin/java`` if ``JAVA_HOME`` is set (as Spark's launcher does), else
    ``java`` on ``PATH``, and runs ``java -version``.

    Raises
    ------
    JavaRuntimeError
        If no ``java`` is found, it does not run, or its major version is below ``min_version``;
        the message says what to install.
    """
    java = _java_executable()
    if java is None:
        raise JavaRuntimeError(f"Spark needs Java, and no `java` is on PATH (JAVA_HOME is unset): "
                               f"{_INSTALL_HINT}")
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise JavaRuntimeError(f"`{java} -version` failed ({exc}): {_INSTALL_HINT}") from exc
    text = out.stderr + out.stdout
    match = re.search(r'version "(\d+)(?:\.(\d+))?[^"]*"', text)
    if out.returncode != 0 or not match:
        raise JavaRuntimeError(f"`{java} -version` gave no version ({text.strip()[:200]!r}): "
                               f"{_INSTALL_HINT}")
    major = int(match.group(1))
    if major == 1:  # "1.8.0_392" is Java 8
        major = int(match.group(2) or 0)
    if major < min_version:
        raise JavaRuntimeError(f"Spark 4 needs Java {min_version} or newer; {java} is Java {major}: "
                               f"{_INSTALL_HINT}")
    return match.group(0).split('"')[1]


def _pyspark():
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ImportError("embedlearn.spark needs PySpark: pip install pyspark "
                          "(or pip install 'embedlearn[spark]')") from None


def local_session(cores=2, driver_memory="2g", app_name="embedlearn"):
    """Start (or return the running) local Spark session, ``local[cores]``, quietly.

    Java is checked first, so a missing runtime gives :class:`JavaRuntimeError` and not a Py4J
    traceback. The web UI and the console progress bars are off; log level WARN.

    Parameters
    ----------
    cores : int, default 2
        Worker threads of the local master.
    driver_memory : str, default "2g"
        JVM heap of the driver, which in local mode is also the executor.
    app_name : str

    Returns
    -------
    pyspark.sql.SparkSession
    """
    if isinstance(cores, bool) or not isinstance(cores, Integral) or cores < 1:
        raise ValueError(f"cores must be a positive int, got {cores!r}")
    _pyspark()
    check_java()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master(f"local[{int(cores)}]").appName(app_name)
               .config("spark.driver.memory", driver_memory)
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", str(max(2, int(cores))))
               .getOrCreate())
    session.sparkContext.setLogLevel("WARN")
    return session


@dataclass
class SparkWord2Vec:
    """What :func:`train_word2vec` returns.

    Attributes
    ----------
    wv : KeyedVectors
        MLlib's vectors, keys in descending corpus frequency (as embedlearn's), with counts.
    seconds : float
        Wall time of ``fit`` alone (Spark job, not the session start or the data upload).
    upload_seconds : float
        Time to turn the sentences into a cached Spark DataFrame.
    model : pyspark.ml.feature.Word2VecModel
    params : dict
    """

    wv: object
    seconds: float
    upload_seconds: float
    model: object
    params: dict


def _check_sentences(sentences):
    sentences = [list(s) for s in sentences]
    if not sentences or not any(sentences):
        raise ValueError("sentences is empty: nothing to train on")
    for i, s in enumerate(sentences):
        if not all(isinstance(w, str) for w in s):
            w = next(w for w in s if not isinstance(w, str))
            raise TypeError(f"sentences must hold str tokens; sentence {i} holds "
                            f"{type(w).__name__} {w!r}")
        # Spark receives the text split on spaces: a token must be one non-empty run of non-space.
        if len(" ".join(s).split()) != len(s):
            w = next(w for w in s if len(w.split()) != 1 or w != w.strip())
            raise ValueError(f"sentence {i} holds the token {w!r}: tokens must be non-empty and "
                             "hold no whitespace")
    return sentences


def _upload(session, sentences):
    """A cached DataFrame with one ``text: array<string>`` row per sentence.

    The sentences go through a temporary text file that the JVM reads and splits itself: about
    20 times faster than ``createDataFrame`` on Python lists, which pickles every token through
    Py4J. Tokens hold no spaces (they come from whitespace-split text) and are checked for it.
    """
    import tempfile

    from pyspark.sql import functions as F

    with tempfile.TemporaryDirectory(prefix="embedlearn-spark-") as tmp:
        path = os.path.join(tmp, "sentences.txt")
        with open(path, "w", encoding="utf8") as f:
            for s in sentences:
                if s:
                    f.write(" ".join(s))
                    f.write("\n")
        frame = session.read.text(path).select(F.split("value", " ").alias("text")).cache()
        frame.count()  # materialise while the file exists, and so that the upload is not timed
    return frame


def train_word2vec(sentences, session=None, vector_size=100, window=5, min_count=5,
                   num_partitions=1, max_iter=1, step_size=0.025, seed=1, max_sentence_length=1000):
    """Train MLlib's Word2Vec on ``sentences`` and bring the vectors back as KeyedVectors.

    Parameters are MLlib's (pyspark names in brackets), defaults as pyspark's, except ``seed``.

    Parameters
    ----------
    sentences : iterable of list of str
    session : pyspark.sql.SparkSession, optional
        Default: :func:`local_session()`.
    vector_size : int, default 100  (``vectorSize``)
    window : int, default 5  (``windowSize``)
    min_count : int, default 5  (``minCount``)
    num_partitions : int, default 1  (``numPartitions``)
        Partitions trained in parallel per iteration; MLlib advises a small number for accuracy.
    max_iter : int, default 1  (``maxIter``)
        Passes over the data (MLlib advises ``max_iter <= num_partitions``).
    step_size : float, default 0.025  (``stepSize``)
        Initial learning rate, decayed linearly as in word2vec.c.
    seed : int, default 1
    max_sentence_length : int, default 1000  (``maxSentenceLength``)
        Longer sentences are cut into pieces of this length (text8's 10,000-token sentences
        become ten).

    Returns
    -------
    SparkWord2Vec

    Raises
    ------
    ValueError, TypeError
        Before Spark starts: empty input, non-str tokens, non-positive parameters, or no word
        reaching ``min_count``.
    JavaRuntimeError
        If no Java 17+ runtime is installed.
    """
    from .vocab import Vocabulary

    for name, value in (("vector_size", vector_size), ("window", window), ("min_count", min_count),
                        ("num_partitions", num_partitions), ("max_iter", max_iter),
                        ("max_sentence_length", max_sentence_length)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if not step_size > 0:
        raise ValueError(f"step_size must be > 0, got {step_size!r}")
    sentences = _check_sentences(sentences)
    vocab = Vocabulary.build(sentences, min_count=min_count)  # raises if no word reaches min_count
    if session is None:
        session = local_session()
    from pyspark.ml.feature import Word2Vec as SparkW2V

    start = time.perf_counter()
    frame = _upload(session, sentences)
    upload = time.perf_counter() - start
    params = dict(vectorSize=int(vector_size), windowSize=int(window), minCount=int(min_count),
                  numPartitions=int(num_partitions), maxIter=int(max_iter),
                  stepSize=float(step_size), seed=int(seed),
                  maxSentenceLength=int(max_sentence_length))
    estimator = SparkW2V(inputCol="text", outputCol="mean_vector", **params)
    start = time.perf_counter()
    model = estimator.fit(frame)
    seconds = time.perf_counter() - start
    frame.unpersist()
    wv = to_keyed_vectors(model, order=vocab.index_to_key, counts=vocab.counts)
    return SparkWord2Vec(wv, seconds, upload, model, params)


def to_keyed_vectors(model, order=None, counts=None):
    """Export a fitted ``pyspark.ml.feature.Word2VecModel`` to :class:`KeyedVectors`.

    Parameters
    ----------
    model : pyspark.ml.feature.Word2VecModel
    order : sequence of str, optional
        Key order of the result (e.g. a vocabulary's ``index_to_key``, most frequent first, which
        ``restrict_vocab`` arguments rely on); it must hold exactly the model's words. Default:
        sorted by key (``getVectors`` has no defined order).
    counts : array_like of int, optional
        Counts in ``order``'s order.

    Returns
    -------
    KeyedVectors

    Raises
    ------
    ValueError
        If ``order`` does not hold exactly the model's words.
    """
    from .keyedvectors import KeyedVectors

    rows = model.getVectors().collect()
    found = {r["word"]: r["vector"].toArray() for r in rows}
    if order is None:
        keys = sorted(found)
    else:
        keys = list(order)
        if set(keys) != set(found) or len(keys) != len(found):
            extra, missing = set(found) - set(keys), set(keys) - set(found)
            raise ValueError(f"order does not match the model's {len(found)} words: "
                             f"{len(missing)} not in the model, {len(extra)} missing from order")
    vectors = np.array([found[k] for k in keys], dtype=np.float32).reshape(len(keys), -1)
    return KeyedVectors(keys, vectors, counts=counts)
