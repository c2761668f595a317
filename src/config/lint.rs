//! Security and robustness findings about a configuration: what `machinekey config`
//! reports, as typed values other tools can act on (fail a CI job on a leaked key, flag an
//! AutoGenerate key before a web farm goes live).

use std::collections::BTreeMap;

use serde::Serialize;

use super::stack::{Level, Origin, ResolvedConfig};
use super::{
    CompatibilityMode, DecryptionAlgorithm, KeyAttribute, KeySource, KeySpec, MachineKeyAttribute,
    MachineKeyConfig, Section, Setting, ValidationAlgorithm,
};
use crate::error::ConfigError;
use crate::names::names;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing; nothing is broken or exposed.
    Notice,
    /// A weakness or a trap: data can be forged, read, or lost between processes.
    Warning,
}

/// What a finding is about; stable names for tools (`snake_case` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LintCode {
    /// A key is `AutoGenerate`: every worker process and server must reach the same key
    /// store (`HttpRuntime.SetAutogenKeys`), or they do not read each other's data.
    AutoGenerateKey,
    /// A key is in a known-key list: anyone can forge ViewState (remote code execution
    /// through `ObjectStateFormatter`), tickets and cookies.
    KnownKey,
    /// `validation` is MD5, SHA1, AES or 3DES.
    LegacyValidation,
    /// `decryption` is DES or 3DES.
    LegacyCipher,
    /// `aspnet:UseLegacyEncryption=true`: legacy encryption without a MAC, the
    /// pre-MS10-070 padding oracle.
    UnsignedEncryption,
    /// A publicly known key elsewhere in the configuration stack (overridden for this
    /// application, but other applications may inherit it).
    KnownKeyInStack,
    /// A key set machine-wide (machine.config or the root web.config, how farms share one
    /// key) is overridden lower down: this application will not share state with the farm.
    FarmKeyOverridden,
    /// `<machineKey>` is locked above the application: it cannot change its keys.
    LockedKey,
    /// `dataProtectorType` with no repository configured (`aspnet:dataProtectionStartupType`
    /// empty): the key ring goes where the worker identity can write (its profile, or
    /// `AutoGenKeys\{SID}\DataProtection` if that key exists), else into each process's
    /// memory.
    DataProtectionRepository,
    /// `dataProtectorType` names a protector other than the Data Protection package's
    /// `CompatibilityDataProtector`: its format is its own.
    CustomDataProtector,
}

names!(Severity, "The name, as JSON writes it.", {
    Notice => "notice",
    Warning => "warning",
});

names!(LintCode, "The code, as JSON writes it.", {
    AutoGenerateKey => "auto_generate_key",
    KnownKey => "known_key",
    LegacyValidation => "legacy_validation",
    LegacyCipher => "legacy_cipher",
    UnsignedEncryption => "unsigned_encryption",
    KnownKeyInStack => "known_key_in_stack",
    FarmKeyOverridden => "farm_key_overridden",
    LockedKey => "locked_key",
    DataProtectionRepository => "data_protection_repository",
    CustomDataProtector => "custom_data_protector",
});

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Lint {
    /// What it is about.
    pub code: LintCode,
    /// How much it matters.
    pub severity: Severity,
    /// The setting, e.g. `machineKey validationKey` or
    /// `appSettings aspnet:UseLegacyEncryption` (`machineKey` for the element as a whole).
    pub setting: Setting,
    /// What to tell an operator, with the fix. Never contains key bytes.
    pub message: String,
    /// Where in the configuration stack, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// A source of publicly known keys for [`lint`] (the audit's `KeyList` is one).
pub trait KnownKeys {
    /// Whether `key_text` (hex as written in a web.config) is publicly known.
    fn is_known_key(&self, key_text: &str) -> bool;
}

/// The effective settings of a configuration, without key bytes, and its findings: what
/// `machinekey config` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// The effective compatibility mode.
    pub mode: CompatibilityMode,
    /// The validation algorithm.
    pub validation: ValidationAlgorithm,
    /// The decryption algorithm.
    pub decryption: DecryptionAlgorithm,
    /// How the effective stack reads `validationKey`.
    pub validation_key: KeySpec,
    /// How the effective stack reads `decryptionKey`.
    pub decryption_key: KeySpec,
    /// The findings, most severe first.
    pub lints: Vec<Lint>,
    /// Where each effective setting came from (empty for a configuration built without a
    /// [`ConfigStack`](super::stack::ConfigStack)).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub origins: BTreeMap<Setting, Origin>,
}

impl Summary {
    /// Whether any finding is a [`Severity::Warning`].
    #[must_use]
    pub fn has_warnings(&self) -> bool {
        self.lints.iter().any(|l| l.severity == Severity::Warning)
    }
}

