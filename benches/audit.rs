//! Known-key audit throughput, in candidate keys per second, over the built-in list
//! (3,625 pairs), for the three cases the peers are measured on: an unencrypted legacy
//! ViewState that no key matches, an encrypted one that no key matches, and a Framework45
//! ViewState with a URL (4 application levels: an SP800-108 derivation per key and level,
//! and the legacy readings of each key's IsolateApps variants). Run on one thread and on
//! all cores (the steady-state loop: MAC states are keyed on first use and kept).
//!
//! `audit_end_to_end` times what one audit costs a user: reading a key list (the built-in
//! one, or 200,000 generated pairs with the true key last), preparing the auditor, and
//! auditing one signed and one encrypted legacy ViewState, on one thread.

#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use machinekey::audit::{Auditor, Blob, KeyList};

use machinekey::crypto::encoding::from_base64;

fn audit(c: &mut Criterion) {
    let list = KeyList::builtin();
    let auditor = Auditor::new(&list);
    // Real captured ViewStates with the last tag byte flipped: shaped like real data, so
    // every candidate costs real MAC work, and no key matches.
    let flip = |b64: &str| {
        let mut bytes = from_base64(b64).unwrap();
        if let Some(last) = bytes.last_mut() {
            *last ^= 1;
        }
        bytes
    };
    let unencrypted = flip("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==");
    let encrypted = flip(
        "QhNlfAmxL3x1eiDHXDyjc8Nv7IsFX/OsUgF2hrtevccYC3a56XmssuVxjhHAYqgBNSOMlN1IztaNEGRMl56UOofadCc=",
    );
    let fx45 = flip(
        "7ir5mtqZunytBPczxZoTSbqiqNob4udW/Hgsw/o3Q5gLgmovvmdZaHS5EDdHbqrk408hRX3FwD8MA8Rlo6e0ta0R+Zc8KIsUEO01jXHnMBE7es73jYNsqEFKa3E6JJ1Qt1Pn48quS79NPhyr4m7wkE9wBT+a00nqTp4r7IrI/7hvBSY1i7Ebv/xrWRu84OuS1bp51TYzcbcq33yYXT/aSg==",
    );
    let cases = [
        (
            "legacy_unencrypted_negative",
            Blob::viewstate(&unencrypted).with_generator(0xEDD8_C9AE),
        ),
        (
            "legacy_encrypted_negative",
            Blob::viewstate(&encrypted).with_generator(0xEDD8_C9AE),
        ),
        (
            "framework45_with_url_negative",
            Blob::viewstate(&fx45).with_url("http://10.1.1.43/mac/vsk/test/default.aspx"),
        ),
    ];
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut g = c.benchmark_group("audit_keys");
    g.throughput(Throughput::Elements(auditor.len() as u64));
    for (name, blob) in &cases {
        assert!(auditor.audit(blob).is_none());
        g.bench_function(format!("{name}/1_thread"), |b| {
            b.iter(|| one.install(|| black_box(auditor.audit(blob))))
        });
        g.bench_function(format!("{name}/all_cores"), |b| {
            b.iter(|| black_box(auditor.audit(blob)))
        });
    }
    g.finish();
}

/// 200,000 pseudo-random `validationKey,decryptionKey` lines (64 + 24 bytes), then `last`.
fn big_list(last: &str) -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut hex = |n: usize| {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                format!("{:02X}", state as u8)
            })
            .collect::<String>()
    };
    let mut text = String::with_capacity(200_000 * 180);
    for _ in 0..199_999 {
        let (v, d) = (hex(64), hex(24));
        text.push_str(&v);
        text.push(',');
        text.push_str(&d);
        text.push('\n');
    }
    text.push_str(last);
    text.push('\n');
    text.into_bytes()
}

