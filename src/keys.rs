//! Key material: secret newtypes, the string hashes and application identity that key
//! isolation needs, the auto-generated key buffer and its store, and the resolution of a
//! config into the keys each protection stack uses (`HttpRuntime.SetAutogenKeys`; `MachineKeySection.RuntimeDataInitialize`).
//!
//! **Start here:** [`AppIdentity`] for an application's path and id, [`AutoGenKeys`] or
//! [`read_reg_export_bytes`] for AutoGenerate material from a `.reg` export, [`generate`] for a fresh
//! `<machineKey>`; [`AppKeys::resolve`](crate::AppKeys::resolve) turns them into usable keys.
//!
//! ```text
//! MachineKeyConfig ──┬─ explicit hex ───────────────┬─ legacy:  IsolateApps overwrite ──> LegacyKeys
//!                    └─ AutoGenerate: AutoGenKeys ──┘  fx45:    MachineKeyDerivation  ──> Framework45Keys
//!                                       ^
//!                           KeyStore (LSA / HKCU / HKLM, or per-process random)
//! ```

mod app;
mod autogen;
mod generate;
mod import;
pub(crate) mod kdf;
pub(crate) mod purpose;
pub(crate) mod secret;
pub mod store;
pub mod string_hash;

pub use crate::error::KeyImportError;
pub use app::AppIdentity;
pub use autogen::AutoGenKeys;
#[cfg(feature = "audit")]
pub(crate) use autogen::isolate_apps_variant;
pub use generate::generate;
pub(crate) use import::logical_lines;
pub use import::{RegExport, read_reg_export, read_reg_export_bytes, write_reg_export};
pub use secret::{DecryptionKey, DerivedKey, ValidationKey};

/// A short fingerprint of a key, to name it in reports without showing it: the first 8
/// hex digits (upper case) of the SHA-256 of its hex text, upper-cased first so the case a
/// file writes it in does not matter.
///
/// # Example
/// ```
/// use machinekey::keys::fingerprint;
/// assert_eq!(fingerprint("abcd"), fingerprint("ABCD"));
/// assert_eq!(fingerprint("ABCD").len(), 8);
/// ```
#[must_use]
pub fn fingerprint(key_hex: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(key_hex.trim().to_ascii_uppercase().as_bytes());
    hex::encode_upper(digest.get(..4).unwrap_or_default())
}

use crate::config::{KeyAttribute, MachineKeyConfig};
use crate::error::{ConfigError, ConfigErrorKind, Error, RequiredMaterial};

/// The keys the legacy stack uses (after isolation, before DES truncation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyKeys {
    /// The validation (MAC) key.
    pub validation: ValidationKey,
    /// The decryption key.
    pub decryption: DecryptionKey,
}

/// The master keys the Framework45 stack derives purpose keys from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framework45Keys {
    /// The validation master key.
    pub validation: ValidationKey,
    /// The encryption master key.
    pub encryption: DecryptionKey,
}

/// Narrows a resolution without application or buffer to its configuration error (the only
/// kind it can raise).
fn config_only(which: KeyAttribute, e: Error) -> ConfigError {
    match e {
        Error::Config(c) => c,
        _ => ConfigError::new(
            which,
            ConfigErrorKind::KeyMaterialRequired {
                what: RequiredMaterial::AppIdentity,
            },
        ),
    }
}

impl LegacyKeys {
    /// The keys the legacy stack uses for `app`: explicit hex or the legacy slices of
    /// `autogen` (`MachineKeySection.RuntimeDataInitialize`, `MachineKeyMasterKeyProvider`), then the IsolateApps / IsolateByAppId overwrite of bytes 0–3 /
    /// 4–7 with the application's string hashes, little-endian (`MachineKeySection.RuntimeDataInitialize`).
    ///
    /// # Errors
    /// A [`ConfigError`](Error::Config) if the legacy rules reject a key or material is
    /// missing (`AutoGenerate` without `autogen`); [`Error::StringHash`] if a hash cannot
    /// be computed and was not supplied.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::MachineKeyConfig;
    /// use machinekey::keys::{AppIdentity, AutoGenKeys, LegacyKeys};
    /// let buf: Vec<u8> = (0..1024).map(|i| (i % 256) as u8).collect();
    /// let autogen = AutoGenKeys::from_bytes(&buf)?;
    /// let app = AppIdentity::new("/MyApp", "/LM/W3SVC/1/ROOT/MyApp")?;
    /// let keys = LegacyKeys::resolve(&MachineKeyConfig::default(), &app, Some(&autogen))?;
    /// // bytes 0-3 = hash("/MyApp") = 0x179AB900, little-endian; the rest is buf[4..64]
    /// assert_eq!(&keys.validation.expose_secret()[..6], &[0x00, 0xB9, 0x9A, 0x17, 4, 5]);
    /// assert_eq!(keys.decryption.expose_secret()[4], 68); // buf[64..88], isolated too
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn resolve(
        config: &MachineKeyConfig,
        app: &AppIdentity,
        autogen: Option<&AutoGenKeys>,
    ) -> Result<Self, Error> {
        let v = autogen::legacy_key(config, KeyAttribute::ValidationKey, Some(app), autogen)?;
        let d = autogen::legacy_key(config, KeyAttribute::DecryptionKey, Some(app), autogen)?;
        Ok(Self {
            validation: ValidationKey::from_bytes(&v),
            decryption: DecryptionKey::from_bytes(&d),
        })
    }

