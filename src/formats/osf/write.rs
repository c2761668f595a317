//! Writing a [`Value`] tree as `ObjectStateFormatter` bytes, choosing tokens and table
//! entries exactly as `ObjectStateFormatter.SerializeValue` does.

use std::collections::HashMap;

use super::document::{Document, Limits, STRING_TABLE_SIZE, token};
use super::value::{Color, TypeName, Unit, Value};
use crate::binary::write_7bit;
use crate::error::{OsfError, OsfErrorKind};

pub(super) struct Writer {
    out: Vec<u8>,
    limits: Limits,
    /// Interned string → its slot, and each slot's occupant (for eviction on wrap).
    strings: HashMap<String, u8>,
    slots: Vec<Option<String>>,
    string_count: usize,
    types: HashMap<TypeName, usize>,
}

pub(super) fn write_value(root: &Value, limits: &Limits) -> Result<Vec<u8>, OsfError> {
    let mut w = Writer {
        out: vec![0xFF, 0x01],
        limits: *limits,
        strings: HashMap::new(),
        slots: vec![None; STRING_TABLE_SIZE],
        string_count: 0,
        types: TypeName::SEEDED
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, t)| (t, i))
            .collect(),
    };
    w.value(root, 0)?;
    Ok(w.out)
}

impl Writer {
    fn fail<T>(&self, kind: OsfErrorKind) -> Result<T, OsfError> {
        Err(OsfError {
            offset: self.out.len(),
            kind,
        })
    }

    fn encoded(&mut self, n: i32) {
        // WriteEncoded casts to uint: negative values take five bytes.
        let u = u32::from_ne_bytes(n.to_ne_bytes());
        write_7bit(&mut self.out, usize::try_from(u).unwrap_or_default());
    }

    fn count(&mut self, n: usize) -> Result<(), OsfError> {
        match i32::try_from(n) {
            Ok(n) => {
                self.encoded(n);
                Ok(())
            }
            Err(_) => self.fail(OsfErrorKind::TooManyValues(i32::MAX as usize)),
        }
    }

    fn string(&mut self, s: &str) -> Result<(), OsfError> {
        self.count(s.len())?;
        self.out.extend_from_slice(s.as_bytes());
        Ok(())
    }

    fn type_ref(&mut self, t: &TypeName) -> Result<(), OsfError> {
        if let Some(&index) = self.types.get(t) {
            self.out.push(token::TYPE_REF);
            return self.count(index);
        }
        let (tok, name) = match t {
            TypeName::Local(name) => (token::TYPE_REF_ADD_LOCAL, name),
            TypeName::Qualified(name) => (token::TYPE_REF_ADD, name),
            // The seeded types are always in the table.
            _ => return self.fail(OsfErrorKind::BadTypeToken(0)),
        };
        self.out.push(tok);
        self.string(name)?;
        let index = self.types.len();
        self.types.insert(t.clone(), index);
        Ok(())
    }

    fn indexed_string(&mut self, s: &str) -> Result<(), OsfError> {
        if s.is_empty() {
            return self.fail(OsfErrorKind::EmptyIndexedString);
        }
        if let Some(&slot) = self.strings.get(s) {
            self.out.push(token::INDEXED_STRING);
            self.out.push(slot);
            return Ok(());
        }
        if self.string_count == STRING_TABLE_SIZE {
            self.string_count = 0;
        }
        let slot = u8::try_from(self.string_count).unwrap_or_default();
        if let Some(old) = self
            .slots
            .get_mut(self.string_count)
            .and_then(|entry| entry.replace(s.to_owned()))
        {
            self.strings.remove(&old);
        }
        self.strings.insert(s.to_owned(), slot);
        self.string_count += 1;
        self.out.push(token::INDEXED_STRING_ADD);
        self.string(s)
    }

    fn entries(
        &mut self,
        tok: u8,
        entries: &[(Value, Value)],
        depth: usize,
    ) -> Result<(), OsfError> {
        self.out.push(tok);
        self.count(entries.len())?;
        for (k, v) in entries {
            self.value(k, depth)?;
            self.value(v, depth)?;
        }
        Ok(())
    }

