"""Telnet (RFC 854) as Tera Term 5 speaks it, over a TCP connection.

``TelnetProtocol`` is the byte-level protocol without a socket: option
negotiation, sub-negotiation replies, IAC and CR NUL framing. The rules
follow Tera Term 5's ``teraterm/teraterm/telnet.c`` (negotiation) and
``teraterm/ttpcmn/ttcmn_buff.c`` (framing):

- Tera Term agrees to enable BINARY, SGA, TTYPE, TSPEED and NAWS on its own
  side (it replies WILL to DO) and BINARY, SGA, ECHO and NAWS on the
  server's side (it replies DO to WILL). It rejects every other option
  (WONT, DONT). Options above 34 (LINEMODE) are always rejected, even when
  the server disables them with WONT or DONT.
- On port 23 Tera Term starts the negotiation itself with WILL TTYPE, DO SGA,
  WILL SGA, DO ECHO, WILL NAWS, then WILL BINARY and DO BINARY with ``/B``,
  then WILL TSPEED. On other ports it only replies.
- The reply to TTYPE SEND is "xterm", to TSPEED SEND "38400,38400", and to
  each accepted DO NAWS a window size of 80 columns by 24 lines: the values
  of Tera Term's shipped TERATERM.INI.
- Sent 0xFF bytes are doubled. A sent CR is followed by NUL until the server
  agrees to BINARY on Tera Term's side (DO BINARY). For text this applies
  only while sendln's newline is CR, because Tera Term adds the NUL there
  only when its Transmit newline is CR.
- Received IAC IAC is the data byte 0xFF, a NUL right after a CR is dropped
  until the server enables BINARY on its side, and all other telnet commands
  are removed from the data.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, cast

from ttl.transports import register
from ttl.transports.tcp import TcpTransport

if TYPE_CHECKING:
    from ttl.connect_line import ConnectRequest
    from ttl.machine import Options

# Telnet commands (RFC 854).
SE = 240
NOP = 241
BREAK = 243
SB = 250
WILL = 251
WONT = 252
DO = 253
DONT = 254
IAC = 255

# Telnet options that Tera Term handles.
BINARY = 0  # RFC 856
ECHO = 1  # RFC 857
SGA = 3  # RFC 858, suppress go-ahead
TTYPE = 24  # RFC 1091, terminal type
NAWS = 31  # RFC 1073, window size
TSPEED = 32  # RFC 1079, terminal speed

# Tera Term keeps negotiation state for options 0 to 34 (LINEMODE) only.
MAX_OPTION = 34

# Tera Term starts the negotiation only on its TelPort, 23 unless the INI
# file sets another.
NEGOTIATION_PORT = 23

TERMINAL_TYPE = b"xterm"  # Tera Term's TermType default
WINDOW_SIZE = (80, 24)  # columns, lines: Tera Term's TermSize default
TERMINAL_SPEED = (38400, 38400)  # input, output: Tera Term's TerminalSpeed default

# Tera Term stores at most 50 bytes of a sub-negotiation (option byte
# included). A longer one is abandoned and the bytes after it are data.
MAX_SUBNEGOTIATION = 50

TTYPE_SEND = 1  # RFC 1091 SEND, also TSPEED's SEND (RFC 1079)
TTYPE_IS = 0  # RFC 1091 IS, also TSPEED's IS

# Bytes that end a run of plain data in the receive path.
_SPECIAL_RECEIVED = re.compile(rb"[\r\xff]")
_IAC_ONLY = re.compile(rb"\xff")

_VERB_NAMES = {WILL: "WILL", WONT: "WONT", DO: "DO", DONT: "DONT"}


class OptionState(Enum):
    """RFC 1143 state of one side of an option.

    ttlrun never disables an option itself, so RFC 1143's WANTNO state and
    its queue never arise.
    """

    NO = "no"
    YES = "yes"
    WANT_YES = "want yes"  # ttlrun sent WILL or DO and waits for the server's reply


@dataclass
class OptionSide:
    """Negotiation state of options on one side of the connection.

    ``local`` is ttlrun's side (the server sends DO and DONT about it, ttlrun
    replies WILL or WONT), ``remote`` the server's side (WILL and WONT from
    the server, DO or DONT from ttlrun).
    """

    accepted: frozenset[int]
    enable_verb: int  # the verb ttlrun sends to agree: WILL for local, DO for remote
    disable_verb: int  # the verb ttlrun sends to reject: WONT for local, DONT for remote
    states: list[OptionState] = field(init=False)

    def __post_init__(self) -> None:
        self.states = [OptionState.NO] * (MAX_OPTION + 1)

    def is_enabled(self, option: int) -> bool:
        return option <= MAX_OPTION and self.states[option] is OptionState.YES


class _Receive(Enum):
    """Position of the receive parser in the byte stream."""

    DATA = "data"
    COMMAND = "after IAC"
    OPTION = "after WILL, WONT, DO or DONT"
    SUBNEGOTIATION = "inside SB"
    SUBNEGOTIATION_IAC = "after IAC inside SB"


class TelnetProtocol:
    """Telnet negotiation and framing without a socket: bytes in, bytes out.

    ``decode`` takes received bytes and returns the data and the replies to
    send back; ``encode`` frames data to send. ``greeting`` returns the
    negotiation that ttlrun starts on its own (empty unless ``initiate``).
    """

    def __init__(self, *, initiate: bool = False, request_binary: bool = False,
                 cr_nul_in_text: bool = True) -> None:
        self.local = OptionSide(frozenset({BINARY, SGA, TTYPE, TSPEED, NAWS}), WILL, WONT)
        self.remote = OptionSide(frozenset({BINARY, SGA, ECHO, NAWS}), DO, DONT)
        self.cr_nul_in_text = cr_nul_in_text
        self.binary_send = False  # the server agreed to DO BINARY: CR goes out without NUL
        self.binary_receive = False  # the server agreed to WILL BINARY: CR NUL is not decoded
        self._state = _Receive.DATA
        self._verb = 0
        self._after_cr = False
        self._subnegotiation = bytearray()
        self._pending = bytearray()
        if initiate:
            self._start_negotiation(request_binary)

    # -- starting ----------------------------------------------------------

    def _start_negotiation(self, request_binary: bool) -> None:
        """Queue Tera Term's opening requests, in Tera Term's order."""
        requests = [(self.local, TTYPE), (self.remote, SGA), (self.local, SGA),
                    (self.remote, ECHO), (self.local, NAWS)]
        if request_binary:
            requests += [(self.local, BINARY), (self.remote, BINARY)]
        requests.append((self.local, TSPEED))
        for side, option in requests:
            side.states[option] = OptionState.WANT_YES
            self._pending += bytes((IAC, side.enable_verb, option))

    def greeting(self) -> bytes:
        """Return the queued negotiation that ttlrun starts itself, once; b"" afterwards."""
        pending = bytes(self._pending)
        self._pending.clear()
        return pending

    # -- receiving ---------------------------------------------------------

    def decode(self, raw: bytes) -> tuple[bytes, bytes]:
        """Split received bytes into (data, replies to send), keeping state across calls.

        The replies start with the queued greeting if it has not gone out yet.
        """
        data = bytearray()
        replies = bytearray(self.greeting())
        index = 0
        end = len(raw)
        while index < end:
            if self._state is _Receive.DATA:
                index = self._take_data(raw, index, data)
                continue
            self._take_protocol_byte(raw[index], data, replies)
            index += 1
        return bytes(data), bytes(replies)

    def _take_data(self, raw: bytes, index: int, data: bytearray) -> int:
        """Copy plain data up to the next CR or IAC, and handle that byte; return the next index."""
        if self._after_cr:
            self._after_cr = False
            if raw[index] == 0:
                return index + 1
        special = _IAC_ONLY if self.binary_receive else _SPECIAL_RECEIVED
        match = special.search(raw, index)
        if match is None:
            data += raw[index:]
            return len(raw)
        stop = match.start()
        data += raw[index:stop]
        if raw[stop] == IAC:
            self._state = _Receive.COMMAND
        else:
            data.append(raw[stop])
            self._after_cr = True
        return stop + 1

    def _take_protocol_byte(self, byte: int, data: bytearray, replies: bytearray) -> None:
        state = self._state
        if state is _Receive.COMMAND:
            self._take_command(byte, data)
        elif state is _Receive.OPTION:
            self._state = _Receive.DATA
            replies += self._negotiate(self._verb, byte)
        elif state is _Receive.SUBNEGOTIATION:
            if byte == IAC:
                self._state = _Receive.SUBNEGOTIATION_IAC
            else:
                self._store_subnegotiation(byte)
        else:
            self._take_subnegotiation_iac(byte, replies)

    def _take_command(self, byte: int, data: bytearray) -> None:
        """Handle the byte after IAC outside a sub-negotiation."""
        self._state = _Receive.DATA
        if byte == IAC:
            data.append(IAC)
        elif byte in _VERB_NAMES:
            self._verb = byte
            self._state = _Receive.OPTION
        elif byte == SB:
            self._subnegotiation.clear()
            self._state = _Receive.SUBNEGOTIATION
        # Every other byte (NOP, DM, BRK, IP, AO, AYT, EC, EL, GA, EOR, a
        # stray SE or a byte that is no command) is dropped, as Tera Term does.

    def _take_subnegotiation_iac(self, byte: int, replies: bytearray) -> None:
        """Handle the byte after IAC inside SB: SE ends it, IAC IAC is 0xFF."""
        self._state = _Receive.SUBNEGOTIATION
        if byte == SE:
            replies += self._reply_to_subnegotiation(bytes(self._subnegotiation))
            self._subnegotiation.clear()
            self._state = _Receive.DATA
            return
        # Tera Term keeps any other command byte inside SB as data, after the IAC.
        if byte != IAC and not self._store_subnegotiation(IAC):
            return
        self._store_subnegotiation(byte)

    def _store_subnegotiation(self, byte: int) -> bool:
        """Add a sub-negotiation byte; abandon the sub-negotiation when it is too long."""
        if len(self._subnegotiation) >= MAX_SUBNEGOTIATION:
            self._subnegotiation.clear()
            self._state = _Receive.DATA
            return False
        self._subnegotiation.append(byte)
        return True

    # -- negotiation -------------------------------------------------------

    def _negotiate(self, verb: int, option: int) -> bytes:
        """Apply the server's WILL, WONT, DO or DONT for ``option``; return the reply."""
        side = self.remote if verb in (WILL, WONT) else self.local
        if verb in (WILL, DO):
            reply = self._on_enable_request(side, option)
        else:
            reply = self._on_disable_request(side, option)
        if option == BINARY:
            self._update_binary(side)
        if verb == DO and option == NAWS and self.local.is_enabled(NAWS):
            reply += window_size_message(*WINDOW_SIZE)
        return reply

    def _on_enable_request(self, side: OptionSide, option: int) -> bytes:
        """Handle WILL (server side) or DO (ttlrun's side) per RFC 1143."""
        if option > MAX_OPTION:
            return bytes((IAC, side.disable_verb, option))
        state = side.states[option]
        if state is OptionState.WANT_YES:
            side.states[option] = OptionState.YES  # the server's reply to ttlrun's own request
        elif state is OptionState.NO:
            if option not in side.accepted:
                return bytes((IAC, side.disable_verb, option))
            side.states[option] = OptionState.YES
            return bytes((IAC, side.enable_verb, option))
        return b""

    def _on_disable_request(self, side: OptionSide, option: int) -> bytes:
        """Handle WONT (server side) or DONT (ttlrun's side) per RFC 1143."""
        if option > MAX_OPTION:
            # Tera Term replies even here, although the option was never on.
            return bytes((IAC, side.disable_verb, option))
        state = side.states[option]
        side.states[option] = OptionState.NO
        if state is OptionState.YES:
            return bytes((IAC, side.disable_verb, option))
        return b""

    def _update_binary(self, side: OptionSide) -> None:
        """Follow BINARY's state, which stays unchanged while a request is pending."""
        state = side.states[BINARY]
        if state is OptionState.WANT_YES:
            return
        enabled = state is OptionState.YES
        if side is self.local:
            self.binary_send = enabled
        else:
            self.binary_receive = enabled

    def _reply_to_subnegotiation(self, body: bytes) -> bytes:
        """Return the reply to a complete sub-negotiation (the bytes between SB and SE)."""
        if len(body) <= 1:
            return b""
        option, command = body[0], body[1]
        if command != TTYPE_SEND or not self.local.is_enabled(option):
            return b""
        if option == TTYPE:
            return subnegotiation(TTYPE, bytes((TTYPE_IS,)) + TERMINAL_TYPE)
        if option == TSPEED:
            speeds = b"%d,%d" % TERMINAL_SPEED
            return subnegotiation(TSPEED, bytes((TTYPE_IS,)) + speeds)
        # A server's NAWS would resize Tera Term's window; ttlrun has none.
        return b""

    # -- sending -----------------------------------------------------------

    def encode(self, data: bytes, *, text: bool) -> bytes:
        """Frame macro data for the wire: double 0xFF, and add NUL after CR where Tera Term does."""
        framed = data.replace(b"\xff", b"\xff\xff")
        if not self.binary_send and (self.cr_nul_in_text or not text):
            framed = framed.replace(b"\r", b"\r\x00")
        return self.greeting() + framed

    def break_command(self) -> bytes:
        """Return IAC BRK, preceded by the greeting if it has not gone out yet."""
        return self.greeting() + bytes((IAC, BREAK))


