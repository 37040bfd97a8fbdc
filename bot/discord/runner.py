"""Start the bot as `citebot run` does: token from the environment, the index first, then connect.

`prepare` does everything that can fail before connecting (token, index, endpoints) and returns a
bot; `serve` runs it until a stop event is set; `main` adds logging, signals and exit codes.

Once the token is read, every line `citebot run` prints goes through `redact`: the log (tracebacks
included), the notices of the index build, and the last line, the error `main` raises for the
command line to print. A server that echoes the token in an error body cannot make it appear.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import re
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TextIO

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl

from bot.config import Config, ConfigError
from bot.discord.client import CitebotBot, create_bot
from bot.discord.memory import memory_path
from bot.discord.services import Services
from bot.feedback import feedback_log
from bot.library import open_library
from bot.session import Desk
from index.api import Notice
from index.build import Progress
from index.errors import CitebotError

log = logging.getLogger("citebot.discord")
REDACTED = "[token]"


class TokenMissing(ConfigError):
    """The environment variable that should hold the bot token is not set."""


class StartupError(CitebotError):
    """Discord could not be reached, or refused the connection."""


def read_token(config: Config, environ: Mapping[str, str] | None = None) -> str:
    """Return the bot token from the environment variable the config names."""
    name = config.discord.token_env
    environ = environ if environ is not None else os.environ
    portal = "Discord developer portal → your application → Bot → Reset Token"
    if name not in environ:
        raise TokenMissing(
            f"the environment variable {name} is not set; put the bot token in it ({portal})"
        )
    token = environ[name].strip()
    if not token:
        raise TokenMissing(
            f"the environment variable {name} is set but empty; put the bot token in it, e.g. "
            f"export {name}=… ({portal})"
        )
    prefix = re.match(r"(?i)(bot|bearer)\s+", token)
    if prefix:
        raise ConfigError(
            f"the environment variable {name} starts with {prefix[1]!r}: put the token alone in "
            "it, without the word before it (citebot adds what Discord needs)"
        )
    if not re.fullmatch(r"[\x21-\x7e]+", token):
        # Never show the value: it may be a real token with a stray character.
        raise ConfigError(
            f"the environment variable {name} does not hold a bot token (it has spaces, line "
            "breaks or other characters a token never has); copy the token again from the "
            "Discord developer portal"
        )
    return token


def point_at(config: Config) -> None:
    """Send discord.py's REST calls and gateway connection to the configured endpoints."""
    discord.http.Route.BASE = config.discord.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.discord.gateway)


def prepare(
    config: Config,
    *,
    corpus: os.PathLike[str] | None = None,
    index: os.PathLike[str] | None = None,
    notice: Notice,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
    guild_ready_timeout: float = 2.0,
) -> tuple[CitebotBot, str]:
    """Read the token, open (or build) the indexes and return a bot ready to start."""
    token = read_token(config, environ)
    library = open_library(
        config,
        Path(corpus) if corpus else None,
        Path(index) if index else None,
        notice=notice,
        progress=progress,
    )
    point_at(config)
    feedback = feedback_log(config.feedback_path, max_mb=config.answers.feedback_max_mb)
    desk = Desk(library, feedback=feedback)
    services = Services(desk, memory=memory_path(library))
    bot = create_bot(services, guild_ready_timeout=guild_ready_timeout)
    return bot, token


async def serve(bot: CitebotBot, token: str, stop: asyncio.Event) -> None:
    """Run the bot until `stop` is set; raise StartupError/ConfigError when it cannot start."""
    async with bot:
        running = asyncio.create_task(bot.start(token), name="citebot")
        stopping = asyncio.create_task(stop.wait(), name="citebot-stop")
        try:
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not running.done():
                await bot.close()
        try:
            await running
        except discord.LoginFailure as exc:
            raise refused_token(bot.services.config, str(exc)) from None
        except discord.PrivilegedIntentsRequired:
            raise ConfigError(
                "Discord refused the Message Content intent that `auto` and `mention` channels "
                "need: enable it in the developer portal (your application → Bot → Privileged "
                "Gateway Intents), or use only `commands` channels"
            ) from None
        except discord.ConnectionClosed as exc:
            raise gateway_closed(bot.services.config, exc.code) from None
        except (aiohttp.ClientError, OSError, discord.GatewayNotFound) as exc:
            raise StartupError(
                f"cannot reach Discord at {bot.services.config.discord.api_base}: {exc}"
            ) from None
        except discord.HTTPException as exc:
            raise StartupError(f"Discord refused to start the bot: {exc}") from None


