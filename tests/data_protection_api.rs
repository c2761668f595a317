//! Data Protection through the crate's API: round trips for every algorithm, purpose and
//! discriminator mismatches, unknown and revoked keys, key rings from directories and
//! `.reg` exports, keys encrypted at rest, the SystemWeb mapping through `AppKeys`
//! (`<machineKey dataProtectorType>`), and the repository-selection model.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::{Arc, Mutex};

use machinekey::config::MachineKeyConfig;
use machinekey::crypto::encoding::{from_base64, from_hex, to_base64};
use machinekey::crypto::framework45::Framework45Protector;
use machinekey::dataprotection::repository::{
    HostEnvironment, HostOs, Repository, ephemeral_reason, select_repository,
};
use machinekey::dataprotection::systemweb::COMPATIBILITY_DATA_PROTECTOR;
use machinekey::dataprotection::{
    Algorithm, AuthenticatedEncryptor, BlockCipher, Key, KeyRing, MacAlgorithm,
};
use machinekey::formats::resource::ResourceKind;
use machinekey::keys::{AppIdentity, AutoGenKeys};
use machinekey::random::{OsRandom, RandomSource};
use machinekey::{AppKeys, CookieProtection, Error, FormsAuthenticationTicket, Page, Purpose};
use serde_json::Value;
use time::OffsetDateTime;

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[test]
fn round_trips_for_every_algorithm() {
    let mut algorithms = Vec::new();
    for key_len in [16, 24, 32] {
        for mac in [MacAlgorithm::HmacSha256, MacAlgorithm::HmacSha512] {
            algorithms.push(Algorithm::Cbc {
                cipher: BlockCipher::Aes,
                key_len,
                mac,
            });
        }
        algorithms.push(Algorithm::Gcm { key_len });
    }
    for alg in algorithms {
        let key = Key::generate(now(), alg, &OsRandom).unwrap();
        let mut ring = KeyRing::new();
        ring.add(key).unwrap();
        let p = ring.protector(&["MyApp", "Orders"]).unwrap();
        for len in [0usize, 1, 15, 16, 17, 1000] {
            let data = vec![0x5A; len];
            let payload = p.protect(&data).unwrap();
            assert_eq!(p.unprotect(&payload).unwrap(), data, "{alg} {len}");
            // Wrong purpose, missing discriminator, extra purpose: all the one opaque error.
            for other in [
                &["MyApp", "Other"][..],
                &["Orders"],
                &["MyApp", "Orders", "x"],
            ] {
                let q = ring.protector(other).unwrap();
                assert!(
                    matches!(q.unprotect(&payload), Err(Error::Unprotect)),
                    "{alg} {other:?}"
                );
            }
        }
        // Reading the ring back from its key file gives the same key.
        let (name, xml) = ring.to_key_files().remove(0);
        let again = KeyRing::from_xml(&xml, &name).unwrap();
        let payload = p.protect(b"x").unwrap();
        assert_eq!(
            again
                .protector(&["MyApp", "Orders"])
                .unwrap()
                .unprotect(&payload)
                .unwrap(),
            b"x",
            "{alg}"
        );
    }
}

