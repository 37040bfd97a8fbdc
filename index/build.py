"""The build pipeline: corpus folder → documents → passages → terms → BM25 postings."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from index.analyze import ANALYZER_VERSION, Analyzer
from index.bm25 import build_postings, weigh
from index.chunk import chunk
from index.clean import clean
from index.errors import CorpusError, EmptyCorpusError
from index.load import SOURCES_FILE, Skipped, list_files, read_bytes, read_document, read_sources
from index.model import DocumentInfo, Passage
from index.settings import Settings
from index.store import IndexData

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (files done, files in all)


def fingerprint_entry(relative: str, size: int, mtime_ns: int, raw: bytes) -> list[object]:
    """Return the fingerprint record of one file: path, size, mtime and content digest."""
    return [relative, size, mtime_ns, hashlib.sha256(raw).hexdigest()]


def build(
    root: Path,
    settings: Settings,
    analyzer: Analyzer | None = None,
    progress: Progress | None = None,
) -> IndexData:
    """Read, clean, chunk and index every usable file under `root`."""
    started = time.perf_counter()
    analyzer = analyzer or Analyzer()
    files, skipped = list_files(root)
    sources = read_sources(root)
    fingerprint: list[list[object]] = []
    sources_path = root / SOURCES_FILE
    if sources_path.is_file():
        stat = sources_path.stat()
        raw = sources_path.read_bytes()
        fingerprint.append(fingerprint_entry(SOURCES_FILE, stat.st_size, stat.st_mtime_ns, raw))

    documents: list[DocumentInfo] = []
    passages: list[Passage] = []
    term_ids: list[int] = []
    doc_len: list[int] = []
    vocab: dict[str, int] = {}
    for done, file in enumerate(files, 1):
        try:
            raw = read_bytes(file)
        except CorpusError as exc:
            fingerprint.append([file.relative, file.size, file.mtime_ns, None])
            skipped.append(Skipped(file.relative, str(exc)))
            continue
        fingerprint.append(fingerprint_entry(file.relative, file.size, file.mtime_ns, raw))
        try:
            document = read_document(file, sources, raw)
        except CorpusError as exc:
            skipped.append(Skipped(file.relative, str(exc)))
            continue
        cleaned = clean(document)
        pieces = chunk(document, cleaned, settings.chunk)
        if not pieces:
            skipped.append(Skipped(file.relative, "has no paragraphs of text"))
            continue
        meta = cleaned.meta
        title = meta.title or document.doc
        documents.append(
            DocumentInfo(
                document.doc, document.path, title, meta.publisher, meta.date, meta.url, len(pieces)
            )
        )
        title_terms = analyzer.terms(title) * settings.title_weight
        section_cache: dict[str | None, list[str]] = {}
        for passage in pieces:
            if passage.section not in section_cache:
                section_cache[passage.section] = (
                    analyzer.terms(passage.section) * settings.section_weight
                    if passage.section
                    else []
                )
            terms = analyzer.terms(passage.text) + section_cache[passage.section] + title_terms
            term_ids.extend(vocab.setdefault(t, len(vocab)) for t in terms)
            doc_len.append(len(terms))
            passages.append(passage)
        if progress:
            progress(done, len(files))
    for skip in skipped:
        log.warning("skipped %s: %s", skip.path, skip.reason)
    if not passages:
        raise EmptyCorpusError(f"no readable text in {root}: nothing to index")

    lengths = np.asarray(doc_len, dtype=np.int32)
    doc_ids = np.repeat(np.arange(len(passages), dtype=np.int32), lengths)
    ptr, post_docs, tf = build_postings(
        np.asarray(term_ids, dtype=np.int32), doc_ids, len(vocab), len(passages)
    )
    weights = weigh(settings, ptr, post_docs, tf, lengths)
    arrays = {
        **_strings("vocab", list(vocab)),
        "post_ptr": ptr,
        "post_docs": post_docs,
        "post_tf": tf,
        "post_w": weights.weights,
        "idf": weights.idf,
        "const": weights.constant,
        "doc_len": lengths,
        **_passage_arrays(passages, documents),
    }
    header = {
        "settings_key": settings.index_key(),
        "analyzer": ANALYZER_VERSION,
        "corpus": str(root.resolve()),
        "files": fingerprint,
        "documents": [d.to_dict() for d in documents],
        "skipped": [[s.path, s.reason] for s in skipped],
        "build_seconds": round(time.perf_counter() - started, 3),
        "built_at": time.time(),
    }
    return IndexData(header=header, arrays=arrays)


def _strings(name: str, values: list[str]) -> dict[str, np.ndarray]:
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
    return {f"{name}_blob": blob, f"{name}_off": offsets}


def _passage_arrays(
    passages: list[Passage], documents: list[DocumentInfo]
) -> dict[str, np.ndarray]:
    doc_index = {d.doc: i for i, d in enumerate(documents)}
    sections: dict[str, int] = {}
    section_ids = [
        -1 if p.section is None else sections.setdefault(p.section, len(sections)) for p in passages
    ]
    return {
        "p_doc": np.asarray([doc_index[p.doc] for p in passages], dtype=np.int32),
        "p_n": np.asarray([int(p.id.rsplit("#", 1)[1]) for p in passages], dtype=np.int32),
        "p_par": np.asarray([p.paragraph for p in passages], dtype=np.int32),
        "p_lines": np.asarray([p.lines for p in passages], dtype=np.int32).reshape(-1, 2),
        "p_sec": np.asarray(section_ids, dtype=np.int32),
        **_strings("text", [p.text for p in passages]),
        **_strings("sec", list(sections)),
    }
