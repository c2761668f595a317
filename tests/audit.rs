//! The known-key audit on every vector: the right key, mode and algorithms for each
//! positive when its key is a candidate, and nothing for every negative.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use base64::Engine as _;
use machinekey::audit::{Auditor, Blob, KeyList, Mode};
use machinekey::crypto::encoding::{from_base64, from_hex, url_token_decode};
use serde_json::Value;

fn vectors(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str()
        .unwrap_or_else(|| panic!("{k} in {}", v["id"]))
}

/// The built-in list plus every vector's keys (some vectors use private test keys), as a
/// user would add a file of candidates.
fn auditor() -> Auditor {
    let mut list = KeyList::builtin();
    let mut extra = String::new();
    for file in [
        "viewstate_legacy.json",
        "viewstate_net45.json",
        "resource_tokens.json",
        "formsauth_tickets.json",
        "machinekey_protect.json",
    ] {
        for v in vectors(file) {
            let dk = v["decryptionKey"]
                .as_str()
                .unwrap_or("B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78");
            extra.push_str(&format!("{},{dk}\n", s(&v, "validationKey")));
        }
    }
    list.extend_from_text(&extra);
    Auditor::new(&list)
}

fn assert_key(found: &machinekey::audit::Finding, v: &Value) {
    assert_eq!(
        found.key.validation_key,
        s(v, "validationKey").to_uppercase(),
        "{}",
        v["id"]
    );
}

#[test]
fn legacy_viewstates_are_attributed() {
    let auditor = auditor();
    for v in vectors("viewstate_legacy.json") {
        let id = s(&v, "id");
        let bytes = from_base64(s(&v, "viewstate_b64")).unwrap();
        let mut blob = Blob::viewstate(&bytes)
            .with_generator(u32::from_str_radix(s(&v, "generator"), 16).unwrap());
        if let Some(k) = v["viewStateUserKey"].as_str() {
            blob = blob.with_user_key("not-this-one").with_user_key(k);
        }
        let found = auditor
            .audit(&blob)
            .unwrap_or_else(|| panic!("{id}: not found"));
        assert_key(&found, &v);
        assert_eq!(
            found.payload,
            from_hex(s(&v["expected"], "plaintext_hex")).unwrap(),
            "{id}"
        );
        assert_eq!(
            found.view_state_user_key.as_deref(),
            v["viewStateUserKey"].as_str(),
            "{id}"
        );
        let validation = s(&v, "validation");
        match (validation, v["viewStateEncrypted"].as_bool().unwrap()) {
            ("AES" | "3DES", _) => {
                assert_eq!(found.mode, Mode::LegacyValidationWrap, "{id}");
                assert_eq!(
                    found.validation.as_str(),
                    validation,
                    "{id}: the wrap is named, not 'SHA1'"
                );
            }
            (_, true) => {
                assert_eq!(found.mode, Mode::LegacyEncrypted, "{id}");
                assert_eq!(found.validation.as_str(), validation, "{id}");
                assert_eq!(
                    found.decryption.map(|d| d.as_str()),
                    v["decryption"].as_str(),
                    "{id}"
                );
            }
            (_, false) => {
                assert_eq!(found.mode, Mode::LegacySigned, "{id}");
                assert_eq!(found.validation.as_str(), validation, "{id}");
            }
        }
    }
}

#[test]
fn framework45_viewstates_from_urls() {
    let auditor = auditor();
    for v in vectors("viewstate_net45.json") {
        let id = s(&v, "id");
        let url = match v["url"].as_str() {
            Some(u) => u.split(" (").next().unwrap().to_owned(),
            None => "/dnn/Default.aspx".to_owned(),
        };
        let bytes = from_base64(s(&v, "viewstate_b64")).unwrap();
        let mut blob = Blob::viewstate(&bytes).with_url(&url);
        let user_key = v["purpose"]["specific"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("ViewStateUserKey: "))
            .next();
        if let Some(k) = user_key {
            blob = blob.with_user_key(k);
        }
        let found = auditor
            .audit(&blob)
            .unwrap_or_else(|| panic!("{id}: not found"));
        assert_key(&found, &v);
        assert_eq!(found.mode, Mode::Framework45, "{id}");
        assert_eq!(found.validation.as_str(), s(&v, "validation"), "{id}");
        assert_eq!(
            found.decryption.map(|d| d.as_str()),
            Some(s(&v, "decryption")),
            "{id}: 3DES too (peers miss it)"
        );
        assert_eq!(
            found.payload,
            from_hex(s(&v["expected"], "plaintext_hex")).unwrap(),
            "{id}"
        );
        if id.contains("vsk") {
            assert_eq!(
                found.app_path.as_deref(),
                Some("/mac/vsk"),
                "{id}: the application level is found"
            );
            assert_eq!(found.view_state_user_key.as_deref(), user_key);
        }
    }
}

