"""Analyze many passages at once, giving exactly the terms `Analyzer.terms` gives.

Tokenizing a million paragraphs word by word in Python takes minutes. This module relies on
one property of the analyzer: no term spans white space, so the terms of a text are the terms
of its whitespace-separated pieces, in order. The pieces are found with numpy over the UTF-8
bytes and grouped by content: a piece of up to 16 bytes is compared as two 64-bit words, so
the grouping is exact, not a hash guess; longer pieces (rare) are grouped by their bytes.
Each distinct piece is analyzed once (all the new pieces of a batch in one call) and
remembered. A test checks the property against the analyzer on varied text.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from index.analyze import Analyzer

# ASCII white space as str.split() sees it. UTF-8 never uses these bytes inside a multi-byte
# character, so cutting at them never splits a character.
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_WORD = 16  # pieces up to this many bytes are compared as two little-endian 64-bit words
_LOW = np.array([(1 << (8 * min(n, 8))) - 1 for n in range(_WORD + 1)], dtype=np.uint64)
_HIGH = np.array(
    [(1 << (8 * min(max(n - 8, 0), 8))) - 1 for n in range(_WORD + 1)], dtype=np.uint64
)
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
_CACHE_LIMIT = 2_000_000  # distinct pieces remembered before the memory is reclaimed


class BulkAnalyzer:
    """Turn batches of texts into term ids, numbering terms in first-seen order."""

    def __init__(self, analyzer: Analyzer | None = None) -> None:
        self.analyzer = analyzer or Analyzer()
        self.terms: list[str] = []  # term id -> term
        self._ids: dict[str, int] = {}
        self._pieces: dict[bytes, tuple[int, ...]] = {}

    def term_ids(self, text: str) -> list[int]:
        """Return the term ids of one text (for short texts such as headings)."""
        return [self._id(t) for t in self.analyzer.terms(text)]

    def analyze(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return the term ids of all `texts`, concatenated, and how many each text has."""
        if not texts:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
        encoded = [t.encode("utf-8") for t in texts]
        # A blank between texts keeps their pieces apart; the zero bytes at the end let the
        # last piece be read as two full 64-bit words.
        blob = b" ".join(encoded) + b"\0" * _WORD
        size = len(blob) - _WORD
        solid = (~_SPACE[np.frombuffer(blob, dtype=np.uint8, count=size)]).view(np.int8)
        edges = np.diff(solid, prepend=np.int8(0), append=np.int8(0))
        starts = np.flatnonzero(edges == 1)
        ends = np.flatnonzero(edges == -1)
        text_starts = np.zeros(len(encoded), dtype=np.int64)
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        np.cumsum(lengths[:-1] + 1, out=text_starts[1:])
        text_of_piece = np.searchsorted(text_starts, starts, side="right") - 1

        flat, piece_start, piece_of = self._pieces_terms(blob, size, starts, ends)
        counts = np.diff(piece_start)[piece_of]  # terms of each occurrence
        out_start = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=out_start[1:])
        shift = np.repeat(piece_start[:-1][piece_of] - out_start[:-1], counts)
        ids = flat[np.arange(int(out_start[-1]), dtype=np.int64) + shift]
        per_text = np.bincount(text_of_piece, weights=counts, minlength=len(encoded))
        return ids.astype(np.int32), per_text.astype(np.int64)

    def _pieces_terms(
        self, blob: bytes, size: int, starts: np.ndarray, ends: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Group the pieces by content and analyze each distinct one.

        Return the term ids of the distinct pieces (flat), where each one's terms start
        (n + 1 offsets), and the distinct piece of every occurrence.
        """
        length = ends - starts
        short = np.flatnonzero(length <= _WORD)
        s, n = starts[short], length[short]
        words = np.ndarray(shape=(size + 8,), dtype=np.uint64, buffer=blob, strides=(1,))
        low = words[s] & _LOW[n]
        high = words[s + 8] & _HIGH[n]
        with np.errstate(over="ignore"):
            key = (low * _MIX[0]) ^ (high * _MIX[1]) ^ (n.astype(np.uint64) << np.uint64(56))
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        piece_of = np.empty(len(starts), dtype=np.int64)
        piece_of[short] = inverse
        reps = [short[first]]
        # Occurrences whose content differs from their group's first one (a shared key,
        # vanishingly rare) and long pieces are grouped by their bytes.
        odd = np.flatnonzero(
            (low[first][inverse] != low) | (high[first][inverse] != high) | (n[first][inverse] != n)
        )
        slow = np.union1d(short[odd], np.flatnonzero(length > _WORD))
        if len(slow):
            seen: dict[bytes, int] = {}
            extra: list[int] = []
            for i in slow.tolist():
                piece = blob[int(starts[i]) : int(ends[i])]
                j = seen.get(piece)
                if j is None:
                    j = seen[piece] = len(first) + len(extra)
                    extra.append(i)
                piece_of[i] = j
            reps.append(np.asarray(extra, dtype=np.int64))
        at = np.concatenate(reps)
        pieces = [blob[a:b] for a, b in zip(starts[at].tolist(), ends[at].tolist(), strict=True)]
        found = list(map(self._pieces.get, pieces))
        if None in found:
            if len(self._pieces) > _CACHE_LIMIT:
                self._pieces.clear()
            self._learn(pieces, found)
        per_piece = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        piece_start = np.zeros(len(found) + 1, dtype=np.int64)
        np.cumsum(per_piece, out=piece_start[1:])
        flat = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=int(piece_start[-1]))
        return flat, piece_start, piece_of

    def _learn(self, pieces: list[bytes], found: list[tuple[int, ...] | None]) -> None:
        """Analyze the pieces not seen before, all in one text, and fill them in `found`."""
        new = [i for i, known in enumerate(found) if known is None]
        words = [pieces[i].decode("utf-8") for i in new]
        starts = np.zeros(len(words), dtype=np.int64)
        np.cumsum(
            np.fromiter(map(len, words), dtype=np.int64, count=len(words))[:-1] + 1, out=starts[1:]
        )
        spans = self.analyzer.spans(" ".join(words))
        which = np.searchsorted(starts, [start for start, _, _ in spans], side="right") - 1
        terms: list[list[int]] = [[] for _ in new]
        for piece, (_, _, found_terms) in zip(which.tolist(), spans, strict=True):
            terms[piece].extend(map(self._id, found_terms))
        for i, ids in zip(new, terms, strict=True):
            self._pieces[pieces[i]] = found[i] = tuple(ids)

    def _id(self, term: str) -> int:
        i = self._ids.get(term)
        if i is None:
            i = self._ids[term] = len(self.terms)
            self.terms.append(term)
        return i
