"""String, variable, environment and timing commands, and headless dialogs."""

from __future__ import annotations

import functools
import os
import re
import time
from typing import TYPE_CHECKING, Any, Callable

from ttl.commands import Ref, command
from ttl.errors import MacroRuntimeError
from ttl.expressions import wrap
from ttl.values import IntArray, StrArray

if TYPE_CHECKING:
    from ttl.machine import Machine


# -- strings ---------------------------------------------------------------


@command("strconcat", "v s")
def strconcat(m: Machine, target: Ref, tail: bytes) -> None:
    target.set(m, target.get_or(m, b"") + tail)


@command("strlen", "s")
def strlen(m: Machine, text: bytes) -> None:
    m.set_result(len(text))


@command("strcompare", "s s")
def strcompare(m: Machine, left: bytes, right: bytes) -> None:
    m.set_result((left > right) - (left < right))


@command("int2str", "v i")
def int2str(m: Machine, target: Ref, value: int) -> None:
    target.set(m, str(value).encode("ascii"))


_DECIMAL = re.compile(rb"[ \t\n\v\f\r]*([+-]?[0-9]+)")
_HEX = re.compile(rb"[ \t\n\v\f\r]*([+-]?[0-9A-Fa-f]+)")


@command("str2int", "n s")
def str2int(m: Machine, target: Ref, text: bytes) -> None:
    """Read a number as C's sscanf would: hex after ``$``, ``0x`` or ``0X``, else decimal."""
    if text.startswith(b"$"):
        match, base = _HEX.match(text, 1), 16
    elif text.startswith((b"0x", b"0X")):
        match, base = _HEX.match(text, 2), 16
    else:
        match, base = _DECIMAL.match(text), 10
    if match is None:
        target.set(m, 0)
        m.set_result(0)
        return
    target.set(m, wrap(int(match.group(1), base)))
    m.set_result(1)


_CONVERSIONS = b"cdiouxXeEfgGaAs"
_SPEC = re.compile(rb"%[-+0 #]*([1-9][0-9]*|\*)?(\.([0-9]*|\*))?[" + _CONVERSIONS + rb"]\Z")


class FormatError(Exception):
    def __init__(self, result: int, message: str):
        super().__init__(message)
        self.result = result


def _atof(text: bytes) -> float:
    match = re.match(rb"\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|nan))", text, re.I)
    return float(match.group(1)) if match else 0.0


@functools.lru_cache(maxsize=256)
def _parse_format(fmt: bytes) -> tuple[bytes, ...]:
    """Split a format into literal text and conversion specs, alternately: text, spec, text, ...

    The result always has odd length. An invalid spec is returned with a
    leading ``!`` (a valid one starts with ``%``), so the error comes when
    formatting reaches it, after the arguments before it were checked.
    """
    pieces: list[bytes] = []
    text = bytearray()
    position = 0
    while position < len(fmt):
        start = fmt.find(b"%", position)
        if start < 0:
            text += fmt[position:]
            break
        text += fmt[position:start]
        if fmt[start + 1 : start + 2] == b"%":
            text += b"%"
            position = start + 2
            continue
        end = start + 1
        while end < len(fmt) and fmt[end] not in _CONVERSIONS and fmt[end] != ord("%"):
            end += 1
        if end >= len(fmt) or fmt[end] == ord("%"):
            # An unfinished spec is copied as it is.
            text += fmt[start:end]
            position = end
            continue
        spec = fmt[start : end + 1]
        position = end + 1
        pieces.append(bytes(text))
        text = bytearray()
        pieces.append(spec if _SPEC.match(spec) else b"!" + spec)
    pieces.append(bytes(text))
    return tuple(pieces)


def format_ttl(fmt: bytes, args: list[Any]) -> bytes:
    """Format like Tera Term's sprintf: C conversions, floats given as strings."""
    pieces = _parse_format(fmt)
    if len(pieces) == 1:
        return pieces[0].split(b"\0", 1)[0]
    queue = list(args)
    queue.reverse()

    def take(kind: type, what: str) -> Any:
        if not queue:
            raise FormatError(3, f"missing value for {what}")
        value = queue.pop()
        if value.__class__ is not kind:
            expected = "an integer" if kind is int else "a string"
            raise FormatError(3, f"{what} needs {expected}")
        return value

    out = bytearray(pieces[0])
    for index in range(1, len(pieces), 2):
        spec = pieces[index]
        if spec.startswith(b"!"):
            raise FormatError(2, f"invalid conversion {spec[1:].decode('latin-1')!r}")
        out += _converter(spec)(take)
        out += pieces[index + 1]
    # A NUL byte (from %c of 0) ends a Tera Term string.
    return bytes(out).split(b"\0", 1)[0]


