#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Scripted hostile IMAP server for imapctl's tests.

Python 3 standard library only.  One process serves one scenario on
127.0.0.1, a few connections, one after the other, and records every byte the
client sent so a test can assert the exact bytes.

Usage
-----

    server.py --scenario NAME --portfile FILE --record FILE
              [--tls implicit|none] [--cert PEM --key PEM]
              [--connections N] [--script FILE] [--log FILE] [options]
    server.py --list-scenarios

The server listens on 127.0.0.1 (or --bind), port 0 (or --port), and writes
the port number (decimal, with a newline) to --portfile once it is listening:
it writes FILE.tmp, then renames it, so a test may poll for FILE.  It serves
--connections connections (default 1; 0 = until idle) sequentially, then
exits.  It never lingers: accept and every read have a timeout (--timeout,
default 30 s), and --lifetime (default 120 s) bounds the whole process.
SIGTERM and SIGINT end it cleanly (status 0).

Exit status: 0 done; 2 usage error; 3 a --script expectation failed (or the
client closed while the script expected more); 1 internal error.

Files
-----

--record FILE   every byte the client sent, verbatim, appended and flushed
                after each read; all connections go to the same file.  After
                STARTTLS or with --tls implicit these are the decrypted bytes
                (the TLS records themselves are not written).  Tests can
                `grep -c LOGIN FILE` (use `grep -a` if junk may be binary).
--sent FILE     every byte the server sent, likewise (for debugging).
--log FILE      one event a line:  "conn N accepted ...", "conn N tls ok
                TLSv1.3 CIPHER sni=localhost", "conn N tls failed: ...",
                "conn N C: TAG VERB" (the verb only, never arguments),
                "conn N auth MECH user=U result=OK|NO", "conn N violation: ..."
                (client broke a protocol rule: non-synchronizing literal
                without LITERAL+, literal data sent before the continuation,
                bytes pipelined after STARTTLS, SASL-IR or a mechanism not
                advertised, LOGIN under LOGINDISABLED), "conn N misbehave
                SCENARIO on TAG VERB", "conn N long-line sent=BYTES",
                "conn N eof|timeout|closed ...", "server exit ...".
-v              the same events on stderr as well.

Options
-------

--tls implicit|none     implicit: TLS handshake at accept (needs --cert and
                        --key).  none (default): cleartext; STARTTLS is
                        advertised and served when --cert/--key are given.
