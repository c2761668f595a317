//! The errors of reading Windows event logs (`events`).

use super::FileError;

/// Reading an event-log input failed as a whole (a record that cannot be read is skipped
/// and reported, not an error).
///
/// `Clone` (its I/O error is shared) but not `PartialEq` (see [`Error`](crate::Error)).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum EventsError {
    /// The input could not be opened or read; the [`FileError`]'s
    /// [`source`](std::error::Error::source) is the I/O error.
    #[error(transparent)]
    File(#[from] FileError),
    /// The `evtx` crate refused the file (its header).
    #[error("{source_name}: not a readable .evtx file: {message}")]
    Evtx {
        /// The input.
        source_name: String,
        /// The `evtx` crate's message.
        message: String,
    },
    /// An `.evtx` file, without the `evtx` feature (or given as a stream that cannot seek).
    #[error("{source_name}: an .evtx file; this build reads them with the `evtx` feature")]
    EvtxNotBuilt {
        /// The input.
        source_name: String,
    },
    /// Drawing the chart failed (plotters' message).
    #[error("drawing the chart: {0}")]
    Plot(String),
}
