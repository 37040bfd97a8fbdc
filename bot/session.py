"""What the bot and `citebot chat` do with a question, with no Discord objects involved.

A `Desk` answers questions from the current `Library`, remembers each user's last answer per
channel (so `/source 2` means passage 2 of it) and each posted answer under a short token (so the
"More", vote and "closest passages" buttons can find it). Its methods block: the bot calls them
in a worker thread. Replacing the library is one assignment, so answers in flight finish on the
index they started with.

Questions the sources do not answer are written to the feedback log here, not by a surface, so
Discord and `citebot chat` log the same; a log that cannot be written costs a warning, never the
answer.

Buttons under an answer carry its token and, for "More", how many passages were shown. A click
is served only when it is one the desk could have issued: `issued` checks the token is
remembered, the button kind fits the answer (votes and "More" on answers, "closest passages" on a
weak match), the channel is the answer's, and the offset is one a "More" button was issued at.
"More" pages through at most `MORE_LIMIT` passages, so no click asks for more work than a
question does, whatever its custom id says.

Votes are remembered with the answer they are on, for as long as the answer is: a vote is
written once per user and answer, and a change of mind writes one line that replaces the last
(see `bot/feedback.py` for why the log is never rewritten). A vote on a forgotten answer is
refused anyway, so the memory of votes lasts exactly as long as votes can be cast.

What a rebuild reports goes to people in a chat, not to the machine's owner: absolute paths in it
are shown relative to the config's folder or to a corpus folder (`corpus/sources.yaml`, not
`/home/…/corpus/sources.yaml`); the full text goes to the log.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, TypeVar

from bot.config import Config, load_config
from bot.feedback import FeedbackLog
from bot.library import Changes, Library, compare, open_library
from index.abstain import Reason
from index.api import Notice
from index.errors import CitebotError, UnknownPassageError
from index.model import Answer, DocumentInfo, Hit, SourceView
from index.search import QUESTION_MAX

log = logging.getLogger("citebot.session")
K = TypeVar("K")
V = TypeVar("V")

_NUMBER = re.compile(r"^\s*\[?#?(\d{1,4})\]?\s*$")
MORE_LIMIT = 50  # "More" pages through at most this many passages of an answer
SUGGESTIONS = 25  # Discord shows at most 25 autocomplete choices
CHOICE_MAX = 100  # ... each name and value at most 100 characters


class Recent(Generic[K, V]):
    """A thread-safe mapping that forgets its oldest entries beyond `size`."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: K, value: V) -> None:
        """Store `value` under `key` as the newest entry."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get(self, key: K) -> V | None:
        """Return the value under `key`, or None when unknown or forgotten."""
        with self._lock:
            return self._items.get(key)

    def items(self) -> list[tuple[K, V]]:
        """Return the entries, oldest first."""
        with self._lock:
            return list(self._items.items())

    def update(self, key: K, change: Callable[[V], V]) -> None:
        """Replace the value under `key` by `change(value)`, if it is still remembered."""
        with self._lock:
            if key in self._items:
                self._items[key] = change(self._items[key])


class Button(StrEnum):
    """The kinds of button the desk issues under an answer (the `<action>` of a custom id)."""

    MORE = "more"
    CLOSEST = "closest"
    VOTE = "vote"


class Voted(StrEnum):
    """What a click on a vote button did."""

    NOTED = "noted"  # a first vote on the answer: written
    CHANGED = "changed"  # a change of mind: written, replacing the last vote
    ALREADY = "already"  # the same vote again: nothing written


class ForgedClick(Exception):
    """A click on a button the bot never issued: wrong kind, channel or offset for the answer."""


@dataclass(frozen=True)
class Record:
    """A posted answer, found again by its token when a button under it is pressed."""

    token: str
    question: str
    channel: int | None
    hits: tuple[Hit, ...]  # the passages the answer showed
    answered: bool
    reason: Reason | None = None
    more_at: frozenset[int] = field(default=frozenset())  # offsets of issued "More" buttons
    votes: tuple[tuple[int, str], ...] = ()  # (user, vote): each user's latest vote on it
    context: str | None = None  # the previous question a follow-up was combined with


@dataclass(frozen=True)
class Posted:
    """An answer to post: what to render, the number of its first passage, its token."""

    answer: Answer
    start: int
    token: str
    more: bool  # whether a "More" button makes sense (the page was full)


class Desk:
    """Answer questions and passage requests for users in channels, from a Library."""

    def __init__(
        self,
        library: Library,
        *,
        feedback: FeedbackLog | None = None,
        memory: int = 5000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.library = library
        self.feedback = feedback
        self._clock = clock
        self._last: Recent[tuple[int | None, int], tuple[Hit, ...]] = Recent(memory)
        # Each user's last question per channel, with when it was asked (by `clock`).
        self._asked: Recent[tuple[int | None, int], tuple[str, float]] = Recent(memory)
        # The last question of each thread the bot started for a question, whoever asked it.
        self._threads: Recent[int, str] = Recent(memory)
        # Each answer's channel and the question a reply to it is read after; unlike the
        # records, this is small enough to be kept across a restart (`conversations`).
        self._answered: Recent[str, tuple[int | None, str]] = Recent(memory)
        self._records: Recent[str, Record] = Recent(memory)
        self._messages: Recent[int, str] = Recent(memory)  # a posted message's answer token
        self._rebuild_lock = threading.Lock()
        self._vote_lock = threading.Lock()

    @property
    def config(self) -> Config:
        """Return the config in force."""
        return self.library.config

    @property
    def top_k(self) -> int:
        """Return the passages per answer."""
        return self.library.config.top_k

    # -- Questions ---------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        *,
        channel: int | None,
        user: int,
        reply_to: str | None = None,
        thread: int | None = None,
    ) -> Posted:
        """Answer a question asked by `user` in `channel` and remember the answer.

        A question that leans on the previous one ("and how many were injured?",
        `index.followup`) is answered in its context: the question of the answer with token
        `reply_to` when the user replies to one, whoever asked it; otherwise the user's last
        question in the channel, when asked within `answers.followup_minutes`. The question
        remembered for the next follow-up is the one that stands alone, so "and when?" after
        "and how many were injured?" still reads after the first question.

        `thread` is a thread the bot started for a question (`thread_started`), in `channel`:
        there the context is the thread's last question, whoever asked it and however long
        ago — the thread is the conversation.
        """
        library = self.library
        context = self.context(channel=channel, user=user, reply_to=reply_to, thread=thread)
        searcher = library.searcher(channel)
        answer = _checked(library, channel, searcher.search(question, self.top_k, context=context))
        token = secrets.token_hex(6)
        if self.config.answers.followup_minutes > 0 and answer.reason != Reason.EMPTY:
            standalone = answer.context or answer.question
            self._answered.put(token, (channel, standalone))
            if thread is None:
                self._asked.put((channel, user), (standalone, self._clock()))
            else:
                self._threads.put(thread, standalone)
        shown = len(answer.hits)
        more = answer.answered and shown >= self.top_k and shown < MORE_LIMIT
        record = Record(
            token,
            answer.question,
            channel,
            answer.hits,
            answer.answered,
            answer.reason,
            frozenset({shown}) if more else frozenset(),
            context=answer.context,
        )
        self._records.put(token, record)
        if answer.hits:
            self._last.put((channel, user), answer.hits)
        if not answer.answered and answer.reason != Reason.EMPTY:
            self._log_unanswered(answer, channel=channel, user=user)
        return Posted(answer, 1, token, more)

    def context(
        self,
        *,
        channel: int | None,
        user: int,
        reply_to: str | None = None,
        thread: int | None = None,
    ) -> str | None:
        """Return the question a follow-up by `user` in `channel` (or in the bot's `thread`
        there) would be read after, or None."""
        minutes = self.config.answers.followup_minutes
        if minutes <= 0:
            return None
        if reply_to is not None:
            answered = self._answered.get(reply_to)
            if answered is not None and answered[0] == channel:
                return answered[1]
        if thread is not None:
            return self._threads.get(thread)
        last = self._asked.get((channel, user))
        if last is None or self._clock() - last[1] > minutes * 60:
            return None
        return last[0]

    def _log_unanswered(self, answer: Answer, *, channel: int | None, user: int) -> None:
        if self.feedback is None:
            return
        try:
            self.feedback.unanswered(
                question=answer.question,
                reason=answer.reason,
                passages=[hit.passage.id for hit in answer.hits],
                user_id=user,
                channel=channel,
            )
        except OSError as exc:
            log.warning("could not write the feedback log %s: %s", self.feedback.path, exc)

    def thread_started(self, thread: int, token: str) -> None:
        """Make the question of the answer with `token` the context of the thread started for it."""
        answered = self._answered.get(token)
        if answered is not None:
            self._threads.put(thread, answered[1])

    def posted_as(self, message_id: int, token: str) -> None:
        """Remember that the answer with `token` was posted as message `message_id`."""
        self._messages.put(message_id, token)

    def token_of(self, message_id: int) -> str | None:
        """Return the token of the answer posted as message `message_id`, if remembered."""
        return self._messages.get(message_id)

    def conversations(self) -> dict[str, list[list[Any]]]:
        """Return what replies and threads are read after, as JSON-able lists, oldest first.

        `answers`: [message id, channel, question] of each posted answer still remembered;
        `threads`: [thread id, question]. No user is named: a reply is read after the
        answer's question whoever replies, and a thread's context is everyone's.
        """
        answers = []
        for message, token in self._messages.items():
            answered = self._answered.get(token)
            if answered is not None:
                answers.append([message, answered[0], answered[1]])
        threads = [[thread, question] for thread, question in self._threads.items()]
        return {"answers": answers, "threads": threads}

    def restore(self, data: object) -> int:
        """Take back what `conversations` returned before a restart; return the entries taken.

        Entries that are not as `conversations` writes them are left out, one by one.
        """
        if not isinstance(data, dict):
            return 0
        taken = 0
        for entry in _entries(data.get("answers"), 3):
            message, channel, question = entry
            if _snowflake(message) and (channel is None or _snowflake(channel)) and _text(question):
                token = secrets.token_hex(6)  # a token no button carries: it has no record
                self._answered.put(token, (channel, question))
                self._messages.put(message, token)
                taken += 1
        for entry in _entries(data.get("threads"), 2):
            thread, question = entry
            if _snowflake(thread) and _text(question):
                self._threads.put(thread, question)
                taken += 1
        return taken

    def record(self, token: str) -> Record | None:
        """Return the posted answer with this token, if it is still remembered."""
        return self._records.get(token)

    def issued(
        self, token: str, button: Button, *, channel: int | None, shown: int = 0
    ) -> Record | None:
        """Return the answer a click is for; None when forgotten, ForgedClick when never issued.

        `shown` is the offset of a "More" button: the number of passages shown above it.
        """
        record = self._records.get(token)
        if record is None:
            return None
        if record.channel != channel:
            raise ForgedClick(f"answer {token} was posted in another channel")
        if button is Button.MORE:
            fits = record.answered and shown in record.more_at
        elif button is Button.CLOSEST:
            fits = not record.answered and record.reason == Reason.WEAK_MATCH and bool(record.hits)
        else:
            fits = record.answered and self.feedback is not None
        if not fits:
            raise ForgedClick(f"answer {token} has no {button} button at {shown}")
        return record

    def vote(self, token: str, vote: str, *, user: int) -> Voted | None:
        """Log a user's vote on an answer once; None when forgotten or no log is kept.

        The same vote again writes nothing (`Voted.ALREADY`); a change of mind writes a line
        replacing the last (`Voted.CHANGED`).
        """
        if self.feedback is None:
            return None
        with self._vote_lock:  # one user's clicks must not both see "no vote yet"
            record = self._records.get(token)
            if record is None:
                return None
            previous = dict(record.votes).get(user)
            if previous == vote:
                return Voted.ALREADY
            self.feedback.vote(
                question=record.question,
                passages=[hit.passage.id for hit in record.hits],
                user_id=user,
                vote=vote,
                channel=record.channel,
                answer=token,
                replaces=previous,
            )
            votes = (*((u, v) for u, v in record.votes if u != user), (user, vote))
            self._records.update(token, lambda r: replace(r, votes=votes))
        return Voted.NOTED if previous is None else Voted.CHANGED

    def more(self, token: str, shown: int, *, user: int) -> Posted | None:
        """Return the passages after the first `shown` of an answer, or None if forgotten.

        Only an offset a "More" button was issued at is searched; any other gets an empty page.
        """
        record = self._records.get(token)
        if record is None:
            return None
        if shown not in record.more_at:
            empty = Answer(
                record.question, record.answered, (), record.reason, context=record.context
            )
            return Posted(empty, shown + 1, token, False)
        k = self.top_k
        library = self.library
        searcher = library.searcher(record.channel)
        answer = searcher.search(record.question, shown + k, context=record.context)
        hits = answer.hits[shown:]
        self._last.put((record.channel, user), answer.hits)
        # Passages keep their numbers (shown + 1, …); so do the ranks of differing figures.
        conflicts = tuple(
            c for c in answer.conflicts if all(claim.rank > shown for claim in c.claims)
        )
        page = replace(answer, hits=hits, conflicts=conflicts)
        after = shown + len(hits)
        more = len(hits) >= k and after < MORE_LIMIT
        if more:
            self._records.update(token, lambda r: replace(r, more_at=r.more_at | {after}))
        return Posted(_checked(library, record.channel, page), shown + 1, token, more)

    def closest(self, token: str, *, user: int) -> Posted | None:
        """Return the closest passages of an answer that was not found, or None if forgotten."""
        record = self._records.get(token)
        if record is None:
            return None
        library = self.library
        searcher = library.searcher(record.channel)
        answer = searcher.search(record.question, self.top_k, context=record.context)
        self._last.put((record.channel, user), answer.hits)
        return Posted(_checked(library, record.channel, answer), 1, token, False)

    # -- Passages ----------------------------------------------------------------------------

    def source(self, reference: str, *, channel: int | None, user: int) -> SourceView:
        """Return passage `reference`: a number of the user's last answer, or a passage id."""
        searcher = self.library.searcher(channel)
        match = _NUMBER.match(reference)
        if match:
            n = int(match[1])
            last = self._last.get((channel, user)) or ()
            if not last:
                raise UnknownPassageError(
                    f"there is no passage {n}: ask a question first, then pick one of its passages"
                )
            if not 1 <= n <= len(last):
                raise UnknownPassageError(
                    f"your last answer here has passages 1 to {len(last)}; there is no {n}"
                )
            reference = last[n - 1].passage.id
        return searcher.source(reference.strip())

    def changed(self, view: SourceView, *, channel: int | None) -> bool:
        """Return whether the file of a passage changed since its index was built."""
        hit = Hit(view.passage, 0.0, view.passage.text, (), view.source)
        return bool(self.library.stale(channel, [hit]))

    def suggest(self, current: str, *, channel: int | None, user: int) -> list[tuple[str, str]]:
        """Return (label, value) choices for a passage being typed: recent ones, then ids."""
        current = current.strip()
        choices: list[tuple[str, str]] = []
        for n, hit in enumerate(self._last.get((channel, user)) or (), 1):
            label = f"{n} · {hit.passage.title} ¶{hit.passage.paragraph} — {hit.quote}"
            value = hit.passage.id if len(hit.passage.id) <= CHOICE_MAX else str(n)
            if not current or str(n) == current or hit.passage.id.startswith(current):
                choices.append((_cut(" ".join(label.split()), CHOICE_MAX), value))
        if current and not current.isdigit():
            taken = {value for _, value in choices}
            for pid, title in self._ids(current, channel):
                if len(choices) >= SUGGESTIONS:
                    break
                if pid not in taken:
                    choices.append((_cut(f"{pid} · {title}", CHOICE_MAX), pid))
        return choices[:SUGGESTIONS]

    def _ids(self, prefix: str, channel: int | None) -> Iterator[tuple[str, str]]:
        """Yield (passage id, title) of the passages whose id starts with `prefix`."""
        for doc in self.library.searcher(channel).documents():
            stem = f"{doc.doc}#"  # a name may hold "#" itself: compare whole stems
            # What is typed has lost the spaces a name may begin with.
            typed = stem if stem.startswith(prefix) or prefix.startswith(stem) else stem.lstrip()
            if typed.startswith(prefix) or prefix.startswith(typed):
                for i in range(1, doc.passages + 1):
                    pid = f"{stem}{i}"
                    if f"{typed}{i}".startswith(prefix) and len(pid) <= CHOICE_MAX:
                        yield pid, doc.title

    def documents(self, *, channel: int | None) -> list[DocumentInfo]:
        """Return the documents a channel answers from."""
        return self.library.searcher(channel).documents()

    # -- Rebuilding --------------------------------------------------------------------------

    def rebuild(self, *, notice: Notice, reload: Callable[[], Config] | None = None) -> Changes:
        """Reload the config, rebuild stale indexes, swap them in and report what changed.

        Raises ConfigError when the config file is broken now: the running library stays.
        """
        if not self._rebuild_lock.acquire(blocking=False):
            raise RebuildRunning
        try:
            old = self.library
            started = time.perf_counter()
            overridden = old.corpus != old.config.corpus  # a folder given on the command line
            configs = [old.config]
            try:
                config = reload() if reload else reload_config(old.config)
                configs.append(config)
                corpus = old.corpus if overridden else None
                index = old.index if overridden else None
                new = open_library(config, corpus, index, notice=notice)
            except CitebotError as exc:
                log.warning("not rebuilt: %s", exc)
                folders = _rebuild_folders(configs, [old])
                raise RebuildRefused(shown_paths(str(exc), **folders)) from exc
            self.library = new
            changes = compare(old, new, time.perf_counter() - started)
            folders = _rebuild_folders(configs, [old, new])
            warnings = tuple(shown_paths(w, **folders) for w in changes.warnings)
            if _restart_needed(old.config, new.config):
                note = "Changes to commands, guilds or the cooldown take effect after a restart."
                warnings = (*warnings, note)
            return replace(changes, warnings=warnings)
        finally:
            self._rebuild_lock.release()


