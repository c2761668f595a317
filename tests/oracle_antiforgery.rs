//! The antiforgery cookie's name against real ASP.NET Core: `dotnet-oracle`'s
//! `antiforgery.tokens` names the cookie `AddAntiforgery()` hands a browser for an application
//! name; `consumers::antiforgery_cookie_name` must give the same for random names (ASCII,
//! Unicode, paths, empty). The oracle is found through `MACHINEKEY_DOTNET_ORACLE`, else
//! `../shared/tools/dotnet-oracle/bin/dotnet-oracle`; without it the test says so and passes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation
)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use machinekey::dataprotection::consumers::{antiforgery_cookie_name, content_root_discriminator};

fn oracle() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MACHINEKEY_DOTNET_ORACLE") {
        return Some(PathBuf::from(p));
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/tools/dotnet-oracle/bin/dotnet-oracle");
    p.exists().then_some(p)
}

#[test]
fn antiforgery_cookie_names_match_real_aspnetcore() {
    let Some(bin) = oracle() else {
        println!(
            "dotnet-oracle not found (MACHINEKEY_DOTNET_ORACLE): antiforgery cookie names not checked against .NET"
        );
        return;
    };
    let ring = std::env::temp_dir().join(format!("mk-af-ring-{}", std::process::id()));
    std::fs::create_dir_all(&ring).unwrap();
    let mut child = Command::new(bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut ask = |req: serde_json::Value| -> serde_json::Value {
        writeln!(stdin, "{req}").unwrap();
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap()
    };
    let made = ask(serde_json::json!({"op": "dp.new_key", "ring": ring}));
    assert_eq!(made["ok"], true, "{made}");
    // Names: the scenarios', content roots as 7.0+ forms them, and random ones.
    let mut names: Vec<String> = [
        "Shop",
        "Shop2",
        "",
        " ",
        "/app/",
        "/app",
        "C:\\inetpub\\shop\\",
        "é ünïcode ✓",
        "SharedCookieApp",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    names.push(content_root_discriminator("/srv/www/shop"));
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let alphabet: Vec<char> = "abcXYZ09/\\:._- éü✓中".chars().collect();
    while names.len() < 220 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 24) as usize;
        let name: String = (0..len)
            .map(|i| alphabet[((state >> (i % 50)) as usize + i * 7) % alphabet.len()])
            .collect();
        names.push(name);
    }
    for name in &names {
        let answer =
            ask(serde_json::json!({"op": "antiforgery.tokens", "ring": ring, "app_name": name}));
        assert_eq!(answer["ok"], true, "{name:?}: {answer}");
        assert_eq!(
            answer["cookie_name"].as_str().unwrap(),
            antiforgery_cookie_name(name),
            "{name:?}"
        );
    }
    drop(stdin);
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&ring);
}
