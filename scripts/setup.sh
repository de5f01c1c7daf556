#!/usr/bin/env bash
# scripts/setup.sh: make a bare Debian 12 machine (root) ready to build and test mapbox-tokens.
#
# Idempotent and quick when nothing is missing. It installs:
#   1. Debian packages: chromium + chromium-driver and firefox-esr (browser tests), redis-server (the token
#      broker's shared-store tests start their own on a free port), curl, gzip, ca-certificates.
#   2. A wasm32-unknown-unknown Rust target:
#        "rustup"  mode: rustup's rust-std (already installed, or `rustup target add` within $RUSTUP_TIMEOUT s);
#        "sysroot" mode: when rustup cannot fetch it, Debian's rustc-web + a wasm32 std built here from
#                        rust-web-src with -Zbuild-std, linked into rustup as the toolchain "system-web".
#   3. wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in Cargo.lock, wasm-pack, and
#      geckodriver (Firefox's WebDriver, from crates.io); with --bench, also twiggy (`make bench`).
#   4. wasm-opt from the npm package `binaryen` (Debian's binaryen 108 silently breaks wasm-bindgen output).
#   5. The project's npm dev dependencies (`npm ci`).
# It writes .toolchain/env.sh, which the Makefile sources before any wasm command.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODE=${WASM_TOOLCHAIN_MODE:-auto}
WASM_PACK_VERSION=${WASM_PACK_VERSION:-0.15.1}
GECKODRIVER_VERSION=${GECKODRIVER_VERSION:-0.37.1}
TWIGGY_VERSION=${TWIGGY_VERSION:-0.8.0}
BINARYEN_NPM_VERSION=${BINARYEN_NPM_VERSION:-132.0.0}
RUSTUP_TIMEOUT=${RUSTUP_TIMEOUT:-90}
SYSROOT_BUILD_DIR=${SYSROOT_BUILD_DIR:-/var/tmp/wasm32-sysroot-build}
BINARYEN_PREFIX=${BINARYEN_PREFIX:-/opt/binaryen-npm}
LINKED_TC=system-web
TARGET=wasm32-unknown-unknown
DEB_SYSROOT_LIB=/usr/lib/rustlib/$TARGET/lib
DEB_MARKER=/usr/lib/rustlib/$TARGET/BUILT-FROM-SOURCE
case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac
case ":$PATH:" in *":/usr/local/bin:"*) ;; *) PATH="/usr/local/bin:$PATH" ;; esac
export PATH DEBIAN_FRONTEND=noninteractive

T0=$(date +%s)
INSTALLED=()
say() { printf 'setup: %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing_debs() {
  local p out=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || out+=("$p"); done
  echo "${out[@]:-}"
}
apt_ensure() {
  local missing; missing=$(missing_debs "$@")
  [ -z "$missing" ] && return 0
  say "apt-get install $missing"
  as_root apt-get update -qq
  # shellcheck disable=SC2086
  as_root apt-get install -y -q --no-install-recommends $missing >/dev/null
  INSTALLED+=("apt:$missing")
}

