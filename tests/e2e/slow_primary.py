#!/usr/bin/env python3
"""A primary for transfer.test. over TCP that answers IXFR late.

Usage: slow_primary.py ADDRESS PORT SERIAL_FILE DELAY

The zone's serial is read from SERIAL_FILE when a query arrives; an IXFR
from the asker's serial gets, DELAY seconds later, the SOA alone when the
asker is up to date, else the whole zone (RFC 1995 section 4); an AXFR is
answered at once. www.transfer.test. has 192.0.2.SERIAL, so the data
tells which serial served it. Knot cannot be made to hold an answer while
its zone changes, which is what a test of a NOTIFY arriving during a
transfer needs. Each IXFR asked, and each answer, is logged on stdout.
"""
import socket
import struct
import sys
import threading
import time

IXFR = 251


def name(text):
    return b"".join(bytes([len(label)]) + label.encode() for label in text.rstrip(".").split(".")) + b"\0"


ORIGIN = name("transfer.test.")


def record(owner, rtype, rdata):
    return owner + struct.pack("!HHIH", rtype, 1, 300, len(rdata)) + rdata


def soa(serial):
    return record(ORIGIN, 6, name("ns1.transfer.test.") + name("hostmaster.transfer.test.") +
                  struct.pack("!IIIII", serial, 3600, 600, 604800, 60))


def zone(serial):
    return [soa(serial), record(ORIGIN, 2, name("ns1.transfer.test.")),
            record(name("ns1.transfer.test."), 1, bytes([192, 0, 2, 53])),
            record(name("www.transfer.test."), 1, bytes([192, 0, 2, serial % 250])), soa(serial)]


def receive(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError("closed")
        data += chunk
    return data


def newer(a, b):
    return 0 < (a - b) & 0xFFFFFFFF < 0x80000000


def answer(conn, serial_file, delay):
    try:
        query = receive(conn, struct.unpack("!H", receive(conn, 2))[0])
        serial = int(open(serial_file).read())
        end = 12
        while query[end]:
            end += query[end] + 1
        question = query[12:end + 5]
        qtype = struct.unpack("!H", query[end + 1:end + 3])[0]
        records = zone(serial)
        if qtype == IXFR:
            # the asker's serial: its SOA in the authority section, 20 octets from the end
            theirs = struct.unpack("!I", query[-20:-16])[0]
            print(f"qtype {qtype} asked from serial {theirs}", flush=True)
            time.sleep(delay)
            if not newer(serial, theirs):
                records = [soa(serial)]
        message = query[:2] + struct.pack("!HHHHH", 0x8400, 1, len(records), 0, 0) + question + b"".join(records)
        conn.sendall(struct.pack("!H", len(message)) + message)
        print(f"qtype {qtype} answered at serial {serial}", flush=True)
    except (OSError, EOFError, ValueError, IndexError, struct.error) as error:
        print(f"error: {error}", flush=True)
    finally:
        conn.close()


def main():
    address, port, serial_file, delay = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(8)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=answer, args=(conn, serial_file, delay), daemon=True).start()


if __name__ == "__main__":
    main()
