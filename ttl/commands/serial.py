"""Serial port commands: setbaud (setspeed), setflowctrl, setdtr, setrts,
getmodemstatus, setserialdelaychar and setserialdelayline.

All of them need a link (``connect`` first). On a connection that is not a
serial port, or one that has closed, they do nothing, as in Tera Term 5
(teraterm/teraterm/ttdde.c replies "not processed"), except that
getmodemstatus sets ``result`` to 1. A setting the device rejects prints a
warning and the macro goes on, as Tera Term ignores a failed SetCommState.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ttl.commands import Ref, command
from ttl.errors import LinkError, MacroRuntimeError

if TYPE_CHECKING:
    from ttl.machine import Machine

# setflowctrl codes; other values are ignored, as in Tera Term.
FLOW_CODES = {1: "x", 2: "hard", 3: "none", 4: "dsrdtr"}
MAX_DELAY_MS = 65535  # Tera Term keeps the delays in a 16-bit WORD


class _LineSettings(Protocol):
    flow: str


class SerialPort(Protocol):
    """The part of ttl.transports.serial.SerialTransport that these commands use.

    The transport module imports pyserial, so it is imported only by connect.
    """

    settings: _LineSettings

    def set_baudrate(self, baudrate: int) -> None: ...
    def set_flow_control(self, flow: str) -> None: ...
    def set_dtr(self, on: bool) -> None: ...
    def set_rts(self, on: bool) -> None: ...
    def modem_status(self) -> int: ...
    def set_delays(self, *, per_char: int | None = None, per_line: int | None = None) -> None: ...


def _serial_port(m: Machine, name: str) -> SerialPort | None:
    """Return the connected serial port, None on another or a closed connection; raise LinkError unlinked."""
    link = m.link
    if link is None:
        raise LinkError(f"{name}: no connection; use 'connect' first")
    transport = link.transport
    if not link.connected or transport is None or transport.kind != "serial":
        return None
    port: SerialPort = transport
    return port


@command("setbaud", "i")
def setbaud(m: Machine, baudrate: int) -> None:
    port = _serial_port(m, "setbaud")
    # Tera Term ignores zero and negative speeds.
    if port is None or baudrate <= 0:
        return
    try:
        port.set_baudrate(baudrate)
    except OSError as exc:
        m.warn(f"setbaud: {exc.strerror}; the speed is unchanged")


@command("setspeed", "i")
def setspeed(m: Machine, baudrate: int) -> None:
    """Alias of setbaud."""
    setbaud(m, baudrate)


@command("setflowctrl", "i")
def setflowctrl(m: Machine, code: int) -> None:
    port = _serial_port(m, "setflowctrl")
    flow = FLOW_CODES.get(code)
    if port is None or flow is None:
        return
    try:
        port.set_flow_control(flow)
    except OSError as exc:
        m.warn(f"setflowctrl: {exc.strerror}; flow control is unchanged")


def _set_modem_line(m: Machine, name: str, value: int) -> None:
    port = _serial_port(m, name)
    # Tera Term changes DTR and RTS only while flow control is off, because
    # with hardware flow control the driver owns those lines.
    if port is None or port.settings.flow != "none":
        return
    try:
        if name == "setdtr":
            port.set_dtr(value != 0)
        else:
            port.set_rts(value != 0)
    except OSError as exc:
        m.warn(f"{name}: {exc.strerror}")


@command("setdtr", "i")
def setdtr(m: Machine, value: int) -> None:
    _set_modem_line(m, "setdtr", value)


@command("setrts", "i")
def setrts(m: Machine, value: int) -> None:
    _set_modem_line(m, "setrts", value)


@command("getmodemstatus", "n")
def getmodemstatus(m: Machine, target: Ref) -> None:
    """Store the modem lines (1 CTS, 2 DSR, 4 RING, 8 RLSD); result 0, or 1 when they cannot be read."""
    port = _serial_port(m, "getmodemstatus")
    if port is not None:
        try:
            bits = port.modem_status()
        except OSError:
            pass
        else:
            target.set(m, bits)
            m.set_result(0)
            return
    # Tera Term creates the variable while it reads the parameters.
    try:
        current = target.get(m)
    except MacroRuntimeError:
        current = None
    if current.__class__ is not int:
        target.set(m, 0)
    m.set_result(1)


def _delay(name: str, milliseconds: int) -> int:
    if not 0 <= milliseconds <= MAX_DELAY_MS:
        raise MacroRuntimeError(f"{name}: invalid delay {milliseconds}; give 0 to {MAX_DELAY_MS} milliseconds")
    return milliseconds


@command("setserialdelaychar", "i")
def setserialdelaychar(m: Machine, milliseconds: int) -> None:
    """Set the delay after each byte sent; result 1."""
    port = _serial_port(m, "setserialdelaychar")
    if port is None:
        return
    port.set_delays(per_char=_delay("setserialdelaychar", milliseconds))
    m.set_result(1)


@command("setserialdelayline", "i")
def setserialdelayline(m: Machine, milliseconds: int) -> None:
    """Set the delay after each line sent; result 1."""
    port = _serial_port(m, "setserialdelayline")
    if port is None:
        return
    port.set_delays(per_line=_delay("setserialdelayline", milliseconds))
    m.set_result(1)
