//! `ObjectStateFormatter` streams told apart before they are read: the type token of the first
//! value (`first_value_type`, every token `System.Web.UI.ObjectStateFormatter` writes), and
//! Mono's page state under the same `FF 01` header told from Microsoft's; and the reader's
//! limits (bytes, values, depth through every kind of collection) held at their bounds, and
//! the writer's refusals of what ObjectStateFormatter cannot write.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::formats::osf::{
    self, Limits, OsfErrorKind, TypeName, Value, ValueType, first_value_type, mono,
};

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

fn limits(f: impl FnOnce(&mut Limits)) -> Limits {
    let mut l = Limits::default();
    f(&mut l);
    l
}

#[test]
fn the_byte_and_value_limits_hold_at_their_bounds() {
    // ArrayList(null, null, null): 3 + 4 = 7 bytes; 7 against the value limit (four values,
    // and the list's three elements counted when the list is read).
    let bytes = [0xFF, 0x01, 22, 3, 100, 100, 100];
    assert!(osf::read_with(&bytes, &limits(|l| l.max_bytes = 7)).is_ok());
    let err = osf::read_with(&bytes, &limits(|l| l.max_bytes = 6)).unwrap_err();
    assert_eq!((err.kind(), err.offset()), (&OsfErrorKind::TooLarge(6), 6));
    assert!(osf::read_with(&bytes, &limits(|l| l.max_values = 7)).is_ok());
    let err = osf::read_with(&bytes, &limits(|l| l.max_values = 6)).unwrap_err();
    assert_eq!(err.kind(), &OsfErrorKind::TooManyValues(6));
    // A list's elements are counted before they are read: a limit the count passes is
    // refused at the count, one the count meets at the first element after it.
    let err = osf::read_with(&bytes, &limits(|l| l.max_values = 3)).unwrap_err();
    assert_eq!(
        (err.kind(), err.offset()),
        (&OsfErrorKind::TooManyValues(3), 3)
    );
    let err = osf::read_with(&bytes, &limits(|l| l.max_values = 4)).unwrap_err();
    assert_eq!(
        (err.kind(), err.offset()),
        (&OsfErrorKind::TooManyValues(4), 4)
    );
    // A 7-bit count ending in a zero byte is not the shortest form, which ASP.NET's writer
    // never produces: refused where it starts.
    let err = osf::read(&[0xFF, 0x01, 22, 0x83, 0x00, 100, 100, 100]).unwrap_err();
    assert_eq!(
        (err.kind(), err.offset()),
        (&OsfErrorKind::NonCanonicalInteger, 3)
    );
    // A count the rest of the stream can just hold is read; one more element is not.
    let err = osf::read(&[0xFF, 0x01, 22, 4, 100, 100, 100]).unwrap_err();
    assert_eq!((err.kind(), err.offset()), (&OsfErrorKind::Truncated, 3));
    let err = osf::read(&[0xFF, 0x01, 22, 0x90, 0x4E, 100]).unwrap_err();
    assert_eq!((err.kind(), err.offset()), (&OsfErrorKind::Truncated, 3));
}

/// `n` collections of one kind, each inside the last, around `null`.
fn nested(kind: &str, n: usize) -> Value {
    (0..n).fold(Value::Null, |inner, _| match kind {
        "pair-second" => Value::Pair(Box::new(Value::Null), Box::new(inner)),
        "pair-first" => Value::Pair(Box::new(inner), Box::new(Value::Null)),
        "triplet-second" => Value::Triplet(
            Box::new(Value::Null),
            Box::new(inner),
            Box::new(Value::Null),
        ),
        "triplet-third" => Value::Triplet(
            Box::new(Value::Null),
            Box::new(Value::Null),
            Box::new(inner),
        ),
        "sparse" => Value::SparseArray {
            element_type: TypeName::Object,
            length: 1,
            items: vec![(0, inner)],
        },
        "hashtable" => Value::Hashtable(vec![(Value::Null, inner)]),
        "hybrid" => Value::HybridDictionary(vec![(Value::Null, inner)]),
        _ => Value::ArrayList(vec![inner]),
    })
}

#[test]
fn depth_is_counted_through_every_kind_of_collection() {
    let depth8 = Limits::default().with_max_depth(8);
    for kind in [
        "pair-first",
        "pair-second",
        "triplet-second",
        "triplet-third",
        "sparse",
        "hashtable",
        "hybrid",
        "list",
    ] {
        // Eight collections hold the innermost value at depth 8: read; nine are too deep.
        let ok = osf::write(&nested(kind, 8)).unwrap();
        assert!(osf::read_with(&ok, &depth8).is_ok(), "{kind}");
        let deep = osf::write(&nested(kind, 9)).unwrap();
        let err = osf::read_with(&deep, &depth8).unwrap_err();
        assert_eq!(err.kind(), &OsfErrorKind::TooDeep(8), "{kind}");
    }
}

#[test]
fn a_sparse_array_may_have_every_element() {
    let full = Value::SparseArray {
        element_type: TypeName::Object,
        length: 2,
        items: vec![(0, Value::Int32(1)), (1, Value::Int32(2))],
    };
    let bytes = osf::write(&full).unwrap();
    assert_eq!(osf::read(&bytes).unwrap().root, full);
    // ... but not more elements than its length: the same stream with length 1 (the byte
    // where a length of 3 would differ).
    let three = osf::write(&Value::SparseArray {
        element_type: TypeName::Object,
        length: 3,
        items: vec![(0, Value::Int32(1)), (1, Value::Int32(2))],
    })
    .unwrap();
    let at = bytes.iter().zip(&three).position(|(a, b)| a != b).unwrap();
    assert_eq!((bytes[at], three[at]), (2, 3));
    let mut over = bytes.clone();
    over[at] = 1;
    let err = osf::read(&over).unwrap_err();
    assert_eq!(
        (err.kind(), err.offset()),
        (&OsfErrorKind::SparseArray, at + 1)
    );
}

#[test]
fn the_writer_refuses_what_the_formatter_cannot_write() {
    // Nesting up to the default depth (256) is written and read back; one more is refused.
    let deepest = nested("list", 256);
    let bytes = osf::write(&deepest).unwrap();
    assert_eq!(osf::read(&bytes).unwrap().root, deepest);
    let err = osf::write(&nested("list", 257)).unwrap_err();
    assert_eq!(err.kind(), &OsfErrorKind::TooDeep(256));
    let err = osf::write(&nested("pair-second", 257)).unwrap_err();
    assert_eq!(err.kind(), &OsfErrorKind::TooDeep(256));
    // A .NET char is one UTF-16 code unit: U+FFFF is written, U+10000 is not.
    let bytes = osf::write(&Value::Char('\u{FFFF}')).unwrap();
    assert_eq!(osf::read(&bytes).unwrap().root, Value::Char('\u{FFFF}'));
    let err = osf::write(&Value::Char('\u{10000}')).unwrap_err();
    assert_eq!(err.kind(), &OsfErrorKind::InvalidChar);
    // A sparse array holds at most its length of elements, each at an index below it.
    for items in [
        vec![(0, Value::Null), (1, Value::Null), (0, Value::Null)],
        vec![(2, Value::Null)],
    ] {
        let over = Value::SparseArray {
            element_type: TypeName::Object,
            length: 2,
            items,
        };
        let err = osf::write(&over).unwrap_err();
        assert_eq!(err.kind(), &OsfErrorKind::SparseArray);
    }
}