#[test]
fn resources_cookies_and_protect() {
    let auditor = auditor();
    for v in vectors("resource_tokens.json") {
        let bytes = url_token_decode(s(&v, "token")).unwrap();
        let found = auditor
            .audit(&Blob::resource(&bytes))
            .unwrap_or_else(|| panic!("{}", v["id"]));
        assert_key(&found, &v);
        assert_eq!(
            found.payload,
            s(&v["expected"], "plaintext_utf8").as_bytes()
        );
        let fx45 = s(&v, "mode") != "legacy";
        assert_eq!(found.mode == Mode::Framework45, fx45, "{}", v["id"]);
    }
    for v in vectors("formsauth_tickets.json") {
        let bytes = from_hex(s(&v, "cookie_hex")).unwrap();
        let found = auditor.audit(&Blob::forms_cookie(&bytes));
        if s(&v, "id").ends_with("PARTIAL") {
            assert!(found.is_none(), "the malformed outer MAC is never accepted");
            continue;
        }
        let found = found.unwrap_or_else(|| panic!("{}", v["id"]));
        assert_key(&found, &v);
        assert_eq!(
            found.payload,
            from_hex(s(&v["expected"], "ticket_blob_hex")).unwrap(),
            "{}",
            v["id"]
        );
        assert_eq!(found.validation.as_str(), s(&v, "validation"));
    }
    let v = &vectors("machinekey_protect.json")[0];
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s(v, "input"))
        .unwrap();
    let purposes: Vec<&str> = v["purpose"]["specific"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let found = auditor.audit(&Blob::protected(&bytes, &purposes)).unwrap();
    assert_key(&found, v);
    assert!(
        auditor
            .audit(&Blob::protected(&bytes, &purposes[..1]))
            .is_none()
    );
}

#[test]
fn negatives_find_nothing() {
    let auditor = auditor();
    let net45 = vectors("viewstate_net45.json");
    let vsk = net45
        .iter()
        .find(|v| v["id"] == "bs-lab-45-vsk-HMACSHA256-AES256-userkey")
        .unwrap();
    for v in vectors("negative_and_edge.json") {
        let id = s(&v, "id");
        let bytes = from_base64(s(&v, "viewstate_b64")).unwrap();
        let blob = match id {
            "bs-negative-vsk-no-userkey" => Blob::viewstate(&bytes).with_url(s(vsk, "url")),
            "bs-negative-vsk-wrong-userkey" => Blob::viewstate(&bytes)
                .with_url(s(vsk, "url"))
                .with_user_key("wrongsessionid1234567890"),
            _ => Blob::viewstate(&bytes)
                .with_generator(u32::from_str_radix(s(&v, "generator"), 16).unwrap())
                .with_url("/default.aspx"),
        };
        assert!(auditor.audit(&blob).is_none(), "{id}");
    }
}

#[test]
fn isolate_apps_variants_are_found() {
    // A legacy ViewState signed with an IsolateApps key for /Shop, from a known pair.
    use machinekey::config::MachineKeyConfig;
    use machinekey::formats::{AppKeys, Page};
    use machinekey::keys::AppIdentity;
    let list = KeyList::builtin();
    let pair = &list.pairs()[10];
    let cfg = MachineKeyConfig::builder()
        .validation_key(&format!("{},IsolateApps", pair.validation_key))
        .decryption_key(&format!("{},IsolateApps", pair.decryption_key))
        .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
        .build()
        .unwrap();
    let keys = AppKeys::resolve(
        &cfg,
        &AppIdentity::new("/Shop", "/LM/W3SVC/1/ROOT/Shop").unwrap(),
        None,
    )
    .unwrap();
    let page = Page::from_path("/Shop/cart.aspx", "/Shop").unwrap();
    for encrypt in [false, true] {
        let field = keys
            .encode_viewstate(
                b"\xff\x01\x64",
                &page,
                if encrypt {
                    machinekey::formats::viewstate::ViewStateProtection::Encrypted
                } else {
                    machinekey::formats::viewstate::ViewStateProtection::Signed
                },
            )
            .unwrap();
        let bytes = from_base64(&field).unwrap();
        let found = Auditor::new(&list)
            .audit(&Blob::viewstate(&bytes).with_url("https://x/Shop/cart.aspx"))
            .expect("found");
        assert_eq!(found.index, 10);
        assert!(found.isolate_apps);
        assert_eq!(found.app_path.as_deref(), Some("/Shop"));
        assert_eq!(
            found.mode,
            if encrypt {
                Mode::LegacyEncrypted
            } else {
                Mode::LegacySigned
            }
        );
    }
}

