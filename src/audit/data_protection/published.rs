//! Lists of publicly known Data Protection master keys: the built-in one
//! (`src/audit/dataprotection_public_keys.json`), lists in the same format read from files,
//! and key rings given by the user, merged by key id.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zeroize::Zeroizing;

use crate::crypto::encoding::from_base64;
use crate::dataprotection::{Algorithm, KeyId, KeyRing};
pub use crate::error::DataProtectionListError;

/// The built-in list, as shipped (its format is the one [`DataProtectionKeyList::from_json`]
/// reads).
pub const BUILTIN_JSON: &str = include_str!("../dataprotection_public_keys.json");

/// The name [`PublishedKey::list`] gives the built-in list.
pub const BUILTIN_NAME: &str = "built-in";

/// The largest list file read (the built-in one is about 40 KiB).
pub const MAX_LIST_FILE: u64 = 64 << 20;
/// The most entries one list may hold.
pub const MAX_ENTRIES: usize = 1_000_000;
/// The most master-key variants one key id may carry.
pub const MAX_VARIANTS: usize = 16;

/// Where a key was published: a repository file (repository, path, commit), or a note when
/// the repository is not recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KeySource {
    /// `owner/name` on GitHub.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// The file in the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The commit the file was read at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// A URL, for a source outside a repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What is known when the above are not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl KeySource {
    /// A source named by a note only (a key ring the user gave, say).
    #[must_use]
    pub fn note(text: &str) -> Self {
        Self {
            note: Some(text.to_owned()),
            ..Self::default()
        }
    }
}

impl core::fmt::Display for KeySource {
    /// `owner/name: path @ commit`, the URL, or the note.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match (&self.repo, &self.url) {
            (Some(repo), _) => {
                f.write_str(repo)?;
                if let Some(path) = &self.path {
                    write!(f, ": {path}")?;
                }
                if let Some(commit) = &self.commit {
                    write!(f, " @ {}", commit.get(..12).unwrap_or(commit))?;
                }
                Ok(())
            }
            (None, Some(url)) => f.write_str(url),
            (None, None) => f.write_str(self.note.as_deref().unwrap_or("(not recorded)")),
        }
    }
}

/// One entry of a list file, as written.
#[derive(Debug, Deserialize)]
struct Entry {
    key_id: String,
    #[serde(default)]
    master_keys_base64: Vec<String>,
    #[serde(default)]
    master_key_bytes: Option<usize>,
    #[serde(default)]
    encryption: Option<String>,
    #[serde(default)]
    validation: Option<String>,
    #[serde(default)]
    written_by_data_protection: Option<String>,
    #[serde(default)]
    creation: Option<String>,
    #[serde(default)]
    activation: Option<String>,
    #[serde(default)]
    expiration: Option<String>,
    #[serde(default)]
    found_in: Option<String>,
    #[serde(default)]
    sources: Vec<KeySource>,
    #[serde(default)]
    application_names: Vec<String>,
    #[serde(default)]
    content_root_hint: Option<String>,
}

/// A list file: `{"keys": [...]}` (the built-in list's shape) or a bare array of entries.
#[derive(Deserialize)]
#[serde(untagged)]
enum ListFile {
    Object {
        keys: Vec<serde_json::Value>,
        #[serde(default)]
        count: Option<usize>,
    },
    Array(Vec<serde_json::Value>),
}

/// A Data Protection master key that has been published: its id, its key material (one or
/// more variants, when the files it was found in disagree), its algorithm, dates, and where
/// it was published.
///
/// The master keys are never serialized, printed or compared in variable time; reach them
/// with [`expose_master_keys`](Self::expose_master_keys).
#[derive(Clone)]
#[non_exhaustive]
pub struct PublishedKey {
    /// The key id (`CfDJ8` values carry it in their header).
    pub key_id: KeyId,
    /// The algorithm the key's descriptor names.
    pub algorithm: Algorithm,
    /// `creationDate`, when recorded.
    pub creation: Option<OffsetDateTime>,
    /// `activationDate`.
    pub activation: Option<OffsetDateTime>,
    /// `expirationDate`.
    pub expiration: Option<OffsetDateTime>,
    /// The Data Protection version that wrote the key file, as recorded.
    pub written_by: Option<String>,
    /// What kind of file it was found in (a key file, a SQL dump, an EF Core seed, ...).
    pub found_in: Option<String>,
    /// Where it was published.
    pub sources: Vec<KeySource>,
    /// Application names (`SetApplicationName`) the same repository sets: discriminators
    /// an audit tries.
    pub application_names: Vec<String>,
    /// The content root the repository's deployment runs in, when recorded (`/app/` for
    /// Microsoft's container images).
    pub content_root: Option<String>,
    /// Which list it came from: [`BUILTIN_NAME`], a file path, or a key ring.
    pub list: Arc<str>,
    master_keys: Vec<Zeroizing<Vec<u8>>>,
}

