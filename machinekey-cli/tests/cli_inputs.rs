//! The CLI takes values as users hold them: every text form (hex, Base64, Base64url,
//! UrlToken, percent-encoded), from standard input (`-`) or a file (`@FILE`), in every
//! command that takes a protected value. Also: JSON errors, a closed pipe, the encrypt-side
//! limits, key lists with unreadable lines, and the same exit code for empty input
//! everywhere.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use base64::Engine as _;
use machinekey::crypto::encoding::{
    from_base64, from_hex, to_base64, url_token_decode, url_token_encode,
};
use serde_json::Value;

const VK: &str = "F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B";
const DK: &str = "B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_machinekey"))
}

fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("machinekey-cli-inputs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Every form a user may hold `bytes` in, named.
fn forms(bytes: &[u8]) -> Vec<(&'static str, String)> {
    let b64 = to_base64(bytes);
    let percent = b64
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    vec![
        ("hex", hex::encode_upper(bytes)),
        ("lower-case hex", hex::encode(bytes)),
        ("Base64", b64.clone()),
        (
            "Base64url",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        ),
        (
            "padded Base64url",
            base64::engine::general_purpose::URL_SAFE.encode(bytes),
        ),
        ("UrlToken", url_token_encode(bytes)),
        ("percent-encoded Base64", percent),
        (
            "percent-encoded UrlToken",
            url_token_encode(bytes).replace('-', "%2D"),
        ),
        (
            "Base64 over lines",
            format!("{}\n{}", &b64[..10], &b64[10..]),
        ),
    ]
}

/// Runs `args ++ [value]` with `value` in every form, plus `-` and `@FILE`; each must print
/// `expected` (a substring of standard output).
fn accepts_every_form(label: &str, args: &[&str], bytes: &[u8], expected: &str) {
    let check = |form: &str, o: &Output| {
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && stdout.contains(expected),
            "{label} from {form}: exit {:?}, stdout {stdout}, stderr {}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        );
    };
    for (form, text) in forms(bytes) {
        let o = bin().args(args).arg(&text).output().unwrap();
        check(form, &o);
    }
    let o = run_with_stdin(&[args, &["-"]].concat(), &format!("{}\n", to_base64(bytes)));
    check("standard input", &o);
    let file = tmp(&format!("{}.txt", label.replace(' ', "-")));
    std::fs::write(&file, url_token_encode(bytes)).unwrap();
    let at = format!("@{}", file.display());
    let o = bin().args(args).arg(&at).output().unwrap();
    check("@FILE", &o);
}

const LACC_VK: &str = "58703273357638792F423F4528472B4B6250655368566D597133743677397A24432646294A404D635166546A576E5A7234753778214125442A472D4B61506452";
const LACC_DK: &str = "66556A586E3272357538782F413F442A472D4B6150645367566B597033733676";
const LACC_COOKIE: &str = "4155EDCD81DB4687336A024F636B54ADB352E25E6D8D89E393C407A041DE0F8DFCA382DF1B1135B89AE0C580CCCFEBBB497C609ECA0B1BDDB5875E166A5C230A547FDBF7B4BDCA6A67A55E4AFA8F24B2399EAA55B4C31C00E36239E897B78FA234BF3DAFCCDB85CCA205A21569A7F4A23A7D0A2AD7780C3B55720574E72461675B30453CB214576453BF9D27DD6F2DA78BF74183728B5196D6772BA6031366CBC38A289B171251E7AEC8132B00F39E80D37E4331D97EDFE825840954C7D1FC274C68617C1D1A4B5973E4B977905E38EDE616EEC7AE22C0C2393BEDF95126063A";

fn lacc() -> Vec<&'static str> {
    vec![
        "--validation-key",
        LACC_VK,
        "--decryption-key",
        LACC_DK,
        "--validation",
        "HMACSHA512",
        "--decryption",
        "AES",
        "--mode",
        "framework45",
    ]
}

