//! The protected login cookies of every ASP.NET generation, behind one trait
//! ([`LoginCookie`]): `.ASPXAUTH` forms tickets, the OWIN/Katana cookie
//! (`.AspNet.ApplicationCookie`), the ASP.NET Core cookie (`.AspNetCore.Cookies`,
//! `.AspNetCore.Identity.Application`) and the Interop cookie that 4.x and Core sites share.
//!
//! | cookie | ticket | protection | text |
//! |---|---|---|---|
//! | forms (`.ASPXAUTH`) | [`FormsAuthenticationTicket`] | `<machineKey>` ([`AppKeys`]) | hex |
//! | OWIN ([`AuthCookie::owin`]) | [`katana`] v3, GZip | `MachineKey.Protect` with `Microsoft.Owin.Security.Cookies.CookieAuthenticationMiddleware`, the authentication type, `v1` (`MachineKeyDataProtector`) | Base64url |
//! | Core ([`AuthCookie::core`]) | [`core`] v5 | Data Protection with `Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware`, the scheme, `v2` (after the application discriminator) | Base64url |
//! | Interop ([`AuthCookie::interop`]) | [`core`] v5, one identity | as Core | Base64url |
//!
//! Every failure after the text is decoded (a wrong key or purpose, a tampered value, a
//! ticket that does not parse) is the one opaque [`Error::Unprotect`], as ASP.NET's
//! `SecureDataFormat` swallows every exception.
//!
//! # Example
//! ```
//! use machinekey::dataprotection::KeyRing;
//! use machinekey::formats::auth_cookie::{AuthCookie, LoginCookie};
//! use machinekey::formats::auth_ticket::{Claim, ClaimsIdentity};
//! use time::{Duration, OffsetDateTime};
//! let mut ring = KeyRing::new();
//! let now = OffsetDateTime::now_utc();
//! ring.generate_key(now - Duration::days(1), &machinekey::random::OsRandom)?;
//! let cookie = AuthCookie::core(&ring, "Cookies", None)?;
//! let mut identity = ClaimsIdentity::new("Cookies");
//! identity.claims.push(Claim::name("alice"));
//! let ticket = cookie.sign_in(vec![identity], false, now);
//! let set = cookie.issue(&ticket, &cookie.template())?;
//! let mut jar = set.iter().map(|c| (c.name.as_str(), c.value.as_str()));
//! let login = cookie.read(&mut jar, now)?;
//! assert_eq!(login.name(), Some("alice"));
//! # Ok::<(), machinekey::Error>(())
//! ```
//!
//! [`FormsAuthenticationTicket`]: crate::FormsAuthenticationTicket
//! [`katana`]: crate::formats::auth_ticket::katana
//! [`core`]: crate::formats::auth_ticket::core

mod chunking;

use core::fmt;
use std::sync::Arc;

use time::{Duration, OffsetDateTime};

pub use chunking::Chunking;

use crate::clock::FixedClock;
use crate::config::forms::{CookieProtection, FormsSettings};
use crate::crypto::encoding::{from_base64url, to_base64url};
use crate::dataprotection::{DataProtector, KeyRing, consumers};
use crate::error::{ArgumentError, Error};
use crate::formats::AppKeys;
use crate::formats::auth_ticket::{self, AuthTicket, ClaimsIdentity, core as core_ticket, katana};
use crate::formats::forms_ticket::{FormsAuthenticationTicket, TicketValidation};
use crate::names::names;

/// The first purpose of the OWIN cookie middleware's protector.
pub const OWIN_PURPOSE: &str = "Microsoft.Owin.Security.Cookies.CookieAuthenticationMiddleware";
/// The first purpose of ASP.NET Core's cookie handler (and of Interop).
pub const CORE_PURPOSE: &str =
    "Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware";

/// `ExpireTimeSpan`'s default in both stacks: 14 days.
pub const DEFAULT_EXPIRE: Duration = Duration::days(14);

/// `SameSite`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SameSite {
    /// `samesite=lax` (ASP.NET Core's cookie default).
    Lax,
    /// `samesite=strict`.
    Strict,
    /// `samesite=none` (needs `Secure`).
    None,
}

names!(SameSite, "The attribute value, as `Set-Cookie` writes it.", {
    Lax => "lax",
    Strict => "strict",
    None => "none",
});

/// One `Set-Cookie` header: name, value and attributes, written in the order and spelling of
/// ASP.NET Core's `SetCookieHeaderValue` (`expires`, `domain`, `path`, `secure`, `samesite`,
/// `httponly`).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SetCookie {
    /// The name.
    pub name: String,
    /// The value (a protected ticket: never print it).
    pub value: String,
    /// `expires` (a persistent login, or the Unix epoch to delete).
    pub expires: Option<OffsetDateTime>,
    /// `domain`.
    pub domain: Option<String>,
    /// `path` (ASP.NET's default `/`).
    pub path: Option<String>,
    /// `secure`.
    pub secure: bool,
    /// `samesite`.
    pub same_site: Option<SameSite>,
    /// `httponly`.
    pub http_only: bool,
}

