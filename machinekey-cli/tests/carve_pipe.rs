//! `machinekey carve` piped into `machinekey audit --batch -`, as a user runs them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::Value;

#[path = "../../tests/common/planted_page.rs"]
mod planted_page;
use planted_page::{list, page_html};

/// `machinekey carve site.har | machinekey audit --batch -` as a user runs it.
#[test]
fn carve_piped_into_batch() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let (_, planted) = list();
    let dir = std::env::temp_dir().join(format!("machinekey-carve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("cart.html");
    std::fs::write(&page, page_html(&planted)).unwrap();
    let keys = dir.join("keys.txt");
    std::fs::write(
        &keys,
        planted
            .iter()
            .map(|(v, d)| format!("{v},{d}\n"))
            .collect::<String>(),
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_machinekey");
    let carved = Command::new(bin)
        .args([
            "carve",
            "--url",
            "https://host/shop/cart.aspx",
            page.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(carved.status.success());
    let mut audit = Command::new(bin)
        .args(["audit", "--keys", keys.to_str().unwrap(), "--batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    audit
        .stdin
        .take()
        .unwrap()
        .write_all(&carved.stdout)
        .unwrap();
    let out = audit.wait_with_output().unwrap();
    assert!(out.status.success());
    let results: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(results.len(), 5);
    assert_eq!(results.iter().filter(|r| r["found"] == true).count(), 4);
    assert_eq!(results[4]["label"], "telerik");
    assert!(results.iter().all(|r| r.get("key").is_none()));
}
