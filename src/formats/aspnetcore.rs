//! What ASP.NET Core's own consumers put inside their Data Protection payloads, besides the
//! cookie tickets of [`auth_ticket`](super::auth_ticket): antiforgery tokens, Identity's
//! tokens, TempData, OpenID Connect and OAuth `state` and the nonce, and one
//! [`CoreValue`] that decodes any of them from a consumer's [`ConsumerKind`].
//!
//! Every layout here is checked on real ASP.NET Core 10 output (`tests/aspnetcore_real.rs`:
//! an antiforgery cookie and request token, a password-reset token, a TempData cookie, the
//! tickets), and against real .NET on random values (`checks/tests/dotnet_oracle.rs`).
//!
//! # Example
//! ```
//! use machinekey::dataprotection::consumers::ConsumerKind;
//! use machinekey::formats::aspnetcore::CoreValue;
//! let token = hex::decode("01B74FDB1B4430585734FF6410B36DF7E301")?; // a real antiforgery cookie token
//! match CoreValue::decode(ConsumerKind::Antiforgery, &token)? {
//!     CoreValue::Antiforgery(t) => assert!(t.is_cookie_token()),
//!     _ => unreachable!(),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod antiforgery;
pub mod identity_token;
#[cfg(feature = "temp-data")]
#[cfg_attr(docsrs, doc(cfg(feature = "temp-data")))]
pub mod temp_data;

use crate::dataprotection::consumers::ConsumerKind;
use crate::dataprotection::split_expiry;
use crate::formats::auth_ticket::{AuthProperties, AuthTicket, core as core_ticket};

pub use crate::error::{DecodeError, ValueError};
pub use antiforgery::AntiforgeryToken;
pub use identity_token::IdentityToken;
#[cfg(feature = "temp-data")]
pub use temp_data::TempData;

/// A consumer's plaintext, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CoreValue {
    /// A cookie-authentication, bearer or refresh ticket.
    Ticket(AuthTicket),
    /// An antiforgery cookie or request token.
    Antiforgery(AntiforgeryToken),
    /// The session key of a session cookie.
    Session(String),
    /// TempData (with the feature `temp-data`; without it TempData decodes to
    /// [`Bytes`](Self::Bytes)).
    #[cfg(feature = "temp-data")]
    TempData(TempData),
    /// An Identity token.
    IdentityToken(IdentityToken),
    /// OpenID Connect or OAuth `state`.
    State(AuthProperties),
    /// The OpenID Connect nonce.
    Nonce(String),
    /// A time-limited payload: its expiry and inner bytes.
    TimeLimited {
        /// The embedded expiry.
        expires: time::OffsetDateTime,
        /// The bytes after the expiry header.
        inner: Vec<u8>,
    },
    /// Bytes this crate does not decode for the consumer (SystemWeb values, Twitter's
    /// request token, unknown chains).
    Bytes(Vec<u8>),
}

impl CoreValue {
    /// Decodes `plaintext` as the consumer of `kind` writes it.
    ///
    /// # Errors
    /// [`DecodeError`] naming the offset when the bytes are not that consumer's layout.
    ///
    /// # Example
    /// See the [module documentation](self).
    pub fn decode(kind: ConsumerKind, plaintext: &[u8]) -> Result<Self, DecodeError> {
        let text = |what| {
            core::str::from_utf8(plaintext)
                .map(str::to_owned)
                .map_err(|e| ValueError::new(what, e.valid_up_to(), "not UTF-8"))
        };
        Ok(match kind {
            ConsumerKind::Ticket => Self::Ticket(core_ticket::deserialize(plaintext)?),
            ConsumerKind::Antiforgery => Self::Antiforgery(AntiforgeryToken::parse(plaintext)?),
            ConsumerKind::Session => Self::Session(text("session key")?),
            #[cfg(feature = "temp-data")]
            ConsumerKind::TempData => Self::TempData(TempData::parse(plaintext)?),
            ConsumerKind::IdentityToken => Self::IdentityToken(IdentityToken::parse(plaintext)?),
            ConsumerKind::State => Self::State(core_ticket::deserialize_properties(plaintext)?),
            ConsumerKind::Nonce => Self::Nonce(text("OpenID Connect nonce")?),
            ConsumerKind::TimeLimited => {
                let (expires, inner) = split_expiry(plaintext).ok_or_else(|| {
                    ValueError::new("time-limited payload", 0, "no valid 8-byte expiry header")
                })?;
                Self::TimeLimited {
                    expires,
                    inner: inner.to_vec(),
                }
            }
            _ => Self::Bytes(plaintext.to_vec()),
        })
    }
}

