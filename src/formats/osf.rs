//! `ObjectStateFormatter` (`System.Web.UI.ObjectStateFormatter`, the format of
//! `__VIEWSTATE`, `__EVENTVALIDATION` and `LosFormatter`): a typed reader and writer.
//!
//! [`read`] turns the bytes behind a ViewState's MAC (or an unsigned ViewState) into a
//! [`Document`]: a [`Value`] tree and the bytes after it (a legacy MAC, when the input still
//! carries one). [`Document::to_bytes`] writes it back: for every stream ObjectStateFormatter
//! itself writes, the same bytes, so a value can be changed and the result signed again with
//! [`AppKeys`](crate::AppKeys). [`PageState`] names the page persister's layout, and
//! [`render`] prints a tree for people. `BinaryFormatter` payloads (token 50) are kept as
//! bytes and read, never deserialized, by [`crate::formats::nrbf`].
//!
//! Token numbers, the type table seeded with `Object`, `Int32`, `String`, `Boolean`, and the
//! 255-slot string table are those of `ObjectStateFormatter.cs` in Microsoft's reference
//! source. The reader is bounded ([`Limits`]) and refuses, with the offset, what
//! ObjectStateFormatter cannot have written: unknown tokens, bad table references, invalid
//! UTF-8, and also encodings that .NET would read but never writes (an over-long 7-bit
//! integer, `02 00` for zero, `05 00` for `""`, a type or interned string added twice), so
//! that every tree it returns writes back to its own bytes.
//!
//! # Example
//! ```
//! use machinekey::crypto::encoding::from_base64;
//! use machinekey::formats::osf::{self, PageState};
//! // A ViewState without a MAC: Pair(Pair("811019769", null), null).
//! let doc = osf::read(&from_base64("/wEPDwUJODExMDE5NzY5ZGQ=")?)?;
//! let page = PageState::from_value(&doc.root).expect("the persister layout");
//! assert_eq!(page.type_hash, Some(811_019_769));
//! assert_eq!(doc.to_bytes()?, from_base64("/wEPDwUJODExMDE5NzY5ZGQ=")?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod document;
pub mod mono;
mod page_state;
pub(crate) mod read;
pub mod render;
mod value;
mod write;

pub use crate::error::{OsfError, OsfErrorKind};
pub use document::{Document, Limits};
pub use page_state::{ControlTree, PageState};
pub use value::{Color, DateTime, DateTimeKind, EventValidationEntry, TypeName, Unit, Value};

/// Reads an `ObjectStateFormatter` stream (`FF 01`, one value, then anything) with the
/// default [`Limits`].
///
/// # Errors
/// [`OsfError`], with the byte offset and what is wrong there.
///
/// # Example
/// ```
/// use machinekey::formats::osf::{self, OsfErrorKind};
/// let err = osf::read(b"\xff\x01\x16\x02\x67").unwrap_err();
/// // An ArrayList of two values with one left: refused at its count (byte 3).
/// assert_eq!((err.offset(), err.kind()), (3, &OsfErrorKind::Truncated));
/// assert_eq!(err.to_string(), "ObjectStateFormatter data, at byte 3: the data ends inside a value");
/// ```
pub fn read(bytes: &[u8]) -> Result<Document, OsfError> {
    read_with(bytes, &Limits::default())
}

/// [`read`] with other [`Limits`].
///
/// # Errors
/// As [`read`].
///
/// # Example
/// ```
/// use machinekey::formats::osf::{self, Limits};
/// assert!(osf::read_with(b"\xff\x01\x64", &Limits::default()).is_ok());
/// ```
pub fn read_with(bytes: &[u8], limits: &Limits) -> Result<Document, OsfError> {
    // Mono writes the same header and tokens of its own: a Mono page state read as
    // Microsoft's stream is `Color.Empty` (token 12) and ignored bytes, or an error.
    let mono = |offset| OsfError {
        offset,
        kind: OsfErrorKind::Mono,
    };
    match read::read_document(bytes, limits) {
        Err(e) if mono::is_mono(bytes) => Err(mono(e.offset())),
        Ok(doc)
            if !matches!(doc.trailer.len(), 0 | 16 | 20 | 32 | 48 | 64) && mono::is_mono(bytes) =>
        {
            Err(mono(bytes.len() - doc.trailer.len()))
        }
        other => other,
    }
}

