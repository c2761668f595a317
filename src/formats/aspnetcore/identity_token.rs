//! ASP.NET Core Identity's `DataProtectorTokenProvider` tokens (password reset, email
//! confirmation, change of email or phone: `UserManager.GenerateUserTokenAsync` with the
//! default provider), protected under [`IDENTITY_TOKEN_PURPOSE`] and written in standard
//! Base64 (`Convert.ToBase64String`), URL-escaped when put in a link.
//!
//! The layout is `DataProtectorTokenProvider.GenerateAsync`'s (`dotnet/aspnetcore`
//! `src/Identity/Core/src/DataProtectorTokenProvider.cs`), a `BinaryWriter` stream: the
//! creation time as `Int64` UTC ticks (little-endian), then the user id, the token purpose
//! and the security stamp as strings. `ValidateAsync` refuses a token older than
//! `TokenLifespan` (one day by default) and one with bytes after the stamp.
//!
//! Proved on real output: the password-reset token `identity-user-token` of
//! `tests/aspnetcore_real.rs` (made by `UserManager` in ASP.NET Core 10) opens, from its
//! Base64 and from its link form, to its creation time, user id, purpose and stamp.

use time::{Duration, OffsetDateTime};

use super::{Reader, write_string};
use crate::clock::{checked_dotnet_ticks, from_dotnet_ticks};
pub use crate::dataprotection::consumers::IDENTITY_TOKEN_PURPOSE;
use crate::error::ValueError;

/// `DataProtectionTokenProviderOptions.TokenLifespan`'s default: one day.
pub const DEFAULT_LIFESPAN: Duration = Duration::days(1);

const WHAT: &str = "Identity token";

/// An Identity token's fields.
///
/// # Example
/// ```
/// use machinekey::formats::aspnetcore::IdentityToken;
/// let bytes = hex::decode("0F186E4E4553DF08036964310D526573657450617373776F726403414243")?;
/// let t = IdentityToken::parse(&bytes)?;
/// assert_eq!((t.user_id.as_str(), t.purpose.as_str(), t.security_stamp.as_str()), ("id1", "ResetPassword", "ABC"));
/// assert_eq!(t.created.year(), 2026);
/// assert_eq!(t.to_bytes()?, bytes);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdentityToken {
    /// When it was made (UTC, to the tick).
    pub created: OffsetDateTime,
    /// `UserManager.GetUserIdAsync`.
    pub user_id: String,
    /// The token purpose (`ResetPassword`, `EmailConfirmation`, `ChangeEmail:…`, …).
    pub purpose: String,
    /// The user's security stamp when it was made (`""` without a stamp store): changing
    /// the stamp voids every token.
    pub security_stamp: String,
}

impl core::fmt::Debug for IdentityToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IdentityToken")
            .field("created", &self.created)
            .field("user_id", &self.user_id)
            .field("purpose", &self.purpose)
            .field("security_stamp", &"[redacted]")
            .finish()
    }
}

impl IdentityToken {
    /// A token made at `created`.
    #[must_use]
    pub fn new(
        created: OffsetDateTime,
        user_id: &str,
        purpose: &str,
        security_stamp: &str,
    ) -> Self {
        Self {
            created,
            user_id: user_id.to_owned(),
            purpose: purpose.to_owned(),
            security_stamp: security_stamp.to_owned(),
        }
    }

    /// When it stops being accepted with a lifespan ([`DEFAULT_LIFESPAN`] by default).
    #[must_use]
    pub fn expires(&self, lifespan: Duration) -> OffsetDateTime {
        self.created.saturating_add(lifespan)
    }

    /// Whether `ValidateAsync` would refuse it as expired at `now` (`created + lifespan < now`).
    #[must_use]
    pub fn is_expired(&self, lifespan: Duration, now: OffsetDateTime) -> bool {
        self.expires(lifespan) < now
    }

    /// Reads the unprotected bytes as `ValidateAsync` does.
    ///
    /// # Errors
    /// [`ValueError`] with the offset: truncation, a tick count outside `DateTimeOffset`'s
    /// range, invalid UTF-8, bytes after the stamp.
    ///
    /// # Example
    /// See [`IdentityToken`].
    pub fn parse(bytes: &[u8]) -> Result<Self, ValueError> {
        let mut r = Reader::new(WHAT, bytes);
        let ticks = i64::from_le_bytes(r.array::<8>()?);
        let Some(created) = from_dotnet_ticks(ticks) else {
            return r.fail(0, "a creation time outside DateTimeOffset's range");
        };
        let user_id = r.string()?;
        let purpose = r.string()?;
        let security_stamp = r.string()?;
        if !r.at_end() {
            return r.fail(r.pos, "bytes after the security stamp");
        }
        Ok(Self {
            created,
            user_id,
            purpose,
            security_stamp,
        })
    }

    /// The bytes `GenerateAsync` protects.
    ///
    /// # Errors
    /// [`ValueError`] when the creation time is outside `DateTimeOffset`'s range.
    ///
    /// # Example
    /// See [`IdentityToken`].
    pub fn to_bytes(&self) -> Result<Vec<u8>, ValueError> {
        let ticks = checked_dotnet_ticks(self.created).ok_or_else(|| {
            ValueError::new(WHAT, 0, "a creation time outside DateTimeOffset's range")
        })?;
        let mut out = ticks.to_le_bytes().to_vec();
        write_string(&mut out, &self.user_id);
        write_string(&mut out, &self.purpose);
        write_string(&mut out, &self.security_stamp);
        Ok(out)
    }
}
