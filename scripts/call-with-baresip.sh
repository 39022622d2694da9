#!/usr/bin/env bash
# Calls `ivr serve` (started by `make run`) with baresip, the Debian softphone, on loopback:
# a WAV file is the caller's voice, and what the caller hears is recorded to a WAV file.
#
#   scripts/call-with-baresip.sh [WAV] [SIP-URI]
#
# WAV: mono 16-bit 8 kHz (default: fixtures/en-agent-representative.wav, a caller asking for a
# representative); SIP-URI default: sip:8003755283@127.0.0.1:5060. The call lasts
# $CALL_SECONDS (default 60) unless the engine ends it first (a transfer to an agent, or the
# flow's goodbye). baresip follows the engine's transfer (REFER); `make run` prints how to
# stand up an agent for it.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
wav="${1:-$here/fixtures/en-agent-representative.wav}"
uri="${2:-sip:8003755283@127.0.0.1:5060}"
seconds="${CALL_SECONDS:-60}"
for tool in baresip sox; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing: run scripts/setup-system.sh" >&2; exit 1; }
done
[ -f "$wav" ] || { echo "error: no such WAV file: $wav" >&2; exit 1; }
dir="$(mktemp -d /tmp/ivr-call-XXXXXX)"
mkdir -p "$dir/heard"
# baresip hangs up when its microphone file ends: pad the voice with silence past the call.
sox "$wav" -r 8000 -c 1 -b 16 "$dir/mic.wav" pad 0 "$seconds"
for f in config accounts; do
  sed -e "s#{sip_port}#5062#g" -e "s#{ctrl_port}#4444#g" \
      -e "s#{rtp_lo}#40000#g" -e "s#{rtp_hi}#40099#g" \
      -e "s#{mic_wav}#$dir/mic.wav#g" -e "s#{record_dir}#$dir/heard#g" \
      "$here/crates/ivr/tests/baresip/caller/$f" > "$dir/$f"
done
echo "calling $uri for up to $seconds s with $wav"
timeout $((seconds + 10)) baresip -f "$dir" -t "$seconds" -e "/dial $uri" > "$dir/baresip.log" 2>&1 || true
echo "what the caller heard: $(ls "$dir"/heard/*-dec.wav 2>/dev/null | head -1)"
echo "baresip's log: $dir/baresip.log"