#[test]
fn unknown_and_revoked_keys() {
    let mut a = KeyRing::new();
    a.generate_key(now(), &OsRandom).unwrap();
    let mut b = KeyRing::new();
    let b_id = b.generate_key(now(), &OsRandom).unwrap();
    let payload = b.protector(&["app"]).unwrap().protect(b"data").unwrap();
    let err = a
        .protector(&["app"])
        .unwrap()
        .unprotect(&payload)
        .unwrap_err();
    assert!(matches!(err, Error::KeyNotFound(found) if found == b_id));
    assert!(err.to_string().contains(&b_id.braced()), "{err}");

    b.revoke(b_id, now());
    let p = b.protector(&["app"]).unwrap();
    assert!(matches!(p.unprotect(&payload), Err(Error::KeyRevoked(found)) if found == b_id));
    let u = p
        .unprotect_detailed(&payload, machinekey::dataprotection::RevokedKeys::Allow)
        .unwrap();
    assert_eq!(u.plaintext, b"data");
    assert!(u.was_revoked && u.requires_migration);
    // No default key any more: protect refuses rather than inventing one.
    assert!(matches!(p.protect(b"x"), Err(Error::NoDefaultKey)));
    // Text form: CfDJ8, Base64url; standard Base64 is read too; garbage is Malformed.
    let mut c = KeyRing::new();
    c.generate_key(now(), &OsRandom).unwrap();
    let p = c.protector(&["app"]).unwrap();
    let text = p.protect_text("hello").unwrap();
    assert!(text.starts_with("CfDJ8") && !text.contains(['+', '/', '=']));
    assert_eq!(p.unprotect_text(&text).unwrap(), "hello");
    let standard = to_base64(&machinekey::crypto::encoding::from_base64url(&text).unwrap());
    assert_eq!(p.unprotect_text(&standard).unwrap(), "hello");
    assert!(matches!(
        p.unprotect_text("CfDJ8*"),
        Err(Error::Malformed(_))
    ));
    assert!(matches!(p.unprotect(b"short"), Err(Error::Unprotect)));
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("machinekey-dp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn key_ring_directories_and_registry_exports() {
    let dir = temp_dir("dir");
    let mut ring = KeyRing::new();
    let t0 = now() - time::Duration::days(100);
    let old = ring.generate_key(t0, &OsRandom).unwrap();
    let new = ring
        .generate_key(now() - time::Duration::days(10), &OsRandom)
        .unwrap();
    for (name, xml) in ring.to_key_files() {
        std::fs::write(dir.join(name), xml).unwrap();
    }
    std::fs::write(dir.join("notes.txt"), "not a key").unwrap();
    std::fs::write(dir.join("junk.xml"), "<foo/>").unwrap();
    let loaded = KeyRing::load(&dir).unwrap();
    assert_eq!(loaded.keys().len(), 2);
    assert_eq!(loaded.default_key(now()).map(Key::id), Some(new));
    assert!(loaded.skipped().iter().any(|s| s.reason.contains("<foo>")));
    // A mass revocation file revokes both (created before it).
    let (name, xml) = machinekey::dataprotection::mass_revocation_xml(now(), "rotated");
    std::fs::write(dir.join(format!("{name}.xml")), xml).unwrap();
    let loaded = KeyRing::load(&dir).unwrap();
    assert!(loaded.key(old).unwrap().is_revoked() && loaded.key(new).unwrap().is_revoked());
    assert_eq!(loaded.default_key(now()).map(Key::id), None);
    // A key file over the limit is refused with the limit named.
    std::fs::write(dir.join("huge.xml"), vec![b' '; (1 << 20) + 1]).unwrap();
    let err = KeyRing::load(&dir).unwrap_err().to_string();
    assert!(err.contains("1 MiB") && err.contains("huge.xml"), "{err}");
    // Two files with one key id: fatal, as in ASP.NET.
    std::fs::remove_file(dir.join("huge.xml")).unwrap();
    let (_, xml) = ring.to_key_files().remove(0);
    std::fs::write(dir.join("copy.xml"), xml).unwrap();
    assert!(
        KeyRing::load(&dir)
            .unwrap_err()
            .to_string()
            .contains("already exists")
    );
    std::fs::remove_dir_all(&dir).unwrap();

    // A registry export (regedit writes UTF-16LE with a BOM), one REG_SZ per element.
    let mut reg = String::from(
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ASP.NET\\4.0.30319.0\\AutoGenKeys\\S-1-5-82-1\\DataProtection]\r\n",
    );
    for (name, xml) in ring.to_key_files() {
        let one_line = xml
            .replace('\n', "")
            .replace('\\', "\\\\")
            .replace('"', "\\\"");
        reg.push_str(&format!(
            "\"{}\"=\"{one_line}\"\r\n",
            name.trim_end_matches(".xml")
        ));
    }
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(reg.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let file = std::env::temp_dir().join(format!("machinekey-dp-{}.reg", std::process::id()));
    std::fs::write(&file, utf16).unwrap();
    let loaded = KeyRing::load(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    assert_eq!(loaded.keys().len(), 2);
    let payload = ring.protector(&["app"]).unwrap().protect(b"x").unwrap();
    assert_eq!(
        loaded
            .protector(&["app"])
            .unwrap()
            .unprotect(&payload)
            .unwrap(),
        b"x"
    );
}

#[test]
fn keys_encrypted_at_rest_are_reported() {
    let id = "11111111-2222-3333-4444-555555555555";
    let wrap = |secret: &str| {
        format!(
            r#"<key id="{id}" version="1"><creationDate>2024-01-01T00:00:00Z</creationDate><activationDate>2024-01-01T00:00:00Z</activationDate><expirationDate>2099-01-01T00:00:00Z</expirationDate><descriptor deserializerType="Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel.AuthenticatedEncryptorDescriptorDeserializer, Microsoft.AspNetCore.DataProtection, Version=8.0.0.0"><descriptor><encryption algorithm="AES_256_CBC" /><validation algorithm="HMACSHA256" />{secret}</descriptor></descriptor></key>"#
        )
    };
    let cases = [
        (
            r#"<encryptedSecret decryptorType="Microsoft.AspNetCore.DataProtection.XmlEncryption.DpapiXmlDecryptor, Microsoft.AspNetCore.DataProtection" xmlns="http://schemas.asp.net/2015/03/dataProtection"><encryptedKey><!-- This key is encrypted with Windows DPAPI. --><value>AQAAANCMnd8BFdERjHoAwE</value></encryptedKey></encryptedSecret>"#,
            "Windows DPAPI",
        ),
        (
            r#"<encryptedSecret decryptorType="Microsoft.AspNetCore.DataProtection.XmlEncryption.DpapiNGXmlDecryptor, Microsoft.AspNetCore.DataProtection" xmlns="http://schemas.asp.net/2015/03/dataProtection"><encryptedKey><!-- This key is encrypted with Windows DPAPI-NG. --><!-- Rule: SID=S-1-5-21-1-2-3-1105 --><value>MIIB</value></encryptedKey></encryptedSecret>"#,
            "SID=S-1-5-21-1-2-3-1105",
        ),
        (
            r#"<encryptedSecret decryptorType="Microsoft.AspNetCore.DataProtection.XmlEncryption.EncryptedXmlDecryptor, Microsoft.AspNetCore.DataProtection" xmlns="http://schemas.asp.net/2015/03/dataProtection"><EncryptedData xmlns="http://www.w3.org/2001/04/xmlenc#"><KeyInfo><X509Data xmlns="http://www.w3.org/2000/09/xmldsig#"><X509SubjectName>CN=dp-keys</X509SubjectName></X509Data></KeyInfo></EncryptedData></encryptedSecret>"#,
            "CN=dp-keys",
        ),
    ];
    for (secret, shown) in cases {
        let ring = KeyRing::from_xml(&wrap(secret), "k.xml").unwrap();
        let key = &ring.keys()[0];
        assert_eq!(key.algorithm(), Some(Algorithm::default()));
        assert!(!key.is_usable());
        let err = key.encryptor().unwrap_err().to_string();
        assert!(err.contains(shown) && err.contains(id), "{err}");
        // Such a key is never the default; payloads under it name it.
        assert!(ring.default_key(now()).is_none());
        let mut payload = vec![0x09, 0xF0, 0xC9, 0xF0];
        payload.extend(key.id().to_bytes_le());
        payload.extend([0; 64]);
        assert!(matches!(
            ring.protector(&["a"]).unwrap().unprotect(&payload),
            Err(Error::KeyUnavailable { .. })
        ));
    }
    // A key whose metadata cannot be read is skipped, not fatal.
    let bad = wrap("").replace("<creationDate>2024-01-01T00:00:00Z</creationDate>", "");
    let ring = KeyRing::from_xml(&bad, "k.xml").unwrap();
    assert!(ring.keys().is_empty());
    assert!(ring.skipped()[0].reason.contains("creationDate"));
}

/// Pinned random bytes, consumed in order.
#[derive(Debug)]
struct Fixed(Mutex<Vec<u8>>);

impl RandomSource for Fixed {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        let mut bytes = self.0.lock().unwrap();
        let rest = bytes.split_off(dest.len());
        dest.copy_from_slice(&bytes);
        *bytes = rest;
        Ok(())
    }
}

fn sequential_km_iv() -> Arc<dyn RandomSource> {
    Arc::new(Fixed(Mutex::new((0u8..32).collect())))
}

fn sample_ring() -> KeyRing {
    let doc: Value = serde_json::from_str(include_str!("data/data_protection.json")).unwrap();
    let v = doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "keyxml-docs-cookie-sharing-sample")
        .unwrap();
    KeyRing::from_xml(v["inputs"]["xml"].as_str().unwrap(), "sample").unwrap()
}