--tls-max 1.0|1.1|1.2|1.3  highest TLS version the server speaks (1.0/1.1
                        also lower OpenSSL's security level so it really does).
--caps "A B C"          replace the base capabilities (default below).
--add-cap CAP / --drop-cap CAP   edit them (repeatable, may be space separated).
                        Default base: IMAP4rev1 LITERAL+ SASL-IR ID ENABLE
                        IDLE NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN
                        SPECIAL-USE AUTH=PLAIN.  Before TLS, STARTTLS is added
                        when the server can do it; after login AUTH=*,
                        SASL-IR, STARTTLS and LOGINDISABLED are removed.
--caps-in-responses     put [CAPABILITY ...] in the greeting and the tagged OK
                        of LOGIN/AUTHENTICATE (default: the client must ask).
--user U --password P   check credentials (default: any are accepted).
--on TRIGGER            which command the misbehaving step answers:
                        "after-login" (default): the first command in the
                        authenticated state other than CAPABILITY, NOOP, ID,
                        ENABLE and NAMESPACE; "any": the first command at all;
                        "greeting": in place of the greeting; or verbs,
                        comma separated ("FETCH", "SELECT,EXAMINE"; FETCH also
                        matches UID FETCH).
--delay SECONDS         wait before sending the greeting (any scenario).
--reply-delay SECONDS   wait before answering each command.
--idle-push SECONDS     during IDLE, after SECONDS, deliver a new message to
                        INBOX and send "* N EXISTS".
--quirk NAME            answer as some real servers do (repeatable, may be
                        comma separated):
                        trailing-space: a space before the ")" that ends a
                          FETCH response, its ENVELOPE and FLAGS, and at the
                          end of STATUS and SEARCH lines (QQ Mail's FETCH,
                          Exchange's STATUS, Yahoo's SEARCH);
                        empty-addr-list: "()" for an absent address header
                          where RFC 3501 wants NIL (Mail.ru, Proton Bridge);
                        nil-strings: NIL for a Subject that is present but
                          empty, "" for an absent In-Reply-To or Message-ID
                          (Proton Bridge), NIL for an address's missing
                          mailbox or host part, and a bare name (From: Ann)
                          as ("Ann" NIL NIL NIL);
                        ascii-search: SEARCH with a CHARSET other than
                          US-ASCII gets Exchange's and Outlook's
                          "NO [BADCHARSET (US-ASCII)] The specified charset
                          is not supported.";
                        empty-star: on an empty mailbox, a UID set with "*"
                          in FETCH, STORE, COPY, MOVE or SEARCH gets
                          Exchange's "BAD Command Argument Error. 11";
                        sorted-sets: a UID set whose numbers are not in
                          ascending order, or whose ranges overlap or
                          touch, gets "BAD Invalid sequence set" (QQ Mail).
--throttle K            refuse the next K commands that --throttle-on names
                        (across connections) with --throttle-reply, as a
                        throttling Outlook, Exchange or Gmail does, and log
                        "throttled TAG VERB" for each; answer the others as
                        usual.
--throttle-nth N,M...   refuse the Nth, Mth... of the commands that
                        --throttle-on names (counted from 1 across
                        connections, commands sent again included) instead
                        of the next K; logged as for --throttle.
--throttle-early        a command with a synchronizing literal that is to be
                        refused is refused before the "+" (its literal is
                        not read), as a server that looks at the command
                        line first does.
--throttle-late         a throttled AUTHENTICATE is refused after the
                        client's answer to the first "+" (the response
                        asked for, or SCRAM's final message after SASL-IR),
                        as Dovecot does when its authentication back end is
                        down; one without a "+" is not refused.
--throttle-on VERBS     which commands --throttle refuses: verbs, comma
                        separated (FETCH also matches UID FETCH), or
                        "after-login" (the default: every command in the
                        authenticated state but CAPABILITY, NOOP, ID,
                        ENABLE, NAMESPACE and LOGOUT).
--throttle-reply TEXT   the refusal, after the tag (default "NO Request is
                        throttled. Suggested Backoff Time: 200
                        milliseconds"; e.g. "NO [THROTTLED] Slow down.").
--partial-bytes N       close-mid-literal: literal bytes sent (default 4096).
--long-line-bytes N     long-line: bytes streamed (default 110100480).
--depth N               deep-nesting: parenthesis depth (default 10000).
--flood N               search-flood: UIDs in the answer (default 400000).
--bogus-tag TAG         bad-tag: the tag (default ZZ9999; {tag+1} allowed).
--inject TEXT           starttls-inject: bytes injected after the OK (escapes
                        and placeholders as in scripts).
--port N                listen on N instead of 0.
--bind ADDR             listen on the IPv4 address ADDR instead of 127.0.0.1
                        (a client that must not see a loopback address).
--layout NAME           the folders of a server without SPECIAL-USE (the
                        capability and the attributes are not sent):
                        courier (INBOX.Drafts, INBOX.Sent, INBOX.Trash,
                        INBOX.Archive; "." separator, NAMESPACE "INBOX."),
                        exchange (Deleted Items, Sent Items, Drafts, Junk
                        Email, Archive), icloud (Deleted Messages, Sent
                        Messages, Drafts, Junk, Archive), localized
                        (Papierkorb, Gesendet, Entw&APw-rfe); INBOX as usual.
                        gmail: Gmail's labels (X-GM-EXT-1; [Gmail]/All Mail,
                        Important, Sent Mail, Starred, Trash with their
                        special use, and Work): FETCH X-GM-LABELS, STORE
                        +/-X-GM-LABELS, a message showing in the mailbox of
                        each label it has (see the README).

Scenarios (see --list-scenarios; the well-behaved mode answers everything
the scenario does not override)
---------

ok, no-starttls, starttls-refused, starttls-bad, starttls-inject, preauth,
stall-greeting, stall-command, delay-greeting, bye-mid-command,
close-mid-literal, huge-literal, long-line, garbage, malformed, login-no,
bad-tag, and extras: bye-greeting, close-greeting, reset-mid-command,
bad-reply, no-reply, deep-nesting, number-overflow, logindisabled,
idle-drop, scram-bad-signature, scram-no-signature, scram-bad-nonce,
search-flood, script.  A scenario may carry an argument as NAME:ARG or "NAME ARG"
(delay-greeting:2 is --delay 2).

Well-behaved mode
-----------------

Answers CAPABILITY, STARTTLS, LOGIN, AUTHENTICATE (PLAIN, LOGIN, XOAUTH2,
OAUTHBEARER, SCRAM-SHA-1, SCRAM-SHA-256; with SASL-IR or "+ "
continuations; "*" cancels; SCRAM checks the client's proof against
--password, else "secret", and proves itself; advertise it with --add-cap
AUTH=SCRAM-SHA-256), SELECT,
EXAMINE, LIST, LSUB, STATUS, NOOP, CHECK, LOGOUT, ID, ENABLE, NAMESPACE,
CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, APPEND, GETQUOTAROOT,
GETQUOTA, IDLE, CLOSE, UNSELECT, EXPUNGE, [UID] FETCH, STORE, SEARCH, COPY,
MOVE, UID EXPUNGE, over a small in-memory store shared by the connections:
INBOX (UIDs 1-3), Archive, Drafts, Sent, Trash, &AMk-t&AOk- ("Été").
BODYSTRUCTURE describes every message as one text/plain part; SEARCH knows
the RFC 3501 keys except the SENT* dates on odd Date headers; anything else
gets BAD.  Client literals: "{N}" gets "+ go ahead", "{N+}" none (a violation
is logged when LITERAL+ was not advertised, or LITERAL- and N > 4096).

Script language (--script FILE)
-------------------------------

One statement a line; "#" starts a comment line; blank lines are ignored.
Lines "connection" separate sections: connection k runs section k (the last
section for any further ones); without them every connection runs the whole
script.  TEXT keeps its spaces; escapes \\r \\n \\t \\\\ \\xHH; placeholders
{tag} (tag of the last command read) and {tag+1} (that tag with its number
incremented, the client's likely next tag).

    greeting           send the scenario's usual greeting
    send TEXT          send TEXT + CRLF
    sendraw TEXT       send TEXT as is (no CRLF added)
    expect [TEXT]      read one command (literals handled); it must contain
                       TEXT (case-insensitive); sends nothing
    expect-re REGEX    the same with a Python regular expression (bytes)
    reply TEXT         send "{tag} TEXT" + CRLF for the last command read
    handle             answer the last command read as the well-behaved
                       mode would (after serve-until or expect)
    fill MAILBOX N [SIZE]
                       add N small messages to MAILBOX (UIDs from its
                       UIDNEXT on; the store is shared by the connections);
                       with SIZE, each of SIZE bytes or a little more
    serve              well-behaved mode for the rest of the connection
    serve-until TEXT   well-behaved mode until a command containing TEXT is
                       read; that command is not answered (reply to it next)
    tls                server-side TLS handshake now (after a STARTTLS reply)
    sleep SECONDS      pause
    wait               read and record until the client closes (or timeout)
    close              close the connection
    reset              close with a TCP RST
A failed expectation is logged ("script: line N: ..."), answered with nothing,
the connection is closed, and the server exits with status 3.  The end of a
section closes the connection.

Example, MOVE without the MOVE extension interrupted after the COPY:

    greeting
    serve-until UID COPY
    reply OK [COPYUID 1700000001 1 7] Copy completed.
    expect UID STORE
    close
"""

import argparse
import base64
import bisect
import datetime
import hashlib
import hmac
import os
import re
import select
import signal
import socket
import ssl
import sys
import time
import warnings
import zlib

MAX_LINE = 8 << 20        # longest client line accepted
MAX_LITERAL = 64 << 20    # largest client literal accepted
CHUNK = 1 << 20           # long-line streaming unit
DEFAULT_LONG_LINE = 110100480

DEFAULT_CAPS = ("IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS "
                "MOVE UNSELECT CHILDREN SPECIAL-USE AUTH=PLAIN")

QUIRKS = {"trailing-space", "empty-addr-list", "nil-strings",
          "ascii-search", "empty-star", "sorted-sets"}

HOUSEKEEPING = {"CAPABILITY", "NOOP", "ID", "ENABLE", "NAMESPACE"}

SCRAM_HASHES = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256"}


class ClientGone(Exception):
    """The peer closed, reset, or broke TLS."""


class ReadTimeout(Exception):
    """No bytes from the peer within --timeout."""


class ScriptFailed(Exception):
    """A --script expectation did not hold."""


class ProtocolError(Exception):
    """A command we cannot parse."""


class Refusal(Exception):
    """A command a --quirk refuses: the tagged answer's text."""


# ---------------------------------------------------------------- helpers

def unescape(text):
    """Script/--inject escapes: \\r \\n \\t \\\\ \\xHH.  Returns bytes."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n == "r":
                out += b"\r"
            elif n == "n":
                out += b"\n"
            elif n == "t":
                out += b"\t"
            elif n == "\\":
                out += b"\\"
            elif n == "x" and re.match(r"[0-9a-fA-F]{2}", text[i + 2:i + 4]):
                out.append(int(text[i + 2:i + 4], 16))
                i += 2
            else:
                out += ("\\" + n).encode("utf-8")
            i += 2
            continue
        out += c.encode("utf-8")
        i += 1
    return bytes(out)


def next_tag(tag, k=1):
    """A1 -> A2, a0009 -> a0010; a tag without digits gets k appended."""
    m = re.match(r"^(.*?)(\d+)$", tag)
    if not m:
        return tag + str(k)
    n = str(int(m.group(2)) + k)
    return m.group(1) + n.zfill(len(m.group(2)))


def fill_placeholders(data, tag):
    tag = tag or "*"
    data = data.replace(b"{tag+1}", next_tag(tag, 1).encode())
    data = data.replace(b"{tag+2}", next_tag(tag, 2).encode())
    return data.replace(b"{tag}", tag.encode())


ATOM_SPECIALS = set(b'(){ %*"\\]') | set(range(0, 32)) | {127}


def imap_string(b):
    """Quoted string, or a literal when quoting cannot carry the bytes."""
    if isinstance(b, str):
        b = b.encode("utf-8")
    if any(c in (0, 10, 13) or c > 126 for c in b):
        return b"{%d}\r\n" % len(b) + b
    return b'"' + b.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def imap_astring(b):
    if isinstance(b, str):
        b = b.encode("utf-8")
    if b and not any(c in ATOM_SPECIALS or c > 126 for c in b):
        return b
    return imap_string(b)


def imap_nstring(b):
    return b"NIL" if b is None else imap_string(b)


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec"]


def imap_date_parse(s):
    m = re.match(r"^(\d{1,2})-([A-Za-z]{3})-(\d{4})$", s)
    if not m:
        return None
    mon = m.group(2).capitalize()
    if mon not in MONTHS:
        return None
    return datetime.date(int(m.group(3)), MONTHS.index(mon) + 1,
                         int(m.group(1)))


def imap_datetime(dt):
    return "%02d-%s-%04d %02d:%02d:%02d +0000" % (
        dt.day, MONTHS[dt.month - 1], dt.year, dt.hour, dt.minute, dt.second)


# ------------------------------------------------------------ tokenizer

class Atom(str):
    """An IMAP atom (also NIL, flags, sequence sets, fetch items)."""


class Str(bytes):
    """A quoted string or a literal."""


def tokenize(data):
    """Arguments of a command (bytes, literals inline) -> nested lists of
    Atom / Str / list.  Raises ProtocolError."""
    root = []
    stack = [root]
    i = 0
    n = len(data)
    while i < n:
        c = data[i]
        if c in (0x20, 0x0d, 0x0a):
            i += 1
        elif c == 0x28:                                   # (
            lst = []
            stack[-1].append(lst)
            stack.append(lst)
            i += 1
        elif c == 0x29:                                   # )
            if len(stack) == 1:
                raise ProtocolError("unbalanced )")
            stack.pop()
            i += 1
        elif c == 0x22:                                   # "
            out = bytearray()
            i += 1
            while True:
                if i >= n or data[i] in (0x0d, 0x0a):
                    raise ProtocolError("unterminated quoted string")
                if data[i] == 0x5c and i + 1 < n:
                    out.append(data[i + 1])
                    i += 2
                    continue
                if data[i] == 0x22:
                    i += 1
                    break
                out.append(data[i])
                i += 1
            stack[-1].append(Str(bytes(out)))
        elif c == 0x7b or (c == 0x7e and data[i + 1:i + 2] == b"{"):
            m = re.compile(rb"~?\{(\d+)\+?\}\r?\n").match(data, i)
            if not m:
                raise ProtocolError("bad literal")
            size = int(m.group(1))
            start = m.end()
            if start + size > n:
                raise ProtocolError("short literal")
            stack[-1].append(Str(data[start:start + size]))
            i = start + size
        else:
            j = i
            while j < n and data[j] not in b' ()"\r\n':
                if data[j] == 0x5b:                       # [ ... ]
                    k = data.find(b"]", j)
                    if k < 0:
                        raise ProtocolError("unbalanced [")
                    j = k + 1
                else:
                    j += 1
            stack[-1].append(Atom(data[i:j].decode("latin-1")))
            i = j
    if len(stack) != 1:
        raise ProtocolError("unbalanced (")
    return root


def astr(tok):
    """An astring argument as bytes."""
    if isinstance(tok, Str):
        return bytes(tok)
    if isinstance(tok, Atom):
        return tok.encode("latin-1")
    raise ProtocolError("expected a string")


class Command:
    def __init__(self, raw):
        self.raw = raw
        self.error = None
        first = raw.split(b"\n", 1)[0].rstrip(b"\r")
        words = first.split(b" ", 3)
        self.tag = words[0].decode("latin-1")
        verb = words[1] if len(words) > 1 else b""
        self.uid = verb.upper() == b"UID"
        offset = len(words[0]) + 1 + len(verb) + 1
        if self.uid:
            verb = words[2] if len(words) > 2 else b""
            offset += len(verb) + 1
        self.name = verb.decode("latin-1").upper()
        self.full = ("UID " if self.uid else "") + self.name
        try:
            self.args = tokenize(raw[offset:]) if offset < len(raw) else []
        except ProtocolError as e:
            self.args = []
            self.error = str(e)

    def contains(self, text):
        return text.lower() in self.raw.lower()


# --------------------------------------------------------------- store

class Message:
    gmids = 0

    def __init__(self, uid, data, flags=(), date=None):
        self.uid = uid
        self.data = data
        self.flags = list(flags)
        self.date = date or datetime.datetime(2024, 3, 1, 9, 22, 3)
        self.labels = []          # X-GM-LABELS, as sent
        Message.gmids += 1
        self.gmid = Message.gmids

    def split(self):
        i = self.data.find(b"\r\n\r\n")
        if i < 0:
            return self.data, b""
        return self.data[:i + 4], self.data[i + 4:]

    def headers(self):
        """[(name, raw line(s) incl. CRLF)] in order."""
        head = self.split()[0]
        out = []
        for line in re.split(rb"(?<=\n)", head):
            if not line or line in (b"\r\n", b"\n"):
                continue
            if line[:1] in (b" ", b"\t") and out:
                out[-1] = (out[-1][0], out[-1][1] + line)
            else:
                out.append((line.split(b":", 1)[0].strip().lower(), line))
        return out

    def header(self, name):
        name = name.lower().encode() if isinstance(name, str) else name.lower()
        for n, line in self.headers():
            if n == name:
                v = line.split(b":", 1)[1] if b":" in line else b""
                return re.sub(rb"\r?\n[ \t]", b" ", v).strip()
        return None


def make_message(subject, sender, body, extra=b""):
    return (b"Date: Fri, 01 Mar 2024 09:22:03 +0000\r\n"
            b"From: " + sender + b"\r\n"
            b"To: Bob Example <bob@example.org>\r\n"
            b"Subject: " + subject + b"\r\n" + extra +
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=UTF-8\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n"
            b"\r\n" + body)


class Mailbox:
    def __init__(self, name, special=None, uidvalidity=1700000001):
        self.name = name
        self.special = special
        self.uidvalidity = uidvalidity
        self.uidnext = 1
        self.msgs = []
        self.subscribed = True

    def add(self, data, flags=(), date=None, same=None):
        """SAME: on Gmail, the message this one shows in another
        mailbox (they share their labels)."""
        m = Message(self.uidnext, data, flags, date)
        if same is not None:
            m.labels = same.labels
            m.gmid = same.gmid
        self.uidnext += 1
        self.msgs.append(m)
        return m


# --layout: the folders of servers without SPECIAL-USE, as they name
# them (the special-use attributes are then not sent, nor the capability).
LAYOUTS = {
    "courier": (".", "INBOX.", ["INBOX.Drafts", "INBOX.Sent", "INBOX.Trash",
                                "INBOX.Archive"]),
    "exchange": ("/", "", ["Deleted Items", "Sent Items", "Drafts",
                           "Junk Email", "Archive"]),
    "icloud": ("/", "", ["Deleted Messages", "Sent Messages", "Drafts",
                         "Junk", "Archive"]),
    "localized": ("/", "", ["Papierkorb", "Gesendet", "Entw&APw-rfe"]),
    # Gmail: labels shown as mailboxes, with SPECIAL-USE and X-GM-EXT-1.
    "gmail": ("/", "", [("[Gmail]/All Mail", r"\All"),
                        ("[Gmail]/Important", r"\Important"),
                        ("[Gmail]/Sent Mail", r"\Sent"),
                        ("[Gmail]/Starred", r"\Flagged"),
                        ("[Gmail]/Trash", r"\Trash"), ("Work", None)]),
}

# Gmail's system labels and the mailboxes that show them.
GMAIL_SYSTEM = {r"\Inbox": "INBOX", r"\Starred": "[Gmail]/Starred",
                r"\Important": "[Gmail]/Important"}


class Store:
    def __init__(self, layout=None):
        self.boxes = {}
        self.layout = layout
        self.delim, self.prefix = (LAYOUTS[layout][:2] if layout
                                   else ("/", ""))
        inbox = self.create("INBOX")
        self.gmail = layout == "gmail"
        inbox.add(make_message(
            b"Hello from the hostile server",
            b"Alice Example <alice@example.org>",
            b"Hello Bob,\r\nthis is message one.\r\n",
            b"Message-ID: <1@hostile.example>\r\n"), [r"\Seen"],
            datetime.datetime(2024, 3, 1, 9, 22, 3))
        inbox.add(make_message(
            b"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=",
            b"=?UTF-8?B?Q8OpbGluZQ==?= <celine@example.org>",
            "Gr\u00fc\u00dfe aus K\u00f6ln.\r\n".encode("utf-8"),
            b"Message-ID: <2@hostile.example>\r\n"), [],
            datetime.datetime(2024, 3, 2, 10, 0, 0))
        inbox.add(make_message(
            b"Quarterly report",
            b"Dave <dave@example.net>",
            b"".join(b"line %d of the report\r\n" % i for i in range(40)),
            b"Message-ID: <3@hostile.example>\r\n"
            b"In-Reply-To: <1@hostile.example>\r\n"), [r"\Flagged"],
            datetime.datetime(2024, 3, 3, 11, 30, 0))
        if layout == "gmail":
            for name, special in LAYOUTS[layout][2]:
                self.create(name, special)
            # Every message is in All Mail too, its labels shared.
            allmail = self.boxes["[Gmail]/All Mail"]
            for m in inbox.msgs:
                m.labels.append(r"\Inbox")
                allmail.add(m.data, m.flags, m.date, m)
        elif layout:
            for name in LAYOUTS[layout][2]:
                self.create(name)
        else:
            self.create("Archive", r"\Archive")
            self.create("Drafts", r"\Drafts")
            self.create("Sent", r"\Sent")
            self.create("Trash", r"\Trash")
            self.create("&AMk-t&AOk-")
        self.delivered = 0

    @staticmethod
    def key(name):
        return "INBOX" if name.upper() == "INBOX" else name

    def get(self, name):
        return self.boxes.get(self.key(name))

    def create(self, name, special=None):
        box = Mailbox(self.key(name), special, 1700000001 + len(self.boxes))
        self.boxes[box.name] = box
        return box

    def deliver(self):
        self.delivered += 1
        n = self.delivered
        return self.boxes["INBOX"].add(make_message(
            b"New message %d" % n, b"Erin <erin@example.com>",
            b"Delivered while you were watching (%d).\r\n" % n,
            b"Message-ID: <new%d@hostile.example>\r\n" % n),
            [], datetime.datetime.now(datetime.timezone.utc).replace(
                tzinfo=None, microsecond=0))


def parse_set(text, maxval):
    """'1:3,5,7:*' -> list of (lo, hi).  Raises ProtocolError."""
    if text == "$":
        raise ProtocolError("search result variable not supported")
    ranges = []
    for part in text.split(","):
        m = re.match(r"^(\d+|\*)(?::(\d+|\*))?$", part)
        if not m:
            raise ProtocolError("bad sequence set")
        ends = []
        for g in (m.group(1), m.group(2) or m.group(1)):
            if g == "*":
                ends.append(maxval)
            elif int(g) == 0:
                raise ProtocolError("bad sequence set (0)")
            else:
                ends.append(int(g))
        ranges.append((min(ends), max(ends)))
    return RangeSet(ranges)


class RangeSet(list):
    """Ranges sorted and merged, for a membership test that stays fast
    with thousands of ranges and messages."""
    def __init__(self, ranges):
        merged = []
        for lo, hi in sorted(ranges):
            if merged and lo <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
            else:
                merged.append((lo, hi))
        super().__init__(merged)
        self.starts = [lo for lo, _ in merged]


def in_set(ranges, v):
    i = bisect.bisect_right(ranges.starts, v) - 1
    return i >= 0 and ranges[i][1] >= v


def compress(nums):
    nums = sorted(nums)
    out = []
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else "%d:%d" % (nums[i], nums[j]))
        i = j + 1
    return ",".join(out)


# ------------------------------------------------------------ connection

class Conn:
    """One client connection: buffered reads with timeouts, recording."""

    def __init__(self, srv, sock, num):
        self.srv = srv
        self.sock = sock
        self.num = num
        self.buf = bytearray()
        self.tls = False
        self.closed = False
        self.received = 0
        self.sent = 0
        self.zin = None         # COMPRESS=DEFLATE: the client's stream
        self.zout = None        # ours
        sock.settimeout(srv.opts.timeout)

    def log(self, msg):
        self.srv.log("conn %d %s" % (self.num, msg))

    def _fill(self, timeout=None):
        self.sock.settimeout(timeout or self.srv.opts.timeout)
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, TimeoutError):
            raise ReadTimeout()
        except ssl.SSLError as e:
            raise ClientGone("tls error: %s" % e)
        except OSError as e:
            raise ClientGone(str(e))
        if not data:
            raise ClientGone("eof")
        if self.zin is not None:
            try:
                data = self.zin.decompress(data)
            except zlib.error as e:
                raise ClientGone("corrupt compressed stream: %s" % e)
        self.srv.record(data)
        self.received += len(data)
        self.buf += data

    def readline(self, limit=MAX_LINE, timeout=None):
        start = 0
        while True:
            i = self.buf.find(b"\n", start)
            if i >= 0:
                line = bytes(self.buf[:i + 1])
                del self.buf[:i + 1]
                return line
            if len(self.buf) > limit:
                raise ProtocolError("line too long")
            start = len(self.buf)
            self._fill(timeout)

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def pending(self, wait=0.0):
        """Bytes available without blocking (after up to WAIT seconds)?"""
        if self.buf:
            return True
        if self.tls and self.sock.pending():
            return True
        try:
            r, _, _ = select.select([self.sock], [], [], wait)
        except (OSError, ValueError):
            return False
        return bool(r)

    def send(self, data):
        if self.closed:
            raise ClientGone("closed")
        plain = data
        if self.zout is not None:
            data = self.zout.compress(data) + self.zout.flush(zlib.Z_SYNC_FLUSH)
        self.send_raw(data)
        self.srv.record_sent(plain)

    def send_raw(self, data):
        """Bytes on the wire as they are (compressed or not)."""
        try:
            self.sock.sendall(data)
        except (socket.timeout, TimeoutError):
            raise ClientGone("send timed out")
        except (OSError, ssl.SSLError) as e:
            raise ClientGone(str(e))
        self.sent += len(data)

    def drain(self):
        """Read and record until the client closes or goes quiet."""
        try:
            while True:
                self._fill()
                self.buf.clear()
        except ClientGone as e:
            self.log("eof while waiting (%s)" % e)
        except ReadTimeout:
            self.log("timeout while waiting")

    def starttls(self, ctx):
        if self.buf:
            self.log("violation: client sent %d bytes after STARTTLS before "
                     "the TLS handshake" % len(self.buf))
            self.buf.clear()
        self.wrap(ctx)

    def wrap(self, ctx):
        self.srv.current_sni = None
        try:
            s = ctx.wrap_socket(self.sock, server_side=True,
                                do_handshake_on_connect=False)
            s.settimeout(self.srv.opts.timeout)
            s.do_handshake()
        except (ssl.SSLError, OSError) as e:
            self.log("tls failed: %s" % e)
            raise ClientGone("tls handshake failed")
        self.sock = s
        self.tls = True
        self.log("tls ok %s %s sni=%s" % (s.version(), s.cipher()[0],
                                          self.srv.current_sni or "-"))

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass

    def reset(self):
        """Close with RST (SO_LINGER 0)."""
        if self.closed:
            return
        try:
            raw = self.sock
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                           b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        self.close()


# -------------------------------------------------------------- session

class Session:
    """The well-behaved server.  Scenarios subclass it and override the
    step that misbehaves."""

    name = "ok"
    doc = "well-behaved server (baseline)"
    trigger = None          # default --on for this scenario
    starttls_advertised = None   # None: when a certificate is available

    def __init__(self, srv, conn, arg=None):
        self.srv = srv
        self.opts = srv.opts
        self.conn = conn
        self.arg = arg
        self.store = srv.store
        self.state = "nonauth"
        self.box = None
        self.readonly = False
        self.triggered = False
        self.cur = None          # last command read
        self.late_throttle = False   # --throttle-late: refuse at next step
        on = self.opts.on if self.opts.on is not None else self.trigger
        self.on = on

    # -- output

    def log(self, msg):
        self.conn.log(msg)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.conn.send(data)

    def line(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.conn.send(data + b"\r\n")

    def tagged(self, cmd, text):
        if isinstance(text, str):
            text = text.encode("utf-8")
        tag = cmd.tag.encode("latin-1") if cmd is not None else b"*"
        self.conn.send(tag + b" " + text + b"\r\n")

    # -- capabilities

    def base_caps(self):
        caps = (self.opts.caps if self.opts.caps is not None
                else DEFAULT_CAPS).split()
        for c in self.opts.add_cap:
            for w in c.split():
                if w.upper() not in (x.upper() for x in caps):
                    caps.append(w)
        drop = {w.upper() for c in self.opts.drop_cap for w in c.split()}
        if self.store.layout == "gmail":
            caps.append("X-GM-EXT-1")
        elif self.store.layout:
            drop.add("SPECIAL-USE")
        return [c for c in caps if c.upper() not in drop]

    def can_starttls(self):
        if self.starttls_advertised is not None:
            return self.starttls_advertised
        return self.srv.tls_ctx is not None

    def login_disabled(self):
        return False

    def caps(self):
        caps = self.base_caps()
        if self.state == "nonauth":
            if not self.conn.tls and self.can_starttls():
                caps.append("STARTTLS")
            if self.login_disabled():
                caps = [c for c in caps if c.upper() not in
                        ("AUTH=PLAIN", "AUTH=LOGIN")]
                caps.append("LOGINDISABLED")
        else:
            caps = [c for c in caps if not c.upper().startswith("AUTH=")
                    and c.upper() not in ("SASL-IR", "STARTTLS",
                                          "LOGINDISABLED")]
        return caps

    def has_cap(self, cap):
        return cap.upper() in (c.upper() for c in self.caps())

    def caps_code(self):
        return "[CAPABILITY %s] " % " ".join(self.caps())

    # -- main loop

    def run(self):
        if self.opts.delay:
            time.sleep(self.opts.delay)
        if self.on == "greeting":
            self.triggered = True
            self.log("misbehave %s on greeting" % self.name)
            r = self.misbehave(None)
            if r == "close":
                self.conn.close()
                return
            if r == "wait":
                self.conn.drain()
                self.conn.close()
                return
        self.greeting()
        self.loop()

    def greeting(self):
        code = self.caps_code() if self.opts.caps_in_responses else ""
        self.line("* OK %shostile IMAP server ready." % code)

    def loop(self, until=None):
        """Serve commands.  With UNTIL, return the first command containing
        UNTIL without answering it."""
        while not self.conn.closed:
            cmd = self.read_command()
            if cmd is None:
                continue
            if until is not None and cmd.contains(until):
                return cmd
            if self.opts.throttle_late and cmd.name == "AUTHENTICATE":
                self.late_throttle = self.throttle(cmd, reply=False)
            elif self.throttle(cmd):
                continue
            if self.should_trigger(cmd):
                self.triggered = True
                self.log("misbehave %s on %s %s" % (self.name, cmd.tag,
                                                    cmd.full))
                r = self.misbehave(cmd)
                if r == "close":
                    self.conn.close()
                    return None
                if r == "wait":
                    self.conn.drain()
                    self.conn.close()
                    return None
                if r == "done":
                    continue
            if self.opts.reply_delay:
                time.sleep(self.opts.reply_delay)
            self.dispatch(cmd)
            if self.state == "logout":
                self.conn.close()
        return None

    def read_command(self):
        raw = bytearray()
        while True:
            line = self.conn.readline()
            raw += line
            m = re.search(rb"~?\{(\d+)(\+?)\}\r?\n$", line)
            if not m:
                break
            size = int(m.group(1))
            plus = m.group(2) == b"+"
            if plus:
                caps = {c.upper() for c in self.caps()}
                if "LITERAL+" not in caps and not (
                        "LITERAL-" in caps and size <= 4096):
                    self.log("violation: non-synchronizing literal {%d+} "
                             "without LITERAL+" % size)
            if size > MAX_LITERAL:
                self.log("violation: literal of %d bytes refused" % size)
                cmd = Command(bytes(raw))
                if plus:
                    self.line("* BYE literal too large")
                    self.conn.close()
                    return None
                self.tagged(cmd, "NO [TOOBIG] Literal too large.")
                return None
            if not plus and self.opts.throttle_early:
                # Refused before the "+": the literal never comes.
                part = Command(bytes(raw))
                if part.tag and self.would_throttle(part):
                    self.log("C: %s %s" % (part.tag, part.full))
                    self.throttle(part)
                    return None
            if not plus:
                if self.conn.pending(0.05):
                    self.log("violation: literal data sent before the "
                             "continuation request")
                self.line("+ go ahead")
            raw += self.conn.read_exact(size)
        raw = bytes(raw)
        if raw.strip() == b"":
            self.log("empty line")
            return None
        cmd = Command(raw)
        self.cur = cmd
        self.log("C: %s %s" % (cmd.tag, cmd.full))
        return cmd

    def throttle_hit(self, cmd):
        on = self.opts.throttle_on
        if on == "after-login":
            return (self.state in ("auth", "selected") and
                    cmd.name not in HOUSEKEEPING and cmd.name != "LOGOUT")
        return cmd.name in {w.strip().upper() for w in on.split(",")}

    def would_throttle(self, cmd):
        """Whether throttle(cmd) would refuse it, counting nothing."""
        nth = self.srv.throttle_nth
        if (self.srv.throttle_left <= 0 and not nth) or not cmd.tag:
            return False
        if not self.throttle_hit(cmd):
            return False
        return not nth or self.srv.throttle_seen + 1 in nth

    def throttle(self, cmd, reply=True):
        """--throttle: refuse cmd for now if it is one of the next K (with
        REPLY false, count and log it only: the refusal comes later)."""
        nth = self.srv.throttle_nth
        if (self.srv.throttle_left <= 0 and not nth) or not cmd.tag:
            return False
        if not self.throttle_hit(cmd):
            return False
        if nth:
            self.srv.throttle_seen += 1
            if self.srv.throttle_seen not in nth:
                return False
        else:
            self.srv.throttle_left -= 1
        self.log("throttled %s %s" % (cmd.tag, cmd.full))
        if reply:
            self.tagged(cmd, self.opts.throttle_reply)
        return True

    def should_trigger(self, cmd):
        if self.triggered or not self.on or self.on == "greeting":
            return False
        if self.on == "any":
            return True
        if self.on == "after-login":
            return (self.state in ("auth", "selected")
                    and cmd.name not in HOUSEKEEPING)
        names = {w.strip().upper() for w in self.on.split(",")}
        return cmd.name in names or cmd.full in names

    def misbehave(self, cmd):
        """Return 'close', 'wait', 'done' (answered) or None (answer it
        normally too)."""
        return None

    def dispatch(self, cmd):
        if cmd.error:
            self.tagged(cmd, "BAD Error in IMAP command: %s" % cmd.error)
            return
        fn = getattr(self, "cmd_" + cmd.name.replace("-", "_"), None)
        if cmd.uid and cmd.name not in ("FETCH", "STORE", "SEARCH", "COPY",
                                        "MOVE", "EXPUNGE"):
            fn = None
        if fn is None or not cmd.tag or cmd.tag in ("*", "+"):
            self.tagged(cmd, "BAD Unknown command.")
            return
        need = getattr(fn, "state", None)
        if need == "nonauth" and self.state != "nonauth":
            self.tagged(cmd, "BAD Command not valid in this state.")
            return
        if need in ("auth", "selected") and self.state == "nonauth":
            self.tagged(cmd, "BAD Log in first.")
            return
        if need == "selected" and self.state != "selected":
            self.tagged(cmd, "BAD No mailbox selected.")
            return
        try:
            fn(cmd)
        except Refusal as e:
            self.tagged(cmd, str(e))
        except ProtocolError as e:
            self.tagged(cmd, "BAD Error in IMAP command: %s" % e)
        except (IndexError, ValueError, TypeError) as e:
            self.tagged(cmd, "BAD Invalid arguments (%s)." % e)

    # -- any state

    def cmd_CAPABILITY(self, cmd):
        self.line("* CAPABILITY " + " ".join(self.caps()))
        self.tagged(cmd, "OK Capability completed.")

    def cmd_NOOP(self, cmd):
        self.tagged(cmd, "OK NOOP completed.")

    def cmd_LOGOUT(self, cmd):
        self.line("* BYE Logging out")
        self.tagged(cmd, "OK Logout completed.")
        self.state = "logout"

    def cmd_COMPRESS(self, cmd):
        if not self.has_cap("COMPRESS=DEFLATE") or self.state == "nonauth":
            self.tagged(cmd, "BAD COMPRESS not available.")
            return
        if self.conn.zin is not None:
            self.tagged(cmd, "NO [COMPRESSIONACTIVE] Already compressing.")
            return
        if [astr(t).upper() for t in cmd.args] != [b"DEFLATE"]:
            self.tagged(cmd, "BAD Unknown compression mechanism.")
            return
        self.tagged(cmd, "OK Begin compression.")
        self.start_compression()

    def start_compression(self, ours=True):
        """RFC 4978: both ways from the byte after the OK."""
        self.log("compression started")
        if self.conn.buf:
            self.log("violation: client sent %d bytes after COMPRESS "
                     "before the OK" % len(self.conn.buf))
            self.conn.buf = bytearray(zlib.decompressobj(-15).decompress(
                bytes(self.conn.buf)))
        self.conn.zin = zlib.decompressobj(-15)
        if ours:
            self.conn.zout = zlib.compressobj(6, zlib.DEFLATED, -15)

    def cmd_ID(self, cmd):
        self.line('* ID ("name" "hostile" "version" "1")')
        self.tagged(cmd, "OK ID completed.")

    # -- not authenticated

    def cmd_STARTTLS(self, cmd):
        if self.conn.tls or not self.can_starttls():
            self.tagged(cmd, "BAD STARTTLS not available.")
            return
        if self.state != "nonauth":
            self.tagged(cmd, "BAD STARTTLS only before login.")
            return
        if self.srv.tls_ctx is None:
            self.tagged(cmd, "NO [UNAVAILABLE] No certificate configured.")
            return
        self.tagged(cmd, "OK Begin TLS negotiation now.")
        self.conn.starttls(self.srv.tls_ctx)

    def cmd_LOGIN(self, cmd):
        if self.state != "nonauth":
            self.tagged(cmd, "BAD Already logged in.")
            return
        user, pw = astr(cmd.args[0]), astr(cmd.args[1])
        if self.login_disabled() or "LOGINDISABLED" in self.caps():
            self.log("violation: LOGIN sent while LOGINDISABLED")
            self.log("auth LOGIN user=%s result=NO" % user.decode("latin-1"))
            self.tagged(cmd, "NO [PRIVACYREQUIRED] Plaintext authentication "
                        "disallowed on non-secure connections.")
            return
        self.finish_auth(cmd, "LOGIN", user, pw)

    def sasl_step(self, cmd, challenge=b""):
        """Send a continuation, read the client's line; None = cancelled."""
        self.line(b"+ " + base64.b64encode(challenge))
        line = self.conn.readline().rstrip(b"\r\n")
        if line == b"*":
            self.tagged(cmd, "BAD Authentication aborted by client.")
            return None
        if self.late_throttle:
            self.late_throttle = False
            self.log("auth refused for now after the client's response")
            self.tagged(cmd, self.opts.throttle_reply)
            return None
        return self.b64(cmd, line)

    def b64(self, cmd, data):
        if data == b"=":
            return b""
        try:
            return base64.b64decode(data, validate=True)
        except ValueError:
            self.tagged(cmd, "BAD Invalid base64 data.")
            return None

    def cmd_AUTHENTICATE(self, cmd):
        if self.state != "nonauth":
            self.tagged(cmd, "BAD Already logged in.")
            return
        mech = str(cmd.args[0]).upper()
        ir = astr(cmd.args[1]) if len(cmd.args) > 1 else None
        if ir is not None and not self.has_cap("SASL-IR"):
            self.log("violation: SASL-IR used but not advertised")
        if not self.has_cap("AUTH=" + mech):
            self.log("violation: AUTH=%s not advertised" % mech)
        if self.login_disabled() and mech in ("PLAIN", "LOGIN"):
            self.log("auth %s result=NO (plaintext before TLS)" % mech)
            self.tagged(cmd, "NO [PRIVACYREQUIRED] Plaintext authentication "
                        "disallowed on non-secure connections.")
            return
        if ir is not None:
            ir = self.b64(cmd, ir)
            if ir is None:
                return
        if mech == "PLAIN":
            data = ir if ir is not None else self.sasl_step(cmd)
            if data is None:
                return
            parts = data.split(b"\0")
            if len(parts) != 3:
                self.tagged(cmd, "BAD Invalid PLAIN message.")
                return
            self.finish_auth(cmd, mech, parts[1], parts[2])
        elif mech == "LOGIN":
            user = ir if ir is not None else self.sasl_step(cmd, b"Username:")
            if user is None:
                return
            pw = self.sasl_step(cmd, b"Password:")
            if pw is None:
                return
            self.finish_auth(cmd, mech, user, pw)
        elif mech in ("XOAUTH2", "OAUTHBEARER"):
            data = ir if ir is not None else self.sasl_step(cmd)
            if data is None:
                return
            m = re.search(rb"user=([^\x01,]*)", data) or re.search(
                rb"a=([^,\x01]*)", data)
            self.finish_auth(cmd, mech, m.group(1) if m else b"", None)
        elif mech in SCRAM_HASHES:
            data = ir if ir is not None else self.sasl_step(cmd)
            if data is not None:
                self.scram(cmd, mech, data)
        else:
            self.tagged(cmd, "NO [CANNOT] Unsupported authentication "
                        "mechanism.")

    def auth_ok(self, mech, user, pw):
        if self.opts.user is not None and user != self.opts.user.encode():
            return False
        if (self.opts.password is not None and pw is not None
                and pw != self.opts.password.encode()):
            return False
        return True

    def finish_auth(self, cmd, mech, user, pw):
        ok = self.auth_ok(mech, user, pw)
        self.log("auth %s user=%s result=%s" % (
            mech, user.decode("latin-1"), "OK" if ok else "NO"))
        if not ok:
            if mech in ("XOAUTH2", "OAUTHBEARER"):
                # RFC 7628 / Gmail: an error challenge, the client answers
                # (empty line or AQ==), then the NO.
                self.line(b"+ " + base64.b64encode(
                    b'{"status":"401","schemes":"bearer",'
                    b'"scope":"https://mail.google.com/"}'))
                self.conn.readline()
            self.tagged(cmd, "NO [AUTHENTICATIONFAILED] Authentication "
                        "failed.")
            return
        self.state = "auth"
        code = self.caps_code() if self.opts.caps_in_responses else ""
        self.tagged(cmd, "OK %sLogged in" % code)

    # SCRAM (RFC 5802): the password is --password, else "secret".
    # scram_fault lets scenarios misbehave: "bad-signature" proves a
    # password it does not know, "no-signature" says OK without proving
    # anything, "bad-nonce" does not extend the client's nonce.
    scram_fault = None

    def scram(self, cmd, mech, first):
        m = re.match(rb"^[ny],[^,]*,(n=([^,]*),r=([^,]+)(?:,.*)?)$", first,
                     re.S)
        if not m:
            self.tagged(cmd, "BAD Invalid SCRAM client-first message.")
            return
        bare, user, cnonce = m.group(1), m.group(2), m.group(3)
        user = user.replace(b"=2C", b",").replace(b"=3D", b"=")
        h = SCRAM_HASHES[mech]
        salt = os.urandom(16)
        iters = 4096
        nonce = (b"forged" if self.scram_fault == "bad-nonce" else cnonce) \
            + base64.b64encode(os.urandom(12))
        sfirst = b"r=%s,s=%s,i=%d" % (nonce, base64.b64encode(salt), iters)
        final = self.sasl_step(cmd, sfirst)
        if final is None:
            return
        fm = re.match(rb"^(c=([^,]*),r=([^,]*)(?:,.*?)?),p=([^,]*)$", final,
                      re.S)
        if not fm or fm.group(3) != nonce:
            self.log("auth %s user=%s result=NO (bad client-final)"
                     % (mech, user.decode("latin-1")))
            self.tagged(cmd, "NO [AUTHENTICATIONFAILED] Authentication "
                        "failed.")
            return
        password = (self.opts.password or "secret").encode("utf-8")
        salted = hashlib.pbkdf2_hmac(h, password, salt, iters)
        ckey = hmac.new(salted, b"Client Key", h).digest()
        stored = hashlib.new(h, ckey).digest()
        authmsg = bare + b"," + sfirst + b"," + fm.group(1)
        csig = hmac.new(stored, authmsg, h).digest()
        try:
            proof = base64.b64decode(fm.group(4), validate=True)
        except ValueError:
            proof = b""
        got = bytes(a ^ b for a, b in zip(proof, csig))
        ok = (len(proof) == len(csig) and
              hashlib.new(h, got).digest() == stored and
              self.auth_ok(mech, user, None))
        if self.scram_fault == "bad-signature":
            # An impostor: it cannot know the password, so it signs with
            # another one and says OK to whatever comes.
            salted = hashlib.pbkdf2_hmac(h, b"not the password", salt, iters)
            ok = True
        self.log("auth %s user=%s result=%s" % (
            mech, user.decode("latin-1"), "OK" if ok else "NO"))
        if not ok:
            self.tagged(cmd, "NO [AUTHENTICATIONFAILED] Authentication "
                        "failed.")
            return
        if self.scram_fault != "no-signature":
            skey = hmac.new(salted, b"Server Key", h).digest()
            ssig = hmac.new(skey, authmsg, h).digest()
            self.line(b"+ " + base64.b64encode(b"v=" +
                                               base64.b64encode(ssig)))
            line = self.conn.readline().rstrip(b"\r\n")
            if line == b"*":
                self.log("scram: client cancelled after the signature")
                self.tagged(cmd, "BAD Authentication aborted by client.")
                return
        self.state = "auth"
        code = self.caps_code() if self.opts.caps_in_responses else ""
        self.tagged(cmd, "OK %sLogged in" % code)

    cmd_STARTTLS.state = "nonauth"
    cmd_AUTHENTICATE.state = "nonauth"
    cmd_LOGIN.state = "nonauth"

    # -- authenticated

    def need_box(self, name):
        box = self.store.get(name.decode("latin-1"))
        if box is None:
            raise LookupError(name)
        return box

    def nonexistent(self, cmd, name):
        self.tagged(cmd, b"NO [NONEXISTENT] Mailbox doesn't exist: " + name)

    def cmd_SELECT(self, cmd, readonly=False):
        name = astr(cmd.args[0])
        self.box = None
        self.state = "auth"
        box = self.store.get(name.decode("latin-1"))
        if box is None:
            self.nonexistent(cmd, name)
            return
        self.box = box
        self.readonly = readonly
        self.state = "selected"
        self.line(r"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)")
        self.line(r"* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen "
                  r"\Draft \*)] Flags permitted.")
        self.line("* %d EXISTS" % len(box.msgs))
        self.line("* 0 RECENT")
        unseen = [i + 1 for i, m in enumerate(box.msgs)
                  if r"\Seen" not in m.flags]
        if unseen:
            self.line("* OK [UNSEEN %d] First unseen." % unseen[0])
        self.line("* OK [UIDVALIDITY %d] UIDs valid" % box.uidvalidity)
        self.line("* OK [UIDNEXT %d] Predicted next UID" % box.uidnext)
        self.tagged(cmd, "OK [%s] %s completed." % (
            "READ-ONLY" if readonly else "READ-WRITE",
            "Examine" if readonly else "Select"))

    def cmd_EXAMINE(self, cmd):
        self.cmd_SELECT(cmd, readonly=True)

    def cmd_NAMESPACE(self, cmd):
        self.line('* NAMESPACE ((%s "%s")) NIL NIL' % (
            imap_string(self.store.prefix).decode(), self.store.delim))
        self.tagged(cmd, "OK Namespace completed.")

    def cmd_ENABLE(self, cmd):
        self.line("* ENABLED")
        self.tagged(cmd, "OK Enabled.")

    def list_attrs(self, box):
        attrs = [r"\HasNoChildren"]
        if box.special:
            attrs.append(box.special)
        return attrs

    def cmd_LIST(self, cmd, lsub=False):
        args = list(cmd.args)
        select_opts = []
        if args and isinstance(args[0], list):
            select_opts = [str(a).upper() for a in args.pop(0)]
        ref = astr(args.pop(0)).decode("latin-1")
        pats = args.pop(0)
        pats = [astr(p).decode("latin-1") for p in
                (pats if isinstance(pats, list) else [pats])]
        ret = []
        if args and str(args[0]).upper() == "RETURN":
            ret = args[1]
        status_items = None
        for i, r in enumerate(ret):
            if str(r).upper() == "STATUS" and i + 1 < len(ret):
                status_items = ret[i + 1]
        subscribed_only = lsub or "SUBSCRIBED" in select_opts
        verb = "LSUB" if lsub else "LIST"
        for pat in pats:
            if pat == "" and not lsub:
                self.line('* LIST (\\Noselect) "%s" ""' % self.store.delim)
                continue
            full = ref + pat
            rx = "^" + "".join(
                ".*" if c == "*" else "[^%s]*" % re.escape(self.store.delim)
                if c == "%" else re.escape(c)
                for c in full) + "$"
            for name, box in self.store.boxes.items():
                if not re.match(rx, name, re.I if name == "INBOX" else 0):
                    continue
                if subscribed_only and not box.subscribed:
                    continue
                if "SPECIAL-USE" in select_opts and not box.special:
                    continue
                attrs = self.list_attrs(box)
                if box.subscribed and (subscribed_only or any(
                        str(r).upper() == "SUBSCRIBED" for r in ret)):
                    attrs.append(r"\Subscribed")
                self.send(b'* ' + verb.encode() + b' (' +
                          " ".join(attrs).encode() + b') "' +
                          self.store.delim.encode() + b'" ' +
                          imap_astring(name) + b"\r\n")
                if status_items is not None:
                    self.status_line(box, status_items)
        self.tagged(cmd, "OK %s completed." % verb.capitalize())

    def cmd_LSUB(self, cmd):
        self.cmd_LIST(cmd, lsub=True)

    def status_line(self, box, items):
        out = []
        for it in items:
            it = str(it).upper()
            if it == "MESSAGES":
                v = len(box.msgs)
            elif it == "UNSEEN":
                v = sum(1 for m in box.msgs if r"\Seen" not in m.flags)
            elif it == "RECENT":
                v = 0
            elif it == "UIDNEXT":
                v = box.uidnext
            elif it == "UIDVALIDITY":
                v = box.uidvalidity
            elif it == "SIZE":
                v = sum(len(m.data) for m in box.msgs)
            elif it == "DELETED":
                v = sum(1 for m in box.msgs if r"\Deleted" in m.flags)
            else:
                raise ProtocolError("unknown STATUS item " + it)
            out.append("%s %d" % (it, v))
        self.send(b"* STATUS " + imap_astring(box.name) + b" (" +
                  " ".join(out).encode() + b")" +
                  (b" \r\n" if self.quirk("trailing-space") else b"\r\n"))

    def cmd_STATUS(self, cmd):
        name = astr(cmd.args[0])
        box = self.store.get(name.decode("latin-1"))
        if box is None:
            self.nonexistent(cmd, name)
            return
        self.status_line(box, cmd.args[1])
        self.tagged(cmd, "OK Status completed.")

    def cmd_CREATE(self, cmd):
        name = astr(cmd.args[0]).decode("latin-1").rstrip(self.store.delim)
        if self.store.get(name):
            self.tagged(cmd, "NO [ALREADYEXISTS] Mailbox already exists.")
            return
        self.store.create(name)
        self.tagged(cmd, "OK Create completed.")

    def cmd_DELETE(self, cmd):
        name = astr(cmd.args[0])
        box = self.store.get(name.decode("latin-1"))
        if box is None:
            self.nonexistent(cmd, name)
            return
        if box.name == "INBOX":
            self.tagged(cmd, "NO INBOX can't be deleted.")
            return
        del self.store.boxes[box.name]
        self.tagged(cmd, "OK Delete completed.")

    def cmd_RENAME(self, cmd):
        old, new = astr(cmd.args[0]), astr(cmd.args[1]).decode("latin-1")
        box = self.store.get(old.decode("latin-1"))
        if box is None:
            self.nonexistent(cmd, old)
            return
        if self.store.get(new):
            self.tagged(cmd, "NO [ALREADYEXISTS] Mailbox already exists.")
            return
        del self.store.boxes[box.name]
        box.name = Store.key(new)
        self.store.boxes[box.name] = box
        self.tagged(cmd, "OK Rename completed.")

    def cmd_SUBSCRIBE(self, cmd, value=True):
        name = astr(cmd.args[0])
        box = self.store.get(name.decode("latin-1"))
        if box is None:
            self.nonexistent(cmd, name)
            return
        box.subscribed = value
        self.tagged(cmd, "OK %s completed." % (
            "Subscribe" if value else "Unsubscribe"))

    def cmd_UNSUBSCRIBE(self, cmd):
        self.cmd_SUBSCRIBE(cmd, value=False)

    def cmd_APPEND(self, cmd):
        args = list(cmd.args)
        name = astr(args.pop(0))
        flags = []
        date = None
        if args and isinstance(args[0], list):
            flags = [str(f) for f in args.pop(0)]
        if len(args) > 1 and isinstance(args[0], Str):
            d = bytes(args.pop(0)).decode("latin-1")
            try:
                date = datetime.datetime.strptime(
                    d[:20].strip(), "%d-%b-%Y %H:%M:%S")
            except ValueError:
                self.tagged(cmd, "BAD Invalid date-time.")
                return
        if len(args) != 1 or not isinstance(args[0], Str):
            raise ProtocolError("APPEND wants a literal")
        box = self.store.get(name.decode("latin-1"))
        if box is None:
            self.tagged(cmd, "NO [TRYCREATE] Mailbox doesn't exist.")
            return
        m = box.add(bytes(args[0]), flags, date)
        if box is self.box:
            self.line("* %d EXISTS" % len(box.msgs))
        self.tagged(cmd, "OK [APPENDUID %d %d] Append completed." % (
            box.uidvalidity, m.uid))

    def cmd_GETQUOTAROOT(self, cmd):
        name = astr(cmd.args[0])
        self.send(b"* QUOTAROOT " + imap_astring(name) + b' "User quota"\r\n')
        self.cmd_GETQUOTA(cmd, tagged=False)
        self.tagged(cmd, "OK Getquotaroot completed.")

    def cmd_GETQUOTA(self, cmd, tagged=True):
        used = sum(len(m.data) for b in self.store.boxes.values()
                   for m in b.msgs)
        self.line('* QUOTA "User quota" (STORAGE %d 10240 MESSAGE %d 1000)'
                  % ((used + 1023) // 1024,
                     sum(len(b.msgs) for b in self.store.boxes.values())))
        if tagged:
            self.tagged(cmd, "OK Getquota completed.")

    def cmd_IDLE(self, cmd):
        self.line("+ idling")
        deadline = (time.monotonic() + self.opts.idle_push
                    if self.opts.idle_push else None)
        while True:
            if deadline is not None and not self.conn.pending(
                    max(0.0, deadline - time.monotonic())):
                self.store.deliver()
                if self.box is not None:
                    self.line("* %d EXISTS" % len(self.box.msgs))
                deadline = None
                continue
            line = self.conn.readline()
            if line.rstrip(b"\r\n").upper() == b"DONE":
                break
            self.log("violation: %r during IDLE" % line[:40])
            self.line("* BAD Expected DONE.")
        self.tagged(cmd, "OK Idle completed.")

    for _n in ("SELECT", "EXAMINE", "NAMESPACE", "ENABLE", "LIST", "LSUB",
               "STATUS", "CREATE", "DELETE", "RENAME", "SUBSCRIBE",
               "UNSUBSCRIBE", "APPEND", "GETQUOTAROOT", "GETQUOTA", "IDLE"):
        locals()["cmd_" + _n].state = "auth"

    # -- selected

    def cmd_CHECK(self, cmd):
        self.tagged(cmd, "OK Check completed.")

    def cmd_CLOSE(self, cmd):
        if not self.readonly:
            self.box.msgs = [m for m in self.box.msgs
                             if r"\Deleted" not in m.flags]
        self.box = None
        self.state = "auth"
        self.tagged(cmd, "OK Close completed.")

    def cmd_UNSELECT(self, cmd):
        self.box = None
        self.state = "auth"
        self.tagged(cmd, "OK Unselect completed.")

    def check_set(self, text):
        """Refuse a set as the --quirk servers do."""
        if self.quirk("empty-star") and "*" in text and not self.box.msgs:
            raise Refusal("BAD Command Argument Error. 11")
        if not self.quirk("sorted-sets"):
            return
        last = 0
        for part in text.split(","):
            ends = [float("inf") if g == "*" else int(g)
                    for g in part.split(":") if re.match(r"^(\d+|\*)$", g)]
            if not ends or ends[0] > ends[-1] or ends[0] <= last + 1 and \
                    last > 0:
                self.log("refused unsorted set %s" % text[:80])
                raise Refusal("BAD UID parameters!")
            last = ends[-1]

    def select_msgs(self, cmd, setarg):
        """[(seq, msg)] named by SETARG (UIDs when cmd.uid)."""
        msgs = self.box.msgs
        self.check_set(str(setarg))
        if cmd.uid:
            top = msgs[-1].uid if msgs else 0
            ranges = parse_set(str(setarg), top)
            return [(i + 1, m) for i, m in enumerate(msgs)
                    if in_set(ranges, m.uid)]
        ranges = parse_set(str(setarg), len(msgs))
        if any(hi > len(msgs) for lo, hi in ranges):
            raise ProtocolError("invalid message sequence number")
        return [(i + 1, m) for i, m in enumerate(msgs)
                if in_set(ranges, i + 1)]

    def expunge(self, which):
        """Remove messages in WHICH (a set of ids), sending EXPUNGE."""
        for i in range(len(self.box.msgs) - 1, -1, -1):
            if id(self.box.msgs[i]) in which:
                del self.box.msgs[i]
                self.line("* %d EXPUNGE" % (i + 1))

    def cmd_EXPUNGE(self, cmd):
        if self.readonly:
            self.tagged(cmd, "NO [READ-ONLY] Mailbox is read-only.")
            return
        if cmd.uid:
            sel = self.select_msgs(cmd, cmd.args[0])
            which = {id(m) for _, m in sel if r"\Deleted" in m.flags}
        else:
            which = {id(m) for m in self.box.msgs if r"\Deleted" in m.flags}
        self.expunge(which)
        self.tagged(cmd, "OK Expunge completed.")

    def cmd_STORE(self, cmd):
        sel = self.select_msgs(cmd, cmd.args[0])
        op = str(cmd.args[1]).upper()
        flags = cmd.args[2] if isinstance(cmd.args[2], list) else cmd.args[2:]
        flags = [str(f) for f in flags]
        if self.store.gmail and re.match(r"^[+-]?X-GM-LABELS(\.SILENT)?$",
                                         op):
            raw = cmd.args[2] if isinstance(cmd.args[2], list) \
                else cmd.args[2:]
            self.store_labels(cmd, sel, op, [astr(x).decode("latin-1")
                                             for x in raw])
            return
        m = re.match(r"^([+-]?)FLAGS(\.SILENT)?$", op)
        if not m:
            raise ProtocolError("bad STORE item")
        if self.readonly:
            self.tagged(cmd, "NO [READ-ONLY] Mailbox is read-only.")
            return
        for seq, msg in sel:
            low = [f.lower() for f in msg.flags]
            if m.group(1) == "+":
                msg.flags += [f for f in flags if f.lower() not in low]
            elif m.group(1) == "-":
                drop = {f.lower() for f in flags}
                msg.flags = [f for f in msg.flags if f.lower() not in drop]
            else:
                msg.flags = list(flags)
            if not m.group(2):
                self.line("* %d FETCH (FLAGS (%s)%s)" % (
                    seq, " ".join(msg.flags),
                    " UID %d" % msg.uid if cmd.uid else ""))
        self.tagged(cmd, "OK Store completed.")

    def gm_labels(self, msg):
        return b"(" + b" ".join(
            lab.encode() if lab.startswith("\\") else imap_astring(lab)
            for lab in msg.labels) + b")"

    def store_labels(self, cmd, sel, op, labels):
        """Gmail's label change: a message shows in the mailbox of each
        label it has (INBOX for \\Inbox); taking the selected mailbox's
        label away expunges it there."""
        if self.readonly:
            self.tagged(cmd, "NO [READ-ONLY] Mailbox is read-only.")
            return
        gone = set()
        for seq, msg in sel:
            for lab in labels:
                have = lab.lower() in (x.lower() for x in msg.labels)
                name = GMAIL_SYSTEM.get(lab, lab)
                box = self.store.get(name)
                if op.startswith("+") and not have:
                    msg.labels.append(lab)
                    if box is None and not lab.startswith("\\"):
                        box = self.store.create(name)
                    if box is not None and not any(
                            m.gmid == msg.gmid for m in box.msgs):
                        box.add(msg.data, msg.flags, msg.date, msg)
                elif op.startswith("-") and have:
                    msg.labels[:] = [x for x in msg.labels
                                     if x.lower() != lab.lower()]
                    if box is not None:
                        if box is self.box:
                            gone.add(id(msg))
                        else:
                            box.msgs = [m for m in box.msgs
                                        if m.gmid != msg.gmid]
            if ".SILENT" not in op.upper():
                self.send(b"* %d FETCH (X-GM-LABELS %s UID %d)\r\n" % (
                    seq, self.gm_labels(msg), msg.uid))
        self.expunge(gone)
        self.tagged(cmd, "OK Store completed.")

    def cmd_COPY(self, cmd, move=False):
        sel = self.select_msgs(cmd, cmd.args[0])
        name = astr(cmd.args[1])
        dest = self.store.get(name.decode("latin-1"))
        if dest is None:
            self.tagged(cmd, "NO [TRYCREATE] Mailbox doesn't exist.")
            return
        if move and self.readonly:
            self.tagged(cmd, "NO [READ-ONLY] Mailbox is read-only.")
            return
        src_uids, dst_uids = [], []
        for _, m in sel:
            n = dest.add(m.data, [f for f in m.flags if f != r"\Recent"],
                         m.date)
            src_uids.append(m.uid)
            dst_uids.append(n.uid)
        code = "COPYUID %d %s %s" % (dest.uidvalidity, compress(src_uids),
                                     compress(dst_uids)) if sel else ""
        if move:
            if code:
                self.line("* OK [%s] Moved UIDs." % code)
            self.expunge({id(m) for _, m in sel})
            self.tagged(cmd, "OK Move completed.")
        else:
            self.tagged(cmd, "OK %sCopy completed." % (
                "[%s] " % code if code else ""))

    def cmd_MOVE(self, cmd):
        self.cmd_COPY(cmd, move=True)

    # FETCH

    def fetch_items(self, arg):
        items = arg if isinstance(arg, list) else [arg]
        items = [str(i) for i in items]
        macro = {"ALL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"],
                 "FAST": ["FLAGS", "INTERNALDATE", "RFC822.SIZE"],
                 "FULL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE",
                          "BODY"]}
        if len(items) == 1 and items[0].upper() in macro:
            items = macro[items[0].upper()]
        return items

    def section(self, msg, sec):
        head, text = msg.split()
        up = sec.upper()
        if up == "":
            return msg.data
        if up == "HEADER":
            return head
        if up in ("TEXT", "1"):
            return text
        m = re.match(r"^HEADER\.FIELDS(\.NOT)?\s*\((.*)\)$", sec, re.I)
        if m:
            names = {n.lower().encode() for n in m.group(2).split()}
            lines = [line for n, line in msg.headers()
                     if (n in names) != bool(m.group(1))]
            return b"".join(lines) + b"\r\n"
        if up == "1.MIME":
            return b"Content-Type: text/plain; charset=UTF-8\r\n\r\n"
        raise ProtocolError("unsupported section " + sec)

    def quirk(self, name):
        return name in self.opts.quirk

    def envelope(self, msg):
        nils = self.quirk("nil-strings")
        absent = b"()" if self.quirk("empty-addr-list") else b"NIL"

        def addrs(name):
            v = msg.header(name)
            if v is None:
                return absent
            out = []
            for part in re.findall(rb'(?:"[^"]*"|[^,])+', v):
                part = part.strip()
                m = re.match(rb"^(.*?)\s*<([^>]*)>$", part)
                disp, addr = (m.group(1).strip(b' "'), m.group(2)) if m \
                    else (None, part)
                mbox, _, host = addr.partition(b"@")
                if nils and not m and b"@" not in addr:
                    disp, mbox, host = addr, None, None
                elif nils and not mbox:
                    mbox = None
                out.append(b"(" + imap_nstring(disp or None) + b" NIL " +
                           imap_nstring(mbox) + b" " +
                           imap_nstring(host or None) + b")")
            return b"(" + b"".join(out) + b")" if out else absent

        def field(name):
            v = msg.header(name)
            if nils and name == "subject" and v == b"":
                return b"NIL"
            if nils and name in ("in-reply-to", "message-id") and v is None:
                return b'""'
            return imap_nstring(v)
        frm = addrs("from")
        sender = addrs("sender") if msg.header("sender") else frm
        reply = addrs("reply-to") if msg.header("reply-to") else frm
        return b"(" + b" ".join([
            field("date"), field("subject"),
            frm, sender, reply, addrs("to"), addrs("cc"), addrs("bcc"),
            field("in-reply-to"), field("message-id")]) + \
            (b" )" if self.quirk("trailing-space") else b")")

    def bodystructure(self, msg, ext):
        text = msg.split()[1]
        s = b'("TEXT" "PLAIN" ("CHARSET" "UTF-8") NIL NIL "8BIT" %d %d' % (
            len(text), text.count(b"\n"))
        return s + (b" NIL NIL NIL NIL)" if ext else b")")

    def fetch_one(self, seq, msg, items, uid_cmd):
        parts = []
        names = [i.upper() for i in items]
        if uid_cmd and "UID" not in names:
            items = ["UID"] + items
        set_seen = False
        for item in items:
            up = item.upper()
            if up == "UID":
                parts.append(b"UID %d" % msg.uid)
            elif up == "FLAGS":
                parts.append(b"FLAGS (" + " ".join(msg.flags).encode() +
                             (b" )" if self.quirk("trailing-space")
                              else b")"))
            elif up == "INTERNALDATE":
                parts.append(b'INTERNALDATE "' +
                             imap_datetime(msg.date).encode() + b'"')
            elif up == "RFC822.SIZE":
                parts.append(b"RFC822.SIZE %d" % len(msg.data))
            elif up == "X-GM-LABELS" and self.store.gmail:
                parts.append(b"X-GM-LABELS " + self.gm_labels(msg))
            elif up == "ENVELOPE":
                parts.append(b"ENVELOPE " + self.envelope(msg))
            elif up in ("BODYSTRUCTURE", "BODY"):
                parts.append(up.encode() + b" " +
                             self.bodystructure(msg, up == "BODYSTRUCTURE"))
            elif up in ("RFC822", "RFC822.HEADER", "RFC822.TEXT"):
                sec = {"RFC822": "", "RFC822.HEADER": "HEADER",
                       "RFC822.TEXT": "TEXT"}[up]
                parts.append(up.encode() + b" " +
                             imap_string_lit(self.section(msg, sec)))
                if up != "RFC822.HEADER":
                    set_seen = True
            else:
                m = re.match(r"^(BODY|BINARY)(\.PEEK)?\[(.*)\]"
                             r"(?:<(\d+)(?:\.(\d+))?>)?$", item, re.I)
                if not m:
                    raise ProtocolError("unknown FETCH item " + item)
                data = self.section(msg, m.group(3))
                name = "%s[%s]" % (m.group(1).upper(), m.group(3))
                if m.group(4) is not None:
                    origin = int(m.group(4))
                    data = data[origin:]
                    if m.group(5) is not None:
                        data = data[:int(m.group(5))]
                    name += "<%d>" % origin
                parts.append(name.encode() + b" " + imap_string_lit(data))
                if not m.group(2):
                    set_seen = True
        if set_seen and not self.readonly and r"\Seen" not in msg.flags:
            msg.flags.append(r"\Seen")
            if "FLAGS" not in names:
                parts.append(b"FLAGS (" + " ".join(msg.flags).encode() + b")")
        return b"* %d FETCH (" % seq + b" ".join(parts) + \
            (b" )\r\n" if self.quirk("trailing-space") else b")\r\n")

    def cmd_FETCH(self, cmd):
        sel = self.select_msgs(cmd, cmd.args[0])
        items = self.fetch_items(cmd.args[1])
        out = [self.fetch_one(seq, m, items, cmd.uid) for seq, m in sel]
        for o in out:
            self.send(o)
        self.tagged(cmd, "OK Fetch completed.")

    # SEARCH

    def search_key(self, toks, i):
        """Parse one search key at toks[i] -> (predicate(seq, msg), next)."""
        t = toks[i]
        if isinstance(t, list):
            preds = []
            j = 0
            while j < len(t):
                p, j = self.search_key(t, j)
                preds.append(p)
            return (lambda s, m: all(p(s, m) for p in preds)), i + 1
        k = str(t).upper()
        flag_keys = {"ANSWERED": r"\Answered", "DELETED": r"\Deleted",
                     "DRAFT": r"\Draft", "FLAGGED": r"\Flagged",
                     "SEEN": r"\Seen", "RECENT": r"\Recent"}
        if k == "ALL":
            return (lambda s, m: True), i + 1
        if k in ("NEW", "OLD"):
            return (lambda s, m: k == "OLD"), i + 1
        if k in flag_keys:
            f = flag_keys[k].lower()
            return (lambda s, m: f in (x.lower() for x in m.flags)), i + 1
        if k.startswith("UN") and k[2:] in flag_keys:
            f = flag_keys[k[2:]].lower()
            return (lambda s, m: f not in (x.lower() for x in m.flags)), i + 1
        if k in ("KEYWORD", "UNKEYWORD"):
            f = str(toks[i + 1]).lower()
            want = k == "KEYWORD"
            return (lambda s, m: (f in (x.lower() for x in m.flags)) == want
                    ), i + 2
        if k == "NOT":
            p, j = self.search_key(toks, i + 1)
            return (lambda s, m: not p(s, m)), j
        if k == "OR":
            p1, j = self.search_key(toks, i + 1)
            p2, j = self.search_key(toks, j)
            return (lambda s, m: p1(s, m) or p2(s, m)), j
        if k in ("FROM", "TO", "CC", "BCC", "SUBJECT"):
            v = astr(toks[i + 1]).lower()
            h = k.lower()
            return (lambda s, m: v in (m.header(h) or b"").lower()), i + 2
        if k == "HEADER":
            h, v = astr(toks[i + 1]), astr(toks[i + 2]).lower()
            return (lambda s, m: m.header(h) is not None
                    and v in m.header(h).lower()), i + 3
        if k in ("BODY", "TEXT"):
            v = astr(toks[i + 1]).lower()
            return (lambda s, m: v in (m.split()[1] if k == "BODY"
                                       else m.data).lower()), i + 2
        if k in ("LARGER", "SMALLER"):
            n = int(str(toks[i + 1]))
            return (lambda s, m: len(m.data) > n if k == "LARGER"
                    else len(m.data) < n), i + 2
        if k in ("BEFORE", "ON", "SINCE"):
            d = imap_date_parse(astr(toks[i + 1]).decode("latin-1"))
            if d is None:
                raise ProtocolError("bad date")
            cmp = {"BEFORE": lambda a: a < d, "ON": lambda a: a == d,
                   "SINCE": lambda a: a >= d}[k]
            return (lambda s, m: cmp(m.date.date())), i + 2
        if k == "UID":
            self.check_set(str(toks[i + 1]))
            top = self.box.msgs[-1].uid if self.box.msgs else 0
            r = parse_set(str(toks[i + 1]), top)
            return (lambda s, m: in_set(r, m.uid)), i + 2
        if re.match(r"^[0-9*:,]+$", k):
            self.check_set(k)
            r = parse_set(k, len(self.box.msgs))
            return (lambda s, m: in_set(r, s)), i + 1
        raise ProtocolError("search key not supported by the hostile "
                            "server: " + k)

    def cmd_SEARCH(self, cmd):
        toks = list(cmd.args)
        if toks and str(toks[0]).upper() == "RETURN":
            raise ProtocolError("ESEARCH not supported")
        if toks and str(toks[0]).upper() == "CHARSET":
            if self.quirk("ascii-search") and \
                    str(toks[1]).upper() != "US-ASCII":
                self.tagged(cmd, "NO [BADCHARSET (US-ASCII)] The specified "
                            "charset is not supported.")
                return
            toks = toks[2:]
        preds = []
        i = 0
        while i < len(toks):
            p, i = self.search_key(toks, i)
            preds.append(p)
        hits = [m.uid if cmd.uid else seq
                for seq, m in enumerate(self.box.msgs, 1)
                if all(p(seq, m) for p in preds)]
        self.line("* SEARCH" + "".join(" %d" % h for h in hits) +
                  (" " if self.quirk("trailing-space") else ""))
        self.tagged(cmd, "OK Search completed.")

    for _n in ("CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "STORE", "COPY",
               "MOVE", "FETCH", "SEARCH"):
        locals()["cmd_" + _n].state = "selected"
    del _n

    # -- helpers for scenarios

    def fetch_target(self, cmd):
        """(seq, uid) of the first message CMD names, else (1, 1)."""
        if cmd is not None and cmd.name == "FETCH" and self.box is not None \
                and cmd.args:
            try:
                sel = self.select_msgs(cmd, cmd.args[0])
                if sel:
                    return sel[0][0], sel[0][1].uid
            except (ProtocolError, Refusal):
                pass
        return 1, 1


