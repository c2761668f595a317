//! The purpose chains of ASP.NET's own Data Protection users, after the application
//! discriminator: cookie authentication, antiforgery, session, TempData, OpenID Connect
//! state (ASP.NET Core), and the System.Web consumers routed through
//! `CompatibilityDataProtector`.

/// A known consumer of Data Protection and its purpose chain (without the discriminator).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Consumer {
    /// What it is, e.g. `cookie authentication (Identity.Application)`.
    pub name: String,
    /// The purposes after the discriminator.
    pub purposes: Vec<String>,
}

fn consumer(name: &str, purposes: &[&str]) -> Consumer {
    Consumer {
        name: name.to_owned(),
        purposes: purposes.iter().map(|p| (*p).to_owned()).collect(),
    }
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
        "Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware".to_owned(),
        scheme.to_owned(),
        "v2".to_owned(),
    ]
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

/// The chains an audit tries on a `CfDJ8` value (after the discriminator): ASP.NET Core's
/// cookie schemes (`Cookies`, `Identity.Application`, `Identity.External`,
/// `Identity.TwoFactorUserId`, `Identity.TwoFactorRememberMe`), antiforgery, session,
/// TempData, OpenID Connect state, and the ASP.NET 4.x SystemWeb consumers (forms ticket,
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
    out.extend([
        consumer(
            "antiforgery token",
            &["Microsoft.AspNetCore.Antiforgery.AntiforgeryToken.v1"],
        ),
        consumer("session cookie", &["SessionMiddleware"]),
        consumer(
            "TempData cookie",
            &["Microsoft.AspNetCore.Mvc.ViewFeatures.CookieTempDataProviderToken.v1"],
        ),
        consumer(
            "OpenID Connect state (OpenIdConnect)",
            &[
                "Microsoft.AspNetCore.Authentication.OpenIdConnect.OpenIdConnectHandler",
                "OpenIdConnect",
                "v1",
            ],
        ),
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
/// continues with [`TIME_LIMITED`].
pub const BLAZOR_DESCRIPTOR_PURPOSE: &str =
    "Microsoft.AspNetCore.Components.ComponentDescriptorSerializer,V1";

/// The purpose of Blazor Server's persisted component state, the
/// `<!--Blazor-Server-Component-State:…-->` marker (`ProtectedPrerenderComponentApplicationStore`,
/// `src/Shared/Components/ProtectedPrerenderComponentApplicationStore.cs`).
pub const BLAZOR_STATE_PURPOSE: &str = "Microsoft.AspNetCore.Components.Server.State";

/// The purpose `ToTimeLimitedDataProtector()` adds after its parent's chain
/// (`TimeLimitedDataProtector`, `src/DataProtection/Extensions/src/TimeLimitedDataProtector.cs`);
/// its plaintext starts with the expiry, 8 bytes of big-endian UTC ticks.
pub const TIME_LIMITED: &str = "Microsoft.AspNetCore.DataProtection.TimeLimitedDataProtector.v1";

/// Blazor Server's two consumers: the component descriptor (its purpose, then the
/// time-limited protector's) and the persisted component state.
///
/// # Example
/// ```
/// use machinekey::dataprotection::consumers::{TIME_LIMITED, blazor};
/// let [descriptor, state] = blazor();
/// assert_eq!(descriptor.purposes.last().map(String::as_str), Some(TIME_LIMITED));
/// assert_eq!(state.purposes, ["Microsoft.AspNetCore.Components.Server.State"]);
/// ```
#[must_use]
pub fn blazor() -> [Consumer; 2] {
    [
        consumer(
            "Blazor Server component descriptor",
            &[BLAZOR_DESCRIPTOR_PURPOSE, TIME_LIMITED],
        ),
        consumer(
            "Blazor Server persisted component state",
            &[BLAZOR_STATE_PURPOSE],
        ),
    ]
}
