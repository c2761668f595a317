//! The legacy stack: `Framework20SP1`/`Framework20SP2` (`MachineKeySection.EncryptOrDecryptData`), and
//! `MachineKey.Encode`/`Decode`, which use it in every mode.
//!
//! This is the layer below [`AppKeys`](crate::AppKeys), which picks this stack, the
//! modifiers and the protection for each format; use it directly for raw bytes.
//!
//! Wire formats with default settings (`MachineKeySection.EncryptOrDecryptData`), where `CBC0` is CBC with an all-zero IV
//! and PKCS7, `R` a prefix **as long as the cipher key** (not the block; an ASP.NET quirk)
//! and `MAC` the legacy MAC:
//!
//! | operation | bytes |
//! |---|---|
//! | [`sign`](LegacyProtector::sign) (ViewState MAC) | `data ‖ MAC(data ‖ modifier)` |
//! | [`append_mac`](LegacyProtector::append_mac) (forms ticket, cookie "Validation") | `data ‖ MAC(data)` |
//! | [`encrypt`](LegacyProtector::encrypt) | `C ‖ MAC(C)`, `C = CBC0(R ‖ data ‖ modifier)` |
//!
//! With `validation="AES"` or `"3DES"`, [`sign`](LegacyProtector::sign) wraps its output in
//! a second encryption with the validation cipher keyed by the decryption key (`MachineKeySection.GetEncodedData`;
//! UNVERIFIED in source terms, but reproduced on the public vectors).

pub(crate) mod mac;

use std::sync::Arc;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use self::mac::{ChainHash, LegacyMac};
use crate::config::{CompatibilityMode, KeyAttribute, MachineKeyConfig, key_rules};
use crate::crypto::cipher::CbcCipher;
use crate::crypto::encoding::{from_hex, to_upper_hex};
use crate::error::{ConfigError, Encoding, Error};
use crate::keys::LegacyKeys;
use crate::names::names;
use crate::random::{OsRandom, RandomSource};

/// How the legacy encryption prefix `R` is made (`IVType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IvType {
    /// Random bytes (the default of `EncryptOrDecryptData`).
    Random,
    /// A hash chain of the data, giving deterministic output (`Page.EncryptString`: `.axd`
    /// URLs and `__PREVIOUSPAGE`).
    Hash,
    /// No prefix, unless signing forces a random one (`signData` always creates it).
    None,
}

names!(IvType, "The name of .NET's `IVType`.", {
    Random => "Random",
    Hash => "Hash",
    None => "None",
});

/// `MachineKeyProtection`, the `protection` argument of `MachineKey.Encode`/`Decode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MachineKeyProtection {
    /// Sign, then encrypt (`All` = 0).
    All,
    /// Encrypt only (`Encryption` = 1; with default settings the ciphertext is still MACed).
    Encryption,
    /// Sign only (`Validation` = 2).
    Validation,
}

names!(MachineKeyProtection, "The name of .NET's `MachineKeyProtection`.", {
    All => "All",
    Encryption => "Encryption",
    Validation => "Validation",
});

impl MachineKeyProtection {
    fn signs(self) -> bool {
        matches!(self, Self::All | Self::Validation)
    }

    fn encrypts(self) -> bool {
        matches!(self, Self::All | Self::Encryption)
    }
}

/// The legacy protection stack for one set of keys, with its MAC pads and cipher key
/// schedules computed once.
///
/// # Example
/// ```
/// use machinekey::config::MachineKeyConfig;
/// use machinekey::crypto::legacy::{IvType, LegacyProtector};
/// let cfg = MachineKeyConfig::builder()
///     .validation_key(&"AB".repeat(64))
///     .decryption_key(&"CD".repeat(32))
///     .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
///     .decryption(machinekey::config::DecryptionAlgorithm::Aes)
///     .build()?;
/// let legacy = LegacyProtector::from_config(&cfg)?;
/// let modifier = [0x34, 0x03, 0x0B, 0xCA]; // a ViewState generator, little-endian
/// let signed = legacy.sign(b"\xff\x01payload", Some(&modifier))?;
/// assert_eq!(legacy.verify(&signed, Some(&modifier))?, b"\xff\x01payload");
/// let sealed = legacy.encrypt(b"secret", None, IvType::Random)?;
/// assert_eq!(legacy.decrypt(&sealed, None, IvType::Random)?, b"secret");
/// assert!(matches!(legacy.decrypt(&sealed[1..], None, IvType::Random), Err(machinekey::Error::Unprotect)));
/// # Ok::<(), machinekey::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LegacyProtector {
    mac: LegacyMac,
    cipher: CbcCipher,
    validation_cipher: Option<CbcCipher>,
    chain_hash: ChainHash,
    mode: CompatibilityMode,
    sign_data: bool,
    encode_sign_data: bool,
    rng: Arc<dyn RandomSource>,
}

