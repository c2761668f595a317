//! Mono's `ObjectStateFormatter` streams (`formats::osf::mono`), hand-built from the token
//! layout the module documents (Mono's `ObjectStateFormatter.cs`: 1/2 `String` value / cached
//! reference, 3 `Int64`, 4/5 `Int32`, 6 `Int16`, 7 `Byte`, 8/9 `Boolean`, 10 `Char`,
//! 11 `DateTime`, 12 `Pair`, 13 `Triplet`, 14 `ArrayList`, 15 `Hashtable`, 16 `object[]`,
//! 17/18 `Unit`, 19/20 `FontUnit`, 21/22 `IndexedString`, 23/24 `Color`, 25 `Enum`,
//! 26/27 `Type`, 28/29 arrays, 30/31 `TypeConverter` string, 32 `BinaryFormatter` object;
//! 7-bit counts and string lengths, little-endian fixed-width numbers, `Int16` cache indexes):
//! every value reads to exactly what the layout says, renders to exact text, and every
//! limit (nesting depth, value count, input size, counts past the data) holds at its bound
//! and fails one past it; `is_mono` accepts exactly the trailers a Mono page leaves (nothing
//! or a MAC, possibly after the `isEncrypted` byte, or the buffer's zero fill to at least
//! 256 bytes and a MAC, as Mono 2.10 signs `GetBuffer()`); a stream without `FF 01` is read
//! with the older table (no `IndexedString`: ids from 21 on less two); `binary_payloads`
//! finds every `BinaryFormatter` stream wherever it is nested.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::formats::nrbf;
use machinekey::formats::osf::{
    self, OsfErrorKind,
    mono::{self, MonoValue},
};

/// `FF 01` and then `body`.
fn ms(body: &[u8]) -> Vec<u8> {
    let mut b = vec![0xFF, 0x01];
    b.extend_from_slice(body);
    b
}

/// `Write7BitEncodedInt` / `BinaryWriter`'s string length prefix.
fn seven_bit(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let low = u8::try_from(n & 0x7F).unwrap();
        n >>= 7;
        if n == 0 {
            out.push(low);
            return out;
        }
        out.push(low | 0x80);
    }
}

/// A `BinaryWriter` string: 7-bit byte length, then UTF-8.
fn string(s: &str) -> Vec<u8> {
    let mut b = seven_bit(s.len());
    b.extend(s.as_bytes());
    b
}

fn s(v: &str) -> MonoValue {
    MonoValue::String(v.into())
}

fn read_err(bytes: &[u8]) -> (OsfErrorKind, usize) {
    let e = mono::read(bytes).unwrap_err();
    (e.kind().clone(), e.offset())
}

fn b(v: MonoValue) -> Box<MonoValue> {
    Box::new(v)
}

#[test]
fn scalars_read_to_the_documented_values() {
    let cases: Vec<(Vec<u8>, MonoValue)> = vec![
        (vec![0], MonoValue::Null),
        (
            [&[3][..], &(-2i64).to_le_bytes()].concat(),
            MonoValue::Int64(-2),
        ),
        (
            [&[4][..], &0x0102_0304i32.to_le_bytes()].concat(),
            MonoValue::Int32(0x0102_0304),
        ),
        (vec![5, 200], MonoValue::Int32(200)),
        (
            [&[6][..], &(-3i16).to_le_bytes()].concat(),
            MonoValue::Int16(-3),
        ),
        (vec![7, 255], MonoValue::Byte(255)),
        (vec![8], MonoValue::Bool(true)),
        (vec![9], MonoValue::Bool(false)),
        (
            [&[11][..], &630_822_816_000_000_000i64.to_le_bytes()].concat(),
            MonoValue::DateTime(630_822_816_000_000_000),
        ),
        (
            [&[23][..], &0x1234_5678i32.to_le_bytes()].concat(),
            MonoValue::Color {
                known: false,
                value: 0x1234_5678,
            },
        ),
        (
            [&[24][..], &35i32.to_le_bytes()].concat(),
            MonoValue::Color {
                known: true,
                value: 35,
            },
        ),
        (
            [&[24][..], &(-1i32).to_le_bytes()].concat(),
            MonoValue::Color {
                known: true,
                value: -1,
            },
        ),
        (
            [&[26][..], &string("System.Int32"), &string("mscorlib")].concat(),
            MonoValue::Type("System.Int32, mscorlib".into()),
        ),
        (
            [&[32][..], &string("abc")].concat(),
            MonoValue::Binary(b"abc".to_vec()),
        ),
        (
            [&[32][..], &[0][..]].concat(),
            MonoValue::Binary(Vec::new()),
        ),
    ];
    for (body, want) in cases {
        // Alone, and followed by a 20-byte MAC: the value ends exactly where its layout does.
        let state = mono::read(&ms(&body)).unwrap();
        assert_eq!(state.root, want, "{body:?}");
        assert!(state.trailer.is_empty(), "{body:?}");
        let mut with_mac = ms(&body);
        with_mac.extend([0xAA; 20]);
        let state = mono::read(&with_mac).unwrap();
        assert_eq!(state.root, want, "{body:?}");
        assert_eq!(state.trailer, [0xAA; 20], "{body:?}");
    }
}

