"""Raw TCP sessions: connect, exact sends, buffered waits and timeouts."""

from __future__ import annotations

import io
import socket
import time
from pathlib import Path

import pytest
from loopback import ScriptedPeer, free_port

from ttl.cli import NEWLINES
from ttl.connect_line import ConnectLineError, parse_connect
from ttl.errors import LinkError, MacroRuntimeError, MacroSyntaxError
from ttl.machine import Options
from ttl.runner import run_text


def connect_line(peer: ScriptedPeer) -> str:
    return f"connect '127.0.0.1:{peer.port}'\n"


def run_against(peer: ScriptedPeer, body: str, **kwargs: object) -> object:
    return run_text(connect_line(peer) + body, **kwargs)  # type: ignore[arg-type]


def sender(*chunks: bytes, gap: float = 0.0):
    def script(conn: socket.socket) -> None:
        for chunk in chunks:
            conn.sendall(chunk)
            if gap:
                time.sleep(gap)

    return script


# -- connect ---------------------------------------------------------------


def test_connect_sets_result_two() -> None:
    peer = ScriptedPeer()
    m = run_against(peer, "r = result\ntestlink\nt = result\n")
    assert m.vars["r"] == 2
    assert m.vars["t"] == 2
    peer.finish()


def test_testlink_before_connect_is_zero() -> None:
    assert run_text("testlink\n").vars["result"] == 0


def test_disconnect_and_unlink_states() -> None:
    peer = ScriptedPeer()
    m = run_against(peer, "disconnect 0\ntestlink\na = result\nunlink\ntestlink\nb = result\n")
    assert (m.vars["a"], m.vars["b"]) == (1, 0)
    peer.finish()


def test_connect_refused_gives_result_one(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    m = run_text(f"connect '127.0.0.1:{port}'\nr = result\ntestlink\nt = result\n")
    assert m.vars["r"] == 1
    assert m.vars["t"] == 1
    assert "refused" in capsys.readouterr().err


def test_connect_unknown_host_gives_result_one(capsys: pytest.CaptureFixture[str]) -> None:
    m = run_text("connect 'no-such-host.invalid:2525'\nr = result\n")
    assert m.vars["r"] == 1
    assert "cannot resolve host name 'no-such-host.invalid'" in capsys.readouterr().err


def test_connect_ipv6_loopback() -> None:
    try:
        peer = ScriptedPeer(sender(b"hi6\n"), family=socket.AF_INET6)
    except OSError:
        pytest.skip("IPv6 loopback is not available")
    m = run_text(f"connect '[::1]:{peer.port}'\nwait 'hi6'\nr = result\n")
    assert m.vars["r"] == 1
    peer.finish()


def test_send_without_connect_is_an_error() -> None:
    with pytest.raises(LinkError, match="use 'connect' first"):
        run_text("sendln 'x'\n")


# -- connect strings ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "protocol", "host", "port"),
    [
        ("host:2525", "raw", "host", 2525),
        ("host 2525", "raw", "host", 2525),
        ("host /P=8080", "raw", "host", 8080),
        ("[::1]:2525", "raw", "::1", 2525),
        ("[::1]", "telnet", "::1", 23),
        ("::1", "telnet", "::1", 23),
        ("host", "telnet", "host", 23),
        ("host:22", "ssh", "host", 22),
        ("host:23", "telnet", "host", 23),
        ("host:23 /T=0", "raw", "host", 23),
        ("host:22 /nossh", "raw", "host", 22),
        ("host:2525 /nossh /T=0", "raw", "host", 2525),
        ("host:2525 /nossh /T=1", "telnet", "host", 2525),
        ("host:2525 /telnet", "telnet", "host", 2525),
        ("host:2525 /ssh", "ssh", "host", 2525),
        ("host /ssh /2 /auth=password /user=u /passwd=p", "ssh", "host", 22),
        ("ssh://user@host:2200/", "ssh", "host", 2200),
        ("telnet://host/", "telnet", "host", 23),
        ("user@host:22", "ssh", "host", 22),
        ("host:smtp", "raw", "host", 25),
        ('"host" 2525 ; comment /ssh', "raw", "host", 2525),
    ],
)
def test_connect_string_forms(text: str, protocol: str, host: str, port: int) -> None:
    request = parse_connect(text)
    assert (request.protocol, request.host, request.port) == (protocol, host, port)


def test_connect_string_serial() -> None:
    request = parse_connect("/C=3 /BAUD=115200")
    assert request.protocol == "serial"
    assert request.serial_port == "3"


