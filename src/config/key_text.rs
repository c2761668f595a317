//! `validationKey` / `decryptionKey` attribute text and its two parsers: the legacy one of
//! `MachineKeySection.RuntimeDataInitialize` and the Framework45 one of
//! `MachineKeyMasterKeyProvider.GenerateCryptographicKey`.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::FrameworkVersion;
use super::hex::{LegacyHexError, legacy_hex_decode, strict_hex_decode};
use crate::error::{ConfigError, ConfigErrorKind};
use crate::names::names;
use crate::vocabulary::KeyAttribute;

/// The text of a `validationKey` or `decryptionKey` attribute, trimmed of white space.
///
/// It may hold a key, so it is treated as a secret: zeroized on drop, `Debug` redacted,
/// compared in constant time, readable only through [`KeyText::expose_secret`].
#[derive(Clone)]
pub struct KeyText(Zeroizing<String>);

impl KeyText {
    /// Wraps attribute text, trimming surrounding white space as the configuration system
    /// does.
    #[must_use]
    pub fn new(text: &str) -> Self {
        Self(Zeroizing::new(text.trim().to_owned()))
    }

    /// The default, `AutoGenerate,IsolateApps`.
    #[must_use]
    pub fn default_auto_generate() -> Self {
        Self::new("AutoGenerate,IsolateApps")
    }

    /// The text. Handle with care: it may contain a key.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for KeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyText([redacted])")
    }
}

impl PartialEq for KeyText {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for KeyText {}

/// Where a key's bytes come from, without the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeySource {
    /// Hex in the attribute.
    Explicit,
    /// The per-identity auto-generated buffer (`HttpRuntime.SetAutogenKeys`).
    AutoGenerate,
}

names!(KeySource, "The name, as JSON writes it.", {
    Explicit => "explicit",
    AutoGenerate => "auto_generate",
});

/// A parsed key attribute: its source and isolation flags (no key bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub struct KeySpec {
    /// Explicit hex or `AutoGenerate`.
    pub source: KeySource,
    /// `IsolateApps`: the key is modified per application virtual path.
    pub isolate_apps: bool,
    /// `IsolateByAppId`: the key is modified per application id (4.x only).
    pub isolate_by_app_id: bool,
}

/// A parsed key with its explicit bytes, if any.
pub(crate) struct ParsedKey {
    pub(crate) spec: KeySpec,
    pub(crate) bytes: Option<Zeroizing<Vec<u8>>>,
}

impl KeyText {
    /// Parses with the legacy rules of `MachineKeySection.RuntimeDataInitialize`.
    pub(crate) fn parse_legacy(
        &self,
        attribute: KeyAttribute,
        framework: FrameworkVersion,
    ) -> Result<ParsedKey, ConfigError> {
        let err = |kind| ConfigError::new(attribute, kind);
        let mut rest: &str = &self.0;
        if rest.is_empty() {
            return Err(err(ConfigErrorKind::Empty));
        }
        // Steps 1 and 2: ordinal suffixes, IsolateByAppId first (4.x only).
        let mut isolate_by_app_id = false;
        if framework != FrameworkVersion::V2_0 {
            if let Some(stripped) = rest.strip_suffix(",IsolateByAppId") {
                isolate_by_app_id = true;
                rest = stripped;
            }
        }
        let mut isolate_apps = false;
        if let Some(stripped) = rest.strip_suffix(",IsolateApps") {
            isolate_apps = true;
            rest = stripped;
        }
        // Step 3: AutoGenerate, exactly.
        if rest == "AutoGenerate" {
            return Ok(ParsedKey {
                spec: KeySpec {
                    source: KeySource::AutoGenerate,
                    isolate_apps,
                    isolate_by_app_id,
                },
                bytes: None,
            });
        }
        // Step 4: length rules, counted in UTF-16 code units like .NET's String.Length.
        let chars = rest.encode_utf16().count();
        match attribute {
            KeyAttribute::ValidationKey => {
                let too_long = framework == FrameworkVersion::V2_0 && chars > 128;
                if chars < 40 || chars % 2 != 0 || too_long {
                    return Err(err(ConfigErrorKind::ValidationKeyLength { chars }));
                }
            }
            KeyAttribute::DecryptionKey => {
                if chars % 2 != 0 {
                    return Err(err(ConfigErrorKind::OddLength { chars }));
                }
            }
        }
        // Step 5: the legacy hex table.
        let bytes = legacy_hex_decode(rest).map_err(|e| match e {
            LegacyHexError::BadCharacter(position) => {
                err(ConfigErrorKind::InvalidHexCharacter { position })
            }
            LegacyHexError::OddLength => err(ConfigErrorKind::OddLength { chars }),
        })?;
        Ok(ParsedKey {
            spec: KeySpec {
                source: KeySource::Explicit,
                isolate_apps,
                isolate_by_app_id,
            },
            bytes: Some(Zeroizing::new(bytes)),
        })
    }

