#!/usr/bin/env python3
"""Asks SERVER for NAME (TYPE, CLASS: A IN by default) over UDP for SECONDS,
one query at a time as fast as answers come, or at RATE queries per second
whether earlier ones were answered or not (as many clients ask: an outage
then costs every query sent into it), and prints one line per query as it
completes: the unix time the query was sent, then the sorted A addresses
(or TXT strings) of the answer section joined by commas, "rcode N" when it
is not NOERROR, "malformed ERROR" when dnspython cannot read the reply, or
"timeout" when no answer came within 0.5 s (as the kernel
stamped its arrival: a client descheduled for a while must not count
answers that waited in its socket as lost). The tests
use it to see whether any response mixed two generations, and to count
queries lost. SERVER is an IPv4 or an IPv6 address.

    query_loop.py SERVER NAME SECONDS [TYPE [CLASS [RATE]]]"""
import random
import socket
import struct
import sys
import time

import dns.exception
import dns.message
import dns.rcode
import dns.rdatatype


def answer_values(reply):
    try:
        # a record per RRset: one sent twice is shown twice, not merged
        msg = dns.message.from_wire(reply, one_rr_per_rrset=True)
    except dns.exception.DNSException as error:
        return "malformed %s" % type(error).__name__
    if msg.rcode() != dns.rcode.NOERROR:
        return "rcode %d" % msg.rcode()
    values = []
    for rrset in msg.answer:
        for rdata in rrset:
            if rrset.rdtype == dns.rdatatype.A:
                values.append(rdata.address)
            elif rrset.rdtype == dns.rdatatype.TXT:
                values.extend(s.decode(errors="replace") for s in rdata.strings)
    return ",".join(sorted(values))


TIMEOUT = 0.5
TIMESPEC = struct.Struct("@qq")
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)     # Linux's, which Python does not name


def receive(sock, wait):
    """The next reply within WAIT seconds (0: one already there) and the
    time the kernel received it, or None."""
    sock.settimeout(wait)
    try:
        reply, ancillary, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(TIMESPEC.size))
    except (socket.timeout, BlockingIOError):
        return None
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            seconds, nanoseconds = TIMESPEC.unpack(data[:TIMESPEC.size])
            return reply, seconds + nanoseconds / 1e9
    return reply, time.time()


def main():
    server, name, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    qtype = sys.argv[4] if len(sys.argv) > 4 else "A"
    qclass = sys.argv[5] if len(sys.argv) > 5 else "IN"
    rate = float(sys.argv[6]) if len(sys.argv) > 6 else 0
    sock = socket.socket(socket.AF_INET6 if ":" in server else socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    start = time.time()
    end = start + seconds
    next_send, sent = start, 0
    pending = {}                    # query ID: the time it was sent

    def answered(reply, arrived):
        nonlocal next_send
        at = pending.pop(struct.unpack("!H", reply[:2])[0], None)
        if at is None:
            return                  # a late answer to a query already counted lost
        print("%.3f %s" % (at, answer_values(reply) if arrived - at < TIMEOUT else "timeout"), flush=True)
        if not rate:
            next_send = time.time() + 0.005

    while True:
        # What waited in the socket first, each judged by its arrival (now
        # read before: a stall after it leaves no answer in the socket).
        now = time.time()
        while (got := receive(sock, 0)) is not None:
            answered(*got)
        for qid, at in list(pending.items()):
            if now - at >= TIMEOUT:
                print("%.3f timeout" % at, flush=True)
                del pending[qid]
                if not rate:
                    next_send = now
        if now >= end and not pending:
            break
        if now >= next_send and now < end:
            qid = random.randrange(65536)
            while qid in pending:
                qid = random.randrange(65536)
            query = dns.message.make_query(name, qtype, qclass, use_edns=False, id=qid, flags=0)
            sock.sendto(query.to_wire(), (server, 53))
            pending[qid] = time.time()      # sent: not when it was due (the client may stall between)
            sent += 1
            next_send = start + sent / rate if rate else float("inf")
            continue
        wake = min([next_send if now < end else float("inf")] + [at + TIMEOUT for at in pending.values()])
        got = receive(sock, max(0.0005, wake - time.time()))
        if got is not None:
            answered(*got)


if __name__ == "__main__":
    main()
