"""Quality benchmark: every question set at once, with plain BM25 peers on the same text.

    python bench/quality.py [--config FILE]
                            [--sets squad impossible dev paraphrase chat scifact nfcorpus
                                    dialogues]
                            [--no-peers] [--json] [--label NAME] [--workers 2] [--every N]

Runs, through the library calls behind `citebot eval questions` and `citebot eval beir`
(index.evaluate), with the settings of the config file (default: the shipped citebot.yaml):

- SQuAD v1.1 dev (`shared/data/squad`): 4,768 questions on the 24 articles of `corpus/`, and
  3,264 questions on other articles that should be abstained on (`questions.yaml`);
- SQuAD 2.0 impossible questions on the same articles (`impossible.yaml`): reported, not a goal;
- the development questions on the bundled corpus (`shared/eval/seed_dev.yaml`);
- questions on the bundled corpus in other words than its passages use (`sets/paraphrase.yaml`)
  and typed as people chat, with typos and abbreviations (`sets/chat.yaml`);
- SciFact and NFCorpus (BEIR test splits): nDCG@10, Recall@100;
- the dialogues (`bench/dialogues/`, on the bundled corpus and on the SQuAD articles): each
  follow-up asked in the context of its dialogue and alone, how many were taken as follow-ups,
  and how many standalone questions (the files', the dev seeds', the paraphrase and chat
  sets') change their first passage when asked right after another question. Printed as a
  table of its own.

Judge a retrieval change on all of them together: a change that helps one set and costs another
shows up here. When bm25s and tantivy are installed (`pip install -e ".[bench]"`), the same
SQuAD paragraphs (one document per paragraph) and BEIR documents are indexed with each, plain
BM25 with the engine's own English analysis and defaults, for hit@1/hit@3 and nDCG@10 beside
citebot's. `--every 3` screens a change on every third SQuAD question (the peers still answer
all of them: compare with a full run). The sets run in worker processes (`--workers`, default
2); SQuAD's questions are split among them. It prints one table, and with `--json` writes it
to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import platform
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_config  # noqa: E402
from index import evaluate as ev  # noqa: E402
from index.api import open_index  # noqa: E402


def _shared() -> Path:
    """Return the shared data folder: $CITEBOT_SHARED, or `shared/` beside a parent folder."""
    if os.environ.get("CITEBOT_SHARED"):
        return Path(os.environ["CITEBOT_SHARED"])
    for parent in ROOT.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared"
    return ROOT.parent / "shared"


SHARED = _shared()
DATA = SHARED / "data"
SQUAD = DATA / "squad"
SEEDS = SHARED / "eval" / "seed_dev.yaml"
BUNDLED = {name: HERE / "sets" / f"{name}.yaml" for name in ("paraphrase", "chat")}
BEIR = {"scifact": DATA / "scifact", "nfcorpus": DATA / "nfcorpus"}
DIALOGUES = {
    "bundled": (HERE / "dialogues" / "bundled.yaml", ROOT / "corpus"),
    "squad": (HERE / "dialogues" / "squad.yaml", SQUAD / "corpus"),
}
SETS = ("squad", "impossible", "dev", "paraphrase", "chat", "scifact", "nfcorpus", "dialogues")
CONFIG = ROOT / "citebot.yaml"
PEER_SQUAD_K = 3  # passages the peers return per SQuAD question (hit@1, hit@3)
PEER_BEIR_K = 100  # documents the peers return per BEIR query, as citebot's eval asks
_WORDS = re.compile(r"\w+")


# -- Jobs (each runs in a worker process and returns plain data) ----------------------------


def _settings(config: Path):
    return load_config(config).settings()


def questions_job(config: Path, corpus: Path, file: Path, part: int, parts: int) -> dict:
    """Ask every `parts`-th question of a file (from `part`) as `citebot eval questions` does."""
    settings = _settings(config)
    questions = ev.load_questions(file)
    subset = ev.QuestionSet(questions.answerable[part::parts], questions.unanswerable[part::parts])
    started = time.perf_counter()
    searcher = open_index(corpus, None, settings)
    build = time.perf_counter() - started
    report = ev.run_questions(searcher, subset)
    return {
        "build_seconds": build,
        "seconds": report.seconds,
        "ranks": [r.rank for r in report.answerable],
        "answered": [r.answer.answered for r in report.answerable],
        "abstained": [not r.answer.answered for r in report.unanswerable],
        "corrected": sum(bool(getattr(r.answer, "corrected", ())) for r in report.results),
    }


def dialogues_job(config: Path, corpus: Path, file: Path) -> dict:
    """Ask a file's dialogues and standalone check as `citebot eval questions` does."""
    searcher = open_index(corpus, None, _settings(config))
    report = ev.run_questions(searcher, ev.load_questions(file), standalone=True)
    return {
        "dialogues": report.dialogue_summary(),
        "standalone": report.summary()["standalone"],
        "seconds": report.seconds,
    }


