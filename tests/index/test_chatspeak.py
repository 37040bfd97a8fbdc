"""Questions typed as people chat: filler, apostrophe-less contractions, chat abbreviations.

What a user sees: which questions are answered, and what the answer says was searched
("Searched for people" in Discord and the terminal, the JSON's `corrected`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.abstain import Reason
from index.api import open_index
from index.chatspeak import read
from index.model import Correction
from index.search import Searcher
from index.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def searcher() -> Searcher:
    return open_index(CORPUS, None, Settings())


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        # Interjections, discourse markers and hedges.
        ("um what did germany say", "what did germany say"),
        ("pls who is hajiev", "who is hajiev"),
        ("so like why did they even attack", "why did they attack"),
        ("hey so whats the capital lol", "what is the capital"),
        ("is that the plan tho", "is that the plan"),
        ("it was kinda bad, like was there a warning", "it was bad, was there a warning"),
        ("did russia know beforehand or nah", "did russia know beforehand"),
        # The asker's framing.
        ("anyone know what the pm is called", "what the prime minister is called"),
        ("does anyone know if the talks began", "the talks began"),
        ("i read that the army left, is that true", "the army left"),
        ("my friend said the road was closed", "the road was closed"),
        ("u know the guy who said it, what did he want", "the who said it, what did he want"),
        ("the landmine thing how many died", "the landmine how many died"),
        ("he asked them for something", "he asked them for"),
        ("ppl keep saying ethnic cleansing, who said that", "ethnic cleansing, who said that"),
        # Contractions without the apostrophe, chat spellings of question words.
        ("whos aliyev", "who is aliyev"),
        ("Whos Aliyev?", "Who is Aliyev?"),
        ("what does he say itll do", "what does he say it will do"),
        ("why isnt russia helping", "why is not russia helping"),
        ("food couldnt get in", "food could not get in"),
        ("wat is artsakh", "what is artsakh"),
        ("wut did they say", "what did they say"),
        ("y did it start", "why did it start"),
        ("where r the talks gonna be", "where are the talks will be"),
        # Abbreviations.
        ("how many ppl live there", "how many people live there"),
        ("what did the govt say abt it", "what did the government say about it"),
        ("what did the un sec gen say", "what did the un secretary general say"),
        ("the ministry w/ the civilians", "the ministry with the civilians"),
        ("who is in charge rn", "who is in charge now"),
    ],
)
def test_chat_is_read_as_meant(typed: str, meant: str) -> None:
    assert read(typed).text == meant


@pytest.mark.parametrize(
    "formal",
    [
        "What does the city look like?",
        "Which countries like France signed it?",
        "What did the PM say at 5 pm?",
        "Who is the US envoy?",
        "Were its forces well prepared?",  # words that are also contractions: left alone
        "Why is the shell of the building still standing?",
        "Hey Jude was written by whom?",  # a capitalised run is a name
        "Where is the IMO based?",
    ],
)
def test_formal_questions_are_read_as_typed(formal: str) -> None:
    assert read(formal) == read(formal).__class__(formal, ())


def test_only_abbreviations_that_become_searched_words_are_shown() -> None:
    reading = read("um how many ppl r there w the govt pm")
    assert reading.expanded == (
        ("ppl", "people"),
        ("govt", "government"),
        ("pm", "prime minister"),
    )
    assert read("5 pm").expanded == ()  # a time, not a prime minister


def test_a_question_of_only_filler_is_empty(searcher: Searcher) -> None:
    assert read("lol um ok").text == ""
    answer = searcher.search("lol um ok", 3)
    assert not answer.answered and answer.reason == Reason.NO_TERMS


def test_filler_does_not_refuse_a_question(searcher: Searcher) -> None:
    for question in ("pls who is hajiev", "wut did germany say", "wat is artsakh"):
        answer = searcher.search(question, 3)
        assert answer.answered, question
        # Nothing is shown for filler or chat spellings ("hajiev" is a misspelling).
        assert {c.asked for c in answer.corrected} <= {"hajiev"}, question
        assert not answer.unmatched_terms, question


def test_whos_a_name_asks_what_the_person_is(searcher: Searcher) -> None:
    answer = searcher.search("whos aliyev", 3)
    assert answer.answered
    assert "Aliyev" in answer.hits[0].quote


def test_an_abbreviation_is_shown_as_the_word_searched(searcher: Searcher) -> None:
    answer = searcher.search("how many ppl live in nagorno karabakh", 3)
    assert answer.answered
    assert Correction("ppl", "people") in answer.corrected
    data = json.loads(json.dumps(answer.to_dict()))
    assert {"asked": "ppl", "searched": "people"} in data["corrected"]
    assert any("120,000" in hit.passage.text for hit in answer.hits)


def test_a_written_out_abbreviation_still_meets_the_short_form_the_sources_use(
    searcher: Searcher,
) -> None:
    # The sources write both "PM Nikol Pashinyan" and "Prime Minister Nikol Pashinyan".
    query = searcher.parse("what did the armenian pm say")
    concept = {t.term: t.concept for t in query.terms}
    assert concept["pm"] == concept["prime"] == concept["minist"]
    answer = searcher.search("anyone know what the armenian pm is called", 3)
    assert answer.answered
    assert "Pashinyan" in " ".join(hit.passage.text for hit in answer.hits)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("waht did blinken say", "what did blinken say"),
        ("Waht is artsakh", "What is artsakh"),  # capitalised as the first word
        ("wich country backs baku", "which country backs baku"),  # not "with"
        ("what is thier army doing", "what is their army doing"),
        ("why becuase of the mines", "why because of the mines"),
        ("teh road abotu the corridor", "the road about the corridor"),
        ("wehn did it start, mnay died", "when did it start, many died"),  # "many", not "may"
    ],
)
def test_misspelled_function_words_are_read_as_meant(typed: str, meant: str) -> None:
    assert read(typed).text == meant


@pytest.mark.parametrize(
    "typed",
    [
        "hwo did it start",  # "how" or "who": left as typed
        "what dose of aid",  # an English word in its own right
        "what form did it take",  # "form" is a word, not "from"
        "the Thier family",  # capitalised inside a question: a name
    ],
)
def test_words_that_are_no_clear_slip_are_left_alone(typed: str) -> None:
    assert read(typed).text == typed


def test_a_word_the_sources_use_is_never_read_as_a_slip() -> None:
    assert read("becuase they met").text == "because they met"
    # A corpus that spells it so (a name, a place) keeps it.
    kept = read("becuase they met", known=lambda word: word == "becuase")
    assert kept.text == "becuase they met"


def test_a_slip_in_a_function_word_no_longer_refuses_the_question(searcher: Searcher) -> None:
    for question in ("waht did blinken say", "what is thier army doing", "wich country backs baku"):
        answer = searcher.search(question, 3)
        assert answer.answered, question
        assert not answer.unmatched_terms, question  # nothing shown as "no source mentions"
        assert not answer.corrected, question  # read, not searched: nothing to report
