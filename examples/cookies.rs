//! Role-manager and anonymous-id cookies under each `cookieProtection` setting, in legacy
//! and Framework45 mode, and `MachineKey.Protect` / `Encode`.
//!
//! Run with `cargo run --example cookies`.

use machinekey::config::MachineKeyConfig;
use machinekey::crypto::legacy::MachineKeyProtection;
use machinekey::formats::AppKeys;
use machinekey::formats::cookie::{CookieKind, CookieProtection};

fn main() -> Result<(), machinekey::Error> {
    for mode in ["Framework20SP2", "Framework45"] {
        let cfg = MachineKeyConfig::builder()
            .validation_key(&"AB".repeat(64))
            .decryption_key(&"CD".repeat(32))
            .attribute(
                machinekey::config::MachineKeyAttribute::CompatibilityMode,
                mode,
            )
            .build()?;
        let keys = AppKeys::explicit(&cfg)?;
        println!("{mode}:");
        for protection in [
            CookieProtection::All,
            CookieProtection::Validation,
            CookieProtection::Encryption,
            CookieProtection::None,
        ] {
            let cookie =
                keys.encode_cookie(b"Administrators,Editors", CookieKind::Roles, protection)?;
            let back = keys.decode_cookie(&cookie, CookieKind::Roles, protection)?;
            println!(
                "  .ASPXROLES {protection:?}: {} chars, reads back {:?}",
                cookie.len(),
                String::from_utf8_lossy(&back)
            );
        }
        let blob = keys.protect(b"token", &["Sessions"])?;
        println!(
            "  MachineKey.Protect: {} bytes (always Framework45)",
            blob.len()
        );
        let hex = keys.encode(b"token", MachineKeyProtection::All)?;
        println!(
            "  MachineKey.Encode: {} hex chars (always legacy)",
            hex.len()
        );
    }
    Ok(())
}
