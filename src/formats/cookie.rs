//! Role-manager and anonymous-identification cookies (`CookieProtectionHelper`).
//! The payloads inside (role list, anonymous id) are returned as bytes.

use super::AppKeys;
pub use crate::config::forms::CookieProtection;
use crate::crypto::encoding::{url_token_decode, url_token_encode};
use crate::crypto::framework45::{Purpose, primary};
use crate::crypto::legacy::IvType;
use crate::error::Error;
use crate::names::names;

/// Which cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CookieKind {
    /// The role-manager cookie (`.ASPXROLES`), purpose `RolePrincipal.Ticket`.
    Roles,
    /// The anonymous-identification cookie (`.ASPXANONYMOUS`), purpose
    /// `AnonymousIdentificationModule.Ticket`.
    AnonymousId,
}

names!(CookieKind, "The cookie's default name.", {
    Roles => ".ASPXROLES",
    AnonymousId => ".ASPXANONYMOUS",
});

impl CookieKind {
    fn purpose(self) -> Purpose {
        Purpose::new(match self {
            Self::Roles => primary::ROLE_PRINCIPAL_TICKET,
            Self::AnonymousId => primary::ANONYMOUS_IDENTIFICATION_TICKET,
        })
    }
}

impl AppKeys {
    /// Legacy protection of a payload by `protection`: `All` = `C ‖ MAC(C)` over
    /// `R ‖ data ‖ MAC(data)`, `Validation` = `data ‖ MAC(data)`, `Encryption` = `C ‖ MAC(C)`
    /// over `R ‖ data`, `None` = `data`.
    pub(crate) fn legacy_protect(
        &self,
        data: &[u8],
        protection: CookieProtection,
    ) -> Result<Vec<u8>, Error> {
        let legacy = self.legacy()?;
        let signed = if protection.signs() {
            legacy.append_mac(data)
        } else {
            data.to_vec()
        };
        if protection.encrypts() {
            legacy.encrypt(&signed, None, IvType::Random)
        } else {
            Ok(signed)
        }
    }

    /// The reverse of [`legacy_protect`](Self::legacy_protect).
    pub(crate) fn legacy_unprotect(
        &self,
        blob: &[u8],
        protection: CookieProtection,
    ) -> Result<Vec<u8>, Error> {
        let legacy = self.legacy()?;
        let opened = if protection.encrypts() {
            legacy.decrypt(blob, None, IvType::Random)?
        } else {
            blob.to_vec()
        };
        if protection.signs() {
            legacy.strip_mac(&opened)
        } else {
            Ok(opened)
        }
    }

    /// Protects a role or anonymous-id cookie payload; returns the `UrlToken` cookie text.
    ///
    /// # Errors
    /// The stack's configuration error, or [`Error::Random`].
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::formats::AppKeys;
    /// use machinekey::formats::cookie::{CookieKind, CookieProtection};
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let keys = AppKeys::explicit(&cfg)?;
    /// let cookie = keys.encode_cookie(b"roles", CookieKind::Roles, CookieProtection::All)?;
    /// assert_eq!(keys.decode_cookie(&cookie, CookieKind::Roles, CookieProtection::All)?, b"roles");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn encode_cookie(
        &self,
        payload: &[u8],
        kind: CookieKind,
        protection: CookieProtection,
    ) -> Result<String, Error> {
        let blob = if self.uses_framework45() {
            self.state_protector()?.protect(payload, &kind.purpose())?
        } else {
            self.legacy_protect(payload, protection)?
        };
        Ok(url_token_encode(&blob))
    }

    /// Opens a role or anonymous-id cookie.
    ///
    /// # Errors
    /// [`Error::Malformed`] for bad `UrlToken` text; [`Error::Unprotect`] if it does not
    /// verify.
    ///
    /// # Example
    /// See [`encode_cookie`](Self::encode_cookie).
    pub fn decode_cookie(
        &self,
        cookie: &str,
        kind: CookieKind,
        protection: CookieProtection,
    ) -> Result<Vec<u8>, Error> {
        let blob = url_token_decode(cookie)?;
        if self.uses_framework45() {
            self.state_protector()?.unprotect(&blob, &kind.purpose())
        } else {
            self.legacy_unprotect(&blob, protection)
        }
    }
}
