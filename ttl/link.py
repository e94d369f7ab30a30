"""The connection a macro drives: sending, receiving and matching.

Received bytes go into a buffer the wait commands consume from; bytes that
arrive before a wait stay there for it. Sends go to the wire as they are,
at once, with nothing added but the newline that ``sendln`` appends.
"""

from __future__ import annotations

import logging
import os
import select
import time
from typing import TYPE_CHECKING, Any

from ttl.connect_line import ConnectRequest
from ttl.errors import LinkError
from ttl.terminal import TerminalFilter
from ttl.transcript import hexdump

if TYPE_CHECKING:
    from ttl.machine import Machine
    from ttl.transports import Transport

log = logging.getLogger(__name__)

READ_SIZE = 65536


class Link:
    """The macro's connection, with its receive buffer and line buffer."""

    def __init__(self, machine: Machine):
        self.machine = machine
        self.transport: Transport | None = None
        self.terminal: TerminalFilter | None = None
        self.connected = False
        self.peer_closed = False
        self.received = bytearray()  # received and not yet consumed by a wait
        self.line = bytearray()  # the current line, as consumed so far
        self.newline = b"\r\n"
        self.host_name = b""
        self.multicast_name = b""  # setmulticastname
        self.raw_sink: Any = None  # recvfile's file: takes received data instead of the buffer
        self.debug_mode = 0  # setdebug: 0 normal, 1 caret notation, 2 hex, 3 nothing
        self.local_echo = False  # setecho: sent text also enters the receive buffer

    # -- state -----------------------------------------------------------

    def attach(self, transport: Transport, request: ConnectRequest, charset: str) -> None:
        self.transport = transport
        self.connected_at = time.time()
        self.connected = True
        self.peer_closed = False
        if request.protocol == "serial":
            number = getattr(getattr(transport, "name", None), "com_number", None)
            self.host_name = f"COM{number}".encode() if number is not None else request.serial_port.encode()
        else:
            self.host_name = request.host.encode("utf-8")
        options = self.machine.options
        self.terminal = None if options.raw_match else TerminalFilter(charset)
        self.newline = options.newline if options.newline is not None else transport.default_newline
        if options.transcript is not None:
            options.transcript.event(
                f"connect {transport.kind} {transport.peer} newline={_newline_name(self.newline)}"
            )
        greeting = getattr(transport, "greeting", None)
        if greeting is not None:
            opening = greeting()
            if opening:
                self._write(opening, "negotiation")

    def close(self, reason: str) -> None:
        if self.transport is not None:
            if self.connected:
                self.drain()
            self.transport.close()
            transcript = self.machine.options.transcript
            if transcript is not None and self.connected:
                transcript.event(reason)
        self.connected = False

    def status(self) -> int:
        """Return ``testlink``'s result: 1 linked but not connected, 2 connected."""
        return 2 if self.connected else 1

    # -- receiving -------------------------------------------------------

    def _record_received(self, data: bytes) -> None:
        options = self.machine.options
        if options.transcript is not None:
            options.transcript.received(data)
        if options.hexdump is not None:
            hexdump("<", data, options.hexdump)

    def _read_once(self) -> bool:
        """Read what the socket has; return False when the peer has closed."""
        assert self.transport is not None
        try:
            data = self.transport.recv()
        except (ConnectionResetError, ConnectionAbortedError) as exc:
            self._peer_gone(f"connection reset by the peer ({exc.strerror})")
            return False
        except BlockingIOError:
            return True
        if not data:
            self._peer_gone("connection closed by the peer")
            return False
        self._record_received(data)
        data, reply = self.transport.decode(data)
        if reply:
            self._write(reply, "protocol reply")
        if self.machine.log is not None:
            self.machine.log.received(data)
        if self.raw_sink is not None:
            self.raw_sink.write(data)
            self.raw_sink.flush()
            return True
        if self.debug_mode:
            data = _debug_view(data, self.debug_mode)
        elif self.terminal is not None:
            data = self.terminal.feed(data)
        self.received += data
        return True

    def _peer_gone(self, reason: str) -> None:
        self.peer_closed = True
        self.connected = False
        options = self.machine.options
        if options.transcript is not None:
            options.transcript.event(reason)
        if options.hexdump is not None:
            options.hexdump.write(f"* {reason}\n")
            options.hexdump.flush()
        log.info("%s", reason)

    def fill(self, deadline: float | None) -> bool:
        """Wait for more received data until ``deadline``; False on timeout or a closed link."""
        if not self.connected or self.transport is None:
            return False
        fd = self.transport.fileno()
        while True:
            if deadline is None:
                wait = None
            else:
                wait = deadline - time.monotonic()
                if wait <= 0:
                    return False
            readable, _, _ = select.select([fd], [], [], wait)
            if readable:
                return self._read_once()

    def drain(self) -> None:
        """Take in whatever has already arrived, without waiting."""
        while self.connected and self.transport is not None:
            readable, _, _ = select.select([self.transport.fileno()], [], [], 0)
            if not readable or not self._read_once():
                return

    def idle(self, seconds: float) -> None:
        """Sleep for ``seconds`` while still taking in received data (pause, mpause)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.connected:
                self.fill(deadline)
            else:
                time.sleep(max(0.0, deadline - time.monotonic()))

    def consume(self, count: int, *, keep_line: bool = False) -> bytes:
        """Remove ``count`` received bytes and add them to the line buffer.

        With ``keep_line`` an LF does not start a new line (waitn).
        """
        chunk = bytes(self.received[:count])
        del self.received[:count]
        if not chunk:
            return chunk
        line = self.line
        if keep_line:
            line += chunk
            return chunk
        if line.endswith(b"\n"):
            line.clear()
        line += chunk
        # Keep only the text after the last LF that is not the final byte,
        # so an LF-terminated line stays until the next byte arrives.
        cut = line.rfind(b"\n", 0, len(line) - 1)
        if cut >= 0:
            del line[: cut + 1]
        return chunk

    def current_line(self) -> bytes:
        """Return the line buffer without its trailing LF or CR LF."""
        line = bytes(self.line)
        if line.endswith(b"\n"):
            line = line[:-1]
            if line.endswith(b"\r"):
                line = line[:-1]
        return line

    def wait_for(self, patterns: list[bytes], deadline: float | None) -> int:
        """Consume received bytes until one of ``patterns`` completes.

        Return the 1-based index of the pattern whose match ends first in
        the stream, taking the lower index on a tie. On timeout or a closed
        link return 0 and consume every buffered byte, as Tera Term's
        byte-by-byte matchers do.
        """
        longest = max(len(p) for p in patterns)
        scanned = 0  # bytes of self.received already searched without a match
        while True:
            # Bytes that no pattern can still end in are consumed, as Tera
            # Term's byte-by-byte matchers consume them. Only the overlap that
            # may start a match is kept, so memory stays flat on long outputs.
            if scanned > longest:
                self.consume(scanned - longest + 1)
                scanned = longest - 1
            best_end = -1
            best_index = 0
            buffer = self.received
            start = max(0, scanned - longest + 1)
            for index, pattern in enumerate(patterns, start=1):
                if not pattern:
                    end = 1 if buffer else -1
                else:
                    found = buffer.find(pattern, start)
                    end = found + len(pattern) if found >= 0 else -1
                if end >= 0 and (best_end < 0 or end < best_end):
                    best_end = end
                    best_index = index
            if best_index:
                self.consume(best_end)
                return best_index
            scanned = len(buffer)
            if not self.fill(deadline):
                self.consume(len(self.received))
                return 0

    # -- sending ---------------------------------------------------------

    def send(self, data: bytes, *, text: bool = True) -> None:
        """Send macro data through the protocol layer; raise LinkError when the connection is gone.

        On raw TCP the bytes go out exactly as given. ``text`` is False for
        data that Tera Term sends as binary (sendbinary, sendfile with 1).
        """
        if not data:
            return
        self._check_can_send()
        assert self.transport is not None
        where = self._where() if self.machine.options.transcript is not None else ""
        self._write(self.transport.encode(data, text=text), where)
        if self.local_echo:
            self.received += self.terminal.feed(data) if self.terminal is not None else data

    def _write(self, data: bytes, where: str) -> None:
        """Write wire bytes, recording each chunk that went out."""
        assert self.transport is not None
        options = self.machine.options
        view = memoryview(data)
        sent = 0
        while sent < len(data):
            try:
                count = self.transport.write(view[sent:])
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError) as exc:
                self._peer_gone(f"send failed: {exc.strerror}")
                raise LinkError(
                    f"cannot send: the peer closed the connection ({exc.strerror}); "
                    f"{sent} of {len(data)} bytes went out",
                ) from None
            # NOTE: a password is masked only when it lies within one chunk.
            chunk = self.machine.mask(bytes(view[sent : sent + count]))
            if options.transcript is not None:
                options.transcript.sent(chunk, where)
            if options.hexdump is not None:
                hexdump(">", chunk, options.hexdump)
            sent += count

    def send_break(self) -> bool:
        """Send the connection's break signal; return False when it has none (raw TCP)."""
        self._check_can_send()
        transport = self.transport
        break_bytes = getattr(transport, "break_bytes", None)
        if break_bytes is not None:
            self._write(break_bytes(), self._where())
            return True
        send_break = getattr(transport, "send_break", None)
        if send_break is None:
            return False
        try:
            send_break()
        except BrokenPipeError as exc:
            self._peer_gone(f"sendbreak failed: {exc}")
            raise LinkError(f"cannot send a break: {exc}") from None
        except OSError as exc:
            self.machine.warn(f"sendbreak: the device could not send a break: {exc}")
            return True
        transcript = self.machine.options.transcript
        if transcript is not None:
            transcript.event("break")
        return True

    def send_file(self, path: os.PathLike[str], chunk_size: int = READ_SIZE) -> None:
        """Send a file's bytes as binary data (sendfile with flag 1)."""
        self._check_can_send()
        options = self.machine.options
        zero_copy = getattr(self.transport, "send_whole_file", None)
        unchanged = self.transport is not None and self.transport.kind == "raw"  # telnet doubles 0xFF
        if zero_copy is not None and unchanged and options.transcript is None and options.hexdump is None:
            # Nothing needs to see the bytes, so the kernel copies the file.
            try:
                zero_copy(path)
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError) as exc:
                self._peer_gone(f"send failed: {exc.strerror}")
                raise LinkError(f"cannot send: the peer closed the connection ({exc.strerror})") from None
            return
        with open(path, "rb") as file:
            while True:
                chunk = file.read(chunk_size)
                if not chunk:
                    return
                self.send(chunk, text=False)

    def _check_can_send(self) -> None:
        if self.connected:
            return
        if self.peer_closed:
            raise LinkError(
                "cannot send: the other end closed the connection",
                hint="the server, device or cable ended the session; its log may say why",
            )
        raise LinkError("cannot send: the connection is closed")

    def _where(self) -> str:
        machine = self.machine
        if machine.program is None:
            return ""
        line = machine.program.lines[machine.pc]
        return f"{machine.program.source.path.name}:{line}"


def _debug_view(data: bytes, mode: int) -> bytes:
    """Show received bytes as Tera Term's debug modes display them."""
    if mode == 2:
        return b"".join(b"%02X " % byte for byte in data)
    if mode == 1:
        out = bytearray()
        for byte in data:
            if byte < 0x20 or byte == 0x7F:
                out += b"^" + bytes([byte ^ 0x40])
            else:
                out.append(byte)
        return bytes(out)
    return b""


def _newline_name(newline: bytes) -> str:
    return {b"\r": "cr", b"\n": "lf", b"\r\n": "crlf"}.get(newline, newline.hex())
