"""Read YAML safely, and say in which file and on which line it went wrong.

Four kinds of YAML reach citebot: the config file, question files, a corpus's `sources.yaml`
and the front matter of Markdown sources. Each is read through `parse`, which loads safely
(no tag can build a Python object) and turns any YAML error into a `YamlError` carrying the
source's name, the line in that source (`first_line` shifts it for YAML embedded in a larger
file, like front matter), the short problem and PyYAML's full description. Callers word their
own messages from those parts, so each keeps the words its users know; `str(error)` is the
usual "FILE, line N: not valid YAML: PROBLEM".

`parse` composes the node tree first and builds the values from it second, with PyYAML's
safe constructor: what `yaml.safe_load` does inside, in two steps so that the text is parsed
once and both results are kept. The tree holds every key's line, which `line_of` uses to
point a schema error at its key and `duplicate_key` to refuse a key set twice (YAML silently
keeps the last). The gap between the two steps is where checks of the tree itself belong
(aliases that expand without bound, values other than scalars), and building is where a
value that fails to convert (an impossible date, an integer too long for Python) can be
caught and located by its node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from index.errors import CitebotError


class YamlError(CitebotError):
    """YAML text that cannot be loaded, with where and what went wrong."""

    def __init__(self, source: str, line: int | None, problem: str, detail: str) -> None:
        self.source = source  # the file's name, as the caller gave it
        self.line = line  # 1-based, in the source; None when PyYAML gives no position
        self.problem = problem  # the short problem, like "found character '\t' that ..."
        self.detail = detail  # PyYAML's whole description on one line, with its context
        super().__init__(f"{source}{self.where}: not valid YAML: {problem}")

    @property
    def where(self) -> str:
        """Return ", line N" when the line is known, else an empty string."""
        return f", line {self.line}" if self.line else ""


@dataclass(frozen=True)
class YamlDocument:
    """The values of a YAML text and the node tree they were built from."""

    data: object  # None for an empty text
    tree: yaml.Node | None


def parse(text: str, source: str | Path, first_line: int = 1) -> YamlDocument:
    """Safely load YAML text; raise YamlError naming `source`, the line and the problem."""
    try:
        tree = yaml.compose(text)  # nodes only: composing runs no constructor at all
        data = SafeConstructor().construct_document(tree) if tree is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark is not None else None
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise YamlError(str(source), line, problem, " ".join(str(exc).split())) from exc
    return YamlDocument(data, tree)


def line_of(tree: yaml.Node | None, loc: Sequence[str]) -> int | None:
    """Return the line of the key (or list item) at `loc`, or of the nearest one found."""
    node: Any = tree
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == part:
                    line = key.start_mark.line + 1
                    node = value
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line


def duplicate_key(
    node: yaml.Node | None, loc: str = "", walked: set[int] | None = None
) -> tuple[str, int, int] | None:
    """Return (key, line, first line) of a key set twice in one mapping (YAML keeps the last)."""
    walked = set() if walked is None else walked
    if node is None or id(node) in walked:  # an alias: that node was looked at already
        return None
    walked.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = f"{loc}.{key.value}" if loc else str(key.value)
            line = key.start_mark.line + 1
            if name in seen:
                return name, line, seen[name]
            seen[name] = line
            found = duplicate_key(value, name, walked)
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found = duplicate_key(item, f"{loc}.{i}" if loc else str(i), walked)
            if found:
                return found
    return None
