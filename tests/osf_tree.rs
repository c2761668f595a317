//! The `ObjectStateFormatter` tree and the `BinaryFormatter` walker on real data: every
//! ViewState payload in `tests/data/` reads to a tree and writes back to its own bytes; every
//! token, hand-built from the token table of `ObjectStateFormatter.cs`, reads to the value
//! the table says; the ysoserial.net payloads in `tests/data/viewstate_gadgets.json` are
//! flagged with their gadget, and lose it when the name that gives it away is flipped.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::crypto::encoding::{from_base64, from_hex};
use machinekey::formats::nrbf::{self, gadgets::Gadget, gadgets::triage};
use machinekey::formats::osf::{
    self, Color, DateTime, Document, EventValidationEntry, Limits, OsfErrorKind, PageState,
    TypeName, Unit, Value,
};
use serde_json::Value as Json;

fn load(name: &str) -> Vec<Json> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let doc: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

/// Every decrypted or verified ViewState payload of the real vectors.
fn real_payloads() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for file in ["viewstate_legacy.json", "viewstate_net45.json"] {
        for v in load(file) {
            let hex = v["expected"]["plaintext_hex"].as_str().unwrap();
            let bytes = from_hex(hex).unwrap();
            if bytes.starts_with(&[0xFF, 0x01]) {
                out.push((v["id"].as_str().unwrap().to_owned(), bytes));
            }
        }
    }
    out
}

#[test]
fn every_real_viewstate_reads_and_writes_back() {
    let payloads = real_payloads();
    assert_eq!(
        payloads.len(),
        46,
        "every ViewState payload of the two vector files"
    );
    for (id, bytes) in payloads {
        let doc = osf::read(&bytes).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(doc.trailer.is_empty(), "{id}");
        assert_eq!(doc.to_bytes().unwrap(), bytes, "{id}");
        assert!(!osf::render::text(&doc.root).is_empty());
        // A bit flip in the first token changes the tree or is refused.
        let mut flipped = bytes.clone();
        flipped[2] ^= 0x01;
        assert!(
            osf::read(&flipped).map(|d| d.root) != Ok(doc.root.clone()),
            "{id}"
        );
    }
}

#[test]
fn signed_legacy_viewstate_reads_without_keys_with_the_mac_as_trailer() {
    let mut seen = 0;
    for v in load("viewstate_legacy.json") {
        if v["viewStateEncrypted"].as_bool() != Some(false) {
            continue;
        }
        let field = from_base64(v["viewstate_b64"].as_str().unwrap()).unwrap();
        if !field.starts_with(&[0xFF, 0x01]) {
            continue; // encrypted after all (an AES/3DES validation wrap)
        }
        let plain = from_hex(v["expected"]["plaintext_hex"].as_str().unwrap()).unwrap();
        let doc = osf::read(&field).unwrap();
        assert_eq!(doc.trailer, field[plain.len()..], "{}", v["id"]);
        assert_eq!(doc.to_bytes().unwrap(), field);
        assert_eq!(osf::write(&doc.root).unwrap(), plain);
        seen += 1;
    }
    assert!(seen >= 8, "{seen}");
}

#[test]
fn page_layouts_of_real_viewstates() {
    let payloads = real_payloads();
    let by_id = |id: &str| {
        osf::read(&payloads.iter().find(|(i, _)| i == id).unwrap().1)
            .unwrap()
            .root
    };
    // The Blacklist3r README's page: a form control (child 3) with enctype in its StateBag.
    let root = by_id("bl3r-readme-decode-SHA1");
    let page = PageState::from_value(&root).unwrap();
    assert_eq!(page.type_hash, Some(-921_640_512));
    let tree = page.control_tree().unwrap();
    let (key, form) = tree.children().next().unwrap();
    assert_eq!(key, &Value::Int32(3));
    let bag = form.unwrap().state_bag().unwrap();
    assert_eq!(
        bag,
        vec![("enctype", &Value::String("multipart/form-data".into()))]
    );
    let text = osf::render::text(&root);
    assert!(text.contains("page type hash: -921640512"), "{text}");
    assert!(text.contains("child 3: control"), "{text}");
    assert!(
        text.contains("enctype: String \"multipart/form-data\""),
        "{text}"
    );
    // The mobile-page vector: a Hashtable root with a DateTime, not the page layout.
    let mobile = by_id("bs-lab-mobile-SHA1");
    assert!(PageState::from_value(&mobile).is_none());
    let Value::Hashtable(entries) = &mobile else {
        panic!("{mobile:?}")
    };
    assert_eq!(entries[0].0, Value::String("__P".into()));
    let text = osf::render::text(&mobile);
    assert!(text.contains("DateTime "), "{text}");
}

