//! The text forms a Data Protection payload travels in, as real ASP.NET Core writes them:
//! Base64url (`WebEncoders.Base64UrlEncode`: `IDataProtector.Protect(string)`, the cookie
//! middleware, antiforgery, TempData, OpenID Connect and OAuth `state`), standard Base64
//! (`Convert.ToBase64String`: Identity's tokens; the session cookie with its `=` padding
//! trimmed), either of them percent-encoded (`Uri.EscapeDataString`, which
//! `ResponseCookies.Append` applies to every cookie value, so the session cookie reaches
//! the browser as `…%2B…%2F…`), and the `\u002B` JSON escapes of Blazor's page markers.
//!
//! Proved on real output: `tests/aspnetcore_real.rs` opens the session cookie exactly as a
//! Kestrel app sent it (`.AspNetCore.Session=CfDJ8…%2B…`), an Identity token in standard
//! Base64 and as escaped in a link, and Base64url values of every other consumer.

use crate::error::{ArgumentError, Encoding, Error};

/// How a payload's bytes were written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PayloadEncoding {
    /// Base64url without padding (`-`, `_`): `WebEncoders.Base64UrlEncode`.
    Base64Url,
    /// Standard Base64 (`+`, `/`), with or without its `=` padding: `Convert.ToBase64String`.
    Base64,
}

impl core::fmt::Display for PayloadEncoding {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Base64Url => "Base64url",
            Self::Base64 => "standard Base64",
        })
    }
}

/// A payload read from its text: the bytes and how they were written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayloadText {
    /// The protected bytes (`09 F0 C9 F0`, key id, body, when it is a payload).
    pub bytes: Vec<u8>,
    /// The alphabet.
    pub encoding: PayloadEncoding,
    /// Whether `%XX` escapes were decoded first (a cookie value as sent, a URL, a form body).
    pub percent_decoded: bool,
    /// Whether `\u002B`-style JSON escapes were decoded first (a value copied from JSON or a
    /// Blazor marker).
    pub json_unescaped: bool,
}

/// The longest payload text read (1 MiB): far above any cookie or header.
pub const MAX_PAYLOAD_TEXT: usize = 1 << 20;

