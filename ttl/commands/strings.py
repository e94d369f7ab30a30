"""String commands of TTL, and the regular expressions of strmatch and strreplace.

Tera Term matches regular expressions with Oniguruma (Ruby syntax, UTF-8 by
default). ttlrun translates each pattern into the syntax of the ``regex``
package and maps the match back to byte offsets. waitregex uses
``compile_pattern`` and ``store_match`` too.
"""

from __future__ import annotations

import codecs
import functools
import os
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import regex

from ttl.commands import Ref, command
from ttl.errors import MacroRuntimeError
from ttl.expressions import wrap

if TYPE_CHECKING:
    from ttl.machine import Machine


# -- substrings, case, codes ------------------------------------------------


@command("strcopy", "s i i v")
def strcopy(m: Machine, text: bytes, position: int, length: int, target: Ref) -> None:
    """Copy ``length`` bytes from the 1-based ``position``, clipping both to the text."""
    start = max(position, 1) - 1
    length = max(0, min(length, len(text) - start))
    target.set(m, text[start : start + length])


@command("strscan", "s s")
def strscan(m: Machine, text: bytes, substring: bytes) -> None:
    """Set ``result`` to the 1-based position of ``substring``, or 0 if absent or either is empty."""
    if not text or not substring:
        m.set_result(0)
        return
    m.set_result(text.find(substring) + 1)


@command("str2code", "n s")
def str2code(m: Machine, target: Ref, text: bytes) -> None:
    """Store the last (up to) 4 bytes of ``text`` as a big-endian number."""
    target.set(m, wrap(int.from_bytes(text[-4:], "big")))


@command("code2str", "v i")
def code2str(m: Machine, target: Ref, code: int) -> None:
    """Store the 4 bytes of ``code``, most significant first, without leading zero bytes.

    A zero byte after the first non-zero byte ends the string, as the C string does in Tera Term.
    """
    data = (code & 0xFFFFFFFF).to_bytes(4, "big").lstrip(b"\0")
    target.set(m, data.split(b"\0", 1)[0])


@command("tolower", "v s")
def tolower(m: Machine, target: Ref, text: bytes) -> None:
    target.set(m, text.lower())  # bytes.lower() changes ASCII letters only, as Tera Term does


@command("toupper", "v s")
def toupper(m: Machine, target: Ref, text: bytes) -> None:
    target.set(m, text.upper())


@command("strtrim", "v s")
def strtrim(m: Machine, target: Ref, characters: bytes) -> None:
    """Remove from both ends every byte that occurs in ``characters`` (a set, no escapes)."""
    target.set(m, target.get_or(m, b"").strip(characters))


# -- insert, remove, split, join -----------------------------------------------


@command("strinsert", "v i s")
def strinsert(m: Machine, target: Ref, index: int, text: bytes) -> None:
    value = target.get_or(m, b"")
    if not 1 <= index <= len(value) + 1:
        raise MacroRuntimeError(
            f"strinsert: index {index} is out of range; it must be 1..{len(value) + 1} for a {len(value)}-byte string"
        )
    target.set(m, value[: index - 1] + text + value[index - 1 :])


@command("strremove", "v i i")
def strremove(m: Machine, target: Ref, index: int, length: int) -> None:
    value = target.get_or(m, b"")
    if index < 1 or length < 1 or index - 1 + length > len(value):
        raise MacroRuntimeError(
            f"strremove: cannot remove {length} bytes at index {index} from a {len(value)}-byte string; "
            "index and length must be at least 1 and stay inside the string"
        )
    target.set(m, value[: index - 1] + value[index - 1 + length :])


_GROUP_COUNT = 9


def _check_field_count(name: str, count: int) -> None:
    if not 1 <= count <= _GROUP_COUNT:
        raise MacroRuntimeError(f"{name}: the count must be 1..{_GROUP_COUNT}, not {count}")


@command("strsplit", "s s i?")
def strsplit(m: Machine, text: bytes, separator: bytes, count: int | None = None) -> None:
    """Split at every ``separator`` byte into groupmatchstr1..9 and set ``result`` to the field count.

    With ``count`` the last field keeps the unsplit rest. Without it, at most 9
    fields are stored; when there are more, field 9 holds only the ninth field
    and ``result`` is 10.
    """
    if count is not None:
        _check_field_count("strsplit", count)
    if len(separator) != 1:
        raise MacroRuntimeError(f"strsplit: the separator must be exactly one byte, not {len(separator)} bytes")
    fields = text.split(separator)
    if count is not None:
        if len(fields) > count:
            fields = fields[: count - 1] + [separator.join(fields[count - 1 :])]
        result = len(fields)
    elif len(fields) > _GROUP_COUNT:
        fields = fields[:_GROUP_COUNT]
        result = _GROUP_COUNT + 1
    else:
        result = len(fields)
    for number in range(1, _GROUP_COUNT + 1):
        value = fields[number - 1] if number <= len(fields) else b""
        _set_if_string(m, f"groupmatchstr{number}", value)
    m.set_result(result)


@command("strjoin", "v s i?")
def strjoin(m: Machine, target: Ref, separator: bytes, count: int = _GROUP_COUNT) -> None:
    """Join groupmatchstr1..count with ``separator``."""
    _check_field_count("strjoin", count)
    values = []
    for number in range(1, count + 1):
        value = m.vars.get(f"groupmatchstr{number}")
        if not isinstance(value, bytes):
            raise MacroRuntimeError(f"strjoin: groupmatchstr{number} must be a string")
        values.append(value)
    target.set(m, separator.join(values))


# -- escapes and environment -------------------------------------------------


