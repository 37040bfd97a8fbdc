"""Can the question rerank's weights be learned? Fit them on SQuAD with articles held out.

    python bench/rerank_fit.py [--every N] [--folds 6]

For each SQuAD dev question, the first RERANK_DEPTH passages by BM25 are analysed as
`index.rank` does, and each passage's features are recorded: the kind of answer in its quote,
the share of the question's weight in its quote, the nearness of the question's word pairs
(the three shipped bonuses), plus the share of the question's concepts its quote and its text
cover, the share of the first ten passages from its document, its BM25 position and length. A
passage is relevant when it holds an answer, as `citebot eval questions` counts.

Printed, with cross-validation that leaves whole articles out (as in `bench/abstention.py`):
the shipped weights; the same multiplicative form with every weight chosen by coordinate
ascent on the training folds; and a pairwise logistic model over all features (log BM25
ratio included). The bundled corpus's question sets are scored with the weights fitted on
all of SQuAD. A measurement for bench/results/experiments.md.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.abstention import SEEDS, articles  # noqa: E402
from bench.quality import CONFIG, SQUAD, _settings  # noqa: E402
from index import abstain, rank  # noqa: E402
from index import evaluate as ev  # noqa: E402
from index.api import open_index  # noqa: E402
from index.question import asks  # noqa: E402

FEATURES = ("kind", "sentence", "near", "quote", "text", "document", "position", "length")
SHIPPED = np.array([rank.KIND_BONUS, rank.SENTENCE_BONUS, rank.PROXIMITY_BONUS, 0, 0, 0, 0, 0])
GRID = (-0.2, -0.1, -0.05, 0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0)
BUNDLED = {
    "dev seeds": SEEDS,
    "paraphrases": ROOT / "bench" / "sets" / "paraphrase.yaml",
    "chat-style": ROOT / "bench" / "sets" / "chat.yaml",
}


class Candidates:
    """One question's first passages by BM25: scores, features, relevance, rerank depth."""

    def __init__(self, bm25: list[float], x: list[list[float]], labels: list[int], depth: int):
        self.bm25 = np.array(bm25)
        self.x = np.array(x)
        self.labels = np.array(labels)
        self.depth = depth  # passages the rerank reorders (0: BM25 order kept)


def extract(searcher, question: ev.Question) -> Candidates | None:
    """Return the features of a question's first passages, or None when nothing is ranked."""
    ranker = searcher.ranker
    query = searcher.parse(question.text)
    if abstain.unsearchable(query, 1):
        return None
    top = ranker.backend.top(query.searched, rank.RERANK_DEPTH, query.boosts)
    if not top:
        return None
    pairs = rank.word_pairs(query)
    weight = query.weights
    total = sum(weight[t] for t in query.searched) or 1.0
    docs = [ranker.catalog.passage(i).doc for i, _ in top[:10]]
    is_question = asks(query.text)
    rows, labels = [], []
    for n, (i, score) in enumerate(top):
        f = ranker._found(n, i, score, query, pairs)
        rows.append(
            [
                float(f.kind),
                sum(weight[t] for t in f.in_quote) / total if is_question else 0.0,
                f.near if is_question else 0.0,
                abstain.coverage(query, f.in_quote),
                abstain.coverage(query, f.matched),
                sum(d == f.passage.doc for d in docs) / len(docs),
                math.log1p(n),
                math.log1p(len(f.passage.text)),
            ]
        )
        labels.append(int(ev.answer_position(question, [f.passage.text]) == 1))
    if query.shape.kind is not None:
        depth = rank.RERANK_DEPTH
    else:
        depth = rank.SENTENCE_DEPTH if is_question else 0
    return Candidates([s for _, s in top], rows, labels, depth)


def hits(cands: list[Candidates | None], w: np.ndarray) -> tuple[float, float]:
    """Return hit@1 and hit@3 with bonus weights `w` (questions ranking nothing count as misses)."""
    one = three = 0
    for c in cands:
        if c is None:
            continue
        head = min(c.depth, len(c.bm25))
        s = c.bm25.copy()
        if head:
            s[:head] = c.bm25[:head] * (1 + c.x[:head] @ w)
        order = list(np.lexsort((np.arange(head), -s[:head]))) + list(range(head, len(s)))
        one += int(c.labels[order[0]])
        three += int(c.labels[order[:3]].max())
    return one / len(cands), three / len(cands)


