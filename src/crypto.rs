//! The two ASP.NET protection stacks and what they share.
//!
//! This is the layer below [`AppKeys`](crate::AppKeys): use it when you hold raw bytes and
//! know the modifier or purpose yourself. **Start here** for everyday formats instead:
//! [`AppKeys`](crate::AppKeys) with a [`Page`](crate::Page).
//!
//! * [`legacy`]: `Framework20SP1`/`Framework20SP2` (`MachineKeySection.EncryptOrDecryptData`), also behind
//!   `MachineKey.Encode`/`Decode` in every mode.
//! * [`framework45`]: SP800-108 derived keys and encrypt-then-MAC (`System.Web/Security/Cryptography/NetFXCryptoService.cs`), also behind
//!   `MachineKey.Protect`/`Unprotect` in every mode.
//! * [`encoding`]: hex, Base64 and `UrlToken`.

pub(crate) mod cipher;
pub mod encoding;
pub mod framework45;
pub mod legacy;
pub(crate) mod mac;
pub mod work;
