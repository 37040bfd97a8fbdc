"""BM25 parity: the postings-based scores equal rank-bm25's, edge cases included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25L, BM25Okapi, BM25Plus

from index.analyze import Analyzer
from index.api import open_index
from index.bm25 import Scorer, invert, weigh
from index.build import build
from index.errors import EmptyCorpusError
from index.fields import passage_terms
from index.settings import Settings

REFERENCE = {"okapi": BM25Okapi, "l": BM25L, "plus": BM25Plus}
RTOL = 1e-6


def reference(documents: list[list[str]], settings: Settings):
    """Return rank-bm25's model of the same variant and parameters."""
    cls = REFERENCE[settings.variant]
    extra = {"epsilon": settings.epsilon} if settings.variant == "okapi" else {}
    if settings.variant != "okapi":
        extra["delta"] = settings.delta
    return cls(documents, k1=settings.k1, b=settings.b, **extra)


def scorer(documents: list[list[str]], settings: Settings) -> tuple[Scorer, dict[str, int]]:
    """Index token lists with the library's own inversion and weighting."""
    vocab = sorted({t for doc in documents for t in doc})
    term_id = {t: i for i, t in enumerate(vocab)}
    terms = np.asarray([term_id[t] for doc in documents for t in doc], dtype=np.int64)
    docs = np.repeat(np.arange(len(documents)), [len(d) for d in documents])
    used, ptr, post_docs, tf = invert(terms, docs, len(documents))
    assert used.tolist() == list(range(len(vocab)))
    doc_len = np.asarray([len(d) for d in documents], dtype=np.int32)
    weights = weigh(settings, ptr, post_docs, tf, doc_len)
    return Scorer(ptr, post_docs, weights.weights, weights.constant, len(documents)), term_id


def holders(model) -> dict[str, list[int]]:
    """Return, for each term, the passages that hold it, from rank-bm25's own counts."""
    found: dict[str, list[int]] = {}
    for i, freqs in enumerate(model.doc_freqs):
        for term in freqs:
            found.setdefault(term, []).append(i)
    return found


def expected_top(
    model, query: list[str], k: int, holding: dict[str, list[int]] | None = None
) -> list[tuple[int, float]]:
    """Return rank-bm25's top k among passages holding a query term; ties by position."""
    holding = holding if holding is not None else holders(model)
    docs = sorted({i for q in query for i in holding.get(q, ())})
    if not docs:
        return []
    scores = np.asarray(model.get_batch_scores(query, docs))
    order = np.lexsort((docs, -scores))[:k]
    return [(docs[i], float(scores[i])) for i in order]


def assert_same_ranking(got: list[tuple[int, float]], want: list[tuple[int, float]]) -> None:
    """Same scores rank by rank; same passages wherever a score is not tied with another."""
    assert len(got) == len(want)
    for (_, score), (_, expected) in zip(got, want, strict=True):
        assert score == pytest.approx(expected, rel=RTOL, abs=1e-12)
    scores = [s for _, s in want]
    for rank, ((doc, _), (expected_doc, expected)) in enumerate(zip(got, want, strict=True)):
        tied = sum(1 for s in scores if abs(s - expected) <= RTOL * max(abs(expected), 1e-12))
        if tied == 1 and rank < len(want) - 1:
            assert doc == expected_doc


SETTINGS = [
    Settings(variant="okapi", k1=1.5, b=0.75, epsilon=0.25),
    Settings(variant="okapi", k1=1.2, b=0.5),
    Settings(variant="l", k1=1.5, b=0.75, delta=0.5),
    Settings(variant="plus", k1=1.5, b=0.75, delta=1.0),
    Settings(variant="plus", k1=0.9, b=0.4, delta=0.5),
]


# Ten passages: "half" is in exactly five (Okapi idf 0), "most" in seven (Okapi idf negative,
# floored), "all" in every passage, two passages are empty, "echo" repeats within passages.
EDGE = [
    ["half", "most", "all", "echo", "echo", "echo", "rare"],
    ["half", "most", "all", "apple"],
    ["half", "most", "all", "apple", "apple", "banana"],
    ["half", "most", "all", "echo"],
    ["half", "most", "all", "cherry", "cherry", "cherry", "cherry", "cherry", "cherry"],
    ["most", "all", "banana"],
    ["most", "all"],
    ["all", "cherry", "echo", "echo"],
    [],
    [],
]
QUERIES = [
    ["half"],
    ["most"],
    ["all"],
    ["echo"],
    ["half", "most"],
    ["half", "rare"],
    ["most", "cherry", "echo"],
    ["apple", "banana", "cherry", "echo", "rare", "all"],
    ["echo", "echo"],  # a repeated query term counts twice, as in rank-bm25
    ["missing"],
    ["missing", "apple"],
]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: f"{s.variant}-k{s.k1}-b{s.b}")
@pytest.mark.parametrize("query", QUERIES, ids=" ".join)
def test_edge_cases_match_rank_bm25(settings: Settings, query: list[str]) -> None:
    model = reference(EDGE, settings)
    ours, term_id = scorer(EDGE, settings)
    ids = [term_id[t] for t in query if t in term_id]
    assert_same_ranking(ours.top(ids, 10), expected_top(model, query, 10))
    full = ours.scores(ids)
    holding = [i for i, doc in enumerate(EDGE) if set(query) & set(doc)]
    np.testing.assert_allclose(full[holding], model.get_scores(query)[holding], rtol=RTOL)


