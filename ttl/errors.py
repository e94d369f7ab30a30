"""The exception tree of ttlrun.

Every error a user can cause is a ``TTLError``. The command line prints it
as ``file:line:col: error: message`` with the source line and a caret, and
exits with the error's ``exit_status``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A position in a macro file. ``line`` and ``column`` are 1-based."""

    path: str
    line: int
    column: int = 0
    source_line: str = ""

    def __str__(self) -> str:
        if self.column:
            return f"{self.path}:{self.line}:{self.column}"
        return f"{self.path}:{self.line}"


class TTLError(Exception):
    """Base class of all errors that end a macro run with a message."""

    exit_status = 1
    kind = "error"

    def __init__(self, message: str, location: Location | None = None, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def with_location(self, location: Location) -> TTLError:
        """Attach ``location`` unless the error already has one."""
        if self.location is None:
            self.location = location
        return self

    def format(self) -> str:
        """Render the error as ttlrun prints it on standard error."""
        prefix = f"{self.location}: " if self.location else "ttlrun: "
        lines = [f"{prefix}{self.kind}: {self.message}"]
        loc = self.location
        if loc is not None and loc.source_line:
            text = loc.source_line.rstrip("\r\n").expandtabs(1)
            lines.append("    " + text)
            if loc.column:
                lines.append("    " + " " * (loc.column - 1) + "^")
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


class MacroSyntaxError(TTLError):
    """The macro text does not follow TTL's grammar (found before running)."""

    exit_status = 2
    kind = "syntax error"


class UsageError(TTLError):
    """The command line of ttlrun itself is wrong."""

    exit_status = 2


class MacroRuntimeError(TTLError):
    """A statement failed while the macro ran."""

    exit_status = 1


class UninitializedError(MacroRuntimeError):
    """A variable was read before anything assigned it."""


class LinkError(MacroRuntimeError):
    """A send or receive command found no usable connection."""


class InternalError(Exception):
    """An unexpected Python exception while a statement ran: a bug in ttlrun."""

    def __init__(self, error: BaseException, location: Location):
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error
        self.location = location


class RunTimeout(TTLError):
    """The ``--timeout`` guard stopped the whole run."""

    exit_status = 124
