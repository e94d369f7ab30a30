"""Parsing macro text into a lark tree, with readable syntax errors."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ttl.errors import Location, MacroSyntaxError
from ttl.source import SourceFile

log = logging.getLogger(__name__)

# Names shown in "expected ..." hints, for the terminals a user can type.
_TERMINAL_NAMES = {
    "NAME": "a name",
    "INT": "a number",
    "HEX": "a $hex number",
    "STRING": "a string",
    "LABEL_REF": "a label name",
    "THEN": "'then'",
    "LPAR": "'('",
    "RPAR": "')'",
    "RSQB": "']'",
    "EQUAL": "'='",
}


def _grammar_text() -> str:
    """Return the grammar: ttl/grammar/ in an installed wheel, grammar/ in a checkout."""
    here = Path(__file__).resolve().parent
    for path in (here / "grammar" / "ttl.lark", here.parent / "grammar" / "ttl.lark"):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError(f"the TTL grammar ttl.lark is missing beside {here}")


@lru_cache(maxsize=1)
def get_parser() -> Lark:
    """Build the LALR parser once per process."""
    return Lark(
        _grammar_text(),
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=False,
        # Lark keeps the built parse table in the temp directory, keyed by
        # a hash of the grammar, so later runs start faster.
        cache=True,
    )


def parse(source: SourceFile) -> Tree:
    """Parse a whole macro file; raise MacroSyntaxError on the first error."""
    try:
        return get_parser().parse(source.text)
    except UnexpectedInput as exc:
        raise _syntax_error(source, exc) from None


def _syntax_error(source: SourceFile, exc: UnexpectedInput) -> MacroSyntaxError:
    line = getattr(exc, "line", 0) or 0
    column = getattr(exc, "column", 0) or 0
    if isinstance(exc, UnexpectedEOF) or line <= 0:
        line = max(1, source.text.count("\n") + 1)
        column = len(source.line(line)) + 1
    message = _describe(source, exc, line, column)
    return MacroSyntaxError(message, Location(source.name, line, column, source.line(line)))


def _describe(source: SourceFile, exc: UnexpectedInput, line: int, column: int) -> str:
    text = source.line(line)
    rest = text[column - 1 :] if column > 0 else ""
    if rest.startswith("/*"):
        return '"*/" expected: this /* comment is never closed'
    if isinstance(exc, UnexpectedCharacters):
        char = text[column - 1] if 0 < column <= len(text) else ""
        if char in "'\"":
            return f"unterminated string: no closing {char} on this line"
        if char == "#":
            return "invalid character code: '#' must be followed by a number such as #13 or #$0d"
        if char == "\u200b":
            return "unexpected zero-width space (U+200B); delete it"
        return f"unexpected character {char!r}"
    if isinstance(exc, UnexpectedToken):
        token: Token = exc.token
        expected = sorted({_TERMINAL_NAMES[t] for t in exc.expected if t in _TERMINAL_NAMES})
        hint = f"; expected {', '.join(expected)}" if expected and len(expected) <= 4 else ""
        if token.type in ("_NL", "$END"):
            return "unexpected end of line: a parameter or value is missing" + hint
        if token.type == "STRING" and "a string" not in expected:
            return (
                f"type mismatch: the string {token.value} cannot be used with an operator; "
                "compare strings with strcompare and join them with strconcat"
            )
        return f"unexpected {token.value!r}" + hint
    return "syntax error"


def as_token(node: object) -> Token:
    """Return ``node`` as a Token; the grammar guarantees it is one where this is called."""
    assert isinstance(node, Token), node
    return node
