#!/usr/bin/env bash
# Regenerates the caller fixtures (fixtures/*.wav + *.yaml + README.md, the natural set, and
# fixtures/hard/, the hard set) from scripts/fixtures/spec.py: builds `ivr` (without the speech features, which the fixtures do
# not need), renders prompts/ (their lengths time the caller's turns), synthesizes and mixes the
# caller audio, then checks every manifest with `ivr chat`. Reproducible and idempotent: files
# that would not change are left alone.
#
# Needs: apt-get install libttspico-utils mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-mx2
#        mbrola-es2 (non-free: scripts/enable-contrib-non-free.sh first; `make setup`
#        installs these) espeak-ng sox asterisk-core-sounds-en-wav asterisk-core-sounds-es-wav
#        python3-yaml
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v sox >/dev/null 2>&1 || missing+=(sox)
command -v pico2wave >/dev/null 2>&1 || missing+=(libttspico-utils)
for voice in us1 us2 us3 mx2 es2; do
  [ -d "/usr/share/mbrola/$voice" ] || missing+=("mbrola-$voice")
done
ls /usr/share/asterisk/sounds/en*/letters/a.wav >/dev/null 2>&1 || missing+=(asterisk-core-sounds-en-wav)
ls /usr/share/asterisk/sounds/es*/letters/a.wav >/dev/null 2>&1 || missing+=(asterisk-core-sounds-es-wav)
python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
if [ ${#missing[@]} -gt 0 ]; then
  echo "error: missing ${missing[*]}; install with: apt-get install -y ${missing[*]}" >&2
  exit 1
fi

if [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
target="${CARGO_TARGET_DIR:-target}"
cargo build --quiet -p ivr --no-default-features
ivr="$target/debug/ivr"

flow=call-flows/contact-center.yaml
"$ivr" prompts render "$flow" --out prompts
python3 scripts/fixtures/build.py --ivr "$ivr" --flow "$flow" --prompts prompts --out fixtures
python3 scripts/fixtures/build.py --ivr "$ivr" --flow "$flow" --prompts prompts --out fixtures/hard --set hard
python3 scripts/fixtures/check_with_chat.py --ivr "$ivr" fixtures/*.yaml fixtures/hard/*.yaml