/// Writes a value as a whole `ObjectStateFormatter` stream (`FF 01` and the value).
///
/// # Errors
/// As [`Document::to_bytes`].
///
/// # Example
/// ```
/// use machinekey::formats::osf::{self, Value};
/// let list = Value::ArrayList(vec![Value::IndexedString("Text".into()), Value::IndexedString("Text".into())]);
/// assert_eq!(osf::write(&list)?, b"\xff\x01\x16\x02\x1e\x04Text\x1f\x00");
/// # Ok::<(), machinekey::formats::osf::OsfError>(())
/// ```
pub fn write(value: &Value) -> Result<Vec<u8>, OsfError> {
    write::write_value(value, &Limits::default())
}

/// The type of a serialized value (its leading token).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueType {
    /// `Int16` (token 1).
    Int16,
    /// `Int32` (2).
    Int32,
    /// `Byte` (3).
    Byte,
    /// `Char` (4).
    Char,
    /// `String` (5).
    String,
    /// `DateTime` (6).
    DateTime,
    /// `Double` (7).
    Double,
    /// `Single` (8).
    Single,
    /// `Color` (9).
    Color,
    /// Known `Color` (10).
    KnownColor,
    /// An enum value (11).
    IntEnum,
    /// `Color.Empty` (12).
    EmptyColor,
    /// `Pair` (15): the page persister's root.
    Pair,
    /// `Triplet` (16).
    Triplet,
    /// Typed array (20).
    Array,
    /// `string[]` (21).
    StringArray,
    /// `ArrayList` (22).
    ArrayList,
    /// `Hashtable` (23).
    Hashtable,
    /// `HybridDictionary` (24).
    HybridDictionary,
    /// `Type` (25).
    Type,
    /// `Unit` (27).
    Unit,
    /// `Unit.Empty` (28).
    EmptyUnit,
    /// Event-validation store (29).
    EventValidationStore,
    /// Interned string, first use (30).
    IndexedStringAdd,
    /// Interned string, reference (31).
    IndexedString,
    /// A value written through a `TypeConverter` (40).
    StringFormatted,
    /// `BinaryFormatter` payload (50).
    BinarySerialized,
    /// Sparse array (60).
    SparseArray,
    /// `null` (100).
    Null,
    /// `""` (101).
    EmptyString,
    /// `0` (102).
    ZeroInt32,
    /// `true` (103).
    True,
    /// `false` (104).
    False,
}

impl ValueType {
    fn from_token(token: u8) -> Option<Self> {
        Some(match token {
            1 => Self::Int16,
            2 => Self::Int32,
            3 => Self::Byte,
            4 => Self::Char,
            5 => Self::String,
            6 => Self::DateTime,
            7 => Self::Double,
            8 => Self::Single,
            9 => Self::Color,
            10 => Self::KnownColor,
            11 => Self::IntEnum,
            12 => Self::EmptyColor,
            15 => Self::Pair,
            16 => Self::Triplet,
            20 => Self::Array,
            21 => Self::StringArray,
            22 => Self::ArrayList,
            23 => Self::Hashtable,
            24 => Self::HybridDictionary,
            25 => Self::Type,
            27 => Self::Unit,
            28 => Self::EmptyUnit,
            29 => Self::EventValidationStore,
            30 => Self::IndexedStringAdd,
            31 => Self::IndexedString,
            40 => Self::StringFormatted,
            50 => Self::BinarySerialized,
            60 => Self::SparseArray,
            100 => Self::Null,
            101 => Self::EmptyString,
            102 => Self::ZeroInt32,
            103 => Self::True,
            104 => Self::False,
            _ => return None,
        })
    }
}

