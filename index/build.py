"""The build pipeline: corpus folder → documents → passages → terms → BM25 postings.

Files are processed in batches (read, clean, chunk, analyze, invert), on several processes
when the corpus is large, and the batches' postings are merged into one index without sorting
the whole collection. Given the previous index, only files whose content or listed metadata
changed are read again; the other files' passages and postings are taken from that index.
Either way the result is the same index a build from scratch gives.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from index import calibrate
from index.analyze import ANALYZER_VERSION, Analyzer
from index.bm25 import invert, weigh
from index.bulk import BulkAnalyzer
from index.chunk import chunk
from index.clean import clean
from index.errors import CorpusError, EmptyCorpusError
from index.fields import headings
from index.fingerprint import Fingerprint, content_digest, listing_digest, read_fingerprints
from index.load import (
    SOURCES_FILE,
    CorpusFile,
    Skipped,
    list_files,
    read_bytes,
    read_document,
    read_listing,
    read_sources,
    sources_file,
)
from index.model import KINDS, DocumentInfo
from index.readers import formats
from index.search import Searcher
from index.settings import Settings
from index.store import IndexData, decode_strings, encode_strings

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (files done, files in all)

BATCH_BYTES = 8 << 20  # files are handed to workers in batches of about this size
PARALLEL_BYTES = 24 << 20  # below this much text, starting worker processes costs more


# -- One batch of files --------------------------------------------------------------------


@dataclass
class Batch:
    """A run of corpus files, processed: their documents, passages and postings."""

    entries: list[Fingerprint] = field(default_factory=list)  # in file order
    documents: list[DocumentInfo] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    p_n: list[int] = field(default_factory=list)
    p_par: list[int] = field(default_factory=list)
    p_lines: list[int] = field(default_factory=list)  # first, last, first, last, ...
    p_sec: list[str | None] = field(default_factory=list)
    p_page: list[int] = field(default_factory=list)  # 0: the format has no pages
    p_kind: list[int] = field(default_factory=list)  # position in KINDS
    text: bytes = b""
    text_len: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    doc_len: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    terms: list[str] = field(default_factory=list)  # the batch's own term numbering
    ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    docs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    tf: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))

    @property
    def passages(self) -> int:
        """Return how many passages the batch holds."""
        return len(self.p_n)


def process(
    root: Path,
    files: list[CorpusFile],
    sources: dict[str, dict[str, str | None]],
    settings: Settings,
    bulk: BulkAnalyzer,
    *,
    tick: Callable[[], None] | None = None,
) -> Batch:
    """Read, clean, chunk and analyze `files`; invert them into the batch's postings.

    `tick` is called after each file.
    """
    batch = Batch()
    texts: list[str] = []
    extra: list[int] = []  # section and title term ids, passage after passage
    extra_count: list[int] = []
    heading_terms: dict[str, list[int]] = {}

    def weighted(text: str | None, weight: int) -> list[int]:
        if not text or not weight:
            return []
        ids = heading_terms.get(text)
        if ids is None:
            ids = heading_terms[text] = bulk.term_ids(text)
        return ids * weight

    for file in files:
        if tick and batch.entries:
            tick()
        listed = listing_digest(sources, file.relative)
        try:
            raw = read_bytes(file)
        except CorpusError as exc:
            batch.entries.append(Fingerprint.of(file.relative, file.size, file.mtime_ns, None))
            batch.skipped.append(Skipped(file.relative, str(exc)))
            continue
        batch.entries.append(Fingerprint.of(file.relative, file.size, file.mtime_ns, raw, listed))
        try:
            document = read_document(file, sources, raw)
        except CorpusError as exc:
            batch.skipped.append(Skipped(file.relative, str(exc)))
            continue
        cleaned = clean(document)
        pieces = chunk(document, cleaned, settings.chunk)
        if not pieces:
            batch.skipped.append(Skipped(file.relative, "has no paragraphs of text"))
            continue
        meta = cleaned.meta
        title = meta.title or document.doc
        batch.documents.append(
            DocumentInfo(
                document.doc,
                document.path,
                title,
                meta.publisher,
                meta.date,
                meta.url,
                len(pieces),
                document.encoding,
                document.pages,
            )
        )
        for passage in pieces:
            texts.append(passage.text)
            ids = [i for heading, w in headings(passage, settings) for i in weighted(heading, w)]
            extra.extend(ids)
            extra_count.append(len(ids))
            batch.p_n.append(int(passage.id.rsplit("#", 1)[1]))
            batch.p_par.append(passage.paragraph)
            batch.p_lines.extend(passage.lines)
            batch.p_sec.append(passage.section)
            batch.p_page.append(passage.page or 0)
            batch.p_kind.append(KINDS.index(passage.kind))

    term_ids, counts = bulk.analyze(texts)
    n = len(texts)
    extra_counts = np.asarray(extra_count, dtype=np.int64)
    batch.doc_len = (counts + extra_counts).astype(np.int32)
    passage_of = np.concatenate(
        (
            np.repeat(np.arange(n, dtype=np.int32), counts),
            np.repeat(np.arange(n, dtype=np.int32), extra_counts),
        )
    )
    all_terms = np.concatenate((term_ids, np.asarray(extra, dtype=np.int32)))
    used, batch.ptr, batch.docs, tf = invert(all_terms, passage_of, n)
    batch.tf = tf.astype(np.uint16) if not len(tf) or tf.max() <= 0xFFFF else tf
    batch.terms = [bulk.terms[i] for i in used.tolist()]
    encoded = [t.encode("utf-8") for t in texts]
    batch.text = b"".join(encoded)
    batch.text_len = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
    return batch


# Worker processes keep one BulkAnalyzer for all their batches, so words analyzed for one
# batch are not analyzed again for the next.
_worker: dict[str, Any] = {}


def _start_worker(
    root: Path, sources: dict[str, dict[str, str | None]], settings: Settings
) -> None:
    _worker.update(root=root, sources=sources, settings=settings, bulk=BulkAnalyzer())


def _work(files: list[CorpusFile]) -> Batch:
    w = _worker
    return process(w["root"], files, w["sources"], w["settings"], w["bulk"])


def _batches(files: list[CorpusFile], size: int) -> list[list[CorpusFile]]:
    batches: list[list[CorpusFile]] = [[]]
    held = 0
    for file in files:
        if held >= size:
            batches.append([])
            held = 0
        batches[-1].append(file)
        held += file.size
    return [b for b in batches if b]


def workers() -> int:
    """Return how many processes a large build uses: one per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_batches(
    root: Path,
    files: list[CorpusFile],
    sources: dict[str, dict[str, str | None]],
    settings: Settings,
    analyzer: Analyzer,
    *,
    progress: Progress | None = None,
) -> list[Batch]:
    """Process `files` in batches, in parallel when they are many; keep file order."""
    batches = _batches(files, BATCH_BYTES)
    results: list[Batch] = []

    def finished(result: Batch) -> None:
        results.append(result)
        if progress:
            progress(sum(len(b) for b in batches[: len(results)]), len(files))

    procs = min(workers(), len(batches))
    if sum(f.size for f in files) >= PARALLEL_BYTES and procs > 1:
        # Spawned, not forked, workers: safe in a process that runs threads, like the bot.
        try:
            with ProcessPoolExecutor(
                max_workers=procs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(root, sources, settings),
            ) as pool:
                for result in pool.map(_work, batches):
                    finished(result)
        except (BrokenProcessPool, OSError, RuntimeError) as exc:
            # No worker processes here (a sandbox, a script without a main guard): carry on
            # in this process.
            log.warning("building in one process: worker processes failed (%s)", exc)
    bulk = BulkAnalyzer(analyzer)
    done = sum(len(b) for b in batches[: len(results)])

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, len(files))

    for part in batches[len(results) :]:
        results.append(process(root, part, sources, settings, bulk, tick=tick))
        tick()
    return results


