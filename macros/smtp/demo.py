#!/usr/bin/env python3
"""First-run demo: ttlrun sends two messages to a local SMTP server.

Run it from a checkout, as any user, after `pip install . aiosmtpd`:

    python macros/smtp/demo.py

It starts an aiosmtpd server on 127.0.0.1 (a free port) that rejects a
message containing a bare LF (a LF without a CR before it) with
"550 5.5.2 Error: bare <LF> received", as Postfix does with
smtpd_forbid_bare_newline = reject, and accepts other messages with 250.
It then runs bare-lf.ttl and clean.ttl against it with --hexdump, so every
byte on the wire is shown on standard error.

Exit status: 0 when bare-lf.ttl was rejected (ttlrun exit status 3) and
clean.ttl was accepted (exit status 0), 1 otherwise.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

try:
    from aiosmtpd.controller import Controller
except ImportError:
    sys.exit("demo.py: aiosmtpd is not installed, install it with: pip install aiosmtpd")

SMTP_DIR = Path(__file__).resolve().parent
# The macros are run from the directory that contains macros/, with a
# relative path, so the command shown is the one a user types there.
CHECKOUT_DIR = SMTP_DIR.parents[1]
HOST = "127.0.0.1"

BARE_LF = re.compile(rb"(?<!\r)\n")
REJECT_BARE_LF = "550 5.5.2 Error: bare <LF> received"
ACCEPT = "250 2.0.0 Ok: queued"

# ttlrun exit statuses set by the SMTP example macros.
EXIT_ACCEPTED = 0
EXIT_REJECTED = 3

TTLRUN_TIMEOUT = 60


class BareLFPolicyHandler:
    """aiosmtpd handler that rejects messages with a bare LF and accepts the rest."""

    def __init__(self) -> None:
        self.replies: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        # original_content is the DATA as received, so a bare LF is still there.
        reply = REJECT_BARE_LF if BARE_LF.search(envelope.original_content) else ACCEPT
        self.replies.append(reply)
        return reply


def find_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(handler: BareLFPolicyHandler) -> Controller:
    """Start aiosmtpd on a free port of 127.0.0.1.

    aiosmtpd 1.4 cannot listen on port 0, so another process can take the
    chosen port before aiosmtpd binds it. The start is tried a few times.
    """
    for _ in range(5):
        controller = Controller(handler, hostname=HOST, port=find_free_port())
        try:
            controller.start()
        except OSError:
            continue
        return controller
    sys.exit(f"demo.py: aiosmtpd could not listen on {HOST}, no free port found in 5 attempts")


def ttlrun_command() -> list[str]:
    """Return the ttlrun console script of this Python installation, or `python -m ttl`."""
    for scheme in (sysconfig.get_default_scheme(), sysconfig.get_preferred_scheme("user")):
        script = Path(sysconfig.get_path("scripts", scheme)) / "ttlrun"
        if script.is_file():
            return [str(script)]
    return [sys.executable, "-m", "ttl"]


def run_macro(macro: str, port: int) -> int:
    """Run one macro against the demo server, showing its output, and return ttlrun's exit status."""
    macro_path = (SMTP_DIR / macro).relative_to(CHECKOUT_DIR)
    args = [*ttlrun_command(), "--hexdump", "--timeout", str(TTLRUN_TIMEOUT), str(macro_path), HOST, str(port)]
    print(f"\n$ {' '.join(args)}", flush=True)
    try:
        completed = subprocess.run(args, cwd=CHECKOUT_DIR, stdin=subprocess.DEVNULL, timeout=TTLRUN_TIMEOUT + 30)
    except FileNotFoundError as error:
        sys.exit(f"demo.py: cannot run ttlrun ({error}), install it with: pip install .")
    except subprocess.TimeoutExpired:
        print(f"demo.py: ttlrun did not finish within {TTLRUN_TIMEOUT + 30} s and was stopped", flush=True)
        return -1
    print(f"(ttlrun exit status {completed.returncode})", flush=True)
    return completed.returncode


def main() -> int:
    handler = BareLFPolicyHandler()
    controller = start_server(handler)
    port = controller.port
    print(f"SMTP server on {HOST}:{port}: rejects a bare LF with '{REJECT_BARE_LF}', accepts other messages")

    try:
        bare_lf_status = run_macro("bare-lf.ttl", port)
        clean_status = run_macro("clean.ttl", port)
    finally:
        controller.stop()

    checks = [
        ("bare-lf.ttl", bare_lf_status, EXIT_REJECTED, "rejected"),
        ("clean.ttl", clean_status, EXIT_ACCEPTED, "accepted"),
    ]
    expected_replies = [REJECT_BARE_LF, ACCEPT]
    all_passed = handler.replies == expected_replies
    print("\nSummary")
    print(f"  server replies to end of DATA: {handler.replies} (expected {expected_replies})")
    for macro, status, expected_status, expected_verdict in checks:
        passed = status == expected_status
        all_passed = all_passed and passed
        result = "ok" if passed else "UNEXPECTED"
        print(f"  {macro:12} exit status {status} (expected {expected_status}, message {expected_verdict}): {result}")
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
