"""Read YAML safely, and say in which file and on which line it went wrong.

Four kinds of YAML reach citebot: the config file, question files, a corpus's `sources.yaml`
and the front matter of Markdown sources. Each is read through this module, which loads safely
(no tag can build a Python object) and turns any YAML error into a `YamlError` carrying the
source's name, the line in that source (`first_line` shifts it for YAML embedded in a larger
file, like front matter), the short problem and PyYAML's full description. Callers word their
own messages from those parts, so each keeps the words its users know; `str(error)` is the
usual "FILE, line N: not valid YAML: PROBLEM", or "FILE, line N: KEY: PROBLEM" for a value.

`parse` composes the node tree first and builds the values from it second, with PyYAML's
safe constructor: what `yaml.safe_load` does inside, in two steps so that the text is parsed
once and both results are kept. The tree holds every key's line, which `line_of` uses to
point a schema error at its key and `duplicate_key` to refuse a key set twice (YAML silently
keeps the last).

Between the two steps the tree is checked. Aliases let a few hundred bytes stand for billions
of values (`&b [*a, *a, …]`, nested): the values share their objects, so building them is
cheap, but anything that walks them (`str()`, a schema, a digest) never ends. So the tree's
size with every alias expanded is counted, without expanding it, and a document whose aliases
add more than `ALIAS_BUDGET` values to it, or that holds itself, is refused before anything
is built. Building is where a value that YAML accepts but Python cannot hold (an impossible
date like 2024-02-30, an integer longer than Python converts from text) fails; the error is
caught at its node and reported with that node's line and key.

`compose` and `construct` are the two steps on their own, for readers that build part of a
tree: corpus metadata builds only the keys it uses, one value at a time, so that one bad value
is refused alone and the rest of the file still counts. `read_text` reads the config and
question files with a bound on their size, so that one linked to `/dev/zero` is an error and
not the end of memory (a corpus's `sources.yaml` is read as the corpus files are, in `load`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from index.errors import CitebotError

ALIAS_BUDGET = 10_000  # values that aliases may add to a document beyond its own nodes
MAX_BYTES = 32 << 20  # a YAML file larger than this is refused unread
_INT_TAG = "tag:yaml.org,2002:int"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class YamlError(CitebotError):
    """YAML text that cannot be loaded, with where and what went wrong."""

    def __init__(
        self,
        source: str,
        line: int | None,
        problem: str,
        detail: str,
        *,
        key: str | None = None,
        summary: str | None = "not valid YAML",
    ) -> None:
        self.source = source  # the file's name, as the caller gave it
        self.line = line  # 1-based, in the source; None when PyYAML gives no position
        self.problem = problem  # the short problem, like "found character '\t' that ..."
        self.detail = detail  # PyYAML's whole description on one line, with its context
        self.key = key  # the dotted key of the value at fault, when it is known
        head = f"{key}: " if key else ""
        head += f"{summary}: " if summary else ""
        self.what = head + problem  # the message without its file and line
        super().__init__(f"{source}{self.where}: {self.what}")

    @property
    def where(self) -> str:
        """Return ", line N" when the line is known, else an empty string."""
        return f", line {self.line}" if self.line else ""


@dataclass(frozen=True)
class YamlDocument:
    """The values of a YAML text and the node tree they were built from."""

    data: object  # None for an empty text
    tree: yaml.Node | None


def read_text(path: Path, limit: int = MAX_BYTES) -> str:
    """Return a YAML file's text as UTF-8; raise YamlError when it is over `limit` bytes.

    Raises OSError and UnicodeDecodeError as `Path.read_text` does.
    """
    with path.open("rb") as file:
        raw = file.read(limit + 1)
    if len(raw) > limit:
        problem = f"is larger than {limit >> 20} MB"
        raise YamlError(str(path), None, problem, problem, summary=None)
    return raw.decode("utf-8")


def load_file(path: Path, kind: str) -> YamlDocument:
    """Read and parse a YAML file a user named (`kind`: "config file"); raise YamlError."""
    try:
        text = read_text(path)
    except FileNotFoundError as exc:
        raise _unreadable(path, f"{kind} not found") from exc
    except IsADirectoryError as exc:
        raise _unreadable(path, f"is a folder, not a {kind}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise _unreadable(path, f"cannot be read ({exc})") from exc
    return parse(text, path)


def _unreadable(path: Path, problem: str) -> YamlError:
    return YamlError(str(path), None, problem, problem, summary=None)


def parse(text: str, source: str | Path, first_line: int = 1) -> YamlDocument:
    """Safely load YAML text; raise YamlError naming `source`, the line and the problem."""
    tree = compose(text, source, first_line)
    data = construct(tree, source, first_line) if tree is not None else None
    return YamlDocument(data, tree)


def compose(text: str, source: str | Path, first_line: int = 1) -> yaml.Node | None:
    """Return the checked node tree of YAML text (None when empty); raise YamlError."""
    try:
        tree = yaml.compose(text)  # nodes only: composing runs no constructor at all
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark is not None else None
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise YamlError(str(source), line, problem, " ".join(str(exc).split())) from exc
    except RecursionError:  # PyYAML composes nested collections by recursion
        problem = "collections are nested too deeply"
        raise YamlError(str(source), None, problem, problem) from None
    if tree is not None:
        _check_expansion(tree, str(source), first_line)
    return tree


def construct(
    node: yaml.Node, source: str | Path, first_line: int = 1, tree: yaml.Node | None = None
) -> object:
    """Build the values of a checked node; raise YamlError at a value Python cannot hold.

    `tree` is the document `node` belongs to, for the dotted key of a value at fault.
    """
    try:
        return _Constructor().construct_document(node)
    except _BadValue as exc:
        key = key_of(tree if tree is not None else node, exc.node)
        line = exc.node.start_mark.line + first_line
        raise YamlError(str(source), line, exc.problem, exc.problem, key=key, summary=None) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark is not None else None
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise YamlError(str(source), line, problem, " ".join(str(exc).split())) from exc


class _BadValue(ConstructorError):
    """A scalar that YAML accepts but that cannot become a Python value."""

    def __init__(self, node: yaml.Node, problem: str) -> None:
        super().__init__(None, None, problem, node.start_mark)
        self.node = node


class _Constructor(SafeConstructor):
    """PyYAML's safe constructor, with values that fail to convert reported at their node."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Build one node's value; raise _BadValue when Python cannot hold it."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            raise _BadValue(node, _value_problem(node, exc)) from exc


