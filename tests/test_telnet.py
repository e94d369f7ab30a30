"""Telnet: Tera Term's option negotiation and framing, scripted peers and real telnetd.

The unit tests drive ``TelnetProtocol`` with scripted byte sequences. The
loopback tests run macros against a scripted server in the test process.
The tests marked ``peer`` log in to the servers that .ci/peers/telnet.sh
starts: GNU inetutils telnetd on 127.0.0.1:2323 and busybox telnetd on
127.0.0.1:2325, both with the user teltest and the password telpass.
"""

from __future__ import annotations

import socket
import time

import pytest
from loopback import ScriptedPeer, free_port
from peers import require_peer

import ttl.transports.telnet as telnet
from ttl.runner import run_text
from ttl.transports.telnet import (
    BINARY,
    DO,
    DONT,
    ECHO,
    IAC,
    NAWS,
    SB,
    SE,
    SGA,
    TSPEED,
    TTYPE,
    WILL,
    WONT,
    TelnetProtocol,
    window_size_message,
)

LINEMODE = 34
STATUS = 5
TIMING_MARK = 6
AUTHENTICATION = 37
NEW_ENVIRON = 39
NOP = 241
DATA_MARK = 242
BREAK = 243
ARE_YOU_THERE = 246
GO_AHEAD = 249

INETUTILS_PORT = 2323
BUSYBOX_PORT = 2325
SERVERS = {"inetutils": INETUTILS_PORT, "busybox": BUSYBOX_PORT}
USER = "teltest"
PASSWORD = "telpass"

EXIT_OK = 0
EXIT_LOGIN_INCORRECT = 3
EXIT_NO_CONNECTION = 4
EXIT_CLOSED_EARLY = 6


def command(verb: int, option: int) -> bytes:
    return bytes((IAC, verb, option))


def sub(option: int, body: bytes) -> bytes:
    return bytes((IAC, SB, option)) + body + bytes((IAC, SE))


def decode_in_pieces(protocol: TelnetProtocol, raw: bytes, cuts: list[int]) -> tuple[bytes, bytes]:
    """Decode ``raw`` split at ``cuts``; return the joined data and replies."""
    data = bytearray()
    replies = bytearray()
    start = 0
    for end in [*cuts, len(raw)]:
        piece_data, piece_replies = protocol.decode(raw[start:end])
        data += piece_data
        replies += piece_replies
        start = end
    return bytes(data), bytes(replies)


# -- opening negotiation ---------------------------------------------------------


def test_greeting_on_port_23_order() -> None:
    expected = (command(WILL, TTYPE) + command(DO, SGA) + command(WILL, SGA) + command(DO, ECHO)
                + command(WILL, NAWS) + command(WILL, TSPEED))
    assert TelnetProtocol(initiate=True).greeting() == expected


def test_greeting_with_binary_option() -> None:
    greeting = TelnetProtocol(initiate=True, request_binary=True).greeting()
    expected_tail = command(WILL, NAWS) + command(WILL, BINARY) + command(DO, BINARY) + command(WILL, TSPEED)
    assert greeting.endswith(expected_tail)


def test_greeting_sent_only_once() -> None:
    protocol = TelnetProtocol(initiate=True)
    protocol.greeting()
    assert protocol.greeting() == b""


def test_no_greeting_without_initiate() -> None:
    assert TelnetProtocol().greeting() == b""


def test_greeting_precedes_first_reply() -> None:
    protocol = TelnetProtocol(initiate=True)
    _, replies = protocol.decode(command(DO, STATUS))
    assert replies == TelnetProtocol(initiate=True).greeting() + command(WONT, STATUS)


def test_greeting_precedes_first_data() -> None:
    protocol = TelnetProtocol(initiate=True)
    wire = protocol.encode(b"x", text=True)
    assert wire == TelnetProtocol(initiate=True).greeting() + b"x"


def test_server_replies_get_no_reply() -> None:
    protocol = TelnetProtocol(initiate=True)
    protocol.greeting()
    server_replies = command(DO, TTYPE) + command(WILL, SGA) + command(DO, SGA) + command(WILL, ECHO) + command(DO, TSPEED)
    assert protocol.decode(server_replies) == (b"", b"")


