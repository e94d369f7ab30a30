"""Miscellaneous commands: date and time, checksums, rotation, random,
environment, exec, special folders, local addresses, clipboard, ifdefined
and beep, with expected values from Tera Term 5's rules."""

from __future__ import annotations

import calendar
import os
import socket
import sys
import time
from pathlib import Path

import pytest

import ttl
from ttl.commands import misc
from ttl.errors import MacroRuntimeError, MacroSyntaxError
from ttl.machine import Machine
from ttl.runner import run_text

# Tuesday 2024-03-05 04:07:09 UTC, the 65th day of a leap year.
FIXED_TIME = calendar.timegm((2024, 3, 5, 4, 7, 9, 0, 0, 0))


@pytest.fixture(autouse=True)
def empty_clipboard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(misc, "_clipboard_text", None)


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(misc, "_current_time", lambda: FIXED_TIME)
    return FIXED_TIME


@pytest.fixture
def utc_zone(monkeypatch: pytest.MonkeyPatch):
    """Make UTC the local zone for the test and restore the zone afterwards."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def run(text: str, **kwargs) -> Machine:
    return run_text(text.strip() + "\n", **kwargs)


def date_text(fmt: str, zone: str = "UTC") -> tuple[bytes, int]:
    """Run getdate with ``fmt`` in ``zone``; return the stored text and result."""
    m = run(f"s = 'unchanged'\nresult = 99\ngetdate s '{fmt}' '{zone}'")
    return m.vars["s"], m.vars["result"]


# -- getdate and gettime -------------------------------------------------------


def test_getdate_default_format(fixed_clock, utc_zone):
    m = run("result = 42\ngetdate s")
    assert m.vars["s"] == b"2024-03-05"
    assert m.vars["result"] == 42


def test_gettime_default_format(fixed_clock, utc_zone):
    m = run("result = 42\ngettime s")
    assert m.vars["s"] == b"04:07:09"
    assert m.vars["result"] == 42


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("%Y%m%d", b"20240305"),
        ("%H:%M:%S", b"04:07:09"),
        ("%#d/%#m/%#H/%#M/%#S", b"5/3/4/7/9"),
        ("%#j %j", b"65 065"),
        ("%#y %y %Y", b"24 24 2024"),
        ("%I %#I %p", b"04 4 AM"),
        ("%a %A %b %B", b"Tue Tuesday Mar March"),
        ("%w %#w", b"2 2"),
        ("%U %W %#U", b"09 10 9"),
        ("%c", b"03/05/24 04:07:09"),
        ("%#c", b"Tuesday, March 05, 2024 04:07:09"),
        ("%x|%#x|%X|%#X", b"03/05/24|Tuesday, March 05, 2024|04:07:09|04:07:09"),
        ("%#a %#B %#p", b"Tue March AM"),
        ("100%%", b"100%"),
        ("%#%", b"%"),
        ("date: %Y", b"date: 2024"),
    ],
)
def test_getdate_conversion(fixed_clock, fmt, expected):
    assert date_text(fmt) == (expected, 0)


def test_getdate_keeps_non_ascii_bytes(fixed_clock):
    assert date_text("%Y年%#m月") == ("2024年3月".encode(), 0)


def test_getdate_hour_twelve_is_pm(monkeypatch):
    monkeypatch.setattr(misc, "_current_time", lambda: calendar.timegm((2024, 3, 5, 12, 0, 0, 0, 0, 0)))
    assert date_text("%I %p") == (b"12 PM", 0)


def test_getdate_midnight_is_twelve_am(monkeypatch):
    monkeypatch.setattr(misc, "_current_time", lambda: calendar.timegm((2024, 3, 5, 0, 0, 0, 0, 0, 0)))
    assert date_text("%I %p %#H") == (b"12 AM 0", 0)


def test_getdate_numbers_match_c_strftime(monkeypatch, utc_zone):
    """Week and day numbers agree with the C library for every day of two years."""
    start = calendar.timegm((2023, 1, 1, 12, 0, 0, 0, 0, 0))
    for day in range(731):
        moment = time.gmtime(start + day * 86400)
        for conversion in "dHjmUwWyY":
            expected = time.strftime(f"%{conversion}", moment).encode()
            text = misc._expand_time_format(f"%{conversion}".encode(), moment)
            assert text == expected, f"%{conversion} on {time.strftime('%Y-%m-%d', moment)}"


def test_gettime_format_same_as_getdate(fixed_clock):
    m = run("gettime s '%Y-%m-%d' 'UTC'")
    assert m.vars["s"] == b"2024-03-05"
    assert m.vars["result"] == 0


def test_getdate_timezone_shifts_hours(fixed_clock):
    assert date_text("%Y-%m-%d %H:%M", "JST-9") == (b"2024-03-05 13:07", 0)


def test_getdate_timezone_west_of_utc(fixed_clock):
    assert date_text("%d %H %z %Z", "EST5") == (b"04 23 -0500 EST", 0)


def test_getdate_timezone_offset(fixed_clock):
    assert date_text("%z %Z", "JST-9") == (b"+0900 JST", 0)


def test_getdate_timezone_restored_when_set(fixed_clock, monkeypatch):
    monkeypatch.setenv("TZ", "EST5")
    date_text("%H", "JST-9")
    assert os.environ["TZ"] == "EST5"


def test_getdate_timezone_restored_when_unset(fixed_clock, monkeypatch):
    monkeypatch.delenv("TZ", raising=False)
    date_text("%H", "JST-9")
    assert "TZ" not in os.environ


def test_getdate_empty_timezone_uses_system_zone(fixed_clock, monkeypatch):
    monkeypatch.delenv("TZ", raising=False)
    time.tzset()
    expected = time.strftime("%H", time.localtime(FIXED_TIME)).encode()
    monkeypatch.setenv("TZ", "JST-9")
    time.tzset()
    assert date_text("%H", "") == (expected, 0)
    assert os.environ["TZ"] == "JST-9"
    monkeypatch.undo()
    time.tzset()


def test_getdate_timezone_not_kept_for_next_call(fixed_clock, utc_zone):
    m = run("getdate a '%H' 'JST-9'\ngetdate b '%H'")
    assert m.vars["a"] == b"13"
    assert m.vars["b"] == b"04"


@pytest.mark.parametrize("fmt", ["%Q", "%", "abc%", "%#", "%#q", "%e", "%n", "%Y%"])
def test_getdate_invalid_conversion(fixed_clock, fmt):
    assert date_text(fmt) == (b"unchanged", 2)


def test_getdate_invalid_creates_empty_variable(fixed_clock):
    m = run("getdate s '%Q'")
    assert m.vars["s"] == b""
    assert m.vars["result"] == 2


def test_getdate_empty_format(fixed_clock):
    assert date_text("") == (b"unchanged", 1)


def test_getdate_output_of_511_bytes(fixed_clock):
    text, result = date_text("%Y" * 127 + "abc")
    assert len(text) == 511
    assert result == 0


def test_getdate_output_too_long(fixed_clock):
    assert date_text("%Y" * 128) == (b"unchanged", 1)


def test_getdate_format_must_be_string():
    with pytest.raises(MacroSyntaxError, match="must be a string, not an integer"):
        run("getdate s 5")


# -- setdate, settime, uptime ----------------------------------------------------


@pytest.mark.parametrize("line", ["setdate '2024-01-01'", "settime '12:00:00'"])
def test_clock_setting_raises(line):
    with pytest.raises(MacroRuntimeError, match="does not set the system clock"):
        run(line)


def test_uptime_between_readings():
    before = misc._uptime_milliseconds()
    m = run("uptime u")
    after = misc._uptime_milliseconds()
    assert before <= m.vars["u"] <= after


@pytest.mark.parametrize(
    ("milliseconds", "expected"),
    [(2**31 - 1, 2147483647), (2**31, -2147483648), (2**32 + 5, 5)],
)
def test_uptime_wraps_at_32_bits(monkeypatch, milliseconds, expected):
    monkeypatch.setattr(misc, "_uptime_milliseconds", lambda: milliseconds)
    assert run("uptime u").vars["u"] == expected


# -- random and rotation -----------------------------------------------------------


def test_random_within_range():
    m = run("intdim v 200\nfor i 0 199\n  random x 3\n  v[i] = x\nnext")
    assert set(m.vars["v"]) == {0, 1, 2, 3}


def test_random_maximum_one_gives_both():
    m = run("intdim v 100\nfor i 0 99\n  random x 1\n  v[i] = x\nnext")
    assert set(m.vars["v"]) == {0, 1}


def test_random_largest_maximum():
    value = run("random x 2147483647").vars["x"]
    assert 0 <= value <= 2147483647


@pytest.mark.parametrize("maximum", ["0", "-1", "-2147483648"])
def test_random_rejects_maximum(maximum):
    with pytest.raises(MacroRuntimeError, match="at least 1"):
        run(f"maximum = {maximum}\nrandom x maximum")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("rotateleft x 1 1", 2),
        ("rotateleft x $80000000 1", 1),
        ("rotateleft x $80000001 4", 0x18),
        ("rotateleft x $12345678 8", 0x34567812),
        ("rotateleft x 5 0", 5),
        ("rotateleft x 5 32", 5),
        ("rotateleft x 1 31", -2147483648),
        ("rotateleft x 1 33", 2),
        ("n = -1\nrotateleft x 1 n", -2147483648),
        ("rotateright x 1 1", -2147483648),
        ("rotateright x 2 1", 1),
        ("rotateright x $12345678 8", 0x78123456),
        ("n = -1\nrotateright x 1 n", 2),
        ("v = -1\nrotateright x v 7", -1),
        ("n = -2147483648\nrotateright x 6 n", 6),
    ],
)
def test_rotate(line, expected):
    assert run(line).vars["x"] == expected


# -- checksums ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("crc32 x '123456789'", -873187034),
        ("crc16 x '123456789'", 0x906E),
        ("checksum16 x '123456789'", 477),
        ("checksum8 x 'abc'", 38),
        ("crc32 x 'abc'", 0x352441C2),
        ("checksum8 x '123456789'", 477 & 0xFF),
        ("checksum32 x '123456789'", 477),
        ("crc16 x 'a'", 0x82F7),
        ("checksum8 x #255#255", 254),
    ],
)
def test_checksum_string(line, expected):
    assert run(line).vars["x"] == expected


def test_checksum32_stored_signed(tmp_path):
    # 9,000,000 bytes of 0xFF sum to 2,295,000,000, past the largest 32-bit signed value.
    (tmp_path / "ff.bin").write_bytes(b"\xff" * 9_000_000)
    m = run("checksum32file x 'ff.bin'\nchecksum16file y 'ff.bin'", path=tmp_path / "t.ttl")
    assert m.vars["x"] == 2_295_000_000 - 2**32
    assert m.vars["y"] == 2_295_000_000 % 2**16


@pytest.mark.parametrize("algorithm", ["checksum8", "checksum16", "checksum32", "crc16", "crc32"])
def test_checksum_empty_string_keeps_variable(algorithm):
    m = run(f"x = 7\nresult = 5\n{algorithm} x ''")
    assert m.vars["x"] == 7
    assert m.vars["result"] == 5


def test_checksum_empty_string_creates_zero():
    assert run("crc32 x ''").vars["x"] == 0


def test_checksum_into_string_variable_rejected():
    with pytest.raises(MacroRuntimeError, match="type mismatch"):
        run("x = 'text'\ncrc32 x 'abc'")


def test_checksum_into_array_element():
    m = run("intdim a 2\ncrc16 a[1] '123456789'")
    assert m.vars["a"] == [0, 0x906E]


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("crc32file", -873187034),
        ("crc16file", 0x906E),
        ("checksum8file", 477 & 0xFF),
        ("checksum16file", 477),
        ("checksum32file", 477),
    ],
)
def test_checksum_file(tmp_path, algorithm, expected):
    (tmp_path / "data.bin").write_bytes(b"123456789")
    m = run(f"result = 9\n{algorithm} x 'data.bin'", path=tmp_path / "t.ttl")
    assert m.vars["x"] == expected
    assert m.vars["result"] == 0


def test_checksum_file_large(tmp_path):
    data = bytes(range(256)) * 20000
    (tmp_path / "big.bin").write_bytes(data)
    m = run("crc32file x 'big.bin'\ncrc16file y 'big.bin'", path=tmp_path / "t.ttl")
    assert m.vars["x"] == misc.wrap(misc.zlib.crc32(data))
    assert m.vars["y"] == misc._checksum("crc16", [data])


@pytest.mark.parametrize("name", ["missing.bin", "empty.bin", "folder"])
def test_checksum_file_failure(tmp_path, name):
    (tmp_path / "empty.bin").write_bytes(b"")
    (tmp_path / "folder").mkdir()
    m = run(f"x = 7\ncrc32file x '{name}'", path=tmp_path / "t.ttl")
    assert m.vars["x"] == 7
    assert m.vars["result"] == -1


def test_checksum_file_failure_creates_zero(tmp_path):
    m = run("crc32file x 'missing.bin'", path=tmp_path / "t.ttl")
    assert m.vars["x"] == 0
    assert m.vars["result"] == -1


def test_checksum_file_empty_name(tmp_path):
    m = run("x = 7\nresult = 5\ncrc32file x ''", path=tmp_path / "t.ttl")
    assert m.vars["x"] == 7
    assert m.vars["result"] == 5


def test_checksum_file_absolute_path(tmp_path):
    data_file = tmp_path / "data.bin"
    data_file.write_bytes(b"abc")
    m = run(f"checksum8file x '{data_file}'", path=tmp_path / "sub" / "t.ttl")
    assert m.vars["x"] == 38


# -- ifdefined -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("", 0),
        ("x = 1", 1),
        ("x = 'a'", 3),
        ("intdim x 2", 5),
        ("strdim x 2", 6),
        ("int2str x 5", 3),
    ],
)
def test_ifdefined_variable(setup, expected):
    assert run(f"{setup}\nifdefined x").vars["result"] == expected


def test_ifdefined_system_variable():
    assert run("ifdefined inputstr").vars["result"] == 3


def test_ifdefined_case_insensitive():
    assert run("Xy = 1\nifdefined XY").vars["result"] == 1


def test_ifdefined_label_later_in_file():
    assert run("ifdefined here\nend\n:here").vars["result"] == 4


def test_ifdefined_label_of_including_file(tmp_path):
    (tmp_path / "inc.ttl").write_text("ifdefined outer\nr = result\n")
    m = run("include 'inc.ttl'\nend\n:outer", path=tmp_path / "main.ttl")
    assert m.vars["r"] == 4


def test_ifdefined_label_of_finished_include(tmp_path):
    (tmp_path / "inc.ttl").write_text("goto done\n:done\n")
    m = run("include 'inc.ttl'\nifdefined done", path=tmp_path / "main.ttl")
    assert m.vars["result"] == 0


@pytest.mark.parametrize(
    ("setup", "target", "expected"),
    [
        ("intdim a 3", ("a", 2), 1),
        ("intdim a 3", ("a", 3), 0),
        ("intdim a 3", ("a", -1), 0),
        ("strdim a 3", ("a", 0), 3),
        ("strdim a 3", ("a", 5), 0),
        ("a = 1", ("a", 0), 1),
        ("", ("a", 0), 0),
    ],
)
def test_ifdefined_element(setup, target, expected):
    m = run(setup)
    misc.ifdefined(m, target)
    assert m.vars["result"] == expected


def test_ifdefined_keyword_is_undefined():
    m = run("")
    misc.ifdefined(m, "send")
    assert m.vars["result"] == 0


def test_ifdefined_not_a_name():
    m = run("")
    misc.ifdefined(m, None)
    assert m.vars["result"] == 0


# -- getver and getttdir -------------------------------------------------------------


def test_getver_without_comparison():
    m = run("result = 8\ngetver v")
    assert m.vars["v"] == b"5.7"
    assert m.vars["result"] == 8


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("5.7", 0),
        ("5.6", 1),
        ("5.8", -1),
        ("6.0", -1),
        ("4.99", 1),
        ("5.07", 0),
        (" 5.7", 0),
        ("5. 7", 0),
        ("5.7.1", 0),
        ("5.7beta", 0),
        ("+5.+7", 0),
        ("4.10007", 0),
        ("-1.0", 1),
    ],
)
def test_getver_comparison(version, expected):
    m = run(f"getver v '{version}'")
    assert m.vars["v"] == b"5.7"
    assert m.vars["result"] == expected


@pytest.mark.parametrize("version", ["5", "", "abc", "5 .7", "5,7", "v5.7", "5."])
def test_getver_unparsable(version):
    m = run(f"v = 'old'\ngetver v '{version}'")
    assert m.vars["v"] == b"old"
    assert m.vars["result"] == -2


def test_getttdir():
    m = run("result = 0\ngetttdir d")
    assert m.vars["d"] == os.fsencode(str(Path(ttl.__file__).resolve().parent))
    assert m.vars["result"] == 1


# -- setenv and exec ------------------------------------------------------------------

ENV_NAME = "TTLRUN_TEST_MISC_VALUE"


def test_setenv_visible_to_getenv(monkeypatch):
    monkeypatch.delenv(ENV_NAME, raising=False)
    m = run(f"setenv '{ENV_NAME}' 'abc'\ngetenv '{ENV_NAME}' v")
    assert m.vars["v"] == b"abc"
    assert os.environ[ENV_NAME] == "abc"


def test_setenv_empty_value_removes(monkeypatch):
    monkeypatch.setenv(ENV_NAME, "before")
    run(f"setenv '{ENV_NAME}' ''")
    assert ENV_NAME not in os.environ


@pytest.mark.parametrize("name", ["", "A=B"])
def test_setenv_invalid_name_warns(monkeypatch, capsys, name):
    monkeypatch.delenv("A", raising=False)
    run(f"setenv '{name}' 'x'")
    assert "setenv: invalid" in capsys.readouterr().err
    assert "A" not in os.environ


def ttl_string(text: str) -> str:
    """Return a TTL string expression for ``text``; a quote is written as #39."""
    return "'" + text.replace("'", "'#39'") + "'"