def expand_special(text: bytes) -> bytes:
    """Apply strspecial's escapes: ``\\\\``, ``\\n`` (LF), ``\\t``; ``\\0`` ends the text.

    Any other backslash, including one at the end, stays as it is.
    """
    out = bytearray()
    replacements = {ord("\\"): b"\\", ord("n"): b"\n", ord("t"): b"\t"}
    i = 0
    while i < len(text):
        if text[i] == ord("\\") and i + 1 < len(text):
            following = text[i + 1]
            if following == ord("0"):
                break
            if following in replacements:
                out += replacements[following]
                i += 2
                continue
        out.append(text[i])
        i += 1
    return bytes(out)


@command("strspecial", "v s?")
def strspecial(m: Machine, target: Ref, text: bytes | None = None) -> None:
    """Convert escapes of ``text``, or of the variable itself when ``text`` is omitted."""
    target.set(m, expand_special(target.get_or(m, b"") if text is None else text))


def expand_environment(text: bytes) -> bytes:
    """Replace each ``%NAME%`` by the environment variable's value.

    An unknown or empty name is left as written and scanning goes on after its
    closing ``%``; a ``%`` without a closing one is copied. Names are
    case-sensitive here, unlike on Windows.
    """
    out = bytearray()
    position = 0
    while position < len(text):
        start = text.find(b"%", position)
        end = text.find(b"%", start + 1) if start >= 0 else -1
        if end < 0:
            out += text[position:]
            break
        out += text[position:start]
        name = text[start + 1 : end]
        value = os.environb.get(name) if name else None
        out += value if value is not None else text[start : end + 1]
        position = end + 1
    return bytes(out)


@command("expandenv", "v s?")
def expandenv(m: Machine, target: Ref, text: bytes | None = None) -> None:
    target.set(m, expand_environment(target.get_or(m, b"") if text is None else text))


# -- regexoption ---------------------------------------------------------------


@dataclass(frozen=True)
class RegexOptions:
    """The settings that regexoption makes: Oniguruma syntax, encoding and option names."""

    syntax: str = "RUBY"
    encoding: str = "UTF8"
    options: frozenset[str] = frozenset()


DEFAULT_REGEX_OPTIONS = RegexOptions()

# NOTE: kept beside the machine because Machine has no field for it yet.
_MACHINE_REGEX_OPTIONS: weakref.WeakKeyDictionary[Machine, RegexOptions] = weakref.WeakKeyDictionary()


def regex_options(m: Machine) -> RegexOptions:
    """Return the regexoption settings of machine ``m``."""
    return _MACHINE_REGEX_OPTIONS.get(m, DEFAULT_REGEX_OPTIONS)


# Python codec for each Oniguruma encoding name of regexoption.
_ENCODINGS = {
    "ASCII": "latin-1",
    **{f"ISO_8859_{n}": "latin-1" if n == 1 else f"iso8859_{n}" for n in (*range(1, 12), 13, 14, 15, 16)},
    "UTF8": "utf-8",
    "UTF16_BE": "utf-16-be",
    "UTF16_LE": "utf-16-le",
    "UTF32_BE": "utf-32-be",
    "UTF32_LE": "utf-32-le",
    "EUC_JP": "euc_jp",
    # NOTE: Python has no EUC-TW codec, so EUC_TW matches byte by byte.
    "EUC_TW": "latin-1",
    "EUC_KR": "euc_kr",
    "EUC_CN": "gb2312",
    "SJIS": "cp932",
    "CP932": "cp932",
    "KOI8_R": "koi8_r",
    "CP1251": "cp1251",
    "BIG5": "big5",
    "GB18030": "gb18030",
}
_SYNTAXES = ("ASIS", "POSIX_BASIC", "POSIX_EXTENDED", "EMACS", "GREP", "GNU_REGEX", "JAVA", "PERL", "PERL_NG", "RUBY")
_OPTIONS = (
    "SINGLELINE", "MULTILINE", "IGNORECASE", "EXTEND", "FIND_LONGEST", "FIND_NOT_EMPTY",
    "NEGATE_SINGLELINE", "DONT_CAPTURE_GROUP", "CAPTURE_GROUP",
)  # fmt: skip


def _regexoption_word(word: str) -> tuple[str, str] | None:
    """Classify one regexoption name as ("encoding"|"syntax"|"option", canonical name)."""
    upper = word.upper()
    for prefix, kind, names in (
        ("ENCODING_", "encoding", tuple(_ENCODINGS)),
        ("SYNTAX_", "syntax", _SYNTAXES),
        ("OPTION_", "option", _OPTIONS),
    ):
        bare = upper[len(prefix) :] if upper.startswith(prefix) else upper
        if bare in names:
            return kind, bare
    if upper == "SYNTAX_DEFAULT":
        return "syntax", "DEFAULT"
    if upper == "OPTION_NONE":
        return "option", "NONE"
    return None


@command("regexoption", "s*")
def regexoption(m: Machine, *words: bytes) -> None:
    """Set the syntax, encoding and options of later regular expressions.

    Only the parts that are named change; naming any option replaces the whole option set.
    """
    current = regex_options(m)
    chosen: dict[str, str] = {}
    options: set[str] = set()
    options_given = False
    for raw in words:
        word = raw.decode("latin-1")
        kind_name = _regexoption_word(word)
        if kind_name is None:
            raise MacroRuntimeError(f"regexoption: unknown name {word!r}; see the regexoption names in the manual")
        kind, name = kind_name
        if kind == "option":
            if name == "NONE" and (options or options_given):
                raise MacroRuntimeError("regexoption: OPTION_NONE must be the only option")
            options_given = True
            if name != "NONE":
                options.add(name)
            continue
        if kind in chosen:
            plural = "syntaxes" if kind == "syntax" else "encodings"
            raise MacroRuntimeError(f"regexoption: two {plural} given ({chosen[kind]} and {name}); give one")
        chosen[kind] = name
    _MACHINE_REGEX_OPTIONS[m] = RegexOptions(
        syntax=chosen.get("syntax", current.syntax),
        encoding=chosen.get("encoding", current.encoding),
        options=frozenset(options) if options_given else current.options,
    )


