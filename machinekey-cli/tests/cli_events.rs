//! `machinekey events` on the responder's and the operator's logs (made by the library's
//! `tests/events.rs` builders as ASP.NET lays out its events, kept in tests/data/eventlog).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::{Command, Stdio};

use serde_json::Value;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/eventlog");

fn run(args: &[&str]) -> (String, String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_machinekey"))
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code(),
    )
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("machinekey-events-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn responder_names_key_gadget_and_executable() {
    for mode in ["framework45", "framework20sp1"] {
        let log = format!("{DATA}/responder-1316-{mode}.xml");
        let dir = tmp(mode);
        let (out, err, code) = run(&["events", &log, "--extract", dir.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{err}");
        assert!(
            out.contains("verified with the key pair at built-in:"),
            "{out}"
        );
        assert!(out.contains("TypeConfuseDelegate"), "{out}");
        assert!(
            out.contains("Windows executable (PE32 i386 DLL)") && out.contains("768 bytes"),
            "{out}"
        );
        assert!(out.contains("[attack]"), "{out}");
        let files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1);
        let bytes = std::fs::read(&files[0]).unwrap();
        assert!(bytes.starts_with(b"MZ") && bytes.len() == 768);
        // Nothing written without --extract; without the key it says so and still counts.
        let empty = tmp(&format!("{mode}-nokeys"));
        let list = empty.join("keys.txt");
        std::fs::write(
            &list,
            "00112233445566778899AABBCCDDEEFF00112233,00112233445566778899AABBCCDDEEFF\n",
        )
        .unwrap();
        let (out, _, _) = run(&["events", &log, "--json"]);
        let first: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
        assert_eq!(first["id"]["opened"]["verified"], true);
        assert!(first["viewstate"].as_str().unwrap().len() > 100);
        for k in &machinekey::audit::KeyList::builtin().pairs()[..20] {
            assert!(
                !out.contains(&k.validation_key) && !out.contains(&k.decryption_key),
                "no key text in the JSON"
            );
        }
    }
}

#[test]
fn operator_gets_the_web_garden_and_a_chart() {
    let log = format!("{DATA}/web-garden.xml");
    let dir = tmp("garden");
    let svg = dir.join("garden.svg");
    let (out, err, code) = run(&["events", &log, "--plot", svg.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("[web_garden]"), "{out}");
    assert!(out.contains("fix: Put an explicit <machineKey"), "{out}");
    assert!(out.contains("aspnet_regiis -ga"), "{out}");
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.contains("WEB01/4012 w3wp.exe") && chart.contains("installer start"));
}

/// `machinekey events --json | machinekey audit --batch -`: every line is taken.
#[test]
fn json_lines_feed_audit_batch() {
    use std::io::Write as _;
    let log = format!("{DATA}/responder-1316-framework45.xml");
    let (json, _, code) = run(&["events", &log, &format!("{DATA}/web-garden.xml"), "--json"]);
    assert_eq!(code, Some(0));
    let lines = json.lines().count();
    assert_eq!(lines, 1 + 50 + 1, "one line per event, and the report");
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
        .write_all(json.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let results: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(results.len(), lines);
    assert!(
        results.iter().all(|r| r.get("error").is_none()),
        "{results:?}"
    );
    assert_eq!(results[0]["found"], true);
    assert_eq!(results[0]["id"]["kind"], "viewstate_failure");
}

#[test]
fn bad_inputs() {
    let dir = tmp("bad");
    let evtx = dir.join("cut.evtx");
    let src = std::fs::read(format!("{DATA}/nifi-win7-application-logs.evtx")).unwrap();
    std::fs::write(&evtx, &src[..1000]).unwrap();
    let (_, err, code) = run(&["events", evtx.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a readable .evtx file"), "{err}");
    let (_, err, code) = run(&["events", "/nonexistent/x.evtx"]);
    assert_eq!(code, Some(2), "{err}");
    let junk = dir.join("junk.xml");
    std::fs::write(&junk, "<Event><System></Event><<<").unwrap();
    let (out, _, code) = run(&["events", junk.to_str().unwrap()]);
    assert_eq!(code, Some(0));
    assert!(out.contains("records skipped"), "{out}");
}
