//! Table-driven `<machineKey>` validation, per mode: each row is attribute values, the
//! framework build and settings, and either "accepted" or the error ASP.NET raises
//! (spec §1.3 to §1.6).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::config::{CompatibilityMode, FrameworkVersion, MachineKeyConfig, RuntimeSettings};

const VK64: &str = "F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B";
const DK24: &str = "B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78";
const DK32: &str = "245EDC5AAF1F32D0087178F7409370AF0A2C1FDDE1240212C73604E0DE509029";
const DES8: &str = "1334577999BCDFF1";

#[derive(Clone, Copy)]
struct Row {
    /// `validationKey`, `decryptionKey`, `validation`, `decryption`, `compatibilityMode`
    /// (`None` = attribute absent).
    vk: Option<&'static str>,
    dk: Option<&'static str>,
    validation: Option<&'static str>,
    decryption: Option<&'static str>,
    mode: Option<&'static str>,
    framework: FrameworkVersion,
    target: Option<&'static str>,
    /// `Ok(effective mode)` or `Err((attribute, ASP.NET error name or None))`.
    expect: Result<CompatibilityMode, (&'static str, Option<&'static str>)>,
}

const V4: FrameworkVersion = FrameworkVersion::V4;
const V2: FrameworkVersion = FrameworkVersion::V2_0;
const SP1: CompatibilityMode = CompatibilityMode::Framework20SP1;
const SP2: CompatibilityMode = CompatibilityMode::Framework20SP2;
const FX45: CompatibilityMode = CompatibilityMode::Framework45;

const BASE: Row = Row {
    vk: Some(VK64),
    dk: Some(DK24),
    validation: None,
    decryption: None,
    mode: None,
    framework: V4,
    target: None,
    expect: Ok(SP1),
};

fn err(
    attribute: &'static str,
    name: Option<&'static str>,
) -> Result<CompatibilityMode, (&'static str, Option<&'static str>)> {
    Err((attribute, name))
}

