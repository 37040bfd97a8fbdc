"""Scale benchmark: citebot against rank-bm25 and bm25s on the same synthetic paragraphs.

    python bench/scale.py --paragraphs 10000 100000 1000000

For each size it generates (or reuses) a seeded synthetic corpus of text files (see synth.py),
then, each in a process of its own so that timings and memory do not mix:

- citebot: `citebot index build` from the files (read, clean, chunk, analyze, index, write),
  opening the built index, 1,000 questions through `Searcher.search` (analyze + search +
  top-k + quotes) and through the scoring backend alone, `citebot ask --json -` over the same
  questions, and a rebuild after editing one file;
- bm25s and rank-bm25 (BM25Okapi) on the very same passages and terms (taken from citebot's
  index), each question analyzed by citebot's analyzer; rank-bm25 answers a sample of the
  questions at large sizes, and its top 10 is compared with citebot's.

It prints a table of medians, p99s and ratios and writes everything as JSON to
bench/results/scale-<date>.json. Peak memory is that of the process and its workers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import synth  # noqa: E402

K = 10
QUESTIONS = 1000
RANK_BM25_QUERIES = {10_000: 200, 100_000: 50, 1_000_000: 20}
CONFIG = ROOT / "citebot.yaml"


# -- Measuring ------------------------------------------------------------------------------


def _tree_rss(pid: int) -> int:
    """Return the resident memory, in bytes, of a process and its descendants (Linux)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def run_measured(cmd: list[str], stdin: bytes | None = None) -> dict[str, object]:
    """Run a command; return its wall time, peak memory of its process tree and output."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate(stdin)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode()[-3000:]}")
    return {"seconds": seconds, "peak_mb": round(peak / 2**20), "stdout": out, "stderr": err}


def worker(name: str, **kwargs: object) -> dict[str, object]:
    """Run one of this script's workers in a fresh process and return its JSON result."""
    cmd = [sys.executable, __file__, "--worker", name, "--args", json.dumps(kwargs)]
    result = run_measured(cmd)
    data = json.loads(result["stdout"].decode().strip().splitlines()[-1])
    data["peak_mb"] = result["peak_mb"]
    return data


def summary(times: list[float]) -> dict[str, float]:
    """Return the median and 99th percentile of times in seconds, as milliseconds."""
    a = np.asarray(times) * 1000
    return {
        "median_ms": round(float(np.median(a)), 3),
        "p99_ms": round(float(np.percentile(a, 99)), 3),
        "mean_ms": round(float(a.mean()), 3),
        "n": len(times),
    }


def _rss_mb() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) // 1024
    return out


# -- Workers (each runs in its own process) -------------------------------------------------


def work_citebot(corpus: str, index: str, questions: list[str], sample: int) -> dict:
    from bot.config import load_config
    from index.api import open_index

    settings = load_config(CONFIG).settings()
    started = time.perf_counter()
    searcher = open_index(Path(corpus), Path(index), settings)
    load_seconds = time.perf_counter() - started
    analyzer = searcher.analyzer
    search_times, top_times = [], []
    for q in questions:
        t = time.perf_counter()
        searcher.search(q, K)
        search_times.append(time.perf_counter() - t)
    for q in questions:
        t = time.perf_counter()
        terms = list(dict.fromkeys(analyzer.terms(q)))
        searcher.backend.top(terms, K)
        top_times.append(time.perf_counter() - t)
    tops = [
        [[i, s] for i, s in searcher.backend.top(list(dict.fromkeys(analyzer.terms(q))), K)]
        for q in questions[:sample]
    ]
    return {
        "load_seconds": load_seconds,
        "search": summary(search_times),
        "top": summary(top_times),
        "memory_mb": _rss_mb(),
        "tops": tops,
        "passages": searcher.n,
        "stats": {k: v for k, v in searcher.stats().to_dict().items() if k != "skipped"},
        "header_phases": searcher.data.header.get("phases"),
    }


