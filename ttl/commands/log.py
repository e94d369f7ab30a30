"""Logging commands: logopen, logwrite, logpause, logstart, logclose, logrotate, loginfo.

The log receives what the connection delivered after the protocol layer
(telnet commands removed). A binary log stores those bytes as they are; a
text log stores the text Tera Term's terminal would print (escape
sequences removed, newlines normalized), optionally with a timestamp at
the start of each line. Every write is flushed, so a killed run loses
nothing that was received.
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ttl.commands import Ref, command
from ttl.errors import MacroRuntimeError
from ttl.terminal import TerminalFilter

if TYPE_CHECKING:
    from ttl.machine import Machine

TIMESTAMP_LOCAL = 0
TIMESTAMP_UTC = 1
TIMESTAMP_SINCE_LOG_START = 2
TIMESTAMP_SINCE_CONNECT = 3

# loginfo bits
INFO_BINARY = 1
INFO_APPEND = 2
INFO_PLAIN_TEXT = 4
INFO_TIMESTAMP = 8
INFO_HIDE_DIALOG = 16


class Log:
    """One open log file."""

    def __init__(self, path: Path, file: BinaryIO, flags: int, timestamp_type: int, connected_at: float):
        self.path = path
        self.file = file
        self.flags = flags
        self.timestamp_type = timestamp_type
        self.paused = False
        self.started_at = time.time()
        self.connected_at = connected_at
        self.terminal = None if flags & INFO_BINARY else TerminalFilter()
        self.at_line_start = True
        self.rotate_size = 0
        self.rotate_count = 0
        self.written = 0

    def _timestamp(self) -> bytes:
        now = time.time()
        if self.timestamp_type in (TIMESTAMP_SINCE_LOG_START, TIMESTAMP_SINCE_CONNECT):
            start = self.started_at if self.timestamp_type == TIMESTAMP_SINCE_LOG_START else self.connected_at
            elapsed = max(0, int((now - start) * 1000))
            seconds, millis = divmod(elapsed, 1000)
            minutes, seconds = divmod(seconds, 60)
            hours, minutes = divmod(minutes, 60)
            days, hours = divmod(hours, 24)
            text = f"{days} {hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"
        else:
            zone = timezone.utc if self.timestamp_type == TIMESTAMP_UTC else None
            moment = datetime.fromtimestamp(now, zone)
            text = moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
        return f"[{text}] ".encode("ascii")

    def _with_timestamps(self, text: bytes) -> bytes:
        out = bytearray()
        for piece in re.split(rb"(?<=\n)", text):
            if not piece:
                continue
            if self.at_line_start:
                out += self._timestamp()
            out += piece
            self.at_line_start = piece.endswith(b"\n")
        return bytes(out)

    def write(self, data: bytes) -> None:
        if self.flags & INFO_TIMESTAMP and not self.flags & INFO_BINARY:
            data = self._with_timestamps(data)
        if not data:
            return
        self.file.write(data)
        self.file.flush()
        self.written += len(data)
        if self.rotate_size and self.written > self.rotate_size:
            self.rotate()

    def received(self, data: bytes) -> None:
        """Log data received from the connection (unless paused)."""
        if self.paused:
            return
        if self.terminal is not None:
            data = self.terminal.feed(data)
        self.write(data)

    def rotate(self) -> None:
        """Rename log to log.1 (older ones to .2, .3 ...) and start a new file."""
        self.file.close()
        limit = self.rotate_count or 10000
        number = 1
        while number < limit and Path(f"{self.path}.{number}").exists():
            number += 1
        for index in range(number - 1, -1, -1):
            source = self.path if index == 0 else Path(f"{self.path}.{index}")
            if source.exists():
                os.replace(source, f"{self.path}.{index + 1}")
        self.file = open(self.path, "wb")
        self.written = 0

    def close(self) -> None:
        self.file.close()


@command("logopen", "s i i i? i? i? i? i?")
def logopen(m: Machine, name: bytes, binary: int, append: int, plain_text: int = 0, timestamp: int = 0,
            hide_dialog: int = 0, include_screen: int = 0, timestamp_type: int = 0) -> None:
    if not name:
        raise MacroRuntimeError("logopen: the file name is empty")
    if not 0 <= timestamp_type <= 3:
        raise MacroRuntimeError(f"logopen: timestamp type must be 0 to 3, not {timestamp_type}")
    if m.log is not None:
        m.set_result(1)
        return
    path = m.resolve_transfer_path(name)
    try:
        file = open(path, "ab" if append else "wb")
    except OSError as exc:
        m.warn(f"logopen: cannot open {path}: {exc.strerror}; result is 1")
        m.set_result(1)
        return
    flags = (
        (INFO_BINARY if binary else 0)
        | (INFO_APPEND if append else 0)
        | (INFO_PLAIN_TEXT if plain_text else 0)
        | (INFO_TIMESTAMP if timestamp else 0)
        | (INFO_HIDE_DIALOG if hide_dialog else 0)
    )
    link = m.link
    connected_at = getattr(link, "connected_at", time.time()) if link is not None else time.time()
    m.log = Log(path.resolve(), file, flags, timestamp_type, connected_at)
    m.set_result(0)


@command("logclose")
def logclose(m: Machine) -> None:
    if m.log is not None:
        m.log.close()
        m.log = None


@command("logpause")
def logpause(m: Machine) -> None:
    if m.log is not None:
        m.log.paused = True


@command("logstart")
def logstart(m: Machine) -> None:
    if m.log is not None:
        m.log.paused = False


@command("logwrite", "s")
def logwrite(m: Machine, text: bytes) -> None:
    if not text:
        raise MacroRuntimeError("logwrite: the text is empty")
    if m.log is not None:
        m.log.write(m.mask(text))


@command("loginfo", "v")
def loginfo(m: Machine, target: Ref) -> None:
    if m.log is None:
        target.set(m, b"")
        m.set_result(-1)
        return
    target.set(m, os.fsencode(str(m.log.path)))
    m.set_result(m.log.flags)


_SIZE = re.compile(rb"^([0-9]+)([KkMm]?)$")


@command("logrotate", "s x?")
def logrotate(m: Machine, mode: bytes, value: object = None) -> None:
    """Configure rotation: 'size' '<n>[K|M]', 'rotate' <count> or 'halt'."""
    log = m.log
    if mode == b"halt":
        if log is not None:
            log.rotate_size = 0
            log.rotate_count = 0
        return
    if mode == b"size":
        if value.__class__ is not bytes:
            raise MacroRuntimeError("type mismatch: logrotate 'size' takes the size as a string, such as '10M'")
        match = _SIZE.match(value)  # type: ignore[arg-type]
        if match is None:
            raise MacroRuntimeError("logrotate: size must be a number with an optional K or M, such as '512K'")
        size = int(match.group(1)) * {b"": 1, b"k": 1024, b"m": 1048576}[match.group(2).lower()]
        if size < 128:
            raise MacroRuntimeError(f"logrotate: size must be at least 128 bytes, not {size}")
        if log is not None:
            log.rotate_size = size
        return
    if mode == b"rotate":
        if value.__class__ is not int or value < 1:  # type: ignore[operator]
            raise MacroRuntimeError("logrotate: 'rotate' needs a count of at least 1")
        if log is not None:
            log.rotate_count = value  # type: ignore[assignment]
        return
    raise MacroRuntimeError(f"logrotate: unknown mode {mode.decode('utf-8', 'replace')!r}; use size, rotate or halt")


@command("logautoclosemode", "i")
def logautoclosemode(m: Machine, flag: int) -> None:
    """Accept the flag: ttlrun always closes the log when the macro ends."""


def close_log(m: Machine) -> None:
    """Close the log at the end of a run."""
    if m.log is not None:
        m.log.close()
        m.log = None
