"""SSH through OpenSSH's ssh client, and scpsend/scprecv.

The unit tests check how connect options become ssh's command line. The
end-to-end tests log in to the sshd that .ci/peers/ssh.sh runs on
127.0.0.1:2222 and [::1]:2222 (user sshtest, password sshpass), with
TTLRUN_SSH_CONFIG pointing at an ssh_config file under tmp_path, so that
ssh reads and writes only a known_hosts file there.
"""

from __future__ import annotations

import io
import os
import re
import select
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pytest

from peers import find_free_port, require_peer
from ttl.connect_line import parse_connect
from ttl.errors import MacroRuntimeError
from ttl.machine import Machine, Options
from ttl.runner import run_text
from ttl.transcript import Transcript, read_transcript
from ttl.transports.ssh import (
    KBDINT_PROMPT,
    PASSPHRASE_PROMPT,
    PASSWORD_PROMPT,
    SshTransport,
    parse_settings,
    ssh_arguments,
)

PEER_DIR = Path(os.environ.get("TTLRUN_SSH_PEER_DIR", "/var/lib/ttlrun-peers/ssh"))
SSH_PORT = 2222
USER = "sshtest"
PASSWORD = "sshpass"
KEY_PASSPHRASE = "keypass"
REPO_ROOT = Path(__file__).resolve().parents[1]

# Logs in, runs one command and checks its output. The echoed command line
# has "$((6*7))", so only the command's output matches "sum=42".
LOGIN_MACRO = """
timeout = 10
connect '{target}'
connected = result
if result <> 2 end
wait '$ '
sendln 'echo "sum=$((6*7))"'
waitln 'sum=42'
found = result
sendln 'exit'
wait 'never printed'
"""


def settings_for(text: str, **options: object):
    return parse_settings(parse_connect(text), Options(stdout=io.StringIO(), **options))


def arguments_for(text: str, **options: object) -> list[str]:
    settings = settings_for(text, **options)
    return ssh_arguments(settings, Options(stdout=io.StringIO(), **options), "/tmp/control")


# --- connect options (no server needed) -----------------------------------------


def test_arguments_password_not_in_argv():
    arguments = arguments_for("h:2222 /ssh /auth=password /user=u /passwd=s3cret")
    assert not any("s3cret" in argument for argument in arguments)


def test_arguments_user_and_port():
    arguments = arguments_for("u@h:2222 /ssh")
    assert arguments[arguments.index("-p") + 1] == "2222"
    assert arguments[arguments.index("-l") + 1] == "u"
    assert arguments[-2:] == ["--", "h"]


def test_arguments_default_port_left_to_config():
    assert "-p" not in arguments_for("ssh://h")


def test_arguments_strict_host_keys_by_default():
    assert "StrictHostKeyChecking=yes" in arguments_for("h /ssh")


def test_arguments_accept_new_host_keys():
    assert "StrictHostKeyChecking=accept-new" in arguments_for("h /ssh", accept_new_host_keys=True)


def test_arguments_no_escape_character():
    arguments = arguments_for("h /ssh")
    assert arguments[arguments.index("-e") + 1] == "none"


def test_arguments_auth_method():
    arguments = arguments_for("h /ssh /auth=challenge /passwd=x")
    assert "PreferredAuthentications=keyboard-interactive" in arguments


def test_arguments_keyfile(tmp_path):
    key = tmp_path / "id"
    key.write_text("key")
    arguments = arguments_for(f"h /ssh /auth=publickey /keyfile={key}")
    assert arguments[arguments.index("-i") + 1] == str(key)


def test_arguments_forwards():
    arguments = arguments_for("h /ssh /ssh-L8080:127.0.0.1:80,9090:[::1]:90 /ssh-R2000:localhost:22 /ssh-D1080")
    pairs = list(zip(arguments, arguments[1:]))
    assert ("-L", "8080:127.0.0.1:80") in pairs
    assert ("-L", "9090:[::1]:90") in pairs
    assert ("-R", "2000:localhost:22") in pairs
    assert ("-D", "1080") in pairs


