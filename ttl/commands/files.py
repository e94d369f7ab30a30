"""File and folder commands of TTL, with the result values of Tera Term 5.

Handles: fileopen and filecreate return file handles 0..15, findfirst
returns search handles 0..7. They belong to one Machine and live in a
``FileState`` that the WeakKeyDictionary ``_STATES`` maps the machine to,
so the Machine class needs no field for them. Call ``close_files(m)`` when
a run ends to close whatever the macro left open. A command given a handle
that is not open does nothing, as in Tera Term, except where it sets
``result`` (noted at each command).

File names: ``Machine.resolve_path`` resolves them against the macro's
current directory (``setdir``) and maps ``\\`` to ``/`` when the name does
not exist as written. Tera Term rejects a name with a colon anywhere but
after a drive letter. A POSIX host has no drive letters (``C:\\x``) and no
network shares (``\\\\server\\x``), so ttlrun rejects every name with a
colon or a leading ``\\\\``. Drive and share names also get a warning.

Share modes: Tera Term opens files with Windows share modes, so while a
macro holds a file open, for example, filedelete and filetruncate of that
file fail. ``_share_conflict`` applies the same rules between the handles
of one macro. POSIX has no share modes, so other processes are unaffected.

Read-only files: ``getfileattr`` reports a file whose owner write bit is
clear as read-only, and the commands that Windows refuses on read-only
files (opening for writing, deleting, copying over it) fail on such files
here too, even when the process runs as root.
"""

from __future__ import annotations

import errno
import fcntl
import io
import os
import re
import shutil
import stat
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ttl.commands import Ref, command
from ttl.errors import MacroRuntimeError
from ttl.expressions import wrap

if TYPE_CHECKING:
    from ttl.machine import Machine


FILE_HANDLES = 16
FIND_HANDLES = 8
_CHUNK = 65536
_LOCK_POLL_SECONDS = 0.05

# Windows access rights and share flags, for the share-mode rules.
_READ = 1
_WRITE = 2
_DELETE = 4
_SHARE_ALL = _READ | _WRITE | _DELETE

# Windows file attribute bits returned by getfileattr.
ATTR_READONLY = 0x1
ATTR_HIDDEN = 0x2
ATTR_DIRECTORY = 0x10
ATTR_NORMAL = 0x80
ATTR_REPARSE_POINT = 0x400


# -- per-machine state -----------------------------------------------------


@dataclass
class OpenFile:
    """A file handle: the open file, its Windows access and share mode, and its marks."""

    file: io.FileIO
    access: int
    share: int
    identity: tuple[int, int]  # (st_dev, st_ino) when opened
    mark: int = 0  # position saved by filemarkptr
    locked: bool = False


@dataclass
class FindSearch:
    """A findfirst search: the matching names and how many findnext has returned."""

    names: list[bytes]
    position: int = 0


@dataclass
class FileState:
    """The file and search handles of one machine."""

    files: list[OpenFile | None] = field(default_factory=lambda: [None] * FILE_HANDLES)
    finds: list[FindSearch | None] = field(default_factory=lambda: [None] * FIND_HANDLES)
    warned_paths: set[bytes] = field(default_factory=set)


_STATES: weakref.WeakKeyDictionary[Machine, FileState] = weakref.WeakKeyDictionary()


def _state(m: Machine) -> FileState:
    state = _STATES.get(m)
    if state is None:
        state = FileState()
        _STATES[m] = state
    return state


def close_files(m: Machine) -> None:
    """Close every file and search handle that the macro left open."""
    state = _STATES.pop(m, None)
    if state is None:
        return
    for handle in state.files:
        if handle is not None:
            handle.file.close()


def _open_file(m: Machine, number: int) -> OpenFile | None:
    if 0 <= number < FILE_HANDLES:
        return _state(m).files[number]
    return None


def _add_file(m: Machine, handle: OpenFile) -> int:
    """Store ``handle`` in the lowest free slot and return its number, or -1 when all are in use."""
    files = _state(m).files
    for number, slot in enumerate(files):
        if slot is None:
            files[number] = handle
            return number
    return -1


# -- file names ------------------------------------------------------------


