//! The fuzz targets' bodies, shared by `cargo fuzz` (`fuzz_targets/*.rs`) and the stable
//! replay test (`tests/fuzz_replay.rs`), which runs the checked-in corpora through the same
//! entry points on every `cargo test`.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs,
    unreachable_pub
)]

use std::sync::OnceLock;

use machinekey::audit::carve::{CarveOptions, carve};
use machinekey::audit::{Auditor, Blob, KeyList};
use machinekey::config::{MachineKeyConfig, RuntimeSettings};
use machinekey::crypto::encoding::{
    from_base64, from_hex, to_upper_hex, url_token_decode, url_token_encode,
};
use machinekey::crypto::framework45::{Purpose, primary};
use machinekey::crypto::legacy::{IvType, MachineKeyProtection};
use machinekey::formats::cookie::{CookieKind, CookieProtection};
use machinekey::formats::forms_ticket::FormsAuthenticationTicket;
use machinekey::formats::resource::ResourceKind;
use machinekey::formats::session::SessionData;
use machinekey::formats::{AppKeys, Page, nrbf, osf, viewstate};
use machinekey::keys::store::KeyStore;
use machinekey::keys::{AppIdentity, AutoGenKeys, read_reg_export_bytes};
use machinekey::random::RandomSource;

/// The ObjectStateFormatter tree of untrusted bytes: a tree that was read writes back to the
/// same bytes (trailer included), renders, and its BinaryFormatter payloads are walked.
pub fn osf_tree(data: &[u8]) {
    if let Ok(doc) = osf::read(data) {
        assert_eq!(doc.to_bytes().unwrap(), data, "tree round trip");
        let _ = osf::render::text(&doc.root);
        let _ = nrbf::gadgets::in_state(&doc.root);
        let _ =
            osf::PageState::from_value(&doc.root).map(|p| (p.control_tree(), p.control_states()));
    }
}

// ---- parse: every parser of untrusted text or bytes.

pub fn parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = MachineKeyConfig::from_web_config(&text);
    let _ = MachineKeyConfig::from_machine_key_element(&text, RuntimeSettings::default());
    let _ = read_reg_export_bytes(data);
    let _ = KeyStore::from_json(&text);
    let list = KeyList::parse(&text);
    let _ = list.is_known_key(&text);
    let _ = AutoGenKeys::from_bytes(data);
    let (a, b) = text.split_at(
        text.char_indices()
            .nth(text.chars().count() / 2)
            .map_or(0, |(i, _)| i),
    );
    let _ = AppIdentity::new(a, b);
    if let Ok(page) = Page::from_path(a, b) {
        let _ = page.generator(machinekey::formats::GeneratorHash::InvariantIgnoreCase);
        let _ = page.purposes();
    }
    let _ = from_hex(&text);
    let _ = from_base64(&text);
    let _ = url_token_decode(&text);
    let _ = viewstate::unsigned_payload(&text);
    let _ = FormsAuthenticationTicket::deserialize(data);
    let _ = FormsAuthenticationTicket::deserialize_legacy(data);
    let _ = osf::first_value_type(data);
    let _ = osf::is_complete_graph(data);
    osf_tree(data);
    let _ = nrbf::gadgets::triage(&nrbf::read_partial(data).0);
    let _ = SessionData::deserialize(data, false);
    let _ = SessionData::deserialize(data, true);
    let _ = carve(
        &text,
        "fuzz",
        Some("http://host/a/b.aspx"),
        &CarveOptions::default(),
    );
    let _ = machinekey::crypto::encoding::decode_value(&text);
    let _ = machinekey::crypto::encoding::from_base64url(&text);
    let _ = machinekey::dataprotection::PayloadHeader::parse(data);
    if let Ok(ring) = machinekey::dataprotection::KeyRing::from_xml(&text, "fuzz") {
        let _ = ring.resolve(time_now());
    }
    let _ = machinekey::dataprotection::KeyRing::from_reg_export(&text, "fuzz");
}

/// A fixed key ring (one AES-256-CBC + HMACSHA256 key valid until 2999) for the Data
/// Protection paths.
const RING_XML: &str = r#"<key id="5c5c5c5c-5c5c-4c5c-9c5c-5c5c5c5c5c5c" version="1"><creationDate>2020-01-01T00:00:00Z</creationDate><activationDate>2020-01-01T00:00:00Z</activationDate><expirationDate>2999-01-01T00:00:00Z</expirationDate><descriptor deserializerType="Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel.AuthenticatedEncryptorDescriptorDeserializer, Microsoft.AspNetCore.DataProtection"><descriptor><encryption algorithm="AES_256_CBC" /><validation algorithm="HMACSHA256" /><masterKey><value>75X7cyp+pT3KinhR4ix2/VrDS/TjVeYUcVW6zveMhgCzKisARAmvTUZpl7hhBiFSH2wQTdmUSxOrxlVjY1i/pg==</value></masterKey></descriptor></descriptor></key>"#;

