"""Parsing the Tera Term command line that ``connect`` takes.

The forms are those of Tera Term 5 (``_ParseParam`` in ttpset/ttset.c)
and TTSSH (``TTXParseParam`` in ttssh2/ttxssh/ttxssh.c): ``host``,
``host:port``, ``host port``, ``[v6addr]:port``, ``user@host``,
``telnet://`` and ``ssh://`` URLs, and ``/`` options. Tera Term option
names are case-insensitive; TTSSH option names are lowercase only.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from urllib.parse import unquote

DEFAULT_PORT = 23  # Tera Term's TCPPort when the INI file leaves it empty
SERIAL_OPTIONS = frozenset(
    ["BAUD", "SPEED", "CDATABIT", "CPARITY", "CSTOPBIT", "CFLOWCTRL", "CDELAYPERCHAR", "CDELAYPERLINE"]
)
SSH_PORT = 22
TELNET_PORT = 23


class ConnectLineError(ValueError):
    """The connect string cannot be understood."""


class NoHostError(ConnectLineError):
    """The connect string names no host (Tera Term would show its New Connection dialog)."""


@dataclass
class ConnectRequest:
    """The protocol, host, port and options that a ``connect`` command line names."""

    protocol: str = ""  # "raw", "telnet", "ssh" or "serial"
    host: str = ""
    port: int | None = None
    user: str = ""
    password: str = ""
    serial_port: str = ""
    family: int = 0  # socket.AF_INET / AF_INET6, or 0 for either
    connect_timeout: float | None = None
    options: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.protocol == "serial":
            return f"serial {self.serial_port}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.protocol} {host}:{self.port}"


def split_words(text: str) -> list[str]:
    """Split a command line at blanks; ``"..."`` quotes (``""`` is a quote) and ``;`` starts a comment."""
    words: list[str] = []
    current: list[str] = []
    in_word = False
    quoted = False
    i = 0
    while i < len(text):
        char = text[i]
        if quoted:
            if char == '"':
                if text[i + 1 : i + 2] == '"':
                    current.append('"')
                    i += 1
                else:
                    quoted = False
            else:
                current.append(char)
        elif char in " \t":
            if in_word:
                words.append("".join(current))
                current = []
                in_word = False
        elif char == ";":
            break
        elif char == '"':
            quoted = True
            in_word = True
        else:
            current.append(char)
            in_word = True
        i += 1
    if quoted:
        raise ConnectLineError('a quoted value has no closing "')
    if in_word:
        words.append("".join(current))
    return words


def _port(value: str) -> int:
    if value.isdigit():
        port = int(value)
        if 0 < port < 65536:
            return port
        raise ConnectLineError(f"port {value} is out of range 1-65535")
    try:
        return socket.getservbyname(value, "tcp")
    except OSError:
        raise ConnectLineError(f"unknown port or service name '{value}'") from None


def _parse_host(word: str, request: ConnectRequest, flags: set[str]) -> None:
    lower = word.lower()
    for scheme, kind in (("telnet://", "telnet"), ("tn3270://", "telnet"), ("ssh://", "ssh"),
                         ("ssh1://", "ssh"), ("ssh2://", "ssh"), ("slogin://", "ssh"),
                         ("slogin1://", "ssh"), ("slogin2://", "ssh")):
        if lower.startswith(scheme):
            flags.add(kind)
            if scheme in ("ssh1://", "slogin1://"):
                request.options["ssh-version"] = "1"
            rest = word[len(scheme):].rstrip("/")
            if "@" in rest:
                userinfo, rest = rest.rsplit("@", 1)
                user, _, password = userinfo.partition(":")
                request.user = unquote(user)
                request.password = unquote(password)
            word = rest
            if request.port is None:
                request.port = SSH_PORT if kind == "ssh" else TELNET_PORT
            break
    else:
        if "@" in word:
            request.user, word = word.rsplit("@", 1)
    if word.startswith("["):
        end = word.find("]")
        if end < 0:
            raise ConnectLineError(f"IPv6 address '{word}' has no closing ]")
        request.host = word[1:end]
        tail = word[end + 1 :]
        if tail.startswith(":") and tail[1:]:
            request.port = _port(tail[1:])
        elif tail:
            raise ConnectLineError(f"unexpected text after the IPv6 address: '{tail}'")
        return
    if word.count(":") == 1:
        host, _, port = word.partition(":")
        request.host = host
        if port:
            request.port = _port(port)
        return
    request.host = word  # a name, an IPv4 address, or a bare IPv6 address


def parse_connect(text: str) -> ConnectRequest:
    """Parse a connect string and decide the protocol.

    Flags decide the protocol: SSH options or an ``ssh://`` URL mean SSH;
    ``/telnet``, ``/T=1`` or ``telnet://`` mean telnet; ``/T=0`` means raw
    TCP; ``/C=n`` means a serial port. Without flags port 22 means SSH,
    port 23 telnet and any other port raw TCP.
    """
    request = ConnectRequest()
    flags: set[str] = set()
    words = split_words(text)
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word.startswith(("/", "-")) and len(word) > 1:
            _parse_option(word, request, flags)
            continue
        if request.host:
            if word.isdigit() and request.port is None:
                request.port = _port(word)
                continue
            raise ConnectLineError(f"unexpected '{word}': the host is already '{request.host}'")
        _parse_host(word, request, flags)

    if "serial" in flags or ("serial settings" in flags and not request.host):
        request.protocol = "serial"
        request.serial_port = request.serial_port or "1"
        return request
    if not request.host:
        raise NoHostError("no host name: give one, such as '127.0.0.1:2525'")
    if "ssh" in flags and "nossh" not in flags:
        request.protocol = "ssh"
    elif "telnet" in flags:
        request.protocol = "telnet"
    elif "raw" in flags:
        request.protocol = "raw"
    else:
        port = request.port if request.port is not None else DEFAULT_PORT
        request.protocol = {SSH_PORT: "ssh" if "nossh" not in flags else "raw", TELNET_PORT: "telnet"}.get(port, "raw")
    if request.port is None:
        request.port = SSH_PORT if request.protocol == "ssh" else DEFAULT_PORT
    return request


def _parse_option(word: str, request: ConnectRequest, flags: set[str]) -> None:
    body = word[1:]
    name, has_value, value = body.partition("=")
    upper = name.upper()
    # TTSSH options: lowercase only, as TTSSH compares them case-sensitively.
    if name in ("ssh", "ssh1", "ssh2") or name.startswith("ssh-"):
        if name.startswith("ssh-"):
            request.options[name] = value if has_value else ""
        else:
            flags.add("ssh")
            if name == "ssh1":
                request.options["ssh-version"] = "1"
        return
    if name == "t" and has_value:
        if value == "2":
            flags.add("ssh")
        else:
            flags.add("nossh")
            flags.add("telnet" if value == "1" else "raw")
        return
    if name == "nossh":
        flags.add("nossh")
        return
    if name == "telnet":
        flags.add("nossh")
        flags.add("telnet")
        return
    if name in ("1", "2"):
        request.options["ssh-version"] = name
        return
    if name in ("auth", "user", "passwd", "keyfile") and has_value:
        request.options[name] = value
        if name == "user":
            request.user = value
        elif name == "passwd":
            request.password = value
        return
    if name in ("ask4passwd", "nosecuritywarning"):
        request.options[name] = ""
        return
    # Tera Term options: case-insensitive.
    if upper == "T" and has_value:
        flags.add("telnet" if value == "1" else "raw")
        return
    if upper == "P" and has_value:
        request.port = _port(value)
        return
    if upper == "C" and has_value:
        flags.add("serial")
        request.serial_port = value
        return
    if upper in SERIAL_OPTIONS and has_value:
        # Serial settings alone select a serial connection (COM1 by default).
        flags.add("serial settings")
        request.options[upper] = value
        return
    if upper == "4":
        request.family = socket.AF_INET
        return
    if upper == "6":
        request.family = socket.AF_INET6
        return
    if upper == "TIMEOUT" and has_value:
        if not value.isdigit():
            raise ConnectLineError(f"/TIMEOUT= needs a number of seconds, not '{value}'")
        request.connect_timeout = float(value) or None
        return
    if has_value:
        request.options[upper] = value
    else:
        request.options[upper] = ""
    request.ignored.append(word)
