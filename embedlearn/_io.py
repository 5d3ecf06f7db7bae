"""File plumbing shared by every save and load: atomic writes, checked ``.npz`` reads, and
transparently compressed streams for the word2vec formats.

Three promises, each tested in ``tests/test_io.py``:

* a save never leaves a half-written file at the user's path, and an error names that path;
* reading a damaged file raises :class:`~embedlearn.errors.ModelFileError` naming the file
  (:class:`~embedlearn.errors.TruncatedFileError` when it ends early), never ``zlib.error``,
  ``struct.error``, ``NotImplementedError`` or whatever the zip or decompression layer raises;
* ``.gz``, ``.bz2`` and ``.xz`` files are read and written like plain ones.
"""
from __future__ import annotations

import bz2
import errno
import gzip
import json
import lzma
import os
import re
import secrets
import stat
import struct
import zipfile
import zlib

import numpy as np

from .errors import ModelFileError, TruncatedFileError

try:  # POSIX: a lock tells a live save's temporary file from one a killed save left behind
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["atomic_write", "atomic_savez", "read_npz", "load_npz", "open_for_reading",
           "compression_from_name", "write_compressed"]


# ---------------------------------------------------------------------- atomic saves
def _temp_name_pattern(base: str):
    # Temporary files are ".NAME.XXXXXXXX.tmp"; the 8 characters cover the token_hex names written
    # here and the mkstemp names of older versions. Anchored, so ".NAME.bak.XXXXXXXX.tmp" (another
    # file's temporary) never matches.
    return re.compile(r"\." + re.escape(base) + r"\.[a-z0-9_]{8}\.tmp\Z")


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _remove_stale_temporaries(directory: str, base: str) -> None:
    """Delete temporary files of earlier saves to ``base`` that no process is writing any more.

    A save holds an exclusive ``flock`` on its temporary file until the file is renamed into place,
    so a temporary file that can be locked belongs to a save that died (SIGKILL, power loss).
    """
    if fcntl is None:
        return
    pattern = _temp_name_pattern(base)
    try:
        names = [n for n in os.listdir(directory) if pattern.match(n)]
    except OSError:
        return
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    for name in names:
        candidate = os.path.join(directory, name)
        try:
            fd = os.open(candidate, flags)
        except OSError:
            continue
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a live save is writing it
            try:
                # Between open and lock the save may have finished and renamed the file into place.
                if _same_file(os.stat(candidate, follow_symlinks=False), opened):
                    os.unlink(candidate)
            except OSError:
                pass
        finally:
            os.close(fd)