def work_rebuild(corpus: str, index: str) -> dict:
    from bot.config import load_config
    from index.api import open_index

    settings = load_config(CONFIG).settings()
    target = sorted(Path(corpus).glob("*.txt"))[len(list(Path(corpus).glob("*.txt"))) // 2]
    original = target.read_bytes()
    try:
        target.write_bytes(original + b"\nAn added paragraph about a zebra and a yak.\n")
        started = time.perf_counter()
        searcher = open_index(Path(corpus), Path(index), settings, notice=lambda m: None)
        seconds = time.perf_counter() - started
        reread = searcher.data.header.get("reread")
    finally:
        target.write_bytes(original)
    open_index(Path(corpus), Path(index), settings, notice=lambda m: None)  # back in step
    return {"seconds": seconds, "reread": reread, "file": target.name}


def export_terms(index: str, out: str) -> None:
    """Write each passage's terms (from citebot's index) for the other engines."""
    from index.store import decode_strings, load

    data = load(Path(index))
    a = data.arrays
    ptr = np.asarray(a["post_ptr"])
    docs = np.asarray(a["post_docs"])
    tf = np.asarray(a["post_tf"]).astype(np.int64)
    terms = np.repeat(np.arange(len(ptr) - 1, dtype=np.int32), np.diff(ptr))
    order = np.argsort(docs, kind="stable")
    terms, docs, tf = terms[order], docs[order], tf[order]
    tokens = np.repeat(terms, tf)
    n = len(a["doc_len"])
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(np.repeat(docs, tf), minlength=n), out=offsets[1:])
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "tokens.npy", tokens)
    np.save(folder / "offsets.npy", offsets)
    (folder / "vocab.json").write_text(json.dumps(decode_strings(a["vocab_blob"], a["vocab_off"])))


def _token_lists(folder: Path) -> tuple[list[list[int]], list[str]]:
    tokens, offsets, vocab = _tokens(folder)
    return [a.tolist() for a in np.split(tokens, offsets[1:-1])], vocab


