//! A local decoder page (`machinekey ui`): paste a ViewState, EventValidation,
//! forms cookie, `CfDJ8` value or one or two web.configs, with keys or not, and see the
//! tree, the MAC verdict, which publicly known key (if any) protects the value, a ticket's
//! fields, or the compare matrix.
//!
//! Nothing leaves the machine. The server listens on a loopback address only, answers only
//! requests whose `Host` is that address (so a web page elsewhere cannot reach it through
//! DNS rebinding), takes JSON only (so another origin cannot post to it without a CORS
//! preflight, which it never grants), and serves one page whose Content-Security-Policy
//! allows nothing but itself: no external script, font, image or request. Nothing is logged:
//! keys and values typed into the page exist only in the request that carries them.

pub(crate) mod inspect;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Json, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

const INDEX_HTML: &str = include_str!("ui/assets/index.html");
const APP_JS: &str = include_str!("ui/assets/app.js");
const APP_CSS: &str = include_str!("ui/assets/app.css");

/// The page's Content-Security-Policy: itself and nothing else.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The largest request accepted (a web.config or a ViewState is far smaller).
const MAX_BODY: usize = 4 << 20;

/// The page and its one API (`POST /api/inspect`), with the headers and checks described in
/// the [module documentation](self).
///
/// # Example
/// ```
/// let app = machinekey::ui::router();
/// # let _ = app;
/// ```
pub(crate) fn router() -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { asset(INDEX_HTML, "text/html; charset=utf-8") }),
        )
        .route(
            "/app.js",
            get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/app.css",
            get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }),
        )
        .route("/api/inspect", post(inspect_handler))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn(local_only))
}

/// Serves [`router`] on `listener` until the process ends.
///
/// # Errors
/// The listener's I/O error; and `InvalidInput` when it is not bound to a loopback address.
pub(crate) async fn serve(listener: tokio::net::TcpListener) -> std::io::Result<()> {
    if !listener.local_addr()?.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the decoder page listens on a loopback address only",
        ));
    }
    axum::serve(listener, router()).await
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

async fn inspect_handler(Json(req): Json<inspect::InspectRequest>) -> Response {
    // The audit and crypto are CPU work: keep them off the I/O threads.
    match tokio::task::spawn_blocking(move || inspect::inspect(&req)).await {
        Ok(answer) => Json(answer).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Refuses requests whose `Host` is not a loopback name, and adds the page's security headers.
async fn local_only(req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let name = host.rsplit_once(':').map_or(host, |(n, _)| n);
    if !matches!(name, "127.0.0.1" | "localhost" | "[::1]") {
        return (StatusCode::FORBIDDEN, "this page answers on 127.0.0.1 only").into_response();
    }
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
