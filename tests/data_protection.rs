//! ASP.NET Core Data Protection against `tests/data/data_protection.json` (copied from the
//! shared vectors; each vector keeps its `source`). Known answers from ASP.NET's tests and
//! docs are checked byte for byte; the `computed-here` end-to-end vectors are regression
//! data (not ASP.NET output) and are labelled so in every assertion message.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use machinekey::Error;
use machinekey::crypto::encoding::{from_base64, from_base64url, to_base64, to_base64url};
use machinekey::crypto::framework45::sp800_108_hmac_sha512;
use machinekey::dataprotection::{
    Algorithm, AuthenticatedEncryptor, BlockCipher, HeaderError, Key, KeyId, KeyMetadata, KeyRing,
    MacAlgorithm, PayloadHeader, ResolverVersion, aad, mass_revocation_xml, resolve_default_key,
};
use machinekey::random::RandomSource;
use serde_json::Value;
use time::OffsetDateTime;

fn vectors() -> Vec<Value> {
    let text = include_str!("data/data_protection.json");
    let doc: Value = serde_json::from_str(text).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

fn of_kind(kind: &str) -> Vec<Value> {
    vectors()
        .into_iter()
        .filter(|v| v["kind"] == kind)
        .collect()
}

fn by_id(id: &str) -> Value {
    vectors().into_iter().find(|v| v["id"] == id).unwrap()
}

fn s<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        cur = &cur[*p];
    }
    cur.as_str()
        .unwrap_or_else(|| panic!("{path:?} in {}", v["id"]))
}

fn h(text: &str) -> Vec<u8> {
    hex::decode(text).unwrap()
}

/// `SequentialGenRandom` of ASP.NET's tests: 00, 01, 02, … across calls.
#[derive(Debug, Default)]
struct Sequential(AtomicU8);

