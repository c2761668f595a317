//! The .NET string hashes that IsolateApps and the ViewState generator depend on
//! (`StringUtil.GetNonRandomizedStringComparerHashCode`; `CompareInfo.GetHashCodeOfString`; `StringUtil.GetNonRandomizedHashCode`).
//!
//! * [`invariant_ignore_case_hash`] computes `StringComparer.InvariantCultureIgnoreCase.GetHashCode`
//!   on .NET Framework, a DJB-style hash over the Windows **sort key** of the string. The sort
//!   key comes from the OS NLS tables, so it can only be reproduced offline for the characters
//!   whose weights are known: ASCII letters, digits and printable symbols except `'` and `-`
//!   (whose "word sort" weights are not reproducible from the table:
//!   UNVERIFIED). For any other character the function returns a [`StringHashError`] naming it,
//!   and the caller can supply the 32-bit value instead (see
//!   [`AppIdentity`](crate::keys::AppIdentity)); the error text gives the PowerShell line that
//!   prints it on a Windows machine.
//! * [`frozen_hash_ignore_case`] computes `StringUtil.GetStringHashCode(s.ToLowerInvariant())`, the
//!   frozen copy of the 32-bit `String.GetHashCode`, used for the ViewState generator only
//!   when `aspnet:UseRandomizedStringHashAlgorithm` is on.

pub use crate::error::StringHashError;

/// Primary sort weights (script member, alphabetic weight) of printable ASCII for the
/// invariant locale, ignoring case (`CompareInfo.GetHashCodeOfString`). `None` for `'` and `-`.
const fn primary_weight(c: u8) -> Option<[u8; 2]> {
    Some(match c {
        b' ' => [0x07, 0x02],
        b'!' => [0x07, 0x1C],
        b'"' => [0x07, 0x1D],
        b'#' => [0x07, 0x1F],
        b'$' => [0x07, 0x21],
        b'%' => [0x07, 0x23],
        b'&' => [0x07, 0x25],
        b'(' => [0x07, 0x27],
        b')' => [0x07, 0x2A],
        b'*' => [0x07, 0x2D],
        b'+' => [0x08, 0x03],
        b',' => [0x07, 0x2F],
        b'.' => [0x07, 0x33],
        b'/' => [0x07, 0x35],
        b':' => [0x07, 0x37],
        b';' => [0x07, 0x3A],
        b'<' => [0x08, 0x0E],
        b'=' => [0x08, 0x12],
        b'>' => [0x08, 0x14],
        b'?' => [0x07, 0x3C],
        b'@' => [0x07, 0x3E],
        b'[' => [0x07, 0x3F],
        b'\\' => [0x07, 0x41],
        b']' => [0x07, 0x42],
        b'^' => [0x07, 0x43],
        b'_' => [0x07, 0x44],
        b'`' => [0x07, 0x48],
        b'{' => [0x07, 0x4A],
        b'|' => [0x07, 0x4C],
        b'}' => [0x07, 0x4E],
        b'~' => [0x07, 0x50],
        b'0' => [0x0D, 0x03],
        b'1' => [0x0D, 0x1A],
        b'2' => [0x0D, 0x1C],
        b'3' => [0x0D, 0x1E],
        b'4' => [0x0D, 0x20],
        b'5' => [0x0D, 0x22],
        b'6' => [0x0D, 0x24],
        b'7' => [0x0D, 0x26],
        b'8' => [0x0D, 0x28],
        b'9' => [0x0D, 0x2A],
        b'A' | b'a' => [0x0E, 0x02],
        b'B' | b'b' => [0x0E, 0x09],
        b'C' | b'c' => [0x0E, 0x0A],
        b'D' | b'd' => [0x0E, 0x1A],
        b'E' | b'e' => [0x0E, 0x21],
        b'F' | b'f' => [0x0E, 0x23],
        b'G' | b'g' => [0x0E, 0x25],
        b'H' | b'h' => [0x0E, 0x2C],
        b'I' | b'i' => [0x0E, 0x32],
        b'J' | b'j' => [0x0E, 0x35],
        b'K' | b'k' => [0x0E, 0x36],
        b'L' | b'l' => [0x0E, 0x48],
        b'M' | b'm' => [0x0E, 0x51],
        b'N' | b'n' => [0x0E, 0x70],
        b'O' | b'o' => [0x0E, 0x7C],
        b'P' | b'p' => [0x0E, 0x7E],
        b'Q' | b'q' => [0x0E, 0x89],
        b'R' | b'r' => [0x0E, 0x8A],
        b'S' | b's' => [0x0E, 0x91],
        b'T' | b't' => [0x0E, 0x99],
        b'U' | b'u' => [0x0E, 0x9F],
        b'V' | b'v' => [0x0E, 0xA2],
        b'W' | b'w' => [0x0E, 0xA4],
        b'X' | b'x' => [0x0E, 0xA6],
        b'Y' | b'y' => [0x0E, 0xA7],
        b'Z' | b'z' => [0x0E, 0xA9],
        _ => return None,
    })
}

fn unsupported(text: &str, position: usize, character: char) -> StringHashError {
    StringHashError {
        text: text.to_owned(),
        character,
        position,
    }
}

