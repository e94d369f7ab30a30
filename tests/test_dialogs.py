"""Dialogs without a desktop: answers from --answer, TTLRUN_ANSWERS or a terminal."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from loopback import ScriptedPeer

from ttl.errors import MacroRuntimeError
from ttl.runner import run_text

REPO = Path(__file__).resolve().parents[1]


def test_inputbox_takes_answer() -> None:
    m = run_text("inputbox 'Host?' 'connect'\n", answers=["router1"])
    assert m.vars["inputstr"] == b"router1"


def test_inputbox_empty_answer_gives_default() -> None:
    m = run_text("inputbox 'Host?' 'connect' 'default-host'\n", answers=[""])
    assert m.vars["inputstr"] == b"default-host"


def test_answers_used_in_order() -> None:
    m = run_text("inputbox 'a' 'a'\nx = inputstr\ninputbox 'b' 'b'\ny = inputstr\n", answers=["one", "two"])
    assert (m.vars["x"], m.vars["y"]) == (b"one", b"two")


@pytest.mark.parametrize(("answer", "result"), [("yes", 1), ("y", 1), ("no", 0), ("0", 0)])
def test_yesnobox_answer(answer: str, result: int) -> None:
    assert run_text("yesnobox 'Continue?' 'q'\n", answers=[answer]).vars["result"] == result


def test_listbox_by_index_and_text() -> None:
    text = "strdim a 3\na[0] = 'red'\na[1] = 'green'\na[2] = 'blue'\nlistbox 'pick' 't' a\nx = result\nlistbox 'pick' 't' a\n"
    m = run_text(text, answers=["1", "blue"])
    assert m.vars["x"] == 1
    assert m.vars["result"] == 2


def test_listbox_cancel() -> None:
    text = "strdim a 1\nlistbox 'pick' 't' a\n"
    assert run_text(text, answers=["cancel"]).vars["result"] == -1


def test_dialog_without_answer_stops_with_message() -> None:
    with pytest.raises(MacroRuntimeError, match="passwordbox 'login' needs an answer") as info:
        run_text("a = 1\npasswordbox 'Password' 'login'\n")
    assert info.value.location is not None
    assert info.value.location.line == 2


def test_filenamebox_resolves_path(tmp_path: Path) -> None:
    m = run_text("filenamebox 'open'\n", path=tmp_path / "m.ttl", answers=["data.txt"])
    assert m.vars["result"] == 1
    assert m.vars["inputstr"] == os.fsencode(str(tmp_path / "data.txt"))


def test_statusbox_prints_changes_only() -> None:
    m = run_text("statusbox 'step 1' 'job'\nstatusbox 'step 1' 'job'\nstatusbox 'step 2' 'job'\n")
    assert m.options.stdout.getvalue() == "[job] step 1\n[job] step 2\n"


def test_setdlgpos_checks_position() -> None:
    with pytest.raises(MacroRuntimeError, match="position must be 1 to 10"):
        run_text("setdlgpos 10 10 11\n")


def ttlrun(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.run([sys.executable, "-m", "ttl", *map(str, args)], capture_output=True, text=True,
                          env=full_env, timeout=30, stdin=subprocess.DEVNULL)


def test_cli_answer_option(tmp_path: Path) -> None:
    macro = tmp_path / "m.ttl"
    macro.write_text("inputbox 'name?' 't'\nmessagebox inputstr 'got'\n")
    result = ttlrun("--answer", "alice", macro)
    assert result.stdout == "[got] alice\n"


def test_cli_answers_from_environment(tmp_path: Path) -> None:
    macro = tmp_path / "m.ttl"
    macro.write_text("inputbox 'a?' 't'\nx = inputstr\ninputbox 'b?' 't'\nsprintf2 s '%s+%s' x inputstr\nmessagebox s ''\n")
    result = ttlrun(macro, env={"TTLRUN_ANSWERS": "first\nsecond\n"})
    assert result.stdout == "first+second\n"


def test_cli_no_answer_fails_without_hanging(tmp_path: Path) -> None:
    macro = tmp_path / "m.ttl"
    macro.write_text("yesnobox 'go?' 'deploy'\n")
    result = ttlrun(macro)
    assert result.returncode == 1
    assert "yesnobox 'deploy' needs an answer" in result.stderr
    assert "--answer" in result.stderr


def test_password_masked_in_dump_and_transcript(tmp_path: Path) -> None:
    peer = ScriptedPeer()
    macro = tmp_path / "m.ttl"
    macro.write_text(f"passwordbox 'Password' 'login'\nconnect '127.0.0.1:{peer.port}'\nsendln inputstr\n")
    dump = tmp_path / "vars.json"
    transcript = tmp_path / "t.txt"
    result = ttlrun("--dump-vars", dump, "--transcript", transcript, "--hexdump", macro,
                    env={"TTLRUN_ANSWERS": "s3cret-pw"})
    assert result.returncode == 0, result.stderr
    assert peer.finish() == b"s3cret-pw\r\n"
    assert "s3cret-pw" not in dump.read_text()
    assert json.loads(dump.read_text())["variables"]
    assert "s3cret-pw" not in transcript.read_text()
    assert "s3cret" not in result.stderr
    assert "73 33 63 72 65 74" not in result.stderr  # the hex dump of "s3cret"


def test_dialogs_ask_on_a_terminal(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    macro = tmp_path / "m.ttl"
    macro.write_text(
        "inputbox 'Host?' 'connect'\nhost = inputstr\n"
        "passwordbox 'Password?' 'login'\n"
        "strlen inputstr\nsprintf2 s '%s/%d' host result\nmessagebox s 'got'\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    screen = io.StringIO()
    child = pexpect.spawn(sys.executable, ["-m", "ttl", str(macro)], env=env, timeout=20, encoding="utf-8")
    child.logfile_read = screen
    child.expect_exact("[connect] Host? ")
    child.sendline("router1")
    child.expect_exact("[login] Password? ")
    child.sendline("secret-pw")
    child.expect_exact("[got] router1/9")
    child.expect(pexpect.EOF)
    child.close()
    assert "router1" in screen.getvalue()  # the input box echoes
    assert "secret-pw" not in screen.getvalue()  # the password prompt does not
    assert child.exitstatus == 0
