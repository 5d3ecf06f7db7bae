"""embedlearn: embedding models derived and built from scratch.

Public names are imported lazily, so ``import embedlearn`` is fast and loads numba only when a
model is first used.
"""

__version__ = "0.1.0"

_EXPORTS = {
    "Word2Vec": "word2vec",
    "Item2Vec": "item2vec",
    "GloVe": "glove",
    "FastText": "fasttext",
    "KeyedVectors": "keyedvectors",
    "Vocabulary": "vocab",
    "Corpus": "corpus",
    "Doc2Vec": "doc2vec",
    "TaggedDocument": "doc2vec",
    "Graph": "graphs",
    "DeepWalk": "graphs",
    "Node2Vec": "graphs",
    "Graph2Vec": "graphs",
}
_MODULES = ("datasets", "corpus", "vocab", "keyedvectors", "evaluation", "word2vec", "glove",
            "fasttext", "reference", "ppmi", "training", "kernels", "graphs", "errors",
            "validation", "fasttext_format", "item2vec", "recsys", "serving", "alignment",
            "plotting", "spark")

__all__ = sorted(_EXPORTS) + list(_MODULES)


def __getattr__(name):
    import importlib

    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    if name in _MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'embedlearn' has no attribute {name!r}")


def __dir__():
    return __all__
