#!/usr/bin/env python3
"""Reduces kdig's output (one or many responses) to what must match between
two servers: rcode, flags, section counts, EDNS, and each section's records
as a sorted set, one block per response. Drops the query id, timing and
server address, which always differ."""
import re
import sys


def blocks(lines):
    block = []
    for line in lines:
        if line.startswith(";; ->>HEADER<<-") and block:
            yield block
            block = []
        block.append(line)
    if block:
        yield block


def case_kept(section, record):
    """The question as it came back, and each answer record's owner: the
    query's own spelling, which a server echoes (0x20). Other names are the
    zone's, whose spelling servers keep differently (NSD keeps the first it
    read of a name): lowercased."""
    if section.startswith(";; QUESTION"):
        return record
    if section.startswith(";; ANSWER"):
        owner, _, rest = record.partition(" ")
        return owner + " " + rest.lower()
    return record.lower()


def normalize(block):
    out, section, records = [], None, []

    def flush():
        if section:
            out.append(section)
            out.extend(sorted(case_kept(section, r) for r in records))

    for line in block:
        if line.startswith((";; Received", ";; Time", ";; From", ";; WARNING")) or not line.strip():
            continue
        if line.startswith(";; ->>HEADER<<-"):
            out.append(re.sub(r"id: \d+", "id: *", line))
        elif line.endswith("SECTION:") or line.startswith(";; EDNS PSEUDOSECTION"):
            flush()
            section, records = line, []
        elif section:
            records.append(re.sub(r"\s+", " ", line.strip()))
        else:
            out.append(line)
    flush()
    return out


for block in blocks(sys.stdin.read().splitlines()):
    print("\n".join(normalize(block)))
    print("----")
