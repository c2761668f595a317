//! Forms-authentication tickets, the `.ASPXAUTH` cookie (`FormsAuthentication.Encrypt`).
//!
//! The ticket is serialized with the v1 layout of `FormsAuthenticationTicketSerializer`
//! (or, with `aspnet:UseLegacyFormsAuthenticationTicketCompatibility`, the pre-2011 native
//! layout), then protected: in Framework45 mode with purpose `FormsAuthentication.Ticket`
//! (`<forms protection>` is ignored), in legacy mode by `<forms protection>`. Cookies are
//! upper-case hex; cookieless URLs use `UrlToken`.

use super::AppKeys;
use super::cookie::CookieProtection;
use crate::config::CompatibilityMode;
use crate::crypto::encoding::{from_hex, to_upper_hex, url_token_decode};
use crate::crypto::framework45::{Purpose, primary};
use crate::error::Error;

/// .NET ticks (100 ns since 0001-01-01) at the Unix epoch.
pub const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;
/// .NET ticks at the FILETIME epoch (1601-01-01).
const FILETIME_EPOCH_TICKS: i64 = 504_911_232_000_000_000;
/// `FormsAuthentication.MAX_TICKET_LENGTH`, in characters of cookie text.
pub const MAX_TICKET_LENGTH: usize = 4096;
/// .NET ticks per second.
pub const TICKS_PER_SECOND: i64 = 10_000_000;

/// Converts Unix seconds to .NET ticks (saturating).
///
/// # Example
/// ```
/// use machinekey::formats::forms_ticket::{ticks_from_unix_seconds, unix_seconds_from_ticks};
/// assert_eq!(unix_seconds_from_ticks(ticks_from_unix_seconds(1_700_000_000)), 1_700_000_000);
/// ```
#[must_use]
pub fn ticks_from_unix_seconds(seconds: i64) -> i64 {
    seconds
        .saturating_mul(TICKS_PER_SECOND)
        .saturating_add(UNIX_EPOCH_TICKS)
}

/// Converts .NET ticks to Unix seconds (rounding toward negative infinity).
#[must_use]
pub fn unix_seconds_from_ticks(ticks: i64) -> i64 {
    ticks
        .saturating_sub(UNIX_EPOCH_TICKS)
        .div_euclid(TICKS_PER_SECOND)
}

/// A forms-authentication ticket. Dates are UTC .NET ticks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FormsAuthenticationTicket {
    /// `Version` (serialized as one byte).
    pub version: u8,
    /// `Name`, the user name.
    pub name: String,
    /// `IssueDateUtc`, in .NET ticks.
    pub issue_date_ticks: i64,
    /// `ExpirationUtc`, in .NET ticks.
    pub expiration_ticks: i64,
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
    /// let t = FormsAuthenticationTicket {
    ///     version: 2, name: "alice".into(), issue_date_ticks: 1, expiration_ticks: 2,
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
        out.extend_from_slice(&self.issue_date_ticks.to_le_bytes());
        out.push(0xFE);
        out.extend_from_slice(&self.expiration_ticks.to_le_bytes());
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
        let issue_date_ticks = c.i64()?;
        c.require(0xFE)?;
        let expiration_ticks = c.i64()?;
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
            issue_date_ticks,
            expiration_ticks,
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
    /// let t = FormsAuthenticationTicket {
    ///     version: 1, name: "bob".into(), issue_date_ticks: 638_000_000_000_000_000,
    ///     expiration_ticks: 638_000_100_000_000_000, is_persistent: true,
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
        out.extend_from_slice(
            &self
                .issue_date_ticks
                .saturating_sub(FILETIME_EPOCH_TICKS)
                .to_le_bytes(),
        );
        out.push(u8::from(self.is_persistent));
        out.extend_from_slice(
            &self
                .expiration_ticks
                .saturating_sub(FILETIME_EPOCH_TICKS)
                .to_le_bytes(),
        );
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
        let issue_date_ticks = c
            .i64()?
            .checked_add(FILETIME_EPOCH_TICKS)
            .ok_or(Error::Unprotect)?;
        let is_persistent = c.byte()? != 0;
        let expiration_ticks = c
            .i64()?
            .checked_add(FILETIME_EPOCH_TICKS)
            .ok_or(Error::Unprotect)?;
        let user_data = c.nul_utf16()?;
        let cookie_path = c.nul_utf16()?;
        if !c.0.is_empty() {
            return Err(Error::Unprotect);
        }
        Ok(Self {
            version,
            name,
            issue_date_ticks,
            expiration_ticks,
            is_persistent,
            user_data,
            cookie_path,
        })
    }

    /// Whether the ticket has expired at `now` (UTC ticks) under `policy`.
    ///
    /// # Example
    /// ```
    /// # use machinekey::formats::forms_ticket::{FormsAuthenticationTicket, TicketValidation};
    /// # let t = FormsAuthenticationTicket { version: 2, name: "a".into(), issue_date_ticks: 0,
    /// #     expiration_ticks: 100, is_persistent: false, user_data: String::new(), cookie_path: "/".into() };
    /// assert!(!t.is_expired(99, &TicketValidation::default()));
    /// assert!(t.is_expired(101, &TicketValidation::default()));
    /// ```
    #[must_use]
    pub fn is_expired(&self, now_ticks: i64, policy: &TicketValidation) -> bool {
        self.expiration_ticks
            .saturating_add(policy.clock_skew_ticks)
            < now_ticks
    }
}

