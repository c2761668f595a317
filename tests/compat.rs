//! `compat::compare` on configurations written here, each verdict checked again by hand with
//! the formats API (so the matrix cannot drift from the crypto), and the simulator's
//! diagnosis giving the same reasons for the same pair.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::compat::{
    Comparison, ModeSource, Node, Outcome, Reason, SessionKeyBuild, StateKind, compare, matrix,
};
use machinekey::config::stack::{ConfigFile, ConfigStack};
use machinekey::config::{CompatibilityMode, FrameworkVersion, KeyAttribute, MachineKeyConfig};
use machinekey::sim::SeededRandom;
use machinekey::{
    AppIdentity, AppKeys, AutoGenKeys, CookieProtection, FormsAuthenticationTicket, Page,
};

const VK1: &str = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";
const DK1: &str = "0123456789ABCDEF0123456789ABCDEF";
const VK2: &str = "FFEEDDCCBBAA99887766554433221100FFEEDDCCBBAA99887766554433221100";
const DK2: &str = "FEDCBA9876543210FEDCBA9876543210";

fn web_config(target: Option<&str>, vk: &str, dk: &str) -> String {
    let runtime = target
        .map(|t| format!("    <httpRuntime targetFramework=\"{t}\" />\n"))
        .unwrap_or_default();
    format!(
        "<configuration>\n  <system.web>\n{runtime}    <machineKey validationKey=\"{vk}\" decryptionKey=\"{dk}\" validation=\"HMACSHA256\" decryption=\"AES\" />\n  </system.web>\n</configuration>\n"
    )
}

fn node(name: &str, xml: &str, app_path: &str, framework: FrameworkVersion) -> Node {
    let resolved = ConfigStack::new()
        .framework(framework)
        .site_web_config(ConfigFile::from_text(xml, &format!("{name}/web.config")))
        .resolve("/")
        .unwrap();
    let id = format!("/LM/W3SVC/1/ROOT{}", app_path.trim_end_matches('/'));
    Node::from_resolved(name, &resolved, AppIdentity::new(app_path, &id).unwrap())
}

fn readable(c: &Comparison, kind: StateKind) -> Outcome {
    c.outcome(kind).unwrap()
}

fn reasons(c: &Comparison, kind: StateKind) -> &[Reason] {
    &c.verdict(kind).unwrap().reasons
}

/// The same checks by hand: protect with `a`'s keys, open with `b`'s.
fn by_hand(a: &AppKeys, b: &AppKeys, page: &Page) -> [bool; 3] {
    let ticket = FormsAuthenticationTicket::new(
        "x",
        time::macros::datetime!(2022-09-22 16:53:20 UTC),
        time::Duration::minutes(30),
    );
    let forms = b
        .decrypt_ticket_without_expiry_check(
            &a.encrypt_ticket(&ticket, CookieProtection::All).unwrap(),
            CookieProtection::All,
        )
        .is_ok();
    let vs = b
        .decode_viewstate(
            &a.encode_viewstate(
                b"\xff\x01\x64",
                page,
                machinekey::formats::viewstate::ViewStateProtection::Signed,
            )
            .unwrap(),
            page,
        )
        .is_ok();
    let protect = b
        .unprotect(&a.protect(b"p", &["x"]).unwrap(), &["x"])
        .is_ok();
    [forms, vs, protect]
}

fn explicit_keys(xml: &str) -> AppKeys {
    AppKeys::explicit(&MachineKeyConfig::from_web_config(xml).unwrap()).unwrap()
}

#[test]
fn identical_explicit_keys_share_everything() {
    let xml = web_config(Some("4.8"), VK1, DK1);
    let nodes = [
        node("web1", &xml, "/", FrameworkVersion::V4),
        node("web2", &xml, "/", FrameworkVersion::V4),
    ];
    for c in matrix(&nodes).unwrap() {
        assert!(c.all_readable(), "{c:?}");
        assert!(
            c.verdicts
                .iter()
                .all(|v| v.outcome == Outcome::Read && v.reasons.is_empty())
        );
    }
    let k = explicit_keys(&xml);
    assert_eq!(
        by_hand(
            &k,
            &explicit_keys(&xml),
            &Page::from_path("/default.aspx", "/").unwrap()
        ),
        [true; 3]
    );
}

