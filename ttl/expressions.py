"""Compiling TTL expressions into Python closures.

Integers are signed 32-bit and wrap like Tera Term's C ints. ``/`` and
``%`` truncate toward zero. Strings may only stand alone as a whole value:
using one with an operator is a type mismatch.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from lark import Token, Tree

from ttl.errors import Location, MacroRuntimeError, UninitializedError
from ttl.parser import as_token
from ttl.values import IntArray

if TYPE_CHECKING:
    from ttl.compiler import Compiler
    from ttl.machine import Machine

Evaluator = Callable[["Machine"], Any]
Store = Callable[["Machine", Any], None]

_PIECE = re.compile(r"'([^']*)'|\"([^\"]*)\"|#\$([0-9A-Fa-f]+)|#([0-9]+)")


def wrap(value: int) -> int:
    return ((value + 0x80000000) & 0xFFFFFFFF) - 0x80000000


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


def c_div(a: int, b: int) -> int:
    """Divide like C: truncate toward zero."""
    quotient = abs(a) // abs(b)
    return wrap(quotient if (a < 0) == (b < 0) else -quotient)


def c_mod(a: int, b: int) -> int:
    """Remainder like C: the sign follows the dividend."""
    remainder = abs(a) % abs(b)
    return wrap(remainder if a >= 0 else -remainder)


def shift_right(x: int, count: int, logical: bool) -> int:
    """Shift as Tera Term's EvalBitShift does, including its edge cases.

    A negative count shifts left. Counts of 32 and more give 0, except an
    arithmetic right shift of a value <= 0, which gives -1 (so ``0 >> 40``
    is -1, as in Tera Term).
    """
    if count <= -32:
        return 0
    if count < 0:
        return wrap(x << -count)
    if count == 0:
        return x
    if count < 32:
        if logical:
            return (x & 0xFFFFFFFF) >> count if x < 0 else x >> count
        return x >> count
    return 0 if (x > 0 or logical) else -1


def _binary(op: str) -> Callable[[int, int], int]:
    table: dict[str, Callable[[int, int], int]] = {
        "+": lambda a, b: wrap(a + b),
        "-": lambda a, b: wrap(a - b),
        "*": lambda a, b: wrap(a * b),
        "&": lambda a, b: a & b,
        "and": lambda a, b: a & b,
        "|": lambda a, b: a | b,
        "or": lambda a, b: a | b,
        "^": lambda a, b: a ^ b,
        "xor": lambda a, b: a ^ b,
        "<<": lambda a, b: shift_right(a, wrap(-b), False),
        ">>": lambda a, b: shift_right(a, b, False),
        ">>>": lambda a, b: shift_right(a, b, True),
        "<": lambda a, b: int(a < b),
        ">": lambda a, b: int(a > b),
        "<=": lambda a, b: int(a <= b),
        ">=": lambda a, b: int(a >= b),
        "=": lambda a, b: int(a == b),
        "==": lambda a, b: int(a == b),
        "<>": lambda a, b: int(a != b),
        "!=": lambda a, b: int(a != b),
        "&&": lambda a, b: int(bool(a) and bool(b)),
        "||": lambda a, b: int(bool(a) or bool(b)),
    }
    return table[op]


def _location(compiler: Compiler, token: Token) -> Location:
    line = token.line or 1
    return Location(compiler.source.name, line, token.column or 1, compiler.source.line(line))


def compile_expr(node: Tree | Token, compiler: Compiler) -> Evaluator:
    """Compile an expression node into a closure that evaluates it."""
    if isinstance(node, Token):
        return _compile_token(node, compiler)
    kind = node.data
    if kind == "binary":
        return _compile_binary(node, compiler)
    if kind == "unary":
        return _compile_unary(node, compiler)
    if kind in ("variable", "target"):
        return _compile_variable(as_token(node.children[0]), compiler)
    if kind in ("element", "element_target"):
        return _compile_element(node, compiler)
    raise compiler.error(f"unexpected {kind} in an expression", node)


def _compile_token(token: Token, compiler: Compiler) -> Evaluator:
    if token.type == "INT":
        value = wrap(int(token))
        return lambda m: value
    if token.type == "HEX":
        value = wrap(int(token[1:] or "0", 16))
        return lambda m: value
    if token.type == "STRING":
        try:
            text = string_literal(token)
        except ValueError as exc:
            raise compiler.error(f"invalid character code {exc.args[0]}: use 1 to 255", token) from None
        return lambda m: text
    if token.type == "NAME":
        return _compile_variable(token, compiler)
    raise compiler.error(f"unexpected {token!r} in an expression", token)


def _compile_variable(token: Token, compiler: Compiler) -> Evaluator:
    name = str(token).lower()
    compiler.note_read(token)
    location = _location(compiler, token)

    def variable(m: Machine) -> Any:
        try:
            return m.vars[name]
        except KeyError:
            raise UninitializedError(
                f"variable '{token}' is not initialized: assign it before reading it", location
            ) from None

    return variable


def _compile_element(node: Tree, compiler: Compiler) -> Evaluator:
    name_token, index_node = as_token(node.children[0]), node.children[1]
    name = str(name_token).lower()
    compiler.note_read(name_token)
    index = compile_expr(index_node, compiler)
    location = _location(compiler, name_token)

    def element(m: Machine) -> Any:
        array = m.vars.get(name)
        if not isinstance(array, list):
            if array is None:
                raise MacroRuntimeError(f"array '{name_token}' is not declared: use intdim or strdim", location)
            raise MacroRuntimeError(f"type mismatch: '{name_token}' is not an array", location)
        i = index(m)
        if i.__class__ is not int:
            raise MacroRuntimeError("type mismatch: an array index must be an integer", location)
        if not 0 <= i < len(array):
            raise MacroRuntimeError(
                f"index out of range: {name_token}[{i}] (the array has {len(array)} elements)", location
            )
        return array[i]

    return element


def _compile_unary(node: Tree, compiler: Compiler) -> Evaluator:
    op_token, operand_node = as_token(node.children[0]), node.children[1]
    op = str(op_token).lower()
    operand = compile_expr(operand_node, compiler)
    location = _location(compiler, op_token)
    if op == "-":
        fn: Callable[[int], int] = lambda a: wrap(-a)
    elif op == "+":
        fn = lambda a: a
    elif op == "!":
        fn = lambda a: int(a == 0)
    else:  # "~" and "not" are bitwise
        fn = lambda a: ~a

    def unary(m: Machine) -> int:
        a = operand(m)
        if a.__class__ is not int:
            raise MacroRuntimeError(f"type mismatch: '{op_token}' needs an integer, not a string", location)
        return fn(a)

    return unary


def _compile_binary(node: Tree, compiler: Compiler) -> Evaluator:
    left_node, op_token, right_node = node.children[0], as_token(node.children[1]), node.children[2]
    op = str(op_token).lower()
    left = compile_expr(left_node, compiler)
    right = compile_expr(right_node, compiler)
    location = _location(compiler, op_token)

    def mismatch() -> MacroRuntimeError:
        return MacroRuntimeError(
            f"type mismatch: '{op_token}' needs integers; compare strings with strcompare", location
        )

    if op in ("/", "%"):
        divide = c_div if op == "/" else c_mod

        def division(m: Machine) -> int:
            a = left(m)
            b = right(m)
            if a.__class__ is not int or b.__class__ is not int:
                raise mismatch()
            if b == 0:
                raise MacroRuntimeError("divide by zero", location)
            return divide(a, b)

        return division

    fn = _binary(op)

    def binary(m: Machine) -> int:
        a = left(m)
        b = right(m)
        if a.__class__ is not int or b.__class__ is not int:
            raise mismatch()
        return fn(a, b)

    return binary


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
        wanted = int if isinstance(array, IntArray) else bytes
        if value.__class__ is not wanted:
            raise MacroRuntimeError(
                f"type mismatch: '{name_token}' is an array of {'integers' if wanted is int else 'strings'}"
                f" and cannot take {_type_word(value)}",
                location,
            )
        array[i] = value

    return store