impl LegacyProtector {
    /// Builds the legacy stack for `config` with resolved `keys`.
    ///
    /// # Errors
    /// A [`ConfigError`] if a key does not suit its algorithm (`Bad_machine_key`), or the
    /// validation key is longer than the HMAC block.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::legacy::LegacyProtector;
    /// use machinekey::keys::{DecryptionKey, LegacyKeys, ValidationKey};
    /// let cfg = MachineKeyConfig::builder().validation(machinekey::config::ValidationAlgorithm::Sha1).decryption(machinekey::config::DecryptionAlgorithm::TripleDes).build()?;
    /// let keys = LegacyKeys {
    ///     validation: ValidationKey::from_bytes(&[0x11; 64]),
    ///     decryption: DecryptionKey::from_bytes(&[0x13, 0x34, 0x57, 0x79, 0x9B, 0xBC, 0xDF, 0xF1,
    ///                                             0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x01]),
    /// };
    /// let legacy = LegacyProtector::new(&cfg, &keys)?;
    /// assert_eq!(legacy.mac_len(), 20);
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    pub fn new(config: &MachineKeyConfig, keys: &LegacyKeys) -> Result<Self, ConfigError> {
        let runtime = config.runtime();
        let framework = runtime.framework;
        let validation = config.validation();
        let in_vk = |kind| ConfigError::new(KeyAttribute::ValidationKey, kind);
        let in_dk = |kind| ConfigError::new(KeyAttribute::DecryptionKey, kind);
        let mac = LegacyMac::new(validation, framework, keys.validation.expose_secret())
            .map_err(in_vk)?;
        let dk = keys.decryption.expose_secret();
        let (algorithm, key) =
            key_rules::legacy_cipher_key(config.decryption(), framework, dk).map_err(in_dk)?;
        let cipher = CbcCipher::new(algorithm, key).map_err(in_dk)?;
        let validation_cipher = match validation.validation_cipher() {
            None => None,
            Some(wrap) => {
                let (algorithm, key) =
                    key_rules::legacy_validation_cipher_key(wrap, dk).map_err(in_dk)?;
                Some(CbcCipher::new(algorithm, key).map_err(in_dk)?)
            }
        };
        Ok(Self {
            mac,
            cipher,
            validation_cipher,
            chain_hash: ChainHash::for_config(validation, framework),
            mode: config.compatibility_mode(),
            sign_data: !runtime.use_legacy_encryption,
            encode_sign_data: !runtime.use_legacy_machine_key_encryption,
            rng: Arc::new(OsRandom),
        })
    }

    /// Builds the legacy stack for a config with explicit keys
    /// ([`LegacyKeys::explicit`]).
    ///
    /// # Errors
    /// As [`LegacyKeys::explicit`] and [`LegacyProtector::new`].
    ///
    /// # Example
    /// ```
    /// use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::legacy::LegacyProtector;
    /// // AutoGenerate keys need the key store, not modelled by this call.
    /// assert!(LegacyProtector::from_config(&MachineKeyConfig::default()).is_err());
    /// ```
    pub fn from_config(config: &MachineKeyConfig) -> Result<Self, ConfigError> {
        Self::new(config, &LegacyKeys::explicit(config)?)
    }

    /// Replaces the random source (prefixes `R`), for example to pin bytes in tests.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// # use machinekey::crypto::legacy::LegacyProtector;
    /// use std::sync::Arc;
    /// use machinekey::random::OsRandom;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let _legacy = LegacyProtector::from_config(&cfg)?.with_random(Arc::new(OsRandom));
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    #[must_use]
    pub fn with_random(mut self, rng: Arc<dyn RandomSource>) -> Self {
        self.rng = rng;
        self
    }

