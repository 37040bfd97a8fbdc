"""Render answers, sources and notices for Discord, always within Discord's limits.

Text from sources and questions is shown with its markdown and mentions escaped, so it can neither
break the formatting nor look like a ping (messages are also sent with no mentions allowed).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import quote as url_quote

import discord
from discord.utils import escape_markdown, escape_mentions

from bot.library import Changes
from bot.render import wording
from index.abstain import Reason
from index.model import Answer, DocumentInfo, Hit, SourceView
from index.sentences import sentence_spans

# Discord's limits, in characters.
CONTENT = 2000
TITLE = 256
DESCRIPTION = 4096
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
TOTAL = 6000
EMBEDS = 10

ELLIPSIS = "…"
ANSWER_COLOR = discord.Colour(0x3B82F6)
NOT_FOUND_COLOR = discord.Colour(0x9CA3AF)
NOTICE_COLOR = discord.Colour(0xF59E0B)
DOCUMENTS_PER_PAGE = 10
CITATION_MAX = 400  # a citation line longer than this (a very long title) is cut
NEIGHBOUR_MAX = 700  # the paragraphs before and after a passage are shown up to this length
CONFLICTS_MAX = 1000  # the "sources differ" lines of an answer

_SENTENCE_END = frozenset(".!?…\"'”’)]")
_OPEN, _CLOSE = "\ue000", "\ue001"  # marks around matched words while a quote is escaped
_URL = re.compile(r"<[^: >]+:/[^ >]+>|(?:https?|steam)://[^\s<]+")
_BRACKET = re.compile(r"(\\*)\[")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# -- Text ------------------------------------------------------------------------------------


def flatten(text: str) -> str:
    """Return `text` on one line: control characters dropped, runs of white space one space."""
    return " ".join(_CONTROL.sub("", text).split())


def _escape_markup(text: str) -> str:
    """Return `text` with markdown escaped, every "[" included.

    `escape_markdown` escapes the first "[" of a masked link only, so a link nested in
    another's text (`[x [y](https://…)`) would stay live; an escaped "[" renders as itself.
    """
    return _BRACKET.sub(
        lambda m: m.group(1) + ("[" if len(m.group(1)) % 2 else "\\["), escape_markdown(text)
    )


def escape(text: str) -> str:
    """Return `text` with Discord markdown and mentions neutralised."""
    return escape_mentions(_escape_markup(text))


def shorten(text: str, limit: int) -> str:
    """Return `text` cut to at most `limit` characters at a sentence or word end, with "…"."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    room = limit - len(ELLIPSIS) - 1  # one for the space before an ellipsis after a sentence
    head = text[: room + 1]
    # The last span of `head` may be a sentence cut short: only punctuation ends one.
    ends = [
        end
        for _, end in sentence_spans(head)
        if end <= room and text[end - 1] in _SENTENCE_END and text[end : end + 1].isspace()
    ]
    if ends and ends[-1] >= room // 2:
        return head[: ends[-1]] + " " + ELLIPSIS
    space = head.rfind(" ", 0, room + 1)
    if space >= room // 2:
        return head[:space].rstrip(" ,;:-–—") + ELLIPSIS
    return text[: limit - len(ELLIPSIS)] + ELLIPSIS


def fit(text: str, limit: int, render: Callable[[str], str] = escape) -> str:
    """Return `render(shorten(text, n))` for the largest `n` whose result fits in `limit`."""
    n = limit
    while True:
        out = render(shorten(text, n))
        if len(out) <= limit:
            return out
        if n <= 1:
            return ELLIPSIS[:limit]
        n = max(1, n - max(len(out) - limit, 1))


def bold_terms(text: str, words: Iterable[str]) -> str:
    """Return `text` escaped, with each whole-word occurrence of `words` in bold.

    The text is escaped as a whole, with the matches marked by private-use characters that
    escaping leaves alone, and only then are the marks turned into bold: escaping the pieces
    between matches one by one would let markup that spans a match (a masked link
    `[… word …](https://…)`, a spoiler, inline code) survive. Words inside a bare URL stay plain.
    """
    text = text.replace(_OPEN, "").replace(_CLOSE, "")
    urls = [m.span() for m in _URL.finditer(text)]
    marked, last = [], 0
    for start, end in wording.match_spans(text, words):
        if any(a < end and start < b for a, b in urls):
            continue
        marked += [text[last:start], _OPEN, text[start:end], _CLOSE]
        last = end
    marked.append(text[last:])
    escaped = _escape_markup("".join(marked))
    return escape_mentions(escaped.replace(_OPEN, "**").replace(_CLOSE, "**"))


