//! The errors of loading a certificate that opens key rings encrypted at rest
//! (`dataprotection::Certificate`, feature `certificate`).

use super::FileError;

/// Why a certificate could not be loaded. Never holds key bytes or the password.
///
/// `Clone` (its I/O error is shared) but not `PartialEq` (see [`Error`](crate::Error)).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// The file could not be read, or is larger than
    /// [`MAX_PFX_FILE`](crate::dataprotection::MAX_PFX_FILE); the [`FileError`]'s
    /// [`source`](std::error::Error::source) is the I/O error.
    #[error(transparent)]
    File(#[from] FileError),
    /// Not a PKCS#12 file, or the password is wrong (the MAC does not verify).
    #[error("not a PFX (PKCS#12) file this password opens: {0}")]
    Pfx(String),
    /// The file holds no private key with its certificate.
    #[error("the PFX file holds no private key with a certificate")]
    NoPrivateKey,
    /// The private key is not an RSA key (XML Encryption transports keys with RSA).
    #[error("the certificate's private key is not an RSA key")]
    NotRsa,
}
