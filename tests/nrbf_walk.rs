//! The [MS-NRBF] walker and its gadget triage on hand-built `BinaryFormatter` streams: every
//! primitive type read at its width, member type information, multi-dimensional arrays and
//! their element bound, and the gadget rules (`TypeConfuseDelegate`, the `DataSet` spoof,
//! one finding per family and nesting, the ViewState entry points).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::crypto::encoding::{from_base64, to_base64};
use machinekey::formats::nrbf::{
    self,
    gadgets::{Finding, Gadget, in_state, in_unverified_field, triage},
};
use machinekey::formats::osf::{self, Value};

// ---------------------------------------------------------------------------------------
// Stream building ([MS-NRBF] section 2; all integers little-endian).

/// `LengthPrefixedString`: 7-bit encoded byte length, then UTF-8.
fn lps(out: &mut Vec<u8>, s: &str) {
    let mut n = s.len();
    while n >= 0x80 {
        out.push(u8::try_from(n & 0x7F).unwrap() | 0x80);
        n >>= 7;
    }
    out.push(u8::try_from(n).unwrap());
    out.extend(s.as_bytes());
}

fn i32le(out: &mut Vec<u8>, v: i32) {
    out.extend(v.to_le_bytes());
}

/// `SerializedStreamHeader`, the records `body` writes, `MessageEnd`.
fn stream(body: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = nrbf::STREAM_HEADER.to_vec();
    body(&mut out);
    out.push(11);
    out
}

/// `BinaryLibrary` (12).
fn library(out: &mut Vec<u8>, id: i32, name: &str) {
    out.push(12);
    i32le(out, id);
    lps(out, name);
}

/// `BinaryObjectString` (6).
fn string(out: &mut Vec<u8>, id: i32, s: &str) {
    out.push(6);
    i32le(out, id);
    lps(out, s);
}

/// `SystemClassWithMembers` (2) without members.
fn system_class(out: &mut Vec<u8>, id: i32, name: &str) {
    out.push(2);
    i32le(out, id);
    lps(out, name);
    i32le(out, 0);
}

/// `ClassWithMembers` (3) without members, of library `lib`.
fn class(out: &mut Vec<u8>, id: i32, name: &str, lib: i32) {
    out.push(3);
    i32le(out, id);
    lps(out, name);
    i32le(out, 0);
    i32le(out, lib);
}

