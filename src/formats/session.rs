//! Session state (`OutOfProcSessionStateStore`, `SessionStateItemCollection`).
//!
//! **ASP.NET never MACs or encrypts session data** with the machine key, in any version
//! read (`OutOfProcSessionStateStore`). What the machine key did touch, on 1.x/2.0-era builds, is the
//! *lookup key* the out-of-process State Service stores a session under: its prefix held a
//! validation-key MAC of the application id, so workers with different auto-generated keys
//! looked up different keys and sessions seemed to vanish. The 4.8 source hashes the id with
//! unkeyed SHA-256 instead (which 4.x update changed it is UNVERIFIED).
//!
//! This module gives both lookup keys, the `SessionStateUtility.SerializeStoreData` layout
//! for the common item types, and, separately and clearly labelled, a *protected session
//! blob* for applications that choose to protect their session data themselves.

use std::io::{Read as _, Write as _};

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::AppKeys;
use crate::binary::{read_7bit, write_7bit};
use crate::crypto::framework45::Purpose;
use crate::error::{ArgumentError, Encoding, Error};

/// `HttpUtility.UrlEncode` (UTF-8): letters, digits and `-_.!*()` stay, a space becomes `+`,
/// everything else `%xx` in lower-case hex.
///
/// # Example
/// ```
/// use machinekey::formats::session::url_encode;
/// assert_eq!(url_encode("/LM/W3SVC/1/ROOT(a+b=)/x y"), "%2fLM%2fW3SVC%2f1%2fROOT(a%2bb%3d)%2fx+y");
/// ```
#[must_use]
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        match b {
            b'a'..=b'z'
            | b'A'..=b'Z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'*'
            | b'('
            | b')' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02x}")),
        }
    }
    out
}

/// `"/" + appId + "(" + hash + ")/" + sessionId`, URL-encoded; no extra `/` when the id
/// already starts with one.
fn lookup_key(app_id: &str, hash_b64: &str, session_id: &str) -> String {
    let slash = if app_id.starts_with('/') { "" } else { "/" };
    url_encode(&format!("{slash}{app_id}({hash_b64})/{session_id}"))
}

/// The State Service lookup key on 4.8: the application id hashed with unkeyed SHA-256, so
/// it is the same in every worker whatever their keys.
///
/// # Example
/// ```
/// use machinekey::formats::session::state_server_key_unkeyed;
/// let key = state_server_key_unkeyed("/LM/W3SVC/1/ROOT/Shop", "abcdefghijklmnopqrstuvwx");
/// assert!(key.starts_with("%2fLM%2fW3SVC%2f1%2fROOT%2fShop("));
/// assert!(key.ends_with(")%2fabcdefghijklmnopqrstuvwx"));
/// ```
#[must_use]
pub fn state_server_key_unkeyed(app_id: &str, session_id: &str) -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(app_id.as_bytes()));
    lookup_key(app_id, &hash, session_id)
}

impl AppKeys {
    /// The State Service lookup key on 1.x/2.0-era builds: the prefix holds
    /// `HashAndBase64EncodeString(appId)`, the legacy validation-key MAC of the UTF-16LE id.
    /// Workers with different validation keys compute different keys for the same session.
    ///
    /// # Errors
    /// The legacy stack's configuration error.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::formats::AppKeys;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(24)).validation(machinekey::config::ValidationAlgorithm::Sha1).build()?;
    /// let keys = AppKeys::explicit(&cfg)?;
    /// let key = keys.state_server_key_keyed("/LM/W3SVC/1/ROOT/Shop", "abcdefghijklmnopqrstuvwx")?;
    /// assert!(key.starts_with("%2fLM%2fW3SVC%2f1%2fROOT%2fShop("));
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn state_server_key_keyed(&self, app_id: &str, session_id: &str) -> Result<String, Error> {
        let utf16: Vec<u8> = app_id.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mac = self.legacy()?.mac(&utf16, None);
        Ok(lookup_key(
            app_id,
            &base64::engine::general_purpose::STANDARD.encode(mac),
            session_id,
        ))
    }

