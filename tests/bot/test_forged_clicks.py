"""A button's custom id is input: every field is checked against what the bot issued.

A client can send any custom id on any message. The bot serves a click only when it is one it
could have issued (a known kind, a remembered token, the answer's channel, a "More" offset it
posted, a page that exists), answers anything else with a private sentence, applies the channel
rules to buttons as to commands, and never does more work for a click than for a question.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botworld import (
    ALICE,
    AUTO,
    EPHEMERAL,
    LANDMINES,
    MOD,
    TOKYO,
    UNLISTED,
    Session,
    ask,
    buttons,
    embed_of,
    run,
    session,
)
from fakediscord import Call

from bot.config import load_config
from bot.library import open_library
from bot.session import MORE_LIMIT, Button, Desk, ForgedClick

NOT_ISSUED = "That button doesn't match anything I posted; please ask again."


def forged(s: Session, message_id: int, custom_id: str, **changes: Any) -> dict[str, Any]:
    """Return the bot's message as a client could present it: one button with `custom_id`."""
    message = copy.deepcopy(s.fake.message(message_id))
    assert message is not None
    button = {"type": 2, "style": 2, "label": "More", "custom_id": custom_id}
    message["components"] = [{"type": 1, "components": [button]}]
    message.update(changes)
    return message


async def click(s: Session, custom_id: str, message: dict[str, Any], user: int = ALICE) -> Call:
    """Click `custom_id` on `message`; return the bot's first reply to the click."""
    ix = await s.fake.dispatch_component(custom_id, message, user=user)
    return await s.fake.wait_for_call("POST", re.escape(ix.callback_path))


def private_text(reply: Call) -> str:
    """The text of an immediate private reply (callback type 4, ephemeral)."""
    assert reply.json["type"] == 4, reply.json
    assert reply.json["data"]["flags"] & EPHEMERAL
    return reply.json["data"]["content"]


