"""Write docs/commands.md from the command registry.

Run ``python -m ttl.docgen docs/commands.md`` after adding or changing a
command; a test fails while the file and the registry disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ttl.commands import REGISTRY, load_commands
from ttl.keywords import KEYWORDS

# Keywords that the grammar handles itself rather than the registry.
LANGUAGE_KEYWORDS = {
    "if", "then", "elseif", "else", "endif", "for", "next", "while", "endwhile", "until",
    "enduntil", "do", "loop", "break", "continue", "goto", "call", "return", "include",
    "exit", "end", "and", "or", "xor", "not",
}

HEADER = """\
# TTL commands in ttlrun

All 213 keywords of Tera Term 5's macro language, by category, and what
ttlrun does with each. This file is generated from the command registry by
`python -m ttl.docgen docs/commands.md`; a test fails when the two differ.

- **implemented**: works as in Tera Term 5, except where the note or
  [compatibility.md](compatibility.md) says otherwise.
- **not supported yet**: a macro that uses it is rejected before it starts,
  with the keyword and its line.
- **not applicable**: the command needs Tera Term's window, menus or keyboard;
  a macro that uses it is rejected before it starts, and the note says why.
  Window commands with no visible effect headless (`showtt`, `show`,
  `setdlgpos`, ...) are implemented as doing nothing.
"""


def status(name: str) -> tuple[str, str]:
    """Return the status and note of keyword ``name``."""
    if name in LANGUAGE_KEYWORDS:
        return "implemented", "part of the grammar"
    spec = REGISTRY.get(name)
    if spec is None:
        return "not supported yet", ""
    if spec.rejected:
        return "not applicable", spec.rejected
    note = getattr(spec.function, "ttl_note", "")
    state = getattr(spec.function, "ttl_status", "implemented")
    return state, note or f"`{spec.usage()}`"


def render() -> str:
    load_commands()
    lines = [HEADER]
    categories: dict[str, list[str]] = {}
    for name, category in KEYWORDS.items():
        categories.setdefault(category, []).append(name)
    totals: dict[str, int] = {}
    for category in sorted(categories):
        lines.append(f"\n## {category}\n")
        lines.append("| keyword | status | usage or note |")
        lines.append("| --- | --- | --- |")
        for name in sorted(categories[category]):
            state, note = status(name)
            totals[state] = totals.get(state, 0) + 1
            cell = note.replace("|", "\\|")
            lines.append(f"| `{name}` | {state} | {cell} |")
    summary = ", ".join(f"{count} {state}" for state, count in sorted(totals.items()))
    lines.insert(1, f"\nTotal: {len(KEYWORDS)} keywords: {summary}.\n")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m ttl.docgen OUTPUT.md\n")
        return 2
    Path(argv[0]).write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