/// Summarizes `config` and lints it: key sources, legacy algorithms, unsigned encryption,
/// and (with `known`) publicly known keys.
///
/// # Errors
/// The configuration error of the effective stack's key parser.
///
/// # Example
/// ```
/// use machinekey::MachineKeyConfig;
/// use machinekey::config::lint::{LintCode, lint};
/// let summary = lint(&MachineKeyConfig::default(), None)?;
/// assert!(summary.lints.iter().any(|l| l.code == LintCode::AutoGenerateKey));
/// assert!(summary.has_warnings());
/// # Ok::<(), machinekey::ConfigError>(())
/// ```
pub fn lint(
    config: &MachineKeyConfig,
    known: Option<&dyn KnownKeys>,
) -> Result<Summary, ConfigError> {
    let (validation_key, decryption_key) = if config.compatibility_mode().is_framework45() {
        config.framework45_key_specs()
    } else {
        config.legacy_key_specs()
    }?;
    let mut lints = Vec::new();
    for (attribute, spec, text) in [
        (
            KeyAttribute::ValidationKey,
            validation_key,
            config.validation_key_text(),
        ),
        (
            KeyAttribute::DecryptionKey,
            decryption_key,
            config.decryption_key_text(),
        ),
    ] {
        if spec.source == KeySource::AutoGenerate {
            lints.push(Lint {
                code: LintCode::AutoGenerateKey,
                severity: Severity::Warning,
                setting: attribute.into(),
                message: format!("{attribute} is AutoGenerate: every worker process and server must reach the same key store, or they will not read each other's data (use an explicit key for web gardens and farms)"),
                origin: None,
            });
            continue;
        }
        let hex = text.expose_secret().split(',').next().unwrap_or_default();
        if known.is_some_and(|k| k.is_known_key(hex)) {
            lints.push(Lint {
                code: LintCode::KnownKey,
                severity: Severity::Warning,
                setting: attribute.into(),
                message: format!("{attribute} is a publicly known key (it is in a known-key list): anyone can forge ViewState, tickets and cookies; replace it"),
                origin: None,
            });
        }
    }
    let validation = config.validation();
    if matches!(
        validation,
        ValidationAlgorithm::Md5
            | ValidationAlgorithm::Sha1
            | ValidationAlgorithm::Aes
            | ValidationAlgorithm::TripleDes
    ) {
        lints.push(Lint {
            code: LintCode::LegacyValidation,
            severity: Severity::Notice,
            setting: MachineKeyAttribute::Validation.into(),
            message: format!(
                "validation {validation} is a legacy algorithm; prefer HMACSHA256 or stronger"
            ),
            origin: None,
        });
    }
    let decryption = config.decryption();
    if matches!(
        decryption,
        DecryptionAlgorithm::Des | DecryptionAlgorithm::TripleDes
    ) {
        lints.push(Lint {
            code: LintCode::LegacyCipher,
            severity: Severity::Notice,
            setting: MachineKeyAttribute::Decryption.into(),
            message: format!("decryption {decryption} is a legacy cipher; prefer AES"),
            origin: None,
        });
    }
    if let Some(t) = config.data_protector_type() {
        if !t.contains("CompatibilityDataProtector") {
            lints.push(Lint {
                code: LintCode::CustomDataProtector,
                severity: Severity::Notice,
                setting: MachineKeyAttribute::DataProtectorType.into(),
                message: format!("dataProtectorType {t:?} is not the Data Protection package's CompatibilityDataProtector: ViewState, tickets and MachineKey.Protect use its own format"),
                origin: None,
            });
        }
    }
    if config.runtime().use_legacy_encryption {
        lints.push(Lint {
            code: LintCode::UnsignedEncryption,
            severity: Severity::Warning,
            setting: Setting::app_setting("aspnet:UseLegacyEncryption"),
            message: "aspnet:UseLegacyEncryption=true drops the MAC on encrypted data (the pre-MS10-070 padding oracle)".to_owned(),
            origin: None,
        });
    }
    lints.sort_by_key(|l| core::cmp::Reverse(l.severity));
    Ok(Summary {
        mode: config.compatibility_mode(),
        validation,
        decryption,
        validation_key,
        decryption_key,
        lints,
        origins: BTreeMap::new(),
    })
}

