//! Properties of the OWIN/Katana and Core tickets and their cookies: read(write(t)) == t for
//! arbitrary tickets within the bounds, in both formats; arbitrary bytes never panic the
//! readers; a cookie round-trips, and tampering or another scheme is the one opaque error.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::dataprotection::KeyRing;
use machinekey::formats::auth_cookie::AuthCookie;
use machinekey::formats::auth_ticket::{
    AuthProperties, AuthTicket, Claim, ClaimsIdentity, DEFAULT_ISSUER, DEFAULT_NAME_CLAIM_TYPE,
    STRING_VALUE_TYPE, core, katana,
};
use machinekey::{Error, random::OsRandom};
use proptest::prelude::*;

/// Text that is never the `"\0"` placeholder itself (which .NET cannot represent either).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z]{1,6}",
        ".{0,10}".prop_filter("not the placeholder", |s| s != "\0"),
        Just(DEFAULT_NAME_CLAIM_TYPE.to_owned()),
        Just(STRING_VALUE_TYPE.to_owned()),
        Just(DEFAULT_ISSUER.to_owned()),
    ]
}

fn claim(with_properties: bool) -> impl Strategy<Value = Claim> {
    let props = if with_properties {
        0..3usize
    } else {
        0..1usize
    };
    (
        text(),
        text(),
        text(),
        text(),
        prop::option::of(text()),
        prop::collection::vec((text(), text()), props),
    )
        .prop_map(move |(t, v, vt, iss, orig, mut p)| {
            let mut c = Claim::new(&t, &v);
            c.value_type = vt;
            c.original_issuer = orig.unwrap_or_else(|| iss.clone());
            c.issuer = iss;
            if !with_properties {
                p.clear();
            }
            // Claim properties are a dictionary: unique keys.
            p.sort();
            p.dedup_by(|a, b| a.0 == b.0);
            c.properties = p;
            c
        })
}

fn identity(core: bool) -> impl Strategy<Value = ClaimsIdentity> {
    let leaf = (
        text(),
        text(),
        text(),
        prop::collection::vec(claim(core), 0..4),
        prop::option::of("[a-z ]{1,8}"),
    )
        .prop_map(|(a, n, r, claims, b)| {
            let mut id = ClaimsIdentity::new(&a);
            id.name_claim_type = n;
            id.role_claim_type = r;
            id.claims = claims;
            // Both formats drop an empty (Katana: a white-space) bootstrap context.
            id.bootstrap = b.filter(|b| !b.trim().is_empty());
            id
        });
    if core {
        leaf.prop_recursive(3, 8, 1, |inner| {
            (inner.clone(), prop::option::of(inner)).prop_map(|(mut id, actor)| {
                id.actor = actor.map(Box::new);
                id
            })
        })
        .boxed()
    } else {
        leaf.boxed()
    }
}

fn properties() -> impl Strategy<Value = AuthProperties> {
    prop::collection::vec((text(), text()), 0..4).prop_map(|mut items| {
        items.sort();
        items.dedup_by(|a, b| a.0 == b.0);
        AuthProperties { items }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn core_read_of_write(scheme in text(), ids in prop::collection::vec(identity(true), 0..3), p in properties()) {
        let mut t = AuthTicket::new(&scheme, ids);
        t.properties = p;
        let bytes = core::serialize(&t).unwrap();
        prop_assert_eq!(core::deserialize(&bytes).unwrap(), t);
    }

    #[test]
    fn katana_read_of_write(id in identity(false), p in properties()) {
        let mut t = AuthTicket::new(&id.authentication_type.clone(), vec![id]);
        t.properties = p;
        let raw = katana::serialize_uncompressed(&t).unwrap();
        prop_assert_eq!(katana::deserialize_uncompressed(&raw).unwrap(), t.clone());
        prop_assert_eq!(katana::deserialize(&katana::serialize(&t).unwrap()).unwrap(), t);
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..200)) {
        for version in [3u8, 5] {
            let bytes = [&[version, 0, 0, 0][..], &body].concat();
            if let Ok(t) = core::deserialize(&bytes) {
                let _ = core::serialize(&t);
            }
            if let Ok(t) = katana::deserialize_uncompressed(&bytes) {
                let _ = katana::serialize_uncompressed(&t);
            }
        }
        let _ = katana::deserialize(&[&[0x1F, 0x8B][..], &body].concat());
    }

    #[test]
    fn core_cookie_round_trip_tamper_and_other_scheme(ids in prop::collection::vec(identity(true), 1..2), flip in any::<prop::sample::Index>()) {
        let mut ring = KeyRing::new();
        ring.generate_key(time::OffsetDateTime::now_utc() - time::Duration::days(1), &OsRandom).unwrap();
        let cookie = AuthCookie::core(&ring, "Cookies", Some("app")).unwrap();
        let t = AuthTicket::new("Cookies", ids);
        let value = cookie.protect(&t).unwrap();
        prop_assert_eq!(cookie.unprotect(&value).unwrap(), t);
        let mut bytes = machinekey::crypto::encoding::from_base64url(&value).unwrap();
        let i = flip.index(bytes.len());
        bytes[i] ^= 0x01;
        let tampered = machinekey::crypto::encoding::to_base64url(&bytes);
        prop_assert!(matches!(cookie.unprotect(&tampered), Err(Error::Unprotect)));
        let other = AuthCookie::core(&ring, "Identity.Application", Some("app")).unwrap();
        prop_assert!(matches!(other.unprotect(&value), Err(Error::Unprotect)));
    }
}

fn oauth_keys() -> machinekey::AppKeys {
    let cfg = machinekey::MachineKeyConfig::builder()
        .validation_key(&"AB".repeat(64))
        .decryption_key(&"CD".repeat(32))
        .build()
        .unwrap();
    machinekey::AppKeys::explicit(&cfg).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A Katana OAuth token of any kind round-trips; a bit flip anywhere, or another
    /// kind's purposes, is the one opaque error; any `Authorization` header bytes never
    /// panic the bearer reader.
    #[test]
    fn oauth_token_round_trip_tamper_and_other_kind(
        id in identity(false),
        kind in prop::sample::select(machinekey::formats::oauth_token::TokenKind::ALL.to_vec()),
        flip in any::<prop::sample::Index>(),
        header in prop::collection::vec(any::<u8>(), 0..80),
    ) {
        use machinekey::formats::oauth_token::{OAuthToken, TokenKind, bearer_token};
        let keys = oauth_keys();
        let format = OAuthToken::new(&keys, kind);
        let t = AuthTicket::new(&id.authentication_type.clone(), vec![id]);
        let token = format.protect(&t).unwrap();
        prop_assert_eq!(format.unprotect(&token).unwrap(), t);
        let mut bytes = machinekey::crypto::encoding::from_base64url(&token).unwrap();
        let i = flip.index(bytes.len());
        bytes[i] ^= 0x01;
        let tampered = machinekey::crypto::encoding::to_base64url(&bytes);
        prop_assert!(matches!(format.unprotect(&tampered), Err(Error::Unprotect)));
        for other in TokenKind::ALL.iter().copied().filter(|o| *o != kind) {
            prop_assert!(matches!(OAuthToken::new(&keys, other).unprotect(&token), Err(Error::Unprotect)));
        }
        if let Some(found) = bearer_token(&header) {
            prop_assert!(!found.is_empty() && found.is_ascii());
            let _ = format.read(found, time::OffsetDateTime::UNIX_EPOCH);
        }
    }
}