def test_arguments_proxy_jump():
    arguments = arguments_for("inner /ssh /ssh-J=u@bastion:2200,u@second")
    assert arguments[arguments.index("-J") + 1] == "u@bastion:2200,u@second"


def test_arguments_ipv6_flag():
    assert "-6" in arguments_for("h /ssh /6")


def test_options_ssh1_rejected():
    with pytest.raises(MacroRuntimeError, match="protocol 1"):
        settings_for("h /ssh /1")


def test_options_unknown_auth_rejected():
    with pytest.raises(MacroRuntimeError, match="unknown /auth=magic"):
        settings_for("h /ssh /auth=magic /passwd=x")


def test_options_password_required():
    with pytest.raises(MacroRuntimeError, match="needs the password"):
        settings_for("h /ssh /auth=password")


def test_options_missing_keyfile(tmp_path):
    with pytest.raises(MacroRuntimeError, match="key file not found"):
        settings_for(f"h /ssh /auth=publickey /keyfile={tmp_path / 'missing'}")


def test_options_invalid_forward():
    with pytest.raises(MacroRuntimeError, match="invalid forwarding"):
        settings_for("h /ssh /ssh-L8080")


def test_options_unknown_ttssh_option():
    with pytest.raises(MacroRuntimeError, match="unknown SSH option /ssh-zzz"):
        settings_for("h /ssh /ssh-zzz")


def test_options_settings_file_rejected():
    with pytest.raises(MacroRuntimeError, match="not supported"):
        settings_for("h /ssh /ssh-f=settings.ini")


def test_options_control_character_password():
    with pytest.raises(MacroRuntimeError, match="control character"):
        settings_for('h /ssh /auth=password "/passwd=a\tb"')


def test_options_ask4passwd_without_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    with pytest.raises(MacroRuntimeError, match="needs a terminal"):
        settings_for("h /ssh /auth=password /ask4passwd")


def test_prompts_recognized():
    assert PASSWORD_PROMPT.search(b"sshtest@127.0.0.1's password: ")
    assert PASSWORD_PROMPT.search(b"(sshtest@127.0.0.1) Password: ")
    assert KBDINT_PROMPT.match(b"(sshtest@127.0.0.1) Verification code: ")
    assert PASSPHRASE_PROMPT.search(b"Enter passphrase for key '/k/id_ed25519': ")


# --- the test server ------------------------------------------------------------


@dataclass
class SshPeer:
    """The sshd of .ci/peers/ssh.sh and the key files its install step creates."""

    host_key: str  # "ssh-ed25519 AAAA...", as in a known_hosts line
    client_key: Path
    passphrase_key: Path
    other_key: Path


@dataclass
class SshClientSetup:
    """An ssh_config file and its known_hosts file under tmp_path, named by TTLRUN_SSH_CONFIG."""

    config: Path
    known_hosts: Path
    peer: SshPeer

    def write_config(self, *extra: str) -> None:
        lines = [f"UserKnownHostsFile {self.known_hosts}", "GlobalKnownHostsFile /dev/null", *extra]
        self.config.write_text("\n".join(lines) + "\n")

    def trust_server(self) -> None:
        addresses = [f"[127.0.0.1]:{SSH_PORT}", f"[::1]:{SSH_PORT}", f"[localhost]:{SSH_PORT}"]
        self.known_hosts.write_text(f"{','.join(addresses)} {self.peer.host_key}\n")


def _probe_sshd(host: str, port: int) -> bytes:
    with socket.create_connection((host, port), timeout=5) as connection:
        return connection.recv(256)


