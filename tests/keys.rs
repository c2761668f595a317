//! Keys as a real server derives them: the .NET string hashes on the generator and
//! IsolateApps vectors (`tests/data/generator_and_isolateapps.json`, with provenance) and
//! the worked values of spec §3.3; AutoGenerate slicing and isolation for every algorithm
//! pair; the Framework45 AutoGenerate values of spec §9.6; the key-store model; and
//! `.reg` import.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::Error;
use machinekey::config::{
    DecryptionAlgorithm, FrameworkVersion, MachineKeyConfig, RuntimeSettings, ValidationAlgorithm,
};
use machinekey::keys::store::{
    AutoGenSource, KeyStore, LocalMachineKeyState, ProcessIdentity, RegistryView,
};
use machinekey::keys::string_hash::{frozen_hash_ignore_case, invariant_ignore_case_hash};
use machinekey::keys::{
    AppIdentity, AutoGenKeys, Framework45Keys, LegacyKeys, read_reg_export, read_reg_export_bytes,
    write_reg_export,
};
use machinekey::random::OsRandom;
use serde_json::Value;

fn data() -> Value {
    let path = format!(
        "{}/tests/data/generator_and_isolateapps.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn u32_hex(h: i32) -> String {
    format!("{:08X}", u32::from_ne_bytes(h.to_ne_bytes()))
}

#[test]
fn generator_vectors_reproduce_from_their_parts() {
    let doc = data();
    let generators = doc["generators"].as_array().unwrap();
    assert_eq!(generators.len(), 9);
    for g in generators {
        let tsd = g["TemplateSourceDirectory"].as_str().unwrap();
        let type_name = g["type_name"].as_str().unwrap();
        let h_tsd = invariant_ignore_case_hash(tsd).unwrap();
        let h_type = invariant_ignore_case_hash(type_name).unwrap();
        assert_eq!(u32_hex(h_tsd), g["hash_TemplateSourceDirectory"], "{tsd}");
        assert_eq!(u32_hex(h_type), g["hash_type_name"], "{type_name}");
        assert_eq!(
            u32_hex(h_tsd.wrapping_add(h_type)),
            g["expected_generator"],
            "{g}"
        );
    }
}

#[test]
fn isolate_apps_vector_test233() {
    let doc = data();
    let v = &doc["string_hashes"][0];
    assert_eq!(v["input"], "/test233");
    assert_eq!(
        u32_hex(invariant_ignore_case_hash("/test233").unwrap()),
        v["expected_int32_hex"]
    );
    // The ysoserial.net PR example: a key starting 220FFF8A54BB... with IsolateApps for
    // /test233 becomes 3B59C79954BB...
    let effect = &v["isolateapps_effect"];
    let before = effect["validationKey_prefix_before"].as_str().unwrap();
    let key = format!("{before}{}", "00".repeat(64 - before.len() / 2));
    let cfg = MachineKeyConfig::builder()
        .validation_key(&format!("{key},IsolateApps"))
        .decryption_key(&"CD".repeat(24))
        .build()
        .unwrap();
    let app = AppIdentity::new("/test233", "/LM/W3SVC/1/ROOT/test233").unwrap();
    let keys = LegacyKeys::resolve(&cfg, &app, None).unwrap();
    let after = effect["validationKey_prefix_after"].as_str().unwrap();
    assert!(keys.validation.to_upper_hex().starts_with(after));
    // The decryption key has no flag and is untouched.
    assert_eq!(keys.decryption.to_upper_hex(), "CD".repeat(24));
}

#[test]
fn worked_hash_values_of_spec_3_3() {
    for (s, want) in [
        ("/", "4EBA98B2"),
        ("/MyApp", "179AB900"),
        ("/LM/W3SVC/1/ROOT", "B1BF55D3"),
        ("/LM/W3SVC/1/ROOT/MyApp", "76A370DF"),
        ("default_aspx", "7B506A82"),
    ] {
        assert_eq!(u32_hex(invariant_ignore_case_hash(s).unwrap()), want, "{s}");
    }
    // Case is ignored.
    assert_eq!(
        invariant_ignore_case_hash("/MYAPP"),
        invariant_ignore_case_hash("/myapp")
    );
    assert!(frozen_hash_ignore_case("/MyApp").is_ok());
}

#[test]
fn unsupported_character_is_typed_and_a_supplied_hash_is_used() {
    let cfg = MachineKeyConfig::builder()
        .validation_key(&format!("{},IsolateApps", "AB".repeat(64)))
        .decryption_key(&"CD".repeat(24))
        .build()
        .unwrap();
    let app = AppIdentity::new("/my-app", "/LM/W3SVC/1/ROOT/my-app").unwrap();
    match LegacyKeys::resolve(&cfg, &app, None) {
        Err(Error::StringHash(e)) => {
            assert_eq!((e.character(), e.position()), ('-', 3));
            assert!(
                e.to_string().contains(
                    "[StringComparer]::InvariantCultureIgnoreCase.GetHashCode('/my-app')"
                )
            );
        }
        other => panic!("{other:?}"),
    }
    let keys = LegacyKeys::resolve(&cfg, &app.with_virtual_path_hash(0x0102_0304), None).unwrap();
    assert_eq!(
        &keys.validation.expose_secret()[..5],
        &[0x04, 0x03, 0x02, 0x01, 0xAB]
    );
}

fn counting_buffer() -> AutoGenKeys {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(1024).collect();
    AutoGenKeys::from_bytes(&bytes).unwrap()
}

fn autogen_config(
    v: ValidationAlgorithm,
    d: DecryptionAlgorithm,
    vk: &str,
    dk: &str,
) -> MachineKeyConfig {
    MachineKeyConfig::builder()
        .validation_key(vk)
        .decryption_key(dk)
        .validation(v)
        .decryption(d)
        .build()
        .unwrap()
}

#[test]
fn legacy_slicing_and_overwrite_for_every_pair() {
    let buf = counting_buffer();
    let raw = buf.expose_secret();
    let app = AppIdentity::new("/MyApp", "/LM/W3SVC/1/ROOT/MyApp").unwrap();
    let app_hash = 0x179A_B900u32.to_le_bytes();
    let id_hash = 0x76A3_70DFu32.to_le_bytes();
    for &v in ValidationAlgorithm::ALL {
        for &d in DecryptionAlgorithm::ALL {
            // Spec §2.3: V = 64 (128 for HMACSHA384/512), D = 24 (8 for DES unless the
            // validation is AES/3DES).
            let vlen = if matches!(
                v,
                ValidationAlgorithm::HmacSha384 | ValidationAlgorithm::HmacSha512
            ) {
                128
            } else {
                64
            };
            let dlen = if d == DecryptionAlgorithm::Des
                && !matches!(v, ValidationAlgorithm::Aes | ValidationAlgorithm::TripleDes)
            {
                8
            } else {
                24
            };
            let plain = autogen_config(v, d, "AutoGenerate", "AutoGenerate");
            let keys = LegacyKeys::resolve(&plain, &app, Some(&buf)).unwrap();
            assert_eq!(keys.validation.expose_secret(), &raw[..vlen], "{v} {d}");
            assert_eq!(
                keys.decryption.expose_secret(),
                &raw[vlen..vlen + dlen],
                "{v} {d}"
            );

            let isolated = autogen_config(
                v,
                d,
                "AutoGenerate,IsolateApps",
                "AutoGenerate,IsolateApps,IsolateByAppId",
            );
            let keys = LegacyKeys::resolve(&isolated, &app, Some(&buf)).unwrap();
            let vk = keys.validation.expose_secret();
            assert_eq!(&vk[..4], &app_hash, "{v} {d}");
            assert_eq!(&vk[4..], &raw[4..vlen], "{v} {d}");
            let dk = keys.decryption.expose_secret();
            assert_eq!(&dk[..4], &app_hash, "{v} {d}");
            assert_eq!(
                &dk[4..8],
                &id_hash,
                "{v} {d}: IsolateByAppId writes bytes 4-7"
            );
            assert_eq!(&dk[8..], &raw[vlen + 8..vlen + dlen], "{v} {d}");

            // The keys work: a protector accepts them (where the pair is legal in legacy).
            let legacy = machinekey::crypto::legacy::LegacyProtector::new(&isolated, &keys);
            assert!(legacy.is_ok(), "{v} {d}: {legacy:?}");
        }
    }
}

#[test]
fn legacy_slicing_on_2_0_builds_and_88_byte_buffers() {
    let mut rt = RuntimeSettings::default();
    rt.framework = FrameworkVersion::V2_0;
    let small: Vec<u8> = (0..88u8).collect();
    let small = AutoGenKeys::from_bytes(&small).unwrap();
    let app = AppIdentity::new("/", "/LM/W3SVC/1/ROOT").unwrap();
    let cfg = MachineKeyConfig::builder()
        .validation_key("AutoGenerate")
        .decryption_key("AutoGenerate")
        .decryption(DecryptionAlgorithm::Des)
        .runtime(rt)
        .build()
        .unwrap();
    let keys = LegacyKeys::resolve(&cfg, &app, Some(&small)).unwrap();
    assert_eq!(
        keys.validation.expose_secret(),
        &small.expose_secret()[..64]
    );
    assert_eq!(
        keys.decryption.expose_secret(),
        &small.expose_secret()[64..88],
        "2.0: always 24"
    );
    // HMACSHA512 needs 128 bytes: an 88-byte buffer cannot serve it.
    let cfg = autogen_config(
        ValidationAlgorithm::HmacSha512,
        DecryptionAlgorithm::Auto,
        "AutoGenerate",
        "AutoGenerate",
    );
    assert!(matches!(
        LegacyKeys::resolve(&cfg, &app, Some(&small)),
        Err(Error::Config(_))
    ));
}

#[test]
fn framework45_autogenerate_values_of_spec_9_6() {
    let buf = counting_buffer();
    let root = AppIdentity::new("/", "/LM/W3SVC/1/ROOT").unwrap();
    let cfg = MachineKeyConfig::builder()
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
        .build()
        .unwrap();
    let keys = Framework45Keys::resolve(&cfg, &root, Some(&buf)).unwrap();
    assert_eq!(
        keys.encryption.to_upper_hex(),
        "7802F2574E652C64E46B6D10C8DE8EE9AC35FC601CFE0C77C2F471BCB3C41591"
    );
    assert_eq!(
        keys.validation.to_upper_hex(),
        "E1D30D3C47FF41D163C84C15658BDC46BB180B91E48AD79674E688CA47755F70"
    );
    let both = MachineKeyConfig::builder()
        .validation_key("AutoGenerate,IsolateApps,IsolateByAppId")
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
        .build()
        .unwrap();
    let app = AppIdentity::new("/MyApp", "/LM/W3SVC/1/ROOT/MyApp").unwrap();
    let keys = Framework45Keys::resolve(&both, &app, Some(&buf)).unwrap();
    assert_eq!(
        keys.validation.to_upper_hex(),
        "FA3BC623396BAE992A2A57CB2325B61801AFB2B5C1696B6C34AF2776F169ACEA"
    );
    // Framework45 slices do not depend on the algorithms, and MachineKey.Protect uses them in
    // legacy mode too.
    for v in ValidationAlgorithm::ALL
        .iter()
        .copied()
        .filter(|v| v.allowed_in_framework45())
    {
        let cfg = autogen_config(
            v,
            DecryptionAlgorithm::Aes,
            "AutoGenerate,IsolateApps",
            "AutoGenerate,IsolateApps",
        );
        assert_eq!(
            Framework45Keys::resolve(&cfg, &root, Some(&buf))
                .unwrap()
                .encryption
                .to_upper_hex(),
            "7802F2574E652C64E46B6D10C8DE8EE9AC35FC601CFE0C77C2F471BCB3C41591"
        );
    }
    // Without flags the derivation pass still runs, with an empty context.
    let plain = autogen_config(
        ValidationAlgorithm::HmacSha256,
        DecryptionAlgorithm::Aes,
        "AutoGenerate",
        "AutoGenerate",
    );
    let keys = Framework45Keys::resolve(&plain, &root, Some(&buf)).unwrap();
    assert_ne!(keys.encryption.expose_secret(), &buf.expose_secret()[..32]);
}

#[test]
fn isolate_apps_separates_applications_but_not_workers() {
    let buf = counting_buffer();
    let cfg = MachineKeyConfig::default();
    let a = AppIdentity::new("/App1", "/LM/W3SVC/1/ROOT/App1").unwrap();
    let b = AppIdentity::new("/App2", "/LM/W3SVC/1/ROOT/App2").unwrap();
    assert_ne!(
        LegacyKeys::resolve(&cfg, &a, Some(&buf)).unwrap(),
        LegacyKeys::resolve(&cfg, &b, Some(&buf)).unwrap()
    );
    assert_eq!(
        LegacyKeys::resolve(&cfg, &a, Some(&buf)).unwrap(),
        LegacyKeys::resolve(&cfg, &a, Some(&buf)).unwrap()
    );
    assert_ne!(
        Framework45Keys::resolve(&cfg, &a, Some(&buf)).unwrap(),
        Framework45Keys::resolve(&cfg, &b, Some(&buf)).unwrap()
    );
}

#[test]
fn explicit_keys_never_depend_on_the_buffer() {
    let cfg = MachineKeyConfig::builder()
        .validation_key(&"AB".repeat(64))
        .decryption_key(&"CD".repeat(32))
        .build()
        .unwrap();
    let app = AppIdentity::new("/", "/LM/W3SVC/1/ROOT").unwrap();
    let one = AutoGenKeys::generate(&OsRandom).unwrap();
    let two = AutoGenKeys::generate(&OsRandom).unwrap();
    assert_eq!(
        LegacyKeys::resolve(&cfg, &app, Some(&one)).unwrap(),
        LegacyKeys::resolve(&cfg, &app, Some(&two)).unwrap()
    );
    assert_eq!(
        LegacyKeys::resolve(&cfg, &app, None).unwrap(),
        LegacyKeys::explicit(&cfg).unwrap()
    );
    assert_eq!(
        Framework45Keys::resolve(&cfg, &app, Some(&one)).unwrap(),
        Framework45Keys::explicit(&cfg).unwrap()
    );
    // AutoGenerate without a buffer is a typed error.
    assert!(matches!(
        LegacyKeys::resolve(&MachineKeyConfig::default(), &app, None),
        Err(Error::Config(_))
    ));
}

// ---- the key-store model ----

fn start(
    store: &mut KeyStore,
    who: &ProcessIdentity,
    view: RegistryView,
    t: i64,
) -> machinekey::keys::store::Resolution {
    store
        .resolve(who, view, AutoGenKeys::generate(&OsRandom).unwrap(), at(t))
        .unwrap()
}

const V64: RegistryView = RegistryView::Bits64;
const V32: RegistryView = RegistryView::Bits32;
const CUSTOM_SID: &str = "S-1-5-21-111-222-333-1001";

#[test]
fn each_identity_kind_finds_its_store() {
    let mut store = KeyStore::new();
    let system = ProcessIdentity::local_system();
    let a = start(&mut store, &system, V64, 1);
    assert_eq!(a.source, AutoGenSource::LsaSecret { created: true });
    let b = start(&mut store, &system, V32, 2);
    assert_eq!(b.source, AutoGenSource::LsaSecret { created: false });
    assert_eq!(a.keys, b.keys);

    for who in [
        ProcessIdentity::network_service(),
        ProcessIdentity::local_service(),
        ProcessIdentity::application_pool_identity("S-1-5-82-1-2-3", true),
        ProcessIdentity::custom(CUSTOM_SID, true),
    ] {
        let a = start(&mut store, &who, V64, 3);
        assert_eq!(
            a.source,
            AutoGenSource::CurrentUser {
                created: true,
                replaced_stale: false
            },
            "{who:?}"
        );
        let b = start(&mut store, &who, V64, 4);
        assert_eq!(
            b.source,
            AutoGenSource::CurrentUser {
                created: false,
                replaced_stale: false
            },
            "{who:?}"
        );
        assert_eq!(a.keys, b.keys);
    }

    // No profile: HKLM AutoGenKeys\<SID>, only once granted; otherwise random per process.
    let pool = ProcessIdentity::application_pool_identity("S-1-5-82-9-9-9", false);
    let a = start(&mut store, &pool, V64, 5);
    assert!(
        matches!(a.source, AutoGenSource::ProcessRandom { reason } if reason.no_profile && reason.local_machine == LocalMachineKeyState::Missing)
    );
    store.grant_access(pool.sid());
    let a = start(&mut store, &pool, V64, 6);
    assert_eq!(
        a.source,
        AutoGenSource::LocalMachine {
            view: V64,
            created: true,
            replaced_stale: false
        }
    );
    let b = start(&mut store, &pool, V64, 7);
    assert_eq!(a.keys, b.keys);
    // The 32-bit view is a different key: a 32-bit pool of the same identity disagrees.
    let c = start(&mut store, &pool, V32, 8);
    assert_eq!(
        c.source,
        AutoGenSource::LocalMachine {
            view: V32,
            created: true,
            replaced_stale: false
        }
    );
    assert_ne!(a.keys, c.keys);
    // An administrator custom account uses the LSA secret.
    let admin = ProcessIdentity::custom(CUSTOM_SID, false).administrator(true);
    assert!(matches!(
        start(&mut store, &admin, V64, 9).source,
        AutoGenSource::LsaSecret { .. }
    ));
}

#[test]
fn installer_scenario_and_the_ga_fix() {
    let mut store = KeyStore::new();
    let worker = ProcessIdentity::custom(CUSTOM_SID, false);
    store.grant_access(CUSTOM_SID);
    let a = start(&mut store, &worker, V64, 10);
    let b = start(&mut store, &worker, V64, 11);
    assert_eq!(a.keys, b.keys, "before the installer the garden agrees");

    store.install_framework(at(100), true);
    let a = start(&mut store, &worker, V64, 110);
    let b = start(&mut store, &worker, V64, 111);
    assert_ne!(
        a.keys, b.keys,
        "after the installer each worker has its own keys"
    );
    assert!(
        matches!(a.source, AutoGenSource::ProcessRandom { reason } if reason.local_machine == LocalMachineKeyState::AccessDenied)
    );
    assert!(a.source.to_string().contains("aspnet_regiis -ga"));

    store.grant_access(CUSTOM_SID);
    let a = start(&mut store, &worker, V64, 120);
    assert_eq!(
        a.source,
        AutoGenSource::LocalMachine {
            view: V64,
            created: true,
            replaced_stale: true
        }
    );
    let b = start(&mut store, &worker, V64, 121);
    let c = start(&mut store, &worker, V64, 122);
    assert_eq!(
        (&a.keys, &b.keys),
        (&c.keys, &c.keys),
        "-ga and a recycle make them agree again"
    );

    // Without the ACL bug a repair only makes the stored key stale: the next start replaces
    // it and the garden still agrees.
    store.install_framework(at(200), false);
    let a = start(&mut store, &worker, V64, 210);
    let b = start(&mut store, &worker, V64, 211);
    assert_eq!(
        a.source,
        AutoGenSource::LocalMachine {
            view: V64,
            created: true,
            replaced_stale: true
        }
    );
    assert_eq!(a.keys, b.keys);
}

#[test]
fn profile_identities_survive_the_installer() {
    let mut store = KeyStore::new();
    let worker = ProcessIdentity::network_service();
    let before = start(&mut store, &worker, V64, 1);
    store.install_framework(at(50), true);
    let a = start(&mut store, &worker, V64, 60);
    let b = start(&mut store, &worker, V64, 61);
    assert_eq!(
        a.source,
        AutoGenSource::CurrentUser {
            created: true,
            replaced_stale: true
        }
    );
    assert_eq!(a.keys, b.keys);
    assert_ne!(
        a.keys, before.keys,
        "new keys after the install: old cookies fail once"
    );
}

#[test]
fn deletions_and_persistence() {
    let mut store = KeyStore::new();
    let worker = ProcessIdentity::custom(CUSTOM_SID, false);
    store.grant_access(CUSTOM_SID);
    let a = start(&mut store, &worker, V64, 1);
    let saved = store.to_json();
    assert!(
        !format!("{store:?}").contains(
            &a.keys.expose_secret()[0..4]
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect::<String>()
        )
    );
    let mut loaded = KeyStore::from_json(&saved).unwrap();
    assert_eq!(start(&mut loaded, &worker, V64, 2).keys, a.keys);
    loaded.delete_local_machine_key(CUSTOM_SID, V64);
    assert!(!start(&mut loaded, &worker, V64, 3).source.is_shared());
    let path = std::env::temp_dir().join(format!("machinekey-store-{}.json", std::process::id()));
    store.save(&path).unwrap();
    assert_eq!(KeyStore::load(&path).unwrap().to_json(), saved);
    std::fs::remove_file(&path).unwrap();
    let bad = KeyStore::from_json("{\n  \"lsa_secret_hex\": 5\n}").unwrap_err();
    assert!(bad.to_string().starts_with("line 2:"), "{bad}");
}

// ---- .reg import ----

#[test]
fn reg_export_round_trip() {
    let keys = AutoGenKeys::generate(&OsRandom).unwrap();
    let path = r"HKEY_USERS\S-1-5-82-1-2-3\Software\Microsoft\ASP.NET\4.0.30319.0";
    let text = write_reg_export(
        path,
        &keys,
        machinekey::clock::from_file_time(133_000_000_000_000_000),
    );
    assert!(
        text.lines().all(|l| l.len() <= 80),
        "regedit wraps at 80 columns"
    );
    let back = read_reg_export(&text).unwrap();
    assert_eq!(back.keys, keys);
    assert_eq!(back.key_path.as_deref(), Some(path));
    assert_eq!(back.format, Some(2));
    assert_eq!(
        back.creation_time,
        machinekey::clock::from_file_time(133_000_000_000_000_000)
    );
    // As regedit saves it: UTF-16LE with a BOM.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    assert_eq!(read_reg_export_bytes(&utf16).unwrap().keys, keys);
    // And the keys derive what the application would use.
    let app = AppIdentity::new("/", "/LM/W3SVC/1/ROOT").unwrap();
    let resolved =
        LegacyKeys::resolve(&MachineKeyConfig::default(), &app, Some(&back.keys)).unwrap();
    assert_eq!(
        &resolved.validation.expose_secret()[4..],
        &keys.expose_secret()[4..64]
    );
    // Raw hex too.
    let hex: String = keys
        .expose_secret()
        .iter()
        .map(|b| format!("{b:02X} "))
        .collect();
    assert_eq!(AutoGenKeys::from_hex(&hex).unwrap(), keys);
}

#[test]
fn malformed_reg_exports_are_rejected_with_line_numbers() {
    let keys = AutoGenKeys::generate(&OsRandom).unwrap();
    let good = write_reg_export(
        r"HKEY_CURRENT_USER\Software\Microsoft\ASP.NET\4.0.30319.0",
        &keys,
        None,
    );
    let line_of = |text: &str| match read_reg_export(text) {
        Err(Error::KeyImport(e)) => e.line(),
        other => panic!("{other:?}"),
    };
    assert_eq!(line_of("hello\r\n"), 1);
    assert_eq!(line_of(""), 0);
    assert_eq!(line_of(&good.replace("4.0.30319.0]", "4.0.30319.0")), 3);
    assert_eq!(line_of(&good.replacen("hex:", "hex:zz,", 1)), 5);
    let broken = good.replacen(",\\\r\n", ",\r\n", 1);
    assert_eq!(line_of(&broken), 5, "a broken continuation");
    assert!(
        read_reg_export(&broken)
            .unwrap_err()
            .to_string()
            .contains("continuation")
    );
    assert_eq!(
        line_of(&good.replace("dword:00000002", "dword:00000001")),
        4,
        "DPAPI is refused"
    );
    assert_eq!(line_of(&good.replace("dword:00000002", "dword:xyz")), 4);
    let short = write_reg_export("X", &AutoGenKeys::from_bytes(&[7; 88]).unwrap(), None)
        .replacen("07,", "", 1);
    assert_eq!(line_of(&short), 5, "87 bytes");
    let twice = format!("{good}\r\n[HKEY_X]\r\n\"AutoGenKeyV4\"=hex:00\r\n");
    assert!(line_of(&twice) > 5);
    assert_eq!(
        line_of("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_X]\r\n"),
        0,
        "no value"
    );
    assert!(AutoGenKeys::from_hex("0g").is_err());
}

/// A simulated instant: `t` seconds after a fixed start.
fn at(t: i64) -> time::OffsetDateTime {
    time::macros::datetime!(2024-01-01 0:00 UTC) + time::Duration::seconds(t)
}
