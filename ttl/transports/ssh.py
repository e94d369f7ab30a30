"""SSH through the OpenSSH client: ``ssh`` runs on a pseudo-terminal that the link reads and writes.

Running the system ``ssh`` keeps the user's ~/.ssh/config, agent, keys and
known_hosts. The transport maps Tera Term's and TTSSH's connect options to
ssh's command line, types the answers to ssh's login prompts itself when
the macro requests auto-login with ``/auth=``, and then hands the terminal
to the link.

Passwords never appear in ssh's arguments or environment: they are typed
into ssh's prompt on the pseudo-terminal, and the transcript gets an event
(``ssh: password sent``) in place of the bytes.

ssh's standard error goes to a FIFO that this module reads, not to the
terminal, so its messages (errors, "Authenticated to ...", "Connection to
... closed.") stay out of the text the wait commands see, as the messages
of Tera Term's own SSH code stay out of its terminal. Each message becomes
a transcript event. The session runs as an OpenSSH ControlMaster, so
``scpsend`` and ``scprecv`` copy files over the same connection without a
second login.

Give ``--ssh-config FILE`` (or set TTLRUN_SSH_CONFIG) to run ssh with
``-F FILE``: ssh then reads that file instead of ~/.ssh/config and
/etc/ssh/ssh_config, also for ProxyJump hops. The tests use it to keep
their known_hosts file under their temporary directory.
"""

from __future__ import annotations

import errno
import fcntl
import getpass
import logging
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NoReturn

import pexpect

from ttl.connect_line import SSH_PORT
from ttl.errors import MacroRuntimeError
from ttl.transports import register

if TYPE_CHECKING:
    from ttl.connect_line import ConnectRequest
    from ttl.machine import Options

log = logging.getLogger(__name__)

READ_SIZE = 65536
SSH_CONFIG_ENV = "TTLRUN_SSH_CONFIG"

# Time that ssh has to reach a prompt or finish logging in, on top of
# /TIMEOUT=. The auto-login's whole exchange must fit in it.
LOGIN_TIMEOUT = 30.0
# After authentication ssh switches the terminal to raw mode before it
# passes session data. Waiting for that keeps early sends from being
# echoed by the local terminal, and this is the maximum wait.
RAW_MODE_TIMEOUT = 3.0
# An unrecognized prompt that stays unanswered this long ends an auto-login.
PROMPT_SETTLE = 1.5
# Time to collect ssh's last messages and exit status after it closed the terminal.
EXIT_GRACE = 2.0
MAX_STDERR_LINES = 200

# TTSSH's /auth= values and the ssh authentication method each one selects.
AUTH_METHODS = {
    "password": "password",
    "keyboard-interactive": "keyboard-interactive",
    "challenge": "keyboard-interactive",
    "publickey": "publickey",
    "pageant": "publickey",
}

# TTSSH options that only change TTSSH's user interface or its saved settings.
IGNORED_TTSSH_OPTIONS = ("ssh-autologin", "ssh-autologon", "ssh-agentconfirm", "ssh-icon")

# ssh's prompts, as OpenSSH 9 prints them on the terminal.
HOST_KEY_QUESTION = re.compile(rb"continue connecting \(yes/no(?:/\[fingerprint\])?\)\? *$")
PASSPHRASE_PROMPT = re.compile(rb"^Enter passphrase for .*: *$")
PASSWORD_PROMPT = re.compile(rb"[Pp]assword: *$")
# keyboard-interactive prompts are "(user@host) " followed by the server's prompt.
KBDINT_PROMPT = re.compile(rb"^\([^()\r\n]*@[^()\r\n]*\) .*[:?] *$")
ANY_PROMPT = re.compile(rb"[:?] *$")
# Patterns that find the host in ssh's messages about unknown and changed host keys.
QUESTION_HOST = re.compile(rb"authenticity of host '([^' ]+)")
UNKNOWN_HOST = re.compile(r"host key is known for (\S+) and you have requested strict checking")
CHANGED_HOST = re.compile(r"Host key for (\S+) has changed")

# ssh's messages that report progress, not errors.
NOT_ERRORS = ("Authenticated to", "Transferred:", "Bytes per second", "debug")
QUIT_MESSAGE = re.compile(r"^Connection to \S+ closed\.$")


class SshLoginError(ConnectionError):
    """ssh could not connect or log in; ``strerror`` contains the reason and the next step."""

    def __init__(self, message: str):
        super().__init__(errno.ECONNABORTED, message)


