//! A bounded load test (run in CI by `cargo test --workspace`): a few thousand requests on
//! loopback over keep-alive connections, valid and forged credentials of every kind mixed
//! (`.ASPXAUTH`, OWIN, Core, Interop, a Katana bearer token): every valid one gives its user,
//! no forged one is ever accepted, and the process's resident memory stays bounded.
//! `cargo test -p machinekey-tower --test load -- --nocapture` prints the figures that
//! `machinekey-tower/README.md` quotes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use axum::Router;
use axum::routing::get;
use http_body_util::{BodyExt as _, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use machinekey::dataprotection::KeyRing;
use machinekey::formats::auth_cookie::{AuthCookie, FormsCookie, LoginCookie};
use machinekey::formats::auth_ticket::{Claim, ClaimsIdentity};
use machinekey::formats::oauth_token::{OAuthToken, TokenKind};
use machinekey::{AppKeys, MachineKeyConfig};
use machinekey_tower::time::{Duration, OffsetDateTime};
use machinekey_tower::{AuthLayer, Identity};

/// Requests in all (after the warm-up), and connections sending them side by side.
const REQUESTS: usize = 4_000;
const CONNECTIONS: usize = 8;
/// Resident memory may grow at most this much between the warm-up and the end.
const MAX_GROWTH_KIB: u64 = 32 * 1024;

fn keys(vk: &str) -> AppKeys {
    let cfg = MachineKeyConfig::builder()
        .validation_key(vk)
        .decryption_key("B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78")
        .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
        .build()
        .unwrap();
    AppKeys::explicit(&cfg).unwrap()
}

const VK: &str = "F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B";

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn identity(auth_type: &str, name: &str) -> ClaimsIdentity {
    let mut id = ClaimsIdentity::new(auth_type);
    id.claims.push(Claim::name(name));
    id.claims.push(Claim::role("user"));
    id
}

fn header_of(c: &dyn LoginCookie, t: &machinekey::formats::auth_ticket::AuthTicket) -> String {
    c.issue(t, &c.template())
        .unwrap()
        .iter()
        .map(|s| format!("{}={}", s.name, s.value))
        .collect::<Vec<_>>()
        .join("; ")
}

fn tamper(s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    let i = c.len() / 2;
    c[i] = if c[i] == 'A' { 'B' } else { 'A' };
    c.into_iter().collect()
}

/// One request's headers and the user it must give (`None`: it must be refused).
#[derive(Clone)]
struct Case {
    headers: Vec<(&'static str, String)>,
    user: Option<&'static str>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_mixed_requests_accept_no_forgery_in_bounded_memory() {
    let k = keys(VK);
    let other = keys(&"AB".repeat(64));
    let now = OffsetDateTime::now_utc();
    let mut ring = KeyRing::new();
    ring.generate_key(now - Duration::days(60), &machinekey::random::OsRandom)
        .unwrap();
    let forms = FormsCookie::new(&k);
    let owin = AuthCookie::owin(&k, "ApplicationCookie").unwrap();
    let core = AuthCookie::core(&ring, "Identity.Application", Some("/srv/app")).unwrap();
    let interop =
        AuthCookie::interop(&ring, "Cookies", Some("shared"), ".AspNet.SharedCookie").unwrap();
    let access = OAuthToken::new(&k, TokenKind::Access);
    let layer = AuthLayer::new()
        .accept(forms.clone())
        .accept(owin.clone())
        .accept(core.clone())
        .accept(interop.clone())
        .accept_bearer(access.clone())
        .require_login();
    let app = Router::new()
        .route(
            "/me",
            get(|u: Identity| async move { u.name().unwrap_or("-").to_owned() }),
        )
        .layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // Valid credentials of every kind.
    let mut cases = Vec::new();
    let kinds: [(&dyn LoginCookie, &str, &'static str); 4] = [
        (&forms, "Forms", "forms-user"),
        (&owin, "ApplicationCookie", "owin-user"),
        (&core, "Identity.Application", "core-user"),
        (&interop, "Cookies", "interop-user"),
    ];
    let mut forged = Vec::new();
    for (c, t, user) in kinds {
        let header = header_of(c, &c.sign_in(vec![identity(t, user)], false, now));
        cases.push(Case {
            headers: vec![("cookie", header.clone())],
            user: Some(user),
        });
        let (name, value) = header.split_once('=').unwrap();
        forged.push(format!("{name}={}", tamper(value)));
        forged.push(format!("{name}=garbage!!"));
        forged.push(format!("{name}={}", "A".repeat(9_000)));
        // Expired: signed in 30 days ago.
        forged.push(header_of(
            c,
            &c.sign_in(vec![identity(t, user)], false, now - Duration::days(30)),
        ));
    }
    // Another key, another purpose.
    let wrong_key = AuthCookie::owin(&other, "ApplicationCookie").unwrap();
    forged.push(header_of(
        &wrong_key,
        &wrong_key.sign_in(vec![identity("ApplicationCookie", "mallory")], false, now),
    ));
    let other_type = AuthCookie::owin(&k, "Cookies")
        .unwrap()
        .with_cookie_name(".AspNet.ApplicationCookie");
    forged.push(header_of(
        &other_type,
        &other_type.sign_in(vec![identity("Cookies", "mallory")], false, now),
    ));
    forged.push(
        ".AspNetCore.Identity.Application=chunks-3; .AspNetCore.Identity.ApplicationC1=x".into(),
    );
    let token = access
        .issue(identity("Bearer", "bearer-user"), now)
        .unwrap();
    cases.push(Case {
        headers: vec![("authorization", format!("Bearer {token}"))],
        user: Some("bearer-user"),
    });
    let mut forged_cases: Vec<Case> = forged
        .into_iter()
        .map(|h| Case {
            headers: vec![("cookie", h)],
            user: None,
        })
        .collect();
    for bad in [
        tamper(&token),
        OAuthToken::new(&k, TokenKind::Refresh)
            .issue(identity("Bearer", "mallory"), now)
            .unwrap(),
        OAuthToken::new(&other, TokenKind::Access)
            .issue(identity("Bearer", "mallory"), now)
            .unwrap(),
        access
            .issue(identity("Bearer", "mallory"), now - Duration::hours(1))
            .unwrap(),
        "A".repeat(20_000),
    ] {
        forged_cases.push(Case {
            headers: vec![("authorization", format!("Bearer {bad}"))],
            user: None,
        });
    }
    cases.extend(forged_cases);
    let cases = Arc::new(cases);

    let accepted_forgeries = Arc::new(AtomicUsize::new(0));
    let valid_ok = Arc::new(AtomicUsize::new(0));
    let forged_sent = Arc::new(AtomicUsize::new(0));
    let run = |total: usize| {
        let cases = cases.clone();
        let accepted_forgeries = accepted_forgeries.clone();
        let valid_ok = valid_ok.clone();
        let forged_sent = forged_sent.clone();
        async move {
            let mut tasks = Vec::new();
            for conn in 0..CONNECTIONS {
                let cases = cases.clone();
                let accepted_forgeries = accepted_forgeries.clone();
                let valid_ok = valid_ok.clone();
                let forged_sent = forged_sent.clone();
                tasks.push(tokio::spawn(async move {
                    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                    let (mut sender, c) =
                        hyper::client::conn::http1::handshake(TokioIo::new(stream))
                            .await
                            .unwrap();
                    tokio::spawn(c);
                    for i in (conn..total).step_by(CONNECTIONS) {
                        let case = &cases[i % cases.len()];
                        let mut req = http::Request::get("/me").header("host", "127.0.0.1");
                        for (k, v) in &case.headers {
                            req = req.header(*k, v.as_str());
                        }
                        sender.ready().await.unwrap();
                        let resp = sender
                            .send_request(req.body(Empty::<Bytes>::new()).unwrap())
                            .await
                            .unwrap();
                        let status = resp.status().as_u16();
                        let body = resp.into_body().collect().await.unwrap().to_bytes();
                        match case.user {
                            Some(u) => {
                                assert_eq!((status, &body[..]), (200, u.as_bytes()));
                                valid_ok.fetch_add(1, Ordering::Relaxed);
                            }
                            None => {
                                forged_sent.fetch_add(1, Ordering::Relaxed);
                                if status != 401 {
                                    accepted_forgeries.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                    }
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
        }
    };
    // Warm-up, then the measured run.
    run(400).await;
    let before = rss_kib();
    let started = Instant::now();
    valid_ok.store(0, Ordering::Relaxed);
    forged_sent.store(0, Ordering::Relaxed);
    run(REQUESTS).await;
    let elapsed = started.elapsed();
    let after = rss_kib();
    let forgeries = accepted_forgeries.load(Ordering::Relaxed);
    let (valid, forged) = (
        valid_ok.load(Ordering::Relaxed),
        forged_sent.load(Ordering::Relaxed),
    );
    println!(
        "load: {REQUESTS} requests ({valid} valid, {forged} forged, {} kinds of credential) over {CONNECTIONS} connections in {:.2} s ({:.0} requests/s); forged accepted: {forgeries}; RSS {} KiB -> {} KiB",
        cases.len(),
        elapsed.as_secs_f64(),
        REQUESTS as f64 / elapsed.as_secs_f64(),
        before.unwrap_or(0),
        after.unwrap_or(0),
    );
    assert_eq!(forgeries, 0, "no forged credential is ever accepted");
    assert_eq!(valid + forged, REQUESTS);
    assert!(valid > 0 && forged > valid);
    if let (Some(b), Some(a)) = (before, after) {
        assert!(
            a.saturating_sub(b) < MAX_GROWTH_KIB,
            "resident memory grew from {b} KiB to {a} KiB"
        );
    }
}