def python_command(code: str) -> str:
    """Return a TTL string expression of a command line that runs Python ``code``."""
    return ttl_string(f'"{sys.executable}" -c "{code}"')


def test_exec_wait_returns_exit_code():
    m = run(f"exec {python_command('import sys; sys.exit(3)')} 'hide' 1")
    assert m.vars["result"] == 3


def test_exec_without_wait_returns_zero(tmp_path):
    marker = tmp_path / "started"
    code = f"open(r{str(marker)!r}, 'w').close()"
    m = run(f"result = 9\nexec {python_command(code)}")
    assert m.vars["result"] == 0
    for process in misc._background_processes:
        process.wait(timeout=30)
    assert marker.exists()


def test_exec_no_shell_expansion(tmp_path):
    output = tmp_path / "argv.txt"
    code = f"import sys; open(r{str(output)!r}, 'w').write(chr(10).join(sys.argv[1:]))"
    line = f'"{sys.executable}" -c "{code}" $HOME "a b" *'
    run(f"exec {ttl_string(line)} 'show' 1")
    assert output.read_text().split("\n") == ["$HOME", "a b", "*"]


def test_exec_inherits_setenv(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_NAME, raising=False)
    code = f"import os, sys; sys.exit(int(os.environ[{ENV_NAME!r}]))"
    m = run(f"setenv '{ENV_NAME}' '7'\nexec {python_command(code)} 'show' 1")
    assert m.vars["result"] == 7


