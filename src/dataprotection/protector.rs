//! `IDataProtector` over a key ring: purpose chains, protect and unprotect
//! (`KeyRingBasedDataProtector`), and the string extensions
//! (`DataProtectionCommonExtensions.Protect(string)`).

use std::sync::Arc;

use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::payload::{HEADER_LEN, MAGIC_HEADER, PayloadHeader, aad};
use super::{KeyId, KeyRing};
use crate::clock::{Clock, FixedClock, SystemClock};
use crate::crypto::encoding::{from_base64url, to_base64url};
use crate::error::{ArgumentError, Error};
use crate::names::names;
use crate::random::{OsRandom, RandomSource};

/// A data protector: a key ring and a purpose chain, as
/// `provider.CreateProtector(a).CreateProtector(b)` makes one.
///
/// In an ASP.NET Core application the chain starts with the application discriminator
/// (the content root path, or the name given to `SetApplicationName`); pass it as the first
/// purpose. [`consumers`](super::consumers) lists the chains of ASP.NET's own users.
///
/// # Example
/// ```
/// use machinekey::dataprotection::KeyRing;
/// let mut ring = KeyRing::new();
/// ring.generate_key(time::OffsetDateTime::now_utc(), &machinekey::random::OsRandom)?;
/// let app = ring.protector(&["MyApp"])?;
/// let p = app.create_protector("Orders");
/// let text = p.protect_text("42")?;
/// assert!(text.starts_with("CfDJ8"));
/// assert_eq!(p.unprotect_text(&text)?, "42");
/// assert!(app.unprotect_text(&text).is_err()); // another chain
/// # Ok::<(), machinekey::Error>(())
/// ```
#[derive(Clone)]
pub struct DataProtector {
    ring: Arc<KeyRing>,
    purposes: Vec<String>,
    rng: Arc<dyn RandomSource>,
    clock: Arc<dyn Clock>,
}

impl core::fmt::Debug for DataProtector {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DataProtector")
            .field("purposes", &self.purposes)
            .field("keys", &self.ring.keys().len())
            .finish_non_exhaustive()
    }
}

/// Whether [`DataProtector::unprotect_detailed`] opens a payload of a revoked key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RevokedKeys {
    /// Refuse it with [`Error::KeyRevoked`], as `Unprotect` does (the default).
    #[default]
    Refuse,
    /// Open it anyway, as `IPersistedDataProtector.DangerousUnprotect(ignoreRevocationErrors:
    /// true)` does.
    Allow,
}

names!(RevokedKeys, "The choice, in words.", {
    Refuse => "refuse",
    Allow => "allow",
});

/// What [`DataProtector::unprotect_detailed`] found besides the plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unprotected {
    /// The plaintext.
    pub plaintext: Vec<u8>,
    /// The key that protected it.
    pub key_id: KeyId,
    /// The key is not the default key now: ASP.NET reports "requires migration".
    pub requires_migration: bool,
    /// The key is revoked (only possible when revocation was ignored).
    pub was_revoked: bool,
}

impl KeyRing {
    /// A protector for the purpose chain `purposes` (`CreateProtector(IEnumerable)`).
    ///
    /// # Errors
    /// [`ArgumentError::EmptyPurposeChain`] for an empty chain, as ASP.NET throws
    /// `ArgumentException`.
    ///
    /// # Example
    /// See [`DataProtector`].
    pub fn protector<S: AsRef<str>>(&self, purposes: &[S]) -> Result<DataProtector, Error> {
        Arc::new(self.clone()).into_protector(purposes)
    }

    /// As [`protector`](Self::protector), sharing an `Arc`ed ring.
    ///
    /// # Errors
    /// As [`protector`](Self::protector).
    ///
    /// # Example
    /// ```
    /// # use std::sync::Arc;
    /// # use machinekey::dataprotection::KeyRing;
    /// let ring = Arc::new(KeyRing::new());
    /// let p = ring.clone().into_protector(&["a", "b"])?;
    /// assert_eq!(p.purposes(), ["a", "b"]);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn into_protector<S: AsRef<str>>(
        self: Arc<Self>,
        purposes: &[S],
    ) -> Result<DataProtector, Error> {
        if purposes.is_empty() {
            return Err(ArgumentError::EmptyPurposeChain.into());
        }
        Ok(DataProtector {
            ring: self,
            purposes: purposes.iter().map(|p| p.as_ref().to_owned()).collect(),
            rng: Arc::new(OsRandom),
            clock: Arc::new(SystemClock),
        })
    }
}