/// A member's `BinaryTypeEnumeration` with its additional info.
enum Member<'a> {
    Primitive(u8),
    String,
    SystemClass(&'a str),
    Class(&'a str, i32),
}

/// `ClassWithMembersAndTypes` (5): `ClassInfo`, `MemberTypeInfo` (all type bytes first, then
/// the additional infos in order), library id. The caller writes the member values.
fn class_with_types(out: &mut Vec<u8>, id: i32, name: &str, members: &[(&str, Member)], lib: i32) {
    out.push(5);
    i32le(out, id);
    lps(out, name);
    i32le(out, i32::try_from(members.len()).unwrap());
    for (m, _) in members {
        lps(out, m);
    }
    for (_, t) in members {
        out.push(match t {
            Member::Primitive(_) => 0,
            Member::String => 1,
            Member::SystemClass(_) => 3,
            Member::Class(..) => 4,
        });
    }
    for (_, t) in members {
        match t {
            Member::Primitive(p) => out.push(*p),
            Member::String => {}
            Member::SystemClass(n) => lps(out, n),
            Member::Class(n, l) => {
                lps(out, n);
                i32le(out, *l);
            }
        }
    }
    i32le(out, lib);
}

/// One value of every `PrimitiveTypeEnumeration` a member may have (4, 17 and 18 may not),
/// raw as `MemberPrimitiveUnTyped` writes it; Char at each UTF-8 width.
fn primitives() -> Vec<(&'static str, u8, Vec<u8>)> {
    let mut decimal = Vec::new();
    lps(&mut decimal, "-79228162514264337593543950335");
    vec![
        ("Boolean", 1, vec![1]),
        ("Byte", 2, vec![0xFE]),
        ("Char1", 3, "a".as_bytes().to_vec()),
        ("Char2", 3, "é".as_bytes().to_vec()),
        ("Char3", 3, "€".as_bytes().to_vec()),
        ("Char4", 3, "😀".as_bytes().to_vec()),
        ("Decimal", 5, decimal),
        ("Double", 6, 1.5f64.to_le_bytes().to_vec()),
        ("Int16", 7, (-2i16).to_le_bytes().to_vec()),
        ("Int32", 8, 0x0B0B_0B0Bi32.to_le_bytes().to_vec()),
        ("Int64", 9, (-3i64).to_le_bytes().to_vec()),
        ("SByte", 10, vec![0x80]),
        ("Single", 11, 2.5f32.to_le_bytes().to_vec()),
        ("TimeSpan", 12, 36_000_000_000i64.to_le_bytes().to_vec()),
        // Ticks of 2000-01-01 with DateTimeKind.Utc (1) in the top two bits.
        (
            "DateTime",
            13,
            (630_822_816_000_000_000u64 | (1 << 62))
                .to_le_bytes()
                .to_vec(),
        ),
        ("UInt16", 14, 0xFFFFu16.to_le_bytes().to_vec()),
        ("UInt32", 15, 7u32.to_le_bytes().to_vec()),
        ("UInt64", 16, u64::MAX.to_le_bytes().to_vec()),
    ]
}

fn gadgets(findings: &[Finding]) -> Vec<(Gadget, usize)> {
    findings.iter().map(|f| (f.gadget, f.nesting)).collect()
}

/// The `value_b64` of one vector of `tests/data/viewstate_gadgets.json`, found by id.
fn gadget_vector(id: &str) -> String {
    let path = format!(
        "{}/tests/data/viewstate_gadgets.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let at = text.find(&format!("\"id\": \"{id}\"")).unwrap();
    let key = "\"value_b64\": \"";
    let start = at + text[at..].find(key).unwrap() + key.len();
    let len = text[start..].find('"').unwrap();
    text[start..start + len].to_owned()
}

const DOTNETNUKE: &str = "ysoserial-readme-dotnetnuke-typeconfusedelegate";
const SIGNED: &str = "viewstate-decoder-typeconfusedelegate-hmacsha256";

// ---------------------------------------------------------------------------------------
// The walker.

/// A class whose members are one primitive of every type (Char at 1 to 4 bytes) is read at
/// each type's width: the String member after them, the string record after the class, and
/// MessageEnd are all found where they are.
#[test]
fn every_primitive_member_is_read_at_its_width() {
    let prims = primitives();
    let mut members: Vec<(&str, Member)> = prims
        .iter()
        .map(|(name, kind, _)| (*name, Member::Primitive(*kind)))
        .collect();
    members.push(("Tail", Member::String));
    let bytes = stream(|out| {
        library(out, 2, "Lib");
        class_with_types(out, 1, "My.Primitives", &members, 2);
        for (_, _, value) in &prims {
            out.extend(value);
        }
        string(out, 3, "member");
        string(out, 4, "top level");
    });
    let s = nrbf::read(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.strings, ["member", "top level"]);
    assert_eq!(s.classes.len(), 1);
    assert_eq!(s.classes[0].name, "My.Primitives");
    assert_eq!(s.classes[0].library.as_deref(), Some("Lib"));
    assert_eq!(s.classes[0].members.len(), prims.len() + 1);
    assert_eq!(s.length, bytes.len());
}

/// Each primitive type on its own, as a `MemberPrimitiveTyped` record (8) and as a member:
/// the walk ends exactly at MessageEnd, and one byte short it does not end.
#[test]
fn each_primitive_type_alone_has_its_exact_width() {
    for (name, kind, value) in primitives() {
        let typed = stream(|out| {
            out.push(8);
            out.push(kind);
            out.extend(&value);
            string(out, 1, "after");
        });
        let s = nrbf::read(&typed).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(s.strings, ["after"], "{name}");
        assert_eq!(s.length, typed.len(), "{name}");

        let member = stream(|out| {
            out.push(4); // SystemClassWithMembersAndTypes: no library id
            i32le(out, 1);
            lps(out, "System.Tuple`1");
            i32le(out, 1);
            lps(out, "m_Item1");
            out.extend([0, kind]);
            out.extend(&value);
        });
        let s = nrbf::read(&member).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(s.length, member.len(), "{name}");
        // Without its last byte the value swallows MessageEnd, and the walk never ends.
        let mut short = member.clone();
        short.remove(short.len() - 2);
        assert!(nrbf::read(&short).is_err(), "{name}");
    }
}

