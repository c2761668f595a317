//! The Framework45 reading of a blob: `IV ‖ CBC(K'enc) ‖ HMAC(K'val, IV ‖ ct)` with the
//! SP800-108 purpose keys of each purpose in the plan.
//!
//! Per key and purpose the work is the derivation of `K'val` (its PRF input laid out once
//! per purpose and key length, the master key's HMAC-SHA512 state keyed once per key) and
//! one MAC per tag length the blob allows (the signed bytes laid out once per blob).
//! `K'enc` is derived only after a MAC verified.

use std::sync::{Arc, OnceLock};

use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use super::{Hit, Mode, ciphers};
use crate::config::ValidationAlgorithm;
use crate::crypto::framework45::{Purpose, open_iv_ciphertext};
use crate::crypto::mac::{
    HmacHash, HmacState, PadStates, PaddedMessage, PreparedMessage, SHA1, SHA256, hmac_state,
};
use crate::keys::kdf::{output_bits, prf_input, sp800_108};

/// The Framework45 MAC algorithms.
const FX45_MACS: [ValidationAlgorithm; 4] = [
    ValidationAlgorithm::Sha1,
    ValidationAlgorithm::HmacSha256,
    ValidationAlgorithm::HmacSha384,
    ValidationAlgorithm::HmacSha512,
];

/// The SP800-108 PRF inputs of one purpose for one output length, laid out once.
pub(super) struct Derivation {
    out_len: usize,
    blocks: Vec<PreparedMessage<Sha512>>,
}

