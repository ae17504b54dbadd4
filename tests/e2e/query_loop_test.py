#!/usr/bin/env python3
"""query_loop.py's reading of replies (make test-e2e, before the tests
that use it): what a line says of each kind of reply. A record sent twice
must show twice: the tests take such a line for a wrong answer."""
import os
import sys

import dns.message
import dns.rcode
import dns.rrset

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from query_loop import answer_values  # noqa: E402

FAILED = []


def check(what, got, want):
    if got != want:
        FAILED.append("%s: %r, expected %r" % (what, got, want))


def reply(name, rtype, *texts, rcode=dns.rcode.NOERROR):
    query = dns.message.make_query(name, rtype, use_edns=False)
    message = dns.message.make_response(query)
    message.set_rcode(rcode)
    if texts:
        message.answer.append(dns.rrset.from_text(query.question[0].name, 300, "IN", rtype, *texts))
    return message.to_wire()


check("addresses, sorted", answer_values(reply("www.example.test", "A", "192.0.2.81", "192.0.2.80")),
      "192.0.2.80,192.0.2.81")
check("TXT strings", answer_values(reply("id.server", "TXT", '"pop1"')), "pop1")
check("NXDOMAIN", answer_values(reply("nothere.example.test", "A", rcode=dns.rcode.NXDOMAIN)), "rcode 3")
check("no answer", answer_values(reply("www.example.test", "AAAA")), "")
check("a cut reply", answer_values(reply("www.example.test", "A", "192.0.2.80")[:-3]), "malformed FormError")

# The same A record twice: the answer section's last record repeated.
once = reply("www.example.test", "A", "192.0.2.80")
record = once[-16:]                 # a compressed owner (2), type, class, TTL, length (8), address (4)
twice = once[:6] + (2).to_bytes(2, "big") + once[8:] + record
check("a record sent twice", answer_values(twice), "192.0.2.80,192.0.2.80")

if FAILED:
    sys.exit("\n".join(FAILED))
print("ok - query_loop.py: addresses and TXT strings, RCODEs, cut replies, a record sent twice")