def test_exec_curdir_relative_to_macro(tmp_path):
    (tmp_path / "work").mkdir()
    code = "import os, sys; sys.exit(0 if os.path.basename(os.getcwd()) == 'work' else 1)"
    m = run(f"exec {python_command(code)} 'show' 1 'work'", path=tmp_path / "t.ttl")
    assert m.vars["result"] == 0


def test_exec_missing_program(tmp_path, capsys):
    m = run(f"exec '{tmp_path / 'no-such-program'}' 'show' 1")
    assert m.vars["result"] == -1
    assert "exec: cannot start" in capsys.readouterr().err


def test_exec_missing_curdir(tmp_path):
    m = run(f"exec {python_command('pass')} 'show' 1 'no-such-dir'", path=tmp_path / "t.ttl")
    assert m.vars["result"] == -1


def test_exec_unbalanced_quote(capsys):
    m = run("exec 'echo \"open' 'show' 1")
    assert m.vars["result"] == -1
    assert "cannot split" in capsys.readouterr().err


def test_exec_blank_command_line():
    assert run("exec '   ' 'show' 1").vars["result"] == -1


@pytest.mark.parametrize("show", ["HIDE", "Minimize", "maximize", "show"])
def test_exec_show_values(show):
    m = run(f"exec {python_command('pass')} '{show}' 1")
    assert m.vars["result"] == 0


