"""File transfer commands: XMODEM, YMODEM and ZMODEM through lrzsz.

ttlrun does not implement these protocols itself. Each command runs one
program of the lrzsz package (``sx``/``rx``, ``sb``/``rb``, ``sz``/``rz``)
with its standard input and output connected to the macro's connection.
Raw received bytes (after the telnet layer) go to the program. The
program's output goes out as binary data, so telnet still doubles 0xFF.

``result`` is 1 when the program exits with status 0 and 0 otherwise. A file
that cannot be opened leaves ``result`` unchanged, as in Tera Term 5, and
the macro goes on after a warning.

Kermit, B-Plus and Quick-VAN are rejected before the macro runs.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ttl.commands import command, reject
from ttl.commands.session import _link
from ttl.errors import LinkError, MacroRuntimeError

if TYPE_CHECKING:
    from ttl.link import Link
    from ttl.machine import Machine

# A transfer fails (result 0) when the peer sends nothing for this many
# seconds, so a silent or vanished peer never stops the macro for good.
# lrzsz gives up on its own too, but only after several retries.
IDLE_TIMEOUT = 60.0

# Seconds the program may still run after the connection closed or after it
# closed its output, before it is killed and the transfer counts as failed.
EXIT_GRACE = 5.0

POLL_INTERVAL = 0.2  # seconds between checks whether the program has exited
READ_SIZE = 65536


@dataclass
class TransferJob:
    """One lrzsz run: the command line and the folder it runs in."""

    command_name: str
    argv: list[str]
    cwd: Path


@dataclass
class _Pump:
    """The state of one transfer while bytes move between the link and the program."""

    stdin_write: int | None = None  # the write end of the program's stdin; None once closed
    to_program: bytearray = field(default_factory=bytearray)  # received, not yet written to its stdin
    last_received: float = field(default_factory=time.monotonic)
    link_closed_at: float | None = None
    output_closed_at: float | None = None

    def write(self, data: bytes) -> None:
        """Take raw received bytes (``Link.raw_sink`` interface)."""
        self.to_program += data
        self.last_received = time.monotonic()

    def flush(self) -> None:
        pass


# -- XMODEM ------------------------------------------------------------------


@command("xmodemsend", "s i")
def xmodemsend(m: Machine, name: bytes, option: int) -> None:
    """Send a file with XMODEM; option 3 sends 1024-byte blocks, any other 128-byte blocks."""
    path = _readable_file(m, "xmodemsend", name)
    if path is None:
        return
    argv = ["sx", "--binary"]
    if option == 3:
        argv.append("--1k")
    _transfer(m, TransferJob("xmodemsend", [*argv, path.name], path.parent))


@command("xmodemrecv", "s i i")
def xmodemrecv(m: Machine, name: bytes, binary: int, option: int) -> None:
    """Receive a file with XMODEM; option 2 or 3 requests CRC-16, any other value checksums.

    With bit 0 of ``binary`` clear the file is text, and rx --ascii turns CR LF into LF.
    """
    path = _writable_file(m, "xmodemrecv", name)
    if path is None:
        return
    argv = ["rx", "--overwrite", "--binary" if binary & 1 else "--ascii"]
    if option in (2, 3):
        argv.append("--with-crc")
    _transfer(m, TransferJob("xmodemrecv", [*argv, path.name], path.parent))


# -- YMODEM ------------------------------------------------------------------


@command("ymodemsend", "s")
def ymodemsend(m: Machine, name: bytes) -> None:
    """Send a file with YMODEM."""
    path = _readable_file(m, "ymodemsend", name)
    if path is None:
        return
    _transfer(m, TransferJob("ymodemsend", ["sb", "--binary", path.name], path.parent))


@command("ymodemrecv")
def ymodemrecv(m: Machine) -> None:
    """Receive the files a YMODEM sender offers into the file-transfer folder."""
    folder = _receive_folder(m, "ymodemrecv")
    if folder is None:
        return
    _transfer(m, TransferJob("ymodemrecv", ["rb", "--overwrite", "--binary"], folder))


# -- ZMODEM ------------------------------------------------------------------


@command("zmodemsend", "s i")
def zmodemsend(m: Machine, name: bytes, binary: int) -> None:
    """Send a file with ZMODEM; with bit 0 of ``binary`` clear sz marks it as text for the receiver."""
    path = _readable_file(m, "zmodemsend", name)
    if path is None:
        return
    mode = "--binary" if binary & 1 else "--ascii"
    _transfer(m, TransferJob("zmodemsend", ["sz", mode, path.name], path.parent))


@command("zmodemrecv")
def zmodemrecv(m: Machine) -> None:
    """Receive the files a ZMODEM sender offers into the file-transfer folder, replacing existing ones."""
    folder = _receive_folder(m, "zmodemrecv")
    if folder is None:
        return
    _transfer(m, TransferJob("zmodemrecv", ["rz", "--overwrite"], folder))


# -- rejected protocols ------------------------------------------------------

_KERMIT = "Kermit transfers are not implemented; use zmodemsend/zmodemrecv, or run kermit on the host yourself"
for _name in ("kmtsend", "kmtrecv", "kmtget", "kmtfinish"):
    reject(_name, _KERMIT)

_BPLUS = "B-Plus (the CompuServe protocol) has no implementation on Linux or macOS; use zmodemsend/zmodemrecv"
reject("bplussend", _BPLUS)
reject("bplusrecv", _BPLUS)

_QUICKVAN = "Quick-VAN (a Japanese PC-VAN protocol) has no implementation on Linux or macOS; use zmodemsend/zmodemrecv"
reject("quickvansend", _QUICKVAN)
reject("quickvanrecv", _QUICKVAN)


# -- checks before a transfer ------------------------------------------------


def _readable_file(m: Machine, command_name: str, name: bytes) -> Path | None:
    """Return the file to send, or None (with a warning) when it cannot be opened."""
    path = m.resolve_transfer_path(name)
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        m.warn(f"{command_name}: cannot open {path}: {exc.strerror}; the transfer did not start, result is unchanged")
        return None
    if path.is_dir():
        m.warn(f"{command_name}: {path} is a folder, not a file; the transfer did not start, result is unchanged")
        return None
    return path


def _writable_file(m: Machine, command_name: str, name: bytes) -> Path | None:
    """Return the file to receive into, or None (with a warning) when it cannot be written."""
    path = m.resolve_transfer_path(name)
    if not name:
        m.warn(f"{command_name}: the file name is empty; the transfer did not start, result is unchanged")
        return None
    problem = ""
    if path.is_dir():
        problem = "it is a folder"
    elif not path.parent.is_dir():
        problem = f"folder not found: {path.parent}"
    elif not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        problem = "permission denied"
    if problem:
        m.warn(f"{command_name}: cannot write {path}: {problem}; the transfer did not start, result is unchanged")
        return None
    return path


def _receive_folder(m: Machine, command_name: str) -> Path | None:
    """Return the folder that receives batch transfers: changedir's folder, else the macro's folder."""
    folder = m.transfer_dir if m.transfer_dir is not None else m.current_dir
    if not (folder.is_dir() and os.access(folder, os.W_OK)):
        m.warn(f"{command_name}: cannot write into {folder}; the transfer did not start, result is unchanged")
        return None
    return folder


# -- running the program -----------------------------------------------------


def _transfer(m: Machine, job: TransferJob) -> None:
    """Run ``job`` against the macro's connection and set result from its exit status."""
    link = _link(m, job.command_name)
    if not link.connected:
        raise LinkError(f"{job.command_name}: cannot transfer: the connection is closed")
    program = shutil.which(job.argv[0])
    if program is None:
        raise MacroRuntimeError(
            f"{job.command_name}: the program '{job.argv[0]}' was not found; "
            "install the lrzsz package (apt-get install lrzsz, or brew install lrzsz)"
        )
    status, message = _run_program(link, [program, *job.argv[1:]], job.cwd)
    if status != 0:
        m.warn(f"{job.command_name}: the transfer failed: {message}")
    m.set_result(1 if status == 0 else 0)


