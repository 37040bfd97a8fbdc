"""Fixtures of the bot's tests: a copy of the bundled corpus with its index built."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from botworld import build_world


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the bundled corpus and its index, built once for the module."""
    return build_world(tmp_path_factory.mktemp("built"))


@pytest.fixture
def world(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built world for one test (it may change the corpus)."""
    shutil.copytree(built, tmp_path / "world")
    return tmp_path / "world"
