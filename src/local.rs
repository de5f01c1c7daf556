//! Module-wide state for the wasm build: cached JavaScript values and the calls in progress.

use core::cell::{OnceCell, RefCell};

/// A cell that may live in a `static`. Sound because the module runs on one thread (wasm32
/// without threads: there is no second thread to share with), and every borrow is brief and
/// never spans a call back into JavaScript.
pub struct Local<T>(pub RefCell<T>);

// SAFETY: see above.
unsafe impl<T> Sync for Local<T> {}

/// A value made once, on first use, and kept for the life of the module.
pub struct Lazy<T>(OnceCell<T>);

// SAFETY: as for `Local`.
unsafe impl<T> Sync for Lazy<T> {}

impl<T> Lazy<T> {
    /// An empty cell.
    pub const fn new() -> Lazy<T> {
        Lazy(OnceCell::new())
    }

    /// The value, made by `make` on first use.
    pub fn get(&'static self, make: impl FnOnce() -> T) -> &'static T {
        self.0.get_or_init(make)
    }
}
