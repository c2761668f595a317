//! The values of an `ObjectStateFormatter` graph, one variant per kind of token.

use core::fmt;

use crate::names::names;
use serde::Serialize;

/// One value of an `ObjectStateFormatter` graph.
///
/// The variants follow the tokens of `System.Web.UI.ObjectStateFormatter`: where two tokens
/// carry the same .NET value (`ZeroInt32` and `Int32`, `EmptyString` and `String`, `True`
/// and `False`), one variant holds it and the writer picks the token ObjectStateFormatter
/// picks. Interned strings (`IndexedString`) and type references keep their own variants,
/// so the string and type tables are rebuilt exactly when the tree is written.
///
/// The JSON form (serde) is `{"type": variant, "value": ...}`.
///
/// # Example
/// ```
/// use machinekey::formats::osf::{self, Value};
/// let doc = osf::read(b"\xff\x01\x0f\x05\x02hi\x66")?;
/// assert_eq!(doc.root, Value::Pair(Box::new(Value::String("hi".into())), Box::new(Value::Int32(0))));
/// assert_eq!(doc.to_bytes()?, b"\xff\x01\x0f\x05\x02hi\x66");
/// # Ok::<(), machinekey::formats::osf::OsfError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "value")]
#[non_exhaustive]
pub enum Value {
    /// `null` (token 100).
    Null,
    /// `true` / `false` (tokens 103, 104).
    Bool(bool),
    /// `Int16` (token 1).
    Int16(i16),
    /// `Int32` (token 2, or 102 for zero).
    Int32(i32),
    /// `Byte` (token 3).
    Byte(u8),
    /// `Char` (token 4): one UTF-16 code unit, so never outside the Basic Multilingual Plane.
    Char(char),
    /// `String` (token 5, or 101 for `""`).
    String(String),
    /// `IndexedString` (tokens 30 and 31): a string interned in the graph's string table,
    /// as `StateBag` keys are. Never empty.
    IndexedString(String),
    /// `DateTime` (token 6).
    DateTime(DateTime),
    /// `Double` (token 7).
    Double(f64),
    /// `Single` (token 8).
    Single(f32),
    /// `System.Drawing.Color` (tokens 9, 10, 12).
    Color(Color),
    /// An enum whose underlying type is `Int32` (token 11).
    Enum {
        /// The enum's type.
        enum_type: TypeName,
        /// Its numeric value.
        value: i32,
    },
    /// `System.Web.UI.Pair` (token 15): `First`, `Second`.
    Pair(Box<Value>, Box<Value>),
    /// `System.Web.UI.Triplet` (token 16): `First`, `Second`, `Third`.
    Triplet(Box<Value>, Box<Value>, Box<Value>),
    /// A one-dimensional array of `element_type` (token 20).
    Array {
        /// The element type.
        element_type: TypeName,
        /// The elements.
        items: Vec<Value>,
    },
    /// A one-dimensional array written sparsely (token 60): only its non-null elements.
    SparseArray {
        /// The element type.
        element_type: TypeName,
        /// The array's length.
        length: u32,
        /// `(index, value)` of each non-null element, in stream order.
        items: Vec<(u32, Value)>,
    },
    /// `string[]` without nulls (token 21).
    StringArray(Vec<String>),
    /// `System.Collections.ArrayList` (token 22).
    ArrayList(Vec<Value>),
    /// `System.Collections.Hashtable` (token 23): entries in stream order.
    Hashtable(Vec<(Value, Value)>),
    /// `System.Collections.Specialized.HybridDictionary` (token 24): entries in stream order.
    HybridDictionary(Vec<(Value, Value)>),
    /// A `System.Type` (token 25).
    Type(TypeName),
    /// `System.Web.UI.WebControls.Unit` (tokens 27, 28).
    Unit(Unit),
    /// `EventValidationStore` (token 29): the 16-byte hashes of the allowed
    /// (target, argument) pairs, as ASP.NET 4.5 and later write `__EVENTVALIDATION`.
    EventValidationStore(Vec<EventValidationEntry>),
    /// A value written as text by its `TypeConverter` (token 40), as `Int64`, `Decimal` or
    /// most enums are.
    Formatted {
        /// The value's type.
        value_type: TypeName,
        /// `TypeConverter.ConvertToInvariantString`.
        text: String,
    },
    /// A `BinaryFormatter` stream (token 50), kept as bytes and never deserialized; read it
    /// with [`crate::formats::nrbf`]. This is where deserialization payloads live.
    BinarySerialized(#[serde(serialize_with = "as_base64")] Vec<u8>),
}

fn as_base64<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::crypto::encoding::to_base64(bytes))
}

