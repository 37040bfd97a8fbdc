"""Visible text and metadata of an HTML page, through a real HTML parser."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, PageElement, Tag

# Never visible, or page furniture rather than content.
_SKIP = frozenset(
    "script style noscript template head svg canvas iframe object embed form button select "
    "textarea input nav footer aside".split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_BLOCKS = (
    frozenset(
        "address article blockquote dd details dialog div dl dt fieldset figcaption figure "
        "header hr li main ol p pre section summary table tbody thead tfoot tr td th ul br "
        "caption".split()
    )
    | _HEADINGS
)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class _Leave:
    """The end of a block element in the walk: the kind of text outside it."""

    kind: str


def html_blocks(html: str) -> tuple[dict[str, str | None], tuple[tuple[int, str, str], ...]]:
    """Return the page's metadata and its visible text as (line, kind, text) blocks."""
    soup = BeautifulSoup(html, "html.parser")
    meta = _metadata(soup)
    root = soup.body or soup
    blocks: list[tuple[int, str, str]] = []
    parts: list[str] = []
    state = {"line": 1, "kind": "text"}

    def flush() -> None:
        text = _SPACE.sub(" ", "".join(parts)).strip()
        parts.clear()
        if text:
            blocks.append((state["line"], state["kind"], text))

    # Walk the tree with a stack of its own, not by recursion: old pages nest thousands of
    # unclosed elements (`<p>` after `<p>`), deeper than Python's recursion limit. A `_Leave`
    # marks the end of a block: flush its text and restore the kind outside it.
    stack: list[PageElement | _Leave] = list(reversed(root.contents))
    while stack:
        node = stack.pop()
        if isinstance(node, _Leave):
            flush()
            state["kind"] = node.kind
            continue
        if isinstance(node, (Comment, Doctype)):
            continue
        if isinstance(node, NavigableString):
            if not parts:
                state["line"] = getattr(node.parent, "sourceline", None) or state["line"]
            parts.append(str(node))
            continue
        if not isinstance(node, Tag) or node.name in _SKIP or _hidden(node):
            continue
        if node.name in _BLOCKS:
            flush()
            stack.append(_Leave(state["kind"]))
            if node.name in _HEADINGS:
                state["kind"] = "heading"
            elif node.name == "li":
                state["kind"] = "item"
            state["line"] = node.sourceline or state["line"]
        stack.extend(reversed(node.contents))
    flush()
    return meta, tuple(blocks)


def _hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden") or tag.get("aria-hidden") == "true":
        return True
    style = str(tag.get("style", "")).replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _metadata(soup: BeautifulSoup) -> dict[str, str | None]:
    # One pass over the tree for every tag metadata comes from: a search per name would walk
    # a large page twenty times over.
    by_property: dict[str, Tag] = {}
    by_name: dict[str, Tag] = {}
    page_title: Tag | None = None
    canonical: Tag | None = None
    dated: Tag | None = None
    for tag in soup.find_all(["meta", "link", "time", "title"]):
        if not isinstance(tag, Tag):
            continue
        if tag.name == "meta":
            for attrs, key in ((by_property, "property"), (by_name, "name")):
                value = tag.get(key)
                if isinstance(value, str):
                    attrs.setdefault(value, tag)
        elif tag.name == "link" and canonical is None:
            if "canonical" in tag.get_attribute_list("rel"):
                canonical = tag
        elif tag.name == "time" and dated is None and tag.has_attr("datetime"):
            dated = tag
        elif tag.name == "title" and page_title is None:
            page_title = tag

    def meta_content(*names: str) -> str | None:
        for name in names:
            tag = by_property.get(name) or by_name.get(name)
            if tag is not None and tag.get("content"):
                return _SPACE.sub(" ", str(tag["content"])).strip() or None
        return None

    title = meta_content("og:title", "twitter:title")
    if not title and page_title is not None and page_title.string:
        title = _SPACE.sub(" ", page_title.string).strip() or None
    url = meta_content("og:url")
    if not url and canonical is not None and canonical.get("href"):
        url = str(canonical["href"])
    date = meta_content("article:published_time", "date", "dc.date", "datePublished")
    if not date and dated is not None:
        date = str(dated["datetime"])
    if date and re.match(r"\d{4}-\d{2}-\d{2}T", date):
        date = date[:10]
    if url and not url.startswith(("http://", "https://")):
        url = None  # only absolute web addresses are shown as links
    return {
        "title": title,
        "publisher": meta_content("og:site_name", "publisher", "dc.publisher"),
        "date": date,
        "url": url,
    }
