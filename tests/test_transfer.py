"""Tests of the XMODEM, YMODEM and ZMODEM commands and of the rejected protocols.

The round trips run the other lrzsz program behind a loopback TCP server
in the test process, so they need lrzsz installed (apt-get install lrzsz).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

import ttl.commands.transfer as transfer
from ttl.errors import MacroRuntimeError, MacroSyntaxError
from ttl.runner import run_text

from loopback import ScriptedPeer
from peers import LOOPBACK, require_peer

# Random data plus the bytes that break naive links: CAN (ZMODEM's escape
# and the cancel byte), XON/XOFF (flow control) and 0xFF (telnet's IAC).
# It ends in text so that XMODEM's Ctrl-Z padding can be stripped.
SPECIAL = bytes([0x18] * 8 + [0x11, 0x13, 0xFF, 0x18, 0x0D, 0x0A] * 40)
DONE = b"DONE\r\n"


@pytest.fixture
def lrzsz() -> None:
    for program in ("sz", "rz", "sx", "rx", "sb", "rb"):
        if shutil.which(program) is None:
            require_peer(f"the lrzsz program '{program}' is not installed: apt-get install lrzsz")


@pytest.fixture
def payload() -> bytes:
    return os.urandom(20000) + SPECIAL + os.urandom(3000) + b"END"


class LrzszPeer:
    """Run one lrzsz command for the first connection on 127.0.0.1, with its stdin and stdout on the socket.

    After the program exits the peer sends ``DONE`` CR LF, so a test can
    check that the macro still reads what follows a transfer.
    """

    def __init__(self, argv: list[str], cwd: Path):
        self.argv = argv
        self.cwd = cwd
        self.status: int | None = None
        self.server = socket.create_server((LOOPBACK, 0))
        self.server.settimeout(20)
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            connection, _ = self.server.accept()
        except OSError:
            return
        with connection:
            process = subprocess.Popen(
                self.argv, stdin=connection.fileno(), stdout=connection.fileno(),
                stderr=subprocess.DEVNULL, cwd=self.cwd,
            )
            try:
                self.status = process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                return
            try:
                connection.sendall(DONE)
                time.sleep(0.5)  # the macro reads DONE before the connection closes
            except OSError:
                pass

    def finish(self) -> int | None:
        self.thread.join(30)
        self.server.close()
        return self.status


def _folders(tmp_path: Path) -> tuple[Path, Path]:
    local = tmp_path / "local"
    remote = tmp_path / "remote"
    local.mkdir()
    remote.mkdir()
    return local, remote


def _run_against(peer_port: int, command_line: str, local: Path):
    macro = (
        f"connect '{LOOPBACK}:{peer_port}'\n"
        f"{command_line}\n"
        "transfer_result = result\n"
        "timeout = 5\n"
        "wait 'DONE'\n"
        "wait_result = result\n"
    )
    return run_text(macro, path=local / "t.ttl")


# -- round trips against lrzsz -------------------------------------------------

SEND_CASES = [
    ("zmodemsend 'data.bin' 1", ["rz", "--binary", "--overwrite"], "data.bin"),
    ("ymodemsend 'data.bin'", ["rb", "--binary", "--overwrite"], "data.bin"),
    ("xmodemsend 'data.bin' 3", ["rx", "--binary", "--overwrite", "--with-crc", "copy.bin"], "copy.bin"),
    ("xmodemsend 'data.bin' 1", ["rx", "--binary", "--overwrite", "copy.bin"], "copy.bin"),
]


@pytest.mark.parametrize(("command_line", "receiver", "received_name"), SEND_CASES)
def test_send_round_trip(lrzsz, tmp_path, payload, command_line, receiver, received_name):
    local, remote = _folders(tmp_path)
    (local / "data.bin").write_bytes(payload)
    peer = LrzszPeer(receiver, remote)

    m = _run_against(peer.port, command_line, local)

    assert peer.finish() == 0
    assert m.vars["transfer_result"] == 1
    assert m.vars["wait_result"] == 1
    received = (remote / received_name).read_bytes()
    if command_line.startswith("xmodem"):
        received = received.rstrip(b"\x1a")  # XMODEM pads the last block with Ctrl-Z
    assert received == payload


RECEIVE_CASES = [
    ("zmodemrecv", ["sz", "--binary", "data.bin"], "data.bin"),
    ("ymodemrecv", ["sb", "--binary", "data.bin"], "data.bin"),
    ("xmodemrecv 'copy.bin' 1 2", ["sx", "--binary", "data.bin"], "copy.bin"),
    ("xmodemrecv 'copy.bin' 1 1", ["sx", "--binary", "data.bin"], "copy.bin"),
]


@pytest.mark.parametrize(("command_line", "sender", "received_name"), RECEIVE_CASES)
def test_receive_round_trip(lrzsz, tmp_path, payload, command_line, sender, received_name):
    local, remote = _folders(tmp_path)
    (remote / "data.bin").write_bytes(payload)
    peer = LrzszPeer(sender, remote)

    m = _run_against(peer.port, command_line, local)

    assert peer.finish() == 0
    assert m.vars["transfer_result"] == 1
    assert m.vars["wait_result"] == 1
    received = (local / received_name).read_bytes()
    if command_line.startswith("xmodem"):
        received = received.rstrip(b"\x1a")
    assert received == payload


def test_zmodemrecv_replaces_existing_file(lrzsz, tmp_path, payload):
    local, remote = _folders(tmp_path)
    (remote / "data.bin").write_bytes(payload)
    (local / "data.bin").write_bytes(b"old contents")
    peer = LrzszPeer(["sz", "--binary", "data.bin"], remote)

    m = _run_against(peer.port, "zmodemrecv", local)

    peer.finish()
    assert m.vars["transfer_result"] == 1
    assert (local / "data.bin").read_bytes() == payload


def test_zmodemrecv_uses_changedir_folder(lrzsz, tmp_path, payload):
    local, remote = _folders(tmp_path)
    downloads = local / "downloads"
    downloads.mkdir()
    (remote / "data.bin").write_bytes(payload)
    peer = LrzszPeer(["sz", "--binary", "data.bin"], remote)

    macro = f"connect '{LOOPBACK}:{peer.port}'\nchangedir 'downloads'\nzmodemrecv\n"
    m = run_text(macro, path=local / "t.ttl")

    peer.finish()
    assert m.vars["result"] == 1
    assert (downloads / "data.bin").read_bytes() == payload


def test_zmodemsend_text_mode_round_trip(lrzsz, tmp_path):
    local, remote = _folders(tmp_path)
    (local / "notes.txt").write_bytes(b"one\ntwo\n")
    # rz without --binary follows the sender's text flag.
    peer = LrzszPeer(["rz", "--overwrite"], remote)

    m = _run_against(peer.port, "zmodemsend 'notes.txt' 0", local)

    peer.finish()
    assert m.vars["transfer_result"] == 1
    assert (remote / "notes.txt").read_bytes() == b"one\ntwo\n"


# -- failures ------------------------------------------------------------------------

TRANSFER_COMMANDS = [
    "zmodemsend 'data.bin' 1",
    "zmodemrecv",
    "ymodemsend 'data.bin'",
    "ymodemrecv",
    "xmodemsend 'data.bin' 1",
    "xmodemrecv 'copy.bin' 1 2",
]


def _run_failing(tmp_path: Path, port: int, command_line: str) -> tuple[int, float]:
    (tmp_path / "data.bin").write_bytes(os.urandom(5000))
    started = time.monotonic()
    m = run_text(f"connect '{LOOPBACK}:{port}'\nresult = 7\n{command_line}\n", path=tmp_path / "t.ttl")
    return m.vars["result"], time.monotonic() - started


def _cancel(connection: socket.socket) -> None:
    # A receiver starts by discarding pending input, so the cancel waits for
    # its first byte. A sender sends nothing before the receiver does.
    connection.settimeout(0.5)
    try:
        connection.recv(1)
    except TimeoutError:
        pass
    # Eight CANs cancel XMODEM, YMODEM and ZMODEM. lrzsz sends backspaces after them, and so does this peer.
    connection.sendall(b"\x18" * 8 + b"\x08" * 8)
    time.sleep(1.5)


# rb (lrzsz 0.12.21) does not stop on CANs before the first block header,
# so ymodemrecv is left out. Its hang-up case is tested below.
@pytest.mark.parametrize("command_line", [c for c in TRANSFER_COMMANDS if c != "ymodemrecv"])
def test_peer_cancel_fails(lrzsz, tmp_path, monkeypatch, command_line):
    monkeypatch.setattr(transfer, "IDLE_TIMEOUT", 2.0)
    peer = ScriptedPeer(_cancel)
    peer.closed_by_script = True

    result, elapsed = _run_failing(tmp_path, peer.port, command_line)

    peer.finish()
    assert result == 0
    assert elapsed < 1.5


@pytest.mark.parametrize("command_line", TRANSFER_COMMANDS)
def test_peer_hangup_fails(lrzsz, tmp_path, command_line):
    peer = ScriptedPeer(lambda connection: None)
    peer.closed_by_script = True

    result, elapsed = _run_failing(tmp_path, peer.port, command_line)

    peer.finish()
    assert result == 0
    assert elapsed < transfer.EXIT_GRACE + 2


@pytest.mark.parametrize("command_line", ["zmodemsend 'data.bin' 1", "xmodemrecv 'copy.bin' 1 2"])
def test_silent_peer_times_out(lrzsz, tmp_path, monkeypatch, command_line):
    monkeypatch.setattr(transfer, "IDLE_TIMEOUT", 1.0)
    peer = ScriptedPeer(lambda connection: time.sleep(2))
    peer.closed_by_script = True

    result, elapsed = _run_failing(tmp_path, peer.port, command_line)

    peer.finish()
    assert result == 0
    assert elapsed < 3


# -- requests that never start ---------------------------------------------------------


@pytest.mark.parametrize(
    "command_line",
    ["zmodemsend 'missing.bin' 1", "ymodemsend 'missing.bin'", "xmodemsend 'missing.bin' 3",
     "xmodemrecv 'no/such/folder/x.bin' 1 2", "zmodemsend 'sub' 1"],
)
def test_unopenable_file_keeps_result(tmp_path, command_line):
    (tmp_path / "sub").mkdir()
    peer = ScriptedPeer(lambda connection: time.sleep(0.2))
    macro = f"connect '{LOOPBACK}:{peer.port}'\nresult = 7\n{command_line}\nafter = 1\n"

    m = run_text(macro, path=tmp_path / "t.ttl")

    peer.finish()
    assert m.vars["result"] == 7
    assert m.vars["after"] == 1


def test_missing_lrzsz_stops_macro(tmp_path, monkeypatch):
    (tmp_path / "data.bin").write_bytes(b"x")
    monkeypatch.setattr(transfer.shutil, "which", lambda name: None)
    peer = ScriptedPeer(lambda connection: time.sleep(0.2))

    with pytest.raises(MacroRuntimeError, match="apt-get install lrzsz"):
        run_text(f"connect '{LOOPBACK}:{peer.port}'\nzmodemsend 'data.bin' 1\n", path=tmp_path / "t.ttl")
    peer.finish()


def test_transfer_without_connection_fails(tmp_path):
    (tmp_path / "data.bin").write_bytes(b"x")

    with pytest.raises(MacroRuntimeError, match="connect"):
        run_text("zmodemsend 'data.bin' 1\n", path=tmp_path / "t.ttl")


# -- options mapped to lrzsz -------------------------------------------------------


@pytest.fixture
def jobs(monkeypatch) -> list[transfer.TransferJob]:
    recorded: list[transfer.TransferJob] = []
    monkeypatch.setattr(transfer, "_transfer", lambda m, job: recorded.append(job))
    return recorded


@pytest.mark.parametrize(
    ("command_line", "expected"),
    [
        ("xmodemsend 'data.bin' 3", ["sx", "--binary", "--1k", "data.bin"]),
        ("xmodemsend 'data.bin' 2", ["sx", "--binary", "data.bin"]),
        ("xmodemsend 'data.bin' 1", ["sx", "--binary", "data.bin"]),
        ("xmodemrecv 'data.bin' 1 1", ["rx", "--overwrite", "--binary", "data.bin"]),
        ("xmodemrecv 'data.bin' 1 2", ["rx", "--overwrite", "--binary", "--with-crc", "data.bin"]),
        ("xmodemrecv 'data.bin' 0 3", ["rx", "--overwrite", "--ascii", "--with-crc", "data.bin"]),
        ("xmodemrecv 'data.bin' 2 9", ["rx", "--overwrite", "--ascii", "data.bin"]),
        ("zmodemsend 'data.bin' 1", ["sz", "--binary", "data.bin"]),
        ("zmodemsend 'data.bin' 0", ["sz", "--ascii", "data.bin"]),
        ("zmodemsend 'data.bin' 3", ["sz", "--binary", "data.bin"]),
        ("ymodemsend 'data.bin'", ["sb", "--binary", "data.bin"]),
        ("ymodemrecv", ["rb", "--overwrite", "--binary"]),
        ("zmodemrecv", ["rz", "--overwrite"]),
    ],
)
def test_options_map_to_lrzsz(tmp_path, jobs, command_line, expected):
    (tmp_path / "data.bin").write_bytes(b"x")

    run_text(command_line + "\n", path=tmp_path / "t.ttl")

    assert jobs[0].argv == expected
    assert jobs[0].cwd == tmp_path.resolve()


def test_send_path_runs_in_file_folder(tmp_path, jobs):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "data.bin").write_bytes(b"x")
    peer = ScriptedPeer(lambda connection: time.sleep(0.2))

    macro = f"connect '{LOOPBACK}:{peer.port}'\nchangedir 'out'\nzmodemsend 'data.bin' 1\n"
    run_text(macro, path=tmp_path / "t.ttl")

    peer.finish()
    assert jobs[0].cwd == (tmp_path / "out").resolve()


# -- rejected protocols ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("command_line", "reason"),
    [
        ("kmtsend 'a'", "Kermit"),
        ("kmtrecv", "Kermit"),
        ("kmtget 'a'", "Kermit"),
        ("kmtfinish", "Kermit"),
        ("bplussend 'a'", "B-Plus"),
        ("bplusrecv", "B-Plus"),
        ("quickvansend 'a'", "Quick-VAN"),
        ("quickvanrecv", "Quick-VAN"),
    ],
)
def test_rejected_protocols(tmp_path, command_line, reason):
    with pytest.raises(MacroSyntaxError, match=reason):
        run_text(command_line + "\n", path=tmp_path / "t.ttl")