fn ring() -> machinekey::dataprotection::KeyRing {
    machinekey::dataprotection::KeyRing::from_xml(RING_XML, "fuzz ring").unwrap()
}

/// A fixed time for key resolution (2030), so runs replay.
fn time_now() -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(1_900_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// Framework45 keys with `dataProtectorType` and the fixed ring attached.
fn data_protection_keys() -> Option<AppKeys> {
    let cfg = MachineKeyConfig::builder()
        .validation_key(&"3C".repeat(64))
        .decryption_key("8E0D8C6E3B9E2A1F4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3")
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
        .data_protector_type(machinekey::dataprotection::systemweb::COMPATIBILITY_DATA_PROTECTOR)
        .build()
        .ok()?;
    let app = AppIdentity::new("/", "/LM/W3SVC/1/ROOT").ok()?;
    Some(AppKeys::explicit(&cfg).ok()?.with_key_ring(ring(), &app))
}

/// OWIN and Core ticket bytes behind a valid MAC: the cookie readers must refuse or read them,
/// never panic, and what they read must write back to a ticket they read again.
fn sealed_auth_tickets(keys: &AppKeys, rest: &[u8]) {
    use machinekey::crypto::encoding::to_base64url;
    use machinekey::formats::auth_cookie::{AuthCookie, OWIN_PURPOSE};
    use machinekey::formats::auth_ticket::{core, katana};
    use machinekey::formats::oauth_token::{OAuthToken, TokenKind};
    // Katana: the bytes as the plaintext, and GZip-framed so the reader gets past GZip.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let framed = std::io::Write::write_all(&mut gz, rest)
        .ok()
        .and_then(|()| gz.finish().ok());
    let owin = AuthCookie::owin(keys, "Cookies").unwrap();
    for plain in [Some(rest.to_vec()), framed].into_iter().flatten() {
        if let Ok(blob) = keys.protect(&plain, &[OWIN_PURPOSE, "Cookies", "v1"]) {
            if let Ok(t) = owin.unprotect(&to_base64url(&blob)) {
                let again = katana::serialize_uncompressed(&t).unwrap();
                assert_eq!(katana::deserialize_uncompressed(&again).unwrap(), t);
            }
        }
        // The same bytes as a Katana OAuth access token, read as the bearer middleware does.
        let access = OAuthToken::new(keys, TokenKind::Access);
        if let Ok(blob) = keys.protect(&plain, &TokenKind::Access.purposes()) {
            let token = to_base64url(&blob);
            if let Ok(t) = access.unprotect(&token) {
                assert_eq!(access.unprotect(&access.protect(&t).unwrap()).unwrap(), t);
                let _ = access.read(&token, time_now());
            }
        }
    }
    // Core: the bytes under the cookie handler's chain in the fixed ring.
    let ring = ring();
    let chain = machinekey::dataprotection::consumers::cookie_authentication("Cookies");
    if let (Ok(p), Ok(cookie)) = (
        ring.protector(&chain),
        AuthCookie::core(&ring, "Cookies", None),
    ) {
        if let Ok(blob) = p.at(time_now()).protect(rest) {
            if let Ok(t) = cookie.unprotect(&to_base64url(&blob)) {
                assert_eq!(core::deserialize(&core::serialize(&t).unwrap()).unwrap(), t);
            }
        }
    }
}

// ---- unprotect: every unprotect path, in each stack and protection mode.

fn keys() -> &'static [AppKeys] {
    static KEYS: OnceLock<Vec<AppKeys>> = OnceLock::new();
    KEYS.get_or_init(|| {
        [
            ("Framework20SP1", "SHA1", "AES"),
            ("Framework20SP2", "MD5", "3DES"),
            ("Framework20SP1", "AES", "DES"),
            ("Framework45", "HMACSHA256", "AES"),
            ("Framework45", "SHA1", "3DES"),
        ]
        .into_iter()
        .filter_map(|(mode, validation, decryption)| {
            let dk = match decryption {
                "DES" => "0123456789ABCDEF".to_owned(),
                "3DES" => "0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123".to_owned(),
                _ => "8E0D8C6E3B9E2A1F4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3".to_owned(),
            };
            let cfg = MachineKeyConfig::builder()
                .validation_key(&"5A".repeat(64))
                .decryption_key(&dk)
                .attribute(
                    machinekey::config::MachineKeyAttribute::Validation,
                    validation,
                )
                .attribute(
                    machinekey::config::MachineKeyAttribute::Decryption,
                    decryption,
                )
                .attribute(
                    machinekey::config::MachineKeyAttribute::CompatibilityMode,
                    mode,
                )
                .build()
                .ok()?;
            AppKeys::explicit(&cfg).ok()
        })
        .chain(data_protection_keys())
        .collect()
    })
}

