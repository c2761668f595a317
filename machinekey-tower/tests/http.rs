//! The layer served on loopback and called with a real HTTP client (hyper): a valid cookie
//! of each kind gives 200 and the user; tampered, expired, other-purpose, missing-chunk,
//! over-long and garbage cookies give 401 (or pass through to an optional login) and never
//! a panic; a renewal's `Set-Cookie` is accepted back by the library as the issuing stack
//! accepts it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

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
use machinekey_tower::{AuthLayer, CookieKind, Identity, Persistence, SignIn};
use time::{Duration, OffsetDateTime};

const VK: &str = "F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B";
const DK: &str = "B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78";

struct Site {
    addr: std::net::SocketAddr,
    /// Seconds added to the real time (to age tickets).
    offset: Arc<AtomicI64>,
    forms: FormsCookie,
    core: AuthCookie,
    owin: AuthCookie,
    access: OAuthToken,
}

fn keys() -> AppKeys {
    let cfg = MachineKeyConfig::builder()
        .validation_key(VK)
        .decryption_key(DK)
        .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
        .build()
        .unwrap();
    AppKeys::explicit(&cfg).unwrap()
}

async fn me(user: Identity) -> String {
    format!(
        "{} {:?} {}",
        user.name().unwrap_or("-"),
        user.roles(),
        user.cookie_name().unwrap_or("bearer")
    )
}

async fn maybe(user: Option<Identity>) -> String {
    user.and_then(|u| u.name().map(str::to_owned))
        .unwrap_or_else(|| "anonymous".into())
}

/// The system clock moved by a shared number of seconds.
#[derive(Debug)]
struct Shifted(Arc<AtomicI64>);

impl machinekey::clock::Clock for Shifted {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + Duration::seconds(self.0.load(Ordering::Relaxed))
    }
}

