"""Loopback TCP peers for the benchmarks: echo, bigoutput and sink.

Each peer is a separate process, so that it can be pinned to a core with
``taskset`` together with the client it serves. Usage::

    python bench/peers.py echo
    python bench/peers.py bigoutput --bytes 10000000
    python bench/peers.py sink --bytes 1073741824

A peer binds 127.0.0.1 on a free port, prints ``PORT <n>`` on standard
output, accepts one connection, serves it, and prints one JSON object with
its measurements on standard output before it exits. The peers time the
work themselves, so that every tool is timed the same way and no client's
start-up is counted:

- ``echo`` sends back every byte it receives. It times from the first byte
  received to the line ``quit``, and counts the lines before ``quit``.
- ``bigoutput`` waits for the line ``go``, then sends ``--bytes`` of text
  lines with ANSI colour sequences, then the line ``BIGOUTPUT-END``. It times
  from ``go`` to the line ``done`` that the client sends once it has seen
  the marker.
- ``sink`` waits for the line ``go`` and then reads ``--bytes`` more bytes.
  It times from ``go`` to the last of those bytes.

Every socket operation has a timeout (``--timeout``, in seconds), so a
client that stops sending cannot hang a peer.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time

LOOPBACK = "127.0.0.1"
MARKER = b"BIGOUTPUT-END"
RECV_SIZE = 65536

# SGR colour codes that the bigoutput lines cycle through, as `ls --color`
# or a compiler's coloured diagnostics would send them.
COLOURS = (b"31", b"32", b"33", b"34", b"35", b"36", b"1;37")


def listen() -> socket.socket:
    """Bind a listening socket on a free loopback port and announce the port."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((LOOPBACK, 0))
    server.listen(1)
    print(f"PORT {server.getsockname()[1]}", flush=True)
    return server


def accept(server: socket.socket, timeout: float) -> socket.socket:
    """Accept one client, with TCP_NODELAY set and ``timeout`` on every operation."""
    server.settimeout(timeout)
    conn, _address = server.accept()
    server.close()
    conn.settimeout(timeout)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def read_line(conn: socket.socket, pending: bytearray) -> bytes:
    """Read up to and including the next LF; keep the bytes after it in ``pending``."""
    while b"\n" not in pending:
        chunk = conn.recv(RECV_SIZE)
        if not chunk:
            raise ConnectionError(f"the client closed the connection before a full line; got {bytes(pending)!r}")
        pending += chunk
    end = pending.index(b"\n") + 1
    line = bytes(pending[:end])
    del pending[:end]
    return line


def serve_echo(conn: socket.socket) -> dict[str, object]:
    """Echo every byte until the client sends the line ``quit``."""
    first_byte_at: float | None = None
    recent = bytearray()
    lines = 0
    while True:
        chunk = conn.recv(RECV_SIZE)
        if not chunk:
            raise ConnectionError(f"the client closed the connection before 'quit' after {lines} lines")
        if first_byte_at is None:
            first_byte_at = time.perf_counter()
        conn.sendall(chunk)
        recent += chunk
        lines += chunk.count(b"\n")
        if b"quit" in recent:
            break
        # Keep only a tail long enough to find "quit" split over two reads.
        del recent[:-8]
    elapsed = time.perf_counter() - first_byte_at
    return {"seconds": elapsed, "round_trips": lines - 1}


def make_block(line_count: int, start: int) -> bytes:
    """Build ``line_count`` coloured text lines, numbered from ``start``."""
    lines = []
    for number in range(start, start + line_count):
        colour = COLOURS[number % len(COLOURS)]
        lines.append(
            b"\x1b[" + colour + b"m" + b"%08d" % number + b"\x1b[0m "
            b"drwxr-xr-x 2 bench bench 4096 Jan  1 00:00 \x1b[1mdirectory-%d\x1b[0m\r\n" % (number % 977)
        )
    return b"".join(lines)


def serve_bigoutput(conn: socket.socket, total: int) -> dict[str, object]:
    """Send ``total`` bytes of coloured lines and the marker after the client's ``go``."""
    pending = bytearray()
    request = read_line(conn, pending)
    if request.strip() != b"go":
        raise ConnectionError(f"expected the line 'go', got {request!r}")
    block = make_block(4096, 0)
    started = time.perf_counter()
    sent = 0
    while sent < total:
        piece = block[: total - sent]
        conn.sendall(piece)
        sent += len(piece)
    conn.sendall(b"\r\n" + MARKER + b"\r\n")
    while read_line(conn, pending).strip() != b"done":
        pass
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "bytes": sent}


def serve_sink(conn: socket.socket, total: int) -> dict[str, object]:
    """Count ``total`` bytes after the client's ``go`` line."""
    pending = bytearray()
    request = read_line(conn, pending)
    if request.strip() != b"go":
        raise ConnectionError(f"expected the line 'go', got {request!r}")
    started = time.perf_counter()
    received = len(pending)
    buffer = bytearray(RECV_SIZE * 4)
    while received < total:
        count = conn.recv_into(buffer)
        if count == 0:
            raise ConnectionError(f"the client closed the connection after {received} of {total} bytes")
        received += count
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "bytes": received}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=("echo", "bigoutput", "sink"))
    parser.add_argument("--bytes", type=int, default=0, help="bytes to send (bigoutput) or to receive (sink)")
    parser.add_argument("--timeout", type=float, default=120.0, help="timeout of every socket operation, in seconds")
    args = parser.parse_args(argv)

    server = listen()
    try:
        conn = accept(server, args.timeout)
        with conn:
            if args.kind == "echo":
                result = serve_echo(conn)
            elif args.kind == "bigoutput":
                result = serve_bigoutput(conn, args.bytes)
            else:
                result = serve_sink(conn, args.bytes)
            # Read until the client closes, so that the client gets no reset.
            try:
                while conn.recv(RECV_SIZE):
                    pass
            except OSError:
                pass
    except (OSError, ConnectionError) as exc:
        print(json.dumps({"error": f"{args.kind} peer failed: {exc}"}), flush=True)
        return 1
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
