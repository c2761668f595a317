//! The text encodings ASP.NET puts protected bytes in: upper-case hex, Base64 and
//! `UrlToken` (`HttpServerUtility.UrlTokenEncode`).

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::error::{ArgumentError, Encoding, Error};

/// Base64 as `Convert.ToBase64String` writes it and `Convert.FromBase64String` reads it
/// (padding required; non-zero trailing bits accepted, as .NET accepts them).
const DOTNET_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

/// Encodes bytes as upper-case hex (`CryptoUtil.BinaryToHex`), as forms-authentication
/// cookies, `MachineKey.Encode` and generated keys are written.
///
/// # Example
/// ```
/// assert_eq!(machinekey::crypto::encoding::to_upper_hex(&[0xAB, 0x01]), "AB01");
/// ```
#[must_use]
pub fn to_upper_hex(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

/// Decodes hex of either case (`CryptoUtil.HexToBinary`).
///
/// # Errors
/// [`Error::Malformed`] for an odd length or a non-hex character.
///
/// # Example
/// ```
/// use machinekey::crypto::encoding::from_hex;
/// assert_eq!(from_hex("aB01")?, vec![0xAB, 0x01]);
/// assert!(from_hex("ABC").is_err());
/// # Ok::<(), machinekey::Error>(())
/// ```
pub fn from_hex(text: &str) -> Result<Vec<u8>, Error> {
    hex::decode(text).map_err(|_| Error::Malformed(Encoding::Hex))
}

/// Encodes bytes as standard Base64 with padding (`Convert.ToBase64String`), the form of
/// the `__VIEWSTATE` field.
///
/// # Example
/// ```
/// assert_eq!(machinekey::crypto::encoding::to_base64(b"\xff\x01"), "/wE=");
/// ```
#[must_use]
pub fn to_base64(bytes: &[u8]) -> String {
    DOTNET_BASE64.encode(bytes)
}

/// Decodes standard Base64 as `Convert.FromBase64String` does: white space (space, tab,
/// CR, LF) is ignored and padding is required.
///
/// # Errors
/// [`Error::Malformed`] if the text is not valid Base64.
///
/// # Example
/// ```
/// assert_eq!(machinekey::crypto::encoding::from_base64("/wE=")?, b"\xff\x01");
/// # Ok::<(), machinekey::Error>(())
/// ```
pub fn from_base64(text: &str) -> Result<Vec<u8>, Error> {
    let malformed = || Error::Malformed(Encoding::Base64);
    if text
        .bytes()
        .any(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    {
        let compact: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '\t' | '\r' | '\n'))
            .collect();
        DOTNET_BASE64.decode(compact).map_err(|_| malformed())
    } else {
        DOTNET_BASE64.decode(text).map_err(|_| malformed())
    }
}