# -- pattern translation: Oniguruma syntaxes to the regex package ------------------


class PatternError(ValueError):
    """A pattern that Oniguruma would reject, or that ttlrun cannot translate."""


# Features of each Oniguruma syntax, named by the construct they enable. They follow
# the OnigSyntaxType tables of Oniguruma 6.9 (Tera Term 5 builds with 6.9.10).
_GNU_FEATURES = frozenset({
    "paren", "brace", "alt", "plus_qmark", "word", "bound", "space_digit", "buf_anchor", "G",
    "posix_bracket", "backref", "word_edges", "invalid_repeat_error", "allow_invalid_interval", "class_escape",
})  # fmt: skip
_PERLISH_FEATURES = (_GNU_FEATURES - {"word_edges"}) | {
    "lazy", "control", "octal", "hex2", "ctrl_c", "group_ext",
}  # fmt: skip
_RUBY_FEATURES = _PERLISH_FEATURES | {
    "hex8", "hex4", "octal_brace", "options_ruby", "named", "capture_only_named", "call", "cond", "keep",
    "general_newline", "text_segment", "properties", "property_not", "possessive_repeat", "set_ops",
    "ctrl_meta", "vtab", "xdigit", "low_abbrev", "fixed_greedy_only", "absent",
}  # fmt: skip
_PERL_FEATURES = _PERLISH_FEATURES | {
    "hex8", "octal_brace", "quote", "options_perl", "possessive_repeat", "possessive_interval", "cond",
    "text_segment", "properties", "property_not", "keep", "general_newline", "super_dot", "continue_branch",
    "singleline", "absent",
}  # fmt: skip
_POSIX_FEATURES = frozenset({"posix_bracket", "backref", "control", "singleline", "dotall"})
_DIALECTS: dict[str, frozenset[str]] = {
    "RUBY": _RUBY_FEATURES,
    # ONIG_SYNTAX_DEFAULT is Oniguruma's own syntax: Ruby's plus \N and \O.
    "DEFAULT": _RUBY_FEATURES | {"super_dot"},
    "PERL": _PERL_FEATURES,
    "PERL_NG": _PERL_FEATURES | {"named", "call", "capture_only_named", "perl_call"},
    "JAVA": _PERLISH_FEATURES | {
        "quote", "options_perl", "possessive_repeat", "possessive_interval", "set_ops", "vtab", "hex4",
        "properties", "continue_branch", "singleline",
    },  # fmt: skip
    "GNU_REGEX": _GNU_FEATURES,
    "POSIX_EXTENDED": _POSIX_FEATURES | {"paren", "brace", "plus_qmark", "alt", "invalid_repeat_error", "unmatched_close"},
    "POSIX_BASIC": _POSIX_FEATURES | {"esc_paren", "esc_brace"},
    "EMACS": frozenset({"esc_paren", "esc_brace", "esc_alt", "plus_qmark", "backref", "control", "gnu_buffer_anchor"}),
    "GREP": frozenset({
        "posix_bracket", "esc_paren", "esc_brace", "esc_alt", "esc_plus_qmark", "word", "bound", "word_edges",
        "backref", "no_newline_in_negated_class",
    }),  # fmt: skip
}

_LINE_START = r"(?:\A|(?<=\n)(?!\Z))"  # Oniguruma's ^ does not match after a final newline
_LINE_END = r"(?=\n|\Z)"
_STRING_END_OR_FINAL_NEWLINE = r"(?=\n?\Z)"  # Oniguruma's \Z, and $ in single-line mode
_GENERAL_NEWLINE = "(?>\\r\\n|[\\n\\x0b\\x0c\\r\\x85\\u2028\\u2029])"
_SPACE = " \t\n\r\f\v"
_POSIX_BRACKET = regex.compile(r"\[:\^?[a-z]+:\]")
_INTERVAL = regex.compile(r"(\d*)(?:(,)(\d*))?")


def _literal(char: str) -> str:
    """Write ``char`` as a pattern that matches only it, inside or outside a class."""
    if ord(char) >= 0x80 or char.isalnum():
        return char
    return f"\\x{ord(char):02x}"


def _decode_bytes(data: bytes, codec: str) -> str:
    return data.decode(codec, _BYTES_ERRORS)


def _handle_undecodable(error: UnicodeError) -> tuple[str | bytes, int]:
    """Map undecodable bytes to U+DC00+byte and back, so that no byte is lost."""
    if isinstance(error, UnicodeDecodeError):
        chunk = error.object[error.start : error.end]
        return "".join(chr(0xDC00 + byte) for byte in chunk), error.end
    if isinstance(error, UnicodeEncodeError):
        chunk_text = error.object[error.start : error.end]
        if all(0xDC00 <= ord(c) <= 0xDCFF for c in chunk_text):
            return bytes(ord(c) - 0xDC00 for c in chunk_text), error.end
    raise error


_BYTES_ERRORS = "ttlrun-bytes"
codecs.register_error(_BYTES_ERRORS, _handle_undecodable)


@dataclass
class _Frame:
    """An open group of the pattern being translated."""

    start: int  # index in the output of the group's opening
    extended: bool  # state to restore when the group closes
    singleline: bool
    wrappers: list[str] = field(default_factory=list)  # open "(?i:" groups of isolated options


