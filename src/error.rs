//! Error types.
//!
//! Two families of failure are kept apart on purpose:
//!
//! * **Configuration errors** ([`ConfigError`]) are precise: which setting, what was
//!   expected, and the name of the error ASP.NET itself raises. They never contain key bytes.
//! * **Unprotect failures** are one opaque value, [`Error::Unprotect`], whatever went wrong
//!   after the text form was decoded (bad MAC, bad length, bad padding, wrong modifier or
//!   purpose). A caller that could tell these apart could build a padding oracle, which is
//!   exactly the ASP.NET vulnerability MS10-070 (CVE-2010-3332). See [`crate::manual`].
//!
//! Everything else a caller acts on has a variant of its own: the key ring has no default
//! key ([`Error::NoDefaultKey`]), a key is missing or revoked, a ticket has expired, an
//! argument ASP.NET would reject ([`Error::InvalidArgument`] with an [`ArgumentError`] that
//! names which), a file that cannot be read ([`FileError`], whose
//! [`source`](std::error::Error::source) is the [`std::io::Error`]), and the parse errors
//! of each format, which all convert into [`Error`] with `?`.
//!
//! # Clone, but not `PartialEq`
//!
//! [`Error`] and the errors that can hold an I/O error ([`ConfigError`], [`FileError`],
//! [`KeyRingError`] and the simulator's `ScenarioError`) are `Clone`: an I/O error is shared
//! behind an [`Arc`](std::sync::Arc), so a value that failed to build can hand out its error
//! again. They are not `PartialEq`: [`std::io::Error`] has no equality, and comparing errors
//! by their text would be the trap this module exists to avoid. Match them instead:
//!
//! ```
//! use machinekey::{Error, dataprotection::KeyRing};
//! let p = KeyRing::new().protector(&["app"])?;
//! assert!(matches!(p.protect(b"x"), Err(Error::NoDefaultKey)));
//! # Ok::<(), machinekey::Error>(())
//! ```
//!
//! The errors that are pure data (the parse errors, [`ArgumentError`], [`Encoding`]) are
//! `PartialEq` as well.
//!
//! # Where error types live
//!
//! Errors sit at the bottom of the crate and import nothing above them (only the shared
//! vocabulary of settings, origins and key ids): every error type that [`Error`] wraps is
//! defined in this module's files and re-exported by the module that raises it
//! (`formats::osf::OsfError`, `dataprotection::KeyRingError`, ...). A new module's error
//! type joins them here when it gains its `From` conversion.

#[cfg(feature = "audit")]
mod blazor;
#[cfg(feature = "certificate")]
mod certificate;
mod config;
mod core_value;
#[cfg(feature = "diagnose")]
mod diagnose;
mod events;
mod file;
mod iis;
mod key_import;
mod key_ring;
mod nrbf;
mod osf;
mod payload;
#[cfg(feature = "audit")]
mod published_keys;
mod string_hash;
mod ticket;

#[cfg(feature = "audit")]
mod batch;
#[cfg(feature = "sim")]
mod scenario;
#[cfg(feature = "audit")]
mod warc;

#[cfg(feature = "audit")]
pub use batch::{BatchError, BatchErrorCode};
#[cfg(feature = "audit")]
pub use blazor::BlazorError;
#[cfg(feature = "certificate")]
pub use certificate::CertificateError;
pub use config::{ConfigError, ConfigErrorKind, RequiredMaterial};
pub use core_value::{DecodeError, ValueError};
#[cfg(feature = "diagnose")]
pub use diagnose::DiagnoseError;
pub use events::EventsError;
pub use file::{FileError, FileProblem};
pub use iis::{IisError, SddlError, SidError};
pub use key_import::KeyImportError;
pub use key_ring::{KeyRingError, KeyRingErrorKind};
pub use nrbf::NrbfError;
pub use osf::{OsfError, OsfErrorKind};
pub use payload::HeaderError;
#[cfg(feature = "audit")]
pub use published_keys::DataProtectionListError;
#[cfg(feature = "sim")]
pub use scenario::ScenarioError;
pub use string_hash::StringHashError;
pub use ticket::TicketError;
#[cfg(feature = "audit")]
pub use warc::WarcError;

use crate::vocabulary::KeyId;

