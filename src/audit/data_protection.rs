//! ASP.NET Core Data Protection in the audit: which publicly known master key protects a
//! `CfDJ8…` value (or a SystemWeb `09F0C9F0…` ticket), under which application
//! discriminator and for which consumer, and what holding that key lets an attacker do.
//!
//! **Start here:** [`DataProtectionAuditor::builtin`], then
//! [`audit`](DataProtectionAuditor::audit) on any value as a page, a cookie or a URL carries
//! it. Batches ([`Auditor::audit_lines`](super::Auditor::audit_lines)) and
//! [`carve`](super::carve) route Data Protection values here.
//!
//! Master keys leak as `<machineKey>` keys did: key files committed next to the code, SQL
//! dumps and EF Core migrations that seed the `DataProtectionKeys` table, "share cookies
//! between apps" snippets that hard-code a key in an `IXmlRepository`, test fixtures. An
//! application running with such a key lets anyone forge its login cookies as any user, its
//! antiforgery tokens, its OpenID Connect state and its Blazor component state.
//!
//! # How a value is audited
//!
//! Every payload names its key in its header (the 16 bytes after `09 F0 C9 F0`), so the key
//! id is read from the first 27 characters of the text and looked up: a value under an
//! unknown key costs that one look-up ([`DataProtectionVerdict::UnknownKey`]). For a
//! published key, the MAC is tried under every known consumer's purposes after each
//! discriminator candidate (see [`DataProtectionAuditor`] for the order): the application
//! names given, those the key's repository sets, `/app/` (the content root of Microsoft's
//! container images), and none. A verified MAC is a certain finding
//! ([`DataProtectionVerdict::Opened`]); the plaintext is then read as its consumer writes it
//! (a login ticket's claims, OpenID Connect state, a Blazor component descriptor or
//! persisted state, text).
//!
//! # The built-in list
//!
//! `src/audit/dataprotection_public_keys.json` holds master keys published in public
//! repositories, collected in December 2026: for each, the key id, the master key (one or
//! more variants when files disagree), algorithms, dates, the Data Protection version that
//! wrote it, the kind of file, where it was published (repository, path, commit, or a note
//! when the repository is not recorded) and the application names the same repository
//! sets. Only key material and these facts were taken from those files: no code or other
//! content. Entries with the same key id are merged (variants, sources and names united).
//!
//! **Adding keys.** Append an object to the `keys` array of that file (or of a list of your
//! own, given with `machinekey audit --keys FILE`):
//!
//! ```json
//! {"key_id": "…", "master_keys_base64": ["…"], "master_key_bytes": 64,
//!  "encryption": "AES_256_CBC", "validation": "HMACSHA256",
//!  "creation": "…", "activation": "…", "expiration": "…",
//!  "written_by_data_protection": "9.0.0.0", "found_in": "key file",
//!  "sources": [{"repo": "owner/name", "path": "keys/key-….xml", "commit": "…"}],
//!  "application_names": ["…"], "content_root_hint": null}
//! ```
//!
//! `key_id` and `master_keys_base64` are required; `encryption` and `validation` default to
//! ASP.NET Core's defaults; dates are RFC 3339. A source without a repository takes a
//! `url` or a `note`. Update `count`, then run `cargo test --features audit --lib
//! published_list` (every entry must read, with no key id listed twice unmerged). A key
//! ring directory, a key file or a `.reg` export can be given to `--keys` (or `--key-ring`)
//! as well, and is audited as a published list.

mod auditor;
mod opened;
mod published;
mod text;

use serde::Serialize;

pub use auditor::{
    CONTAINER_CONTENT_ROOT, CONTAINER_CONTENT_ROOT_LEGACY, DEFAULT_SITE_ROOT_APP_ID,
    DataProtectionAuditor, DataProtectionMatch, DataProtectionVerdict, Hint,
};
pub use opened::OpenedValue;
pub use published::{
    BUILTIN_JSON, BUILTIN_NAME, DataProtectionKeyList, DataProtectionListError,
    DataProtectionLoadReport, KeySource, MAX_ENTRIES, MAX_LIST_FILE, MAX_VARIANTS, PublishedKey,
};
pub(crate) use text::{embedded_value, looks_like_value};

use crate::dataprotection::consumers::Consumer;
use crate::dataprotection::{KeyId, KeyRing};
use crate::error::Error;

