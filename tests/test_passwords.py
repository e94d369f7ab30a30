"""Tests of the password commands and of Tera Term's two password file formats.

The version 1 vectors were worked out by hand from the algorithm of Tera
Term's ttmenc.c (see ``test_encode_v1_hand_vector_ab``). The version 2
tests build and open records here with ``cryptography`` and ``hashlib``
directly, following the record layout of ttmenc2.c, so that they check the
file format and not only that the module agrees with itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ttl.commands.passwords import decode_v1, encode_v1
from ttl.errors import MacroRuntimeError
from ttl.machine import Machine
from ttl.runner import run_text


@pytest.fixture
def run(tmp_path: Path):
    """Run macro text as tmp_path/t.ttl, so relative file names land in tmp_path."""

    def run_macro(text: str, answers: list[str] | None = None) -> Machine:
        return run_text(text, path=tmp_path / "t.ttl", answers=answers)

    return run_macro


def fixed_random(*values: int):
    return iter(values).__next__


# -- version 1 obfuscation ---------------------------------------------------------


def test_encode_v1_hand_vector_a() -> None:
    # "A" = 0x41: groups 010000 and 01+0000 (from the NUL) = 16, 16. All random
    # values 0: values 0,16,0,16,0,63 plus offsets 21,30,40,50,60,70 (hex)
    # give 21,40,40,60,60,AF-5E=51, that is "!@@``Q".
    assert encode_v1(b"A", fixed_random(0, 0, 0)) == "!@@``Q"


def test_encode_v1_hand_vector_ab() -> None:
    # "ab" = 01100001 01100010 + NUL: groups 011000 010110 0010+00 = 24, 22, 8.
    # Random r0=5, then 10, 50, 63 for the groups. Values: 5, 34,10, 8,50, 7,63,
    # and ~5&63=58. Offsets 21,30,40,50,60,70,21,30 (hex) give 26,52,4A,58,
    # 92-5E=34, 77, 60, 6A, that is "&RJX4w`j".
    assert encode_v1(b"ab", fixed_random(5, 10, 50, 63)) == "&RJX4w`j"


@pytest.mark.parametrize(("encoded", "expected"), [(b"!@@``Q", b"A"), (b"&RJX4w`j", b"ab")])
def test_decode_v1_hand_vectors(encoded: bytes, expected: bytes) -> None:
    assert decode_v1(encoded) == expected


@pytest.mark.parametrize("length", [1, 2, 3, 4, 5, 6, 7, 8, 31, 64, 200])
def test_decode_v1_round_trip(length: int) -> None:
    password = bytes((i * 37 + 1) % 255 + 1 for i in range(length))
    assert decode_v1(encode_v1(password).encode("ascii")) == password


def test_encode_v1_utf8_round_trip() -> None:
    password = "パスワード".encode("utf-8")
    assert decode_v1(encode_v1(password).encode("ascii")) == password


def test_encode_v1_printable_only() -> None:
    encoded = encode_v1(bytes(range(1, 256)))
    assert all(0x21 <= ord(c) <= 0x7E for c in encoded)


def test_encode_v1_length() -> None:
    # r0, two characters per 6-bit group, ~r0: 5 bytes = 40 bits = 7 groups.
    assert len(encode_v1(b"12345")) == 1 + 2 * 7 + 1


def test_encode_v1_random() -> None:
    assert encode_v1(b"password") != encode_v1(b"password")


def test_encode_v1_empty() -> None:
    assert encode_v1(b"") == ""


def test_decode_v1_check_value_mismatch() -> None:
    assert decode_v1(b"!@@``R") is None


def test_decode_v1_single_character() -> None:
    assert decode_v1(b"!") is None


def test_decode_v1_no_groups() -> None:
    # r0=0 then ~r0=63 at offset 0x30: "!o" encodes an empty password.
    assert decode_v1(b"!o") == b""


# -- version 1 commands --------------------------------------------------------------


def test_setpassword_getpassword_round_trip(run) -> None:
    m = run("setpassword 'pw.dat' 'router' 'S3cret!'\nr1 = result\ngetpassword 'pw.dat' 'router' p")
    assert m.vars["r1"] == 1
    assert m.vars["p"] == b"S3cret!"
    assert m.vars["result"] == 1


def test_getpassword_registers_secret(run) -> None:
    m = run("setpassword 'pw.dat' 'k' 'hunter2'\ngetpassword 'pw.dat' 'k' p")
    assert b"hunter2" in m.secrets


def test_setpassword_file_layout(run, tmp_path: Path) -> None:
    run("setpassword 'pw.dat' 'router' 'x'")
    data = (tmp_path / "pw.dat").read_bytes()
    assert data.startswith(b"[Password]\r\nrouter=")
    assert data.endswith(b"\r\n")
    assert data.count(b"\r\n") == 2


def test_setpassword_value_decodes(run, tmp_path: Path) -> None:
    run("setpassword 'pw.dat' 'router' 'tera term'")
    value = (tmp_path / "pw.dat").read_bytes().split(b"router=")[1].rstrip(b"\r\n")
    assert decode_v1(value) == b"tera term"


def test_setpassword_new_file_mode(run, tmp_path: Path) -> None:
    run("setpassword 'pw.dat' 'k' 'x'")
    assert stat.S_IMODE((tmp_path / "pw.dat").stat().st_mode) == 0o600


def test_getpassword_reads_tera_term_file(run, tmp_path: Path) -> None:
    (tmp_path / "pw.dat").write_bytes(b"[Password]\r\nrouter=&RJX4w`j\r\n")
    m = run("getpassword 'pw.dat' 'router' p")
    assert m.vars["p"] == b"ab"
    assert m.vars["result"] == 1


def test_getpassword_key_case_insensitive(run, tmp_path: Path) -> None:
    (tmp_path / "pw.dat").write_bytes(b"[password]\r\nRouter=!@@``Q\r\n")
    assert run("getpassword 'pw.dat' 'ROUTER' p").vars["p"] == b"A"


def test_getpassword_spaces_and_quotes(run, tmp_path: Path) -> None:
    (tmp_path / "pw.dat").write_bytes(b"[Password]\r\n  router = \"!@@``Q\"  \r\n")
    assert run("getpassword 'pw.dat' 'router' p").vars["p"] == b"A"


def test_getpassword_lf_line_ends(run, tmp_path: Path) -> None:
    (tmp_path / "pw.dat").write_bytes(b"[Other]\nrouter=x\n[Password]\nrouter=!@@``Q\n")
    assert run("getpassword 'pw.dat' 'router' p").vars["p"] == b"A"


def test_getpassword_other_section_ignored(run, tmp_path: Path) -> None:
    (tmp_path / "pw.dat").write_bytes(b"[Other]\r\nrouter=!@@``Q\r\n")
    with pytest.raises(MacroRuntimeError):
        run("getpassword 'pw.dat' 'router' p")


def test_getpassword_utf16_file(run, tmp_path: Path) -> None:
    text = "[Password]\r\nルーター=&RJX4w`j\r\n"
    (tmp_path / "pw.dat").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    assert run("getpassword 'pw.dat' 'ルーター' p").vars["p"] == b"ab"


def test_getpassword_cp932_file(run, tmp_path: Path) -> None:
    text = "[Password]\r\nルーター=&RJX4w`j\r\n"
    (tmp_path / "pw.dat").write_bytes(text.encode("cp932"))
    assert run("getpassword 'pw.dat' 'ルーター' p").vars["p"] == b"ab"


def test_setpassword_keeps_utf16(run, tmp_path: Path) -> None:
    text = "[Password]\r\nルーター=&RJX4w`j\r\n"
    (tmp_path / "pw.dat").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    run("setpassword 'pw.dat' 'second' 'x'")
    data = (tmp_path / "pw.dat").read_bytes()
    assert data.startswith(b"\xff\xfe")
    assert "ルーター=&RJX4w`j\r\nsecond=" in data[2:].decode("utf-16-le")


def test_setpassword_keeps_cp932(run, tmp_path: Path) -> None:
    text = "[Password]\r\nルーター=&RJX4w`j\r\n"
    (tmp_path / "pw.dat").write_bytes(text.encode("cp932"))
    run("setpassword 'pw.dat' '接続' 'x'")
    data = (tmp_path / "pw.dat").read_bytes()
    assert data.startswith(text.encode("cp932") + "接続=".encode("cp932"))


def test_setpassword_non_ascii_key_new_file_utf16(run, tmp_path: Path) -> None:
    m = run("setpassword 'pw.dat' 'ルーター' 'x'\ngetpassword 'pw.dat' 'ルーター' p")
    data = (tmp_path / "pw.dat").read_bytes()
    assert data.startswith(b"\xff\xfe" + "[Password]\r\nルーター=".encode("utf-16-le"))
    assert m.vars["p"] == b"x"


def test_setpassword_ascii_file_stays_ascii(run, tmp_path: Path) -> None:
    (tmp_path / "pw.dat").write_bytes(b"[Password]\r\na=!@@``Q\r\n")
    run("setpassword 'pw.dat' 'b' 'x'")
    assert (tmp_path / "pw.dat").read_bytes().isascii()


def test_setpassword_replaces_value_in_place(run, tmp_path: Path) -> None:
    original = b"; comment\r\n[Password]\r\na=!@@``Q\r\nRouter=!@@``Q\r\nz=!@@``Q\r\n\r\n[Other]\r\nk=v\r\n"
    (tmp_path / "pw.dat").write_bytes(original)
    m = run("setpassword 'pw.dat' 'router' 'new'\ngetpassword 'pw.dat' 'router' p")
    lines = (tmp_path / "pw.dat").read_bytes().split(b"\r\n")
    assert m.vars["p"] == b"new"
    assert lines[:3] == [b"; comment", b"[Password]", b"a=!@@``Q"]
    assert lines[3].startswith(b"Router=")
    assert lines[4:] == [b"z=!@@``Q", b"", b"[Other]", b"k=v", b""]


def test_setpassword_adds_key_to_section(run, tmp_path: Path) -> None:
    (tmp_path / "pw.dat").write_bytes(b"[Password]\r\na=!@@``Q\r\n\r\n[Other]\r\nk=v\r\n")
    run("setpassword 'pw.dat' 'b' 'x'")
    lines = (tmp_path / "pw.dat").read_bytes().split(b"\r\n")
    assert lines[1] == b"a=!@@``Q"
    assert lines[2].startswith(b"b=")
    assert lines[3:] == [b"", b"[Other]", b"k=v", b""]


def test_setpassword_adds_section(run, tmp_path: Path) -> None:
    (tmp_path / "pw.dat").write_bytes(b"[Other]\r\nk=v")
    run("setpassword 'pw.dat' 'b' 'x'")
    lines = (tmp_path / "pw.dat").read_bytes().split(b"\r\n")
    assert lines[:3] == [b"[Other]", b"k=v", b"[Password]"]
    assert lines[3].startswith(b"b=")


def test_setpassword_missing_directory(run) -> None:
    assert run("setpassword 'no/such/dir/pw.dat' 'k' 'x'").vars["result"] == 0


@pytest.mark.parametrize(("arguments", "empty"), [
    ("'' 'k' 'x'", "file name"), ("'pw.dat' '' 'x'", "key"), ("'pw.dat' 'k' ''", "password"),
])
def test_setpassword_empty_argument(run, arguments: str, empty: str) -> None:
    with pytest.raises(MacroRuntimeError, match=f"the {empty} is empty"):
        run(f"setpassword {arguments}")


def test_getpassword_empty_names_keep_result(run) -> None:
    m = run("result = 7\np = 'old'\ngetpassword '' 'k' p\nr1 = result\ngetpassword 'pw.dat' '' p")
    assert m.vars["r1"] == 7
    assert m.vars["result"] == 7
    assert m.vars["p"] == b""


def test_getpassword_missing_asks_and_stores(run, tmp_path: Path) -> None:
    m = run("getpassword 'pw.dat' 'router' p\nr1 = result\ngetpassword 'pw.dat' 'router' q",
            answers=["typed"])
    assert m.vars["r1"] == 1
    assert m.vars["p"] == b"typed"
    assert m.vars["q"] == b"typed"
    assert b"typed" in m.secrets


def test_getpassword_empty_answer(run, tmp_path: Path) -> None:
    m = run("getpassword 'pw.dat' 'router' p", answers=[""])
    assert m.vars["result"] == 0
    assert m.vars["p"] == b""
    assert not (tmp_path / "pw.dat").exists()


def test_getpassword_missing_without_answer(run) -> None:
    with pytest.raises(MacroRuntimeError) as caught:
        run("getpassword 'pw.dat' 'router' p")
    assert "router" in caught.value.message
    assert "setpassword" in caught.value.hint


def test_getpassword_empty_value_asks(run, tmp_path: Path) -> None:
    (tmp_path / "pw.dat").write_bytes(b"[Password]\r\nrouter=\r\n")
    assert run("getpassword 'pw.dat' 'router' p", answers=["x"]).vars["p"] == b"x"


def test_getpassword_invalid_encoding(run, tmp_path: Path, capsys) -> None:
    (tmp_path / "pw.dat").write_bytes(b"[Password]\r\nrouter=!@@``R\r\n")
    m = run("p = 'old'\ngetpassword 'pw.dat' 'router' p")
    assert m.vars["result"] == 1
    assert m.vars["p"] == b""
    assert "not a valid Tera Term password encoding" in capsys.readouterr().err


def test_ispassword_present(run) -> None:
    assert run("setpassword 'pw.dat' 'k' 'x'\nispassword 'pw.dat' 'K'").vars["result"] == 1


def test_ispassword_absent_key(run) -> None:
    assert run("setpassword 'pw.dat' 'k' 'x'\nispassword 'pw.dat' 'other'").vars["result"] == 0


def test_ispassword_missing_file(run) -> None:
    assert run("ispassword 'none.dat' 'k'").vars["result"] == 0


def test_ispassword_empty_value(run, tmp_path: Path) -> None:
    (tmp_path / "pw.dat").write_bytes(b"[Password]\r\nk=\r\n")
    assert run("ispassword 'pw.dat' 'k'").vars["result"] == 0


def test_ispassword_empty_key(run) -> None:
    with pytest.raises(MacroRuntimeError, match="the key is empty"):
        run("ispassword 'pw.dat' ''")


def test_delpassword_one_key(run, tmp_path: Path) -> None:
    (tmp_path / "pw.dat").write_bytes(b"[Password]\r\na=!@@``Q\r\nb=!@@``Q\r\n[Other]\r\nk=v\r\n")
    run("delpassword 'pw.dat' 'A'")
    assert (tmp_path / "pw.dat").read_bytes() == b"[Password]\r\nb=!@@``Q\r\n[Other]\r\nk=v\r\n"


def test_delpassword_whole_section(run, tmp_path: Path) -> None:
    (tmp_path / "pw.dat").write_bytes(b"[Top]\r\nx=1\r\n[Password]\r\na=!@@``Q\r\n[Other]\r\nk=v\r\n")
    run("delpassword 'pw.dat' ''")
    assert (tmp_path / "pw.dat").read_bytes() == b"[Top]\r\nx=1\r\n[Other]\r\nk=v\r\n"


def test_delpassword_missing_file(run, tmp_path: Path) -> None:
    m = run("result = 5\ndelpassword 'none.dat' 'k'")
    assert m.vars["result"] == 5
    assert not (tmp_path / "none.dat").exists()


def test_delpassword_empty_file_name(run) -> None:
    assert run("result = 5\ndelpassword '' 'k'").vars["result"] == 5


# -- version 2 records, built and opened here from the layout ------------------------

PASSPHRASE = b"common key"


def derive(secret: bytes, salt: bytes, iterations: int, size: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha512", secret, salt, iterations, size)


def make_record(key: bytes, password: bytes, passphrase: bytes) -> bytes:
    """Build a record as Tera Term's Encrypt2SetPassword does, from the layout alone."""
    key_salt, password_salt, hmac_salt = os.urandom(16), os.urandom(16), os.urandom(16)
    key_and_iv = derive(passphrase, password_salt, 210001, 48)
    encryptor = Cipher(algorithms.AES(key_and_iv[:32]), modes.CTR(key_and_iv[32:])).encryptor()
    head = b"\x00\x02" + key_salt + derive(key, key_salt, 1001, 64) + password_salt
    head += encryptor.update(password.ljust(203, b"\0") + hmac_salt)
    mac = hmac.new(derive(passphrase, head[301:317], 1001, 64), head, hashlib.sha512).digest()
    return head + encryptor.update(mac) + encryptor.finalize()


