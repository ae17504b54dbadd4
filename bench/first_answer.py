#!/usr/bin/env python3
"""first_answer.py SERVER NAME WANT SECONDS: asks SERVER for NAME A over
UDP, a query every millisecond or so, until an answer holds the address
WANT; prints the unix time it came (to 0.1 ms), or "none" after SECONDS.
The bench times a server's start, or a change on a primary, to the moment
it is answered (the pause leaves the CPU to the servers)."""
import random
import socket
import struct
import sys
import time


def query(name, qid):
    header = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
    qname = b"".join(bytes([len(label)]) + label.encode() for label in name.strip(".").split(".")) + b"\0"
    return header + qname + struct.pack("!HH", 1, 1)


def holds(msg, want):
    """Whether the answer section of msg has an A record with address want."""
    if len(msg) < 12 or msg[3] & 0x0F:
        return False
    ancount = struct.unpack("!H", msg[6:8])[0]
    pos = 12
    while msg[pos]:                     # the question's name: never compressed
        pos += 1 + msg[pos]
    pos += 5
    for _ in range(ancount):
        while True:
            if msg[pos] & 0xC0 == 0xC0:
                pos += 2
                break
            if msg[pos] == 0:
                pos += 1
                break
            pos += 1 + msg[pos]
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[pos:pos + 10])
        pos += 10
        if rtype == 1 and socket.inet_ntoa(msg[pos:pos + rdlen]) == want:
            return True
        pos += rdlen
    return False


def main():
    server, name, want, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.05)
    end = time.time() + seconds
    while time.time() < end:
        qid = random.randrange(65536)
        sock.sendto(query(name, qid), (server, 53))
        try:
            # A server that queued the queries while it loaded (NSD binds
            # before it reads its zones) answers them all at once: those
            # replies are passed over here, else each turn would read an
            # older one and this query's reply would never be reached.
            while True:
                msg = sock.recv(4096)
                if msg[:2] == struct.pack("!H", qid):
                    break
        except (socket.timeout, ConnectionRefusedError):
            time.sleep(0.001)           # nothing listens yet
            continue
        if holds(msg, want):
            print("%.4f" % time.time())
            return
        time.sleep(0.001)
    print("none")


main()