def _create_locked_temporary(directory: str, base: str):
    """Create and lock ``directory/.base.XXXXXXXX.tmp``; return ``(fd, path)``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = os.path.join(directory, f".{base}.{secrets.token_hex(4)}.tmp")
        try:
            # Mode 0o666 filtered by the umask: the permissions a plain open() gives a new file.
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        if fcntl is None:
            return fd, tmp
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            # A concurrent save's cleanup may have locked and deleted the file before we locked it.
            if _same_file(os.stat(tmp, follow_symlinks=False), os.fstat(fd)):
                return fd, tmp
        except FileNotFoundError:
            pass
        os.close(fd)
    raise FileExistsError(f"{os.path.join(directory, base)}: could not create a temporary file "
                          "next to it after 100 attempts")


def _naming_path(exc: OSError, path: str) -> OSError:
    """The same error, about ``path`` (the user's file) instead of the temporary file."""
    if exc.errno is not None:
        try:
            return type(exc)(exc.errno, exc.strerror or str(exc), path)
        except Exception:  # a subclass with another constructor
            return OSError(exc.errno, exc.strerror or str(exc), path)
    return OSError(f"{path}: {exc}")


def atomic_write(path, write) -> None:
    """Call ``write(binary_file)`` on a temporary file next to ``path``, then rename it over ``path``.

    ``os.replace`` is atomic on POSIX and Windows, so ``path`` holds either its old content or the
    complete new one, never a half-written file.

    * If ``path`` is a symbolic link, the file it points to is replaced and the link stays a link
      (as ``open(path, "w")`` would write through it).
    * If the destination exists, the new file gets its permission bits; a new file gets the ones a
      plain ``open()`` gives (``0o666`` minus the umask).
    * Temporary files ``.NAME.XXXXXXXX.tmp`` left next to the destination by a save that was killed
      are deleted first. A save holds an exclusive ``flock`` on its temporary file, so one that
      another process is still writing is never touched.
    * On any error the temporary file is removed and an ``OSError`` names ``path``, not the
      temporary file.

    Parameters
    ----------
    path : str or os.PathLike
    write : callable
        ``write(f)`` writes the content to the open binary file ``f``.
    """
    path = os.fspath(path)
    target = os.path.realpath(path)  # write through symbolic links
    directory, base = os.path.split(target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _naming_path(exc, path) from exc
    _remove_stale_temporaries(directory, base)
    try:
        fd, tmp = _create_locked_temporary(directory, base)
    except OSError as exc:
        raise _naming_path(exc, path) from exc
    f = os.fdopen(fd, "wb")
    try:
        try:
            write(f)
            f.flush()
            os.fsync(fd)
            if mode is not None:
                os.chmod(fd if os.chmod in os.supports_fd else tmp, mode)
            if fcntl is None:
                f.close()  # Windows cannot rename an open file (and there is no lock to keep)
            os.replace(tmp, target)
        except OSError as exc:
            raise _naming_path(exc, path) from exc
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass  # the error that brought us here matters more
        raise
    finally:
        f.close()  # releases the lock, after the rename
    try:  # make the rename itself durable; not all file systems allow fsync on a directory
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def atomic_savez(path, **arrays):
    """``numpy.savez`` made atomic (see :func:`atomic_write`); strings are stored as 0-d arrays."""
    atomic_write(path, lambda f: np.savez(f, **arrays))


# ---------------------------------------------------------------------- compressed streams
_MAGIC = {"gzip": b"\x1f\x8b", "bz2": b"BZh", "xz": b"\xfd7zXZ\x00"}
_SIGNATURE_SIZE = {"gzip": 2, "bz2": 4, "xz": 6}  # bz2: "BZh" and the block-size digit
_SUFFIXES = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bz2", ".xz": "xz"}


def compression_from_name(path):
    """``"gzip"``, ``"bz2"``, ``"xz"`` or ``None``, from the extension of ``path``."""
    return _SUFFIXES.get(os.path.splitext(os.fspath(path))[1].lower())


def _compression_from_magic(head: bytes):
    if head.startswith(_MAGIC["gzip"]):
        return "gzip"
    if head.startswith(_MAGIC["bz2"]) and head[3:4] in b"123456789" and len(head) > 3:
        return "bz2"
    if head.startswith(_MAGIC["xz"]):
        return "xz"
    return None


def write_compressed(f, compression, write) -> None:
    """Call ``write`` on ``f`` itself (``compression=None``) or on a compressor writing into ``f``.

    gzip output has no file name and a zero time stamp, so saving the same vectors twice gives the
    same bytes; level 6 is the ``gzip`` tool's default (level 9 is several times slower for a few
    percent).
    """
    if compression is None:
        write(f)
        return
    if compression == "gzip":
        stream = gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=6, mtime=0)
    elif compression == "bz2":
        stream = bz2.BZ2File(f, "wb")
    elif compression == "xz":
        stream = lzma.LZMAFile(f, "wb")
    else:
        raise ValueError(f"unknown compression {compression!r}; expected 'gzip', 'bz2', 'xz' or None")
    with stream:  # closing the compressor flushes it and leaves f open
        write(stream)


class CheckedReader:
    """A binary stream whose decompression errors name the file and the position in its data.

    ``read``, ``readline`` and line iteration behave as on a binary file. A compressed stream
    that ends early raises :class:`TruncatedFileError`, corrupt compressed data (bad CRC, bad
    block) :class:`ModelFileError`; both name the file and the number of uncompressed bytes read.
    ``offset`` is that number: the position in the (uncompressed) data.
    """

    def __init__(self, raw, path: str, compression):
        self._raw = raw
        self.path = path
        self.compression = compression
        self.offset = 0

    def _fail(self, exc):
        where = f"after {self.offset} bytes of uncompressed data"
        if isinstance(exc, EOFError):
            return TruncatedFileError(f"{self.path}: the {self.compression} data ends early ({where}); "
                                      "the file is truncated")
        return ModelFileError(f"{self.path}: corrupt {self.compression} data ({where}): {exc}")

    def _call(self, method, *args):
        try:
            data = method(*args)
        except ModelFileError:
            raise
        except (EOFError, zlib.error, lzma.LZMAError, struct.error) as exc:
            raise self._fail(exc) from exc
        except OSError as exc:
            if exc.errno is not None or self.compression is None:
                raise  # a real I/O error, not damaged data
            raise self._fail(exc) from exc  # gzip.BadGzipFile, bz2's "Invalid data stream"
        self.offset += len(data)
        return data

    def read(self, n: int = -1) -> bytes:
        return self._call(self._raw.read, n)

    def readline(self) -> bytes:
        return self._call(self._raw.readline)

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line


class _Opened:
    def __init__(self, path):
        self.path = path

    def __enter__(self) -> CheckedReader:
        path = self.path
        self._file = open(path, "rb")
        try:
            head = self._file.read(6)
            self._file.seek(0)
            found = _compression_from_magic(head)
            named = compression_from_name(path)
            if named is not None and found is None:
                magic = _MAGIC[named]
                if len(head) < _SIGNATURE_SIZE[named] and magic.startswith(head[:len(magic)]):
                    raise TruncatedFileError(f"{path}: the file ends inside the {named} signature "
                                             f"({len(head)} bytes); the file is truncated")
                raise ModelFileError(f"{path}: the name says {named} but the file does not start with "
                                     f"the {named} signature {magic!r}")
            if found == "gzip":
                stream = gzip.GzipFile(fileobj=self._file, mode="rb")
            elif found == "bz2":
                stream = bz2.BZ2File(self._file, "rb")
            elif found == "xz":
                stream = lzma.LZMAFile(self._file, "rb")
            else:
                stream = self._file
        except BaseException:
            self._file.close()
            raise
        self._stream = stream
        return CheckedReader(stream, path, found)

    def __exit__(self, *exc_info):
        try:
            if self._stream is not self._file:
                self._stream.close()
        finally:
            self._file.close()


def open_for_reading(path) -> _Opened:
    """Open ``path`` for binary reading, decompressing gzip, bz2 and xz data transparently.

    The compression is recognised by the file's first bytes (so ``vectors.bin.gz`` and a gzip file
    named ``vectors.bin`` both work); a file named ``.gz``/``.bz2``/``.xz`` that does not start with
    that signature is an error rather than being read as plain data.

    Returns
    -------
    context manager
        ``with open_for_reading(path) as f:`` gives a :class:`CheckedReader`.

    Raises
    ------
    ModelFileError, TruncatedFileError
        If the name promises a compression the data does not have.
    """
    return _Opened(os.fspath(path))


# ---------------------------------------------------------------------- .npz archives
_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_END = b"PK\x05\x06"
_ZIP_END_SIZE = 22
_ZIP_MAX_COMMENT = 0xFFFF
_READ_CHUNK = 1 << 24
# What zipfile, zlib, bz2, lzma and numpy's .npy parser raise on damaged bytes. A corrupt archive can
# trigger any of them, e.g. NotImplementedError for an unknown compression method, RuntimeError for
# the "encrypted" flag, struct.error for a short header.
_ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, NotImplementedError, RuntimeError,
                   struct.error, EOFError, ValueError, KeyError, IndexError, OverflowError, TypeError,
                   SyntaxError)


