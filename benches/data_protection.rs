//! Published Data Protection keys in the audit: a batch of 100,000 `CfDJ8` values (cookies
//! of 100 to 400 characters under random key ids) of which 5 are real values under
//! published keys, next to the cost of one hit. One core throughout (a one-thread rayon
//! pool for the batch paths).
//!
//! - `dp_batch/100k_values/values_one_core`: `DataProtectionAuditor::audit` on each value,
//!   hits included: a miss is the key id read from the first 27 characters and one hash
//!   look-up; a hit is the chain search (SP800-108 and HMAC per chain tried).
//! - `dp_batch/100k_misses/values_one_core`: the same without the hits.
//! - `dp_batch/100k_lines/json_lines_one_core`: the same values as `audit --batch` JSON
//!   lines through `Auditor::audit_lines` (JSON parsing included).
//! - `dp_hit/*`: one value under a published key: the session cookie (`/app/`, early in the
//!   order) and a TempData cookie with no discriminator (the last candidate).

#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use machinekey::audit::data_protection::DataProtectionAuditor;
use machinekey::audit::{Auditor, KeyList};
use machinekey::crypto::encoding::to_base64url;

/// Values under published keys made by real ASP.NET Core (the shared file's three, and two
/// held-out ones).
fn hits() -> Vec<String> {
    let shared: serde_json::Value = serde_json::from_str(include_str!(
        "../tests/data/aspnetcore_known_key_values.json"
    ))
    .unwrap();
    let held: serde_json::Value = serde_json::from_str(include_str!(
        "../tests/data/aspnetcore_known_key_heldout.json"
    ))
    .unwrap();
    let mut out: Vec<String> = shared
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["inputs"]["value"].as_str().unwrap().to_owned())
        .collect();
    for id in ["tempdata-no-discriminator", "identity-application-cookie"] {
        let v = held["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == id)
            .unwrap();
        out.push(v["value"].as_str().unwrap().to_owned());
    }
    out
}

/// 100,000 values: random key ids and bodies (the shape of real cookies), the hits spread
/// through them.
fn batch(hits: &[String], with_hits: bool) -> Vec<String> {
    // xorshift64*: reproducible bytes, no dependency.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut out = Vec::with_capacity(100_000);
    for i in 0..100_000 {
        if with_hits && i % 20_000 == 10_000 {
            out.push(hits[(i / 20_000) % hits.len()].clone());
            continue;
        }
        let len = 75 + (next() % 225) as usize;
        let mut bytes = vec![0x09, 0xF0, 0xC9, 0xF0];
        bytes.extend((0..16 + len).map(|_| next().to_le_bytes()[0]));
        out.push(to_base64url(&bytes));
    }
    out
}

fn data_protection(c: &mut Criterion) {
    let auditor = DataProtectionAuditor::builtin();
    let hits = hits();
    for h in &hits {
        assert!(auditor.audit(h).opened().is_some(), "{h}");
    }
    let with_hits = batch(&hits, true);
    let misses = batch(&hits, false);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();

    let mut g = c.benchmark_group("dp_batch");
    g.throughput(Throughput::Elements(100_000));
    g.bench_function("100k_values/values_one_core", |b| {
        b.iter(|| {
            let opened = with_hits
                .iter()
                .filter(|v| auditor.audit(v).opened().is_some())
                .count();
            assert_eq!(opened, 5);
            black_box(opened)
        })
    });
    g.bench_function("100k_misses/values_one_core", |b| {
        b.iter(|| {
            let opened = misses
                .iter()
                .filter(|v| auditor.audit(v).opened().is_some())
                .count();
            assert_eq!(opened, 0);
            black_box(opened)
        })
    });
    let lines: Vec<String> = with_hits
        .iter()
        .map(|v| serde_json::json!({ "data_protection": v }).to_string())
        .collect();
    let batch_auditor = Auditor::from_list(KeyList::default());
    g.bench_function("100k_lines/json_lines_one_core", |b| {
        b.iter(|| {
            one.install(|| {
                let found = batch_auditor
                    .audit_lines(&lines)
                    .filter(|r| r.found)
                    .count();
                assert_eq!(found, 5);
                black_box(found)
            })
        })
    });
    g.finish();

    let mut g = c.benchmark_group("dp_hit");
    g.throughput(Throughput::Elements(1));
    for (name, value) in [
        ("session_app_root", &hits[2]),
        ("tempdata_no_discriminator", &hits[3]),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| black_box(auditor.audit(value).opened().is_some()))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3)).sample_size(10);
    targets = data_protection
}
criterion_main!(benches);