impl RandomSource for Sequential {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        for b in dest {
            *b = self.0.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

fn flip(bytes: &[u8], i: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[i] ^= 0x01;
    out
}

#[test]
fn sp800_108_known_answers() {
    let vs = of_kind("sp800_108_ctr_hmacsha512");
    assert_eq!(vs.len(), 6);
    for v in vs {
        let i = &v["inputs"];
        let kdk: Vec<u8> = match i["kdk_utf8"].as_str() {
            Some(k) => k.as_bytes().to_vec(),
            None => (0..50_000u32).map(|n| (n % 256) as u8).collect(),
        };
        let mut context = s(&v, &["inputs", "context_header_utf8"])
            .as_bytes()
            .to_vec();
        context.extend_from_slice(s(&v, &["inputs", "context_utf8"]).as_bytes());
        let len = i["output_len_bytes"].as_u64().unwrap() as usize;
        let label = s(&v, &["inputs", "label_utf8"]).as_bytes();
        let out = sp800_108_hmac_sha512(&kdk, label, &context, len).unwrap();
        assert_eq!(
            hex::encode(out.expose_secret()),
            s(&v, &["expected", "derived_hex"]),
            "{}",
            v["id"]
        );
        // Negative: one bit of the label changed.
        let other = sp800_108_hmac_sha512(&kdk, &flip(label, 0), &context, len).unwrap();
        assert_ne!(
            hex::encode(other.expose_secret()),
            s(&v, &["expected", "derived_hex"])
        );
    }
}

fn algorithm_of(inputs: &Value) -> Algorithm {
    let key_len = inputs["sym_key_len"].as_u64().unwrap() as usize;
    if inputs["mode"] == "GCM" {
        return Algorithm::Gcm { key_len };
    }
    let cipher = if inputs["block_len"] == 8 {
        BlockCipher::TripleDes
    } else {
        BlockCipher::Aes
    };
    let digest = match inputs["validation"].as_str() {
        Some("HMACSHA256") => 32,
        Some(_) => 64,
        None => inputs["hmac_digest_len"].as_u64().unwrap(),
    };
    let mac = match digest {
        20 => MacAlgorithm::HmacSha1,
        32 => MacAlgorithm::HmacSha256,
        48 => MacAlgorithm::HmacSha384,
        _ => MacAlgorithm::HmacSha512,
    };
    Algorithm::Cbc {
        cipher,
        key_len,
        mac,
    }
}

#[test]
fn context_headers() {
    let vs = of_kind("context_header");
    assert_eq!(vs.len(), 11);
    for v in vs {
        let alg = algorithm_of(&v["inputs"]);
        let header = alg.context_header().unwrap();
        assert_eq!(
            hex::encode(&header),
            s(&v, &["expected", "context_header_hex"]),
            "{} ({})",
            v["id"],
            v["origin"]
        );
        // Negative: the header of another key length differs.
        let other = match alg {
            Algorithm::Gcm { key_len } => Algorithm::Gcm {
                key_len: if key_len == 16 { 32 } else { 16 },
            },
            Algorithm::Cbc {
                cipher: BlockCipher::Aes,
                key_len,
                mac,
            } => Algorithm::Cbc {
                cipher: BlockCipher::Aes,
                key_len: if key_len == 16 { 32 } else { 16 },
                mac,
            },
            Algorithm::Cbc {
                cipher, key_len, ..
            } => Algorithm::Cbc {
                cipher,
                key_len,
                mac: MacAlgorithm::HmacSha256,
            },
            _ => unreachable!(),
        };
        assert_ne!(other.context_header().unwrap(), header, "{}", v["id"]);
    }
}

#[test]
fn encryptor_known_answers() {
    let vs = of_kind("authenticated_encryptor");
    assert_eq!(vs.len(), 3);
    for v in vs {
        let i = &v["inputs"];
        let alg = if s(&v, &["inputs", "algorithm"]).contains("GCM") {
            Algorithm::Gcm { key_len: 16 }
        } else {
            Algorithm::default()
        };
        let enc =
            AuthenticatedEncryptor::new(s(&v, &["inputs", "kdk_utf8"]).as_bytes(), alg).unwrap();
        let aad = h(s(&v, &["inputs", "aad_hex"]));
        let body = enc
            .encrypt(
                &h(s(&v, &["inputs", "plaintext_hex"])),
                &aad,
                &Sequential::default(),
            )
            .unwrap();
        let pre = i["pre_buffer"].as_u64().unwrap() as usize;
        let post = i["post_buffer"].as_u64().unwrap() as usize;
        let mut framed = vec![0u8; pre];
        framed.extend_from_slice(&body);
        framed.extend(vec![0u8; post]);
        assert_eq!(
            hex::encode(&framed),
            s(&v, &["expected", "output_hex"]),
            "{}",
            v["id"]
        );
        assert_eq!(to_base64(&framed), s(&v, &["expected", "output_b64"]));
        if let Some(k) = v["expected"]["derived_enc_key_hex"].as_str() {
            let sub = enc.derive_subkeys(&aad, &body[..16]).unwrap();
            assert_eq!(hex::encode(&sub.expose_secret()[..32]), k);
            assert_eq!(
                hex::encode(&sub.expose_secret()[32..]),
                s(&v, &["expected", "derived_mac_key_hex"])
            );
        }
        // Decrypts back; every single-bit flip and a changed AAD are refused.
        assert_eq!(
            enc.decrypt(&body, &aad).unwrap(),
            h(s(&v, &["inputs", "plaintext_hex"]))
        );
        for i in 0..body.len() {
            assert!(
                matches!(enc.decrypt(&flip(&body, i), &aad), Err(Error::Unprotect)),
                "{} byte {i}",
                v["id"]
            );
        }
        assert!(matches!(
            enc.decrypt(&body, &flip(&aad, 0)),
            Err(Error::Unprotect)
        ));
        assert!(matches!(
            enc.decrypt(&body[..body.len() - 1], &aad),
            Err(Error::Unprotect)
        ));
    }
}

#[test]
fn aad_bytes() {
    let vs = of_kind("aad");
    assert_eq!(vs.len(), 4);
    for v in vs {
        let purposes: Vec<String> = v["inputs"]["purposes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
        let id = match v["inputs"]["key_id"].as_str() {
            Some(id) => id.parse::<KeyId>().unwrap(),
            None => KeyId::from_bytes_le(
                h(s(&v, &["inputs", "key_id_bytes_hex"]))
                    .try_into()
                    .unwrap(),
            ),
        };
        let bytes = aad(id, &purposes);
        assert_eq!(
            hex::encode(&bytes),
            s(&v, &["expected", "aad_hex"]),
            "{} ({})",
            v["id"],
            v["origin"]
        );
        if let Some(b64) = v["expected"]["aad_b64"].as_str() {
            assert_eq!(to_base64(&bytes), b64);
        }
        if let Some(kb) = v["expected"]["key_id_bytes_hex"].as_str() {
            assert_eq!(hex::encode(id.to_bytes_le()), kb);
        }
        // Negative: the chain reversed (order matters) or one purpose joined.
        if purposes.len() > 1 {
            let mut rev = purposes.clone();
            rev.reverse();
            assert_ne!(aad(id, &rev), bytes);
            assert_ne!(aad(id, &[purposes.concat()]), bytes);
        }
    }
}

#[test]
fn payload_headers_and_prefix() {
    for v in of_kind("payload_header") {
        let bytes = match v["inputs"]["payload_hex"].as_str() {
            Some(x) => h(x),
            None => from_base64url(s(&v, &["inputs", "text"])).unwrap(),
        };
        let header = PayloadHeader::parse(&bytes).unwrap();
        assert_eq!(
            header.key_id.to_string(),
            s(&v, &["expected", "key_id"]),
            "{}",
            v["id"]
        );
        assert_eq!(
            hex::encode(header.key_id.to_bytes_le()),
            s(&v, &["expected", "key_id_bytes_hex"])
        );
        if let Some(n) = v["expected"]["decoded_len"].as_u64() {
            assert_eq!(bytes.len() as u64, n);
        }
        if let Some(b) = v["expected"]["base64url"].as_str() {
            assert_eq!(to_base64url(&bytes), b);
        }
        assert_eq!(
            PayloadHeader::parse(&flip(&bytes, 0)),
            Err(HeaderError::BadMagic)
        );
        assert_eq!(
            PayloadHeader::parse(&flip(&bytes, 3)),
            Err(HeaderError::NewerVersion)
        );
        assert_eq!(
            PayloadHeader::parse(&bytes[..19]),
            Err(HeaderError::BadMagic)
        );
    }
    let v = by_id("b64url-magic-prefix");
    for (k, expected) in v["expected"]["examples"].as_object().unwrap() {
        let first = u8::from_str_radix(&k[..2], 16).unwrap();
        let mut id = [0u8; 16];
        id[0] = first;
        assert_eq!(
            &KeyId::from_bytes_le(id).payload_prefix()[..6],
            expected.as_str().unwrap()
        );
    }
}

const SAMPLE_KEY: &str = "keyxml-docs-cookie-sharing-sample";

fn sample_ring() -> KeyRing {
    KeyRing::from_xml(
        s(&by_id(SAMPLE_KEY), &["inputs", "xml"]),
        "key-657cf77b.xml",
    )
    .unwrap()
}

#[test]
fn key_xml() {
    let v = by_id(SAMPLE_KEY);
    let ring = sample_ring();
    let key = &ring.keys()[0];
    let e = &v["expected"];
    assert_eq!(key.id().to_string(), s(&v, &["expected", "key_id"]));
    assert_eq!(
        hex::encode(key.id().to_bytes_le()),
        s(&v, &["expected", "key_id_bytes_hex"])
    );
    let parse =
        |t: &str| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap();
    assert_eq!(key.creation(), parse(e["creationDate"].as_str().unwrap()));
    assert_eq!(
        key.expiration(),
        parse(e["expirationDate"].as_str().unwrap())
    );
    assert_eq!(
        key.activation(),
        OffsetDateTime::parse(
            e["activationDate"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339
        )
        .unwrap()
    );
    assert_eq!(key.deserializer(), s(&v, &["expected", "deserializer"]));
    assert_eq!(
        key.algorithm(),
        Some(Algorithm::from_names("AES_256_CBC", Some("HMACSHA256")).unwrap())
    );
    assert_eq!(
        hex::encode(key.encryptor().unwrap().expose_master_key()),
        s(&v, &["expected", "master_key_hex"])
    );
    assert!(key.at_rest_protection().is_none());
    assert_eq!(
        key.id().payload_prefix(),
        s(&v, &["expected", "payload_first_26_b64url_chars"])
    );
    // Written back and read again: the same key, dates to the tick.
    let again = Key::from_xml(&key.to_xml(), "rewritten").unwrap();
    assert_eq!(
        (
            again.id(),
            again.creation(),
            again.activation(),
            again.expiration()
        ),
        (key.id(), key.creation(), key.activation(), key.expiration())
    );
    assert_eq!(
        again.encryptor().unwrap().expose_master_key(),
        key.encryptor().unwrap().expose_master_key()
    );
    assert!(
        key.to_xml()
            .contains("<creationDate>2017-12-13T09:51:56.8629737Z</creationDate>")
    );
    // Negative: one character of the master key changed gives another key.
    let xml = s(&v, &["inputs", "xml"]).replace("75X7cyp", "75X7cyq");
    let other = KeyRing::from_xml(&xml, "tampered").unwrap();
    assert_ne!(
        other.keys()[0].encryptor().unwrap().expose_master_key(),
        key.encryptor().unwrap().expose_master_key()
    );

    // A <masterKey> without <value>, under another root name (deserializer test).
    let v = by_id("keyxml-masterkey-without-value-child");
    let wrapped = format!(
        "<key id='00000000-0000-0000-0000-000000000001' version='1'><creationDate>2015-01-01T00:00:00Z</creationDate><activationDate>2015-01-01T00:00:00Z</activationDate><expirationDate>2016-01-01T00:00:00Z</expirationDate><descriptor deserializerType='Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel.AuthenticatedEncryptorDescriptorDeserializer, Microsoft.AspNetCore.DataProtection'>{}</descriptor></key>",
        s(&v, &["inputs", "descriptor_xml"])
    );
    let key = Key::from_xml(&wrapped, "test").unwrap();
    assert_eq!(
        key.algorithm(),
        Some(Algorithm::from_names("AES_192_CBC", Some("HMACSHA512")).unwrap())
    );
    assert_eq!(
        hex::encode(key.encryptor().unwrap().expose_master_key()),
        s(&v, &["expected", "master_key_hex"])
    );
    assert_eq!(
        hex::encode(key.algorithm().unwrap().context_header().unwrap()),
        s(&v, &["expected", "context_header_hex"])
    );
}

#[test]
fn revocations() {
    let v = by_id("keyring-revocations");
    let ring = KeyRing::from_xml(s(&v, &["inputs", "xml"]), "test").unwrap();
    let expected = v["expected"]["keys"].as_array().unwrap();
    assert_eq!(ring.keys().len(), expected.len());
    for e in expected {
        let id: KeyId = e["id"].as_str().unwrap().parse().unwrap();
        let key = ring.key(id).unwrap();
        assert_eq!(key.is_revoked(), e["revoked"].as_bool().unwrap(), "{id}");
        // The test descriptors name no real deserializer: such keys are listed but unusable.
        assert!(!key.is_usable());
    }
    // Negative: without the latest mass revocation only the single revocation applies.
    let xml = s(&v, &["inputs", "xml"]).replace(
        "2017-01-01T00:00:00Z</revocationDate>",
        "2014-06-01T00:00:00Z</revocationDate>",
    );
    let ring = KeyRing::from_xml(&xml, "test").unwrap();
    assert_eq!(ring.keys().iter().filter(|k| k.is_revoked()).count(), 1);
    // An unreadable revocation is fatal.
    let bad = s(&v, &["inputs", "xml"])
        .replace("<revocationDate>2020-01-01T00:00:00Z</revocationDate>", "");
    assert!(matches!(
        KeyRing::from_xml(&bad, "test"),
        Err(Error::KeyRing(_))
    ));

    let v = by_id("revocation-element-written");
    let date = OffsetDateTime::parse(
        s(&v, &["inputs", "revocationDate"]),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let (name, xml) = mass_revocation_xml(date, s(&v, &["inputs", "reason"]));
    assert_eq!(name, s(&v, &["expected", "friendly_name"]));
    assert_eq!(
        format!("{name}.xml"),
        s(&v, &["expected", "file_name_if_filesystem"])
    );
    assert_eq!(xml, s(&v, &["expected", "xml"]));
}

fn parse_test_date(text: &str) -> OffsetDateTime {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    time::PrimitiveDateTime::parse(text, &fmt)
        .unwrap()
        .assume_utc()
}

#[test]
fn default_key_resolution() {
    let vs = of_kind("default_key_resolution");
    assert_eq!(vs.len(), 15);
    for v in vs {
        let now = parse_test_date(s(&v, &["inputs", "now"]));
        let mut keys: Vec<KeyMetadata> = v["inputs"]["keys"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, k)| KeyMetadata {
                id: format!("{:08x}-0000-0000-0000-000000000000", i + 1)
                    .parse()
                    .unwrap(),
                creation: parse_test_date(k["creation"].as_str().unwrap()),
                activation: parse_test_date(k["activation"].as_str().unwrap()),
                expiration: parse_test_date(k["expiration"].as_str().unwrap()),
                revoked: k["revoked"].as_bool().unwrap(),
                usable: !k["create_encryptor_fails"].as_bool().unwrap(),
            })
            .collect();
        let index = |id: Option<KeyId>| id.map(|id| keys.iter().position(|k| k.id == id).unwrap());
        let r = resolve_default_key(&keys, now, ResolverVersion::Current);
        let e = &v["expected"];
        assert_eq!(
            index(r.default_key).map(|i| i as u64),
            e["default"].as_u64(),
            "{}",
            v["id"]
        );
        assert_eq!(
            r.should_generate_new_key,
            e["should_generate_new_key"].as_bool().unwrap(),
            "{}",
            v["id"]
        );
        if let Some(f) = e.get("fallback") {
            assert_eq!(
                index(r.fallback_key).map(|i| i as u64),
                f.as_u64(),
                "{} fallback",
                v["id"]
            );
        }
        // Negative: the chosen default, revoked, is no longer chosen.
        if let Some(i) = index(r.default_key) {
            keys[i].revoked = true;
            let again = resolve_default_key(&keys, now, ResolverVersion::Current);
            assert_ne!(again.default_key, r.default_key, "{}", v["id"]);
        }
    }
}

fn pinned(v: &Value) -> Arc<dyn RandomSource> {
    let mut bytes = h(s(v, &["inputs", "key_modifier_hex"]));
    bytes.extend(h(v["inputs"]["iv_hex"]
        .as_str()
        .or(v["inputs"]["nonce_hex"].as_str())
        .unwrap()));
    Arc::new(Fixed(std::sync::Mutex::new(bytes)))
}

#[derive(Debug)]
struct Fixed(std::sync::Mutex<Vec<u8>>);

impl RandomSource for Fixed {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        let mut bytes = self.0.lock().unwrap();
        let rest = bytes.split_off(dest.len());
        dest.copy_from_slice(&bytes);
        *bytes = rest;
        Ok(())
    }
}

fn purposes(v: &Value) -> Vec<String> {
    v["inputs"]["purposes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect()
}

fn ring_for(v: &Value) -> KeyRing {
    let master = from_base64(s(v, &["inputs", "master_key_b64"])).unwrap();
    let alg = if s(v, &["inputs", "algorithm"]).contains("GCM") {
        Algorithm::Gcm { key_len: 32 }
    } else {
        Algorithm::default()
    };
    let sample = sample_ring();
    let k = &sample.keys()[0];
    let key = Key::from_parts(
        k.id(),
        k.creation(),
        k.activation(),
        k.expiration(),
        alg,
        &master,
    )
    .unwrap();
    let mut ring = KeyRing::new();
    ring.add(key).unwrap();
    ring
}

#[test]
fn end_to_end_computed_here() {
    let vs = of_kind("end_to_end_protect");
    assert_eq!(vs.len(), 7);
    for v in vs {
        assert_eq!(v["origin"], "computed-here");
        let label = format!(
            "{} (computed here, regression data, not ASP.NET output)",
            v["id"]
        );
        let ring = ring_for(&v);
        let id = ring.keys()[0].id();
        let chain = purposes(&v);
        assert_eq!(
            hex::encode(aad(id, &chain)),
            s(&v, &["expected", "aad_hex"]),
            "{label}"
        );
        let p = ring.protector(&chain).unwrap().with_random(pinned(&v));
        let plaintext = h(s(&v, &["inputs", "plaintext_hex"]));
        let payload = p.protect_with_key(id, &plaintext).unwrap();
        assert_eq!(
            hex::encode(&payload),
            s(&v, &["expected", "payload_hex"]),
            "{label}"
        );
        assert_eq!(
            to_base64url(&payload),
            s(&v, &["expected", "base64url"]),
            "{label}"
        );
        let sub = ring.keys()[0]
            .encryptor()
            .unwrap()
            .derive_subkeys(&aad(id, &chain), &payload[20..36])
            .unwrap();
        assert_eq!(
            hex::encode(&sub.expose_secret()[..32]),
            s(&v, &["expected", "derived_enc_key_hex"]),
            "{label}"
        );
        if let Some(mk) = v["expected"]["derived_mac_key_hex"].as_str() {
            assert_eq!(hex::encode(&sub.expose_secret()[32..]), mk, "{label}");
        }
        for form in ["viewstate_field", "cookie_value"] {
            if let Some(t) = v["expected"][form].as_str() {
                assert_eq!(
                    to_base64(&payload).trim_end_matches(if form == "cookie_value" {
                        "="
                    } else {
                        ""
                    }),
                    t,
                    "{label} {form}"
                );
            }
        }
        if let Some(t) = v["expected"]["forms_style_upper_hex"].as_str() {
            assert_eq!(hex::encode_upper(&payload), t);
        }
        // Round trip through the text form, and every bit flip fails.
        let p = ring.protector(&chain).unwrap();
        assert_eq!(
            p.unprotect(&from_base64url(s(&v, &["expected", "base64url"])).unwrap())
                .unwrap(),
            plaintext,
            "{label}"
        );
        for i in 0..payload.len() {
            let r = p.unprotect(&flip(&payload, i));
            if (4..20).contains(&i) {
                assert!(matches!(r, Err(Error::KeyNotFound(_))), "{label} byte {i}");
            } else {
                assert!(matches!(r, Err(Error::Unprotect)), "{label} byte {i}");
            }
        }
        // Another purpose chain (one purpose dropped) fails.
        let shorter = ring.protector(&chain[1..]).unwrap();
        assert!(
            matches!(shorter.unprotect(&payload), Err(Error::Unprotect)),
            "{label}"
        );
    }
}

#[test]
fn negatives_computed_here() {
    let base = by_id("e2e-cookieauth-identity-application");
    let ring = sample_ring();
    let vs = of_kind("negative");
    assert_eq!(vs.len(), 8);
    for v in vs {
        let chain = if v["inputs"]["purposes"].is_array() {
            purposes(&v)
        } else {
            purposes(&base)
        };
        let payload = h(s(&v, &["inputs", "payload_hex"]));
        let r = ring.protector(&chain).unwrap().unprotect(&payload);
        if v["id"] == "neg-key-not-in-ring" {
            let id: KeyId = "5564d4c5-567c-452a-b474-9689060415fe".parse().unwrap();
            assert!(matches!(r, Err(Error::KeyNotFound(found)) if found == id));
            assert_eq!(
                r.unwrap_err().to_string(),
                "the key {5564d4c5-567c-452a-b474-9689060415fe} was not found in the key ring"
            );
        } else {
            assert!(
                matches!(r, Err(Error::Unprotect)),
                "{} (computed here)",
                v["id"]
            );
        }
    }
    // The same payload with the right chain opens: the negatives fail for their reason.
    let good = h(s(&base, &["expected", "payload_hex"]));
    assert_eq!(
        ring.protector(&purposes(&base))
            .unwrap()
            .unprotect(&good)
            .unwrap(),
        h(s(&base, &["inputs", "plaintext_hex"]))
    );
}