def _tokens(folder: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    vocab = json.loads((folder / "vocab.json").read_text())
    return np.load(folder / "tokens.npy"), np.load(folder / "offsets.npy"), vocab


def work_bm25s(terms: str, questions: list[str], corpus: str) -> dict:
    import bm25s
    import Stemmer
    from bm25s.tokenization import Tokenized

    from bot.config import load_config
    from index.analyze import Analyzer

    settings = load_config(CONFIG).settings()
    lists, vocab = _token_lists(Path(terms))
    started = time.perf_counter()
    retriever = bm25s.BM25(k1=settings.k1, b=settings.b)
    retriever.index(
        Tokenized(ids=lists, vocab={t: i for i, t in enumerate(vocab)}), show_progress=False
    )
    index_seconds = time.perf_counter() - started
    del lists
    analyzer = Analyzer()
    times = []
    for q in questions:
        t = time.perf_counter()
        query = [w for w in dict.fromkeys(analyzer.terms(q)) if w in retriever.vocab_dict]
        if query:
            retriever.retrieve([query], k=K, show_progress=False, n_threads=1)
        times.append(time.perf_counter() - t)
    memory = _rss_mb()
    # bm25s's own way, end to end: read the files, its tokenizer with stemming, index.
    del retriever
    started = time.perf_counter()
    texts = []
    for path in sorted(Path(corpus).glob("*.txt")):
        texts.extend(p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip())
    tokens = bm25s.tokenize(
        texts, stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False
    )
    bm25s.BM25(k1=settings.k1, b=settings.b).index(tokens, show_progress=False)
    own_seconds = time.perf_counter() - started
    return {
        "index_seconds": index_seconds,
        "own_build_seconds": own_seconds,
        "query": summary(times),
        "memory_mb": memory,
    }


def work_rank_bm25(terms: str, questions: list[str]) -> dict:
    from rank_bm25 import BM25L, BM25Okapi, BM25Plus

    from bot.config import load_config
    from index.analyze import Analyzer

    settings = load_config(CONFIG).settings()
    tokens, offsets, vocab = _tokens(Path(terms))
    documents = [[vocab[i] for i in doc.tolist()] for doc in np.split(tokens, offsets[1:-1])]
    term_id = {t: i for i, t in enumerate(vocab)}
    started = time.perf_counter()
    if settings.variant == "okapi":
        model = BM25Okapi(documents, k1=settings.k1, b=settings.b, epsilon=settings.epsilon)
    elif settings.variant == "l":
        model = BM25L(documents, k1=settings.k1, b=settings.b, delta=settings.delta)
    else:
        model = BM25Plus(documents, k1=settings.k1, b=settings.b, delta=settings.delta)
    build_seconds = time.perf_counter() - started
    analyzer = Analyzer()
    times, tops = [], []
    for q in questions:
        t = time.perf_counter()
        query = list(dict.fromkeys(analyzer.terms(q)))
        scores = model.get_scores(query)
        best = np.argpartition(-scores, K)[:K]
        times.append(time.perf_counter() - t)
        # Citebot ranks the passages holding a query term; so does this reference.
        ids = [term_id[t] for t in query if t in term_id]
        at = np.flatnonzero(np.isin(tokens, ids))
        candidates = np.unique(np.searchsorted(offsets, at, side="right") - 1)
        order = np.lexsort((candidates, -scores[candidates]))[:K]
        tops.append([[int(candidates[i]), float(scores[candidates[i]])] for i in order])
        del best
    return {
        "model": type(model).__name__,
        "build_seconds": build_seconds,
        "query": summary(times),
        "tops": tops,
    }


WORKERS = {
    "citebot": work_citebot,
    "rebuild": work_rebuild,
    "export": export_terms,
    "bm25s": work_bm25s,
    "rank_bm25": work_rank_bm25,
}


# -- The benchmark --------------------------------------------------------------------------


def same_top(ours: list, theirs: list) -> bool:
    """Tell whether two top-10 lists agree: scores to 1e-6 relative, passages where untied."""
    if len(ours) != len(theirs):
        return False
    for (_, a), (_, b) in zip(ours, theirs, strict=True):
        if abs(a - b) > 1e-6 * max(abs(b), 1e-12):
            return False
    scores = [s for _, s in theirs]
    for rank, ((i, _), (j, s)) in enumerate(zip(ours, theirs, strict=True)):
        tied = sum(1 for t in scores if abs(t - s) <= 1e-6 * max(abs(s), 1e-12))
        if tied == 1 and rank < len(theirs) - 1 and i != j:
            return False
    return True


def bench_size(paragraphs: int, workdir: Path, args: argparse.Namespace) -> dict:
    folder = workdir / f"corpus-{paragraphs}"
    print(f"\n== {paragraphs:,} paragraphs: corpus in {folder}", flush=True)
    info = synth.make_corpus(folder, paragraphs)
    questions = synth.make_questions(args.questions)
    index = workdir / f"index-{paragraphs}.cbi"
    citebot = [sys.executable, "-m", "bot"]
    build = run_measured(
        [
            *citebot,
            "index",
            "build",
            "--config",
            str(CONFIG),
            "--corpus",
            str(folder),
            "--index",
            str(index),
        ]
    )
    print(f"citebot build {build['seconds']:.1f} s, peak {build['peak_mb']} MB", flush=True)
    sample = args.rank_bm25_queries or RANK_BM25_QUERIES.get(paragraphs, 50)
    served = worker(
        "citebot", corpus=str(folder), index=str(index), questions=questions, sample=sample
    )
    print(f"citebot search median {served['search']['median_ms']} ms", flush=True)
    stdin = ("\n".join(questions) + "\n").encode()
    ask = run_measured(
        [
            *citebot,
            "ask",
            "--json",
            "-",
            "--top-k",
            str(K),
            "--config",
            str(CONFIG),
            "--corpus",
            str(folder),
            "--index",
            str(index),
        ],
        stdin=stdin,
    )
    answered = sum(1 for line in ask["stdout"].splitlines() if line.strip())
    rebuild = worker("rebuild", corpus=str(folder), index=str(index))
    print(f"citebot rebuild after one edit {rebuild['seconds']:.1f} s", flush=True)
    terms = workdir / f"terms-{paragraphs}"
    worker("export", index=str(index), out=str(terms))
    result = {
        "paragraphs": paragraphs,
        "passages": served["passages"],
        "files": info["files"],
        "megabytes": round(info["bytes"] / 1e6, 1),
        "citebot": {
            "build_seconds": round(build["seconds"], 2),
            "build_peak_mb": build["peak_mb"],
            "build_phases": served["header_phases"],
            "index_mb": round(index.stat().st_size / 1e6, 1),
            "load_seconds": round(served["load_seconds"], 3),
            "search": served["search"],
            "top": served["top"],
            "serving_memory_mb": served["memory_mb"],
            "serving_peak_mb": served["peak_mb"],
            "ask_stdin_seconds": round(ask["seconds"], 2),
            "ask_stdin_per_question_ms": round(ask["seconds"] / len(questions) * 1000, 3),
            "ask_stdin_answers": answered,
            "rebuild_one_file_seconds": round(rebuild["seconds"], 2),
            "rebuild_reread_files": rebuild["reread"],
        },
    }
    if not args.skip_bm25s:
        b = worker("bm25s", terms=str(terms), questions=questions, corpus=str(folder))
        result["bm25s"] = {
            "index_seconds": round(b["index_seconds"], 2),
            "own_build_seconds": round(b["own_build_seconds"], 2),
            "query": b["query"],
            "peak_mb": b["peak_mb"],
        }
        print(f"bm25s query median {b['query']['median_ms']} ms", flush=True)
    if not args.skip_rank_bm25:
        r = worker("rank_bm25", terms=str(terms), questions=questions[:sample])
        agree = sum(same_top(o, t) for o, t in zip(served["tops"], r["tops"], strict=True))
        result["rank_bm25"] = {
            "model": r["model"],
            "build_seconds": round(r["build_seconds"], 2),
            "query": r["query"],
            "peak_mb": r["peak_mb"],
            "same_top10": f"{agree}/{len(r['tops'])}",
        }
        print(
            f"rank-bm25 query median {r['query']['median_ms']} ms; same top 10: {agree}", flush=True
        )
    return result


def machine() -> dict[str, object]:
    """Describe this machine."""
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
        with open("/proc/meminfo") as f:
            memory = (
                int(next(line.split()[1] for line in f if line.startswith("MemTotal"))) // 2**20
            )
    except (OSError, StopIteration):
        memory = None
    versions = {}
    for name in ("numpy", "bm25s", "rank_bm25"):
        try:
            from importlib.metadata import version

            versions[name] = version(name.replace("_", "-"))
        except Exception:  # a missing package is simply not listed
            continue
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "versions": versions,
    }