class _Translator:
    """Translate one Oniguruma pattern (already decoded to text) into regex V1 syntax.

    Raises PatternError for the invalid patterns that the translator detects
    and for constructs that have no regex equivalent.
    """

    def __init__(self, pattern: str, features: frozenset[str], codec: str, *,
                 extended: bool, singleline: bool, capture_plain: bool):  # fmt: skip
        self.pattern = pattern
        self.features = features
        self.codec = codec
        self.extended = extended
        self.singleline = singleline
        self.capture_plain = capture_plain
        self.position = 0
        self.out: list[str] = []
        self.atom: int | None = None  # output index where the last repeatable atom starts
        self.quantified = False
        self.frames: list[_Frame] = [_Frame(0, extended, singleline)]
        self.group_count = 0
        self.names: dict[str, int] = {}
        self.numbered_reference = False

    # -- reading -----------------------------------------------------------

    def peek(self, offset: int = 0) -> str:
        index = self.position + offset
        return self.pattern[index] if index < len(self.pattern) else ""

    def take(self) -> str:
        char = self.peek()
        self.position += 1
        return char

    def has(self, feature: str) -> bool:
        return feature in self.features

    def read_until(self, closing: str, what: str) -> str:
        end = self.pattern.find(closing, self.position)
        if end < 0:
            raise PatternError(f"invalid {what}: missing {closing!r}")
        text = self.pattern[self.position : end]
        self.position = end + len(closing)
        return text

    # -- writing -----------------------------------------------------------

    def emit_atom(self, text: str) -> None:
        self.atom = len(self.out)
        self.quantified = False
        self.out.append(text)

    def emit_anchor(self, text: str) -> None:
        self.out.append(text)
        self.atom = None

    # -- main loop ---------------------------------------------------------

    def translate(self) -> str:
        while self.position < len(self.pattern):
            if self.extended and self.skip_extended_space():
                continue
            self.step()
        if len(self.frames) > 1:
            raise PatternError("end pattern with unmatched parenthesis")
        self.out.append(")" * len(self.frames[0].wrappers))
        return "".join(self.out)

    def skip_extended_space(self) -> bool:
        char = self.peek()
        if char in _SPACE and char:
            self.position += 1
            return True
        if char == "#":
            end = self.pattern.find("\n", self.position)
            self.position = len(self.pattern) if end < 0 else end + 1
            return True
        return False

    def step(self) -> None:
        char = self.take()
        if char == "\\":
            self.step_escape()
        elif char == "(" and self.has("paren"):
            self.open_group()
        elif char == ")" and self.has("paren"):
            self.close_group()
        elif char == "|" and self.has("alt"):
            self.alternate()
        elif char == "*" or (char in "+?" and self.has("plus_qmark")):
            self.repeat(char)
        elif char == "{" and self.has("brace"):
            self.interval("}")
        elif char == ".":
            self.emit_atom(".")
        elif char == "^":
            self.emit_anchor(r"\A" if self.singleline else _LINE_START)
        elif char == "$":
            self.emit_anchor(_STRING_END_OR_FINAL_NEWLINE if self.singleline else _LINE_END)
        elif char == "[":
            self.emit_atom(self.char_class())
        else:
            self.emit_atom(_literal(char))

    def step_escape(self) -> None:
        char = self.peek()
        escaped_operators = {
            "(": "esc_paren", ")": "esc_paren", "|": "esc_alt", "{": "esc_brace", "+": "esc_plus_qmark",
            "?": "esc_plus_qmark",
        }  # fmt: skip
        if self.has(escaped_operators.get(char, "-")):
            self.position += 1
            if char == "(":
                self.open_group()
            elif char == ")":
                self.close_group()
            elif char == "|":
                self.alternate()
            elif char == "{":
                self.interval("\\}")
            else:
                self.repeat(char)
            return
        self.escape_outside_class()

    # -- groups and alternation ------------------------------------------------

    def open_group(self) -> None:
        frame = _Frame(len(self.out), self.extended, self.singleline)
        opening = self.group_opening()
        if opening == "":
            return  # a comment, a call, or options that apply up to the end of the enclosing group
        self.frames.append(frame)
        self.out.append(opening)
        self.atom = None

    def group_opening(self) -> str:
        """Read what follows ``(`` and return the regex opening, or "" for no group."""
        if not (self.peek() == "?" and self.has("group_ext")):
            return self.capture_opening()
        self.position += 1
        char = self.take()
        if char in ":=!>":
            return "(?" + char
        if char == "<" and self.peek() in "=!":
            return "(?<" + self.take()
        if char in "<'" and self.has("named"):
            return self.named_opening(">" if char == "<" else "'")
        if char == "#":
            self.read_until(")", "comment group")
            return ""
        if char == "(" and self.has("cond"):
            return self.condition_opening()
        if char == "~" and self.has("absent"):
            raise PatternError("the absent operator (?~...) is not supported by ttlrun")
        if self.has("perl_call") and (char in "R&+-" or char.isdigit()):
            target = char + self.read_until(")", "subexpression call")
            if not regex.fullmatch(r"R|&[^\W\d]\w*|[+-]?\d+", target):
                raise PatternError(f"invalid subexpression call (?{target})")
            self.emit_atom("(?" + target + ")")
            return ""
        self.position -= 1
        return self.option_opening()

    def capture_opening(self) -> str:
        if not self.capture_plain:
            return "(?:"
        self.group_count += 1
        return "("

    def named_opening(self, closing: str) -> str:
        name = self.read_until(closing, "group name")
        if not regex.fullmatch(r"[^\W\d]\w*", name):
            raise PatternError(f"invalid group name <{name}>")
        self.group_count += 1
        seen = self.names.get(name, 0)
        self.names[name] = seen + 1
        # Oniguruma numbers groups with the same name separately; regex would merge them.
        python_name = name if seen == 0 else f"_dup{seen}_{name}"
        return f"(?P<{python_name}>"

    def condition_opening(self) -> str:
        condition = self.read_until(")", "condition")
        if condition.isdigit():
            return f"(?({condition})"
        if len(condition) > 2 and condition[0] + condition[-1] in ("<>", "''"):
            return f"(?({condition[1:-1]})"
        raise PatternError(f"the condition ({condition}) is not supported by ttlrun")

    def option_opening(self) -> str:
        """Read ``(?imx-imx)`` or ``(?imx-imx:``; Oniguruma's letters depend on the syntax."""
        letters = ""
        if self.has("options_ruby"):
            letters = "imx"
        elif self.has("options_perl"):
            letters = "imsx"
        turn_on = ""
        turn_off = ""
        enabling = True
        while True:
            char = self.take()
            if char == "-" and enabling:
                enabling = False
            elif char and char in letters:
                self.apply_option(char, enabling)
                python_letter = {"i": "i", "s": "s"}.get(char, "s" if char == "m" and letters == "imx" else "")
                if enabling:
                    turn_on += python_letter
                else:
                    turn_off += python_letter
            elif char in (")", ":"):
                break
            else:
                raise PatternError(f"undefined group option {char!r}" if char else "end pattern in group")
        flags = turn_on + ("-" + turn_off if turn_off else "")
        opening = f"(?{flags}:" if flags else "(?:"
        if char == ":":
            return opening  # the frame restores the options when the group closes
        if flags:
            self.frames[-1].wrappers.append(opening)
            self.out.append(opening)
        self.atom = None
        return ""

    def apply_option(self, letter: str, enabling: bool) -> None:
        if letter == "x":
            self.extended = enabling
        elif letter == "m" and self.has("options_perl"):
            self.singleline = not enabling

    def close_group(self) -> None:
        if len(self.frames) == 1:
            if self.has("unmatched_close"):
                self.emit_atom(r"\)")
                return
            raise PatternError("unmatched close parenthesis")
        frame = self.frames.pop()
        self.out.append(")" * len(frame.wrappers) + ")")
        self.extended = frame.extended
        self.singleline = frame.singleline
        self.atom = frame.start
        self.quantified = False

    def alternate(self) -> None:
        wrappers = self.frames[-1].wrappers
        if wrappers and self.has("continue_branch"):
            # Perl and Java end isolated options at "|" and start them again in the next branch.
            self.out.append(")" * len(wrappers) + "|" + "".join(wrappers))
        else:
            self.out.append("|")
        self.atom = None

    # -- repetition ----------------------------------------------------------

    def repeat(self, operator: str) -> None:
        if not self.start_repeat(operator):
            return
        self.out.append(operator)
        self.take_repeat_suffix(possessive=self.has("possessive_repeat"), lazy=self.has("lazy"))

    def start_repeat(self, operator: str) -> bool:
        """Prepare the last atom for a repeat operator; False if the operator is a literal."""
        if self.atom is None:
            if self.has("invalid_repeat_error"):
                raise PatternError(f"target of repeat operator {operator!r} is not specified")
            self.emit_atom(_literal(operator[0]))
            return False
        if self.quantified:
            # Oniguruma allows a repeat of a repeat (a**); regex needs a group.
            self.out.insert(self.atom, "(?:")
            self.out.append(")")
        self.quantified = True
        return True

    def take_repeat_suffix(self, *, possessive: bool, lazy: bool) -> None:
        if self.peek() == "?" and lazy:
            self.out.append(self.take())
        elif self.peek() == "+" and possessive:
            self.out.append(self.take())

    def interval(self, closing: str) -> None:
        if self.atom is None and not self.has("invalid_repeat_error"):
            self.emit_atom(_literal("{"))  # the rest of the interval follows as literal text
            return

        match = _INTERVAL.match(self.pattern, self.position)
        assert match is not None
        low, comma, high = match.group(1), match.group(2), match.group(3)
        after = match.end()
        valid = self.pattern.startswith(closing, after) and (
            low != "" or (comma is not None and high != "" and self.has("low_abbrev"))
        )
        if not valid:
            if not self.has("allow_invalid_interval"):
                raise PatternError("invalid repeat range {lower,upper}")
            self.emit_atom(_literal("{"))
            return

        self.position = after + len(closing)
        if not self.start_repeat("{"):
            return
        lower = int(low or "0")
        possessive = False
        if comma is None:
            text = f"{{{lower}}}"
        elif high == "":
            text = f"{{{lower},}}"
        else:
            upper = int(high)
            if lower > upper:
                if self.has("possessive_interval"):
                    raise PatternError("upper is smaller than lower in repeat range")
                # Oniguruma reads {n,m} with n > m as the possessive {m,n}.
                lower, upper, possessive = upper, lower, True
            text = f"{{{lower},{upper}}}"

        self.out.append(text + ("+" if possessive else ""))
        fixed = comma is None
        lazy = self.has("lazy") and not (fixed and self.has("fixed_greedy_only"))
        if not possessive:
            self.take_repeat_suffix(possessive=self.has("possessive_interval"), lazy=lazy)

    # -- escapes -----------------------------------------------------------

    def escape_outside_class(self) -> None:
        if self.position >= len(self.pattern):
            raise PatternError("end pattern at escape")
        char = self.peek()
        anchors = {
            "A": ("buf_anchor", r"\A"), "z": ("buf_anchor", r"\Z"), "Z": ("buf_anchor", _STRING_END_OR_FINAL_NEWLINE),
            # Tera Term always searches from the start of the text, so \G is \A.
            "G": ("G", r"\A"), "b": ("bound", r"\b"), "B": ("bound", r"\B"), "<": ("word_edges", r"\m"),
            ">": ("word_edges", r"\M"), "`": ("gnu_buffer_anchor", r"\A"), "'": ("gnu_buffer_anchor", r"\Z"),
            "K": ("keep", r"\K"),
        }  # fmt: skip
        if char in anchors and self.has(anchors[char][0]):
            self.position += 1
            self.emit_anchor(anchors[char][1])
            return
        if char.isdigit() and char != "0" and self.has("backref"):
            self.backreference()
            return
        if char in "kg" and self.peek(1) in ("<", "'"):
            if self.reference():
                return
        specials = {
            "R": ("general_newline", _GENERAL_NEWLINE), "X": ("text_segment", r"\X"),
            "N": ("super_dot", r"[^\n]"), "O": ("super_dot", r"(?s:.)"),
        }  # fmt: skip
        if char in specials and self.has(specials[char][0]):
            self.position += 1
            self.emit_atom(specials[char][1])
            return
        if char in "yY" and self.has("text_segment"):
            raise PatternError(f"\\{char} (text segment boundary) is not supported by ttlrun")
        if char == "Q" and self.has("quote"):
            self.position += 1
            end = self.pattern.find("\\E", self.position)
            end = len(self.pattern) if end < 0 else end
            for quoted in self.pattern[self.position : end]:
                self.emit_atom(_literal(quoted))
            self.position = min(end + 2, len(self.pattern))
            return
        for text in self.common_escape():
            self.emit_atom(text)

    def backreference(self) -> None:
        digits = regex.match(r"\d+", self.pattern[self.position :])
        assert digits is not None
        number = int(digits.group())
        if number <= self.group_count or number <= 9:
            self.position += digits.end()
            self.numbered_reference = True
            self.emit_atom(f"(?:\\g<{number}>)")
        elif self.peek() in "1234567" and self.has("octal"):
            for text in self.common_escape():
                self.emit_atom(text)
        elif self.peek() in "89" or self.has("octal"):
            raise PatternError(f"invalid backref number \\{digits.group()}")
        else:
            self.emit_atom(_literal(self.take()))  # no octal escapes in this syntax

    def octal_ahead(self) -> bool:
        """Tell whether the pattern goes on with an octal escape (not a back-reference)."""
        if self.peek() != "\\" or not self.has("octal"):
            return False
        digits = regex.match(r"[0-7]+", self.pattern[self.position + 1 :])
        if digits is None:
            return False
        return digits.group()[0] == "0" or int(digits.group()) > max(9, self.group_count)

    def reference(self) -> bool:
        """Translate \\k<...> (back-reference) or \\g<...> (subexpression call)."""
        kind = self.take()
        closing = ">" if self.take() == "<" else "'"
        if kind == "k" and not self.has("named") or kind == "g" and not self.has("call"):
            self.position -= 2
            return False
        target = self.read_until(closing, f"\\{kind} reference")
        if regex.fullmatch(r"[+-]?\d+", target):
            number = int(target)
            if target[0] in "+-":
                number = self.group_count + number + (1 if target[0] == "-" else 0)
            self.numbered_reference = True
            if kind == "k" and number < 1:
                raise PatternError(f"invalid backref number \\k<{target}>")
            if kind == "k":
                self.emit_atom(f"(?:\\g<{number}>)")
            else:
                self.emit_atom("(?R)" if number == 0 else f"(?{number})")
            return True
        if not regex.fullmatch(r"[^\W\d]\w*", target):
            raise PatternError(f"invalid or unsupported group reference \\{kind}<{target}>")
        if self.names.get(target, 0) > 1:
            raise PatternError(f"a reference to the repeated group name <{target}> is not supported by ttlrun")
        self.emit_atom(f"(?P={target})" if kind == "k" else f"(?&{target})")
        return True

    def common_escape(self) -> list[str]:
        """Translate an escape that means the same inside and outside a class; returns atoms."""
        char = self.take()
        if char in "wW" and self.has("word") or char in "sSdD" and self.has("space_digit"):
            return ["\\" + char]
        if char in "hH" and self.has("xdigit"):
            return ["\\p{AHex}" if char == "h" else "\\P{AHex}"]
        if char in "pP" and self.has("properties") and self.peek() == "{":
            self.position += 1
            name = self.read_until("}", "property name")
            if name.startswith("^") and not self.has("property_not"):
                raise PatternError(f"invalid character property name {{{name}}}")
            return [f"\\{char}{{{name}}}"]
        code = self.character_code(char)
        if code is not None:
            return [_literal(chr(code))]
        data = self.byte_escapes(char)
        if data is not None:
            return [_literal(c) for c in _decode_bytes(data, self.codec)]
        return [_literal(char)]

    def character_code(self, char: str) -> int | None:
        """Return the code point of a control, \\x{...}, \\uHHHH or \\o{...} escape."""
        controls = {"t": 9, "n": 10, "r": 13, "f": 12, "a": 7, "e": 27}
        if char in controls and self.has("control"):
            return controls[char]
        if char == "v" and self.has("vtab") and self.has("control"):
            return 11
        if char == "x" and self.peek() == "{" and self.has("hex8"):
            self.position += 1
            return self.parse_number(self.read_until("}", "\\x{...}"), 16)
        if char == "u" and self.has("hex4"):
            digits = self.pattern[self.position : self.position + 4]
            if not regex.fullmatch(r"[0-9a-fA-F]{4}", digits):
                raise PatternError(f"invalid Unicode escape \\u{digits}")
            self.position += 4
            return int(digits, 16)
        if char == "o" and self.peek() == "{" and self.has("octal_brace"):
            self.position += 1
            return self.parse_number(self.read_until("}", "\\o{...}"), 8)
        if char == "c" and self.has("ctrl_c") or char == "C" and self.has("ctrl_meta") and self.peek() == "-":
            if char == "C":
                self.position += 1
            target = self.take()
            if not target:
                raise PatternError("end pattern at control")
            return 0x7F if target == "?" else ord(target) & 0x9F
        if char == "M" and self.has("ctrl_meta") and self.peek() == "-":
            raise PatternError("\\M-x (meta) escapes are not supported by ttlrun")
        return None

    @staticmethod
    def parse_number(text: str, base: int) -> int:
        try:
            value = int(text, base)
        except ValueError:
            raise PatternError(f"invalid code point value {text!r}") from None
        if not 0 <= value <= 0x10FFFF:
            raise PatternError(f"too big code point value {text!r}")
        return value

    def byte_escapes(self, char: str) -> bytes | None:
        """Read \\xHH and \\OOO escapes, which give bytes of the encoding, not code points."""
        data = bytearray()
        while True:
            if char == "x" and self.has("hex2"):
                # Oniguruma reads \x without hex digits as NUL, or as "x" at the end of the pattern.
                digits = regex.match(r"[0-9a-fA-F]{0,2}", self.pattern[self.position :])
                assert digits is not None
                if not digits.group() and self.position == len(self.pattern):
                    return None
                data.append(int(digits.group() or "0", 16))
            elif char in "01234567" and self.has("octal"):
                digits = regex.match(r"[0-7]{0,2}", self.pattern[self.position :])
                assert digits is not None
                data.append(int(char + digits.group(), 8) & 0xFF)
            else:
                return bytes(data) if data else None
            self.position += digits.end()
            # Bytes of one multibyte character come as a run of escapes: read the whole run.
            hex_ahead = self.peek() == "\\" and self.peek(1) == "x" and self.peek(2) != "{" and self.has("hex2")
            if hex_ahead or self.octal_ahead():
                self.position += 1
                char = self.take()
            else:
                return bytes(data)

    # -- character classes -----------------------------------------------------

    def char_class(self) -> str:
        """Translate a bracket expression after its ``[``, with nested classes and ``&&``."""
        parts = ["["]
        if self.peek() == "^":
            parts.append(self.take())
            if self.has("no_newline_in_negated_class"):
                parts.append("\\n")
        first = True
        previous_dash = False
        while True:
            char = self.take()
            if not char:
                raise PatternError("premature end of char-class")
            if char == "]" and not first:
                break
            dash = False
            if char == "[" and self.peek() == ":" and self.has("posix_bracket"):
                bracket = _POSIX_BRACKET.match(self.pattern, self.position - 1)
                if bracket is not None:
                    self.position = bracket.end()
                    parts.append(bracket.group())
                else:
                    parts.append("\\[")
            elif char == "[" and self.has("set_ops"):
                parts.append(self.char_class())
            elif char == "&" and self.peek() == "&" and self.has("set_ops"):
                parts.append("&&")
                self.position += 1
            elif char == "\\" and self.has("class_escape"):
                parts.extend(self.escape_in_class())
            elif char == "-":
                # regex V1 reads "--" as set difference; Oniguruma reads a range to "-".
                parts.append("\\-" if previous_dash else "-")
                dash = True
            else:
                parts.append(_literal(char))
            previous_dash = dash
            first = False
        parts.append("]")
        return "".join(parts)

    def escape_in_class(self) -> list[str]:
        if self.position >= len(self.pattern):
            raise PatternError("end pattern at escape")
        if self.peek() == "b":
            self.position += 1
            return ["\\x08"]  # backspace, as in other regex syntaxes
        return self.common_escape()