# ------------------------------------------------------------------ 1. Debian packages
apt_ensure ca-certificates curl gzip chromium chromium-driver firefox-esr redis-server
if ! have node || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  apt_ensure nodejs npm
  [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || { say "ERROR: Node.js >= 20 is required"; exit 1; }
fi
if [ -x /usr/bin/wasm-opt ] && /usr/bin/wasm-opt --version 2>/dev/null | grep -qE 'version (10[0-9]|11[0-5])\b'; then
  say "WARNING: Debian binaryen is installed; $BINARYEN_PREFIX/bin/wasm-opt is linked earlier on PATH (consider: apt-get remove binaryen)"
fi

# ------------------------------------------------------------------ 2. wasm32 target
rustup_has_target() { have rustup && rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; }
deb_sysroot_current() { [ -x /usr/bin/rustc ] && [ -f "$DEB_MARKER" ] && grep -qxF "rustc=$(/usr/bin/rustc -V)" "$DEB_MARKER"; }
if ! have cargo && ! have rustup; then say "ERROR: no Rust toolchain (install rustup)"; exit 1; fi
if [ "$MODE" = auto ]; then
  if rustup_has_target; then MODE=rustup
  elif deb_sysroot_current; then MODE=sysroot
  elif have rustup && timeout -k 5 "$RUSTUP_TIMEOUT" rustup target add "$TARGET"; then MODE=rustup; INSTALLED+=("rustup:$TARGET")
  else MODE=sysroot; say "rustup cannot add $TARGET here; building the wasm32 std for Debian's rustc-web"; fi
fi

build_debian_sysroot() {
  apt_ensure rustc-web cargo-web rust-web-src rust-web-llvm lld-22
  deb_sysroot_current && return 0
  say "building wasm32 std with $(/usr/bin/rustc -V) (several minutes)"
  rm -rf "$SYSROOT_BUILD_DIR"; mkdir -p "$SYSROOT_BUILD_DIR/src"
  echo '#![no_std]' > "$SYSROOT_BUILD_DIR/src/lib.rs"
  # The profile mirrors how rustup's rust-std is built (upstream library/Cargo.toml, profile "dist").
  cat > "$SYSROOT_BUILD_DIR/Cargo.toml" <<'TOML'
[package]
name = "sysroot-builder"
version = "0.0.0"
edition = "2021"
publish = false
[workspace]
[profile.sysroot]
inherits = "release"
codegen-units = 1
debug = 1
[profile.sysroot.package.compiler_builtins]
codegen-units = 10000
debug = 0
TOML
  # -Cembed-bitcode=yes keeps bitcode in the rlibs so that crates built against them can use LTO.
  ( cd "$SYSROOT_BUILD_DIR" && \
    env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u CARGO_BUILD_TARGET -u RUSTUP_TOOLCHAIN -u CARGO_TARGET_DIR \
      PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
      RUSTFLAGS="-Cembed-bitcode=yes -Zinline-mir" \
      /usr/bin/cargo build -q --profile sysroot --target $TARGET \
        -Zbuild-std=std,panic_abort,panic_unwind,proc_macro,test,sysroot )
  if dpkg -S "$DEB_SYSROOT_LIB" >/dev/null 2>&1; then say "ERROR: $DEB_SYSROOT_LIB belongs to a Debian package"; exit 1; fi
  as_root rm -rf "$DEB_SYSROOT_LIB"; as_root mkdir -p "$DEB_SYSROOT_LIB"
  find "$SYSROOT_BUILD_DIR/target/$TARGET/sysroot/deps" -maxdepth 1 \( -name 'lib*.rlib' -o -name 'lib*.rmeta' \) \
    ! -name 'libsysroot_builder-*' -exec install -m644 {} "$DEB_SYSROOT_LIB/" \;
  printf 'built-by=mapbox-tokens scripts/setup.sh\nrustc=%s\n' "$(/usr/bin/rustc -V)" | as_root tee "$DEB_MARKER" >/dev/null
  rm -rf "$SYSROOT_BUILD_DIR"
  INSTALLED+=("sysroot:$TARGET")
}
case "$MODE" in
  rustup) rustup_has_target || timeout -k 5 "$RUSTUP_TIMEOUT" rustup target add "$TARGET" ;;
  sysroot)
    build_debian_sysroot
    if have rustup && [ "$(readlink "${RUSTUP_HOME:-$HOME/.rustup}/toolchains/$LINKED_TC" 2>/dev/null)" != /usr ]; then
      rustup toolchain link "$LINKED_TC" /usr
    fi ;;
  *) say "unknown WASM_TOOLCHAIN_MODE=$MODE"; exit 2 ;;
esac

