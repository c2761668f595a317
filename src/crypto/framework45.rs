//! The Framework45 stack (`System.Web/Security/Cryptography/NetFXCryptoService.cs`): keys derived per [`Purpose`] with SP800-108, then
//! `IV ‖ CBC(K_enc', IV, data) ‖ HMAC(K_val', IV ‖ ciphertext)`; and `MachineKey.Protect`/
//! `Unprotect`, which use it in every compatibility mode.
//!
//! This is the layer below [`AppKeys`](crate::AppKeys), which picks the purposes for each
//! format; use it directly with a [`Purpose`] of your own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};

pub use crate::keys::kdf::sp800_108_hmac_sha512;
pub use crate::keys::purpose::{Purpose, primary};

use crate::config::{KeyAttribute, MachineKeyAttribute};
use crate::config::{MachineKeyConfig, SymmetricAlgorithm, key_rules};
use crate::crypto::cipher::CbcCipher;
use crate::crypto::mac::{HmacHash, KeyedHmac};
use crate::error::{ArgumentError, ConfigError, ConfigErrorKind, Error};
use crate::keys::{DecryptionKey, Framework45Keys, ValidationKey};
use crate::random::{OsRandom, RandomSource};

/// How many per-purpose key sets a [`Framework45Protector`] keeps. Purposes can carry
/// per-user strings (a ViewStateUserKey), so the cache is bounded.
const PURPOSE_CACHE_LIMIT: usize = 256;

/// The Framework45 stack for one pair of master keys.
///
/// Derived keys, HMAC pads and cipher key schedules are computed once per purpose and
/// cached (up to a bound); [`Framework45Protector::for_purpose`] hands out the per-purpose
/// protector for callers that want to hold it themselves.
///
/// # Example
/// ```
/// use machinekey::config::MachineKeyConfig;
/// use machinekey::crypto::framework45::Framework45Protector;
/// let cfg = MachineKeyConfig::builder()
///     .validation_key(&"AB".repeat(64))
///     .decryption_key(&"CD".repeat(32))
///     .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
///     .decryption(machinekey::config::DecryptionAlgorithm::Aes)
///     .build()?;
/// let fx45 = Framework45Protector::from_config(&cfg)?;
/// let blob = fx45.machine_key_protect(b"secret", &["Sessions"])?;
/// assert_eq!(fx45.machine_key_unprotect(&blob, &["Sessions"])?, b"secret");
/// assert!(matches!(fx45.machine_key_unprotect(&blob, &["Other"]), Err(machinekey::Error::Unprotect)));
/// # Ok::<(), machinekey::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Framework45Protector {
    encryption_master: DecryptionKey,
    validation_master: ValidationKey,
    cipher: SymmetricAlgorithm,
    mac: HmacHash,
    rng: Arc<dyn RandomSource>,
    cache: Arc<Mutex<HashMap<Purpose, Arc<PurposeProtector>>>>,
}

impl Framework45Protector {
    /// Builds the stack for `config` with resolved master keys.
    ///
    /// # Errors
    /// A [`ConfigError`]: `Wrong_validation_enum_FX45` for MD5/3DES/AES validation,
    /// `Bad_machine_key` when the encryption key does not suit the cipher (`Auto` is AES
    /// here, so an 8-byte key fails). With `dataProtectorType` this stack still serves
    /// `WebResource.axd`, `ScriptResource.axd` and `__PREVIOUSPAGE`; the other consumers go
    /// through the key ring attached with
    /// [`AppKeys::with_key_ring`](crate::AppKeys::with_key_ring).
    ///
    /// # Example
    /// ```
    /// use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::framework45::Framework45Protector;
    /// use machinekey::keys::{DecryptionKey, Framework45Keys, ValidationKey};
    /// let cfg = MachineKeyConfig::builder().validation(machinekey::config::ValidationAlgorithm::HmacSha512).build()?;
    /// let keys = Framework45Keys {
    ///     validation: ValidationKey::from_bytes(&[0x11; 32]),
    ///     encryption: DecryptionKey::from_bytes(&[0x22; 32]),
    /// };
    /// let _fx45 = Framework45Protector::new(&cfg, &keys)?;
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    pub fn new(config: &MachineKeyConfig, keys: &Framework45Keys) -> Result<Self, ConfigError> {
        let validation = config.validation();
        let mac = HmacHash::for_validation(validation)
            .filter(|_| validation.allowed_in_framework45())
            .ok_or_else(|| {
                ConfigError::new(
                    MachineKeyAttribute::Validation,
                    ConfigErrorKind::ValidationNotSupportedInFramework45 {
                        value: validation.as_str().to_owned(),
                    },
                )
            })?;
        let cipher = config.decryption().framework45_cipher();
        // Derived keys have the master's length, so the master must suit the cipher.
        key_rules::check_symmetric_key(cipher, keys.encryption.expose_secret())
            .map_err(|kind| ConfigError::new(KeyAttribute::DecryptionKey, kind))?;
        if keys.validation.is_empty() {
            return Err(ConfigError::new(
                KeyAttribute::ValidationKey,
                ConfigErrorKind::Empty,
            ));
        }
        Ok(Self {
            encryption_master: keys.encryption.clone(),
            validation_master: keys.validation.clone(),
            cipher,
            mac,
            rng: Arc::new(OsRandom),
            cache: Arc::default(),
        })
    }