impl core::fmt::Debug for PublishedKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PublishedKey")
            .field("key_id", &self.key_id)
            .field("algorithm", &self.algorithm)
            .field("found_in", &self.found_in)
            .field("sources", &self.sources)
            .field("list", &self.list)
            .field("master_keys", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl PartialEq for PublishedKey {
    /// The same key id from the same list.
    fn eq(&self, other: &Self) -> bool {
        self.key_id == other.key_id && self.list == other.list
    }
}

impl Serialize for PublishedKey {
    /// Everything but the master keys.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let date = |t: &Option<OffsetDateTime>| t.and_then(|t| t.format(&Rfc3339).ok());
        let mut st = s.serialize_struct("PublishedKey", 11)?;
        st.serialize_field("key_id", &self.key_id)?;
        st.serialize_field("algorithm", &self.algorithm.to_string())?;
        st.serialize_field("master_key_variants", &self.master_keys.len())?;
        st.serialize_field("creation", &date(&self.creation))?;
        st.serialize_field("activation", &date(&self.activation))?;
        st.serialize_field("expiration", &date(&self.expiration))?;
        st.serialize_field("written_by", &self.written_by)?;
        st.serialize_field("found_in", &self.found_in)?;
        st.serialize_field("sources", &self.sources)?;
        st.serialize_field("application_names", &self.application_names)?;
        st.serialize_field("list", &*self.list)?;
        st.end()
    }
}

impl PublishedKey {
    /// A key from its parts, named as coming from `list` and published at `source`.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::data_protection::{KeySource, PublishedKey};
    /// use machinekey::dataprotection::Algorithm;
    /// let key = PublishedKey::new(
    ///     "657cf77b-e662-48e4-912a-c80edc60e56b".parse()?,
    ///     Algorithm::default(),
    ///     &[7; 64],
    ///     "my-list.json",
    ///     KeySource::note("found in a pastebin"),
    /// );
    /// assert_eq!(key.expose_master_keys().count(), 1);
    /// assert!(!format!("{key:?}").contains("7, 7"));
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn new(
        key_id: KeyId,
        algorithm: Algorithm,
        master_key: &[u8],
        list: &str,
        source: KeySource,
    ) -> Self {
        Self {
            key_id,
            algorithm,
            creation: None,
            activation: None,
            expiration: None,
            written_by: None,
            found_in: None,
            sources: vec![source],
            application_names: Vec::new(),
            content_root: None,
            list: Arc::from(list),
            master_keys: vec![Zeroizing::new(master_key.to_vec())],
        }
    }

    /// The master key variants (`K_M`), in list order. Handle with care.
    pub fn expose_master_keys(&self) -> impl Iterator<Item = &[u8]> {
        self.master_keys.iter().map(|k| k.as_slice())
    }

    /// Where it was published, in one line: the first source, and how many more.
    #[must_use]
    pub fn published_at(&self) -> String {
        let first = self
            .sources
            .first()
            .map_or_else(|| "(not recorded)".to_owned(), ToString::to_string);
        match self.sources.len() {
            0 | 1 => first,
            n => format!("{first} (and {} more)", n - 1),
        }
    }

