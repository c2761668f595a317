//! A [tower](https://docs.rs/tower) layer and [axum] extractor that accept the logins ASP.NET sites issue, and issue
//! logins they accept: `.ASPXAUTH` forms tickets (`<machineKey>`), the OWIN/Katana cookie of
//! ASP.NET 4.x MVC 5 and Identity 2 (`.AspNet.ApplicationCookie`), the ASP.NET Core cookie
//! (`.AspNetCore.Cookies`, `.AspNetCore.Identity.Application`, or the Interop cookie both
//! share), and Katana's OAuth bearer tokens (ASP.NET 4.x Web API). A Rust service deployed
//! beside the old site on the same domain reads the same cookie, with the same keys,
//! exactly as the site does: the formats and cryptography are [`machinekey`]'s.
//!
//! The layer reads the request's bearer token and cookies, tries each accepted kind in
//! order, and puts the [`Identity`] in the request's extensions; handlers take `Identity`
//! (401 without one) or `Option<Identity>`. A request without a valid login passes through,
//! or gets the layer's [`Challenge`] (401, with `WWW-Authenticate` if set, or a redirect to
//! the login page with `ReturnUrl`) when the layer [requires](AuthLayer::challenge) one; an
//! opt-in [hook](AuthLayer::on_refused) tells why ([`RefusalReason`]) without values. When
//! sliding expiration renews a ticket, the response carries the renewed cookie, chunked as
//! the issuing stack chunks it. [`AuthLayer::sign_in`] and [`AuthLayer::sign_out`] give the
//! `Set-Cookie` headers of a login and a logout. Nothing is logged, and no error or
//! response names a key or a cookie value.
//!
//! # Example
//! ```no_run
//! use axum::{Router, routing::get};
//! use machinekey_tower::{AuthLayer, Challenge, Identity};
//!
//! async fn hello(user: Identity) -> String {
//!     format!("hello {} (admin: {})", user.name().unwrap_or("?"), user.is_in_role("Admin"))
//! }
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let web_config = std::fs::read_to_string("web.config")?;
//! let auth = AuthLayer::from_web_config(&web_config, "/")? // .ASPXAUTH and the OWIN cookie
//!     .challenge(Challenge::redirect("/Account/Login"));
//! let app: Router = Router::new().route("/", get(hello)).layer(auth);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Signing in
//!
//! [`AuthLayer::sign_in`] picks the accepted cookie by its [`CookieKind`] and takes a
//! [`SignIn`]: the name, roles, claims, [`Persistence`], and for `.ASPXAUTH` the
//! `UserData` and `CookiePath`. Roles reach each site as it reads them: role claims in
//! OWIN, Core and Interop tickets; in a forms ticket, `UserData` joined with the separator
//! of [`FormsCookie::with_roles_in_user_data`] (the `Global.asax` pattern
//! `new GenericPrincipal(identity, ticket.UserData.Split(','))`), read back as roles by
//! [`Identity::roles`]. A forms sign-in with roles but no such separator is an error
//! ([`Error::RolesNotCarried`]), not a silent loss.
//!
//! # The ASP.NET Core discriminator
//!
//! Every Core cookie is protected under the application's discriminator first: a default
//! Core application always has one (`SetApplicationName`'s value, else its content root
//! path). [`AuthLayer::from_key_ring_dir`] takes it as a [`Discriminator`], so "none" is a
//! choice ([`Discriminator::None`], for protectors made outside the host), not a default
//! that gives every request a silent 401.
//!
//! # Limits
//!
//! Untrusted input is bounded before any cryptography:
//!
//! | what | limit | beyond it |
//! |---|---|---|
//! | cookies looked at per request, all `Cookie` headers together | [`MAX_COOKIES`] (400) | the rest ignored |
//! | a `Cookie` pair that is not UTF-8 (a Latin-1 byte) | skipped alone | the other pairs are read |
//! | chunks of one chunked cookie | 200 | refused |
//! | a bearer token | [`MAX_TOKEN_LEN`] (16 KiB) | refused |
//! | a Katana ticket once decompressed | 1 MiB (`TicketLimits`) | refused |
//! | identities, claims and properties of a ticket | 10,000 (`TicketLimits`) | refused |
//! | nested actors in a Core ticket | 8 (`TicketLimits`) | refused |
//! | one issued cookie chunk | 4,050 (Core), 4,090 (OWIN), 4,070 (Interop) characters; `.ASPXAUTH` 4,096 | chunked; a forms cookie over it is an error |
//!
//! Header sizes themselves are the server's (hyper's defaults bound a request's head).
//!
//! # Testing a service
//!
//! Test cookies are made with the same library calls that read them: the
//! [`LoginCookie`](machinekey::formats::auth_cookie::LoginCookie) trait's `sign_in` and
//! `issue` (for any cookie kind), [`OAuthToken::issue`] for bearer tokens, or
//! [`AuthLayer::sign_in`] for the headers; from a shell, `machinekey ticket encode`
//! (`machinekey-cli`) issues forms, OWIN and Core cookies. `tests/http.rs` in this crate
//! serves the layer on loopback and calls it with hyper for each kind.
//!
//! The time types are the [`time`] crate's, re-exported here as [`time`].

