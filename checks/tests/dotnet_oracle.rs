//! Differential tests against real ASP.NET Core 10 (`dotnet-oracle`, a native program that
//! answers JSON lines; see `machinekey_checks::oracle`): property tests in both directions,
//! each test with its own oracle process. Without the oracle every test prints one line and
//! passes (set `MACHINEKEY_DOTNET_ORACLE`, or keep `../shared/tools/dotnet-oracle` beside the
//! repository).
//!
//! - Data Protection: protect here and unprotect in .NET, and the reverse, over random
//!   plaintexts, purpose chains, application names and every algorithm a key ring can hold
//!   (AES-CBC 128/192/256 with HMACSHA256 or HMACSHA512, AES-GCM 128/192/256), under keys this
//!   crate wrote and keys .NET wrote.
//! - Key rings: keys and revocations written here read by .NET, written by .NET read here,
//!   and the default key both choose.
//! - Tickets and properties: `TicketSerializer` and `PropertiesSerializer` bytes equal, each
//!   read by the other; cookies protected by one open in the other.
//! - Chunked cookies: `Set-Cookie` headers equal to `ChunkingCookieManager`'s for random
//!   sizes and options, and the joining of a `Cookie` header equal to its reading.
//! - SP800-108 (the Data Protection and Framework45 `<machineKey>` derivations).
//! - The NRBF walker's classes equal `System.Formats.Nrbf`'s on the shared streams and the
//!   gadget streams of the crate's tests.
//!
//! Every comparison is of values: an oracle that answers wrongly fails them (checked by hand
//! with a wrapper that flips a byte of each answer, through `MACHINEKEY_DOTNET_ORACLE`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::cell::RefCell;

use machinekey::crypto::encoding::{from_base64url, to_base64url};
use machinekey::dataprotection::consumers;
use machinekey::dataprotection::{
    Algorithm, BlockCipher, Key, KeyId, KeyRing, MacAlgorithm, key_revocation_xml,
    mass_revocation_xml,
};
use machinekey::formats::auth_cookie::{AuthCookie, Chunking, SameSite, SetCookie, cookie_pairs};
use machinekey::formats::auth_ticket::{
    AuthProperties, AuthTicket, Claim, ClaimsIdentity, DEFAULT_ISSUER, DEFAULT_NAME_CLAIM_TYPE,
    STRING_VALUE_TYPE, core,
};
use machinekey::random::OsRandom;
use machinekey_checks::oracle::{Oracle, TempDir};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// Cases per property: the brief's floor, enough to cover every algorithm many times.
const CASES: u32 = 200;

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    })
}

/// The nine algorithms a key descriptor can name, with .NET's enum names.
fn algorithms() -> Vec<(Algorithm, &'static str, &'static str)> {
    let mut out = Vec::new();
    for bits in [128usize, 192, 256] {
        for (mac, name) in [
            (MacAlgorithm::HmacSha256, "HMACSHA256"),
            (MacAlgorithm::HmacSha512, "HMACSHA512"),
        ] {
            out.push((
                Algorithm::Cbc {
                    cipher: BlockCipher::Aes,
                    key_len: bits / 8,
                    mac,
                },
                leak(format!("AES_{bits}_CBC")),
                name,
            ));
        }
        out.push((
            Algorithm::Gcm { key_len: bits / 8 },
            leak(format!("AES_{bits}_GCM")),
            "HMACSHA256",
        ));
    }
    out
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn write_ring(dir: &TempDir, ring: &KeyRing) {
    for (name, xml) in ring.to_key_files() {
        std::fs::write(dir.path().join(name), xml).unwrap();
    }
}

fn app_name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][a-zA-Z0-9/._ -]{0,20}[a-zA-Z0-9]"
}

fn purposes() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("\\PC{0,16}", 1..4)
}

fn hex_of(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn parse_o(v: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(v.as_str().unwrap(), &Rfc3339).unwrap()
}

/// ISO 8601 with seven fractional digits, as .NET's round-trip format writes it.
fn date_text(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 100
    )
}

