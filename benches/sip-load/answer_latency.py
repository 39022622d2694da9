#!/usr/bin/env python3
"""What a caller hears as the engine's answer time, from a run.sh capture: per call, the last
caller RTP packet that carries speech -> the first engine RTP packet of the answer prompt.

    answer_latency.py OUT_DIR        (reads OUT_DIR/rtp.pcap; needs tshark)

A call is one engine RTP port (30000-30999). Speech is a 20 ms PCMU packet whose level is above
LEVEL_DBFS. The caller's last speech packet ends the utterance (run.sh's callers say one
sentence). The answer is the engine's first packet with audio after that moment that follows
at least SILENT_BEFORE packets of silence (so a prompt still playing, or cut by barge-in, is
not taken for the answer). Times are the capture's own, on loopback: the packet left SIPp or
the engine then. Prints one line per call and the p50/p95/max over calls.
"""

import math
import subprocess
import sys
from pathlib import Path

LEVEL_DBFS = -45.0
SILENT_BEFORE = 10
ENGINE_PORTS = range(30000, 31000)


def ulaw_to_linear(byte):
    u = ~byte & 0xFF
    t = ((u & 0x0F) << 3) + 0x84
    t <<= (u & 0x70) >> 4
    return (0x84 - t) if (u & 0x80) else (t - 0x84)


ULAW = [ulaw_to_linear(b) for b in range(256)]


def level_dbfs(payload_hex):
    data = bytes.fromhex(payload_hex.replace(":", ""))
    if not data:
        return -120.0
    power = sum(ULAW[b] ** 2 for b in data) / len(data)
    return 10 * math.log10(power / 32768.0**2) if power > 0 else -120.0


def pct(values, p):
    ordered = sorted(values)
    rank = max(1, -(-p * len(ordered) // 100))
    return ordered[rank - 1]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    pcap = Path(sys.argv[1]) / "rtp.pcap"
    rows = subprocess.run(
        ["tshark", "-r", str(pcap), "-o", "rtp.heuristic_rtp:TRUE", "-Y", "rtp",
         "-T", "fields", "-e", "frame.time_epoch", "-e", "udp.srcport", "-e", "udp.dstport",
         "-e", "rtp.payload"],
        check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    calls = {}  # engine port -> {"in": [(t, level)], "out": [(t, level)]}
    for row in rows:
        parts = row.split("\t")
        if len(parts) != 4:
            continue
        t, src, dst, payload = float(parts[0]), int(parts[1]), int(parts[2]), parts[3]
        if dst in ENGINE_PORTS:
            calls.setdefault(dst, {"in": [], "out": []})["in"].append((t, level_dbfs(payload)))
        elif src in ENGINE_PORTS:
            calls.setdefault(src, {"in": [], "out": []})["out"].append((t, level_dbfs(payload)))
    latencies = []
    for port, streams in sorted(calls.items()):
        spoken = [t for t, lvl in streams["in"] if lvl > LEVEL_DBFS]
        if not spoken:
            continue
        last_speech = spoken[-1]
        out = streams["out"]
        answer = None
        for i, (t, lvl) in enumerate(out):
            if t <= last_speech or lvl <= LEVEL_DBFS or i < SILENT_BEFORE:
                continue
            if all(l <= LEVEL_DBFS for _, l in out[i - SILENT_BEFORE:i]):
                answer = t
                break
        if answer is None:
            print(f"port {port}: no answer after the caller's last speech at {last_speech:.3f}")
            continue
        ms = (answer - last_speech) * 1000.0
        latencies.append(ms)
        print(f"port {port}: last caller speech {last_speech:.3f}, answer {answer:.3f}: {ms:.0f} ms")
    if latencies:
        print(f"answer latency over {len(latencies)} calls: p50 {pct(latencies, 50):.0f} ms, "
              f"p95 {pct(latencies, 95):.0f} ms, max {max(latencies):.0f} ms")


if __name__ == "__main__":
    main()
