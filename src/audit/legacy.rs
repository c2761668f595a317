//! The legacy readings of a blob under one key variant: `data ‖ MAC(data ‖ modifier)`,
//! `C ‖ MAC(C)` with each cipher, and the AES/3DES validation wrap.
//!
//! The outer MAC is checked on messages laid out once per blob ([`PreparedLegacy`]) against
//! pad states keyed once per key ([`LegacyStates`]); everything after a verified MAC (the
//! decryption, inner MACs, ticket parsing) is rare and uses the ordinary protector code.

use std::cell::OnceCell;
use std::sync::OnceLock;

use md5::{Digest, Md5};
use sha2::{Sha384, Sha512};
use subtle::ConstantTimeEq;

use super::{BlobKind, Hit, Mode, ciphers};
use crate::config::key_rules::check_legacy_validation_key;
use crate::config::{FrameworkVersion, SymmetricAlgorithm, ValidationAlgorithm};
use crate::crypto::legacy::mac::{LegacyMac, md5_v4_finish};
use crate::crypto::legacy::{open_cbc0, strip_modifier};
use crate::crypto::mac::{
    HmacHash, HmacState, Md32, PadStates, PaddedMessage, PreparedMessage, SHA1, SHA256, hmac_state,
};
use crate::crypto::work::{Work, add, final_blocks};
use crate::formats::forms_ticket::FormsAuthenticationTicket;
use crate::formats::osf::graph_len;

/// The legacy MAC algorithms by ascending tag length (MD5 on 4.x is 16 bytes).
pub(super) const LEGACY_MACS: [ValidationAlgorithm; 5] = [
    ValidationAlgorithm::Md5,
    ValidationAlgorithm::Sha1,
    ValidationAlgorithm::HmacSha256,
    ValidationAlgorithm::HmacSha384,
    ValidationAlgorithm::HmacSha512,
];

/// Where a key's lazily keyed states are kept: [`Local`] cells for the states of one block
/// of keys, which one thread owns for one group of blobs (no atomics on first use), or
/// [`Shared`] ones for the states the auditor keeps across groups and threads.
pub(super) trait Cells {
    /// The cell holding one state.
    type Cell<T>: Default;
    /// The state in `cell`, made by `make` on first use.
    fn get_or_init<T>(cell: &Self::Cell<T>, make: impl FnOnce() -> T) -> &T;
}

/// Cells of one thread ([`OnceCell`]).
pub(super) struct Local;

/// Cells shared between threads ([`OnceLock`]).
pub(super) struct Shared;

impl Cells for Local {
    type Cell<T> = OnceCell<T>;
    fn get_or_init<T>(cell: &OnceCell<T>, make: impl FnOnce() -> T) -> &T {
        cell.get_or_init(make)
    }
}

impl Cells for Shared {
    type Cell<T> = OnceLock<T>;
    fn get_or_init<T>(cell: &OnceLock<T>, make: impl FnOnce() -> T) -> &T {
        cell.get_or_init(make)
    }
}

/// The legacy MAC states of one key variant, each keyed on first use (so a blob that can
/// only carry a 20-byte tag never pays for the SHA-512 pads), for the algorithms that accept
/// the key (legacy refuses validation keys longer than the hash block).
pub(super) struct LegacyStates<C: Cells> {
    sha1: C::Cell<Option<PadStates<5>>>,
    sha256: C::Cell<Option<PadStates<8>>>,
    sha384: C::Cell<Option<Box<HmacState<Sha384>>>>,
    sha512: C::Cell<Option<Box<HmacState<Sha512>>>>,
}

impl<C: Cells> Default for LegacyStates<C> {
    fn default() -> Self {
        Self {
            sha1: Default::default(),
            sha256: Default::default(),
            sha384: Default::default(),
            sha512: Default::default(),
        }
    }
}

fn legal(algorithm: ValidationAlgorithm, key: &[u8]) -> bool {
    check_legacy_validation_key(algorithm, key).is_ok()
}