# -- The whole corpus ------------------------------------------------------------------------


@dataclass
class _Reuse:
    """Documents and postings kept from the previous index."""

    data: IndexData
    keep: dict[str, int]  # file path -> document number in the previous index
    entries: dict[str, Fingerprint]
    skipped: dict[str, str]


def _plan(
    files: list[CorpusFile],
    sources: dict[str, dict[str, str | None]],
    previous: IndexData | None,
    settings: Settings,
) -> tuple[list[CorpusFile], _Reuse | None]:
    """Split the corpus into files to process and files the previous index already holds."""
    if previous is None:
        return files, None
    header = previous.header
    if header.get("settings_key") != settings.index_key() or header.get("analyzer") != (
        ANALYZER_VERSION
    ):
        return files, None
    old_entries = read_fingerprints(header.get("files", []))
    old_docs = {d["path"]: i for i, d in enumerate(header.get("documents", []))}
    old_skipped = {path: reason for path, reason in header.get("skipped", [])}
    todo: list[CorpusFile] = []
    reuse = _Reuse(previous, {}, {}, {})
    for file in files:
        old = old_entries.get(file.relative)
        same = (
            old is not None
            and old.sha256 is not None  # its content was read, so its passages are known
            and old.listed == listing_digest(sources, file.relative)
            and not old.changed(file.size, file.mtime_ns, partial(_digest, file))
        )
        if same and old is not None and (file.relative in old_docs or file.relative in old_skipped):
            reuse.entries[file.relative] = replace(old, mtime_ns=file.mtime_ns)
            if file.relative in old_docs:
                reuse.keep[file.relative] = old_docs[file.relative]
            else:
                reuse.skipped[file.relative] = old_skipped[file.relative]
        else:
            todo.append(file)
    return todo, reuse


