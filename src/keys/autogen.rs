//! The auto-generated key buffer and how each stack turns it into keys (`HttpRuntime.SetAutogenKeys`,
//! `MachineKeySection.RuntimeDataInitialize`, `MachineKeyMasterKeyProvider`).

use super::AppIdentity;
use super::kdf::sp800_108;
use super::purpose::{Purpose, primary};
use super::secret::secret_key;
use crate::config::{
    DecryptionAlgorithm, FrameworkVersion, KeyAttribute, KeySource, MachineKeyConfig,
    ValidationAlgorithm,
};
use crate::error::{ArgumentError, ConfigError, ConfigErrorKind, Error, RequiredMaterial};
use crate::random::RandomSource;

secret_key! {
    /// The per-identity auto-generated secret (`HttpRuntime.s_autogenKeys`): 1024 bytes on
    /// 4.x, 88 bytes (64 validation + 24 decryption) on old builds. Which 2.0 builds used which
    /// size is UNVERIFIED.
    ///
    /// A secret: zeroized on drop, `Debug` redacted, compared in constant time.
    ///
    /// # Example
    /// ```
    /// use machinekey::keys::AutoGenKeys;
    /// use machinekey::random::OsRandom;
    /// let keys = AutoGenKeys::generate(&OsRandom)?;
    /// assert_eq!(keys.len(), 1024);
    /// assert_eq!(format!("{keys:?}"), "AutoGenKeys([redacted])");
    /// assert!(AutoGenKeys::from_bytes(&[0; 100]).is_err());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    AutoGenKeys
}

impl AutoGenKeys {
    /// The 4.x buffer length.
    pub const LEN: usize = 1024;
    /// The old (1.x, some 2.0 builds) buffer length.
    pub const LEN_V2: usize = 88;

    /// Wraps a buffer of 1024 or 88 bytes.
    ///
    /// # Errors
    /// [`ArgumentError::AutoGenKeysLength`] for any other length.
    ///
    /// # Example
    /// ```
    /// use machinekey::keys::AutoGenKeys;
    /// let bytes: Vec<u8> = (0..1024).map(|i| (i % 256) as u8).collect();
    /// assert_eq!(AutoGenKeys::from_bytes(&bytes)?.len(), 1024);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        match bytes.len() {
            Self::LEN | Self::LEN_V2 => Ok(Self(bytes.to_vec())),
            len => Err(ArgumentError::AutoGenKeysLength { len }.into()),
        }
    }

    /// A fresh random 1024-byte buffer, as `SetAutogenKeys` proposes one.
    ///
    /// # Errors
    /// [`Error::Random`] if the source fails.
    ///
    /// # Example
    /// See [`AutoGenKeys`].
    pub fn generate(rng: &dyn RandomSource) -> Result<Self, Error> {
        let mut bytes = vec![0u8; Self::LEN];
        rng.fill(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// The legacy slice for one attribute (`MachineKeySection.RuntimeDataInitialize`, `MachineKeyMasterKeyProvider`): validation = `buf[0..V]`,
    /// decryption = `buf[V..V+D]`, where V is the HMAC block (64, or 128 for
    /// HMACSHA384/512) and D is 24 (8 for DES unless validation is AES/3DES). 2.0 builds use
    /// V = 64 and D = 24 always (the .NET 2.0 SP2 `System.Web`, from a decompile).
    fn legacy_slice(
        &self,
        which: KeyAttribute,
        validation: ValidationAlgorithm,
        decryption: DecryptionAlgorithm,
        framework: FrameworkVersion,
    ) -> Result<Vec<u8>, ConfigError> {
        let (v, d) = legacy_autogen_sizes(validation, decryption, framework);
        let range = match which {
            KeyAttribute::ValidationKey => 0..v,
            KeyAttribute::DecryptionKey => v..v + d,
        };
        self.0.get(range).map(<[u8]>::to_vec).ok_or_else(|| {
            ConfigError::new(
                which,
                ConfigErrorKind::NotAvailable {
                    reason: "an 88-byte auto-generated buffer holds only a 64-byte validation key; HMACSHA384/512 need the 1024-byte buffer",
                },
            )
        })
    }

    /// The Framework45 slice (`MachineKeySection.RuntimeDataInitialize`, `MachineKeyMasterKeyProvider`): encryption master `buf[0..32]`, validation master
    /// `buf[32..64]`, whatever the algorithms.
    fn framework45_slice(&self, which: KeyAttribute) -> &[u8] {
        let range = match which {
            KeyAttribute::DecryptionKey => 0..32,
            KeyAttribute::ValidationKey => 32..64,
        };
        self.0.get(range).unwrap_or_default()
    }
}

/// `(_AutoGenValidationKeySize, _AutoGenDecryptionKeySize)` for the legacy stack.
fn legacy_autogen_sizes(
    validation: ValidationAlgorithm,
    decryption: DecryptionAlgorithm,
    framework: FrameworkVersion,
) -> (usize, usize) {
    match framework {
        FrameworkVersion::V2_0 => (64, 24),
        FrameworkVersion::V4 => {
            let d = match decryption {
                DecryptionAlgorithm::Des if validation.validation_cipher().is_none() => 8,
                _ => 24,
            };
            (validation.block_len(), d)
        }
    }
}

fn needs(which: KeyAttribute, what: RequiredMaterial) -> ConfigError {
    ConfigError::new(which, ConfigErrorKind::KeyMaterialRequired { what })
}

/// Writes `hash` little-endian into `key[at..at + 4]` (`MachineKeySection.RuntimeDataInitialize`).
fn overwrite(key: &mut [u8], at: usize, hash: i32, which: KeyAttribute) -> Result<(), ConfigError> {
    let len = key.len();
    let slot = key.get_mut(at..at + 4).ok_or_else(|| {
        ConfigError::new(
            which,
            ConfigErrorKind::BadKeyLength {
                algorithm: "IsolateApps/IsolateByAppId",
                len,
                expected: "at least 4 bytes (IsolateApps) or 8 bytes (IsolateByAppId)",
            },
        )
    })?;
    slot.copy_from_slice(&hash.to_le_bytes());
    Ok(())
}

/// `key` with its first four bytes replaced by the application's virtual-path hash, as
/// IsolateApps does (the known-key audit tries this variant of every listed key). `None` for
/// a key shorter than four bytes.
#[cfg(feature = "audit")]
pub(crate) fn isolate_apps_variant(
    key: &[u8],
    virtual_path_hash: i32,
) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    let mut key = zeroize::Zeroizing::new(key.to_vec());
    overwrite(&mut key, 0, virtual_path_hash, KeyAttribute::ValidationKey).ok()?;
    Some(key)
}