/// The pad states of `key` for `algorithm` on `hash`, if legacy validation accepts the key.
fn legacy_pads<const N: usize>(
    hash: &Md32<N>,
    algorithm: ValidationAlgorithm,
    key: &[u8],
) -> Option<PadStates<N>> {
    legal(algorithm, key)
        .then(|| hash.pad_states(key))
        .flatten()
}

impl<C: Cells> LegacyStates<C> {
    fn sha1(&self, key: &[u8]) -> Option<&PadStates<5>> {
        C::get_or_init(&self.sha1, || {
            legacy_pads(&SHA1, ValidationAlgorithm::Sha1, key)
        })
        .as_ref()
    }

    fn sha256(&self, key: &[u8]) -> Option<&PadStates<8>> {
        C::get_or_init(&self.sha256, || {
            legacy_pads(&SHA256, ValidationAlgorithm::HmacSha256, key)
        })
        .as_ref()
    }

    fn sha384(&self, key: &[u8]) -> Option<&HmacState<Sha384>> {
        C::get_or_init(&self.sha384, || {
            legal(ValidationAlgorithm::HmacSha384, key)
                .then(|| hmac_state(key).map(Box::new))
                .flatten()
        })
        .as_deref()
    }

    fn sha512(&self, key: &[u8]) -> Option<&HmacState<Sha512>> {
        C::get_or_init(&self.sha512, || {
            legal(ValidationAlgorithm::HmacSha512, key)
                .then(|| hmac_state(key).map(Box::new))
                .flatten()
        })
        .as_deref()
    }
}

/// `data ‖ modifier` laid out for one legacy MAC algorithm.
pub(super) enum PreparedLegacy {
    /// 4.x keyed MD5: the hash state after the data; the key and the modifier's tail follow.
    Md5 {
        prefix: Md5,
        modifier: Vec<u8>,
        /// The data's bytes past its last whole block (for the work count).
        buffered: usize,
    },
    Sha1(PaddedMessage<5>),
    Sha256(PaddedMessage<8>),
    Sha384(PreparedMessage<Sha384>),
    Sha512(PreparedMessage<Sha512>),
}

impl PreparedLegacy {
    pub(super) fn new(
        algorithm: ValidationAlgorithm,
        data: &[u8],
        modifier: &[u8],
    ) -> Option<Self> {
        let parts = [data, modifier];
        Some(match HmacHash::for_validation(algorithm) {
            None => Self::Md5 {
                prefix: Md5::new_with_prefix(data),
                modifier: modifier.to_vec(),
                buffered: data.len() % 64,
            },
            Some(HmacHash::Sha1) => Self::Sha1(SHA1.prepare(&parts)?),
            Some(HmacHash::Sha256) => Self::Sha256(SHA256.prepare(&parts)?),
            Some(HmacHash::Sha384) => Self::Sha384(PreparedMessage::new(&parts)),
            Some(HmacHash::Sha512) => Self::Sha512(PreparedMessage::new(&parts)),
        })
    }

    /// Whether `tag` is the MAC under `key` (whose states `states` caches); false if that
    /// algorithm does not accept the key.
    pub(super) fn verify<C: Cells>(
        &self,
        states: &LegacyStates<C>,
        key: &[u8],
        tag: &[u8],
    ) -> bool {
        match self {
            Self::Md5 {
                prefix,
                modifier,
                buffered,
            } => {
                if !legal(ValidationAlgorithm::Md5, key) {
                    return false;
                }
                // The key, then as many bytes as the modifier has (its tail past the key's
                // length, zeros for the rest).
                let tail = key.len() + modifier.len();
                add(Work::Md5, final_blocks(buffered + tail, 64, 8));
                bool::from(md5_v4_finish(prefix.clone(), key, modifier).ct_eq(tag))
            }
            Self::Sha1(m) => states.sha1(key).is_some_and(|k| m.verify(k, tag)),
            Self::Sha256(m) => states.sha256(key).is_some_and(|k| m.verify(k, tag)),
            Self::Sha384(m) => states.sha384(key).is_some_and(|k| m.verify(k, tag)),
            Self::Sha512(m) => states.sha512(key).is_some_and(|k| m.verify(k, tag)),
        }
    }
}

