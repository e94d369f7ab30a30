"""Commands for Tera Term's window and keyboard, which has no counterpart headless.

Commands that only change how the window looks do nothing. Commands whose
effect a macro could depend on, but which ttlrun cannot reproduce, are
rejected before the macro starts, with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ttl.commands import Ref, command, reject
from ttl.errors import MacroRuntimeError

if TYPE_CHECKING:
    from ttl.machine import Machine


@command("showtt", "i")
def showtt(m: Machine, state: int) -> None:
    """Do nothing: there is no Tera Term window to show, hide or minimize."""


@command("clearscreen", "i")
def clearscreen(m: Machine, target: int) -> None:
    """Check the value; there is no screen to clear (0 screen, 1 with scrollback, 2 TEK)."""
    first_digit = str(target)[0]
    if first_digit not in "012":
        raise MacroRuntimeError(f"clearscreen: the value must start with 0, 1 or 2, not {target}")


@command("enablekeyb", "i")
def enablekeyb(m: Machine, flag: int) -> None:
    """Do nothing: there is no keyboard input to enable or disable."""


@command("getttpos", "n n n n n n n n n")
def getttpos(m: Machine, *targets: Ref) -> None:
    """Set every value to 0 and result to -1, Tera Term's failure result: there is no window."""
    for target in targets:
        target.set(m, 0)
    m.set_result(-1)


reject("callmenu", "it runs a command of Tera Term's menus, which ttlrun does not have")
reject("loadkeymap", "it loads a Tera Term keyboard map; ttlrun has no keyboard")
reject("restoresetup", "it loads Tera Term settings from an INI file; use ttlrun's options (--newline, /KR= ...) instead")
reject("sendkcode", "it presses a key through Tera Term's keyboard map, which ttlrun does not have; use send")
reject("cygconnect", "it starts Cygwin's terminal (CygTerm), which exists only on Windows")
