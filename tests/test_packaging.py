"""The wheel installs into a fresh virtual environment and runs a macro there."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600,
                          stdin=subprocess.DEVNULL)


def test_wheel_installs_and_runs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, REPO)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("ttlrun-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "ttl/grammar/ttl.lark" in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    installed = run(python, "-m", "pip", "install", "-q", wheel)
    assert installed.returncode == 0, installed.stderr

    macro = tmp_path / "hello.ttl"
    macro.write_text("sprintf2 s '%s from %s' 'hello' param2\nmessagebox s 'wheel'\n", encoding="utf-8")
    for command in ([env_dir / "bin" / "ttlrun"], [python, "-m", "ttl"]):
        result = run(*command, macro, "venv", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout == "[wheel] hello from venv\n"
