//! Data Protection values in the text forms pages carry them in: Base64url (`CfDJ8…`, most
//! consumers), standard Base64 (the session cookie, Blazor's markers, SystemWeb ViewState,
//! Identity tokens), percent-encoded (`%2B`, `%2F`, `%3D` in cookies and URLs), JSON-escaped
//! (`\u002B` in Blazor's markers, `\/`), HTML-escaped (`&#x2B;` in Razor attributes), and
//! upper-case hex (`09F0C9F0…`, a SystemWeb forms ticket).
//!
//! The key id is read from the first 27 characters without decoding the rest, so a value
//! under an unknown key costs one hash look-up and no allocation.

use crate::dataprotection::MAGIC_HEADER;

/// The Base64 value of each byte, for both alphabets (`+`/`-` are 62, `/`/`_` are 63), or
/// `0xFF`.
#[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)] // constant, in range
const SEXTET: [u8; 256] = {
    let mut t = [0xFF_u8; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'+' as usize] = 62;
    t[b'-' as usize] = 62;
    t[b'/' as usize] = 63;
    t[b'_' as usize] = 63;
    t
};

/// How forgiving the reading of a value's end is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// A value given on its own (an argument, a batch line, a cookie value): spaces are the
    /// `+` a form decoder turned into them, line breaks and tabs are dropped.
    Given,
    /// A value found inside other text: it ends at the first character that cannot be part
    /// of it (a space included).
    Embedded,
}

/// The characters of a value's text with its escapes undone, up to the first character that
/// ends it.
struct Chars<'a> {
    bytes: &'a [u8],
    pos: usize,
    reading: Reading,
    /// Padding was read: only more padding can follow.
    padded: bool,
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Whether `b` can be a character of a value (Base64 of either alphabet, padding, hex).
fn is_value_char(b: u8) -> bool {
    SEXTET.get(usize::from(b)).is_some_and(|v| *v != 0xFF) || b == b'='
}

impl Chars<'_> {
    /// The escaped character at the cursor and its length, if it is an escape of a value
    /// character.
    fn escape(&self) -> Option<(u8, usize)> {
        let rest = self.bytes.get(self.pos..)?;
        let decoded = match rest {
            [b'%', a, b, ..] => Some(((hex_digit(*a)? << 4) | hex_digit(*b)?, 3)),
            [b'\\', b'/', ..] => Some((b'/', 2)),
            [b'\\', b'u' | b'U', b'0', b'0', a, b, ..] => {
                Some(((hex_digit(*a)? << 4) | hex_digit(*b)?, 6))
            }
            [b'&', b'#', b'x' | b'X', ..] => {
                let end = rest.iter().take(8).position(|c| *c == b';')?;
                let digits = rest.get(3..end)?;
                let mut v: u32 = 0;
                for d in digits {
                    v = v.checked_mul(16)? + u32::from(hex_digit(*d)?);
                }
                Some((u8::try_from(v).ok()?, end + 1))
            }
            [b'&', b'#', ..] => {
                let end = rest.iter().take(7).position(|c| *c == b';')?;
                let digits = core::str::from_utf8(rest.get(2..end)?).ok()?;
                Some((digits.parse::<u8>().ok()?, end + 1))
            }
            _ => None,
        }?;
        is_value_char(decoded.0).then_some(decoded)
    }
}

impl Iterator for Chars<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        let c = self.next_char()?;
        if self.padded && c != b'=' {
            return None;
        }
        self.padded |= c == b'=';
        Some(c)
    }
}

impl Chars<'_> {
    fn next_char(&mut self) -> Option<u8> {
        loop {
            let b = *self.bytes.get(self.pos)?;
            if is_value_char(b) {
                self.pos += 1;
                return Some(b);
            }
            match (b, self.reading) {
                (b' ', Reading::Given) => {
                    self.pos += 1;
                    return Some(b'+');
                }
                (b'\r' | b'\n' | b'\t', Reading::Given) => {
                    self.pos += 1;
                }
                (b'%' | b'\\' | b'&', _) => {
                    let (c, len) = self.escape()?;
                    self.pos += len;
                    return Some(c);
                }
                _ => return None,
            }
        }
    }
}

fn chars(text: &str, reading: Reading) -> Chars<'_> {
    let t = text.trim_start();
    let t = t.strip_prefix('"').unwrap_or(t);
    Chars {
        bytes: t.as_bytes(),
        pos: 0,
        reading,
        padded: false,
    }
}

