#!/usr/bin/env python3
"""A primary over TCP that signs its AXFR messages as no server here does.

Usage: tsig_primary.py ADDRESS PORT KEY_NAME SECRET_BASE64

RFC 8945 section 5.3.1 lets a primary leave up to 99 messages unsigned
between signed ones, the last one signed; Knot and NSD sign every message,
so only a primary of our own can send the other shapes. It serves any zone
asked for with the same records over several messages, signed with
hmac-sha256 as the zone's first label says:
  every       each message signed
  ends        the first and the last signed, 3 unsigned between
  ninetynine  the first and the last signed, 99 unsigned between
  hundred     the first signed, then 100 unsigned, then the last signed
  first       the first alone signed (4 more unsigned)
  otherkey    each message signed, under another key's name
  skewed      each message signed an hour ago
  truncated   each message's MAC cut to 16 octets
Each transfer asked is logged on stdout. A query that is unsigned or whose
TSIG does not verify under KEY_NAME is logged as an error, unanswered.
"""
import hashlib
import hmac
import socket
import struct
import sys
import threading
import time

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring

from primary_records import answer, record, soa

TSIG, ANY = dns.rdatatype.TSIG, dns.rdataclass.ANY
ALGORITHM = dns.tsig.HMAC_SHA256.to_wire()


def messages(origin, unsigned_between):
    """The zone over 2 + unsigned_between messages, records split among them."""
    names = [record(f"h{i}.{origin}", "A", f"192.0.2.{i % 250 + 1}") for i in range(unsigned_between + 1)]
    return ([[soa(origin, 1), record(origin, "NS", f"ns1.{origin}"), record(f"ns1.{origin}", "A", "192.0.2.53")]] +
            [[name] for name in names[:-1]] + [[names[-1], soa(origin, 1)]])


class Signer:
    """RFC 8945 4.3 and 5.3.1: the first MAC covers the request's MAC and
    the TSIG variables, each next one the previous MAC, every message
    since and the timers."""

    def __init__(self, key_name, secret, mode, query_mac):
        self.key_name, self.secret, self.mode = key_name, secret, mode
        self.previous, self.since, self.first = query_mac, b"", True

    def sign(self, message, message_id):
        signed_at = int(time.time()) - (3600 if self.mode == "skewed" else 0)
        timers = signed_at.to_bytes(6, "big") + struct.pack("!H", 300)
        covered = struct.pack("!H", len(self.previous)) + self.previous + self.since + message
        covered += (self.key_name + struct.pack("!HI", ANY, 0) + ALGORITHM + timers + struct.pack("!HH", 0, 0)
                    if self.first else timers)
        mac = hmac.new(self.secret, covered, hashlib.sha256).digest()
        self.previous, self.since, self.first = mac, b"", False
        sent_mac = mac[:16] if self.mode == "truncated" else mac
        owner = dns.name.from_text("other-key").to_wire() if self.mode == "otherkey" else self.key_name
        rdata = (ALGORITHM + timers + struct.pack("!H", len(sent_mac)) + sent_mac +
                 struct.pack("!HHH", message_id, 0, 0))
        arcount = struct.unpack("!H", message[10:12])[0] + 1       # the TSIG record last (an OPT may be there)
        return (message[:10] + struct.pack("!H", arcount) + message[12:] + owner +
                struct.pack("!HHIH", TSIG, ANY, 0, len(rdata)) + rdata)

    def unsigned(self, message):
        self.since += message
        return message


def signed_indexes(mode, count):
    if mode == "first":
        return {0}
    return {0, count - 1} if mode in ("ends", "ninetynine", "hundred") else set(range(count))


def serve(conn, keyring):
    try:
        # read with the key: a request whose MAC, key or time does not
        # verify is logged as an error and its connection closed unanswered
        query, _ = dns.query.receive_tcp(conn, keyring=keyring)
        if not query.had_tsig:
            raise ValueError("an unsigned query")
        origin = query.question[0].name
        mode = origin.labels[0].decode()
        between = {"ends": 3, "ninetynine": 99, "hundred": 100, "first": 4}.get(mode, 3)
        print(f"{mode}: asked", flush=True)
        signer = Signer(query.keyname.canonicalize().to_wire(), keyring[query.keyname].secret, mode, query.mac)
        parts = messages(origin, between)
        signed = signed_indexes(mode, len(parts))
        for i, records in enumerate(parts):
            message = answer(query, records)
            message.tsig = None         # make_response would sign it: this primary signs its own shapes below
            wire = message.to_wire()
            dns.query.send_tcp(conn, signer.sign(wire, query.id) if i in signed else signer.unsigned(wire))
        print(f"{mode}: {len(parts)} messages sent, {len(signed)} signed", flush=True)
    except (OSError, EOFError, ValueError, IndexError, struct.error, dns.exception.DNSException) as error:
        print(f"error: {error}", flush=True)
    finally:
        conn.close()


def main():
    address_text, port, key_name, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    keyring = dns.tsigkeyring.from_text({key_name: (dns.tsig.HMAC_SHA256, secret)})
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address_text, port))
    listener.listen(16)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, keyring), daemon=True).start()


if __name__ == "__main__":
    main()
