//! A small `ObjectStateFormatter` reader (`ObjectStateFormatter`, `HiddenFieldPageStatePersister`): the `FF 01` header, the type of the
//! first value, and whether bytes form exactly one complete value graph. Enough to tell a
//! good decryption from noise and to recognise a ViewState sent without a MAC; not a
//! deserializer (it never builds objects, and refuses `EventValidationStore` payloads).
//!
//! Token numbers are those of `System.Web.UI.ObjectStateFormatter`.

use core::fmt;

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

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

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
    let Some(body) = bytes.strip_prefix(&[0xFF, 0x01]) else {
        return false;
    };
    let mut reader = Reader {
        rest: body,
        strings: 0,
        types: 0,
        budget: 1 << 20,
    };
    reader.value(0).is_some() && reader.rest.is_empty()
}

/// How deep graphs may nest before the reader gives up (untrusted input).
const MAX_DEPTH: usize = 64;

struct Reader<'a> {
    rest: &'a [u8],
    /// Interned strings and types seen so far (references must point at one of them).
    strings: usize,
    types: usize,
    /// Values still allowed, against inputs that claim huge collections.
    budget: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<()> {
        self.rest = self.rest.get(n..)?;
        Some(())
    }

    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(b)
    }

    fn count(&mut self) -> Option<usize> {
        let (n, rest) = crate::binary::read_7bit(self.rest)?;
        self.rest = rest;
        Some(n)
    }

    /// A `BinaryWriter` string: 7-bit byte length, then UTF-8.
    fn string(&mut self) -> Option<()> {
        let len = self.count()?;
        let bytes = self.rest.get(..len)?;
        core::str::from_utf8(bytes).ok()?;
        self.take(len)
    }

    fn type_ref(&mut self) -> Option<()> {
        match self.byte()? {
            41 | 42 => {
                self.string()?;
                self.types += 1;
                Some(())
            }
            43 => (self.count()? < self.types).then_some(()),
            _ => None,
        }
    }

    fn values(&mut self, n: usize, depth: usize) -> Option<()> {
        self.budget = self.budget.checked_sub(n)?;
        for _ in 0..n {
            self.value(depth)?;
        }
        Some(())
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let next = depth + 1;
        match ValueType::from_token(self.byte()?)? {
            ValueType::Null
            | ValueType::EmptyString
            | ValueType::ZeroInt32
            | ValueType::True
            | ValueType::False
            | ValueType::EmptyColor
            | ValueType::EmptyUnit => Some(()),
            ValueType::Int16 => self.take(2),
            ValueType::Int32 | ValueType::KnownColor => self.count().map(|_| ()),
            ValueType::Byte => self.take(1),
            ValueType::Char => {
                // BinaryReader.ReadChar: one UTF-8 encoded character.
                let len = match self.rest.first()? {
                    0x00..=0x7F => 1,
                    0xC0..=0xDF => 2,
                    0xE0..=0xEF => 3,
                    _ => return None,
                };
                core::str::from_utf8(self.rest.get(..len)?).ok()?;
                self.take(len)
            }
            ValueType::String => self.string(),
            ValueType::DateTime | ValueType::Double => self.take(8),
            ValueType::Single | ValueType::Color => self.take(4),
            ValueType::IntEnum => {
                self.type_ref()?;
                self.count().map(|_| ())
            }
            ValueType::Pair => self.values(2, next),
            ValueType::Triplet => self.values(3, next),
            ValueType::Array => {
                self.type_ref()?;
                let n = self.count()?;
                self.values(n, next)
            }
            ValueType::StringArray => {
                let n = self.count()?;
                self.budget = self.budget.checked_sub(n)?;
                (0..n).try_for_each(|_| self.string())
            }
            ValueType::ArrayList => {
                let n = self.count()?;
                self.values(n, next)
            }
            ValueType::Hashtable | ValueType::HybridDictionary => {
                let n = self.count()?;
                self.values(n.checked_mul(2)?, next)
            }
            ValueType::Type => self.type_ref(),
            ValueType::Unit => self.take(12),
            ValueType::IndexedStringAdd => {
                self.string()?;
                self.strings += 1;
                Some(())
            }
            ValueType::IndexedString => (usize::from(self.byte()?) < self.strings).then_some(()),
            ValueType::StringFormatted => {
                self.type_ref()?;
                self.string()
            }
            ValueType::BinarySerialized => {
                let n = self.count()?;
                self.take(n)
            }
            ValueType::SparseArray => {
                self.type_ref()?;
                let _length = self.count()?;
                let items = self.count()?;
                self.budget = self.budget.checked_sub(items)?;
                for _ in 0..items {
                    self.count()?;
                    self.value(next)?;
                }
                Some(())
            }
            ValueType::EventValidationStore => None,
        }
    }
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
