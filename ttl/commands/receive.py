"""Receive commands beyond wait, waitln and recvln, and terminal settings."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ttl.commands import Ref, command
from ttl.commands.session import _deadline, _link
from ttl.commands.strings import PatternError, compile_pattern, regex_options, store_match
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
    if not link.send_break():
        m.warn("sendbreak: a raw TCP connection has no break signal; nothing was sent")


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


def _compile_patterns(m: Machine, patterns: tuple[bytes, ...]) -> list[Any]:
    """Compile each pattern; an invalid one never matches, as in Tera Term, and is warned about."""
    options = regex_options(m)
    compiled: list[Any] = []
    for number, pattern in enumerate(patterns, start=1):
        try:
            compiled.append(compile_pattern(pattern, options))
        except PatternError as exc:
            m.warn(f"waitregex: pattern {number} is invalid and can never match: {exc}")
            compiled.append(None)
    return compiled


def _match_line(m: Machine, link: Link, compiled: list[Any]) -> int:
    line = bytes(link.line)
    if not line:
        return 0
    for number, pattern in enumerate(compiled, start=1):
        if pattern is None:
            continue
        try:
            match = pattern.search(line)
        except PatternError as exc:
            m.warn(f"waitregex: pattern {number} failed: {exc}")
            continue
        if match is not None:
            store_match(m, match)
            m.vars["inputstr"] = _strip_newline(line)
            link.line.clear()
            return number
    return 0


@command("waitregex", "s*")
def waitregex(m: Machine, *patterns: bytes) -> None:
    """Wait until a line matches one of the regular expressions.

    As in Tera Term, the patterns are tried on the current line when an LF
    arrives (before it is added) and on the partial line whenever all
    received data has been read, so a prompt without a newline matches.
    """
    link = _link(m, "waitregex")
    if not patterns:
        return
    if len(patterns) > 10:
        raise MacroRuntimeError(f"waitregex: at most 10 patterns, {len(patterns)} given")
    compiled = _compile_patterns(m, patterns)
    deadline = _deadline(m)
    while True:
        received = link.received
        newline = received.find(b"\n")
        if newline >= 0:
            link.consume(newline)
            found = _match_line(m, link, compiled)
            if found:
                del link.received[:1]  # the LF that completed the line
                m.set_result(found)
                return
            link.consume(1)
            continue
        if received:
            link.consume(len(received))
            found = _match_line(m, link, compiled)
            if found:
                m.set_result(found)
                return
        if not link.fill(deadline):
            m.set_result(0)
            return