#[test]
fn header_is_optional_and_unknown_tokens_fail_where_they_stand() {
    // Older Mono wrote no `FF 01`: the stream starts with its token.
    let state = mono::read(&[12, 8, 9, 0, 0xAA]).unwrap();
    assert_eq!(
        state.root,
        MonoValue::Pair(b(MonoValue::Bool(true)), b(MonoValue::Bool(false)))
    );
    assert_eq!(state.trailer, [0, 0xAA]);
    assert_eq!(read_err(&ms(&[33])), (OsfErrorKind::UnknownToken(33), 2));
    assert_eq!(
        read_err(&ms(&[12, 8, 0xC8])),
        (OsfErrorKind::UnknownToken(0xC8), 4)
    );
    assert_eq!(read_err(&ms(&[])), (OsfErrorKind::Truncated, 2));
    assert_eq!(read_err(&ms(&[4, 1, 2, 3])), (OsfErrorKind::Truncated, 3));
}

#[test]
fn seven_bit_lengths_are_low_group_first() {
    // 130 = 0x82 0x01; 300 = 0xAC 0x02.
    let long = "a".repeat(130);
    let body = [&[1][..], &[0x82, 0x01], long.as_bytes(), &[9]].concat();
    assert_eq!(seven_bit(130), [0x82, 0x01]);
    let state = mono::read(&ms(&body)).unwrap();
    assert_eq!(state.root, s(&long));
    assert_eq!(state.trailer, [9]);
    let payload = vec![0x5A; 300];
    let body = [&[32][..], &[0xAC, 0x02], &payload].concat();
    let state = mono::read(&ms(&body)).unwrap();
    assert_eq!(state.root, MonoValue::Binary(payload));
    assert!(state.trailer.is_empty());
    // An ArrayList of 128 items (count 0x80 0x01).
    let body = [&[14][..], &[0x80, 0x01], &[9; 128]].concat();
    assert_eq!(
        mono::read(&ms(&body)).unwrap().root,
        MonoValue::ArrayList(vec![MonoValue::Bool(false); 128])
    );
    // Five groups whose last one still continues; and a length of 2^31 or more.
    assert_eq!(
        read_err(&ms(&[1, 0x80, 0x80, 0x80, 0x80, 0x80, 0])).0,
        OsfErrorKind::NonCanonicalInteger
    );
    assert_eq!(
        read_err(&ms(&[1, 0x80, 0x80, 0x80, 0x80, 0x08])).0,
        OsfErrorKind::NegativeLength
    );
}

#[test]
fn strings_are_cached_and_referenced_by_int16_index() {
    // Pair(Triplet("Text", "Text" by reference 0, Unit "10px"), ArrayList[Unit by reference 1,
    // a string reference to the Unit's text, FontUnit, IndexedString]): strings, Units,
    // FontUnits and IndexedStrings share one cache, in reading order.
    let body = [
        &[12, 13][..],
        &[1],
        &string("Text"),
        &[2, 0, 0],
        &[17],
        &string("10px"),
        &[14, 4, 18, 1, 0, 2, 1, 0, 19],
        &string("Large"),
        &[21],
        &string("idx"),
    ]
    .concat();
    let state = mono::read(&ms(&body)).unwrap();
    assert!(state.trailer.is_empty());
    assert_eq!(
        state.root,
        MonoValue::Pair(
            b(MonoValue::Triplet(
                b(s("Text")),
                b(s("Text")),
                b(MonoValue::Text("Unit", "10px".into())),
            )),
            b(MonoValue::ArrayList(vec![
                MonoValue::Text("Unit", "10px".into()),
                s("10px"),
                MonoValue::Text("FontUnit", "Large".into()),
                MonoValue::Text("IndexedString", "idx".into()),
            ])),
        )
    );
    // FontUnit and IndexedString references.
    let tail = [
        &[16, 4][..],
        &[19],
        &string("Large"),
        &[21],
        &string("idx"),
        &[20, 0, 0, 22, 1, 0],
    ]
    .concat();
    assert_eq!(
        mono::read(&ms(&tail)).unwrap().root,
        MonoValue::ObjectArray(vec![
            MonoValue::Text("FontUnit", "Large".into()),
            MonoValue::Text("IndexedString", "idx".into()),
            MonoValue::Text("FontUnit", "Large".into()),
            MonoValue::Text("IndexedString", "idx".into()),
        ])
    );
    // Little-endian index: 01 00 is entry 1, 00 01 (256) is past the cache.
    let two = [
        &[12, 1][..],
        &string("a"),
        &[12, 1],
        &string("b"),
        &[2, 1, 0],
    ]
    .concat();
    assert_eq!(
        mono::read(&ms(&two)).unwrap().root,
        MonoValue::Pair(b(s("a")), b(MonoValue::Pair(b(s("b")), b(s("b")))))
    );
    let past = [&[12, 1][..], &string("a"), &[2, 0, 1]].concat();
    assert_eq!(
        read_err(&ms(&past)),
        (OsfErrorKind::StringIndexOutOfRange(255), 9)
    );
    assert_eq!(
        read_err(&ms(&[2, 0, 0])),
        (OsfErrorKind::StringIndexOutOfRange(0), 5)
    );
    assert_eq!(
        read_err(&ms(&[2, 0xFF, 0xFF])),
        (OsfErrorKind::StringIndexOutOfRange(255), 5)
    );
    // A string reference to a cached type is no string.
    let to_type = [&[12, 26][..], &string("T"), &string("A"), &[2, 0, 0]].concat();
    assert_eq!(read_err(&ms(&to_type)), (OsfErrorKind::BadTypeToken(0), 11));
    // A type reference returns the cached type.
    let type_ref = [&[12, 26][..], &string("T"), &string("A"), &[27, 0, 0]].concat();
    assert_eq!(
        mono::read(&ms(&type_ref)).unwrap().root,
        MonoValue::Pair(
            b(MonoValue::Type("T, A".into())),
            b(MonoValue::Type("T, A".into()))
        )
    );
}

