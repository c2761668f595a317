//! What an opened value is, what it holds, and what holding its key lets an attacker do.
//!
//! The plaintext of a consumer of ASP.NET Core is decoded by the lower layer,
//! [`CoreValue`] (tickets, `state`, antiforgery and Identity tokens, session keys,
//! TempData, nonces); this layer adds Blazor's component descriptors and persisted state,
//! text, and the impact of a known key per kind of value.

use serde::Serialize;

use crate::audit::blazor::{self, ComponentDescriptor, PersistedState};
use crate::dataprotection::TIME_LIMITED_PURPOSE;
use crate::dataprotection::consumers::{
    BLAZOR_DESCRIPTOR_PURPOSE, BLAZOR_STATE_PURPOSE, ConsumerKind, kind_of,
};
use crate::formats::aspnetcore::CoreValue;

/// What kind of value a purpose chain protects: the consumer kinds of
/// [`kind_of`], with Blazor's two and the two sorts of ASP.NET 4.x values told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Ticket,
    Antiforgery,
    Session,
    TempData,
    State,
    Nonce,
    BlazorDescriptor,
    BlazorState,
    IdentityToken,
    SystemWebTicket,
    SystemWebPage,
    Other,
}

/// The chain without a trailing time-limited purpose.
fn without_time_limit<S: AsRef<str>>(purposes: &[S]) -> &[S] {
    match purposes.split_last() {
        Some((last, rest)) if last.as_ref() == TIME_LIMITED_PURPOSE => rest,
        _ => purposes,
    }
}

impl Kind {
    pub(super) fn of<S: AsRef<str>>(purposes: &[S]) -> Self {
        let has = |purpose: &str| purposes.iter().any(|p| p.as_ref() == purpose);
        if has(BLAZOR_DESCRIPTOR_PURPOSE) {
            return Self::BlazorDescriptor;
        }
        if has(BLAZOR_STATE_PURPOSE) {
            return Self::BlazorState;
        }
        match kind_of(without_time_limit(purposes)) {
            ConsumerKind::Ticket => Self::Ticket,
            ConsumerKind::Antiforgery => Self::Antiforgery,
            ConsumerKind::Session => Self::Session,
            ConsumerKind::TempData => Self::TempData,
            ConsumerKind::IdentityToken => Self::IdentityToken,
            ConsumerKind::State | ConsumerKind::TwitterRequestToken => Self::State,
            ConsumerKind::Nonce => Self::Nonce,
            ConsumerKind::SystemWeb
                if purposes.iter().any(|p| p.as_ref().starts_with("WebForms.")) =>
            {
                Self::SystemWebPage
            }
            ConsumerKind::SystemWeb => Self::SystemWebTicket,
            _ => Self::Other,
        }
    }

    /// What carve's hint (where the value was found) says the value is.
    pub(super) fn from_hint(hint: &str) -> Option<Self> {
        Some(match hint {
            "cookie_authentication" | "bearer_token" => Self::Ticket,
            "antiforgery" => Self::Antiforgery,
            "session" => Self::Session,
            "temp_data" => Self::TempData,
            "state" => Self::State,
            "oidc_nonce" => Self::Nonce,
            "blazor_descriptor" => Self::BlazorDescriptor,
            "blazor_state" => Self::BlazorState,
            "identity_token" => Self::IdentityToken,
            "systemweb_ticket" => Self::SystemWebTicket,
            "systemweb_page" => Self::SystemWebPage,
            _ => return None,
        })
    }

    /// What a value of this kind under a known key lets an attacker do.
    pub(super) fn impact(self) -> &'static str {
        match self {
            Self::Ticket => {
                "forge login cookies (or bearer tokens) for any user with any claims and roles, \
                 and read every session's claims: sign in as anyone, administrators included"
            }
            Self::Antiforgery => {
                "forge antiforgery cookie and request tokens for any user: the application's \
                 cross-site request forgery protection is void"
            }
            Self::Session => {
                "read every session cookie's session id and forge cookies naming any id: \
                 session fixation, and hijacking with a leaked id"
            }
            Self::TempData => {
                "read and forge TempData: inject the values (messages, ids, redirects) the \
                 next request trusts"
            }
            Self::State => {
                "read and forge OpenID Connect / OAuth state: choose the post-login redirect \
                 and properties, and defeat the correlation check (login CSRF)"
            }
            Self::Nonce => {
                "forge nonce cookies: replay a captured id_token against the login callback"
            }
            Self::BlazorDescriptor => {
                "forge component descriptors: start any component of the application's \
                 assemblies with chosen parameters, past the descriptor's expiry"
            }
            Self::BlazorState => {
                "read and forge the state the server persisted into the page: tamper with \
                 values the circuit trusts when it starts"
            }
            Self::IdentityToken => {
                "read Identity tokens (password reset, e-mail confirmation) and forge them for \
                 a user whose id and security stamp are known"
            }
            Self::SystemWebTicket => {
                "forge ASP.NET 4.x forms-authentication (or role) tickets: sign in as anyone"
            }
            Self::SystemWebPage => {
                "forge ViewState: remote code execution through deserialization gadgets"
            }
            Self::Other => {
                "read and forge every value the application protects with Data Protection: \
                 login cookies, antiforgery tokens, OpenID Connect state, TempData, Blazor state"
            }
        }
    }
}

