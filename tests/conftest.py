"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Keep every index a test builds out of the user's cache and the repository."""
    monkeypatch.setenv("CITEBOT_CACHE", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("CITEBOT_CONFIG", raising=False)


@pytest.fixture
def corpus_dir() -> Path:
    """Return the bundled corpus folder."""
    return CORPUS


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """Return a config file using the bundled corpus and an index in a temporary folder."""
    path = tmp_path / "citebot.yaml"
    path.write_text(f"corpus: {CORPUS}\nindex: index.cbi\n", encoding="utf-8")
    return path