#[test]
fn data_protection_both_ways_every_algorithm() {
    let Some(oracle) = Oracle::start("data_protection_both_ways_every_algorithm") else {
        return;
    };
    let oracle = RefCell::new(oracle);
    let now = OffsetDateTime::now_utc();
    // For each algorithm: a ring this crate writes (.NET reads its key files) and a ring
    // .NET writes (this crate reads them).
    let mut rings = Vec::new();
    for (alg, enc, val) in algorithms() {
        let ours = TempDir::new("dp-ours");
        let mut ring = KeyRing::new();
        ring.add(Key::generate(now - Duration::days(1), alg, &OsRandom).unwrap())
            .unwrap();
        write_ring(&ours, &ring);
        let theirs = TempDir::new("dp-theirs");
        let made = oracle.borrow_mut().ok(&json!({"op": "dp.new_key", "ring": theirs.text(),
            "encryption": enc, "validation": val, "activation": date_text(now - Duration::days(1))}));
        let read = KeyRing::load(theirs.path()).unwrap();
        assert_eq!(read.keys().len(), 1);
        assert_eq!(
            read.keys()[0].id().to_string(),
            made["key_id"].as_str().unwrap()
        );
        assert_eq!(read.keys()[0].algorithm(), Some(alg), "{enc} {val}");
        rings.push((ours, ring, theirs, read, enc));
    }
    let strategy = (
        0..rings.len(),
        any::<bool>(),
        app_name(),
        purposes(),
        prop::collection::vec(any::<u8>(), 0..300),
    );
    runner()
        .run(&strategy, |(i, dotnet_keys, app, chain, plaintext)| {
            let (ours, our_ring, theirs, their_ring, enc) = &rings[i];
            let (dir, ring) = if dotnet_keys {
                (theirs, their_ring)
            } else {
                (ours, our_ring)
            };
            let mut full = vec![app.clone()];
            full.extend(chain.iter().cloned());
            let p = ring.protector(&full).unwrap();
            let mut o = oracle.borrow_mut();
            // Here, then there.
            let value = to_base64url(&p.protect(&plaintext).unwrap());
            let a = o.ok(
                &json!({"op": "dp.unprotect", "ring": dir.text(), "app_name": app,
                "purposes": chain, "value": value}),
            );
            prop_assert_eq!(
                hex_of(&a["plaintext_hex"]),
                plaintext.clone(),
                "{} here -> .NET",
                enc
            );
            // There, then here.
            let a = o.ok(
                &json!({"op": "dp.protect", "ring": dir.text(), "app_name": app,
                "purposes": chain, "plaintext_hex": hex::encode(&plaintext)}),
            );
            let bytes = from_base64url(a["value"].as_str().unwrap()).unwrap();
            prop_assert_eq!(
                p.unprotect(&bytes).unwrap(),
                plaintext,
                "{} .NET -> here",
                enc
            );
            prop_assert_eq!(
                Some(a["key_id"].as_str().unwrap().to_owned()),
                ring.default_key(OffsetDateTime::now_utc())
                    .map(|k| k.id().to_string())
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn time_limited_both_ways() {
    let Some(oracle) = Oracle::start("time_limited_both_ways") else {
        return;
    };
    let oracle = RefCell::new(oracle);
    let now = OffsetDateTime::now_utc();
    let dir = TempDir::new("dp-tl");
    let mut ring = KeyRing::new();
    ring.generate_key(now - Duration::days(1), &OsRandom)
        .unwrap();
    write_ring(&dir, &ring);
    let strategy = (
        app_name(),
        purposes(),
        prop::collection::vec(any::<u8>(), 0..100),
        // Expiry from 10 days ago to 10 years ahead, to the tick.
        -864_000i64..315_360_000,
        0u32..10_000_000,
    );
    runner()
        .run(&strategy, |(app, chain, plaintext, secs, ticks)| {
            let expires =
                now + Duration::seconds(secs) + Duration::nanoseconds(i64::from(ticks) * 100);
            let expires = expires
                .replace_nanosecond(expires.nanosecond() / 100 * 100)
                .unwrap();
            let mut full = vec![app.clone()];
            full.extend(chain.iter().cloned());
            let tl = ring.protector(&full).unwrap().to_time_limited();
            let mut o = oracle.borrow_mut();
            let ours = to_base64url(&tl.protect(&plaintext, expires).unwrap());
            let a = o.ask(
                &json!({"op": "dp.unprotect", "ring": dir.text(), "app_name": app,
                "purposes": chain, "value": ours, "time_limited": true}),
            );
            if expires < OffsetDateTime::now_utc() {
                prop_assert_eq!(&a["ok"], &json!(false), "expired, .NET refuses: {}", a);
                prop_assert!(a["error"].as_str().unwrap().contains("expired"));
            } else {
                prop_assert_eq!(hex_of(&a["plaintext_hex"]), plaintext.clone());
                prop_assert_eq!(parse_o(&a["expires"]), expires);
            }
            let a = o.ok(
                &json!({"op": "dp.protect", "ring": dir.text(), "app_name": app,
                "purposes": chain, "plaintext_hex": hex::encode(&plaintext),
                "expires": date_text(expires)}),
            );
            let bytes = from_base64url(a["value"].as_str().unwrap()).unwrap();
            let opened = tl.unprotect_ignoring_expiry(&bytes).unwrap();
            prop_assert_eq!(opened.plaintext, plaintext);
            prop_assert_eq!(opened.expires, expires);
            Ok(())
        })
        .unwrap();
}

/// One key of a generated ring: activation offset (hours from now), lifetime (hours),
/// creation before activation (hours), algorithm index, revoked on its own.
type KeyPlan = (i64, i64, i64, usize, bool);

fn key_plans() -> impl Strategy<Value = (Vec<KeyPlan>, Option<i64>)> {
    (
        prop::collection::vec(
            (
                -2400i64..2400,
                24i64..3000,
                0i64..240,
                0usize..9,
                prop::bool::weighted(0.25),
            ),
            1..5,
        ),
        prop::option::weighted(0.2, -2400i64..2400),
    )
}

/// Hours from now, kept clear of `now` and of the two-day propagation boundaries so that
/// the seconds between the two readings of the clock cannot change an answer.
fn clear_of_boundaries(h: i64) -> i64 {
    if [-48, 0, 48].iter().any(|b| (h - b).abs() <= 1) {
        h + 3
    } else {
        h
    }
}

#[test]
fn key_rings_both_ways_with_revocations() {
    let Some(oracle) = Oracle::start("key_rings_both_ways_with_revocations") else {
        return;
    };
    let oracle = RefCell::new(oracle);
    let algs = algorithms();
    runner()
        .run(&(key_plans(), any::<bool>()), |((plans, mass), dotnet_writes)| {
            let now = OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .unwrap();
            let at = |h: i64| now + Duration::hours(clear_of_boundaries(h));
            let dir = TempDir::new("ring");
            let mut o = oracle.borrow_mut();
            if dotnet_writes {
                for (act, life, _, alg, revoked) in &plans {
                    let (_, enc, val) = algs[*alg];
                    let made = o.ok(&json!({"op": "dp.new_key", "ring": dir.text(), "encryption": enc,
                        "validation": val, "activation": date_text(at(*act)),
                        "expiration": date_text(at(*act) + Duration::hours(*life))}));
                    if *revoked {
                        o.ok(&json!({"op": "dp.revoke", "ring": dir.text(), "key_id": made["key_id"]}));
                    }
                }
                if let Some(m) = mass {
                    o.ok(&json!({"op": "dp.revoke", "ring": dir.text(), "revocation_date": date_text(at(m))}));
                }
            } else {
                for (act, life, before, alg, revoked) in &plans {
                    let id = KeyId::random(&OsRandom).unwrap();
                    let activation = at(*act);
                    let mut master = vec![0u8; 64];
                    master.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8 ^ 0x5A);
                    let key = Key::from_parts(
                        id,
                        activation - Duration::hours(*before),
                        activation,
                        activation + Duration::hours(*life),
                        algs[*alg].0,
                        &master,
                    )
                    .unwrap();
                    std::fs::write(dir.path().join(format!("key-{id}.xml")), key.to_xml()).unwrap();
                    if *revoked {
                        let (name, xml) = key_revocation_xml(id, now, "test");
                        std::fs::write(dir.path().join(format!("{name}.xml")), xml).unwrap();
                    }
                }
                if let Some(m) = mass {
                    let (name, xml) = mass_revocation_xml(at(m), "test");
                    std::fs::write(dir.path().join(format!("{name}.xml")), xml).unwrap();
                }
            }
            let theirs = o.ok(&json!({"op": "dp.keys", "ring": dir.text()}));
            let ours = KeyRing::load(dir.path()).unwrap();
            let mut listed: Vec<(String, OffsetDateTime, OffsetDateTime, OffsetDateTime, bool)> = theirs["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| {
                    (
                        k["key_id"].as_str().unwrap().to_owned(),
                        parse_o(&k["creation"]),
                        parse_o(&k["activation"]),
                        parse_o(&k["expiration"]),
                        k["revoked"].as_bool().unwrap(),
                    )
                })
                .collect();
            let mut read: Vec<_> = ours
                .keys()
                .iter()
                .map(|k| (k.id().to_string(), k.creation(), k.activation(), k.expiration(), k.is_revoked()))
                .collect();
            listed.sort();
            read.sort();
            prop_assert_eq!(&read, &listed);
            // The key new payloads get: .NET's (key generation off: the default key, else the
            // fallback) and this crate's resolution.
            let protected = o.ask(&json!({"op": "dp.protect", "ring": dir.text(), "app_name": "a",
                "purposes": ["p"], "plaintext_hex": "00"}));
            // The crate's default rules are the ones real ASP.NET Core 10 follows.
            let resolution = ours.resolve(OffsetDateTime::now_utc());
            let expected = resolution.default_key.or(resolution.fallback_key).map(|k| k.to_string());
            let got = protected["key_id"].as_str().map(str::to_owned);
            prop_assert_eq!(got, expected, "{}", protected);
            Ok(())
        })
        .unwrap();
}

/// Text for ticket fields: ASCII, any printable Unicode, or one of the defaults.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,8}",
        "\\PC{1,12}",
        Just(DEFAULT_NAME_CLAIM_TYPE.to_owned()),
        Just(STRING_VALUE_TYPE.to_owned()),
        Just(DEFAULT_ISSUER.to_owned()),
    ]
}

