//! The OAuth 2.0 tokens of Katana's authorization server (`Microsoft.Owin.Security.OAuth`,
//! ASP.NET 4.x Web API's `/Token` endpoint): bearer access tokens, refresh tokens and
//! authorization codes. The bearer-token sibling of the OWIN cookie
//! ([`AuthCookie::owin`](crate::formats::auth_cookie::AuthCookie::owin)).
//!
//! Each is Katana's `TicketDataFormat`: the same `TicketSerializer` version 3 ticket as the
//! OWIN cookie ([`katana`], GZip-compressed), protected by the host's data protector and
//! written as Base64url without padding. Under IIS (`Microsoft.Owin.Host.SystemWeb`) the
//! protector is `MachineKeyDataProtector`, that is `MachineKey.Protect` under the
//! application's `<machineKey>` with the purposes the middleware creates it with
//! (`aspnet/AspNetKatana`, `src/Microsoft.Owin.Security.OAuth/OAuthAuthorizationServerMiddleware.cs`
//! and `OAuthBearerAuthenticationMiddleware.cs`):
//!
//! | token | [`TokenKind`] | purposes | default lifetime (`OAuthAuthorizationServerOptions`) |
//! |---|---|---|---|
//! | access (`access_token`, `Authorization: Bearer`) | [`Access`](TokenKind::Access) | `Microsoft.Owin.Security.OAuth`, `Access_Token`, `v1` | `AccessTokenExpireTimeSpan`, 20 minutes |
//! | refresh (`refresh_token`) | [`Refresh`](TokenKind::Refresh) | `Microsoft.Owin.Security.OAuth`, `Refresh_Token`, `v1` | none of its own: the access token's ticket, unless the application's `RefreshTokenProvider` sets one |
//! | authorization code (`code`) | [`AuthorizationCode`](TokenKind::AuthorizationCode) | `Microsoft.Owin.Security.OAuth.OAuthAuthorizationServerMiddleware`, `Authentication_Code`, `v1` | `AuthorizationCodeExpireTimeSpan`, 5 minutes |
//!
//! The access token's first purpose is the middleware's *namespace*
//! (`typeof(OAuthAuthorizationServerMiddleware).Namespace`), and the bearer middleware
//! creates its protector with the same three purposes, so the authorization server and the
//! resource servers read each other's tokens; the authorization code's is the class's *full
//! name*. An application that set its own `AccessTokenFormat` may use other purposes:
//! [`OAuthToken::with_purposes`].
//!
//! What the middleware checks, and [`OAuthToken::read`] with it:
//!
//! - access token (`OAuthBearerAuthenticationHandler`): `Authorization` starts with
//!   `Bearer ` (any case; the rest trimmed, [`bearer_token`]); a token that does not
//!   unprotect is refused; `.expires` before now is refused ("expired bearer token
//!   received"), a token without `.expires` never expires; the identity must be
//!   authenticated (a non-empty authentication type), or the default provider leaves it
//!   unvalidated.
//! - refresh token and authorization code (`OAuthAuthorizationServerHandler`): a ticket
//!   without `.expires`, or with `.expires` before now, is refused ("expired refresh token",
//!   "expired authorization code"). The code also carries `client_id` and, when the request
//!   had one, `redirect_uri` ([`props`]); the token endpoint compares them with the request,
//!   which is the caller's to do.
//!
//! The token endpoint sets `.issued` to the request time without its milliseconds and
//! `.expires` to `.issued` plus the lifetime; both are `"r"` dates (to the second), as
//! [`AuthProperties`](crate::formats::auth_ticket::AuthProperties) writes them.
//!
//! Every failure after the Base64url text is decoded is the one opaque
//! [`Error::Unprotect`], as `SecureDataFormat.Unprotect` swallows every exception.
//!
//! No access token published together with its keys was found (searched:
//! `dmarlow/AspNetTicketBridge` issues #1 and #2, `openiddict/openiddict-core` #1860,
//! `aspnet/Security` #1592, `aspnet/AspNetKatana` #285, Stack Overflow 26766530, whose
//! token's keys are AutoGenerate): the token's layout is **UNVERIFIED** against .NET output
//! as a whole. Its parts are verified: the ticket bytes are the real Katana ticket of the
//! Blacklist3r README's OWIN cookie, `MachineKey.Protect` is checked against real ASP.NET
//! output, and the purposes are Katana's source's (tests in `tests/oauth_tokens.rs`).
//!
//! # Example
//! ```
//! use machinekey::{AppKeys, MachineKeyConfig};
//! use machinekey::formats::auth_ticket::{Claim, ClaimsIdentity};
//! use machinekey::formats::oauth_token::{OAuthToken, TokenKind, bearer_token};
//! use time::{Duration, OffsetDateTime};
//! let cfg = MachineKeyConfig::builder()
//!     .validation_key("A0FF8AAEEF61C0F962B18DA75FC2FCB2113255870C45C3C695FF2F98652A665DEE2F57A7CA4236F17423EC0D7B6CE0F8BE25323D0FF4BA7DBB3113451709A781")
//!     .decryption_key("5C66D9C8F48669CF12EA7E69EBEB2C2C2775F37DAFA3AF49")
//!     .validation(machinekey::config::ValidationAlgorithm::HmacSha512).decryption(machinekey::config::DecryptionAlgorithm::Aes).build()?;
//! let access = OAuthToken::new(&AppKeys::explicit(&cfg)?, TokenKind::Access);
//! let mut identity = ClaimsIdentity::new("Bearer");
//! identity.claims.push(Claim::name("alice"));
//! let now = OffsetDateTime::now_utc();
//! let token = access.issue(identity, now)?;
//! let header = format!("Bearer {token}");
//! let ticket = access.read(bearer_token(header.as_bytes()).unwrap_or_default(), now)?;
//! assert_eq!(ticket.name(), Some("alice"));
//! // Twenty minutes later it has expired, as the bearer middleware decides.
//! assert!(access.read(&token, now + Duration::minutes(21)).is_err());
//! # Ok::<(), machinekey::Error>(())
//! ```
//!
//! [`katana`]: crate::formats::auth_ticket::katana

