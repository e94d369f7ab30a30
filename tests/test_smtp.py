"""End-to-end tests of the SMTP example macros against real SMTP peers.

The macros macros/smtp/bare-lf.ttl and clean.ttl take HOST PORT [RECIPIENT]
and send a message from a data file with sendfile. They print the server's
verdict line. Their exit status is 0 when the server accepted the message
(250), 3 when it rejected it (550 or 451) and 4 when no verdict came.

- Postfix, configured by .ci/run, is the policy oracle: it rejects a bare LF.
- aiosmtpd is the byte oracle: it stores the DATA bytes exactly as received.
- A scripted peer that hangs up during DATA checks ttlrun's error path.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from peers import list_maildir_messages, split_message, strip_trace_headers, wait_for_new_message

MACRO_DIR = Path(__file__).resolve().parents[1] / "macros"
SMTP_DIR = MACRO_DIR / "smtp"
MACROS = {"bare-lf": "smtp/bare-lf.ttl", "clean": "smtp/clean.ttl"}
DATA_FILES = {"bare-lf": SMTP_DIR / "bare-lf.dat", "clean": SMTP_DIR / "clean.dat"}

EXIT_ACCEPTED = 0
EXIT_RUNTIME_ERROR = 1
EXIT_REJECTED = 3
EXIT_NO_VERDICT = 4

# ttlrun prints a diagnostic as FILE:LINE: KIND: MESSAGE, optionally with a
# column after the line, where KIND is "error" or "warning".
DIAGNOSTIC = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+)(?::\d+)?: (?P<kind>error|warning): (?P<message>.+)$",
    re.MULTILINE,
)

# An SMTP reply code inside a line of output, such as "[rejected] 550 5.5.2 ...".
SMTP_REPLY_CODE = re.compile(r"(?<!\d)([2-5]\d\d)[ -]")

UNRESOLVABLE_HOST = "ttlrun-test.invalid"


def read_data_file(name: str) -> bytes:
    return DATA_FILES[name].read_bytes()


def expected_smtp_content(data: bytes) -> bytes:
    """Return the DATA content a server stores for ``data`` sent before the final dot.

    SMTP ends the content with CR LF before the dot, so a data file without a
    final CR LF arrives with one.
    """
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def has_bare_lf(data: bytes) -> bool:
    return re.search(rb"(?<!\r)\n", data) is not None


def last_verdict(stdout: str) -> tuple[str, str]:
    """Return the reply code and the text of the last ``stdout`` line with an SMTP reply code.

    Returns ("", "") when no line has one.
    """
    for line in reversed(stdout.splitlines()):
        match = SMTP_REPLY_CODE.search(line)
        if match:
            return match.group(1), line
    return "", ""


def assert_one_diagnostic(result, kind: str) -> re.Match:
    """Check that stderr has exactly one diagnostic, of ``kind``, naming a line of a macro in macros/smtp.

    The named file can be the macro given to ttlrun or a file it includes.
    """
    assert "Traceback" not in result.stderr, result.describe()

    diagnostics = list(DIAGNOSTIC.finditer(result.stderr))
    assert [diagnostic["kind"] for diagnostic in diagnostics] == [kind], result.describe()

    diagnostic = diagnostics[0]
    path = Path(diagnostic["file"])
    if not path.is_absolute():
        path = SMTP_DIR / path
    assert path.suffix == ".ttl", result.describe()
    assert path.resolve().parent == SMTP_DIR, result.describe()

    macro_lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    assert 1 <= int(diagnostic["line"]) <= len(macro_lines), result.describe()
    return diagnostic


# --- data files --------------------------------------------------------------


def test_data_files_line_endings():
    bare_lf = read_data_file("bare-lf")
    clean = read_data_file("clean")

    assert has_bare_lf(bare_lf), "bare-lf.dat must contain a LF without a CR before it"
    assert not has_bare_lf(clean), "clean.dat must end every line with CR LF"
    assert b"\r\n\r\n" in bare_lf, "bare-lf.dat must have an empty line between header and body"
    assert b"\r\n\r\n" in clean, "clean.dat must have an empty line between header and body"


# --- Postfix: the bare-LF policy of a real MTA -------------------------------


@pytest.mark.peer
def test_postfix_rejects_bare_lf(postfix, run_ttlrun):
    data = read_data_file("bare-lf")

    result = run_ttlrun(MACROS["bare-lf"], postfix.host, str(postfix.port), postfix.recipient)

    assert result.returncode == EXIT_REJECTED, result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    code, verdict = last_verdict(result.stdout)
    assert code == "550", result.describe()
    assert "bare <LF> received" in verdict, result.describe()

    sent, received = result.transcript_streams()
    assert data in sent, "the transcript's sent bytes do not contain bare-lf.dat unchanged"
    assert b"bare <LF> received" in received


@pytest.mark.peer
def test_postfix_delivers_clean_message(postfix, run_ttlrun):
    data = read_data_file("clean")
    known_messages = list_maildir_messages(postfix.maildir)

    result = run_ttlrun(MACROS["clean"], postfix.host, str(postfix.port), postfix.recipient)

    assert result.returncode == EXIT_ACCEPTED, result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    code, _ = last_verdict(result.stdout)
    assert code == "250", result.describe()

    delivered = wait_for_new_message(postfix.maildir, known_messages)
    assert delivered is not None, f"no new message in {postfix.maildir} within 20 s after 250"

    # Postfix stores messages with LF line ends.
    stored = strip_trace_headers(delivered.read_bytes())
    expected = expected_smtp_content(data).replace(b"\r\n", b"\n")
    stored_headers, stored_body = split_message(stored, b"\n")
    expected_headers, expected_body = split_message(expected, b"\n")

    assert stored_body == expected_body, f"body of {delivered} differs from clean.dat"
    for header_line in expected_headers:
        assert header_line in stored_headers, f"header line {header_line!r} of clean.dat is missing in {delivered}"


# --- aiosmtpd: exact bytes ---------------------------------------------------


@pytest.mark.parametrize("name", ["bare-lf", "clean"])
def test_aiosmtpd_receives_exact_bytes(name, smtp_capture, run_ttlrun):
    data = read_data_file(name)

    result = run_ttlrun(MACROS[name], smtp_capture.host, str(smtp_capture.port))

    assert result.returncode == EXIT_ACCEPTED, result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    code, _ = last_verdict(result.stdout)
    assert code == "250", result.describe()

    assert len(smtp_capture.messages) == 1, result.describe()
    content = smtp_capture.messages[0].original_content
    assert content == expected_smtp_content(data), f"aiosmtpd received {content!r}"
    assert has_bare_lf(content) == has_bare_lf(data)


# --- a peer that hangs up during DATA ----------------------------------------


def test_hangup_during_data(hangup_peer, run_ttlrun):
    """A peer that hangs up during DATA ends the run with one error and a complete transcript.

    After a RST the next send fails. After a FIN the wait for the verdict
    finds end of file and the macro's next send fails.
    """
    result = run_ttlrun(MACROS["bare-lf"], hangup_peer.host, str(hangup_peer.port))
    hangup_peer.stop()

    assert hangup_peer.error is None, f"the hang-up peer failed: {hangup_peer.error!r}"
    assert hangup_peer.hung_up.is_set(), "the peer never reached DATA, so it did not hang up"

    assert result.returncode == EXIT_RUNTIME_ERROR, result.describe()
    assert_one_diagnostic(result, "error")

    sent, received = result.transcript_streams()
    assert received == hangup_peer.sent, "the transcript's received bytes differ from what the peer sent"
    assert sent.startswith(hangup_peer.received), "the transcript's sent bytes do not start with what the peer received"
    if hangup_peer.mode == "fin":
        # The peer keeps reading after its FIN, so it saw every byte ttlrun sent.
        assert sent == hangup_peer.received


# --- connection errors -------------------------------------------------------


def test_connection_refused(closed_port, run_ttlrun):
    """A refused connect is a warning, and the macro exits with its no-verdict status 4.

    As in Tera Term, a failed connect sets ``result`` instead of stopping the
    macro, and smtp-send.ttl checks ``result``.
    """
    result = run_ttlrun(MACROS["bare-lf"], "127.0.0.1", str(closed_port))

    assert result.returncode == EXIT_NO_VERDICT, result.describe()
    warning = assert_one_diagnostic(result, "warning")
    assert "refused" in warning["message"].lower(), result.describe()
    assert f"127.0.0.1:{closed_port}" in warning["message"], result.describe()


def test_unknown_host(run_ttlrun):
    """A host name that does not resolve is a warning naming the host, and the macro exits with status 4."""
    result = run_ttlrun(MACROS["bare-lf"], UNRESOLVABLE_HOST, "25")

    assert result.returncode == EXIT_NO_VERDICT, result.describe()
    warning = assert_one_diagnostic(result, "warning")
    assert UNRESOLVABLE_HOST in warning["message"], result.describe()