def _digest(file: CorpusFile) -> str | None:
    try:
        return content_digest(read_bytes(file))
    except CorpusError:
        return None


def build(
    root: Path,
    settings: Settings,
    analyzer: Analyzer | None = None,
    progress: Progress | None = None,
    previous: IndexData | None = None,
) -> IndexData:
    """Read, clean, chunk and index every usable file under `root`.

    With `previous` (an index of the same corpus), files it holds unchanged are not read again.
    """
    started = time.perf_counter()
    analyzer = analyzer or Analyzer()
    files, skipped = list_files(root)
    sources = read_sources(root, skipped)
    todo, reuse = _plan(files, sources, previous, settings)
    phases = {"plan": time.perf_counter() - started}
    batches = run_batches(root, todo, sources, settings, analyzer, progress=progress)
    phases["files"] = time.perf_counter() - started - sum(phases.values())
    if progress and not todo:
        progress(0, 0)

    fingerprint: list[Fingerprint] = []
    listing = sources_file(root)
    if isinstance(listing, CorpusFile):
        try:
            raw: bytes | None = read_listing(listing)
        except CorpusError:
            raw = None
        fingerprint.append(Fingerprint.of(SOURCES_FILE, listing.size, listing.mtime_ns, raw))
    fresh_entries = {e.path: e for b in batches for e in b.entries}
    fresh_docs = {d.path: (i, j) for i, b in enumerate(batches) for j, d in enumerate(b.documents)}
    fresh_skipped = {s.path: s.reason for b in batches for s in b.skipped}
    # Documents in corpus order, each from a fresh batch or from the previous index.
    order: list[tuple[str, int, int]] = []  # ("new", batch, document) or ("old", -1, document)
    for file in files:
        path = file.relative
        if path in fresh_entries:
            fingerprint.append(fresh_entries[path])
            if path in fresh_docs:
                order.append(("new", *fresh_docs[path]))
            else:
                skipped.append(Skipped(path, fresh_skipped[path]))
        elif reuse is not None:
            fingerprint.append(reuse.entries[path])
            if path in reuse.keep:
                order.append(("old", -1, reuse.keep[path]))
            else:
                skipped.append(Skipped(path, reuse.skipped[path]))
    for skip in skipped:
        log.warning("skipped %s: %s", skip.path, skip.reason)
    if not order:
        raise EmptyCorpusError(
            f"no readable text in {root}: nothing to index (citebot reads {formats()} files)"
        )

    arrays, documents = _assemble(order, batches, reuse)
    phases["merge"] = time.perf_counter() - started - sum(phases.values())
    weights = weigh(
        settings, arrays["post_ptr"], arrays["post_docs"], arrays["post_tf"], arrays["doc_len"]
    )
    arrays.update(post_w=weights.weights, idf=weights.idf, const=weights.constant)
    phases["weights"] = time.perf_counter() - started - sum(phases.values())
    header = {
        "settings_key": settings.index_key(),
        "analyzer": ANALYZER_VERSION,
        "corpus": str(root.resolve()),
        "files": [f.to_json() for f in fingerprint],
        "documents": [d.to_dict() for d in documents],
        "skipped": [[s.path, s.reason] for s in skipped],
        "build_seconds": round(time.perf_counter() - started, 3),
        "built_at": time.time(),
        "reread": len(todo),
        "phases": {k: round(v, 3) for k, v in phases.items()},
    }
    data = IndexData(header=header, arrays=arrays)
    # How the documents divide the corpus's subjects, for the abstention rule.
    header["structure"] = calibrate.measure(Searcher(data, settings, analyzer)).to_dict()
    header["measured_by"] = calibrate.code_key()
    phases["structure"] = time.perf_counter() - started - sum(phases.values())
    header["phases"] = {k: round(v, 3) for k, v in phases.items()}
    header["build_seconds"] = round(time.perf_counter() - started, 3)
    return data


