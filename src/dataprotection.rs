//! ASP.NET Core Data Protection: the `CfDJ8…` values of ASP.NET Core (cookies, antiforgery,
//! session, TempData) and of ASP.NET 4.x with `<machineKey dataProtectorType>` (the
//! `Microsoft.AspNetCore.DataProtection.SystemWeb` package), their key rings, and where
//! those rings live.
//!
//! **Start here:** [`KeyRing::load`] a key-ring directory (or a `.reg` export of the IIS
//! registry repository), then [`KeyRing::protector`] with the purpose chain, application
//! discriminator first; [`consumers`] lists ASP.NET's own chains. For a 4.x application,
//! attach the ring to its keys with [`AppKeys::with_key_ring`](crate::AppKeys::with_key_ring).
//!
//! ```
//! use machinekey::dataprotection::{KeyRing, consumers};
//! # let key = machinekey::dataprotection::Key::generate(time::OffsetDateTime::now_utc(), Default::default(), &machinekey::random::OsRandom)?;
//! # let dir = std::env::temp_dir().join(format!("dp-doc-{}", key.id()));
//! # std::fs::create_dir_all(&dir)?;
//! # std::fs::write(dir.join(format!("key-{}.xml", key.id())), key.to_xml())?;
//! let ring = KeyRing::load(&dir)?;
//! let mut chain = vec!["/app/".to_owned()]; // the content root, or SetApplicationName
//! chain.extend(consumers::cookie_authentication("Identity.Application"));
//! let cookie = ring.protector(&chain)?;
//! let value = cookie.protect_text("ticket")?;
//! assert_eq!(cookie.unprotect_text(&value)?, "ticket");
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The layout (`09 F0 C9 F0`, key id, key modifier, IV, ciphertext, HMAC; or GCM), the
//! SP800-108 subkeys labelled with the purposes, the context headers and the default-key
//! rules follow `KeyRingBasedDataProtector`, `ManagedAuthenticatedEncryptor`,
//! `AesGcmAuthenticatedEncryptor`, `XmlKeyManager` and `DefaultKeyResolver` in
//! `dotnet/aspnetcore` (`src/DataProtection`), and Microsoft's "Data Protection
//! implementation" documentation (context headers, subkey derivation, authenticated
//! encryption details). Every known answer from ASP.NET's own tests and docs is checked
//! byte for byte in this crate's tests.
//!
//! Proved against real ASP.NET Core 10 (.NET 10.0.12): values real Data Protection wrote
//! under real key rings open here (`tests/aspnetcore_real.rs`: default algorithms and
//! AES-256-GCM, sub-purposes, empty and Unicode plaintexts, a time-limited payload, cookie
//! tickets, antiforgery, session, TempData, an Identity token, Blazor's markers), and the
//! differential tests (`checks/tests/dotnet_oracle.rs`) protect here and unprotect in .NET
//! and the reverse under all nine algorithms a descriptor names, read each other's key files
//! and revocations, open rings encrypted to a certificate, and agree on the default key.
//! Where the source reading and the real output disagreed, the output won, with a regression
//! test: the default key ([`ResolverVersion::AspNetCore10`], the most recently activated key,
//! not the propagation-aware order of `DefaultKeyResolver.cs`), the TempData purpose, and the
//! session cookie's encoding (standard Base64, percent-encoded: [`decode_payload_text`]).
//!
//! Not verified against a real run: the `HttpRuntime.AppDomainAppId` format (SystemWeb), the
//! 7.0+ content-root discriminator normalisation (the tests name their applications), and
//! the default key chosen by ASP.NET Core versions before 10.

pub mod algorithm;
#[cfg(feature = "certificate")]
#[cfg_attr(docsrs, doc(cfg(feature = "certificate")))]
mod certificate;
pub mod consumers;
mod key_ring;
mod payload;
mod protector;
pub mod repository;
mod resolver;
pub mod systemweb;
mod text;
mod time_limited;
mod xml_encryption;

pub use algorithm::{Algorithm, AuthenticatedEncryptor, BlockCipher, MacAlgorithm};
#[cfg(feature = "certificate")]
pub use certificate::{Certificate, CertificateError, MAX_PFX_FILE};
pub use key_ring::{
    AtRestProtection, Key, KeyRing, KeyRingError, KeyRingErrorKind, MAX_KEY_FILE, MAX_KEY_FILES,
    MAX_KEY_RING_EXPORT, Skipped, key_revocation_xml, mass_revocation_xml,
};
pub use payload::{HEADER_LEN, HeaderError, KeyId, MAGIC_HEADER, PayloadHeader, aad};
pub use protector::{DataProtector, RevokedKeys, Unprotected};
pub use resolver::{
    KEY_PROPAGATION_WINDOW, KeyMetadata, MAX_SERVER_CLOCK_SKEW, NEW_KEY_LIFETIME, Resolution,
    ResolverVersion, resolve_default_key,
};
pub use text::{MAX_PAYLOAD_TEXT, PayloadEncoding, PayloadText, decode_payload_text};
pub use time_limited::{
    EXPIRY_HEADER_LEN, TIME_LIMITED_PURPOSE, TimeLimited, TimeLimitedProtector, split_expiry,
};

/// Whether `text` looks like a Data Protection value: Base64url or Base64 starting `CfDJ8`,
/// or upper-case hex starting `09F0C9F0` (a SystemWeb forms ticket).
///
/// # Example
/// ```
/// use machinekey::dataprotection::looks_like_payload;
/// assert!(looks_like_payload("CfDJ8Hv3fGVi5uRIkSrIDtxg5WsAAQ"));
/// assert!(looks_like_payload("09F0C9F07BF77C65"));
/// assert!(!looks_like_payload("/wEPDwUKLTE2"));
/// ```
#[must_use]
pub fn looks_like_payload(text: &str) -> bool {
    let t = text.trim();
    t.starts_with("CfDJ8")
        || t.get(..8)
            .is_some_and(|p| p.eq_ignore_ascii_case("09F0C9F0"))
}
