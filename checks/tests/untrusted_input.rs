//! Untrusted input never panics, and random input never verifies: every decoder and parser
//! is fed empty, truncated, odd-length, huge and random inputs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::Error;
use machinekey::config::{MachineKeyConfig, RuntimeSettings, TargetFramework};
use machinekey::crypto::encoding::{from_base64, from_hex, url_token_decode};
use machinekey::crypto::framework45::{Framework45Protector, Purpose};
use machinekey::crypto::legacy::{IvType, LegacyProtector, MachineKeyProtection};
use machinekey::formats::cookie::{CookieKind, CookieProtection};
use machinekey::formats::forms_ticket::FormsAuthenticationTicket;
use machinekey::formats::osf::{first_value_type, is_complete_graph};
use machinekey::formats::resource::ResourceKind;
use machinekey::formats::viewstate::{join_fields, split_field, unsigned_payload};
use machinekey::formats::{AppKeys, Page};
use machinekey::keys::store::KeyStore;
use machinekey::keys::string_hash::{frozen_hash_ignore_case, invariant_ignore_case_hash};
use machinekey::keys::{AppIdentity, AutoGenKeys, read_reg_export, read_reg_export_bytes};
use proptest::prelude::*;

const VK: &str = "F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B";

fn protectors() -> (Vec<LegacyProtector>, Vec<Framework45Protector>) {
    let mut legacy = Vec::new();
    let mut fx45 = Vec::new();
    for (validation, decryption, dk) in [
        ("SHA1", "DES", "1334577999BCDFF1"),
        (
            "MD5",
            "3DES",
            "B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78",
        ),
        ("HMACSHA256", "AES", "B47D3CD1E780CF30C739A080995B9B10"),
        (
            "HMACSHA512",
            "AES",
            "245EDC5AAF1F32D0087178F7409370AF0A2C1FDDE1240212C73604E0DE509029",
        ),
        (
            "AES",
            "AES",
            "B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78",
        ),
        (
            "3DES",
            "Auto",
            "B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78",
        ),
    ] {
        let cfg = MachineKeyConfig::builder()
            .validation_key(VK)
            .decryption_key(dk)
            .attribute(
                machinekey::config::MachineKeyAttribute::Validation,
                validation,
            )
            .attribute(
                machinekey::config::MachineKeyAttribute::Decryption,
                decryption,
            )
            .build()
            .unwrap();
        legacy.push(LegacyProtector::from_config(&cfg).unwrap());
        if let Ok(p) = Framework45Protector::from_config(&cfg) {
            fx45.push(p);
        }
        let mut rt = RuntimeSettings::default();
        rt.use_legacy_encryption = true;
        let unsigned = MachineKeyConfig::builder()
            .validation_key(VK)
            .decryption_key(dk)
            .attribute(
                machinekey::config::MachineKeyAttribute::Validation,
                validation,
            )
            .attribute(
                machinekey::config::MachineKeyAttribute::Decryption,
                decryption,
            )
            .runtime(rt)
            .build()
            .unwrap();
        legacy.push(LegacyProtector::from_config(&unsigned).unwrap());
    }
    (legacy, fx45)
}

/// Runs every byte decoder on `bytes`; `signed` says whether a success would be a forgery.
fn feed_bytes(bytes: &[u8]) {
    feed_formats("", bytes);
    let _ = read_reg_export_bytes(bytes);
    let _ = AutoGenKeys::from_bytes(bytes);
    let (legacy, fx45) = protectors();
    for (i, p) in legacy.iter().enumerate() {
        let signed = i % 2 == 0; // odd entries are the unsigned (UseLegacyEncryption) ones
        for modifier in [None, Some(&b"\x01\x02\x03\x04"[..])] {
            let verified = p.verify(bytes, modifier);
            let decrypted = p.decrypt(bytes, modifier, IvType::Random);
            let hashed = p.decrypt(bytes, modifier, IvType::Hash);
            let stripped = p.strip_mac(bytes);
            if signed {
                assert!(matches!(verified, Err(Error::Unprotect)));
                assert!(matches!(decrypted, Err(Error::Unprotect)));
                assert!(matches!(hashed, Err(Error::Unprotect)));
                assert!(matches!(stripped, Err(Error::Unprotect)));
            }
        }
    }
    for p in &fx45 {
        assert!(matches!(
            p.unprotect(bytes, &Purpose::new("x")),
            Err(Error::Unprotect)
        ));
        assert!(matches!(
            p.machine_key_unprotect(bytes, &["a"]),
            Err(Error::Unprotect)
        ));
    }
}