use core::fmt;

use time::{Duration, OffsetDateTime};

use crate::crypto::encoding::{from_base64url, to_base64url};
use crate::error::Error;
use crate::formats::AppKeys;
use crate::formats::auth_ticket::{AuthTicket, ClaimsIdentity, TicketError, katana};

/// `typeof(OAuthAuthorizationServerMiddleware).Namespace` (and the bearer middleware's): the
/// first purpose of access and refresh tokens.
pub const OAUTH_NAMESPACE: &str = "Microsoft.Owin.Security.OAuth";
/// `typeof(OAuthAuthorizationServerMiddleware).FullName`: the first purpose of authorization
/// codes.
pub const AUTHORIZATION_SERVER_MIDDLEWARE: &str =
    "Microsoft.Owin.Security.OAuth.OAuthAuthorizationServerMiddleware";

/// The `AuthenticationProperties` items the authorization server adds (Katana's
/// `Constants.Extra`).
pub mod props {
    /// The client an authorization code (or an implicit-grant access token) was issued to.
    pub const CLIENT_ID: &str = "client_id";
    /// The `redirect_uri` of the authorize request, kept in an authorization code for the
    /// token endpoint to compare.
    pub const REDIRECT_URI: &str = "redirect_uri";
}

/// Which of the authorization server's three token formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenKind {
    /// The access token (`AccessTokenFormat`), sent as `Authorization: Bearer`.
    Access,
    /// The refresh token (`RefreshTokenFormat`).
    Refresh,
    /// The authorization code (`AuthorizationCodeFormat`).
    AuthorizationCode,
}

impl TokenKind {
    /// Every kind, in the order the table of the [module documentation](self) lists them.
    pub const ALL: &'static [Self] = &[Self::Access, Self::Refresh, Self::AuthorizationCode];

    /// The purposes the middleware creates this format's data protector with.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::oauth_token::TokenKind;
    /// assert_eq!(TokenKind::Access.purposes(), ["Microsoft.Owin.Security.OAuth", "Access_Token", "v1"]);
    /// ```
    #[must_use]
    pub const fn purposes(self) -> [&'static str; 3] {
        match self {
            Self::Access => [OAUTH_NAMESPACE, "Access_Token", "v1"],
            Self::Refresh => [OAUTH_NAMESPACE, "Refresh_Token", "v1"],
            Self::AuthorizationCode => {
                [AUTHORIZATION_SERVER_MIDDLEWARE, "Authentication_Code", "v1"]
            }
        }
    }

    /// The lifetime [`OAuthToken::ticket`] gives by default: `AccessTokenExpireTimeSpan`'s
    /// default (20 minutes) for access and refresh tokens (a refresh token is written from
    /// the access token's ticket unless the application's provider changes it), and
    /// `AuthorizationCodeExpireTimeSpan`'s (5 minutes) for codes.
    #[must_use]
    pub const fn default_lifetime(self) -> Duration {
        match self {
            Self::Access | Self::Refresh => Duration::minutes(20),
            Self::AuthorizationCode => Duration::minutes(5),
        }
    }