#[allow(clippy::too_many_lines)]
fn rows() -> Vec<(&'static str, Row)> {
    let vk = "validationKey";
    let dk = "decryptionKey";
    vec![
        // --- defaults and mode selection ---
        (
            "defaults: no attributes",
            Row {
                vk: None,
                dk: None,
                ..BASE
            },
        ),
        (
            "targetFramework 4.5 switches to Framework45",
            Row {
                target: Some("4.5"),
                expect: Ok(FX45),
                ..BASE
            },
        ),
        (
            "targetFramework 4.0 stays legacy",
            Row {
                target: Some("4.0"),
                ..BASE
            },
        ),
        (
            "explicit mode beats targetFramework",
            Row {
                target: Some("4.8"),
                mode: Some("Framework20SP2"),
                expect: Ok(SP2),
                ..BASE
            },
        ),
        (
            "compatibilityMode is case-sensitive",
            Row {
                mode: Some("framework45"),
                expect: err("compatibilityMode", None),
                ..BASE
            },
        ),
        (
            "Framework45 does not exist on 2.0",
            Row {
                mode: Some("Framework45"),
                framework: V2,
                expect: err("compatibilityMode", None),
                ..BASE
            },
        ),
        (
            "targetFramework is ignored on 2.0",
            Row {
                target: Some("4.5"),
                framework: V2,
                ..BASE
            },
        ),
        // --- validation names ---
        (
            "every legacy validation name",
            Row {
                validation: Some("MD5"),
                ..BASE
            },
        ),
        (
            "3DES validation",
            Row {
                validation: Some("3DES"),
                ..BASE
            },
        ),
        (
            "AES validation",
            Row {
                validation: Some("AES"),
                ..BASE
            },
        ),
        (
            "validation names are case-sensitive",
            Row {
                validation: Some("sha1"),
                expect: err("validation", Some("Wrong_validation_enum")),
                ..BASE
            },
        ),
        (
            "unknown validation",
            Row {
                validation: Some("SHA256"),
                expect: err("validation", Some("Wrong_validation_enum")),
                ..BASE
            },
        ),
        (
            "alg: is not supported",
            Row {
                validation: Some("alg:HMACSHA256"),
                expect: err("validation", None),
                ..BASE
            },
        ),
        (
            "HMACSHA256 does not exist on 2.0",
            Row {
                validation: Some("HMACSHA256"),
                framework: V2,
                expect: err("validation", Some("Wrong_validation_enum")),
                ..BASE
            },
        ),
        (
            "MD5 rejected in Framework45",
            Row {
                validation: Some("MD5"),
                mode: Some("Framework45"),
                expect: err("validation", Some("Wrong_validation_enum_FX45")),
                ..BASE
            },
        ),
        (
            "AES validation rejected in Framework45",
            Row {
                validation: Some("AES"),
                target: Some("4.6"),
                expect: err("validation", Some("Wrong_validation_enum_FX45")),
                ..BASE
            },
        ),
        (
            "3DES validation rejected in Framework45",
            Row {
                validation: Some("3DES"),
                mode: Some("Framework45"),
                expect: err("validation", Some("Wrong_validation_enum_FX45")),
                ..BASE
            },
        ),
        // --- decryption names ---
        (
            "decryption names are case-sensitive",
            Row {
                decryption: Some("aes"),
                expect: err("decryption", Some("Wrong_decryption_enum")),
                ..BASE
            },
        ),
        (
            "unknown decryption",
            Row {
                decryption: Some("Rijndael"),
                expect: err("decryption", Some("Wrong_decryption_enum")),
                ..BASE
            },
        ),
        // --- legacy key strings (§1.3) ---
        (
            "legacy: validationKey shorter than 40 chars",
            Row {
                vk: Some("0123456789ABCDEF0123456789ABCDEF012345"),
                expect: err(
                    vk,
                    Some("Unable_to_get_cookie_authentication_validation_key"),
                ),
                ..BASE
            },
        ),
        (
            "legacy: validationKey of odd length",
            Row {
                vk: Some("0123456789ABCDEF0123456789ABCDEF0123456789A"),
                expect: err(
                    vk,
                    Some("Unable_to_get_cookie_authentication_validation_key"),
                ),
                ..BASE
            },
        ),
        (
            "legacy: exactly 40 chars",
            Row {
                vk: Some("0123456789ABCDEF0123456789ABCDEF01234567"),
                ..BASE
            },
        ),
        (
            "legacy: G-Z decode as zero (quirk)",
            Row {
                vk: Some("GHIJKLMNOPQRSTUVWXYZ0123456789ABCDEF0123"),
                ..BASE
            },
        ),
        (
            "legacy: 'g' is above 'f' and fails",
            Row {
                vk: Some("g123456789ABCDEF0123456789ABCDEF01234567"),
                expect: err(vk, Some("Invalid_validation_key")),
                ..BASE
            },
        ),
        (
            "legacy: decryptionKey of odd length",
            Row {
                dk: Some("ABC"),
                expect: err(dk, Some("Invalid_decryption_key")),
                ..BASE
            },
        ),
        (
            "legacy: decryptionKey bad char",
            Row {
                dk: Some("B47D3CD1E780CF30C739A080995B9B10B64354AA135A2Dxx"),
                expect: err(dk, Some("Invalid_decryption_key")),
                ..BASE
            },
        ),
        (
            "legacy: hex with IsolateApps",
            Row {
                vk: Some("F5144F1A581A57BA3B60311AF7562A855998F7DD,IsolateApps"),
                ..BASE
            },
        ),
        (
            "legacy: flags in the wrong order fall through to hex",
            Row {
                vk: Some("AutoGenerate,IsolateByAppId,IsolateApps"),
                expect: err(
                    vk,
                    Some("Unable_to_get_cookie_authentication_validation_key"),
                ),
                ..BASE
            },
        ),
        (
            "legacy: IsolateByAppId on 2.0 is not a flag",
            Row {
                dk: Some("AutoGenerate,IsolateByAppId"),
                framework: V2,
                expect: err(dk, Some("Invalid_decryption_key")),
                ..BASE
            },
        ),
        (
            "legacy 2.0: validationKey over 128 chars",
            Row {
                vk: Some(concat!(
                    "F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B",
                    "AB"
                )),
                framework: V2,
                expect: err(
                    vk,
                    Some("Unable_to_get_cookie_authentication_validation_key"),
                ),
                ..BASE
            },
        ),
        (
            "legacy 4.x: 65-byte HMACSHA256 key overruns the pad",
            Row {
                vk: Some(concat!(
                    "F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B",
                    "AB"
                )),
                expect: err(vk, None),
                ..BASE
            },
        ),
        (
            "legacy 4.x: 65-byte key is fine for HMACSHA512",
            Row {
                vk: Some(concat!(
                    "F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B",
                    "AB"
                )),
                validation: Some("HMACSHA512"),
                ..BASE
            },
        ),
        (
            "legacy: empty key",
            Row {
                vk: Some("  "),
                expect: err(vk, None),
                ..BASE
            },
        ),
        // --- legacy cipher keys (§1.6) ---
        (
            "legacy Auto with 8 bytes is DES",
            Row {
                dk: Some(DES8),
                ..BASE
            },
        ),
        (
            "legacy AES with 20 bytes",
            Row {
                dk: Some("B47D3CD1E780CF30C739A080995B9B10B64354AA"),
                decryption: Some("AES"),
                expect: err(dk, Some("Bad_machine_key")),
                ..BASE
            },
        ),
        (
            "legacy 3DES with 32 bytes",
            Row {
                dk: Some(DK32),
                decryption: Some("3DES"),
                expect: err(dk, Some("Bad_machine_key")),
                ..BASE
            },
        ),
        (
            "legacy 4.x DES truncates a 32-byte key",
            Row {
                dk: Some(DK32),
                decryption: Some("DES"),
                ..BASE
            },
        ),
        (
            "legacy 2.0 DES takes only 8 or 24 bytes",
            Row {
                dk: Some(DK32),
                decryption: Some("DES"),
                framework: V2,
                expect: err(dk, Some("Bad_machine_key")),
                ..BASE
            },
        ),
        (
            "legacy DES weak key",
            Row {
                dk: Some("0101010101010101"),
                decryption: Some("DES"),
                expect: err(dk, Some("Bad_machine_key")),
                ..BASE
            },
        ),
        (
            "legacy AES validation with a 32-byte 3DES-unfit key is fine",
            Row {
                dk: Some(DK32),
                validation: Some("AES"),
                ..BASE
            },
        ),
        (
            "legacy 3DES validation needs a TripleDES-sized key",
            Row {
                dk: Some(DK32),
                validation: Some("3DES"),
                expect: err(dk, Some("Bad_machine_key")),
                ..BASE
            },
        ),
        (
            "legacy 3DES validation with an 8-byte key uses DES",
            Row {
                dk: Some(DES8),
                validation: Some("3DES"),
                ..BASE
            },
        ),
        // --- Framework45 key strings (§1.4) ---
        (
            "fx45: hex of any length",
            Row {
                vk: Some("AB"),
                mode: Some("Framework45"),
                expect: Ok(FX45),
                ..BASE
            },
        ),
        (
            "fx45: flags in any order",
            Row {
                vk: Some("IsolateApps,AutoGenerate"),
                dk: Some("IsolateByAppId,AutoGenerate"),
                mode: Some("Framework45"),
                expect: Ok(FX45),
                ..BASE
            },
        ),
        (
            "fx45: hex with IsolateApps is rejected",
            Row {
                vk: Some("F5144F1A581A57BA3B60311AF7562A855998F7DD,IsolateApps"),
                mode: Some("Framework45"),
                expect: err(vk, Some("Invalid_validation_key")),
                ..BASE
            },
        ),
        (
            "fx45: flags without AutoGenerate",
            Row {
                dk: Some("IsolateApps"),
                mode: Some("Framework45"),
                expect: err(dk, Some("Invalid_decryption_key")),
                ..BASE
            },
        ),
        (
            "fx45: the legacy hex quirk does not apply",
            Row {
                vk: Some("GHIJKLMNOPQRSTUVWXYZ0123456789ABCDEF0123"),
                mode: Some("Framework45"),
                expect: err(vk, Some("Invalid_validation_key")),
                ..BASE
            },
        ),
        (
            "fx45: Auto is AES, so 8 bytes fail",
            Row {
                dk: Some(DES8),
                mode: Some("Framework45"),
                expect: err(dk, Some("Bad_machine_key")),
                ..BASE
            },
        ),
        (
            "fx45: DES needs exactly 8 bytes",
            Row {
                dk: Some(DK24),
                decryption: Some("DES"),
                mode: Some("Framework45"),
                expect: err(dk, Some("Bad_machine_key")),
                ..BASE
            },
        ),
        (
            "fx45: DES with 8 bytes",
            Row {
                dk: Some(DES8),
                decryption: Some("DES"),
                mode: Some("Framework45"),
                expect: Ok(FX45),
                ..BASE
            },
        ),
        (
            "fx45: 3DES with 24 bytes",
            Row {
                decryption: Some("3DES"),
                mode: Some("Framework45"),
                expect: Ok(FX45),
                ..BASE
            },
        ),
    ]
}

