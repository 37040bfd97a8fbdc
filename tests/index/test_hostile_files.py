"""Hostile corpus and index files: each is refused, skipped or survived, never a crash.

Every case is met first as a user meets it (through `citebot`), then as the general rule.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from bot.cli import run
from index.html import html_blocks


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


# -- Deeply nested HTML -------------------------------------------------------------------


def test_a_page_of_a_thousand_unclosed_paragraphs_is_indexed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paragraphs = "".join(f"<p>Note {i} on the harbour lighthouse keeper." for i in range(1500))
    (corpus / "old.html").write_text(
        f"<html><head><title>Old page</title></head><body>{paragraphs}"
        "<p>The quokka festival happens every spring on Rottnest Island.</body></html>",
        encoding="utf-8",
    )
    (corpus / "plain.txt").write_text("Lighthouses guide ships into the harbour.\n")
    code, out, err = cli(
        "ask", "--json", "When is the quokka festival?", "--corpus", str(corpus),
        "--index", str(tmp_path / "i.cbi"),
    )  # fmt: skip
    assert code == 0, err
    answer = json.loads(out)
    assert answer["answered"]
    assert answer["passages"][0]["text"] == (
        "The quokka festival happens every spring on Rottnest Island."
    )
    assert "skipped" not in err


def test_nesting_far_beyond_the_recursion_limit_is_walked() -> None:
    depth = 100_000
    assert depth > sys.getrecursionlimit()
    divs = "<div><span>" * (depth // 2) + "deep text" + "</span></div>" * (depth // 2)
    _, blocks = html_blocks(f"<html><body>{divs}<p>after</p></body></html>")
    assert [text for _, _, text in blocks] == ["deep text", "after"]
    _, blocks = html_blocks("<body>" + "<li>item " * 5000 + "</body>")  # unclosed, nested
    assert len(blocks) == 5000 and blocks[-1] == (1, "item", "item")


def test_the_walk_keeps_kinds_and_order_around_nested_blocks() -> None:
    _, blocks = html_blocks(
        "<body><h2>Head <b>bold</b></h2><div>a <ul><li>one<li>two</ul> b</div>"
        "<nav>menu</nav><p hidden>gone</p><section>c</section></body>"
    )
    assert [(kind, text) for _, kind, text in blocks] == [
        ("heading", "Head bold"),
        ("text", "a"),
        ("item", "one"),
        ("item", "two"),
        ("text", "b"),
        ("text", "c"),
    ]
