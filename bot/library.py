"""The open indexes a config names (one per corpus folder), and what a rebuild changed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Config
from index.api import Notice, open_index
from index.build import Progress
from index.fingerprint import Fingerprint, read_fingerprints
from index.freshness import Freshness
from index.model import DocumentInfo, Hit
from index.search import Searcher


@dataclass(frozen=True)
class Library:
    """A config and a Searcher for each corpus folder it names; replaced whole on a rebuild."""

    config: Config
    corpus: Path  # the default corpus: the config's, or the one given on the command line
    index: Path
    searchers: Mapping[Path, Searcher] = field(repr=False)
    freshness: Mapping[Path, Freshness] = field(default_factory=dict, repr=False)

    def folder(self, channel_id: int | None = None) -> Path:
        """Return the corpus folder a channel answers from: its own, or the default one."""
        channel = self.config.channel(channel_id) if channel_id is not None else None
        return channel.corpus if channel is not None else self.corpus

    def searcher(self, channel_id: int | None = None) -> Searcher:
        """Return the searcher for a channel: its own corpus, or the default one."""
        return self.searchers[self.folder(channel_id)]

    def stale(self, channel_id: int | None, hits: Iterable[Hit]) -> tuple[str, ...]:
        """Return the ids of those passages whose file changed since the index was built."""
        hits = list(hits)
        check = self.freshness.get(self.folder(channel_id))
        if check is None or not hits:
            return ()
        changed = check.changed(hit.source.path for hit in hits)
        return tuple(hit.passage.id for hit in hits if hit.source.path in changed)

    def corpora(self) -> dict[Path, Path]:
        """Return every corpus folder this library serves, with its index file."""
        return corpora(self.config, self.corpus, self.index)


def corpora(config: Config, corpus: Path, index: Path) -> dict[Path, Path]:
    """Return the corpus folders a config names (the default first) with their index files."""
    found = {corpus: index}
    for channel in config.channels():
        found.setdefault(channel.corpus, channel.index)
    return found


def open_library(
    config: Config,
    corpus: Path | None = None,
    index: Path | None = None,
    *,
    notice: Notice,
    progress: Progress | None = None,
    force: bool = False,
) -> Library:
    """Open (building when needed) the index of every corpus the config names."""
    corpus = corpus or config.corpus
    index = index or config.index_for(corpus)
    searchers = {
        folder: open_index(
            folder, path, config.settings(), notice=notice, progress=progress, force=force
        )
        for folder, path in corpora(config, corpus, index).items()
    }
    freshness = {folder: Freshness(s.data, folder) for folder, s in searchers.items()}
    return Library(config, corpus, index, searchers, freshness)


@dataclass(frozen=True)
class Changes:
    """What a rebuild changed, by document, and what the new index holds."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    documents: int = 0
    passages: int = 0
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Return whether any document was added, removed or updated."""
        return bool(self.added or self.removed or self.updated)


def compare(old: Library, new: Library, seconds: float = 0.0) -> Changes:
    """Return the documents added, removed and updated between two libraries."""
    added: list[str] = []
    removed: list[str] = []
    updated: list[str] = []
    warnings: list[str] = []
    several = len(new.searchers) > 1
    for folder, searcher in new.searchers.items():
        prefix = f"{folder.name}/" if several else ""
        before = old.searchers.get(folder)
        new_docs = {d.path: d for d in searcher.documents()}
        old_docs = {d.path: d for d in before.documents()} if before else {}
        new_files = _fingerprints(searcher)
        old_files = _fingerprints(before) if before else {}
        for path, doc in new_docs.items():
            if path not in old_docs:
                added.append(prefix + _label(doc))
            elif old_docs[path] != doc or _file_changed(old_files.get(path), new_files.get(path)):
                updated.append(prefix + _label(doc))
        removed.extend(prefix + _label(d) for p, d in old_docs.items() if p not in new_docs)
        warnings.extend(f"{prefix}{item}" for item in searcher.stats().skipped)
    for folder, searcher in old.searchers.items():
        if folder not in new.searchers:
            removed.extend(f"{folder.name}/{_label(d)}" for d in searcher.documents())
    searchers = list(new.searchers.values())
    return Changes(
        added=tuple(added),
        removed=tuple(removed),
        updated=tuple(updated),
        documents=sum(len(s.documents()) for s in searchers),
        passages=sum(s.n for s in searchers),
        seconds=seconds,
        warnings=tuple(warnings),
    )


def _label(doc: DocumentInfo) -> str:
    return doc.path


def _file_changed(old: Fingerprint | None, new: Fingerprint | None) -> bool:
    """Return whether a file changed between two builds, by the rule the index itself uses."""
    if old is None or new is None:
        return old is not new
    return old.changed(new.size, new.mtime_ns, lambda: new.sha256)


def _fingerprints(searcher: Searcher) -> dict[str, Fingerprint]:
    """Return the fingerprint of each file the index was built from."""
    return read_fingerprints(searcher.data.header.get("files", []))