def imap_string_lit(data):
    """Message data always as a literal."""
    return b"{%d}\r\n" % len(data) + data


# ------------------------------------------------------------- scenarios

SCENARIOS = {}


def scenario(cls):
    SCENARIOS[cls.name] = cls
    return cls


scenario(Session)


@scenario
class NoStarttls(Session):
    name = "no-starttls"
    doc = "cleartext; STARTTLS never advertised (and BAD if sent anyway)"
    starttls_advertised = False


@scenario
class StarttlsRefused(Session):
    name = "starttls-refused"
    doc = "advertises STARTTLS, answers it: TAG NO [UNAVAILABLE] ..."
    starttls_advertised = True

    def cmd_STARTTLS(self, cmd):
        self.tagged(cmd, "NO [UNAVAILABLE] STARTTLS is not available now.")
    cmd_STARTTLS.state = "nonauth"


@scenario
class StarttlsBad(Session):
    name = "starttls-bad"
    doc = "advertises STARTTLS, answers it: TAG BAD ..."
    starttls_advertised = True

    def cmd_STARTTLS(self, cmd):
        self.tagged(cmd, "BAD STARTTLS failed: unexpected command.")
    cmd_STARTTLS.state = "nonauth"


DEFAULT_INJECT = ("* CAPABILITY IMAP4rev1 AUTH=PLAIN X-INJECTED\\r\\n"
                  "{tag+1} OK [CAPABILITY IMAP4rev1 X-INJECTED] LOGIN "
                  "completed (injected)\\r\\n")


