#!/usr/bin/env bash
# Installs the Debian packages that building and testing need: espeak-ng (prompt speech, run
# as a program, never linked), cmake (builds CTranslate2 for Whisper) and ccache (cargo builds
# CTranslate2's C++ once for `cargo clippy` and again for `cargo test`; ccache makes the second
# build a cache hit), SIPp (Debian sip-tester) and baresip (baresip-core): the SIP peers
# `ivr serve` is tested against, sox (pads a caller's WAV for scripts/call-with-baresip.sh), and
# python3-aiosmtpd (a real SMTP server for the email tests); and from Debian's non-free
# component (enabled by scripts/enable-contrib-non-free.sh), SVOX Pico (libttspico-utils: the
# prompts' natural voice, also run as a program) and MBROLA voices for espeak-ng (the hard
# fixture callers); PostgreSQL and Kamailio (with its PostgreSQL modules) for the store tests
# on PostgreSQL and the cluster tests, started by the tests themselves (a single engine needs
# neither); Graphviz (`ivr graph --svg`); and Chromium, the headless browser the supervisor
# page is tested in. Making fixtures needs more (see
# fixtures/README.md). Idempotent: installs only what is missing.
set -euo pipefail
packages=(espeak-ng cmake ccache sip-tester baresip-core sox python3-aiosmtpd
  libttspico-utils mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1 mbrola-es2
  mbrola-mx2 postgresql kamailio kamailio-postgres-modules graphviz chromium)
non_free=(libttspico-utils mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1
  mbrola-es2 mbrola-mx2)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "error: missing packages ${missing[*]}; install them as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
for p in "${missing[@]}"; do
  if [[ " ${non_free[*]} " == *" $p "* ]]; then
    "${sudo[@]}" "$(dirname "$0")/enable-contrib-non-free.sh"
    break
  fi
done
echo "installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
