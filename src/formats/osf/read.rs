//! Reading an `ObjectStateFormatter` stream into a [`Value`] tree, with bounds.

use super::document::{Document, Limits, STRING_TABLE_SIZE, token};
use super::value::{Color, DateTime, EventValidationEntry, TypeName, Unit, Value};
use crate::error::{OsfError, OsfErrorKind};

/// The reader's position and tables.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    limits: Limits,
    values: usize,
    strings: Vec<Option<String>>,
    string_count: usize,
    types: Vec<TypeName>,
}

/// Reads a stream with the default [`Limits`], without telling Mono's apart (see
/// [`read_with`](super::read_with)): for graphs nested in `BinaryFormatter` streams, whose
/// walker the Mono reader itself uses.
pub(crate) fn read_unchecked(bytes: &[u8]) -> Result<Document, OsfError> {
    read_document(bytes, &Limits::default())
}

/// Reads a stream without telling Mono's apart (see [`read_with`](super::read_with)).
pub(super) fn read_document(bytes: &[u8], limits: &Limits) -> Result<Document, OsfError> {
    match bytes {
        [0xFF, 0x01, ..] => {}
        _ => {
            return Err(OsfError {
                offset: 0,
                kind: OsfErrorKind::NotObjectStateFormatter,
            });
        }
    }
    if bytes.len() > limits.max_bytes {
        return Err(OsfError {
            offset: limits.max_bytes,
            kind: OsfErrorKind::TooLarge(limits.max_bytes),
        });
    }
    let mut reader = Reader {
        bytes,
        pos: 2,
        limits: *limits,
        values: 0,
        strings: vec![None; STRING_TABLE_SIZE],
        string_count: 0,
        types: TypeName::SEEDED.to_vec(),
    };
    let root = reader.value(0)?;
    let trailer = bytes.get(reader.pos..).unwrap_or_default().to_vec();
    Ok(Document { root, trailer })
}