/// [`lint`] for an application resolved from a configuration stack: each finding carries the
/// file and line it is about, and the stack adds its own findings: publicly known keys
/// anywhere in the stack, a machine-wide (farm) key overridden lower down, and a key locked
/// above the application.
///
/// # Errors
/// As [`lint`].
///
/// # Example
/// ```
/// use machinekey::config::lint::{LintCode, lint_resolved};
/// use machinekey::config::stack::{ConfigFile, ConfigStack};
/// let root = ConfigFile::from_text(r#"<configuration><system.web>
///   <machineKey validationKey="00112233445566778899AABBCCDDEEFF0011223344556677" decryptionKey="00112233445566778899AABBCCDDEEFF" />
/// </system.web></configuration>"#, "root web.config");
/// let app = ConfigFile::from_text(r#"<configuration><system.web>
///   <machineKey validationKey="FFEEDDCCBBAA99887766554433221100FFEEDDCCBBAA9988" decryptionKey="FFEEDDCCBBAA99887766554433221100" />
/// </system.web></configuration>"#, "app web.config");
/// let resolved = ConfigStack::new().root_web_config(root).application_web_config("/App", app).resolve("/App")?;
/// let summary = lint_resolved(&resolved, None)?;
/// assert!(summary.lints.iter().any(|l| l.code == LintCode::FarmKeyOverridden));
/// # Ok::<(), machinekey::ConfigError>(())
/// ```
pub fn lint_resolved(
    resolved: &ResolvedConfig,
    known: Option<&dyn KnownKeys>,
) -> Result<Summary, ConfigError> {
    let mut summary = lint(&resolved.config, known)?;
    for l in &mut summary.lints {
        l.origin = resolved.origin(l.setting.clone()).cloned();
    }
    for key in &resolved.keys_in_stack {
        let (attribute, origin) = (key.attribute, &key.origin);
        let effective = resolved.origin(attribute);
        let is_effective = effective == Some(origin);
        let hex = key
            .text
            .expose_secret()
            .split(',')
            .next()
            .unwrap_or_default();
        if !is_effective && known.is_some_and(|k| k.is_known_key(hex)) {
            summary.lints.push(Lint {
                code: LintCode::KnownKeyInStack,
                severity: Severity::Warning,
                setting: attribute.into(),
                message: format!("{attribute} at {origin} is a publicly known key; this application overrides it, but others at that level inherit it: replace it"),
                origin: Some(origin.clone()),
            });
        }
        let overridden_below = origin.level <= Level::RootWebConfig
            && effective.is_some_and(|e| e.level > Level::RootWebConfig);
        if overridden_below {
            let lower = effective.map(ToString::to_string).unwrap_or_default();
            summary.lints.push(Lint {
                code: LintCode::FarmKeyOverridden,
                severity: Severity::Warning,
                setting: attribute.into(),
                message: format!("{attribute} set machine-wide at {origin} (how a farm shares one key) is overridden at {lower}: this application will not read data the other servers protect, nor they its"),
                origin: effective.cloned(),
            });
        }
    }
    let startup = resolved
        .data_protection_startup_type
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if resolved.config.data_protector_type().is_some() && startup.is_none() {
        summary.lints.push(Lint {
            code: LintCode::DataProtectionRepository,
            severity: Severity::Warning,
            setting: MachineKeyAttribute::DataProtectorType.into(),
            message: "dataProtectorType routes ViewState, forms tickets and MachineKey.Protect through a Data Protection key ring, and no repository is configured (appSettings aspnet:dataProtectionStartupType is empty): the ring goes to the worker identity's profile, or HKLM\\SOFTWARE\\Microsoft\\ASP.NET\\4.0.30319.0\\AutoGenKeys\\{SID}\\DataProtection if that key exists, else into each process's memory (lost on recycle, not shared by web-garden workers or servers). Name a DataProtectionStartup subclass that calls PersistKeysToFileSystem on a shared path and SetApplicationName".to_owned(),
            origin: resolved
                .origin(MachineKeyAttribute::DataProtectorType)
                .cloned(),
        });
    }
    if let Some(lock) = &resolved.machine_key_lock {
        summary.lints.push(Lint {
            code: LintCode::LockedKey,
            severity: Severity::Notice,
            setting: Setting::element(Section::MachineKey),
            message: format!("<machineKey> is locked at {lock}: this application cannot change its keys (a replacement must be made there)"),
            origin: Some(lock.clone()),
        });
    }
    summary
        .lints
        .sort_by_key(|l| core::cmp::Reverse(l.severity));
    summary.origins = resolved.origins().clone();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    struct One(&'static str);
    impl KnownKeys for One {
        fn is_known_key(&self, key_text: &str) -> bool {
            key_text.eq_ignore_ascii_case(self.0)
        }
    }

    #[test]
    fn codes_and_severities() {
        let vk = "AB".repeat(64);
        let cfg = MachineKeyConfig::builder()
            .validation_key(&vk)
            .decryption_key("0123456789ABCDEFFEDCBA987654321089ABCDEF01234567")
            .validation(ValidationAlgorithm::Sha1)
            .decryption(DecryptionAlgorithm::TripleDes)
            .build()
            .unwrap();
        let s = lint(&cfg, None).unwrap();
        let codes: Vec<LintCode> = s.lints.iter().map(|l| l.code).collect();
        assert_eq!(codes, [LintCode::LegacyValidation, LintCode::LegacyCipher]);
        assert!(!s.has_warnings());
        let known: &'static str = Box::leak(vk.to_lowercase().into_boxed_str());
        let s = lint(&cfg, Some(&One(known))).unwrap();
        assert_eq!(
            s.lints.first().map(|l| (l.code, l.setting.key_attribute())),
            Some((LintCode::KnownKey, Some(KeyAttribute::ValidationKey)))
        );
        assert!(s.has_warnings());
        assert!(s.lints.iter().all(|l| !l.message.contains("ABAB")));
    }
}
