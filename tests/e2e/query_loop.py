#!/usr/bin/env python3
"""Asks SERVER for NAME A over UDP as fast as answers come, for SECONDS,
and prints one line per response: the unix time it came, then the sorted A
addresses of the answer section joined by commas, or "rcode N" when it is
not NOERROR. The tests
use it to see whether any response ever mixed two generations."""
import random
import socket
import struct
import sys
import time


TYPES = {"A": 1, "TXT": 16}
CLASSES = {"IN": 1, "CH": 3}


def query(name, qid, qtype, qclass):
    header = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
    qname = b"".join(bytes([len(label)]) + label.encode() for label in name.strip(".").split(".")) + b"\0"
    return header + qname + struct.pack("!HH", qtype, qclass)


def txt_strings(rdata):
    strings, pos = [], 0
    while pos < len(rdata):
        strings.append(rdata[pos + 1:pos + 1 + rdata[pos]].decode(errors="replace"))
        pos += 1 + rdata[pos]
    return strings


def skip_name(msg, pos):
    while True:
        length = msg[pos]
        if length & 0xC0 == 0xC0:
            return pos + 2
        if length == 0:
            return pos + 1
        pos += 1 + length


def answer_values(msg):
    qid, flags, qdcount, ancount = struct.unpack("!HHHH", msg[:8])
    rcode = flags & 0xF
    if rcode:
        return "rcode %d" % rcode
    pos = 12
    for _ in range(qdcount):
        pos = skip_name(msg, pos) + 4
    values = []
    for _ in range(ancount):
        pos = skip_name(msg, pos)
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[pos:pos + 10])
        pos += 10
        if rtype == 1:
            values.append(socket.inet_ntoa(msg[pos:pos + 4]))
        elif rtype == 16:
            values.extend(txt_strings(msg[pos:pos + rdlen]))
        pos += rdlen
    return ",".join(sorted(values))


def main():
    server, name, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    qtype = TYPES[sys.argv[4]] if len(sys.argv) > 4 else 1
    qclass = CLASSES[sys.argv[5]] if len(sys.argv) > 5 else 1
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.5)
    end = time.time() + seconds
    while time.time() < end:
        qid = random.randrange(65536)
        sock.sendto(query(name, qid, qtype, qclass), (server, 53))
        try:
            msg = sock.recv(4096)
        except socket.timeout:
            print("%.3f timeout" % time.time(), flush=True)
            continue
        if struct.unpack("!H", msg[:2])[0] == qid:
            print("%.3f %s" % (time.time(), answer_values(msg)), flush=True)
        time.sleep(0.005)


main()