@pytest.fixture(scope="module")
def sshd() -> SshPeer:
    for program in ("ssh", "scp"):
        if shutil.which(program) is None:
            require_peer(f"the OpenSSH client '{program}' is not installed: apt-get install openssh-client")
    try:
        banner = _probe_sshd("127.0.0.1", SSH_PORT)
    except OSError as error:
        require_peer(f"no sshd on 127.0.0.1:{SSH_PORT} ({error}); run .ci/peers/ssh.sh install and start as root")
    if not banner.startswith(b"SSH-2.0-OpenSSH"):
        require_peer(f"the server on 127.0.0.1:{SSH_PORT} is not OpenSSH: {banner!r}")
    keys = [PEER_DIR / name for name in ("client_ed25519", "client_passphrase_ed25519", "other_ed25519")]
    if not all(os.access(key, os.R_OK) for key in keys):
        require_peer(f"the test keys in {PEER_DIR} are missing or not readable; run the tests as root")
    host_key = " ".join((PEER_DIR / "hostkey.pub").read_text().split()[:2])
    return SshPeer(host_key, *keys)


@pytest.fixture
def client(tmp_path, sshd, monkeypatch) -> SshClientSetup:
    setup = SshClientSetup(tmp_path / "ssh_config", tmp_path / "known_hosts", sshd)
    setup.trust_server()
    # No keys for password and keyboard-interactive logins, and none from root's ~/.ssh.
    setup.write_config("PubkeyAuthentication no")
    monkeypatch.setenv("TTLRUN_SSH_CONFIG", str(setup.config))
    return setup


def run_macro(text: str, *, accept_new: bool = False, transcript: Path | None = None,
              path: Path | None = None) -> Machine:
    options = Options(stdout=io.StringIO(), accept_new_host_keys=accept_new)
    if transcript is not None:
        options.transcript = Transcript(transcript)
    try:
        return run_text(text, options=options, path=path or "macro.ttl")
    finally:
        if options.transcript is not None:
            options.transcript.close()


def password_target(host: str = "127.0.0.1", password: str = PASSWORD) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{SSH_PORT} /ssh /auth=password /user={USER} /passwd={password}"


def key_target(key: Path, host: str = "127.0.0.1") -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{SSH_PORT} /ssh /auth=publickey /user={USER} /keyfile={key}"


# --- logins ------------------------------------------------------------------------


def test_login_password(client, tmp_path):
    transcript = tmp_path / "t.transcript"
    m = run_macro(LOGIN_MACRO.format(target=password_target()), transcript=transcript)
    assert m.vars["connected"] == 2
    assert m.vars["found"] == 1
    records = read_transcript(transcript)
    events = [record.data for record in records if record.direction == "*"]
    assert b"ssh: password sent" in events
    assert not any(PASSWORD.encode() in record.data for record in records)


def test_login_password_ipv6(client):
    m = run_macro(LOGIN_MACRO.format(target=password_target("::1")))
    assert m.vars["found"] == 1


def test_login_ssh_url(client):
    target = f"ssh://{USER}:{PASSWORD}@127.0.0.1:{SSH_PORT} /auth=password"
    m = run_macro(LOGIN_MACRO.format(target=target))
    assert m.vars["found"] == 1


def test_login_keyboard_interactive(client, tmp_path):
    transcript = tmp_path / "t.transcript"
    target = f"127.0.0.1:{SSH_PORT} /ssh /auth=keyboard-interactive /user={USER} /passwd={PASSWORD}"
    m = run_macro(LOGIN_MACRO.format(target=target), transcript=transcript)
    assert m.vars["found"] == 1
    events = [record.data for record in read_transcript(transcript) if record.direction == "*"]
    assert any(b'using "keyboard-interactive"' in event for event in events)


def test_login_publickey(client, sshd, tmp_path):
    transcript = tmp_path / "t.transcript"
    m = run_macro(LOGIN_MACRO.format(target=key_target(sshd.client_key)), transcript=transcript)
    assert m.vars["found"] == 1
    events = [record.data for record in read_transcript(transcript) if record.direction == "*"]
    assert any(b'using "publickey"' in event for event in events)


