//! Lists of publicly known `<machineKey>` pairs.

use std::collections::HashSet;

use sha2::{Digest, Sha256};

/// A known key pair, as hex text (upper-cased).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct KnownKey {
    /// The `validationKey`.
    pub validation_key: String,
    /// The `decryptionKey`.
    pub decryption_key: String,
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
    seen: HashSet<KnownKey>,
    hashes: HashSet<[u8; 32]>,
}

const BUILTIN: &str = include_str!("blacklist3r_machinekeys.txt");

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl KeyList {
    /// The list shipped in the crate: the 3,626 key pairs of Blacklist3r's
    /// `MachineKeys.txt` (MIT; see `src/audit/LICENSE-blacklist3r.txt`).
    #[must_use]
    pub fn builtin() -> Self {
        Self::parse(BUILTIN)
    }

    /// Reads `validationKey,decryptionKey` lines. Blank lines and `#` comments are
    /// skipped; a line of 64 hex digits alone is a SHA-256 hash of a key string; a line
    /// with more than two fields gives each adjacent pair; duplicates are dropped.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let mut list = Self::default();
        list.extend_from_text(text);
        list
    }

    /// Adds the lines of `text` (see [`parse`](Self::parse)).
    pub fn extend_from_text(&mut self, text: &str) {
        for line in text.lines() {
            let line = line.trim().trim_start_matches('\u{feff}');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if let [single] = fields.as_slice() {
                if single.len() == 64 && is_hex(single) {
                    if let Ok(bytes) = hex::decode(single) {
                        if let Ok(hash) = <[u8; 32]>::try_from(bytes) {
                            self.hashes.insert(hash);
                        }
                    }
                }
                continue;
            }
            for pair in fields.windows(2) {
                if let [v, d] = pair {
                    if is_hex(v) && is_hex(d) && v.len() % 2 == 0 && d.len() % 2 == 0 {
                        self.push(KnownKey {
                            validation_key: v.to_ascii_uppercase(),
                            decryption_key: d.to_ascii_uppercase(),
                        });
                    }
                }
            }
        }
    }

    fn push(&mut self, key: KnownKey) {
        if self.seen.insert(key.clone()) {
            self.pairs.push(key);
        }
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
