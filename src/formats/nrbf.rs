//! `BinaryFormatter` streams (\[MS-NRBF\]) read, never deserialized: the libraries, classes,
//! member names and strings a stream names, and the deserialization gadgets among them.
//!
//! ViewState carries a `BinaryFormatter` stream wherever a control saved a value
//! ObjectStateFormatter has no token for (token 50, [`Value::BinarySerialized`](crate::formats::osf::Value::BinarySerialized)),
//! and that is where forged ViewState puts its payload: ysoserial.net's ViewState output is
//! `FF 01 32 <length> <BinaryFormatter stream>`. [`read`] walks the records of the
//! \[MS-NRBF\] specification (record types 0 to 17; method calls and returns are refused) and
//! builds nothing: no type is loaded or instantiated, which is what makes reading an attack
//! payload safe. [`gadgets`] names the known gadget chains from the names it found,
//! following streams nested in byte arrays, Base64 strings and `LosFormatter` text.
//!
//! Known gap: a stream is recognised by the header `BinaryFormatter` writes (`HeaderId` -1,
//! version 1.0), but .NET Framework's reader (`SerializationHeaderRecord.Read` in
//! `System.Runtime.Serialization.Formatters.Binary`) refuses only a `MajorVersion` above 1
//! and ignores `HeaderId` and `MinorVersion`: a payload with another header deserializes on
//! the server and is not walked or triaged here.
//!
//! # Example
//! ```
//! use machinekey::formats::nrbf;
//! // A stream holding one string: header, BinaryObjectString, MessageEnd.
//! let bytes = b"\x00\x01\x00\x00\x00\xff\xff\xff\xff\x01\x00\x00\x00\x00\x00\x00\x00\x06\x01\x00\x00\x00\x02hi\x0b";
//! let stream = nrbf::read(bytes)?;
//! assert_eq!(stream.strings, ["hi"]);
//! assert!(nrbf::gadgets::triage(&stream).is_empty());
//! # Ok::<(), machinekey::formats::nrbf::NrbfError>(())
//! ```

pub mod gadgets;
mod walk;

use serde::Serialize;

pub use crate::error::NrbfError;

/// The `SerializedStreamHeader` `BinaryFormatter` writes: root 1, header -1, version 1.0.
pub const STREAM_HEADER: [u8; 17] = [
    0, 1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0, 0, 0, 0, 0,
];

/// What a `BinaryFormatter` stream names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Stream {
    /// `BinaryLibrary` records: the assemblies, in stream order.
    pub libraries: Vec<String>,
    /// Class records (with members), in stream order.
    pub classes: Vec<Class>,
    /// `BinaryObjectString` values, in stream order.
    pub strings: Vec<String>,
    /// Type names given only as member type information (`SystemClass` / `Class`).
    pub member_types: Vec<String>,
    /// Streams found inside this one: a byte array or a Base64 string that is itself a
    /// `BinaryFormatter` stream, or `LosFormatter` text (`/wE...`) holding one.
    pub nested: Vec<Stream>,
    /// Bytes read, up to and including `MessageEnd`.
    pub length: usize,
}

/// One class record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Class {
    /// The class name as written (generic arguments and all).
    pub name: String,
    /// Its library, or `None` for a system class (mscorlib).
    pub library: Option<String>,
    /// Member names.
    pub members: Vec<String>,
}

/// Reads a whole stream, from its header to `MessageEnd` (bytes after it are ignored, as
/// .NET ignores them).
///
/// # Errors
/// [`NrbfError`] for a missing header, an unknown record or primitive type, a reference to a
/// class or library that was not defined, counts past the data, nesting deeper than 64,
/// method call records, or data that ends before `MessageEnd`.
///
/// # Example
/// ```
/// use machinekey::formats::nrbf;
/// let err = nrbf::read(b"\x00\x01\x00\x00\x00").unwrap_err();
/// assert_eq!(err.offset(), 0);
/// ```
pub fn read(bytes: &[u8]) -> Result<Stream, NrbfError> {
    match read_partial(bytes) {
        (stream, None) => Ok(stream),
        (_, Some(e)) => Err(e),
    }
}

/// Reads as much of a stream as is well formed: what was named before the first error, and
/// that error. For triage, where a truncated or deliberately broken payload still names its
/// gadget.
///
/// # Example
/// ```
/// use machinekey::formats::nrbf;
/// let mut bytes = nrbf::STREAM_HEADER.to_vec();
/// bytes.extend(b"\x06\x01\x00\x00\x00\x02hi\x06\x02\x00\x00\x00\x09trunc");
/// let (stream, err) = nrbf::read_partial(&bytes);
/// assert_eq!(stream.strings, ["hi"]);
/// assert!(err.is_some());
/// ```
#[must_use]
pub fn read_partial(bytes: &[u8]) -> (Stream, Option<NrbfError>) {
    walk::walk(bytes, 0)
}

/// Whether `bytes` start like a `BinaryFormatter` stream: a `SerializedStreamHeader` record
/// whose header id is -1 and whose version is 1.0.
///
/// # Example
/// ```
/// use machinekey::formats::nrbf;
/// assert!(nrbf::is_stream(&nrbf::STREAM_HEADER));
/// assert!(!nrbf::is_stream(b"\xff\x01"));
/// ```
#[must_use]
pub fn is_stream(bytes: &[u8]) -> bool {
    matches!(
        bytes.get(..17),
        Some([
            0,
            _,
            _,
            _,
            _,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            1,
            0,
            0,
            0,
            0,
            0,
            0,
            0
        ])
    )
}
