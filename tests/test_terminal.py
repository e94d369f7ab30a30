"""Terminal processing of received data, as the wait commands see it."""

from __future__ import annotations

import socket

import pytest
from loopback import ScriptedPeer

from ttl.machine import Options
from ttl.runner import run_text
from ttl.terminal import TerminalFilter


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        ([b"user@host:~$ \x1b[01;32mls\x1b[0m\r\nfoo\r\n"], b"user@host:~$ ls\r\nfoo\r\n"),
        ([b"\x1b]0;user@host: ~\x07prompt$ "], b"prompt$ "),
        ([b"\x1b]2;title\x1b\\ok"], b"ok"),
        ([b"\x1b[?2004hteltest@vm:~$ "], b"teltest@vm:~$ "),
        ([b"\x1b(Bplain\x1b7x\x1b8"], b"plainx"),
        ([b"100%\r 50%\r\n"], b"100% 50%\r\n"),
        ([b"a\r\r\nb"], b"a\r\nb"),
        ([b"lone\nlf"], b"lone\nlf"),
        ([b"tab\there\x07\x08\x00"], b"tab\there"),
        ([b"x\x1b[3", b"1mY"], b"xY"),
        ([b"x\x1b]0;ti", b"tle\x07Y"], b"xY"),
        ([b"line\r", b"\nnext"], b"line\r\nnext"),
        ([b"line\r", b"over"], b"lineover"),
    ],
)
def test_filter_output(chunks: list[bytes], expected: bytes) -> None:
    terminal = TerminalFilter()
    assert b"".join(terminal.feed(chunk) for chunk in chunks) == expected


def test_filter_decodes_shift_jis_split_across_chunks() -> None:
    terminal = TerminalFilter("cp932")
    data = "ログイン: ".encode("cp932")
    text = terminal.feed(data[:3]) + terminal.feed(data[3:])
    assert text.decode("utf-8") == "ログイン: "


def test_filter_decodes_euc_jp() -> None:
    assert TerminalFilter("euc_jp").feed("パスワード:".encode("euc_jp")).decode("utf-8") == "パスワード:"


def colored_prompt(conn: socket.socket) -> None:
    conn.sendall(b"\x1b[01;32muser@host\x1b[00m:\x1b[01;34m~\x1b[00m$ ")


def test_wait_matches_colored_prompt() -> None:
    peer = ScriptedPeer(colored_prompt)
    m = run_text(f"connect '127.0.0.1:{peer.port}'\ntimeout = 5\nwait 'user@host:~$ '\n")
    assert m.vars["result"] == 1
    peer.finish()


def test_raw_match_sees_escape_sequences() -> None:
    peer = ScriptedPeer(colored_prompt)
    import io

    options = Options(raw_match=True, stdout=io.StringIO())
    m = run_text(f"connect '127.0.0.1:{peer.port}'\nmtimeout = 500\nwait 'user@host:~$ ' '[00m$ '\n", options=options)
    assert m.vars["result"] == 2
    peer.finish()


def test_connect_charset_option() -> None:
    peer = ScriptedPeer(lambda conn: conn.sendall("ログイン: ".encode("cp932")))
    m = run_text(f"connect '127.0.0.1:{peer.port} /KR=SJIS'\ntimeout = 5\nwait 'ログイン:'\n")
    assert m.vars["result"] == 1
    peer.finish()
