"""The Discord renderer: what users see, always within Discord's limits and never pinging anyone."""

from __future__ import annotations

import re

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.library import Changes
from bot.render import discord as render
from index.model import (
    Answer,
    Claim,
    Conflict,
    Correction,
    DocumentInfo,
    Hit,
    Passage,
    SourceView,
)

LIMITS = {"title": 256, "description": 4096, "footer": 2048}


def doc(
    name: str = "report",
    title: str = "Annual report",
    publisher: str | None = "Example Press",
    date: str | None = "2023-09-20",
    url: str | None = None,
    passages: int = 9,
) -> DocumentInfo:
    return DocumentInfo(name, f"{name}.txt", title, publisher, date, url, passages)


def hit(
    text: str,
    *,
    quote: str | None = None,
    terms: tuple[str, ...] = (),
    n: int = 3,
    source: DocumentInfo | None = None,
    also_in: tuple[DocumentInfo, ...] = (),
) -> Hit:
    source = source or doc()
    passage = Passage(f"{source.doc}#{n}", source.doc, source.title, None, n, (n, n), text)
    return Hit(passage, 1.0, quote if quote is not None else text, terms, source, also_in)


def answer(question: str, *hits: Hit, answered: bool = True, reason: str | None = None) -> Answer:
    return Answer(question, answered, hits, reason=reason)


def check_limits(embed: discord.Embed) -> None:
    data = embed.to_dict()
    assert len(data.get("title", "")) <= LIMITS["title"]
    assert len(data.get("description", "")) <= LIMITS["description"]
    assert len(data.get("footer", {}).get("text", "")) <= LIMITS["footer"]
    assert len(data.get("fields", [])) <= 25
    for f in data.get("fields", []):
        assert 1 <= len(f["name"]) <= 256 and 1 <= len(f["value"]) <= 1024
    assert len(embed) <= 6000


def test_answer_is_numbered_block_quotes_with_citations_and_a_footer() -> None:
    a = answer(
        "How many were killed?",
        hit("Two blasts killed six people.", terms=("killed",), n=15),
        hit("Four troops were killed.", terms=("killed",), n=10, source=doc("ft", "FT story")),
    )
    embed = render.answer_embed(a, source_command="quelle")
    assert embed.title == "How many were killed?"
    assert embed.description == (
        "> **[1]** Two blasts **killed** six people.\n"
        "— Annual report · Example Press · 2023-09-20 · ¶15\n\n"
        "> **[2]** Four troops were **killed**.\n"
        "— FT story · Example Press · 2023-09-20 · ¶10"
    )
    assert embed.footer.text == "Full passage and citation: /quelle 1 … /quelle 2"
    check_limits(embed)


def test_numbering_continues_for_more_passages() -> None:
    a = answer("q", hit("Some text.", n=4))
    embed = render.answer_embed(a, source_command="source", start=4)
    assert embed.description.startswith("> **[4]** Some text.")
    assert embed.footer.text == "Full passage and citation: /source 4"


def test_source_with_a_url_links_its_title() -> None:
    source = doc(title="Story [live]", url="https://example.org/a story(1)")
    embed = render.answer_embed(answer("q", hit("Text.", source=source)))
    assert "— [Story (live)](https://example.org/a%20story%281%29) · Example Press" in (
        embed.description
    )
    not_http = doc(url="javascript:alert(1)")
    assert "](" not in render.answer_embed(answer("q", hit("Text.", source=not_http))).description


def test_only_whole_matched_words_are_bold() -> None:
    a = answer("q", hit("Killing is not killed; killed.", terms=("killed",)))
    assert "Killing is not **killed**; **killed**." in render.answer_embed(a).description


