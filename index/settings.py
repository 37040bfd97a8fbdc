"""Retrieval settings: the knobs that change what the index holds or how it scores.

This module is the one schema of those knobs: the valid BM25 variants and every range are
declared here once, as the types of `Settings` and `ChunkSettings` (`Variant`, `NonNegative`,
`Share`, `Weight`), and pydantic is the one thing that checks them. The two classes are
pydantic dataclasses rather than models so that the library keeps plain frozen dataclasses
(`dataclasses.replace`, `asdict` for `index_key`, cheap pickling to build workers) while the
config file reuses the very same checks: `bot/config.py` types its retrieval section with
these aliases and nests `ChunkSettings` itself, so a config error keeps pydantic's location
(file, line and key) and its wording, and nothing is validated by a second, hand-written rule.
The config section keeps its own shape (`abstain.min_coverage`, `synonyms` as a mapping,
`top_k`, which is not a library setting), which is why it is a separate model at all.

Built directly (a caller of the library, a test), a bad value raises `SettingsError` (a
`ValueError`) naming the setting, what is allowed (the variants, for `variant`) and the value.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, field
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass
from pydantic_core import ErrorDetails

from index.errors import SettingsError

Variant = Literal["okapi", "l", "plus"]  # as rank_bm25 defines them (index/bm25.py)
VARIANTS: tuple[str, ...] = get_args(Variant)
NonNegative = Annotated[float, Field(ge=0)]  # k1, delta, epsilon
Share = Annotated[float, Field(ge=0, le=1)]  # b, min_coverage
Weight = Annotated[int, Field(ge=0, le=10)]  # how many times a title or heading counts
MaxChars = Annotated[int, Field(ge=200)]
MinChars = Annotated[int, Field(ge=0)]

# Unknown keys are refused; defaults are checked too, so that min_chars is compared with a
# max_chars given alone.
_SCHEMA = ConfigDict(extra="forbid", validate_default=True)

_T = TypeVar("_T")


def _settings_errors(cls: type[_T]) -> type[_T]:
    """Make direct construction raise SettingsError (nested in a config, pydantic's errors stay)."""
    init = cls.__init__

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            init(self, *args, **kwargs)
        except ValidationError as exc:
            raise SettingsError(describe(exc)) from None

    cls.__init__ = __init__  # type: ignore[method-assign]
    return cls


def describe(exc: ValidationError) -> str:
    """Return the first problem of a settings validation error as one sentence."""
    error = exc.errors()[0]
    key = ".".join(str(p) for p in error["loc"]) or "settings"
    return f"{key}: {problem(error)}"


def problem(error: ErrorDetails) -> str:
    """Return what is wrong with one value, in the words config errors use too."""
    if error["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
        return "unknown key"
    message = error["msg"].removeprefix("Value error, ")
    if "input" in error and not isinstance(error["input"], dict | list):
        message += f" (got {error['input']!r})"
    return message


@_settings_errors
@dataclass(frozen=True, config=_SCHEMA)
class ChunkSettings:
    """How paragraphs become passages."""

    max_chars: MaxChars = 1500
    min_chars: MinChars = 200  # a shorter last piece joins the one before it

    @field_validator("min_chars")
    @classmethod
    def _below_max(cls, value: int, info: ValidationInfo) -> int:
        max_chars = info.data.get("max_chars")
        if max_chars is not None and value >= max_chars:
            raise ValueError(f"Input should be less than max_chars ({max_chars})")
        return value


@_settings_errors
@dataclass(frozen=True, config=_SCHEMA)
class Settings:
    """Everything that decides how passages are built, weighted and scored."""

    # Chosen on SciFact and the bundled corpus together; README "Retrieval quality" has the
    # numbers. Plus ranks like Okapi on both but never gives a common word a zero or floored
    # idf, which in a small corpus erases words that half the passages share.
    variant: Variant = "plus"
    k1: NonNegative = 1.2
    b: Share = 0.5
    delta: NonNegative = 1.0
    epsilon: NonNegative = 0.25
    title_weight: Weight = 2  # counted with the document's opening passage only
    section_weight: Weight = 2
    chunk: ChunkSettings = field(default_factory=ChunkSettings)
    min_coverage: Share = 0.47
    synonyms: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def index_key(self) -> str:
        """Return a digest of the settings a built index depends on (not query-time ones)."""
        data = asdict(self)
        for query_time in ("min_coverage", "synonyms"):
            data.pop(query_time)
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