#[test]
fn key_lists() {
    let list = KeyList::parse(
        "a1b2,c3d4\nA1B2,C3D4\n\nE3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\n11,22,33\n",
    );
    assert_eq!(
        list.len(),
        3,
        "duplicates (any case) dropped; a 3-field line gives 2 pairs"
    );
    assert!(
        list.is_known_key(""),
        "the SHA-256 of the empty string is listed"
    );
    assert!(list.is_known_key("a1b2"));
    let builtin = KeyList::builtin();
    // 3,626 lines: one has three fields (two pairs), two have odd-length fields (dropped).
    assert_eq!(builtin.len(), 3_625);
}

#[test]
fn modes_the_peers_miss() {
    // PEERS.md §1 notes 1 and 5: MD5 with a ViewStateUserKey (the key overwrites the
    // modifier) and legacy AES-128 (a 16-byte prefix). Both built from a listed key with the
    // crate's own encoder, which the vectors verify.
    use machinekey::config::MachineKeyConfig;
    use machinekey::formats::{AppKeys, Page};
    let list = KeyList::builtin();
    let auditor = Auditor::new(&list);
    let pair = &list.pairs()[20];
    let page = Page::from_path("/default.aspx", "/").unwrap();
    for (validation, dk, encrypt, user_key) in [
        ("MD5", pair.decryption_key.clone(), false, Some("sess-123")),
        ("SHA1", pair.validation_key[..32].to_owned(), true, None),
    ] {
        let cfg = MachineKeyConfig::builder()
            .validation_key(&pair.validation_key)
            .decryption_key(&dk)
            .attribute(
                machinekey::config::MachineKeyAttribute::Validation,
                validation,
            )
            .decryption(machinekey::config::DecryptionAlgorithm::Aes)
            .build()
            .unwrap();
        let page = match user_key {
            Some(k) => page.clone().with_view_state_user_key(k),
            None => page.clone(),
        };
        let field = AppKeys::explicit(&cfg)
            .unwrap()
            .encode_viewstate(
                b"\xff\x01\x64",
                &page,
                if encrypt {
                    machinekey::formats::viewstate::ViewStateProtection::Encrypted
                } else {
                    machinekey::formats::viewstate::ViewStateProtection::Signed
                },
            )
            .unwrap();
        let bytes = from_base64(&field).unwrap();
        let mut blob = Blob::viewstate(&bytes).with_url("/default.aspx");
        if let Some(k) = user_key {
            blob = blob.with_user_key(k);
        }
        if dk.len() == 32 {
            // AES-128 with a decryption key the list does not hold as such.
            let extra = KeyList::parse(&format!("{},{dk}", pair.validation_key));
            let found = Auditor::new(&extra).audit(&blob).expect("AES-128");
            assert_eq!(
                (found.mode, found.decryption.map(|d| d.as_str())),
                (Mode::LegacyEncrypted, Some("AES"))
            );
            assert_eq!(found.payload, b"\xff\x01\x64");
            continue;
        }
        let found = auditor.audit(&blob).expect("MD5 + ViewStateUserKey");
        assert_eq!(found.index, 20);
        assert_eq!(found.validation.as_str(), "MD5");
        assert_eq!(found.payload, b"\xff\x01\x64");
    }
}

