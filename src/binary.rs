//! `System.IO.BinaryWriter`/`BinaryReader` 7-bit encoded lengths, shared by the purpose
//! context (keys), the forms-ticket serializer and the `ObjectStateFormatter` reader.

/// `DateTime.UnixEpoch.Ticks`: .NET ticks (100 ns since 0001-01-01 UTC) at 1970-01-01 UTC.
pub(crate) const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;
/// `DateTimeOffset.MaxValue.UtcTicks` (9999-12-31 23:59:59.9999999).
pub(crate) const MAX_TICKS: i64 = 3_155_378_975_999_999_999;

/// The UTC instant of a .NET tick count, as `new DateTimeOffset(ticks, TimeSpan.Zero)` makes
/// it; `None` outside `DateTimeOffset`'s range (where .NET throws).
pub(crate) fn datetime_from_ticks(ticks: i64) -> Option<time::OffsetDateTime> {
    if !(0..=MAX_TICKS).contains(&ticks) {
        return None;
    }
    let nanos = i128::from(ticks.checked_sub(UNIX_EPOCH_TICKS)?).checked_mul(100)?;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// `DateTimeOffset.UtcTicks` of an instant (sub-tick nanoseconds dropped, as .NET cannot
/// hold them); `None` outside `DateTimeOffset`'s range.
pub(crate) fn ticks_from_datetime(t: time::OffsetDateTime) -> Option<i64> {
    let ticks = i64::try_from(t.unix_timestamp_nanos().div_euclid(100)).ok()?;
    let ticks = ticks.checked_add(UNIX_EPOCH_TICKS)?;
    (0..=MAX_TICKS).contains(&ticks).then_some(ticks)
}

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
    fn ticks_convert_both_ways_within_datetimeoffset() {
        // 2031-01-02T03:04:05Z, the expiry of the real time-limited vector.
        let t = time::macros::datetime!(2031-01-02 03:04:05 UTC);
        let ticks = ticks_from_datetime(t).unwrap_or_default();
        assert_eq!(ticks, 640_606_862_450_000_000);
        assert_eq!(datetime_from_ticks(ticks), Some(t));
        assert_eq!(datetime_from_ticks(0).map(|d| d.year()), Some(1));
        assert_eq!(datetime_from_ticks(MAX_TICKS).map(|d| d.year()), Some(9999));
        assert_eq!(datetime_from_ticks(-1), None);
        assert_eq!(datetime_from_ticks(MAX_TICKS + 1), None);
    }

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