/// What a Data Protection audit against given key rings found.
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
/// whose protected value is the tail of its *name*) against the given key rings: reads its
/// key id, finds the key in `rings`, and tries every known consumer's chain
/// ([`consumers::known`](crate::dataprotection::consumers::known)) after each of `discriminators` (and the candidates
/// [`DataProtectionAuditor`] always tries), plus the `extra` chains as given (whole chains,
/// discriminator included, each with a name for the report). [`DataProtectionAuditor`] does
/// the same against published keys, and names the discriminator.
///
/// # Errors
/// [`Error::Malformed`] if the text is not a Data Protection value;
/// [`Error::KeyUnavailable`] if the ring holds the key encrypted at rest.
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
    let key_id = DataProtectionAuditor::key_id_of(text)
        .ok_or(Error::Malformed(crate::error::Encoding::Any))?;
    let Some((ring_index, key)) = rings
        .iter()
        .enumerate()
        .find_map(|(i, r)| r.key(key_id).map(|k| (i, k)))
    else {
        return Ok(DataProtectionFinding::KeyNotFound { key_id });
    };
    // A key encrypted at rest cannot be tried: say so.
    key.encryptor()?;
    let mut single = KeyRing::new();
    single.add(key.clone())?;
    let mut list = DataProtectionKeyList::default();
    list.add_key_ring(&single, "given key ring");
    let mut auditor = DataProtectionAuditor::new(list).with_app_names(discriminators);
    for e in extra {
        auditor = auditor.with_chain(e.purposes.first().map(String::as_str), e.clone());
    }
    Ok(match auditor.audit(text) {
        DataProtectionVerdict::Opened(m) => DataProtectionFinding::Opened {
            key_id,
            ring: ring_index,
            consumer: m.consumer,
            purposes: m.purposes,
            plaintext: m.plaintext,
        },
        DataProtectionVerdict::PublishedKeyUnverified { chains_tried, .. } => {
            DataProtectionFinding::KeyFoundNoChain {
                key_id,
                ring: ring_index,
                chains_tried,
            }
        }
        _ => DataProtectionFinding::KeyNotFound { key_id },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// The shipped list: every entry reads (key id, master keys, algorithm, dates), `count`
    /// agrees, no key id is listed twice, every key has a source, and the master keys are
    /// the lengths recorded.
    #[test]
    fn published_list_reads_whole() {
        let (list, report) = DataProtectionKeyList::from_json(BUILTIN_JSON, BUILTIN_NAME).unwrap();
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        assert_eq!(report.count_mismatch, None);
        assert_eq!(report.merged, 0, "a key id listed twice: merge the entries");
        assert_eq!(list.len(), report.added);
        assert!(list.len() >= 72);
        let raw: serde_json::Value = serde_json::from_str(BUILTIN_JSON).unwrap();
        for (entry, key) in raw["keys"].as_array().unwrap().iter().zip(list.keys()) {
            assert_eq!(entry["key_id"].as_str().unwrap(), key.key_id.to_string());
            assert!(!key.sources.is_empty(), "{}: no source", key.key_id);
            assert!(key.activation.is_some() && key.expiration.is_some());
            let n = usize::try_from(entry["master_key_bytes"].as_u64().unwrap()).unwrap();
            assert!(key.expose_master_keys().all(|m| m.len() == n));
            assert_eq!(
                key.expose_master_keys().count(),
                entry["master_keys_base64"].as_array().unwrap().len()
            );
            // Every key makes an encryptor.
            for m in key.expose_master_keys() {
                crate::dataprotection::AuthenticatedEncryptor::new(m, key.algorithm).unwrap();
            }
        }
        assert_eq!(DataProtectionKeyList::builtin().len(), list.len());
    }

    #[test]
    fn lists_merge_by_key_id() {
        let one = r#"{"keys": [{"key_id": "657cf77b-e662-48e4-912a-c80edc60e56b", "master_keys_base64": ["AQID"], "sources": [{"note": "a"}], "application_names": ["A"]}], "count": 2}"#;
        let two = r#"[{"key_id": "{657CF77B-E662-48E4-912A-C80EDC60E56B}", "master_keys_base64": ["AQID", "BAUG"], "sources": [{"note": "b"}], "application_names": ["A", " B "]},
                      {"key_id": "657cf77b-e662-48e4-912a-c80edc60e56c", "master_keys_base64": ["AQID"], "encryption": "DES"},
                      {"key_id": "657cf77b-e662-48e4-912a-c80edc60e56d", "master_keys_base64": ["AQID"], "master_key_bytes": 64},
                      {"key_id": "657cf77b-e662-48e4-912a-c80edc60e56e", "master_keys_base64": ["AQID"], "creation": "yesterday"},
                      {"key_id": "657cf77b-e662-48e4-912a-c80edc60e56f", "master_keys_base64": []},
                      "not an object"]"#;
        let (mut list, r1) = DataProtectionKeyList::from_json(one, "one").unwrap();
        assert_eq!(r1.count_mismatch, Some(2));
        let r2 = list.load_json(two, "two").unwrap();
        assert_eq!((r2.added, r2.merged), (0, 1));
        assert_eq!(
            r2.skipped.iter().map(|s| s.0).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
        let key = &list.keys()[0];
        assert_eq!(key.expose_master_keys().count(), 2);
        assert_eq!(key.application_names, ["A", "B"]);
        assert_eq!(key.sources.len(), 2);
        assert_eq!(&*key.list, "one");
        assert!(DataProtectionKeyList::from_json("{", "bad").is_err());
        let json = serde_json::to_string(&**key).unwrap();
        assert!(!json.contains("AQID") && json.contains("\"master_key_variants\":2"));
    }
}
