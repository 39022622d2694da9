#!/usr/bin/env bash
# Our Whisper decode against faster-whisper (the reference runtime: Python on CTranslate2),
# side by side: the same fixture utterances, the same model folders, the same thread count,
# beam 1 (greedy), int8. Prints per model and thread count the p50/p95 of each, their ratio
# (ours / faster-whisper; below 1.0 we are faster) and how many transcripts agree word for word.
#
#   benches/speech/compare.sh [THREADS...]        (default: 1 2)
#
# Needs `make setup` (models, libdnnl). faster-whisper is installed from PyPI into a throwaway
# venv under $WORK (default: a temporary folder, removed at the end); the fixture recordings are
# cut into utterances with the engine's own endpointer. Results (JSON lines per utterance) stay in
# $OUT (default target/speech-compare). Figures: benches/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=("${@:-1 2}")
read -r -a THREADS <<<"${THREADS[*]}"
OUT=${OUT:-target/speech-compare}
FASTER_WHISPER=${FASTER_WHISPER:-faster-whisper==1.2.1}
MODELS=${IVR_MODELS_DIR:-.models}

for model in whisper-tiny.en whisper-base; do
  [ -f "$MODELS/$model/model.bin" ] || {
    echo "compare.sh: $MODELS/$model/model.bin is missing: run \`make setup\` first" >&2
    exit 1
  }
done

if [ -z "${WORK:-}" ]; then
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$OUT"

echo "== building our decoder (release)" >&2
export CMAKE_C_COMPILER_LAUNCHER=${CMAKE_C_COMPILER_LAUNCHER:-ccache}
export CMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}
export CCACHE_DIR=${CCACHE_DIR:-$PWD/target/ccache} CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=1
cargo build --quiet --release --locked -p ivr-speech --features whisper --example decode_times
ours=target/release/examples/decode_times
# An example has no rpath of its own (the `ivr` binary does): the loader finds oneDNN here.
export LD_LIBRARY_PATH="$MODELS/libdnnl/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

echo "== installing $FASTER_WHISPER into a throwaway venv" >&2
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check "$FASTER_WHISPER"
reference=("$WORK/venv/bin/python" benches/speech/faster_whisper_times.py)

echo "== cutting fixtures/ into utterances" >&2
"$ours" cut fixtures "$WORK/utterances"
list="$WORK/utterances/utterances.txt"
echo "$(wc -l <"$list") utterances ($(grep -c ' en$' "$list") English)" >&2

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
for model in whisper-tiny.en whisper-base; do
  for threads in "${THREADS[@]}"; do
    label="$model threads=$threads"
    echo "== $label" >&2
    # Both runs decode the same list in the same order, one after the other, never at once.
    "$ours" time "$MODELS/$model" "$list" --dir "$WORK/utterances" --threads "$threads" \
      >"$OUT/$model-t$threads.ours.jsonl"
    only=()
    [[ $model == *.en ]] && only=(--english-only)
    "${reference[@]}" "$MODELS/$model" "$list" --dir "$WORK/utterances" --threads "$threads" \
      "${only[@]}" >"$OUT/$model-t$threads.faster-whisper.jsonl"
    python3 benches/speech/summarize.py "$label" "$OUT/$model-t$threads.ours.jsonl" \
      "$OUT/$model-t$threads.faster-whisper.jsonl"
  done
done
