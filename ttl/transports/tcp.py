"""Raw TCP: bytes go out and come in unchanged."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from ttl.transports import register

if TYPE_CHECKING:
    from ttl.connect_line import ConnectRequest
    from ttl.machine import Options

READ_SIZE = 65536


class TcpTransport:
    """A plain TCP connection: bytes go out and come in unchanged."""

    kind = "raw"
    default_newline = b"\r\n"

    def __init__(self, sock: socket.socket, peer: str):
        self.sock = sock
        self.peer = peer

    @classmethod
    def open(cls, request: ConnectRequest, options: Options) -> TcpTransport:
        """Connect to the request's host and port; raise OSError on failure."""
        assert request.port is not None
        infos = socket.getaddrinfo(request.host, request.port, request.family, socket.SOCK_STREAM)
        last_error: OSError | None = None
        for family, kind, proto, _name, address in infos:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(request.connect_timeout)
                sock.connect(address)
            except OSError as exc:
                sock.close()
                last_error = exc
                continue
            sock.settimeout(None)
            # Each send goes out at once instead of waiting to be merged.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            peer_host, peer_port = sock.getpeername()[:2]
            host = f"[{peer_host}]" if family == socket.AF_INET6 else peer_host
            return cls(sock, f"{host}:{peer_port}")
        assert last_error is not None
        raise last_error

    def fileno(self) -> int:
        return self.sock.fileno()

    def write(self, data: memoryview) -> int:
        return self.sock.send(data)

    def recv(self) -> bytes:
        return self.sock.recv(READ_SIZE)

    def send_whole_file(self, path: str) -> None:
        """Send a file's bytes with the kernel's sendfile, unchanged."""
        with open(path, "rb") as file:
            self.sock.sendfile(file)

    def decode(self, raw: bytes) -> tuple[bytes, bytes]:
        return raw, b""

    def encode(self, data: bytes, *, text: bool) -> bytes:
        return data

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


register("raw", TcpTransport)
