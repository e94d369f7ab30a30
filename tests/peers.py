"""Network peers for the end-to-end tests, all on the loopback interface.

- ``require_peer`` skips a test whose peer is missing, or fails it when the
  environment has ``CI=true``, because CI must provide every peer.
- ``SMTPCaptureServer`` is an aiosmtpd server inside the test process that
  stores the DATA bytes of each message exactly as received.
- ``HangUpSMTPPeer`` is a scripted SMTP server that drops the connection in
  the middle of the message.
- The Postfix helpers probe the Postfix instance that ``.ci/run`` configures
  and find the messages it delivers to the test user's Maildir.
"""

from __future__ import annotations

import os
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

LOOPBACK = "127.0.0.1"

# The Postfix instance that .ci/run configures. It rejects a bare LF in DATA
# with 550 and delivers mail for POSTFIX_RECIPIENT to POSTFIX_MAILDIR.
POSTFIX_PORT = 2525
POSTFIX_RECIPIENT = "mailtest@test.local"
POSTFIX_MAILDIR = Path("/home/mailtest/Maildir")

# Trace headers that Postfix local(8) adds in front of a delivered message.
POSTFIX_TRACE_HEADERS = (b"return-path", b"x-original-to", b"delivered-to", b"received")


def running_under_ci() -> bool:
    """Return whether the environment has CI=true, as on the CI runner."""
    return os.environ.get("CI", "").lower() == "true"


def require_peer(reason: str) -> None:
    """Skip the current test because a peer is missing, or fail it under CI=true.

    ``reason`` names the missing peer and how to provide it.
    """
    if running_under_ci():
        pytest.fail(f"missing test peer (CI=true, so this is a failure): {reason}", pytrace=False)
    pytest.skip(reason)


def find_free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port on ``host`` that had no listener when checked.

    Another process can take the port before the caller binds it, so callers
    that bind it retry on EADDRINUSE.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


# --- aiosmtpd capture server ------------------------------------------------