def open_record(record: bytes, passphrase: bytes) -> tuple[bytes, bool]:
    """Return the padded password field and whether the HMAC matches."""
    key_and_iv = derive(passphrase, record[82:98], 210001, 48)
    decryptor = Cipher(algorithms.AES(key_and_iv[:32]), modes.CTR(key_and_iv[32:])).decryptor()
    plain = decryptor.update(record[98:]) + decryptor.finalize()
    mac = hmac.new(derive(passphrase, record[301:317], 1001, 64), record[:317], hashlib.sha512).digest()
    return plain[:203], plain[219:] == mac


def record_line(record: bytes) -> bytes:
    return base64.b64encode(record) + b"\r\n"


def stored_record(path: Path, line: int = 0) -> bytes:
    return base64.b64decode(path.read_bytes().split(b"\r\n")[line])


def flip_bit(record: bytes, offset: int) -> bytes:
    return record[:offset] + bytes([record[offset] ^ 1]) + record[offset + 1 :]


SET_ROUTER = "setpassword2 'pw2.dat' 'router' 'S3cret!' 'common key'\n"


def test_setpassword2_line_layout(run, tmp_path: Path) -> None:
    m = run(SET_ROUTER)
    data = (tmp_path / "pw2.dat").read_bytes()
    assert m.vars["result"] == 1
    assert len(data) == 510
    assert data.endswith(b"\r\n")
    assert len(base64.b64decode(data[:508], validate=True)) == 381


