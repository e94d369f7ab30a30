"""Serial ports: the connect options, the serial commands and the transport.

- Line settings a PTY cannot carry (parity, 7 data bits, modem lines) are
  checked on pyserial's ``loop://`` port, which echoes what is sent and
  mirrors RTS to CTS and DTR to DSR. They are also checked through an
  RFC 2217 server inside the test process, which applies them to its own
  ``loop://`` port.
- Faults use PTYs: a pair from ``os.openpty`` whose far end the test holds,
  and a socat pair that the test kills.
- The login test drives agetty on the socat PTY pair that
  ``.ci/peers/serial.sh`` starts.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import termios
import threading
import time
from pathlib import Path

import pytest
import serial
from serial import rfc2217
from serial.urlhandler.protocol_loop import Serial as LoopSerial

from peers import require_peer
from ttl.connect_line import parse_connect
from ttl.errors import LinkError, MacroRuntimeError
from ttl.machine import Machine, Options
from ttl.runner import run_text
from ttl.transcript import Transcript, read_transcript
from ttl.transports.serial import (
    LineSettings,
    SerialTransport,
    parse_line_settings,
    resolve_port,
)

# The serial console that .ci/peers/serial.sh starts: agetty on the far end
# of a socat PTY pair, and this symlink to the near end.
SERIAL_CONSOLE = Path(os.environ.get("TTLRUN_SERIAL_DIR", "/tmp/ttlrun-serial")) / "console"
SERIAL_USER = "serialtest"
SERIAL_PASSWORD = "serialpass"


def run(text: str, **kwargs) -> Machine:
    return run_text(text, options=Options(stdout=io.StringIO(), **kwargs))


def transport_of(m) -> SerialTransport:
    transport = m.link.transport
    assert isinstance(transport, SerialTransport)
    return transport


# -- connect options -----------------------------------------------------------


def test_settings_default_is_9600_8n1():
    settings = parse_line_settings({})
    assert settings == LineSettings(9600, 8, "N", 1, "none", 0, 0)


def test_settings_all_options():
    settings = parse_line_settings({
        "BAUD": "115200", "CDATABIT": "7", "CPARITY": "Even", "CSTOPBIT": "2",
        "CFLOWCTRL": "RTSCTS", "CDELAYPERCHAR": "3", "CDELAYPERLINE": "40",
    })
    assert settings == LineSettings(115200, 7, "E", 2, "hard", 3, 40)


def test_settings_speed_is_baud():
    assert parse_line_settings({"SPEED": "19200"}).baudrate == 19200


def test_settings_last_speed_option_wins():
    assert parse_line_settings({"SPEED": "300", "BAUD": "1200"}).baudrate == 1200


def test_settings_one_and_half_stop_bits():
    assert parse_line_settings({"CSTOPBIT": "1.5"}).stopbits == 1.5


@pytest.mark.parametrize("name, flow", [("x", "x"), ("hard", "hard"), ("none", "none"), ("dsrdtr", "dsrdtr")])
def test_settings_flow_names(name, flow):
    assert parse_line_settings({"CFLOWCTRL": name}).flow == flow


@pytest.mark.parametrize("options", [
    {"BAUD": "0"}, {"BAUD": "fast"}, {"SPEED": "-9600"}, {"CDATABIT": "6"}, {"CPARITY": "evn"},
    {"CSTOPBIT": "3"}, {"CFLOWCTRL": "xon"}, {"CDELAYPERCHAR": "-1"}, {"CDELAYPERLINE": "65536"},
])
def test_settings_invalid_value(options):
    with pytest.raises(MacroRuntimeError) as caught:
        parse_line_settings(options)
    name, value = next(iter(options.items()))
    assert f"/{name}={value}" in caught.value.message


def test_port_number_linux():
    assert resolve_port("1", {}, "linux").target == "/dev/ttyS0"


def test_port_com_name_linux():
    name = resolve_port("com12", {}, "linux")
    assert (name.target, name.label) == ("/dev/ttyS11", "COM12 (/dev/ttyS11)")


def test_port_environment_variable():
    assert resolve_port("3", {"TTLRUN_COM3": "/dev/ttyUSB0"}, "linux").target == "/dev/ttyUSB0"


def test_port_environment_url():
    name = resolve_port("3", {"TTLRUN_COM3": "loop://"}, "darwin")
    assert (name.target, name.is_url) == ("loop://", True)


def test_port_environment_not_a_path():
    with pytest.raises(MacroRuntimeError, match="TTLRUN_COM3=ttyUSB0"):
        resolve_port("3", {"TTLRUN_COM3": "ttyUSB0"}, "linux")


def test_port_macos_needs_variable():
    with pytest.raises(MacroRuntimeError, match="set TTLRUN_COM2"):
        resolve_port("2", {}, "darwin")


def test_port_device_path():
    assert resolve_port("/dev/serial/by-id/usb-FTDI", {}, "darwin").target == "/dev/serial/by-id/usb-FTDI"


def test_port_url():
    assert resolve_port("rfc2217://127.0.0.1:2217", {}, "linux").is_url


@pytest.mark.parametrize("value", ["0", "257", "abc", "", "COM"])
def test_port_invalid(value):
    with pytest.raises(MacroRuntimeError, match="invalid serial port"):
        resolve_port(value, {}, "linux")


# -- transmit pacing, as Tera Term's CommSend ----------------------------------


def chunks(per_char: int, per_line: int, data: bytes, line_end: bytes = b"\r") -> list[tuple[bytes, int]]:
    """Split ``data`` into the (chunk, delay) steps that the transport writes."""
    transport = SerialTransport.__new__(SerialTransport)
    transport.settings = LineSettings(delay_per_char=per_char, delay_per_line=per_line)
    transport.line_end = line_end
    steps = []
    view = memoryview(data)
    while view:
        length, delay = transport._next_chunk(view)
        steps.append((bytes(view[:length]), delay))
        view = view[length:]
    return steps


def test_pacing_none_is_one_write():
    assert chunks(0, 0, b"ab\rcd\r") == [(b"ab\rcd\r", 0)]


def test_pacing_per_char():
    assert chunks(5, 0, b"ab\r") == [(b"a", 5), (b"b", 5), (b"\r", 5)]


def test_pacing_per_line():
    assert chunks(0, 30, b"ab\rcd\rx") == [(b"ab\r", 30), (b"cd\r", 30), (b"x", 0)]


def test_pacing_both_delays():
    assert chunks(5, 30, b"a\rb") == [(b"a", 5), (b"\r", 30), (b"b", 5)]


def test_pacing_line_end_lf_for_crlf_newline():
    assert chunks(0, 30, b"a\r\nb", line_end=b"\n") == [(b"a\r\n", 30), (b"b", 0)]


# -- loop:// -----------------------------------------------------------------


def test_loop_defaults():
    m = run("connect '/C=loop://'\nr = result")
    port = transport_of(m).port
    assert m.vars["r"] == 2
    assert (port.baudrate, port.bytesize, port.parity, port.stopbits) == (9600, 8, "N", 1)
    assert (port.xonxoff, port.rtscts, port.dsrdtr) == (False, False, False)


def test_loop_line_settings_applied():
    m = run("connect '/C=loop:// /SPEED=115200 /CDATABIT=7 /CPARITY=mark /CSTOPBIT=2 /CFLOWCTRL=x'")
    port = transport_of(m).port
    assert (port.baudrate, port.bytesize, port.parity, port.stopbits) == (115200, 7, "M", 2)
    assert port.xonxoff is True


def test_loop_hard_flow_control():
    m = run("connect '/C=loop:// /CFLOWCTRL=hard'")
    assert transport_of(m).port.rtscts is True


def test_loop_sendln_ends_with_cr(tmp_path):
    transcript = Transcript(tmp_path / "t.transcript")
    m = run("connect '/C=loop://'\ntimeout = 5\nsendln 'abc'\nwait 'abc'\nr = result", transcript=transcript)
    transcript.close()
    sent = b"".join(r.data for r in read_transcript(tmp_path / "t.transcript") if r.direction == ">")
    assert m.vars["r"] == 1
    assert sent == b"abc\r"


def test_loop_echo_exact_bytes():
    m = run("connect '/C=loop://'\ntimeout = 5\nsend 'x' 255 0 'y'\nwaitn 4\nr = result", raw_match=True)
    assert m.vars["r"] == 1
    assert m.vars["inputstr"] == b"x\xff\x00y"


def test_loop_com_number_from_environment(monkeypatch):
    monkeypatch.setenv("TTLRUN_COM7", "loop://")
    m = run("connect '/C=7'\nr = result\ntimeout = 5\nsendln 'seven'\nwait 'seven'\nw = result")
    assert m.vars["r"] == 2
    assert m.vars["w"] == 1
    assert transport_of(m).peer == "COM7 (loop://)"


def test_loop_invalid_option_is_error():
    with pytest.raises(MacroRuntimeError, match="/CPARITY=maybe"):
        run("connect '/C=loop:// /CPARITY=maybe'")


def test_loop_disconnect_then_end():
    # The link closes the transport again at the end of the macro.
    m = run("connect '/C=loop://'\ndisconnect 0\ntestlink\nr = result")
    assert m.vars["r"] == 1
    assert transport_of(m).closed


# -- serial commands ---------------------------------------------------------


def test_setbaud_changes_speed():
    m = run("connect '/C=loop://'\nsetbaud 115200")
    assert transport_of(m).port.baudrate == 115200


def test_setspeed_is_setbaud():
    m = run("connect '/C=loop://'\nsetspeed 4800")
    assert transport_of(m).port.baudrate == 4800


@pytest.mark.parametrize("value", [0, -9600])
def test_setbaud_ignores_non_positive(value):
    m = run(f"connect '/C=loop:// /BAUD=19200'\nsetbaud {value}")
    assert transport_of(m).port.baudrate == 19200


def test_setbaud_rejected_keeps_speed(monkeypatch, capsys):
    original = LoopSerial._reconfigure_port

    def reject_31337(self):
        if self._baudrate == 31337:
            raise termios.error(22, "Invalid argument")
        original(self)

    monkeypatch.setattr(LoopSerial, "_reconfigure_port", reject_31337)
    m = run("connect '/C=loop:// /BAUD=2400'\nsetbaud 31337\nr = result")
    assert transport_of(m).port.baudrate == 2400
    assert transport_of(m).settings.baudrate == 2400
    assert "rejected 31337 bit/s (Invalid argument); the speed is unchanged" in capsys.readouterr().err


@pytest.mark.parametrize("code, flags", [
    (1, (True, False, False)), (2, (False, True, False)), (3, (False, False, False)), (4, (False, False, True)),
])
def test_setflowctrl_codes(code, flags):
    m = run(f"connect '/C=loop:// /CFLOWCTRL=x'\nsetflowctrl {code}")
    port = transport_of(m).port
    assert (port.xonxoff, port.rtscts, port.dsrdtr) == flags


@pytest.mark.parametrize("code", [0, 5, -1])
def test_setflowctrl_ignores_other_codes(code):
    m = run(f"connect '/C=loop:// /CFLOWCTRL=hard'\nsetflowctrl {code}")
    assert transport_of(m).settings.flow == "hard"


def test_getmodemstatus_loop_lines():
    # loop:// reports CTS = RTS, DSR = DTR, no RING and carrier on.
    m = run("connect '/C=loop://'\ngetmodemstatus s\nr = result")
    assert m.vars["s"] == 1 + 2 + 8
    assert m.vars["r"] == 0


def test_setrts_clears_cts():
    m = run("connect '/C=loop://'\nsetrts 0\ngetmodemstatus s")
    assert m.vars["s"] == 2 + 8


def test_setdtr_clears_dsr():
    m = run("connect '/C=loop://'\nsetdtr 0\ngetmodemstatus s\nsetdtr 5\ngetmodemstatus t")
    assert m.vars["s"] == 1 + 8
    assert m.vars["t"] == 1 + 2 + 8


def test_setrts_ignored_with_flow_control():
    m = run("connect '/C=loop:// /CFLOWCTRL=x'\nsetrts 0\nsetdtr 0\ngetmodemstatus s")
    assert m.vars["s"] == 1 + 2 + 8


def test_setrts_after_setflowctrl_none():
    m = run("connect '/C=loop:// /CFLOWCTRL=x'\nsetflowctrl 3\nsetrts 0\ngetmodemstatus s")
    assert m.vars["s"] == 2 + 8


def test_setserialdelay_result_and_settings():
    m = run("result = 0\nconnect '/C=loop://'\nresult = 7\nsetserialdelaychar 12\nc = result\n"
            "result = 7\nsetserialdelayline 34\nl = result")
    settings = transport_of(m).settings
    assert (m.vars["c"], m.vars["l"]) == (1, 1)
    assert (settings.delay_per_char, settings.delay_per_line) == (12, 34)


@pytest.mark.parametrize("command", ["setserialdelaychar", "setserialdelayline"])
@pytest.mark.parametrize("value", [-1, 65536])
def test_setserialdelay_invalid(command, value):
    with pytest.raises(MacroRuntimeError, match="invalid delay"):
        run(f"connect '/C=loop://'\n{command} {value}")


def test_delay_per_char_paces_bytes(tmp_path):
    transcript = Transcript(tmp_path / "t.transcript")
    start = time.monotonic()
    run("connect '/C=loop:// /CDELAYPERCHAR=40'\nsend 'abcd'", transcript=transcript)
    elapsed = time.monotonic() - start
    transcript.close()
    sent = [r.data for r in read_transcript(tmp_path / "t.transcript") if r.direction == ">"]
    assert sent == [b"a", b"b", b"c", b"d"]
    assert elapsed >= 0.12  # three waits of 40 ms between four bytes


def test_delay_per_line_paces_lines(tmp_path):
    transcript = Transcript(tmp_path / "t.transcript")
    start = time.monotonic()
    run("connect '/C=loop://'\nsetserialdelayline 60\nsend 'one'#13'two'#13'three'", transcript=transcript)
    elapsed = time.monotonic() - start
    transcript.close()
    sent = [r.data for r in read_transcript(tmp_path / "t.transcript") if r.direction == ">"]
    assert sent == [b"one\r", b"two\r", b"three"]
    assert elapsed >= 0.12


@pytest.mark.parametrize("line", [
    "setbaud 9600", "setspeed 9600", "setflowctrl 1", "setdtr 1", "setrts 1",
    "getmodemstatus s", "setserialdelaychar 1", "setserialdelayline 1",
])
def test_serial_commands_need_link(line):
    with pytest.raises(LinkError, match="connect"):
        run(line)


@pytest.fixture
def tcp_echo_port():
    """A TCP listener on 127.0.0.1 that accepts one connection and keeps it open."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        connection, _ = listener.accept()
        accepted.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    thread.join(5)
    for connection in accepted:
        connection.close()
    listener.close()