/// Encodes bytes as ASP.NET Core's `WebEncoders.Base64UrlEncode` does: RFC 4648 §5
/// alphabet (`-`, `_`), no padding. Data Protection text (`CfDJ8…`) is written this way.
///
/// # Example
/// ```
/// use machinekey::crypto::encoding::to_base64url;
/// assert_eq!(to_base64url(&[0x09, 0xF0, 0xC9, 0xF0]), "CfDJ8A");
/// ```
#[must_use]
pub fn to_base64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes as `WebEncoders.Base64UrlDecode` does: Base64url without padding (a length of
/// 1 mod 4 is malformed); as on .NET 9 and later, standard Base64 with `+`, `/` and padding
/// is accepted too when the text has no `-` or `_`, but not a mix of both alphabets.
///
/// # Errors
/// [`Error::Malformed`] with [`Encoding::Base64Url`].
///
/// # Example
/// ```
/// use machinekey::crypto::encoding::from_base64url;
/// assert_eq!(from_base64url("CfDJ8A")?, [0x09, 0xF0, 0xC9, 0xF0]);
/// assert_eq!(from_base64url("-_8")?, from_base64url("+/8=")?);
/// assert!(from_base64url("-/8").is_err());
/// # Ok::<(), machinekey::Error>(())
/// ```
pub fn from_base64url(text: &str) -> Result<Vec<u8>, Error> {
    let malformed = || Error::Malformed(Encoding::Base64Url);
    let url = text.contains(['-', '_']);
    let standard = text.contains(['+', '/']);
    if url && standard {
        return Err(malformed());
    }
    let alphabet = if standard {
        &alphabet::STANDARD
    } else {
        &alphabet::URL_SAFE
    };
    GeneralPurpose::new(
        alphabet,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    )
    .decode(text)
    .map_err(|_| malformed())
}

/// Encodes bytes as `HttpServerUtility.UrlTokenEncode` does (`HttpServerUtility.UrlTokenEncode`): Base64 with `+`
/// and `/` mapped to `-` and `_`, the `=` padding removed and its count appended as one
/// digit. Empty input gives an empty string.
///
/// # Example
/// ```
/// use machinekey::crypto::encoding::url_token_encode;
/// assert_eq!(url_token_encode(b"\xfb\xff"), "-_81");
/// assert_eq!(url_token_encode(b""), "");
/// ```
#[must_use]
pub fn url_token_encode(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    let b64 = DOTNET_BASE64.encode(bytes);
    let trimmed = b64.trim_end_matches('=');
    let pads = b64.len() - trimmed.len();
    let mut out: String = trimmed
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            other => other,
        })
        .collect();
    // `pads` is 0, 1 or 2.
    out.push(match pads {
        1 => '1',
        2 => '2',
        _ => '0',
    });
    out
}

/// Decodes `HttpServerUtility.UrlTokenDecode` text. The last character must
/// be a digit giving the number of `=` to restore; empty text decodes to no bytes, as in
/// ASP.NET.
///
/// # Errors
/// [`Error::Malformed`] if the last character is not a digit or the rest is not Base64.
///
/// # Example
/// ```
/// use machinekey::crypto::encoding::url_token_decode;
/// assert_eq!(url_token_decode("-_81")?, b"\xfb\xff");
/// assert!(url_token_decode("-_8").is_err());
/// # Ok::<(), machinekey::Error>(())
/// ```
pub fn url_token_decode(text: &str) -> Result<Vec<u8>, Error> {
    let malformed = || Error::Malformed(Encoding::UrlToken);
    let Some(last) = text.chars().last() else {
        return Ok(Vec::new());
    };
    let pads = last.to_digit(10).ok_or_else(malformed)?;
    let body = text
        .get(..text.len() - last.len_utf8())
        .ok_or_else(malformed)?;
    let mut b64: String = body
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            other => other,
        })
        .collect();
    for _ in 0..pads {
        b64.push('=');
    }
    DOTNET_BASE64.decode(b64).map_err(|_| malformed())
}

/// One reading of a protected value's text: which form it was in and the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodedValue {
    /// The text form.
    pub encoding: Encoding,
    /// Whether the text was percent-encoded first (copied from a URL or a form body).
    pub percent_decoded: bool,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Hex text at least this long is taken as hex alone: Base64 of real data this long
/// contains a character outside `0-9A-Fa-f` with overwhelming probability.
const CERTAINLY_HEX: usize = 16;

