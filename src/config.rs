//! The `<machineKey>` element and the settings that change its meaning (`System.Web/Configuration/MachineKeySection.cs`).
//!
//! **Start here:** [`MachineKeyConfig::from_web_config`] for a web.config, or
//! [`MachineKeyConfig::builder`] for attribute values; then hand the config to
//! [`AppKeys`](crate::AppKeys).
//!
//! [`MachineKeyConfig`] holds the element's attributes, validated exactly as ASP.NET
//! validates them for the *effective* compatibility mode, plus the [`RuntimeSettings`] that
//! change their meaning (framework build, `<httpRuntime targetFramework>`, `aspnet:*`
//! appSettings). It is built from a whole web.config, from a `<machineKey>` element, or from
//! attribute values with [`MachineKeyConfig::builder`], and writes itself back as a
//! `<machineKey .../>` element.
//!
//! ASP.NET parses keys twice over, with different rules: the legacy stack (`MachineKeySection.RuntimeDataInitialize`) and
//! the Framework45 stack (`MachineKeyMasterKeyProvider.GenerateCryptographicKey`). `MachineKey.Protect` always uses the Framework45 rules
//! and `MachineKey.Encode` always the legacy ones, whatever the mode; so a config valid for
//! its own mode can still fail when the other stack is asked for, exactly as in ASP.NET,
//! where the error appears at first use.

mod algorithms;
pub(crate) mod forms;
mod hex;
pub(crate) mod key_rules;
mod key_text;
pub mod lint;
pub mod stack;
mod web_config;
mod xml;

use crate::names::names;
use core::fmt;
use core::str::FromStr;

pub use algorithms::{
    CompatibilityMode, DecryptionAlgorithm, SymmetricAlgorithm, ValidationAlgorithm,
};
pub(crate) use key_text::ParsedKey;
pub use key_text::{KeySource, KeySpec, KeyText};

pub use crate::error::{ConfigError, ConfigErrorKind, RequiredMaterial};
pub use crate::vocabulary::{KeyAttribute, MachineKeyAttribute, Section, Setting};

/// The ASP.NET build whose rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum FrameworkVersion {
    /// .NET Framework 2.0 SP2 / 3.5 (CLR 2, `System.Web` 2.0): SHA1 default, 20-byte MACs,
    /// no HMACSHA2 family, no IsolateByAppId, no Framework45 (the .NET 2.0 SP2 `System.Web`, from a decompile).
    V2_0,
    /// .NET Framework 4.0 to 4.8 (CLR 4): the default.
    #[default]
    V4,
}

names!(FrameworkVersion, "The build, in words.", {
    V2_0 => "2.0",
    V4 => "4.x",
});

/// A `<httpRuntime targetFramework>` version such as `4.5` or `4.7.2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetFramework {
    parts: [u32; 4],
}

impl TargetFramework {
    /// Whether this targets 4.5 or later, which switches the default compatibility mode to
    /// Framework45 (`BinaryCompatibility.TargetsAtLeastFramework45`).
    #[must_use]
    pub fn at_least_framework45(&self) -> bool {
        self.parts >= [4, 5, 0, 0]
    }
}

impl FromStr for TargetFramework {
    type Err = ConfigError;

    /// Parses `major.minor[.build[.revision]]`, as `System.Version` does.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || {
            ConfigError::new(
                Setting::TARGET_FRAMEWORK,
                ConfigErrorKind::InvalidTargetFramework {
                    value: s.to_owned(),
                },
            )
        };
        let pieces: Vec<&str> = s.trim().split('.').collect();
        if !(2..=4).contains(&pieces.len()) {
            return Err(err());
        }
        let mut parts = [0u32; 4];
        for (slot, piece) in parts.iter_mut().zip(&pieces) {
            if piece.is_empty() || !piece.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            *slot = piece.parse().map_err(|_| err())?;
        }
        Ok(Self { parts })
    }
}

impl serde::Serialize for TargetFramework {
    /// As written in `<httpRuntime targetFramework>`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for TargetFramework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.parts;
        write!(f, "{a}.{b}")?;
        if c != 0 || d != 0 {
            write!(f, ".{c}")?;
        }
        if d != 0 {
            write!(f, ".{d}")?;
        }
        Ok(())
    }
}