class RebuildRunning(Exception):
    """A rebuild was asked for while another one runs."""


class RebuildRefused(CitebotError):
    """The config or a corpus is broken now: the running index keeps serving."""


def _restart_needed(old: Config, new: Config) -> bool:
    """Return whether the new config changes what only a restart applies."""
    before, after = old.data, new.data
    return (
        before.commands != after.commands
        or before.discord.model_copy(update={"channels": []})
        != after.discord.model_copy(update={"channels": []})
        or before.answers.cooldown != after.answers.cooldown
    )


def shown_paths(text: str, *, configs: Iterable[Path], corpora: Iterable[Path]) -> str:
    """Return `text` with absolute paths made relative to a config folder or a corpus folder.

    What is under a config folder is shown relative to it (`citebot.yaml`, `corpus/sources.yaml`);
    what is under a corpus folder elsewhere, from that folder's name (`handbook/sources.yaml` for
    `/srv/handbook/sources.yaml`). Other text is left as it is.
    """
    config_forms = {form for folder in configs for form in _forms(folder)}
    labels = {form: "" for form in config_forms}
    for folder in corpora:
        for form in _forms(folder):
            if not any(_under(form, c) for c in config_forms):
                labels.setdefault(form, folder.name)
    if not labels:
        return text
    sep = re.escape(os.sep)
    names = "|".join(re.escape(form) for form in sorted(labels, key=len, reverse=True))
    # A folder's own path ends where a path would: at a separator, a space, punctuation, the end.
    pattern = re.compile(rf"({names})(?:({sep})|(?=$|[\s:,;)\]'\"`]|\.(?:\s|$)))")

    def relabel(match: re.Match[str]) -> str:
        label = labels[match[1]]
        if match[2]:
            return label + match[2] if label else ""
        return label or "."

    return pattern.sub(relabel, text)


