//! Data Protection values (`CfDJ8…`, or a SystemWeb forms ticket in hex) against given key
//! rings: which key the value names, whether a ring holds it, and which consumer's purpose
//! chain (with which application discriminator) opens it.

use serde::Serialize;

use crate::crypto::encoding::decode_value;
use crate::dataprotection::consumers::{self, Consumer};
use crate::dataprotection::{HEADER_LEN, KeyId, KeyRing, PayloadHeader, aad};
use crate::error::Error;

/// What a Data Protection audit found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DataProtectionFinding {
    /// A ring holds the key and a purpose chain opens the value.
    Opened {
        /// The key.
        key_id: KeyId,
        /// Which ring (index into the rings given).
        ring: usize,
        /// The consumer whose chain opened it.
        consumer: String,
        /// The whole chain, discriminator first.
        purposes: Vec<String>,
        /// The plaintext.
        #[serde(serialize_with = "hex_upper")]
        plaintext: Vec<u8>,
    },
    /// A ring holds the key but no chain tried opens it: the discriminator or the consumer
    /// is not among those tried (or the value was tampered with).
    KeyFoundNoChain {
        /// The key.
        key_id: KeyId,
        /// Which ring.
        ring: usize,
        /// How many chains were tried.
        chains_tried: usize,
    },
    /// No ring holds the key the value names ("The key {…} was not found in the key ring.").
    KeyNotFound {
        /// The key.
        key_id: KeyId,
    },
}

fn hex_upper<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode_upper(bytes))
}

/// Audits a Data Protection value in any text form (an OpenID Connect nonce cookie too,
/// whose protected value is the tail of its *name*): reads its key id, finds the key in
/// `rings`, and tries every known consumer's chain ([`consumers::known`]) after each of
/// `discriminators` (and with no discriminator), plus the `extra` chains as given (whole
/// chains, discriminator included, each with a name for the report).
///
/// # Errors
/// [`Error::Malformed`] if no reading of the text is a Data Protection payload;
/// [`Error::KeyUnavailable`] if the key is encrypted at rest.
///
/// # Example
/// ```
/// use machinekey::audit::data_protection::{DataProtectionFinding, audit_data_protection};
/// use machinekey::dataprotection::{KeyRing, consumers};
/// let mut ring = KeyRing::new();
/// ring.generate_key(time::OffsetDateTime::now_utc(), &machinekey::random::OsRandom)?;
/// let mut chain = vec!["/app/".to_owned()];
/// chain.extend(consumers::cookie_authentication("Identity.Application"));
/// let cookie = ring.protector(&chain)?.protect_text("ticket")?;
/// let found = audit_data_protection(&cookie, &[ring], &["/app/".to_owned()], &[])?;
/// assert!(matches!(found, DataProtectionFinding::Opened { ref consumer, .. } if consumer.contains("Identity.Application")));
/// # Ok::<(), machinekey::Error>(())
/// ```
pub fn audit_data_protection(
    text: &str,
    rings: &[KeyRing],
    discriminators: &[String],
    extra: &[Consumer],
) -> Result<DataProtectionFinding, Error> {
    let text = consumers::nonce_in_cookie(text).unwrap_or(text);
    let (payload, header) = decode_value(text)?
        .into_iter()
        .find_map(|r| PayloadHeader::parse(&r.bytes).ok().map(|h| (r.bytes, h)))
        .ok_or(Error::Malformed(crate::error::Encoding::Any))?;
    let key_id = header.key_id;
    let Some((ring_index, key)) = rings
        .iter()
        .enumerate()
        .find_map(|(i, r)| r.key(key_id).map(|k| (i, k)))
    else {
        return Ok(DataProtectionFinding::KeyNotFound { key_id });
    };
    // One encryptor for every chain tried (a revoked key is tried too: the audit asks which
    // key and chain, not whether ASP.NET would still accept it).
    let encryptor = key.encryptor()?;
    let body = payload.get(HEADER_LEN..).unwrap_or_default();
    let mut chains: Vec<(String, Vec<String>)> = Vec::new();
    let known = consumers::known();
    let prefixes: Vec<Option<&String>> = discriminators.iter().map(Some).chain([None]).collect();
    for d in &prefixes {
        for Consumer { name, purposes } in &known {
            chains.push((
                name.clone(),
                d.iter()
                    .map(|s| (*s).clone())
                    .chain(purposes.iter().cloned())
                    .collect(),
            ));
        }
    }
    for e in extra {
        chains.push((e.name.clone(), e.purposes.clone()));
    }
    for (consumer, purposes) in &chains {
        if let Ok(plaintext) = encryptor.decrypt(body, &aad(key_id, purposes)) {
            return Ok(DataProtectionFinding::Opened {
                key_id,
                ring: ring_index,
                consumer: consumer.clone(),
                purposes: purposes.clone(),
                plaintext,
            });
        }
    }
    Ok(DataProtectionFinding::KeyFoundNoChain {
        key_id,
        ring: ring_index,
        chains_tried: chains.len(),
    })
}
