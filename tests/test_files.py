"""Tests of the file and folder commands against Tera Term 5's result values."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from ttl.commands.files import close_files
from ttl.compiler import compile_source
from ttl.errors import MacroRuntimeError, MacroSyntaxError
from ttl.machine import Machine
from ttl.runner import run_text
from ttl.source import SourceFile

@pytest.fixture
def run(tmp_path):
    """Run macro text as the file tmp_path/t.ttl and close the files it left open."""
    machines: list[Machine] = []

    def run_macro(text: str) -> Machine:
        machine = run_text(text, path=tmp_path / "t.ttl")
        machines.append(machine)
        return machine

    yield run_macro
    for machine in machines:
        close_files(machine)


def run_until_error(tmp_path: Path, text: str) -> tuple[Machine, MacroRuntimeError]:
    """Run a macro that must fail, and return the machine too, to check what was set before the error."""
    machine = Machine()
    machine.current_dir = tmp_path
    program = compile_source(SourceFile(tmp_path / "t.ttl", text, "utf-8"))
    with pytest.raises(MacroRuntimeError) as caught:
        machine.run_main(program)
    close_files(machine)
    return machine, caught.value


# -- basename, dirname, makepath -------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (r"c:\teraterm\test.txt", b"test.txt"),
        (r"c:\teraterm" "\\", b""),
        (r"c:test.txt", b"test.txt"),
        ("test.txt", b"test.txt"),
        ("/usr/bin/ls", b"ls"),
        ("", b""),
    ],
)
def test_basename_cases(run, path, expected):
    m = run(f"basename s '{path}'")
    assert m.vars["s"] == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (r"c:\teraterm\test.txt", rb"c:\teraterm"),
        (r"c:\teraterm" "\\", b"c:"),
        ("c:\\", b"c:"),
        ("test.txt", b""),
        ("a//b", b"a"),
        (r"\\server\share\f", rb"\\server\share"),
        ("/usr/bin/", b"/usr"),
        ("/usr", b"/"),
        ("/", b"/"),
    ],
)
def test_dirname_cases(run, path, expected):
    m = run(f"dirname s '{path}'")
    assert m.vars["s"] == expected


@pytest.mark.parametrize(
    ("directory", "expected"),
    [
        ("dir", b"dir/name"),
        ("dir/", b"dir/name"),
        ("c:\\x\\", b"c:\\x\\name"),
        ("", b"/name"),
    ],
)
def test_makepath_cases(run, directory, expected):
    m = run(f"makepath s '{directory}' 'name'")
    assert m.vars["s"] == expected


# -- setdir ------------------------------------------------------------------


def test_setdir_relative(run, tmp_path):
    (tmp_path / "sub").mkdir()
    m = run("setdir 'sub'\ngetdir d")
    assert m.vars["d"] == os.fsencode(str(tmp_path / "sub"))


def test_setdir_backslash(run, tmp_path):
    (tmp_path / "sub" / "inner").mkdir(parents=True)
    m = run(r"setdir 'sub\inner'")
    assert m.current_dir == tmp_path / "sub" / "inner"


def test_setdir_parent_normalized(run, tmp_path):
    (tmp_path / "sub").mkdir()
    m = run("setdir 'sub'\nsetdir '..'\ngetdir d")
    assert m.vars["d"] == os.fsencode(str(tmp_path))


def test_setdir_missing_unchanged(run, tmp_path):
    m = run("setdir 'missing'")
    assert m.current_dir == tmp_path


def test_setdir_file_unchanged(run, tmp_path):
    (tmp_path / "f").write_bytes(b"")
    m = run("setdir 'f'")
    assert m.current_dir == tmp_path


def test_setdir_moves_relative_names(run, tmp_path):
    (tmp_path / "sub").mkdir()
    run("setdir 'sub'\nfilecreate fh 'x.txt'\nfileclose fh")
    assert (tmp_path / "sub" / "x.txt").exists()


# -- fileopen, filecreate, fileclose -----------------------------------------


def test_fileopen_creates_missing(run, tmp_path):
    m = run("fileopen fh 'new.txt' 0")
    assert m.vars["fh"] == 0
    assert (tmp_path / "new.txt").exists()


def test_fileopen_keeps_content(run, tmp_path):
    (tmp_path / "f.txt").write_bytes(b"abc\r\n")
    m = run("fileopen fh 'f.txt' 0\nfilereadln fh s")
    assert m.vars["s"] == b"abc"
    assert (tmp_path / "f.txt").read_bytes() == b"abc\r\n"


def test_fileopen_append_at_end(run, tmp_path):
    (tmp_path / "f.txt").write_bytes(b"abc")
    run("fileopen fh 'f.txt' 1\nfilewrite fh 'def'\nfileclose fh")
    assert (tmp_path / "f.txt").read_bytes() == b"abcdef"


def test_fileopen_overwrites_from_start(run, tmp_path):
    (tmp_path / "f.txt").write_bytes(b"abcdef")
    run("fileopen fh 'f.txt' 0\nfilewrite fh 'XY'\nfileclose fh")
    assert (tmp_path / "f.txt").read_bytes() == b"XYcdef"


def test_fileopen_readonly_missing(run, tmp_path):
    m = run("fileopen fh 'missing.txt' 0 1")
    assert m.vars["fh"] == -1
    assert not (tmp_path / "missing.txt").exists()


def test_fileopen_readonly_ignores_writes(run, tmp_path):
    (tmp_path / "f.txt").write_bytes(b"abc")
    run("fileopen fh 'f.txt' 0 1\nfilewrite fh 'XYZ'\nfileclose fh")
    assert (tmp_path / "f.txt").read_bytes() == b"abc"


def test_fileopen_result_untouched(run):
    m = run("result = 7\nfileopen fh 'f.txt' 0")
    assert m.vars["result"] == 7


def test_fileopen_folder_fails(run, tmp_path):
    (tmp_path / "d").mkdir()
    m = run("fileopen a 'd' 0\nfileopen b 'd' 0 1")
    assert m.vars["a"] == -1
    assert m.vars["b"] == -1


def test_fileopen_empty_name(tmp_path):
    _m, error = run_until_error(tmp_path, "fileopen fh '' 0")
    assert "empty" in error.message


def test_fileopen_backslash_path(run, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "f.txt").write_bytes(b"in sub\n")
    m = run(r"fileopen fh 'sub\f.txt' 0 1" "\nfilereadln fh s")
    assert m.vars["s"] == b"in sub"


def test_fileopen_drive_path_invalid(run, capsys):
    m = run(r"fileopen fh 'C:\temp\x.txt' 0")
    assert m.vars["fh"] == -1
    assert "Windows drive" in capsys.readouterr().err


def test_fileopen_colon_invalid(run, tmp_path):
    m = run("fileopen fh 'a:b:c.txt' 0")
    assert m.vars["fh"] == -1
    assert list(tmp_path.iterdir()) == []


def test_fileopen_sixteen_handles(run):
    m = run("intdim h 17\nfor i 0 16\nsprintf2 n 'f%d' i\nfileopen h[i] n 0\nnext")
    assert list(m.vars["h"]) == list(range(16)) + [-1]


def test_fileopen_reuses_lowest_handle(run):
    m = run("fileopen a 'a' 0\nfileopen b 'b' 0\nfileclose a\nfileopen c 'c' 0")
    assert m.vars["c"] == 0


def test_fileopen_readonly_then_write_conflict(run):
    m = run("fileopen a 'f' 0\nfileclose a\nfileopen a 'f' 0 1\nfileopen b 'f' 0")
    assert m.vars["a"] == 0
    assert m.vars["b"] == -1


def test_fileopen_twice_read_write(run):
    m = run("fileopen a 'f' 0\nfileopen b 'f' 0")
    assert m.vars["b"] == 1


def test_filecreate_truncates(run, tmp_path):
    (tmp_path / "f.txt").write_bytes(b"old content")
    m = run("filecreate fh 'f.txt'\nfilewrite fh 'new'\nfileclose fh")
    assert m.vars["result"] == 0
    assert (tmp_path / "f.txt").read_bytes() == b"new"


def test_filecreate_missing_folder(run):
    m = run("filecreate fh 'nowhere/f.txt'")
    assert m.vars["fh"] == -1
    assert m.vars["result"] == 2


def test_filecreate_invalid_name(run):
    m = run("filecreate fh 'a:b'")
    assert m.vars["fh"] == -1
    assert m.vars["result"] == -1


def test_filecreate_empty_name(tmp_path):
    m, error = run_until_error(tmp_path, "filecreate fh ''")
    assert "empty" in error.message
    assert m.vars["result"] == 1


def test_filecreate_read_only_file(run, tmp_path):
    target = tmp_path / "ro.txt"
    target.write_bytes(b"keep")
    target.chmod(0o444)
    m = run("filecreate fh 'ro.txt'")
    assert m.vars["result"] == 2
    assert target.read_bytes() == b"keep"


def test_filecreate_seventeenth_handle(run, tmp_path):
    m = run("for i 1 16\nsprintf2 n 'f%d' i\nfileopen h n 0\nnext\nfilecreate fh 'last'")
    assert m.vars["fh"] == -1
    assert m.vars["result"] == 0
    assert (tmp_path / "last").exists()


def test_fileclose_unknown_handle(run):
    m = run("fileclose 5\nfileclose -1\nfileclose 99")
    assert m.vars["result"] == 0


def test_fileclose_frees_handle(run):
    m = run("fileopen a 'f' 0\nfileclose a\nfilewrite a 'x'\nfileopen b 'g' 0")
    assert m.vars["b"] == 0


def test_close_files_closes_handles(tmp_path):
    m = run_text("fileopen fh 'f' 0\nfilelock fh", path=tmp_path / "t.ttl")
    close_files(m)
    other = run_text("fileopen fh 'f' 0\nfilelock fh 0", path=tmp_path / "t.ttl")
    assert other.vars["result"] == 0
    close_files(other)


# -- filereadln and fileread -------------------------------------------------


def read_lines(run, tmp_path, content: bytes, count: int) -> list[tuple[bytes, int]]:
    (tmp_path / "in.txt").write_bytes(content)
    body = "\n".join(f"filereadln fh l{i}\nr{i} = result" for i in range(count))
    m = run("fileopen fh 'in.txt' 0 1\n" + body)
    return [(m.vars[f"l{i}"], m.vars[f"r{i}"]) for i in range(count)]


def test_filereadln_line_ends(run, tmp_path):
    lines = read_lines(run, tmp_path, b"a\rb\nc\r\nd", 5)
    assert lines == [(b"a", 0), (b"b", 0), (b"c", 0), (b"d", 0), (b"", 1)]


def test_filereadln_empty_file(run, tmp_path):
    assert read_lines(run, tmp_path, b"", 1) == [(b"", 1)]


def test_filereadln_empty_lines(run, tmp_path):
    lines = read_lines(run, tmp_path, b"\n\r\r\n", 4)
    assert lines == [(b"", 0), (b"", 0), (b"", 0), (b"", 1)]


def test_filereadln_cr_cr(run, tmp_path):
    lines = read_lines(run, tmp_path, b"a\r\rb", 3)
    assert lines == [(b"a", 0), (b"", 0), (b"b", 0)]


def test_filereadln_trailing_newline(run, tmp_path):
    lines = read_lines(run, tmp_path, b"last\r\n", 2)
    assert lines == [(b"last", 0), (b"", 1)]


def test_filereadln_cr_at_end(run, tmp_path):
    lines = read_lines(run, tmp_path, b"x\r", 2)
    assert lines == [(b"x", 0), (b"", 1)]


def test_filereadln_long_line(run, tmp_path):
    long_line = b"x" * 70000
    lines = read_lines(run, tmp_path, long_line + b"\r\nnext", 2)
    assert lines[0] == (long_line, 0)
    assert lines[1] == (b"next", 0)


@pytest.mark.parametrize("tail", [b"\r\nB", b"\rB", b"\nB"])
def test_filereadln_end_at_chunk_edge(run, tmp_path, tail):
    first = b"y" * 65535
    lines = read_lines(run, tmp_path, first + tail, 2)
    assert lines[0] == (first, 0)
    assert lines[1] == (b"B", 0)


def test_filereadln_stops_at_nul(run, tmp_path):
    lines = read_lines(run, tmp_path, b"ab\0cd\nnext\n", 2)
    assert lines == [(b"ab", 0), (b"next", 0)]


def test_filereadln_unknown_handle(run):
    m = run("s = 'old'\nfilereadln 3 s")
    assert m.vars["s"] == b""
    assert m.vars["result"] == 1


def test_fileread_partial(run, tmp_path):
    (tmp_path / "in").write_bytes(b"abcde")
    m = run("fileopen fh 'in' 0\nfileread fh 3 a\nra = result\nfileread fh 3 b\nrb = result")
    assert (m.vars["a"], m.vars["ra"]) == (b"abc", 0)
    assert (m.vars["b"], m.vars["rb"]) == (b"de", 1)


def test_fileread_exact_end(run, tmp_path):
    (tmp_path / "in").write_bytes(b"abc")
    m = run("fileopen fh 'in' 0\nfileread fh 3 a\nra = result\nfileread fh 1 b\nrb = result")
    assert (m.vars["a"], m.vars["ra"]) == (b"abc", 0)
    assert (m.vars["b"], m.vars["rb"]) == (b"", 1)


def test_fileread_more_than_511(run, tmp_path):
    (tmp_path / "in").write_bytes(b"z" * 1000)
    m = run("fileopen fh 'in' 0\nfileread fh 1000 a")
    assert m.vars["a"] == b"z" * 1000
    assert m.vars["result"] == 0


def test_fileread_zero_count(tmp_path):
    (tmp_path / "in").write_bytes(b"abc")
    _m, error = run_until_error(tmp_path, "fileopen fh 'in' 0\nfileread fh 0 a")
    assert "at least 1" in error.message


def test_fileread_nul_byte(run, tmp_path):
    (tmp_path / "in").write_bytes(b"\0")
    m = run("fileopen fh 'in' 0\nfileread fh 1 a")
    assert m.vars["a"] == b""
    assert m.vars["result"] == 0


def test_fileread_unknown_handle(run):
    m = run("fileread 9 4 a")
    assert m.vars["a"] == b""
    assert m.vars["result"] == 1


# -- filewrite and filewriteln ----------------------------------------------


def test_filewrite_integer_byte(run, tmp_path):
    run("fileopen fh 'out' 0\nfilewrite fh 0\nfilewrite fh $141\nminus = -1\nfilewrite fh minus\nfileclose fh")
    assert (tmp_path / "out").read_bytes() == b"\x00\x41\xff"


def test_filewriteln_adds_crlf(run, tmp_path):
    run("fileopen fh 'out' 0\nfilewriteln fh 'one'\nfilewriteln fh 50\nfileclose fh")
    assert (tmp_path / "out").read_bytes() == b"one\r\n2\r\n"


def test_filewrite_raw_bytes(run, tmp_path):
    run("fileopen fh 'out' 0\nfilewrite fh 'é'#10#$FE\nfileclose fh")
    assert (tmp_path / "out").read_bytes() == "é".encode() + b"\n\xfe"


def test_filewrite_visible_before_close(run, tmp_path):
    m = run("fileopen fh 'out' 0\nfilewrite fh 'now'")
    assert (tmp_path / "out").read_bytes() == b"now"
    assert m.vars["fh"] == 0


def test_filewrite_unknown_handle(run, tmp_path):
    m = run("filewrite 4 'x'\nfilewriteln -1 'y'")
    assert m.vars["result"] == 0


# -- fileseek, filemarkptr, fileseekback --------------------------------------


def seek_then_read(run, tmp_path, seeks: str) -> bytes:
    (tmp_path / "in").write_bytes(b"0123456789")
    m = run("fileopen fh 'in' 0\n" + seeks + "\nfileread fh 2 s")
    return m.vars["s"]


@pytest.mark.parametrize(
    ("seeks", "expected"),
    [
        ("fileseek fh 3 0", b"34"),
        ("fileseek fh 3 0\nfileseek fh 2 1", b"56"),
        ("back = -3\nfileseek fh back 2", b"78"),
        ("fileseek fh 5 0\nback = -10\nfileseek fh back 1", b"56"),
        ("fileseek fh 5 0\nfileseek fh 1 3", b"56"),
        ("fileseek fh 5 0\nfilemarkptr fh\nfileseek fh 0 0\nfileseekback fh", b"56"),
        ("fileseekback fh", b"01"),
    ],
)
def test_fileseek_cases(run, tmp_path, seeks, expected):
    assert seek_then_read(run, tmp_path, seeks) == expected


def test_fileseek_past_end(run, tmp_path):
    run("fileopen fh 'out' 0\nfileseek fh 3 0\nfilewrite fh 'x'\nfileclose fh")
    assert (tmp_path / "out").read_bytes() == b"\0\0\0x"


def test_fileseek_unknown_handle(run):
    m = run("fileseek 7 0 0\nfilemarkptr 7\nfileseekback 7\nfilemarkptr 99")
    assert m.vars["result"] == 0


# -- filestrseek and filestrseek2 --------------------------------------------


def test_filestrseek_found(run, tmp_path):
    (tmp_path / "in").write_bytes(b"abc def abc xyz")
    m = run("fileopen fh 'in' 0\nfilestrseek fh 'abc'\nr = result\nfileread fh 4 s")
    assert m.vars["r"] == 1
    assert m.vars["s"] == b" def"


def test_filestrseek_from_pointer(run, tmp_path):
    (tmp_path / "in").write_bytes(b"abc def abc xyz")
    m = run("fileopen fh 'in' 0\nfileseek fh 1 0\nfilestrseek fh 'abc'\nfileread fh 4 s")
    assert m.vars["s"] == b" xyz"


def test_filestrseek_missing_keeps_pointer(run, tmp_path):
    (tmp_path / "in").write_bytes(b"abc def")
    m = run("fileopen fh 'in' 0\nfileseek fh 2 0\nfilestrseek fh 'zz'\nr = result\nfileread fh 2 s")
    assert m.vars["r"] == 0
    assert m.vars["s"] == b"c "


def test_filestrseek_self_overlap(run, tmp_path):
    (tmp_path / "in").write_bytes(b"aaab!")
    m = run("fileopen fh 'in' 0\nfilestrseek fh 'aab'\nr = result\nfileread fh 1 s")
    assert m.vars["r"] == 1
    assert m.vars["s"] == b"!"


def test_filestrseek_across_chunks(run, tmp_path):
    (tmp_path / "in").write_bytes(b"." * 65534 + b"NEEDLE" + b"tail")
    m = run("fileopen fh 'in' 0\nfilestrseek fh 'NEEDLE'\nr = result\nfileread fh 4 s")
    assert m.vars["r"] == 1
    assert m.vars["s"] == b"tail"


def test_filestrseek_unknown_handle(run):
    m = run("result = 5\nfilestrseek 3 'x'\na = result\nfilestrseek2 3 'x'\nb = result")
    assert m.vars["a"] == 5
    assert m.vars["b"] == 5


def test_filestrseek_empty_string(tmp_path):
    (tmp_path / "in").write_bytes(b"abc")
    _m, error = run_until_error(tmp_path, "fileopen fh 'in' 0\nfilestrseek fh ''")
    assert "empty" in error.message


def test_filestrseek2_before_match(run, tmp_path):
    (tmp_path / "in").write_bytes(b"xx abc yy")
    m = run("fileopen fh 'in' 1\nfilestrseek2 fh 'abc'\nr = result\nfileread fh 4 s")
    assert m.vars["r"] == 1
    assert m.vars["s"] == b" abc"


def test_filestrseek2_last_byte(run, tmp_path):
    (tmp_path / "in").write_bytes(b"abc")
    m = run("fileopen fh 'in' 1\nfilestrseek2 fh 'c'\nr = result\nfileread fh 2 s")
    assert m.vars["r"] == 1
    assert m.vars["s"] == b"bc"


def test_filestrseek2_match_at_start(run, tmp_path):
    (tmp_path / "in").write_bytes(b"abcdef")
    m = run("fileopen fh 'in' 1\nfilestrseek2 fh 'abc'\nr = result\nfileread fh 3 s")
    assert m.vars["r"] == 1
    assert m.vars["s"] == b"abc"


def test_filestrseek2_includes_pointer_byte(run, tmp_path):
    (tmp_path / "in").write_bytes(b"abcdef")
    m = run("fileopen fh 'in' 0\nfileseek fh 2 0\nfilestrseek2 fh 'bc'\nr = result\nfileread fh 3 s")
    assert m.vars["r"] == 1
    assert m.vars["s"] == b"abc"


def test_filestrseek2_pointer_at_zero(run, tmp_path):
    (tmp_path / "in").write_bytes(b"abc")
    m = run("fileopen fh 'in' 0\nfilestrseek2 fh 'a'")
    assert m.vars["result"] == 0


def test_filestrseek2_missing_keeps_pointer(run, tmp_path):
    (tmp_path / "in").write_bytes(b"abcdef")
    m = run("fileopen fh 'in' 0\nfileseek fh 4 0\nfilestrseek2 fh 'zz'\nr = result\nfileread fh 2 s")
    assert m.vars["r"] == 0
    assert m.vars["s"] == b"ef"


def test_filestrseek2_walks_backward(run, tmp_path):
    # The loop of the manual's filestrseek2 example: every match, last first.
    (tmp_path / "in").write_bytes(b"abc1 abc2 abc3")
    m = run(
        "fileopen fh 'in' 1\nfound = ''\n"
        ":next\nfilestrseek2 fh 'abc'\nif result = 0 goto done\n"
        "filemarkptr fh\nfilestrseek fh 'abc'\nfileread fh 1 c\nstrconcat found c\n"
        "fileseekback fh\ngoto next\n:done"
    )
    assert m.vars["found"] == b"321"


def test_filestrseek2_across_chunks(run, tmp_path):
    (tmp_path / "in").write_bytes(b"head" + b"NEEDLE" + b"." * 65534)
    m = run("fileopen fh 'in' 1\nfilestrseek2 fh 'NEEDLE'\nr = result\nfileread fh 5 s")
    assert m.vars["r"] == 1
    assert m.vars["s"] == b"dNEED"


# -- filelock and fileunlock --------------------------------------------------


def test_filelock_and_unlock(run):
    m = run("fileopen fh 'f' 0\nfilelock fh\na = result\nfileunlock fh\nb = result\nfileunlock fh\nc = result")
    assert m.vars["a"] == 0
    assert m.vars["b"] == 0
    assert m.vars["c"] == 1


def test_filelock_held_by_other_handle(run):
    m = run("fileopen a 'f' 0\nfileopen b 'f' 0\nfilelock a 0\nfilelock b 0")
    assert m.vars["result"] == 1


def test_filelock_timeout_waits(run):
    started = time.monotonic()
    m = run("fileopen a 'f' 0\nfileopen b 'f' 0\nfilelock a 0\nfilelock b 1")
    assert m.vars["result"] == 1
    assert time.monotonic() - started >= 1.0


def test_filelock_after_unlock(run):
    m = run("fileopen a 'f' 0\nfileopen b 'f' 0\nfilelock a 0\nfileunlock a\nfilelock b 0")
    assert m.vars["result"] == 0


def test_filelock_twice_same_handle(run):
    m = run("fileopen fh 'f' 0\nfilelock fh 0\nfilelock fh 0")
    assert m.vars["result"] == 1


def test_filelock_unknown_handle(run):
    m = run("filelock 3 0\na = result\nfileunlock 3\nb = result")
    assert m.vars["a"] == 1
    assert m.vars["b"] == 1


# -- filesearch, foldersearch, filestat --------------------------------------


def test_filesearch_file_and_folder(run, tmp_path):
    (tmp_path / "f").write_bytes(b"")
    (tmp_path / "d").mkdir()
    m = run("filesearch 'f'\na = result\nfilesearch 'd'\nb = result\nfilesearch 'x'\nc = result")
    assert (m.vars["a"], m.vars["b"], m.vars["c"]) == (1, 1, 0)


def test_foldersearch_only_folders(run, tmp_path):
    (tmp_path / "f").write_bytes(b"")
    (tmp_path / "d").mkdir()
    m = run("foldersearch 'f'\na = result\nfoldersearch 'd'\nb = result\nfoldersearch 'x'\nc = result")
    assert (m.vars["a"], m.vars["b"], m.vars["c"]) == (0, 1, 0)


def test_filesearch_empty_name(tmp_path):
    _m, error = run_until_error(tmp_path, "filesearch ''")
    assert "empty" in error.message


def test_filestat_values(run, tmp_path):
    target = tmp_path / "f"
    target.write_bytes(b"x" * 1234)
    moment = time.mktime((2024, 2, 29, 13, 5, 9, 0, 0, -1))
    os.utime(target, (moment, moment))
    m = run("filestat 'f' size mtime drive")
    assert m.vars["result"] == 0
    assert m.vars["size"] == 1234
    assert m.vars["mtime"] == b"2024-02-29 13:05:09"
    assert m.vars["drive"] == b"?"


def test_filestat_size_only(run, tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    m = run("filestat 'f' size")
    assert m.vars["size"] == 3
    assert "mtime" not in m.vars


def test_filestat_missing(run):
    m = run("size = 99\nfilestat 'missing' size")
    assert m.vars["result"] == -1
    assert m.vars["size"] == 99


def test_filestat_folder(run, tmp_path):
    (tmp_path / "d").mkdir()
    m = run("filestat 'd'")
    assert m.vars["result"] == -1


def test_filestat_open_for_writing(run, tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    m = run("fileopen fh 'f' 0\nfilestat 'f'\na = result\nfileclose fh\nfilestat 'f'\nb = result")
    assert m.vars["a"] == -1
    assert m.vars["b"] == 0


def test_filestat_open_read_only(run, tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    m = run("fileopen fh 'f' 0 1\nfilestat 'f'")
    assert m.vars["result"] == 0


def test_filestat_size_wraps(run, tmp_path):
    with open(tmp_path / "big", "wb") as big:
        big.truncate(0x80000005)
    m = run("filestat 'big' size")
    assert m.vars["size"] == -0x7FFFFFFB


# -- filetruncate ---------------------------------------------------------------


def test_filetruncate_creates(run, tmp_path):
    m = run("filetruncate 'new' 10")
    assert m.vars["result"] == 0
    assert (tmp_path / "new").read_bytes() == b"\0" * 10


def test_filetruncate_shrinks(run, tmp_path):
    (tmp_path / "f").write_bytes(b"abcdef")
    m = run("filetruncate 'f' 2")
    assert m.vars["result"] == 0
    assert (tmp_path / "f").read_bytes() == b"ab"


def test_filetruncate_negative_size(run, tmp_path):
    m = run("size = -1\nfiletruncate 'f' size")
    assert m.vars["result"] == -1
    assert (tmp_path / "f").exists()


def test_filetruncate_invalid_name(run):
    m = run("filetruncate 'aa:\\x.txt' 10")
    assert m.vars["result"] == -1


def test_filetruncate_open_file(run, tmp_path):
    # Tera Term's own filetruncate test macro expects -1: Windows refuses to truncate a file open elsewhere.
    m = run("filecreate fp 'f.txt'\nfiletruncate 'f.txt' 10")
    assert m.vars["result"] == -1
    assert (tmp_path / "f.txt").stat().st_size == 0


def test_filetruncate_missing_size(tmp_path):
    m, error = run_until_error(tmp_path, "filetruncate 'f'")
    assert "size is missing" in error.message
    assert m.vars["result"] == -1


def test_filetruncate_string_size(tmp_path):
    with pytest.raises(MacroSyntaxError, match="must be an integer, not a string"):
        run_text("filetruncate 'f' 'string'\n", path=tmp_path / "m.ttl")


# -- fileconcat, filecopy, filedelete, filerename ------------------------------


def test_fileconcat_appends(run, tmp_path):
    (tmp_path / "a").write_bytes(b"one\n")
    (tmp_path / "b").write_bytes(b"two\n")
    m = run("fileconcat 'a' 'b'")
    assert m.vars["result"] == 0
    assert (tmp_path / "a").read_bytes() == b"one\ntwo\n"


def test_fileconcat_creates_first(run, tmp_path):
    (tmp_path / "b").write_bytes(b"two")
    m = run("fileconcat 'a' 'b'")
    assert m.vars["result"] == 0
    assert (tmp_path / "a").read_bytes() == b"two"


def test_fileconcat_missing_second(run, tmp_path, capsys):
    m = run("fileconcat 'a' 'missing'")
    assert m.vars["result"] == 0
    assert (tmp_path / "a").read_bytes() == b""
    assert "nothing was appended" in capsys.readouterr().err


def test_fileconcat_same_file(run, tmp_path):
    (tmp_path / "a").write_bytes(b"x")
    m = run("fileconcat 'a' './a'")
    assert m.vars["result"] == 2
    assert (tmp_path / "a").read_bytes() == b"x"


def test_fileconcat_first_open(run, tmp_path):
    (tmp_path / "b").write_bytes(b"two")
    m = run("fileopen fh 'a' 0\nfileconcat 'a' 'b'")
    assert m.vars["result"] == 3


def test_fileconcat_invalid_names(run):
    m = run("fileconcat 'a:b' 'c'\nfirst = result\nfileconcat 'c' 'a:b'\nsecond = result")
    assert m.vars["first"] == -1
    assert m.vars["second"] == -2


def test_fileconcat_empty_name(tmp_path):
    m, error = run_until_error(tmp_path, "fileconcat 'a' ''")
    assert "empty" in error.message
    assert m.vars["result"] == 1


def test_filecopy_copies(run, tmp_path):
    (tmp_path / "a").write_bytes(b"data")
    (tmp_path / "b").write_bytes(b"old, longer content")
    m = run("filecopy 'a' 'b'")
    assert m.vars["result"] == 0
    assert (tmp_path / "b").read_bytes() == b"data"


def test_filecopy_keeps_mtime(run, tmp_path):
    (tmp_path / "a").write_bytes(b"data")
    os.utime(tmp_path / "a", (1_000_000_000, 1_000_000_000))
    run("filecopy 'a' 'b'")
    assert (tmp_path / "b").stat().st_mtime == 1_000_000_000


@pytest.mark.parametrize(
    ("macro", "expected"),
    [
        ("filecopy 'a' 'a'", -3),
        ("filecopy 'missing' 'b'", -4),
        ("filecopy 'a' 'd'", -4),
        ("filecopy 'a:x' 'b'", -1),
        ("filecopy 'a' 'b:x'", -2),
    ],
)
def test_filecopy_results(run, tmp_path, macro, expected):
    (tmp_path / "a").write_bytes(b"data")
    (tmp_path / "d").mkdir()
    m = run(macro)
    assert m.vars["result"] == expected


def test_filecopy_read_only_target(run, tmp_path):
    (tmp_path / "a").write_bytes(b"data")
    (tmp_path / "b").write_bytes(b"keep")
    (tmp_path / "b").chmod(0o444)
    m = run("filecopy 'a' 'b'")
    assert m.vars["result"] == -4
    assert (tmp_path / "b").read_bytes() == b"keep"


def test_filedelete_deletes(run, tmp_path):
    (tmp_path / "f").write_bytes(b"")
    m = run("filedelete 'f'")
    assert m.vars["result"] == 0
    assert not (tmp_path / "f").exists()


@pytest.mark.parametrize(
    ("macro", "expected"),
    [
        ("filedelete 'missing'", -1),
        ("filedelete 'd'", -1),
        ("fileopen fh 'f' 0\nfiledelete 'f'", -1),
        ("filedelete 'a:b'", -1),
    ],
)
def test_filedelete_failures(run, tmp_path, macro, expected):
    (tmp_path / "d").mkdir()
    (tmp_path / "f").write_bytes(b"")
    m = run(macro)
    assert m.vars["result"] == expected


def test_filedelete_read_only(run, tmp_path):
    (tmp_path / "f").write_bytes(b"")
    (tmp_path / "f").chmod(0o444)
    m = run("filedelete 'f'")
    assert m.vars["result"] == -1
    assert (tmp_path / "f").exists()


def test_filerename_renames(run, tmp_path):
    (tmp_path / "a").write_bytes(b"data")
    m = run("filerename 'a' 'b'")
    assert m.vars["result"] == 0
    assert (tmp_path / "b").read_bytes() == b"data"


def test_filerename_folder(run, tmp_path):
    (tmp_path / "d").mkdir()
    m = run("filerename 'd' 'e'")
    assert m.vars["result"] == 0
    assert (tmp_path / "e").is_dir()


@pytest.mark.parametrize(
    ("macro", "expected"),
    [
        ("filerename 'a' 'a'", 2),
        ("filerename 'a' './a'", 2),
        ("filerename 'a' 'b'", -3),
        ("filerename 'missing' 'c'", -3),
        ("fileopen fh 'a' 0\nfilerename 'a' 'c'", -3),
        ("filerename 'a:x' 'c'", -1),
        ("filerename 'a' 'c:x'", -2),
    ],
)
def test_filerename_results(run, tmp_path, macro, expected):
    (tmp_path / "a").write_bytes(b"data")
    (tmp_path / "b").write_bytes(b"other")
    m = run(macro)
    assert m.vars["result"] == expected


def test_filerename_keeps_existing_target(run, tmp_path):
    (tmp_path / "a").write_bytes(b"data")
    (tmp_path / "b").write_bytes(b"other")
    run("filerename 'a' 'b'")
    assert (tmp_path / "b").read_bytes() == b"other"


def test_filerename_empty_name(tmp_path):
    m, error = run_until_error(tmp_path, "filerename '' 'b'")
    assert "empty" in error.message
    assert m.vars["result"] == 1


# -- foldercreate and folderdelete ---------------------------------------------


def test_foldercreate_and_delete(run, tmp_path):
    m = run("foldercreate 'd'\na = result\nfolderdelete 'd'\nb = result")
    assert m.vars["a"] == 0
    assert m.vars["b"] == 0
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize(
    ("macro", "expected"),
    [
        ("foldercreate 'full'", 2),
        ("foldercreate 'no/parent'", 2),
        ("foldercreate 'a:b'", -1),
        ("folderdelete 'full'", 2),
        ("folderdelete 'missing'", 2),
        ("folderdelete 'file'", 2),
        ("folderdelete 'a:b'", -1),
    ],
)
def test_folder_results(run, tmp_path, macro, expected):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_bytes(b"")
    (tmp_path / "file").write_bytes(b"")
    m = run(macro)
    assert m.vars["result"] == expected


@pytest.mark.parametrize("name", ["foldercreate", "folderdelete", "filedelete", "filecopy 'a'"])
def test_empty_name_result_one(tmp_path, name):
    m, error = run_until_error(tmp_path, f"{name} ''")
    assert "empty" in error.message
    assert m.vars["result"] == 1


# -- findfirst, findnext, findclose -----------------------------------------------


def list_matches(run, pattern: str) -> tuple[list[bytes], Machine]:
    m = run(
        f"strdim names 20\nn = 0\nfindfirst dh '{pattern}' name\n"
        "while result\nnames[n] = name\nn = n + 1\nfindnext dh name\nendwhile\nfindclose dh"
    )
    return [m.vars["names"][i] for i in range(m.vars["n"])], m


def make_files(tmp_path: Path, *names: str) -> None:
    for name in names:
        (tmp_path / name).write_bytes(b"")


def test_findfirst_pattern(run, tmp_path):
    make_files(tmp_path, "b.txt", "a.txt", "c.log")
    names, _m = list_matches(run, "*.txt")
    assert names == [b"a.txt", b"b.txt"]


def test_findfirst_ignores_case(run, tmp_path):
    make_files(tmp_path, "README.TXT", "notes.txt")
    names, _m = list_matches(run, "*.txt")
    assert names == [b"notes.txt", b"README.TXT"]


def test_findfirst_question_mark(run, tmp_path):
    make_files(tmp_path, "a1.txt", "a22.txt")
    names, _m = list_matches(run, "a?.txt")
    assert names == [b"a1.txt"]


def test_findfirst_star_dot_star(run, tmp_path):
    make_files(tmp_path, "noext", "x.y")
    names, _m = list_matches(run, "*.*")
    assert names == [b".", b"..", b"noext", b"x.y"]


def test_findfirst_empty_pattern(run, tmp_path):
    make_files(tmp_path, "noext")
    names, _m = list_matches(run, "")
    assert names == [b".", b"..", b"noext"]


def test_findfirst_subfolder(run, tmp_path):
    (tmp_path / "logs").mkdir()
    make_files(tmp_path / "logs", "1.log", "2.log")
    names, _m = list_matches(run, r"logs\*.log")
    assert names == [b"1.log", b"2.log"]


def test_findfirst_no_match(run):
    m = run("findfirst dh '*.none' name")
    assert m.vars["dh"] == -1
    assert m.vars["name"] == b""
    assert m.vars["result"] == 0


def test_findfirst_handle_numbers(run, tmp_path):
    make_files(tmp_path, "f")
    m = run("intdim h 9\nfor i 0 8\nfindfirst h[i] 'f' name\nnext")
    assert list(m.vars["h"]) == list(range(8)) + [-1]
    assert m.vars["result"] == 0


def test_findclose_frees_handle(run, tmp_path):
    make_files(tmp_path, "f")
    m = run("findfirst a 'f' n\nfindfirst b 'f' n\nfindclose a\nfindfirst c 'f' n")
    assert m.vars["c"] == 0


def test_findnext_unknown_handle(run):
    m = run("name = 'x'\nfindnext 5 name\nfindnext -1 name\nfindclose 99")
    assert m.vars["name"] == b""
    assert m.vars["result"] == 0


# -- getfileattr and setfileattr ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("plain", 0x80),
        ("folder", 0x10),
        (".hidden", 0x2),
        ("missing", -1),
        ("", 0x10),
        ("a:b", -1),
    ],
)
def test_getfileattr_cases(run, tmp_path, name, expected):
    make_files(tmp_path, "plain", ".hidden")
    (tmp_path / "folder").mkdir()
    m = run(f"getfileattr '{name}'")
    assert m.vars["result"] == expected


def test_getfileattr_read_only(run, tmp_path):
    make_files(tmp_path, "ro")
    (tmp_path / "ro").chmod(0o444)
    m = run("getfileattr 'ro'")
    assert m.vars["result"] == 0x1


def test_getfileattr_symlink(run, tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "folder")
    m = run("getfileattr 'link'")
    assert m.vars["result"] == 0x410


def test_setfileattr_read_only(run, tmp_path):
    make_files(tmp_path, "f")
    m = run("setfileattr 'f' 1\na = result\ngetfileattr 'f'\nb = result")
    assert m.vars["a"] == 1
    assert m.vars["b"] == 1
    assert not (tmp_path / "f").stat().st_mode & 0o222


def test_setfileattr_writable(run, tmp_path):
    make_files(tmp_path, "f")
    (tmp_path / "f").chmod(0o444)
    m = run("setfileattr 'f' $80\na = result\ngetfileattr 'f'\nb = result")
    assert m.vars["a"] == 1
    assert m.vars["b"] == 0x80
    assert (tmp_path / "f").stat().st_mode & stat.S_IWUSR


def test_setfileattr_missing(run):
    m = run("setfileattr 'missing' 1\na = result\nsetfileattr 'a:b' 1\nb = result")
    assert m.vars["a"] == 0
    assert m.vars["b"] == 0


# -- a whole macro ------------------------------------------------------------------------


def test_manual_line_copy_example(run, tmp_path):
    # After the filereadln example of the Tera Term manual: copy a file line by line, changing each line.
    (tmp_path / "testdata.txt").write_bytes(b"AABBBCCCCDDDDD\r\nBBBx\r\nlast")
    run(
        "fileopen ifd 'testdata.txt' 0\nfileopen ofd 'testdata_output.txt' 0\n"
        "while 1\nfilereadln ifd line\nif result=1 then\nbreak\nendif\n"
        "strconcat line '!'\nfilewriteln ofd line\nendwhile\n"
        "fileclose ifd\nfileclose ofd"
    )
    output = (tmp_path / "testdata_output.txt").read_bytes()
    assert output == b"AABBBCCCCDDDDD!\r\nBBBx!\r\nlast!\r\n"
