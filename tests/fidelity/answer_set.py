#!/usr/bin/env python3
"""One response reduced to what must match between the fast path and NSD:
rcode, the AA and TC flags, and each section's records as a sorted set.
Reads `xdpcastctl --json lookup` (--json) or kdig's output (--kdig) on
stdin; prints nothing for a query the fast path did not answer."""
import json
import re
import sys

SECTIONS = ("answer", "authority", "additional")


def record(line):
    """owner ttl type rdata, lowercase: the class (always IN here) is left
    out, as xdpcastctl's records print it."""
    fields = line.split()
    if len(fields) > 2 and fields[2].upper() == "IN":
        del fields[2]
    return " ".join(fields).lower()


def from_lookup(text):
    out = json.loads(text)
    if "rcode" not in out:
        return None
    return (out["rcode"], out["aa"], out["tc"],
            {s: sorted(record(r) for r in out[s]) for s in SECTIONS})


def from_kdig(text):
    rcode, flags, section = None, [], None
    sections = {s: [] for s in SECTIONS}
    for line in text.splitlines():
        if line.startswith(";; ->>HEADER<<-"):
            rcode = re.search(r"status: (\w+)", line).group(1)
        elif line.startswith(";; Flags:"):
            flags = line.split(";")[2].split(":", 1)[1].split()
        elif line.startswith(";; ") and line.endswith(" SECTION:"):
            name = line[3:-len(" SECTION:")].lower()
            section = name if name in SECTIONS else None
        elif line.startswith(";"):
            if line.startswith(";; EDNS"):
                section = None
        elif section and line.strip():
            sections[section].append(record(line))
    return (rcode, "aa" in flags, "tc" in flags, {s: sorted(v) for s, v in sections.items()})


def show(response):
    rcode, aa, tc, sections = response
    lines = [f"rcode {rcode} aa {aa} tc {tc}".lower()]
    for s in SECTIONS:
        lines.append(f";; {s}")
        lines.extend(sections[s])
    return "\n".join(lines)


response = (from_lookup if sys.argv[1] == "--json" else from_kdig)(sys.stdin.read())
if response:
    print(show(response))