/// A Char is one UTF-8 sequence: a continuation byte, an overlong lead or a broken sequence
/// is refused at the char's offset.
#[test]
fn a_char_that_is_not_utf8_is_refused() {
    for bad in [
        &[0x80u8][..],
        &[0xC0, 0x80],
        &[0xC3, 0x28],
        &[0xF5, 0x80, 0x80, 0x80],
    ] {
        let bytes = stream(|out| {
            out.extend([8, 3]);
            out.extend(bad);
        });
        let e = nrbf::read(&bytes).unwrap_err();
        assert_eq!(e.reason(), "a char that is not UTF-8", "{bad:02X?}");
        assert_eq!(e.offset(), 19, "{bad:02X?}");
    }
}

/// Member type information of kind Class (4) carries a class name and a library id, kind
/// SystemClass (3) a class name only; both names are listed, and the member values after
/// them are read.
#[test]
fn class_and_system_class_member_types_are_named() {
    let bytes = stream(|out| {
        library(out, 2, "MyLib, Version=1.0.0.0");
        class_with_types(
            out,
            1,
            "My.Outer",
            &[
                ("inner", Member::Class("My.Inner", 2)),
                ("version", Member::SystemClass("System.Version")),
                ("label", Member::String),
            ],
            2,
        );
        // inner: a class record of the named class; version: null; label: a string.
        class_with_types(out, 3, "My.Inner", &[], 2);
        out.push(10);
        string(out, 4, "label");
    });
    let s = nrbf::read(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.member_types, ["My.Inner", "System.Version"]);
    let names: Vec<&str> = s.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["My.Outer", "My.Inner"]);
    assert_eq!(s.classes[0].members, ["inner", "version", "label"]);
    assert_eq!(s.strings, ["label"]);
    assert_eq!(s.length, bytes.len());
}

/// A `BinaryArray` (7) of rank 2 reads its lengths' product of elements: six Int32s of a
/// 2 x 3 rectangular array, and (with lower bounds) a 3 x 1 array of strings.
#[test]
fn multi_dimensional_arrays_are_read_element_by_element() {
    let bytes = stream(|out| {
        out.push(7);
        i32le(out, 1);
        out.push(2); // Rectangular
        i32le(out, 2); // rank
        i32le(out, 2);
        i32le(out, 3);
        out.extend([0, 8]); // Primitive Int32
        for v in 1..=6 {
            i32le(out, v);
        }
        out.push(7);
        i32le(out, 2);
        out.push(5); // RectangularOffset: lower bounds follow the lengths
        i32le(out, 2);
        i32le(out, 3);
        i32le(out, 1);
        i32le(out, -1);
        i32le(out, 10);
        out.push(1); // String elements: records
        string(out, 3, "a");
        out.push(10);
        string(out, 4, "c");
        string(out, 5, "after");
    });
    let s = nrbf::read(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.strings, ["a", "c", "after"]);
    assert_eq!(s.length, bytes.len());
}

/// A `BinaryArray` may have up to 2^24 elements (a null run covers them all); one more and it
/// is refused at its array type byte.
#[test]
fn binary_arrays_are_bounded_at_two_to_the_24_elements() {
    let array = |second: i32| {
        stream(|out| {
            out.push(7);
            i32le(out, 1);
            out.push(2);
            i32le(out, 2);
            i32le(out, 4096);
            i32le(out, second);
            out.push(2); // Object elements
            out.push(14); // ObjectNullMultiple
            i32le(out, 4096 * second);
        })
    };
    let ok = array(4096);
    assert_eq!(
        nrbf::read(&ok).unwrap_or_else(|e| panic!("{e}")).length,
        ok.len()
    );
    let e = nrbf::read(&array(4097)).unwrap_err();
    assert_eq!(e.offset(), 22);
    assert_eq!(e.reason(), "a BinaryArray of more than 16 million elements");
}

// ---------------------------------------------------------------------------------------
// Gadget triage.

