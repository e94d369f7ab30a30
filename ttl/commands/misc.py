"""Miscellaneous commands: date and time, checksums, bit rotation, random
numbers, environment, external programs, local addresses, a headless
clipboard, ``ifdefined`` and ``beep``.

Behaviour follows Tera Term 5.7 (teraterm/ttpmacro/ttl.cpp and ttl_gui.cpp).
Where a command needs Windows (special folders, the clipboard, the system
clock), the headless replacement is described at the command.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import random as random_module
import re
import shlex
import socket
import subprocess
import sys
import time
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ttl.commands import Ref, command
from ttl.errors import MacroRuntimeError
from ttl.expressions import wrap
from ttl.keywords import KEYWORDS
from ttl.values import IntArray, StrArray

if TYPE_CHECKING:
    from ttl.machine import Machine


def _ensure_variable(m: Machine, target: Ref, kind: type) -> None:
    """Create ``target`` with the empty value of ``kind`` unless it exists.

    Tera Term creates an output variable while it reads the parameters, so a
    command that ends without storing still leaves a new variable behind.
    Storing into a variable of the other type raises the type mismatch.
    """
    try:
        current = target.get(m)
    except MacroRuntimeError:
        current = None
    if current.__class__ is not kind:
        target.set(m, 0 if kind is int else b"")


# -- date and time ---------------------------------------------------------

# Tera Term formats into a 512-byte buffer, so 511 bytes is the longest
# formatted text that getdate and gettime store.
_MAX_TIME_TEXT = 511

# Conversions that Tera Term accepts in a getdate or gettime format
# (IsValidStrftimeCode in teraterm/common/ttlib_static_cpp.cpp).
_TIME_CONVERSIONS = b"aAbBcdHIjmMpSUwWxXyYzZ%"

_WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def _current_time() -> float:
    """Return the current time in seconds since the epoch. Tests replace this function."""
    return time.time()


def _split_time_format(fmt: bytes) -> list[bytes | tuple[str, bool]] | None:
    """Split a format into literal bytes and (conversion, ``#`` flag) pairs.

    Returns None when Tera Term rejects the format: a conversion outside
    ``_TIME_CONVERSIONS`` or a ``%`` (or ``%#``) at the end.
    """
    parts: list[bytes | tuple[str, bool]] = []
    literal_start = 0
    i = 0
    while i < len(fmt):
        if fmt[i] != ord("%"):
            i += 1
            continue
        alternate = fmt[i + 1 : i + 2] == b"#" and i + 2 < len(fmt)
        position = i + 2 if alternate else i + 1
        conversion = fmt[position : position + 1]
        if not conversion or conversion not in _TIME_CONVERSIONS:
            return None
        if literal_start < i:
            parts.append(fmt[literal_start:i])
        parts.append((conversion.decode("ascii"), alternate))
        i = literal_start = position + 1
    if literal_start < len(fmt):
        parts.append(fmt[literal_start:])
    return parts


def _expand_time_format(fmt: bytes, moment: time.struct_time) -> bytes | None:
    """Format ``moment`` as Tera Term's strftime does, or return None for an invalid format.

    Tera Term never calls setlocale, so names and the ``%c``/``%x``/``%X``
    layouts are those of the C locale of the Microsoft C runtime.
    """
    parts = _split_time_format(fmt)
    if parts is None:
        return None
    out = bytearray()
    for part in parts:
        if isinstance(part, bytes):
            out += part
        else:
            out += _convert_time(*part, moment).encode("utf-8")
    return bytes(out)


def _convert_time(conversion: str, alternate: bool, moment: time.struct_time) -> str:
    """Expand one conversion. ``alternate`` is the ``#`` flag."""
    number = _time_number(conversion, moment)
    if number is not None:
        value, width = number
        # The # flag removes leading zeros from numbers.
        return str(value) if alternate else str(value).zfill(width)
    weekday = (moment.tm_wday + 1) % 7  # struct_time counts from Monday, C from Sunday
    if conversion == "a":
        return _WEEKDAYS[weekday][:3]
    if conversion == "A":
        return _WEEKDAYS[weekday]
    if conversion == "b":
        return _MONTHS[moment.tm_mon - 1][:3]
    if conversion == "B":
        return _MONTHS[moment.tm_mon - 1]
    if conversion == "p":
        return "AM" if moment.tm_hour < 12 else "PM"
    if conversion == "c":
        date = _long_date(moment) if alternate else _short_date(moment)
        return date + " " + _clock_time(moment)
    if conversion == "x":
        return _long_date(moment) if alternate else _short_date(moment)
    if conversion == "X":
        return _clock_time(moment)
    if conversion == "z":
        return _utc_offset(moment)
    if conversion == "Z":
        return moment.tm_zone or ""
    return "%"


def _time_number(conversion: str, moment: time.struct_time) -> tuple[int, int] | None:
    """Return (value, digits) for a numeric conversion, or None for the others."""
    weekday = (moment.tm_wday + 1) % 7
    day_of_year = moment.tm_yday - 1
    numbers = {
        "d": (moment.tm_mday, 2),
        "H": (moment.tm_hour, 2),
        "I": (moment.tm_hour % 12 or 12, 2),
        "j": (moment.tm_yday, 3),
        "m": (moment.tm_mon, 2),
        "M": (moment.tm_min, 2),
        "S": (moment.tm_sec, 2),
        # Week numbers as C defines them: days before the first Sunday
        # (U) or Monday (W) of the year are in week 0.
        "U": ((day_of_year + 7 - weekday) // 7, 2),
        "w": (weekday, 1),
        "W": ((day_of_year + 7 - (weekday + 6) % 7) // 7, 2),
        "y": (moment.tm_year % 100, 2),
        "Y": (moment.tm_year, 4),
    }
    return numbers.get(conversion)


def _short_date(moment: time.struct_time) -> str:
    return f"{moment.tm_mon:02d}/{moment.tm_mday:02d}/{moment.tm_year % 100:02d}"


def _long_date(moment: time.struct_time) -> str:
    # NOTE: the C locale's long date, "dddd, MMMM dd, yyyy", with the day
    # padded as the Microsoft C runtime sources show; not checked on Windows.
    weekday = _WEEKDAYS[(moment.tm_wday + 1) % 7]
    return f"{weekday}, {_MONTHS[moment.tm_mon - 1]} {moment.tm_mday:02d}, {moment.tm_year:04d}"


def _clock_time(moment: time.struct_time) -> str:
    return f"{moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d}"


def _utc_offset(moment: time.struct_time) -> str:
    """Return the offset from UTC as ``+hhmm`` or ``-hhmm`` (the Universal C runtime's %z)."""
    offset = moment.tm_gmtoff
    if offset is None:
        return ""
    sign = "-" if offset < 0 else "+"
    minutes = abs(offset) // 60
    return f"{sign}{minutes // 60:02d}{minutes % 60:02d}"


def _local_time(timezone: bytes | None) -> time.struct_time:
    """Return the local time now, in ``timezone`` (a TZ value) when one is given.

    TZ is set for this call only and restored afterwards. An empty
    ``timezone`` means the system's zone, as removing TZ does in Tera Term.
    """
    now = _current_time()
    if timezone is None:
        return time.localtime(now)
    saved = os.environ.get("TZ")
    try:
        if timezone:
            os.environ["TZ"] = os.fsdecode(timezone)
        else:
            os.environ.pop("TZ", None)
        time.tzset()
        return time.localtime(now)
    except ValueError:
        raise MacroRuntimeError(f"invalid time zone {timezone!r}: it must not contain a NUL byte") from None
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


def _store_time(m: Machine, target: Ref, default: bytes, fmt: bytes | None, timezone: bytes | None) -> None:
    """Store the time for getdate and gettime, which differ only in the default format."""
    if fmt is None:
        text = _expand_time_format(default, _local_time(None))
        assert text is not None
        target.set(m, text)
        return
    if _split_time_format(fmt) is None:
        _ensure_variable(m, target, bytes)
        m.set_result(2)
        return
    text = _expand_time_format(fmt, _local_time(timezone))
    assert text is not None
    if not text or len(text) > _MAX_TIME_TEXT:
        _ensure_variable(m, target, bytes)
        m.set_result(1)
        return
    target.set(m, text)
    m.set_result(0)


@command("getdate", "v s? s?")
def getdate(m: Machine, target: Ref, fmt: bytes | None = None, timezone: bytes | None = None) -> None:
    """Store the date as ``%Y-%m-%d``, or in ``fmt``.

    With ``fmt``, result is 0 on success, 1 for empty or too long text and 2
    for an invalid format.
    """
    _store_time(m, target, b"%Y-%m-%d", fmt, timezone)


@command("gettime", "v s? s?")
def gettime(m: Machine, target: Ref, fmt: bytes | None = None, timezone: bytes | None = None) -> None:
    """Store the time as ``%H:%M:%S``, or in ``fmt`` with the results of getdate."""
    _store_time(m, target, b"%H:%M:%S", fmt, timezone)


@command("setdate", "s")
def setdate(m: Machine, date: bytes) -> None:
    raise MacroRuntimeError(
        f"setdate {date.decode('utf-8', 'replace')!r}: ttlrun does not set the system clock; "
        "set it outside the macro (for example with timedatectl) or remove the setdate line"
    )


@command("settime", "s")
def settime(m: Machine, clock: bytes) -> None:
    raise MacroRuntimeError(
        f"settime {clock.decode('utf-8', 'replace')!r}: ttlrun does not set the system clock; "
        "set it outside the macro (for example with timedatectl) or remove the settime line"
    )


def _uptime_milliseconds() -> int:
    """Return the milliseconds since the system started.

    Reads /proc/uptime on Linux. Elsewhere time.monotonic() is used, which
    on macOS counts from boot but stops while the machine sleeps.
    """
    try:
        with open("/proc/uptime", "rb") as uptime_file:
            seconds = float(uptime_file.read().split()[0])
    except (OSError, ValueError, IndexError):
        seconds = time.monotonic()
    return int(seconds * 1000)


@command("uptime", "n")
def uptime(m: Machine, target: Ref) -> None:
    """Store the uptime in milliseconds as a 32-bit tick count, which wraps after 49.7 days."""
    target.set(m, wrap(_uptime_milliseconds()))


# -- numbers ---------------------------------------------------------------

_random_generator = random_module.Random()


@command("random", "n i")
def random(m: Machine, target: Ref, maximum: int) -> None:
    """Store a uniformly distributed integer from 0 to ``maximum`` inclusive."""
    if maximum <= 0:
        raise MacroRuntimeError(f"random: the maximum must be at least 1, not {maximum}")
    target.set(m, _random_generator.randint(0, maximum))


def _rotate_left(value: int, count: int) -> int:
    """Rotate a 32-bit value left. A negative count rotates right."""
    count %= 32
    bits = value & 0xFFFFFFFF
    return wrap(((bits << count) | (bits >> (32 - count))) & 0xFFFFFFFF)


@command("rotateleft", "n i i")
def rotateleft(m: Machine, target: Ref, value: int, count: int) -> None:
    target.set(m, _rotate_left(value, count))


@command("rotateright", "n i i")
def rotateright(m: Machine, target: Ref, value: int, count: int) -> None:
    target.set(m, _rotate_left(value, -count))


def _crc16_table() -> list[int]:
    table = []
    for byte in range(256):
        remainder = byte
        for _ in range(8):
            remainder = (remainder >> 1) ^ 0x8408 if remainder & 1 else remainder >> 1
        table.append(remainder)
    return table


_CRC16_TABLE = _crc16_table()


def _checksum(algorithm: str, chunks: Iterable[bytes]) -> int:
    """Compute ``algorithm`` over the bytes of ``chunks`` as an unsigned number.

    checksum8/16/32 are byte sums modulo 2**8/2**16/2**32. crc16 is
    CRC-16/X-25 (reflected polynomial 0x8408, initial value and final XOR
    0xFFFF). crc32 is the CRC-32 of zlib.
    """
    if algorithm == "crc32":
        crc = 0
        for chunk in chunks:
            crc = zlib.crc32(chunk, crc)
        return crc
    if algorithm == "crc16":
        remainder = 0xFFFF
        table = _CRC16_TABLE
        for chunk in chunks:
            for byte in chunk:
                remainder = (remainder >> 8) ^ table[(remainder ^ byte) & 0xFF]
        return remainder ^ 0xFFFF
    bits = {"checksum8": 8, "checksum16": 16, "checksum32": 32}[algorithm]
    return sum(sum(chunk) for chunk in chunks) & ((1 << bits) - 1)


def _read_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as source:
        while chunk := source.read(1 << 20):
            yield chunk


def _register_checksum(algorithm: str) -> None:
    """Register ``algorithm`` over a string and ``algorithm``file over a file."""

    def over_string(m: Machine, target: Ref, text: bytes) -> None:
        # An empty string stores nothing and leaves result alone, as in Tera Term.
        if not text:
            _ensure_variable(m, target, int)
            return
        target.set(m, wrap(_checksum(algorithm, [text])))

    def over_file(m: Machine, target: Ref, file_name: bytes) -> None:
        # An empty file name does nothing; result is not touched.
        if not file_name:
            _ensure_variable(m, target, int)
            return
        path = m.resolve_path(file_name)
        try:
            if path.stat().st_size == 0:
                # Tera Term maps the file into memory, which fails for an
                # empty file, so an empty file gives result -1 there too.
                raise OSError("the file is empty")
            value = _checksum(algorithm, _read_chunks(path))
        except OSError:
            _ensure_variable(m, target, int)
            m.set_result(-1)
            return
        target.set(m, wrap(value))
        m.set_result(0)

    over_string.__doc__ = f"Store the {algorithm} of a string; an empty string stores nothing."
    over_file.__doc__ = f"Store the {algorithm} of a file's bytes; result 0 ok, -1 missing, unreadable or empty."
    command(algorithm, "n s")(over_string)
    command(algorithm + "file", "n s")(over_file)


for _algorithm in ("checksum8", "checksum16", "checksum32", "crc16", "crc32"):
    _register_checksum(_algorithm)


# -- variables -------------------------------------------------------------

_TYPE_UNDEFINED = 0
_TYPE_INTEGER = 1
_TYPE_STRING = 3
_TYPE_LABEL = 4
_TYPE_INTEGER_ARRAY = 5
_TYPE_STRING_ARRAY = 6


def _value_type(value: Any) -> int:
    if isinstance(value, IntArray):
        return _TYPE_INTEGER_ARRAY
    if isinstance(value, StrArray):
        return _TYPE_STRING_ARRAY
    if value.__class__ is int:
        return _TYPE_INTEGER
    return _TYPE_STRING


def _name_type(m: Machine, name: str) -> int:
    """Return the type id of a bare name: a variable, a visible label or nothing."""
    if name in KEYWORDS:
        return _TYPE_UNDEFINED
    if name in m.vars:
        return _value_type(m.vars[name])
    programs = list(m.files)
    if m.program is not None and m.program not in programs:
        programs.append(m.program)
    # Labels of the running file and of the files that included it are visible.
    if any(name in program.labels for program in programs):
        return _TYPE_LABEL
    return _TYPE_UNDEFINED


def _element_type(m: Machine, name: str, index: int) -> int:
    """Return the type id of ``name[index]``: the element's type, or 0 when out of range."""
    value = m.vars.get(name)
    if isinstance(value, (IntArray, StrArray)):
        if not 0 <= index < len(value):
            return _TYPE_UNDEFINED
        return _TYPE_INTEGER if isinstance(value, IntArray) else _TYPE_STRING
    # Tera Term ignores the index after a name that is not an array.
    return _name_type(m, name)


@command("ifdefined", "q")
def ifdefined(m: Machine, target: str | tuple[str, int] | None) -> None:
    """Set result to the type id of a name: 0 undefined, 1 integer, 3 string, 4 label, 5/6 arrays.

    ``target`` is a lowercase name, a (name, index) pair for ``name[index]``,
    or None for a parameter that is not a name.
    """
    # TODO: the registry's "a" letter passes bare names only. Elements
    # (name[index]) and non-names need a parameter letter that passes them.
    if target is None:
        m.set_result(_TYPE_UNDEFINED)
    elif isinstance(target, tuple):
        m.set_result(_element_type(m, *target))
    else:
        m.set_result(_name_type(m, target))


# -- environment and programs ------------------------------------------------

# The version of Tera Term whose macro language ttlrun follows
# (TT_VERSION_MAJOR and TT_VERSION_MINOR in teraterm/common/tt-version.h).
TERA_TERM_VERSION = (5, 7)

_SCANF_VERSION = re.compile(rb"[ \t\n\v\f\r]*([+-]?[0-9]+)\.[ \t\n\v\f\r]*([+-]?[0-9]+)")


@command("getver", "v s?")
def getver(m: Machine, target: Ref, compare_to: bytes | None = None) -> None:
    """Store ``major.minor`` of Tera Term.

    With a version to compare, result is -1 when Tera Term is older, 0 when
    equal, 1 when newer and -2 for text that is not ``major.minor``.
    """
    major, minor = TERA_TERM_VERSION
    if compare_to is None:
        target.set(m, f"{major}.{minor}".encode("ascii"))
        return
    # Tera Term reads the version with sscanf("%d.%d"), so text after the
    # minor number is ignored and "5" alone is invalid.
    match = _SCANF_VERSION.match(compare_to)
    if match is None:
        _ensure_variable(m, target, bytes)
        m.set_result(-2)
        return
    target.set(m, f"{major}.{minor}".encode("ascii"))
    running = major * 10000 + minor
    requested = wrap(wrap(int(match.group(1))) * 10000 + wrap(int(match.group(2))))
    m.set_result((running > requested) - (running < requested))


@command("getttdir", "v")
def getttdir(m: Machine, target: Ref) -> None:
    """Store the directory of the ttl package in place of Tera Term's program directory, and set result 1."""
    target.set(m, os.fsencode(str(Path(__file__).resolve().parent.parent)))
    m.set_result(1)


@command("setenv", "s s")
def setenv(m: Machine, name: bytes, value: bytes) -> None:
    """Set an environment variable of ttlrun, which programs started by exec inherit.

    An empty value removes the variable, as _wputenv_s does on Windows.
    """
    if not name or b"=" in name or b"\0" in name or b"\0" in value:
        # Tera Term ignores the failure of _wputenv_s without a message.
        m.warn(f"setenv: invalid environment variable name or value {name!r}; nothing was set")
        return
    if value:
        os.environb[name] = value
    else:
        os.environb.pop(name, None)


_SHOW_MODES = (b"show", b"hide", b"minimize", b"maximize")

# Programs started by exec without waiting. Keeping them lets Python reap
# them when they end instead of warning that they are still running.
_background_processes: list[subprocess.Popen[bytes]] = []


@command("exec", "s s? i? s?")
def exec_(m: Machine, command_line: bytes, show: bytes = b"show", wait: int = 0, directory: bytes = b"") -> None:
    """Start a program without a shell and set result to 0, or -1 when it cannot start.

    With ``wait`` set, the macro waits and result is the exit code. The
    command line is split as a POSIX shell would split words, but no shell
    runs it. ``show`` is checked and then ignored, because no window opens.
    """
    if show.lower() not in _SHOW_MODES:
        raise MacroRuntimeError(
            f"exec: invalid window mode {show.decode('utf-8', 'replace')!r}: use show, hide, minimize or maximize"
        )
    if not command_line:
        raise MacroRuntimeError("exec: the command line is empty")
    try:
        arguments = shlex.split(os.fsdecode(command_line))
    except ValueError as error:
        m.warn(f"exec: cannot split the command line {command_line!r}: {error}")
        m.set_result(-1)
        return
    working_directory = m.resolve_path(directory) if directory else None
    try:
        if not arguments:
            raise OSError("the command line contains no program name")
        process = subprocess.Popen(arguments, cwd=working_directory)
    except (OSError, ValueError) as error:
        m.warn(f"exec: cannot start {command_line.decode('utf-8', 'replace')!r}: {error}")
        m.set_result(-1)
        return
    if wait:
        try:
            status = process.wait()
        except BaseException:
            # --timeout or Ctrl-C stopped the macro: do not leave the program running.
            process.kill()
            process.wait()
            raise
        # A program killed by signal N returns -N.
        m.set_result(wrap(status))
        return
    _background_processes[:] = [p for p in _background_processes if p.poll() is None]
    _background_processes.append(process)
    m.set_result(0)


# Tera Term's special folder names, in lowercase, with their spelling.
_SPECIAL_FOLDERS = {
    name.lower(): name
    for name in (
        "AllUsersDesktop", "AllUsersStartMenu", "AllUsersPrograms", "AllUsersStartup",
        "Desktop", "Favorites", "Fonts", "MyDocuments", "NetHood", "PrintHood",
        "Programs", "Recent", "SendTo", "StartMenu", "Startup", "Templates",
    )
}


def _xdg_base(variable: str, default: str) -> Path:
    """Return an XDG base directory, ignoring a relative value as the XDG Base Directory specification requires."""
    value = os.environ.get(variable, "")
    return Path(value) if os.path.isabs(value) else Path.home() / default


def _xdg_user_dir(key: str, default: str) -> Path:
    """Return a directory from user-dirs.dirs (for example XDG_DESKTOP_DIR), else ``~/default``."""
    home = Path.home()
    config = _xdg_base("XDG_CONFIG_HOME", ".config") / "user-dirs.dirs"
    try:
        lines = config.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        match = re.fullmatch(rf'\s*XDG_{key}_DIR="(.*)"\s*', line)
        if match is None:
            continue
        value = match.group(1)
        if value.startswith("$HOME"):
            return Path(str(home) + value[len("$HOME"):])
        if os.path.isabs(value):
            return Path(value)
    return home / default


def _special_folder(name: str) -> Path | None:
    """Return the Linux or macOS counterpart of a Windows special folder, or None.

    Favorites, NetHood, PrintHood, Recent, SendTo and AllUsersDesktop have
    no counterpart and give None.
    """
    home = Path.home()
    if name == "Desktop":
        return _xdg_user_dir("DESKTOP", "Desktop")
    if name == "MyDocuments":
        return _xdg_user_dir("DOCUMENTS", "Documents")
    if sys.platform == "darwin":
        macos = {
            "Fonts": home / "Library" / "Fonts",
            "Programs": home / "Applications",
            "StartMenu": home / "Applications",
            "Startup": home / "Library" / "LaunchAgents",
            "AllUsersPrograms": Path("/Applications"),
            "AllUsersStartMenu": Path("/Applications"),
            "AllUsersStartup": Path("/Library/LaunchAgents"),
        }
        return macos.get(name)
    if name == "Templates":
        return _xdg_user_dir("TEMPLATES", "Templates")
    data = _xdg_base("XDG_DATA_HOME", ".local/share")
    linux = {
        "Fonts": data / "fonts",
        "Programs": data / "applications",
        "StartMenu": data / "applications",
        "Startup": _xdg_base("XDG_CONFIG_HOME", ".config") / "autostart",
        "AllUsersPrograms": Path("/usr/share/applications"),
        "AllUsersStartMenu": Path("/usr/share/applications"),
        "AllUsersStartup": Path("/etc/xdg/autostart"),
    }
    return linux.get(name)


@command("getspecialfolder", "v s")
def getspecialfolder(m: Machine, target: Ref, folder_type: bytes) -> None:
    """Store the folder that replaces a Windows special folder and set result 1, or store "" and set 0 without one."""
    name = _SPECIAL_FOLDERS.get(folder_type.decode("ascii", "replace").lower())
    folder = _special_folder(name) if name is not None else None
    if folder is None:
        target.set(m, b"")
        m.set_result(0)
        return
    target.set(m, os.fsencode(str(folder)))
    m.set_result(1)


# -- local addresses -----------------------------------------------------------

_IFF_UP = 0x1
_IFF_LOOPBACK = 0x8


class _InterfaceAddress(ctypes.Structure):
    """``struct ifaddrs``, which has the same layout on Linux and macOS."""


_InterfaceAddress._fields_ = [
    ("ifa_next", ctypes.POINTER(_InterfaceAddress)),
    ("ifa_name", ctypes.c_char_p),
    ("ifa_flags", ctypes.c_uint),
    ("ifa_addr", ctypes.c_void_p),
    ("ifa_netmask", ctypes.c_void_p),
    ("ifa_dstaddr", ctypes.c_void_p),
    ("ifa_data", ctypes.c_void_p),
]


def _socket_family(address: int) -> int:
    # BSD and macOS start struct sockaddr with a length byte, but Linux does not.
    if sys.platform.startswith(("darwin", "freebsd", "openbsd", "netbsd")):
        return ctypes.c_uint8.from_address(address + 1).value
    return ctypes.c_uint16.from_address(address).value


def _interface_addresses() -> list[tuple[int, int, bytes]]:
    """Return (flags, family, packed address) of every local IPv4 and IPv6 address.

    Uses getifaddrs(3), which reads the kernel's interface table and sends
    nothing on the network. Raises OSError when getifaddrs fails.
    """
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    head = ctypes.POINTER(_InterfaceAddress)()
    if libc.getifaddrs(ctypes.byref(head)) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))
    found: list[tuple[int, int, bytes]] = []
    try:
        entry = head
        while entry:
            item = entry.contents
            if item.ifa_addr:
                family = _socket_family(item.ifa_addr)
                # sin_addr is at offset 4 of sockaddr_in, sin6_addr at 8 of sockaddr_in6.
                if family == socket.AF_INET:
                    found.append((item.ifa_flags, family, ctypes.string_at(item.ifa_addr + 4, 4)))
                elif family == socket.AF_INET6:
                    found.append((item.ifa_flags, family, ctypes.string_at(item.ifa_addr + 8, 16)))
            entry = item.ifa_next
    finally:
        libc.freeifaddrs(head)
    return found


def _ipv4_texts(addresses: list[tuple[int, int, bytes]]) -> list[bytes]:
    """Select IPv4 addresses of interfaces that are up and not loopback, as Tera Term does."""
    return [
        socket.inet_ntoa(packed).encode("ascii")
        for flags, family, packed in addresses
        if family == socket.AF_INET and flags & _IFF_UP and not flags & _IFF_LOOPBACK
    ]


def _ipv6_text(packed: bytes) -> bytes:
    """Write an IPv6 address as 8 groups of 4 lowercase hex digits, never shortened."""
    return b":".join(packed[i : i + 2].hex().encode("ascii") for i in range(0, 16, 2))


def _ipv6_texts(addresses: list[tuple[int, int, bytes]]) -> list[bytes]:
    """Select IPv6 addresses that could appear in DNS: no loopback, link-local or multicast.

    Tera Term lists the addresses that Windows marks DNS-eligible, which
    excludes ::1 and fe80::/10.
    """
    texts = []
    for _flags, family, packed in addresses:
        if family != socket.AF_INET6:
            continue
        if packed == bytes(15) + b"\1" or packed[0] == 0xFF:
            continue
        if packed[0] == 0xFE and packed[1] & 0xC0 == 0x80:
            continue
        texts.append(_ipv6_text(packed))
    return texts


def _store_addresses(m: Machine, command_name: str, array_name: str, count: Ref, version: int) -> None:
    array = m.vars.get(array_name)
    if not isinstance(array, StrArray):
        raise MacroRuntimeError(
            f"{command_name}: '{array_name}' must be a string array: "
            f"declare it first, for example strdim {array_name} 10"
        )
    try:
        addresses = _interface_addresses()
    except (OSError, AttributeError) as error:
        m.warn(f"{command_name}: cannot list the local addresses: {error}")
        m.set_result(-1)
        count.set(m, 0)
        return
    texts = _ipv4_texts(addresses) if version == 4 else _ipv6_texts(addresses)
    for index, text in enumerate(texts[: len(array)]):
        array[index] = text
    m.set_result(1 if len(texts) <= len(array) else 0)
    count.set(m, wrap(len(texts)))


@command("getipv4addr", "a n")
def getipv4addr(m: Machine, array_name: str, count: Ref) -> None:
    """Store the local IPv4 addresses.

    result is 1 when all fit, 0 when the array is too small (``count`` is
    still the total) and -1 on failure.
    """
    _store_addresses(m, "getipv4addr", array_name, count, 4)


@command("getipv6addr", "a n")
def getipv6addr(m: Machine, array_name: str, count: Ref) -> None:
    """Store the local IPv6 addresses, unshortened, with the results of getipv4addr."""
    _store_addresses(m, "getipv6addr", array_name, count, 6)


# -- clipboard -----------------------------------------------------------------

# A clipboard for this process only: ttlrun runs without a desktop, so
# var2clipb and clipb2var exchange text here and not with the system.
_clipboard_text: bytes | None = None


@command("clipb2var", "v i?")
def clipb2var(m: Machine, target: Ref, offset: int = 0) -> None:
    """Store the clipboard text and set result 1, or 0 without text or for an offset past the end.

    Tera Term hands out the text in 511-byte pieces, with ``offset`` as the
    piece number and result 2 while more pieces follow. ttlrun does not cut
    strings, so offset 0 returns the whole text and every other offset is
    past the end.
    """
    if offset == 0 and _clipboard_text:
        target.set(m, _clipboard_text)
        m.set_result(1)
        return
    _ensure_variable(m, target, bytes)
    m.set_result(0)


@command("var2clipb", "s")
def var2clipb(m: Machine, text: bytes) -> None:
    """Put text on ttlrun's own clipboard and set result 1."""
    global _clipboard_text
    _clipboard_text = text
    m.set_result(1)


# -- sound -------------------------------------------------------------------------


@command("beep", "i?")
def beep(m: Machine, sound: int = 5) -> None:
    """Ring the terminal bell: write BEL to standard error when it is a terminal.

    Tera Term plays one of five Windows sounds (0 to 5), but here all of them ring the bell.
    """
    if not 0 <= sound <= 5:
        raise MacroRuntimeError(f"beep: invalid sound {sound}: use 0 to 5")
    stream = sys.stderr
    if stream is not None and stream.isatty():
        stream.write("\a")
        stream.flush()
