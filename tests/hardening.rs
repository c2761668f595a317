//! Tests that pin output bytes where a wrong branch would otherwise go unseen (each one
//! written against a mutant that survived the earlier suite): the hash-chain prefix of every
//! validation algorithm and cipher, the pre-2011 ticket padding in every compatibility
//! setting, the 4,096-character ticket limit on both sides, key equality that compares the
//! keys, and a key store that keeps every store across JSON.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;

use cbc::cipher::{BlockModeDecrypt, KeyIvInit};
use machinekey::config::{MachineKeyConfig, RuntimeSettings};
use machinekey::crypto::framework45::{Purpose, primary};
use machinekey::crypto::legacy::{IvType, LegacyProtector};
use machinekey::keys::store::{KeyStore, ProcessIdentity, RegistryView};
use machinekey::random::RandomSource;
use machinekey::{AppKeys, AutoGenKeys, CookieProtection, Error, FormsAuthenticationTicket};
use sha2::Digest as _;

const VK: &str = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";

/// `H(data) ‖ H(H(data)) ‖ …` truncated to `len` bytes.
fn chain(hash: &str, data: &[u8], len: usize) -> Vec<u8> {
    let digest = |d: &[u8]| -> Vec<u8> {
        match hash {
            "MD5" => md5::Md5::digest(d).to_vec(),
            "SHA1" => sha1::Sha1::digest(d).to_vec(),
            "SHA256" => sha2::Sha256::digest(d).to_vec(),
            "SHA384" => sha2::Sha384::digest(d).to_vec(),
            "SHA512" => sha2::Sha512::digest(d).to_vec(),
            _ => unreachable!(),
        }
    };
    let mut out = Vec::new();
    let mut link = digest(data);
    while out.len() < len {
        out.extend_from_slice(&link);
        link = digest(&link);
    }
    out.truncate(len);
    out
}

/// CBC with an all-zero IV, by hand with RustCrypto.
fn cbc0_decrypt(decryption: &str, key: &[u8], ct: &[u8]) -> Vec<u8> {
    let mut buf = ct.to_vec();
    match decryption {
        "AES" => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, &[0; 16])
            .unwrap()
            .decrypt_padded::<cbc::cipher::block_padding::Pkcs7>(&mut buf)
            .unwrap()
            .to_vec(),
        "3DES" => cbc::Decryptor::<des::TdesEde3>::new_from_slices(key, &[0; 8])
            .unwrap()
            .decrypt_padded::<cbc::cipher::block_padding::Pkcs7>(&mut buf)
            .unwrap()
            .to_vec(),
        _ => cbc::Decryptor::<des::Des>::new_from_slices(&key[..8], &[0; 8])
            .unwrap()
            .decrypt_padded::<cbc::cipher::block_padding::Pkcs7>(&mut buf)
            .unwrap()
            .to_vec(),
    }
}

/// The `Hash` IV prefix (`Page.EncryptString`) is a hash chain of the data with the hash
/// that matches the MAC size: MD5, SHA-1, SHA-256, SHA-384 or SHA-512 (4.x), for every
/// cipher; one key-size long.
#[test]
fn hash_chain_prefix_for_every_validation_and_cipher() {
    let data = b"s|WebForms.js";
    for (validation, hash) in [
        ("MD5", "MD5"),
        ("SHA1", "SHA1"),
        ("HMACSHA256", "SHA256"),
        ("HMACSHA384", "SHA384"),
        ("HMACSHA512", "SHA512"),
    ] {
        for (decryption, dk) in [
            (
                "AES",
                "8E0D8C6E3B9E2A1F4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3",
            ),
            ("3DES", "0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123"),
            ("DES", "0123456789ABCDEF"),
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
            let legacy = LegacyProtector::from_config(&cfg).unwrap();
            let blob = legacy.encrypt(data, None, IvType::Hash).unwrap();
            let (ct, _tag) = blob.split_at(blob.len() - legacy.mac_len());
            let plain = cbc0_decrypt(decryption, &hex::decode(dk).unwrap(), ct);
            let prefix_len = legacy.prefix_len();
            assert_eq!(
                plain[..prefix_len],
                chain(hash, data, prefix_len)[..],
                "{validation} {decryption}"
            );
            assert_eq!(&plain[prefix_len..], data);
            // And deterministic, as the .axd URLs need.
            assert_eq!(blob, legacy.encrypt(data, None, IvType::Hash).unwrap());
        }
    }
}

/// Fills every random byte with `0xAB`.
#[derive(Debug)]
struct Fixed;