impl fmt::Debug for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetCookie")
            .field("name", &self.name)
            .field("value", &format_args!("[{} chars]", self.value.len()))
            .field("expires", &self.expires)
            .field("domain", &self.domain)
            .field("path", &self.path)
            .field("secure", &self.secure)
            .field("same_site", &self.same_site)
            .field("http_only", &self.http_only)
            .finish()
    }
}

/// `expires` as cookies write it: `Thu, 01 Jan 1970 00:00:00 GMT`.
const COOKIE_DATE: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

impl SetCookie {
    /// A cookie with path `/`, `httponly` and `samesite=lax`, ASP.NET Core's defaults.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::auth_cookie::SetCookie;
    /// assert_eq!(SetCookie::new("a", "b").header(), "a=b; path=/; samesite=lax; httponly");
    /// ```
    #[must_use]
    pub fn new(name: &str, value: &str) -> Self {
        Self {
            name: name.to_owned(),
            value: value.to_owned(),
            expires: None,
            domain: None,
            path: Some("/".to_owned()),
            secure: false,
            same_site: Some(SameSite::Lax),
            http_only: true,
        }
    }

    /// The same cookie with another value.
    #[must_use]
    pub fn with_value(&self, value: &str) -> Self {
        Self {
            value: value.to_owned(),
            ..self.clone()
        }
    }

    /// The `Set-Cookie` header's value, the cookie's value escaped with
    /// `Uri.EscapeDataString` as ASP.NET Core's `ResponseCookies.Append` (and Katana's)
    /// escapes it: Base64url values are unchanged, a standard Base64 value gets `%2B`, `%2F`
    /// and `%3D`.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::auth_cookie::SetCookie;
    /// assert_eq!(SetCookie::new("s", "a+b/c=").header(), "s=a%2Bb%2Fc%3D; path=/; samesite=lax; httponly");
    /// ```
    #[must_use]
    pub fn header(&self) -> String {
        let mut s = format!("{}={}", self.name, escape_data_string(&self.value));
        if let Some(e) = self.expires {
            if let Ok(d) = e.to_offset(time::UtcOffset::UTC).format(COOKIE_DATE) {
                s.push_str("; expires=");
                s.push_str(&d);
            }
        }
        if let Some(d) = &self.domain {
            s.push_str("; domain=");
            s.push_str(d);
        }
        if let Some(p) = &self.path {
            s.push_str("; path=");
            s.push_str(p);
        }
        if self.secure {
            s.push_str("; secure");
        }
        match self.same_site {
            Some(SameSite::Lax) => s.push_str("; samesite=lax"),
            Some(SameSite::Strict) => s.push_str("; samesite=strict"),
            Some(SameSite::None) => s.push_str("; samesite=none"),
            None => {}
        }
        if self.http_only {
            s.push_str("; httponly");
        }
        s
    }
}

/// The `name=value` pairs of a `Cookie` request header: split on `;`, trimmed, one pair of
/// quotes around a value removed; a part without `=` is skipped.
///
/// # Example
/// ```
/// use machinekey::formats::auth_cookie::cookie_pairs;
/// let pairs: Vec<_> = cookie_pairs(r#".AspNetCore.Cookies=chunks-2; a="b"; junk"#).collect();
/// assert_eq!(pairs, [(".AspNetCore.Cookies", "chunks-2"), ("a", "b")]);
/// ```
pub fn cookie_pairs(header: &str) -> impl Iterator<Item = (&str, &str)> {
    header.split(';').filter_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        Some((k.trim(), v))
    })
}

/// The name and value of one `Set-Cookie` header as a response carries it (`name=value;
/// path=/; …`, with or without the `Set-Cookie:` prefix), to join chunks pasted from a
/// response as a browser would send them back. `None` without a `name=value` pair.
///
/// # Example
/// ```
/// use machinekey::formats::auth_cookie::{Chunking, set_cookie_pair};
/// let sent = ["Set-Cookie: .AspNetCore.Cookies=chunks-2; path=/; samesite=lax; httponly",
///     ".AspNetCore.CookiesC1=CfDJ8; path=/", ".AspNetCore.CookiesC2=AbC; path=/"];
/// let jar: Vec<_> = sent.iter().filter_map(|h| set_cookie_pair(h)).collect();
/// assert_eq!(Chunking::Core.join(&jar, ".AspNetCore.Cookies").as_deref(), Some("CfDJ8AbC"));
/// ```
#[must_use]
pub fn set_cookie_pair(header: &str) -> Option<(&str, &str)> {
    let header = header.trim();
    let header = match header.get(..11) {
        Some(p) if p.eq_ignore_ascii_case("set-cookie:") => header.get(11..)?.trim_start(),
        _ => header,
    };
    let first = header.split(';').next()?;
    let (name, value) = first.split_once('=')?;
    let name = name.trim();
    (!name.is_empty()).then_some((name, value.trim()))
}

