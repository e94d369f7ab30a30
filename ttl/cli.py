"""The ttlrun command line."""

from __future__ import annotations

import argparse
import codecs
import json
import math
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from ttl import __version__
from ttl.errors import InternalError, RunTimeout, TTLError, UsageError
from ttl.machine import Machine, Options
from ttl.transcript import Transcript
from ttl.values import IntArray, StrArray

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_RUNTIME_ERROR = 1
EXIT_SYNTAX_ERROR = 2
EXIT_TIMEOUT = 124
EXIT_INTERRUPTED = 130
EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE from sysexits.h

NEWLINES = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n"}

DESCRIPTION = """\
Run a Tera Term macro (TTL) without Tera Term.

Exit status: 0 when the macro ends normally (or the value it gave to
setexitcode), 1 on a runtime error in the macro (including a lost
connection), 2 on a syntax error or a wrong ttlrun command line, 124 when
--timeout stops the run, 130 on Ctrl-C, 70 on an internal error of ttlrun.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"ttlrun: error: {message}\n")
        raise SystemExit(EXIT_SYNTAX_ERROR)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ttlrun",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("macro", metavar="MACRO", help="the .ttl file to run")
    parser.add_argument("args", metavar="ARG", nargs=argparse.REMAINDER,
                        help="arguments for the macro: param2, param3, ... (param1 is the macro file)")
    parser.add_argument("--transcript", metavar="FILE", type=Path,
                        help="record every byte sent and received, with direction and time, in FILE")
    parser.add_argument("--hexdump", action="store_true",
                        help="show sent (>) and received (<) bytes as a hex dump on standard error")
    parser.add_argument("--dump-vars", metavar="FILE", type=Path,
                        help="write all variables as JSON to FILE when the macro ends, also after an error")
    parser.add_argument("--newline", choices=sorted(NEWLINES),
                        help="what sendln appends (default: crlf on raw TCP, cr on telnet, SSH and serial)")
    parser.add_argument("--raw-match", action="store_true",
                        help="let wait commands match the raw received bytes instead of the text "
                        "after terminal processing (escape sequences removed, lone CR dropped)")
    parser.add_argument("--accept-new-host-keys", action="store_true",
                        help="SSH: accept and remember the key of a host not yet in known_hosts "
                        "(by default such a host is rejected)")
    parser.add_argument("--answer", metavar="TEXT", action="append", default=[],
                        help="answer the next dialog (inputbox, passwordbox, yesnobox, listbox, "
                        "filenamebox, dirnamebox); repeat for several; TTLRUN_ANSWERS adds one per line")
    parser.add_argument("--ssh-config", metavar="FILE",
                        help="SSH: run ssh with -F FILE (also read by ProxyJump hops); "
                        "the environment variable TTLRUN_SSH_CONFIG does the same")
    parser.add_argument("--timeout", metavar="SECONDS", type=float,
                        help="stop the whole run after SECONDS (exit status 124)")
    parser.add_argument("--encoding", metavar="NAME",
                        help="decode macro files with this encoding instead of detecting it")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="trace each statement as FILE:LINE on standard error before it runs")
    parser.add_argument("--check", action="store_true",
                        help="check MACRO and every ARG as macro files without running anything; "
                        "print FILE:LINE:COL: error|warning: MESSAGE lines; exit status 1 on an error")
    parser.add_argument("--version", action="version", version=f"ttlrun {__version__}")
    return parser


def _check_arguments(args: argparse.Namespace) -> None:
    """Reject option values that would only fail later."""
    if args.timeout is not None and not (math.isfinite(args.timeout) and args.timeout > 0):
        raise UsageError(f"--timeout must be a positive number of seconds, not {args.timeout:g}")
    if args.encoding is not None:
        try:
            codecs.lookup(args.encoding)
        except LookupError:
            raise UsageError(f"--encoding: unknown encoding '{args.encoding}'; try utf-8 or cp932") from None
    if args.dump_vars is not None and not args.dump_vars.parent.resolve().is_dir():
        raise UsageError(f"--dump-vars: folder not found: {args.dump_vars.parent}")


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise RunTimeout("the run took longer than --timeout allowed; the macro was stopped")


def dump_variables(machine: Machine, path: Path) -> None:
    """Write every variable as JSON: name, type and value."""

    def show(value: bytes) -> dict[str, str]:
        if machine.mask(value) != value:
            return {"text": "***"}  # the value contains a password
        try:
            return {"text": value.decode("utf-8")}
        except UnicodeDecodeError:
            return {"hex": value.hex()}

    entries = []
    for name in sorted(machine.vars):
        value = machine.vars[name]
        if isinstance(value, int):
            entries.append({"name": name, "type": "integer", "value": value})
        elif isinstance(value, bytes):
            entries.append({"name": name, "type": "string", "value": show(value)})
        elif isinstance(value, IntArray):
            entries.append({"name": name, "type": "integer array", "value": list(value)})
        elif isinstance(value, StrArray):
            entries.append({"name": name, "type": "string array", "value": [show(v) for v in value]})
    path.write_text(json.dumps({"variables": entries}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="ttlrun: %(name)s: %(message)s")
    if args.check:
        return run_check([Path(args.macro), *map(Path, args.args)], args.encoding)

    options = Options(
        newline=NEWLINES[args.newline] if args.newline else None,
        raw_match=args.raw_match,
        accept_new_host_keys=args.accept_new_host_keys,
        ssh_config=args.ssh_config,
        hexdump=sys.stderr if args.hexdump else None,
        trace=sys.stderr if args.verbose else None,
        encoding=args.encoding,
    )
    machine = Machine(options)
    machine.answers = list(args.answer)
    machine.answers += [line for line in os.environ.get("TTLRUN_ANSWERS", "").split("\n") if line]
    status = EXIT_OK
    try:
        _check_arguments(args)
        if args.timeout is not None:
            signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, args.timeout)
        if args.transcript is not None:
            try:
                options.transcript = Transcript(args.transcript)
            except OSError as exc:
                raise UsageError(f"cannot write transcript {args.transcript}: {exc.strerror}") from None
        macro = Path(args.macro)
        machine.current_dir = macro.resolve().parent
        machine.set_params(macro, list(args.args))
        program = machine.load(macro)
        machine.run_main(program)
        status = machine.exit_code
        if machine.answers:
            sys.stderr.write(
                f"ttlrun: warning: {len(machine.answers)} answer(s) from --answer or TTLRUN_ANSWERS were not used\n"
            )
    except TTLError as error:
        sys.stderr.write(error.format() + "\n")
        status = error.exit_status
    except KeyboardInterrupt:
        sys.stderr.write("ttlrun: interrupted\n")
        status = EXIT_INTERRUPTED
    except Exception as exc:  # a bug in ttlrun, not in the macro
        where = exc.location if isinstance(exc, InternalError) else "ttlrun"
        sys.stderr.write(
            f"{where}: internal error: {exc}\n"
            "This is a bug in ttlrun. Please report it with the macro and this message;\n"
            "set TTLRUN_DEBUG=1 to see the Python traceback.\n"
        )
        if os.environ.get("TTLRUN_DEBUG"):
            raise
        status = EXIT_INTERNAL_ERROR
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        if not _finish(machine, args) and status == EXIT_OK:
            status = EXIT_RUNTIME_ERROR
    return status


def run_check(paths: list[Path], encoding: str | None) -> int:
    """Print the checker's findings; return 1 when there is an error, else 0."""
    from ttl.check import check_paths

    findings = check_paths(paths, encoding)
    for finding in findings:
        sys.stdout.write(finding.format() + "\n")
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    sys.stderr.write(f"ttlrun: checked {len(paths)} file(s): {errors} error(s), {warnings} warning(s)\n")
    return 1 if errors else 0


def _finish(machine: Machine, args: argparse.Namespace) -> bool:
    """Close the connection and write what must outlive the run."""
    machine.shutdown()
    transcript = machine.options.transcript
    if transcript is not None:
        transcript.close()
    if args.dump_vars is not None:
        try:
            dump_variables(machine, args.dump_vars)
        except OSError as exc:
            sys.stderr.write(f"ttlrun: error: cannot write {args.dump_vars}: {exc.strerror}\n")
            return False
    return True
