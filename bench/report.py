"""Write the benchmark results as Markdown (docs/benchmarks.md)."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

from model import Row, Section, Table
from tools import Tool

INSTALL_HINT = "bench/README.md says how to install the tools."


@dataclass
class RunInfo:
    """Facts about the run itself: its command line, start, duration, runs and machine load."""

    command: str
    started: str  # UTC, ISO 8601
    minutes: float
    runs: int
    quick: bool
    load_before: str
    load_after: str


def read_machine() -> dict[str, str]:
    """Read the CPU model, core count, memory and kernel from /proc and uname."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = "unknown"
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": model,
        "logical cores": f"{os.cpu_count()} ({usable} usable by this process)",
        "memory": memory,
        "kernel": f"{platform.system()} {platform.release()} {platform.machine()}",
    }


def read_load() -> str:
    try:
        with open("/proc/loadavg", encoding="utf-8") as handle:
            return " ".join(handle.read().split()[:3])
    except OSError:
        return "unknown"


def _number(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _ratio_header(table: Table) -> str:
    if table.higher_is_better:
        return f"{table.reference} ÷ this (above 1: {table.reference} faster)"
    return f"{table.reference} ÷ this (below 1: {table.reference} better)"


def render_table(table: Table) -> list[str]:
    header = ["tool", f"median {table.unit}", "runs"]
    if table.show_rss:
        header.append("peak RSS MiB")
    if len(table.rows) > 1:
        header.append(_ratio_header(table))
    header.append("note")
    lines = [f"**{table.title}**", "", "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in table.rows:
        lines.append("| " + " | ".join(_cell(cell) for cell in _row_cells(table, row)) + " |")
    return lines


def _row_cells(table: Table, row: Row) -> list[str]:
    median = row.median
    cells = [row.label, _number(median) if median is not None else "-",
             ", ".join(_number(value) for value in row.values) or "-"]
    if table.show_rss:
        rss = row.median_rss_mib
        cells.append(f"{rss:.1f}" if rss is not None else "-")
    if len(table.rows) > 1:
        ratio = table.ratio(row.label)
        cells.append(f"{ratio:.2f}" if ratio is not None else "-")
    note = "; ".join(part for part in (row.note, row.error) if part)
    cells.append(note)
    return cells


def _render_intro(info: RunInfo) -> list[str]:
    lines = [
        "# Benchmarks",
        "",
        "`bench/run.py` writes this page; rerun it rather than edit the numbers. "
        "ttlrun changes often, so these numbers hold for the commit named under Tools only. "
        + INSTALL_HINT,
        "",
        f"Run on {info.started} UTC, {info.minutes:.1f} minutes, with:",
        "",
        "```",
        info.command,
        "```",
        "",
        f"Each value is the median of {info.runs} run{'s' if info.runs != 1 else ''}, unless its section "
        "says otherwise; the runs column lists every run. A tool's runs interleave with the other tools' runs. MB is 10^6 bytes, MiB 2^20 bytes. "
        "Every connection is on 127.0.0.1.",
    ]
    if info.quick:
        lines += ["", "**This was a `--quick` run with tiny sizes: the numbers show that the harness works, "
                  "not how fast anything is.**"]
    return lines


def _render_machine(info: RunInfo, tools: dict[str, Tool]) -> list[str]:
    lines = ["## Machine", "", "| property | value |", "| --- | --- |"]
    for name, value in read_machine().items():
        lines.append(f"| {name} | {_cell(value)} |")
    lines.append(f"| load average (1, 5, 15 min) at start | {info.load_before} |")
    lines.append(f"| load average (1, 5, 15 min) at end | {info.load_after} |")
    lines += ["", "Other work on the machine during the run shows in the load average and moves the numbers.",
              "", "## Tools", "", "| tool | version |", "| --- | --- |"]
    for tool in tools.values():
        lines.append(f"| {tool.name} | {_cell(tool.version or 'missing: ' + tool.missing)} |")
    return lines


def _render_targets(sections: list[Section]) -> list[str]:
    lines = ["## Targets", "", "| target | measured | result |", "| --- | --- | --- |"]
    for section in sections:
        for check in section.checks:
            lines.append(f"| {_cell(check.target)} | {_cell(check.measured)} | {check.status} |")
    return lines


def _render_section(section: Section) -> list[str]:
    lines = [f"## {section.name}", "", section.description]
    for table in section.tables:
        lines += ["", *render_table(table)]
    for note in section.notes:
        lines += ["", note]
    commands: dict[str, str] = {}
    for table in section.tables:
        for row in table.rows:
            if row.command and row.command not in commands:
                commands[row.command] = row.label
    if commands:
        lines += ["", "Commands, run in the repository root (`PORT` is the peer's port):", "", "```"]
        for command, label in commands.items():
            lines += [f"# {label}", command]
        lines.append("```")
    return lines


ANALYSIS = Path(__file__).resolve().parent / "analysis.md"


def render(info: RunInfo, tools: dict[str, Tool], sections: list[Section]) -> str:
    """Return the whole Markdown page."""
    lines = [*_render_intro(info), "", *_render_machine(info, tools), "", *_render_targets(sections)]
    for section in sections:
        lines += ["", *_render_section(section)]
    if ANALYSIS.is_file():
        # Written by hand: why the missed targets are missed and what would close them.
        lines += ["", ANALYSIS.read_text(encoding="utf-8").rstrip()]
    return "\n".join(lines) + "\n"
