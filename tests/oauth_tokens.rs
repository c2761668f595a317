//! Katana's OAuth 2.0 tokens (`Microsoft.Owin.Security.OAuth`): the purposes of each kind
//! against Katana's source, the layout of a token (Base64url of `MachineKey.Protect` over a
//! GZip'd `TicketSerializer` v3 ticket) opened by an independent path, the real Katana ticket
//! of the Blacklist3r README carried as a token, expiry as the bearer middleware and the
//! token endpoint decide it, tampered and other-purpose tokens refused, and (feature `audit`)
//! a captured token's key found in the known-key list.
//!
//! No access token has been published together with its keys (see the module docs of
//! `machinekey::formats::oauth_token`): the whole token is UNVERIFIED against .NET output.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::config::MachineKeyAttribute;
use machinekey::crypto::encoding::{from_base64url, from_hex, to_base64url};
use machinekey::formats::auth_cookie::AuthCookie;
use machinekey::formats::auth_ticket::{AuthTicket, Claim, ClaimsIdentity, katana};
use machinekey::formats::oauth_token::{
    AUTHORIZATION_SERVER_MIDDLEWARE, OAUTH_NAMESPACE, OAuthToken, TokenKind, bearer_token, props,
};
use machinekey::{AppKeys, Error, MachineKeyConfig};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