impl RandomSource for Fixed {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        dest.fill(0xAB);
        Ok(())
    }
}

fn ticket() -> FormsAuthenticationTicket {
    FormsAuthenticationTicket {
        version: 1,
        name: "bob".into(),
        issue_date: time::macros::datetime!(2010-01-01 0:00 UTC),
        expiration: time::macros::datetime!(2010-01-01 0:30 UTC),
        is_persistent: false,
        user_data: String::new(),
        cookie_path: "/".into(),
    }
}

/// The 8 bytes before a pre-2011 ticket are random when the ticket is not encrypted or in
/// Framework20SP1, zero when SP2 or Framework45 encrypt it.
#[test]
fn legacy_ticket_padding_in_every_setting() {
    let mut runtime = RuntimeSettings::default();
    runtime.use_legacy_forms_authentication_ticket_compatibility = true;
    for (mode, protection, random) in [
        ("Framework20SP1", CookieProtection::All, true),
        ("Framework20SP1", CookieProtection::Encryption, true),
        ("Framework20SP1", CookieProtection::Validation, true),
        ("Framework20SP1", CookieProtection::None, true),
        ("Framework20SP2", CookieProtection::All, false),
        ("Framework20SP2", CookieProtection::Encryption, false),
        ("Framework20SP2", CookieProtection::Validation, true),
        ("Framework20SP2", CookieProtection::None, true),
        ("Framework45", CookieProtection::All, false),
        ("Framework45", CookieProtection::None, false),
    ] {
        let cfg = MachineKeyConfig::builder()
            .validation_key(VK)
            .decryption_key("8E0D8C6E3B9E2A1F4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3")
            .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
            .decryption(machinekey::config::DecryptionAlgorithm::Aes)
            .attribute(
                machinekey::config::MachineKeyAttribute::CompatibilityMode,
                mode,
            )
            .runtime(runtime.clone())
            .build()
            .unwrap();
        let keys = AppKeys::explicit(&cfg)
            .unwrap()
            .with_random(Arc::new(Fixed));
        let cookie = keys.encrypt_ticket(&ticket(), protection).unwrap();
        let blob = hex::decode(&cookie).unwrap();
        let bytes = if mode == "Framework45" {
            keys.framework45()
                .unwrap()
                .unprotect(&blob, &Purpose::new(primary::FORMS_AUTHENTICATION_TICKET))
                .unwrap()
        } else {
            let legacy = keys.legacy().unwrap();
            match protection {
                CookieProtection::All => legacy
                    .strip_mac(&legacy.decrypt(&blob, None, IvType::Random).unwrap())
                    .unwrap(),
                CookieProtection::Encryption => {
                    legacy.decrypt(&blob, None, IvType::Random).unwrap()
                }
                CookieProtection::Validation => legacy.strip_mac(&blob).unwrap(),
                _ => blob.clone(),
            }
        };
        let expected = if random { [0xAB; 8] } else { [0; 8] };
        assert_eq!(bytes[..8], expected, "{mode} {protection:?}");
        assert_eq!(
            FormsAuthenticationTicket::deserialize_legacy(&bytes).unwrap(),
            ticket()
        );
    }
}

/// `FormsAuthentication.Decrypt` takes 1 to 4,096 characters: 4,096 is read (and fails its
/// MAC), 4,097 is refused before any cryptography.
#[test]
fn ticket_length_limit_both_sides() {
    let cfg = MachineKeyConfig::builder()
        .validation_key(VK)
        .decryption_key("8E0D8C6E3B9E2A1F4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3")
        .build()
        .unwrap();
    let keys = AppKeys::explicit(&cfg).unwrap();
    let at_limit = "A".repeat(4096);
    assert!(matches!(
        keys.decrypt_ticket_without_expiry_check(&at_limit, CookieProtection::All),
        Err(Error::Unprotect)
    ));
    let over = "A".repeat(4097);
    assert!(matches!(
        keys.decrypt_ticket_without_expiry_check(&over, CookieProtection::All),
        Err(Error::InvalidArgument(_))
    ));
}

/// Configurations differing only in one key byte are different.
#[test]
fn config_equality_compares_keys() {
    let with = |vk: &str| {
        MachineKeyConfig::builder()
            .validation_key(vk)
            .decryption_key("8E0D8C6E3B9E2A1F4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3")
            .build()
            .unwrap()
    };
    let mut other = VK.to_owned();
    other.replace_range(126..128, "EE");
    assert_eq!(with(VK), with(VK));
    assert_ne!(with(VK), with(&other));
    // Written then parsed, a key survives.
    let cfg = with(&other);
    let back = MachineKeyConfig::from_machine_key_element(
        &cfg.to_machine_key_element(),
        cfg.runtime().clone(),
    )
    .unwrap();
    assert_eq!(back, cfg);
    assert_ne!(back, with(VK));
}

