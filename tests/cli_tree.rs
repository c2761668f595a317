//! `machinekey viewstate decode --tree`, `viewstate inspect`, and the gadget fields of
//! `audit` and `carve`, on the real vectors: a Blacklist3r README ViewState (Framework45)
//! and the ysoserial.net payloads of `tests/data/viewstate_gadgets.json`.

#![cfg(feature = "cli")]
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
    String::from_utf8(o.stdout).unwrap()
}

fn json(args: &[&str]) -> Value {
    let all: Vec<&str> = ["--json"].into_iter().chain(args.iter().copied()).collect();
    serde_json::from_str(&ok(&all)).unwrap()
}

fn vectors(file: &str) -> Vec<Value> {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
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