impl Value {
    /// The name of the variant, as the text tree and the JSON form print it.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::osf::Value;
    /// assert_eq!(Value::ArrayList(vec![]).kind(), "ArrayList");
    /// ```
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Null => "Null",
            Self::Bool(_) => "Bool",
            Self::Int16(_) => "Int16",
            Self::Int32(_) => "Int32",
            Self::Byte(_) => "Byte",
            Self::Char(_) => "Char",
            Self::String(_) => "String",
            Self::IndexedString(_) => "IndexedString",
            Self::DateTime(_) => "DateTime",
            Self::Double(_) => "Double",
            Self::Single(_) => "Single",
            Self::Color(_) => "Color",
            Self::Enum { .. } => "Enum",
            Self::Pair(..) => "Pair",
            Self::Triplet(..) => "Triplet",
            Self::Array { .. } => "Array",
            Self::SparseArray { .. } => "SparseArray",
            Self::StringArray(_) => "StringArray",
            Self::ArrayList(_) => "ArrayList",
            Self::Hashtable(_) => "Hashtable",
            Self::HybridDictionary(_) => "HybridDictionary",
            Self::Type(_) => "Type",
            Self::Unit(_) => "Unit",
            Self::EventValidationStore(_) => "EventValidationStore",
            Self::Formatted { .. } => "Formatted",
            Self::BinarySerialized(_) => "BinarySerialized",
        }
    }

    /// The text of a `String` or `IndexedString`.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::osf::Value;
    /// assert_eq!(Value::IndexedString("Text".into()).as_str(), Some("Text"));
    /// assert_eq!(Value::Null.as_str(), None);
    /// ```
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) | Self::IndexedString(s) => Some(s),
            _ => None,
        }
    }

    /// The direct children of this value, in stream order (dictionary keys and values
    /// alternate).
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::osf::Value;
    /// let v = Value::Pair(Box::new(Value::Null), Box::new(Value::Bool(true)));
    /// assert_eq!(v.children().count(), 2);
    /// ```
    pub fn children(&self) -> impl Iterator<Item = &Value> {
        let list: Vec<&Value> = match self {
            Self::Pair(a, b) => vec![a, b],
            Self::Triplet(a, b, c) => vec![a, b, c],
            Self::Array { items, .. } | Self::ArrayList(items) => items.iter().collect(),
            Self::SparseArray { items, .. } => items.iter().map(|(_, v)| v).collect(),
            Self::Hashtable(entries) | Self::HybridDictionary(entries) => {
                entries.iter().flat_map(|(k, v)| [k, v]).collect()
            }
            _ => Vec::new(),
        };
        list.into_iter()
    }

    /// Every `BinarySerialized` payload in the tree, depth first.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::osf::Value;
    /// let v = Value::ArrayList(vec![Value::BinarySerialized(vec![0, 1])]);
    /// assert_eq!(v.binary_payloads(), vec![&[0u8, 1][..]]);
    /// ```
    #[must_use]
    pub fn binary_payloads(&self) -> Vec<&[u8]> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(v) = stack.pop() {
            if let Self::BinarySerialized(bytes) = v {
                out.push(bytes.as_slice());
            }
            let mut kids: Vec<&Value> = v.children().collect();
            kids.reverse();
            stack.extend(kids);
        }
        out
    }
}

/// A type named in the graph's type table.
///
/// `ObjectStateFormatter` seeds its table with `Object`, `Int32`, `String` and `Boolean`
/// (indexes 0 to 3); every other type is added by name the first time it is used and
/// referenced by index afterwards. The names are kept as text: nothing is resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum TypeName {
    /// `System.Object` (table index 0).
    Object,
    /// `System.Int32` (1).
    Int32,
    /// `System.String` (2).
    String,
    /// `System.Boolean` (3).
    Boolean,
    /// A type of `System.Web`, by full name (token 42, `TypeRefAddLocal`).
    Local(String),
    /// Any other type, by assembly-qualified name (token 41, `TypeRefAdd`).
    Qualified(String),
}

impl TypeName {
    /// The pre-seeded entries, in table order.
    pub(crate) const SEEDED: [TypeName; 4] = [
        TypeName::Object,
        TypeName::Int32,
        TypeName::String,
        TypeName::Boolean,
    ];

