//! The shared wasm suite in Node: `wasm-pack test --node` (needs the emulator; see scripts/with-emulator.sh).
#![cfg(target_arch = "wasm32")]

mod common;
