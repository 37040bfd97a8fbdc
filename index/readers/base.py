"""What every reader returns, and the decoding of text files shared by the text formats.

Text files are decoded as UTF-8 first (or UTF-16 with a byte-order mark), exactly as before.
Only when that fails is the encoding guessed. Windows-1252 (of which Latin-1 is the printable
part) is tried first when the text it gives looks like Western prose (no run of accented
characters longer than a word's); charset detection (charset-normalizer) decides otherwise.
The order matters: on a short Latin-1 note a statistical detector picks a Central European or
Icelandic code page about as often as the right one, while Windows-1252 mojibake of other
scripts shows itself as long runs of accented letters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from index.errors import CorpusError
from index.model import Block

# (lines, file name) -> (front matter metadata, index of the first body line)
FrontMatter = Callable[[tuple[str, ...], str], tuple[dict[str, str | None], int]]

_WESTERN = re.compile(r"[^\x00-\x7f]{4,}")  # a run of non-ASCII characters no Western word has
_CP1252_ONLY = re.compile(rb"[\x80-\x9f]")  # where Windows-1252 and Latin-1 differ


@dataclass(frozen=True)
class Read:
    """What a reader found in a file.

    - `blocks`: the text in reading order, each with its location.
    - `front`: metadata the file states about itself in a form meant for it (Markdown front
      matter, HTML meta tags): it wins over sources.yaml.
    - `properties`: metadata the file carries as document properties (PDF and Word): often
      left by a template, so sources.yaml wins over it.
    - `first_line_title`: a short first line above prose reads as the title.
    """

    blocks: tuple[Block, ...]
    front: dict[str, str | None] = field(default_factory=dict)
    properties: dict[str, str | None] = field(default_factory=dict)
    first_line_title: bool = False
    encoding: str | None = None  # set when the file is text that is not UTF-8
    pages: int | None = None


def decode(raw: bytes) -> tuple[str, str | None]:
    """Return the text of file bytes and their encoding when it is not UTF-8.

    Raise CorpusError when the bytes are binary or no encoding gives text.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise CorpusError("is not valid UTF-16") from exc
    if b"\x00" in raw[:8192]:
        raise CorpusError("looks binary")
    try:
        text, encoding = raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        text, encoding = _guess(raw, exc.start)
    if "\x00" in text:
        raise CorpusError("looks binary")
    return text, encoding


def _guess(raw: bytes, bad: int) -> tuple[str, str]:
    """Decode bytes that are not UTF-8: Windows-1252 when it reads as such, else detection."""
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    if text and not _WESTERN.search(text):
        return text, "cp1252" if _CP1252_ONLY.search(raw) else "latin-1"
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise CorpusError(f"is not valid UTF-8 (byte {bad}) and its encoding cannot be detected")
    return str(best), best.encoding


def split_lines(text: str) -> tuple[str, ...]:
    """Return the lines of a text, whatever its line ends, without a final empty line."""
    lines = tuple(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    if lines and lines[-1] == "":
        lines = lines[:-1]
    return lines


def one_line(exc: BaseException) -> str:
    """Return an exception's message on one short line, for a skip reason."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
