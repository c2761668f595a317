//! The CBC/PKCS7 block ciphers both stacks use (DES, TripleDES, AES), keyed once.
//!
//! Unauthenticated on their own: every caller in this crate verifies a MAC before it
//! decrypts.

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit,
    KeyInit,
};
use des::{Des, TdesEde2, TdesEde3};

use crate::config::SymmetricAlgorithm;
use crate::config::key_rules::check_symmetric_key;
use crate::error::ConfigErrorKind;

/// A block cipher with its key schedule computed once.
#[derive(Clone)]
pub(crate) enum CbcCipher {
    Des(Des),
    TripleDes2(TdesEde2),
    TripleDes3(TdesEde3),
    Aes128(Aes128),
    Aes192(Aes192),
    Aes256(Aes256),
}

impl core::fmt::Debug for CbcCipher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let name = match self {
            Self::Des(_) => "DES",
            Self::TripleDes2(_) => "TripleDES-128",
            Self::TripleDes3(_) => "TripleDES-192",
            Self::Aes128(_) => "AES-128",
            Self::Aes192(_) => "AES-192",
            Self::Aes256(_) => "AES-256",
        };
        write!(f, "CbcCipher({name}, key: [redacted])")
    }
}

fn schedule<C: KeyInit>(key: &[u8]) -> Result<C, ConfigErrorKind> {
    C::new_from_slice(key).map_err(|_| ConfigErrorKind::BadKeyLength {
        algorithm: "cipher",
        len: key.len(),
        expected: "the cipher's key size",
    })
}

impl CbcCipher {
    /// Keys `algorithm` with `key`, after the length and weak-key rules of
    /// [`check_symmetric_key`]. `key` is used as given: legacy DES truncation happens in the
    /// caller.
    pub(crate) fn new(algorithm: SymmetricAlgorithm, key: &[u8]) -> Result<Self, ConfigErrorKind> {
        check_symmetric_key(algorithm, key)?;
        let bad = || ConfigErrorKind::BadKeyLength {
            algorithm: algorithm.as_str(),
            len: key.len(),
            expected: "the cipher's key size",
        };
        Ok(match (algorithm, key.len()) {
            (SymmetricAlgorithm::Aes, 16) => Self::Aes128(schedule(key)?),
            (SymmetricAlgorithm::Aes, 24) => Self::Aes192(schedule(key)?),
            (SymmetricAlgorithm::Aes, 32) => Self::Aes256(schedule(key)?),
            (SymmetricAlgorithm::TripleDes, 16) => Self::TripleDes2(schedule(key)?),
            (SymmetricAlgorithm::TripleDes, 24) => Self::TripleDes3(schedule(key)?),
            (SymmetricAlgorithm::Des, 8) => Self::Des(schedule(key)?),
            _ => return Err(bad()),
        })
    }

    /// The block size in bytes (8 or 16).
    pub(crate) fn block_size(&self) -> usize {
        match self {
            Self::Des(_) | Self::TripleDes2(_) | Self::TripleDes3(_) => 8,
            _ => 16,
        }
    }

    /// The key size in bytes: the length of the legacy IV prefix (`MachineKeySection.ConfigureEncryptionObject`).
    pub(crate) fn key_size(&self) -> usize {
        match self {
            Self::Des(_) => 8,
            Self::TripleDes2(_) | Self::Aes128(_) => 16,
            Self::TripleDes3(_) | Self::Aes192(_) => 24,
            Self::Aes256(_) => 32,
        }
    }

    /// CBC-encrypts `plaintext` with PKCS7 padding. `None` if `iv` is not one block long.
    pub(crate) fn encrypt(&self, iv: &[u8], plaintext: &[u8]) -> Option<Vec<u8>> {
        self.count(plaintext.len() + self.block_size());
        match self {
            Self::Des(c) => cbc_encrypt(c, iv, plaintext),
            Self::TripleDes2(c) => cbc_encrypt(c, iv, plaintext),
            Self::TripleDes3(c) => cbc_encrypt(c, iv, plaintext),
            Self::Aes128(c) => cbc_encrypt(c, iv, plaintext),
            Self::Aes192(c) => cbc_encrypt(c, iv, plaintext),
            Self::Aes256(c) => cbc_encrypt(c, iv, plaintext),
        }
    }

