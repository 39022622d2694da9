#!/usr/bin/env python3
"""Times faster-whisper (the reference runtime) on the utterances `decode_times cut` wrote.

One JSON line per utterance: {"utterance", "lang", "ms", "text"}. Run by compare.sh inside a
throwaway venv; see benches/README.md ("Whisper: our decode against faster-whisper").

The work timed is what our backend does per utterance: features, encoder, greedy (or beam)
decode of one 30 s window, with the language given and no prompt. The audio is read before the
clock starts, as a call has it in memory.
"""

import argparse
import json
import os
import sys
import time
import wave

import numpy as np


def read_wav_16k(path):
    """The 16 kHz float samples `decode_times cut` wrote beside each 8 kHz utterance: the same
    upsampled audio our backend feeds its features, so both runtimes hear the same input."""
    with wave.open(path, "rb") as w:
        if w.getframerate() != 16000 or w.getnchannels() != 1 or w.getsampwidth() != 2:
            sys.exit(f"{path}: expected 16 kHz mono 16-bit")
        frames = w.readframes(w.getnframes())
    return np.frombuffer(frames, dtype=np.int16).astype(np.float32) / 32768.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model_dir")
    parser.add_argument("list", help="utterance list: one `NAME LANG` per line")
    parser.add_argument("--dir", required=True, help="folder of NAME.16k.wav files")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--beam", type=int, default=1)
    parser.add_argument("--english-only", action="store_true")
    args = parser.parse_args()

    from faster_whisper import WhisperModel

    model = WhisperModel(
        args.model_dir,
        device="cpu",
        compute_type="int8",
        cpu_threads=args.threads,
        num_workers=1,
    )
    with open(args.list, encoding="utf-8") as f:
        items = [line.split() for line in f if line.strip()]
    if args.english_only:
        items = [i for i in items if i[1] == "en"]

    def run(audio, lang):
        segments, _info = model.transcribe(
            audio,
            language=lang,
            task="transcribe",
            beam_size=args.beam,
            best_of=1,
            temperature=0.0,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,
            word_timestamps=False,
        )
        return " ".join(s.text.strip() for s in segments)

    # One warm-up decode: the first pays for allocations and kernel selection.
    if items:
        run(read_wav_16k(os.path.join(args.dir, items[0][0] + ".16k.wav")), items[0][1])
    for name, lang in items:
        audio = read_wav_16k(os.path.join(args.dir, name + ".16k.wav"))
        start = time.perf_counter()
        text = run(audio, lang)
        ms = (time.perf_counter() - start) * 1000.0
        print(json.dumps({"utterance": name, "lang": lang, "ms": round(ms, 1), "text": text}),
              flush=True)


if __name__ == "__main__":
    main()
