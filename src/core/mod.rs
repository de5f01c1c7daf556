//! The pure core: checks input, builds requests and reads responses. No JavaScript types and no
//! I/O; tested on the host with `cargo test`.

pub mod broker;
pub mod error;
pub mod options;
pub mod pacing;
pub mod plain;
pub mod request;
pub mod response;
pub mod retry;
pub mod time;
pub mod token;
pub mod url;
