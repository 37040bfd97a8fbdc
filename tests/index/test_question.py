"""What a question asks for, read from its question words."""

from __future__ import annotations

import pytest

from index.question import Kind, asks, holds, shape


@pytest.mark.parametrize(
    ("question", "kind", "frame"),
    [
        ("Who is the prime minister of Armenia?", Kind.PERSON, set()),
        ("Who is Laurence Broers?", None, set()),  # asks what a named person is
        ("When did the talks start?", Kind.DATE, set()),
        ("In which year did the war end?", Kind.DATE, {"year"}),
        ("Which ceasefire year ended the last war?", Kind.DATE, {"year"}),
        ("How many people were evacuated?", Kind.NUMBER, {"many"}),
        ("How large is the peacekeeping force?", Kind.NUMBER, {"large"}),
        ("Where will the talks take place?", Kind.PLACE, {"take", "place"}),
        ("What did the Armenian side say?", None, {"side", "say"}),
        # The verb of a reported statement: sources also write "according to the ministry".
        ("What did the ministry say the goals were?", None, {"say"}),
        ("Where did the Azerbaijani side say talks could begin?", Kind.PLACE, {"side", "say"}),
        ("Who said the war had ended?", Kind.PERSON, set()),  # asks who said it
        ("Which side won?", None, set()),  # "Which" is no nationality
        ("What is the Zangezur corridor?", None, set()),
        # Framing phrases are not searched.
        ("What was the reason aid could not get in?", None, {"what", "was", "the", "reason"}),
        ("What reason did Baku give?", None, {"what", "reason"}),
        ("According to the ministry, what must happen?", None, {"according", "to"}),
        ("Besides the peacekeepers, whom did Baku notify?", None, {"besides"}),
        ("Apart from Russia, which neighbour objected?", None, {"apart", "from"}),
        ("In what way did Yerevan respond?", None, {"in", "what", "way"}),
        # The answer names a thing of the type, not the type; a definition, not "stand for".
        ("What type of government does Kenya have?", None, {"what", "type", "of"}),
        ("Which kinds of cells fight infection?", None, {"which", "kinds", "of"}),
        ("What two types of immunity are there?", None, set()),  # "two types": the subject
        ("What does CBD stand for?", None, {"stand", "for"}),
        ("What is another term for rotors?", None, {"another", "term", "for"}),
        ("Where does the army stand for now?", Kind.PLACE, set()),
        ("how long has the blockade been going on", Kind.NUMBER, {"long", "going", "on"}),
        ("What is a reason for the delay?", None, {"what", "is", "a", "reason"}),
        ("What degree is needed in order to practise?", None, {"in", "order", "to"}),
        ("During what decade did the campus change?", Kind.DATE, {"decade"}),
        # Typed in lowercase, a rare word after "who is" is a name.
        ("who is hajiev", None, set()),
        ("who is the kremlin spokesman", Kind.PERSON, set()),
        ("who is responsible", Kind.PERSON, set()),
        ("what did the armenian side say", None, {"say"}),  # "side" of a lowercase word: kept
        # Typed as keywords, the kind comes last; not in a yes-or-no question, nor after "this".
        ("evacuated kids number?", Kind.NUMBER, {"number"}),
        ("ceasefire agreement date?", Kind.DATE, {"date"}),
        ("Is 7 a prime number?", None, set()),
        ("more attacks this year?", None, set()),
        ("evacuated kids number", None, set()),  # no question mark: a keyword search
        # Inside a statement, "who" and "when" start clauses: no kind.
        ("Patients who smoke have more strokes when they are older.", None, set()),
    ],
)
def test_shape(question: str, kind: Kind | None, frame: set[str]) -> None:
    asked = shape(question)
    assert asked.kind == kind
    assert asked.frame_words == frame


def test_a_name_is_two_capitalised_words_the_question_does_not_hold() -> None:
    asked = frozenset({"prime", "minister", "armenia"})
    assert holds(Kind.PERSON, "Nikol Pashinyan, the prime minister of Armenia, said…", asked)
    assert not holds(Kind.PERSON, "In a televised address, the prime minister of Armenia…", asked)
    assert not holds(Kind.PERSON, "The Prime Minister spoke.", frozenset({"prime", "minister"}))


def test_dates_numbers_and_places() -> None:
    none: frozenset[str] = frozenset()
    assert holds(Kind.DATE, "the ceasefire of 2020", none)
    assert holds(Kind.DATE, "On September 19, it began", none)
    assert not holds(Kind.DATE, "three years ago", none)
    # Earlier years where the words make them dates; a bare number is a count.
    for dated in ("began in 911 as a fiefdom", "by 1271", "AD 800", "300 BC", "the 10th century"):
        assert holds(Kind.DATE, dated, none), dated
    for count in ("1200 men died", "he paid 911 dollars", "in 1,200 villages", "in 50 minutes"):
        assert not holds(Kind.DATE, count, none), count
    assert holds(Kind.NUMBER, "a 2,000-member force", none)
    assert holds(Kind.NUMBER, "for the past nine months", none)
    assert not holds(Kind.NUMBER, "many people", none)
    assert holds(Kind.PLACE, "talks could begin in the town of Yevlakh", none)
    assert not holds(Kind.PLACE, "talks between Azerbaijan and Armenia", none)
    assert not holds(Kind.PLACE, "talks in Yevlakh", frozenset({"yevlakh"}))  # already asked


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("What is the Zangezur corridor?", True),
        ("In which year did the war end?", True),
        ("Under what law is the value of a worker set?", True),
        ("During which decade did the campus change?", True),
        ("how many died", True),
        ("Among patients with diabetes, which drugs help?", False),
        ("Aspirin lowers the risk of stroke.", False),
        ("nagorno karabakh ceasefire?", False),
        ("", False),
    ],
)
def test_a_question_opens_with_a_question_word(text: str, question: bool) -> None:
    assert asks(text) is question
