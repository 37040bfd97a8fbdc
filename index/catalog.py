"""The passages and documents of a built index, by position and by id, and what it holds.

Passages are numbered 0…n-1 in corpus order, the documents' passages one after another, so a
passage's position is its document's first position plus its number in the document; ids
(`doc#3`) are therefore looked up with a dictionary of documents and an addition, not a table
of every id. Passages are read from the index's arrays when asked for, never held as objects:
a large index opens without building a million `Passage`s.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, fields

import numpy as np

from index.errors import UnknownPassageError
from index.model import KINDS, DocumentInfo, Passage, SourceView
from index.settings import Settings
from index.store import IndexData, StringTable

# A document name may itself hold "#" (a file called "c#-notes.md"): the number follows the last.
_ID = re.compile(r"^(?P<doc>[^\x00]{1,8192})#(?P<n>[1-9][0-9]{0,8})$", re.DOTALL)


@dataclass(frozen=True)
class IndexStats:
    """What an index holds and how it was built, as `citebot index stats` shows it."""

    documents: int
    passages: int
    terms: int
    postings: int
    mean_passage_terms: float
    variant: str
    k1: float
    b: float
    built_at: str | None  # local time, "YYYY-MM-DD HH:MM:SS"
    build_seconds: float | None
    skipped: tuple[str, ...]  # "path: reason", one per file left out
    encodings: dict[str, str] = field(default_factory=dict)  # text file -> detected encoding
    # What the abstention rule adds to a question's log-odds because the documents share their
    # subjects (index.calibrate); 0 when each keeps to a subject of its own.
    abstain_lift: float = 0.0

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form, keys in field order."""
        data: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["skipped"] = list(self.skipped)
        data["encodings"] = dict(self.encodings)
        return data


class Catalog:
    """Look up the passages and documents of a built index."""

    def __init__(self, data: IndexData) -> None:
        self.data = data
        a = data.arrays
        self._sections = StringTable(a["sec_blob"], a["sec_off"])
        self.n = len(a["doc_len"])
        self._documents = [DocumentInfo(**d) for d in data.header["documents"]]
        self._doc_index = {d.doc: i for i, d in enumerate(self._documents)}
        # Discord and shells trim what people paste: " notes#3" must still find " notes".
        trimmed: dict[str, list[int]] = {}
        for i, d in enumerate(self._documents):
            if d.doc != d.doc.strip():
                trimmed.setdefault(d.doc.strip(), []).append(i)
        self._trimmed = {name: found[0] for name, found in trimmed.items() if len(found) == 1}
        counts = np.asarray([d.passages for d in self._documents], dtype=np.int64)
        self._doc_start = np.concatenate(([0], np.cumsum(counts)))

    def documents(self) -> list[DocumentInfo]:
        """Return the indexed documents in corpus order."""
        return list(self._documents)

    def passage(self, i: int) -> Passage:
        """Return passage number `i` (0-based position in the index)."""
        a = self.data.arrays
        doc = self._documents[int(a["p_doc"][i])]
        start, end = int(a["text_off"][i]), int(a["text_off"][i + 1])
        section = int(a["p_sec"][i])
        first, last = (int(x) for x in a["p_lines"][i])
        return Passage(
            id=f"{doc.doc}#{int(a['p_n'][i])}",
            doc=doc.doc,
            title=doc.title,
            section=None if section < 0 else self._sections[section],
            paragraph=int(a["p_par"][i]),
            lines=(first, last),
            text=bytes(a["text_blob"][start:end]).decode("utf-8"),
            page=int(a["p_page"][i]) or None,
            kind=KINDS[int(a["p_kind"][i])],
        )

    def locate(self, passage_id: str) -> int:
        """Return the position of a passage id like `doc#3`; raise UnknownPassageError."""
        shown = passage_id if len(passage_id) <= 80 else passage_id[:77] + "..."
        match = _ID.match(passage_id) or _ID.match(passage_id.strip())
        if not match:
            raise UnknownPassageError(
                f"{shown!r} is not a passage id (expected DOC#N, for example {self._example_id()})"
            )
        index = self._document_named(match["doc"])
        if index is None:
            raise UnknownPassageError(f"no document {_shown(match['doc'])!r} in this index")
        n = int(match["n"])
        count = self._documents[index].passages
        if n > count:
            raise UnknownPassageError(
                f"{_shown(match['doc'])!r} has {count} passage{'s' if count != 1 else ''}; "
                f"there is no #{n}"
            )
        return int(self._doc_start[index]) + n - 1

    def _document_named(self, name: str) -> int | None:
        """Return the position of the document called `name`, trimmed or not, or None."""
        for candidate in (name, name.strip()):
            if candidate in self._doc_index:
                return self._doc_index[candidate]
        return self._trimmed.get(name.strip())

    def _example_id(self) -> str:
        return f"{self._documents[0].doc}#1" if self._documents else "notes#1"

    def source(self, passage_id: str) -> SourceView:
        """Return a passage in full with its citation and its neighbours in the document."""
        i = self.locate(passage_id)
        passage = self.passage(i)
        doc = self._doc_index[passage.doc]
        start, end = int(self._doc_start[doc]), int(self._doc_start[doc + 1])
        return SourceView(
            passage=passage,
            source=self._documents[doc],
            before=self.passage(i - 1) if i - 1 >= start else None,
            after=self.passage(i + 1) if i + 1 < end else None,
        )

    def document_of(self, passage: Passage) -> DocumentInfo:
        """Return the document a passage belongs to."""
        return self._documents[self._doc_index[passage.doc]]

    def stats(self, terms: int, settings: Settings) -> IndexStats:
        """Return what the index holds, given its vocabulary size and its scoring settings."""
        header = self.data.header
        lengths = self.data.arrays["doc_len"]
        built = header.get("built_at")
        return IndexStats(
            documents=len(self._documents),
            passages=self.n,
            terms=terms,
            postings=len(self.data.arrays["post_docs"]),
            mean_passage_terms=round(float(lengths.mean()), 1) if self.n else 0.0,
            variant=settings.variant,
            k1=settings.k1,
            b=settings.b,
            built_at=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(built)) if built else None,
            build_seconds=header.get("build_seconds"),
            skipped=tuple(f"{path}: {reason}" for path, reason in header.get("skipped", [])),
            encodings={d.path: d.encoding for d in self._documents if d.encoding},
        )


def _shown(name: str) -> str:
    """Return a document name short enough for a message."""
    return name if len(name) <= 80 else name[:77] + "..."
