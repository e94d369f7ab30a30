"""Generating Python code for TTL expressions and assignments.

Each expression becomes one Python expression, compiled once into a
function, so evaluating ``x + i`` costs one call instead of a tree of
closure calls. Variables are read as ``V['name']`` from the machine's
variable dictionary. Integer results are wrapped to 32 bits inline.

Type errors fall out of Python's own rules: adding a bytes value to an
int raises TypeError, which the generated function turns into TTL's
"type mismatch". Operators that Python would accept for bytes (comparison,
equality, ``*``, ``!``, ``&&``, ``||``) and the ones with C semantics
(``/``, ``%``, shifts) go through helper functions that check types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from lark import Token, Tree

from ttl.errors import Location, MacroRuntimeError, UninitializedError
from ttl.parser import as_token
from ttl.values import IntArray, StrArray

if TYPE_CHECKING:
    from ttl.compiler import Compiler
    from ttl.machine import Machine

Evaluator = Callable[["Machine"], Any]

_WRAP_ADD = 0x80000000
_WRAP_MASK = 0xFFFFFFFF


def wrap(value: int) -> int:
    return ((value + _WRAP_ADD) & _WRAP_MASK) - _WRAP_ADD


def _ints(a: Any, b: Any) -> bool:
    return a.__class__ is int and b.__class__ is int


class Helpers:
    """Functions the generated code calls, bound to the location of the expression."""

    def __init__(self, location: Location, operator: str):
        self.location = location
        self.operator = operator

    def mismatch(self) -> MacroRuntimeError:
        return MacroRuntimeError(
            f"type mismatch: '{self.operator}' needs integers; compare strings with strcompare", self.location
        )

    def check(self, a: Any, b: Any) -> None:
        if a.__class__ is not int or b.__class__ is not int:
            raise self.mismatch()


def _compare(symbol: str) -> Callable[[Any, Any, Helpers], int]:
    table: dict[str, Callable[[int, int], bool]] = {
        "<": lambda a, b: a < b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        ">=": lambda a, b: a >= b,
        "=": lambda a, b: a == b,
        "==": lambda a, b: a == b,
        "<>": lambda a, b: a != b,
        "!=": lambda a, b: a != b,
        "&&": lambda a, b: bool(a) and bool(b),
        "||": lambda a, b: bool(a) or bool(b),
    }
    test = table[symbol]

    def compare(a: Any, b: Any, helpers: Helpers) -> int:
        if a.__class__ is not int or b.__class__ is not int:
            raise helpers.mismatch()
        return 1 if test(a, b) else 0

    return compare


def _multiply(a: Any, b: Any, helpers: Helpers) -> int:
    helpers.check(a, b)
    return wrap(a * b)


def _divide(a: Any, b: Any, helpers: Helpers) -> int:
    helpers.check(a, b)
    if b == 0:
        raise MacroRuntimeError("divide by zero", helpers.location)
    quotient = abs(a) // abs(b)
    return wrap(quotient if (a < 0) == (b < 0) else -quotient)


def _modulo(a: Any, b: Any, helpers: Helpers) -> int:
    helpers.check(a, b)
    if b == 0:
        raise MacroRuntimeError("divide by zero", helpers.location)
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
            return (x & _WRAP_MASK) >> count if x < 0 else x >> count
        return x >> count
    return 0 if (x > 0 or logical) else -1


def _shift(symbol: str) -> Callable[[Any, Any, Helpers], int]:
    def shift(a: Any, b: Any, helpers: Helpers) -> int:
        helpers.check(a, b)
        if symbol == "<<":
            return shift_right(a, wrap(-b), False)
        return shift_right(a, b, symbol == ">>>")

    return shift


def _logical_not(a: Any, helpers: Helpers) -> int:
    if a.__class__ is not int:
        raise helpers.mismatch()
    return 0 if a else 1


def _element(variables: dict[str, Any], name: str, index: Any, shown: str, location: Location) -> Any:
    array = variables.get(name)
    if not isinstance(array, list):
        if array is None:
            raise MacroRuntimeError(f"array '{shown}' is not declared: use intdim or strdim", location)
        raise MacroRuntimeError(f"type mismatch: '{shown}' is not an array", location)
    if index.__class__ is not int:
        raise MacroRuntimeError("type mismatch: an array index must be an integer", location)
    if not 0 <= index < len(array):
        raise MacroRuntimeError(f"index out of range: {shown}[{index}] (the array has {len(array)} elements)", location)
    return array[index]


# Operators Python evaluates correctly for ints and rejects for bytes with TypeError.
_INLINE = {"+": "+", "-": "-", "&": "&", "and": "&", "|": "|", "or": "|", "^": "^", "xor": "^"}
_WRAPPED = {"+", "-"}
_CALLED: dict[str, Callable[..., Any]] = {
    "*": _multiply,
    "/": _divide,
    "%": _modulo,
    "<<": _shift("<<"),
    ">>": _shift(">>"),
    ">>>": _shift(">>>"),
}
for _symbol in ("<", ">", "<=", ">=", "=", "==", "<>", "!=", "&&", "||"):
    _CALLED[_symbol] = _compare(_symbol)


class Generator:
    """Build the Python source of one expression, with its constants."""

    def __init__(self, compiler: Compiler):
        self.compiler = compiler
        self.constants: list[Any] = []
        self.names: dict[str, Location] = {}  # variables read, for "not initialized" errors
        self.first_operator: tuple[str, Location] | None = None

    def constant(self, value: Any) -> str:
        self.constants.append(value)
        return f"K[{len(self.constants) - 1}]"

    def location(self, token: Token) -> Location:
        line = token.line or 1
        source = self.compiler.source
        return Location(source.name, line, token.column or 1, source.line(line))

    def source(self, node: Tree | Token) -> str:
        if isinstance(node, Token):
            return self.token(node)
        kind = node.data
        if kind == "binary":
            return self.binary(node)
        if kind == "unary":
            return self.unary(node)
        if kind in ("variable", "target"):
            return self.variable(as_token(node.children[0]))
        if kind in ("element", "element_target"):
            return self.element(node)
        raise self.compiler.error(f"unexpected {kind} in an expression", node)

    def token(self, token: Token) -> str:
        from ttl.expressions import string_literal

        if token.type == "INT":
            return repr(wrap(int(token)))
        if token.type == "HEX":
            return repr(wrap(int(token[1:] or "0", 16)))
        if token.type == "STRING":
            try:
                return self.constant(string_literal(token))
            except ValueError as exc:
                raise self.compiler.error(f"invalid character code {exc.args[0]}: use 1 to 255", token) from None
        if token.type == "NAME":
            return self.variable(token)
        raise self.compiler.error(f"unexpected {token!r} in an expression", token)

    def variable(self, token: Token) -> str:
        name = str(token).lower()
        self.compiler.note_read(token)
        self.names.setdefault(name, self.location(token))
        return f"V[{name!r}]"

    def element(self, node: Tree) -> str:
        name_token = as_token(node.children[0])
        name = str(name_token).lower()
        self.compiler.note_read(name_token)
        index = self.source(node.children[1])
        location = self.constant(self.location(name_token))
        return f"E(V, {name!r}, {index}, {str(name_token)!r}, {location})"

    def helpers(self, op_token: Token) -> str:
        location = self.location(op_token)
        if self.first_operator is None:
            self.first_operator = (str(op_token), location)
        return self.constant(Helpers(location, str(op_token)))

    def binary(self, node: Tree) -> str:
        left = self.source(node.children[0])
        op_token = as_token(node.children[1])
        right = self.source(node.children[2])
        symbol = str(op_token).lower()
        helpers = self.helpers(op_token)
        if symbol in _INLINE:
            expression = f"({left} {_INLINE[symbol]} {right})"
            if symbol in _WRAPPED:
                expression = f"((({left} {_INLINE[symbol]} {right}) + {_WRAP_ADD}) & {_WRAP_MASK}) - {_WRAP_ADD}"
            return f"({expression})"
        function = self.constant(_CALLED[symbol])
        return f"{function}({left}, {right}, {helpers})"

    def unary(self, node: Tree) -> str:
        op_token = as_token(node.children[0])
        operand = self.source(node.children[1])
        symbol = str(op_token).lower()
        helpers = self.helpers(op_token)
        if symbol == "-":
            return f"((((-{operand}) + {_WRAP_ADD}) & {_WRAP_MASK}) - {_WRAP_ADD})"
        if symbol == "+":
            return f"(+{operand})"
        if symbol == "!":
            return f"{self.constant(_logical_not)}({operand}, {helpers})"
        return f"(~{operand})"  # "~" and "not" are bitwise


def _uninitialized(error: KeyError, names: dict[str, Location]) -> MacroRuntimeError:
    name = error.args[0] if error.args else "?"
    location = names.get(name)
    return UninitializedError(f"variable '{name}' is not initialized: assign it before reading it", location)


def _mismatch(generator_operator: tuple[str, Location] | None) -> MacroRuntimeError:
    if generator_operator is None:
        return MacroRuntimeError("type mismatch")
    operator, location = generator_operator
    return MacroRuntimeError(
        f"type mismatch: '{operator}' needs integers; compare strings with strcompare", location
    )


_TEMPLATE = """\
def evaluate(m):
    V = m.vars
    try:
        value = {source}
    except KeyError as error:
        raise UNINITIALIZED(error, NAMES) from None
    except TypeError:
        raise MISMATCH(OPERATOR) from None
{check}    return value
"""

_ASSIGN_TEMPLATE = """\
def assign(m):
    V = m.vars
    try:
        value = {source}
    except KeyError as error:
        raise UNINITIALIZED(error, NAMES) from None
    except TypeError:
        raise MISMATCH(OPERATOR) from None
{check}    if V.get(NAME, value).__class__ is not value.__class__:
        return STORE(m, value)
    V[NAME] = value
