//! The purpose chains of ASP.NET's own Data Protection users, after the application
//! discriminator, each taken from `dotnet/aspnetcore`'s source (file named on each
//! constant): cookie authentication (every scheme), the Identity bearer and refresh tokens,
//! antiforgery, session, TempData (MVC and Razor components), Identity's
//! `DataProtectorTokenProvider`, OpenID Connect `state` and its nonce, the OAuth `state` of
//! the Google, Microsoft Account, Facebook, Twitter and generic OAuth handlers, and the
//! System.Web consumers routed through `CompatibilityDataProtector`.
//!
//! What proves them: the real values of `tests/aspnetcore_real.rs` (cookie tickets of
//! `Cookies` and `Identity.Application`, antiforgery, session, TempData, an Identity token,
//! all made by ASP.NET Core 10) open under these chains; the differential tests protect under
//! every chain here with real .NET and open the result in this crate.

use crate::names::names;

/// A known consumer of Data Protection and its purpose chain (without the discriminator).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Consumer {
    /// What it is, e.g. `cookie authentication (Identity.Application)`.
    pub name: String,
    /// The purposes after the discriminator.
    pub purposes: Vec<String>,
}

/// What a consumer's plaintext is, to decode it
/// (see [`formats::aspnetcore::CoreValue`](crate::formats::aspnetcore::CoreValue)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConsumerKind {
    /// A `TicketDataFormat` ticket (`TicketSerializer` v5): cookie authentication, bearer and
    /// refresh tokens.
    Ticket,
    /// An antiforgery cookie or request token.
    Antiforgery,
    /// The session cookie: the session key as UTF-8.
    Session,
    /// TempData: JSON.
    TempData,
    /// An Identity `DataProtectorTokenProvider` token.
    IdentityToken,
    /// `PropertiesDataFormat` (`PropertiesSerializer` v1): OpenID Connect and OAuth `state`.
    State,
    /// The OpenID Connect nonce: UTF-8 text.
    Nonce,
    /// Twitter's request token (`RequestTokenSerializer`).
    TwitterRequestToken,
    /// A time-limited payload (the chain ends with the time-limited purpose).
    TimeLimited,
    /// An ASP.NET 4.x value through `CompatibilityDataProtector` (forms ticket, role or
    /// anonymous-id cookie, ViewState).
    SystemWeb,
    /// Anything else: bytes.
    Other,
}

names!(ConsumerKind, "The kind, as JSON gives it.", {
    Ticket => "ticket",
    Antiforgery => "antiforgery",
    Session => "session",
    TempData => "temp_data",
    IdentityToken => "identity_token",
    State => "state",
    Nonce => "nonce",
    TwitterRequestToken => "twitter_request_token",
    TimeLimited => "time_limited",
    SystemWeb => "system_web",
    Other => "other",
});

impl Consumer {
    /// What its plaintext is, from its chain.
    ///
    /// # Example
    /// ```
    /// use machinekey::dataprotection::consumers::{ConsumerKind, known};
    /// let session = known().into_iter().find(|c| c.purposes == ["SessionMiddleware"]).unwrap();
    /// assert_eq!(session.kind(), ConsumerKind::Session);
    /// ```
    #[must_use]
    pub fn kind(&self) -> ConsumerKind {
        kind_of(&self.purposes)
    }
}

