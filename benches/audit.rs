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
use machinekey_benches::{BATCH_CASES, big_list, corpus, true_key_viewstates};

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

fn end_to_end(c: &mut Criterion) {
    let (signed, encrypted) = true_key_viewstates();
    let list_bytes = big_list();
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

fn batch(c: &mut Criterion) {
    let auditor = Auditor::from_list(KeyList::builtin());
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut g = c.benchmark_group("audit_batch");
    for (kind, pages, per_page) in BATCH_CASES {
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