def test_serial_commands_ignored_on_tcp(tcp_echo_port):
    m = run(f"connect '127.0.0.1:{tcp_echo_port} /T=0'\nresult = 7\n"
            "setbaud 9600\nsetflowctrl 2\nsetdtr 0\nsetrts 0\nsetserialdelaychar 5\nsetserialdelayline 5\n"
            "r = result\ngetmodemstatus s\ng = result")
    assert m.vars["r"] == 7
    assert m.vars["s"] == 0
    assert m.vars["g"] == 1


# -- RFC 2217 server inside the test process ---------------------------------


class RecordingLoop(LoopSerial):
    """A loop:// port that records each change of the break state."""

    def __init__(self, *args, **kwargs):
        self.breaks: list[bool] = []
        super().__init__(*args, **kwargs)

    def _update_break_state(self):
        self.breaks.append(self._break_state)


class _SocketWriter:
    """The connection object that pyserial's PortManager writes Telnet data to."""

    def __init__(self, connection: socket.socket):
        self.connection = connection
        self.lock = threading.Lock()

    def write(self, data: bytes) -> None:
        with self.lock:
            self.connection.sendall(data)


class RFC2217Server:
    """An RFC 2217 server on 127.0.0.1 in front of a loop:// port, for one client.

    ``port`` is the server's side of the line: the settings a client sets
    over RFC 2217 land there, and what the client sends comes back. When
    the client sends ``hang_up_on``, the server closes the connection
    instead, as a terminal server that goes away.
    """

    def __init__(self, hang_up_on: bytes = b"") -> None:
        self.hang_up_on = hang_up_on
        self.port = RecordingLoop("loop://", timeout=0.05)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"rfc2217://127.0.0.1:{self.listener.getsockname()[1]}"
        self.stopping = threading.Event()
        self.connection: socket.socket | None = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(10)
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        self.connection = connection
        writer = _SocketWriter(connection)
        manager = rfc2217.PortManager(self.port, writer)
        back = threading.Thread(target=self._port_to_network, args=(manager, writer), daemon=True)
        back.start()
        connection.settimeout(0.05)
        while not self.stopping.is_set():
            try:
                data = connection.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            payload = b"".join(manager.filter(data))
            if self.hang_up_on and self.hang_up_on in payload:
                self.drop()
                break
            if payload:
                self.port.write(payload)
        back.join(2)

    def _port_to_network(self, manager, writer: _SocketWriter) -> None:
        while not self.stopping.is_set():
            data = self.port.read(4096)
            if data:
                try:
                    writer.write(b"".join(manager.escape(data)))
                except OSError:
                    return

    def drop(self) -> None:
        """Close the client's connection, as a terminal server that goes away."""
        self.stopping.set()
        if self.connection is not None:
            self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()

    def close(self) -> None:
        self.stopping.set()
        self.listener.close()
        self.thread.join(5)
        self.port.close()