def test_markdown_and_mentions_from_sources_and_questions_are_escaped() -> None:
    question = "@everyone **now** <@&123456789012345678> `x` > quote"
    text = (
        "Say @here and <@123456789012345678>: *stars* _under_ ~~strike~~ ||spoiler|| [a](http://x)"
    )
    embed = render.answer_embed(answer(question, hit(text, terms=("stars",))))
    assert "@everyone" not in embed.title and "@\u200beveryone" in embed.title
    assert "\\*\\*now\\*\\*" in embed.title and "<@\u200b&123456789012345678>" in embed.title
    description = embed.description
    assert "@here" not in description and "<@123456789012345678>" not in description
    assert "\\*\\***stars**\\*" not in description  # the bold word stays inside the escapes
    assert "\\***stars**\\*" in description
    assert "\\_under\\_" in description and "\\~\\~strike\\~\\~" in description
    assert "\\|\\|spoiler\\|\\|" in description and "\\[a](http://x)" in description


def test_huge_passages_and_a_long_question_stay_within_limits() -> None:
    sentence = "The ministry said that the convoy reached the border crossing at dawn. "
    huge = sentence * 800  # about 57,000 characters
    hits = [hit(huge, terms=("convoy", "border"), n=i) for i in range(1, 11)]
    question = "Where did the convoy go? " * 400
    embed = render.answer_embed(answer(question, *hits))
    check_limits(embed)
    assert embed.title.endswith("…") and embed.title.startswith("Where did the convoy go?")
    quotes = re.findall(r"^> \*\*\[\d+\]\*\* (.*)$", embed.description, re.M)
    assert len(quotes) == 10
    for quote in quotes:  # each cut at a sentence end, then an ellipsis
        assert quote.endswith("at dawn. …"), quote[-40:]


def test_a_quote_without_sentence_ends_is_cut_at_a_word() -> None:
    words = " ".join(f"word{i}" for i in range(3000))
    embed = render.answer_embed(answer("q", hit(words)))
    [quote] = re.findall(r"^> \*\*\[1\]\*\* (.*)$", embed.description, re.M)
    assert quote.endswith("…") and re.search(r"word\d+…$", quote)
    check_limits(embed)


def test_very_long_metadata_stays_within_limits() -> None:
    long = "Title " * 300
    source = doc(title=long, publisher=long, date=long, url="https://e.org/" + "x" * 3000)
    others = tuple(doc(f"d{i}", long) for i in range(30))
    hits = [hit("Text. " * 500, source=source, also_in=others, n=i) for i in range(1, 11)]
    for embed in (
        render.answer_embed(answer(long, *hits)),
        render.closest_embed(answer(long, *hits)),
    ):
        check_limits(embed)


def test_abstention_hides_the_passages_behind_a_button() -> None:
    a = answer(
        "What is the population of Tokyo?",
        hit("Population text.", terms=("Population",)),
        answered=False,
        reason="weak_match",
    )
    embed = render.answer_embed(a)
    assert embed.description.startswith("**Not found in the sources.")
    assert "button" in embed.description
    assert "Population text" not in embed.description
    closest = render.closest_embed(a)
    assert "Not found in the sources" in closest.description
    assert "> **[1]** **Population** text." in closest.description
    check_limits(closest)


@pytest.mark.parametrize(
    ("reason", "text"),
    [("empty", "Ask me something"), ("no_terms", "Ask something more specific")],
)
def test_unanswerable_questions_get_a_hint(reason: str, text: str) -> None:
    embed = render.answer_embed(answer("the of", answered=False, reason=reason))
    assert text in embed.description
    assert embed.footer.text is None


def test_source_view_shows_the_paragraph_its_citation_and_neighbours() -> None:
    source = doc(url="https://example.org/report")
    first = Passage("report#2", "report", "Annual report", "Results", 2, (4, 5), "Before it.")
    middle = Passage(
        "report#3", "report", "Annual report", "Results", 3, (7, 9), "Line one\nline two **x**"
    )
    last = Passage("report#4", "report", "Annual report", None, 4, (11, 11), "After it.")
    embed = render.source_embed(SourceView(middle, source, first, last))
    assert embed.title == "Annual report" and embed.url == "https://example.org/report"
    assert embed.description == "Line one\nline two \\*\\*x\\*\\*"
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Publisher"] == "Example Press" and fields["Date"] == "2023-09-20"
    assert fields["Section"] == "Results" and fields["File"] == "`report.txt`"
    assert fields["Paragraph"] == "¶3 · lines 7–9" and fields["Passage"] == "`report#3`"
    assert fields["Before (¶2)"] == "Before it." and fields["After (¶4)"] == "After it."
    check_limits(embed)


