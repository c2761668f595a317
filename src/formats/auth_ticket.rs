//! The authentication tickets of OWIN/Katana (ASP.NET 4.x MVC 5, ASP.NET Identity 2) and
//! ASP.NET Core cookie authentication: the claims-based successors of the forms ticket.
//!
//! Two serializations, both `BinaryWriter` streams:
//!
//! - [`core`]: `TicketSerializer` format version 5 (`dotnet/aspnetcore`
//!   `src/Security/Authentication/Core/src/TicketSerializer.cs`): a scheme, any number of
//!   identities (claims with their value types, issuers and properties, a bootstrap context,
//!   an actor), then `AuthenticationProperties`. `Microsoft.Owin.Security.Interop`'s
//!   `AspNetTicketSerializer` writes the same layout from an OWIN ticket (one identity, its
//!   authentication type as the scheme), which is how a 4.x site and a Core site share a
//!   login.
//! - [`katana`]: Katana's `TicketSerializer` format version 3 (`aspnet/AspNetKatana`
//!   `src/Microsoft.Owin.Security/DataHandler/Serializer/TicketSerializer.cs`), GZip-compressed:
//!   one identity, claims without properties, no actor.
//!
//! Both elide defaults the same way: a claim type equal to the identity's name claim type, the
//! value type `http://www.w3.org/2001/XMLSchema#string`, the issuer `LOCAL AUTHORITY`, an
//! original issuer equal to the issuer, and the default name and role claim types are written
//! as the one-character string `"\0"`. Writing a ticket that was read gives the same bytes
//! for every ticket .NET writes (it always elides); a ticket written by something else with
//! the defaults spelled out is read, and written back elided.
//!
//! The protected cookies that carry these tickets are in [`crate::formats::auth_cookie`].
//!
//! # Example
//! ```
//! use machinekey::formats::auth_ticket::{AuthTicket, Claim, ClaimsIdentity, core};
//! let mut identity = ClaimsIdentity::new("Cookies");
//! identity.claims.push(Claim::name("alice"));
//! identity.claims.push(Claim::role("admin"));
//! let ticket = AuthTicket::new("Cookies", vec![identity]);
//! let bytes = core::serialize(&ticket)?;
//! let read = core::deserialize(&bytes)?;
//! assert_eq!(read, ticket);
//! assert_eq!(read.name(), Some("alice"));
//! assert_eq!(read.roles(), ["admin"]);
//! # Ok::<(), machinekey::formats::auth_ticket::TicketError>(())
//! ```

pub mod core;
mod io;
pub mod katana;

use serde::Serialize;
use time::OffsetDateTime;

pub use crate::error::TicketError;

/// `ClaimTypes.Name`: the default name claim type.
pub const DEFAULT_NAME_CLAIM_TYPE: &str =
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";
/// `ClaimTypes.Role`: the default role claim type.
pub const DEFAULT_ROLE_CLAIM_TYPE: &str =
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
/// `ClaimTypes.NameIdentifier`.
pub const NAME_IDENTIFIER_CLAIM_TYPE: &str =
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier";
/// `ClaimsIdentity.DefaultIssuer`.
pub const DEFAULT_ISSUER: &str = "LOCAL AUTHORITY";
/// `ClaimValueTypes.String`: the default value type.
pub const STRING_VALUE_TYPE: &str = "http://www.w3.org/2001/XMLSchema#string";

/// `AuthenticationProperties` keys.
pub mod keys {
    /// `IssuedUtc`.
    pub const ISSUED: &str = ".issued";
    /// `ExpiresUtc`.
    pub const EXPIRES: &str = ".expires";
    /// `IsPersistent` (present means true).
    pub const PERSISTENT: &str = ".persistent";
    /// `RedirectUri`.
    pub const REDIRECT: &str = ".redirect";
    /// `AllowRefresh` (`True` / `False`).
    pub const REFRESH: &str = ".refresh";
}