def _assemble(
    order: list[tuple[str, int, int]], batches: list[Batch], reuse: _Reuse | None
) -> tuple[dict[str, np.ndarray], list[DocumentInfo]]:
    """Lay out the documents in `order`: passage columns, texts and merged postings."""
    old = reuse.data.arrays if reuse is not None else None
    old_docs = [DocumentInfo(**d) for d in reuse.data.header["documents"]] if reuse else []
    old_start = (
        np.concatenate(([0], np.cumsum([d.passages for d in old_docs]))).astype(np.int64)
        if reuse
        else np.zeros(1, dtype=np.int64)
    )
    batch_start = [0]
    for b in batches:
        batch_start.append(batch_start[-1] + b.passages)
    doc_first = [np.cumsum([0] + [d.passages for d in b.documents]) for b in batches]

    # Every passage of the new index comes from a "pool": the previous index's passages
    # followed by the fresh batches' passages.
    n_old = int(old_start[-1])
    documents: list[DocumentInfo] = []
    runs: list[tuple[int, int]] = []  # pool ranges, in new order
    for kind, b, d in order:
        if kind == "old":
            doc = old_docs[d]
            lo = int(old_start[d])
        else:
            doc = batches[b].documents[d]
            lo = n_old + batch_start[b] + int(doc_first[b][d])
        documents.append(doc)
        if runs and runs[-1][1] == lo and lo != n_old:  # a run is all old or all fresh
            runs[-1] = (runs[-1][0], lo + doc.passages)
        else:
            runs.append((lo, lo + doc.passages))
    source = np.concatenate([np.arange(a, z, dtype=np.int64) for a, z in runs])
    n = len(source)

    def pooled(name: str, fresh: list[np.ndarray], dtype: type) -> np.ndarray:
        parts = ([np.asarray(old[name])] if old is not None else []) + fresh
        return np.concatenate(parts).astype(dtype, copy=False)[source]

    sections: dict[str, int] = {}
    old_sections = decode_strings(old["sec_blob"], old["sec_off"]) if old is not None else []
    old_sec_map = np.asarray(
        [sections.setdefault(s, len(sections)) for s in old_sections] + [-1], dtype=np.int32
    )
    fresh_sec = [
        np.asarray(
            [-1 if s is None else sections.setdefault(s, len(sections)) for s in b.p_sec],
            dtype=np.int32,
        )
        for b in batches
    ]
    old_sec = [old_sec_map[np.asarray(old["p_sec"])]] if old is not None else []
    p_sec = np.concatenate([*old_sec, *fresh_sec]).astype(np.int32)[source]
    # Number the sections in order of first use, as a build from scratch does.
    names = list(sections)
    used, first = np.unique(p_sec[p_sec >= 0], return_index=True)
    by_first = used[np.argsort(first)]
    renumber = np.full(len(names) + 1, -1, dtype=np.int32)  # the last slot maps -1 to -1
    renumber[by_first] = np.arange(len(by_first), dtype=np.int32)
    p_sec = renumber[p_sec]
    sections = {names[i]: n for n, i in enumerate(by_first.tolist())}

    doc_len = pooled("doc_len", [b.doc_len for b in batches], np.int32)
    arrays: dict[str, np.ndarray] = {
        "doc_len": doc_len,
        "p_doc": np.repeat(
            np.arange(len(documents), dtype=np.int32), [d.passages for d in documents]
        ),
        "p_n": pooled("p_n", [np.asarray(b.p_n, dtype=np.int32) for b in batches], np.int32),
        "p_par": pooled("p_par", [np.asarray(b.p_par, dtype=np.int32) for b in batches], np.int32),
        "p_lines": np.concatenate(
            ([np.asarray(old["p_lines"])] if old is not None else [])
            + [np.asarray(b.p_lines, dtype=np.int32).reshape(-1, 2) for b in batches]
        ).astype(np.int32)[source]
        if n
        else np.zeros((0, 2), dtype=np.int32),
        "p_sec": p_sec,
        "p_page": pooled(
            "p_page", [np.asarray(b.p_page, dtype=np.int32) for b in batches], np.int32
        ),
        "p_kind": pooled(
            "p_kind", [np.asarray(b.p_kind, dtype=np.uint8) for b in batches], np.uint8
        ),
        **_texts(runs, old, batches, n_old, batch_start),
        **encode_strings("sec", list(sections)),
    }
    arrays.update(_merge_postings(source, n_old, old, batches, batch_start))
    return arrays, documents