def _forms(folder: Path) -> set[str]:
    """Return the ways a folder's absolute path may be written (as given, and resolved)."""
    forms = {str(folder), str(folder.resolve())}
    return {f for f in forms if Path(f).is_absolute() and Path(f) != Path(f).parent}


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _rebuild_folders(
    configs: Iterable[Config], libraries: Iterable[Library]
) -> dict[str, list[Path]]:
    """Return the config folders and corpus folders a rebuild's report may name."""
    configs = list(configs)
    corpora = [folder for library in libraries for folder in library.corpora()]
    corpora += [c.corpus for c in configs] + [ch.corpus for c in configs for ch in c.channels()]
    folders = [f for c in configs if c.path is not None for f in (c.base, c.path.absolute().parent)]
    return {"configs": folders, "corpora": corpora}


def reload_config(config: Config) -> Config:
    """Read the config file again (the defaults when it came from no file)."""
    return load_config(config.path) if config.path else config


def _checked(library: Library, channel: int | None, answer: Answer) -> Answer:
    """Return the answer with the passages whose file changed since indexing marked stale."""
    stale = library.stale(channel, answer.hits)
    return replace(answer, stale=stale) if stale else answer


def _entries(value: object, size: int) -> Iterator[list[Any]]:
    """Yield the lists of `size` values in `value`, a list (anything else yields nothing)."""
    if isinstance(value, list):
        for entry in value:
            if isinstance(entry, list) and len(entry) == size:
                yield entry


def _snowflake(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**64


def _text(value: object) -> bool:
    """Return whether `value` is a question as one is kept: text, searched in full."""
    return isinstance(value, str) and 0 < len(value) <= QUESTION_MAX


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
