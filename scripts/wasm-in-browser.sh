#!/usr/bin/env bash
# wasm-in-browser.sh chrome|firefox PORT [ENV-ASSIGNMENT...]: the wasm test suites (`wasm-pack test
# --release --headless`) in one browser, against a fresh emulator on PORT. wasm-bindgen-test-runner
# takes the first WebDriver it finds in the environment (GECKODRIVER before CHROMEDRIVER), so only
# the chosen browser's is left set, and the run fails unless the runner says it ran in that browser.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
browser=$1 port=$2; shift 2
case $browser in
  chrome) name=Chrome other=GECKODRIVER ;;
  firefox) name=Firefox other=CHROMEDRIVER ;;
  *) echo "usage: wasm-in-browser.sh chrome|firefox PORT" >&2; exit 2 ;;
esac
log=$(mktemp)
trap 'rm -f "$log"' EXIT
env -u "$other" "$@" "$ROOT/scripts/with-emulator.sh" "$port" wasm-pack test --release --headless "--$browser" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if ! grep -q "Running headless tests in $name" "$log"; then
  echo "wasm-in-browser: the suites did not run in $name" >&2
  exit 1
fi
exit "$status"