def test_login_key_passphrase(client, sshd):
    target = key_target(sshd.passphrase_key) + f" /passwd={KEY_PASSPHRASE}"
    m = run_macro(LOGIN_MACRO.format(target=target))
    assert m.vars["found"] == 1


def test_login_macro_answers_prompt(client, tmp_path):
    """Without /auth= connect returns at ssh's prompt, and the macro logs in."""
    transcript = tmp_path / "t.transcript"
    m = run_macro(f"""
timeout = 10
connect '{USER}@127.0.0.1:{SSH_PORT} /ssh'
connected = result
wait 'assword:'
prompt = result
sendln '{PASSWORD}'
wait '$ '
sendln 'echo "sum=$((6*7))"'
waitln 'sum=42'
found = result
""", transcript=transcript)
    assert m.vars["connected"] == 2
    assert m.vars["prompt"] == 1
    assert m.vars["found"] == 1


def test_login_password_cli_macro(client, run_ttlrun, monkeypatch):
    monkeypatch.setenv("TTLRUN_SSH_PASSWORD", PASSWORD)
    result = run_ttlrun("ssh/password-login.ttl", "127.0.0.1", str(SSH_PORT), USER)
    assert result.returncode == 0, result.describe()
    assert f"[password-login] user={USER} server port={SSH_PORT}" in result.stdout
    assert PASSWORD not in result.transcript_path.read_text()


def test_login_ask4passwd_on_terminal(client, tmp_path):
    macro = tmp_path / "ask.ttl"
    macro.write_text(LOGIN_MACRO.format(target=f"127.0.0.1:{SSH_PORT} /ssh /auth=password /user={USER} /ask4passwd")
                     + "\nmessagebox found 'found'\n")
    child = pexpect.spawn(sys.executable, ["-m", "ttl", "--timeout", "30", str(macro)],
                          env=dict(os.environ), cwd=str(REPO_ROOT), timeout=30)
    try:
        child.expect(f"Password for {USER}@127.0.0.1:{SSH_PORT}: ")
        child.sendline(PASSWORD)
        child.expect(r"\[found\] 1")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_login_ask4passwd_without_terminal(client, run_ttlrun, monkeypatch):
    monkeypatch.delenv("TTLRUN_SSH_PASSWORD", raising=False)
    result = run_ttlrun("ssh/password-login.ttl", "127.0.0.1", str(SSH_PORT), USER)
    assert result.returncode == 1, result.describe()
    assert "/ask4passwd needs a terminal" in result.stderr


def test_password_not_visible_to_other_processes(client):
    request = parse_connect(password_target())
    transport = SshTransport.open(request, Options(stdout=io.StringIO()))
    try:
        proc = Path(f"/proc/{transport.child.pid}")
        if not proc.is_dir():
            pytest.skip("no /proc on this system")
        assert PASSWORD.encode() not in (proc / "cmdline").read_bytes()
        assert PASSWORD.encode() not in (proc / "environ").read_bytes()
    finally:
        transport.close()


# --- failed logins -------------------------------------------------------------------


def test_wrong_password(client, capsys):
    started = time.monotonic()
    m = run_macro(LOGIN_MACRO.format(target=password_target(password="wrong")))
    assert m.vars["connected"] == 1
    assert time.monotonic() - started < 15
    assert "rejected the password for sshtest" in capsys.readouterr().err


def test_wrong_keyboard_interactive_answer(client, capsys):
    target = f"127.0.0.1:{SSH_PORT} /ssh /auth=keyboard-interactive /user={USER} /passwd=wrong"
    m = run_macro(LOGIN_MACRO.format(target=target))
    assert m.vars["connected"] == 1
    assert "rejected the keyboard-interactive answer" in capsys.readouterr().err


def test_key_rejected(client, sshd, capsys):
    m = run_macro(LOGIN_MACRO.format(target=key_target(sshd.other_key)))
    assert m.vars["connected"] == 1
    assert "rejected the public key" in capsys.readouterr().err


