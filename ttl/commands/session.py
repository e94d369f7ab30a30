"""Commands that open, close and use the connection."""

from __future__ import annotations

import codecs
import os
import re
import socket
import time
from typing import TYPE_CHECKING, Any

from ttl.commands import command
from ttl.connect_line import ConnectLineError, NoHostError, parse_connect
from ttl.errors import LinkError, MacroRuntimeError
from ttl.link import Link
from ttl.source import decode_macro
from ttl.terminal import charset_for
from ttl.transports import transport_for

if TYPE_CHECKING:
    from ttl.machine import Machine

MAX_WAIT_STRINGS = 10
_NEWLINES = re.compile(rb"\r\n|\r|\n")


def _link(m: Machine, name: str) -> Link:
    link: Link | None = m.link
    if link is None:
        raise LinkError(f"{name}: no connection; use 'connect' first")
    return link


def _deadline(m: Machine) -> float | None:
    """Return when a wait started now times out, or None to wait forever."""
    timeout = m.vars.get("timeout", 0)
    mtimeout = m.vars.get("mtimeout", 0)
    if timeout.__class__ is not int or mtimeout.__class__ is not int:
        raise MacroRuntimeError("type mismatch: timeout and mtimeout must be integers")
    milliseconds = timeout * 1000 + mtimeout
    if milliseconds <= 0:
        return None
    return time.monotonic() + milliseconds / 1000


def _data(values: tuple[Any, ...]) -> bytes:
    """Join send parameters: strings as they are, integers as one byte (the low byte)."""
    out = bytearray()
    for value in values:
        if value.__class__ is int:
            out.append(value & 0xFF)
        else:
            out += value
    return bytes(out)


@command("connect", "s")
def connect(m: Machine, text: bytes) -> None:
    link: Link | None = m.link
    if link is not None and link.connected:
        m.set_result(2)
        return
    try:
        request = parse_connect(os.fsdecode(text))
    except NoHostError:
        # Tera Term opens an unconnected window (and its New Connection
        # dialog unless /DS): linked, not connected.
        if link is None:
            m.link = Link(m)
        m.set_result(1)
        m.warn("connect: the connect string names no host, so nothing was connected; result is 1")
        return
    except ConnectLineError as exc:
        raise MacroRuntimeError(f"connect: {exc}") from None
    transport_class = transport_for(request.protocol)
    if transport_class is None:
        raise MacroRuntimeError(
            f"connect: {request.protocol} connections are not supported yet by ttlrun; "
            "for a raw TCP session add /T=0 or use a port other than 22 and 23",
        )
    charset_name = request.options.get("KR", "UTF8")
    try:
        charset = charset_for(charset_name)
    except KeyError:
        raise MacroRuntimeError(
            f"connect: unknown character set /KR={charset_name}; use UTF8, SJIS, EUC or JIS"
        ) from None
    if link is None:
        link = Link(m)
        m.link = link
    try:
        transport = transport_class.open(request, m.options)
    except OSError as exc:
        m.set_result(1)
        reason = exc.strerror or str(exc)
        if isinstance(exc, socket.gaierror):
            reason = f"cannot resolve host name '{request.host}' ({reason})"
        m.warn(f"connect to {request.describe()} failed: {reason}; result is 1")
        transcript = m.options.transcript
        if transcript is not None:
            transcript.event(f"connect {request.describe()} failed: {reason}")
        return
    link.attach(transport, request, charset)
    m.set_result(2)


@command("testlink")
def testlink(m: Machine) -> None:
    link: Link | None = m.link
    m.set_result(0 if link is None else link.status())


@command("disconnect", "i?")
def disconnect(m: Machine, confirm: int = 1) -> None:
    link = _link(m, "disconnect")
    link.close("disconnect")


@command("unlink")
def unlink(m: Machine) -> None:
    link: Link | None = m.link
    if link is not None:
        link.close("unlink")
    m.link = None


@command("send", "x*")
def send(m: Machine, *values: Any) -> None:
    _link(m, "send").send(_data(values))


@command("sendbinary", "x*")
def sendbinary(m: Machine, *values: Any) -> None:
    _link(m, "sendbinary").send(_data(values), text=False)


@command("sendtext", "x*")
def sendtext(m: Machine, *values: Any) -> None:
    _link(m, "sendtext").send(_data(values))


@command("sendln", "x*")
def sendln(m: Machine, *values: Any) -> None:
    link = _link(m, "sendln")
    link.send(_data(values) + link.newline)


