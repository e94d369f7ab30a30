"""TTL values in expressions: literals, conditions, and stores into variables.

Integers are signed 32-bit and wrap like Tera Term's C ints. ``/`` and
``%`` truncate toward zero. Strings may only stand alone as a whole value:
using one with an operator is a type mismatch. ttl.codegen turns
expressions into Python code.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from lark import Token, Tree

from ttl.codegen import compile_expression, wrap
from ttl.errors import Location, MacroRuntimeError
from ttl.parser import as_token
from ttl.values import IntArray

if TYPE_CHECKING:
    from ttl.compiler import Compiler
    from ttl.machine import Machine

Evaluator = Callable[["Machine"], Any]
Store = Callable[["Machine", Any], None]

_PIECE = re.compile(r"'([^']*)'|\"([^\"]*)\"|#\$([0-9A-Fa-f]+)|#([0-9]+)")


def truth(value: Any) -> bool:
    """Return the truth of a condition; only integers may be conditions."""
    if value.__class__ is not int:
        raise MacroRuntimeError("type mismatch: a condition must be an integer, not a string")
    return value != 0


def string_literal(token: Token) -> bytes:
    """Decode a STRING token: quoted pieces as UTF-8, #n pieces as raw bytes."""
    out = bytearray()
    for match in _PIECE.finditer(token):
        single, double, hex_code, dec_code = match.groups()
        if single is not None or double is not None:
            out += (single if single is not None else double).encode("utf-8")
            continue
        code = int(hex_code, 16) if hex_code is not None else int(dec_code)
        if not 1 <= code <= 255:
            raise ValueError(match.group(0))
        out.append(code)
    return bytes(out)


def _location(compiler: Compiler, token: Token) -> Location:
    line = token.line or 1
    return Location(compiler.source.name, line, token.column or 1, compiler.source.line(line))


def compile_expr(node: Tree | Token, compiler: Compiler) -> Evaluator:
    """Compile an expression node into a function of the machine that returns its value."""
    return compile_expression(node, compiler)


def compile_store(target: Tree | Token, kind: type | None, compiler: Compiler) -> Store:
    """Compile a variable or array element that receives a value.

    ``kind`` fixes the type of a variable the store creates (``int`` or
    ``bytes``); with ``None`` the stored value decides, as in assignment.
    A variable keeps the type it was created with.
    """
    if isinstance(target, Tree) and target.data in ("target", "variable"):
        target = target.children[0]
    if isinstance(target, Token):
        if target.type != "NAME":
            raise compiler.error("a variable name is needed here", target)
        return _store_variable(target, kind, compiler)
    if isinstance(target, Tree) and target.data in ("element", "element_target"):
        return _store_element(target, kind, compiler)
    raise compiler.error("a variable name is needed here", target)


def _type_word(value: Any) -> str:
    return "an integer" if value.__class__ is int else "a string"


def _kind_word(kind: type) -> str:
    return "an integer" if kind is int else "a string"


def _store_variable(token: Token, kind: type | None, compiler: Compiler) -> Store:
    name = compiler.check_variable_name(token)
    compiler.note_write(name)
    location = _location(compiler, token)

    def store(m: Machine, value: Any) -> None:
        variables = m.vars
        old = variables.get(name)
        if old is not None and old.__class__ is not value.__class__:
            if isinstance(old, list):
                raise MacroRuntimeError(f"type mismatch: '{token}' is an array; give an index", location)
            raise MacroRuntimeError(
                f"type mismatch: '{token}' contains {_type_word(old)} and cannot take {_type_word(value)}", location
            )
        if kind is not None and value.__class__ is not kind:
            raise MacroRuntimeError(f"type mismatch: '{token}' must receive {_kind_word(kind)}", location)
        variables[name] = value

    return store


def _store_element(node: Tree, kind: type | None, compiler: Compiler) -> Store:
    name_token, index_node = as_token(node.children[0]), node.children[1]
    name = str(name_token).lower()
    compiler.note_read(name_token)  # the array must exist already
    index = compile_expr(index_node, compiler)
    location = _location(compiler, name_token)

    def store(m: Machine, value: Any) -> None:
        array = m.vars.get(name)
        if not isinstance(array, list):
            raise MacroRuntimeError(f"'{name_token}' is not an array: declare it with intdim or strdim", location)
        i = index(m)
        if i.__class__ is not int:
            raise MacroRuntimeError("type mismatch: an array index must be an integer", location)
        if not 0 <= i < len(array):
            raise MacroRuntimeError(
                f"index out of range: {name_token}[{i}] (the array has {len(array)} elements)", location
            )
        expected = int if isinstance(array, IntArray) else bytes
        if value.__class__ is not expected:
            raise MacroRuntimeError(
                f"type mismatch: '{name_token}' is an array of {'integers' if expected is int else 'strings'}"
                f" and cannot take {_type_word(value)}",
                location,
            )
        array[i] = value

    return store