@pytest.fixture
def rfc2217_server():
    server = RFC2217Server()
    yield server
    server.close()


def test_rfc2217_settings_reach_server(rfc2217_server):
    run(f"connect '/C={rfc2217_server.url} /BAUD=57600 /CDATABIT=7 /CPARITY=odd /CSTOPBIT=2'")
    port = rfc2217_server.port
    assert (port.baudrate, port.bytesize, port.parity, port.stopbits) == (57600, 7, "O", 2)


def test_rfc2217_setbaud_reaches_server(rfc2217_server):
    run(f"connect '/C={rfc2217_server.url}'\nsetbaud 1200")
    assert rfc2217_server.port.baudrate == 1200


def test_rfc2217_echo(rfc2217_server):
    m = run(f"connect '/C={rfc2217_server.url}'\ntimeout = 5\nsendln 'over the network'\n"
            "wait 'over the network'\nr = result")
    assert m.vars["r"] == 1


def test_rfc2217_send_break(rfc2217_server, monkeypatch):
    monkeypatch.setattr("ttl.transports.serial.BREAK_SECONDS", 0.05)
    transport = SerialTransport.open(parse_connect(f"/C={rfc2217_server.url}"), Options())
    try:
        transport.send_break()
    finally:
        transport.close()
    assert rfc2217_server.port.breaks == [True, False]