"""

# Checks on the value, inserted into the templates above.
_CHECK_NOT_ARRAY = "    if value.__class__ is IA or value.__class__ is SA:\n        raise WRONG(value)\n"
_CHECK_KIND = "    if value.__class__ is not KIND:\n        raise WRONG(value)\n"


class _WrongValue:
    """Build the error for a value of the wrong type, with the place it came from."""

    def __init__(self, kind: type | None, parameter: str, name: str, location: Location | None):
        self.kind = kind
        self.parameter = parameter  # such as "sprintf2: parameter 3", or ""
        self.name = name  # the variable, when the expression is one
        self.location = location

    def __call__(self, value: Any) -> MacroRuntimeError:
        if isinstance(value, list):
            name = self.name or "the value"
            return MacroRuntimeError(
                f"type mismatch: '{name}' is an array; give an index such as {name}[0]", self.location
            )
        expected = "an integer" if self.kind is int else "a string"
        subject = self.parameter or "the value"
        return MacroRuntimeError(f"type mismatch: {subject} must be {expected}", self.location)


def _define(template: str, node: Tree | Token, compiler: Compiler, name: str,
            kind: type | None = None, parameter: str = "", **extra: Any) -> Any:
    """Generate the code of ``node`` into a function template; return the function called ``name``.

    With ``kind`` the value must be of that type; without it a whole array
    is still no value.
    """
    generator = Generator(compiler)
    source = generator.source(node)
    bare = _bare_variable(node)
    location = generator.location(bare) if bare is not None else None
    if kind is not None:
        check = _CHECK_KIND
    elif bare is not None:
        # Inside an operation Python's TypeError already catches an array.
        check = _CHECK_NOT_ARRAY
    else:
        check = ""
    namespace: dict[str, Any] = {
        "K": generator.constants,
        "E": _element,
        "IA": IntArray,
        "SA": StrArray,
        "KIND": kind,
        "WRONG": _WrongValue(kind, parameter, str(bare) if bare is not None else "", location),
        "NAMES": generator.names,
        "OPERATOR": generator.first_operator,
        "UNINITIALIZED": _uninitialized,
        "MISMATCH": _mismatch,
        **extra,
    }
    exec(template.format(source=source, check=check), namespace)  # noqa: S102 - code built from the parse tree only
    return namespace[name]


def compile_expression(node: Tree | Token, compiler: Compiler, kind: type | None = None,
                       parameter: str = "") -> Evaluator:
    """Compile an expression into a function of the machine that returns its value.

    With ``kind`` (int or bytes) the function raises a type mismatch that
    names ``parameter`` when the value has another type.
    """
    if isinstance(node, Token) and node.type in ("INT", "HEX", "STRING"):
        constant = _literal_value(node, compiler)
        if kind is None or constant.__class__ is kind:
            return lambda m: constant
    function: Evaluator = _define(_TEMPLATE, node, compiler, "evaluate", kind, parameter)
    return function


def _literal_value(token: Token, compiler: Compiler) -> Any:
    from ttl.expressions import string_literal

    if token.type == "STRING":
        try:
            return string_literal(token)
        except ValueError as exc:
            raise compiler.error(f"invalid character code {exc.args[0]}: use 1 to 255", token) from None
    return constant_int(token)


def compile_assignment(name: str, node: Tree | Token, store: Callable[[Machine, Any], None],
                       compiler: Compiler) -> Callable[[Machine], None]:
    """Compile ``name = expression`` into one function; ``store`` reports a type change."""
    function: Callable[[Machine], None] = _define(_ASSIGN_TEMPLATE, node, compiler, "assign", NAME=name, STORE=store)
    return function


def _bare_variable(node: Tree | Token) -> Token | None:
    """Return the name token when the whole expression is one variable."""
    if isinstance(node, Tree) and node.data in ("variable", "target"):
        node = node.children[0]
    if isinstance(node, Token) and node.type == "NAME":
        return node
    return None


def constant_int(node: Tree | Token) -> int | None:
    """Return the value of an integer literal, or None for anything else."""
    if isinstance(node, Token) and node.type == "INT":
        return wrap(int(node))
    if isinstance(node, Token) and node.type == "HEX":
        return wrap(int(node[1:] or "0", 16))
    return None