def beir_job(config: Path, folder: Path) -> dict:
    """Run a BEIR dataset as `citebot eval beir` does."""
    report = ev.run_beir(ev.load_beir(folder), _settings(config))
    return report.to_dict()


def squad_paragraphs() -> list[str]:
    """Return the SQuAD corpus paragraphs, one per document for the peers (titles left out)."""
    paragraphs: list[str] = []
    for path in sorted((SQUAD / "corpus").glob("*.txt")):
        parts = [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n")]
        paragraphs.extend(p for p in parts[1:] if p)
    return paragraphs


def _peer_squad(search: Callable[[str, int], list[int]], paragraphs: list[str]) -> dict:
    questions = ev.load_questions(SQUAD / "questions.yaml").answerable
    started = time.perf_counter()
    ranks = [
        ev.answer_position(q, (paragraphs[i] for i in search(q.text, PEER_SQUAD_K)))
        for q in questions
    ]
    return {"ranks": ranks, "seconds": time.perf_counter() - started}


def _peer_beir(make: Callable[[list[str]], Callable[[str, int], list[int]]], name: str) -> dict:
    dataset = ev.load_beir(BEIR[name])
    ids = list(dataset.documents)
    texts = [f"{t} {x}".strip() for t, x in dataset.documents.values()]
    started = time.perf_counter()
    search = make(texts)
    build = time.perf_counter() - started
    started = time.perf_counter()
    runs = {q: [ids[i] for i in search(text, PEER_BEIR_K)] for q, text in dataset.queries.items()}
    seconds = time.perf_counter() - started
    ndcg, recall, _ = ev.score_runs(runs, dataset.qrels)
    return {"ndcg@10": ndcg, "recall@100": recall, "build_seconds": build, "seconds": seconds}


def bm25s_engine(texts: list[str]) -> Callable[[str, int], list[int]]:
    """Return a search function over `texts` with bm25s defaults (Lucene BM25, k1 1.5, b 0.75)."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )

    def search(question: str, k: int) -> list[int]:
        tokens = bm25s.tokenize([question], stopwords="en", stemmer=stemmer, show_progress=False)
        if not tokens.ids[0]:
            return []
        docs, scores = retriever.retrieve(
            tokens, k=min(k, len(texts)), show_progress=False, n_threads=1
        )
        return [int(d) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    return search


def tantivy_engine(texts: list[str]) -> Callable[[str, int], list[int]]:
    """Return a search function over `texts` with tantivy's en_stem analyzer and BM25."""
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
    builder.add_integer_field("n", stored=True)
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    for n, text in enumerate(texts):
        writer.add_document(tantivy.Document(body=text, n=n))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()

    def search(question: str, k: int) -> list[int]:
        words = _WORDS.findall(question)
        if not words:
            return []
        query = index.parse_query(" ".join(words), ["body"])
        hits = searcher.search(query, k).hits
        return [searcher.doc(address)["n"][0] for _, address in hits]

    return search


ENGINES = {"bm25s": bm25s_engine, "tantivy": tantivy_engine}


def peer_job(engine: str, target: str) -> dict:
    """Run one peer engine on SQuAD's paragraphs or a BEIR dataset."""
    make = ENGINES[engine]
    if target == "squad":
        paragraphs = squad_paragraphs()
        started = time.perf_counter()
        search = make(paragraphs)
        build = time.perf_counter() - started
        return {"build_seconds": build, **_peer_squad(search, paragraphs)}
    return _peer_beir(make, target)


def _call(job: tuple) -> tuple[tuple, dict, float]:
    started = time.perf_counter()
    function, *args = job
    result = globals()[function](*args)
    return job, result, time.perf_counter() - started


# -- Summaries ------------------------------------------------------------------------------


def _hits(ranks: list[int | None], k: int) -> int:
    return sum(1 for r in ranks if r is not None and r <= k)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def question_row(parts: list[dict], name: str) -> dict:
    """Merge the parts of a question file into one row."""
    ranks = [r for p in parts for r in p["ranks"]]
    answered = [a for p in parts for a in p["answered"]]
    abstained = [a for p in parts for a in p["abstained"]]
    n = len(ranks)
    wrong = sum(1 for a in answered if not a)
    return {
        "set": name,
        "engine": "citebot",
        "answerable": n,
        "unanswerable": len(abstained),
        "hit@1": _rate(_hits(ranks, 1), n),
        "hit@3": _rate(_hits(ranks, 3), n),
        "hit@1_count": _hits(ranks, 1),
        "hit@3_count": _hits(ranks, 3),
        "wrong_abstentions": _rate(wrong, n),
        "wrong_abstentions_count": wrong,
        "abstained": _rate(sum(abstained), len(abstained)),
        "abstained_count": sum(abstained),
        "corrected": sum(p["corrected"] for p in parts),
        "build_seconds": round(max(p["build_seconds"] for p in parts), 2),
        "seconds": round(sum(p["seconds"] for p in parts), 2),
        "ranks": ranks,
    }


def peer_row(engine: str, target: str, result: dict) -> dict:
    """Return a peer's row."""
    row: dict = {"set": target, "engine": engine}
    if target == "squad":
        ranks = result["ranks"]
        row.update(
            answerable=len(ranks),
            **{"hit@1": _rate(_hits(ranks, 1), len(ranks))},
            **{"hit@3": _rate(_hits(ranks, 3), len(ranks))},
            ranks=ranks,
        )
    else:
        row.update({"ndcg@10": round(result["ndcg@10"], 4)})
        row.update({"recall@100": round(result["recall@100"], 4)})
    row.update(build_seconds=round(result["build_seconds"], 2), seconds=round(result["seconds"], 2))
    return row


def beir_row(name: str, result: dict) -> dict:
    """Return citebot's row for a BEIR dataset."""
    return {
        "set": name,
        "engine": "citebot",
        "answerable": result["queries"],
        "ndcg@10": result["ndcg@10"],
        "recall@100": result["recall@100"],
        "mrr@10": result["mrr@10"],
        "build_seconds": result["build_seconds"],
        "seconds": round(result["queries"] / result["queries_per_second"], 2)
        if result["queries_per_second"]
        else None,
    }


LABELS = {
    "squad": "SQuAD dev ({answerable:,} + {unanswerable:,} out of scope)",
    "impossible": "SQuAD 2.0 impossible ({unanswerable:,}, same articles)",
    "dev": "dev seeds, bundled corpus ({answerable} + {unanswerable})",
    "paraphrase": "paraphrases, bundled corpus ({answerable} + {unanswerable})",
    "chat": "chat-style, bundled corpus ({answerable} + {unanswerable})",
    "scifact": "SciFact ({answerable} claims)",
    "nfcorpus": "NFCorpus ({answerable} queries)",
}


def render(rows: list[dict]) -> str:
    """Return the table as Markdown."""

    def pct(x: object) -> str:
        return "" if x is None else f"{100 * float(x):.1f} %"  # type: ignore[arg-type]

    def num(x: object) -> str:
        return "" if x is None else f"{float(x):.4f}"  # type: ignore[arg-type]

    head = (
        "| set | engine | hit@1 | hit@3 | wrong abstentions | out of scope abstained "
        "| nDCG@10 | Recall@100 | build (s) | questions (s) |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        counts = next(x for x in rows if x["set"] == r["set"] and x["engine"] == "citebot")
        label = LABELS[r["set"]].format(**counts) if counts else r["set"]
        if r["set"] in ("dev", *BUNDLED) and r["engine"] == "citebot":
            h1 = f"{r['hit@1_count']}/{r['answerable']}"
            h3 = f"{r['hit@3_count']}/{r['answerable']}"
            wrong = str(r["wrong_abstentions_count"])
            abst = f"{r['abstained_count']}/{r['unanswerable']}"
        else:
            h1, h3 = num(r.get("hit@1")), num(r.get("hit@3"))
            wrong = pct(r.get("wrong_abstentions")) if r.get("answerable") else ""
            if r["set"] in ("scifact", "nfcorpus"):
                wrong = ""
            abst = pct(r.get("abstained"))
        lines.append(
            f"| {label} | {r['engine']} | {h1} | {h3} | {wrong} | {abst} "
            f"| {num(r.get('ndcg@10'))} | {num(r.get('recall@100'))} "
            f"| {r.get('build_seconds', '')} | {r.get('seconds', '')} |"
        )
    return "\n".join(lines) + "\n"


def dialogue_row(name: str, file: Path, result: dict) -> dict:
    """Return the row of a dialogue file (or of a question file's standalone check)."""
    return {
        "set": "dialogues",
        "file": name,
        "path": str(file.relative_to(ROOT) if file.is_relative_to(ROOT) else file.name),
        **({"path": f"shared/{file.relative_to(SHARED)}"} if file.is_relative_to(SHARED) else {}),
        **(result["dialogues"] or {}),
        "standalone_checked": result["standalone"]["checked"],
        "standalone_changed": result["standalone"]["changed"],
        "seconds": round(result["seconds"], 2),
    }


def render_dialogues(rows: list[dict]) -> str:
    """Return the dialogue rows as a Markdown table."""
    lines = [
        "| file | follow-ups | first passage in context | alone | recognised "
        "| standalone changed |",
        "|" + "---|" * 6,
    ]

    def share(part: str, whole: str, r: dict) -> str:
        if not r.get(whole):
            return ""
        return f"{r[part]}/{r[whole]} ({100 * r[part] / r[whole]:.1f} %)"

    for r in rows:
        lines.append(
            f"| {r['path']} | {r.get('followups', '')} "
            f"| {share('followup_hit@1', 'followups', r)} | {share('alone_hit@1', 'followups', r)} "
            f"| {share('recognised', 'leaning', r)} "
            f"| {r['standalone_changed']}/{r['standalone_checked']} |"
        )
    return "\n".join(lines) + "\n"


def _peers_available() -> list[str]:
    found = []
    for engine, module in (("bm25s", "bm25s"), ("tantivy", "tantivy")):
        try:
            __import__(module)
        except ImportError:
            print(f"quality: {engine} is not installed; its rows are left out", file=sys.stderr)
        else:
            found.append(engine)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=CONFIG, help="citebot config file")
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--no-peers", action="store_true", help="leave out bm25s and tantivy")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--json", action="store_true", help="write bench/results/quality-*.json")
    parser.add_argument("--label", default="", help="a name for the JSON file and the run")
    parser.add_argument(
        "--every",
        type=int,
        default=1,
        help="screening: only every N-th SQuAD and impossible question (default 1: all)",
    )
    args = parser.parse_args(argv)
    config = args.config.resolve()
    parts = max(args.workers, 1)
    every = max(args.every, 1)

    jobs: list[tuple] = []
    if "squad" in args.sets:
        jobs += [
            (
                "questions_job",
                config,
                SQUAD / "corpus",
                SQUAD / "questions.yaml",
                p * every,
                parts * every,
            )
            for p in range(parts)
        ]
    for name in ("scifact", "nfcorpus"):
        if name in args.sets:
            jobs.append(("beir_job", config, BEIR[name]))
    if "impossible" in args.sets:
        jobs += [
            (
                "questions_job",
                config,
                SQUAD / "corpus",
                SQUAD / "impossible.yaml",
                p * every,
                parts * every,
            )
            for p in range(parts)
        ]
    if "dev" in args.sets:
        jobs.append(("questions_job", config, ROOT / "corpus", SEEDS, 0, 1))
    for name, file in BUNDLED.items():
        if name in args.sets:
            jobs.append(("questions_job", config, ROOT / "corpus", file, 0, 1))
    if "dialogues" in args.sets:
        jobs += [("dialogues_job", config, corpus, file) for file, corpus in DIALOGUES.values()]
        for file in (SEEDS, *BUNDLED.values()):
            jobs.append(("dialogues_job", config, ROOT / "corpus", file))
    peers = [] if args.no_peers else _peers_available()
    for engine in peers:
        jobs += [
            ("peer_job", engine, target)
            for target in ("squad", "scifact", "nfcorpus")
            if target in args.sets
        ]

    started = time.perf_counter()
    done: dict[tuple, dict] = {}
    wall: dict[tuple, float] = {}
    with multiprocessing.get_context("fork").Pool(parts, maxtasksperchild=1) as pool:
        for job, result, seconds in pool.imap_unordered(_call, jobs):
            done[job] = result
            wall[job] = seconds
            print(f"quality: {job[0]} {job[-3:]} done in {seconds:.1f} s", file=sys.stderr)
    total = time.perf_counter() - started

    rows: list[dict] = []
    files = {"squad": SQUAD / "questions.yaml", "impossible": SQUAD / "impossible.yaml"}
    files["dev"] = SEEDS
    files.update(BUNDLED)
    dialogue_rows = []
    if "dialogues" in args.sets:
        named = [(n, f, c) for n, (f, c) in DIALOGUES.items()] + [
            (n, f, ROOT / "corpus") for n, f in (("dev", SEEDS), *BUNDLED.items())
        ]
        dialogue_rows = [
            dialogue_row(n, f, done[("dialogues_job", config, c, f)]) for n, f, c in named
        ]
    for name in args.sets:
        if name == "dialogues":
            continue
        if name in files:
            parts_done = [done[j] for j in jobs if j[0] == "questions_job" and j[3] == files[name]]
            rows.append(question_row(parts_done, name))
        else:
            rows.append(beir_row(name, done[("beir_job", config, BEIR[name])]))
        for engine in peers:
            if name in ("squad", "scifact", "nfcorpus"):
                rows.append(peer_row(engine, name, done[("peer_job", engine, name)]))

    table = render(rows) if rows else ""
    if dialogue_rows:
        table += ("\n" if table else "") + render_dialogues(dialogue_rows)
    rows += dialogue_rows
    print(table, end="")
    print(f"\n{total:.0f} s with {parts} workers; config {config.name}")
    if args.json:
        versions = {}
        for module in ("numpy", "rank_bm25", "bm25s", "tantivy", "wordfreq", "rapidfuzz"):
            try:
                from importlib.metadata import version

                versions[module] = version(module.replace("_", "-"))
            except Exception:
                continue
        stamp = dt.datetime.now()
        out = {
            "date": stamp.strftime("%Y-%m-%d %H:%M"),
            "label": args.label,
            "config": str(config.relative_to(ROOT) if config.is_relative_to(ROOT) else config),
            "machine": {
                "cores": os.cpu_count(),
                "python": platform.python_version(),
                "load_average": os.getloadavg(),
                "versions": versions,
            },
            "workers": parts,
            "every": every,
            "seconds": round(total, 1),
            "rows": rows,
            "table": table,
        }
        name = f"quality-{stamp:%Y-%m-%d}{'-' + args.label if args.label else ''}.json"
        path = HERE / "results" / name
        path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
