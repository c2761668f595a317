//! ASP.NET Core's `TicketSerializer` (format version 5), and the same layout as
//! `Microsoft.Owin.Security.Interop`'s `AspNetTicketSerializer` writes it from an OWIN
//! ticket.

use super::io::{Reader, Writer};
use super::{
    AuthTicket, ClaimsIdentity, DEFAULT_NAME_CLAIM_TYPE, DEFAULT_ROLE_CLAIM_TYPE, TicketError,
    TicketLimits,
};

/// `TicketSerializer.FormatVersion`.
pub const FORMAT_VERSION: i32 = 5;

/// Serializes a ticket as ASP.NET Core writes it (no compression).
///
/// # Errors
/// [`TicketError`] when a count does not fit an `Int32`, or actors nest deeper than
/// [`TicketLimits::max_actor_depth`].
///
/// # Example
/// ```
/// use machinekey::formats::auth_ticket::{AuthTicket, core};
/// let bytes = core::serialize(&AuthTicket::new("Cookies", vec![]))?;
/// assert_eq!(bytes, b"\x05\x00\x00\x00\x07Cookies\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00");
/// # Ok::<(), machinekey::formats::auth_ticket::TicketError>(())
/// ```
pub fn serialize(ticket: &AuthTicket) -> Result<Vec<u8>, TicketError> {
    let mut w = Writer::new();
    w.i32(FORMAT_VERSION);
    w.string(&ticket.scheme);
    w.count(ticket.identities.len(), "too many identities")?;
    for identity in &ticket.identities {
        write_identity(&mut w, identity, 0)?;
    }
    w.properties(&ticket.properties)?;
    Ok(w.out)
}

fn write_identity(w: &mut Writer, id: &ClaimsIdentity, depth: usize) -> Result<(), TicketError> {
    if depth > TicketLimits::default().max_actor_depth {
        return Err(TicketError::new(
            w.out.len(),
            "actors nested deeper than the limit",
        ));
    }
    w.string(&id.authentication_type);
    w.with_default(&id.name_claim_type, DEFAULT_NAME_CLAIM_TYPE);
    w.with_default(&id.role_claim_type, DEFAULT_ROLE_CLAIM_TYPE);
    w.count(id.claims.len(), "too many claims")?;
    for claim in &id.claims {
        // The claim's subject is this identity: its name claim type is the default.
        w.claim_fields(claim, &id.name_claim_type);
        w.count(claim.properties.len(), "too many claim properties")?;
        for (k, v) in &claim.properties {
            w.string(k);
            w.string(v);
        }
    }
    match id.bootstrap.as_deref().filter(|b| !b.is_empty()) {
        Some(b) => {
            w.bool(true);
            w.string(b);
        }
        None => w.bool(false),
    }
    match &id.actor {
        Some(actor) => {
            w.bool(true);
            write_identity(w, actor, depth + 1)?;
        }
        None => w.bool(false),
    }
    Ok(())
}

/// Reads a version 5 ticket with the default [`TicketLimits`]. Bytes after the properties
/// are ignored, as ASP.NET ignores them.
///
/// # Errors
/// [`TicketError`] with the offset: another format version, truncation, negative or
/// oversized counts, invalid UTF-8, duplicate property keys, actors or entries past the limits.
///
/// # Example
/// ```
/// use machinekey::formats::auth_ticket::core;
/// let err = core::deserialize(b"\x03\x00\x00\x00").unwrap_err();
/// assert_eq!(err.to_string(), "authentication ticket, at byte 0: another format version than 5");
/// ```
pub fn deserialize(bytes: &[u8]) -> Result<AuthTicket, TicketError> {
    deserialize_with(bytes, &TicketLimits::default())
}

/// [`deserialize`] with other limits.
///
/// # Errors
/// As [`deserialize`].
///
/// # Example
/// ```
/// use machinekey::formats::auth_ticket::{TicketLimits, core};
/// assert!(core::deserialize_with(b"", &TicketLimits::default()).is_err());
/// ```
pub fn deserialize_with(bytes: &[u8], limits: &TicketLimits) -> Result<AuthTicket, TicketError> {
    let mut r = Reader::new(bytes, *limits);
    if r.i32()? != FORMAT_VERSION {
        return r.fail(0, "another format version than 5");
    }
    let scheme = r.string()?;
    // An identity takes at least 9 bytes (three strings, a count, two flags).
    let n = r.count(9)?;
    let mut identities = Vec::with_capacity(n);
    for _ in 0..n {
        identities.push(read_identity(&mut r, 0)?);
    }
    let properties = r.properties()?;
    Ok(AuthTicket {
        scheme,
        identities,
        properties,
    })
}

