"""The bot end to end: the real discord.py client, started as `citebot run` starts it, against a
local fake Discord server. Assertions are on the REST calls the bot makes.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from botworld import (
    ADMIN,
    ALICE,
    AUTO,
    BOT,
    COMMANDS,
    EPHEMERAL,
    GUILD,
    LANDMINES,
    LANDMINES_QUOTE,
    MAINTAINERS,
    MENTION,
    MOD,
    TOKEN,
    TOKYO,
    UNLISTED,
    ask,
    assert_no_mentions_allowed,
    buttons,
    embed_of,
    endpoints_restored,
    make_fake,
    nothing_sent,
    run,
    session,
    start_citebot_run,
    started,
    write_config,
)
from fakediscord import Intent, capture_errors

from bot.config import ConfigError, load_config
from bot.discord.runner import prepare, serve

# -- Tests -----------------------------------------------------------------------------------


def test_commands_are_synced_under_their_names_and_only_when_changed(world: Path) -> None:
    async def scenario() -> None:
        with capture_errors("discord", "citebot") as errors:
            async with make_fake() as fake:
                async with started(world, fake):
                    put = await fake.wait_for_call(
                        "PUT", rf"/applications/{BOT}/guilds/{GUILD}/commands"
                    )
                    by_name = {c["name"]: c for c in put.json}
                    assert set(by_name) == {"frage", "quelle", "sources", "reindex"}
                    assert by_name["frage"]["description"] == "Ask the sources"
                    [question] = by_name["frage"]["options"]
                    assert (question["name"], question["required"]) == ("question", True)
                    [passage] = by_name["quelle"]["options"]
                    assert passage["autocomplete"] is True
                    # Roles may run /reindex, so it is not hidden behind Manage Server.
                    assert by_name["reindex"]["default_member_permissions"] is None
                    assert fake.commands() == []  # nothing global
                    assert fake.identify_intents & Intent.MESSAGE_CONTENT
                mark = len(fake.calls)
                async with started(world, fake):  # a restart with the same commands
                    await fake.wait_for_call(
                        "GET", rf"/applications/{BOT}/guilds/{GUILD}/commands", start=mark
                    )
                assert fake.calls_for("PUT", r"/applications/.*", start=mark) == []
                fake.assert_no_unknown_calls()
        errors.check()

    run(scenario())


def test_commands_are_registered_when_they_cannot_be_compared(world: Path) -> None:
    async def scenario() -> None:
        with capture_errors("discord", "citebot") as errors:
            async with make_fake() as fake:
                path = rf"/applications/{BOT}/guilds/{GUILD}/commands"
                fake.fail_next("GET", path, status=404, body={"message": "?", "code": 0})
                async with started(world, fake):
                    put = await fake.wait_for_call("PUT", path)
                    assert {c["name"] for c in put.json} == {
                        "frage",
                        "quelle",
                        "sources",
                        "reindex",
                    }
        errors.check()

    run(scenario())


def test_sources_are_listed_privately_and_paged(world: Path) -> None:
    (world / "state" / "index.cbi").unlink()
    for i in range(8):
        (world / "corpus" / f"extra{i}.md").write_text(
            f"---\ntitle: Extra document {i}\npublisher: Example\n---\n\n"
            f"This extra document number {i} exists to make the list longer than a page.\n",
            encoding="utf-8",
        )

    async def scenario() -> None:
        async with session(world) as s:
            ix = await s.fake.dispatch_interaction("sources", user=ALICE, channel_id=MENTION)
            listed = await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
            data = listed.json["data"]
            assert listed.json["type"] == 4 and data["flags"] & EPHEMERAL
            embed = embed_of(data)
            assert embed["title"] == "13 documents" and embed["footer"]["text"] == "Page 1 of 2"
            ids = buttons(data)
            assert set(ids) == {"Previous", "Next"}
            message = s.fake.interaction_original(ix)
            assert message is not None
            ix = await s.fake.dispatch_component(ids["Next"], message, user=ALICE)
            turned = await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
            assert turned.json["type"] == 7  # the same message, edited
            page = embed_of(turned.json["data"])
            assert (
                page["footer"]["text"] == "Page 2 of 2"
                and "Extra document 7" in page["description"]
            )

    run(scenario())


def test_ask_defers_then_follows_up_with_the_quote(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            followup = await ask(s, LANDMINES)
            embed = embed_of(followup.json)
            assert embed["title"] == LANDMINES
            first = embed["description"].split("\n\n")[0]
            assert first.startswith("> **[1]** ")
            assert re.sub(r"\*\*", "", first).find(LANDMINES_QUOTE) > 0
            assert "**landmine**" in first and "**killed**" in first
            assert "— Azerbaijan’s Continuation of Military Operations" in first
            assert embed["footer"]["text"] == "Full passage and citation: /quelle 1 … /quelle 3"
            assert set(buttons(followup.json)) == {"More", "👍", "👎"}
            assert not followup.json.get("flags", 0) & EPHEMERAL

    run(scenario())


def test_source_shows_the_full_paragraph_privately(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            followup = await ask(s, LANDMINES)
            ix = await s.fake.dispatch_interaction(
                "quelle", {"passage": "1"}, user=ALICE, channel_id=COMMANDS
            )
            reply = await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
            assert reply.json["type"] == 4 and reply.json["data"]["flags"] & EPHEMERAL
            embed = embed_of(reply.json["data"])
            passage = (
                s.bot.services.desk.library.searcher().source("004_00bdb56021c742e6#15").passage
            )
            assert embed["description"] == passage.text  # the whole paragraph, verbatim
            assert LANDMINES_QUOTE in embed["description"]
            fields = {f["name"]: f["value"] for f in embed["fields"]}
            assert fields["Passage"] == "`004_00bdb56021c742e6#15`"
            assert fields["File"] == "`004_00bdb56021c742e6.txt`"
            assert any(name.startswith("Before") for name in fields)
            assert "Paragraph" in fields and embed_of(followup.json)["title"] == LANDMINES

            # Someone else has no last answer here; an id works for everyone.
            ix = await s.fake.dispatch_interaction(
                "quelle", {"passage": "1"}, user=MOD, channel_id=COMMANDS
            )
            refused = await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
            assert "ask a question first" in refused.json["data"]["content"]
            ix = await s.fake.dispatch_interaction(
                "quelle", {"passage": "../../etc/passwd"}, user=MOD, channel_id=COMMANDS
            )
            refused = await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
            assert "is not a passage id" in refused.json["data"]["content"]
            assert refused.json["data"]["flags"] & EPHEMERAL

    run(scenario())


def test_source_autocomplete_offers_recent_passages(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            await ask(s, LANDMINES)
            ix = await s.fake.dispatch_autocomplete(
                "quelle", {"passage": ""}, "passage", user=ALICE, channel_id=COMMANDS
            )
            await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
            choices = s.fake.interaction_choices(ix)
            assert choices is not None and len(choices) == 3
            assert choices[0]["name"].startswith("1 · Azerbaijan’s Continuation")
            assert choices[0]["value"] == "004_00bdb56021c742e6#15"
            ix = await s.fake.dispatch_autocomplete(
                "quelle", {"passage": "003_a7"}, "passage", user=MOD, channel_id=COMMANDS
            )
            await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
            values = [c["value"] for c in s.fake.interaction_choices(ix) or []]
            assert values[:2] == ["003_a723c924b9b358b3#1", "003_a723c924b9b358b3#2"]
            assert len(values) == 25

    run(scenario())


def test_auto_channel_answers_every_message(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            sent = await s.fake.dispatch_message(AUTO, LANDMINES, author=ALICE)
            reply = await s.fake.wait_for_call("POST", rf"/channels/{AUTO}/messages")
            assert int(reply.json["message_reference"]["message_id"]) == int(sent["id"])
            assert LANDMINES_QUOTE in embed_of(reply.json)["description"].replace("**", "")
            await nothing_sent(s.fake, len(s.fake.calls))  # not its own reply

    run(scenario())


def test_mention_channel_answers_mentions_and_replies_only(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            fake = s.fake
            mark = len(fake.calls)
            await fake.dispatch_message(MENTION, LANDMINES, author=ALICE)
            await nothing_sent(fake, mark)

            await fake.dispatch_message(
                MENTION, f"<@{BOT}> {LANDMINES}", author=ALICE, mentions=[BOT]
            )
            reply = await fake.wait_for_call("POST", rf"/channels/{MENTION}/messages", start=mark)
            assert embed_of(reply.json)["title"] == LANDMINES  # the mention is not the question

            mark = len(fake.calls)
            await fake.dispatch_message(
                MENTION, TOKYO, author=ALICE, referenced_message=int(reply.response["id"])
            )
            answer = await fake.wait_for_call("POST", rf"/channels/{MENTION}/messages", start=mark)
            embed = embed_of(answer.json)
            assert embed["title"] == TOKYO
            assert embed["description"].startswith("**Not found in the sources.")
            assert set(buttons(answer.json)) == {"Closest passages"}

            mark = len(fake.calls)
            await fake.dispatch_message(MENTION, f"<@{BOT}>", author=ALICE, mentions=[BOT])
            empty = await fake.wait_for_call("POST", rf"/channels/{MENTION}/messages", start=mark)
            assert "Ask me something" in embed_of(empty.json)["description"]

            mark = len(fake.calls)
            await fake.dispatch_message(COMMANDS, f"<@{BOT}> {LANDMINES}", mentions=[BOT])
            await nothing_sent(fake, mark)  # a commands-only channel ignores messages

    run(scenario())


def test_unlisted_channel_gets_nothing_or_a_private_refusal(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            mark = len(s.fake.calls)
            await s.fake.dispatch_message(UNLISTED, f"<@{BOT}> {LANDMINES}", mentions=[BOT])
            await nothing_sent(s.fake, mark)
            ix = await s.fake.dispatch_interaction(
                "frage", {"question": LANDMINES}, user=ALICE, channel_id=UNLISTED
            )
            reply = await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
            assert reply.json["type"] == 4
            data = reply.json["data"]
            assert data["flags"] & EPHEMERAL
            assert data["content"] == (
                f"I don't answer here. Ask me in <#{AUTO}>, <#{MENTION}>, <#{COMMANDS}>."
            )

    run(scenario())


def test_mentions_in_questions_ping_no_one(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            question = f"@everyone <@&{MAINTAINERS}> **landmine** explosions killed how many?"
            reply_call = await ask(s, question)
            title = embed_of(reply_call.json)["title"]
            assert "@everyone" not in title and "@\u200beveryone" in title
            assert f"<@\u200b&{MAINTAINERS}>" in title and "\\*\\*landmine\\*\\*" in title
            await s.fake.dispatch_message(AUTO, question, author=ALICE)
            reply = await s.fake.wait_for_call("POST", rf"/channels/{AUTO}/messages")
            assert reply.json["allowed_mentions"] == {"parse": [], "replied_user": False}

    run(scenario())


def test_cooldown_is_per_user_and_friendly(world: Path) -> None:
    async def scenario() -> None:
        async with session(world, rate=2) as s:
            await ask(s, LANDMINES)
            await s.fake.dispatch_message(AUTO, LANDMINES, author=ALICE)  # shares the limit
            await s.fake.wait_for_call("POST", rf"/channels/{AUTO}/messages")
            ix = await s.fake.dispatch_interaction(
                "frage", {"question": LANDMINES}, user=ALICE, channel_id=COMMANDS
            )
            slow = await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
            assert slow.json["type"] == 4 and slow.json["data"]["flags"] & EPHEMERAL
            assert re.fullmatch(
                r"You're asking quickly: try again in \d+ s\.", slow.json["data"]["content"]
            )
            mark = len(s.fake.calls)
            await s.fake.dispatch_message(AUTO, LANDMINES, author=ALICE)
            warned = await s.fake.wait_for_call("POST", rf"/channels/{AUTO}/messages", start=mark)
            assert "try again in" in warned.json["content"]
            mark = len(s.fake.calls)
            await s.fake.dispatch_message(AUTO, LANDMINES, author=ALICE)
            await nothing_sent(s.fake, mark)  # warned once per wait, then silent
            await ask(s, LANDMINES, user=MOD)  # other people are not slowed down

    run(scenario())


def test_reindex_needs_manage_server_or_a_role_and_reports_changes(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            fake = s.fake
            ix = await fake.dispatch_interaction("reindex", user=ALICE, channel_id=COMMANDS)
            refused = await fake.wait_for_call("POST", re.escape(ix.callback_path))
            assert refused.json["type"] == 4 and refused.json["data"]["flags"] & EPHEMERAL
            assert refused.json["data"]["content"].startswith(
                "Only members with Manage Server or one of these roles"
            )

            corpus = s.world / "corpus"
            (corpus / "005_new.md").write_text(
                "---\ntitle: Ceasefire notes\n---\n\nA ceasefire was agreed after one day of "
                "fighting, the notes of the negotiators say.\n",
                encoding="utf-8",
            )
            (corpus / "000_06e4a3d4349daa13.txt").unlink()
            with (corpus / "002_95f8cc32a9bf2268.txt").open("a", encoding="utf-8") as f:
                f.write("\nThe negotiators met again in Yevlakh on Thursday afternoon.\n")

            ix = await fake.dispatch_interaction("reindex", user=MOD, channel_id=COMMANDS)
            deferred = await fake.wait_for_call("POST", re.escape(ix.callback_path))
            assert deferred.json == {"type": 5, "data": {"flags": EPHEMERAL}}
            report = await fake.wait_for_call("POST", re.escape(ix.webhook_path), timeout=30)
            assert report.json["flags"] & EPHEMERAL
            fields = {f["name"]: f["value"] for f in embed_of(report.json)["fields"]}
            assert fields["Added (1)"] == "005\\_new.md"
            assert fields["Removed (1)"] == "000\\_06e4a3d4349daa13.txt"
            assert fields["Updated (1)"] == "002\\_95f8cc32a9bf2268.txt"

            answer = await ask(s, "When was the ceasefire agreed by the negotiators?")
            assert "Ceasefire notes" in embed_of(answer.json)["description"]

            ix = await fake.dispatch_interaction("reindex", user=ADMIN, channel_id=COMMANDS)
            report = await fake.wait_for_call("POST", re.escape(ix.webhook_path), timeout=30)
            assert embed_of(report.json)["title"] == "Index rebuilt: no document changed"

    run(scenario())


def test_reindex_with_a_broken_config_keeps_serving(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            path = s.world / "citebot.yaml"
            path.write_text(path.read_text() + "retrieval: {k1: lots}\n", encoding="utf-8")
            ix = await s.fake.dispatch_interaction("reindex", user=ADMIN, channel_id=COMMANDS)
            reply = await s.fake.wait_for_call("POST", re.escape(ix.webhook_path))
            content = reply.json["content"]
            assert content.startswith("Not rebuilt; I keep serving the current index.")
            assert "retrieval.k1" in content
            followup = await ask(s, LANDMINES)
            assert LANDMINES_QUOTE in embed_of(followup.json)["description"].replace("**", "")

    run(scenario())


def test_more_votes_and_closest_buttons(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            fake = s.fake
            followup = await ask(s, LANDMINES)
            message_id = int(followup.response["id"])
            ids = buttons(followup.json)

            ix = await fake.dispatch_component(ids["More"], message_id, user=MOD)
            deferred = await fake.wait_for_call("POST", re.escape(ix.callback_path))
            assert deferred.json == {"type": 5, "data": {"flags": EPHEMERAL}}
            more = await fake.wait_for_call("POST", re.escape(ix.webhook_path))
            assert more.json["flags"] & EPHEMERAL
            assert embed_of(more.json)["description"].startswith("> **[4]** ")
            assert "More" in buttons(more.json)

            # The clicker's /quelle 4 is the first of those passages.
            ix = await fake.dispatch_interaction(
                "quelle", {"passage": "4"}, user=MOD, channel_id=COMMANDS
            )
            shown = await fake.wait_for_call("POST", re.escape(ix.callback_path))
            assert embed_of(shown.json["data"])["fields"]

            for who, vote in ((ALICE, "👍"), (MOD, "👎")):
                ix = await fake.dispatch_component(ids[vote], message_id, user=who)
                thanks = await fake.wait_for_call("POST", re.escape(ix.callback_path))
                assert thanks.json["data"]["content"].startswith("Thanks, noted " + vote)
                assert thanks.json["data"]["flags"] & EPHEMERAL

            not_found = await ask(s, TOKYO)
            ix = await fake.dispatch_component(
                buttons(not_found.json)["Closest passages"], int(not_found.response["id"])
            )
            closest = await fake.wait_for_call("POST", re.escape(ix.webhook_path))
            description = embed_of(closest.json)["description"]
            assert (
                description.startswith("*Not found in the sources.") and "> **[1]**" in description
            )

            log = s.world / "state" / "feedback.jsonl"
            records = [json.loads(line) for line in log.read_text().splitlines()]
            votes = [r for r in records if r["kind"] == "vote"]
            assert [v["vote"] for v in votes] == ["up", "down"]
            assert votes[0]["question"] == LANDMINES and len(votes[0]["passages"]) == 3
            assert votes[0]["user"] != votes[1]["user"]
            assert str(ALICE) not in log.read_text() and str(MOD) not in log.read_text()
            unanswered = [r for r in records if r["kind"] == "unanswered"]
            assert [r["question"] for r in unanswered] == [TOKYO]

    run(scenario())


def test_buttons_of_a_forgotten_answer_ask_to_ask_again(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            followup = await ask(s, LANDMINES)
            message = dict(s.fake.message(int(followup.response["id"])) or {})
            for row in message["components"]:  # as if the bot had restarted since
                for item in row["components"]:
                    item["custom_id"] = re.sub(r"[0-9a-f]{12}", "0" * 12, item["custom_id"])
            ix = await s.fake.dispatch_component(buttons(message)["👍"], message)
            reply = await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
            assert "please ask again" in reply.json["data"]["content"]

    run(scenario())


# -- The command line ------------------------------------------------------------------------


def test_run_without_a_token_names_the_variable(world: Path, capsys) -> None:
    from bot.cli import run as cli

    os.environ.pop("DISCORD_TOKEN", None)
    (world / "citebot.yaml").write_text("corpus: corpus\ndiscord: {channels: [{id: 5}]}\n")
    code = cli(["run", "--config", str(world / "citebot.yaml")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == (
        "citebot: error: the environment variable DISCORD_TOKEN is not set; put the bot token "
        "in it (Discord developer portal → your application → Bot → Reset Token)"
    )


def test_a_refused_token_is_a_config_error(world: Path) -> None:
    async def scenario() -> None:
        async with make_fake() as fake:
            config = load_config(write_config(world, fake))
            with endpoints_restored():
                bot, token = prepare(
                    config, notice=print, environ={"CITEBOT_E2E_TOKEN": "not-the-token"}
                )
                with pytest.raises(ConfigError, match="Discord refused the token in CITEBOT_E2E"):
                    await serve(bot, token, asyncio.Event())

    run(scenario())


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_citebot_run_connects_and_stops_cleanly_on_sigterm(world: Path) -> None:
    async def scenario() -> None:
        async with make_fake() as fake:
            config = write_config(world, fake)
            process = await start_citebot_run(config)
            try:
                synced = asyncio.create_task(
                    fake.wait_for_call(
                        "PUT", rf"/applications/{BOT}/guilds/{GUILD}/commands", timeout=30
                    )
                )
                exited = asyncio.create_task(process.wait())
                await asyncio.wait({synced, exited}, return_when="FIRST_COMPLETED")
                if exited.done():
                    synced.cancel()
                    stderr = (await process.stderr.read()).decode() if process.stderr else ""
                    raise AssertionError(f"citebot run exited early:\n{stderr}")
                exited.cancel()
                synced.result()
                await fake.wait_until_connected(timeout=20)
                await fake.dispatch_message(AUTO, LANDMINES, author=ALICE)
                await fake.wait_for_call("POST", rf"/channels/{AUTO}/messages", timeout=10)
                process.send_signal(signal.SIGTERM)
                out, err = await asyncio.wait_for(process.communicate(), 20)
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
            log = err.decode()
            assert process.returncode == 0, log
            assert TOKEN not in log and TOKEN not in out.decode()
            assert "registered commands in server" in log and "Traceback" not in log
            assert "[DEBUG   ] discord.gateway" in log  # the debug level was honoured
            assert_no_mentions_allowed(fake.calls)

    run(scenario())
