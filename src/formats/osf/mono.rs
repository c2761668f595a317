//! ViewStates written by Mono's `System.Web` (XSP, `mod_mono`, FastCGI): the same `FF 01`
//! header as Microsoft's `ObjectStateFormatter` (Mono writes the ushort `0x01FF`), then a
//! serializer of Mono's own whose tokens are not Microsoft's: a Mono page state (a `Pair`,
//! token 12) read as Microsoft's stream is `Color.Empty` (token 12) followed by hundreds of
//! ignored bytes. [`read`](crate::formats::osf::read) therefore refuses such a stream with
//! [`super::OsfErrorKind::Mono`], and this module reads it.
//!
//! The token numbers are those Mono's `ObjectStateFormatter.ObjectFormatter` gives its
//! formatters in registration order (each takes one or two ids, from 1; 0 is null), in
//! `mcs/class/System.Web/System.Web.UI/ObjectStateFormatter.cs` of
//! <https://github.com/mono/mono>: 1/2 `String` (value / cached reference), 3 `Int64`,
//! 4/5 `Int32` (value / one byte), 6 `Int16`, 7 `Byte`, 8/9 `Boolean` (true / false),
//! 10 `Char`, 11 `DateTime`, 12 `Pair`, 13 `Triplet`, 14 `ArrayList`, 15 `Hashtable`,
//! 16 `object[]`, 17/18 `Unit`, 19/20 `FontUnit`, 21/22 `IndexedString`, 23/24 `Color`
//! (ARGB / known or empty), 25 `Enum`, 26/27 `Type`, 28/29 one-dimensional arrays
//! (typed / primitive, as a `BinaryFormatter` stream), 30/31 a `TypeConverter` string,
//! 32 `BinaryFormatter` object. Strings and types share one cache of references (`Int16`).
//!
//! Two generations: Mono 2.10 and later write the `FF 01` magic (`SERIALIZED_STREAM_MAGIC`)
//! and sign `MemoryStream.GetBuffer()`, the whole buffer, so the stream is followed by zeros
//! up to the buffer's capacity (at least 256 bytes, doubling) and then the MAC. Older Mono
//! wrote no magic, registered no `IndexedString` formatter (its ids from 21 on are the
//! newer ones less two: `Color` 21/22 ... `BinaryFormatter` object 30), and wrote an
//! `isEncrypted` byte before the MAC; a stream without the magic is read with that table.
//! No real Mono ViewState was at hand: the layout is proved against that source only
//! (UNVERIFIED against Mono's output).
//!
//! # Example
//! ```
//! use machinekey::formats::osf::{self, OsfErrorKind, mono};
//! // Pair("hello", true) as Mono 2.10 signs it: the 256-byte buffer, then an HMAC-SHA1.
//! let mut bytes = vec![0xFF, 0x01, 12, 1, 5];
//! bytes.extend(b"hello");
//! bytes.push(8);
//! bytes.resize(256, 0);
//! bytes.extend([0xAA; 20]);
//! assert_eq!(osf::read(&bytes).unwrap_err().kind(), &OsfErrorKind::Mono);
//! let state = mono::read(&bytes)?;
//! assert_eq!(state.trailer.len(), 256 - 11 + 20);
//! assert_eq!(mono::render(&state.root), "Pair\n  \"hello\"\n  true\n");
//! # Ok::<(), osf::OsfError>(())
//! ```

use super::{Limits, OsfError, OsfErrorKind};
use crate::formats::nrbf;

/// A value of a Mono stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MonoValue {
    /// Null (token 0).
    Null,
    /// A string.
    String(String),
    /// An `Int64`.
    Int64(i64),
    /// An `Int32`.
    Int32(i32),
    /// An `Int16`.
    Int16(i16),
    /// A `Byte`.
    Byte(u8),
    /// A `Boolean`.
    Bool(bool),
    /// A `Char`.
    Char(char),
    /// A `DateTime`, as its ticks.
    DateTime(i64),
    /// A `Pair`.
    Pair(Box<MonoValue>, Box<MonoValue>),
    /// A `Triplet`.
    Triplet(Box<MonoValue>, Box<MonoValue>, Box<MonoValue>),
    /// An `ArrayList`.
    ArrayList(Vec<MonoValue>),
    /// A `Hashtable`.
    Hashtable(Vec<(MonoValue, MonoValue)>),
    /// An `object[]`.
    ObjectArray(Vec<MonoValue>),
    /// A `Unit`, `FontUnit` or `IndexedString`, as its text.
    Text(&'static str, String),
    /// A `Color`: ARGB, or a known color (`-1`: empty).
    Color {
        /// Whether it is a known color (or empty).
        known: bool,
        /// The ARGB value or `KnownColor` number.
        value: i32,
    },
    /// A type: its full name and assembly (or a cached reference's).
    Type(String),
    /// An enum value of a type.
    Enum(Box<MonoValue>, Box<MonoValue>),
    /// A typed one-dimensional array.
    Array(Box<MonoValue>, Vec<MonoValue>),
    /// A value converted to a string by its `TypeConverter`.
    Converted(Box<MonoValue>, String),
    /// A `BinaryFormatter` stream (a primitive array, or an object of no other formatter).
    Binary(Vec<u8>),
}

