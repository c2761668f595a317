//! The authenticated-encryption algorithms of a key descriptor, their context headers, and
//! the encryptor bodies: CBC + HMAC (`ManagedAuthenticatedEncryptor`,
//! `CbcAuthenticatedEncryptor`) and AES-GCM (`GcmAuthenticatedEncryptor`,
//! `AesGcmAuthenticatedEncryptor`), in `Microsoft.AspNetCore.DataProtection`.

use aes_gcm::aead::consts::U12;
use aes_gcm::{AeadInOut, AesGcm, KeyInit};
use zeroize::Zeroizing;

use crate::config::SymmetricAlgorithm;
use crate::crypto::cipher::CbcCipher;
use crate::crypto::mac::{HmacHash, KeyedHmac};
use crate::error::{ArgumentError, Error};
use crate::keys::DerivedKey;
use crate::keys::kdf::{Prf, sp800_108};
use crate::names::names;
use crate::random::RandomSource;

/// The key modifier that starts every encryptor body: always 128 bits.
pub(crate) const KEY_MODIFIER_LEN: usize = 16;
const GCM_NONCE_LEN: usize = 12;
const GCM_TAG_LEN: usize = 16;

/// The block cipher of a CBC descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum BlockCipher {
    /// AES (16-byte blocks).
    Aes,
    /// TripleDES (8-byte blocks), reachable only through a custom managed or CNG
    /// configuration.
    TripleDes,
}

names!(BlockCipher, "The name, in words.", {
    Aes => "AES",
    TripleDes => "3DES",
});

/// The HMAC of a CBC descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum MacAlgorithm {
    /// HMACSHA1 (custom configurations only).
    HmacSha1,
    /// HMACSHA256, the default.
    HmacSha256,
    /// HMACSHA384 (custom configurations only).
    HmacSha384,
    /// HMACSHA512.
    HmacSha512,
}

names!(MacAlgorithm, "The name as key XML writes it (`HMACSHA256`).", {
    HmacSha1 => "HMACSHA1",
    HmacSha256 => "HMACSHA256",
    HmacSha384 => "HMACSHA384",
    HmacSha512 => "HMACSHA512",
});

impl MacAlgorithm {
    fn hash(self) -> HmacHash {
        match self {
            Self::HmacSha1 => HmacHash::Sha1,
            Self::HmacSha256 => HmacHash::Sha256,
            Self::HmacSha384 => HmacHash::Sha384,
            Self::HmacSha512 => HmacHash::Sha512,
        }
    }

    /// The digest (and HMAC key) length in bytes.
    #[must_use]
    pub fn digest_len(self) -> usize {
        match self {
            Self::HmacSha1 => 20,
            Self::HmacSha256 => 32,
            Self::HmacSha384 => 48,
            Self::HmacSha512 => 64,
        }
    }
}

/// The authenticated-encryption algorithm of a key: what its descriptor names.
///
/// The default of ASP.NET Core (and of the SystemWeb package) is AES-256-CBC with
/// HMACSHA256 ([`Algorithm::default`]).
///
/// # Example
/// ```
/// use machinekey::dataprotection::Algorithm;
/// let alg = Algorithm::from_names("AES_128_GCM", None)?;
/// assert_eq!(alg.to_string(), "AES-128-GCM");
/// assert_eq!(Algorithm::default().to_string(), "AES-256-CBC + HMACSHA256");
/// # Ok::<(), machinekey::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum Algorithm {
    /// CBC encryption (PKCS#7) then an HMAC over IV and ciphertext.
    Cbc {
        /// The block cipher.
        cipher: BlockCipher,
        /// Its key length in bytes.
        key_len: usize,
        /// The HMAC.
        mac: MacAlgorithm,
    },
    /// AES-GCM with a 96-bit nonce and a 128-bit tag.
    Gcm {
        /// The AES key length in bytes (16, 24 or 32).
        key_len: usize,
    },
}

impl Default for Algorithm {
    fn default() -> Self {
        Self::Cbc {
            cipher: BlockCipher::Aes,
            key_len: 32,
            mac: MacAlgorithm::HmacSha256,
        }
    }
}