fn unique_pairs(max: usize) -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((field(), "\\PC{0,12}"), 0..max).prop_map(|v| {
        let mut out: Vec<(String, String)> = Vec::new();
        for (k, val) in v {
            if !out.iter().any(|(x, _)| *x == k) {
                out.push((k, val));
            }
        }
        out
    })
}

fn claim() -> impl Strategy<Value = Claim> {
    (
        field(),
        "\\PC{0,20}",
        prop::option::of(field()),
        prop::option::of(field()),
        prop::option::of(field()),
        unique_pairs(3),
    )
        .prop_map(|(t, v, value_type, issuer, original, properties)| {
            let mut c = Claim::new(&t, &v);
            if let Some(vt) = value_type {
                c.value_type = vt;
            }
            if let Some(i) = issuer {
                c.issuer.clone_from(&i);
                c.original_issuer = i;
            }
            if let Some(oi) = original {
                c.original_issuer = oi;
            }
            c.properties = properties;
            c
        })
}

fn identity_at(depth: u32) -> BoxedStrategy<ClaimsIdentity> {
    let base = (
        // .NET keeps no whitespace-only authentication type (it becomes null, written "").
        prop_oneof![
            Just(String::new()),
            field().prop_filter("not whitespace only", |s| s
                .chars()
                .any(|c| !c.is_whitespace()))
        ],
        prop::option::of(field()),
        prop::option::of(field()),
        prop::collection::vec(claim(), 0..5),
        prop::option::of("\\PC{1,20}"),
    );
    let actor = if depth == 0 {
        Just(None).boxed()
    } else {
        prop::option::weighted(0.3, identity_at(depth - 1).prop_map(Box::new)).boxed()
    };
    (base, actor)
        .prop_map(|((auth, name_type, role_type, claims, bootstrap), actor)| {
            let mut id = ClaimsIdentity::new(&auth);
            if let Some(n) = name_type {
                id.name_claim_type = n;
            }
            if let Some(r) = role_type {
                id.role_claim_type = r;
            }
            id.claims = claims;
            id.bootstrap = bootstrap;
            id.actor = actor;
            id
        })
        .boxed()
}