    /// **Not an ASP.NET format.** Protects serialized session data with the Framework45
    /// stack under purpose `machinekey.ProtectedSessionState` + the application id, for
    /// applications that protect what they store in a shared session store. ASP.NET itself
    /// stores session data unprotected.
    ///
    /// # Errors
    /// The Framework45 stack's error, or [`Error::Random`].
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::formats::AppKeys;
    /// use machinekey::formats::session::{SessionData, SessionValue};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let keys = AppKeys::explicit(&cfg)?;
    /// let mut data = SessionData::new(machinekey::time::Duration::minutes(20));
    /// data.items.push(("cart".into(), SessionValue::Int32(3)));
    /// let blob = keys.protect_session(&data, "/LM/W3SVC/1/ROOT/Shop")?;
    /// assert_eq!(keys.unprotect_session(&blob, "/LM/W3SVC/1/ROOT/Shop")?, data);
    /// assert!(keys.unprotect_session(&blob, "/LM/W3SVC/1/ROOT/Other").is_err());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn protect_session(&self, data: &SessionData, app_id: &str) -> Result<Vec<u8>, Error> {
        self.framework45()?
            .protect(&data.serialize(false)?, &session_purpose(app_id))
    }

    /// Reverses [`protect_session`](Self::protect_session).
    ///
    /// # Errors
    /// [`Error::Unprotect`] if the blob does not verify or parse.
    ///
    /// # Example
    /// See [`protect_session`](Self::protect_session).
    pub fn unprotect_session(&self, blob: &[u8], app_id: &str) -> Result<SessionData, Error> {
        let bytes = self
            .framework45()?
            .unprotect(blob, &session_purpose(app_id))?;
        SessionData::deserialize(&bytes, false).map_err(|_| Error::Unprotect)
    }
}

fn session_purpose(app_id: &str) -> Purpose {
    Purpose::new("machinekey.ProtectedSessionState").with_specific(app_id)
}

/// A session item value, as `AltSerialization` writes it (type id byte, then the value).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SessionValue {
    /// `String` (1): a `BinaryWriter` string.
    String(String),
    /// `Int32` (2).
    Int32(i32),
    /// `Boolean` (3).
    Boolean(bool),
    /// `DateTime` (4): its ticks (the `Kind` is not kept).
    DateTime(i64),
    /// `Decimal` (5): the four `Decimal.GetBits` integers.
    Decimal([i32; 4]),
    /// `Byte` (6).
    Byte(u8),
    /// `Single` (8).
    Single(f32),
    /// `Double` (9).
    Double(f64),
    /// `SByte` (10).
    SByte(i8),
    /// `Int16` (11).
    Int16(i16),
    /// `Int64` (12).
    Int64(i64),
    /// `UInt16` (13).
    UInt16(u16),
    /// `UInt32` (14).
    UInt32(u32),
    /// `UInt64` (15).
    UInt64(u64),
    /// `TimeSpan` (16): ticks.
    TimeSpan(i64),
    /// `Guid` (17): `Guid.ToByteArray()` order.
    Guid([u8; 16]),
    /// A `byte[]`, which ASP.NET hands to `BinaryFormatter` (type id 20); written here as
    /// the MS-NRBF record of a single byte array.
    Bytes(Vec<u8>),
    /// Any other object (type id 20): the `BinaryFormatter` bytes, kept opaque.
    Object(Vec<u8>),
    /// `null` (21).
    Null,
}

/// MS-NRBF: header (root id 1, header id -1, version 1.0), `ArraySinglePrimitive` of
/// `Byte` (record 15, object id 1, length, primitive type 2), the bytes, `MessageEnd` (11).
const NRBF_HEADER: [u8; 17] = [
    0x00, 1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0, 0, 0, 0, 0,
];

fn nrbf_bytes(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = NRBF_HEADER.to_vec();
    out.extend_from_slice(&[0x0F, 1, 0, 0, 0]);
    out.extend_from_slice(&i32::try_from(bytes.len()).ok()?.to_le_bytes());
    out.push(2);
    out.extend_from_slice(bytes);
    out.push(0x0B);
    Some(out)
}

fn nrbf_parse_bytes(object: &[u8]) -> Option<Vec<u8>> {
    let rest = object
        .strip_prefix(&NRBF_HEADER)?
        .strip_prefix(&[0x0F, 1, 0, 0, 0])?;
    let (len, rest) = rest.split_at_checked(4)?;
    let len = usize::try_from(i32::from_le_bytes(len.try_into().ok()?)).ok()?;
    let rest = rest.strip_prefix(&[2])?;
    let (bytes, end) = rest.split_at_checked(len)?;
    (end == [0x0B]).then(|| bytes.to_vec())
}