fn pair(a: Value, b: Value) -> Value {
    Value::Pair(Box::new(a), Box::new(b))
}

/// (bytes after FF 01, the value the token table says they hold)
fn token_table() -> Vec<(Vec<u8>, Value)> {
    let s = |t: &str| t.to_owned();
    vec![
        (vec![1, 0xFE, 0xFF], Value::Int16(-2)),
        (vec![2, 0xAC, 0x02], Value::Int32(300)),
        (vec![2, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], Value::Int32(-1)),
        (vec![3, 7], Value::Byte(7)),
        (vec![4, 0xC3, 0xA9], Value::Char('é')),
        (vec![5, 2, b'h', b'i'], Value::String(s("hi"))),
        (
            [
                &[6u8][..],
                &((1i64 << 62) | 621_355_968_000_000_000).to_le_bytes(),
            ]
            .concat(),
            Value::DateTime(DateTime((1 << 62) | 621_355_968_000_000_000)),
        ),
        (
            [&[7u8][..], &1.5f64.to_le_bytes()].concat(),
            Value::Double(1.5),
        ),
        (
            [&[8u8][..], &0.25f32.to_le_bytes()].concat(),
            Value::Single(0.25),
        ),
        (
            vec![9, 0x00, 0x00, 0xFF, 0xFF],
            Value::Color(Color::Argb(-65536)),
        ),
        (vec![10, 141, 1], Value::Color(Color::Known(141))),
        (
            [&[11u8, 42, 23][..], b"System.Web.UI.Something", &[5]].concat(),
            Value::Enum {
                enum_type: TypeName::Local(s("System.Web.UI.Something")),
                value: 5,
            },
        ),
        (vec![12], Value::Color(Color::Empty)),
        (vec![15, 100, 103], pair(Value::Null, Value::Bool(true))),
        (
            vec![16, 100, 104, 102],
            Value::Triplet(
                Box::new(Value::Null),
                Box::new(Value::Bool(false)),
                Box::new(Value::Int32(0)),
            ),
        ),
        (
            vec![20, 43, 2, 2, 5, 1, b'a', 100],
            Value::Array {
                element_type: TypeName::String,
                items: vec![Value::String(s("a")), Value::Null],
            },
        ),
        (
            vec![21, 2, 1, b'a', 0],
            Value::StringArray(vec![s("a"), s("")]),
        ),
        (
            vec![22, 2, 101, 102],
            Value::ArrayList(vec![Value::String(String::new()), Value::Int32(0)]),
        ),
        (
            vec![23, 1, 5, 1, b'k', 103],
            Value::Hashtable(vec![(Value::String(s("k")), Value::Bool(true))]),
        ),
        (
            vec![24, 1, 5, 1, b'k', 100],
            Value::HybridDictionary(vec![(Value::String(s("k")), Value::Null)]),
        ),
        (
            [&[25u8, 41, 14][..], b"System.Int64, "].concat(),
            Value::Type(TypeName::Qualified(s("System.Int64, "))),
        ),
        (
            [&[27u8][..], &50.0f64.to_le_bytes(), &7i32.to_le_bytes()].concat(),
            Value::Unit(Unit::Value {
                value: 50.0,
                unit_type: 7,
            }),
        ),
        (vec![28], Value::Unit(Unit::Empty)),
        (
            [&[29u8, 0, 1][..], &[0xAB; 16]].concat(),
            Value::EventValidationStore(vec![EventValidationEntry([0xAB; 16])]),
        ),
        (
            vec![22, 2, 30, 1, b'x', 31, 0],
            Value::ArrayList(vec![
                Value::IndexedString(s("x")),
                Value::IndexedString(s("x")),
            ]),
        ),
        (
            [&[40u8, 43, 1][..], &[2, b'4', b'2']].concat(),
            Value::Formatted {
                value_type: TypeName::Int32,
                text: s("42"),
            },
        ),
        (
            vec![50, 2, 0xDE, 0xAD],
            Value::BinarySerialized(vec![0xDE, 0xAD]),
        ),
        (
            vec![60, 43, 0, 10, 1, 9, 103],
            Value::SparseArray {
                element_type: TypeName::Object,
                length: 10,
                items: vec![(9, Value::Bool(true))],
            },
        ),
        (vec![100], Value::Null),
        (vec![101], Value::String(String::new())),
        (vec![102], Value::Int32(0)),
        (vec![103], Value::Bool(true)),
        (vec![104], Value::Bool(false)),
        // One type table across sites: added by the Array, referred to by the Type.
        (
            [&[22u8, 2, 20, 42, 1][..], b"T", &[0, 25, 43, 4]].concat(),
            Value::ArrayList(vec![
                Value::Array {
                    element_type: TypeName::Local(s("T")),
                    items: vec![],
                },
                Value::Type(TypeName::Local(s("T"))),
            ]),
        ),
    ]
}