def test_server_rejection_gets_no_reply() -> None:
    protocol = TelnetProtocol(initiate=True)
    protocol.greeting()
    assert protocol.decode(command(DONT, TTYPE) + command(WONT, ECHO)) == (b"", b"")
    assert not protocol.local.is_enabled(TTYPE)
    assert not protocol.remote.is_enabled(ECHO)


# -- replies to the server's requests -------------------------------------------


@pytest.mark.parametrize("option", [BINARY, SGA, TTYPE, NAWS, TSPEED])
def test_do_accepted_options(option: int) -> None:
    _, replies = TelnetProtocol().decode(command(DO, option))
    assert replies.startswith(command(WILL, option))


@pytest.mark.parametrize("option", [ECHO, STATUS, TIMING_MARK, 33, LINEMODE])
def test_do_rejected_options(option: int) -> None:
    assert TelnetProtocol().decode(command(DO, option)) == (b"", command(WONT, option))


@pytest.mark.parametrize("option", [BINARY, ECHO, SGA, NAWS])
def test_will_accepted_options(option: int) -> None:
    assert TelnetProtocol().decode(command(WILL, option)) == (b"", command(DO, option))


@pytest.mark.parametrize("option", [STATUS, TTYPE, TSPEED, LINEMODE])
def test_will_rejected_options(option: int) -> None:
    assert TelnetProtocol().decode(command(WILL, option)) == (b"", command(DONT, option))


@pytest.mark.parametrize(
    ("received", "reply"),
    [
        (command(WILL, AUTHENTICATION), command(DONT, AUTHENTICATION)),
        (command(DO, NEW_ENVIRON), command(WONT, NEW_ENVIRON)),
        # Tera Term replies to a disable of an option above 34 too.
        (command(WONT, AUTHENTICATION), command(DONT, AUTHENTICATION)),
        (command(DONT, NEW_ENVIRON), command(WONT, NEW_ENVIRON)),
        (command(WILL, 255), command(DONT, 255)),
    ],
)
def test_options_above_34_rejected(received: bytes, reply: bytes) -> None:
    assert TelnetProtocol().decode(received) == (b"", reply)


def test_repeated_will_gets_no_reply() -> None:
    protocol = TelnetProtocol()
    protocol.decode(command(WILL, SGA))
    assert protocol.decode(command(WILL, SGA)) == (b"", b"")


def test_repeated_rejection_sent_each_time() -> None:
    protocol = TelnetProtocol()
    protocol.decode(command(DO, ECHO))
    assert protocol.decode(command(DO, ECHO)) == (b"", command(WONT, ECHO))


def test_wont_on_enabled_option() -> None:
    protocol = TelnetProtocol()
    protocol.decode(command(WILL, ECHO))
    assert protocol.decode(command(WONT, ECHO)) == (b"", command(DONT, ECHO))
    assert not protocol.remote.is_enabled(ECHO)


def test_dont_on_disabled_option_ignored() -> None:
    assert TelnetProtocol().decode(command(DONT, SGA)) == (b"", b"")


def test_do_naws_sends_window_size() -> None:
    _, replies = TelnetProtocol().decode(command(DO, NAWS))
    assert replies == command(WILL, NAWS) + sub(NAWS, b"\x00\x50\x00\x18")


def test_do_naws_after_own_will() -> None:
    protocol = TelnetProtocol(initiate=True)
    protocol.greeting()
    assert protocol.decode(command(DO, NAWS)) == (b"", sub(NAWS, b"\x00\x50\x00\x18"))


def test_window_size_doubles_iac() -> None:
    assert window_size_message(255, 24) == sub(NAWS, b"\x00\xff\xff\x00\x18")


# -- sub-negotiation ----------------------------------------------------------------


def test_terminal_type_reply() -> None:
    protocol = TelnetProtocol()
    protocol.decode(command(DO, TTYPE))
    assert protocol.decode(sub(TTYPE, b"\x01")) == (b"", sub(TTYPE, b"\x00xterm"))


def test_terminal_type_before_will_ignored() -> None:
    assert TelnetProtocol().decode(sub(TTYPE, b"\x01")) == (b"", b"")


