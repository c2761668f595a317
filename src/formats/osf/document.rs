//! What a graph is read into and written from: the token table, the bounds on untrusted
//! input, and the [`Document`] (a root value and the bytes after it). The reader
//! ([`read`](super::read)) and the writer build on these; so does the `BinaryFormatter`
//! walker, which reads graphs nested in streams without the Mono check of
//! [`read`](super::read).

use super::value::Value;

/// The token bytes of `ObjectStateFormatter`.
pub(super) mod token {
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
pub(super) const STRING_TABLE_SIZE: usize = 255;

/// Bounds on what [`read_with`](super::read_with) accepts from untrusted input (and how deep
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
}