@dataclass
class CapturedMessage:
    """One message that the capture server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    # DATA bytes after dot-unstuffing, with every line ending as the client sent it.
    original_content: bytes


class CaptureHandler:
    """aiosmtpd handler that accepts every message and stores its exact bytes."""

    def __init__(self) -> None:
        self.messages: list[CapturedMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(
            CapturedMessage(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                original_content=envelope.original_content,
            )
        )
        return "250 2.0.0 Message accepted for delivery"


class SMTPCaptureServer:
    """aiosmtpd server on 127.0.0.1 that records each message's DATA bytes.

    Use it as a context manager. aiosmtpd 1.4 cannot listen on port 0,
    because ``Controller.start`` connects to the configured port to check
    that the server is up, so the server tries a few free ports.
    """

    def __init__(self, handler=None, host: str = LOOPBACK, attempts: int = 5) -> None:
        try:
            from aiosmtpd.controller import Controller
        except ImportError:
            require_peer("aiosmtpd is not installed: pip install -e '.[test]'")

        self.handler = handler if handler is not None else CaptureHandler()
        self.host = host
        self.port = 0
        self._controller_class = Controller
        self._controller = None
        self._attempts = attempts

    @property
    def messages(self) -> list[CapturedMessage]:
        return self.handler.messages

    def start(self) -> None:
        last_error: OSError | None = None
        for _ in range(self._attempts):
            port = find_free_port(self.host)
            controller = self._controller_class(self.handler, hostname=self.host, port=port)
            try:
                controller.start()
            except OSError as error:
                last_error = error
                continue
            self._controller = controller
            self.port = port
            return
        raise RuntimeError(
            f"aiosmtpd could not listen on {self.host} after {self._attempts} attempts: {last_error}"
        )

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SMTPCaptureServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


# --- SMTP peer that hangs up in the middle of DATA --------------------------


class HangUpSMTPPeer:
    """SMTP server that drops the connection after the first bytes of a message.

    The peer accepts one connection on 127.0.0.1. It replies 250 to EHLO, HELO,
    MAIL, RCPT, RSET and NOOP, and 354 to DATA. After DATA it reads until
    it has at least ``hangup_after`` bytes of the message, then hangs up:

    - ``mode="reset"`` closes with SO_LINGER 0, so the client gets a TCP RST,
      as from a server that crashed. Bytes that the client sends after that
      point are not recorded.
    - ``mode="fin"`` shuts down its sending side, so the client reads end of
      file, and keeps recording what the client sends until the client closes.

    ``sent`` and ``received`` are every byte the peer wrote and read. Read them
    after ``stop`` returns.
    """

    BANNER = b"220 hangup.test.local ESMTP hang-up test peer\r\n"
    MODES = ("reset", "fin")

    def __init__(self, hangup_after: int = 16, mode: str = "reset", timeout: float = 30.0) -> None:
        if mode not in self.MODES:
            raise ValueError(f"invalid hang-up mode {mode!r}, expected one of {self.MODES}")
        self.hangup_after = hangup_after
        self.mode = mode
        self.timeout = timeout
        self.host = LOOPBACK
        self._listener = socket.create_server((self.host, 0))
        self.port = self._listener.getsockname()[1]
        self._sent = bytearray()
        self._received = bytearray()
        # Set when the peer has dropped the connection in the middle of DATA.
        self.hung_up = threading.Event()
        self._stopping = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="hang-up SMTP peer", daemon=True)

    @property
    def sent(self) -> bytes:
        return bytes(self._sent)

    @property
    def received(self) -> bytes:
        return bytes(self._received)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop waiting for a client and wait until the peer has finished its connection.

        Call it after the client has exited, so an open connection ends soon.
        """
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"hang-up SMTP peer on port {self.port} still running after {timeout} s")

    def __enter__(self) -> HangUpSMTPPeer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _accept(self) -> socket.socket | None:
        """Return the first client connection, or None when ``stop`` came first or the wait timed out."""
        deadline = time.monotonic() + self.timeout
        # A short timeout lets the loop see the stop request, because closing
        # a listening socket does not wake a thread blocked in accept().
        self._listener.settimeout(0.1)
        while not self._stopping.is_set() and time.monotonic() < deadline:
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            return connection
        return None

    def _run(self) -> None:
        try:
            connection = self._accept()
        except OSError as error:
            self.error = error
            return
        finally:
            self._listener.close()
        if connection is None:
            return

        try:
            connection.settimeout(self.timeout)
            self._serve(connection)
        except OSError as error:
            self.error = error
        finally:
            connection.close()

    def _send(self, connection: socket.socket, data: bytes) -> None:
        connection.sendall(data)
        self._sent += data

    def _recv(self, connection: socket.socket) -> bytes:
        chunk = connection.recv(65536)
        self._received += chunk
        return chunk

    def _serve(self, connection: socket.socket) -> None:
        self._send(connection, self.BANNER)
        buffer = b""
        while True:
            while b"\n" not in buffer:
                chunk = self._recv(connection)
                if not chunk:
                    return
                buffer += chunk
            line, buffer = buffer.split(b"\n", 1)
            verb = line.strip().split(b" ", 1)[0].upper()

            if verb in (b"EHLO", b"HELO"):
                self._send(connection, b"250 hangup.test.local\r\n")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self._send(connection, b"250 2.0.0 Ok\r\n")
            elif verb == b"QUIT":
                self._send(connection, b"221 2.0.0 Bye\r\n")
                return
            elif verb == b"DATA":
                self._send(connection, b"354 End data with <CR><LF>.<CR><LF>\r\n")
                break
            else:
                self._send(connection, b"502 5.5.2 Error: command not recognized\r\n")

        message = buffer
        while len(message) < self.hangup_after:
            chunk = self._recv(connection)
            if not chunk:
                return
            message += chunk

        if self.mode == "reset":
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.hung_up.set()
            return

        connection.shutdown(socket.SHUT_WR)
        self.hung_up.set()
        while self._recv(connection):
            pass


# --- Postfix ----------------------------------------------------------------


@dataclass
class PostfixPeer:
    """The Postfix instance on loopback that delivers to a local Maildir."""

    host: str = LOOPBACK
    port: int = POSTFIX_PORT
    recipient: str = POSTFIX_RECIPIENT
    maildir: Path = POSTFIX_MAILDIR
    banner: str = ""


