//! Configuration errors: which setting, what is wrong, and what ASP.NET would say.

use core::fmt;

use super::FileError;
use crate::names::names;
use crate::vocabulary::{KeyAttribute, Origin, Section, Setting};

/// A configuration error: which setting, and what is wrong with it.
///
/// The message names the setting and the expected form, and [`ConfigError::aspnet_error`]
/// gives the resource name of the `ConfigurationErrorsException` ASP.NET raises for the same
/// value, where there is one. Key bytes never appear in it.
///
/// # Example
/// ```
/// use machinekey::config::{ConfigErrorKind, KeyAttribute, MachineKeyConfig};
/// let err = MachineKeyConfig::builder().validation_key("ABCD").build().unwrap_err();
/// assert_eq!(err.setting().and_then(|s| s.key_attribute()), Some(KeyAttribute::ValidationKey));
/// assert!(matches!(err.kind(), ConfigErrorKind::ValidationKeyLength { chars: 4 }));
/// assert_eq!(err.aspnet_error(), Some("Unable_to_get_cookie_authentication_validation_key"));
/// ```
#[derive(Debug, Clone)]
pub struct ConfigError(Box<Inner>);

/// Boxed, so a `Result` of a `ConfigError` (or of an [`Error`](crate::Error) holding one)
/// stays small.
#[derive(Debug, Clone)]
struct Inner {
    setting: Option<Setting>,
    kind: ConfigErrorKind,
}

impl ConfigError {
    /// An error about `setting`.
    pub(crate) fn new(setting: impl Into<Setting>, kind: ConfigErrorKind) -> Self {
        Self(Box::new(Inner {
            setting: Some(setting.into()),
            kind,
        }))
    }

    /// An error about a file as a whole (not well-formed, unreadable).
    pub(crate) fn in_file(kind: ConfigErrorKind) -> Self {
        Self(Box::new(Inner {
            setting: None,
            kind,
        }))
    }

    /// The setting at fault (`machineKey validationKey`, `httpRuntime targetFramework`, an
    /// element such as `machineKey` for a duplicate), or `None` when a file as a whole is
    /// (malformed XML, unreadable).
    #[must_use]
    pub fn setting(&self) -> Option<&Setting> {
        self.0.setting.as_ref()
    }

    /// What is wrong.
    #[must_use]
    pub fn kind(&self) -> &ConfigErrorKind {
        &self.0.kind
    }

    /// The resource name of the error ASP.NET raises for the same configuration, such as
    /// `Invalid_validation_key`, or `None` where ASP.NET has no such error (a limit of this
    /// crate, or a divergence the crate documents).
    #[must_use]
    pub fn aspnet_error(&self) -> Option<&'static str> {
        use ConfigErrorKind as K;
        let validation_key =
            self.setting().and_then(Setting::key_attribute) == Some(KeyAttribute::ValidationKey);
        Some(match self.kind() {
            K::UnknownValidation { .. } => "Wrong_validation_enum",
            K::ValidationNotSupportedInFramework45 { .. } => "Wrong_validation_enum_FX45",
            K::UnknownDecryption { .. } => "Wrong_decryption_enum",
            K::ValidationKeyLength { .. } => "Unable_to_get_cookie_authentication_validation_key",
            K::InvalidHexCharacter { .. }
            | K::OddLength { .. }
            | K::InvalidKeyFlag { .. }
            | K::MissingAutoGenerate => {
                if validation_key {
                    "Invalid_validation_key"
                } else {
                    "Invalid_decryption_key"
                }
            }
            K::BadKeyLength { .. } | K::WeakKey { .. } => "Bad_machine_key",
            // Raised by System.Configuration itself, not by MachineKeySection; the spec does
            // not name those resources, so none is claimed here.
            K::Empty
            | K::UnknownCompatibilityMode { .. }
            | K::UnrecognizedAttribute { .. }
            | K::InvalidValue { .. }
            | K::Xml { .. }
            | K::DuplicateElement
            | K::InvalidTargetFramework { .. }
            | K::LegacyValidationKeyTooLong { .. }
            | K::UnsupportedCustomAlgorithm { .. }
            | K::KeyMaterialRequired { .. }
            | K::KeyRingRequired
            | K::NotAvailable { .. }
            | K::EncryptedSection { .. }
            | K::ConfigSourceUnresolved { .. }
            | K::File(_) => return None,
            // System.Configuration's own resources for these errors.
            K::Locked { what, .. } if !what.is_element() => "Config_base_attribute_locked",
            K::Locked { .. } => "Config_section_locked",
            K::NotAllowedBelowApplication { .. } => "Config_allow_definition_error_application",
        })
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.setting() {
            Some(setting) => write!(f, "{setting}: {}", self.kind()),
            None => fmt::Display::fmt(self.kind(), f),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self.kind() {
            ConfigErrorKind::File(e) => Some(e),
            _ => None,
        }
    }
}