pub fn unprotect(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let page = Page::new("/", "default_aspx");
    for keys in keys() {
        let _ = keys.decode_viewstate(&text, &page);
        let _ = keys.decode_event_validation(&text, &page);
        for protection in [
            CookieProtection::All,
            CookieProtection::Validation,
            CookieProtection::Encryption,
            CookieProtection::None,
        ] {
            let _ = keys.decrypt_ticket_without_expiry_check(&text, protection);
            let _ = keys.decode_cookie(&text, CookieKind::Roles, protection);
        }
        for kind in [
            ResourceKind::WebResource,
            ResourceKind::ScriptResource,
            ResourceKind::PreviousPage,
        ] {
            let _ = keys.decrypt_resource_string(&text, kind);
        }
        let _ = keys.unprotect(data, &["purpose"]);
        for protection in [
            MachineKeyProtection::All,
            MachineKeyProtection::Encryption,
            MachineKeyProtection::Validation,
        ] {
            let _ = keys.decode(&text, protection);
        }
        let _ = keys.unprotect_session(data, "/LM/W3SVC/1/ROOT");
        // A Katana OAuth token, as an `Authorization` header and as the token itself.
        let access = machinekey::formats::oauth_token::OAuthToken::new(
            keys,
            machinekey::formats::oauth_token::TokenKind::Access,
        );
        if let Some(token) = machinekey::formats::oauth_token::bearer_token(data) {
            let _ = access.read(token, time_now());
        }
        let _ = access.read(&text, time_now());
    }
    // Data Protection: the bytes as a payload, and behind the ring's real header (so the
    // key is found and the encryptor's checks run).
    let r = ring();
    if let Ok(p) = r.protector(&["a", "b"]) {
        let _ = p.unprotect(data);
        let _ = p.unprotect_text(&text);
        let mut framed = machinekey::dataprotection::MAGIC_HEADER.to_vec();
        framed.extend(
            r.keys()
                .iter()
                .map(|k| k.id().to_bytes_le())
                .next()
                .unwrap_or_default(),
        );
        framed.extend_from_slice(data);
        let _ = p.unprotect(&framed);
    }
}

// ---- audit: the known-key audit on untrusted blobs and URLs.

fn auditor() -> &'static Auditor {
    static AUDITOR: OnceLock<Auditor> = OnceLock::new();
    AUDITOR.get_or_init(|| {
        // A few pairs of the built-in list, of different lengths.
        let builtin = KeyList::builtin();
        let mut text = String::new();
        for pair in builtin.pairs().iter().step_by(400) {
            text.push_str(&format!(
                "{},{}\n",
                pair.validation_key, pair.decryption_key
            ));
        }
        Auditor::new(&KeyList::parse(&text))
    })
}

pub fn audit(data: &[u8]) {
    let [kind, url_len, rest @ ..] = data else {
        return;
    };
    let (url, bytes) = rest.split_at(usize::from(*url_len).min(rest.len()));
    let url = String::from_utf8_lossy(url);
    let blob = match kind % 6 {
        0 => Blob::viewstate(bytes),
        1 => Blob::event_validation(bytes),
        2 => Blob::forms_cookie(bytes),
        3 => Blob::resource(bytes),
        4 => Blob::protected(bytes, &["a", "b"]),
        _ => Blob::viewstate(bytes).with_generator(u32::from(*url_len) * 0x0101_0101),
    };
    let blob = if url.is_empty() {
        blob
    } else {
        blob.with_url(&url).with_user_key("user")
    };
    let _ = auditor().audit(&blob);
}

// ---- sealed: past the MAC. The first byte picks a structure; the rest is the plaintext,
// sealed under fixed keys so that everything behind the MAC sees fuzzer-chosen bytes.

/// Every random byte is `0x5C`: sealing is deterministic, so a crash replays.
#[derive(Debug)]
struct Fixed;

impl RandomSource for Fixed {
    fn fill(&self, dest: &mut [u8]) -> Result<(), machinekey::Error> {
        dest.fill(0x5C);
        Ok(())
    }
}