    /// Builds the stack for a config with explicit keys ([`Framework45Keys::explicit`]).
    ///
    /// # Errors
    /// As [`Framework45Keys::explicit`] and [`Framework45Protector::new`].
    ///
    /// # Example
    /// ```
    /// use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::framework45::Framework45Protector;
    /// // Hex with ",IsolateApps" is accepted in legacy mode but rejected by Framework45.
    /// let cfg = MachineKeyConfig::builder()
    ///     .validation_key(&format!("{},IsolateApps", "AB".repeat(64)))
    ///     .decryption_key(&"CD".repeat(32))
    ///     .build()?;
    /// assert!(Framework45Protector::from_config(&cfg).is_err());
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    pub fn from_config(config: &MachineKeyConfig) -> Result<Self, ConfigError> {
        Self::new(config, &Framework45Keys::explicit(config)?)
    }

    /// Replaces the random source (IVs), for example to pin bytes in tests.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// # use machinekey::crypto::framework45::Framework45Protector;
    /// use std::sync::Arc;
    /// use machinekey::random::OsRandom;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let _fx45 = Framework45Protector::from_config(&cfg)?.with_random(Arc::new(OsRandom));
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    #[must_use]
    pub fn with_random(mut self, rng: Arc<dyn RandomSource>) -> Self {
        self.rng = rng;
        self.cache = Arc::default();
        self
    }

