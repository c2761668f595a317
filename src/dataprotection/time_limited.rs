//! `ITimeLimitedDataProtector` (`ToTimeLimitedDataProtector()`, in
//! `Microsoft.AspNetCore.DataProtection.Extensions`): the purpose
//! `Microsoft.AspNetCore.DataProtection.TimeLimitedDataProtector.v1` appended to the chain,
//! and the expiry (UTC ticks, 8 bytes big-endian) before the plaintext
//! (`dotnet/aspnetcore` `src/DataProtection/Extensions/src/TimeLimitedDataProtector.cs`).
//! Blazor's component descriptors, magic links and many application tokens are made this way.
//!
//! Proved on real output: the `dp-time-limited-live` vector of `tests/aspnetcore_real.rs`
//! (made with `CreateProtector("PasswordlessLogin").ToTimeLimitedDataProtector()`) opens to
//! its text and its expiry, and the differential tests protect and unprotect through real
//! .NET both ways.

use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::DataProtector;
use crate::clock::{checked_dotnet_ticks, from_dotnet_ticks};
use crate::error::{ArgumentError, Error};

/// The purpose `TimeLimitedDataProtector` appends to the chain.
pub const TIME_LIMITED_PURPOSE: &str =
    "Microsoft.AspNetCore.DataProtection.TimeLimitedDataProtector.v1";

/// The size of the expiry header (a 64-bit UTC tick count, big-endian).
pub const EXPIRY_HEADER_LEN: usize = 8;

/// A time-limited protector (`ToTimeLimitedDataProtector()`): [`DataProtector::to_time_limited`].
/// It protects under the chain followed by [`TIME_LIMITED_PURPOSE`], the expiry (UTC ticks,
/// 8 bytes big-endian) before the plaintext, as `TimeLimitedDataProtector.cs` in
/// `dotnet/aspnetcore` does; proved on a real ASP.NET Core 10 payload and Blazor's
/// component descriptor (`tests/aspnetcore_real.rs`) and against real .NET both ways on
/// random expiries to the tick (`checks/tests/dotnet_oracle.rs`).
///
/// # Example
/// ```
/// use machinekey::dataprotection::KeyRing;
/// use time::{Duration, OffsetDateTime};
/// let mut ring = KeyRing::new();
/// let now = OffsetDateTime::now_utc();
/// ring.generate_key(now - Duration::days(1), &machinekey::random::OsRandom)?;
/// let links = ring.protector(&["MyApp", "PasswordlessLogin"])?.to_time_limited();
/// let payload = links.protect(b"alice", now + Duration::minutes(15))?;
/// let opened = links.unprotect(&payload, now)?;
/// assert_eq!(opened.plaintext, b"alice");
/// // An hour later it is refused, and says when it expired.
/// assert!(matches!(links.unprotect(&payload, now + Duration::hours(1)),
///                  Err(machinekey::Error::PayloadExpired { expires }) if expires == opened.expires));
/// assert_eq!(links.unprotect_ignoring_expiry(&payload)?.expires, opened.expires);
/// # Ok::<(), machinekey::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TimeLimitedProtector {
    inner: DataProtector,
}

/// What a time-limited payload holds.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimeLimited {
    /// The plaintext after the expiry header.
    pub plaintext: Vec<u8>,
    /// When it expires (UTC, to the 100-ns tick).
    pub expires: OffsetDateTime,
}

impl core::fmt::Debug for TimeLimited {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TimeLimited")
            .field(
                "plaintext",
                &format_args!("[{} bytes]", self.plaintext.len()),
            )
            .field("expires", &self.expires)
            .finish()
    }
}

impl DataProtector {
    /// The time-limited protector over this chain (`ToTimeLimitedDataProtector()`): it
    /// protects under this chain followed by [`TIME_LIMITED_PURPOSE`].
    #[must_use]
    pub fn to_time_limited(&self) -> TimeLimitedProtector {
        TimeLimitedProtector {
            inner: self.create_protector(TIME_LIMITED_PURPOSE),
        }
    }
}

/// Splits a time-limited plaintext into its expiry and the rest; `None` when it is shorter
/// than the header or the tick count is outside `DateTimeOffset`'s range.
///
/// # Example
/// ```
/// use machinekey::dataprotection::split_expiry;
/// let plaintext = hex::decode("08E2C4D7C27CC00061")?;
/// let (expires, rest) = split_expiry(&plaintext).unwrap();
/// assert_eq!((expires.year(), rest), (2030, &b"a"[..]));
/// # Ok::<(), hex::FromHexError>(())
/// ```
#[must_use]
pub fn split_expiry(plaintext: &[u8]) -> Option<(OffsetDateTime, &[u8])> {
    let (header, rest) = plaintext.split_first_chunk::<EXPIRY_HEADER_LEN>()?;
    let ticks = i64::try_from(u64::from_be_bytes(*header)).ok()?;
    Some((from_dotnet_ticks(ticks)?, rest))
}

impl TimeLimitedProtector {
    /// The whole purpose chain, [`TIME_LIMITED_PURPOSE`] last.
    #[must_use]
    pub fn purposes(&self) -> &[String] {
        self.inner.purposes()
    }

    /// The protector under the whole chain (to pin the time or the random source).
    #[must_use]
    pub fn inner(&self) -> &DataProtector {
        &self.inner
    }

    /// Protects `plaintext` until `expires`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an expiry outside `DateTimeOffset`'s range (years 1 to
    /// 9999); otherwise as [`DataProtector::protect`].
    ///
    /// # Example
    /// See [`TimeLimitedProtector`].
    pub fn protect(&self, plaintext: &[u8], expires: OffsetDateTime) -> Result<Vec<u8>, Error> {
        let ticks = checked_dotnet_ticks(expires).ok_or(ArgumentError::ExpiryOutOfRange)?;
        let mut with_header =
            Zeroizing::new(Vec::with_capacity(EXPIRY_HEADER_LEN + plaintext.len()));
        with_header.extend_from_slice(&ticks.to_be_bytes());
        with_header.extend_from_slice(plaintext);
        self.inner.protect(&with_header)
    }

    /// Opens a payload and refuses it once expired: when `now` is after the embedded expiry,
    /// as .NET compares them.
    ///
    /// # Errors
    /// [`Error::PayloadExpired`] naming the expiry; otherwise as
    /// [`unprotect_ignoring_expiry`](Self::unprotect_ignoring_expiry).
    ///
    /// # Example
    /// See [`TimeLimitedProtector`].
    pub fn unprotect(&self, payload: &[u8], now: OffsetDateTime) -> Result<TimeLimited, Error> {
        let opened = self.unprotect_ignoring_expiry(payload)?;
        if now > opened.expires {
            return Err(Error::PayloadExpired {
                expires: opened.expires,
            });
        }
        Ok(opened)
    }

    /// Opens a payload whatever its expiry (to inspect an expired one).
    ///
    /// # Errors
    /// As [`DataProtector::unprotect`]; [`Error::Unprotect`] when the plaintext has no valid
    /// expiry header.
    ///
    /// # Example
    /// See [`TimeLimitedProtector`].
    pub fn unprotect_ignoring_expiry(&self, payload: &[u8]) -> Result<TimeLimited, Error> {
        let plain = Zeroizing::new(self.inner.unprotect(payload)?);
        let (expires, rest) = split_expiry(&plain).ok_or(Error::Unprotect)?;
        Ok(TimeLimited {
            plaintext: rest.to_vec(),
            expires,
        })
    }
}