def test_setpassword2_record_fields(run, tmp_path: Path) -> None:
    run(SET_ROUTER)
    record = stored_record(tmp_path / "pw2.dat")
    assert record[:2] == b"\x00\x02"
    assert record[18:82] == derive(b"router", record[2:18], 1001, 64)


def test_setpassword2_record_decrypts(run, tmp_path: Path) -> None:
    run(SET_ROUTER)
    padded, mac_ok = open_record(stored_record(tmp_path / "pw2.dat"), PASSPHRASE)
    assert padded == b"S3cret!".ljust(203, b"\0")
    assert mac_ok


def test_getpassword2_reads_tera_term_record(run, tmp_path: Path) -> None:
    (tmp_path / "pw2.dat").write_bytes(record_line(make_record(b"router", b"from windows", PASSPHRASE)))
    m = run("getpassword2 'pw2.dat' 'router' p 'common key'")
    assert m.vars["p"] == b"from windows"
    assert m.vars["result"] == 1
    assert b"from windows" in m.secrets


def test_getpassword2_round_trip(run) -> None:
    m = run(SET_ROUTER + "getpassword2 'pw2.dat' 'router' p 'common key'")
    assert m.vars["p"] == b"S3cret!"
    assert m.vars["result"] == 1


def test_getpassword2_wrong_passphrase(run) -> None:
    m = run(SET_ROUTER + "p = 'old'\ngetpassword2 'pw2.dat' 'router' p 'wrong key'")
    assert m.vars["result"] == 0
    assert m.vars["p"] == b""


