"""The workloads: what each tool runs, how a run becomes a number, and the targets.

Each ``bench_<name>`` function builds the rows of one workload, measures
them with ``measure_tables`` and returns a ``Section`` for the report.
Every command runs in the repository root, so the paths in the report are
the paths that ran. Files go to the temporary directory (/tmp unless TMPDIR
is set) and are removed after use. MB is 10^6 bytes; MiB is 2^20 bytes.
"""

from __future__ import annotations

import os
import re
import shlex
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from measure import GNU_TIME, PeerResult, ProcessResult, run_process, run_with_peer
from model import Check, MeasureError, Row, Sample, Section, Table, check_ratio, check_value, measure_tables
from tools import REPO_ROOT, Tool

WORKLOADS = "bench/workloads"

DEFAULT_SIZES: dict[str, list[int]] = {
    "loop": [1_000_000],
    "strings": [100_000],
    "lockstep": [10_000],
    "bigoutput": [10_000_000, 100_000_000],
    "sendfile": [1_000_000_000],
    "memory": [1_000_000_000],
}
QUICK_SIZES: dict[str, list[int]] = {
    "loop": [2_000],
    "strings": [1_000],
    "lockstep": [20],
    "bigoutput": [100_000, 1_000_000],
    "sendfile": [4_000_000],
    "memory": [2_000_000],
}
WORKLOAD_NAMES = ("loop", "strings", "startup", "lockstep", "bigoutput", "sendfile", "memory")

# nextnextping 1.31.1 manages about 10 round trips/s and slows down more
# than linearly with output size (10 MB took 32 s on the machine where
# this was written), so it runs these smaller jobs to keep the run short.
NEXTNEXTPING_ROUND_TRIPS = 50
NEXTNEXTPING_OUTPUT_BYTES = 1_000_000

# Both sendfile rows use the kernel's sendfile, and single runs of either
# varied by a factor of two on a 2-core machine, so sendfile takes this
# many times the runs of the other workloads to steady its medians.
SENDFILE_RUN_FACTOR = 3

# Free space that sendfile needs in the temporary directory beyond the file itself.
DISK_MARGIN_BYTES = 512 * 1024 * 1024


@dataclass
class Config:
    """Settings of one harness run: the tools found, the sizes, the runs per row and the timeout per process."""

    tools: dict[str, Tool]
    sizes: dict[str, list[int]]
    runs: int
    timeout: float
    quick: bool
    progress: Callable[[str], None]


# -- helpers that turn a command into a row ---------------------------------


def show(argv: Sequence[str], env: dict[str, str] | None = None) -> str:
    """Format a command line as it ran, with the environment it added."""
    prefix = " ".join(f"{name}={value}" for name, value in (env or {}).items())
    return (prefix + " " if prefix else "") + shlex.join(argv)


def missing_row(label: str, tool: Tool, command: str = "") -> Row:
    return Row(label, command, error=tool.missing)


def _check_exit(result: ProcessResult) -> None:
    failure = result.failure()
    if failure is not None:
        raise MeasureError(failure)


def _find_number(expected: str, output: str) -> bool:
    return re.search(rf"(?<![\d-]){re.escape(expected)}(?!\d)", output) is not None


def timed_row(
    label: str,
    argv: list[str],
    config: Config,
    expected: str | None = None,
    fresh_env: Callable[[Path], dict[str, str]] | None = None,
    fresh_env_text: dict[str, str] | None = None,
    lenient: bool = False,
) -> Row:
    """Build a row timed from process start to exit.

    ``expected`` must appear in the output as a whole number, unless
    ``lenient``: then a different output only adds a note to the row.
    ``fresh_env`` gives extra environment variables for a new empty
    directory, created for each run and removed after it.
    """
    row = Row(label, show(argv, fresh_env_text))

    def measure() -> Sample:
        with tempfile.TemporaryDirectory(prefix="ttlrun-bench-fresh-") as fresh:
            env = None
            if fresh_env is not None:
                env = dict(os.environ)
                env.update(fresh_env(Path(fresh)))
            result = run_process(argv, config.timeout, env=env, cwd=REPO_ROOT)
        _check_exit(result)
        if expected is not None and not _find_number(expected, result.stdout):
            printed = result.stdout.strip()[-80:] or "nothing"
            if not lenient:
                raise MeasureError(f"wrong result: expected {expected}, printed {printed!r}")
            row.note = f"prints {printed!r}, not {expected}"
        return Sample(result.seconds, result.max_rss_kib)

    row.measure = measure
    return row