mod challenge;
mod error;
mod kinds;
mod layer;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::StatusCode;
use http::request::Parts;
use machinekey::formats::auth_ticket::{AuthTicket, Claim};
use machinekey::formats::oauth_token::TokenKind;

pub use challenge::{Challenge, Refusal, RefusalReason};
pub use error::Error;
pub use kinds::{AcceptedCookie, CookieKind, Discriminator, Persistence, SignIn};
pub use layer::{AuthLayer, AuthService, MAX_COOKIES, MAX_TOKEN_LEN};
pub use machinekey;
pub use machinekey::formats::auth_cookie::{AuthCookie, FormsCookie};
pub use machinekey::formats::oauth_token::OAuthToken;
pub use time;

/// Where a request's login came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// A login cookie: its name and kind.
    Cookie {
        /// The cookie's name.
        name: String,
        /// Its kind.
        kind: CookieKind,
    },
    /// A Katana OAuth token in `Authorization: Bearer`.
    Bearer(TokenKind),
}

/// The signed-in user a request carries: the ticket of the cookie or bearer token that
/// verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    ticket: AuthTicket,
    source: Source,
}

impl Identity {
    /// The user's name (the first identity's name claim).
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.ticket.name()
    }

    /// The user's roles: the role claims of every identity (for `.ASPXAUTH`, `UserData`'s
    /// parts when the forms cookie keeps roles there).
    #[must_use]
    pub fn roles(&self) -> Vec<&str> {
        self.ticket.roles()
    }

    /// Whether the user is in `role`, compared as the issuing site compares it: ignoring
    /// case for `.ASPXAUTH` (`GenericPrincipal.IsInRole`), exactly for claims-based
    /// tickets (`ClaimsPrincipal.IsInRole`).
    ///
    /// # Example
    /// See the [crate documentation](crate).
    #[must_use]
    pub fn is_in_role(&self, role: &str) -> bool {
        let forms = matches!(
            self.source,
            Source::Cookie {
                kind: CookieKind::Forms,
                ..
            }
        );
        self.roles().iter().any(|r| {
            if forms {
                r.to_lowercase() == role.to_lowercase()
            } else {
                *r == role
            }
        })
    }

    /// Every claim of every identity.
    pub fn claims(&self) -> impl Iterator<Item = &Claim> {
        self.ticket.identities.iter().flat_map(|i| i.claims.iter())
    }

    /// The whole ticket (scheme, identities, properties).
    #[must_use]
    pub fn ticket(&self) -> &AuthTicket {
        &self.ticket
    }

    /// The name of the cookie it came from (`None` for a bearer token).
    #[must_use]
    pub fn cookie_name(&self) -> Option<&str> {
        match &self.source {
            Source::Cookie { name, .. } => Some(name),
            Source::Bearer(_) => None,
        }
    }

    /// Where the login came from: a cookie or a bearer token.
    #[must_use]
    pub fn source(&self) -> &Source {
        &self.source
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Identity {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Identity>()
            .cloned()
            .ok_or(StatusCode::UNAUTHORIZED)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Identity {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Identity>().cloned())
    }
}
