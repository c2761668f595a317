//! What a command returns and how it reaches the terminal: text or JSON, errors with their
//! exit codes, and a closed pipe (`machinekey ... | head -1`) ending the program quietly.

use std::io::Write as _;
use std::process::ExitCode;

use machinekey::{ConfigError, Error};
use serde::Serialize;
use serde_json::Value;

/// What a command prints: text for people, the same facts as JSON for tools, and its exit
/// code (0, or 1 for a verdict such as "has warnings" under `--strict`).
pub(crate) struct Output {
    pub(crate) text: String,
    pub(crate) json: Value,
    pub(crate) code: u8,
    /// Already written (streamed output): print nothing more.
    pub(crate) silent: bool,
}

impl Output {
    /// Output already written line by line (JSON lines): nothing more to print.
    pub(crate) fn streamed() -> Self {
        Self {
            text: String::new(),
            json: Value::Null,
            code: 0,
            silent: true,
        }
    }

    /// Text, and the JSON of a library value.
    pub(crate) fn new(text: impl Into<String>, json: &impl Serialize) -> Result<Self, Failure> {
        Ok(Self {
            text: text.into(),
            json: serde_json::to_value(json).map_err(|e| Failure::usage(e.to_string()))?,
            code: 0,
            silent: false,
        })
    }
}

/// A command's failure: its exit code, a stable code for tools, and a one-line message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) exit: u8,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl Failure {
    /// Exit 2: bad usage or input.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self {
            exit: 2,
            code: "usage",
            message: message.into(),
        }
    }

    /// Exit 1: a verdict (nothing found).
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self {
            exit: 1,
            code: "not_found",
            message: message.into(),
        }
    }

    /// Exit 2: a file could not be read.
    pub(crate) fn io(path: &str, error: &std::io::Error) -> Self {
        Self {
            exit: 2,
            code: "io",
            message: format!("{path}: {error}"),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let (exit, code) = match e {
            Error::Unprotect => (1, "unprotect"),
            Error::TicketExpired => (1, "ticket_expired"),
            Error::Config(ref c)
                if matches!(c.kind(), machinekey::ConfigErrorKind::File { .. }) =>
            {
                (2, "io")
            }
            Error::Config(_) => (2, "config"),
            Error::Malformed(_) => (2, "malformed_input"),
            Error::TooLong { .. } => (2, "too_long"),
            Error::KeyNotFound(_) => (1, "key_not_found"),
            Error::KeyRevoked(_) => (1, "key_revoked"),
            Error::KeyUnavailable { .. } => (2, "key_unavailable"),
            Error::KeyRing(_) => (2, "key_ring"),
            _ => (2, "invalid_argument"),
        };
        Self {
            exit,
            code,
            message: e.to_string(),
        }
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Error::from(e).into()
    }
}

/// Writes `text` and a newline to standard output. A closed pipe is not an error: the
/// reader has what it wanted.
fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()
}

/// Prints a command's result and turns it into the exit code.
pub(crate) fn finish(result: Result<Output, Failure>, json: bool) -> ExitCode {
    let (printed, code) = match result {
        Ok(o) if o.silent => (Ok(()), o.code),
        Ok(o) => {
            let text = if json {
                serde_json::to_string_pretty(&o.json).unwrap_or_default()
            } else {
                o.text
            };
            (write_stdout(&text), o.code)
        }
        Err(f) => {
            if json {
                let body = serde_json::json!({ "error": { "code": f.code, "message": f.message } });
                (write_stdout(&body.to_string()), f.exit)
            } else {
                let mut err = std::io::stderr().lock();
                (writeln!(err, "machinekey: {}", f.message), f.exit)
            }
        }
    };
    match printed {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => ExitCode::from(2),
        _ => ExitCode::from(code),
    }
}
