//! Known-key audit: which publicly known `<machineKey>` protects a blob, with which
//! algorithms and in which mode.
//!
//! **Start here:** [`Auditor::new`] with [`KeyList::builtin`], then [`Auditor::audit`] on a
//! [`Blob`].
//!
//! Every candidate key pair is tried against every mode that could have produced the blob:
//! the legacy MAC (the algorithm follows from the tag length), legacy encryption with each
//! cipher, the AES/3DES-as-validation wrap, Framework45 with the purposes of each
//! application level of a URL, IsolateApps variants of each key, and caller-supplied
//! `ViewStateUserKey` candidates. A `__VIEWSTATE` and an `__EVENTVALIDATION` differ only in
//! their Framework45 purpose, so say which one a blob is ([`Blob::viewstate`],
//! [`Blob::event_validation`]).
//!
//! # Speed
//!
//! The per-key work is hash compressions and nothing else, as far as the formats allow:
//! every candidate's HMAC pad states (and, for SP800-108, its HMAC-SHA512 state) are keyed
//! once when the [`Auditor`] is built; each audit lays the blob out once, padding included,
//! for every reading it can have (a tag length is ruled out before any MAC when the data
//! before it is not a whole `ObjectStateFormatter` graph, or the ciphertext not whole
//! blocks), and the SP800-108 inputs once per purpose. A candidate then costs two SHA-1
//! compressions for an unencrypted legacy ViewState. Only after a MAC verified is anything
//! decrypted or derived for the decryption key. With the `rayon` feature,
//! candidates are spread over cores in chunks (without it, the chunks run in turn on the
//! calling thread); either way the first in list order wins.
//!
//! A finding is certain: it is reported only after a MAC verified under that key.
//!
//! # Example
//! ```
//! use machinekey::audit::{Auditor, Blob, KeyList};
//! use machinekey::crypto::encoding::from_base64;
//! let auditor = Auditor::new(&KeyList::builtin());
//! let bytes = from_base64("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==")?;
//! let found = auditor.audit(&Blob::viewstate(&bytes).with_generator(0xEDD8_C9AE)).ok_or(machinekey::Error::Unprotect)?;
//! assert!(found.key.validation_key.starts_with("F5144F1A"));
//! assert_eq!(found.validation.as_str(), "SHA1");
//! # Ok::<(), machinekey::Error>(())
//! ```

pub mod batch;
pub mod blazor;
pub mod carve;
pub mod data_protection;
mod framework45;
mod key_list;
mod legacy;
mod plan;
pub mod warc;

use std::cell::OnceCell;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

#[cfg(feature = "rayon")]
use rayon::prelude::*;
use serde::Serialize;
use sha2::Sha512;

pub use batch::{BatchItem, BatchResult, ItemId};
pub use carve::CarveOptions;
pub use key_list::{KeyFingerprints, KeyList, KeyOrigin, KnownKey, LoadReport};

use crate::config::key_rules::legacy_cipher_key;
use crate::config::{
    DecryptionAlgorithm, FrameworkVersion, SymmetricAlgorithm, ValidationAlgorithm,
};
use crate::crypto::cipher::CbcCipher;
use zeroize::Zeroizing;

use crate::crypto::framework45::Purpose;
use crate::crypto::mac::{HmacState, hmac_state};
use crate::formats::osf::{ValueType, first_value_type};
use crate::keys::isolate_apps_variant;
use crate::names::names;
use framework45::{DerivedSlots, framework45_hit};
use legacy::{LegacyStates, Local, Sha1Screen, Shared, legacy_hit};
use plan::{Plan, plan};

/// What a blob is, and what is known about where it came from.
#[derive(Debug, Clone)]
pub struct Blob<'a> {
    kind: BlobKind<'a>,
    generator: Option<u32>,
    url: Option<&'a str>,
    user_keys: Vec<String>,
}

