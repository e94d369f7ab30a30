"""File copy over SSH: scpsend and scprecv.

Both run OpenSSH's scp over the connection of the current SSH session (see
ttl/transports/ssh.py), so no second login is needed. Tera Term starts the
copy in the background and sets no result. ttlrun waits until the copy
ends and sets ``result``: 1 when the file was copied, 0 when not, with a
warning that gives the reason.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ttl.commands import command
from ttl.commands.session import _link
from ttl.errors import LinkError, MacroRuntimeError

if TYPE_CHECKING:
    from ttl.machine import Machine
    from ttl.transports.ssh import SshTransport


def _ssh_transport(m: Machine, name: str) -> SshTransport:
    link = _link(m, name)
    if not link.connected:
        raise LinkError(f"{name}: the connection is closed; connect again first")
    transport = link.transport
    if transport is None or transport.kind != "ssh":
        kind = transport.kind if transport is not None else "no"
        raise MacroRuntimeError(f"{name}: the connection is {kind}, not SSH; scp needs an SSH connection")
    return transport  # type: ignore[return-value]


def _copy(m: Machine, name: str, transport: SshTransport, source: str, destination: str) -> None:
    """Copy with scp and set result. A failure is a warning because Tera Term's error box lets the macro go on."""
    transcript = m.options.transcript
    try:
        transport.copy_file(source, destination)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        m.set_result(0)
        m.warn(f"{name}: copying {source} to {destination} failed: {reason}; result is 0")
        if transcript is not None:
            transcript.event(f"{name} {source} -> {destination} failed: {reason}")
        return
    m.set_result(1)
    if transcript is not None:
        transcript.event(f"{name} {source} -> {destination}")


def _fail(m: Machine, message: str) -> None:
    m.set_result(0)
    m.warn(f"{message}; result is 0")


@command("scpsend", "s s?")
def scpsend(m: Machine, local: bytes, remote: bytes = b"") -> None:
    """Copy the local file ``local`` to ``remote`` on the SSH host (default: the home directory)."""
    if not local:
        raise MacroRuntimeError("scpsend: the local file name is empty")
    transport = _ssh_transport(m, "scpsend")
    path = m.resolve_path(local)
    if not path.is_file():
        _fail(m, f"scpsend: cannot read {path}: {'not a file' if path.exists() else 'no such file'}")
        return
    # Tera Term sends to "." (the login directory) when no remote name is given.
    target = os.fsdecode(remote) if remote else "."
    _copy(m, "scpsend", transport, str(path), transport.remote_spec(target))


@command("scprecv", "s s?")
def scprecv(m: Machine, remote: bytes, local: bytes = b"") -> None:
    """Copy ``remote`` from the SSH host to ``local`` (default: its base name in the macro's folder)."""
    if not remote:
        raise MacroRuntimeError("scprecv: the remote file name is empty")
    transport = _ssh_transport(m, "scprecv")
    source = os.fsdecode(remote)
    base_name = source.rsplit("/", 1)[-1]
    if not base_name:
        _fail(m, f"scprecv: the remote name {source} ends with /, so it names no file")
        return
    target = _local_target(m, local, base_name)
    if target.exists() and not os.access(target, os.W_OK):
        _fail(m, f"scprecv: {target} is read-only")
        return
    _copy(m, "scprecv", transport, transport.remote_spec(source), str(target))


def _local_target(m: Machine, local: bytes, base_name: str) -> Path:
    """Return where scprecv writes: ``local``, or the remote base name inside a folder."""
    if not local:
        return m.current_dir / base_name
    path = m.resolve_path(local)
    if path.is_dir():
        return path / base_name
    return path