# OSErrors that damaged offsets cause (seek to a negative position: EINVAL), as opposed to I/O errors.
_DAMAGE_ERRNOS = (None, errno.EINVAL, errno.EOVERFLOW)


def _end_record_entries(f, size: int):
    """Entry count of the zip end-of-central-directory record in the last 64 KiB; None if the file
    has no complete one (it was cut short)."""
    start = max(0, size - _ZIP_END_SIZE - _ZIP_MAX_COMMENT)
    f.seek(start)
    tail = f.read()
    at = tail.rfind(_ZIP_END)
    while at != -1:
        if len(tail) - at >= _ZIP_END_SIZE:
            return struct.unpack_from("<H", tail, at + 10)[0]
        at = tail.rfind(_ZIP_END, 0, at)
    return None


class _Damaged(Exception):
    """A problem found in one archive member; :func:`read_npz` adds the file and member names."""


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive_size: int):
    """Read one ``.npy`` member, checking its declared size before allocating anything."""
    if info.compress_size > archive_size:
        raise _Damaged(f"claims {info.compress_size} compressed bytes, more than the whole file "
                       f"({archive_size})")
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise _Damaged(f"stored uncompressed but its sizes differ ({info.compress_size} and "
                       f"{info.file_size} bytes)")
    if info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > 1100 * info.compress_size + 1024:
        # deflate cannot expand data more than about 1032:1
        raise _Damaged(f"claims {info.file_size} bytes from {info.compress_size} deflated bytes, more "
                       "than deflate can produce")
    with zf.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise _Damaged(f"unsupported .npy version {version}")
        if dtype.hasobject:
            raise _Damaged("holds Python objects, which are never unpickled")
        if any(d < 0 for d in shape):
            raise _Damaged(f"negative dimension in shape {shape}")
        count = 1
        for d in shape:
            count *= int(d)
        nbytes = count * dtype.itemsize
        header_size = member.tell()
        if header_size + nbytes != info.file_size:
            raise _Damaged(f"the array header declares shape {shape} of {dtype} ({nbytes} bytes) but "
                           f"the member holds {info.file_size - header_size}")
        array = np.empty(count, dtype=dtype)
        if nbytes:
            view = memoryview(array.view(np.uint8))
            done = 0
            while done < nbytes:
                n = member.readinto(view[done:done + _READ_CHUNK])
                if not n:
                    raise EOFError(f"member data ends after {done} of {nbytes} bytes")
                done += n
        if member.read(1):  # reading to the end makes zipfile verify the member's CRC-32
            raise _Damaged("data after the array")
    return array.reshape(shape[::-1]).T if fortran_order else array.reshape(shape)