def peer_row(
    label: str,
    kind: str,
    peer_args: list[str],
    argv: list[str],
    config: Config,
    value: Callable[[PeerResult], float],
    pin: bool = False,
) -> Row:
    """Build a row whose value comes from what the peer measured; ``{port}`` in ``argv`` is the peer's port."""
    wrapper = f"{GNU_TIME} -f %M -o RSS_FILE " if GNU_TIME is not None else ""
    pin_text = "taskset -c 0 " if pin else ""
    command = wrapper + pin_text + show(argv).replace("'{port}'", "PORT").replace("{port}", "PORT")
    row = Row(label, command)

    def measure() -> Sample:
        try:
            result = run_with_peer(kind, peer_args, argv, config.timeout, pin=pin)
        except RuntimeError as exc:
            raise MeasureError(str(exc)) from None
        failure = result.failure()
        if failure is not None:
            raise MeasureError(failure)
        return Sample(value(result), result.client.max_rss_kib)

    row.measure = measure
    return row


def ttlrun_argv(config: Config, macro: str, *args: str) -> list[str]:
    command = config.tools["ttlrun"].command or []
    return [*command, f"{WORKLOADS}/{macro}", *args]


def nextnextping_argv(config: Config, macro: str, *args: str) -> list[str]:
    command = config.tools["nextnextping"].command or []
    return [*command, f"{WORKLOADS}/{macro}", *args]