/// A Mono stream read: the root, and the bytes after it (the buffer's zero fill and the
/// MAC, or the `isEncrypted` byte and the MAC).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MonoState {
    /// The root value.
    pub root: MonoValue,
    /// What followed it.
    pub trailer: Vec<u8>,
}

impl MonoState {
    /// Every `BinaryFormatter` payload in the tree.
    #[must_use]
    pub fn binary_payloads(&self) -> Vec<&[u8]> {
        fn walk<'a>(v: &'a MonoValue, out: &mut Vec<&'a [u8]>) {
            match v {
                MonoValue::Binary(b) => out.push(b),
                MonoValue::Pair(a, b) | MonoValue::Enum(a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                MonoValue::Triplet(a, b, c) => {
                    walk(a, out);
                    walk(b, out);
                    walk(c, out);
                }
                MonoValue::ArrayList(items) | MonoValue::ObjectArray(items) => {
                    items.iter().for_each(|i| walk(i, out));
                }
                MonoValue::Array(t, items) => {
                    walk(t, out);
                    items.iter().for_each(|i| walk(i, out));
                }
                MonoValue::Hashtable(pairs) => pairs.iter().for_each(|(k, v)| {
                    walk(k, out);
                    walk(v, out);
                }),
                MonoValue::Converted(t, _) => walk(t, out),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    limits: Limits,
    values: usize,
    /// Strings and types, in the order read (Mono's `ReaderContext` cache).
    cache: Vec<MonoValue>,
    /// A stream without the `FF 01` header: the older table, without `IndexedString`.
    legacy: bool,
}

impl Reader<'_> {
    /// A token of the stream as the newer table numbers it: the older Mono registered no
    /// `IndexedStringFormatter`, so its ids from 21 on (`Color` 21/22 ... `BinaryFormatter`
    /// object 30) are the newer ones less two.
    fn table(&self, token: u8) -> Option<u8> {
        match token {
            21..=30 if self.legacy => Some(token + 2),
            31.. if self.legacy => None,
            t => Some(t),
        }
    }

    fn fail<T>(&self, kind: OsfErrorKind) -> Result<T, OsfError> {
        Err(OsfError {
            offset: self.pos,
            kind,
        })
    }

    fn take(&mut self, n: usize) -> Result<&[u8], OsfError> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.bytes.len());
        match end.and_then(|e| self.bytes.get(self.pos..e)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => self.fail(OsfErrorKind::Truncated),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], OsfError> {
        let at = self.pos;
        <[u8; N]>::try_from(self.take(N)?).map_err(|_| OsfError {
            offset: at,
            kind: OsfErrorKind::Truncated,
        })
    }

    fn byte(&mut self) -> Result<u8, OsfError> {
        Ok(self.array::<1>()?[0])
    }

    fn seven_bit(&mut self) -> Result<usize, OsfError> {
        let mut value: u32 = 0;
        for shift in [0u32, 7, 14, 21, 28] {
            let b = self.byte()?;
            value |= u32::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                let v = i32::from_ne_bytes(value.to_ne_bytes());
                return usize::try_from(v).or_else(|_| self.fail(OsfErrorKind::NegativeLength));
            }
        }
        self.fail(OsfErrorKind::NonCanonicalInteger)
    }