#[test]
fn different_keys_share_nothing_and_say_which_keys() {
    let (x1, x2) = (
        web_config(Some("4.8"), VK1, DK1),
        web_config(Some("4.8"), VK2, DK2),
    );
    let c = compare(
        &node("web1", &x1, "/", FrameworkVersion::V4),
        &node("web2", &x2, "/", FrameworkVersion::V4),
    )
    .unwrap();
    for &kind in StateKind::ALL {
        if kind == StateKind::SessionLookupKey {
            // 4.8 hashes the application id unkeyed: the session is still found.
            assert_eq!(readable(&c, kind), Outcome::Read);
            continue;
        }
        assert_eq!(readable(&c, kind), Outcome::Refused, "{kind:?}");
        let r = reasons(&c, kind);
        assert!(
            r.iter().any(|r| matches!(
                r,
                Reason::KeysDiffer {
                    attribute: KeyAttribute::ValidationKey,
                    ..
                }
            )),
            "{kind:?}: {r:?}"
        );
        let text = r.iter().map(ToString::to_string).collect::<String>();
        assert!(
            text.contains("web1/web.config:4") && text.contains("web2/web.config:4"),
            "{text}"
        );
        assert!(
            !text.contains(VK1) && !text.contains(VK2),
            "fingerprints only"
        );
        assert!(text.contains(&machinekey::keys::fingerprint(VK1)));
    }
    assert_eq!(
        by_hand(
            &explicit_keys(&x1),
            &explicit_keys(&x2),
            &Page::from_path("/default.aspx", "/").unwrap()
        ),
        [false; 3]
    );
    // On 2.0-era builds the session lookup key is MACed with the validation key: lost too.
    let sha1 = |x: String| x.replace("HMACSHA256", "SHA1");
    let (y1, y2) = (
        sha1(web_config(None, VK1, DK1)),
        sha1(web_config(None, VK2, DK2)),
    );
    let c = compare(
        &node("old1", &y1, "/", FrameworkVersion::V2_0),
        &node("old2", &y2, "/", FrameworkVersion::V2_0),
    )
    .unwrap();
    assert_eq!(readable(&c, StateKind::SessionLookupKey), Outcome::Refused);
    assert!(
        reasons(&c, StateKind::SessionLookupKey)
            .iter()
            .any(|r| matches!(r, Reason::KeysDiffer { .. }))
    );
    assert_eq!(
        readable(&c, StateKind::MachineKeyProtect),
        Outcome::NotApplicable,
        "no MachineKey.Protect on 2.0"
    );
}

#[test]
fn same_keys_different_compatibility_modes() {
    let (x45, x40) = (
        web_config(Some("4.5"), VK1, DK1),
        web_config(Some("4.0"), VK1, DK1),
    );
    let c = compare(
        &node("new", &x45, "/", FrameworkVersion::V4),
        &node("old", &x40, "/", FrameworkVersion::V4),
    )
    .unwrap();
    for kind in [
        StateKind::FormsTicket,
        StateKind::ViewState,
        StateKind::EventValidation,
        StateKind::ResourceUrl,
        StateKind::RoleCookie,
    ] {
        assert_eq!(readable(&c, kind), Outcome::Refused, "{kind:?}");
        let r = reasons(&c, kind);
        assert_eq!(r.len(), 1, "{r:?}");
        let Reason::ModesDiffer { from, to } = &r[0] else {
            panic!("{r:?}")
        };
        // The origins are data: the mode, what set it, and the file and line.
        assert_eq!(from.value.mode, CompatibilityMode::Framework45);
        assert_eq!(
            from.value.source,
            ModeSource::TargetFramework("4.5".parse().unwrap())
        );
        assert_eq!(
            from.origin.as_ref().map(|o| o.location()).as_deref(),
            Some("new/web.config:3")
        );
        assert_eq!(to.value.mode, CompatibilityMode::Framework20SP1);
        assert_eq!(
            to.origin.as_ref().map(|o| o.location()).as_deref(),
            Some("old/web.config:3")
        );
        // And the sentence says the same.
        let (from, to) = (from.to_string(), to.to_string());
        assert!(
            from.contains("Framework45")
                && from.contains("targetFramework=\"4.5\"")
                && from.contains("new/web.config:3"),
            "{from}"
        );
        assert!(
            to.contains("Framework20SP1") && to.contains("old/web.config:3"),
            "{to}"
        );
    }
    assert_eq!(readable(&c, StateKind::MachineKeyProtect), Outcome::Read);
    assert_eq!(readable(&c, StateKind::SessionLookupKey), Outcome::Read);
    assert_eq!(
        by_hand(
            &explicit_keys(&x45),
            &explicit_keys(&x40),
            &Page::from_path("/default.aspx", "/").unwrap()
        ),
        [false, false, true]
    );
}

