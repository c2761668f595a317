//! `System.IO.BinaryWriter`/`BinaryReader` 7-bit encoded lengths, shared by the purpose
//! context (keys), the forms-ticket serializer and the `ObjectStateFormatter` reader.

/// `Write7BitEncodedInt`: little-endian groups of 7 bits, high bit = more follow.
pub(crate) fn write_7bit(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let low = u8::try_from(n & 0x7F).unwrap_or_default();
        n >>= 7;
        if n == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

/// `Read7BitEncodedInt`: at most 5 bytes, and the value must be a non-negative `Int32`.
/// Returns the value and the rest of the input.
pub(crate) fn read_7bit(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let mut value: u32 = 0;
    let mut rest = bytes;
    for shift in [0, 7, 14, 21, 28] {
        let (&b, tail) = rest.split_first()?;
        rest = tail;
        value |= u32::from(b & 0x7F).checked_shl(shift)?;
        if b & 0x80 == 0 {
            let v = usize::try_from(i32::try_from(value).ok()?).ok()?;
            return Some((v, rest));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_limits() {
        for n in [0usize, 1, 127, 128, 300, 16_383, 16_384, 2_147_483_647] {
            let mut out = Vec::new();
            write_7bit(&mut out, n);
            assert_eq!(read_7bit(&out), Some((n, &[][..])), "{n}");
        }
        let mut ten = Vec::new();
        write_7bit(&mut ten, 300);
        assert_eq!(ten, [0xAC, 0x02]);
        assert_eq!(
            read_7bit(&[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
            None,
            "above Int32.MaxValue"
        );
        assert_eq!(read_7bit(&[0x80; 6]), None, "more than 5 bytes");
        assert_eq!(read_7bit(&[0x80]), None, "truncated");
    }
}
