"""The YAML config file: schema, defaults, validation with file-and-key error messages."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from bot.commands import COMMANDS, CommandOptions
from index.errors import CitebotError
from index.settings import ChunkSettings, NonNegative, Settings, Share, Variant, Weight, problem
from index.yamlfile import YamlError, duplicate_key, line_of, load_file

DEFAULT_NAME = "citebot.yaml"


def bundled_folder() -> Path:
    """Return the folder of the shipped `citebot.yaml` and `corpus/`: installed copy or checkout."""
    installed = Path(str(resources.files("bot") / "_bundled"))
    if (installed / DEFAULT_NAME).is_file():
        return installed
    return Path(__file__).resolve().parent.parent


BUNDLED = bundled_folder()
# An installed package carries its own copy; its state (index, feedback) must not live inside it.
_INSTALLED = BUNDLED.parent == Path(__file__).resolve().parent
_DEFAULTS = Settings()


class ConfigError(CitebotError):
    """The config file is missing, not YAML, or does not match the schema."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AbstainConfig(_Section):
    """When the answer is "not found in the sources"."""

    min_coverage: Share = _DEFAULTS.min_coverage


class RetrievalConfig(_Section):
    """BM25 variant and parameters, weighting, chunking and abstention.

    The types and ranges are the library's own (index/settings.py) and `chunk` is its
    `ChunkSettings`, so this section restates no rule; only `top_k` is the bot's.
    """

    top_k: int = Field(3, ge=1, le=100)
    variant: Variant = _DEFAULTS.variant
    k1: NonNegative = _DEFAULTS.k1
    b: Share = _DEFAULTS.b
    delta: NonNegative = _DEFAULTS.delta
    epsilon: NonNegative = _DEFAULTS.epsilon
    title_weight: Weight = _DEFAULTS.title_weight
    section_weight: Weight = _DEFAULTS.section_weight
    chunk: ChunkSettings = _DEFAULTS.chunk
    abstain: AbstainConfig = AbstainConfig()
    synonyms: dict[str, list[str]] = {}


_SNOWFLAKE_MAX = 2**64 - 1


def _snowflake(value: object) -> int:
    """Accept a Discord id as an integer (or a string of digits); refuse anything else."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= _SNOWFLAKE_MAX:
        raise ValueError(
            "expected a Discord id, a number like 123456789012345678 (turn on Developer Mode "
            "in Discord, then right-click the channel or server → Copy ID)"
        )
    return value


Snowflake = Annotated[int, BeforeValidator(_snowflake)]
ChannelMode = Literal["auto", "mention", "commands"]


class ChannelConfig(_Section):
    """A channel where the bot answers, how, and optionally from which corpus."""

    id: Snowflake
    mode: ChannelMode = "mention"
    corpus: str | None = None  # this channel's own folder of sources
    index: str | None = None  # and its index file (default: a cache file for that folder)


class DiscordConfig(_Section):
    """How to reach Discord and where to answer."""

    token_env: str = "DISCORD_TOKEN"
    api_base: str = "https://discord.com/api/v10"
    gateway: str = "wss://gateway.discord.gg"
    guilds: list[Snowflake] = []
    channels: list[ChannelConfig] = []
    # Sharding, for bots in many servers: shards in all (across every process that runs the
    # bot), and the ones this process runs; unset lets Discord choose and runs them all.
    shard_count: int | None = Field(None, ge=1)
    shard_ids: list[int] | None = None

    @field_validator("token_env")
    @classmethod
    def _variable_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError("expected the name of an environment variable, like DISCORD_TOKEN")
        return value

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError("expected an http(s) URL, like https://discord.com/api/v10")
        return value.rstrip("/")

    @field_validator("gateway")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        if not re.fullmatch(r"wss?://[^\s/]+(/\S*)?", value):
            raise ValueError("expected a websocket URL, like wss://gateway.discord.gg")
        return value

    @model_validator(mode="after")
    def _shards(self) -> DiscordConfig:
        ids = self.shard_ids
        if ids is None:
            return self
        if self.shard_count is None:
            raise ValueError("shard_ids needs shard_count, the number of shards in all")
        if not ids:
            raise ValueError("shard_ids is empty; leave it out to run every shard")
        outside = [i for i in ids if not 0 <= i < self.shard_count]
        if outside:
            raise ValueError(
                f"shard id {outside[0]} is not between 0 and {self.shard_count - 1} "
                f"(shard_count is {self.shard_count})"
            )
        if len(set(ids)) != len(ids):
            raise ValueError("shard_ids lists a shard twice")
        return self

    @model_validator(mode="before")
    @classmethod
    def _no_token_here(cls, data: Any) -> Any:
        if isinstance(data, dict) and "token" in data:
            raise ValueError(
                "the token is never read from the config file; put it in the environment "
                "variable named by discord.token_env (DISCORD_TOKEN unless set)"
            )
        return data


class _CommandsSection(_Section):
    """The slash commands: the names registered with Discord, descriptions, on or off."""

    def of(self, key: str) -> CommandOptions:
        """Return the options of the registry's command `key`."""
        options: CommandOptions = getattr(self, key)
        return options

    @model_validator(mode="after")
    def _distinct_names(self) -> _CommandsSection:
        names = [self.of(c.key).name for c in COMMANDS]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"two commands are named {twice[0]!r}; names must differ")
        return self


