#!/usr/bin/env bash
# Enables Debian's contrib and non-free components (SVOX Pico and the MBROLA voices live
# there) beside the machine's own `main` entry: same archive, same signing key, no host name
# written into this repository. Reads the first deb822 entry (or one-line `deb` line) that
# serves the release's `main`; writes /etc/apt/sources.list.d/ivr-contrib-non-free.sources.
# Idempotent; prints nothing when the components are already enabled. Run as root (or sudo).
set -euo pipefail
target=/etc/apt/sources.list.d/ivr-contrib-non-free.sources
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
if [ -z "$codename" ]; then
  echo "error: /etc/os-release names no VERSION_CODENAME; add contrib and non-free to your apt sources by hand" >&2
  exit 1
fi

# Already there, from us or from the machine's own sources?
if [ -n "$(apt-cache policy libttspico-utils 2>/dev/null | awk '/Candidate:/ && $2 != "(none)"')" ]; then
  exit 0
fi
[ -f "$target" ] && exit 0

uri="" signed_by=""
shopt -s nullglob
for file in /etc/apt/sources.list.d/*.sources; do
  # deb822 stanzas are separated by blank lines; take the first with our codename and main.
  read -r uri signed_by < <(awk -v codename="$codename" '
    function flush() {
      if (types ~ /(^| )deb( |$)/ && suites ~ ("(^| )" codename "( |$)") && components ~ /(^| )main( |$)/ && found == "") {
        found = uris " " (signed == "" ? "-" : signed)
      }
      types = suites = components = uris = signed = ""
    }
    /^[[:space:]]*$/ { flush(); next }
    /^#/ { next }
    /^Types:/ { sub(/^Types:[[:space:]]*/, ""); types = $0 }
    /^URIs:/ { sub(/^URIs:[[:space:]]*/, ""); split($0, all, " "); uris = all[1] }
    /^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
    /^Components:/ { sub(/^Components:[[:space:]]*/, ""); components = $0 }
    /^Signed-By:/ { sub(/^Signed-By:[[:space:]]*/, ""); signed = $0 }
    END { flush(); if (found != "") print found }
  ' "$file") || true
  [ -n "$uri" ] && break
done
if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
  uri=$(awk -v codename="$codename" '$1 == "deb" && $0 !~ /^#/ {
      i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
      if ($(i + 1) == codename) { print $i; exit }
    }' /etc/apt/sources.list)
  signed_by=-
fi
if [ -z "$uri" ]; then
  echo "error: no apt entry serves Debian $codename main; add contrib and non-free to your apt sources by hand" >&2
  exit 1
fi

{
  echo "# Written by ivr scripts/enable-contrib-non-free.sh: the machine's own archive, contrib and non-free."
  echo "Types: deb"
  echo "URIs: $uri"
  echo "Suites: $codename"
  echo "Components: contrib non-free"
  [ "$signed_by" != "-" ] && echo "Signed-By: $signed_by"
} > "$target.tmp"
mv "$target.tmp" "$target"
echo "enabled contrib and non-free from $uri ($codename) in $target"