def _resolve(m: Machine, command_name: str, raw: bytes) -> Path | None:
    """Resolve a macro's file name, or return None for a name Tera Term calls invalid."""
    windows_only = (raw[:1].isalpha() and raw[1:2] == b":") or raw.startswith(b"\\\\")
    if windows_only:
        state = _state(m)
        if raw not in state.warned_paths:
            state.warned_paths.add(raw)
            display_name = raw.decode("utf-8", "replace")
            m.warn(f"{command_name}: '{display_name}' is a Windows drive or network path, "
                   "which this host does not have; it is treated as an invalid file name")
        return None
    if b":" in raw or b"\0" in raw:
        return None
    return m.resolve_path(raw)


def _require_name(m: Machine, command_name: str, raw: bytes, result: int | None = None) -> None:
    """Raise Tera Term's syntax error for an empty file name, after setting ``result`` if given."""
    if raw:
        return
    if result is not None:
        m.set_result(result)
    raise MacroRuntimeError(f"{command_name}: the file name is empty")


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def _share_conflict(m: Machine, path: Path, access: int, share: int) -> bool:
    """Tell whether opening ``path`` with this access and share mode would fail on Windows.

    Windows refuses an open when it requests access that an existing handle
    does not share, or when it does not share access that an existing
    handle holds. Only the macro's own handles are checked.
    """
    identity = _identity(path)
    if identity is None:
        return False
    for handle in _state(m).files:
        if handle is None or handle.identity != identity:
            continue
        if access & ~handle.share or handle.access & ~share:
            return True
    return False


def _is_read_only(path: Path) -> bool:
    """Tell whether ``path`` is an existing file without the owner write bit."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return False
    return not stat.S_ISDIR(info.st_mode) and not info.st_mode & stat.S_IWUSR


def _same_file(first: Path, second: Path) -> bool:
    if os.path.normpath(first) == os.path.normpath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except (OSError, ValueError):
        return False


# -- path strings ----------------------------------------------------------

_SEPARATORS = b"\\/"


def _name_start(path: bytes) -> tuple[int, int]:
    """Split ``path`` as Tera Term's GetFileNamePos does.

    Returns (directory length, file name position). The directory part
    excludes its last separator, but keeps a leading one (``\\x`` gives 1).
    A drive prefix such as ``c:`` and one leading separator are skipped first.
    """
    start = 2 if len(path) >= 2 and path[1:2] == b":" else 0
    if path[start : start + 1] in (b"\\", b"/"):
        start += 1
    directory_end = start
    name_start = start
    for index in range(start, len(path)):
        if path[index] in _SEPARATORS:
            directory_end = index
            name_start = index + 1
    return directory_end, name_start


def _strip_separators(path: bytes) -> bytes:
    """Remove trailing separators, but keep a root such as ``/``."""
    stripped = path.rstrip(_SEPARATORS)
    if not stripped and path:
        return path[:1]
    return stripped


@command("basename", "v s")
def basename(m: Machine, target: Ref, path: bytes) -> None:
    """Store the last component of ``path``; a path that ends in a separator gives ''."""
    _directory_end, name_start = _name_start(path)
    target.set(m, path[name_start:])


@command("dirname", "v s")
def dirname(m: Machine, target: Ref, path: bytes) -> None:
    """Store ``path`` without its last component and trailing separators (``c:\\a\\`` gives ``c:``)."""
    trimmed = _strip_separators(path)
    directory_end, _name_start_unused = _name_start(trimmed)
    target.set(m, _strip_separators(trimmed[:directory_end]))


@command("makepath", "v s s")
def makepath(m: Machine, target: Ref, directory: bytes, name: bytes) -> None:
    """Join ``directory`` and ``name`` with the host's separator unless ``directory`` ends in one.

    An empty directory gives a separator before the name, as in Tera Term.
    """
    if directory[-1:] in (b"\\", b"/"):
        target.set(m, directory + name)
    else:
        target.set(m, directory + os.fsencode(os.sep) + name)


@command("setdir", "s")
def setdir(m: Machine, raw: bytes) -> None:
    """Change the macro's current directory; a missing or unusable directory leaves it unchanged."""
    path = _resolve(m, "setdir", raw)
    if path is None:
        return
    normalized = Path(os.path.normpath(path))
    if normalized.is_dir() and os.access(normalized, os.X_OK):
        m.current_dir = normalized


