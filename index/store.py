"""A built index on disk: one file, written atomically, read through memory mapping.

Layout: a fixed preamble (magic, format version, header length, header CRC), a JSON header
(metadata and the list of arrays with their dtype, shape, offset and CRC), then the raw arrays,
each aligned to 64 bytes. Loading maps the file and wraps the arrays without copying them, so a
large index opens in a fraction of a second and its pages are shared between processes.

Loading checks the header, the file's size and the checksum of every array up to a few
megabytes; the large arrays (postings, texts) are read only where a query needs them, so
checking them on every start would cost seconds and memory. `load(path, verify_all=True)` checks
them all.
"""

from __future__ import annotations

import contextlib
import errno
import json
import mmap
import os
import re
import stat
import struct
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import IndexFormatError, IndexPathError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

MAGIC = b"CITEBOT\x00"
FORMAT_VERSION = 3  # 3: passages carry their page and kind
QUICK_CHECK_BYTES = 4 << 20  # arrays up to this size are checked on every load
_PREAMBLE = struct.Struct("<8sIQI")  # magic, version, header length, header crc32
_ALIGN = 64


@dataclass
class IndexData:
    """The arrays and metadata of a built index."""

    header: dict[str, Any]
    arrays: dict[str, np.ndarray]
    _mmap: mmap.mmap | None = field(default=None, repr=False)

    def close(self) -> None:
        """Release the memory map, if the data came from a file."""
        self.arrays = {}
        if self._mmap is not None:
            # Arrays still referenced elsewhere keep the map open until they go.
            with contextlib.suppress(BufferError):
                self._mmap.close()
            self._mmap = None


def _pad(n: int) -> int:
    return (-n) % _ALIGN


def check_replaceable(path: Path) -> None:
    """Raise IndexPathError unless `path` is free, empty or holds a citebot index.

    A file that does not start with the index's magic is someone's document (an `--index`
    or `index:` pointing at the wrong file): replacing it would destroy it, so it is refused.
    A file that starts as an index does, however damaged, is ours to rebuild.
    """
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return  # nothing there (or a dangling link): nothing to lose
    except OSError as exc:
        raise _not_ours(path, f"cannot be examined ({exc.strerror or exc})") from exc
    if stat.S_ISDIR(info.st_mode):
        raise _not_ours(path, "is a folder")
    if not stat.S_ISREG(info.st_mode):
        raise _not_ours(path, "is not a regular file")
    try:
        with open(path, "rb") as f:
            head = f.read(len(MAGIC))
    except OSError as exc:
        raise _not_ours(path, f"cannot be read ({exc.strerror or exc})") from exc
    if not MAGIC.startswith(head):
        raise _not_ours(path, "exists and is not a citebot index")


def _not_ours(path: Path, what: str) -> IndexPathError:
    return IndexPathError(
        f"the index file {path} {what}; citebot will not replace it: name another index file "
        "(--index, or index: in the config) or move it away"
    )