/// `TypeConfuseDelegate` needs `DelegateSerializationHolder` and either of `SortedSet`1` or
/// `ComparisonComparer`1`: each alone with the holder is enough, neither is not, and the
/// holder is needed.
#[test]
fn type_confuse_delegate_needs_the_holder_and_either_collection_class() {
    const HOLDER: &str = "System.DelegateSerializationHolder";
    const SET: &str = "System.Collections.Generic.SortedSet`1[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089]]";
    const COMPARER: &str = "System.Collections.Generic.ComparisonComparer`1[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089]]";
    for (classes, expected) in [
        (&[HOLDER, SET][..], true),
        (&[COMPARER, HOLDER][..], true),
        (&[SET, HOLDER, COMPARER][..], true),
        (&[HOLDER][..], false),
        (&[SET, COMPARER][..], false),
    ] {
        let bytes = stream(|out| {
            for (id, name) in (1..).zip(classes) {
                system_class(out, id, name);
            }
        });
        let found = triage(&nrbf::read(&bytes).unwrap());
        let tcd: Vec<&Finding> = found
            .iter()
            .filter(|f| f.gadget == Gadget::TypeConfuseDelegate)
            .collect();
        assert_eq!(tcd.len(), usize::from(expected), "{classes:?}: {found:?}");
    }
}

/// A `DataSet` class record named just `System.Data.DataSet` is the DataSet gadget; one whose
/// name carries an assembly suffix or generic arguments is the type-spoofing variant. Other
/// gadget classes keep their family whatever their name carries.
#[test]
fn a_dataset_name_with_more_than_the_type_is_the_spoofing_variant() {
    for (name, expected) in [
        ("System.Data.DataSet", Gadget::DataSet),
        (
            "System.Data.DataSet, System.Data, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089",
            Gadget::DataSetTypeSpoof,
        ),
        ("System.Data.DataSet[[x]]", Gadget::DataSetTypeSpoof),
        (
            "System.Security.Claims.ClaimsIdentity, mscorlib",
            Gadget::ClaimsIdentity,
        ),
        (
            "System.Security.Claims.ClaimsIdentity",
            Gadget::ClaimsIdentity,
        ),
    ] {
        let bytes = stream(|out| {
            library(
                out,
                2,
                "System.Data, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089",
            );
            class(out, 1, name, 2);
        });
        let found = triage(&nrbf::read(&bytes).unwrap());
        assert_eq!(gadgets(&found), [(expected, 0)], "{name}");
        assert_eq!(found[0].evidence, name);
    }
}

/// A gadget named twice in one stream is reported once; the same gadget in a stream nested in
/// it (a Base64 string) is reported again at its own nesting.
#[test]
fn one_finding_per_gadget_and_nesting() {
    let inner = stream(|out| {
        system_class(out, 1, "System.Security.Claims.ClaimsIdentity");
        system_class(out, 2, "System.Security.Claims.ClaimsIdentity");
    });
    let outer = stream(|out| {
        system_class(out, 1, "System.Security.Claims.ClaimsIdentity");
        string(out, 2, &to_base64(&inner));
        system_class(out, 3, "System.Security.Claims.ClaimsIdentity, mscorlib");
    });
    let s = nrbf::read(&outer).unwrap();
    assert_eq!(s.nested.len(), 1);
    assert_eq!(s.nested[0].classes.len(), 2);
    let found = triage(&s);
    assert_eq!(
        gadgets(&found),
        [(Gadget::ClaimsIdentity, 0), (Gadget::ClaimsIdentity, 1)]
    );
    assert_eq!(found[0].evidence, "System.Security.Claims.ClaimsIdentity");

    // Text gadgets too: "System.Diagnostics.Process" in two strings is one finding.
    let twice = stream(|out| {
        string(out, 1, "System.Diagnostics.Process");
        string(out, 2, "System.Diagnostics.Process, System");
    });
    assert_eq!(
        gadgets(&triage(&nrbf::read(&twice).unwrap())),
        [(Gadget::ProcessStart, 0)]
    );
}