impl DataProtector {
    /// The protector for this chain followed by `purpose` (`CreateProtector`).
    #[must_use]
    pub fn create_protector(&self, purpose: &str) -> Self {
        let mut p = self.clone();
        p.purposes.push(purpose.to_owned());
        p
    }

    /// The purpose chain.
    #[must_use]
    pub fn purposes(&self) -> &[String] {
        &self.purposes
    }

    /// The key ring.
    #[must_use]
    pub fn key_ring(&self) -> &KeyRing {
        &self.ring
    }

    /// Replaces the random source (key modifiers, IVs, nonces), to pin bytes in tests.
    #[must_use]
    pub fn with_random(mut self, rng: Arc<dyn RandomSource>) -> Self {
        self.rng = rng;
        self
    }

    /// Asks `clock` for the time that chooses the default key (the system clock otherwise).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Pins the time used to choose the default key: [`with_clock`](Self::with_clock) with a
    /// [`FixedClock`].
    #[must_use]
    pub fn at(self, now: OffsetDateTime) -> Self {
        self.with_clock(Arc::new(FixedClock(now)))
    }

    fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Protects `plaintext` with the ring's default key at the current time.
    ///
    /// # Errors
    /// [`Error::NoDefaultKey`] if no key qualifies as default (ASP.NET would make one: see
    /// [`KeyRing::generate_key`]); [`Error::KeyUnavailable`] if it is encrypted at rest;
    /// [`Error::Random`].
    ///
    /// # Example
    /// See [`DataProtector`].
    pub fn protect(&self, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        let key = self
            .ring
            .default_key(self.now())
            .ok_or(Error::NoDefaultKey)?;
        self.protect_with_key(key.id(), plaintext)
    }

