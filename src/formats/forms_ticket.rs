//! Forms-authentication tickets, the `.ASPXAUTH` cookie (`FormsAuthentication.Encrypt`).
//!
//! The ticket is serialized with the v1 layout of `FormsAuthenticationTicketSerializer`
//! (or, with `aspnet:UseLegacyFormsAuthenticationTicketCompatibility`, the pre-2011 native
//! layout), then protected: in Framework45 mode with purpose `FormsAuthentication.Ticket`
//! (`<forms protection>` is ignored), in legacy mode by `<forms protection>`. Cookies are
//! upper-case hex; cookieless URLs use `UrlToken`.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use super::AppKeys;
use super::cookie::CookieProtection;
use crate::clock::{
    Clock, FILE_TIME_EPOCH_TICKS, SystemClock, from_dotnet_ticks, to_dotnet_ticks, truncate_to_tick,
};
use crate::config::CompatibilityMode;
use crate::crypto::encoding::{from_hex, to_upper_hex, url_token_decode};
use crate::crypto::framework45::{Purpose, primary};
use crate::error::{ArgumentError, Error};

/// `FormsAuthentication.MAX_TICKET_LENGTH`, in characters of cookie text.
pub const MAX_TICKET_LENGTH: usize = 4096;

/// A forms-authentication ticket (`System.Web.Security.FormsAuthenticationTicket`).
///
/// Its dates are UTC instants; the binary layouts carry them as .NET ticks (100 ns), so a
/// date is written rounded down to a whole tick (see [`clock`](crate::clock)), and one read
/// back holds exactly what was written. The layout is closed (ASP.NET will not grow it), so
/// the struct is built with a literal as well as with [`new`](Self::new).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct FormsAuthenticationTicket {
    /// `Version` (serialized as one byte).
    pub version: u8,
    /// `Name`, the user name.
    pub name: String,
    /// `IssueDateUtc`.
    #[serde(with = "time::serde::rfc3339")]
    pub issue_date: OffsetDateTime,
    /// `ExpirationUtc`.
    #[serde(with = "time::serde::rfc3339")]
    pub expiration: OffsetDateTime,
    /// `IsPersistent`.
    pub is_persistent: bool,
    /// `UserData`.
    pub user_data: String,
    /// `CookiePath`.
    pub cookie_path: String,
}

/// A cursor over ticket bytes; every failure is `Error::Unprotect` (it runs after the MAC).
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn byte(&mut self) -> Result<u8, Error> {
        let (&b, rest) = self.0.split_first().ok_or(Error::Unprotect)?;
        self.0 = rest;
        Ok(b)
    }

    fn require(&mut self, value: u8) -> Result<(), Error> {
        if self.byte()? == value {
            Ok(())
        } else {
            Err(Error::Unprotect)
        }
    }

    /// A `DateTime` as its ticks (UTC); outside .NET's range it is no ticket.
    fn ticks(&mut self) -> Result<OffsetDateTime, Error> {
        from_dotnet_ticks(self.i64()?).ok_or(Error::Unprotect)
    }

    /// A `FILETIME` (UTC).
    fn file_time(&mut self) -> Result<OffsetDateTime, Error> {
        let ticks = self
            .i64()?
            .checked_add(FILE_TIME_EPOCH_TICKS)
            .ok_or(Error::Unprotect)?;
        from_dotnet_ticks(ticks).ok_or(Error::Unprotect)
    }

    fn i64(&mut self) -> Result<i64, Error> {
        let (head, rest) = self.0.split_at_checked(8).ok_or(Error::Unprotect)?;
        self.0 = rest;
        Ok(i64::from_le_bytes(
            head.try_into().map_err(|_| Error::Unprotect)?,
        ))
    }

    fn bool(&mut self) -> Result<bool, Error> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Error::Unprotect),
        }
    }

    fn count(&mut self) -> Result<usize, Error> {
        let (n, rest) = crate::binary::read_7bit(self.0).ok_or(Error::Unprotect)?;
        self.0 = rest;
        Ok(n)
    }

    /// 7-bit character count, then UTF-16LE code units.
    fn counted_utf16(&mut self) -> Result<String, Error> {
        let chars = self.count()?;
        let (head, rest) = self
            .0
            .split_at_checked(chars.checked_mul(2).ok_or(Error::Unprotect)?)
            .ok_or(Error::Unprotect)?;
        self.0 = rest;
        utf16(head)
    }

    /// NUL-terminated UTF-16LE.
    fn nul_utf16(&mut self) -> Result<String, Error> {
        let end = self
            .0
            .chunks_exact(2)
            .position(|c| c == [0, 0])
            .ok_or(Error::Unprotect)?;
        let (head, rest) = self.0.split_at_checked(end * 2).ok_or(Error::Unprotect)?;
        self.0 = rest.get(2..).ok_or(Error::Unprotect)?;
        utf16(head)
    }
}