#[test]
fn event_validation_has_its_own_purpose() {
    // __EVENTVALIDATION from a listed key: legacy protects it as a ViewState of the page
    // (found either way); Framework45 under its own primary purpose, so only the
    // event-validation blob finds it, and a ViewState of the same page is not mistaken for one.
    use machinekey::config::MachineKeyConfig;
    use machinekey::formats::{AppKeys, Page};
    let list = KeyList::builtin();
    let auditor = Auditor::new(&list);
    let pair = &list.pairs()[42];
    let page = Page::from_path("/app/sub/page.aspx", "/app").unwrap();
    let url = "https://x/app/sub/page.aspx";
    for mode in ["Framework20SP1", "Framework45"] {
        let cfg = MachineKeyConfig::builder()
            .validation_key(&pair.validation_key)
            .decryption_key(&pair.decryption_key)
            .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
            .decryption(machinekey::config::DecryptionAlgorithm::Aes)
            .attribute(
                machinekey::config::MachineKeyAttribute::CompatibilityMode,
                mode,
            )
            .build()
            .unwrap();
        let keys = AppKeys::explicit(&cfg).unwrap();
        let ev = from_base64(
            &keys
                .encode_event_validation(
                    b"\xff\x01\x64",
                    &page,
                    machinekey::formats::viewstate::ViewStateProtection::Signed,
                )
                .unwrap(),
        )
        .unwrap();
        let vs = from_base64(
            &keys
                .encode_viewstate(
                    b"\xff\x01\x64",
                    &page,
                    machinekey::formats::viewstate::ViewStateProtection::Signed,
                )
                .unwrap(),
        )
        .unwrap();
        let found = auditor
            .audit(&Blob::event_validation(&ev).with_url(url))
            .unwrap_or_else(|| panic!("{mode}: event validation not found"));
        assert_eq!(found.index, 42, "{mode}");
        assert_eq!(found.validation.as_str(), "HMACSHA256", "{mode}");
        assert_eq!(found.payload, b"\xff\x01\x64", "{mode}");
        let as_viewstate = auditor.audit(&Blob::viewstate(&ev).with_url(url));
        let vs_as_ev = auditor.audit(&Blob::event_validation(&vs).with_url(url));
        if mode == "Framework45" {
            assert_eq!(found.mode, Mode::Framework45);
            assert_eq!(found.app_path.as_deref(), Some("/app"));
            assert!(as_viewstate.is_none(), "wrong purpose must not verify");
            assert!(vs_as_ev.is_none(), "wrong purpose must not verify");
            assert!(auditor.audit(&Blob::viewstate(&vs).with_url(url)).is_some());
        } else {
            assert_eq!(found.mode, Mode::LegacySigned);
            assert_eq!(
                found.app_path.as_deref(),
                Some("/app"),
                "the level whose generator the MAC used"
            );
            assert_eq!(as_viewstate.map(|f| f.index), Some(42));
        }
    }
}

#[test]
fn directory_and_extensionless_urls() {
    // badsecrets #76: a ViewState posted back to "/shop/" comes from /shop/default.aspx,
    // one posted to "/Login" (routing, FriendlyUrls) from /Login.aspx. Framework45 needs the
    // page for its purposes; the audit tries the pages such URLs stand for.
    use machinekey::config::MachineKeyConfig;
    use machinekey::formats::{AppKeys, Page};
    let list = KeyList::builtin();
    let auditor = Auditor::new(&list);
    let pair = &list.pairs()[99];
    let cfg = MachineKeyConfig::builder()
        .validation_key(&pair.validation_key)
        .decryption_key(&pair.decryption_key)
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
        .build()
        .unwrap();
    let keys = AppKeys::explicit(&cfg).unwrap();
    for (page_path, app, url) in [
        ("/default.aspx", "/", "https://host/"),
        ("/default.aspx", "/", "https://host"),
        ("/shop/default.aspx", "/shop", "https://host/shop/?q=1"),
        ("/shop/Login.aspx", "/", "https://host/shop/Login"),
        (
            "/shop/Login/default.aspx",
            "/shop",
            "https://host/shop/Login",
        ),
    ] {
        let page = Page::from_path(page_path, app).unwrap();
        let bytes = from_base64(
            &keys
                .encode_viewstate(
                    b"\xff\x01\x64",
                    &page,
                    machinekey::formats::viewstate::ViewStateProtection::Signed,
                )
                .unwrap(),
        )
        .unwrap();
        let found = auditor
            .audit(&Blob::viewstate(&bytes).with_url(url))
            .unwrap_or_else(|| panic!("{url}: not found"));
        assert_eq!(
            (found.index, found.mode, found.app_path.as_deref()),
            (99, Mode::Framework45, Some(app)),
            "{url}"
        );
    }
}