    fn value(&mut self, v: &Value, depth: usize) -> Result<(), OsfError> {
        if depth > self.limits.max_depth {
            return self.fail(OsfErrorKind::TooDeep(self.limits.max_depth));
        }
        let next = depth + 1;
        match v {
            Value::Null => self.out.push(token::NULL),
            Value::String(s) if s.is_empty() => self.out.push(token::EMPTY_STRING),
            Value::String(s) => {
                self.out.push(token::STRING);
                self.string(s)?;
            }
            Value::Int32(0) => self.out.push(token::ZERO_INT32),
            Value::Int32(n) => {
                self.out.push(token::INT32);
                self.encoded(*n);
            }
            Value::Pair(a, b) => {
                self.out.push(token::PAIR);
                self.value(a, next)?;
                self.value(b, next)?;
            }
            Value::Triplet(a, b, c) => {
                self.out.push(token::TRIPLET);
                self.value(a, next)?;
                self.value(b, next)?;
                self.value(c, next)?;
            }
            Value::IndexedString(s) => self.indexed_string(s)?,
            Value::ArrayList(items) => {
                self.out.push(token::ARRAY_LIST);
                self.count(items.len())?;
                for item in items {
                    self.value(item, next)?;
                }
            }
            Value::Bool(true) => self.out.push(token::TRUE),
            Value::Bool(false) => self.out.push(token::FALSE),
            Value::Byte(b) => self.out.extend([token::BYTE, *b]),
            Value::Char(c) => {
                if u32::from(*c) > 0xFFFF {
                    // A .NET char is one UTF-16 code unit.
                    return self.fail(OsfErrorKind::InvalidChar);
                }
                self.out.push(token::CHAR);
                let mut buf = [0u8; 4];
                self.out
                    .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            Value::DateTime(d) => {
                self.out.push(token::DATE_TIME);
                self.out.extend_from_slice(&d.0.to_le_bytes());
            }
            Value::Double(x) => {
                self.out.push(token::DOUBLE);
                self.out.extend_from_slice(&x.to_le_bytes());
            }
            Value::Int16(n) => {
                self.out.push(token::INT16);
                self.out.extend_from_slice(&n.to_le_bytes());
            }
            Value::Single(x) => {
                self.out.push(token::SINGLE);
                self.out.extend_from_slice(&x.to_le_bytes());
            }
            Value::Hashtable(entries) => self.entries(token::HASHTABLE, entries, next)?,
            Value::HybridDictionary(entries) => {
                self.entries(token::HYBRID_DICTIONARY, entries, next)?;
            }
            Value::EventValidationStore(entries) => {
                self.out.extend([token::EVENT_VALIDATION_STORE, 0]);
                self.count(entries.len())?;
                for e in entries {
                    self.out.extend_from_slice(&e.0);
                }
            }
            Value::Type(t) => {
                self.out.push(token::TYPE);
                self.type_ref(t)?;
            }
            Value::StringArray(items) => {
                self.out.push(token::STRING_ARRAY);
                self.count(items.len())?;
                for s in items {
                    self.string(s)?;
                }
            }
            Value::SparseArray {
                element_type,
                length,
                items,
            } => {
                if items.len() > *length as usize || items.iter().any(|(i, _)| i >= length) {
                    return self.fail(OsfErrorKind::SparseArray);
                }
                self.out.push(token::SPARSE_ARRAY);
                self.type_ref(element_type)?;
                self.count(*length as usize)?;
                self.count(items.len())?;
                for (i, item) in items {
                    self.count(*i as usize)?;
                    self.value(item, next)?;
                }
            }
            Value::Array {
                element_type,
                items,
            } => {
                self.out.push(token::ARRAY);
                self.type_ref(element_type)?;
                self.count(items.len())?;
                for item in items {
                    self.value(item, next)?;
                }
            }
            Value::Enum { enum_type, value } => {
                self.out.push(token::INT_ENUM);
                self.type_ref(enum_type)?;
                self.encoded(*value);
            }
            Value::Color(Color::Empty) => self.out.push(token::EMPTY_COLOR),
            Value::Color(Color::Argb(argb)) => {
                self.out.push(token::COLOR);
                self.out.extend_from_slice(&argb.to_le_bytes());
            }
            Value::Color(Color::Known(k)) => {
                self.out.push(token::KNOWN_COLOR);
                self.encoded(*k);
            }
            Value::Unit(Unit::Empty) => self.out.push(token::EMPTY_UNIT),
            Value::Unit(Unit::Value { value, unit_type }) => {
                self.out.push(token::UNIT);
                self.out.extend_from_slice(&value.to_le_bytes());
                self.out.extend_from_slice(&unit_type.to_le_bytes());
            }
            Value::Formatted { value_type, text } => {
                self.out.push(token::STRING_FORMATTED);
                self.type_ref(value_type)?;
                self.string(text)?;
            }
            Value::BinarySerialized(bytes) => {
                self.out.push(token::BINARY_SERIALIZED);
                self.count(bytes.len())?;
                self.out.extend_from_slice(bytes);
            }
        }
        Ok(())
    }
}

impl Document {
    /// The `FF 01` header, the tree, then the trailer, as ObjectStateFormatter writes them.
    ///
    /// # Errors
    /// [`OsfError`] when the tree holds what ObjectStateFormatter cannot write: an empty
    /// `IndexedString`, a `Char` outside the Basic Multilingual Plane, a sparse array index
    /// past its length, a collection over `Int32::MAX`, or nesting deeper than
    /// [`Limits::max_depth`] (the offset is where in the output it stopped).
    pub fn to_bytes(&self) -> Result<Vec<u8>, OsfError> {
        let mut out = write_value(&self.root, &Limits::default())?;
        out.extend_from_slice(&self.trailer);
        Ok(out)
    }
}