impl SessionValue {
    fn write(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        macro_rules! put {
            ($id:expr, $bytes:expr) => {{
                out.push($id);
                out.extend_from_slice(&$bytes);
            }};
        }
        match self {
            Self::String(s) => {
                out.push(1);
                write_7bit(out, s.len());
                out.extend_from_slice(s.as_bytes());
            }
            Self::Int32(v) => put!(2, v.to_le_bytes()),
            Self::Boolean(v) => put!(3, [u8::from(*v)]),
            Self::DateTime(v) => put!(4, v.to_le_bytes()),
            Self::Decimal(bits) => {
                out.push(5);
                for b in bits {
                    out.extend_from_slice(&b.to_le_bytes());
                }
            }
            Self::Byte(v) => put!(6, [*v]),
            Self::Single(v) => put!(8, v.to_le_bytes()),
            Self::Double(v) => put!(9, v.to_le_bytes()),
            Self::SByte(v) => put!(10, v.to_le_bytes()),
            Self::Int16(v) => put!(11, v.to_le_bytes()),
            Self::Int64(v) => put!(12, v.to_le_bytes()),
            Self::UInt16(v) => put!(13, v.to_le_bytes()),
            Self::UInt32(v) => put!(14, v.to_le_bytes()),
            Self::UInt64(v) => put!(15, v.to_le_bytes()),
            Self::TimeSpan(v) => put!(16, v.to_le_bytes()),
            Self::Guid(v) => put!(17, *v),
            Self::Bytes(b) => put!(20, nrbf_bytes(b).ok_or(ArgumentError::SessionTooLarge)?),
            Self::Object(raw) => put!(20, *raw),
            Self::Null => out.push(21),
        }
        Ok(())
    }

    /// Reads one value that occupies exactly `bytes` (item offsets give each value's size).
    fn read(bytes: &[u8]) -> Option<Self> {
        let (&id, v) = bytes.split_first()?;
        let fixed = |n: usize| (v.len() == n).then_some(v);
        macro_rules! le {
            ($t:ty) => {
                <$t>::from_le_bytes(fixed(core::mem::size_of::<$t>())?.try_into().ok()?)
            };
        }
        Some(match id {
            1 => {
                let (len, rest) = read_7bit(v)?;
                (rest.len() == len).then_some(())?;
                Self::String(String::from_utf8(rest.to_vec()).ok()?)
            }
            2 => Self::Int32(le!(i32)),
            3 => match fixed(1)? {
                [b] => Self::Boolean(*b != 0),
                _ => return None,
            },
            4 => Self::DateTime(le!(i64)),
            5 => {
                let raw = fixed(16)?;
                let mut bits = [0i32; 4];
                for (slot, chunk) in bits.iter_mut().zip(raw.chunks_exact(4)) {
                    *slot = i32::from_le_bytes(chunk.try_into().ok()?);
                }
                Self::Decimal(bits)
            }
            6 => Self::Byte(le!(u8)),
            8 => Self::Single(le!(f32)),
            9 => Self::Double(le!(f64)),
            10 => Self::SByte(le!(i8)),
            11 => Self::Int16(le!(i16)),
            12 => Self::Int64(le!(i64)),
            13 => Self::UInt16(le!(u16)),
            14 => Self::UInt32(le!(u32)),
            15 => Self::UInt64(le!(u64)),
            16 => Self::TimeSpan(le!(i64)),
            17 => Self::Guid(fixed(16)?.try_into().ok()?),
            20 => nrbf_parse_bytes(v).map_or_else(|| Self::Object(v.to_vec()), Self::Bytes),
            21 if v.is_empty() => Self::Null,
            _ => return None,
        })
    }
}

/// The session data a State Service or SQL store holds: `SerializeStoreData` = Int32
/// timeout, `hasItems`, `hasStaticObjects`, the items, the static objects, `0xFF`.
///
/// The item collection layout (Int32 count, Int32 index of the null key or -1, the keys,
/// one Int32 end offset per value, then the values) is taken from a reading of
/// `SessionStateItemCollection.Serialize` that could not be re-checked here: UNVERIFIED.
/// Application static objects are not supported (`hasStaticObjects` must be false).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionData {
    /// The session timeout (whole minutes in the store, an `Int32`; written rounded down
    /// to the minute).
    pub timeout: time::Duration,
    /// The items, in order. Keys are not null.
    pub items: Vec<(String, SessionValue)>,
}

fn malformed() -> Error {
    Error::Malformed(Encoding::SessionState)
}

impl SessionData {
    /// Empty session data with a timeout.
    #[must_use]
    pub fn new(timeout: time::Duration) -> Self {
        Self {
            timeout,
            items: Vec::new(),
        }
    }

