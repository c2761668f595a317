//! Random generation of `<machineKey>` elements, as IIS Manager's "Generate Keys" does.

use crate::config::{
    DecryptionAlgorithm, FrameworkVersion, MachineKeyConfig, ValidationAlgorithm, key_rules,
};
use crate::error::Error;
use crate::random::RandomSource;

/// Generates fresh random keys of the right size for `validation` and `decryption` and
/// returns them as a config that writes the `<machineKey>` element an administrator would
/// paste (upper-case hex, algorithms named).
///
/// Sizes: the validation key fills the HMAC block (64 bytes, 128 for HMACSHA384/512); the
/// decryption key is 32 bytes for `Auto`/`AES` (AES-256), 24 for `3DES`, 8 for `DES`, and
/// 24 whenever `validation` is `AES`/`3DES`, whose wrap cipher is keyed by the same bytes.
/// Weak DES/TripleDES keys are drawn again.
///
/// # Errors
/// [`Error::Random`] if the random source fails.
///
/// # Example
/// ```
/// use machinekey::config::{DecryptionAlgorithm, ValidationAlgorithm};
/// use machinekey::random::OsRandom;
/// let cfg = machinekey::keys::generate(ValidationAlgorithm::HmacSha256, DecryptionAlgorithm::Aes, &OsRandom)?;
/// let xml = cfg.to_machine_key_element();
/// assert!(xml.starts_with("<machineKey validationKey=\""));
/// assert!(xml.ends_with("validation=\"HMACSHA256\" decryption=\"AES\" />"));
/// # Ok::<(), machinekey::Error>(())
/// ```
pub fn generate(
    validation: ValidationAlgorithm,
    decryption: DecryptionAlgorithm,
    rng: &dyn RandomSource,
) -> Result<MachineKeyConfig, Error> {
    let validation_len = validation.block_len();
    let decryption_len = match decryption {
        // The AES/3DES validation wrap is keyed by the same bytes: 24 suits every cipher.
        _ if validation.validation_cipher().is_some() => 24,
        DecryptionAlgorithm::Auto | DecryptionAlgorithm::Aes => 32,
        DecryptionAlgorithm::TripleDes => 24,
        DecryptionAlgorithm::Des => 8,
    };
    let mut vk = zeroize::Zeroizing::new(vec![0u8; validation_len]);
    rng.fill(&mut vk)?;
    let mut dk = zeroize::Zeroizing::new(vec![0u8; decryption_len]);
    // A weak DES/TripleDES key has odds below 2^-50 per draw; a source that keeps producing
    // one is broken, so give up after a few tries.
    let mut tries = 0;
    loop {
        rng.fill(&mut dk)?;
        let usable = key_rules::legacy_cipher_key(decryption, FrameworkVersion::V4, &dk).is_ok()
            && validation
                .validation_cipher()
                .is_none_or(|wrap| key_rules::legacy_validation_cipher_key(wrap, &dk).is_ok());
        if usable {
            break;
        }
        tries += 1;
        if tries >= 8 {
            return Err(Error::Random);
        }
    }
    let built = MachineKeyConfig::builder()
        .validation_key(&zeroize::Zeroizing::new(hex::encode_upper(vk.as_slice())))
        .decryption_key(&zeroize::Zeroizing::new(hex::encode_upper(dk.as_slice())))
        .validation(validation)
        .decryption(decryption)
        .build()?;
    Ok(built)
}
