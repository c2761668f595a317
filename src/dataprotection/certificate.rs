//! Certificates that open key rings encrypted at rest with `ProtectKeysWithCertificate`
//! (feature `certificate`): a PFX (PKCS#12) file with its private key, as
//! `X509CertificateLoader.LoadPkcs12FromFile` reads it, then
//! [`KeyRing::decrypt_with_certificates`].
//!
//! The PFX is read with `p12-keystore` (PBES2 with AES as OpenSSL 3 and current Windows
//! write it, and the 3DES and RC2 PBES1 schemes of older Windows exports; the MAC is
//! verified); the RSA key transport with RustCrypto's `rsa` (PKCS#1 v1.5, and OAEP-SHA1).
//!
//! Proved on real output: the differential tests make a PFX with `openssl` at test time,
//! have real ASP.NET Core 10 write keys encrypted to it (`dp.new_key` with
//! `certificate_pfx`), open them here and unprotect what .NET protected under them.
//!
//! # Example
//! ```no_run
//! use machinekey::dataprotection::{Certificate, KeyRing};
//! let cert = Certificate::load_pfx("dp.pfx".as_ref(), "secret")?;
//! let mut ring = KeyRing::load("keys".as_ref())?;
//! let opened = ring.decrypt_with_certificates(&[cert])?;
//! println!("{} key(s) decrypted", opened.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::Path;

use rsa::pkcs8::DecodePrivateKey as _;
use zeroize::Zeroizing;

use super::xml_encryption::{EncryptedSecret, KeyTransport, thumbprint};
pub use crate::error::CertificateError;

/// The largest PFX file read (1 MiB; a certificate with its key is a few KiB).
pub const MAX_PFX_FILE: u64 = 1 << 20;

/// An X.509 certificate with its RSA private key, read from a PFX (PKCS#12) file as
/// `X509CertificateLoader.LoadPkcs12FromFile` reads it (PBES2 with AES as OpenSSL 3 and
/// current Windows write it, or the 3DES and RC2 schemes of older Windows exports; the MAC is
/// verified), to open key rings written with `ProtectKeysWithCertificate`
/// ([`KeyRing::decrypt_with_certificates`](super::KeyRing::decrypt_with_certificates)).
///
/// Proved on real output: the differential tests make a PFX with `openssl`, have real
/// ASP.NET Core 10 write keys encrypted to it, open them here and unprotect what .NET
/// protected under them, and the reverse.
///
/// # Example
/// ```no_run
/// use machinekey::dataprotection::{Certificate, KeyRing};
/// let cert = Certificate::load_pfx("dp.pfx".as_ref(), "secret")?;
/// let mut ring = KeyRing::load("keys".as_ref())?;
/// let opened = ring.decrypt_with_certificates(&[cert])?;
/// println!("{} key(s) decrypted", opened.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    thumbprint: String,
    subject: String,
    key: rsa::PrivateKey,
}

impl core::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Certificate")
            .field("thumbprint", &self.thumbprint)
            .field("subject", &self.subject)
            .field("private_key", &"[redacted]")
            .finish()
    }
}

impl Certificate {
    /// Reads a PFX (PKCS#12) file's bytes with its password (`""` for none).
    ///
    /// # Errors
    /// [`CertificateError::Pfx`] for bytes that are not PKCS#12 or a wrong password,
    /// [`CertificateError::NoPrivateKey`], [`CertificateError::NotRsa`].
    ///
    /// # Example
    /// ```
    /// use machinekey::dataprotection::{Certificate, CertificateError};
    /// assert!(matches!(Certificate::from_pfx(b"not a pfx", "pw"), Err(CertificateError::Pfx(_))));
    /// ```
    pub fn from_pfx(bytes: &[u8], password: &str) -> Result<Self, CertificateError> {
        let store = p12_keystore::KeyStore::from_pkcs12(
            bytes,
            password,
            p12_keystore::Pkcs12ImportPolicy::Relaxed,
        )
        .map_err(|e| CertificateError::Pfx(e.to_string()))?;
        let (_, chain) = store
            .private_key_chain()
            .ok_or(CertificateError::NoPrivateKey)?;
        let cert = chain
            .certs()
            .first()
            .ok_or(CertificateError::NoPrivateKey)?;
        let key = rsa::PrivateKey::from_pkcs8_der(chain.key().as_der())
            .map_err(|_| CertificateError::NotRsa)?;
        let der = cert.as_der().to_vec();
        Ok(Self {
            thumbprint: thumbprint(&der),
            subject: cert.subject().to_owned(),
            der,
            key,
        })
    }

    /// Reads a PFX file.
    ///
    /// # Errors
    /// [`CertificateError::File`] when it cannot be read or is larger than
    /// [`MAX_PFX_FILE`], then as [`from_pfx`](Self::from_pfx).
    ///
    /// # Example
    /// See [`Certificate`].
    pub fn load_pfx(path: &Path, password: &str) -> Result<Self, CertificateError> {
        let name = path.display().to_string();
        let bytes = Zeroizing::new(crate::bounded::read_file(path, &name, MAX_PFX_FILE)?);
        Self::from_pfx(&bytes, password)
    }

    /// The SHA-1 thumbprint, upper-case hex (as Windows and .NET show it).
    #[must_use]
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// The subject, e.g. `CN=DataProtection`.
    #[must_use]
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The certificate, DER.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Unwraps the data key of an `<EncryptedKey>` and decrypts the element: its UTF-8 XML.
    pub(crate) fn decrypt(&self, secret: &EncryptedSecret) -> Option<Zeroizing<Vec<u8>>> {
        let key = Zeroizing::new(match secret.transport {
            KeyTransport::Pkcs1v15 => self
                .key
                .decrypt(rsa::Pkcs1v15Encrypt, &secret.encrypted_key)
                .ok()?,
            KeyTransport::OaepSha1 => self
                .key
                .decrypt(rsa::Oaep::<sha1::Sha1>::new(), &secret.encrypted_key)
                .ok()?,
        });
        secret.decrypt_data(&key)
    }
}