#[derive(Debug, Clone)]
enum BlobKind<'a> {
    ViewState(&'a [u8]),
    EventValidation(&'a [u8]),
    FormsCookie(&'a [u8]),
    Resource(&'a [u8]),
    Protected(&'a [u8], Vec<String>),
}

impl<'a> BlobKind<'a> {
    fn bytes(&self) -> &'a [u8] {
        match self {
            Self::ViewState(b)
            | Self::EventValidation(b)
            | Self::FormsCookie(b)
            | Self::Resource(b)
            | Self::Protected(b, _) => b,
        }
    }
}

impl<'a> Blob<'a> {
    /// A decoded `__VIEWSTATE`.
    #[must_use]
    pub fn viewstate(bytes: &'a [u8]) -> Self {
        Self::of(BlobKind::ViewState(bytes))
    }

    /// A decoded `__EVENTVALIDATION`: legacy protection as a ViewState of the same page,
    /// Framework45 under its own primary purpose
    /// (`WebForms.ClientScriptManager.EventValidation`).
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::{Auditor, Blob, KeyList};
    /// use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::encoding::from_base64;
    /// use machinekey::formats::{AppKeys, Page};
    /// use machinekey::formats::viewstate::ViewStateProtection;
    /// let list = KeyList::builtin();
    /// let known = &list.pairs()[7];
    /// let cfg = MachineKeyConfig::builder()
    ///     .validation_key(&known.validation_key)
    ///     .decryption_key(&known.decryption_key)
    ///     .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
    ///     .build()?;
    /// let page = Page::from_path("/shop/cart.aspx", "/shop")?;
    /// let field = AppKeys::explicit(&cfg)?.encode_event_validation(b"\xff\x01\x64", &page, ViewStateProtection::Signed)?;
    /// let bytes = from_base64(&field)?;
    /// let auditor = Auditor::new(&list);
    /// let blob = Blob::event_validation(&bytes).with_url("https://host/shop/cart.aspx");
    /// let found = auditor.audit(&blob).ok_or(machinekey::Error::Unprotect)?;
    /// assert_eq!((found.index, found.app_path.as_deref()), (7, Some("/shop")));
    /// // As a ViewState it is under the wrong purpose.
    /// assert!(auditor.audit(&Blob::viewstate(&bytes).with_url("https://host/shop/cart.aspx")).is_none());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn event_validation(bytes: &'a [u8]) -> Self {
        Self::of(BlobKind::EventValidation(bytes))
    }

    /// A decoded `.ASPXAUTH` cookie.
    #[must_use]
    pub fn forms_cookie(bytes: &'a [u8]) -> Self {
        Self::of(BlobKind::FormsCookie(bytes))
    }

    /// A decoded `WebResource.axd`/`ScriptResource.axd` `d=` token or `__PREVIOUSPAGE`.
    #[must_use]
    pub fn resource(bytes: &'a [u8]) -> Self {
        Self::of(BlobKind::Resource(bytes))
    }

    /// A `MachineKey.Protect` payload and the purposes it was protected with.
    #[must_use]
    pub fn protected(bytes: &'a [u8], purposes: &[&str]) -> Self {
        Self::of(BlobKind::Protected(
            bytes,
            purposes.iter().map(|p| (*p).to_owned()).collect(),
        ))
    }

    fn of(kind: BlobKind<'a>) -> Self {
        Self {
            kind,
            generator: None,
            url: None,
            user_keys: Vec::new(),
        }
    }

    /// The `__VIEWSTATEGENERATOR` of the page (legacy ViewState and EventValidation).
    #[must_use]
    pub fn with_generator(mut self, generator: u32) -> Self {
        self.generator = Some(generator);
        self
    }

    /// The page URL: gives the generator and Framework45 purposes for every possible
    /// application path, and the IsolateApps variants. A directory URL (`/shop/`) stands
    /// for its `default.aspx`; an extensionless one (`/Login`: routing, FriendlyUrls) for
    /// both `/Login.aspx` and `/Login/default.aspx`.
    #[must_use]
    pub fn with_url(mut self, url: &'a str) -> Self {
        self.url = Some(url);
        self
    }

    /// A `ViewStateUserKey` candidate (a session id, a user name, ...). `None` is always
    /// tried too.
    #[must_use]
    pub fn with_user_key(mut self, key: &str) -> Self {
        self.user_keys.push(key.to_owned());
        self
    }
}

/// The protection mode found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Mode {
    /// Legacy, MAC only: `data ‖ MAC(data ‖ modifier)`.
    LegacySigned,
    /// Legacy, encrypted: `C ‖ MAC(C)`.
    LegacyEncrypted,
    /// Legacy `validation="AES"`/`"3DES"`: signed, then encrypted with the validation cipher.
    LegacyValidationWrap,
    /// Framework45: SP800-108 purpose keys, encrypt-then-MAC.
    Framework45,
}

names!(Mode, "The name, as JSON writes it.", {
    LegacySigned => "legacy_signed",
    LegacyEncrypted => "legacy_encrypted",
    LegacyValidationWrap => "legacy_validation_wrap",
    Framework45 => "framework45",
});

/// A verified match.
///
/// Serialized (for reports and logs) it names the key pair by [`fingerprints`](Self::fingerprints)
/// and [`origin`](Self::origin) only; the key text itself is never serialized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// The key pair, as listed (not serialized).
    #[serde(skip_serializing)]
    pub key: KnownKey,
    /// Short fingerprints of the two keys.
    pub fingerprints: KeyFingerprints,
    /// Where the pair was listed (`FILE:LINE`).
    pub origin: Option<KeyOrigin>,
    /// Its position in the list (for a list read with [`KeyList::scan`], in the whole
    /// input: the pairs of the blocks before count).
    pub index: usize,
    /// The validation algorithm.
    pub validation: ValidationAlgorithm,
    /// The cipher, when the blob was encrypted.
    pub decryption: Option<SymmetricAlgorithm>,
    /// The mode.
    pub mode: Mode,
    /// The application path: the level of the URL whose generator (legacy page state) or
    /// page purposes (Framework45) verified, or the IsolateApps application.
    pub app_path: Option<String>,
    /// Whether the key matched only after the IsolateApps change for `app_path`.
    pub isolate_apps: bool,
    /// The `ViewStateUserKey` that matched, if one was needed.
    pub view_state_user_key: Option<String>,
    /// The verified (and decrypted) payload (serialized as `payload_hex`, upper-case hex).
    #[serde(rename = "payload_hex", serialize_with = "serialize_hex")]
    pub payload: Vec<u8>,
    /// The type of the first `ObjectStateFormatter` value, if the payload is one.
    pub header: Option<ValueType>,
}