impl core::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Cbc {
                cipher: BlockCipher::Aes,
                key_len,
                mac,
            } => write!(f, "AES-{}-CBC + {}", key_len * 8, mac.as_str()),
            Self::Cbc {
                cipher: BlockCipher::TripleDes,
                key_len,
                mac,
            } => write!(f, "3DES-{}-CBC + {}", key_len * 8, mac.as_str()),
            Self::Gcm { key_len } => write!(f, "AES-{}-GCM", key_len * 8),
        }
    }
}

impl Algorithm {
    /// The algorithm of the default descriptor from its `EncryptionAlgorithm` and
    /// `ValidationAlgorithm` names (`AES_256_CBC`, `HMACSHA256`; the validation is ignored
    /// for GCM). Names are case-sensitive, as `Enum.Parse` reads them; the enum's numeric
    /// values (`"0"`…`"5"`, `"0"`/`"1"`) are accepted too.
    ///
    /// # Errors
    /// [`ArgumentError::UnknownEncryptionAlgorithm`] or
    /// [`ArgumentError::UnknownValidationAlgorithm`] for an unknown name,
    /// [`ArgumentError::MissingValidationAlgorithm`] for a CBC algorithm without one.
    ///
    /// # Example
    /// ```
    /// use machinekey::dataprotection::Algorithm;
    /// let alg = Algorithm::from_names("AES_192_CBC", Some("HMACSHA512"))?;
    /// assert_eq!(alg.to_string(), "AES-192-CBC + HMACSHA512");
    /// assert!(Algorithm::from_names("aes_192_cbc", Some("HMACSHA512")).is_err());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn from_names(encryption: &str, validation: Option<&str>) -> Result<Self, Error> {
        let gcm = |key_len| Ok(Self::Gcm { key_len });
        let key_len = match encryption.trim() {
            "AES_128_CBC" | "0" => 16,
            "AES_192_CBC" | "1" => 24,
            "AES_256_CBC" | "2" => 32,
            "AES_128_GCM" | "3" => return gcm(16),
            "AES_192_GCM" | "4" => return gcm(24),
            "AES_256_GCM" | "5" => return gcm(32),
            other => {
                return Err(ArgumentError::UnknownEncryptionAlgorithm {
                    name: other.to_owned(),
                }
                .into());
            }
        };
        let mac = match validation.map(str::trim) {
            Some("HMACSHA256" | "0") => MacAlgorithm::HmacSha256,
            Some("HMACSHA512" | "1") => MacAlgorithm::HmacSha512,
            Some(other) => {
                return Err(ArgumentError::UnknownValidationAlgorithm {
                    name: other.to_owned(),
                }
                .into());
            }
            None => return Err(ArgumentError::MissingValidationAlgorithm.into()),
        };
        Ok(Self::Cbc {
            cipher: BlockCipher::Aes,
            key_len,
            mac,
        })
    }

    /// Checks the sizes the way `AlgorithmAssert` and the ciphers do.
    fn check(self) -> Result<(), Error> {
        let ok = match self {
            Self::Cbc {
                cipher: BlockCipher::Aes,
                key_len,
                ..
            }
            | Self::Gcm { key_len } => matches!(key_len, 16 | 24 | 32),
            Self::Cbc {
                cipher: BlockCipher::TripleDes,
                key_len,
                ..
            } => key_len == 24,
        };
        if ok {
            Ok(())
        } else {
            Err(self.key_length_error())
        }
    }

    /// `|K_E| + |K_H|`: how many bytes the KDF derives per payload.
    fn derived_len(self) -> usize {
        match self {
            Self::Cbc { key_len, mac, .. } => key_len + mac.digest_len(),
            Self::Gcm { key_len } => key_len,
        }
    }

    fn block_len(self) -> usize {
        match self {
            Self::Cbc {
                cipher: BlockCipher::TripleDes,
                ..
            } => 8,
            _ => 16,
        }
    }

    /// The smallest encryptor body this algorithm can produce (`DecryptImpl`'s length check).
    pub(crate) fn min_body_len(self) -> usize {
        match self {
            Self::Cbc { mac, .. } => KEY_MODIFIER_LEN + self.block_len() + mac.digest_len(),
            Self::Gcm { .. } => KEY_MODIFIER_LEN + GCM_NONCE_LEN + GCM_TAG_LEN,
        }
    }

    /// The context header: the algorithm's parameters and the output of its primitives
    /// under keys derived from an empty key, label and context (`CreateContextHeader`,
    /// documented in Microsoft's "Context headers" page). It is the first part of the KDF
    /// context of every payload.
    ///
    /// # Errors
    /// [`ArgumentError::KeyLength`] for key lengths the cipher does not take.
    ///
    /// # Example
    /// ```
    /// use machinekey::dataprotection::Algorithm;
    /// let h = Algorithm::from_names("AES_256_GCM", None)?.context_header()?;
    /// assert_eq!(hex::encode(&h), "0001000000200000000c0000001000000010e7dcce66df855a323a6bb7bd7a59be45");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn context_header(self) -> Result<Vec<u8>, Error> {
        self.check()?;
        let temp = sp800_108(&[], &[], &[], self.derived_len())?;
        let mut out = Vec::with_capacity(80);
        let be = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes();
        match self {
            Self::Cbc { key_len, mac, .. } => {
                let (k_e, k_h) = temp.split_at(key_len);
                out.extend_from_slice(&[0, 0]);
                out.extend_from_slice(&be(key_len));
                out.extend_from_slice(&be(self.block_len()));
                out.extend_from_slice(&be(mac.digest_len()));
                out.extend_from_slice(&be(mac.digest_len()));
                let zero_iv = vec![0u8; self.block_len()];
                out.extend(
                    self.cbc(k_e)?
                        .encrypt(&zero_iv, &[])
                        .ok_or(Error::Unprotect)?,
                );
                out.extend(hmac(mac, k_h)?.compute(&[]));
            }
            Self::Gcm { key_len } => {
                out.extend_from_slice(&[0, 1]);
                out.extend_from_slice(&be(key_len));
                out.extend_from_slice(&be(GCM_NONCE_LEN));
                out.extend_from_slice(&be(16));
                out.extend_from_slice(&be(GCM_TAG_LEN));
                let mut empty = [0u8; 0];
                let tag = gcm_seal(&temp, &[0; GCM_NONCE_LEN], &mut empty)?;
                out.extend_from_slice(&tag);
            }
        }
        Ok(out)
    }

    fn cbc(self, key: &[u8]) -> Result<CbcCipher, Error> {
        let alg = match self {
            Self::Cbc {
                cipher: BlockCipher::TripleDes,
                ..
            } => SymmetricAlgorithm::TripleDes,
            _ => SymmetricAlgorithm::Aes,
        };
        CbcCipher::new(alg, key).map_err(|_| self.key_length_error())
    }

    fn key_length_error(self) -> Error {
        let (algorithm, len) = match self {
            Self::Cbc {
                cipher: BlockCipher::TripleDes,
                key_len,
                ..
            } => ("3DES-CBC", key_len),
            Self::Cbc { key_len, .. } => ("AES-CBC", key_len),
            Self::Gcm { key_len } => ("AES-GCM", key_len),
        };
        ArgumentError::KeyLength { algorithm, len }.into()
    }
}