/// The legacy key for one attribute: explicit bytes or the AutoGenerate slice, then the
/// IsolateApps / IsolateByAppId overwrite of bytes 0–3 / 4–7 (`MachineKeySection.RuntimeDataInitialize`).
pub(crate) fn legacy_key(
    config: &MachineKeyConfig,
    which: KeyAttribute,
    app: Option<&AppIdentity>,
    autogen: Option<&AutoGenKeys>,
) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    let parsed = config.parsed_legacy(which)?;
    let mut key = zeroize::Zeroizing::new(match (parsed.spec.source, &parsed.bytes) {
        (KeySource::Explicit, Some(bytes)) => bytes.to_vec(),
        _ => autogen
            .ok_or_else(|| needs(which, RequiredMaterial::AutoGenKeys))?
            .legacy_slice(
                which,
                config.validation(),
                config.decryption(),
                config.runtime().framework,
            )?,
    });
    if parsed.spec.isolate_apps || parsed.spec.isolate_by_app_id {
        let app = app.ok_or_else(|| needs(which, RequiredMaterial::AppIdentity))?;
        if parsed.spec.isolate_apps {
            overwrite(&mut key, 0, app.virtual_path_hash()?, which)?;
        }
        if parsed.spec.isolate_by_app_id {
            overwrite(&mut key, 4, app.app_id_hash()?, which)?;
        }
    }
    Ok(key)
}

/// The Framework45 master key for one attribute: explicit hex verbatim, or the AutoGenerate
/// slice run through SP800-108 with purpose `MachineKeyDerivation` and the specific purposes
/// `IsolateApps: <virtual path>` / `IsolateByAppId: <app id>` (`MachineKeyMasterKeyProvider`). The pass runs even
/// without isolation flags (empty context).
pub(crate) fn framework45_key(
    config: &MachineKeyConfig,
    which: KeyAttribute,
    app: Option<&AppIdentity>,
    autogen: Option<&AutoGenKeys>,
) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    let parsed = config.parsed_framework45(which)?;
    if let (KeySource::Explicit, Some(bytes)) = (parsed.spec.source, &parsed.bytes) {
        return Ok(zeroize::Zeroizing::new(bytes.to_vec()));
    }
    let slice = autogen
        .ok_or_else(|| needs(which, RequiredMaterial::AutoGenKeys))?
        .framework45_slice(which);
    let mut purpose = Purpose::new(primary::MACHINE_KEY_DERIVATION);
    if parsed.spec.isolate_apps || parsed.spec.isolate_by_app_id {
        let app = app.ok_or_else(|| needs(which, RequiredMaterial::AppIdentity))?;
        if parsed.spec.isolate_apps {
            purpose = purpose.with_specific(&format!("IsolateApps: {}", app.virtual_path()));
        }
        if parsed.spec.isolate_by_app_id {
            purpose = purpose.with_specific(&format!("IsolateByAppId: {}", app.app_id()));
        }
    }
    sp800_108(slice, purpose.label(), &purpose.context(), slice.len())
}
