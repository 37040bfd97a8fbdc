"""What a voter is told: thanks for a vote, and no second thanks for the same vote again."""

from __future__ import annotations

import re
from pathlib import Path

from botworld import ALICE, EPHEMERAL, LANDMINES, Session, ask, buttons, run, session


async def click(s: Session, custom_id: str, message_id: int) -> str:
    ix = await s.fake.dispatch_component(custom_id, message_id, user=ALICE)
    reply = await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
    assert reply.json["data"]["flags"] & EPHEMERAL
    return reply.json["data"]["content"]


def test_the_same_vote_again_is_told_it_already_counts(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            answer = await ask(s, LANDMINES)
            message_id, ids = int(answer.response["id"]), buttons(answer.json)
            assert (await click(s, ids["👍"], message_id)).startswith("Thanks, noted 👍")
            assert await click(s, ids["👍"], message_id) == "You already voted on this answer."
            # A change of mind is a new vote, thanked; repeating it is not.
            assert (await click(s, ids["👎"], message_id)).startswith("Thanks, noted 👎")
            assert await click(s, ids["👎"], message_id) == "You already voted on this answer."

    run(scenario())