# -- compiled patterns and matches ---------------------------------------------------

# NOTE: a guard against runaway backtracking in place of Oniguruma's retry limit.
# A search that takes longer fails as an invalid pattern does.
MATCH_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class PatternMatch:
    """One match, in bytes of the searched text."""

    position: int  # 0-based byte offset of the match
    text: bytes  # the matched bytes (matchstr)
    groups: tuple[bytes | None, ...]  # capture groups 1..n; None for a group that did not take part


class CompiledPattern:
    """A translated pattern, searched in byte strings of the chosen encoding."""

    def __init__(self, translated: str, flags: int, codec: str, *, find_longest: bool, find_not_empty: bool):
        self.compiled = regex.compile(translated, flags)
        self.codec = codec
        self.find_longest = find_longest
        self.find_not_empty = find_not_empty
        self.not_empty: Any = None
        if find_not_empty:
            # A match must end after the position where it was tried (\G there).
            self.not_empty = regex.compile("(?:" + translated + r")(?<=\G(?s:.)+)", flags)

    def search(self, target: bytes) -> PatternMatch | None:
        """Return the first match in ``target``, or None; raise PatternError if the search fails."""
        text = _decode_bytes(target, self.codec)
        try:
            match = self.find(text)
        except TimeoutError:
            raise PatternError(f"the search took longer than {MATCH_TIMEOUT_SECONDS:g} seconds") from None
        if match is None:
            return None
        start, end = match.span()
        groups = tuple(
            None if match.start(i) < 0 else self.encode(text[match.start(i) : match.end(i)])
            for i in range(1, len(match.groups()) + 1)
        )
        return PatternMatch(len(self.encode(text[:start])), self.encode(text[start:end]), groups)

    def find(self, text: str) -> Any:
        if not (self.find_longest or self.find_not_empty):
            return self.compiled.search(text, timeout=MATCH_TIMEOUT_SECONDS)
        compiled = self.not_empty if self.find_not_empty else self.compiled
        best = None
        for position in range(len(text) + 1):
            match = compiled.match(text, position, timeout=MATCH_TIMEOUT_SECONDS)
            if match is None:
                continue
            if not self.find_longest:
                return match
            if best is None or match.end() - match.start() > best.end() - best.start():
                best = match
        return best

    def encode(self, text: str) -> bytes:
        return text.encode(self.codec, _BYTES_ERRORS)


