# Manage breast screening: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := run
export CARGO_TERM_COLOR ?= always

.PHONY: run test deps assets lint bench clean

## Run the service at http://localhost:8000 with an embedded SQLite database and demo data.
run: assets
	cargo run --release -p screening -- serve --demo

## Run every test: unit, store (SQLite and PostgreSQL), HTTP, OpenID Connect, browser.
test: deps
	scripts/with-postgres.sh cargo test --workspace
	cargo build -p screening
	npm run test:browser

## Install what the tests need (Chromium, the OIDC provider, npm packages, assets).
deps:
	scripts/install-test-deps.sh

## Build the NHS design system assets the binary serves (pinned by package-lock.json).
assets:
	@if [ ! -d node_modules/nhsuk-frontend ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi
	@if [ ! -f crates/web/static/vendor/nhsuk-frontend.min.css ]; then node scripts/build-assets.mjs; fi

## Formatting and lints, as CI runs them.
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

## Load benchmark of the clinic day pages (see docs/benchmarks.md).
bench: assets
	scripts/bench.sh

clean:
	rm -rf data crates/web/static/vendor
