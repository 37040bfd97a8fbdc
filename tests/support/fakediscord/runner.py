"""Running a test's event loop strictly, and failing on errors discord.py only logs.

:func:`run_checked` runs a scenario in a fresh loop and fails on leaked tasks, unclosed
resources and exceptions nobody retrieved; :func:`capture_errors` collects ERROR records
(discord.py logs an exception in an event handler instead of raising it).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import warnings
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


class ErrorLog(logging.Handler):
    """Collects ERROR records (discord.py logs exceptions in handlers instead of raising them)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Store the record."""
        self.records.append(record)

    def exceptions(self) -> list[BaseException]:
        """The exceptions attached to the collected records."""
        return [r.exc_info[1] for r in self.records if r.exc_info and r.exc_info[1] is not None]

    def clear(self) -> None:
        """Forget collected records (after a test asserted on expected errors)."""
        self.records.clear()

    def check(self) -> None:
        """Raise AssertionError describing the collected records, if any."""
        if not self.records:
            return
        formatter = logging.Formatter("%(name)s: %(message)s")
        text = "\n".join(formatter.format(r) for r in self.records)
        raise AssertionError(f"errors were logged:\n{text}")


@contextlib.contextmanager
def capture_errors(*logger_names: str) -> Iterator[ErrorLog]:
    """Attach an :class:`ErrorLog` to the given loggers (default: ``discord``) while active."""
    names = logger_names or ("discord",)
    handler = ErrorLog()
    loggers = [logging.getLogger(n) for n in names]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def run_checked(main: Coroutine[Any, Any, T], *, timeout: float = 30.0) -> T:
    """Run ``main`` in a fresh event loop and fail on leaked tasks or unclosed resources."""
    problems: list[str] = []

    def on_loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        problems.append(f"{context.get('message')}{f' ({exc!r})' if exc else ''}")

    async def wrapper() -> T:
        asyncio.get_running_loop().set_exception_handler(on_loop_error)
        result = await asyncio.wait_for(main, timeout)
        await asyncio.sleep(0)
        current = asyncio.current_task()
        pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
        if pending:
            problems.append(f"tasks still pending at the end: {pending!r}")
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        return result

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with asyncio.Runner() as runner:
            result = runner.run(wrapper())
            gc.collect()
            runner.run(asyncio.sleep(0))
        gc.collect()
    problems.extend(str(w.message) for w in caught if issubclass(w.category, ResourceWarning))
    if problems:
        raise AssertionError("unclean asyncio shutdown:\n" + "\n".join(problems))
    return result