impl Finding {
    /// The deserialization gadgets in the verified payload's `BinaryFormatter` streams, when
    /// it is an `ObjectStateFormatter` graph.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::{Auditor, Blob, KeyList};
    /// use machinekey::crypto::encoding::from_base64;
    /// let field = from_base64("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==")?;
    /// let finding = Auditor::from_list(KeyList::builtin())
    ///     .audit(&Blob::viewstate(&field).with_generator(0xEDD8C9AE))
    ///     .expect("a known key");
    /// assert!(finding.gadgets().is_empty());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn gadgets(&self) -> Vec<crate::formats::nrbf::gadgets::Finding> {
        crate::formats::osf::read(&self.payload)
            .map(|doc| crate::formats::nrbf::gadgets::in_state(&doc.root))
            .unwrap_or_default()
    }
}

impl Serialize for ValueType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn serialize_hex<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::crypto::encoding::to_upper_hex(bytes))
}

/// One candidate key's MAC states for one group of blobs, each keyed on first use (held for
/// one block of keys at a time: the list costs no memory beyond its decoded bytes). The
/// thread that tries the block owns them, so their cells are plain [`OnceCell`]s: measured,
/// the batch spends 8 to 12% less time than with [`OnceLock`]s.
struct KeyStates {
    /// The rank of the validation key's length among the candidates' lengths (which
    /// derivation of each purpose applies), found once per key.
    length: Option<usize>,
    legacy: LegacyStates<Local>,
    /// The validation key's HMAC-SHA512 state, for the SP800-108 derivations.
    kdf: OnceCell<Option<HmacState<Sha512>>>,
}

impl KeyStates {
    fn new(length: Option<usize>) -> Self {
        Self {
            length,
            legacy: LegacyStates::default(),
            kdf: OnceCell::new(),
        }
    }

    fn kdf(&self, vk: &[u8]) -> Option<&HmacState<Sha512>> {
        self.kdf.get_or_init(|| hmac_state(vk)).as_ref()
    }
}

/// The ciphers that could have used `dk`, set up exactly as `<machineKey decryption>` sets
/// them up: in the legacy stack (`legacy_cipher_key`: DES on the first 8 bytes) or, for a
/// purpose's derived key, in Framework45.
fn ciphers(dk: &[u8], framework45: bool) -> Vec<(SymmetricAlgorithm, CbcCipher)> {
    [
        DecryptionAlgorithm::Aes,
        DecryptionAlgorithm::TripleDes,
        DecryptionAlgorithm::Des,
    ]
    .into_iter()
    .filter_map(|decryption| {
        let (algorithm, key) = if framework45 {
            (decryption.framework45_cipher(), dk)
        } else {
            legacy_cipher_key(decryption, FrameworkVersion::V4, dk).ok()?
        };
        Some((algorithm, CbcCipher::new(algorithm, key).ok()?))
    })
    .collect()
}