def format_bytes(size: int) -> str:
    """Format a byte count with a decimal unit: 4 MB, 1 GB, 100 kB."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} bytes"


def available(config: Config, name: str) -> bool:
    return config.tools[name].available


# -- loop and strings -------------------------------------------------------


def wrap32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value >= 0x80000000 else value


def interpreter_section(name: str, config: Config, description: str, expected: str, count: int) -> Section:
    """Measure a pure-interpreter workload: ttlrun, Tcl global and proc, CPython, nextnextping."""
    tools = config.tools
    size = str(count)
    rows = [timed_row("ttlrun", ttlrun_argv(config, f"{name}.ttl", size), config, expected)]
    for label, script in (("Tcl, global code", f"{name}_global.tcl"), ("Tcl, inside a proc", f"{name}_proc.tcl")):
        if available(config, "tclsh"):
            argv = [*(tools["tclsh"].command or []), f"{WORKLOADS}/{script}", size]
            rows.append(timed_row(label, argv, config, expected))
        else:
            rows.append(missing_row(label, tools["tclsh"]))
    if name == "loop":
        rows.append(timed_row("CPython, plain loop", [*(tools["python"].command or []), f"{WORKLOADS}/loop.py", size],
                              config, expected))
    if available(config, "nextnextping"):
        rows.append(timed_row("nextnextping", nextnextping_argv(config, f"{name}.ttl", size), config, expected,
                              lenient=True))
    else:
        rows.append(missing_row("nextnextping", tools["nextnextping"]))
    table = Table(f"{name}, {count:,} iterations", "s", higher_is_better=False, rows=rows)
    measure_tables([table], config.runs, config.progress)
    section = Section(name, description, tables=[table])
    section.checks = [
        check_ratio(f"{name}: ttlrun time <= 1.0x Tcl global code", table, "Tcl, global code", 1.0, at_most=True),
        check_ratio(f"{name}: ttlrun time <= 2.0x Tcl inside a proc", table, "Tcl, inside a proc", 2.0, at_most=True),
    ]
    return section


def bench_loop(config: Config) -> Section:
    count = config.sizes["loop"][0]
    expected = str(wrap32(count * (count + 1) // 2))
    description = (
        f"`for i 1 {count}` with `x = x + i` inside, then print `x`, which wraps at 32 bits as TTL "
        f"integers do ({expected}). Tcl masks to 32 bits on each step, because its integers do not "
        "overflow. Times are whole processes, start-up included."
    )
    return interpreter_section("loop", config, description, expected, count)


def bench_strings(config: Config) -> Section:
    count = config.sizes["strings"][0]
    found = 0
    total = 0
    for i in range(1, count + 1):
        line = f"item {i:05d} tail"
        found += line.find("tail") + 1
        total += len(line)
    description = (
        f"{count:,} rounds of `sprintf2 line 'item %05d' i`, `strconcat line ' tail'`, "
        "`strscan line 'tail'` and `strlen line`, summing the positions and lengths; "
        "in Tcl `format`, `append`, `string first` and `string length`. "
        "Times are whole processes, start-up included."
    )
    return interpreter_section("strings", config, description, f"{found} {total}", count)


# -- startup ----------------------------------------------------------------


def bench_startup(config: Config) -> Section:
    tools = config.tools
    python = tools["python"].command or []
    macro = ttlrun_argv(config, "startup.ttl")
    pass_argv = [*python, "-c", "pass"]

    conditions: list[tuple[str, Callable[[Path], dict[str, str]] | None, dict[str, str] | None]] = [
        ("repeated run", None, None),
        ("first run, no Lark cache", lambda fresh: {"TMPDIR": str(fresh)}, {"TMPDIR": "NEW_EMPTY_DIR"}),
        ("first run, no Lark cache and no bytecode",
         lambda fresh: {"TMPDIR": str(fresh), "PYTHONPYCACHEPREFIX": str(fresh / "pycache")},
         {"TMPDIR": "NEW_EMPTY_DIR", "PYTHONPYCACHEPREFIX": "NEW_EMPTY_DIR/pycache"}),
    ]
    tables = []
    for condition, fresh_env, fresh_text in conditions:
        rows = [
            timed_row("ttlrun", macro, config, fresh_env=fresh_env, fresh_env_text=fresh_text),
            timed_row("python3 -c pass", pass_argv, config, fresh_env=fresh_env, fresh_env_text=fresh_text),
        ]
        if fresh_env is None:
            if available(config, "tclsh"):
                rows.append(timed_row("tclsh, empty script", [*(tools["tclsh"].command or []),
                                                               f"{WORKLOADS}/empty.tcl"], config))
            if available(config, "nextnextping"):
                rows.append(timed_row("nextnextping", nextnextping_argv(config, "startup.ttl"), config))
        tables.append(Table(f"startup, {condition}", "s", higher_is_better=False, rows=rows))
    measure_tables(tables, config.runs, config.progress)
    description = (
        "A one-line macro (`x = 1`) against `python3 -c pass` with the same interpreter. "
        "A repeated run has every cache in place (the harness runs each command once before "
        "it measures). ttlrun keeps Lark's parse table in the temporary directory, so each first "
        "run gets a new empty `TMPDIR`. The third table also gives every run a new empty "
        "`PYTHONPYCACHEPREFIX`, so that no module has bytecode, the standard library's included, "
        "as after installing without compiling. The operating system's file cache stays warm."
    )
    section = Section("startup", description, tables=tables)
    limits = (5.0, 10.0, 10.0)
    for table, limit in zip(tables, limits):
        condition = table.title.removeprefix("startup, ")
        section.checks.append(check_ratio(f"startup, {condition}: ttlrun <= {limit:g}x python3 -c pass", table,
                                          "python3 -c pass", limit, at_most=True))
    return section


# -- lockstep ---------------------------------------------------------------


def lockstep_rows(config: Config, count: int, pin: bool) -> list[Row]:
    tools = config.tools

    def rate(expected: int) -> Callable[[PeerResult], float]:
        def value(result: PeerResult) -> float:
            trips = int(str(result.peer["round_trips"]))
            if trips != expected:
                raise MeasureError(f"the peer counted {trips} round trips, not {expected}")
            return trips / float(str(result.peer["seconds"]))
        return value

    size = str(count)
    rows = [peer_row("ttlrun", "echo", [], ttlrun_argv(config, "lockstep.ttl", "{port}", size), config,
                     rate(count), pin)]
    if available(config, "expect"):
        rows.append(peer_row("Expect", "echo", [], [*(tools["expect"].command or []), f"{WORKLOADS}/lockstep.exp",
                                                    "{port}", size], config, rate(count), pin))
    else:
        rows.append(missing_row("Expect", tools["expect"]))
    script = [*(tools["python"].command or []), f"{WORKLOADS}/session_pexpect.py", "lockstep", "{port}", size]
    for label, extra in (("pexpect, defaults", []), ("pexpect, tuned", ["--tuned"])):
        if available(config, "pexpect"):
            rows.append(peer_row(label, "echo", [], [*script, *extra], config, rate(count), pin))
        else:
            rows.append(missing_row(label, tools["pexpect"]))
    if available(config, "nextnextping"):
        small = min(count, NEXTNEXTPING_ROUND_TRIPS)
        row = peer_row("nextnextping", "echo", [], nextnextping_argv(config, "lockstep.ttl", "{port}", str(small)),
                       config, rate(small), pin)
        row.note = f"{small} round trips"
        rows.append(row)
    else:
        rows.append(missing_row("nextnextping", tools["nextnextping"]))
    return rows


def bench_lockstep(config: Config) -> Section:
    count = config.sizes["lockstep"][0]
    tables = []
    for pin, title in ((True, "pinned to core 0"), (False, "not pinned")):
        if pin and not available(config, "taskset"):
            rows = [missing_row(label, config.tools["taskset"]) for label in ("ttlrun", "Expect", "pexpect, tuned")]
        else:
            rows = lockstep_rows(config, count, pin)
        tables.append(Table(f"lockstep, {count:,} round trips, {title}", "round trips/s", higher_is_better=True,
                            rows=rows))
    measure_tables(tables, config.runs, config.progress)
    description = (
        f"{count:,} round trips of `sendln 'ping'` and `wait 'ping'` with an echo peer on 127.0.0.1 "
        "(`bench/peers.py echo`, TCP_NODELAY set), then the line `quit`. ttlrun connects with "
        "`connect '127.0.0.1:PORT /nossh /T=0'`; Expect opens the same kind of socket with "
        "`spawn -open [socket 127.0.0.1 PORT]` after `fconfigure -translation binary` and matches with "
        "`expect -ex`; pexpect drives the socket through `fdpexpect.fdspawn`, once with its defaults and "
        "once tuned (`delaybeforesend=None`, `delayafterread=None`); both match with `expect`. The peer times from "
        "the first byte it receives to `quit`, so start-up and connecting are not counted. In the pinned "
        "table the client and the echo peer both run under `taskset -c 0`, on the same core."
    )
    section = Section("lockstep", description, tables=tables)
    pinned = tables[0]
    section.checks = [
        check_ratio("lockstep, pinned: ttlrun >= 1.2x Expect round trips/s", pinned, "Expect", 1.2, at_most=False),
        check_ratio("lockstep, pinned: ttlrun >= tuned pexpect round trips/s", pinned, "pexpect, tuned", 1.0,
                    at_most=False),
    ]
    section.notes.append(
        "In pexpect 4.8.0 only the pty spawn class sleeps for `delaybeforesend`; `fdspawn.send` writes at "
        "once. So on a socket the defaults differ from the tuned run only in `delayafterread`, a 0.1 ms "
        "sleep after each read."
    )
    return section


# -- bigoutput and memory -----------------------------------------------------


def megabytes_per_second(result: PeerResult) -> float:
    return float(str(result.peer["bytes"])) / float(str(result.peer["seconds"])) / 1e6


def bigoutput_rows(config: Config, size: int, with_others: bool) -> list[Row]:
    tools = config.tools
    peer_args = ["--bytes", str(size)]
    rows = [peer_row("ttlrun", "bigoutput", peer_args, ttlrun_argv(config, "bigoutput.ttl", "{port}"), config,
                     megabytes_per_second)]
    if with_others:
        if available(config, "expect"):
            rows.append(peer_row("Expect", "bigoutput", peer_args,
                                 [*(tools["expect"].command or []), f"{WORKLOADS}/bigoutput.exp", "{port}"],
                                 config, megabytes_per_second))
        else:
            rows.append(missing_row("Expect", tools["expect"]))
        if available(config, "pexpect"):
            argv = [*(tools["python"].command or []), f"{WORKLOADS}/session_pexpect.py", "bigoutput", "{port}",
                    "--tuned"]
            rows.append(peer_row("pexpect, tuned", "bigoutput", peer_args, argv, config, megabytes_per_second))
        else:
            rows.append(missing_row("pexpect, tuned", tools["pexpect"]))
    else:
        rows.append(peer_row("nextnextping", "bigoutput", peer_args,
                             nextnextping_argv(config, "bigoutput.ttl", "{port}"), config, megabytes_per_second))
    return rows


def bench_bigoutput(config: Config) -> Section:
    sizes = sorted(config.sizes["bigoutput"])
    tables = [Table(f"bigoutput, {format_bytes(size)}", "MB/s", higher_is_better=True,
                    rows=bigoutput_rows(config, size, with_others=True), show_rss=True) for size in sizes]
    nextnextping_size = min(sizes[0], NEXTNEXTPING_OUTPUT_BYTES)
    if available(config, "nextnextping"):
        tables.append(Table(f"bigoutput, {format_bytes(nextnextping_size)}, with nextnextping", "MB/s",
                            higher_is_better=True, rows=bigoutput_rows(config, nextnextping_size, with_others=False),
                            show_rss=True))
    measure_tables(tables, config.runs, config.progress)

    description = (
        "The peer (`bench/peers.py bigoutput`) waits for the line `go`, sends text lines of about 80 "
        "bytes with ANSI colour sequences (SGR) as `ls --color` would, then the line `BIGOUTPUT-END`; the "
        "client waits for that marker and answers `done`. The peer times from `go` to `done`. ttlrun "
        "matches after its terminal filter, as Tera Term does; Expect (`expect -ex`) and tuned pexpect "
        "(`maxread=65536`, `delayafterread=None`, `expect_exact`) match the raw bytes. The RSS column is "
        "the client's peak resident set size, as GNU time (`time -f %M`) reports it."
    )
    section = Section("bigoutput", description, tables=tables)

    largest = tables[len(sizes) - 1]
    section.checks = [
        check_value(f"bigoutput: ttlrun >= 350 MB/s at {format_bytes(sizes[-1])}", largest.row("ttlrun"), "MB/s",
                    350.0, at_most=False),
        check_ratio(f"bigoutput: ttlrun faster than tuned pexpect at {format_bytes(sizes[-1])}", largest,
                    "pexpect, tuned", 1.0, at_most=False),
        check_linear(tables[0], largest),
    ]

    section.notes.append(
        "pexpect with its defaults is left out here. With a regular-expression `expect` and 2000-byte "
        "reads, its time grew with the square of the size when this harness was written (1 MB in 0.18 s, "
        "4 MB in 1.8 s), so 100 MB would take an estimated 20 minutes."
    )
    if not available(config, "nextnextping"):
        section.notes.append(f"nextnextping: {config.tools['nextnextping'].missing}")
    else:
        section.notes.append(f"nextnextping runs {format_bytes(nextnextping_size)} only, because its time grows "
                             "faster than the output size.")
    return section


def check_linear(smallest: Table, largest: Table) -> Check:
    """Check that ttlrun's throughput at the largest size is at least 80% of that at the smallest."""
    target = "bigoutput: ttlrun time linear in size (MB/s at the largest size >= 0.8x at the smallest)"
    small = smallest.row("ttlrun")
    large = largest.row("ttlrun")
    if smallest is largest:
        return Check(target, "only one size was run", "not measured")
    if small is None or large is None or small.median is None or large.median is None:
        return Check(target, "no measurement", "not measured")
    ratio = large.median / small.median
    measured = f"{large.median:,.1f} / {small.median:,.1f} MB/s = {ratio:.2f}"
    return Check(target, measured, "met" if ratio >= 0.8 else "not met")


