//! The `machinekey` binary: each command on vector inputs, `--json` output parsed, exit codes
//! for valid, invalid and misused calls, and encode-then-decode round trips for every
//! algorithm pair in both stacks; ViewState trees (`decode --tree`, `inspect`) and the gadget
//! fields of `audit` and `carve`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const VK: &str = "F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B";
const DK: &str = "B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_machinekey"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap().trim().to_owned()
}

fn json(args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(&all)).unwrap()
}

fn code(args: &[&str]) -> (i32, String) {
    let o = run(args);
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).trim().to_owned(),
    )
}

fn keys(validation: &str) -> Vec<&str> {
    vec![
        "--validation-key",
        VK,
        "--decryption-key",
        DK,
        "--validation",
        validation,
    ]
}

#[test]
fn generate_and_config() {
    let xml = ok(&[
        "generate",
        "--validation",
        "HMACSHA512",
        "--decryption",
        "AES",
    ]);
    assert!(
        xml.starts_with("<machineKey validationKey=\"")
            && xml.contains("validation=\"HMACSHA512\"")
    );
    let j = json(&["generate"]);
    assert!(j["machineKey"].as_str().unwrap().contains("HMACSHA256"));
    assert_eq!(code(&["generate", "--validation", "hmacsha256"]).0, 2);

    let dir = std::env::temp_dir().join(format!("machinekey-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let leaked = dir.join("leaked.config");
    std::fs::write(&leaked, format!(r#"<configuration><system.web><machineKey validationKey="{VK}" decryptionKey="{DK}" validation="SHA1" decryption="AES"/></system.web></configuration>"#)).unwrap();
    let j = json(&["config", leaked.to_str().unwrap()]);
    assert_eq!(j["mode"], "Framework20SP1");
    let lints = j["lints"].as_array().unwrap();
    assert!(lints.iter().any(|w| w["code"] == "known_key"
        && w["severity"] == "warning"
        && w["message"].as_str().unwrap().contains("publicly known")));
    // --strict turns a warning into exit 1, for CI jobs.
    assert_eq!(code(&["config", leaked.to_str().unwrap()]).0, 0);
    assert_eq!(code(&["config", "--strict", leaked.to_str().unwrap()]).0, 1);
    let auto = dir.join("auto.config");
    std::fs::write(&auto, "<configuration/>").unwrap();
    let j = json(&["config", auto.to_str().unwrap()]);
    assert_eq!(j["lints"][0]["code"], "auto_generate_key");
    assert!(
        j["lints"][0]["message"]
            .as_str()
            .unwrap()
            .contains("AutoGenerate")
    );
    assert_eq!(code(&["config", "--strict", auto.to_str().unwrap()]).0, 1);
    let clean = dir.join("clean.config");
    let fresh = json(&["generate"]);
    std::fs::write(
        &clean,
        format!(
            "<configuration><system.web>{}</system.web></configuration>",
            fresh["machineKey"].as_str().unwrap()
        ),
    )
    .unwrap();
    assert_eq!(code(&["config", "--strict", clean.to_str().unwrap()]).0, 0);
    assert_eq!(
        code(&["config", dir.join("missing").to_str().unwrap()]).0,
        2
    );
    std::fs::write(
        &auto,
        "<configuration><system.web><machineKey validation=\"sha1\"/></system.web></configuration>",
    )
    .unwrap();
    let (c, reason) = code(&["config", auto.to_str().unwrap()]);
    assert_eq!(c, 2);
    assert!(reason.contains("validation") && !reason.contains('\n'));
}

#[test]
fn viewstate_commands() {
    assert_eq!(
        ok(&[
            "viewstate",
            "generator",
            "--path",
            "/mac/vsk/test/default.aspx",
            "--app-path",
            "/mac/vsk"
        ]),
        "2037ECEB"
    );
    // Blacklist3r #22: the generator gives the application path back.
    assert_eq!(
        ok(&[
            "viewstate",
            "app-path",
            "--path",
            "/OTPGeneration/frmOTPGeneration.aspx",
            "--generator",
            "ECA7C9A2"
        ]),
        "/OTPGeneration"
    );
    assert_eq!(
        code(&[
            "viewstate",
            "app-path",
            "--path",
            "/a/b.aspx",
            "--generator",
            "00000000"
        ])
        .0,
        1
    );
    let mut a = keys("SHA1");
    a.extend(["--path", "/query.aspx"]);
    let decode = [
        &["viewstate", "decode"][..],
        &a,
        &["/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w=="],
    ]
    .concat();
    assert_eq!(ok(&decode), "FF010F0F05093831313031393736396464");
    let mut wrong = keys("SHA1");
    wrong.extend(["--generator", "AAAAAAAA"]);
    let (c, reason) = code(
        &[
            &["viewstate", "decode"][..],
            &wrong,
            &["/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w=="],
        ]
        .concat(),
    );
    assert_eq!(
        (c, reason.as_str()),
        (1, "machinekey: unable to validate data")
    );
    assert_eq!(
        code(&["viewstate", "decode", "--validation-key", VK, "x"]).0,
        2,
        "missing decryption key"
    );
    // Framework45, from the URL.
    let fx45 = [&["--json", "viewstate", "decode"][..], &keys("HMACSHA256"), &["--mode", "framework45", "--path", "http://172.16.25.128/form.aspx", "008e+LWomJ5U8KyJHzT4yvCC9JKWEISWWF1jK8/j5MFlX9ybF/OnmDCCqGGMDv5555lMFcRLM3bmkIS9c9tQL3BYOtAskLFayVHhmkSi4vc="]].concat();
    let j: Value = serde_json::from_str(&ok(&fx45)).unwrap();
    assert_eq!(j["payload_hex"], "FF010F0F05093733383734353636346464");
}

#[test]
fn viewstate_round_trips_for_every_pair_and_both_stacks() {
    let validations = [
        "MD5",
        "SHA1",
        "3DES",
        "AES",
        "HMACSHA256",
        "HMACSHA384",
        "HMACSHA512",
    ];
    for mode in ["framework20sp2", "framework45"] {
        for v in validations {
            for d in ["Auto", "AES", "3DES", "DES"] {
                let generated = json(&["generate", "--validation", v, "--decryption", d]);
                let xml = generated["machineKey"].as_str().unwrap().to_owned();
                let attr = |name: &str| {
                    xml.split(&format!("{name}=\""))
                        .nth(1)
                        .unwrap()
                        .split('"')
                        .next()
                        .unwrap()
                        .to_owned()
                };
                let (vk, dk) = (attr("validationKey"), attr("decryptionKey"));
                let base = [
                    "--validation-key",
                    vk.as_str(),
                    "--decryption-key",
                    dk.as_str(),
                    "--validation",
                    v,
                    "--decryption",
                    d,
                    "--mode",
                    mode,
                    "--path",
                    "/Shop/cart.aspx",
                    "--app-path",
                    "/Shop",
                    "--user-key",
                    "u1",
                ];
                let encode = [
                    &["viewstate", "encode"][..],
                    &base,
                    &["--encrypt", "--payload-hex", "FF0164"],
                ]
                .concat();
                let o = run(&encode);
                if mode == "framework45" && matches!(v, "MD5" | "3DES" | "AES") {
                    assert_eq!(o.status.code(), Some(2), "{v} is refused in Framework45");
                    continue;
                }
                assert!(
                    o.status.success(),
                    "{mode} {v} {d}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                let field = String::from_utf8(o.stdout).unwrap().trim().to_owned();
                assert_eq!(
                    ok(&[&["viewstate", "decode"][..], &base, &[field.as_str()]].concat()),
                    "FF0164",
                    "{mode} {v} {d}"
                );
            }
        }
    }
}

#[test]
fn tickets_resources_protect_encode() {
    let lacc = [
        "--validation-key",
        "58703273357638792F423F4528472B4B6250655368566D597133743677397A24432646294A404D635166546A576E5A7234753778214125442A472D4B61506452",
        "--decryption-key",
        "66556A586E3272357538782F413F442A472D4B6150645367566B597033733676",
        "--validation",
        "HMACSHA512",
        "--decryption",
        "AES",
        "--mode",
        "framework45",
    ];
    let cookie = "4155EDCD81DB4687336A024F636B54ADB352E25E6D8D89E393C407A041DE0F8DFCA382DF1B1135B89AE0C580CCCFEBBB497C609ECA0B1BDDB5875E166A5C230A547FDBF7B4BDCA6A67A55E4AFA8F24B2399EAA55B4C31C00E36239E897B78FA234BF3DAFCCDB85CCA205A21569A7F4A23A7D0A2AD7780C3B55720574E72461675B30453CB214576453BF9D27DD6F2DA78BF74183728B5196D6772BA6031366CBC38A289B171251E7AEC8132B00F39E80D37E4331D97EDFE825840954C7D1FC274C68617C1D1A4B5973E4B977905E38EDE616EEC7AE22C0C2393BEDF95126063A";
    let j = json(&[&["ticket", "decrypt"][..], &lacc, &[cookie]].concat());
    assert_eq!(j["name"], "test@example.com");
    let issued = machinekey::time::OffsetDateTime::parse(
        j["issue_date"].as_str().unwrap(),
        &machinekey::time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(
        machinekey::clock::to_dotnet_ticks(issued),
        636_971_592_103_633_638
    );
    assert_eq!(j["expired"], true);
    assert_eq!(
        code(
            &[
                &["ticket", "decrypt", "--require-valid"][..],
                &lacc,
                &[cookie]
            ]
            .concat()
        )
        .0,
        1,
        "an expired ticket fails when it must be valid"
    );
    let issued =
        json(&[&["ticket", "encrypt"][..], &lacc, &["--name", "alice"]].concat())["cookie"]
            .as_str()
            .unwrap()
            .to_owned();
    assert_eq!(
        json(&[&["ticket", "decrypt"][..], &lacc, &[issued.as_str()]].concat())["name"],
        "alice"
    );
    assert_eq!(
        code(&[&["ticket", "decrypt"][..], &lacc, &["00"]].concat()).0,
        1
    );

    let res = [
        "--validation-key",
        "0074D9E5776602E629B362073918A43AD0D631800111D0453DB3416D3827C95B81F575B388A6B425E39AC49BCDC2DC8A57AD2207DC726E78544525A83AB4FE08",
        "--decryption-key",
        "245EDC5AAF1F32D0087178F7409370AF0A2C1FDDE1240212C73604E0DE509029",
        "--validation",
        "SHA1",
        "--decryption",
        "AES",
    ];
    let token = "csxgANq6A8wDXhKZYWeOxTn12X5UGyMiDbr-_rZsj1_Cg6UVSJFYesWU78zHhAVtCyLGHu3-2T_yBK-Qpp1SMtNG6Iw1";
    assert_eq!(
        ok(&[&["resource", "decrypt"][..], &res, &[token]].concat()),
        "s|WebForms.js"
    );
    assert_eq!(
        ok(&[&["resource", "encrypt"][..], &res, &["s|WebForms.js"]].concat()),
        token
    );

    let owin = [
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
    let input = "195A989biBjM_NAqqiie5DnHKfcwrNGDuT-Suumqmw6oVyLSsjCFx9Emhf034TDjcuC9mfwNbi6yD-1QlbhcUAgdTOwY0o0sNbg7bJrNyUEf6ZoyYh2QAZHhmxteN_cMQJI7C1WOBEl0ocihUVhKghdxegwRURcYx2h1uMbijX3jsEf59L8Uco_PpfFLN--RtcLTKUvtZd0fH5Sgc1JQmsvTBr7IJ4Ua01I8uyEPYNXZGYvssSzJ8YN6MXioky3WBXv9NGNxDpgTpIPWGetgZ0iOSaTmqPr6sPu4ndesUV4SKsBroIP6Y38rr8LwFCZBKDK5dli4kKwmy9xeM02qshCoLf8ppeOiK2aMLfb9jqkraoss2BflD3hpDdrYHVGH7ryTWQh4HABYDC7OOMgdld3WJ1CUfJ9pmr0qnVFD4Gc";
    assert!(ok(&[&["unprotect"][..], &owin, &[input]].concat()).starts_with("1F8B08"));
    let protected = ok(&[&["protect"][..], &owin, &["--data-hex", "C0FFEE"]].concat());
    assert_eq!(
        ok(&[&["unprotect"][..], &owin, &[protected.as_str()]].concat()),
        "C0FFEE"
    );

    for p in ["all", "encryption", "validation"] {
        let text = ok(&[
            &["encode"][..],
            &keys("SHA1"),
            &["--protection", p, "--data-hex", "0102"],
        ]
        .concat());
        assert_eq!(
            ok(&[
                &["decode"][..],
                &keys("SHA1"),
                &["--protection", p, text.as_str()]
            ]
            .concat()),
            "0102"
        );
    }
    assert_eq!(
        code(&[&["decode"][..], &keys("SHA1"), &["AB!C"]].concat()).0,
        2,
        "text in no known form is a usage error"
    );
}

#[test]
fn audit_and_simulate() {
    let j = json(&[
        "audit",
        "--generator",
        "EDD8C9AE",
        "QhNlfAmxL3x1eiDHXDyjc8Nv7IsFX/OsUgF2hrtevccYC3a56XmssuVxjhHAYqgBNSOMlN1IztaNEGRMl56UOofadCc=",
    ]);
    assert_eq!(j["mode"], "legacy_encrypted");
    assert_eq!(j["origin"]["source"], "built-in");
    assert_eq!(
        j["fingerprints"]["validation_key"].as_str().unwrap().len(),
        8
    );
    assert!(j.get("key").is_none(), "keys only with --show-keys");
    assert!(!j.to_string().contains(VK));
    assert_eq!(j["decryption"], "AES");
    let (c, reason) = code(&[
        "audit",
        "--generator",
        "AAAAAAAA",
        "Ad5AwfMUcwXM5rJFA9dtrSgoT3ezfxneYLjsXW7pB/TjlgNbzsx3dY/P+FlXTZReIA==",
    ]);
    assert_eq!(c, 1, "{reason}");
    let j = json(&[
        "audit",
        "--show-keys",
        "--resource",
        "csxgANq6A8wDXhKZYWeOxTn12X5UGyMiDbr-_rZsj1_Cg6UVSJFYesWU78zHhAVtCyLGHu3-2T_yBK-Qpp1SMtNG6Iw1",
    ]);
    assert!(
        j["key"]["validation_key"]
            .as_str()
            .unwrap()
            .starts_with("0074D9E5")
    );
    assert_eq!(code(&["audit", "not base64!"]).0, 2);
    // Legacy protects __EVENTVALIDATION as page state: the same blob is found that way too.
    let j = json(&[
        "audit",
        "--event-validation",
        "--generator",
        "EDD8C9AE",
        "QhNlfAmxL3x1eiDHXDyjc8Nv7IsFX/OsUgF2hrtevccYC3a56XmssuVxjhHAYqgBNSOMlN1IztaNEGRMl56UOofadCc=",
    ]);
    assert_eq!(j["mode"], "legacy_encrypted");
    assert_eq!(
        code(&["audit", "--event-validation", "--cookie", "00"]).0,
        2,
        "one kind of blob"
    );
    // A private key found through an extra list file.
    let dir = std::env::temp_dir().join(format!("machinekey-cli-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join("keys.txt");
    std::fs::write(&list, "58703273357638792F423F4528472B4B6250655368566D597133743677397A24432646294A404D635166546A576E5A7234753778214125442A472D4B61506452,66556A586E3272357538782F413F442A472D4B6150645367566B597033733676\n").unwrap();
    let cookie = "4155EDCD81DB4687336A024F636B54ADB352E25E6D8D89E393C407A041DE0F8DFCA382DF1B1135B89AE0C580CCCFEBBB497C609ECA0B1BDDB5875E166A5C230A547FDBF7B4BDCA6A67A55E4AFA8F24B2399EAA55B4C31C00E36239E897B78FA234BF3DAFCCDB85CCA205A21569A7F4A23A7D0A2AD7780C3B55720574E72461675B30453CB214576453BF9D27DD6F2DA78BF74183728B5196D6772BA6031366CBC38A289B171251E7AEC8132B00F39E80D37E4331D97EDFE825840954C7D1FC274C68617C1D1A4B5973E4B977905E38EDE616EEC7AE22C0C2393BEDF95126063A";
    assert_eq!(code(&["audit", "--cookie", cookie]).0, 1);
    let j = json(&[
        "audit",
        "--keys",
        list.to_str().unwrap(),
        "--cookie",
        cookie,
    ]);
    assert_eq!(j["mode"], "framework45");

    let j = json(&[
        "simulate",
        "web-garden",
        "--requests",
        "300",
        "--era",
        "2.0",
    ]);
    let after = &j[0]["reports"][1];
    assert_eq!(after["scenario"], "after the installer");
    let session = after["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "session")
        .unwrap();
    assert!(session["failures"].as_u64().unwrap() > 100);
}

// ---- viewstate decode --tree, viewstate inspect, and the gadget fields of audit and carve,
// on the real vectors: a Blacklist3r README ViewState (Framework45) and the ysoserial.net
// payloads of tests/data/viewstate_gadgets.json.

fn vectors(file: &str) -> Vec<Value> {
    let path = format!(
        "{}/tests/data/{file}",
        concat!(env!("CARGO_MANIFEST_DIR"), "/..")
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

fn vector(file: &str, id: &str) -> Value {
    vectors(file).into_iter().find(|v| v["id"] == id).unwrap()
}

fn bl3r_args(v: &Value) -> Vec<String> {
    [
        "viewstate",
        "decode",
        "--mode",
        "framework45",
        "--validation",
        v["validation"].as_str().unwrap(),
        "--decryption",
        v["decryption"].as_str().unwrap(),
        "--validation-key",
        v["validationKey"].as_str().unwrap(),
        "--decryption-key",
        v["decryptionKey"].as_str().unwrap(),
        "--path",
        "/Content/default.aspx",
        "--tree",
    ]
    .map(str::to_owned)
    .to_vec()
}

#[test]
fn decode_tree_shows_a_real_framework45_page() {
    let v = vector("viewstate_net45.json", "bl3r-readme-decrypt-45-SHA1-AES192");
    let mut args = bl3r_args(&v);
    args.push(v["viewstate_b64"].as_str().unwrap().to_owned());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = ok(&refs);
    assert!(
        text.starts_with("MAC verified\npage state (HiddenFieldPageStatePersister)\n"),
        "{text}"
    );
    assert!(text.contains("page type hash: -921640512"), "{text}");
    assert!(
        text.contains("Text: String \"File Uploaded Sucessfully !! 4237mb\""),
        "{text}"
    );
    assert!(!text.contains("WARNING"), "{text}");
    let out = json(&refs);
    assert_eq!(out["verdict"], "MAC verified");
    assert_eq!(out["tree"]["type"], "Pair");
    assert_eq!(out["tree"]["value"][0]["value"][0]["value"], "-921640512");
    assert_eq!(
        out["payload_hex"].as_str().unwrap().to_lowercase(),
        v["expected"]["plaintext_hex"].as_str().unwrap()
    );
    assert_eq!(out["gadgets"], Value::Array(vec![]));

    // Bit-flip negative: the same field with one bit changed is refused, with no tree.
    let mut bytes =
        machinekey::crypto::encoding::from_base64(v["viewstate_b64"].as_str().unwrap()).unwrap();
    bytes[10] ^= 0x01;
    let flipped = machinekey::crypto::encoding::to_base64(&bytes);
    let mut args = bl3r_args(&v);
    args.push(flipped);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&refs);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("unable to validate data"));
    assert!(o.stdout.is_empty());
}

#[test]
fn inspect_flags_the_ysoserial_viewstates_without_keys() {
    for (id, mac) in [
        ("ysoserial-readme-dotnetnuke-typeconfusedelegate", "no MAC"),
        (
            "viewstate-decoder-typeconfusedelegate-hmacsha256",
            "the length of an HMACSHA256 MAC",
        ),
    ] {
        let v = vector("viewstate_gadgets.json", id);
        let field = v["value_b64"].as_str().unwrap();
        let text = ok(&["viewstate", "inspect", field]);
        assert!(text.contains(mac), "{id}: {text}");
        assert!(
            text.contains("!! gadget: TypeConfuseDelegate"),
            "{id}: {text}"
        );
        assert!(
            text.contains(
                "WARNING: this state carries deserialization gadget types (TypeConfuseDelegate"
            ),
            "{text}"
        );
        let out = json(&["viewstate", "inspect", field]);
        assert_eq!(out["tree"]["type"], "BinarySerialized");
        assert!(
            out["gadgets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["gadget"] == "TypeConfuseDelegate")
        );
    }
    // An encrypted field is not readable without keys: a clear refusal, exit 1.
    let v = vector("viewstate_net45.json", "bl3r-readme-decrypt-45-SHA1-AES192");
    let o = run(&["viewstate", "inspect", v["viewstate_b64"].as_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not an ObjectStateFormatter graph"));
}

/// The DotNetNuke ysoserial payload signed as a legacy ViewState with the README's leaked key.
fn signed_gadget_viewstate() -> String {
    let v = vector(
        "viewstate_gadgets.json",
        "ysoserial-readme-dotnetnuke-typeconfusedelegate",
    );
    let payload =
        machinekey::crypto::encoding::from_base64(v["value_b64"].as_str().unwrap()).unwrap();
    let hex = machinekey::crypto::encoding::to_upper_hex(&payload);
    ok(&[
        "viewstate",
        "encode",
        "--validation-key",
        VK,
        "--decryption-key",
        DK,
        "--validation",
        "SHA1",
        "--mode",
        "framework20sp2",
        "--generator",
        "EDD8C9AE",
        "--payload-hex",
        &hex,
    ])
    .trim()
    .to_owned()
}

#[test]
fn audit_reports_the_gadgets_of_the_payload_it_verified() {
    let field = signed_gadget_viewstate();
    let out = json(&["audit", "--generator", "EDD8C9AE", &field]);
    assert_eq!(out["validation"], "SHA1");
    let gadgets: Vec<&str> = out["gadgets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["gadget"].as_str().unwrap())
        .collect();
    assert!(gadgets.contains(&"TypeConfuseDelegate"), "{gadgets:?}");
    let text = ok(&["audit", "--generator", "EDD8C9AE", &field]);
    assert!(
        text.contains("WARNING: this state carries deserialization gadget types"),
        "{text}"
    );
}

#[test]
fn carve_and_batch_report_gadgets() {
    let signed = signed_gadget_viewstate();
    let dir = std::env::temp_dir().join(format!("machinekey-cli-tree-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("page.html");
    std::fs::write(
        &page,
        format!(
            r#"<form method="post" action="./default.aspx">
<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{signed}" />
<input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" value="EDD8C9AE" />
</form>"#
        ),
    )
    .unwrap();
    let lines = ok(&["carve", page.to_str().unwrap()]);
    let item: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(
        item["gadgets"][0]["gadget"], "TypeConfuseDelegate",
        "{item}"
    );

    // carve | audit --batch -: the carved line (gadgets field and all) is accepted, and the
    // result reports the gadgets of the payload the known key verified.
    let mut child = Command::new(env!("CARGO_BIN_EXE_machinekey"))
        .args(["audit", "--batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let result: Value =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(result["found"], true, "{result}");
    assert!(
        result["gadgets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["gadget"] == "TypeConfuseDelegate"),
        "{result}"
    );

    // A page without gadgets carries no gadgets field.
    std::fs::write(
        &page,
        r#"<input type="hidden" name="__VIEWSTATE" value="/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==" />"#,
    )
    .unwrap();
    let item: Value = serde_json::from_str(
        ok(&["carve", page.to_str().unwrap()])
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert!(item.get("gadgets").is_none(), "{item}");
    std::fs::remove_dir_all(&dir).ok();
}

// ---- ticket decode: OWIN and Core cookies.

#[test]
fn ticket_decode_opens_owin_and_core_cookies() {
    use machinekey::dataprotection::KeyRing;
    use machinekey::formats::auth_cookie::{AuthCookie, LoginCookie};
    use machinekey::formats::auth_ticket::{Claim, ClaimsIdentity};
    let v = vectors("machinekey_protect.json")
        .into_iter()
        .find(|v| v["id"] == "bl3r-readme-owin-cookie-HMACSHA512-AES192")
        .unwrap();
    let owin_keys = [
        "--validation",
        "HMACSHA512",
        "--decryption",
        "AES",
        "--validation-key",
        v["validationKey"].as_str().unwrap(),
        "--decryption-key",
        v["decryptionKey"].as_str().unwrap(),
    ];
    // The README's cookie verifies, but its ticket was edited by hand: the diagnosis says so.
    let mut args = vec!["ticket", "decode"];
    args.extend(owin_keys);
    args.push(v["input"].as_str().unwrap());
    let o = run(&args);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("verified under the purposes Microsoft.Owin.Security.Cookies.CookieAuthenticationMiddleware / ApplicationCookie / v1"), "{err}");
    assert!(err.contains("does not parse"), "{err}");

    // audit --owin-cookie finds the README's keys in the built-in list.
    let out = json(&[
        "audit",
        "--owin-cookie",
        "ApplicationCookie",
        v["input"].as_str().unwrap(),
    ]);
    assert_eq!(out["validation"], "HMACSHA512");
    assert_eq!(
        out["payload_hex"].as_str().unwrap().to_lowercase(),
        v["expected"]["plaintext_hex"].as_str().unwrap()
    );
    let o = run(&[
        "audit",
        "--owin-cookie",
        "Cookies",
        v["input"].as_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "another authentication type is another purpose"
    );

    // A cookie issued under the same keys opens, with its claims.
    let cfg = machinekey::MachineKeyConfig::builder()
        .validation_key(v["validationKey"].as_str().unwrap())
        .decryption_key(v["decryptionKey"].as_str().unwrap())
        .validation(machinekey::config::ValidationAlgorithm::HmacSha512)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .build()
        .unwrap();
    let keys = machinekey::AppKeys::explicit(&cfg).unwrap();
    let owin = AuthCookie::owin(&keys, "ApplicationCookie").unwrap();
    let now = machinekey::time::OffsetDateTime::now_utc();
    let mut id = ClaimsIdentity::new("ApplicationCookie");
    id.claims.push(Claim::name("sanjay@example.com"));
    id.claims.push(Claim::role("admin"));
    let value = owin
        .protect(&owin.sign_in(vec![id.clone()], false, now))
        .unwrap();
    let mut args = vec!["ticket", "decode"];
    args.extend(owin_keys);
    args.push(&value);
    let text = ok(&args);
    assert!(
        text.starts_with("OWIN ticket, scheme ApplicationCookie"),
        "{text}"
    );
    assert!(
        text.contains("name = sanjay@example.com") && text.contains("role = admin"),
        "{text}"
    );
    let out = json(&args);
    assert_eq!(out["kind"], "owin");
    assert_eq!(out["name"], "sanjay@example.com");

    // A chunked Core cookie, given as the browser sends it, with the key ring's directory.
    let dir = std::env::temp_dir().join(format!("machinekey-cli-ring-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut ring = KeyRing::new();
    let id_of_key = ring
        .generate_key(
            now - machinekey::time::Duration::days(1),
            &machinekey::random::OsRandom,
        )
        .unwrap();
    let key = ring.key(id_of_key).unwrap();
    std::fs::write(dir.join(format!("key-{id_of_key}.xml")), key.to_xml()).unwrap();
    let core = AuthCookie::core(&ring, "Identity.Application", Some("MyApp")).unwrap();
    id.authentication_type = "Identity.Application".into();
    id.claims.push(Claim::new("big", &"b".repeat(5000)));
    let set = core
        .issue(&core.sign_in(vec![id], true, now), &core.template())
        .unwrap();
    let header: Vec<String> = set
        .iter()
        .map(|c| format!("{}={}", c.name, c.value))
        .collect();
    let header = header.join("; ");
    assert!(header.contains("chunks-"));
    let ring_dir = dir.to_str().unwrap();
    let out = json(&[
        "ticket",
        "decode",
        "--key-ring",
        ring_dir,
        "--app-name",
        "MyApp",
        &header,
    ]);
    assert_eq!(out["kind"], "core");
    assert_eq!(out["scheme"], "Identity.Application");
    assert_eq!(out["persistent"], true);
    assert_eq!(out["purposes"][0], "MyApp");
    // Without the application's discriminator: refused.
    let o = run(&["ticket", "decode", "--key-ring", ring_dir, &header]);
    assert_eq!(o.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn carve_reads_warc_gz_from_standard_input_with_error_lines() {
    use std::io::Write as _;
    let page = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<input type=\"hidden\" name=\"__VIEWSTATE\" value=\"/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==\" /><input type=\"hidden\" name=\"__VIEWSTATEGENERATOR\" value=\"EDD8C9AE\" />";
    let record = format!(
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://host/a.aspx\r\nContent-Length: {}\r\n\r\n{page}\r\n\r\n",
        page.len()
    );
    let warc = format!("{record}garbage line\r\n{record}");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(warc.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_machinekey"))
        .args(["carve", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&gz).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "no progress bar when standard error is not a terminal"
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0]["url"], "https://host/a.aspx");
    assert_eq!(lines[0]["generator"], "EDD8C9AE");
    assert_eq!(lines[1]["error"]["code"], "warc_record");
    assert!(lines[1]["error"]["offset"].as_u64().unwrap() > 0);
    assert_eq!(lines[2]["viewstate"], lines[0]["viewstate"]);
}