/// A login read from a cookie: the ticket, and whether the issuing stack would renew it on
/// this request (sliding expiration).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Login {
    /// The ticket (for a forms ticket: one identity of authentication type `Forms` whose name
    /// claim is the ticket's name, and the ticket's dates and persistence as properties).
    pub ticket: AuthTicket,
    /// The renewed ticket to issue, when sliding expiration renews it.
    pub renewed: Option<AuthTicket>,
}

impl Login {
    /// The user's name.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.ticket.name()
    }
}

/// What a service needs from any ASP.NET login cookie: its name, reading it from a request's
/// cookies (chunks joined, expiry and renewal checked with `now`), and issuing it.
///
/// A request's cookies are given as the `(name, value)` pairs [`cookie_pairs`] returns,
/// as a `&mut dyn Iterator` so the trait stays usable as `dyn LoginCookie`;
/// [`read_header`](Self::read_header) takes a `Cookie` header as it comes.
pub trait LoginCookie: Send + Sync {
    /// The cookie's name.
    fn cookie_name(&self) -> &str;

    /// The `Set-Cookie` attributes this stack issues the cookie with (value empty).
    fn template(&self) -> SetCookie;

    /// Reads the login from a request's cookies.
    ///
    /// # Errors
    /// [`Error::Unprotect`] when the cookie is absent or does not open (one opaque error),
    /// [`Error::Malformed`] when its text is not the stack's encoding,
    /// [`Error::TicketExpired`] when it opened but has expired.
    fn read(
        &self,
        cookies: &mut dyn Iterator<Item = (&str, &str)>,
        now: OffsetDateTime,
    ) -> Result<Login, Error>;

    /// [`read`](Self::read) from a `Cookie` request header's value.
    ///
    /// # Errors
    /// As [`read`](Self::read).
    fn read_header(&self, cookie_header: &str, now: OffsetDateTime) -> Result<Login, Error> {
        self.read(&mut cookie_pairs(cookie_header), now)
    }

    /// The `Set-Cookie` headers that issue `ticket` (chunked as the stack chunks it).
    ///
    /// # Errors
    /// What protecting the ticket returns; [`Error::TooLong`] when it cannot be issued.
    fn issue(&self, ticket: &AuthTicket, template: &SetCookie) -> Result<Vec<SetCookie>, Error>;

    /// A new ticket for `identities` signed in at `now` (`.issued`, `.expires` from the
    /// stack's lifetime, `.persistent`).
    fn sign_in(
        &self,
        identities: Vec<ClaimsIdentity>,
        persistent: bool,
        now: OffsetDateTime,
    ) -> AuthTicket;

    /// The `Set-Cookie` headers that sign out: the cookie and its chunks among a request's
    /// `cookies`, expired at the Unix epoch.
    fn sign_out(
        &self,
        cookies: &mut dyn Iterator<Item = (&str, &str)>,
        template: &SetCookie,
    ) -> Vec<SetCookie> {
        let name = self.cookie_name();
        let mut out = Vec::new();
        for (n, _) in cookies {
            let chunk = n.strip_prefix(name).is_some_and(|rest| {
                rest.is_empty()
                    || rest
                        .strip_prefix('C')
                        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            });
            if chunk {
                let mut c = template.with_value("");
                c.name = n.to_owned();
                c.expires = Some(OffsetDateTime::UNIX_EPOCH);
                out.push(c);
            }
        }
        out
    }
}

/// The stack that protects an [`AuthCookie`].
#[derive(Clone)]
enum Protection {
    /// `MachineKey.Protect` with these purposes (OWIN's `MachineKeyDataProtector`).
    MachineKey(Box<AppKeys>, Vec<String>),
    /// A Data Protection protector (Core, Interop).
    DataProtection(DataProtector),
}

/// Which ticket layout an [`AuthCookie`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TicketFormat {
    /// Katana v3, GZip (the OWIN cookie).
    Katana,
    /// Core v5.
    Core,
    /// Core v5 as `Microsoft.Owin.Security.Interop` writes it (one identity).
    Interop,
}

names!(TicketFormat, "The name, in words.", {
    Katana => "Katana",
    Core => "Core",
    Interop => "Interop",
});

/// An OWIN, Core or Interop login cookie: its format, keys and purposes, name, chunking, and
/// lifetime rules.
#[derive(Clone)]
pub struct AuthCookie {
    format: TicketFormat,
    protection: Protection,
    name: String,
    chunking: Chunking,
    expire: Duration,
    sliding: bool,
}

impl fmt::Debug for AuthCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthCookie")
            .field("format", &self.format)
            .field("name", &self.name)
            .field("chunking", &self.chunking)
            .field("expire", &self.expire)
            .field("sliding", &self.sliding)
            .finish_non_exhaustive()
    }
}

