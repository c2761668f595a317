//! Error types.
//!
//! Two families of failure are kept apart on purpose:
//!
//! * **Configuration errors** ([`ConfigError`]) are precise: which attribute, what was
//!   expected, and the name of the error ASP.NET itself raises. They never contain key bytes.
//! * **Unprotect failures** are one opaque value, [`Error::Unprotect`], whatever went wrong
//!   after the text form was decoded (bad MAC, bad length, bad padding, wrong modifier or
//!   purpose). A caller that could tell these apart could build a padding oracle, which is
//!   exactly the ASP.NET vulnerability MS10-070 (CVE-2010-3332). See [`crate::manual`].

use core::fmt;

/// Errors returned by this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid, or cannot be used for the requested operation.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Protected data failed to verify or decrypt.
    ///
    /// This one value covers every failure after the text encoding was decoded: a wrong MAC,
    /// a short input, bad padding, a wrong modifier or purpose. ASP.NET reports all of these
    /// as `HttpException("Unable to validate data")` (legacy) or a bare
    /// `CryptographicException` (Framework45).
    #[error("unable to validate data")]
    Unprotect,
    /// The text form of a protected value could not be decoded (before any cryptography).
    #[error("malformed {0} input")]
    Malformed(Encoding),
    /// An argument was rejected before any cryptography, as ASP.NET rejects it with an
    /// `ArgumentException`.
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
    /// A value to protect would come out longer than ASP.NET accepts when reading it back
    /// (for example a forms cookie over `FormsAuthentication`'s 4,096 characters).
    #[error("the {what} would be {actual} characters, over ASP.NET's limit of {limit}")]
    TooLong {
        /// What would be too long.
        what: &'static str,
        /// The limit, in characters.
        limit: usize,
        /// The length it would have.
        actual: usize,
    },
    /// A forms-authentication ticket verified but has expired under the validation policy.
    #[error("the ticket has expired")]
    TicketExpired,
    /// A Data Protection payload names a key the key ring does not hold (ASP.NET: "The key
    /// {…} was not found in the key ring."): the ring differs from the one that protected it.
    #[error("the key {} was not found in the key ring", .0.braced())]
    KeyNotFound(crate::dataprotection::KeyId),
    /// A Data Protection payload's key is revoked ("The key {…} has been revoked.").
    #[error("the key {} has been revoked", .0.braced())]
    KeyRevoked(crate::dataprotection::KeyId),
    /// A Data Protection key cannot be used: its master key is encrypted at rest, or its
    /// descriptor names an algorithm this crate does not support.
    #[error("the key {} cannot be used: {reason}", .id.braced())]
    KeyUnavailable {
        /// The key.
        id: crate::dataprotection::KeyId,
        /// Why.
        reason: String,
    },
    /// A key ring could not be read.
    #[error(transparent)]
    KeyRing(#[from] crate::dataprotection::KeyRingError),
    /// The random number source failed.
    #[error("the random number source failed")]
    Random,
    /// A .NET string hash cannot be computed offline for this string; supply it instead.
    #[error(transparent)]
    StringHash(#[from] crate::keys::string_hash::StringHashError),
    /// A registry export or hex dump of auto-generated keys could not be read.
    #[error(transparent)]
    KeyImport(#[from] crate::keys::KeyImportError),
}

/// The text encodings used by ASP.NET, named in [`Error::Malformed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Encoding {
    /// Hexadecimal (`CryptoUtil.HexToBinary`, either case).
    Hex,
    /// Standard Base64 with padding (`Convert.FromBase64String`).
    Base64,
    /// `HttpServerUtility.UrlTokenEncode` (Base64url with a trailing pad-count digit).
    UrlToken,
    /// Base64url (RFC 4648 §5), with or without padding.
    Base64Url,
    /// Any of the text forms a protected value is copied in (see
    /// [`decode_value`](crate::crypto::encoding::decode_value)).
    Any,
    /// Serialized session-state data (`SessionStateUtility.SerializeStoreData`).
    SessionState,
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Hex => "hex",
            Self::Base64 => "base64",
            Self::UrlToken => "UrlToken",
            Self::Base64Url => "Base64url",
            Self::Any => "hex, Base64, Base64url or UrlToken",
            Self::SessionState => "session-state",
        })
    }
}

/// A configuration error: which attribute or setting, and what is wrong with it.
///
/// The message names the attribute and the expected form, and [`ConfigError::aspnet_error`]
/// gives the resource name of the `ConfigurationErrorsException` ASP.NET raises for the same
/// value, where there is one. Key bytes never appear in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{attribute}: {kind}")]
pub struct ConfigError {
    attribute: &'static str,
    kind: ConfigErrorKind,
}

impl ConfigError {
    pub(crate) fn new(attribute: &'static str, kind: ConfigErrorKind) -> Self {
        Self { attribute, kind }
    }