/// What the plaintext under a purpose chain is (the discriminator, if first, is skipped by
/// looking for a known first purpose anywhere in the chain).
///
/// # Example
/// ```
/// use machinekey::dataprotection::consumers::{ConsumerKind, kind_of, oidc_state};
/// let mut chain = vec!["MyApp".to_owned()];
/// chain.extend(oidc_state("OpenIdConnect"));
/// assert_eq!(kind_of(&chain), ConsumerKind::State);
/// ```
#[must_use]
pub fn kind_of<S: AsRef<str>>(purposes: &[S]) -> ConsumerKind {
    let last = purposes.last().map(AsRef::as_ref);
    if last == Some(super::TIME_LIMITED_PURPOSE) {
        return ConsumerKind::TimeLimited;
    }
    for (i, p) in purposes.iter().enumerate() {
        let p = p.as_ref();
        let next = purposes.get(i + 1).map(AsRef::as_ref);
        let kind = match p {
            COOKIE_PURPOSE | BEARER_TOKEN_PURPOSE => ConsumerKind::Ticket,
            ANTIFORGERY_PURPOSE => ConsumerKind::Antiforgery,
            SESSION_PURPOSE => ConsumerKind::Session,
            TEMP_DATA_PURPOSE | COMPONENTS_TEMP_DATA_PURPOSE => ConsumerKind::TempData,
            IDENTITY_TOKEN_PURPOSE => ConsumerKind::IdentityToken,
            OPENID_CONNECT_HANDLER if next == Some("System.String") => ConsumerKind::Nonce,
            OPENID_CONNECT_HANDLER => ConsumerKind::State,
            TWITTER_HANDLER => ConsumerKind::TwitterRequestToken,
            GOOGLE_HANDLER | MICROSOFT_ACCOUNT_HANDLER | FACEBOOK_HANDLER => ConsumerKind::State,
            _ if p.starts_with(GENERIC_OAUTH_HANDLER_PREFIX) => ConsumerKind::State,
            // Any other remote handler of ASP.NET Core (WS-Federation, ...) protects its
            // `state` the same way: the handler's type name, the scheme, `v1`.
            _ if p.starts_with(AUTHENTICATION_NAMESPACE) && p.ends_with("Handler") => {
                ConsumerKind::State
            }
            "FormsAuthentication.Ticket"
            | "RolePrincipal.Ticket"
            | "AnonymousIdentificationModule.Ticket"
            | "WebForms.HiddenFieldPageStatePersister.ClientState"
            | "WebForms.ClientScriptManager.EventValidation" => ConsumerKind::SystemWeb,
            _ => continue,
        };
        return kind;
    }
    ConsumerKind::Other
}

fn consumer(name: &str, purposes: &[&str]) -> Consumer {
    Consumer {
        name: name.to_owned(),
        purposes: purposes.iter().map(|p| (*p).to_owned()).collect(),
    }
}

/// The cookie handler's first purpose (`PostConfigureCookieAuthenticationOptions`,
/// `src/Security/Authentication/Cookies/src/PostConfigureCookieAuthenticationOptions.cs`:
/// the 1.x middleware's type name, kept).
pub const COOKIE_PURPOSE: &str =
    "Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware";
/// The bearer-token handler's first purpose (`BearerTokenConfigureOptions`,
/// `src/Security/Authentication/BearerToken/src/BearerTokenConfigureOptions.cs`; .NET 8+,
/// the tokens of Identity's API endpoints).
pub const BEARER_TOKEN_PURPOSE: &str = "Microsoft.AspNetCore.Authentication.BearerToken";
/// `DefaultAntiforgeryTokenSerializer.Purpose`
/// (`src/Antiforgery/src/Internal/DefaultAntiforgeryTokenSerializer.cs`).
pub const ANTIFORGERY_PURPOSE: &str = "Microsoft.AspNetCore.Antiforgery.AntiforgeryToken.v1";
/// `SessionMiddleware`'s purpose: `nameof(SessionMiddleware)`
/// (`src/Middleware/Session/src/SessionMiddleware.cs`).
pub const SESSION_PURPOSE: &str = "SessionMiddleware";
/// `CookieTempDataProvider.Purpose` in MVC 1.0 and later
/// (`src/Mvc/Mvc.ViewFeatures/src/CookieTempDataProvider.cs`; the pre-release
/// `…Mvc.ViewFeatures.CookieTempDataProviderToken.v1` never shipped, and real ASP.NET Core 10
/// output proves this one).
pub const TEMP_DATA_PURPOSE: &str = "Microsoft.AspNetCore.Mvc.CookieTempDataProviderToken.v1";
/// The Razor components' `CookieTempDataProvider.Purpose`
/// (`src/Components/Endpoints/src/TempData/CookieTempDataProvider.cs`).
pub const COMPONENTS_TEMP_DATA_PURPOSE: &str =
    "Microsoft.AspNetCore.Components.CookieTempDataProviderToken.v1";
