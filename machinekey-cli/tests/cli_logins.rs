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
        .validation("HMACSHA512")
        .decryption("AES")
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
    let now = time::OffsetDateTime::now_utc();
    for kind in TokenKind::ALL {
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
            let mut args = vec!["ticket", "decode", "--owin-oauth", kind.name()];
            args.extend(KEY_ARGS);
            args.push(text);
            let out = json(&args);
            assert_eq!(out["kind"], format!("oauth_{}", kind.name()));
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
        .issue(bob(), time::OffsetDateTime::now_utc())
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
