//! Known-key audit throughput, in candidate keys per second, over the built-in list
//! (3,625 pairs), for the three cases the peers are measured on: an unencrypted legacy
//! ViewState that no key matches, an encrypted one that no key matches, and a Framework45
//! ViewState with a URL (4 application levels: an SP800-108 derivation per key and level,
//! and the legacy readings of each key's IsolateApps variants). Run on one thread and on
//! all cores.

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

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3)).sample_size(10);
    targets = audit
}
criterion_main!(benches);