/// Keys for each layout: legacy with the v1 ticket layout, legacy with the pre-2011 one,
/// and Framework45.
fn sealing_keys() -> &'static [AppKeys] {
    static KEYS: OnceLock<Vec<AppKeys>> = OnceLock::new();
    KEYS.get_or_init(|| {
        [
            ("Framework20SP2", false),
            ("Framework20SP1", true),
            ("Framework45", false),
        ]
        .into_iter()
        .filter_map(|(mode, legacy_tickets)| {
            let mut runtime = RuntimeSettings::default();
            runtime.use_legacy_forms_authentication_ticket_compatibility = legacy_tickets;
            let cfg = MachineKeyConfig::builder()
                .validation_key(&"3C".repeat(64))
                .decryption_key("8E0D8C6E3B9E2A1F4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3")
                .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
                .decryption(machinekey::config::DecryptionAlgorithm::Aes)
                .attribute(
                    machinekey::config::MachineKeyAttribute::CompatibilityMode,
                    mode,
                )
                .runtime(runtime)
                .build()
                .ok()?;
            Some(
                AppKeys::explicit(&cfg)
                    .ok()?
                    .with_random(std::sync::Arc::new(Fixed)),
            )
        })
        .chain(data_protection_keys().map(|k| k.with_random(std::sync::Arc::new(Fixed))))
        .collect()
    })
}

