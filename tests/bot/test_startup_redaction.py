"""Every line `citebot run` prints is redacted, the last one too; `/reindex` shows no absolute path.

The token may come back from anywhere: a proxy or a broken endpoint that echoes the request in its
error body, a notice, an error raised before the bot connects. Whatever the line, it reaches the
terminal without the token. `/reindex` replies go to a chat: paths in them are relative to the
config's folder or to a corpus folder, never the machine's absolute ones.
"""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest
from botworld import (
    ADMIN,
    COMMANDS,
    TOKEN,
    Session,
    citebot_run_to_end,
    make_fake,
    run,
    session,
    write_config,
)

from bot.config import load_config
from bot.discord import runner
from bot.session import shown_paths
from index.api import Notice
from index.errors import CorpusError

SECRET = "MTQwMDAw.ECHOEDPART.never-shown"


@pytest.mark.parametrize("status", [400, 403])
def test_an_endpoint_echoing_the_token_in_its_error_gets_it_printed_nowhere(
    world: Path, status: int
) -> None:
    async def scenario() -> tuple[int, str]:
        async with make_fake() as fake:
            config = write_config(world, fake)
            body = {"message": f"bad request from Bot {SECRET}", "code": 50014}
            fake.fail_next("GET", "/users/@me", status=status, body=body)
            return await citebot_run_to_end(config, token=SECRET)

    code, output = asyncio.run(scenario())
    last = output.splitlines()[-1]
    assert code == 1
    assert last.startswith("citebot: error: Discord refused to start the bot: ")
    assert "bad request from Bot [token]" in last
    assert "ECHOEDPART" not in output and "Traceback" not in output


def test_every_line_of_a_failed_start_is_redacted(
    world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The general case: a notice and the error raised before connecting, not only the log."""
    config = load_config(world / "citebot.yaml")
    monkeypatch.setenv(config.discord.token_env, SECRET)

    def echoing_library(*args: object, notice: Notice, **kwargs: object) -> None:
        notice(f"rebuilding for {SECRET}")
        raise CorpusError(f"cannot index for {SECRET}")

    monkeypatch.setattr(runner, "open_library", echoing_library)
    err, notices = io.StringIO(), []
    with pytest.raises(CorpusError) as raised:
        runner.main(config, corpus=None, index=None, err=err, notice=notices.append, progress=None)
    assert str(raised.value) == "cannot index for [token]"
    assert notices == ["rebuilding for [token]"]
    assert SECRET not in err.getvalue()


def test_a_redacted_error_keeps_its_class_and_an_untouched_one_is_the_same() -> None:
    error = CorpusError("nothing secret")
    assert runner.redacted(error, [SECRET]) is error
    echoed = runner.redacted(CorpusError(f"a {SECRET} b"), [SECRET])
    assert isinstance(echoed, CorpusError) and str(echoed) == "a [token] b"


# -- /reindex ---------------------------------------------------------------------------------


async def reindex_reply(s: Session) -> str:
    ix = await s.fake.dispatch_interaction("reindex", user=ADMIN, channel_id=COMMANDS)
    reply = await s.fake.wait_for_call("POST", re.escape(ix.webhook_path), timeout=30)
    content = reply.json.get("content") or repr(reply.json.get("embeds"))
    return content.replace("\\", "")  # as read: without the Markdown escapes


def test_reindex_warns_of_a_broken_sources_yaml_without_its_folder(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            (world / "corpus" / "sources.yaml").write_text("a: [unclosed\n", encoding="utf-8")
            content = await reindex_reply(s)
            # The rest of the corpus is indexed; the report's warning names the file relatively.
            assert "Index rebuilt" in content and "sources.yaml" in content
            assert str(world) not in content and str(world.resolve()) not in content

    run(scenario())


def test_reindex_names_a_broken_config_by_its_relative_path(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            config = world / "citebot.yaml"
            config.write_text(config.read_text() + "retrieval: {k1: -3}\n", encoding="utf-8")
            content = await reindex_reply(s)
            assert re.search(r"current index\. citebot\.yaml, line \d+: retrieval\.k1:", content)
            assert str(world) not in content and str(world.resolve()) not in content
            assert TOKEN not in content

    run(scenario())


def test_paths_are_shown_from_the_config_folder_or_the_corpus_folder(tmp_path: Path) -> None:
    """The general case: under the config folder, under a corpus elsewhere, and the folders."""
    home, handbook = tmp_path / "bot", tmp_path / "srv" / "handbook"
    folders = {"configs": [home], "corpora": [home / "corpus", handbook]}
    text = (
        f"{home}/citebot.yaml, line 3: corpus: folder {home}/missing does not exist; "
        f"{handbook}/sources.yaml: bad; {handbook}: empty; {home}. {tmp_path}/srv/handbook2/x"
    )
    assert shown_paths(text, **folders) == (
        "citebot.yaml, line 3: corpus: folder missing does not exist; "
        f"handbook/sources.yaml: bad; handbook: empty; .. {tmp_path}/srv/handbook2/x"
    )
    assert shown_paths("no path here", **folders) == "no path here"