/// A saved key store keeps every store: the LSA secret, HKCU per SID, HKLM per SID and view
/// (with its ACL grants), and the install times.
#[test]
fn key_store_json_keeps_every_store() {
    let mut store = KeyStore::new();
    let keys = |seed: u8| AutoGenKeys::from_bytes(&[seed; 1024]).unwrap();
    let system = ProcessIdentity::local_system();
    let profile = ProcessIdentity::network_service();
    let custom = ProcessIdentity::custom("S-1-5-21-1-2-3-1001", false);
    store.install_framework(at_second(1), false);
    store.grant_access(custom.sid());
    let a = store
        .resolve(&system, RegistryView::Bits64, keys(1), at_second(2))
        .unwrap();
    let b = store
        .resolve(&profile, RegistryView::Bits64, keys(2), at_second(3))
        .unwrap();
    let c = store
        .resolve(&custom, RegistryView::Bits64, keys(3), at_second(4))
        .unwrap();
    let d = store
        .resolve(&custom, RegistryView::Bits32, keys(4), at_second(5))
        .unwrap();
    let json = store.to_json();
    let mut back = KeyStore::from_json(&json).unwrap();
    assert_eq!(back.to_json(), json);
    // Each identity gets the same keys back from the loaded store.
    for (identity, view, expected) in [
        (&system, RegistryView::Bits64, &a),
        (&profile, RegistryView::Bits64, &b),
        (&custom, RegistryView::Bits64, &c),
        (&custom, RegistryView::Bits32, &d),
    ] {
        let again = back.resolve(identity, view, keys(9), at_second(6)).unwrap();
        assert_eq!(again.keys, expected.keys, "{identity:?} {view:?}");
    }
}

/// .NET ticks: the Unix epoch is 621,355,968,000,000,000 ticks, a second 10,000,000.
#[test]
fn tick_arithmetic() {
    use machinekey::clock::{UNIX_EPOCH_TICKS, from_dotnet_ticks, to_dotnet_ticks};
    use time::OffsetDateTime;
    assert_eq!(UNIX_EPOCH_TICKS, 621_355_968_000_000_000);
    assert_eq!(
        to_dotnet_ticks(OffsetDateTime::UNIX_EPOCH),
        UNIX_EPOCH_TICKS
    );
    let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    assert_eq!(to_dotnet_ticks(t), 638_355_968_000_000_000);
    assert_eq!(from_dotnet_ticks(638_355_968_000_000_000), Some(t));
    assert_eq!(
        to_dotnet_ticks(OffsetDateTime::UNIX_EPOCH - time::Duration::nanoseconds(1)),
        UNIX_EPOCH_TICKS - 1,
        "rounds toward the past"
    );
}

/// A simulated instant, `n` seconds after a fixed start.
fn at_second(n: i64) -> time::OffsetDateTime {
    time::macros::datetime!(2024-01-01 0:00 UTC) + time::Duration::seconds(n)
}

/// A clock skew is tolerance after the expiration, in .NET ticks.
#[test]
fn clock_skew_tolerates_that_much() {
    use machinekey::{FixedClock, TicketValidation};
    use time::Duration;
    let policy = TicketValidation::default().with_clock_skew(Duration::minutes(1));
    assert_eq!(policy.clock_skew, Duration::seconds(60));
    let cfg = MachineKeyConfig::builder()
        .validation_key(VK)
        .decryption_key("8E0D8C6E3B9E2A1F4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3")
        .build()
        .unwrap();
    let keys = AppKeys::explicit(&cfg).unwrap();
    let t = ticket();
    let cookie = keys.encrypt_ticket(&t, CookieProtection::All).unwrap();
    let late = |seconds: i64| FixedClock(t.expiration + Duration::seconds(seconds));
    let with = |p: TicketValidation, at: FixedClock| {
        keys.decrypt_ticket(&cookie, CookieProtection::All, &p.with_clock(Arc::new(at)))
    };
    assert!(with(policy.clone(), late(30)).is_ok());
    assert!(matches!(with(policy, late(61)), Err(Error::TicketExpired)));
    assert!(matches!(
        with(TicketValidation::default(), late(1)),
        Err(Error::TicketExpired)
    ));
}