#[test]
fn viewstate_decode_takes_every_form() {
    let bytes = from_base64("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==").unwrap();
    let args = [
        "viewstate",
        "decode",
        "--validation-key",
        VK,
        "--decryption-key",
        DK,
        "--validation",
        "SHA1",
        "--path",
        "http://172.16.25.128/query.aspx",
    ];
    accepts_every_form(
        "viewstate decode",
        &args,
        &bytes,
        "FF010F0F05093831313031393736396464",
    );
}

#[test]
fn viewstate_decode_takes_directory_and_extensionless_urls() {
    // A Framework45 ViewState made for /shop/default.aspx, decoded from the directory URL
    // and (extensionless /shop/cart) from either page it can stand for.
    let keys = [
        "--validation-key",
        VK,
        "--decryption-key",
        DK,
        "--validation",
        "HMACSHA256",
        "--mode",
        "framework45",
        "--app-path",
        "/shop",
    ];
    for (page, url) in [
        ("/shop/default.aspx", "https://host/shop/"),
        ("/shop/cart/default.aspx", "https://host/shop/cart"),
        ("/shop/cart.aspx", "https://host/shop/cart?x=1"),
    ] {
        let field = String::from_utf8(
            bin()
                .args(
                    [
                        &["viewstate", "encode"][..],
                        &keys,
                        &["--path", page, "--payload-hex", "FF0164"],
                    ]
                    .concat(),
                )
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        let o = bin()
            .args(
                [
                    &["viewstate", "decode"][..],
                    &keys,
                    &["--path", url, field.trim()],
                ]
                .concat(),
            )
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(o.stdout).unwrap().trim(),
            "FF0164",
            "{page} from {url}"
        );
    }
}

