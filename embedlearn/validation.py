"""Checks run before any work: hyperparameters, learning rates, and arrays read from a file.

Every model calls these, so a bad value gets the same clear message everywhere, and no array read
from a model file reaches a kernel before its shape, dtype, index range and finiteness are checked
against the other arrays of the file (numba kernels do not check bounds: a wrong shape there is a
segfault, not an exception).
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from .errors import ModelFileError

__all__ = ["check_positive", "check_nonnegative", "check_flag", "check_learning_rate",
           "ALPHA_WARN_ABOVE", "ArraySpec", "check_arrays", "check_finite_arrays"]

#: Learning rates above this are accepted with a warning: no SGD model here trains stably with a
#: larger step (word2vec's default is 0.025, fastText's 0.05, Graph2Vec's reference code 0.5).
ALPHA_WARN_ABOVE = 1.0

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _is_number(value) -> bool:
    return isinstance(value, (numbers.Real, np.integer, np.floating)) and not isinstance(value, bool)


def check_positive(name, value, integer=False):
    """Raise ``ValueError`` unless ``value`` is a positive (integer) number."""
    ok = _is_number(value)
    if ok and integer:
        ok = float(value) == int(value)
    if not ok or not np.isfinite(value) or value <= 0:
        kind = "a positive integer" if integer else "a positive number"
        raise ValueError(f"{name} must be {kind}, got {value!r}")


def check_nonnegative(name, value, integer=False):
    """Raise ``ValueError`` unless ``value`` is a non-negative (integer) number."""
    ok = _is_number(value)
    if ok and integer:
        ok = float(value) == int(value)
    if not ok or not np.isfinite(value) or value < 0:
        kind = "a non-negative integer" if integer else "a non-negative number"
        raise ValueError(f"{name} must be {kind}, got {value!r}")


def check_flag(name, value):
    """Raise ``ValueError`` unless ``value`` is 0, 1, False or True (gensim's 0/1 switches)."""
    if value not in (0, 1) or not isinstance(value, (int, bool, np.integer)):
        raise ValueError(f"{name} must be 0 or 1, got {value!r}")


def check_learning_rate(name, value, allow_zero=False):
    """Check a learning rate: finite, positive (or 0 if ``allow_zero``), representable in float32.

    The kernels compute in float32, so a rate of 1e39 would become ``inf`` there; a rate above
    :data:`ALPHA_WARN_ABOVE` is accepted with a ``UserWarning`` (training will almost surely diverge,
    which the per-epoch finiteness check then reports).

    Returns
    -------
    float
    """
    if not _is_number(value) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    value = float(value)
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound} (SGD descends the loss), got {value!r}")
    if value > _FLOAT32_MAX or (value > 0 and np.float32(value) == 0):
        raise ValueError(f"{name}={value!r} is not representable in float32, the kernels' precision")
    if value > ALPHA_WARN_ABOVE:
        warnings.warn(f"{name}={value!r} is above {ALPHA_WARN_ABOVE}: SGD on these models is "
                      "expected to diverge (typical rates are 0.01-0.1)", UserWarning, stacklevel=3)
    return value


class ArraySpec:
    """What one array of a model file must be.

    Parameters
    ----------
    dtype : numpy dtype-like
        Exact dtype.
    shape : tuple of int or None
        Exact shape; ``None`` in a position accepts any length there.
    low, high : int, optional
        For integer arrays: every value must lie in ``[low, high)`` (``high`` may be ``None``).
    finite : bool, default True
        For float arrays: every value must be finite.
    """

    def __init__(self, dtype, shape, low=None, high=None, finite=True):
        self.dtype = np.dtype(dtype)
        self.shape = tuple(shape)
        self.low, self.high, self.finite = low, high, finite


def check_arrays(path, arrays, specs):
    """Check every array read from ``path`` against its :class:`ArraySpec`, before any use.

    Parameters
    ----------
    path : str or os.PathLike
        Named in the error message.
    arrays : dict of str to numpy.ndarray
    specs : dict of str to ArraySpec

    Raises
    ------
    embedlearn.errors.ModelFileError
        Naming the file, the array and what is wrong with it (missing, dtype, shape, a value out of
        range, a non-finite value).
    """
    for name, spec in specs.items():
        if name not in arrays:
            raise ModelFileError(f"{path}: inconsistent model file: array {name!r} is missing")
        a = arrays[name]
        if not isinstance(a, np.ndarray) or a.dtype != spec.dtype:
            got = a.dtype if isinstance(a, np.ndarray) else type(a).__name__
            raise ModelFileError(f"{path}: inconsistent model file: {name} has dtype {got}, "
                                 f"expected {spec.dtype}")
        if a.ndim != len(spec.shape) or any(want is not None and got != want
                                            for got, want in zip(a.shape, spec.shape)):
            want = tuple("any" if s is None else s for s in spec.shape)
            raise ModelFileError(f"{path}: inconsistent model file: {name} has shape {a.shape}, "
                                 f"expected {want} (the arrays of the file disagree)")
        if a.size and a.dtype.kind in "iu" and (spec.low is not None or spec.high is not None):
            lo, hi = a.min(), a.max()
            if (spec.low is not None and lo < spec.low) or (spec.high is not None and hi >= spec.high):
                raise ModelFileError(
                    f"{path}: inconsistent model file: {name} holds values in [{lo}, {hi}], "
                    f"expected [{spec.low}, {spec.high})")
        if a.size and a.dtype.kind == "f" and spec.finite and not np.isfinite(a).all():
            raise ModelFileError(f"{path}: inconsistent model file: {name} holds NaN or inf values")


def check_finite_arrays(arrays, when):
    """Raise ``ValueError`` naming the first array in ``arrays`` (a dict) holding NaN or inf."""
    for name, a in arrays.items():
        # min and max propagate NaN: no temporary as large as the array.
        if a.size and not (np.isfinite(a.min()) and np.isfinite(a.max())):
            raise ValueError(f"{name} holds NaN or inf values {when}; reinitialise the model "
                             "(build_vocab) or repair the array")
