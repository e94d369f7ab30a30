"""A scripted TCP peer on 127.0.0.1 for tests that need a connection."""

from __future__ import annotations

import socket
import threading
from typing import Callable


class ScriptedPeer:
    """Accept one connection and run ``script(conn)`` on it in a thread.

    Everything the client sends is collected in ``received`` until the
    client closes, unless the script closes the connection first.
    """

    def __init__(self, script: Callable[[socket.socket], None] | None = None, family: int = socket.AF_INET):
        self.script = script
        self.received = bytearray()
        host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
        self.server = socket.socket(family, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind((host, 0))
        self.server.listen(1)
        self.server.settimeout(20)
        self.port = self.server.getsockname()[1]
        self.closed_by_script = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.server.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(20)
            if self.script is not None:
                self.script(conn)
            if self.closed_by_script:
                return
            try:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    self.received += data
            except OSError:
                pass

    def read_exactly(self, conn: socket.socket, count: int) -> bytes:
        """Read ``count`` bytes from the client (inside a script)."""
        data = bytearray()
        while len(data) < count:
            chunk = conn.recv(count - len(data))
            if not chunk:
                break
            data += chunk
        self.received += data
        return bytes(data)

    def read_until(self, conn: socket.socket, marker: bytes) -> bytes:
        """Read from the client until ``marker`` has arrived (inside a script)."""
        data = bytearray()
        while marker not in data:
            chunk = conn.recv(1)
            if not chunk:
                break
            data += chunk
        self.received += data
        return bytes(data)

    def finish(self) -> bytes:
        """Wait for the peer thread; return all bytes the client sent."""
        self.thread.join(20)
        self.server.close()
        return bytes(self.received)


def free_port() -> int:
    """Return a loopback port that had no listener a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
