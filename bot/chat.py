"""`citebot chat`: the bot's conversation in a terminal, with the same commands and answers.

The commands are those of the registry (`bot/commands.py`) that have a chat help line, each
under its configured name and its registry key; `/more`, `/help` and `/quit` are chat's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TextIO

from bot.commands import COMMANDS
from bot.render import terminal, wording
from bot.session import Desk, Posted
from index.abstain import Reason
from index.errors import UnknownPassageError

USER = 0  # the one person at the terminal

HELP_HEAD = "Ask a question, or use a command:"
OWN_COMMANDS = (  # chat's own, after the registry's
    ("/more", "the next passages of the last answer"),
    ("/help", "this text (help works too)"),
    ("/quit", "leave (quit, exit or Ctrl-D too)"),
)
BARE = {"quit": "quit", "exit": "quit", "help": "help"}  # words that are commands on their own


@dataclass
class _Last:
    token: str
    shown: int


class Chat:
    """One terminal session: each input line in, the text the bot would answer out."""

    def __init__(self, desk: Desk, *, channel: int | None = None, color: bool = False) -> None:
        self.desk = desk
        self.channel = channel
        self.color = color
        self._last: _Last | None = None
        callbacks: dict[str, Callable[[str], str]] = {
            "ask": self._ask,
            "source": self._source,
            "sources": self._sources,
        }
        # A command answers to its registry key and to its configured name; the first
        # command of the registry wins a word two of them claim.
        self.commands: dict[str, Callable[[str], str]] = {}
        for command in COMMANDS:
            if command.chat_help is not None:
                for word in (command.key, self._name(command.key)):
                    self.commands.setdefault(word, callbacks[command.key])

    def _name(self, key: str) -> str:
        return self.desk.config.commands.of(key).name

    def help(self) -> str:
        """Return the list of commands, under their configured names."""
        rows = [
            (f"/{self._name(c.key)} {c.usage}".rstrip(), c.chat_help)
            for c in COMMANDS
            if c.chat_help is not None
        ]
        rows.extend(OWN_COMMANDS)
        column = max(len(usage) for usage, _ in rows) + 2
        lines = [f"  {usage:<{column}}{text}" for usage, text in rows]
        return "\n".join([HELP_HEAD, *lines]) + "\n"

    def handle(self, line: str) -> str | None:
        """Return the reply to one input line; None means the session ends."""
        line = line.strip()
        if not line:
            return ""
        if line.lower() in BARE:
            line = "/" + BARE[line.lower()]
        if not line.startswith("/"):
            return self._ask(line)
        name, _, rest = line[1:].partition(" ")
        name, rest = name.lower(), rest.strip()
        if name in ("quit", "exit", "q"):
            return None
        if name in ("help", "h", "?"):
            return self.help()
        if name in self.commands:
            return self.commands[name](rest)
        if name == "more":
            return self._more()
        return f"Unknown command /{terminal.plain(name)}. Type /help for the commands.\n"

    def _render(self, posted: Posted) -> str:
        hint = f"Full passage: /{self._name('source')} N"
        return terminal.render_answer(posted.answer, self.color, start=posted.start, hint=hint)

    def _ask(self, question: str) -> str:
        if not question:
            return wording.reason(Reason.EMPTY) + "\n"
        posted = self.desk.ask(question, channel=self.channel, user=USER)
        self._last = _Last(posted.token, len(posted.answer.hits))
        return self._render(posted)

    def _more(self) -> str:
        if self._last is None:
            return "Ask a question first; /more shows the passages after its answer.\n"
        posted = self.desk.more(self._last.token, self._last.shown, user=USER)
        if posted is None or not posted.answer.hits:
            return wording.NO_MORE + "\n"
        self._last.shown += len(posted.answer.hits)
        return self._render(posted)

    def _source(self, reference: str) -> str:
        if not reference:
            name = self._name("source")
            return f"Which passage? /{name} 2 for passage 2 of the last answer, or a passage id.\n"
        try:
            view = self.desk.source(reference, channel=self.channel, user=USER)
        except UnknownPassageError as exc:
            return f"{terminal.plain(str(exc))}\n"
        stale = self.desk.changed(view, channel=self.channel)
        return terminal.render_source(view, stale=stale)

    def _sources(self, rest: str) -> str:
        return terminal.render_sources(self.desk.documents(channel=self.channel))


def run_chat(chat: Chat, lines: Iterable[str], out: TextIO, *, intro: bool = False) -> None:
    """Answer each line of `lines` until they end or the user quits."""
    if intro:
        out.write("Ask a question, or type /help for the commands and /quit to leave.\n")
        out.flush()
    for line in lines:
        reply = chat.handle(line)
        if reply is None:
            break
        if reply:
            out.write(reply.rstrip("\n") + "\n\n")
            out.flush()