/// What a resolution of keys needs and did not get ([`ConfigErrorKind::KeyMaterialRequired`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequiredMaterial {
    /// `AutoGenerate` keys come from the per-identity auto-generated key buffer
    /// ([`AutoGenKeys`](crate::keys::AutoGenKeys)), which the call did not have.
    AutoGenKeys,
    /// `IsolateApps`/`IsolateByAppId` modify the key per application, and the call had no
    /// application identity ([`AppIdentity`](crate::keys::AppIdentity)).
    AppIdentity,
}

names!(RequiredMaterial, "What is missing, in words.", {
    AutoGenKeys => "AutoGenerate keys come from the per-identity auto-generated key buffer, which this call does not have",
    AppIdentity => "IsolateApps/IsolateByAppId modify the key per application, and this call has no application identity",
});

/// The kinds of [`ConfigError`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// The `validation` value is not one ASP.NET knows (names are case-sensitive).
    UnknownValidation {
        /// The value as written.
        value: String,
    },
    /// `MD5`, `3DES` and `AES` validation are rejected in Framework45 mode.
    ValidationNotSupportedInFramework45 {
        /// The value as written.
        value: String,
    },
    /// The `decryption` value is not one ASP.NET knows (names are case-sensitive).
    UnknownDecryption {
        /// The value as written.
        value: String,
    },
    /// The `compatibilityMode` value is not `Framework20SP1`, `Framework20SP2` or
    /// `Framework45` (or `Framework45` on a 2.0 build).
    UnknownCompatibilityMode {
        /// The value as written.
        value: String,
    },
    /// A legacy hex `validationKey` must have an even number of characters, at least 40
    /// (and at most 128 on 2.0 builds).
    ValidationKeyLength {
        /// Number of characters found.
        chars: usize,
    },
    /// A hex key has an odd number of characters.
    OddLength {
        /// Number of characters found.
        chars: usize,
    },
    /// A character in a hex key cannot be decoded (in legacy parsing: a character whose
    /// code is above `'f'`; ASP.NET silently decodes other non-hex characters as 0).
    InvalidHexCharacter {
        /// Zero-based position of the character, in UTF-16 code units.
        position: usize,
    },
    /// Framework45 parsing: a comma-separated token is not `AutoGenerate`, `IsolateApps` or
    /// `IsolateByAppId`.
    InvalidKeyFlag {
        /// Zero-based index of the token.
        index: usize,
    },
    /// Framework45 parsing: the key is neither hex nor a flag list containing `AutoGenerate`.
    MissingAutoGenerate,
    /// The key length does not suit the cipher.
    BadKeyLength {
        /// The cipher, e.g. `AES`.
        algorithm: &'static str,
        /// Key length found, in bytes.
        len: usize,
        /// The lengths accepted, e.g. `16, 24 or 32 bytes`.
        expected: &'static str,
    },
    /// The .NET DES/TripleDES providers reject weak and semi-weak keys.
    WeakKey {
        /// The cipher, e.g. `DES`.
        algorithm: &'static str,
    },
    /// A legacy validation key is longer than the HMAC block (64 or 128 bytes). ASP.NET 4.x
    /// would overrun its pad buffer here (`MachineKeySection.InitValidationAndEncyptionSizes`;
    /// UNVERIFIED); this crate refuses the key rather than guess.
    LegacyValidationKeyTooLong {
        /// Key length, in bytes.
        len: usize,
        /// The largest accepted length, in bytes.
        max: usize,
    },
    /// `alg:<Name>` custom algorithms load arbitrary .NET types; this crate does not support them.
    UnsupportedCustomAlgorithm {
        /// The value as written.
        value: String,
    },
    /// The attribute is empty (ASP.NET requires at least one character).
    Empty,
    /// The attribute is not one `<machineKey>` accepts.
    UnrecognizedAttribute {
        /// The attribute name.
        name: String,
    },
    /// The value is not one the setting takes (`<forms timeout="soon">`, say).
    InvalidValue {
        /// The value as written.
        value: String,
    },
    /// `<httpRuntime targetFramework>` is not a version such as `4.5` or `4.7.2`.
    InvalidTargetFramework {
        /// The value as written.
        value: String,
    },
    /// An element that may appear once (such as `<machineKey>`) appears more than once;
    /// the error's [`setting`](ConfigError::setting) is the element.
    DuplicateElement,
    /// The text is not well-formed XML, or its root is not the element expected.
    Xml {
        /// The file and the parser's message (position and reason).
        message: String,
    },
    /// The keys need material this call did not get.
    KeyMaterialRequired {
        /// What is missing.
        what: RequiredMaterial,
    },
    /// With `dataProtectorType`, the application's Data Protection key ring protects this
    /// value, and none is attached (see
    /// [`AppKeys::with_key_ring`](crate::AppKeys::with_key_ring)).
    KeyRingRequired,
    /// The operation does not exist on the configured framework build.
    NotAvailable {
        /// Why.
        reason: &'static str,
    },
    /// A setting is locked at a parent level (`<location allowOverride="false">`,
    /// `overrideMode="Deny"`, `lockAttributes`, `lockAllAttributesExcept` or `lockItem`) and
    /// a lower level sets it.
    Locked {
        /// The element, or the attribute, that is locked.
        what: Setting,
        /// Where the lock is.
        locked_at: Origin,
        /// Where the lower level sets it.
        set_at: Origin,
    },
    /// A section registered `allowDefinition="MachineToApplication"` (such as `<machineKey>`)
    /// is set below an application root (a folder's web.config).
    NotAllowedBelowApplication {
        /// The element.
        element: Section,
        /// Where it is set.
        at: Origin,
    },
    /// The section is encrypted (`configProtectionProvider`); decrypt it on the server
    /// (`aspnet_regiis -pdf`) and read the result.
    EncryptedSection {
        /// The provider named in the file.
        provider: String,
        /// Where.
        at: Origin,
    },
    /// A `configSource` cannot be followed: the file naming it was given as text, so its
    /// directory is unknown (read it with
    /// [`ConfigFile::read`](crate::config::stack::ConfigFile::read)).
    ConfigSourceUnresolved {
        /// The `configSource` value.
        source: String,
        /// Where it is named.
        at: Origin,
    },
    /// A configuration file could not be read (I/O, size, text encoding); its
    /// [`source`](std::error::Error::source) is the I/O error, when there is one.
    File(FileError),
}

