"""Receive commands beyond wait, waitln and recvln, and terminal settings."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ttl.commands import Ref, command
from ttl.commands.session import _deadline, _link
from ttl.errors import MacroRuntimeError

if TYPE_CHECKING:
    from ttl.link import Link
    from ttl.machine import Machine


def _strip_newline(line: bytes) -> bytes:
    if line.endswith(b"\n"):
        line = line[:-1]
        if line.endswith(b"\r"):
            line = line[:-1]
    return line


@command("waitn", "i")
def waitn(m: Machine, count: int) -> None:
    """Wait until the line buffer holds ``count`` bytes; earlier bytes of the line count too."""
    link = _link(m, "waitn")
    deadline = _deadline(m)
    while len(link.line) < count:
        if link.received:
            link.consume(min(count - len(link.line), len(link.received)), keep_line=True)
            continue
        if not link.fill(deadline):
            partial = _strip_newline(bytes(link.line))
            m.vars["inputstr"] = partial
            m.set_result(-1 if partial else 0)
            return
    m.vars["inputstr"] = _strip_newline(bytes(link.line))
    m.set_result(1)


def _next_byte(link: Link, deadline: float | None) -> int | None:
    while not link.received:
        if not link.fill(deadline):
            return None
    byte = link.received[0]
    del link.received[0]
    return byte


@command("waitrecv", "s i i")
def waitrecv(m: Machine, substring: bytes, length: int, position: int) -> None:
    """Wait for ``substring`` at ``position`` of a ``length``-byte window of received data."""
    link = _link(m, "waitrecv")
    length = max(length, len(substring), 0)
    position = min(max(position, 1), length - len(substring) + 1)
    m.vars["inputstr"] = b""
    deadline = _deadline(m)
    window = bytearray()
    found = not substring
    start = position - 1
    end = start + len(substring)
    while not (found and len(window) >= length):
        byte = _next_byte(link, deadline)
        if byte is None:
            if found and window:
                m.vars["inputstr"] = bytes(window)
                m.set_result(-1)
            else:
                m.set_result(0)
            return
        window.append(byte)
        if not found:
            if len(window) > length:
                del window[0]
            found = len(window) >= end and window[start:end] == substring
    m.vars["inputstr"] = bytes(window)
    m.set_result(1)


@command("wait4all", "s*")
def wait4all(m: Machine, *patterns: bytes) -> None:
    """Wait for one of the strings; with one terminal this is ``wait`` with result 1 on success."""
    link = _link(m, "wait4all")
    if not patterns:
        return
    found = link.wait_for(list(patterns), _deadline(m))
    m.set_result(1 if found else 0)


EVENT_TIMEOUT = 1
EVENT_UNLINK = 2
EVENT_DISCONNECT = 4
EVENT_CONNECT = 8


@command("waitevent", "i")
def waitevent(m: Machine, mask: int) -> None:
    """Wait for a timeout (1) or a disconnection (4); without a window nothing else can happen."""
    mask &= 0x0F
    deadline = _deadline(m) if mask & EVENT_TIMEOUT else None
    link: Link | None = m.link
    while True:
        if link is not None and link.connected:
            if link.fill(deadline):
                continue
            if not link.connected and mask & EVENT_DISCONNECT:
                m.set_result(EVENT_DISCONNECT)
                return
        elif deadline is None:
            raise MacroRuntimeError(
                f"waitevent {mask}: no event in this mask can happen without a connection and a timeout"
            )
        else:
            time.sleep(max(0.0, deadline - time.monotonic()))
        if deadline is not None and time.monotonic() >= deadline:
            m.set_result(EVENT_TIMEOUT)
            return


@command("setsync", "i")
def setsync(m: Machine, mode: int) -> None:
    """Accept the mode; ttlrun never drops received data, so both modes behave alike."""
    _link(m, "setsync")


@command("setecho", "i")
def setecho(m: Machine, flag: int) -> None:
    _link(m, "setecho").local_echo = bool(flag & 1)


@command("setdebug", "i")
def setdebug(m: Machine, mode: int) -> None:
    if not 0 <= mode <= 3:
        raise MacroRuntimeError(f"setdebug: mode must be 0 to 3, not {mode}")
    _link(m, "setdebug").debug_mode = mode


@command("sendbreak")
def sendbreak(m: Machine) -> None:
    link = _link(m, "sendbreak")
    send_break = getattr(link.transport, "send_break", None)
    if send_break is None:
        m.warn("sendbreak: a raw TCP connection has no break signal; nothing was sent")
        return
    send_break()


@command("settitle", "s")
def settitle(m: Machine, title: bytes) -> None:
    _link(m, "settitle")
    m.title = title


@command("gettitle", "v")
def gettitle(m: Machine, target: Ref) -> None:
    _link(m, "gettitle")
    target.set(m, m.title)


@command("gethostname", "v")
def gethostname(m: Machine, target: Ref) -> None:
    link = _link(m, "gethostname")
    target.set(m, link.host_name)