def test_connect_string_ttssh_options_are_lowercase() -> None:
    # TTSSH ignores /SSH; only /ssh enables SSH.
    assert parse_connect("host:2525 /SSH").protocol == "raw"


def test_connect_string_user_and_password() -> None:
    request = parse_connect("ssh://us%40er:pa%3Ass@host")
    assert (request.user, request.password) == ("us@er", "pa:ss")


def test_connect_string_without_host() -> None:
    with pytest.raises(ConnectLineError, match="no host"):
        parse_connect("/P=25")


def test_connect_without_host_links_unconnected(capsys: pytest.CaptureFixture[str]) -> None:
    m = run_text("connect '/DS'\nr = result\ntestlink\nt = result\nclosett\n")
    assert (m.vars["r"], m.vars["t"]) == (1, 1)
    assert "names no host" in capsys.readouterr().err


# -- sending ---------------------------------------------------------------------


def test_sendln_appends_crlf_on_raw_tcp() -> None:
    peer = ScriptedPeer()
    run_against(peer, "sendln 'EHLO x'\nsendln\n")
    assert peer.finish() == b"EHLO x\r\n\r\n"


@pytest.mark.parametrize(("name", "newline"), [("cr", b"\r"), ("lf", b"\n"), ("crlf", b"\r\n")])
def test_sendln_newline_option(name: str, newline: bytes) -> None:
    peer = ScriptedPeer()
    options = Options(newline=NEWLINES[name], stdout=io.StringIO())
    run_against(peer, "sendln 'a'\n", options=options)
    assert peer.finish() == b"a" + newline


def test_send_mixes_strings_and_byte_codes() -> None:
    peer = ScriptedPeer()
    run_against(peer, "send 'a' 66 $0d 10 'c' 256 + 65\n")
    assert peer.finish() == b"aB\r\ncA"


def test_send_does_not_convert_cr_or_lf() -> None:
    peer = ScriptedPeer()
    run_against(peer, "send 'x'#13#10\nsend #10\nsend #13\n")
    assert peer.finish() == b"x\r\n\n\r"


def test_send_greedy_expression() -> None:
    peer = ScriptedPeer()
    run_against(peer, "send 65 -1\n")
    assert peer.finish() == b"@"


def test_sendfile_binary_is_exact(tmp_path: Path) -> None:
    data = bytes(range(256)) * 4 + b"\r\n\n\r\xff\xff"
    (tmp_path / "all.bin").write_bytes(data)
    peer = ScriptedPeer()
    run_text(connect_line(peer) + "sendfile 'all.bin' 1\n", path=tmp_path / "m.ttl")
    assert peer.finish() == data


