//! What `std`'s prelude would give every module, taken from `alloc` so that the crate builds
//! without `std`. (`format!` is left out on purpose: see [`crate::core::text`].)

pub use alloc::borrow::ToOwned;
pub use alloc::boxed::Box;
pub use alloc::string::String;
pub use alloc::vec::Vec;