    /// Parses with the Framework45 rules of `MachineKeyMasterKeyProvider.GenerateCryptographicKey`: strict hex of at least one byte is
    /// used verbatim (no isolation, no minimum length); otherwise a comma-separated list of
    /// `AutoGenerate`, `IsolateApps`, `IsolateByAppId` in any order, `AutoGenerate` required.
    pub(crate) fn parse_framework45(
        &self,
        attribute: KeyAttribute,
    ) -> Result<ParsedKey, ConfigError> {
        let err = |kind| ConfigError::new(attribute, kind);
        if let Some(bytes) = strict_hex_decode(&self.0).filter(|b| !b.is_empty()) {
            return Ok(ParsedKey {
                spec: KeySpec {
                    source: KeySource::Explicit,
                    isolate_apps: false,
                    isolate_by_app_id: false,
                },
                bytes: Some(Zeroizing::new(bytes)),
            });
        }
        let (mut auto, mut apps, mut by_id) = (false, false, false);
        for (index, token) in self.0.split(',').enumerate() {
            match token {
                "AutoGenerate" => auto = true,
                "IsolateApps" => apps = true,
                "IsolateByAppId" => by_id = true,
                _ => return Err(err(ConfigErrorKind::InvalidKeyFlag { index })),
            }
        }
        if !auto {
            return Err(err(ConfigErrorKind::MissingAutoGenerate));
        }
        Ok(ParsedKey {
            spec: KeySpec {
                source: KeySource::AutoGenerate,
                isolate_apps: apps,
                isolate_by_app_id: by_id,
            },
            bytes: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VK: KeyAttribute = KeyAttribute::ValidationKey;
    const DK: KeyAttribute = KeyAttribute::DecryptionKey;
    const V4: FrameworkVersion = FrameworkVersion::V4;

    #[test]
    fn legacy_suffixes() {
        let p = KeyText::new(" AutoGenerate,IsolateApps,IsolateByAppId ")
            .parse_legacy(VK, V4)
            .unwrap();
        assert_eq!(p.spec.source, KeySource::AutoGenerate);
        assert!(p.spec.isolate_apps && p.spec.isolate_by_app_id);
        // The other order is not recognised: it falls through to hex and fails.
        let e = KeyText::new("AutoGenerate,IsolateByAppId,IsolateApps")
            .parse_legacy(VK, V4)
            .err()
            .unwrap();
        assert_eq!(
            e.aspnet_error(),
            Some("Unable_to_get_cookie_authentication_validation_key")
        );
        // Hex plus IsolateApps is accepted in legacy.
        let hex = format!("{},IsolateApps", "AB".repeat(20));
        let p = KeyText::new(&hex).parse_legacy(VK, V4).unwrap();
        assert_eq!(p.spec.source, KeySource::Explicit);
        assert!(p.spec.isolate_apps);
        assert_eq!(p.bytes.unwrap().len(), 20);
        // 2.0 has no IsolateByAppId.
        assert!(
            KeyText::new("AutoGenerate,IsolateByAppId")
                .parse_legacy(DK, FrameworkVersion::V2_0)
                .is_err()
        );
    }

    #[test]
    fn framework45_flags_any_order() {
        let p = KeyText::new("IsolateByAppId,AutoGenerate,IsolateApps")
            .parse_framework45(VK)
            .unwrap();
        assert!(p.spec.isolate_apps && p.spec.isolate_by_app_id);
        let e = KeyText::new("IsolateApps")
            .parse_framework45(DK)
            .err()
            .unwrap();
        assert_eq!(e.aspnet_error(), Some("Invalid_decryption_key"));
        let hex = format!("{},IsolateApps", "AB".repeat(20));
        let e = KeyText::new(&hex).parse_framework45(VK).err().unwrap();
        assert!(matches!(
            e.kind(),
            ConfigErrorKind::InvalidKeyFlag { index: 0 }
        ));
        // No minimum length in Framework45.
        assert_eq!(
            KeyText::new("ab")
                .parse_framework45(VK)
                .unwrap()
                .bytes
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn debug_does_not_leak() {
        let t = KeyText::new("0123456789ABCDEF");
        assert_eq!(format!("{t:?}"), "KeyText([redacted])");
    }
}