def bench_memory(config: Config) -> Section:
    size = config.sizes["memory"][0]
    log_dir = Path(tempfile.mkdtemp(prefix="ttlrun-bench-log-"))
    log_path = log_dir / "bigoutput.log"
    argv = ttlrun_argv(config, "bigoutput.ttl", "{port}", str(log_path))
    inner = peer_row("ttlrun", "bigoutput", ["--bytes", str(size)], argv, config, megabytes_per_second)
    assert inner.measure is not None
    speeds: list[float] = []
    log_sizes: list[int] = []
    measure_once = inner.measure

    def measure() -> Sample:
        try:
            sample = measure_once()
            log_sizes.append(log_path.stat().st_size if log_path.exists() else 0)
        finally:
            log_path.unlink(missing_ok=True)
        speeds.append(sample.value)
        if log_sizes[-1] == 0:
            raise MeasureError(f"logopen wrote nothing to {log_path}")
        if sample.max_rss_kib == 0:
            raise MeasureError(f"no peak RSS: {config.tools['time'].missing or 'GNU time reported none'}")
        return Sample(sample.max_rss_kib / 1024, sample.max_rss_kib)

    row = Row("ttlrun", inner.command, measure=measure)
    table = Table(f"memory, bigoutput {format_bytes(size)} with logopen", "MiB peak RSS", higher_is_better=False,
                  rows=[row])
    try:
        measure_tables([table], config.runs, config.progress)
    finally:
        log_path.unlink(missing_ok=True)
        log_dir.rmdir()
    if speeds:
        row.note = f"{statistics.median(speeds):,.1f} MB/s, log file {statistics.median(log_sizes) / 1e6:,.1f} MB"
    description = (
        f"The bigoutput job at {format_bytes(size)} with `logopen` writing a text log, which leaves out "
        f"the escape sequences, to a file in {tempfile.gettempdir()} (removed after each run). The value is ttlrun's peak resident set size, as GNU time "
        "(`time -f %M`) reports it."
    )
    section = Section("memory", description, tables=[table])
    section.checks = [check_value("memory: ttlrun peak RSS <= 64 MiB", row, "MiB", 64.0, at_most=True)]
    return section