fn app_keys() -> Vec<AppKeys> {
    ["Framework20SP1", "Framework45"]
        .iter()
        .map(|mode| {
            let cfg = MachineKeyConfig::builder()
                .validation_key(VK)
                .decryption_key("245EDC5AAF1F32D0087178F7409370AF0A2C1FDDE1240212C73604E0DE509029")
                .attribute(
                    machinekey::config::MachineKeyAttribute::CompatibilityMode,
                    mode,
                )
                .build()
                .unwrap();
            AppKeys::explicit(&cfg).unwrap()
        })
        .collect()
}

fn feed_formats(text: &str, bytes: &[u8]) {
    let _ = is_complete_graph(bytes);
    let _ = first_value_type(bytes);
    let _ = FormsAuthenticationTicket::deserialize(bytes);
    let _ = FormsAuthenticationTicket::deserialize_legacy(bytes);
    let _ = unsigned_payload(text);
    let _ = join_fields(&[("__VIEWSTATEFIELDCOUNT", text), ("__VIEWSTATE", text)]);
    let _ = split_field(text, 7);
    for app in ["/", "/MyApp", text] {
        if let Ok(page) = Page::from_path(text, app) {
            let _ = (
                page.generator(machinekey::formats::GeneratorHash::InvariantIgnoreCase),
                page.generator(machinekey::formats::GeneratorHash::Frozen),
                page.purposes(),
            );
        }
    }
    let page = Page::new("/", "default_aspx");
    for keys in app_keys() {
        assert!(keys.decode_viewstate(text, &page).is_err());
        assert!(keys.decode_event_validation(text, &page).is_err());
        assert!(
            keys.decrypt_ticket_without_expiry_check(text, CookieProtection::All)
                .is_err()
        );
        assert!(
            keys.decode_cookie(text, CookieKind::Roles, CookieProtection::All)
                .is_err()
        );
        assert!(
            keys.decrypt_resource_string(text, ResourceKind::WebResource)
                .is_err()
        );
        let b64 = machinekey::crypto::encoding::to_base64(bytes);
        assert!(keys.decode_viewstate(&b64, &page).is_err());
        let hex = machinekey::crypto::encoding::to_upper_hex(bytes);
        if !hex.is_empty() && hex.len() <= 4096 {
            assert!(
                keys.decrypt_ticket_without_expiry_check(&hex, CookieProtection::All)
                    .is_err()
            );
        }
    }
}

fn feed_text(text: &str) {
    feed_formats(text, text.as_bytes());
    let _ = read_reg_export(text);
    let _ = read_reg_export(&format!(
        "Windows Registry Editor Version 5.00\r\n[K]\r\n{text}"
    ));
    let _ = read_reg_export_bytes(text.as_bytes());
    let _ = AutoGenKeys::from_hex(text);
    let _ = KeyStore::from_json(text);
    let _ = invariant_ignore_case_hash(text);
    let _ = frozen_hash_ignore_case(text);
    if let Ok(app) = AppIdentity::new(text, text) {
        let _ = (app.virtual_path_hash(), app.app_id_hash());
    }
    let _ = from_hex(text);
    let _ = from_base64(text);
    let _ = url_token_decode(text);
    let _ = text.parse::<TargetFramework>();
    let _ = MachineKeyConfig::from_web_config(text);
    let _ = MachineKeyConfig::from_machine_key_element(text, RuntimeSettings::default());
    let element = format!(
        "<machineKey validationKey=\"{0}\" decryptionKey=\"{0}\" validation=\"{0}\" decryption=\"{0}\" compatibilityMode=\"{0}\"/>",
        text.replace(['"', '<', '&'], "")
    );
    let _ = MachineKeyConfig::from_machine_key_element(&element, RuntimeSettings::default());
    for attr in ["validationKey", "decryptionKey"] {
        for mode in ["Framework20SP1", "Framework45"] {
            let b = MachineKeyConfig::builder().attribute(
                machinekey::config::MachineKeyAttribute::CompatibilityMode,
                mode,
            );
            let b = if attr == "validationKey" {
                b.validation_key(text)
            } else {
                b.decryption_key(text)
            };
            let _ = b.build();
        }
    }
    let (legacy, _) = protectors();
    for p in &legacy {
        for protection in [
            MachineKeyProtection::All,
            MachineKeyProtection::Encryption,
            MachineKeyProtection::Validation,
        ] {
            let _ = p.decode(text, protection);
        }
    }
}