def _texts(
    runs: list[tuple[int, int]],
    old: dict[str, np.ndarray] | None,
    batches: list[Batch],
    n_old: int,
    batch_start: list[int],
) -> dict[str, np.ndarray]:
    """Copy the passage texts in new order, run by run, releasing each batch's once copied."""
    old_off = np.asarray(old["text_off"]) if old is not None else np.zeros(1, dtype=np.int64)
    fresh_len = [b.text_len for b in batches]
    lengths = np.concatenate([np.diff(old_off), *fresh_len])
    source = np.concatenate([np.arange(a, z, dtype=np.int64) for a, z in runs])
    offsets = np.zeros(len(source) + 1, dtype=np.int64)
    np.cumsum(lengths[source], out=offsets[1:])
    blob = np.empty(int(offsets[-1]), dtype=np.uint8)
    text_start = [np.concatenate(([0], np.cumsum(t))) for t in fresh_len]
    at = 0
    for lo, hi in runs:
        if lo < n_old:
            assert old is not None
            a, z = int(old_off[lo]), int(old_off[hi])
            blob[at : at + z - a] = old["text_blob"][a:z]
            at += z - a
            continue
        for i, b in enumerate(batches):
            first, end = batch_start[i] + n_old, batch_start[i + 1] + n_old
            if end <= lo or first >= hi:
                continue
            a = int(text_start[i][max(lo, first) - first])
            z = int(text_start[i][min(hi, end) - first])
            blob[at : at + z - a] = np.frombuffer(b.text, dtype=np.uint8)[a:z]
            at += z - a
            if hi >= end:
                b.text = b""  # fresh runs come in order: this batch's texts are all copied
    return {"text_blob": blob, "text_off": offsets}