def test_terminal_speed_reply() -> None:
    protocol = TelnetProtocol()
    protocol.decode(command(DO, TSPEED))
    assert protocol.decode(sub(TSPEED, b"\x01")) == (b"", sub(TSPEED, b"\x0038400,38400"))


def test_empty_subnegotiation_ignored() -> None:
    protocol = TelnetProtocol()
    protocol.decode(command(DO, TTYPE))
    assert protocol.decode(sub(TTYPE, b"") + b"ok") == (b"ok", b"")


def test_subnegotiation_with_iac_iac() -> None:
    protocol = TelnetProtocol()
    data, replies = protocol.decode(sub(NAWS, b"\x00\xff\xff\x00\x18") + b"after")
    assert data == b"after"
    assert replies == b""


def test_overlong_subnegotiation_abandoned() -> None:
    # Tera Term keeps 50 bytes; the rest of the sub-negotiation becomes data.
    protocol = TelnetProtocol()
    raw = bytes((IAC, SB, NEW_ENVIRON)) + b"A" * 49 + b"XYZ" + bytes((IAC, SE))
    data, _ = protocol.decode(raw)
    assert data == b"YZ"


# -- received data ------------------------------------------------------------------


def test_iac_iac_is_data_ff() -> None:
    assert TelnetProtocol().decode(b"a\xff\xffb") == (b"a\xffb", b"")


@pytest.mark.parametrize("code", [NOP, DATA_MARK, BREAK, ARE_YOU_THERE, GO_AHEAD, SE, 0x41])
def test_other_commands_removed(code: int) -> None:
    assert TelnetProtocol().decode(b"a" + bytes((IAC, code)) + b"b") == (b"ab", b"")


def test_cr_nul_becomes_cr() -> None:
    assert TelnetProtocol().decode(b"one\r\x00two\r\n") == (b"one\rtwo\r\n", b"")


def test_cr_nul_split_across_reads() -> None:
    protocol = TelnetProtocol()
    assert protocol.decode(b"one\r") == (b"one\r", b"")
    assert protocol.decode(b"\x00two") == (b"two", b"")


def test_nul_not_after_cr_kept() -> None:
    assert TelnetProtocol().decode(b"a\x00b\r\r\x00") == (b"a\x00b\r\r", b"")


def test_cr_nul_kept_in_binary_receive() -> None:
    protocol = TelnetProtocol()
    protocol.decode(command(WILL, BINARY))
    assert protocol.decode(b"a\r\x00b") == (b"a\r\x00b", b"")


def test_binary_receive_ends_with_wont() -> None:
    protocol = TelnetProtocol()
    protocol.decode(command(WILL, BINARY))
    protocol.decode(command(WONT, BINARY))
    assert protocol.decode(b"a\r\x00b") == (b"a\rb", b"")


SCRIPT = (
    b"\r\n"
    + command(DO, TTYPE) + command(WILL, ECHO) + command(DO, AUTHENTICATION)
    + b"log\xff\xffin:\r\x00"
    + sub(TTYPE, b"\x01")
    + bytes((IAC, NOP))
    + sub(NAWS, b"\x00\xff\xff\x00\x18")
    + command(DO, NAWS)
    + b" done\r\n"
)


def test_script_decoded_whole() -> None:
    data, replies = TelnetProtocol().decode(SCRIPT)
    assert data == b"\r\nlog\xffin:\r done\r\n"
    assert replies == (command(WILL, TTYPE) + command(DO, ECHO) + command(WONT, AUTHENTICATION)
                       + sub(TTYPE, b"\x00xterm") + command(WILL, NAWS) + sub(NAWS, b"\x00\x50\x00\x18"))


@pytest.mark.parametrize("cut", range(1, len(SCRIPT)))
def test_script_split_once(cut: int) -> None:
    expected = TelnetProtocol().decode(SCRIPT)
    assert decode_in_pieces(TelnetProtocol(), SCRIPT, [cut]) == expected


def test_script_byte_by_byte() -> None:
    expected = TelnetProtocol().decode(SCRIPT)
    assert decode_in_pieces(TelnetProtocol(), SCRIPT, list(range(1, len(SCRIPT)))) == expected