/// A string from fuzzer bytes (lossy UTF-8 of a slice).
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn sealed(data: &[u8]) {
    let [selector, rest @ ..] = data else {
        return;
    };
    let page = Page::new("/a", "b_aspx");
    for keys in sealing_keys() {
        let fx45 = keys.compatibility_mode().is_framework45();
        match selector % 6 {
            // Ticket bytes as the plaintext: every ticket parser behind the MAC.
            0 => {
                let purpose = Purpose::new(primary::FORMS_AUTHENTICATION_TICKET);
                let blob = if let Some(dp) = keys.data_protection() {
                    dp.protect(rest, &purpose)
                } else if fx45 {
                    keys.framework45().unwrap().protect(rest, &purpose)
                } else {
                    let legacy = keys.legacy().unwrap();
                    legacy.encrypt(&legacy.append_mac(rest), None, IvType::Random)
                };
                if let Ok(blob) = blob {
                    let cookie = to_upper_hex(&blob);
                    if cookie.len() <= 4096 {
                        let _ = keys
                            .decrypt_ticket_without_expiry_check(&cookie, CookieProtection::All);
                    }
                }
                let _ = FormsAuthenticationTicket::deserialize(rest);
                let _ = FormsAuthenticationTicket::deserialize_legacy(rest);
                sealed_auth_tickets(keys, rest);
            }
            // ObjectStateFormatter bytes as page state, signed or encrypted.
            1 => {
                for encrypt in [false, true] {
                    if let Ok(field) = keys.encode_viewstate(
                        rest,
                        &page,
                        if encrypt {
                            viewstate::ViewStateProtection::Encrypted
                        } else {
                            viewstate::ViewStateProtection::Signed
                        },
                    ) {
                        let opened = keys.decode_viewstate(&field, &page);
                        assert_eq!(opened.as_deref().ok(), Some(rest), "ViewState round trip");
                        let _ = osf::first_value_type(rest);
                        let _ = osf::is_complete_graph(rest);
                        if let Ok(opened) = &opened {
                            osf_tree(opened);
                        }
                    }
                    if let Ok(field) = keys.encode_event_validation(
                        rest,
                        &page,
                        if encrypt {
                            viewstate::ViewStateProtection::Encrypted
                        } else {
                            viewstate::ViewStateProtection::Signed
                        },
                    ) {
                        assert_eq!(
                            keys.decode_event_validation(&field, &page).as_deref().ok(),
                            Some(rest)
                        );
                    }
                }
            }
            // Resource-string plaintext: the string checks behind the MAC.
            2 => {
                let blob = if fx45 {
                    keys.framework45()
                        .unwrap()
                        .protect_cacheable(rest, &Purpose::new(primary::WEB_RESOURCE_URL))
                } else {
                    keys.legacy().unwrap().encrypt(rest, None, IvType::Hash)
                };
                if let Ok(blob) = blob {
                    let _ = keys.decrypt_resource_string(
                        &url_token_encode(&blob),
                        ResourceKind::WebResource,
                    );
                }
                let s = text(rest);
                if let Ok(token) = keys.encrypt_resource_string(&s, ResourceKind::ScriptResource) {
                    assert_eq!(
                        keys.decrypt_resource_string(&token, ResourceKind::ScriptResource)
                            .ok(),
                        Some(s)
                    );
                }
            }
            // Serialized session items behind the Framework45 MAC.
            3 => {
                if let Ok(fx) = keys.framework45() {
                    let purpose = Purpose::new("machinekey.ProtectedSessionState")
                        .with_specific("/LM/W3SVC/1/ROOT");
                    if let Ok(blob) = fx.protect(rest, &purpose) {
                        let _ = keys.unprotect_session(&blob, "/LM/W3SVC/1/ROOT");
                    }
                }
                if let Ok(items) = SessionData::deserialize(rest, false) {
                    if let Ok(bytes) = items.serialize(false) {
                        assert_eq!(SessionData::deserialize(&bytes, false).ok(), Some(items));
                    }
                }
            }
            // A structured ticket: what is issued reads back, field for field.
            4 => {
                let (a, b) = rest.split_at(rest.len() / 2);
                let ticket = FormsAuthenticationTicket {
                    version: rest.first().copied().unwrap_or(2),
                    name: text(a),
                    issue_date: machinekey::time::macros::datetime!(1997-05-01 0:00 UTC)
                        + time::Duration::nanoseconds(100 * rest.len() as i64),
                    expiration: machinekey::time::macros::datetime!(1997-05-01 0:30 UTC),
                    is_persistent: rest.len() % 2 == 1,
                    user_data: text(b),
                    cookie_path: "/".into(),
                };
                // The pre-2011 layout ends strings at NUL: such names cannot round trip.
                let nul = ticket.name.contains('\0') || ticket.user_data.contains('\0');
                for protection in [
                    CookieProtection::All,
                    CookieProtection::Validation,
                    CookieProtection::Encryption,
                ] {
                    if let Ok(cookie) = keys.encrypt_ticket(&ticket, protection) {
                        let read = keys.decrypt_ticket_without_expiry_check(&cookie, protection);
                        let legacy_layout = keys
                            .config()
                            .runtime()
                            .use_legacy_forms_authentication_ticket_compatibility;
                        if !(nul && legacy_layout) {
                            assert_eq!(read.as_ref().ok(), Some(&ticket), "ticket round trip");
                        }
                    }
                }
            }
            // Cookies and MachineKey.Encode with arbitrary payloads. As in ASP.NET, signed
            // legacy data needs at least one byte to verify (`VerifyHashedData`).
            _ if rest.is_empty() && !fx45 => {}
            _ => {
                for kind in [CookieKind::Roles, CookieKind::AnonymousId] {
                    if let Ok(cookie) = keys.encode_cookie(rest, kind, CookieProtection::All) {
                        assert_eq!(
                            keys.decode_cookie(&cookie, kind, CookieProtection::All)
                                .as_deref()
                                .ok(),
                            Some(rest)
                        );
                    }
                }
                for protection in [MachineKeyProtection::All, MachineKeyProtection::Encryption] {
                    if rest.is_empty() && protection == MachineKeyProtection::All {
                        continue;
                    }
                    if let Ok(text) = keys.encode(rest, protection) {
                        assert_eq!(keys.decode(&text, protection).as_deref().ok(), Some(rest));
                    }
                }
                if let Ok(blob) = keys.protect(rest, &["a"]) {
                    assert_eq!(keys.unprotect(&blob, &["a"]).as_deref().ok(), Some(rest));
                }
            }
        }
    }
}

// ---- events: the event-log readers (XML, text, `-++-` lines), the analysis over what they
// read, Mono ViewStates, compressed ViewStates and the executable finder.

pub fn events(data: &[u8]) {
    use machinekey::events::{self, Analysis, Format, Item, Limits, Opener};
    let opener = Opener::new(KeyList::parse(""));
    let _ = Format::detect(data);
    for format in [Format::Xml, Format::Text, Format::DejaView] {
        let mut analysis = Analysis::new();
        events::read(data, format, "fuzz", &Limits::default(), |item| {
            if let Item::Event(e) = &item {
                let _ = opener.open(e).map(|o| events::batch_line(e, Some(&o)));
            }
            analysis.add(&item);
        })
        .unwrap();
        let _ = analysis.finish().to_string();
    }
    let _ = osf::mono::read(data).map(|s| osf::mono::render(&s.root));
    let _ = osf::mono::is_mono(data);
    let _ = events::pe::find(data);
    let _ = viewstate::compressed_payload(&String::from_utf8_lossy(data));
    // One input in eight also goes through the `.evtx` reader (a whole chunk a time, slow).
    #[cfg(feature = "evtx")]
    if data.first().is_some_and(|b| b % 8 == 0) {
        evtx_records(data);
    }
}

