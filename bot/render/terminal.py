"""Render answers, sources and document lists for a terminal.

Text from sources and questions reaches the terminal without escape sequences or control
characters (`plain`): a document must not be able to clear the screen, retitle the window or
show a disguised OSC 8 hyperlink. The only escape sequences in the output are citebot's own bold.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Iterable

from bot.render import wording
from index.abstain import Reason
from index.evaluate import BeirReport, FollowUpResult, QuestionReport, QuestionResult
from index.model import Answer, DocumentInfo, Hit, SourceView

_BOLD, _RESET = "\033[1m", "\033[0m"
_WIDTH = 96  # when the output is not a terminal
_MIN_WIDTH = 40
_OPENING_MARKS = frozenset("“‘\"'«„")
_CLOSING_MARKS = frozenset("”’\"'»")
# OSC (to BEL, ST or the end), CSI, other two-character escapes, then any C0/C1 control character
# but the line feed and the tab.
_ESCAPES = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[ -~]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def plain(text: str) -> str:
    """Return `text` without terminal escape sequences and control characters (bar \\n, \\t)."""
    return _ESCAPES.sub("", text)


def citation_line(hit_or_view: Hit | SourceView) -> str:
    """Return "Title · Publisher · Date · Section · ¶N" for a hit or a source view."""
    p = hit_or_view.passage
    s = hit_or_view.source
    fields = wording.citation_fields(
        p.title, s.publisher, s.date, p.section, p.paragraph, page=p.page
    )
    return plain(" · ".join(fields))


def _highlight(line: str, words: Iterable[str], color: bool) -> str:
    if not color:
        return line
    out, last = [], 0
    for start, end in wording.match_spans(line, words):
        out.append(f"{line[last:start]}{_BOLD}{line[start:end]}{_RESET}")
        last = end
    return "".join(out) + line[last:]


def width() -> int:
    """Return the width to wrap to: the terminal's ($COLUMNS, else 96 when not a terminal)."""
    return max(shutil.get_terminal_size((_WIDTH + 1, 24)).columns - 1, _MIN_WIDTH)