    /// Adds what `other` (the same key id) knows that this key does not: master-key
    /// variants, sources, application names.
    fn merge(&mut self, other: &PublishedKey) {
        for m in &other.master_keys {
            let known = self
                .master_keys
                .iter()
                .any(|k| bool::from(k.as_slice().ct_eq(m.as_slice())));
            if !known && self.master_keys.len() < MAX_VARIANTS {
                self.master_keys.push(m.clone());
            }
        }
        for s in &other.sources {
            if !self.sources.contains(s) {
                self.sources.push(s.clone());
            }
        }
        for n in &other.application_names {
            if !self.application_names.contains(n) {
                self.application_names.push(n.clone());
            }
        }
        if self.content_root.is_none() {
            self.content_root.clone_from(&other.content_root);
        }
    }
}

/// What reading one list added, merged and skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DataProtectionLoadReport {
    /// Keys new to the list.
    pub added: usize,
    /// Entries whose key id was already listed: merged into it (sources, names and any new
    /// master-key variant added).
    pub merged: usize,
    /// Entries not read, each with its position (from 0) and why.
    pub skipped: Vec<(usize, String)>,
    /// The list's `count`, when it has one and it disagrees with its entries.
    pub count_mismatch: Option<usize>,
}

/// A hasher for key ids: their bytes are random already.
#[derive(Default)]
pub(super) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    #[allow(clippy::cast_possible_truncation)] // the two halves, on purpose
    fn write_u128(&mut self, n: u128) {
        // A v4 GUID's bytes are random but for six bits.
        self.0 = (n as u64) ^ ((n >> 64) as u64).rotate_left(29);
    }
}

/// Key ids (as the 16 payload bytes, one `u128`) to their position in a list.
pub(super) type IdIndex = HashMap<u128, u32, BuildHasherDefault<IdHasher>>;

/// The index key of a key id: its 16 payload bytes as one number.
pub(super) fn id_key(bytes: [u8; 16]) -> u128 {
    u128::from_le_bytes(bytes)
}

/// Publicly known Data Protection master keys, one per key id (duplicates merged), looked
/// up by the key id a payload carries.
///
/// # Example
/// ```
/// use machinekey::audit::data_protection::DataProtectionKeyList;
/// let list = DataProtectionKeyList::builtin();
/// assert!(list.len() >= 72);
/// let key = list.get("0701599c-b6cc-4704-8d26-0bb32586345b".parse()?).expect("listed");
/// assert_eq!(key.sources[0].repo.as_deref(), Some("alanw707/AI.ProfilePhotoMaker"));
/// # Ok::<(), machinekey::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct DataProtectionKeyList {
    keys: Vec<Arc<PublishedKey>>,
    index: IdIndex,
}

impl DataProtectionKeyList {
    /// The list shipped in the crate: master keys published in public repositories (key
    /// files, SQL dumps, EF Core seeds, hard-coded `IXmlRepository` snippets, test fixtures),
    /// each with where it was published. Read once per process.
    ///
    /// # Example
    /// See [`DataProtectionKeyList`].
    #[must_use]
    pub fn builtin() -> Self {
        static BUILT_IN: OnceLock<DataProtectionKeyList> = OnceLock::new();
        BUILT_IN
            .get_or_init(|| {
                let mut list = Self::default();
                // The shipped list is checked by the crate's tests: every entry reads.
                let _ = list.load_json(BUILTIN_JSON, BUILTIN_NAME);
                list
            })
            .clone()
    }