/// The HMAC-SHA1 messages and tags of a plan that has no other readings (no other MAC
/// algorithm, no IsolateApps paths, no Framework45 purposes: a value audited without its
/// URL, the common case). A key can give a hit only if its MAC matches one of them, and keys
/// are screened for that two at a time ([`PaddedMessage::verify_pair`]), so that the
/// compressions of two keys overlap; only a key that matches is checked in full.
pub(super) struct Sha1Screen<'p> {
    readings: Vec<(&'p PaddedMessage<5>, &'p [u8])>,
}

impl<'p> Sha1Screen<'p> {
    /// The screen of a plan's legacy `checks` for `bytes`, the blob it was made for; `None`
    /// if they have readings the screen does not cover. The caller makes sure the plan has
    /// no other readings (IsolateApps paths, Framework45 purposes).
    pub(super) fn new(bytes: &'p [u8], checks: &'p [LegacyCheck]) -> Option<Self> {
        let mut readings = Vec::new();
        for check in checks {
            let (_, tag) = bytes.split_at_checked(check.split)?;
            let own = match &check.encrypted {
                EncryptedReading::Own(p) => Some(p),
                EncryptedReading::None | EncryptedReading::AsSigned => None,
            };
            for prepared in check.signed.iter().map(|(_, p)| p).chain(own) {
                match prepared {
                    PreparedLegacy::Sha1(m) => readings.push((m, tag)),
                    _ => return None,
                }
            }
        }
        Some(Self { readings })
    }

    /// For each of two keys (`None`: no key in that place), whether its MAC matches one of
    /// the readings: exactly the keys for which [`legacy_hit`] can find anything.
    pub(super) fn candidates(&self, keys: [Option<&[u8]>; 2]) -> [bool; 2] {
        let [a, b] =
            keys.map(|key| key.and_then(|k| legacy_pads(&SHA1, ValidationAlgorithm::Sha1, k)));
        let mut found = [false; 2];
        for (message, tag) in &self.readings {
            let matched = match (&a, &b) {
                (Some(a), Some(b)) => message.verify_pair([a, b], tag),
                (Some(a), None) => [message.verify(a, tag), false],
                (None, Some(b)) => [false, message.verify(b, tag)],
                (None, None) => break,
            };
            found[0] |= matched[0];
            found[1] |= matched[1];
        }
        found
    }
}

/// The readings of a blob for one legacy MAC algorithm (one tag length).
pub(super) struct LegacyCheck {
    pub(super) algorithm: ValidationAlgorithm,
    /// Where the tag starts.
    pub(super) split: usize,
    /// MAC-only readings, one per modifier (an index into the plan's modifiers).
    pub(super) signed: Vec<(usize, PreparedLegacy)>,
    /// The encrypted reading: the outer MAC covers the ciphertext only.
    pub(super) encrypted: EncryptedReading,
}

/// Whether, and how, a tag length has an encrypted reading.
pub(super) enum EncryptedReading {
    /// The ciphertext would not be whole blocks.
    None,
    /// Its own message: the data alone.
    Own(PreparedLegacy),
    /// The same message as the MAC-only reading with an empty modifier.
    AsSigned,
}

fn hit(
    validation: ValidationAlgorithm,
    decryption: Option<SymmetricAlgorithm>,
    mode: Mode,
    modifier: Option<&Modifier>,
    payload: &[u8],
) -> Hit {
    Hit {
        validation,
        decryption,
        mode,
        app_path: modifier.and_then(|m| m.app_path.clone()),
        isolate_apps: false,
        user_key: modifier.and_then(|m| m.user_key.clone()),
        payload: payload.to_vec(),
    }
}

