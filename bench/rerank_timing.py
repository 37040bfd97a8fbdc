"""Median search time of SQuAD questions with and without the proximity rerank.

    python bench/rerank_timing.py [--every N]

Both settings run on one searcher, question by question in turn, so that the load of a
shared machine falls on both alike. A measurement for bench/results/experiments.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.quality import CONFIG, SQUAD, _settings  # noqa: E402
from index import evaluate as ev  # noqa: E402
from index import rank  # noqa: E402
from index.api import open_index  # noqa: E402
from index.question import asks  # noqa: E402


def main() -> None:
    """Print the median milliseconds per question, all questions and questions only."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=int, default=3, help="every N-th question (default 3)")
    args = parser.parse_args()
    searcher = open_index(SQUAD / "corpus", None, _settings(CONFIG))
    questions = ev.load_questions(SQUAD / "questions.yaml").answerable[:: args.every]
    bonus = rank.PROXIMITY_BONUS
    times: dict[float, list[tuple[bool, float]]] = {0.0: [], bonus: []}
    for q in questions:
        for value in (0.0, bonus):
            rank.PROXIMITY_BONUS = value
            started = time.perf_counter()
            searcher.search(q.text, ev.QUESTION_DEPTH)
            times[value].append((asks(q.text), 1000 * (time.perf_counter() - started)))
    for value, runs in times.items():
        every = statistics.median(t for _, t in runs)
        asked = statistics.median(t for a, t in runs if a)
        print(f"proximity bonus {value}: median {every:.2f} ms, questions only {asked:.2f} ms")


if __name__ == "__main__":
    main()