impl Reader<'_> {
    fn fail<T>(&self, offset: usize, kind: OsfErrorKind) -> Result<T, OsfError> {
        Err(OsfError { offset, kind })
    }

    fn rest(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize) -> Result<&[u8], OsfError> {
        let start = self.pos;
        let end = start.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end.and_then(|e| self.bytes.get(start..e)) {
            Some(slice) => {
                self.pos = start + n;
                Ok(slice)
            }
            None => self.fail(start, OsfErrorKind::Truncated),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], OsfError> {
        let start = self.pos;
        let bytes = self.take(N)?;
        <[u8; N]>::try_from(bytes).map_err(|_| OsfError {
            offset: start,
            kind: OsfErrorKind::Truncated,
        })
    }

    fn byte(&mut self) -> Result<u8, OsfError> {
        Ok(self.array::<1>()?[0])
    }

    /// `Read7BitEncodedInt`: up to 5 bytes, as the 32 bits .NET keeps. Encodings longer than
    /// ObjectStateFormatter writes (trailing zero groups, bits past 32) are refused, so a tree
    /// that was read writes back to the same bytes.
    fn encoded(&mut self) -> Result<u32, OsfError> {
        let start = self.pos;
        let mut value: u32 = 0;
        for (i, shift) in [0u32, 7, 14, 21, 28].into_iter().enumerate() {
            let b = self.byte()?;
            if i == 4 && b > 0x0F {
                return self.fail(start, OsfErrorKind::NonCanonicalInteger);
            }
            value |= u32::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                if b == 0 && i > 0 {
                    return self.fail(start, OsfErrorKind::NonCanonicalInteger);
                }
                return Ok(value);
            }
        }
        self.fail(start, OsfErrorKind::NonCanonicalInteger)
    }

    fn signed(&mut self) -> Result<i32, OsfError> {
        Ok(i32::from_ne_bytes(self.encoded()?.to_ne_bytes()))
    }

    /// A count or length: a non-negative `Int32`.
    fn count(&mut self) -> Result<usize, OsfError> {
        let start = self.pos;
        let n = self.signed()?;
        usize::try_from(n).or_else(|_| self.fail(start, OsfErrorKind::NegativeLength))
    }

    /// A count of things that take at least `each` bytes: refused when the rest cannot hold
    /// them, before anything is allocated.
    fn bounded_count(&mut self, each: usize) -> Result<usize, OsfError> {
        let start = self.pos;
        let n = self.count()?;
        self.reserve(start, n, each)
    }

    /// Refuses `n` things of at least `each` bytes when the rest cannot hold them or the
    /// value limit would pass.
    fn reserve(&mut self, start: usize, n: usize, each: usize) -> Result<usize, OsfError> {
        if n.saturating_mul(each) > self.rest() {
            return self.fail(start, OsfErrorKind::Truncated);
        }
        self.values = self.values.saturating_add(n);
        if self.values > self.limits.max_values {
            return self.fail(start, OsfErrorKind::TooManyValues(self.limits.max_values));
        }
        Ok(n)
    }

    /// A `BinaryWriter` string: 7-bit byte length, then UTF-8.
    fn string(&mut self) -> Result<String, OsfError> {
        let n = self.count()?;
        let start = self.pos;
        let bytes = self.take(n)?;
        match core::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => self.fail(start, OsfErrorKind::InvalidUtf8),
        }
    }

    fn char(&mut self) -> Result<char, OsfError> {
        let start = self.pos;
        let len = match self.bytes.get(start) {
            Some(0x00..=0x7F) => 1,
            Some(0xC2..=0xDF) => 2,
            Some(0xE0..=0xEF) => 3,
            Some(_) => return self.fail(start, OsfErrorKind::InvalidChar),
            None => return self.fail(start, OsfErrorKind::Truncated),
        };
        let bytes = self.take(len)?;
        match core::str::from_utf8(bytes)
            .ok()
            .and_then(|s| s.chars().next())
        {
            Some(c) => Ok(c),
            None => self.fail(start, OsfErrorKind::InvalidChar),
        }
    }

    fn type_ref(&mut self) -> Result<TypeName, OsfError> {
        let start = self.pos;
        match self.byte()? {
            token::TYPE_REF => {
                let index = self.count()?;
                match self.types.get(index) {
                    Some(t) => Ok(t.clone()),
                    None => self.fail(start, OsfErrorKind::TypeIndexOutOfRange(index)),
                }
            }
            t @ (token::TYPE_REF_ADD | token::TYPE_REF_ADD_LOCAL) => {
                let name = self.string()?;
                let ty = if t == token::TYPE_REF_ADD_LOCAL {
                    TypeName::Local(name)
                } else {
                    TypeName::Qualified(name)
                };
                if self.types.contains(&ty) {
                    // ObjectStateFormatter adds a type once and refers to it afterwards.
                    return self.fail(start, OsfErrorKind::NonCanonicalTable);
                }
                self.types.push(ty.clone());
                Ok(ty)
            }
            other => self.fail(start, OsfErrorKind::BadTypeToken(other)),
        }
    }

    fn boxed(&mut self, depth: usize) -> Result<Box<Value>, OsfError> {
        self.value(depth).map(Box::new)
    }

    #[inline(never)]
    fn entries(&mut self, depth: usize) -> Result<Vec<(Value, Value)>, OsfError> {
        let n = self.bounded_count(2)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let k = self.value(depth)?;
            let v = self.value(depth)?;
            out.push((k, v));
        }
        Ok(out)
    }

    pub(super) fn value(&mut self, depth: usize) -> Result<Value, OsfError> {
        let start = self.pos;
        if depth > self.limits.max_depth {
            return self.fail(start, OsfErrorKind::TooDeep(self.limits.max_depth));
        }
        self.values = self.values.saturating_add(1);
        if self.values > self.limits.max_values {
            return self.fail(start, OsfErrorKind::TooManyValues(self.limits.max_values));
        }
        let tok = self.byte()?;
        match tok {
            token::PAIR => {
                let a = self.boxed(depth + 1)?;
                Ok(Value::Pair(a, self.boxed(depth + 1)?))
            }
            token::TRIPLET => {
                let a = self.boxed(depth + 1)?;
                let b = self.boxed(depth + 1)?;
                Ok(Value::Triplet(a, b, self.boxed(depth + 1)?))
            }
            token::ARRAY_LIST => self.array_list(depth + 1),
            token::ARRAY => self.typed_array(depth + 1),
            token::SPARSE_ARRAY => self.sparse_array(depth + 1),
            token::HASHTABLE => Ok(Value::Hashtable(self.entries(depth + 1)?)),
            token::HYBRID_DICTIONARY => Ok(Value::HybridDictionary(self.entries(depth + 1)?)),
            _ => self.token(start, tok),
        }
    }

    /// An `ArrayList`, kept out of [`value`](Self::value) so the recursion's frames stay small.
    #[inline(never)]
    fn array_list(&mut self, next: usize) -> Result<Value, OsfError> {
        let n = self.bounded_count(1)?;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(self.value(next)?);
        }
        Ok(Value::ArrayList(items))
    }

    /// A typed array (token 20).
    #[inline(never)]
    fn typed_array(&mut self, next: usize) -> Result<Value, OsfError> {
        Ok({
            let element_type = self.type_ref()?;
            let n = self.bounded_count(1)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(self.value(next)?);
            }
            Value::Array {
                element_type,
                items,
            }
        })
    }

    /// A sparse array (token 60).
    #[inline(never)]
    fn sparse_array(&mut self, next: usize) -> Result<Value, OsfError> {
        Ok({
            let element_type = self.type_ref()?;
            let at = self.pos;
            let length = self.count()?;
            let length32 =
                u32::try_from(length).or_else(|_| self.fail(at, OsfErrorKind::NegativeLength))?;
            let count_at = self.pos;
            let n = self.count()?;
            if n > length {
                return self.fail(count_at, OsfErrorKind::SparseArray);
            }
            self.reserve(count_at, n, 2)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                let index_at = self.pos;
                let index = self.count()?;
                if index >= length {
                    return self.fail(index_at, OsfErrorKind::SparseArray);
                }
                let index32 = u32::try_from(index)
                    .or_else(|_| self.fail(index_at, OsfErrorKind::SparseArray))?;
                items.push((index32, self.value(next)?));
            }
            Value::SparseArray {
                element_type,
                length: length32,
                items,
            }
        })
    }

    /// Every token without children, kept out of [`value`](Self::value) so the recursion's
    /// frames stay small.
    #[inline(never)]
    fn token(&mut self, start: usize, tok: u8) -> Result<Value, OsfError> {
        Ok(match tok {
            token::NULL => Value::Null,
            token::EMPTY_STRING => Value::String(String::new()),
            token::ZERO_INT32 => Value::Int32(0),
            token::TRUE => Value::Bool(true),
            token::FALSE => Value::Bool(false),
            token::INT16 => Value::Int16(i16::from_le_bytes(self.array()?)),
            token::INT32 => {
                let at = self.pos;
                match self.signed()? {
                    // ObjectStateFormatter writes zero as its own token.
                    0 => return self.fail(at, OsfErrorKind::NonCanonicalInteger),
                    n => Value::Int32(n),
                }
            }
            token::BYTE => Value::Byte(self.byte()?),
            token::CHAR => Value::Char(self.char()?),
            token::STRING => {
                let at = self.pos;
                match self.string()? {
                    s if s.is_empty() => return self.fail(at, OsfErrorKind::NonCanonicalString),
                    s => Value::String(s),
                }
            }
            token::DATE_TIME => Value::DateTime(DateTime(i64::from_le_bytes(self.array()?))),
            token::DOUBLE => Value::Double(f64::from_le_bytes(self.array()?)),
            token::SINGLE => Value::Single(f32::from_le_bytes(self.array()?)),
            token::COLOR => Value::Color(Color::Argb(i32::from_le_bytes(self.array()?))),
            token::KNOWN_COLOR => Value::Color(Color::Known(self.signed()?)),
            token::EMPTY_COLOR => Value::Color(Color::Empty),
            token::INT_ENUM => {
                let enum_type = self.type_ref()?;
                Value::Enum {
                    enum_type,
                    value: self.signed()?,
                }
            }
            token::STRING_ARRAY => {
                let n = self.bounded_count(1)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.string()?);
                }
                Value::StringArray(items)
            }
            token::TYPE => Value::Type(self.type_ref()?),
            token::UNIT => {
                let value = f64::from_le_bytes(self.array()?);
                let unit_type = i32::from_le_bytes(self.array()?);
                Value::Unit(Unit::Value { value, unit_type })
            }
            token::EMPTY_UNIT => Value::Unit(Unit::Empty),
            token::EVENT_VALIDATION_STORE => {
                let at = self.pos;
                match self.byte()? {
                    0 => {}
                    v => return self.fail(at, OsfErrorKind::EventValidationVersion(v)),
                }
                let n = self.bounded_count(16)?;
                let mut entries = Vec::with_capacity(n);
                for _ in 0..n {
                    entries.push(EventValidationEntry(self.array()?));
                }
                Value::EventValidationStore(entries)
            }
            token::INDEXED_STRING_ADD => {
                let at = self.pos;
                let s = self.string()?;
                if s.is_empty() {
                    // The IndexedString constructor refuses an empty string.
                    return self.fail(at, OsfErrorKind::EmptyIndexedString);
                }
                if self.strings.iter().flatten().any(|t| *t == s) {
                    return self.fail(start, OsfErrorKind::NonCanonicalTable);
                }
                if self.string_count == STRING_TABLE_SIZE {
                    self.string_count = 0;
                }
                if let Some(slot) = self.strings.get_mut(self.string_count) {
                    *slot = Some(s.clone());
                }
                self.string_count += 1;
                Value::IndexedString(s)
            }
            token::INDEXED_STRING => {
                let at = self.pos;
                let index = self.byte()?;
                match self.strings.get(usize::from(index)).cloned().flatten() {
                    Some(s) => Value::IndexedString(s),
                    None => return self.fail(at, OsfErrorKind::StringIndexOutOfRange(index)),
                }
            }
            token::STRING_FORMATTED => {
                let value_type = self.type_ref()?;
                Value::Formatted {
                    value_type,
                    text: self.string()?,
                }
            }
            token::BINARY_SERIALIZED => {
                let n = self.count()?;
                Value::BinarySerialized(self.take(n)?.to_vec())
            }
            other => return self.fail(start, OsfErrorKind::UnknownToken(other)),
        })
    }
}