def test_huge_source_paragraph_stays_within_limits() -> None:
    text = "A sentence of the giant paragraph goes here. " * 2000
    p = Passage("big#1", "big", "Big " * 100, "S " * 200, 1, (1, 1), text)
    embed = render.source_embed(SourceView(p, doc("big"), p, p))
    check_limits(embed)
    assert embed.description.endswith("…")


def test_sources_are_paged() -> None:
    docs = [doc(f"d{i:02}", f"Document {i}", url="https://e.org") for i in range(23)]
    first, pages = render.sources_embed(docs, 0)
    assert pages == 3 and first.title == "23 documents"
    assert first.description.startswith("**[Document 0](https://e.org)**\nExample Press")
    assert first.footer.text == "Page 1 of 3"
    last, _ = render.sources_embed(docs, 99)
    assert last.footer.text == "Page 3 of 3" and "Document 22" in last.description
    one, pages = render.sources_embed(docs[:1])
    assert pages == 1 and one.title == "1 document" and one.footer.text is None
    assert render.sources_embed([])[0].description == "The index holds no documents."


def test_reindex_report_lists_changes() -> None:
    changes = Changes(("new.md",), ("old.txt",), ("a.txt", "b.txt"), 5, 90, 1.25)
    embed = render.reindex_embed(changes)
    fields = {f.name: f.value for f in embed.fields}
    assert embed.title == "Index rebuilt"
    assert fields == {
        "Added (1)": "new.md",
        "Removed (1)": "old.txt",
        "Updated (2)": "a.txt\nb.txt",
    }
    assert embed.footer.text == "5 documents · 90 passages · 1.2 s"
    quiet = render.reindex_embed(Changes(documents=5, passages=90))
    assert quiet.title == "Index rebuilt: no document changed"
    check_limits(render.reindex_embed(Changes(added=tuple("x" * 50 for _ in range(500)))))


def test_notices() -> None:
    assert render.cooldown(11.2) == "You're asking quickly: try again in 12 s."
    assert render.refusal([1, 2]) == "I don't answer here. Ask me in <#1>, <#2>."
    assert "lists none" in render.refusal([])
    assert len(render.refusal(list(range(10**17, 10**17 + 500)))) <= 2000
    assert "Manage Server" in render.not_allowed([])
    assert "<@&42>" in render.not_allowed([42]) and "Maintainers" in render.not_allowed(
        ["Maintainers"]
    )
    assert "@\u200beveryone" in render.unknown_passage("no document '@everyone'")


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Short.", 10, "Short."),
        ("One sentence here. Two sentences here.", 30, "One sentence here. …"),
        ("alpha beta gamma delta epsilon", 20, "alpha beta gamma…"),
        ("x" * 50, 10, "xxxxxxxxx…"),
        ("Mr. Smith went to Washington today.", 20, "Mr. Smith went to…"),
    ],
)
def test_shorten(text: str, limit: int, expected: str) -> None:
    assert render.shorten(text, limit) == expected
    assert len(render.shorten(text, limit)) <= limit


@settings(max_examples=150, deadline=None)
@given(
    question=st.text(max_size=600),
    texts=st.lists(st.text(min_size=1, max_size=3000), min_size=1, max_size=10),
    terms=st.lists(st.text(min_size=1, max_size=12), max_size=5),
)
def test_any_text_renders_within_limits_without_mentions(
    question: str, texts: list[str], terms: list[str]
) -> None:
    hits = [
        hit(t, terms=tuple(terms), n=i + 1, source=doc(title=t[:300])) for i, t in enumerate(texts)
    ]
    for embed in (
        render.answer_embed(answer(question, *hits)),
        render.closest_embed(answer(question, *hits, answered=False, reason="weak_match")),
        render.source_embed(SourceView(hits[0].passage, hits[0].source, None, None)),
    ):
        check_limits(embed)
        shown = str(embed.to_dict())
        assert "@everyone" not in shown and "@here" not in shown


