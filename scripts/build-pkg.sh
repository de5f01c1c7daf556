#!/usr/bin/env bash
# Builds pkg/: one npm package "mapbox-tokens" holding the wasm-pack builds for bundlers
# (pkg/bundler), Node (pkg/node, CommonJS) and plain ES-module pages (pkg/web), the emulator,
# the README and a hand-written package.json with an exports map. Run scripts/setup.sh first.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck disable=SC1091
. .toolchain/env.sh
[ -n "${WASM_RUSTUP_TOOLCHAIN:-}" ] && export RUSTUP_TOOLCHAIN=$WASM_RUSTUP_TOOLCHAIN
PROFILE=${PROFILE:-release}

# Build into pkg.new and swap it in at the end, so that pkg/ is never half-built.
OUT=pkg.new
rm -rf "$OUT"
for pair in bundler:bundler nodejs:node web:web; do
  target=${pair%%:*} dir=$OUT/${pair##*:}
  wasm-pack -q build --"$PROFILE" --no-pack --target "$target" --out-dir "$dir" --out-name mapbox_tokens 2>&1 \
    | grep -v '^\[INFO\]' || true
  [ -f "$dir/mapbox_tokens_bg.wasm" ] || { echo "build-pkg: wasm-pack build --target $target failed" >&2; exit 1; }
  rm -f "$dir/.gitignore"
done
# The Node build is CommonJS; name it .cjs so it loads as such inside this "type": "module" package.
mv $OUT/node/mapbox_tokens.js $OUT/node/mapbox_tokens.cjs
sed -i 's#\./mapbox_tokens\.js#./mapbox_tokens.cjs#g' $OUT/node/mapbox_tokens.d.ts 2>/dev/null || true

# PUBLIC_SCOPES as a constant in every entry point, taken from the Rust core through the Node build.
scopes=$(node -p "JSON.stringify(require('./$OUT/node/mapbox_tokens.cjs').publicScopes())")
for d in bundler web; do
  printf '\n/** The scopes a public token may hold; any other scope makes a token secret. */\nexport const PUBLIC_SCOPES = Object.freeze(%s);\n' "$scopes" >> "$OUT/$d/mapbox_tokens.js"
done
printf '\nexports.PUBLIC_SCOPES = Object.freeze(%s);\n' "$scopes" >> $OUT/node/mapbox_tokens.cjs
# Pages load the web build as it is (no bundler to minify it): ship its glue minified.
node_modules/.bin/esbuild "$OUT/web/mapbox_tokens.js" --minify --keep-names --format=esm --log-level=warning \
  --outfile="$OUT/web/mapbox_tokens.js" --allow-overwrite
for d in bundler node web; do
  # `[Symbol.dispose]()` needs TypeScript's esnext.disposable lib; keep the types usable with any lib.
  sed -i '/\[Symbol\.dispose\]()/d' "$OUT/$d/mapbox_tokens.d.ts"
  printf '\n/** The scopes a public token may hold; any other scope makes a token secret. */\nexport const PUBLIC_SCOPES: readonly string[];\n' >> "$OUT/$d/mapbox_tokens.d.ts"
done

version=$(awk -F'"' '/^version = /{print $2; exit}' Cargo.toml)
node -e '
  const fs = require("fs");
  const p = JSON.parse(fs.readFileSync("npm/package.json", "utf8"));
  p.version = process.argv[1];
  fs.writeFileSync(process.argv[2], JSON.stringify(p, null, 2) + "\n");
' "$version" "$OUT/package.json"
cp README.md $OUT/
[ -f LICENSE ] && cp LICENSE $OUT/
mkdir -p $OUT/emulator
cp -r emulator/index.mjs emulator/cli.mjs emulator/lib emulator/README.md $OUT/emulator/
if [ -d cli ]; then mkdir -p $OUT/cli && cp cli/*.mjs $OUT/cli/; fi
# mapbox-tokens/redis: the broker's Redis store, as an ES module, CommonJS (made by esbuild) and types.
cp npm/redis.mjs npm/redis.d.ts $OUT/ && cp npm/redis.d.ts $OUT/redis.d.cts
node_modules/.bin/esbuild npm/redis.mjs --format=cjs --platform=node --log-level=warning --outfile=$OUT/redis.cjs
# mapbox-tokens/refresher: the browser's token refresher, plain JavaScript (no wasm), minified (its
# size test, refresher/test/package.test.mjs, measures this same minification), and its types.
mkdir -p $OUT/refresher
node_modules/.bin/esbuild refresher/refresher.mjs --minify --format=esm --log-level=warning --outfile=$OUT/refresher/refresher.mjs
cp refresher/refresher.d.ts $OUT/refresher/
rm -rf pkg && mv "$OUT" pkg
echo "build-pkg: pkg/ $(du -sh pkg | cut -f1), wasm gzip: $(for d in bundler node web; do printf '%s=%s ' $d "$(gzip -9c pkg/$d/mapbox_tokens_bg.wasm | wc -c)"; done)"