@command("sendfile", "s i")
def sendfile(m: Machine, name: bytes, binary: int) -> None:
    link = _link(m, "sendfile")
    if not name:
        raise MacroRuntimeError("sendfile: the file name is empty")
    path = m.resolve_transfer_path(name)
    try:
        if binary & 1:
            link.send_file(path)
            return
        raw = path.read_bytes()
    except FileNotFoundError:
        raise MacroRuntimeError(f"sendfile: file not found: {path}") from None
    except OSError as exc:
        raise MacroRuntimeError(f"sendfile: cannot read {path}: {exc.strerror}") from None
    # Text mode: every CR LF, LF and CR becomes the connection's newline.
    # A UTF-16 file (with its BOM) is sent as UTF-8; other bytes go out unchanged.
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raw = decode_macro(raw)[0].encode("utf-8")
    elif raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    link.send(_NEWLINES.sub(link.newline, raw))


@command("wait", "s*")
def wait(m: Machine, *patterns: bytes) -> None:
    link = _link(m, "wait")
    if not patterns:
        return
    if len(patterns) > MAX_WAIT_STRINGS:
        raise MacroRuntimeError(f"wait: at most {MAX_WAIT_STRINGS} strings, {len(patterns)} given")
    m.set_result(link.wait_for(list(patterns), _deadline(m)))


@command("waitln", "s*")
def waitln(m: Machine, *patterns: bytes) -> None:
    link = _link(m, "waitln")
    if not patterns:
        return
    if len(patterns) > MAX_WAIT_STRINGS:
        raise MacroRuntimeError(f"waitln: at most {MAX_WAIT_STRINGS} strings, {len(patterns)} given")
    deadline = _deadline(m)
    found = link.wait_for(list(patterns), deadline)
    m.set_result(found)
    if not found:
        return
    if patterns[found - 1] != b"\n" and not link.wait_for([b"\n"], deadline):
        m.set_result(0)
    m.vars["inputstr"] = link.current_line()


@command("recvln")
def recvln(m: Machine) -> None:
    link = _link(m, "recvln")
    m.set_result(1)
    m.vars["inputstr"] = b""
    if not link.wait_for([b"\n"], _deadline(m)):
        m.set_result(0)
    m.vars["inputstr"] = link.current_line()


@command("flushrecv")
def flushrecv(m: Machine) -> None:
    link: Link | None = m.link
    if link is not None:
        link.drain()
        link.consume(len(link.received))
        link.line.clear()



@command("closett")
def closett(m: Machine) -> None:
    """Close the connection and drop the link, as closing Tera Term does."""
    link = _link(m, "closett")
    link.close("closett")
    m.link = None


# -- broadcast and multicast ------------------------------------------------
# Tera Term sends these to every window that accepts broadcasts (or that has
# the multicast name). ttlrun has one connection, which accepts them.


@command("sendbroadcast", "x*")
def sendbroadcast(m: Machine, *values: Any) -> None:
    _link(m, "sendbroadcast").send(_data(values))


@command("sendlnbroadcast", "x*")
def sendlnbroadcast(m: Machine, *values: Any) -> None:
    _link(m, "sendlnbroadcast").send(_data(values) + b"\r\n")


@command("setmulticastname", "s")
def setmulticastname(m: Machine, name: bytes) -> None:
    _link(m, "setmulticastname").multicast_name = name


@command("sendmulticast", "s x*")
def sendmulticast(m: Machine, name: bytes, *values: Any) -> None:
    link = _link(m, "sendmulticast")
    if name == link.multicast_name:
        link.send(_data(values))


@command("sendlnmulticast", "s x*")
def sendlnmulticast(m: Machine, name: bytes, *values: Any) -> None:
    link = _link(m, "sendlnmulticast")
    if name == link.multicast_name:
        link.send(_data(values) + b"\r\n")


@command("changedir", "s")
def changedir(m: Machine, directory: bytes) -> None:
    """Set the directory for relative names of sendfile, logopen and recvfile."""
    _link(m, "changedir")
    if not directory:
        raise MacroRuntimeError("changedir: the folder name is empty")
    path = m.resolve_path(directory)
    if not path.is_dir():
        raise MacroRuntimeError(f"changedir: folder not found: {path}")
    m.transfer_dir = path


@command("recvfile", "s i i")
def recvfile(m: Machine, name: bytes, ignored: int, idle_seconds: int) -> None:
    """Write received data to a file until no data came for ``idle_seconds`` (<= 0: until the link closes).

    result is 1 when the idle timer stopped it, 0 when the connection closed.
    """
    link = _link(m, "recvfile")
    path = m.resolve_transfer_path(name)
    try:
        sink = open(path, "wb")
    except OSError as exc:
        raise MacroRuntimeError(f"recvfile: cannot write {path}: {exc.strerror}") from None
    with sink:
        link.raw_sink = sink
        try:
            while True:
                deadline = time.monotonic() + idle_seconds if idle_seconds > 0 else None
                if not link.fill(deadline):
                    m.set_result(1 if link.connected else 0)
                    return
        finally:
            link.raw_sink = None
