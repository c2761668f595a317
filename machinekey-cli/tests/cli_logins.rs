//! `ticket decode` and `audit` on the logins of issue 29: Katana OAuth tokens
//! (`--owin-oauth`), pasted as the client sends them, refused under the wrong kind, and
//! their key found among the known keys.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::{Command, Output};

use machinekey::formats::auth_ticket::{Claim, ClaimsIdentity};
use machinekey::formats::oauth_token::{OAuthToken, TokenKind};
use serde_json::Value;

/// The Blacklist3r README's keys (in the built-in known-key list).
const README_VK: &str = "A0FF8AAEEF61C0F962B18DA75FC2FCB2113255870C45C3C695FF2F98652A665DEE2F57A7CA4236F17423EC0D7B6CE0F8BE25323D0FF4BA7DBB3113451709A781";
const README_DK: &str = "5C66D9C8F48669CF12EA7E69EBEB2C2C2775F37DAFA3AF49";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_machinekey"))
        .args(args)
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let o = run(&all);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn readme_keys() -> machinekey::AppKeys {
    let cfg = machinekey::MachineKeyConfig::builder()
        .validation_key(README_VK)
        .decryption_key(README_DK)
        .validation(machinekey::config::ValidationAlgorithm::HmacSha512)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .build()
        .unwrap();
    machinekey::AppKeys::explicit(&cfg).unwrap()
}

const KEY_ARGS: [&str; 8] = [
    "--validation",
    "HMACSHA512",
    "--decryption",
    "AES",
    "--validation-key",
    README_VK,
    "--decryption-key",
    README_DK,
];

fn bob() -> ClaimsIdentity {
    let mut id = ClaimsIdentity::new("Bearer");
    id.claims.push(Claim::name("bob"));
    id.claims.push(Claim::role("api"));
    id
}

#[test]
fn ticket_decode_opens_katana_oauth_tokens_of_each_kind() {
    let keys = readme_keys();
    let now = machinekey::time::OffsetDateTime::now_utc();
    for &kind in TokenKind::ALL {
        let token = OAuthToken::new(&keys, kind).issue(bob(), now).unwrap();
        let pasted = [
            token.clone(),
            format!("Authorization: Bearer {token}"),
            format!("Bearer {token}"),
            format!(
                "{}={token}&token_type=bearer",
                match kind {
                    TokenKind::Access => "access_token",
                    TokenKind::Refresh => "refresh_token",
                    _ => "code",
                }
            ),
        ];
        for text in &pasted {
            let mut args = vec!["ticket", "decode", "--owin-oauth", kind.as_str()];
            args.extend(KEY_ARGS);
            args.push(text);
            let out = json(&args);
            assert_eq!(out["kind"], format!("oauth_{}", kind.as_str()));
            assert_eq!(out["name"], "bob");
            assert_eq!(out["roles"][0], "api");
            assert_eq!(out["expired"], false);
            assert_eq!(out["purposes"][1], kind.purposes()[1]);
        }
        // Under another kind: refused, with the kind it is.
        let other = if kind == TokenKind::Access {
            "refresh"
        } else {
            "access"
        };
        let mut args = vec!["ticket", "decode", "--owin-oauth", other];
        args.extend(KEY_ARGS);
        args.push(&token);
        let o = run(&args);
        assert_eq!(o.status.code(), Some(1));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!("verifies as a {kind} token")),
            "{err}"
        );
        assert!(!err.contains(&token[..20]), "no token value echoed");
    }
    // `--owin-oauth` alone means the access token.
    let token = OAuthToken::new(&keys, TokenKind::Access)
        .issue(bob(), now)
        .unwrap();
    let mut args = vec!["ticket", "decode"];
    args.extend(KEY_ARGS);
    args.extend(["--owin-oauth", "--", &token]);
    assert_eq!(json(&args)["kind"], "oauth_access");
    // A tampered token: exit 1, the opaque error.
    let mut t: Vec<char> = token.chars().collect();
    let i = t.len() / 2;
    t[i] = if t[i] == 'A' { 'B' } else { 'A' };
    let tampered: String = t.into_iter().collect();
    let mut args = vec!["ticket", "decode", "--owin-oauth", "access"];
    args.extend(KEY_ARGS);
    args.push(&tampered);
    assert_eq!(run(&args).status.code(), Some(1));
}

