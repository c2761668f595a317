//! The text encodings ASP.NET puts protected bytes in: upper-case hex, Base64 and
//! `UrlToken` (spec §7.7), plus the quirky legacy hex table used for `<machineKey>` values
//! (spec §1.3 step 5).

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

/// Encodes bytes as `HttpServerUtility.UrlTokenEncode` does (spec §7.7): Base64 with `+`
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

/// Decodes `HttpServerUtility.UrlTokenDecode` text (spec §7.7). The last character must
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

/// Why [`legacy_hex_decode`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LegacyHexError {
    /// A character above `'f'` (0x66), at this UTF-16 position.
    BadCharacter(usize),
    /// An odd number of characters.
    OddLength,
}

/// Decodes a `<machineKey>` hex string with the legacy table of
/// `MachineKeySection.HexStringToByteArray` (spec §1.3 step 5).
///
/// ASPNET QUIRK: the table has 103 entries, indexed by character code 0x00..=0x66. Digits and
/// `a-f`/`A-F` map to their values; **every other character up to `'f'` maps to 0** (so
/// `G`-`Z`, `:` or a space decode as a zero nibble, as the source comment admits). Only a
/// character above `'f'` fails.
pub(crate) fn legacy_hex_decode(text: &str) -> Result<Vec<u8>, LegacyHexError> {
    let units: Vec<u16> = text.encode_utf16().collect();
    if units.len() % 2 != 0 {
        return Err(LegacyHexError::OddLength);
    }
    let nibble = |position: usize, unit: u16| -> Result<u8, LegacyHexError> {
        let value = match unit {
            0x30..=0x39 => unit - 0x30,
            0x41..=0x46 => unit - 0x41 + 10,
            0x61..=0x66 => unit - 0x61 + 10,
            0x00..=0x66 => 0,
            _ => return Err(LegacyHexError::BadCharacter(position)),
        };
        u8::try_from(value).map_err(|_| LegacyHexError::BadCharacter(position))
    };
    units
        .chunks_exact(2)
        .enumerate()
        .map(|(i, pair)| match pair {
            [hi, lo] => Ok((nibble(2 * i, *hi)? << 4) | nibble(2 * i + 1, *lo)?),
            _ => Err(LegacyHexError::OddLength),
        })
        .collect()
}

/// Strict hex as Framework45's `CryptoUtil.HexToBinary` reads it: an even number of
/// characters, every one a hex digit of either case. `None` otherwise.
pub(crate) fn strict_hex_decode(text: &str) -> Option<Vec<u8>> {
    hex::decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_table_quirk() {
        // 'G', 'Z', ':' and ' ' decode as 0; 'g' (0x67) fails.
        assert_eq!(legacy_hex_decode("0G").unwrap(), vec![0x00]);
        assert_eq!(legacy_hex_decode("Z1").unwrap(), vec![0x01]);
        assert_eq!(legacy_hex_decode(": ").unwrap(), vec![0x00]);
        assert_eq!(legacy_hex_decode("aF").unwrap(), vec![0xAF]);
        assert_eq!(
            legacy_hex_decode("0g"),
            Err(LegacyHexError::BadCharacter(1))
        );
        assert_eq!(
            legacy_hex_decode("é0"),
            Err(LegacyHexError::BadCharacter(0))
        );
        assert_eq!(legacy_hex_decode("abc"), Err(LegacyHexError::OddLength));
    }

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
