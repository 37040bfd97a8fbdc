"""Pages in citations, and list and code passages shown as lists and code blocks."""

from __future__ import annotations

from bot.render import discord as render_discord
from bot.render import terminal
from index.model import Answer, DocumentInfo, Hit, Passage, SourceView


def _hit(text: str, kind: str = "prose", page: int | None = None) -> Hit:
    passage = Passage(
        "report#3", "report", "Annual Report", "Dredging", 3, (4, 6), text, page, kind
    )
    source = DocumentInfo("report", "report.pdf", "Annual Report", "Harbour", None, None, 9)
    return Hit(passage, 1.0, text, ("channel",), source)


def test_a_pdf_passage_cites_its_page_everywhere() -> None:
    hit = _hit("The northern channel was dredged to fourteen metres.", page=2)
    assert terminal.citation_line(hit).endswith("¶3 · p. 2")
    assert render_discord.citation(hit).endswith("¶3 · p. 2")
    out = terminal.render_answer(Answer("q", True, (hit,)))
    assert "p. 2" in out
    view = SourceView(hit.passage, hit.source, None, None)
    assert "Page:      2" in terminal.render_source(view)
    fields = {f.name: f.value for f in render_discord.source_embed(view).fields}
    assert fields["Page"] == "2"
    assert "p. 2" not in terminal.citation_line(_hit("Unpaged text."))


def test_code_and_lists_are_shown_as_such() -> None:
    code = _hit("```\nrefund --order 1234\n```", kind="code")
    listed = _hit("- Refunds are paid within fourteen days.", kind="list")
    out = terminal.render_answer(Answer("q", True, (code, listed)))
    assert "[1]\n        refund --order 1234\n" in out and "“```" not in out
    assert "• Refunds are paid within fourteen days." in out and "“-" not in out
    block = render_discord._hits_text([code, listed], 1, 1500)
    assert "```\nrefund --order 1234\n```" in block
    assert "\n- Refunds are paid within fourteen days." in block
    assert "> **[1]**" not in block