def table(results: list[dict]) -> str:
    """Return the results as a Markdown table."""
    lines = [
        "| paragraphs | engine | build (s) | build peak (MB) | load (s) | query median (ms) "
        "| query p99 (ms) | median vs citebot |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        c = r["citebot"]
        base = c["search"]["median_ms"]
        n = f"{r['paragraphs']:,}"
        lines.append(
            f"| {n} | citebot `search()` | {c['build_seconds']} | {c['build_peak_mb']} "
            f"| {c['load_seconds']} | {base} | {c['search']['p99_ms']} | 1× |"
        )
        lines.append(
            f"| {n} | citebot scoring only | | | | {c['top']['median_ms']} "
            f"| {c['top']['p99_ms']} | |"
        )
        lines.append(
            f"| {n} | citebot `ask --json -` (whole process) | | | "
            f"| {c['ask_stdin_per_question_ms']} per question | | |"
        )
        if "bm25s" in r:
            b = r["bm25s"]
            lines.append(
                f"| {n} | bm25s (index / own tokenizer + index) | {b['index_seconds']} / "
                f"{b['own_build_seconds']} | {b['peak_mb']} | | {b['query']['median_ms']} "
                f"| {b['query']['p99_ms']} | {b['query']['median_ms'] / base:.1f}× |"
            )
        if "rank_bm25" in r:
            k = r["rank_bm25"]
            lines.append(
                f"| {n} | rank-bm25 {k['model']} ({k['query']['n']} queries; same top 10: "
                f"{k['same_top10']}) | {k['build_seconds']} | {k['peak_mb']} | "
                f"| {k['query']['median_ms']} | {k['query']['p99_ms']} "
                f"| {k['query']['median_ms'] / base:.0f}× |"
            )
    return "\n".join(lines)


def goals(result: dict) -> list[tuple[str, str, bool]]:
    """Return the issue's goals for one size: (goal, measured, met)."""
    c = result["citebot"]
    out = [
        ("query median <= 5 ms", f"{c['search']['median_ms']} ms", c["search"]["median_ms"] <= 5),
        ("query p99 <= 25 ms", f"{c['search']['p99_ms']} ms", c["search"]["p99_ms"] <= 25),
        ("build <= 60 s", f"{c['build_seconds']} s", c["build_seconds"] <= 60),
        ("build memory <= 4 GB", f"{c['build_peak_mb']} MB", c["build_peak_mb"] <= 4096),
        ("load <= 2 s", f"{c['load_seconds']} s", c["load_seconds"] <= 2),
        (
            "serving memory <= 1.5 GB",
            f"{c['serving_peak_mb']} MB",
            c["serving_peak_mb"] <= 1536,
        ),
        (
            "rebuild after one edit re-reads only that file",
            f"{c['rebuild_reread_files']} file(s), {c['rebuild_one_file_seconds']} s",
            c["rebuild_reread_files"] == 1,
        ),
    ]
    if "bm25s" in result:
        b = result["bm25s"]
        ratio = b["query"]["median_ms"] / c["search"]["median_ms"]
        out.append(("faster than bm25s", f"{ratio:.1f}x", ratio > 1))
        per_q = c["ask_stdin_per_question_ms"]
        out.append(
            (
                "ask --json - per question <= bm25s per query",
                f"{per_q} vs {b['query']['median_ms']} ms",
                per_q <= b["query"]["median_ms"],
            )
        )
        build_ratio = c["build_seconds"] / b["own_build_seconds"]
        out.append(("build <= 2x bm25s's own build", f"{build_ratio:.2f}x", build_ratio <= 2))
    if "rank_bm25" in result:
        k = result["rank_bm25"]
        ratio = k["query"]["median_ms"] / c["search"]["median_ms"]
        out.append((f"~300x faster than rank-bm25 {k['model']}", f"{ratio:.0f}x", ratio >= 300))
        agree, total = (int(x) for x in k["same_top10"].split("/"))
        out.append(("same top 10 as rank-bm25", k["same_top10"], agree == total))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paragraphs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--rank-bm25-queries", type=int, help="questions rank-bm25 answers")
    parser.add_argument("--skip-bm25s", action="store_true")
    parser.add_argument("--skip-rank-bm25", action="store_true")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "citebot-bench",
        help="where corpora and indexes are kept between runs",
    )
    parser.add_argument(
        "--out", type=Path, help="JSON file (default bench/results/scale-DATE.json)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--args", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = WORKERS[args.worker](**json.loads(args.args))
        print(json.dumps(result if result is not None else {}))
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now()
    info = machine()
    results = [bench_size(n, args.workdir, args) for n in args.paragraphs]
    for r in results:
        r["goals"] = [{"goal": g, "measured": m, "met": ok} for g, m, ok in goals(r)]
    report = {
        "date": started.strftime("%Y-%m-%d %H:%M"),
        "machine": info,
        "questions": args.questions,
        "top_k": K,
        "config": str(CONFIG.relative_to(ROOT)),
        "results": results,
    }
    out = args.out or HERE / "results" / f"scale-{started:%Y-%m-%d}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    os.replace(tmp, out)
    print()
    print(f"{info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB, Python {info['python']}")
    print(table(results))
    for r in results:
        print(f"\nGoals at {r['paragraphs']:,} paragraphs (the issue sets them for 1,000,000):")
        for g in r["goals"]:
            print(f"  {'met    ' if g['met'] else 'NOT MET'}  {g['goal']}: {g['measured']}")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
