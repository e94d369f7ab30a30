"""The command registry: how each TTL command's parameters are compiled.

A command is registered with a parameter signature, one letter per
parameter:

- ``i`` an integer expression, ``s`` a string expression, ``x`` either
  (send data: a string, or an integer sent as one byte);
- ``v`` a string variable the command writes, ``n`` an integer variable it
  writes (both may be array elements and are created when new);
- ``a`` a bare name (array declarations), passed as a lowercase string;
- ``q`` anything, for ``ifdefined``: a bare name as a lowercase string,
  ``name[expr]`` as a ``(name, index)`` tuple with the index evaluated at
  run time, and any other expression as ``None``.

A trailing ``?`` makes a parameter optional and ``*`` lets it repeat. The
command function receives the machine and one value per given parameter;
variables arrive as ``Ref`` objects.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from lark import Token, Tree

from ttl.errors import MacroRuntimeError, UninitializedError
from ttl.codegen import compile_expression
from ttl.expressions import Evaluator, Store, compile_expr, compile_store

if TYPE_CHECKING:
    from ttl.compiler import Compiler, Op
    from ttl.machine import Machine


class Ref:
    """A variable or array element that a command reads and writes."""

    __slots__ = ("get", "set", "name", "key", "default")

    def __init__(self, get: Evaluator, set_: Store, name: str, key: str | None = None, default: Any = None):
        self.get = get
        self.set = set_
        self.name = name
        self.key = key  # the lowercase variable name; None for an array element
        self.default = default  # what a new variable starts as: b"" or 0

    def get_or(self, m: Machine, default: Any) -> Any:
        """Return the value, or ``default`` when the variable does not exist yet.

        Tera Term creates a missing output variable, so ``strconcat s 'x'``
        on a new ``s`` works on an empty string.
        """
        try:
            return self.get(m)
        except UninitializedError:
            return default


@dataclass
class CommandSpec:
    """One registered command."""

    name: str
    signature: list[str]
    function: Callable[..., Any]
    needs_link: bool = False
    rejected: str = ""  # why ttlrun rejects the command; empty when it runs
    creates_outputs: bool = True  # create missing output variables before running

    def arity(self) -> tuple[int, int | None]:
        required = sum(1 for p in self.signature if not p.endswith(("?", "*")))
        if any(p.endswith("*") for p in self.signature):
            return required, None
        return required, len(self.signature)

    def _split_names(self, args: list[Any]) -> list[Any]:
        """Undo the greedy reading where a variable parameter is followed by a signed number.

        Tera Term reads a variable parameter as a name only, so in
        ``int2str s -5`` the ``-5`` is the next parameter; the grammar reads
        ``s -5`` as one subtraction.
        """
        fixed = len([p for p in self.signature if not p.endswith("*")])
        result = list(args)
        position = 0
        while position < len(result) and len(result) < fixed:
            kind = self.signature[position][0] if position < len(self.signature) else ""
            split = _split_leading_name(result[position]) if kind in ("v", "n") else None
            if split is not None:
                result[position : position + 1] = list(split)
            position += 1
        return result

    def usage(self) -> str:
        words = {"i": "<int>", "s": "<str>", "x": "<str|int>", "v": "<strvar>", "n": "<intvar>", "a": "<name>", "q": "<name>"}
        parts = []
        for p in self.signature:
            word = words[p[0]]
            if p.endswith("?"):
                word = f"[{word}]"
            elif p.endswith("*"):
                word = f"[{word}...]"
            parts.append(word)
        return " ".join([self.name, *parts])

    def compile(self, compiler: Compiler, name_token: Token, args: list[Any]) -> Op:
        if self.rejected:
            raise compiler.error(f"command '{self.name}' cannot run in ttlrun: {self.rejected}", name_token)
        args = self._split_names(args)
        low, high = self.arity()
        if len(args) < low or (high is not None and len(args) > high):
            count = "no parameters" if not args else f"{len(args)} parameter{'s' if len(args) > 1 else ''}"
            raise compiler.error(f"wrong number of parameters: {count} given; usage: {self.usage()}", name_token)
        compiled: list[Any] = []
        repeat = self.signature[-1] if self.signature and self.signature[-1].endswith("*") else None
        for position, node in enumerate(args):
            kind = self.signature[position] if position < len(self.signature) else repeat
            assert kind is not None
            compiled.append(_compile_param(compiler, self.name, kind[0], node, position + 1))
        function = self.function
        evaluators = [c for c in compiled if callable(c) and not isinstance(c, Ref)]
        if len(evaluators) == len(compiled):
            if len(compiled) == 0:
                return lambda m: function(m)
            if len(compiled) == 1:
                (first,) = compiled
                return lambda m: function(m, first(m))

            def op(m: Machine) -> Any:
                return function(m, *[e(m) for e in compiled])

            return op

        created = [(c.key, c.default) for c in compiled if isinstance(c, Ref) and c.key is not None]
        if not self.creates_outputs:
            created = []
        # Every parameter as a function of the machine: Refs and names are passed as they are.
        getters = [(lambda m, fixed=c: fixed) if isinstance(c, (Ref, str)) else c for c in compiled]
        if len(getters) == 2:
            first_getter, second_getter = getters

            def op_two(m: Machine) -> Any:
                variables = m.vars
                for key, default in created:
                    if key not in variables:
                        variables[key] = default
                return function(m, first_getter(m), second_getter(m))

            return op_two

        def op_with_refs(m: Machine) -> Any:
            # Tera Term creates an output variable when it reads the parameter,
            # so it exists afterwards even when the command fails.
            variables = m.vars
            for key, default in created:
                if key not in variables:
                    variables[key] = default
            return function(m, *[getter(m) for getter in getters])

        return op_with_refs


REGISTRY: dict[str, CommandSpec] = {}

# Modules of this package that register commands when imported.
COMMAND_MODULES = ("core", "session", "strings", "files", "misc", "receive", "serial", "scp", "passwords", "dialogs", "log", "window", "transfer")


def load_commands() -> None:
    """Import every command module so that the registry is complete."""
    for name in COMMAND_MODULES:
        importlib.import_module(f"ttl.commands.{name}")


def lookup(name: str) -> CommandSpec | None:
    """Return the command ``name``, importing its module on first use.

    Only the modules a macro needs are imported, which shortens startup.
    """
    spec = REGISTRY.get(name)
    if spec is None:
        from ttl.commands.index import COMMAND_INDEX

        module = COMMAND_INDEX.get(name)
        if module is not None:
            importlib.import_module(f"ttl.commands.{module}")
            spec = REGISTRY.get(name)
    return spec


def build_index() -> dict[str, str]:
    """Return which module registers each command, after importing them all."""
    load_commands()
    return {name: spec.function.__module__.rsplit(".", 1)[1] for name, spec in sorted(REGISTRY.items())}


def command(name: str, signature: str = "", *, needs_link: bool = False,
            creates_outputs: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as the TTL command ``name``.

    ``creates_outputs=False`` is for a command that, in Tera Term, can fail
    before it reads its output variables, so they stay undefined.
    """

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY[name] = CommandSpec(name, signature.split(), function, needs_link, creates_outputs=creates_outputs)
        return function

    return register