@given(text=st.text(max_size=400), limit=st.integers(min_value=1, max_value=300))
def test_shorten_never_exceeds_its_limit(text: str, limit: int) -> None:
    out = render.shorten(text, limit)
    assert len(out) <= limit
    assert out == text or out.endswith("…")


def test_notes_name_unknown_words_and_a_stale_index() -> None:
    a = Answer(
        "GDP of Karabakh?",
        True,
        (hit("Karabakh text.", n=2),),
        unmatched_terms=("GDP",),
        stale=("report#2",),
    )
    description = render.answer_embed(a).description
    assert description.endswith(
        "-# No source mentions: GDP\n"
        "-# ⚠ Some of these files changed since the index was built; "
        "the quotes may be out of date until it is rebuilt."
    )


def test_notes_say_what_was_searched_for_misspelled_words() -> None:
    a = Answer(
        "what did blinkin say to aliev",
        True,
        (hit("Blinken urged Aliyev to stop.", n=2),),
        corrected=(Correction("blinkin", "Blinken"), Correction("aliev", "Aliyev")),
    )
    description = render.answer_embed(a).description
    assert description.endswith("-# Searched for Blinken, Aliyev")


def test_differing_figures_are_shown_side_by_side() -> None:
    hits = (hit("Five were killed.", n=1), hit("27 deaths were reported.", n=2))
    claims = (
        Claim("report#1", "report", "Annual report", "Five were killed", 1),
        Claim("report#2", "report", "Annual report", "27 *deaths*", 2),
        Claim("report#9", "report", "Annual report", "not shown", 9),
    )
    a = Answer("How many died?", True, hits, conflicts=(Conflict("killed", claims),))
    description = render.answer_embed(a).description
    assert description.endswith(
        "**Sources differ on killed:** “Five were killed” [1] · “27 \\*deaths\\*” [2]"
    )
    # A page of more passages shows only the disagreements among its own passages.
    assert "differ" not in render.answer_embed(a, start=3).description


# -- Markup from sources around matched words ---------------------------------------------------

_LINK = re.compile(r"(\\*)\[[^\]\n]+\]\(\s*<?https?://[^\s)]*\)")
_PIECES = [*"[]()<>*_|`# \\", "https://e.x/", "abc"]


def _live_link(shown: str) -> bool:
    """Tell whether `shown` holds a masked link whose "[" is not escaped."""
    return any(len(m.group(1)) % 2 == 0 for m in _LINK.finditer(shown))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[official statement of the ministry](https://evil.example/login)", ["statement"]),
        ("[statement](https://evil.example/login) and more", ["statement"]),
        ("see [the **statement**](<https://evil.example>) here", ["statement", "the"]),
        ("[x [statement](https://evil.example/) y", ["statement"]),
    ],
)
def test_a_masked_link_around_a_matched_word_is_not_live(text: str, words: list[str]) -> None:
    shown = render.bold_terms(text, words)
    assert "**statement**" in shown
    assert not _live_link(shown), shown


def test_spoilers_code_and_headings_around_matched_words_stay_escaped() -> None:
    assert render.bold_terms("see ||the secret plan|| now", ["secret"]) == (
        "see \\|\\|the **secret** plan\\|\\| now"
    )
    assert render.bold_terms("run `rm the plan` now", ["plan"]) == "run \\`rm the **plan**\\` now"
    assert render.bold_terms("# Heading plan", ["plan"]) == "\\# Heading **plan**"


def test_a_matched_word_inside_a_bare_url_stays_plain() -> None:
    shown = render.bold_terms("go to https://evil.example/login now, login", ["login"])
    assert shown == "go to https://evil.example/login now, **login**"


def test_mentions_around_matched_words_are_escaped() -> None:
    shown = render.bold_terms("@everyone and <@123456789012345678> plan", ["plan", "everyone"])
    assert "@everyone" not in shown
    assert "<@123456789012345678>" not in shown


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), max_size=30).map("".join),
    st.lists(st.sampled_from(["a", "b", "abc", "c"]), max_size=3),
)
def test_no_quote_ever_carries_a_live_masked_link(text: str, words: list[str]) -> None:
    assert not _live_link(render.bold_terms(text, words))
