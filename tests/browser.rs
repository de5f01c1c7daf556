//! The shared wasm suite in a browser: `wasm-pack test --headless --chrome`, real cross-origin
//! `fetch` from the test page to the emulator on 127.0.0.1.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod common;