impl Derivation {
    pub(super) fn new(purpose: &Purpose, context: &[u8], out_len: usize) -> Option<Self> {
        let bits = output_bits(out_len).ok()?.to_be_bytes();
        let blocks = (1..=out_len.div_ceil(64))
            .map(|i| {
                let counter = u32::try_from(i).ok()?.to_be_bytes();
                Some(PreparedMessage::new(&prf_input(
                    &counter,
                    purpose.label(),
                    context,
                    &bits,
                )))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self { out_len, blocks })
    }

    /// The derived key, from the master key's HMAC-SHA512 state.
    pub(super) fn derive(&self, prf: &HmacState<Sha512>) -> DerivedKey {
        if let [block] = self.blocks.as_slice() {
            // One PRF block: the key fits inline, no allocation per key and purpose.
            let mut out = Zeroizing::new([0u8; 64]);
            for (o, m) in out.iter_mut().zip(block.mac(prf).iter()) {
                *o = *m;
            }
            return DerivedKey::Short(out, self.out_len.min(64));
        }
        let mut out = Zeroizing::new(Vec::with_capacity(self.blocks.len() * 64));
        for block in &self.blocks {
            out.extend_from_slice(&block.mac(prf));
        }
        out.truncate(self.out_len);
        DerivedKey::Long(out)
    }
}

/// A derived validation key: inline up to one SHA-512 output (64 bytes), else on the heap;
/// cleared on drop either way.
pub(super) enum DerivedKey {
    Short(Zeroizing<[u8; 64]>, usize),
    Long(Zeroizing<Vec<u8>>),
}

impl DerivedKey {
    pub(super) fn as_slice(&self) -> &[u8] {
        match self {
            Self::Short(bytes, len) => bytes.get(..*len).unwrap_or_default(),
            Self::Long(bytes) => bytes,
        }
    }
}

/// One key's validation key derived for one purpose, with its HMAC states keyed on first
/// use: what a second blob of the same page reuses instead of deriving and keying again.
#[derive(Default)]
pub(super) struct DerivedStates {
    key: OnceLock<Option<DerivedKey>>,
    /// Pad states of a derived key of at most one block (the common case: the padding
    /// of the message is then laid out once per blob).
    sha1_pads: OnceLock<Option<PadStates<5>>>,
    sha256_pads: OnceLock<Option<PadStates<8>>>,
    /// The states of longer derived keys and of the SHA-384/512 MACs (rare: boxed
    /// together, to keep the slots small).
    generic: OnceLock<Box<GenericStates>>,
}

impl DerivedStates {
    fn generic(&self) -> &GenericStates {
        self.generic.get_or_init(Box::default)
    }
}

/// A derived key's generic HMAC states, each keyed on first use.
#[derive(Default)]
pub(super) struct GenericStates {
    sha1: OnceLock<Option<HmacState<Sha1>>>,
    sha256: OnceLock<Option<HmacState<Sha256>>>,
    sha384: OnceLock<Option<HmacState<Sha384>>>,
    sha512: OnceLock<Option<HmacState<Sha512>>>,
}

/// The derived states of every candidate for one purpose (indexed like the candidates).
pub(super) type DerivedSlots = Vec<OnceLock<DerivedStates>>;

/// A purpose to try, with what it stands for.
pub(super) struct PurposeCase {
    pub(super) purpose: Purpose,
    pub(super) context: Vec<u8>,
    pub(super) app_path: Option<String>,
    pub(super) user_key: Option<String>,
    /// Derivations for each master key length the candidates have (indexed like the
    /// auditor's sorted lengths).
    pub(super) derivations: Vec<Option<Derivation>>,
    /// The auditor's cache for this purpose, shared by every blob that has it.
    pub(super) cache: Option<Arc<DerivedSlots>>,
}

impl PurposeCase {
    pub(super) fn new(
        purpose: Purpose,
        app_path: Option<String>,
        user_key: Option<String>,
        key_lengths: &[usize],
    ) -> Self {
        let context = purpose.context();
        let derivations = key_lengths
            .iter()
            .map(|len| Derivation::new(&purpose, &context, *len))
            .collect();
        Self {
            purpose,
            context,
            app_path,
            user_key,
            derivations,
            cache: None,
        }
    }
}

/// `IV ‖ ct` laid out for one Framework45 MAC algorithm.
pub(super) enum PreparedFx45 {
    /// Padded for derived keys of at most one block; generic for longer ones (hashed first).
    Sha1(PaddedMessage<5>, PreparedMessage<Sha1>),
    Sha256(PaddedMessage<8>, PreparedMessage<Sha256>),
    Sha384(PreparedMessage<Sha384>),
    Sha512(PreparedMessage<Sha512>),
}

impl PreparedFx45 {
    /// Whether `tag` is the MAC under the derived key of `states` (keyed on first use from
    /// `key`).
    fn verify(&self, states: &DerivedStates, key: &[u8], tag: &[u8]) -> bool {
        match self {
            Self::Sha1(padded, _) if key.len() <= 64 => states
                .sha1_pads
                .get_or_init(|| SHA1.pad_states(key))
                .as_ref()
                .is_some_and(|k| padded.verify(k, tag)),
            Self::Sha1(_, m) => states
                .generic()
                .sha1
                .get_or_init(|| hmac_state(key))
                .as_ref()
                .is_some_and(|k| m.verify(k, tag)),
            Self::Sha256(padded, _) if key.len() <= 64 => states
                .sha256_pads
                .get_or_init(|| SHA256.pad_states(key))
                .as_ref()
                .is_some_and(|k| padded.verify(k, tag)),
            Self::Sha256(_, m) => states
                .generic()
                .sha256
                .get_or_init(|| hmac_state(key))
                .as_ref()
                .is_some_and(|k| m.verify(k, tag)),
            Self::Sha384(m) => states
                .generic()
                .sha384
                .get_or_init(|| hmac_state(key))
                .as_ref()
                .is_some_and(|k| m.verify(k, tag)),
            Self::Sha512(m) => states
                .generic()
                .sha512
                .get_or_init(|| hmac_state(key))
                .as_ref()
                .is_some_and(|k| m.verify(k, tag)),
        }
    }
}

/// The reading of a blob for one Framework45 MAC algorithm.
pub(super) struct Fx45Check {
    algorithm: ValidationAlgorithm,
    split: usize,
    prepared: PreparedFx45,
}

/// The MAC algorithms a blob of this length can carry: IV plus at least one block, all
/// whole 8-byte blocks, then the tag.
pub(super) fn fx45_checks(bytes: &[u8]) -> Vec<Fx45Check> {
    FX45_MACS
        .iter()
        .filter_map(|algorithm| {
            let split = bytes
                .len()
                .checked_sub(algorithm.mac_len())
                .filter(|n| *n >= 16 && n % 8 == 0)?;
            let signed = bytes.get(..split)?;
            let prepared = match HmacHash::for_validation(*algorithm)? {
                HmacHash::Sha1 => {
                    PreparedFx45::Sha1(SHA1.prepare(&[signed])?, PreparedMessage::new(&[signed]))
                }
                HmacHash::Sha256 => PreparedFx45::Sha256(
                    SHA256.prepare(&[signed])?,
                    PreparedMessage::new(&[signed]),
                ),
                HmacHash::Sha384 => PreparedFx45::Sha384(PreparedMessage::new(&[signed])),
                HmacHash::Sha512 => PreparedFx45::Sha512(PreparedMessage::new(&[signed])),
            };
            Some(Fx45Check {
                algorithm: *algorithm,
                split,
                prepared,
            })
        })
        .collect()
}

/// Checks the Framework45 reading of `bytes` under every purpose, for candidate `index`
/// with decryption key `dk`, whose validation key has the `length`-th of the candidates'
/// key lengths (and `kdf`, its validation key's HMAC-SHA512 state, keyed only if a
/// derivation is not cached).
pub(super) fn framework45_hit<'k>(
    bytes: &[u8],
    index: usize,
    (length, dk, kdf): (usize, &[u8], impl Fn() -> Option<&'k HmacState<Sha512>>),
    purposes: &[PurposeCase],
    checks: &[Fx45Check],
) -> Option<Hit> {
    if checks.is_empty() {
        return None;
    }
    for case in purposes {
        let uncached;
        let states: &DerivedStates = match case.cache.as_ref().and_then(|c| c.get(index)) {
            Some(slot) => slot.get_or_init(DerivedStates::default),
            None => {
                uncached = DerivedStates::default();
                &uncached
            }
        };
        let Some(val_key) = states.key.get_or_init(|| {
            let derivation = case.derivations.get(length)?.as_ref()?;
            kdf().map(|k| derivation.derive(k))
        }) else {
            continue;
        };
        for check in checks {
            let Some((signed, tag)) = bytes.split_at_checked(check.split) else {
                continue;
            };
            if !check.prepared.verify(states, val_key.as_slice(), tag) {
                continue;
            }
            let enc = sp800_108(dk, case.purpose.label(), &case.context, dk.len()).ok()?;
            for (cipher_alg, cipher) in ciphers(&enc, true) {
                if let Ok(payload) = open_iv_ciphertext(&cipher, signed) {
                    return Some(Hit {
                        validation: check.algorithm,
                        decryption: Some(cipher_alg),
                        mode: Mode::Framework45,
                        app_path: case.app_path.clone(),
                        isolate_apps: false,
                        user_key: case.user_key.clone(),
                        payload,
                    });
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_equals_sp800_108() {
        let purpose = Purpose::new("WebForms.HiddenFieldPageStatePersister.ClientState")
            .with_specifics(&["TemplateSourceDirectory: /A", "Type: B_ASPX"]);
        let context = purpose.context();
        for len in [1usize, 8, 20, 24, 32, 48, 63, 64, 65, 100, 128, 129, 200] {
            let key: Vec<u8> = (0..len).map(|i| (i * 13).to_le_bytes()[0]).collect();
            let prf = hmac_state::<Sha512>(&key).unwrap();
            let prepared = Derivation::new(&purpose, &context, len).unwrap();
            let expected = sp800_108(&key, purpose.label(), &context, len).unwrap();
            assert_eq!(
                prepared.derive(&prf).as_slice(),
                expected.as_slice(),
                "{len}"
            );
        }
    }
}