/// Settings outside `<machineKey>` that change its meaning (`MachineKeySection`'s attribute defaults; `System.Web/Util/AppSettings.cs`).
///
/// Every field defaults to what ASP.NET does when the setting is absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RuntimeSettings {
    /// The framework build. Defaults to [`FrameworkVersion::V4`].
    pub framework: FrameworkVersion,
    /// `<httpRuntime targetFramework>`. Defaults to `None` (as 4.0). 4.5 or later makes
    /// Framework45 the default compatibility mode.
    pub target_framework: Option<TargetFramework>,
    /// `aspnet:UseLegacyEncryption`. Defaults to `false`. When `true`, legacy encryption is
    /// not signed (the pre-MS10-070 format).
    pub use_legacy_encryption: bool,
    /// `aspnet:UseLegacyMachineKeyEncryption`. Defaults to `false`. Like
    /// `use_legacy_encryption`, for `MachineKey.Encode`/`Decode` only.
    pub use_legacy_machine_key_encryption: bool,
    /// `aspnet:UseLegacyFormsAuthenticationTicketCompatibility`. Defaults to `false`.
    pub use_legacy_forms_authentication_ticket_compatibility: bool,
    /// `aspnet:UseRandomizedStringHashAlgorithm`. Defaults to `false`. Changes only the
    /// ViewState generator hash.
    pub use_randomized_string_hash_algorithm: bool,
}

/// A validated `<machineKey>` configuration with the settings that change its meaning.
///
/// # Example
/// ```
/// use machinekey::config::{CompatibilityMode, MachineKeyConfig, ValidationAlgorithm};
/// let xml = r#"<configuration>
///   <system.web>
///     <httpRuntime targetFramework="4.8" />
///     <machineKey validationKey="F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B"
///                 decryptionKey="B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78"
///                 validation="HMACSHA512" decryption="AES" />
///   </system.web>
/// </configuration>"#;
/// let cfg = MachineKeyConfig::from_web_config(xml)?;
/// assert_eq!(cfg.compatibility_mode(), CompatibilityMode::Framework45);
/// assert_eq!(cfg.validation(), ValidationAlgorithm::HmacSha512);
/// # Ok::<(), machinekey::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineKeyConfig {
    validation_key: KeyText,
    decryption_key: KeyText,
    validation: ValidationAlgorithm,
    decryption: DecryptionAlgorithm,
    compatibility_mode: Option<CompatibilityMode>,
    application_name: Option<String>,
    data_protector_type: Option<String>,
    runtime: RuntimeSettings,
}

impl Default for MachineKeyConfig {
    /// ASP.NET 4.x with no `<machineKey>` element: `AutoGenerate,IsolateApps` keys,
    /// HMACSHA256, `Auto`, Framework20SP1.
    fn default() -> Self {
        Self {
            validation_key: KeyText::default_auto_generate(),
            decryption_key: KeyText::default_auto_generate(),
            validation: ValidationAlgorithm::HmacSha256,
            decryption: DecryptionAlgorithm::Auto,
            compatibility_mode: None,
            application_name: None,
            data_protector_type: None,
            runtime: RuntimeSettings::default(),
        }
    }
}

impl MachineKeyConfig {
    /// Starts a configuration from attribute values, as they would be written in XML.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::MachineKeyConfig;
    /// let cfg = MachineKeyConfig::builder()
    ///     .validation_key("0074D9E5776602E629B362073918A43AD0D631800111D0453DB3416D3827C95B81F575B388A6B425E39AC49BCDC2DC8A57AD2207DC726E78544525A83AB4FE08")
    ///     .decryption_key("245EDC5AAF1F32D0087178F7409370AF0A2C1FDDE1240212C73604E0DE509029")
    ///     .validation(machinekey::config::ValidationAlgorithm::Sha1)
    ///     .decryption(machinekey::config::DecryptionAlgorithm::Aes)
    ///     .build()?;
    /// assert!(!cfg.compatibility_mode().is_framework45());
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    #[must_use]
    pub fn builder() -> MachineKeyConfigBuilder {
        MachineKeyConfigBuilder::default()
    }

    /// The effective compatibility mode: the attribute if set; otherwise Framework45 when
    /// the application targets 4.5 or later, else Framework20SP1 (`MachineKeySection`'s attribute defaults).
    #[must_use]
    pub fn compatibility_mode(&self) -> CompatibilityMode {
        effective_mode(self.compatibility_mode, &self.runtime)
    }

    /// The `compatibilityMode` attribute as written, if it was.
    #[must_use]
    pub fn compatibility_mode_attribute(&self) -> Option<CompatibilityMode> {
        self.compatibility_mode
    }

    /// The `validation` algorithm (the framework's default when the attribute is absent).
    #[must_use]
    pub fn validation(&self) -> ValidationAlgorithm {
        self.validation
    }

