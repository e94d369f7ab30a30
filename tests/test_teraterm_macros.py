"""Tera Term's own test and sample macros, run with ttlrun.

The macros come from ``tests/`` and ``installer/release/`` of Tera Term's
repository, as stored in the corpus of real macros beside this checkout. The
module is skipped when the corpus is absent. Every file has one entry here
and one row in docs/teraterm-tests.md, with the same status:

- ``runs``: ttlrun runs the file and the test compares what the file checks.
- ``runs with a loopback peer``: the file needs a connection. A peer on
  127.0.0.1 plays the host, also behind pyserial's ``socket://`` URL for a
  COM port, or pyserial's ``loop://`` port stands for a COM port. A file without
  a ``connect`` line runs unchanged inside a wrapper that connects and then
  ``include``s it. A file that names another host runs as a copy with only
  its ``connect`` line changed.
- ``runs without its lines meant to fail``: the file contains lines that fail in
  Tera Term too. The test runs a copy with those lines blanked, and
  ``test_line_meant_to_fail`` checks that ttlrun stops on each of them.
- ``cannot run headless``: the reason is in the entry. The test checks what
  ttlrun does instead, mostly with ``--check``, which runs nothing.

Every run uses a copy of the file in ``tmp_path`` under its name in Tera
Term's repository, so the files a macro writes land there. Slow entries run
only with ``TTLRUN_SLOW_TESTS=1``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT.parent / "shared" / "corpus"
MACRO_DIR = CORPUS / "ttl" / "TeraTermProject__teraterm"
DOC = REPO_ROOT / "docs" / "teraterm-tests.md"

if not MACRO_DIR.is_dir():
    pytest.skip(f"the shared corpus with Tera Term's macros is not at {MACRO_DIR}", allow_module_level=True)

# Passed to ttlrun as --timeout, in seconds. The subprocess limit is larger,
# so that a hang shows up as ttlrun's own exit status 124.
RUN_TIMEOUT = 20.0
SLOW = os.environ.get("TTLRUN_SLOW_TESTS") == "1"
PYTHON_ENCODINGS = {"ascii": "ascii", "utf-8": "utf-8", "utf-8-bom": "utf-8-sig", "shift_jis": "cp932"}

RUNS = "runs"
PEER = "runs with a loopback peer"
STRIPPED = "runs without its lines meant to fail"
CANNOT = "cannot run headless"


# -- the corpus --------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One macro of Tera Term's repository as the corpus stores it."""

    corpus_name: str  # file name in MACRO_DIR, such as tests__#34838.ttl
    repo_path: str  # path in Tera Term's repository, such as tests/#34838.ttl
    encoding: str  # Python codec of the file's text

    @property
    def base_name(self) -> str:
        return self.repo_path.rsplit("/", 1)[-1]


def read_sources() -> dict[str, Source]:
    """Read SOURCES.tsv: corpus file name -> Source, for Tera Term's own files."""
    sources: dict[str, Source] = {}
    lines = (CORPUS / "SOURCES.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t")))
        if row["repo"] != "TeraTermProject/teraterm":
            continue
        corpus_name = row["local_path"].rsplit("/", 1)[-1]
        encoding = PYTHON_ENCODINGS.get(row["encoding_guess"], "latin-1")
        sources[corpus_name] = Source(corpus_name, row["path_in_repo"], encoding)
    return sources


SOURCES = read_sources()


def source_of(repo_path: str) -> Source:
    for source in SOURCES.values():
        if source.repo_path == repo_path:
            return source
    raise KeyError(f"{repo_path} is not in {CORPUS / 'SOURCES.tsv'}")


def source_lines(source: Source) -> list[bytes]:
    """Return the file's lines as bytes, each with its own line ending."""
    return (MACRO_DIR / source.corpus_name).read_bytes().splitlines(keepends=True)


def line_text(source: Source, number: int) -> str:
    """Return line ``number`` (1-based) of a corpus file as text, without blanks around it."""
    raw = source_lines(source)[number - 1]
    return raw.decode(source.encoding).lstrip("\ufeff").strip()


def stage(
    repo_path: str,
    directory: Path,
    *,
    blank: Iterable[int] = (),
    replace: Mapping[int, tuple[str, str]] | None = None,
) -> Path:
    """Copy a corpus macro into ``directory`` under its base name in Tera Term's repository.

    ``blank`` empties the given lines (1-based), keeping their line endings so
    that line numbers stay the same. ``replace`` maps a line number to
    ``(old, new)`` text; the line must contain ``old``.
    """
    source = source_of(repo_path)
    lines = source_lines(source)
    for number in blank:
        ending = lines[number - 1][len(lines[number - 1].rstrip(b"\r\n")) :]
        lines[number - 1] = ending
    for number, (old, new) in (replace or {}).items():
        old_bytes = old.encode(source.encoding)
        assert old_bytes in lines[number - 1], f"{repo_path}:{number} no longer contains {old!r}"
        lines[number - 1] = lines[number - 1].replace(old_bytes, new.encode(source.encoding))
    target = directory / source.base_name
    target.write_bytes(b"".join(lines))
    return target


# -- running ttlrun ----------------------------------------------------------


@dataclass
class Run:
    """Outcome of one ttlrun process; stdout and stderr decoded without newline translation."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"command: {' '.join(self.args)}\nexit status: {self.returncode}\n"
            f"--- stdout ---\n{self.stdout!r}\n--- stderr ---\n{self.stderr}"
        )


def ttlrun_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the environment for ttlrun: this checkout's ttl package, without the caller's TTLRUN_ANSWERS or TTLRUN_COMn."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "TTLRUN_ANSWERS" and not key.startswith("TTLRUN_COM")
    }
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]))
    env.update(extra or {})
    return env


def run_ttlrun(
    macro: Path,
    *macro_args: str,
    answers: Sequence[str] = (),
    options: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout: float = RUN_TIMEOUT,
) -> Run:
    """Run ``python -m ttl`` on ``macro`` in the macro's directory, with no terminal on standard input."""
    args = [sys.executable, "-m", "ttl", "--timeout", str(timeout), *options]
    for answer in answers:
        args += ["--answer", answer]
    args += [str(macro), *macro_args]
    completed = subprocess.run(
        args,
        cwd=macro.parent,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout + 30,
        env=ttlrun_environment(env),
    )
    return Run(
        args=args,
        returncode=completed.returncode,
        stdout=completed.stdout.decode("utf-8", "replace"),
        stderr=completed.stderr.decode("utf-8", "replace"),
    )


