//! The kinds of login the layer accepts, how each is named in a sign-in, and the Core
//! application's discriminator.

use machinekey::formats::auth_cookie::{AuthCookie, FormsCookie, LoginCookie, TicketFormat};
use machinekey::formats::auth_ticket::{Claim, ClaimsIdentity};

/// The kind of an accepted login cookie: what [`AuthLayer::sign_in`](crate::AuthLayer::sign_in)
/// picks the cookie by (the first accepted cookie of that kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CookieKind {
    /// `.ASPXAUTH` (`FormsAuthentication`).
    Forms,
    /// The OWIN/Katana cookie (`.AspNet.ApplicationCookie`, `.AspNet.Cookies`).
    Owin,
    /// The ASP.NET Core cookie (`.AspNetCore.Cookies`, `.AspNetCore.Identity.Application`).
    Core,
    /// The cookie a 4.x and a Core site share through `Microsoft.Owin.Security.Interop`.
    Interop,
}

impl CookieKind {
    /// Every kind (a slice, so a new kind is no breaking change).
    pub const ALL: &'static [Self] = &[Self::Forms, Self::Owin, Self::Core, Self::Interop];

    /// `forms`, `owin`, `core` or `interop`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Forms => "forms",
            Self::Owin => "owin",
            Self::Core => "core",
            Self::Interop => "interop",
        }
    }
}

impl std::fmt::Display for CookieKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A login cookie the layer accepts: a [`LoginCookie`] that also tells its kind, the
/// authentication type its identities carry, and whether a value verifies under it
/// (to tell "another purpose" from "does not verify" in a [`Refusal`](crate::Refusal)).
/// Implemented for `FormsCookie` and `AuthCookie`.
pub trait AcceptedCookie: LoginCookie {
    /// The kind.
    fn kind(&self) -> CookieKind;
    /// The authentication type of the identities it issues (`Forms`, the OWIN
    /// authentication type, the Core scheme).
    fn authentication_type(&self) -> String;
    /// Whether a (joined) cookie value verifies under this cookie's keys and purposes,
    /// whatever its dates.
    fn verifies(&self, value: &str) -> bool;
    /// The `UserData` roles separator of a forms cookie (see
    /// `FormsCookie::with_roles_in_user_data`); `None` for the others, which carry role
    /// claims.
    fn roles_separator(&self) -> Option<char> {
        None
    }
}

impl AcceptedCookie for FormsCookie {
    fn kind(&self) -> CookieKind {
        CookieKind::Forms
    }
    fn authentication_type(&self) -> String {
        "Forms".to_owned()
    }
    fn verifies(&self, value: &str) -> bool {
        // A forms cookie renamed: read it under this cookie's name, far in the past.
        let mut jar = std::iter::once((self.cookie_name(), value));
        matches!(
            self.read(&mut jar, time::OffsetDateTime::UNIX_EPOCH),
            Ok(_) | Err(machinekey::Error::TicketExpired)
        )
    }
    fn roles_separator(&self) -> Option<char> {
        FormsCookie::roles_separator(self)
    }
}

impl AcceptedCookie for AuthCookie {
    fn kind(&self) -> CookieKind {
        match self.format() {
            TicketFormat::Katana => CookieKind::Owin,
            TicketFormat::Interop => CookieKind::Interop,
            _ => CookieKind::Core,
        }
    }
    fn authentication_type(&self) -> String {
        // OWIN: [middleware, authentication type, v1]; Core: [discriminator?, middleware,
        // scheme, v2].
        let p = self.purposes();
        p.len()
            .checked_sub(2)
            .and_then(|i| p.get(i))
            .cloned()
            .unwrap_or_default()
    }
    fn verifies(&self, value: &str) -> bool {
        self.unprotect_payload(value).is_ok()
    }
}

/// Whether a login outlives the browser session (`IsPersistent`,
/// `createPersistentCookie`): a persistent cookie has `expires`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Persistence {
    /// A session cookie (the default).
    #[default]
    Session,
    /// A persistent cookie that expires with the ticket.
    Persistent,
}

impl Persistence {
    /// `session` or `persistent`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Session => "session",
            Self::Persistent => "persistent",
        }
    }
}

