//! The formats layer on every vector, from the inputs a user holds: the field or cookie
//! text, the keys, and the page path (or the generator printed on the page). No modifier or
//! purpose is given precomputed; they are derived and compared with the vectors' ones.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::FixedClock;
use std::sync::Arc;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use machinekey::Error;
use machinekey::config::{
    DecryptionAlgorithm, MachineKeyConfig, RuntimeSettings, ValidationAlgorithm,
};
use machinekey::crypto::encoding::{from_base64, from_hex, to_base64};
use machinekey::formats::cookie::{CookieKind, CookieProtection};
use machinekey::formats::forms_ticket::{FormsAuthenticationTicket, TicketValidation};
use machinekey::formats::osf::{ValueType, first_value_type};
use machinekey::formats::resource::ResourceKind;
use machinekey::formats::viewstate::{join_fields, split_field, unsigned_payload};
use machinekey::formats::{AppKeys, Page};
use machinekey::random::OsRandom;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn vectors(name: &str) -> Vec<Value> {
    load(name)["vectors"].as_array().unwrap().clone()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {}", v["id"]))
}

const DK: &str = "B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78";

fn keys(v: &Value, mode: &str, runtime: RuntimeSettings) -> AppKeys {
    let mut b = MachineKeyConfig::builder()
        .validation_key(s(v, "validationKey"))
        .decryption_key(v["decryptionKey"].as_str().unwrap_or(DK))
        .attribute(
            machinekey::config::MachineKeyAttribute::Validation,
            s(v, "validation"),
        )
        .attribute(
            machinekey::config::MachineKeyAttribute::CompatibilityMode,
            mode,
        )
        .runtime(runtime);
    if let Some(d) = v["decryption"].as_str() {
        b = b.attribute(machinekey::config::MachineKeyAttribute::Decryption, d);
    }
    AppKeys::explicit(&b.build().unwrap()).unwrap()
}

fn flip(text: &str) -> String {
    let mut bytes = from_base64(text).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    to_base64(&bytes)
}

#[test]
fn legacy_viewstates_from_generator_and_user_key() {
    for v in vectors("viewstate_legacy.json") {
        let id = s(&v, "id");
        let keys = keys(&v, "Framework20SP1", RuntimeSettings::default());
        let mut page = Page::from_generator(u32::from_str_radix(s(&v, "generator"), 16).unwrap());
        if let Some(user_key) = v["viewStateUserKey"].as_str() {
            page = page.with_view_state_user_key(user_key);
        }
        // The derived modifier is the vector's.
        assert_eq!(
            page.legacy_modifier(machinekey::formats::GeneratorHash::InvariantIgnoreCase)
                .unwrap(),
            from_hex(s(&v, "modifier_hex")).unwrap(),
            "{id}"
        );
        let field = s(&v, "viewstate_b64");
        let expected = from_hex(s(&v["expected"], "plaintext_hex")).unwrap();
        assert_eq!(
            keys.decode_viewstate(field, &page)
                .unwrap_or_else(|e| panic!("{id}: {e}")),
            expected
        );
        assert!(
            matches!(
                keys.decode_viewstate(&flip(field), &page),
                Err(Error::Unprotect)
            ),
            "{id}"
        );
        assert!(
            first_value_type(&expected).is_some(),
            "{id}: a real OSF payload"
        );
    }
}

#[test]
fn legacy_viewstates_from_paths() {
    // badsecrets' captures came from /query.aspx and /default2.aspx at the site root.
    let all = vectors("viewstate_legacy.json");
    for (id, path) in [
        ("bs-legacy-AES-SHA1", "/query.aspx"),
        ("bs-lab-v40-default2-SHA1", "http://10.1.1.43/default2.aspx"),
        ("bl3r-readme-decode-SHA1", "/default.aspx"),
    ] {
        let v = all.iter().find(|v| v["id"] == id).unwrap();
        let page = Page::from_path(path, "/").unwrap();
        assert_eq!(
            format!(
                "{:08X}",
                page.generator(machinekey::formats::GeneratorHash::InvariantIgnoreCase)
                    .unwrap()
            ),
            s(v, "generator")
        );
        let keys = keys(v, "Framework20SP2", RuntimeSettings::default());
        let expected = from_hex(s(&v["expected"], "plaintext_hex")).unwrap();
        assert_eq!(
            keys.decode_viewstate(s(v, "viewstate_b64"), &page).unwrap(),
            expected,
            "{id}"
        );
    }
}

