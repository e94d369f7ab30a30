"""Serial ports through pyserial: ``connect '/C=n ...'``.

Port names
    The text after ``/C=`` names the port in one of three ways:

    - ``n`` or ``COMn`` (1-256, Tera Term's default MaxComPort): the COM port
      n. The environment variable ``TTLRUN_COMn`` names its device when set,
      so ``TTLRUN_COM3=/dev/ttyUSB0`` makes ``/C=3`` a USB adapter. Without
      it Linux uses ``/dev/ttyS<n-1>`` (COM1 is ``/dev/ttyS0``). macOS and
      other systems have no fixed numbering (a USB adapter appears as
      ``/dev/cu.usbserial-<id>``), so there the variable is required.
    - A path that starts with ``/`` or ``.``: that device, such as
      ``/C=/dev/ttyUSB0``, ``/C=/dev/serial/by-id/usb-FTDI_...`` or
      ``/C=/dev/cu.usbserial-1420``.
    - A pyserial URL (text with ``://``): ``loop://`` (echoes what is sent),
      ``rfc2217://127.0.0.1:2217``, ``socket://host:port`` or
      ``spy:///dev/ttyUSB0?file=trace.txt``.

    A device is opened for exclusive use (flock), as Windows opens a COM port.

Line settings
    ``/BAUD=`` or ``/SPEED=`` (bits per second), ``/CDATABIT=7|8``,
    ``/CPARITY=none|odd|even|mark|space``, ``/CSTOPBIT=1|1.5|2`` and
    ``/CFLOWCTRL=x|hard|rtscts|none|dsrdtr``; values are case-insensitive.
    The defaults are those of Tera Term 5's shipped TERATERM.INI: 9600 bit/s,
    8 data bits, no parity, 1 stop bit, no flow control, DTR and RTS on.
    A device that rejects a setting fails the connect (result 1). A device
    that accepts it but keeps other framing, as a Linux PTY keeps 8N1, gets
    a logged warning. POSIX has no 1.5 stop bits (pyserial sets 2) and no
    DSR/DTR flow control (``dsrdtr`` only keeps pyserial from driving DTR).

Transmit delays
    ``/CDELAYPERCHAR=ms`` and ``/CDELAYPERLINE=ms`` (0-65535, default 0) pace
    every write as Tera Term's CommSend does: with a per-line delay, data
    goes out up to each line end (CR, or LF when ``--newline`` is crlf or lf)
    and the next write waits the per-line delay; with a per-character delay
    each byte goes out alone and the next waits that delay. When both are
    set, each byte goes alone and a line end waits the per-line delay.

A device that disappears (a USB adapter unplugged, the far end of a PTY
pair closed) reads as end of file, so a wait ends with result 0, and a
write to it raises ``BrokenPipeError``; the link reports either as an
error on the next send. A write that the device takes no byte of for the
stall time (at least 10 s) raises LinkError instead of hanging.
"""

from __future__ import annotations

import errno
import importlib
import logging
import os
import select
import sys
import termios
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ttl.errors import LinkError, MacroRuntimeError
from ttl.transports import register

if TYPE_CHECKING:
    from ttl.connect_line import ConnectRequest
    from ttl.machine import Options

# pyserial is a dependency. Without it, connect raises an error that gives the install command.
pyserial: Any
try:
    pyserial = importlib.import_module("serial")
except ImportError:
    pyserial = None

log = logging.getLogger(__name__)

READ_SIZE = 65536
MAX_COM_PORT = 256  # Tera Term's MaxComPort default
MAX_DELAY_MS = 65535  # Tera Term keeps the delays in a 16-bit WORD
DEFAULT_BAUD = 9600
ENV_PREFIX = "TTLRUN_COM"

# Duration of the break that sendbreak sends: Tera Term's SendBreakTime,
# 1000 ms in the code default and in the shipped TERATERM.INI.
BREAK_SECONDS = 1.0

# A URL port has no file descriptor, so a thread reads it. Each read waits
# at most this long, so close() waits about as long for the thread to end.
THREAD_READ_TIMEOUT = 0.1