    /// The random source (shared with the formats that need random padding).
    pub(crate) fn random(&self) -> &dyn RandomSource {
        self.rng.as_ref()
    }

    /// The MAC length in bytes (`_HashSize`).
    #[must_use]
    pub fn mac_len(&self) -> usize {
        self.mac.len()
    }

    /// The length of the encryption prefix `R`: the cipher's key size in bytes.
    #[must_use]
    pub fn prefix_len(&self) -> usize {
        self.cipher.key_size()
    }

    /// `HashData(data, modifier)`: the legacy MAC of `data ‖ modifier` (with the MD5 quirks
    /// of `MachineKeySection.HashData`).
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// # use machinekey::crypto::legacy::LegacyProtector;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).validation(machinekey::config::ValidationAlgorithm::Sha1).build()?;
    /// let legacy = LegacyProtector::from_config(&cfg)?;
    /// assert_eq!(legacy.mac(b"data", None).len(), 20);
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    #[must_use]
    pub fn mac(&self, data: &[u8], modifier: Option<&[u8]>) -> Vec<u8> {
        self.mac.compute(data, modifier.unwrap_or_default())
    }

    /// `GetEncodedData`: `data ‖ MAC(data ‖ modifier)`, wrapped in a second encryption for
    /// `AES`/`3DES` validation (`MachineKeySection.GetEncodedData`). This is the ViewState "MAC only" form.
    ///
    /// # Errors
    /// [`Error::Random`] if the wrap needs random bytes and the source fails.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// # use machinekey::crypto::legacy::LegacyProtector;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).validation(machinekey::config::ValidationAlgorithm::Sha1).build()?;
    /// let legacy = LegacyProtector::from_config(&cfg)?;
    /// let signed = legacy.sign(b"data", Some(b"\x01\x02\x03\x04"))?;
    /// assert_eq!(&signed[..4], b"data");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn sign(&self, data: &[u8], modifier: Option<&[u8]>) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(data.len() + self.mac.len());
        out.extend_from_slice(data);
        out.extend_from_slice(&self.mac(data, modifier));
        match &self.validation_cipher {
            None => Ok(out),
            Some(wrap) => self.encrypt_with(wrap, &out, modifier, IvType::Random, self.sign_data),
        }
    }

    /// `GetDecodedData`: checks a [`sign`](Self::sign) output and returns the data.
    ///
    /// # Errors
    /// [`Error::Unprotect`] for any failure.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// # use machinekey::crypto::legacy::LegacyProtector;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let legacy = LegacyProtector::from_config(&cfg)?;
    /// let mut signed = legacy.sign(b"data", None)?;
    /// signed[0] ^= 1;
    /// assert!(matches!(legacy.verify(&signed, None), Err(machinekey::Error::Unprotect)));
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn verify(&self, blob: &[u8], modifier: Option<&[u8]>) -> Result<Vec<u8>, Error> {
        let unwrapped;
        let blob = match &self.validation_cipher {
            None => blob,
            Some(wrap) => {
                unwrapped =
                    self.decrypt_with(wrap, blob, modifier, IvType::Random, self.sign_data)?;
                unwrapped.as_slice()
            }
        };
        self.mac
            .open_signed(blob, modifier.unwrap_or_default())
            .map(<[u8]>::to_vec)
    }

    /// `data ‖ MAC(data)` with no modifier and no wrap: the inner MAC of forms tickets,
    /// cookies and `MachineKey.Encode`.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// # use machinekey::crypto::legacy::LegacyProtector;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let legacy = LegacyProtector::from_config(&cfg)?;
    /// let blob = legacy.append_mac(b"ticket");
    /// assert_eq!(legacy.strip_mac(&blob)?, b"ticket");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn append_mac(&self, data: &[u8]) -> Vec<u8> {
        let mut out = data.to_vec();
        out.extend_from_slice(&self.mac.compute(data, &[]));
        out
    }

    /// `GetUnHashedData`/`VerifyHashedData`: checks `data ‖ MAC(data)` (at least one byte
    /// of data) and returns the data.
    ///
    /// # Errors
    /// [`Error::Unprotect`] for any failure.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// # use machinekey::crypto::legacy::LegacyProtector;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let legacy = LegacyProtector::from_config(&cfg)?;
    /// assert!(legacy.strip_mac(&[0; 32]).is_err());
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    pub fn strip_mac(&self, blob: &[u8]) -> Result<Vec<u8>, Error> {
        self.mac.open_hashed(blob).map(<[u8]>::to_vec)
    }

    /// `EncryptOrDecryptData(true, ...)` with the decryption cipher: `C ‖ MAC(C)` where
    /// `C = CBC0(R ‖ data ‖ modifier)` (`MachineKeySection.EncryptOrDecryptData`). With `aspnet:UseLegacyEncryption` the
    /// MAC is left off, and in Framework20SP1 so is a random `R`.
    ///
    /// # Errors
    /// [`Error::Random`] if the random source fails.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::legacy::{IvType, LegacyProtector};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let legacy = LegacyProtector::from_config(&cfg)?;
    /// // Hash prefixes make the output deterministic (.axd URLs).
    /// let a = legacy.encrypt(b"s|WebForms.js", None, IvType::Hash)?;
    /// assert_eq!(a, legacy.encrypt(b"s|WebForms.js", None, IvType::Hash)?);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn encrypt(
        &self,
        data: &[u8],
        modifier: Option<&[u8]>,
        iv: IvType,
    ) -> Result<Vec<u8>, Error> {
        self.encrypt_with(&self.cipher, data, modifier, iv, self.sign_data)
    }

    /// `EncryptOrDecryptData(false, ...)` with the decryption cipher: verifies the MAC
    /// (constant time) before it decrypts, strips `R` and checks and strips the modifier.
    ///
    /// # Errors
    /// [`Error::Unprotect`] for any failure.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::legacy::{IvType, LegacyProtector};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let legacy = LegacyProtector::from_config(&cfg)?;
    /// let blob = legacy.encrypt(b"data", Some(b"mod"), IvType::Random)?;
    /// assert_eq!(legacy.decrypt(&blob, Some(b"mod"), IvType::Random)?, b"data");
    /// assert!(legacy.decrypt(&blob, Some(b"mud"), IvType::Random).is_err());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn decrypt(
        &self,
        blob: &[u8],
        modifier: Option<&[u8]>,
        iv: IvType,
    ) -> Result<Vec<u8>, Error> {
        self.decrypt_with(&self.cipher, blob, modifier, iv, self.sign_data)
    }

    /// `MachineKey.Encode(data, protection)`: upper-case hex (`MachineKey.Encode`).
    ///
    /// # Errors
    /// [`Error::Random`] if the random source fails.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::legacy::{LegacyProtector, MachineKeyProtection};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let legacy = LegacyProtector::from_config(&cfg)?;
    /// let text = legacy.encode(b"hello", MachineKeyProtection::All)?;
    /// assert_eq!(legacy.decode(&text.to_lowercase(), MachineKeyProtection::All)?, b"hello");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn encode(&self, data: &[u8], protection: MachineKeyProtection) -> Result<String, Error> {
        let mut blob = Zeroizing::new(data.to_vec());
        if protection.signs() {
            blob = Zeroizing::new(self.append_mac(data));
        }
        if protection.encrypts() {
            let sealed = self.encrypt_with(
                &self.cipher,
                &blob,
                None,
                IvType::Random,
                self.encode_sign_data,
            )?;
            return Ok(to_upper_hex(&sealed));
        }
        Ok(to_upper_hex(&blob))
    }

    /// `MachineKey.Decode(text, protection)`: hex of either case.
    ///
    /// As in ASP.NET, signed (`All`, `Validation`) empty data does not decode: the MAC
    /// check needs at least one byte of data (`MachineKeySection.VerifyHashedData`).
    ///
    /// # Errors
    /// [`Error::Malformed`] for empty, odd-length or non-hex text (ASP.NET's
    /// `ArgumentException`); [`Error::Unprotect`] when the data does not verify (ASP.NET
    /// returns `null`).
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::crypto::legacy::{LegacyProtector, MachineKeyProtection};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let legacy = LegacyProtector::from_config(&cfg)?;
    /// assert!(matches!(legacy.decode("ABC", MachineKeyProtection::All), Err(machinekey::Error::Malformed(_))));
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    pub fn decode(&self, text: &str, protection: MachineKeyProtection) -> Result<Vec<u8>, Error> {
        if text.is_empty() {
            return Err(Error::Malformed(Encoding::Hex));
        }
        let mut blob = from_hex(text)?;
        if protection.encrypts() {
            blob = self.decrypt_with(
                &self.cipher,
                &blob,
                None,
                IvType::Random,
                self.encode_sign_data,
            )?;
        }
        if protection.signs() {
            blob = self.strip_mac(&blob)?;
        }
        Ok(blob)
    }

    /// The create-prefix rule of `MachineKeySection.EncryptOrDecryptData`.
    fn creates_prefix(&self, iv: IvType, sign_data: bool) -> bool {
        sign_data || (iv != IvType::None && self.mode > CompatibilityMode::Framework20SP1)
    }

    fn encrypt_with(
        &self,
        cipher: &CbcCipher,
        data: &[u8],
        modifier: Option<&[u8]>,
        iv: IvType,
        sign_data: bool,
    ) -> Result<Vec<u8>, Error> {
        let modifier = modifier.unwrap_or_default();
        let mut plain = Zeroizing::new(Vec::with_capacity(
            cipher.key_size() + data.len() + modifier.len(),
        ));
        if self.creates_prefix(iv, sign_data) {
            let len = cipher.key_size();
            match iv {
                IvType::Hash => plain.extend_from_slice(&self.chain_hash.chain(data, len)),
                // "createIVWithRandomValue": None with signing also gets random bytes.
                IvType::Random | IvType::None => {
                    plain.resize(len, 0);
                    self.rng.fill(&mut plain)?;
                }
            }
        }
        plain.extend_from_slice(data);
        plain.extend_from_slice(modifier);
        let zero_iv = [0u8; 16];
        let iv_bytes = zero_iv.get(..cipher.block_size()).ok_or(Error::Unprotect)?;
        let mut out = cipher.encrypt(iv_bytes, &plain).ok_or(Error::Unprotect)?;
        if sign_data {
            let tag = self.mac.compute(&out, &[]);
            out.extend_from_slice(&tag);
        }
        Ok(out)
    }

    fn decrypt_with(
        &self,
        cipher: &CbcCipher,
        blob: &[u8],
        modifier: Option<&[u8]>,
        iv: IvType,
        sign_data: bool,
    ) -> Result<Vec<u8>, Error> {
        let ciphertext = if sign_data {
            let split = blob
                .len()
                .checked_sub(self.mac.len())
                .filter(|n| *n > 0)
                .ok_or(Error::Unprotect)?;
            let (ct, tag) = blob.split_at_checked(split).ok_or(Error::Unprotect)?;
            if !self.mac.verify(ct, &[], tag) {
                return Err(Error::Unprotect);
            }
            ct
        } else {
            blob
        };
        let plain = open_cbc0(cipher, ciphertext, self.creates_prefix(iv, sign_data))?;
        let rest = strip_modifier(&plain, modifier.unwrap_or_default())?;
        Ok(rest.to_vec())
    }
}