# One section per command of the registry (bot/commands.py), each with its defaults.
CommandsConfig = create_model(
    "CommandsConfig",
    __base__=_CommandsSection,
    **{c.key: (c.schema, c.schema()) for c in COMMANDS},
)


class CooldownConfig(_Section):
    """How many questions a user may ask per period."""

    rate: int = Field(5, ge=1, le=1000)
    per: float = Field(60.0, gt=0, le=86400)


class AnswersConfig(_Section):
    """How answers are posted."""

    top_k: int | None = Field(None, ge=1, le=10)  # default: retrieval.top_k (at most 10)
    ephemeral: bool = False  # /ask answers visible only to the asker
    cooldown: CooldownConfig = CooldownConfig()
    feedback: str | None = ".citebot/feedback.jsonl"  # JSON Lines of votes; null: keep none
    feedback_max_mb: float = Field(10.0, gt=0, le=100_000)  # rotated past this size
    followup_minutes: float = Field(10.0, ge=0, le=1440)  # a follow-up's context; 0: none
    threads: bool = False  # answer each question in a thread of its own, named after it


class ConfigFile(_Section):
    """The whole config file."""

    corpus: str = "corpus"
    index: str | None = None
    retrieval: RetrievalConfig = RetrievalConfig()
    discord: DiscordConfig = DiscordConfig()
    commands: CommandsConfig = CommandsConfig()
    answers: AnswersConfig = AnswersConfig()


@dataclass(frozen=True)
class Channel:
    """A channel of the config with its corpus and index resolved to absolute paths."""

    id: int
    mode: ChannelMode
    corpus: Path
    index: Path


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
            chunk=r.chunk,
            min_coverage=r.abstain.min_coverage,
            synonyms=tuple((k, tuple(v)) for k, v in r.synonyms.items()),
        )

    def index_for(self, corpus: Path) -> Path:
        """Return where the index of `corpus` lives: the configured one or a cache file."""
        if self.index is not None and corpus == self.corpus:
            return self.index
        return cache_path(corpus)

    @property
    def discord(self) -> DiscordConfig:
        """Return the discord section."""
        return self.data.discord

    @property
    def commands(self) -> CommandsConfig:
        """Return the commands section."""
        return self.data.commands

    @property
    def answers(self) -> AnswersConfig:
        """Return the answers section."""
        return self.data.answers

    @property
    def top_k(self) -> int:
        """Return how many passages an answer in Discord shows."""
        return self.data.answers.top_k or min(self.data.retrieval.top_k, 10)

    @property
    def feedback_path(self) -> Path | None:
        """Return the feedback log file, or None when feedback is not kept."""
        feedback = self.data.answers.feedback
        return (self.base / feedback).resolve() if feedback else None

    def channels(self) -> list[Channel]:
        """Return the configured channels with their corpus and index paths resolved."""
        return list(self._channels)

    def channel(self, channel_id: int | None) -> Channel | None:
        """Return the configured channel with this id, or None when it is not listed."""
        return self._channel_ids.get(channel_id) if channel_id is not None else None

    @cached_property
    def _channels(self) -> tuple[Channel, ...]:
        # Resolved once: the bot looks channels up for every message.
        result = []
        for c in self.data.discord.channels:
            corpus = (self.base / c.corpus).resolve() if c.corpus else self.corpus
            index = (self.base / c.index).resolve() if c.index else self.index_for(corpus)
            result.append(Channel(c.id, c.mode, corpus, index))
        return tuple(result)

    @cached_property
    def _channel_ids(self) -> dict[int, Channel]:
        found: dict[int, Channel] = {}
        for channel in self._channels:
            found.setdefault(channel.id, channel)
        return found


