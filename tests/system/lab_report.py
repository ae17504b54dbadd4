#!/usr/bin/env python3
"""The lab's table and plot data, from what tests/system/lab.sh recorded.

    lab_report.py WORK OUT SETTINGS

WORK holds loop-{a,b}{4,6}.txt (tests/e2e/query_loop.py: one line per
query, "SENT POP", "SENT timeout", "SENT rcode N" or "SENT" for an answer
naming nothing; all but a PoP are lost) and events.tsv (TIME, KIND, TARGET,
WHAT; each event's window lasts until the next). OUT receives:

  lab.md       the table: per event and region, the PoPs that answered in
               turn, queries sent and lost, when the answers moved to
               another PoP and when they settled on the last one
  rows.tsv     WHAT, KIND, REGION, LOST, SENT, PATH: what the lab asserts on
  answers.tsv  answers per second per region and PoP, and losses, in
               0.2-second buckets (BUCKET), for tests/system/lab_plot.gp
  events.tsv   each event's time in that plot, its number and a height
"""
import datetime
import os
import platform
import re
import subprocess
import sys

REGIONS = ("a", "b")
FAMILIES = ("4", "6")
POPS = ("pop1", "pop2", "pop3")
BUCKET = 0.2
NOT_SETTLED = float("inf")      # the window ended with queries lost or still moving


def read_loop(path):
    lines = []
    with open(path) as f:
        for line in f:
            parts = line.split(None, 1)
            if parts and line.endswith("\n"):      # a line cut short: the loop was stopped as it wrote
                value = parts[1].strip() if len(parts) == 2 else ""
                lines.append((float(parts[0]), value if re.fullmatch(r"pop\d+", value) else None))
    return sorted(lines, key=lambda line: line[0])      # a timeout is printed after later answers


def read_events(path):
    events = []
    with open(path) as f:
        for line in f:
            when, kind, target, what = line.rstrip("\n").split("\t")
            events.append({"t": float(when), "kind": kind, "target": target, "what": what})
    return events


def path_of(lines, start, end):
    """The PoPs answering in turn from the last answer before start to end,
    when the answers first moved (seconds after start, or None), when they
    settled: the first query from which the last PoP answered every one to
    the window's end (None when nothing moved or was lost, NOT_SETTLED when
    the window ends with a query lost or answered elsewhere), and the
    queries sent and lost within the window."""
    before = [pop for t, pop in lines if t < start and pop]
    window = [(t, pop) for t, pop in lines if start <= t < end]
    path = [before[-1]] if before else []
    moved = None
    for t, pop in window:
        if pop and (not path or pop != path[-1]):
            if path and moved is None:
                moved = t - start
            path.append(pop)
    lost = sum(1 for _, pop in window if not pop)
    settled = None
    if window and not path:
        settled = NOT_SETTLED                   # nobody answered
    elif window and (len(path) > 1 or lost):
        stable = len(window)
        while stable and window[stable - 1][1] == path[-1]:
            stable -= 1
        settled = NOT_SETTLED if stable == len(window) else window[stable][0] - start
    return path, moved, settled, len(window), lost


def seconds(value):
    if value == NOT_SETTLED:
        return "not settled"
    return "-" if value is None else "%.2f s" % value


