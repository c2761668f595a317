//! The layer, its configuration, and the service it wraps.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::response::Response;
use http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Request};
use machinekey::clock::{Clock, SystemClock};
use machinekey::dataprotection::KeyRing;
use machinekey::formats::auth_cookie::{
    AuthCookie, FORMS_COOKIE_PATH, FormsCookie, SetCookie, cookie_pairs,
};
use machinekey::formats::oauth_token::{OAuthToken, TokenKind, bearer_token};
use machinekey::{AppIdentity, AppKeys, MachineKeyConfig};
use time::OffsetDateTime;
use tower_layer::Layer;
use tower_service::Service;

use crate::{
    AcceptedCookie, Challenge, CookieKind, Discriminator, Error, Identity, Persistence, Refusal,
    RefusalReason, SignIn, Source,
};

/// At most this many cookies of a request are looked at (a browser sends a few dozen).
pub const MAX_COOKIES: usize = 400;

/// A bearer token longer than this many bytes is refused before any cryptography (Katana's
/// own tokens are a few hundred bytes to a few KiB).
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

type Hook = dyn Fn(&[Refusal]) + Send + Sync;

#[derive(Clone)]
struct Config {
    cookies: Vec<Arc<dyn AcceptedCookie>>,
    bearers: Vec<OAuthToken>,
    challenge: Option<Challenge>,
    on_refused: Option<Arc<Hook>>,
    secure: bool,
    domain: Option<String>,
    path: Option<String>,
    clock: Arc<dyn Clock>,
}

/// The layer: which logins to accept, and what to do without one.
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
            .field("challenge", &self.config.challenge)
            .finish_non_exhaustive()
    }
}

impl Default for AuthLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl AuthLayer {
    /// A layer that accepts no login yet, passes requests without a login through, and
    /// issues cookies with path `/`.
    #[must_use]
    pub fn new() -> Self {
        Self {
            config: Arc::new(Config {
                cookies: Vec::new(),
                bearers: Vec::new(),
                challenge: None,
                on_refused: None,
                secure: false,
                domain: None,
                path: Some("/".to_owned()),
                clock: Arc::new(SystemClock),
            }),
        }
    }

    fn edit(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(Arc::make_mut(&mut self.config));
        self
    }

