#!/usr/bin/env python3
"""Agent offer latency from an engine log: per call, the time from "waiting for an agent"
(the caller joined the queue) to "offering the call" (the INVITE to the agent goes out), and
to "agent answered". Prints p50 / p95 / max in ms."""
import re
import sys
from datetime import datetime

STAMP = re.compile(r"^(\S+)Z\s")
CALL = re.compile(r'call_id="?([^"\s}]+)')


def when(line):
    m = STAMP.match(line)
    if not m:
        return None
    return datetime.fromisoformat(m.group(1)[:26])


def pct(values, p):
    values = sorted(values)
    if not values:
        return None
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    joined, offered, answered = {}, {}, {}
    # Offers name the agent, not the call: match them to calls in order of joining.
    pending = []
    with open(sys.argv[1], encoding="utf-8", errors="replace") as log:
        for line in log:
            t = when(line)
            if t is None:
                continue
            if "waiting for an agent" in line:
                m = CALL.search(line)
                if m:
                    joined[m.group(1)] = t
                    pending.append(m.group(1))
            elif "offering the call" in line:
                m = CALL.search(line)
                if m:
                    offered.setdefault(m.group(1), t)
            elif "agent answered" in line:
                m = CALL.search(line)
                if m:
                    answered.setdefault(m.group(1), t)
    offer_ms = [(offered[c] - joined[c]).total_seconds() * 1000 for c in joined if c in offered]
    answer_ms = [(answered[c] - joined[c]).total_seconds() * 1000 for c in joined if c in answered]
    for name, values in (("queue_to_invite_ms", offer_ms), ("queue_to_answer_ms", answer_ms)):
        print(f"{name}_n={len(values)}")
        for p in (50, 95, 100):
            v = pct(values, p)
            print(f"{name}_p{p}={'-' if v is None else f'{v:.1f}'}")


if __name__ == "__main__":
    main()
