#!/usr/bin/env bash
# with-emulator.sh PORT COMMAND...: runs COMMAND with a fresh Tokens API emulator (test hooks on,
# also for web pages, since the wasm suites run in browser pages; rate limiting off) listening on 127.0.0.1:PORT, exported as MAPBOX_EMULATOR_URL; stops it after.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
port=$1; shift
log=$(mktemp)
node "$ROOT/emulator/cli.mjs" --host 127.0.0.1 --port "$port" --hooks --hooks-for-pages --no-rate-limit --json >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do
  grep -q '"url"' "$log" && break
  kill -0 $pid 2>/dev/null || { cat "$log" >&2; echo "with-emulator: the emulator did not start" >&2; exit 1; }
  sleep 0.1
done
export MAPBOX_EMULATOR_URL="http://127.0.0.1:$port"
"$@"