#[test]
fn audit_finds_the_known_key_of_a_captured_oauth_token() {
    let token = OAuthToken::new(&readme_keys(), TokenKind::Access)
        .issue(bob(), machinekey::time::OffsetDateTime::now_utc())
        .unwrap();
    let header = format!("Authorization: Bearer {token}");
    let out = json(&["audit", "--owin-oauth", "access", &header]);
    assert_eq!(out["validation"], "HMACSHA512");
    assert!(out["payload_hex"].as_str().unwrap().starts_with("1F8B08"));
    // The purposes matter: as a refresh token nothing is found (exit 1).
    assert_eq!(
        run(&["audit", "--owin-oauth", "refresh", &token])
            .status
            .code(),
        Some(1)
    );
}

/// A web.config with the README's keys, and a key ring directory with one key, in a fresh
/// temporary directory.
fn site_files(tag: &str) -> (std::path::PathBuf, String, String) {
    let dir = std::env::temp_dir().join(format!("mk-cli-logins-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("ring")).unwrap();
    let web_config = dir.join("web.config");
    std::fs::write(
        &web_config,
        format!(
            "<configuration><system.web><machineKey validationKey=\"{README_VK}\" decryptionKey=\"{README_DK}\" validation=\"HMACSHA512\" decryption=\"AES\" /></system.web></configuration>"
        ),
    )
    .unwrap();
    let mut ring = machinekey::dataprotection::KeyRing::new();
    let id = ring
        .generate_key(
            machinekey::time::OffsetDateTime::now_utc() - machinekey::time::Duration::days(1),
            &machinekey::random::OsRandom,
        )
        .unwrap();
    std::fs::write(
        dir.join("ring").join(format!("key-{id}.xml")),
        ring.key(id).unwrap().to_xml(),
    )
    .unwrap();
    let wc = web_config.to_str().unwrap().to_owned();
    let ring_dir = dir.join("ring").to_str().unwrap().to_owned();
    (dir, wc, ring_dir)
}

/// The keys every `ticket decode` JSON has, whatever the kind.
const SHAPE: [&str; 14] = [
    "kind",
    "cookie",
    "scheme",
    "purposes",
    "name",
    "roles",
    "claims",
    "issued_unix",
    "expires_unix",
    "expired",
    "persistent",
    "properties",
    "forms",
    "ticket",
];

fn assert_shape(v: &Value) {
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in SHAPE {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
    assert_eq!(keys.len(), SHAPE.len(), "{keys:?}");
}

#[test]
fn encode_then_decode_every_kind_with_web_config_and_key_ring_together() {
    let (dir, wc, ring) = site_files("all");
    let both = ["--web-config", wc.as_str(), "--key-ring", ring.as_str()];
    for (kind, cookie_name, extra) in [
        ("forms", ".ASPXAUTH", vec![]),
        ("owin", ".AspNet.ApplicationCookie", vec![]),
        (
            "core",
            ".AspNetCore.Identity.Application",
            vec!["--app-name", "/srv/app"],
        ),
    ] {
        let mut args = vec![
            "ticket",
            "encode",
            "--kind",
            kind,
            "--name",
            "erin",
            "--role",
            "Admin",
            "--role",
            "Editor",
            "--persistent",
            "--cookie-path",
            "/shop",
        ];
        args.extend(both);
        args.extend(extra.iter().copied());
        let out = json(&args);
        assert_eq!(out["kind"], kind);
        let set = out["set_cookie"][0].as_str().unwrap();
        assert!(set.starts_with(&format!("{cookie_name}=")), "{set}");
        assert!(
            set.contains("; path=/shop") && set.contains("; expires="),
            "{set}"
        );
        // Pasted back as the browser sends it (NAME=VALUE), with both key sources given.
        let header = out["cookie_header"].as_str().unwrap();
        let mut args = vec!["ticket", "decode"];
        args.extend(both);
        args.extend(extra.iter().copied());
        args.push(header);
        let v = json(&args);
        assert_shape(&v);
        assert_eq!(v["kind"], kind, "{header}");
        assert_eq!(v["cookie"], cookie_name);
        assert_eq!(v["name"], "erin");
        if kind == "forms" {
            // The roles are in UserData, as the site reads them.
            assert_eq!(v["roles"], serde_json::json!([]));
        } else {
            assert_eq!(v["roles"], json_roles(), "{kind}");
        }
        assert_eq!(v["expired"], false);
        assert_eq!(v["persistent"], true);
        if kind == "forms" {
            assert_eq!(v["forms"]["user_data"], "Admin,Editor");
            assert_eq!(v["forms"]["cookie_path"], "/shop");
        } else {
            assert!(v["forms"].is_null());
        }
        // A whole Cookie header with other cookies around the login opens too.
        let noisy = format!("theme=dark; {header}; lang=fr");
        let mut args = vec!["ticket", "decode"];
        args.extend(both);
        args.extend(extra.iter().copied());
        args.push(&noisy);
        assert_eq!(json(&args)["kind"], kind, "{kind} among other cookies");
        // The bare value opens too.
        let value = out["cookies"][0]["value"].as_str().unwrap();
        let mut args = vec!["ticket", "decode"];
        args.extend(both);
        args.extend(extra.iter().copied());
        args.push(value);
        assert_eq!(json(&args)["kind"], kind);
    }
    // The OAuth token has the same shape.
    let token = OAuthToken::new(&readme_keys(), TokenKind::Access)
        .issue(bob(), machinekey::time::OffsetDateTime::now_utc())
        .unwrap();
    assert_shape(&json(&[
        "ticket",
        "decode",
        "--web-config",
        &wc,
        "--owin-oauth",
        "access",
        &token,
    ]));
    std::fs::remove_dir_all(&dir).ok();
}

fn json_roles() -> Value {
    serde_json::json!(["Admin", "Editor"])
}

#[test]
fn require_valid_exits_1_for_an_expired_ticket() {
    let keys = readme_keys();
    let owin =
        machinekey::formats::auth_cookie::AuthCookie::owin(&keys, "ApplicationCookie").unwrap();
    let long_ago =
        machinekey::time::OffsetDateTime::now_utc() - machinekey::time::Duration::days(30);
    let mut id = ClaimsIdentity::new("ApplicationCookie");
    id.claims.push(Claim::name("old"));
    use machinekey::formats::auth_cookie::LoginCookie as _;
    let value = owin
        .protect(&owin.sign_in(vec![id], false, long_ago))
        .unwrap();
    let pasted = format!(".AspNet.ApplicationCookie={value}");
    let mut args = vec!["ticket", "decode"];
    args.extend(KEY_ARGS);
    args.push(&pasted);
    let v = json(&args);
    assert_eq!(v["expired"], true, "shown as expired, exit 0");
    let mut strict = vec!["ticket", "decode", "--require-valid"];
    strict.extend(KEY_ARGS);
    strict.push(&pasted);
    let o = run(&strict);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("expired"));
    // An expired forms ticket too.
    let (dir, wc, _) = site_files("expired");
    let out = json(&[
        "ticket",
        "encode",
        "--web-config",
        &wc,
        "--kind",
        "forms",
        "--name",
        "x",
        "--minutes",
        "0",
    ]);
    let header = out["cookie_header"].as_str().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(
        run(&[
            "ticket",
            "decode",
            "--web-config",
            &wc,
            "--require-valid",
            header
        ])
        .status
        .code(),
        Some(1)
    );
    assert_eq!(
        run(&["ticket", "decode", "--web-config", &wc, header])
            .status
            .code(),
        Some(0)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_core_cookie_without_its_discriminator_gets_a_hint() {
    let (dir, _, ring) = site_files("hint");
    let out = json(&[
        "ticket",
        "encode",
        "--key-ring",
        &ring,
        "--kind",
        "core",
        "--name",
        "f",
        "--app-name",
        "MyApp",
    ]);
    let header = out["cookie_header"].as_str().unwrap();
    let o = run(&["ticket", "decode", "--key-ring", &ring, header]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--app-name")
            && err.contains("SetApplicationName")
            && err.contains("content root"),
        "{err}"
    );
    let value = out["cookies"][0]["value"].as_str().unwrap();
    assert!(!err.contains(&value[..24]));
    assert_eq!(
        json(&[
            "ticket",
            "decode",
            "--key-ring",
            &ring,
            "--app-name",
            "MyApp",
            header
        ])["kind"],
        "core"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn usage_errors_never_echo_a_cookie_value() {
    let token = OAuthToken::new(&readme_keys(), TokenKind::Access)
        .issue(bob(), machinekey::time::OffsetDateTime::now_utc())
        .unwrap();
    for args in [
        vec!["ticket", "decode", "--no-such-flag", token.as_str()],
        vec!["ticket", "decode", token.as_str(), token.as_str()],
        vec!["--json", "ticket", "decode", token.as_str(), token.as_str()],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{:?}", &args[..2]);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!all.contains(&token[..20]), "{all}");
        assert!(
            all.contains("[value redacted]") || all.contains("error"),
            "{all}"
        );
    }
}
