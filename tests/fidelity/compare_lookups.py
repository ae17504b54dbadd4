#!/usr/bin/env python3
"""Compares the program's answers (the JSON documents of `xdpcastctl --json
lookup`, one per query, concatenated) with NSD's (kdig's output for the
same queries, in the same order): rcode, the header's flags, the OPT
record (version, DO, UDP size) and each section's records as a set. Queries the program passed are not compared.
Prints how many were answered; on the first difference prints both and
exits 1. With --all, a query the program passed is an error too, unless
its name matches --may-pass's regular expression (each such pass is
printed on stderr): the first ten other passes are listed and it exits 1.

    compare_lookups.py [--all [--may-pass REGEX]] LOOKUPS KDIG_OUTPUT
"""
import json
import re
import sys

SECTIONS = ("answer", "authority", "additional")


def record(line, section):
    """owner ttl type rdata: the class (always IN here) is left out, as
    xdpcastctl's records print it. Lowercase but an answer record's owner,
    the query's own spelling (as kdig_normalize.py keeps it)."""
    fields = line.split()
    if len(fields) > 2 and fields[2].upper() == "IN":
        del fields[2]
    text = " ".join(fields)
    if section != "answer":
        return text.lower()
    owner, _, rest = text.partition(" ")
    return owner + " " + rest.lower()


def lookups(text):
    decoder, at = json.JSONDecoder(), 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return
        out, at = decoder.raw_decode(text, at)
        yield out


def from_lookup(out):
    if "rcode" not in out:
        return None
    edns = out["edns"] and (out["edns"]["version"], out["edns"]["do"], out["edns"]["udp_size"])
    return (out["rcode"], sorted(out["flags"]), edns, {s: sorted(record(r, s) for r in out[s]) for s in SECTIONS})


def kdig_responses(text):
    response = None
    for line in text.splitlines():
        if line.startswith(";; ->>HEADER<<-"):
            if response:
                yield response
            response = {"rcode": re.search(r"status: (\w+)", line).group(1), "flags": [], "edns": None,
                        "section": None, "records": {s: [] for s in SECTIONS}}
        elif response is None:
            continue
        elif line.startswith(";; Flags:"):
            response["flags"] = line.split(";")[2].split(":", 1)[1].split()
        elif line.startswith(";; ") and line.endswith(" SECTION:"):
            name = line[3:-len(" SECTION:")].lower()
            response["section"] = name if name in SECTIONS else None
        elif line.startswith(";; Version: "):     # the EDNS pseudosection's
            opt = re.match(r";; Version: (\d+); flags: ([^;]*); UDP size: (\d+) B", line)
            response["edns"] = (int(opt.group(1)), "do" in opt.group(2).split(), int(opt.group(3)))
        elif line.startswith(";"):
            if line.startswith(";; EDNS"):
                response["section"] = None
        elif response["section"] and line.strip():
            response["records"][response["section"]].append(record(line, response["section"]))
    if response:
        yield response


def from_kdig(r):
    return (r["rcode"], sorted(r["flags"]), r["edns"], {s: sorted(v) for s, v in r["records"].items()})


def show(response):
    rcode, flags, edns, sections = response
    lines = [f"rcode {rcode} flags {' '.join(flags)}", "edns " + ("none" if edns is None else
                                                                   "version %d do %s udp %d" % edns)]
    for s in SECTIONS:
        lines.append(f";; {s}")
        lines.extend(sections[s])
    return "\n".join(lines)


args = sys.argv[1:]
expect_all = args[:1] == ["--all"]
if expect_all:
    args = args[1:]
may_pass = None
if args[:1] == ["--may-pass"]:
    may_pass = re.compile(args[1], re.IGNORECASE)
    args = args[2:]
ours = list(lookups(open(args[0]).read()))
theirs = list(kdig_responses(open(args[1]).read()))
if len(ours) != len(theirs):
    sys.exit(f"{len(ours)} lookups, {len(theirs)} responses from NSD")
answered, passed = 0, []
for lookup, nsd in zip(ours, theirs):
    xdp = from_lookup(lookup)
    if xdp is None:
        if may_pass and may_pass.search(lookup["name"]):
            print(f"{lookup['name']} {lookup['type']}: passed, as --may-pass allows", file=sys.stderr)
        else:
            passed.append(f"{lookup['name']} {lookup['type']}")
        continue
    answered += 1
    if show(xdp) != show(from_kdig(nsd)):
        print(f"{lookup['name']} {lookup['type']}: the program's answer differs from NSD's", file=sys.stderr)
        print("NSD:\n" + show(from_kdig(nsd)) + "\nXDP:\n" + show(xdp), file=sys.stderr)
        sys.exit(1)
if expect_all and passed:
    print(f"{len(passed)} of {len(ours)} queries passed by the program, not answered:", file=sys.stderr)
    print("\n".join(passed[:10]), file=sys.stderr)
    sys.exit(1)
print(answered)
