//! Session-state lookup keys and store data against hand-checked byte layouts (spec §8).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use machinekey::Error;
use machinekey::config::MachineKeyConfig;
use machinekey::formats::AppKeys;
use machinekey::formats::session::{
    SessionData, SessionValue, state_server_key_unkeyed, url_encode,
};
use sha1::Sha1;
use sha2::{Digest, Sha256};

const APP_ID: &str = "/LM/W3SVC/1/ROOT/Shop";
const SID: &str = "k2e4a1b0c3d5e2f1g0h4i3j2";

#[test]
fn unkeyed_lookup_key_by_hand() {
    let b64 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(APP_ID.as_bytes()));
    let raw = format!("{APP_ID}({b64})/{SID}"); // no extra '/' before an id that starts with one
    let by_hand: String = raw
        .bytes()
        .map(|b| match b {
            b'/' => "%2f".to_owned(),
            b'+' => "%2b".to_owned(),
            b'=' => "%3d".to_owned(),
            other => char::from(other).to_string(),
        })
        .collect();
    assert_eq!(state_server_key_unkeyed(APP_ID, SID), by_hand);
    assert!(
        state_server_key_unkeyed("LM/W3SVC/1/ROOT", SID).starts_with("%2fLM"),
        "a '/' is added when missing"
    );
}

#[test]
fn keyed_lookup_key_uses_the_validation_key() {
    let vk = "AB".repeat(32);
    let cfg = MachineKeyConfig::builder()
        .validation_key(&vk)
        .decryption_key(&"CD".repeat(24))
        .validation(machinekey::config::ValidationAlgorithm::Sha1)
        .build()
        .unwrap();
    let keys = AppKeys::explicit(&cfg).unwrap();
    let utf16: Vec<u8> = APP_ID.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&hex::decode(&vk).unwrap()).unwrap();
    mac.update(&utf16);
    let b64 = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(
        keys.state_server_key_keyed(APP_ID, SID).unwrap(),
        url_encode(&format!("{APP_ID}({b64})/{SID}"))
    );
    // Another validation key, another lookup key: the 2.0-era session loss.
    let other = MachineKeyConfig::builder()
        .validation_key(&"EF".repeat(32))
        .decryption_key(&"CD".repeat(24))
        .validation(machinekey::config::ValidationAlgorithm::Sha1)
        .build()
        .unwrap();
    assert_ne!(
        AppKeys::explicit(&other)
            .unwrap()
            .state_server_key_keyed(APP_ID, SID)
            .unwrap(),
        keys.state_server_key_keyed(APP_ID, SID).unwrap()
    );
}

#[test]
fn url_encode_matches_http_utility() {
    assert_eq!(url_encode("aZ09-_.!*()"), "aZ09-_.!*()");
    assert_eq!(url_encode("a b/c?d&e~é"), "a+b%2fc%3fd%26e%7e%c3%a9");
}

#[test]
fn store_data_layout_by_hand() {
    let data = SessionData {
        timeout: time::Duration::minutes(20),
        items: vec![
            ("a".into(), SessionValue::Int32(5)),
            ("b".into(), SessionValue::String("hi".into())),
        ],
    };
    let expected = [
        &[20, 0, 0, 0][..],        // timeout
        &[1, 0],                   // hasItems, hasStaticObjects
        &[2, 0, 0, 0],             // count
        &[0xFF, 0xFF, 0xFF, 0xFF], // no null key
        &[1, b'a', 1, b'b'],       // keys
        &[5, 0, 0, 0, 9, 0, 0, 0], // end offsets of the values
        &[2, 5, 0, 0, 0],          // Int32 5
        &[1, 2, b'h', b'i'],       // String "hi"
        &[0xFF],                   // end marker
    ]
    .concat();
    assert_eq!(data.serialize(false).unwrap(), expected);
    assert_eq!(SessionData::deserialize(&expected, false).unwrap(), data);
    let empty = SessionData::new(time::Duration::minutes(30));
    assert_eq!(empty.serialize(false).unwrap(), [30, 0, 0, 0, 0, 0, 0xFF]);
}

#[test]
fn every_item_type_round_trips() {
    let data = SessionData {
        timeout: time::Duration::minutes(20),
        items: vec![
            ("s".into(), SessionValue::String("ünï".into())),
            ("i".into(), SessionValue::Int32(-7)),
            ("b".into(), SessionValue::Boolean(true)),
            ("d".into(), SessionValue::DateTime(638_000_000_000_000_000)),
            ("m".into(), SessionValue::Decimal([1, 2, 3, 0x0002_0000])),
            ("u8".into(), SessionValue::Byte(200)),
            ("f".into(), SessionValue::Single(1.5)),
            ("g".into(), SessionValue::Double(-2.25)),
            ("i8".into(), SessionValue::SByte(-3)),
            ("i16".into(), SessionValue::Int16(-300)),
            ("i64".into(), SessionValue::Int64(1 << 40)),
            ("u16".into(), SessionValue::UInt16(60000)),
            ("u32".into(), SessionValue::UInt32(4_000_000_000)),
            ("u64".into(), SessionValue::UInt64(u64::MAX)),
            ("t".into(), SessionValue::TimeSpan(10_000_000)),
            ("guid".into(), SessionValue::Guid([7; 16])),
            ("bytes".into(), SessionValue::Bytes(vec![1, 2, 3])),
            ("obj".into(), SessionValue::Object(vec![0x00, 0x01, 0x02])),
            ("null".into(), SessionValue::Null),
        ],
    };
    for compress in [false, true] {
        let bytes = data.serialize(compress).unwrap();
        assert_eq!(
            SessionData::deserialize(&bytes, compress).unwrap(),
            data,
            "{compress}"
        );
    }
    // A byte array is written as the MS-NRBF record of a byte[] (type id 20).
    let one = SessionData {
        timeout: time::Duration::minutes(1),
        items: vec![("k".into(), SessionValue::Bytes(vec![9]))],
    };
    let bytes = one.serialize(false).unwrap();
    let value = &bytes[4 + 2 + 4 + 4 + 2 + 4..bytes.len() - 1];
    assert_eq!(value[0], 20);
    assert_eq!(
        &value[1..18],
        &[
            0, 1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0, 0, 0, 0, 0
        ]
    );
    assert_eq!(&value[18..], &[0x0F, 1, 0, 0, 0, 1, 0, 0, 0, 2, 9, 0x0B]);
}

#[test]
fn malformed_store_data_is_rejected() {
    let good = SessionData {
        timeout: time::Duration::minutes(5),
        items: vec![("a".into(), SessionValue::Int32(1))],
    }
    .serialize(false)
    .unwrap();
    for n in 0..good.len() {
        assert!(SessionData::deserialize(&good[..n], false).is_err(), "{n}");
    }
    let mut statics = good.clone();
    statics[5] = 1;
    assert!(matches!(
        SessionData::deserialize(&statics, false),
        Err(Error::Malformed(_))
    ));
    let mut bad_type = good.clone();
    let at = good.len() - 6;
    bad_type[at] = 99;
    assert!(SessionData::deserialize(&bad_type, false).is_err());
    assert!(
        SessionData::deserialize(&good, true).is_err(),
        "not deflate"
    );
}