/// A forms cookie in the pre-2011 ticket layout
/// (`aspnet:UseLegacyFormsAuthenticationTicketCompatibility`) is found, signed or
/// encrypted: the audit reads tickets with the same parser as `AppKeys`.
#[test]
fn pre_2011_ticket_layout_is_found() {
    use machinekey::config::{MachineKeyConfig, RuntimeSettings};
    use machinekey::formats::cookie::CookieProtection;
    use machinekey::{AppKeys, FormsAuthenticationTicket};

    let list = KeyList::builtin();
    let known = &list.pairs()[11];
    let mut runtime = RuntimeSettings::default();
    runtime.use_legacy_forms_authentication_ticket_compatibility = true;
    let cfg = MachineKeyConfig::builder()
        .validation_key(&known.validation_key)
        .decryption_key(&known.decryption_key)
        .validation(machinekey::config::ValidationAlgorithm::Sha1)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .runtime(runtime)
        .build()
        .unwrap();
    let keys = AppKeys::explicit(&cfg).unwrap();
    let ticket = FormsAuthenticationTicket {
        version: 1,
        name: "carol".into(),
        issue_date: machinekey::clock::from_dotnet_ticks(634_000_000_000_000_000).unwrap(),
        expiration: machinekey::clock::from_dotnet_ticks(634_000_018_000_000_000).unwrap(),
        is_persistent: true,
        user_data: "roles=admin".into(),
        cookie_path: "/".into(),
    };
    let auditor = Auditor::new(&list);
    for protection in [
        CookieProtection::All,
        CookieProtection::Encryption,
        CookieProtection::Validation,
    ] {
        let cookie = keys.encrypt_ticket(&ticket, protection).unwrap();
        let bytes = from_hex(&cookie).unwrap();
        let found = auditor
            .audit(&Blob::forms_cookie(&bytes))
            .unwrap_or_else(|| panic!("{protection:?} not found"));
        assert_eq!(found.index, 11, "{protection:?}");
        assert_eq!(
            FormsAuthenticationTicket::deserialize_legacy(&found.payload).unwrap(),
            ticket,
            "{protection:?}"
        );
        // The v1 parser alone would not read it: this is the pre-2011 layout.
        assert!(FormsAuthenticationTicket::deserialize(&found.payload).is_err());
    }
}

/// Cases from a cargo-mutants run over `audit/legacy.rs`: a signed forms cookie must hold a
/// ticket; an encrypted legacy ViewState audited without its generator is reported as
/// encrypted (its MAC also verifies as an unmodified signature); a validation key longer than
/// the hash block is never used for a legacy HMAC (ASP.NET refuses it).
#[test]
fn legacy_readings_the_mutants_found() {
    use hmac::{KeyInit as _, Mac as _};
    use machinekey::config::MachineKeyConfig;
    use machinekey::crypto::legacy::IvType;
    use machinekey::formats::AppKeys;
    let vk = "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90";
    let dk = "0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A6978";
    let mut list = KeyList::parse(&format!("{vk},{dk}\n"));
    let cfg = MachineKeyConfig::builder()
        .validation_key(vk)
        .decryption_key(dk)
        .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework20SP2)
        .build()
        .unwrap();
    let keys = AppKeys::explicit(&cfg).unwrap();
    let legacy = keys.legacy().unwrap();

    // A forms cookie is only a hit if the bytes under the MAC are a ticket.
    let not_a_ticket = legacy.sign(b"not a ticket at all", None).unwrap();
    let auditor = Auditor::new(&list);
    assert!(auditor.audit(&Blob::forms_cookie(&not_a_ticket)).is_none());

    // Encrypted ViewState, no generator given: found as encrypted, payload decrypted.
    let modifier = 0x1234_5678u32.to_le_bytes();
    let state = b"\xff\x01\x0f\x0f\x05\x05hello";
    let encrypted = legacy
        .encrypt(state, Some(&modifier), IvType::Random)
        .unwrap();
    let found = auditor.audit(&Blob::viewstate(&encrypted)).unwrap();
    assert_eq!(found.mode, Mode::LegacyEncrypted);
    assert!(found.payload.starts_with(state), "{:?}", found.payload);

    // Validation keys longer than the hash block (65 bytes for HMAC-SHA1, 129 for
    // HMAC-SHA512): ASP.NET refuses them, so the audit never reports them, even on a blob
    // whose HMAC under that key is right.
    let payload = b"\xff\x01\x0f\x0f\x05\x05signed";
    let sign = |tag: Vec<u8>| {
        let mut blob = payload.to_vec();
        blob.extend_from_slice(&tag);
        blob
    };
    let mut sha1 = <hmac::Hmac<sha1::Sha1>>::new_from_slice(&[0x5A; 65]).unwrap();
    sha1.update(payload);
    sha1.update(&modifier);
    let mut sha512 = <hmac::Hmac<sha2::Sha512>>::new_from_slice(&[0x6B; 129]).unwrap();
    sha512.update(payload);
    sha512.update(&modifier);
    list.extend_from_text(&format!(
        "{},{dk}\n{},{dk}\n",
        "5A".repeat(65),
        "6B".repeat(129)
    ));
    let auditor = Auditor::new(&list);
    for blob in [
        sign(sha1.finalize().into_bytes().to_vec()),
        sign(sha512.finalize().into_bytes().to_vec()),
    ] {
        assert!(
            auditor
                .audit(&Blob::viewstate(&blob).with_generator(0x1234_5678))
                .is_none()
        );
    }
}