def _value_problem(node: yaml.Node, exc: Exception) -> str:
    """Return what is wrong with a scalar that failed to convert, without quoting all of it."""
    text = str(node.value)
    shown = text if len(text) <= 40 else text[:40] + "…"
    if node.tag == _INT_TAG:
        digits = sum(c.isdigit() for c in text)
        limit = sys.get_int_max_str_digits()
        if limit and digits > limit:
            return f"an integer of {digits:,} digits is too long (at most {limit:,})"
        return f"{shown} is not a valid integer"
    if node.tag == _TIMESTAMP_TAG:
        return f"{shown} is not a valid date ({exc})"
    return f"{shown} cannot be read as {node.tag.rsplit(':', 1)[-1]} ({exc})"


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _walk(tree: yaml.Node) -> Iterator[yaml.Node]:
    """Yield each distinct node of a tree once, however often aliases repeat it."""
    seen = {id(tree)}
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in _children(node):
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)


def _check_expansion(tree: yaml.Node, source: str, first_line: int) -> None:
    """Refuse a tree that holds itself or whose aliases add more than ALIAS_BUDGET values."""
    limit = sum(1 for _ in _walk(tree)) + ALIAS_BUDGET
    size: dict[int, int] = {}  # node id -> values it stands for, aliases expanded
    on_path = {id(tree)}
    stack: list[tuple[yaml.Node, Iterator[yaml.Node]]] = [(tree, iter(_children(tree)))]
    while stack:  # depth first, without recursion; a node is sized after its children
        node, pending = stack[-1]
        for child in pending:
            if id(child) in size:
                continue
            if id(child) in on_path:
                problem = "an alias refers to a collection that contains it"
                line = child.start_mark.line + first_line
                raise YamlError(source, line, problem, problem, summary=None)
            on_path.add(id(child))
            stack.append((child, iter(_children(child))))
            break
        else:
            stack.pop()
            on_path.discard(id(node))
            total = 1 + sum(size[id(child)] for child in _children(node))
            if total > limit:
                problem = f"aliases would expand this to more than {ALIAS_BUDGET:,} extra values"
                line = node.start_mark.line + first_line
                raise YamlError(source, line, problem, problem, summary=None)
            size[id(node)] = total


def key_of(tree: yaml.Node, target: yaml.Node) -> str | None:
    """Return the dotted key (list items by 0-based index) of `target` in `tree`, if found."""
    if target is tree:
        return None
    seen = {id(tree)}
    stack: list[tuple[yaml.Node, str]] = [(tree, "")]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, yaml.MappingNode):
            steps = [
                (part, str(key.value) if isinstance(key, yaml.ScalarNode) else "?")
                for key, value in node.value
                for part in (key, value)
            ]
        elif isinstance(node, yaml.SequenceNode):
            steps = [(item, str(i)) for i, item in enumerate(node.value)]
        else:
            continue
        for child, name in steps:
            path = f"{loc}.{name}" if loc else name
            if child is target:
                return path
            if id(child) not in seen:
                seen.add(id(child))
                stack.append((child, path))
    return None


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