def _run_program(link: Link, argv: list[str], cwd: Path) -> tuple[int, str]:
    """Run ``argv`` with its stdin and stdout on ``link``; return its exit status and a failure message.

    The parent keeps the read end of the stdin pipe open, so after the
    program exits the received bytes it never read are still there, and they
    go back into the buffer of the wait commands.
    """
    stdin_read, stdin_write = os.pipe()
    stderr_file = tempfile.TemporaryFile()
    pump = _Pump(stdin_write)
    saved_echo = link.local_echo
    process: subprocess.Popen[bytes] | None = None
    try:
        process = subprocess.Popen(argv, stdin=stdin_read, stdout=subprocess.PIPE, stderr=stderr_file, cwd=cwd)
        os.set_blocking(stdin_write, False)
        link.local_echo = False  # protocol bytes are not echoed into the receive buffer
        link.raw_sink = pump
        failure = _pump_bytes(link, process, pump)
        status = _finish(process, failure)
        if failure is None and status != 0:
            failure = f"{Path(argv[0]).name} exited with status {status}{_last_line(stderr_file)}"
        return status, failure or ""
    except OSError as exc:
        return -1, f"cannot run {argv[0]}: {exc.strerror}"
    finally:
        link.raw_sink = None
        link.local_echo = saved_echo
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        if process is not None and process.stdout is not None:
            process.stdout.close()
        _close_stdin(pump)
        _return_unread(link, _read_available(stdin_read) + bytes(pump.to_program))
        os.close(stdin_read)
        stderr_file.close()


