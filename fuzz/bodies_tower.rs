//! The `tower` fuzz target's body: request headers of untrusted bytes through
//! `machinekey_tower::AuthLayer`'s request path (the `Cookie` headers' pairs, chunked
//! cookies of every variant, the `Authorization` bearer token, the refusal reasons), shared by
//! `cargo fuzz` (`fuzz_targets/tower.rs`) and the stable replay test
//! (`machinekey-tower/tests/fuzz_replay.rs`).

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs,
    unreachable_pub
)]

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

use axum::body::Body;
use http::{HeaderValue, Request, Response};
use machinekey::clock::FixedClock;
use machinekey::config::{CompatibilityMode, MachineKeyConfig};
use machinekey::crypto::encoding::to_base64url;
use machinekey::dataprotection::KeyRing;
use machinekey::formats::AppKeys;
use machinekey::formats::auth_cookie::{Chunking, LoginCookie, SetCookie};
use machinekey::formats::auth_ticket::{Claim, ClaimsIdentity};
use machinekey::formats::oauth_token::{OAuthToken, TokenKind};
use machinekey_tower::time::{Duration, OffsetDateTime};
use machinekey_tower::{AuthCookie, AuthLayer, FormsCookie, Identity};
use tower_layer::Layer as _;
use tower_service::Service;

const RING_XML: &str = r#"<key id="5c5c5c5c-5c5c-4c5c-9c5c-5c5c5c5c5c5c" version="1"><creationDate>2020-01-01T00:00:00Z</creationDate><activationDate>2020-01-01T00:00:00Z</activationDate><expirationDate>2999-01-01T00:00:00Z</expirationDate><descriptor deserializerType="Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel.AuthenticatedEncryptorDescriptorDeserializer, Microsoft.AspNetCore.DataProtection"><descriptor><encryption algorithm="AES_256_CBC" /><validation algorithm="HMACSHA256" /><masterKey><value>75X7cyp+pT3KinhR4ix2/VrDS/TjVeYUcVW6zveMhgCzKisARAmvTUZpl7hhBiFSH2wQTdmUSxOrxlVjY1i/pg==</value></masterKey></descriptor></descriptor></key>"#;

/// A fixed time (2030), so runs replay.
fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap()
}

/// The inner service: answers at once; 200 when the layer put a login in the request.
#[derive(Clone)]
struct Inner;

impl Service<Request<Body>> for Inner {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let status = if req.extensions().get::<Identity>().is_some() {
            200
        } else {
            204
        };
        ready(Ok(Response::builder()
            .status(status)
            .body(Body::empty())
            .unwrap()))
    }
}

struct Setup {
    layer: AuthLayer,
    keys: AppKeys,
    ring: KeyRing,
    forms: FormsCookie,
    owin: AuthCookie,
    core: AuthCookie,
    interop: AuthCookie,
    bearer: OAuthToken,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let cfg = MachineKeyConfig::builder()
            .validation_key(&"3C".repeat(64))
            .decryption_key("8E0D8C6E3B9E2A1F4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3")
            .compatibility_mode(CompatibilityMode::Framework45)
            .build()
            .unwrap();
        let keys = AppKeys::explicit(&cfg).unwrap();
        let ring = KeyRing::from_xml(RING_XML, "fuzz ring").unwrap();
        let forms = FormsCookie::new(&keys).with_sliding_expiration(true);
        let owin = AuthCookie::owin(&keys, "ApplicationCookie").unwrap();
        let core = AuthCookie::core(&ring, "Identity.Application", Some("/srv/app")).unwrap();
        let interop =
            AuthCookie::interop(&ring, "Cookies", Some("shared"), ".AspNet.SharedCookie").unwrap();
        let bearer = OAuthToken::new(&keys, TokenKind::Access);
        let layer = AuthLayer::new()
            .accept(forms.clone())
            .accept(owin.clone())
            .accept(core.clone())
            .accept(interop.clone())
            .accept_bearer(bearer.clone())
            .with_clock(FixedClock(now()))
            .on_refused(|refusals| {
                for r in refusals {
                    let _ = format!("{r:?}");
                }
            });
        Setup {
            layer,
            keys,
            ring,
            forms,
            owin,
            core,
            interop,
            bearer,
        }
    })
}

/// Sends a request with `headers` through the layer; whether the inner service saw a login.
fn send(headers: &[(&'static str, Vec<u8>)]) -> bool {
    let mut req = Request::new(Body::empty());
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_bytes(value) {
            req.headers_mut().append(*name, v);
        }
    }
    let mut service = setup().layer.layer(Inner);
    let mut future = service.call(req);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(Ok(response)) => response.status() == 200,
        Poll::Ready(Err(e)) => match e {},
        Poll::Pending => panic!("the layer's future waited on nothing"),
    }
}

fn identity(auth_type: &str, name: &str) -> ClaimsIdentity {
    let mut id = ClaimsIdentity::new(auth_type);
    id.claims.push(Claim::name(name));
    id
}