    /// Counts the blocks of `len` bytes for [`crate::crypto::work`].
    fn count(&self, len: usize) {
        use crate::crypto::work::{Work, add};
        match self {
            Self::Des(_) | Self::TripleDes2(_) | Self::TripleDes3(_) => {
                add(Work::DesBlock, len / 8);
            }
            Self::Aes128(_) | Self::Aes192(_) | Self::Aes256(_) => add(Work::AesBlock, len / 16),
        }
    }

    /// CBC-decrypts and unpads. `None` on a bad IV length, a partial block or bad padding.
    pub(crate) fn decrypt(&self, iv: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
        self.count(ciphertext.len());
        match self {
            Self::Des(c) => cbc_decrypt(c, iv, ciphertext),
            Self::TripleDes2(c) => cbc_decrypt(c, iv, ciphertext),
            Self::TripleDes3(c) => cbc_decrypt(c, iv, ciphertext),
            Self::Aes128(c) => cbc_decrypt(c, iv, ciphertext),
            Self::Aes192(c) => cbc_decrypt(c, iv, ciphertext),
            Self::Aes256(c) => cbc_decrypt(c, iv, ciphertext),
        }
    }
}

impl CbcCipher {
    /// CBC decryption without removing any padding (for callers whose padding is not
    /// PKCS#7, such as XML Encryption's ISO 10126). `None` for a bad IV or a length that is
    /// not whole blocks.
    pub(crate) fn decrypt_unpadded(&self, iv: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
        self.count(ciphertext.len());
        match self {
            Self::Des(c) => cbc_decrypt_raw(c, iv, ciphertext),
            Self::TripleDes2(c) => cbc_decrypt_raw(c, iv, ciphertext),
            Self::TripleDes3(c) => cbc_decrypt_raw(c, iv, ciphertext),
            Self::Aes128(c) => cbc_decrypt_raw(c, iv, ciphertext),
            Self::Aes192(c) => cbc_decrypt_raw(c, iv, ciphertext),
            Self::Aes256(c) => cbc_decrypt_raw(c, iv, ciphertext),
        }
    }
}

fn cbc_decrypt_raw<C: BlockCipherDecrypt + Clone>(c: &C, iv: &[u8], ct: &[u8]) -> Option<Vec<u8>> {
    let dec = cbc::Decryptor::<C>::inner_iv_slice_init(c.clone(), iv).ok()?;
    dec.decrypt_padded_vec::<cbc::cipher::block_padding::NoPadding>(ct)
        .ok()
}

fn cbc_encrypt<C: BlockCipherEncrypt + Clone>(c: &C, iv: &[u8], pt: &[u8]) -> Option<Vec<u8>> {
    let enc = cbc::Encryptor::<C>::inner_iv_slice_init(c.clone(), iv).ok()?;
    Some(enc.encrypt_padded_vec::<Pkcs7>(pt))
}

fn cbc_decrypt<C: BlockCipherDecrypt + Clone>(c: &C, iv: &[u8], ct: &[u8]) -> Option<Vec<u8>> {
    let dec = cbc::Decryptor::<C>::inner_iv_slice_init(c.clone(), iv).ok()?;
    dec.decrypt_padded_vec::<Pkcs7>(ct).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_lengths_checked() {
        assert!(CbcCipher::new(SymmetricAlgorithm::Aes, &[7; 20]).is_err());
        assert_eq!(
            CbcCipher::new(SymmetricAlgorithm::Aes, &[7; 24])
                .unwrap()
                .key_size(),
            24
        );
        assert!(CbcCipher::new(SymmetricAlgorithm::TripleDes, &[7; 8]).is_err());
    }

    #[test]
    fn bad_input_is_none_not_panic() {
        let c = CbcCipher::new(SymmetricAlgorithm::Aes, &[7; 16]).unwrap();
        assert!(c.encrypt(&[0; 15], b"x").is_none());
        assert!(c.decrypt(&[0; 16], &[1; 15]).is_none());
        assert!(c.decrypt(&[0; 16], &[]).is_none());
        let ct = c.encrypt(&[0; 16], b"hello").unwrap();
        assert_eq!(c.decrypt(&[0; 16], &ct).unwrap(), b"hello");
    }
}
