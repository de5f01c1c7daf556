//! The one error type. In JavaScript it becomes an `Error` named `MapboxError` with these fields.

use std::fmt;

/// What went wrong, broadly: the `kind` field of a `MapboxError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The call's input was refused before any request was sent.
    InvalidInput,
    /// The API answered with a status other than 2xx.
    Http,
    /// No answer: the connection failed or was dropped.
    Network,
    /// No answer within the timeout.
    Timeout,
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// The API answered 2xx with a body that could not be read.
    Decode,
}

impl ErrorKind {
    /// The name JavaScript sees in `error.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "InvalidInput",
            ErrorKind::Http => "Http",
            ErrorKind::Network => "Network",
            ErrorKind::Timeout => "Timeout",
            ErrorKind::Aborted => "Aborted",
            ErrorKind::Decode => "Decode",
        }
    }
}

/// The `X-Rate-Limit-*` headers of a response.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RateLimit {
    /// `X-Rate-Limit-Limit`: requests allowed per interval.
    pub limit: Option<f64>,
    /// `X-Rate-Limit-Interval`: the interval, in seconds.
    pub interval: Option<f64>,
    /// `X-Rate-Limit-Reset`: when the counter resets, Unix seconds.
    pub reset: Option<f64>,
}

/// A failed call. `message` is a complete sentence for people; the other fields are for code.
/// Nothing in it ever contains an access token: URLs are redacted and API messages are scrubbed.
///
/// The details live behind one pointer, so that `Result<T, Error>` stays small: passing errors
/// around then costs the wasm module far less code.
#[derive(Debug, Clone, PartialEq)]
pub struct Error(Box<Details>);

/// The fields of an [`Error`] (reached through `Deref`: `error.kind`, `error.message`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct Details {
    /// The broad cause.
    pub kind: ErrorKind,
    /// What failed, why, and what to do.
    pub message: String,
    /// The HTTP status, for `Http` (and `Decode`) errors.
    pub status: Option<u16>,
    /// The API's own `message` from the error body, when it sent one.
    pub api_message: Option<String>,
    /// The request's method, once a request was built.
    pub method: Option<&'static str>,
    /// The request's URL with the access token redacted, once a request was built.
    pub url: Option<String>,
    /// Rate-limit headers of the failed response, where sent.
    pub rate_limit: Option<RateLimit>,
}

impl Error {
    /// An `InvalidInput` error: nothing was sent.
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::of(ErrorKind::InvalidInput, message.into())
    }

    /// An error of `kind` with only a message.
    pub fn of(kind: ErrorKind, message: String) -> Error {
        Details {
            kind,
            message,
            status: None,
            api_message: None,
            method: None,
            url: None,
            rate_limit: None,
        }
        .into()
    }

    /// The fields, by value.
    pub fn into_details(self) -> Details {
        *self.0
    }
}

impl From<Details> for Error {
    fn from(details: Details) -> Error {
        Error(Box::new(details))
    }
}

impl std::ops::Deref for Error {
    type Target = Details;

    fn deref(&self) -> &Details {
        &self.0
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