@pytest.mark.parametrize("offset", [98, 300, 301, 316, 317, 380])
def test_getpassword2_detects_tampering(run, tmp_path: Path, offset: int) -> None:
    record = make_record(b"router", b"pw", PASSPHRASE)
    (tmp_path / "pw2.dat").write_bytes(record_line(flip_bit(record, offset)))
    assert run("getpassword2 'pw2.dat' 'router' p 'common key'").vars["result"] == 0


def test_getpassword2_tampered_key_hash(run, tmp_path: Path) -> None:
    record = make_record(b"router", b"pw", PASSPHRASE)
    (tmp_path / "pw2.dat").write_bytes(record_line(flip_bit(record, 20)))
    assert run("ispassword2 'pw2.dat' 'router'").vars["result"] == 0


def test_getpassword2_last_match_wins(run, tmp_path: Path) -> None:
    lines = record_line(make_record(b"router", b"first", PASSPHRASE))
    lines += record_line(make_record(b"router", b"second", PASSPHRASE))
    (tmp_path / "pw2.dat").write_bytes(lines)
    assert run("getpassword2 'pw2.dat' 'router' p 'common key'").vars["p"] == b"second"


def test_getpassword2_skips_other_lines(run, tmp_path: Path) -> None:
    lines = b"not a record\r\n\r\n" + b"A" * 508 + b"\r\n"
    lines += record_line(make_record(b"router", b"pw", PASSPHRASE))
    (tmp_path / "pw2.dat").write_bytes(lines)
    assert run("getpassword2 'pw2.dat' 'router' p 'common key'").vars["p"] == b"pw"


