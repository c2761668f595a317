//! Key-length and weak-key rules of the ciphers, as ASP.NET applies them when it keys a
//! cipher (`SetKeyOnSymAlgorithm`, `Bad_machine_key`), and the legacy choice of cipher and
//! key bytes (`MachineKeySection.ConfigureEncryptionObject`).

use super::{DecryptionAlgorithm, FrameworkVersion, SymmetricAlgorithm, ValidationAlgorithm};
use crate::error::ConfigErrorKind;

/// Checks that `key` suits `algorithm`: AES 16/24/32 bytes, TripleDES 16/24, DES 8, and no
/// DES/TripleDES weak key (which the .NET providers reject).
pub(crate) fn check_symmetric_key(
    algorithm: SymmetricAlgorithm,
    key: &[u8],
) -> Result<(), ConfigErrorKind> {
    let bad = |expected| ConfigErrorKind::BadKeyLength {
        algorithm: algorithm.as_str(),
        len: key.len(),
        expected,
    };
    match algorithm {
        SymmetricAlgorithm::Aes => match key.len() {
            16 | 24 | 32 => Ok(()),
            _ => Err(bad("16, 24 or 32 bytes")),
        },
        SymmetricAlgorithm::TripleDes => match key.len() {
            16 | 24 if dotnet_tdes_weak(key) => Err(ConfigErrorKind::WeakKey { algorithm: "3DES" }),
            16 | 24 => Ok(()),
            _ => Err(bad("16 or 24 bytes")),
        },
        SymmetricAlgorithm::Des => match key.len() {
            8 if dotnet_des_weak(key) => Err(ConfigErrorKind::WeakKey { algorithm: "DES" }),
            8 => Ok(()),
            _ => Err(bad("8 bytes")),
        },
    }
}

/// A legacy validation key must fit the HMAC block (64 bytes, 128 for HMACSHA384/512):
/// ASP.NET 4.x builds its pads from the raw key and would overrun them (`MachineKeySection.InitValidationAndEncyptionSizes`; UNVERIFIED).
pub(crate) fn check_legacy_validation_key(
    validation: ValidationAlgorithm,
    key: &[u8],
) -> Result<(), ConfigErrorKind> {
    let max = validation.block_len();
    if key.len() > max {
        return Err(ConfigErrorKind::LegacyValidationKeyTooLong {
            len: key.len(),
            max,
        });
    }
    Ok(())
}

/// The cipher and key bytes the legacy stack uses for `decryption` with the parsed key
/// `key`: `Auto` resolves by length, and DES takes the first 8 bytes of a longer key
/// (4.x: any longer key; 2.0: only a 24-byte key).
pub(crate) fn legacy_cipher_key(
    decryption: DecryptionAlgorithm,
    framework: FrameworkVersion,
    key: &[u8],
) -> Result<(SymmetricAlgorithm, &[u8]), ConfigErrorKind> {
    let algorithm = decryption.legacy_cipher(key.len());
    let key = match algorithm {
        SymmetricAlgorithm::Des => des_key(framework, key)?,
        _ => key,
    };
    check_symmetric_key(algorithm, key)?;
    Ok((algorithm, key))
}

/// The cipher and key of the legacy `AES`/`3DES` validation wrap: AES, or TripleDES (DES for
/// an 8-byte decryption key), keyed with the decryption key.
pub(crate) fn legacy_validation_cipher_key(
    wrap: SymmetricAlgorithm,
    key: &[u8],
) -> Result<(SymmetricAlgorithm, &[u8]), ConfigErrorKind> {
    let algorithm = match wrap {
        SymmetricAlgorithm::TripleDes if key.len() == 8 => SymmetricAlgorithm::Des,
        other => other,
    };
    check_symmetric_key(algorithm, key)?;
    Ok((algorithm, key))
}

fn des_key(framework: FrameworkVersion, key: &[u8]) -> Result<&[u8], ConfigErrorKind> {
    let truncates = match framework {
        FrameworkVersion::V2_0 => key.len() == 24,
        FrameworkVersion::V4 => key.len() > 8,
    };
    let key = if truncates {
        key.get(..8).unwrap_or(key)
    } else {
        key
    };
    if key.len() == 8 {
        Ok(key)
    } else {
        Err(ConfigErrorKind::BadKeyLength {
            algorithm: "DES",
            len: key.len(),
            expected: match framework {
                FrameworkVersion::V2_0 => "8 or 24 bytes (the first 8 are used)",
                FrameworkVersion::V4 => "at least 8 bytes (the first 8 are used)",
            },
        })
    }
}