def test_rfc2217_server_gone_ends_wait():
    server = RFC2217Server(hang_up_on=b"hang up")
    try:
        start = time.monotonic()
        m = run(f"connect '/C={server.url}'\nc = result\ntimeout = 10\nsend 'hang up'\nwait 'never sent'\nr = result")
        elapsed = time.monotonic() - start
    finally:
        server.close()
    assert m.vars["c"] == 2
    assert m.vars["r"] == 0
    assert elapsed < 5


# -- PTYs: faults --------------------------------------------------------------


class PtyPair:
    """A PTY from os.openpty: ``path`` is the end ttlrun opens, ``far`` the fd the test keeps."""

    def __init__(self) -> None:
        self.far, near = os.openpty()
        self.path = os.ttyname(near)
        os.close(near)
        self.lock = threading.Lock()
        self.far_open = True

    def close_far(self) -> None:
        """Close the far end once, as a device that goes away."""
        with self.lock:
            if self.far_open:
                self.far_open = False
                os.close(self.far)


@pytest.fixture
def pty_pair():
    pair = PtyPair()
    yield pair
    pair.close_far()


@pytest.fixture
def later():
    """Return a function that runs an action after a delay; teardown waits for all of them."""
    timers: list[threading.Timer] = []

    def schedule(seconds: float, action, *args) -> None:
        timer = threading.Timer(seconds, action, args=args)
        timers.append(timer)
        timer.start()

    yield schedule
    for timer in timers:
        timer.cancel()
        timer.join()