    /// The protector for one purpose: derives `K_enc'` and `K_val'` and keys the cipher and
    /// HMAC. Cached.
    ///
    /// # Errors
    /// Not in practice: the master keys were checked at construction.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::framework45::{Framework45Protector, Purpose, primary};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let fx45 = Framework45Protector::from_config(&cfg)?;
    /// let forms = fx45.for_purpose(&Purpose::new(primary::FORMS_AUTHENTICATION_TICKET))?;
    /// let blob = forms.protect(b"ticket")?;
    /// assert_eq!(forms.unprotect(&blob)?, b"ticket");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn for_purpose(&self, purpose: &Purpose) -> Result<Arc<PurposeProtector>, Error> {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = cache.get(purpose) {
            return Ok(Arc::clone(found));
        }
        let fresh = Arc::new(self.derive(purpose)?);
        if cache.len() >= PURPOSE_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(purpose.clone(), Arc::clone(&fresh));
        Ok(fresh)
    }

    /// Derives the purpose keys (`K_enc'`, `K_val'`), without the cache.
    ///
    /// # Errors
    /// Not in practice: the master keys were checked at construction.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::framework45::{Framework45Protector, Purpose};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(24)).build()?;
    /// let fx45 = Framework45Protector::from_config(&cfg)?;
    /// let (enc, val) = fx45.derive_keys(&Purpose::new("User.MachineKey.Protect"))?;
    /// assert_eq!((enc.len(), val.len()), (24, 64));
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn derive_keys(&self, purpose: &Purpose) -> Result<(DecryptionKey, ValidationKey), Error> {
        let context = purpose.context();
        let derive = |master: &[u8]| {
            crate::keys::kdf::sp800_108(master, purpose.label(), &context, master.len())
        };
        let enc = derive(self.encryption_master.expose_secret())?;
        let val = derive(self.validation_master.expose_secret())?;
        Ok((
            DecryptionKey::from_bytes(&enc),
            ValidationKey::from_bytes(&val),
        ))
    }

    fn derive(&self, purpose: &Purpose) -> Result<PurposeProtector, Error> {
        let (enc, val) = self.derive_keys(purpose)?;
        let cipher = CbcCipher::new(self.cipher, enc.expose_secret())
            .map_err(|kind| ConfigError::new(KeyAttribute::DecryptionKey, kind))?;
        let mac =
            KeyedHmac::new(self.mac, val.expose_secret()).ok_or(ArgumentError::KeyLength {
                algorithm: "HMAC",
                len: val.len(),
            })?;
        Ok(PurposeProtector {
            cipher,
            mac,
            rng: Arc::clone(&self.rng),
        })
    }

    /// Protects `data` under `purpose` with a random IV.
    ///
    /// # Errors
    /// [`Error::Random`] if the random source fails.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::framework45::{Framework45Protector, Purpose, primary};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let fx45 = Framework45Protector::from_config(&cfg)?;
    /// let p = Purpose::new(primary::ROLE_PRINCIPAL_TICKET);
    /// let blob = fx45.protect(b"roles", &p)?;
    /// assert_eq!(fx45.unprotect(&blob, &p)?, b"roles");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn protect(&self, data: &[u8], purpose: &Purpose) -> Result<Vec<u8>, Error> {
        self.for_purpose(purpose)?.protect(data)
    }

    /// Protects `data` under `purpose` with the IV taken from SHA-256 of the data
    /// (`CryptoServiceOptions.CacheableOutput`, used for `.axd` URLs): deterministic.
    ///
    /// # Errors
    /// Not in practice.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::framework45::{Framework45Protector, Purpose, primary};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let fx45 = Framework45Protector::from_config(&cfg)?;
    /// let p = Purpose::new(primary::WEB_RESOURCE_URL);
    /// assert_eq!(fx45.protect_cacheable(b"s|WebForms.js", &p)?, fx45.protect_cacheable(b"s|WebForms.js", &p)?);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn protect_cacheable(&self, data: &[u8], purpose: &Purpose) -> Result<Vec<u8>, Error> {
        self.for_purpose(purpose)?.protect_cacheable(data)
    }

    /// Unprotects `blob` under `purpose`: verifies the MAC first, then decrypts.
    ///
    /// # Errors
    /// [`Error::Unprotect`] for any failure, including a wrong purpose.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::framework45::{Framework45Protector, Purpose};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let fx45 = Framework45Protector::from_config(&cfg)?;
    /// assert!(fx45.unprotect(&[0; 80], &Purpose::new("x")).is_err());
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    pub fn unprotect(&self, blob: &[u8], purpose: &Purpose) -> Result<Vec<u8>, Error> {
        self.for_purpose(purpose)?.unprotect(blob)
    }

    /// `MachineKey.Protect(data, purposes)`: purpose `User.MachineKey.Protect` with the
    /// caller's strings as specific purposes.
    ///
    /// # Errors
    /// [`ArgumentError::EmptyPurpose`] if a purpose is empty or white space (ASP.NET's
    /// `ArgumentException`); [`Error::Random`] if the random source fails.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::framework45::Framework45Protector;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let fx45 = Framework45Protector::from_config(&cfg)?;
    /// assert!(fx45.machine_key_protect(b"x", &[" "]).is_err());
    /// let none: &[&str] = &[];
    /// let blob = fx45.machine_key_protect(b"x", none)?;
    /// assert_eq!(fx45.machine_key_unprotect(&blob, none)?, b"x");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn machine_key_protect<S: AsRef<str>>(
        &self,
        data: &[u8],
        purposes: &[S],
    ) -> Result<Vec<u8>, Error> {
        self.protect(data, &machine_key_purpose(purposes)?)
    }

    /// `MachineKey.Unprotect(blob, purposes)`.
    ///
    /// # Errors
    /// [`ArgumentError::EmptyPurpose`] for an empty or white-space purpose;
    /// [`Error::Unprotect`] if the data does not verify under these purposes.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::framework45::Framework45Protector;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let fx45 = Framework45Protector::from_config(&cfg)?;
    /// let blob = fx45.machine_key_protect(b"x", &["a", "b"])?;
    /// assert!(fx45.machine_key_unprotect(&blob, &["b", "a"]).is_err()); // order matters
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn machine_key_unprotect<S: AsRef<str>>(
        &self,
        blob: &[u8],
        purposes: &[S],
    ) -> Result<Vec<u8>, Error> {
        self.unprotect(blob, &machine_key_purpose(purposes)?)
    }
}

