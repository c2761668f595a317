//! The `validation`, `decryption` and `compatibilityMode` values (`MachineKeySection`'s attribute defaults; `MachineKeySection.InitValidationAndEncyptionSizes`; `MachineKeySection.ConfigureEncryptionObject`).

use core::str::FromStr;

use crate::error::{ConfigError, ConfigErrorKind};
use crate::names::names;
use crate::vocabulary::MachineKeyAttribute;

/// Finds `s` among `all` by exact (ordinal) name; otherwise a typed error: `alg:<Name>`
/// custom algorithms are named as unsupported, anything else as unknown.
fn parse_algorithm<T: Copy>(
    s: &str,
    all: &[T],
    name: fn(T) -> &'static str,
    attribute: MachineKeyAttribute,
    unknown: fn(String) -> ConfigErrorKind,
) -> Result<T, ConfigError> {
    if let Some(found) = all.iter().copied().find(|a| name(*a) == s) {
        return Ok(found);
    }
    let kind = if s.starts_with("alg:") {
        ConfigErrorKind::UnsupportedCustomAlgorithm {
            value: s.to_owned(),
        }
    } else {
        unknown(s.to_owned())
    };
    Err(ConfigError::new(attribute, kind))
}

/// The `validation` attribute: the MAC algorithm.
///
/// Parsed with ASP.NET's ordinal, case-sensitive names (`"SHA1"`, `"HMACSHA256"`, ...);
/// [`Display`](core::fmt::Display) and [`as_str`](Self::as_str) write the same names back.
///
/// `MD5`, `SHA1`, `3DES` and `AES` are **for legacy use only**: they exist to interoperate
/// with old applications.
///
/// # Example
/// ```
/// use machinekey::config::ValidationAlgorithm;
/// let v: ValidationAlgorithm = "HMACSHA256".parse()?;
/// assert_eq!(v.mac_len(), 32);
/// assert!("hmacsha256".parse::<ValidationAlgorithm>().is_err());
/// # Ok::<(), machinekey::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValidationAlgorithm {
    /// `MD5`: the keyed-MD5 construction with ASP.NET's key-over-modifier quirk. Legacy only.
    Md5,
    /// `SHA1`: HMAC-SHA1.
    Sha1,
    /// `3DES`: HMAC-SHA1 plus an extra encryption wrap with TripleDES (DES for 8-byte
    /// decryption keys) keyed by the decryption key. Legacy only.
    TripleDes,
    /// `AES`: HMAC-SHA1 plus an extra encryption wrap with AES keyed by the decryption key.
    /// Legacy only.
    Aes,
    /// `HMACSHA256` (the 4.x default).
    HmacSha256,
    /// `HMACSHA384`.
    HmacSha384,
    /// `HMACSHA512`.
    HmacSha512,
}

impl ValidationAlgorithm {
    /// Every built-in value, in ASP.NET's order (a slice, so a new value is no breaking
    /// change).
    pub const ALL: &'static [Self] = &[
        Self::Sha1,
        Self::Md5,
        Self::TripleDes,
        Self::Aes,
        Self::HmacSha256,
        Self::HmacSha384,
        Self::HmacSha512,
    ];

    /// The MAC length in bytes on 4.x (`_HashSize`): 16 for MD5, 20 for SHA1/3DES/AES, then
    /// 32, 48, 64. (On 2.0 builds every MAC is 20 bytes; see
    /// [`FrameworkVersion::V2_0`](crate::config::FrameworkVersion::V2_0).)
    #[must_use]
    pub const fn mac_len(self) -> usize {
        match self {
            Self::Md5 => 16,
            Self::Sha1 | Self::TripleDes | Self::Aes => 20,
            Self::HmacSha256 => 32,
            Self::HmacSha384 => 48,
            Self::HmacSha512 => 64,
        }
    }

    /// The HMAC block (pad) length, which is also the size of an auto-generated legacy
    /// validation key (`_AutoGenValidationKeySize`): 64, or 128 for HMACSHA384/512.
    #[must_use]
    pub const fn block_len(self) -> usize {
        match self {
            Self::HmacSha384 | Self::HmacSha512 => 128,
            _ => 64,
        }
    }

    /// Whether Framework45 accepts it (`SHA1` and the `HMACSHA*` family).
    #[must_use]
    pub const fn allowed_in_framework45(self) -> bool {
        matches!(
            self,
            Self::Sha1 | Self::HmacSha256 | Self::HmacSha384 | Self::HmacSha512
        )
    }

    /// Whether the 2.0 build knows it (`SHA1`, `MD5`, `3DES`, `AES`).
    #[must_use]
    pub const fn exists_in_framework20(self) -> bool {
        matches!(self, Self::Sha1 | Self::Md5 | Self::TripleDes | Self::Aes)
    }

    /// The cipher of the legacy validation wrap (`AES`/`3DES` validation), if any.
    #[must_use]
    pub(crate) const fn validation_cipher(self) -> Option<SymmetricAlgorithm> {
        match self {
            Self::Aes => Some(SymmetricAlgorithm::Aes),
            Self::TripleDes => Some(SymmetricAlgorithm::TripleDes),
            _ => None,
        }
    }
}

names!(ValidationAlgorithm, "The attribute value, as ASP.NET spells it.", {
    Md5 => "MD5",
    Sha1 => "SHA1",
    TripleDes => "3DES",
    Aes => "AES",
    HmacSha256 => "HMACSHA256",
    HmacSha384 => "HMACSHA384",
    HmacSha512 => "HMACSHA512",
});

