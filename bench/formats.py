"""Benchmark the PDF and Word readers: pages per second, a 300-page report, incremental rebuilds.

    python bench/formats.py [--runs 3] [--out bench/results/formats-DATE.json]

Builds a folder of PDFs (a 300-page text report, a two-column paper and a few short ones)
and DOCX files, then reports the median over `--runs` builds of:

- the 300-page report alone, from scratch (goal: at most 10 s);
- the whole folder from scratch, as pages (PDF pages and Word files) per second;
- an incremental rebuild after one Word file changed, and how many files it read again
  (goal: one).

Medians, because the machine may be busy with other work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "support")]

from formatfiles import write_docx, write_pdf  # noqa: E402

from index.build import build  # noqa: E402
from index.settings import Settings  # noqa: E402

WORDS = (
    "the of report council budget water river school hospital committee annual growth energy "
    "transport policy public service housing market revenue expenditure district regional "
    "survey population harbour pilots dredging channel permits museum volunteers shifts"
).split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))


def report_pages(rng: random.Random, pages: int) -> list[list[tuple]]:
    out: list[list[tuple]] = []
    for n in range(pages):
        page: list[tuple] = [("h2", f"Chapter {n // 10 + 1}, part {n % 10 + 1}")]
        page += [("p", paragraph(rng)) for _ in range(4)]
        out.append(page)
    return out


def make_folder(folder: Path) -> dict[str, int]:
    """Write the benchmark corpus; return the pages of each file."""
    rng = random.Random(11)
    folder.mkdir(parents=True, exist_ok=True)
    pages: dict[str, int] = {}
    write_pdf(folder / "report.pdf", report_pages(rng, 300), header="Annual Report 2024")
    pages["report.pdf"] = 300
    columns = [
        [("cols", [paragraph(rng), paragraph(rng)], [paragraph(rng), paragraph(rng)])]
        for _ in range(12)
    ]
    write_pdf(folder / "paper.pdf", columns, header="Journal of Ports, vol. 3")
    pages["paper.pdf"] = 12
    for i in range(6):
        write_pdf(folder / f"note-{i}.pdf", report_pages(rng, 5))
        pages[f"note-{i}.pdf"] = 5
    for i in range(10):
        items = [("h1", f"Handbook {i}")]
        for s in range(8):
            items += [("h2", f"Section {s}"), ("p", paragraph(rng)), ("p", paragraph(rng))]
        items.append(("table", [["Day", "Lead"], ["Monday", "Ingrid"], ["Tuesday", "Tomasz"]]))
        write_docx(folder / f"handbook-{i}.docx", items)
        pages[f"handbook-{i}.docx"] = 1
    return pages


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        started = time.perf_counter()
        pages = make_folder(folder)
        generated = time.perf_counter() - started
        alone = Path(tmp) / "alone"
        alone.mkdir()
        os.link(folder / "report.pdf", alone / "report.pdf")

        report_times = [timed(lambda: build(alone, settings))[0] for _ in range(args.runs)]
        full = [timed(lambda: build(folder, settings)) for _ in range(args.runs)]
        full_times = [t for t, _ in full]
        previous = full[-1][1]
        changed = folder / "handbook-3.docx"
        incremental_times, reread = [], []
        for run in range(args.runs):
            write_docx(changed, [("h1", "Handbook 3"), ("p", f"Changed text, run {run}.")])
            seconds, data = timed(lambda p=previous: build(folder, settings, previous=p))
            incremental_times.append(seconds)
            reread.append(data.header["reread"])
            previous = data
        total_pages = sum(pages.values())
        report = statistics.median(report_times)
        result = {
            "date": dt.date.today().isoformat(),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "runs": args.runs,
            "corpus": {
                "files": len(pages),
                "pages": total_pages,
                "generated_s": round(generated, 1),
            },
            "report_300_pages_s": round(report, 2),
            "report_pages_per_s": round(300 / report, 1),
            "report_times_s": [round(t, 2) for t in report_times],
            "folder_build_s": round(statistics.median(full_times), 2),
            "folder_pages_per_s": round(total_pages / statistics.median(full_times), 1),
            "folder_times_s": [round(t, 2) for t in full_times],
            "incremental_s": round(statistics.median(incremental_times), 2),
            "incremental_files_reread": reread,
            "goal_300_pages_within_10_s": report <= 10,
        }
    print(json.dumps(result, indent=2))
    out = args.out or ROOT / "bench" / "results" / f"formats-{result['date']}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
