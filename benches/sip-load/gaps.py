#!/usr/bin/env python3
"""Where the engine's outgoing RTP pacing slipped: for a run.sh capture, every gap over a
threshold between consecutive engine packets of one stream, and whether gaps at the same
moment hit many streams (a process- or machine-wide stall) or one (that call's task).

    gaps.py OUT/rtp.pcap [THRESHOLD_MS=30]
"""
import subprocess
import sys
from collections import defaultdict

pcap = sys.argv[1]
threshold = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
text = subprocess.run(
    ["tshark", "-r", pcap, "-o", "rtp.heuristic_rtp:TRUE", "-Y",
     "rtp && udp.srcport >= 30000 && udp.srcport <= 30999", "-T", "fields",
     "-e", "frame.time_epoch", "-e", "udp.srcport", "-e", "rtp.seq"],
    capture_output=True, text=True, timeout=300).stdout
last, gaps, t0 = {}, [], None
for line in text.splitlines():
    t, port, seq = line.split("\t")
    t = float(t)
    t0 = t if t0 is None else t0
    if port in last:
        d = 1000 * (t - last[port])
        if d > threshold:
            gaps.append((last[port] - t0, port, d))
    last[port] = t
by_second = defaultdict(list)
for at, port, d in gaps:
    by_second[int(at)].append((port, d))
print(f"{len(gaps)} gaps over {threshold} ms in {len(last)} streams")
for s in sorted(by_second):
    g = by_second[s]
    print(f"  t={s:4d}s  streams hit={len(g):3d}  worst={max(d for _, d in g):6.1f} ms")