/// `DataProtectorTokenProvider`'s purpose: `DataProtectionTokenProviderOptions.Name`, by
/// default `"DataProtectorTokenProvider"` (`src/Identity/Core/src/DataProtectorTokenProvider.cs`).
pub const IDENTITY_TOKEN_PURPOSE: &str = "DataProtectorTokenProvider";
/// `typeof(OpenIdConnectHandler).FullName`
/// (`src/Security/Authentication/OpenIdConnect/src/OpenIdConnectPostConfigureOptions.cs`).
pub const OPENID_CONNECT_HANDLER: &str =
    "Microsoft.AspNetCore.Authentication.OpenIdConnect.OpenIdConnectHandler";
/// `typeof(GoogleHandler).FullName` (`OAuthPostConfigureOptions<,>`,
/// `src/Security/Authentication/OAuth/src/OAuthPostConfigureOptions.cs`).
pub const GOOGLE_HANDLER: &str = "Microsoft.AspNetCore.Authentication.Google.GoogleHandler";
/// `typeof(MicrosoftAccountHandler).FullName`.
pub const MICROSOFT_ACCOUNT_HANDLER: &str =
    "Microsoft.AspNetCore.Authentication.MicrosoftAccount.MicrosoftAccountHandler";
/// `typeof(FacebookHandler).FullName`.
pub const FACEBOOK_HANDLER: &str = "Microsoft.AspNetCore.Authentication.Facebook.FacebookHandler";
/// The namespace of ASP.NET Core's authentication handlers, whose type names begin the
/// chains of their `state`.
const AUTHENTICATION_NAMESPACE: &str = "Microsoft.AspNetCore.Authentication.";
/// `typeof(TwitterHandler).FullName` (`TwitterPostConfigureOptions`).
pub const TWITTER_HANDLER: &str = "Microsoft.AspNetCore.Authentication.Twitter.TwitterHandler";
/// How `typeof(OAuthHandler<OAuthOptions>).FullName` starts: the generic handler's name
/// carries its type argument's assembly-qualified name, version included.
pub const GENERIC_OAUTH_HANDLER_PREFIX: &str =
    "Microsoft.AspNetCore.Authentication.OAuth.OAuthHandler`1[[";

/// The assembly versions of `Microsoft.AspNetCore.Authentication.OAuth` that users run, 2.0
/// to 10: the 2.x packages (whose patch releases bumped the assembly version), then the
/// shared framework's `major.minor.0.0`.
pub const OAUTH_ASSEMBLY_VERSIONS: [&str; 15] = [
    "2.0.0.0", "2.0.1.0", "2.0.3.0", "2.1.0.0", "2.1.1.0", "2.1.2.0", "2.2.0.0", "3.0.0.0",
    "3.1.0.0", "5.0.0.0", "6.0.0.0", "7.0.0.0", "8.0.0.0", "9.0.0.0", "10.0.0.0",
];

/// `typeof(OAuthHandler<OAuthOptions>).FullName` for an assembly version: what
/// `AddOAuth(scheme, …)` protects its `state` under.
///
/// # Example
/// ```
/// use machinekey::dataprotection::consumers::generic_oauth_handler;
/// assert_eq!(
///     generic_oauth_handler("10.0.0.0"),
///     "Microsoft.AspNetCore.Authentication.OAuth.OAuthHandler`1[[Microsoft.AspNetCore.Authentication.OAuth.OAuthOptions, Microsoft.AspNetCore.Authentication.OAuth, Version=10.0.0.0, Culture=neutral, PublicKeyToken=adb9793829ddae60]]"
/// );
/// ```
#[must_use]
pub fn generic_oauth_handler(assembly_version: &str) -> String {
    format!(
        "{GENERIC_OAUTH_HANDLER_PREFIX}Microsoft.AspNetCore.Authentication.OAuth.OAuthOptions, Microsoft.AspNetCore.Authentication.OAuth, Version={assembly_version}, Culture=neutral, PublicKeyToken=adb9793829ddae60]]"
    )
}