@pytest.mark.parametrize("option, framing", [("/CDATABIT=7", "7N1"), ("/CPARITY=even", "8E1"), ("/CPARITY=mark", "8M1")])
def test_pty_framing_never_silent(pty_pair, option, framing, capsys, caplog):
    # A Linux PTY stays 8N1: depending on the request it rejects the change
    # with EINVAL (connect fails) or accepts and ignores it (a warning).
    path = pty_pair.path
    m = run(f"connect '/C={path} {option}'\nr = result")
    if m.vars["r"] == 1:
        assert f"rejected the line settings 9600 {framing}" in capsys.readouterr().err
    else:
        assert f"did not take {framing}: the driver keeps 8N1" in caplog.text


def test_open_rejected_settings_message(monkeypatch, capsys):
    def reject(*args, **kwargs):
        raise termios.error(22, "Invalid argument")

    monkeypatch.setattr(serial, "serial_for_url", reject)
    m = run("connect '/C=/dev/ttyS0 /CPARITY=space /CSTOPBIT=1.5'\nr = result")
    assert m.vars["r"] == 1
    assert "cannot open /dev/ttyS0: the device rejected the line settings 9600 8S1.5" in capsys.readouterr().err


def test_pty_missing_device(tmp_path, capsys):
    m = run(f"connect '/C={tmp_path / 'ttyNone'}'\nr = result")
    assert m.vars["r"] == 1
    assert "No such file or directory" in capsys.readouterr().err


