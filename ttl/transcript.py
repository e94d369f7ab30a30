"""Transcripts: every byte sent and received, with direction and time.

The format is line-based UTF-8 text that a person can read and a program
can turn back into the exact bytes::

    ttlrun-transcript 1
    0.000000 * connect raw 127.0.0.1:2525 newline=crlf
    0.003117 < "220 mx.test.local ESMTP Postfix\\r\\n"
    0.003402 > "EHLO example.jp\\r\\n" bare-lf.ttl:21

The first field is seconds since the run started. ``<`` is received data,
``>`` sent data and ``*`` an event. Data is one double-quoted string:
printable characters stand for their UTF-8 bytes, ``\\\\``, ``\\"``, ``\\r``,
``\\n`` and ``\\t`` are escapes, and every other byte is ``\\xNN``. After a
sent string comes the macro file and line that sent it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

HEADER = "ttlrun-transcript 1"

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\r": "\\r", "\n": "\\n", "\t": "\\t"}
_UNESCAPE = re.compile(r'\\(x[0-9a-fA-F]{2}|[\\"rnt])')


def encode_data(data: bytes) -> str:
    """Render bytes as a quoted string that ``decode_data`` reverses exactly."""
    text = data.decode("utf-8", "surrogateescape")
    out = ['"']
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that is not valid UTF-8
            out.append(f"\\x{code - 0xDC00:02x}")
        elif char.isprintable():
            out.append(char)
        else:
            out.extend(f"\\x{b:02x}" for b in char.encode("utf-8"))
    out.append('"')
    return "".join(out)


def decode_data(quoted: str) -> bytes:
    """Turn a quoted string written by ``encode_data`` back into bytes."""
    if len(quoted) < 2 or quoted[0] != '"' or quoted[-1] != '"':
        raise ValueError(f"not a quoted transcript string: {quoted[:40]!r}")
    body = quoted[1:-1]
    out = bytearray()
    position = 0
    for match in _UNESCAPE.finditer(body):
        out += body[position : match.start()].encode("utf-8")
        escape = match.group(1)
        if escape[0] == "x":
            out.append(int(escape[1:], 16))
        else:
            out += {"\\": b"\\", '"': b'"', "r": b"\r", "n": b"\n", "t": b"\t"}[escape]
        position = match.end()
    out += body[position:].encode("utf-8")
    return bytes(out)


@dataclass
class Record:
    """One transcript line."""

    time: float
    direction: str  # ">" sent, "<" received, "*" event
    data: bytes  # the bytes for "<" and ">"; the event text for "*"
    where: str = ""


class Transcript:
    """Writes a transcript, flushed after every line so a killed run loses nothing."""

    def __init__(self, path: Path):
        self.path = path
        self.file: TextIO = open(path, "w", encoding="utf-8", newline="\n")
        self.start = time.monotonic()
        self.file.write(HEADER + "\n")
        self.file.flush()

    def _write(self, line: str) -> None:
        self.file.write(f"{time.monotonic() - self.start:.6f} {line}\n")
        self.file.flush()

    def event(self, text: str) -> None:
        self._write("* " + text.replace("\n", " "))

    def sent(self, data: bytes, where: str = "") -> None:
        self._write("> " + encode_data(data) + (f" {where}" if where else ""))

    def received(self, data: bytes) -> None:
        self._write("< " + encode_data(data))

    def close(self) -> None:
        self.file.close()


_LINE = re.compile(r'^(\d+\.\d+) ([<>*]) (.*)$')
_DATA = re.compile(r'^("(?:[^"\\]|\\.)*")(?: (.*))?$')


def read_transcript(path: Path | str) -> list[Record]:
    """Read a transcript file back into records with the exact bytes."""
    records = []
    with open(path, encoding="utf-8", newline="\n") as file:
        header = file.readline().rstrip("\n")
        if header != HEADER:
            raise ValueError(f"{path}: not a ttlrun transcript (first line is {header!r})")
        for number, line in enumerate(file, start=2):
            match = _LINE.match(line.rstrip("\n"))
            if not match:
                raise ValueError(f"{path}:{number}: malformed transcript line")
            stamp, direction, rest = match.groups()
            if direction == "*":
                records.append(Record(float(stamp), "*", rest.encode("utf-8")))
                continue
            data_match = _DATA.match(rest)
            if not data_match:
                raise ValueError(f"{path}:{number}: malformed data string")
            records.append(Record(float(stamp), direction, decode_data(data_match.group(1)), data_match.group(2) or ""))
    return records


def joined(records: list[Record], direction: str) -> bytes:
    """Return all bytes of one direction (``>`` or ``<``) in order."""
    return b"".join(r.data for r in records if r.direction == direction)


def hexdump(direction: str, data: bytes, out: TextIO) -> None:
    """Write ``data`` as a hex dump, 16 bytes a row, each row marked with ``direction``."""
    for offset in range(0, len(data), 16):
        row = data[offset : offset + 16]
        hex_part = " ".join(f"{b:02x}" for b in row[:8])
        if len(row) > 8:
            hex_part += "  " + " ".join(f"{b:02x}" for b in row[8:])
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in row)
        out.write(f"{direction} {offset:04x}  {hex_part:<49} |{text}|\n")
    out.flush()