#[test]
fn every_token_reads_as_the_token_table_says_and_writes_back() {
    let table = token_table();
    let mut tokens: Vec<u8> = table.iter().map(|(b, _)| b[0]).collect();
    tokens.sort_unstable();
    tokens.dedup();
    // Every value token of ObjectStateFormatter (types 41-43 appear inside the others).
    assert_eq!(
        tokens,
        [
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16, 20, 21, 22, 23, 24, 25, 27, 28, 29, 40,
            50, 60, 100, 101, 102, 103, 104
        ]
    );
    for (body, expected) in table {
        let bytes = [&[0xFF, 0x01][..], &body].concat();
        let doc = osf::read(&bytes).unwrap_or_else(|e| panic!("{body:?}: {e}"));
        assert_eq!(doc.root, expected, "{body:?}");
        assert_eq!(doc.to_bytes().unwrap(), bytes, "{expected:?}");
        // Every proper prefix is refused with an offset inside the input, never a panic.
        for cut in 0..bytes.len() {
            if let Err(e) = osf::read(&bytes[..cut]) {
                assert!(e.offset() <= cut, "{body:?} cut at {cut}: {e}");
            } else {
                panic!("{body:?} cut at {cut} was read");
            }
        }
    }
}

#[test]
fn refusals_name_the_offset() {
    let cases: &[(&[u8], usize, OsfErrorKind)] = &[
        (b"\xff\x02\x64", 0, OsfErrorKind::NotObjectStateFormatter),
        (b"\xff\x01\x1a", 2, OsfErrorKind::UnknownToken(26)),
        (b"\xff\x01\x0f\x64\x0d", 4, OsfErrorKind::UnknownToken(13)),
        (
            b"\xff\x01\x19\x2b\x04",
            3,
            OsfErrorKind::TypeIndexOutOfRange(4),
        ),
        (b"\xff\x01\x19\x05", 3, OsfErrorKind::BadTypeToken(5)),
        (
            b"\xff\x01\x1f\x00",
            3,
            OsfErrorKind::StringIndexOutOfRange(0),
        ),
        (b"\xff\x01\x1e\x00", 3, OsfErrorKind::EmptyIndexedString),
        (b"\xff\x01\x05\x01\xff", 4, OsfErrorKind::InvalidUtf8),
        (b"\xff\x01\x02\x00", 3, OsfErrorKind::NonCanonicalInteger),
        (
            b"\xff\x01\x02\x80\x00",
            3,
            OsfErrorKind::NonCanonicalInteger,
        ),
        (b"\xff\x01\x05\x00", 3, OsfErrorKind::NonCanonicalString),
        (
            b"\xff\x01\x16\x80\x80\x80\x80\x10",
            3,
            OsfErrorKind::NonCanonicalInteger,
        ),
        (
            b"\xff\x01\x16\xff\xff\xff\xff\x0f",
            3,
            OsfErrorKind::NegativeLength,
        ),
        (b"\xff\x01\x16\x05\x64", 3, OsfErrorKind::Truncated),
        (
            b"\xff\x01\x3c\x2b\x00\x02\x03\x00\x64",
            6,
            OsfErrorKind::SparseArray,
        ),
        (
            b"\xff\x01\x3c\x2b\x00\x02\x01\x02\x64",
            7,
            OsfErrorKind::SparseArray,
        ),
        (
            b"\xff\x01\x1d\x01\x00",
            3,
            OsfErrorKind::EventValidationVersion(1),
        ),
        (
            b"\xff\x01\x16\x02\x1e\x01a\x1e\x01a",
            7,
            OsfErrorKind::NonCanonicalTable,
        ),
    ];
    for (bytes, offset, kind) in cases {
        let e = osf::read(bytes).unwrap_err();
        assert_eq!((e.offset(), e.kind()), (*offset, kind), "{bytes:?}: {e}");
    }
    let deep = [&[0xFF, 0x01][..], &[0x0F; 300], &[0x64; 301]].concat();
    assert_eq!(
        osf::read(&deep).unwrap_err().kind(),
        &OsfErrorKind::TooDeep(256)
    );
    let limits = Limits::default().with_max_depth(8);
    assert_eq!(
        osf::read_with(&deep, &limits).unwrap_err().kind(),
        &OsfErrorKind::TooDeep(8)
    );
}