impl AuthCookie {
    /// The OWIN cookie of an ASP.NET 4.x site (`app.UseCookieAuthentication`, ASP.NET
    /// Identity 2): Katana tickets protected with `MachineKey.Protect` under the application's
    /// `<machineKey>`; named `.AspNet.` + the authentication type (`ApplicationCookie` for
    /// Identity, `Cookies` by default).
    ///
    /// Like [`core`](Self::core) and [`interop`](Self::interop), it checks its name at once:
    /// an empty authentication type would make an empty `MachineKey.Protect` purpose, which
    /// ASP.NET refuses on every use.
    ///
    /// # Errors
    /// [`ArgumentError::EmptyScheme`] for an empty or white-space authentication type.
    ///
    /// # Example
    /// ```
    /// use machinekey::{AppKeys, MachineKeyConfig};
    /// use machinekey::config::{DecryptionAlgorithm, ValidationAlgorithm};
    /// use machinekey::formats::auth_cookie::{AuthCookie, LoginCookie};
    /// let cfg = MachineKeyConfig::builder()
    ///     .validation_key("A0FF8AAEEF61C0F962B18DA75FC2FCB2113255870C45C3C695FF2F98652A665DEE2F57A7CA4236F17423EC0D7B6CE0F8BE25323D0FF4BA7DBB3113451709A781")
    ///     .decryption_key("5C66D9C8F48669CF12EA7E69EBEB2C2C2775F37DAFA3AF49")
    ///     .validation(ValidationAlgorithm::HmacSha512).decryption(DecryptionAlgorithm::Aes).build()?;
    /// let cookie = AuthCookie::owin(&AppKeys::explicit(&cfg)?, "ApplicationCookie")?;
    /// assert_eq!(cookie.cookie_name(), ".AspNet.ApplicationCookie");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn owin(keys: &AppKeys, authentication_type: &str) -> Result<Self, Error> {
        if authentication_type.trim().is_empty() {
            return Err(ArgumentError::EmptyScheme.into());
        }
        Ok(Self {
            format: TicketFormat::Katana,
            protection: Protection::MachineKey(
                Box::new(keys.clone()),
                vec![
                    OWIN_PURPOSE.to_owned(),
                    authentication_type.to_owned(),
                    "v1".to_owned(),
                ],
            ),
            name: format!(".AspNet.{authentication_type}"),
            chunking: Chunking::Katana,
            expire: DEFAULT_EXPIRE,
            sliding: true,
        })
    }

    /// The ASP.NET Core cookie of `scheme` (`Cookies`, `Identity.Application`): Core tickets
    /// protected by the key ring under the purposes `CookieAuthenticationMiddleware`, the
    /// scheme, `v2`, after the application discriminator when the application has one
    /// (`SetApplicationName`, or its content root); named `.AspNetCore.` + the escaped scheme.
    ///
    /// # Errors
    /// [`ArgumentError::EmptyScheme`] for an empty scheme.
    ///
    /// # Example
    /// See the [module documentation](self).
    pub fn core(ring: &KeyRing, scheme: &str, discriminator: Option<&str>) -> Result<Self, Error> {
        Ok(Self {
            format: TicketFormat::Core,
            protection: Protection::DataProtection(data_protector(ring, scheme, discriminator)?),
            name: format!(".AspNetCore.{}", escape_data_string(scheme)),
            chunking: Chunking::Core,
            expire: DEFAULT_EXPIRE,
            sliding: true,
        })
    }

    /// The cookie a 4.x site and a Core site share through `Microsoft.Owin.Security.Interop`
    /// (Microsoft's "share authentication cookies among ASP.NET apps"): Core's purposes and
    /// key ring, the ticket written by `AspNetTicketSerializer` (one identity), Interop's
    /// chunking; named as the sites name it (the docs use `.AspNet.SharedCookie`).
    ///
    /// # Errors
    /// As [`core`](Self::core).
    ///
    /// # Example
    /// ```
    /// use machinekey::dataprotection::KeyRing;
    /// use machinekey::formats::auth_cookie::{AuthCookie, LoginCookie};
    /// let cookie = AuthCookie::interop(&KeyRing::new(), "Identity.Application", Some("SharedCookieApp"), ".AspNet.SharedCookie")?;
    /// assert_eq!(cookie.cookie_name(), ".AspNet.SharedCookie");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn interop(
        ring: &KeyRing,
        scheme: &str,
        discriminator: Option<&str>,
        cookie_name: &str,
    ) -> Result<Self, Error> {
        Ok(Self {
            format: TicketFormat::Interop,
            protection: Protection::DataProtection(data_protector(ring, scheme, discriminator)?),
            name: cookie_name.to_owned(),
            chunking: Chunking::Interop,
            expire: DEFAULT_EXPIRE,
            sliding: true,
        })
    }

    /// The same cookie under another name (`CookieAuthenticationOptions.CookieName` /
    /// `Cookie.Name`).
    #[must_use]
    pub fn with_cookie_name(mut self, name: &str) -> Self {
        name.clone_into(&mut self.name);
        self
    }

    /// Another `ExpireTimeSpan` (default 14 days).
    #[must_use]
    pub fn with_expire_time_span(mut self, expire: Duration) -> Self {
        self.expire = expire;
        self
    }

    /// `SlidingExpiration` on or off (default on).
    #[must_use]
    pub fn with_sliding_expiration(mut self, sliding: bool) -> Self {
        self.sliding = sliding;
        self
    }

    /// The ticket layout.
    #[must_use]
    pub fn format(&self) -> TicketFormat {
        self.format
    }

    /// The purposes the cookie is protected under (for OWIN, `MachineKey.Protect`'s; for
    /// Core and Interop, the Data Protection chain, discriminator first).
    #[must_use]
    pub fn purposes(&self) -> Vec<String> {
        match &self.protection {
            Protection::MachineKey(_, purposes) => purposes.clone(),
            Protection::DataProtection(p) => p.purposes().to_vec(),
        }
    }

    /// Protects a ticket as the cookie's value (before chunking). With Data Protection, the
    /// key is the ring's default key at the ticket's `.issued` time (now, when it has none).
    ///
    /// # Errors
    /// [`Error::Ticket`] when the ticket cannot be written in this format (a Katana
    /// or Interop ticket of other than one identity, say); the protector's errors.
    ///
    /// # Example
    /// See the [module documentation](self).
    pub fn protect(&self, ticket: &AuthTicket) -> Result<String, Error> {
        let bytes = match self.format {
            TicketFormat::Katana => katana::serialize(ticket),
            TicketFormat::Core => core_ticket::serialize(ticket),
            TicketFormat::Interop => core_ticket::serialize_interop(ticket),
        }?;
        let protected = match &self.protection {
            Protection::MachineKey(keys, purposes) => keys.protect(&bytes, purposes)?,
            // The default key is the one of the ticket's issue time (sign-in or renewal).
            Protection::DataProtection(p) => match ticket.issued() {
                Some(issued) => p.clone().at(issued).protect(&bytes)?,
                None => p.protect(&bytes)?,
            },
        };
        Ok(to_base64url(&protected))
    }

    /// Opens a cookie value (chunks already joined).
    ///
    /// # Errors
    /// [`Error::Malformed`] when the text is not Base64url; [`Error::Unprotect`] for every
    /// failure after that, the ticket's parse included.
    ///
    /// # Example
    /// See the [module documentation](self).
    pub fn unprotect(&self, value: &str) -> Result<AuthTicket, Error> {
        let bytes = self.unprotect_payload(value)?;
        self.parse(&bytes).map_err(|_| Error::Unprotect)
    }

    /// The verified (and decrypted) ticket bytes of a cookie value, before parsing: for a
    /// diagnosis of a cookie whose MAC verifies but whose ticket does not parse (telling
    /// that apart reveals nothing to someone without the keys).
    ///
    /// # Errors
    /// [`Error::Malformed`] when the text is not Base64url; [`Error::Unprotect`] when it
    /// does not verify under this cookie's keys and purposes.
    ///
    /// # Example
    /// See [`parse`](Self::parse).
    pub fn unprotect_payload(&self, value: &str) -> Result<Vec<u8>, Error> {
        let blob = from_base64url(value.trim())?;
        match &self.protection {
            Protection::MachineKey(keys, purposes) => keys.unprotect(&blob, purposes),
            Protection::DataProtection(p) => p.unprotect(&blob),
        }
        .map_err(|_| Error::Unprotect)
    }

    /// Reads verified ticket bytes in this cookie's format (Katana: GZip first).
    ///
    /// # Errors
    /// [`TicketError`](auth_ticket::TicketError) with the offset of what does not parse.
    ///
    /// # Example
    /// ```
    /// use machinekey::dataprotection::KeyRing;
    /// use machinekey::formats::auth_cookie::AuthCookie;
    /// let mut ring = KeyRing::new();
    /// ring.generate_key(time::OffsetDateTime::now_utc() - time::Duration::days(1), &machinekey::random::OsRandom)?;
    /// let cookie = AuthCookie::core(&ring, "Cookies", None)?;
    /// let protected = ring.protector(&machinekey::dataprotection::consumers::cookie_authentication("Cookies"))?.protect(b"not a ticket")?;
    /// let payload = cookie.unprotect_payload(&machinekey::crypto::encoding::to_base64url(&protected))?;
    /// assert!(cookie.parse(&payload).is_err());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn parse(&self, payload: &[u8]) -> Result<AuthTicket, auth_ticket::TicketError> {
        match self.format {
            TicketFormat::Katana => katana::deserialize(payload),
            TicketFormat::Core => core_ticket::deserialize(payload),
            TicketFormat::Interop => core_ticket::deserialize_interop(payload),
        }
    }
}

