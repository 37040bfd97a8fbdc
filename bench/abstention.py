"""The abstention rule: extract its signals, refit its coefficients, print its trade-off curve.

    python bench/abstention.py [--config FILE] [--features FILE] [--every N] [--folds 6]

Asks the SQuAD dev questions (`shared/data/squad/questions.yaml`: answerable questions on the
articles of its corpus, out-of-scope questions on other articles) and records, per question,
the signals `index.abstain.signals` computes from what search already has. A logistic
regression (scikit-learn, the `bench` extra) is fitted on them to tell an answerable question
from an out-of-scope one, with cross-validation that leaves whole articles out: each
question's probability comes from a model that never saw its article, as the rule meets
questions on sources nobody fitted it to. The curve printed is those out-of-fold
probabilities (wrong abstentions against out-of-scope questions abstained) beside today's
coverage rule on the same questions, then the coefficients refitted on every question, in the
form `index/abstain.py` ships. The dev seeds, `bench/questions.yaml` and SQuAD 2.0's
impossible questions are never fitted on; the shipped rule's figures on them are printed.
It also prints how the documents of SQuAD's corpus and of the bundled one divide their
subjects (`index.calibrate`): SQuAD's is the rule's `REFERENCE`, the bundled corpus's gives
its lift.

`--features FILE` keeps the extracted signals (JSON) and reuses them when the file exists.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import fields
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_config  # noqa: E402
from index import abstain, calibrate  # noqa: E402
from index import evaluate as ev  # noqa: E402
from index.api import open_index  # noqa: E402
from index.search import Searcher  # noqa: E402

SHARED = next(
    (p / "shared" for p in ROOT.parents if (p / "shared" / "data").is_dir()), ROOT.parent / "shared"
)
SQUAD = SHARED / "data" / "squad"
SEEDS = SHARED / "eval" / "seed_dev.yaml"
CONFIG = ROOT / "citebot.yaml"
NAMES = [f.name for f in fields(abstain.Signals)]
OUT_OF_SCOPE_BLOCKS = 12  # the out-of-scope questions' articles, in file order
LEVELS = (0.75, 0.80, 0.83, 0.85, 0.86, 0.87, 0.88, 0.90)  # out of scope abstained


def extract(searcher: Searcher, questions: list[ev.Question]) -> list[dict]:
    """Return each question's signals (None when it is refused before any passage is ranked)."""
    rows = []
    for q in questions:
        query = searcher.parse(q.text)
        found = (
            [] if abstain.unsearchable(query, 1) else searcher.ranker.ranked(query, abstain.DEPTH)
        )
        signals = abstain.vector(abstain.signals(query, found)) if found else None
        rank = ev.answer_position(q, (f.passage.text for f in found)) if q.answers else None
        rows.append({"signals": signals, "rank": rank})
    return rows


def articles(corpus: Path, questions: list[ev.Question]) -> list[str]:
    """Return the article of each answerable question: the corpus file holding its answer.

    SQuAD lists an article's questions together, so a question keeps the previous one's
    article when that article holds one of its answers.
    """
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))}
    out: list[str] = []
    for q in questions:
        holding = [n for n, t in texts.items() if any(a in t for a in q.answers)]
        previous = out[-1] if out else None
        out.append(previous if previous in holding else (holding[0] if holding else "?"))
    return out