fn hmac(mac: MacAlgorithm, key: &[u8]) -> Result<KeyedHmac, Error> {
    KeyedHmac::new(mac.hash(), key).ok_or_else(|| {
        ArgumentError::KeyLength {
            algorithm: "HMAC",
            len: key.len(),
        }
        .into()
    })
}

fn gcm_seal(key: &[u8], nonce: &[u8], buffer: &mut [u8]) -> Result<[u8; GCM_TAG_LEN], Error> {
    fn seal<C: KeyInit + AeadInOut<NonceSize = U12>>(
        key: &[u8],
        nonce: &[u8],
        buffer: &mut [u8],
    ) -> Option<Vec<u8>> {
        let c = C::new_from_slice(key).ok()?;
        let nonce = aes_gcm::Nonce::<U12>::try_from(nonce).ok()?;
        let tag = c.encrypt_inout_detached(&nonce, &[], buffer.into()).ok()?;
        Some(tag.to_vec())
    }
    let tag = match key.len() {
        16 => seal::<AesGcm<aes::Aes128, U12>>(key, nonce, buffer),
        24 => seal::<AesGcm<aes::Aes192, U12>>(key, nonce, buffer),
        32 => seal::<AesGcm<aes::Aes256, U12>>(key, nonce, buffer),
        _ => None,
    };
    tag.and_then(|t| <[u8; GCM_TAG_LEN]>::try_from(t.as_slice()).ok())
        .ok_or_else(|| {
            ArgumentError::KeyLength {
                algorithm: "AES-GCM",
                len: key.len(),
            }
            .into()
        })
}