#[test]
fn eventvalidation_decode_uses_its_own_purpose() {
    let keys = [
        "--validation-key",
        VK,
        "--decryption-key",
        DK,
        "--validation",
        "HMACSHA256",
        "--mode",
        "framework45",
        "--path",
        "/a/b.aspx",
        "--app-path",
        "/a",
    ];
    let field = String::from_utf8(
        bin()
            .args(
                [
                    &["eventvalidation", "encode"][..],
                    &keys,
                    &["--payload-hex", "FF0164"],
                ]
                .concat(),
            )
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let field = field.trim();
    accepts_every_form(
        "eventvalidation decode",
        &[&["eventvalidation", "decode"][..], &keys].concat(),
        &from_base64(field).unwrap(),
        "FF0164",
    );
    let as_viewstate = bin()
        .args([&["viewstate", "decode"][..], &keys, &[field]].concat())
        .output()
        .unwrap();
    assert_eq!(as_viewstate.status.code(), Some(1), "a different purpose");
}

#[test]
fn ticket_decrypt_takes_every_form() {
    let bytes = from_hex(LACC_COOKIE).unwrap();
    accepts_every_form(
        "ticket decrypt",
        &[&["ticket", "decrypt"][..], &lacc()].concat(),
        &bytes,
        "test@example.com",
    );
}

#[test]
fn resource_decrypt_takes_every_form() {
    let token = "csxgANq6A8wDXhKZYWeOxTn12X5UGyMiDbr-_rZsj1_Cg6UVSJFYesWU78zHhAVtCyLGHu3-2T_yBK-Qpp1SMtNG6Iw1";
    let args = [
        "resource",
        "decrypt",
        "--validation-key",
        "0074D9E5776602E629B362073918A43AD0D631800111D0453DB3416D3827C95B81F575B388A6B425E39AC49BCDC2DC8A57AD2207DC726E78544525A83AB4FE08",
        "--decryption-key",
        "245EDC5AAF1F32D0087178F7409370AF0A2C1FDDE1240212C73604E0DE509029",
        "--validation",
        "SHA1",
        "--decryption",
        "AES",
    ];
    accepts_every_form(
        "resource decrypt",
        &args,
        &url_token_decode(token).unwrap(),
        "s|WebForms.js",
    );
}

#[test]
fn unprotect_takes_every_form() {
    let input = "195A989biBjM_NAqqiie5DnHKfcwrNGDuT-Suumqmw6oVyLSsjCFx9Emhf034TDjcuC9mfwNbi6yD-1QlbhcUAgdTOwY0o0sNbg7bJrNyUEf6ZoyYh2QAZHhmxteN_cMQJI7C1WOBEl0ocihUVhKghdxegwRURcYx2h1uMbijX3jsEf59L8Uco_PpfFLN--RtcLTKUvtZd0fH5Sgc1JQmsvTBr7IJ4Ua01I8uyEPYNXZGYvssSzJ8YN6MXioky3WBXv9NGNxDpgTpIPWGetgZ0iOSaTmqPr6sPu4ndesUV4SKsBroIP6Y38rr8LwFCZBKDK5dli4kKwmy9xeM02qshCoLf8ppeOiK2aMLfb9jqkraoss2BflD3hpDdrYHVGH7ryTWQh4HABYDC7OOMgdld3WJ1CUfJ9pmr0qnVFD4Gc";
    let args = [
        "unprotect",
        "--validation-key",
        "A0FF8AAEEF61C0F962B18DA75FC2FCB2113255870C45C3C695FF2F98652A665DEE2F57A7CA4236F17423EC0D7B6CE0F8BE25323D0FF4BA7DBB3113451709A781",
        "--decryption-key",
        "5C66D9C8F48669CF12EA7E69EBEB2C2C2775F37DAFA3AF49",
        "--validation",
        "HMACSHA512",
        "--decryption",
        "AES",
        "--purpose",
        "Microsoft.Owin.Security.Cookies.CookieAuthenticationMiddleware",
        "--purpose",
        "ApplicationCookie",
        "--purpose",
        "v1",
    ];
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(input)
        .unwrap();
    accepts_every_form("unprotect", &args, &bytes, "1F8B08");
}

#[test]
fn audit_takes_every_form() {
    let bytes = from_base64("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==").unwrap();
    accepts_every_form(
        "audit",
        &["audit", "--generator", "EDD8C9AE"],
        &bytes,
        "listed at built-in:",
    );
    // A cookie, as hex and as UrlToken, found through a list file.
    let list = tmp("lacc.txt");
    std::fs::write(&list, format!("{LACC_VK},{LACC_DK}\n")).unwrap();
    let list = list.to_str().unwrap().to_owned();
    accepts_every_form(
        "audit cookie",
        &["audit", "--keys", &list, "--cookie"],
        &from_hex(LACC_COOKIE).unwrap(),
        &format!("listed at {list}:1"),
    );
}

#[test]
fn json_errors_and_exit_codes() {
    let parse = |o: &Output| -> Value { serde_json::from_slice(&o.stdout).unwrap() };
    let o = bin()
        .args(["--json", "audit", "not base64!"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(parse(&o)["error"]["code"], "malformed_input");
    let o = bin()
        .args([
            "--json",
            "viewstate",
            "decode",
            "--validation-key",
            VK,
            "--decryption-key",
            DK,
            "--generator",
            "AAAAAAAA",
            "/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let e = parse(&o);
    assert_eq!(
        (e["error"]["code"].as_str(), e["error"]["message"].as_str()),
        (Some("unprotect"), Some("unable to validate data"))
    );
    let o = bin()
        .args(["--json", "ticket", "frobnicate"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(parse(&o)["error"]["code"], "usage");
    let o = bin()
        .args(["--json", "config", "/nonexistent/web.config"])
        .output()
        .unwrap();
    assert_eq!(
        (o.status.code(), parse(&o)["error"]["code"].as_str()),
        (Some(2), Some("io"))
    );
    let o = bin()
        .args(["--json", "simulate", "web-garden", "--workers", "0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        parse(&o)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at least one worker")
    );
}

/// Empty input is the same usage error (exit 2) in every command that takes a value.
#[test]
fn empty_input_is_exit_2_everywhere() {
    let keys = ["--validation-key", VK, "--decryption-key", DK];
    let commands: Vec<Vec<&str>> = vec![
        vec!["audit"],
        [
            &["viewstate", "decode"][..],
            &keys,
            &["--generator", "EDD8C9AE"],
        ]
        .concat(),
        [
            &["eventvalidation", "decode"][..],
            &keys,
            &["--generator", "EDD8C9AE"],
        ]
        .concat(),
        [&["ticket", "decrypt"][..], &keys].concat(),
        [&["resource", "decrypt"][..], &keys].concat(),
        [&["unprotect"][..], &keys].concat(),
        [&["decode"][..], &keys].concat(),
    ];
    for args in commands {
        for empty in ["", "   ", "-"] {
            let o = run_with_stdin(&[&args[..], &[empty]].concat(), "");
            assert_eq!(
                o.status.code(),
                Some(2),
                "{args:?} {empty:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(
                String::from_utf8_lossy(&o.stderr).contains("empty"),
                "{args:?}"
            );
        }
    }
}

/// Reading a few bytes and closing the pipe ends the program quietly, never in a panic.
#[test]
fn closed_pipe_is_quiet() {
    for args in [vec!["--help"], vec!["generate"]] {
        let mut child = bin()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 5];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert!(o.status.code().is_some(), "{args:?} killed by a signal");
        assert!(
            !String::from_utf8_lossy(&o.stderr).contains("panicked"),
            "{args:?}"
        );
    }
    // An output far larger than the pipe buffer: 1 MiB of data printed as 2 MiB of hex.
    let file = tmp("big.bin");
    std::fs::write(&file, vec![0x5A; 1 << 20]).unwrap();
    let keys = ["--validation-key", VK, "--decryption-key", DK];
    let protected = bin()
        .args(
            [
                &["protect"][..],
                &keys,
                &["--payload-file", file.to_str().unwrap()],
            ]
            .concat(),
        )
        .output()
        .unwrap();
    assert!(protected.status.success());
    let value = tmp("big.txt");
    std::fs::write(&value, &protected.stdout).unwrap();
    let at = format!("@{}", value.display());
    let mut child = bin()
        .args([&["unprotect"][..], &keys, &[at.as_str()]].concat())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 5];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    assert_eq!(&first, b"5A5A5");
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert!(o.status.code().is_some());
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `ticket encrypt` refuses what ASP.NET could not read back, and says which limit.
#[test]
fn ticket_encrypt_limits() {
    let o = bin()
        .args(
            [
                &["ticket", "encrypt"][..],
                &lacc(),
                &["--name", "alice", "--user-data", &"x".repeat(3000)],
            ]
            .concat(),
        )
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("4096"), "{err}");
    let o = bin()
        .args(
            [
                &["ticket", "encrypt"][..],
                &lacc(),
                &["--name", "alice", "--minutes", "9000000000"],
            ]
            .concat(),
        )
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("DateTime"));
    // A fresh ticket renews only when asked to or once half its life is gone.
    let j: Value = serde_json::from_slice(
        &bin()
            .args(
                [
                    &["--json", "ticket", "encrypt"][..],
                    &lacc(),
                    &["--name", "bob"],
                ]
                .concat(),
            )
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let cookie = j["cookie"].as_str().unwrap();
    assert_eq!(j["expired"], false);
    let renew = |extra: &[&str]| {
        bin()
            .args([&["ticket", "renew"][..], &lacc(), extra, &[cookie]].concat())
            .output()
            .unwrap()
    };
    assert_eq!(renew(&["--if-old"]).status.code(), Some(1));
    assert!(renew(&[]).status.success());
}

/// A key list whose lines are not key pairs is reported, not silently ignored.
#[test]
fn key_list_lines_are_reported() {
    let mixed = tmp("mixed.txt");
    std::fs::write(
        &mixed,
        format!("# keys\n{LACC_VK},{LACC_DK}\nthis is not a key\n"),
    )
    .unwrap();
    let o = bin()
        .args([
            "audit",
            "--keys",
            mixed.to_str().unwrap(),
            "--cookie",
            LACC_COOKIE,
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("skipped 1 line") && err.contains("line 3"),
        "{err}"
    );
    let junk = tmp("junk.html");
    std::fs::write(&junk, "<html>\n<body>nothing</body>\n").unwrap();
    let o = bin()
        .args([
            "audit",
            "--keys",
            junk.to_str().unwrap(),
            "--cookie",
            LACC_COOKIE,
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("line: 1"));
}

/// `config` and `--web-config` take the configuration levels: the effective settings come
/// with the origin of each (FILE:LINE), in text and JSON.
#[test]
fn config_levels_and_origins() {
    let root = tmp("root.web.config");
    std::fs::write(&root, format!("<configuration>\n  <location path=\"Default Web Site/App\">\n    <system.web>\n      <machineKey validationKey=\"{VK}\" decryptionKey=\"{DK}\" validation=\"SHA1\" decryption=\"AES\" />\n    </system.web>\n  </location>\n</configuration>\n")).unwrap();
    let site = tmp("site.web.config");
    std::fs::write(&site, "<configuration>\n  <system.web>\n    <httpRuntime targetFramework=\"4.0\" />\n  </system.web>\n</configuration>\n").unwrap();
    let app = tmp("app.web.config");
    std::fs::write(&app, "<configuration>\n  <system.web>\n    <pages viewStateEncryptionMode=\"Never\" />\n  </system.web>\n</configuration>\n").unwrap();
    let (root, site, app) = (
        root.to_str().unwrap(),
        site.to_str().unwrap(),
        app.to_str().unwrap(),
    );
    let args = [
        "config",
        "--root-web-config",
        root,
        "--site-web-config",
        site,
        "--app-path",
        "/App",
        app,
    ];
    let o = bin().args(args).output().unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "validationKey: explicit  ({root}:4 (root web.config))"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("httpRuntime targetFramework  ({site}:3 (site))")),
        "{text}"
    );
    assert!(text.contains("publicly known"), "{text}");
    let o = bin().arg("--json").args(args).output().unwrap();
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["origins"]["machineKey validationKey"]["file"], root);
    assert_eq!(j["origins"]["machineKey validationKey"]["line"], 4);
    assert_eq!(
        j["origins"]["machineKey validationKey"]["level"],
        "root_web_config"
    );
    assert_eq!(j["origins"]["pages viewStateEncryptionMode"]["file"], app);
    assert_eq!(j["pages"]["view_state_encryption_mode"], "Never");
    assert_eq!(j["mode"], "Framework20SP1");
    let known = j["lints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["code"] == "known_key")
        .unwrap();
    assert_eq!(known["origin"]["line"], 4);
    // Another application of the site does not get the key.
    let o = bin()
        .args([
            "--json",
            "config",
            "--root-web-config",
            root,
            "--site-web-config",
            site,
            "--app-path",
            "/Other",
            app,
        ])
        .output()
        .unwrap();
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["validation_key"]["source"], "auto_generate");
    // The crypto commands take the same levels.
    let o = bin()
        .args([
            "viewstate",
            "decode",
            "--web-config",
            app,
            "--root-web-config",
            root,
            "--app-path",
            "/App",
            "--generator",
            "EDD8C9AE",
            "/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(o.stdout).unwrap().trim(),
        "FF010F0F05093831313031393736396464",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A lock overridden: exit 2 naming both files.
    let locked = tmp("locked.root.config");
    std::fs::write(&locked, format!("<configuration>\n<location allowOverride=\"false\">\n<system.web>\n<machineKey validationKey=\"{VK}\" decryptionKey=\"{DK}\" />\n</system.web>\n</location>\n</configuration>\n")).unwrap();
    let own = tmp("own.app.config");
    std::fs::write(&own, "<configuration>\n<system.web>\n<machineKey validation=\"SHA1\" />\n</system.web>\n</configuration>\n").unwrap();
    let o = bin()
        .args([
            "config",
            "--root-web-config",
            locked.to_str().unwrap(),
            "--app-path",
            "/App",
            own.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("{}:4", locked.display()))
            && err.contains(&format!("{}:3", own.display())),
        "{err}"
    );
    // The single-file form still works, and --strict fails on the farm key overridden.
    let farm = tmp("farm.root.config");
    std::fs::write(&farm, "<configuration><system.web><machineKey validationKey=\"00112233445566778899AABBCCDDEEFF0011223344556677\" decryptionKey=\"00112233445566778899AABBCCDDEEFF\" /></system.web></configuration>").unwrap();
    let mine = tmp("mine.app.config");
    std::fs::write(&mine, "<configuration><system.web><machineKey validationKey=\"FFEEDDCCBBAA99887766554433221100FFEEDDCCBBAA9988\" decryptionKey=\"FFEEDDCCBBAA99887766554433221100\" /></system.web></configuration>").unwrap();
    assert_eq!(
        bin()
            .args(["config", "--strict", mine.to_str().unwrap()])
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
    let o = bin()
        .args([
            "config",
            "--strict",
            "--root-web-config",
            farm.to_str().unwrap(),
            "--app-path",
            "/App",
            mine.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("machine-wide"));
}

/// Every file the CLI reads has a limit: an endless input (`/dev/zero`) stops there, quickly,
/// with an error naming the limit, and exit 2.
#[test]
fn inputs_are_bounded() {
    for args in [
        vec!["config", "/dev/zero"],
        vec!["audit", "--keys", "/dev/zero", "AAAA"],
        vec!["audit", "--batch", "/dev/zero"],
        vec!["carve", "/dev/zero"],
        vec!["simulate", "--scenario", "/dev/zero"],
        vec![
            "unprotect",
            "--validation-key",
            VK,
            "--decryption-key",
            DK,
            "@/dev/zero",
        ],
        vec![
            "viewstate",
            "decode",
            "--web-config",
            "/dev/zero",
            "--generator",
            "EDD8C9AE",
            "AAAA",
        ],
    ] {
        let started = std::time::Instant::now();
        let o = bin().args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("limit"), "{args:?}: {err}");
        assert!(
            started.elapsed().as_secs() < 10,
            "{args:?} took {:?}",
            started.elapsed()
        );
    }
}

/// `compare`: the matrix in text and JSON; exit 0 when every pair reads every kind, 1
/// otherwise, 2 for bad input; nodes with an application path and a `.reg` export.
#[test]
fn compare_nodes() {
    let vk = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";
    let write = |name: &str, body: &str| {
        let path = tmp(name);
        std::fs::write(
            &path,
            format!("<configuration>\n<system.web>\n{body}\n</system.web>\n</configuration>\n"),
        )
        .unwrap();
        path.to_str().unwrap().to_owned()
    };
    let keys = format!(
        "<machineKey validationKey=\"{vk}\" decryptionKey=\"0123456789ABCDEF0123456789ABCDEF\" />"
    );
    let a = write("cmp-a.config", &keys);
    let b = write("cmp-b.config", &keys);
    let o = bin().args(["compare", &a, &b]).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let c = write("cmp-c.config", &keys.replace("0011", "FF11"));
    let o = bin()
        .args(["--json", "compare", &a, &format!("{c},name=web2")])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j.as_array().unwrap().len(), 2, "both directions");
    assert_eq!(j[0]["to"], "web2");
    let forms = j[0]["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["kind"] == "forms_ticket")
        .unwrap();
    assert_eq!(forms["outcome"], "refused");
    let reason = &forms["reasons"][0];
    assert_eq!(reason["code"], "keys_differ");
    assert_eq!(reason["attribute"], "validationKey");
    // The origin is data: the file and line that set the first node's key.
    assert_eq!(reason["from"]["origin"]["file"], a.as_str());
    assert_eq!(reason["from"]["origin"]["line"], 3);
    assert_eq!(reason["from"]["value"]["kind"], "explicit");
    assert!(
        !o.stdout.windows(vk.len()).any(|w| w == vk.as_bytes()),
        "fingerprints only"
    );
    // AutoGenerate,IsolateApps with one .reg: /A and /B differ, /A twice agree.
    let auto = write("cmp-auto.config", "<machineKey />");
    let reg = tmp("cmp.reg");
    let material =
        machinekey::AutoGenKeys::generate(&machinekey::sim::SeededRandom::new(3)).unwrap();
    std::fs::write(
        &reg,
        machinekey::keys::write_reg_export(
            "HKEY_CURRENT_USER\\Software\\Microsoft\\ASP.NET\\4.0.30319.0",
            &material,
            None,
        ),
    )
    .unwrap();
    let reg = reg.to_str().unwrap();
    let o = bin()
        .args([
            "compare",
            &format!("{auto},app=/A,reg={reg}"),
            &format!("{auto},app=/B,reg={reg}"),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("IsolateApps makes the keys depend on the application path")
    );
    let o = bin()
        .args([
            "compare",
            &format!("{auto},app=/A,reg={reg}"),
            &format!("{auto},app=/A,reg={reg},name=other"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // Without material: each process has its own keys.
    let o = bin().args(["compare", &auto, &auto]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("makes up its own keys"));
    // Bad input.
    assert_eq!(
        bin().args(["compare", &a]).output().unwrap().status.code(),
        Some(2)
    );
    assert_eq!(
        bin()
            .args(["compare", &a, &format!("{b},colour=blue")])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        bin()
            .args(["compare", &a, "/nonexistent/web.config"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
}

/// `simulate --scenario FILE`: the per-step table with reasons, the report in JSON, and a
/// malformed file refused with its line and column; `simulate web-garden` prints the
/// README's table with both fixes and the reasons.
#[test]
fn simulate_scenarios_and_web_garden() {
    let file = format!(
        "{}/examples/scenarios/isolate-apps.toml",
        concat!(env!("CARGO_MANIFEST_DIR"), "/..")
    );
    let o = bin()
        .args(["simulate", "--scenario", &file])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("reads none of the other's state"));
    let o = bin()
        .args(["--json", "simulate", "--scenario", &file])
        .output()
        .unwrap();
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        j["steps"][0]["cross_application"].as_array().unwrap().len(),
        2
    );
    let bad = tmp("bad.toml");
    std::fs::write(&bad, "seed = 1\n[[applications]]\npath = 3\n").unwrap();
    let o = bin()
        .args(["simulate", "--scenario", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("line 3, column"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = bin()
        .args([
            "simulate",
            "web-garden",
            "--requests",
            "300",
            "--era",
            "4.8",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    for row in [
        "before the installer",
        "after the installer",
        "fix 1: explicit <machineKey>",
        "fix 2: aspnet_regiis -ga + recycle",
        "4.x after the installer:",
    ] {
        assert!(text.contains(row), "{row} in {text}");
    }
    assert_eq!(
        bin()
            .args(["simulate", "web-garden", "--workers", "0"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
}

/// Base64url and UrlToken values can start with `-` (a first byte of 0xF8 to 0xFB): they are
/// values, not options.
#[test]
fn values_may_start_with_a_hyphen() {
    let token = url_token_encode(&[0xF8, 0x01, 0x02, 0x03, 0x04, 0x05]);
    assert!(token.starts_with('-'), "{token}");
    for args in [
        vec!["audit", token.as_str()],
        vec![
            "unprotect",
            "--validation-key",
            VK,
            "--decryption-key",
            DK,
            token.as_str(),
        ],
        vec![
            "ticket",
            "decrypt",
            "--validation-key",
            VK,
            "--decryption-key",
            DK,
            token.as_str(),
        ],
    ] {
        let o = bin().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("unexpected argument"), "{args:?}: {err}");
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    }
}
