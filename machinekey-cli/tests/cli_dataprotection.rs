//! The command line on Data Protection: `dataprotection keys|unprotect|protect`, `audit
//! --key-ring`, `compare` with `ring=`, `--key-ring` on the key options of a
//! `dataProtectorType` application, and the shipped scenario files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_machinekey"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A directory holding the docs' sample key file (ASP.NET Core 2.0, unencrypted).
fn sample_ring(name: &str) -> PathBuf {
    let doc: Value =
        serde_json::from_str(include_str!("../../tests/data/data_protection.json")).unwrap();
    let v = doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "keyxml-docs-cookie-sharing-sample")
        .unwrap()
        .clone();
    let dir = std::env::temp_dir().join(format!("machinekey-cli-dp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("key-657cf77b-e662-48e4-912a-c80edc60e56b.xml"),
        v["inputs"]["xml"].as_str().unwrap(),
    )
    .unwrap();
    dir
}

/// A fresh ring with a current key, written as ASP.NET writes key files.
fn fresh_ring(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("machinekey-cli-dpf-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut ring = machinekey::dataprotection::KeyRing::new();
    ring.generate_key(
        machinekey::time::OffsetDateTime::now_utc(),
        &machinekey::random::OsRandom,
    )
    .unwrap();
    for (file, xml) in ring.to_key_files() {
        std::fs::write(dir.join(file), xml).unwrap();
    }
    dir
}

const COOKIE: &str = "CfDJ8Hv3fGVi5uRIkSrIDtxg5WsAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eH3mNtCF3-isjgRm8CCjgaOuZjOdNWF--oogOdJeMoIl_x_2R5FVE6T3qN2brp11Qpz2-HHm4ULFtbRZ9bpEPM0g";
const COOKIE_CHAIN: [&str; 6] = [
    "--purpose",
    "Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware",
    "--purpose",
    "Identity.Application",
    "--purpose",
    "v2",
];

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn keys_lists_dates_status_and_the_default_key() {
    let dir = sample_ring("keys");
    let o = run(&[
        "dataprotection",
        "keys",
        "--key-ring",
        s(&dir),
        "--at",
        "2018-01-01T00:00:00Z",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("657cf77b-e662-48e4-912a-c80edc60e56b  CfDJ8Hv3fGVi5uRIkSrIDtxg5W"),
        "{out}"
    );
    assert!(
        out.contains("[DEFAULT]") && out.contains("AES-256-CBC + HMACSHA256"),
        "{out}"
    );
    let o = run(&["--json", "dataprotection", "keys", "--key-ring", s(&dir)]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["keys"][0]["expired"], true);
    assert_eq!(v["resolution"]["default_key"], Value::Null);
    assert_eq!(v["keys"][0]["encrypted_at_rest"], Value::Null);
    // A missing ring is a usage error naming it.
    let o = run(&["dataprotection", "keys", "--key-ring", "/nonexistent/ring"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/ring"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unprotect_with_and_without_the_right_chain() {
    let dir = sample_ring("unprotect");
    let mut args = vec![
        "dataprotection",
        "unprotect",
        "--key-ring",
        s(&dir),
        "--app-name",
        "SharedCookieApp",
    ];
    args.extend(COOKIE_CHAIN);
    args.push(COOKIE);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("48656C6C6F2C20446174612050726F74656374696F6E21"));
    // Percent-encoded, as copied from a Set-Cookie header: still read.
    let escaped = COOKIE.replace('-', "%2D");
    let last = args.len() - 1;
    args[last] = &escaped;
    assert!(run(&args).status.success());
    // Without the discriminator: the one opaque failure, exit 1.
    let mut wrong = vec!["dataprotection", "unprotect", "--key-ring", s(&dir)];
    wrong.extend(COOKIE_CHAIN);
    wrong.push(COOKIE);
    let o = run(&wrong);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unable to validate data"));
    // A value under another key names the key, in JSON too.
    let other = "CfDJ8OUZ7VP6urtMpSpa4DyPrBt_XfIXfqMtHxYfFviias53qCCxgLuJdLn6HCf1KQbIZPWlhiamg1SksqnqSmattUXFe1sdlPZqJkpTup6vDQz_PRR-FIEoxFOjkGWlmjZTHfUB_ydRHE-4zjLTTcjD_ko";
    let o = run(&[
        "--json",
        "dataprotection",
        "unprotect",
        "--key-ring",
        s(&dir),
        "--purpose",
        "x",
        other,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["error"]["code"], "key_not_found");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("{53ed19e5-bafa-4cbb-a52a-5ae03c8fac1b}")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn protect_then_unprotect_and_audit() {
    let dir = fresh_ring("protect");
    let o = run(&[
        "dataprotection",
        "protect",
        "--key-ring",
        s(&dir),
        "--app-name",
        "/srv/shop/",
        "--purpose",
        "SessionMiddleware",
        "--payload-hex",
        "4142",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o).trim().to_owned();
    assert!(text.starts_with("CfDJ8"), "{text}");
    let o = run(&[
        "--json",
        "dataprotection",
        "unprotect",
        "--key-ring",
        s(&dir),
        "--app-name",
        "/srv/shop/",
        "--purpose",
        "SessionMiddleware",
        &text,
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["data_hex"], "4142");
    assert_eq!(v["requires_migration"], false);
    // The audit finds the consumer from the known chains, and names the discriminator.
    let o = run(&[
        "audit",
        "--key-ring",
        s(&dir),
        "--app-name",
        "/srv/shop/",
        &text,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("consumer: session cookie")
            && stdout(&o).contains("discriminator: /srv/shop/"),
        "{}",
        stdout(&o)
    );
    // A names file works as --app-name does.
    let names = std::env::temp_dir().join(format!("machinekey-names-{}.txt", std::process::id()));
    std::fs::write(&names, "# discriminators\nOther\n\n/srv/shop/\n").unwrap();
    let o = run(&[
        "audit",
        "--key-ring",
        s(&dir),
        "--app-names",
        s(&names),
        &text,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_file(&names).unwrap();
    // Without the discriminator it says which key it found and what to give.
    let o = run(&["audit", "--key-ring", s(&dir), &text]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--app-name"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

const DP_CONFIG: &str = r#"<configuration><system.web><httpRuntime targetFramework="4.8" />
<machineKey compatibilityMode="Framework45" validationKey="F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B" decryptionKey="B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78" validation="HMACSHA256" decryption="AES"
 dataProtectorType="Microsoft.AspNetCore.DataProtection.SystemWeb.CompatibilityDataProtector, Microsoft.AspNetCore.DataProtection.SystemWeb" />
</system.web></configuration>"#;

#[test]
fn key_options_take_a_key_ring_and_compare_takes_rings() {
    let dir = fresh_ring("systemweb");
    let other = fresh_ring("systemweb-other");
    let config = dir.join("web.config");
    std::fs::write(&config, DP_CONFIG).unwrap();
    // MachineKey.Protect through the key ring; the Data Protection command reads it with
    // the SystemWeb chain [app id, User.MachineKey.Protect, purposes...].
    let o = run(&[
        "protect",
        "--web-config",
        s(&config),
        "--key-ring",
        s(&dir),
        "--app-path",
        "/Shop",
        "--purpose",
        "p",
        "--payload-hex",
        "4142",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let blob = stdout(&o).trim().to_owned();
    assert!(blob.starts_with("09F0C9F0"), "{blob}");
    let o = run(&[
        "dataprotection",
        "unprotect",
        "--key-ring",
        s(&dir),
        "--app-name",
        "/LM/W3SVC/1/ROOT/Shop",
        "--purpose",
        "User.MachineKey.Protect",
        "--purpose",
        "p",
        &blob,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("4142"));
    // Without the ring the command says what is missing.
    let o = run(&[
        "protect",
        "--web-config",
        s(&config),
        "--purpose",
        "p",
        "--payload-hex",
        "4142",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("dataProtectorType"), "{}", stderr(&o));

    // compare: same ring reads; another ring fails with the ring reason.
    let node =
        |ring: &Path, name: &str| format!("{},app=/Shop,ring={},name={name}", s(&config), s(ring));
    let o = run(&["compare", &node(&dir, "a"), &node(&dir, "b")]);
    let out = stdout(&o);
    assert!(!out.contains("key rings differ"), "{out}");
    let o = run(&["compare", &node(&dir, "a"), &node(&other, "c")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("key rings differ"), "{}", stdout(&o));
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&other).unwrap();
}

#[test]
fn shipped_data_protection_scenarios_run() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("examples/scenarios");
    for (file, needle) in [
        (
            "data-protection-containers.toml",
            "/keys (shared) <- web-1, web-2, web-3",
        ),
        (
            "data-protection-iis-registry.toml",
            r"AutoGenKeys\S-1-5-21-1004336348-1177238915-682003330-1105",
        ),
    ] {
        let o = run(&["simulate", "--scenario", s(&root.join(file))]);
        assert!(o.status.success(), "{file}: {}", stderr(&o));
        assert!(stdout(&o).contains(needle), "{file}: {}", stdout(&o));
        let o = run(&["--json", "simulate", "--scenario", s(&root.join(file))]);
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(v["steps"].as_array().unwrap().len() >= 3);
    }
}

/// A SystemWeb application as the package installs it (AutoGenerate `<machineKey>` keys,
/// `dataProtectorType`): ViewState goes through the key ring without any AutoGenerate
/// material, the audit finds its page chain from the URL, and without the ring the error
/// says what to add.
#[test]
fn systemweb_viewstate_with_autogenerate_keys() {
    let dir = fresh_ring("viewstate");
    let config = dir.join("web.config");
    std::fs::write(
        &config,
        r#"<configuration><system.web><httpRuntime targetFramework="4.8" />
<machineKey compatibilityMode="Framework45" dataProtectorType="Microsoft.AspNetCore.DataProtection.SystemWeb.CompatibilityDataProtector, Microsoft.AspNetCore.DataProtection.SystemWeb" />
</system.web></configuration>"#,
    )
    .unwrap();
    let page = ["--path", "/Shop/default.aspx", "--app-path", "/Shop"];
    let mut encode = vec![
        "viewstate",
        "encode",
        "--web-config",
        s(&config),
        "--key-ring",
        s(&dir),
    ];
    encode.extend(page);
    encode.extend(["--payload-hex", "FF010F0F05056869"]);
    let o = run(&encode);
    assert!(o.status.success(), "{}", stderr(&o));
    let value = stdout(&o).trim().to_owned();
    assert!(value.starts_with("CfDJ8"), "{value}");
    let mut decode = vec![
        "viewstate",
        "decode",
        "--web-config",
        s(&config),
        "--key-ring",
        s(&dir),
    ];
    decode.extend(page);
    decode.push(&value);
    let o = run(&decode);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("FF010F0F05056869"));
    let o = run(&[
        "audit",
        "--key-ring",
        s(&dir),
        "--url",
        "https://host/Shop/default.aspx",
        &value,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("ViewState of /Shop/default.aspx (application /Shop)"),
        "{}",
        stdout(&o)
    );
    let mut without = vec!["viewstate", "decode", "--web-config", s(&config)];
    without.extend(page);
    without.push(&value);
    let o = run(&without);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--key-ring"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}
