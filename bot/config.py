"""The YAML config file: schema, defaults, validation with file-and-key error messages."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from index.errors import CitebotError
from index.settings import ChunkSettings, Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NAME = "citebot.yaml"
_DEFAULTS = Settings()
_CHUNK_DEFAULTS = ChunkSettings()


class ConfigError(CitebotError):
    """The config file is missing, not YAML, or does not match the schema."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChunkConfig(_Section):
    """How long paragraphs are split into passages."""

    max_chars: int = Field(_CHUNK_DEFAULTS.max_chars, ge=200)
    min_chars: int = Field(_CHUNK_DEFAULTS.min_chars, ge=0)


class AbstainConfig(_Section):
    """When the answer is "not found in the sources"."""

    min_coverage: float = Field(_DEFAULTS.min_coverage, ge=0, le=1)


class RetrievalConfig(_Section):
    """BM25 variant and parameters, weighting, chunking and abstention."""

    top_k: int = Field(3, ge=1, le=100)
    variant: Literal["okapi", "l", "plus"] = _DEFAULTS.variant  # type: ignore[assignment]
    k1: float = Field(_DEFAULTS.k1, ge=0)
    b: float = Field(_DEFAULTS.b, ge=0, le=1)
    delta: float = Field(_DEFAULTS.delta, ge=0)
    epsilon: float = Field(_DEFAULTS.epsilon, ge=0)
    title_weight: int = Field(_DEFAULTS.title_weight, ge=0, le=10)
    section_weight: int = Field(_DEFAULTS.section_weight, ge=0, le=10)
    chunk: ChunkConfig = ChunkConfig()
    abstain: AbstainConfig = AbstainConfig()
    synonyms: dict[str, list[str]] = {}


class ConfigFile(_Section):
    """The whole config file."""

    corpus: str = "corpus"
    index: str | None = None
    retrieval: RetrievalConfig = RetrievalConfig()


class Config:
    """A validated config with its paths resolved against the config file's folder."""

    def __init__(self, data: ConfigFile, path: Path | None, base: Path) -> None:
        self.data = data
        self.path = path
        self.base = base
        self.corpus = (base / data.corpus).resolve()
        self.index = (base / data.index).resolve() if data.index else None

    @property
    def retrieval(self) -> RetrievalConfig:
        """Return the retrieval section."""
        return self.data.retrieval

    def settings(self) -> Settings:
        """Return the library settings this config asks for."""
        r = self.data.retrieval
        return Settings(
            variant=r.variant,
            k1=r.k1,
            b=r.b,
            delta=r.delta,
            epsilon=r.epsilon,
            title_weight=r.title_weight,
            section_weight=r.section_weight,
            chunk=ChunkSettings(r.chunk.max_chars, r.chunk.min_chars),
            min_coverage=r.abstain.min_coverage,
            synonyms=tuple((k, tuple(v)) for k, v in r.synonyms.items()),
        )

    def index_for(self, corpus: Path) -> Path:
        """Return where the index of `corpus` lives: the configured one or a cache file."""
        if self.index is not None and corpus == self.corpus:
            return self.index
        return cache_path(corpus)


def cache_path(corpus: Path) -> Path:
    """Return the cache location of the index of a corpus folder given on the command line."""
    root = os.environ.get("CITEBOT_CACHE") or os.environ.get("XDG_CACHE_HOME")
    folder = Path(root) / "citebot" if root else Path.home() / ".cache" / "citebot"
    resolved = corpus.resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    return folder / f"{resolved.name or 'corpus'}-{digest}.cbi"


def find_config(explicit: Path | None) -> Path | None:
    """Return the config file to use: --config, $CITEBOT_CONFIG, ./citebot.yaml, the project's."""
    if explicit is not None:
        return explicit
    env = os.environ.get("CITEBOT_CONFIG")
    if env:
        return Path(env)
    for candidate in (Path.cwd() / DEFAULT_NAME, PROJECT_ROOT / DEFAULT_NAME):
        if candidate.is_file():
            return candidate
    return None


def load_config(explicit: Path | None = None) -> Config:
    """Find, read and validate the config; raise ConfigError naming the file and key."""
    path = find_config(explicit)
    if path is None:
        return _checked(Config(ConfigFile(), None, PROJECT_ROOT), None)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: config file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from exc
    try:
        raw = yaml.safe_load(text)
        tree = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}{where}: not valid YAML: {problem}") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        data = ConfigFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc, tree)) from exc
    return _checked(Config(data, path, path.resolve().parent), tree)


def _checked(config: Config, tree: yaml.Node | None) -> Config:
    name = config.path or "default config"
    if not config.corpus.is_dir():
        line = _line_of(tree, ("corpus",))
        raise ConfigError(f"{name}{line}: corpus: folder {config.corpus} does not exist")
    try:
        config.settings()
    except CitebotError as exc:
        raise ConfigError(f"{name}: retrieval: {exc}") from exc
    return config


def _describe(path: Path, exc: ValidationError, tree: yaml.Node | None) -> str:
    error = exc.errors()[0]
    loc = tuple(str(p) for p in error["loc"])
    key = ".".join(loc) or "(top level)"
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    else:
        message = error["msg"]
        if "input" in error and not isinstance(error["input"], dict | list):
            message += f" (got {error['input']!r})"
    more = len(exc.errors()) - 1
    extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{path}{_line_of(tree, loc)}: {key}: {message}{extra}"


def _line_of(tree: yaml.Node | None, loc: tuple[str, ...]) -> str:
    """Return ", line N" for the YAML node at `loc`, when it can be found."""
    node: Any = tree
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == part:
                    line = key.start_mark.line + 1
                    node = value
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return f", line {line}" if line else ""