def code(text: str) -> str:
    """Return `text` as inline code (easy to copy), or escaped when it holds a backtick."""
    text = flatten(text)
    return f"`{text}`" if text and "`" not in text else escape(text)


def _link(label: str, url: str | None) -> str:
    """Return a markdown link for an http(s) url, or the escaped label when there is none."""
    text = escape(label.replace("[", "(").replace("]", ")"))
    if not url or not re.match(r"https?://[^\s/]+", url):
        return text
    safe = url_quote(url, safe=":/?#@!$&'*+,;=%~.-_")
    return f"[{text}]({safe})"


# -- Answers ---------------------------------------------------------------------------------


def citation(hit: Hit | SourceView, *, link: bool = True) -> str:
    """Return "Title · Publisher · Date · ¶N", the title linked when the source has a url."""
    p, s = hit.passage, hit.source
    title = shorten(flatten(p.title), 200)
    publisher, date = (escape(shorten(flatten(x or ""), 100)) for x in (s.publisher, s.date))
    head = _link(title, s.url) if link else escape(title)
    line = " · ".join(
        wording.citation_fields(head, publisher, date, None, p.paragraph, page=p.page)
    )
    if link and len(line) > CITATION_MAX:  # only a very long url gets here
        line = " · ".join(
            wording.citation_fields(escape(title), publisher, date, None, p.paragraph, page=p.page)
        )
    return line


def _hit_block(hit: Hit, number: int, quote: str) -> str:
    head = f"> **[{number}]** {quote}"
    if hit.passage.kind in ("code", "list") and quote:
        head = f"**[{number}]**\n{quote}"  # a code block or a list, not a block quote
    lines = [head, f"— {citation(hit)}"]
    if hit.also_in:
        titles = wording.also_reported([flatten(d.title) for d in hit.also_in])
        lines.append(f"-# {wording.ALSO_REPORTED}{fit(titles, 300)}")
    return "\n".join(lines)


def _hits_text(hits: Sequence[Hit], start: int, budget: int) -> str:
    """Return the numbered quote blocks of `hits`, sharing `budget` characters between them."""
    blocks: list[str] = []
    used = 0
    for i, hit in enumerate(hits):
        fixed = len(_hit_block(hit, start + i, "")) + 2  # number, citation, separators
        share = (budget - used) // (len(hits) - i) - fixed
        quote = _quote(hit, max(share, 40))
        blocks.append(_hit_block(hit, start + i, quote))
        used += len(blocks[-1]) + 2
    return "\n\n".join(blocks)