def read_npz(path, names=None, prefix=None) -> dict:
    """Read the arrays of an ``.npz`` archive, with every kind of damage reported as one error type.

    Unlike ``numpy.load`` this checks each array's declared shape against the size of its zip member
    before allocating memory (a flipped byte in a header cannot request terabytes), reads each
    member to its end so that zipfile verifies its CRC-32, and never unpickles objects.

    Parameters
    ----------
    path : str or os.PathLike
    names : collection of str, optional
        Arrays to read (without ``.npy``); ``None`` reads all. Absent names are simply not in the
        result.
    prefix : str, optional
        Start of error messages; default ``"PATH: corrupt or truncated model file"``.

    Returns
    -------
    dict of str to numpy.ndarray

    Raises
    ------
    FileNotFoundError, PermissionError, IsADirectoryError
        As ``open`` (the file is missing, not damaged).
    TruncatedFileError
        If the file is empty or ends before its zip directory or inside a member (a save cut short
        by a full disk, a partial download). Also a ``ModelFileError`` and an ``EOFError``.
    ModelFileError
        If the file is not a zip archive or any part of it is corrupt.
    """
    path = os.fspath(path)
    if prefix is None:
        prefix = f"{path}: corrupt or truncated model file"
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(4)
        if size == 0:
            raise TruncatedFileError(f"{prefix} (the file is empty)")
        if head not in (_ZIP_LOCAL, _ZIP_END):
            if len(head) < 4 and _ZIP_LOCAL.startswith(head):
                raise TruncatedFileError(f"{prefix} (the file ends after {size} bytes; truncated)")
            raise ModelFileError(f"{prefix} (not an .npz archive: it does not start with a zip "
                                 f"signature but with {head!r})")
        n_entries = _end_record_entries(f, size)
        if n_entries is None:
            raise TruncatedFileError(f"{prefix} (the archive ends before its zip directory: the file is "
                                     "truncated)")
        f.seek(0)
        member = None
        try:
            with zipfile.ZipFile(f) as zf:
                infos = {}
                for info in zf.infolist():
                    member = info.filename
                    if member in infos:
                        raise _Damaged("appears twice in the archive")
                    if info.comment:  # numpy writes none; one can swallow the next directory entry
                        raise _Damaged("has a comment in the zip directory")
                    infos[member] = info
                member = None
                if n_entries != 0xFFFF and n_entries != len(infos):  # 0xFFFF: see the zip64 record
                    raise _Damaged(f"the zip directory lists {len(infos)} members, its end record "
                                   f"{n_entries}")
                out = {}
                for member, info in infos.items():
                    # numpy.savez writes only NAME.npy members: another name is a damaged directory
                    # entry, which must not make an array silently disappear.
                    if not member.endswith(".npy"):
                        raise _Damaged("is not an array (.npy) member")
                    if names is None or member[:-4] in names:
                        out[member[:-4]] = _read_member(zf, info, size)
            return out
        except _Damaged as exc:
            raise ModelFileError(_describe(prefix, member, str(exc))) from None
        except OSError as exc:
            if exc.errno not in _DAMAGE_ERRNOS:
                raise  # an I/O error, not damaged data
            raise ModelFileError(_describe(prefix, member, f"{type(exc).__name__}: {exc}")) from exc
        except _ARCHIVE_ERRORS as exc:
            cls = TruncatedFileError if isinstance(exc, EOFError) else ModelFileError
            raise cls(_describe(prefix, member, f"{type(exc).__name__}: {exc}")) from exc


