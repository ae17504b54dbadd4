#!/usr/bin/env python3
"""first_answer.py SERVER NAME WANT SECONDS: asks SERVER for NAME A over
UDP, a query every millisecond or so, until an answer holds the address
WANT; prints the unix time it came (to 0.1 ms), or "none" after SECONDS.
The bench times a server's start, or a change on a primary, to the moment
it is answered (the pause leaves the CPU to the servers)."""
import random
import socket
import sys
import time

import dns.exception
import dns.message
import dns.rcode
import dns.rdatatype


def holds(reply, want):
    """Whether the answer section of reply has an A record with address want."""
    try:
        msg = dns.message.from_wire(reply)
    except dns.exception.DNSException:
        return False
    return msg.rcode() == dns.rcode.NOERROR and any(
        rrset.rdtype == dns.rdatatype.A and any(rdata.address == want for rdata in rrset) for rrset in msg.answer)


def main():
    server, name, want, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.05)
    end = time.time() + seconds
    while time.time() < end:
        qid = random.randrange(65536)
        sock.sendto(dns.message.make_query(name, "A", use_edns=False, id=qid, flags=0).to_wire(), (server, 53))
        try:
            # A server that queued the queries while it loaded (NSD binds
            # before it reads its zones) answers them all at once: those
            # replies are passed over here, else each turn would read an
            # older one and this query's reply would never be reached.
            while True:
                reply = sock.recv(4096)
                if reply[:2] == qid.to_bytes(2, "big"):
                    break
        except (socket.timeout, ConnectionRefusedError):
            time.sleep(0.001)           # nothing listens yet
            continue
        if holds(reply, want):
            print("%.4f" % time.time())
            return
        time.sleep(0.001)
    print("none")


main()