/// The purpose chain of cookie authentication for scheme `scheme`
/// (`PostConfigureCookieAuthenticationOptions`: the middleware's type name, the scheme, `v2`).
///
/// # Example
/// ```
/// use machinekey::dataprotection::consumers::cookie_authentication;
/// assert_eq!(cookie_authentication("Cookies")[1], "Cookies");
/// ```
#[must_use]
pub fn cookie_authentication(scheme: &str) -> Vec<String> {
    vec![
        COOKIE_PURPOSE.to_owned(),
        scheme.to_owned(),
        "v2".to_owned(),
    ]
}

/// Which token of ASP.NET Core's bearer-token handler (`BearerTokenConfigureOptions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BearerTokenKind {
    /// The access token (`BearerToken`).
    Access,
    /// The refresh token (`RefreshToken`).
    Refresh,
}

impl BearerTokenKind {
    /// Both kinds (a slice, so a new kind is no breaking change).
    pub const ALL: &'static [Self] = &[Self::Access, Self::Refresh];
}

names!(BearerTokenKind, "The last purpose of its chain, as the handler writes it.", {
    Access => "BearerToken",
    Refresh => "RefreshToken",
});

/// The chain of a bearer token or refresh token of `scheme` (`Identity.Bearer` for
/// Identity's API endpoints).
///
/// # Example
/// ```
/// use machinekey::dataprotection::consumers::{BearerTokenKind, bearer_token};
/// assert_eq!(bearer_token("Identity.Bearer", BearerTokenKind::Access)[2], "BearerToken");
/// assert_eq!(bearer_token("Identity.Bearer", BearerTokenKind::Refresh)[2], "RefreshToken");
/// ```
#[must_use]
pub fn bearer_token(scheme: &str, kind: BearerTokenKind) -> Vec<String> {
    vec![
        BEARER_TOKEN_PURPOSE.to_owned(),
        scheme.to_owned(),
        kind.as_str().to_owned(),
    ]
}

/// The chain of OpenID Connect `state` for scheme `scheme` (the handler's type name, the
/// scheme, `v1`).
///
/// # Example
/// ```
/// use machinekey::dataprotection::consumers::oidc_state;
/// assert_eq!(oidc_state("OpenIdConnect")[2], "v1");
/// ```
#[must_use]
pub fn oidc_state(scheme: &str) -> Vec<String> {
    vec![
        OPENID_CONNECT_HANDLER.to_owned(),
        scheme.to_owned(),
        "v1".to_owned(),
    ]
}

/// The chain of the OpenID Connect nonce (`StringDataFormat`: the handler's type name,
/// `System.String`, the scheme, `v1`), whose protected text is the tail of the nonce
/// cookie's *name* (`.AspNetCore.OpenIdConnect.Nonce.CfDJ8…=N`).
///
/// # Example
/// ```
/// use machinekey::dataprotection::consumers::oidc_nonce;
/// assert_eq!(oidc_nonce("OpenIdConnect")[1], "System.String");
/// ```
#[must_use]
pub fn oidc_nonce(scheme: &str) -> Vec<String> {
    vec![
        OPENID_CONNECT_HANDLER.to_owned(),
        "System.String".to_owned(),
        scheme.to_owned(),
        "v1".to_owned(),
    ]
}

