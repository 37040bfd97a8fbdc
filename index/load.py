"""Read a corpus folder: list its files, and read each through the reader of its format.

The formats themselves live in `index/readers/`, one module each; this module decides which
files are candidates, which are skipped and why, and how stated metadata (front matter,
sources.yaml, document properties) combine.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISLNK, S_ISREG

import yaml
from yaml.constructor import SafeConstructor

from index.errors import CorpusError
from index.model import Document, Metadata, doc_name
from index.readers import BY_SUFFIX, formats, reader_for
from index.yamlfile import YamlError, compose, construct

log = logging.getLogger(__name__)

SUFFIXES = {suffix: reader.NAME for suffix, reader in BY_SUFFIX.items()}
SOURCES_FILE = "sources.yaml"
# YAML in a corpus folder is metadata (sources.yaml, the file it links to, question files),
# not a document: it is neither indexed nor reported as a format citebot does not read.
METADATA_SUFFIXES = frozenset({".yaml", ".yml"})
SOURCES_MAX_BYTES = 32 << 20  # a larger sources.yaml is not read
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
    """List the corpus files under `root`, recursively, in a stable order.

    `root` may also be one file: the corpus is then that file alone (`--corpus notes.txt`).
    """
    if root.is_file():
        return _single_file(root)
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
            suffix = os.path.splitext(name)[1].lower()
            if name.startswith(".") or suffix in METADATA_SUFFIXES:
                continue
            path = folder / name
            relative = prefix + name
            if suffix not in SUFFIXES:
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
            found = _corpus_file(path, relative, real_root)
            if isinstance(found, Skipped):
                skipped.append(found)
            else:
                files.append(found)
    return files, skipped


def _single_file(path: Path) -> tuple[list[CorpusFile], list[Skipped]]:
    """List a corpus that is one file, by the same rules as a file of a folder."""
    name = path.name
    if os.path.splitext(name)[1].lower() not in SUFFIXES:
        return [], [Skipped(shown_name(name), _unsupported(name))]
    if not _valid_name(name):
        return [], [Skipped(shown_name(name), "has a name that is not valid UTF-8; rename it")]
    found = _corpus_file(path, name, path.parent.resolve())
    return ([], [found]) if isinstance(found, Skipped) else ([found], [])


def corpus_path(root: Path, relative: str) -> Path:
    """Return where the corpus file `relative` of the corpus at `root` (a folder or a file) is."""
    return root if root.is_file() else root / relative


def _unsupported(name: str) -> str:
    suffix = os.path.splitext(name)[1]
    what = f"a {suffix} file" if suffix else "a file without an extension"
    return f"is {what}, not a format citebot reads ({formats()})"


def _corpus_file(path: Path, relative: str, real_root: Path) -> CorpusFile | Skipped:
    """Return a file of the corpus as it may be read, or why it may not be."""
    try:
        # os.walk does not enter linked folders, so only a linked file can lead out of the
        # corpus; the others need no resolving (which costs a call per folder of the path,
        # and adds up in a corpus of many files).
        info = os.lstat(path)
        if S_ISLNK(info.st_mode):
            real = path.resolve(strict=True)
            if not real.is_relative_to(real_root):
                return Skipped(relative, "links outside the corpus folder")
            info = real.stat()
    except (OSError, RuntimeError) as exc:
        return Skipped(relative, f"cannot be read ({_reason(exc)})")
    if not S_ISREG(info.st_mode):
        # A pipe or a device would block the build or never end.
        return Skipped(relative, "is not a regular file")
    return CorpusFile(path, relative, info.st_size, info.st_mtime_ns)


def sources_file(root: Path) -> CorpusFile | Skipped | None:
    """Return the `sources.yaml` of a corpus folder, why it cannot be used, or None if absent.

    It is a corpus file like the documents and follows their rules: a regular file inside the
    folder, never a pipe, a device or a link leading outside.
    """
    path = root / SOURCES_FILE
    if root.is_file() or not os.path.lexists(path):
        return None
    return _corpus_file(path, SOURCES_FILE, root.resolve())


def read_listing(file: CorpusFile) -> bytes:
    """Return the bytes of `sources.yaml`, at most SOURCES_MAX_BYTES; raise CorpusError."""
    try:
        # Without blocking, in case a pipe took the file's place since it was listed.
        fd = os.open(file.path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as stream:
            if not S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise CorpusError("is not a regular file")
            raw = stream.read(SOURCES_MAX_BYTES + 1)
    except OSError as exc:
        raise CorpusError(f"cannot be read ({_reason(exc)})") from exc
    if len(raw) > SOURCES_MAX_BYTES:
        raise CorpusError(f"is larger than {SOURCES_MAX_BYTES >> 20} MB")
    return raw


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


def read_sources(
    root: Path, problems: list[Skipped] | None = None
) -> dict[str, dict[str, str | None]]:
    """Read `sources.yaml` of a corpus folder: metadata keyed by file path.

    What cannot be used (the file, an entry, a key, a value) is left out, never stopping the
    build: each problem is added to `problems` as a `Skipped` of sources.yaml, or logged as a
    warning when no list is given.
    """
    found: list[Skipped] = []
    sources = _read_listing(root, found)
    if problems is None:
        for problem in found:
            log.warning("skipped %s: %s", problem.path, problem.reason)
    else:
        problems.extend(found)
    return sources


def _read_listing(root: Path, problems: list[Skipped]) -> dict[str, dict[str, str | None]]:
    def note(line: int | None, what: str) -> None:
        problems.append(Skipped(SOURCES_FILE, f"line {line}: {what}" if line else what))

    file = sources_file(root)
    if file is None:
        return {}
    if isinstance(file, Skipped):
        problems.append(file)
        return {}
    try:
        text = decode(read_listing(file))
    except CorpusError as exc:
        note(None, str(exc))
        return {}
    try:
        tree = compose(text, SOURCES_FILE)
    except YamlError as exc:
        note(exc.line, f"{exc.what}; no metadata from it")
        return {}
    if tree is None:
        return {}
    if not isinstance(tree, yaml.MappingNode):
        note(None, "expected a mapping of file names to metadata; no metadata from it")
        return {}
    sources: dict[str, dict[str, str | None]] = {}
    expected = ", ".join(META_KEYS)
    for key, entry in tree.value:
        line = key.start_mark.line + 1
        if not isinstance(key, yaml.ScalarNode):
            note(line, "expected a file name as the key; the entry is ignored")
            continue
        name = str(key.value)
        if not isinstance(entry, yaml.MappingNode):
            note(line, f"{name}: expected a mapping with {expected}; the entry is ignored")
            continue
        sources[name] = _metadata(entry, SOURCES_FILE, 1, note, prefix=f"{name}.")
    return sources


def _metadata(
    node: yaml.MappingNode,
    source: str,
    first_line: int,
    note: Callable[[int | None, str], None],
    prefix: str | None = None,
) -> dict[str, str | None]:
    """Return the metadata keys of a mapping node, each value built on its own.

    A value must be a scalar (text, number, date, true/false or null); one that is not, or that
    cannot be built, is left out with a `note` (line, what), so that the other keys still count.
    With a `prefix` (an entry of sources.yaml) other keys are noted as unknown; without one
    (front matter, which may hold keys for other tools) they are passed over.
    """
    try:
        SafeConstructor().flatten_mapping(node)  # apply `<<: *defaults` merge keys
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "invalid merge key"
        note(mark.line + first_line if mark else None, f"{problem}; ignored")
        return {}
    values: dict[str, str | None] = {}
    for key, value in node.value:
        name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
        line = key.start_mark.line + first_line
        if name not in META_KEYS:
            if prefix is not None:
                expected = ", ".join(META_KEYS)
                note(line, f"{prefix}{name}: unknown key (expected {expected}); ignored")
            continue
        if not isinstance(value, yaml.ScalarNode):
            # A list or mapping is no title or date, and its str() could be anything.
            kind = "a list" if isinstance(value, yaml.SequenceNode) else "a mapping"
            note(line, f"{prefix or ''}{name}: expected a single value, not {kind}; ignored")
            continue
        try:
            data = construct(value, source, first_line)
        except YamlError as exc:
            note(exc.line or line, f"{prefix or ''}{name}: {exc.problem}; ignored")
            continue
        values[name] = _meta_value(data)
    return values


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


def decode(raw: bytes) -> str:
    """Decode a YAML file's bytes as UTF-8 (or UTF-16 with a BOM); raise CorpusError otherwise.

    Documents are decoded by their readers (index/readers/base.py), which also guess other
    encodings; YAML is UTF-8 or UTF-16 by its specification.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise CorpusError("is not valid UTF-16") from exc
    if b"\x00" in raw[:8192]:
        raise CorpusError("looks binary")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"is not valid UTF-8 (byte {exc.start})") from exc
    if "\x00" in text:
        raise CorpusError("looks binary")
    return text


def _front_matter(lines: tuple[str, ...], name: str) -> tuple[dict[str, str | None], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for end in range(1, min(len(lines), 200)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return {}, 0

    def note(line: int | None, what: str) -> None:
        log.warning("%s%s: %s", name, f", line {line}" if line else "", what)

    try:
        tree = compose("\n".join(lines[1:end]), name, first_line=2)
    except YamlError as exc:
        log.warning("%s%s: %s; the front matter is ignored", name, exc.where, exc.what)
        return {}, end + 1
    if not isinstance(tree, yaml.MappingNode):
        return {}, end + 1
    return _metadata(tree, name, 2, note), end + 1
