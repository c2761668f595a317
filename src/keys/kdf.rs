//! NIST SP800-108 key derivation in counter mode with HMAC-SHA512, as
//! `System.Web.Security.Cryptography.SP800_108` does it (`SP800_108.DeriveKey`).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha512;
use zeroize::Zeroizing;

use super::secret::DerivedKey;
use crate::error::{ArgumentError, Error};

/// Derives `out_len` bytes: `K(i) = HMAC-SHA512(key, BE32(i) ‖ label ‖ 0x00 ‖ context ‖
/// BE32(out_len·8))` for `i = 1, 2, ...`, concatenated and truncated. ASP.NET always asks
/// for as many bytes as the master key has.
///
/// Keys longer than 128 bytes are hashed first (RFC 2104), as .NET's `HMACSHA512` does.
///
/// # Errors
/// [`ArgumentError::DerivedKeyLength`] if `out_len · 8` does not fit in 32 bits.
///
/// # Example
/// ```
/// use machinekey::crypto::framework45::{Purpose, sp800_108_hmac_sha512};
/// let p = Purpose::new("FormsAuthentication.Ticket");
/// let k = sp800_108_hmac_sha512(&[0x42; 32], p.label(), &p.context(), 32)?;
/// assert_eq!(k.len(), 32);
/// assert_eq!(format!("{k:?}"), "DerivedKey([redacted])");
/// # Ok::<(), machinekey::Error>(())
/// ```
pub fn sp800_108_hmac_sha512(
    key: &[u8],
    label: &[u8],
    context: &[u8],
    out_len: usize,
) -> Result<DerivedKey, Error> {
    Ok(DerivedKey::from_bytes(&sp800_108(
        key, label, context, out_len,
    )?))
}

/// [`sp800_108_hmac_sha512`] for the crate's own derivations, which keep the bytes.
pub(crate) fn sp800_108(
    key: &[u8],
    label: &[u8],
    context: &[u8],
    out_len: usize,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    Prf::new(key)?.derive(label, context, out_len)
}

/// The PRF keyed once (HMAC-SHA512 pads computed), for a key that derives many times: Data
/// Protection derives subkeys from its master key for every payload.
#[derive(Clone)]
pub(crate) struct Prf(Hmac<Sha512>);

impl core::fmt::Debug for Prf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Prf([redacted])")
    }
}

impl Prf {
    /// Keys the PRF (keys longer than 128 bytes are hashed first).
    pub(crate) fn new(key: &[u8]) -> Result<Self, Error> {
        <Hmac<Sha512> as KeyInit>::new_from_slice(key)
            .map(Self)
            .map_err(|_| {
                ArgumentError::KeyLength {
                    algorithm: "HMAC-SHA512",
                    len: key.len(),
                }
                .into()
            })
    }

    /// [`sp800_108_hmac_sha512`] under this key.
    pub(crate) fn derive(
        &self,
        label: &[u8],
        context: &[u8],
        out_len: usize,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let bits = output_bits(out_len)?;
        let mut out = Zeroizing::new(Vec::with_capacity(out_len + 64));
        let mut counter: u32 = 1;
        while out.len() < out_len {
            let mut m = self.0.clone();
            for part in prf_input(&counter.to_be_bytes(), label, context, &bits.to_be_bytes()) {
                m.update(part);
            }
            out.extend_from_slice(&m.finalize().into_bytes());
            counter = counter
                .checked_add(1)
                .ok_or(ArgumentError::DerivedKeyLength { len: out_len })?;
        }
        out.truncate(out_len);
        Ok(out)
    }
}

/// `L`, the output length in bits, as the PRF input carries it.
pub(crate) fn output_bits(out_len: usize) -> Result<u32, Error> {
    out_len
        .checked_mul(8)
        .and_then(|b| u32::try_from(b).ok())
        .ok_or(ArgumentError::DerivedKeyLength { len: out_len }.into())
}

/// The PRF input of one block: `BE32(i) ‖ label ‖ 0x00 ‖ context ‖ BE32(L)`.
pub(crate) fn prf_input<'a>(
    counter: &'a [u8; 4],
    label: &'a [u8],
    context: &'a [u8],
    bits: &'a [u8; 4],
) -> [&'a [u8]; 5] {
    [counter, label, &[0], context, bits]
}