/// A finding without the key details, filled in by the caller.
struct Hit {
    validation: ValidationAlgorithm,
    decryption: Option<SymmetricAlgorithm>,
    mode: Mode,
    app_path: Option<String>,
    isolate_apps: bool,
    user_key: Option<String>,
    payload: Vec<u8>,
}

/// Candidates per parallel work item: enough to make the scheduling cost vanish next to
/// even the cheapest check (two SHA-1 compressions), few enough to balance the cores.
const CHUNK: usize = 64;

/// Audits blobs against a list of known keys.
///
/// Building one keys every candidate's MAC states once; each [`audit`](Self::audit) then
/// lays the blob out once and spends, per candidate, only the hash compressions the
/// readings need.
pub struct Auditor {
    list: KeyList,
    /// The distinct validation key lengths, for the SP800-108 derivations.
    key_lengths: Vec<usize>,
    /// Framework45 keys derived per purpose, for the most recent purposes (a crawl audits
    /// many blobs of one page in a row), most recent first.
    derived: Mutex<Vec<(Purpose, Arc<DerivedSlots>)>>,
    /// IsolateApps variants for the most recent application paths, most recent first.
    isolated: Mutex<Vec<(String, Arc<IsolatedSlots>)>>,
    /// Each candidate's validation-key HMAC-SHA512 state for the SP800-108 derivations,
    /// keyed on first use and kept for every later blob (lists up to
    /// [`DERIVED_CANDIDATES`]; larger ones key it once per key and group of blobs).
    kdf: OnceLock<Vec<OnceLock<Option<HmacState<Sha512>>>>>,
    /// What audits the Data Protection values of a batch (`CfDJ8…`, `09F0C9F0…`).
    data_protection: Arc<data_protection::DataProtectionAuditor>,
}

/// One candidate's IsolateApps variant for one application path: the modified keys and
/// their MAC states, keyed on first use.
struct IsolatedVariant {
    vk: Zeroizing<Vec<u8>>,
    dk: Zeroizing<Vec<u8>>,
    states: LegacyStates<Shared>,
}

/// Every candidate's variant for one application path (indexed like the candidates).
type IsolatedSlots = Vec<OnceLock<Option<Box<IsolatedVariant>>>>;

/// How many purposes keep their derived keys.
const DERIVED_PURPOSES: usize = 16;
/// Lists up to this size keep derived keys (a cached purpose costs a few hundred bytes per
/// candidate that a blob reached).
const DERIVED_CANDIDATES: usize = 50_000;

impl core::fmt::Debug for Auditor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Auditor")
            .field("candidates", &self.len())
            .finish()
    }
}

impl Auditor {
    /// Prepares every key pair of `list` (a copy of it; [`from_list`](Self::from_list)
    /// takes it without copying). MAC states are keyed on first use, for the readings a
    /// blob can have, and kept for the next blob.
    ///
    /// # Example
    /// See the [module documentation](self).
    #[must_use]
    pub fn new(list: &KeyList) -> Self {
        Self::from_list(list.clone())
    }

    /// As [`new`](Self::new), taking the list.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::{Auditor, KeyList};
    /// let auditor = Auditor::from_list(KeyList::builtin());
    /// assert!(auditor.len() > 3000);
    /// ```
    #[must_use]
    pub fn from_list(list: KeyList) -> Self {
        // Lists are mostly of one or a few lengths: a set insertion only when the length
        // changes from the pair before.
        let mut key_lengths = BTreeSet::new();
        let mut last = None;
        for e in list.parts().1 {
            let len = e.validation().len();
            if last != Some(len) {
                key_lengths.insert(len);
                last = Some(len);
            }
        }
        Self {
            list,
            key_lengths: key_lengths.into_iter().collect(),
            derived: Mutex::new(Vec::new()),
            isolated: Mutex::new(Vec::new()),
            kdf: OnceLock::new(),
            data_protection: data_protection::DataProtectionAuditor::shared_builtin(),
        }
    }