# -- opening and closing ---------------------------------------------------


def _open_handle(m: Machine, path: Path, flags: int, access: int) -> OpenFile | None:
    """Open ``path`` with ``os.open`` flags as a Tera Term file handle, or return None."""
    if _share_conflict(m, path, access, access):
        return None
    if access & _WRITE and _is_read_only(path):
        return None
    try:
        descriptor = os.open(path, flags, 0o666)
    except (OSError, ValueError):
        return None
    info = os.fstat(descriptor)
    if stat.S_ISDIR(info.st_mode):
        os.close(descriptor)
        return None
    mode = "r+" if access & _WRITE else "r"
    return OpenFile(io.FileIO(descriptor, mode), access, access, (info.st_dev, info.st_ino))


@command("fileopen", "n s i i?")
def fileopen(m: Machine, target: Ref, raw: bytes, append: int, readonly: int = 0) -> None:
    """Open a file (created when missing unless read-only); store its handle or -1.

    Sets no ``result``. ``append`` puts the file pointer at the end once;
    later writes go where the pointer is.
    """
    _require_name(m, "fileopen", raw)
    path = _resolve(m, "fileopen", raw)
    handle = None
    if path is not None:
        if readonly:
            handle = _open_handle(m, path, os.O_RDONLY, _READ)
        else:
            handle = _open_handle(m, path, os.O_RDWR | os.O_CREAT, _READ | _WRITE)
    number = -1 if handle is None else _add_file(m, handle)
    if handle is not None:
        if number < 0:
            handle.file.close()
        elif append:
            handle.file.seek(0, os.SEEK_END)
    target.set(m, number)


@command("filecreate", "n s")
def filecreate(m: Machine, target: Ref, raw: bytes) -> None:
    """Create or empty a file and open it; result 0 ok, 2 failure, -1 invalid name.

    As in Tera Term, result is 0 but the handle -1 when the file was created
    while all 16 handles are in use.
    """
    _require_name(m, "filecreate", raw, result=1)
    path = _resolve(m, "filecreate", raw)
    if path is None:
        target.set(m, -1)
        m.set_result(-1)
        return
    handle = _open_handle(m, path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, _READ | _WRITE)
    m.set_result(2 if handle is None else 0)
    number = -1 if handle is None else _add_file(m, handle)
    if handle is not None and number < 0:
        handle.file.close()
    target.set(m, number)


@command("fileclose", "i")
def fileclose(m: Machine, number: int) -> None:
    handle = _open_file(m, number)
    if handle is not None:
        handle.file.close()
        _state(m).files[number] = None


# -- reading and writing ---------------------------------------------------


def _as_ttl_string(data: bytes) -> bytes:
    """Cut ``data`` at its first NUL byte, because a TTL string ends there in Tera Term."""
    end = data.find(b"\0")
    return data if end < 0 else data[:end]


def _read_line(file: io.FileIO) -> tuple[bytes, bool]:
    """Read one line ended by CR, LF or CR LF; return it and whether any byte was read.

    The file pointer ends just after the line end.
    """
    line = bytearray()
    read_any = False
    while True:
        chunk = file.read(_CHUNK)
        if not chunk:
            return bytes(line), read_any
        read_any = True
        match = re.search(b"[\r\n]", chunk)
        if match is None:
            line += chunk
            continue
        end = match.start()
        line += chunk[:end]
        consumed = end + 1
        if chunk[end : end + 1] == b"\r":
            if consumed == len(chunk):
                # The CR is the last byte read: peek at the next one.
                following = file.read(1)
                if following and following != b"\n":
                    file.seek(-1, os.SEEK_CUR)
                return bytes(line), True
            if chunk[consumed : consumed + 1] == b"\n":
                consumed += 1
        file.seek(consumed - len(chunk), os.SEEK_CUR)
        return bytes(line), True


@command("filereadln", "i v")
def filereadln(m: Machine, number: int, target: Ref) -> None:
    """Read a line without its end; result 1 only when no byte could be read.

    A last line without a line end gives result 0; the next call gives 1
    and ''. A handle that is not open gives result 1 and ''.
    """
    handle = _open_file(m, number)
    line, read_any = (b"", False)
    if handle is not None:
        try:
            line, read_any = _read_line(handle.file)
        except OSError as error:
            m.warn(f"filereadln: reading handle {number} failed: {error.strerror}")
    m.set_result(0 if read_any else 1)
    target.set(m, _as_ttl_string(line))


