"""The ttlrun command line: exit statuses, messages, traces and output files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from loopback import ScriptedPeer

from ttl.transcript import decode_data, encode_data, joined, read_transcript

REPO = Path(__file__).resolve().parents[1]


def ttlrun(*args: str | Path, cwd: Path | None = None, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "ttl", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout, stdin=subprocess.DEVNULL,
    )


def write(tmp_path: Path, text: str, name: str = "m.ttl") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_normal_end_exits_zero(tmp_path: Path) -> None:
    result = ttlrun(write(tmp_path, "messagebox 'hi' 't'\n"))
    assert result.returncode == 0
    assert result.stdout == "[t] hi\n"


def test_setexitcode_sets_status(tmp_path: Path) -> None:
    assert ttlrun(write(tmp_path, "setexitcode 42\n")).returncode == 42


def test_syntax_error_shows_caret(tmp_path: Path) -> None:
    result = ttlrun(write(tmp_path, "a = 1\nb = (2 + \n"))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{tmp_path / 'm.ttl'}:2:")
    assert "syntax error" in lines[0]
    assert lines[1] == "    b = (2 + "
    assert lines[2].strip() == "^"
    assert "Traceback" not in result.stderr


def test_runtime_error_exits_one(tmp_path: Path) -> None:
    result = ttlrun(write(tmp_path, "a = 1\nb = a / 0\n"))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"{tmp_path / 'm.ttl'}:2:7: error: divide by zero"
    assert "Traceback" not in result.stderr


def test_unsupported_command_is_reported_before_sending(tmp_path: Path) -> None:
    peer = ScriptedPeer()
    macro = write(tmp_path, f"connect '127.0.0.1:{peer.port}'\nsendln 'hello'\nkmtsend 'f'\n")
    result = ttlrun(macro)
    assert result.returncode == 2
    assert "m.ttl:3:1: syntax error: command 'kmtsend' cannot run in ttlrun" in result.stderr
    peer.server.close()
    assert peer.received == b""


def test_missing_macro_file(tmp_path: Path) -> None:
    result = ttlrun(tmp_path / "absent.ttl")
    assert result.returncode == 2
    assert "macro file not found" in result.stderr


def test_usage_error_exits_two() -> None:
    result = ttlrun("--newline", "bogus", "x.ttl")
    assert result.returncode == 2


def test_version() -> None:
    result = ttlrun("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("ttlrun ")


def test_help_documents_exit_status() -> None:
    result = ttlrun("--help")
    assert result.returncode == 0
    assert "124" in result.stdout


def test_timeout_guard_stops_endless_loop(tmp_path: Path) -> None:
    result = ttlrun("--timeout", "2", write(tmp_path, "while 1\nendwhile\n"))
    assert result.returncode == 124
    assert "m.ttl:" in result.stderr
    assert "--timeout" in result.stderr
    assert "Traceback" not in result.stderr


def test_timeout_guard_stops_endless_wait(tmp_path: Path) -> None:
    peer = ScriptedPeer()
    macro = write(tmp_path, f"connect '127.0.0.1:{peer.port}'\nwait 'never'\n")
    result = ttlrun("--timeout", "2", macro)
    assert result.returncode == 124
    assert "m.ttl:2" in result.stderr
    peer.finish()


def test_arguments_become_params(tmp_path: Path) -> None:
    macro = write(tmp_path, "sprintf2 s '%s|%s|%s|%d' param1 param2 param3 paramcnt\nmessagebox s ''\n")
    result = ttlrun(macro, "first", "second arg")
    assert result.stdout == "m.ttl|first|second arg|3\n"


def test_verbose_traces_statements(tmp_path: Path) -> None:
    result = ttlrun("-v", write(tmp_path, "a = 1\nif a then\n  a = 2\nendif\n"))
    trace = [line for line in result.stderr.splitlines() if "m.ttl:" in line]
    assert [line.split(": ")[0].rsplit(":", 1)[1] for line in trace] == ["1", "2", "3"]


def test_dump_vars_after_error(tmp_path: Path) -> None:
    dump = tmp_path / "vars.json"
    macro = write(tmp_path, "n = 5\ns = 'text'\nb = #$ff\nstrdim arr 2\nx = n / 0\n")
    result = ttlrun("--dump-vars", dump, macro)
    assert result.returncode == 1
    variables = {v["name"]: v for v in json.loads(dump.read_text())["variables"]}
    assert variables["n"] == {"name": "n", "type": "integer", "value": 5}
    assert variables["s"]["value"] == {"text": "text"}
    assert variables["b"]["value"] == {"hex": "ff"}
    assert variables["arr"]["type"] == "string array"
    assert variables["result"]["value"] == 0


def test_transcript_records_exact_bytes(tmp_path: Path) -> None:
    payload = bytes(range(256))
    (tmp_path / "data.bin").write_bytes(payload)

    def script(conn: object) -> None:
        conn.sendall("hello é\xff\r\n".encode("utf-8") + b"\xff\x00")  # type: ignore[attr-defined]

    peer = ScriptedPeer(script)
    macro = write(tmp_path, f"connect '127.0.0.1:{peer.port}'\ntimeout = 5\nwait #10\nmpause 200\nsendfile 'data.bin' 1\nsendln 'x'\n")
    transcript = tmp_path / "t.txt"
    result = ttlrun("--transcript", transcript, macro)
    assert result.returncode == 0, result.stderr
    sent = peer.finish()
    records = read_transcript(transcript)
    assert joined(records, ">") == sent
    assert joined(records, "<") == "hello é\xff\r\n".encode("utf-8") + b"\xff\x00"
    assert "newline=crlf" in transcript.read_text()
    assert any(r.where == "m.ttl:5" for r in records if r.direction == ">")


def test_transcript_encoding_round_trips() -> None:
    for data in (bytes(range(256)), "日本語\r\n".encode("utf-8"), b"\xe3\x81", b'"\\'):
        assert decode_data(encode_data(data)) == data


def test_hexdump_shows_both_directions(tmp_path: Path) -> None:
    peer = ScriptedPeer(lambda conn: conn.sendall(b"220 ok\r\n"))  # type: ignore[attr-defined]
    macro = write(tmp_path, f"connect '127.0.0.1:{peer.port}'\ntimeout = 5\nwait '220'\nsendln 'EHLO'\n")
    result = ttlrun("--hexdump", macro)
    assert "> 0000  45 48 4c 4f 0d 0a" in result.stderr
    assert "< 0000  32 32 30 20 6f 6b 0d 0a" in result.stderr
    peer.finish()


def test_newline_option(tmp_path: Path) -> None:
    peer = ScriptedPeer()
    ttlrun("--newline", "lf", write(tmp_path, f"connect '127.0.0.1:{peer.port}'\nsendln 'a'\n"))
    assert peer.finish() == b"a\n"


def test_internal_error_is_reported_without_traceback(
    tmp_path: Path, monkeypatch: object, capsys: object
) -> None:
    from ttl.cli import main
    from ttl.commands import lookup

    def broken(machine: object, text: bytes) -> None:
        raise KeyError("simulated bug")

    monkeypatch.setattr(lookup("strlen"), "function", broken)  # type: ignore[attr-defined]
    status = main([str(write(tmp_path, "a = 1\nstrlen 'x'\n"))])
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert status == 70
    assert "m.ttl:2:1: internal error: KeyError" in err
    assert "Traceback" not in err


def test_invalid_option_values_are_usage_errors(tmp_path: Path) -> None:
    macro = write(tmp_path, "a = 1\n")
    for options in (["--encoding", "bogus"], ["--timeout", "nan"], ["--timeout", "inf"],
                    ["--dump-vars", str(tmp_path / "missing" / "v.json")]):
        result = ttlrun(*options, macro)
        assert result.returncode == 2, options
        assert "internal error" not in result.stderr


def test_exec_child_killed_by_timeout(tmp_path: Path) -> None:
    marker = tmp_path / "still-running"
    macro = write(tmp_path, f"exec 'sh -c \"sleep 3; touch {marker}\"' 'hide' 1\n")
    result = ttlrun("--timeout", "1", macro)
    assert result.returncode == 124
    import time

    time.sleep(3)
    assert not marker.exists()
