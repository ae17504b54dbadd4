#!/usr/bin/env python3
"""Names whose proof of denial sits at the edges of a signed zone's chain,
where random names seldom land: for NSEC3, a name whose hash is below the
first owner hash (the last NSEC3 covers it, wrapping around), one above
the last, and one in the span of each owner at an edge of a node of the
program's denial index (XDPCAST_DENIAL_FANOUT proofs a node: the last key
of a node and the first of the next); for NSEC, a name just after each of
those owners in canonical order, and one after the last owner (its NSEC
names the apex as next). Prints "NAME TYPE" lines for the corpus.

    chain_edges.py SIGNED_ZONE_FILE ORIGIN [FANOUT]
"""
import base64
import bisect
import hashlib
import sys

import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.zone

FANOUT = 64     # XDPCAST_DENIAL_FANOUT


def nsec3_hasher(origin):
    """SHA-1, no salt, no extra iteration (RFC 9276), in base32hex: the
    owner label a name of one label below origin would have, whose text
    order is the hash order. dns.dnssec.nsec3_hash gives the same, at a
    third of the speed: the search below may hash millions of names."""
    below = origin.canonicalize().to_wire()

    def nsec3_hash(label):
        return base64.b32hexencode(hashlib.sha1(bytes([len(label)]) + label + below).digest()).decode().lower()
    return nsec3_hash


def owners(zone, rtype):
    """The zone's owners of rtype records (absolute: the zone is read
    unrelativized), in canonical order."""
    return sorted(name for name, node in zone.nodes.items() if node.get_rdataset(dns.rdataclass.IN, rtype))


def edges(count, fanout):
    """Indexes of the owners at the edges of the index's leaves."""
    at = {0, count - 1}
    for first in range(fanout, count, fanout):
        at.update((first - 1, first))
    return sorted(i for i in at if 0 <= i < count)


def main():
    path, origin = sys.argv[1], sys.argv[2].lower().rstrip(".") + "."
    fanout = int(sys.argv[3]) if len(sys.argv) > 3 else FANOUT
    zone = dns.zone.from_file(path, origin, relativize=False)
    hashed = sorted(owner.labels[0].decode().lower() for owner in owners(zone, dns.rdatatype.NSEC3))
    if hashed:
        # span i: (hashed[i], hashed[i+1]); -1: below the first hash
        want = set(edges(len(hashed), fanout)) | {-1}
        nsec3_hash = nsec3_hasher(dns.name.from_text(origin))
        for n in range(4_000_000):
            if not want:
                break
            label = f"e{n}"
            name = f"{label}.{origin}"
            h = nsec3_hash(label.encode())
            span = bisect.bisect_left(hashed, h) - 1
            if span in want and (span + 1 == len(hashed) or h != hashed[span + 1]):
                want.discard(span)
                print(name, "A")
        if want:
            sys.exit(f"{path}: no name found in the spans {sorted(want)}")
        return
    names = [owner.to_text().lower() for owner in owners(zone, dns.rdatatype.NSEC)]
    for i in edges(len(names), fanout):
        # just after names[i]: a child (no owner here is below another but
        # the apex's children, whose spans the edges reach anyway)
        print(f"edge-{i}.{names[i]}" if names[i] != origin else f"0.{origin}", "A")
    print(f"~.{origin}", "A")   # after every owner: the last NSEC, its next the apex


if __name__ == "__main__":
    main()