/// Checks the legacy readings of the blob under one key variant: `states` keyed from `vk`,
/// and the decryption key `dk`.
pub(super) fn legacy_hit<C: Cells>(
    kind: &BlobKind<'_>,
    (checks, modifiers): (&[LegacyCheck], &[Modifier]),
    states: &LegacyStates<C>,
    vk: &[u8],
    dk: &[u8],
) -> Option<Hit> {
    let bytes = kind.bytes();
    for check in checks {
        let Some((data, tag)) = bytes.split_at_checked(check.split) else {
            continue;
        };
        // MAC only (ViewState with modifier; forms ticket "Validation" without). With an
        // empty modifier an encrypted blob `C ‖ MAC(C)` verifies this way too, so that case
        // only stands if the encrypted reading does not.
        let mut signed_fallback = None;
        let mut unmodified_verified = false;
        for (index, prepared) in &check.signed {
            if !prepared.verify(states, vk, tag) {
                continue;
            }
            let Some(m) = modifiers.get(*index) else {
                continue;
            };
            unmodified_verified |= m.bytes.is_empty();
            let ok = match kind {
                BlobKind::FormsCookie(_) => {
                    FormsAuthenticationTicket::deserialize_any_layout(data).is_ok()
                }
                _ => true,
            };
            if ok && !m.bytes.is_empty() {
                return Some(hit(
                    check.algorithm,
                    None,
                    Mode::LegacySigned,
                    Some(m),
                    data,
                ));
            }
            if ok && signed_fallback.is_none() {
                signed_fallback = Some(hit(
                    check.algorithm,
                    None,
                    Mode::LegacySigned,
                    Some(m),
                    data,
                ));
            }
        }
        let encrypted = match &check.encrypted {
            EncryptedReading::None => false,
            EncryptedReading::Own(p) => p.verify(states, vk, tag),
            EncryptedReading::AsSigned => unmodified_verified,
        };
        if encrypted {
            if let Some(found) = decrypt(kind, modifiers, check.algorithm, vk, dk, data) {
                return Some(found);
            }
        }
        if signed_fallback.is_some() {
            return signed_fallback;
        }
    }
    None
}

/// After the outer MAC verified: each cipher the decryption key can drive, then the
/// legacy stack's own steps (`open_cbc0`: zero IV and the discarded prefix; the modifier
/// suffix; the inner MAC where the format has one; the ticket in either layout).
fn decrypt(
    kind: &BlobKind<'_>,
    modifiers: &[Modifier],
    algorithm: ValidationAlgorithm,
    vk: &[u8],
    dk: &[u8],
    data: &[u8],
) -> Option<Hit> {
    let mac = LegacyMac::new(algorithm, FrameworkVersion::V4, vk).ok()?;
    for (cipher_alg, cipher) in ciphers(dk, false) {
        let Ok(plain) = open_cbc0(&cipher, data, true) else {
            continue;
        };
        for m in modifiers {
            let Ok(payload) = strip_modifier(&plain, &m.bytes) else {
                continue;
            };
            let encrypted = |validation, payload: &[u8], modifier: Option<&Modifier>| {
                hit(
                    validation,
                    Some(cipher_alg),
                    Mode::LegacyEncrypted,
                    modifier,
                    payload,
                )
            };
            match kind {
                BlobKind::FormsCookie(_) => {
                    // Protection "All": ticket ‖ MAC(ticket) inside; "Encryption": the ticket.
                    if let Ok(ticket) = mac.open_hashed(payload) {
                        if FormsAuthenticationTicket::deserialize_any_layout(ticket).is_ok() {
                            return Some(encrypted(algorithm, ticket, None));
                        }
                    }
                    if FormsAuthenticationTicket::deserialize_any_layout(payload).is_ok() {
                        return Some(encrypted(algorithm, payload, None));
                    }
                }
                BlobKind::ViewState(_) | BlobKind::EventValidation(_) => {
                    // AES/3DES validation: the payload is data ‖ HMAC-SHA1(data ‖ modifier).
                    if algorithm == ValidationAlgorithm::Sha1 {
                        if let Ok(d) = mac.open_signed(payload, &m.bytes) {
                            let wrap = if cipher_alg == SymmetricAlgorithm::Aes {
                                ValidationAlgorithm::Aes
                            } else {
                                ValidationAlgorithm::TripleDes
                            };
                            return Some(hit(
                                wrap,
                                Some(cipher_alg),
                                Mode::LegacyValidationWrap,
                                Some(m),
                                d,
                            ));
                        }
                    }
                    return Some(encrypted(algorithm, payload, Some(m)));
                }
                BlobKind::Resource(_) | BlobKind::Protected(..) => {
                    return Some(encrypted(algorithm, payload, None));
                }
            }
        }
    }
    None
}