    /// The type's name as .NET writes it (`System.Object` for the seeded entries).
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::osf::TypeName;
    /// assert_eq!(TypeName::Int32.name(), "System.Int32");
    /// assert_eq!(TypeName::Local("System.Web.UI.WebControls.ListItem".into()).name(), "System.Web.UI.WebControls.ListItem");
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Object => "System.Object",
            Self::Int32 => "System.Int32",
            Self::String => "System.String",
            Self::Boolean => "System.Boolean",
            Self::Local(s) | Self::Qualified(s) => s,
        }
    }
}

impl fmt::Display for TypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `DateTime` as `DateTime.ToBinary()` writes it: the kind in the top two bits, the ticks
/// (100 ns since 0001-01-01) below.
///
/// For `Local` values .NET stores the instant converted to UTC and converts it back to the
/// reading machine's zone; this crate keeps the raw value (UNVERIFIED beyond the source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct DateTime(pub i64);

/// `DateTimeKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DateTimeKind {
    /// `Unspecified` (0).
    Unspecified,
    /// `Utc` (1).
    Utc,
    /// `Local` (2 or 3).
    Local,
}

names!(DateTimeKind, "The name of .NET's `DateTimeKind`.", {
    Unspecified => "Unspecified",
    Utc => "Utc",
    Local => "Local",
});

/// Ticks from 0001-01-01 to 1970-01-01.
const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;

impl DateTime {
    /// The ticks (100 ns since 0001-01-01).
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::osf::{DateTime, DateTimeKind};
    /// let utc = DateTime((1 << 62) | 621_355_968_000_000_000);
    /// assert_eq!((utc.ticks(), utc.kind()), (621_355_968_000_000_000, DateTimeKind::Utc));
    /// ```
    #[must_use]
    pub fn ticks(self) -> i64 {
        self.0 & 0x3FFF_FFFF_FFFF_FFFF
    }

    /// The kind, from the top two bits.
    #[must_use]
    pub fn kind(self) -> DateTimeKind {
        match (self.0 >> 62) & 3 {
            0 => DateTimeKind::Unspecified,
            1 => DateTimeKind::Utc,
            _ => DateTimeKind::Local,
        }
    }

    /// The ticks as an RFC 3339 instant (the kind aside), or `None` outside the range the
    /// `time` crate represents.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::osf::DateTime;
    /// assert_eq!(DateTime(621_355_968_000_000_000).to_rfc3339().as_deref(), Some("1970-01-01T00:00:00Z"));
    /// ```
    #[must_use]
    pub fn to_rfc3339(self) -> Option<String> {
        let nanos = i128::from(self.ticks() - UNIX_EPOCH_TICKS) * 100;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()?
            .format(&time::format_description::well_known::Rfc3339)
            .ok()
    }
}

/// A `System.Drawing.Color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Color {
    /// An unnamed color, `Color.ToArgb()` (token 9).
    Argb(i32),
    /// A named color, its `KnownColor` value (token 10).
    Known(i32),
    /// `Color.Empty` (token 12).
    Empty,
}

/// A `System.Web.UI.WebControls.Unit`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Unit {
    /// A length: its value and `UnitType` (1 Pixel, 2 Point, 3 Pica, 4 Inch, 5 Mm, 6 Cm,
    /// 7 Percentage, 8 Em, 9 Ex) (token 27).
    Value {
        /// The number.
        value: f64,
        /// The `UnitType`.
        unit_type: i32,
    },
    /// `Unit.Empty` (token 28).
    Empty,
}

impl Unit {
    /// The CSS-like suffix of a `UnitType` (`px`, `%`, ...), or `None` for an unknown one.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::osf::Unit;
    /// assert_eq!(Unit::suffix(7), Some("%"));
    /// ```
    #[must_use]
    pub fn suffix(unit_type: i32) -> Option<&'static str> {
        Some(match unit_type {
            1 => "px",
            2 => "pt",
            3 => "pc",
            4 => "in",
            5 => "mm",
            6 => "cm",
            7 => "%",
            8 => "em",
            9 => "ex",
            _ => return None,
        })
    }
}

/// One entry of an `EventValidationStore`: the first 16 bytes of SHA-256 over the control's
/// unique ID and the event argument (`EventValidationStore.Add`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventValidationEntry(pub [u8; 16]);

impl Serialize for EventValidationEntry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}
