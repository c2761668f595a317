//! Every value real ASP.NET Core 10 wrote, in `tests/data/aspnetcore_real.json` (copied from
//! the shared vectors; each vector keeps its `source`: the .NET calls that made it), opens
//! through the library as a user holds it: Data Protection payloads in Base64url, standard
//! Base64 and percent-encoded; a time-limited payload with its expiry; Core cookie tickets
//! with every claim field, byte for byte; what a Kestrel app sent for a login, antiforgery,
//! session and TempData; an Identity token; Blazor's markers; the NRBF streams. Each has a
//! bit-flip or wrong-purpose negative, and the two fixes the real values showed (the TempData
//! purpose, the session cookie's encoding) have their regression tests here.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::Error;
use machinekey::crypto::encoding::{from_base64url, to_base64, to_base64url};
use machinekey::dataprotection::consumers::{self, ConsumerKind};
use machinekey::dataprotection::{
    KeyRing, PayloadEncoding, TIME_LIMITED_PURPOSE, decode_payload_text,
};
#[cfg(feature = "temp-data")]
use machinekey::formats::aspnetcore::TempData;
use machinekey::formats::aspnetcore::antiforgery::{self, TokenUser};
use machinekey::formats::aspnetcore::{AntiforgeryToken, CoreValue, IdentityToken};
use machinekey::formats::auth_cookie::{AuthCookie, Chunking, set_cookie_pair};
use machinekey::formats::auth_ticket::core as core_ticket;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn vectors() -> Vec<Value> {
    serde_json::from_str(include_str!("data/aspnetcore_real.json")).unwrap()
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

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

fn ring(v: &Value) -> KeyRing {
    let files = v["inputs"]["ring"].as_object().unwrap();
    KeyRing::from_elements(
        files
            .iter()
            .map(|(name, xml)| (name.clone(), xml.as_str().unwrap().to_owned())),
    )
    .unwrap()
}

fn chain(app: &str, purposes: &[&str]) -> Vec<String> {
    std::iter::once(app)
        .chain(purposes.iter().copied())
        .map(str::to_owned)
        .collect()
}

fn purposes(v: &Value) -> Vec<String> {
    v["purposes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect()
}

fn time(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).unwrap()
}

/// Flips one bit of the protected bytes (inside the ciphertext or MAC).
fn tampered(text: &str) -> String {
    let mut bytes = decode_payload_text(text).unwrap().bytes;
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    to_base64url(&bytes)
}

#[test]
fn payloads_open_in_all_three_encodings() {
    let vs = of_kind("dataprotection-payload");
    assert_eq!(vs.len(), 10);
    for v in vs {
        let id = s(&v, "id");
        let inputs = &v["inputs"];
        let mut chain = vec![s(inputs, "application_name").to_owned()];
        chain.extend(purposes(inputs));
        let p = ring(&v).protector(&chain).unwrap();
        let value = s(inputs, "value");
        let expected = hex::decode(s(&v["expected"], "plaintext_hex")).unwrap();
        assert_eq!(
            p.unprotect_text(value).unwrap().as_bytes(),
            expected,
            "{id}"
        );
        // The same bytes as standard Base64, padding trimmed, and percent-encoded as a
        // cookie value is sent.
        let bytes = from_base64url(value).unwrap();
        let standard = to_base64(&bytes);
        let sent = standard
            .trim_end_matches('=')
            .replace('+', "%2B")
            .replace('/', "%2F");
        for form in [value.to_owned(), standard.clone(), sent] {
            assert_eq!(
                p.unprotect_encoded(&form).unwrap(),
                expected,
                "{id}: {form}"
            );
        }
        assert!(
            matches!(p.unprotect_encoded(&tampered(value)), Err(Error::Unprotect)),
            "{id}"
        );
        let other = p.create_protector("another purpose");
        assert!(
            matches!(other.unprotect_text(value), Err(Error::Unprotect)),
            "{id}"
        );
    }
}

#[test]
fn time_limited_payload_shows_its_expiry_and_is_refused_once_expired() {
    let v = by_id("dp-time-limited-live");
    let inputs = &v["inputs"];
    let given = purposes(inputs);
    assert_eq!(given.last().map(String::as_str), Some(TIME_LIMITED_PURPOSE));
    let base: Vec<String> = chain(s(inputs, "application_name"), &[given[0].as_str()]);
    let links = ring(&v).protector(&base).unwrap().to_time_limited();
    assert_eq!(
        links.purposes()[..],
        chain(
            s(inputs, "application_name"),
            &["PasswordlessLogin", TIME_LIMITED_PURPOSE]
        )[..]
    );
    let payload = from_base64url(s(inputs, "value")).unwrap();
    let expires = time(
        s(&v["expected"], "expires_utc")
            .replace(".0000000", "")
            .as_str(),
    );
    let made = time("2026-12-06T03:02:04Z");
    let opened = links.unprotect(&payload, made).unwrap();
    assert_eq!(
        opened.plaintext,
        s(&v["expected"], "plaintext_utf8").as_bytes()
    );
    assert_eq!(opened.expires, expires);
    // At the expiry itself it still opens (.NET refuses only when now > expiry).
    assert!(links.unprotect(&payload, expires).is_ok());
    let later = expires + time::Duration::seconds(1);
    assert!(matches!(
        links.unprotect(&payload, later),
        Err(Error::PayloadExpired { expires: e }) if e == expires
    ));
    assert_eq!(links.unprotect_ignoring_expiry(&payload).unwrap(), opened);
    // Negatives: a flipped bit, and the chain without the time-limited purpose.
    let mut flipped = payload.clone();
    flipped[40] ^= 0x80;
    assert!(matches!(
        links.unprotect(&flipped, made),
        Err(Error::Unprotect)
    ));
    assert!(
        ring(&v)
            .protector(&base)
            .unwrap()
            .unprotect(&payload)
            .is_err()
    );
    // As a consumer value: the kind from the chain, then the expiry header.
    let full = links.inner().unprotect(&payload).unwrap();
    assert_eq!(
        consumers::kind_of(links.purposes()),
        ConsumerKind::TimeLimited
    );
    match CoreValue::decode(ConsumerKind::TimeLimited, &full).unwrap() {
        CoreValue::TimeLimited { expires: e, inner } => {
            assert_eq!(
                (e, inner.as_slice()),
                (expires, opened.plaintext.as_slice())
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn identity_token_opens_from_base64_and_from_its_link() {
    let v = by_id("identity-token-reset-password");
    let inputs = &v["inputs"];
    let expected = &v["expected"];
    let mut chain = vec![s(inputs, "application_name").to_owned()];
    chain.extend(purposes(inputs));
    assert_eq!(chain[1], consumers::IDENTITY_TOKEN_PURPOSE);
    let p = ring(&v).protector(&chain).unwrap();
    let plain = hex::decode(s(expected, "plaintext_hex")).unwrap();
    for form in [s(inputs, "token"), s(inputs, "token_in_link")] {
        let text = decode_payload_text(form).unwrap();
        assert_eq!(text.encoding, PayloadEncoding::Base64, "{form}");
        assert_eq!(p.unprotect_encoded(form).unwrap(), plain);
    }
    assert!(
        decode_payload_text(s(inputs, "token_in_link"))
            .unwrap()
            .percent_decoded
    );
    let token = IdentityToken::parse(&plain).unwrap();
    assert_eq!(token.user_id, s(expected, "user_id"));
    assert_eq!(token.purpose, s(expected, "token_purpose"));
    assert_eq!(token.security_stamp, s(expected, "security_stamp"));
    // Made by the vectors' generator on 2026-12-06 (UTC ticks, little-endian).
    assert_eq!(
        (
            token.created.year(),
            u8::from(token.created.month()),
            token.created.day()
        ),
        (2026, 12, 6)
    );
    assert_eq!(token.to_bytes().unwrap(), plain);
    assert!(!token.is_expired(
        machinekey::formats::aspnetcore::identity_token::DEFAULT_LIFESPAN,
        token.created + time::Duration::hours(23)
    ));
    assert!(token.is_expired(
        machinekey::formats::aspnetcore::identity_token::DEFAULT_LIFESPAN,
        token.created + time::Duration::hours(25)
    ));
    assert!(matches!(
        p.unprotect_encoded(&tampered(s(inputs, "token"))),
        Err(Error::Unprotect)
    ));
    let mut trailing = plain.clone();
    trailing.push(0);
    assert!(IdentityToken::parse(&trailing).is_err());
}

fn check_claims(ticket: &machinekey::formats::auth_ticket::AuthTicket, expected: &Value, id: &str) {
    let identity = &ticket.identities[0];
    let claims = expected["claims"].as_array().unwrap();
    assert_eq!(identity.claims.len(), claims.len(), "{id}");
    for (c, e) in identity.claims.iter().zip(claims) {
        assert_eq!(c.claim_type, s(e, "type"), "{id}");
        assert_eq!(c.value, s(e, "value"), "{id}");
        assert_eq!(c.value_type, s(e, "value_type"), "{id}");
        assert_eq!(c.issuer, s(e, "issuer"), "{id}");
        assert_eq!(c.original_issuer, s(e, "original_issuer"), "{id}");
    }
    for p in expected["claim_properties"].as_array().unwrap() {
        let claim = identity
            .claims
            .iter()
            .find(|c| c.claim_type == s(p, "type"))
            .unwrap();
        let want: Vec<(String, String)> = p["properties"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(claim.properties, want, "{id}");
    }
    assert_eq!(
        identity.authentication_type,
        s(expected, "authentication_type"),
        "{id}"
    );
    assert_eq!(ticket.name(), expected["name"].as_str(), "{id}");
    assert_eq!(
        identity.actor.as_ref().and_then(|a| a.name()),
        expected["actor_name"].as_str(),
        "{id}"
    );
    assert_eq!(
        identity.bootstrap.as_deref(),
        expected["bootstrap_context"].as_str(),
        "{id}"
    );
    assert_eq!(
        ticket.is_persistent(),
        expected["persistent"].as_bool().unwrap(),
        "{id}"
    );
    let issued = s(expected, "issued_utc").replace(".0000000", "");
    let expires = s(expected, "expires_utc").replace(".0000000", "");
    assert_eq!(ticket.issued(), Some(time(&issued)), "{id}");
    assert_eq!(ticket.expires(), Some(time(&expires)), "{id}");
    for (k, v) in expected["items"].as_object().unwrap() {
        assert_eq!(ticket.properties.get(k), v.as_str(), "{id}: {k}");
    }
    assert_eq!(
        ticket.properties.items.len(),
        expected["items"].as_object().unwrap().len()
    );
}

#[test]
fn core_tickets_open_with_every_claim_field_and_write_back_byte_for_byte() {
    let vs = of_kind("core-cookie-ticket");
    assert_eq!(vs.len(), 3);
    for v in vs {
        let id = s(&v, "id");
        let inputs = &v["inputs"];
        let expected = &v["expected"];
        let scheme = s(inputs, "scheme");
        let app = s(inputs, "application_name");
        let r = ring(&v);
        let cookie = AuthCookie::core(&r, scheme, Some(app)).unwrap();
        // The cookie as the middleware sent it: the Set-Cookie headers, chunks joined.
        let headers: Vec<&str> = inputs["set_cookie_headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap())
            .collect();
        let jar: Vec<(&str, &str)> = headers.iter().filter_map(|h| set_cookie_pair(h)).collect();
        let name = format!(".AspNetCore.{scheme}");
        let joined = Chunking::Core.join(&jar, &name).unwrap();
        assert_eq!(joined, s(inputs, "cookie"), "{id}");
        let ticket = cookie.unprotect(&joined).unwrap();
        let ticket_hex = s(expected, "ticket_hex");
        assert_eq!(
            hex::encode_upper(core_ticket::serialize(&ticket).unwrap()),
            ticket_hex,
            "{id}: written back byte for byte"
        );
        assert_eq!(ticket.scheme, scheme);
        check_claims(&ticket, expected, id);
        // The items in serialized order: .issued, .expires, (.persistent), custom, .redirect.
        let keys: Vec<&str> = ticket
            .properties
            .items
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(keys[..2], [".issued", ".expires"], "{id}");
        assert!(
            matches!(cookie.unprotect(&tampered(&joined)), Err(Error::Unprotect)),
            "{id}"
        );
        let other = if scheme == "Cookies" {
            "Identity.Application"
        } else {
            "Cookies"
        };
        assert!(
            AuthCookie::core(&r, other, Some(app))
                .unwrap()
                .unprotect(&joined)
                .is_err()
        );
        // And through the consumer list, as the audit and the CLI decode it.
        let chain = {
            let mut c = vec![app.to_owned()];
            c.extend(consumers::cookie_authentication(scheme));
            c
        };
        let plain = r.protector(&chain).unwrap().unprotect_text_bytes(&joined);
        assert!(matches!(
            CoreValue::decode(consumers::kind_of(&chain), &plain).unwrap(),
            CoreValue::Ticket(t) if t == ticket
        ));
    }
}

trait TextBytes {
    fn unprotect_text_bytes(&self, text: &str) -> Vec<u8>;
}

impl TextBytes for machinekey::dataprotection::DataProtector {
    fn unprotect_text_bytes(&self, text: &str) -> Vec<u8> {
        self.unprotect_encoded(text).unwrap()
    }
}

fn opened(v: &Value) -> Vec<Value> {
    v["expected"]["opened"].as_array().unwrap().clone()
}

fn header_value<'a>(v: &'a Value, name_prefix: &str) -> (&'a str, &'a str) {
    v["inputs"]["set_cookie_headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| set_cookie_pair(h.as_str().unwrap()))
        .find(|(n, _)| n.starts_with(name_prefix))
        .unwrap()
}

#[test]
fn kestrel_login_cookie_opens_as_sent() {
    let v = by_id("webapp-login");
    let app = s(&v["inputs"], "application_name");
    let (name, value) = header_value(&v, ".AspNetCore.Cookies");
    assert_eq!(name, ".AspNetCore.Cookies");
    let o = &opened(&v)[0];
    assert_eq!(purposes(o), consumers::cookie_authentication("Cookies"));
    let ticket = AuthCookie::core(&ring(&v), "Cookies", Some(app))
        .unwrap()
        .unprotect(value)
        .unwrap();
    assert_eq!(
        hex::encode_upper(core_ticket::serialize(&ticket).unwrap()),
        s(o, "plaintext_hex")
    );
    assert_eq!(ticket.name(), Some(s(o, "name")));
    assert_eq!(ticket.identities[0].claims.len(), 2);
    assert_eq!(
        ticket.issued(),
        Some(time(&s(o, "issued_utc").replace(".0000000", "")))
    );
    assert_eq!(
        ticket.expires(),
        Some(time(&s(o, "expires_utc").replace(".0000000", "")))
    );
}

#[test]
fn kestrel_antiforgery_tokens_decode_into_their_fields() {
    let v = by_id("webapp-antiforgery");
    let app = s(&v["inputs"], "application_name");
    let (name, cookie_value) = header_value(&v, antiforgery::COOKIE_PREFIX);
    assert_eq!(
        name,
        antiforgery::cookie_name(app),
        "the name hashes the discriminator"
    );
    let p = ring(&v)
        .protector(&chain(app, &[consumers::ANTIFORGERY_PURPOSE]))
        .unwrap();
    let o = opened(&v);
    assert_eq!(purposes(&o[0]), [consumers::ANTIFORGERY_PURPOSE]);
    assert_eq!(s(&o[0], "value"), cookie_value);
    assert_eq!(s(&o[1], "value"), s(&v["inputs"], "body"));
    let cookie_plain = p.unprotect_encoded(cookie_value).unwrap();
    let request_plain = p.unprotect_encoded(s(&v["inputs"], "body")).unwrap();
    assert_eq!(hex::encode_upper(&cookie_plain), s(&o[0], "plaintext_hex"));
    assert_eq!(hex::encode_upper(&request_plain), s(&o[1], "plaintext_hex"));
    let cookie = AntiforgeryToken::parse(&cookie_plain).unwrap();
    let request = AntiforgeryToken::parse(&request_plain).unwrap();
    assert!(cookie.is_cookie_token());
    let fields = request.request.as_ref().unwrap();
    assert_eq!(fields.user, TokenUser::Username(String::new()), "anonymous");
    assert_eq!(fields.additional_data, "");
    assert!(request.pairs_with(&cookie));
    assert_eq!(cookie.to_bytes(), cookie_plain);
    assert_eq!(request.to_bytes(), request_plain);
    // Another security token does not pair.
    let mut other = cookie.clone();
    other.security_token[0] ^= 1;
    assert!(!request.pairs_with(&other));
    assert!(matches!(
        p.unprotect_encoded(&tampered(cookie_value)),
        Err(Error::Unprotect)
    ));
    assert!(matches!(
        CoreValue::decode(ConsumerKind::Antiforgery, &request_plain).unwrap(),
        CoreValue::Antiforgery(t) if t == request
    ));
}

#[test]
fn session_cookie_opens_as_sent_percent_encoded_standard_base64() {
    let v = by_id("webapp-session");
    let app = s(&v["inputs"], "application_name");
    let (name, value) = header_value(&v, ".AspNetCore.Session");
    assert_eq!(name, ".AspNetCore.Session");
    let o = &opened(&v)[0];
    assert_eq!(purposes(o), [consumers::SESSION_PURPOSE]);
    assert_eq!(value, s(o, "value"));
    let p = ring(&v)
        .protector(&chain(app, &[consumers::SESSION_PURPOSE]))
        .unwrap();
    // Regression: the Base64url-only reading refuses the value as sent.
    assert!(matches!(p.unprotect_text(value), Err(Error::Malformed(_))));
    let text = decode_payload_text(value).unwrap();
    assert_eq!(
        (text.encoding, text.percent_decoded),
        (PayloadEncoding::Base64, true)
    );
    let plain = p.unprotect_encoded(value).unwrap();
    assert_eq!(hex::encode_upper(&plain), s(o, "plaintext_hex"));
    assert_eq!(
        CoreValue::decode(ConsumerKind::Session, &plain).unwrap(),
        CoreValue::Session(s(o, "plaintext_utf8").to_owned())
    );
    assert!(matches!(
        p.unprotect_encoded(&tampered(value)),
        Err(Error::Unprotect)
    ));
}

#[cfg(feature = "temp-data")]
#[test]
fn tempdata_cookie_opens_under_the_purpose_real_mvc_uses() {
    let v = by_id("webapp-tempdata");
    let app = s(&v["inputs"], "application_name");
    let (name, value) = header_value(&v, ".AspNetCore.Mvc");
    assert_eq!(
        name,
        machinekey::formats::aspnetcore::temp_data::COOKIE_NAME
    );
    let o = &opened(&v)[0];
    assert_eq!(purposes(o), [consumers::TEMP_DATA_PURPOSE]);
    let r = ring(&v);
    // Regression: the purpose a reading of pre-release source gave does not open it.
    let old = r
        .protector(&chain(
            app,
            &["Microsoft.AspNetCore.Mvc.ViewFeatures.CookieTempDataProviderToken.v1"],
        ))
        .unwrap();
    assert!(matches!(
        old.unprotect_encoded(value),
        Err(Error::Unprotect)
    ));
    assert!(consumers::known().iter().any(
        |c| c.purposes == [consumers::TEMP_DATA_PURPOSE] && c.kind() == ConsumerKind::TempData
    ));
    let plain = r
        .protector(&chain(app, &[consumers::TEMP_DATA_PURPOSE]))
        .unwrap()
        .unprotect_encoded(value)
        .unwrap();
    assert_eq!(hex::encode_upper(&plain), s(o, "plaintext_hex"));
    let t = TempData::parse(&plain).unwrap();
    assert_eq!(
        t.entries,
        [
            ("Message".to_owned(), "\"profile saved\"".to_owned()),
            ("Count".to_owned(), "3".to_owned())
        ]
    );
    assert_eq!(t.string("Message").as_deref(), Some("profile saved"));
    assert_eq!(t.to_json().as_bytes(), plain);
    assert!(
        TempData::parse(b"\x16\x00\x00\x00").is_err(),
        "BSON is named, not read"
    );
    assert!(TempData::parse(b"{\"a\":1").is_err());
}

#[test]
fn blazor_markers_open_with_json_escapes_and_expiry() {
    let v = by_id("blazor-counter");
    let app = s(&v["inputs"], "application_name");
    let html = s(&v["inputs"], "html");
    let start = html.find("\"descriptor\":\"").unwrap() + 14;
    let raw = &html[start..start + html[start..].find('"').unwrap()];
    assert!(raw.contains("\\u002B"));
    let text = decode_payload_text(raw).unwrap();
    assert!(text.json_unescaped);
    let o = opened(&v);
    let given = purposes(&o[0]);
    let r = ring(&v);
    let descriptor = r
        .protector(&chain(app, &[given[0].as_str()]))
        .unwrap()
        .to_time_limited();
    let d = descriptor.unprotect_ignoring_expiry(&text.bytes).unwrap();
    assert_eq!(d.plaintext, s(&o[0], "inner_plaintext_utf8").as_bytes());
    assert_eq!(d.expires, time(s(&o[0], "expires")));
    assert!(matches!(
        descriptor.unprotect(&text.bytes, d.expires + time::Duration::minutes(1)),
        Err(Error::PayloadExpired { .. })
    ));
    let state = r
        .protector(&chain(
            app,
            &purposes(&o[1])
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        ))
        .unwrap();
    assert_eq!(
        hex::encode_upper(state.unprotect_encoded(s(&o[1], "value")).unwrap()),
        s(&o[1], "plaintext_hex")
    );
}

#[test]
fn nrbf_walker_names_what_the_real_decoder_names() {
    let vs = of_kind("nrbf-stream");
    assert_eq!(vs.len(), 9);
    for v in vs {
        let id = s(&v, "id");
        let bytes = hex::decode(s(&v["inputs"], "stream_hex")).unwrap();
        let stream = machinekey::formats::nrbf::read(&bytes).unwrap();
        let mut theirs: Vec<(String, Vec<String>)> = v["expected"]["records"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r.get("type").is_some())
            .map(|r| {
                (
                    s(r, "type").to_owned(),
                    r["members"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|m| m.as_str().unwrap().to_owned())
                        .collect(),
                )
            })
            .collect();
        theirs.sort();
        theirs.dedup();
        let mut ours: Vec<(String, Vec<String>)> = stream
            .classes
            .iter()
            .map(|c| (c.name.clone(), c.members.clone()))
            .collect();
        ours.sort();
        ours.dedup();
        assert_eq!(ours, theirs, "{id}");
        for c in &stream.classes {
            if let Some(lib) = &c.library {
                let r = v["expected"]["records"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| r["type"] == c.name.as_str())
                    .unwrap();
                assert_eq!(lib, s(r, "library"), "{id}");
            }
        }
        let mut cut = bytes.clone();
        cut.truncate(bytes.len() / 2);
        assert!(machinekey::formats::nrbf::read(&cut).is_err(), "{id}");
    }
}

#[cfg(feature = "audit")]
#[test]
fn audit_names_the_consumer_of_every_real_value() {
    use machinekey::audit::data_protection::{DataProtectionFinding, audit_data_protection};
    let mut cases: Vec<(Value, String, &str)> = Vec::new();
    for (id, name) in [
        ("webapp-login", "cookie authentication (Cookies)"),
        ("webapp-antiforgery", "antiforgery token"),
        ("webapp-session", "session cookie"),
        ("webapp-tempdata", "TempData cookie"),
    ] {
        let v = by_id(id);
        let value = header_value(&v, ".AspNetCore.").1.to_owned();
        cases.push((v, value, name));
    }
    let v = by_id("core-ticket-identity-application");
    let value = s(&v["inputs"], "cookie").to_owned();
    cases.push((v, value, "cookie authentication (Identity.Application)"));
    let v = by_id("identity-token-reset-password");
    let value = s(&v["inputs"], "token_in_link").to_owned();
    cases.push((v, value, "Identity token (DataProtectorTokenProvider)"));
    for (v, value, name) in cases {
        let app = s(&v["inputs"], "application_name").to_owned();
        let found =
            audit_data_protection(&value, &[ring(&v)], std::slice::from_ref(&app), &[]).unwrap();
        match found {
            DataProtectionFinding::Opened {
                consumer, purposes, ..
            } => {
                assert_eq!(consumer, name, "{}", s(&v, "id"));
                assert_eq!(purposes[0], app);
            }
            other => panic!("{}: {other:?}", s(&v, "id")),
        }
        // Without the discriminator the chain is not found.
        assert!(matches!(
            audit_data_protection(&value, &[ring(&v)], &[], &[]).unwrap(),
            DataProtectionFinding::KeyFoundNoChain { .. }
        ));
    }
}
