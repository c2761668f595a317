//! A [tower] layer and [axum] extractor that accept the logins ASP.NET sites issue, and issue
//! logins they accept: `.ASPXAUTH` forms tickets (`<machineKey>`), the OWIN/Katana cookie of
//! ASP.NET 4.x MVC 5 and Identity 2 (`.AspNet.ApplicationCookie`), and the ASP.NET Core cookie
//! (`.AspNetCore.Cookies`, `.AspNetCore.Identity.Application`, or the Interop cookie both
//! share). A Rust service deployed beside the old site on the same domain reads the same
//! cookie, with the same keys, exactly as the site does: the formats and cryptography are
//! [`machinekey`]'s.
//!
//! The layer reads the request's cookies, tries each accepted kind in order, and puts the
//! [`Identity`] in the request's extensions; handlers take `Identity` (401 without one) or
//! `Option<Identity>`. A request without a valid login passes through, or gets 401 when the
//! layer [requires](AuthLayer::require_login) one. When sliding expiration renews a ticket,
//! the response carries the renewed cookie, chunked as the issuing stack chunks it.
//! [`AuthLayer::sign_in`] and [`AuthLayer::sign_out`] give the `Set-Cookie` headers of a
//! login and a logout. Nothing is logged, and no error or response names a key or a cookie
//! value.
//!
//! # Example
//! ```no_run
//! use axum::{Router, routing::get};
//! use machinekey_tower::{AuthLayer, Identity};
//!
//! async fn hello(user: Identity) -> String {
//!     format!("hello {}", user.name().unwrap_or("?"))
//! }
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let web_config = std::fs::read_to_string("web.config")?;
//! let auth = AuthLayer::from_web_config(&web_config, "/")?; // .ASPXAUTH and the OWIN cookie
//! let app: Router = Router::new().route("/", get(hello)).layer(auth);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Request, StatusCode};
use machinekey::dataprotection::KeyRing;
use machinekey::formats::auth_cookie::{
    AuthCookie, FormsCookie, LoginCookie, SetCookie, cookie_pairs,
};
use machinekey::formats::auth_ticket::{AuthTicket, Claim, ClaimsIdentity};
use machinekey::formats::oauth_token::{OAuthToken, TokenKind, bearer_token};
use machinekey::{AppIdentity, AppKeys, Error, MachineKeyConfig};
use time::OffsetDateTime;
use tower_layer::Layer;
use tower_service::Service;

pub use machinekey;

/// Where a request's login came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// A login cookie, by name.
    Cookie(String),
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

    /// The user's roles.
    #[must_use]
    pub fn roles(&self) -> Vec<&str> {
        self.ticket.roles()
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
            Source::Cookie(name) => Some(name),
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

type Clock = dyn Fn() -> OffsetDateTime + Send + Sync;

#[derive(Clone)]
struct Config {
    cookies: Vec<Arc<dyn LoginCookie>>,
    bearers: Vec<OAuthToken>,
    require: bool,
    secure: bool,
    domain: Option<String>,
    path: Option<String>,
    clock: Arc<Clock>,
}

/// The layer: which login cookies to accept, and what to do without one.
#[derive(Clone)]
pub struct AuthLayer {
    config: Arc<Config>,
}

impl std::fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self
            .config
            .cookies
            .iter()
            .map(|c| c.cookie_name())
            .collect();
        let bearers: Vec<TokenKind> = self.config.bearers.iter().map(OAuthToken::kind).collect();
        f.debug_struct("AuthLayer")
            .field("cookies", &names)
            .field("bearers", &bearers)
            .field("require", &self.config.require)
            .finish_non_exhaustive()
    }
}

/// Why a layer could not be configured.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigureError {
    /// The web.config, keys or key ring.
    #[error(transparent)]
    Keys(Error),
}

impl From<Error> for ConfigureError {
    fn from(e: Error) -> Self {
        Self::Keys(e)
    }
}

impl From<machinekey::ConfigError> for ConfigureError {
    fn from(e: machinekey::ConfigError) -> Self {
        Self::Keys(e.into())
    }
}

impl Default for AuthLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl AuthLayer {
    /// A layer that accepts no cookie yet, passes requests without a login through, and
    /// issues cookies with path `/`.
    #[must_use]
    pub fn new() -> Self {
        Self {
            config: Arc::new(Config {
                cookies: Vec::new(),
                bearers: Vec::new(),
                require: false,
                secure: false,
                domain: None,
                path: Some("/".to_owned()),
                clock: Arc::new(OffsetDateTime::now_utc),
            }),
        }
    }

    fn edit(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(Arc::make_mut(&mut self.config));
        self
    }