# -- sending ---------------------------------------------------------------------------


def test_encode_doubles_iac() -> None:
    assert TelnetProtocol().encode(b"a\xffb", text=False) == b"a\xff\xffb"


def test_encode_cr_nul_text_and_binary() -> None:
    protocol = TelnetProtocol()
    assert protocol.encode(b"ls\r", text=True) == b"ls\r\x00"
    assert protocol.encode(b"a\r\nb", text=False) == b"a\r\x00\nb"


def test_encode_crlf_newline_adds_no_nul_to_text() -> None:
    protocol = TelnetProtocol(cr_nul_in_text=False)
    assert protocol.encode(b"ls\r\n", text=True) == b"ls\r\n"
    assert protocol.encode(b"ls\r", text=False) == b"ls\r\x00"


def test_encode_binary_transmit_sends_bare_cr() -> None:
    protocol = TelnetProtocol()
    protocol.decode(command(DO, BINARY))
    assert protocol.encode(b"ls\r\xff", text=True) == b"ls\r\xff\xff"


def test_binary_transmit_ends_with_dont() -> None:
    protocol = TelnetProtocol()
    protocol.decode(command(DO, BINARY) + command(DONT, BINARY))
    assert protocol.encode(b"ls\r", text=True) == b"ls\r\x00"


def test_binary_requested_and_granted() -> None:
    protocol = TelnetProtocol(initiate=True, request_binary=True)
    protocol.greeting()
    assert protocol.decode(command(DO, BINARY) + command(WILL, BINARY)) == (b"", b"")
    assert protocol.binary_send
    assert protocol.binary_receive


def test_break_command() -> None:
    assert TelnetProtocol().break_command() == bytes((IAC, BREAK))


# -- scripted server on loopback -------------------------------------------------------


def scripted_login(peer: ScriptedPeer, conn: socket.socket) -> None:
    """Negotiate like a small telnetd, prompt, and echo one line back."""
    conn.sendall(command(DO, TTYPE) + command(WILL, ECHO) + command(WILL, SGA))
    peer.read_exactly(conn, 9)  # WILL TTYPE, DO ECHO, DO SGA
    conn.sendall(sub(TTYPE, b"\x01"))
    peer.read_until(conn, bytes((IAC, SE)))
    conn.sendall(b"login: ")
    line = peer.read_until(conn, b"\r\x00")
    conn.sendall(b"hello " + line[:-2] + b"\r\n$ ")


def test_scripted_login_over_loopback() -> None:
    peer = ScriptedPeer(lambda conn: scripted_login(peer, conn))
    m = run_text(
        f"timeout = 5\nconnect '127.0.0.1:{peer.port} /T=1'\nwait 'login: '\n"
        "sendln 'me'\nwait 'hello me'\nr = result\nwait '$ '\ns = result\n"
    )
    m.link.close("test done")
    received = peer.finish()
    assert m.vars["r"] == 1
    assert m.vars["s"] == 1
    assert received.startswith(command(WILL, TTYPE) + command(DO, ECHO) + command(DO, SGA))
    assert sub(TTYPE, b"\x00xterm") in received
    assert received.endswith(b"me\r\x00")


def test_telnet_url_selects_telnet() -> None:
    peer = ScriptedPeer(lambda conn: conn.sendall(command(DO, STATUS) + b"ready\r\n"))
    m = run_text(f"timeout = 5\nconnect 'telnet://127.0.0.1:{peer.port}'\nwait 'ready'\nr = result\n")
    m.link.close("test done")
    assert m.vars["r"] == 1
    assert peer.finish() == command(WONT, STATUS)


def test_no_greeting_on_other_ports() -> None:
    peer = ScriptedPeer()
    m = run_text(f"connect '127.0.0.1:{peer.port} /telnet'\nsend 'x'\n")
    m.link.close("test done")
    assert peer.finish() == b"x"


def test_greeting_on_negotiation_port(monkeypatch: pytest.MonkeyPatch) -> None:
    peer = ScriptedPeer()
    monkeypatch.setattr(telnet, "NEGOTIATION_PORT", peer.port)
    m = run_text(f"connect '127.0.0.1:{peer.port} /T=1 /B'\nsendln 'x'\n")
    m.link.close("test done")
    assert peer.finish() == TelnetProtocol(initiate=True, request_binary=True).greeting() + b"x\r\x00"


