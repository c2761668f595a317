//! `machinekey audit` and `carve` on ASP.NET Core values under publicly leaked Data
//! Protection keys, as a user runs them: single values (the shared file's and the held-out
//! ones, names given with `--app-name` and `--app-names FILE`), `carve | audit --batch -` on
//! the held-out pages and the real Blazor page, `--keys` with a list of one's own and with a
//! key-ring directory, and `--show-keys`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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

fn data(name: &str) -> Value {
    let path = format!("{}/../tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("machinekey-cli-pk-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `machinekey carve FILE | machinekey audit --batch - ARGS...`: the result lines.
fn carve_then_audit(file: &Path, args: &[&str]) -> Vec<Value> {
    let carved = run(&["carve", s(file)]);
    assert!(carved.status.success(), "{}", stderr(&carved));
    let mut audit = Command::new(env!("CARGO_BIN_EXE_machinekey"))
        .args(["audit", "--batch", "-"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    audit
        .stdin
        .take()
        .unwrap()
        .write_all(&carved.stdout)
        .unwrap();
    let out = audit.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn single_values_name_key_discriminator_and_consumer() {
    let dir = temp("single");
    let names = dir.join("names.txt");
    for v in data("aspnetcore_known_key_values.json").as_array().unwrap() {
        let value = v["inputs"]["value"].as_str().unwrap();
        let e = &v["expected"];
        let o = run(&["audit", value]);
        assert!(o.status.success(), "{}", stderr(&o));
        let text = stdout(&o);
        assert!(text.contains(e["key_id"].as_str().unwrap()), "{text}");
        assert!(
            text.contains(&format!(
                "discriminator: {}",
                e["discriminator"].as_str().unwrap()
            )),
            "{text}"
        );
        assert!(text.contains("impact: "), "{text}");
    }
    let set = data("aspnetcore_known_key_heldout.json");
    for v in set["values"].as_array().unwrap() {
        let id = v["id"].as_str().unwrap();
        let value = v["value"].as_str().unwrap();
        let e = &v["expected"];
        let given: Vec<&str> = v["app_names_given"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        // Names from a file for one value, on the command line for the others.
        let mut args = vec!["--json", "audit"];
        if id.contains("names-file") {
            std::fs::write(&names, format!("# names\n{}\n", given.join("\n"))).unwrap();
            args.extend(["--app-names", s(&names)]);
        } else {
            for n in &given {
                args.extend(["--app-name", n]);
            }
        }
        args.push(value);
        let o = run(&args);
        assert!(o.status.success(), "{id}: {}", stderr(&o));
        let j: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(j["result"], "opened", "{id}");
        assert_eq!(j["key"]["key_id"], e["key_id"], "{id}");
        assert_eq!(j["discriminator"], e["discriminator"], "{id}");
        assert!(!j["key"]["sources"].as_array().unwrap().is_empty(), "{id}");
        assert!(!j.to_string().contains("master_key_base64"), "{id}");
        if !given.is_empty() {
            // Without the name: the key is named, and what to give.
            let o = run(&["audit", value]);
            assert_eq!(o.status.code(), Some(1), "{id}");
            let err = stderr(&o);
            assert!(
                err.contains(e["key_id"].as_str().unwrap()) && err.contains("--app-name"),
                "{id}: {err}"
            );
        }
    }
    for n in set["negatives"].as_array().unwrap() {
        let o = run(&["audit", n["value"].as_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains(n["expected"]["key_id"].as_str().unwrap()));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn held_out_pages_through_carve_and_batch() {
    let dir = temp("pages");
    let set = data("aspnetcore_known_key_heldout.json");
    for page in set["pages"].as_array().unwrap() {
        let id = page["id"].as_str().unwrap();
        let file = dir.join(format!("{id}.{}", page["kind"].as_str().unwrap()));
        std::fs::write(&file, page["content"].as_str().unwrap()).unwrap();
        let names: Vec<String> = page
            .get("app_names_given")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .flat_map(|n| ["--app-name".to_owned(), n.as_str().unwrap().to_owned()])
                    .collect()
            })
            .unwrap_or_default();
        let args: Vec<&str> = names.iter().map(String::as_str).collect();
        let results = carve_then_audit(&file, &args);
        let expected = page["expected"].as_array().unwrap();
        let opened: Vec<&Value> = results
            .iter()
            .filter(|r| r["data_protection"]["result"] == "opened")
            .collect();
        assert_eq!(opened.len(), expected.len(), "{id}: {results:#?}");
        for e in expected {
            assert!(
                opened.iter().any(|r| {
                    let dp = &r["data_protection"];
                    r["found"] == true
                        && dp["key"]["key_id"] == e["key_id"]
                        && dp["discriminator"] == e["discriminator"]
                }),
                "{id}: {e}"
            );
            if let Some(t) = e.get("type_name") {
                assert!(
                    opened
                        .iter()
                        .any(|r| r["data_protection"]["opened"]["type_name"] == *t),
                    "{id}: the component"
                );
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn real_blazor_page_opens_with_its_ring_and_shows_keys_when_asked() {
    let dir = temp("blazor");
    let v = &data("aspnetcore_blazor_page.json")[0];
    let ring = dir.join("ring");
    std::fs::create_dir_all(&ring).unwrap();
    for (name, xml) in v["inputs"]["ring"].as_object().unwrap() {
        std::fs::write(ring.join(name), xml.as_str().unwrap()).unwrap();
    }
    let page = dir.join("counter.html");
    std::fs::write(&page, v["inputs"]["html"].as_str().unwrap()).unwrap();
    let results = carve_then_audit(&page, &["--key-ring", s(&ring), "--app-name", "BlazorApp"]);
    assert_eq!(results.len(), 2, "{results:#?}");
    assert!(results.iter().all(|r| r["found"] == true), "{results:#?}");
    // One value as text: the component, its expiry, the persisted state.
    let descriptor = &v["expected"]["opened"][0]["value"];
    let state = &v["expected"]["opened"][1]["value"];
    let o = run(&[
        "audit",
        "--key-ring",
        s(&ring),
        "--app-name",
        "BlazorApp",
        descriptor.as_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for line in [
        "component: blazorvec.Components.Counter (assembly blazorvec)",
        "descriptor expires: 2026-12-06T03:11:03.7262752Z",
        "parameters: none",
        "discriminator: BlazorApp",
    ] {
        assert!(text.contains(line), "{line}: {text}");
    }
    let o = run(&[
        "audit",
        "--keys",
        s(&ring),
        "--app-name",
        "BlazorApp",
        state.as_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("persisted component state (4 values)"),
        "{text}"
    );
    assert!(text.contains("count = 41"), "{text}");
    assert!(
        text.contains("secret-note = \"persisted by the server\""),
        "{text}"
    );
    assert!(!text.contains("master key:"));
    // --show-keys prints the master key that verified.
    let master = v["inputs"]["ring"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .as_str()
        .unwrap()
        .split("<value>")
        .nth(1)
        .unwrap()
        .split("</value>")
        .next()
        .unwrap()
        .to_owned();
    let o = run(&[
        "--json",
        "audit",
        "--show-keys",
        "--key-ring",
        s(&ring),
        "--app-name",
        "BlazorApp",
        state.as_str().unwrap(),
    ]);
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["master_key_base64"], master.as_str());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--keys` with a list in the built-in list's format: the user's own published keys.
#[test]
fn own_lists_join_the_published_ones() {
    let dir = temp("lists");
    let v = &data("aspnetcore_blazor_page.json")[0];
    let xml = v["inputs"]["ring"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .as_str()
        .unwrap();
    let master = xml
        .split("<value>")
        .nth(1)
        .unwrap()
        .split("</value>")
        .next()
        .unwrap();
    let list = dir.join("mine.json");
    std::fs::write(
        &list,
        serde_json::json!({"keys": [{
            "key_id": "c86ba81d-aeb8-4af2-998f-b434166ed082",
            "master_keys_base64": [master],
            "found_in": "a pastebin",
            "sources": [{"url": "https://paste.example/abc"}],
            "application_names": ["BlazorApp"],
        }]})
        .to_string(),
    )
    .unwrap();
    let state = v["expected"]["opened"][1]["value"].as_str().unwrap();
    let o = run(&["--json", "audit", "--keys", s(&list), state]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        j["discriminator"], "BlazorApp",
        "the list's own application name"
    );
    assert_eq!(j["key"]["sources"][0]["url"], "https://paste.example/abc");
    assert_eq!(j["key"]["list"], s(&list));
    // A list with nothing readable in it is an error, not an empty list.
    std::fs::write(&list, "[{\"key_id\": \"nope\"}]").unwrap();
    let o = run(&["audit", "--keys", s(&list), state]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no Data Protection key"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
