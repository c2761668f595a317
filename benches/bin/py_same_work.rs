//! The Rust side of `benches/python_adapter.py`: the same audits the Python adapter makes,
//! timed in one native process, so the script can say what share of the library's speed a
//! Python call keeps. Reads a JSON file of cases (`[{"name", "items": [batch items],
//! "reps"}]`), audits each case's items one `audit_item` call at a time with the built-in
//! list, and prints `{"name": ..., "ns_per_item": ...}` lines (the median of the reps).

#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::time::Instant;

use machinekey::audit::batch::BatchItem;
use machinekey::audit::{Auditor, KeyList};

fn main() {
    let path = std::env::args().nth(1).expect("a cases file");
    let cases: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    let auditor = Auditor::from_list(KeyList::builtin());
    for case in cases {
        let items: Vec<BatchItem> = serde_json::from_value(case["items"].clone()).expect("items");
        let reps = case["reps"].as_u64().unwrap_or(5);
        // Warm: MAC states keyed, caches filled, as the Python side warms too.
        for item in &items {
            std::hint::black_box(auditor.audit_item(1, item));
        }
        let mut times = Vec::new();
        for _ in 0..reps {
            let start = Instant::now();
            for item in &items {
                std::hint::black_box(auditor.audit_item(1, item));
            }
            times.push(start.elapsed().as_nanos() as f64 / items.len() as f64);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{}",
            serde_json::json!({"name": case["name"], "ns_per_item": times[times.len() / 2]})
        );
    }
}
