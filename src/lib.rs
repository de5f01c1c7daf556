//! # mapbox-tokens
//!
//! A client for the [Mapbox Tokens API](https://docs.mapbox.com/api/accounts/tokens/), compiled
//! to WebAssembly and shipped as one npm package for browsers, workers and Node 20+.
//!
//! Three layers, each in its own place:
//! - [`core`]: pure Rust. It checks input, builds every request (method, path, query, body), reads
//!   statuses, error bodies, rate-limit and `Link` headers, decides on retries and paces requests
//!   under the rate limit. Tested on the host with `cargo test`.
//! - `transport` (wasm32 only): the one file that touches web-sys. It calls the platform's global
//!   `fetch` and its timers, as `async fn`s.
//! - `js` (wasm32 only): the one place with `#[wasm_bindgen]` exports, the JavaScript API. Each
//!   method reads its options, then runs an `async fn` (wasm-bindgen-futures makes the promise).
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod js;
#[cfg(target_arch = "wasm32")]
mod transport;

/// The module's allocator: talc, a drop-in replacement for Rust's default on wasm32 (dlmalloc).
/// Measured: the web module 1.9 KB smaller gzip (109.6 -> 107.7 KB); calls and the leak scan as
/// fast as before (bench/ab.mjs, bench/scan.mjs).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