fn e2e(id: &str) -> Value {
    let doc: Value = serde_json::from_str(include_str!("data/data_protection.json")).unwrap();
    doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap()
        .clone()
}

fn systemweb_config() -> MachineKeyConfig {
    MachineKeyConfig::builder()
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
        .data_protector_type(COMPATIBILITY_DATA_PROTECTOR)
        .build()
        .unwrap()
}

#[test]
fn systemweb_mapping_through_app_keys() {
    let cfg = systemweb_config();
    let app = AppIdentity::new("/MyApp", "/LM/W3SVC/1/ROOT/MyApp").unwrap();
    let autogen = AutoGenKeys::generate(&OsRandom).unwrap();
    let ring = sample_ring();
    let key_time = ring.keys()[0].activation() + time::Duration::days(1);
    let d = "/LM/W3SVC/1/ROOT/MyApp";

    // Without a key ring the routed consumers say what is missing.
    let bare = AppKeys::resolve(&cfg, &app, Some(&autogen)).unwrap();
    let err = bare.protect(b"x", &["p"]).unwrap_err().to_string();
    assert!(
        err.contains("dataProtectorType") && err.contains("with_key_ring"),
        "{err}"
    );

    // The computed-here vectors (regression data, not ASP.NET output), reproduced through
    // AppKeys with the same pinned key modifier and IV.
    let keys = |rng: Arc<dyn RandomSource>| {
        let dp_ring = {
            // Pin the time so the 2017 sample key is the default key.
            let mut r = KeyRing::new();
            let k = &ring.keys()[0];
            let master = k.encryptor().unwrap().expose_master_key().to_vec();
            r.add(
                Key::from_parts(
                    k.id(),
                    k.creation(),
                    k.activation(),
                    key_time + time::Duration::days(3650),
                    Algorithm::default(),
                    &master,
                )
                .unwrap(),
            )
            .unwrap();
            r
        };
        AppKeys::resolve(&cfg, &app, Some(&autogen))
            .unwrap()
            .with_random(rng)
            .with_key_ring(dp_ring, &app)
    };
    let v = e2e("e2e-systemweb-viewstate-compat");
    let page = Page::new("/", "default_aspx");
    let plaintext = from_hex(v["inputs"]["plaintext_hex"].as_str().unwrap()).unwrap();
    let field = keys(sequential_km_iv())
        .encode_viewstate(
            &plaintext,
            &page,
            machinekey::formats::viewstate::ViewStateProtection::Encrypted,
        )
        .unwrap();
    assert_eq!(
        field,
        v["expected"]["viewstate_field"].as_str().unwrap(),
        "computed-here vector"
    );
    let v = e2e("e2e-systemweb-machinekey-protect-compat");
    let blob = keys(sequential_km_iv())
        .protect(b"secret", &["MyPurpose"])
        .unwrap();
    assert_eq!(
        hex::encode(&blob),
        v["expected"]["payload_hex"].as_str().unwrap(),
        "computed-here vector"
    );

    // Values made through AppKeys open with the plain Data Protection API and the chains
    // [discriminator, primary, specific...]; bit flips fail.
    let keys = keys(Arc::new(OsRandom));
    let fresh_ring = keys.data_protection().unwrap().key_ring().clone();
    let state = keys
        .encode_viewstate(
            b"\xff\x01state",
            &page,
            machinekey::formats::viewstate::ViewStateProtection::Encrypted,
        )
        .unwrap();
    assert!(state.starts_with("CfDJ8"));
    let vs_chain = [
        d,
        "WebForms.HiddenFieldPageStatePersister.ClientState",
        "TemplateSourceDirectory: /",
        "Type: DEFAULT_ASPX",
    ];
    let p = fresh_ring.protector(&vs_chain).unwrap();
    assert_eq!(
        p.unprotect(&from_base64(&state).unwrap()).unwrap(),
        b"\xff\x01state"
    );
    assert_eq!(
        keys.decode_viewstate(&state, &page).unwrap(),
        b"\xff\x01state"
    );
    assert!(
        keys.decode_viewstate(&state, &Page::new("/", "other_aspx"))
            .is_err()
    );

    let ticket = FormsAuthenticationTicket::new(
        "alice",
        OffsetDateTime::now_utc(),
        time::Duration::minutes(10),
    );
    let cookie = keys.encrypt_ticket(&ticket, CookieProtection::All).unwrap();
    assert!(cookie.starts_with("09F0C9F0"), "{cookie}");
    let p = fresh_ring
        .protector(&[d, "FormsAuthentication.Ticket"])
        .unwrap();
    assert!(p.unprotect(&from_hex(&cookie).unwrap()).is_ok());
    let back = keys
        .decrypt_ticket_without_expiry_check(&cookie, CookieProtection::All)
        .unwrap();
    assert_eq!(back.name, "alice");

    let blob = keys.protect(b"secret", &["MyPurpose"]).unwrap();
    let p = fresh_ring
        .protector(&[d, "User.MachineKey.Protect", "MyPurpose"])
        .unwrap();
    assert_eq!(p.unprotect(&blob).unwrap(), b"secret");
    let mut tampered = blob.clone();
    *tampered.last_mut().unwrap() ^= 1;
    assert!(matches!(
        keys.unprotect(&tampered, &["MyPurpose"]),
        Err(Error::Unprotect)
    ));

    // Resource tokens stay on the <machineKey> keys (cacheable output is never routed).
    let token = keys
        .encrypt_resource_string("s|WebForms.js", ResourceKind::WebResource)
        .unwrap();
    assert!(!token.starts_with("CfDJ8"));
    assert_eq!(
        keys.decrypt_resource_string(&token, ResourceKind::WebResource)
            .unwrap(),
        "s|WebForms.js"
    );
    let blob = machinekey::crypto::encoding::url_token_decode(&token).unwrap();
    let fx45: &Framework45Protector = keys.framework45().unwrap();
    assert_eq!(
        fx45.unprotect(
            &blob,
            &Purpose::new("AssemblyResourceLoader.WebResourceUrl")
        )
        .unwrap(),
        b"s|WebForms.js"
    );

    // applicationName replaces the app id as discriminator; another app id breaks it.
    let named = MachineKeyConfig::builder()
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
        .data_protector_type(COMPATIBILITY_DATA_PROTECTOR)
        .application_name("Shop")
        .build()
        .unwrap();
    let other_site = AppIdentity::new("/MyApp", "/LM/W3SVC/2/ROOT/MyApp").unwrap();
    let a = AppKeys::resolve(&named, &app, Some(&autogen))
        .unwrap()
        .with_key_ring(fresh_ring.clone(), &app);
    let b = AppKeys::resolve(&named, &other_site, Some(&autogen))
        .unwrap()
        .with_key_ring(fresh_ring.clone(), &other_site);
    let c = AppKeys::resolve(&cfg, &other_site, Some(&autogen))
        .unwrap()
        .with_key_ring(fresh_ring.clone(), &other_site);
    let blob = a.protect(b"x", &["p"]).unwrap();
    assert_eq!(b.unprotect(&blob, &["p"]).unwrap(), b"x");
    let blob = keys.protect(b"x", &["p"]).unwrap();
    assert!(
        matches!(c.unprotect(&blob, &["p"]), Err(Error::Unprotect)),
        "site 1 vs site 2 app id"
    );
}