async fn serve() -> Site {
    let keys = keys();
    let mut ring = KeyRing::new();
    ring.generate_key(
        OffsetDateTime::now_utc() - Duration::days(1),
        &machinekey::random::OsRandom,
    )
    .unwrap();
    let forms = FormsCookie::new(&keys);
    let core = AuthCookie::core(&ring, "Identity.Application", Some("/srv/app")).unwrap();
    let owin = AuthCookie::owin(&keys, "ApplicationCookie").unwrap();
    let access = OAuthToken::new(&keys, TokenKind::Access);
    let offset = Arc::new(AtomicI64::new(0));
    let clock_offset = offset.clone();
    let layer = AuthLayer::new()
        .accept(forms.clone())
        .accept(core.clone())
        .accept(owin.clone())
        .accept_bearer(access.clone())
        .with_clock(Shifted(clock_offset));
    let strict = layer.clone().require_login();
    let app = Router::new()
        .route("/me", get(me))
        .route("/maybe", get(maybe))
        .layer(layer)
        .merge(
            Router::new()
                .route("/strict", get(|| async { "in" }))
                .layer(strict),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Site {
        addr,
        offset,
        forms,
        core,
        owin,
        access,
    }
}

/// GET `path` with a `Cookie` header; (status, body, Set-Cookie headers).
async fn get_with(site: &Site, path: &str, cookie: &str) -> (u16, String, Vec<String>) {
    get_headers(site, path, &[("cookie", cookie.as_bytes())]).await
}

/// GET `path` with these headers (empty values left out).
async fn get_headers(
    site: &Site,
    path: &str,
    headers: &[(&str, &[u8])],
) -> (u16, String, Vec<String>) {
    let stream = tokio::net::TcpStream::connect(site.addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut req = http::Request::get(path).header("host", "127.0.0.1");
    for (name, value) in headers {
        if !value.is_empty() {
            req = req.header(*name, http::HeaderValue::from_bytes(value).unwrap());
        }
    }
    let resp = sender
        .send_request(req.body(Empty::<Bytes>::new()).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let set: Vec<String> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned(), set)
}

fn alice(auth_type: &str) -> Vec<ClaimsIdentity> {
    let mut id = ClaimsIdentity::new(auth_type);
    id.claims.push(Claim::name("alice"));
    id.claims.push(Claim::role("admin"));
    vec![id]
}

/// The `Cookie` header a browser sends for these `Set-Cookie`s.
fn cookie_header(
    c: &dyn LoginCookie,
    ticket: &machinekey::formats::auth_ticket::AuthTicket,
) -> String {
    c.issue(ticket, &c.template())
        .unwrap()
        .iter()
        .map(|s| format!("{}={}", s.name, s.value))
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_of_cookie_signs_the_user_in() {
    let site = serve().await;
    let now = OffsetDateTime::now_utc();
    for (c, kind) in [
        (&site.forms as &dyn LoginCookie, "Forms"),
        (&site.core as &dyn LoginCookie, "Identity.Application"),
        (&site.owin as &dyn LoginCookie, "ApplicationCookie"),
    ] {
        let ticket = c.sign_in(alice(kind), false, now);
        let header = cookie_header(c, &ticket);
        let (status, body, _) = get_with(&site, "/me", &header).await;
        assert_eq!(status, 200, "{kind}");
        assert!(body.starts_with("alice "), "{kind}: {body}");
        assert!(body.ends_with(c.cookie_name()), "{kind}: {body}");
        if kind != "Forms" {
            assert!(body.contains("[\"admin\"]"), "{kind}: {body}");
        }
        assert_eq!(get_with(&site, "/maybe", &header).await.1, "alice");
        assert_eq!(get_with(&site, "/strict", &header).await.0, 200);
    }
    // A chunked Core cookie (a 6 KB claim).
    let mut ids = alice("Identity.Application");
    ids[0].claims.push(Claim::new("profile", &"p".repeat(6000)));
    let ticket = site.core.sign_in(ids, false, now);
    let header = cookie_header(&site.core, &ticket);
    assert!(header.contains("chunks-"));
    assert_eq!(get_with(&site, "/me", &header).await.0, 200);
    // A missing chunk: refused.
    let partial: Vec<&str> = header.split("; ").collect();
    let partial = partial[..partial.len() - 1].join("; ");
    assert_eq!(get_with(&site, "/me", &partial).await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_cookies_are_refused_and_never_panic() {
    let site = serve().await;
    let now = OffsetDateTime::now_utc();
    let ticket = site.core.sign_in(alice("Identity.Application"), false, now);
    let good = cookie_header(&site.core, &ticket);
    let (name, value) = good.split_once('=').unwrap();
    // Tampered: one character changed in the middle.
    let mut chars: Vec<char> = value.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let tampered = format!("{name}={}", chars.into_iter().collect::<String>());
    // Another purpose: an OWIN cookie of another authentication type under the name the
    // site accepts.
    let owin_ticket = site.owin.sign_in(alice("Cookies"), false, now);
    let other_purpose = cookie_header(
        &AuthCookie::owin(&keys(), "Cookies")
            .unwrap()
            .with_cookie_name(".AspNet.ApplicationCookie"),
        &owin_ticket,
    );
    let cases = [
        tampered,
        other_purpose,
        format!("{name}=garbage!!"),
        format!("{name}="),
        format!("{name}={}", "A".repeat(60_000)),
        format!("{name}=chunks-9999"),
        ".ASPXAUTH=zz".to_owned(),
        "=; ;;= ;".to_owned(),
        format!("{name}=\u{e9}\u{e9}; .ASPXAUTH=\u{ff}"),
    ];
    for cookie in &cases {
        let (status, _, set) = get_with(&site, "/me", cookie).await;
        assert_eq!(status, 401, "{}", &cookie[..cookie.len().min(40)]);
        assert!(set.is_empty());
        assert_eq!(get_with(&site, "/maybe", cookie).await.1, "anonymous");
        assert_eq!(get_with(&site, "/strict", cookie).await.0, 401);
    }
    // Expired: the clock 15 days on.
    site.offset.store(15 * 86_400, Ordering::Relaxed);
    assert_eq!(get_with(&site, "/me", &good).await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sliding_renewal_reissues_a_cookie_the_library_accepts() {
    let site = serve().await;
    let now = OffsetDateTime::now_utc();
    for (c, kind) in [
        (&site.core as &dyn LoginCookie, "Identity.Application"),
        (&site.owin as &dyn LoginCookie, "ApplicationCookie"),
    ] {
        site.offset.store(0, Ordering::Relaxed);
        let ticket = c.sign_in(alice(kind), false, now);
        let header = cookie_header(c, &ticket);
        let (_, _, set) = get_with(&site, "/me", &header).await;
        assert!(set.is_empty(), "{kind}: fresh, not renewed");
        // Eight days of fourteen: renewed.
        site.offset.store(8 * 86_400, Ordering::Relaxed);
        let (status, _, set) = get_with(&site, "/me", &header).await;
        assert_eq!(status, 200);
        assert!(!set.is_empty(), "{kind}: renewed");
        assert!(
            set.iter()
                .all(|s| s.contains("; path=/") && s.contains("; httponly")),
            "{set:?}"
        );
        // The renewed cookie, as the browser sends it back, opens as the .NET side opens it.
        let jar: Vec<(String, String)> = set
            .iter()
            .map(|s| {
                let first = s.split(';').next().unwrap();
                let (k, v) = first.split_once('=').unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect();
        let refs: Vec<(&str, &str)> = jar.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let later = now + Duration::days(8);
        let login = c
            .read(&mut refs.iter().copied(), later + Duration::days(10))
            .unwrap();
        assert_eq!(login.name(), Some("alice"));
        assert_eq!(
            login.ticket.expires().unwrap().unix_timestamp() / 60,
            (later + Duration::days(14)).unix_timestamp() / 60
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_sign_out_headers() {
    let keys = keys();
    let layer = AuthLayer::new()
        .accept(FormsCookie::new(&keys))
        .secure(true)
        .domain("example.test");
    let headers = layer
        .sign_in(
            CookieKind::Forms,
            &SignIn::new("alice").persistence(Persistence::Persistent),
        )
        .unwrap();
    let set: Vec<&str> = headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(set.len(), 1);
    assert!(set[0].starts_with(".ASPXAUTH="));
    assert!(
        set[0].contains("; expires=")
            && set[0].contains("; domain=example.test")
            && set[0].contains("; secure"),
        "{}",
        set[0]
    );
    let mut request = http::HeaderMap::new();
    request.insert("cookie", set[0].split(';').next().unwrap().parse().unwrap());
    let out = layer.sign_out(&request);
    let out: Vec<&str> = out
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(
        out,
        [
            ".ASPXAUTH=; expires=Thu, 01 Jan 1970 00:00:00 GMT; domain=example.test; path=/; secure; httponly"
        ]
    );
    assert!(matches!(
        layer.sign_in(CookieKind::Core, &SignIn::new("alice")),
        Err(machinekey_tower::Error::NotAccepted(CookieKind::Core))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_katana_bearer_token_signs_in_and_bad_ones_are_refused() {
    let site = serve().await;
    let now = OffsetDateTime::now_utc();
    let mut id = ClaimsIdentity::new("Bearer");
    id.claims.push(Claim::name("bob"));
    id.claims.push(Claim::role("api"));
    let token = site.access.issue(id.clone(), now).unwrap();
    let auth = |t: &str| format!("Bearer {t}");
    let (status, body, set) =
        get_headers(&site, "/me", &[("authorization", auth(&token).as_bytes())]).await;
    assert_eq!((status, body.as_str()), (200, "bob [\"api\"] bearer"));
    assert!(set.is_empty(), "a bearer token is never renewed");
    // The scheme in any case, spaces around the token (Katana: StartsWith("Bearer ",
    // OrdinalIgnoreCase), then Trim).
    let loose = format!("bEaReR   {token}  ");
    assert_eq!(
        get_headers(&site, "/strict", &[("authorization", loose.as_bytes())])
            .await
            .0,
        200
    );
    // Refused: tampered, another kind's format, another scheme, garbage, empty.
    let mut chars: Vec<char> = token.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let tampered: String = chars.into_iter().collect();
    let refresh = OAuthToken::new(&keys(), TokenKind::Refresh)
        .issue(id.clone(), now)
        .unwrap();
    let code = OAuthToken::new(&keys(), TokenKind::AuthorizationCode)
        .issue(id.clone(), now)
        .unwrap();
    let cookie_value = site
        .owin
        .protect(&site.owin.sign_in(alice("ApplicationCookie"), false, now))
        .unwrap();
    for bad in [
        auth(&tampered),
        auth(&refresh),
        auth(&code),
        auth(&cookie_value),
        format!("Basic {token}"),
        auth("!!!"),
        "Bearer ".to_owned(),
        auth(&"A".repeat(50_000)),
    ] {
        let (status, _, _) = get_headers(&site, "/me", &[("authorization", bad.as_bytes())]).await;
        assert_eq!(status, 401, "{}", &bad[..bad.len().min(30)]);
        assert_eq!(
            get_headers(&site, "/maybe", &[("authorization", bad.as_bytes())])
                .await
                .1,
            "anonymous"
        );
    }
    // Expired: 21 minutes on.
    site.offset.store(21 * 60, Ordering::Relaxed);
    assert_eq!(
        get_headers(&site, "/me", &[("authorization", auth(&token).as_bytes())])
            .await
            .0,
        401
    );
    site.offset.store(0, Ordering::Relaxed);
    // A bad bearer token does not hide a good cookie.
    let ticket = site.core.sign_in(alice("Identity.Application"), false, now);
    let cookie = cookie_header(&site.core, &ticket);
    let (status, body, _) = get_headers(
        &site,
        "/me",
        &[
            ("authorization", auth(&tampered).as_bytes()),
            ("cookie", cookie.as_bytes()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.starts_with("alice "), "{body}");
}

/// Issue 29, bug 1, through the layer: the sliding renewal of an `.ASPXAUTH` ticket keeps
/// `UserData` and `CookiePath`, and the renewed cookie is set on that path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_renewal_keeps_user_data_and_cookie_path() {
    use machinekey::{CookieProtection, FormsAuthenticationTicket, TicketValidation};
    let site = serve().await;
    let keys = keys();
    let issued = OffsetDateTime::now_utc() - Duration::minutes(20);
    let mut t = FormsAuthenticationTicket::new("alice", issued, Duration::minutes(30));
    t.user_data = "Admin|Editor".into();
    t.cookie_path = "/shop".into();
    let value = keys.encrypt_ticket(&t, CookieProtection::All).unwrap();
    let (status, body, set) = get_with(&site, "/me", &format!(".ASPXAUTH={value}")).await;
    assert_eq!(status, 200);
    assert!(body.starts_with("alice "), "{body}");
    assert_eq!(set.len(), 1, "renewed: 20 of 30 minutes gone");
    assert!(set[0].contains("; path=/shop"), "{}", set[0]);
    let renewed = set[0]
        .split(';')
        .next()
        .unwrap()
        .strip_prefix(".ASPXAUTH=")
        .unwrap();
    let back = keys
        .decrypt_ticket(renewed, CookieProtection::All, &TicketValidation::default())
        .unwrap();
    assert_eq!(back.user_data, "Admin|Editor");
    assert_eq!(back.cookie_path, "/shop");
}

/// Issue 29, bug 2: a non-ASCII byte anywhere in the `Cookie` header (a UTF-8 `café`, a
/// Latin-1 byte) does not hide a valid login next to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_ascii_cookies_beside_a_login_do_not_hide_it() {
    let site = serve().await;
    let now = OffsetDateTime::now_utc();
    for (c, kind) in [
        (&site.forms as &dyn LoginCookie, "Forms"),
        (&site.core as &dyn LoginCookie, "Identity.Application"),
        (&site.owin as &dyn LoginCookie, "ApplicationCookie"),
    ] {
        let login = cookie_header(c, &c.sign_in(alice(kind), false, now));
        let headers: [Vec<u8>; 4] = [
            format!("theme=caf\u{e9}; {login}").into_bytes(),
            format!("{login}; theme=caf\u{e9}").into_bytes(),
            [b"lang=fr\xe9; ".as_slice(), login.as_bytes()].concat(),
            [login.as_bytes(), b"; x=\xff\xfe; y=\x80".as_slice()].concat(),
        ];
        for h in &headers {
            let (status, body, _) = get_headers(&site, "/me", &[("cookie", h)]).await;
            assert_eq!(status, 200, "{kind}: {}", String::from_utf8_lossy(h));
            assert!(body.starts_with("alice "), "{kind}: {body}");
        }
    }
}