@scenario
class StarttlsInject(Session):
    name = "starttls-inject"
    doc = ("answers STARTTLS with OK plus injected cleartext in the same "
           "write, then does the TLS handshake properly")

    def cmd_STARTTLS(self, cmd):
        if self.srv.tls_ctx is None:
            self.tagged(cmd, "NO [UNAVAILABLE] No certificate configured.")
            return
        inject = fill_placeholders(
            unescape(self.opts.inject or DEFAULT_INJECT), cmd.tag)
        self.send(cmd.tag.encode("latin-1") +
                  b" OK Begin TLS negotiation now.\r\n" + inject)
        self.log("injected %d bytes after STARTTLS OK" % len(inject))
        self.conn.starttls(self.srv.tls_ctx)
    cmd_STARTTLS.state = "nonauth"


@scenario
class Preauth(Session):
    name = "preauth"
    doc = "greets with * PREAUTH (cleartext unless --tls implicit)"

    def greeting(self):
        self.state = "auth"
        self.line("* PREAUTH %sLogged in as hostile." % self.caps_code())


@scenario
class StallGreeting(Session):
    name = "stall-greeting"
    doc = "accepts TCP (and TLS with --tls implicit), never greets"

    def greeting(self):
        self.log("stalling before greeting")
        self.conn.drain()
        self.conn.close()