/// Lone surrogates (which .NET round-trips) cannot be held in a Rust `String`; such tickets
/// are refused.
fn utf16(bytes: &[u8]) -> Result<String, Error> {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .filter_map(|c| <[u8; 2]>::try_from(c).ok())
        .map(u16::from_le_bytes)
        .collect();
    String::from_utf16(&units).map_err(|_| Error::Unprotect)
}

impl FormsAuthenticationTicket {
    /// The v1 binary layout (`FormsAuthenticationTicketSerializer.Serialize`): `01`, version, issue ticks, `FE`, expiration
    /// ticks, persistent, then name, user data and cookie path as 7-bit character counts and
    /// UTF-16LE, and `FF`.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::forms_ticket::FormsAuthenticationTicket;
    /// use machinekey::time::macros::datetime;
    /// let t = FormsAuthenticationTicket {
    ///     version: 2, name: "alice".into(),
    ///     issue_date: datetime!(2024-01-01 0:00 UTC), expiration: datetime!(2024-01-01 0:30 UTC),
    ///     is_persistent: false, user_data: String::new(), cookie_path: "/".into(),
    /// };
    /// let bytes = t.serialize();
    /// assert_eq!((bytes[0], bytes[10], bytes.last()), (0x01, 0xFE, Some(&0xFF)));
    /// assert_eq!(FormsAuthenticationTicket::deserialize(&bytes)?, t);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn serialize(&self) -> Vec<u8> {
        let mut out = vec![0x01, self.version];
        out.extend_from_slice(&to_dotnet_ticks(self.issue_date).to_le_bytes());
        out.push(0xFE);
        out.extend_from_slice(&to_dotnet_ticks(self.expiration).to_le_bytes());
        out.push(u8::from(self.is_persistent));
        for s in [&self.name, &self.user_data, &self.cookie_path] {
            let units: Vec<u16> = s.encode_utf16().collect();
            crate::binary::write_7bit(&mut out, units.len());
            out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        }
        out.push(0xFF);
        out
    }

    /// Reads the v1 layout with all of ASP.NET's checks: format byte, spacer, strict
    /// booleans, and the footer as the very last byte.
    ///
    /// # Errors
    /// [`Error::Unprotect`] for any deviation (this runs after the MAC check, so it is the
    /// same opaque error).
    ///
    /// # Example
    /// See [`serialize`](Self::serialize).
    pub fn deserialize(bytes: &[u8]) -> Result<Self, Error> {
        let mut c = Cursor(bytes);
        c.require(0x01)?;
        let version = c.byte()?;
        let issue_date = c.ticks()?;
        c.require(0xFE)?;
        let expiration = c.ticks()?;
        let is_persistent = c.bool()?;
        let name = c.counted_utf16()?;
        let user_data = c.counted_utf16()?;
        let cookie_path = c.counted_utf16()?;
        c.require(0xFF)?;
        if !c.0.is_empty() {
            return Err(Error::Unprotect);
        }
        Ok(Self {
            version,
            name,
            issue_date,
            expiration,
            is_persistent,
            user_data,
            cookie_path,
        })
    }

    /// The pre-2011 native layout (`aspnet:UseLegacyFormsAuthenticationTicketCompatibility`,
    /// `FormsAuthentication.Encrypt` with `aspnet:UseLegacyFormsAuthenticationTicketCompatibility`, from the 1.x native source): 8 bytes of `padding`, version, NUL-terminated
    /// UTF-16LE name, issue date as FILETIME, persistent, expiration as FILETIME, user data and
    /// cookie path NUL-terminated.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::forms_ticket::FormsAuthenticationTicket;
    /// use machinekey::time::macros::datetime;
    /// let t = FormsAuthenticationTicket {
    ///     version: 1, name: "bob".into(), issue_date: datetime!(2022-09-22 16:53:20 UTC),
    ///     expiration: datetime!(2022-09-22 19:40 UTC), is_persistent: true,
    ///     user_data: "x".into(), cookie_path: "/".into(),
    /// };
    /// let bytes = t.serialize_legacy([0; 8]);
    /// assert_eq!(FormsAuthenticationTicket::deserialize_legacy(&bytes)?, t);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn serialize_legacy(&self, padding: [u8; 8]) -> Vec<u8> {
        let mut out = padding.to_vec();
        out.push(self.version);
        let nul_string = |out: &mut Vec<u8>, s: &str| {
            out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
            out.extend_from_slice(&[0, 0]);
        };
        nul_string(&mut out, &self.name);
        let file_time = |t| to_dotnet_ticks(t).saturating_sub(FILE_TIME_EPOCH_TICKS);
        out.extend_from_slice(&file_time(self.issue_date).to_le_bytes());
        out.push(u8::from(self.is_persistent));
        out.extend_from_slice(&file_time(self.expiration).to_le_bytes());
        nul_string(&mut out, &self.user_data);
        nul_string(&mut out, &self.cookie_path);
        out
    }

    /// Reads the pre-2011 layout. Trailing bytes are refused (the native parser's tolerance
    /// is not known: UNVERIFIED).
    ///
    /// # Errors
    /// [`Error::Unprotect`] for any deviation.
    ///
    /// # Example
    /// See [`serialize_legacy`](Self::serialize_legacy).
    pub fn deserialize_legacy(bytes: &[u8]) -> Result<Self, Error> {
        let mut c = Cursor(bytes.get(8..).ok_or(Error::Unprotect)?);
        let version = c.byte()?;
        let name = c.nul_utf16()?;
        let issue_date = c.file_time()?;
        let is_persistent = c.byte()? != 0;
        let expiration = c.file_time()?;
        let user_data = c.nul_utf16()?;
        let cookie_path = c.nul_utf16()?;
        if !c.0.is_empty() {
            return Err(Error::Unprotect);
        }
        Ok(Self {
            version,
            name,
            issue_date,
            expiration,
            is_persistent,
            user_data,
            cookie_path,
        })
    }

    /// A fresh ticket as `FormsAuthentication.SetAuthCookie` issues it: version 2, issued
    /// at `now` (to the tick), expiring `lifetime` later (the `<forms timeout>`), not
    /// persistent, no user data, cookie path `/`. Set the other fields on the returned
    /// value.
    ///
    /// A lifetime that would end after .NET's last date (9999-12-31 23:59:59.9999999, the
    /// latest instant `time` holds too) ends there, and the ticket never expires; ASP.NET's
    /// `DateTime.AddMinutes` would throw instead. A caller that must refuse such a lifetime
    /// checks `now.checked_add(lifetime)` first, as the command line does.
    ///
    /// # Example
    /// ```
    /// use machinekey::FormsAuthenticationTicket;
    /// use machinekey::time::{Duration, OffsetDateTime};
    /// let mut t = FormsAuthenticationTicket::new("alice", OffsetDateTime::now_utc(), Duration::minutes(30));
    /// t.user_data = "admin".into();
    /// assert_eq!(t.expiration - t.issue_date, Duration::minutes(30));
    /// ```
    #[must_use]
    pub fn new(name: &str, now: OffsetDateTime, lifetime: Duration) -> Self {
        let issued = truncate_to_tick(now);
        Self {
            version: 2,
            name: name.to_owned(),
            issue_date: issued,
            expiration: issued.saturating_add(lifetime),
            is_persistent: false,
            user_data: String::new(),
            cookie_path: "/".to_owned(),
        }
    }

    /// The ticket's lifetime: from issue to expiration.
    #[must_use]
    pub fn lifetime(&self) -> Duration {
        self.expiration - self.issue_date
    }

    /// The same ticket issued again at `now`, for the same lifetime (what
    /// `FormsAuthentication.RenewTicketIfOld` returns when it renews).
    ///
    /// # Example
    /// ```
    /// # use machinekey::FormsAuthenticationTicket;
    /// use machinekey::time::{Duration, macros::datetime};
    /// let t = FormsAuthenticationTicket::new("alice", datetime!(2024-01-01 0:00 UTC), Duration::minutes(1));
    /// let r = t.renewed(datetime!(2024-01-01 0:00:40 UTC));
    /// assert_eq!(r.issue_date, datetime!(2024-01-01 0:00:40 UTC));
    /// assert_eq!(r.lifetime(), Duration::minutes(1));
    /// ```
    #[must_use]
    pub fn renewed(&self, now: OffsetDateTime) -> Self {
        let issued = truncate_to_tick(now);
        Self {
            issue_date: issued,
            expiration: issued.saturating_add(self.lifetime()),
            ..self.clone()
        }
    }

    /// Sliding expiration, as `FormsAuthentication.RenewTicketIfOld` decides it: a ticket
    /// renewed at `now` once the time left is no longer than the time elapsed since issue
    /// (half the lifetime gone), else `None` (keep the cookie as it is).
    ///
    /// # Example
    /// ```
    /// # use machinekey::FormsAuthenticationTicket;
    /// use machinekey::time::{Duration, macros::datetime};
    /// let t = FormsAuthenticationTicket::new("alice", datetime!(2024-01-01 0:00 UTC), Duration::minutes(1));
    /// assert!(t.renew_if_old(datetime!(2024-01-01 0:00:20 UTC)).is_none()); // 20 s of 60 gone
    /// assert!(t.renew_if_old(datetime!(2024-01-01 0:00:30 UTC)).is_some()); // half gone
    /// ```
    #[must_use]
    pub fn renew_if_old(&self, now: OffsetDateTime) -> Option<Self> {
        let elapsed = now - self.issue_date;
        let left = self.expiration - now;
        (left <= elapsed).then(|| self.renewed(now))
    }

    /// Reads either layout (v1, else pre-2011), for callers that do not know the
    /// application's `aspnet:UseLegacyFormsAuthenticationTicketCompatibility` setting (the
    /// known-key audit).
    #[cfg(feature = "audit")]
    pub(crate) fn deserialize_any_layout(bytes: &[u8]) -> Result<Self, Error> {
        Self::deserialize(bytes).or_else(|_| Self::deserialize_legacy(bytes))
    }

    /// Whether the ticket has expired at `now` under `policy` (its clock skew; its clock is
    /// not asked).
    ///
    /// # Example
    /// ```
    /// # use machinekey::{FormsAuthenticationTicket, TicketValidation};
    /// use machinekey::time::{Duration, macros::datetime};
    /// let t = FormsAuthenticationTicket::new("a", datetime!(2024-01-01 0:00 UTC), Duration::minutes(30));
    /// let policy = TicketValidation::default();
    /// assert!(!t.is_expired(datetime!(2024-01-01 0:29 UTC), &policy));
    /// assert!(t.is_expired(datetime!(2024-01-01 0:31 UTC), &policy));
    /// assert!(!t.is_expired(datetime!(2024-01-01 0:31 UTC), &policy.with_clock_skew(Duration::minutes(2))));
    /// ```
    #[must_use]
    pub fn is_expired(&self, now: OffsetDateTime, policy: &TicketValidation) -> bool {
        self.expiration.saturating_add(policy.clock_skew) < now
    }
}

