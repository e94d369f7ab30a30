"""ttlrun --check: static findings without running the macro."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ttl.check import check_paths

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "ttl"


def findings(tmp_path: Path, text: str, name: str = "m.ttl") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return [f"{d.location.line}: {d.severity}: {d.message}" for d in check_paths([path])]


def test_clean_macro_has_no_findings(tmp_path: Path) -> None:
    text = "a = 1\nfor i 1 3\n  int2str s i\n  strconcat t s\nnext\nsendln s\n"
    assert findings(tmp_path, text) == []


def test_every_syntax_error_is_reported(tmp_path: Path) -> None:
    result = findings(tmp_path, "a = (1\nb = 2\nc = 3 +\n")
    assert [line.split(":")[0] for line in result] == ["1", "3"]


def test_unbalanced_blocks(tmp_path: Path) -> None:
    result = findings(tmp_path, "if 1 then\nfor i 1 2\nendif\n")
    assert any("endif without" in line or "never closed" in line for line in result)


def test_unknown_command_and_arity(tmp_path: Path) -> None:
    result = findings(tmp_path, "frobnicate 1\nstrconcat s\n")
    assert result[0] == "1: error: unknown command 'frobnicate'"
    assert result[1].startswith("2: error: wrong number of parameters")


def test_literal_of_wrong_type(tmp_path: Path) -> None:
    result = findings(tmp_path, "mpause 'ten'\nstrlen 5\n")
    assert result == [
        "1: error: mpause: parameter 1 must be an integer, not a string",
        "2: error: strlen: parameter 1 must be a string, not an integer",
    ]


def test_missing_labels(tmp_path: Path) -> None:
    result = findings(tmp_path, "goto nowhere\ncall missing\n")
    assert "1: error: goto: label ':nowhere' is not defined" in result
    assert "2: error: call: label ':missing' is not defined in this file" in result


def test_read_before_assignment(tmp_path: Path) -> None:
    result = findings(tmp_path, "if 0 then\n  x = 1\nendif\ny = x\nz = w + 1\nw = 2\n")
    assert result == ["5: error: variable 'w' is read before any assignment"]


def test_never_assigned_variable_is_a_warning(tmp_path: Path) -> None:
    result = findings(tmp_path, "sendln host\n")
    assert result[0].startswith("1: warning: variable 'host' is never assigned")


def test_subroutine_assignment_counts_after_call(tmp_path: Path) -> None:
    text = "call setup\nsendln name\nend\n:setup\nname = 'x'\nreturn\n"
    assert findings(tmp_path, text) == []


def test_include_assignment_counts(tmp_path: Path) -> None:
    (tmp_path / "lib.ttl").write_text("host = 'h'\n")
    assert findings(tmp_path, "include 'lib.ttl'\nsendln host\n") == []


def test_include_file_reads_from_includer(tmp_path: Path) -> None:
    (tmp_path / "lib.ttl").write_text("sendln host\n")
    assert findings(tmp_path, "host = 'h'\ninclude 'lib.ttl'\n") == []


def test_ifdefined_guard_is_not_flagged(tmp_path: Path) -> None:
    text = "ifdefined opt\nif result = 3 then\n  sendln opt\nendif\nopt = 'x'\n"
    assert findings(tmp_path, text) == []


def test_loop_variable_is_not_flagged(tmp_path: Path) -> None:
    assert findings(tmp_path, "for i 1 2\nnext\nn = i\n") == []


def test_cli_check_output_and_status(tmp_path: Path) -> None:
    good = tmp_path / "good.ttl"
    good.write_text("a = 1\n")
    bad = tmp_path / "bad.ttl"
    bad.write_text("a = 1\nendif\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-m", "ttl", "--check", good, bad], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 1
    assert result.stdout == f"{bad}:2:1: error: endif without a matching 'if ... then'\n"
    ok = subprocess.run([sys.executable, "-m", "ttl", "--check", good], capture_output=True, text=True,
                        env=env, timeout=60)
    assert ok.returncode == 0
    assert ok.stdout == ""


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside this checkout")
def test_check_whole_corpus_without_internal_error() -> None:
    paths = sorted(p for p in CORPUS.rglob("*.ttl"))
    results = check_paths(paths)
    assert results
    assert all(d.severity in ("error", "warning") for d in results)


def test_example_macros_pass_check() -> None:
    examples = sorted((REPO / "macros").rglob("*.ttl"))
    assert examples
    assert [d.format() for d in check_paths(examples)] == []


def test_missing_constant_include_is_an_error(tmp_path: Path) -> None:
    result = findings(tmp_path, "a = 1\ninclude 'nofile.ttl'\n")
    assert len(result) == 1
    assert result[0].startswith("2: error: include: file not found")


def test_missing_macro_file_has_a_position(tmp_path: Path) -> None:
    (diagnostic,) = check_paths([tmp_path / "absent.ttl"])
    assert diagnostic.format().startswith(f"{tmp_path / 'absent.ttl'}:1:1: error:")


def test_string_into_integer_system_variable(tmp_path: Path) -> None:
    result = findings(tmp_path, "timeout = 'ten'\n")
    assert result == ["1: error: type mismatch: 'timeout' is an integer variable and cannot take a string"]