#[test]
fn repository_selection() {
    let linux_container = HostEnvironment {
        os: HostOs::Linux,
        user_profile: Some("/root".into()),
        in_container: true,
        ..Default::default()
    };
    let c = select_repository(&linux_container);
    assert!(c.container_local);
    assert!(
        c.log
            .iter()
            .any(|l| l.source == "FileSystemXmlRepository[60]")
    );
    let mounted = HostEnvironment {
        mounts: vec!["/root/.aspnet".into()],
        ..linux_container.clone()
    };
    assert!(!select_repository(&mounted).container_local);

    let iis = HostEnvironment {
        identity_sid: Some("S-1-5-21-1-2-3-1105".into()),
        ..Default::default()
    };
    let c = select_repository(&iis);
    assert_eq!(c.repository, Repository::Ephemeral);
    assert!(c.log.iter().any(|l| l.source == "XmlKeyManager[59]"));
    assert!(
        ephemeral_reason(&iis)
            .unwrap()
            .contains(r"AutoGenKeys\S-1-5-21-1-2-3-1105")
    );
    let provisioned = HostEnvironment {
        autogenkeys_key_exists: true,
        ..iis.clone()
    };
    assert_eq!(
        select_repository(&provisioned).repository,
        Repository::Registry {
            path: r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\ASP.NET\4.0.30319.0\AutoGenKeys\S-1-5-21-1-2-3-1105\DataProtection".into()
        }
    );
    assert!(ephemeral_reason(&provisioned).is_none());
    let profile = HostEnvironment {
        user_profile: Some(r"C:\Users\pool\AppData\Local".into()),
        ..provisioned.clone()
    };
    assert!(matches!(
        select_repository(&profile).repository,
        Repository::UserProfile { dpapi: true, .. }
    ));
    let azure = HostEnvironment {
        azure_app_service_home: Some(r"C:\home".into()),
        ..profile.clone()
    };
    assert!(matches!(
        select_repository(&azure).repository,
        Repository::AzureAppService { .. }
    ));
    let configured = HostEnvironment {
        configured_repository: Some(r"\\share\keys".into()),
        ..azure
    };
    assert!(matches!(
        select_repository(&configured).repository,
        Repository::Configured { .. }
    ));
}

