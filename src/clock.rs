//! Time: the one clock seam, and .NET's units as conversions.
//!
//! The crate speaks the [`time`] crate's types, re-exported as [`machinekey::time`](crate::time):
//! an instant is an [`OffsetDateTime`] (UTC), a span a [`Duration`](time::Duration). Forms
//! tickets, OWIN and Core tickets, login cookies, Data Protection keys and the key-store
//! model all take and return them.
//!
//! **One seam.** A call that happens once takes its instant as an argument (`now`); a value
//! that decides by the time on its own, later and again (a ticket policy, a Data
//! Protection protector), asks a [`Clock`]: [`SystemClock`] by default, [`FixedClock`] in
//! tests and simulations, or your own.
//!
//! **.NET's units at the edges.** `DateTime` ticks (100 ns since 0001-01-01, as forms
//! tickets and `ObjectStateFormatter` hold dates) and Windows `FILETIME`s (100 ns since
//! 1601-01-01, as the registry holds `AutoGenKeyCreationTime`) are converted here and
//! nowhere else.
//!
//! # Example
//! ```
//! use machinekey::clock::{self, Clock, FixedClock};
//! use machinekey::time::macros::datetime;
//! let at = datetime!(2024-01-02 03:04:05.1234567 UTC);
//! assert_eq!(clock::to_dotnet_ticks(at), 638_397_614_451_234_567);
//! assert_eq!(clock::from_dotnet_ticks(638_397_614_451_234_567), Some(at));
//! assert_eq!(FixedClock(at).now(), at);
//! ```

use core::fmt;

use time::OffsetDateTime;

/// Where "now" comes from, for values that decide by the time on their own
/// ([`TicketValidation`](crate::TicketValidation), a Data Protection
/// [`DataProtector`](crate::dataprotection::DataProtector)).
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant (UTC).
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock stopped at one instant: tests, simulations, and judging a value as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// .NET ticks per second (a tick is 100 ns).
pub const TICKS_PER_SECOND: i64 = 10_000_000;
/// .NET ticks (100 ns since 0001-01-01) at the Unix epoch.
pub const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;
/// `DateTime.MaxValue.Ticks` (9999-12-31 23:59:59.9999999): no .NET date is later.
pub const MAX_DATE_TICKS: i64 = 3_155_378_975_999_999_999;
/// .NET ticks at the `FILETIME` epoch (1601-01-01).
pub const FILE_TIME_EPOCH_TICKS: i64 = 504_911_232_000_000_000;

/// The instant of a .NET `DateTime`'s ticks (read as UTC), or `None` outside `DateTime`'s
/// range (0 to [`MAX_DATE_TICKS`]).
#[must_use]
pub fn from_dotnet_ticks(ticks: i64) -> Option<OffsetDateTime> {
    if !(0..=MAX_DATE_TICKS).contains(&ticks) {
        return None;
    }
    let nanos = i128::from(ticks - UNIX_EPOCH_TICKS) * 100;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// The .NET ticks of an instant, rounded down to a whole tick. Instants before year 1 give
/// negative ticks, which .NET's `DateTime` refuses; [`from_dotnet_ticks`] refuses them too.
#[must_use]
pub fn to_dotnet_ticks(t: OffsetDateTime) -> i64 {
    let ticks = t.unix_timestamp_nanos().div_euclid(100) + i128::from(UNIX_EPOCH_TICKS);
    // Every instant `time` holds (years -9999 to 9999) fits; saturate rather than wrap.
    i64::try_from(ticks).unwrap_or(if ticks < 0 { i64::MIN } else { i64::MAX })
}

/// The .NET ticks of an instant within .NET's `DateTime` range (rounded down to a whole
/// tick), or `None` outside it (where `new DateTime(ticks)` and `DateTimeOffset` throw).
///
/// # Example
/// ```
/// use machinekey::clock::{MAX_DATE_TICKS, checked_dotnet_ticks, from_dotnet_ticks};
/// use machinekey::time::macros::datetime;
/// assert_eq!(checked_dotnet_ticks(datetime!(2031-01-02 03:04:05 UTC)), Some(640_606_862_450_000_000));
/// let last = from_dotnet_ticks(MAX_DATE_TICKS).unwrap();
/// assert_eq!(checked_dotnet_ticks(last), Some(MAX_DATE_TICKS));
/// assert_eq!(checked_dotnet_ticks(datetime!(0000-12-31 23:59:59 UTC)), None); // before year 1
/// ```
#[must_use]
pub fn checked_dotnet_ticks(t: OffsetDateTime) -> Option<i64> {
    let ticks = to_dotnet_ticks(t);
    (0..=MAX_DATE_TICKS).contains(&ticks).then_some(ticks)
}

/// `t` rounded down to a whole .NET tick: what a `DateTime` can hold of it.
///
/// # Example
/// ```
/// use machinekey::clock::truncate_to_tick;
/// use machinekey::time::macros::datetime;
/// assert_eq!(truncate_to_tick(datetime!(2024-01-01 0:00:00.123456789 UTC)),
///            datetime!(2024-01-01 0:00:00.1234567 UTC));
/// ```
#[must_use]
pub fn truncate_to_tick(t: OffsetDateTime) -> OffsetDateTime {
    let extra = t.nanosecond() % 100;
    t - time::Duration::nanoseconds(i64::from(extra))
}

/// The instant of a Windows `FILETIME` (100 ns since 1601-01-01 UTC), or `None` past
/// .NET's last date.
///
/// # Example
/// ```
/// use machinekey::clock::{from_file_time, to_file_time};
/// let t = from_file_time(133_500_000_000_000_000).unwrap();
/// assert_eq!(t.year(), 2024);
/// assert_eq!(to_file_time(t), Some(133_500_000_000_000_000));
/// ```
#[must_use]
pub fn from_file_time(file_time: u64) -> Option<OffsetDateTime> {
    i64::try_from(file_time)
        .ok()
        .and_then(|ft| ft.checked_add(FILE_TIME_EPOCH_TICKS))
        .and_then(from_dotnet_ticks)
}

/// The Windows `FILETIME` of an instant (rounded down to 100 ns), or `None` before
/// 1601-01-01.
#[must_use]
pub fn to_file_time(t: OffsetDateTime) -> Option<u64> {
    u64::try_from(to_dotnet_ticks(t).checked_sub(FILE_TIME_EPOCH_TICKS)?).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn range_ends() {
        let first = from_dotnet_ticks(0).unwrap();
        assert_eq!((first.year(), first.ordinal()), (1, 1));
        assert_eq!(to_dotnet_ticks(first), 0);
        let last = from_dotnet_ticks(MAX_DATE_TICKS).unwrap();
        assert_eq!(to_dotnet_ticks(last), MAX_DATE_TICKS);
        assert_eq!(from_dotnet_ticks(-1), None);
        assert_eq!(from_dotnet_ticks(MAX_DATE_TICKS + 1), None);
        assert_eq!(
            to_dotnet_ticks(OffsetDateTime::UNIX_EPOCH),
            UNIX_EPOCH_TICKS
        );
        assert!(to_dotnet_ticks(first - time::Duration::nanoseconds(1)) < 0);
        assert_eq!(
            from_file_time(0).map(to_dotnet_ticks),
            Some(FILE_TIME_EPOCH_TICKS)
        );
        assert_eq!(to_file_time(first), None);
    }
}
