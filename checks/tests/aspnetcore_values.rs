//! The readers of ASP.NET Core consumer values (antiforgery tokens, Identity tokens,
//! TempData, `state` properties, time-limited headers, payload text, nonce cookies,
//! `Set-Cookie` lines, `<encryptedSecret>` elements, PFX files): arbitrary input never
//! panics, and what a writer makes is read back to the same value.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::dataprotection::consumers::{ConsumerKind, nonce_in_cookie};
use machinekey::dataprotection::{Certificate, KeyRing, decode_payload_text, split_expiry};
use machinekey::formats::aspnetcore::antiforgery::{RequestFields, TokenUser};
use machinekey::formats::aspnetcore::{AntiforgeryToken, CoreValue, IdentityToken, TempData};
use machinekey::formats::auth_cookie::{Chunking, cookie_pairs, set_cookie_pair};
use machinekey::formats::auth_ticket::{AuthProperties, core};
use proptest::prelude::*;

fn kinds() -> [ConsumerKind; 9] {
    [
        ConsumerKind::Ticket,
        ConsumerKind::Antiforgery,
        ConsumerKind::Session,
        ConsumerKind::TempData,
        ConsumerKind::IdentityToken,
        ConsumerKind::State,
        ConsumerKind::Nonce,
        ConsumerKind::TimeLimited,
        ConsumerKind::Other,
    ]
}

/// An `<encryptedSecret>` key file around arbitrary text.
fn key_file(secret: &str) -> String {
    format!(
        r#"<key id="5c5c5c5c-5c5c-4c5c-9c5c-5c5c5c5c5c5c" version="1"><creationDate>2020-01-01T00:00:00Z</creationDate><activationDate>2020-01-01T00:00:00Z</activationDate><expirationDate>2999-01-01T00:00:00Z</expirationDate><descriptor deserializerType="AuthenticatedEncryptorDescriptorDeserializer"><descriptor><encryption algorithm="AES_256_CBC" /><validation algorithm="HMACSHA256" /><encryptedSecret decryptorType="Microsoft.AspNetCore.DataProtection.XmlEncryption.EncryptedXmlDecryptor"><EncryptedData><EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc" /><KeyInfo><EncryptedKey><EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-1_5" /><KeyInfo><X509Data><X509Certificate>{secret}</X509Certificate></X509Data></KeyInfo><CipherData><CipherValue>{secret}</CipherValue></CipherData></EncryptedKey></KeyInfo><CipherData><CipherValue>{secret}</CipherValue></CipherData></EncryptedData></encryptedSecret></descriptor></descriptor></key>"#
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&data);
        if let Ok(t) = AntiforgeryToken::parse(&data) {
            prop_assert_eq!(AntiforgeryToken::parse(&t.to_bytes()).unwrap(), t);
        }
        if let Ok(t) = IdentityToken::parse(&data) {
            prop_assert_eq!(IdentityToken::parse(&t.to_bytes().unwrap()).unwrap(), t);
        }
        if let Ok(t) = TempData::parse(&data) {
            prop_assert_eq!(TempData::parse(t.to_json().as_bytes()).unwrap(), t);
        }
        if let Ok(p) = core::deserialize_properties(&data) {
            prop_assert_eq!(core::deserialize_properties(&core::serialize_properties(&p).unwrap()).unwrap(), p);
        }
        let _ = split_expiry(&data);
        for kind in kinds() {
            let _ = CoreValue::decode(kind, &data);
        }
        let _ = decode_payload_text(&text);
        let _ = nonce_in_cookie(&text);
        let _ = set_cookie_pair(&text);
        let jar: Vec<(&str, &str)> = cookie_pairs(&text).collect();
        let _ = Chunking::Core.join(&jar, "a");
        let _ = Certificate::from_pfx(&data, "password");
        if let Ok(ring) = KeyRing::from_xml(&key_file(&text), "fuzz") {
            let _ = ring.keys().first().map(|k| k.encryptor().is_ok());
        }
    }

    #[test]
    fn written_values_read_back(
        token in any::<[u8; 16]>(),
        claims in prop::option::of(any::<[u8; 32]>()),
        user in "\\PC{0,40}",
        data in "\\PC{0,40}",
        cookie in any::<bool>(),
        ticks in 0i64..3_155_378_975_999_999_999,
        stamp in "[A-Z0-9]{0,32}",
    ) {
        // The serializer's layout, written here by hand, reads to its fields and back.
        let mut bytes = vec![1u8];
        bytes.extend_from_slice(&token);
        let seven = |out: &mut Vec<u8>, s: &str| {
            let mut n = s.len();
            loop {
                let b = (n & 0x7F) as u8;
                n >>= 7;
                if n == 0 {
                    out.push(b);
                    break;
                }
                out.push(b | 0x80);
            }
            out.extend_from_slice(s.as_bytes());
        };
        if cookie {
            bytes.push(1);
        } else {
            bytes.push(0);
            match claims {
                Some(uid) => {
                    bytes.push(1);
                    bytes.extend_from_slice(&uid);
                }
                None => {
                    bytes.push(0);
                    seven(&mut bytes, &user);
                }
            }
            seven(&mut bytes, &data);
        }
        let t = AntiforgeryToken::parse(&bytes).unwrap();
        prop_assert_eq!(t.security_token, token);
        prop_assert_eq!(t.is_cookie_token(), cookie);
        if let Some(RequestFields { user: u, additional_data, .. }) = &t.request {
            match claims {
                Some(uid) => prop_assert_eq!(u, &TokenUser::ClaimUid(uid)),
                None => prop_assert_eq!(u, &TokenUser::Username(user.clone())),
            }
            prop_assert_eq!(additional_data, &data);
        }
        prop_assert_eq!(t.to_bytes(), bytes);
        let created = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ticks - 621_355_968_000_000_000) * 100).unwrap();
        let id = IdentityToken::new(created, &user, &data, &stamp);
        prop_assert_eq!(IdentityToken::parse(&id.to_bytes().unwrap()).unwrap(), id);
        let mut p = AuthProperties::default();
        p.set(&user, &data);
        prop_assert_eq!(core::deserialize_properties(&core::serialize_properties(&p).unwrap()).unwrap(), p);
    }
}