def _fill(text: str, first: str, rest: str, columns: int) -> list[str]:
    """Return `text` wrapped at whole words, the first line after `first`, the others `rest`."""
    return textwrap.wrap(
        " ".join(text.split()),
        max(columns, len(first) + _MIN_WIDTH // 2),
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]


def _wrap(text: str, indent: str, columns: int | None = None) -> str:
    """Return each line of `text` wrapped at whole words under `indent`."""
    columns = columns or width()
    lines = []
    for paragraph in text.split("\n"):
        lines.extend(_fill(paragraph, indent, indent, columns) if paragraph.strip() else [indent])
    return "\n".join(line.rstrip() if not line.strip() else line for line in lines)


def _quoted(text: str) -> str:
    """Return `text` in quotation marks, not doubling a mark the text begins or ends with."""
    opening = "" if text[:1] in _OPENING_MARKS else "“"
    closing = "" if text[-1:] in _CLOSING_MARKS else "”"
    return f"{opening}{text}{closing}"


def _shown_quote(quote: str, kind: str, number: str, pad: str, columns: int) -> list[str]:
    """Return a quote's lines: prose in quotation marks, code and lists as they are."""
    if kind == "code":
        body = [plain(line).rstrip() for line in wording.code_body(quote).split("\n")]
        return [number.rstrip()] + [f"{pad}    {line}" if line else "" for line in body]
    if kind == "list":
        out: list[str] = []
        for i, item in enumerate(wording.list_items(plain(quote))):
            out.extend(_fill(f"• {item}", number if i == 0 else pad, pad + "  ", columns))
        return out
    return _fill(_quoted(plain(quote)), number, pad, columns)


def render_answer(
    answer: Answer,
    color: bool = False,
    *,
    start: int = 1,
    hint: str | None = None,
    columns: int | None = None,
) -> str:
    """Return the answer as numbered quotes (from `start`) with their citations.

    `hint` is the line that says how to see a passage in full; by default the `citebot source`
    command for the first passage.
    """
    columns = columns or width()
    out = [f"Q: {plain(answer.question)}" if answer.question else "Q: (empty)", ""]
    if answer.context:
        taken = wording.taken_as(plain(answer.question), plain(answer.context))
        out[-1:] = [*_fill(taken, "", "  ", columns), ""]
    if not answer.answered:
        out.append(wording.reason(answer.reason))
        if answer.hits:
            out[-1] += " " + wording.CLOSEST_BELOW if answer.reason == Reason.WEAK_MATCH else ""
            out.append("")
    for n, hit in enumerate(answer.hits, start):
        number = f"[{n}] "
        pad = " " * len(number)
        quote = _shown_quote(hit.quote, hit.passage.kind, number, pad, columns)
        out.extend(_highlight(line, hit.matched_terms, color) for line in quote)
        out.extend(_fill("— " + citation_line(hit), pad, pad + "  ", columns))
        details = pad + "  "
        if hit.also_in:
            titles = [d.title for d in hit.also_in]
            also = wording.ALSO_REPORTED.lower() + plain(wording.also_reported(titles))
            out.extend(_fill(also, details, details + "  ", columns))
        lines = wording.lines_label(hit.passage.lines)
        out.extend(_fill(f"{plain(hit.passage.id)} · {lines}", details, details, columns))
        out.append("")
    for conflict in answer.conflicts:
        out.append(wording.DIFFER.format(about=plain(conflict.about)))
        for claim in conflict.claims:
            number = f"    [{claim.rank}] "
            claimed = plain(f"{_quoted(claim.text)} — {claim.title}")
            out.extend(_fill(claimed, number, " " * len(number), columns))
        out.append("")
    if answer.corrected:
        out.append(plain(wording.searched(answer.corrected)))
    if answer.unmatched_terms:
        out.extend(
            _fill(wording.UNMATCHED + plain(", ".join(answer.unmatched_terms)), "", "", columns)
        )
    if {hit.passage.id for hit in answer.hits}.intersection(answer.stale):
        out.extend(_fill(wording.STALE, "", "", columns))
    if answer.hits:
        out.append(hint or wording.SOURCE_HINT.format(id=plain(answer.hits[0].passage.id)))
    return "\n".join(out).rstrip() + "\n"


def render_source(view: SourceView, *, stale: bool = False) -> str:
    """Return a passage in full with its whole citation and its neighbours."""
    p, s = view.passage, view.source
    rows = [
        ("Title", p.title),
        ("Publisher", s.publisher),
        ("Date", s.date),
        ("URL", s.url),
        ("File", s.path),
        ("Section", p.section),
        ("Page", str(p.page) if p.page else None),
        ("Paragraph", f"{p.paragraph} ({wording.lines_label(p.lines)})"),
    ]
    out = [p.id, ""]
    out.extend(f"{label + ':':<11}{value}" for label, value in rows if value)
    out.extend(["", _wrap(p.text, "  "), ""])
    for label, neighbour in (("Before", view.before), ("After", view.after)):
        if neighbour is not None:
            out.append(f"{label} ({neighbour.id}, ¶{neighbour.paragraph}):")
            out.append(_wrap(neighbour.text, "  "))
            out.append("")
    if stale:
        out.append(wording.STALE_SOURCE)
    return plain("\n".join(out).rstrip() + "\n")


def render_sources(documents: list[DocumentInfo]) -> str:
    """Return the documents of the index as a list."""
    out = []
    for d in documents:
        details = " · ".join(x for x in (d.publisher, d.date) if x)
        out.append(f"{d.doc}  ({d.passages} passage{'s' if d.passages != 1 else ''})")
        out.append(f"    {d.title}" + (f" — {details}" if details else ""))
        if d.url:
            out.append(f"    {d.url}")
    out.append(f"\n{len(documents)} document{'s' if len(documents) != 1 else ''}")
    return plain("\n".join(out) + "\n")


def render_stats(stats: dict[str, object]) -> str:
    """Return index statistics as aligned lines."""
    width = max(len(k) for k in stats) + 2
    lines = []
    for key, value in stats.items():
        if isinstance(value, list):
            lines.append(f"{key + ':':<{width}}{len(value)}")
            lines.extend(f"{'':<{width}}{item}" for item in value)
        elif isinstance(value, dict):  # file → detected encoding
            lines.append(f"{key + ':':<{width}}{len(value)}")
            lines.extend(f"{'':<{width}}{name}: {item}" for name, item in value.items())
        else:
            lines.append(f"{key + ':':<{width}}{value}")
    return plain("\n".join(lines) + "\n")


def _rate(n: int, total: int) -> str:
    return f"{n}/{total}" + (f"  ({100 * n / total:.1f} %)" if total else "")


def _result_line(result: QuestionResult) -> list[str]:
    top = result.answer.hits[0] if result.answer.hits else None
    where = (
        f"answer at rank {result.rank}"
        if result.rank
        else f"answer not in the first {len(result.answer.hits)} passages"
    )
    lines = [f"  {result.question.text}"]
    if result.question.answers:
        lines.append(f"    {where}; accepted: {', '.join(result.question.answers)}")
    if top is not None:
        quote = textwrap.shorten(top.quote, 160, placeholder=" …")
        lines.append(f"    first passage {top.passage.id}: “{quote}”")
    return lines


def render_question_report(report: QuestionReport, file: str, corpus: str) -> str:
    """Return the figures of a question-file evaluation and the questions it got wrong."""
    summary = report.summary()
    n, m = int(summary["answerable"]), int(summary["unanswerable"])  # type: ignore[call-overload]
    dialogues = report.dialogue_summary()
    parts = [f"{n} answerable and {m} out-of-scope questions"] if n or m or not dialogues else []
    if dialogues is not None:
        parts.append(f"{dialogues['dialogues']} dialogues with {dialogues['followups']} follow-ups")
    head = f"{file}: {', '.join(parts)}"
    out = [f"{head} on {corpus}", ""]
    if n or m:
        out += [
            f"hit@1               {_rate(report.hits_at(1), n)}",
            f"hit@3               {_rate(report.hits_at(3), n)}",
            f"MRR@10              {report.mrr:.3f}",
            f"abstained           {_rate(report.abstained, m)} out-of-scope questions",
            f"wrong abstentions   {len(report.wrong_abstentions)} of {n} answerable questions",
        ]
    if dialogues is not None:
        d = {k: int(v) for k, v in dialogues.items() if isinstance(v, int)}
        out += [
            f"first question      hit@1 {_rate(d['first_hit@1'], d['dialogues'])}",
            f"follow-up           hit@1 {_rate(d['followup_hit@1'], d['followups'])} in context",
            f"                    hit@3 {_rate(d['followup_hit@3'], d['followups'])} in context",
            f"follow-up alone     hit@1 {_rate(d['alone_hit@1'], d['followups'])}",
            f"recognised          {_rate(d['recognised'], d['leaning'])} follow-ups"
            " taken in context",
            f"standalone-looking  {d['standalone_mixed']} of {d['standalone_followups']}"
            " mixed with the previous question",
        ]
    if report.standalone is not None:
        out.append(
            f"standalone changed  {len(report.changed)} of {len(report.standalone)} standalone"
            " questions asked after another"
        )
    sections = [
        ("Misses (the first passage does not hold an accepted answer):", report.misses),
        ("Not answered although the sources answer them:", report.wrong_abstentions),
        ("Answered although out of scope:", report.false_answers),
    ]
    for title, results in sections:
        if results:
            out.extend(["", title])
            for result in results:
                out.extend(_result_line(result))
    openers = [r for r in report.dialogues if r.rank != 1]
    if openers:
        out.extend(["", "First questions of dialogues whose first passage has no accepted answer:"])
        for opener in openers:
            out.extend(
                _result_line(QuestionResult(opener.dialogue.opening, opener.answer, opener.rank))
            )
    if report.followup_misses:
        out.extend(["", "Follow-ups whose first passage does not hold an accepted answer:"])
        for followup in report.followup_misses:
            out.extend(_followup_lines(followup))
    misread = [f for f in report.misread if f.rank == 1]
    if misread:
        out.extend(["", "Follow-ups read the wrong way (answered all the same):"])
        for followup in misread:
            out.extend(_followup_lines(followup))
    if report.changed:
        out.extend(["", "Standalone questions whose first passage changed after another:"])
        for changed in report.changed:
            out.append(f"  {changed.question.text}")
            out.append(f"    asked after: {changed.after}")
            if changed.answer.context:
                out.append(f"    taken with: {changed.answer.context}")
    return plain("\n".join(out) + "\n")


def _followup_lines(result: FollowUpResult) -> list[str]:
    question = result.followup.question
    kind = "standalone" if result.followup.standalone else "follow-up"
    reading = "taken in context" if result.recognised else "taken alone"
    where = (
        f"answer at rank {result.rank}"
        if result.rank
        else f"answer not in the first {len(result.answer.hits)} passages"
    )
    lines = [
        f"  {question.text}  ({kind}, {reading})",
        f"    asked after: {result.context}",
        f"    {where}; alone: {result.alone_rank or '-'}; accepted: {', '.join(question.answers)}",
    ]
    top = result.answer.hits[0] if result.answer.hits else None
    if top is not None:
        quote = textwrap.shorten(top.quote, 160, placeholder=" …")
        lines.append(f"    first passage {top.passage.id}: “{quote}”")
    return lines


def render_beir_report(report: BeirReport) -> str:
    """Return the figures of a BEIR evaluation."""
    settings = " ".join(f"{k}={v}" for k, v in report.settings.items())
    return plain(
        "\n".join(
            [
                f"{report.dataset} ({report.split}): {report.queries} queries, "
                f"{report.documents} documents, {report.passages} passages",
                "",
                f"nDCG@10       {report.ndcg_at_10:.4f}",
                f"Recall@100    {report.recall_at_100:.4f}",
                f"MRR@10        {report.mrr_at_10:.4f}",
                f"index build   {report.build_seconds:.1f} s",
                f"queries/s     {report.queries_per_second:.1f}",
                f"settings      {settings}",
            ]
        )
        + "\n"
    )
