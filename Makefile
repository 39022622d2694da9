# The two commands of the README: `make run` and `make test`.
CARGO ?= cargo
FLOW ?= call-flows/contact-center.yaml

.PHONY: run test toolchain build check-flows bench

# Until SIP arrives, `run` opens the text simulator on the shipped flow.
run: toolchain
	$(CARGO) run --quiet --release -p ivr -- chat $(FLOW)

test: toolchain
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) test --workspace --locked
	$(CARGO) run --quiet -p ivr --locked -- check call-flows/

toolchain:
	@scripts/ensure-toolchain.sh

build: toolchain
	$(CARGO) build --release -p ivr

bench: toolchain
	$(CARGO) bench -p ivr-flow
