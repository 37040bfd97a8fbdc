"""The analyzer: the same terms for a passage and for a question that means the same words."""

from __future__ import annotations

import pytest

from index import analyze
from index.analyze import Analyzer

A = Analyzer()


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Erdoğan", "Erdogan"),
        ("Azerbaijan’s", "azerbaijan"),
        ("AZERBAIJAN's", "Azerbaijan"),
        ("“quoted”", '"quoted"'),
        ("recognised", "recognized"),
        ("defence", "defense"),
        ("2,000", "2000"),
        ("killed", "kill"),
        ("said", "says"),
        ("Armenian", "Armenia"),
        ("Azerbaijani", "Azerbaijan"),
        ("negotiations", "negotiate"),
    ],
)
def test_equivalent_forms_give_the_same_terms(left: str, right: str) -> None:
    assert A.terms(left) == A.terms(right)


def test_hyphenated_words_match_their_parts_and_the_joined_word() -> None:
    terms = A.terms("anti-terrorist")
    assert set(A.terms("terrorist")) <= set(terms)
    assert set(A.terms("antiterrorist")) <= set(terms)
    assert A.terms("anti‑terrorist") == terms  # non-breaking hyphen


def test_question_words_and_stopwords_are_dropped() -> None:
    assert A.terms("What is it? Who, when, where, why, how, which of them did that?") == []
    assert A.terms("How many people were killed?") == A.terms("people killed")


def test_tokens_keep_offsets_into_the_original_text() -> None:
    text = "Erdoğan stated that Turkey’s support is “firm”."
    spans = [(text[start:end], terms) for start, end, terms in A.spans(text) if terms]
    assert spans[0][0] == "Erdoğan"
    assert ("Turkey’s", tuple(A.terms("turkey"))) in spans
    assert [t for _, terms in spans for t in terms] == A.terms(text)


def test_odd_text_never_fails() -> None:
    for text in ["", "   ", "\x00\x01", "👍🏽 🇦🇿", "\u200b\u200f", "```code```", "@everyone <@&1>"]:
        assert isinstance(A.terms(text), list)


def test_new_words_without_end_do_not_grow_memory_without_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(analyze, "CACHE_WORDS", 50)
    analyzer = Analyzer()
    for n in range(400):
        assert analyzer.terms(f"questions about zq{n}x") == ["question", f"zq{n}x"]
    assert len(analyzer._cache) <= 50
    spans = analyzer.spans("Armenian questions")
    assert spans == [(0, 8, ("armenia",)), (9, 18, ("question",))]
