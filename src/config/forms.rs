//! The settings around `<machineKey>` that shape what it protects: `<forms>` (the forms
//! ticket and its cookie) and `<pages>` (ViewState), with ASP.NET's defaults.

use serde::Serialize;

use crate::names::names;

/// `<forms protection>`, `<roleManager cookieProtection>` and `<anonymousIdentification
/// cookieProtection>` (`System.Web.Security.CookieProtection`). Ignored in Framework45
/// mode, where data is always encrypted and MACed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum CookieProtection {
    /// Sign, then encrypt (the default).
    #[default]
    All,
    /// Sign only.
    Validation,
    /// Encrypt only (with default settings the ciphertext is still MACed).
    Encryption,
    /// Neither: the payload travels as is.
    None,
}

impl CookieProtection {
    /// Every value (a slice, so a new value is no breaking change).
    pub const ALL: &'static [Self] = &[Self::All, Self::Validation, Self::Encryption, Self::None];

    pub(crate) fn signs(self) -> bool {
        matches!(self, Self::All | Self::Validation)
    }

    pub(crate) fn encrypts(self) -> bool {
        matches!(self, Self::All | Self::Encryption)
    }
}

names!(CookieProtection, "The attribute value, as ASP.NET spells it.", {
    All => "All",
    Validation => "Validation",
    Encryption => "Encryption",
    None => "None",
});

/// `<forms cookieless>` (`System.Web.HttpCookieMode`): where the ticket travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum CookieMode {
    /// In the URL (`UrlToken` text), never a cookie.
    UseUri,
    /// In a cookie, always.
    UseCookies,
    /// A cookie when the browser takes one, else the URL.
    AutoDetect,
    /// As the browser's device profile says (the default).
    #[default]
    UseDeviceProfile,
}

impl CookieMode {
    /// Every value (a slice, so a new value is no breaking change).
    pub const ALL: &'static [Self] = &[
        Self::UseUri,
        Self::UseCookies,
        Self::AutoDetect,
        Self::UseDeviceProfile,
    ];
}

names!(CookieMode, "The attribute value, as ASP.NET spells it.", {
    UseUri => "UseUri",
    UseCookies => "UseCookies",
    AutoDetect => "AutoDetect",
    UseDeviceProfile => "UseDeviceProfile",
});

/// `<forms ticketCompatibilityMode>` (`System.Web.Configuration.TicketCompatibilityMode`):
/// whether the ticket's dates are local time (`Framework20`, the default) or UTC
/// (`Framework40`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum TicketCompatibilityMode {
    /// Dates in the server's local time (the default).
    #[default]
    Framework20,
    /// Dates in UTC.
    Framework40,
}

impl TicketCompatibilityMode {
    /// Every value (a slice, so a new value is no breaking change).
    pub const ALL: &'static [Self] = &[Self::Framework20, Self::Framework40];
}

names!(TicketCompatibilityMode, "The attribute value, as ASP.NET spells it.", {
    Framework20 => "Framework20",
    Framework40 => "Framework40",
});

/// The `<system.web><authentication><forms>` settings that shape forms tickets and their
/// cookie (defaults are ASP.NET's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FormsSettings {
    /// `name`: the cookie name. Default `.ASPXAUTH`.
    pub name: String,
    /// `protection`. Default `All`. Framework45 mode ignores it (always encrypted and MACed).
    pub protection: CookieProtection,
    /// `timeout` (whole minutes in the file). Default 30 minutes.
    #[serde(serialize_with = "minutes")]
    pub timeout: time::Duration,
    /// `slidingExpiration`. Default `true`.
    pub sliding_expiration: bool,
    /// `path`. Default `/`.
    pub path: String,
    /// `requireSSL`. Default `false`.
    pub require_ssl: bool,
    /// `cookieless`. Default `UseDeviceProfile`.
    pub cookieless: CookieMode,
    /// `ticketCompatibilityMode`. Default `Framework20`. Read and reported; the crate's
    /// tickets carry UTC dates either way (the local-time conversion of `Framework20` is
    /// not modelled: UNVERIFIED for servers off UTC).
    pub ticket_compatibility_mode: TicketCompatibilityMode,
}