fn end_to_end(c: &mut Criterion) {
    use machinekey::MachineKeyConfig;
    use machinekey::{AppKeys, Page};
    let (vk, dk) = ("7".repeat(128), "9A".repeat(24));
    let cfg = MachineKeyConfig::builder()
        .validation_key(&vk)
        .decryption_key(&dk)
        .validation("SHA1")
        .decryption("AES")
        .build()
        .unwrap();
    let keys = AppKeys::explicit(&cfg).unwrap();
    let page = Page::from_generator(0xEDD8_C9AE);
    let payload = b"\xff\x01\x0f\x0f\x05\x09811019769dd";
    let signed = from_base64(&keys.encode_viewstate(payload, &page, false).unwrap()).unwrap();
    let encrypted = from_base64(&keys.encode_viewstate(payload, &page, true).unwrap()).unwrap();
    let list_bytes = big_list(&format!("{vk},{dk}"));
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut g = c.benchmark_group("audit_end_to_end");
    for (name, blob) in [("signed", &signed), ("encrypted", &encrypted)] {
        g.throughput(Throughput::Elements(203_625));
        g.bench_function(format!("200k_list_true_key_last/{name}/1_thread"), |b| {
            b.iter(|| {
                one.install(|| {
                    let mut list = KeyList::builtin();
                    list.load_bytes(&list_bytes, "list.txt");
                    let auditor = Auditor::from_list(list);
                    let found = auditor.audit(&Blob::viewstate(blob).with_generator(0xEDD8_C9AE));
                    assert!(found.is_some());
                    black_box(found)
                })
            })
        });
        g.throughput(Throughput::Elements(3_625));
        g.bench_function(format!("builtin_list_negative/{name}/1_thread"), |b| {
            let mut tampered = blob.clone();
            if let Some(last) = tampered.last_mut() {
                *last ^= 1;
            }
            b.iter(|| {
                one.install(|| {
                    let auditor = Auditor::from_list(KeyList::builtin());
                    black_box(
                        auditor.audit(&Blob::viewstate(&tampered).with_generator(0xEDD8_C9AE)),
                    )
                })
            })
        });
    }
    g.finish();
}

/// A crawl-like corpus: `pages` pages of one site, `per_page` blobs each, protected under a
/// key that is not in the list (no key matches), as JSON lines for `audit_lines`.
fn corpus(kind: &str, pages: usize, per_page: usize) -> Vec<String> {
    use machinekey::MachineKeyConfig;
    use machinekey::{AppKeys, Page};
    let cfg = MachineKeyConfig::builder()
        .validation_key(&"5A".repeat(64))
        .decryption_key(&"C3".repeat(32))
        .validation("SHA1")
        .decryption("AES")
        .compatibility_mode(if kind == "framework45" {
            "Framework45"
        } else {
            "Framework20SP1"
        })
        .build()
        .unwrap();
    let keys = AppKeys::explicit(&cfg).unwrap();
    let mut lines = Vec::new();
    for p in 0..pages {
        let path = format!("/site/page{p}.aspx");
        let page = Page::from_path(&path, "/site").unwrap();
        let generator = format!("{:08X}", page.generator(false).unwrap());
        for b in 0..per_page {
            // A whole ObjectStateFormatter graph (a string), as real page state is.
            let text = format!("page {p} blob {b}");
            let mut payload = vec![0xFF, 0x01, 0x05, u8::try_from(text.len()).unwrap()];
            payload.extend_from_slice(text.as_bytes());
            let field = keys
                .encode_viewstate(&payload, &page, kind == "legacy_encrypted")
                .unwrap();
            lines.push(
                serde_json::json!({"viewstate": field, "generator": generator, "url": format!("https://host{path}")})
                    .to_string(),
            );
        }
    }
    lines
}

fn batch(c: &mut Criterion) {
    let auditor = Auditor::from_list(KeyList::builtin());
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut g = c.benchmark_group("audit_batch");
    for (kind, pages, per_page) in [
        ("legacy_signed", 100, 10),
        ("legacy_encrypted", 100, 10),
        ("framework45", 4, 10),
    ] {
        let lines = corpus(kind, pages, per_page);
        g.throughput(Throughput::Elements(lines.len() as u64));
        g.bench_function(format!("{kind}/{pages}_pages_x_{per_page}/1_thread"), |b| {
            b.iter(|| {
                one.install(|| {
                    let found = auditor.audit_lines(&lines).filter(|r| r.found).count();
                    assert_eq!(found, 0);
                    black_box(found)
                })
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3)).sample_size(10);
    targets = audit, end_to_end, batch
}
criterion_main!(benches);