def redact(text: str, secrets: Sequence[str]) -> str:
    """Return `text` with every secret replaced by a placeholder."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def redacted(error: CitebotError, secrets: Sequence[str]) -> CitebotError:
    """Return `error` with the secrets taken out of its message (the same error when none)."""
    text = str(error)
    clean = redact(text, secrets)
    if clean == text:
        return error
    error.args = (clean,)
    if str(error) == clean:
        return error
    # An error that builds its message itself: keep its exit code, lose its class.
    return ConfigError(clean) if isinstance(error, ConfigError) else StartupError(clean)


def refused_token(config: Config, detail: str) -> ConfigError:
    """Return the error for a token Discord refused, at login or at the gateway."""
    return ConfigError(f"Discord refused the token in {config.discord.token_env} ({detail})")


def gateway_closed(config: Config, code: int) -> CitebotError:
    """Return the error for a gateway connection Discord closed for good, by its close code."""
    if code == 4004:
        return refused_token(config, "the gateway said: authentication failed")
    if code in (4010, 4011):
        what = "an invalid shard" if code == 4010 else "sharding: the bot is in too many servers"
        return ConfigError(
            f"Discord closed the gateway connection ({code}, {what}); set discord.shard_count "
            "(and discord.shard_ids) to fit the bot's servers"
        )
    return StartupError(f"Discord closed the gateway connection (close code {code})")


class RedactingFormatter(logging.Formatter):
    """Format log records with every secret replaced, tracebacks included."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__(
            "[{asctime}] [{levelname:<8}] {name}: {message}", "%Y-%m-%d %H:%M:%S", style="{"
        )
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """Return the formatted record without secrets."""
        return redact(super().format(record), self.secrets)


def setup_logging(stream: TextIO, token: str, level: int = logging.INFO) -> None:
    """Log to `stream` through discord.py's setup, never showing the token."""
    root = logging.getLogger()
    root.handlers.clear()
    handler = logging.StreamHandler(stream)
    discord.utils.setup_logging(
        handler=handler, formatter=RedactingFormatter([token]), level=level, root=True
    )
    logging.captureWarnings(True)  # Python's warnings, too, are printed through the formatter


@contextlib.contextmanager
def _interrupt_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt while the index is built (before the event loop)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


async def _serve_until_signalled(bot: CitebotBot, token: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await serve(bot, token, stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
    if stop.is_set():
        log.info("stopped")


def main(
    config: Config,
    *,
    corpus: os.PathLike[str] | None,
    index: os.PathLike[str] | None,
    err: TextIO,
    notice: Callable[[str], None],
    progress: Progress | None,
    level: int = logging.INFO,
) -> int:
    """Run the bot until Ctrl-C or SIGTERM; return 0, or raise a CitebotError to report."""
    token = read_token(config)
    try:
        return _run(
            config,
            token,
            corpus=corpus,
            index=index,
            err=err,
            notice=notice,
            progress=progress,
            level=level,
        )
    except CitebotError as exc:
        raise redacted(exc, [token]) from None


def _run(
    config: Config,
    token: str,
    *,
    corpus: os.PathLike[str] | None,
    index: os.PathLike[str] | None,
    err: TextIO,
    notice: Callable[[str], None],
    progress: Progress | None,
    level: int,
) -> int:
    """Prepare the bot and serve until stopped (`main` with the token read)."""
    with _interrupt_on_sigterm():
        try:
            setup_logging(err, token, level)
            bot, _ = prepare(
                config,
                corpus=corpus,
                index=index,
                notice=lambda message: notice(redact(message, [token])),
                progress=progress,
            )
        except KeyboardInterrupt:
            return 0
    # What exists now (modules, the index's metadata) lives as long as the process: keep the
    # cyclic garbage collector from walking it again and again, in pauses that stall answers.
    gc.collect()
    gc.freeze()
    try:
        asyncio.run(_serve_until_signalled(bot, token))
    except KeyboardInterrupt:
        pass
    except CitebotError:
        raise
    except Exception as exc:
        # A bug or a surprise from a library: its traceback goes to the log (where the token
        # is redacted), one sentence to the user.
        log.critical("the bot stopped on an unexpected error", exc_info=True)
        raise StartupError(
            f"the bot stopped on an unexpected error ({type(exc).__name__})"
        ) from None
    return 0
