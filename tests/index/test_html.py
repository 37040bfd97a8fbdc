"""HTML sources: only the visible text is indexed; nothing in a page is run or fetched."""

from __future__ import annotations

import sys
from pathlib import Path

from index.api import open_index
from index.settings import Settings

PAGE = """<!doctype html>
<html><head>
<title>Harbour notes</title>
<link rel="stylesheet" href="http://tracker.example/style.css">
<script src="https://tracker.example/pixel.js"></script>
<script>document.write("scriptcanary"); fetch("http://tracker.example/?scriptcanary")</script>
<style>body { content: "stylecanary"; }</style>
</head>
<body onload="alert('handlercanary')">
<noscript><img src="http://tracker.example/noscriptcanary.gif"></noscript>
<nav>Home / News / navcanary</nav>
<p>The ferry to the island leaves the harbour at seven every morning in the summer months.</p>
<iframe src="http://tracker.example/framecanary"></iframe>
<p hidden>hiddencanary text that no reader of the page ever sees on the screen at all.</p>
<div style="display: none">cssHiddenCanary words kept out of sight by the page style.</div>
<!-- commentcanary: a note left in the markup -->
<p>Tickets are sold at the pier office from six, and children under twelve travel free with
an adult; <a href="javascript:alert('linkcanary')">pay online</a> before you board the ferry.</p>
<img src="http://tracker.example/imgcanary.png" alt="">
<svg><text>svgcanary</text></svg>
<template><p>templatecanary</p></template>
</body></html>
"""
CANARIES = [
    "scriptcanary",
    "stylecanary",
    "handlercanary",
    "noscriptcanary",
    "navcanary",
    "framecanary",
    "hiddencanary",
    "csshiddencanary",
    "commentcanary",
    "linkcanary",
    "imgcanary",
    "svgcanary",
    "templatecanary",
    "tracker",
]

recording: list[list[tuple[str, object]]] = []  # while not empty, events go to its last list


def _audit(event: str, args: tuple[object, ...]) -> None:
    if recording and event.startswith(("socket.", "urllib.", "http.", "subprocess.")):
        recording[-1].append((event, args))


sys.addaudithook(_audit)  # audit hooks stay for the process: this one only records when asked


def test_scripts_styles_and_hidden_parts_are_never_indexed_or_fetched(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "page.html").write_text(PAGE, encoding="utf-8")
    recording.append([])
    try:
        searcher = open_index(corpus, tmp_path / "idx.cbi", Settings(), notice=lambda m: None)
    finally:
        seen = recording.pop()
    assert seen == []  # no socket opened, no URL requested, no process started

    texts = [searcher.passage(i).text.lower() for i in range(searcher.n)]
    assert any("ferry to the island" in t for t in texts)
    assert any("tickets are sold at the pier" in t for t in texts)
    shown = " ".join(texts) + " ".join(d.title for d in searcher.documents()).lower()
    assert [c for c in CANARIES if c in shown] == []
    for canary in CANARIES:
        assert searcher.search(canary, 3).hits == ()
    answer = searcher.search("When does the ferry leave the harbour?", 3)
    assert answer.answered and "seven every morning" in answer.hits[0].quote
