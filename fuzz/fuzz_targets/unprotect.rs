//! Every unprotect path, in each stack and protection mode, on untrusted input. Without the
//! key nothing verifies, so this reaches the decoders, length checks and MAC comparisons; the
//! unsigned modes (ticket protection None/Encryption with no MAC) reach the parsers behind.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use machinekey::config::MachineKeyConfig;
use machinekey::crypto::legacy::MachineKeyProtection;
use machinekey::formats::cookie::{CookieKind, CookieProtection};
use machinekey::formats::resource::ResourceKind;
use machinekey::formats::{AppKeys, Page};

fn keys() -> &'static [AppKeys] {
    static KEYS: OnceLock<Vec<AppKeys>> = OnceLock::new();
    KEYS.get_or_init(|| {
        [
            ("Framework20SP1", "SHA1", "AES"),
            ("Framework20SP2", "MD5", "3DES"),
            ("Framework20SP1", "AES", "DES"),
            ("Framework45", "HMACSHA256", "AES"),
            ("Framework45", "SHA1", "3DES"),
        ]
        .into_iter()
        .filter_map(|(mode, validation, decryption)| {
            let dk = match decryption {
                "DES" => "0123456789ABCDEF".to_owned(),
                "3DES" => "0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123".to_owned(),
                _ => "8E0D8C6E3B9E2A1F4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3".to_owned(),
            };
            let cfg = MachineKeyConfig::builder()
                .validation_key(&"5A".repeat(64))
                .decryption_key(&dk)
                .validation(validation)
                .decryption(decryption)
                .compatibility_mode(mode)
                .build()
                .ok()?;
            AppKeys::explicit(&cfg).ok()
        })
        .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let page = Page::new("/", "default_aspx");
    for keys in keys() {
        let _ = keys.decode_viewstate(&text, &page);
        let _ = keys.decode_event_validation(&text, &page);
        for protection in [
            CookieProtection::All,
            CookieProtection::Validation,
            CookieProtection::Encryption,
            CookieProtection::None,
        ] {
            let _ = keys.decrypt_ticket_without_expiry_check(&text, protection);
            let _ = keys.decode_cookie(&text, CookieKind::Roles, protection);
        }
        for kind in [
            ResourceKind::WebResource,
            ResourceKind::ScriptResource,
            ResourceKind::PreviousPage,
        ] {
            let _ = keys.decrypt_resource_string(&text, kind);
        }
        let _ = keys.unprotect(data, &["purpose"]);
        for protection in [
            MachineKeyProtection::All,
            MachineKeyProtection::Encryption,
            MachineKeyProtection::Validation,
        ] {
            let _ = keys.decode(&text, protection);
        }
        let _ = keys.unprotect_session(data, "/LM/W3SVC/1/ROOT");
    }
});