def _merge_postings(
    source: np.ndarray,
    n_old: int,
    old: dict[str, np.ndarray] | None,
    batches: list[Batch],
    batch_start: list[int],
) -> dict[str, np.ndarray]:
    """Merge the previous index's kept postings and the fresh batches' into one CSR."""
    new_of = np.full(n_old + batch_start[-1], -1, dtype=np.int32)
    new_of[source] = np.arange(len(source), dtype=np.int32)
    old_terms: list[str] = []
    if old is not None:
        old_terms = decode_strings(old["vocab_blob"], old["vocab_off"])
        old_ptr = np.asarray(old["post_ptr"])
        old_docs = new_of[np.asarray(old["post_docs"])]
        keep = old_docs >= 0
        old_term = np.repeat(np.arange(len(old_terms), dtype=np.int32), np.diff(old_ptr))[keep]
        still = np.bincount(old_term, minlength=len(old_terms))
        old_terms_kept = [old_terms[i] for i in np.flatnonzero(still).tolist()]
    else:
        old_terms_kept = []
    # The vocabulary: every term still used, sorted, so a term is found by binary search.
    vocab = sorted(set(old_terms_kept).union(*(b.terms for b in batches)))
    term_id = {t: i for i, t in enumerate(vocab)}
    n_terms = len(vocab)
    positions = [
        new_of[n_old + batch_start[i] : n_old + batch_start[i + 1]] for i in range(len(batches))
    ]
    df, docs, tfs = _fresh_postings(batches, positions, term_id, n_terms)
    if old is not None and len(old_terms):
        # Two runs, each sorted by (term, passage): the kept postings of the previous index
        # and the fresh ones. A stable sort of two sorted runs is a linear merge.
        old_map = np.asarray([term_id.get(t, -1) for t in old_terms], dtype=np.int32)
        terms = np.concatenate(
            (old_map[old_term], np.repeat(np.arange(n_terms, dtype=np.int32), df))
        )
        del old_term
        docs = np.concatenate((old_docs[keep], docs))
        tfs = np.concatenate((np.asarray(old["post_tf"])[keep], tfs))
        df = np.bincount(terms, minlength=n_terms)
        key = terms.astype(np.int64) * max(len(source), 1) + docs
        del terms
        order = np.argsort(key, kind="stable")
        del key
        docs, tfs = docs[order], tfs[order]
    ptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(df, out=ptr[1:])
    small_tf = len(tfs) == 0 or int(tfs.max()) <= np.iinfo(np.uint16).max
    return {
        "post_ptr": ptr,
        "post_docs": docs.astype(np.int32),
        "post_tf": tfs.astype(np.uint16 if small_tf else np.int32),
        **encode_strings("vocab", vocab),
    }


def _fresh_postings(
    batches: list[Batch], positions: list[np.ndarray], term_id: dict[str, int], n_terms: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge the batches' postings term by term, in passage order, without a global sort.

    `positions` gives, for each batch, the new position of each of its passages.

    Return each term's count of fresh postings, and the postings' passages and frequencies
    in (term, passage) order.
    """
    maps = [np.asarray([term_id[t] for t in b.terms], dtype=np.int64) for b in batches]
    df = np.zeros(n_terms, dtype=np.int64)
    for b, m in zip(batches, maps, strict=True):
        df[m] += np.diff(b.ptr)
    fill = np.zeros(n_terms, dtype=np.int64)
    np.cumsum(df[:-1], out=fill[1:])
    total = int(df.sum())
    docs = np.empty(total, dtype=np.int32)
    tfs = np.empty(total, dtype=np.result_type(np.uint16, *(b.tf.dtype for b in batches)))
    # Fresh passages keep their relative order in the new layout, so filling each term's
    # list batch after batch keeps it sorted by passage.
    for b, m, where in zip(batches, maps, positions, strict=True):
        counts = np.diff(b.ptr)
        dest = np.repeat(fill[m] - b.ptr[:-1], counts) + np.arange(len(b.docs))
        docs[dest] = where[b.docs]
        tfs[dest] = b.tf
        fill[m] += counts
    return df, docs, tfs
