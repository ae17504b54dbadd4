#!/usr/bin/env python3
"""A primary over TCP that answers IXFR late (and AXFR too, if asked).

Usage: slow_primary.py ADDRESS PORT SERIAL_FILE DELAY [AXFR_DELAY]

It serves any zone asked for (transfer.test., say) with the same records.
The zone's serial is read from SERIAL_FILE when a query arrives; an IXFR
from the asker's serial gets, DELAY seconds later, the SOA alone when the
asker is up to date, else the whole zone (RFC 1995 section 4); an AXFR is
answered AXFR_DELAY seconds later (default at once). www.ZONE has
192.0.2.SERIAL, so the data tells which serial served it. Knot cannot be
made to hold an answer while its zone changes, which is what a test of a
NOTIFY arriving during a transfer needs, nor to answer slowly, as a
distant primary does. Each transfer asked (an AXFR with the number in
flight), and each answer, is logged on stdout.
"""
import socket
import sys
import threading
import time

import dns.exception
import dns.query
import dns.rdatatype

from primary_records import answer, record, soa


def zone(origin, serial):
    return [soa(origin, serial), record(origin, "NS", f"ns1.{origin}"), record(f"ns1.{origin}", "A", "192.0.2.53"),
            record(f"www.{origin}", "A", f"192.0.2.{serial % 250}"), soa(origin, serial)]


def newer(a, b):
    return 0 < (a - b) & 0xFFFFFFFF < 0x80000000


# Transfers asked and not yet answered, counted before each answer is
# sent, so that the asker's next one never finds its last still counted.
in_flight = 0
in_flight_lock = threading.Lock()
log_lock = threading.Lock()


def log(line):
    """One whole line: print writes the text and its newline apart, and
    threads' lines ran into each other."""
    with log_lock:
        print(line, flush=True)


def count_in_flight(change):
    global in_flight
    with in_flight_lock:
        in_flight += change
        return in_flight


def serve(conn, serial_file, delay, axfr_delay):
    try:
        query, _ = dns.query.receive_tcp(conn)
        serial = int(open(serial_file).read())
        origin, qtype = query.question[0].name, int(query.question[0].rdtype)
        records = zone(origin, serial)
        if qtype == dns.rdatatype.IXFR:
            theirs = query.authority[0][0].serial      # the asker's SOA (RFC 1995 section 3)
            log(f"qtype {qtype} asked from serial {theirs}")
            time.sleep(delay)
            if not newer(serial, theirs):
                records = [soa(origin, serial)]
        else:
            log(f"qtype {qtype} asked, {count_in_flight(1)} in flight")
            time.sleep(axfr_delay)
            count_in_flight(-1)
        dns.query.send_tcp(conn, answer(query, records))
        log(f"qtype {qtype} answered at serial {serial}")
    except (OSError, EOFError, ValueError, IndexError, dns.exception.DNSException) as error:
        log(f"error: {error}")
    finally:
        conn.close()


def main():
    address, port, serial_file, delay = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    axfr_delay = float(sys.argv[5]) if len(sys.argv) > 5 else 0
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(8)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, serial_file, delay, axfr_delay), daemon=True).start()


if __name__ == "__main__":
    main()