def check_statically(macro: Path) -> Run:
    """Run ``ttlrun --check``, which compiles the macro and runs nothing."""
    return run_ttlrun(macro, options=["--check"])


def error_lines(check: Run, macro: Path) -> dict[int, str]:
    """Return line number -> message of the errors that ``--check`` reported for ``macro``."""
    found: dict[int, str] = {}
    pattern = re.compile(re.escape(str(macro)) + r":(\d+):\d+: error: (.*)")
    for line in check.stdout.splitlines():
        match = pattern.match(line)
        if match:
            found[int(match.group(1))] = match.group(2)
    return found


def wrapper_connecting(port: int, macro: Path) -> Path:
    """Write a macro beside ``macro`` that connects to 127.0.0.1:port over raw TCP and includes ``macro``."""
    wrapper = macro.parent / "connect-and-include.ttl"
    wrapper.write_text(f"connect '127.0.0.1:{port} /nossh /T=0'\r\ninclude '{macro.name}'\r\n", encoding="utf-8")
    return wrapper


def messages(*pairs: tuple[str, str]) -> str:
    """Return what ttlrun prints for messagebox calls given as (title, text) pairs."""
    return "".join(f"[{title}] {text}\n" if title else f"{text}\n" for title, text in pairs)


# -- loopback peers ----------------------------------------------------------


class ShellPeer:
    """A TCP server on 127.0.0.1 that plays a shell on a terminal for one client.

    It sends ``prompt``. For each line the client ends with CR (Tera Term's
    default newline) it waits ``delay`` seconds, then sends the line back with
    CR LF (a terminal's echo), the output that ``answers`` maps the line to,
    and the prompt. With ``enter_after`` it then waits that many seconds and
    sends CR LF and the prompt again, as when a person presses Enter. After
    sending the output for the line ``hang_up_after`` it closes the connection.
    ``silent`` makes it send nothing at all. ``received`` contains every
    byte the client sent, and ``arrivals`` each chunk with its
    ``time.monotonic()`` arrival time.
    """

    def __init__(
        self,
        answers: Mapping[bytes, bytes] | None = None,
        *,
        prompt: bytes = b"$ ",
        delay: float = 0.0,
        enter_after: float | None = None,
        hang_up_after: bytes | None = None,
        silent: bool = False,
    ) -> None:
        self.answers = dict(answers or {})
        self.prompt = prompt
        self.delay = delay
        self.enter_after = enter_after
        self.hang_up_after = hang_up_after
        self.silent = silent
        self.received = bytearray()
        self.arrivals: list[tuple[float, bytes]] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(RUN_TIMEOUT)
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def __enter__(self) -> ShellPeer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.finish()

    def _serve(self) -> None:
        try:
            conn, _ = self.server.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(RUN_TIMEOUT)
            try:
                self._talk(conn)
            except OSError:
                pass

    def _talk(self, conn: socket.socket) -> None:
        if not self.silent:
            conn.sendall(self.prompt)
        pending = b""
        while data := conn.recv(65536):
            self.arrivals.append((time.monotonic(), data))
            self.received += data
            if self.silent:
                continue
            pending += data
            while b"\r" in pending:
                line, pending = pending.split(b"\r", 1)
                self._answer(conn, line)
                if line == self.hang_up_after:
                    return

    def _answer(self, conn: socket.socket, line: bytes) -> None:
        time.sleep(self.delay)
        conn.sendall(line + b"\r\n" + self.answers.get(line, b"") + self.prompt)
        if self.enter_after is not None:
            time.sleep(self.enter_after)
            conn.sendall(b"\r\n" + self.prompt)

    def finish(self) -> bytes:
        """Wait until the client has hung up; return every byte it sent."""
        self.thread.join(RUN_TIMEOUT)
        self.server.close()
        return bytes(self.received)


# -- the registry of files ---------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """How the test handles one of Tera Term's macros."""

    repo_path: str
    status: str
    reason: str
    check: Callable[[Path], None]
    slow: bool = False
    bug: str = ""  # a ttlrun bug that makes the check fail for now


ENTRIES: dict[str, Entry] = {}


def macro(repo_path: str, status: str, reason: str = "", *, slow: bool = False, bug: str = "") -> Callable:
    """Register the decorated function as the check for ``repo_path``."""

    def register(check: Callable[[Path], None]) -> Callable[[Path], None]:
        assert repo_path not in ENTRIES, f"{repo_path} is registered twice"
        ENTRIES[repo_path] = Entry(repo_path, status, reason, check, slow, bug)
        return check

    return register


@dataclass(frozen=True)
class FailingLine:
    """A line that fails in Tera Term too, and the lines that go with it.

    ``block`` is blanked together with the line in the copy that runs
    without the lines meant to fail, and includes the line itself.
    """

    repo_path: str
    line: int
    text: str
    block: tuple[int, ...] = ()
    note: str = ""  # why ttlrun stops on a line that Tera Term runs

    @property
    def lines(self) -> tuple[int, ...]:
        return self.block or (self.line,)


def block(first: int, last: int) -> tuple[int, ...]:
    return tuple(range(first, last + 1))


# The sprintf cases for which Tera Term shows an error dialog, and sets a
# result code that the macro reads only after a person presses Continue. They
# are an integer conversion given a string, %s given an integer, an invalid
# spec and no format. Each case is a block of 7 lines.
SPRINTF_ERRORS = [
    (74, "sprintf '%c' 'a'"),
    (82, "sprintf '%d' 'a'"),
    (90, "sprintf '%i' 'a'"),
    (98, "sprintf '%o' 'a'"),
    (106, "sprintf '%u' 'a'"),
    (114, "sprintf '%x' 'a'"),
    (122, "sprintf '%X' 'a'"),
    (130, "sprintf '%s' 49"),
    (138, "sprintf '%=d' 32"),
    (146, "sprintf"),
]