/// How [`AppKeys::decrypt_ticket`] judges a ticket that verified, like `jsonwebtoken`'s
/// `Validation`. The default is ASP.NET's: expired tickets are refused
/// (`FormsAuthenticationModule` drops them), with no clock skew, against the system clock.
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use machinekey::{SystemClock, TicketValidation};
/// use machinekey::time::Duration;
/// let lenient = TicketValidation::default()
///     .with_clock_skew(Duration::minutes(1))
///     .with_clock(Arc::new(SystemClock));
/// assert!(lenient.require_not_expired);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TicketValidation {
    /// Refuse expired tickets. Defaults to `true`.
    pub require_not_expired: bool,
    /// Tolerance added to the expiration. Defaults to zero, as ASP.NET has none.
    pub clock_skew: Duration,
    /// Where "now" comes from. Defaults to [`SystemClock`].
    pub clock: Arc<dyn Clock>,
}

impl Default for TicketValidation {
    fn default() -> Self {
        Self {
            require_not_expired: true,
            clock_skew: Duration::ZERO,
            clock: Arc::new(SystemClock),
        }
    }
}

impl TicketValidation {
    /// The same policy judged against `clock` (a fixed time in tests, simulated time in the
    /// simulator).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The same policy with `skew` of tolerance after the expiration.
    #[must_use]
    pub fn with_clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// The same policy without the expiry check (the ticket's MAC and layout are still
    /// checked).
    #[must_use]
    pub fn ignoring_expiry(mut self) -> Self {
        self.require_not_expired = false;
        self
    }
}