@scenario
class StallCommand(Session):
    name = "stall-command"
    doc = "normal until login, then never answers the trigger command"
    trigger = "after-login"

    def misbehave(self, cmd):
        return "wait"


@scenario
class DelayGreeting(Session):
    name = "delay-greeting"
    doc = "greeting after --delay SECONDS (default 3; delay-greeting:N)"

    def run(self):
        if not self.opts.delay:
            self.opts.delay = float(self.arg) if self.arg else 3.0
        super().run()


@scenario
class ByeMidCommand(Session):
    name = "bye-mid-command"
    doc = "answers the trigger command with * BYE and closes"
    trigger = "after-login"

    def misbehave(self, cmd):
        self.line("* BYE server shutting down")
        return "close"


def literal_message(size):
    head = (b"Date: Fri, 01 Mar 2024 09:22:03 +0000\r\n"
            b"From: Alice Example <alice@example.org>\r\n"
            b"To: Bob Example <bob@example.org>\r\n"
            b"Subject: Truncated message\r\n"
            b"Message-ID: <big@hostile.example>\r\n\r\n")
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n"
    body = line * ((size - len(head)) // len(line) + 1)
    return (head + body)[:size]


@scenario
class CloseMidLiteral(Session):
    name = "close-mid-literal"
    doc = ("to the first FETCH: * SEQ FETCH (UID U BODY[] {100000} and "
           "--partial-bytes of it, then close")
    trigger = "FETCH"

    def misbehave(self, cmd):
        seq, uid = self.fetch_target(cmd)
        data = literal_message(100000)[:self.opts.partial_bytes]
        self.send(b"* %d FETCH (UID %d BODY[] {100000}\r\n" % (seq, uid) +
                  data)
        return "close"


@scenario
class HugeLiteral(Session):
    name = "huge-literal"
    doc = ("after login: * SEQ FETCH (UID U BODY[] {1000000000000}, "
           "then waits")
    trigger = "after-login"

    def misbehave(self, cmd):
        seq, uid = self.fetch_target(cmd)
        self.send(b"* %d FETCH (UID %d BODY[] {1000000000000}\r\n"
                  % (seq, uid))
        return "wait"


@scenario
class LongLine(Session):
    name = "long-line"
    doc = ("after login: '* OK ' then 'A' * --long-line-bytes without CRLF, "
           "streamed 1 MiB at a time until the client goes, then waits")
    trigger = "after-login"

    def misbehave(self, cmd):
        total = self.opts.long_line_bytes
        sent = 0
        chunk = b"A" * CHUNK
        try:
            self.send(b"* OK ")
            sent = 5
            while sent < total:
                n = min(CHUNK, total - sent)
                self.send(chunk[:n])
                sent += n
        except ClientGone as e:
            self.log("long-line sent=%d stopped: %s" % (sent, e))
            return "close"
        self.log("long-line sent=%d complete" % sent)
        return "wait"


GARBAGE = (b"\x00\x01\x02\xff\xfe\xfd\x80\x81 \x1b[2J\x1b]0;pwned\x07"
           b"HTTP/1.1 400 Bad Request \xc3\x28 not an IMAP greeting\r\n")


@scenario
class Garbage(Session):
    name = "garbage"
    doc = "greeting is binary junk ending in CRLF, then waits"

    def greeting(self):
        self.send(GARBAGE)
        self.conn.drain()
        self.conn.close()


MALFORMED = (b"* 1 FETCH (UID 1 FLAGS (\\Seen)\r\n"
             b"* 2 FETCH (UID 2 BODY[] {12x}\r\n")


@scenario
class Malformed(Session):
    name = "malformed"
    doc = ("after login, before the normal answer to the trigger command: "
           "an unbalanced-parens FETCH and a {12x} literal spec")
    trigger = "after-login"

    def misbehave(self, cmd):
        self.send(MALFORMED)
        return None


@scenario
class CompressCorrupt(Session):
    name = "compress-corrupt"
    doc = ("offers COMPRESS=DEFLATE; after its OK, answers the next command "
           "with bytes that are no deflate stream (a reserved block type), "
           "then waits")
    trigger = "after-login"

    def caps(self):
        return super().caps() + ["COMPRESS=DEFLATE"]

    def should_trigger(self, cmd):
        return (not self.triggered and self.conn.zin is not None and
                cmd.name not in HOUSEKEEPING)

    def misbehave(self, cmd):
        self.conn.send_raw(b"\xff\xff\xff\xff" * 16)
        return "wait"


@scenario
class CompressBomb(Session):
    name = "compress-bomb"
    doc = ("offers COMPRESS=DEFLATE; after its OK, answers the next command "
           "with a deflate stream of some 1 MB that inflates to '* OK ' and "
           "--long-line-bytes (default 1 GiB here) of 'A' without CRLF, "
           "until the client goes; then waits")
    trigger = "after-login"

    def caps(self):
        return super().caps() + ["COMPRESS=DEFLATE"]

    def should_trigger(self, cmd):
        return (not self.triggered and self.conn.zin is not None and
                cmd.name not in HOUSEKEEPING)

    def misbehave(self, cmd):
        total = self.opts.long_line_bytes
        if total == DEFAULT_LONG_LINE:
            total = 1 << 30
        z = self.conn.zout
        head = z.compress(b"* OK ") + z.flush(zlib.Z_FULL_FLUSH)
        # After a full flush a block refers to nothing before it: the same
        # bytes inflate to another MiB of 'A' each time they are sent.
        block = z.compress(b"A" * CHUNK) + z.flush(zlib.Z_FULL_FLUSH)
        sent = wire = 0
        try:
            self.conn.send_raw(head)
            wire = len(head)
            while sent < total:
                self.conn.send_raw(block)
                sent += CHUNK
                wire += len(block)
        except ClientGone as e:
            self.log("compress-bomb inflated=%d wire=%d stopped: %s"
                     % (sent, wire, e))
            return "close"
        self.log("compress-bomb inflated=%d wire=%d complete" % (sent, wire))
        return "wait"


@scenario
class CompressPlain(Session):
    name = "compress-plain"
    doc = ("offers COMPRESS=DEFLATE, answers it OK and inflates what the "
           "client sends, but answers in plain text")
    trigger = None

    def caps(self):
        return super().caps() + ["COMPRESS=DEFLATE"]

    def cmd_COMPRESS(self, cmd):
        self.tagged(cmd, "OK Begin compression.")
        self.start_compression(ours=False)


@scenario
class CompressNo(Session):
    name = "compress-no"
    doc = "offers COMPRESS=DEFLATE but answers it NO"

    def caps(self):
        return super().caps() + ["COMPRESS=DEFLATE"]

    def cmd_COMPRESS(self, cmd):
        self.tagged(cmd, "NO Compression is not available now.")


@scenario
class LoginNo(Session):
    name = "login-no"
    doc = "LOGIN/AUTHENTICATE: TAG NO [AUTHENTICATIONFAILED] Authentication failed."

    def auth_ok(self, mech, user, pw):
        return False


@scenario
class ScramBadSignature(Session):
    name = "scram-bad-signature"
    doc = ("offers SCRAM-SHA-256 and SCRAM-SHA-1; completes the exchange "
           "with a server signature made from another password, then OK")
    scram_fault = "bad-signature"

    def base_caps(self):
        return super().base_caps() + ["AUTH=SCRAM-SHA-256",
                                      "AUTH=SCRAM-SHA-1"]


@scenario
class ScramNoSignature(ScramBadSignature):
    name = "scram-no-signature"
    doc = ("offers SCRAM; answers the client's proof with a tagged OK, "
           "without the server signature")
    scram_fault = "no-signature"


@scenario
class ScramBadNonce(ScramBadSignature):
    name = "scram-bad-nonce"
    doc = "offers SCRAM; its nonce does not extend the client's"
    scram_fault = "bad-nonce"


@scenario
class BadTag(Session):
    name = "bad-tag"
    doc = ("after login, before the normal answer to the trigger command: "
           "'ZZ9999 OK completed.' (--bogus-tag)")
    trigger = "after-login"

    def misbehave(self, cmd):
        tag = fill_placeholders(unescape(self.opts.bogus_tag),
                                cmd.tag if cmd else None)
        self.send(tag + b" OK completed.\r\n")
        return None


# extras

@scenario
class ByeGreeting(Session):
    name = "bye-greeting"
    doc = "greeting is '* BYE Too many connections, try later.', then close"

    def run(self):
        self.line("* BYE Too many connections, try later.")
        self.conn.close()


@scenario
class CloseGreeting(Session):
    name = "close-greeting"
    doc = "accepts and closes at once (after the TLS handshake if implicit)"

    def run(self):
        self.conn.close()


@scenario
class ResetMidCommand(Session):
    name = "reset-mid-command"
    doc = "after login, the trigger command gets a TCP RST"
    trigger = "after-login"

    def misbehave(self, cmd):
        self.conn.reset()
        return "close"


@scenario
class BadReply(Session):
    name = "bad-reply"
    doc = "after login: TAG BAD [CLIENTBUG] The hostile server rejects this."
    trigger = "after-login"

    def misbehave(self, cmd):
        self.tagged(cmd, "BAD [CLIENTBUG] The hostile server rejects this.")
        return "done"


@scenario
class NoReply(Session):
    name = "no-reply"
    doc = "after login: TAG NO [CANNOT] The hostile server refuses this."
    trigger = "after-login"

    def misbehave(self, cmd):
        self.tagged(cmd, "NO [CANNOT] The hostile server refuses this.")
        return "done"


@scenario
class DeepNesting(Session):
    name = "deep-nesting"
    doc = ("after login, before the normal answer: * 1 FETCH (UID 1 "
           "X-HOSTILE ((((...)))) ) nested --depth deep")
    trigger = "after-login"

    def misbehave(self, cmd):
        d = self.opts.depth
        self.send(b"* 1 FETCH (UID 1 X-HOSTILE " + b"(" * d + b")" * d +
                  b")\r\n")
        return None


@scenario
class SearchFlood(Session):
    name = "search-flood"
    doc = ("every SEARCH: --flood N UIDs, the odd ones from 2N-1 down to 1, "
           "in * SEARCH lines of 500000, then the tagged OK (a list that "
           "is long, and in the worst order for a client that keeps it "
           "sorted)")
    trigger = "any"

    def should_trigger(self, cmd):
        return self.state == "selected" and cmd.name == "SEARCH"

    def misbehave(self, cmd):
        n = self.opts.flood
        uids = range(2 * n - 1, 0, -2)
        for i in range(0, n, 500000):
            self.send(b"* SEARCH " +
                      " ".join(map(str, uids[i:i + 500000])).encode() +
                      b"\r\n")
        self.tagged(cmd, "OK Search completed (flooded).")
        return "done"


STATUS_OVERFLOW = (b" (MESSAGES 18446744073709551616 UNSEEN "
                   b"99999999999999999999 UIDNEXT 4294967296 UIDVALIDITY "
                   b"4294967296)\r\n")
OVERFLOW = (b"* 18446744073709551616 EXISTS\r\n"
            b"* 1 FETCH (UID 4294967296 RFC822.SIZE "
            b"99999999999999999999999)\r\n")


@scenario
class NumberOverflow(Session):
    name = "number-overflow"
    doc = ("after login, before the normal answer: numbers beyond 64 and "
           "32 bits (EXISTS, UID, RFC822.SIZE); a STATUS is answered only "
           "with such numbers")
    trigger = "after-login"

    def misbehave(self, cmd):
        self.send(OVERFLOW)
        if cmd is not None and cmd.name == "STATUS" and cmd.args:
            self.send(b"* STATUS " + imap_astring(astr(cmd.args[0])) +
                      STATUS_OVERFLOW)
            self.tagged(cmd, "OK Status completed.")
            return "done"
        return None


@scenario
class LoginDisabled(Session):
    name = "logindisabled"
    doc = ("before TLS: STARTTLS (with a cert) and LOGINDISABLED, no "
           "AUTH=PLAIN/LOGIN; LOGIN or AUTHENTICATE PLAIN/LOGIN there get "
           "NO [PRIVACYREQUIRED]")

    def login_disabled(self):
        return not self.conn.tls


@scenario
class IdleDrop(Session):
    name = "idle-drop"
    doc = ("the first IDLE of the process gets '+ idling', then the "
           "connection closes after 0.5 s and a new message is delivered; "
           "later connections are well-behaved (use --connections 2)")

    def cmd_IDLE(self, cmd):
        if self.srv.idle_dropped:
            return Session.cmd_IDLE(self, cmd)
        self.srv.idle_dropped = True
        self.line("+ idling")
        time.sleep(0.5)
        self.store.deliver()
        self.log("dropping connection during IDLE")
        self.conn.close()
    cmd_IDLE.state = "auth"


class ScriptSession(Session):
    name = "script"
    doc = "runs --script FILE"

    def run(self):
        lines = self.srv.script_section(self.conn.num)
        for lineno, text in lines:
            if self.conn.closed:
                raise ScriptFailed("line %d: connection already closed "
                                   "before '%s'" % (lineno, text))
            verb, _, rest = text.partition(" ")
            verb = verb.lower()
            try:
                self.step(lineno, verb, rest)
            except ClientGone as e:
                raise ScriptFailed("line %d: '%s': client gone (%s)" % (
                    lineno, text, e))
            except ReadTimeout:
                raise ScriptFailed("line %d: '%s': timed out" % (lineno,
                                                                 text))
        self.conn.close()

    def step(self, lineno, verb, rest):
        tag = self.cur.tag if self.cur else None
        if verb == "greeting":
            if rest:
                self.line(b"* OK " + fill_placeholders(unescape(rest), tag))
            else:
                self.greeting()
        elif verb == "send":
            self.line(fill_placeholders(unescape(rest), tag))
        elif verb == "sendraw":
            self.send(fill_placeholders(unescape(rest), tag))
        elif verb in ("expect", "expect-re"):
            cmd = None
            while cmd is None:
                cmd = self.read_command()
            ok = (re.search(rest.encode("utf-8"), cmd.raw) is not None
                  if verb == "expect-re" else cmd.contains(
                      rest.encode("utf-8")))
            if not ok:
                raise ScriptFailed("line %d: expected %r, got %r" % (
                    lineno, rest, cmd.raw[:200]))
        elif verb == "reply":
            if self.cur is None:
                raise ScriptFailed("line %d: reply before any command" %
                                   lineno)
            text = fill_placeholders(unescape(rest), tag)
            self.tagged(self.cur, text)
            self.track_state(self.cur, text)
        elif verb == "serve":
            try:
                self.loop()
            except (ClientGone, ReadTimeout) as e:
                self.log("serve ended: %s" % (e or "timeout"))
                self.conn.close()
        elif verb == "handle":
            if self.cur is None:
                raise ScriptFailed("line %d: handle before any command" %
                                   lineno)
            self.dispatch(self.cur)
        elif verb == "fill":
            m = re.match(r"^(.*?) (\d+)(?: (\d+))?$", rest)
            box = self.store.get(m.group(1)) if m else None
            if box is None:
                raise ScriptFailed("line %d: fill MAILBOX COUNT [SIZE]" %
                                   lineno)
            size = int(m.group(3) or 0)
            for _ in range(int(m.group(2))):
                n = box.uidnext
                body = b"Message %d of a large mailbox.\r\n" % n
                # Lines of 76 "x" to make up the size asked.
                while len(body) + 300 < size:
                    body += b"x" * 76 + b"\r\n"
                box.add(make_message(
                    b"Filler %d" % n, b"Fay <fay@example.com>", body,
                    b"Message-ID: <fill%d@hostile.example>\r\n" % n))
        elif verb == "serve-until":
            cmd = self.loop(until=rest.encode("utf-8"))
            if cmd is None:
                raise ScriptFailed("line %d: connection ended before a "
                                   "command containing %r" % (lineno, rest))
        elif verb == "tls":
            if self.srv.tls_ctx is None:
                raise ScriptFailed("line %d: tls needs --cert and --key" %
                                   lineno)
            self.conn.starttls(self.srv.tls_ctx)
        elif verb == "sleep":
            time.sleep(float(rest))
        elif verb == "wait":
            self.conn.drain()
        elif verb == "close":
            self.conn.close()
        elif verb == "reset":
            self.conn.reset()
        else:
            raise ScriptFailed("line %d: unknown statement %r" % (lineno,
                                                                   verb))

    def track_state(self, cmd, reply):
        """Keep the session state right when a script answers by hand, so a
        later 'serve' continues sensibly."""
        if not reply.upper().startswith(b"OK"):
            return
        if cmd.name in ("LOGIN", "AUTHENTICATE"):
            self.state = "auth"
        elif cmd.name in ("SELECT", "EXAMINE") and cmd.args:
            try:
                self.box = self.store.get(astr(cmd.args[0]).decode("latin-1"))
            except ProtocolError:
                self.box = None
            self.state = "selected" if self.box else "auth"
            self.readonly = cmd.name == "EXAMINE"
        elif cmd.name in ("CLOSE", "UNSELECT"):
            self.state, self.box = "auth", None
        elif cmd.name == "LOGOUT":
            self.state = "logout"


# ---------------------------------------------------------------- server

class Server:
    def __init__(self, opts):
        self.opts = opts
        self.store = Store(opts.layout)
        self.rec = open(opts.record, "ab", buffering=0) if opts.record \
            else None
        self.sentf = open(opts.sent, "ab", buffering=0) if opts.sent \
            else None
        self.logf = open(opts.log, "a", buffering=1) if opts.log else None
        self.tls_ctx = self.make_tls() if opts.cert else None
        self.current_sni = None
        self.idle_dropped = False
        self.script_failed = False
        self.script = self.load_script(opts.script) if opts.script else None
        self.lsock = None
        self.throttle_left = opts.throttle
        self.throttle_nth = {int(n) for n in opts.throttle_nth.split(",")
                             if n.strip()}
        self.throttle_seen = 0

    def log(self, msg):
        line = "%.3f %s" % (time.time(), msg)
        if self.logf:
            self.logf.write(line + "\n")
        if self.opts.verbose:
            sys.stderr.write("hostile: " + line + "\n")
            sys.stderr.flush()

    def record(self, data):
        if self.rec:
            self.rec.write(data)

    def record_sent(self, data):
        if self.sentf:
            self.sentf.write(data)

    def make_tls(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.opts.cert, self.opts.key)
        if self.opts.tls_max:
            ver = {"1.0": ssl.TLSVersion.TLSv1,
                   "1.1": ssl.TLSVersion.TLSv1_1,
                   "1.2": ssl.TLSVersion.TLSv1_2,
                   "1.3": ssl.TLSVersion.TLSv1_3}[self.opts.tls_max]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                if ver < ssl.TLSVersion.TLSv1_2:
                    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
                    ctx.minimum_version = ssl.TLSVersion.TLSv1
                ctx.maximum_version = ver

        def sni(sslobj, name, context):
            self.current_sni = name
        ctx.sni_callback = sni
        return ctx

    @staticmethod
    def load_script(path):
        sections = [[]]
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                line = line.rstrip("\r\n")
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                line = line.lstrip()
                if line.strip().lower() == "connection":
                    if sections[-1]:
                        sections.append([])
                    continue
                sections[-1].append((lineno, line))
        return sections

    def script_section(self, num):
        return self.script[min(num, len(self.script)) - 1]

    def listen(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.opts.bind, self.opts.port))
        s.listen(8)
        self.lsock = s
        port = s.getsockname()[1]
        tmp = self.opts.portfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, self.opts.portfile)
        self.log("server listening %s:%d scenario=%s tls=%s" % (
            self.opts.bind, port, self.opts.scenario, self.opts.tls))

    def serve(self):
        self.listen()
        num = 0
        while self.opts.connections == 0 or num < self.opts.connections:
            self.lsock.settimeout(self.opts.timeout)
            try:
                sock, addr = self.lsock.accept()
            except (socket.timeout, TimeoutError):
                self.log("server idle timeout, no connection")
                break
            num += 1
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Conn(self, sock, num)
            conn.log("accepted %s:%d" % addr)
            self.handle(conn)
        self.lsock.close()

    def handle(self, conn):
        cls, arg = self.session_class()
        try:
            if self.opts.tls == "implicit":
                conn.wrap(self.tls_ctx)
            cls(self, conn, arg).run()
            why = "closed by server" if conn.closed else "done"
        except ClientGone as e:
            why = "client gone (%s)" % e
        except ReadTimeout:
            why = "timeout"
        except ProtocolError as e:
            why = "protocol error (%s)" % e
            try:
                conn.send(b"* BYE %s\r\n" % str(e).encode())
            except ClientGone:
                pass
        except ScriptFailed as e:
            self.script_failed = True
            why = "script failed"
            self.log("script: %s" % e)
            sys.stderr.write("hostile: script: %s\n" % e)
        conn.close()
        conn.log("closed: %s; received=%d sent=%d" % (why, conn.received,
                                                       conn.sent))

    def session_class(self):
        name = self.opts.scenario
        arg = None
        m = re.match(r"^([a-z0-9-]+)(?:[: ]\s*(\S+))?$", name)
        if m:
            name, arg = m.group(1), m.group(2)
        if self.script is not None:
            return ScriptSession, arg
        return SCENARIOS[name], arg


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Scripted hostile IMAP server for imapctl tests.")
    p.add_argument("--scenario", default=None)
    p.add_argument("--portfile")
    p.add_argument("--record")
    p.add_argument("--sent")
    p.add_argument("--log")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--tls", choices=["implicit", "none"], default="none")
    p.add_argument("--tls-max", choices=["1.0", "1.1", "1.2", "1.3"])
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--connections", type=int, default=1)
    p.add_argument("--script")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--lifetime", type=float, default=120.0)
    p.add_argument("--caps")
    p.add_argument("--add-cap", action="append", default=[])
    p.add_argument("--drop-cap", action="append", default=[])
    p.add_argument("--caps-in-responses", action="store_true")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--on")
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--reply-delay", type=float, default=0.0)
    p.add_argument("--idle-push", type=float, default=0.0)
    p.add_argument("--quirk", action="append", default=[])
    p.add_argument("--throttle", type=int, default=0)
    p.add_argument("--throttle-nth", default="")
    p.add_argument("--throttle-early", action="store_true")
    p.add_argument("--throttle-late", action="store_true")
    p.add_argument("--throttle-on", default="after-login")
    p.add_argument("--throttle-reply", default="NO Request is throttled. "
                   "Suggested Backoff Time: 200 milliseconds")
    p.add_argument("--partial-bytes", type=int, default=4096)
    p.add_argument("--long-line-bytes", type=int,
                   default=DEFAULT_LONG_LINE)
    p.add_argument("--depth", type=int, default=10000)
    p.add_argument("--flood", type=int, default=400000)
    p.add_argument("--bogus-tag", default="ZZ9999")
    p.add_argument("--inject")
    p.add_argument("--layout", choices=sorted(LAYOUTS))
    p.add_argument("--list-scenarios", action="store_true")
    o = p.parse_args(argv)
    if o.list_scenarios:
        for name, cls in SCENARIOS.items():
            print("%-18s %s" % (name, cls.doc))
        print("%-18s %s" % ("script", ScriptSession.doc))
        sys.exit(0)
    if o.scenario is None:
        if o.script is None:
            p.error("--scenario or --script is required")
        o.scenario = "script"
    base = re.split(r"[: ]", o.scenario, 1)[0]
    if base not in SCENARIOS and base != "script":
        p.error("unknown scenario %r (see --list-scenarios)" % o.scenario)
    if base == "script" and o.script is None:
        p.error("scenario 'script' needs --script FILE")
    if not o.portfile:
        p.error("--portfile is required")
    if bool(o.cert) != bool(o.key):
        p.error("--cert and --key go together")
    if o.tls == "implicit" and not o.cert:
        p.error("--tls implicit needs --cert and --key")
    o.quirk = {q.strip() for v in o.quirk for q in v.split(",") if q.strip()}
    bad = o.quirk - QUIRKS
    if bad:
        p.error("unknown --quirk %s (known: %s)" % (
            ", ".join(sorted(bad)), ", ".join(sorted(QUIRKS))))
    if o.on is not None and o.on.lower() in ("after-login", "any",
                                             "greeting"):
        o.on = o.on.lower()
    return o


def main(argv):
    opts = parse_args(argv)

    def stop(signum, frame):
        raise SystemExit(0)

    def expire(signum, frame):
        srv.log("server lifetime of %gs exceeded" % opts.lifetime)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGALRM, expire)
    try:
        srv = Server(opts)
    except (OSError, ssl.SSLError) as e:
        sys.stderr.write("hostile: %s\n" % e)
        return 2
    if opts.lifetime > 0:
        signal.setitimer(signal.ITIMER_REAL, opts.lifetime)
    status = 0
    try:
        srv.serve()
    except SystemExit:
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        if srv.script_failed:
            status = 3
        srv.log("server exit status=%d" % status)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