    /// The explicit keys of `config`, read with the legacy rules (`MachineKeySection.RuntimeDataInitialize`).
    ///
    /// # Errors
    /// A [`ConfigError`] if a key is rejected by the legacy rules, or
    /// [`ConfigErrorKind::KeyMaterialRequired`] if a key is `AutoGenerate` or isolated.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::MachineKeyConfig;
    /// use machinekey::keys::LegacyKeys;
    /// let cfg = MachineKeyConfig::builder()
    ///     .validation_key(&"AB".repeat(64))
    ///     .decryption_key(&"CD".repeat(24))
    ///     .build()?;
    /// let keys = LegacyKeys::explicit(&cfg)?;
    /// assert_eq!(keys.validation.len(), 64);
    /// assert!(LegacyKeys::explicit(&MachineKeyConfig::default()).is_err());
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    pub fn explicit(config: &MachineKeyConfig) -> Result<Self, ConfigError> {
        let key = |which| {
            autogen::legacy_key(config, which, None, None).map_err(|e| config_only(which, e))
        };
        Ok(Self {
            validation: ValidationKey::from_bytes(&key(KeyAttribute::ValidationKey)?),
            decryption: DecryptionKey::from_bytes(&key(KeyAttribute::DecryptionKey)?),
        })
    }
}

impl Framework45Keys {
    /// The master keys the Framework45 stack uses for `app`: explicit hex verbatim, or the
    /// Framework45 slices of `autogen` run through SP800-108 with `MachineKeyDerivation` and
    /// the `IsolateApps: ...` / `IsolateByAppId: ...` purposes (`MachineKeyMasterKeyProvider`).
    ///
    /// # Errors
    /// A [`ConfigError`](Error::Config) if the Framework45 rules reject a key or material
    /// is missing.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::MachineKeyConfig;
    /// use machinekey::keys::{AppIdentity, AutoGenKeys, Framework45Keys};
    /// let buf: Vec<u8> = (0..1024).map(|i| (i % 256) as u8).collect();
    /// let autogen = AutoGenKeys::from_bytes(&buf)?;
    /// let app = AppIdentity::new("/", "/LM/W3SVC/1/ROOT")?;
    /// let keys = Framework45Keys::resolve(&MachineKeyConfig::default(), &app, Some(&autogen))?;
    /// assert_eq!(keys.encryption.to_upper_hex()[..8], *"7802F257"); // a value computed from the source, not captured from ASP.NET
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn resolve(
        config: &MachineKeyConfig,
        app: &AppIdentity,
        autogen: Option<&AutoGenKeys>,
    ) -> Result<Self, Error> {
        let v = autogen::framework45_key(config, KeyAttribute::ValidationKey, Some(app), autogen)?;
        let e = autogen::framework45_key(config, KeyAttribute::DecryptionKey, Some(app), autogen)?;
        Ok(Self {
            validation: ValidationKey::from_bytes(&v),
            encryption: DecryptionKey::from_bytes(&e),
        })
    }

    /// The explicit master keys of `config`, read with the Framework45 rules (`MachineKeyMasterKeyProvider.GenerateCryptographicKey`):
    /// hex is used verbatim.
    ///
    /// # Errors
    /// A [`ConfigError`] if a key is rejected by the Framework45 rules (for example hex with
    /// `,IsolateApps`), or [`ConfigErrorKind::KeyMaterialRequired`] for `AutoGenerate`.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::MachineKeyConfig;
    /// use machinekey::keys::Framework45Keys;
    /// let cfg = MachineKeyConfig::builder()
    ///     .validation_key(&"AB".repeat(64))
    ///     .decryption_key(&"CD".repeat(32))
    ///     .build()?;
    /// assert_eq!(Framework45Keys::explicit(&cfg)?.encryption.len(), 32);
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    pub fn explicit(config: &MachineKeyConfig) -> Result<Self, ConfigError> {
        let key = |which| {
            autogen::framework45_key(config, which, None, None).map_err(|e| config_only(which, e))
        };
        Ok(Self {
            validation: ValidationKey::from_bytes(&key(KeyAttribute::ValidationKey)?),
            encryption: DecryptionKey::from_bytes(&key(KeyAttribute::DecryptionKey)?),
        })
    }
}
