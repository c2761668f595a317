//! Data Protection properties: every algorithm round-trips any plaintext under any purpose
//! chain; any change to the payload, the chain, or its order fails with the one opaque
//! error (or names the key when the key id itself was changed); arbitrary bytes never panic.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use machinekey::Error;
use machinekey::dataprotection::{Algorithm, BlockCipher, Key, KeyRing, MacAlgorithm};
use machinekey::random::OsRandom;
use proptest::prelude::*;

fn algorithm() -> impl Strategy<Value = Algorithm> {
    (prop::sample::select(vec![16usize, 24, 32]), 0u8..3).prop_map(|(key_len, m)| match m {
        0 => Algorithm::Gcm { key_len },
        1 => Algorithm::Cbc {
            cipher: BlockCipher::Aes,
            key_len,
            mac: MacAlgorithm::HmacSha256,
        },
        _ => Algorithm::Cbc {
            cipher: BlockCipher::Aes,
            key_len,
            mac: MacAlgorithm::HmacSha512,
        },
    })
}

fn ring(alg: Algorithm) -> KeyRing {
    let mut ring = KeyRing::new();
    ring.add(Key::generate(time::OffsetDateTime::now_utc(), alg, &OsRandom).unwrap())
        .unwrap();
    ring
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn round_trips_and_rejects_tampering_and_other_chains(
        alg in algorithm(),
        data in prop::collection::vec(any::<u8>(), 0..300),
        chain in prop::collection::vec("\\PC{0,12}", 1..5),
        flip_at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let ring = ring(alg);
        let p = ring.protector(&chain).unwrap();
        let payload = p.protect(&data).unwrap();
        prop_assert_eq!(p.unprotect(&payload).unwrap(), data);
        let mut bad = payload.clone();
        let i = flip_at.index(bad.len());
        bad[i] ^= flip;
        let r = p.unprotect(&bad);
        if (4..20).contains(&i) {
            prop_assert!(matches!(r, Err(Error::KeyNotFound(_))));
        } else {
            prop_assert!(matches!(r, Err(Error::Unprotect)));
        }
        let mut longer = chain.clone();
        longer.push(String::new());
        prop_assert!(matches!(ring.protector(&longer).unwrap().unprotect(&payload), Err(Error::Unprotect)));
        if chain.len() > 1 && chain.first() != chain.last() {
            let mut rev = chain.clone();
            rev.reverse();
            prop_assert!(matches!(ring.protector(&rev).unwrap().unprotect(&payload), Err(Error::Unprotect)));
        }
        prop_assert!(matches!(p.unprotect(&payload[..payload.len() - 1]), Err(Error::Unprotect)));
    }

    #[test]
    fn arbitrary_bytes_and_text_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        header in any::<bool>(),
        text in "\\PC{0,200}",
    ) {
        let ring = ring(Algorithm::default());
        let p = ring.protector(&["x"]).unwrap();
        let mut payload = bytes;
        if header {
            let mut h = vec![0x09, 0xF0, 0xC9, 0xF0];
            h.extend(ring.keys()[0].id().to_bytes_le());
            h.extend(payload);
            payload = h;
        }
        prop_assert!(p.unprotect(&payload).is_err());
        let _ = p.unprotect_text(&text);
        let _ = KeyRing::from_xml(&text, "fuzz");
    }
}
