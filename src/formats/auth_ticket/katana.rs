//! Katana's `TicketSerializer` (format version 3), GZip-compressed: the ticket of the OWIN
//! cookie middleware (`.AspNet.ApplicationCookie`, `.AspNet.Cookies`).

use std::io::Read as _;

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use super::io::{Reader, Writer};
use super::{
    AuthTicket, ClaimsIdentity, DEFAULT_NAME_CLAIM_TYPE, DEFAULT_ROLE_CLAIM_TYPE, TicketError,
    TicketLimits,
};

/// `TicketSerializer.FormatVersion`.
pub const FORMAT_VERSION: i32 = 3;

/// The ticket's bytes before compression, as Katana's `TicketSerializer.Write` writes them.
///
/// # Errors
/// [`TicketError`] for what version 3 cannot hold: other than exactly one identity, claim
/// properties, an actor; or a count over `Int32`.
///
/// # Example
/// ```
/// use machinekey::formats::auth_ticket::{AuthTicket, ClaimsIdentity, katana};
/// let t = AuthTicket::new("ApplicationCookie", vec![ClaimsIdentity::new("ApplicationCookie")]);
/// let raw = katana::serialize_uncompressed(&t)?;
/// assert_eq!(&raw[..4], &[3, 0, 0, 0]);
/// assert_eq!(katana::deserialize_uncompressed(&raw)?, t);
/// # Ok::<(), machinekey::formats::auth_ticket::TicketError>(())
/// ```
pub fn serialize_uncompressed(ticket: &AuthTicket) -> Result<Vec<u8>, TicketError> {
    let [id] = ticket.identities.as_slice() else {
        return Err(TicketError::new(
            0,
            "a Katana ticket holds exactly one identity",
        ));
    };
    if id.actor.is_some() {
        return Err(TicketError::new(0, "a Katana ticket has no actor"));
    }
    let mut w = Writer::new();
    w.i32(FORMAT_VERSION);
    w.string(&id.authentication_type);
    w.with_default(&id.name_claim_type, DEFAULT_NAME_CLAIM_TYPE);
    w.with_default(&id.role_claim_type, DEFAULT_ROLE_CLAIM_TYPE);
    w.count(id.claims.len(), "too many claims")?;
    for claim in &id.claims {
        if !claim.properties.is_empty() {
            return Err(TicketError::new(
                w.out.len(),
                "a Katana ticket has no claim properties",
            ));
        }
        w.claim_fields(claim, &id.name_claim_type);
    }
    // The bootstrap context: its UTF-16 length, then the string (0 when empty or white space).
    match id.bootstrap.as_deref().filter(|b| !b.trim().is_empty()) {
        Some(b) => {
            w.count(b.encode_utf16().count(), "a bootstrap context over Int32")?;
            w.string(b);
        }
        None => w.i32(0),
    }
    w.properties(&ticket.properties)?;
    Ok(w.out)
}

/// Serializes and compresses a ticket (`TicketSerializer.Serialize`: GZip around the
/// writer). The compressed bytes differ from .NET's `GZipStream` (another deflate
/// implementation); what they decompress to is the same.
///
/// # Errors
/// As [`serialize_uncompressed`].
///
/// # Example
/// ```
/// use machinekey::formats::auth_ticket::{AuthTicket, ClaimsIdentity, katana};
/// let t = AuthTicket::new("Cookies", vec![ClaimsIdentity::new("Cookies")]);
/// let gz = katana::serialize(&t)?;
/// assert_eq!(&gz[..3], &[0x1F, 0x8B, 0x08]);
/// assert_eq!(katana::deserialize(&gz)?, t);
/// # Ok::<(), machinekey::formats::auth_ticket::TicketError>(())
/// ```
pub fn serialize(ticket: &AuthTicket) -> Result<Vec<u8>, TicketError> {
    use std::io::Write as _;
    let raw = serialize_uncompressed(ticket)?;
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(&raw)
        .and_then(|()| gz.finish())
        .map_err(|_| TicketError::new(0, "compression failed"))
}

/// Decompresses (at most [`TicketLimits::max_decompressed`] bytes: a GZip bomb is an
/// error, not an allocation) and reads a version 3 ticket.
///
/// # Errors
/// [`TicketError`]: not GZip, more than the limit once decompressed (offset = the limit),
/// or as [`deserialize_uncompressed`] (offsets in the decompressed bytes).
///
/// # Example
/// ```
/// use machinekey::formats::auth_ticket::katana;
/// assert_eq!(katana::deserialize(b"not gzip").unwrap_err().reason(), "not a GZip stream");
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
/// use machinekey::formats::auth_ticket::{TicketLimits, katana};
/// assert!(katana::deserialize_with(b"", &TicketLimits::default()).is_err());
/// ```
pub fn deserialize_with(bytes: &[u8], limits: &TicketLimits) -> Result<AuthTicket, TicketError> {
    let raw = decompress(bytes, limits.max_decompressed)?;
    deserialize_uncompressed_with(&raw, limits)
}

/// GZip-decompresses at most `limit` bytes.
pub(crate) fn decompress(bytes: &[u8], limit: usize) -> Result<Vec<u8>, TicketError> {
    if !bytes.starts_with(&[0x1F, 0x8B]) {
        return Err(TicketError::new(0, "not a GZip stream"));
    }
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    GzDecoder::new(bytes)
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|_| TicketError::new(0, "a broken GZip stream"))?;
    if out.len() > limit {
        return Err(TicketError::new(
            limit,
            "more than the limit once decompressed",
        ));
    }
    Ok(out)
}

/// Reads the decompressed bytes of a version 3 ticket.
///
/// # Errors
/// [`TicketError`] with the offset: another version, truncation, negative or oversized
/// counts, invalid UTF-8, duplicate property keys.
///
/// # Example
/// ```
/// use machinekey::formats::auth_ticket::katana;
/// assert!(katana::deserialize_uncompressed(b"\x03\x00\x00\x00").is_err());
/// ```
pub fn deserialize_uncompressed(bytes: &[u8]) -> Result<AuthTicket, TicketError> {
    deserialize_uncompressed_with(bytes, &TicketLimits::default())
}

fn deserialize_uncompressed_with(
    bytes: &[u8],
    limits: &TicketLimits,
) -> Result<AuthTicket, TicketError> {
    let mut r = Reader::new(bytes, *limits);
    if r.i32()? != FORMAT_VERSION {
        return r.fail(0, "another format version than 3");
    }
    let authentication_type = r.string()?;
    let name_claim_type = r.with_default(DEFAULT_NAME_CLAIM_TYPE)?;
    let role_claim_type = r.with_default(DEFAULT_ROLE_CLAIM_TYPE)?;
    let n = r.count(5)?;
    let mut claims = Vec::with_capacity(n);
    for _ in 0..n {
        claims.push(r.claim_fields(&name_claim_type)?);
    }
    let bootstrap = if r.i32()? > 0 {
        Some(r.string()?)
    } else {
        None
    };
    let properties = r.properties()?;
    let identity = ClaimsIdentity {
        authentication_type: authentication_type.clone(),
        name_claim_type,
        role_claim_type,
        claims,
        bootstrap,
        actor: None,
    };
    Ok(AuthTicket {
        scheme: authentication_type,
        identities: vec![identity],
        properties,
    })
}
