"""Password commands: getpassword, setpassword, ispassword, delpassword and
the AES-protected getpassword2, setpassword2, ispassword2, delpassword2.

ttlrun reads and writes Tera Term 5's own file formats (ttpmacro/ttmenc.c,
ttmenc2.c and ttl_gui.cpp in the Tera Term source), so password files move
between Tera Term on Windows and ttlrun in both directions.

Version 1 (getpassword ...) keeps each password as ``key=value`` in the
``[Password]`` section of an INI file. The value is an obfuscation that
anyone can reverse, not encryption. Windows' profile functions treat a file
that starts with the UTF-16LE byte order mark as UTF-16 and any other file
as the ANSI code page, which is CP932 on Japanese Windows. ttlrun reads
UTF-16LE with a BOM, UTF-8 (with or without BOM), CP932, and Latin-1 as the
last resort. It writes a file back in the encoding it was read in. A new
or pure ASCII file stays ASCII while every line is ASCII. It becomes
UTF-16LE with a BOM when a key needs other characters, because that is the
only non-ASCII form that every Windows reads the same way.

Version 2 (getpassword2 ...) keeps one base64 line per entry in a plain
text file. Each line encodes a 381-byte record: the tag ``00 02``, a key
salt, PBKDF2-HMAC-SHA512 of the key name, a password salt, and then,
encrypted with AES-256-CTR under a key derived from the passphrase, the
password padded to 203 bytes with NUL, an HMAC salt and an HMAC-SHA512 of
the record bytes before it. AES needs the ``cryptography`` package.

When a getpassword command finds no entry, Tera Term opens a password
dialog. ttlrun takes the answer from the dialog module (``--answer``,
``TTLRUN_ANSWERS`` or a terminal), and stops the macro when there is none.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ttl.commands import Ref, command
from ttl.commands.dialogs import ask
from ttl.errors import MacroRuntimeError

if TYPE_CHECKING:
    from ttl.machine import Machine


SECTION = "Password"
DIALOG_TITLE = b"Enter password"

# Text lines end with CR LF, LF or CR, and the last line may have no line break.
_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n)|([^\r\n]+)\Z")


def _c_string(value: bytes) -> bytes:
    """Cut ``value`` at its first NUL byte, where Tera Term's C strings end."""
    return value.split(b"\0", 1)[0]


# -- version 1: the obfuscated value -----------------------------------------


def _random6() -> int:
    return secrets.randbelow(64)


