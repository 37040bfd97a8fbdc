"""The `citebot` command line: parse arguments in one place, call the library, render."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

from bot import __version__
from bot.config import Config, ConfigError, load_config
from bot.render import terminal
from index import evaluate
from index.api import open_index
from index.errors import (
    CitebotError,
    CorpusError,
    IndexFormatError,
    IndexPathError,
    UnknownPassageError,
)
from index.evaluate import EvaluationError
from index.followup import Turn, following
from index.search import QUESTION_MAX, Searcher

EXIT_OK, EXIT_UNSERVED, EXIT_USAGE = 0, 1, 2
_SURROGATE = re.compile("[\ud800-\udfff]")
log = logging.getLogger("citebot")


class UsageError(CitebotError):
    """The command line asks for something that makes no sense."""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file (citebot.yaml)")
    parser.add_argument(
        "--corpus", type=Path, metavar="DIR", help="folder of sources (or one file) to use"
    )
    parser.add_argument("--index", type=Path, metavar="PATH", help="index file to load or build")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for every citebot command."""
    parser = argparse.ArgumentParser(
        prog="citebot",
        description="Answer questions from a folder of sources with quoted, cited passages.",
    )
    parser.add_argument("--version", action="version", version=f"citebot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    ask = sub.add_parser("ask", help="answer a question with quoted passages")
    ask.add_argument(
        "question",
        nargs="+",
        help='the question (quotes optional), or "-" to read one question per line',
    )
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument(
        "--conversation",
        action="store_true",
        help='with "-": read each line after the ones before it, as a follow-up '
        '("and how many were injured?"); an empty line starts a new conversation',
    )
    ask.add_argument("--top-k", type=int, metavar="N", help="passages per answer")
    _common(ask)

    source = sub.add_parser("source", help="show a passage in full with its citation")
    source.add_argument("id", help="passage id, e.g. 001_139456bd9fc0844c#3")
    source.add_argument("--json", action="store_true", help="print JSON")
    _common(source)

    sources = sub.add_parser("sources", help="list the documents of the corpus")
    sources.add_argument("--json", action="store_true", help="print JSON")
    _common(sources)

    index = sub.add_parser("index", help="build the index or show its statistics")
    index_sub = index.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = index_sub.add_parser("build", help="(re)build the index now")
    _common(build)
    stats = index_sub.add_parser("stats", help="show what the index holds")
    stats.add_argument("--json", action="store_true", help="print JSON")
    _common(stats)

    run = sub.add_parser(
        "run", help="run the Discord bot (token from $DISCORD_TOKEN, see discord.token_env)"
    )
    run.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        default="info",
        help="how much to log (default: info)",
    )
    _common(run)

    evaluate = sub.add_parser("eval", help="measure answer quality (question file or BEIR dataset)")
    evaluate_sub = evaluate.add_subparsers(dest="kind", metavar="KIND", required=True)
    questions = evaluate_sub.add_parser(
        "questions", help="hit@1, hit@3, MRR, abstentions and follow-ups on a question file"
    )
    questions.add_argument(
        "file", type=Path, help="question file (YAML), e.g. bench/questions.yaml"
    )
    questions.add_argument("--json", action="store_true", help="print JSON")
    questions.add_argument(
        "--standalone-check",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also ask each answerable question right after the one before it and count the "
        "first passages that change (default: on for a file with dialogues)",
    )
    _common(questions)
    beir = evaluate_sub.add_parser("beir", help="nDCG@10, Recall@100 and MRR@10 on a BEIR dataset")
    beir.add_argument(
        "dataset", type=Path, metavar="DATASET_DIR", help="corpus.jsonl, queries.jsonl, qrels/"
    )
    beir.add_argument("--split", default="test", help="qrels file to score (default: test)")
    beir.add_argument("--json", action="store_true", help="print JSON")
    beir.add_argument("--config", type=Path, metavar="FILE", help="config file (citebot.yaml)")
    beir.set_defaults(corpus=None, index=None)

    chat = sub.add_parser("chat", help="talk to the bot in the terminal, no Discord needed")
    chat.add_argument(
        "--channel", type=int, metavar="ID", help="answer as in this configured channel"
    )
    _common(chat)
    return parser


