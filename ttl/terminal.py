"""Terminal processing of received data, which gives the text the wait commands match.

Tera Term matches wait strings against the text its terminal emulator
prints, not against raw bytes (teraterm/teraterm/vtterm.c and
checkeol.cpp in Tera Term 5). ``TerminalFilter`` does the same work on a
stream: it decodes the remote character set to UTF-8, removes escape
sequences (colours, cursor moves, window titles) and control characters
other than TAB, LF and CR, and normalizes newlines. A CR is held until the
next byte: CR LF (also CR CR LF) stays CR LF, and a CR before anything
else is dropped, so progress lines rewritten with CR vanish.
"""

from __future__ import annotations

import codecs
import re

# Escape sequences, as ECMA-48 defines them: CSI (ESC [ ... final byte),
# OSC, DCS, SOS, PM and APC strings (ended by BEL or ESC \), designations
# such as ESC ( B, and two-byte sequences such as ESC 7 or ESC =.
_ESCAPE = re.compile(
    rb"\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    rb"|\x1b[PX^_][^\x1b]*\x1b\\"
    rb"|\x1b[\x20-\x2f]+[\x30-\x7e]"
    rb"|\x1b(?![\[\]PX^_])[\x30-\x7e]"
)
# An escape sequence that may still be completed by the next chunk.
_OPEN_ESCAPE = re.compile(
    rb"\x1b(?:\[[\x30-\x3f]*[\x20-\x2f]*|\][^\x07\x1b]*\x1b?|[PX^_][^\x1b]*\x1b?|[\x20-\x2f]*)\Z"
)
# Control characters the terminal does not print (all but TAB, LF and CR);
# an ESC left here starts no valid sequence.
_CONTROLS = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_LONE_CR = re.compile(rb"\r(?!\n)")

# An unfinished escape sequence longer than this is dropped instead of held.
MAX_HELD_ESCAPE = 4096

CHARSETS = {
    "UTF8": "utf-8",
    "UTF-8": "utf-8",
    "SJIS": "cp932",
    "CP932": "cp932",
    "EUC": "euc_jp",
    "EUCJP": "euc_jp",
    "EUC-JP": "euc_jp",
    "JIS": "iso2022_jp",
}


class TerminalFilter:
    """Turn received bytes into the text a Tera Term macro would see."""

    def __init__(self, charset: str = "utf-8"):
        self.charset = charset
        self.decoder = None if charset == "utf-8" else codecs.getincrementaldecoder(charset)("replace")
        self.held = b""

    @staticmethod
    def _open_escape(data: bytes) -> int:
        """Return where an unfinished escape sequence at the end of ``data`` starts, or -1.

        It starts at the last ESC, or at the one before when the last ESC
        may begin the ESC \\ that ends a string sequence.
        """
        last = data.rfind(b"\x1b")
        if last < 0:
            return -1
        previous = data.rfind(b"\x1b", 0, last)
        for start in (previous, last):
            if start >= 0 and _OPEN_ESCAPE.match(data, start):
                return start
        return -1

    def feed(self, data: bytes) -> bytes:
        """Process one chunk; return the text that is complete so far."""
        if self.decoder is not None:
            data = self.decoder.decode(data).encode("utf-8")
        data = self.held + data
        self.held = b""
        if b"\x1b" in data:
            data = b"".join(_ESCAPE.split(data))  # faster than sub() for many short matches
            start = self._open_escape(data)
            if start >= 0:
                tail = data[start:]
                data = data[:start]
                if len(tail) <= MAX_HELD_ESCAPE:
                    self.held = tail
        data = data.translate(None, _CONTROLS)
        if b"\r" in data:
            if data.endswith(b"\r"):
                # Hold one CR: the next chunk decides whether an LF follows.
                data = data.rstrip(b"\r")
                self.held = b"\r" + self.held
            # A CR before anything but LF is dropped; of CR CR LF only CR LF stays.
            data = _LONE_CR.sub(b"", data)
        return data


def charset_for(name: str) -> str:
    """Return the Python codec for a Tera Term /KR= name; raise KeyError when unknown."""
    return CHARSETS[name.upper()]