    /// Protects `plaintext` with a chosen key of the ring.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`], [`Error::KeyUnavailable`], [`Error::Random`].
    ///
    /// # Example
    /// ```
    /// # use machinekey::dataprotection::KeyRing;
    /// # let mut ring = KeyRing::new();
    /// let id = ring.generate_key(time::OffsetDateTime::now_utc(), &machinekey::random::OsRandom)?;
    /// let p = ring.protector(&["x"])?;
    /// let payload = p.protect_with_key(id, b"data")?;
    /// assert_eq!(machinekey::dataprotection::PayloadHeader::parse(&payload).unwrap().key_id, id);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn protect_with_key(&self, id: KeyId, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        let key = self.ring.key(id).ok_or(Error::KeyNotFound(id))?;
        let body =
            key.encryptor()?
                .encrypt(plaintext, &aad(id, &self.purposes), self.rng.as_ref())?;
        let mut out = Vec::with_capacity(HEADER_LEN + body.len());
        out.extend_from_slice(&MAGIC_HEADER);
        out.extend_from_slice(&id.to_bytes_le());
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Verifies and decrypts a payload.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`] naming the key id when the ring lacks the key ("The key {…}
    /// was not found in the key ring."), [`Error::KeyRevoked`] for a revoked key,
    /// [`Error::KeyUnavailable`] when the key is encrypted at rest; every other failure
    /// (not a payload, newer version, wrong purposes, tampering) is the one opaque
    /// [`Error::Unprotect`].
    ///
    /// # Example
    /// See [`DataProtector`].
    pub fn unprotect(&self, payload: &[u8]) -> Result<Vec<u8>, Error> {
        self.open(payload, RevokedKeys::Refuse)
            .map(|(plaintext, _, _)| plaintext)
    }

    /// Header, key lookup, revocation check, decryption: the plaintext, the key id and
    /// whether the key is revoked. No default-key resolution (only the detailed form needs it).
    fn open(&self, payload: &[u8], revoked: RevokedKeys) -> Result<(Vec<u8>, KeyId, bool), Error> {
        let id = PayloadHeader::parse(payload)
            .map_err(|_| Error::Unprotect)?
            .key_id;
        let key = self.ring.key(id).ok_or(Error::KeyNotFound(id))?;
        if key.is_revoked() && revoked == RevokedKeys::Refuse {
            return Err(Error::KeyRevoked(id));
        }
        let body = payload.get(HEADER_LEN..).ok_or(Error::Unprotect)?;
        let plaintext = key.encryptor()?.decrypt(body, &aad(id, &self.purposes))?;
        Ok((plaintext, id, key.is_revoked()))
    }

    /// As [`unprotect`](Self::unprotect), and says which key was used and whether it is
    /// the default; with [`RevokedKeys::Allow`] a revoked key is used anyway
    /// (`IPersistedDataProtector.DangerousUnprotect`).
    ///
    /// # Errors
    /// As [`unprotect`](Self::unprotect).
    ///
    /// # Example
    /// ```
    /// # use machinekey::dataprotection::KeyRing;
    /// use machinekey::dataprotection::RevokedKeys;
    /// # let mut ring = KeyRing::new();
    /// let now = time::OffsetDateTime::now_utc();
    /// let id = ring.generate_key(now, &machinekey::random::OsRandom)?;
    /// let payload = ring.protector(&["x"])?.protect(b"data")?;
    /// ring.revoke(id, now);
    /// let p = ring.protector(&["x"])?;
    /// assert!(matches!(p.unprotect(&payload), Err(machinekey::Error::KeyRevoked(k)) if k == id));
    /// assert!(p.unprotect_detailed(&payload, RevokedKeys::Allow)?.was_revoked);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn unprotect_detailed(
        &self,
        payload: &[u8],
        revoked: RevokedKeys,
    ) -> Result<Unprotected, Error> {
        let (plaintext, id, was_revoked) = self.open(payload, revoked)?;
        let default = self.ring.resolve(self.now()).default_key;
        Ok(Unprotected {
            plaintext,
            key_id: id,
            requires_migration: default != Some(id),
            was_revoked,
        })
    }

    /// Unprotects a payload in any text form real ASP.NET Core writes: Base64url, standard
    /// Base64 with or without padding (the session cookie, Identity tokens), either one
    /// percent-encoded as a cookie value is sent (`%2B`, `%2F`), or with JSON escapes
    /// ([`decode_payload_text`](super::decode_payload_text)).
    ///
    /// # Errors
    /// [`Error::Malformed`] or [`Error::InvalidArgument`] for text that is none of these;
    /// otherwise as [`unprotect`](Self::unprotect).
    ///
    /// # Example
    /// ```
    /// # use machinekey::dataprotection::KeyRing;
    /// # let mut ring = KeyRing::new();
    /// # ring.generate_key(time::OffsetDateTime::now_utc(), &machinekey::random::OsRandom)?;
    /// let p = ring.protector(&["MyApp", "SessionMiddleware"])?;
    /// let standard = machinekey::crypto::encoding::to_base64(&p.protect(b"key")?);
    /// let sent = standard.trim_end_matches('=').replace('+', "%2B").replace('/', "%2F");
    /// assert_eq!(p.unprotect_encoded(&sent)?, b"key");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn unprotect_encoded(&self, text: &str) -> Result<Vec<u8>, Error> {
        self.unprotect(&super::decode_payload_text(text)?.bytes)
    }

    /// `Protect(string)`: UTF-8, protect, `WebEncoders.Base64UrlEncode` (the `CfDJ8…` text).
    ///
    /// # Errors
    /// As [`protect`](Self::protect).
    ///
    /// # Example
    /// See [`DataProtector`].
    pub fn protect_text(&self, plaintext: &str) -> Result<String, Error> {
        Ok(to_base64url(&self.protect(plaintext.as_bytes())?))
    }

    /// `Unprotect(string)`: Base64url decode, unprotect, strict UTF-8.
    ///
    /// # Errors
    /// [`Error::Malformed`] for text that is not Base64url; otherwise as
    /// [`unprotect`](Self::unprotect) (plaintext that is not UTF-8 is [`Error::Unprotect`]).
    ///
    /// # Example
    /// See [`DataProtector`].
    pub fn unprotect_text(&self, text: &str) -> Result<String, Error> {
        let bytes = Zeroizing::new(self.unprotect(&from_base64url(text.trim())?)?);
        String::from_utf8(bytes.to_vec()).map_err(|_| Error::Unprotect)
    }
}