#[test]
fn resolver_2x_prefers_the_latest_activation_even_unpropagated() {
    use machinekey::dataprotection::{KeyMetadata, ResolverVersion, resolve_default_key};
    use time::macros::datetime;
    // PropagatedKeyPreferred (current rules): key 0 created 2 days before, key 1 just now
    // and activating later. Current rules keep the propagated key; 2.x takes the newest.
    let keys = [
        KeyMetadata {
            id: "00000001-0000-0000-0000-000000000000".parse().unwrap(),
            creation: datetime!(2009-12-30 0:00 UTC),
            activation: datetime!(2010-01-01 0:01 UTC),
            expiration: datetime!(2010-03-30 0:00 UTC),
            revoked: false,
            usable: true,
        },
        KeyMetadata {
            id: "00000002-0000-0000-0000-000000000000".parse().unwrap(),
            creation: datetime!(2010-01-01 0:00 UTC),
            activation: datetime!(2010-01-01 0:02 UTC),
            expiration: datetime!(2010-04-01 0:00 UTC),
            revoked: false,
            usable: true,
        },
    ];
    let now = datetime!(2010-01-01 0:00 UTC);
    let current = resolve_default_key(&keys, now, ResolverVersion::Current);
    let v2 = resolve_default_key(&keys, now, ResolverVersion::V2);
    assert_eq!(current.default_key, Some(keys[0].id));
    assert_eq!(v2.default_key, Some(keys[1].id));
    // 2.x asks for a new key when nothing succeeds the default before it expires.
    let late = datetime!(2010-03-29 0:00 UTC);
    assert!(resolve_default_key(&keys[..1], late, ResolverVersion::V2).should_generate_new_key);
    assert!(!resolve_default_key(&keys, late, ResolverVersion::V2).should_generate_new_key);
    // A ring can be read with the 2.x rules.
    let mut ring = KeyRing::new().with_resolver(ResolverVersion::V2);
    let id = ring.generate_key(now, &OsRandom).unwrap();
    assert_eq!(ring.resolve(now).default_key, Some(id));
}

#[test]
fn algorithm_names_and_unsupported_sizes() {
    let cbc = |cipher, key_len, mac| Algorithm::Cbc {
        cipher,
        key_len,
        mac,
    };
    assert_eq!(Algorithm::default().to_string(), "AES-256-CBC + HMACSHA256");
    assert_eq!(
        cbc(BlockCipher::Aes, 16, MacAlgorithm::HmacSha512).to_string(),
        "AES-128-CBC + HMACSHA512"
    );
    assert_eq!(
        cbc(BlockCipher::TripleDes, 24, MacAlgorithm::HmacSha1).to_string(),
        "3DES-192-CBC + HMACSHA1"
    );
    assert_eq!(Algorithm::Gcm { key_len: 24 }.to_string(), "AES-192-GCM");
    for name in ["AES_128_CBC", "AES_192_CBC", "AES_256_CBC"] {
        for v in ["HMACSHA256", "HMACSHA512"] {
            let a = Algorithm::from_names(name, Some(v)).unwrap();
            assert!(a.to_string().contains(v));
        }
        assert!(Algorithm::from_names(name, None).is_err());
        assert!(Algorithm::from_names(name, Some("HMACSHA1")).is_err());
    }
    for (name, len) in [
        ("AES_128_GCM", 16),
        ("AES_192_GCM", 24),
        ("AES_256_GCM", 32),
        ("3", 16),
        ("5", 32),
    ] {
        assert_eq!(
            Algorithm::from_names(name, None).unwrap(),
            Algorithm::Gcm { key_len: len }
        );
    }
    assert_eq!(
        Algorithm::from_names("0", Some("1")).unwrap(),
        cbc(BlockCipher::Aes, 16, MacAlgorithm::HmacSha512)
    );
    assert!(Algorithm::from_names("aes_256_cbc", Some("HMACSHA256")).is_err());
    // Key lengths the ciphers do not take are refused before any key is used.
    for bad in [
        Algorithm::Gcm { key_len: 20 },
        cbc(BlockCipher::Aes, 8, MacAlgorithm::HmacSha256),
        cbc(BlockCipher::TripleDes, 16, MacAlgorithm::HmacSha1),
    ] {
        assert!(bad.context_header().is_err(), "{bad:?}");
        assert!(AuthenticatedEncryptor::new(b"k", bad).is_err(), "{bad:?}");
    }
    assert_eq!(MacAlgorithm::HmacSha384.digest_len(), 48);
    assert_eq!(MacAlgorithm::HmacSha1.as_str(), "HMACSHA1");
}

