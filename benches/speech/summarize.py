#!/usr/bin/env python3
"""Side-by-side figures of two decode-time runs (JSON lines from decode_times and
faster_whisper_times.py over the same utterances): p50/p95 of each, their ratio, and how often
the two transcripts agree word for word (lowercase, punctuation dropped).

usage: summarize.py LABEL OURS.jsonl REFERENCE.jsonl
"""

import json
import re
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return {row["utterance"]: row for row in map(json.loads, filter(str.strip, f))}


def percentile(values, pct):
    """Nearest rank, as the engine's own timing line computes it."""
    ordered = sorted(values)
    rank = max(1, -(-pct * len(ordered) // 100))
    return ordered[rank - 1]


def words(text):
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    label, ours, reference = sys.argv[1], load(sys.argv[2]), load(sys.argv[3])
    names = sorted(set(ours) & set(reference))
    if not names:
        sys.exit(f"{label}: the two runs share no utterance")
    ours_ms = [ours[n]["ms"] for n in names]
    ref_ms = [reference[n]["ms"] for n in names]
    same = sum(words(ours[n]["text"]) == words(reference[n]["text"]) for n in names)
    o50, o95 = percentile(ours_ms, 50), percentile(ours_ms, 95)
    r50, r95 = percentile(ref_ms, 50), percentile(ref_ms, 95)
    print(
        f"{label}: {len(names)} utterances; ours p50 {o50:.0f} ms p95 {o95:.0f} ms; "
        f"faster-whisper p50 {r50:.0f} ms p95 {r95:.0f} ms; "
        f"ratio p50 {o50 / r50:.2f} p95 {o95 / r95:.2f}; "
        f"same words {same}/{len(names)}"
    )


if __name__ == "__main__":
    main()