/// What an opened value's plaintext holds, when its consumer's format is known.
///
/// As JSON, an object whose `kind` names what it is: a [`CoreValue`]'s own (`ticket`,
/// `state`, `antiforgery`, `session`, `temp_data`, `identity_token`, `nonce`), or
/// `component_descriptor`, `persisted_state` and `text` beside their fields.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OpenedValue {
    /// What one of ASP.NET Core's consumers wrote, decoded by [`CoreValue::decode`]: a
    /// login ticket, OpenID Connect or OAuth `state`, an antiforgery or Identity token, a
    /// session key, TempData (feature `temp-data`), a nonce.
    Core(CoreValue),
    /// A Blazor Server component descriptor.
    ComponentDescriptor(ComponentDescriptor),
    /// Blazor Server persisted component state.
    PersistedState(PersistedState),
    /// UTF-8 text no consumer's layout reads (TempData JSON without the feature
    /// `temp-data`, an application's own value).
    Text {
        /// The text.
        text: String,
    },
}

impl Serialize for OpenedValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        enum Tagged<'a> {
            ComponentDescriptor(&'a ComponentDescriptor),
            PersistedState(&'a PersistedState),
            Text { text: &'a str },
        }
        match self {
            Self::Core(v) => v.serialize(s),
            Self::ComponentDescriptor(d) => Tagged::ComponentDescriptor(d).serialize(s),
            Self::PersistedState(p) => Tagged::PersistedState(p).serialize(s),
            Self::Text { text } => Tagged::Text { text }.serialize(s),
        }
    }
}

/// UTF-8 text without control characters (other than line breaks and tabs).
fn text(bytes: &[u8]) -> Option<String> {
    let s = core::str::from_utf8(bytes).ok()?;
    (!s.is_empty()
        && !s
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')))
    .then(|| s.to_owned())
}

/// Reads `plaintext` as the kind `purposes` protect. Returns the expiry of a time-limited
/// payload too.
pub(super) fn open<S: AsRef<str>>(
    purposes: &[S],
    plaintext: &[u8],
) -> (Option<time::OffsetDateTime>, Option<OpenedValue>) {
    let chain = without_time_limit(purposes);
    let (expires, data) = if chain.len() < purposes.len() {
        match blazor::time_limited(plaintext) {
            Ok((e, d)) => (e, d),
            Err(_) => return (None, None),
        }
    } else {
        (None, plaintext)
    };
    let value = match Kind::of(purposes) {
        Kind::BlazorDescriptor => blazor::read_descriptor(data, expires)
            .ok()
            .map(OpenedValue::ComponentDescriptor),
        Kind::BlazorState => blazor::read_state(data)
            .ok()
            .map(OpenedValue::PersistedState),
        _ => match CoreValue::decode(kind_of(chain), data) {
            Ok(CoreValue::Bytes(_) | CoreValue::TimeLimited { .. }) | Err(_) => None,
            Ok(v) => Some(OpenedValue::Core(v)),
        },
    };
    let value = value.or_else(|| text(data).map(|text| OpenedValue::Text { text }));
    (expires, value)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::dataprotection::consumers::OPENID_CONNECT_HANDLER as OIDC_HANDLER;

    #[test]
    fn kinds_from_chains_with_and_without_discriminator() {
        let nonce = [OIDC_HANDLER, "System.String", "OpenIdConnect", "v1"];
        assert_eq!(Kind::of(&nonce), Kind::Nonce);
        assert_eq!(
            Kind::of(&["/app/", OIDC_HANDLER, "oidc", "v1"]),
            Kind::State
        );
        assert_eq!(
            Kind::of(&[
                "Microsoft.AspNetCore.Authentication.Google.GoogleHandler",
                "Google",
                "v1"
            ]),
            Kind::State
        );
        assert_eq!(Kind::of(&["MyApp", "custom"]), Kind::Other);
        assert_eq!(
            Kind::of(&[
                "Microsoft.AspNetCore.Authentication.WsFederation.WsFederationHandler",
                "WsFederation",
                "v1"
            ]),
            Kind::State
        );
        assert_eq!(
            Kind::of(&[
                "/app/",
                "WebForms.HiddenFieldPageStatePersister.ClientState"
            ]),
            Kind::SystemWebPage
        );
        assert_eq!(
            Kind::of(&[BLAZOR_DESCRIPTOR_PURPOSE, TIME_LIMITED_PURPOSE]),
            Kind::BlazorDescriptor
        );
    }
}
