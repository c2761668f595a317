//! The legacy MAC, `MachineKeySection.HashData`, and the hash chain of the
//! `Hash` IV prefix (`MachineKeySection.EncryptOrDecryptData`).

use md5::{Digest, Md5};
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::config::key_rules::check_legacy_validation_key;
use crate::config::{FrameworkVersion, ValidationAlgorithm};
use crate::crypto::mac::{HmacHash, KeyedHmac};
use crate::error::{ConfigErrorKind, Error};

const ZEROS: [u8; 64] = [0; 64];

/// The legacy MAC for one validation key.
#[derive(Clone)]
pub(crate) enum LegacyMac {
    /// HMAC-SHA1/256/384/512 over `data || modifier` (also SHA1 for AES/3DES validation).
    /// The native code builds the pads from the raw key, which equals standard HMAC for keys
    /// no longer than the block; longer keys are refused at construction.
    Hmac(Box<KeyedHmac>),
    /// Keyed MD5, 4.x: ASPNET QUIRK (`MachineKeySection.HashData`): `HashDataUsingNonKeyedAlgorithm` copies the
    /// modifier after the data and then the key *over* it, so the MAC is
    /// `MD5(data || key || tail)` where `tail` is as long as the modifier: the modifier's
    /// bytes beyond the key length, then zeros.
    Md5V4(Zeroizing<Vec<u8>>),
    /// Keyed MD5, 2.0: `MD5(data || modifier || key)` then padded with 4 zero bytes to the
    /// fixed 20-byte `HASH_SIZE` (`MachineKeySection.HashData`, from a decompile).
    Md5V2(Zeroizing<Vec<u8>>),
}

impl core::fmt::Debug for LegacyMac {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let kind = match self {
            Self::Hmac(_) => "HMAC",
            Self::Md5V4(_) => "MD5 (4.x)",
            Self::Md5V2(_) => "MD5 (2.0)",
        };
        write!(f, "LegacyMac({kind}, key: [redacted])")
    }
}

impl LegacyMac {
    pub(crate) fn new(
        validation: ValidationAlgorithm,
        framework: FrameworkVersion,
        key: &[u8],
    ) -> Result<Self, ConfigErrorKind> {
        check_legacy_validation_key(validation, key)?;
        let Some(hash) = HmacHash::for_validation(validation) else {
            let key = Zeroizing::new(key.to_vec());
            return Ok(match framework {
                FrameworkVersion::V2_0 => Self::Md5V2(key),
                FrameworkVersion::V4 => Self::Md5V4(key),
            });
        };
        KeyedHmac::new(hash, key)
            .map(|h| Self::Hmac(Box::new(h)))
            .ok_or(ConfigErrorKind::LegacyValidationKeyTooLong {
                len: key.len(),
                max: validation.block_len(),
            })
    }

    /// The MAC length (`_HashSize`).
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Hmac(h) => h.len(),
            Self::Md5V4(_) => 16,
            Self::Md5V2(_) => 20,
        }
    }

    /// `HashData(data, modifier)`.
    pub(crate) fn compute(&self, data: &[u8], modifier: &[u8]) -> Vec<u8> {
        match self {
            Self::Hmac(h) => h.compute(&[data, modifier]),
            Self::Md5V4(key) => md5_v4_finish(Md5::new_with_prefix(data), key, modifier).to_vec(),
            Self::Md5V2(key) => {
                let mut md5 = Md5::new();
                md5.update(data);
                md5.update(modifier);
                md5.update(key.as_slice());
                let mut out = md5.finalize().to_vec();
                out.extend_from_slice(&[0; 4]);
                out
            }
        }
    }

    /// `data ‖ MAC(data ‖ modifier)` checked in constant time; returns `data` (possibly
    /// empty: the ViewState form).
    pub(crate) fn open_signed<'a>(
        &self,
        blob: &'a [u8],
        modifier: &[u8],
    ) -> Result<&'a [u8], Error> {
        let split = blob.len().checked_sub(self.len()).ok_or(Error::Unprotect)?;
        let (data, tag) = blob.split_at_checked(split).ok_or(Error::Unprotect)?;
        if self.verify(data, modifier, tag) {
            Ok(data)
        } else {
            Err(Error::Unprotect)
        }
    }

    /// `VerifyHashedData`: `data ‖ MAC(data)` with at least one byte of data (forms tickets,
    /// cookies, `MachineKey.Encode`); returns `data`.
    pub(crate) fn open_hashed<'a>(&self, blob: &'a [u8]) -> Result<&'a [u8], Error> {
        if blob.len() <= self.len() {
            return Err(Error::Unprotect);
        }
        self.open_signed(blob, &[])
    }

    /// Constant-time check of `tag` against `HashData(data, modifier)`.
    pub(crate) fn verify(&self, data: &[u8], modifier: &[u8], tag: &[u8]) -> bool {
        match self {
            Self::Hmac(h) => h.verify(&[data, modifier], tag),
            _ => {
                let expected = self.compute(data, modifier);
                expected.len() == tag.len() && bool::from(expected.ct_eq(tag))
            }
        }
    }
}

