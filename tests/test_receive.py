"""waitn, waitrecv, wait4all, waitevent, setdebug and the other receive-side commands."""

from __future__ import annotations

import socket
import time

from loopback import ScriptedPeer

from ttl.runner import run_text


def session(data: bytes, body: str, *, close: bool = False, gap: float = 0.0) -> object:
    def script(conn: socket.socket) -> None:
        conn.sendall(data)
        if gap:
            time.sleep(gap)

    peer = ScriptedPeer(script)
    peer.closed_by_script = close
    m = run_text(f"connect '127.0.0.1:{peer.port}'\ntimeout = 5\n" + body)
    peer.finish()
    return m


def test_waitn_reads_count_bytes() -> None:
    m = session(b"abcdefgh", "waitn 5\n")
    assert m.vars["result"] == 1  # type: ignore[attr-defined]
    assert m.vars["inputstr"] == b"abcde"  # type: ignore[attr-defined]


def test_waitn_counts_earlier_bytes_of_line() -> None:
    m = session(b"login: rest", "wait 'login:'\nwaitn 8\n")
    assert m.vars["inputstr"] == b"login: r"  # type: ignore[attr-defined]


def test_waitn_keeps_lf_inside() -> None:
    m = session(b"a\r\nbc", "waitn 5\n")
    assert m.vars["inputstr"] == b"a\r\nbc"  # type: ignore[attr-defined]


def test_waitn_timeout_with_partial_data() -> None:
    m = session(b"ab", "timeout = 0\nmtimeout = 300\nwaitn 5\n")
    assert m.vars["result"] == -1  # type: ignore[attr-defined]
    assert m.vars["inputstr"] == b"ab"  # type: ignore[attr-defined]


def test_waitrecv_finds_substring_at_position() -> None:
    m = session(b"xxLOGIN:abcd", "waitrecv 'LOGIN' 10 1\n")
    assert m.vars["result"] == 1  # type: ignore[attr-defined]
    assert m.vars["inputstr"] == b"LOGIN:abcd"  # type: ignore[attr-defined]


def test_waitrecv_timeout_after_found() -> None:
    m = session(b"LOGIN:", "timeout = 0\nmtimeout = 300\nwaitrecv 'LOGIN' 10 1\n")
    assert m.vars["result"] == -1  # type: ignore[attr-defined]
    assert m.vars["inputstr"] == b"LOGIN:"  # type: ignore[attr-defined]


def test_waitrecv_timeout_not_found() -> None:
    m = session(b"nothing here", "timeout = 0\nmtimeout = 300\nwaitrecv 'LOGIN' 10 1\n")
    assert m.vars["result"] == 0  # type: ignore[attr-defined]
    assert m.vars["inputstr"] == b""  # type: ignore[attr-defined]


def test_wait4all_result_is_one() -> None:
    m = session(b"foo bar", "wait4all 'zzz' 'bar'\n")
    assert m.vars["result"] == 1  # type: ignore[attr-defined]


def test_waitevent_disconnect() -> None:
    m = session(b"bye", "waitevent 5\n", close=True)
    assert m.vars["result"] == 4  # type: ignore[attr-defined]


def test_waitevent_timeout() -> None:
    m = session(b"", "timeout = 0\nmtimeout = 200\nwaitevent 1\n", gap=1.0)
    assert m.vars["result"] == 1  # type: ignore[attr-defined]


def test_setdebug_hex_mode() -> None:
    m = session(b"ok\r\n", "setdebug 2\nwait '0D 0A'\n")
    assert m.vars["result"] == 1  # type: ignore[attr-defined]


def test_setdebug_caret_mode() -> None:
    m = session(b"ok\r\n", "setdebug 1\nwait 'ok^M^J'\n")
    assert m.vars["result"] == 1  # type: ignore[attr-defined]


def test_setecho_feeds_sent_text_back() -> None:
    m = session(b"", "setecho 1\nsendln 'echoed'\nwait 'echoed'\n")
    assert m.vars["result"] == 1  # type: ignore[attr-defined]


def test_title_and_hostname() -> None:
    m = session(b"", "gettitle a\nsettitle 'mine'\ngettitle b\ngethostname h\n")
    assert m.vars["a"] == b"Tera Term"  # type: ignore[attr-defined]
    assert m.vars["b"] == b"mine"  # type: ignore[attr-defined]
    assert m.vars["h"] == b"127.0.0.1"  # type: ignore[attr-defined]


def test_waitregex_matches_prompt_without_newline() -> None:
    m = session(b"Last login\r\nrouter1# ", "waitregex '[a-z0-9]+[#>] $'\n")
    assert m.vars["result"] == 1  # type: ignore[attr-defined]
    assert m.vars["matchstr"] == b"router1# "  # type: ignore[attr-defined]


def test_waitregex_groups_and_order() -> None:
    m = session(b"Version 15.2(4)M3, RELEASE\r\n", "waitregex 'nomatch' 'Version ([0-9.]+)\\(([0-9]+)\\)'\n")
    assert m.vars["result"] == 2  # type: ignore[attr-defined]
    assert m.vars["groupmatchstr1"] == b"15.2"  # type: ignore[attr-defined]
    assert m.vars["groupmatchstr2"] == b"4"  # type: ignore[attr-defined]
    assert m.vars["groupmatchstr3"] == b""  # type: ignore[attr-defined]


def test_waitregex_line_then_recvln_gets_next_line() -> None:
    m = session(b"first line\r\nsecond\r\n", "waitregex 'first'\nrecvln\n")
    assert m.vars["inputstr"] == b"second"  # type: ignore[attr-defined]


def test_waitregex_invalid_pattern_times_out() -> None:
    m = session(b"abc\r\n", "timeout = 0\nmtimeout = 300\nwaitregex '(unclosed'\n")
    assert m.vars["result"] == 0  # type: ignore[attr-defined]
