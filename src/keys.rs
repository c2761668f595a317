//! Key material: secret newtypes, the keys each stack uses, and key generation.
//!
//! This layer turns a [`MachineKeyConfig`] into the keys the two protection stacks use. In
//! this release only explicit keys are resolved; `AutoGenerate`, `IsolateApps` and
//! `IsolateByAppId` need the auto-generated key buffer and the application identity, and
//! are reported as [`ConfigErrorKind::KeyMaterialRequired`].

mod generate;
mod secret;

pub use generate::generate;
pub use secret::{DecryptionKey, ValidationKey};

use crate::config::{KeyAttribute, KeySource, MachineKeyConfig, ParsedKey};
use crate::error::{ConfigError, ConfigErrorKind};

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

fn explicit_bytes(parsed: ParsedKey, which: KeyAttribute) -> Result<Vec<u8>, ConfigError> {
    let needs =
        |what| ConfigError::new(which.name(), ConfigErrorKind::KeyMaterialRequired { what });
    if parsed.spec.source == KeySource::AutoGenerate {
        return Err(needs(
            "AutoGenerate keys come from the per-identity auto-generated key buffer, which this call does not have",
        ));
    }
    if parsed.spec.isolate_apps || parsed.spec.isolate_by_app_id {
        return Err(needs(
            "IsolateApps/IsolateByAppId modify the key per application, and this call has no application identity",
        ));
    }
    parsed
        .bytes
        .as_ref()
        .map(|b| b.to_vec())
        .ok_or_else(|| needs("no key bytes"))
}

impl LegacyKeys {
    /// The explicit keys of `config`, read with the legacy rules (spec §1.3).
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
        let v = KeyAttribute::ValidationKey;
        let d = KeyAttribute::DecryptionKey;
        Ok(Self {
            validation: ValidationKey::from_bytes(&explicit_bytes(config.parsed_legacy(v)?, v)?),
            decryption: DecryptionKey::from_bytes(&explicit_bytes(config.parsed_legacy(d)?, d)?),
        })
    }
}

impl Framework45Keys {
    /// The explicit master keys of `config`, read with the Framework45 rules (spec §1.4):
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
        let v = KeyAttribute::ValidationKey;
        let d = KeyAttribute::DecryptionKey;
        Ok(Self {
            validation: ValidationKey::from_bytes(&explicit_bytes(
                config.parsed_framework45(v)?,
                v,
            )?),
            encryption: DecryptionKey::from_bytes(&explicit_bytes(
                config.parsed_framework45(d)?,
                d,
            )?),
        })
    }
}