def versions():
    def first_line(cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            return (out.stdout + out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"
    return "kernel %s; %s; NSD %s" % (platform.release(), first_line(["bird", "--version"]),
                                      first_line(["nsd", "-v"]).split()[-1])


def met(event, lost, sent, settled):
    """Whether the event stayed within its target: a share of the queries
    for planned actions, a time for the others ("-": none to meet)."""
    target = event["target"]
    if target == "-":
        return "-"
    if target.endswith("%"):
        return "yes" if sent and lost * 100.0 / sent <= float(target[:-1]) else "no"
    if settled is None:
        return "-"             # nothing moved and nothing was lost
    return "yes" if settled <= float(target) else "no"


def main():
    work, out, settings = sys.argv[1], sys.argv[2], sys.argv[3]
    loops = {(r, f): read_loop(os.path.join(work, "loop-%s%s.txt" % (r, f))) for r in REGIONS for f in FAMILIES}
    events = read_events(os.path.join(work, "events.tsv"))
    origin = events[0]["t"]
    rows, table = [], []
    for i, event in enumerate(events[:-1]):
        end = events[i + 1]["t"]
        for r in REGIONS:
            found = [path_of(loops[(r, f)], event["t"], end) for f in FAMILIES]
            paths = [" ".join(p[0]) for p in found]
            path = paths[0] if paths[0] == paths[1] else "v4: %s; v6: %s" % tuple(paths)
            moves = [p[1] for p in found if p[1] is not None]
            settles = [p[2] for p in found if p[2] is not None]     # NOT_SETTLED is the latest
            moved, settled = (max(moves) if moves else None), (max(settles) if settles else None)
            sent, lost = sum(p[3] for p in found), sum(p[4] for p in found)
            target = event["target"] if event["target"] == "-" or event["target"].endswith("%") \
                else "%s s" % event["target"]
            table.append("| %d | %s | %s | %s | %s | %d | %d | %.2f %% | %s | %s | %s | %s |" % (
                i, event["what"] if r == "a" else "", event["kind"] if r == "a" else "", r.upper(),
                path.replace(" ", " → ") if paths[0] == paths[1] else path, sent, lost,
                lost * 100.0 / sent if sent else 0, seconds(moved), seconds(settled), target,
                met(event, lost, sent, settled)))
            rows.append("\t".join((event["what"], event["kind"], r.upper(), str(lost), str(sent), path)))

    buckets = {}
    for (r, _), lines in loops.items():
        for t, pop in lines:
            counts = buckets.setdefault(int((t - origin) // BUCKET), {})
            key = (r, pop or "lost")
            counts[key] = counts.get(key, 0) + 1
    columns = [(r, p) for r in REGIONS for p in POPS + ("lost",)]
    top = 1
    with open(os.path.join(out, "answers.tsv"), "w") as f:
        f.write("# seconds\t" + "\t".join("%s_%s" % c for c in columns) + "\n")
        for b in sorted(k for k in buckets if 0 <= k and (k + 1) * BUCKET <= events[-1]["t"] - origin):
            per_second = [buckets[b].get(c, 0) / BUCKET for c in columns]
            top = max(top, *per_second)
            f.write("%.1f\t%s\n" % (b * BUCKET, "\t".join("%g" % v for v in per_second)))
    with open(os.path.join(out, "events.tsv"), "w") as f:
        for i, event in enumerate(events[:-1]):
            f.write("%.2f\t%d\t%g\n" % (event["t"] - origin, i, top * 1.08))
    with open(os.path.join(out, "rows.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")

    when = datetime.datetime.fromtimestamp(origin, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    with open(os.path.join(out, "lab.md"), "w") as f:
        f.write("""# xdpcast lab %s

`make lab` (tests/system/lab.sh): three PoPs and two transits in namespaces,
a client region behind each transit asking CHAOS id.server on 192.0.2.53 and
2001:db8:53::53 (one loop per family). %s. %s, %d CPUs.

Per event and region: the PoPs that answered in turn (from the last answer
before the event), queries sent and lost (timeouts, or answers naming no
PoP) until the next event, when the answers first moved to another PoP and
when they settled: from which query on the last PoP answered every one to
the next event ("not settled" when none did), both measured from the event
and the later of the two families.
Target: at most that share of the region's queries lost (planned actions), or
settled within that time (BGP hold time, health (fall + 1) × interval); "met" says
whether the run did. The test asserts who answers and the losses of planned
actions, never the times.

| # | event | kind | region | answered by | queries | lost | share lost | moved after | settled after | target | met |
|---:|---|---|---|---|---:|---:|---:|---:|---:|---|---|
%s

![answers per second per PoP, region A above and B below; the dashed lines are the events by number](lab.png)
""" % (when, settings, versions(), os.cpu_count(), "\n".join(table)))


if __name__ == "__main__":
    main()