def test_getpassword2_missing_asks_and_stores(run, tmp_path: Path) -> None:
    m = run("getpassword2 'pw2.dat' 'router' p 'common key'", answers=["typed"])
    padded, mac_ok = open_record(stored_record(tmp_path / "pw2.dat"), PASSPHRASE)
    assert m.vars["p"] == b"typed"
    assert m.vars["result"] == 1
    assert padded.rstrip(b"\0") == b"typed"
    assert mac_ok


def test_getpassword2_empty_answer(run, tmp_path: Path) -> None:
    m = run("getpassword2 'pw2.dat' 'router' p 'common key'", answers=[""])
    assert m.vars["result"] == 0
    assert not (tmp_path / "pw2.dat").exists()


def test_getpassword2_missing_without_answer(run) -> None:
    with pytest.raises(MacroRuntimeError) as caught:
        run("getpassword2 'pw2.dat' 'router' p 'common key'")
    assert "router" in caught.value.message
    assert "setpassword2" in caught.value.hint


def test_getpassword2_empty_passphrase(run) -> None:
    with pytest.raises(MacroRuntimeError, match="the passphrase is empty"):
        run("getpassword2 'pw2.dat' 'router' p ''")


def test_getpassword2_clears_variable_before_error(tmp_path: Path) -> None:
    from ttl.compiler import compile_source
    from ttl.source import SourceFile

    machine = Machine()
    machine.current_dir = tmp_path
    program = compile_source(SourceFile(tmp_path / "t.ttl", "p = 'old'\ngetpassword2 '' 'k' p 'x'\n", "utf-8"))
    with pytest.raises(MacroRuntimeError):
        machine.run_main(program)
    assert machine.vars["p"] == b""