#[test]
fn string_table_wraps_after_255_slots_as_the_writer_does() {
    // 256 distinct interned strings: the 256th overwrites slot 0, evicting the first.
    let mut items: Vec<Value> = (0..256)
        .map(|i| Value::IndexedString(format!("s{i}")))
        .collect();
    items.push(Value::IndexedString("s255".into()));
    items.push(Value::IndexedString("s0".into()));
    let bytes = osf::write(&Value::ArrayList(items.clone())).unwrap();
    // s255 is referred to in slot 0; s0 had been evicted, so it is added again (slot 1).
    let tail = &bytes[bytes.len() - 6..];
    assert_eq!(tail, [0x1F, 0x00, 0x1E, 0x02, b's', b'0']);
    let doc = osf::read(&bytes).unwrap();
    assert_eq!(doc.root, Value::ArrayList(items));
    assert_eq!(doc.to_bytes().unwrap(), bytes);
}

#[test]
fn writer_refuses_what_objectstateformatter_cannot_write() {
    for v in [
        Value::IndexedString(String::new()),
        Value::Char('😀'),
        Value::SparseArray {
            element_type: TypeName::Object,
            length: 1,
            items: vec![(1, Value::Null)],
        },
    ] {
        assert!(Document::new(v.clone()).to_bytes().is_err(), "{v:?}");
    }
}

fn gadget_vectors() -> Vec<(Json, Vec<u8>)> {
    load("viewstate_gadgets.json")
        .into_iter()
        .map(|v| {
            let bytes = from_base64(v["value_b64"].as_str().unwrap()).unwrap();
            (v, bytes)
        })
        .collect()
}

fn gadgets_of(stream: &nrbf::Stream) -> Vec<Gadget> {
    triage(stream).into_iter().map(|f| f.gadget).collect()
}

#[test]
fn ysoserial_viewstates_read_as_binary_serialized_roots_with_their_gadget() {
    for (v, bytes) in gadget_vectors() {
        if v["kind"] != "objectstateformatter" {
            continue;
        }
        let id = v["id"].as_str().unwrap();
        let e = &v["expected"];
        let doc = osf::read(&bytes).unwrap();
        assert_eq!(
            doc.trailer.len() as u64,
            e["trailer_len"].as_u64().unwrap(),
            "{id}"
        );
        assert_eq!(doc.to_bytes().unwrap(), bytes, "{id}");
        let Value::BinarySerialized(nrbf_bytes) = &doc.root else {
            panic!("{id}: {:?}", doc.root.kind())
        };
        assert_eq!(nrbf_bytes.len() as u64, e["nrbf_len"].as_u64().unwrap());
        let stream = nrbf::read(nrbf_bytes).unwrap();
        assert_eq!(
            stream.length,
            nrbf_bytes.len(),
            "{id}: the walk ends at MessageEnd"
        );
        let names: Vec<&str> = stream
            .classes
            .iter()
            .map(|c| nrbf::gadgets::base_name(&c.name))
            .collect();
        for c in e["classes_include"].as_array().unwrap() {
            assert!(
                names.contains(&c.as_str().unwrap()),
                "{id}: {c} in {names:?}"
            );
        }
        for s in e["strings_include"].as_array().unwrap() {
            let s = s.as_str().unwrap().to_owned();
            assert!(
                stream.strings.contains(&s),
                "{id}: {s:?} in {:?}",
                stream.strings
            );
        }
        let found = gadgets_of(&stream);
        assert!(
            found.contains(&Gadget::TypeConfuseDelegate),
            "{id}: {found:?}"
        );
        assert!(found.contains(&Gadget::ProcessStart), "{id}: {found:?}");
        let text = osf::render::text(&doc.root);
        assert!(text.contains("!! gadget: TypeConfuseDelegate"), "{text}");

        // Bit-flip negative: one bit in every "DelegateSerializationHolder" class name, and the
        // chain is no longer named.
        let mut flipped = bytes.clone();
        let needle = b"System.DelegateSerializationHolder";
        let mut i = 0;
        while let Some(at) = flipped[i..].windows(needle.len()).position(|w| w == needle) {
            flipped[i + at + 7] ^= 0x20; // 'D' -> 'd'
            i += at + needle.len();
        }
        let doc = osf::read(&flipped).unwrap();
        let Value::BinarySerialized(inner) = &doc.root else {
            panic!()
        };
        let (stream, _) = nrbf::read_partial(inner);
        assert!(
            !gadgets_of(&stream).contains(&Gadget::TypeConfuseDelegate),
            "{id}"
        );
    }
}