/// The `.evtx` reader: the bytes as a file, and as the records of a real log's first chunk
/// (its file and chunk headers kept; the `evtx` crate does not check the records'
/// checksums by default), so the BinXML reader and the event XML reader behind it see them.
#[cfg(feature = "evtx")]
fn evtx_records(data: &[u8]) {
    use machinekey::events::read_evtx;
    static LOG: &[u8] = include_bytes!("../tests/data/eventlog/nifi-win7-application-logs.evtx");
    let read = |bytes: Vec<u8>| {
        let _ = read_evtx(std::io::Cursor::new(bytes), "fuzz.evtx", |item| {
            let _ = format!("{item:?}");
        });
    };
    read(data.to_vec());
    let (header, records_at, chunk_end) = (4096, 4096 + 512, 4096 + 65536);
    let Some(first_chunk) = LOG.get(..chunk_end) else {
        return;
    };
    let mut log = first_chunk.to_vec();
    let n = data.len().min(chunk_end - records_at);
    log[records_at..records_at + n].copy_from_slice(&data[..n]);
    debug_assert!(header < records_at);
    read(log);
}

// ---- diagnose: replicas' logs and pasted values, as users hold them.

/// A log of untrusted bytes (split in two replicas at the middle) and the same text as a
/// pasted value: read, diagnosed and reported without a panic, facts within the
/// log's lines.
#[cfg(feature = "diagnose")]
pub fn diagnose(data: &[u8]) {
    use machinekey::compat::diagnose::{Diagnoser, read_values};
    let (a, b) = data.split_at(data.len() / 2);
    let mut d = Diagnoser::new();
    d.read_log("a", a).unwrap();
    d.read_log("b", b).unwrap();
    d.value(&String::from_utf8_lossy(data));
    for log in d.logs() {
        assert!(log.facts.iter().all(|f| f.line >= 1 && f.line <= log.lines));
    }
    let diag = d.diagnose();
    assert!(!diag.findings.is_empty());
    let _ = diag.report();
    let _ = format!("{diag:?}");
    let _ = read_values(&String::from_utf8_lossy(data));
}

// ---- published: Data Protection values against published keys, Blazor markers, and past
// the MAC the readers of each consumer's plaintext.

/// An auditor over the built-in published keys plus one key of fixed material, and that
/// key's ring (to seal fuzzer bytes under it).
fn published_auditor() -> &'static (
    machinekey::audit::data_protection::DataProtectionAuditor,
    machinekey::dataprotection::KeyRing,
) {
    use machinekey::audit::data_protection::{DataProtectionAuditor, DataProtectionKeyList};
    use machinekey::dataprotection::{Algorithm, Key, KeyRing};
    static AUDITOR: OnceLock<(DataProtectionAuditor, KeyRing)> = OnceLock::new();
    AUDITOR.get_or_init(|| {
        let now = time::OffsetDateTime::now_utc();
        let key = Key::from_parts(
            "5c5c5c5c-5c5c-4c5c-9c5c-5c5c5c5c5c5c".parse().unwrap(),
            now - time::Duration::days(1),
            now - time::Duration::days(1),
            now + time::Duration::days(89),
            Algorithm::default(),
            &[0x5C; 64],
        )
        .unwrap();
        let mut ring = KeyRing::new();
        ring.add(key).unwrap();
        let mut list = DataProtectionKeyList::builtin();
        list.add_key_ring(&ring, "fuzz ring");
        (
            DataProtectionAuditor::new(list).with_app_names(["/srv/app/"]),
            ring,
        )
    })
}

