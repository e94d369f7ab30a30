"""Run the ttlrun benchmarks against Tcl, Expect, pexpect and nextnextping.

    python bench/run.py [--quick] [--runs N] [--sizes NAME=N[,N...] ...]
                        [--only NAME ...] [--python312 PATH] [--timeout SECONDS]
                        [--output FILE]

Writes docs/benchmarks.md (or --output) and prints the targets table.
bench/README.md describes the workloads and how to install the tools.
"""

from __future__ import annotations

import argparse
import datetime
import shlex
import sys
import time
from pathlib import Path

from measure import run_process
from model import Section
from report import RunInfo, read_load, render
from suite import BENCHES, DEFAULT_SIZES, QUICK_SIZES, WORKLOAD_NAMES, WORKLOADS, Config
from tools import REPO_ROOT, find_tools

SIZE_SUFFIXES = {"k": 10**3, "M": 10**6, "G": 10**9}


def parse_size(text: str) -> int:
    """Parse a count or byte size such as 5000, 10M or 1G (decimal suffixes k, M, G)."""
    multiplier = 1
    if text and text[-1] in SIZE_SUFFIXES:
        multiplier = SIZE_SUFFIXES[text[-1]]
        text = text[:-1]
    try:
        value = float(text) * multiplier
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: use a number with an optional k, M or G") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: it must be at least 1")
    return int(value)


def parse_sizes(items: list[str]) -> dict[str, list[int]]:
    sizes: dict[str, list[int]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or name not in DEFAULT_SIZES:
            raise argparse.ArgumentTypeError(
                f"invalid --sizes item {item!r}: use NAME=N[,N...] with NAME one of {', '.join(DEFAULT_SIZES)}")
        sizes[name] = [parse_size(value) for value in values.split(",")]
    return sizes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Benchmark ttlrun against Tcl, Expect, pexpect and nextnextping; write a Markdown report.")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and one run per tool, to check that the harness works (seconds)")
    parser.add_argument("--runs", type=int, help="runs per tool and workload; the report shows the median "
                        "(default 3, 1 with --quick)")
    parser.add_argument("--sizes", nargs="+", default=[], metavar="NAME=N[,N...]",
                        help="override sizes: loop, strings (iterations), lockstep (round trips), bigoutput "
                        "(bytes, one or more), sendfile, memory (bytes); suffixes k, M, G are powers of 10")
    parser.add_argument("--only", nargs="+", choices=WORKLOAD_NAMES, metavar="NAME",
                        help=f"run only these workloads: {', '.join(WORKLOAD_NAMES)}")
    parser.add_argument("--python312", metavar="PATH",
                        help="a Python >= 3.12 interpreter with nextnextping installed; without it "
                        "nextnextping is skipped")
    parser.add_argument("--timeout", type=float, help="seconds before one benchmark process is killed "
                        "(default 300, 60 with --quick)")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "docs" / "benchmarks.md",
                        help="Markdown file to write (default docs/benchmarks.md)")
    return parser


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def warm_up(config: Config) -> None:
    """Run each interpreter once, so that bytecode and Lark's cache exist before any timing."""
    commands = [[*(config.tools["ttlrun"].command or []), f"{WORKLOADS}/startup.ttl"]]
    if config.tools["nextnextping"].available:
        commands.append([*(config.tools["nextnextping"].command or []), f"{WORKLOADS}/startup.ttl"])
    for argv in commands:
        result = run_process(argv, config.timeout, cwd=REPO_ROOT)
        failure = result.failure()
        if failure is not None:
            progress(f"warm-up failed: {shlex.join(argv)}: {failure}")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        overrides = parse_sizes(args.sizes)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    sizes = dict(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    sizes.update(overrides)
    runs = args.runs
    if runs is None:
        runs = 1 if args.quick else 3
    if runs < 1:
        parser.error("--runs must be at least 1")
    timeout = args.timeout
    if timeout is None:
        timeout = 60.0 if args.quick else 300.0

    started = time.time()
    load_before = read_load()
    tools = find_tools(args.python312)
    if not tools["ttlrun"].available:
        print(f"error: ttlrun does not run: {tools['ttlrun'].missing}", file=sys.stderr)
        return 1
    for tool in tools.values():
        progress(f"{tool.name}: {tool.version or 'missing: ' + tool.missing}")
    config = Config(tools=tools, sizes=sizes, runs=runs, timeout=timeout, quick=args.quick, progress=progress)
    warm_up(config)

    sections: list[Section] = []
    for name in args.only or WORKLOAD_NAMES:
        progress(f"{name}:")
        sections.append(BENCHES[name](config))

    info = RunInfo(
        command=shlex.join(["python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
        started=datetime.datetime.fromtimestamp(started, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        minutes=(time.time() - started) / 60,
        runs=runs,
        quick=args.quick,
        load_before=load_before,
        load_after=read_load(),
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(info, tools, sections), encoding="utf-8")
    for section in sections:
        for check in section.checks:
            print(f"{check.status:>12}  {check.target}: {check.measured}")
    progress(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
