"""Generated documentation stays in step with the code."""

from __future__ import annotations

from pathlib import Path

from ttl.docgen import render
from ttl.keywords import KEYWORDS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_commands_md_matches_registry() -> None:
    current = (DOCS / "commands.md").read_text(encoding="utf-8")
    assert current == render(), "docs/commands.md is stale: run python -m ttl.docgen docs/commands.md"


def test_command_index_matches_registry() -> None:
    from ttl.docgen import INDEX_PATH, render_index

    assert INDEX_PATH.read_text(encoding="utf-8") == render_index(), "run python -m ttl.docgen docs/commands.md"


def test_commands_md_lists_every_keyword() -> None:
    text = (DOCS / "commands.md").read_text(encoding="utf-8")
    assert len(KEYWORDS) == 213
    for name in KEYWORDS:
        assert f"| `{name}` |" in text, name
