"""Reading macro files: encoding detection and line access."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

from ttl.errors import UsageError


@dataclass
class SourceFile:
    """The decoded text of one macro file."""

    path: Path
    text: str
    encoding: str
    lines: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The path as shown in messages."""
        return str(self.path)

    def line(self, number: int) -> str:
        """Return line ``number`` (1-based, counting LF bytes as Tera Term does)."""
        if not self.lines:
            self.lines = self.text.split("\n")
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1].rstrip("\r")
        return ""


def decode_macro(raw: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode the bytes of a macro file; return the text and the encoding used.

    A BOM selects UTF-8 or UTF-16. Without one, valid UTF-8 is taken as
    UTF-8 and anything else as CP932 (Shift_JIS), the encoding of most
    older Japanese macros. ``encoding`` overrides the detection.
    """
    if encoding:
        return raw.decode(encoding, "replace"), encoding
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8", "replace"), "utf-8-sig"
    if raw.startswith(codecs.BOM_UTF16_LE):
        return raw[2:].decode("utf-16-le", "replace"), "utf-16-le"
    if raw.startswith(codecs.BOM_UTF16_BE):
        return raw[2:].decode("utf-16-be", "replace"), "utf-16-be"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp932", "replace"), "cp932"


def load_source(path: Path, encoding: str | None = None) -> SourceFile:
    """Read and decode the macro file at ``path``."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"macro file not found: {path}") from None
    except IsADirectoryError:
        raise UsageError(f"macro path is a directory, not a file: {path}") from None
    except OSError as exc:
        raise UsageError(f"cannot read macro file {path}: {exc.strerror}") from None
    text, used = decode_macro(raw, encoding)
    return SourceFile(path=path, text=text, encoding=used)