def test_okapi_idf_is_zero_at_half_and_floored_above() -> None:
    settings = Settings(variant="okapi", k1=1.5, b=0.75, epsilon=0.25)
    model = reference(EDGE, settings)
    ours, term_id = scorer(EDGE, settings)
    assert model.idf["half"] == 0
    assert ours.scores([term_id["half"]]).max() == 0
    floored = settings.epsilon * model.average_idf
    assert model.idf["most"] == pytest.approx(floored)
    assert ours.scores([term_id["most"]])[0] > 0  # floored to a positive share of the mean


def test_plus_scores_every_passage_but_returns_only_matches() -> None:
    settings = Settings(variant="plus", k1=1.5, b=0.75, delta=1.0)
    model = reference(EDGE, settings)
    ours, term_id = scorer(EDGE, settings)
    query = ["rare"]
    everyone = model.get_scores(query)
    assert (everyone > 0).all()  # BM25Plus gives idf × delta to passages without the term
    np.testing.assert_allclose(ours.scores([term_id["rare"]]), everyone, rtol=RTOL)
    assert [doc for doc, _ in ours.top([term_id["rare"]], 10)] == [0]


def test_empty_corpus_is_our_error_not_a_division_by_zero() -> None:
    with pytest.raises(ZeroDivisionError):
        BM25Okapi([])
    with pytest.raises(EmptyCorpusError):
        scorer([], Settings())
    with pytest.raises(EmptyCorpusError):
        scorer([[], []], Settings())


def test_empty_folder_raises_empty_corpus_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    with pytest.raises(EmptyCorpusError):
        build(tmp_path, Settings())


def zipf_corpus(
    rng: np.random.Generator, paragraphs: int, vocabulary: int
) -> tuple[list[list[str]], list[str]]:
    words = [f"w{i}" for i in range(vocabulary)]
    weights = 1.0 / np.arange(1, vocabulary + 1)
    weights /= weights.sum()
    lengths = rng.integers(30, 121, size=paragraphs)
    drawn = rng.choice(vocabulary, size=int(lengths.sum()), p=weights)
    documents = [[words[i] for i in chunk] for chunk in np.split(drawn, np.cumsum(lengths)[:-1])]
    return documents, words


@pytest.mark.parametrize(
    ("settings", "queries"),
    [
        (Settings(variant="okapi", k1=1.5, b=0.75), 1000),
        (Settings(variant="l", k1=1.2, b=0.5, delta=0.5), 150),
        (Settings(variant="plus", k1=1.2, b=0.5, delta=1.0), 150),
    ],
    ids=["okapi", "l", "plus"],
)
def test_random_queries_over_10k_paragraphs_match_rank_bm25(
    settings: Settings, queries: int
) -> None:
    rng = np.random.default_rng(5)
    documents, words = zipf_corpus(rng, 10_000, 5_000)
    model = reference(documents, settings)
    ours, term_id = scorer(documents, settings)
    holding = holders(model)
    for _ in range(queries):
        size = int(rng.integers(1, 9))
        # Mostly mid-frequency words, some frequent ones and some no passage holds.
        ranks = np.exp(rng.uniform(np.log(10), np.log(20_000), size=size)).astype(int)
        query = [words[r] if r < len(words) else f"absent{r}" for r in ranks]
        query = list(dict.fromkeys(query))
        ids = [term_id[t] for t in query if t in term_id]
        assert_same_ranking(ours.top(ids, 10), expected_top(model, query, 10, holding))


def test_built_corpus_scores_match_rank_bm25_on_its_passages(corpus_dir: Path) -> None:
    """Through the whole pipeline: the index's scores are rank-bm25's on the same terms."""
    analyzer = Analyzer()
    for settings in (Settings(), Settings(variant="plus"), Settings(variant="l", title_weight=1)):
        searcher = open_index(corpus_dir, None, settings)
        passages = [searcher.passage(i) for i in range(searcher.n)]
        documents = [passage_terms(analyzer, p, settings) for p in passages]
        model = reference(documents, settings)
        for question in ("Russian peacekeepers evacuated", "Lachin corridor blockade", "Klaar"):
            query = list(dict.fromkeys(analyzer.terms(question)))
            got = searcher.backend.top(query, 10)
            assert got
            assert_same_ranking(got, expected_top(model, query, 10))