def test_exec_invalid_show():
    with pytest.raises(MacroRuntimeError, match="invalid window mode"):
        run("exec 'true' 'hidden'")


def test_exec_empty_command_line():
    with pytest.raises(MacroRuntimeError, match="command line is empty"):
        run("exec ''")


# -- getspecialfolder --------------------------------------------------------------------

linux_only = pytest.mark.skipif(sys.platform == "darwin", reason="checks the XDG folders of Linux")


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    return home


def special_folder(name: str) -> tuple[bytes, int]:
    m = run(f"result = 9\ngetspecialfolder f '{name}'")
    return m.vars["f"], m.vars["result"]


@linux_only
@pytest.mark.parametrize(
    ("name", "relative"),
    [
        ("Desktop", "Desktop"),
        ("MyDocuments", "Documents"),
        ("Templates", "Templates"),
        ("Fonts", ".local/share/fonts"),
        ("Programs", ".local/share/applications"),
        ("StartMenu", ".local/share/applications"),
        ("Startup", ".config/autostart"),
    ],
)
def test_specialfolder_home_defaults(home, name, relative):
    assert special_folder(name) == (os.fsencode(str(home / relative)), 1)


@linux_only
@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("AllUsersPrograms", "/usr/share/applications"),
        ("AllUsersStartMenu", "/usr/share/applications"),
        ("AllUsersStartup", "/etc/xdg/autostart"),
    ],
)
def test_specialfolder_system_folders(home, name, folder):
    assert special_folder(name) == (folder.encode(), 1)