def load_or_extract(config: Path, path: Path | None, every: int) -> dict:
    """Return the signals of every question set, extracted now or read from `path`."""
    if path is not None and path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    settings = load_config(config).settings()
    squad = ev.load_questions(SQUAD / "questions.yaml")
    answerable = list(squad.answerable[::every])
    outside = list(squad.unanswerable[::every])
    started = time.perf_counter()
    searcher = open_index(SQUAD / "corpus", None, settings)
    print(f"SQuAD index built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    started = time.perf_counter()
    rows_in = extract(searcher, answerable)
    rows_out = extract(searcher, outside)
    impossible = extract(searcher, list(ev.load_questions(SQUAD / "impossible.yaml").unanswerable))
    print(f"SQuAD questions asked in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    block = math.ceil(len(outside) / OUT_OF_SCOPE_BLOCKS)
    data = {
        "squad_in": rows_in,
        "squad_in_groups": articles(SQUAD / "corpus", answerable),
        "squad_out": rows_out,
        "squad_out_groups": [f"outside-{i // block}" for i in range(len(rows_out))],
        "impossible": impossible,
    }
    bundled = open_index(ROOT / "corpus", None, settings)
    data["structure"] = {
        "squad": calibrate.measure(searcher).to_dict(),
        "bundled": calibrate.measure(bundled).to_dict(),
    }
    for name, file in (("dev", SEEDS), ("behaviour", HERE / "questions.yaml")):
        qs = ev.load_questions(file)
        data[f"{name}_in"] = extract(bundled, list(qs.answerable))
        data[f"{name}_out"] = extract(bundled, list(qs.unanswerable))
    if path is not None:
        path.write_text(json.dumps(data), encoding="utf-8")
    return data


def matrix(rows: list[dict]) -> tuple[list[list[float]], list[bool]]:
    """Return the rows that reached the rule and, for each row, whether it did."""
    reached = [r["signals"] is not None for r in rows]
    return [r["signals"] for r in rows if r["signals"] is not None], reached


def curve(p_in: list[float], p_out: list[float], n_in: int, n_out: int) -> list[tuple]:
    """Return (out of scope abstained, wrong abstentions, threshold) at each LEVELS point.

    Questions refused before ranking (n_in - len(p_in) answerable ones, likewise out of
    scope) count as abstained whatever the threshold.
    """
    pre_in, pre_out = n_in - len(p_in), n_out - len(p_out)
    rows = []
    ordered = sorted(p_out)
    for level in LEVELS:
        need = max(math.ceil(level * n_out) - pre_out, 0)
        t = ordered[need - 1] + 1e-12 if need else 0.0
        if need >= len(ordered):
            t = ordered[-1] + 1e-12
        wrong = pre_in + sum(p < t for p in p_in)
        out = pre_out + sum(p < t for p in p_out)
        rows.append((out / n_out, wrong / n_in, t))
    return rows


def fit(x, y, groups, folds: int, c: float):
    """Return out-of-fold probabilities and the model fitted on everything."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def model():
        return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))

    probs = [0.0] * len(y)
    for train, test in GroupKFold(n_splits=folds).split(x, y, groups):
        m = model().fit([x[i] for i in train], [y[i] for i in train])
        for i, p in zip(test, m.predict_proba([x[i] for i in test])[:, 1], strict=True):
            probs[i] = float(p)
    return probs, model().fit(x, y)


def raw_coefficients(model, names: list[str]) -> tuple[float, dict[str, float]]:
    """Return the intercept and coefficients on the unscaled signals."""
    scaler, lr = model[0], model[-1]
    coef = lr.coef_[0] / scaler.scale_
    intercept = float(lr.intercept_[0] - (coef * scaler.mean_).sum())
    return intercept, {n: float(w) for n, w in zip(names, coef, strict=True)}


def logit(p: float) -> float:
    """Return the log-odds of a probability."""
    return math.log(p / (1 - p))


def shipped(row: dict, min_coverage: float, lift: float) -> bool:
    """Tell whether the shipped rule answers a question from its recorded signals."""
    if row["signals"] is None:
        return False
    return abstain.confidence(abstain.Signals(*row["signals"]), lift) >= min_coverage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=CONFIG)
    parser.add_argument("--features", type=Path, help="JSON file to keep the signals in")
    parser.add_argument("--every", type=int, default=1, help="ask every N-th SQuAD question")
    parser.add_argument("--folds", type=int, default=6, help="cross-validation folds")
    parser.add_argument("--c", type=float, default=0.1, help="inverse regularisation strength")
    parser.add_argument("--drop", nargs="*", default=(), help="signals left out of the fit")
    parser.add_argument("--level", type=float, default=0.86, help="out of scope to abstain on")
    args = parser.parse_args(argv)
    data = load_or_extract(args.config, args.features, args.every)
    if "structure" not in data:
        raise SystemExit(f"{args.features} was extracted by an older version: delete it")
    structure = {k: calibrate.Structure(**v) for k, v in data["structure"].items()}
    lifts = {k: calibrate.lift(v) for k, v in structure.items()}
    keep = [i for i, n in enumerate(NAMES) if n not in args.drop]
    x_in, reached_in = matrix(data["squad_in"])
    x_out, reached_out = matrix(data["squad_out"])
    groups_in = [g for g, r in zip(data["squad_in_groups"], reached_in, strict=True) if r]
    groups_out = [g for g, r in zip(data["squad_out_groups"], reached_out, strict=True) if r]
    x = [[row[i] for i in keep] for row in x_in + x_out]
    y = [1] * len(x_in) + [0] * len(x_out)
    probs, model = fit(x, y, groups_in + groups_out, args.folds, args.c)
    n_in, n_out = len(data["squad_in"]), len(data["squad_out"])
    p_in, p_out = probs[: len(x_in)], probs[len(x_in) :]
    # Today's rule as a score: coverage, and nothing for a question naming an unknown thing.
    cov = NAMES.index("coverage"), NAMES.index("names")
    old_in = [0.0 if r[cov[1]] else r[cov[0]] for r in x_in]
    old_out = [0.0 if r[cov[1]] else r[cov[0]] for r in x_out]
    print(f"{n_in} answerable, {n_out} out-of-scope SQuAD questions; signals: ")
    print("  " + ", ".join(NAMES[i] for i in keep))
    print(f"articles: {len(set(groups_in))} in scope, {len(set(groups_out))} out of scope blocks")
    print()
    print(
        "| out of scope abstained | wrong abstentions (combined, out of fold) | threshold |"
        " wrong abstentions (coverage rule) | min_coverage |"
    )
    print("|---|---|---|---|---|")
    for (o, w, t), (_, w0, t0) in zip(
        curve(p_in, p_out, n_in, n_out), curve(old_in, old_out, n_in, n_out), strict=True
    ):
        print(f"| {o:.1%} | {w:.1%} | {t:.3f} | {w0:.1%} | {t0:.3f} |")
    intercept, coef = raw_coefficients(model, [NAMES[i] for i in keep])
    settings = load_config(args.config).settings()
    t = next(t for o, _, t in curve(p_in, p_out, n_in, n_out) if o >= args.level)
    # Shift the intercept so that the default min_coverage abstains where the out-of-fold
    # threshold for `--level` does.
    shift = logit(settings.min_coverage) - logit(t)
    print()
    print(f"Fitted on every question; threshold {t:.4f} for {args.level:.0%} out of scope (out of")
    print(f"fold) moved to min_coverage {settings.min_coverage}:")
    print(f"INTERCEPT = {intercept + shift:.3f}")
    print("COEFFICIENTS = {")
    for n, w in coef.items():
        print(f'    "{n}": {w:.3f},')
    print("}")
    print()
    print("How the documents divide the subjects (index/calibrate.py, REFERENCE is SQuAD's):")
    for name, s in structure.items():
        print(
            f"  {name}: together {s.together:.3f}, documents {s.documents:.3f}"
            f" ({s.probes} questions), lift {lifts[name]:.3f}"
        )
    print()
    print(f"Shipped rule (index/abstain.py) at min_coverage {settings.min_coverage}:")
    for name in ("squad", "dev", "behaviour"):
        rows_in, rows_out = data[f"{name}_in"], data[f"{name}_out"]
        lift = lifts["squad" if name == "squad" else "bundled"]
        wrong = sum(not shipped(r, settings.min_coverage, lift) for r in rows_in)
        out = sum(not shipped(r, settings.min_coverage, lift) for r in rows_out)
        print(
            f"  {name}: wrong abstentions {wrong}/{len(rows_in)} ({wrong / len(rows_in):.1%}),"
            f" out of scope abstained {out}/{len(rows_out)} ({out / len(rows_out):.1%})"
        )
    imp = data["impossible"]
    refused = sum(not shipped(r, settings.min_coverage, lifts["squad"]) for r in imp)
    print(f"  SQuAD 2.0 impossible abstained: {refused}/{len(imp)} ({refused / len(imp):.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