# -- sendfile ---------------------------------------------------------------


def make_file(path: Path, size: int) -> None:
    """Write ``size`` bytes of repeated random data to ``path``."""
    block = os.urandom(1 << 20)
    with open(path, "wb") as handle:
        written = 0
        while written < size:
            piece = block[: size - written]
            handle.write(piece)
            written += len(piece)


SENDFILE_TARGET = "sendfile: ttlrun >= 0.8x bare socket.sendfile MB/s"


def sendfile_table(config: Config, data: Path, size: int) -> Table:
    """Measure ttlrun's sendfile and a bare socket.sendfile of ``data``."""
    peer_args = ["--bytes", str(size)]
    python = config.tools["python"].command or []
    rows = [
        peer_row("ttlrun", "sink", peer_args, ttlrun_argv(config, "sendfile.ttl", "{port}", str(data)), config,
                 megabytes_per_second),
        peer_row("bare socket.sendfile", "sink", peer_args,
                 [*python, f"{WORKLOADS}/sendfile_bare.py", "{port}", str(data)], config, megabytes_per_second),
    ]
    table = Table(f"sendfile, {format_bytes(size)}", "MB/s", higher_is_better=True, rows=rows, show_rss=True)
    measure_tables([table], config.runs * SENDFILE_RUN_FACTOR, config.progress)
    return table