impl std::fmt::Display for Persistence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a sign-in carries: the user's name, roles and other claims, persistence, and for a
/// forms cookie its `UserData` and `CookiePath`.
///
/// Roles reach each kind as its site reads them: role claims in OWIN, Core and Interop
/// tickets (`ClaimsPrincipal.IsInRole`); for `.ASPXAUTH`, `UserData` joined with the forms
/// cookie's separator (`FormsCookie::with_roles_in_user_data`), which the site splits into
/// a `GenericPrincipal`.
///
/// # Example
/// ```
/// use machinekey_tower::{Persistence, SignIn};
/// let login = SignIn::new("alice").roles(["Admin", "Editor"]).persistence(Persistence::Persistent).cookie_path("/shop");
/// assert_eq!(login.role_names(), ["Admin", "Editor"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct SignIn {
    pub(crate) name: String,
    pub(crate) roles: Vec<String>,
    pub(crate) claims: Vec<(String, String)>,
    pub(crate) persistence: Persistence,
    pub(crate) user_data: Option<String>,
    pub(crate) cookie_path: Option<String>,
}

impl SignIn {
    /// A session login of `name` with no roles.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            roles: Vec::new(),
            claims: Vec::new(),
            persistence: Persistence::Session,
            user_data: None,
            cookie_path: None,
        }
    }

    /// One more role.
    pub fn role(mut self, role: &str) -> Self {
        self.roles.push(role.to_owned());
        self
    }

    /// More roles.
    pub fn roles<'a>(mut self, roles: impl IntoIterator<Item = &'a str>) -> Self {
        self.roles.extend(roles.into_iter().map(str::to_owned));
        self
    }

    /// One more claim (OWIN, Core and Interop tickets; a forms ticket has no claims).
    pub fn claim(mut self, claim_type: &str, value: &str) -> Self {
        self.claims.push((claim_type.to_owned(), value.to_owned()));
        self
    }

    /// Session or persistent.
    pub fn persistence(mut self, persistence: Persistence) -> Self {
        self.persistence = persistence;
        self
    }

    /// A forms ticket's `UserData` as given (instead of the roles joined).
    pub fn user_data(mut self, user_data: &str) -> Self {
        self.user_data = Some(user_data.to_owned());
        self
    }

    /// The cookie's path (and a forms ticket's `CookiePath`); default the layer's path.
    pub fn cookie_path(mut self, path: &str) -> Self {
        self.cookie_path = Some(path.to_owned());
        self
    }

    /// The roles, in order.
    #[must_use]
    pub fn role_names(&self) -> Vec<&str> {
        self.roles.iter().map(String::as_str).collect()
    }

    /// The identity this sign-in gives a cookie of `authentication_type`.
    pub(crate) fn identity(&self, authentication_type: &str) -> ClaimsIdentity {
        let mut id = ClaimsIdentity::new(authentication_type);
        id.claims.push(Claim::name(&self.name));
        id.claims.extend(self.roles.iter().map(|r| Claim::role(r)));
        id.claims
            .extend(self.claims.iter().map(|(t, v)| Claim::new(t, v)));
        if let Some(data) = &self.user_data {
            id.claims.push(Claim::new(
                machinekey::formats::auth_cookie::FORMS_USER_DATA_CLAIM,
                data,
            ));
        }
        id
    }
}

/// The application discriminator of an ASP.NET Core site: the first purpose of every
/// Data Protection chain it uses, so a cookie opens only under the same one.
///
/// A default Core application always has one: the name given to
/// `services.AddDataProtection().SetApplicationName(...)`, else its content root path
/// (`IHostEnvironment.ContentRootPath`, exactly as the application sees it). Only a
/// protector made without the host (`DataProtectionProvider.Create(directory)`, as 4.x
/// sites using `Microsoft.Owin.Security.Interop` often do) has none. A wrong choice is no
/// error at configuration time: every cookie fails to verify, so the choice is explicit
/// here, and the refusal hook reports "does not verify".
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Discriminator {
    /// `SetApplicationName`'s value.
    ApplicationName(String),
    /// The content root path (when `SetApplicationName` is not called).
    ContentRoot(String),
    /// No discriminator: a protector made outside the host.
    None,
}

impl Discriminator {
    /// The chain's first purpose, if any.
    #[must_use]
    pub fn as_purpose(&self) -> Option<&str> {
        match self {
            Self::ApplicationName(s) | Self::ContentRoot(s) => Some(s),
            Self::None => None,
        }
    }
}
