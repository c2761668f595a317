//! Background: how ASP.NET's `<machineKey>` cryptography works and why this crate behaves as
//! it does.
//!
//! # Two stacks, chosen by `compatibilityMode`
//!
//! ASP.NET 4.x carries two independent protection stacks (`MachineKeySection.CompatibilityMode`):
//!
//! * **Legacy** (`Framework20SP1`, `Framework20SP2`): the raw `validationKey` MACs data with
//!   HMAC-SHA1/256/384/512 (or a quirky keyed MD5), and the raw `decryptionKey` encrypts with
//!   CBC under an **all-zero IV**, behind a random prefix as long as the *key*. ViewState,
//!   forms tickets, `.axd` URLs and role/anonymous cookies use it unless the mode is
//!   Framework45. `MachineKey.Encode`/`Decode` use it always.
//! * **Framework45**: every consumer names a *purpose*; SP800-108 (HMAC-SHA512) derives a
//!   fresh key pair per purpose from the master keys, and data is encrypted under a random IV
//!   and then MACed (`IV ‖ ciphertext ‖ HMAC`). `MachineKey.Protect`/`Unprotect` use it
//!   always, even in legacy mode.
//!
//! The default mode is `Framework20SP1`, switched to `Framework45` when
//! `<httpRuntime targetFramework>` is 4.5 or later and `compatibilityMode` is not set.
//!
//! # Why every unprotect failure is the same error
//!
//! In 2010 the legacy stack decrypted before it checked anything, and said whether the
//! padding was valid. That was a padding oracle (MS10-070, CVE-2010-3332): an attacker could
//! decrypt and forge ViewState and forms tickets, and download `web.config` through
//! `WebResource.axd`. The fix appended a MAC over the ciphertext and made every failure look
//! the same ("Unable to validate data").
//!
//! This crate keeps both halves of that fix: the MAC is verified in constant time **before**
//! any decryption, and every failure after the text encoding is decoded is the single value
//! [`Error::Unprotect`](crate::Error::Unprotect). With `aspnet:UseLegacyEncryption=true`
//! ASP.NET drops the MAC again; the crate reproduces that format for compatibility, which
//! re-opens the oracle at the protocol level: do not use it for new data.
//!
//! # Quirks reproduced on purpose
//!
//! * Legacy hex keys decode non-hex characters up to `'f'` as zero (`MachineKeySection.RuntimeDataInitialize`).
//! * The legacy prefix `R` is as long as the cipher key (24 bytes for AES-192 or 3DES), not
//!   the block.
//! * Legacy keyed MD5 hashes `data ‖ key ‖ zeros` on 4.x, because the key is copied over the
//!   modifier (`MachineKeySection.HashData`); 2.0 hashes `data ‖ modifier ‖ key` and pads the MAC to 20 bytes.
//! * Legacy `validation="AES"`/`"3DES"` signs with HMAC-SHA1 and then encrypts the signed data
//!   again with a cipher keyed by the decryption key.
//! * `decryption="Auto"` is DES for an 8-byte key in legacy mode, and always AES in
//!   Framework45.
//!
//! # Divergences and limits
//!
//! * Legacy validation keys longer than the HMAC block (64 bytes; 128 for HMACSHA384/512)
//!   are refused: ASP.NET 4.x would overrun a buffer with them (UNVERIFIED).
//! * `alg:` custom algorithms are not supported. `dataProtectorType` is supported for the
//!   Data Protection package (`CompatibilityDataProtector`) only: see [`crate::dataprotection`].
//! * Weak DES/TripleDES keys are refused, as the .NET providers refuse them (standard .NET
//!   behaviour; not read in the ASP.NET source).
//!
//! # AutoGenerate and isolation
//!
//! With the default `AutoGenerate,IsolateApps`, each worker-process *identity* has one
//! 1024-byte secret, kept in the LSA (SYSTEM), in its user hive (accounts with a loaded
//! profile) or in `HKLM\...\AutoGenKeys\<SID>` (only where `aspnet_regiis -ga` granted it).
//! When none of these can be used, every process silently makes up its own: a web garden
//! then has as many keys as workers, and every request served by "the other" worker fails
//! to read what the first one protected. [`keys::store`](crate::keys::store) models this;
//! `IsolateApps` then changes the key per application (legacy: the first four key bytes
//! become the hash of the virtual path; Framework45: a `MachineKeyDerivation` KDF pass), so
//! two applications on one server never share keys, while the workers of one application
//! do as long as they share the secret.
//!
//! The legacy hash is `StringComparer.InvariantCultureIgnoreCase.GetHashCode`, computed from
//! the Windows sort key; it is reproduced for ASCII paths, and for anything else (a hyphen,
//! non-ASCII) the caller supplies the value printed by one PowerShell line.