def test_pty_exclusive_open(pty_pair, capsys):
    path = pty_pair.path
    first = serial.Serial(path, exclusive=True)
    try:
        m = run(f"connect '/C={path}'\nr = result")
    finally:
        first.close()
    assert m.vars["r"] == 1
    assert "another program is using the port" in capsys.readouterr().err


def test_pty_getmodemstatus_unsupported(pty_pair):
    path = pty_pair.path
    m = run(f"connect '/C={path}'\ngetmodemstatus s\nr = result")
    assert m.vars["r"] == 1
    assert m.vars["s"] == 0


def test_pty_data_both_ways(pty_pair, later):
    later(0.3, os.write, pty_pair.far, b"ready> ")
    m = run(f"connect '/C={pty_pair.path}'\ntimeout = 5\nwait 'ready>'\nr = result\nsendln 'ping'")
    assert m.vars["r"] == 1
    assert os.read(pty_pair.far, 100) == b"ping\r"


def test_pty_far_end_closed_ends_wait(pty_pair, later):
    later(0.3, pty_pair.close_far)
    start = time.monotonic()
    m = run(f"connect '/C={pty_pair.path}'\nc = result\ntimeout = 10\nwait 'never sent'\nr = result\ntestlink\nt = result")
    assert m.vars["c"] == 2
    assert m.vars["r"] == 0
    assert m.vars["t"] == 1
    assert time.monotonic() - start < 5


