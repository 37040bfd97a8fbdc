"""The package as users install it: every module and the bundled corpus reach the wheel."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from bot.config import BUNDLED, DEFAULT_NAME

ROOT = Path(__file__).resolve().parent.parent


def _setuptools() -> dict:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["tool"]["setuptools"]


def test_every_package_folder_is_listed_for_the_wheel():
    folders = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("bot", "index")
        for init in (ROOT / top).rglob("__init__.py")
    }
    listed = set(_setuptools()["packages"])
    assert folders - listed == set(), "a package folder is missing from [tool.setuptools] packages"
    assert listed - folders == {"bot._bundled"}


def test_the_bundled_corpus_and_config_are_package_data():
    tool = _setuptools()
    assert tool["package-dir"]["bot._bundled"] == "."
    patterns = tool["package-data"]["bot._bundled"]
    shipped = {DEFAULT_NAME} | {f"corpus/{p.name}" for p in (ROOT / "corpus").iterdir()}
    matched = {name for name in shipped for pattern in patterns if Path(name).match(pattern)}
    assert matched == shipped


def test_a_checkout_uses_its_own_config_and_corpus():
    assert BUNDLED == ROOT
    assert (BUNDLED / DEFAULT_NAME).is_file()
    assert (BUNDLED / "corpus").is_dir()


def test_version_is_printed():
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.startswith("citebot ")
    assert done.stdout.split()[1][0].isdigit()