/// A `timeout` as JSON gives it: whole minutes, as the attribute is written.
fn minutes<S: serde::Serializer>(d: &time::Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(d.whole_minutes())
}

impl Default for FormsSettings {
    fn default() -> Self {
        Self {
            name: ".ASPXAUTH".to_owned(),
            protection: CookieProtection::All,
            timeout: time::Duration::minutes(30),
            sliding_expiration: true,
            path: "/".to_owned(),
            require_ssl: false,
            cookieless: CookieMode::UseDeviceProfile,
            ticket_compatibility_mode: TicketCompatibilityMode::Framework20,
        }
    }
}

/// `<pages viewStateEncryptionMode>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum ViewStateEncryptionMode {
    /// Encrypt when a control asks for it (the default).
    #[default]
    Auto,
    /// Always encrypt.
    Always,
    /// Never encrypt.
    Never,
}

impl ViewStateEncryptionMode {
    /// Every value (a slice, so a new value is no breaking change).
    pub const ALL: &'static [Self] = &[Self::Auto, Self::Always, Self::Never];
}

names!(ViewStateEncryptionMode, "The attribute value, as ASP.NET spells it.", {
    Auto => "Auto",
    Always => "Always",
    Never => "Never",
});

/// The `<system.web><pages>` settings that change ViewState (defaults are ASP.NET's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PagesSettings {
    /// `enableViewStateMac`. Default `true` (4.5.2 and later ignore `false` unless
    /// `aspnet:AllowInsecureViewState` is set).
    pub enable_view_state_mac: bool,
    /// `viewStateEncryptionMode`. Default `Auto`.
    pub view_state_encryption_mode: ViewStateEncryptionMode,
    /// `enableViewState`. Default `true`.
    pub enable_view_state: bool,
}

impl Default for PagesSettings {
    fn default() -> Self {
        Self {
            enable_view_state_mac: true,
            view_state_encryption_mode: ViewStateEncryptionMode::Auto,
            enable_view_state: true,
        }
    }
}

impl PagesSettings {
    /// Whether legacy-mode pages encrypt their ViewState (`Always`; `Auto` only when a
    /// control asks, which the configuration cannot tell).
    #[must_use]
    pub fn encrypts_view_state(&self) -> bool {
        self.view_state_encryption_mode == ViewStateEncryptionMode::Always
    }
}

/// `<sessionState mode>`: where session state lives (`System.Web.SessionState.SessionStateMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum SessionStateMode {
    /// `Off`: no session state.
    Off,
    /// `InProc` (the default): in the worker process's memory, so each worker of a web
    /// garden has its own sessions.
    #[default]
    InProc,
    /// `StateServer`: the ASP.NET State Service.
    StateServer,
    /// `SQLServer`: a SQL Server database.
    SqlServer,
    /// `Custom`: a custom provider.
    Custom,
}

impl SessionStateMode {
    /// Every value (a slice, so a new value is no breaking change).
    pub const ALL: &'static [Self] = &[
        Self::Off,
        Self::InProc,
        Self::StateServer,
        Self::SqlServer,
        Self::Custom,
    ];

    /// Whether sessions live in the worker process (and so are not shared between the
    /// workers of a web garden or the servers of a farm).
    #[must_use]
    pub const fn is_in_process(self) -> bool {
        matches!(self, Self::InProc)
    }
}

names!(SessionStateMode, "The attribute value, as ASP.NET spells it.", {
    Off => "Off",
    InProc => "InProc",
    StateServer => "StateServer",
    SqlServer => "SQLServer",
    Custom => "Custom",
});

/// The `<system.web><sessionState>` settings (defaults are ASP.NET's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SessionStateSettings {
    /// `mode`. Default `InProc`.
    pub mode: SessionStateMode,
}
