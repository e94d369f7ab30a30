"""The TTL machine: variables, the control stack and the run loop."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ttl.compiler import ExitInclude, MacroEnd, Program, Transfer, compile_source
from ttl.errors import InternalError, MacroRuntimeError, TTLError
from ttl.source import load_source
from ttl.values import StrArray

log = logging.getLogger(__name__)


@dataclass
class Options:
    """Settings of one run that come from the command line."""

    newline: bytes | None = None  # what sendln appends; None = the transport's default
    raw_match: bool = False  # wait commands see raw bytes instead of terminal text
    accept_new_host_keys: bool = False  # SSH: add unknown host keys to known_hosts
    ssh_config: str | None = None  # SSH: the ssh_config file given to ssh -F
    transcript: Any = None  # a ttl.transcript.Transcript, or None
    hexdump: TextIO | None = None
    trace: TextIO | None = None
    encoding: str | None = None
    stdout: TextIO = field(default_factory=lambda: sys.stdout)


class Machine:
    """Runs compiled programs. All variables are global, as in Tera Term."""

    def __init__(self, options: Options | None = None):
        self.options = options or Options()
        self.vars: dict[str, Any] = {}
        self.stack: list[list[Any]] = []
        self.files: list[Program] = []
        self.program: Program | None = None
        self.pc = 0
        self.exit_code = 0
        self.current_dir = Path.cwd()
        self.transfer_dir: Path | None = None  # changedir: base of sendfile, logopen, recvfile names
        self.cache: dict[Path, Program] = {}
        self.link: Any = None  # ttl.link.Link, created on first use
        self.title = b"Tera Term"  # settitle/gettitle
        # Passwords the macro obtained (passwordbox, getpassword, ...); ttlrun
        # masks them in what it writes itself: dumps, transcripts, hex dumps.
        self.secrets: set[bytes] = set()
        self.answers: list[str] = []  # --answer values and TTLRUN_ANSWERS lines, used in order
        self.status_line = b""  # the statusbox text last printed
        self.execcmnd_cache: dict[tuple[int, int, bytes], Any] = {}
        self.log: Any = None  # ttl.commands.log.Log while logopen is in effect
        self.init_system_variables()

    # -- setup -----------------------------------------------------------

    def init_system_variables(self) -> None:
        v = self.vars
        v["result"] = 0
        v["timeout"] = 0
        v["mtimeout"] = 0
        v["inputstr"] = b""
        v["matchstr"] = b""
        for i in range(1, 10):
            v[f"groupmatchstr{i}"] = b""

    def set_params(self, macro_path: Path, args: list[str]) -> None:
        """Set param1..param9, paramcnt and params[] as Tera Term does.

        ``param1`` is the macro file's name and the arguments follow;
        arguments after the ninth are only in ``params``.
        """
        values = [os.fsencode(macro_path.name)] + [os.fsencode(a) for a in args]
        command_line = b" ".join([os.fsencode(str(macro_path))] + [os.fsencode(a) for a in args])
        for i in range(1, 10):
            self.vars[f"param{i}"] = values[i - 1] if i <= len(values) else b""
        self.vars["paramcnt"] = len(values)
        self.vars["params"] = StrArray([command_line, *values])

    # -- loading ---------------------------------------------------------

    def load(self, path: Path) -> Program:
        """Compile the file at ``path`` (once per run) with the includes it names."""
        resolved = path.resolve()
        program = self.cache.get(resolved)
        if program is None:
            program = compile_source(load_source(resolved, self.options.encoding))
            self.cache[resolved] = program
            self.preload_includes(program, resolved.parent)
        return program

    def preload_includes(self, program: Program, base: Path) -> None:
        """Compile includes whose path is a constant, so their errors show before anything runs."""
        for raw, _line in program.constant_includes:
            path = base / os.fsdecode(raw.replace(b"\\", b"/"))
            if path.is_file() and path.resolve() not in self.cache:
                self.load(path)

    # -- running ---------------------------------------------------------

    def run_main(self, program: Program) -> None:
        """Run the main program until it ends, or raise a TTLError."""
        try:
            self.run(program)
        except MacroEnd:
            pass
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        """Close the connection (taking in what already arrived), open files and the log."""
        link = self.link
        if link is not None:
            try:
                link.close("end of macro")
            except OSError as exc:
                log.warning("closing the connection failed: %s", exc)
        # Only modules that were imported can hold open files or a log.
        files = sys.modules.get("ttl.commands.files")
        if files is not None:
            files.close_files(self)
        log_module = sys.modules.get("ttl.commands.log")
        if log_module is not None:
            log_module.close_log(self)

    def run(self, program: Program) -> None:
        """Run ``program`` from its first op; used for the main file and includes."""
        self.files.append(program)
        saved_program = self.program
        saved_pc = self.pc
        self.program = program
        ops = program.ops
        count = len(ops)
        pc = 0
        trace = self.options.trace
        try:
            while pc < count:
                self.pc = pc
                if trace is not None:
                    self.trace(program, pc)
                try:
                    following = ops[pc](self)
                except Transfer as transfer:
                    if transfer.program is not program:
                        raise
                    pc = transfer.pc
                    continue
                if following is None:
                    pc += 1
                else:
                    pc = following
        except TTLError as error:
            # Also errors raised between two ops, such as the --timeout alarm.
            raise error.with_location(program.location(self.pc)) from None
        except (MacroEnd, ExitInclude, Transfer, InternalError):
            raise
        except RecursionError:
            raise MacroRuntimeError("includes are nested too deeply").with_location(
                program.location(self.pc)
            ) from None
        except Exception as exc:
            raise InternalError(exc, program.location(self.pc)) from exc
        finally:
            self.files.pop()
            self.program = saved_program
            self.pc = saved_pc

    def trace(self, program: Program, pc: int) -> None:
        assert self.options.trace is not None
        line = program.lines[pc]
        text = program.source.line(line).strip()
        self.options.trace.write(f"{program.source.name}:{line}: {text}\n")
        self.options.trace.flush()

    def include(self, raw_path: bytes) -> None:
        """Run another macro file, then come back (``include``)."""
        if not raw_path:
            raise MacroRuntimeError("include: the file name is empty")
        path = self.resolve_path(raw_path)
        if not path.is_file():
            raise MacroRuntimeError(f"include: cannot open file {path}: no such file")
        program = self.load(path)
        depth = len(self.stack)
        try:
            self.run(program)
        except ExitInclude:
            pass
        # Frames that the included file left open are dropped with it.
        del self.stack[depth:]

    def goto_outer(self, name: str) -> int:
        """Jump to a label of an enclosing file (a goto out of an include)."""
        for program in reversed(self.files[:-1]):
            target = program.labels.get(name)
            if target is not None:
                raise Transfer(program, target)
        raise MacroRuntimeError(f"goto: label ':{name}' is not defined")

    # -- helpers for commands ----------------------------------------------

    def resolve_path(self, raw: bytes) -> Path:
        """Turn a macro's file name into a path; relative names use the macro's current directory."""
        text = os.fsdecode(raw)
        if "\\" in text and not (self.current_dir / text).exists():
            text = text.replace("\\", "/")
        return self.current_dir / text

    def resolve_transfer_path(self, raw: bytes) -> Path:
        """Resolve a name for sendfile, logopen or recvfile: against changedir's folder when set."""
        path = self.resolve_path(raw)
        if self.transfer_dir is not None and not Path(os.fsdecode(raw)).is_absolute():
            return self.transfer_dir / path.relative_to(self.current_dir)
        return path

    def location(self) -> Any:
        """Return the location of the statement that runs now."""
        assert self.program is not None
        return self.program.location(self.pc)

    def warn(self, message: str) -> None:
        """Print a warning that names the current statement; the macro goes on."""
        where = self.location() if self.program is not None else "ttlrun"
        sys.stderr.write(f"{where}: warning: {message}\n")
        sys.stderr.flush()

    def add_secret(self, value: bytes) -> None:
        """Remember a password so that ttlrun's own output masks it."""
        if value:
            self.secrets.add(value)

    def mask(self, data: bytes) -> bytes:
        """Return ``data`` with every known password replaced by ``***``."""
        for secret in self.secrets:
            if secret in data:
                data = data.replace(secret, b"***")
        return data

    def set_result(self, value: int) -> None:
        self.vars["result"] = value

    def output(self, text: str) -> None:
        """Write user-visible output (messagebox, dispstr) to standard output."""
        out = self.options.stdout
        out.write(text)
        out.flush()