class Context:
    """What every command needs: the config, where the corpus and index are, and output."""

    def __init__(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> None:
        self.config: Config = load_config(args.config)
        corpus = args.corpus.resolve() if args.corpus else self.config.corpus
        if not corpus.exists():
            raise UsageError(f"--corpus: {corpus} does not exist")
        if not (corpus.is_dir() or corpus.is_file()):
            raise UsageError(f"--corpus: {corpus} is neither a folder nor a file")
        self.corpus = corpus
        self.index_path: Path = (
            args.index.resolve() if args.index else self.config.index_for(corpus)
        )
        self.out = out
        self.err = err
        self.color = out.isatty() and not os.environ.get("NO_COLOR")

    def notice(self, message: str) -> None:
        """Print a one-line notice to stderr."""
        print(f"citebot: {terminal.plain(message)}", file=self.err)

    def searcher(self, force: bool = False, must_save: bool = False) -> Searcher:
        """Open (and if needed build) the index of the corpus."""
        return open_index(
            self.corpus,
            self.index_path,
            self.config.settings(),
            notice=self.notice,
            progress=_progress(self.err),
            force=force,
            must_save=must_save,
        )

    def emit(self, text: str) -> None:
        """Write command output."""
        self.out.write(text)

    def emit_json(self, data: object) -> None:
        """Write one JSON object on a line."""
        self.out.write(json.dumps(data, ensure_ascii=False) + "\n")


def _progress(
    err: TextIO, label: str = "indexing", unit: str = "files"
) -> Callable[[int, int], None] | None:
    if not err.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        bar = f"[{'#' * filled}{'.' * (width - filled)}]"
        err.write(f"\r{label} {bar} {done}/{total} {unit}{end}")
        err.flush()

    return show


def cmd_ask(args: argparse.Namespace, ctx: Context) -> int:
    """Answer one question, or one per line of stdin with "-"."""
    top_k = args.top_k if args.top_k is not None else ctx.config.retrieval.top_k
    if not 1 <= top_k <= 1000:
        raise UsageError("--top-k must be between 1 and 1000")
    question = " ".join(args.question)
    if args.conversation and question != "-":
        raise UsageError('--conversation reads questions from stdin: use it with "citebot ask -"')
    if question == "-":
        searcher = ctx.searcher()
        context: Turn | None = None  # with --conversation, what follow-ups lean on
        for line in _lines(sys.stdin):
            answer = searcher.search(line.strip(), top_k, context=context)
            if args.conversation:
                # An empty line starts a new conversation.
                context = following(context, answer) if answer.question else None
            if args.json:
                ctx.emit_json(answer.to_dict())
            else:
                ctx.emit(terminal.render_answer(answer, ctx.color) + "\n")
            ctx.out.flush()
        return EXIT_OK
    if len(question) > QUESTION_MAX:
        raise UsageError(
            f"the question is {len(question):,} characters long; ask it in at most "
            f"{QUESTION_MAX:,} (with -, each line of stdin longer than that is cut)"
        )
    if not question.strip():
        raise UsageError('the question is empty; ask something, e.g. citebot ask "Who is …?"')
    answer = ctx.searcher().search(question, top_k)
    if args.json:
        ctx.emit_json(answer.to_dict())
    else:
        ctx.emit(terminal.render_answer(answer, ctx.color))
    return EXIT_OK


def _lines(stream: TextIO) -> Iterator[str]:
    """Yield the lines of `stream` as text, bytes that are not UTF-8 replaced by U+FFFD."""
    raw = getattr(stream, "buffer", None)
    if raw is not None:
        for line in raw:
            yield line.decode("utf-8", "replace")
        return
    for line in stream:  # a text stream without bytes underneath (io.StringIO)
        try:  # bytes a decoder escaped come back as themselves, then are replaced
            yield line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:
            yield _SURROGATE.sub("\ufffd", line)


def cmd_source(args: argparse.Namespace, ctx: Context) -> int:
    """Show one passage with its full citation and neighbours."""
    view = ctx.searcher().source(args.id)
    if args.json:
        ctx.emit_json(view.to_dict())
    else:
        ctx.emit(terminal.render_source(view))
    return EXIT_OK


def cmd_sources(args: argparse.Namespace, ctx: Context) -> int:
    """List the documents of the index."""
    documents = ctx.searcher().documents()
    if args.json:
        ctx.emit_json({"documents": [d.to_dict() for d in documents]})
    else:
        ctx.emit(terminal.render_sources(documents))
    return EXIT_OK


def cmd_index(args: argparse.Namespace, ctx: Context) -> int:
    """Build the index, or show its statistics."""
    if args.action == "build":
        searcher = ctx.searcher(force=True, must_save=True)  # "indexed" means saved
        stats = searcher.stats()
        ctx.notice(
            f"indexed {stats.documents} documents, {stats.passages} passages "
            f"in {stats.build_seconds} s → {ctx.index_path}"
        )
        return EXIT_OK
    shown = ctx.searcher().stats().to_dict()
    shown.update(index=str(ctx.index_path), corpus=str(ctx.corpus))
    if getattr(args, "json", False):
        ctx.emit_json(shown)
    else:
        ctx.emit(terminal.render_stats(shown))
    return EXIT_OK


def cmd_run(args: argparse.Namespace, ctx: Context) -> int:
    """Run the Discord bot until Ctrl-C or SIGTERM."""
    from bot.discord import runner

    return runner.main(
        ctx.config,
        corpus=ctx.corpus,
        index=ctx.index_path,
        err=ctx.err,
        notice=ctx.notice,
        progress=_progress(ctx.err),
        level=getattr(logging, args.log_level.upper()),
    )


def cmd_chat(args: argparse.Namespace, ctx: Context) -> int:
    """Talk to the bot in the terminal: the same commands and answers, no token."""
    from bot.chat import Chat, run_chat
    from bot.feedback import feedback_log
    from bot.library import open_library
    from bot.session import Desk

    if args.channel is not None and ctx.config.channel(args.channel) is None:
        raise UsageError(f"--channel: channel {args.channel} is not in the config")
    library = open_library(
        ctx.config, ctx.corpus, ctx.index_path, notice=ctx.notice, progress=_progress(ctx.err)
    )
    desk = Desk(
        library,
        feedback=feedback_log(ctx.config.feedback_path, max_mb=ctx.config.answers.feedback_max_mb),
    )
    chat = Chat(desk, channel=args.channel, color=ctx.color)
    interactive = sys.stdin.isatty() and ctx.out.isatty()
    run_chat(chat, _prompted() if interactive else sys.stdin, ctx.out, intro=interactive)
    return EXIT_OK


def _prompted() -> Iterator[str]:
    """Yield lines typed at a prompt, with line editing, until end of input."""
    import readline  # noqa: F401 - gives input() history and editing

    while True:
        try:
            yield input("> ")
        except EOFError:
            print()
            return
        except KeyboardInterrupt:
            print()
            return


def cmd_eval(args: argparse.Namespace, ctx: Context) -> int:
    """Measure answer quality on a question file or a BEIR dataset."""
    if args.kind == "questions":
        questions = evaluate.load_questions(args.file)
        searcher = ctx.searcher()
        report = evaluate.run_questions(
            searcher,
            questions,
            progress=_progress(ctx.err, "asking", "questions"),
            standalone=args.standalone_check,
        )
        if args.json:
            ctx.emit_json({"file": str(args.file), "corpus": str(ctx.corpus), **report.to_dict()})
        else:
            ctx.emit(terminal.render_question_report(report, str(args.file), str(ctx.corpus)))
        return EXIT_OK
    dataset = evaluate.load_beir(args.dataset, args.split)
    ctx.notice(
        f"indexing {len(dataset.documents)} documents and asking {len(dataset.queries)} "
        f"queries of {dataset.name} ({args.split})…"
    )
    beir_report = evaluate.run_beir(
        dataset,
        ctx.config.settings(),
        split=args.split,
        progress=_progress(ctx.err, "asking", "queries"),
        build_progress=_progress(ctx.err),
    )
    if args.json:
        ctx.emit_json(beir_report.to_dict())
    else:
        ctx.emit(terminal.render_beir_report(beir_report))
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Context], int]] = {
    "ask": cmd_ask,
    "source": cmd_source,
    "sources": cmd_sources,
    "index": cmd_index,
    "run": cmd_run,
    "chat": cmd_chat,
    "eval": cmd_eval,
}