def test_pty_send_after_close_is_error(pty_pair, later):
    later(0.3, pty_pair.close_far)
    with pytest.raises(LinkError, match="cannot send"):
        run(f"connect '/C={pty_pair.path}'\ntimeout = 10\nwait 'never sent'\nsendln 'too late'")


def test_pty_stalled_write_times_out(pty_pair, monkeypatch):
    # No process reads the far end, so the PTY buffer fills and writes stop.
    monkeypatch.setattr(SerialTransport, "_stall_seconds", lambda self: 0.3)
    block = "x" * 1000
    with pytest.raises(LinkError, match="took no data"):
        run(f"connect '/C={pty_pair.path}'\nfor i 1 10000\nsend '{block}'\nnext")


@pytest.fixture
def socat_pair(tmp_path):
    """A socat PTY pair: yields (near link, far link, socat process)."""
    if shutil.which("socat") is None:
        require_peer("socat is not installed: apt-get install socat, or run .ci/peers/serial.sh install")
    near, far = tmp_path / "near", tmp_path / "far"
    process = subprocess.Popen(
        ["socat", f"pty,raw,echo=0,link={near}", f"pty,raw,echo=0,link={far}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 5
    while not (near.exists() and far.exists()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert near.exists(), "socat made no PTY pair within 5 s"
    yield near, far, process
    process.terminate()
    process.wait(5)


def test_socat_killed_ends_wait(socat_pair, later):
    near, _far, process = socat_pair
    later(0.3, process.kill)
    start = time.monotonic()
    m = run(f"connect '/C={near}'\nc = result\ntimeout = 10\nwait 'never sent'\nr = result")
    assert m.vars["c"] == 2
    assert m.vars["r"] == 0
    assert time.monotonic() - start < 5


def test_socat_killed_write_fails(socat_pair):
    near, _far, process = socat_pair
    transport = SerialTransport.open(parse_connect(f"/C={near}"), Options())
    try:
        process.kill()
        process.wait(5)
        with pytest.raises(BrokenPipeError, match="is gone"):
            transport.write(memoryview(b"x"))
    finally:
        transport.close()


def test_socat_round_trip(socat_pair):
    near, far, _process = socat_pair
    with serial.Serial(str(far), timeout=5) as far_end:
        m = run(f"connect '/C={near}'\ntimeout = 5\nsendln 'hello'\nmpause 100")
        assert far_end.read(6) == b"hello\r"
    assert m.vars["result"] == 2


# -- the serial console peer ---------------------------------------------------


@pytest.fixture
def serial_console() -> Path:
    if not SERIAL_CONSOLE.exists():
        require_peer(
            f"the serial console {SERIAL_CONSOLE} is missing; as root run "
            "`STATE=/tmp/ttlrun-ci bash .ci/peers/serial.sh install` and then `... start`"
        )
    return SERIAL_CONSOLE


@pytest.mark.peer
def test_console_login(serial_console, run_ttlrun):
    result = run_ttlrun("serial/console-login.ttl", str(serial_console), SERIAL_USER, SERIAL_PASSWORD)
    sent, received = result.transcript_streams()
    assert result.returncode == 0, result.describe()
    assert f"{SERIAL_USER}\r".encode() in sent
    assert b"MARK-42\r\n" in received


@pytest.mark.peer
def test_console_wrong_password(serial_console, run_ttlrun):
    result = run_ttlrun("serial/console-login.ttl", str(serial_console), SERIAL_USER, "wrong-password")
    assert result.returncode == 3, result.describe()