/// The chain of an OAuth handler's `state`: its type's full name (e.g. [`GOOGLE_HANDLER`],
/// or [`generic_oauth_handler`]), the scheme, `v1`.
///
/// # Example
/// ```
/// use machinekey::dataprotection::consumers::{GOOGLE_HANDLER, oauth_state};
/// assert_eq!(oauth_state(GOOGLE_HANDLER, "Google")[1], "Google");
/// ```
#[must_use]
pub fn oauth_state(handler: &str, scheme: &str) -> Vec<String> {
    vec![handler.to_owned(), scheme.to_owned(), "v1".to_owned()]
}

/// ASP.NET Core's cookie schemes: the default (`CookieAuthenticationDefaults`) and
/// Identity's (`IdentityConstants`).
pub const COOKIE_SCHEMES: [&str; 5] = [
    "Cookies",
    "Identity.Application",
    "Identity.External",
    "Identity.TwoFactorUserId",
    "Identity.TwoFactorRememberMe",
];

/// The scheme names the generic OAuth handler is tried under by [`known`]: `AddOAuth`
/// takes any name, and these are the ones Microsoft's documentation and templates use.
pub const GENERIC_OAUTH_SCHEMES: [&str; 2] = ["OAuth", "GitHub"];

/// The chains an audit tries on a `CfDJ8` value (after the discriminator): cookie
/// authentication under ASP.NET Core's cookie schemes, Identity's bearer and refresh tokens,
/// antiforgery, session, TempData (MVC and components), Identity tokens, OpenID Connect
/// `state` and nonce (scheme `OpenIdConnect`), the OAuth `state` of Google (`Google`),
/// Microsoft Account (`Microsoft`), Facebook (`Facebook`) and Twitter (`Twitter`), the
/// generic OAuth handler under [`GENERIC_OAUTH_SCHEMES`] at every
/// [`OAUTH_ASSEMBLY_VERSIONS`], and the ASP.NET 4.x SystemWeb consumers (forms ticket,
/// role and anonymous-id cookies).
///
/// # Example
/// ```
/// use machinekey::dataprotection::consumers::known;
/// assert!(known().iter().any(|c| c.purposes == ["SessionMiddleware"]));
/// ```
#[must_use]
pub fn known() -> Vec<Consumer> {
    let mut out: Vec<Consumer> = COOKIE_SCHEMES
        .iter()
        .map(|s| Consumer {
            name: format!("cookie authentication ({s})"),
            purposes: cookie_authentication(s),
        })
        .collect();
    for scheme in ["Identity.Bearer", "BearerToken"] {
        for &kind in BearerTokenKind::ALL {
            out.push(Consumer {
                name: format!(
                    "{} ({scheme})",
                    match kind {
                        BearerTokenKind::Access => "bearer token",
                        BearerTokenKind::Refresh => "refresh token",
                    }
                ),
                purposes: bearer_token(scheme, kind),
            });
        }
    }
    out.extend([
        consumer("antiforgery token", &[ANTIFORGERY_PURPOSE]),
        consumer("session cookie", &[SESSION_PURPOSE]),
        consumer("TempData cookie", &[TEMP_DATA_PURPOSE]),
        consumer(
            "TempData cookie (Razor components)",
            &[COMPONENTS_TEMP_DATA_PURPOSE],
        ),
        consumer(
            "Identity token (DataProtectorTokenProvider)",
            &[IDENTITY_TOKEN_PURPOSE],
        ),
    ]);
    out.push(Consumer {
        name: "OpenID Connect state (OpenIdConnect)".to_owned(),
        purposes: oidc_state("OpenIdConnect"),
    });
    out.push(Consumer {
        name: "OpenID Connect nonce (OpenIdConnect)".to_owned(),
        purposes: oidc_nonce("OpenIdConnect"),
    });
    for (what, handler, scheme) in [
        ("Google", GOOGLE_HANDLER, "Google"),
        ("Microsoft Account", MICROSOFT_ACCOUNT_HANDLER, "Microsoft"),
        ("Facebook", FACEBOOK_HANDLER, "Facebook"),
    ] {
        out.push(Consumer {
            name: format!("OAuth state of {what} ({scheme})"),
            purposes: oauth_state(handler, scheme),
        });
    }
    out.push(Consumer {
        name: "Twitter request token (Twitter)".to_owned(),
        purposes: oauth_state(TWITTER_HANDLER, "Twitter"),
    });
    for scheme in GENERIC_OAUTH_SCHEMES {
        for version in OAUTH_ASSEMBLY_VERSIONS {
            out.push(Consumer {
                name: format!(
                    "OAuth state of the generic OAuth handler ({scheme}, assembly {version})"
                ),
                purposes: oauth_state(&generic_oauth_handler(version), scheme),
            });
        }
    }
    out.extend([
        consumer(
            "ASP.NET 4.x forms ticket (SystemWeb)",
            &["FormsAuthentication.Ticket"],
        ),
        consumer(
            "ASP.NET 4.x role cookie (SystemWeb)",
            &["RolePrincipal.Ticket"],
        ),
        consumer(
            "ASP.NET 4.x anonymous id (SystemWeb)",
            &["AnonymousIdentificationModule.Ticket"],
        ),
    ]);
    out
}