def test_key_wrong_passphrase(client, sshd, capsys):
    m = run_macro(LOGIN_MACRO.format(target=key_target(sshd.passphrase_key) + " /passwd=wrong"))
    assert m.vars["connected"] == 1
    assert "does not unlock" in capsys.readouterr().err


def test_key_passphrase_missing(client, sshd, capsys):
    m = run_macro(LOGIN_MACRO.format(target=key_target(sshd.passphrase_key)))
    assert m.vars["connected"] == 1
    assert "the key needs a passphrase" in capsys.readouterr().err


# --- host keys ---------------------------------------------------------------------------


def test_unknown_host_rejected(client, sshd, capsys):
    client.known_hosts.write_text("")
    m = run_macro(LOGIN_MACRO.format(target=key_target(sshd.client_key)))
    assert m.vars["connected"] == 1
    message = capsys.readouterr().err
    assert f"host key of [127.0.0.1]:{SSH_PORT} is not in known_hosts" in message
    assert "--accept-new-host-keys" in message
    assert client.known_hosts.read_text() == ""


def test_unknown_host_rejected_without_auth(client, capsys):
    """Also when the macro would answer the login prompts itself."""
    client.known_hosts.write_text("")
    m = run_macro(f"connect '{USER}@127.0.0.1:{SSH_PORT} /ssh'\nconnected = result\n")
    assert m.vars["connected"] == 1
    assert "not in known_hosts" in capsys.readouterr().err


def test_unknown_host_accepted_with_option(client, sshd):
    client.known_hosts.write_text("")
    m = run_macro(LOGIN_MACRO.format(target=key_target(sshd.client_key)), accept_new=True)
    assert m.vars["found"] == 1
    assert sshd.host_key in client.known_hosts.read_text()


def test_changed_host_key_rejected(client, sshd, tmp_path, capsys):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "impostor")], check=True)
    impostor = " ".join((tmp_path / "impostor.pub").read_text().split()[:2])
    client.known_hosts.write_text(f"[127.0.0.1]:{SSH_PORT} {impostor}\n")
    m = run_macro(LOGIN_MACRO.format(target=key_target(sshd.client_key)), accept_new=True)
    assert m.vars["connected"] == 1
    assert f"host key of [127.0.0.1]:{SSH_PORT} differs from the one in known_hosts" in capsys.readouterr().err


# --- bastions ----------------------------------------------------------------------------


@pytest.mark.parametrize("bastion, inner", [("127.0.0.1", "::1"), ("::1", "127.0.0.1")])
def test_bastion_macro(client, run_ttlrun, monkeypatch, bastion, inner):
    monkeypatch.setenv("TTLRUN_SSH_PASSWORD", PASSWORD)
    result = run_ttlrun("ssh/bastion.ttl", bastion, str(SSH_PORT), USER, inner, str(SSH_PORT))
    assert result.returncode == 0, result.describe()
    assert f"[bastion] inner connection: {inner} " in result.stdout
    assert result.stdout.rstrip().endswith(f"{inner} {SSH_PORT}")


@pytest.mark.parametrize("bastion, inner", [("127.0.0.1", "::1"), ("::1", "127.0.0.1")])
def test_bastion_proxy_jump(client, bastion, inner):
    """/ssh-J=: both hops ask for a password, and the auto-login answers each."""
    shown = f"[{bastion}]" if ":" in bastion else bastion
    target = password_target(inner) + f" /ssh-J={USER}@{shown}:{SSH_PORT}"
    m = run_macro(f"""
timeout = 10
connect '{target}'
connected = result
if result <> 2 end
wait '$ '
sendln 'echo "fr""om=${{SSH_CONNECTION%% *}}"'
waitln 'from='
line = inputstr
""")
    assert m.vars["connected"] == 2
    assert m.vars["line"] == f"from={inner}".encode()