def test_a_forged_more_offset_is_refused_without_a_search(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            followup = await ask(s, LANDMINES)
            message_id = int(followup.response["id"])
            more = buttons(followup.json)["More"]
            token = more.split(":")[2]
            searches = count_searches(s)
            for offset in ("9999", "4", "0", "2"):
                custom_id = f"citebot:more:{token}:{offset}"
                reply = await click(s, custom_id, forged(s, message_id, custom_id))
                assert private_text(reply) == NOT_ISSUED
            assert searches() == 0
            # The id the bot did issue still works, and so does the one on the page it shows.
            ix = await s.fake.dispatch_component(more, message_id, user=MOD)
            page = await s.fake.wait_for_call("POST", re.escape(ix.webhook_path))
            assert embed_of(page.json)["description"].startswith("> **[4]** ")
            assert buttons(page.json)["More"] == f"citebot:more:{token}:6"
            ix = await s.fake.dispatch_component(
                buttons(page.json)["More"], int(page.response["id"]), user=MOD
            )
            page = await s.fake.wait_for_call("POST", re.escape(ix.webhook_path))
            assert embed_of(page.json)["description"].startswith("> **[7]** ")

    run(scenario())


def count_searches(s: Session) -> Callable[[], int]:
    """Count the searches the bot's desk runs from now on."""
    library = s.bot.services.desk.library
    calls = []
    for searcher in library.searchers.values():
        original = searcher.search

        def search(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            calls.append(args)
            return _original(*args, **kwargs)

        searcher.search = search  # type: ignore[method-assign]
    return lambda: len(calls)


def test_a_button_kind_the_answer_never_had_is_refused(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            answered = await ask(s, LANDMINES)
            answered_id = int(answered.response["id"])
            token = buttons(answered.json)["More"].split(":")[2]
            unanswered = await ask(s, TOKYO)
            unanswered_id = int(unanswered.response["id"])
            other = buttons(unanswered.json)["Closest passages"].split(":")[2]
            for custom_id, message_id in (
                (f"citebot:closest:{token}", answered_id),  # it was answered
                (f"citebot:vote:{other}:up", unanswered_id),  # no votes on "not found"
                (f"citebot:more:{other}:3", unanswered_id),
            ):
                reply = await click(s, custom_id, forged(s, message_id, custom_id))
                assert private_text(reply) == NOT_ISSUED
            log = s.world / "state" / "feedback.jsonl"
            assert '"kind": "vote"' not in log.read_text()

    run(scenario())


@pytest.mark.parametrize(
    "custom_id",
    [
        "citebot:delete:0123456789ab",  # an unknown kind
        "citebot:more:ZZZZ:3",  # a malformed token
        "citebot:more:0123456789ab:12345",  # an offset longer than any the bot writes
        "citebot:vote:0123456789ab:sideways",
        "citebot:page:1:next:extra",
        "something-else",
        "",
    ],
)
def test_an_id_no_button_takes_gets_a_private_reply_not_silence(
    world: Path, custom_id: str
) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            followup = await ask(s, LANDMINES)
            message_id = int(followup.response["id"])
            reply = await click(s, custom_id, forged(s, message_id, custom_id))
            assert private_text(reply) == NOT_ISSUED

    run(scenario())


def test_an_id_that_is_not_on_the_clicked_message_gets_a_private_reply(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            first = await ask(s, LANDMINES)
            second = await ask(s, LANDMINES)
            # The first answer's button, presented on the second answer's message.
            custom_id = buttons(first.json)["👍"]
            reply = await click(s, custom_id, s.fake.message(int(second.response["id"])))
            assert private_text(reply) == NOT_ISSUED

    run(scenario())


def test_buttons_follow_the_channel_rules(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            followup = await ask(s, LANDMINES)
            message_id = int(followup.response["id"])
            ids = buttons(followup.json)
            for vote in ("👍", "More"):
                elsewhere = forged(s, message_id, ids[vote], channel_id=str(UNLISTED))
                reply = await click(s, ids[vote], elsewhere)
                assert private_text(reply).startswith("I don't answer here. Ask me in")
                # A listed channel, but not the one the answer was posted in.
                other = forged(s, message_id, ids[vote], channel_id=str(AUTO))
                assert private_text(await click(s, ids[vote], other)) == NOT_ISSUED
            stray = forged(s, message_id, "citebot:nope", channel_id=str(UNLISTED))
            reply = await click(s, "citebot:nope", stray)
            assert private_text(reply).startswith("I don't answer here.")
            log = s.world / "state" / "feedback.jsonl"
            assert not log.exists() or '"kind": "vote"' not in log.read_text()

    run(scenario())


def test_a_page_of_the_document_list_that_does_not_exist_is_refused(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            followup = await ask(s, LANDMINES)  # any bot message to click on
            message_id = int(followup.response["id"])
            for custom_id in ("citebot:page:9:next", "citebot:page:-1:previous"):
                reply = await click(s, custom_id, forged(s, message_id, custom_id))
                assert private_text(reply) == NOT_ISSUED
            custom_id = "citebot:page:0:previous"  # one page: page 0 exists
            reply = await click(s, custom_id, forged(s, message_id, custom_id))
            assert reply.json["type"] == 7  # the message is updated in place

    run(scenario())


def test_clicks_that_search_count_against_the_question_limit(world: Path) -> None:
    async def scenario() -> None:
        async with session(world, rate=2) as s:
            followup = await ask(s, LANDMINES)
            ix = await s.fake.dispatch_component(
                buttons(followup.json)["More"], int(followup.response["id"])
            )
            page = await s.fake.wait_for_call("POST", re.escape(ix.webhook_path))
            reply = await click(
                s, buttons(page.json)["More"], s.fake.message(int(page.response["id"]))
            )
            assert private_text(reply).startswith("You're asking quickly: try again in")

    run(scenario())


# -- The general case, without Discord --------------------------------------------------------


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    corpus = tmp_path / "notes"
    corpus.mkdir()
    words = [f"{a}{b}" for a in ("bar", "kel", "mon", "tis", "vor") for b in "aeiou"]
    pick = random.Random(7)
    for n in range(40):
        paragraphs = (" ".join(["quokka", *pick.sample(words, 8)]) + "." for _ in range(5))
        (corpus / f"note{n:02}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    config = tmp_path / "citebot.yaml"
    config.write_text(
        "corpus: notes\nindex: idx.cbi\nanswers: {top_k: 4}\n"
        "discord: {channels: [{id: 7}, {id: 8}]}\n",
        encoding="utf-8",
    )
    library = open_library(load_config(config), notice=lambda m: None)
    return Desk(library, feedback=None)


def test_more_pages_to_the_limit_and_only_from_issued_offsets(desk: Desk) -> None:
    posted = desk.ask("quokka", channel=7, user=1)
    assert posted.more
    shown, offsets = len(posted.answer.hits), []
    while posted.more:
        offsets.append(shown)
        assert desk.issued(posted.token, Button.MORE, channel=7, shown=shown) is not None
        posted = desk.more(posted.token, shown, user=1)
        assert posted is not None
        shown += len(posted.answer.hits)
    assert offsets[-1] < MORE_LIMIT <= shown
    for offset in (shown, 9999, 1, offsets[0] + 1):
        with pytest.raises(ForgedClick):
            desk.issued(posted.token, Button.MORE, channel=7, shown=offset)
        assert desk.more(posted.token, offset, user=1).answer.hits == ()
    with pytest.raises(ForgedClick):  # the same answer, another channel
        desk.issued(posted.token, Button.MORE, channel=8, shown=offsets[0])
    with pytest.raises(ForgedClick):  # no feedback log: no vote buttons were issued
        desk.issued(posted.token, Button.VOTE, channel=7)
    assert desk.issued("0" * 12, Button.MORE, channel=7, shown=4) is None  # forgotten