/// `in_state` triages every `BinarySerialized` payload of an `ObjectStateFormatter` tree, a
/// truncated one as far as it reads; on a ysoserial.net ViewState it names the chain.
#[test]
fn in_state_triages_every_binary_payload_of_a_tree() {
    let whole = stream(|out| system_class(out, 1, "System.Security.Claims.ClaimsIdentity"));
    let mut cut = stream(|out| {
        system_class(out, 1, "System.Security.Principal.WindowsIdentity");
        string(out, 2, "truncated here");
    });
    cut.truncate(cut.len() - 5);
    let tree = Value::Pair(
        Box::new(Value::String("page".to_owned())),
        Box::new(Value::ArrayList(vec![
            Value::BinarySerialized(whole),
            Value::Int32(7),
            Value::BinarySerialized(cut),
        ])),
    );
    assert_eq!(
        gadgets(&in_state(&tree)),
        [(Gadget::ClaimsIdentity, 0), (Gadget::WindowsIdentity, 0)]
    );
    assert!(in_state(&Value::String("no payload".to_owned())).is_empty());

    let doc = osf::read(&from_base64(&gadget_vector(DOTNETNUKE)).unwrap()).unwrap();
    let found = gadgets(&in_state(&doc.root));
    assert!(
        found.contains(&(Gadget::TypeConfuseDelegate, 0)),
        "{found:?}"
    );
    assert!(found.contains(&(Gadget::ProcessStart, 0)), "{found:?}");
}

/// `in_unverified_field` reads a `__VIEWSTATE` field's text without keys: an unsigned
/// ysoserial.net field and a legacy signed one (MAC not checked) both name their chain, and a
/// field with no `BinaryFormatter` stream in it names nothing.
#[test]
fn in_unverified_field_names_the_chain_of_unsigned_and_signed_fields() {
    for id in [DOTNETNUKE, SIGNED] {
        let field = gadget_vector(id);
        let found = gadgets(&in_unverified_field(&field));
        assert!(
            found.contains(&(Gadget::TypeConfuseDelegate, 0)),
            "{id}: {found:?}"
        );
    }
    // A hand-built tree, as a form post would carry it (percent-encoded Base64).
    let tree = Value::ArrayList(vec![Value::BinarySerialized(stream(|out| {
        system_class(out, 1, "System.Security.Claims.ClaimsPrincipal");
    }))]);
    let field = to_base64(&osf::write(&tree).unwrap())
        .replace('/', "%2F")
        .replace('+', "%2B")
        .replace('=', "%3D");
    assert_eq!(
        gadgets(&in_unverified_field(&field)),
        [(Gadget::ClaimsPrincipal, 0)]
    );
    // Page state without a stream, and text that is no encoding at all.
    assert!(in_unverified_field("/wEPDwUJODExMDE5NzY5ZGQ=").is_empty());
    assert!(in_unverified_field("not a viewstate!").is_empty());
}

/// A run of `BinaryLibrary` records (a few bytes each) is read in a loop: 20 000 of them
/// in one stream, on a thread with a small stack, neither overflow it nor lose a library;
/// a run cut short is an error at the cut.
#[test]
fn long_runs_of_library_records_do_not_nest() {
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let bytes = stream(|out| {
                for i in 0..20_000 {
                    library(out, 1000 + i, "L");
                }
                string(out, 3, "after the libraries");
            });
            let s = nrbf::read(&bytes).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(s.libraries.len(), 20_000);
            assert_eq!(s.strings, ["after the libraries"]);
            assert_eq!(s.length, bytes.len());
            // The same inside a ViewState field, as the carver and the event reader triage it.
            let field = to_base64(&osf::write(&Value::BinarySerialized(bytes.clone())).unwrap());
            let _ = in_unverified_field(&field);
            let cut = &bytes[..bytes.len() - 30];
            assert!(nrbf::read(cut).is_err());
        })
        .unwrap();
    handle.join().unwrap();
}

