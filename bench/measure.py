"""Run benchmark processes with a timeout and measure them.

``run_process`` times one command from start to exit and can measure its
peak resident set size. ``run_with_peer`` starts a peer from
``peers.py`` first, gives the client its port, and returns the peer's own
measurements. Both kill what they started when the timeout passes.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

BENCH_DIR = Path(__file__).resolve().parent
PEERS_SCRIPT = BENCH_DIR / "peers.py"

# Output beyond this many characters is cut from results, so that a tool that
# prints what it receives (nextnextping does) cannot fill the report.
OUTPUT_KEEP = 2000


@dataclass
class ProcessResult:
    """One finished (or killed) process."""

    argv: list[str]
    seconds: float
    max_rss_kib: int
    returncode: int | None  # None when the process was killed after the timeout
    stdout: str
    stderr: str

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    def failure(self) -> str | None:
        """Describe why the run failed, or return None when it exited with 0."""
        if self.returncode is None:
            return f"timed out after {self.seconds:.0f} s"
        if self.returncode != 0:
            detail = (self.stderr.strip() or self.stdout.strip()).splitlines()
            last = detail[-1] if detail else "no output"
            return f"exit status {self.returncode}: {last[:200]}"
        return None


@dataclass
class PeerResult:
    """A client run against a peer, with what the peer measured."""

    client: ProcessResult
    peer: dict[str, object] = field(default_factory=dict)

    def failure(self) -> str | None:
        client_failure = self.client.failure()
        if client_failure is not None:
            return client_failure
        if "error" in self.peer:
            return str(self.peer["error"])
        if "seconds" not in self.peer:
            return "the peer reported no measurement"
        return None


def find_gnu_time() -> str | None:
    """Return the path of GNU time, which measures a child's peak RSS, or None."""
    path = shutil.which("time")
    if path is None:
        return None
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if "GNU" in done.stdout + done.stderr else None


GNU_TIME = find_gnu_time()


def pin_prefix(pin: bool) -> list[str]:
    """Return the ``taskset -c 0`` prefix when pinning is requested."""
    if not pin:
        return []
    taskset = shutil.which("taskset")
    if taskset is None:
        raise RuntimeError("taskset is not installed; install util-linux or run without pinning")
    return [taskset, "-c", "0"]


def _read_cut(path: Path) -> str:
    with open(path, "rb") as handle:
        data = handle.read(OUTPUT_KEEP * 4)
    text = data.decode("utf-8", "replace")
    if len(text) > OUTPUT_KEEP:
        return text[: OUTPUT_KEEP // 2] + "\n[...]\n" + text[-OUTPUT_KEEP // 2 :]
    return text


def run_process(
    argv: Sequence[str],
    timeout: float,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    rss: bool = False,
) -> ProcessResult:
    """Run ``argv`` to its end, or kill its process group after ``timeout`` seconds.

    The time runs from just before the fork to the moment ``waitpid`` returns,
    so it includes the interpreter's start-up. With ``rss`` the command runs
    under GNU time, which reports the peak RSS of the command alone.
    ``wait4``'s own ``ru_maxrss`` is no substitute: Linux counts the forked
    copy of this harness in it, about 16 MiB for a process that uses 1 MiB.
    Without GNU time the result has ``max_rss_kib`` 0.
    """
    with tempfile.TemporaryDirectory(prefix="ttlrun-bench-out-") as out_dir:
        stdout_path = Path(out_dir) / "stdout"
        stderr_path = Path(out_dir) / "stderr"
        rss_path = Path(out_dir) / "rss"
        command = list(argv)
        if rss and GNU_TIME is not None:
            command = [GNU_TIME, "-f", "%M", "-o", str(rss_path), *command]
        with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
            started = time.perf_counter()
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                env=env, cwd=cwd, start_new_session=True,
            )
            # Popen.wait(timeout) polls with sleeps of up to 50 ms, too coarse
            # for start-up times, so a thread blocks in waitpid instead.
            ended: list[float] = []
            statuses: list[int] = []

            def reap() -> None:
                _pid, status = os.waitpid(process.pid, 0)
                ended.append(time.perf_counter())
                statuses.append(status)

            reaper = threading.Thread(target=reap, daemon=True)
            reaper.start()
            try:
                reaper.join(timeout)
            except BaseException:
                # Ctrl-C reaches only this process, because the child has its own session.
                _kill_group(process.pid)
                raise
            killed = reaper.is_alive()
            if killed:
                _kill_group(process.pid)
                reaper.join(10)
        returncode = None if killed or not statuses else os.waitstatus_to_exitcode(statuses[0])
        # Popen did not reap the child itself; tell it the status is known.
        process.returncode = returncode if returncode is not None else -signal.SIGKILL
        finished = ended[0] if ended else time.perf_counter()
        return ProcessResult(
            argv=list(argv),
            seconds=finished - started,
            max_rss_kib=_read_rss(rss_path),
            returncode=returncode,
            stdout=_read_cut(stdout_path),
            stderr=_read_cut(stderr_path),
        )


def _read_rss(path: Path) -> int:
    """Read the KiB that GNU time wrote last in its output file, or 0."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").split()
    except OSError:
        return 0
    return int(lines[-1]) if lines and lines[-1].isdigit() else 0


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def start_peer(kind: str, peer_args: Sequence[str], pin: bool, timeout: float) -> tuple[subprocess.Popen[bytes], int]:
    """Start a ``peers.py`` peer and return it with the port it listens on."""
    argv = [*pin_prefix(pin), sys.executable, str(PEERS_SCRIPT), kind, "--timeout", f"{timeout:g}", *peer_args]
    peer = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    assert peer.stdout is not None
    ready, _, _ = select.select([peer.stdout], [], [], 30)
    line = peer.stdout.readline() if ready else b""
    if not line.startswith(b"PORT "):
        _kill_group(peer.pid)
        _out, err = peer.communicate(timeout=10)
        raise RuntimeError(f"the {kind} peer did not start: {line!r} {err.decode(errors='replace')[-500:]}")
    return peer, int(line.split()[1])


def run_with_peer(
    kind: str,
    peer_args: Sequence[str],
    client_argv: Sequence[str],
    timeout: float,
    pin: bool = False,
    env: dict[str, str] | None = None,
) -> PeerResult:
    """Start a peer, run the client against it, and collect both results.

    Every ``{port}`` in ``client_argv`` becomes the peer's port. With
    ``pin`` the peer and the client both run under ``taskset -c 0``.
    """
    peer, port = start_peer(kind, peer_args, pin, timeout)
    argv = [part.replace("{port}", str(port)) for part in client_argv]
    try:
        client = run_process([*pin_prefix(pin), *argv], timeout, env=env, rss=True)
        if client.failure() is not None:
            _kill_group(peer.pid)
        try:
            out, err = peer.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            _kill_group(peer.pid)
            out, err = peer.communicate(timeout=10)
    finally:
        if peer.poll() is None:
            _kill_group(peer.pid)
            peer.wait(10)
    report: dict[str, object]
    try:
        report = json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        report = {"error": f"the {kind} peer printed no result: {err.decode(errors='replace')[-300:]}"}
    return PeerResult(client=client, peer=report)