def test_sendln_newline_crlf_option() -> None:
    from ttl.machine import Options

    peer = ScriptedPeer()
    m = run_text(f"connect '127.0.0.1:{peer.port} /T=1'\nsendln 'x'\n", options=Options(newline=b"\r\n"))
    m.link.close("test done")
    assert peer.finish() == b"x\r\n"


def test_sendbinary_doubles_iac() -> None:
    peer = ScriptedPeer()
    m = run_text(f"connect '127.0.0.1:{peer.port} /T=1'\nsendbinary 255 13 10\n")
    m.link.close("test done")
    assert peer.finish() == b"\xff\xff\r\x00\n"


def test_sendbreak_sends_iac_break() -> None:
    peer = ScriptedPeer()
    m = run_text(f"connect '127.0.0.1:{peer.port} /T=1'\nsendbreak\n")
    m.link.close("test done")
    assert peer.finish() == bytes((IAC, BREAK))


def test_peer_closes_inside_command() -> None:
    # The server sends half of IAC DO TTYPE and hangs up.
    peer = ScriptedPeer(lambda conn: conn.sendall(b"bye\r\n\xff\xfd"))
    peer.closed_by_script = True
    started = time.monotonic()
    m = run_text(
        f"timeout = 20\nconnect '127.0.0.1:{peer.port} /T=1'\nwait 'never'\nr = result\ntestlink\nt = result\n"
    )
    assert m.vars["r"] == 0
    assert m.vars["t"] == 1
    assert time.monotonic() - started < 10
    peer.finish()


def test_peer_stalls_inside_subnegotiation() -> None:
    def stall(conn: socket.socket) -> None:
        conn.sendall(b"ok " + bytes((IAC, SB, TTYPE)) + b"\x01")
        time.sleep(2)

    peer = ScriptedPeer(stall)
    m = run_text(f"connect '127.0.0.1:{peer.port} /T=1'\nmtimeout = 500\nwait 'ok' 'never'\nr = result\n"
                 "wait 'never'\ns = result\n")
    m.link.close("test done")
    peer.finish()
    assert m.vars["r"] == 1
    assert m.vars["s"] == 0


