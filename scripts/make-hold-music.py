#!/usr/bin/env python3
"""Makes the default hold music, prompts/hold/music.wav: 32 s that loop without a seam, for a
telephone line (8 kHz mono 16-bit; everything between 200 Hz and 2 kHz, which G.711 carries
well). A slow I-vi-IV-V progression in C, soft pads under a plucked arpeggio, about -21 dBFS
RMS, so announcements over it (ducked) stay clear. Written from scratch by this script:
no recording or score of anyone else's is used; the result is CC0 (see prompts/hold/README.md).
Deterministic: the same file every run.

    python3 scripts/make-hold-music.py [OUT]
"""
import math
import struct
import sys
import wave

RATE = 8000
CHORD_S = 4.0
# C major, A minor, F major, G major (root position, an octave around middle C), twice.
CHORDS = [(261.63, 329.63, 392.00), (220.00, 261.63, 329.63), (174.61, 220.00, 261.63),
          (196.00, 246.94, 293.66)] * 2
# The arpeggio each chord plays: chord tones up an octave, eighth notes at 120 bpm.
PATTERN = [0, 1, 2, 1, 0, 2, 1, 2]
NOTE_S = CHORD_S / len(PATTERN)


def pad(freqs, t):
    """A soft organ-like chord: each note with a little of its octave, fading in and out."""
    fade = min(1.0, t / 0.6, (CHORD_S - t) / 0.6)
    return fade * sum(math.sin(2 * math.pi * f * t) + 0.25 * math.sin(4 * math.pi * f * t)
                      for f in freqs) / len(freqs)


def pluck(freq, t):
    """A plucked note: quick attack, exponential decay, a touch of its octave."""
    if t < 0:
        return 0.0
    envelope = min(1.0, t / 0.005) * math.exp(-t * 5.0)
    return envelope * (math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "prompts/hold/music.wav"
    per_chord = int(RATE * CHORD_S)
    # Every note of the piece in order, so a note's tail rings on under the next one, and the
    # last note's tail under the first (the loop has no seam).
    notes = [2 * chord[i] for chord in CHORDS for i in PATTERN]
    total = per_chord * len(CHORDS)
    samples = []
    for n in range(total):
        t = n / RATE
        chord = CHORDS[int(t // CHORD_S)]
        index = int(t // NOTE_S)
        since = t - index * NOTE_S
        melody = pluck(notes[index], since) + pluck(notes[index - 1], since + NOTE_S)
        value = 0.13 * pad(chord, t - (t // CHORD_S) * CHORD_S) + 0.2 * melody
        samples.append(max(-32767, min(32767, int(value * 32767))))
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    rms = math.sqrt(sum(s * s for s in samples) / len(samples)) / 32767
    peak = max(abs(s) for s in samples) / 32767
    print(f"{out}: {len(samples) / RATE:.0f} s, {20 * math.log10(rms):.1f} dBFS RMS, "
          f"peak {20 * math.log10(peak):.1f} dBFS")


if __name__ == "__main__":
    main()