@dataclass
class SshSettings:
    """The ssh settings that a connect request selects, after validation."""

    host: str
    port: int
    user: str = ""
    family_flag: str = ""  # "-4", "-6" or ""
    method: str = ""  # an ssh authentication method for auto-login, or "" when the macro logs in
    secret: bytes = b""  # the password, or the key's passphrase for publickey
    keyfile: str = ""
    forwards: list[tuple[str, str]] = field(default_factory=list)  # ("-L", spec), ...
    jump: str = ""
    flags: list[str] = field(default_factory=list)  # further ssh options, such as -A or -C
    subsystem: str = ""
    display: str = ""
    no_session: bool = False
    verbose: bool = False
    connect_timeout: float | None = None

    @property
    def address(self) -> str:
        """Return host:port as ssh names it in known_hosts, such as [127.0.0.1]:2222."""
        if self.port == SSH_PORT:
            return self.host
        return f"[{self.host}]:{self.port}"

    @property
    def peer(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = f"{self.user}@" if self.user else ""
        return f"{user}{host}:{self.port}"


# -- connect options ---------------------------------------------------------


def parse_settings(request: ConnectRequest, options: Options) -> SshSettings:
    """Turn the connect request into ssh settings; raise MacroRuntimeError for a macro mistake."""
    if request.options.get("ssh-version") == "1":
        raise MacroRuntimeError(
            "connect: SSH protocol 1 (/1) is not supported: OpenSSH no longer speaks it; "
            "remove /1 or use /2"
        )
    if request.host.startswith("-"):
        raise MacroRuntimeError(f"connect: invalid host name '{request.host}'")
    assert request.port is not None
    settings = SshSettings(host=request.host, port=request.port, user=request.user,
                           connect_timeout=request.connect_timeout)
    if request.family:
        settings.family_flag = "-6" if request.family == socket.AF_INET6 else "-4"
    _parse_auth(request, settings)
    for name, value in request.options.items():
        if name.startswith("ssh-") and name != "ssh-version":
            _parse_ttssh_option(name, value, settings)
    if "nosecuritywarning" in request.options:
        log.warning("ignoring /nosecuritywarning: ttlrun always checks host keys; "
                    "use --accept-new-host-keys to add the key of a new host")
    return settings


def _parse_auth(request: ConnectRequest, settings: SshSettings) -> None:
    auth = request.options.get("auth", "")
    if not auth and "ask4passwd" in request.options:
        auth = "password"

    keyfile = request.options.get("keyfile", "")
    if keyfile:
        # NOTE: a relative path is taken from the working directory, not the macro's folder.
        path = os.path.expanduser(keyfile)
        if not os.path.isfile(path):
            raise MacroRuntimeError(f"connect: key file not found: {path} (from /keyfile=)")
        settings.keyfile = path

    if not auth:
        if request.password:
            log.warning("the password in the connect string is not used without /auth=; "
                        "add /auth=password or answer ssh's prompt with wait and sendln")
        return
    method = AUTH_METHODS.get(auth.lower())
    if method is None:
        raise MacroRuntimeError(
            f"connect: unknown /auth={auth}; use password, keyboard-interactive, challenge, publickey or pageant"
        )
    settings.method = method

    password = request.password
    if "ask4passwd" in request.options:
        password = _ask_password(settings, method)
    elif not password and method != "publickey":
        raise MacroRuntimeError(
            f"connect: /auth={auth} needs the password: add /passwd=... or /ask4passwd"
        )
    settings.secret = os.fsencode(password)
    if any(byte < 0x20 or byte == 0x7F for byte in settings.secret):
        raise MacroRuntimeError(
            "connect: the password contains a control character, which ssh's prompt cannot take"
        )


def _ask_password(settings: SshSettings, method: str) -> str:
    """Read the password for /ask4passwd from the user's terminal."""
    if not sys.stdin.isatty():
        raise MacroRuntimeError(
            "connect: /ask4passwd needs a terminal to ask for the password, and standard input is not one; "
            "run ttlrun from a terminal, or give the password with /passwd="
        )
    what = "Passphrase for the key" if method == "publickey" else "Password"
    try:
        return getpass.getpass(f"{what} for {settings.peer}: ")
    except EOFError:
        raise MacroRuntimeError("connect: no password entered for /ask4passwd") from None


def _parse_ttssh_option(name: str, value: str, settings: SshSettings) -> None:
    """Map one TTSSH /ssh-... option to ssh settings."""
    letter = name[4:5]
    if letter in ("L", "R", "D") and not value:
        _parse_forwards(letter, name[5:], settings)
    elif name == "ssh-J":
        if not value:
            raise MacroRuntimeError("connect: /ssh-J= needs a jump host, such as /ssh-J=user@bastion:22")
        settings.jump = value
    elif name == "ssh-X":
        settings.flags.append("-X")
        settings.display = value
    elif letter == "X" and not value:
        settings.flags.append("-X")
        settings.display = name[5:]
    elif name == "ssh-a":
        settings.flags.append("-a")
    elif name == "ssh-A":
        settings.flags.append("-A")
    elif name == "ssh-C" and value:
        settings.flags += ["-o", f"Compression={'no' if value.strip() == '0' else 'yes'}"]
    elif name == "ssh-C":
        settings.flags += ["-o", "Compression=yes"]
    elif name == "ssh-c":
        settings.flags += ["-o", "Compression=no"]
    elif name == "ssh-N":
        settings.no_session = True
    elif name == "ssh-v":
        settings.verbose = True
    elif name == "ssh-subsystem":
        if not value:
            raise MacroRuntimeError("connect: /ssh-subsystem= needs a subsystem name")
        settings.subsystem = value
    elif name in ("ssh-f", "ssh-consume"):
        raise MacroRuntimeError(
            f"connect: /{name}= (a TTSSH settings file) is not supported; put ssh settings in ~/.ssh/config"
        )
    elif name.lower() in IGNORED_TTSSH_OPTIONS:
        log.info("ignoring /%s: it only changes TTSSH's user interface", name)
    else:
        shown = f"/{name}={value}" if value else f"/{name}"
        raise MacroRuntimeError(f"connect: unknown SSH option {shown}")


def _parse_forwards(letter: str, text: str, settings: SshSettings) -> None:
    """Add the port forwards of /ssh-L, /ssh-R or /ssh-D; TTSSH separates several with , or ;."""
    specs = [spec for spec in re.split(r"[,;]", text) if spec]
    if not specs:
        raise MacroRuntimeError(f"connect: /ssh-{letter} needs a forwarding specification")
    for spec in specs:
        fields = _split_forward(spec)
        if letter == "D":
            valid = len(fields) in (1, 2) and fields[-1] != ""
        else:
            valid = len(fields) in (3, 4) and fields[-3] != "" and fields[-1] != ""
        if not valid:
            usage = "[bind_address:]port" if letter == "D" else "[bind_address:]port:host:hostport"
            raise MacroRuntimeError(f"connect: invalid forwarding /ssh-{letter}{spec}; expected {usage}")
        settings.forwards.append((f"-{letter}", spec))


def _split_forward(spec: str) -> list[str]:
    """Split a forwarding specification at colons that are not inside [ ]."""
    fields = [""]
    bracketed = False
    for char in spec:
        if char == ":" and not bracketed:
            fields.append("")
            continue
        if char == "[":
            bracketed = True
        elif char == "]":
            bracketed = False
        fields[-1] += char
    return fields


# -- the ssh command line ------------------------------------------------------


def ssh_config_file(options: Options | None = None) -> str:
    """Return the ssh_config file from --ssh-config or TTLRUN_SSH_CONFIG, or "" for ssh's own defaults."""
    if options is not None and options.ssh_config:
        return options.ssh_config
    return os.environ.get(SSH_CONFIG_ENV, "")


def common_ssh_options(settings: SshSettings, options: Options, control_path: str) -> list[str]:
    """Return the options that the session's ssh and the ssh behind scp share."""
    arguments: list[str] = []
    config = ssh_config_file(options)
    if config:
        arguments += ["-F", config]
    if settings.family_flag:
        arguments.append(settings.family_flag)
    # Unknown hosts are rejected unless --accept-new-host-keys. A changed
    # host key is an error under both settings.
    checking = "accept-new" if options.accept_new_host_keys else "yes"
    arguments += ["-o", f"StrictHostKeyChecking={checking}"]
    arguments += ["-o", f"ControlPath={control_path}"]
    if settings.jump:
        arguments += ["-J", settings.jump]
    return arguments


def ssh_arguments(settings: SshSettings, options: Options, control_path: str) -> list[str]:
    """Return ssh's arguments for the interactive session (without the program name)."""
    arguments = common_ssh_options(settings, options, control_path)
    # -e none: Tera Term has no escape character, so "~." in sent data must reach the host.
    arguments += ["-e", "none", "-o", "ControlMaster=yes", "-o", "ControlPersist=no"]
    # VERBOSE makes ssh log "Authenticated to ...", which ends an auto-login.
    arguments += ["-o", f"LogLevel={'DEBUG1' if settings.verbose else 'VERBOSE'}"]
    if settings.no_session:
        arguments.append("-N")
    else:
        arguments.append("-t")
    if settings.port != SSH_PORT:
        arguments += ["-p", str(settings.port)]
    if settings.user:
        arguments += ["-l", settings.user]
    if settings.connect_timeout:
        arguments += ["-o", f"ConnectTimeout={int(settings.connect_timeout)}"]
    arguments += _auth_options(settings)
    for flag, spec in settings.forwards:
        arguments += [flag, spec]
    arguments += settings.flags
    if settings.subsystem:
        arguments.append("-s")
    arguments += ["--", settings.host]
    if settings.subsystem:
        arguments.append(settings.subsystem)
    return arguments


def _auth_options(settings: SshSettings) -> list[str]:
    arguments: list[str] = []
    if settings.keyfile:
        arguments += ["-i", settings.keyfile, "-o", "IdentitiesOnly=yes"]
    if not settings.method:
        return arguments
    # One attempt only: an auto-login that fails ends with a message, not another prompt.
    arguments += ["-o", f"PreferredAuthentications={settings.method}",
                  "-o", "NumberOfPasswordPrompts=1", "-o", "BatchMode=no"]
    # The method that /auth= names is enabled even where the ssh configuration disables it.
    enable = {"password": "PasswordAuthentication", "keyboard-interactive": "KbdInteractiveAuthentication",
              "publickey": "PubkeyAuthentication"}[settings.method]
    arguments += ["-o", f"{enable}=yes"]
    return arguments


def _private_directory() -> str:
    """Create a directory for the FIFO and the control socket, readable by this user only.

    A UNIX socket path has a maximum length of about 100 bytes, so /tmp is
    preferred over a long TMPDIR such as macOS's.
    """
    base = "/tmp" if os.access("/tmp", os.W_OK | os.X_OK) else None
    return tempfile.mkdtemp(prefix="ttlrun-ssh-", dir=base)


# -- ssh's messages ------------------------------------------------------------


class StderrReader:
    """Reads ssh's standard error from a FIFO, line by line, without blocking."""

    def __init__(self, fd: int, record: Recorder):
        self.fd = fd
        self.record = record
        self.lines: list[str] = []
        self.partial = b""
        self.closed = False
        self.authenticated = False

    def read_available(self) -> None:
        """Take in every complete line that ssh has written so far."""
        while not self.closed:
            try:
                chunk = os.read(self.fd, READ_SIZE)
            except BlockingIOError:
                return
            if not chunk:
                self.closed = True
                self._add_lines(self.partial + b"\n")
                self.partial = b""
                return
            self._add_lines(self.partial + chunk)

    def _add_lines(self, data: bytes) -> None:
        *complete, self.partial = data.split(b"\n")
        for raw in complete:
            line = raw.decode("utf-8", "replace").strip("\r ")
            if not line:
                continue
            # NOTE: a ProxyJump hop's ssh logs this line too when the ssh
            # configuration sets LogLevel VERBOSE for it, which would end an
            # auto-login before the last hop has logged in.
            if line.startswith("Authenticated to "):
                self.authenticated = True
            self.record.event(line)
            log.debug("ssh: %s", line)
            self.lines.append(line)
            del self.lines[:-MAX_STDERR_LINES]

    def wait_closed(self, deadline: float) -> None:
        """Read until ssh and every process that shares its standard error have exited, or ``deadline``."""
        while not self.closed:
            wait = deadline - time.monotonic()
            if wait <= 0:
                return
            readable, _, _ = select.select([self.fd], [], [], wait)
            if readable:
                self.read_available()

    def has(self, *fragments: str) -> bool:
        return any(fragment in line for line in self.lines for fragment in fragments)

    def find(self, pattern: re.Pattern[str]) -> str:
        """Return the first group of the first line that ``pattern`` matches, or ""."""
        for line in self.lines:
            match = pattern.search(line)
            if match:
                return match.group(1)
        return ""

    def last_error(self) -> str:
        """Return ssh's last message that is not progress information.

        The closing "Connection to HOST closed." comes after the message
        with the reason, such as "... closed by remote host.", so it is skipped.
        """
        for line in reversed(self.lines):
            if line.startswith(NOT_ERRORS) or QUIT_MESSAGE.match(line):
                continue
            return line
        return ""


class Recorder:
    """Writes the transport's own events to the transcript, with the secret masked."""

    def __init__(self, options: Options, secret: bytes):
        self.transcript = options.transcript
        self.secret = secret.decode("utf-8", "replace") if secret else ""

    def event(self, text: str) -> None:
        if self.transcript is None:
            return
        if self.secret:
            text = text.replace(self.secret, "***")
        self.transcript.event(f"ssh: {text}")


# -- the transport -------------------------------------------------------------


class SshTransport:
    """An OpenSSH client session on a pseudo-terminal."""

    kind = "ssh"
    default_newline = b"\r"  # Tera Term's CRSend default

    def __init__(self, settings: SshSettings, options: Options):
        self.settings = settings
        self.options = options
        self.peer = settings.peer
        self.recorder = Recorder(options, settings.secret)
        self.directory = _private_directory()
        self.control_path = os.path.join(self.directory, "control")
        self.fifo_path = os.path.join(self.directory, "stderr")
        try:
            os.mkfifo(self.fifo_path, 0o600)
            # Opened before ssh starts, so ssh's open for writing does not block.
            fifo_fd = os.open(self.fifo_path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            shutil.rmtree(self.directory, ignore_errors=True)
            raise
        self.stderr = StderrReader(fifo_fd, self.recorder)
        self.child: pexpect.spawn | None = None
        self.fd = -1
        self.pending = bytearray()  # read from the terminal but not yet returned by recv
        self.wake_pipe: tuple[int, int] | None = None
        self.exit_reported = False

    @classmethod
    def open(cls, request: ConnectRequest, options: Options) -> SshTransport:
        """Start ssh and, with /auth=, log in; raise OSError when ssh cannot connect or log in."""
        settings = parse_settings(request, options)
        program = shutil.which("ssh")
        if program is None:
            raise FileNotFoundError(errno.ENOENT, "the OpenSSH client 'ssh' is not installed or not on PATH")
        transport = cls(settings, options)
        try:
            transport.start(program)
            LoginDriver(transport).run()
        except BaseException:
            transport.close()
            raise
        return transport

    def start(self, program: str) -> None:
        arguments = ssh_arguments(self.settings, self.options, self.control_path)
        environment = dict(os.environ)
        environment["TERM"] = "xterm"  # Tera Term's default terminal type
        # Prompts must come to the terminal, where the login driver types the answers.
        environment.pop("SSH_ASKPASS_REQUIRE", None)
        if self.settings.display:
            environment["DISPLAY"] = self.settings.display
        fifo_path = self.fifo_path

        def redirect_stderr() -> None:
            # Runs in the child after the terminal became its standard streams.
            stderr_fd = os.open(fifo_path, os.O_WRONLY)
            os.dup2(stderr_fd, 2)
            os.close(stderr_fd)

        self.recorder.event("run " + " ".join([program, *arguments]))
        try:
            self.child = pexpect.spawn(program, arguments, env=environment, dimensions=(24, 80),
                                       preexec_fn=redirect_stderr)
        except pexpect.ExceptionPexpect as exc:
            raise OSError(errno.ENOEXEC, f"cannot start {program}: {exc}") from None
        # ssh exits on the hangup that closing the terminal sends, so
        # pexpect's default pauses of 0.1 s before each signal are too long.
        self.child.ptyproc.delayafterclose = 0.05
        self.child.ptyproc.delayafterterminate = 0.05
        self.fd = self.child.child_fd

    # -- the Transport protocol ------------------------------------------------

    def fileno(self) -> int:
        # Bytes read ahead of the link are announced by a pipe that contains
        # one byte, because select() on the terminal cannot see them.
        if self.pending and self.wake_pipe is not None:
            return self.wake_pipe[0]
        return self.fd

    def recv(self) -> bytes:
        if self.pending:
            return self._take_pending()
        data = self.read_terminal()
        self.stderr.read_available()
        if not data:
            self._report_exit()
        return data

    def decode(self, raw: bytes) -> tuple[bytes, bytes]:
        return raw, b""

    def encode(self, data: bytes, *, text: bool) -> bytes:
        return data

    def write(self, data: memoryview) -> int:
        """Write to ssh's terminal, reading ahead while it is full so that neither side blocks."""
        while True:
            try:
                return os.write(self.fd, data)
            except BlockingIOError:
                pass
            except OSError as exc:
                if exc.errno == errno.EIO:
                    raise BrokenPipeError(errno.EPIPE, "ssh has exited") from None
                raise
            readable, _, _ = select.select([self.fd], [self.fd], [])
            if readable:
                chunk = self.read_terminal()
                if not chunk:
                    raise BrokenPipeError(errno.EPIPE, "ssh has exited")
                self.add_pending(chunk)

    def close(self) -> None:
        child = self.child
        if child is not None:
            try:
                child.close(force=True)
            except (OSError, pexpect.ExceptionPexpect) as exc:
                log.warning("stopping ssh (PID %s) failed: %s", child.pid, exc)
            self.child = None
        if self.wake_pipe is not None:
            for fd in self.wake_pipe:
                os.close(fd)
            self.wake_pipe = None
        if self.stderr.fd >= 0:
            os.close(self.stderr.fd)
            self.stderr.fd = -1
            self.stderr.closed = True
        shutil.rmtree(self.directory, ignore_errors=True)

    # -- helpers ---------------------------------------------------------------

    def read_terminal(self) -> bytes:
        """Read what ssh printed; b"" once ssh has exited (Linux reports EIO then)."""
        try:
            return os.read(self.fd, READ_SIZE)
        except OSError as exc:
            if exc.errno == errno.EIO:
                return b""
            raise

    def add_pending(self, data: bytes) -> None:
        """Keep terminal bytes for the next recv and make fileno() readable until then."""
        if not data:
            return
        if self.wake_pipe is None:
            self.wake_pipe = os.pipe()
        if not self.pending:
            os.write(self.wake_pipe[1], b"x")
        self.pending += data

    def _take_pending(self) -> bytes:
        data = bytes(self.pending)
        self.pending.clear()
        assert self.wake_pipe is not None
        os.read(self.wake_pipe[0], 1)
        return data

    def set_nonblocking(self) -> None:
        flags = fcntl.fcntl(self.fd, fcntl.F_GETFL)
        fcntl.fcntl(self.fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)

    def wait_for_exit(self) -> int | None:
        """Wait briefly for ssh to exit; return its exit status, or None when it is still running or was killed."""
        child = self.child
        if child is None:
            return None
        deadline = time.monotonic() + EXIT_GRACE
        while child.isalive() and time.monotonic() < deadline:
            time.sleep(0.02)
        self.stderr.wait_closed(deadline)
        if child.isalive():
            return None
        status: int | None = child.exitstatus
        return status

    def _report_exit(self) -> None:
        """Log why the session ended when ssh reports an error of its own (exit status 255)."""
        if self.exit_reported:
            return
        self.exit_reported = True
        status = self.wait_for_exit()
        self.recorder.event(f"exited with status {status}")
        if status == 255:
            reason = self.stderr.last_error() or "no message"
            log.warning("ssh to %s ended with an error: %s", self.peer, reason)

    def remote_spec(self, path: str) -> str:
        """Return scp's name for ``path`` on the SSH host, such as sshtest@[::1]:notes.txt."""
        host = f"[{self.settings.host}]" if ":" in self.settings.host else self.settings.host
        user = f"{self.settings.user}@" if self.settings.user else ""
        return f"{user}{host}:{path}"

    def copy_file(self, source: str, destination: str) -> None:
        """Run scp over this session's connection; raise OSError with scp's message on failure.

        ``source`` and ``destination`` are names as scp takes them: a local
        path, or a remote one from ``remote_spec``.
        """
        program = shutil.which("scp")
        if program is None:
            raise FileNotFoundError(errno.ENOENT, "the OpenSSH client 'scp' is not installed or not on PATH")
        if self.child is None or not self.child.isalive() or not os.path.exists(self.control_path):
            raise ConnectionError(errno.ENOTCONN, "the SSH session has ended")
        # -O: the scp protocol, which TTSSH speaks, instead of SFTP.
        # NOTE: scp clients older than OpenSSH 9.0 may not know -O and then fail.
        # BatchMode: no prompts, because only the session's connection may be used.
        arguments = [program, "-O", "-q", *common_ssh_options(self.settings, self.options, self.control_path),
                     "-o", "ControlMaster=no", "-o", "BatchMode=yes",
                     "-P", str(self.settings.port), "--", source, destination]
        self.recorder.event("run " + " ".join(arguments))
        completed = subprocess.run(arguments, stdin=subprocess.DEVNULL, capture_output=True)
        if completed.returncode != 0:
            lines = completed.stderr.decode("utf-8", "replace").strip().splitlines()
            message = lines[-1] if lines else f"scp exited with status {completed.returncode}"
            raise OSError(errno.EIO, message)


# -- logging in ----------------------------------------------------------------


class LoginDriver:
    """Drives ssh from its start until the macro takes over.

    With /auth= (auto-login) it answers the password, passphrase and
    keyboard-interactive prompts and returns once ssh reports that it is
    authenticated. Without /auth= it returns as soon as ssh prints
    something for the macro, which then answers the prompts itself. In both
    modes a host-key question (asked only by the ssh of a ProxyJump hop) is
    answered here: "yes" with --accept-new-host-keys, otherwise "no".
    """

    def __init__(self, transport: SshTransport):
        self.transport = transport
        self.settings = transport.settings
        self.stderr = transport.stderr
        self.recorder = transport.recorder
        self.auto = bool(transport.settings.method)
        self.text = b""  # terminal output since the last answered prompt
        self.answered: set[bytes] = set()
        self.rejected_host = ""  # the host of a host-key question answered "no"
        self.passphrase_sent = False
        self.last_output = time.monotonic()
        timeout = LOGIN_TIMEOUT + (self.settings.connect_timeout or 0)
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout

    def run(self) -> None:
        fd = self.transport.fd
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                self._fail(self._timeout_message())
            watched = [fd] if self.stderr.closed else [fd, self.stderr.fd]
            readable, _, _ = select.select(watched, [], [], min(remaining, 0.25))
            self.stderr.read_available()
            if self.stderr.authenticated:
                self._finish()
                return
            if fd in readable:
                if self._take_output():
                    return
            elif self.auto:
                self._check_stuck_prompt()

    def _take_output(self) -> bool:
        """Handle what ssh printed; return True when the macro takes over."""
        data = self.transport.read_terminal()
        if not data:
            self._fail(self._failure_reason())
        self.last_output = time.monotonic()
        self.stderr.read_available()
        if self.stderr.authenticated:
            # The session started between the two reads: the bytes are its output.
            self.transport.add_pending(data)
            self._finish()
            return True
        self.text += data
        if HOST_KEY_QUESTION.search(self.text):
            self._answer_host_key()
            return False
        if not self.auto:
            # NOTE: with several /ssh-J= hops, a later hop's host-key question
            # comes after this point and reaches the macro.
            self.transport.add_pending(self.text)
            self.transport.set_nonblocking()
            return True
        self._answer_prompt()
        return False

    def _answer_host_key(self) -> None:
        self.recorder.event("host key question: " + _last_lines(self.text))
        if self.transport.options.accept_new_host_keys:
            self._type(b"yes", "answered yes to the host key question (--accept-new-host-keys)")
        else:
            match = QUESTION_HOST.search(self.text)
            self.rejected_host = match.group(1).decode("utf-8", "replace") if match else self.settings.address
            self._type(b"no", "answered no to the host key question")

    def _answer_prompt(self) -> None:
        line = _last_line(self.text)
        if not ANY_PROMPT.search(line):
            return
        method = self.settings.method
        if PASSPHRASE_PROMPT.search(line):
            if method != "publickey":
                self._fail(f"ssh asked for a key passphrase, which /auth={method} does not send ({_quote(line)})")
            if not self.settings.secret:
                self._fail(f"the key needs a passphrase: give it with /passwd= ({_quote(line)})")
            self._type_secret(line, "passphrase")
        elif PASSWORD_PROMPT.search(line) or (method == "keyboard-interactive" and KBDINT_PROMPT.match(line)):
            if method == "publickey":
                hint = ("; a /ssh-J= hop takes its keys from the ssh configuration, not from /keyfile="
                        if self.settings.jump else "")
                self._fail(f"ssh asked for a password, which /auth=publickey does not send ({_quote(line)}){hint}")
            self._type_secret(line, "password")

    def _type_secret(self, prompt: bytes, what: str) -> None:
        key = prompt.strip()
        if key in self.answered:
            # The same prompt again: the server did not accept the answer.
            self._fail(self._rejected_message())
        self.answered.add(key)
        self.recorder.event(f"prompt {_quote(prompt)}")
        self._type(self.settings.secret, f"{what} sent")
        self.passphrase_sent = self.passphrase_sent or what == "passphrase"

    def _type(self, answer: bytes, event: str) -> None:
        """Type ``answer`` and Enter into ssh's prompt, past the link and its transcript."""
        data = answer + b"\r"
        while data:
            written = os.write(self.transport.fd, data)
            data = data[written:]
        self.recorder.event(event)
        self.text = b""

    def _check_stuck_prompt(self) -> None:
        line = _last_line(self.text)
        if line and ANY_PROMPT.search(line) and time.monotonic() - self.last_output > PROMPT_SETTLE:
            self._fail(f"ssh asked {_quote(line)}, which the /auth={self.settings.method} auto-login cannot answer")

    def _finish(self) -> None:
        """Wait until ssh has put the terminal in raw mode, so the macro's first send is not echoed locally."""
        transport = self.transport
        if not self.settings.no_session:
            deadline = time.monotonic() + RAW_MODE_TIMEOUT
            while time.monotonic() < deadline and _terminal_echoes(transport.fd):
                readable, _, _ = select.select([transport.fd], [], [], 0.01)
                if readable:
                    break
        transport.set_nonblocking()
        self.recorder.event(f"logged in to {self.settings.peer}" if self.auto else "authenticated")

    def _fail(self, reason: str) -> NoReturn:
        raise SshLoginError(reason)

    def _failure_reason(self) -> str:
        """Explain why ssh exited during the login, from its messages."""
        status = self.transport.wait_for_exit()
        stderr = self.stderr
        changed = stderr.find(CHANGED_HOST)
        if changed or stderr.has("HOST IDENTIFICATION HAS CHANGED"):
            address = changed or self.settings.address
            return (f"the host key of {address} differs from the one in known_hosts, so ttlrun stopped "
                    "(a changed host key is never accepted); if the change is expected, remove the old key "
                    f"with: ssh-keygen -R '{address}'")
        unknown = self.rejected_host or stderr.find(UNKNOWN_HOST)
        if unknown:
            return (f"the host key of {unknown} is not in known_hosts, so ttlrun did not trust it; "
                    "check its fingerprint (ssh-keyscan, ssh-keygen -lf) and rerun with "
                    "--accept-new-host-keys to add it")
        if stderr.has("Permission denied", "Too many authentication failures"):
            return self._rejected_message()
        message = stderr.last_error() or _last_lines(self.text).strip()
        if not message:
            message = f"ssh exited with status {status}" if status is not None else "ssh exited"
        return message if message.startswith("ssh: ") else f"ssh: {message}"

    def _rejected_message(self) -> str:
        user = self.settings.user or "the default user"
        detail = self.stderr.last_error()
        detail = f" (ssh: {detail})" if detail else ""
        method = self.settings.method
        if method == "password":
            return f"authentication failed: the server rejected the password for {user}{detail}"
        if method == "keyboard-interactive":
            return f"authentication failed: the server rejected the keyboard-interactive answer for {user}{detail}"
        if method == "publickey" and self.passphrase_sent:
            # ssh prompts for the passphrase only after the server accepted the
            # public key, unless the key has no .pub file beside it.
            key = self.settings.keyfile or "the key"
            return f"authentication failed: the passphrase given with /passwd= does not unlock {key}{detail}"
        if method == "publickey":
            key = self.settings.keyfile or "ssh's keys and agent"
            return f"authentication failed: the server rejected the public key ({key}) for {user}{detail}"
        return f"authentication failed for {user}{detail}"

    def _timeout_message(self) -> str:
        seen = _last_lines(self.text).strip()
        seen = f"; last output: {_quote(seen.encode())}" if seen else ""
        return f"ssh did not log in to {self.settings.peer} within {self.timeout:g} s{seen}"


def _terminal_echoes(fd: int) -> bool:
    """Return whether the terminal still echoes input, which ssh turns off in raw mode.

    On Linux the attributes read on the master side are the terminal's.
    NOTE: not checked on macOS. Where the master has attributes of its own,
    connect waits after each login until the session's first output arrives,
    at most RAW_MODE_TIMEOUT.
    """
    try:
        return bool(termios.tcgetattr(fd)[3] & termios.ECHO)
    except termios.error:
        return False


def _last_line(text: bytes) -> bytes:
    return text.rsplit(b"\n", 1)[-1].lstrip(b"\r")


def _last_lines(text: bytes) -> str:
    lines = [line.strip(b"\r") for line in text.split(b"\n") if line.strip(b"\r ")]
    return " / ".join(line.decode("utf-8", "replace") for line in lines[-4:])


def _quote(text: bytes) -> str:
    return '"' + text.decode("utf-8", "replace").strip() + '"'


register("ssh", SshTransport)
