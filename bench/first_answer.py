#!/usr/bin/env python3
"""first_answer.py SERVER NAME WANT SECONDS [PID]: asks SERVER for NAME A
over UDP, a query every millisecond or so, until an answer holds the
address WANT; prints the unix time it came (to 0.1 ms), "none" after
SECONDS, or "ended" as soon as the server's process PID has ended (a
server that exits at its start would otherwise be waited for in vain).
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


def ended(pid):
    """Whether process pid has exited: gone, or a zombie its parent has
    not waited for yet."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def main():
    server, name, want, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    pid = sys.argv[5] if len(sys.argv) > 5 else None
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.05)
    end = time.time() + seconds
    while time.time() < end:
        if pid is not None and ended(pid):
            print("ended")
            return
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
