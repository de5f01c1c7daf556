//! The pure core: builds requests and reads responses. No JavaScript types, no I/O; tested on
//! the host with `cargo test`.

pub mod error;
pub mod json;
pub mod num;
pub mod options;
pub mod request;
pub mod response;
pub mod retry;
pub mod text;
pub mod time;
pub mod token;
pub mod url;
