//! The benchmark suite of `machinekey` (run `cargo bench` from the repository root; the
//! `machinekey::manual::performance` says what each figure measures and on what machine):
//!
//! - `protect`: the protection stacks per call (legacy MAC and encryption, Framework45
//!   protect/unprotect, SP800-108 derivations, Data Protection CBC and GCM, key-file reading);
//! - `audit`: the known-key audit end to end (key list reading and auditor preparation
//!   included) and its steady-state loop, single- and multi-threaded, and the batch;
//! - `floor`: what the audit cannot go below on this machine: one compression of SHA-1,
//!   SHA-256, SHA-512 and MD5, one AES and 3DES block, and reading a key list's bytes from
//!   memory (the performance chapter's "floor" column multiplies these by the counts below);
//! - `sim`: the web-garden simulator, every request running the real formats.
//!
//! The binary `audit-work` (`RUSTFLAGS="--cfg machinekey_work_count" cargo run --release -p
//! machinekey-benches --bin audit-work`) counts the compressions and blocks each audit case
//! performs, in a `--cfg machinekey_work_count` build of `machinekey`; `benches/report.py` puts the counts, the floor
//! costs, the end-to-end timings and the peer's into the performance chapter's table.
//!
//! This library holds the inputs the benchmarks and `audit-work` share.

#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use machinekey::config::CompatibilityMode;
use machinekey::formats::GeneratorHash;
use machinekey::formats::viewstate::ViewStateProtection;
use machinekey::{AppKeys, MachineKeyConfig, Page};

/// The true key of the end-to-end cases: `validationKey` 7×128, `decryptionKey` 9A×24.
pub const TRUE_KEY: (&str, &str) = (
    "77777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777",
    "9A9A9A9A9A9A9A9A9A9A9A9A9A9A9A9A9A9A9A9A9A9A9A9A",
);

/// The page generator of the end-to-end cases.
pub const GENERATOR: u32 = 0xEDD8_C9AE;

/// The signed and the encrypted legacy ViewState (SHA1, AES) of the end-to-end cases,
/// protected under [`TRUE_KEY`] for [`GENERATOR`], as bytes.
#[must_use]
pub fn true_key_viewstates() -> (Vec<u8>, Vec<u8>) {
    let cfg = MachineKeyConfig::builder()
        .validation_key(TRUE_KEY.0)
        .decryption_key(TRUE_KEY.1)
        .validation(machinekey::config::ValidationAlgorithm::Sha1)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .build()
        .unwrap();
    let keys = AppKeys::explicit(&cfg).unwrap();
    let page = Page::from_generator(GENERATOR);
    let payload = b"\xff\x01\x0f\x0f\x05\x09811019769dd";
    let decode = |s: String| machinekey::crypto::encoding::from_base64(&s).unwrap();
    (
        decode(
            keys.encode_viewstate(payload, &page, ViewStateProtection::Signed)
                .unwrap(),
        ),
        decode(
            keys.encode_viewstate(payload, &page, ViewStateProtection::Encrypted)
                .unwrap(),
        ),
    )
}

/// 200,000 pseudo-random `validationKey,decryptionKey` lines (64 + 24 bytes), the last the
/// [`TRUE_KEY`]: the list of the end-to-end cases (`benches/report.py` writes the same).
#[must_use]
pub fn big_list() -> Vec<u8> {
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
    text.push_str(&format!("{},{}\n", TRUE_KEY.0, TRUE_KEY.1));
    text.into_bytes()
}

/// A crawl-like corpus: `pages` pages of one site, `per_page` blobs each, protected under a
/// key that is not in the list (no key matches), as the JSON lines `audit --batch` reads.
/// `kind` is `legacy_signed`, `legacy_encrypted` or `framework45`.
#[must_use]
pub fn corpus(kind: &str, pages: usize, per_page: usize) -> Vec<String> {
    let cfg = MachineKeyConfig::builder()
        .validation_key(&"5A".repeat(64))
        .decryption_key(&"C3".repeat(32))
        .validation(machinekey::config::ValidationAlgorithm::Sha1)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .compatibility_mode(if kind == "framework45" {
            CompatibilityMode::Framework45
        } else {
            CompatibilityMode::Framework20SP1
        })
        .build()
        .unwrap();
    let keys = AppKeys::explicit(&cfg).unwrap();
    let mut lines = Vec::new();
    for p in 0..pages {
        let path = format!("/site/page{p}.aspx");
        let page = Page::from_path(&path, "/site").unwrap();
        let generator = format!("{:08X}", page.generator(GeneratorHash::default()).unwrap());
        for b in 0..per_page {
            // A whole ObjectStateFormatter graph (a string), as real page state is.
            let text = format!("page {p} blob {b}");
            let mut payload = vec![0xFF, 0x01, 0x05, u8::try_from(text.len()).unwrap()];
            payload.extend_from_slice(text.as_bytes());
            let field = keys
                .encode_viewstate(
                    &payload,
                    &page,
                    if kind == "legacy_encrypted" {
                        ViewStateProtection::Encrypted
                    } else {
                        ViewStateProtection::Signed
                    },
                )
                .unwrap();
            lines.push(
                serde_json::json!({"viewstate": field, "generator": generator, "url": format!("https://host{path}")})
                    .to_string(),
            );
        }
    }
    lines
}

/// The batch cases of the performance chapter's table: (kind, pages, blobs per page).
pub const BATCH_CASES: [(&str, usize, usize); 3] = [
    ("legacy_signed", 100, 10),
    ("legacy_encrypted", 100, 10),
    ("framework45", 100, 10),
];
