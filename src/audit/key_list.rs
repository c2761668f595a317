//! Lists of publicly known `<machineKey>` pairs.

use std::collections::HashSet;
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::keys::fingerprint;

/// A known key pair, as hex text (upper-cased).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct KnownKey {
    /// The `validationKey`.
    pub validation_key: String,
    /// The `decryptionKey`.
    pub decryption_key: String,
}

impl KnownKey {
    /// Short fingerprints of both keys ([`fingerprint`]), to name them without showing them.
    #[must_use]
    pub fn fingerprints(&self) -> KeyFingerprints {
        KeyFingerprints {
            validation_key: fingerprint(&self.validation_key),
            decryption_key: fingerprint(&self.decryption_key),
        }
    }
}

/// The fingerprints of a key pair (first 8 hex digits of the SHA-256 of each key's text).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct KeyFingerprints {
    /// Of the `validationKey`.
    pub validation_key: String,
    /// Of the `decryptionKey`.
    pub decryption_key: String,
}

/// Where a key pair was first listed: the list's name (a file path, or `built-in`) and the
/// 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct KeyOrigin {
    /// The list: the path it was read from, or `built-in`.
    pub source: Arc<str>,
    /// The line, from 1.
    pub line: usize,
}

impl core::fmt::Display for KeyOrigin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}:{}", self.source, self.line)
    }
}

/// What reading one list added and what it skipped, so a file of the wrong shape is
/// noticed rather than silently read as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoadReport {
    /// New key pairs.
    pub pairs: usize,
    /// New SHA-256 hashes of key strings.
    pub hashes: usize,
    /// Pairs already in the list.
    pub duplicates: usize,
    /// Lines that are neither blank, a `#` comment, a key pair nor a hash.
    pub skipped: usize,
    /// The first such line (1-based).
    pub first_skipped_line: Option<usize>,
}

/// A deduplicated list of known key pairs, plus the SHA-256 hashes of key strings that
/// published lists carry (Microsoft's MSTIC list publishes hashes, not keys).
///
/// # Example
/// ```
/// use machinekey::audit::KeyList;
/// let list = KeyList::parse("# comment\nAABB,CCDD\n0102,0304\n0102,0304\nnot,hex!\n");
/// assert_eq!(list.len(), 2);
/// assert!(KeyList::builtin().len() > 3000);
/// ```
#[derive(Debug, Clone, Default)]
pub struct KeyList {
    pairs: Vec<KnownKey>,
    origins: Vec<KeyOrigin>,
    seen: HashSet<KnownKey>,
    hashes: HashSet<[u8; 32]>,
}

const BUILTIN: &str = include_str!("blacklist3r_machinekeys.txt");

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl KeyList {
    /// The list shipped in the crate: the 3,626 key pairs of Blacklist3r's
    /// `MachineKeys.txt` (MIT; see `src/audit/LICENSE-blacklist3r.txt`), named `built-in`.
    #[must_use]
    pub fn builtin() -> Self {
        let mut list = Self::default();
        list.load(BUILTIN, "built-in");
        list
    }

    /// Reads `validationKey,decryptionKey` lines. Blank lines and `#` comments are
    /// skipped; a line of 64 hex digits alone is a SHA-256 hash of a key string; a line
    /// with more than two fields gives each adjacent pair; duplicates are dropped. Use
    /// [`load`](Self::load) to learn what was skipped.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let mut list = Self::default();
        list.load(text, "text");
        list
    }

    /// Adds the lines of `text` (see [`parse`](Self::parse)).
    pub fn extend_from_text(&mut self, text: &str) {
        self.load(text, "text");
    }

    /// Adds the lines of `text`, remembering `source` and the line of each new pair (see
    /// [`origin`](Self::origin)), and reports what was added and skipped.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::KeyList;
    /// let mut list = KeyList::default();
    /// let report = list.load("AABB,CCDD\n<html>\n# note\nAABB,CCDD\n", "keys.txt");
    /// assert_eq!((report.pairs, report.duplicates, report.skipped), (1, 1, 1));
    /// assert_eq!(report.first_skipped_line, Some(2));
    /// assert_eq!(list.origin(0).map(|o| o.to_string()).as_deref(), Some("keys.txt:1"));
    /// ```
    pub fn load(&mut self, text: &str, source: &str) -> LoadReport {
        let source: Arc<str> = Arc::from(source);
        let mut report = LoadReport::default();
        for (n, line) in text.lines().enumerate() {
            let line_no = n + 1;
            let line = line.trim().trim_start_matches('\u{feff}').trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let mut used = false;
            if let [single] = fields.as_slice() {
                if single.len() == 64 && is_hex(single) {
                    if let Ok(bytes) = hex::decode(single) {
                        if let Ok(hash) = <[u8; 32]>::try_from(bytes) {
                            used = true;
                            if self.hashes.insert(hash) {
                                report.hashes += 1;
                            }
                        }
                    }
                }
            } else {
                for pair in fields.windows(2) {
                    if let [v, d] = pair {
                        if is_hex(v) && is_hex(d) && v.len() % 2 == 0 && d.len() % 2 == 0 {
                            used = true;
                            let key = KnownKey {
                                validation_key: v.to_ascii_uppercase(),
                                decryption_key: d.to_ascii_uppercase(),
                            };
                            let origin = KeyOrigin {
                                source: Arc::clone(&source),
                                line: line_no,
                            };
                            if self.push(key, origin) {
                                report.pairs += 1;
                            } else {
                                report.duplicates += 1;
                            }
                        }
                    }
                }
            }
            if !used {
                report.skipped += 1;
                report.first_skipped_line.get_or_insert(line_no);
            }
        }
        report
    }

    fn push(&mut self, key: KnownKey, origin: KeyOrigin) -> bool {
        if self.seen.insert(key.clone()) {
            self.pairs.push(key);
            self.origins.push(origin);
            true
        } else {
            false
        }
    }

    /// Where the pair at `index` (of [`pairs`](Self::pairs)) was first listed.
    #[must_use]
    pub fn origin(&self, index: usize) -> Option<&KeyOrigin> {
        self.origins.get(index)
    }

    /// The key pairs, in first-seen order.
    #[must_use]
    pub fn pairs(&self) -> &[KnownKey] {
        &self.pairs
    }

    /// How many key pairs.
    #[must_use]
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether the list has no key pairs.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Whether a key string (as written in a web.config) is publicly known: listed as
    /// either key of a pair (any case), or listed as the SHA-256 of the exact string.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::KeyList;
    /// let list = KeyList::builtin();
    /// assert!(list.is_known_key("f5144f1a581a57ba3b60311af7562a855998f7dd203cd8a71405599b980d8694b5c986c888be4fc0e6571c2ce600d58ce82b8fa13106b17d77ea4cecddbbec1b"));
    /// assert!(!list.is_known_key("00112233445566778899AABBCCDDEEFF00112233"));
    /// ```
    #[must_use]
    pub fn is_known_key(&self, key: &str) -> bool {
        let upper = key.trim().to_ascii_uppercase();
        let digest: [u8; 32] = Sha256::digest(key.trim().as_bytes()).into();
        self.hashes.contains(&digest)
            || self
                .pairs
                .iter()
                .any(|p| p.validation_key == upper || p.decryption_key == upper)
    }
}

impl crate::config::lint::KnownKeys for KeyList {
    fn is_known_key(&self, key_text: &str) -> bool {
        KeyList::is_known_key(self, key_text)
    }
}
