//! Errors of the safe core. Each kind maps to one C status code (see `ffi::status`).
//! Messages say what went wrong in plain words and never carry a secret value or token.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A NULL, non-UTF-8 or otherwise unusable argument.
    InvalidArgument,
    /// The caller's buffer cannot hold the value.
    BufferTooSmall,
    /// `get` while a Flow is being built.
    FlowBuilding,
    /// No token, or the server refused it twice.
    Auth,
    /// The server path failed: transport, HTTP status, reply shape, GraphQL errors.
    Client,
    /// A configuration Prefect 0.5.3 would refuse, or a value `get` cannot return.
    Config,
    /// A bug: a panic caught at the C boundary.
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    pub fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config, message)
    }

    pub fn client(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Client, message)
    }

    pub fn auth(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Auth, message)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