def bench_sendfile(config: Config) -> Section:
    size = config.sizes["sendfile"][0]
    temporary = tempfile.gettempdir()
    description = (
        f"`sendfile FILE 1` (binary) of a {format_bytes(size)} file in {temporary} to a loopback sink "
        "(`bench/peers.py sink`), after the line `go`; the sink times from `go` to the last byte. "
        "The reference sends the same file with Python's `socket.sendfile` "
        "(`bench/workloads/sendfile_bare.py`). The file is removed at the end. Single runs vary widely "
        f"here, so each row runs {SENDFILE_RUN_FACTOR} times as often as in the other workloads."
    )
    section = Section("sendfile", description)

    stats = os.statvfs(temporary)
    free = stats.f_bavail * stats.f_frsize
    if free < size + DISK_MARGIN_BYTES:
        section.notes.append(f"not run: {temporary} has {free / 1e9:.1f} GB free, "
                             f"{(size + DISK_MARGIN_BYTES) / 1e9:.1f} GB needed")
        section.checks = [Check(SENDFILE_TARGET, section.notes[-1], "not measured")]
        return section

    file_dir = Path(tempfile.mkdtemp(prefix="ttlrun-bench-sendfile-"))
    data = file_dir / "data.bin"
    try:
        config.progress(f"  writing {format_bytes(size)} to {data}")
        make_file(data, size)
        table = sendfile_table(config, data, size)
    finally:
        data.unlink(missing_ok=True)
        file_dir.rmdir()
    section.tables = [table]
    section.notes.append("nextnextping 1.31.1 has no `sendfile` command, so it is not in this table.")
    section.checks = [check_ratio(SENDFILE_TARGET, table, "bare socket.sendfile", 0.8, at_most=False)]
    return section


BENCHES: dict[str, Callable[[Config], Section]] = {
    "loop": bench_loop,
    "strings": bench_strings,
    "startup": bench_startup,
    "lockstep": bench_lockstep,
    "bigoutput": bench_bigoutput,
    "sendfile": bench_sendfile,
    "memory": bench_memory,
}
