#!/usr/bin/env bash
# Runs every test suite of the project, continuing past failures, then prints one summary line
# "N passed, N failed". `scripts/test-all.sh lint` runs only the format and lint checks.
# Assumes scripts/setup.sh has run (the Makefile does that first).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck disable=SC1091
. .toolchain/env.sh
WASM=(env)
[ -n "${WASM_RUSTUP_TOOLCHAIN:-}" ] && WASM=(env RUSTUP_TOOLCHAIN="$WASM_RUSTUP_TOOLCHAIN")
EMU_PORT=${EMU_PORT:-18787}
mkdir -p artifacts
passed=() failed=()
T0=$(date +%s)
step() { # name command...
  local name=$1; shift
  local t; t=$(date +%s)
  printf '\n=== %s\n' "$name"
  # A step that hangs fails after STEP_TIMEOUT seconds instead of blocking the whole run.
  if timeout --kill-after=10 "${STEP_TIMEOUT:-1200}" "$@"; then passed+=("$name"); printf '=== %s: ok (%ss)\n' "$name" "$(( $(date +%s) - t ))"
  else failed+=("$name"); printf '=== %s: FAILED (%ss)\n' "$name" "$(( $(date +%s) - t ))"; fi
}

step "cargo fmt --check" cargo fmt --check
step "clippy (host)" cargo clippy -q --all-targets -- -D warnings
if [ "${WASM_TOOLCHAIN_MODE:-rustup}" = rustup ]; then
  step "clippy (wasm32)" cargo clippy -q --all-targets --target wasm32-unknown-unknown -- -D warnings
else
  echo "(clippy for wasm32 needs rustup's target; Debian's rustc-web has no clippy: checking instead)"
  step "cargo check (wasm32)" "${WASM[@]}" cargo check -q --all-targets --target wasm32-unknown-unknown
fi
if [ "${1:-}" != lint ]; then
  step "cargo test (host)" cargo test -q
  step "emulator (node:test)" node --test emulator/test/*.test.mjs
  # --release: the wasm suites run the build the package ships (its profile: LTO, panic = "abort").
  step "wasm-pack test --node" scripts/with-emulator.sh "$EMU_PORT" "${WASM[@]}" wasm-pack test --release --node
  step "wasm-pack test --headless --chrome" scripts/wasm-in-browser.sh chrome "$EMU_PORT" "${WASM[@]:1}"
  step "wasm-pack test --headless --firefox" scripts/wasm-in-browser.sh firefox "$EMU_PORT" "${WASM[@]:1}"
  step "build pkg/" bash scripts/build-pkg.sh
  step "package (node:test)" node --test --test-concurrency=1 npm/test/*.test.mjs
  if [ -d www/test ]; then step "dashboard e2e (node:test)" node --test --test-concurrency=1 www/test/*.test.mjs; fi
  if [ -d cli/test ]; then step "command line (node:test)" node --test --test-concurrency=1 cli/test/*.test.mjs; fi
  if [ -d test ]; then step "reliability (node:test)" node --test --test-concurrency=1 test/*.test.mjs; fi
  step "token refresher (node:test)" node --test --test-concurrency=1 refresher/test/*.test.mjs
fi

printf '\n=== summary (%ss)\n' "$(( $(date +%s) - T0 ))"
for s in "${passed[@]}"; do echo "ok      $s"; done
for s in "${failed[@]}"; do echo "FAILED  $s"; done
echo "${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