@command("fileread", "i i v")
def fileread(m: Machine, number: int, count: int, target: Ref) -> None:
    """Read ``count`` bytes; result 1 when the end of the file came first (the bytes read are kept).

    Tera Term limits ``count`` to 1..511; ttlrun only requires at least 1.
    """
    if count < 1:
        raise MacroRuntimeError(f"fileread: the byte count must be at least 1, not {count}")
    handle = _open_file(m, number)
    data = bytearray()
    if handle is not None:
        try:
            while len(data) < count:
                chunk = handle.file.read(min(_CHUNK, count - len(data)))
                if not chunk:
                    break
                data += chunk
        except OSError as error:
            m.warn(f"fileread: reading handle {number} failed: {error.strerror}")
    m.set_result(0 if len(data) == count else 1)
    target.set(m, _as_ttl_string(bytes(data)))


def _write(m: Machine, command_name: str, number: int, data: bytes) -> None:
    handle = _open_file(m, number)
    if handle is None:
        return
    if not handle.access & _WRITE:
        # Tera Term's WriteFile fails without a message on a read-only handle.
        return
    view = memoryview(data)
    try:
        while view:
            written = handle.file.write(view)
            view = view[written or 0 :]
    except OSError as error:
        m.warn(f"{command_name}: writing handle {number} failed: {error.strerror}")


def _data(value: Any) -> bytes:
    """Return a string's bytes, or the low byte of an integer."""
    if value.__class__ is int:
        return bytes([value & 0xFF])
    return bytes(value)


@command("filewrite", "i x")
def filewrite(m: Machine, number: int, value: Any) -> None:
    _write(m, "filewrite", number, _data(value))


@command("filewriteln", "i x")
def filewriteln(m: Machine, number: int, value: Any) -> None:
    """Write like filewrite, then CR LF (on every host, as Tera Term does)."""
    _write(m, "filewriteln", number, _data(value) + b"\r\n")


# -- the file pointer ------------------------------------------------------


@command("fileseek", "i i i")
def fileseek(m: Machine, number: int, offset: int, origin: int) -> None:
    """Move the file pointer from the start (0), the pointer (1) or the end (2).

    An unknown origin or a position before the start leaves the pointer
    unchanged, as Windows' SetFilePointer does.
    """
    handle = _open_file(m, number)
    if handle is None or origin not in (0, 1, 2):
        return
    file = handle.file
    base = (0, file.tell(), os.fstat(file.fileno()).st_size)[origin]
    if base + offset >= 0:
        file.seek(base + offset)


@command("filemarkptr", "i")
def filemarkptr(m: Machine, number: int) -> None:
    handle = _open_file(m, number)
    if handle is not None:
        handle.mark = handle.file.tell()


@command("fileseekback", "i")
def fileseekback(m: Machine, number: int) -> None:
    handle = _open_file(m, number)
    if handle is not None:
        handle.file.seek(handle.mark)


def _find_forward(file: io.FileIO, needle: bytes, start: int) -> int:
    """Return the offset of the first ``needle`` at or after ``start``, or -1."""
    carry = b""
    offset = start
    file.seek(start)
    while True:
        chunk = file.read(_CHUNK)
        if not chunk:
            return -1
        data = carry + chunk
        found = data.find(needle)
        if found >= 0:
            return offset - len(carry) + found
        carry = data[max(0, len(data) - len(needle) + 1) :] if len(needle) > 1 else b""
        offset += len(chunk)


def _find_backward(file: io.FileIO, needle: bytes, end: int) -> int:
    """Return the offset of the last ``needle`` that ends at or before ``end``, or -1."""
    carry = b""
    stop = end
    while stop > 0:
        begin = max(0, stop - _CHUNK)
        file.seek(begin)
        data = file.read(stop - begin) + carry
        found = data.rfind(needle)
        if found >= 0:
            return begin + found
        carry = data[: len(needle) - 1]
        stop = begin
    return -1