def _next_offset(offset: int) -> int:
    """Step the printable-character offset: 0x21, 0x30, 0x40, ... 0x70, then 0x21 again."""
    if offset >= 0x70:
        return 0x21
    return (offset // 16 + 1) * 16


def encode_v1(password: bytes, random6: Callable[[], int] = _random6) -> str:
    """Obfuscate ``password`` as Tera Term's setpassword does (Encrypt in ttmenc.c).

    The password's bits, most significant first, are cut into 6-bit groups,
    the last one filled with zero bits. The output is a random value r0,
    then for each group g a random r as ``(g + r) & 63`` and ``r``, then
    ``~r0 & 63``. Each 6-bit value becomes a character 0x21..0x7E by adding
    a rolling offset. ``random6`` supplies the random values (tests fix them).
    """
    password = _c_string(password)
    if not password:
        return ""
    first = random6() & 0x3F
    values = [first]
    bits = int.from_bytes(password + b"\0", "big")
    total_bits = 8 * (len(password) + 1)
    for start in range(0, 8 * len(password), 6):
        group = (bits >> (total_bits - start - 6)) & 0x3F
        noise = random6() & 0x3F
        values += [(group + noise) & 0x3F, noise]
    values.append(~first & 0x3F)

    characters = []
    offset = 0x21
    for value in values:
        code = value + offset
        if code > 0x7E:
            code -= 0x5E
        characters.append(chr(code))
        offset = _next_offset(offset)
    return "".join(characters)


def decode_v1(encoded: bytes) -> bytes | None:
    """Reverse ``encode_v1`` (Decrypt in ttmenc.c). Return None when the check value is wrong."""
    if not encoded:
        return b""
    values = []
    offset = 0x21
    for code in encoded:
        value = code - offset if code >= offset else 0x5E + code - offset
        values.append(value & 0x3F)
        offset = _next_offset(offset)
    if values[0] ^ values[-1] != 0x3F:
        return None

    bits = 0
    count = 0
    for index in range(1, len(values) - 2, 2):
        bits = (bits << 6) | ((values[index] - values[index + 1]) & 0x3F)
        count += 6
    if count == 0:
        return b""
    padding = -count % 8
    data = (bits << padding).to_bytes((count + padding) // 8, "big")
    return _c_string(data)


def _encode_for_ini(password: bytes) -> str:
    """Return an encoding that Windows reads back unchanged.

    GetPrivateProfileString drops a pair of quotes around a value, and a
    random encoding can start and end with the same quote character, so
    such encodings are drawn again.
    """
    while True:
        encoded = encode_v1(password)
        if not (len(encoded) >= 2 and encoded[0] == encoded[-1] and encoded[0] in "\"'"):
            return encoded


# -- version 1: the INI file -------------------------------------------------

_UTF16_BOM = b"\xff\xfe"
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class IniFile:
    """An INI file as lines, edited the way Windows' profile functions edit it.

    ``encoding`` is the codec the file was read with, None for a new file.
    Section and key names compare case-insensitively. Only the first section
    of a name counts, as in Windows. Lines that are not touched keep their
    text and line breaks.
    """

    lines: list[str] = field(default_factory=list)
    endings: list[str] = field(default_factory=list)
    encoding: str | None = None
    had_non_ascii: bool = False

    @classmethod
    def parse(cls, data: bytes) -> IniFile:
        encoding, text = _decode_ini(data)
        ini = cls(encoding=encoding, had_non_ascii=not data.isascii())
        for match in _LINE.finditer(text):
            if match.group(3) is not None:
                ini.lines.append(match.group(3))
                ini.endings.append("")
            else:
                ini.lines.append(match.group(1))
                ini.endings.append(match.group(2))
        return ini

    def to_bytes(self) -> bytes:
        text = "".join(line + ending for line, ending in zip(self.lines, self.endings))
        return _encode_ini(text, self.encoding, self.had_non_ascii)

    def section_lines(self, section: str) -> tuple[int, int] | None:
        """Return the index of the section's header line and the index after its last line."""
        expected = section.strip().lower()
        for index, line in enumerate(self.lines):
            name = _section_name(line)
            if name is not None and name.lower() == expected:
                end = index + 1
                while end < len(self.lines) and _section_name(self.lines[end]) is None:
                    end += 1
                return index, end
        return None

    def find_key(self, section: str, key: str) -> int | None:
        """Return the index of the key's line in the section, or None."""
        span = self.section_lines(section)
        if span is None:
            return None
        expected = key.strip().lower()
        for index in range(span[0] + 1, span[1]):
            entry = _key_value(self.lines[index])
            if entry is not None and entry[0].lower() == expected:
                return index
        return None

    def get(self, section: str, key: str) -> str:
        """Return the key's value as GetPrivateProfileString does, or "" when absent."""
        index = self.find_key(section, key)
        if index is None:
            return ""
        entry = _key_value(self.lines[index])
        assert entry is not None
        return entry[1]

    def set(self, section: str, key: str, value: str) -> None:
        index = self.find_key(section, key)
        if index is not None:
            entry = _key_value(self.lines[index])
            assert entry is not None
            self.lines[index] = f"{entry[0]}={value}"
            return
        span = self.section_lines(section)
        if span is None:
            if self.endings and not self.endings[-1]:
                self.endings[-1] = "\r\n"
            self.lines += [f"[{section}]", f"{key}={value}"]
            self.endings += ["\r\n", "\r\n"]
            return
        # A new key goes after the section's last non-blank line.
        position = span[1]
        while position > span[0] + 1 and not self.lines[position - 1].strip():
            position -= 1
        if not self.endings[position - 1]:
            self.endings[position - 1] = "\r\n"
        self.lines.insert(position, f"{key}={value}")
        self.endings.insert(position, "\r\n")

    def delete_key(self, section: str, key: str) -> bool:
        index = self.find_key(section, key)
        if index is None:
            return False
        del self.lines[index]
        del self.endings[index]
        return True

    def delete_section(self, section: str) -> bool:
        span = self.section_lines(section)
        if span is None:
            return False
        del self.lines[span[0] : span[1]]
        del self.endings[span[0] : span[1]]
        return True


def _section_name(line: str) -> str | None:
    text = line.strip()
    if not text.startswith("[") or "]" not in text:
        return None
    return text[1 : text.index("]")].strip()


def _key_value(line: str) -> tuple[str, str] | None:
    """Split ``key=value`` as Windows reads it: trimmed, and without a pair of enclosing quotes."""
    text = line.strip()
    if text.startswith(";") or "=" not in text:
        return None
    key, value = text.split("=", 1)
    key = key.strip()
    value = value.strip()
    if not key:
        return None
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return key, value


def _decode_ini(data: bytes) -> tuple[str, str]:
    """Return the codec of an INI file and its text."""
    if data.startswith(_UTF16_BOM):
        return "utf-16-le", data[2:].decode("utf-16-le", "replace")
    if data.startswith(_UTF8_BOM):
        return "utf-8-sig", data[3:].decode("utf-8", "replace")
    for codec in ("utf-8", "cp932"):
        try:
            return codec, data.decode(codec)
        except UnicodeDecodeError:
            pass
    return "latin-1", data.decode("latin-1")


def _encode_ini(text: str, encoding: str | None, had_non_ascii: bool) -> bytes:
    if encoding == "utf-16-le":
        return _UTF16_BOM + text.encode("utf-16-le")
    if encoding == "utf-8-sig":
        return _UTF8_BOM + text.encode("utf-8")
    if text.isascii():
        return text.encode("ascii")
    if had_non_ascii and encoding is not None:
        try:
            return text.encode(encoding)
        except UnicodeEncodeError:
            pass
    return _UTF16_BOM + text.encode("utf-16-le")


# -- version 2: records ------------------------------------------------------

TAG = b"\x00\x02"
SALT_SIZE = 16
HASH_SIZE = 64  # SHA-512
PASSWORD_SIZE = 203  # maximum password length that Tera Term stores, in bytes
KEY_ITERATIONS = 1001  # PBKDF2 rounds for the key name hash and the HMAC key
PASSPHRASE_ITERATIONS = 210001  # PBKDF2 rounds for the AES key and IV
RECORD_SIZE = 381
BASE64_SIZE = 508

# Byte offsets in a record.
KEY_SALT = 2
KEY_HASH = KEY_SALT + SALT_SIZE  # 18
PASSWORD_SALT = KEY_HASH + HASH_SIZE  # 82
CIPHERTEXT = PASSWORD_SALT + SALT_SIZE  # 98: the encrypted part starts here
HMAC_SALT = CIPHERTEXT + PASSWORD_SIZE  # 301
HMAC_VALUE = HMAC_SALT + SALT_SIZE  # 317


def _pbkdf2(secret: bytes, salt: bytes, iterations: int, size: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha512", secret, salt, iterations, size)


def _aes_ctr(passphrase: bytes, salt: bytes) -> Any:
    """Return an AES-256-CTR cipher with key and initial counter derived from ``passphrase``."""
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    except ImportError:
        raise MacroRuntimeError(
            "the AES password commands need the Python package 'cryptography', which is not installed",
            hint="install it with: pip install cryptography",
        ) from None
    key_and_iv = _pbkdf2(passphrase, salt, PASSPHRASE_ITERATIONS, 32 + 16)
    return Cipher(algorithms.AES(key_and_iv[:32]), modes.CTR(key_and_iv[32:]))


def _record_hmac(passphrase: bytes, record: bytes) -> bytes:
    """HMAC-SHA512 of the record up to its HMAC, keyed by the passphrase and the stored (encrypted) salt."""
    key = _pbkdf2(passphrase, record[HMAC_SALT:HMAC_VALUE], KEY_ITERATIONS, HASH_SIZE)
    return hmac.new(key, record[:HMAC_VALUE], hashlib.sha512).digest()


def build_record(key: bytes, password: bytes, passphrase: bytes) -> bytes:
    """Build the 381-byte record that Tera Term's Encrypt2SetPassword writes.

    One CTR key stream runs over the padded password, the HMAC salt and
    the HMAC. The HMAC covers the record as stored, ciphertext included.
    """
    if len(password) > PASSWORD_SIZE:
        raise ValueError(f"the password is longer than {PASSWORD_SIZE} bytes")
    key_salt = os.urandom(SALT_SIZE)
    password_salt = os.urandom(SALT_SIZE)
    encryptor = _aes_ctr(passphrase, password_salt).encryptor()
    encrypted: bytes = encryptor.update(password.ljust(PASSWORD_SIZE, b"\0") + os.urandom(SALT_SIZE))
    record = TAG + key_salt + _pbkdf2(key, key_salt, KEY_ITERATIONS, HASH_SIZE) + password_salt + encrypted
    encrypted_hmac: bytes = encryptor.update(_record_hmac(passphrase, record)) + encryptor.finalize()
    record += encrypted_hmac
    assert len(record) == RECORD_SIZE
    return record


def record_has_key(record: bytes, key: bytes) -> bool:
    key_hash = _pbkdf2(key, record[KEY_SALT:KEY_HASH], KEY_ITERATIONS, HASH_SIZE)
    return hmac.compare_digest(key_hash, record[KEY_HASH:PASSWORD_SALT])


def decrypt_record(record: bytes, passphrase: bytes) -> bytes | None:
    """Return the password in ``record``, or None when the passphrase is wrong or the record was altered."""
    decryptor = _aes_ctr(passphrase, record[PASSWORD_SALT:CIPHERTEXT]).decryptor()
    plain: bytes = decryptor.update(record[CIPHERTEXT:]) + decryptor.finalize()
    stored_hmac = plain[HMAC_VALUE - CIPHERTEXT :]
    if not hmac.compare_digest(_record_hmac(passphrase, record), stored_hmac):
        return None
    return _c_string(plain[:PASSWORD_SIZE])


def parse_record_line(line: str) -> bytes | None:
    """Return the record that a line of a version 2 file encodes, or None for any other line."""
    if len(line) != BASE64_SIZE or not line.isascii():
        return None
    try:
        record = base64.b64decode(line, validate=True)
    except binascii.Error:
        return None
    if len(record) != RECORD_SIZE or not record.startswith(TAG):
        return None
    return record


def format_record_line(record: bytes) -> str:
    return base64.b64encode(record).decode("ascii")


# -- version 2: the file -----------------------------------------------------


@dataclass
class RecordFile:
    """A version 2 password file as lines of text (Latin-1, so bytes map one to one).

    Lines that are not records stay as they are. Tera Term reads a line up
    to CR, LF or CR LF and writes records with CR LF.
    """

    lines: list[str] = field(default_factory=list)
    endings: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, data: bytes) -> RecordFile:
        records = cls()
        for match in _LINE.finditer(data.decode("latin-1")):
            if match.group(3) is not None:
                records.lines.append(match.group(3))
                records.endings.append("")
            else:
                records.lines.append(match.group(1))
                records.endings.append(match.group(2))
        return records

    def to_bytes(self) -> bytes:
        return "".join(line + ending for line, ending in zip(self.lines, self.endings)).encode("latin-1")

    def find(self, key: bytes) -> int | None:
        """Return the index of the last record line for ``key``, because Tera Term uses the last match."""
        found = None
        for index, line in enumerate(self.lines):
            record = parse_record_line(line)
            if record is not None and record_has_key(record, key):
                found = index
        return found

    def record(self, index: int) -> bytes:
        record = parse_record_line(self.lines[index])
        assert record is not None
        return record

    def put(self, index: int | None, record: bytes) -> None:
        """Replace line ``index`` with ``record``, or append it when ``index`` is None."""
        line = format_record_line(record)
        if index is not None:
            self.lines[index] = line
            self.endings[index] = "\r\n"
            return
        if self.endings and not self.endings[-1]:
            self.endings[-1] = "\r\n"
        self.lines.append(line)
        self.endings.append("\r\n")

    def delete(self, index: int) -> None:
        del self.lines[index]
        del self.endings[index]

    def delete_all_records(self) -> bool:
        remaining = [i for i, line in enumerate(self.lines) if parse_record_line(line) is None]
        if len(remaining) == len(self.lines):
            return False
        self.lines = [self.lines[i] for i in remaining]
        self.endings = [self.endings[i] for i in remaining]
        return True


# -- files -------------------------------------------------------------------


def _read(path: Path) -> bytes | None:
    """Return the file's bytes, or None when it does not exist. Raise OSError when it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` over the file. A new file gets mode 0600 because it contains passwords."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "wb") as stream:
        stream.write(data)


def _read_or_warn(m: Machine, name: str, path: Path) -> bytes | None:
    """Read a password file. A file that cannot be read counts as missing, with a warning."""
    try:
        return _read(path)
    except (OSError, ValueError) as error:
        m.warn(f"{name}: failed to read password file {path}: {_reason(error)}")
        return None


def _write_or_warn(m: Machine, name: str, path: Path, data: bytes) -> bool:
    try:
        _write(path, data)
    except (OSError, ValueError) as error:
        m.warn(f"{name}: failed to write password file {path}: {_reason(error)}")
        return False
    return True


def _reason(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)


def _require(name: str, **values: bytes) -> None:
    """Raise the error Tera Term reports as "Syntax error." for the first empty value."""
    for label, value in values.items():
        if not value:
            raise MacroRuntimeError(f"{name}: the {label.replace('_', ' ')} is empty")


def _key_text(key: bytes) -> str:
    return key.decode("utf-8", "replace")


def _ask_password(m: Machine, name: str, key: bytes, path: Path) -> bytes:
    """Get the password from the dialog that Tera Term opens for a missing entry, with the key as its text."""
    try:
        answer = ask(m, name, DIALOG_TITLE, key, secret=True)
    except MacroRuntimeError:
        setter = "setpassword2" if name.endswith("2") else "setpassword"
        raise MacroRuntimeError(
            f"{name}: no password is stored for key '{_key_text(key)}' in {path}, "
            "and the password dialog has no answer",
            hint=f"store the password first with {setter}, or give it with --answer or a TTLRUN_ANSWERS line",
        ) from None
    password = _c_string(answer.encode("utf-8"))
    m.add_secret(password)
    return password


# -- version 1 commands --------------------------------------------------------


def _load_ini(m: Machine, name: str, path: Path) -> IniFile:
    data = _read_or_warn(m, name, path)
    return IniFile() if data is None else IniFile.parse(data)


@command("getpassword", "s s v")
def getpassword(m: Machine, file_name: bytes, key: bytes, target: Ref) -> None:
    """Read a password, or ask for a missing one and store it. An empty name leaves ``result`` as it was."""
    target.set(m, b"")
    if not file_name or not key:
        return
    path = m.resolve_path(file_name)
    encoded = _load_ini(m, "getpassword", path).get(SECTION, _key_text(key))
    if encoded:
        password = decode_v1(encoded.encode("utf-8"))
        if password is None:
            m.warn(f"getpassword: the entry for key '{_key_text(key)}' in {path} "
                   "is not a valid Tera Term password encoding; the password is empty")
            password = b""
        m.add_secret(password)
        target.set(m, password)
        m.set_result(1)
        return

    password = _ask_password(m, "getpassword", key, path)
    if not password or not _store_v1(m, "getpassword", path, key, password):
        m.set_result(0)
        return
    target.set(m, password)
    m.set_result(1)


def _store_v1(m: Machine, name: str, path: Path, key: bytes, password: bytes) -> bool:
    data = _read_or_warn(m, name, path)
    if data is None and path.exists():
        return False  # It exists but cannot be read: do not write over it.
    ini = IniFile() if data is None else IniFile.parse(data)
    ini.set(SECTION, _key_text(key), _encode_for_ini(password))
    return _write_or_warn(m, name, path, ini.to_bytes())


@command("setpassword", "s s s")
def setpassword(m: Machine, file_name: bytes, key: bytes, password: bytes) -> None:
    password = _c_string(password)
    m.add_secret(password)
    _require("setpassword", file_name=file_name, key=key, password=password)
    path = m.resolve_path(file_name)
    m.set_result(1 if _store_v1(m, "setpassword", path, key, password) else 0)


@command("ispassword", "s s")
def ispassword(m: Machine, file_name: bytes, key: bytes) -> None:
    _require("ispassword", file_name=file_name, key=key)
    path = m.resolve_path(file_name)
    stored = _load_ini(m, "ispassword", path).get(SECTION, _key_text(key))
    m.set_result(1 if stored else 0)


@command("delpassword", "s s")
def delpassword(m: Machine, file_name: bytes, key: bytes) -> None:
    """Delete one entry, or the whole ``[Password]`` section for key "". A missing file is no error."""
    if not file_name:
        return
    path = m.resolve_path(file_name)
    if not path.is_file():
        return
    data = _read_or_warn(m, "delpassword", path)
    if data is None:
        return
    ini = IniFile.parse(data)
    changed = ini.delete_key(SECTION, _key_text(key)) if key else ini.delete_section(SECTION)
    if changed:
        _write_or_warn(m, "delpassword", path, ini.to_bytes())


# -- version 2 commands --------------------------------------------------------


def _load_records(m: Machine, name: str, path: Path) -> RecordFile | None:
    data = _read_or_warn(m, name, path)
    return None if data is None else RecordFile.parse(data)


def _store_v2(m: Machine, name: str, path: Path, key: bytes, password: bytes, passphrase: bytes) -> bool:
    """Add or replace the entry for ``key`` as Encrypt2SetPassword does, and return whether it is stored."""
    if len(password) > PASSWORD_SIZE:
        m.warn(f"{name}: the password is longer than {PASSWORD_SIZE} bytes, "
               "the maximum Tera Term stores; nothing was written")
        return False
    records = _load_records(m, name, path)
    if records is None:
        if path.exists():
            return False
        records = RecordFile()
    index = records.find(key)
    if index is not None and decrypt_record(records.record(index), passphrase) == password:
        return True  # The same password under the same passphrase: the file stays as it is.
    records.put(index, build_record(key, password, passphrase))
    return _write_or_warn(m, name, path, records.to_bytes())


@command("getpassword2", "s s v s")
def getpassword2(m: Machine, file_name: bytes, key: bytes, target: Ref, passphrase: bytes) -> None:
    """Decrypt a password, or ask for a missing one and store it. A wrong passphrase gives ``result`` 0."""
    target.set(m, b"")
    passphrase = _c_string(passphrase)
    m.add_secret(passphrase)
    _require("getpassword2", file_name=file_name, key=key, passphrase=passphrase)
    path = m.resolve_path(file_name)
    records = _load_records(m, "getpassword2", path)
    index = None if records is None else records.find(key)
    if records is not None and index is not None:
        password = decrypt_record(records.record(index), passphrase)
        if password is None:
            m.set_result(0)
            return
    else:
        password = _ask_password(m, "getpassword2", key, path)
        if not password or not _store_v2(m, "getpassword2", path, key, password, passphrase):
            m.set_result(0)
            return
    m.add_secret(password)
    target.set(m, password)
    m.set_result(1)


@command("setpassword2", "s s s s")
def setpassword2(m: Machine, file_name: bytes, key: bytes, password: bytes, passphrase: bytes) -> None:
    password = _c_string(password)
    passphrase = _c_string(passphrase)
    m.add_secret(password)
    m.add_secret(passphrase)
    _require("setpassword2", file_name=file_name, key=key, password=password, passphrase=passphrase)
    path = m.resolve_path(file_name)
    m.set_result(1 if _store_v2(m, "setpassword2", path, key, password, passphrase) else 0)


@command("ispassword2", "s s")
def ispassword2(m: Machine, file_name: bytes, key: bytes) -> None:
    _require("ispassword2", file_name=file_name, key=key)
    records = _load_records(m, "ispassword2", m.resolve_path(file_name))
    m.set_result(0 if records is None or records.find(key) is None else 1)


@command("delpassword2", "s s")
def delpassword2(m: Machine, file_name: bytes, key: bytes) -> None:
    """Delete the entry for ``key``, or every version 2 entry for key "". Other lines stay."""
    _require("delpassword2", file_name=file_name)
    path = m.resolve_path(file_name)
    if not path.is_file():
        return
    records = _load_records(m, "delpassword2", path)
    if records is None:
        return
    if key:
        index = records.find(key)
        if index is None:
            return
        records.delete(index)
    elif not records.delete_all_records():
        return
    _write_or_warn(m, "delpassword2", path, records.to_bytes())