    /// Audits the Data Protection values of batches ([`Auditor::audit_lines`]) with
    /// `auditor` (its keys, application names and consumers) instead of the built-in list of
    /// published Data Protection keys, which [`from_list`](Self::from_list) starts with.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::data_protection::DataProtectionAuditor;
    /// use machinekey::audit::{Auditor, KeyList};
    /// let auditor = Auditor::from_list(KeyList::builtin())
    ///     .with_data_protection(DataProtectionAuditor::builtin().with_app_names(["Contoso.Portal"]));
    /// assert_eq!(auditor.data_protection().app_names(), ["Contoso.Portal"]);
    /// ```
    #[must_use]
    pub fn with_data_protection(mut self, auditor: data_protection::DataProtectionAuditor) -> Self {
        self.data_protection = Arc::new(auditor);
        self
    }

    /// What audits the Data Protection values of batches.
    #[must_use]
    pub fn data_protection(&self) -> &data_protection::DataProtectionAuditor {
        &self.data_protection
    }

    /// Hands each Framework45 purpose and each IsolateApps path of `plan` the auditor's
    /// cached per-candidate states for it, so the blobs of one page (purposes) or one site
    /// (paths) share the per-key derivations and pad states.
    fn attach_caches(&self, plan: &mut Plan) {
        if self.len() > DERIVED_CANDIDATES {
            return;
        }
        if !plan.fx45.is_empty() {
            let mut cache = self.derived.lock().unwrap_or_else(PoisonError::into_inner);
            for case in &mut plan.purposes {
                case.cache = Some(self.slots(&mut cache, &case.purpose));
            }
        }
        if !plan.legacy.is_empty() {
            let mut cache = self.isolated.lock().unwrap_or_else(PoisonError::into_inner);
            for app in &mut plan.isolated_apps {
                app.cache = Some(self.slots(&mut cache, &app.path));
            }
        }
    }

    /// The entry for `key` in a most-recent-first cache of per-candidate slots.
    fn slots<K: Clone + PartialEq, T>(
        &self,
        cache: &mut Vec<(K, Arc<Vec<OnceLock<T>>>)>,
        key: &K,
    ) -> Arc<Vec<OnceLock<T>>> {
        if let Some(i) = cache.iter().position(|(k, _)| k == key) {
            let entry = cache.remove(i);
            let slots = Arc::clone(&entry.1);
            cache.insert(0, entry);
            return slots;
        }
        let slots: Arc<Vec<OnceLock<T>>> =
            Arc::new((0..self.len()).map(|_| OnceLock::new()).collect());
        cache.insert(0, (key.clone(), Arc::clone(&slots)));
        cache.truncate(DERIVED_PURPOSES);
        slots
    }

    /// The list, back from the auditor (for [`KeyList::scan`] to reuse its memory).
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::{Auditor, KeyList};
    /// let auditor = Auditor::from_list(KeyList::parse("AABB,CCDD"));
    /// assert_eq!(auditor.into_list().len(), 1);
    /// ```
    #[must_use]
    pub fn into_list(self) -> KeyList {
        self.list
    }