/// Every plausible reading of a protected value as a user copies it, most likely first:
/// hex (forms cookies, `MachineKey.Encode`), Base64 (`__VIEWSTATE`), `UrlToken` (`.axd`
/// `d=` values, cookieless tickets, MVC anti-forgery tokens), Base64url with or without
/// padding, and Base64 without padding; each of them possibly percent-encoded (`%2F`,
/// `%3D`, `%2B`, as copied from a URL or a POST body), wrapped over lines, or with `+`
/// turned into spaces by a form decoder.
///
/// A text can have more than one reading (a `UrlToken` is also Base64url text), so callers
/// try each in turn and let the MAC decide; no reading is ever accepted unverified.
///
/// # Errors
/// [`ArgumentError::EmptyValue`] for empty text; [`Error::Malformed`] with [`Encoding::Any`]
/// when no form fits.
///
/// # Example
/// ```
/// use machinekey::Encoding;
/// use machinekey::crypto::encoding::decode_value;
/// let r = decode_value("%2FwE%3D")?; // "/wE=" from a POST body
/// assert_eq!((r[0].encoding, r[0].percent_decoded, r[0].bytes.as_slice()), (Encoding::Base64, true, &b"\xff\x01"[..]));
/// assert_eq!(decode_value("_wE1")?[0].encoding, Encoding::UrlToken);
/// assert_eq!(decode_value("FF01FF01FF01FF01")?.len(), 1); // hex, and nothing else
/// # Ok::<(), machinekey::Error>(())
/// ```
pub fn decode_value(text: &str) -> Result<Vec<DecodedValue>, Error> {
    let trimmed = text.trim().trim_matches('"');
    if trimmed.is_empty() {
        return Err(ArgumentError::EmptyValue.into());
    }
    let mut readings = Vec::new();
    let percent_decoded = percent_escaped(trimmed);
    if percent_decoded {
        if let Ok(plain) = percent_encoding::percent_decode_str(trimmed).decode_utf8() {
            readings_of(&compact(&plain), true, &mut readings);
        }
    }
    readings_of(&compact(trimmed), false, &mut readings);
    if readings.is_empty() {
        Err(Error::Malformed(Encoding::Any))
    } else {
        Ok(readings)
    }
}

/// Whether `text` holds a `%XX` escape.
fn percent_escaped(text: &str) -> bool {
    text.as_bytes()
        .windows(3)
        .any(|w| matches!(w, [b'%', a, b] if a.is_ascii_hexdigit() && b.is_ascii_hexdigit()))
}

/// Line breaks and tabs dropped; spaces back to the `+` a form decoder turned into them.
fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\r' | '\n' | '\t'))
        .map(|c| if c == ' ' { '+' } else { c })
        .collect()
}

fn readings_of(text: &str, percent_decoded: bool, out: &mut Vec<DecodedValue>) {
    let mut push = |encoding, bytes: Vec<u8>| {
        if !bytes.is_empty() && !out.iter().any(|r: &DecodedValue| r.bytes == bytes) {
            out.push(DecodedValue {
                encoding,
                percent_decoded,
                bytes,
            });
        }
    };
    if let Ok(bytes) = from_hex(text) {
        let certain = text.len() >= CERTAINLY_HEX;
        push(Encoding::Hex, bytes);
        if certain {
            return;
        }
    }
    if let Ok(bytes) = from_base64(text) {
        push(Encoding::Base64, bytes);
    }
    if !text.contains(['+', '/', '=']) {
        if let Ok(bytes) = url_token_decode(text) {
            push(Encoding::UrlToken, bytes);
        }
    }
    let lenient = |alphabet| {
        GeneralPurpose::new(
            alphabet,
            GeneralPurposeConfig::new()
                .with_decode_padding_mode(DecodePaddingMode::Indifferent)
                .with_decode_allow_trailing_bits(true),
        )
    };
    if let Ok(bytes) = lenient(&alphabet::URL_SAFE).decode(text) {
        push(Encoding::Base64Url, bytes);
    }
    if let Ok(bytes) = lenient(&alphabet::STANDARD).decode(text) {
        push(Encoding::Base64, bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_token_matches_spec() {
        for (bytes, token) in [
            (&b"a"[..], "YQ2"),
            (b"ab", "YWI1"),
            (b"abc", "YWJj0"),
            (b"\xfb\xff\xbf", "-_-_0"),
        ] {
            assert_eq!(url_token_encode(bytes), token);
            assert_eq!(url_token_decode(token).unwrap(), bytes);
        }
        assert!(url_token_decode("YQ").is_err());
        assert!(url_token_decode("YQ9").is_err());
        assert!(url_token_decode("é").is_err());
    }

    #[test]
    fn base64_ignores_whitespace_and_requires_padding() {
        assert_eq!(from_base64("/w\r\nE=").unwrap(), b"\xff\x01");
        assert!(from_base64("/wE").is_err());
    }
}