def _quote(hit: Hit, limit: int) -> str:
    """Return a hit's quote within `limit`: prose escaped, code as a code block, a list as one."""
    if hit.passage.kind == "code":
        body = _CONTROL.sub("", wording.code_body(hit.quote)).replace("```", "`\u200b``")
        return f"```\n{shorten(body, max(limit - 8, 1))}\n```"
    if hit.passage.kind == "list":
        items = wording.list_items(hit.quote)
        share = max(limit // max(len(items), 1) - 3, 20)
        return "\n".join(
            "- " + fit(flatten(item), share, lambda q, h=hit: bold_terms(q, h.matched_terms))
            for item in items
        )
    return fit(flatten(hit.quote), limit, lambda q, h=hit: bold_terms(q, h.matched_terms))


def _footer(source_command: str | None, start: int, count: int) -> str | None:
    if not source_command or count == 0:
        return None
    end = start + count - 1
    numbers = f"{start}" if count == 1 else f"{start} … /{source_command} {end}"
    return f"Full passage and citation: /{source_command} {numbers}"


def _conflicts(answer: Answer, start: int, count: int) -> str:
    """Return "Sources differ on X: “a” [1] · “b” [2]" for the figures the shown passages give."""
    lines = []
    for conflict in answer.conflicts:
        claims = [c for c in conflict.claims if start <= c.rank < start + count]
        if len(claims) < 2:
            continue
        sides = " · ".join(f"“{fit(flatten(c.text), 160)}” [{c.rank}]" for c in claims[:5])
        about = wording.DIFFER.format(about=fit(flatten(conflict.about), 60))
        line = f"**{about}** {sides}"
        if sum(len(x) + 1 for x in lines) + len(line) > CONFLICTS_MAX:
            break
        lines.append(line)
    return "\n".join(lines)


def _notes(answer: Answer) -> str:
    """Return the small print under an answer: context, corrections, unknown words, staleness."""
    notes = []
    if answer.context:
        taken = wording.taken_as(
            fit(flatten(answer.question), 200), fit(flatten(answer.context), 200)
        )
        notes.append("-# " + taken)
    if answer.corrected:
        notes.append("-# " + fit(wording.searched(answer.corrected), 300))
    if answer.unmatched_terms:
        notes.append("-# " + wording.UNMATCHED + fit(", ".join(answer.unmatched_terms), 300))
    shown = {hit.passage.id for hit in answer.hits}
    if shown.intersection(answer.stale):
        notes.append("-# ⚠ " + wording.STALE)
    return "\n".join(notes)


def _question_title(question: str) -> str:
    return fit(flatten(question), TITLE) or "(empty question)"


def answer_embed(
    answer: Answer, *, source_command: str | None = "source", start: int = 1
) -> discord.Embed:
    """Return the embed of an answer: numbered quotes with citations, or "Not found"."""
    title = _question_title(answer.question)
    if not answer.answered:
        text = wording.reason(answer.reason)
        if answer.hits and answer.reason in (Reason.WEAK_MATCH, None):
            text += " " + wording.CLOSEST_BEHIND_BUTTON
        body = "\n\n".join(x for x in (f"**{text}**", _notes(answer)) if x)
        return discord.Embed(title=title, description=body, colour=NOT_FOUND_COLOR)
    return _passages_embed(
        title, answer, answer.hits, source_command=source_command, start=start, colour=ANSWER_COLOR
    )


def closest_embed(
    answer: Answer, *, source_command: str | None = "source", start: int = 1
) -> discord.Embed:
    """Return the closest passages of an answer that was not found, marked as such."""
    title = fit(wording.CLOSEST_TITLE + flatten(answer.question), TITLE)
    embed = _passages_embed(
        title,
        answer,
        answer.hits,
        source_command=source_command,
        start=start,
        colour=NOT_FOUND_COLOR,
    )
    note = f"*{wording.CLOSEST_NOTE}*"
    embed.description = fit_description(note, embed.description or "")
    return embed


def fit_description(head: str, body: str) -> str:
    """Return `head` and `body` joined by a blank line, or `head` alone when both don't fit."""
    if len(head) + 2 + len(body) <= DESCRIPTION:
        return f"{head}\n\n{body}"
    return head


def _passages_embed(
    title: str,
    answer: Answer,
    hits: Sequence[Hit],
    *,
    source_command: str | None,
    start: int,
    colour: discord.Colour,
) -> discord.Embed:
    differ = _conflicts(answer, start, len(hits))
    tail = _notes(answer)
    # Leave room for a note put in front (closest passages).
    budget = DESCRIPTION - 200 - len(tail) - len(differ)
    body = _hits_text(hits, start, budget)
    while len(body) > budget and len(hits) > 1:  # only with many hits with huge citations
        hits = hits[:-1]
        body = _hits_text(hits, start, budget)
    description = "\n\n".join(x for x in (body, differ, tail) if x)
    embed = discord.Embed(title=title, description=description, colour=colour)
    footer = _footer(source_command, start, len(hits))
    if footer:
        embed.set_footer(text=footer)
    return embed


# -- Sources ---------------------------------------------------------------------------------


def source_embed(view: SourceView, *, stale: bool = False) -> discord.Embed:
    """Return a passage in full with its whole citation and the paragraphs around it."""
    p, s = view.passage, view.source
    embed = discord.Embed(title=fit(flatten(p.title), TITLE), colour=ANSWER_COLOR)
    if stale:
        embed.set_footer(text="⚠ " + wording.STALE_SOURCE)
    if s.url and re.match(r"https?://\S+$", s.url) and len(s.url) <= 2000:
        embed.url = s.url
    rows = [
        ("Publisher", s.publisher),
        ("Date", s.date),
        ("Section", p.section),
        ("Page", str(p.page) if p.page else None),
        ("File", s.path),
        ("Paragraph", f"¶{p.paragraph} · {wording.lines_label(p.lines)}"),
        ("Passage", p.id),
    ]
    for name, value in rows:
        if value:
            shown = code(value) if name in ("File", "Passage") and len(value) <= 300 else None
            embed.add_field(name=name, value=shown or fit(flatten(value), 300), inline=True)
    for name, neighbour in (("Before", view.before), ("After", view.after)):
        if neighbour is not None:
            label = f"{name} (¶{neighbour.paragraph})"
            embed.add_field(
                name=label, value=fit(flatten(neighbour.text), NEIGHBOUR_MAX), inline=False
            )
    room = min(DESCRIPTION, TOTAL - len(embed) - 10)
    embed.description = fit(p.text.strip(), room, _paragraph)
    return embed


def _paragraph(text: str) -> str:
    """Return a paragraph escaped, keeping its line breaks as they stand in the file."""
    lines = [flatten(line) for line in text.splitlines()]
    return "\n".join(escape(line) for line in lines if line)


def sources_embed(documents: Sequence[DocumentInfo], page: int = 0) -> tuple[discord.Embed, int]:
    """Return one page of the document list and the number of pages."""
    pages = max(1, -(-len(documents) // DOCUMENTS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = documents[page * DOCUMENTS_PER_PAGE : (page + 1) * DOCUMENTS_PER_PAGE]
    lines = []
    for d in shown:
        details = " · ".join(escape(shorten(flatten(x), 100)) for x in (d.publisher, d.date) if x)
        count = f"{d.passages} passage{'s' if d.passages != 1 else ''}"
        title = _link(shorten(flatten(d.title), 200), d.url)
        lines.append(f"**{title}**\n" + " · ".join(x for x in (details, count) if x))
    total = len(documents)
    title = f"{total} document{'s' if total != 1 else ''}"
    description = "\n\n".join(lines) if lines else "The index holds no documents."
    embed = discord.Embed(title=title, description=description[:DESCRIPTION], colour=ANSWER_COLOR)
    if pages > 1:
        embed.set_footer(text=f"Page {page + 1} of {pages}")
    return embed, pages


# -- Rebuilds --------------------------------------------------------------------------------


def reindex_embed(changes: Changes) -> discord.Embed:
    """Return the report of a rebuild: documents added, removed and updated."""
    title = "Index rebuilt" if changes.changed else "Index rebuilt: no document changed"
    embed = discord.Embed(title=title, colour=ANSWER_COLOR)
    for name, docs in (
        ("Added", changes.added),
        ("Removed", changes.removed),
        ("Updated", changes.updated),
    ):
        value = fit("\n".join(docs), FIELD_VALUE) if docs else "none"
        embed.add_field(name=f"{name} ({len(docs)})", value=value, inline=False)
    if changes.warnings:
        embed.add_field(name="Warnings", value=fit("\n".join(changes.warnings), FIELD_VALUE))
    embed.set_footer(
        text=f"{changes.documents} documents · {changes.passages} passages · "
        f"{changes.seconds:.1f} s"
    )
    return embed


# -- Notices ---------------------------------------------------------------------------------


def notice(text: str) -> str:
    """Return a one-line notice as message content, within the content limit."""
    return shorten(text, CONTENT)


def refusal(channel_ids: Sequence[int]) -> str:
    """Return the reply to a command used where the bot does not answer."""
    if not channel_ids:
        return notice("I don't answer in any channel yet: my config lists none.")
    where = ", ".join(f"<#{c}>" for c in channel_ids[:20])
    more = f" and {len(channel_ids) - 20} more" if len(channel_ids) > 20 else ""
    return notice(f"I don't answer here. Ask me in {where}{more}.")


def cooldown(retry_after: float) -> str:
    """Return the reply to a user who asks too often."""
    seconds = max(1, round(retry_after + 0.49))
    return notice(f"You're asking quickly: try again in {seconds} s.")


def not_allowed(roles: Sequence[str | int]) -> str:
    """Return the reply to a member who may not rebuild the index."""
    if roles:
        names = ", ".join(f"<@&{r}>" if isinstance(r, int) else escape(str(r)) for r in roles)
        return notice(
            f"Only members with Manage Server or one of these roles can do that: {names}."
        )
    return notice("Only members with the Manage Server permission can do that.")


def unknown_passage(message: str) -> str:
    """Return the reply to a passage reference that names no passage."""
    return notice(escape(message))


def failure() -> str:
    """Return the reply when something went wrong on our side."""
    return notice("Something went wrong on my side; it has been logged. Please try again.")


def busy() -> str:
    """Return the reply to a rebuild asked for while one is running."""
    return notice("A rebuild is already running; its report will appear when it is done.")


def expired() -> str:
    """Return the reply to a button on an answer the bot no longer remembers."""
    return notice("I no longer remember that answer (I was restarted); please ask again.")


def not_issued() -> str:
    """Return the reply to a click on a button the bot did not post (a forged or broken id)."""
    return notice("That button doesn't match anything I posted; please ask again.")


def unknown_command() -> str:
    """Return the reply to a command the bot does not have (renamed, removed, or never there)."""
    return notice("I don't have that command (any more); type / to see the ones I offer.")


def no_more() -> str:
    """Return the reply to "More" when the sources hold no further passage."""
    return notice(wording.NO_MORE)


def thanks(vote: str) -> str:
    """Return the acknowledgement of a vote."""
    return notice(
        "Thanks, noted 👍" if vote == "up" else "Thanks, noted 👎 — that helps improve me."
    )


def already_voted() -> str:
    """Return the reply to the same vote on an answer again."""
    return notice("You already voted on this answer.")


def rebuild_refused(reason: str) -> str:
    """Return the reply when the config is broken at rebuild time."""
    return notice(f"Not rebuilt; I keep serving the current index. {escape(reason)}")