#[test]
fn every_truncation_is_refused_without_panicking() {
    for alg in [
        Algorithm::default(),
        Algorithm::Cbc {
            cipher: BlockCipher::Aes,
            key_len: 16,
            mac: MacAlgorithm::HmacSha512,
        },
        Algorithm::Cbc {
            cipher: BlockCipher::TripleDes,
            key_len: 24,
            mac: MacAlgorithm::HmacSha1,
        },
        Algorithm::Gcm { key_len: 16 },
    ] {
        let enc = AuthenticatedEncryptor::new(b"master key", alg).unwrap();
        assert_eq!(enc.algorithm(), alg);
        for len in [0usize, 1, 10, 100] {
            let body = enc.encrypt(&vec![7; len], b"aad", &OsRandom).unwrap();
            assert_eq!(enc.decrypt(&body, b"aad").unwrap(), vec![7; len]);
            for cut in 0..body.len() {
                assert!(
                    matches!(enc.decrypt(&body[..cut], b"aad"), Err(Error::Unprotect)),
                    "{alg} {len} {cut}"
                );
            }
        }
    }
}

const KEY_HEAD: &str = r#"<key id="22222222-3333-4444-5555-666666666666" version="1"><creationDate>2024-01-01T00:00:00Z</creationDate><activationDate>2024-01-01T00:00:00Z</activationDate><expirationDate>2024-04-01T00:00:00Z</expirationDate>"#;
const MASTER: &str =
    "75X7cyp+pT3KinhR4ix2/VrDS/TjVeYUcVW6zveMhgCzKisARAmvTUZpl7hhBiFSH2wQTdmUSxOrxlVjY1i/pg==";

fn key_with(deserializer: &str, inner: &str) -> Key {
    Key::from_xml(
        &format!(
            r#"{KEY_HEAD}<descriptor deserializerType="Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel.{deserializer}, Microsoft.AspNetCore.DataProtection"><descriptor>{inner}</descriptor></descriptor></key>"#
        ),
        "key-2222.xml",
    )
    .unwrap()
}