    /// Reads a list in the built-in list's format (see the
    /// [module documentation](super) for the fields).
    ///
    /// # Errors
    /// [`DataProtectionListError::Json`] if the text is not such a list. Entries that do not
    /// read (a bad key id, master key or algorithm name) are skipped and reported.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::data_protection::DataProtectionKeyList;
    /// let (list, report) = DataProtectionKeyList::from_json(r#"[
    ///   {"key_id": "657cf77b-e662-48e4-912a-c80edc60e56b",
    ///    "master_keys_base64": ["AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="],
    ///    "encryption": "AES_256_CBC", "validation": "HMACSHA256",
    ///    "sources": [{"url": "https://example.com/leak"}]},
    ///   {"key_id": "not a guid", "master_keys_base64": ["AA=="]}
    /// ]"#, "mine.json")?;
    /// assert_eq!((list.len(), report.added, report.skipped.len()), (1, 1, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_json(
        text: &str,
        name: &str,
    ) -> Result<(Self, DataProtectionLoadReport), DataProtectionListError> {
        let mut list = Self::default();
        let report = list.load_json(text, name)?;
        Ok((list, report))
    }

    /// Adds the entries of a list in the built-in list's format, named `name`.
    ///
    /// # Errors
    /// As [`from_json`](Self::from_json).
    pub fn load_json(
        &mut self,
        text: &str,
        name: &str,
    ) -> Result<DataProtectionLoadReport, DataProtectionListError> {
        let text = text.trim_start_matches('\u{feff}');
        let file: ListFile =
            serde_json::from_str(text).map_err(|e| DataProtectionListError::Json {
                name: name.to_owned(),
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })?;
        let (entries, count) = match file {
            ListFile::Object { keys, count } => (keys, count),
            ListFile::Array(keys) => (keys, None),
        };
        if entries.len() > MAX_ENTRIES {
            return Err(DataProtectionListError::TooManyEntries {
                name: name.to_owned(),
                limit: MAX_ENTRIES,
            });
        }
        let mut report = DataProtectionLoadReport {
            count_mismatch: count.filter(|c| *c != entries.len()),
            ..DataProtectionLoadReport::default()
        };
        let list: Arc<str> = Arc::from(name);
        for (i, value) in entries.into_iter().enumerate() {
            let key = serde_json::from_value::<Entry>(value)
                .map_err(|e| e.to_string())
                .and_then(|entry| entry_key(entry, &list));
            match key {
                Ok(key) => {
                    if self.insert(key) {
                        report.added += 1;
                    } else {
                        report.merged += 1;
                    }
                }
                Err(why) => report.skipped.push((i, why)),
            }
        }
        Ok(report)
    }

    /// Adds the list in the file at `path` (named by its path).
    ///
    /// # Errors
    /// [`DataProtectionListError::File`] if it cannot be read or is larger than
    /// [`MAX_LIST_FILE`], else as [`from_json`](Self::from_json).
    pub fn load_file(
        &mut self,
        path: impl AsRef<Path>,
    ) -> Result<DataProtectionLoadReport, DataProtectionListError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let bytes = crate::bounded::read_file(path, &name, MAX_LIST_FILE)?;
        self.load_json(&String::from_utf8_lossy(&bytes), &path.to_string_lossy())
    }

    /// Adds every key of `ring` whose master key is readable (keys encrypted at rest are
    /// left out), named as coming from `name` (the ring's path): the user's own key ring is
    /// audited like a published one.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::data_protection::DataProtectionKeyList;
    /// use machinekey::dataprotection::KeyRing;
    /// let mut ring = KeyRing::new();
    /// ring.generate_key(time::OffsetDateTime::now_utc(), &machinekey::random::OsRandom)?;
    /// let mut list = DataProtectionKeyList::default();
    /// assert_eq!(list.add_key_ring(&ring, "keys/"), 1);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn add_key_ring(&mut self, ring: &KeyRing, name: &str) -> usize {
        let mut added = 0;
        for key in ring.keys() {
            let Ok(encryptor) = key.encryptor() else {
                continue;
            };
            let mut published = PublishedKey::new(
                key.id(),
                encryptor.algorithm(),
                encryptor.expose_master_key(),
                name,
                KeySource::note(&format!("key ring {name}")),
            );
            published.creation = Some(key.creation());
            published.activation = Some(key.activation());
            published.expiration = Some(key.expiration());
            published.found_in = Some("key ring given".to_owned());
            self.insert(published);
            added += 1;
        }
        added
    }

    /// Adds `key`, or merges it into the listed key of the same id; `true` if it was new.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::data_protection::{DataProtectionKeyList, KeySource, PublishedKey};
    /// use machinekey::dataprotection::Algorithm;
    /// let id = "657cf77b-e662-48e4-912a-c80edc60e56b".parse()?;
    /// let mut list = DataProtectionKeyList::default();
    /// assert!(list.insert(PublishedKey::new(id, Algorithm::default(), &[1; 64], "a", KeySource::note("one"))));
    /// assert!(!list.insert(PublishedKey::new(id, Algorithm::default(), &[2; 64], "b", KeySource::note("two"))));
    /// let key = list.get(id).expect("listed");
    /// assert_eq!((key.expose_master_keys().count(), key.sources.len()), (2, 2));
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn insert(&mut self, key: PublishedKey) -> bool {
        let slot = id_key(key.key_id.to_bytes_le());
        if let Some(i) = self.index.get(&slot) {
            if let Some(existing) = self.keys.get_mut(*i as usize) {
                Arc::make_mut(existing).merge(&key);
            }
            return false;
        }
        let Ok(position) = u32::try_from(self.keys.len()) else {
            return false;
        };
        self.index.insert(slot, position);
        self.keys.push(Arc::new(key));
        true
    }

    /// Adds every key of `other` (merging duplicates).
    pub fn extend(&mut self, other: &DataProtectionKeyList) {
        for key in &other.keys {
            self.insert(PublishedKey::clone(key));
        }
    }

    /// The key with this id.
    #[must_use]
    pub fn get(&self, id: KeyId) -> Option<&Arc<PublishedKey>> {
        self.position(id.to_bytes_le())
            .and_then(|i| self.keys.get(i))
    }

    /// The position of the key whose id has these payload bytes: one hash look-up.
    pub(super) fn position(&self, id_bytes: [u8; 16]) -> Option<usize> {
        self.index.get(&id_key(id_bytes)).map(|i| *i as usize)
    }

    /// Every key, in list order.
    #[must_use]
    pub fn keys(&self) -> &[Arc<PublishedKey>] {
        &self.keys
    }

    /// How many keys (key ids).
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the list is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

