//! The text encodings ASP.NET puts protected bytes in: upper-case hex, Base64 and
//! `UrlToken` (`HttpServerUtility.UrlTokenEncode`).

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::error::{Encoding, Error};

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