impl fmt::Display for ConfigErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownValidation { value } => write!(
                f,
                "unknown validation algorithm {value:?}; expected one of SHA1, MD5, 3DES, AES, HMACSHA256, HMACSHA384, HMACSHA512 (case-sensitive)"
            ),
            Self::ValidationNotSupportedInFramework45 { value } => write!(
                f,
                "validation algorithm {value:?} is not allowed in Framework45 mode; use SHA1, HMACSHA256, HMACSHA384 or HMACSHA512"
            ),
            Self::UnknownDecryption { value } => write!(
                f,
                "unknown decryption algorithm {value:?}; expected Auto, AES, 3DES or DES (case-sensitive)"
            ),
            Self::UnknownCompatibilityMode { value } => write!(
                f,
                "unknown compatibility mode {value:?}; expected Framework20SP1, Framework20SP2 or Framework45 (Framework45 needs .NET 4.5 or later)"
            ),
            Self::ValidationKeyLength { chars } => write!(
                f,
                "a hex validation key needs an even number of characters and at least 40 (at most 128 on .NET 2.0); found {chars}"
            ),
            Self::OddLength { chars } => {
                write!(f, "a hex key needs an even number of characters; found {chars}")
            }
            Self::InvalidHexCharacter { position } => {
                write!(f, "the character at position {position} is not a hexadecimal digit")
            }
            Self::InvalidKeyFlag { index } => write!(
                f,
                "token {index} of the key is not AutoGenerate, IsolateApps or IsolateByAppId, and the key is not hex"
            ),
            Self::MissingAutoGenerate => f.write_str(
                "the key is neither hex nor a flag list containing AutoGenerate (Framework45 rules)",
            ),
            Self::BadKeyLength {
                algorithm,
                len,
                expected,
            } => write!(f, "a {len}-byte key does not suit {algorithm}; expected {expected}"),
            Self::WeakKey { algorithm } => {
                write!(f, "the key is a weak or semi-weak {algorithm} key, which .NET rejects")
            }
            Self::LegacyValidationKeyTooLong { len, max } => write!(
                f,
                "a {len}-byte validation key is longer than the {max}-byte HMAC block, which legacy ASP.NET 4.x cannot use (it overruns its pad buffer)"
            ),
            Self::UnsupportedCustomAlgorithm { value } => write!(
                f,
                "custom algorithm {value:?} loads a .NET type by name; this crate supports only the built-in algorithms"
            ),
            Self::Empty => f.write_str("the attribute must not be empty"),
            Self::UnrecognizedAttribute { name } => {
                write!(f, "unrecognized attribute {name:?} on <machineKey>")
            }
            Self::InvalidValue { value } => write!(f, "{value:?} is not a valid value"),
            Self::InvalidTargetFramework { value } => {
                write!(f, "{value:?} is not a framework version such as 4.5 or 4.7.2")
            }
            Self::DuplicateElement => {
                f.write_str("the element may appear only once in a configuration file")
            }
            Self::Xml { message } => write!(f, "not well-formed XML: {message}"),
            Self::Locked {
                what,
                locked_at,
                set_at,
            } => write!(
                f,
                "<{what}> is locked at {} (allowOverride=\"false\" or a lock attribute) and cannot be set again at {}",
                locked_at.location(),
                set_at.location()
            ),
            Self::NotAllowedBelowApplication { element, at } => write!(
                f,
                "<{element}> is allowDefinition=\"MachineToApplication\": it cannot be set in a folder below an application root ({})",
                at.location()
            ),
            Self::EncryptedSection { provider, at } => write!(
                f,
                "the section at {} is encrypted with {provider:?}; decrypt it on the server (aspnet_regiis -pdf) and read the decrypted file",
                at.location()
            ),
            Self::ConfigSourceUnresolved { source, at } => write!(
                f,
                "configSource {source:?} at {}: the file was given as text, so its directory is unknown (read it with ConfigFile::read)",
                at.location()
            ),
            Self::File(e) => fmt::Display::fmt(e, f),
            Self::KeyMaterialRequired { what } => f.write_str(what.as_str()),
            Self::KeyRingRequired => f.write_str(
                "the application's Data Protection key ring protects this value; attach it (AppKeys::with_key_ring, or --key-ring on the command line)",
            ),
            Self::NotAvailable { reason } => f.write_str(reason),
        }
    }
}