def test_sendfile_text_converts_newlines(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_bytes(b"a\nb\r\nc\rd")
    peer = ScriptedPeer()
    run_text(connect_line(peer) + "sendfile 't.txt' 0\n", path=tmp_path / "m.ttl")
    assert peer.finish() == b"a\r\nb\r\nc\r\nd"


def test_sendfile_flag_uses_bit_zero(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_bytes(b"a\nb")
    peer = ScriptedPeer()
    run_text(connect_line(peer) + "sendfile 't.txt' 2\n", path=tmp_path / "m.ttl")
    assert peer.finish() == b"a\r\nb"


def test_sendfile_missing_file_is_an_error(tmp_path: Path) -> None:
    peer = ScriptedPeer()
    with pytest.raises(MacroRuntimeError, match="file not found"):
        run_text(connect_line(peer) + "sendfile 'nope.dat' 1\n", path=tmp_path / "m.ttl")
    peer.finish()


# -- waiting -----------------------------------------------------------------------


def test_wait_returns_index_of_string_found() -> None:
    peer = ScriptedPeer(sender(b"hello 550 world"))
    m = run_against(peer, "timeout = 5\nwait '250' '550'\n")
    assert m.vars["result"] == 2
    peer.finish()


def test_wait_earliest_completion_wins() -> None:
    # "bcd" completes at byte 4, "abcde" at byte 5.
    peer = ScriptedPeer(sender(b"abcde"))
    m = run_against(peer, "timeout = 5\nwait 'abcde' 'bcd'\n")
    assert m.vars["result"] == 2
    peer.finish()


def test_wait_tie_goes_to_lower_index() -> None:
    peer = ScriptedPeer(sender(b"xxabc"))
    m = run_against(peer, "timeout = 5\nwait 'bc' 'abc'\n")
    assert m.vars["result"] == 1
    peer.finish()


def test_wait_keeps_unconsumed_bytes() -> None:
    peer = ScriptedPeer(sender(b"one two three"))
    m = run_against(peer, "timeout = 5\nwait 'one'\nwait 'three' 'two'\na = result\nwait 'three'\nb = result\n")
    assert (m.vars["a"], m.vars["b"]) == (2, 1)
    peer.finish()


def test_wait_sees_data_sent_before_it() -> None:
    peer = ScriptedPeer(sender(b"ready> "))
    m = run_against(peer, "mpause 300\ntimeout = 1\nwait 'ready>'\n")
    assert m.vars["result"] == 1
    peer.finish()


def test_wait_match_split_across_reads() -> None:
    peer = ScriptedPeer(sender(b"lo", b"gin", b":", gap=0.05))
    m = run_against(peer, "timeout = 5\nwait 'login:'\n")
    assert m.vars["result"] == 1
    peer.finish()


def test_wait_empty_string_consumes_one_byte() -> None:
    peer = ScriptedPeer(sender(b"ab\n"))
    m = run_against(peer, "timeout = 5\nwait ''\nrecvln\n")
    assert m.vars["result"] == 1
    assert m.vars["inputstr"] == b"ab"
    peer.finish()


def test_wait_timeout_runs_from_start() -> None:
    # Data keeps coming, but never the string: the wait must still end.
    def trickle(conn: socket.socket) -> None:
        for _ in range(30):
            try:
                conn.sendall(b".")
            except OSError:
                return
            time.sleep(0.05)

    peer = ScriptedPeer(trickle)
    started = time.monotonic()
    m = run_against(peer, "timeout = 0\nmtimeout = 500\nwait 'never'\n")
    elapsed = time.monotonic() - started
    assert m.vars["result"] == 0
    assert elapsed < 1.2
    peer.finish()


def test_wait_zero_timeout_waits_until_data() -> None:
    peer = ScriptedPeer(sender(b"late", gap=0.0))
    m = run_against(peer, "timeout = 0\nmtimeout = 0\nwait 'late'\n")
    assert m.vars["result"] == 1
    peer.finish()


def test_wait_after_peer_closed_gives_zero() -> None:
    def close_now(conn: socket.socket) -> None:
        conn.sendall(b"bye\r\n")

    peer = ScriptedPeer(close_now)
    peer.closed_by_script = True
    m = run_against(peer, "timeout = 5\nwait 'bye'\na = result\nwait 'more'\nb = result\ntestlink\nc = result\n")
    assert (m.vars["a"], m.vars["b"], m.vars["c"]) == (1, 0, 1)
    peer.finish()


def test_send_after_peer_closed_is_an_error() -> None:
    peer = ScriptedPeer(lambda conn: None)
    peer.closed_by_script = True
    with pytest.raises(LinkError, match="the other end closed the connection") as info:
        run_against(peer, "timeout = 5\nwait 'x'\nsendln 'QUIT'\n")
    assert info.value.location is not None
    assert info.value.location.line == 4  # line 1 is the connect
    peer.finish()


def test_waitln_returns_whole_line() -> None:
    peer = ScriptedPeer(sender(b"junk\r\nuser@host:~$ ls\r\nnext"))
    m = run_against(peer, "timeout = 5\nwaitln 'host'\n")
    assert m.vars["result"] == 1
    assert m.vars["inputstr"] == b"user@host:~$ ls"
    peer.finish()


def test_recvln_after_wait_sees_whole_line() -> None:
    peer = ScriptedPeer(sender(b"user@host:~$ ls\r\nfoo\r\n"))
    m = run_against(peer, "timeout = 5\nwait 'ls'\nrecvln\na = inputstr\nrecvln\nb = inputstr\n")
    assert m.vars["a"] == b"user@host:~$ ls"
    assert m.vars["b"] == b"foo"
    peer.finish()


def test_recvln_timeout_keeps_partial_line() -> None:
    peer = ScriptedPeer(sender(b"partial"))
    m = run_against(peer, "mtimeout = 300\nrecvln\n")
    assert m.vars["result"] == 0
    assert m.vars["inputstr"] == b"partial"
    peer.finish()


def test_flushrecv_discards_received() -> None:
    peer = ScriptedPeer(sender(b"old data\r\n"))
    m = run_against(peer, "mpause 300\nflushrecv\nmtimeout = 300\nwait 'old'\n")
    assert m.vars["result"] == 0
    peer.finish()


def test_wait_string_parameter_must_be_string() -> None:
    peer = ScriptedPeer()
    with pytest.raises(MacroRuntimeError, match="must be a string"):
        run_against(peer, "n = 5\nwait n\n")
    peer.finish()


def test_wait_number_literal_rejected_before_run() -> None:
    with pytest.raises(MacroSyntaxError, match="must be a string, not an integer"):
        run_text("wait 5\n")


def test_broadcast_and_multicast_reach_own_connection() -> None:
    peer = ScriptedPeer()
    run_against(peer, "sendbroadcast 'a'\nsendlnbroadcast 'b'\nsetmulticastname 'grp'\n"
                "sendmulticast 'other' 'x'\nsendlnmulticast 'grp' 'c'\n")
    assert peer.finish() == b"ab\r\nc\r\n"


def test_closett_drops_link() -> None:
    peer = ScriptedPeer()
    m = run_against(peer, "closett\ntestlink\n")
    assert m.vars["result"] == 0
    peer.finish()


def test_changedir_sets_sendfile_folder(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "f.bin").write_bytes(b"in data dir")
    peer = ScriptedPeer()
    run_text(connect_line(peer) + "changedir 'data'\nsendfile 'f.bin' 1\n", path=tmp_path / "m.ttl")
    assert peer.finish() == b"in data dir"


def test_recvfile_writes_received_bytes(tmp_path: Path) -> None:
    payload = bytes(range(256)) + b"\x1b[0m\r\n"
    peer = ScriptedPeer(sender(payload))
    m = run_text(connect_line(peer) + "recvfile 'out.bin' 0 1\n", path=tmp_path / "m.ttl")
    assert (tmp_path / "out.bin").read_bytes() == payload
    assert m.vars["result"] == 1
    peer.finish()


# -- matcher edge cases a faster matcher tends to break ----------------------------


def test_wait_string_split_at_every_offset() -> None:
    marker = b"MARKER-1234"
    for cut in range(1, len(marker)):
        peer = ScriptedPeer(sender(b"xx" + marker[:cut], marker[cut:] + b"yy", gap=0.05))
        m = run_against(peer, "timeout = 5\nwait 'MARKER-1234'\nwait 'yy'\n")
        assert m.vars["result"] == 1, cut
        peer.finish()


def test_two_strings_complete_on_same_byte() -> None:
    peer = ScriptedPeer(sender(b"...prompt> "))
    m = run_against(peer, "timeout = 5\nwait 'prompt> ' '> '\n")
    assert m.vars["result"] == 1
    peer.finish()


def test_long_line_without_newline() -> None:
    payload = b"a" * 1_000_000 + b"END"
    peer = ScriptedPeer(sender(payload))
    m = run_against(peer, "timeout = 10\nwait 'END'\nr = result\n")
    assert m.vars["r"] == 1
    peer.finish()


def test_wait_keeps_bytes_after_large_match() -> None:
    peer = ScriptedPeer(sender(b"a" * 200_000 + b"FIRST" + b"b" * 200_000 + b"SECOND", gap=0.0))
    m = run_against(peer, "timeout = 10\nwait 'FIRST'\na = result\nwait 'SECOND' 'FIRST'\nb = result\n")
    assert (m.vars["a"], m.vars["b"]) == (1, 1)
    peer.finish()


def test_connect_string_serial_settings_alone() -> None:
    request = parse_connect("/BAUD=115200")
    assert request.protocol == "serial"
    assert request.serial_port == "1"
    assert request.options["BAUD"] == "115200"


def test_sendfile_large_file_exact_without_transcript(tmp_path: Path) -> None:
    data = bytes(range(256)) * 40_000  # 10 MB, sent by the kernel's sendfile
    (tmp_path / "big.bin").write_bytes(data)
    peer = ScriptedPeer()
    run_text(connect_line(peer) + "sendfile 'big.bin' 1\n", path=tmp_path / "m.ttl")
    assert peer.finish() == data


def test_sendfile_text_keeps_non_utf8_bytes(tmp_path: Path) -> None:
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9\nna\xefve\r\n\xff")
    peer = ScriptedPeer()
    run_text(connect_line(peer) + "sendfile 'latin1.txt' 0\n", path=tmp_path / "m.ttl")
    assert peer.finish() == b"caf\xe9\r\nna\xefve\r\n\xff"


def test_sendfile_text_utf16_is_sent_as_utf8(tmp_path: Path) -> None:
    (tmp_path / "u16.txt").write_bytes("\ufeffあ\nb".encode("utf-16-le"))
    peer = ScriptedPeer()
    run_text(connect_line(peer) + "sendfile 'u16.txt' 0\n", path=tmp_path / "m.ttl")
    assert peer.finish() == "あ\r\nb".encode("utf-8")