#[test]
fn autogenerate_isolate_apps_with_shared_material() {
    let xml = "<configuration><system.web><machineKey validation=\"HMACSHA256\" /></system.web></configuration>";
    let material = AutoGenKeys::generate(&SeededRandom::new(5)).unwrap();
    let with = |name: &str, app: &str| {
        node(name, xml, app, FrameworkVersion::V4)
            .with_autogen(material.clone(), "the same .reg export")
    };
    // /A and /B: the same buffer, isolated by path.
    let c = compare(&with("a", "/A"), &with("b", "/B")).unwrap();
    for kind in [
        StateKind::FormsTicket,
        StateKind::ViewState,
        StateKind::ResourceUrl,
    ] {
        assert_eq!(readable(&c, kind), Outcome::Refused, "{kind:?}");
        assert!(
            matches!(reasons(&c, kind), [Reason::IsolateApps { from, to }] if from == "/A" && to == "/B"),
            "{:?}",
            reasons(&c, kind)
        );
    }
    // By hand.
    let keys = |app: &str| {
        AppKeys::resolve(
            &MachineKeyConfig::from_web_config(xml).unwrap(),
            &AppIdentity::new(app, &format!("/LM/W3SVC/1/ROOT{app}")).unwrap(),
            Some(&material),
        )
        .unwrap()
    };
    let (ka, kb) = (keys("/A"), keys("/B"));
    let cookie = ka
        .encrypt_ticket(
            &FormsAuthenticationTicket::new(
                "x",
                time::OffsetDateTime::now_utc(),
                time::Duration::minutes(1),
            ),
            CookieProtection::All,
        )
        .unwrap();
    assert!(
        kb.decrypt_ticket_without_expiry_check(&cookie, CookieProtection::All)
            .is_err()
    );
    // /A twice: compatible.
    let c = compare(&with("a1", "/A"), &with("a2", "/A")).unwrap();
    assert!(c.all_readable(), "{c:?}");
    assert!(
        keys("/A")
            .decrypt_ticket_without_expiry_check(&cookie, CookieProtection::All)
            .is_ok()
    );
    // Different material: named with where each came from.
    let other = AutoGenKeys::generate(&SeededRandom::new(6)).unwrap();
    let c = compare(
        &with("a", "/A"),
        &node("b", xml, "/A", FrameworkVersion::V4).with_autogen(other, "server 2's key store"),
    )
    .unwrap();
    assert!(
        matches!(reasons(&c, StateKind::FormsTicket), [Reason::AutoGenKeysDiffer { to, .. }] if to.value.source == "server 2's key store")
    );
}

#[test]
fn autogenerate_without_material_means_own_random_keys() {
    let xml = "<configuration/>";
    let c = compare(
        &node("w1", xml, "/", FrameworkVersion::V4),
        &node("w2", xml, "/", FrameworkVersion::V4),
    )
    .unwrap();
    assert_eq!(readable(&c, StateKind::FormsTicket), Outcome::Refused);
    let r = reasons(&c, StateKind::FormsTicket);
    assert!(
        matches!(r, [Reason::OwnRandomKeys { node }] if node == "w1"),
        "{r:?}"
    );
    assert!(
        r[0].to_string()
            .contains("each of its processes makes up its own keys")
    );
    // By hand: two processes, two random buffers.
    let cfg = MachineKeyConfig::default();
    let app = AppIdentity::new("/", "/LM/W3SVC/1/ROOT").unwrap();
    let k = |seed| {
        AppKeys::resolve(
            &cfg,
            &app,
            Some(&AutoGenKeys::generate(&SeededRandom::new(seed)).unwrap()),
        )
        .unwrap()
    };
    let page = Page::from_path("/default.aspx", "/").unwrap();
    assert_eq!(by_hand(&k(1), &k(2), &page)[..2], [false, false]);
}