/// Errors returned by this crate.
///
/// The rules: one opaque [`Unprotect`](Self::Unprotect)
/// for every failure of protected data, a variant for each condition a caller acts on, and
/// `Clone` without `PartialEq` (match with `matches!`).
#[derive(Debug, Clone, thiserror::Error)]
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
    /// `ArgumentException`; the [`ArgumentError`] says which.
    #[error("invalid argument: {0}")]
    InvalidArgument(#[from] ArgumentError),
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
    /// A forms-authentication ticket or a login cookie verified but has expired.
    #[error("the ticket has expired")]
    TicketExpired,
    /// A ticket verified, but its identity is not authenticated (no authentication type):
    /// ASP.NET's bearer middleware does not accept it.
    #[error("the ticket's identity is not authenticated (no authentication type)")]
    NotAuthenticated,
    /// A time-limited Data Protection payload verified, but expired before the time it was
    /// read at ("The payload expired at …").
    #[error("the payload expired at {expires}")]
    PayloadExpired {
        /// The expiry the payload carries.
        expires: time::OffsetDateTime,
    },
    /// A Data Protection key ring has no key that can be the default at this time (none is
    /// active, unexpired and unrevoked): ASP.NET would generate one; see
    /// [`KeyRing::generate_key`](crate::dataprotection::KeyRing::generate_key).
    #[error(
        "the key ring has no default key at this time (no key is active, unexpired and unrevoked)"
    )]
    NoDefaultKey,
    /// A Data Protection payload names a key the key ring does not hold (ASP.NET: "The key
    /// {…} was not found in the key ring."): the ring differs from the one that protected it.
    #[error("the key {} was not found in the key ring", .0.braced())]
    KeyNotFound(KeyId),
    /// A Data Protection payload's key is revoked ("The key {…} has been revoked.").
    #[error("the key {} has been revoked", .0.braced())]
    KeyRevoked(KeyId),
    /// A Data Protection key cannot be used: its master key is encrypted at rest, or its
    /// descriptor names an algorithm this crate does not support.
    #[error("the key {} cannot be used: {reason}", .id.braced())]
    KeyUnavailable {
        /// The key.
        id: KeyId,
        /// Why.
        reason: UnusableKey,
    },
    /// A key ring could not be read.
    #[error(transparent)]
    KeyRing(#[from] KeyRingError),
    /// The random number source failed.
    #[error("the random number source failed")]
    Random,
    /// A .NET string hash cannot be computed offline for this string; supply it instead.
    #[error(transparent)]
    StringHash(#[from] StringHashError),
    /// A registry export or hex dump of auto-generated keys could not be read.
    #[error(transparent)]
    KeyImport(#[from] KeyImportError),
    /// A certificate (a PFX file) could not be loaded.
    #[cfg(feature = "certificate")]
    #[cfg_attr(docsrs, doc(cfg(feature = "certificate")))]
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    /// An IIS server's files (applicationHost.config, the metabase, a bundle, a registry
    /// export, SDDL) could not be read ([`iis`](crate::iis)).
    #[error(transparent)]
    Iis(#[from] IisError),
    /// A Windows event log could not be read ([`events`](crate::events)).
    #[error(transparent)]
    Events(#[from] EventsError),
    /// A replica's log or key ring could not be read for a diagnosis
    /// ([`compat::diagnose`](crate::compat::diagnose)).
    #[cfg(feature = "diagnose")]
    #[cfg_attr(docsrs, doc(cfg(feature = "diagnose")))]
    #[error(transparent)]
    Diagnose(#[from] DiagnoseError),
    /// An SDDL string could not be read.
    #[error(transparent)]
    Sddl(#[from] SddlError),
    /// A SID string could not be read.
    #[error(transparent)]
    Sid(#[from] SidError),
    /// A file could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// Bytes are not an `ObjectStateFormatter` graph.
    #[error(transparent)]
    Osf(#[from] OsfError),
    /// Bytes are not a `BinaryFormatter` stream.
    #[error(transparent)]
    Nrbf(#[from] NrbfError),
    /// Bytes are not an OWIN or ASP.NET Core authentication ticket, or a ticket cannot be
    /// written in the format asked for.
    #[error(transparent)]
    Ticket(#[from] TicketError),
    /// Bytes are not the value an ASP.NET Core consumer writes (an antiforgery token, an
    /// Identity token, TempData, ...: [`formats::aspnetcore`](crate::formats::aspnetcore)).
    #[error(transparent)]
    CoreValue(#[from] ValueError),
    /// A value's Data Protection header is not one ASP.NET can open (read on its own, before
    /// any key; an unprotect reports it as [`Unprotect`](Self::Unprotect)).
    #[error(transparent)]
    PayloadHeader(#[from] HeaderError),
    /// A batch line could not be audited.
    #[cfg(feature = "audit")]
    #[cfg_attr(docsrs, doc(cfg(feature = "audit")))]
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// A list of published Data Protection keys could not be read.
    #[cfg(feature = "audit")]
    #[cfg_attr(docsrs, doc(cfg(feature = "audit")))]
    #[error(transparent)]
    DataProtectionList(#[from] DataProtectionListError),
    /// A Blazor value's plaintext is not a component descriptor or persisted state.
    #[cfg(feature = "audit")]
    #[cfg_attr(docsrs, doc(cfg(feature = "audit")))]
    #[error(transparent)]
    Blazor(#[from] BlazorError),
    /// A WARC record could not be read.
    #[cfg(feature = "audit")]
    #[cfg_attr(docsrs, doc(cfg(feature = "audit")))]
    #[error(transparent)]
    Warc(#[from] WarcError),
    /// A scenario file could not be read or run.
    #[cfg(feature = "sim")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sim")))]
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        match e {
            DecodeError::Ticket(t) => Self::Ticket(t),
            DecodeError::Value(v) => Self::CoreValue(v),
        }
    }
}

/// Why a Data Protection key cannot be used ([`Error::KeyUnavailable`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnusableKey {
    /// The master key is encrypted at rest (`<encryptedSecret>`): decrypt the key ring on
    /// the host, and as the identity, that wrote it.
    #[error(
        "its master key is encrypted at rest with {protection}; decrypt the key ring on the host (and as the identity) that wrote it"
    )]
    EncryptedAtRest {
        /// How it is protected, in words (`Windows DPAPI`, an X.509 certificate, ...).
        protection: String,
    },
    /// The master key is encrypted at rest to an X.509 certificate
    /// (`ProtectKeysWithCertificate`) that was not given: give it with its private key (a
    /// PFX file and its password; feature `certificate`).
    #[error(
        "its master key is encrypted at rest to {protection}; give that certificate with its private key (a PFX file and its password)"
    )]
    CertificateRequired {
        /// The certificate, in words (its thumbprint when the key file names it).
        protection: String,
        /// The SHA-1 thumbprint (upper-case hex) of the certificate the key needs, when the
        /// key file names it.
        thumbprint: Option<String>,
    },
    /// The certificate the key names was given but does not decrypt its
    /// `<encryptedSecret>` (a damaged key file).
    #[error("the certificate it names does not decrypt its <encryptedSecret> (a damaged key file)")]
    CertificateDoesNotDecrypt,
    /// The secret decrypted with a certificate is not a readable `<masterKey>`.
    #[error("{reason}")]
    DecryptedSecret {
        /// What is wrong, in words.
        reason: String,
    },
    /// The descriptor cannot be used: an algorithm this crate does not support, or a master
    /// key that does not suit it.
    #[error("{reason}")]
    Unsupported {
        /// What is wrong, in words.
        reason: String,
    },
}

/// An argument rejected before any cryptography ([`Error::InvalidArgument`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArgumentError {
    /// A text value to decode is empty.
    #[error("the value is empty")]
    EmptyValue,
    /// A purpose is empty or white space (`Purpose` and `MachineKey.Protect` throw).
    #[error("a purpose is empty or white space")]
    EmptyPurpose,
    /// A Data Protection purpose chain is empty (`CreateProtector` needs one purpose).
    #[error("a purpose chain needs at least one purpose")]
    EmptyPurposeChain,
    /// A cookie authentication scheme is empty.
    #[error("the authentication scheme is empty")]
    EmptyScheme,
    /// A forms ticket is to be issued for a login without a name.
    #[error("a forms ticket needs a name")]
    TicketWithoutName,
    /// A ticket date lies outside .NET's `DateTime` range (years 1 to 9999).
    #[error("ticket dates must lie within .NET's DateTime range (years 1 to 9999)")]
    TicketDateOutOfRange,
    /// Forms ticket text is empty or longer than `FormsAuthentication`'s 4,096 characters.
    #[error("a forms ticket is 1 to 4096 characters; this one is {len}")]
    TicketLength {
        /// Its length, in characters.
        len: usize,
    },
    /// An application virtual path does not start with `/`, or ends with one (other than
    /// the root, `/`).
    #[error(
        "an application virtual path starts with '/' and has no trailing slash (the root is \"/\")"
    )]
    VirtualPath,
    /// An application id is empty.
    #[error("the application id must not be empty")]
    EmptyAppId,
    /// A page path does not start with `/` or does not name a page.
    #[error("a page path starts with '/' and names a page, e.g. /MyApp/default.aspx")]
    PagePath,
    /// A page path is not inside the application path.
    #[error("the page path is not inside the application path")]
    PageOutsideApplication,
    /// The operation needs the page's directory and type name, and the page is known only
    /// by its `__VIEWSTATEGENERATOR` (Framework45 purposes, say).
    #[error("this needs the page's directory and type name, not just a generator")]
    PageWithoutNames,
    /// `__VIEWSTATEFIELDCOUNT` is not a count from 1 to 10,000.
    #[error("__VIEWSTATEFIELDCOUNT is not a field count")]
    FieldCount,
    /// A field of a split ViewState is missing.
    #[error("the ViewState field {name} is missing")]
    MissingField {
        /// The field (`__VIEWSTATE`, `__VIEWSTATE1`, ...).
        name: String,
    },
    /// An auto-generated key buffer of another length than 1024 (or 88) bytes.
    #[error("an auto-generated key buffer is 1024 bytes (88 on old builds), not {len}")]
    AutoGenKeysLength {
        /// The length given.
        len: usize,
    },
    /// A key of a length its algorithm does not take.
    #[error("a {len}-byte key does not suit {algorithm}")]
    KeyLength {
        /// The algorithm.
        algorithm: &'static str,
        /// The key length, in bytes.
        len: usize,
    },
    /// A derived key length too large for the KDF's 32-bit length field.
    #[error("a derived key of {len} bytes is too long")]
    DerivedKeyLength {
        /// The length asked for, in bytes.
        len: usize,
    },
    /// A Data Protection `EncryptionAlgorithm` name this crate does not know.
    #[error("unknown EncryptionAlgorithm {name:?}")]
    UnknownEncryptionAlgorithm {
        /// The name given.
        name: String,
    },
    /// A Data Protection `ValidationAlgorithm` name this crate does not know.
    #[error("unknown ValidationAlgorithm {name:?}")]
    UnknownValidationAlgorithm {
        /// The name given.
        name: String,
    },
    /// A CBC `EncryptionAlgorithm` named without its `ValidationAlgorithm`.
    #[error("a CBC EncryptionAlgorithm needs a ValidationAlgorithm")]
    MissingValidationAlgorithm,
    /// A key id that is not a GUID.
    #[error("a key id is a GUID")]
    KeyId,
    /// A simulated server or worker that does not exist.
    #[error("there is no {what} {index}")]
    NoSuch {
        /// `server`, `worker` or `user`.
        what: &'static str,
        /// The index asked for.
        index: usize,
    },
    /// Session data with more than `i32::MAX` items, or an item of more than `i32::MAX`
    /// bytes, which `SessionStateUtility` cannot write.
    #[error("the session data is too large to serialize")]
    SessionTooLarge,
    /// No login cookie of that name is accepted here.
    #[error("no accepted login cookie is named {name:?}")]
    UnknownCookie {
        /// The name asked for.
        name: String,
    },
    /// An application pool of no workers.
    #[error("an application pool needs at least one worker")]
    NoWorkers,
    /// A value's text is longer than any cookie, header or token (before any decoding).
    #[error("the value is over {limit} bytes: not a cookie, header or token")]
    ValueTooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// An expiry outside .NET's `DateTimeOffset` range (years 1 to 9999).
    #[error("the expiry is outside DateTimeOffset's range (years 1 to 9999)")]
    ExpiryOutOfRange,
    /// No application pool of that name (or, with none named, none that serves an
    /// application) in an IIS diagnosis.
    #[error("no application pool {name:?} (that serves an application) in the diagnosis")]
    UnknownPool {
        /// The name asked for (empty when none was).
        name: String,
    },
    /// An application pool whose applications' configuration could not be resolved, or
    /// whose runtime is not ASP.NET 2.0 or 4.x, cannot be simulated.
    #[error("the application pool {pool:?} cannot be simulated: {reason}")]
    PoolNotSimulated {
        /// The pool.
        pool: String,
        /// Why, in words.
        reason: &'static str,
    },
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
    /// A GZip-compressed ViewState (`H4sI…`: Base64 of GZip, at most 16 MiB inflated, of
    /// `ObjectStateFormatter` data or its Base64).
    CompressedViewState,
}

crate::names::names!(Encoding, "The encoding's name, as messages print it.", {
    Hex => "hex",
    Base64 => "base64",
    UrlToken => "UrlToken",
    Base64Url => "Base64url",
    Any => "hex, Base64, Base64url or UrlToken",
    SessionState => "session-state",
    CompressedViewState => "GZip-compressed ViewState",
});