def compile_pattern(pattern: bytes, options: RegexOptions = DEFAULT_REGEX_OPTIONS) -> CompiledPattern:
    """Compile an Oniguruma pattern under regexoption settings; raise PatternError if invalid."""
    return _compile_cached(pattern, options)


@functools.lru_cache(maxsize=256)
def _compile_cached(pattern: bytes, options: RegexOptions) -> CompiledPattern:
    codec = _ENCODINGS[options.encoding]
    flags = regex.V1
    if "IGNORECASE" in options.options:
        flags |= regex.IGNORECASE
    if options.encoding == "ASCII":
        flags |= regex.ASCII
    if {"CAPTURE_GROUP", "DONT_CAPTURE_GROUP"} <= options.options:
        raise PatternError("invalid combination of options: CAPTURE_GROUP and DONT_CAPTURE_GROUP")
    text = _decode_bytes(pattern, codec)
    if options.syntax == "ASIS":
        translated = "".join(_literal(c) for c in text)
    else:
        features = _DIALECTS[options.syntax]
        if "MULTILINE" in options.options or "dotall" in features:
            flags |= regex.DOTALL
        translated = _translate(text, features, codec, options.options)
    try:
        return CompiledPattern(
            translated, flags, codec,
            find_longest="FIND_LONGEST" in options.options, find_not_empty="FIND_NOT_EMPTY" in options.options,
        )  # fmt: skip
    except (regex.error, OverflowError, RecursionError) as error:
        raise PatternError(str(error)) from None


