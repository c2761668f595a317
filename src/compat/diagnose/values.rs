//! Values pasted along with the logs: a cookie (`name=value`), a `Cookie:` or `Set-Cookie:`
//! header, an antiforgery request token, a bare `CfDJ8…` value, percent-encoded or not. Each
//! is read only as far as its header: the key id that protected it, and what its cookie name
//! says (the antiforgery cookie's name hashes the application discriminator of the replica
//! that set it). The value itself is never kept.

use serde::Serialize;

use super::facts::Consumer;
use crate::crypto::encoding::decode_value;
use crate::dataprotection::consumers::{ANTIFORGERY_COOKIE_PREFIX, SESSION_COOKIE_NAME};
use crate::dataprotection::{KeyId, PayloadHeader};

/// The longest pasted text read (a `Cookie:` header of many chunks).
pub const MAX_VALUE_TEXT: usize = 64 * 1024;

/// The bytes of a pasted value, kept only to try opening them with the rings given; never
/// shown, printed or serialized.
#[derive(Clone, PartialEq, Eq, Default)]
pub(super) struct Payload(pub(super) Vec<u8>);

impl core::fmt::Debug for Payload {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// What a pasted value says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PastedValue {
    /// The cookie's name, when it was pasted with one.
    pub cookie: Option<String>,
    /// What it is, from the cookie's name.
    pub consumer: Consumer,
    /// The key that protected it (from its `09 F0 C9 F0` header).
    pub key: Option<KeyId>,
    /// Why the key could not be read, when it could not.
    pub unreadable: Option<&'static str>,
    /// Under which application discriminator and purposes a ring given opened it, when one
    /// did (filled in by the diagnosis).
    pub opened: Option<Opened>,
    #[serde(skip)]
    pub(super) payload: Payload,
}

/// How a ring given opened a pasted value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Opened {
    /// The ring.
    pub ring: String,
    /// The application discriminator the value was made under.
    pub discriminator: String,
    /// The consumer's purposes after it.
    pub purposes: Vec<String>,
}

/// Reads every value in `text`: one bare value, `name=value`, or a header of several cookies.
#[must_use]
pub fn read_values(text: &str) -> Vec<PastedValue> {
    let text = text
        .get(..text.len().min(MAX_VALUE_TEXT))
        .unwrap_or(text)
        .trim();
    let pairs: Vec<&str> = if let Some(h) = strip_ci(text, "set-cookie:") {
        // The cookie, then its attributes.
        h.split(';').take(1).collect()
    } else if let Some(h) = strip_ci(text, "cookie:") {
        h.split(';').collect()
    } else if looks_like_pairs(text) {
        text.split(';').collect()
    } else {
        vec![text]
    };
    let mut out = Vec::new();
    for pair in pairs.into_iter().take(256) {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let (cookie, value) = match split_pair(pair) {
            Some((n, v)) => (Some(n.to_owned()), v),
            None => (None, pair),
        };
        if cookie.as_deref().is_some_and(is_attribute) {
            continue;
        }
        // `chunks-N` is the chunked cookie's index, not a value.
        if value.starts_with("chunks-") {
            continue;
        }
        let consumer = cookie
            .as_deref()
            .map_or(Consumer::Unknown, consumer_of_cookie);
        let (key, unreadable, payload) = key_of(value);
        out.push(PastedValue {
            cookie,
            consumer,
            key,
            unreadable,
            opened: None,
            payload: Payload(payload),
        });
    }
    out
}

fn strip_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..).unwrap_or_default())
}

fn looks_like_pairs(text: &str) -> bool {
    split_pair(text.split(';').next().unwrap_or_default()).is_some()
}

/// `name=value` where the name is a cookie name (not the `=` padding of Base64).
fn split_pair(pair: &str) -> Option<(&str, &str)> {
    let (name, value) = pair.split_once('=')?;
    let name = name.trim();
    let ok = !name.is_empty()
        && !name.starts_with("CfDJ8")
        && name.len() <= 256
        && name
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '/' | '+' | '='))
        && !value.trim().is_empty();
    ok.then_some((name, value.trim()))
}

fn is_attribute(name: &str) -> bool {
    [
        "path", "domain", "expires", "max-age", "samesite", "secure", "httponly",
    ]
    .iter()
    .any(|a| name.eq_ignore_ascii_case(a))
}

/// What a cookie's name says it holds.
#[must_use]
pub fn consumer_of_cookie(name: &str) -> Consumer {
    if name.starts_with(ANTIFORGERY_COOKIE_PREFIX) {
        Consumer::Antiforgery
    } else if name == SESSION_COOKIE_NAME || name.ends_with(".Session") {
        Consumer::Session
    } else if name.contains("TempData") {
        Consumer::TempData
    } else if name.starts_with(".AspNetCore.Correlation")
        || name.starts_with(".AspNetCore.OpenIdConnect")
    {
        Consumer::OpenIdConnect
    } else if name.starts_with(".AspNetCore.") || name.contains("Identity") {
        Consumer::CookieAuthentication
    } else {
        Consumer::Unknown
    }
}

fn key_of(value: &str) -> (Option<KeyId>, Option<&'static str>, Vec<u8>) {
    let Ok(readings) = decode_value(value) else {
        return (None, Some("not Base64, Base64url or hex"), Vec::new());
    };
    for r in readings {
        if let Ok(h) = PayloadHeader::parse(&r.bytes) {
            return (Some(h.key_id), None, r.bytes);
        }
    }
    (
        None,
        Some("no Data Protection header (09 F0 C9 F0)"),
        Vec::new(),
    )
}