FAILING_LINES = [
    FailingLine("tests/#1339-int32.ttl", 38, "lit_32_7 = 3A", block(38, 41)),
    FailingLine("tests/#1339-int32.ttl", 55, "var_int32 = var_string"),
    FailingLine("tests/#1339-int32.ttl", 56, "var_string = var_int32"),
    FailingLine("tests/#39452.ttl", 4, "filetruncate '#39452-1.txt' 'string'", block(4, 5)),
    FailingLine("tests/gui_commands_test.ttl", 33, "this_line_is_error_push_continue"),
    FailingLine("tests/oneline-if.ttl", 2, "if 0 ; この行でエラーとなるのが正常"),
    FailingLine(
        "tests/oneline-if.ttl",
        5,
        "if 0 hogefugafuge ; この行はエラーにならない。",
        note="Tera Term skips the false branch; ttlrun rejects the unknown command before the macro starts",
    ),
    FailingLine("tests/oneline-if.ttl", 9, "if 1 ; この行もエラーとなるのが正常"),
    FailingLine("tests/oneline-if.ttl", 13, "if 1 hogefuga ; この行もエラーとなるのが正常"),
    *(FailingLine("tests/sprintf.ttl", line, text, block(line, line + 6)) for line, text in SPRINTF_ERRORS),
    FailingLine("tests/sprintf2.ttl", 41, "sprintf '%.10f' 1", block(41, 47)),
    FailingLine("tests/sprintf2.ttl", 49, "sprintf '%e' 1", block(49, 55)),
    FailingLine("tests/strspecial.ttl", 17, "strspecial var 'a\\nb' 'a'"),
    FailingLine("tests/strspecial.ttl", 21, "strspecial var 1"),
]


def stage_without_failing_lines(repo_path: str, directory: Path, keep: FailingLine | None = None) -> Path:
    """Copy a macro with every line meant to fail blanked, except the lines of ``keep``."""
    blank: list[int] = []
    for failing in FAILING_LINES:
        if failing.repo_path != repo_path or failing == keep:
            continue
        assert line_text(source_of(repo_path), failing.line) == failing.text
        blank += failing.lines
    return stage(repo_path, directory, blank=blank)


# -- checks: files that run as they are ----------------------------------------


