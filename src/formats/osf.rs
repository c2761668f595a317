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

pub mod mono;
mod page_state;
mod read;
pub mod render;
mod value;
mod write;

pub use crate::error::{OsfError, OsfErrorKind};
pub use page_state::{ControlTree, PageState};
pub use value::{Color, DateTime, DateTimeKind, EventValidationEntry, TypeName, Unit, Value};

/// The token bytes of `ObjectStateFormatter`.
pub(crate) mod token {
    pub(crate) const INT16: u8 = 1;
    pub(crate) const INT32: u8 = 2;
    pub(crate) const BYTE: u8 = 3;
    pub(crate) const CHAR: u8 = 4;
    pub(crate) const STRING: u8 = 5;
    pub(crate) const DATE_TIME: u8 = 6;
    pub(crate) const DOUBLE: u8 = 7;
    pub(crate) const SINGLE: u8 = 8;
    pub(crate) const COLOR: u8 = 9;
    pub(crate) const KNOWN_COLOR: u8 = 10;
    pub(crate) const INT_ENUM: u8 = 11;
    pub(crate) const EMPTY_COLOR: u8 = 12;
    pub(crate) const PAIR: u8 = 15;
    pub(crate) const TRIPLET: u8 = 16;
    pub(crate) const ARRAY: u8 = 20;
    pub(crate) const STRING_ARRAY: u8 = 21;
    pub(crate) const ARRAY_LIST: u8 = 22;
    pub(crate) const HASHTABLE: u8 = 23;
    pub(crate) const HYBRID_DICTIONARY: u8 = 24;
    pub(crate) const TYPE: u8 = 25;
    pub(crate) const UNIT: u8 = 27;
    pub(crate) const EMPTY_UNIT: u8 = 28;
    pub(crate) const EVENT_VALIDATION_STORE: u8 = 29;
    pub(crate) const INDEXED_STRING_ADD: u8 = 30;
    pub(crate) const INDEXED_STRING: u8 = 31;
    pub(crate) const STRING_FORMATTED: u8 = 40;
    pub(crate) const TYPE_REF_ADD: u8 = 41;
    pub(crate) const TYPE_REF_ADD_LOCAL: u8 = 42;
    pub(crate) const TYPE_REF: u8 = 43;
    pub(crate) const BINARY_SERIALIZED: u8 = 50;
    pub(crate) const SPARSE_ARRAY: u8 = 60;
    pub(crate) const NULL: u8 = 100;
    pub(crate) const EMPTY_STRING: u8 = 101;
    pub(crate) const ZERO_INT32: u8 = 102;
    pub(crate) const TRUE: u8 = 103;
    pub(crate) const FALSE: u8 = 104;
}

/// `StringTableSize` (`Byte.MaxValue`): slots 0 to 254 of the interned-string table.
const STRING_TABLE_SIZE: usize = 255;

/// Bounds on what [`read_with`] accepts from untrusted input (and how deep
/// [`Document::to_bytes`] writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Nesting depth of collections (ASP.NET has none; a page's control tree rarely passes 60).
    pub max_depth: usize,
    /// Values and collection elements in all.
    pub max_values: usize,
    /// Bytes of input.
    pub max_bytes: usize,
}

impl Default for Limits {
    /// Depth 256, one million values, 16 MiB.
    fn default() -> Self {
        Self {
            max_depth: 256,
            max_values: 1_000_000,
            max_bytes: 16 << 20,
        }
    }
}

impl Limits {
    /// Limits with another nesting depth.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::osf::{self, Limits, OsfErrorKind};
    /// let deep = [&[0xFF, 0x01][..], &[0x16, 0x01].repeat(10), &[0x64]].concat();
    /// let err = osf::read_with(&deep, &Limits::default().with_max_depth(4)).unwrap_err();
    /// assert_eq!(err.kind(), &OsfErrorKind::TooDeep(4));
    /// ```
    #[must_use]
    pub fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }
}

/// A graph read from bytes: its root value, and what followed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The root value.
    pub root: Value,
    /// Bytes after the root value, which ObjectStateFormatter ignores: the MAC of a legacy
    /// signed ViewState read before verification, or nothing.
    pub trailer: Vec<u8>,
}

impl Document {
    /// A document of one value and no trailer.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::osf::{Document, Value};
    /// assert_eq!(Document::new(Value::Null).to_bytes()?, b"\xff\x01\x64");
    /// # Ok::<(), machinekey::formats::osf::OsfError>(())
    /// ```
    #[must_use]
    pub fn new(root: Value) -> Self {
        Self {
            root,
            trailer: Vec::new(),
        }
    }

    /// The `FF 01` header, the tree, then the trailer, as ObjectStateFormatter writes them.
    ///
    /// # Errors
    /// [`OsfError`] when the tree holds what ObjectStateFormatter cannot write: an empty
    /// `IndexedString`, a `Char` outside the Basic Multilingual Plane, a sparse array index
    /// past its length, a collection over `Int32::MAX`, or nesting deeper than
    /// [`Limits::max_depth`] (the offset is where in the output it stopped).
    pub fn to_bytes(&self) -> Result<Vec<u8>, OsfError> {
        let mut out = write(&self.root)?;
        out.extend_from_slice(&self.trailer);
        Ok(out)
    }
}

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
    read::read_document(bytes, limits)
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