#[test]
fn collections_read_their_counted_items() {
    let state = mono::read(&ms(&[14, 3, 5, 7, 8, 9, 0xAA])).unwrap();
    assert_eq!(
        state.root,
        MonoValue::ArrayList(vec![
            MonoValue::Int32(7),
            MonoValue::Bool(true),
            MonoValue::Bool(false)
        ])
    );
    assert_eq!(state.trailer, [0xAA]);
    let state = mono::read(&ms(&[16, 2, 0, 7, 1, 0xAA, 0xBB])).unwrap();
    assert_eq!(
        state.root,
        MonoValue::ObjectArray(vec![MonoValue::Null, MonoValue::Byte(1)])
    );
    assert_eq!(state.trailer, [0xAA, 0xBB]);
    let body = [&[15, 2][..], &[1], &string("k"), &[5, 9], &[0, 8], &[0xAA]].concat();
    let state = mono::read(&ms(&body)).unwrap();
    assert_eq!(
        state.root,
        MonoValue::Hashtable(vec![
            (s("k"), MonoValue::Int32(9)),
            (MonoValue::Null, MonoValue::Bool(true))
        ])
    );
    assert_eq!(state.trailer, [0xAA]);
    // Enum(type, value) and a typed array: type, then counted items.
    let body = [
        &[25, 26][..],
        &string("E"),
        &string("A"),
        &[5, 2, 28, 27, 0, 0, 2, 5, 1, 0],
    ]
    .concat();
    let state = mono::read(&ms(&[&[12][..], &body].concat())).unwrap();
    assert_eq!(
        state.root,
        MonoValue::Pair(
            b(MonoValue::Enum(
                b(MonoValue::Type("E, A".into())),
                b(MonoValue::Int32(2))
            )),
            b(MonoValue::Array(
                b(MonoValue::Type("E, A".into())),
                vec![MonoValue::Int32(1), MonoValue::Null]
            ))
        )
    );
}

#[test]
fn counts_are_bounded_by_the_bytes_left() {
    // Empty collections at the very end: a count of 0 with 0 bytes left is fine.
    for token in [14u8, 16] {
        let state = mono::read(&ms(&[token, 0])).unwrap();
        let want = if token == 14 {
            MonoValue::ArrayList(Vec::new())
        } else {
            MonoValue::ObjectArray(Vec::new())
        };
        assert_eq!(state.root, want);
        assert!(state.trailer.is_empty());
        // A count equal to the bytes left (one-byte items) is fine too.
        let state = mono::read(&ms(&[token, 2, 0, 0])).unwrap();
        assert!(state.trailer.is_empty());
        // One item with bytes after it.
        let state = mono::read(&ms(&[token, 1, 0, 0xAA, 0xBB])).unwrap();
        assert_eq!(state.trailer, [0xAA, 0xBB]);
        // A count past the bytes left fails at once, right after the count.
        assert_eq!(
            read_err(&ms(&[token, 5, 0, 0])),
            (OsfErrorKind::Truncated, 4)
        );
        assert_eq!(
            read_err(&ms(&[token, 0xFF, 0xFF, 0xFF, 0xFF, 0x07])),
            (OsfErrorKind::Truncated, 8)
        );
    }
    let state = mono::read(&ms(&[15, 0])).unwrap();
    assert_eq!(state.root, MonoValue::Hashtable(Vec::new()));
    assert!(state.trailer.is_empty());
    let state = mono::read(&ms(&[15, 1, 0, 8, 0xAA, 0xBB, 0xCC])).unwrap();
    assert_eq!(
        state.root,
        MonoValue::Hashtable(vec![(MonoValue::Null, MonoValue::Bool(true))])
    );
    assert_eq!(state.trailer, [0xAA, 0xBB, 0xCC]);
    assert_eq!(read_err(&ms(&[15, 3, 0, 0])), (OsfErrorKind::Truncated, 4));
    // A count within the bytes left whose pairs run out fails where the data ends.
    assert_eq!(read_err(&ms(&[15, 2, 0, 0])), (OsfErrorKind::Truncated, 6));
}