#[test]
fn two_era_and_four_eight_session_keys_differ() {
    let x20 = web_config(None, VK1, DK1).replace("HMACSHA256", "SHA1");
    let x48 = web_config(Some("4.8"), VK1, DK1).replace("HMACSHA256", "SHA1");
    let c = compare(
        &node("old", &x20, "/", FrameworkVersion::V2_0),
        &node("new", &x48, "/", FrameworkVersion::V4),
    )
    .unwrap();
    assert_eq!(readable(&c, StateKind::SessionLookupKey), Outcome::Refused);
    let r = reasons(&c, StateKind::SessionLookupKey);
    assert!(
        matches!(r, [Reason::SessionKeyEra { from, to }] if from.value == SessionKeyBuild::Keyed && to.value == SessionKeyBuild::Unkeyed),
        "{r:?}"
    );
    // By hand: the two lookup keys for one session.
    let old = explicit_keys(&x20);
    let keyed = old
        .state_server_key_keyed("/LM/W3SVC/1/ROOT", "abcdefghijklmnopqrstuvwx")
        .unwrap();
    let unkeyed = machinekey::formats::session::state_server_key_unkeyed(
        "/LM/W3SVC/1/ROOT",
        "abcdefghijklmnopqrstuvwx",
    );
    assert_ne!(keyed, unkeyed);
}

/// The simulator's diagnosis is this module's verdict: same reasons for the same pair.
#[test]
fn diagnose_gives_the_same_reasons_as_compare() {
    use machinekey::keys::store::{ProcessIdentity, RegistryView};
    use machinekey::sim::{Balancing, Era, Simulation, WorkerRef};
    let app = AppIdentity::new("/Shop", "/LM/W3SVC/1/ROOT/Shop").unwrap();
    let (x45, x40) = (
        web_config(Some("4.5"), VK1, DK1),
        web_config(Some("4.0"), VK1, DK1),
    );
    let mut sim = Simulation::new(app.clone(), Balancing::RoundRobin, 1);
    for (name, xml) in [("web1", &x45), ("web2", &x40)] {
        let cfg = MachineKeyConfig::from_web_config(xml).unwrap();
        sim.add_server(
            name,
            Era::Net48,
            RegistryView::Bits64,
            cfg,
            ProcessIdentity::custom("S-1-5-21-1", true),
            1,
        )
        .unwrap();
    }
    let d = sim
        .diagnose(
            WorkerRef {
                server: 0,
                worker: 0,
            },
            WorkerRef {
                server: 1,
                worker: 0,
            },
        )
        .unwrap();
    let (a, b) = (
        Node::new(
            "web1/w3wp#1",
            MachineKeyConfig::from_web_config(&x45).unwrap(),
            app.clone(),
        ),
        Node::new(
            "web2/w3wp#1",
            MachineKeyConfig::from_web_config(&x40).unwrap(),
            app,
        ),
    );
    let c = compare(&a, &b).unwrap();
    assert!(
        matches!(&d.reasons[..], [Reason::ModesDiffer { .. }]),
        "{:?}",
        d.reasons
    );
    assert_eq!(d.reasons[..], *reasons(&c, StateKind::FormsTicket));
    assert!(
        d.explanation.contains("MachineKey.Protect still works"),
        "{}",
        d.explanation
    );
    let protect = d
        .interchangeable
        .iter()
        .find(|(k, _)| *k == machinekey::sim::StateKind::Protect)
        .unwrap();
    assert!(protect.1);
}