fn gcm_open(key: &[u8], nonce: &[u8], buffer: &mut [u8], tag: &[u8]) -> bool {
    fn open<C: KeyInit + AeadInOut<NonceSize = U12, TagSize = aes_gcm::aead::consts::U16>>(
        key: &[u8],
        nonce: &[u8],
        buffer: &mut [u8],
        tag: &[u8],
    ) -> Option<()> {
        let c = C::new_from_slice(key).ok()?;
        let nonce = aes_gcm::Nonce::<U12>::try_from(nonce).ok()?;
        let tag = aes_gcm::Tag::<aes_gcm::aead::consts::U16>::try_from(tag).ok()?;
        c.decrypt_inout_detached(&nonce, &[], buffer.into(), &tag)
            .ok()
    }
    match key.len() {
        16 => open::<AesGcm<aes::Aes128, U12>>(key, nonce, buffer, tag),
        24 => open::<AesGcm<aes::Aes192, U12>>(key, nonce, buffer, tag),
        32 => open::<AesGcm<aes::Aes256, U12>>(key, nonce, buffer, tag),
        _ => None,
    }
    .is_some()
}

/// A master key with its algorithm and context header: what encrypts and decrypts the
/// bodies of one key's payloads.
#[derive(Clone)]
pub struct AuthenticatedEncryptor {
    master: Zeroizing<Vec<u8>>,
    /// The KDF keyed with the master key once, not per payload.
    prf: Prf,
    algorithm: Algorithm,
    header: Vec<u8>,
}

impl core::fmt::Debug for AuthenticatedEncryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuthenticatedEncryptor")
            .field("algorithm", &self.algorithm)
            .field("master", &"[redacted]")
            .finish()
    }
}