fn ticket() -> impl Strategy<Value = AuthTicket> {
    (
        "[A-Za-z][A-Za-z.]{0,20}",
        prop::collection::vec(identity_at(2), 0..3),
        unique_pairs(8),
    )
        .prop_map(|(scheme, identities, items)| {
            let mut t = AuthTicket::new(&scheme, identities);
            t.properties.items = items;
            t
        })
}

fn jstr(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// A JSON object in the order given (`Value` would sort it; .NET keeps the order, which is
/// the serialization order of claim properties and ticket items).
fn ordered(pairs: &[(String, String)]) -> String {
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}:{}", jstr(k), jstr(v)))
        .collect();
    format!("{{{}}}", body.join(","))
}

fn identity_text(id: &ClaimsIdentity) -> String {
    let claims: Vec<String> = id
        .claims
        .iter()
        .map(|c| {
            format!(
                r#"{{"type":{},"value":{},"value_type":{},"issuer":{},"original_issuer":{},"properties":{}}}"#,
                jstr(&c.claim_type),
                jstr(&c.value),
                jstr(&c.value_type),
                jstr(&c.issuer),
                jstr(&c.original_issuer),
                ordered(&c.properties)
            )
        })
        .collect();
    format!(
        r#"{{"authentication_type":{},"name_claim_type":{},"role_claim_type":{},"claims":[{}],"bootstrap_context":{},"actor":{}}}"#,
        jstr(&id.authentication_type),
        jstr(&id.name_claim_type),
        jstr(&id.role_claim_type),
        claims.join(","),
        id.bootstrap
            .as_deref()
            .map_or_else(|| "null".to_owned(), jstr),
        id.actor
            .as_ref()
            .map_or_else(|| "null".to_owned(), |a| identity_text(a))
    )
}

fn ticket_text(t: &AuthTicket) -> String {
    let ids: Vec<String> = t.identities.iter().map(identity_text).collect();
    format!(
        r#"{{"scheme":{},"identities":[{}],"items":{}}}"#,
        jstr(&t.scheme),
        ids.join(","),
        ordered(&t.properties.items)
    )
}

fn identity_json(id: &ClaimsIdentity) -> Value {
    json!({
        "authentication_type": id.authentication_type,
        "name_claim_type": id.name_claim_type,
        "role_claim_type": id.role_claim_type,
        "claims": id.claims.iter().map(|c| json!({
            "type": c.claim_type, "value": c.value, "value_type": c.value_type,
            "issuer": c.issuer, "original_issuer": c.original_issuer,
            "properties": c.properties.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
        })).collect::<Vec<_>>(),
        "bootstrap_context": id.bootstrap,
        "actor": id.actor.as_ref().map(|a| identity_json(a)),
    })
}