# ------------------------------------------------------------------ 3. wasm-bindgen-cli + wasm-pack
WBV=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$ROOT/Cargo.lock")
cargo_install() { # crate version expected-`--version`-output binary
  local crate=$1 ver=$2 want=$3 bin=$4
  if have "$bin" && [ "$("$bin" --version 2>/dev/null | head -n 1)" = "$want" ]; then return 0; fi
  say "cargo install $crate@$ver"
  # Some locked dependencies of these tools are absent from the registry mirror: fall back to unlocked.
  (cd / && env -u RUSTUP_TOOLCHAIN cargo install -q "$crate" --version "=$ver" --locked --force 2>/dev/null) \
    || (cd / && env -u RUSTUP_TOOLCHAIN cargo install -q "$crate" --version "=$ver" --force)
  INSTALLED+=("cargo:$crate@$ver")
}
cargo_install wasm-bindgen-cli "$WBV" "wasm-bindgen $WBV" wasm-bindgen
cargo_install wasm-pack "$WASM_PACK_VERSION" "wasm-pack $WASM_PACK_VERSION" wasm-pack
cargo_install geckodriver "$GECKODRIVER_VERSION" "geckodriver $GECKODRIVER_VERSION" geckodriver
# `make bench` only (scripts/setup.sh --bench): twiggy, which says what the wasm module is made of,
# and wrk, the load generator of the token broker's throughput (bench/broker.mjs).
if [ "${1:-}" = --bench ]; then
  cargo_install twiggy "$TWIGGY_VERSION" "twiggy-opt $TWIGGY_VERSION" twiggy
  apt_ensure wrk
fi

# ------------------------------------------------------------------ 4. wasm-opt from npm binaryen
if ! "$BINARYEN_PREFIX/bin/wasm-opt" --version 2>/dev/null | grep -q "version ${BINARYEN_NPM_VERSION%%.*}\b"; then
  say "npm install binaryen@$BINARYEN_NPM_VERSION"
  as_root npm install -g -s --no-fund --no-audit --prefix "$BINARYEN_PREFIX" "binaryen@$BINARYEN_NPM_VERSION"
  INSTALLED+=("npm:binaryen@$BINARYEN_NPM_VERSION")
fi
[ "$(readlink /usr/local/bin/wasm-opt 2>/dev/null)" = "$BINARYEN_PREFIX/bin/wasm-opt" ] \
  || as_root ln -sfn "$BINARYEN_PREFIX/bin/wasm-opt" /usr/local/bin/wasm-opt

# ------------------------------------------------------------------ 5. npm dev dependencies
stamp="$ROOT/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ]; then
  say "npm ci"
  (cd "$ROOT" && npm ci -s --no-fund --no-audit)
  INSTALLED+=("npm ci")
fi

# ------------------------------------------------------------------ env for the Makefile
mkdir -p "$ROOT/.toolchain"
{
  echo "# written by scripts/setup.sh (mode=$MODE)"
  echo "export PATH=\"$PATH\""
  echo "export WASM_BINDGEN_TEST_WEBDRIVER_JSON=\"$ROOT/scripts/webdriver.json\""
  echo "export CHROMEDRIVER=/usr/bin/chromedriver"
  echo "export GECKODRIVER=\"$(command -v geckodriver)\""
  echo "export WASM_TOOLCHAIN_MODE=$MODE"
  [ "$MODE" = sysroot ] && echo "export WASM_RUSTUP_TOOLCHAIN=$LINKED_TC" || echo "export WASM_RUSTUP_TOOLCHAIN="
} > "$ROOT/.toolchain/env.sh.new"
cmp -s "$ROOT/.toolchain/env.sh.new" "$ROOT/.toolchain/env.sh" && rm "$ROOT/.toolchain/env.sh.new" || mv "$ROOT/.toolchain/env.sh.new" "$ROOT/.toolchain/env.sh"

if [ ${#INSTALLED[@]} -eq 0 ]; then
  say "ready (mode=$MODE, nothing installed, $(( $(date +%s) - T0 ))s)"
else
  say "ready (mode=$MODE) after installing: ${INSTALLED[*]} ($(( $(date +%s) - T0 ))s)"
fi
