"""The words of an answer are the same on every surface: Discord, terminal and chat."""

from __future__ import annotations

from bot.render import discord as discord_render
from bot.render import terminal, wording
from index.abstain import Reason
from index.model import Answer


def test_every_reason_has_its_sentence():
    assert set(wording.REASONS) == set(Reason)
    assert wording.reason(None) == wording.NOT_FOUND


def test_both_renderers_say_the_same_reason():
    for why in Reason:
        answer = Answer("what?", False, (), reason=why)
        text = terminal.render_answer(answer)
        embed = discord_render.answer_embed(answer)
        assert wording.REASONS[why] in text
        assert wording.REASONS[why] in (embed.description or "")


def test_match_spans_are_whole_words_longest_first():
    text = "Armenia and Armenians; armenia"
    assert wording.match_spans(text, ["Armenia", "Armenians"]) == [(0, 7), (12, 21)]
    assert wording.match_spans(text, ["", " "]) == []


def test_lines_label():
    assert wording.lines_label((18, 18)) == "line 18"
    assert wording.lines_label((18, 25)) == "lines 18–25"


def test_also_reported_names_five_documents_and_counts_the_rest():
    titles = [f"Report {n}" for n in range(479)]
    assert (
        wording.also_reported(titles)
        == "Report 0, Report 1, Report 2, Report 3, Report 4 and 474 more"
    )
    assert wording.also_reported(titles[:2]) == "Report 0, Report 1"


def test_both_renderers_say_how_a_follow_up_was_taken():
    answer = Answer("and when?", False, (), reason=Reason.NO_MATCH, context="Who won the war?")
    line = "Taking this as: and when? (after: Who won the war?)"
    assert line in terminal.render_answer(answer, columns=80)
    embed = discord_render.answer_embed(answer)
    assert "-# " + line in (embed.description or "")
    assert wording.taken_as("and when?", "Who won the war?") == line


def test_a_question_taken_alone_says_nothing_of_a_context():
    answer = Answer("Who won the war?", False, (), reason=Reason.NO_MATCH)
    assert "Taking this as" not in terminal.render_answer(answer)
    assert "Taking this as" not in (discord_render.answer_embed(answer).description or "")