    /// Accepts one more kind of login cookie (tried in the order added).
    #[must_use]
    pub fn accept(self, cookie: impl AcceptedCookie + 'static) -> Self {
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
    /// use machinekey_tower::{AuthLayer, Challenge};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let keys = AppKeys::explicit(&cfg)?;
    /// let api = AuthLayer::new()
    ///     .accept_bearer(OAuthToken::new(&keys, TokenKind::Access))
    ///     .challenge(Challenge::bearer(None));
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn accept_bearer(self, token: OAuthToken) -> Self {
        self.edit(|c| c.bearers.push(token))
    }

    /// Answers requests without a valid login with `challenge` instead of passing them
    /// through.
    #[must_use]
    pub fn challenge(self, challenge: Challenge) -> Self {
        self.edit(|c| c.challenge = Some(challenge))
    }

    /// Answers 401 to requests without a valid login ([`Challenge::unauthorized`]).
    #[must_use]
    pub fn require_login(self) -> Self {
        self.challenge(Challenge::unauthorized())
    }

    /// Calls `hook` for every request that ends without a login, with why each present
    /// login was refused (or one [`RefusalReason::Absent`]): for the operator who gets a
    /// silent 401. The refusals name cookies, never values. Telling "another purpose" from
    /// "does not verify" tries the value under the other accepted formats, so it costs a
    /// MAC per accepted format on refused requests only.
    ///
    /// # Example
    /// ```
    /// use machinekey_tower::{AuthLayer, RefusalReason};
    /// let layer = AuthLayer::new().on_refused(|refusals| {
    ///     for r in refusals {
    ///         if r.reason != RefusalReason::Absent {
    ///             eprintln!("login refused: {:?} {:?}", r.source, r.reason);
    ///         }
    ///     }
    /// });
    /// ```
    #[must_use]
    pub fn on_refused(self, hook: impl Fn(&[Refusal]) + Send + Sync + 'static) -> Self {
        self.edit(|c| c.on_refused = Some(Arc::new(hook)))
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

    /// Issues cookies with another path (default `/`). A renewed `.ASPXAUTH` keeps its
    /// ticket's `CookiePath`.
    #[must_use]
    pub fn path(self, path: &str) -> Self {
        self.edit(|c| c.path = Some(path.to_owned()))
    }

    /// Another clock, for expiry, renewal and the issue date of cookies signed in (tests,
    /// or a service with its own time source): the crate's one seam,
    /// [`machinekey::clock::Clock`].
    ///
    /// # Example
    /// ```
    /// use machinekey::clock::FixedClock;
    /// use machinekey::time::macros::datetime;
    /// use machinekey_tower::AuthLayer;
    /// let layer = AuthLayer::new().with_clock(FixedClock(datetime!(2030-01-01 0:00 UTC)));
    /// ```
    #[must_use]
    pub fn with_clock(self, clock: impl Clock + 'static) -> Self {
        self.edit(|c| c.clock = Arc::new(clock))
    }

    /// The cookies an ASP.NET 4.x application's `<machineKey>` protects: `.ASPXAUTH` and the
    /// OWIN cookies of ASP.NET Identity (`ApplicationCookie`) and of the default OWIN
    /// middleware (`Cookies`). The configuration's keys must be explicit (AutoGenerate
    /// keys live in the server's registry: use [`from_app_keys`](Self::from_app_keys) with
    /// [`AppKeys::resolve`] and its `.reg` export).
    ///
    /// # Errors
    /// [`Error::Keys`] when the web.config does not parse or its keys cannot serve.
    pub fn from_web_config(xml: &str, app_path: &str) -> Result<Self, Error> {
        let cfg = MachineKeyConfig::from_web_config(xml)?;
        let app = AppIdentity::in_default_site(app_path)?;
        let keys = AppKeys::resolve(&cfg, &app, None)?;
        Ok(Self::from_app_keys(&keys))
    }

    /// The `.ASPXAUTH` and OWIN (`ApplicationCookie`, `Cookies`) cookies of these keys.
    #[must_use]
    pub fn from_app_keys(keys: &AppKeys) -> Self {
        let mut layer = Self::new().accept(FormsCookie::new(keys));
        // `owin` refuses only an empty authentication type.
        for authentication_type in ["ApplicationCookie", "Cookies"] {
            if let Ok(cookie) = AuthCookie::owin(keys, authentication_type) {
                layer = layer.accept(cookie);
            }
        }
        layer
    }

    /// The ASP.NET Core cookie of `scheme` protected by the key ring in `dir` (a directory
    /// of key files, one key file, or a `.reg` export), under the application's
    /// [`Discriminator`].
    ///
    /// # Errors
    /// [`Error::Keys`] when the ring cannot be read or the scheme is empty.
    pub fn from_key_ring_dir(
        dir: &Path,
        scheme: &str,
        discriminator: &Discriminator,
    ) -> Result<Self, Error> {
        let ring = KeyRing::load(dir)?;
        Ok(Self::new().accept(AuthCookie::core(&ring, scheme, discriminator.as_purpose())?))
    }

    fn template_of(&self, cookie: &dyn AcceptedCookie) -> SetCookie {
        let mut t = cookie.template();
        t.secure = self.config.secure;
        t.domain.clone_from(&self.config.domain);
        t.path.clone_from(&self.config.path);
        t
    }

    /// The `Set-Cookie` headers that sign `login` in with the first accepted cookie of
    /// `kind` (chunked as that stack chunks; `expires` when persistent).
    ///
    /// # Errors
    /// [`Error::NotAccepted`] when no accepted cookie is of that kind;
    /// [`Error::RolesNotCarried`] for roles in a forms cookie that keeps none;
    /// [`Error::Issue`] when issuing fails; [`Error::InvalidHeader`] when an attribute
    /// cannot be written in a header.
    ///
    /// # Example
    /// ```
    /// # use machinekey::{AppKeys, MachineKeyConfig};
    /// use machinekey_tower::{AuthLayer, CookieKind, FormsCookie, Persistence, SignIn};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let keys = AppKeys::explicit(&cfg)?;
    /// let layer = AuthLayer::new().accept(FormsCookie::new(&keys).with_roles_in_user_data(','));
    /// let login = SignIn::new("alice").roles(["Admin", "Editor"]).persistence(Persistence::Persistent).cookie_path("/shop");
    /// let headers = layer.sign_in(CookieKind::Forms, &login)?;
    /// let set = headers.get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default();
    /// assert!(set.starts_with(".ASPXAUTH=") && set.contains("; path=/shop") && set.contains("; expires="));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_in(&self, kind: CookieKind, login: &SignIn) -> Result<HeaderMap, Error> {
        let cookie = self
            .config
            .cookies
            .iter()
            .find(|c| c.kind() == kind)
            .ok_or(Error::NotAccepted(kind))?;
        if kind == CookieKind::Forms
            && !login.roles.is_empty()
            && login.user_data.is_none()
            && cookie.roles_separator().is_none()
        {
            return Err(Error::RolesNotCarried);
        }
        let identity = login.identity(&cookie.authentication_type());
        let persistent = login.persistence == Persistence::Persistent;
        let mut ticket = cookie.sign_in(vec![identity], persistent, self.config.clock.now());
        let mut template = self.template_of(cookie.as_ref());
        if let Some(path) = &login.cookie_path {
            template.path = Some(path.clone());
            if kind == CookieKind::Forms {
                ticket.properties.set(FORMS_COOKIE_PATH, path);
            }
        }
        let set = cookie.issue(&ticket, &template).map_err(Error::Issue)?;
        headers(&set)
    }

    /// The `Set-Cookie` headers that sign out of every accepted cookie the request carries
    /// (each chunk expired too), on the layer's path: a cookie issued on another path is
    /// deleted with [`sign_out_at`](Self::sign_out_at).
    #[must_use]
    pub fn sign_out(&self, request: &HeaderMap) -> HeaderMap {
        self.sign_out_at(request, None)
    }

    /// [`sign_out`](Self::sign_out) on a given cookie path (a browser deletes a cookie only
    /// with the path it was set with, and does not send the path back).
    #[must_use]
    pub fn sign_out_at(&self, request: &HeaderMap, path: Option<&str>) -> HeaderMap {
        let jar = cookies(request);
        let mut out = Vec::new();
        for c in &self.config.cookies {
            let mut template = self.template_of(c.as_ref());
            if let Some(p) = path {
                template.path = Some(p.to_owned());
            }
            let mut refs = jar.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            out.extend(c.sign_out(&mut refs, &template));
        }
        headers(&out).unwrap_or_default()
    }
}

fn headers(set: &[SetCookie]) -> Result<HeaderMap, Error> {
    let mut map = HeaderMap::new();
    for c in set {
        let v = HeaderValue::from_str(&c.header()).map_err(|_| Error::InvalidHeader)?;
        map.append(SET_COOKIE, v);
    }
    Ok(map)
}

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

/// The bearer token of the request's first `Authorization: Bearer` header.
fn bearer_of(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(AUTHORIZATION)
        .iter()
        .find_map(|h| bearer_token(h.as_bytes()))
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

/// What the request's credentials gave: a login (with the cookie to renew it with), or the
/// refusals (collected only when a hook wants them).
enum Outcome {
    Bearer(Identity),
    Cookie(
        Identity,
        Option<(
            Arc<dyn AcceptedCookie>,
            machinekey::formats::auth_ticket::AuthTicket,
        )>,
    ),
    None(Vec<Refusal>),
}

impl AuthLayer {
    fn authenticate(&self, headers: &HeaderMap, now: OffsetDateTime) -> Outcome {
        let cfg = &self.config;
        let explain = cfg.on_refused.is_some();
        let mut refusals = Vec::new();
        if !cfg.bearers.is_empty() {
            if let Some(token) = bearer_of(headers) {
                if token.len() > MAX_TOKEN_LEN {
                    if explain {
                        refusals.push(Refusal::new(
                            Some("Authorization"),
                            RefusalReason::Malformed,
                        ));
                    }
                } else {
                    let mut first_error = None;
                    for f in &cfg.bearers {
                        match f.read(token, now) {
                            Ok(ticket) => {
                                return Outcome::Bearer(Identity {
                                    ticket,
                                    source: Source::Bearer(f.kind()),
                                });
                            }
                            Err(e) => {
                                let better = matches!(
                                    e,
                                    machinekey::Error::TicketExpired
                                        | machinekey::Error::NotAuthenticated
                                );
                                if first_error.is_none() || better {
                                    first_error = Some(e);
                                }
                            }
                        }
                    }
                    if explain {
                        refusals.push(Refusal::new(
                            Some("Authorization"),
                            self.bearer_reason(token, first_error.as_ref()),
                        ));
                    }
                }
            }
        }
        let jar = cookies(headers);
        for c in &cfg.cookies {
            let mut refs = jar.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            match c.read(&mut refs, now) {
                Ok(login) => {
                    let identity = Identity {
                        ticket: login.ticket,
                        source: Source::Cookie {
                            name: c.cookie_name().to_owned(),
                            kind: c.kind(),
                        },
                    };
                    let renewal = login.renewed.map(|t| (c.clone(), t));
                    return Outcome::Cookie(identity, renewal);
                }
                Err(e) if explain => {
                    let name = c.cookie_name();
                    if let Some((_, value)) = jar.iter().find(|(k, _)| k == name) {
                        refusals.push(Refusal::new(Some(name), self.cookie_reason(c, value, &e)));
                    }
                }
                Err(_) => {}
            }
        }
        if explain && refusals.is_empty() {
            refusals.push(Refusal::new(None, RefusalReason::Absent));
        }
        Outcome::None(refusals)
    }

    fn cookie_reason(
        &self,
        cookie: &Arc<dyn AcceptedCookie>,
        value: &str,
        e: &machinekey::Error,
    ) -> RefusalReason {
        if matches!(e, machinekey::Error::Unprotect) {
            if value.starts_with("chunks") {
                return RefusalReason::Malformed;
            }
            let other = self
                .config
                .cookies
                .iter()
                .any(|o| !Arc::ptr_eq(o, cookie) && o.verifies(value));
            if other {
                return RefusalReason::OtherPurpose;
            }
        }
        Refusal::reason_of(e)
    }

    fn bearer_reason(&self, token: &str, e: Option<&machinekey::Error>) -> RefusalReason {
        if let Some(machinekey::Error::Unprotect) = e {
            // Another OAuth kind under the same keys, or an accepted cookie's format.
            let other_kind = self.config.bearers.iter().any(|f| {
                TokenKind::ALL
                    .iter()
                    .copied()
                    .filter(|k| *k != f.kind())
                    .any(|k| {
                        f.clone()
                            .with_purposes(&k.purposes())
                            .unprotect_payload(token)
                            .is_ok()
                    })
            });
            if other_kind || self.config.cookies.iter().any(|c| c.verifies(token)) {
                return RefusalReason::OtherPurpose;
            }
        }
        e.map_or(RefusalReason::DoesNotVerify, Refusal::reason_of)
    }
}

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
        let now = self.layer.config.clock.now();
        // The service that was polled ready serves this request; a clone takes its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        match self.layer.authenticate(req.headers(), now) {
            Outcome::Bearer(identity) => {
                req.extensions_mut().insert(identity);
                Box::pin(inner.call(req))
            }
            Outcome::Cookie(identity, renewal) => {
                let name = identity.cookie_name().unwrap_or_default().to_owned();
                let renewal = renewal.and_then(|(cookie, t)| {
                    cookie
                        .issue(&t, &self.layer.template_of(cookie.as_ref()))
                        .ok()
                        .and_then(|set| headers(&set).ok())
                });
                req.extensions_mut().insert(identity);
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
                            .any(|v| v.as_bytes().starts_with(prefix.as_bytes()));
                        if !handled {
                            for (k, v) in &set {
                                response.headers_mut().append(k, v.clone());
                            }
                        }
                    }
                    Ok(response)
                })
            }
            Outcome::None(refusals) => {
                if let Some(hook) = &self.layer.config.on_refused {
                    hook(&refusals);
                }
                match &self.layer.config.challenge {
                    Some(challenge) => {
                        let (parts, _) = req.into_parts();
                        let response = challenge.response(&parts);
                        Box::pin(async move { Ok(response) })
                    }
                    None => Box::pin(inner.call(req)),
                }
            }
        }
    }
}
