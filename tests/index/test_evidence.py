"""Near-duplicate wording and differing figures."""

from __future__ import annotations

import pytest

from index.analyze import Analyzer
from index.evidence import Statement, Wording, disagreements, figures, near_duplicate

A = Analyzer()


def noun(word: str) -> str:
    return (A.terms(word) or [word.lower()])[0]


def wording(text: str) -> Wording:
    return Wording.of(A.terms(text))


def test_near_duplicates_survive_small_edits_but_not_a_shared_topic() -> None:
    lead = (
        "In response to the attack, Armenian PM Nikol Pashinyan claimed that Karabakh was "
        "being intensively bombarded to provoke a war."
    )
    later = lead.replace("to provoke", "in an attempt to provoke") + " He asked for help."
    other = "Pashinyan called an emergency meeting of the National Security Council."
    assert near_duplicate(wording(lead), wording(later))
    assert not near_duplicate(wording(lead), wording(other))
    assert not near_duplicate(wording(""), wording(lead))


def spans(text: str) -> list[tuple[float, str | None, str | None, str]]:
    return [(f.value, f.noun, f.event, text[f.start : f.end]) for f in figures(text, noun)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Landmine explosions killed four troops and two civilians a day earlier.",
            [(4, "troops", "killed", "four troops"), (2, "civilian", "killed", "two civilians")],
        ),
        (
            "Two landmine blasts killed six people, including four police officers, on Tuesday.",
            [
                (2, "landmin", None, "Two landmine blasts"),  # the blasts did the killing
                (6, None, "killed", "six people"),
                (4, "police", "killed", "four police officers"),
            ],
        ),
        (
            "5 persons were killed and 80 were injured, and 15 of the injured were civilians.",
            [
                (5, None, "killed", "5 persons were killed"),
                (80, None, "injured", "80 were injured"),
                (15, None, "injured", "15 of the injured"),
            ],
        ),
        ("Officials have reported 27 deaths.", [(27, None, "killed", "27 deaths")]),
        ("On September 19, 2023, three years after the war, 60 km away.", []),
    ],
)
def test_figures(text: str, expected: list[tuple[float, str | None, str | None, str]]) -> None:
    assert spans(text) == expected


def statement(key: str, text: str) -> Statement:
    return Statement(key, key.split("#", maxsplit=1)[0], text, tuple(figures(text, noun)))


def test_different_tolls_and_different_victims_disagree() -> None:
    found = disagreements(
        [
            statement("a#1", "Two blasts killed six people, including four police officers."),
            statement("b#1", "The explosions killed four troops and two civilians."),
            statement("c#1", "Four soldiers and two civilians were killed by landmines."),
            statement("d#1", "Officials reported 27 deaths; 5 persons were killed earlier."),
        ]
    )
    assert [d.about for d in found] == ["killed"]
    parts = dict(found[0].parts)
    assert parts["a#1"] == "six people, including four police officers"
    assert parts["b#1"] == "four troops and two civilians"
    assert "c#1" in parts and "d#1" in parts


def test_agreeing_or_same_document_figures_do_not_disagree() -> None:
    assert (
        disagreements(
            [
                statement("a#1", "The explosions killed four troops and two civilians."),
                statement("b#1", "Four soldiers and two civilians were killed."),
                statement("a#2", "Later reports said 12 people were killed."),
            ]
        )
        == []
    )