#[test]
fn descriptor_kinds_dates_and_origins() {
    use machinekey::dataprotection::AtRestProtection;
    let master = format!("<masterKey><value>{MASTER}</value></masterKey>");
    let managed = key_with(
        "ManagedAuthenticatedEncryptorDescriptorDeserializer",
        &format!(
            r#"<encryption algorithm="Aes" keyLength="128" /><validation algorithm="HMACSHA384" />{master}"#
        ),
    );
    assert_eq!(
        managed.algorithm(),
        Some(Algorithm::Cbc {
            cipher: BlockCipher::Aes,
            key_len: 16,
            mac: MacAlgorithm::HmacSha384
        })
    );
    assert_eq!(
        managed.deserializer(),
        "ManagedAuthenticatedEncryptorDescriptorDeserializer"
    );
    let cng_cbc = key_with(
        "CngCbcAuthenticatedEncryptorDescriptorDeserializer",
        &format!(
            r#"<encryption algorithm="AES" keyLength="192" /><hash algorithm="SHA512" />{master}"#
        ),
    );
    assert_eq!(
        cng_cbc.algorithm(),
        Some(Algorithm::Cbc {
            cipher: BlockCipher::Aes,
            key_len: 24,
            mac: MacAlgorithm::HmacSha512
        })
    );
    let cng_gcm = key_with(
        "CngGcmAuthenticatedEncryptorDescriptorDeserializer",
        &format!(r#"<encryption algorithm="AES" keyLength="256" />{master}"#),
    );
    assert_eq!(cng_gcm.algorithm(), Some(Algorithm::Gcm { key_len: 32 }));
    let unknown = key_with("SomethingElse", &master);
    assert!(!unknown.is_usable() && unknown.algorithm().is_none());
    assert!(
        unknown
            .encryptor()
            .unwrap_err()
            .to_string()
            .contains("SomethingElse")
    );

    // NullXmlDecryptor (ASP.NET's test "encryption") wraps the clear element: usable.
    let null = key_with(
        "AuthenticatedEncryptorDescriptorDeserializer",
        &format!(
            r#"<encryption algorithm="AES_256_CBC" /><validation algorithm="HMACSHA256" /><encryptedSecret decryptorType="Microsoft.AspNetCore.DataProtection.XmlEncryption.NullXmlDecryptor, Microsoft.AspNetCore.DataProtection" xmlns="http://schemas.asp.net/2015/03/dataProtection"><unencryptedKey><!-- note --><hint>not the key</hint><masterKey><value>{MASTER}</value></masterKey></unencryptedKey></encryptedSecret>"#
        ),
    );
    assert!(null.is_usable() && null.at_rest_protection().is_none());
    assert_eq!(
        null.encryptor().unwrap().expose_master_key(),
        from_base64(MASTER).unwrap()
    );
    let dpapi = key_with(
        "AuthenticatedEncryptorDescriptorDeserializer",
        r#"<encryption algorithm="AES_256_CBC" /><validation algorithm="HMACSHA256" /><encryptedSecret decryptorType="Microsoft.AspNetCore.DataProtection.XmlEncryption.DpapiXmlDecryptor, Microsoft.AspNetCore.DataProtection"><encryptedKey><value>AQAAAA</value></encryptedKey></encryptedSecret>"#,
    );
    assert_eq!(dpapi.at_rest_protection(), Some(&AtRestProtection::Dpapi));
    let other = key_with(
        "AuthenticatedEncryptorDescriptorDeserializer",
        r#"<encryption algorithm="AES_256_CBC" /><validation algorithm="HMACSHA256" /><encryptedSecret decryptorType="Contoso.VaultDecryptor, Contoso"><x /></encryptedSecret>"#,
    );
    assert_eq!(
        other.at_rest_protection(),
        Some(&AtRestProtection::Other {
            decryptor_type: "Contoso.VaultDecryptor, Contoso".to_owned()
        })
    );

    // Expiry is `expirationDate <= now`.
    let exp = managed.expiration();
    assert!(managed.is_expired(exp));
    assert!(!managed.is_expired(exp - time::Duration::nanoseconds(100)));
    assert_eq!(managed.origin(), "key-2222.xml");

    // Errors name the file and say what is wrong.
    let err = KeyRing::from_xml("<key", "broken.xml").unwrap_err();
    let Error::KeyRing(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.origin(), "broken.xml");
    assert!(
        matches!(
            e.kind(),
            machinekey::dataprotection::KeyRingErrorKind::Xml { .. }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("not well-formed"), "{e}");
}

#[test]
fn ties_by_guid_fields_resolver_choice_and_protector_accessors() {
    use machinekey::dataprotection::{KeyMetadata, ResolverVersion, resolve_default_key};
    use time::macros::datetime;
    // Two keys alike but for the id: the smaller GUID (fields as unsigned numbers) wins.
    // 00000001-… is smaller than 01000000-… though its first byte in payload order is larger.
    let meta = |id: &str| KeyMetadata {
        id: id.parse().unwrap(),
        creation: datetime!(2020-01-01 0:00 UTC),
        activation: datetime!(2020-01-01 0:00 UTC),
        expiration: datetime!(2021-01-01 0:00 UTC),
        revoked: false,
        usable: true,
    };
    let (a, b) = (
        meta("00000001-0000-0000-0000-000000000000"),
        meta("01000000-0000-0000-0000-000000000000"),
    );
    let now = datetime!(2020-06-01 0:00 UTC);
    for version in [
        ResolverVersion::AspNetCore10,
        ResolverVersion::Current,
        ResolverVersion::V2,
    ] {
        assert_eq!(
            resolve_default_key(&[b, a], now, version).default_key,
            Some(a.id),
            "{version:?}"
        );
        assert_eq!(
            resolve_default_key(&[a, b], now, version).default_key,
            Some(a.id),
            "{version:?}"
        );
    }

    // A ring reads with the rules it is given.
    let now = datetime!(2010-01-01 0:00 UTC);
    let mut ring = KeyRing::new();
    let master = [9u8; 64];
    let old = Key::from_parts(
        "00000001-0000-0000-0000-000000000000".parse().unwrap(),
        datetime!(2009-12-30 0:00 UTC),
        datetime!(2010-01-01 0:01 UTC),
        datetime!(2010-03-30 0:00 UTC),
        Algorithm::default(),
        &master,
    )
    .unwrap();
    let new = Key::from_parts(
        "00000002-0000-0000-0000-000000000000".parse().unwrap(),
        datetime!(2010-01-01 0:00 UTC),
        datetime!(2010-01-01 0:02 UTC),
        datetime!(2010-04-01 0:00 UTC),
        Algorithm::default(),
        &master,
    )
    .unwrap();
    ring.add(old.clone()).unwrap();
    ring.add(new.clone()).unwrap();
    // By default, as real ASP.NET Core 10 chooses: the most recently activated key.
    assert_eq!(ring.resolve(now).default_key, Some(new.id()));
    let source = ring.clone().with_resolver(ResolverVersion::Current);
    assert_eq!(source.resolve(now).default_key, Some(old.id()));
    let v2 = ring.clone().with_resolver(ResolverVersion::V2);
    assert_eq!(v2.resolve(now).default_key, Some(new.id()));

    let p = ring.protector(&["a", "b"]).unwrap().create_protector("c");
    assert_eq!(p.purposes(), ["a", "b", "c"]);
    assert_eq!(p.key_ring().keys().len(), 2);
    assert!(ring.protector::<&str>(&[]).is_err());
}

#[test]
fn directory_file_count_limit() {
    use machinekey::dataprotection::MAX_KEY_FILES;
    let dir = temp_dir("many");
    for i in 0..MAX_KEY_FILES {
        std::fs::write(dir.join(format!("x{i}.xml")), "<x/>").unwrap();
    }
    let ring = KeyRing::load(&dir).unwrap();
    assert_eq!(ring.skipped().len(), MAX_KEY_FILES);
    std::fs::write(dir.join("one-more.xml"), "<x/>").unwrap();
    let err = KeyRing::load(&dir).unwrap_err().to_string();
    assert!(err.contains(&format!("more than {MAX_KEY_FILES}")), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn resolver_boundaries() {
    use machinekey::dataprotection::{KeyMetadata, ResolverVersion, resolve_default_key};
    use time::Duration;
    use time::macros::datetime;
    let now = datetime!(2020-06-01 0:00 UTC);
    let key = |n: u32, created: OffsetDateTime, expires: OffsetDateTime| KeyMetadata {
        id: format!("{n:08x}-0000-0000-0000-000000000000")
            .parse()
            .unwrap(),
        creation: created,
        activation: created,
        expiration: expires,
        revoked: false,
        usable: true,
    };
    let cutoff = now - Duration::days(2);
    for version in [ResolverVersion::Current, ResolverVersion::V2] {
        // An expired key is never the default (expiration <= now counts as expired).
        let expired = key(1, now - Duration::days(100), now);
        let r = resolve_default_key(&[expired], now, version);
        assert_eq!(r.default_key, None, "{version:?}");
        assert!(r.should_generate_new_key);
        // A revoked key is never the fallback, however new.
        let mut revoked = key(2, now - Duration::hours(1), now + Duration::days(90));
        revoked.revoked = true;
        let r = resolve_default_key(&[revoked], now, version);
        assert_eq!((r.default_key, r.fallback_key), (None, None), "{version:?}");
    }
    // Current rules: a rejected candidate created exactly at the cutoff is not brought
    // back as the fallback.
    let at_cutoff = key(3, cutoff, now);
    let r = resolve_default_key(&[at_cutoff], now, ResolverVersion::Current);
    assert_eq!((r.default_key, r.fallback_key), (None, None));
    // 2.x: a successor must outlive now + 2 days strictly.
    let default = key(4, now - Duration::days(80), now + Duration::days(1));
    let successor = KeyMetadata {
        activation: now + Duration::days(1),
        ..key(5, now, now + Duration::days(2))
    };
    let r = resolve_default_key(&[default, successor], now, ResolverVersion::V2);
    assert_eq!(r.default_key, Some(default.id));
    assert!(r.should_generate_new_key);
    let longer = KeyMetadata {
        expiration: now + Duration::days(2) + Duration::seconds(1),
        ..successor
    };
    assert!(
        !resolve_default_key(&[default, longer], now, ResolverVersion::V2).should_generate_new_key
    );
    // 2.x fallback (nothing activated yet): the newest key created before the propagation
    // window, else the oldest after it.
    let future = |n, created: OffsetDateTime| KeyMetadata {
        activation: now + Duration::days(30),
        ..key(n, created, now + Duration::days(90))
    };
    let (a, b, c) = (
        future(6, cutoff - Duration::days(10)),
        future(7, cutoff - Duration::days(1)),
        future(8, now),
    );
    let r = resolve_default_key(&[a, b, c], now, ResolverVersion::V2);
    assert_eq!((r.default_key, r.fallback_key), (None, Some(b.id)));
    let r = resolve_default_key(&[c], now, ResolverVersion::V2);
    assert_eq!(r.fallback_key, Some(c.id));
}

/// Regression: where `DefaultKeyResolver.cs` (source) and real ASP.NET Core 10.0.12
/// disagree, the crate follows the real output. Observed with `dotnet-oracle` (`dp.protect`
/// over a ring of hand-written key files, key generation off, 2026-12-06):
/// - keys created and activated 60 h and 2 h ago: .NET protects with the 2-hour-old key
///   (the source prefers the propagated one);
/// - one key, expired: .NET refuses ("The key ring does not contain a valid default
///   protection key"): no fallback to the rejected key itself;
/// - an expired key created 700 h ago and a key activating in 100 h: .NET uses the future
///   key (the fallback skips the rejected key).
#[test]
fn default_key_as_real_aspnetcore_10_chooses_it() {
    use machinekey::dataprotection::{KeyMetadata, ResolverVersion, resolve_default_key};
    use time::Duration;
    use time::macros::datetime;
    let now = datetime!(2026-12-06 12:00 UTC);
    let h = Duration::hours;
    let meta = |id: &str, created: i64, activated: i64, expires: i64| KeyMetadata {
        id: id.parse().unwrap(),
        creation: now + h(created),
        activation: now + h(activated),
        expiration: now + h(expires),
        revoked: false,
        usable: true,
    };
    let a = "aaaaaaaa-0000-0000-0000-000000000001";
    let b = "bbbbbbbb-0000-0000-0000-000000000002";
    let r10 = |keys: &[KeyMetadata]| {
        let r = resolve_default_key(keys, now, ResolverVersion::AspNetCore10);
        r.default_key.or(r.fallback_key).map(|k| k.to_string())
    };
    let propagated_and_new = [meta(b, -60, -60, 300), meta(a, -2, -2, 300)];
    assert_eq!(r10(&propagated_and_new).as_deref(), Some(a));
    assert_eq!(
        resolve_default_key(&propagated_and_new, now, ResolverVersion::Current)
            .default_key
            .map(|k| k.to_string())
            .as_deref(),
        Some(b),
        "the source's reading differs"
    );
    assert_eq!(r10(&[meta(a, -700, -700, -600)]), None);
    assert_eq!(
        r10(&[meta(a, -700, -700, -600), meta(b, -1, 100, 300)]).as_deref(),
        Some(b)
    );
    assert_eq!(
        r10(&[meta(a, -700, -700, 300), meta(b, -700, -100, -50)]).as_deref(),
        Some(a)
    );
    // Equal activation: .NET takes the lower key id, its fields compared as unsigned numbers.
    for (low, high) in [
        (
            "00000001-0000-0000-0000-000000000000",
            "80000000-0000-0000-0000-000000000000",
        ),
        (
            "00000000-0001-0000-0000-000000000000",
            "00000000-8000-0000-0000-000000000000",
        ),
        (
            "00000000-0000-0000-0000-000000000002",
            "00000000-0000-0000-0100-000000000000",
        ),
    ] {
        let keys = [meta(high, -5, -5, 300), meta(low, -5, -5, 300)];
        assert_eq!(r10(&keys).as_deref(), Some(low));
    }
}