#[test]
fn ysoserial_binaryformatter_payloads_wrapped_as_ysoserial_wraps_them() {
    for (v, nrbf_bytes) in gadget_vectors() {
        if v["kind"] != "binaryformatter" {
            continue;
        }
        let id = v["id"].as_str().unwrap();
        // SimpleMinifiedObjectLosFormatter's layout: FF 01 32 <7-bit length> <stream>.
        let wrapped = osf::write(&Value::BinarySerialized(nrbf_bytes.clone())).unwrap();
        let doc = osf::read(&wrapped).unwrap();
        let payloads = doc.root.binary_payloads();
        let stream = nrbf::read(payloads[0]).unwrap_or_else(|e| panic!("{id}: {e}"));
        let found = gadgets_of(&stream);
        for g in v["expected"]["gadgets"].as_array().unwrap() {
            let g = g.as_str().unwrap();
            assert!(
                found.iter().any(|f| f.to_string() == g),
                "{id}: {g} in {found:?}"
            );
        }
        if let Some(libs) = v["expected"].get("libraries_include") {
            for l in libs.as_array().unwrap() {
                assert!(
                    stream.libraries.iter().any(|x| x == l.as_str().unwrap()),
                    "{id}"
                );
            }
        }
        // Bit-flip negative: break the header, and nothing is read or flagged.
        let mut flipped = nrbf_bytes.clone();
        flipped[5] ^= 0x01;
        assert!(nrbf::read(&flipped).is_err());
        assert!(triage(&nrbf::read_partial(&flipped).0).is_empty(), "{id}");
    }
}

#[test]
fn nested_streams_are_followed() {
    let v = gadget_vectors()
        .into_iter()
        .find(|(v, _)| v["id"].as_str().unwrap().contains("claimsprincipal"))
        .unwrap();
    let stream = nrbf::read(&v.1).unwrap();
    assert_eq!(
        stream.nested.len(),
        1,
        "the Base64 stream in m_serializedClaimsIdentities"
    );
    let findings = triage(&stream);
    let tcd = findings
        .iter()
        .find(|f| f.gadget == Gadget::TypeConfuseDelegate)
        .unwrap();
    assert_eq!(tcd.nesting, 1);
    assert!(
        findings
            .iter()
            .any(|f| f.gadget == Gadget::ActivitySurrogateDisableTypeCheck)
    );
}

#[test]
fn walker_survives_every_truncation_of_a_real_payload() {
    for (_, bytes) in gadget_vectors() {
        let stream = match osf::read(&bytes) {
            Ok(doc) => doc.root.binary_payloads()[0].to_vec(),
            Err(_) => bytes,
        };
        for cut in (0..stream.len()).step_by(7) {
            let (partial, err) = nrbf::read_partial(&stream[..cut]);
            assert!(err.is_some(), "cut at {cut}");
            assert!(partial.length <= cut);
        }
    }
}

#[test]
fn deep_graphs_are_refused_before_the_stack_runs_out() {
    // On a test thread (2 MiB of stack), in a debug build: the default depth limit and the
    // frames of the reader and writer must fit, for each kind of nesting.
    for open in [
        &[0x0F][..],
        &[0x10],
        &[0x16, 0x01],
        &[0x14, 0x2B, 0x00, 0x01],
        &[0x17, 0x01, 0x64],
    ] {
        let n = Limits::default().max_depth + 10;
        let deep = [&[0xFF, 0x01][..], &open.repeat(n), &[0x64; 3].repeat(n + 1)].concat();
        let e = osf::read(&deep).unwrap_err();
        assert_eq!(e.kind(), &OsfErrorKind::TooDeep(256), "{open:?}");
        let ok = [&[0xFF, 0x01][..], &open.repeat(250), &[0x64; 3].repeat(251)].concat();
        let doc = osf::read(&ok).unwrap_or_else(|e| panic!("{open:?}: {e}"));
        let _ = doc.to_bytes().unwrap();
    }
}