impl AppKeys {
    fn ticket_bytes(
        &self,
        ticket: &FormsAuthenticationTicket,
        protection: CookieProtection,
    ) -> Result<Vec<u8>, Error> {
        if !self
            .config()
            .runtime()
            .use_legacy_forms_authentication_ticket_compatibility
        {
            return Ok(ticket.serialize());
        }
        // Padding is random when not encrypting or in SP1 mode, zero otherwise (`FormsAuthentication.Encrypt` with `aspnet:UseLegacyFormsAuthenticationTicketCompatibility`).
        let mut padding = [0u8; 8];
        let encrypting = self.uses_framework45() || protection.encrypts();
        if !encrypting || self.compatibility_mode() == CompatibilityMode::Framework20SP1 {
            self.legacy()?.random().fill(&mut padding)?;
        }
        Ok(ticket.serialize_legacy(padding))
    }

    fn parse_ticket(&self, bytes: &[u8]) -> Result<FormsAuthenticationTicket, Error> {
        if self
            .config()
            .runtime()
            .use_legacy_forms_authentication_ticket_compatibility
        {
            FormsAuthenticationTicket::deserialize_legacy(bytes)
        } else {
            FormsAuthenticationTicket::deserialize(bytes)
        }
    }

    /// `FormsAuthentication.Encrypt`: the cookie text (upper-case hex).
    ///
    /// Refuses what ASP.NET would refuse on the way back, so a cookie this returns can be
    /// read: dates outside .NET's `DateTime` range (before year 1; the latest instant an
    /// `OffsetDateTime` holds is .NET's last, [`MAX_DATE_TICKS`](crate::clock::MAX_DATE_TICKS)),
    /// and cookie text over [`MAX_TICKET_LENGTH`] characters
    /// (`FormsAuthentication.Decrypt` rejects it; a long name or user data gets there).
    ///
    /// # Errors
    /// [`ArgumentError::TicketDateOutOfRange`] for a date out of range; [`Error::TooLong`] for cookie text
    /// over the limit; the stack's configuration error; [`Error::Random`].
    ///
    /// # Example
    /// ```
    /// use machinekey::{AppKeys, CookieProtection, FormsAuthenticationTicket, MachineKeyConfig, TicketValidation};
    /// use machinekey::time::{Duration, OffsetDateTime};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let keys = AppKeys::explicit(&cfg)?;
    /// let ticket = FormsAuthenticationTicket::new("alice", OffsetDateTime::now_utc(), Duration::minutes(30));
    /// let cookie = keys.encrypt_ticket(&ticket, CookieProtection::All)?;
    /// let read = keys.decrypt_ticket(&cookie, CookieProtection::All, &TicketValidation::default())?;
    /// assert_eq!(read, ticket);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn encrypt_ticket(
        &self,
        ticket: &FormsAuthenticationTicket,
        protection: CookieProtection,
    ) -> Result<String, Error> {
        for date in [ticket.issue_date, ticket.expiration] {
            if from_dotnet_ticks(to_dotnet_ticks(date)).is_none() {
                return Err(ArgumentError::TicketDateOutOfRange.into());
            }
        }
        let bytes = self.ticket_bytes(ticket, protection)?;
        let blob = if self.uses_framework45() {
            self.state_protector()?
                .protect(&bytes, &Purpose::new(primary::FORMS_AUTHENTICATION_TICKET))?
        } else {
            self.legacy_protect(&bytes, protection)?
        };
        let cookie = to_upper_hex(&blob);
        if cookie.len() > MAX_TICKET_LENGTH {
            return Err(Error::TooLong {
                what: "forms ticket cookie",
                limit: MAX_TICKET_LENGTH,
                actual: cookie.len(),
            });
        }
        Ok(cookie)
    }

    /// `FormsAuthentication.Decrypt` and the expiry check of `validation`: hex of either
    /// case, else `UrlToken`; 1 to 4096 characters.
    ///
    /// # Errors
    /// [`ArgumentError::TicketLength`] for empty or over-long text; [`Error::Malformed`] if it is
    /// neither hex nor `UrlToken`; [`Error::Unprotect`] if it does not verify or parse;
    /// [`Error::TicketExpired`] if it verified but has expired under `validation`.
    ///
    /// # Example
    /// ```
    /// use machinekey::{AppKeys, CookieProtection, Error, FormsAuthenticationTicket, MachineKeyConfig, TicketValidation};
    /// use machinekey::time::{Duration, macros::datetime};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// # let keys = AppKeys::explicit(&cfg)?;
    /// let old = FormsAuthenticationTicket::new("alice", datetime!(1997-05-01 10:00 UTC), Duration::minutes(30));
    /// let cookie = keys.encrypt_ticket(&old, CookieProtection::All)?;
    /// let result = keys.decrypt_ticket(&cookie, CookieProtection::All, &TicketValidation::default());
    /// assert!(matches!(result, Err(Error::TicketExpired)));
    /// let read = keys.decrypt_ticket(&cookie, CookieProtection::All, &TicketValidation::default().ignoring_expiry())?;
    /// assert_eq!(read, old);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn decrypt_ticket(
        &self,
        text: &str,
        protection: CookieProtection,
        validation: &TicketValidation,
    ) -> Result<FormsAuthenticationTicket, Error> {
        let ticket = self.decrypt_ticket_without_expiry_check(text, protection)?;
        if validation.require_not_expired && ticket.is_expired(validation.clock.now(), validation) {
            return Err(Error::TicketExpired);
        }
        Ok(ticket)
    }

    /// `FormsAuthentication.Decrypt` alone: the MAC, decryption and ticket layout are
    /// checked, expiry is not (for inspecting old cookies; a server should use
    /// [`decrypt_ticket`](Self::decrypt_ticket)).
    ///
    /// # Errors
    /// As [`decrypt_ticket`](Self::decrypt_ticket), without [`Error::TicketExpired`].
    ///
    /// # Example
    /// See [`decrypt_ticket`](Self::decrypt_ticket), whose `ignoring_expiry` policy is the same.
    pub fn decrypt_ticket_without_expiry_check(
        &self,
        text: &str,
        protection: CookieProtection,
    ) -> Result<FormsAuthenticationTicket, Error> {
        if text.is_empty() || text.chars().count() > MAX_TICKET_LENGTH {
            return Err(ArgumentError::TicketLength {
                len: text.chars().count(),
            }
            .into());
        }
        let blob = match from_hex(text) {
            Ok(bytes) => bytes,
            Err(_) => url_token_decode(text)?,
        };
        let bytes = if self.uses_framework45() {
            self.state_protector()?
                .unprotect(&blob, &Purpose::new(primary::FORMS_AUTHENTICATION_TICKET))?
        } else {
            self.legacy_unprotect(&blob, protection)?
        };
        self.parse_ticket(&bytes)
    }
}

