//! Audit properties: any algorithm pair, stack and payload length is found under its key,
//! and one flipped bit is found nowhere.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use machinekey::audit::{Auditor, Blob, KeyList};
use machinekey::config::MachineKeyConfig;
use machinekey::crypto::encoding::from_base64;
use machinekey::formats::{AppKeys, Page};
use proptest::prelude::*;

/// `n` random-looking key pairs: byte `j` of pair `i` is `mix(i, j)`, the validation key
/// `vk_len(i)` bytes, the decryption key 32.
fn pairs(n: u32, mix: impl Fn(u32, u32) -> u32, vk_len: impl Fn(u32) -> u32) -> KeyList {
    let mut text = String::new();
    for i in 0..n {
        let byte = |j: u32| format!("{:02X}", mix(i, j) % 256);
        let vk: String = (0..vk_len(i)).map(byte).collect();
        let dk: String = (0..32).map(|j| byte(j + 100)).collect();
        text.push_str(&format!("{vk},{dk}\n"));
    }
    KeyList::parse(&text)
}

/// Sixteen random-looking key pairs of the common lengths.
fn list() -> KeyList {
    pairs(16, |i, j| i * 37 + j * 11 + 5, |_| 64)
}

/// `n` random-looking key pairs, 64-byte validation keys (HMAC-SHA1 accepts them) and a
/// few 65-byte ones (it does not).
fn long_list(n: u32, seed: u32) -> KeyList {
    pairs(
        n,
        |i, j| i * 131 + j * 29 + seed * 7 + 3,
        |i| if i % 17 == 5 { 65 } else { 64 },
    )
}

/// A ViewState of a whole ObjectStateFormatter graph (the string `text`) protected under
/// `pair` for `/app/dir/page.aspx`, as bytes, with its payload and the page.
fn protect(
    pair: &machinekey::audit::KnownKey,
    validation: &str,
    mode: &str,
    text: &str,
    encrypt: bool,
) -> (Vec<u8>, Vec<u8>, Page) {
    let cfg = MachineKeyConfig::builder()
        .validation_key(&pair.validation_key)
        .decryption_key(&pair.decryption_key)
        .attribute(
            machinekey::config::MachineKeyAttribute::Validation,
            validation,
        )
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .attribute(
            machinekey::config::MachineKeyAttribute::CompatibilityMode,
            mode,
        )
        .build()
        .unwrap();
    let page = Page::from_path("/app/dir/page.aspx", "/app").unwrap();
    let mut payload = vec![0xFF, 0x01, 0x05, u8::try_from(text.len()).unwrap()];
    payload.extend_from_slice(text.as_bytes());
    let field = AppKeys::explicit(&cfg)
        .unwrap()
        .encode_viewstate(
            &payload,
            &page,
            if encrypt {
                machinekey::formats::viewstate::ViewStateProtection::Encrypted
            } else {
                machinekey::formats::viewstate::ViewStateProtection::Signed
            },
        )
        .unwrap();
    (from_base64(&field).unwrap(), payload, page)
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
        let mode = if framework45 { "Framework45" } else { "Framework20SP1" };
        let (mut bytes, payload, _) = protect(pair, validation, mode, &text, encrypt);
        let auditor = Auditor::new(&list);
        let url = "https://host/app/dir/page.aspx";
        let found = auditor.audit(&Blob::viewstate(&bytes).with_url(url));
        let found = found.expect("found");
        prop_assert_eq!(found.index, index);
        prop_assert_eq!(found.validation.as_str(), validation);
        prop_assert_eq!(&found.payload, &payload);
        let at = flip_at.index(bytes.len());
        bytes[at] ^= 1 << flip_bit;
        prop_assert!(auditor.audit(&Blob::viewstate(&bytes).with_url(url)).is_none());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A value audited alone (its keys screened two at a time for HMAC-SHA1 readings) gives
    /// what the same value gives among others (each key checked in full): the same first
    /// key, reading and payload, wherever the key stands against the blocks of 64 keys and
    /// the pairs of the screen, and nothing once tampered.
    #[test]
    fn a_value_alone_is_audited_as_in_a_group(
        n in 1u32..200,
        at in any::<prop::sample::Index>(),
        seed in 0u32..1000,
        alg in 0usize..3,
        encrypt in any::<bool>(),
        text in "[a-z]{0,80}",
        flip_at in any::<prop::sample::Index>(),
    ) {
        let list = long_list(n, seed);
        let index = at.index(list.len());
        let pair = &list.pairs()[index];
        prop_assume!(pair.validation_key.len() == 128);
        let validation = ["SHA1", "MD5", "HMACSHA256"][alg];
        let (mut bytes, payload, page) = protect(pair, validation, "Framework20SP1", &text, encrypt);
        let generator = page.generator(machinekey::formats::GeneratorHash::InvariantIgnoreCase).unwrap();
        let auditor = Auditor::new(&list);
        let blob = Blob::viewstate(&bytes).with_generator(generator);
        let alone = auditor.audit(&blob).expect("found alone");
        let grouped = auditor.audit_many(&[blob.clone(), blob]);
        let grouped = grouped[0].as_ref().expect("found in a group");
        prop_assert_eq!(alone.index, index);
        prop_assert_eq!(alone.index, grouped.index);
        prop_assert_eq!(alone.mode, grouped.mode);
        prop_assert_eq!(alone.validation, grouped.validation);
        prop_assert_eq!(&alone.payload, &grouped.payload);
        prop_assert_eq!(&alone.payload, &payload);
        let flip = flip_at.index(bytes.len());
        bytes[flip] ^= 1;
        let tampered = Blob::viewstate(&bytes).with_generator(generator);
        prop_assert!(auditor.audit(&tampered).is_none());
        prop_assert!(auditor.audit_many(&[tampered.clone(), tampered]).iter().all(Option::is_none));
    }
}
