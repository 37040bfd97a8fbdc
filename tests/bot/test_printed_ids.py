"""Every passage id citebot prints resolves: names with "#", spaces at their ends, long paths."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import run
from bot.config import load_config
from bot.library import open_library
from bot.session import Desk

LONG = "/".join(["d" * 200] * 6)  # a path of over 1,200 characters, in folders of legal names
NAMES = ["c#-notes", "issue #12 #3", " spaced ", "  lead", "trail  ", f"{LONG}/deep"]


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ids")
    corpus = root / "corpus"
    for i, name in enumerate(NAMES):
        path = corpus / f"{name}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Lighthouse number {i} stands on the rock of island {i}.\n", "utf-8")
    config = root / "citebot.yaml"
    config.write_text("corpus: corpus\nindex: index.cbi\n", encoding="utf-8")
    return config


def _printed_ids(config: Path) -> set[str]:
    code, out, err = _cli("ask", "--json", "--top-k", "20", "--config", str(config), "lighthouse")
    assert code == 0, err
    passages = json.loads(out)["passages"]
    return {p["id"] for p in passages} | {d["id"] for p in passages for d in p["also_in"]}


def test_every_printed_id_resolves_with_citebot_source(config: Path) -> None:
    ids = _printed_ids(config)
    assert {pid.rpartition("#")[0] for pid in ids} == set(NAMES)
    for pid in ids:
        code, out, err = _cli("source", "--json", "--config", str(config), pid)
        assert code == 0, (pid, err)
        assert json.loads(out)["id"] == pid


def test_ids_trimmed_by_a_paste_still_resolve(config: Path) -> None:
    for name in (" spaced ", "  lead", "trail  "):
        code, out, err = _cli("source", "--json", "--config", str(config), f"{name.strip()}#1")
        assert code == 0, err
        assert json.loads(out)["doc"] == name


def test_every_printed_id_resolves_in_discord_and_autocomplete(config: Path) -> None:
    desk = Desk(open_library(load_config(config), notice=lambda m: None))
    for pid in _printed_ids(config):
        assert desk.source(pid, channel=None, user=1).passage.id == pid
        if len(pid) <= 100:  # Discord's limit for a choice; longer ones are offered by number
            offered = {value for _, value in desk.suggest(pid, channel=None, user=1)}
            assert pid in offered, pid