def test_setpassword2_max_length(run) -> None:
    m = run(f"setpassword2 'pw2.dat' 'k' '{'x' * 203}' 'common key'\n"
            "getpassword2 'pw2.dat' 'k' p 'common key'")
    assert m.vars["p"] == b"x" * 203


def test_setpassword2_too_long(run, tmp_path: Path) -> None:
    m = run(f"setpassword2 'pw2.dat' 'k' '{'x' * 204}' 'common key'")
    assert m.vars["result"] == 0
    assert not (tmp_path / "pw2.dat").exists()


def test_setpassword2_appends_second_key(run, tmp_path: Path) -> None:
    run(SET_ROUTER + "setpassword2 'pw2.dat' 'switch' 'pw' 'common key'")
    data = (tmp_path / "pw2.dat").read_bytes()
    second = stored_record(tmp_path / "pw2.dat", 1)
    assert len(data) == 2 * 510
    assert second[18:82] == derive(b"switch", second[2:18], 1001, 64)


def test_setpassword2_replaces_entry(run, tmp_path: Path) -> None:
    (tmp_path / "pw2.dat").write_bytes(b"keep me\r\n")
    m = run(SET_ROUTER + "setpassword2 'pw2.dat' 'router' 'changed' 'common key'\n"
            "getpassword2 'pw2.dat' 'router' p 'common key'")
    data = (tmp_path / "pw2.dat").read_bytes()
    assert m.vars["p"] == b"changed"
    assert data.startswith(b"keep me\r\n")
    assert len(data) == len(b"keep me\r\n") + 510