    /// The `decryption` algorithm.
    #[must_use]
    pub fn decryption(&self) -> DecryptionAlgorithm {
        self.decryption
    }

    /// The settings outside `<machineKey>`.
    #[must_use]
    pub fn runtime(&self) -> &RuntimeSettings {
        &self.runtime
    }

    /// The `validationKey` text.
    #[must_use]
    pub fn validation_key_text(&self) -> &KeyText {
        &self.validation_key
    }

    /// The `decryptionKey` text.
    #[must_use]
    pub fn decryption_key_text(&self) -> &KeyText {
        &self.decryption_key
    }

    /// The `applicationName` attribute (used only with `dataProtectorType`).
    #[must_use]
    pub fn application_name(&self) -> Option<&str> {
        self.application_name.as_deref()
    }

    /// The `dataProtectorType` attribute (`MachineKeySection.DataProtectorType`). When set,
    /// ASP.NET hands Framework45 protection (except resource URLs and `__PREVIOUSPAGE`) to
    /// that `DataProtector`; with the `Microsoft.AspNetCore.DataProtection.SystemWeb`
    /// package it is a Data Protection key ring: see
    /// [`AppKeys::with_key_ring`](crate::AppKeys::with_key_ring).
    #[must_use]
    pub fn data_protector_type(&self) -> Option<&str> {
        self.data_protector_type.as_deref()
    }

    /// The key attributes as the legacy stack reads them (`MachineKeySection.RuntimeDataInitialize`):
    /// `(validationKey, decryptionKey)`.
    ///
    /// # Errors
    /// A [`ConfigError`] if the legacy stack rejects either key, as it would at first use.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::{KeySource, MachineKeyConfig};
    /// let (v, d) = MachineKeyConfig::default().legacy_key_specs()?;
    /// assert_eq!(v.source, KeySource::AutoGenerate);
    /// assert!(d.isolate_apps);
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    pub fn legacy_key_specs(&self) -> Result<(KeySpec, KeySpec), ConfigError> {
        Ok((
            self.parsed_legacy(KeyAttribute::ValidationKey)?.spec,
            self.parsed_legacy(KeyAttribute::DecryptionKey)?.spec,
        ))
    }

    /// The key attributes as the Framework45 stack reads them (`MachineKeyMasterKeyProvider.GenerateCryptographicKey`):
    /// `(validationKey, decryptionKey)`.
    ///
    /// # Errors
    /// A [`ConfigError`] if the Framework45 stack rejects either key (for example hex with
    /// `,IsolateApps`), as it would at first use.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::MachineKeyConfig;
    /// let cfg = MachineKeyConfig::builder()
    ///     .validation_key(&format!("{},IsolateApps", "AB".repeat(32)))
    ///     .build()?; // fine for the legacy default mode...
    /// assert!(cfg.framework45_key_specs().is_err()); // ...but MachineKey.Protect would fail
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    pub fn framework45_key_specs(&self) -> Result<(KeySpec, KeySpec), ConfigError> {
        Ok((
            self.parsed_framework45(KeyAttribute::ValidationKey)?.spec,
            self.parsed_framework45(KeyAttribute::DecryptionKey)?.spec,
        ))
    }

    pub(crate) fn key_text(&self, which: KeyAttribute) -> &KeyText {
        match which {
            KeyAttribute::ValidationKey => &self.validation_key,
            KeyAttribute::DecryptionKey => &self.decryption_key,
        }
    }

    pub(crate) fn parsed_legacy(&self, which: KeyAttribute) -> Result<ParsedKey, ConfigError> {
        self.key_text(which)
            .parse_legacy(which, self.runtime.framework)
    }

    pub(crate) fn parsed_framework45(&self, which: KeyAttribute) -> Result<ParsedKey, ConfigError> {
        if self.runtime.framework == FrameworkVersion::V2_0 {
            return Err(ConfigError::new(
                which,
                ConfigErrorKind::NotAvailable {
                    reason: "the Framework45 stack does not exist on .NET 2.0",
                },
            ));
        }
        self.key_text(which).parse_framework45(which)
    }