#[test]
fn data_protection_nodes_compare_by_key_ring_and_discriminator() {
    use machinekey::dataprotection::KeyRing;
    use machinekey::dataprotection::systemweb::COMPATIBILITY_DATA_PROTECTOR;
    let cfg = |name: Option<&str>| {
        let mut b = MachineKeyConfig::builder()
            .compatibility_mode(CompatibilityMode::Framework45)
            .data_protector_type(COMPATIBILITY_DATA_PROTECTOR)
            .validation_key(&"AB".repeat(32))
            .decryption_key(&"CD".repeat(32));
        if let Some(n) = name {
            b = b.application_name(n);
        }
        b.build().unwrap()
    };
    let now = time::OffsetDateTime::now_utc();
    let mut shared = KeyRing::new();
    shared
        .generate_key(now, &machinekey::random::OsRandom)
        .unwrap();
    let mut other = KeyRing::new();
    other
        .generate_key(now, &machinekey::random::OsRandom)
        .unwrap();
    let app = |id: &str| AppIdentity::new("/Shop", id).unwrap();
    let node = |n: &str, c, id: &str, ring: Option<&KeyRing>| {
        let node = Node::new(n, c, app(id));
        match ring {
            Some(r) => node.with_key_ring(r.clone(), "test ring"),
            None => node,
        }
    };
    let routed = [
        StateKind::ViewState,
        StateKind::FormsTicket,
        StateKind::MachineKeyProtect,
        StateKind::RoleCookie,
    ];

    // Same ring, same app id: everything crosses.
    let a = node("a", cfg(None), "/LM/W3SVC/1/ROOT/Shop", Some(&shared));
    let b = node("b", cfg(None), "/LM/W3SVC/1/ROOT/Shop", Some(&shared));
    assert!(compare(&a, &b).unwrap().all_readable());

    // Different rings: routed kinds fail with the ring reason; resource URLs still cross
    // (they stay on the explicit <machineKey> keys).
    let c = node("c", cfg(None), "/LM/W3SVC/1/ROOT/Shop", Some(&other));
    let r = compare(&a, &c).unwrap();
    for kind in routed {
        let v = r.verdict(kind).unwrap();
        assert_eq!(v.outcome, Outcome::Refused, "{kind:?}");
        assert!(
            matches!(v.reasons[0], Reason::KeyRingsDiffer { .. }),
            "{:?}",
            v.reasons
        );
    }
    assert_eq!(r.outcome(StateKind::ResourceUrl), Some(Outcome::Read));

    // Same ring, another site id: the discriminator differs; applicationName fixes it.
    let d = node("d", cfg(None), "/LM/W3SVC/2/ROOT/Shop", Some(&shared));
    let v = compare(&a, &d).unwrap();
    let v = v.verdict(StateKind::FormsTicket).unwrap();
    assert_eq!(v.outcome, Outcome::Refused);
    assert!(
        matches!(v.reasons[0], Reason::DiscriminatorsDiffer { .. }),
        "{:?}",
        v.reasons
    );
    let e = node(
        "e",
        cfg(Some("Shop")),
        "/LM/W3SVC/1/ROOT/Shop",
        Some(&shared),
    );
    let f = node(
        "f",
        cfg(Some("Shop")),
        "/LM/W3SVC/2/ROOT/Shop",
        Some(&shared),
    );
    let r = compare(&e, &f).unwrap();
    for kind in routed {
        assert_eq!(r.outcome(kind), Some(Outcome::Read), "{kind:?}");
    }

    // No ring: each process its own; one node without dataProtectorType.
    let g = node("g", cfg(None), "/LM/W3SVC/1/ROOT/Shop", None);
    let v = compare(&a, &g).unwrap();
    let v = v.verdict(StateKind::MachineKeyProtect).unwrap();
    assert!(
        v.reasons
            .iter()
            .any(|r| matches!(r, Reason::NoKeyRing { .. })),
        "{:?}",
        v.reasons
    );
    let plain = MachineKeyConfig::builder()
        .compatibility_mode(CompatibilityMode::Framework45)
        .validation_key(&"AB".repeat(32))
        .decryption_key(&"CD".repeat(32))
        .build()
        .unwrap();
    let h = node("h", plain, "/LM/W3SVC/1/ROOT/Shop", None);
    let r = compare(&a, &h).unwrap();
    let v = r.verdict(StateKind::ViewState).unwrap();
    assert!(
        matches!(v.reasons[0], Reason::DataProtectorTypeDiffers { .. }),
        "{:?}",
        v.reasons
    );
    assert!(v.reasons[0].to_string().contains("dataProtectorType"));
    assert_eq!(r.outcome(StateKind::ResourceUrl), Some(Outcome::Read));
}