def test_unreachable_port(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    m = run_text(f"connect '127.0.0.1:{port} /T=1'\nr = result\n")
    assert m.vars["r"] == 1
    assert "telnet 127.0.0.1" in capsys.readouterr().err


# -- real telnet servers -------------------------------------------------------------


def require_server(port: int) -> None:
    """Skip (or fail under CI) unless a telnet server listens on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
    except OSError as error:
        require_peer(
            f"no telnet server on 127.0.0.1:{port} ({error}); as root run "
            "`STATE=/tmp/ttlrun-ci bash .ci/peers/telnet.sh install` and then the same with `start`"
        )


@pytest.mark.peer
@pytest.mark.parametrize("server", SERVERS)
def test_login_macro(server: str, run_ttlrun) -> None:
    port = SERVERS[server]
    require_server(port)
    result = run_ttlrun("telnet/login.ttl", "127.0.0.1", str(port), USER, PASSWORD)

    assert result.returncode == EXIT_OK, result.describe()
    assert "[output] MARK-42" in result.stdout, result.describe()
    assert "[telnet] logged out" in result.stdout, result.describe()
    sent, received = result.transcript_streams()
    assert b"MARK-42\r\n" in received
    assert IAC in received, "the server sent no telnet command"
    assert b"echo MARK-$((6*7))\r" in sent


@pytest.mark.peer
def test_inetutils_negotiation_replies(run_ttlrun) -> None:
    require_server(INETUTILS_PORT)
    result = run_ttlrun("telnet/login.ttl", "127.0.0.1", str(INETUTILS_PORT), USER, PASSWORD)

    assert result.returncode == EXIT_OK, result.describe()
    sent, _ = result.transcript_streams()
    assert sub(TTYPE, b"\x00xterm") in sent
    assert sub(TSPEED, b"\x0038400,38400") in sent
    assert sub(NAWS, b"\x00\x50\x00\x18") in sent
    assert command(DONT, AUTHENTICATION) in sent
    # inetutils telnetd sends DO BINARY, which Tera Term accepts, so CR goes out alone.
    assert command(WILL, BINARY) in sent
    assert b"teltest\r" in sent
    assert b"teltest\r\x00" not in sent


@pytest.mark.peer
def test_busybox_cr_nul(run_ttlrun) -> None:
    require_server(BUSYBOX_PORT)
    result = run_ttlrun("telnet/login.ttl", "127.0.0.1", str(BUSYBOX_PORT), USER, PASSWORD)

    assert result.returncode == EXIT_OK, result.describe()
    sent, _ = result.transcript_streams()
    assert command(WONT, ECHO) in sent
    assert b"teltest\r\x00" in sent
    assert b"telpass\r\x00" in sent


@pytest.mark.peer
@pytest.mark.parametrize("server", SERVERS)
def test_login_wrong_password(server: str, run_ttlrun) -> None:
    port = SERVERS[server]
    require_server(port)
    result = run_ttlrun("telnet/login.ttl", "127.0.0.1", str(port), USER, "wrong-password")

    assert result.returncode == EXIT_LOGIN_INCORRECT, result.describe()
    assert "[telnet] login incorrect" in result.stdout, result.describe()


def test_login_unreachable_port(run_ttlrun) -> None:
    result = run_ttlrun("telnet/login.ttl", "127.0.0.1", str(free_port()), USER, PASSWORD)

    assert result.returncode == EXIT_NO_CONNECTION, result.describe()
    assert "cannot connect" in result.stdout, result.describe()
    assert "warning: connect to telnet 127.0.0.1" in result.stderr, result.describe()


def test_login_macro_server_hangs_up(run_ttlrun) -> None:
    def hang_up_after_user_name(conn: socket.socket) -> None:
        conn.sendall(command(WILL, ECHO) + b"login: ")
        peer.read_until(conn, b"\r\x00")

    peer = ScriptedPeer(hang_up_after_user_name)
    peer.closed_by_script = True
    result = run_ttlrun("telnet/login.ttl", "127.0.0.1", str(peer.port), USER, PASSWORD)
    received = peer.finish()

    assert result.returncode == EXIT_CLOSED_EARLY, result.describe()
    assert "closed the connection" in result.stdout, result.describe()
    assert received == command(DO, ECHO) + b"teltest\r\x00"


LOGIN_THEN = f"""timeout = 10
connect '127.0.0.1:{{port}} /T=1'
wait 'login:'
sendln '{USER}'
wait 'Password:'
sendln '{PASSWORD}'
wait '$ '
login = result
"""


@pytest.mark.peer
@pytest.mark.parametrize("server", SERVERS)
def test_server_closes_during_wait(server: str) -> None:
    port = SERVERS[server]
    require_server(port)
    started = time.monotonic()
    m = run_text(LOGIN_THEN.format(port=port) + "sendln 'exit'\ntimeout = 30\nwait 'never printed'\n"
                 "r = result\ntestlink\nt = result\n")

    assert m.vars["login"] == 1
    assert m.vars["r"] == 0
    assert m.vars["t"] == 1
    assert time.monotonic() - started < 20, "the wait did not end when the server closed the connection"


@pytest.mark.peer
def test_inetutils_with_opening_negotiation(monkeypatch: pytest.MonkeyPatch) -> None:
    """ttlrun starts the negotiation as on port 23 and still logs in."""
    require_server(INETUTILS_PORT)
    monkeypatch.setattr(telnet, "NEGOTIATION_PORT", INETUTILS_PORT)
    m = run_text(LOGIN_THEN.format(port=INETUTILS_PORT)
                 + "sendln 'echo MARK-$((6*7))'\nwait 'MARK-42'\nmark = result\nsendln 'exit'\nwait 'logout'\n")

    assert m.vars["login"] == 1
    assert m.vars["mark"] == 1
    protocol = m.link.transport.protocol
    assert protocol.local.is_enabled(TTYPE)
    assert protocol.local.is_enabled(NAWS)
    assert protocol.remote.is_enabled(SGA)
    m.link.close("test done")
