"""reStructuredText `.rst` (Sphinx documentation): sections, paragraphs, lists, tables and code.

docutils parses the file into its document tree, with file inclusion and raw passthrough
turned off (a corpus file must not pull in other files) and its messages silenced. Section
titles are headings (the document title at level 1), literal and code blocks are kept as code,
table rows become rows of text. Roles and directives are reduced to their text: the roles
docutils knows render as their content (``literal``, **strong**), and a Sphinx role it does not
know (`:ref:`, `:func:`, …) to the text it shows, "usage" for ``:ref:`usage <label>```.
Directives docutils does not know (`toctree`, `versionadded`, autodoc) are left out: their
content is not the document's prose, or is generated from elsewhere.

Line numbers are docutils' own, which are exact for paragraphs and code blocks and may be off
by one for a title.
"""

from __future__ import annotations

import io
import re

from index.errors import CorpusError
from index.model import Block
from index.readers.base import FrontMatter, Read, one_line
from index.readers.text import decode_text

NAME = "rst"
SUFFIXES = (".rst",)

_ROLE = re.compile(r"^:[\w:.+-]+:`(?P<text>.*)`$", re.S)
_TARGET = re.compile(r"\s*<[^<>]*>$")
_SETTINGS = {
    "report_level": 5,
    "halt_level": 5,
    "file_insertion_enabled": False,
    "raw_enabled": False,
    "_disable_config": True,
    "input_encoding": "unicode",
    "doctitle_xform": True,
}


def read(raw: bytes, name: str, front_matter: FrontMatter) -> Read:
    """Return the sections, paragraphs, list items, table rows and code of an .rst file."""
    from docutils import nodes
    from docutils.core import publish_doctree

    source, encoding = decode_text(raw)
    try:
        tree = publish_doctree(
            source, settings_overrides={**_SETTINGS, "warning_stream": io.StringIO()}
        )
        blocks: list[Block] = []
        properties: dict[str, str | None] = {}
        _walk(tree, nodes, blocks, properties)
    except Exception as exc:  # docutils raises its own and Python's errors on odd input
        raise CorpusError(f"cannot be read as reStructuredText ({one_line(exc)})") from exc
    return Read(tuple(blocks), properties=properties, encoding=encoding)


def _walk(tree: object, nodes: object, blocks: list[Block], properties: dict) -> None:
    """Append the blocks of the document tree in reading order."""
    n = nodes  # the docutils.nodes module, imported by the caller
    titled = any(isinstance(c, n.title) for c in tree.children)  # type: ignore[attr-defined]
    stack: list[tuple[object, int, bool]] = [(tree, 0, False)]  # node, section depth, in a list
    line = 1
    while stack:
        node, depth, listed = stack.pop()
        if isinstance(node, (n.system_message, n.comment, n.substitution_definition, n.target)):
            continue
        if isinstance(node, n.docinfo):
            for field in node.children:  # type: ignore[attr-defined]
                key = {"author": "publisher", "date": "date"}.get(field.tagname)
                if key:
                    properties[key] = " ".join(field.astext().split()) or None
            continue
        found = getattr(node, "line", None)
        if isinstance(node, n.title):
            line = (found - 1) if found and found > 1 else line
            level = 1 if node.parent is tree else depth + (1 if titled else 0)
            text = " ".join(_text(node, n).split())
            if text:
                blocks.append(Block(line, line, text, "heading", level=level))
            continue
        if isinstance(node, n.literal_block):
            text = node.astext().strip("\n")  # type: ignore[attr-defined]
            last = found or line
            first = max(1, last - text.count("\n"))
            line = last
            if text.strip():
                blocks.append(Block(first, last, text, kind="code"))
            continue
        if isinstance(node, n.paragraph):
            text = _text(node, n).strip()
            line = found or line
            if text:
                marked, kind = ("item", "list") if listed else ("", "prose")
                blocks.append(Block(line, line + text.count("\n"), text, marked, kind))
            continue
        if isinstance(node, n.row):
            cells = [" ".join(_text(entry, n).split()) for entry in node.children]  # type: ignore[attr-defined]
            text = " | ".join(c for c in cells if c)
            if text:
                blocks.append(Block(line, line, text, kind="table"))
            continue
        if isinstance(node, n.section):
            depth += 1
        if isinstance(node, n.list_item):
            listed = True
        children = list(getattr(node, "children", ()))
        stack.extend((child, depth, listed) for child in reversed(children))


def _text(node: object, n: object) -> str:
    """Return a node's text with unknown roles reduced to the text they show."""
    parts: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, n.Text):  # type: ignore[attr-defined]
            parts.append(str(current))
        elif isinstance(current, n.problematic):  # type: ignore[attr-defined]
            parts.append(_role_text(current.astext()))
        elif not isinstance(current, n.system_message):  # type: ignore[attr-defined]
            stack.extend(reversed(list(getattr(current, "children", ()))))
    return "".join(parts)


def _role_text(source: str) -> str:
    """Return what a role like ``:ref:`usage <label>``` shows: "usage"."""
    match = _ROLE.match(source.strip())
    if not match:
        return source
    text = match["text"]
    shown = _TARGET.sub("", text) if not text.startswith("<") else text.strip("<>")
    return shown.lstrip("~!") or text
