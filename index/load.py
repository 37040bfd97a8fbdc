"""Read a corpus folder: list its files, and read each through the reader of its format.

The formats themselves live in `index/readers/`, one module each; this module decides which
files are candidates, which are skipped and why, and how stated metadata (front matter,
sources.yaml, document properties) combine.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISLNK, S_ISREG

from index.errors import CorpusError
from index.model import Document, Metadata, doc_name
from index.readers import BY_SUFFIX, formats, reader_for
from index.yamlfile import YamlError, parse

log = logging.getLogger(__name__)

SUFFIXES = {suffix: reader.NAME for suffix, reader in BY_SUFFIX.items()}
SOURCES_FILE = "sources.yaml"
META_KEYS = ("title", "publisher", "date", "url")
_UNSET = object()


@dataclass(frozen=True)
class Skipped:
    """A corpus file that was not indexed, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class CorpusFile:
    """A candidate file of the corpus, before it is read."""

    path: Path
    relative: str
    size: int
    mtime_ns: int


def list_files(root: Path) -> tuple[list[CorpusFile], list[Skipped]]:
    """List the corpus files under `root`, recursively, in a stable order."""
    if not root.is_dir():
        raise CorpusError(f"corpus folder {root} does not exist or is not a folder")
    real_root = root.resolve()
    files: list[CorpusFile] = []
    skipped: list[Skipped] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=_walk_error(skipped, root)):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        folder = Path(dirpath)
        prefix = folder.relative_to(root).as_posix() + "/" if folder != root else ""
        for name in sorted(filenames):
            if name.startswith(".") or (not prefix and name == SOURCES_FILE):
                continue
            path = folder / name
            relative = prefix + name
            if os.path.splitext(name)[1].lower() not in SUFFIXES:
                # Named, not dropped silently: a user who put a file here expects it read.
                skipped.append(Skipped(shown_name(relative), _unsupported(name)))
                continue
            if not _valid_name(relative):
                # An id, a citation and JSON need the name as text; bytes that are not UTF-8
                # could only be shown escaped, and an escaped name can be another file's.
                skipped.append(
                    Skipped(shown_name(relative), "has a name that is not valid UTF-8; rename it")
                )
                continue
            try:
                # os.walk does not enter linked folders, so only a linked file can lead out
                # of the corpus; the others need no resolving (which costs a call per folder
                # of the path, and adds up in a corpus of many files).
                info = os.lstat(path)
                if S_ISLNK(info.st_mode):
                    real = path.resolve(strict=True)
                    if not real.is_relative_to(real_root):
                        skipped.append(Skipped(relative, "links outside the corpus folder"))
                        continue
                    info = real.stat()
            except (OSError, RuntimeError) as exc:
                skipped.append(Skipped(relative, f"cannot be read ({_reason(exc)})"))
                continue
            if not S_ISREG(info.st_mode):
                # A pipe or a device would block the build or never end.
                skipped.append(Skipped(relative, "is not a regular file"))
                continue
            files.append(CorpusFile(path, relative, info.st_size, info.st_mtime_ns))
    return files, skipped


def _unsupported(name: str) -> str:
    suffix = os.path.splitext(name)[1]
    what = f"a {suffix} file" if suffix else "a file without an extension"
    return f"is {what}, not a format citebot reads ({formats()})"


def _walk_error(skipped: list[Skipped], root: Path):  # noqa: ANN202 - os.walk callback
    def handle(exc: OSError) -> None:
        name = Path(exc.filename).relative_to(root).as_posix() if exc.filename else str(root)
        skipped.append(Skipped(shown_name(name), f"folder cannot be read ({_reason(exc)})"))

    return handle


def _valid_name(name: str) -> bool:
    """Return whether a file name from the file system is valid UTF-8 text."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8, as os.fsdecode's surrogates
        return False
    return True


def shown_name(name: str) -> str:
    """Return a file name as printable text: bytes that are not UTF-8 as `\\xNN` escapes."""
    if _valid_name(name):
        return name
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _reason(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def read_sources(root: Path) -> dict[str, dict[str, str | None]]:
    """Read `sources.yaml` of a corpus folder: metadata keyed by file path."""
    path = root / SOURCES_FILE
    if not path.exists():
        return {}
    try:
        data = parse(path.read_text(encoding="utf-8"), path).data
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot be read as YAML: {_one_line(exc)}") from exc
    except YamlError as exc:
        raise CorpusError(f"{path}: cannot be read as YAML: {exc.detail}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: expected a mapping of file names to metadata")
    sources: dict[str, dict[str, str | None]] = {}
    for name, entry in data.items():
        if not isinstance(entry, dict):
            raise CorpusError(f"{path}: {name}: expected a mapping with {', '.join(META_KEYS)}")
        unknown = sorted(set(map(str, entry)) - set(META_KEYS))
        if unknown:
            raise CorpusError(
                f"{path}: {name}.{unknown[0]}: unknown key (expected {', '.join(META_KEYS)})"
            )
        sources[str(name)] = {k: _meta_value(v) for k, v in entry.items()}
    return sources


def _meta_value(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip() or None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def read_bytes(file: CorpusFile) -> bytes:
    """Return the bytes of a corpus file; raise CorpusError when it cannot be read."""
    try:
        return file.path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot be read ({_reason(exc)})") from exc


def read_document(
    file: CorpusFile, sources: dict[str, dict[str, str | None]], raw: bytes | None = None
) -> Document:
    """Read one corpus file; raise CorpusError when it cannot be used."""
    if raw is None:
        raw = read_bytes(file)
    reader = reader_for(file.path.suffix)
    if reader is None:
        raise CorpusError(f"is not a format citebot reads ({formats()})")
    found = reader.read(raw, file.relative, _front_matter)
    if not found.blocks:
        raise CorpusError("is empty")
    front = found.front
    listed = sources.get(file.relative, {})
    # Front matter wins over sources.yaml; a key set to null in either means "unknown".
    # Document properties (PDF, Word) come last: a template often fills them in.
    merged: dict[str, object] = {}
    for key in META_KEYS:
        value: object = _UNSET
        if key in front:
            value = front[key]
        elif key in listed:
            value = listed[key]
        merged[key] = value
    explicit = frozenset(k for k, v in merged.items() if v is not _UNSET)
    for key, value in found.properties.items():
        if merged.get(key, _UNSET) is _UNSET and value:
            merged[key] = value
    meta = Metadata(**{k: (None if v is _UNSET else v) for k, v in merged.items()})
    doc = Document(
        doc=doc_name(Path(file.relative)),
        path=file.relative,
        meta=meta,
        kind=reader.NAME,
        blocks=found.blocks,
        stated=explicit,
        first_line_title=found.first_line_title,
        encoding=found.encoding,
        pages=found.pages,
    )
    return doc


def _front_matter(lines: tuple[str, ...], name: str) -> tuple[dict[str, str | None], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for end in range(1, min(len(lines), 200)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return {}, 0
    try:
        data = parse("\n".join(lines[1:end]), name, first_line=2).data
    except YamlError as exc:
        log.warning("%s: front matter is not valid YAML, ignored (%s)", name, exc.detail)
        return {}, end + 1
    if not isinstance(data, dict):
        return {}, end + 1
    return {k: _meta_value(data[k]) for k in META_KEYS if k in data}, end + 1