@linux_only
def test_specialfolder_user_dirs_file(home):
    (home / ".config").mkdir()
    (home / ".config" / "user-dirs.dirs").write_text(
        '# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR="$HOME/Schreibtisch"\nXDG_DOCUMENTS_DIR="/srv/docs"\n'
    )
    assert special_folder("desktop") == (os.fsencode(str(home / "Schreibtisch")), 1)
    assert special_folder("MYDOCUMENTS") == (b"/srv/docs", 1)


@linux_only
def test_specialfolder_xdg_variables(home, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert special_folder("Fonts") == (os.fsencode(str(tmp_path / "data" / "fonts")), 1)
    assert special_folder("Startup") == (os.fsencode(str(tmp_path / "config" / "autostart")), 1)


@linux_only
def test_specialfolder_relative_xdg_variable_ignored(home, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")
    assert special_folder("Fonts") == (os.fsencode(str(home / ".local/share/fonts")), 1)


@pytest.mark.parametrize("name", ["Favorites", "NetHood", "PrintHood", "Recent", "SendTo", "AllUsersDesktop"])
def test_specialfolder_without_counterpart(home, name):
    assert special_folder(name) == (b"", 0)


@pytest.mark.parametrize("name", ["", "Windows", "Desktop2", "My Documents"])
def test_specialfolder_unknown(home, name):
    assert special_folder(name) == (b"", 0)


# -- getipv4addr and getipv6addr ----------------------------------------------------------

UP, LOOPBACK = 0x1, 0x8


def ipv4(text: str, flags: int = UP) -> tuple[int, int, bytes]:
    return (flags, socket.AF_INET, socket.inet_aton(text))


def ipv6(text: str) -> tuple[int, int, bytes]:
    return (UP, socket.AF_INET6, socket.inet_pton(socket.AF_INET6, text))


def test_ipv4_selection_skips_loopback_and_down():
    addresses = [ipv4("127.0.0.1", UP | LOOPBACK), ipv4("10.1.2.3"), ipv4("10.9.9.9", 0), ipv6("fd00::2")]
    assert misc._ipv4_texts(addresses) == [b"10.1.2.3"]


def test_ipv6_selection_skips_loopback_link_local_multicast():
    addresses = [ipv6("::1"), ipv6("fe80::1"), ipv6("febf::1"), ipv6("ff02::1"), ipv6("fd00::2"), ipv4("10.1.2.3")]
    assert misc._ipv6_texts(addresses) == [b"fd00:0000:0000:0000:0000:0000:0000:0002"]


def test_ipv6_text_full_groups():
    packed = socket.inet_pton(socket.AF_INET6, "2001:db8::ABCD:1")
    assert misc._ipv6_text(packed) == b"2001:0db8:0000:0000:0000:0000:abcd:0001"


def fake_addresses(monkeypatch, addresses):
    monkeypatch.setattr(misc, "_interface_addresses", lambda: addresses)


def test_getipv4addr_fills_array(monkeypatch):
    fake_addresses(monkeypatch, [ipv4("10.1.2.3"), ipv4("192.0.2.7")])
    m = run("strdim a 3\ngetipv4addr a n")
    assert m.vars["a"] == [b"10.1.2.3", b"192.0.2.7", b""]
    assert m.vars["n"] == 2
    assert m.vars["result"] == 1


def test_getipv4addr_array_too_small(monkeypatch):
    fake_addresses(monkeypatch, [ipv4("10.1.2.3"), ipv4("192.0.2.7"), ipv4("192.0.2.8")])
    m = run("strdim a 2\ngetipv4addr a n")
    assert m.vars["a"] == [b"10.1.2.3", b"192.0.2.7"]
    assert m.vars["n"] == 3
    assert m.vars["result"] == 0


def test_getipv6addr_fills_array(monkeypatch):
    fake_addresses(monkeypatch, [ipv6("::1"), ipv6("2001:db8::5")])
    m = run("strdim a 1\ngetipv6addr a n")
    assert m.vars["a"] == [b"2001:0db8:0000:0000:0000:0000:0000:0005"]
    assert m.vars["n"] == 1
    assert m.vars["result"] == 1


def test_getipv4addr_failure(monkeypatch, capsys):
    def fail() -> list:
        raise OSError(12, "out of memory")

    monkeypatch.setattr(misc, "_interface_addresses", fail)
    m = run("strdim a 2\ngetipv4addr a n")
    assert m.vars["result"] == -1
    assert m.vars["n"] == 0
    assert "cannot list the local addresses" in capsys.readouterr().err


def test_getipv4addr_real_interfaces():
    m = run("strdim a 64\ngetipv4addr a n")
    count = m.vars["n"]
    assert m.vars["result"] == 1
    for text in m.vars["a"][:count]:
        assert not text.startswith(b"127."), text
        socket.inet_aton(text.decode())


def test_getipv6addr_real_interfaces():
    m = run("strdim a 64\ngetipv6addr a n")
    count = m.vars["n"]
    assert m.vars["result"] == 1
    for text in m.vars["a"][:count]:
        groups = text.split(b":")
        assert len(groups) == 8, text
        assert all(len(group) == 4 for group in groups), text
        assert text != b"0000:0000:0000:0000:0000:0000:0000:0001"


@pytest.mark.parametrize("setup", ["a = 'x'", "intdim a 2", ""])
def test_getipv4addr_needs_string_array(setup):
    with pytest.raises(MacroRuntimeError, match="must be a string array"):
        run(f"{setup}\ngetipv4addr a n")


# -- clipboard ------------------------------------------------------------------------------


def test_clipb2var_empty_clipboard():
    m = run("s = 'old'\nclipb2var s")
    assert m.vars["s"] == b"old"
    assert m.vars["result"] == 0


def test_clipb2var_empty_clipboard_creates_variable():
    m = run("clipb2var s")
    assert m.vars["s"] == b""
    assert m.vars["result"] == 0


def test_var2clipb_then_clipb2var():
    m = run("result = 0\nvar2clipb 'hello'\nr = result\nclipb2var s")
    assert m.vars["r"] == 1
    assert m.vars["s"] == b"hello"
    assert m.vars["result"] == 1


def test_clipb2var_explicit_offset_zero():
    m = run("var2clipb 'hello'\nclipb2var s 0")
    assert m.vars["s"] == b"hello"
    assert m.vars["result"] == 1


@pytest.mark.parametrize("offset", ["1", "-1", "2"])
def test_clipb2var_offset_past_end(offset):
    m = run(f"var2clipb 'hello'\ns = 'old'\noffset = {offset}\nclipb2var s offset")
    assert m.vars["s"] == b"old"
    assert m.vars["result"] == 0


def test_clipb2var_long_text_whole():
    m = run("s = 'x'\nfor i 1 10\n  strconcat s s\nnext\nvar2clipb s\nclipb2var t")
    assert len(m.vars["t"]) == 1024
    assert m.vars["result"] == 1


def test_var2clipb_empty_text():
    m = run("var2clipb ''\nr = result\ns = 'old'\nclipb2var s")
    assert m.vars["r"] == 1
    assert m.vars["s"] == b"old"
    assert m.vars["result"] == 0


def test_clipboard_shared_between_runs():
    run("var2clipb 'kept'")
    assert run("clipb2var s").vars["s"] == b"kept"


# -- beep -------------------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["beep", "beep 0", "beep 5"])
def test_beep_silent_without_terminal(capsys, line):
    run(line)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("value", ["6", "-1"])
def test_beep_invalid_sound(value):
    with pytest.raises(MacroRuntimeError, match="invalid sound"):
        run(f"beep {value}")


class FakeTerminal:
    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_beep_rings_terminal(monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    run("beep 2")
    assert terminal.text == "\a"