/// A legacy modifier to try, with what it stands for.
pub(super) struct Modifier {
    pub(super) bytes: Vec<u8>,
    pub(super) user_key: Option<String>,
    /// The application level of the URL whose page has this modifier's generator.
    pub(super) app_path: Option<String>,
}

const TAG_LENGTHS: [usize; 5] = [16, 20, 32, 48, 64];

/// The legacy readings by tag length. MAC-only: the data before the tag must be a whole
/// `ObjectStateFormatter` graph for page state (resource tokens are never MAC-only).
/// Encrypted: the ciphertext is whole 8-byte blocks.
pub(super) fn legacy_checks(kind: &BlobKind<'_>, modifiers: &[Modifier]) -> Vec<LegacyCheck> {
    let bytes = match kind {
        BlobKind::Protected(..) => return Vec::new(),
        _ => kind.bytes(),
    };
    let data = |tag_len: usize| {
        bytes
            .len()
            .checked_sub(tag_len)
            .filter(|n| *n > 0)
            .and_then(|n| bytes.get(..n))
    };
    let signed_lengths: Vec<usize> = match kind {
        BlobKind::ViewState(_) | BlobKind::EventValidation(_) => {
            // One read gives the graph's length; the data before a tag is a whole graph
            // exactly when the tag is what follows it.
            let graph = graph_len(bytes);
            let complete: Vec<usize> = TAG_LENGTHS
                .into_iter()
                .filter(|m| data(*m).is_some_and(|d| Some(d.len()) == graph))
                .collect();
            if complete.is_empty() {
                // A graph this reader cannot walk (event validation, say): fall back to the header.
                TAG_LENGTHS
                    .into_iter()
                    .filter(|m| data(*m).is_some_and(|d| d.starts_with(&[0xFF, 0x01])))
                    .collect()
            } else {
                complete
            }
        }
        BlobKind::Resource(_) => Vec::new(),
        _ => TAG_LENGTHS.to_vec(),
    };
    LEGACY_MACS
        .into_iter()
        .filter_map(|algorithm| {
            let tag_len = algorithm.mac_len();
            let data = data(tag_len)?;
            let signed: Vec<(usize, PreparedLegacy)> = if signed_lengths.contains(&tag_len) {
                modifiers
                    .iter()
                    .enumerate()
                    .filter_map(|(i, m)| Some((i, PreparedLegacy::new(algorithm, data, &m.bytes)?)))
                    .collect()
            } else {
                Vec::new()
            };
            // The outer MAC of `C ‖ MAC(C)` covers the data alone: the same message as a
            // MAC-only reading with an empty modifier, whose result it then reuses.
            let encrypted = if data.len() % 8 != 0 {
                EncryptedReading::None
            } else if signed
                .iter()
                .any(|(i, _)| modifiers.get(*i).is_some_and(|m| m.bytes.is_empty()))
            {
                EncryptedReading::AsSigned
            } else {
                PreparedLegacy::new(algorithm, data, &[])
                    .map_or(EncryptedReading::None, EncryptedReading::Own)
            };
            let any = !signed.is_empty() || !matches!(encrypted, EncryptedReading::None);
            any.then_some(LegacyCheck {
                algorithm,
                split: data.len(),
                signed,
                encrypted,
            })
        })
        .collect()
}
