//! Audit properties: any algorithm pair, stack and payload length is found under its key,
//! and one flipped bit is found nowhere.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use machinekey::audit::{Auditor, Blob, KeyList};
use machinekey::config::MachineKeyConfig;
use machinekey::crypto::encoding::from_base64;
use machinekey::formats::{AppKeys, Page};
use proptest::prelude::*;

/// Sixteen random-looking key pairs of the common lengths.
fn list() -> KeyList {
    let mut text = String::new();
    for i in 0..16u32 {
        let byte = |j: u32| format!("{:02X}", (i * 37 + j * 11 + 5) % 256);
        let vk: String = (0..64).map(byte).collect();
        let dk: String = (0..32).map(|j| byte(j + 100)).collect();
        text.push_str(&format!("{vk},{dk}\n"));
    }
    KeyList::parse(&text)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Page state protected under a listed key, any algorithm pair, signed or
    /// encrypted, either stack, any payload length: found with that key and algorithm;
    /// one flipped bit anywhere: found nowhere.
    #[test]
    fn finds_the_key_and_nothing_after_tampering(
        index in 0usize..16,
        alg in 0usize..5,
        framework45 in any::<bool>(),
        encrypt in any::<bool>(),
        text in "[a-z]{0,120}",
        flip_at in any::<prop::sample::Index>(),
        flip_bit in 0u8..8,
    ) {
        let list = list();
        let pair = &list.pairs()[index];
        let validation = ["MD5", "SHA1", "HMACSHA256", "HMACSHA384", "HMACSHA512"][alg];
        prop_assume!(!(framework45 && validation == "MD5"));
        let cfg = MachineKeyConfig::builder()
            .validation_key(&pair.validation_key)
            .decryption_key(&pair.decryption_key)
            .validation(validation)
            .decryption("AES")
            .compatibility_mode(if framework45 { "Framework45" } else { "Framework20SP1" })
            .build()
            .unwrap();
        let page = Page::from_path("/app/dir/page.aspx", "/app").unwrap();
        // A whole ObjectStateFormatter graph: a string.
        let mut payload = vec![0xFF, 0x01, 0x05, u8::try_from(text.len()).unwrap()];
        payload.extend_from_slice(text.as_bytes());
        let field = AppKeys::explicit(&cfg).unwrap().encode_viewstate(&payload, &page, encrypt).unwrap();
        let mut bytes = from_base64(&field).unwrap();
        let auditor = Auditor::new(&list);
        let url = "https://host/app/dir/page.aspx";
        let found = auditor.audit(&Blob::viewstate(&bytes).with_url(url));
        let found = found.expect("found");
        prop_assert_eq!(found.index, index);
        prop_assert_eq!(found.validation.name(), validation);
        prop_assert_eq!(&found.payload, &payload);
        let at = flip_at.index(bytes.len());
        bytes[at] ^= 1 << flip_bit;
        prop_assert!(auditor.audit(&Blob::viewstate(&bytes).with_url(url)).is_none());
    }
}