def read_smtp_reply(reader) -> bytes:
    """Read one SMTP reply, all lines of a multi-line reply, from a binary file object."""
    lines = []
    while True:
        line = reader.readline()
        if not line:
            raise ConnectionError(f"connection closed after {b''.join(lines)!r}")
        lines.append(line)
        if line[3:4] != b"-":
            return b"".join(lines)


def probe_postfix(host: str = LOOPBACK, port: int = POSTFIX_PORT, timeout: float = 5.0) -> str:
    """Return the SMTP banner of a Postfix server on ``host:port``.

    Raises OSError when nothing accepts the connection and ValueError when the
    server that replies is not Postfix.
    """
    with socket.create_connection((host, port), timeout=timeout) as connection:
        reader = connection.makefile("rb")
        banner = read_smtp_reply(reader).decode("ascii", "replace").strip()
        connection.sendall(b"QUIT\r\n")
        read_smtp_reply(reader)
    # Postfix's default smtpd_banner is "$myhostname ESMTP $mail_name", and
    # $mail_name is "Postfix".
    if not banner.startswith("220 ") or "Postfix" not in banner:
        raise ValueError(f"the server on {host}:{port} is not Postfix, its banner is {banner!r}")
    return banner


def send_raw_message(host: str, port: int, sender: str, recipient: str, data: bytes, timeout: float = 10.0) -> bytes:
    """Send ``data`` as one message, without changing any byte, and return the reply to its end of data.

    ``data`` must end with CR LF. Used to check the peer's own configuration,
    independently of ttlrun.
    """
    with socket.create_connection((host, port), timeout=timeout) as connection:
        reader = connection.makefile("rb")
        read_smtp_reply(reader)
        for command in (b"EHLO probe.test.local", f"MAIL FROM:<{sender}>".encode(), f"RCPT TO:<{recipient}>".encode()):
            connection.sendall(command + b"\r\n")
            reply = read_smtp_reply(reader)
            if not reply.startswith(b"250"):
                raise ValueError(f"{host}:{port} replied {reply!r} to {command!r}")
        connection.sendall(b"DATA\r\n")
        reply = read_smtp_reply(reader)
        if not reply.startswith(b"354"):
            raise ValueError(f"{host}:{port} replied {reply!r} to DATA")
        connection.sendall(data + b".\r\n")
        verdict = read_smtp_reply(reader)
        connection.sendall(b"QUIT\r\n")
        return verdict


def list_maildir_messages(maildir: Path) -> set[Path]:
    """Return the message files in ``maildir``'s new/ and cur/ folders."""
    messages = set()
    for folder in ("new", "cur"):
        directory = maildir / folder
        if directory.is_dir():
            messages.update(path for path in directory.iterdir() if path.is_file())
    return messages


def wait_for_new_message(maildir: Path, known: set[Path], timeout: float = 20.0) -> Path | None:
    """Wait for a message file in ``maildir`` that is not in ``known``.

    Returns its path, or None after ``timeout`` seconds. Postfix delivers
    after it has accepted the message, so the file appears with a delay.
    """
    deadline = time.monotonic() + timeout
    while True:
        new_messages = sorted(list_maildir_messages(maildir) - known)
        if new_messages:
            return new_messages[0]
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.1)


def strip_trace_headers(stored: bytes) -> bytes:
    """Remove the trace headers that Postfix local delivery puts in front of a message.

    The header fields named in POSTFIX_TRACE_HEADERS are removed, with their
    continuation lines, up to the first field with another name.
    """
    lines = stored.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        match = re.match(rb"([A-Za-z-]+):", lines[index])
        if not match or match.group(1).lower() not in POSTFIX_TRACE_HEADERS:
            break
        index += 1
        while index < len(lines) and lines[index][:1] in (b" ", b"\t"):
            index += 1
    return b"".join(lines[index:])


def split_message(message: bytes, newline: bytes) -> tuple[list[bytes], bytes]:
    """Split a message into its header lines and its body at the first empty line."""
    header, separator, body = message.partition(newline + newline)
    if not separator:
        return message.split(newline), b""
    return header.split(newline), body