class _WarningFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"citebot: {record.levelname.lower()}: {terminal.plain(record.getMessage())}"


@contextlib.contextmanager
def _logging_to(err: TextIO) -> Iterator[None]:
    """Print warnings to `err` while a command runs; leave the caller's logging as it was."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    handler = logging.StreamHandler(err)
    handler.setFormatter(_WarningFormatter())
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        # A program that calls `run` (or a second run) must not keep writing to this `err`.
        for installed in root.handlers:
            if installed not in handlers:
                installed.close()
        root.handlers[:] = handlers
        root.setLevel(level)


def run(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run citebot with `argv`; return the exit code instead of raising."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its usage message
        return EXIT_OK if exc.code in (0, None) else EXIT_USAGE
    try:
        with _logging_to(err):
            ctx = Context(args, out, err)
            return COMMANDS[args.command](args, ctx)
    except UnknownPassageError as exc:
        print(f"citebot: {terminal.plain(str(exc))}", file=err)
        return EXIT_UNSERVED
    except (
        UsageError,
        ConfigError,
        CorpusError,
        IndexFormatError,
        IndexPathError,
        EvaluationError,
    ) as exc:
        print(f"citebot: error: {terminal.plain(str(exc))}", file=err)
        return EXIT_USAGE
    except CitebotError as exc:
        print(f"citebot: error: {terminal.plain(str(exc))}", file=err)
        return EXIT_UNSERVED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `citebot ask - | head`); nothing more to say.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the exit-time flush
        return EXIT_OK


def main() -> None:
    """Entry point of the `citebot` console script."""
    sys.exit(run())