    /// Accepts one more kind of login cookie (tried in the order added).
    #[must_use]
    pub fn accept(self, cookie: impl LoginCookie + 'static) -> Self {
        self.edit(|c| c.cookies.push(Arc::new(cookie)))
    }

    /// Accepts Katana OAuth tokens of this format in `Authorization: Bearer` (tried before
    /// the cookies, as the bearer middleware reads the header; see
    /// [`machinekey::formats::oauth_token`]). Access tokens are what resource servers
    /// receive; a refresh token or code sent as a bearer token is refused unless its format
    /// is the one accepted.
    ///
    /// # Example
    /// ```
    /// # use machinekey::{AppKeys, MachineKeyConfig};
    /// use machinekey::formats::oauth_token::{OAuthToken, TokenKind};
    /// use machinekey_tower::AuthLayer;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let keys = AppKeys::explicit(&cfg)?;
    /// let layer = AuthLayer::from_app_keys(&keys).accept_bearer(OAuthToken::new(&keys, TokenKind::Access));
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn accept_bearer(self, token: OAuthToken) -> Self {
        self.edit(|c| c.bearers.push(token))
    }

    /// Answers 401 to requests without a valid login, instead of passing them through.
    #[must_use]
    pub fn require_login(self) -> Self {
        self.edit(|c| c.require = true)
    }

    /// Issues cookies with `Secure` (for sites served over HTTPS, as `CookieSecure` /
    /// `SecurePolicy.Always`).
    #[must_use]
    pub fn secure(self, secure: bool) -> Self {
        self.edit(|c| c.secure = secure)
    }

    /// Issues cookies for a domain (the ASP.NET side's `CookieDomain` / `Cookie.Domain`), so
    /// both sites on one parent domain share them.
    #[must_use]
    pub fn domain(self, domain: &str) -> Self {
        self.edit(|c| c.domain = Some(domain.to_owned()))
    }

    /// Issues cookies with another path (default `/`).
    #[must_use]
    pub fn path(self, path: &str) -> Self {
        self.edit(|c| c.path = Some(path.to_owned()))
    }

    /// Another clock, for expiry and renewal (tests, or a service with its own time source).
    #[must_use]
    pub fn with_clock(self, clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        self.edit(|c| c.clock = Arc::new(clock))
    }

    /// The cookies an ASP.NET 4.x application's `<machineKey>` protects: `.ASPXAUTH` and the
    /// OWIN cookies of ASP.NET Identity (`ApplicationCookie`) and of the default OWIN
    /// middleware (`Cookies`). The configuration's keys must be explicit (AutoGenerate
    /// keys live in the server's registry: use [`from_app_keys`](Self::from_app_keys) with
    /// [`AppKeys::resolve`] and its `.reg` export).
    ///
    /// # Errors
    /// [`ConfigureError::Keys`] when the web.config does not parse or its keys cannot serve.
    pub fn from_web_config(xml: &str, app_path: &str) -> Result<Self, ConfigureError> {
        let cfg = MachineKeyConfig::from_web_config(xml)?;
        let app = AppIdentity::in_default_site(app_path)?;
        let keys = AppKeys::resolve(&cfg, &app, None)?;
        Ok(Self::from_app_keys(&keys))
    }

    /// The `.ASPXAUTH` and OWIN (`ApplicationCookie`, `Cookies`) cookies of these keys.
    #[must_use]
    pub fn from_app_keys(keys: &AppKeys) -> Self {
        Self::new()
            .accept(FormsCookie::new(keys))
            .accept(AuthCookie::owin(keys, "ApplicationCookie"))
            .accept(AuthCookie::owin(keys, "Cookies"))
    }

    /// The ASP.NET Core cookie of `scheme` protected by the key ring in `dir` (a directory
    /// of key files, one key file, or a `.reg` export), under the application's
    /// discriminator when it sets one.
    ///
    /// # Errors
    /// [`ConfigureError::Keys`] when the ring cannot be read or the scheme is empty.
    pub fn from_key_ring_dir(
        dir: &Path,
        scheme: &str,
        discriminator: Option<&str>,
    ) -> Result<Self, ConfigureError> {
        let ring = KeyRing::load(dir)?;
        Ok(Self::new().accept(AuthCookie::core(&ring, scheme, discriminator)?))
    }

    fn template_of(&self, cookie: &dyn LoginCookie) -> SetCookie {
        let mut t = cookie.template();
        t.secure = self.config.secure;
        t.domain.clone_from(&self.config.domain);
        t.path.clone_from(&self.config.path);
        t
    }

    fn cookie(&self, name: &str) -> Option<&Arc<dyn LoginCookie>> {
        self.config.cookies.iter().find(|c| c.cookie_name() == name)
    }

