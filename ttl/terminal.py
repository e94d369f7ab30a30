"""What the wait commands see: received data after terminal processing.

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
_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]")
_CR_RUN = re.compile(rb"\r+(\n?)")

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

    def feed(self, data: bytes) -> bytes:
        """Process one chunk; return the text that is complete so far."""
        if self.decoder is not None:
            data = self.decoder.decode(data).encode("utf-8")
        data = self.held + data
        self.held = b""
        if b"\x1b" in data:
            data = _ESCAPE.sub(b"", data)
            open_escape = _OPEN_ESCAPE.search(data)
            if open_escape is not None:
                tail = data[open_escape.start() :]
                data = data[: open_escape.start()]
                if len(tail) <= MAX_HELD_ESCAPE:
                    self.held = tail
        data = _CONTROLS.sub(b"", data)
        if b"\r" in data:
            if data.endswith(b"\r"):
                stripped = data.rstrip(b"\r")
                self.held = b"\r" + self.held
                data = stripped
            data = _CR_RUN.sub(lambda match: b"\r\n" if match.group(1) else b"", data)
        return data


def charset_for(name: str) -> str:
    """Return the Python codec for a Tera Term /KR= name; raise KeyError when unknown."""
    return CHARSETS[name.upper()]