/// As JSON: an object whose `kind` names the variant (`ticket`, `antiforgery`, `session`,
/// `temp_data`, `identity_token`, `state`, `nonce`, `time_limited`, `bytes`) beside its
/// fields; dates are RFC 3339 text, bytes upper-case hex.
///
/// # Example
/// ```
/// use machinekey::dataprotection::consumers::ConsumerKind;
/// use machinekey::formats::aspnetcore::CoreValue;
/// let session = CoreValue::decode(ConsumerKind::Session, b"7f0c2b9e-session")?;
/// assert_eq!(serde_json::to_value(&session)?,
///            serde_json::json!({"kind": "session", "session_key": "7f0c2b9e-session"}));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl serde::Serialize for CoreValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let date = |t: &time::OffsetDateTime| {
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        let mut m = s.serialize_map(None)?;
        match self {
            Self::Ticket(t) => {
                m.serialize_entry("kind", "ticket")?;
                m.serialize_entry("ticket", t)?;
            }
            Self::Antiforgery(t) => {
                m.serialize_entry("kind", "antiforgery")?;
                m.serialize_entry(
                    "token",
                    if t.is_cookie_token() {
                        "cookie"
                    } else {
                        "request"
                    },
                )?;
                m.serialize_entry("security_token", &hex::encode_upper(t.security_token))?;
                if let Some(r) = &t.request {
                    m.serialize_entry("user", &r.user)?;
                    m.serialize_entry("additional_data", &r.additional_data)?;
                }
            }
            Self::Session(key) => {
                m.serialize_entry("kind", "session")?;
                m.serialize_entry("session_key", key)?;
            }
            #[cfg(feature = "temp-data")]
            Self::TempData(t) => {
                m.serialize_entry("kind", "temp_data")?;
                m.serialize_entry("entries", &t.entries)?;
            }
            Self::IdentityToken(t) => {
                m.serialize_entry("kind", "identity_token")?;
                m.serialize_entry("created", &date(&t.created))?;
                m.serialize_entry("user_id", &t.user_id)?;
                m.serialize_entry("purpose", &t.purpose)?;
                m.serialize_entry("security_stamp", &t.security_stamp)?;
                m.serialize_entry(
                    "expires_default_lifespan",
                    &date(&t.expires(identity_token::DEFAULT_LIFESPAN)),
                )?;
            }
            Self::State(p) => {
                m.serialize_entry("kind", "state")?;
                m.serialize_entry("items", &p.items)?;
            }
            Self::Nonce(n) => {
                m.serialize_entry("kind", "nonce")?;
                m.serialize_entry("nonce", n)?;
            }
            Self::TimeLimited { expires, inner } => {
                m.serialize_entry("kind", "time_limited")?;
                m.serialize_entry("expires", &date(expires))?;
                m.serialize_entry("inner_hex", &hex::encode_upper(inner))?;
            }
            Self::Bytes(b) => {
                m.serialize_entry("kind", "bytes")?;
                m.serialize_entry("hex", &hex::encode_upper(b))?;
            }
        }
        m.end()
    }
}

/// A `BinaryReader` over untrusted bytes: 7-bit-length strings (strict UTF-8, as
/// `new UTF8Encoding(false, true)` reads them), fixed-size fields, and the offset of each
/// failure.
pub(crate) struct Reader<'a> {
    what: &'static str,
    bytes: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(what: &'static str, bytes: &'a [u8]) -> Self {
        Self {
            what,
            bytes,
            pos: 0,
        }
    }

    pub(crate) fn fail<T>(&self, at: usize, reason: &'static str) -> Result<T, ValueError> {
        Err(ValueError::new(self.what, at, reason))
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], ValueError> {
        let start = self.pos;
        match start.checked_add(n).and_then(|e| self.bytes.get(start..e)) {
            Some(s) => {
                self.pos = start + n;
                Ok(s)
            }
            None => self.fail(start, "the data ends inside a field"),
        }
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], ValueError> {
        let start = self.pos;
        let b = self.take(N)?;
        <[u8; N]>::try_from(b).or_else(|_| self.fail(start, "the data ends inside a field"))
    }

    pub(crate) fn byte(&mut self) -> Result<u8, ValueError> {
        let [b] = self.array::<1>()?;
        Ok(b)
    }

    pub(crate) fn string(&mut self) -> Result<String, ValueError> {
        let start = self.pos;
        let rest = self.bytes.get(start..).unwrap_or_default();
        let Some((n, after)) = crate::binary::read_7bit(rest) else {
            return self.fail(start, "a bad string length");
        };
        self.pos = start + (rest.len() - after.len());
        let at = self.pos;
        let b = self.take(n)?;
        match core::str::from_utf8(b) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => self.fail(at, "a string that is not UTF-8"),
        }
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }
}

/// `BinaryWriter.Write(string)`: 7-bit byte length, UTF-8.
pub(crate) fn write_string(out: &mut Vec<u8>, s: &str) {
    crate::binary::write_7bit(out, s.len());
    out.extend_from_slice(s.as_bytes());
}
