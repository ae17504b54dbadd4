#!/usr/bin/env python3
"""Reduces kdig's output to what must match between two servers: rcode,
flags, section counts, EDNS, and each section's records as a sorted set.
Drops the query id, timing and server address, which always differ."""
import re
import sys

out = []
section = None
records = []


def flush():
    if section:
        out.append(section)
        out.extend(sorted(r.lower() for r in records))


for line in sys.stdin.read().splitlines():
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
print("\n".join(out))