# /CFLOWCTRL= values and the flow control each selects.
FLOW_NAMES = {"x": "x", "hard": "hard", "rtscts": "hard", "none": "none", "dsrdtr": "dsrdtr"}
FLOW_DESCRIPTIONS = {"x": "XON/XOFF", "hard": "RTS/CTS", "dsrdtr": "DSR/DTR"}
PARITY_NAMES = {"none": "N", "odd": "O", "even": "E", "mark": "M", "space": "S"}
STOP_BIT_NAMES = {"1": 1, "1.5": 1.5, "2": 2}
DATA_BIT_NAMES = {"7": 7, "8": 8}

# getmodemstatus bits, as Tera Term maps MS_CTS_ON etc.
MODEM_CTS = 1
MODEM_DSR = 2
MODEM_RING = 4
MODEM_RLSD = 8

# errno values that mean the device itself is gone, not a passing condition.
GONE_ERRNOS = {errno.EIO, errno.ENXIO, errno.ENODEV, errno.EBADF, errno.EPIPE}


# Exceptions that pyserial raises for a port or setting that does not work:
# SerialException (an OSError), socket errors, ValueError for a value the
# platform lacks (mark parity on macOS) and termios.error from tcsetattr.
PORT_ERRORS = (OSError, ValueError, termios.error)


class SerialSettingError(OSError):
    """A line setting that the device rejected. The message names the setting."""


@dataclass
class LineSettings:
    """Speed, framing, flow control and transmit delays of a serial line."""

    baudrate: int = DEFAULT_BAUD
    bytesize: int = 8
    parity: str = "N"  # pyserial's letter: N O E M S
    stopbits: float = 1
    flow: str = "none"  # "none", "x" (XON/XOFF), "hard" (RTS/CTS) or "dsrdtr"
    delay_per_char: int = 0  # milliseconds
    delay_per_line: int = 0  # milliseconds

    def pyserial_settings(self) -> dict[str, Any]:
        """Return the settings as pyserial's keyword arguments."""
        return {
            "baudrate": self.baudrate,
            "bytesize": self.bytesize,
            "parity": self.parity,
            "stopbits": self.stopbits,
            "xonxoff": self.flow == "x",
            "rtscts": self.flow == "hard",
            "dsrdtr": self.flow == "dsrdtr",
        }

    def describe(self) -> str:
        """Return the settings in the usual short form, such as ``9600 8N1``."""
        stop = "1.5" if self.stopbits == 1.5 else str(int(self.stopbits))
        return f"{self.baudrate} {self.bytesize}{self.parity}{stop}"


# -- the connect line --------------------------------------------------------


def _choice(options: Mapping[str, str], name: str, choices: Mapping[str, Any]) -> Any | None:
    value = options.get(name)
    if value is None:
        return None
    key = value.lower()
    if key not in choices:
        raise MacroRuntimeError(f"connect: invalid /{name}={value}; use one of {'|'.join(choices)}")
    return choices[key]


def _number(options: Mapping[str, str], name: str, low: int, high: int, unit: str) -> int | None:
    value = options.get(name)
    if value is None:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise MacroRuntimeError(f"connect: invalid /{name}={value}; give {unit} from {low} to {high}")
    return int(value)


def _baud_option(options: Mapping[str, str]) -> int | None:
    # /BAUD= and /SPEED= are the same option; the one written last wins, as
    # Tera Term reads the command line from left to right.
    names = [name for name in options if name in ("BAUD", "SPEED")]
    if not names:
        return None
    return _number(options, names[-1], 1, 2**31 - 1, "bits per second")


def parse_line_settings(options: Mapping[str, str]) -> LineSettings:
    """Read the serial options of a connect line; raise MacroRuntimeError for an invalid value."""
    settings = LineSettings()
    baud = _baud_option(options)
    if baud is not None:
        settings.baudrate = baud
    bytesize = _choice(options, "CDATABIT", DATA_BIT_NAMES)
    if bytesize is not None:
        settings.bytesize = bytesize
    parity = _choice(options, "CPARITY", PARITY_NAMES)
    if parity is not None:
        settings.parity = parity
    stopbits = _choice(options, "CSTOPBIT", STOP_BIT_NAMES)
    if stopbits is not None:
        settings.stopbits = stopbits
    flow = _choice(options, "CFLOWCTRL", FLOW_NAMES)
    if flow is not None:
        settings.flow = flow
    per_char = _number(options, "CDELAYPERCHAR", 0, MAX_DELAY_MS, "milliseconds")
    if per_char is not None:
        settings.delay_per_char = per_char
    per_line = _number(options, "CDELAYPERLINE", 0, MAX_DELAY_MS, "milliseconds")
    if per_line is not None:
        settings.delay_per_line = per_line
    return settings


