"""Find the tools that the benchmarks compare, with their versions.

Every tool is optional except ttlrun and the Python that runs the harness.
A missing tool gets a ``missing`` reason with the way to install it, and
the workloads that need it report that reason instead of a number.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from measure import GNU_TIME

REPO_ROOT = Path(__file__).resolve().parents[1]

# nextnextping runs TTL macros through its pyttl entry point. Its module
# form (`python -m nextnextping.pyttl`) fails in version 1.31.1, so the
# harness calls the function that the `pyttl` script calls.
NEXTNEXTPING_MAIN = "from nextnextping.pyttl import main; main()"


@dataclass
class Tool:
    """A tool found on this machine, or the reason it is missing."""

    name: str
    version: str = ""
    command: list[str] | None = None  # the argv prefix that runs it
    missing: str = ""  # why it cannot run, and how to install it

    @property
    def available(self) -> bool:
        return not self.missing


def _output(argv: list[str], stdin: str = "") -> str:
    """Run a short version query in the checkout; return its first line, or '' when it fails."""
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=30, cwd=REPO_ROOT)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    if done.returncode != 0:
        return ""
    lines = (done.stdout.strip() or done.stderr.strip()).splitlines()
    return lines[0] if lines else ""


def _git_state() -> str:
    commit = _output(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"])
    if not commit:
        return "not a git checkout"
    try:
        status = subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "ttl", "grammar"],
                                capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        status = ""
    return f"commit {commit}" + (", with uncommitted changes in ttl/ or grammar/" if status.strip() else "")


def find_ttlrun() -> Tool:
    # `python -m` puts the working directory first on sys.path, and every
    # command runs in the checkout, so this is the checkout's ttlrun even
    # where another version is installed.
    command = [sys.executable, "-m", "ttl"]
    version = _output([*command, "--version"])
    if not version:
        return Tool("ttlrun", missing=f"`{' '.join(command)} --version` failed in {REPO_ROOT}")
    return Tool("ttlrun", version=f"{version} ({_git_state()})", command=command)


def find_python() -> Tool:
    return Tool("CPython", version=f"{platform.python_version()} ({sys.executable})", command=[sys.executable])


def find_tclsh() -> Tool:
    path = shutil.which("tclsh")
    if path is None:
        return Tool("Tcl", missing="tclsh not found; install the Debian package `tcl`")
    version = _output([path], stdin="puts [info patchlevel]\n")
    return Tool("Tcl", version=version or "unknown", command=[path])


def find_expect() -> Tool:
    path = shutil.which("expect")
    if path is None:
        return Tool("Expect", missing="expect not found; install the Debian package `expect`")
    version = _output([path, "-v"]).removeprefix("expect version ")
    return Tool("Expect", version=version or "unknown", command=[path])


def find_pexpect() -> Tool:
    version = _output([sys.executable, "-c", "import pexpect; print(pexpect.__version__)"])
    if not version:
        return Tool("pexpect", missing=f"pexpect is not importable by {sys.executable}; `pip install pexpect`")
    return Tool("pexpect", version=version, command=[sys.executable])


def find_taskset() -> Tool:
    path = shutil.which("taskset")
    if path is None:
        return Tool("taskset", missing="taskset not found; install the Debian package `util-linux`")
    return Tool("taskset", version=_output([path, "--version"]), command=[path])


def find_gnu_time() -> Tool:
    if GNU_TIME is None:
        return Tool("GNU time", missing="GNU time not found, so no peak RSS is measured; "
                    "install the Debian package `time`")
    return Tool("GNU time", version=_output([GNU_TIME, "--version"]), command=[GNU_TIME])


def find_nextnextping(python312: str | None) -> Tool:
    if not python312:
        return Tool("nextnextping", missing="not run: it needs Python >= 3.12; pass --python312 PATH "
                    "with an interpreter where `pip install nextnextping` was run")
    python_version = _output([python312, "-c", "import platform; print(platform.python_version())"])
    if not python_version:
        return Tool("nextnextping", missing=f"--python312 {python312} does not run")
    version = _output([python312, "-c", "import importlib.metadata as m; print(m.version('nextnextping'))"])
    if not version:
        return Tool("nextnextping", missing=f"nextnextping is not installed for {python312}; "
                    f"run `{python312} -m pip install nextnextping`")
    return Tool("nextnextping", version=f"{version} on Python {python_version} ({python312})",
                command=[python312, "-c", NEXTNEXTPING_MAIN])


def find_tools(python312: str | None) -> dict[str, Tool]:
    """Detect every tool; the keys are the names the workloads use."""
    return {
        "ttlrun": find_ttlrun(),
        "python": find_python(),
        "tclsh": find_tclsh(),
        "expect": find_expect(),
        "pexpect": find_pexpect(),
        "taskset": find_taskset(),
        "time": find_gnu_time(),
        "nextnextping": find_nextnextping(python312),
    }