#[test]
fn config_table() {
    for (name, row) in rows() {
        let mut rt = RuntimeSettings::default();
        rt.framework = row.framework;
        rt.target_framework = row.target.map(|t| t.parse().unwrap());
        let mut b = MachineKeyConfig::builder().runtime(rt);
        if let Some(x) = row.vk {
            b = b.validation_key(x);
        }
        if let Some(x) = row.dk {
            b = b.decryption_key(x);
        }
        if let Some(x) = row.validation {
            b = b.attribute(machinekey::config::MachineKeyAttribute::Validation, x);
        }
        if let Some(x) = row.decryption {
            b = b.attribute(machinekey::config::MachineKeyAttribute::Decryption, x);
        }
        if let Some(x) = row.mode {
            b = b.attribute(
                machinekey::config::MachineKeyAttribute::CompatibilityMode,
                x,
            );
        }
        match (b.build(), row.expect) {
            (Ok(cfg), Ok(mode)) => assert_eq!(cfg.compatibility_mode(), mode, "{name}"),
            (Err(e), Err((attribute, aspnet))) => {
                assert_eq!(
                    e.setting().map(|s| s.name()),
                    Some(attribute),
                    "{name}: {e}"
                );
                assert_eq!(e.aspnet_error(), aspnet, "{name}: {e}");
                // Messages never echo key material.
                for key in [VK64, DK24, DK32] {
                    assert!(!e.to_string().contains(&key[..16]), "{name}: {e}");
                }
            }
            (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn the_other_stack_is_checked_at_use() {
    // Hex + IsolateApps is valid legacy config, but MachineKey.Protect (always Framework45)
    // rejects it at first use, as ASP.NET does.
    let cfg = MachineKeyConfig::builder()
        .validation_key("F5144F1A581A57BA3B60311AF7562A855998F7DD,IsolateApps")
        .build()
        .unwrap();
    assert!(cfg.legacy_key_specs().is_ok());
    let e = cfg.framework45_key_specs().unwrap_err();
    assert_eq!(e.aspnet_error(), Some("Invalid_validation_key"));
}