def test_bastion_proxy_jump_unknown_hop(client, capsys):
    """A hop whose key is unknown is rejected too, although its ssh prompts on the terminal instead of failing."""
    client.known_hosts.write_text(f"[::1]:{SSH_PORT} {client.peer.host_key}\n")
    target = password_target("::1") + f" /ssh-J={USER}@127.0.0.1:{SSH_PORT}"
    m = run_macro(LOGIN_MACRO.format(target=target))
    assert m.vars["connected"] == 1
    assert f"host key of [127.0.0.1]:{SSH_PORT} is not in known_hosts" in capsys.readouterr().err


# --- scp ---------------------------------------------------------------------------------


def test_scp_round_trip(client, tmp_path):
    payload = bytes(range(256)) + b"\r\nend\n"
    (tmp_path / "up.bin").write_bytes(payload)
    (tmp_path / "back").mkdir()
    remote = f"ttlrun-scp-{os.getpid()}.bin"
    m = run_macro(f"""
timeout = 10
connect '{password_target()}'
wait '$ '
scpsend 'up.bin' '{remote}'
sent = result
scprecv '{remote}' 'down.bin'
received = result
scprecv '{remote}' 'back'
into_folder = result
sendln 'rm -f {remote}; echo "removed" "it"'
wait 'removed it'
""", path=tmp_path / "scp.ttl")
    assert m.vars["sent"] == 1
    assert m.vars["received"] == 1
    assert m.vars["into_folder"] == 1
    assert (tmp_path / "down.bin").read_bytes() == payload
    assert (tmp_path / "back" / remote).read_bytes() == payload


def test_scp_failures(client, tmp_path, capsys):
    m = run_macro(f"""
timeout = 10
connect '{password_target()}'
wait '$ '
scprecv 'ttlrun-no-such-file.txt'
missing_remote = result
scpsend 'no-such-file.txt'
missing_local = result
""", path=tmp_path / "scp.ttl")
    assert m.vars["missing_remote"] == 0
    assert m.vars["missing_local"] == 0
    assert not (tmp_path / "ttlrun-no-such-file.txt").exists()
    assert "No such file" in capsys.readouterr().err