fn data_protector(
    ring: &KeyRing,
    scheme: &str,
    discriminator: Option<&str>,
) -> Result<DataProtector, Error> {
    if scheme.is_empty() {
        return Err(ArgumentError::EmptyScheme.into());
    }
    let chain: Vec<String> = discriminator
        .map(str::to_owned)
        .into_iter()
        .chain(consumers::cookie_authentication(scheme))
        .collect();
    Arc::new(ring.clone()).into_protector(&chain)
}

/// `Uri.EscapeDataString`: everything but the RFC 3986 unreserved characters percent-encoded.
const DATA_STRING: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn escape_data_string(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, DATA_STRING).to_string()
}

/// `Uri.UnescapeDataString` as the request cookie collection applies it to each value;
/// text whose escapes do not decode to UTF-8 is kept as it is.
pub(crate) fn unescape_data_string(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map_or_else(|_| s.to_owned(), std::borrow::Cow::into_owned)
}

/// Sliding renewal as Katana's and Core's cookie handlers decide it: with both dates, sliding
/// on and `.refresh` not false, renew when more than half the window has passed, keeping
/// its length.
///
/// # Example
/// ```
/// use machinekey::formats::auth_cookie::renew_sliding;
/// use machinekey::formats::auth_ticket::AuthTicket;
/// use time::{Duration, OffsetDateTime};
/// let issued = OffsetDateTime::from_unix_timestamp(1_700_000_000)?;
/// let mut t = AuthTicket::new("Cookies", vec![]);
/// t.properties.set_issued(issued);
/// t.properties.set_expires(issued + Duration::days(14));
/// assert!(renew_sliding(&t, issued + Duration::days(6)).is_none());
/// let renewed = renew_sliding(&t, issued + Duration::days(8)).expect("past half");
/// assert_eq!(renewed.expires(), Some(issued + Duration::days(22)));
/// # Ok::<(), time::error::ComponentRange>(())
/// ```
#[must_use]
pub fn renew_sliding(ticket: &AuthTicket, now: OffsetDateTime) -> Option<AuthTicket> {
    if ticket.properties.allow_refresh() == Some(false) {
        return None;
    }
    let (issued, expires) = (ticket.issued()?, ticket.expires()?);
    let elapsed = now - issued;
    let remaining = expires - now;
    if remaining >= elapsed {
        return None;
    }
    let mut renewed = ticket.clone();
    renewed.properties.set_issued(now);
    renewed.properties.set_expires(now + (expires - issued));
    Some(renewed)
}