    /// Writes the `<machineKey .../>` element. Every attribute that carries meaning is
    /// written, so that reading it back with the same [`RuntimeSettings`] gives an equal
    /// config.
    ///
    /// The output contains the keys: treat it as a secret.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::MachineKeyConfig;
    /// let cfg = MachineKeyConfig::default();
    /// let xml = cfg.to_machine_key_element();
    /// assert_eq!(
    ///     xml,
    ///     r#"<machineKey validationKey="AutoGenerate,IsolateApps" decryptionKey="AutoGenerate,IsolateApps" validation="HMACSHA256" decryption="Auto" />"#
    /// );
    /// let back = MachineKeyConfig::from_machine_key_element(&xml, cfg.runtime().clone())?;
    /// assert_eq!(back, cfg);
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    #[must_use]
    pub fn to_machine_key_element(&self) -> String {
        let mut out = String::from("<machineKey");
        let mut attr = |name: &str, value: &str| {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            out.push_str(&xml_escape(value));
            out.push('"');
        };
        attr("validationKey", self.validation_key.expose_secret());
        attr("decryptionKey", self.decryption_key.expose_secret());
        attr("validation", self.validation.as_str());
        attr("decryption", self.decryption.as_str());
        if let Some(mode) = self.compatibility_mode {
            attr("compatibilityMode", mode.as_str());
        }
        if let Some(name) = &self.application_name {
            attr("applicationName", name);
        }
        if let Some(t) = &self.data_protector_type {
            attr("dataProtectorType", t);
        }
        out.push_str(" />");
        out
    }

    /// Checks the config as ASP.NET checks it for its effective mode.
    fn validate(&self) -> Result<(), ConfigError> {
        let mode = self.compatibility_mode();
        if mode.is_framework45() {
            if !self.validation.allowed_in_framework45() {
                return Err(ConfigError::new(
                    MachineKeyAttribute::Validation,
                    ConfigErrorKind::ValidationNotSupportedInFramework45 {
                        value: self.validation.as_str().to_owned(),
                    },
                ));
            }
            self.parsed_framework45(KeyAttribute::ValidationKey)?;
            let dk = self.parsed_framework45(KeyAttribute::DecryptionKey)?;
            if let Some(bytes) = &dk.bytes {
                key_rules::check_symmetric_key(self.decryption.framework45_cipher(), bytes)
                    .map_err(|kind| ConfigError::new(KeyAttribute::DecryptionKey, kind))?;
            }
        } else {
            let vk = self.parsed_legacy(KeyAttribute::ValidationKey)?;
            if let Some(bytes) = &vk.bytes {
                key_rules::check_legacy_validation_key(self.validation, bytes)
                    .map_err(|kind| ConfigError::new(KeyAttribute::ValidationKey, kind))?;
            }
            let dk = self.parsed_legacy(KeyAttribute::DecryptionKey)?;
            if let Some(bytes) = &dk.bytes {
                let in_dk = |kind| ConfigError::new(KeyAttribute::DecryptionKey, kind);
                key_rules::legacy_cipher_key(self.decryption, self.runtime.framework, bytes)
                    .map_err(in_dk)?;
                if let Some(wrap) = self.validation.validation_cipher() {
                    key_rules::legacy_validation_cipher_key(wrap, bytes).map_err(in_dk)?;
                }
            }
        }
        Ok(())
    }
}

fn effective_mode(
    attribute: Option<CompatibilityMode>,
    runtime: &RuntimeSettings,
) -> CompatibilityMode {
    attribute.unwrap_or_else(|| {
        let fx45 = runtime.framework == FrameworkVersion::V4
            && runtime
                .target_framework
                .is_some_and(|t| t.at_least_framework45());
        if fx45 {
            CompatibilityMode::Framework45
        } else {
            CompatibilityMode::Framework20SP1
        }
    })
}

fn xml_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    out
}

/// Builds a [`MachineKeyConfig`] from attribute values, validating on
/// [`build`](MachineKeyConfigBuilder::build). Unset attributes take ASP.NET's defaults.
#[derive(Debug, Clone, Default)]
pub struct MachineKeyConfigBuilder {
    validation_key: Option<KeyText>,
    decryption_key: Option<KeyText>,
    validation: Option<String>,
    decryption: Option<String>,
    compatibility_mode: Option<String>,
    application_name: Option<String>,
    data_protector_type: Option<String>,
    runtime: RuntimeSettings,
}

impl MachineKeyConfigBuilder {
    /// `validationKey` (hex or flags; surrounding white space is trimmed).
    #[must_use]
    pub fn validation_key(mut self, text: &str) -> Self {
        self.validation_key = Some(KeyText::new(text));
        self
    }

    /// `decryptionKey` (hex or flags; surrounding white space is trimmed).
    #[must_use]
    pub fn decryption_key(mut self, text: &str) -> Self {
        self.decryption_key = Some(KeyText::new(text));
        self
    }