/// An encrypted legacy ViewState whose ciphertext happens to start like a ViewState
/// (`FF 01`): its outer MAC also verifies as an unmodified signature over a plausible graph,
/// and the audit must still report the encrypted reading (found by a cargo-mutants run:
/// returning the signed reading early went unseen). About one IV prefix in 65,536 gives it.
#[test]
fn encrypted_viewstate_that_looks_signed_is_reported_encrypted() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use machinekey::config::MachineKeyConfig;
    use machinekey::crypto::legacy::IvType;
    use machinekey::formats::AppKeys;
    use machinekey::random::RandomSource;

    #[derive(Debug)]
    struct Counter(AtomicU32);
    impl RandomSource for Counter {
        fn fill(&self, dest: &mut [u8]) -> Result<(), machinekey::Error> {
            let n = self.0.load(Ordering::Relaxed).to_le_bytes();
            for (i, b) in dest.iter_mut().enumerate() {
                *b = n[i % 4] ^ u8::try_from(i % 256).unwrap_or(0);
            }
            Ok(())
        }
    }
    let vk = "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90";
    let dk = "0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A6978";
    let cfg = MachineKeyConfig::builder()
        .validation_key(vk)
        .decryption_key(dk)
        .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework20SP2)
        .build()
        .unwrap();
    let counter = Arc::new(Counter(AtomicU32::new(0)));
    let keys = AppKeys::explicit(&cfg)
        .unwrap()
        .with_random(counter.clone());
    let legacy = keys.legacy().unwrap();
    let state = b"\xff\x01\x0f\x0f\x05\x05hello";
    let blob = (0..1_000_000u32)
        .find_map(|i| {
            counter.0.store(i, Ordering::Relaxed);
            let b = legacy.encrypt(state, None, IvType::Random).unwrap();
            b.starts_with(&[0xFF, 0x01]).then_some(b)
        })
        .expect("an IV prefix whose ciphertext starts FF 01");
    let auditor = Auditor::new(&KeyList::parse(&format!("{vk},{dk}\n")));
    let found = auditor.audit(&Blob::viewstate(&blob)).unwrap();
    assert_eq!(found.mode, Mode::LegacyEncrypted);
    assert_eq!(found.payload, state);
}

/// The audit's fast MAC check compares whole tags: two words that differ by the same bits
/// must not cancel out (a cargo-mutants survivor: XOR-accumulating the differences).
#[test]
fn tags_with_equal_differences_in_two_words_are_refused() {
    use machinekey::config::MachineKeyConfig;
    use machinekey::formats::AppKeys;
    let vk = "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90";
    let dk = "0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A6978";
    let auditor = Auditor::new(&KeyList::parse(&format!("{vk},{dk}\n")));
    for validation in ["SHA1", "HMACSHA256"] {
        let cfg = MachineKeyConfig::builder()
            .validation_key(vk)
            .decryption_key(dk)
            .attribute(
                machinekey::config::MachineKeyAttribute::Validation,
                validation,
            )
            .compatibility_mode(machinekey::config::CompatibilityMode::Framework20SP2)
            .build()
            .unwrap();
        let keys = AppKeys::explicit(&cfg).unwrap();
        let modifier = 0x1234_5678u32.to_le_bytes();
        let blob = keys
            .legacy()
            .unwrap()
            .sign(b"\xff\x01\x0f\x0f\x05\x05signed", Some(&modifier))
            .unwrap();
        let good = Blob::viewstate(&blob).with_generator(0x1234_5678);
        assert!(auditor.audit(&good).is_some(), "{validation}");
        let tag_start = blob.len() - if validation == "SHA1" { 20 } else { 32 };
        let mut bad = blob.clone();
        bad[tag_start] ^= 0x80;
        bad[tag_start + 4] ^= 0x80;
        let bad = Blob::viewstate(&bad).with_generator(0x1234_5678);
        assert!(auditor.audit(&bad).is_none(), "{validation}");
    }
}