/// The prefix of the antiforgery cookie's default name (`AntiforgeryOptions.DefaultCookiePrefix`).
pub const ANTIFORGERY_COOKIE_PREFIX: &str = ".AspNetCore.Antiforgery.";

/// The session cookie's default name (`SessionDefaults.CookieName`).
pub const SESSION_COOKIE_NAME: &str = ".AspNetCore.Session";

/// The antiforgery cookie's default name for an application discriminator:
/// `.AspNetCore.Antiforgery.` and the Base64url form of the first 8 bytes of the SHA-256 of
/// the discriminator's UTF-8 bytes (`AntiforgeryOptionsSetup.ComputeCookieName` in
/// dotnet/aspnetcore `src/Antiforgery/src/Internal/AntiforgeryOptionsSetup.cs`; an app
/// without a discriminator hashes the empty string).
///
/// So replicas whose discriminators differ (two application names, or two content roots
/// without `SetApplicationName`) do not even look for each other's antiforgery cookie: the
/// request fails with "The required antiforgery cookie … is not present" rather than a
/// decryption error. Checked against real ASP.NET Core 10 (the antiforgery cookies of the
/// `aspnetcore_replicas` scenarios and `dotnet-oracle`'s `antiforgery.tokens`).
///
/// # Example
/// ```
/// use machinekey::dataprotection::consumers::antiforgery_cookie_name;
/// assert_eq!(antiforgery_cookie_name("Shop"), ".AspNetCore.Antiforgery.0Aqua3-_d6Q");
/// assert_eq!(antiforgery_cookie_name("/app/"), ".AspNetCore.Antiforgery.VyLW6ORzMgk");
/// ```
#[must_use]
pub fn antiforgery_cookie_name(discriminator: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash = sha2::Sha256::digest(discriminator.as_bytes());
    let suffix =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash.get(..8).unwrap_or_default());
    format!("{ANTIFORGERY_COOKIE_PREFIX}{suffix}")
}

/// The application discriminator ASP.NET Core 7.0 and later derive from a content root when
/// the application sets no name: the path, trimmed, ending with exactly one directory
/// separator (`\` when the path has backslashes and no slash, else `/`). 6.0's minimal hosting
/// and 5.0 used other forms (dotnet/aspnetcore issues 40964 and 43682).
///
/// Checked against real ASP.NET Core 10: a container whose working directory is `/app` names
/// its antiforgery cookie after `/app/` (the `replicas-default-location-in-container`
/// scenario of this crate's tests).
///
/// # Example
/// ```
/// use machinekey::dataprotection::consumers::content_root_discriminator;
/// assert_eq!(content_root_discriminator("/app"), "/app/");
/// assert_eq!(content_root_discriminator(r"C:\inetpub\shop\\"), r"C:\inetpub\shop\");
/// ```
#[must_use]
pub fn content_root_discriminator(content_root: &str) -> String {
    let trimmed = content_root.trim();
    let separator = if trimmed.contains('\\') && !trimmed.contains('/') {
        '\\'
    } else {
        '/'
    };
    let mut out = trimmed.trim_end_matches(['/', '\\']).to_owned();
    out.push(separator);
    out
}