def cache_folder() -> Path:
    """Return citebot's cache folder (under $CITEBOT_CACHE, $XDG_CACHE_HOME or ~/.cache)."""
    root = os.environ.get("CITEBOT_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(root) / "citebot" if root else Path.home() / ".cache" / "citebot"


def cache_path(corpus: Path) -> Path:
    """Return the cache location of the index of a corpus folder given on the command line."""
    resolved = corpus.resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    return cache_folder() / f"{resolved.name or 'corpus'}-{digest}.cbi"


def find_config(explicit: Path | None) -> Path | None:
    """Return the config file to use: --config, $CITEBOT_CONFIG, ./citebot.yaml, the bundled one."""
    if explicit is not None:
        return explicit
    env = os.environ.get("CITEBOT_CONFIG")
    if env:
        return Path(env)
    for candidate in (Path.cwd() / DEFAULT_NAME, BUNDLED / DEFAULT_NAME):
        if candidate.is_file():
            return candidate
    return None


def load_config(explicit: Path | None = None) -> Config:
    """Find, read and validate the config; raise ConfigError naming the file and key."""
    path = find_config(explicit)
    if path is None:
        return _checked(Config(ConfigFile(), None, BUNDLED), None)
    try:
        document = load_file(path, "config file")
    except YamlError as exc:
        raise ConfigError(str(exc)) from exc
    raw, tree = document.data, document.tree
    twice = duplicate_key(tree)
    if twice is not None:
        key, line, first = twice
        raise ConfigError(f"{path}, line {line}: {key}: set twice (first on line {first})")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        data = ConfigFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc, tree)) from exc
    if _INSTALLED and path.resolve() == (BUNDLED / DEFAULT_NAME).resolve():
        data = _state_outside_package(data)
    return _checked(Config(data, path, path.resolve().parent), tree)


def _state_outside_package(data: ConfigFile) -> ConfigFile:
    """Return the shipped config with its index and feedback log moved to the cache folder."""
    feedback = data.answers.feedback and str(cache_folder() / "feedback.jsonl")
    answers = data.answers.model_copy(update={"feedback": feedback})
    return data.model_copy(update={"index": None, "answers": answers})


def _checked(config: Config, tree: yaml.Node | None) -> Config:
    name = config.path or "default config"
    if not config.corpus.is_dir():
        line = _line_of(tree, ("corpus",))
        raise ConfigError(f"{name}{line}: corpus: folder {config.corpus} does not exist")
    try:
        config.settings()
    except CitebotError as exc:
        raise ConfigError(f"{name}: retrieval: {exc}") from exc
    _check_channels(config, tree)
    return config


def _check_channels(config: Config, tree: yaml.Node | None) -> None:
    """Refuse a channel listed twice and a channel corpus folder that does not exist."""
    name = config.path or "default config"
    seen: set[int] = set()
    for i, (raw, channel) in enumerate(
        zip(config.discord.channels, config.channels(), strict=True)
    ):
        loc = ("discord", "channels", str(i))
        if channel.id in seen:
            line = _line_of(tree, (*loc, "id"))
            raise ConfigError(
                f"{name}{line}: discord.channels.{i}.id: channel {channel.id} is listed twice"
            )
        seen.add(channel.id)
        if raw.corpus and not channel.corpus.is_dir():
            line = _line_of(tree, (*loc, "corpus"))
            raise ConfigError(
                f"{name}{line}: discord.channels.{i}.corpus: folder {channel.corpus} does not exist"
            )


def _describe(path: Path, exc: ValidationError, tree: yaml.Node | None) -> str:
    """Return every problem of the file, each naming its line and key; one problem on one line."""
    problems = []
    for error in exc.errors():
        loc = tuple(str(p) for p in error["loc"])
        key = ".".join(loc) or "(top level)"
        problems.append(
            (line_of(tree, loc) or 0, f"{path}{_line_of(tree, loc)}: {key}: {problem(error)}")
        )
    problems.sort(key=lambda item: item[0])
    if len(problems) == 1:
        return problems[0][1]
    listed = "".join(f"\n  {text}" for _, text in problems)
    return f"{path} has {len(problems)} problems:{listed}"


def _line_of(tree: yaml.Node | None, loc: tuple[str, ...]) -> str:
    """Return ", line N" for the YAML node at `loc`, when it can be found."""
    line = line_of(tree, loc)
    return f", line {line}" if line else ""