/// `StringComparer.InvariantCultureIgnoreCase.GetHashCode(text)` on .NET Framework (not
/// Core), as ASP.NET's IsolateApps and ViewState generator compute it.
///
/// # Errors
/// [`StringHashError`] for a character outside the known table (non-ASCII, control
/// characters, `'` and `-`).
///
/// # Example
/// ```
/// use machinekey::keys::string_hash::invariant_ignore_case_hash;
/// assert_eq!(invariant_ignore_case_hash("/")? as u32, 0x4EBA_98B2);
/// assert_eq!(invariant_ignore_case_hash("/MyApp")?, invariant_ignore_case_hash("/MYAPP")?);
/// let err = invariant_ignore_case_hash("/my-app").unwrap_err();
/// assert_eq!((err.character(), err.position()), ('-', 3));
/// # Ok::<(), machinekey::keys::string_hash::StringHashError>(())
/// ```
pub fn invariant_ignore_case_hash(text: &str) -> Result<i32, StringHashError> {
    if text.is_empty() {
        return Ok(0);
    }
    // The sort key is P(c1) .. P(cn) 01 01 01 01 00; the hash stops at the 00.
    let mut key = Vec::with_capacity(2 * text.len() + 4);
    for (position, c) in text.chars().enumerate() {
        let weight = u8::try_from(c)
            .ok()
            .and_then(primary_weight)
            .ok_or_else(|| unsupported(text, position, c))?;
        key.extend_from_slice(&weight);
    }
    key.extend_from_slice(&[1, 1, 1, 1]);
    // DJB-style over alternating bytes, seeded with plain 5381 (`CompareInfo.GetHashCodeOfString`).
    let (mut h1, mut h2) = (5381i32, 5381i32);
    for pair in key.chunks(2) {
        if let Some(&b) = pair.first() {
            h1 = h1.wrapping_mul(33) ^ i32::from(b);
        }
        if let Some(&b) = pair.get(1) {
            h2 = h2.wrapping_mul(33) ^ i32::from(b);
        }
    }
    Ok(h1.wrapping_add(h2.wrapping_mul(1_566_083_941)))
}

/// `StringUtil.GetStringHashCode(text.ToLowerInvariant())`: the frozen 32-bit
/// `String.GetHashCode` of the lower-cased string (`StringUtil.GetNonRandomizedHashCode`). Only the ViewState
/// generator uses it, and only with `aspnet:UseRandomizedStringHashAlgorithm=true`.
///
/// # Errors
/// [`StringHashError`] for a non-ASCII character: the hash itself is defined for any
/// string, but .NET's invariant lower-casing of non-ASCII text is not reproduced here.
///
/// # Example
/// ```
/// use machinekey::keys::string_hash::frozen_hash_ignore_case;
/// // The well-known 32-bit .NET Framework hash of the empty string.
/// assert_eq!(frozen_hash_ignore_case("")?, 757_602_046);
/// assert_eq!(frozen_hash_ignore_case("ABC")?, frozen_hash_ignore_case("abc")?);
/// # Ok::<(), machinekey::keys::string_hash::StringHashError>(())
/// ```
pub fn frozen_hash_ignore_case(text: &str) -> Result<i32, StringHashError> {
    let mut units: Vec<u16> = Vec::with_capacity(text.len() + 1);
    for (position, c) in text.chars().enumerate() {
        let b = u8::try_from(c)
            .ok()
            .filter(u8::is_ascii)
            .ok_or_else(|| unsupported(text, position, c))?;
        units.push(u16::from(b.to_ascii_lowercase()));
    }
    let n = units.len();
    units.push(0); // the terminating NUL the original reads as the high half of odd lengths
    let unit = |i: usize| i32::from(units.get(i).copied().unwrap_or(0));
    let word = |i: usize| unit(i) | (unit(i + 1) << 16);
    let step = |h: i32| h.wrapping_shl(5).wrapping_add(h).wrapping_add(h >> 27);
    let (mut h1, mut h2) = (0x1505_1505i32, 0x1505_1505i32);
    let mut k = 0;
    let mut len = n;
    while len > 0 {
        h1 = step(h1) ^ word(k);
        if len <= 2 {
            break;
        }
        h2 = step(h2) ^ word(k + 2);
        k += 4;
        len = len.saturating_sub(4);
    }
    Ok(h1.wrapping_add(h2.wrapping_mul(1_566_083_941)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_characters_are_named() {
        for (s, c, pos) in [
            ("/my-app", '-', 3),
            ("/o'neil", '\'', 2),
            ("/café", 'é', 4),
            ("/a\tb", '\t', 2),
        ] {
            let e = invariant_ignore_case_hash(s).unwrap_err();
            assert_eq!((e.character(), e.position()), (c, pos), "{s}");
            assert!(e.to_string().contains("GetHashCode("), "{e}");
        }
        assert!(frozen_hash_ignore_case("/café").is_err());
    }

    #[test]
    fn frozen_hash_known_values() {
        // 32-bit .NET Framework String.GetHashCode values.
        assert_eq!(frozen_hash_ignore_case("").unwrap(), 757_602_046);
        assert_eq!(frozen_hash_ignore_case("a").unwrap(), -842_352_705);
        assert_eq!(frozen_hash_ignore_case("abc").unwrap(), 536_991_770);
    }
}
