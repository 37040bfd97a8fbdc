"""Answer quality on the bundled corpus: dev and example questions, corroboration, disagreement.

The question-file checks use the settings the bot uses by default (the shipped citebot.yaml,
which must equal the library defaults).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from index import evaluate as ev
from index.api import open_index
from index.search import Searcher
from index.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
DEV = ROOT.parent / "shared" / "eval" / "seed_dev.yaml"
EXAMPLES = ROOT / "bench" / "questions.yaml"


@pytest.fixture(scope="module")
def searcher() -> Searcher:
    return open_index(CORPUS, None, Settings())


def test_the_shipped_config_uses_the_library_defaults() -> None:
    retrieval = yaml.safe_load((ROOT / "citebot.yaml").read_text(encoding="utf-8"))["retrieval"]
    defaults = Settings()
    for key in ("variant", "k1", "b", "section_weight", "title_weight"):
        assert retrieval[key] == getattr(defaults, key), key
    assert retrieval["abstain"]["min_coverage"] == defaults.min_coverage
    assert retrieval["chunk"]["max_chars"] == defaults.chunk.max_chars


def run(searcher: Searcher, path: Path) -> ev.QuestionReport:
    return ev.run_questions(searcher, ev.load_questions(path))


def describe(report: ev.QuestionReport) -> str:
    lines = [f"{r.question.text!r}: rank {r.rank}" for r in report.misses]
    lines += [f"{r.question.text!r}: not answered" for r in report.wrong_abstentions]
    lines += [f"{r.question.text!r}: answered" for r in report.false_answers]
    return "\n".join(lines)


def test_dev_questions(searcher: Searcher) -> None:
    if not DEV.is_file():
        pytest.skip(f"the development questions are not here ({DEV})")
    report = run(searcher, DEV)
    n = len(report.answerable)
    assert report.hits_at(1) >= round(n * 10 / 12), describe(report)
    assert report.hits_at(3) == n, describe(report)
    assert report.abstained == len(report.unanswerable), describe(report)
    assert not report.wrong_abstentions, describe(report)


def test_example_questions(searcher: Searcher) -> None:
    report = run(searcher, EXAMPLES)
    n, m = len(report.answerable), len(report.unanswerable)
    assert n >= 25 and m >= 10
    assert report.hits_at(1) >= 0.9 * n, describe(report)
    assert report.hits_at(3) >= 0.97 * n, describe(report)
    assert report.abstained >= 0.8 * m, describe(report)
    assert not report.wrong_abstentions, describe(report)


def test_no_sources_differ_where_they_agree(searcher: Searcher) -> None:
    questions = ev.load_questions(EXAMPLES).answerable
    if DEV.is_file():
        questions += ev.load_questions(DEV).answerable
    flagged = [
        (q.text, c.about)
        for q in questions
        for c in searcher.search(q.text, 3).conflicts
        if c.about != "killed"  # the seeds do differ on who and how many were killed
    ]
    assert flagged == []


def test_sources_differ_on_who_the_landmines_killed(searcher: Searcher) -> None:
    answer = searcher.search("How many people were killed by the landmine explosions?", 3)
    assert answer.answered
    (conflict,) = answer.conflicts
    assert conflict.about == "killed"
    texts = " | ".join(c.text for c in conflict.claims)
    assert "four police officers" in texts
    assert "four troops and two civilians" in texts or "four soldiers and two civilians" in texts
    assert len({c.doc for c in conflict.claims}) >= 2
    for claim in conflict.claims:  # each side is quoted verbatim by the hit it points at
        assert claim.text in answer.hits[claim.rank - 1].quote
    data = answer.to_dict()
    assert data["conflicts"][0]["about"] == "killed"  # type: ignore[index]


def test_a_name_no_source_mentions_is_listed_and_not_answered(searcher: Searcher) -> None:
    answer = searcher.search("What did Tokyo say about Karabakh?", 3)
    assert not answer.answered and answer.reason == "weak_match"
    assert answer.unmatched_terms == ("Tokyo",)
    assert answer.hits  # the closest passages are still there


def test_first_passages_do_not_depend_on_how_many_are_asked_for(searcher: Searcher) -> None:
    for question in [q.text for q in ev.load_questions(EXAMPLES).answerable][:10]:
        few, many = searcher.search(question, 3), searcher.search(question, 12)
        assert [h.passage.id for h in few.hits] == [h.passage.id for h in many.hits[:3]]
        assert few.answered == many.answered


# -- Made-up corpora --------------------------------------------------------------------------

WIRE = (
    "Officials said the bridge over the river would reopen to traffic on Monday after "
    "three weeks of repairs to its damaged supports."
)


# Unrelated documents, so that the words of the tests are not in half of all passages.
FILLER = {
    f"filler{n}.txt": f"Notes {n}\n\n{text}\n"
    for n, text in enumerate(
        [
            "The orchestra rehearsed the second symphony for the autumn concert.",
            "Gardeners planted tulips along the northern edge of the park.",
            "The library extended its opening hours during the examination period.",
            "A new bakery opened near the station, selling rye bread and pastries.",
        ]
    )
}


def corpus(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in {**FILLER, **files}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_near_identical_passages_collapse_and_free_their_slot(tmp_path: Path) -> None:
    folder = corpus(
        tmp_path,
        {
            "a.txt": f"River Times\n\n{WIRE}\n",
            "b.txt": f"Valley Post\n\n{WIRE.replace('Officials said', 'Officials say')}\n",
            "c.txt": "Bridge notes\n\nThe bridge was built in 1931 and carries the river road.\n",
            "d.txt": "Traffic desk\n\nTraffic will use the ferry while the bridge is closed.\n",
        },
    )
    answer = open_index(folder, None, Settings()).search("When will the bridge reopen?", 3)
    docs = [h.passage.doc for h in answer.hits]
    assert len(docs) == 3 and len(set(docs)) == 3
    first = answer.hits[0]
    assert first.passage.doc in ("a", "b")
    other = "b" if first.passage.doc == "a" else "a"
    assert [d.doc for d in first.also_in] == [other]
    assert first.also_ids == (f"{other}#1",)
    assert other not in docs
    assert first.to_dict()["also_in"][0]["title"] in ("River Times", "Valley Post")  # type: ignore[index]


def test_a_repeated_paragraph_in_one_document_is_shown_once(tmp_path: Path) -> None:
    lead = WIRE
    again = WIRE.replace("three weeks of repairs", "three weeks of careful repairs")
    folder = corpus(
        tmp_path,
        {"a.txt": f"River Times\n\n{lead}\n\nThe mayor thanked the crews.\n\n{again}\n"},
    )
    answer = open_index(folder, None, Settings()).search("When will the bridge reopen?", 3)
    texts = [h.passage.text for h in answer.hits]
    assert (lead in texts) != (again in texts)
    assert not answer.hits[0].also_in


def test_sources_that_agree_are_not_said_to_differ(tmp_path: Path) -> None:
    folder = corpus(
        tmp_path,
        {
            "a.txt": "Storm report\n\nThe storm killed 12 people and injured 40 in the port.\n",
            "b.txt": "Port news\n\nTwelve people were killed when the storm hit the port town.\n",
        },
    )
    searcher = open_index(folder, None, Settings())
    answer = searcher.search("How many people were killed by the storm?", 3)
    assert answer.answered and answer.conflicts == ()


def test_sources_that_give_different_tolls_are_said_to_differ(tmp_path: Path) -> None:
    folder = corpus(
        tmp_path,
        {
            "a.txt": "Storm report\n\nThe storm killed 12 people and injured 40 in the port.\n",
            "b.txt": "Port news\n\nOfficials said 15 people were killed when the storm hit.\n",
        },
    )
    answer = open_index(folder, None, Settings()).search("How many were killed in the storm?", 3)
    (conflict,) = answer.conflicts
    assert conflict.about == "killed"
    assert {c.text for c in conflict.claims} == {"12 people", "15 people were killed"}


def test_a_who_question_prefers_the_passage_that_names_someone(tmp_path: Path) -> None:
    folder = corpus(
        tmp_path,
        {
            "a.txt": "Council\n\nThe mayor of Riverton spoke briefly.\n\n"
            "Anna Berg, the mayor of Riverton, opened the new library on Friday morning.\n",
        },
    )
    answer = open_index(folder, None, Settings()).search("Who is the mayor of Riverton?", 2)
    assert "Anna Berg" in answer.hits[0].quote


def test_synonyms_from_the_config_find_the_other_name(tmp_path: Path) -> None:
    folder = corpus(
        tmp_path,
        {"a.txt": "Report\n\nShelling was heard in Khankendi on Tuesday night.\n"},
    )
    plain = open_index(folder, None, Settings())
    assert plain.search("What was heard in Stepanakert?", 3).unmatched_terms == ("Stepanakert",)
    settings = dataclasses.replace(Settings(), synonyms=(("Stepanakert", ("Khankendi",)),))
    answer = open_index(folder, None, settings).search("What was heard in Stepanakert?", 3)
    assert answer.answered and answer.unmatched_terms == ()
    assert "Khankendi" in answer.hits[0].matched_terms


def test_statements_keep_the_bm25_order_and_questions_prefer_the_sentence_that_holds_them(
    searcher: Searcher,
) -> None:
    # (a statement of at most three informative words is expanded by feedback: test_variants)
    statement = "Russian peacekeepers evacuated civilians from the mountainous enclave"
    answer = searcher.search(statement, 5)
    query = searcher.parse(statement)
    plain = searcher.backend.top(query.searched, 5, query.boosts)
    assert [h.passage.id for h in answer.hits] == [searcher.passage(i).id for i, _ in plain]
    question = searcher.search("Who evacuated civilians from Nagorno-Karabakh?", 3)
    assert "peacekeeping forces had begun evacuating civilians" in question.hits[0].quote
