"""Compiling a parsed macro file into a flat program with resolved jumps.

Each statement becomes one or two ops. An op is a Python callable taking the
machine; it returns ``None`` to go on with the next op, or the index of the
op to run next. Block statements (if/elseif/else/endif, for/next and the
while, until and do loops) are matched here once, so running a macro never
scans the source for a matching keyword and never re-parses a line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from lark import Token, Tree

from ttl import expressions
from ttl.codegen import compile_assignment, constant_int
from ttl.commands import CommandSpec, lookup
from ttl.errors import Location, MacroRuntimeError, MacroSyntaxError
from ttl.expressions import Evaluator, truth
from ttl.keywords import KEYWORDS
from ttl.parser import as_token, parse
from ttl.source import SourceFile

if TYPE_CHECKING:
    from ttl.machine import Machine

log = logging.getLogger(__name__)

Op = Callable[["Machine"], Any]

SYSTEM_VARIABLES = frozenset(
    ["result", "inputstr", "matchstr", "timeout", "mtimeout", "paramcnt", "params"]
    + [f"groupmatchstr{i}" for i in range(1, 10)]
    + [f"param{i}" for i in range(1, 10)]
)


INTEGER_SYSTEM_VARIABLES = frozenset(["result", "timeout", "mtimeout", "paramcnt"])


@dataclass
class Flow:
    """Facts about one op that the static checker uses."""

    falls_through: bool = True  # the next op may run after this one
    targets: list[list[int]] = field(default_factory=list)  # jump-target cells
    reads: list[Token] = field(default_factory=list)  # variables the op reads
    writes: set[str] = field(default_factory=set)  # variables the op assigns
    label: Token | None = None  # the label a goto or call names


@dataclass
class Program:
    """One compiled macro file."""

    source: SourceFile
    ops: list[Op] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    columns: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    labels: dict[str, int] = field(default_factory=dict)
    constant_includes: list[tuple[bytes, int]] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)

    def location(self, pc: int) -> Location:
        """Return the source location of op ``pc``."""
        line = self.lines[pc]
        return Location(self.source.name, line, self.columns[pc], self.source.line(line))


class ExitInclude(Exception):
    """``exit`` ran inside an included file."""


class MacroEnd(Exception):
    """``end`` ran, or ``exit`` ran in the main file."""


class Transfer(Exception):
    """A jump to an op of another (enclosing) program."""

    def __init__(self, program: Program, pc: int):
        super().__init__()
        self.program = program
        self.pc = pc


@dataclass
class _Block:
    kind: str  # "if", "for", "loop"
    opener: int
    node: Tree
    pending: list[int] = field(default_factory=list)  # ops whose target is patched later
    false_jump: int | None = None  # op index of the if/elseif test to patch
    breaks: list[int] = field(default_factory=list)
    seen_else: bool = False
    for_info: _ForInfo | None = None


class Compiler:
    """Turn the statements of one file into a Program."""

    def __init__(self, source: SourceFile, *, collect_errors: bool = False):
        self.source = source
        self.program = Program(source)
        # With collect_errors, compile() records errors and goes on (ttlrun --check).
        self.collect_errors = collect_errors
        self.errors: list[MacroSyntaxError] = []
        self.flow = Flow()  # of the statement being compiled
        self.suppress_reads = 0
        self.blocks: list[_Block] = []
        # Jump targets set after compiling, as a list cell per op.
        self.targets: dict[int, list[int]] = {}
        self.label_refs: list[tuple[str, Token, int, str]] = []

    # -- helpers -------------------------------------------------------

    def error(self, message: str, node: Tree | Token) -> MacroSyntaxError:
        line, column = _position(node)
        return MacroSyntaxError(message, Location(self.source.name, line, column, self.source.line(line)))

    def note_read(self, token: Token) -> None:
        if not self.suppress_reads:
            self.flow.reads.append(token)

    def note_write(self, name: str) -> None:
        self.flow.writes.add(name)

    def set_flow(self, falls_through: bool, *targets: list[int]) -> None:
        self.flow.falls_through = falls_through
        self.flow.targets = list(targets)

    def emit(self, op: Op, node: Tree | Token, kind: str) -> int:
        line, column = _position(node)
        program = self.program
        program.flows.append(self.flow)
        self.flow = Flow()
        program.ops.append(op)
        program.lines.append(line)
        program.columns.append(column)
        program.kinds.append(kind)
        return len(program.ops) - 1

    def cell(self, index: int) -> list[int]:
        """Return the mutable jump-target cell of op ``index``."""
        return self.targets.setdefault(index, [-1])

    # -- entry point -----------------------------------------------------

    def compile(self, tree: Tree) -> Program:
        for node in tree.children:
            try:
                self.statement(node)
            except MacroSyntaxError as error:
                if not self.collect_errors:
                    raise
                self.errors.append(error)
                self.flow = Flow()
        for block in reversed(self.blocks):
            closer = {"if": "endif", "for": "next", "loop": "endwhile, enduntil or loop"}[block.kind]
            unclosed = self.error(f"this block is never closed: {closer} is missing", block.node)
            if not self.collect_errors:
                raise unclosed
            self.errors.append(unclosed)
        self.resolve_labels()
        return self.program

    def statement(self, node: Tree) -> None:
        handler = getattr(self, "stmt_" + node.data.rstrip("_"))
        handler(node)

    # -- labels ----------------------------------------------------------

    def stmt_label(self, node: Tree) -> None:
        token = as_token(node.children[0])
        name = token[1:].lower()
        if name in SYSTEM_VARIABLES:
            raise self.error(f"label ':{token[1:]}' has the name of a system variable; rename it", node)
        if name in self.program.labels:
            raise self.error(f"label ':{token[1:]}' is already defined in this file", node)
        self.program.labels[name] = len(self.program.ops)

    def resolve_labels(self) -> None:
        for name, token, index, kind in self.label_refs:
            target = self.program.labels.get(name)
            if target is not None:
                self.cell(index)[0] = target
            elif kind == "call":
                error = self.error(f"call: label ':{token}' is not defined in this file", token)
                if not self.collect_errors:
                    raise error
                self.errors.append(error)
            # A goto may leave for a label of an enclosing file; it is
            # looked up at run time.

    # -- simple statements --------------------------------------------

    def stmt_command(self, node: Tree) -> None:
        op, kind = self.simple_op(node)
        self.emit(op, node, kind)

    stmt_assign = stmt_command
    stmt_if_line = stmt_command
    stmt_goto = stmt_command
    stmt_call = stmt_command
    stmt_return = stmt_command
    stmt_break = stmt_command
    stmt_continue = stmt_command
    stmt_include = stmt_command
    stmt_exit = stmt_command
    stmt_end = stmt_command

    def simple_op(self, node: Tree) -> tuple[Op, str]:
        """Compile a statement that fits in one op (and may follow a one-line if)."""
        kind = node.data.rstrip("_")
        index = len(self.program.ops)  # the op this statement will become
        if kind == "command":
            return self.command_op(node), str(node.children[0]).lower()
        if kind in ("assign", "element_target"):
            return self.assign_op(node), "assign"
        if kind == "if_line":
            cond = self.expr(node.children[1])
            inner, inner_kind = self.simple_op(node.children[2])
            self.flow.falls_through = True

            def if_line(m: Machine) -> Any:
                if truth(cond(m)):
                    return inner(m)
                return None

            return if_line, "if"
        if kind in ("goto", "call"):
            token = as_token(node.children[1])
            name = str(token).lower()
            target = self.cell(index)
            self.label_refs.append((name, token, index, kind))
            self.flow.label = token
            if kind == "goto":
                self.set_flow(False, target)
                return _goto_op(name, target), kind
            self.set_flow(True, target)
            return _call_op(target, index + 1), kind
        if kind == "return":
            self.set_flow(False)
            return _return_op, kind
        if kind in ("break", "continue"):
            loop = next((b for b in reversed(self.blocks) if b.kind != "if"), None)
            if loop is None:
                raise self.error(f"{kind} outside a loop", node)
            if kind == "break":
                target = self.cell(index)
                loop.breaks.append(index)
                self.set_flow(False, target)
                return _break_op(target), kind
            target = self._closer_cell(loop, index)
            self.set_flow(False, target)
            return _continue_op(target), kind
        if kind == "include":
            path_expr = node.children[1]
            path = self.expr(path_expr)
            if isinstance(path_expr, Token) and path_expr.type == "STRING":
                self.program.constant_includes.append((expressions.string_literal(path_expr), path_expr.line or 0))
            return _include_op(path), kind
        if kind == "exit":
            self.set_flow(False)
            return _exit_op, kind
        if kind == "end":
            self.set_flow(False)
            return _end_op, kind
        raise self.error(f"{kind} cannot follow a one-line if", node)

    def _closer_cell(self, loop: _Block, index: int) -> list[int]:
        # continue jumps to the loop's closer, patched when the closer is seen.
        target = self.cell(index)
        loop.pending.append(index)
        return target

    def command_op(self, node: Tree) -> Op:
        name_token = as_token(node.children[0])
        name = str(name_token).lower()
        args = node.children[1:]
        spec = lookup(name)
        if spec is None:
            if name in KEYWORDS:
                raise self.error(f"command '{name}' is not supported yet by ttlrun", name_token)
            raise self.error(f"unknown command '{name_token}'", name_token)
        return spec.compile(self, name_token, args)

    def assign_op(self, node: Tree) -> Op:
        target_node, value_node = node.children
        name = _simple_name(target_node)
        if name in INTEGER_SYSTEM_VARIABLES and isinstance(value_node, Token) and value_node.type == "STRING":
            raise self.error(f"type mismatch: '{name}' is an integer variable and cannot take a string", value_node)
        if name is not None:
            store = self.store(target_node, None)
            # The store only runs when the type would change, to raise its error.
            return compile_assignment(name, value_node, store, self)
        value = self.expr(value_node)
        store = self.store(target_node, None)

        def assign(m: Machine) -> None:
            store(m, value(m))

        return assign

    # -- expressions and variables ------------------------------------

    def expr(self, node: Tree | Token) -> Evaluator:
        return expressions.compile_expr(node, self)

    def check_variable_name(self, token: Token) -> str:
        name = str(token).lower()
        if name in KEYWORDS:
            raise self.error(f"'{token}' is a command name and cannot be used as a variable", token)
        if name in self.program.labels:
            raise self.error(f"'{token}' is a label and cannot be used as a variable", token)
        return name

    def store(self, target: Tree | Token, kind: type | None) -> Callable[[Machine, Any], None]:
        """Compile a variable or array element as the target of a value.

        ``kind`` is ``int`` or ``bytes`` when the command decides the type of
        a new variable, or ``None`` when the value decides (assignment).
        """
        return expressions.compile_store(target, kind, self)

    # -- if blocks -------------------------------------------------------

    def stmt_if_block(self, node: Tree) -> None:
        cond = self.expr(node.children[1])
        block = _Block("if", len(self.program.ops), node)
        target = self.cell(block.opener)
        self.set_flow(True, target)
        self.emit(_test_op(cond, target), node, "if")
        block.false_jump = block.opener
        self.blocks.append(block)

    def _current_if(self, node: Tree, word: str) -> _Block:
        if not self.blocks or self.blocks[-1].kind != "if":
            raise self.error(f"{word} without a matching 'if ... then'", node)
        block = self.blocks[-1]
        if block.seen_else:
            raise self.error(f"{word} after 'else' in the same if block", node)
        return block

    def stmt_elseif(self, node: Tree) -> None:
        block = self._current_if(node, "elseif")
        # Reached by falling out of the previous branch: skip to endif.
        self.set_flow(False, self.cell(len(self.program.ops)))
        skip = self.emit(_jump_op(self.cell(len(self.program.ops))), node, "elseif")
        block.pending.append(skip)
        assert block.false_jump is not None
        self.cell(block.false_jump)[0] = len(self.program.ops)
        cond = self.expr(node.children[1])
        test = len(self.program.ops)
        self.set_flow(True, self.cell(test))
        self.emit(_test_op(cond, self.cell(test)), node, "elseif")
        block.false_jump = test

    def stmt_else(self, node: Tree) -> None:
        block = self._current_if(node, "else")
        self.set_flow(False, self.cell(len(self.program.ops)))
        skip = self.emit(_jump_op(self.cell(len(self.program.ops))), node, "else")
        block.pending.append(skip)
        assert block.false_jump is not None
        self.cell(block.false_jump)[0] = len(self.program.ops)
        block.false_jump = None
        block.seen_else = True

    def stmt_endif(self, node: Tree) -> None:
        if not self.blocks or self.blocks[-1].kind != "if":
            raise self.error("endif without a matching 'if ... then'", node)
        block = self.blocks.pop()
        end = len(self.program.ops)
        for index in block.pending:
            self.cell(index)[0] = end
        if block.false_jump is not None:
            self.cell(block.false_jump)[0] = end

    # -- loops -------------------------------------------------------------

    def stmt_for(self, node: Tree) -> None:
        _, target, first_node, last_node = node.children
        self.suppress_reads += 1  # for reads the loop variable only after assigning it
        load = expressions.compile_expr(target, self)
        self.suppress_reads -= 1
        store = self.store(target, int)
        first = self.expr(first_node)
        last = self.expr(last_node)
        block = _Block("for", len(self.program.ops), node)
        block.for_info = _ForInfo(
            load, store, first, last, _simple_name(target), constant_int(first_node), constant_int(last_node)
        )
        self.emit(_for_op(block.for_info, block.opener), node, "for")
        self.blocks.append(block)

    def stmt_next(self, node: Tree) -> None:
        if not self.blocks or self.blocks[-1].kind != "for":
            raise self.error("next without a matching for", node)
        block = self.blocks.pop()
        info = block.for_info
        assert info is not None
        self.set_flow(True, [block.opener + 1])
        index = self.emit(_next_op(info, block.opener + 1), node, "next")
        self._close_loop(block, index)

    def _open_loop(self, node: Tree, cond: Evaluator | None, negate: bool, kind: str) -> None:
        block = _Block("loop", len(self.program.ops), node)
        exit_cell = self.cell(block.opener)
        self.set_flow(True, exit_cell)
        self.emit(_loop_head_op(cond, negate, exit_cell, block.opener), node, kind)
        block.breaks.append(block.opener)
        self.blocks.append(block)

    def _loop_closer(self, node: Tree, word: str) -> _Block:
        if not self.blocks or self.blocks[-1].kind != "loop":
            raise self.error(f"{word} without a matching while, until or do", node)
        return self.blocks.pop()

    def _close_loop(self, block: _Block, closer: int) -> None:
        after = len(self.program.ops)
        for index in block.breaks:
            self.cell(index)[0] = after
        for index in block.pending:
            self.cell(index)[0] = closer

    def stmt_while(self, node: Tree) -> None:
        cond = self.expr(node.children[1]) if len(node.children) > 1 else None
        self._open_loop(node, cond, False, "while")

    def stmt_until(self, node: Tree) -> None:
        cond = self.expr(node.children[1]) if len(node.children) > 1 else None
        self._open_loop(node, cond, cond is not None, "until")

    def stmt_do(self, node: Tree) -> None:
        cond = None
        negate = False
        if len(node.children) > 1:
            negate = str(node.children[1]).lower() == "until"
            cond = self.expr(node.children[2])
        self._open_loop(node, cond, negate, "do")

    def _close_with(self, node: Tree, word: str, cond: Evaluator | None, negate: bool) -> None:
        block = self._loop_closer(node, word)
        self.set_flow(True, [block.opener])
        index = self.emit(_loop_tail_op(cond, negate, block.opener), node, word)
        self._close_loop(block, index)

    def stmt_endwhile(self, node: Tree) -> None:
        cond = self.expr(node.children[1]) if len(node.children) > 1 else None
        self._close_with(node, "endwhile", cond, False)

    def stmt_enduntil(self, node: Tree) -> None:
        cond = self.expr(node.children[1]) if len(node.children) > 1 else None
        self._close_with(node, "enduntil", cond, True)

    def stmt_loop(self, node: Tree) -> None:
        cond = None
        negate = False
        if len(node.children) > 1:
            negate = str(node.children[1]).lower() == "until"
            cond = self.expr(node.children[2])
        self._close_with(node, "loop", cond, negate)


@dataclass
class _ForInfo:
    load: Evaluator
    store: Callable[[Machine, Any], None]
    first: Evaluator
    last: Evaluator
    name: str | None  # the loop variable when it is not an array element
    first_constant: int | None  # the bounds when they are literals
    last_constant: int | None


def _simple_name(target: Tree | Token) -> str | None:
    """Return the lowercase name of a plain variable target, or None for an array element."""
    if isinstance(target, Tree) and target.data in ("target", "variable"):
        target = target.children[0]
    if isinstance(target, Token) and target.type == "NAME":
        return str(target).lower()
    return None


def _position(node: Tree | Token) -> tuple[int, int]:
    if isinstance(node, Token):
        return node.line or 1, node.column or 1
    meta = node.meta
    if getattr(meta, "empty", True):
        for child in node.children:
            if isinstance(child, (Tree, Token)):
                return _position(child)
        return 1, 1
    return meta.line, meta.column


def _int_value(value: Any, what: str) -> int:
    if value.__class__ is not int:
        raise MacroRuntimeError(f"type mismatch: {what} must be an integer, not a string")
    return value


# -- op factories --------------------------------------------------------
# Control frames on the machine's stack are lists: ["call", program, pc],
# ["for", opener, is_last] or ["loop", opener].


def _jump_op(target: list[int]) -> Op:
    def jump(m: Machine) -> int:
        return target[0]

    return jump


def _test_op(cond: Evaluator, target: list[int]) -> Op:
    def test(m: Machine) -> int | None:
        value = cond(m)
        if value.__class__ is not int:
            raise MacroRuntimeError("type mismatch: an if condition must be an integer")
        return None if value else target[0]

    return test


def _goto_op(name: str, target: list[int]) -> Op:
    def goto(m: Machine) -> int:
        if target[0] >= 0:
            return target[0]
        return m.goto_outer(name)

    return goto


def _call_op(target: list[int], return_pc: int) -> Op:
    def call(m: Machine) -> int:
        m.stack.append(["call", m.program, return_pc])
        return target[0]

    return call


def _return_op(m: Machine) -> int:
    stack = m.stack
    if not stack or stack[-1][0] != "call":
        raise MacroRuntimeError("invalid control: return without a matching call (leave loops with break first)")
    _, program, pc = stack.pop()
    if program is not m.program:
        raise Transfer(program, pc)
    return pc


def _break_op(target: list[int]) -> Op:
    def break_(m: Machine) -> int:
        stack = m.stack
        if not stack or stack[-1][0] not in ("for", "loop"):
            raise MacroRuntimeError("invalid control: break without an open loop")
        stack.pop()
        return target[0]

    return break_


def _continue_op(target: list[int]) -> Op:
    def continue_(m: Machine) -> int:
        stack = m.stack
        if not stack or stack[-1][0] not in ("for", "loop"):
            raise MacroRuntimeError("invalid control: continue without an open loop")
        return target[0]

    return continue_


def _include_op(path: Evaluator) -> Op:
    def include(m: Machine) -> None:
        value = path(m)
        if value.__class__ is not bytes:
            raise MacroRuntimeError("type mismatch: include needs a file name string")
        m.include(value)

    return include


def _exit_op(m: Machine) -> None:
    if len(m.files) > 1:
        raise ExitInclude()
    raise MacroEnd()


def _end_op(m: Machine) -> None:
    raise MacroEnd()


def _for_op(info: _ForInfo, opener: int) -> Op:
    def for_(m: Machine) -> None:
        first = _int_value(info.first(m), "the first value of for")
        last = _int_value(info.last(m), "the last value of for")
        info.store(m, first)
        m.stack.append(["for", opener, first == last])

    return for_


def _next_op(info: _ForInfo, body: int) -> Op:
    def next_(m: Machine) -> int | None:
        stack = m.stack
        if not stack or stack[-1][0] != "for":
            raise MacroRuntimeError("invalid control: next without a matching for")
        frame = stack[-1]
        if frame[2]:
            stack.pop()
            return None
        # Tera Term re-reads the for line: both bounds are evaluated again
        # and the variable steps from its current value toward the end.
        if info.first_constant is None:
            _int_value(info.first(m), "the first value of for")
        last = info.last_constant
        if last is None:
            last = _int_value(info.last(m), "the last value of for")
        name = info.name
        if name is not None:
            value = m.vars.get(name)
            if value.__class__ is not int:
                value = _int_value(info.load(m), "the for variable")
        else:
            value = _int_value(info.load(m), "the for variable")
        if value < last:
            value += 1
        elif value > last:
            value -= 1
        if name is not None:
            m.vars[name] = value
        else:
            info.store(m, value)
        frame[2] = value == last
        return body

    return next_


def _loop_head_op(cond: Evaluator | None, negate: bool, exit_cell: list[int], opener: int) -> Op:
    def loop_head(m: Machine) -> int | None:
        if cond is not None:
            value = cond(m)
            if value.__class__ is not int:
                raise MacroRuntimeError("type mismatch: a loop condition must be an integer")
            if bool(value) == negate:
                return exit_cell[0]
        m.stack.append(["loop", opener])
        return None

    return loop_head


def _loop_tail_op(cond: Evaluator | None, negate: bool, opener: int) -> Op:
    def loop_tail(m: Machine) -> int | None:
        stack = m.stack
        if not stack or stack[-1][0] != "loop":
            raise MacroRuntimeError("invalid control: loop closer without an open loop")
        stack.pop()
        if cond is not None:
            value = cond(m)
            if value.__class__ is not int:
                raise MacroRuntimeError("type mismatch: a loop condition must be an integer")
            if bool(value) == negate:
                return None
        return opener

    return loop_tail


def compile_source(source: SourceFile) -> Program:
    """Parse and compile one macro file."""
    tree = parse(source)
    return Compiler(source).compile(tree)


__all__ = ["CommandSpec", "Compiler", "Program", "compile_source", "ExitInclude", "MacroEnd", "Transfer"]


def compile_command_string(program: Program, pc: int, text: str) -> Op:
    """Compile the text of ``execcmnd`` as one statement placed at op ``pc`` of ``program``.

    Labels are those of ``program``, so ``execcmnd 'goto x'`` and
    ``execcmnd 'call x'`` work as in Tera Term. Raise MacroSyntaxError for
    text that is not one simple statement.
    """
    source = SourceFile(Path("<execcmnd>"), text, "utf-8")
    tree = parse(source)
    statements = [node for node in tree.children if node.data != "label"]
    if not statements:
        return lambda m: None
    if len(statements) > 1:
        raise MacroSyntaxError("execcmnd runs one statement; the text contains several lines")
    compiler = Compiler(source)
    compiler.program.labels = program.labels
    # Placeholders put the new op at index pc, so a call returns to pc + 1.
    compiler.program.ops = [_end_op] * pc
    statement = statements[0]
    if statement.data.rstrip("_") not in SIMPLE_STATEMENTS:
        raise MacroSyntaxError(f"execcmnd cannot run a block statement ({statement.data.rstrip('_')})")
    op, _kind = compiler.simple_op(statement)
    compiler.resolve_labels()
    return op


SIMPLE_STATEMENTS = frozenset(
    ["command", "assign", "if_line", "goto", "call", "return", "break", "continue", "include", "exit", "end"]
)
