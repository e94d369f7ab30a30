"""End-to-end check of the benchmark harness (bench/run.py) with --quick.

These tests check that the harness runs, measures every workload and
writes well-formed Markdown. They never check a timing: the numbers depend
on the machine and on its load.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
RUN_SCRIPT = REPO_ROOT / "bench" / "run.py"
WORKLOADS = ("loop", "strings", "startup", "lockstep", "bigoutput", "sendfile", "memory")
STATUSES = {"met", "not met", "not measured"}

# A --quick run takes about 5 s on a 2-core machine; the limit only stops a hang.
HARNESS_TIMEOUT = 120


@dataclass
class HarnessRun:
    """The harness's exit status, output and the report it wrote."""

    returncode: int
    stdout: str
    stderr: str
    report: str
    temporary: Path

    def describe(self) -> str:
        return f"exit status {self.returncode}\n--- stderr ---\n{self.stderr[-3000:]}"


def split_row(line: str) -> list[str]:
    """Split a Markdown table row into cells; `\\|` inside a cell is not a separator."""
    inner = line.strip()[1:-1]
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", inner)]


def tables_of(markdown: str) -> list[list[list[str]]]:
    """Return every table as a list of rows of cells, header and separator included."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(split_row(line))
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def section_text(markdown: str, name: str) -> str:
    match = re.search(rf"^## {re.escape(name)}\n(.*?)(?=^## |\Z)", markdown, re.S | re.M)
    return match.group(1) if match else ""


def row_median(markdown: str, section: str, label: str) -> list[str]:
    """Return the median cell of every row named ``label`` in a section's tables."""
    medians = []
    for table in tables_of(section_text(markdown, section)):
        for cells in table[2:]:
            if cells[0] == label:
                medians.append(cells[1])
    return medians


def is_number(text: str) -> bool:
    return re.fullmatch(r"[\d,]+(\.\d+)?(e[+-]?\d+)?", text) is not None


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> HarnessRun:
    """Run `bench/run.py --quick` once, with its files in a temporary directory."""
    base = tmp_path_factory.mktemp("bench")
    temporary = base / "tmp"
    temporary.mkdir()
    output = base / "benchmarks.md"
    env = dict(os.environ, TMPDIR=str(temporary))
    done = subprocess.run(
        [sys.executable, str(RUN_SCRIPT), "--quick", "--runs", "1", "--output", str(output)],
        capture_output=True, text=True, timeout=HARNESS_TIMEOUT, cwd=REPO_ROOT, env=env,
    )
    report = output.read_text(encoding="utf-8") if output.exists() else ""
    return HarnessRun(done.returncode, done.stdout, done.stderr, report, temporary)


def test_harness_exits_zero(harness: HarnessRun) -> None:
    assert harness.returncode == 0, harness.describe()


def test_harness_writes_every_section(harness: HarnessRun) -> None:
    for name in ("Machine", "Tools", "Targets", *WORKLOADS):
        assert f"\n## {name}\n" in harness.report, f"section {name} is missing\n{harness.describe()}"


def test_harness_tables_well_formed(harness: HarnessRun) -> None:
    tables = tables_of(harness.report)
    assert len(tables) >= 10, harness.report
    for table in tables:
        header, separator, *rows = table
        assert all(cell == "---" for cell in separator), f"bad separator row under {header}"
        assert len(separator) == len(header), f"separator width differs from header {header}"
        assert rows, f"table {header} has no rows"
        for cells in rows:
            assert len(cells) == len(header), f"row {cells} does not match header {header}"


def test_harness_targets_have_status(harness: HarnessRun) -> None:
    targets = tables_of(section_text(harness.report, "Targets"))
    assert len(targets) == 1, harness.report
    header, _separator, *rows = targets[0]
    assert header == ["target", "measured", "result"]
    assert len(rows) >= len(WORKLOADS)
    for cells in rows:
        assert cells[2] in STATUSES, f"target {cells[0]} has status {cells[2]!r}"


def test_harness_names_machine(harness: HarnessRun) -> None:
    machine = section_text(harness.report, "Machine")
    for field in ("| CPU |", "| logical cores |", "| memory |"):
        assert field in machine, machine


def test_harness_measures_ttlrun_everywhere(harness: HarnessRun) -> None:
    for name in ("loop", "strings", "startup", "bigoutput", "sendfile"):
        medians = row_median(harness.report, name, "ttlrun")
        assert medians, f"no ttlrun row in {name}"
        for median in medians:
            assert is_number(median), f"ttlrun in {name}: median {median!r}\n{harness.describe()}"


def test_harness_measures_lockstep_unpinned(harness: HarnessRun) -> None:
    medians = row_median(harness.report, "lockstep", "ttlrun")
    assert len(medians) == 2, section_text(harness.report, "lockstep")
    assert is_number(medians[1]), harness.describe()


def test_harness_measures_lockstep_pinned(harness: HarnessRun) -> None:
    if shutil.which("taskset") is None:
        pytest.skip("taskset is not installed (Debian package util-linux)")
    medians = row_median(harness.report, "lockstep", "ttlrun")
    assert is_number(medians[0]), harness.describe()


def test_harness_measures_memory(harness: HarnessRun) -> None:
    if shutil.which("time") is None:
        pytest.skip("GNU time is not installed (Debian package time)")
    medians = row_median(harness.report, "memory", "ttlrun")
    assert medians and is_number(medians[0]), harness.describe()


def test_harness_measures_tcl(harness: HarnessRun) -> None:
    if shutil.which("tclsh") is None:
        pytest.skip("tclsh is not installed (Debian package tcl)")
    for name in ("loop", "strings"):
        for label in ("Tcl, global code", "Tcl, inside a proc"):
            medians = row_median(harness.report, name, label)
            assert medians and is_number(medians[0]), f"{label} in {name}\n{harness.describe()}"


def test_harness_measures_expect(harness: HarnessRun) -> None:
    if shutil.which("expect") is None:
        pytest.skip("expect is not installed (Debian package expect)")
    for name in ("lockstep", "bigoutput"):
        medians = row_median(harness.report, name, "Expect")
        assert medians and all(is_number(median) for median in medians), f"Expect in {name}\n{harness.describe()}"


def test_harness_measures_pexpect(harness: HarnessRun) -> None:
    pytest.importorskip("pexpect", reason="pexpect is not installed (pip install pexpect)")
    for label in ("pexpect, defaults", "pexpect, tuned"):
        medians = row_median(harness.report, "lockstep", label)
        assert medians and all(is_number(median) for median in medians), f"{label}\n{harness.describe()}"


def test_harness_notes_missing_nextnextping(harness: HarnessRun) -> None:
    tools = section_text(harness.report, "Tools")
    assert "| nextnextping | missing: not run: it needs Python >= 3.12" in tools, tools


def test_harness_removes_its_files(harness: HarnessRun) -> None:
    left = sorted(path.name for path in harness.temporary.iterdir() if path.name.startswith("ttlrun-bench-"))
    assert left == []


def test_harness_rejects_bad_sizes(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(RUN_SCRIPT), "--sizes", "loop=lots", "--output", str(tmp_path / "out.md")],
        capture_output=True, text=True, timeout=60, cwd=REPO_ROOT,
    )
    assert done.returncode == 2
    assert "invalid size 'lots'" in done.stderr
    assert not (tmp_path / "out.md").exists()
