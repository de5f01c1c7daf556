# mapbox-tokens: every entry point runs scripts/setup.sh first, so each works on a bare machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help setup build pkg test start lint bench clean

help:
	@echo "make start   build the package and serve the token dashboard with a local Tokens API emulator"
	@echo "make test    run every test (Rust host, wasm in Node and headless Chromium, emulator, package, dashboard)"
	@echo "make bench   measure speed and size against raw fetch and @mapbox/mapbox-sdk"

setup:
	@bash scripts/setup.sh

pkg: setup
	@bash scripts/build-pkg.sh

build: pkg

lint: setup
	@bash scripts/test-all.sh lint

test: setup
	@bash scripts/test-all.sh

start: pkg
	@node scripts/start.mjs

bench: pkg
	@bash scripts/setup.sh --bench
	@node bench/run.mjs

clean:
	rm -rf pkg target .toolchain artifacts