def save(path: Path, data: IndexData) -> None:
    """Write the index to `path` atomically: a temporary file, fsync, then os.replace.

    Raise IndexPathError, writing nothing, when `path` holds a file that is not an index.
    """
    check_replaceable(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a part of the path is a file
        raise NotADirectoryError(
            errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path.parent)
        ) from None
    specs = []
    offset = 0
    data.arrays = {name: np.ascontiguousarray(a) for name, a in data.arrays.items()}
    for name, array in data.arrays.items():
        specs.append(
            {
                "name": name,
                "dtype": array.dtype.str,
                "shape": list(array.shape),
                "offset": offset,
                "nbytes": array.nbytes,
                "crc": zlib.crc32(memoryview(array).cast("B")),
            }
        )
        offset += array.nbytes + _pad(array.nbytes)
    header = dict(data.header, format=FORMAT_VERSION, arrays=specs, data_bytes=offset)
    try:
        header_bytes = json.dumps(header, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        # A path of bytes that are not UTF-8 (a corpus folder's, say) holds lone surrogates:
        # JSON's \u escapes keep them, and loading gives back the same string.
        header_bytes = json.dumps(header).encode("ascii")
    start = _PREAMBLE.size + len(header_bytes)
    start += _pad(start)
    remove_stale_temps(path)
    fd, tmp = _locked_temp(path)
    try:
        with os.fdopen(fd, "wb", closefd=False) as out:
            out.write(
                _PREAMBLE.pack(MAGIC, FORMAT_VERSION, len(header_bytes), zlib.crc32(header_bytes))
            )
            out.write(header_bytes)
            out.write(b"\0" * (start - out.tell()))
            for spec in specs:
                array = data.arrays[spec["name"]]
                out.write(memoryview(array).cast("B"))
                out.write(b"\0" * _pad(array.nbytes))
            out.flush()
            os.fsync(out.fileno())
        check_replaceable(path)  # again: the file may have appeared while this one was written
        if fcntl is None:  # Windows renames only a closed file
            os.close(fd)
            fd = -1
        os.replace(tmp, path)  # still locked: no cleaner takes it for a dead writer's
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        if fd >= 0:
            os.close(fd)
    _fsync_dir(path.parent)


# Temporary files: `.NAME.XXXXXXXX.tmp` next to the index, as tempfile.mkstemp names them. A
# writer holds an exclusive flock on its file until the file has replaced the index; the
# kernel drops the lock when the writer dies, even by kill -9. So a file of that name that can
# be locked is a dead writer's leftover, and one that cannot is being written right now.


def _temp_name(path: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")


def _locked_temp(path: Path) -> tuple[int, str]:
    """Create the temporary file for `path` and lock it; return its descriptor and name."""
    while True:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        if fcntl is None:
            return fd, tmp
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.path.samestat(os.fstat(fd), os.stat(tmp)):
                return fd, tmp
        except FileNotFoundError:
            pass  # a cleaner removed it between its creation and the lock: make another
        os.close(fd)


def remove_stale_temps(path: Path) -> list[Path]:
    """Delete the temporary files dead writers of `path` left behind; return them.

    Only files named as `save` names them, owned by this user, empty or starting with the
    index's magic, and not locked by a writer still at work are removed.
    """
    name = _temp_name(path)
    try:
        candidates = [e.path for e in os.scandir(path.parent) if name.fullmatch(e.name)]
    except OSError:
        return []
    removed = []
    for candidate in map(Path, candidates):
        with contextlib.suppress(OSError):
            if _remove_if_stale(candidate):
                removed.append(candidate)
    return removed


def _remove_if_stale(temp: Path) -> bool:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(temp, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return False
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            return False
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # a writer is at work on it
        if not MAGIC.startswith(os.read(fd, len(MAGIC))):
            return False  # not written by citebot
        if not os.path.samestat(info, os.lstat(temp)):
            return False
        if fcntl is not None:
            os.unlink(temp)  # while locked, so no writer can take it up in between
            return True
    finally:
        os.close(fd)
    os.unlink(temp)  # Windows deletes only a closed file, and refuses while a writer has it
    return True


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_header(path: Path) -> dict[str, Any]:
    """Read and check only the header of an index file."""
    with open(path, "rb") as f:
        return _parse_header(f.read(_PREAMBLE.size), f, path)[0]


def _parse_header(preamble: bytes, f: Any, path: Path) -> tuple[dict[str, Any], int]:
    if not preamble.startswith(MAGIC[: len(preamble)]) or not preamble:
        raise IndexFormatError(f"{path} is not a citebot index")
    if len(preamble) < _PREAMBLE.size:
        raise IndexFormatError(f"{path} is truncated")
    magic, version, length, crc = _PREAMBLE.unpack(preamble)
    if magic != MAGIC:
        raise IndexFormatError(f"{path} is not a citebot index")
    if version != FORMAT_VERSION:
        raise IndexFormatError(
            f"{path} has index format {version}; this version of citebot reads {FORMAT_VERSION}"
        )
    # The length is checked against the file before anything is read: a flipped bit would
    # otherwise ask for a terabyte.
    if length > os.fstat(f.fileno()).st_size - _PREAMBLE.size:
        raise IndexFormatError(f"{path} has a damaged header (its length is past the end)")
    raw = f.read(length)
    if len(raw) != length or zlib.crc32(raw) != crc:
        raise IndexFormatError(f"{path} has a damaged header")
    try:
        header = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise IndexFormatError(f"{path} has a damaged header") from exc
    if not isinstance(header, dict):
        raise IndexFormatError(f"{path} has a damaged header")
    start = _PREAMBLE.size + length
    return header, start + _pad(start)


def load(path: Path, verify_all: bool = False) -> IndexData:
    """Map an index file and check it; raise IndexFormatError if it is unusable."""
    try:
        with open(path, "rb") as f:
            header, start = _parse_header(f.read(_PREAMBLE.size), f, path)
            size = os.fstat(f.fileno()).st_size
            data_bytes = header.get("data_bytes", 0)
            if not isinstance(data_bytes, int) or data_bytes < 0:
                raise IndexFormatError(f"{path} has a damaged header")
            if size < start + data_bytes:
                raise IndexFormatError(f"{path} is truncated")
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else None
    except FileNotFoundError as exc:
        raise IndexFormatError(f"{path} does not exist") from exc
    except OSError as exc:
        raise IndexFormatError(f"{path} cannot be read ({exc.strerror or exc})") from exc
    arrays: dict[str, np.ndarray] = {}
    try:
        for spec in header["arrays"]:
            dtype, shape, count = _array_spec(spec, data_bytes)
            begin = start + spec["offset"]
            array = np.frombuffer(mm, dtype=dtype, count=count, offset=begin).reshape(shape)
            checked = verify_all or array.nbytes <= QUICK_CHECK_BYTES
            if checked and zlib.crc32(memoryview(array).cast("B")) != spec["crc"]:
                raise IndexFormatError(f"{path} is corrupt (array {spec['name']} fails its check)")
            arrays[spec["name"]] = array
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexFormatError(f"{path} is damaged ({exc})") from exc
    return IndexData(header=header, arrays=arrays, _mmap=mm)


def _array_spec(spec: Any, data_bytes: int) -> tuple[np.dtype, list[int], int]:
    """Return an array's dtype, shape and element count; raise ValueError unless it fits."""
    if not isinstance(spec, dict):
        raise ValueError("an array entry is not a mapping")
    dtype = np.dtype(spec["dtype"])
    shape, offset, nbytes = spec["shape"], spec["offset"], spec["nbytes"]
    if dtype.kind not in "biuf" or not isinstance(shape, list):
        raise ValueError(f"array {spec['name']} has an unexpected type")
    if not all(isinstance(n, int) and n >= 0 for n in [*shape, offset, nbytes]):
        raise ValueError(f"array {spec['name']} has a negative or missing size")
    count = 1
    for n in shape:
        count *= n
    if count * dtype.itemsize != nbytes or offset + nbytes > data_bytes:
        raise ValueError(f"array {spec['name']} does not fit in the file")
    return dtype, shape, count


def encode_strings(name: str, values: list[str]) -> dict[str, np.ndarray]:
    """Return strings as two arrays: `<name>_blob` (UTF-8 bytes) and `<name>_off` (n + 1)."""
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
    return {f"{name}_blob": blob, f"{name}_off": offsets}


def decode_strings(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    """Return all the strings of a blob and its offsets."""
    data = bytes(blob)
    off = offsets.tolist()
    return [data[off[i] : off[i + 1]].decode("utf-8") for i in range(len(off) - 1)]


class StringTable:
    """Strings stored as a blob and offsets, decoded one at a time when asked for."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self._blob = blob
        self._off = offsets

    def __len__(self) -> int:
        return len(self._off) - 1

    def __getitem__(self, i: int) -> str:
        return self.raw(i).decode("utf-8")

    def raw(self, i: int) -> bytes:
        """Return string `i` as UTF-8 bytes."""
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._blob[int(self._off[i]) : int(self._off[i + 1])].tobytes()

    def find(self, value: str) -> int | None:
        """Return the position of `value` in a table sorted by UTF-8 bytes, or None."""
        target = value.encode("utf-8")
        lo, hi = 0, len(self)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.raw(mid) < target:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < len(self) and self.raw(lo) == target else None
