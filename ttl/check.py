"""The static checker behind ``ttlrun --check``.

It compiles each macro without running it and reports, as
``file:line:col: error|warning: message``:

- syntax errors (one per bad line: the checker blanks a bad line and parses
  the file again, so later errors are found too);
- unbalanced blocks, unknown and unsupported commands, wrong parameter
  counts, literals of the wrong type, and ``call`` targets that do not
  exist (everything the compiler rejects before a run);
- ``goto`` targets that no file of the check defines;
- variables read where no path from the start of the macro assigns them.

The last check is a data-flow analysis over the compiled program. Paths
through ``include`` count every variable the included file (and the files
it includes) assigns; an include whose name is not a constant, and
``execcmnd``, may assign anything, so after them nothing is reported.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from ttl.commands import load_commands
from ttl.compiler import SYSTEM_VARIABLES, Compiler, Program
from ttl.errors import Location, MacroSyntaxError, UsageError
from ttl.parser import parse
from ttl.source import SourceFile, load_source

log = logging.getLogger(__name__)

MAX_SYNTAX_ERRORS = 50


@dataclass(frozen=True)
class Diagnostic:
    """One finding of the checker."""

    location: Location
    severity: str  # "error" or "warning"
    message: str

    def format(self) -> str:
        return f"{self.location}: {self.severity}: {self.message}"


@dataclass
class CheckedFile:
    path: Path
    source: SourceFile
    program: Program | None
    includes: list[Path]
    dynamic: bool  # has an include with a computed name, or execcmnd


class Checker:
    """Check a set of macro files and the files they include with a constant name."""

    def __init__(self, encoding: str | None = None):
        load_commands()
        self.encoding = encoding
        self.files: dict[Path, CheckedFile] = {}
        self.diagnostics: list[Diagnostic] = []
        self.included: set[Path] = set()

    # -- loading -----------------------------------------------------------

    def add(self, path: Path) -> CheckedFile | None:
        resolved = path.resolve()
        if resolved in self.files:
            return self.files[resolved]
        try:
            source = load_source(resolved, self.encoding)
        except UsageError as error:
            self.diagnostics.append(Diagnostic(Location(str(path), 1, 1), "error", error.message))
            return None
        source = SourceFile(path, source.text, source.encoding)
        program = self._compile(source)
        includes: list[Path] = []
        dynamic = False
        if program is not None:
            for raw, _line in program.constant_includes:
                includes.append(resolved.parent / os.fsdecode(raw.replace(b"\\", b"/")))
            dynamic = "execcmnd" in program.kinds or program.kinds.count("include") > len(includes)
        checked = CheckedFile(resolved, source, program, includes, dynamic)
        self.files[resolved] = checked
        for include, (_raw, line) in zip(includes, program.constant_includes if program else []):
            if include.is_file():
                self.included.add(include.resolve())
                self.add(include)
            else:
                location = Location(source.name, line, 1, source.line(line))
                self.diagnostics.append(Diagnostic(location, "error", f"include: file not found: {include}"))
        return checked

    def _compile(self, source: SourceFile) -> Program | None:
        """Compile, collecting every error; blank out bad lines to find later syntax errors."""
        text = source.text
        syntax_errors: list[MacroSyntaxError] = []
        while True:
            attempt = SourceFile(source.path, text, source.encoding)
            try:
                tree = parse(attempt)
                break
            except MacroSyntaxError as syntax_error:
                syntax_errors.append(_with_source(syntax_error, source))
                if syntax_error.location is None or len(syntax_errors) >= MAX_SYNTAX_ERRORS:
                    tree = None
                    break
                text = _blank_line(text, syntax_error.location.line)
        for found in syntax_errors:
            self._report(found, "error")
        if tree is None:
            return None
        compiler = Compiler(source, collect_errors=True)
        program = compiler.compile(tree)
        for found in compiler.errors:
            self._report(found, "error")
        return program

    def _report(self, error: MacroSyntaxError, severity: str) -> None:
        location = error.location or Location("?", 0)
        self.diagnostics.append(Diagnostic(location, severity, error.message))

    # -- checks ------------------------------------------------------------

    def run(self, paths: list[Path]) -> list[Diagnostic]:
        for path in paths:
            self.add(path)
        for checked in self.files.values():
            if checked.program is None:
                continue
            self._check_gotos(checked)
            # A file that another one includes relies on the includer's
            # variables, so its reads are checked only along with the includer.
            if checked.path not in self.included:
                self._check_reads(checked)
        return sorted(self.diagnostics, key=lambda d: (d.location.path, d.location.line, d.location.column))

    def _all_labels(self) -> set[str]:
        labels: set[str] = set()
        for checked in self.files.values():
            if checked.program is not None:
                labels.update(checked.program.labels)
        return labels

    def _check_gotos(self, checked: CheckedFile) -> None:
        program = checked.program
        assert program is not None
        known = self._all_labels()
        for pc, flow in enumerate(program.flows):
            if program.kinds[pc] != "goto" or flow.label is None or flow.targets[0][0] >= 0:
                continue
            word = str(flow.label)
            name = word.lower()
            line = flow.label.line or program.lines[pc]
            location = Location(program.source.name, line, flow.label.column or 0, program.source.line(line))
            if name in known:
                continue
            severity = "warning" if checked.path in self.included else "error"
            hint = "; it may be in a file that includes this one" if severity == "warning" else ""
            self.diagnostics.append(Diagnostic(location, severity, f"goto: label ':{word}' is not defined{hint}"))

    def _written_by(self, path: Path, seen: set[Path] | None = None) -> set[str] | None:
        """Return every variable a file (with its includes) assigns; None when that cannot be known."""
        seen = seen if seen is not None else set()
        if path in seen:
            return set()
        seen.add(path)
        checked = self.files.get(path.resolve())
        if checked is None or checked.program is None or checked.dynamic:
            return None
        names: set[str] = set()
        for flow in checked.program.flows:
            names |= flow.writes
        for include in checked.includes:
            inner = self._written_by(include, seen)
            if inner is None:
                return None
            names |= inner
        return names

    def _check_reads(self, checked: CheckedFile) -> None:
        """Report reads of variables that no path from the start assigns."""
        program = checked.program
        assert program is not None
        count = len(program.ops)
        if count == 0:
            return
        everything = None  # marks "any variable may be assigned"
        # What each include (or execcmnd) op may assign; None for anything.
        include_by_line = {line: checked.includes[i] for i, (_raw, line) in enumerate(program.constant_includes)}
        include_writes: dict[int, set[str] | None] = {}
        for pc, kind in enumerate(program.kinds):
            if kind == "include":
                path = include_by_line.get(program.lines[pc])
                include_writes[pc] = self._written_by(path) if path is not None else None
            elif kind == "execcmnd":
                include_writes[pc] = None

        sub_writes: dict[int, set[str] | None] = {}

        def writes_of_subroutine(entry: int) -> set[str] | None:
            """Return what a subroutine may assign: the ops reachable from its entry up to return."""
            if entry in sub_writes:
                return sub_writes[entry]
            sub_writes[entry] = set()  # a recursive call adds nothing new
            names: set[str] = set()
            seen = {entry}
            stack = [entry]
            while stack:
                index = stack.pop()
                if index in include_writes:
                    extra = include_writes[index]
                    if extra is None:
                        sub_writes[entry] = None
                        return None
                    names |= extra
                flow = program.flows[index]
                names |= flow.writes
                if program.kinds[index] == "return":
                    continue
                following = [cell[0] for cell in flow.targets if cell[0] >= 0]
                if flow.falls_through:
                    following.append(index + 1)
                for successor in following:
                    if successor < count and successor not in seen:
                        seen.add(successor)
                        stack.append(successor)
            sub_writes[entry] = names
            return names

        # assigned[pc]: the variables some path may have assigned before op pc,
        # or None when anything may be assigned; only meaningful where reached.
        assigned: list[set[str] | None] = [None] * count
        reached = [False] * count
        assigned[0] = set(SYSTEM_VARIABLES)
        reached[0] = True
        work = [0]
        while work:
            pc = work.pop()
            state = assigned[pc]
            flow = program.flows[pc]
            if state is None or (pc in include_writes and include_writes[pc] is None):
                out: set[str] | None = everything
            else:
                out = set(state) | flow.writes
                extra = include_writes.get(pc)
                if extra:
                    out |= extra
            successors = [(cell[0], out) for cell in flow.targets if cell[0] >= 0]
            if flow.falls_through and pc + 1 < count:
                after = out
                if program.kinds[pc] == "call" and out is not None and flow.targets and flow.targets[0][0] >= 0:
                    # After a call the subroutine has run: add what it may assign.
                    called = writes_of_subroutine(flow.targets[0][0])
                    after = None if called is None else out | called
                successors.append((pc + 1, after))
            for successor, out in successors:
                if successor >= count:
                    continue
                before = assigned[successor]
                if not reached[successor]:
                    reached[successor] = True
                    assigned[successor] = None if out is None else set(out)
                    work.append(successor)
                elif before is not None:
                    merged = None if out is None else before | out
                    if merged is None or merged != before:
                        assigned[successor] = merged
                        work.append(successor)

        assigned_anywhere: set[str] = set()
        for flow in program.flows:
            assigned_anywhere |= flow.writes
        for path in checked.includes:
            assigned_anywhere |= self._written_by(path) or set()
        reported: set[str] = set()
        for pc in range(count):
            state = assigned[pc]
            if not reached[pc] or state is None:
                continue
            flow = program.flows[pc]
            for token in flow.reads:
                name = str(token).lower()
                if name in state or name in reported:
                    continue
                reported.add(name)
                line = token.line or program.lines[pc]
                location = Location(program.source.name, line, token.column or 0, program.source.line(line))
                if name in assigned_anywhere:
                    finding = Diagnostic(location, "error", f"variable '{token}' is read before any assignment")
                else:
                    # Never assigned here: a library file may expect its includer to set it.
                    finding = Diagnostic(
                        location,
                        "warning",
                        f"variable '{token}' is never assigned in this file; "
                        "unless a file that includes this one assigns it, reading it fails",
                    )
                self.diagnostics.append(finding)


def _blank_line(text: str, number: int) -> str:
    lines = text.split("\n")
    if 1 <= number <= len(lines):
        lines[number - 1] = ""
    return "\n".join(lines)


def _with_source(error: MacroSyntaxError, source: SourceFile) -> MacroSyntaxError:
    if error.location is not None:
        location = error.location
        error.location = Location(source.name, location.line, location.column, source.line(location.line))
    return error


def check_paths(paths: list[Path], encoding: str | None = None) -> list[Diagnostic]:
    """Check the macro files at ``paths``; return the findings in file and line order."""
    return Checker(encoding).run(paths)