def ascend(cands: list[Candidates | None], start: np.ndarray) -> np.ndarray:
    """Return the weights that coordinate ascent over GRID finds for hit@1 (+0.3 hit@3)."""
    w = start.copy()
    best = hits(cands, w)
    for _ in range(2):
        for i in range(len(w)):
            for g in GRID:
                v = w.copy()
                v[i] = g
                h = hits(cands, v)
                if h[0] + 0.3 * h[1] > best[0] + 0.3 * best[1] + 1e-9:
                    best, w = h, v
    return w


def pairwise(cands: list[Candidates | None]):
    """Return a pairwise logistic model: a relevant passage against each other of its question."""
    from sklearn.linear_model import LogisticRegression

    x, y = [], []
    for c in cands:
        if c is None or not c.depth or not c.labels.any() or c.labels.all():
            continue
        feats = np.column_stack([np.log(c.bm25 / c.bm25[0]), c.x])
        for p in np.flatnonzero(c.labels)[:3]:
            for n in np.flatnonzero(c.labels == 0):
                sign = 1 if (p + n) % 2 else -1  # balanced classes, deterministically
                x.append(sign * (feats[p] - feats[n]))
                y.append(int(sign > 0))
    return LogisticRegression(fit_intercept=False, max_iter=3000).fit(x, y)


def pairwise_hits(cands: list[Candidates | None], model) -> tuple[float, float]:
    """Return hit@1 and hit@3 when the pairwise model orders each question's head."""
    one = three = 0
    for c in cands:
        if c is None:
            continue
        s = np.log(c.bm25 / c.bm25[0])
        if c.depth:
            feats = np.column_stack([s, c.x])[: c.depth]
            s = np.concatenate([feats @ model.coef_[0], s[c.depth :] - 1e9])
        order = np.lexsort((np.arange(len(s)), -s))
        one += int(c.labels[order[0]])
        three += int(c.labels[order[:3]].max())
    return one / len(cands), three / len(cands)


def main() -> None:
    """Print the shipped, ascended and pairwise reranks' figures, out of fold and bundled."""
    from sklearn.model_selection import GroupKFold

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=int, default=1, help="every N-th question (default 1)")
    parser.add_argument("--folds", type=int, default=6)
    args = parser.parse_args()
    settings = _settings(CONFIG)
    questions = list(ev.load_questions(SQUAD / "questions.yaml").answerable[:: args.every])
    groups = articles(SQUAD / "corpus", questions)
    searcher = open_index(SQUAD / "corpus", None, settings)
    cands = [extract(searcher, q) for q in questions]
    bundled_searcher = open_index(ROOT / "corpus", None, settings)
    bundled = {
        name: [extract(bundled_searcher, q) for q in ev.load_questions(path).answerable]
        for name, path in BUNDLED.items()
    }
    ascended = np.zeros(2)
    paired = np.zeros(2)
    for train, test in GroupKFold(n_splits=args.folds).split(cands, groups=groups):
        tr = [cands[i] for i in train]
        te = [cands[i] for i in test]
        ascended += np.array(hits(te, ascend(tr, SHIPPED))) * len(te)
        paired += np.array(pairwise_hits(te, pairwise(tr))) * len(te)
    w_all = ascend(cands, SHIPPED)
    model = pairwise(cands)
    print(f"{len(cands)} SQuAD questions, {args.folds} folds by article")
    print("| rerank | SQuAD hit@1 | hit@3 | " + " | ".join(BUNDLED) + " (hit@1, hit@3) |")
    print("|---|---|---|" + "---|" * len(BUNDLED))

    def line(name: str, squad: tuple[float, float], scorer) -> None:
        rest = " | ".join(
            "{}, {}".format(*(round(h * len(c)) for h in scorer(c))) for c in bundled.values()
        )
        print(f"| {name} | {squad[0]:.4f} | {squad[1]:.4f} | {rest} |")

    line("shipped", hits(cands, SHIPPED), lambda c: hits(c, SHIPPED))
    line("coordinate ascent, out of fold", tuple(ascended / len(cands)), lambda c: hits(c, w_all))
    line(
        "pairwise logistic, out of fold",
        tuple(paired / len(cands)),
        lambda c: pairwise_hits(c, model),
    )
    print()
    print(
        "ascended on all of SQuAD: "
        + ", ".join(f"{n} {v:g}" for n, v in zip(FEATURES, w_all, strict=True))
    )
    coef = ", ".join(
        f"{n} {v:.2f}" for n, v in zip(("log bm25", *FEATURES), model.coef_[0], strict=True)
    )
    print(f"pairwise on all of SQuAD: {coef}")


if __name__ == "__main__":
    main()
