//! Hex decoding of `<machineKey>` key strings: the legacy table with its quirk (`MachineKeySection.HexStringToByteArray`) and the strict Framework45 form (`MachineKeyMasterKeyProvider.GenerateCryptographicKey`).

/// Why [`legacy_hex_decode`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LegacyHexError {
    /// A character above `'f'` (0x66), at this UTF-16 position.
    BadCharacter(usize),
    /// An odd number of characters.
    OddLength,
}

/// Decodes a `<machineKey>` hex string with the legacy table of
/// `MachineKeySection.HexStringToByteArray`.
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
}