fn items_json(p: &AuthProperties) -> Value {
    Value::Object(p.items.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}

fn ticket_json(t: &AuthTicket) -> Value {
    json!({
        "scheme": t.scheme,
        "identities": t.identities.iter().map(identity_json).collect::<Vec<_>>(),
        "items": items_json(&t.properties),
    })
}

#[test]
fn tickets_both_ways() {
    let Some(oracle) = Oracle::start("tickets_both_ways") else {
        return;
    };
    let oracle = RefCell::new(oracle);
    let dir = TempDir::new("tickets");
    let mut ring = KeyRing::new();
    ring.generate_key(OffsetDateTime::now_utc() - Duration::days(1), &OsRandom)
        .unwrap();
    write_ring(&dir, &ring);
    runner()
        .run(&(ticket(), app_name()), |(t, app)| {
            let mut o = oracle.borrow_mut();
            let ours = core::serialize(&t).unwrap();
            let theirs = o.ok_text(&format!(
                r#"{{"op":"ticket.serialize","ticket":{}}}"#,
                ticket_text(&t)
            ));
            // Byte for byte: .NET writes what this crate writes (elisions, order, UTF-8).
            prop_assert_eq!(hex::encode_upper(&ours), theirs["hex"].as_str().unwrap());
            let read = o.ok(&json!({"op": "ticket.deserialize", "hex": hex::encode(&ours)}));
            prop_assert_eq!(&read["ticket"], &ticket_json(&t));
            prop_assert_eq!(
                core::deserialize(&hex_of(&theirs["hex"])).unwrap(),
                t.clone()
            );
            // Cookies: protected there, opened here; protected here, opened there.
            let cookie = AuthCookie::core(&ring, &t.scheme, Some(&app)).unwrap();
            let made = o.ok_text(&format!(
                r#"{{"op":"ticket.protect","ring":{},"app_name":{},"ticket":{}}}"#,
                jstr(&dir.text()),
                jstr(&app),
                ticket_text(&t)
            ));
            prop_assert_eq!(
                cookie.unprotect(made["cookie"].as_str().unwrap()).unwrap(),
                t.clone()
            );
            let value = cookie.protect(&t).unwrap();
            let opened = o.ok(
                &json!({"op": "ticket.unprotect", "ring": dir.text(), "app_name": app,
                "scheme": t.scheme, "cookie": value}),
            );
            prop_assert_eq!(&opened["ticket"], &ticket_json(&t));
            Ok(())
        })
        .unwrap();
}

#[test]
fn properties_both_ways() {
    let Some(oracle) = Oracle::start("properties_both_ways") else {
        return;
    };
    let oracle = RefCell::new(oracle);
    runner()
        .run(&unique_pairs(10), |items| {
            let p = AuthProperties { items };
            let mut o = oracle.borrow_mut();
            let ours = core::serialize_properties(&p).unwrap();
            let theirs = o.ok_text(&format!(
                r#"{{"op":"properties.serialize","items":{}}}"#,
                ordered(&p.items)
            ));
            prop_assert_eq!(hex::encode_upper(&ours), theirs["hex"].as_str().unwrap());
            prop_assert_eq!(
                core::deserialize_properties(&hex_of(&theirs["hex"])).unwrap(),
                p.clone()
            );
            let read = o.ok(&json!({"op": "properties.deserialize", "hex": hex::encode(&ours)}));
            prop_assert_eq!(&read["items"], &items_json(&p));
            Ok(())
        })
        .unwrap();
}

/// A cookie value: Base64url (tickets), standard Base64 (the session cookie), or any
/// printable text, up to three chunks' worth.
fn cookie_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_-]{0,12000}",
        "[A-Za-z0-9+/=]{0,9000}",
        "[ -~]{0,3000}",
        "\\PC{0,500}".prop_filter("BMP only", |s| s.chars().all(|c| c.len_utf16() == 1)),
    ]
}