impl crate::config::stack::FormsSettings {
    /// A ticket as `FormsAuthentication.SetAuthCookie` issues it under these settings at
    /// `now`: `timeout` of life and the cookie `path`.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::stack::{ConfigFile, ConfigStack};
    /// use machinekey::time::{Duration, OffsetDateTime};
    /// let site = ConfigFile::from_text(r#"<configuration><system.web>
    ///   <authentication mode="Forms"><forms timeout="20" path="/shop" /></authentication>
    /// </system.web></configuration>"#, "web.config");
    /// let forms = ConfigStack::new().site_web_config(site).resolve("/")?.forms;
    /// let t = forms.new_ticket("alice", OffsetDateTime::now_utc());
    /// assert_eq!((t.lifetime(), t.cookie_path.as_str()), (Duration::minutes(20), "/shop"));
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    #[must_use]
    pub fn new_ticket(&self, name: &str, now: OffsetDateTime) -> FormsAuthenticationTicket {
        let mut ticket = FormsAuthenticationTicket::new(name, now, self.timeout);
        ticket.cookie_path.clone_from(&self.path);
        ticket
    }

    /// What `FormsAuthenticationModule` does with a ticket that verified on a request at
    /// `now`: with `slidingExpiration`, a renewed ticket once half its life is gone
    /// ([`FormsAuthenticationTicket::renew_if_old`]); otherwise `None`.
    #[must_use]
    pub fn renew_on_request(
        &self,
        ticket: &FormsAuthenticationTicket,
        now: OffsetDateTime,
    ) -> Option<FormsAuthenticationTicket> {
        if self.sliding_expiration {
            ticket.renew_if_old(now)
        } else {
            None
        }
    }
}