    /// The `Set-Cookie` headers that sign `identities` in with the accepted cookie named
    /// `cookie_name` (chunked as that stack chunks; `Expires` when persistent).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when no accepted cookie has that name; what issuing returns.
    pub fn sign_in(
        &self,
        cookie_name: &str,
        identities: Vec<ClaimsIdentity>,
        persistent: bool,
    ) -> Result<HeaderMap, Error> {
        let cookie = self
            .cookie(cookie_name)
            .ok_or(Error::InvalidArgument("no accepted cookie has that name"))?;
        let ticket = cookie.sign_in(identities, persistent, (self.config.clock)());
        let set = cookie.issue(&ticket, &self.template_of(cookie.as_ref()))?;
        Ok(headers(&set))
    }

    /// The `Set-Cookie` headers that sign out of every accepted cookie the request carries
    /// (each chunk expired too).
    #[must_use]
    pub fn sign_out(&self, request: &HeaderMap) -> HeaderMap {
        let jar = cookies(request);
        let refs: Vec<(&str, &str)> = jar.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut out = Vec::new();
        for c in &self.config.cookies {
            out.extend(c.sign_out(&refs, &self.template_of(c.as_ref())));
        }
        headers(&out)
    }
}

fn headers(set: &[SetCookie]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for c in set {
        if let Ok(v) = HeaderValue::from_str(&c.header()) {
            map.append(SET_COOKIE, v);
        }
    }
    map
}

/// At most this many cookies of a request are looked at (a browser sends a few dozen).
pub const MAX_COOKIES: usize = 400;

/// The request's cookies, from every `Cookie` header, read as bytes: the header is split on
/// `;` first, and each pair that is not UTF-8 (a Latin-1 byte, say) is skipped alone, so a
/// non-ASCII cookie beside the login does not hide it (`HeaderValue::to_str` refuses the
/// whole header for one such byte).
fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(COOKIE)
        .iter()
        .flat_map(|h| h.as_bytes().split(|b| *b == b';'))
        .filter_map(|part| std::str::from_utf8(part).ok())
        .flat_map(cookie_pairs)
        .take(MAX_COOKIES)
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The identity of the first accepted bearer token format the request's `Authorization`
/// header opens under (every `Authorization` header is looked at; the first bearer wins).
fn bearer(formats: &[OAuthToken], headers: &HeaderMap, now: OffsetDateTime) -> Option<Identity> {
    if formats.is_empty() {
        return None;
    }
    let token = headers
        .get_all(AUTHORIZATION)
        .iter()
        .find_map(|h| bearer_token(h.as_bytes()))?;
    formats.iter().find_map(|f| {
        f.read(token, now).ok().map(|ticket| Identity {
            ticket,
            source: Source::Bearer(f.kind()),
        })
    })
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`AuthLayer`] wraps around an inner one.
#[derive(Clone, Debug)]
pub struct AuthService<S> {
    inner: S,
    layer: AuthLayer,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> Service<Request<B>> for AuthService<S>
where
    S: Service<Request<B>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<Body>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let now = (self.layer.config.clock)();
        // The service that was polled ready serves this request; a clone takes its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        if let Some(ticket) = bearer(&self.layer.config.bearers, req.headers(), now) {
            req.extensions_mut().insert(ticket);
            return Box::pin(inner.call(req));
        }
        let jar = cookies(req.headers());
        let refs: Vec<(&str, &str)> = jar.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let found = self
            .layer
            .config
            .cookies
            .iter()
            .find_map(|c| c.read(&refs, now).ok().map(|login| (c.clone(), login)));
        match found {
            Some((cookie, login)) => {
                let renewal = login.renewed.as_ref().and_then(|t| {
                    cookie
                        .issue(t, &self.layer.template_of(cookie.as_ref()))
                        .ok()
                });
                let name = cookie.cookie_name().to_owned();
                req.extensions_mut().insert(Identity {
                    ticket: login.ticket,
                    source: Source::Cookie(name.clone()),
                });
                let future = inner.call(req);
                Box::pin(async move {
                    let mut response = future.await?;
                    if let Some(set) = renewal {
                        // A handler that signed in or out on this request wins.
                        let prefix = format!("{name}=");
                        let handled = response
                            .headers()
                            .get_all(SET_COOKIE)
                            .iter()
                            .any(|v| v.to_str().is_ok_and(|s| s.starts_with(&prefix)));
                        if !handled {
                            for (k, v) in &headers(&set) {
                                response.headers_mut().append(k, v.clone());
                            }
                        }
                    }
                    Ok(response)
                })
            }
            None if self.layer.config.require => {
                Box::pin(async { Ok(StatusCode::UNAUTHORIZED.into_response()) })
            }
            None => Box::pin(inner.call(req)),
        }
    }
}