    /// Whether the middleware refuses a ticket without `.expires` (refresh tokens and codes;
    /// an access token without one never expires).
    #[must_use]
    pub const fn requires_expiry(self) -> bool {
        !matches!(self, Self::Access)
    }

    /// A short name: `access`, `refresh`, `code`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
            Self::AuthorizationCode => "code",
        }
    }

    /// The kind of a short name ([`as_str`](Self::as_str)), or of the OAuth parameter that
    /// carries it (`access_token`, `refresh_token`, `code`), in any case.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::oauth_token::TokenKind;
    /// assert_eq!(TokenKind::from_name("refresh_token"), Some(TokenKind::Refresh));
    /// assert_eq!(TokenKind::from_name("id_token"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        let n = name.trim().to_ascii_lowercase();
        match n.as_str() {
            "access" | "access_token" | "bearer" => Some(Self::Access),
            "refresh" | "refresh_token" => Some(Self::Refresh),
            "code" | "authorization_code" => Some(Self::AuthorizationCode),
            _ => None,
        }
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The token of an `Authorization` header value as `OAuthBearerAuthenticationHandler` finds
/// it: the header starts with `Bearer ` in any case, and the rest, trimmed, is the token.
/// `None` for another scheme, an empty token, or bytes that are not ASCII.
///
/// # Example
/// ```
/// use machinekey::formats::oauth_token::bearer_token;
/// assert_eq!(bearer_token(b"bearer  abc_-9 "), Some("abc_-9"));
/// assert_eq!(bearer_token(b"Basic YTpi"), None);
/// assert_eq!(bearer_token(b"Bearer "), None);
/// ```
#[must_use]
pub fn bearer_token(authorization: &[u8]) -> Option<&str> {
    const PREFIX: &[u8] = b"Bearer ";
    let head = authorization.get(..PREFIX.len())?;
    if !head.eq_ignore_ascii_case(PREFIX) {
        return None;
    }
    let rest = authorization.get(PREFIX.len()..)?;
    if !rest.is_ascii() {
        return None;
    }
    let token = core::str::from_utf8(rest).ok()?.trim();
    (!token.is_empty()).then_some(token)
}

/// One of the authorization server's token formats under an application's `<machineKey>`:
/// reads and issues its tokens as Katana does (`TicketDataFormat` over
/// `MachineKeyDataProtector`).
#[derive(Clone)]
pub struct OAuthToken {
    kind: TokenKind,
    keys: Box<AppKeys>,
    purposes: Vec<String>,
    lifetime: Duration,
}