def reject(name: str, reason: str) -> None:
    """Register ``name`` as a command that ttlrun rejects before the macro runs, for ``reason``."""

    def rejected(m: Machine, *values: Any) -> None:
        raise MacroRuntimeError(f"{name}: {reason}")

    # Record the calling module, which the command index names.
    rejected.__module__ = sys._getframe(1).f_globals["__name__"]

    REGISTRY[name] = CommandSpec(name, ["x*"], rejected, rejected=reason)


def _compile_param(compiler: Compiler, command_name: str, kind: str, node: Any, position: int) -> Any:
    if kind in ("v", "n"):
        if not _is_variable_node(node):
            raise compiler.error(f"{command_name}: parameter {position} must be a variable", node)
        value_kind = bytes if kind == "v" else int
        name = str(node if isinstance(node, Token) else node.children[0])
        # For the checker an output parameter is an assignment, not a read.
        compiler.suppress_reads += 1
        try:
            getter = compile_expr(node, compiler)
        finally:
            compiler.suppress_reads -= 1
        key = name.lower() if isinstance(node, Token) or node.data == "variable" else None
        return Ref(getter, compile_store(node, value_kind, compiler), name, key, value_kind())
    if kind == "q":
        return _compile_query(compiler, node)
    if kind == "a":
        if isinstance(node, Tree) and node.data == "variable":
            node = node.children[0]
        if not (isinstance(node, Token) and node.type == "NAME"):
            raise compiler.error(f"{command_name}: parameter {position} must be a name", node)
        name = compiler.check_variable_name(node)
        compiler.note_write(name)
        return name
    if kind == "i" and isinstance(node, Token) and node.type == "STRING":
        raise compiler.error(f"{command_name}: parameter {position} must be an integer, not a string", node)
    if kind == "s" and _is_integer_expression(node):
        raise compiler.error(f"{command_name}: parameter {position} must be a string, not an integer", node)
    if kind in ("i", "s"):
        expected = int if kind == "i" else bytes
        return compile_expression(node, compiler, expected, f"{command_name}: parameter {position}")
    return compile_expr(node, compiler)


def _split_leading_name(node: Any) -> tuple[Any, Any] | None:
    """Split ``name + x`` or ``name - x`` (also inside a longer chain) into the name and the rest."""
    if not (isinstance(node, Tree) and node.data == "binary"):
        return None
    left, operator, right = node.children
    if str(operator) not in ("+", "-"):
        inner = _split_leading_name(left)
        if inner is None:
            return None
        name, rest = inner
        return name, Tree("binary", [rest, operator, right])
    if isinstance(left, Tree) and left.data in ("variable", "element"):
        return left, Tree("unary", [operator, right])
    inner = _split_leading_name(left)
    if inner is None:
        return None
    name, rest = inner
    return name, Tree("binary", [rest, operator, right])


def _compile_query(compiler: Compiler, node: Any) -> Any:
    if isinstance(node, Tree) and node.data == "variable":
        node = node.children[0]
    if isinstance(node, Token) and node.type == "NAME":
        # For the checker: code after ifdefined handles a missing variable.
        compiler.note_write(str(node).lower())
        return str(node).lower()
    if isinstance(node, Tree) and node.data == "element":
        name = str(node.children[0]).lower()
        index = compile_expr(node.children[1], compiler)
        return lambda m: (name, index(m))
    return lambda m: None


def _is_integer_expression(node: Any) -> bool:
    """Tell whether ``node`` is an integer whatever the variables hold: a number or an operation."""
    if isinstance(node, Token):
        return node.type in ("INT", "HEX")
    return isinstance(node, Tree) and node.data in ("binary", "unary")


def _is_variable_node(node: Any) -> bool:
    if isinstance(node, Token):
        return node.type == "NAME"
    return isinstance(node, Tree) and node.data in ("variable", "element")