    fn string(&mut self) -> Result<String, OsfError> {
        let n = self.seven_bit()?;
        let at = self.pos;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| OsfError {
            offset: at,
            kind: OsfErrorKind::InvalidUtf8,
        })
    }

    fn cached(&mut self) -> Result<MonoValue, OsfError> {
        let i = i16::from_le_bytes(self.array()?);
        match usize::try_from(i).ok().and_then(|i| self.cache.get(i)) {
            Some(v) => Ok(v.clone()),
            None => self.fail(OsfErrorKind::StringIndexOutOfRange(
                u8::try_from(i).unwrap_or(u8::MAX),
            )),
        }
    }

    fn cached_string(&mut self) -> Result<String, OsfError> {
        match self.cached()? {
            MonoValue::String(s) => Ok(s),
            _ => self.fail(OsfErrorKind::BadTypeToken(0)),
        }
    }

    /// A `StringFormatter`'s value: token `primary` (a string, cached) or the next id (a
    /// reference).
    fn string_of(&mut self, token: u8, primary: u8) -> Result<String, OsfError> {
        if token == primary {
            let s = self.string()?;
            self.cache.push(MonoValue::String(s.clone()));
            Ok(s)
        } else {
            self.cached_string()
        }
    }

    fn items(&mut self, depth: usize) -> Result<Vec<MonoValue>, OsfError> {
        let n = self.seven_bit()?;
        if n > self.bytes.len().saturating_sub(self.pos) {
            return self.fail(OsfErrorKind::Truncated);
        }
        let mut out = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            out.push(self.value(depth + 1)?);
        }
        Ok(out)
    }

    fn value(&mut self, depth: usize) -> Result<MonoValue, OsfError> {
        if depth > self.limits.max_depth {
            return self.fail(OsfErrorKind::TooDeep(self.limits.max_depth));
        }
        self.values += 1;
        if self.values > self.limits.max_values {
            return self.fail(OsfErrorKind::TooManyValues(self.limits.max_values));
        }
        let at = self.pos;
        let raw = self.byte()?;
        let Some(token) = self.table(raw) else {
            self.pos = at;
            return self.fail(OsfErrorKind::UnknownToken(raw));
        };
        let boxed = |r: &mut Self| r.value(depth + 1).map(Box::new);
        Ok(match token {
            0 => MonoValue::Null,
            1 | 2 => MonoValue::String(self.string_of(token, 1)?),
            3 => MonoValue::Int64(i64::from_le_bytes(self.array()?)),
            4 => MonoValue::Int32(i32::from_le_bytes(self.array()?)),
            5 => MonoValue::Int32(i32::from(self.byte()?)),
            6 => MonoValue::Int16(i16::from_le_bytes(self.array()?)),
            7 => MonoValue::Byte(self.byte()?),
            8 => MonoValue::Bool(true),
            9 => MonoValue::Bool(false),
            10 => MonoValue::Char(self.utf8_char()?),
            11 => MonoValue::DateTime(i64::from_le_bytes(self.array()?)),
            12 => MonoValue::Pair(boxed(self)?, boxed(self)?),
            13 => MonoValue::Triplet(boxed(self)?, boxed(self)?, boxed(self)?),
            14 => MonoValue::ArrayList(self.items(depth)?),
            15 => {
                let n = self.seven_bit()?;
                if n > self.bytes.len().saturating_sub(self.pos) {
                    return self.fail(OsfErrorKind::Truncated);
                }
                let mut pairs = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    let k = self.value(depth + 1)?;
                    let v = self.value(depth + 1)?;
                    pairs.push((k, v));
                }
                MonoValue::Hashtable(pairs)
            }
            16 => MonoValue::ObjectArray(self.items(depth)?),
            17 | 18 => MonoValue::Text("Unit", self.string_of(token, 17)?),
            19 | 20 => MonoValue::Text("FontUnit", self.string_of(token, 19)?),
            21 | 22 => {
                // Mono's `IndexedStringFormatter.Read` throws on an empty string.
                let text = self.string_of(token, 21)?;
                if text.is_empty() {
                    return self.fail(OsfErrorKind::EmptyIndexedString);
                }
                MonoValue::Text("IndexedString", text)
            }
            23 | 24 => MonoValue::Color {
                known: token == 24,
                value: i32::from_le_bytes(self.array()?),
            },
            25 => MonoValue::Enum(boxed(self)?, boxed(self)?),
            26 => {
                let name = self.string()?;
                let assembly = self.string()?;
                let t = MonoValue::Type(format!("{name}, {assembly}"));
                self.cache.push(t.clone());
                t
            }
            27 => self.cached()?,
            28 => {
                let t = boxed(self)?;
                MonoValue::Array(t, self.items(depth)?)
            }
            29 | 32 => {
                let bytes = if token == 32 {
                    let n = self.seven_bit()?;
                    self.take(n)?.to_vec()
                } else {
                    // A primitive array: a BinaryFormatter stream inline, as long as it is.
                    let rest = self.bytes.get(self.pos..).unwrap_or_default();
                    let (stream, err) = nrbf::read_partial(rest);
                    if err.is_some() || stream.length == 0 {
                        return self.fail(OsfErrorKind::Truncated);
                    }
                    self.take(stream.length)?.to_vec()
                };
                MonoValue::Binary(bytes)
            }
            30 => {
                let t = boxed(self)?;
                let raw_inner = self.byte()?;
                let inner = self.table(raw_inner);
                if inner != Some(30) && inner != Some(31) {
                    return self.fail(OsfErrorKind::UnknownToken(raw_inner));
                }
                MonoValue::Converted(t, self.string_of(inner.unwrap_or(30), 30)?)
            }
            _ => {
                self.pos = at;
                return self.fail(OsfErrorKind::UnknownToken(raw));
            }
        })
    }

    /// `BinaryReader.ReadChar` of UTF-8: one `char`, one UTF-16 code unit, so one to three
    /// bytes (a four-byte sequence is a surrogate pair, which `ReadChar` refuses).
    fn utf8_char(&mut self) -> Result<char, OsfError> {
        let first = self.byte()?;
        let len = match first {
            0x00..=0x7F => 1,
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => return self.fail(OsfErrorKind::InvalidChar),
        };
        let mut buf = vec![first];
        buf.extend_from_slice(self.take(len - 1)?);
        match core::str::from_utf8(&buf)
            .ok()
            .and_then(|s| s.chars().next())
        {
            Some(c) => Ok(c),
            None => self.fail(OsfErrorKind::InvalidChar),
        }
    }
}