pub fn published(data: &[u8]) {
    use machinekey::audit::blazor;
    use machinekey::audit::data_protection::{DataProtectionAuditor, DataProtectionKeyList};
    use machinekey::dataprotection::consumers;
    let text = String::from_utf8_lossy(data);
    let (auditor, ring) = published_auditor();
    // Untrusted text: the list reader, the header fast path and escapes, Blazor's markers,
    // and carve on pages of Core values.
    let _ = DataProtectionKeyList::from_json(&text, "fuzz");
    let _ = auditor.audit(&text);
    let _ = DataProtectionAuditor::key_id_of(&text);
    let _ = blazor::markers(&text);
    let _ = blazor::state_markers(&text);
    let _ = carve(&text, "fuzz", None, &CarveOptions::default());
    let _ = blazor::read_descriptor(data, None);
    let _ = blazor::read_state(data);
    let _ = blazor::time_limited(data);
    // Past the MAC: the bytes sealed for the consumer the first byte picks, then audited:
    // the value must open, under that chain, and its plaintext be read (tickets, state
    // properties, Blazor descriptors and state, text).
    let [pick, rest @ ..] = data else {
        return;
    };
    let mut all = consumers::known();
    all.extend(consumers::blazor());
    let Some(c) = all.get(usize::from(*pick) % all.len()) else {
        return;
    };
    let mut chain = vec!["/srv/app/".to_owned()];
    chain.extend(c.purposes.iter().cloned());
    let Ok(protector) = ring.protector(&chain) else {
        return;
    };
    let protector = protector.with_random(std::sync::Arc::new(Fixed));
    if let Ok(payload) = protector.protect(rest) {
        let value = machinekey::crypto::encoding::to_base64url(&payload);
        let verdict = auditor.audit(&value);
        let opened = verdict.opened().expect("sealed under a listed key");
        assert_eq!(opened.purposes, chain);
        assert_eq!(opened.plaintext, rest);
    }
}

// ---- iis: the readers of a server's files (applicationHost.config, the IIS 6 metabase,
// SDDL, registry exports, account maps) and the diagnosis over what they read.

pub fn iis(data: &[u8]) {
    use machinekey::iis::apphost::{ReadOptions, parse_application_host};
    use machinekey::iis::identity::Accounts;
    use machinekey::iis::metabase::parse_metabase;
    use machinekey::iis::registry::AspNetRegistry;
    use machinekey::iis::sddl::{AccessToken, SecurityDescriptor, rights};
    use machinekey::iis::sid::Sid;
    use machinekey::iis::{Server, ServerConfig};

    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let diagnose = |config: ServerConfig| {
        let mut server = Server::new("fuzz", config);
        server
            .map
            .add("C:\\", std::env::temp_dir().join("machinekey-fuzz-none"));
        let d = server.diagnose(None);
        let _ = d.to_text();
        let _ = d.compat_nodes();
    };
    match selector % 5 {
        0 => {
            if let Ok(sd) = SecurityDescriptor::parse(&text) {
                let printed = sd.to_string();
                assert_eq!(
                    SecurityDescriptor::parse(&printed).unwrap(),
                    sd,
                    "SDDL round trip"
                );
                let token =
                    AccessToken::new(Sid::application_pool("fuzz"), vec![Sid::local_system()]);
                let _ = sd.access_check(&token, rights::KEY_READ | rights::KEY_WRITE);
                let _ = sd
                    .inherited_by_child_key()
                    .access_check(&token, rights::KEY_SET_VALUE);
            }
        }
        1 => {
            if let Ok(config) = parse_application_host("a.config", &text, &ReadOptions::default()) {
                diagnose(config);
            }
        }
        2 => {
            if let Ok(config) = parse_metabase("MetaBase.xml", &text) {
                diagnose(config);
            }
        }
        3 => {
            let _ = AspNetRegistry::new().add_text("a.reg", &text);
            let _ = Accounts::from_text("accounts.txt", &text);
        }
        _ => {
            if let Ok(sid) = text.parse::<Sid>() {
                assert_eq!(
                    sid.to_string().parse::<Sid>().unwrap(),
                    sid,
                    "SID round trip"
                );
            }
        }
    }
}

// ---- aspnetcore: the readers of ASP.NET Core consumer values.