/// Which text form a value is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// Base64 of either alphabet, starting `CfDJ8`.
    Base64,
    /// Hex, starting `09F0C9F0` (a SystemWeb forms ticket).
    Hex,
}

/// The form of `text`, from its first characters.
fn form(text: &str) -> Option<Form> {
    let t = text.trim_start();
    let t = t.strip_prefix('"').unwrap_or(t);
    if t.starts_with("CfDJ8") {
        Some(Form::Base64)
    } else if t
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("09F0C9F0"))
    {
        Some(Form::Hex)
    } else {
        None
    }
}

/// The 16 key-id bytes of the value `text` (in payload order), read from its first
/// characters only; `None` when the text does not start with a Data Protection header
/// (`CfDJ8…` or `09F0C9F0…`) of format version 0.
pub(crate) fn header_key_id(text: &str, reading: Reading) -> Option<[u8; 16]> {
    let mut header = [0u8; 20];
    match form(text)? {
        // The common case, 27 plain characters: decoded without the escape machinery.
        Form::Base64 if plain_prefix(text).is_some() => {
            let prefix = plain_prefix(text)?;
            let mut acc: u64 = 0;
            let mut bits = 0u32;
            let mut out = 0usize;
            for c in prefix {
                acc = (acc << 6) | u64::from(*SEXTET.get(usize::from(*c))?);
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    *header.get_mut(out)? = u8::try_from((acc >> bits) & 0xFF).ok()?;
                    out += 1;
                }
            }
        }
        Form::Base64 => {
            // 27 characters hold the 160 bits of the header.
            let mut acc: u32 = 0;
            let mut bits = 0u32;
            let mut out = 0usize;
            for c in chars(text, reading) {
                let v = *SEXTET.get(usize::from(c))?;
                if v == 0xFF {
                    return None;
                }
                acc = (acc << 6) | u32::from(v);
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    *header.get_mut(out)? = u8::try_from((acc >> bits) & 0xFF).ok()?;
                    out += 1;
                    if out == header.len() {
                        break;
                    }
                }
            }
            if out < header.len() {
                return None;
            }
        }
        Form::Hex => {
            let mut it = chars(text, reading);
            for byte in &mut header {
                let hi = hex_digit(it.next()?)?;
                let lo = hex_digit(it.next()?)?;
                *byte = (hi << 4) | lo;
            }
        }
    }
    let (magic, id) = header.split_first_chunk::<4>()?;
    if *magic != MAGIC_HEADER {
        return None;
    }
    <[u8; 16]>::try_from(id).ok()
}

/// The first 27 characters of a Base64 value when none of them is an escape or padding.
fn plain_prefix(text: &str) -> Option<&[u8]> {
    let t = text.trim_start();
    let t = t.strip_prefix('"').unwrap_or(t);
    let prefix = t.as_bytes().get(..27)?;
    prefix
        .iter()
        .all(|c| SEXTET.get(usize::from(*c)).is_some_and(|v| *v != 0xFF))
        .then_some(prefix)
}

/// The payload bytes of the value `text` in any of its forms, or `None` if it is not one.
pub(crate) fn payload_bytes(text: &str, reading: Reading) -> Option<Vec<u8>> {
    let form = form(text)?;
    let compact: Vec<u8> = chars(text, reading).collect();
    let compact = core::str::from_utf8(&compact).ok()?;
    match form {
        Form::Hex => crate::crypto::encoding::from_hex(compact).ok(),
        Form::Base64 => crate::crypto::encoding::from_base64url(compact).ok(),
    }
}

/// Where the value that starts at byte `start` of `text` ends (exclusive), reading it as
/// embedded in other text; and its characters with escapes undone.
pub(crate) fn embedded_value(text: &str, start: usize) -> (usize, String) {
    let rest = text.get(start..).unwrap_or_default();
    let mut it = Chars {
        bytes: rest.as_bytes(),
        pos: 0,
        reading: Reading::Embedded,
        padded: false,
    };
    let mut value: Vec<u8> = it.by_ref().collect();
    let mut end = start + it.pos;
    // Padding, or the value's last character, is followed by the text's next character,
    // which `next` read past; and an HTML comment's `--` of `-->` is not the value's.
    if it.padded || it.pos < rest.len() {
        end = start + value_len(rest, value.len());
    }
    if text.get(end..).is_some_and(|t| t.starts_with('>')) && value.ends_with(b"--") {
        value.truncate(value.len() - 2);
        end -= 2;
    }
    (end, String::from_utf8(value).unwrap_or_default())
}