/// The page path and application path a Framework45 vector came from.
fn page_of(v: &Value) -> Page {
    let (path, app) = match (s(v, "id"), v["url"].as_str()) {
        ("bs-lab-45-vsk-HMACSHA256-AES256-userkey", Some(url)) => (url.to_owned(), "/mac/vsk"),
        // Its README page is /dnn/Default.aspx in the site root.
        (_, None) => ("/dnn/Default.aspx".to_owned(), "/"),
        (_, Some(url)) => (url.split(" (").next().unwrap().to_owned(), "/"),
    };
    let mut page = Page::from_path(&path, app).unwrap();
    let specific = v["purpose"]["specific"].as_array().unwrap();
    if let Some(k) = specific
        .iter()
        .filter_map(Value::as_str)
        .find_map(|p| p.strip_prefix("ViewStateUserKey: "))
    {
        page = page.with_view_state_user_key(k);
    }
    page
}

#[test]
fn framework45_viewstates_from_urls() {
    for v in vectors("viewstate_net45.json") {
        let id = s(&v, "id");
        let keys = keys(&v, "Framework45", RuntimeSettings::default());
        let page = page_of(&v);
        let want: Vec<&str> = v["purpose"]["specific"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(page.purposes().unwrap(), want, "{id}");
        if let Some(g) = v["generator_on_page"].as_str() {
            assert_eq!(
                format!(
                    "{:08X}",
                    page.generator(machinekey::formats::GeneratorHash::InvariantIgnoreCase)
                        .unwrap()
                ),
                g,
                "{id}"
            );
        }
        let field = s(&v, "viewstate_b64");
        let expected = from_hex(s(&v["expected"], "plaintext_hex")).unwrap();
        assert_eq!(
            keys.decode_viewstate(field, &page)
                .unwrap_or_else(|e| panic!("{id}: {e}")),
            expected
        );
        assert!(
            matches!(
                keys.decode_viewstate(&flip(field), &page),
                Err(Error::Unprotect)
            ),
            "{id}"
        );
        // The same bytes are not valid EventValidation: the purpose differs.
        assert!(
            matches!(
                keys.decode_event_validation(field, &page),
                Err(Error::Unprotect)
            ),
            "{id}"
        );
    }
}

#[test]
fn split_framework45_viewstate() {
    let all = vectors("viewstate_net45.json");
    let v = all
        .iter()
        .find(|v| v["id"] == "bs-lab-45-split-viewstate")
        .unwrap();
    let whole = s(v, "viewstate_b64");
    let fields = split_field(whole, 32);
    assert_eq!(fields[0].1, "3");
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let joined = join_fields(&form).unwrap();
    let keys = keys(v, "Framework45", RuntimeSettings::default());
    assert_eq!(
        keys.decode_viewstate(&joined, &page_of(v)).unwrap(),
        from_hex(s(&v["expected"], "plaintext_hex")).unwrap()
    );
    assert!(join_fields(&form[..2]).is_err(), "a missing field");
    assert!(join_fields(&[("__VIEWSTATEFIELDCOUNT", "x"), ("__VIEWSTATE", "a")]).is_err());
}

#[test]
fn generators_reproduce_from_paths() {
    let doc = load("generator_and_isolateapps.json");
    for g in doc["generators"].as_array().unwrap() {
        let page = if s(g, "path").starts_with('/') {
            Page::from_path(s(g, "path"), s(g, "iis_app_path")).unwrap()
        } else {
            Page::new(s(g, "TemplateSourceDirectory"), s(g, "type_name"))
        };
        assert_eq!(
            page.template_source_directory(),
            Some(s(g, "TemplateSourceDirectory"))
        );
        assert_eq!(page.type_name(), Some(s(g, "type_name")));
        assert_eq!(
            format!(
                "{:08X}",
                page.generator(machinekey::formats::GeneratorHash::InvariantIgnoreCase)
                    .unwrap()
            ),
            s(g, "expected_generator"),
            "{g}"
        );
    }
}

#[test]
fn app_paths_recover_from_generators() {
    // Blacklist3r #22: the page's generator gives its application path back (the reporter
    // had tried "/"). Every vector with a real page path recovers exactly its own.
    let doc = load("generator_and_isolateapps.json");
    let mut checked = 0;
    for g in doc["generators"].as_array().unwrap() {
        if !s(g, "path").starts_with('/') {
            continue;
        }
        let generator = u32::from_str_radix(s(g, "expected_generator"), 16).unwrap();
        let found = Page::app_paths_for_generator(s(g, "path"), generator);
        assert_eq!(found, [s(g, "iis_app_path")], "{g}");
        checked += 1;
    }
    assert!(checked >= 5, "{checked}");
    assert!(
        Page::app_paths_for_generator("/OTPGeneration/frmOTPGeneration.aspx", 0x085A_097A) == ["/"],
        "the reporter's own value is the root's"
    );
    assert!(Page::app_paths_for_generator("/a/b.aspx", 0).is_empty());
}

#[test]
fn resource_tokens_from_strings() {
    for v in vectors("resource_tokens.json") {
        let id = s(&v, "id");
        let mode = if s(&v, "mode") == "legacy" {
            "Framework20SP1"
        } else {
            "Framework45"
        };
        let keys = keys(&v, mode, RuntimeSettings::default());
        let kind = match v["purpose"]["primary"].as_str() {
            Some("ScriptResourceHandler.ScriptResourceUrl") => ResourceKind::ScriptResource,
            _ if id.contains("scriptresource") => ResourceKind::ScriptResource,
            _ => ResourceKind::WebResource,
        };
        let token = s(&v, "token");
        let text = s(&v["expected"], "plaintext_utf8");
        assert_eq!(
            keys.decrypt_resource_string(token, kind).unwrap(),
            text,
            "{id}"
        );
        assert_eq!(
            keys.encrypt_resource_string(text, kind).unwrap(),
            token,
            "{id}: byte for byte"
        );
        let mut bad = token.to_owned();
        bad.replace_range(5..6, if &token[5..6] == "A" { "B" } else { "A" });
        assert!(
            matches!(
                keys.decrypt_resource_string(&bad, kind),
                Err(Error::Unprotect)
            ),
            "{id}"
        );
        assert!(keys.decrypt_resource_string("!!!!", kind).is_err());
    }
}

#[test]
fn forms_tickets_decode_to_their_fields() {
    for v in vectors("formsauth_tickets.json") {
        let id = s(&v, "id");
        if id.ends_with("PARTIAL") {
            let keys = keys(&v, s(&v, "compatibilityMode"), RuntimeSettings::default());
            assert!(matches!(
                keys.decrypt_ticket_without_expiry_check(
                    s(&v, "cookie_hex"),
                    CookieProtection::All
                ),
                Err(Error::Unprotect)
            ));
            continue;
        }
        let keys = keys(&v, s(&v, "compatibilityMode"), RuntimeSettings::default());
        let cookie = s(&v, "cookie_hex");
        let t = keys
            .decrypt_ticket_without_expiry_check(cookie, CookieProtection::All)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let want = &v["expected"]["ticket"];
        assert_eq!(
            i64::from(t.version),
            want["version"].as_i64().unwrap(),
            "{id}"
        );
        assert_eq!(t.name, s(want, "name"), "{id}");
        assert_eq!(t.user_data, s(want, "user_data"), "{id}");
        assert_eq!(t.cookie_path, s(want, "cookie_path"), "{id}");
        assert_eq!(
            t.is_persistent,
            want["persistent"].as_bool().unwrap(),
            "{id}"
        );
        assert_eq!(
            machinekey::clock::to_dotnet_ticks(t.issue_date),
            want["issue_utc_ticks"].as_i64().unwrap(),
            "{id}"
        );
        assert_eq!(
            machinekey::clock::to_dotnet_ticks(t.expiration),
            want["expiration_utc_ticks"].as_i64().unwrap(),
            "{id}"
        );
        assert_eq!(
            t.serialize(),
            from_hex(s(&v["expected"], "ticket_blob_hex")).unwrap(),
            "{id}"
        );
        // Lower-case hex is accepted too; a flipped nibble is not.
        assert_eq!(
            keys.decrypt_ticket_without_expiry_check(&cookie.to_lowercase(), CookieProtection::All)
                .unwrap(),
            t
        );
        let mut bad = cookie.to_owned();
        bad.replace_range(10..11, if &cookie[10..11] == "0" { "1" } else { "0" });
        assert!(
            matches!(
                keys.decrypt_ticket_without_expiry_check(&bad, CookieProtection::All),
                Err(Error::Unprotect)
            ),
            "{id}"
        );
    }
}

#[test]
fn machine_key_protect_cookie() {
    use base64::Engine as _;
    let v = &vectors("machinekey_protect.json")[0];
    let keys = keys(v, "Framework20SP1", RuntimeSettings::default()); // Protect ignores the mode
    let blob = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s(v, "input"))
        .unwrap();
    let purposes: Vec<&str> = v["purpose"]["specific"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(
        keys.unprotect(&blob, &purposes).unwrap(),
        from_hex(s(&v["expected"], "plaintext_hex")).unwrap()
    );
}

#[test]
fn negatives_fail_with_the_opaque_error_and_mac_disabled_is_recognised() {
    for v in vectors("negative_and_edge.json") {
        let id = s(&v, "id");
        let field = s(&v, "viewstate_b64");
        match id {
            "bs-mac-disabled-9BD98A7D" | "bs-mac-disabled-CA0B0334" => {
                let payload = unsigned_payload(field).unwrap();
                assert_eq!(first_value_type(&payload), Some(ValueType::Pair));
            }
            _ => assert!(unsigned_payload(field).is_none(), "{id}"),
        }
    }
    // The ViewStateUserKey vectors: without or with a wrong user key, the opaque error.
    let all = vectors("viewstate_net45.json");
    let v = all
        .iter()
        .find(|v| v["id"] == "bs-lab-45-vsk-HMACSHA256-AES256-userkey")
        .unwrap();
    let keys = keys(v, "Framework45", RuntimeSettings::default());
    let plain = Page::from_path(s(v, "url"), "/mac/vsk").unwrap();
    assert!(matches!(
        keys.decode_viewstate(s(v, "viewstate_b64"), &plain),
        Err(Error::Unprotect)
    ));
    let wrong = plain
        .clone()
        .with_view_state_user_key("wrongsessionid1234567890");
    assert!(matches!(
        keys.decode_viewstate(s(v, "viewstate_b64"), &wrong),
        Err(Error::Unprotect)
    ));
    // Framework45 needs names, not just a generator.
    assert!(matches!(
        keys.decode_viewstate(s(v, "viewstate_b64"), &Page::from_generator(0x2037_ECEB)),
        Err(Error::InvalidArgument(_))
    ));
}

fn generated(v: ValidationAlgorithm, d: DecryptionAlgorithm, mode: &str) -> Option<AppKeys> {
    let g = machinekey::keys::generate(v, d, &OsRandom).unwrap();
    let cfg = MachineKeyConfig::builder()
        .validation_key(g.validation_key_text().expose_secret())
        .decryption_key(g.decryption_key_text().expose_secret())
        .validation(v)
        .decryption(d)
        .attribute(
            machinekey::config::MachineKeyAttribute::CompatibilityMode,
            mode,
        )
        .build()
        .ok()?;
    AppKeys::explicit(&cfg).ok()
}

fn ticket() -> FormsAuthenticationTicket {
    FormsAuthenticationTicket {
        version: 2,
        name: "alice@example.com".into(),
        issue_date: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
        expiration: OffsetDateTime::from_unix_timestamp(1_700_001_800).unwrap(),
        is_persistent: true,
        user_data: "roles=admin;ünïcødé".into(),
        cookie_path: "/".into(),
    }
}

#[test]
fn round_trips_for_every_pair_and_both_stacks() {
    let payload = b"\xff\x01\x0f\x0f\x05\x03abcdd";
    let pages = [
        Page::from_path("/Shop/cart.aspx", "/Shop").unwrap(),
        Page::from_path("/Shop/cart.aspx", "/Shop")
            .unwrap()
            .with_view_state_user_key("sess-1"),
    ];
    let mut stacks = 0;
    for mode in ["Framework20SP1", "Framework20SP2", "Framework45"] {
        for &v in ValidationAlgorithm::ALL {
            for &d in DecryptionAlgorithm::ALL {
                let Some(keys) = generated(v, d, mode) else {
                    assert!(mode == "Framework45", "{v} {d} must be valid in {mode}");
                    continue;
                };
                stacks += 1;
                for page in &pages {
                    for encrypt in [false, true] {
                        let field = keys
                            .encode_viewstate(
                                payload,
                                page,
                                if encrypt {
                                    machinekey::formats::viewstate::ViewStateProtection::Encrypted
                                } else {
                                    machinekey::formats::viewstate::ViewStateProtection::Signed
                                },
                            )
                            .unwrap();
                        assert_eq!(
                            keys.decode_viewstate(&field, page).unwrap(),
                            payload,
                            "{mode} {v} {d}"
                        );
                        let ev = keys
                            .encode_event_validation(
                                payload,
                                page,
                                if encrypt {
                                    machinekey::formats::viewstate::ViewStateProtection::Encrypted
                                } else {
                                    machinekey::formats::viewstate::ViewStateProtection::Signed
                                },
                            )
                            .unwrap();
                        assert_eq!(keys.decode_event_validation(&ev, page).unwrap(), payload);
                    }
                }
                let other = pages[1].clone().with_view_state_user_key("sess-2");
                let field = keys
                    .encode_viewstate(
                        payload,
                        &pages[1],
                        machinekey::formats::viewstate::ViewStateProtection::Signed,
                    )
                    .unwrap();
                if v != ValidationAlgorithm::Md5 || mode == "Framework45" {
                    assert!(
                        matches!(keys.decode_viewstate(&field, &other), Err(Error::Unprotect)),
                        "{mode} {v} {d}"
                    );
                }
                for protection in [
                    CookieProtection::All,
                    CookieProtection::Validation,
                    CookieProtection::Encryption,
                    CookieProtection::None,
                ] {
                    let cookie = keys.encrypt_ticket(&ticket(), protection).unwrap();
                    assert_eq!(
                        keys.decrypt_ticket_without_expiry_check(&cookie, protection)
                            .unwrap(),
                        ticket(),
                        "{mode} {v} {d} {protection:?}"
                    );
                    for kind in [CookieKind::Roles, CookieKind::AnonymousId] {
                        let c = keys.encode_cookie(b"payload", kind, protection).unwrap();
                        assert_eq!(
                            keys.decode_cookie(&c, kind, protection).unwrap(),
                            b"payload"
                        );
                    }
                }
                for kind in [
                    ResourceKind::WebResource,
                    ResourceKind::ScriptResource,
                    ResourceKind::PreviousPage,
                ] {
                    let t = keys.encrypt_resource_string("s|WebForms.js", kind).unwrap();
                    assert_eq!(
                        keys.decrypt_resource_string(&t, kind).unwrap(),
                        "s|WebForms.js"
                    );
                }
            }
        }
    }
    assert_eq!(
        stacks,
        3 * 28 - 3 * 4,
        "Framework45 refuses MD5/AES/3DES validation"
    );
}

#[test]
fn legacy_ticket_layout_round_trips() {
    let mut rt = RuntimeSettings::default();
    rt.use_legacy_forms_authentication_ticket_compatibility = true;
    for mode in ["Framework20SP1", "Framework20SP2", "Framework45"] {
        let cfg = MachineKeyConfig::builder()
            .validation_key(&"AB".repeat(64))
            .decryption_key(&"CD".repeat(32))
            .attribute(
                machinekey::config::MachineKeyAttribute::CompatibilityMode,
                mode,
            )
            .runtime(rt.clone())
            .build()
            .unwrap();
        let keys = AppKeys::explicit(&cfg)
            .unwrap()
            .with_random(Arc::new(OsRandom));
        for protection in [
            CookieProtection::All,
            CookieProtection::Validation,
            CookieProtection::None,
        ] {
            let cookie = keys.encrypt_ticket(&ticket(), protection).unwrap();
            assert_eq!(
                keys.decrypt_ticket_without_expiry_check(&cookie, protection)
                    .unwrap(),
                ticket(),
                "{mode} {protection:?}"
            );
        }
    }
}

#[test]
fn ticket_expiry_policy() {
    let keys = generated(
        ValidationAlgorithm::HmacSha256,
        DecryptionAlgorithm::Aes,
        "Framework45",
    )
    .unwrap();
    let cookie = keys
        .encrypt_ticket(&ticket(), CookieProtection::All)
        .unwrap();
    let expiry = ticket().expiration;
    let at =
        |now: OffsetDateTime| TicketValidation::default().with_clock(Arc::new(FixedClock(now)));
    let tick = Duration::nanoseconds(100);
    assert!(
        keys.decrypt_ticket(&cookie, CookieProtection::All, &at(expiry))
            .is_ok()
    );
    assert!(matches!(
        keys.decrypt_ticket(&cookie, CookieProtection::All, &at(expiry + tick)),
        Err(Error::TicketExpired)
    ));
    let mut lenient = at(expiry + tick * 5);
    lenient.clock_skew = tick * 10;
    assert!(
        keys.decrypt_ticket(&cookie, CookieProtection::All, &lenient)
            .is_ok()
    );
    assert!(
        keys.decrypt_ticket(
            &cookie,
            CookieProtection::All,
            &at(datetime!(9999-12-31 0:00 UTC)).ignoring_expiry()
        )
        .is_ok()
    );
    assert!(matches!(
        keys.decrypt_ticket(
            &cookie,
            CookieProtection::All,
            &at(datetime!(9999-12-31 0:00 UTC))
        ),
        Err(Error::TicketExpired)
    ));
}

/// A ticket made now through the real clock is accepted by the default policy; one that
/// expired a second ago is refused (guards the system clock's tick arithmetic).
#[test]
fn system_clock_fresh_and_old_tickets() {
    let keys = generated(
        ValidationAlgorithm::HmacSha256,
        DecryptionAlgorithm::Aes,
        "Framework45",
    )
    .unwrap();
    let fresh =
        FormsAuthenticationTicket::new("alice", OffsetDateTime::now_utc(), Duration::minutes(10));
    let unix_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let issued_unix = fresh.issue_date.unix_timestamp();
    assert!(
        issued_unix.abs_diff(i64::try_from(unix_now).unwrap()) <= 2,
        "{issued_unix} vs {unix_now}"
    );
    let cookie = keys.encrypt_ticket(&fresh, CookieProtection::All).unwrap();
    let policy = TicketValidation::default();
    assert_eq!(
        keys.decrypt_ticket(&cookie, CookieProtection::All, &policy)
            .unwrap(),
        fresh
    );
    let mut old = fresh.clone();
    old.expiration = OffsetDateTime::now_utc() - Duration::seconds(1);
    let cookie = keys.encrypt_ticket(&old, CookieProtection::All).unwrap();
    assert!(matches!(
        keys.decrypt_ticket(&cookie, CookieProtection::All, &policy),
        Err(Error::TicketExpired)
    ));
}

/// Sliding expiration renews only once half the lifetime is gone, keeping the lifetime.
#[test]
fn renew_if_old_follows_aspnet() {
    let start = datetime!(2024-01-01 0:00 UTC);
    let t = FormsAuthenticationTicket::new("bob", start, Duration::seconds(100));
    assert_eq!(t.expiration, start + Duration::seconds(100));
    let tick = Duration::nanoseconds(100);
    assert!(
        t.renew_if_old(start + Duration::seconds(50) - tick)
            .is_none()
    );
    let r = t.renew_if_old(start + Duration::seconds(50)).unwrap();
    assert_eq!(r.issue_date, start + Duration::seconds(50));
    assert_eq!(r.expiration, start + Duration::seconds(150));
    assert_eq!(
        (r.name.as_str(), r.version, r.cookie_path.as_str()),
        ("bob", 2, "/")
    );
}

/// What ASP.NET could not read back is refused on the way out, naming the limit.
#[test]
fn encrypt_side_limits() {
    let keys = generated(
        ValidationAlgorithm::HmacSha256,
        DecryptionAlgorithm::Aes,
        "Framework45",
    )
    .unwrap();
    let mut t = ticket();
    // .NET's last date is the latest instant `time` holds, to the tick: accepted.
    t.expiration = datetime!(9999-12-31 23:59:59.999_999_999 UTC);
    assert!(keys.encrypt_ticket(&t, CookieProtection::All).is_ok());
    // A date before year 1 is refused, naming the range.
    t.issue_date = datetime!(0000-12-31 23:59:59.9999999 UTC);
    let e = keys.encrypt_ticket(&t, CookieProtection::All).unwrap_err();
    assert!(e.to_string().contains("DateTime"), "{e}");
    assert!(matches!(
        e,
        Error::InvalidArgument(machinekey::ArgumentError::TicketDateOutOfRange)
    ));
    // The cookie grows 2 hex digits per byte: find the longest user data that fits.
    let mut t = ticket();
    let fits = (0..2000)
        .rev()
        .find(|n| {
            t.user_data = "x".repeat(*n);
            keys.encrypt_ticket(&t, CookieProtection::All).is_ok()
        })
        .unwrap();
    t.user_data = "x".repeat(fits);
    let at_limit = keys.encrypt_ticket(&t, CookieProtection::All).unwrap();
    assert!(
        at_limit.len() <= 4096 && at_limit.len() > 4096 - 100,
        "{}",
        at_limit.len()
    );
    t.user_data = "x".repeat(fits + 16);
    match keys.encrypt_ticket(&t, CookieProtection::All) {
        Err(Error::TooLong {
            limit: 4096,
            actual,
            ..
        }) => assert!(actual > 4096),
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_fields_and_cookies_are_rejected() {
    let keys = generated(
        ValidationAlgorithm::HmacSha256,
        DecryptionAlgorithm::Aes,
        "Framework20SP2",
    )
    .unwrap();
    let page = Page::from_path("/default.aspx", "/").unwrap();
    for field in ["", "%%%", "/wE", "/wEPDwUJODExMDE5NzY5ZGQ="] {
        assert!(keys.decode_viewstate(field, &page).is_err(), "{field:?}");
    }
    assert!(matches!(
        keys.decode_viewstate("/wE", &page),
        Err(Error::Malformed(_))
    ));
    assert!(matches!(
        keys.decrypt_ticket_without_expiry_check("", CookieProtection::All),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        keys.decrypt_ticket_without_expiry_check(&"A".repeat(4098), CookieProtection::All),
        Err(Error::InvalidArgument(_))
    ));
    assert!(
        keys.decrypt_ticket_without_expiry_check("ABC", CookieProtection::All)
            .is_err(),
        "odd hex, not UrlToken either"
    );
    assert!(
        keys.decrypt_ticket_without_expiry_check("zz!!", CookieProtection::All)
            .is_err()
    );
    // Truncated and mis-formed tickets under a valid MAC (Validation only shows the bytes).
    let good = ticket().serialize();
    let legacy = keys.legacy().unwrap();
    let seal = |bytes: &[u8]| machinekey::crypto::encoding::to_upper_hex(&legacy.append_mac(bytes));
    assert_eq!(
        keys.decrypt_ticket_without_expiry_check(&seal(&good), CookieProtection::Validation)
            .unwrap(),
        ticket()
    );
    let mut wrong_footer = good.clone();
    *wrong_footer.last_mut().unwrap() = 0xFE;
    let mut trailing = good.clone();
    trailing.push(0);
    let mut bad_bool = good.clone();
    bad_bool[19] = 2;
    let mut bad_spacer = good.clone();
    bad_spacer[10] = 0;
    for (what, bytes) in [
        ("truncated", good[..good.len() - 3].to_vec()),
        ("footer", wrong_footer),
        ("trailing", trailing),
        ("bool", bad_bool),
        ("spacer", bad_spacer),
        ("format", [&[2u8][..], &good[1..]].concat()),
    ] {
        assert!(
            matches!(
                keys.decrypt_ticket_without_expiry_check(
                    &seal(&bytes),
                    CookieProtection::Validation
                ),
                Err(Error::Unprotect)
            ),
            "{what}"
        );
    }
    for n in 0..good.len() {
        assert!(FormsAuthenticationTicket::deserialize(&good[..n]).is_err());
    }
    assert!(
        keys.decode_cookie("@@", CookieKind::Roles, CookieProtection::All)
            .is_err()
    );
}