@macro("tests/#31971.ttl", RUNS)
def check_31971(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/#31971.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    # makepath joins with "/" in ttlrun and with "\" in Tera Term (docs/compatibility.md).
    ini = "D:\\WINDOWS\\TTL\\test2\\01ini/TERATERM.INI"
    command = "XXX.XXX.XXX.XXX:22 /ssh /auth=passwd /user=root /passwd=XXXXX"
    assert run.stdout == f"{command} /F={ini}\n{command} /F=\"{ini}\"\n"


@macro(
    "tests/#32621.ttl",
    RUNS,
    "its input file is not in the corpus, and the repository's is Shift_JIS; the test writes UTF-8 lines",
)
def check_32621(tmp_path: Path) -> None:
    macro_path = stage("tests/#32621.ttl", tmp_path)
    lines = ["かきくけこ", "あいうえお、あいうえお", "前あいうえお後", "ascii only"]
    (tmp_path / "#32621_in.txt").write_bytes("".join(f"{line}\r\n" for line in lines).encode("utf-8"))

    run = run_ttlrun(macro_path)

    assert run.returncode == 0, run.describe()
    # strreplace replaces the first match in each line.
    expected = [line.replace("あいうえお", "わをん", 1) for line in lines]
    assert (tmp_path / "#32621_out.txt").read_bytes() == "".join(f"{line}\r\n" for line in expected).encode("utf-8")


@macro("tests/#34300.ttl", RUNS)
def check_34300(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/#34300.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    assert run.stdout == "Test 1\r\nTest 2\r\nTest 3\r\n"


@macro("tests/#34838.ttl", RUNS)
def check_34838(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/#34838.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    # strsplit fills groupmatchstr1..3, but the strreplace that matches
    # afterwards clears groupmatchstr1..9, as Tera Term's regex search does.
    assert run.stdout == messages(("test", ""), ("test", ""), ("test", ""), ("test", "YYYY.gz"))


@macro("tests/#35822.ttl", RUNS)
def check_35822(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/#35822.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    counts = random_counts(run.stdout, "result")
    assert_uniform(counts, total=1_000_000)
    written = list(tmp_path.glob("35822_*.txt"))
    assert len(written) == 1, written
    assert written[0].read_bytes().startswith(b"0\t%d\r\n" % counts[0])


@macro(
    "tests/#35822-random.ttl",
    RUNS,
    "11 million random calls take about 30 s; the test runs with TTLRUN_SLOW_TESTS=1",
    slow=True,
)
def check_35822_random(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/#35822-random.ttl", tmp_path), timeout=300)
    assert run.returncode == 0, run.describe()
    assert "[stat] 100% done.\n" in run.stdout
    counts = random_counts(run.stdout, "result")
    assert_uniform(counts, total=11_000_000)
    assert len(list(tmp_path.glob("35822_*.txt"))) == 1


def random_counts(stdout: str, title: str) -> list[int]:
    """Return the 11 counts of the ``0<TAB>n`` table that the random macros show."""
    table = stdout.split(f"[{title}] ", 1)[1]
    counts = [int(value) for value in re.findall(r"^(?:\d+)\t(\d+)\r$", table, re.MULTILINE)]
    assert len(counts) == 11, stdout
    return counts


def assert_uniform(counts: list[int], total: int) -> None:
    # random val 10 gives 0..10 inclusive, so all 11 counters fill up.
    assert sum(counts) == total
    expected = total / 11
    for value, count in enumerate(counts):
        # 3 % is more than 9 standard deviations for one million draws.
        assert abs(count - expected) < 0.03 * expected, f"{value} came {count} times, expected about {expected:.0f}"


@macro("tests/#36405-strreplace.ttl", RUNS)
def check_36405(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/#36405-strreplace.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    # "結果" (result) / "正常終了" (ended normally): strreplace gave -1 and kept the string.
    assert run.stdout == messages(("結果", "正常終了"))


@macro("tests/#39334.ttl", RUNS, "the listbox takes its answer from --answer")
def check_39334(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/#39334.ttl", tmp_path), answers=["3"])
    assert run.returncode == 0, run.describe()
    assert run.stdout == messages(("result", "3"))


@macro("tests/#41952-gettime.ttl", RUNS)
def check_41952(tmp_path: Path) -> None:
    macro_path = stage("tests/#41952-gettime.ttl", tmp_path)

    run = run_ttlrun(macro_path)
    # The file sets exit code 1 when the UTC and GMT times agree.
    assert run.returncode == 1, run.describe()
    assert run.stdout == messages(("tera term", "no problem"))
    assert run.stderr == ""

    quiet = run_ttlrun(macro_path, "exitcode_only")
    assert quiet.returncode == 1, quiet.describe()
    assert quiet.stdout == ""


@macro("tests/code_utf16be-bom.ttl", RUNS)
def check_code_utf16be_bom(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/code_utf16be-bom.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    assert run.stdout == messages(
        ("check code ttl", "code utf16be bom"),
        ("check code ttl", "こんにちは, 안녕하세요, שלום, utf8 code"),
    )


@macro("tests/code_utf8.ttl", RUNS)
def check_code_utf8(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/code_utf8.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    assert run.stdout == messages(
        ("check code ttl", "code utf8 (no bom)"),
        ("check code ttl", "こんにちは, 안녕하세요, שלום, utf8 code"),
    )


@macro("tests/expandenv.ttl", RUNS, "the test sets the Windows variables WINDIR and OS")
def check_expandenv(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/expandenv.ttl", tmp_path), env={"WINDIR": "C:\\Windows", "OS": "Windows_NT"})
    assert run.returncode == 0, run.describe()
    assert run.stdout == messages(("1", "C:\\Windows hoge"), ("2", "Windows_NT fuga"))


@macro("tests/filenamebox.ttl", RUNS, "the three file dialogs take their answers from --answer")
def check_filenamebox(tmp_path: Path) -> None:
    dump = tmp_path / "variables.json"
    run = run_ttlrun(
        stage("tests/filenamebox.ttl", tmp_path),
        answers=["open.txt", "open-again.txt", "save.txt"],
        options=["--dump-vars", str(dump)],
    )
    assert run.returncode == 0, run.describe()
    variables = {entry["name"]: entry["value"] for entry in json.loads(dump.read_text())["variables"]}
    assert variables["result"] == 1
    assert variables["inputstr"] == {"text": str(tmp_path / "save.txt")}


@macro("tests/macroparam.ttl", RUNS, "run with the arguments of each case in tests/macroparam.bat")
def check_macroparam(tmp_path: Path) -> None:
    macro_path = stage("tests/macroparam.ttl", tmp_path)
    # macroparam.bat puts ttpmacro's own options (/V /i /I) before the file
    # name; ttlrun has no such options, so only the arguments after it count.
    passing = [
        ["/vxx", "/ixx", "/V", "/i", "test1"],
        ["/v", "/I", "test2"],
        ["test3", "/Vxx", "/ixx", "/V", "/i"],
        ["test4", "/V", "/Vxx", "/ixx"],
    ]
    for arguments in passing:
        run = run_ttlrun(macro_path, *arguments)
        assert run.returncode == 0, run.describe()

    # The file sets exit code 1 when the parameters do not match, or are missing.
    failing = run_ttlrun(macro_path, "test1", "/vxx")
    assert failing.returncode == 1, failing.describe()
    missing = run_ttlrun(macro_path)
    assert missing.returncode == 1, missing.describe()


@macro("tests/params_array.ttl", RUNS, "run with the arguments in tests/params_array.bat")
def check_params_array(tmp_path: Path) -> None:
    macro_path = stage("tests/params_array.ttl", tmp_path)

    run = run_ttlrun(macro_path, "/vxx", "/ixx", "/V", "/i", "test1", "param 7", "", "param9", "10", "eleven")
    assert run.returncode == 0, run.describe()
    # Any message means that params[i] and param<i> differ.
    assert run.stdout == ""

    bare = run_ttlrun(macro_path)
    assert bare.returncode == 0, bare.describe()
    # "started without parameters", titled with params[1], the file name.
    assert bare.stdout == messages(("params_array.ttl", "パラメータなしで起動されました"))


@macro("tests/shift.ttl", RUNS)
def check_shift(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/shift.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    # $A5 rotated by 4 bits inside one byte, to the left and to the right.
    assert run.stdout == "0x5A\n0x5A\n"


@macro("tests/spfolder.ttl", RUNS, "POSIX folders stand for Windows' special folders (docs/compatibility.md)")
def check_spfolder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    environment = {"HOME": str(home)}
    environment.update({key: "" for key in os.environ if key.startswith("XDG_")})
    run = run_ttlrun(stage("tests/spfolder.ttl", tmp_path), env=environment)
    assert run.returncode == 0, run.describe()

    names = [
        "AllUsersDesktop", "AllUsersStartMenu", "AllUsersPrograms", "AllUsersStartup", "Desktop",
        "Favorites", "Fonts", "MyDocuments", "NetHood", "PrintHood", "Programs", "Recent", "SendTo",
        "StartMenu", "Startup", "Templates",
    ]  # fmt: skip
    without_equivalent = {"AllUsersDesktop", "Favorites", "NetHood", "PrintHood", "Recent", "SendTo"}
    shown = run.stdout.splitlines()
    assert len(shown) == len(names), run.describe()
    for name, line in zip(names, shown):
        if name in without_equivalent:
            assert line == "[0] ", name
        else:
            assert line.startswith("[1] /"), f"{name}: {line}"


@macro("tests/test_file_utf8.ttl", RUNS, "also run as a copy with its commented-out test calls enabled")
def check_test_file_utf8(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    run = run_ttlrun(stage("tests/test_file_utf8.ttl", plain))
    assert run.returncode == 0, run.describe()
    assert run.stdout == messages(("test_file.ttl", "finish all tests"))

    # The file's test subroutines each show "check ..." or "... error" when
    # a file command gives a wrong result; "checkfiles N" only marks progress.
    enabled = tmp_path / "enabled"
    enabled.mkdir()
    source = source_of("tests/test_file_utf8.ttl")
    calls = {
        number: (";call ", "call ")
        for number, raw in enumerate(source_lines(source), start=1)
        if raw.startswith(b";call test_")
    }
    assert len(calls) == 8
    # Dialog input: the test folder, "yes" to use it, the file to write, and
    # the password that getpassword prompts for once.
    run = run_ttlrun(
        stage("tests/test_file_utf8.ttl", enabled, replace=calls),
        answers=[str(enabled), "yes", "written.txt", "second password"],
    )
    assert run.returncode == 0, run.describe()
    assert run.stdout == (
        messages(*(("test_file.ttl", f"checkfiles {n}") for n in range(1, 5)))
        + messages(("test_file.ttl", "test_file_utf8.ttl\n"))
        + messages(("test_file.ttl", "finish all tests"))
    )
    greeting = "testこんにちは안녕하세요\r\n".encode("utf-8")
    assert (enabled / "written.txt").read_bytes() == greeting + greeting + b"\r\n"


@macro("tests/uptime64.ttl", RUNS, "from a 64-bit integer branch, but it uses only the one-parameter uptime")
def check_uptime64(tmp_path: Path) -> None:
    before = host_uptime_ms()
    run = run_ttlrun(stage("tests/uptime64.ttl", tmp_path))
    after = host_uptime_ms()
    assert run.returncode == 0, run.describe()

    match = re.fullmatch(
        r"\[uptime\] System Up Time: (-?\d+) Days, (-?\d+) Hours, (-?\d+) Minutes, (-?\d+) Seconds\n", run.stdout
    )
    assert match, run.describe()
    if before is None or after is None:
        return  # no /proc/uptime to compare with (macOS)
    days, hours, minutes, seconds = (int(value) for value in match.groups())
    shown_ms = ((days * 24 + hours) * 60 + minutes) * 60_000 + seconds * 1000
    # uptime is a 32-bit tick count; the macro's divisions drop the milliseconds.
    assert wrap32(before) - 1000 <= shown_ms <= wrap32(after) + 1000


def host_uptime_ms() -> int | None:
    try:
        return int(float(Path("/proc/uptime").read_text().split()[0]) * 1000)
    except (OSError, ValueError, IndexError):
        return None


def wrap32(value: int) -> int:
    return (value + 2**31) % 2**32 - 2**31


@macro("tests/uptime64_test.ttl", RUNS, "from a 64-bit integer branch, but it checks only pause and uptime")
def check_uptime64_test(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/uptime64_test.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    # The file checks that pause 3 took 2500-3500 ms and shows OK or NG.
    assert re.fullmatch(r"\[pause timeout test\] OK: pause が正常に完了した \(\d+ ms\)\n", run.stdout), run.describe()


@macro("installer/release/delpassw.ttl", RUNS, "the yes/no dialog takes its answer from --answer")
def check_delpassw(tmp_path: Path) -> None:
    setup = tmp_path / "setup.ttl"
    setup.write_text(
        "setpassword 'password.dat' 'mypassword' 'secret'\r\nsetpassword 'password.dat' 'other' 'kept'\r\n",
        encoding="utf-8",
    )
    assert run_ttlrun(setup).returncode == 0
    macro_path = stage("installer/release/delpassw.ttl", tmp_path)

    declined = run_ttlrun(macro_path, answers=["no"])
    assert declined.returncode == 0, declined.describe()
    assert declined.stdout == ""
    assert "mypassword=" in (tmp_path / "password.dat").read_text(encoding="utf-8")

    run = run_ttlrun(macro_path, answers=["yes"])
    assert run.returncode == 0, run.describe()
    assert run.stdout == messages(("Tera Term", "Password is deleted."))
    stored = (tmp_path / "password.dat").read_text(encoding="utf-8")
    assert "mypassword=" not in stored
    assert "other=" in stored


# -- checks: files that need a connection --------------------------------------


def run_connected(repo_path: str, tmp_path: Path, peer: ShellPeer, **kwargs: object) -> tuple[Run, bytes]:
    """Run a macro that expects an open connection, through a wrapper that connects to ``peer``."""
    wrapper = wrapper_connecting(peer.port, stage(repo_path, tmp_path))
    run = run_ttlrun(wrapper, options=["--newline", "cr"], **kwargs)  # type: ignore[arg-type]
    return run, peer.finish()


@macro("tests/#33454.ttl", PEER)
def check_33454(tmp_path: Path) -> None:
    with ShellPeer(silent=True) as peer:
        run, sent = run_connected("tests/#33454.ttl", tmp_path, peer)
    assert run.returncode == 0, run.describe()
    assert run.stdout == messages(("", "modal"))
    assert sent == b"ps ax\rdate\r"


@macro("tests/#34402.ttl", PEER)
def check_34402(tmp_path: Path) -> None:
    with ShellPeer(silent=True) as peer:
        run, sent = run_connected("tests/#34402.ttl", tmp_path, peer)
    assert run.returncode == 0, run.describe()
    assert sent == b"".join(b"x" * 77 + b"%d\r" % number for number in range(30, -1, -1))


@macro("tests/#34726.ttl", PEER)
def check_34726(tmp_path: Path) -> None:
    with ShellPeer(silent=True) as peer:
        run, sent = run_connected("tests/#34726.ttl", tmp_path, peer)
    assert run.returncode == 0, run.describe()
    assert sent == b"echo " + b"1234567890" * 10 + b"\r"


@macro("tests/#34898.ttl", PEER, "names shell.sourceforge.jp; a copy connects to 127.0.0.1 instead")
def check_34898(tmp_path: Path) -> None:
    with ShellPeer() as peer:
        macro_path = stage(
            "tests/#34898.ttl",
            tmp_path,
            replace={1: ("shell.sourceforge.jp /ssh2 /auth=pageant /user=maya", f"127.0.0.1:{peer.port} /nossh /T=0")},
        )
        run = run_ttlrun(macro_path)
        peer.finish()
    assert run.returncode == 0, run.describe()
    # getttdir gives the directory of the ttl package (Tera Term: of ttpmacro.exe).
    assert run.stdout == messages(("getdir", str(tmp_path)), ("getttdir", str(REPO_ROOT / "ttl")))


@macro("tests/#35855.ttl", PEER, "COM1 is pyserial's loop:// port (TTLRUN_COM1)")
def check_35855(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/#35855.ttl", tmp_path), env={"TTLRUN_COM1": "loop://"})
    assert run.returncode == 0, run.describe()
    # testlink gave 0 (no link), so the file connected COM1: result 2 = connected.
    assert run.stdout == messages(("result", "2"))


@macro("tests/#35985.ttl", PEER, "the peer plays a shell and presses Enter where the file waits for a person")
def check_35985(tmp_path: Path) -> None:
    command = b'true;echo "STATUS:$?"'
    with ShellPeer({command: b"STATUS:0\r\n"}, enter_after=0.3) as peer:
        run, sent = run_connected("tests/#35985.ttl", tmp_path, peer)
    assert run.returncode == 0, run.describe()
    assert sent == (command + b"\r") * 3
    assert run.stdout == messages(
        # wait stops after the match, and recvln returns the whole line around it.
        ("1", ""),
        ("", "STATUS:0"),
        # waitln returns the line. recvln then waits for the next one, and
        # only the Enter brings it: the prompt.
        ("1", "STATUS:0"),
        ("", "$ "),
        # waitregex matches when the LF arrives, before the LF joins the
        # line, so inputstr keeps the CR; recvln again needs the Enter.
        ("1", "STATUS:0\r"),
        ("", "$ "),
    )


@macro(
    "tests/wait_timeout_connected.ttl",
    PEER,
    "the peer sends nothing, so the wait times out; the file expects result 1 there, which Tera Term never gives",
)
def check_wait_timeout_connected(tmp_path: Path) -> None:
    started = time.monotonic()
    with ShellPeer(silent=True) as peer:
        run, _ = run_connected("tests/wait_timeout_connected.ttl", tmp_path, peer)
    elapsed = time.monotonic() - started
    assert run.returncode == 0, run.describe()
    # A wait that times out sets result 0 in Tera Term (and uptime leaves
    # result alone), so the file's "result <> 1" check shows NG ("wait did
    # not time out") before it looks at the time, in Tera Term as well.
    assert run.stdout == messages(("wait timeout test", "NG: wait がタイムアウトしなかった"))
    # The time the file would have checked: timeout = 3 s.
    assert elapsed >= 3.0


@macro("tests/waitrecv.ttl", PEER, "the peer answers ps ax")
def check_waitrecv(tmp_path: Path) -> None:
    listing = (
        b"  PID TTY      STAT   TIME COMMAND\r\n"
        b"    1 ?        Ss     0:02 /sbin/init\r\n"
        b"  812 ?        Ss     0:00 /usr/local/apache/bin/httpd -k start\r\n"
    )
    # The delay keeps the peer's output out of the flushrecv right after sendln.
    with ShellPeer({b"ps ax": listing}, delay=0.5) as peer:
        run, sent = run_connected("tests/waitrecv.ttl", tmp_path, peer)
    assert run.returncode == 0, run.describe()
    assert sent == b"ps ax\r"
    # The 27 bytes around "apache", which starts at byte 12.
    assert run.stdout == messages(("1", "/usr/local/apache/bin/httpd"))


@macro(
    "installer/release/wait_regex.ttl",
    PEER,
    "names 192.168.1.2; a copy connects to 127.0.0.1 instead. An endless loop: the peer hangs up after one round",
)
def check_wait_regex(tmp_path: Path) -> None:
    motd = b"You last logged in to this host yesterday\r\n"
    answers = {b"uptime": b" 10:00:00 up 3 days\r\n" + motd}
    with ShellPeer(answers, prompt=b"yutaka@sai:~$ ", hang_up_after=b"cal") as peer:
        macro_path = stage(
            "installer/release/wait_regex.ttl",
            tmp_path,
            replace={9: ("192.168.1.2 /2 /ssh /auth=password /user=yutaka /passwd=yutaka", f"127.0.0.1:{peer.port} /nossh /T=0")},
        )
        run = run_ttlrun(macro_path, options=["--newline", "cr"])
        sent = peer.finish()
    # The second round's first sendln finds the connection closed.
    assert run.returncode == 1, run.describe()
    assert "wait_regex.ttl:13:" in run.stderr, run.describe()
    assert sent == b"uptime\rcal\r"
    assert run.stdout == messages(
        ("result", "1"),
        ("inputstr", "You last logged in to this host yesterday\r"),
        ("matchstr", "You last logged in to this"),
        ("groupmatchstr1", "You"),
        ("groupmatchstr2", "logged"),
        ("groupmatchstr3", "this"),
        ("groupmatchstr4", ""),
    )


@macro("installer/release/winscp.ttl", PEER, "run with WinSCP's arguments; the host argument is 127.0.0.1 and a port")
def check_winscp(tmp_path: Path) -> None:
    with ShellPeer(prompt=b"Welcome\r\n$ ") as peer:
        # "user@host:port" is raw TCP in ttlrun (Tera Term's shipped settings
        # make it SSH); the macro's steps are the same.
        run = run_ttlrun(
            stage("installer/release/winscp.ttl", tmp_path), f"127.0.0.1:{peer.port}", "tester", "secret", "/srv/data"
        )
        sent = peer.finish()
    assert run.returncode == 0, run.describe()
    assert sent == b"cd /srv/data\r"


@macro(
    "installer/release/mpause.ttl",
    PEER,
    "100 rounds of pause 3 and six mpause 500 take about 10 minutes; the test runs with TTLRUN_SLOW_TESTS=1",
    slow=True,
)
def check_mpause(tmp_path: Path) -> None:
    with ShellPeer() as peer:
        run, sent = run_connected("installer/release/mpause.ttl", tmp_path, peer, timeout=900)
    assert run.returncode == 0, run.describe()
    round_of_lines = b"uptime\ruptime\ruptime\rcat /etc/passwd\r\r\r\r#------ Log End -----\r"
    assert sent == b"\r\r\r" + round_of_lines * 100 + b"#----- Macro Finish -----\r"


@macro(
    "tests/setserialdelay_1.ttl",
    PEER,
    "COM1 is loop://, COM2 a TCP peer through pyserial's socket:// URL; the delays take 2.5 minutes: slow",
    slow=True,
)
def check_setserialdelay_1(tmp_path: Path) -> None:
    macro_path = stage("tests/setserialdelay_1.ttl", tmp_path)
    # The file ends with sendfile of a file that Tera Term's repository does not have.
    (tmp_path / "testfile.txt").write_bytes(b"line one\r\nline two\r\n")
    with ShellPeer(silent=True) as peer:
        run = run_ttlrun(
            macro_path, env={"TTLRUN_COM1": "loop://", "TTLRUN_COM2": f"socket://127.0.0.1:{peer.port}"}, timeout=400
        )
        peer.finish()
    assert run.returncode == 0, run.describe()
    assert run.stdout == messages(*(("start", kind) for kind in ("send", "sendln", "sendbinary", "sendtext", "sendfile")))

    texts = (
        [b"setserialdelaychar 0"] * 2 + [b"setserialdelaychar 10"] * 2 + [b"setserialdelaychar 400"] * 2
        + [b"setserialdelaychar 40"] * 2 + [b"setserialdelayline 10"] * 2 + [b"setserialdelayline 80"] * 2
        + [b"setserialdelayline 400"] * 2 + [b"delaychar 40 delayline 80"] * 5 + [b"delaychar 40 delayline 400"] * 5
    )  # fmt: skip
    # send, sendbinary and sendtext add "13 10"; sendln adds CR and then sends LF with another CR.
    send_section = b"".join(text + b"\r\n" for text in texts)
    sendln_section = b"".join(text + b"\r\n\r" for text in texts)
    received = bytes(peer.received)
    assert received.startswith(send_section + sendln_section + send_section + send_section)
    assert b"line one" in received[4 * len(send_section) :]
    assert b"line two" in received[4 * len(send_section) :]

    # The pacing that a person would watch on COM1, measured in the send section.
    times = [arrival for arrival, chunk in peer.arrivals for _ in chunk]
    per_char = send_section.find(b"setserialdelaychar 400")
    per_char_end = per_char + 2 * len(b"setserialdelaychar 400\r\n") - 1
    assert times[per_char_end] - times[per_char] >= 0.9 * 0.4 * (per_char_end - per_char)
    per_line = send_section.find(b"setserialdelayline 400")
    next_line = per_line + len(b"setserialdelayline 400\r\n")
    assert times[next_line] - times[per_line] >= 0.9 * 0.4


# -- checks: files with lines meant to fail ------------------------------------


@macro("tests/#1339-int32.ttl", STRIPPED, "lines 38 (3A) and 55-56 (type mismatch) must fail")
def check_1339(tmp_path: Path) -> None:
    run = run_ttlrun(stage_without_failing_lines("tests/#1339-int32.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    # Each message shows "expect:..." and "result:..." lines that must agree.
    pairs = re.findall(r"expect:(.*)\nresult:(.*)\n", run.stdout)
    assert len(pairs) == 18, run.describe()
    for expected, result in pairs:
        assert result == expected
    assert run.stdout.endswith(
        messages(("ifdefined", "1"), ("sprintf2", "1 02"), ("int array", "1000000000 + 1000000000 = 2000000000"))
    )


@macro(
    "tests/#39452.ttl",
    STRIPPED,
    "line 4 passes a string as the size, a type mismatch in Tera Term",
)
def check_39452(tmp_path: Path) -> None:
    run = run_ttlrun(stage_without_failing_lines("tests/#39452.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    assert run.stdout == messages(
        ("invalid file name", "-1"),
        ("success", "0"),
        ("invalid file path", "-1"),
        ("cannot open with write mode", "-1"),
    )
    assert not (tmp_path / "#39452-1.txt").exists()


@macro(
    "tests/oneline-if.ttl",
    STRIPPED,
    "lines 2, 9 and 13 must fail; line 5 calls an unknown command in a false branch, which ttlrun rejects",
)
def check_oneline_if(tmp_path: Path) -> None:
    run = run_ttlrun(stage_without_failing_lines("tests/oneline-if.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    # None of the messages is "このダイアログが表示されるのは異常です" (this dialog is wrong).
    expected_titles_and_texts = [
        ("確認", "このダイアログの後、エラーが出るのが意図した動作です"),
        ("確認", "エラーとなる処理 1 が終了しました"),
        ("確認", "エラーとならない処理を実行しました"),
        ("確認", "このダイアログの後、エラーが出るのが意図した動作です"),
        ("確認", "エラーとなる処理 2 が終了しました"),
        ("確認", "再度エラーが出る処理を行います"),
        ("確認", "エラーとなる処理 3 が終了しました"),
        ("確認", "Tera TermのVTウィンドウを開きます"),
        ("確認", "Tera TermのVTウィンドウを閉じる処理を行います\n\rエラーが出ないのが正しい動作です"),
        ("終了", "すべての確認が終了しました"),
    ]
    assert run.stdout == messages(*expected_titles_and_texts)


@macro(
    "tests/sprintf.ttl",
    STRIPPED,
    "lines 74-146 are the error cases (wrong argument type, invalid spec, no format)",
)
def check_sprintf(tmp_path: Path) -> None:
    run = run_ttlrun(stage_without_failing_lines("tests/sprintf.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    # Tera Term formats each spec with _snprintf_s of the Microsoft C runtime.
    # There (UCRT, corecrt_internal_stdio_output.h) + and space apply only to
    # the signed conversions d and i, and the 0 flag pads every conversion
    # with zeros, c and s too.
    assert run.stdout == messages(
        ("c", ":1:   2:0003:4   :5   :6:7:"),
        ("d", ":1:   2:0003:4   :5   :+6: 7:"),
        ("i", ":1:   2:0003:4   :5   :+6: 7:"),
        ("o", ":4:   5:0006:7   :10  :11:12:"),
        ("u", ":1:   2:0003:4   :5   :6:7:"),
        ("x", ":9:   a:000b:c   :d   :e:f:"),
        ("X", ":9:   A:000B:C   :D   :E:F:"),
        ("s", ":a:   b:000c:d   :e   :f:g:"),
        ("", "%:%p"),
    )


@macro("tests/sprintf2.ttl", STRIPPED, "lines 41 and 49 give an integer to %f and %e, which take a string")
def check_sprintf2(tmp_path: Path) -> None:
    run = run_ttlrun(stage_without_failing_lines("tests/sprintf2.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    assert run.stdout == messages(
        ("d", "+00000000001"), ("d", "       1"), ("x", "0x1"), ("X", "0X1"), ("s", "a")
    )


@macro("tests/strspecial.ttl", STRIPPED, "lines 17 and 21 are marked 'must be error'")
def check_strspecial(tmp_path: Path) -> None:
    run = run_ttlrun(stage_without_failing_lines("tests/strspecial.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    assert run.stdout == messages(
        ("1", "hoge\nhoge1"),
        ("2", "fuga\nfuga1"),
        ("hoge\\nhoge2", "hoge\nhoge2"),
        ("hoge\nhoge2", "hoge\nhoge2"),
    )


# -- checks: files that cannot run headless ------------------------------------


def assert_rejected(repo_path: str, tmp_path: Path, expected: Mapping[int, str]) -> None:
    """Check that ``--check`` reports exactly the lines in ``expected``, each message containing its text."""
    macro_path = stage(repo_path, tmp_path)
    check = check_statically(macro_path)
    assert check.returncode == 1, check.describe()
    found = error_lines(check, macro_path)
    assert sorted(found) == sorted(expected), check.describe()
    for line, text in expected.items():
        assert text in found[line]


def assert_accepted(repo_path: str, tmp_path: Path) -> None:
    """Check that ``--check`` finds no error: ttlrun would run the file, but the test does not."""
    check = check_statically(stage(repo_path, tmp_path))
    assert check.returncode == 0, check.describe()


CALLMENU = "command 'callmenu' cannot run in ttlrun"
CYGCONNECT = "command 'cygconnect' cannot run in ttlrun"


@macro("tests/#35797.ttl", CANNOT, "runs notepad, a Windows program, and waits for it to close")
def check_35797(tmp_path: Path) -> None:
    assert_accepted("tests/#35797.ttl", tmp_path)


@macro("tests/#37048-sendmulticast.ttl", CANNOT, "opens Cygwin terminals (cygconnect) and tiles windows (callmenu)")
def check_37048(tmp_path: Path) -> None:
    assert_rejected("tests/#37048-sendmulticast.ttl", tmp_path, {10: CALLMENU, 33: CYGCONNECT})


@macro("tests/#37401-sendbroadcast.ttl", CANNOT, "opens Cygwin terminals (cygconnect) and tiles windows (callmenu)")
def check_37401(tmp_path: Path) -> None:
    assert_rejected("tests/#37401-sendbroadcast.ttl", tmp_path, {9: CALLMENU, 28: CYGCONNECT})


@macro("tests/#37414-sendlnmulticast.ttl", CANNOT, "opens Cygwin terminals (cygconnect) and tiles windows (callmenu)")
def check_37414(tmp_path: Path) -> None:
    assert_rejected("tests/#37414-sendlnmulticast.ttl", tmp_path, {10: CALLMENU, 24: CYGCONNECT})


@macro(
    "tests/comstat.ttl",
    CANNOT,
    "filestat on the Windows device name COM100; on POSIX it is a missing file",
)
def check_comstat(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/comstat.ttl", tmp_path))
    # filestat fails with result -1 and, as in Tera Term, leaves its output
    # variables unassigned, so reading s on line 3 stops the macro.
    assert run.returncode == 1, run.describe()
    assert run.stdout == messages(("result", "-1"))
    assert "comstat.ttl:3:" in run.stderr
    assert "'s' is not initialized" in run.stderr


@macro(
    "tests/gui_commands_test.ttl",
    CANNOT,
    "a person must press buttons and watch windows; line 33 is an error to continue past",
)
def check_gui_commands_test(tmp_path: Path) -> None:
    assert_rejected("tests/gui_commands_test.ttl", tmp_path, {33: "unknown command 'this_line_is_error_push_continue'"})


@macro("tests/int64.ttl", CANNOT, "tests 64-bit integers of an unmerged Tera Term branch")
def check_int64(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/int64.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    # Tera Term 5.7 has 32-bit integers: 2147483647 * 2147483647 wraps to 1.
    assert run.stdout == messages(("int64 test", "1"))


@macro("tests/int64_arith_test.ttl", CANNOT, "tests 64-bit integers of an unmerged Tera Term branch")
def check_int64_arith_test(tmp_path: Path) -> None:
    run = run_ttlrun(stage("tests/int64_arith_test.ttl", tmp_path))
    assert run.returncode == 0, run.describe()
    # With 32 bits the literals wrap like the sums, so addition, subtraction
    # and multiplication agree. 10000000000 / 100000 is the first NG.
    assert run.stdout == messages(("int64 test", "NG: 除算エラー (10000000000 / 100000)"))


@macro(
    "tests/logrotate.ttl",
    CANNOT,
    "logs to drive Z:, and the rotation happens while a person works in the terminal after the macro ends",
)
def check_logrotate(tmp_path: Path) -> None:
    assert_accepted("tests/logrotate.ttl", tmp_path)




@macro(
    "tests/setserialdelay_2.ttl",
    CANNOT,
    "sendkcode presses keys through Tera Term's keyboard map; a person watches two COM ports",
)
def check_setserialdelay_2(tmp_path: Path) -> None:
    sendkcode = "command 'sendkcode' cannot run in ttlrun"
    assert_rejected("tests/setserialdelay_2.ttl", tmp_path, {line: sendkcode for line in range(196, 215, 2)})


@macro("tests/uptime.ttl", CANNOT, "uptime with two variables comes from an unmerged Tera Term pull request")
def check_uptime(tmp_path: Path) -> None:
    assert_rejected("tests/uptime.ttl", tmp_path, {6: "wrong number of parameters"})


@macro(
    "installer/release/random.ttl",
    CANNOT,
    "an endless loop that shows a new random value every 2 s until the user stops it; names 192.168.1.2",
)
def check_random(tmp_path: Path) -> None:
    assert_accepted("installer/release/random.ttl", tmp_path)


@macro(
    "installer/release/screencapture.ttl",
    CANNOT,
    "selects the screen through Tera Term's menu (callmenu) and reads it from the clipboard",
)
def check_screencapture(tmp_path: Path) -> None:
    assert_rejected("installer/release/screencapture.ttl", tmp_path, {42: CALLMENU, 58: CALLMENU})


# -- the tests -----------------------------------------------------------------


def entry_param(entry: Entry) -> object:
    marks: list[pytest.MarkDecorator] = []
    if entry.slow:
        marks.append(pytest.mark.skipif(not SLOW, reason=f"slow: {entry.reason}"))
    if entry.bug:
        marks.append(pytest.mark.xfail(strict=True, reason=f"ttlrun bug: {entry.bug}"))
    return pytest.param(entry, id=entry.repo_path, marks=marks)


@pytest.mark.parametrize("entry", [entry_param(entry) for entry in ENTRIES.values()])
def test_macro(entry: Entry, tmp_path: Path) -> None:
    entry.check(tmp_path)


@pytest.mark.parametrize("failing", FAILING_LINES, ids=lambda failing: f"{failing.repo_path}:{failing.line}")
def test_line_meant_to_fail(failing: FailingLine, tmp_path: Path) -> None:
    assert line_text(source_of(failing.repo_path), failing.line) == failing.text
    macro_path = stage_without_failing_lines(failing.repo_path, tmp_path, keep=failing)
    run = run_ttlrun(macro_path)
    # 2 means rejected before the macro starts, 1 stopped on the line at run time.
    assert run.returncode in (1, 2), f"{run.describe()}\n{failing.note}"
    assert f"{macro_path.name}:{failing.line}:" in run.stderr, f"{run.describe()}\n{failing.note}"


def test_every_file_has_an_entry() -> None:
    corpus_files = {source.repo_path for source in SOURCES.values() if source.repo_path.endswith(".ttl")}
    assert corpus_files == set(ENTRIES)


def test_doc_table_matches_entries() -> None:
    rows: dict[str, str] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `([^`]+\.ttl)` \| ([^|]+?) \|", line)
        if match:
            rows[match.group(1)] = match.group(2)
    assert rows == {path: entry.status for path, entry in ENTRIES.items()}