def test_scp_needs_ssh_link(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        with pytest.raises(MacroRuntimeError, match="not SSH"):
            run_macro(f"connect '127.0.0.1:{port} /nossh /T=0'\nscpsend 'x'", path=tmp_path / "t.ttl")


# --- faults ------------------------------------------------------------------------------


def test_server_closes_mid_wait(client, sshd, caplog):
    started = time.monotonic()
    m = run_macro(f"""
timeout = 20
connect '{key_target(sshd.client_key)}'
wait '$ '
sendln 'sleep 0.3; kill -KILL $PPID'
wait 'never printed'
waited = result
testlink
linked = result
""")
    assert m.vars["waited"] == 0
    assert m.vars["linked"] == 1
    assert time.monotonic() - started < 10
    assert "closed by remote host" in caplog.text


def test_server_stalls(client, capsys):
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        started = time.monotonic()
        m = run_macro(f"""
connect '127.0.0.1:{port} /ssh /auth=password /user={USER} /passwd={PASSWORD} /TIMEOUT=1'
connected = result
""")
    assert m.vars["connected"] == 1
    assert time.monotonic() - started < 10
    assert "timed out" in capsys.readouterr().err


def test_server_hangs_up_at_once(client, capsys):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        thread = threading.Thread(target=lambda: listener.accept()[0].close(), daemon=True)
        thread.start()
        m = run_macro(f"connect '127.0.0.1:{port} /ssh /auth=password /user={USER} /passwd={PASSWORD}'\n"
                      "connected = result\n")
        thread.join(5)
    assert m.vars["connected"] == 1
    assert re.search(r"Connection (closed|reset)", capsys.readouterr().err)


def test_connection_refused(client, closed_port, capsys):
    m = run_macro(f"connect '127.0.0.1:{closed_port} /ssh /user={USER}'\nconnected = result\n")
    assert m.vars["connected"] == 1
    assert "Connection refused" in capsys.readouterr().err


def test_escape_sequence_passes_through(client):
    """ssh runs with -e none, so "~." at the start of a line reaches the host instead of closing ssh."""
    m = run_macro(f"""
timeout = 10
connect '{password_target()}'
wait '$ '
sendln '~.'
sendln 'echo "still" "here"'
wait 'still here'
found = result
""")
    assert m.vars["found"] == 1


def test_large_send_with_echo(client, tmp_path):
    """240,000 bytes go out while the remote terminal echoes them back, without a deadlock."""
    (tmp_path / "big.txt").write_bytes((b"x" * 79 + b"\n") * 3000)
    m = run_macro(f"""
timeout = 30
connect '{password_target()}'
wait '$ '
sendln 'wc -c'
sendfile 'big.txt' 1
send 4
waitln '240000'
counted = result
""", path=tmp_path / "big.ttl")
    assert m.vars["counted"] == 1


# --- port forwarding ------------------------------------------------------------------------


class _EchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(4096):
            self.request.sendall(data)


@pytest.fixture
def echo_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _EchoHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _connect_retrying(port: int, timeout: float = 5.0) -> socket.socket:
    """Connect to 127.0.0.1:port, retrying while ssh sets the forward up."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=5)
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _echo_through(connection: socket.socket, data: bytes = b"ping through ssh") -> bytes:
    with connection:
        connection.sendall(data)
        received = b""
        while len(received) < len(data):
            chunk = connection.recv(4096)
            if not chunk:
                break
            received += chunk
        return received


def _open_with_forward(option: str, sshd: SshPeer) -> SshTransport:
    request = parse_connect(key_target(sshd.client_key) + " " + option)
    return SshTransport.open(request, Options(stdout=io.StringIO()))


def test_forward_local(client, sshd, echo_server):
    port = find_free_port()
    transport = _open_with_forward(f"/ssh-L{port}:127.0.0.1:{echo_server}", sshd)
    try:
        assert _echo_through(_connect_retrying(port)) == b"ping through ssh"
    finally:
        transport.close()


def test_forward_remote(client, sshd, echo_server):
    # The server is this machine, so its end of the forward is reachable here.
    port = find_free_port()
    transport = _open_with_forward(f"/ssh-R127.0.0.1:{port}:127.0.0.1:{echo_server}", sshd)
    try:
        assert _echo_through(_connect_retrying(port)) == b"ping through ssh"
    finally:
        transport.close()


def test_forward_dynamic(client, sshd, echo_server):
    port = find_free_port()
    transport = _open_with_forward(f"/ssh-D127.0.0.1:{port}", sshd)
    try:
        connection = _connect_retrying(port)
        connection.sendall(b"\x05\x01\x00")  # SOCKS5, one method: no authentication
        assert connection.recv(2) == b"\x05\x00"
        connection.sendall(b"\x05\x01\x00\x01" + socket.inet_aton("127.0.0.1") + echo_server.to_bytes(2, "big"))
        assert connection.recv(10)[:2] == b"\x05\x00"
        assert _echo_through(connection) == b"ping through ssh"
    finally:
        transport.close()


def test_transport_eof_after_exit(client, sshd):
    """recv returns b"" once ssh has exited (Linux reports EIO on the terminal)."""
    transport = SshTransport.open(parse_connect(key_target(sshd.client_key)), Options(stdout=io.StringIO()))
    try:
        transport.write(memoryview(b"exit\r"))
        deadline = time.monotonic() + 10
        data = None
        while data != b"" and time.monotonic() < deadline:
            readable, _, _ = select.select([transport.fileno()], [], [], 1)
            if readable:
                try:
                    data = transport.recv()
                except BlockingIOError:
                    continue
        assert data == b""
    finally:
        transport.close()
