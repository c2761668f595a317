//! What service authors expect of the layer (issue 29), each over HTTP on loopback with
//! hyper: a forms sign-in that keeps roles in `UserData`, persistence and the cookie path,
//! read back as roles (`Identity::roles`, `is_in_role`); sign-in by a typed kind and one
//! error type; configurable rejections (401 with `WWW-Authenticate`, a redirect with
//! `ReturnUrl`, 401 for AJAX); the refusal hook's reasons without values; the Core
//! discriminator as an explicit choice.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;
use http_body_util::{BodyExt as _, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use machinekey::dataprotection::KeyRing;
use machinekey::formats::auth_cookie::{AuthCookie, FormsCookie, LoginCookie};
use machinekey::formats::auth_ticket::{Claim, ClaimsIdentity};
use machinekey::formats::oauth_token::{OAuthToken, TokenKind};
use machinekey::{AppKeys, CookieProtection, MachineKeyConfig, TicketValidation};
use machinekey_tower::time::{Duration, OffsetDateTime};
use machinekey_tower::{
    AuthLayer, Challenge, CookieKind, Discriminator, Error, Identity, Persistence, Refusal,
    RefusalReason, SignIn,
};

fn keys() -> AppKeys {
    let cfg = MachineKeyConfig::builder()
        .validation_key("F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B")
        .decryption_key("B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78")
        .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
        .build()
        .unwrap();
    AppKeys::explicit(&cfg).unwrap()
}

async fn me(user: Identity) -> String {
    format!(
        "{} roles={:?} admin={} ADMIN={}",
        user.name().unwrap_or("-"),
        user.roles(),
        user.is_in_role("Admin"),
        user.is_in_role("ADMIN"),
    )
}

async fn serve(layer: AuthLayer) -> std::net::SocketAddr {
    let app = Router::new()
        .route("/me", get(me))
        .route("/open", get(|| async { "open" }))
        .route(
            "/claims",
            get(|user: Identity| async move {
                user.claims()
                    .map(|c| format!("{}={}", c.claim_type, c.value))
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
        )
        .layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

struct Reply {
    status: u16,
    body: String,
    headers: http::HeaderMap,
}

async fn get_at(addr: std::net::SocketAddr, path: &str, headers: &[(&str, &str)]) -> Reply {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut req = http::Request::get(path).header("host", "127.0.0.1");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = sender
        .send_request(req.body(Empty::<Bytes>::new()).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
        headers,
    }
}

/// The `Cookie` header a browser sends back for a sign-in's `Set-Cookie`s.
fn cookie_of(set: &http::HeaderMap) -> String {
    set.get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_sign_in_keeps_roles_persistence_and_path() {
    let keys = keys();
    let layer = AuthLayer::new().accept(FormsCookie::new(&keys).with_roles_in_user_data(','));
    let login = SignIn::new("alice")
        .roles(["Admin", "Editor"])
        .persistence(Persistence::Persistent)
        .cookie_path("/shop");
    let set = layer.sign_in(CookieKind::Forms, &login).unwrap();
    let header = set.get("set-cookie").unwrap().to_str().unwrap();
    assert!(header.starts_with(".ASPXAUTH="), "{header}");
    assert!(header.contains("; path=/shop"), "{header}");
    assert!(header.contains("; expires="), "persistent: {header}");
    // What the ASP.NET site reads: FormsAuthentication.Decrypt gives these fields.
    let value = header
        .split(';')
        .next()
        .unwrap()
        .strip_prefix(".ASPXAUTH=")
        .unwrap();
    let t = keys
        .decrypt_ticket(value, CookieProtection::All, &TicketValidation::default())
        .unwrap();
    assert_eq!(
        (
            t.name.as_str(),
            t.user_data.as_str(),
            t.cookie_path.as_str(),
            t.is_persistent
        ),
        ("alice", "Admin,Editor", "/shop", true)
    );
    assert_eq!(t.lifetime(), Duration::minutes(30));
    // Read back through the layer: roles from UserData; GenericPrincipal ignores case.
    let addr = serve(layer.clone()).await;
    let r = get_at(addr, "/me", &[("cookie", &cookie_of(&set))]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        "alice roles=[\"Admin\", \"Editor\"] admin=true ADMIN=true"
    );
    // A UserData given as it is wins over the roles.
    let set = layer
        .sign_in(
            CookieKind::Forms,
            &SignIn::new("bob").role("x").user_data("Admin"),
        )
        .unwrap();
    let r = get_at(addr, "/me", &[("cookie", &cookie_of(&set))]).await;
    assert_eq!(r.body, "bob roles=[\"Admin\"] admin=true ADMIN=true");
    // A site that keeps no roles in UserData: roles would be lost, so it is an error.
    let plain = AuthLayer::new().accept(FormsCookie::new(&keys));
    assert!(matches!(
        plain.sign_in(CookieKind::Forms, &SignIn::new("alice").role("Admin")),
        Err(Error::RolesNotCarried)
    ));
    assert!(
        plain
            .sign_in(CookieKind::Forms, &SignIn::new("alice"))
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_picks_the_cookie_by_kind_and_claims_roles_compare_exactly() {
    let keys = keys();
    let mut ring = KeyRing::new();
    ring.generate_key(
        OffsetDateTime::now_utc() - Duration::days(1),
        &machinekey::random::OsRandom,
    )
    .unwrap();
    let layer = AuthLayer::from_app_keys(&keys)
        .accept(AuthCookie::core(&ring, "Identity.Application", Some("app")).unwrap());
    let addr = serve(layer.clone()).await;
    for (kind, name) in [
        (CookieKind::Owin, ".AspNet.ApplicationCookie"),
        (CookieKind::Core, ".AspNetCore.Identity.Application"),
    ] {
        let set = layer
            .sign_in(
                kind,
                &SignIn::new("carol").role("Admin").claim("email", "c@x"),
            )
            .unwrap();
        let cookie = cookie_of(&set);
        assert!(cookie.starts_with(&format!("{name}=")), "{cookie}");
        assert!(
            !set.get("set-cookie")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("expires=")
        );
        let r = get_at(addr, "/me", &[("cookie", &cookie)]).await;
        assert_eq!(r.status, 200, "{kind:?}");
        // ClaimsPrincipal.IsInRole compares the value exactly.
        assert_eq!(
            r.body, "carol roles=[\"Admin\"] admin=true ADMIN=false",
            "{kind:?}"
        );
    }
    // The OWIN identity carries the cookie's authentication type, as Katana requires.
    let set = layer
        .sign_in(CookieKind::Owin, &SignIn::new("carol"))
        .unwrap();
    let value = cookie_of(&set);
    let value = value.split_once('=').unwrap().1;
    let t = AuthCookie::owin(&keys, "ApplicationCookie")
        .unwrap()
        .unprotect(value)
        .unwrap();
    assert_eq!(t.identities[0].authentication_type, "ApplicationCookie");
    assert!(matches!(
        layer.sign_in(CookieKind::Interop, &SignIn::new("carol")),
        Err(Error::NotAccepted(CookieKind::Interop))
    ));
    // The one error type carries its source and shows no value.
    let e = AuthLayer::from_web_config("<configuration><system.web><machineKey validationKey=\"zz\"/></system.web></configuration>", "/").unwrap_err();
    assert!(matches!(e, Error::Keys(_)));
    assert!(std::error::Error::source(&e).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejections_are_configurable() {
    let keys = keys();
    // 401 with WWW-Authenticate: Bearer realm="api".
    let api = serve(
        AuthLayer::new()
            .accept_bearer(OAuthToken::new(&keys, TokenKind::Access))
            .challenge(Challenge::bearer(Some("api"))),
    )
    .await;
    let r = get_at(api, "/me", &[]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.headers["www-authenticate"], "Bearer realm=\"api\"");
    let r = get_at(api, "/open", &[("authorization", "Bearer nope")]).await;
    assert_eq!(
        r.status, 401,
        "the challenge covers every route under the layer"
    );
    // A redirect to the login page with ReturnUrl (path and query, escaped).
    let site =
        serve(AuthLayer::from_app_keys(&keys).challenge(Challenge::redirect("/Account/Login")))
            .await;
    let r = get_at(site, "/me?tab=a%20b&x=1", &[]).await;
    assert_eq!(r.status, 302);
    assert_eq!(
        r.headers["location"],
        "/Account/Login?ReturnUrl=%2Fme%3Ftab%3Da%2520b%26x%3D1"
    );
    // AJAX gets 401 with the same Location (the Core cookie handler's rule).
    let r = get_at(site, "/me", &[("x-requested-with", "XMLHttpRequest")]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.headers["location"], "/Account/Login?ReturnUrl=%2Fme");
    // A login URL with a query of its own gets &ReturnUrl.
    let site = serve(
        AuthLayer::from_app_keys(&keys).challenge(Challenge::redirect("/login.aspx?lang=fr")),
    )
    .await;
    let r = get_at(site, "/me", &[]).await;
    assert_eq!(r.headers["location"], "/login.aspx?lang=fr&ReturnUrl=%2Fme");
    // Without a challenge, requests pass through and the extractor answers 401.
    let open = serve(AuthLayer::from_app_keys(&keys)).await;
    assert_eq!(get_at(open, "/open", &[]).await.status, 200);
    assert_eq!(get_at(open, "/me", &[]).await.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_refusal_hook_says_why_without_values() {
    let keys = keys();
    let seen: Arc<Mutex<Vec<Vec<Refusal>>>> = Arc::default();
    let sink = seen.clone();
    let clock = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let offset = clock.clone();
    let layer = AuthLayer::new()
        .accept(AuthCookie::owin(&keys, "ApplicationCookie").unwrap())
        .accept(FormsCookie::new(&keys))
        .accept_bearer(OAuthToken::new(&keys, TokenKind::Access))
        .on_refused(move |r| sink.lock().unwrap().push(r.to_vec()))
        .with_clock(Shifted(offset));
    let addr = serve(layer).await;
    let now = OffsetDateTime::now_utc();
    let owin = AuthCookie::owin(&keys, "ApplicationCookie").unwrap();
    let mut id = ClaimsIdentity::new("ApplicationCookie");
    id.claims.push(Claim::name("alice"));
    let good = owin
        .protect(&owin.sign_in(vec![id.clone()], false, now))
        .unwrap();
    let mut tampered: Vec<char> = good.chars().collect();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    // A forms cookie renamed as the OWIN cookie: it verifies under an accepted format.
    let forms = FormsCookie::new(&keys);
    let forms_value = forms
        .issue(
            &forms.sign_in(vec![id.clone()], false, now),
            &forms.template(),
        )
        .unwrap()[0]
        .value
        .clone();
    let access = OAuthToken::new(&keys, TokenKind::Access);
    let refresh = OAuthToken::new(&keys, TokenKind::Refresh)
        .issue(id.clone(), now)
        .unwrap();
    let mut anon = id.clone();
    anon.authentication_type = String::new();
    let anonymous = access.issue(anon, now).unwrap();
    type Case<'a> = (
        Vec<(&'a str, String)>,
        Vec<(Option<&'a str>, RefusalReason)>,
    );
    let cases: Vec<Case<'_>> = vec![
        (vec![], vec![(None, RefusalReason::Absent)]),
        (
            vec![("cookie", "theme=dark".into())],
            vec![(None, RefusalReason::Absent)],
        ),
        (
            vec![("cookie", ".AspNet.ApplicationCookie=not*base64".into())],
            vec![(Some(".AspNet.ApplicationCookie"), RefusalReason::Malformed)],
        ),
        (
            vec![("cookie", ".AspNet.ApplicationCookie=chunks:3".into())],
            vec![(Some(".AspNet.ApplicationCookie"), RefusalReason::Malformed)],
        ),
        (
            vec![("cookie", format!(".AspNet.ApplicationCookie={tampered}"))],
            vec![(
                Some(".AspNet.ApplicationCookie"),
                RefusalReason::DoesNotVerify,
            )],
        ),
        (
            vec![("cookie", format!(".AspNet.ApplicationCookie={forms_value}"))],
            vec![(
                Some(".AspNet.ApplicationCookie"),
                RefusalReason::OtherPurpose,
            )],
        ),
        (
            vec![("authorization", format!("Bearer {refresh}"))],
            vec![(Some("Authorization"), RefusalReason::OtherPurpose)],
        ),
        (
            vec![("authorization", format!("Bearer {anonymous}"))],
            vec![(Some("Authorization"), RefusalReason::NotAuthenticated)],
        ),
        (
            vec![
                ("authorization", format!("Bearer {tampered}")),
                ("cookie", format!(".ASPXAUTH=00{forms_value}")),
            ],
            vec![
                (Some("Authorization"), RefusalReason::DoesNotVerify),
                (Some(".ASPXAUTH"), RefusalReason::DoesNotVerify),
            ],
        ),
    ];
    for (headers, expected) in &cases {
        seen.lock().unwrap().clear();
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(get_at(addr, "/me", &h).await.status, 401);
        let got = seen.lock().unwrap().clone();
        assert_eq!(got.len(), 1, "one call per request");
        let got: Vec<(Option<&str>, RefusalReason)> = got[0]
            .iter()
            .map(|r| (r.source.as_deref(), r.reason))
            .collect();
        assert_eq!(&got, expected, "{headers:?}");
    }
    // Expired: the clock 15 days on.
    clock.store(15 * 86_400, std::sync::atomic::Ordering::Relaxed);
    seen.lock().unwrap().clear();
    let c = format!(".AspNet.ApplicationCookie={good}");
    assert_eq!(get_at(addr, "/me", &[("cookie", &c)]).await.status, 401);
    let got = seen.lock().unwrap().clone();
    assert_eq!(got[0][0].reason, RefusalReason::Expired);
    // No value anywhere in what the hook gets.
    let text = format!("{got:?}");
    assert!(!text.contains(&good[..16]));
    // A request that signs in does not call the hook.
    clock.store(0, std::sync::atomic::Ordering::Relaxed);
    seen.lock().unwrap().clear();
    assert_eq!(get_at(addr, "/me", &[("cookie", &c)]).await.status, 200);
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_core_discriminator_is_an_explicit_choice() {
    let dir = std::env::temp_dir().join(format!("mk-tower-ring-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let now = OffsetDateTime::now_utc();
    let mut ring = KeyRing::new();
    let id = ring
        .generate_key(now - Duration::days(1), &machinekey::random::OsRandom)
        .unwrap();
    std::fs::write(
        dir.join(format!("key-{id}.xml")),
        ring.key(id).unwrap().to_xml(),
    )
    .unwrap();
    // The site: a default Core app whose content root is /srv/shop.
    let site = AuthCookie::core(&ring, "Cookies", Some("/srv/shop")).unwrap();
    let mut ident = ClaimsIdentity::new("Cookies");
    ident.claims.push(Claim::name("dave"));
    let set = site
        .issue(&site.sign_in(vec![ident], false, now), &site.template())
        .unwrap();
    let cookie = format!("{}={}", set[0].name, set[0].value);
    for (d, status, reason) in [
        (Discriminator::ContentRoot("/srv/shop".into()), 200, None),
        (
            Discriminator::ApplicationName("shop".into()),
            401,
            Some(RefusalReason::DoesNotVerify),
        ),
        (Discriminator::None, 401, Some(RefusalReason::DoesNotVerify)),
    ] {
        let seen: Arc<Mutex<Vec<Refusal>>> = Arc::default();
        let sink = seen.clone();
        let layer = AuthLayer::from_key_ring_dir(&dir, "Cookies", &d)
            .unwrap()
            .on_refused(move |r| sink.lock().unwrap().extend_from_slice(r));
        let addr = serve(layer).await;
        let r = get_at(addr, "/me", &[("cookie", &cookie)]).await;
        assert_eq!(r.status, status, "{d:?}");
        assert_eq!(
            seen.lock().unwrap().first().map(|r| r.reason),
            reason,
            "{d:?}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
    // Silence an unused-import lint when LoginCookie is only used through methods.
    let _ = <AuthCookie as LoginCookie>::cookie_name;
}

/// The system clock moved by a shared number of seconds.
#[derive(Debug)]
struct Shifted(Arc<std::sync::atomic::AtomicI64>);

impl machinekey::clock::Clock for Shifted {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
            + Duration::seconds(self.0.load(std::sync::atomic::Ordering::Relaxed))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_see_every_claim_and_refusals_have_stable_names() {
    let keys = keys();
    let owin = AuthCookie::owin(&keys, "ApplicationCookie").unwrap();
    let addr = serve(AuthLayer::new().accept(owin.clone())).await;
    let mut id = ClaimsIdentity::new("ApplicationCookie");
    id.claims.push(Claim::name("alice"));
    id.claims.push(Claim::role("Admin"));
    id.claims.push(Claim::role("Buyer"));
    let value = owin
        .protect(&owin.sign_in(vec![id], false, OffsetDateTime::now_utc()))
        .unwrap();
    let c = format!(".AspNet.ApplicationCookie={value}");
    let reply = get_at(addr, "/claims", &[("cookie", &c)]).await;
    assert_eq!(reply.status, 200);
    // The identity's claims, in order.
    let name = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";
    let role = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
    assert_eq!(
        reply.body,
        format!("{name}=alice\n{role}=Admin\n{role}=Buyer")
    );
    // The names a log line or a metric label carries.
    for (reason, text) in [
        (RefusalReason::Absent, "absent"),
        (RefusalReason::Malformed, "malformed"),
        (RefusalReason::DoesNotVerify, "does_not_verify"),
        (RefusalReason::Expired, "expired"),
        (RefusalReason::OtherPurpose, "other_purpose"),
        (RefusalReason::NotAuthenticated, "not_authenticated"),
    ] {
        assert_eq!(reason.as_str(), text);
        assert_eq!(reason.to_string(), text);
    }
    for (kind, text) in [
        (CookieKind::Forms, "forms"),
        (CookieKind::Owin, "owin"),
        (CookieKind::Core, "core"),
        (CookieKind::Interop, "interop"),
    ] {
        assert_eq!(kind.as_str(), text);
        assert_eq!(kind.to_string(), text);
    }
}

#[test]
fn accepted_cookies_tell_their_kind_type_and_roles_separator() {
    use machinekey_tower::AcceptedCookie;
    let keys = keys();
    let forms = FormsCookie::new(&keys);
    assert_eq!(forms.kind(), CookieKind::Forms);
    assert_eq!(forms.authentication_type(), "Forms");
    assert_eq!(AcceptedCookie::roles_separator(&forms), None);
    let forms = FormsCookie::new(&keys).with_roles_in_user_data(',');
    assert_eq!(AcceptedCookie::roles_separator(&forms), Some(','));
    let owin = AuthCookie::owin(&keys, "ApplicationCookie").unwrap();
    assert_eq!(owin.kind(), CookieKind::Owin);
    assert_eq!(owin.authentication_type(), "ApplicationCookie");
    // Role claims, not UserData, carry the roles of the other kinds.
    assert_eq!(owin.roles_separator(), None);
    // A value verifies under the cookie that issued it, whatever its dates, and not under
    // another authentication type's.
    let mut id = ClaimsIdentity::new("ApplicationCookie");
    id.claims.push(Claim::name("alice"));
    let long_ago = OffsetDateTime::UNIX_EPOCH + Duration::days(365);
    let value = owin
        .protect(&owin.sign_in(vec![id], false, long_ago))
        .unwrap();
    assert!(owin.verifies(&value));
    let external = AuthCookie::owin(&keys, "ExternalCookie").unwrap();
    assert!(!external.verifies(&value));
    assert!(!AcceptedCookie::verifies(&FormsCookie::new(&keys), &value));
    // Core and Interop cookies.
    let ring = KeyRing::new();
    let core = AuthCookie::core(&ring, "Identity.Application", None).unwrap();
    assert_eq!(core.kind(), CookieKind::Core);
    assert_eq!(core.authentication_type(), "Identity.Application");
    let interop =
        AuthCookie::interop(&ring, "Cookies", Some("shared"), ".AspNet.SharedCookie").unwrap();
    assert_eq!(interop.kind(), CookieKind::Interop);
    for (p, text) in [
        (Persistence::Session, "session"),
        (Persistence::Persistent, "persistent"),
    ] {
        assert_eq!(p.as_str(), text);
        assert_eq!(p.to_string(), text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issued_cookies_take_the_layer_s_path_and_long_tokens_are_read() {
    let keys = keys();
    let owin = AuthCookie::owin(&keys, "ApplicationCookie").unwrap();
    // The layer's path goes on the cookies it issues.
    let layer = AuthLayer::new().accept(owin).path("/shop");
    let set = layer
        .sign_in(CookieKind::Owin, &SignIn::new("alice"))
        .unwrap();
    let header = set.get("set-cookie").unwrap().to_str().unwrap();
    assert!(header.contains("; path=/shop"), "{header}");
    // A sign-in's own cookie path: on the cookie; in the ticket of a forms cookie only.
    let set = layer
        .sign_in(CookieKind::Owin, &SignIn::new("alice").cookie_path("/cart"))
        .unwrap();
    let header = set.get("set-cookie").unwrap().to_str().unwrap();
    assert!(header.contains("; path=/cart"), "{header}");
    let value = header
        .split(';')
        .next()
        .unwrap()
        .strip_prefix(".AspNet.ApplicationCookie=")
        .unwrap();
    let ticket = AuthCookie::owin(&keys, "ApplicationCookie")
        .unwrap()
        .unprotect(value)
        .unwrap();
    assert_eq!(ticket.properties.get(".cookiePath"), None);
    // Its Debug output names what it accepts, never key material.
    let access = OAuthToken::new(&keys, TokenKind::Access);
    let layer = layer.accept_bearer(access.clone());
    let debug = format!("{layer:?}");
    assert!(debug.contains(".AspNet.ApplicationCookie"), "{debug}");
    assert!(debug.contains("Access"), "{debug}");
    // A bearer token of several KiB (many claims) is read; one over MAX_TOKEN_LEN is not.
    let addr = serve(layer).await;
    let mut id = ClaimsIdentity::new("Bearer");
    id.claims.push(Claim::name("alice"));
    // (Varied names: the ticket is compressed.)
    for i in 1..=200u64 {
        let n = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        id.claims
            .push(Claim::role(&format!("{n:016x}{:08x}", n >> 17)));
    }
    let token = access.issue(id, OffsetDateTime::now_utc()).unwrap();
    assert!(token.len() > 2048 && token.len() < machinekey_tower::MAX_TOKEN_LEN);
    let bearer = format!("Bearer {token}");
    let r = get_at(addr, "/me", &[("authorization", &bearer)]).await;
    assert_eq!(r.status, 200, "{}", token.len());
    assert!(r.body.starts_with("alice "), "{}", r.body);
    let long = format!("Bearer {}", "A".repeat(machinekey_tower::MAX_TOKEN_LEN + 1));
    assert_eq!(
        get_at(addr, "/me", &[("authorization", &long)])
            .await
            .status,
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_tokens_are_bounded_at_max_token_len() {
    let keys = keys();
    let seen: Arc<Mutex<Vec<Vec<Refusal>>>> = Arc::default();
    let sink = seen.clone();
    let layer = AuthLayer::new()
        .accept_bearer(OAuthToken::new(&keys, TokenKind::Access))
        .on_refused(move |r| sink.lock().unwrap().push(r.to_vec()));
    let addr = serve(layer).await;
    // At the bound a token is read (and does not verify); one byte more is refused unread.
    for (len, reason) in [
        (
            machinekey_tower::MAX_TOKEN_LEN,
            RefusalReason::DoesNotVerify,
        ),
        (
            machinekey_tower::MAX_TOKEN_LEN + 1,
            RefusalReason::Malformed,
        ),
    ] {
        seen.lock().unwrap().clear();
        let bearer = format!("Bearer {}", "A".repeat(len));
        assert_eq!(
            get_at(addr, "/me", &[("authorization", &bearer)])
                .await
                .status,
            401
        );
        let got = seen.lock().unwrap().clone();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0][0].reason, reason, "{len}");
    }
}

/// The layer's service is ready when the service it wraps is, and passes its error on.
#[test]
fn the_service_is_ready_when_the_inner_one_is() {
    use std::task::{Context, Poll};
    use tower_service::Service;
    #[derive(Clone)]
    struct NotReady;
    impl Service<http::Request<()>> for NotReady {
        type Response = http::Response<axum::body::Body>;
        type Error = &'static str;
        type Future = std::future::Ready<Result<Self::Response, Self::Error>>;
        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Err("overloaded"))
        }
        fn call(&mut self, _: http::Request<()>) -> Self::Future {
            std::future::ready(Err("not ready"))
        }
    }
    let mut service = tower_layer::Layer::layer(&AuthLayer::new(), NotReady);
    let waker = std::task::Waker::noop();
    let mut cx = Context::from_waker(waker);
    assert!(matches!(
        service.poll_ready(&mut cx),
        Poll::Ready(Err("overloaded"))
    ));
}