/// The first purpose of a Blazor Server component descriptor, the `descriptor` of a
/// `<!--Blazor:{…}-->` marker (`ServerComponentSerializationSettings.DataProtectionProviderPurpose`,
/// `src/Shared/Components/ServerComponentSerializationSettings.cs` in dotnet/aspnetcore).
/// The descriptor is protected by a time-limited protector made from it, so its chain
/// continues with [`TIME_LIMITED_PURPOSE`](super::TIME_LIMITED_PURPOSE).
pub const BLAZOR_DESCRIPTOR_PURPOSE: &str =
    "Microsoft.AspNetCore.Components.ComponentDescriptorSerializer,V1";

/// The purpose of Blazor Server's persisted component state, the
/// `<!--Blazor-Server-Component-State:…-->` marker (`ProtectedPrerenderComponentApplicationStore`,
/// `src/Shared/Components/ProtectedPrerenderComponentApplicationStore.cs`).
pub const BLAZOR_STATE_PURPOSE: &str = "Microsoft.AspNetCore.Components.Server.State";

/// Blazor Server's two consumers: the component descriptor (its purpose, then the
/// time-limited protector's) and the persisted component state.
///
/// # Example
/// ```
/// use machinekey::dataprotection::{TIME_LIMITED_PURPOSE, consumers::blazor};
/// let [descriptor, state] = blazor();
/// assert_eq!(descriptor.purposes.last().map(String::as_str), Some(TIME_LIMITED_PURPOSE));
/// assert_eq!(state.purposes, ["Microsoft.AspNetCore.Components.Server.State"]);
/// ```
#[must_use]
pub fn blazor() -> [Consumer; 2] {
    [
        consumer(
            "Blazor Server component descriptor",
            &[BLAZOR_DESCRIPTOR_PURPOSE, super::TIME_LIMITED_PURPOSE],
        ),
        consumer(
            "Blazor Server persisted component state",
            &[BLAZOR_STATE_PURPOSE],
        ),
    ]
}

/// The prefix of the OpenID Connect nonce cookie's name (`OpenIdConnectOptions.NonceCookie`:
/// `OpenIdConnectDefaults.CookieNoncePrefix`); the protected nonce follows it in the name.
pub const NONCE_COOKIE_PREFIX: &str = ".AspNetCore.OpenIdConnect.Nonce.";

/// The protected nonce inside an OpenID Connect nonce cookie as a user copies it: the
/// cookie's name, a `name=N` pair or a whole `Set-Cookie` / `Cookie` line holding one.
/// `None` when the text holds no nonce cookie name.
///
/// # Example
/// ```
/// use machinekey::dataprotection::consumers::nonce_in_cookie;
/// assert_eq!(nonce_in_cookie(".AspNetCore.OpenIdConnect.Nonce.CfDJ8Abc=N; path=/"), Some("CfDJ8Abc"));
/// assert_eq!(nonce_in_cookie("CfDJ8Abc"), None);
/// ```
#[must_use]
pub fn nonce_in_cookie(text: &str) -> Option<&str> {
    let at = text.find(NONCE_COOKIE_PREFIX)?;
    let rest = text.get(at + NONCE_COOKIE_PREFIX.len()..)?;
    let end = rest
        .find(['=', ';', ' ', '\t', '\r', '\n'])
        .unwrap_or(rest.len());
    rest.get(..end).filter(|s| !s.is_empty())
}