    /// The validation key's HMAC-SHA512 state of candidate `index` (whose key is `vk`):
    /// the auditor's, kept across blobs, or for large lists the one of this group's `states`.
    fn kdf<'s>(
        &'s self,
        index: usize,
        vk: &[u8],
        states: &'s KeyStates,
    ) -> Option<&'s HmacState<Sha512>> {
        if self.len() > DERIVED_CANDIDATES {
            return states.kdf(vk);
        }
        let slots = self
            .kdf
            .get_or_init(|| (0..self.len()).map(|_| OnceLock::new()).collect());
        match slots.get(index) {
            Some(slot) => slot.get_or_init(|| hmac_state(vk)).as_ref(),
            None => states.kdf(vk),
        }
    }

    /// Candidate `index`'s states, none keyed yet.
    fn key_states(&self, index: usize) -> KeyStates {
        let vk_len = self.keys(index).0.len();
        KeyStates::new(self.key_lengths.binary_search(&vk_len).ok())
    }

    /// The decoded keys of candidate `index`.
    fn keys(&self, index: usize) -> (&[u8], &[u8]) {
        self.list.key_bytes(index).unwrap_or_default()
    }

    /// How many candidates.
    #[must_use]
    pub fn len(&self) -> usize {
        self.list.parts().1.len()
    }

    /// Whether there are no candidates.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first key (in list order) that verifies `blob`, with its mode.
    ///
    /// # Example
    /// See the [module documentation](self).
    #[must_use]
    pub fn audit(&self, blob: &Blob<'_>) -> Option<Finding> {
        self.audit_counting(blob, &AtomicUsize::new(0))
    }

    /// As [`audit`](Self::audit), adding to `progress` the number of candidates tried (for
    /// a progress bar; it advances in steps of a few dozen).
    #[must_use]
    pub fn audit_counting(&self, blob: &Blob<'_>, progress: &AtomicUsize) -> Option<Finding> {
        self.audit_group(core::slice::from_ref(blob), progress)
            .pop()
            .flatten()
    }

    /// Audits several blobs in one pass over the keys: the keys go in blocks of 64, and
    /// each key's MAC states are keyed once and kept while the block is tried on every
    /// reading of every blob (a blocked loop: the pad states are computed once per key for
    /// the whole group, not once per blob, and a blob's messages stay in cache for the
    /// block). One blob whose readings are all HMAC-SHA1 (a value without its URL) has its
    /// keys screened two at a time instead, their compressions overlapped, and only a key
    /// whose MAC matches is checked in full. Gives, for each blob in order, what
    /// [`audit`](Self::audit) would.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::{Auditor, Blob, KeyList};
    /// use machinekey::crypto::encoding::from_base64;
    /// let auditor = Auditor::from_list(KeyList::builtin());
    /// let known = from_base64("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==")?;
    /// let mut tampered = known.clone();
    /// tampered[30] ^= 1;
    /// let blobs = [&known, &tampered].map(|b| Blob::viewstate(b).with_generator(0xEDD8_C9AE));
    /// let found = auditor.audit_many(&blobs);
    /// assert!(found[0].is_some() && found[1].is_none());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn audit_many(&self, blobs: &[Blob<'_>]) -> Vec<Option<Finding>> {
        self.audit_group(blobs, &AtomicUsize::new(0))
    }

    /// As [`audit_many`](Self::audit_many), adding to `progress` the candidates tried (for
    /// a progress bar: once per key, however many blobs).
    #[must_use]
    pub fn audit_group(&self, blobs: &[Blob<'_>], progress: &AtomicUsize) -> Vec<Option<Finding>> {
        if blobs.is_empty() {
            return Vec::new();
        }
        let plans: Vec<Plan> = blobs
            .iter()
            .map(|blob| {
                let mut plan = plan(blob, &self.key_lengths);
                self.attach_caches(&mut plan);
                plan
            })
            .collect();
        // Per blob: the earliest candidate found so far (list order wins), and its hit.
        let earliest: Vec<AtomicUsize> =
            blobs.iter().map(|_| AtomicUsize::new(usize::MAX)).collect();
        let hits: Vec<Mutex<Option<(usize, Hit)>>> =
            blobs.iter().map(|_| Mutex::new(None)).collect();
        let len = self.len();
        // The hit of candidate `index` for blob `b`: kept if no earlier candidate has one.
        let record = |b: usize, index: usize, hit: Hit| {
            let (Some(best), Some(slot)) = (earliest.get(b), hits.get(b)) else {
                return;
            };
            if best.fetch_min(index, Ordering::Relaxed) > index {
                let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
                if slot.as_ref().is_none_or(|(i, _)| *i > index) {
                    *slot = Some((index, hit));
                }
            }
        };
        // One blob with HMAC-SHA1 readings only: its keys screened two at a time.
        let screen = match (blobs, plans.as_slice()) {
            ([blob], [plan]) if plan.isolated_apps.is_empty() && plan.fx45.is_empty() => {
                Sha1Screen::new(blob.kind.bytes(), &plan.legacy)
            }
            _ => None,
        };
        let block = |c: usize| {
            let chunk = c * CHUNK..len.min((c + 1) * CHUNK);
            if let (Some(screen), [blob], [plan], [best]) =
                (&screen, blobs, plans.as_slice(), earliest.as_slice())
            {
                // A block after one with a hit cannot come first.
                if best.load(Ordering::Relaxed) > chunk.start {
                    let first = self.screened(screen, chunk.clone(), |index| {
                        self.check(&blob.kind, plan, index, &self.key_states(index))
                    });
                    if let Some((index, hit)) = first {
                        record(0, index, hit);
                    }
                }
                progress.fetch_add(chunk.len(), Ordering::Relaxed);
                return;
            }
            // A block of keys times the group: each key's states are keyed on first use and
            // kept for every blob; each blob's messages, and the cached per-key states of its
            // purposes and paths, stay in cache while the block's keys are tried on it.
            let states: Vec<KeyStates> = chunk.clone().map(|i| self.key_states(i)).collect();
            for (b, (blob, plan)) in blobs.iter().zip(&plans).enumerate() {
                let Some(best) = earliest.get(b) else {
                    continue;
                };
                for (index, key_states) in chunk.clone().zip(&states) {
                    if best.load(Ordering::Relaxed) < index {
                        break;
                    }
                    if let Some(hit) = self.check(&blob.kind, plan, index, key_states) {
                        record(b, index, hit);
                        // Later keys of the block cannot come first for this blob.
                        break;
                    }
                }
            }
            progress.fetch_add(chunk.len(), Ordering::Relaxed);
        };
        let blocks = 0..len.div_ceil(CHUNK);
        #[cfg(feature = "rayon")]
        blocks.into_par_iter().for_each(block);
        #[cfg(not(feature = "rayon"))]
        blocks.for_each(block);
        hits.into_iter()
            .map(|slot| {
                let (index, hit) = slot.into_inner().unwrap_or_else(PoisonError::into_inner)?;
                self.finding(index, hit)
            })
            .collect()
    }

    /// The first key of `chunk` that `check` finds a hit for, trying only the keys that
    /// pass `screen` (taken two at a time).
    fn screened(
        &self,
        screen: &Sha1Screen<'_>,
        chunk: core::ops::Range<usize>,
        check: impl Fn(usize) -> Option<Hit>,
    ) -> Option<(usize, Hit)> {
        let end = chunk.end;
        for a in chunk.step_by(2) {
            let b = a + 1;
            let key_b = (b < end).then(|| self.keys(b).0);
            let passed = screen.candidates([Some(self.keys(a).0), key_b]);
            for (index, passed) in [(a, passed[0]), (b, passed[1])] {
                if passed {
                    if let Some(hit) = check(index) {
                        return Some((index, hit));
                    }
                }
            }
        }
        None
    }

    fn finding(&self, index: usize, hit: Hit) -> Option<Finding> {
        let key = self.list.key(index)?;
        let header = first_value_type(&hit.payload);
        Some(Finding {
            fingerprints: key.fingerprints(),
            origin: self.list.origin(index),
            key,
            index: self.list.index_base() + index,
            validation: hit.validation,
            decryption: hit.decryption,
            mode: hit.mode,
            app_path: hit.app_path,
            isolate_apps: hit.isolate_apps,
            view_state_user_key: hit.user_key,
            payload: hit.payload,
            header,
        })
    }

    fn check(
        &self,
        kind: &BlobKind<'_>,
        plan: &Plan,
        index: usize,
        states: &KeyStates,
    ) -> Option<Hit> {
        let (vk, dk) = self.keys(index);
        if let Some(hit) = legacy_hit(
            kind,
            (&plan.legacy, &plan.modifiers),
            &states.legacy,
            vk,
            dk,
        ) {
            return Some(hit);
        }
        // IsolateApps variants: key bytes 0-3 become the hash of each possible app path.
        if !plan.legacy.is_empty() {
            for app in &plan.isolated_apps {
                let make = || {
                    Some(Box::new(IsolatedVariant {
                        vk: isolate_apps_variant(vk, app.hash)?,
                        dk: isolate_apps_variant(dk, app.hash)?,
                        states: LegacyStates::default(),
                    }))
                };
                let uncached;
                let variant = match app.cache.as_ref().and_then(|s| s.get(index)) {
                    Some(slot) => slot.get_or_init(make).as_deref(),
                    None => {
                        uncached = make();
                        uncached.as_deref()
                    }
                };
                let Some(v) = variant else {
                    continue;
                };
                if let Some(mut hit) = legacy_hit(
                    kind,
                    (&plan.legacy, &plan.modifiers),
                    &v.states,
                    &v.vk,
                    &v.dk,
                ) {
                    hit.app_path = Some(app.path.clone());
                    hit.isolate_apps = true;
                    return Some(hit);
                }
            }
        }
        if plan.fx45.is_empty() {
            return None;
        }
        let length = states.length?;
        framework45_hit(
            kind.bytes(),
            index,
            (length, dk, || self.kdf(index, vk, states)),
            &plan.purposes,
            &plan.fx45,
        )
    }
}