/// How many bytes of `text` the first `chars` value characters (escapes undone) take.
fn value_len(text: &str, chars: usize) -> usize {
    let mut it = Chars {
        bytes: text.as_bytes(),
        pos: 0,
        reading: Reading::Embedded,
        padded: false,
    };
    for _ in 0..chars {
        if it.next_char().is_none() {
            break;
        }
    }
    it.pos
}

/// Whether `text` starts like a Data Protection value (`CfDJ8…` or `09F0C9F0…`).
pub(crate) fn looks_like_value(text: &str) -> bool {
    form(text).is_some()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    const ID: [u8; 16] = [
        0x7b, 0xf7, 0x7c, 0x65, 0x62, 0xe6, 0xe4, 0x48, 0x91, 0x2a, 0xc8, 0x0e, 0xdc, 0x60, 0xe5,
        0x6b,
    ];

    #[test]
    fn every_form_gives_the_same_key_id() {
        let url = "CfDJ8Hv3fGVi5uRIkSrIDtxg5WsAAQIDBAUGBwgJ-_8";
        for (text, reading) in [
            (url, Reading::Embedded),
            (
                "CfDJ8Hv3fGVi5uRIkSrIDtxg5WsAAQIDBAUGBwgJ+/8=",
                Reading::Embedded,
            ),
            (
                "CfDJ8Hv3fGVi5uRIkSrIDtxg5WsAAQIDBAUGBwgJ%2B%2F8%3D",
                Reading::Embedded,
            ),
            (
                "\"CfDJ8Hv3fGVi5uRIkSrIDtxg5WsAAQIDBAUGBwgJ\\u002B\\/8=\"",
                Reading::Embedded,
            ),
            (
                "CfDJ8Hv3fGVi5uRIkSrIDtxg5WsAAQIDBAUGBwgJ&#x2B;&#47;8=",
                Reading::Embedded,
            ),
            (
                "CfDJ8Hv3fGVi5uRIkSrI\r\nDtxg5WsAAQIDBAUGBwgJ /8=",
                Reading::Given,
            ),
            ("09F0C9F07BF77C6562E6E448912AC80EDC60E56B00", Reading::Given),
            ("09f0c9f07bf77c6562e6e448912ac80edc60e56b", Reading::Given),
        ] {
            assert_eq!(header_key_id(text, reading), Some(ID), "{text}");
            let bytes = payload_bytes(text, reading).unwrap();
            assert_eq!(&bytes[4..20], &ID, "{text}");
        }
        // Too short, another magic, a newer version nibble, a character that ends it early.
        for text in [
            "CfDJ8Hv3fGVi5uRIkSrIDtxg5",
            "CfDJ9Hv3fGVi5uRIkSrIDtxg5WsAAQ",
            "09F0C9F17BF77C6562E6E448912AC80EDC60E56B",
            "CfDJ8Hv3fGVi5uR IkSrIDtxg5WsAAQ",
            "/wEPDwUKLTE2",
        ] {
            assert_eq!(header_key_id(text, Reading::Embedded), None, "{text}");
        }
    }

    #[test]
    fn embedded_values_end_where_their_text_does() {
        let text = "x state=CfDJ8AB%2Bc&code=1";
        let start = text.find("CfDJ8").unwrap();
        assert_eq!(
            embedded_value(text, start),
            (start + 11, "CfDJ8AB+c".to_owned())
        );
        let json = r#""descriptor":"CfDJ8a\u002Bb/c="}"#;
        let start = json.find("CfDJ8").unwrap();
        let (end, value) = embedded_value(json, start);
        assert_eq!((&json[end..], value.as_str()), ("\"}", "CfDJ8a+b/c="));
        // An escape of something else ends the value.
        let text = "CfDJ8ab%22cd";
        assert_eq!(embedded_value(text, 0).1, "CfDJ8ab");
        // Padding ends it; so does the end of an HTML comment.
        assert_eq!(
            embedded_value("CfDJ8ab==cd", 0),
            (9, "CfDJ8ab==".to_owned())
        );
        assert_eq!(
            embedded_value("<!--x:CfDJ8abcd-->", 6),
            (15, "CfDJ8abcd".to_owned())
        );
    }
}