    /// The attribute or setting at fault, e.g. `validationKey` or `httpRuntime targetFramework`.
    #[must_use]
    pub fn attribute(&self) -> &'static str {
        self.attribute
    }

    /// What is wrong.
    #[must_use]
    pub fn kind(&self) -> &ConfigErrorKind {
        &self.kind
    }

    /// The resource name of the error ASP.NET raises for the same configuration, such as
    /// `Invalid_validation_key`, or `None` where ASP.NET has no such error (a limit of this
    /// crate, or a divergence the crate documents).
    #[must_use]
    pub fn aspnet_error(&self) -> Option<&'static str> {
        use ConfigErrorKind as K;
        Some(match &self.kind {
            K::UnknownValidation { .. } => "Wrong_validation_enum",
            K::ValidationNotSupportedInFramework45 { .. } => "Wrong_validation_enum_FX45",
            K::UnknownDecryption { .. } => "Wrong_decryption_enum",
            K::ValidationKeyLength { .. } => "Unable_to_get_cookie_authentication_validation_key",
            K::InvalidHexCharacter { .. } | K::OddLength { .. } | K::InvalidKeyFlag { .. } => {
                if self.attribute == "validationKey" {
                    "Invalid_validation_key"
                } else {
                    "Invalid_decryption_key"
                }
            }
            K::MissingAutoGenerate => {
                if self.attribute == "validationKey" {
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
            | K::Xml { .. }
            | K::DuplicateElement { .. }
            | K::InvalidTargetFramework { .. }
            | K::LegacyValidationKeyTooLong { .. }
            | K::UnsupportedCustomAlgorithm { .. }
            | K::KeyMaterialRequired { .. }
            | K::NotAvailable { .. }
            | K::EncryptedSection { .. }
            | K::File { .. } => return None,
            // System.Configuration's own resources for these errors.
            K::Locked { what, .. } if what.contains(' ') => "Config_base_attribute_locked",
            K::Locked { .. } => "Config_section_locked",
            K::NotAllowedBelowApplication { .. } => "Config_allow_definition_error_application",
        })
    }
}

/// The kinds of [`ConfigError`].
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// would overrun its pad buffer here (`MachineKeySection.InitValidationAndEncyptionSizes`; UNVERIFIED); this crate refuses the key
    /// rather than guess.
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
    /// `<httpRuntime targetFramework>` is not a version such as `4.5` or `4.7.2`.
    InvalidTargetFramework {
        /// The value as written.
        value: String,
    },
    /// An element that may appear once (such as `<machineKey>`) appears more than once.
    DuplicateElement {
        /// The element name.
        name: &'static str,
    },
    /// The web.config text is not well-formed XML.
    Xml {
        /// The parser's message (position and reason).
        message: String,
    },
    /// The keys need material this call did not get: `AutoGenerate` needs an auto-generated
    /// key buffer, and `IsolateApps`/`IsolateByAppId` need an application identity.
    KeyMaterialRequired {
        /// What is missing.
        what: &'static str,
    },
    /// The operation does not exist on the configured framework build.
    NotAvailable {
        /// Why.
        reason: &'static str,
    },
    /// A setting is locked at a parent level (`<location allowOverride="false">`,
    /// `overrideMode="Deny"`, `lockAttributes`, `lockAllAttributesExcept` or `lockItem`) and
    /// a lower level sets it.
    Locked {
        /// The element, or `element attribute`, that is locked.
        what: String,
        /// Where the lock is (`FILE:LINE`).
        locked_at: String,
        /// Where the lower level sets it (`FILE:LINE`).
        set_at: String,
    },
    /// A section registered `allowDefinition="MachineToApplication"` (such as `<machineKey>`)
    /// is set below an application root (a folder's web.config).
    NotAllowedBelowApplication {
        /// The element.
        element: &'static str,
        /// Where it is set (`FILE:LINE`).
        at: String,
    },
    /// The section is encrypted (`configProtectionProvider`); decrypt it on the server
    /// (`aspnet_regiis -pdf`) and read the result.
    EncryptedSection {
        /// The provider named in the file.
        provider: String,
        /// Where (`FILE:LINE`).
        at: String,
    },
    /// A configuration file could not be read (its `configSource`, its encoding, its size).
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
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
            Self::InvalidTargetFramework { value } => {
                write!(f, "{value:?} is not a framework version such as 4.5 or 4.7.2")
            }
            Self::DuplicateElement { name } => {
                write!(f, "<{name}> may appear only once in a configuration file")
            }
            Self::Xml { message } => write!(f, "not well-formed XML: {message}"),
            Self::Locked {
                what,
                locked_at,
                set_at,
            } => write!(
                f,
                "<{what}> is locked at {locked_at} (allowOverride=\"false\" or a lock attribute) and cannot be set again at {set_at}"
            ),
            Self::NotAllowedBelowApplication { element, at } => write!(
                f,
                "<{element}> is allowDefinition=\"MachineToApplication\": it cannot be set in a folder below an application root ({at})"
            ),
            Self::EncryptedSection { provider, at } => write!(
                f,
                "the section at {at} is encrypted with {provider:?}; decrypt it on the server (aspnet_regiis -pdf) and read the decrypted file"
            ),
            Self::File { path, reason } => write!(f, "{path}: {reason}"),
            Self::KeyMaterialRequired { what } => write!(f, "{what}"),
            Self::NotAvailable { reason } => f.write_str(reason),
        }
    }
}