/// A class's member count is held to what the rest of the stream could name (each name
/// takes at least its length byte): one more is refused at the count; a count the rest can
/// just hold is read, and the stream then ends short elsewhere.
#[test]
fn member_counts_are_bounded_by_the_rest_of_the_stream() {
    // SystemClassWithMembers (2): id, name, count, then the member names.
    let head = |count: i32| {
        let mut out = nrbf::STREAM_HEADER.to_vec();
        out.push(2);
        i32le(&mut out, 1);
        lps(&mut out, "C");
        i32le(&mut out, count);
        out
    };
    let count_at = head(0).len() - 4;
    // Three empty names: the rest holds exactly three bytes.
    let mut exact = head(3);
    exact.extend([0, 0, 0]);
    let e = nrbf::read(&exact).unwrap_err();
    assert_ne!(e.reason(), "a member count past the data");
    assert!(e.offset() > count_at, "{}", e.offset());
    let mut over = head(4);
    over.extend([0, 0, 0]);
    let e = nrbf::read(&over).unwrap_err();
    assert_eq!(
        (e.offset(), e.reason()),
        (count_at, "a member count past the data")
    );
}

/// `n` records each holding the next as its one member (`SystemClassWithMembers`, whose
/// members are all records), or as its one element (`ArraySingleObject`), around a null.
fn nested_records(n: i32, arrays: bool) -> Vec<u8> {
    stream(|out| {
        for i in 0..n {
            if arrays {
                out.push(16);
                i32le(out, i + 1);
                i32le(out, 1);
            } else {
                out.push(2);
                i32le(out, i + 1);
                lps(out, "C");
                i32le(out, 1);
                lps(out, "m");
            }
        }
        out.push(10);
    })
}

/// Records nest through members and array elements alike, 64 deep at most.
#[test]
fn record_nesting_is_bounded_through_members_and_elements() {
    for arrays in [false, true] {
        let deepest = (1..100)
            .take_while(|n| nrbf::read(&nested_records(*n, arrays)).is_ok())
            .last()
            .unwrap();
        assert_eq!(deepest, 64, "arrays: {arrays}");
        let e = nrbf::read(&nested_records(65, arrays)).unwrap_err();
        assert_eq!(e.reason(), "records nested deeper than 64");
    }
}

/// Record kinds read, or refused by name: a class again by id, null runs in arrays, arrays
/// of primitives, a second header, remoting's method calls.
#[test]
fn other_record_kinds() {
    // ClassWithId (1) repeats an earlier class's metadata: the class is named again.
    let bytes = stream(|out| {
        system_class(out, 1, "First.Class");
        out.push(1);
        i32le(out, 2);
        i32le(out, 1);
    });
    let s = nrbf::read(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = s.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["First.Class", "First.Class"]);
    // ObjectNullMultiple256 (13) and ObjectNullMultiple (14) count as that many elements.
    for run in [[13u8, 2].as_slice(), &[14, 2, 0, 0, 0]] {
        let bytes = stream(|out| {
            out.push(16);
            i32le(out, 1);
            i32le(out, 3);
            out.extend(run);
            string(out, 2, "third");
        });
        let s = nrbf::read(&bytes).unwrap_or_else(|e| panic!("{run:?}: {e}"));
        assert_eq!(s.strings, ["third"]);
        // ... and not past the array's length.
        let mut past = run.to_vec();
        past[1] = 4;
        let bytes = stream(|out| {
            out.push(16);
            i32le(out, 1);
            i32le(out, 3);
            out.extend(&past);
        });
        let e = nrbf::read(&bytes).unwrap_err();
        assert_eq!(e.reason(), "a null run past the array's length", "{run:?}");
    }
    // ArraySinglePrimitive (15) of Int32: two values, then the next record.
    let bytes = stream(|out| {
        out.push(15);
        i32le(out, 1);
        i32le(out, 2);
        out.push(8);
        i32le(out, 7);
        i32le(out, 9);
        string(out, 2, "after");
    });
    let s = nrbf::read(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.strings, ["after"]);
    // ... of bytes: walked as a nested stream when they hold one; an unknown type refused.
    let inner = stream(|out| string(out, 1, "inside"));
    let bytes = stream(|out| {
        out.push(15);
        i32le(out, 1);
        i32le(out, i32::try_from(inner.len()).unwrap());
        out.push(2);
        out.extend(&inner);
    });
    let s = nrbf::read(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.nested.len(), 1);
    assert_eq!(s.nested[0].strings, ["inside"]);
    let unknown = stream(|out| {
        out.push(15);
        i32le(out, 1);
        i32le(out, 1);
        out.push(4);
        out.push(0);
    });
    let e = nrbf::read(&unknown).unwrap_err();
    assert_eq!(
        (e.offset(), e.reason()),
        (nrbf::STREAM_HEADER.len() + 5, "an unknown primitive type")
    );
    // BinaryArray (7): array types 0 to 5, ranks 1 to 32.
    let kind_at = nrbf::STREAM_HEADER.len() + 5;
    for (array_type, rank) in [(0u8, 0i32), (0, 33), (6, 1)] {
        let bytes = stream(|out| {
            out.push(7);
            i32le(out, 1);
            out.push(array_type);
            i32le(out, rank);
            i32le(out, 1);
            out.push(0);
            out.push(8);
            i32le(out, 5);
        });
        let e = nrbf::read(&bytes).unwrap_err();
        assert_eq!(
            (e.offset(), e.reason()),
            (kind_at, "a BinaryArray of an unknown kind or rank"),
            "type {array_type}, rank {rank}"
        );
    }
    // A second SerializedStreamHeader, and remoting's MethodCall (21) and MethodReturn (22).
    let at = nrbf::STREAM_HEADER.len();
    let twice = stream(|out| out.extend(nrbf::STREAM_HEADER));
    let e = nrbf::read(&twice).unwrap_err();
    assert_eq!((e.offset(), e.reason()), (at, "a second stream header"));
    for kind in [21u8, 22] {
        let e = nrbf::read(&stream(|out| out.extend([kind, 0, 0, 0, 0]))).unwrap_err();
        assert_eq!(
            (e.offset(), e.reason()),
            (at, "a method call or return record (remoting), not read")
        );
    }
}

