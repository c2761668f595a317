//! The command line on values real ASP.NET Core 10 wrote (`tests/data/aspnetcore_real.json`
//! and `tests/data/certificate_ring/` of the library): `dataprotection unprotect` in
//! Base64url, standard Base64 and percent-encoded as sent, time-limited payloads with their
//! expiry (an expired one refused unless asked), `ticket decode --key-ring` with every claim
//! field from the `Set-Cookie` lines, antiforgery, session, TempData, Identity and nonce
//! values decoded, and key rings encrypted to a certificate opened with `--certificate`.

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

fn vector(id: &str) -> Value {
    let all: Vec<Value> =
        serde_json::from_str(include_str!("../../tests/data/aspnetcore_real.json")).unwrap();
    all.into_iter().find(|v| v["id"] == id).unwrap()
}

/// The vector's key ring, written as a directory of key files.
fn ring(v: &Value) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "machinekey-cli-core-{}-{}",
        v["id"].as_str().unwrap(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, xml) in v["inputs"]["ring"].as_object().unwrap() {
        std::fs::write(dir.join(name), xml.as_str().unwrap()).unwrap();
    }
    dir
}

fn s<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        cur = &cur[*p];
    }
    cur.as_str().unwrap()
}

fn header_value(v: &Value, i: usize) -> String {
    let h = v["inputs"]["set_cookie_headers"][i].as_str().unwrap();
    h.split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

#[test]
fn unprotect_reads_base64url_standard_base64_and_percent_encoded_values() {
    let v = vector("dp-default-cbc-hmacsha256-SharedCookieApp-Sessions-0");
    let dir = ring(&v);
    let d = dir.to_str().unwrap();
    let url = s(&v, &["inputs", "value"]);
    let bytes = machinekey::crypto::encoding::from_base64url(url).unwrap();
    let standard = machinekey::crypto::encoding::to_base64(&bytes);
    let sent = standard
        .trim_end_matches('=')
        .replace('+', "%2B")
        .replace('/', "%2F");
    for form in [url, standard.as_str(), sent.as_str()] {
        let o = run(&[
            "dataprotection",
            "unprotect",
            "--key-ring",
            d,
            "--app-name",
            "SharedCookieApp",
            "--purpose",
            "Sessions",
            form,
        ]);
        assert!(o.status.success(), "{form}: {}", stderr(&o));
        assert!(
            stdout(&o).contains("# UTF-8: session token"),
            "{}",
            stdout(&o)
        );
    }
    // The session cookie exactly as a Kestrel app sent it.
    let v = vector("webapp-session");
    let dir = ring(&v);
    let value = header_value(&v, 0);
    assert!(value.contains("%2B"));
    let o = run(&[
        "dataprotection",
        "unprotect",
        "--key-ring",
        dir.to_str().unwrap(),
        "--app-name",
        "WebApp",
        "--purpose",
        "SessionMiddleware",
        &value,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["decoded"]["kind"], "session");
    assert_eq!(
        j["decoded"]["session_key"],
        v["expected"]["opened"][0]["plaintext_utf8"]
    );
}

#[test]
fn time_limited_payloads_show_their_expiry_and_an_expired_one_is_refused() {
    let v = vector("dp-time-limited-live");
    let dir = ring(&v);
    let o = run(&[
        "dataprotection",
        "unprotect",
        "--key-ring",
        dir.to_str().unwrap(),
        "--app-name",
        "SharedCookieApp",
        "--purpose",
        "PasswordlessLogin",
        "--time-limited",
        "--json",
        s(&v, &["inputs", "value"]),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["expires"], "2031-01-02T03:04:05Z");
    assert_eq!(j["expired"], false);
    assert_eq!(
        hex::decode(j["inner_hex"].as_str().unwrap()).unwrap(),
        b"magic link for alice"
    );
    // Blazor's component descriptor expired minutes after the page was made.
    let v = vector("blazor-counter");
    let dir = ring(&v);
    let d = dir.to_str().unwrap();
    let descriptor = v["expected"]["opened"][0]["value"].as_str().unwrap();
    let base = [
        "dataprotection",
        "unprotect",
        "--key-ring",
        d,
        "--app-name",
        "BlazorApp",
        "--purpose",
        "Microsoft.AspNetCore.Components.ComponentDescriptorSerializer,V1",
        "--time-limited",
    ];
    let o = run(&[&base[..], &[descriptor]].concat());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("expired at 2026-12-06T03:11:03.7262752Z"),
        "{}",
        stderr(&o)
    );
    let o = run(&[&base[..], &["--ignore-expiry", descriptor]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("(EXPIRED)"));
    assert!(stdout(&o).contains("blazorvec.Components.Counter"));
}

#[test]
fn ticket_decode_shows_every_claim_field_from_the_set_cookie_lines() {
    let v = vector("core-ticket-typed-claims");
    let dir = ring(&v);
    let lines: Vec<&str> = v["inputs"]["set_cookie_headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    let file = dir.join("set-cookie.txt");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let arg = format!("@{}", file.display());
    let o = run(&[
        "ticket",
        "decode",
        "--key-ring",
        dir.to_str().unwrap(),
        "--app-name",
        "SharedCookieApp",
        &arg,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for want in [
        "Core ticket, scheme Cookies",
        "name claim type name, role claim type role",
        "age = 42 [value type http://www.w3.org/2001/XMLSchema#integer32]",
        "verified = true [value type http://www.w3.org/2001/XMLSchema#boolean] [issuer https://issuer.example, original issuer https://original.example]",
        "tenant = contoso [issuer https://issuer.example]",
        "property source = directory",
        ".issued = Tue, 01 Dec 2026 10:00:00 GMT",
        ".redirect = /after-login",
    ] {
        assert!(text.contains(want), "{want}\n{text}");
    }
    // The items in their serialized order.
    let issued = text.find(".issued").unwrap();
    assert!(issued < text.find(".expires").unwrap());
    assert!(text.find("custom").unwrap() < text.find(".redirect").unwrap());
    // JSON carries the whole ticket.
    let o = run(&[
        "ticket",
        "decode",
        "--key-ring",
        dir.to_str().unwrap(),
        "--app-name",
        "SharedCookieApp",
        "--json",
        s(&v, &["inputs", "cookie"]),
    ]);
    let j: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let claims = &j["ticket"]["identities"][0]["claims"];
    assert_eq!(claims[2]["original_issuer"], "https://original.example");
    assert_eq!(claims[3]["properties"][0][0], "source");
}

#[test]
fn consumer_values_decode_into_their_fields() {
    // Antiforgery: the request token (the response body) and the cookie token.
    let v = vector("webapp-antiforgery");
    let dir = ring(&v);
    let d = dir.to_str().unwrap();
    let o = run(&[
        "audit",
        "--key-ring",
        d,
        "--app-name",
        "WebApp",
        s(&v, &["inputs", "body"]),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("consumer: antiforgery token"), "{text}");
    assert!(text.contains("antiforgery request token"));
    assert!(text.contains("security token: B74FDB1B4430585734FF6410B36DF7E3"));
    assert!(text.contains("user: anonymous"));
    let o = run(&[
        "audit",
        "--key-ring",
        d,
        "--app-name",
        "WebApp",
        &header_value(&v, 0),
        "--json",
    ]);
    let j: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["opened"]["kind"], "antiforgery");
    assert_eq!(j["opened"]["token"], "cookie");
    // TempData.
    let v = vector("webapp-tempdata");
    let dir = ring(&v);
    let o = run(&[
        "audit",
        "--key-ring",
        dir.to_str().unwrap(),
        "--app-name",
        "WebApp",
        &header_value(&v, 0),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Message = \"profile saved\""),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("Count = 3"));
    // An Identity token from its link.
    let v = vector("identity-token-reset-password");
    let dir = ring(&v);
    let o = run(&[
        "dataprotection",
        "unprotect",
        "--key-ring",
        dir.to_str().unwrap(),
        "--app-name",
        "IdentityApp",
        "--purpose",
        "DataProtectorTokenProvider",
        "--json",
        s(&v, &["inputs", "token_in_link"]),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["decoded"]["user_id"], s(&v, &["expected", "user_id"]));
    assert_eq!(j["decoded"]["purpose"], "ResetPassword");
    assert_eq!(
        j["decoded"]["security_stamp"],
        s(&v, &["expected", "security_stamp"])
    );
    assert!(
        j["decoded"]["created"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-06T")
    );
    // An OpenID Connect nonce cookie: the protected nonce is in its name.
    let ring_value = machinekey::dataprotection::KeyRing::load(&dir).unwrap();
    let mut chain = vec!["IdentityApp".to_owned()];
    chain.extend(machinekey::dataprotection::consumers::oidc_nonce(
        "OpenIdConnect",
    ));
    let nonce = ring_value
        .protector(&chain)
        .unwrap()
        .at(machinekey::time::OffsetDateTime::from_unix_timestamp(1_796_580_000).unwrap())
        .protect_text("638690000000000000.abc")
        .unwrap();
    let cookie = format!(".AspNetCore.OpenIdConnect.Nonce.{nonce}=N; path=/signin-oidc");
    let o = run(&[
        "audit",
        "--key-ring",
        dir.to_str().unwrap(),
        "--app-name",
        "IdentityApp",
        &cookie,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("OpenID Connect nonce: 638690000000000000.abc"),
        "{}",
        stdout(&o)
    );
}

fn certificate_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/certificate_ring")
}

#[test]
fn certificate_opens_a_ring_encrypted_at_rest() {
    let dir = certificate_dir();
    let meta: Value = serde_json::from_str(include_str!(
        "../../tests/data/certificate_ring/vector.json"
    ))
    .unwrap();
    let d = dir.to_str().unwrap();
    let value = meta["value"].as_str().unwrap();
    let base = [
        "dataprotection",
        "unprotect",
        "--key-ring",
        d,
        "--app-name",
        "CertApp",
        "--purpose",
        "Certificates",
    ];
    let o = run(&[&base[..], &[value]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(meta["thumbprint"].as_str().unwrap()),
        "{}",
        stderr(&o)
    );
    let pfx = dir.join("test.pfx");
    let pfx = pfx.to_str().unwrap();
    let o = run(&[
        &base[..],
        &[
            "--certificate",
            pfx,
            "--certificate-password",
            "test-password",
            value,
        ],
    ]
    .concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("# UTF-8: protected by a certificate"));
    let o = run(&[
        &base[..],
        &[
            "--certificate",
            pfx,
            "--certificate-password",
            "wrong",
            value,
        ],
    ]
    .concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--certificate"), "{}", stderr(&o));
    // The keys listing shows the key usable once the certificate is given.
    let o = run(&[
        "dataprotection",
        "keys",
        "--key-ring",
        d,
        "--certificate",
        pfx,
        "--certificate-password",
        "test-password",
        "--json",
    ]);
    let j: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["keys"][0]["usable"], true);
}