def _translate(text: str, features: frozenset[str], codec: str, options: frozenset[str]) -> str:
    singleline = ("singleline" in features or "SINGLELINE" in options) and "NEGATE_SINGLELINE" not in options
    settings = {"extended": "EXTEND" in options, "singleline": singleline}
    capture_plain = "DONT_CAPTURE_GROUP" not in options
    translator = _Translator(text, features, codec, capture_plain=capture_plain, **settings)
    translated = translator.translate()
    if translator.names and "capture_only_named" in features and "CAPTURE_GROUP" not in options:
        # With named groups, Ruby syntax captures only the named ones: translate again.
        translator = _Translator(text, features, codec, capture_plain=False, **settings)
        translated = translator.translate()
        if translator.numbered_reference:
            raise PatternError("numbered backref/call is not allowed (use name)")
    return translated


# -- match variables, strmatch, strreplace ---------------------------------------


def _set_if_string(m: Machine, name: str, value: bytes) -> None:
    """Set a string variable if it exists as a string, as Tera Term's SetGroupMatchStr does."""
    if isinstance(m.vars.get(name), bytes):
        m.vars[name] = value


def store_match(m: Machine, match: PatternMatch) -> None:
    """Set matchstr and groupmatchstr1..9 after a match; groups that did not take part become "".

    Groups past the ninth go to groupmatchstr10 and up only where the macro has
    made such string variables, as in Tera Term.
    """
    for number in range(1, _GROUP_COUNT + 1):
        _set_if_string(m, f"groupmatchstr{number}", b"")
    _set_if_string(m, "matchstr", match.text)
    for number, group in enumerate(match.groups, 1):
        _set_if_string(m, f"groupmatchstr{number}", group or b"")