fn read_identity(r: &mut Reader<'_>, depth: usize) -> Result<ClaimsIdentity, TicketError> {
    if depth > r.limits.max_actor_depth {
        return r.fail(r.pos, "actors nested deeper than the limit");
    }
    let authentication_type = r.string()?;
    let name_claim_type = r.with_default(DEFAULT_NAME_CLAIM_TYPE)?;
    let role_claim_type = r.with_default(DEFAULT_ROLE_CLAIM_TYPE)?;
    // A claim takes at least 9 bytes (five strings and a count).
    let n = r.count(9)?;
    let mut claims = Vec::with_capacity(n);
    for _ in 0..n {
        let mut claim = r.claim_fields(&name_claim_type)?;
        claim.properties = r.pairs()?;
        claims.push(claim);
    }
    let bootstrap = if r.bool()? { Some(r.string()?) } else { None };
    let actor = if r.bool()? {
        Some(Box::new(read_identity(r, depth + 1)?))
    } else {
        None
    };
    Ok(ClaimsIdentity {
        authentication_type,
        name_claim_type,
        role_claim_type,
        claims,
        bootstrap,
        actor,
    })
}

/// Serializes an OWIN ticket as `Microsoft.Owin.Security.Interop`'s `AspNetTicketSerializer`
/// does: format version 5, the identity's authentication type as the scheme, exactly one
/// identity.
///
/// # Errors
/// [`TicketError`] when the ticket does not hold exactly one identity, or as [`serialize`].
///
/// # Example
/// ```
/// use machinekey::formats::auth_ticket::{AuthTicket, ClaimsIdentity, core};
/// let t = AuthTicket::new("ignored", vec![ClaimsIdentity::new("Identity.Application")]);
/// let bytes = core::serialize_interop(&t)?;
/// assert_eq!(core::deserialize(&bytes)?.scheme, "Identity.Application");
/// # Ok::<(), machinekey::formats::auth_ticket::TicketError>(())
/// ```
pub fn serialize_interop(ticket: &AuthTicket) -> Result<Vec<u8>, TicketError> {
    let [identity] = ticket.identities.as_slice() else {
        return Err(TicketError::new(
            0,
            "an Interop ticket holds exactly one identity",
        ));
    };
    let mut t = ticket.clone();
    t.scheme.clone_from(&identity.authentication_type);
    serialize(&t)
}

/// Reads a ticket as `AspNetTicketSerializer` does: version 5, the scheme read and replaced by
/// the identity's authentication type, exactly one identity. A ticket of two or more
/// identities, which that reader misparses, is refused.
///
/// # Errors
/// As [`deserialize`], and for a count of identities other than one.
///
/// # Example
/// ```
/// use machinekey::formats::auth_ticket::{AuthTicket, core};
/// let two = core::serialize(&AuthTicket::new("Cookies", vec![]))?;
/// assert!(core::deserialize_interop(&two).is_err());
/// # Ok::<(), machinekey::formats::auth_ticket::TicketError>(())
/// ```
pub fn deserialize_interop(bytes: &[u8]) -> Result<AuthTicket, TicketError> {
    let mut t = deserialize(bytes)?;
    let [identity] = t.identities.as_slice() else {
        return Err(TicketError::new(
            0,
            "an Interop ticket holds exactly one identity",
        ));
    };
    t.scheme.clone_from(&identity.authentication_type);
    Ok(t)
}

/// `PropertiesSerializer.Serialize` (version 1): what `PropertiesDataFormat` protects as
/// OpenID Connect and OAuth `state`, the items in order.
///
/// # Errors
/// [`TicketError`] when the item count does not fit an `Int32`.
///
/// # Example
/// ```
/// use machinekey::formats::auth_ticket::{AuthProperties, core};
/// let mut p = AuthProperties::default();
/// p.set(".redirect", "/");
/// assert_eq!(core::serialize_properties(&p)?, b"\x01\x00\x00\x00\x01\x00\x00\x00\x09.redirect\x01/");
/// # Ok::<(), machinekey::formats::auth_ticket::TicketError>(())
/// ```
pub fn serialize_properties(properties: &super::AuthProperties) -> Result<Vec<u8>, TicketError> {
    let mut w = Writer::new();
    w.properties(properties)?;
    Ok(w.out)
}

/// `PropertiesSerializer.Deserialize` (version 1) with the default [`TicketLimits`]: the
/// `state` of an OpenID Connect or OAuth sign-in (`.redirect`, `.xsrf`, the PKCE
/// `code_verifier`, …). Bytes after the items are ignored, as ASP.NET ignores them.
///
/// # Errors
/// [`TicketError`] with the offset: another version, truncation, a negative or oversized
/// count, invalid UTF-8, a duplicate key.
///
/// # Example
/// ```
/// use machinekey::formats::auth_ticket::core;
/// let p = core::deserialize_properties(b"\x01\x00\x00\x00\x01\x00\x00\x00\x09.redirect\x01/")?;
/// assert_eq!(p.get(".redirect"), Some("/"));
/// assert!(core::deserialize_properties(b"\x02\x00\x00\x00").is_err());
/// # Ok::<(), machinekey::formats::auth_ticket::TicketError>(())
/// ```
pub fn deserialize_properties(bytes: &[u8]) -> Result<super::AuthProperties, TicketError> {
    Reader::new(bytes, TicketLimits::default()).properties()
}
