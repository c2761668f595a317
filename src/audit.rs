//! Known-key audit: which publicly known `<machineKey>` protects a blob, with which
//! algorithms and in which mode.
//!
//! Every candidate key pair is tried against every mode that could have produced the blob:
//! the legacy MAC (the algorithm follows from the tag length), legacy encryption with each
//! cipher, the AES/3DES-as-validation wrap, Framework45 with the purposes of each
//! application level of a URL, IsolateApps variants of each key, and caller-supplied
//! `ViewStateUserKey` candidates. MAC states are keyed once per candidate; a tag is checked
//! before anything is decrypted; candidates are spread over cores with `rayon`.
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
//! assert_eq!(found.validation.name(), "SHA1");
//! # Ok::<(), machinekey::Error>(())
//! ```

mod key_list;

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::Serialize;

pub use key_list::{KeyList, KnownKey};

use crate::config::{FrameworkVersion, SymmetricAlgorithm, ValidationAlgorithm};
use crate::crypto::cipher::CbcCipher;
use crate::crypto::framework45::{Purpose, primary};
use crate::crypto::legacy::mac::LegacyMac;
use crate::crypto::mac::{HmacHash, KeyedHmac};
use crate::formats::Page;
use crate::formats::forms_ticket::FormsAuthenticationTicket;
use crate::formats::osf::{ValueType, first_value_type, is_complete_graph};
use crate::keys::kdf::sp800_108_hmac_sha512;
use crate::keys::string_hash::invariant_ignore_case_hash;

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
    FormsCookie(&'a [u8]),
    Resource(&'a [u8]),
    Protected(&'a [u8], Vec<String>),
}

impl<'a> Blob<'a> {
    /// A decoded `__VIEWSTATE` (or `__EVENTVALIDATION`).
    #[must_use]
    pub fn viewstate(bytes: &'a [u8]) -> Self {
        Self::of(BlobKind::ViewState(bytes))
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

    fn bytes(&self) -> &'a [u8] {
        match &self.kind {
            BlobKind::ViewState(b)
            | BlobKind::FormsCookie(b)
            | BlobKind::Resource(b)
            | BlobKind::Protected(b, _) => b,
        }
    }

    fn of(kind: BlobKind<'a>) -> Self {
        Self {
            kind,
            generator: None,
            url: None,
            user_keys: Vec::new(),
        }
    }

    /// The `__VIEWSTATEGENERATOR` of the page (legacy ViewState).
    #[must_use]
    pub fn with_generator(mut self, generator: u32) -> Self {
        self.generator = Some(generator);
        self
    }

    /// The page URL: gives the generator and Framework45 purposes for every possible
    /// application path, and the IsolateApps variants.
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

/// A verified match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The key pair, as listed.
    pub key: KnownKey,
    /// Its position in the list.
    pub index: usize,
    /// The validation algorithm.
    pub validation: ValidationAlgorithm,
    /// The cipher, when the blob was encrypted.
    pub decryption: Option<SymmetricAlgorithm>,
    /// The mode.
    pub mode: Mode,
    /// The application path, for IsolateApps variants and Framework45 page purposes.
    pub app_path: Option<String>,
    /// Whether the key matched only after the IsolateApps change for `app_path`.
    pub isolate_apps: bool,
    /// The `ViewStateUserKey` that matched, if one was needed.
    pub view_state_user_key: Option<String>,
    /// The verified (and decrypted) payload.
    pub payload: Vec<u8>,
    /// The type of the first `ObjectStateFormatter` value, if the payload is one.
    pub header: Option<ValueType>,
}

impl Serialize for ValidationAlgorithm {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl Serialize for SymmetricAlgorithm {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl Serialize for ValueType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The legacy MAC algorithms by ascending tag length (MD5 on 4.x is 16 bytes).
const LEGACY_MACS: [ValidationAlgorithm; 5] = [
    ValidationAlgorithm::Md5,
    ValidationAlgorithm::Sha1,
    ValidationAlgorithm::HmacSha256,
    ValidationAlgorithm::HmacSha384,
    ValidationAlgorithm::HmacSha512,
];

const FX45_MACS: [(ValidationAlgorithm, HmacHash); 4] = [
    (ValidationAlgorithm::Sha1, HmacHash::Sha1),
    (ValidationAlgorithm::HmacSha256, HmacHash::Sha256),
    (ValidationAlgorithm::HmacSha384, HmacHash::Sha384),
    (ValidationAlgorithm::HmacSha512, HmacHash::Sha512),
];

/// One candidate with its MAC states keyed once.
struct Candidate {
    index: usize,
    vk: Vec<u8>,
    dk: Vec<u8>,
    macs: Vec<(ValidationAlgorithm, LegacyMac)>,
}

fn legacy_macs(vk: &[u8]) -> Vec<(ValidationAlgorithm, LegacyMac)> {
    LEGACY_MACS
        .iter()
        .filter_map(|a| {
            LegacyMac::new(*a, FrameworkVersion::V4, vk)
                .ok()
                .map(|m| (*a, m))
        })
        .collect()
}

/// The ciphers a decryption key can drive: AES, TripleDES, and DES on its first 8 bytes.
fn ciphers(dk: &[u8]) -> Vec<(SymmetricAlgorithm, CbcCipher)> {
    let mut out = Vec::new();
    if let Ok(c) = CbcCipher::new(SymmetricAlgorithm::Aes, dk) {
        out.push((SymmetricAlgorithm::Aes, c));
    }
    if let Ok(c) = CbcCipher::new(SymmetricAlgorithm::TripleDes, dk) {
        out.push((SymmetricAlgorithm::TripleDes, c));
    }
    if let Some(c) = dk
        .get(..8)
        .and_then(|k| CbcCipher::new(SymmetricAlgorithm::Des, k).ok())
    {
        out.push((SymmetricAlgorithm::Des, c));
    }
    out
}

/// A legacy modifier to try, with what it stands for.
struct Modifier {
    bytes: Vec<u8>,
    user_key: Option<String>,
}

/// A Framework45 purpose to try, with what it stands for.
struct PurposeCase {
    purpose: Purpose,
    app_path: Option<String>,
    user_key: Option<String>,
}

/// What is derived from the blob's context once, before the candidates are tried.
struct Plan {
    /// MAC lengths a MAC-only reading can have (the data before the tag must be a whole
    /// `ObjectStateFormatter` graph for a ViewState).
    signed_macs: Vec<usize>,
    /// MAC lengths an encrypted reading can have (the ciphertext is whole 8-byte blocks).
    encrypted_macs: Vec<usize>,
    modifiers: Vec<Modifier>,
    purposes: Vec<PurposeCase>,
    app_paths: Vec<String>,
}

/// Every application path a URL's page could belong to: `/`, `/a`, `/a/b`, ...
fn app_levels(url: &str) -> Vec<String> {
    let path = crate::formats::request_path(url);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let dirs = segments.len().saturating_sub(1);
    let mut out = vec!["/".to_owned()];
    for n in 1..=dirs {
        out.push(format!(
            "/{}",
            segments.get(..n).unwrap_or_default().join("/")
        ));
    }
    out
}

fn user_keys(blob: &Blob<'_>) -> Vec<Option<String>> {
    std::iter::once(None)
        .chain(blob.user_keys.iter().cloned().map(Some))
        .collect()
}

fn plan(blob: &Blob<'_>) -> Plan {
    let mut pages: Vec<(Page, Option<String>)> = Vec::new();
    let mut app_paths = Vec::new();
    if let Some(url) = blob.url {
        for app in app_levels(url) {
            if let Ok(page) = Page::from_path(url, &app) {
                pages.push((page, Some(app.clone())));
            }
            app_paths.push(app);
        }
    }
    let mut generators: Vec<u32> = blob.generator.into_iter().collect();
    for (page, _) in &pages {
        if let Ok(g) = page.generator(false) {
            if !generators.contains(&g) {
                generators.push(g);
            }
        }
    }
    let mut modifiers = Vec::new();
    for user_key in user_keys(blob) {
        let suffix: Vec<u8> = user_key
            .as_deref()
            .unwrap_or_default()
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        for g in &generators {
            let mut bytes = g.to_le_bytes().to_vec();
            bytes.extend_from_slice(&suffix);
            modifiers.push(Modifier {
                bytes,
                user_key: user_key.clone(),
            });
        }
        if generators.is_empty() {
            // No page identity (a mobile page's Hashtable root, or an unknown page).
            modifiers.push(Modifier {
                bytes: suffix,
                user_key: user_key.clone(),
            });
        }
    }
    let mut purposes = Vec::new();
    match &blob.kind {
        BlobKind::ViewState(_) => {
            for user_key in user_keys(blob) {
                for (page, app) in &pages {
                    let page = match &user_key {
                        Some(k) => page.clone().with_view_state_user_key(k),
                        None => page.clone(),
                    };
                    if let Ok(specific) = page.purposes() {
                        for primary in [primary::VIEWSTATE, primary::EVENT_VALIDATION] {
                            purposes.push(PurposeCase {
                                purpose: Purpose::new(primary).with_specifics(&specific),
                                app_path: app.clone(),
                                user_key: user_key.clone(),
                            });
                        }
                    }
                }
            }
        }
        BlobKind::FormsCookie(_) => purposes.push(simple(primary::FORMS_AUTHENTICATION_TICKET)),
        BlobKind::Resource(_) => {
            for p in [
                primary::WEB_RESOURCE_URL,
                primary::SCRIPT_RESOURCE_URL,
                primary::PREVIOUS_PAGE_ID,
            ] {
                purposes.push(simple(p));
            }
        }
        BlobKind::Protected(_, specific) => purposes.push(PurposeCase {
            purpose: Purpose::new(primary::MACHINE_KEY_PROTECT).with_specifics(specific),
            app_path: None,
            user_key: None,
        }),
    }
    let bytes = blob.bytes();
    let lengths = [16usize, 20, 32, 48, 64];
    let encrypted_macs = lengths
        .iter()
        .copied()
        .filter(|m| {
            bytes
                .len()
                .checked_sub(*m)
                .is_some_and(|n| n > 0 && n % 8 == 0)
        })
        .collect();
    let signed_macs = match &blob.kind {
        BlobKind::ViewState(_) => {
            let data = |m: usize| bytes.len().checked_sub(m).and_then(|n| bytes.get(..n));
            let complete: Vec<usize> = lengths
                .iter()
                .copied()
                .filter(|m| data(*m).is_some_and(is_complete_graph))
                .collect();
            if complete.is_empty() {
                // A graph this reader cannot walk (event validation, say): fall back to the header.
                lengths
                    .iter()
                    .copied()
                    .filter(|m| data(*m).is_some_and(|d| d.starts_with(&[0xFF, 0x01])))
                    .collect()
            } else {
                complete
            }
        }
        _ => lengths.to_vec(),
    };
    Plan {
        signed_macs,
        encrypted_macs,
        modifiers,
        purposes,
        app_paths,
    }
}

fn simple(primary: &str) -> PurposeCase {
    PurposeCase {
        purpose: Purpose::new(primary),
        app_path: None,
        user_key: None,
    }
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

/// Checks the legacy forms of `bytes` under one (possibly isolated) key variant.
fn legacy_hit(
    kind: &BlobKind<'_>,
    macs: &[(ValidationAlgorithm, LegacyMac)],
    dk: &[u8],
    plan: &Plan,
) -> Option<Hit> {
    let modifiers = plan.modifiers.as_slice();
    let bytes = match kind {
        BlobKind::ViewState(b) | BlobKind::FormsCookie(b) | BlobKind::Resource(b) => *b,
        BlobKind::Protected(..) => return None,
    };
    let hit = |validation, decryption, mode, user_key: &Option<String>, payload: &[u8]| Hit {
        validation,
        decryption,
        mode,
        app_path: None,
        isolate_apps: false,
        user_key: user_key.clone(),
        payload: payload.to_vec(),
    };
    let no_modifier = [Modifier {
        bytes: Vec::new(),
        user_key: None,
    }];
    let modifiers = match kind {
        BlobKind::ViewState(_) => modifiers,
        _ => &no_modifier[..],
    };
    for (alg, mac) in macs {
        let Some(split) = bytes.len().checked_sub(mac.len()).filter(|n| *n > 0) else {
            continue;
        };
        let Some((data, tag)) = bytes.split_at_checked(split) else {
            continue;
        };
        // MAC only (ViewState with modifier; forms ticket "Validation" without). With an
        // empty modifier an encrypted blob `C ‖ MAC(C)` verifies this way too, so that case
        // only stands if the encrypted reading does not.
        let mut signed_fallback = None;
        let may_be_signed = plan.signed_macs.contains(&mac.len());
        for m in modifiers.iter().filter(|_| may_be_signed) {
            if matches!(kind, BlobKind::Resource(_)) || !mac.verify(data, &m.bytes, tag) {
                continue;
            }
            let ok = match kind {
                BlobKind::FormsCookie(_) => FormsAuthenticationTicket::deserialize(data).is_ok(),
                _ => true,
            };
            if ok && !m.bytes.is_empty() {
                return Some(hit(*alg, None, Mode::LegacySigned, &m.user_key, data));
            }
            if ok && signed_fallback.is_none() {
                signed_fallback = Some(hit(*alg, None, Mode::LegacySigned, &m.user_key, data));
            }
        }
        // Encrypted: the outer MAC covers the ciphertext only.
        if !plan.encrypted_macs.contains(&mac.len()) || !mac.verify(data, &[], tag) {
            if signed_fallback.is_some() {
                return signed_fallback;
            }
            continue;
        }
        for (cipher_alg, cipher) in ciphers(dk) {
            let zero = [0u8; 16];
            let Some(plain) = zero
                .get(..cipher.block_size())
                .and_then(|iv| cipher.decrypt(iv, data))
            else {
                continue;
            };
            let Some(rest) = plain.get(cipher.key_size()..) else {
                continue;
            };
            for m in modifiers {
                let Some(payload) = rest.strip_suffix(m.bytes.as_slice()) else {
                    continue;
                };
                match kind {
                    BlobKind::FormsCookie(_) => {
                        let ticket = payload
                            .len()
                            .checked_sub(mac.len())
                            .filter(|n| *n > 0)
                            .and_then(|n| payload.split_at_checked(n));
                        if let Some((t, inner)) = ticket {
                            if mac.verify(t, &[], inner)
                                && FormsAuthenticationTicket::deserialize(t).is_ok()
                            {
                                return Some(hit(
                                    *alg,
                                    Some(cipher_alg),
                                    Mode::LegacyEncrypted,
                                    &None,
                                    t,
                                ));
                            }
                        }
                        if FormsAuthenticationTicket::deserialize(payload).is_ok() {
                            return Some(hit(
                                *alg,
                                Some(cipher_alg),
                                Mode::LegacyEncrypted,
                                &None,
                                payload,
                            ));
                        }
                    }
                    BlobKind::ViewState(_) => {
                        // AES/3DES validation: the payload is data ‖ HMAC-SHA1(data ‖ modifier).
                        if *alg == ValidationAlgorithm::Sha1 {
                            if let Some((d, inner)) = payload
                                .len()
                                .checked_sub(20)
                                .and_then(|n| payload.split_at_checked(n))
                            {
                                if mac.verify(d, &m.bytes, inner) {
                                    let wrap = if cipher_alg == SymmetricAlgorithm::Aes {
                                        ValidationAlgorithm::Aes
                                    } else {
                                        ValidationAlgorithm::TripleDes
                                    };
                                    return Some(hit(
                                        wrap,
                                        Some(cipher_alg),
                                        Mode::LegacyValidationWrap,
                                        &m.user_key,
                                        d,
                                    ));
                                }
                            }
                        }
                        return Some(hit(
                            *alg,
                            Some(cipher_alg),
                            Mode::LegacyEncrypted,
                            &m.user_key,
                            payload,
                        ));
                    }
                    _ => {
                        return Some(hit(
                            *alg,
                            Some(cipher_alg),
                            Mode::LegacyEncrypted,
                            &None,
                            payload,
                        ));
                    }
                }
            }
        }
        if signed_fallback.is_some() {
            return signed_fallback;
        }
    }
    None
}

/// Checks the Framework45 form of `bytes` under every purpose of the plan.
fn framework45_hit(bytes: &[u8], c: &Candidate, purposes: &[PurposeCase]) -> Option<Hit> {
    for case in purposes {
        let context = case.purpose.context();
        let mut val_key = None;
        for (alg, hash) in FX45_MACS {
            let mac_len = match hash {
                HmacHash::Sha1 => 20,
                HmacHash::Sha256 => 32,
                HmacHash::Sha384 => 48,
                HmacHash::Sha512 => 64,
            };
            // IV plus at least one block, all whole 8-byte blocks.
            let Some(body) = bytes
                .len()
                .checked_sub(mac_len)
                .filter(|n| *n >= 16 && n % 8 == 0)
            else {
                continue;
            };
            let derived = match &val_key {
                Some(k) => k,
                None => val_key.insert(
                    sp800_108_hmac_sha512(&c.vk, case.purpose.label(), &context, c.vk.len())
                        .ok()?,
                ),
            };
            let keyed = KeyedHmac::new(hash, derived)?;
            let (signed, tag) = bytes.split_at_checked(body)?;
            if !keyed.verify(&[signed], tag) {
                continue;
            }
            let enc =
                sp800_108_hmac_sha512(&c.dk, case.purpose.label(), &context, c.dk.len()).ok()?;
            for (cipher_alg, cipher) in ciphers(&enc)
                .into_iter()
                .filter(|(a, _)| *a != SymmetricAlgorithm::Des || enc.len() == 8)
            {
                let (iv, ct) = signed.split_at_checked(cipher.block_size())?;
                if let Some(payload) = cipher.decrypt(iv, ct) {
                    return Some(Hit {
                        validation: alg,
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

/// Audits blobs against a list of known keys.
pub struct Auditor {
    keys: Vec<KnownKey>,
    candidates: Vec<Candidate>,
}

impl core::fmt::Debug for Auditor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Auditor")
            .field("candidates", &self.candidates.len())
            .finish()
    }
}

impl Auditor {
    /// Prepares every key pair of `list`: decodes it and keys its MAC states once.
    ///
    /// # Example
    /// See the [module documentation](self).
    #[must_use]
    pub fn new(list: &KeyList) -> Self {
        let keys = list.pairs().to_vec();
        let candidates = keys
            .par_iter()
            .enumerate()
            .filter_map(|(index, k)| {
                let vk = hex::decode(&k.validation_key).ok()?;
                let dk = hex::decode(&k.decryption_key).ok()?;
                Some(Candidate {
                    index,
                    macs: legacy_macs(&vk),
                    vk,
                    dk,
                })
            })
            .collect();
        Self { keys, candidates }
    }

    /// How many candidates.
    #[must_use]
    pub fn len(&self) -> usize {
        self.candidates.len()
    }

    /// Whether there are no candidates.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }

    /// The first key (in list order) that verifies `blob`, with its mode.
    ///
    /// # Example
    /// See the [module documentation](self).
    #[must_use]
    pub fn audit(&self, blob: &Blob<'_>) -> Option<Finding> {
        self.audit_counting(blob, &AtomicUsize::new(0))
    }

    /// As [`audit`](Self::audit), adding one to `progress` per candidate tried (for a
    /// progress bar).
    #[must_use]
    pub fn audit_counting(&self, blob: &Blob<'_>, progress: &AtomicUsize) -> Option<Finding> {
        let plan = plan(blob);
        self.candidates.par_iter().find_map_first(|c| {
            let hit = self.check(blob, &plan, c);
            progress.fetch_add(1, Ordering::Relaxed);
            let hit = hit?;
            let key = self.keys.get(c.index)?.clone();
            let header = first_value_type(&hit.payload);
            Some(Finding {
                key,
                index: c.index,
                validation: hit.validation,
                decryption: hit.decryption,
                mode: hit.mode,
                app_path: hit.app_path,
                isolate_apps: hit.isolate_apps,
                view_state_user_key: hit.user_key,
                payload: hit.payload,
                header,
            })
        })
    }

    fn check(&self, blob: &Blob<'_>, plan: &Plan, c: &Candidate) -> Option<Hit> {
        if let Some(hit) = legacy_hit(&blob.kind, &c.macs, &c.dk, plan) {
            return Some(hit);
        }
        // IsolateApps variants: key bytes 0-3 become the hash of each possible app path.
        for app in &plan.app_paths {
            let Ok(h) = invariant_ignore_case_hash(app) else {
                continue;
            };
            let isolate = |k: &[u8]| {
                let mut k = k.to_vec();
                if let Some(slot) = k.get_mut(..4) {
                    slot.copy_from_slice(&h.to_le_bytes());
                }
                k
            };
            let (vk, dk) = (isolate(&c.vk), isolate(&c.dk));
            if let Some(mut hit) = legacy_hit(&blob.kind, &legacy_macs(&vk), &dk, plan) {
                hit.app_path = Some(app.clone());
                hit.isolate_apps = true;
                return Some(hit);
            }
        }
        let bytes = match &blob.kind {
            BlobKind::ViewState(b)
            | BlobKind::FormsCookie(b)
            | BlobKind::Resource(b)
            | BlobKind::Protected(b, _) => *b,
        };
        framework45_hit(bytes, c, &plan.purposes)
    }
}