/// An authentication ticket: the scheme, the identities of the principal, and the
/// properties (issue and expiry times, persistence, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AuthTicket {
    /// The authentication scheme (`Cookies`, `Identity.Application`; for a Katana ticket, its
    /// identity's authentication type).
    pub scheme: String,
    /// The principal's identities (exactly one in Katana and Interop tickets).
    pub identities: Vec<ClaimsIdentity>,
    /// `AuthenticationProperties.Items`.
    pub properties: AuthProperties,
}

/// One `ClaimsIdentity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ClaimsIdentity {
    /// `AuthenticationType` (`""` for none).
    pub authentication_type: String,
    /// `NameClaimType`.
    pub name_claim_type: String,
    /// `RoleClaimType`.
    pub role_claim_type: String,
    /// The claims, in order.
    pub claims: Vec<Claim>,
    /// `BootstrapContext`, when it is a non-empty string.
    pub bootstrap: Option<String>,
    /// `Actor`: the identity acting for this one (Core and Interop only).
    pub actor: Option<Box<ClaimsIdentity>>,
}

/// One `Claim`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Claim {
    /// `Type`.
    pub claim_type: String,
    /// `Value`.
    pub value: String,
    /// `ValueType`.
    pub value_type: String,
    /// `Issuer`.
    pub issuer: String,
    /// `OriginalIssuer`.
    pub original_issuer: String,
    /// `Properties` (Core and Interop only), in order.
    pub properties: Vec<(String, String)>,
}

/// `AuthenticationProperties.Items`, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuthProperties {
    /// The items.
    pub items: Vec<(String, String)>,
}

impl Claim {
    /// A string claim issued by `LOCAL AUTHORITY`.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::auth_ticket::Claim;
    /// let c = Claim::new("email", "a@example.com");
    /// assert_eq!((c.issuer.as_str(), c.original_issuer.as_str()), ("LOCAL AUTHORITY", "LOCAL AUTHORITY"));
    /// ```
    #[must_use]
    pub fn new(claim_type: &str, value: &str) -> Self {
        Self {
            claim_type: claim_type.to_owned(),
            value: value.to_owned(),
            value_type: STRING_VALUE_TYPE.to_owned(),
            issuer: DEFAULT_ISSUER.to_owned(),
            original_issuer: DEFAULT_ISSUER.to_owned(),
            properties: Vec::new(),
        }
    }

    /// A claim of the default name claim type.
    #[must_use]
    pub fn name(value: &str) -> Self {
        Self::new(DEFAULT_NAME_CLAIM_TYPE, value)
    }

    /// A claim of the default role claim type.
    #[must_use]
    pub fn role(value: &str) -> Self {
        Self::new(DEFAULT_ROLE_CLAIM_TYPE, value)
    }
}

impl ClaimsIdentity {
    /// An identity with the default name and role claim types and no claims.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::auth_ticket::ClaimsIdentity;
    /// assert!(ClaimsIdentity::new("Cookies").claims.is_empty());
    /// ```
    #[must_use]
    pub fn new(authentication_type: &str) -> Self {
        Self {
            authentication_type: authentication_type.to_owned(),
            name_claim_type: DEFAULT_NAME_CLAIM_TYPE.to_owned(),
            role_claim_type: DEFAULT_ROLE_CLAIM_TYPE.to_owned(),
            claims: Vec::new(),
            bootstrap: None,
            actor: None,
        }
    }

    /// The value of the first claim of the name claim type (`ClaimsIdentity.Name`).
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.claims
            .iter()
            .find(|c| c.claim_type == self.name_claim_type)
            .map(|c| c.value.as_str())
    }

    /// The values of the claims of the role claim type.
    #[must_use]
    pub fn roles(&self) -> Vec<&str> {
        self.claims
            .iter()
            .filter(|c| c.claim_type == self.role_claim_type)
            .map(|c| c.value.as_str())
            .collect()
    }
}

/// `DateTimeOffset.ToString("r")`: `Tue, 19 Dec 2017 15:03:00 GMT`.
const RFC1123: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