/// DES weak and semi-weak keys, odd parity, as `DES.IsWeakKey`/`IsSemiWeakKey` list them.
const DES_WEAK_KEYS: [u64; 16] = [
    0x0101_0101_0101_0101,
    0xFEFE_FEFE_FEFE_FEFE,
    0x1F1F_1F1F_0E0E_0E0E,
    0xE0E0_E0E0_F1F1_F1F1,
    0x01FE_01FE_01FE_01FE,
    0xFE01_FE01_FE01_FE01,
    0x1FE0_1FE0_0EF1_0EF1,
    0xE01F_E01F_F10E_F10E,
    0x01E0_01E0_01F1_01F1,
    0xE001_E001_F101_F101,
    0x1FFE_1FFE_0EFE_0EFE,
    0xFE1F_FE1F_FE0E_FE0E,
    0x011F_011F_010E_010E,
    0x1F01_1F01_0E01_0E01,
    0xE0FE_E0FE_F1FE_F1FE,
    0xFEE0_FEE0_FEF1_FEF1,
];

/// .NET normalises parity before comparing; masking the parity bit is the same test.
fn parity_free(key: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = key.try_into().ok()?;
    Some(u64::from_be_bytes(bytes) & 0xFEFE_FEFE_FEFE_FEFE)
}

/// `DES.IsWeakKey || DES.IsSemiWeakKey` (UNVERIFIED detail, `MachineKeySection.ConfigureEncryptionObject`: standard .NET
/// behaviour, not read in the source).
fn dotnet_des_weak(key: &[u8]) -> bool {
    parity_free(key).is_some_and(|k| DES_WEAK_KEYS.iter().any(|w| w & 0xFEFE_FEFE_FEFE_FEFE == k))
}

/// `TripleDES.IsWeakKey`: K1 == K2, or (three-key form) K2 == K3, parity ignored. K1 == K3
/// is the legitimate two-key form and is accepted.
fn dotnet_tdes_weak(key: &[u8]) -> bool {
    let part = |r: core::ops::Range<usize>| key.get(r).and_then(parity_free);
    let (k1, k2) = (part(0..8), part(8..16));
    match key.len() {
        16 => k1 == k2,
        24 => k1 == k2 || k2 == part(16..24),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_keys_rejected_as_dotnet_does() {
        let des = SymmetricAlgorithm::Des;
        let tdes = SymmetricAlgorithm::TripleDes;
        assert!(check_symmetric_key(des, &[0x01; 8]).is_err());
        // parity bits differ: still weak
        assert!(check_symmetric_key(des, &[0x00; 8]).is_err());
        let k1 = [0x13, 0x34, 0x57, 0x79, 0x9B, 0xBC, 0xDF, 0xF1];
        let k2 = [0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x01];
        assert!(check_symmetric_key(des, &k1).is_ok());
        assert!(check_symmetric_key(tdes, &[k1, k1].concat()).is_err());
        assert!(check_symmetric_key(tdes, &[k1, k2, k1].concat()).is_ok());
        assert!(check_symmetric_key(tdes, &[k1, k2, k2].concat()).is_err());
    }

    #[test]
    fn legacy_des_truncation_by_version() {
        let key = [0x13u8; 16];
        let k24 = [[0x13, 0x34, 0x57, 0x79, 0x9B, 0xBC, 0xDF, 0xF1]; 3].concat();
        assert!(legacy_cipher_key(DecryptionAlgorithm::Des, FrameworkVersion::V2_0, &key).is_err());
        let (alg, used) =
            legacy_cipher_key(DecryptionAlgorithm::Des, FrameworkVersion::V2_0, &k24).unwrap();
        assert_eq!((alg, used.len()), (SymmetricAlgorithm::Des, 8));
        assert!(
            legacy_cipher_key(DecryptionAlgorithm::Des, FrameworkVersion::V4, &[0x13; 4]).is_err()
        );
        let (alg, _) =
            legacy_cipher_key(DecryptionAlgorithm::Auto, FrameworkVersion::V4, &k24[..8]).unwrap();
        assert_eq!(alg, SymmetricAlgorithm::Des);
    }
}