@command("filestrseek", "i s")
def filestrseek(m: Machine, number: int, needle: bytes) -> None:
    """Search forward from the pointer; found: pointer after the match, result 1; else 0.

    A handle that is not open leaves ``result`` unchanged, as in Tera Term.
    """
    if not needle:
        raise MacroRuntimeError("filestrseek: the search string is empty")
    handle = _open_file(m, number)
    if handle is None:
        return
    file = handle.file
    position = file.tell()
    found = _find_forward(file, needle, position)
    if found < 0:
        file.seek(position)
        m.set_result(0)
        return
    file.seek(found + len(needle))
    m.set_result(1)


@command("filestrseek2", "i s")
def filestrseek2(m: Machine, number: int, needle: bytes) -> None:
    """Search backward; found: pointer on the byte before the match (0 at the start), result 1.

    A match may end on the byte at the pointer, so repeated calls walk back
    through the file. A pointer at 0 gives result 0, as the manual states,
    which ends that walk. A handle that is not open leaves ``result``
    unchanged, as in Tera Term.
    """
    if not needle:
        raise MacroRuntimeError("filestrseek2: the search string is empty")
    handle = _open_file(m, number)
    if handle is None:
        return
    file = handle.file
    position = file.tell()
    size = os.fstat(file.fileno()).st_size
    found = _find_backward(file, needle, min(position + 1, size)) if position > 0 else -1
    if found < 0:
        file.seek(position)
        m.set_result(0)
        return
    file.seek(max(found - 1, 0))
    m.set_result(1)


# -- locks -----------------------------------------------------------------


def _idle(m: Machine, seconds: float) -> None:
    """Wait while a link, if there is one, keeps receiving."""
    if m.link is not None:
        m.link.idle(seconds)
    else:
        time.sleep(seconds)


@command("filelock", "i i?")
def filelock(m: Machine, number: int, timeout: int | None = None) -> None:
    """Lock the whole file for this handle; result 0 ok, 1 failure.

    ``timeout`` is in seconds: 0 tries once, omitted or negative waits until
    the lock is free (the manual's rule; Tera Term's code mis-scales it). The
    lock is an flock(2) lock, which other processes see only if they lock
    too. A handle that already holds the lock gives 1, as Windows' LockFile
    does.
    """
    handle = _open_file(m, number)
    if handle is None or handle.locked:
        m.set_result(1)
        return
    deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle.file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass
        except OSError as error:
            m.warn(f"filelock: locking handle {number} failed: {error.strerror}")
            m.set_result(1)
            return
        else:
            handle.locked = True
            m.set_result(0)
            return
        if deadline is not None and time.monotonic() >= deadline:
            m.set_result(1)
            return
        _idle(m, _LOCK_POLL_SECONDS)


@command("fileunlock", "i")
def fileunlock(m: Machine, number: int) -> None:
    """Release the lock of filelock; result 0 ok, 1 when the handle holds no lock."""
    handle = _open_file(m, number)
    if handle is None or not handle.locked:
        m.set_result(1)
        return
    fcntl.flock(handle.file.fileno(), fcntl.LOCK_UN)
    handle.locked = False
    m.set_result(0)


# -- files by name ---------------------------------------------------------


@command("filesearch", "s")
def filesearch(m: Machine, raw: bytes) -> None:
    """Set result 1 when a file or folder of that name exists, else 0."""
    _require_name(m, "filesearch", raw)
    path = _resolve(m, "filesearch", raw)
    m.set_result(1 if path is not None and path.exists() else 0)


@command("foldersearch", "s")
def foldersearch(m: Machine, raw: bytes) -> None:
    """Set result 1 when a folder of that name exists, else 0."""
    _require_name(m, "foldersearch", raw)
    path = _resolve(m, "foldersearch", raw)
    m.set_result(1 if path is not None and path.is_dir() else 0)


def _stat_for_reading(m: Machine, path: Path) -> os.stat_result | None:
    """Stat a file the way Tera Term does, by opening it for reading; folders fail."""
    if _share_conflict(m, path, _READ, _READ):
        return None
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except (OSError, ValueError):
        return None
    try:
        info = os.fstat(descriptor)
    finally:
        os.close(descriptor)
    return None if stat.S_ISDIR(info.st_mode) else info