def _pump_bytes(link: Link, process: subprocess.Popen[bytes], pump: _Pump) -> str | None:
    """Move bytes both ways until the program exits; return why the transfer failed, or None on exit."""
    assert process.stdout is not None and link.transport is not None
    output = process.stdout.fileno()
    connection = link.transport.fileno()
    while True:
        now = time.monotonic()
        if process.poll() is not None:
            _send_remaining_output(link, output)
            return None
        if pump.link_closed_at is None and not link.connected:
            pump.link_closed_at = now
        if pump.link_closed_at is not None and now - pump.link_closed_at > EXIT_GRACE:
            return "the connection closed before the transfer ended"
        if pump.output_closed_at is not None and now - pump.output_closed_at > EXIT_GRACE:
            return f"{Path(str(process.args[0])).name} closed its output but did not exit"  # type: ignore[index]
        if now - pump.last_received > IDLE_TIMEOUT:
            return f"timed out: nothing received for {IDLE_TIMEOUT:g} seconds"

        readers = [] if pump.output_closed_at is not None else [output]
        if link.connected:
            readers.append(connection)
        writers = [pump.stdin_write] if pump.stdin_write is not None and pump.to_program else []
        readable, writable, _ = select.select(readers, writers, [], POLL_INTERVAL)

        if connection in readable:
            try:
                link.drain()
            except LinkError:  # a telnet reply could not be sent: the peer is gone
                pump.link_closed_at = pump.link_closed_at or now
        if output in readable:
            try:
                if not _send_output(link, output):
                    pump.output_closed_at = now
            except LinkError:
                pump.link_closed_at = pump.link_closed_at or now
        if writable:
            _write_to_program(pump)
        if pump.link_closed_at is not None and not pump.to_program:
            _close_stdin(pump)  # end of input lets the program see that the peer is gone


def _send_output(link: Link, output: int) -> bool:
    """Send what the program has written; return False at the end of its output."""
    readable, _, _ = select.select([output], [], [], 0)
    if not readable:
        return True
    data = os.read(output, READ_SIZE)
    if not data:
        return False
    if link.connected:
        link.send(data, text=False)
    return True


def _send_remaining_output(link: Link, output: int) -> None:
    """Send what an exited program wrote before it exited."""
    try:
        while _send_output(link, output):
            pass
    except LinkError:
        pass  # the exit status still shows whether the transfer succeeded


def _write_to_program(pump: _Pump) -> None:
    assert pump.stdin_write is not None
    try:
        written = os.write(pump.stdin_write, pump.to_program)
    except BlockingIOError:
        return
    except BrokenPipeError:
        pump.to_program.clear()
        return
    del pump.to_program[:written]


def _close_stdin(pump: _Pump) -> None:
    if pump.stdin_write is not None:
        os.close(pump.stdin_write)
        pump.stdin_write = None


def _finish(process: subprocess.Popen[bytes], failure: str | None) -> int:
    """Wait for the program to exit (kill it when the transfer already failed); return its status."""
    if failure is not None:
        process.kill()
        process.wait()
        return -1
    try:
        return process.wait(EXIT_GRACE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return -1


def _read_available(fd: int) -> bytes:
    """Read the bytes a pipe contains now, without waiting."""
    os.set_blocking(fd, False)
    chunks = []
    while True:
        try:
            chunk = os.read(fd, READ_SIZE)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _return_unread(link: Link, data: bytes) -> None:
    """Put received bytes the program did not read into the wait commands' buffer."""
    if not data:
        return
    link.received += link.terminal.feed(data) if link.terminal is not None else data


def _last_line(stderr_file: IO[bytes]) -> str:
    """Return ``: `` and the program's last message line, or an empty string."""
    stderr_file.seek(0)
    text = stderr_file.read().decode("utf-8", "replace")
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]
    return f": {lines[-1]}" if lines else ""