/// A stream holding `inner` as an `ArraySinglePrimitive` of bytes.
fn in_byte_array(inner: &[u8]) -> Vec<u8> {
    stream(|out| {
        out.push(15);
        i32le(out, 1);
        i32le(out, i32::try_from(inner.len()).unwrap());
        out.push(2);
        out.extend(inner);
    })
}

/// How many streams deep the first nested chain goes.
fn chain_depth(s: &nrbf::Stream) -> usize {
    s.nested.first().map_or(0, |n| 1 + chain_depth(n))
}

/// Streams nested in byte arrays, bare or as an ObjectStateFormatter payload, are followed
/// four deep and no deeper; primitive arrays are held to the data left.
#[test]
fn nested_streams_are_followed_four_deep() {
    let innermost = stream(|out| string(out, 1, "deep"));
    for as_osf in [false, true] {
        let mut bytes = innermost.clone();
        for _ in 0..6 {
            let inner = if as_osf {
                osf::write(&Value::BinarySerialized(bytes.clone())).unwrap()
            } else {
                bytes.clone()
            };
            bytes = in_byte_array(&inner);
        }
        let s = nrbf::read(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(chain_depth(&s), 4, "as ObjectStateFormatter: {as_osf}");
    }
    // An array of n booleans needs n bytes: with exactly n left it is read (and the stream
    // then lacks its MessageEnd); with fewer it is refused at its length.
    let bools = |n: i32, have: usize| {
        let mut out = nrbf::STREAM_HEADER.to_vec();
        out.push(15);
        i32le(&mut out, 1);
        i32le(&mut out, n);
        out.push(1);
        out.extend(vec![1u8; have]);
        out
    };
    let e = nrbf::read(&bools(3, 3)).unwrap_err();
    assert_ne!(e.reason(), "an array length past the data");
    let e = nrbf::read(&bools(4, 3)).unwrap_err();
    assert_eq!(
        (e.offset(), e.reason()),
        (
            nrbf::STREAM_HEADER.len() + 5,
            "an array length past the data"
        )
    );
}

/// A string that is Base64 of a stream is walked as one: the shortest, 24 characters (a
/// header and MessageEnd), included.
#[test]
fn base64_strings_of_streams_are_walked_from_24_characters() {
    let empty = to_base64(&stream(|_| {}));
    assert_eq!(empty.len(), 24);
    let bytes = stream(|out| string(out, 1, &empty));
    let s = nrbf::read(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.nested.len(), 1);
    let short = stream(|out| string(out, 1, &empty[..20]));
    assert!(nrbf::read(&short).unwrap().nested.is_empty());
}
