//! # mapbox-tokens
//!
//! A client for the [Mapbox Tokens API](https://docs.mapbox.com/api/accounts/tokens/), compiled
//! to WebAssembly and shipped as one npm package for browsers, workers and Node 20+.
//!
//! Three layers, each in its own place, and the runtime under them:
//! - [`core`]: pure Rust. It checks input, builds every request (method, path, query, body) and
//!   reads statuses, error bodies, rate-limit and `Link` headers. Tested on the host.
//! - `transport` (wasm32 only): the one file that touches web-sys; it calls the global `fetch`.
//! - `js` (wasm32 only): the one file with `#[wasm_bindgen]` exports, the JavaScript API.
//! - `runtime` (the npm build only): the panic handler and the memory allocator. The package is
//!   built without Rust's `std`, whose formatting, panic and allocator machinery made up about a
//!   fifth of the module.
#![cfg_attr(all(target_arch = "wasm32", not(feature = "std")), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub mod core;
#[cfg_attr(any(not(target_arch = "wasm32"), feature = "std"), allow(dead_code))]
mod heap;
mod prelude;

#[cfg(target_arch = "wasm32")]
pub mod js;
#[cfg(target_arch = "wasm32")]
mod local;
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
mod runtime;
#[cfg(target_arch = "wasm32")]
mod transport;