impl LoginCookie for AuthCookie {
    fn cookie_name(&self) -> &str {
        &self.name
    }

    fn template(&self) -> SetCookie {
        let mut c = SetCookie::new(&self.name, "");
        if self.format == TicketFormat::Katana {
            // Katana writes no SameSite attribute by default.
            c.same_site = None;
        }
        c
    }

    fn read(
        &self,
        cookies: &mut dyn Iterator<Item = (&str, &str)>,
        now: OffsetDateTime,
    ) -> Result<Login, Error> {
        let jar: Vec<(&str, &str)> = cookies.collect();
        let value = self
            .chunking
            .join(&jar, &self.name)
            .ok_or(Error::Unprotect)?;
        let ticket = self.unprotect(&value)?;
        if ticket.expires().is_some_and(|e| e < now) {
            return Err(Error::TicketExpired);
        }
        let renewed = if self.sliding {
            renew_sliding(&ticket, now)
        } else {
            None
        };
        Ok(Login { ticket, renewed })
    }

    fn issue(&self, ticket: &AuthTicket, template: &SetCookie) -> Result<Vec<SetCookie>, Error> {
        let value = self.protect(ticket)?;
        let mut template = template.clone();
        if ticket.is_persistent() {
            template.expires = ticket.expires();
        }
        self.chunking
            .split(&template, &value)
            .ok_or(Error::TooLong {
                what: "cookie attributes",
                limit: self.chunking.chunk_size(),
                actual: template.header().len(),
            })
    }

    fn sign_in(
        &self,
        identities: Vec<ClaimsIdentity>,
        persistent: bool,
        now: OffsetDateTime,
    ) -> AuthTicket {
        let scheme = match self.format {
            TicketFormat::Katana | TicketFormat::Interop => identities
                .first()
                .map(|i| i.authentication_type.clone())
                .unwrap_or_default(),
            TicketFormat::Core => self
                .name
                .strip_prefix(".AspNetCore.")
                .unwrap_or(&self.name)
                .to_owned(),
        };
        let mut t = AuthTicket::new(&scheme, identities);
        t.properties.set_issued(now);
        t.properties.set_expires(now + self.expire);
        if persistent {
            t.properties.set(auth_ticket::keys::PERSISTENT, "");
        }
        t
    }
}

/// The `.ASPXAUTH` forms-authentication cookie behind [`LoginCookie`]: read and issued with
/// [`AppKeys`] as `FormsAuthentication` does, renewed past half its timeout when
/// `<forms slidingExpiration>` is on (the default).
#[derive(Debug, Clone)]
pub struct FormsCookie {
    keys: AppKeys,
    name: String,
    protection: CookieProtection,
    timeout: Duration,
    sliding: bool,
    roles_separator: Option<char>,
}