def _search(m: Machine, name: str, pattern: bytes, target: bytes) -> PatternMatch | None:
    """Search ``pattern`` in ``target``; raise PatternError after warning on an invalid pattern."""
    try:
        return compile_pattern(pattern, regex_options(m)).search(target)
    except PatternError as error:
        m.warn(f"{name}: invalid regular expression {pattern.decode('utf-8', 'replace')!r}: {error}")
        raise


@command("strmatch", "s s")
def strmatch(m: Machine, target: bytes, pattern: bytes) -> None:
    """Set ``result`` to the 1-based byte position of the first match, 0 if none or invalid."""
    try:
        match = _search(m, "strmatch", pattern, target)
    except PatternError:
        match = None
    if match is None:
        m.set_result(0)
        return
    store_match(m, match)
    m.set_result(match.position + 1)


@command("strreplace", "v i s s")
def strreplace(m: Machine, target: Ref, index: int, pattern: bytes, replacement: bytes) -> None:
    """Replace the first match at or after byte ``index`` by ``replacement`` taken literally.

    ``result`` is 1 when replaced, 0 when nothing matched or ``index`` is out of
    range, -1 for an invalid pattern.
    """
    value = target.get_or(m, b"")
    if not 1 <= index <= len(value):
        m.set_result(0)
        return
    try:
        match = _search(m, "strreplace", pattern, value[index - 1 :])
    except PatternError:
        m.set_result(-1)
        return
    if match is None:
        m.set_result(0)
        return
    store_match(m, match)
    start = index - 1 + match.position
    target.set(m, value[:start] + replacement + value[start + len(match.text) :])
    m.set_result(1)
