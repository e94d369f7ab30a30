"""Results of a benchmark run: rows of measurements, tables, targets and sections.

A ``Row`` is one tool doing one job; its ``measure`` callable runs the job
once and returns one value (or raises ``MeasureError``). ``measure_tables``
runs every row of a section ``runs`` times, one row after the other within
each round, so that a change in machine load during the run spreads over
all tools alike.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Callable


class MeasureError(Exception):
    """A failed run; the message is the reason (exit status, timeout, wrong result)."""


@dataclass
class Sample:
    """One run's value and the client's peak RSS in KiB (0 when not measured)."""

    value: float
    max_rss_kib: int = 0


@dataclass
class Row:
    """One tool doing one job, with its samples."""

    label: str
    command: str  # the exact command line, for the report
    measure: Callable[[], Sample] | None = None  # None when the tool is missing
    note: str = ""
    error: str = ""  # why the row has no (or not all) values
    samples: list[Sample] = field(default_factory=list)

    @property
    def values(self) -> list[float]:
        return [sample.value for sample in self.samples]

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.samples and not self.error else None

    @property
    def median_rss_mib(self) -> float | None:
        rss = [sample.max_rss_kib for sample in self.samples if sample.max_rss_kib]
        return statistics.median(rss) / 1024 if rss and not self.error else None


@dataclass
class Table:
    """Rows measured in one unit; the ratio column compares ttlrun with each row."""

    title: str
    unit: str  # for example "s", "round trips/s", "MB/s", "MiB"
    higher_is_better: bool
    rows: list[Row]
    show_rss: bool = False
    reference: str = "ttlrun"  # label of the row the ratios start from

    def row(self, label: str) -> Row | None:
        for row in self.rows:
            if row.label == label:
                return row
        return None

    def ratio(self, label: str) -> float | None:
        """Return the reference row's median divided by ``label``'s median."""
        reference = self.row(self.reference)
        other = self.row(label)
        if reference is None or other is None or reference.median is None or other.median is None:
            return None
        if other.median == 0:
            return None
        return reference.median / other.median


@dataclass
class Check:
    """A target and whether this run met it."""

    target: str
    measured: str
    status: str  # "met", "not met" or "not measured"


def check_ratio(target: str, table: Table, label: str, limit: float, at_most: bool) -> Check:
    """Check that the reference row's median divided by ``label``'s is within ``limit``."""
    ratio = table.ratio(label)
    if ratio is None:
        return Check(target, _why_missing(table, label), "not measured")
    met = ratio <= limit if at_most else ratio >= limit
    return Check(target, f"{ratio:.2f}x ({table.title})", "met" if met else "not met")


def check_value(target: str, row: Row | None, unit: str, limit: float, at_most: bool, scale: float = 1.0) -> Check:
    """Check that a row's median (times ``scale``) is within ``limit``."""
    if row is None or row.median is None:
        return Check(target, row.error if row is not None and row.error else "no measurement", "not measured")
    value = row.median * scale
    met = value <= limit if at_most else value >= limit
    return Check(target, f"{value:,.1f} {unit}", "met" if met else "not met")


def _why_missing(table: Table, label: str) -> str:
    for name in (table.reference, label):
        row = table.row(name)
        if row is None:
            return f"{name}: not run"
        if row.median is None:
            return f"{name}: {row.error or 'no measurement'}"
    return "no measurement"


@dataclass
class Section:
    """One workload in the report."""

    name: str
    description: str
    tables: list[Table] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def measure_tables(tables: list[Table], runs: int, progress: Callable[[str], None]) -> None:
    """Run every row of ``tables`` ``runs`` times, interleaved; a failing row stops."""
    for round_number in range(1, runs + 1):
        for table in tables:
            for row in table.rows:
                if row.measure is None or row.error:
                    continue
                try:
                    sample = row.measure()
                except MeasureError as exc:
                    row.error = f"run {round_number}: {exc}"
                    progress(f"  {table.title} / {row.label}: failed: {row.error}")
                    continue
                row.samples.append(sample)
                progress(f"  {table.title} / {row.label}: run {round_number}: {sample.value:,.4g} {table.unit}")