/// Finishes the 4.x keyed MD5 from the hash state after the data: the key, then the
/// modifier's bytes beyond the key length, then zeros up to the modifier length.
pub(crate) fn md5_v4_finish(mut md5: Md5, key: &[u8], modifier: &[u8]) -> [u8; 16] {
    md5.update(key);
    let beyond = modifier.get(key.len()..).unwrap_or_default();
    md5.update(beyond);
    let mut zeros = modifier.len() - beyond.len();
    while zeros > 0 {
        let n = zeros.min(ZEROS.len());
        md5.update(ZEROS.get(..n).unwrap_or_default());
        zeros -= n;
    }
    md5.finalize().into()
}

/// The hash of the `Hash` IV chain: native `GetSHA1Hash` picks it from `_HashSize`
/// (UNVERIFIED mapping); 2.0 always uses SHA-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChainHash {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl ChainHash {
    pub(crate) fn for_config(validation: ValidationAlgorithm, framework: FrameworkVersion) -> Self {
        if framework == FrameworkVersion::V2_0 {
            return Self::Sha1;
        }
        // The native code picks by `_HashSize` (16, 20, 32, 48, 64 bytes); each size is
        // exactly one MAC hash, so the validation's own hash is the same choice.
        match HmacHash::for_validation(validation) {
            None => Self::Md5,
            Some(HmacHash::Sha1) => Self::Sha1,
            Some(HmacHash::Sha256) => Self::Sha256,
            Some(HmacHash::Sha384) => Self::Sha384,
            Some(HmacHash::Sha512) => Self::Sha512,
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Md5 => Md5::digest(data).to_vec(),
            Self::Sha1 => Sha1::digest(data).to_vec(),
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
            Self::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    /// `H(data) || H(H(data)) || ...` truncated to `len` bytes (the deterministic IV prefix
    /// of `Page.EncryptString`).
    pub(crate) fn chain(self, data: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(len + 64));
        let mut link = self.digest(data);
        while out.len() < len {
            out.extend_from_slice(&link);
            link = self.digest(&link);
        }
        out.truncate(len);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_v4_tail_rules() {
        let key = [7u8; 4];
        let mac = LegacyMac::Md5V4(Zeroizing::new(key.to_vec()));
        // modifier no longer than the key: zeros
        let expect = Md5::digest([&b"data"[..], &key, &[0, 0, 0]].concat()).to_vec();
        assert_eq!(mac.compute(b"data", &[1, 2, 3]), expect);
        // modifier longer than the key: its bytes beyond the key, then zeros
        let modifier = [1, 2, 3, 4, 5, 6];
        let expect = Md5::digest([&b"data"[..], &key, &[5, 6], &[0, 0, 0, 0]].concat()).to_vec();
        assert_eq!(mac.compute(b"data", &modifier), expect);
    }

    #[test]
    fn md5_v2_is_plain_order_padded() {
        let mac = LegacyMac::Md5V2(Zeroizing::new(vec![7; 4]));
        let out = mac.compute(b"d", b"m");
        assert_eq!(out.len(), 20);
        assert_eq!(&out[..16], Md5::digest(b"dm\x07\x07\x07\x07").as_slice());
        assert_eq!(&out[16..], &[0; 4]);
    }

    #[test]
    fn long_keys_refused() {
        assert!(LegacyMac::new(ValidationAlgorithm::Sha1, FrameworkVersion::V4, &[1; 65]).is_err());
        assert!(
            LegacyMac::new(
                ValidationAlgorithm::HmacSha512,
                FrameworkVersion::V4,
                &[1; 128]
            )
            .is_ok()
        );
    }
}
