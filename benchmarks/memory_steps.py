"""Where a Word2Vec run's memory goes: RSS after each step, in one process.

Usage::

    EMBEDLEARN_DATA=../shared/data python benchmarks/memory_steps.py embedlearn|gensim

Same input and settings as ``benchmarks/word2vec.py`` (CBOW with negative sampling, one epoch: the
memory does not depend on the mode or the number of epochs). Prints RSS and peak RSS in MB after
loading the data, importing the library (for embedlearn: numba, then the first call of a cached
kernel), building the vocabulary, training, and the two evaluations.
"""
import os
import resource
import sys


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _step(name):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| {name} | {_rss_mb():.1f} | {peak:.1f} |", flush=True)


def main(lib):
    print(f"{lib}: RSS after each step\n\n| step | RSS MB | peak RSS MB |\n|---|---:|---:|")
    _step("python")
    from embedlearn.datasets import fetch, load_text8

    sentences = load_text8(max_tokens=2_139_748)
    _step("text8 prefix loaded")
    params = dict(vector_size=100, window=5, negative=5, hs=0, sg=0, min_count=5, sample=1e-3,
                  epochs=1, workers=2, seed=1)
    if lib == "gensim":
        from gensim.models import Word2Vec

        _step("import gensim")
    else:
        import numba  # noqa: F401

        _step("import numba")
        from embedlearn.word2vec import Word2Vec

        params["progress"] = False
        Word2Vec([["a", "b"] * 5], min_count=1, epochs=1, workers=1, progress=False)
        _step("first call of a cached kernel")
    model = Word2Vec(**params)
    model.build_vocab(sentences)
    _step("build_vocab")
    if lib == "gensim":
        model.train(sentences, total_examples=len(sentences), epochs=1)
    else:
        model.train()
    _step("train")
    model.wv.evaluate_word_analogies(str(fetch("questions-words")), restrict_vocab=30000)
    _step("evaluate_word_analogies")
    model.wv.evaluate_word_pairs(str(fetch("wordsim353")))
    _step("evaluate_word_pairs")


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    if len(sys.argv) != 2 or sys.argv[1] not in ("embedlearn", "gensim"):
        sys.exit(__doc__)
    main(sys.argv[1])
