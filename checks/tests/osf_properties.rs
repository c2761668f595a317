//! Properties of the `ObjectStateFormatter` tree and the `BinaryFormatter` walker:
//! read(write(t)) == t for arbitrary trees within the bounds; arbitrary bytes never panic and,
//! when they read, write back to themselves; a tree survives signing and encryption with
//! `AppKeys` and is refused under another page's purposes; arbitrary bytes behind a valid
//! stream header never panic the walker.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::formats::nrbf::{self, gadgets};
use machinekey::formats::osf::{
    self, Color, DateTime, EventValidationEntry, Limits, TypeName, Unit, Value,
};
use machinekey::{AppKeys, MachineKeyConfig, Page};
use proptest::prelude::*;

fn type_name() -> impl Strategy<Value = TypeName> {
    prop_oneof![
        Just(TypeName::Object),
        Just(TypeName::Int32),
        Just(TypeName::String),
        Just(TypeName::Boolean),
        "[A-Za-z.]{1,12}".prop_map(TypeName::Local),
        "[A-Za-z., =0-9]{1,20}".prop_map(TypeName::Qualified),
    ]
}

fn bmp_char() -> impl Strategy<Value = char> {
    any::<char>().prop_filter("one UTF-16 code unit", |c| u32::from(*c) <= 0xFFFF)
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i16>().prop_map(Value::Int16),
        any::<i32>().prop_map(Value::Int32),
        any::<u8>().prop_map(Value::Byte),
        bmp_char().prop_map(Value::Char),
        ".{0,12}".prop_map(Value::String),
        // A small alphabet, so interned strings repeat and exercise the table references.
        "[ab]{1,3}".prop_map(Value::IndexedString),
        any::<i64>().prop_map(|t| Value::DateTime(DateTime(t))),
        (-1e12f64..1e12).prop_map(Value::Double),
        (-1e6f32..1e6).prop_map(Value::Single),
        any::<i32>().prop_map(|c| Value::Color(Color::Argb(c))),
        any::<i32>().prop_map(|c| Value::Color(Color::Known(c))),
        Just(Value::Color(Color::Empty)),
        (type_name(), any::<i32>()).prop_map(|(enum_type, value)| Value::Enum { enum_type, value }),
        type_name().prop_map(Value::Type),
        ((-1e6f64..1e6), 1i32..10)
            .prop_map(|(value, unit_type)| Value::Unit(Unit::Value { value, unit_type })),
        Just(Value::Unit(Unit::Empty)),
        prop::collection::vec(any::<[u8; 16]>().prop_map(EventValidationEntry), 0..3)
            .prop_map(Value::EventValidationStore),
        (type_name(), ".{0,8}")
            .prop_map(|(value_type, text)| Value::Formatted { value_type, text }),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(Value::BinarySerialized),
        prop::collection::vec(".{0,6}", 0..4).prop_map(Value::StringArray),
    ]
}

fn tree() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Value::Pair(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(a, b, c)| Value::Triplet(
                Box::new(a),
                Box::new(b),
                Box::new(c)
            )),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::ArrayList),
            (type_name(), prop::collection::vec(inner.clone(), 0..4)).prop_map(
                |(element_type, items)| Value::Array {
                    element_type,
                    items
                }
            ),
            prop::collection::vec((inner.clone(), inner.clone()), 0..4).prop_map(Value::Hashtable),
            prop::collection::vec((inner.clone(), inner.clone()), 0..4)
                .prop_map(Value::HybridDictionary),
            (type_name(), 4u32..50, prop::collection::vec(inner, 0..3)).prop_map(
                |(element_type, length, vals)| {
                    let items = vals
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| (i as u32 * 3, v))
                        .collect();
                    Value::SparseArray {
                        element_type,
                        length,
                        items,
                    }
                }
            ),
        ]
    })
}

fn keys() -> AppKeys {
    let cfg = MachineKeyConfig::builder()
        .validation_key("F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B")
        .decryption_key("B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78")
        .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
        .build()
        .unwrap();
    AppKeys::explicit(&cfg).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn read_of_write_is_the_tree(t in tree()) {
        let bytes = osf::write(&t).unwrap();
        let doc = osf::read(&bytes).unwrap();
        prop_assert_eq!(&doc.root, &t);
        prop_assert!(doc.trailer.is_empty());
        prop_assert_eq!(doc.to_bytes().unwrap(), bytes);
        let _ = osf::render::text(&doc.root);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_read_trees_write_back(body in prop::collection::vec(any::<u8>(), 0..200)) {
        let bytes = [&[0xFF, 0x01][..], &body].concat();
        match osf::read(&bytes) {
            Ok(doc) => {
                prop_assert_eq!(doc.to_bytes().unwrap(), bytes);
                let _ = osf::render::text(&doc.root);
                let _ = gadgets::in_state(&doc.root);
            }
            Err(e) => prop_assert!(e.offset() <= bytes.len()),
        }
    }

    #[test]
    fn truncated_trees_are_errors_with_offsets(t in tree(), cut in any::<prop::sample::Index>()) {
        let bytes = osf::write(&t).unwrap();
        let n = cut.index(bytes.len());
        let e = osf::read(&bytes[..n]).unwrap_err();
        prop_assert!(e.offset() <= n);
    }

    #[test]
    fn tight_limits_refuse_but_never_panic(t in tree(), depth in 0usize..4) {
        let bytes = osf::write(&t).unwrap();
        let _ = osf::read_with(&bytes, &Limits::default().with_max_depth(depth));
    }

    #[test]
    fn a_tree_survives_protection_and_other_purposes_refuse_it(t in tree()) {
        let keys = keys();
        let bytes = osf::write(&t).unwrap();
        let page = Page::from_path("/shop/cart.aspx", "/").unwrap();
        let field = keys.encode_viewstate(&bytes, &page, machinekey::formats::viewstate::ViewStateProtection::Encrypted).unwrap();
        let opened = keys.decode_viewstate(&field, &page).unwrap();
        prop_assert_eq!(osf::read(&opened).unwrap().root, t);
        let other = Page::from_path("/shop/checkout.aspx", "/").unwrap();
        prop_assert!(keys.decode_viewstate(&field, &other).is_err());
    }

    #[test]
    fn arbitrary_records_behind_a_stream_header_never_panic(body in prop::collection::vec(any::<u8>(), 0..300)) {
        let bytes = [&nrbf::STREAM_HEADER[..], &body].concat();
        let (stream, _) = nrbf::read_partial(&bytes);
        prop_assert!(stream.length <= bytes.len());
        let _ = gadgets::triage(&stream);
        // And wrapped as ysoserial wraps them, through the tree.
        let doc = osf::read(&osf::write(&Value::BinarySerialized(bytes)).unwrap()).unwrap();
        let _ = osf::render::text(&doc.root);
    }
}