    /// `validation`.
    #[must_use]
    pub fn validation(self, algorithm: ValidationAlgorithm) -> Self {
        self.attribute(MachineKeyAttribute::Validation, algorithm.as_str())
    }

    /// `decryption`.
    #[must_use]
    pub fn decryption(self, algorithm: DecryptionAlgorithm) -> Self {
        self.attribute(MachineKeyAttribute::Decryption, algorithm.as_str())
    }

    /// `compatibilityMode`.
    #[must_use]
    pub fn compatibility_mode(self, mode: CompatibilityMode) -> Self {
        self.attribute(MachineKeyAttribute::CompatibilityMode, mode.as_str())
    }

    /// `applicationName`.
    #[must_use]
    pub fn application_name(self, name: &str) -> Self {
        self.attribute(MachineKeyAttribute::ApplicationName, name)
    }

    /// `dataProtectorType`.
    #[must_use]
    pub fn data_protector_type(self, name: &str) -> Self {
        self.attribute(MachineKeyAttribute::DataProtectorType, name)
    }

    /// Any attribute, as written in a web.config: names such as `validation="HMACSHA256"`
    /// are checked by [`build`](Self::build), with ASP.NET's case-sensitive rules, as the
    /// configuration system checks them.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::{ConfigErrorKind, MachineKeyAttribute, MachineKeyConfig};
    /// let err = MachineKeyConfig::builder()
    ///     .attribute(MachineKeyAttribute::Validation, "hmacsha256")
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(err.kind(), ConfigErrorKind::UnknownValidation { .. }));
    /// ```
    #[must_use]
    pub fn attribute(mut self, attribute: MachineKeyAttribute, value: &str) -> Self {
        let text = Some(value.to_owned());
        match attribute {
            MachineKeyAttribute::ValidationKey => self.validation_key = Some(KeyText::new(value)),
            MachineKeyAttribute::DecryptionKey => self.decryption_key = Some(KeyText::new(value)),
            MachineKeyAttribute::Validation => self.validation = text,
            MachineKeyAttribute::Decryption => self.decryption = text,
            MachineKeyAttribute::CompatibilityMode => self.compatibility_mode = text,
            MachineKeyAttribute::ApplicationName => self.application_name = text,
            MachineKeyAttribute::DataProtectorType => self.data_protector_type = text,
        }
        self
    }

    /// The settings outside `<machineKey>`.
    #[must_use]
    pub fn runtime(mut self, runtime: RuntimeSettings) -> Self {
        self.runtime = runtime;
        self
    }

    /// Validates and builds.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first attribute ASP.NET would reject for the effective
    /// mode, with ASP.NET's error name where it has one.
    pub fn build(self) -> Result<MachineKeyConfig, ConfigError> {
        let framework = self.runtime.framework;
        let validation = match &self.validation {
            None => match framework {
                FrameworkVersion::V2_0 => ValidationAlgorithm::Sha1,
                FrameworkVersion::V4 => ValidationAlgorithm::HmacSha256,
            },
            Some(text) => {
                let v: ValidationAlgorithm = text.parse()?;
                if framework == FrameworkVersion::V2_0 && !v.exists_in_framework20() {
                    return Err(ConfigError::new(
                        MachineKeyAttribute::Validation,
                        ConfigErrorKind::UnknownValidation {
                            value: text.clone(),
                        },
                    ));
                }
                v
            }
        };
        let decryption = match &self.decryption {
            None => DecryptionAlgorithm::Auto,
            Some(text) => text.parse()?,
        };
        let compatibility_mode = match &self.compatibility_mode {
            None => None,
            Some(text) => {
                let m: CompatibilityMode = text.parse()?;
                if framework == FrameworkVersion::V2_0 && m.is_framework45() {
                    return Err(ConfigError::new(
                        MachineKeyAttribute::CompatibilityMode,
                        ConfigErrorKind::UnknownCompatibilityMode {
                            value: text.clone(),
                        },
                    ));
                }
                Some(m)
            }
        };
        let cfg = MachineKeyConfig {
            validation_key: self
                .validation_key
                .unwrap_or_else(KeyText::default_auto_generate),
            decryption_key: self
                .decryption_key
                .unwrap_or_else(KeyText::default_auto_generate),
            validation,
            decryption,
            compatibility_mode,
            application_name: self.application_name,
            data_protector_type: self.data_protector_type.filter(|t| !t.trim().is_empty()),
            runtime: self.runtime,
        };
        cfg.validate()?;
        Ok(cfg)
    }
}
