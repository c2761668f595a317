//! What an opened value is, what it holds, and what holding its key lets an attacker do.

use serde::Serialize;

use crate::audit::blazor::{self, ComponentDescriptor, PersistedState};
use crate::dataprotection::TIME_LIMITED_PURPOSE;
use crate::dataprotection::consumers::{BLAZOR_DESCRIPTOR_PURPOSE, BLAZOR_STATE_PURPOSE};
use crate::formats::auth_ticket::AuthTicket;

/// What kind of value a purpose chain protects (the discriminator, when first, is skipped
/// by looking for a known purpose anywhere in the chain).
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

const OIDC_HANDLER: &str = "Microsoft.AspNetCore.Authentication.OpenIdConnect.OpenIdConnectHandler";

impl Kind {
    pub(super) fn of<S: AsRef<str>>(purposes: &[S]) -> Self {
        for (i, p) in purposes.iter().enumerate() {
            let next = purposes.get(i + 1).map(AsRef::as_ref);
            let kind = match p.as_ref() {
                "Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware"
                | "Microsoft.AspNetCore.Authentication.BearerToken" => Self::Ticket,
                "Microsoft.AspNetCore.Antiforgery.AntiforgeryToken.v1" => Self::Antiforgery,
                "SessionMiddleware" => Self::Session,
                "Microsoft.AspNetCore.Mvc.CookieTempDataProviderToken.v1"
                | "Microsoft.AspNetCore.Mvc.ViewFeatures.CookieTempDataProviderToken.v1"
                | "Microsoft.AspNetCore.Components.CookieTempDataProviderToken.v1" => {
                    Self::TempData
                }
                OIDC_HANDLER if next == Some("System.String") => Self::Nonce,
                BLAZOR_DESCRIPTOR_PURPOSE => Self::BlazorDescriptor,
                BLAZOR_STATE_PURPOSE => Self::BlazorState,
                "DataProtectorTokenProvider" => Self::IdentityToken,
                "FormsAuthentication.Ticket"
                | "RolePrincipal.Ticket"
                | "AnonymousIdentificationModule.Ticket" => Self::SystemWebTicket,
                "WebForms.HiddenFieldPageStatePersister.ClientState"
                | "WebForms.ClientScriptManager.EventValidation" => Self::SystemWebPage,
                h if h == OIDC_HANDLER
                    || (h.starts_with("Microsoft.AspNetCore.Authentication.")
                        && (h.ends_with("Handler") || h.contains(".OAuthHandler`1"))) =>
                {
                    Self::State
                }
                _ => continue,
            };
            return kind;
        }
        Self::Other
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
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OpenedValue {
    /// A login ticket (`TicketSerializer`, format version 5): scheme, identities, claims,
    /// properties.
    Ticket(AuthTicket),
    /// `AuthenticationProperties` (`PropertiesSerializer`): the items of OpenID Connect or
    /// OAuth `state`, in order.
    Properties {
        /// The items.
        items: Vec<(String, String)>,
    },
    /// A Blazor Server component descriptor.
    ComponentDescriptor(ComponentDescriptor),
    /// Blazor Server persisted component state.
    PersistedState(PersistedState),
    /// UTF-8 text (a session id, a nonce, TempData JSON, an Identity token's fields).
    Text {
        /// The text.
        text: String,
    },
}

/// The most items a properties blob is read for.
const MAX_ITEMS: usize = 10_000;

/// `PropertiesSerializer` v1: Int32 version, Int32 count, then key and value strings
/// (7-bit length, UTF-8).
fn properties(bytes: &[u8]) -> Option<Vec<(String, String)>> {
    let (version, rest) = bytes.split_first_chunk::<4>()?;
    let (count, mut rest) = rest.split_first_chunk::<4>()?;
    if i32::from_le_bytes(*version) != 1 {
        return None;
    }
    let count = usize::try_from(i32::from_le_bytes(*count)).ok()?;
    if count > MAX_ITEMS {
        return None;
    }
    let string = |rest: &mut &[u8]| -> Option<String> {
        let (len, tail) = crate::binary::read_7bit(rest)?;
        let (s, tail) = tail.split_at_checked(len)?;
        *rest = tail;
        String::from_utf8(s.to_vec()).ok()
    };
    let mut items = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        let k = string(&mut rest)?;
        let v = string(&mut rest)?;
        items.push((k, v));
    }
    rest.is_empty().then_some(items)
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
    let time_limited = purposes
        .last()
        .is_some_and(|p| p.as_ref() == TIME_LIMITED_PURPOSE);
    let (expires, data) = if time_limited {
        match blazor::time_limited(plaintext) {
            Ok((e, d)) => (e, d),
            Err(_) => return (None, None),
        }
    } else {
        (None, plaintext)
    };
    let value = match Kind::of(purposes) {
        Kind::Ticket => crate::formats::auth_ticket::core::deserialize(data)
            .ok()
            .map(OpenedValue::Ticket),
        Kind::State => properties(data).map(|items| OpenedValue::Properties { items }),
        Kind::BlazorDescriptor => blazor::read_descriptor(data, expires)
            .ok()
            .map(OpenedValue::ComponentDescriptor),
        Kind::BlazorState => blazor::read_state(data)
            .ok()
            .map(OpenedValue::PersistedState),
        _ => None,
    };
    let value = value.or_else(|| text(data).map(|text| OpenedValue::Text { text }));
    (expires, value)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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
            Kind::of(&[BLAZOR_DESCRIPTOR_PURPOSE, TIME_LIMITED_PURPOSE]),
            Kind::BlazorDescriptor
        );
    }

    #[test]
    fn properties_read_exactly() {
        let mut b = vec![1, 0, 0, 0, 1, 0, 0, 0, 9];
        b.extend_from_slice(b".redirect");
        b.push(1);
        b.push(b'/');
        assert_eq!(
            properties(&b).unwrap(),
            [(".redirect".to_owned(), "/".to_owned())]
        );
        b.push(0);
        assert!(properties(&b).is_none(), "trailing bytes");
        assert!(properties(&[1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F]).is_none());
    }
}