impl AuthProperties {
    /// The value of an item.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Sets an item (replacing its value in place, or adding it at the end).
    pub fn set(&mut self, key: &str, value: &str) {
        match self.items.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => value.clone_into(v),
            None => self.items.push((key.to_owned(), value.to_owned())),
        }
    }

    /// Removes an item.
    pub fn remove(&mut self, key: &str) {
        self.items.retain(|(k, _)| k != key);
    }

    fn date(&self, key: &str) -> Option<OffsetDateTime> {
        let text = self.get(key)?;
        time::PrimitiveDateTime::parse(text, RFC1123)
            .ok()
            .map(time::PrimitiveDateTime::assume_utc)
    }

    fn set_date(&mut self, key: &str, when: OffsetDateTime) {
        let utc = when.to_offset(time::UtcOffset::UTC);
        if let Ok(text) = utc.format(RFC1123) {
            self.set(key, &text);
        }
    }

    /// `IssuedUtc`: `.issued` parsed as ASP.NET parses it (`"r"`; unparsable is absent).
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::auth_ticket::AuthProperties;
    /// let mut p = AuthProperties::default();
    /// p.set(".issued", "Tue, 19 Dec 2017 15:03:00 GMT");
    /// assert_eq!(p.issued().map(|t| t.unix_timestamp()), Some(1_513_695_780));
    /// ```
    #[must_use]
    pub fn issued(&self) -> Option<OffsetDateTime> {
        self.date(keys::ISSUED)
    }

    /// `ExpiresUtc` (absent: the ticket never expires).
    #[must_use]
    pub fn expires(&self) -> Option<OffsetDateTime> {
        self.date(keys::EXPIRES)
    }

    /// Sets `.issued`, to the second.
    pub fn set_issued(&mut self, when: OffsetDateTime) {
        self.set_date(keys::ISSUED, when);
    }

    /// Sets `.expires`, to the second.
    pub fn set_expires(&mut self, when: OffsetDateTime) {
        self.set_date(keys::EXPIRES, when);
    }

    /// `IsPersistent`: whether `.persistent` is present.
    #[must_use]
    pub fn is_persistent(&self) -> bool {
        self.get(keys::PERSISTENT).is_some()
    }

    /// `AllowRefresh`: `.refresh` parsed with `bool.TryParse` (`None` when absent or unparsable).
    #[must_use]
    pub fn allow_refresh(&self) -> Option<bool> {
        let v = self.get(keys::REFRESH)?.trim();
        if v.eq_ignore_ascii_case("true") {
            Some(true)
        } else if v.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            None
        }
    }
}

impl AuthTicket {
    /// A ticket of `identities` with no properties.
    #[must_use]
    pub fn new(scheme: &str, identities: Vec<ClaimsIdentity>) -> Self {
        Self {
            scheme: scheme.to_owned(),
            identities,
            properties: AuthProperties::default(),
        }
    }

    /// The first identity's name (`ClaimsPrincipal.Identity.Name`).
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.identities.first().and_then(ClaimsIdentity::name)
    }

    /// The roles of every identity.
    #[must_use]
    pub fn roles(&self) -> Vec<&str> {
        self.identities
            .iter()
            .flat_map(ClaimsIdentity::roles)
            .collect()
    }

    /// `.issued`.
    #[must_use]
    pub fn issued(&self) -> Option<OffsetDateTime> {
        self.properties.issued()
    }

    /// `.expires`.
    #[must_use]
    pub fn expires(&self) -> Option<OffsetDateTime> {
        self.properties.expires()
    }

    /// `.persistent`.
    #[must_use]
    pub fn is_persistent(&self) -> bool {
        self.properties.is_persistent()
    }
}

/// Bounds on what a ticket reader accepts from untrusted input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TicketLimits {
    /// Nesting of actors (ASP.NET has no limit).
    pub max_actor_depth: usize,
    /// Identities, claims and properties, in all.
    pub max_entries: usize,
    /// Bytes of a Katana ticket after GZip decompression.
    pub max_decompressed: usize,
}

impl Default for TicketLimits {
    /// Actor depth 8, 10,000 entries, 1 MiB decompressed (a cookie is at most a few chunks of
    /// 4 KiB; ASP.NET's own tickets stay far below).
    fn default() -> Self {
        Self {
            max_actor_depth: 8,
            max_entries: 10_000,
            max_decompressed: 1 << 20,
        }
    }
}