#[test]
fn chunked_cookies_equal_the_chunking_cookie_manager() {
    let Some(oracle) = Oracle::start("chunked_cookies_equal_the_chunking_cookie_manager") else {
        return;
    };
    let oracle = RefCell::new(oracle);
    let strategy = (
        "[A-Za-z0-9._-]{1,24}",
        cookie_value(),
        prop_oneof![
            Just(None),
            Just(Some(4050usize)),
            (40usize..5000).prop_map(Some)
        ],
        prop::option::of("/[a-z]{0,10}"),
        prop::option::of("[a-z]{1,10}\\.example"),
        prop::option::of(0i64..4_000_000_000),
        any::<bool>(),
        any::<bool>(),
        0usize..4,
    );
    runner()
        .run(
            &strategy,
            |(name, value, size, path, domain, expires, secure, http_only, drop)| {
                let mut o = oracle.borrow_mut();
                let mut request = json!({"op": "cookie.append", "name": name, "value": value,
                "chunk_size": size, "secure": secure, "http_only": http_only});
                if let Some(p) = &path {
                    request["path"] = json!(p);
                }
                if let Some(d) = &domain {
                    request["domain"] = json!(d);
                }
                let expires = expires.map(|s| OffsetDateTime::from_unix_timestamp(s).unwrap());
                if let Some(e) = expires {
                    request["expires"] = json!(date_text(e));
                }
                let theirs = o.ask(&request);
                let mut template = SetCookie::new(&name, "");
                template.path = Some(path.clone().unwrap_or_else(|| "/".to_owned()));
                template.domain = domain.clone();
                template.expires = expires;
                template.secure = secure;
                template.http_only = http_only;
                template.same_site = Some(SameSite::Lax);
                let ours = Chunking::Core.split_with_size(size, &template, &value);
                let Some(ours) = ours else {
                    prop_assert_eq!(&theirs["ok"], &json!(false), "{}", theirs);
                    return Ok(());
                };
                let headers: Vec<String> = ours.iter().map(SetCookie::header).collect();
                let expected: Vec<String> = theirs["set_cookie"]
                    .as_array()
                    .ok_or_else(|| TestCaseError::fail(format!("{theirs}")))?
                    .iter()
                    .map(|h| h.as_str().unwrap().to_owned())
                    .collect();
                prop_assert_eq!(&headers, &expected);
                // Reading: the Cookie header a browser sends back (a chunk dropped sometimes).
                let mut pairs: Vec<String> = headers
                    .iter()
                    .map(|h| h.split(';').next().unwrap().to_owned())
                    .collect();
                if drop > 0 && pairs.len() > drop {
                    pairs.remove(drop);
                }
                let header = pairs.join("; ");
                let read =
                    o.ok(&json!({"op": "cookie.read", "cookie_header": header, "name": name}));
                let jar: Vec<(&str, &str)> = cookie_pairs(&header).collect();
                prop_assert_eq!(
                    Chunking::Core.join(&jar, &name),
                    read["value"].as_str().map(str::to_owned)
                );
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn sp800_108_and_the_framework45_derivation() {
    let Some(oracle) = Oracle::start("sp800_108_and_the_framework45_derivation") else {
        return;
    };
    let oracle = RefCell::new(oracle);
    let bytes = |n| prop::collection::vec(any::<u8>(), n);
    runner()
        .run(&(bytes(1..100), bytes(0..64), bytes(0..64), 1usize..200), |(key, label, context, n)| {
            let ours = machinekey::crypto::framework45::sp800_108_hmac_sha512(&key, &label, &context, n).unwrap();
            let theirs = oracle.borrow_mut().ok(&json!({"op": "kdf.sp800_108", "key_hex": hex::encode(&key),
                "label_hex": hex::encode(&label), "context_hex": hex::encode(&context), "hash": "SHA512", "bytes": n}));
            prop_assert_eq!(ours.expose_secret().to_vec(), hex_of(&theirs["hex"]));
            Ok(())
        })
        .unwrap();
    // Framework45 <machineKey>: each master key derived with label = UTF-8(primary purpose)
    // and context = the specific purposes as BinaryWriter strings (System.Web's `Purpose`).
    let strategy = (
        bytes(64..65),
        prop_oneof![Just(16usize), Just(24), Just(32)],
        "\\PC{1,30}",
        prop::collection::vec("\\PC{0,20}", 0..4),
    );
    runner()
        .run(&strategy, |(validation, dec_len, primary, specifics)| {
            let decryption: Vec<u8> = validation.iter().rev().take(dec_len).copied().collect();
            let cfg = machinekey::MachineKeyConfig::builder()
                .validation_key(&hex::encode_upper(&validation))
                .decryption_key(&hex::encode_upper(&decryption))
                .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
                .decryption(machinekey::config::DecryptionAlgorithm::Aes)
                .build()
                .unwrap();
            let fx45 = machinekey::crypto::framework45::Framework45Protector::from_config(&cfg).unwrap();
            let purpose = machinekey::Purpose::new(&primary).with_specifics(&specifics);
            let (enc, val) = fx45.derive_keys(&purpose).unwrap();
            let mut context = Vec::new();
            for s in &specifics {
                let mut n = s.len();
                loop {
                    let b = (n & 0x7F) as u8;
                    n >>= 7;
                    if n == 0 {
                        context.push(b);
                        break;
                    }
                    context.push(b | 0x80);
                }
                context.extend_from_slice(s.as_bytes());
            }
            let mut o = oracle.borrow_mut();
            for (master, derived) in [(&decryption, enc.expose_secret()), (&validation, val.expose_secret())] {
                let theirs = o.ok(&json!({"op": "kdf.sp800_108", "key_hex": hex::encode(master),
                    "label_hex": hex::encode(primary.as_bytes()), "context_hex": hex::encode(&context),
                    "hash": "SHA512", "bytes": master.len()}));
                prop_assert_eq!(derived.to_vec(), hex_of(&theirs["hex"]));
            }
            Ok(())
        })
        .unwrap();
}

/// The `BinaryFormatter` stream inside a value: from the stream header to its end.
fn nrbf_stream(bytes: &[u8]) -> Option<Vec<u8>> {
    let at = bytes
        .windows(machinekey::formats::nrbf::STREAM_HEADER.len())
        .position(|w| w == machinekey::formats::nrbf::STREAM_HEADER)?;
    let rest = &bytes[at..];
    let stream = machinekey::formats::nrbf::read(rest).ok()?;
    Some(rest[..stream.length].to_vec())
}

#[test]
fn nrbf_classes_equal_the_real_decoder() {
    let Some(mut oracle) = Oracle::start("nrbf_classes_equal_the_real_decoder") else {
        return;
    };
    let mut streams: Vec<(String, Vec<u8>)> = Vec::new();
    let real: Vec<Value> =
        serde_json::from_str(include_str!("../../tests/data/aspnetcore_real.json")).unwrap();
    for v in real.iter().filter(|v| v["kind"] == "nrbf-stream") {
        streams.push((
            v["id"].as_str().unwrap().to_owned(),
            hex_of(&v["inputs"]["stream_hex"]),
        ));
    }
    let gadgets: Value =
        serde_json::from_str(include_str!("../../tests/data/viewstate_gadgets.json")).unwrap();
    for v in gadgets["vectors"].as_array().unwrap() {
        let raw =
            machinekey::crypto::encoding::from_base64(v["value_b64"].as_str().unwrap()).unwrap();
        if let Some(s) = nrbf_stream(&raw) {
            streams.push((v["id"].as_str().unwrap().to_owned(), s));
        }
    }
    // The nine shared streams and the four gadget payloads of the crate's tests.
    assert_eq!(streams.len(), 13, "{} streams", streams.len());
    for (id, bytes) in &streams {
        let ours = machinekey::formats::nrbf::read(bytes).unwrap();
        let theirs = oracle.ask(&json!({"op": "nrbf.decode", "hex": hex::encode(bytes)}));
        assert_eq!(
            theirs["ok"], true,
            "{id}: System.Formats.Nrbf refuses it: {theirs}"
        );
        let mut names: Vec<(String, Vec<String>)> = theirs["records"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r.get("type").is_some_and(Value::is_string))
            .map(|r| {
                (
                    r["type"].as_str().unwrap().to_owned(),
                    r["members"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|m| m.as_str().unwrap().to_owned())
                        .collect(),
                )
            })
            .collect();
        names.sort();
        names.dedup();
        let mut mine: Vec<(String, Vec<String>)> = ours
            .classes
            .iter()
            .map(|c| (c.name.clone(), c.members.clone()))
            .collect();
        mine.sort();
        mine.dedup();
        assert_eq!(mine, names, "{id}");
    }
}

#[test]
fn audit_names_every_consumer_of_values_dotnet_protected() {
    use machinekey::audit::data_protection::{DataProtectionFinding, audit_data_protection};
    let Some(mut oracle) = Oracle::start("audit_names_every_consumer_of_values_dotnet_protected")
    else {
        return;
    };
    let dir = TempDir::new("audit");
    let mut ring = KeyRing::new();
    ring.generate_key(OffsetDateTime::now_utc() - Duration::days(1), &OsRandom)
        .unwrap();
    write_ring(&dir, &ring);
    let known = consumers::known();
    assert!(known.len() > 40);
    for c in &known {
        let made = oracle.ok(
            &json!({"op": "dp.protect", "ring": dir.text(), "app_name": "ShopApp",
            "purposes": c.purposes, "plaintext_hex": "6869"}),
        );
        let value = made["value"].as_str().unwrap();
        // The nonce travels in its cookie's name.
        let text = if c.kind() == consumers::ConsumerKind::Nonce {
            format!(
                "{}{value}=N; path=/signin-oidc; samesite=none; httponly",
                consumers::NONCE_COOKIE_PREFIX
            )
        } else {
            value.to_owned()
        };
        match audit_data_protection(
            &text,
            std::slice::from_ref(&ring),
            &["ShopApp".to_owned()],
            &[],
        )
        .unwrap()
        {
            DataProtectionFinding::Opened {
                consumer,
                purposes,
                plaintext,
                ..
            } => {
                assert_eq!(consumer, c.name);
                assert_eq!(purposes[1..], c.purposes[..]);
                assert_eq!(plaintext, b"hi");
            }
            other => panic!("{}: {other:?}", c.name),
        }
    }
}

/// A self-signed RSA certificate and its PFX, made with `openssl` (OpenSSL 3's PBES2, or
/// with `legacy` the 3DES scheme of older Windows exports); `None` without `openssl`.
fn make_pfx(dir: &TempDir, name: &str, legacy: bool) -> Option<std::path::PathBuf> {
    use std::process::Command;
    let key = dir.path().join(format!("{name}.key"));
    let cert = dir.path().join(format!("{name}.pem"));
    let pfx = dir.path().join(format!("{name}.pfx"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj",
        ])
        .arg(format!("/CN={name}"))
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .ok()?;
    assert!(made.status.success(), "openssl req: {made:?}");
    let mut export = Command::new("openssl");
    export
        .args([
            "pkcs12",
            "-export",
            "-passout",
            "pass:pfx-password",
            "-inkey",
        ])
        .arg(&key)
        .arg("-in")
        .arg(&cert)
        .arg("-out")
        .arg(&pfx);
    if legacy {
        export.args([
            "-keypbe",
            "PBE-SHA1-3DES",
            "-certpbe",
            "PBE-SHA1-3DES",
            "-macalg",
            "sha1",
        ]);
    }
    let out = export.output().ok()?;
    assert!(out.status.success(), "openssl pkcs12: {out:?}");
    Some(pfx)
}

#[test]
fn certificate_rings_both_ways() {
    use machinekey::dataprotection::Certificate;
    let Some(oracle) = Oracle::start("certificate_rings_both_ways") else {
        return;
    };
    let oracle = RefCell::new(oracle);
    let dir = TempDir::new("certs");
    let Some(modern) = make_pfx(&dir, "modern", false) else {
        println!("skipped certificate_rings_both_ways: no openssl to make the test certificate");
        return;
    };
    let legacy = make_pfx(&dir, "legacy", true).unwrap();
    let pfxs = [modern, legacy];
    let certs: Vec<Certificate> = pfxs
        .iter()
        .map(|p| Certificate::load_pfx(p, "pfx-password").unwrap())
        .collect();
    let algs = algorithms();
    let strategy = (
        0..algs.len(),
        0..pfxs.len(),
        prop::collection::vec(any::<u8>(), 0..200),
    );
    TestRunner::new(Config { cases: 40, failure_persistence: None, ..Config::default() })
        .run(&strategy, |(a, c, plaintext)| {
            let (_, enc, val) = algs[a];
            let ring_dir = TempDir::new("cert-ring");
            let pfx = pfxs[c].display().to_string();
            let mut o = oracle.borrow_mut();
            let made = o.ok(&json!({"op": "dp.new_key", "ring": ring_dir.text(), "encryption": enc,
                "validation": val, "activation": date_text(OffsetDateTime::now_utc() - Duration::days(1)),
                "certificate_pfx": pfx, "certificate_password": "pfx-password"}));
            let theirs = o.ok(&json!({"op": "dp.protect", "ring": ring_dir.text(), "app_name": "App",
                "purposes": ["p"], "plaintext_hex": hex::encode(&plaintext),
                "certificate_pfx": pfx, "certificate_password": "pfx-password"}));
            let payload = from_base64url(theirs["value"].as_str().unwrap()).unwrap();
            let mut ring = KeyRing::load(ring_dir.path()).unwrap();
            // Without the certificate: the error names the thumbprint the key needs.
            let err = ring.protector(&["App", "p"]).unwrap().unprotect(&payload).unwrap_err();
            prop_assert!(err.to_string().contains(certs[c].thumbprint()), "{}", err);
            // The other certificate opens nothing; the right one opens the key.
            prop_assert!(ring.decrypt_with_certificates(&certs[1 - c..2 - c]).unwrap().is_empty());
            let opened = ring.decrypt_with_certificates(&certs).unwrap();
            prop_assert_eq!(opened.iter().map(ToString::to_string).collect::<Vec<_>>(), vec![made["key_id"].as_str().unwrap().to_owned()]);
            let p = ring.protector(&["App", "p"]).unwrap();
            prop_assert_eq!(p.unprotect(&payload).unwrap(), plaintext.clone());
            let ours = to_base64url(&p.protect(&plaintext).unwrap());
            let back = o.ok(&json!({"op": "dp.unprotect", "ring": ring_dir.text(), "app_name": "App",
                "purposes": ["p"], "value": ours, "certificate_pfx": pfx, "certificate_password": "pfx-password"}));
            prop_assert_eq!(hex_of(&back["plaintext_hex"]), plaintext);
            Ok(())
        })
        .unwrap();
}