def test_setpassword2_same_password_unchanged(run, tmp_path: Path) -> None:
    run(SET_ROUTER)
    before = (tmp_path / "pw2.dat").read_bytes()
    m = run(SET_ROUTER)
    assert m.vars["result"] == 1
    assert (tmp_path / "pw2.dat").read_bytes() == before


def test_setpassword2_new_passphrase_replaces(run) -> None:
    m = run(SET_ROUTER + "setpassword2 'pw2.dat' 'router' 'S3cret!' 'new key'\n"
            "getpassword2 'pw2.dat' 'router' p 'new key'\nr1 = result\n"
            "getpassword2 'pw2.dat' 'router' q 'common key'")
    assert m.vars["r1"] == 1
    assert m.vars["result"] == 0


def test_setpassword2_unterminated_last_line(run, tmp_path: Path) -> None:
    (tmp_path / "pw2.dat").write_bytes(b"keep me")
    m = run(SET_ROUTER + "getpassword2 'pw2.dat' 'router' p 'common key'")
    assert (tmp_path / "pw2.dat").read_bytes().startswith(b"keep me\r\n")
    assert m.vars["p"] == b"S3cret!"


def test_setpassword2_registers_secrets(run) -> None:
    m = run(SET_ROUTER)
    assert b"S3cret!" in m.secrets
    assert PASSPHRASE in m.secrets


def test_ispassword2(run) -> None:
    m = run(SET_ROUTER + "ispassword2 'pw2.dat' 'router'\nr1 = result\nispassword2 'pw2.dat' 'switch'")
    assert m.vars["r1"] == 1
    assert m.vars["result"] == 0


def test_ispassword2_missing_file(run) -> None:
    assert run("ispassword2 'none.dat' 'router'").vars["result"] == 0


def test_delpassword2_one_key(run, tmp_path: Path) -> None:
    switch = record_line(make_record(b"switch", b"pw", PASSPHRASE))
    (tmp_path / "pw2.dat").write_bytes(b"keep me\r\n" + switch)
    run(SET_ROUTER + "delpassword2 'pw2.dat' 'router'")
    assert (tmp_path / "pw2.dat").read_bytes() == b"keep me\r\n" + switch


def test_delpassword2_all(run, tmp_path: Path) -> None:
    (tmp_path / "pw2.dat").write_bytes(b"keep me\r\n")
    run(SET_ROUTER + "setpassword2 'pw2.dat' 'switch' 'pw' 'common key'\ndelpassword2 'pw2.dat' ''")
    assert (tmp_path / "pw2.dat").read_bytes() == b"keep me\r\n"


def test_delpassword2_missing_key(run, tmp_path: Path) -> None:
    run(SET_ROUTER)
    before = (tmp_path / "pw2.dat").read_bytes()
    run("delpassword2 'pw2.dat' 'switch'")
    assert (tmp_path / "pw2.dat").read_bytes() == before


def test_delpassword2_missing_file(run, tmp_path: Path) -> None:
    run("delpassword2 'none.dat' 'router'")
    assert not (tmp_path / "none.dat").exists()


def test_delpassword2_empty_file_name(run) -> None:
    with pytest.raises(MacroRuntimeError, match="the file name is empty"):
        run("delpassword2 '' 'router'")
