"""Atomic writes and checked reads of the package's own ``.npz`` model files."""
from __future__ import annotations

import json
import os
import tempfile
import zipfile

import numpy as np


def atomic_write(path, write) -> None:
    """Call ``write(binary_file)`` on a temporary file next to ``path``, then rename it over ``path``.

    ``os.replace`` is atomic on POSIX and Windows, so ``path`` holds either its old content or the
    complete new one, never a half-written file; on any error the temporary file is removed.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates the file as 0600; give it the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_savez(path, **arrays):
    """``numpy.savez`` made atomic (see :func:`atomic_write`); strings are stored as 0-d arrays."""
    atomic_write(path, lambda f: np.savez(f, **arrays))


def load_npz(path, required, fmt):
    """Read an ``.npz`` written by :func:`atomic_savez` and check it.

    Parameters
    ----------
    path : str or Path
    required : tuple of str
        Arrays the file must hold; ``"meta"`` (JSON) and ``"keys"`` are returned as str/dict.
    fmt : str
        Expected ``meta["format"]``.

    Raises
    ------
    ValueError
        If the file is truncated, not an ``.npz``, or of another format.
    """
    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":
            raise ValueError(f"{path}: corrupt or truncated model file (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as data:
            files = data.files
            missing = [k for k in required if k not in files]
            if not missing:
                out = {k: data[k] for k in required}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        raise ValueError(f"{path}: corrupt or truncated model file ({err})") from err
    if missing:
        raise ValueError(f"{path}: not a {fmt} file (missing {', '.join(missing)})")
    if "meta" in out:
        out["meta"] = json.loads(str(out["meta"]))
        if out["meta"].get("format") != fmt:
            raise ValueError(f"{path}: format {out['meta'].get('format')!r}, expected {fmt!r}")
    if "keys" in out:
        out["keys"] = str(out["keys"])
    return out
