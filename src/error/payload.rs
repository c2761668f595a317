//! A Data Protection payload header ASP.NET cannot open.

/// Why a value is not a payload this crate (and ASP.NET) can open, found before any key is
/// used. Public information only: the header is not secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// Shorter than the 20-byte header, or without the `09 F0 C9 F0` magic
    /// (`ProtectionProvider_BadMagicHeader`).
    #[error(
        "the provided payload cannot be decrypted because it was not protected with this protection provider"
    )]
    BadMagic,
    /// The magic matches but the version nibble is not 0 (`ProtectionProvider_BadVersion`).
    #[error(
        "the provided payload cannot be decrypted because it was protected with a newer version of the protection provider"
    )]
    NewerVersion,
}
