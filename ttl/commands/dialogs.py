"""Dialog commands without a desktop.

A dialog that needs an answer takes the next one given with ``--answer``
or in the ``TTLRUN_ANSWERS`` environment variable (one answer per line).
With none left and a terminal on standard input, it asks there; the
password dialog does not echo. Otherwise the macro stops with a message
naming the dialog, because waiting on a closed standard input would hang
a CI job.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ttl.commands import command
from ttl.commands.core import _special, _text
from ttl.errors import MacroRuntimeError
from ttl.values import StrArray

if TYPE_CHECKING:
    from ttl.machine import Machine

YES_WORDS = {"y", "yes", "1", "ok", "true", "はい"}
NO_WORDS = {"n", "no", "0", "false", "cancel", "いいえ"}


def _describe(kind: str, title: bytes, message: bytes) -> str:
    label = title.decode("utf-8", "replace") or message.decode("utf-8", "replace")[:40]
    return f"{kind} '{label}'"


def ask(m: Machine, kind: str, title: bytes, message: bytes, *, secret: bool = False) -> str:
    """Return the answer to a dialog, from --answer, TTLRUN_ANSWERS or the terminal."""
    answer = m.answers.pop(0) if m.answers else None
    if answer is not None:
        return answer
    if sys.stdin is not None and sys.stdin.isatty():
        prompt = f"[{title.decode('utf-8', 'replace')}] {message.decode('utf-8', 'replace')} "
        if secret:
            return getpass.getpass(prompt)
        sys.stderr.write(prompt)
        sys.stderr.flush()
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    raise MacroRuntimeError(
        f"{_describe(kind, title, message)} needs an answer and standard input is not a terminal",
        hint="give answers in order with --answer TEXT, or one per line in TTLRUN_ANSWERS",
    )


def _message(value: Any, special: int) -> bytes:
    text = _text(value)
    return _special(text) if special else text


@command("yesnobox", "x x i?")
def yesnobox(m: Machine, message: Any, title: Any, special: int = 0) -> None:
    text = _message(message, special)
    heading = _text(title)
    answer = ask(m, "yesnobox", heading, text).strip().lower()
    if answer in YES_WORDS:
        m.set_result(1)
    elif answer in NO_WORDS:
        m.set_result(0)
    else:
        raise MacroRuntimeError(f"yesnobox: answer {answer!r} is neither yes nor no")


@command("inputbox", "s s x? i?")
def inputbox(m: Machine, message: bytes, title: bytes, default: Any = b"", special: int = 0) -> None:
    if default.__class__ is int:  # the third parameter may be <special>
        default, special = b"", default
    answer = ask(m, "inputbox", title, _message(message, special))
    m.vars["inputstr"] = answer.encode("utf-8") if answer else default


@command("passwordbox", "s s i?")
def passwordbox(m: Machine, message: bytes, title: bytes, special: int = 0) -> None:
    answer = ask(m, "passwordbox", title, _message(message, special), secret=True).encode("utf-8")
    m.add_secret(answer)
    m.vars["inputstr"] = answer


@command("listbox", "x x a x*")
def listbox(m: Machine, message: Any, title: Any, array_name: str, *options: Any) -> None:
    items = m.vars.get(array_name)
    if not isinstance(items, StrArray):
        raise MacroRuntimeError(f"listbox: '{array_name}' is not a string array; declare it with strdim")
    for option in options:
        if option.__class__ is int or option.isdigit():
            continue
        key = option.split(b"=", 1)[0].lower()
        if key not in (b"dblclick", b"minmaxbutton", b"minimize", b"maximize", b"listboxsize"):
            raise MacroRuntimeError(f"listbox: unknown option {option.decode('utf-8', 'replace')!r}")
    answer = ask(m, "listbox", _text(title), _text(message)).strip()
    if answer.lower() in ("", "cancel", "-1"):
        m.set_result(-1)
        return
    if answer.isdigit() and int(answer) < len(items):
        m.set_result(int(answer))
        return
    encoded = answer.encode("utf-8")
    if encoded in items:
        m.set_result(items.index(encoded))
        return
    raise MacroRuntimeError(f"listbox: answer {answer!r} is neither an index below {len(items)} nor an item")


def _ask_path(m: Machine, kind: str, title: bytes, what: bytes, initial_dir: bytes) -> None:
    """Set inputstr to the answered path (relative to ``initial_dir``) and result 1; "" and 0 on cancel."""
    answer = ask(m, kind, title, what)
    if not answer:
        m.vars["inputstr"] = b""
        m.set_result(0)
        return
    base = Path(os.fsdecode(initial_dir)) if initial_dir else m.current_dir
    m.vars["inputstr"] = os.fsencode(str((base / answer).resolve()))
    m.set_result(1)


@command("filenamebox", "s i? s?")
def filenamebox(m: Machine, title: bytes, save: int = 0, initial_dir: bytes = b"") -> None:
    _ask_path(m, "filenamebox", title, b"file name", initial_dir)


@command("dirnamebox", "s s?")
def dirnamebox(m: Machine, title: bytes, initial_dir: bytes = b"") -> None:
    _ask_path(m, "dirnamebox", title, b"folder", initial_dir)


@command("statusbox", "x x i?")
def statusbox(m: Machine, message: Any, title: Any, special: int = 0) -> None:
    """Print the status as ``[title] message``, only when it changed."""
    line = b"[" + _text(title) + b"] " + _message(message, special)
    if line != m.status_line:
        m.status_line = line
        m.output(line.decode("utf-8", "replace") + "\n")


@command("closesbox")
def closesbox(m: Machine) -> None:
    m.status_line = b""


@command("bringupbox")
def bringupbox(m: Machine) -> None:
    """Do nothing: there is no status window to raise."""


@command("setdlgpos", "i? i? i? i? i?")
def setdlgpos(m: Machine, *values: int) -> None:
    """Check the values; dialogs have no position without a desktop."""
    if len(values) == 1 or len(values) == 4:
        raise MacroRuntimeError("setdlgpos: give x and y, then optionally a position 1 to 10 and two offsets")
    if len(values) >= 3 and not 1 <= values[2] <= 10:
        raise MacroRuntimeError(f"setdlgpos: position must be 1 to 10, not {values[2]}")


@command("show", "i")
def show(m: Machine, state: int) -> None:
    """Do nothing: the macro has no window to show or hide."""
