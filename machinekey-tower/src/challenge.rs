//! What the layer answers a request without a login, and why a login was refused.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::{HeaderValue, LOCATION, WWW_AUTHENTICATE};
use http::{StatusCode, request::Parts};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The answer to a request without a valid login, when the layer requires one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Challenge {
    /// `401 Unauthorized`, with this `WWW-Authenticate` when given (`Bearer`, as
    /// `OAuthBearerAuthenticationMiddleware` sends, or `Bearer realm="..."`).
    Unauthorized {
        /// The `WWW-Authenticate` value.
        www_authenticate: Option<String>,
    },
    /// `302 Found` to the site's login page with the requested path and query in a
    /// parameter, as `FormsAuthentication.RedirectToLoginPage` (`loginUrl?ReturnUrl=`) and
    /// the OWIN and Core cookie middlewares (`LoginPath?ReturnUrl=`) do. A request with
    /// `X-Requested-With: XMLHttpRequest` gets `401` with the same `Location` instead, as
    /// the Core cookie handler answers AJAX requests.
    Redirect {
        /// The login page (`<forms loginUrl>`, `LoginPath`).
        login_url: String,
        /// The parameter name (`ReturnUrl`; `ReturnUrlParameter`).
        return_url_parameter: String,
    },
}

impl Challenge {
    /// `401` without `WWW-Authenticate`.
    #[must_use]
    pub fn unauthorized() -> Self {
        Self::Unauthorized {
            www_authenticate: None,
        }
    }

    /// `401` with `WWW-Authenticate: Bearer` (or `Bearer realm="realm"`), as Katana's bearer
    /// middleware challenges.
    #[must_use]
    pub fn bearer(realm: Option<&str>) -> Self {
        let value = match realm.filter(|r| !r.trim().is_empty()) {
            Some(r) => format!("Bearer realm=\"{r}\""),
            None => "Bearer".to_owned(),
        };
        Self::Unauthorized {
            www_authenticate: Some(value),
        }
    }

    /// A redirect to `login_url` with `ReturnUrl`.
    ///
    /// # Example
    /// ```
    /// use machinekey_tower::Challenge;
    /// let c = Challenge::redirect("/Account/Login");
    /// assert_eq!(c, Challenge::Redirect { login_url: "/Account/Login".into(), return_url_parameter: "ReturnUrl".into() });
    /// ```
    #[must_use]
    pub fn redirect(login_url: &str) -> Self {
        Self::Redirect {
            login_url: login_url.to_owned(),
            return_url_parameter: "ReturnUrl".to_owned(),
        }
    }

    /// The response for a request (its path and query go in the return URL).
    pub(crate) fn response(&self, parts: &Parts) -> Response<Body> {
        match self {
            Self::Unauthorized { www_authenticate } => {
                let mut r = StatusCode::UNAUTHORIZED.into_response();
                if let Some(v) = www_authenticate
                    .as_deref()
                    .and_then(|v| HeaderValue::from_str(v).ok())
                {
                    r.headers_mut().insert(WWW_AUTHENTICATE, v);
                }
                r
            }
            Self::Redirect {
                login_url,
                return_url_parameter,
            } => {
                let back = parts
                    .uri
                    .path_and_query()
                    .map_or("/", http::uri::PathAndQuery::as_str);
                let sep = if login_url.contains('?') { '&' } else { '?' };
                let location = format!(
                    "{login_url}{sep}{}={}",
                    utf8_percent_encode(return_url_parameter, QUERY),
                    utf8_percent_encode(back, QUERY)
                );
                let ajax = parts
                    .headers
                    .get("x-requested-with")
                    .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"XMLHttpRequest"));
                let status = if ajax {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::FOUND
                };
                let mut r = status.into_response();
                if let Ok(v) = HeaderValue::from_str(&location) {
                    r.headers_mut().insert(LOCATION, v);
                }
                r
            }
        }
    }
}

/// `Uri.EscapeDataString`'s set: everything but the unreserved characters.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Why a login was not accepted. Never a value, a key or a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefusalReason {
    /// No accepted cookie and no bearer token in the request.
    Absent,
    /// The text is not the format's encoding (hex, Base64url), or a chunked cookie misses
    /// a chunk.
    Malformed,
    /// It does not verify under the keys and purposes (a wrong key, a tampered value, or a
    /// Core cookie under another discriminator), or its ticket does not parse.
    DoesNotVerify,
    /// It verified, but its ticket has expired.
    Expired,
    /// It verifies under another accepted format's purposes (an OWIN cookie of another
    /// authentication type, a refresh token sent as a bearer token).
    OtherPurpose,
    /// A bearer token whose identity is not authenticated (no authentication type).
    NotAuthenticated,
}

impl RefusalReason {
    /// The reason in snake case, as a log line or a metric label would carry it
    /// (`absent`, `malformed`, `does_not_verify`, `expired`, `other_purpose`,
    /// `not_authenticated`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Absent => "absent",
            Self::Malformed => "malformed",
            Self::DoesNotVerify => "does_not_verify",
            Self::Expired => "expired",
            Self::OtherPurpose => "other_purpose",
            Self::NotAuthenticated => "not_authenticated",
        }
    }
}

impl std::fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One refused login of a request: where it was, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refusal {
    /// The cookie's name, `Authorization` for a bearer token, or `None` when absent.
    pub source: Option<String>,
    /// Why.
    pub reason: RefusalReason,
}

impl Refusal {
    pub(crate) fn new(source: Option<&str>, reason: RefusalReason) -> Self {
        Self {
            source: source.map(str::to_owned),
            reason,
        }
    }

    /// The reason of a reader's error.
    pub(crate) fn reason_of(e: &machinekey::Error) -> RefusalReason {
        match e {
            machinekey::Error::Malformed(_) => RefusalReason::Malformed,
            machinekey::Error::TicketExpired => RefusalReason::Expired,
            machinekey::Error::NotAuthenticated => RefusalReason::NotAuthenticated,
            _ => RefusalReason::DoesNotVerify,
        }
    }
}