@dataclass(frozen=True)
class PortName:
    """A ``/C=`` value resolved to a device path or pyserial URL, with a label for messages."""

    target: str  # what pyserial opens
    label: str  # for messages and the transcript, such as "COM1 (/dev/ttyS0)"
    com_number: int | None = None  # n for /C=n and /C=COMn
    is_url: bool = False


def resolve_port(value: str, environ: Mapping[str, str] | None = None, platform: str | None = None) -> PortName:
    """Turn the text after ``/C=`` into a device path or URL; raise MacroRuntimeError when it names nothing."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform

    if "://" in value:
        return PortName(value, value, is_url=True)
    if value.startswith(("/", ".")):
        return PortName(value, value)
    digits = value[3:] if value[:3].upper() == "COM" else value
    if not digits.isdigit() or not 1 <= int(digits) <= MAX_COM_PORT:
        raise MacroRuntimeError(
            f"connect: invalid serial port /C={value}; give a COM port number from 1 to {MAX_COM_PORT}, "
            "a device path such as /C=/dev/ttyUSB0, or a pyserial URL such as /C=loop://",
        )

    number = int(digits)
    name = f"COM{number}"
    mapped = environ.get(f"{ENV_PREFIX}{number}", "")
    if mapped:
        inner = resolve_port(mapped, {}, platform) if ("://" in mapped or mapped.startswith(("/", "."))) else None
        if inner is None:
            raise MacroRuntimeError(
                f"connect: {ENV_PREFIX}{number}={mapped} is not a device path or pyserial URL; "
                "set it to a path such as /dev/ttyUSB0",
            )
        return PortName(inner.target, f"{name} ({inner.target})", number, inner.is_url)

    if platform.startswith("linux"):
        device = f"/dev/ttyS{number - 1}"
        return PortName(device, f"{name} ({device})", number)
    raise MacroRuntimeError(
        f"connect: no device for {name} on this system; set {ENV_PREFIX}{number} to the device, "
        "such as /dev/cu.usbserial-1420, or give the path with /C=",
    )


# -- reading ports without a file descriptor ---------------------------------


class _ThreadedReader:
    """Copies what a pyserial URL port receives into a pipe that select() can watch.

    The pipe's write end is closed when the port fails or closes, so the
    link reads end of file.
    """

    def __init__(self, port: Any, label: str):
        self.port = port
        self.label = label
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"serial reader {label}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while not self.stopping.is_set():
                waiting = self.port.in_waiting
                data = self.port.read(max(1, min(waiting, READ_SIZE)))
                view = memoryview(data)
                while view:
                    written = os.write(self.write_fd, view)
                    view = view[written:]
        except Exception as exc:  # noqa: BLE001 - any failure of the port ends the stream
            if not self.stopping.is_set():
                log.info("serial port %s stopped delivering data: %s", self.label, exc)
        finally:
            os.close(self.write_fd)

    def close(self) -> None:
        """Stop the thread; the caller closes the port, which ends a read in progress."""
        self.stopping.set()
        # Closing the read end makes a blocked os.write in the thread fail.
        os.close(self.read_fd)

    def join(self) -> None:
        self.thread.join(THREAD_READ_TIMEOUT * 20)


# -- the transport -----------------------------------------------------------


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    args: tuple[Any, ...] = exc.args
    # termios.error carries (errno, text).
    if len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], str):
        return args[1]
    return str(exc)


def _error_number(exc: BaseException) -> int | None:
    number = getattr(exc, "errno", None)
    if isinstance(number, int):
        return number
    args: tuple[Any, ...] = exc.args
    if args and isinstance(args[0], int):
        return args[0]
    return None


class SerialTransport:
    """A serial port opened with pyserial: bytes go out and come in unchanged.

    Besides the Transport interface it carries the serial commands:
    ``set_baudrate``, ``set_flow_control``, ``set_dtr``, ``set_rts``,
    ``modem_status``, ``set_delays`` and ``send_break``.
    """

    kind = "serial"
    # Tera Term's default Transmit newline (CRSend=CR in TERATERM.INI).
    default_newline = b"\r"

    def __init__(self, port: Any, name: PortName, settings: LineSettings, line_end: bytes):
        self.port = port
        self.name = name
        self.peer = name.label
        self.settings = settings
        self.line_end = line_end  # the byte that ends a line for the per-line delay
        self.ready_at = 0.0  # time.monotonic() before which the next write waits
        self.device_gone = False
        self.closed = False
        self.reader: _ThreadedReader | None = None
        if type(port) is pyserial.Serial and getattr(port, "fd", None) is not None:
            self.fd: int = port.fd
        else:
            self.reader = _ThreadedReader(port, name.label)
            self.fd = self.reader.read_fd

    @classmethod
    def open(cls, request: ConnectRequest, options: Options) -> SerialTransport:
        """Open the port of ``request`` with its line settings; raise OSError when that fails."""
        if pyserial is None:
            raise MacroRuntimeError("connect: serial ports need pyserial; install it with: pip install 'pyserial>=3.5'")
        name = resolve_port(request.serial_port)
        settings = parse_line_settings(request.options)
        keywords = settings.pyserial_settings()
        if name.is_url:
            keywords["timeout"] = THREAD_READ_TIMEOUT
        else:
            keywords["exclusive"] = True
        try:
            port = pyserial.serial_for_url(name.target, **keywords)
        except PORT_ERRORS as exc:
            raise _open_error(exc, name, settings) from None
        newline = options.newline if options.newline is not None else cls.default_newline
        line_end = b"\r" if newline == b"\r" else b"\n"
        log.info("opened serial port %s at %s", name.label, settings.describe())
        transport = cls(port, name, settings, line_end)
        transport.check_framing()
        return transport

    def check_framing(self) -> None:
        """Warn when the driver kept other data bits, parity or stop bits than requested.

        A driver may accept a termios request and silently keep what it
        cannot do: a Linux PTY stays 8N1 whatever is asked. URL ports have
        no termios to read back.
        """
        if self.reader is not None:
            return
        try:
            cflag = termios.tcgetattr(self.fd)[2]
        except termios.error as exc:
            log.info("cannot read back the settings of %s: %s", self.peer, exc)
            return
        actual = _framing(cflag)
        # POSIX has no 1.5 stop bits; pyserial sets 2 for them.
        stopbits = 2 if self.settings.stopbits == 1.5 else self.settings.stopbits
        requested = (self.settings.bytesize, self.settings.parity, stopbits)
        if actual != requested:
            log.warning(
                "serial port %s did not take %s%s%s: the driver keeps %s%s%s",
                self.peer, *requested, *actual,
            )

    # -- Transport interface ------------------------------------------------

    def fileno(self) -> int:
        return self.fd

    def recv(self) -> bytes:
        """Return what has arrived; b"" once the device is gone or the port closed."""
        if self.device_gone:
            return b""
        try:
            data = os.read(self.fd, READ_SIZE)
        except (BlockingIOError, InterruptedError):
            raise BlockingIOError(errno.EAGAIN, "no data yet") from None
        except OSError as exc:
            log.info("serial port %s failed on read: %s", self.peer, exc.strerror)
            data = b""
        if not data:
            self.device_gone = True
        return data

    def decode(self, raw: bytes) -> tuple[bytes, bytes]:
        return raw, b""

    def encode(self, data: bytes, *, text: bool) -> bytes:
        return data

    def write(self, data: memoryview) -> int:
        """Write the next chunk that the transmit delays allow; return its length."""
        wait = self.ready_at - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        length, delay_ms = self._next_chunk(data)
        chunk = data[:length]
        written = self._write_fd(chunk) if self.reader is None else self._write_port(chunk)
        if written == length and delay_ms:
            self.ready_at = time.monotonic() + delay_ms / 1000
        return written

    def close(self) -> None:
        """Close the port; later calls do nothing, because the link may close twice."""
        if self.closed:
            return
        self.closed = True
        if self.reader is not None:
            self.reader.close()
        try:
            self.port.close()
        except PORT_ERRORS as exc:
            log.info("closing serial port %s failed: %s", self.peer, exc)
        if self.reader is not None:
            self.reader.join()
        log.info("closed serial port %s", self.peer)

    # -- writing --------------------------------------------------------------

    def _next_chunk(self, data: memoryview) -> tuple[int, int]:
        """Return how many bytes go out next and the delay in ms after them, as Tera Term's CommSend."""
        per_char = self.settings.delay_per_char
        per_line = self.settings.delay_per_line
        if per_line > 0:
            length = 1
            if per_char == 0:
                end = bytes(data).find(self.line_end)
                length = end + 1 if end >= 0 else len(data)
            ends_line = data[length - 1 : length] == self.line_end
            return length, per_line if ends_line else per_char
        if per_char > 0:
            return 1, per_char
        return len(data), 0

    def _stall_seconds(self) -> float:
        # A driver's transmit buffer is typically 4 KiB. Wait for twice the
        # time it takes to drain at the current speed (10 bits per byte) before
        # deciding that flow control stops the line, and at least 10 s.
        # NOTE: a driver with a much larger buffer at a low speed may need longer.
        return max(10.0, 2 * 4096 * 10 / self.settings.baudrate)

    def _write_fd(self, chunk: memoryview) -> int:
        deadline = time.monotonic() + self._stall_seconds()
        while True:
            try:
                return os.write(self.fd, chunk)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as exc:
                raise self._gone_error(exc) from None
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([], [self.fd], [], left)[1]:
                raise self._stalled_error()

    def _stalled_error(self) -> LinkError:
        message = f"cannot send on serial port {self.peer}: the device took no data for {self._stall_seconds():.0f} s"
        flow = FLOW_DESCRIPTIONS.get(self.settings.flow)
        if flow is None:
            return LinkError(message, hint="check that the far end is reading, and the cable")
        return LinkError(
            f"{message}; {flow} flow control may be holding it back",
            hint="check the cable and the far end, or connect with /CFLOWCTRL=none",
        )

    def _write_port(self, chunk: memoryview) -> int:
        try:
            return int(self.port.write(bytes(chunk)))
        except OSError as exc:  # SerialException and socket errors
            raise self._gone_error(exc) from None

    def _gone_error(self, exc: BaseException) -> BrokenPipeError:
        self.device_gone = True
        reason = _error_text(exc)
        log.info("serial port %s failed on write: %s", self.peer, reason)
        return BrokenPipeError(errno.EPIPE, f"serial port {self.peer} is gone ({reason})")

    # -- serial commands -------------------------------------------------------

    def _apply(self, changes: dict[str, Any], description: str) -> None:
        """Apply pyserial settings; on failure restore the old ones and raise SerialSettingError."""
        before = self.port.get_settings()
        try:
            self.port.apply_settings(changes)
        except PORT_ERRORS as exc:
            try:
                self.port.apply_settings(before)
            except PORT_ERRORS as restore_exc:
                log.info("restoring the settings of %s failed: %s", self.peer, restore_exc)
            raise SerialSettingError(
                _error_number(exc) or errno.EINVAL,
                f"serial port {self.peer} rejected {description} ({_error_text(exc)})",
            ) from None

    def set_baudrate(self, baudrate: int) -> None:
        """Change the speed; raise SerialSettingError when the device rejects it."""
        self._apply({"baudrate": baudrate}, f"{baudrate} bit/s")
        self.settings.baudrate = baudrate

    def set_flow_control(self, flow: str) -> None:
        """Switch flow control to "none", "x", "hard" or "dsrdtr"; raise SerialSettingError on failure."""
        changes = LineSettings(flow=flow).pyserial_settings()
        self._apply({key: changes[key] for key in ("xonxoff", "rtscts", "dsrdtr")}, f"flow control {flow}")
        self.settings.flow = flow

    def set_dtr(self, on: bool) -> None:
        """Set or clear DTR; raise OSError when the device has no modem lines."""
        self._set_line("dtr", on)

    def set_rts(self, on: bool) -> None:
        """Set or clear RTS; raise OSError when the device has no modem lines."""
        self._set_line("rts", on)

    def _set_line(self, line: str, on: bool) -> None:
        try:
            setattr(self.port, line, on)
        except PORT_ERRORS as exc:
            raise SerialSettingError(
                _error_number(exc) or errno.EINVAL,
                f"cannot set {line.upper()} on serial port {self.peer} ({_error_text(exc)})",
            ) from None

    def modem_status(self) -> int:
        """Return the modem lines as getmodemstatus bits: 1 CTS, 2 DSR, 4 RING, 8 RLSD (carrier)."""
        try:
            lines = (self.port.cts, self.port.dsr, self.port.ri, self.port.cd)
        except PORT_ERRORS as exc:
            raise SerialSettingError(
                _error_number(exc) or errno.EINVAL,
                f"cannot read the modem lines of serial port {self.peer} ({_error_text(exc)})",
            ) from None
        bits = (MODEM_CTS, MODEM_DSR, MODEM_RING, MODEM_RLSD)
        return sum(bit for bit, on in zip(bits, lines) if on)

    def set_delays(self, *, per_char: int | None = None, per_line: int | None = None) -> None:
        """Change the transmit delays in milliseconds (0-65535); None keeps a delay."""
        if per_char is not None:
            self.settings.delay_per_char = per_char
        if per_line is not None:
            self.settings.delay_per_line = per_line

    def send_break(self) -> None:
        """Hold the line in the break state for BREAK_SECONDS, as Tera Term's sendbreak does.

        Raises BrokenPipeError when the device is gone and SerialSettingError
        (an OSError) when the device cannot send a break.
        """
        try:
            self.port.break_condition = True
            time.sleep(BREAK_SECONDS)
            self.port.break_condition = False
        except PORT_ERRORS as exc:
            if _error_number(exc) in GONE_ERRNOS:
                raise self._gone_error(exc) from None
            raise SerialSettingError(
                _error_number(exc) or errno.EINVAL,
                f"cannot send a break on serial port {self.peer} ({_error_text(exc)})",
            ) from None


