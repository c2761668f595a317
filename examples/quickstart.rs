//! Quick start: read a web.config, verify a real legacy ViewState and decrypt a real
//! Framework45 one captured from ASP.NET, use `MachineKey.Protect`/`Encode`, and generate a
//! fresh `<machineKey>`.
//!
//! Run with `cargo run --example quickstart`.

use machinekey::config::{DecryptionAlgorithm, MachineKeyConfig, ValidationAlgorithm};
use machinekey::crypto::encoding::{from_base64, to_upper_hex};
use machinekey::crypto::framework45::{Framework45Protector, Purpose, primary};
use machinekey::crypto::legacy::{LegacyProtector, MachineKeyProtection};
use machinekey::random::OsRandom;

/// Keys of the public badsecrets test vectors (spec §9.1): a known, leaked key pair.
const WEB_CONFIG: &str = r#"<?xml version="1.0"?>
<configuration>
  <system.web>
    <machineKey validationKey="F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B"
                decryptionKey="B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78"
                validation="SHA1" decryption="AES" />
  </system.web>
</configuration>"#;

fn main() -> Result<(), machinekey::Error> {
    // 1. Configuration, validated as ASP.NET validates it.
    let cfg = MachineKeyConfig::from_web_config(WEB_CONFIG)?;
    println!(
        "mode: {}, validation: {}, decryption: {}",
        cfg.compatibility_mode(),
        cfg.validation(),
        cfg.decryption()
    );

    // 2. A legacy ViewState captured from a real server: data || HMAC-SHA1(data || modifier),
    //    where the modifier is the __VIEWSTATEGENERATOR (EDD8C9AE) little-endian.
    let legacy = LegacyProtector::from_config(&cfg)?;
    let field = from_base64("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==")?;
    let modifier = 0xEDD8_C9AEu32.to_le_bytes();
    let payload = legacy.verify(&field, Some(&modifier))?;
    println!(
        "legacy ViewState verified: {} bytes of ObjectStateFormatter data ({})",
        payload.len(),
        to_upper_hex(payload.get(..2).unwrap_or_default())
    );
    let mut tampered = field.clone();
    if let Some(byte) = tampered.get_mut(5) {
        *byte ^= 1;
    }
    match legacy.verify(&tampered, Some(&modifier)) {
        Err(e) => println!("tampered copy: {e}"),
        Ok(_) => println!("tampered copy verified: this must never happen"),
    }

    // 3. The same keys in Framework45 mode (targetFramework >= 4.5): a ViewState from
    //    /form.aspx, protected under the page's purposes.
    let fx45_cfg = MachineKeyConfig::builder()
        .validation_key(cfg.validation_key_text().expose_secret())
        .decryption_key(cfg.decryption_key_text().expose_secret())
        .validation(ValidationAlgorithm::HmacSha256)
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
        .build()?;
    let fx45 = Framework45Protector::from_config(&fx45_cfg)?;
    let purpose = Purpose::new(primary::VIEWSTATE)
        .with_specific("TemplateSourceDirectory: /")
        .with_specific("Type: FORM_ASPX");
    let blob = from_base64(
        "008e+LWomJ5U8KyJHzT4yvCC9JKWEISWWF1jK8/j5MFlX9ybF/OnmDCCqGGMDv5555lMFcRLM3bmkIS9c9tQL3BYOtAskLFayVHhmkSi4vc=",
    )?;
    let payload = fx45.unprotect(&blob, &purpose)?;
    println!(
        "Framework45 ViewState decrypted: {} bytes ({})",
        payload.len(),
        to_upper_hex(payload.get(..2).unwrap_or_default())
    );

    // 4. MachineKey.Protect (always Framework45) and MachineKey.Encode (always legacy).
    let protected = fx45.machine_key_protect(b"hello", &["Sessions"])?;
    println!(
        "MachineKey.Protect: {} bytes; unprotects to {:?}",
        protected.len(),
        String::from_utf8_lossy(&fx45.machine_key_unprotect(&protected, &["Sessions"])?)
    );
    let encoded = legacy.encode(b"hello", MachineKeyProtection::All)?;
    println!(
        "MachineKey.Encode: {}...",
        encoded.get(..32).unwrap_or(&encoded)
    );

    // 5. A fresh key for a new deployment.
    let fresh = machinekey::keys::generate(
        ValidationAlgorithm::HmacSha256,
        DecryptionAlgorithm::Aes,
        &OsRandom,
    )?;
    let xml = fresh.to_machine_key_element();
    println!("generated: {}...", xml.get(..60).unwrap_or(&xml));
    Ok(())
}