impl fmt::Debug for OAuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthToken")
            .field("kind", &self.kind)
            .field("purposes", &self.purposes)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl OAuthToken {
    /// The format of `kind` under these keys, with Katana's purposes and default lifetime.
    ///
    /// # Example
    /// See the [module documentation](self).
    #[must_use]
    pub fn new(keys: &AppKeys, kind: TokenKind) -> Self {
        Self {
            kind,
            keys: Box::new(keys.clone()),
            purposes: kind.purposes().iter().map(|p| (*p).to_owned()).collect(),
            lifetime: kind.default_lifetime(),
        }
    }

    /// Other purposes, for an application that set its own format (for example
    /// `app.CreateDataProtector(typeof(OAuthAuthorizationServerMiddleware).FullName,
    /// "Access_Token", "v1")`, as in `aspnet/AspNetKatana` issue #285).
    ///
    /// # Example
    /// ```
    /// # use machinekey::{AppKeys, MachineKeyConfig};
    /// use machinekey::formats::oauth_token::{OAuthToken, TokenKind, AUTHORIZATION_SERVER_MIDDLEWARE};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let t = OAuthToken::new(&AppKeys::explicit(&cfg)?, TokenKind::Access)
    ///     .with_purposes(&[AUTHORIZATION_SERVER_MIDDLEWARE, "Access_Token", "v1"]);
    /// assert_eq!(t.purposes()[0], AUTHORIZATION_SERVER_MIDDLEWARE);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn with_purposes<S: AsRef<str>>(mut self, purposes: &[S]) -> Self {
        self.purposes = purposes.iter().map(|p| p.as_ref().to_owned()).collect();
        self
    }

    /// Another lifetime for [`ticket`](Self::ticket) (the application's
    /// `AccessTokenExpireTimeSpan`, `AuthorizationCodeExpireTimeSpan`, or its refresh
    /// provider's).
    #[must_use]
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The token kind.
    #[must_use]
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The purposes the token is protected under (`MachineKey.Protect`'s).
    #[must_use]
    pub fn purposes(&self) -> &[String] {
        &self.purposes
    }

    /// The lifetime [`ticket`](Self::ticket) gives.
    #[must_use]
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// A ticket for `identity` issued at `now` as the token endpoint writes it: `.issued` is
    /// `now` to the second, `.expires` that plus the lifetime.
    #[must_use]
    pub fn ticket(&self, identity: ClaimsIdentity, now: OffsetDateTime) -> AuthTicket {
        let scheme = identity.authentication_type.clone();
        let mut t = AuthTicket::new(&scheme, vec![identity]);
        let now = now.replace_nanosecond(0).unwrap_or(now);
        t.properties.set_issued(now);
        t.properties.set_expires(now + self.lifetime);
        t
    }

    /// Protects a ticket as the token's text (`TicketDataFormat.Protect`).
    ///
    /// # Errors
    /// [`Error::Ticket`] when the ticket is not one identity without an actor or claim
    /// properties (what version 3 holds); what `MachineKey.Protect` returns.
    ///
    /// # Example
    /// See the [module documentation](self).
    pub fn protect(&self, ticket: &AuthTicket) -> Result<String, Error> {
        let bytes = katana::serialize(ticket)?;
        Ok(to_base64url(&self.keys.protect(&bytes, &self.purposes)?))
    }

    /// A new token for `identity` at `now`: [`ticket`](Self::ticket), then
    /// [`protect`](Self::protect).
    ///
    /// # Errors
    /// As [`protect`](Self::protect).
    ///
    /// # Example
    /// See the [module documentation](self).
    pub fn issue(&self, identity: ClaimsIdentity, now: OffsetDateTime) -> Result<String, Error> {
        self.protect(&self.ticket(identity, now))
    }

    /// The verified ticket bytes of a token (GZip, before parsing).
    ///
    /// # Errors
    /// [`Error::Malformed`] when the text is not Base64url; [`Error::Unprotect`] when it does
    /// not verify under these keys and purposes.
    ///
    /// # Example
    /// See [`parse`](Self::parse).
    pub fn unprotect_payload(&self, token: &str) -> Result<Vec<u8>, Error> {
        let blob = from_base64url(token.trim())?;
        self.keys
            .unprotect(&blob, &self.purposes)
            .map_err(|_| Error::Unprotect)
    }

    /// Reads verified ticket bytes (GZip, then version 3).
    ///
    /// # Errors
    /// [`TicketError`] with the offset of what does not parse.
    ///
    /// # Example
    /// ```
    /// # use machinekey::{AppKeys, MachineKeyConfig};
    /// use machinekey::formats::oauth_token::{OAuthToken, TokenKind};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let keys = AppKeys::explicit(&cfg)?;
    /// let access = OAuthToken::new(&keys, TokenKind::Access);
    /// let blob = keys.protect(b"not a ticket", &TokenKind::Access.purposes())?;
    /// let payload = access.unprotect_payload(&machinekey::crypto::encoding::to_base64url(&blob))?;
    /// assert!(access.parse(&payload).is_err());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn parse(&self, payload: &[u8]) -> Result<AuthTicket, TicketError> {
        katana::deserialize(payload)
    }

    /// Opens a token without checking its dates (`TicketDataFormat.Unprotect`).
    ///
    /// # Errors
    /// [`Error::Malformed`] when the text is not Base64url; [`Error::Unprotect`] for every
    /// failure after that, the ticket's parse included.
    ///
    /// # Example
    /// See the [module documentation](self).
    pub fn unprotect(&self, token: &str) -> Result<AuthTicket, Error> {
        let payload = self.unprotect_payload(token)?;
        self.parse(&payload).map_err(|_| Error::Unprotect)
    }

    /// Opens a token and checks it at `now` as the middleware that receives it does (see
    /// the [module documentation](self)).
    ///
    /// # Errors
    /// As [`unprotect`](Self::unprotect); [`Error::TicketExpired`] when `.expires` is before
    /// `now`, or absent from a refresh token or code; [`Error::NotAuthenticated`] when the
    /// access token's identity has no authentication type (not authenticated, so the
    /// default bearer provider does not validate it).
    ///
    /// # Example
    /// See the [module documentation](self).
    pub fn read(&self, token: &str, now: OffsetDateTime) -> Result<AuthTicket, Error> {
        let ticket = self.unprotect(token)?;
        match ticket.expires() {
            Some(e) if e < now => return Err(Error::TicketExpired),
            None if self.kind.requires_expiry() => return Err(Error::TicketExpired),
            _ => {}
        }
        if self.kind == TokenKind::Access
            && ticket
                .identities
                .first()
                .is_none_or(|i| i.authentication_type.is_empty())
        {
            return Err(Error::NotAuthenticated);
        }
        Ok(ticket)
    }
}
