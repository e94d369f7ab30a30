"""logopen and the other logging commands."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest
from loopback import ScriptedPeer

from ttl.errors import MacroRuntimeError
from ttl.runner import run_text

COLORED = b"\x1b[01;32muser@host\x1b[00m:~$ ls\r\nfile1\r\n"


def run_logged(tmp_path: Path, data: bytes, body: str) -> object:
    def script(conn: socket.socket) -> None:
        time.sleep(0.2)
        conn.sendall(data)

    peer = ScriptedPeer(script)
    m = run_text(f"connect '127.0.0.1:{peer.port}'\ntimeout = 5\n" + body, path=tmp_path / "m.ttl")
    peer.finish()
    return m


def test_text_log_strips_escape_sequences(tmp_path: Path) -> None:
    run_logged(tmp_path, COLORED, "logopen 'out.log' 0 0\nwait 'file1'\nlogclose\n")
    assert (tmp_path / "out.log").read_bytes() == b"user@host:~$ ls\r\nfile1\r\n"


def test_binary_log_keeps_bytes(tmp_path: Path) -> None:
    run_logged(tmp_path, COLORED, "logopen 'out.bin' 1 0\nwait 'file1'\nmpause 100\nlogclose\n")
    assert (tmp_path / "out.bin").read_bytes() == COLORED


def test_log_append_and_logwrite(tmp_path: Path) -> None:
    (tmp_path / "out.log").write_bytes(b"old\r\n")
    run_logged(tmp_path, b"new\r\n", "logopen 'out.log' 0 1\nlogwrite 'note'#13#10\nwait 'new'#13#10\nlogclose\n")
    assert (tmp_path / "out.log").read_bytes() == b"old\r\nnote\r\nnew\r\n"


def test_logpause_skips_received(tmp_path: Path) -> None:
    run_logged(tmp_path, b"secret\r\n", "logopen 'out.log' 0 0\nlogpause\nwait 'secret'#13#10\nlogstart\nlogclose\n")
    assert (tmp_path / "out.log").read_bytes() == b""


def test_log_timestamps(tmp_path: Path) -> None:
    run_logged(tmp_path, b"one\r\ntwo\r\n", "logopen 'out.log' 0 0 0 1\nwait 'two'#13#10\nlogclose\n")
    lines = (tmp_path / "out.log").read_text().splitlines()
    assert len(lines) == 2
    for line, text in zip(lines, ["one", "two"]):
        assert re.fullmatch(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] " + text, line)


def test_loginfo(tmp_path: Path) -> None:
    m = run_logged(tmp_path, b"", "loginfo a\nr1 = result\nlogopen 'x.log' 1 1\nloginfo b\n")
    assert m.vars["r1"] == -1  # type: ignore[attr-defined]
    assert m.vars["result"] == 3  # type: ignore[attr-defined]
    assert m.vars["b"] == str(tmp_path / "x.log").encode()  # type: ignore[attr-defined]


def test_logopen_twice_gives_result_one(tmp_path: Path) -> None:
    m = run_logged(tmp_path, b"", "logopen 'a.log' 0 0\nlogopen 'b.log' 0 0\n")
    assert m.vars["result"] == 1  # type: ignore[attr-defined]


def test_log_kept_after_peer_closes(tmp_path: Path) -> None:
    def script(conn: socket.socket) -> None:
        conn.sendall(b"last words\r\n")

    peer = ScriptedPeer(script)
    peer.closed_by_script = True
    run_text(f"connect '127.0.0.1:{peer.port}'\nlogopen 'out.log' 0 0\ntimeout = 5\nwait 'never'\n", path=tmp_path / "m.ttl")
    peer.finish()
    assert (tmp_path / "out.log").read_bytes() == b"last words\r\n"


def test_logrotate_by_size(tmp_path: Path) -> None:
    data = b"x" * 100 + b"\r\n"
    run_logged(tmp_path, data * 3, "logopen 'r.log' 1 0\nlogrotate 'size' '128'\nwait 'x'#13#10'x'\nmpause 200\nlogclose\n")
    assert (tmp_path / "r.log.1").exists()


def test_logrotate_size_must_be_string() -> None:
    with pytest.raises(MacroRuntimeError, match="type mismatch"):
        run_text("logrotate 'size' 1024\n")
