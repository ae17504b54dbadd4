#!/usr/bin/env python3
"""lab_report.py's arithmetic on made-up loops (make test-system, before
the lab): when answers moved and settled, losses, and whether an event met
its target. Each case is one the report once got wrong."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab_report  # noqa: E402

FAILED = []


def check(what, got, want):
    if got != want:
        FAILED.append("%s: %r, expected %r" % (what, got, want))


def loop(*spans):
    """(from, to, outcome) spans of queries every 0.02 s (50 q/s)."""
    lines = []
    for start, end, outcome in spans:
        t = start
        while t < end - 1e-9:
            lines.append((round(t, 3), outcome))
            t += 0.02
    return lines


UNPLANNED = {"t": 10.0, "kind": "unplanned", "target": "0.9", "what": "NSD dies"}

# A region whose answers leave pop1 0.4 s after the event and come from
# pop2 from 0.6 s on: moved and settled at 0.6 s, met.
moved = loop((9, 10.4, "pop1"), (10.4, 10.6, None), (10.6, 14, "pop2"))
path, went, settled, sent, lost = lab_report.path_of(moved, 10.0, 14.0)
check("moved: path", path, ["pop1", "pop2"])
check("moved: moved", round(went, 2), 0.6)
check("moved: settled", round(settled, 2), 0.6)
check("moved: lost", (sent, lost), (200, 10))
check("moved: met", lab_report.met(UNPLANNED, lost, sent, settled), "yes")

# One answer from pop2, then queries lost until 2 s after the event: settled
# then, not at that first answer (it said 0.30 s and met).
flicker = loop((9, 10.3, "pop1"), (10.3, 10.32, "pop2"), (10.32, 12, None), (12, 14, "pop2"))
path, went, settled, sent, lost = lab_report.path_of(flicker, 10.0, 14.0)
check("flicker: settled", round(settled, 2), 2.0)
check("flicker: met", lab_report.met(UNPLANNED, lost, sent, settled), "no")

# A family that never moves and loses every query to the window's end is
# not settled, and the event is not met (it was left out, and the other
# family's time met the target).
stuck = loop((9, 10, "pop1"), (10, 14, None))
path, went, settled, sent, lost = lab_report.path_of(stuck, 10.0, 14.0)
check("stuck: path", path, ["pop1"])
check("stuck: settled", settled, lab_report.NOT_SETTLED)
check("stuck: met", lab_report.met(UNPLANNED, lost, sent, settled), "no")
check("stuck: shown", lab_report.seconds(settled), "not settled")

# A region the event leaves alone: nothing moved, nothing lost, no verdict.
calm = loop((9, 14, "pop2"))
path, went, settled, sent, lost = lab_report.path_of(calm, 10.0, 14.0)
check("calm: settled", settled, None)
check("calm: met", lab_report.met(UNPLANNED, lost, sent, settled), "-")

# Answers that name no PoP (an empty NOERROR: "SENT" alone) are queries
# sent and lost, not skipped.
with tempfile.TemporaryDirectory() as work:
    path_txt = os.path.join(work, "loop.txt")
    with open(path_txt, "w") as f:
        f.write("10.000 pop1\n10.020 \n10.040\n10.060 rcode 2\n10.080 timeout\n10.100 pop1\n10.12")
    lines = lab_report.read_loop(path_txt)
    check("empty answers: read", [pop for _, pop in lines], ["pop1", None, None, None, None, "pop1"])

if FAILED:
    print("\n".join("FAIL: lab_report.py: " + f for f in FAILED))
    sys.exit(1)
print("ok - lab_report.py: moved and settled times, losses to the window's end, answers naming no PoP")