/// A cookie of exactly 4,096 characters is issued (and read); one block more is refused.
#[test]
fn encrypt_at_exactly_the_limit() {
    let cfg = MachineKeyConfig::builder()
        .validation_key(VK)
        .decryption_key("8E0D8C6E3B9E2A1F4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3")
        .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
        .build()
        .unwrap();
    let keys = AppKeys::explicit(&cfg).unwrap();
    let mut t = ticket();
    let mut exact = None;
    for n in 900..1100 {
        t.user_data = "x".repeat(n);
        match keys.encrypt_ticket(&t, CookieProtection::All) {
            Ok(c) if c.len() == 4096 => exact = Some(c),
            Ok(_) => {}
            Err(Error::TooLong { actual, .. }) => {
                assert!(actual > 4096);
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    let cookie = exact.expect("some user data gives exactly 4,096 characters");
    assert!(
        keys.decrypt_ticket_without_expiry_check(&cookie, CookieProtection::All)
            .is_ok()
    );
}

/// `<forms protection>` maps to the cookie protection of the same name.
#[test]
fn forms_protection_maps_one_to_one() {
    use machinekey::config::stack::{ConfigFile, ConfigStack};
    for (value, expected) in [
        ("All", CookieProtection::All),
        ("None", CookieProtection::None),
        ("Encryption", CookieProtection::Encryption),
        ("Validation", CookieProtection::Validation),
    ] {
        let site = ConfigFile::from_text(
            &format!(
                "<configuration><system.web><authentication mode=\"Forms\"><forms protection=\"{value}\" /></authentication></system.web></configuration>"
            ),
            "web.config",
        );
        let forms = ConfigStack::new()
            .site_web_config(site)
            .resolve("/")
            .unwrap()
            .forms;
        assert_eq!(forms.protection, expected, "{value}");
    }
}

/// Sliding expiration (the default) renews a ticket on a request once half its life is gone.
#[test]
fn sliding_expiration_renews_on_request() {
    use machinekey::config::stack::FormsSettings;
    let forms = FormsSettings::default();
    assert!(forms.sliding_expiration);
    let minute = |n: i64| at_second(n * 60);
    let t = forms.new_ticket("carol", minute(0));
    assert_eq!(t.expiration, minute(30));
    assert!(forms.renew_on_request(&t, minute(10)).is_none());
    let renewed = forms.renew_on_request(&t, minute(15)).unwrap();
    assert_eq!(renewed.issue_date, minute(15));
    assert_eq!(renewed.expiration, minute(45));
}

/// From a cargo-mutants run over `crypto/encoding.rs` and `config/key_rules.rs` (caught
/// before only by doc tests, or not at all).
#[test]
fn value_readings_and_des_weak_keys() {
    use machinekey::crypto::encoding::decode_value;
    // Text without a %XX escape is not reported as percent-decoded.
    let r = decode_value("/wE=").unwrap();
    assert!(r.iter().all(|r| !r.percent_decoded));
    assert!(decode_value("%2FwE%3D").unwrap()[0].percent_decoded);
    // Readings that decode to the same bytes are listed once: "QUJD" is Base64 and
    // Base64url for "ABC".
    let r = decode_value("QUJD").unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].bytes, b"ABC");
    // Hex of 16 characters or more is hex alone; shorter hex may also be Base64url.
    assert_eq!(decode_value("FF01FF01FF01FF01").unwrap().len(), 1);
    assert!(decode_value("FF01FF01FF01FF").unwrap().len() > 1);

    // DES weak and semi-weak keys are refused, parity bits ignored.
    for weak in [
        "0101010101010101",
        "0000000000000000",
        "01FE01FE01FE01FE",
        "FEFEFEFEFEFEFEFE",
    ] {
        let cfg = MachineKeyConfig::builder()
            .validation_key(&"AB".repeat(32))
            .decryption_key(weak)
            .decryption(machinekey::config::DecryptionAlgorithm::Des)
            .compatibility_mode(machinekey::config::CompatibilityMode::Framework20SP2)
            .build();
        let refused = cfg.map(|c| AppKeys::explicit(&c).is_err()).unwrap_or(true);
        assert!(refused, "{weak}");
    }
    let cfg = MachineKeyConfig::builder()
        .validation_key(&"AB".repeat(32))
        .decryption_key("0123456789ABCDEF")
        .decryption(machinekey::config::DecryptionAlgorithm::Des)
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework20SP2)
        .build()
        .unwrap();
    assert!(AppKeys::explicit(&cfg).is_ok());
}