/// Antiforgery and Identity tokens, TempData, `state` properties, time-limited headers,
/// payload text, nonce cookies, `Set-Cookie` lines, `<encryptedSecret>` elements and PFX
/// files: never a panic, and what is read writes back to a value read the same.
pub fn aspnetcore(data: &[u8]) {
    use machinekey::dataprotection::consumers::{ConsumerKind, nonce_in_cookie};
    use machinekey::formats::aspnetcore::{AntiforgeryToken, CoreValue, IdentityToken};
    use machinekey::formats::auth_ticket::core;
    let text = String::from_utf8_lossy(data);
    if let Ok(t) = AntiforgeryToken::parse(data) {
        assert_eq!(AntiforgeryToken::parse(&t.to_bytes()).unwrap(), t);
    }
    if let Ok(t) = IdentityToken::parse(data) {
        assert_eq!(IdentityToken::parse(&t.to_bytes().unwrap()).unwrap(), t);
    }
    #[cfg(feature = "temp-data")]
    {
        use machinekey::formats::aspnetcore::TempData;
        if let Ok(t) = TempData::parse(data) {
            assert_eq!(TempData::parse(t.to_json().as_bytes()).unwrap(), t);
        }
    }
    if let Ok(p) = core::deserialize_properties(data) {
        let again = core::serialize_properties(&p).unwrap();
        assert_eq!(core::deserialize_properties(&again).unwrap(), p);
    }
    let _ = machinekey::dataprotection::split_expiry(data);
    for kind in [
        ConsumerKind::Ticket,
        ConsumerKind::Antiforgery,
        ConsumerKind::Session,
        ConsumerKind::TempData,
        ConsumerKind::IdentityToken,
        ConsumerKind::State,
        ConsumerKind::Nonce,
        ConsumerKind::TimeLimited,
    ] {
        let _ = CoreValue::decode(kind, data);
    }
    if let Ok(p) = machinekey::dataprotection::decode_payload_text(&text) {
        let _ = ring().protector(&["fuzz"]).map(|pr| pr.unprotect(&p.bytes));
    }
    let _ = nonce_in_cookie(&text);
    let _ = machinekey::formats::auth_cookie::set_cookie_pair(&text);
    let jar: Vec<(&str, &str)> = machinekey::formats::auth_cookie::cookie_pairs(&text).collect();
    let _ = machinekey::formats::auth_cookie::Chunking::Core.join(&jar, "a");
    #[cfg(feature = "certificate")]
    {
        let _ = machinekey::dataprotection::Certificate::from_pfx(data, "password");
    }
}

// ---- warc: the WARC reader and the HTTP messages inside its records.

fn gzipped(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, bytes).unwrap();
    gz.finish().unwrap()
}

/// A WARC record of `kind` for `uri` holding `block`, with a true `Content-Length`.
fn warc_record(kind: &str, uri: &str, block: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nContent-Length: {}\r\n\r\n",
        block.len()
    )
    .into_bytes();
    r.extend_from_slice(block);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

/// The sentinel record every structured input ends with: a page with a ViewState.
fn warc_sentinel() -> Vec<u8> {
    warc_record(
        "response",
        "https://sentinel/",
        b"HTTP/1.1 200 OK\r\n\r\n<input name=\"__VIEWSTATE\" value=\"/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==\" />",
    )
}

/// Reads `input` as a WARC stream (plain and as one GZip member) under small limits and
/// the defaults; returns whether the sentinel's value was carved under the default limits.
fn read_warc(input: &[u8]) -> bool {
    use machinekey::audit::warc::{WarcItem, WarcLimits, carve_warc};
    let mut small = WarcLimits::default();
    small.max_line = 200;
    small.max_header = 1_000;
    small.max_record = 3_000;
    let mut sentinel = false;
    for (bytes, limits) in [
        (input.to_vec(), WarcLimits::default()),
        (input.to_vec(), small),
        (gzipped(input), small),
    ] {
        let mut found = false;
        carve_warc(
            bytes.as_slice(),
            "fuzz.warc",
            &CarveOptions::default(),
            &limits,
            |item| match item {
                WarcItem::Item(i) => {
                    found |= i.url.as_deref() == Some("https://sentinel/") && i.viewstate.is_some();
                }
                WarcItem::Error(e) => {
                    // Offsets are in the decompressed stream: the input itself.
                    assert!(e.offset <= input.len() as u64);
                    let _ = e.to_string();
                }
                _ => {}
            },
        )
        .unwrap();
        if limits == WarcLimits::default() {
            sentinel = found;
        }
    }
    sentinel
}

/// Raw bytes as a WARC stream; and, structure-aware, the bytes as a record's HTTP message
/// (a response or a request, as they are, chunked, or GZip/deflate content-encoded) in a
/// well-formed record: the sentinel record after it must always be carved.
pub fn warc(data: &[u8]) {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let (block, kind): (Vec<u8>, &str) = match selector % 6 {
        0 => {
            read_warc(data);
            return;
        }
        1 => (rest.to_vec(), "response"),
        2 => (rest.to_vec(), "request"),
        3 => {
            let mut m =
                b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nSet-Cookie: a=b\r\n\r\n".to_vec();
            m.extend_from_slice(&gzipped(rest));
            (m, "response")
        }
        4 => {
            let mut m = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            m.extend_from_slice(rest);
            (m, "response")
        }
        _ => {
            let mut m = b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n".to_vec();
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut z, rest).unwrap();
            m.extend_from_slice(&z.finish().unwrap());
            (m, "response")
        }
    };
    let mut input = warc_record(kind, "https://fuzz/a.aspx", &block);
    input.extend_from_slice(&warc_sentinel());
    assert!(
        read_warc(&input),
        "the record after a well-formed one was not carved"
    );
}