/// After the outer MAC verified: `CBC0` decryption (all-zero IV), then the prefix `R`
/// (as long as the cipher key) dropped when `with_prefix`. Returns `data ‖ modifier`.
///
/// The one implementation of this step, shared by [`LegacyProtector`] and the known-key
/// audit.
pub(crate) fn open_cbc0(
    cipher: &CbcCipher,
    ciphertext: &[u8],
    with_prefix: bool,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let zero_iv = [0u8; 16];
    let iv = zero_iv.get(..cipher.block_size()).ok_or(Error::Unprotect)?;
    let mut plain = Zeroizing::new(cipher.decrypt(iv, ciphertext).ok_or(Error::Unprotect)?);
    if with_prefix {
        let prefix = cipher.key_size();
        if plain.len() < prefix {
            return Err(Error::Unprotect);
        }
        plain.drain(..prefix);
    }
    Ok(plain)
}

/// Checks (in constant time) and strips the modifier at the end of decrypted data.
pub(crate) fn strip_modifier<'a>(plain: &'a [u8], modifier: &[u8]) -> Result<&'a [u8], Error> {
    let split = plain
        .len()
        .checked_sub(modifier.len())
        .ok_or(Error::Unprotect)?;
    let (data, tail) = plain.split_at_checked(split).ok_or(Error::Unprotect)?;
    if bool::from(tail.ct_eq(modifier)) {
        Ok(data)
    } else {
        Err(Error::Unprotect)
    }
}
