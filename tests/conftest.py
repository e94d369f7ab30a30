"""Fixtures for the end-to-end tests: network peers and a runner for the ttlrun CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from peers import (
    HangUpSMTPPeer,
    PostfixPeer,
    SMTPCaptureServer,
    find_free_port,
    probe_postfix,
    require_peer,
    send_raw_message,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
MACRO_DIR = REPO_ROOT / "macros"

# Passed to ttlrun as --timeout, in seconds. The subprocess timeout is larger,
# so a hang shows up as ttlrun's own exit status 124 when the option works.
TTLRUN_TIMEOUT = 60
SUBPROCESS_TIMEOUT = 120


@dataclass
class TTLRunResult:
    """Outcome of one ttlrun process."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    transcript_path: Path | None

    def describe(self) -> str:
        """Format the command and its output for an assertion message."""
        return (
            f"command: {' '.join(self.args)}\n"
            f"exit status: {self.returncode}\n"
            f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
        )

    def transcript_streams(self) -> tuple[bytes, bytes]:
        """Return (sent, received): every byte ttlrun sent and received, in order."""
        from ttl.transcript import read_transcript

        assert self.transcript_path is not None, "run ttlrun with transcript=True"
        sent = bytearray()
        received = bytearray()
        # Records with other directions, such as "*" for events, carry no data.
        for record in read_transcript(self.transcript_path):
            if record.direction == ">":
                sent += record.data
            elif record.direction == "<":
                received += record.data
        return bytes(sent), bytes(received)


@pytest.fixture
def run_ttlrun(tmp_path):
    """Return a function that runs ``python -m ttl`` on a macro under macros/.

    The process runs in the macro's directory, so a relative file name in the
    macro, such as the argument of sendfile, names a file beside the macro
    whether ttlrun resolves it against the working directory or the macro.
    """

    def run(macro: str, *macro_args: str, transcript: bool = True, options: tuple[str, ...] = ()) -> TTLRunResult:
        macro_path = MACRO_DIR / macro
        transcript_path = tmp_path / f"{macro_path.stem}.transcript" if transcript else None
        args = [sys.executable, "-m", "ttl", "--timeout", str(TTLRUN_TIMEOUT), *options]
        if transcript_path is not None:
            args += ["--transcript", str(transcript_path)]
        args += [str(macro_path), *macro_args]

        completed = subprocess.run(
            args,
            cwd=macro_path.parent,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=SUBPROCESS_TIMEOUT,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
        return TTLRunResult(
            args=args,
            returncode=completed.returncode,
            stdout=completed.stdout.decode("utf-8", "replace"),
            stderr=completed.stderr.decode("utf-8", "replace"),
            transcript_path=transcript_path,
        )

    return run


@pytest.fixture
def smtp_capture():
    """aiosmtpd server on 127.0.0.1 that accepts every message and stores its exact bytes."""
    with SMTPCaptureServer() as server:
        yield server


@pytest.fixture(params=HangUpSMTPPeer.MODES)
def hangup_peer(request):
    """SMTP peer that drops the connection in the middle of DATA, once with RST and once with FIN."""
    with HangUpSMTPPeer(mode=request.param) as peer:
        yield peer


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 with no listener, so a connection to it is refused."""
    port = find_free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as check:
        if check.connect_ex(("127.0.0.1", port)) == 0:
            pytest.fail(f"port {port} was free a moment ago but now accepts connections")
    return port


@pytest.fixture(scope="session")
def postfix() -> PostfixPeer:
    """The Postfix on 127.0.0.1:2525 that .ci/run configures, after checking its bare-LF policy."""
    peer = PostfixPeer()
    try:
        peer.banner = probe_postfix(peer.host, peer.port)
    except (OSError, ValueError) as error:
        require_peer(f"Postfix on {peer.host}:{peer.port} is not available ({error}); run `bash .ci/run` as root")

    if not os.access(peer.maildir / "new", os.R_OK | os.X_OK):
        require_peer(f"the Maildir {peer.maildir} of the Postfix test user is missing or not readable; run the tests as root")

    # Postfix exempts $mynetworks, which contains 127.0.0.0/8, from the bare-LF
    # check unless smtpd_forbid_bare_newline_exclusions is empty. Check it
    # here so that a misconfigured peer is not reported as a ttlrun failure.
    verdict = send_raw_message(
        peer.host,
        peer.port,
        sender="probe@example.jp",
        recipient=peer.recipient,
        data=b"Subject: ttlrun bare LF policy probe\r\n\r\nline one\nline two\r\n",
    )
    if not verdict.startswith(b"550"):
        pytest.fail(
            f"Postfix on {peer.host}:{peer.port} replied {verdict!r} to a message with a bare LF, "
            "expected 550: set smtpd_forbid_bare_newline = reject and an empty "
            "smtpd_forbid_bare_newline_exclusions",
            pytrace=False,
        )
    return peer
