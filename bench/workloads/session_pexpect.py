"""lockstep and bigoutput workloads in pexpect, over a TCP socket.

    python session_pexpect.py lockstep PORT N [--tuned]
    python session_pexpect.py bigoutput PORT [--tuned]

pexpect has no TCP spawn in every version, so the socket's file descriptor
goes to ``pexpect.fdpexpect.fdspawn``, which reads it with ``os.read``.
Without ``--tuned`` pexpect keeps its shipped defaults: a 0.1 ms sleep after
every read (``delayafterread``), 2000-byte reads (``maxread``) and
regular-expression matching. ``delaybeforesend`` (50 ms) changes nothing
here, because ``fdspawn.send`` writes at once (pexpect 4.8.0).
``--tuned`` sets both delays to None, and for bigoutput also reads 65536
bytes at a time and matches with ``expect_exact``.
"""

from __future__ import annotations

import argparse
import socket
import sys

import pexpect
from pexpect import fdpexpect

MARKER = "BIGOUTPUT-END"


def open_spawn(port: int, tuned: bool, maxread: int) -> tuple[socket.socket, fdpexpect.fdspawn]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.settimeout(None)
    session = fdpexpect.fdspawn(sock.fileno(), timeout=600, maxread=maxread)
    if tuned:
        session.delaybeforesend = None
        session.delayafterread = None
    return sock, session


def run_lockstep(port: int, count: int, tuned: bool) -> None:
    sock, session = open_spawn(port, tuned, maxread=2000)
    session.timeout = 30
    for _ in range(count):
        session.send(b"ping\r\n")
        session.expect(b"ping")
    session.send(b"quit\r\n")
    sock.close()


def run_bigoutput(port: int, tuned: bool) -> None:
    sock, session = open_spawn(port, tuned, maxread=65536 if tuned else 2000)
    session.send(b"go\r\n")
    if tuned:
        session.expect_exact(MARKER.encode())
    else:
        session.expect(MARKER.encode())
    session.send(b"done\r\n")
    sock.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", choices=("lockstep", "bigoutput"))
    parser.add_argument("port", type=int)
    parser.add_argument("count", type=int, nargs="?", default=0, help="round trips (lockstep)")
    parser.add_argument("--tuned", action="store_true", help="turn off pexpect's sleeps; for bigoutput also larger reads and expect_exact")
    args = parser.parse_args()
    try:
        if args.workload == "lockstep":
            run_lockstep(args.port, args.count, args.tuned)
        else:
            run_bigoutput(args.port, args.tuned)
    except (pexpect.TIMEOUT, pexpect.EOF, OSError) as exc:
        print(f"pexpect {args.workload} failed: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