/// The Blacklist3r README's OWIN cookie: real keys, and a real Katana ticket.
fn readme_vector() -> Value {
    let path = format!(
        "{}/tests/data/machinekey_protect.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "bl3r-readme-owin-cookie-HMACSHA512-AES192")
        .unwrap()
        .clone()
}

fn readme_keys(v: &Value) -> AppKeys {
    let cfg = MachineKeyConfig::builder()
        .validation_key(v["validationKey"].as_str().unwrap())
        .decryption_key(v["decryptionKey"].as_str().unwrap())
        .attribute(
            MachineKeyAttribute::Validation,
            v["validation"].as_str().unwrap(),
        )
        .attribute(
            MachineKeyAttribute::Decryption,
            v["decryption"].as_str().unwrap(),
        )
        .build()
        .unwrap();
    AppKeys::explicit(&cfg).unwrap()
}

/// The README's ticket, with the one length byte its author's hand edit broke restored
/// (see `tests/auth_tickets.rs`).
fn readme_ticket(v: &Value) -> AuthTicket {
    let mut raw = from_hex(v["expected"]["decompressed_hex"].as_str().unwrap()).unwrap();
    let at = raw.windows(7).position(|w| w == b"\x07Sanjay").unwrap();
    raw[at] = 0x16;
    katana::deserialize_uncompressed(&raw).unwrap()
}

fn gunzip(gz: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn bob(auth_type: &str) -> ClaimsIdentity {
    let mut id = ClaimsIdentity::new(auth_type);
    id.claims.push(Claim::name("bob"));
    id.claims.push(Claim::role("Admin"));
    id
}

#[test]
fn purposes_are_katanas() {
    // OAuthAuthorizationServerMiddleware: AuthorizationCodeFormat from
    // typeof(OAuthAuthorizationServerMiddleware).FullName, "Authentication_Code", "v1";
    // AccessTokenFormat and RefreshTokenFormat from its Namespace, "Access_Token" /
    // "Refresh_Token", "v1". OAuthBearerAuthenticationMiddleware: its Namespace (the same),
    // "Access_Token", "v1".
    assert_eq!(OAUTH_NAMESPACE, "Microsoft.Owin.Security.OAuth");
    assert_eq!(
        AUTHORIZATION_SERVER_MIDDLEWARE,
        format!("{OAUTH_NAMESPACE}.OAuthAuthorizationServerMiddleware")
    );
    assert_eq!(
        TokenKind::Access.purposes(),
        ["Microsoft.Owin.Security.OAuth", "Access_Token", "v1"]
    );
    assert_eq!(
        TokenKind::Refresh.purposes(),
        ["Microsoft.Owin.Security.OAuth", "Refresh_Token", "v1"]
    );
    assert_eq!(
        TokenKind::AuthorizationCode.purposes(),
        [
            "Microsoft.Owin.Security.OAuth.OAuthAuthorizationServerMiddleware",
            "Authentication_Code",
            "v1"
        ]
    );
    // OAuthAuthorizationServerOptions: AccessTokenExpireTimeSpan 20 minutes,
    // AuthorizationCodeExpireTimeSpan 5 minutes.
    assert_eq!(TokenKind::Access.default_lifetime(), Duration::minutes(20));
    assert_eq!(
        TokenKind::AuthorizationCode.default_lifetime(),
        Duration::minutes(5)
    );
    assert_eq!(
        (props::CLIENT_ID, props::REDIRECT_URI),
        ("client_id", "redirect_uri")
    );
    for &k in TokenKind::ALL {
        assert_eq!(TokenKind::from_name(k.as_str()), Some(k));
    }
}

#[test]
fn a_token_is_base64url_of_machinekey_protect_over_a_gzipped_v3_ticket() {
    let v = readme_vector();
    let keys = readme_keys(&v);
    let now = OffsetDateTime::from_unix_timestamp(1_513_695_780).unwrap();
    let access = OAuthToken::new(&keys, TokenKind::Access);
    let ticket = access.ticket(bob("Bearer"), now + Duration::milliseconds(740));
    // The token endpoint drops the milliseconds; .issued and .expires are "r" dates.
    assert_eq!(
        ticket.properties.items,
        [
            (
                ".issued".to_owned(),
                "Tue, 19 Dec 2017 15:03:00 GMT".to_owned()
            ),
            (
                ".expires".to_owned(),
                "Tue, 19 Dec 2017 15:23:00 GMT".to_owned()
            ),
        ]
    );
    let token = access.protect(&ticket).unwrap();
    // Base64url without padding (TextEncodings.Base64Url).
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let blob = from_base64url(&token).unwrap();
    // Framework45 MachineKey.Protect with AES and HMACSHA512: IV, whole blocks, 64-byte MAC.
    assert_eq!((blob.len() - 16 - 64) % 16, 0);
    // Opened by another path: MachineKey.Unprotect with the purposes spelled out.
    let gz = keys
        .unprotect(
            &blob,
            &["Microsoft.Owin.Security.OAuth", "Access_Token", "v1"],
        )
        .unwrap();
    assert_eq!(&gz[..3], &[0x1F, 0x8B, 0x08]);
    let raw = gunzip(&gz);
    assert_eq!(raw, katana::serialize_uncompressed(&ticket).unwrap());
    // Version 3, the identity's authentication type, the properties at the end.
    assert_eq!(&raw[..4], &[3, 0, 0, 0]);
    assert_eq!(&raw[4..11], b"\x06Bearer");
    let tail = b"\x07.issued\x1dTue, 19 Dec 2017 15:03:00 GMT\x08.expires\x1dTue, 19 Dec 2017 15:23:00 GMT";
    assert!(raw.ends_with(tail));
    // The same bytes under each of the other kinds' purposes do not open as access tokens.
    for other in [TokenKind::Refresh, TokenKind::AuthorizationCode] {
        let t = OAuthToken::new(&keys, other);
        assert!(matches!(t.unprotect(&token), Err(Error::Unprotect)));
        let theirs = to_base64url(&keys.protect(&gz, &other.purposes()).unwrap());
        assert_eq!(t.unprotect(&theirs).unwrap(), ticket);
        assert!(matches!(access.unprotect(&theirs), Err(Error::Unprotect)));
    }
}

#[test]
fn the_real_katana_ticket_travels_as_each_kind_of_token() {
    let v = readme_vector();
    let keys = readme_keys(&v);
    let ticket = readme_ticket(&v);
    assert_eq!(ticket.name(), Some("Sanjay@notsosecure.com"));
    let issued = ticket.issued().unwrap();
    for &kind in TokenKind::ALL {
        let t = OAuthToken::new(&keys, kind);
        let token = t.protect(&ticket).unwrap();
        assert_eq!(t.unprotect(&token).unwrap(), ticket, "{kind}");
        // Within its fourteen days it reads; after them it has expired.
        assert_eq!(
            t.read(&token, issued + Duration::days(1)).unwrap(),
            ticket,
            "{kind}"
        );
        assert!(matches!(
            t.read(&token, issued + Duration::days(15)),
            Err(Error::TicketExpired)
        ));
        // It is not an OWIN cookie, nor the other way round.
        let cookie = AuthCookie::owin(&keys, "ApplicationCookie").unwrap();
        assert!(matches!(cookie.unprotect(&token), Err(Error::Unprotect)));
        assert!(matches!(
            t.unprotect(&cookie.protect(&ticket).unwrap()),
            Err(Error::Unprotect)
        ));
    }
}

#[test]
fn tampered_malformed_and_foreign_tokens_are_refused() {
    let v = readme_vector();
    let keys = readme_keys(&v);
    let now = OffsetDateTime::now_utc();
    let access = OAuthToken::new(&keys, TokenKind::Access);
    let token = access.issue(bob("Bearer"), now).unwrap();
    let blob = from_base64url(&token).unwrap();
    for i in [0, 15, 16, blob.len() / 2, blob.len() - 1] {
        let mut bad = blob.clone();
        bad[i] ^= 0x01;
        assert!(
            matches!(access.read(&to_base64url(&bad), now), Err(Error::Unprotect)),
            "byte {i}"
        );
    }
    assert!(matches!(
        access.read(&to_base64url(&blob[..blob.len() - 1]), now),
        Err(Error::Unprotect)
    ));
    assert!(matches!(
        access.read("not*base64", now),
        Err(Error::Malformed(_))
    ));
    assert!(matches!(access.read("", now), Err(Error::Unprotect)));
    // Other keys.
    let other = MachineKeyConfig::builder()
        .validation_key(&"AB".repeat(64))
        .decryption_key(&"CD".repeat(32))
        .build()
        .unwrap();
    let other = OAuthToken::new(&AppKeys::explicit(&other).unwrap(), TokenKind::Access);
    assert!(matches!(other.read(&token, now), Err(Error::Unprotect)));
    // Custom purposes (a site that set its own AccessTokenFormat).
    let custom = OAuthToken::new(&keys, TokenKind::Access).with_purposes(&[
        AUTHORIZATION_SERVER_MIDDLEWARE,
        "Access_Token",
        "v1",
    ]);
    assert!(matches!(custom.read(&token, now), Err(Error::Unprotect)));
    let theirs = custom.issue(bob("Bearer"), now).unwrap();
    assert_eq!(custom.read(&theirs, now).unwrap().name(), Some("bob"));
    assert!(matches!(access.read(&theirs, now), Err(Error::Unprotect)));
}

#[test]
fn expiry_follows_each_middleware() {
    let v = readme_vector();
    let keys = readme_keys(&v);
    let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    // Access: 20 minutes; at the instant of .expires it still reads (ExpiresUtc < now
    // refuses), a second later it does not.
    let access = OAuthToken::new(&keys, TokenKind::Access);
    let token = access.issue(bob("Bearer"), now).unwrap();
    assert!(access.read(&token, now + Duration::minutes(20)).is_ok());
    assert!(matches!(
        access.read(&token, now + Duration::minutes(20) + Duration::seconds(1)),
        Err(Error::TicketExpired)
    ));
    // A ticket without .expires: an access token never expires, a refresh token or a code
    // is refused ("expired refresh token" / "expired authorization code").
    let mut forever = AuthTicket::new("Bearer", vec![bob("Bearer")]);
    forever.properties.set_issued(now);
    for &kind in TokenKind::ALL {
        let t = OAuthToken::new(&keys, kind);
        let token = t.protect(&forever).unwrap();
        let read = t.read(&token, now + Duration::days(3650));
        if kind == TokenKind::Access {
            assert!(read.is_ok());
        } else {
            assert!(matches!(read, Err(Error::TicketExpired)), "{kind}");
        }
    }
    // A code lives 5 minutes and keeps what the token endpoint compares.
    let code = OAuthToken::new(&keys, TokenKind::AuthorizationCode);
    let mut t = code.ticket(bob("Bearer"), now);
    t.properties.set(props::CLIENT_ID, "spa");
    t.properties
        .set(props::REDIRECT_URI, "https://app.example/cb");
    let text = code.protect(&t).unwrap();
    let read = code.read(&text, now + Duration::minutes(4)).unwrap();
    assert_eq!(read.properties.get(props::CLIENT_ID), Some("spa"));
    assert!(matches!(
        code.read(&text, now + Duration::minutes(6)),
        Err(Error::TicketExpired)
    ));
    // A refresh token with the application's own lifetime.
    let refresh = OAuthToken::new(&keys, TokenKind::Refresh).with_lifetime(Duration::days(30));
    let text = refresh.issue(bob("Bearer"), now).unwrap();
    assert!(refresh.read(&text, now + Duration::days(29)).is_ok());
    // An anonymous identity (no authentication type) is not validated by the bearer handler.
    let anon = access.issue(bob(""), now).unwrap();
    assert!(matches!(
        access.read(&anon, now),
        Err(Error::NotAuthenticated)
    ));
}

#[test]
fn bearer_header_as_the_handler_reads_it() {
    assert_eq!(bearer_token(b"Bearer abc"), Some("abc"));
    assert_eq!(bearer_token(b"BEARER   abc  "), Some("abc"));
    assert_eq!(bearer_token(b"Bearerabc"), None);
    assert_eq!(bearer_token(b"Basic abc"), None);
    assert_eq!(bearer_token(b"Bearer \xe9"), None);
    assert_eq!(bearer_token(b""), None);
    assert_eq!(bearer_token(b"Bear"), None);
}

#[cfg(feature = "audit")]
#[test]
fn audit_finds_the_known_key_of_a_captured_token() {
    use machinekey::audit::{Auditor, Blob, KeyList};
    let v = readme_vector();
    let keys = readme_keys(&v);
    let access = OAuthToken::new(&keys, TokenKind::Access);
    let token = access.protect(&readme_ticket(&v)).unwrap();
    let blob = from_base64url(&token).unwrap();
    let auditor = Auditor::from_list(KeyList::builtin());
    let found = auditor
        .audit(&Blob::protected(&blob, &TokenKind::Access.purposes()))
        .expect("the README's keys are in the known-key list");
    assert_eq!(
        found.key.validation_key,
        v["validationKey"].as_str().unwrap()
    );
    assert_eq!(gunzip(&found.payload)[..4], [3, 0, 0, 0]);
    // Under the refresh token's purposes nothing is found: the purposes matter.
    assert!(
        auditor
            .audit(&Blob::protected(&blob, &TokenKind::Refresh.purposes()))
            .is_none()
    );
}
