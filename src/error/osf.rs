//! Bytes that are not an `ObjectStateFormatter` graph.

use core::fmt;

/// Why bytes are not an `ObjectStateFormatter` graph, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ObjectStateFormatter data, at byte {offset}: {kind}")]
pub struct OsfError {
    pub(crate) offset: usize,
    pub(crate) kind: OsfErrorKind,
}

impl OsfError {
    /// The byte offset (from the `FF 01` header) of the token or field at fault.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What is wrong.
    #[must_use]
    pub fn kind(&self) -> &OsfErrorKind {
        &self.kind
    }
}

/// The kinds of [`OsfError`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OsfErrorKind {
    /// The bytes do not start with the `FF 01` header.
    NotObjectStateFormatter,
    /// The data ends inside a value (or a count claims more than is left).
    Truncated,
    /// A byte that is no token of ObjectStateFormatter (26, the removed `Nullable`, among them).
    UnknownToken(u8),
    /// A type reference that is not token 41, 42 or 43.
    BadTypeToken(u8),
    /// A type reference past the type table.
    TypeIndexOutOfRange(usize),
    /// An interned-string reference to an empty slot (or 255).
    StringIndexOutOfRange(u8),
    /// An interned string that is empty (the `IndexedString` constructor refuses it).
    EmptyIndexedString,
    /// A string that is not UTF-8.
    InvalidUtf8,
    /// A `Char` that is not one UTF-16 code unit in UTF-8.
    InvalidChar,
    /// A negative length or count.
    NegativeLength,
    /// A sparse array with more items than its length, or an index past it.
    SparseArray,
    /// An `EventValidationStore` of another version than 0.
    EventValidationVersion(u8),
    /// A 7-bit integer longer than needed, or `02 00` for zero: .NET reads it, but
    /// ObjectStateFormatter never writes it.
    NonCanonicalInteger,
    /// `05 00` for the empty string, which ObjectStateFormatter writes as token 101.
    NonCanonicalString,
    /// A type or interned string added to its table when it is already there.
    NonCanonicalTable,
    /// Nesting deeper than the limit.
    TooDeep(usize),
    /// More values than the limit.
    TooManyValues(usize),
    /// More input than the limit.
    TooLarge(usize),
    /// A stream written by Mono's `System.Web`, whose tokens are not Microsoft's (read it
    /// with [`mono::read`](crate::formats::osf::mono::read)).
    Mono,
}

impl fmt::Display for OsfErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotObjectStateFormatter => f.write_str("no FF 01 header"),
            Self::Truncated => f.write_str("the data ends inside a value"),
            Self::UnknownToken(t) => write!(f, "unknown token {t} (0x{t:02X})"),
            Self::BadTypeToken(t) => write!(f, "token {t} where a type reference (41, 42, 43) belongs"),
            Self::TypeIndexOutOfRange(i) => write!(f, "type reference {i} past the type table"),
            Self::StringIndexOutOfRange(i) => write!(f, "interned-string reference {i} to an empty slot"),
            Self::EmptyIndexedString => f.write_str("an empty interned string"),
            Self::InvalidUtf8 => f.write_str("a string that is not UTF-8"),
            Self::InvalidChar => f.write_str("a char that is not one UTF-16 code unit"),
            Self::NegativeLength => f.write_str("a negative length"),
            Self::SparseArray => f.write_str("a sparse-array item count or index past its length"),
            Self::EventValidationVersion(v) => write!(f, "EventValidationStore version {v} (expected 0)"),
            Self::NonCanonicalInteger => f.write_str(
                "an integer encoded as ObjectStateFormatter never writes it (over-long, or 02 00 for zero)",
            ),
            Self::NonCanonicalString => {
                f.write_str("05 00 for the empty string (ObjectStateFormatter writes token 101)")
            }
            Self::NonCanonicalTable => {
                f.write_str("a type or interned string added to its table a second time")
            }
            Self::TooDeep(n) => write!(f, "nesting deeper than {n}"),
            Self::TooManyValues(n) => write!(f, "more than {n} values"),
            Self::TooLarge(n) => write!(f, "more than {n} bytes"),
            Self::Mono => f.write_str(
                "a ViewState written by Mono's System.Web (its own serializer, not Microsoft's ObjectStateFormatter)",
            ),
        }
    }
}
