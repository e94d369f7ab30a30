"""Expressions, variables and control flow, with values from Tera Term 5's rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttl.errors import MacroRuntimeError, MacroSyntaxError
from ttl.runner import run_text


def value(expression: str) -> object:
    return run_text(f"x = {expression}\n").vars["x"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("-7 / 2", -3),
        ("-7 % 2", -1),
        ("7 / -2", -3),
        ("-7 % 3", -1),
        ("2147483647 + 1", -2147483648),
        ("4294967295", -1),
        ("$FFFFFFFF", -1),
        ("$ff", 255),
        ("$", 0),
        ("1 << 31", -2147483648),
        ("-1 >>> 28", 15),
        ("-8 >> 1", -4),
        ("5 >> 40", 0),
        ("-8 >> 40", -1),
        ("0 >> 40", -1),
        ("3 << -1", 1),
        ("not 0", -1),
        ("!5", 0),
        ("~0", -1),
        ("3 and 5", 1),
        ("6 xor 3", 5),
        ("1 or 2", 3),
        ("2 < 3 < 1", 0),
        ("1 + 2 * 3", 7),
        ("-2 * 3", -6),
        ("- -1", 1),
        ("1 = 1", 1),
        ("1 == 2", 0),
        ("1 <> 2", 1),
        ("1 != 1", 0),
        ("2 && 3", 1),
        ("0 || 0", 0),
        ("1 and 2 = 0", 1),
        ("-2147483648 / -1", -2147483648),
        ("(1 + 2) * 3", 9),
    ],
)
def test_expression_value(expression: str, expected: int) -> None:
    assert value(expression) == expected


def test_and_binds_tighter_than_comparison() -> None:
    # (1 and 3) = 1, not 1 and (3 = 1)
    assert value("1 and 3 = 1") == 1


def test_logical_and_is_not_short_circuit() -> None:
    with pytest.raises(MacroRuntimeError, match="divide by zero"):
        run_text("x = 0 && 1/0\n")


def test_assignment_line_compares_after_first_equals() -> None:
    assert run_text("b = 2\nc = 2\na = b = c\n").vars["a"] == 1


def test_string_literal_pieces_join_when_touching() -> None:
    m = run_text("s = 'it''s'#13#$0a\"q\"\n")
    assert m.vars["s"] == b"its\r\nq"


def test_string_has_no_escapes() -> None:
    assert run_text("s = 'a\\nb'\n").vars["s"] == b"a\\nb"


def test_string_is_utf8_bytes() -> None:
    m = run_text("s = 'あ'\nstrlen s\n")
    assert m.vars["result"] == 3


def test_character_code_zero_is_rejected() -> None:
    with pytest.raises(MacroSyntaxError, match="invalid character code"):
        run_text("s = 'a'#0\n")


def test_string_in_arithmetic_is_type_mismatch() -> None:
    with pytest.raises(MacroSyntaxError, match="type mismatch: the string 'x' cannot be used with an operator"):
        run_text("s = 'x'\nif s = 'x' x = 1\n")


def test_string_variable_in_arithmetic_is_type_mismatch() -> None:
    with pytest.raises(MacroRuntimeError, match="type mismatch"):
        run_text("s = 'x'\nt = 'x'\nif s = t x = 1\n")


def test_string_then_signed_number_are_two_parameters() -> None:
    assert run_text("sprintf2 s '%04d' -5\n").vars["s"] == b"-005"


def test_variable_keeps_first_type() -> None:
    with pytest.raises(MacroRuntimeError, match="type mismatch"):
        run_text("a = 1\na = 'x'\n")


def test_unassigned_variable_is_an_error() -> None:
    with pytest.raises(MacroRuntimeError, match="not initialized") as info:
        run_text("a = 1\nb = a + c\n")
    assert info.value.location is not None
    assert info.value.location.line == 2


def test_names_are_case_insensitive() -> None:
    assert run_text("Abc = 1\nABC = aBc + 1\n").vars["abc"] == 2


def test_label_may_not_be_a_system_variable() -> None:
    with pytest.raises(MacroSyntaxError, match="system variable"):
        run_text(":result\n")


def test_duplicate_label_is_an_error() -> None:
    with pytest.raises(MacroSyntaxError, match="already defined"):
        run_text(":a\n:A\n")


def test_keyword_as_variable_is_an_error() -> None:
    with pytest.raises(MacroSyntaxError):
        run_text("sendln = 1\n")


def test_comments() -> None:
    m = run_text(
        "; a comment\n"
        "a = 1 ; trailing\n"
        "/* block\n"
        "   b = 99\n"
        "*/ b = 2\n"
        "c = 6/2 /* inline */\n"
        "s = '/* not a comment */;'\n"
    )
    assert (m.vars["a"], m.vars["b"], m.vars["c"]) == (1, 2, 3)
    assert m.vars["s"] == b"/* not a comment */;"


def test_crlf_and_cr_line_ends() -> None:
    m = run_text("a = 1\r\nb = 2\rc = 3\n")
    assert (m.vars["a"], m.vars["b"], m.vars["c"]) == (1, 2, 3)


def test_unterminated_comment_is_a_syntax_error() -> None:
    with pytest.raises(MacroSyntaxError, match=r'"\*/" expected'):
        run_text("a = 1\n/* open\n")


def test_expression_reads_greedily_across_spaces() -> None:
    assert run_text("sprintf2 s '%d' 7 -2\n").vars["s"] == b"5"


def test_for_with_negative_literal_is_a_syntax_error() -> None:
    with pytest.raises(MacroSyntaxError) as info:
        run_text("for i 5 -1\nnext\n")
    assert info.value.location is not None
    assert info.value.location.line == 1


# -- control flow ---------------------------------------------------------


def collect(text: str) -> list[str]:
    m = run_text(text)
    return m.options.stdout.getvalue().split()


def test_for_counts_up_and_ends_on_last() -> None:
    m = run_text("n = 0\nfor i 1 3\nn = n * 10 + i\nnext\n")
    assert m.vars["n"] == 123
    assert m.vars["i"] == 3


def test_for_counts_down() -> None:
    assert run_text("n = 0\nfor i 3 1\nn = n * 10 + i\nnext\n").vars["n"] == 321


def test_for_single_value_runs_once() -> None:
    assert run_text("n = 0\nfor i 1 1\nn = n + 1\nnext\n").vars["n"] == 1


def test_for_rereads_end_bound() -> None:
    m = run_text("e = 5\nn = 0\nfor i 1 e\nn = n + 1\ne = 3\nnext\n")
    assert m.vars["n"] == 3


def test_for_body_assignment_moves_loop() -> None:
    m = run_text("n = 0\nfor i 1 5\nn = n + 1\nif i = 2 i = 4\nnext\n")
    assert m.vars["n"] == 3  # i = 1, 2 (set to 4), 5


def test_for_over_array_element() -> None:
    m = run_text("intdim a 2\nn = 0\nfor a[1] 1 4\nn = n + a[1]\nnext\n")
    assert m.vars["n"] == 10


def test_if_elseif_else() -> None:
    text = (
        "for i 1 4\n"
        "if i = 1 then\n  dispstr 'one '\n"
        "elseif i = 2 then\n  dispstr 'two '\n"
        "elseif i = 3 then\n  dispstr 'three '\n"
        "else\n  dispstr 'other '\n"
        "endif\n"
        "next\n"
    )
    assert collect(text) == ["one", "two", "three", "other"]


def test_nested_if_blocks() -> None:
    text = "a = 1\nb = 0\nif a then\n if b then\n dispstr 'x'\n else\n dispstr 'y'\n endif\nelse\n dispstr 'z'\nendif\n"
    assert collect(text) == ["y"]


def test_one_line_if_skips_false_statement() -> None:
    assert collect("if 0 dispstr 'no'\nif 1 dispstr 'yes'\n") == ["yes"]


def test_one_line_if_nested() -> None:
    assert collect("if 1 if 1 dispstr 'both'\n") == ["both"]


def test_block_if_without_endif_is_a_syntax_error() -> None:
    with pytest.raises(MacroSyntaxError, match="endif is missing"):
        run_text("if 1 then\na = 1\n")


def test_if_then_with_statement_is_a_syntax_error() -> None:
    with pytest.raises(MacroSyntaxError):
        run_text("if 1 then a = 1\nendif\n")


def test_while_and_endwhile() -> None:
    assert run_text("i = 0\nwhile i < 5\ni = i + 1\nendwhile\n").vars["i"] == 5


def test_while_false_skips_nested_loops() -> None:
    m = run_text("n = 0\nwhile 0\ndo\nn = 1\nloop\nendwhile\n")
    assert m.vars["n"] == 0


def test_until_loops_while_false() -> None:
    assert run_text("i = 0\nuntil i = 3\ni = i + 1\nenduntil\n").vars["i"] == 3


def test_do_loop_while() -> None:
    assert run_text("i = 0\ndo\ni = i + 1\nloop while i < 3\n").vars["i"] == 3


def test_do_until_at_top() -> None:
    assert run_text("i = 0\ndo until i >= 4\ni = i + 1\nloop\n").vars["i"] == 4


def test_endwhile_with_exit_condition() -> None:
    assert run_text("i = 0\nwhile 1\ni = i + 1\nendwhile i < 3\n").vars["i"] == 3


def test_break_and_continue() -> None:
    text = "for i 1 10\nif i = 2 continue\nif i = 4 break\nint2str s i\ndispstr s ' '\nnext\n"
    assert collect(text) == ["1", "3"]


def test_continue_runs_loop_condition() -> None:
    m = run_text("i = 0\nn = 0\ndo\ni = i + 1\nif i < 3 continue\nn = n + 1\nloop while i < 5\n")
    assert m.vars["n"] == 3


def test_break_outside_loop_is_an_error() -> None:
    with pytest.raises(MacroSyntaxError, match="outside a loop"):
        run_text("break\n")


def test_goto_forward_and_back() -> None:
    text = "n = 0\n:top\nn = n + 1\nif n < 3 goto top\ngoto done\nn = 100\n:done\n"
    assert run_text(text).vars["n"] == 3


def test_label_starting_with_digit() -> None:
    assert run_text("goto 100\nn = 1\n:100\nn = 2\n").vars["n"] == 2


def test_call_and_return() -> None:
    text = "call sub\ncall sub\nend\n:sub\ndispstr 'in '\nreturn\n"
    assert collect(text) == ["in", "in"]


def test_return_inside_loop_is_invalid_control() -> None:
    with pytest.raises(MacroRuntimeError, match="invalid control"):
        run_text("call sub\nend\n:sub\nfor i 1 2\nreturn\nnext\nreturn\n")


def test_recursive_call() -> None:
    text = "n = 0\ncall down\nend\n:down\nn = n + 1\nif n < 50 call down\nreturn\n"
    assert run_text(text).vars["n"] == 50


def test_call_to_missing_label_is_an_error() -> None:
    with pytest.raises(MacroSyntaxError, match="not defined"):
        run_text("call nowhere\n")


def test_goto_to_missing_label_fails_when_run() -> None:
    with pytest.raises(MacroRuntimeError, match="not defined"):
        run_text("goto nowhere\n")


def test_end_stops_macro() -> None:
    assert collect("dispstr 'a'\nend\ndispstr 'b'\n") == ["a"]


def test_exit_in_main_stops_macro() -> None:
    assert collect("dispstr 'a'\nexit\ndispstr 'b'\n") == ["a"]


def test_array_elements() -> None:
    m = run_text("intdim a 3\nstrdim s 2\na[2] = 7\ns[1] = 'x'\nn = a[2] + a[0]\n")
    assert m.vars["n"] == 7
    assert m.vars["s"][1] == b"x"


def test_array_index_out_of_range() -> None:
    with pytest.raises(MacroRuntimeError, match="index out of range"):
        run_text("intdim a 3\nx = a[3]\n")


def test_params_from_arguments() -> None:
    m = run_text("n = paramcnt\n", path="dir/run.ttl", args=["host", "25"])
    assert m.vars["param1"] == b"run.ttl"
    assert m.vars["param2"] == b"host"
    assert m.vars["param3"] == b"25"
    assert m.vars["param4"] == b""
    assert m.vars["n"] == 3
    assert m.vars["params"][2] == b"host"


def test_system_variables_start_empty() -> None:
    m = run_text("")
    assert m.vars["result"] == 0
    assert m.vars["timeout"] == 0
    assert m.vars["inputstr"] == b""
    assert m.vars["groupmatchstr9"] == b""


# -- include ------------------------------------------------------------------


def test_include_runs_file_and_returns(tmp_path: Path) -> None:
    (tmp_path / "lib.ttl").write_text("dispstr 'lib '\nexit\ndispstr 'never'\n")
    m = run_text("include 'lib.ttl'\ndispstr 'main'\n", path=tmp_path / "main.ttl")
    assert m.options.stdout.getvalue().split() == ["lib", "main"]


def test_include_path_from_variable(tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text("x = 42\n")
    m = run_text("name = 'a.ttl'\ninclude name\n", path=tmp_path / "main.ttl")
    assert m.vars["x"] == 42


def test_include_calls_its_own_labels(tmp_path: Path) -> None:
    (tmp_path / "lib.ttl").write_text("call helper\nexit\n:helper\nx = 5\nreturn\n")
    m = run_text("include 'lib.ttl'\ny = x\n", path=tmp_path / "main.ttl")
    assert m.vars["y"] == 5


def test_include_goto_reaches_outer_label(tmp_path: Path) -> None:
    (tmp_path / "lib.ttl").write_text("goto outer\nx = 1\n")
    m = run_text("x = 0\ninclude 'lib.ttl'\nx = 2\n:outer\ny = x\n", path=tmp_path / "main.ttl")
    assert m.vars["y"] == 0


def test_include_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MacroRuntimeError, match="cannot open"):
        run_text("include 'missing.ttl'\n", path=tmp_path / "main.ttl")


def test_include_unsupported_command_reported_before_run(tmp_path: Path) -> None:
    (tmp_path / "lib.ttl").write_text("bplussend 'f'\n")
    with pytest.raises(MacroSyntaxError, match="cannot run in ttlrun"):
        run_text("dispstr 'started'\ninclude 'lib.ttl'\n", path=tmp_path / "main.ttl")


def test_unknown_command_is_reported() -> None:
    with pytest.raises(MacroSyntaxError, match="unknown command 'frobnicate'"):
        run_text("a = 1\nfrobnicate 1\n")


def test_wrong_parameter_count() -> None:
    with pytest.raises(MacroSyntaxError, match="wrong number of parameters"):
        run_text("strconcat s\n")


def test_messagebox_prints_headless() -> None:
    m = run_text("messagebox 'hello' 'greeting'\n")
    assert m.options.stdout.getvalue() == "[greeting] hello\n"


def test_setexitcode() -> None:
    assert run_text("setexitcode 7\n").exit_code == 7


# -- execcmnd -------------------------------------------------------------------


def test_execcmnd_assigns_dynamic_name() -> None:
    m = run_text("for i 1 2\nsprintf2 c 'v%d = %d' i i * 10\nexeccmnd c\nnext\n")
    assert (m.vars["v1"], m.vars["v2"]) == (10, 20)


def test_execcmnd_goto_and_call() -> None:
    text = "n = 0\nexeccmnd 'call sub'\nexeccmnd 'goto done'\nn = 99\n:done\nend\n:sub\nn = n + 1\nreturn\n"
    assert run_text(text).vars["n"] == 1


def test_execcmnd_rejects_block_statement() -> None:
    with pytest.raises(MacroRuntimeError, match="block statement"):
        run_text("execcmnd 'if 1 then'\n")


def test_execcmnd_syntax_error_names_text() -> None:
    with pytest.raises(MacroRuntimeError, match="execcmnd") as info:
        run_text("a = 1\nexeccmnd 'x = (1'\n")
    assert info.value.location is not None
    assert info.value.location.line == 2


def test_rejected_command_names_reason() -> None:
    with pytest.raises(MacroSyntaxError, match="cannot run in ttlrun: it runs a command of Tera Term's menus"):
        run_text("callmenu 50110\n")


def test_window_commands_do_nothing() -> None:
    m = run_text("showtt 0\nshow 1\nenablekeyb 0\nclearscreen 1\nsetdlgpos 10 10\ngetttpos a b c d e f g h i\n")
    assert m.vars["result"] == -1
    assert m.vars["a"] == 0


def test_array_without_index_is_type_mismatch() -> None:
    with pytest.raises(MacroRuntimeError, match="is an array; give an index"):
        run_text("strdim a 2\nx = a\n")


def test_array_size_is_bounded() -> None:
    with pytest.raises(MacroRuntimeError, match="array size must be 1 to"):
        run_text("intdim a 2147483647\n")


def test_output_variable_created_by_command() -> None:
    m = run_text("strconcat fresh 'x'\ngetenv 'NO_SUCH_VARIABLE_FOR_TTLRUN' empty\n")
    assert m.vars["fresh"] == b"x"
    assert m.vars["empty"] == b""


def test_filestat_failure_leaves_variables_undefined() -> None:
    # Tera Term's filestat stops before it reads its variable parameters.
    m = run_text("filestat 'no-such-file' size mtime\nr = result\n")
    assert m.vars["r"] == -1
    assert "size" not in m.vars
    assert "mtime" not in m.vars


def test_variable_parameter_followed_by_signed_number() -> None:
    m = run_text("int2str s -5\nint2str t -5 * 2\ncode2str c $41\nint2str u -8 >> 1\n")
    assert (m.vars["s"], m.vars["t"], m.vars["c"], m.vars["u"]) == (b"-5", b"-10", b"A", b"-4")