/// Reads a Mono stream: with the `FF 01` header (Mono 2.10 and later) or without it (older
/// Mono, read with its own token table; its streams end with an `isEncrypted` byte before
/// the MAC).
///
/// # Errors
/// [`OsfError`] where the stream is not one Mono writes.
///
/// # Example
/// See the [module documentation](self).
pub fn read(bytes: &[u8]) -> Result<MonoState, OsfError> {
    let limits = Limits::default();
    if bytes.len() > limits.max_bytes {
        return Err(OsfError {
            offset: limits.max_bytes,
            kind: OsfErrorKind::TooLarge(limits.max_bytes),
        });
    }
    let start = if bytes.starts_with(&[0xFF, 0x01]) {
        2
    } else {
        0
    };
    let mut r = Reader {
        bytes,
        pos: start,
        limits,
        values: 0,
        cache: Vec::new(),
        legacy: start == 0,
    };
    let root = r.value(0)?;
    Ok(MonoState {
        root,
        trailer: bytes.get(r.pos..).unwrap_or_default().to_vec(),
    })
}

/// The MAC lengths Mono appends: none, MD5, SHA-1, HMAC-SHA256/384/512.
const MAC_LENGTHS: [usize; 6] = [0, 16, 20, 32, 48, 64];

/// Whether a trailer is what a Mono page leaves after its stream: nothing, or a MAC
/// (possibly after the old `isEncrypted` byte); or, as Mono 2.10 and later sign
/// `MemoryStream.GetBuffer()`, the stream's buffer filled with zeros to its capacity (at
/// least 256 bytes: Mono's `MemoryStream.CalculateNewCapacity`), then the MAC.
fn plausible_trailer(t: &[u8], total: usize) -> bool {
    let mac = |n: usize| MAC_LENGTHS.contains(&n);
    let zero_filled = |m: usize| {
        total.checked_sub(m).is_some_and(|data| data >= 256)
            && t.len()
                .checked_sub(m)
                .and_then(|fill| t.get(..fill))
                .is_some_and(|fill| fill.iter().all(|b| *b == 0))
    };
    mac(t.len())
        || (matches!(t.first(), Some(0 | 1)) && mac(t.len() - 1))
        || MAC_LENGTHS.iter().any(|m| zero_filled(*m))
}

/// Whether `bytes` (after `FF 01`) are a Mono stream rather than Microsoft's: Mono's
/// reading of them ends where a MAC or the buffer's zero fill would start, on a page-state
/// shape (a `Pair` or `Triplet` root, as Mono's `Page` saves).
///
/// # Example
/// ```
/// use machinekey::formats::osf::mono;
/// // Pair("hello", true) as Mono 2.10 signs it: the 256-byte buffer, then HMAC-SHA1.
/// let mut bytes = vec![0xFF, 0x01, 12, 1, 5];
/// bytes.extend(b"hello");
/// bytes.push(8);
/// bytes.resize(256, 0);
/// bytes.extend([0xAA; 20]);
/// assert!(mono::is_mono(&bytes));
/// ```
#[must_use]
pub fn is_mono(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0x01])
        && matches!(bytes.get(2), Some(12..=16))
        && read(bytes).is_ok_and(|s| plausible_trailer(&s.trailer, bytes.len()))
}

