#!/usr/bin/env bash
# Runs every fuzz target of crates/ivr-fuzz (cargo-fuzz, libFuzzer) for FUZZ_SECONDS each, one
# after another, and prints a table: seconds run, executions, executions per second, final
# coverage (libFuzzer's `cov:`, instrumented edges reached) and crashes (crash-, leak- and
# timeout- artifacts). Exits non-zero if any target crashed.
#
#   FUZZ_SECONDS=600 scripts/fuzz.sh              # all targets, 10 minutes each
#   FUZZ_SECONDS=60 scripts/fuzz.sh sdp rtp       # some targets
#
# Stable Rust: `--sanitizer none` (AddressSanitizer needs nightly's -Zsanitizer); libFuzzer's
# coverage instrumentation (SanitizerCoverage) is plain -C flags. Debug assertions are on
# (`-a`), so an integer overflow is a crash as it is in the test build.
# Each target starts from a scratch copy of its committed seeds (crates/ivr-fuzz/corpus/) under
# target/fuzz/, so what the fuzzer finds does not end up in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-600}
FUZZ_DIR=crates/ivr-fuzz
WORK=${FUZZ_WORK:-target/fuzz}
ALL_TARGETS=(sip_message sdp rtp wav flow_yaml engine_config admin_request)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")

# The binaries are looked for where cargo-fuzz puts them by default.
unset CARGO_TARGET_DIR
export CMAKE_C_COMPILER_LAUNCHER=${CMAKE_C_COMPILER_LAUNCHER:-ccache}
export CMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}
export CCACHE_DIR=${CCACHE_DIR:-$PWD/target/ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

echo "fuzz.sh: building ${TARGETS[*]}" >&2
for target in "${TARGETS[@]}"; do
    cargo fuzz build --fuzz-dir "$FUZZ_DIR" --sanitizer none --debug-assertions "$target"
done
host=$(rustc -vV | sed -n 's/^host: //p')
bin_dir=$FUZZ_DIR/target/$host/release

rows=()
crashed=0
for target in "${TARGETS[@]}"; do
    corpus=$WORK/corpus/$target
    artifacts=$WORK/artifacts/$target
    log=$WORK/logs/$target.log
    rm -rf "$corpus" "$artifacts"
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    cp "$FUZZ_DIR"/corpus/"$target"/seed-* "$corpus"/
    echo "fuzz.sh: $target for ${FUZZ_SECONDS}s (log: $log)" >&2
    start=$(date +%s)
    # libFuzzer exits non-zero on a crash; the table says so, and the run goes on.
    "$bin_dir/$target" "$corpus" \
        -max_total_time="$FUZZ_SECONDS" \
        -artifact_prefix="$artifacts/" \
        -print_final_stats=1 \
        -timeout=10 -rss_limit_mb=2048 \
        >"$log" 2>&1 || true
    seconds=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ -z "$execs" ]; then
        # No final stats (it stopped at a crash): the last status line's count.
        execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    fi
    execs=${execs:-0}
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{print $2}')
    units=$(find "$corpus" -type f | wc -l)
    crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    [ "$crashes" -eq 0 ] || crashed=1
    rows+=("$(printf '%-14s %8s %12s %9s %9s %9s %8s %8s' "$target" "$seconds" "$execs" \
        "$((execs / (seconds > 0 ? seconds : 1)))" "${cov:-?}" "${ft:-?}" "$units" "$crashes")")
done

echo
printf '%-14s %8s %12s %9s %9s %9s %8s %8s\n' target seconds executions exec/s cov ft corpus crashes
for row in "${rows[@]}"; do
    echo "$row"
done
if [ "$crashed" -ne 0 ]; then
    echo
    echo "fuzz.sh: crashes; inputs in $WORK/artifacts/<target>/, reproduce with" >&2
    echo "  cargo fuzz run --fuzz-dir $FUZZ_DIR --sanitizer none --debug-assertions <target> <file>" >&2
    exit 1
fi
