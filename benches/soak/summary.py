#!/usr/bin/env python3
"""The soak's figures from benches/soak/run.sh's folder: resident memory and open files over
time (after a 2-minute warm-up), SIPp's calls against the call records, the engine's exit."""

import glob
import json
import re
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])
rows = []
for line in (out / "samples.tsv").read_text().splitlines():
    if line.startswith("#"):
        continue
    f = line.split("\t")
    if len(f) >= 5 and f[1]:
        rows.append((int(f[0]), int(f[1]), int(f[2]), int(f[3]), int(f[4])))
start = int((out / "start").read_text())
end = int((out / "end").read_text())
warm = [r for r in rows if start + 120 <= r[0] <= end]
if len(warm) < 4:
    sys.exit("too few samples after the warm-up")


def window(rows, first):
    span = 300
    if first:
        return [r for r in rows if r[0] < rows[0][0] + span]
    return [r for r in rows if r[0] > rows[-1][0] - span]


def median(rows, i):
    return statistics.median(r[i] for r in rows)


first, last = window(warm, True), window(warm, False)
hz = 100
cpu_s = (rows[-1][4] - rows[0][4]) / hz
screen = (out / "sipp.out").read_text(errors="replace")


def counter(name):
    m = re.findall(rf"{name}\s*\|[^|\n]*\|\s*(\d+)", screen)
    return int(m[-1]) if m else None


created, ok, failed = counter("Total Calls created"), counter("Successful call"), counter("Failed call")
records = [json.loads(l) for l in (out / "records.jsonl").read_text().splitlines() if l.strip()]
# SIPp's Call-IDs are CALLNUMBER-PID@127.0.0.1; everything else came from the mutated stream.
sipp_records = [r for r in records if re.fullmatch(r"\d+-\d+@127\.0\.0\.1", r["call_id"])]
mutant_records = [r for r in records if r not in sipp_records]
ended = {}
for r in sipp_records:
    ended[r["ended_by"]] = ended.get(r["ended_by"], 0) + 1
mutator = (out / "mutator.out").read_text().strip()
refused = re.findall(r'ivr_calls_refused_total\{reason="(\w+)"\} (\d+)', (out / "metrics.txt").read_text())
print(f"soak: {(end - start) / 60:.1f} min, engine alive at the end: {(out / 'alive_at_end').read_text().strip()}, "
      f"exit after SIGTERM: {(out / 'engine_exit').read_text().strip()}")
print(f"SIPp calls: {created} created, {ok} ok, {failed} failed; call records for them: {len(sipp_records)} "
      f"(ended_by {dict(sorted(ended.items()))})")
print(f"{mutator}; calls they started that were answered and recorded: {len(mutant_records)}; "
      f"refused before the answer: {dict(refused)}")
print(f"RSS MB, median of the first 5 min after warm-up -> last 5 min: "
      f"{median(first, 1) / 1024:.1f} -> {median(last, 1) / 1024:.1f} "
      f"(min {min(r[1] for r in warm) / 1024:.1f}, max {max(r[1] for r in warm) / 1024:.1f})")
print(f"open files, first -> last 5 min median: {median(first, 2):.0f} -> {median(last, 2):.0f} "
      f"(min {min(r[2] for r in warm)}, max {max(r[2] for r in warm)}); "
      f"threads {median(first, 3):.0f} -> {median(last, 3):.0f} (max {max(r[3] for r in warm)})")
print(f"engine CPU: {cpu_s:.0f} s over {(rows[-1][0] - rows[0][0])} s "
      f"({100 * cpu_s / max(1, rows[-1][0] - rows[0][0]):.0f} % of one core)")