/// The tree as indented text, one value per line.
#[must_use]
pub fn render(root: &MonoValue) -> String {
    let mut out = String::new();
    render_into(root, 0, &mut out);
    out
}

fn render_into(v: &MonoValue, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth.min(64));
    let mut line = |t: String| {
        out.push_str(&pad);
        out.push_str(&t);
        out.push('\n');
    };
    match v {
        MonoValue::Null => line("null".into()),
        MonoValue::String(s) => line(format!("{:?}", s.chars().take(120).collect::<String>())),
        MonoValue::Int64(n) => line(format!("Int64 {n}")),
        MonoValue::Int32(n) => line(format!("{n}")),
        MonoValue::Int16(n) => line(format!("Int16 {n}")),
        MonoValue::Byte(n) => line(format!("Byte {n}")),
        MonoValue::Bool(b) => line(format!("{b}")),
        MonoValue::Char(c) => line(format!("Char {c:?}")),
        MonoValue::DateTime(t) => line(format!("DateTime ticks {t}")),
        MonoValue::Text(kind, s) => line(format!("{kind} {s:?}")),
        MonoValue::Color {
            known: true,
            value: -1,
        } => line("Color Empty".into()),
        MonoValue::Color { known, value } => {
            line(format!(
                "Color {}{value}",
                if *known { "known " } else { "ARGB " }
            ));
        }
        MonoValue::Type(t) => line(format!("Type {t}")),
        MonoValue::Binary(b) => line(format!("BinaryFormatter, {} bytes", b.len())),
        MonoValue::Pair(a, b) => {
            line("Pair".into());
            render_into(a, depth + 1, out);
            render_into(b, depth + 1, out);
        }
        MonoValue::Triplet(a, b, c) => {
            line("Triplet".into());
            render_into(a, depth + 1, out);
            render_into(b, depth + 1, out);
            render_into(c, depth + 1, out);
        }
        MonoValue::ArrayList(items) | MonoValue::ObjectArray(items) => {
            line(format!(
                "{} ({} items)",
                if matches!(v, MonoValue::ArrayList(_)) {
                    "ArrayList"
                } else {
                    "object[]"
                },
                items.len()
            ));
            items.iter().for_each(|i| render_into(i, depth + 1, out));
        }
        MonoValue::Hashtable(pairs) => {
            line(format!("Hashtable ({} entries)", pairs.len()));
            for (k, val) in pairs {
                render_into(k, depth + 1, out);
                render_into(val, depth + 2, out);
            }
        }
        MonoValue::Enum(t, val) => {
            line("Enum".into());
            render_into(t, depth + 1, out);
            render_into(val, depth + 1, out);
        }
        MonoValue::Array(t, items) => {
            line(format!("Array ({} items)", items.len()));
            render_into(t, depth + 1, out);
            items.iter().for_each(|i| render_into(i, depth + 1, out));
        }
        MonoValue::Converted(t, s) => {
            line(format!("Converted {s:?}"));
            render_into(t, depth + 1, out);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A Mono page state as Mono's `Page.SavePageStateToPersistenceMedium` builds it:
    /// Pair(Pair("-1234", Triplet(null, Hashtable{"Text": "Hi"}, ArrayList[1, Int32 300])),
    /// null), strings cached and referenced, with a 20-byte MAC.
    pub(crate) fn page_state() -> Vec<u8> {
        let mut b = vec![0xFF, 0x01, 12, 12, 1, 5];
        b.extend(b"-1234");
        b.extend([13, 0, 15, 1, 1, 4]);
        b.extend(b"Text");
        b.extend([1, 2]);
        b.extend(b"Hi");
        b.extend([14, 3, 5, 1, 4]);
        b.extend(300i32.to_le_bytes());
        b.extend([2, 1, 0]); // a cached reference to "Text"
        b.push(0);
        b.extend([0x5A; 20]);
        b
    }

    #[test]
    fn reads_mono_and_refuses_it_as_microsofts() {
        let b = page_state();
        let s = read(&b).unwrap();
        assert_eq!(s.trailer, [0x5A; 20]);
        let text = render(&s.root);
        assert!(
            text.contains("\"-1234\"")
                && text.contains("300")
                && text.matches("\"Text\"").count() == 2,
            "{text}"
        );
        assert!(is_mono(&b));
        // Every cut and every flipped token is an error or a non-Mono reading, never a panic.
        for n in 0..b.len() {
            let _ = read(&b[..n]);
            let mut m = b.clone();
            m[n] ^= 0x55;
            let _ = read(&m);
            let _ = is_mono(&m);
        }
    }
}
