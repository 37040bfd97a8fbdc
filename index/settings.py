"""Retrieval settings: the knobs that change what the index holds or how it scores."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from index.errors import SettingsError

VARIANTS = ("okapi", "l", "plus")


@dataclass(frozen=True)
class ChunkSettings:
    """How paragraphs become passages."""

    max_chars: int = 1500
    min_chars: int = 200

    def __post_init__(self) -> None:
        if self.max_chars < 200:
            raise SettingsError(f"chunk max_chars must be at least 200, not {self.max_chars}")
        if not 0 <= self.min_chars < self.max_chars:
            raise SettingsError(
                f"chunk min_chars must be between 0 and max_chars ({self.max_chars}), "
                f"not {self.min_chars}"
            )


@dataclass(frozen=True)
class Settings:
    """Everything that decides how passages are built, weighted and scored."""

    # Chosen on SciFact and the bundled corpus together; README "Retrieval quality" has the
    # numbers. Plus ranks like Okapi on both but never gives a common word a zero or floored
    # idf, which in a small corpus erases words that half the passages share.
    variant: str = "plus"
    k1: float = 1.2
    b: float = 0.5
    delta: float = 1.0
    epsilon: float = 0.25
    title_weight: int = 2  # counted with the document's opening passage only
    section_weight: int = 2
    chunk: ChunkSettings = field(default_factory=ChunkSettings)
    min_coverage: float = 0.45
    synonyms: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise SettingsError(
                f"unknown BM25 variant {self.variant!r}; choose one of {', '.join(VARIANTS)}"
            )
        if self.k1 < 0:
            raise SettingsError(f"k1 must be zero or more, not {self.k1}")
        if not 0 <= self.b <= 1:
            raise SettingsError(f"b must be between 0 and 1, not {self.b}")
        if self.delta < 0 or self.epsilon < 0:
            raise SettingsError("delta and epsilon must be zero or more")
        if self.title_weight < 0 or self.section_weight < 0:
            raise SettingsError("title_weight and section_weight must be zero or more")
        if not 0 <= self.min_coverage <= 1:
            raise SettingsError(f"min_coverage must be between 0 and 1, not {self.min_coverage}")

    def index_key(self) -> str:
        """Return a digest of the settings a built index depends on (not query-time ones)."""
        data = asdict(self)
        for query_time in ("min_coverage", "synonyms"):
            data.pop(query_time)
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
