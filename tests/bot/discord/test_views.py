"""`answer_message` and the buttons: the embeds and components an answer is posted with.

The custom ids are a contract with messages already posted (buttons must work after a restart):
the exact strings are written out here.
"""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest

from bot.discord.services import Services
from bot.discord.views import (
    BUTTONS,
    ClosestButton,
    MoreButton,
    PageButton,
    VoteButton,
    answer_message,
    sources_message,
)
from bot.session import Posted

LANDMINES = "How many people were killed by the landmine explosions?"
TOKYO = "What is the population of Tokyo?"
TOKEN = "0123456789ab"


def components(message: dict[str, Any]) -> list[dict[str, Any]]:
    view = message["view"]
    if view is discord.utils.MISSING:
        return []
    return [c for row in view.to_components() for c in row["components"]]


def asked(services: Services, question: str) -> Posted:
    return services.desk.ask(question, channel=None, user=1)


def test_an_answer_has_more_and_vote_buttons(services: Services) -> None:
    posted = asked(services, LANDMINES)
    message = answer_message(posted, source_command="quelle", votes=True)
    embed = message["embed"].to_dict()
    assert embed["title"].startswith("How many people were killed")
    assert "six people" in embed["description"].replace("**", "")
    assert "/quelle" in embed["footer"]["text"]
    ids = [c["custom_id"] for c in components(message)]
    token = posted.token
    assert ids == [
        f"citebot:more:{token}:3",
        f"citebot:vote:{token}:up",
        f"citebot:vote:{token}:down",
    ]
    assert [c.get("label") or c["emoji"]["name"] for c in components(message)] == [
        "More",
        "👍",
        "👎",
    ]
    assert all(c["style"] == discord.ButtonStyle.secondary.value for c in components(message))


def test_without_a_feedback_log_there_are_no_vote_buttons(services: Services) -> None:
    message = answer_message(asked(services, LANDMINES), source_command=None, votes=False)
    assert [c["label"] for c in components(message)] == ["More"]
    assert "/quelle" not in str(message["embed"].to_dict())


def test_a_later_page_has_no_vote_buttons(services: Services) -> None:
    first = asked(services, LANDMINES)
    posted = services.desk.more(first.token, 3, user=1)
    assert posted is not None
    message = answer_message(posted, source_command="quelle", votes=True, first=False)
    assert [c["custom_id"] for c in components(message)] == [f"citebot:more:{first.token}:6"]
    assert "[4]" in message["embed"].to_dict()["description"]


def test_a_weak_match_offers_the_closest_passages(services: Services) -> None:
    posted = asked(services, TOKYO)
    assert not posted.answer.answered
    message = answer_message(posted, source_command="quelle", votes=True)
    assert "Not found in the sources" in str(message["embed"].to_dict())
    assert [c["custom_id"] for c in components(message)] == [f"citebot:closest:{posted.token}"]
    closest = answer_message(posted, source_command="quelle", votes=True, first=False)
    assert components(closest) == [] and closest["view"] is discord.utils.MISSING


def test_button_custom_ids_are_unchanged() -> None:
    assert MoreButton(TOKEN, 3).custom_id == f"citebot:more:{TOKEN}:3"
    assert ClosestButton(TOKEN).custom_id == f"citebot:closest:{TOKEN}"
    assert VoteButton(TOKEN, "down").custom_id == f"citebot:vote:{TOKEN}:down"
    assert PageButton(-1, "previous").custom_id == "citebot:page:-1:previous"


@pytest.mark.parametrize(
    "custom_id",
    [
        f"citebot:more:{TOKEN}:3",
        f"citebot:closest:{TOKEN}",
        f"citebot:vote:{TOKEN}:up",
        "citebot:page:2:next",
    ],
)
def test_each_posted_custom_id_is_routed_to_one_button(custom_id: str) -> None:
    routed = [b for b in BUTTONS if b.__discord_ui_compiled_template__.fullmatch(custom_id)]
    assert len(routed) == 1
    match = routed[0].__discord_ui_compiled_template__.fullmatch(custom_id)
    assert isinstance(match, re.Match)
    assert routed[0].from_match(match).custom_id == custom_id  # rebuilt as it was posted


def test_a_long_document_list_pages_with_previous_and_next(services: Services) -> None:
    documents = services.desk.documents(channel=None) * 20
    first = sources_message(documents, 0)
    buttons = components(first)
    assert [(b["custom_id"], b.get("disabled", False)) for b in buttons] == [
        ("citebot:page:-1:previous", True),
        ("citebot:page:1:next", False),
    ]
    assert (
        sources_message(services.desk.documents(channel=None), 0)["view"] is discord.utils.MISSING
    )