fn date(text: Option<&str>, what: &str) -> Result<Option<OffsetDateTime>, String> {
    text.map(|t| {
        OffsetDateTime::parse(t.trim(), &Rfc3339)
            .map_err(|_| format!("{what} {t:?} is not RFC 3339"))
    })
    .transpose()
}

/// One entry as a key, or why it is not one.
fn entry_key(entry: Entry, list: &Arc<str>) -> Result<PublishedKey, String> {
    let key_id: KeyId = entry
        .key_id
        .parse()
        .map_err(|_| format!("key_id {:?} is not a GUID", entry.key_id))?;
    let algorithm = Algorithm::from_names(
        entry.encryption.as_deref().unwrap_or("AES_256_CBC"),
        Some(entry.validation.as_deref().unwrap_or("HMACSHA256")),
    )
    .map_err(|e| format!("{key_id}: {e}"))?;
    if entry.master_keys_base64.is_empty() {
        return Err(format!("{key_id}: no master_keys_base64"));
    }
    let mut master_keys = Vec::new();
    for text in entry.master_keys_base64.iter().take(MAX_VARIANTS) {
        let bytes = Zeroizing::new(
            from_base64(text.trim())
                .map_err(|_| format!("{key_id}: a master key that is not Base64"))?,
        );
        if bytes.is_empty() {
            return Err(format!("{key_id}: an empty master key"));
        }
        if let Some(n) = entry.master_key_bytes {
            if bytes.len() != n {
                return Err(format!(
                    "{key_id}: a master key of {} bytes where master_key_bytes says {n}",
                    bytes.len()
                ));
            }
        }
        master_keys.push(bytes);
    }
    let trimmed = |names: Vec<String>| {
        let mut out: Vec<String> = Vec::new();
        for n in names {
            let n = n.trim().to_owned();
            if !n.is_empty() && !out.contains(&n) {
                out.push(n);
            }
        }
        out
    };
    Ok(PublishedKey {
        key_id,
        algorithm,
        creation: date(entry.creation.as_deref(), "creation")?,
        activation: date(entry.activation.as_deref(), "activation")?,
        expiration: date(entry.expiration.as_deref(), "expiration")?,
        written_by: entry.written_by_data_protection,
        found_in: entry.found_in,
        sources: entry.sources,
        application_names: trimmed(entry.application_names),
        content_root: entry.content_root_hint.filter(|c| !c.trim().is_empty()),
        list: Arc::clone(list),
        master_keys,
    })
}