_SIMPLE = re.compile(rb"%[-+0 ]*[0-9]*[di]\Z|%-?([1-9][0-9]*)?s\Z")


@functools.lru_cache(maxsize=256)
def _converter(spec: bytes) -> Callable[[Any], bytes]:
    """Return a function that formats one conversion; plain %d and %s specs take a fast path."""
    if _SIMPLE.match(spec):
        what = spec.decode("latin-1")
        if spec.endswith(b"s"):
            return lambda take: spec % take(bytes, what)
        python_spec = spec[:-1] + b"d"
        return lambda take: python_spec % take(int, what)
    return lambda take: _convert(spec, take)


def _convert(spec: bytes, take: Any) -> bytes:
    conversion = chr(spec[-1])
    body = spec[1:-1]
    if b"*" in body:
        parts = body.split(b"*")
        body = parts[0]
        for part in parts[1:]:
            body += str(take(int, f"'*' in {spec.decode('latin-1')}")).encode("ascii") + part
    what = spec.decode("latin-1")
    if conversion in "cdiouxX":
        value = take(int, what)
        if conversion == "c":
            return _pad(bytes([value & 0xFF]), body)
        if conversion in "ouxX":
            value &= 0xFFFFFFFF
            # The + and space flags sign only signed conversions in C.
            body = body.replace(b"+", b"").replace(b" ", b"")
        if conversion == "u":
            conversion = "d"
        return _format_integer(body, conversion, value)
    if conversion == "s":
        text = take(bytes, what)
        precision = _PRECISION.search(body)
        if precision is not None:
            text = text[: int(precision.group(1) or b"0")]
            body = body[: precision.start()]
        return _pad(text, body)
    value = _atof(take(bytes, what))
    if conversion in "aA":
        text = value.hex()
        return (text.upper() if conversion == "A" else text).encode("ascii")
    return (b"%" + body + conversion.encode()) % value


_PRECISION = re.compile(rb"\.([0-9]*)$")


def _pad(text: bytes, body: bytes) -> bytes:
    """Pad ``text`` to the width in ``body`` as Microsoft's C runtime does for %c and %s.

    The 0 flag pads with zeros there too (``%04s`` of ``c`` gives ``000c``);
    the - flag pads on the right with spaces.
    """
    digits = body.lstrip(b"-+ #0")
    flags = body[: len(body) - len(digits)]
    width = int(digits or b"0")
    if len(text) >= width:
        return text
    if b"-" in flags:
        return text.ljust(width)
    return text.rjust(width, b"0" if b"0" in flags else b" ")


def _format_integer(body: bytes, conversion: str, value: int) -> bytes:
    """Format an integer conversion as C's printf does where Python's % differs."""
    flags = body.lstrip(b"-+ #0")
    left = b"-" in body[: len(body) - len(flags)]
    precision = _PRECISION.search(body)
    if value == 0 and precision is not None and int(precision.group(1) or b"0") == 0:
        # C prints no digits for a zero with precision 0 (but "0" for %#o).
        digits = b"0" if conversion == "o" and b"#" in body else b""
        if conversion in "di" and b"+" in body:
            digits = b"+"
        elif conversion in "di" and b" " in body:
            digits = b" "
        width = int(flags.split(b".")[0] or b"0")
        return digits.ljust(width) if left else digits.rjust(width)
    if b"#" in body and value == 0 and conversion in "xX":
        body = body.replace(b"#", b"")  # C writes 0, not 0x0
    if b"#" in body and conversion == "o":
        # Python writes the alternate octal form as 0o17; C writes 017.
        plain = (b"%" + body.replace(b"#", b"") + b"o") % value
        stripped = plain.strip(b" ")
        if stripped.startswith(b"0"):
            return plain
        return (b"0" + stripped).ljust(len(plain)) if left else (b"0" + stripped).rjust(len(plain))
    return (b"%" + body + conversion.encode()) % value


def _sprintf(m: Machine, fmt: bytes, args: tuple[Any, ...]) -> bytes:
    try:
        text = format_ttl(fmt, list(args))
    except FormatError as exc:
        m.set_result(exc.result)
        raise MacroRuntimeError(f"sprintf: {exc}") from None
    m.set_result(0)
    return text