/// A source of the current time, as UTC .NET ticks (injectable for tests and simulations).
pub trait Clock: Send + Sync + core::fmt::Debug {
    /// The current UTC time in .NET ticks.
    fn now_ticks(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ticks(&self) -> i64 {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let ticks = i64::try_from(since.as_nanos() / 100).unwrap_or(i64::MAX);
        ticks.saturating_add(UNIX_EPOCH_TICKS)
    }
}

/// How a decrypted ticket is judged. Defaults are ASP.NET's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TicketValidation {
    /// Refuse expired tickets (`FormsAuthenticationModule` drops them). Defaults to `true`.
    pub require_not_expired: bool,
    /// Tolerance added to the expiration, in ticks. Defaults to `0`, as ASP.NET has none.
    pub clock_skew_ticks: i64,
}

impl Default for TicketValidation {
    fn default() -> Self {
        Self {
            require_not_expired: true,
            clock_skew_ticks: 0,
        }
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
    /// # Errors
    /// The stack's configuration error, or [`Error::Random`].
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::formats::AppKeys;
    /// use machinekey::formats::cookie::CookieProtection;
    /// use machinekey::formats::forms_ticket::FormsAuthenticationTicket;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let keys = AppKeys::explicit(&cfg)?;
    /// let ticket = FormsAuthenticationTicket {
    ///     version: 2, name: "alice".into(), issue_date_ticks: 638_000_000_000_000_000,
    ///     expiration_ticks: 638_000_018_000_000_000, is_persistent: false,
    ///     user_data: String::new(), cookie_path: "/".into(),
    /// };
    /// let cookie = keys.encrypt_ticket(&ticket, CookieProtection::All)?;
    /// assert_eq!(keys.decrypt_ticket(&cookie, CookieProtection::All)?, ticket);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn encrypt_ticket(
        &self,
        ticket: &FormsAuthenticationTicket,
        protection: CookieProtection,
    ) -> Result<String, Error> {
        let bytes = self.ticket_bytes(ticket, protection)?;
        let blob = if self.uses_framework45() {
            self.framework45()?
                .protect(&bytes, &Purpose::new(primary::FORMS_AUTHENTICATION_TICKET))?
        } else {
            self.legacy_protect(&bytes, protection)?
        };
        Ok(to_upper_hex(&blob))
    }

    /// `FormsAuthentication.Decrypt`: hex of either case, else `UrlToken`; 1 to 4096
    /// characters. Does not judge expiry (see
    /// [`decrypt_valid_ticket`](Self::decrypt_valid_ticket)).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for empty or over-long text; [`Error::Malformed`] if it is
    /// neither hex nor `UrlToken`; [`Error::Unprotect`] if it does not verify or parse.
    ///
    /// # Example
    /// See [`encrypt_ticket`](Self::encrypt_ticket).
    pub fn decrypt_ticket(
        &self,
        text: &str,
        protection: CookieProtection,
    ) -> Result<FormsAuthenticationTicket, Error> {
        if text.is_empty() || text.chars().count() > MAX_TICKET_LENGTH {
            return Err(Error::InvalidArgument("a ticket is 1 to 4096 characters"));
        }
        let blob = match from_hex(text) {
            Ok(bytes) => bytes,
            Err(_) => url_token_decode(text)?,
        };
        let bytes = if self.uses_framework45() {
            self.framework45()?
                .unprotect(&blob, &Purpose::new(primary::FORMS_AUTHENTICATION_TICKET))?
        } else {
            self.legacy_unprotect(&blob, protection)?
        };
        self.parse_ticket(&bytes)
    }

    /// [`decrypt_ticket`](Self::decrypt_ticket), then the expiry check of `policy` against
    /// `clock`.
    ///
    /// # Errors
    /// As [`decrypt_ticket`](Self::decrypt_ticket), and [`Error::TicketExpired`].
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::formats::AppKeys;
    /// use machinekey::formats::cookie::CookieProtection;
    /// use machinekey::formats::forms_ticket::{FormsAuthenticationTicket, SystemClock, TicketValidation};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// # let keys = AppKeys::explicit(&cfg)?;
    /// let old = FormsAuthenticationTicket {
    ///     version: 2, name: "alice".into(), issue_date_ticks: 630_000_000_000_000_000,
    ///     expiration_ticks: 630_000_018_000_000_000, is_persistent: false,
    ///     user_data: String::new(), cookie_path: "/".into(),
    /// };
    /// let cookie = keys.encrypt_ticket(&old, CookieProtection::All)?;
    /// let result = keys.decrypt_valid_ticket(&cookie, CookieProtection::All, &TicketValidation::default(), &SystemClock);
    /// assert_eq!(result, Err(machinekey::Error::TicketExpired));
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn decrypt_valid_ticket(
        &self,
        text: &str,
        protection: CookieProtection,
        policy: &TicketValidation,
        clock: &dyn Clock,
    ) -> Result<FormsAuthenticationTicket, Error> {
        let ticket = self.decrypt_ticket(text, protection)?;
        if policy.require_not_expired && ticket.is_expired(clock.now_ticks(), policy) {
            return Err(Error::TicketExpired);
        }
        Ok(ticket)
    }
}
