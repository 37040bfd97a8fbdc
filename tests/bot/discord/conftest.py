"""Fixtures of the Discord layer's unit tests: services over the bundled corpus, no connection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import load_config
from bot.discord.services import Services
from bot.library import Library, open_library
from bot.session import Desk

CORPUS = Path(__file__).resolve().parents[3] / "corpus"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """The bundled corpus, indexed once, with renamed commands and reindex roles."""
    root = tmp_path_factory.mktemp("services")
    path = root / "citebot.yaml"
    path.write_text(
        f"corpus: {CORPUS}\nindex: index.cbi\n"
        "commands:\n  ask: {name: frage}\n  source: {name: quelle}\n",
        encoding="utf-8",
    )
    return open_library(load_config(path), notice=lambda m: None)


@pytest.fixture
def services(library: Library) -> Iterator[Services]:
    """Services with a fresh desk memory and no feedback log."""
    made = Services(Desk(library))
    yield made
    made.close()