impl AuthenticatedEncryptor {
    /// An encryptor for `master` (the key-derivation key `K_M`, 64 bytes for keys ASP.NET
    /// makes; any length works).
    ///
    /// # Errors
    /// [`ArgumentError::KeyLength`] if the algorithm's key length is not supported.
    ///
    /// # Example
    /// ```
    /// use machinekey::dataprotection::{Algorithm, AuthenticatedEncryptor};
    /// use machinekey::random::OsRandom;
    /// let enc = AuthenticatedEncryptor::new(b"master key", Algorithm::default())?;
    /// let body = enc.encrypt(b"data", &[6, 5, 4, 3], &OsRandom)?;
    /// assert_eq!(enc.decrypt(&body, &[6, 5, 4, 3])?, b"data");
    /// assert!(enc.decrypt(&body, &[6, 5, 4, 2]).is_err());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn new(master: &[u8], algorithm: Algorithm) -> Result<Self, Error> {
        Ok(Self {
            master: Zeroizing::new(master.to_vec()),
            prf: Prf::new(master)?,
            algorithm,
            header: algorithm.context_header()?,
        })
    }

    /// The master key (`K_M`). Handle with care.
    #[must_use]
    pub fn expose_master_key(&self) -> &[u8] {
        &self.master
    }

    /// The algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The derived `K_E ‖ K_H` for one payload.
    fn subkeys(&self, aad: &[u8], key_modifier: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut context = Vec::with_capacity(self.header.len() + key_modifier.len());
        context.extend_from_slice(&self.header);
        context.extend_from_slice(key_modifier);
        self.prf.derive(aad, &context, self.algorithm.derived_len())
    }

    /// The derived keys for a payload with this `aad` and `key_modifier`, `K_E ‖ K_H`.
    /// For tests against known answers; handle with care.
    ///
    /// # Errors
    /// [`ArgumentError::DerivedKeyLength`] if the derivation length overflows (it cannot for
    /// the supported algorithms).
    ///
    /// # Example
    /// ```
    /// use machinekey::dataprotection::{Algorithm, AuthenticatedEncryptor};
    /// let enc = AuthenticatedEncryptor::new(b"master key", Algorithm::default())?;
    /// assert_eq!(enc.derive_subkeys(&[6, 5, 4, 3], &[0; 16])?.len(), 64);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn derive_subkeys(&self, aad: &[u8], key_modifier: &[u8]) -> Result<DerivedKey, Error> {
        Ok(DerivedKey::from_bytes(&self.subkeys(aad, key_modifier)?))
    }

    /// Encrypts `plaintext` under `aad` (the KDF label): `keyModifier ‖ IV ‖ C ‖ MAC` for
    /// CBC, `keyModifier ‖ nonce ‖ C ‖ tag` for GCM. The key modifier is drawn from `rng`
    /// first, then the IV or nonce.
    ///
    /// # Errors
    /// [`Error::Random`] if the random source fails.
    ///
    /// # Example
    /// See [`AuthenticatedEncryptor::new`].
    pub fn encrypt(
        &self,
        plaintext: &[u8],
        aad: &[u8],
        rng: &dyn RandomSource,
    ) -> Result<Vec<u8>, Error> {
        let mut key_modifier = [0u8; KEY_MODIFIER_LEN];
        rng.fill(&mut key_modifier)?;
        let keys = self.subkeys(aad, &key_modifier)?;
        let mut out = key_modifier.to_vec();
        match self.algorithm {
            Algorithm::Cbc { key_len, mac, .. } => {
                let (k_e, k_h) = keys.split_at(key_len);
                let mut iv = vec![0u8; self.algorithm.block_len()];
                rng.fill(&mut iv)?;
                let c = self
                    .algorithm
                    .cbc(k_e)?
                    .encrypt(&iv, plaintext)
                    .ok_or(Error::Unprotect)?;
                let tag = hmac(mac, k_h)?.compute(&[&iv, &c]);
                out.extend_from_slice(&iv);
                out.extend_from_slice(&c);
                out.extend_from_slice(&tag);
            }
            Algorithm::Gcm { .. } => {
                let mut nonce = [0u8; GCM_NONCE_LEN];
                rng.fill(&mut nonce)?;
                let mut buffer = plaintext.to_vec();
                let tag = gcm_seal(&keys, &nonce, &mut buffer)?;
                out.extend_from_slice(&nonce);
                out.extend_from_slice(&buffer);
                out.extend_from_slice(&tag);
            }
        }
        Ok(out)
    }

    /// Verifies and decrypts an encryptor body under `aad`. The MAC (or GCM tag) is checked
    /// in constant time before anything is decrypted.
    ///
    /// # Errors
    /// [`Error::Unprotect`] for every failure: short body, wrong MAC, bad padding.
    ///
    /// # Example
    /// See [`AuthenticatedEncryptor::new`].
    pub fn decrypt(&self, body: &[u8], aad: &[u8]) -> Result<Vec<u8>, Error> {
        if body.len() < self.algorithm.min_body_len() {
            return Err(Error::Unprotect);
        }
        let (key_modifier, rest) = body.split_at(KEY_MODIFIER_LEN);
        let keys = self
            .subkeys(aad, key_modifier)
            .map_err(|_| Error::Unprotect)?;
        match self.algorithm {
            Algorithm::Cbc { key_len, mac, .. } => {
                let block = self.algorithm.block_len();
                let (iv_and_c, tag) = rest.split_at(rest.len() - mac.digest_len());
                let (iv, c) = iv_and_c.split_at(block);
                let (k_e, k_h) = keys.split_at(key_len);
                if !hmac(mac, k_h)
                    .map_err(|_| Error::Unprotect)?
                    .verify(&[iv, c], tag)
                {
                    return Err(Error::Unprotect);
                }
                self.algorithm
                    .cbc(k_e)
                    .map_err(|_| Error::Unprotect)?
                    .decrypt(iv, c)
                    .ok_or(Error::Unprotect)
            }
            Algorithm::Gcm { .. } => {
                let (nonce, c_and_tag) = rest.split_at(GCM_NONCE_LEN);
                let (c, tag) = c_and_tag.split_at(c_and_tag.len() - GCM_TAG_LEN);
                let mut buffer = c.to_vec();
                if gcm_open(&keys, nonce, &mut buffer, tag) {
                    Ok(buffer)
                } else {
                    Err(Error::Unprotect)
                }
            }
        }
    }
}
