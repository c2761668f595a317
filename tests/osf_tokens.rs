//! `ObjectStateFormatter` streams told apart before they are read: the type token of the first
//! value (`first_value_type`, every token `System.Web.UI.ObjectStateFormatter` writes), and
//! Mono's page state under the same `FF 01` header told from Microsoft's.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::formats::osf::{self, OsfErrorKind, ValueType, first_value_type, mono};

#[test]
fn every_token_names_its_type() {
    use ValueType::*;
    let tokens = [
        (1, Int16),
        (2, Int32),
        (3, Byte),
        (4, Char),
        (5, String),
        (6, DateTime),
        (7, Double),
        (8, Single),
        (9, Color),
        (10, KnownColor),
        (11, IntEnum),
        (12, EmptyColor),
        (15, Pair),
        (16, Triplet),
        (20, Array),
        (21, StringArray),
        (22, ArrayList),
        (23, Hashtable),
        (24, HybridDictionary),
        (25, Type),
        (27, Unit),
        (28, EmptyUnit),
        (29, EventValidationStore),
        (30, IndexedStringAdd),
        (31, IndexedString),
        (40, StringFormatted),
        (50, BinarySerialized),
        (60, SparseArray),
        (100, Null),
        (101, EmptyString),
        (102, ZeroInt32),
        (103, True),
        (104, False),
    ];
    for (token, ty) in tokens {
        assert_eq!(first_value_type(&[0xFF, 0x01, token]), Some(ty), "{token}");
    }
    // Tokens the formatter never writes, and streams without the header.
    for token in (0..=255u8).filter(|t| !tokens.iter().any(|(k, _)| k == t)) {
        assert_eq!(first_value_type(&[0xFF, 0x01, token]), None, "{token}");
    }
    assert_eq!(first_value_type(&[0xFF, 0x02, 15]), None);
    assert_eq!(first_value_type(&[0xFF, 0x01]), None);
}

/// Mono's `Pair("hello", true)`, as its `ObjectStateFormatter` writes it, and a MAC.
fn mono_pair(mac_len: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0x01, 12, 1, 5];
    bytes.extend(b"hello");
    bytes.push(8);
    bytes.extend(vec![0xAA; mac_len]);
    bytes
}

#[test]
fn mono_page_state_is_told_from_microsoft_s() {
    // Read as Microsoft's stream it is `Color.Empty` and bytes after it that are no MAC.
    let bytes = mono_pair(20);
    assert!(mono::is_mono(&bytes));
    let err = osf::read(&bytes).unwrap_err();
    assert_eq!(err.kind(), &OsfErrorKind::Mono);
    // Where Microsoft's reading stopped: after the one-byte `Color.Empty` value.
    assert_eq!(err.offset(), 3);
    assert_eq!(mono::read(&bytes).unwrap().trailer.len(), 20);
    // Mono's Triplet (13) is no Microsoft token: Microsoft's reading fails at once, and the
    // error says the stream is Mono's.
    let mut triplet = vec![0xFF, 0x01, 13, 1, 1, b'a', 8, 9];
    triplet.extend([0xAA; 20]);
    assert!(mono::is_mono(&triplet));
    let err = osf::read(&triplet).unwrap_err();
    assert_eq!(err.kind(), &OsfErrorKind::Mono);
    assert_eq!(err.offset(), 2);
    assert_eq!(
        mono::render(&mono::read(&triplet).unwrap().root),
        "Triplet\n  \"a\"\n  true\n  false\n"
    );
    // Microsoft's own page state with its MAC reads as Microsoft's.
    let ms = machinekey::crypto::encoding::from_base64(
        "/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==",
    )
    .unwrap();
    let doc = osf::read(&ms).unwrap();
    assert_eq!(doc.trailer.len(), 20);
    assert!(!mono::is_mono(&ms));
}