    /// The value of `key`, if present.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&SessionValue> {
        self.items.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// `SessionStateUtility.SerializeStoreData`, Deflate-compressed and followed by a `0xFF`
    /// pad byte when `compress` (`compressionEnabled`; the exact framing is UNVERIFIED).
    ///
    /// # Errors
    /// [`ArgumentError::SessionTooLarge`] for more than `i32::MAX` items or bytes.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::session::{SessionData, SessionValue};
    /// let mut data = SessionData::new(machinekey::time::Duration::minutes(20));
    /// data.items.push(("name".into(), SessionValue::String("alice".into())));
    /// let bytes = data.serialize(false)?;
    /// assert_eq!(&bytes[..6], &[20, 0, 0, 0, 1, 0]); // timeout, hasItems, no static objects
    /// assert_eq!(SessionData::deserialize(&bytes, false)?, data);
    /// assert_eq!(SessionData::deserialize(&data.serialize(true)?, true)?, data);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn serialize(&self, compress: bool) -> Result<Vec<u8>, Error> {
        let too_big = || Error::from(ArgumentError::SessionTooLarge);
        let minutes = i32::try_from(self.timeout.whole_minutes()).map_err(|_| too_big())?;
        let mut out = minutes.to_le_bytes().to_vec();
        out.push(u8::from(!self.items.is_empty()));
        out.push(0); // hasStaticObjects
        if !self.items.is_empty() {
            out.extend_from_slice(
                &i32::try_from(self.items.len())
                    .map_err(|_| too_big())?
                    .to_le_bytes(),
            );
            out.extend_from_slice(&(-1i32).to_le_bytes()); // no null key
            for (key, _) in &self.items {
                write_7bit(&mut out, key.len());
                out.extend_from_slice(key.as_bytes());
            }
            let mut values = Vec::new();
            let mut ends = Vec::with_capacity(self.items.len() * 4);
            for (_, value) in &self.items {
                value.write(&mut values)?;
                ends.extend_from_slice(
                    &i32::try_from(values.len())
                        .map_err(|_| too_big())?
                        .to_le_bytes(),
                );
            }
            out.extend_from_slice(&ends);
            out.extend_from_slice(&values);
        }
        out.push(0xFF);
        if !compress {
            return Ok(out);
        }
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&out).map_err(|_| too_big())?;
        let mut compressed = encoder.finish().map_err(|_| too_big())?;
        compressed.push(0xFF);
        Ok(compressed)
    }

    /// Reads [`serialize`](Self::serialize) output.
    ///
    /// # Errors
    /// [`Error::Malformed`] (`SessionState`) for any deviation, including static objects.
    ///
    /// # Example
    /// See [`serialize`](Self::serialize).
    pub fn deserialize(bytes: &[u8], compressed: bool) -> Result<Self, Error> {
        let inflated;
        let bytes = if compressed {
            let body = bytes.strip_suffix(&[0xFF]).ok_or_else(malformed)?;
            let mut out = Vec::new();
            flate2::read::DeflateDecoder::new(body)
                .take(64 << 20)
                .read_to_end(&mut out)
                .map_err(|_| malformed())?;
            inflated = out;
            inflated.as_slice()
        } else {
            bytes
        };
        let body = bytes.strip_suffix(&[0xFF]).ok_or_else(malformed)?;
        let (timeout, rest) = body.split_at_checked(4).ok_or_else(malformed)?;
        let timeout = time::Duration::minutes(i64::from(i32::from_le_bytes(
            timeout.try_into().map_err(|_| malformed())?,
        )));
        let (flags, mut rest) = rest.split_at_checked(2).ok_or_else(malformed)?;
        let has_items = match flags {
            [items, 0] if *items <= 1 => *items == 1,
            _ => return Err(malformed()),
        };
        let mut items = Vec::new();
        if has_items {
            let int = |rest: &mut &[u8]| -> Result<i32, Error> {
                let (head, tail) = rest.split_at_checked(4).ok_or_else(malformed)?;
                *rest = tail;
                Ok(i32::from_le_bytes(
                    head.try_into().map_err(|_| malformed())?,
                ))
            };
            let count = usize::try_from(int(&mut rest)?).map_err(|_| malformed())?;
            if int(&mut rest)? != -1 || count > rest.len() {
                return Err(malformed()); // a null key is not supported; counts are bounded
            }
            let mut keys = Vec::with_capacity(count);
            for _ in 0..count {
                let (len, tail) = read_7bit(rest).ok_or_else(malformed)?;
                let (key, tail) = tail.split_at_checked(len).ok_or_else(malformed)?;
                keys.push(String::from_utf8(key.to_vec()).map_err(|_| malformed())?);
                rest = tail;
            }
            let mut ends = Vec::with_capacity(count);
            for _ in 0..count {
                ends.push(usize::try_from(int(&mut rest)?).map_err(|_| malformed())?);
            }
            let mut start = 0;
            for (key, end) in keys.into_iter().zip(ends) {
                let value = rest
                    .get(start..end)
                    .and_then(SessionValue::read)
                    .ok_or_else(malformed)?;
                items.push((key, value));
                start = end;
            }
            if start != rest.len() {
                return Err(malformed());
            }
        } else if !rest.is_empty() {
            return Err(malformed());
        }
        Ok(Self { timeout, items })
    }
}