impl FormsCookie {
    /// `.ASPXAUTH` with protection `All`, a 30-minute timeout and sliding expiration, as
    /// `<forms>` defaults.
    ///
    /// # Example
    /// ```
    /// use machinekey::{AppKeys, MachineKeyConfig};
    /// use machinekey::formats::auth_cookie::{FormsCookie, LoginCookie};
    /// let cfg = MachineKeyConfig::builder()
    ///     .validation_key("F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B")
    ///     .decryption_key("B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78")
    ///     .validation(machinekey::config::ValidationAlgorithm::Sha1).decryption(machinekey::config::DecryptionAlgorithm::Aes).build()?;
    /// let forms = FormsCookie::new(&AppKeys::explicit(&cfg)?);
    /// assert_eq!(forms.cookie_name(), ".ASPXAUTH");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn new(keys: &AppKeys) -> Self {
        Self {
            keys: keys.clone(),
            name: ".ASPXAUTH".to_owned(),
            protection: CookieProtection::All,
            timeout: Duration::minutes(30),
            sliding: true,
            roles_separator: None,
        }
    }

    /// The `.ASPXAUTH` cookie of an application's `<forms>` settings: its name, protection,
    /// timeout and sliding expiration.
    ///
    /// # Example
    /// ```
    /// use machinekey::AppKeys;
    /// use machinekey::config::stack::{ConfigFile, ConfigStack};
    /// use machinekey::formats::auth_cookie::{FormsCookie, LoginCookie};
    /// let site = ConfigFile::from_text(r#"<configuration><system.web>
    ///   <machineKey validationKey="F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B"
    ///     decryptionKey="B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78" />
    ///   <authentication mode="Forms"><forms name=".SHOP" timeout="20" /></authentication>
    /// </system.web></configuration>"#, "web.config");
    /// let resolved = ConfigStack::new().site_web_config(site).resolve("/")?;
    /// let forms = FormsCookie::from_settings(&AppKeys::explicit(&resolved.config)?, &resolved.forms);
    /// assert_eq!(forms.cookie_name(), ".SHOP");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn from_settings(keys: &AppKeys, settings: &FormsSettings) -> Self {
        Self {
            keys: keys.clone(),
            name: settings.name.clone(),
            protection: settings.protection,
            timeout: settings.timeout,
            sliding: settings.sliding_expiration,
            roles_separator: None,
        }
    }

    /// The site keeps the user's roles in `UserData`, separated by `separator`, and builds
    /// its principal from them, as the common `Global.asax` pattern does:
    ///
    /// ```text
    /// // Application_PostAuthenticateRequest
    /// var ticket = ((FormsIdentity)User.Identity).Ticket;
    /// Context.User = new GenericPrincipal(User.Identity, ticket.UserData.Split(','));
    /// ```
    ///
    /// Reading, each non-empty part of `UserData` becomes a role claim (the `userData` claim
    /// stays); issuing a ticket without a `userData` claim, its role claims are joined with
    /// `separator` as its `UserData`. Without this setting `UserData` is carried as it is and
    /// role claims are not written to the ticket.
    ///
    /// # Example
    /// ```
    /// # use machinekey::{AppKeys, MachineKeyConfig};
    /// use machinekey::formats::auth_cookie::{FormsCookie, LoginCookie};
    /// use machinekey::formats::auth_ticket::{Claim, ClaimsIdentity};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let forms = FormsCookie::new(&AppKeys::explicit(&cfg)?).with_roles_in_user_data(',');
    /// let mut id = ClaimsIdentity::new("Forms");
    /// id.claims.extend([Claim::name("alice"), Claim::role("Admin"), Claim::role("Editor")]);
    /// let now = time::OffsetDateTime::now_utc();
    /// let set = forms.issue(&forms.sign_in(vec![id], false, now), &forms.template())?;
    /// let login = forms.read(&mut [(".ASPXAUTH", set[0].value.as_str())].into_iter(), now)?;
    /// assert_eq!(login.ticket.roles(), ["Admin", "Editor"]);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn with_roles_in_user_data(mut self, separator: char) -> Self {
        self.roles_separator = Some(separator);
        self
    }

    /// The `UserData` roles separator, when [set](Self::with_roles_in_user_data).
    #[must_use]
    pub fn roles_separator(&self) -> Option<char> {
        self.roles_separator
    }

    /// Another cookie name (`<forms name>`).
    #[must_use]
    pub fn with_cookie_name(mut self, name: &str) -> Self {
        name.clone_into(&mut self.name);
        self
    }

    /// Another `<forms protection>` (ignored in Framework45 mode).
    #[must_use]
    pub fn with_protection(mut self, protection: CookieProtection) -> Self {
        self.protection = protection;
        self
    }

    /// Another `<forms timeout>`.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// `<forms slidingExpiration>`.
    #[must_use]
    pub fn with_sliding_expiration(mut self, sliding: bool) -> Self {
        self.sliding = sliding;
        self
    }
}

/// The claim type of a forms ticket's `UserData` in the [`AuthTicket`] a [`FormsCookie`]
/// reads (absent when `UserData` is empty).
pub const FORMS_USER_DATA_CLAIM: &str = "userData";
/// The property that keeps a forms ticket's `CookiePath` in the [`AuthTicket`] a
/// [`FormsCookie`] reads, so a renewal writes it back (and sets the cookie on that path).
pub const FORMS_COOKIE_PATH: &str = ".cookiePath";
/// The property that keeps a forms ticket's `Version` (absent for 2, the version
/// `FormsAuthentication` writes).
pub const FORMS_VERSION: &str = ".formsVersion";