crate::names::names!(ValueType, "The name, as the .NET type or ysoserial.net family is known.", {
    Int16 => "Int16",
    Int32 => "Int32",
    Byte => "Byte",
    Char => "Char",
    String => "String",
    DateTime => "DateTime",
    Double => "Double",
    Single => "Single",
    Color => "Color",
    KnownColor => "KnownColor",
    IntEnum => "IntEnum",
    EmptyColor => "EmptyColor",
    Pair => "Pair",
    Triplet => "Triplet",
    Array => "Array",
    StringArray => "StringArray",
    ArrayList => "ArrayList",
    Hashtable => "Hashtable",
    HybridDictionary => "HybridDictionary",
    Type => "Type",
    Unit => "Unit",
    EmptyUnit => "EmptyUnit",
    EventValidationStore => "EventValidationStore",
    IndexedStringAdd => "IndexedStringAdd",
    IndexedString => "IndexedString",
    StringFormatted => "StringFormatted",
    BinarySerialized => "BinarySerialized",
    SparseArray => "SparseArray",
    Null => "Null",
    EmptyString => "EmptyString",
    ZeroInt32 => "ZeroInt32",
    True => "True",
    False => "False",
});

/// The type of the first value after the `FF 01` header, or `None` if `bytes` do not start
/// like `ObjectStateFormatter` output.
///
/// # Example
/// ```
/// use machinekey::formats::osf::{ValueType, first_value_type};
/// assert_eq!(first_value_type(b"\xff\x01\x0f\x0f\x05\x00\x64\x64"), Some(ValueType::Pair));
/// assert_eq!(first_value_type(b"\xff\x02\x0f"), None);
/// ```
#[must_use]
pub fn first_value_type(bytes: &[u8]) -> Option<ValueType> {
    match bytes {
        [0xFF, 0x01, token, ..] => ValueType::from_token(*token),
        _ => None,
    }
}

/// Whether `bytes` are exactly one complete `ObjectStateFormatter` graph (header included)
/// with nothing after it: what a ViewState sent without a MAC looks like.
///
/// # Example
/// ```
/// use machinekey::crypto::encoding::from_base64;
/// use machinekey::formats::osf::is_complete_graph;
/// assert!(is_complete_graph(&from_base64("/wEPDwUJODExMDE5NzY5ZGQ=")?));
/// // The same ViewState with its 20-byte MAC is not a bare graph.
/// assert!(!is_complete_graph(&from_base64("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==")?));
/// # Ok::<(), machinekey::Error>(())
/// ```
#[must_use]
pub fn is_complete_graph(bytes: &[u8]) -> bool {
    graph_len(bytes) == Some(bytes.len())
}

/// The length of the graph `bytes` start with (header included), when they start with one:
/// reading is a prefix walk, so a prefix of `bytes` is a complete graph exactly when it is
/// this long.
pub(crate) fn graph_len(bytes: &[u8]) -> Option<usize> {
    read(bytes).ok().map(|doc| bytes.len() - doc.trailer.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphs() {
        // Pair(Pair("811019769", null), null)
        let vs = b"\xff\x01\x0f\x0f\x05\x09811019769dd";
        assert!(is_complete_graph(vs));
        assert!(!is_complete_graph(&vs[..vs.len() - 1]));
        assert!(!is_complete_graph(&[vs.as_slice(), b"\x00"].concat()));
        assert!(
            is_complete_graph(b"\xff\x01\x16\x03\x67\x1e\x02ab\x1f\x00"),
            "ArrayList[true, interned 'ab', ref 0]"
        );
        assert!(
            !is_complete_graph(b"\xff\x01\x1f\x00"),
            "reference to no interned string"
        );
        assert!(
            !is_complete_graph(b"\xff\x01\x16\xff\xff\xff\xff\x07"),
            "huge count"
        );
        let deep = [vec![0xFF, 0x01], vec![0x0F; 200]].concat();
        assert!(!is_complete_graph(&deep));
    }
}