/// The `Cookie` header text of the cookies a login cookie issues for `name`.
fn issued(c: &dyn LoginCookie, auth_type: &str, name: &str) -> String {
    let t = c.sign_in(
        vec![identity(auth_type, name)],
        false,
        now() - Duration::minutes(1),
    );
    c.issue(&t, &c.template())
        .unwrap()
        .iter()
        .map(|s| format!("{}={}", s.name, s.value))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Untrusted request headers through the layer: raw `Cookie` and `Authorization` headers
/// never log in; fuzzer bytes sealed as each kind's ticket (past the MAC, then chunked at a
/// fuzzer-chosen size) and real logins with fuzzer text spliced into their headers never
/// panic; real logins of every kind log in.
pub fn tower(data: &[u8]) {
    let s = setup();
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 4 {
        // Raw headers: lines, the first byte of each picks Cookie or Authorization.
        0 => {
            let headers: Vec<(&'static str, Vec<u8>)> = rest
                .split(|b| *b == b'\n')
                .filter_map(|line| line.split_first())
                .map(|(h, v)| {
                    let name = if h % 2 == 0 {
                        "cookie"
                    } else {
                        "authorization"
                    };
                    (name, v.to_vec())
                })
                .collect();
            assert!(!send(&headers), "random headers logged in");
        }
        // Past the MAC: the bytes as the ticket of the kind the next byte picks, chunked.
        1 => {
            let Some((&pick, rest)) = rest.split_first() else {
                return;
            };
            let (value, name, chunking) = match pick % 4 {
                0 => {
                    let Ok(blob) = s.keys.protect(rest, &s.owin.purposes()) else {
                        return;
                    };
                    (to_base64url(&blob), s.owin.cookie_name(), Chunking::Katana)
                }
                1 => {
                    let Ok(blob) = s
                        .ring
                        .protector(&s.core.purposes())
                        .and_then(|p| p.at(now()).protect(rest))
                    else {
                        return;
                    };
                    (to_base64url(&blob), s.core.cookie_name(), Chunking::Core)
                }
                2 => {
                    let Ok(blob) = s
                        .ring
                        .protector(&s.interop.purposes())
                        .and_then(|p| p.at(now()).protect(rest))
                    else {
                        return;
                    };
                    (
                        to_base64url(&blob),
                        s.interop.cookie_name(),
                        Chunking::Interop,
                    )
                }
                _ => {
                    let Ok(blob) = s.keys.protect(rest, &TokenKind::Access.purposes()) else {
                        return;
                    };
                    let mut header = b"Bearer ".to_vec();
                    header.extend_from_slice(to_base64url(&blob).as_bytes());
                    let _ = send(&[("authorization", header)]);
                    return;
                }
            };
            let size = 60 + usize::from(rest.first().copied().unwrap_or(0)) * 16;
            let template = SetCookie::new(name, "");
            let Some(set) = chunking.split_with_size(Some(size), &template, &value) else {
                return;
            };
            let header = set
                .iter()
                .map(|c| format!("{}={}", c.name, c.value))
                .collect::<Vec<_>>()
                .join("; ");
            let _ = send(&[("cookie", header.into_bytes())]);
        }
        // A real login of each kind with fuzzer text spliced into its header at a
        // fuzzer-chosen place.
        2 => {
            let Some((&at, text)) = rest.split_first() else {
                return;
            };
            for (c, auth_type) in [
                (&s.forms as &dyn LoginCookie, "Forms"),
                (&s.owin, "ApplicationCookie"),
                (&s.core, "Identity.Application"),
                (&s.interop, "Cookies"),
            ] {
                let header = issued(c, auth_type, "fuzz-user").into_bytes();
                let cut = usize::from(at).min(header.len());
                let mut spliced = header[..cut].to_vec();
                spliced.extend_from_slice(text);
                spliced.extend_from_slice(&header[cut..]);
                let _ = send(&[("cookie", spliced)]);
            }
        }
        // Real logins, the user's name from the fuzzer: each logs in alone and beside
        // fuzzer cookies.
        _ => {
            let name = String::from_utf8_lossy(rest)
                .chars()
                .take(64)
                .collect::<String>();
            let name = if name.is_empty() {
                "u".to_owned()
            } else {
                name
            };
            for (c, auth_type) in [
                (&s.forms as &dyn LoginCookie, "Forms"),
                (&s.owin, "ApplicationCookie"),
                (&s.core, "Identity.Application"),
                (&s.interop, "Cookies"),
            ] {
                let header = issued(c, auth_type, &name);
                assert!(
                    send(&[("cookie", header.clone().into_bytes())]),
                    "a real login was refused"
                );
                let mut beside = rest.to_vec();
                beside.extend_from_slice(b"; ");
                beside.extend_from_slice(header.as_bytes());
                let _ = send(&[("cookie", beside)]);
            }
            if let Ok(token) = s
                .bearer
                .issue(identity("Bearer", &name), now() - Duration::minutes(1))
            {
                let mut h = b"Bearer ".to_vec();
                h.extend_from_slice(token.as_bytes());
                assert!(
                    send(&[("authorization", h)]),
                    "a real bearer token was refused"
                );
            }
        }
    }
}
