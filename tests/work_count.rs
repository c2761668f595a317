//! The audit's work, counted: what the floor benchmark multiplies by the cost of one
//! compression. A signed legacy (pre-4.5) ViewState checked against keys of 64 bytes costs
//! exactly four SHA-1 compressions per key (the HMAC inner and outer pad states, one inner
//! message block, one outer block), and nothing else; an encrypted one adds the block
//! decryptions of the keys whose MAC matches, which is none.
#![cfg(all(machinekey_work_count, feature = "audit"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use machinekey::audit::{Auditor, Blob, KeyList};
use machinekey::crypto::{encoding::from_base64, work};

/// `n` distinct 64-byte validation keys with 24-byte 3DES decryption keys, none of them real.
fn list(n: usize) -> KeyList {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!("{:0128X},{:048X}\n", i + 1, i + 1));
    }
    let mut list = KeyList::default();
    list.load(&text, "generated");
    list
}

#[test]
fn signed_legacy_viewstate_costs_four_sha1_compressions_per_key() {
    let keys = 1_000;
    let auditor = Auditor::from_list(list(keys));
    assert_eq!(auditor.len(), keys);
    // A real ASP.NET 2.0 ViewState (SHA-1 MAC) with one tag bit flipped: no key matches.
    let mut bytes = from_base64("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==").unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    let blob = Blob::viewstate(&bytes).with_generator(0xEDD8_C9AE);

    work::reset();
    assert!(auditor.audit(&blob).is_none());
    let counts = work::snapshot();
    // The counters are #[non_exhaustive] (a new hash may be counted): build the expected
    // value from the default.
    let mut expected = work::Counts::default();
    expected.sha1 = 4 * keys as u64;
    expected.keying.sha1 = 2 * keys as u64;
    assert_eq!(counts, expected, "{counts:?}");

    // The same value twice in one group: the pad states are shared, the message is not.
    work::reset();
    let found = auditor.audit_many(&[blob.clone(), blob]);
    assert!(found.iter().all(Option::is_none));
    let counts = work::snapshot();
    assert_eq!(
        (counts.sha1, counts.keying.sha1),
        (6 * keys as u64, 2 * keys as u64)
    );
}