#[test]
fn edge_inputs() {
    for odd in [
        &[0xFF, 0xFE][..],
        &[0xFF, 0xFE, 0x41],
        &[0xFF, 0xFE, 0x00, 0xD8],
        &[0xEF, 0xBB, 0xBF],
        &[0xC3],
    ] {
        assert!(read_reg_export_bytes(odd).is_err());
    }
    for bytes in [
        &[][..],
        &[0],
        &[0xFF; 7],
        &[0; 8],
        &[0; 16],
        &[0; 20],
        &[0; 31],
        &[0; 32],
        &[0; 33],
        &[0; 64],
        &[0; 65],
        &[0; 100],
    ] {
        feed_bytes(bytes);
    }
    for text in [
        "",
        "0",
        "000",
        "=",
        "==",
        "0==",
        "-",
        "9",
        "é",
        "\u{0}",
        "AutoGenerate",
        ",",
        ",,",
        "<",
        "<machineKey",
        "<configuration><system.web><machineKey validationKey=\"\"/></system.web></configuration>",
    ] {
        feed_text(text);
    }
}

#[test]
fn huge_inputs() {
    let huge = vec![0x5Au8; 1 << 20];
    feed_bytes(&huge);
    feed_text(&"A".repeat(1 << 20));
    feed_text(&"F".repeat((1 << 20) + 1));
}

#[test]
fn truncations_of_a_real_blob_fail() {
    let (legacy, fx45) = protectors();
    for p in &legacy[..1] {
        let blob = p
            .encrypt(b"some payload of a few blocks....", None, IvType::Random)
            .unwrap();
        for n in 0..blob.len() {
            assert!(matches!(
                p.decrypt(&blob[..n], None, IvType::Random),
                Err(Error::Unprotect)
            ));
        }
        let text = p.encode(b"payload", MachineKeyProtection::All).unwrap();
        for n in 1..text.len() {
            assert!(p.decode(&text[..n], MachineKeyProtection::All).is_err());
        }
    }
    for p in &fx45[..1] {
        let blob = p.machine_key_protect(b"payload", &["a"]).unwrap();
        for n in 0..blob.len() {
            assert!(matches!(
                p.machine_key_unprotect(&blob[..n], &["a"]),
                Err(Error::Unprotect)
            ));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_bytes_never_verify(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        feed_bytes(&bytes);
    }

    #[test]
    fn random_text_never_panics(text in ".{0,200}") {
        feed_text(&text);
    }

    #[test]
    fn hexish_text_never_panics(text in "[0-9A-Za-z,:]{0,300}") {
        feed_text(&text);
    }
}

#[test]
fn debug_output_never_shows_keys() {
    let (legacy, fx45) = protectors();
    let shown: Vec<String> = legacy
        .iter()
        .map(|p| format!("{p:?}"))
        .chain(fx45.iter().map(|p| {
            let _ = p.machine_key_protect(b"x", &["warm the cache"]).unwrap();
            format!("{p:?} {:?}", p.for_purpose(&Purpose::new("y")).unwrap())
        }))
        .collect();
    for text in shown {
        for needle in [
            "F5144F1A",
            "f5144f1a",
            "245, 20, 79",
            "B47D3CD1",
            "b47d3cd1",
            "180, 125, 60",
            "13345779",
            "19, 52, 87",
        ] {
            assert!(!text.contains(needle), "{needle} in {text}");
        }
    }
    let cfg = MachineKeyConfig::builder()
        .validation_key(VK)
        .build()
        .unwrap();
    assert!(!format!("{cfg:?}").contains("F5144F1A"));
}