/// `k` nested levels of `open`, each closed by `close`, around a null.
fn nested(open: &[u8], inner: &[u8], close: &[u8], k: usize) -> Vec<u8> {
    let mut body = open.repeat(k);
    body.extend(inner);
    body.extend(close.repeat(k));
    ms(&body)
}

/// A container's opening bytes, the innermost value, its closing bytes, and the offset of
/// the first value of level 257.
type Nesting = (&'static [u8], &'static [u8], &'static [u8], usize);

#[test]
fn nesting_depth_is_limited_at_256() {
    // Pair (its two values), Triplet, ArrayList and object[] items, Hashtable keys and
    // values, Enum, typed array and Converted type: each adds one level. The root is level 0,
    // and a value at level 256 is still read.
    // The error is at the first value of level 257: right after the header of the 257th
    // container (opened at 2 + 256 * its opening's length).
    let shapes: [Nesting; 8] = [
        (&[12], &[0], &[0], 2 + 256 + 1),      // Pair(next, null)
        (&[12, 0], &[0], &[], 2 + 512 + 1),    // Pair(null, next)
        (&[13, 0, 0], &[0], &[], 2 + 768 + 1), // Triplet(null, null, next)
        (&[14, 1], &[0], &[], 2 + 512 + 2),    // ArrayList[next]
        (&[16, 1], &[0], &[], 2 + 512 + 2),    // object[] [next]
        (&[15, 1], &[0], &[0], 2 + 512 + 2),   // Hashtable{next: null}
        (&[15, 1, 0], &[0], &[], 2 + 768 + 2), // Hashtable{null: next}
        (&[28, 0, 1], &[0], &[], 2 + 768 + 1), // Array(null type, [next])
    ];
    for (open, inner, close, offset) in shapes {
        let ok = nested(open, inner, close, 256);
        let state = mono::read(&ok).unwrap();
        assert!(state.trailer.is_empty(), "{open:?}");
        let deep = nested(open, inner, close, 257);
        assert_eq!(
            read_err(&deep),
            (OsfErrorKind::TooDeep(256), offset),
            "{open:?}"
        );
    }
    // The same through Enum's value and Converted's type.
    let ok = nested(&[25, 0], &[0], &[], 256);
    assert!(mono::read(&ok).is_ok());
    assert_eq!(
        read_err(&nested(&[25, 0], &[0], &[], 257)).0,
        OsfErrorKind::TooDeep(256)
    );
    let converted_close = [&[30][..], &string("c")].concat();
    let ok = nested(&[30], &[0], &converted_close, 256);
    assert!(mono::read(&ok).is_ok());
    assert_eq!(
        read_err(&nested(&[30], &[0], &converted_close, 257)),
        (OsfErrorKind::TooDeep(256), 2 + 257)
    );
}

#[test]
fn values_are_limited_to_a_million() {
    // The ArrayList is value 1, its n items values 2..=n+1.
    let list = |n: usize| {
        let mut body = vec![14];
        body.extend(seven_bit(n));
        body.resize(body.len() + n, 0);
        ms(&body)
    };
    assert_eq!(seven_bit(1_000_000).len(), 3);
    let state = mono::read(&list(999_999)).unwrap();
    match &state.root {
        MonoValue::ArrayList(items) => assert_eq!(items.len(), 999_999),
        other => panic!("{other:?}"),
    }
    assert!(state.trailer.is_empty());
    // Value 1 000 001 is the last item, at 2 + 1 + 3 + 999 999.
    assert_eq!(
        read_err(&list(1_000_000)),
        (OsfErrorKind::TooManyValues(1_000_000), 1_000_005)
    );
}

#[test]
fn input_is_limited_to_16_mib() {
    let mut bytes = ms(&[0]);
    bytes.resize(16 << 20, 0x5A);
    let state = mono::read(&bytes).unwrap();
    assert_eq!(state.root, MonoValue::Null);
    assert_eq!(state.trailer.len(), (16 << 20) - 3);
    bytes.push(0x5A);
    assert_eq!(
        read_err(&bytes),
        (OsfErrorKind::TooLarge(16 << 20), 16 << 20)
    );
}

#[test]
fn chars_are_one_utf8_encoded_code_unit() {
    for (encoded, c) in [
        (&b"A"[..], 'A'),
        (&[0x00][..], '\0'),
        (&[0x7F][..], '\u{7F}'),
        ("é".as_bytes(), 'é'),
        ("\u{7FF}".as_bytes(), '\u{7FF}'),
        ("€".as_bytes(), '€'),
        ("\u{FFFD}".as_bytes(), '\u{FFFD}'),
    ] {
        let body = [&[10][..], encoded].concat();
        let state = mono::read(&ms(&body)).unwrap();
        assert_eq!(state.root, MonoValue::Char(c), "{encoded:?}");
        assert!(state.trailer.is_empty(), "{encoded:?}");
        let state = mono::read(&ms(&[&body[..], &[0xAA, 0xBB]].concat())).unwrap();
        assert_eq!(state.root, MonoValue::Char(c), "{encoded:?}");
        assert_eq!(state.trailer, [0xAA, 0xBB], "{encoded:?}");
    }
    // A continuation byte, an over-long lead, a byte no UTF-8 has, a surrogate, a cut char,
    // and a four-byte sequence (a surrogate pair: no .NET `Char` holds one, and
    // `BinaryReader.ReadChar` refuses it).
    for four in [
        "😀".as_bytes(),
        "\u{10000}".as_bytes(),
        "\u{10FFFF}".as_bytes(),
    ] {
        let body = [&[10][..], four].concat();
        assert_eq!(
            read_err(&ms(&body)),
            (OsfErrorKind::InvalidChar, 4),
            "{four:?}"
        );
    }
    assert_eq!(read_err(&ms(&[10, 0x80])), (OsfErrorKind::InvalidChar, 4));
    assert_eq!(
        read_err(&ms(&[10, 0xC0, 0x80])),
        (OsfErrorKind::InvalidChar, 4)
    );
    assert_eq!(read_err(&ms(&[10, 0xFF])), (OsfErrorKind::InvalidChar, 4));
    assert_eq!(
        read_err(&ms(&[10, 0xED, 0xA0, 0x80])).0,
        OsfErrorKind::InvalidChar
    );
    assert_eq!(
        read_err(&ms(&[10, 0xE2, 0x82])),
        (OsfErrorKind::Truncated, 4)
    );
    assert_eq!(read_err(&ms(&[10])), (OsfErrorKind::Truncated, 3));
}

#[test]
fn type_converter_strings_take_token_30_or_31_inside() {
    // Converted(Type "T, A", "123"), then the same by references: the type is entry 0, the
    // string entry 1 (30 inside: a string, cached; 31: a reference).
    let body = [
        &[12, 30, 26][..],
        &string("T"),
        &string("A"),
        &[30],
        &string("123"),
        &[30, 27, 0, 0, 31, 1, 0],
    ]
    .concat();
    let conv = MonoValue::Converted(b(MonoValue::Type("T, A".into())), "123".into());
    let state = mono::read(&ms(&body)).unwrap();
    assert_eq!(state.root, MonoValue::Pair(b(conv.clone()), b(conv)));
    assert!(state.trailer.is_empty());
    // Any other token inside is refused.
    for inner in [0u8, 1, 2, 5, 29, 32] {
        assert_eq!(
            read_err(&ms(&[30, 0, inner, 1, 0, 0])).0,
            OsfErrorKind::UnknownToken(inner),
            "{inner}"
        );
    }
}

/// A `BinaryFormatter` stream: header, the string "hi" (object 1), `MessageEnd`.
fn nrbf_hi() -> Vec<u8> {
    let mut b = nrbf::STREAM_HEADER.to_vec();
    b.extend([6, 1, 0, 0, 0, 2, b'h', b'i', 11]);
    b
}

#[test]
fn primitive_arrays_are_inline_binary_formatter_streams() {
    let stream = nrbf_hi();
    assert!(nrbf::read(&stream).is_ok());
    let bytes = ms(&[&[29][..], &stream, &[0xAA; 20]].concat());
    let state = mono::read(&bytes).unwrap();
    assert_eq!(state.root, MonoValue::Binary(stream.clone()));
    assert_eq!(state.trailer, [0xAA; 20]);
    assert_eq!(state.binary_payloads(), [&stream[..]]);
    // A stream that does not reach its MessageEnd, and bytes that are no stream at all.
    let cut = &stream[..stream.len() - 1];
    assert_eq!(
        read_err(&ms(&[&[29][..], cut].concat())),
        (OsfErrorKind::Truncated, 3)
    );
    assert_eq!(
        read_err(&ms(&[&[29][..], cut, &[0xAA; 20]].concat())),
        (OsfErrorKind::Truncated, 3)
    );
    assert_eq!(
        read_err(&ms(&[29, 0xAA, 0xBB])),
        (OsfErrorKind::Truncated, 3)
    );
    assert_eq!(read_err(&ms(&[29])), (OsfErrorKind::Truncated, 3));
    // Token 32 is length-prefixed, not read as a stream.
    let bytes = ms(&[&[32][..], &seven_bit(stream.len()), &stream].concat());
    assert_eq!(
        mono::read(&bytes).unwrap().root,
        MonoValue::Binary(stream.clone())
    );
    assert_eq!(
        read_err(&ms(&[32, 4, 1, 2, 3])),
        (OsfErrorKind::Truncated, 4)
    );
}

#[test]
fn binary_payloads_are_found_in_every_container() {
    let bin = |k: u8| [32, 1, k];
    let body = [
        &[13, 12][..],
        &bin(1),
        &[25],
        &bin(2),
        &bin(3),
        &[14, 3, 16, 1],
        &bin(4),
        &[28],
        &bin(5),
        &[1],
        &bin(6),
        &[30],
        &bin(7),
        &[30],
        &string("v"),
        &[15, 1],
        &bin(8),
        &bin(9),
    ]
    .concat();
    let state = mono::read(&ms(&body)).unwrap();
    assert!(state.trailer.is_empty());
    let one = |k: u8| MonoValue::Binary(vec![k]);
    assert_eq!(
        state.root,
        MonoValue::Triplet(
            b(MonoValue::Pair(
                b(one(1)),
                b(MonoValue::Enum(b(one(2)), b(one(3))))
            )),
            b(MonoValue::ArrayList(vec![
                MonoValue::ObjectArray(vec![one(4)]),
                MonoValue::Array(b(one(5)), vec![one(6)]),
                MonoValue::Converted(b(one(7)), "v".into()),
            ])),
            b(MonoValue::Hashtable(vec![(one(8), one(9))])),
        )
    );
    let want: Vec<&[u8]> = vec![&[1], &[2], &[3], &[4], &[5], &[6], &[7], &[8], &[9]];
    assert_eq!(state.binary_payloads(), want);
    // Each container alone.
    let alone: [(&[u8], &[u8]); 9] = [
        (&[12, 0, 32, 1, 1], &[1]),
        (&[25, 32, 1, 2, 0], &[2]),
        (&[13, 0, 0, 32, 1, 3], &[3]),
        (&[14, 2, 0, 32, 1, 4], &[4]),
        (&[16, 1, 32, 1, 5], &[5]),
        (&[28, 0, 1, 32, 1, 6], &[6]),
        (&[28, 32, 1, 7, 0], &[7]),
        (&[15, 1, 0, 32, 1, 8], &[8]),
        (&[30, 32, 1, 9, 30, 0], &[9]),
    ];
    for (body, payload) in alone {
        let state = mono::read(&ms(body)).unwrap();
        assert_eq!(state.binary_payloads(), [payload], "{body:?}");
    }
    let state = mono::read(&ms(&[15, 1, 32, 2, 7, 7, 0])).unwrap();
    assert_eq!(state.binary_payloads(), [&[7, 7][..]]);
    // None where there is none, and an empty one is still one.
    let state = mono::read(&ms(&[12, 8, 14, 1, 1, 0])).unwrap();
    assert!(state.binary_payloads().is_empty());
    let state = mono::read(&ms(&[32, 0])).unwrap();
    assert_eq!(state.binary_payloads(), [&b""[..]]);
}

#[test]
fn render_indents_each_level_by_two_spaces() {
    // Pair(Triplet(Int64 -2, Int32 300, Int32 7),
    //      Hashtable{"k": ArrayList[Int16 -3, Byte 255], null: object[] [true]})
    let body = [
        &[12, 13, 3][..],
        &(-2i64).to_le_bytes(),
        &[4],
        &300i32.to_le_bytes(),
        &[5, 7, 15, 2, 1],
        &string("k"),
        &[14, 2, 6],
        &(-3i16).to_le_bytes(),
        &[7, 255, 0, 16, 1, 8],
    ]
    .concat();
    let state = mono::read(&ms(&body)).unwrap();
    assert!(state.trailer.is_empty());
    assert_eq!(
        mono::render(&state.root),
        "Pair\n\
         \x20 Triplet\n\
         \x20   Int64 -2\n\
         \x20   300\n\
         \x20   7\n\
         \x20 Hashtable (2 entries)\n\
         \x20   \"k\"\n\
         \x20     ArrayList (2 items)\n\
         \x20       Int16 -3\n\
         \x20       Byte 255\n\
         \x20   null\n\
         \x20     object[] (1 items)\n\
         \x20       true\n"
    );
    // A Hashtable at the root: keys at one level, values at two.
    let state = mono::read(&ms(&[15, 1, 5, 1, 12, 9, 0])).unwrap();
    assert_eq!(
        mono::render(&state.root),
        "Hashtable (1 entries)\n  1\n    Pair\n      false\n      null\n"
    );
    // An ArrayList at the root.
    let state = mono::read(&ms(&[14, 2, 8, 14, 1, 9])).unwrap();
    assert_eq!(
        mono::render(&state.root),
        "ArrayList (2 items)\n  true\n  ArrayList (1 items)\n    false\n"
    );
}

#[test]
fn render_names_every_kind() {
    let long = "x".repeat(130);
    let body = [
        &[13, 25, 26][..],
        &string("E"),
        &string("A"),
        &[5, 1, 28, 27, 0, 0, 2, 10, b'x', 11],
        &42i64.to_le_bytes(),
        &[16, 11, 30, 27, 0, 0, 30],
        &string("red"),
        &[17],
        &string("10px"),
        &[19],
        &string("Large"),
        &[21],
        &string("idx"),
        &[23],
        &(-16_777_216i32).to_le_bytes(),
        &[24],
        &35i32.to_le_bytes(),
        &[24],
        &(-1i32).to_le_bytes(),
        &[32, 3, 1, 2, 3, 1],
        &string("say \"hi\""),
        &[1],
        &string(&long),
        &[0],
    ]
    .concat();
    let state = mono::read(&ms(&body)).unwrap();
    assert!(state.trailer.is_empty());
    let want = format!(
        "Triplet\n\
         \x20 Enum\n\
         \x20   Type E, A\n\
         \x20   1\n\
         \x20 Array (2 items)\n\
         \x20   Type E, A\n\
         \x20   Char 'x'\n\
         \x20   DateTime ticks 42\n\
         \x20 object[] (11 items)\n\
         \x20   Converted \"red\"\n\
         \x20     Type E, A\n\
         \x20   Unit \"10px\"\n\
         \x20   FontUnit \"Large\"\n\
         \x20   IndexedString \"idx\"\n\
         \x20   Color ARGB -16777216\n\
         \x20   Color known 35\n\
         \x20   Color Empty\n\
         \x20   BinaryFormatter, 3 bytes\n\
         \x20   \"say \\\"hi\\\"\"\n\
         \x20   \"{}\"\n\
         \x20   null\n",
        "x".repeat(120)
    );
    assert_eq!(mono::render(&state.root), want);
}

/// Mono's `Pair("hello", true)` and a trailer.
fn mono_pair(trailer: &[u8]) -> Vec<u8> {
    let mut bytes = ms(&[12, 1, 5]);
    bytes.extend(b"hello");
    bytes.push(8);
    bytes.extend(trailer);
    bytes
}

#[test]
fn is_mono_wants_a_page_root_and_a_mac_sized_trailer() {
    // Nothing, or MD5 / SHA-1 / SHA-256 / SHA-384 / SHA-512, possibly after the old
    // isEncrypted byte (0 or 1).
    for n in [0usize, 16, 20, 32, 48, 64] {
        assert!(mono::is_mono(&mono_pair(&vec![0xAA; n])), "{n}");
        for flag in [0u8, 1] {
            let mut t = vec![flag];
            t.extend(vec![0xAA; n]);
            assert!(mono::is_mono(&mono_pair(&t)), "{flag} {n}");
        }
        // Another first byte is no isEncrypted flag.
        let mut t = vec![2];
        t.extend(vec![0xAA; n]);
        assert!(!mono::is_mono(&mono_pair(&t)), "2 {n}");
    }
    for n in [1usize, 2, 7, 15, 19, 21, 24, 31, 33, 63, 65, 66] {
        assert!(!mono::is_mono(&mono_pair(&vec![0xAA; n])), "{n}");
    }
    // A flag byte and a trailer that is no MAC either.
    for t in [&[0, 9, 9][..], &[1, 9], &[0; 22], &[1; 18]] {
        assert!(!mono::is_mono(&mono_pair(t)), "{t:?}");
    }
    // Every page-state root: Pair, Triplet, ArrayList, Hashtable, object[]; no other.
    for body in [
        &[12, 0, 0][..],
        &[13, 0, 0, 0],
        &[14, 0],
        &[15, 0],
        &[16, 0],
        &[14, 1, 0],
    ] {
        assert!(mono::is_mono(&ms(body)), "{body:?}");
        let mut with_mac = ms(body);
        with_mac.extend([0xAA; 20]);
        assert!(mono::is_mono(&with_mac), "{body:?}");
    }
    for body in [
        &[0][..],
        &[8],
        &[11, 0, 0, 0, 0, 0, 0, 0, 0],
        &[17, 0],
        &[32, 0],
    ] {
        assert!(mono::read(&ms(body)).is_ok(), "{body:?}");
        assert!(!mono::is_mono(&ms(body)), "{body:?}");
    }
    // No header, a broken stream, too little.
    assert!(!mono::is_mono(&[12, 0, 0]));
    assert!(!mono::is_mono(&ms(&[12, 0])));
    assert!(!mono::is_mono(&ms(&[])));
    assert!(!mono::is_mono(&[0xFF]));
    // Microsoft's stream (`Color.Empty` then bytes) read as Mono's is no page state.
    assert!(!mono::is_mono(&ms(&[0x64, 0x64])));
    // Sanity: the module's example.
    let bytes = mono_pair(&[0xAA; 20]);
    assert_eq!(osf::read(&bytes).unwrap_err().kind(), &OsfErrorKind::Mono);
}

#[test]
fn mono_2_10_signs_the_whole_buffer() {
    // `Serialize` signs `ms.GetBuffer()`: the stream, zeros to the capacity (256, 512, ...:
    // `CalculateNewCapacity`), then the MAC (none when EnableMac is off).
    for capacity in [256usize, 512, 1024, 300] {
        for mac in [0usize, 16, 20, 32, 48, 64] {
            let mut bytes = mono_pair(&[]);
            bytes.resize(capacity, 0);
            bytes.extend(vec![0xAA; mac]);
            assert!(mono::is_mono(&bytes), "{capacity} {mac}");
            assert_eq!(osf::read(&bytes).unwrap_err().kind(), &OsfErrorKind::Mono);
            let state = mono::read(&bytes).unwrap();
            assert_eq!(state.trailer.len(), capacity - 11 + mac);
        }
    }
    // Less than 256 bytes of buffer is no MemoryStream's, a non-zero byte in the fill is no
    // fill, and a MAC of another length is no MAC.
    let mut short = mono_pair(&[]);
    short.resize(255, 0);
    short.extend([0xAA; 20]);
    assert!(!mono::is_mono(&short));
    let mut dirty = mono_pair(&[]);
    dirty.resize(256, 0);
    dirty[100] = 1;
    dirty.extend([0xAA; 20]);
    assert!(!mono::is_mono(&dirty));
    let mut odd = mono_pair(&[]);
    odd.resize(256, 0);
    odd.extend([0xAA; 21]);
    assert!(!mono::is_mono(&odd));
}

#[test]
fn interned_strings_are_never_empty() {
    // `IndexedStringFormatter.Read` throws on an empty string, read or referenced.
    assert_eq!(
        read_err(&ms(&[21, 0])),
        (OsfErrorKind::EmptyIndexedString, 4)
    );
    assert_eq!(
        read_err(&ms(&[12, 1, 0, 22, 0, 0])),
        (OsfErrorKind::EmptyIndexedString, 8)
    );
    let state = mono::read(&ms(&[21, 1, b'k'])).unwrap();
    assert_eq!(state.root, MonoValue::Text("IndexedString", "k".into()));
}

#[test]
fn streams_without_the_header_use_the_older_table() {
    // The older Mono registered no IndexedString: Color 21/22, Enum 23, Type 24/25, arrays
    // 26/27, TypeConverter 28/29, BinaryFormatter object 30; 31 and up are no token.
    let color = mono::read(&[22, 141, 0, 0, 0]).unwrap();
    assert_eq!(
        color.root,
        MonoValue::Color {
            known: true,
            value: 141
        }
    );
    assert!(color.trailer.is_empty());
    let argb = mono::read(&[21, 0x44, 0x33, 0x22, 0x11, 0, 0xAA]).unwrap();
    assert_eq!(
        argb.root,
        MonoValue::Color {
            known: false,
            value: 0x1122_3344
        }
    );
    assert_eq!(argb.trailer, [0, 0xAA]);
    // Enum(Type "T, A", 5), then the type again by reference, as an array's element type.
    let body = [
        &[12, 23, 24][..],
        &string("T"),
        &string("A"),
        &[5, 5, 26, 25, 0, 0, 1, 8],
    ]
    .concat();
    let state = mono::read(&body).unwrap();
    let t = MonoValue::Type("T, A".into());
    assert_eq!(
        state.root,
        MonoValue::Pair(
            b(MonoValue::Enum(b(t.clone()), b(MonoValue::Int32(5)))),
            b(MonoValue::Array(b(t.clone()), vec![MonoValue::Bool(true)]))
        )
    );
    // A TypeConverter string: 28 outside, 28 (a string) or 29 (a reference) inside.
    let body = [
        &[12, 28, 24][..],
        &string("T"),
        &string("A"),
        &[28],
        &string("123"),
        &[28, 25, 0, 0, 29, 1, 0],
    ]
    .concat();
    let conv = MonoValue::Converted(b(t), "123".into());
    assert_eq!(
        mono::read(&body).unwrap().root,
        MonoValue::Pair(b(conv.clone()), b(conv))
    );
    assert_eq!(
        read_err(&[28, 0, 30, 1, 0]).0,
        OsfErrorKind::UnknownToken(30)
    );
    // A BinaryFormatter object and a primitive array.
    let hi = nrbf_hi();
    let body = [&[12, 30][..], &seven_bit(hi.len()), &hi, &[27], &hi].concat();
    let state = mono::read(&body).unwrap();
    assert_eq!(
        state.root,
        MonoValue::Pair(
            b(MonoValue::Binary(hi.clone())),
            b(MonoValue::Binary(hi.clone()))
        )
    );
    for token in [31u8, 32, 33] {
        assert_eq!(read_err(&[token]), (OsfErrorKind::UnknownToken(token), 0));
    }
    // With the header, 21 is an IndexedString and 30 a TypeConverter string.
    assert_eq!(
        mono::read(&ms(&[21, 1, b'k'])).unwrap().root,
        MonoValue::Text("IndexedString", "k".into())
    );
}
