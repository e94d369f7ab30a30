"""Transports: the byte pipes behind ``connect`` (raw TCP, telnet, SSH, serial).

A transport moves raw bytes. The link above it records every raw byte in
the transcript, passes received bytes through ``decode`` (the protocol
layer: telnet commands are removed there) and outgoing data through
``encode`` before ``write``. A module registers its transport class for a
protocol name with ``register``; ``connect`` looks the name up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ttl.connect_line import ConnectRequest
    from ttl.machine import Options


class Transport(Protocol):
    """The interface the link uses to drive a connection."""

    kind: str  # "raw", "telnet", "ssh" or "serial", shown in the transcript
    default_newline: bytes  # what sendln appends unless --newline sets another newline
    peer: str  # the address as shown in messages and the transcript

    def fileno(self) -> int:
        """Return a file descriptor that select() reports readable when data or EOF arrives."""
        ...

    def recv(self) -> bytes:
        """Return the raw bytes that have arrived; b"" when the peer has closed."""
        ...

    def decode(self, raw: bytes) -> tuple[bytes, bytes]:
        """Split received raw bytes into (data for the terminal, protocol replies to send back)."""
        ...

    def encode(self, data: bytes, *, text: bool) -> bytes:
        """Return the wire bytes for macro data (``text`` is False for sendbinary and sendfile 1)."""
        ...

    def write(self, data: memoryview) -> int:
        """Write raw bytes; return how many were written."""
        ...

    def close(self) -> None:
        ...


class TransportClass(Protocol):
    def open(self, request: ConnectRequest, options: Options) -> Transport:
        ...


_REGISTRY: dict[str, TransportClass] = {}

# Modules that register a transport, by protocol name. Each is imported on
# first use, so a macro that only uses raw TCP never imports pexpect.
_MODULES = {"raw": "tcp", "telnet": "telnet", "ssh": "ssh", "serial": "serial"}


def register(protocol: str, transport_class: TransportClass) -> None:
    """Make ``transport_class`` open connections of ``protocol``."""
    _REGISTRY[protocol] = transport_class


def transport_for(protocol: str) -> TransportClass | None:
    """Return the transport class for ``protocol``, or None when there is none yet."""
    if protocol not in _REGISTRY and protocol in _MODULES:
        try:
            importlib.import_module(f"ttl.transports.{_MODULES[protocol]}")
        except ModuleNotFoundError as exc:
            if exc.name != f"ttl.transports.{_MODULES[protocol]}":
                raise
    return _REGISTRY.get(protocol)