@command("sprintf", "s x*")
def sprintf(m: Machine, fmt: bytes, *args: Any) -> None:
    m.vars["inputstr"] = _sprintf(m, fmt, args)


@command("sprintf2", "v s x*")
def sprintf2(m: Machine, target: Ref, fmt: bytes, *args: Any) -> None:
    target.set(m, _sprintf(m, fmt, args))


# -- variables -------------------------------------------------------------


# Tera Term's manual allows 1 to 65536 elements and its code keeps only 16
# bits of an index; ttlrun allows more, but not so many that a typo such as
# intdim a 2147483647 fills the machine's memory.
MAX_ARRAY_SIZE = 1 << 20


def _declare(m: Machine, name: str, size: int, array_type: type[list[Any]], fill: Any) -> None:
    if name in m.vars:
        raise MacroRuntimeError(f"'{name}' already exists; an array needs a new name")
    if not 1 <= size <= MAX_ARRAY_SIZE:
        raise MacroRuntimeError(f"array size must be 1 to {MAX_ARRAY_SIZE}, not {size}")
    m.vars[name] = array_type([fill] * size)


@command("intdim", "a i")
def intdim(m: Machine, name: str, size: int) -> None:
    _declare(m, name, size, IntArray, 0)


@command("strdim", "a i")
def strdim(m: Machine, name: str, size: int) -> None:
    _declare(m, name, size, StrArray, b"")


# -- environment, directories, timing, exit code -------------------------------


@command("getenv", "s v")
def getenv(m: Machine, name: bytes, target: Ref) -> None:
    target.set(m, os.environb.get(name, b""))


@command("getdir", "v")
def getdir(m: Machine, target: Ref) -> None:
    target.set(m, os.fsencode(str(m.current_dir)))


@command("pause", "i")
def pause(m: Machine, seconds: int) -> None:
    if seconds > 0:
        _sleep(m, float(seconds))


@command("mpause", "i")
def mpause(m: Machine, milliseconds: int) -> None:
    if milliseconds > 0:
        _sleep(m, milliseconds / 1000)


def _sleep(m: Machine, seconds: float) -> None:
    if m.link is not None:
        m.link.idle(seconds)
    else:
        time.sleep(seconds)


@command("setexitcode", "i")
def setexitcode(m: Machine, code: int) -> None:
    m.exit_code = code


# -- dialogs without a desktop -------------------------------------------


def _text(value: Any) -> bytes:
    return str(value).encode("ascii") if value.__class__ is int else value


def _special(text: bytes) -> bytes:
    """Apply strspecial's escapes: \\\\, \\n, \\t; \\0 ends the text."""
    out = bytearray()
    i = 0
    while i < len(text):
        if text[i : i + 1] == b"\\" and i + 1 < len(text):
            following = text[i + 1 : i + 2]
            if following == b"0":
                break
            replacement = {b"\\": b"\\", b"n": b"\n", b"t": b"\t"}.get(following)
            if replacement is not None:
                out += replacement
                i += 2
                continue
        out += text[i : i + 1]
        i += 1
    return bytes(out)


@command("messagebox", "x x i?")
def messagebox(m: Machine, message: Any, title: Any, special: int = 0) -> None:
    """Print the message on standard output, as ``[title] message``."""
    body = _text(message)
    if special:
        body = _special(body)
    heading = _text(title)
    line = (b"[" + heading + b"] " if heading else b"") + body
    m.output(line.decode("utf-8", "replace") + "\n")


@command("dispstr", "x*")
def dispstr(m: Machine, *values: Any) -> None:
    """Print text on standard output; an integer is one character by its code."""
    out = bytearray()
    for value in values:
        if value.__class__ is int:
            out += chr(value & 0xFFFF).encode("utf-8") if value > 0 else b""
        else:
            out += value
    m.output(bytes(out).decode("utf-8", "replace"))


@command("execcmnd", "s")
def execcmnd(m: Machine, text: bytes) -> Any:
    """Run ``text`` as one TTL statement; compiled once per place and text."""
    from ttl.compiler import compile_command_string
    from ttl.errors import MacroSyntaxError

    program = m.program
    assert program is not None
    key = (id(program), m.pc, text)
    op = m.execcmnd_cache.get(key)
    if op is None:
        try:
            op = compile_command_string(program, m.pc, text.decode("utf-8", "replace"))
        except MacroSyntaxError as exc:
            raise MacroRuntimeError(f"execcmnd: {exc.message}: {text.decode('utf-8', 'replace')!r}") from None
        m.execcmnd_cache[key] = op
    return op(m)