/// Reads a payload's text in any of the forms real ASP.NET Core writes: Base64url
/// (`WebEncoders.Base64UrlEncode`: `IDataProtector.Protect(string)`, cookie tickets,
/// antiforgery, TempData, OpenID Connect and OAuth `state`), standard Base64
/// (`Convert.ToBase64String`: Identity's tokens; the session cookie with its `=` trimmed),
/// either one percent-encoded (`ResponseCookies.Append` escapes every cookie value, so the
/// session cookie is sent as `…%2B…%2F…`), or with the `\u002B` escapes of JSON (Blazor's
/// markers). Proved on the real values of `tests/aspnetcore_real.rs`, the session cookie as a
/// Kestrel app sent it among them. Surrounding white space and quotes are dropped, line
/// breaks inside are ignored, and a space is read as the `+` a form decoder turned into one.
/// The alphabet follows the characters: `-` or `_` is Base64url, `+`, `/` or `=` standard
/// Base64 (a text with both is malformed); text with none of them decodes the same either way.
///
/// # Errors
/// [`Error::InvalidArgument`] for empty text or text over [`MAX_PAYLOAD_TEXT`];
/// [`Error::Malformed`] when it is not Base64 of either alphabet.
///
/// # Example
/// ```
/// use machinekey::dataprotection::{PayloadEncoding, decode_payload_text};
/// let sent = decode_payload_text("CfDJ8Pv%2Fvz4")?; // as a session cookie reaches the browser
/// assert_eq!((sent.encoding, sent.percent_decoded), (PayloadEncoding::Base64, true));
/// assert_eq!(sent.bytes, [0x09, 0xF0, 0xC9, 0xF0, 0xFB, 0xFF, 0xBF, 0x3E]);
/// assert_eq!(decode_payload_text("CfDJ8Pv_vz4")?.bytes, sent.bytes);
/// assert_eq!(decode_payload_text(r"CfDJ8Pv\u002Fvz4=")?.bytes, sent.bytes);
/// assert!(decode_payload_text("CfDJ8Pv_/z4").is_err());
/// # Ok::<(), machinekey::Error>(())
/// ```
pub fn decode_payload_text(text: &str) -> Result<PayloadText, Error> {
    if text.len() > MAX_PAYLOAD_TEXT {
        return Err(ArgumentError::ValueTooLong {
            limit: MAX_PAYLOAD_TEXT,
        }
        .into());
    }
    let trimmed = text.trim().trim_matches('"').trim();
    if trimmed.is_empty() {
        return Err(ArgumentError::EmptyValue.into());
    }
    let (unescaped, json_unescaped) = json_unescape(trimmed);
    let (decoded, percent_decoded) = if percent_escaped(&unescaped) {
        match percent_encoding::percent_decode_str(&unescaped).decode_utf8() {
            Ok(d) => (d.into_owned(), true),
            Err(_) => return Err(Error::Malformed(Encoding::Base64Url)),
        }
    } else {
        (unescaped, false)
    };
    let compact: String = decoded
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n' | '\t'))
        .map(|c| if c == ' ' { '+' } else { c })
        .collect();
    let url = compact.contains(['-', '_']);
    let standard = compact.contains(['+', '/', '=']);
    let (encoding, alphabet, named) = match (url, standard) {
        (true, true) => return Err(Error::Malformed(Encoding::Base64Url)),
        (false, true) => (
            PayloadEncoding::Base64,
            &base64::alphabet::STANDARD,
            Encoding::Base64,
        ),
        _ => (
            PayloadEncoding::Base64Url,
            &base64::alphabet::URL_SAFE,
            Encoding::Base64Url,
        ),
    };
    let engine = base64::engine::GeneralPurpose::new(
        alphabet,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let bytes =
        base64::Engine::decode(&engine, compact.as_bytes()).map_err(|_| Error::Malformed(named))?;
    Ok(PayloadText {
        bytes,
        encoding,
        percent_decoded,
        json_unescaped,
    })
}

/// Whether `text` holds a `%XX` escape.
fn percent_escaped(text: &str) -> bool {
    text.as_bytes()
        .windows(3)
        .any(|w| matches!(w, [b'%', a, b] if a.is_ascii_hexdigit() && b.is_ascii_hexdigit()))
}

/// The JSON escapes of the Base64 characters (`System.Text.Json` writes `+` as `\u002B`;
/// `\/` is legal JSON for `/`), decoded.
fn json_unescape(text: &str) -> (String, bool) {
    if !text.contains('\\') {
        return (text.to_owned(), false);
    }
    let mut out = text.to_owned();
    for (escape, plain) in [
        ("\\u002B", "+"),
        ("\\u002b", "+"),
        ("\\u002F", "/"),
        ("\\u002f", "/"),
        ("\\u003D", "="),
        ("\\u003d", "="),
        ("\\/", "/"),
    ] {
        out = out.replace(escape, plain);
    }
    let changed = out != text;
    (out, changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimmed_padding_and_spaces_read_as_base64() {
        let r = decode_payload_text(" \"/wE\" ").unwrap_or_else(|_| unreachable!());
        assert_eq!(r.bytes, [0xFF, 0x01]);
        assert_eq!(r.encoding, PayloadEncoding::Base64);
        // A `+` turned into a space by a form decoder.
        let plus = decode_payload_text("ab+w").map(|r| r.bytes);
        assert!(plus.is_ok());
        assert_eq!(decode_payload_text("ab w").map(|r| r.bytes).ok(), plus.ok());
    }

    #[test]
    fn refuses_what_is_not_base64() {
        assert!(decode_payload_text("").is_err());
        assert!(decode_payload_text("a").is_err());
        assert!(decode_payload_text("ab*d").is_err());
        assert!(decode_payload_text("%FF%FE").is_err());
        assert!(decode_payload_text(&"A".repeat(MAX_PAYLOAD_TEXT + 1)).is_err());
    }
}
