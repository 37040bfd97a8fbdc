"""Visible text and metadata of an HTML page, through a real HTML parser."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, Tag

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

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, (Comment, Doctype)):
                continue
            if isinstance(child, NavigableString):
                if not parts:
                    state["line"] = getattr(node, "sourceline", None) or state["line"]
                parts.append(str(child))
                continue
            if not isinstance(child, Tag) or child.name in _SKIP or _hidden(child):
                continue
            if child.name in _BLOCKS:
                flush()
                previous = state["kind"]
                if child.name in _HEADINGS:
                    state["kind"] = "heading"
                elif child.name == "li":
                    state["kind"] = "item"
                state["line"] = child.sourceline or state["line"]
                walk(child)
                flush()
                state["kind"] = previous
            else:
                walk(child)

    walk(root)
    flush()
    return meta, tuple(blocks)


def _hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden") or tag.get("aria-hidden") == "true":
        return True
    style = str(tag.get("style", "")).replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _metadata(soup: BeautifulSoup) -> dict[str, str | None]:
    def meta_content(*names: str) -> str | None:
        for name in names:
            tag = soup.find("meta", attrs={"property": name}) or soup.find(
                "meta", attrs={"name": name}
            )
            if isinstance(tag, Tag) and tag.get("content"):
                return _SPACE.sub(" ", str(tag["content"])).strip() or None
        return None

    title = meta_content("og:title", "twitter:title")
    if not title and soup.title and soup.title.string:
        title = _SPACE.sub(" ", soup.title.string).strip() or None
    url = meta_content("og:url")
    canonical = soup.find("link", rel="canonical")
    if not url and isinstance(canonical, Tag) and canonical.get("href"):
        url = str(canonical["href"])
    date = meta_content("article:published_time", "date", "dc.date", "datePublished")
    if not date:
        time = soup.find("time", datetime=True)
        if isinstance(time, Tag):
            date = str(time["datetime"])
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