/// `Purpose("User.MachineKey.Protect", purposes...)` with `MachineKey`'s argument checks.
fn machine_key_purpose<S: AsRef<str>>(purposes: &[S]) -> Result<Purpose, Error> {
    if purposes.iter().any(|p| p.as_ref().trim().is_empty()) {
        return Err(ArgumentError::EmptyPurpose.into());
    }
    Ok(Purpose::new(primary::MACHINE_KEY_PROTECT).with_specifics(purposes))
}

/// The Framework45 protector for one purpose: derived keys, keyed HMAC and cipher.
#[derive(Debug)]
pub struct PurposeProtector {
    cipher: CbcCipher,
    mac: KeyedHmac,
    rng: Arc<dyn RandomSource>,
}

impl PurposeProtector {
    /// `IV ‖ CBC(K_enc', IV, data) ‖ HMAC(K_val', IV ‖ ciphertext)` with a random IV.
    ///
    /// # Errors
    /// [`Error::Random`] if the random source fails.
    ///
    /// # Example
    /// See [`Framework45Protector::for_purpose`].
    pub fn protect(&self, data: &[u8]) -> Result<Vec<u8>, Error> {
        let mut iv = [0u8; 16];
        let iv = iv
            .get_mut(..self.cipher.block_size())
            .ok_or(Error::Random)?;
        self.rng.fill(iv)?;
        self.seal(iv, data)
    }

    /// As [`protect`](Self::protect), with the IV = the first block of SHA-256(data)
    /// (`CreatePredictableIV`).
    ///
    /// # Errors
    /// Not in practice.
    ///
    /// # Example
    /// See [`Framework45Protector::protect_cacheable`].
    pub fn protect_cacheable(&self, data: &[u8]) -> Result<Vec<u8>, Error> {
        let digest = Sha256::digest(data);
        let iv = digest
            .get(..self.cipher.block_size())
            .ok_or(Error::Unprotect)?;
        self.seal(iv, data)
    }

    fn seal(&self, iv: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
        let ciphertext = self.cipher.encrypt(iv, data).ok_or(Error::Unprotect)?;
        let mut out = Vec::with_capacity(iv.len() + ciphertext.len() + self.mac.len());
        out.extend_from_slice(iv);
        out.extend_from_slice(&ciphertext);
        let tag = self.mac.compute(&[&out]);
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Checks the MAC over `IV ‖ ciphertext` in constant time, then decrypts.
    ///
    /// # Errors
    /// [`Error::Unprotect`] for any failure.
    ///
    /// # Example
    /// See [`Framework45Protector::for_purpose`].
    pub fn unprotect(&self, blob: &[u8]) -> Result<Vec<u8>, Error> {
        let iv_len = self.cipher.block_size();
        let signed_len = blob
            .len()
            .checked_sub(self.mac.len())
            .filter(|n| *n > iv_len)
            .ok_or(Error::Unprotect)?;
        let (signed, tag) = blob.split_at_checked(signed_len).ok_or(Error::Unprotect)?;
        if !self.mac.verify(&[signed], tag) {
            return Err(Error::Unprotect);
        }
        open_iv_ciphertext(&self.cipher, signed)
    }
}

/// After the MAC verified: `IV ‖ ciphertext` decrypted with the purpose's cipher (the IV is
/// one block). The one implementation of this step, shared with the known-key audit.
pub(crate) fn open_iv_ciphertext(cipher: &CbcCipher, signed: &[u8]) -> Result<Vec<u8>, Error> {
    let (iv, ciphertext) = signed
        .split_at_checked(cipher.block_size())
        .ok_or(Error::Unprotect)?;
    cipher.decrypt(iv, ciphertext).ok_or(Error::Unprotect)
}