@command("filestat", "s n? v? v?", creates_outputs=False)
def filestat(m: Machine, raw: bytes, size: Ref | None = None, mtime: Ref | None = None,
             drive: Ref | None = None) -> None:
    """Store size, local modification time and drive letter; result 0 ok, -1 failure.

    The size wraps to 32 bits. The drive is the upper-case first letter of
    the absolute path, so it is always ``?`` on a POSIX host. On failure the
    variables are not changed.
    """
    if not raw:
        raise MacroRuntimeError("filestat: the file name is empty")
    path = _resolve(m, "filestat", raw)
    info = None if path is None else _stat_for_reading(m, path)
    if path is None or info is None:
        m.set_result(-1)
        return
    if size is not None:
        size.set(m, wrap(info.st_size))
    if mtime is not None:
        local = time.localtime(info.st_mtime_ns // 1_000_000_000)
        mtime.set(m, time.strftime("%Y-%m-%d %H:%M:%S", local).encode("ascii"))
    if drive is not None:
        first = os.fsencode(str(path))[:1]
        drive.set(m, first.upper() if first.isalpha() else b"?")
    m.set_result(0)


@command("filetruncate", "s i?")
def filetruncate(m: Machine, raw: bytes, size: int | None = None) -> None:
    """Set the file's size, creating the file when missing; result 0 ok, -1 failure.

    Growing the file adds NUL bytes. A missing size sets result -1 and stops
    the macro, as in Tera Term.
    """
    if not raw:
        raise MacroRuntimeError("filetruncate: the file name is empty")
    path = _resolve(m, "filetruncate", raw)
    m.set_result(-1)
    if path is None:
        return
    if size is None:
        raise MacroRuntimeError("filetruncate: the size is missing; usage: filetruncate <file> <size>")
    if _share_conflict(m, path, _READ | _WRITE, 0) or _is_read_only(path):
        return
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except (OSError, ValueError):
        return
    try:
        if size >= 0:
            os.ftruncate(descriptor, size)
            m.set_result(0)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _append_file(m: Machine, target: Path, source: Path) -> int:
    """Append ``source`` to ``target`` and return fileconcat's result."""
    if _share_conflict(m, target, _WRITE, 0) or _is_read_only(target):
        return 3
    try:
        output = open(target, "ab")
    except OSError:
        return 3
    with output:
        if _share_conflict(m, source, _READ, _READ) or source.is_dir():
            return _source_missing(m, source)
        try:
            data_source = open(source, "rb")
        except OSError:
            return _source_missing(m, source)
        with data_source:
            return _copy_stream(data_source, output)


def _source_missing(m: Machine, source: Path) -> int:
    m.warn(f"fileconcat: cannot read {source}; nothing was appended, and result is 0 as in Tera Term")
    return 0


def _copy_stream(source: Any, output: Any) -> int:
    while True:
        try:
            chunk = source.read(_CHUNK)
        except OSError:
            return -4
        if not chunk:
            return 0
        try:
            output.write(chunk)
            output.flush()
        except OSError:
            return -5


@command("fileconcat", "s s")
def fileconcat(m: Machine, raw_target: bytes, raw_source: bytes) -> None:
    """Append the second file to the first, which is created when missing.

    Results: 0 ok, 2 same file, 3 first file not writable, -1 or -2 invalid
    name, -4 read error, -5 write error. Tera Term also gives 0 when the
    second file cannot be read, so ttlrun does too, with a warning.
    """
    if not raw_target or not raw_source:
        m.set_result(1)
        raise MacroRuntimeError("fileconcat: a file name is empty")
    target = _resolve(m, "fileconcat", raw_target)
    if target is None:
        m.set_result(-1)
        return
    source = _resolve(m, "fileconcat", raw_source)
    if source is None:
        m.set_result(-2)
        return
    if _same_file(target, source):
        m.set_result(2)
        return
    m.set_result(_append_file(m, target, source))


def _copy_file(m: Machine, source: Path, target: Path) -> bool:
    if _share_conflict(m, source, _READ, _READ) or _share_conflict(m, target, _WRITE, 0):
        return False
    if source.is_dir() or target.is_dir() or _is_read_only(target):
        return False
    try:
        shutil.copyfile(source, target)
    except (OSError, ValueError):
        return False
    try:
        # Windows' CopyFile keeps the times and attributes; a failure here is not a copy failure.
        shutil.copystat(source, target)
    except OSError:
        pass
    return True


def _two_paths(m: Machine, name: str, raw_source: bytes, raw_target: bytes) -> tuple[Path, Path] | None:
    """Resolve the two names of filecopy or filerename; on failure set result (-1 or -2) and return None.

    An empty name sets result 1 and stops the macro, as Tera Term's syntax error does.
    """
    if not raw_source or not raw_target:
        m.set_result(1)
        raise MacroRuntimeError(f"{name}: a file name is empty")
    source = _resolve(m, name, raw_source)
    if source is None:
        m.set_result(-1)
        return None
    target = _resolve(m, name, raw_target)
    if target is None:
        m.set_result(-2)
        return None
    return source, target


@command("filecopy", "s s")
def filecopy(m: Machine, raw_source: bytes, raw_target: bytes) -> None:
    """Copy a file, replacing the target; result 0 ok, -1/-2 invalid name, -3 same file, -4 failure."""
    paths = _two_paths(m, "filecopy", raw_source, raw_target)
    if paths is None:
        return
    source, target = paths
    if _same_file(source, target):
        m.set_result(-3)
        return
    m.set_result(0 if _copy_file(m, source, target) else -4)


@command("filedelete", "s")
def filedelete(m: Machine, raw: bytes) -> None:
    """Delete a file (not a folder); result 0 ok, -1 failure or invalid name."""
    _require_name(m, "filedelete", raw, result=1)
    path = _resolve(m, "filedelete", raw)
    if path is None or path.is_dir() or _is_read_only(path) or _share_conflict(m, path, _DELETE, _SHARE_ALL):
        m.set_result(-1)
        return
    try:
        os.unlink(path)
    except (OSError, ValueError):
        m.set_result(-1)
        return
    m.set_result(0)


def _rename(m: Machine, source: Path, target: Path) -> bool:
    """Rename as Windows' MoveFile does: never over an existing name; files may change file system."""
    if os.path.lexists(target) or _share_conflict(m, source, _DELETE, _SHARE_ALL):
        return False
    try:
        os.rename(source, target)
    except OSError as error:
        if error.errno != errno.EXDEV or source.is_dir():
            return False
        try:
            shutil.move(source, target)
        except OSError:
            return False
    return True


@command("filerename", "s s")
def filerename(m: Machine, raw_source: bytes, raw_target: bytes) -> None:
    """Rename a file or folder; result 0 ok, 2 same file, -1/-2 invalid name, -3 failure."""
    paths = _two_paths(m, "filerename", raw_source, raw_target)
    if paths is None:
        return
    source, target = paths
    if raw_source == raw_target or _same_file(source, target):
        m.set_result(2)
        return
    m.set_result(0 if _rename(m, source, target) else -3)


# -- folders ---------------------------------------------------------------


def _change_folder(m: Machine, name: str, raw: bytes, action: Callable[[Path], None]) -> None:
    """Run ``action`` on a folder path; result 0 ok, 2 failure, -1 invalid name."""
    _require_name(m, name, raw, result=1)
    path = _resolve(m, name, raw)
    if path is None:
        m.set_result(-1)
        return
    try:
        action(path)
    except (OSError, ValueError):
        m.set_result(2)
        return
    m.set_result(0)


@command("foldercreate", "s")
def foldercreate(m: Machine, raw: bytes) -> None:
    """Create one folder (not its parents)."""
    _change_folder(m, "foldercreate", raw, os.mkdir)


@command("folderdelete", "s")
def folderdelete(m: Machine, raw: bytes) -> None:
    """Delete an empty folder."""
    _change_folder(m, "folderdelete", raw, os.rmdir)


# -- findfirst, findnext, findclose ----------------------------------------


def _wildcard(pattern: str) -> re.Pattern[str]:
    """Compile a Windows wildcard: ``*`` any run, ``?`` one character, case ignored.

    A trailing ``.*`` also matches names without a dot, so ``*.*`` matches
    every name. NOTE: Windows also lets ``?`` match nothing before a dot or
    at the end of a name; here it always matches exactly one character.
    """
    optional_extension = pattern.endswith(".*")
    if optional_extension:
        pattern = pattern[:-2]
    parts = []
    for character in pattern:
        if character == "*":
            parts.append(".*")
        elif character == "?":
            parts.append(".")
        else:
            parts.append(re.escape(character))
    if optional_extension:
        parts.append(r"(\..*)?")
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _matching_names(m: Machine, raw: bytes) -> list[bytes]:
    """List the names in a pattern's folder that its last component matches, sorted, with . and .."""
    path = _resolve(m, "findfirst", raw or b"*.*")
    if path is None or raw[-1:] in (b"\\", b"/"):
        return []
    try:
        entries = os.listdir(path.parent)
    except (OSError, ValueError):
        return []
    matcher = _wildcard(path.name)
    names = [".", ".."] + sorted(entries, key=lambda name: (name.casefold(), name))
    return [os.fsencode(name) for name in names if matcher.fullmatch(name)]


@command("findfirst", "n s v")
def findfirst(m: Machine, target: Ref, pattern: bytes, name: Ref) -> None:
    """Start a wildcard search (an empty pattern means ``*.*``).

    Found: handle 0..7, the first name, result 1. Otherwise handle -1, '' and
    result 0. The names are those present when findfirst runs.
    """
    finds = _state(m).finds
    number = next((index for index, slot in enumerate(finds) if slot is None), -1)
    names = _matching_names(m, pattern) if number >= 0 else []
    if not names:
        target.set(m, -1)
        name.set(m, b"")
        m.set_result(0)
        return
    finds[number] = FindSearch(names, 1)
    target.set(m, number)
    name.set(m, names[0])
    m.set_result(1)


@command("findnext", "i v")
def findnext(m: Machine, number: int, name: Ref) -> None:
    """Store the next name of a search and set result 1, or '' and 0 at its end."""
    search = _state(m).finds[number] if 0 <= number < FIND_HANDLES else None
    if search is None or search.position >= len(search.names):
        name.set(m, b"")
        m.set_result(0)
        return
    name.set(m, search.names[search.position])
    search.position += 1
    m.set_result(1)


@command("findclose", "i")
def findclose(m: Machine, number: int) -> None:
    if 0 <= number < FIND_HANDLES:
        _state(m).finds[number] = None


# -- attributes ------------------------------------------------------------


@command("getfileattr", "s")
def getfileattr(m: Machine, raw: bytes) -> None:
    """Set result to the Windows attribute bits of a file or folder, or -1 when it is missing.

    POSIX has no attribute bits, so they are derived:

    - $1 read-only: the owner write bit is clear;
    - $2 hidden: the name starts with ``.``;
    - $10 directory;
    - $400 reparse point: the name is a symbolic link (the other bits
      describe the link's target);
    - $80 normal: none of the above.

    System ($4), archive ($20) and the others are never set. An empty
    name gives the current directory's attributes, as in Tera Term.
    """
    path = _resolve(m, "getfileattr", raw)
    if path is None:
        m.set_result(-1)
        return
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        m.set_result(-1)
        return
    attributes = 0
    if not info.st_mode & stat.S_IWUSR:
        attributes |= ATTR_READONLY
    if os.path.basename(os.path.normpath(path)).startswith("."):
        attributes |= ATTR_HIDDEN
    if stat.S_ISDIR(info.st_mode):
        attributes |= ATTR_DIRECTORY
    if os.path.islink(path):
        attributes |= ATTR_REPARSE_POINT
    m.set_result(attributes or ATTR_NORMAL)


@command("setfileattr", "s i")
def setfileattr(m: Machine, raw: bytes, attributes: int) -> None:
    """Apply the read-only bit ($1) of Windows attributes; result 1 ok, 0 failure.

    Read-only clears all write bits; without $1 the owner write bit is set
    again if it was clear. The other bits have no POSIX equivalent and are
    ignored: hidden would need a rename.
    """
    path = _resolve(m, "setfileattr", raw)
    if path is None:
        m.set_result(0)
        return
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if attributes & ATTR_READONLY:
            mode &= ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
        else:
            mode |= stat.S_IWUSR
        os.chmod(path, mode)
    except (OSError, ValueError):
        m.set_result(0)
        return
    m.set_result(1)
