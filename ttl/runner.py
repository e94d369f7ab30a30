"""Running macro text from Python, for tests and embedding."""

from __future__ import annotations

import io
from pathlib import Path

from ttl.compiler import compile_source
from ttl.machine import Machine, Options
from ttl.source import SourceFile


def run_text(text: str, *, path: str | Path = "macro.ttl", args: list[str] | None = None,
             options: Options | None = None, answers: list[str] | None = None) -> Machine:
    """Compile and run macro ``text`` as if it were the file ``path``.

    Relative file names in the macro resolve against ``path``'s directory.
    Output of messagebox and dispstr goes to ``options.stdout`` (a fresh
    StringIO when no options are given); ``answers`` answer dialogs in
    order. Errors are raised as TTLError.
    """
    if options is None:
        options = Options(stdout=io.StringIO())
    machine = Machine(options)
    machine.answers = list(answers or [])
    macro = Path(path)
    machine.current_dir = macro.resolve().parent
    machine.set_params(macro, args or [])
    program = compile_source(SourceFile(macro, text, "utf-8"))
    machine.preload_includes(program, machine.current_dir)
    machine.run_main(program)
    return machine