def _framing(cflag: int) -> tuple[int, str, int]:
    """Return (data bits, parity letter, stop bits) from a termios c_cflag."""
    sizes = {termios.CS5: 5, termios.CS6: 6, termios.CS7: 7, termios.CS8: 8}
    bytesize = sizes[cflag & termios.CSIZE]
    # Mark and space parity use CMSPAR, which only Linux has.
    cmspar = getattr(getattr(pyserial, "serialposix", None), "CMSPAR", 0)
    if not cflag & termios.PARENB:
        parity = "N"
    elif cmspar and cflag & cmspar:
        parity = "M" if cflag & termios.PARODD else "S"
    else:
        parity = "O" if cflag & termios.PARODD else "E"
    stopbits = 2 if cflag & termios.CSTOPB else 1
    return bytesize, parity, stopbits


def _open_error(exc: BaseException, name: PortName, settings: LineSettings) -> OSError:
    """Return the OSError that connect reports for a port that would not open."""
    number = _error_number(exc)
    reason = _error_text(exc)
    if isinstance(exc, OSError) and number is not None and exc.strerror and "could not open port" in exc.strerror:
        reason = os.strerror(number)
    if number in (errno.EAGAIN, errno.EWOULDBLOCK) and not name.is_url:
        reason = "another program is using the port"
    elif number == errno.ENOENT and name.com_number is not None:
        reason += f"; set {ENV_PREFIX}{name.com_number} to use another device"
    elif number == errno.EACCES and not name.is_url:
        reason += "; on Linux add your user to the dialout group"
    elif number == errno.EINVAL or isinstance(exc, ValueError):
        reason = f"the device rejected the line settings {settings.describe()} ({reason})"
    return OSError(number or errno.EIO, f"cannot open {name.label}: {reason}")


if pyserial is not None:
    register("serial", SerialTransport)
else:

    class _MissingPyserial:
        @classmethod
        def open(cls, request: ConnectRequest, options: Options) -> SerialTransport:
            raise MacroRuntimeError("connect: serial ports need pyserial; install it with: pip install 'pyserial>=3.5'")

    register("serial", _MissingPyserial)