def _describe(prefix, member, reason) -> str:
    where = f"member {member!r}: " if member is not None else ""
    return f"{prefix} ({where}{reason})"


def _scalar_str(array, name, path) -> str:
    if not isinstance(array, np.ndarray) or array.dtype.kind != "U" or array.ndim != 0:
        raise ModelFileError(f"{path}: corrupt model file ({name!r} is not a string)")
    return str(array)


def load_npz(path, required, fmt):
    """Read an ``.npz`` written by :func:`atomic_savez` and check it (see :func:`read_npz`).

    Parameters
    ----------
    path : str or Path
    required : tuple of str
        Arrays the file must hold; ``"meta"`` (JSON) and ``"keys"`` are returned as dict/str.
    fmt : str
        Expected ``meta["format"]``.

    Returns
    -------
    dict
        The required arrays by name (``"meta"`` as a dict, ``"keys"`` as a str).

    Raises
    ------
    ModelFileError (a ValueError)
        If the file is truncated (then a :class:`TruncatedFileError`), not an ``.npz``, corrupt,
        or of another format.
    """
    path = os.fspath(path)
    data = read_npz(path, names=set(required))
    missing = [k for k in required if k not in data]
    if missing:
        raise ModelFileError(f"{path}: not a {fmt} file (missing {', '.join(missing)})")
    out = {k: data[k] for k in required}
    if "meta" in out:
        try:
            meta = json.loads(_scalar_str(out["meta"], "meta", path))
        except json.JSONDecodeError as exc:
            raise ModelFileError(f"{path}: corrupt model file (meta is not valid JSON: {exc})") from exc
        if not isinstance(meta, dict):
            raise ModelFileError(f"{path}: corrupt model file (meta is not a JSON object)")
        if meta.get("format") != fmt:
            raise ModelFileError(f"{path}: format {meta.get('format')!r}, expected {fmt!r}")
        out["meta"] = meta
    if "keys" in out:
        out["keys"] = _scalar_str(out["keys"], "keys", path)
    return out