def subnegotiation(option: int, body: bytes) -> bytes:
    """Return IAC SB ``option`` ``body`` IAC SE, with 0xFF in ``body`` doubled."""
    return bytes((IAC, SB, option)) + body.replace(b"\xff", b"\xff\xff") + bytes((IAC, SE))


def window_size_message(columns: int, lines: int) -> bytes:
    """Return the NAWS sub-negotiation for a window of ``columns`` by ``lines``."""
    return subnegotiation(NAWS, columns.to_bytes(2, "big") + lines.to_bytes(2, "big"))


class TelnetTransport(TcpTransport):
    """A TCP connection with telnet negotiation and framing."""

    kind = "telnet"
    # Tera Term's Transmit newline default is CR, which goes out as CR NUL.
    default_newline = b"\r"

    def __init__(self, sock: socket.socket, peer: str):
        super().__init__(sock, peer)
        self.protocol = TelnetProtocol()

    @classmethod
    def open(cls, request: ConnectRequest, options: Options) -> TelnetTransport:
        """Connect, and queue the opening negotiation when the port is 23; raise OSError on failure."""
        transport = cast(TelnetTransport, super().open(request, options))
        transport.protocol = TelnetProtocol(
            initiate=request.port == NEGOTIATION_PORT,
            request_binary="B" in request.options,
            cr_nul_in_text=options.newline in (None, b"\r"),
        )
        return transport

    def greeting(self) -> bytes:
        """Return the negotiation ttlrun starts on port 23; the link sends it right after connecting."""
        return self.protocol.greeting()

    def decode(self, raw: bytes) -> tuple[bytes, bytes]:
        return self.protocol.decode(raw)

    def encode(self, data: bytes, *, text: bool) -> bytes:
        return self.protocol.encode(data, text=text)

    def break_bytes(self) -> bytes:
        """Return IAC BRK, Tera Term's telnet break, for the link to send."""
        return self.protocol.break_command()


register("telnet", TelnetTransport)