impl FromStr for ValidationAlgorithm {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_algorithm(
            s,
            Self::ALL,
            Self::as_str,
            MachineKeyAttribute::Validation,
            |value| ConfigErrorKind::UnknownValidation { value },
        )
    }
}

/// The `decryption` attribute: the cipher.
///
/// # Example
/// ```
/// use machinekey::config::{DecryptionAlgorithm, SymmetricAlgorithm};
/// let d: DecryptionAlgorithm = "Auto".parse()?;
/// // Legacy Auto picks DES for an 8-byte key and AES otherwise; Framework45 Auto is AES.
/// assert_eq!(d.legacy_cipher(8), SymmetricAlgorithm::Des);
/// assert_eq!(d.framework45_cipher(), SymmetricAlgorithm::Aes);
/// # Ok::<(), machinekey::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DecryptionAlgorithm {
    /// `Auto` (the default).
    #[default]
    Auto,
    /// `AES`; the key length picks AES-128/192/256.
    Aes,
    /// `3DES`: TripleDES with a 16- or 24-byte key. Legacy use only.
    TripleDes,
    /// `DES`. Legacy use only.
    Des,
}

impl DecryptionAlgorithm {
    /// Every built-in value (a slice, so a new value is no breaking change).
    pub const ALL: &'static [Self] = &[Self::Auto, Self::Aes, Self::TripleDes, Self::Des];

    /// The cipher the legacy stack uses for a decryption key of `key_len` bytes: `Auto` is
    /// DES for exactly 8 bytes and AES otherwise (`MachineKeySection.ConfigureEncryptionObject`).
    #[must_use]
    pub const fn legacy_cipher(self, key_len: usize) -> SymmetricAlgorithm {
        match self {
            Self::Auto if key_len == 8 => SymmetricAlgorithm::Des,
            Self::Auto | Self::Aes => SymmetricAlgorithm::Aes,
            Self::TripleDes => SymmetricAlgorithm::TripleDes,
            Self::Des => SymmetricAlgorithm::Des,
        }
    }

    /// The cipher the Framework45 stack uses: `Auto` is always AES.
    #[must_use]
    pub const fn framework45_cipher(self) -> SymmetricAlgorithm {
        match self {
            Self::Auto | Self::Aes => SymmetricAlgorithm::Aes,
            Self::TripleDes => SymmetricAlgorithm::TripleDes,
            Self::Des => SymmetricAlgorithm::Des,
        }
    }
}

names!(DecryptionAlgorithm, "The attribute value, as ASP.NET spells it.", {
    Auto => "Auto",
    Aes => "AES",
    TripleDes => "3DES",
    Des => "DES",
});

impl FromStr for DecryptionAlgorithm {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_algorithm(
            s,
            Self::ALL,
            Self::as_str,
            MachineKeyAttribute::Decryption,
            |value| ConfigErrorKind::UnknownDecryption { value },
        )
    }
}

/// A concrete block cipher family (what `Auto` resolves to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymmetricAlgorithm {
    /// AES (128-bit block).
    Aes,
    /// TripleDES (64-bit block). Legacy use only.
    TripleDes,
    /// DES (64-bit block). Legacy use only.
    Des,
}

names!(SymmetricAlgorithm, "The name used in messages: `AES`, `3DES`, `DES`.", {
    Aes => "AES",
    TripleDes => "3DES",
    Des => "DES",
});

/// The `compatibilityMode` attribute: which protection stack ASP.NET uses (`MachineKeySection.CompatibilityMode`).
///
/// # Example
/// ```
/// use machinekey::config::CompatibilityMode;
/// let m: CompatibilityMode = "Framework45".parse()?;
/// assert!(m.is_framework45());
/// # Ok::<(), machinekey::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum CompatibilityMode {
    /// `Framework20SP1` (0), the default unless the application targets 4.5 or later.
    #[default]
    Framework20SP1,
    /// `Framework20SP2` (1).
    Framework20SP2,
    /// `Framework45` (2): SP800-108 derived keys, encrypt-then-MAC.
    Framework45,
}

impl CompatibilityMode {
    /// Every value (a slice, so a new value is no breaking change).
    pub const ALL: &'static [Self] = &[
        Self::Framework20SP1,
        Self::Framework20SP2,
        Self::Framework45,
    ];

    /// Whether this mode uses the Framework45 stack.
    #[must_use]
    pub const fn is_framework45(self) -> bool {
        matches!(self, Self::Framework45)
    }
}

names!(CompatibilityMode, "The attribute value.", {
    Framework20SP1 => "Framework20SP1",
    Framework20SP2 => "Framework20SP2",
    Framework45 => "Framework45",
});

impl FromStr for CompatibilityMode {
    type Err = ConfigError;

    /// Case-sensitive names only (whether ASP.NET's enum converter ignores case is
    /// UNVERIFIED, `MachineKeySection`'s attribute defaults; this crate takes the strict reading).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                ConfigError::new(
                    MachineKeyAttribute::CompatibilityMode,
                    ConfigErrorKind::UnknownCompatibilityMode {
                        value: s.to_owned(),
                    },
                )
            })
    }
}

/// Serialized as ASP.NET's attribute value (`name()`), as in a web.config.
macro_rules! serialize_by_name {
    ($($ty:ty),*) => {$(
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    )*};
}

serialize_by_name!(
    ValidationAlgorithm,
    DecryptionAlgorithm,
    SymmetricAlgorithm,
    CompatibilityMode
);
