//! Key rings encrypted at rest with `ProtectKeysWithCertificate`, written by real ASP.NET
//! Core 10 (`tests/data/certificate_ring/`, with its source in `vector.json`): without the
//! certificate the key names the thumbprint it needs; with the PFX (PBES2 as OpenSSL 3 and
//! current Windows write it, or 3DES as older exports) the key opens and the payload .NET
//! protected under it unprotects. A wrong password, another certificate and a damaged
//! ciphertext are refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use machinekey::Error;
use machinekey::dataprotection::{AtRestProtection, Certificate, CertificateError, KeyRing};
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/certificate_ring")
}

fn vector() -> Value {
    serde_json::from_str(include_str!("data/certificate_ring/vector.json")).unwrap()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap()
}

#[test]
fn without_the_certificate_the_error_names_its_thumbprint() {
    let v = vector();
    let ring = KeyRing::load(&dir()).unwrap();
    let key = &ring.keys()[0];
    assert_eq!(key.id().to_string(), s(&v, "key_id"));
    assert!(matches!(
        key.at_rest_protection(),
        Some(AtRestProtection::Certificate { thumbprint: Some(t), .. }) if t == s(&v, "thumbprint")
    ));
    let p = ring
        .protector(&[s(&v, "application_name"), "Certificates"])
        .unwrap();
    match p.unprotect_encoded(s(&v, "value")) {
        Err(e @ Error::KeyUnavailable { .. }) => {
            let text = e.to_string();
            assert!(text.contains(s(&v, "thumbprint")), "{text}");
            assert!(text.contains("PFX"), "{text}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_pfx_opens_the_ring_and_the_payload_real_dotnet_protected() {
    let v = vector();
    for file in ["test.pfx", "test-3des.pfx"] {
        let cert = Certificate::load_pfx(&dir().join(file), s(&v, "pfx_password")).unwrap();
        assert_eq!(cert.thumbprint(), s(&v, "thumbprint"), "{file}");
        assert!(
            cert.subject().contains("machinekey test certificate"),
            "{file}"
        );
        assert!(
            !format!("{cert:?}").contains("PrivateKey {"),
            "the key is redacted"
        );
        let mut ring = KeyRing::load(&dir()).unwrap();
        let opened = ring.decrypt_with_certificates(&[cert]).unwrap();
        assert_eq!(opened.len(), 1, "{file}");
        assert!(ring.keys()[0].is_usable());
        let p = ring
            .protector(&[s(&v, "application_name"), "Certificates"])
            .unwrap();
        assert_eq!(
            p.unprotect_text(s(&v, "value")).unwrap(),
            s(&v, "plaintext_utf8")
        );
        // Another purpose chain stays the one opaque error.
        let other = ring
            .protector(&[s(&v, "application_name"), "Other"])
            .unwrap();
        assert!(matches!(
            other.unprotect_text(s(&v, "value")),
            Err(Error::Unprotect)
        ));
    }
}

#[test]
fn wrong_password_other_certificate_and_damage_are_refused() {
    let v = vector();
    assert!(matches!(
        Certificate::load_pfx(&dir().join("test.pfx"), "wrong"),
        Err(CertificateError::Pfx(_))
    ));
    assert!(matches!(
        Certificate::load_pfx(&dir().join("missing.pfx"), "x"),
        Err(CertificateError::File(_))
    ));
    let other =
        Certificate::load_pfx(&dir().join("other.pfx"), s(&v, "other_pfx_password")).unwrap();
    assert_ne!(other.thumbprint(), s(&v, "thumbprint"));
    let mut ring = KeyRing::load(&dir()).unwrap();
    assert!(ring.decrypt_with_certificates(&[other]).unwrap().is_empty());
    assert!(ring.keys()[0].encryptor().is_err());
    // A flipped character in the data's CipherValue: the named certificate is given but
    // the secret does not decrypt to a master key.
    let name = format!("key-{}.xml", s(&v, "key_id"));
    let xml = std::fs::read_to_string(dir().join(&name)).unwrap();
    let at = xml.rfind("<CipherValue>").unwrap() + "<CipherValue>".len() + 40;
    let mut damaged = xml.clone().into_bytes();
    damaged[at] = if damaged[at] == b'A' { b'B' } else { b'A' };
    let mut ring = KeyRing::from_xml(&String::from_utf8(damaged).unwrap(), &name).unwrap();
    let cert = Certificate::load_pfx(&dir().join("test.pfx"), s(&v, "pfx_password")).unwrap();
    assert!(matches!(
        ring.decrypt_with_certificates(&[cert]),
        Err(Error::KeyUnavailable { .. })
    ));
}
