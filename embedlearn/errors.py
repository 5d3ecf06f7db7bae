"""Exceptions of the package, each also an instance of the type gensim raises in the same case.

Users arrive from gensim and already catch its exceptions: ``RuntimeError`` for a model without a
vocabulary, ``EOFError`` for a truncated vectors file. Every class here is a ``ValueError`` (the
package's one type for bad input) *and* gensim's type, so both ``except ValueError`` and the
gensim user's ``except RuntimeError`` / ``except EOFError`` work.
"""
from __future__ import annotations

__all__ = ["VocabularyError", "ModelFileError", "TruncatedFileError"]


class VocabularyError(ValueError, RuntimeError):
    """The vocabulary is missing or empty (e.g. every word was dropped by ``min_count``).

    gensim raises ``RuntimeError`` here ("you must first build vocabulary before training the
    model").
    """


class ModelFileError(ValueError):
    """A model or vectors file is corrupt, inconsistent, or of another format.

    The message names the file and, where it applies, the line or byte offset.
    """


class TruncatedFileError(ModelFileError, EOFError):
    """A model or vectors file ends before the data it declares (gensim raises ``EOFError``)."""