fn forms_to_ticket(t: &FormsAuthenticationTicket, roles_separator: Option<char>) -> AuthTicket {
    let mut identity = ClaimsIdentity::new("Forms");
    identity.claims.push(auth_ticket::Claim::name(&t.name));
    if !t.user_data.is_empty() {
        identity
            .claims
            .push(auth_ticket::Claim::new(FORMS_USER_DATA_CLAIM, &t.user_data));
    }
    if let Some(sep) = roles_separator {
        // UserData is under 4 KB: its parts are few.
        let roles = t.user_data.split(sep).filter(|r| !r.is_empty());
        identity.claims.extend(roles.map(auth_ticket::Claim::role));
    }
    let mut ticket = AuthTicket::new("Forms", vec![identity]);
    ticket.properties.set(FORMS_COOKIE_PATH, &t.cookie_path);
    if t.version != 2 {
        ticket.properties.set(FORMS_VERSION, &t.version.to_string());
    }
    ticket.properties.set_issued(t.issue_date);
    ticket.properties.set_expires(t.expiration);
    if t.is_persistent {
        ticket.properties.set(auth_ticket::keys::PERSISTENT, "");
    }
    ticket
}

/// The `UserData` a forms ticket is issued with: the first identity's
/// [`FORMS_USER_DATA_CLAIM`] claim, else (with a roles separator) its roles joined.
fn user_data_of(ticket: &AuthTicket, roles_separator: Option<char>) -> String {
    let Some(id) = ticket.identities.first() else {
        return String::new();
    };
    if let Some(c) = id
        .claims
        .iter()
        .find(|c| c.claim_type == FORMS_USER_DATA_CLAIM)
    {
        return c.value.clone();
    }
    match roles_separator {
        Some(sep) => id.roles().join(&sep.to_string()),
        None => String::new(),
    }
}

impl LoginCookie for FormsCookie {
    fn cookie_name(&self) -> &str {
        &self.name
    }

    fn template(&self) -> SetCookie {
        let mut c = SetCookie::new(&self.name, "");
        c.same_site = None;
        c
    }

    fn read(
        &self,
        cookies: &mut dyn Iterator<Item = (&str, &str)>,
        now: OffsetDateTime,
    ) -> Result<Login, Error> {
        let mut value = None;
        for (k, v) in cookies {
            if k == self.name {
                value = Some(v);
                break;
            }
        }
        let value = value.ok_or(Error::Unprotect)?;
        let policy = TicketValidation::default().with_clock(Arc::new(FixedClock(now)));
        let forms = self.keys.decrypt_ticket(value, self.protection, &policy)?;
        let sep = self.roles_separator;
        let renewed = if self.sliding {
            forms.renew_if_old(now).map(|t| forms_to_ticket(&t, sep))
        } else {
            None
        };
        Ok(Login {
            ticket: forms_to_ticket(&forms, sep),
            renewed,
        })
    }

    fn issue(&self, ticket: &AuthTicket, template: &SetCookie) -> Result<Vec<SetCookie>, Error> {
        let name = ticket.name().ok_or(ArgumentError::TicketWithoutName)?;
        let now = ticket.issued().unwrap_or_else(OffsetDateTime::now_utc);
        let lifetime = ticket.expires().map_or(self.timeout, |e| e - now);
        let mut forms = FormsAuthenticationTicket::new(name, now, lifetime);
        forms.is_persistent = ticket.is_persistent();
        // What the ticket carries besides the name (FormsAuthentication.RenewTicketIfOld
        // keeps every field): UserData, CookiePath, Version.
        forms.user_data = user_data_of(ticket, self.roles_separator);
        if let Some(path) = ticket
            .properties
            .get(FORMS_COOKIE_PATH)
            .or(template.path.as_deref())
        {
            path.clone_into(&mut forms.cookie_path);
        }
        if let Some(v) = ticket
            .properties
            .get(FORMS_VERSION)
            .and_then(|v| v.parse().ok())
        {
            forms.version = v;
        }
        let value = self.keys.encrypt_ticket(&forms, self.protection)?;
        let mut c = template.with_value(&value);
        // FormsAuthentication writes the cookie on the ticket's CookiePath.
        c.path = Some(forms.cookie_path.clone());
        if forms.is_persistent {
            c.expires = ticket.expires();
        }
        Ok(vec![c])
    }

    fn sign_in(
        &self,
        identities: Vec<ClaimsIdentity>,
        persistent: bool,
        now: OffsetDateTime,
    ) -> AuthTicket {
        let mut t = AuthTicket::new("Forms", identities);
        t.properties.set_issued(now);
        t.properties.set_expires(now + self.timeout);
        if persistent {
            t.properties.set(auth_ticket::keys::PERSISTENT, "");
        }
        t
    }
}
