//! Carving: the protected values in what scanners hold (saved HTML pages, HAR exports, raw
//! HTTP responses), as [`BatchItem`]s ready for [`Auditor::audit_item`](super::Auditor::audit_item)
//! or `machinekey audit --batch`.
//!
//! Found: every `__VIEWSTATE` (split `__VIEWSTATE0..N` fields joined, with
//! `__VIEWSTATEGENERATOR` and the page URL), `__EVENTVALIDATION`, `__PREVIOUSPAGE`,
//! `WebResource.axd` / `ScriptResource.axd` `d=` values in links, forms-authentication
//! cookies (`.ASPXAUTH`, or another `forms_cookie_name`), and MVC anti-forgery tokens
//! (`__RequestVerificationToken` fields and cookies: `MachineKey.Protect` with purpose
//! `System.Web.Helpers.AntiXsrf.AntiForgeryToken.v1`). OWIN cookies (`.AspNet.<authentication
//! type>`, ASP.NET Identity 2's `.AspNet.ApplicationCookie`) are `MachineKey.Protect` output
//! under the cookie middleware's fixed purposes, and are carved as such (a chunked one, whose
//! chunks come as separate cookies, is labelled `owin_cookie_chunks`).
//!
//! Every ASP.NET Core Data Protection value (`CfDJ8…` in any text form, and SystemWeb
//! `09F0C9F0…` tickets) is carved into `data_protection`, labelled `data_protection`, with a
//! `hint` naming what it is where it was found: antiforgery fields and cookies
//! (`antiforgery`), the cookie middleware's cookies (`cookie_authentication`; chunked cookies,
//! `NAME=chunks-N` and `NAMEC1…NAMECN`, joined), session and TempData cookies (`session`,
//! `temp_data`), OpenID Connect and OAuth `state` in URLs, `Location` headers and posted
//! forms (`state`), the nonce in the *name* of the OpenID Connect nonce cookie
//! (`oidc_nonce`), Blazor's component descriptors and persisted state (`blazor_descriptor`,
//! `blazor_state`, from the `<!--Blazor:…-->` and `<!--Blazor-Server-Component-State:…-->`
//! markers, [`blazor`](super::blazor)), and any other `CfDJ8…` text in a body, a URL or a
//! header (bearer tokens in JSON or an `Authorization` header, antiforgery tokens in the
//! `RequestVerificationToken` or `X-XSRF-TOKEN` header, Identity tokens in links), each once
//! per input. Raw HTTP requests (a request line, headers, a form body) are read as
//! responses are, and so are a HAR entry's request and response headers.
//!
//! Values that are not ASP.NET data are labelled, not audited as something they are not:
//! Telerik handler tokens as `telerik`, role cookies (`.ASPXROLES`) as `role_cookie`, other
//! ASP.NET Core cookies (an incomplete chunked cookie) as `aspnetcore_cookie`.
//!
//! A `__VIEWSTATE` readable without keys (unsigned, or legacy signed) is also read as a
//! tree, and the deserialization gadgets it carries are listed in the item's `gadgets`.
//! Unprotected GZip-compressed ViewStates that custom persisters write (`__VSTATE`,
//! `__COMPRESSEDVIEWSTATE`, or Base64 starting `H4sI` in `__VIEWSTATE`) are decompressed
//! (at most 16 MiB), read as trees and labelled `compressed_viewstate` with their gadgets:
//! no key protects them, so there is nothing to audit.
//!
//! The HTML reading is a small scanner for `<input>` tags and `href`/`src` links, not a full
//! HTML parser: it reads what ASP.NET writes. Known differences from a browser: a `>` inside
//! an earlier quoted attribute value ends the tag, an attribute name's leading characters
//! other than letters and `_` are skipped (`:value` is read as `value`), only the character
//! references ASP.NET's encoders write are undone, and tags inside comments are read.

use std::collections::HashSet;

use serde_json::Value;

use super::batch::BatchItem;
use super::data_protection::{embedded_value, looks_like_value};
use crate::crypto::encoding::decode_value;
use crate::formats::nrbf::gadgets::in_unverified_field;
use crate::formats::viewstate::{COMPRESSED_FIELDS, compressed_payload, join_fields};

/// The purpose MVC's anti-forgery system (`MachineKey45CryptoSystem`) protects tokens with.
pub const ANTIFORGERY_PURPOSE: &str = "System.Web.Helpers.AntiXsrf.AntiForgeryToken.v1";

/// What to carve from, and how to name it.
#[derive(Debug, Clone)]
pub struct CarveOptions {
    /// The forms-authentication cookie name (`<forms name>`). Default `.ASPXAUTH`.
    pub forms_cookie_name: String,
}

impl Default for CarveOptions {
    fn default() -> Self {
        Self {
            forms_cookie_name: ".ASPXAUTH".to_owned(),
        }
    }
}

/// Carves a file's content: a HAR export (JSON with `log.entries`), a raw HTTP response
/// (`HTTP/1.1 200 OK` and headers), or an HTML page. `name` says where values came from;
/// `url` is the page URL when known (HAR entries carry their own).
///
/// # Example
/// ```
/// use machinekey::audit::carve::{CarveOptions, carve};
/// let html = r#"<form method="post" action="./cart.aspx">
///   <input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==" />
///   <input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" value="EDD8C9AE" />
/// </form>"#;
/// let items = carve(html, "page.html", Some("https://host/shop/cart.aspx"), &CarveOptions::default());
/// assert_eq!(items[0].generator.as_deref(), Some("EDD8C9AE"));
/// assert_eq!(items[0].url.as_deref(), Some("https://host/shop/cart.aspx"));
/// ```
#[must_use]
pub fn carve(
    content: &str,
    name: &str,
    url: Option<&str>,
    options: &CarveOptions,
) -> Vec<BatchItem> {
    let trimmed = content.trim_start_matches('\u{feff}').trim_start();
    let mut seen = Seen::default();
    let items = if trimmed.starts_with('{') {
        match serde_json::from_str::<Value>(trimmed) {
            Ok(har) if har.get("log").is_some() => carve_har(&har, name, options, &mut seen),
            _ => body_items(content, name, url, &mut seen),
        }
    } else if trimmed.starts_with("HTTP/") || is_request_line(trimmed) {
        carve_response(trimmed, name, url, options, &mut seen)
    } else {
        body_items(content, name, url, &mut seen)
    };
    finish(items, &mut seen)
}

/// The Data Protection values already carved from one input (escapes undone), so each is
/// given once.
#[derive(Default)]
struct Seen(HashSet<String>);

impl Seen {
    /// `true` the first time `value` (in any of its text forms) is seen.
    fn first(&mut self, value: &str) -> bool {
        let (_, normalized) = embedded_value(value.trim(), 0);
        let key = if normalized.is_empty() {
            value.to_owned()
        } else {
            normalized
        };
        self.0.insert(key)
    }
}

/// Every item with a Data Protection value moved into `data_protection`, each such value
/// kept once.
fn finish(items: Vec<BatchItem>, seen: &mut Seen) -> Vec<BatchItem> {
    let mut out = Vec::with_capacity(items.len());
    let mut kept = Seen::default();
    for item in items {
        let item = label_foreign(item);
        if let Some(v) = &item.data_protection {
            if !kept.first(v) {
                continue;
            }
        }
        out.push(item);
    }
    // The values of this input count as seen for its later parts (a WARC's records).
    seen.0.extend(kept.0);
    out
}

/// Whether `text` starts with an HTTP request line (`GET /path HTTP/1.1`).
pub(crate) fn is_request_line(text: &str) -> bool {
    let line = text.lines().next().unwrap_or_default();
    let mut parts = line.split(' ');
    let method = parts.next().unwrap_or_default();
    !method.is_empty()
        && method.bytes().all(|b| b.is_ascii_uppercase())
        && parts.next().is_some()
        && parts.next().is_some_and(|v| v.starts_with("HTTP/"))
}

/// A Data Protection value found where `<machineKey>` data is expected (SystemWeb ViewState
/// and tickets are `CfDJ8…` and `09F0C9F0…`; ASP.NET Core's antiforgery field has the 4.x
/// name) becomes a Data Protection item, with what its place says it is.
fn label_foreign(item: BatchItem) -> BatchItem {
    let fields = [
        (&item.viewstate, Some("systemweb_page")),
        (&item.eventvalidation, Some("systemweb_page")),
        (&item.cookie, Some("systemweb_ticket")),
        (&item.resource, None),
        (&item.protected, None),
    ];
    let Some((value, hint)) = fields
        .into_iter()
        .find_map(|(v, hint)| Some((v.as_deref()?, hint)))
    else {
        return item;
    };
    if !looks_like_value(value) {
        return item;
    }
    let hint = if item.purposes.iter().any(|p| p == ANTIFORGERY_PURPOSE) {
        Some("antiforgery")
    } else {
        hint
    };
    dp_item(
        item.source.as_deref().unwrap_or_default(),
        item.url.as_deref(),
        value,
        hint,
    )
}

/// A Data Protection value, where it was found and what that place says it is.
fn dp_item(source: &str, url: Option<&str>, value: &str, hint: Option<&str>) -> BatchItem {
    BatchItem {
        data_protection: Some(value.to_owned()),
        hint: hint.map(str::to_owned),
        label: Some("data_protection".to_owned()),
        ..item(source, url)
    }
}

fn carve_har(har: &Value, name: &str, options: &CarveOptions, seen: &mut Seen) -> Vec<BatchItem> {
    let mut out = Vec::new();
    let entries = har
        .pointer("/log/entries")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, entry) in entries.iter().enumerate() {
        let source = format!("{name}#entry{}", i + 1);
        let url = entry.pointer("/request/url").and_then(Value::as_str);
        let headers = |path: &str| {
            entry
                .pointer(path)
                .and_then(Value::as_array)
                .map(|h| {
                    h.iter()
                        .filter_map(|x| Some((x.get("name")?.as_str()?, x.get("value")?.as_str()?)))
                        .map(|(n, v)| (n.to_owned(), v.to_owned()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        };
        if let Some(u) = url {
            out.extend(text_values(u, &format!("{source} request URL"), url, seen));
        }
        let response_headers = headers("/response/headers");
        let set_cookies: Vec<String> = response_headers
            .iter()
            .filter(|(h, _)| h.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.clone())
            .collect();
        out.extend(jar_items(
            &set_cookie_pairs(&set_cookies),
            &source,
            url,
            options,
        ));
        let request_headers = headers("/request/headers");
        for (header, value) in request_headers.iter().chain(&response_headers) {
            if !header.eq_ignore_ascii_case("cookie") && !header.eq_ignore_ascii_case("set-cookie")
            {
                out.extend(header_values(header, value, &source, url, seen));
            }
        }
        let cookies: Vec<String> = request_headers
            .into_iter()
            .filter(|(h, _)| h.eq_ignore_ascii_case("cookie"))
            .map(|(_, v)| v)
            .collect();
        out.extend(jar_items(&cookie_pairs(&cookies), &source, url, options));
        // A form posted back carries the page state the server gave out.
        if let Some(body) = entry
            .pointer("/request/postData/text")
            .and_then(Value::as_str)
        {
            let where_ = format!("{source} request");
            out.extend(form_body_items(body, &where_, url));
            out.extend(text_values(body, &format!("{where_} body"), url, seen));
        }
        let text = entry
            .pointer("/response/content/text")
            .and_then(Value::as_str);
        let base64 = entry
            .pointer("/response/content/encoding")
            .and_then(Value::as_str)
            == Some("base64");
        if let Some(text) = text {
            let body = if base64 {
                crate::crypto::encoding::from_base64(text)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default()
            } else {
                text.to_owned()
            };
            out.extend(body_items(&body, &source, url, seen));
        }
    }
    out
}

/// Headers whose value is a URL a protected value can ride in (`state` in a redirect).
fn is_url_header(name: &str) -> bool {
    ["location", "content-location", "refresh", "link", "referer"]
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h))
}

/// The values in a header other than the cookie headers: in a URL header named by their
/// parameter (`state` in a redirect), in any other by the header (ASP.NET Core
/// antiforgery's `RequestVerificationToken`, or the `X-XSRF-TOKEN` SPAs send; a bearer
/// token in `Authorization`).
fn header_values(
    header: &str,
    value: &str,
    source: &str,
    url: Option<&str>,
    seen: &mut Seen,
) -> Vec<BatchItem> {
    let mut items = text_values(value, &format!("{source} header {header}"), url, seen);
    if !is_url_header(header) {
        let hint = if header.eq_ignore_ascii_case("authorization") {
            Some("bearer_token")
        } else if ["x-xsrf-token", "x-csrf-token"]
            .iter()
            .any(|h| header.eq_ignore_ascii_case(h))
        {
            Some("antiforgery")
        } else {
            name_hint(header)
        };
        for item in &mut items {
            if item.hint.is_none() {
                item.hint = hint.map(str::to_owned);
            }
        }
    }
    items
}

fn carve_response(
    text: &str,
    name: &str,
    url: Option<&str>,
    options: &CarveOptions,
    seen: &mut Seen,
) -> Vec<BatchItem> {
    let (head, body) = text
        .split_once("\r\n\r\n")
        .or_else(|| text.split_once("\n\n"))
        .unwrap_or((text, ""));
    carve_head_and_body(head, body, name, url, options, seen)
}

/// Carves an HTTP response (or request) already split into its head (status or request
/// line and headers) and body, as [`carve`] does (for WARC records, whose body was decoded
/// apart).
pub(crate) fn carve_http(
    head: &str,
    body: &str,
    name: &str,
    url: Option<&str>,
    options: &CarveOptions,
) -> Vec<BatchItem> {
    let mut seen = Seen::default();
    let items = carve_head_and_body(head, body, name, url, options, &mut seen);
    finish(items, &mut seen)
}

fn carve_head_and_body(
    head: &str,
    body: &str,
    name: &str,
    url: Option<&str>,
    options: &CarveOptions,
    seen: &mut Seen,
) -> Vec<BatchItem> {
    let mut out = Vec::new();
    let mut lines = head.lines();
    let first = lines.next().unwrap_or_default();
    let request = is_request_line(first);
    if request {
        // The request target: `state` of a login callback, a token in a link followed.
        let target = first.split(' ').nth(1).unwrap_or_default();
        out.extend(text_values(
            target,
            &format!("{name} request URL"),
            url,
            seen,
        ));
    }
    let mut set_cookies = Vec::new();
    let mut cookies = Vec::new();
    for line in lines {
        if let Some((header, value)) = line.split_once(':') {
            let (header, value) = (header.trim(), value.trim());
            if header.eq_ignore_ascii_case("set-cookie") {
                set_cookies.push(value.to_owned());
            } else if header.eq_ignore_ascii_case("cookie") {
                cookies.push(value.to_owned());
            } else {
                out.extend(header_values(header, value, name, url, seen));
            }
        }
    }
    out.extend(jar_items(
        &set_cookie_pairs(&set_cookies),
        name,
        url,
        options,
    ));
    out.extend(jar_items(&cookie_pairs(&cookies), name, url, options));
    if request {
        out.extend(form_body_items(body, &format!("{name} request"), url));
        out.extend(text_values(
            body,
            &format!("{name} request body"),
            url,
            seen,
        ));
    } else {
        out.extend(body_items(body, name, url, seen));
    }
    out
}

/// A value's label when it is not `<machineKey>` data.
/// An unprotected GZip ViewState (`__VSTATE`, `__COMPRESSEDVIEWSTATE`, or `H4sI...` in
/// `__VIEWSTATE`): nothing to audit (no MAC), so it is labelled `compressed_viewstate`, with
/// the gadgets of its tree, or `compressed_viewstate_unreadable`.
fn compressed_item(value: &str, source: &str, url: Option<&str>) -> BatchItem {
    match compressed_payload(value) {
        Some(Ok(payload)) => BatchItem {
            gadgets: crate::formats::osf::read(&payload)
                .map(|doc| crate::formats::nrbf::gadgets::in_state(&doc.root))
                .unwrap_or_default(),
            ..labelled(source, url, "compressed_viewstate")
        },
        _ => labelled(source, url, "compressed_viewstate_unreadable"),
    }
}

fn foreign_label(value: &str) -> Option<&'static str> {
    if crate::dataprotection::looks_like_payload(value) {
        Some("data_protection")
    } else {
        None
    }
}

fn item(source: &str, url: Option<&str>) -> BatchItem {
    BatchItem {
        source: Some(source.to_owned()),
        url: url.map(str::to_owned),
        ..BatchItem::default()
    }
}

fn labelled(source: &str, url: Option<&str>, label: &str) -> BatchItem {
    BatchItem {
        label: Some(label.to_owned()),
        ..item(source, url)
    }
}

/// The `name=value` of each `Set-Cookie` header.
fn set_cookie_pairs(headers: &[String]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|h| {
            let first = h.split(';').next().unwrap_or_default();
            let (n, v) = first.split_once('=')?;
            Some((n.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

/// The `name=value` pairs of `Cookie` headers.
fn cookie_pairs(headers: &[String]) -> Vec<(String, String)> {
    headers
        .iter()
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| {
            let (n, v) = pair.split_once('=')?;
            Some((n.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

/// The most chunks a chunked cookie is joined from.
const MAX_CHUNKS: usize = 1000;

/// The cookies one response sets (or one request sends): ASP.NET Core's chunked cookies
/// (`NAME=chunks-N`, then `NAMEC1` to `NAMECN`; `ChunkingCookieManager`) joined, then each
/// cookie carved.
fn jar_items(
    jar: &[(String, String)],
    source: &str,
    url: Option<&str>,
    options: &CarveOptions,
) -> Vec<BatchItem> {
    let chunk_count = |v: &str| {
        v.strip_prefix("chunks-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=MAX_CHUNKS).contains(n))
    };
    let value_of = |name: &str| jar.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    // The chunk cookies of chunked cookies present, carved as part of their cookie.
    let is_chunk = |name: &str| {
        jar.iter().any(|(base, v)| {
            chunk_count(v).is_some()
                && name
                    .strip_prefix(base.as_str())
                    .and_then(|rest| rest.strip_prefix('C'))
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
    };
    let mut out = Vec::new();
    for (name, value) in jar {
        if is_chunk(name) {
            continue;
        }
        let Some(n) = chunk_count(value) else {
            out.extend(cookie_items(name, value, source, url, options));
            continue;
        };
        let joined: Option<String> = (1..=n)
            .map(|i| value_of(&format!("{name}C{i}")))
            .collect::<Option<Vec<&str>>>()
            .map(|parts| parts.concat());
        match joined {
            Some(v) if !v.is_empty() => out.extend(cookie_items(
                name,
                &v,
                &format!("{source} ({n} chunks)"),
                url,
                options,
            )),
            _ => out.push(labelled(
                &format!("{source} cookie {name} (chunked; chunks missing)"),
                url,
                "aspnetcore_cookie",
            )),
        }
    }
    out
}

/// The prefix of the OpenID Connect nonce cookie's name (`OpenIdConnectOptions.NonceCookie`);
/// the protected nonce follows it in the name.
const NONCE_COOKIE_PREFIX: &str = ".AspNetCore.OpenIdConnect.Nonce.";

/// What an ASP.NET Core cookie's name says its Data Protection value is.
fn cookie_hint(name: &str, options: &CarveOptions) -> Option<&'static str> {
    if name.starts_with(".AspNetCore.Antiforgery.")
        || name.starts_with("__RequestVerificationToken")
    {
        Some("antiforgery")
    } else if name.eq_ignore_ascii_case(".AspNetCore.Session") {
        Some("session")
    } else if name.contains("TempData") {
        Some("temp_data")
    } else if name.eq_ignore_ascii_case(&options.forms_cookie_name) {
        Some("systemweb_ticket")
    } else if name.starts_with(".AspNetCore.") {
        Some("cookie_authentication")
    } else {
        None
    }
}

/// One cookie, its chunks joined.
fn cookie_items(
    name: &str,
    value: &str,
    source: &str,
    url: Option<&str>,
    options: &CarveOptions,
) -> Vec<BatchItem> {
    if let Some(nonce) = name.strip_prefix(NONCE_COOKIE_PREFIX) {
        if looks_like_value(nonce) {
            return vec![dp_item(
                &format!("{source} cookie {NONCE_COOKIE_PREFIX}* (the nonce in its name)"),
                url,
                nonce,
                Some("oidc_nonce"),
            )];
        }
    }
    let source = format!("{source} cookie {name}");
    if value.is_empty() {
        return Vec::new();
    }
    if foreign_label(value).is_some() {
        return vec![dp_item(&source, url, value, cookie_hint(name, options))];
    }
    if name.eq_ignore_ascii_case(&options.forms_cookie_name) {
        return vec![BatchItem {
            cookie: Some(value.to_owned()),
            ..item(&source, url)
        }];
    }
    if name.starts_with("__RequestVerificationToken") {
        return vec![BatchItem {
            protected: Some(value.to_owned()),
            purposes: vec![ANTIFORGERY_PURPOSE.to_owned()],
            ..item(&source, url)
        }];
    }
    if name.eq_ignore_ascii_case(".ASPXROLES") {
        return vec![labelled(&source, url, "role_cookie")];
    }
    if name.starts_with(".AspNetCore.Correlation.") {
        // The OpenID Connect / OAuth correlation cookie: "N", nothing protected.
        return Vec::new();
    }
    if name.starts_with(".AspNetCore.") {
        return vec![labelled(&source, url, "aspnetcore_cookie")];
    }
    if let Some(authentication_type) = name.strip_prefix(".AspNet.").filter(|t| !t.is_empty()) {
        if value.starts_with("chunks:") {
            return vec![labelled(&source, url, "owin_cookie_chunks")];
        }
        // The OWIN cookie middleware: MachineKey.Protect under fixed purposes.
        return vec![BatchItem {
            protected: Some(value.to_owned()),
            purposes: vec![
                crate::formats::auth_cookie::OWIN_PURPOSE.to_owned(),
                authentication_type.to_owned(),
                "v1".to_owned(),
            ],
            ..item(&source, url)
        }];
    }
    Vec::new()
}

/// The most values one text gives (a page of a million tokens is not a page).
const MAX_TEXT_VALUES: usize = 100_000;

/// What the name a value is given under says it is.
fn name_hint(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "state" => Some("state"),
        "__requestverificationtoken" | "requestverificationtoken" => Some("antiforgery"),
        "descriptor" => Some("blazor_descriptor"),
        "accesstoken" | "access_token" | "refreshtoken" | "refresh_token" => Some("bearer_token"),
        _ => None,
    }
}

/// The name a value at `start` of `text` is given under: `name=` (a query or form
/// parameter, an attribute) or `"name":"` (JSON).
fn name_before(text: &str, start: usize) -> Option<&str> {
    let before = text.get(..start)?;
    let before = before
        .strip_suffix("\":\"")
        .or_else(|| before.strip_suffix("\": \""))
        .or_else(|| before.strip_suffix('='))
        .or_else(|| before.strip_suffix("=\""))
        .or_else(|| before.strip_suffix("='"))?;
    let from = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .map_or(0, |i| i + 1);
    before.get(from..).filter(|n| !n.is_empty())
}

/// Every Data Protection value in `text` not seen before (`CfDJ8…` in any text form),
/// named by the parameter or property it is the value of.
fn text_values(text: &str, source: &str, url: Option<&str>, seen: &mut Seen) -> Vec<BatchItem> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text.get(from..).and_then(|rest| rest.find("CfDJ8")) {
        let start = from + at;
        let (end, value) = embedded_value(text, start);
        from = end.max(start + 5);
        if out.len() >= MAX_TEXT_VALUES
            || crate::audit::data_protection::DataProtectionAuditor::key_id_of(&value).is_none()
        {
            continue;
        }
        if !seen.first(&value) {
            continue;
        }
        let name = name_before(text, start);
        let where_ = match name {
            Some(n) => format!("{source} ({n})"),
            None => source.to_owned(),
        };
        out.push(dp_item(&where_, url, &value, name.and_then(name_hint)));
    }
    out
}

/// Blazor's protected markers in a page.
fn blazor_items(html: &str, source: &str, url: Option<&str>, seen: &mut Seen) -> Vec<BatchItem> {
    use super::blazor::{markers, state_markers};
    let mut out = Vec::new();
    for m in markers(html) {
        let Some(d) = m.descriptor.as_deref().filter(|d| looks_like_value(d)) else {
            continue;
        };
        if seen.first(d) {
            let at = m
                .sequence
                .map_or_else(String::new, |s| format!(", sequence {s}"));
            out.push(dp_item(
                &format!("{source} Blazor component marker{at}"),
                url,
                d,
                Some("blazor_descriptor"),
            ));
        }
    }
    for m in state_markers(html) {
        if m.protected && looks_like_value(&m.value) && seen.first(&m.value) {
            out.push(dp_item(
                &format!("{source} Blazor-Server-Component-State"),
                url,
                &m.value,
                Some("blazor_state"),
            ));
        }
    }
    out
}

/// A body: an HTML page (its fields, links and Blazor markers), then any other Data
/// Protection value in it (JSON, scripts, links).
fn body_items(body: &str, source: &str, url: Option<&str>, seen: &mut Seen) -> Vec<BatchItem> {
    let mut out = carve_html(body, source, url);
    for i in &out {
        // Fields carved as page state or antiforgery count as seen.
        for v in [&i.viewstate, &i.eventvalidation, &i.protected, &i.resource]
            .into_iter()
            .flatten()
        {
            if looks_like_value(v) {
                seen.first(v);
            }
        }
    }
    out.extend(blazor_items(body, source, url, seen));
    out.extend(text_values(body, source, url, seen));
    out
}

/// The attributes of one tag's text (`name="value"`, `name='value'`, `name=value`).
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let bytes = tag.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len()
            && !bytes
                .get(i)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        {
            i += 1;
        }
        let start = i;
        while bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':'))
        {
            i += 1;
        }
        let name = tag.get(start..i).unwrap_or_default().to_ascii_lowercase();
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            if name.is_empty() {
                i += 1;
            }
            continue;
        }
        i += 1;
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let (value_start, value_end) = match bytes.get(i) {
            Some(q @ (b'"' | b'\'')) => {
                let open = i + 1;
                let close = tag
                    .get(open..)
                    .and_then(|rest| rest.find(char::from(*q)))
                    .map_or(tag.len(), |n| open + n);
                i = close + 1;
                (open, close)
            }
            _ => {
                let open = i;
                while bytes
                    .get(i)
                    .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'>')
                {
                    i += 1;
                }
                (open, i)
            }
        };
        out.push((
            name,
            html_unescape(tag.get(value_start..value_end).unwrap_or_default()),
        ));
    }
    out
}

/// The character references ASP.NET's encoders write in attribute values, undone once
/// (`&amp;` last, so `&amp;lt;` gives `&lt;` as a browser reads it).
fn html_unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x2B;", "+")
        .replace("&#43;", "+")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/")
        .replace("&#61;", "=")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The hidden fields of a page, by name, in order.
fn input_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower.get(from..).and_then(|rest| rest.find("<input")) {
        let start = from + at;
        let end = lower
            .get(start..)
            .and_then(|rest| rest.find('>'))
            .map_or(html.len(), |n| start + n);
        let attrs = attributes(html.get(start + 6..end).unwrap_or_default());
        let get = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if let Some(name) = get("name") {
            fields.push((name, get("value").unwrap_or_default()));
        }
        from = end.max(start + 6);
    }
    fields
}

/// Page-state and anti-forgery items from `(name, value)` fields.
fn field_items(fields: &[(String, String)], source: &str, url: Option<&str>) -> Vec<BatchItem> {
    let mut out = Vec::new();
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let generator = get("__VIEWSTATEGENERATOR").filter(|g| !g.is_empty());
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    for name in COMPRESSED_FIELDS {
        if let Some(value) = get(name).filter(|v| !v.is_empty()) {
            out.push(compressed_item(&value, &format!("{source} {name}"), url));
        }
    }
    if let Ok(viewstate) = join_fields(&refs) {
        if !viewstate.is_empty() {
            if viewstate.trim_start().starts_with("H4sI") {
                out.push(compressed_item(
                    &viewstate,
                    &format!("{source} __VIEWSTATE"),
                    url,
                ));
            } else if foreign_label(&viewstate).is_some() {
                // An ASP.NET Core value where a SystemWeb page keeps its state:
                // `finish` makes it a Data Protection item named by the field.
                out.push(BatchItem {
                    viewstate: Some(viewstate),
                    ..item(&format!("{source} __VIEWSTATE"), url)
                });
            } else {
                out.push(BatchItem {
                    gadgets: in_unverified_field(&viewstate),
                    viewstate: Some(viewstate),
                    generator: generator.clone(),
                    ..item(&format!("{source} __VIEWSTATE"), url)
                });
            }
        }
    }
    if let Some(ev) = get("__EVENTVALIDATION").filter(|v| !v.is_empty()) {
        out.push(BatchItem {
            eventvalidation: Some(ev),
            generator,
            ..item(&format!("{source} __EVENTVALIDATION"), url)
        });
    }
    if let Some(pp) = get("__PREVIOUSPAGE").filter(|v| !v.is_empty()) {
        out.push(BatchItem {
            resource: Some(pp),
            ..item(&format!("{source} __PREVIOUSPAGE"), url)
        });
    }
    for (name, value) in fields {
        if name == "__RequestVerificationToken" && !value.is_empty() {
            out.push(BatchItem {
                protected: Some(value.clone()),
                purposes: vec![ANTIFORGERY_PURPOSE.to_owned()],
                ..item(&format!("{source} __RequestVerificationToken"), url)
            });
        }
    }
    out
}

/// A posted form body (`a=b&c=d`, percent-encoded).
fn form_body_items(body: &str, source: &str, url: Option<&str>) -> Vec<BatchItem> {
    let fields: Vec<(String, String)> = body
        .split('&')
        .filter_map(|pair| {
            let (n, v) = pair.split_once('=')?;
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            // Values stay as sent (the decoder takes percent-encoded text); names are decoded.
            Some((decode(n), v.to_owned()))
        })
        .collect();
    field_items(&fields, source, url)
}

/// `d=` values of `WebResource.axd` / `ScriptResource.axd` links (Telerik handlers are
/// labelled).
fn resource_items(html: &str, source: &str, url: Option<&str>) -> Vec<BatchItem> {
    let mut out = Vec::new();
    let text = html_unescape(html);
    for handler in ["WebResource.axd?", "ScriptResource.axd?"] {
        let mut from = 0;
        while let Some(at) = text.get(from..).and_then(|rest| rest.find(handler)) {
            let start = from + at + handler.len();
            let end = text
                .get(start..)
                .and_then(|rest| rest.find(['"', '\'', ' ', '>', '<', ')']))
                .map_or(text.len(), |n| start + n);
            let query = text.get(start..end).unwrap_or_default();
            let link_start = text
                .get(..from + at)
                .and_then(|b| b.rfind(['"', '\'']))
                .unwrap_or(0);
            let link = text.get(link_start..end).unwrap_or_default();
            for param in query.split('&') {
                if let Some(d) = param.strip_prefix("d=").filter(|d| !d.is_empty()) {
                    let where_ = format!("{source} {}", handler.trim_end_matches('?'));
                    if link.contains("Telerik") {
                        out.push(labelled(&where_, url, "telerik"));
                    } else if decode_value(d).is_ok() {
                        out.push(BatchItem {
                            resource: Some(d.to_owned()),
                            ..item(&where_, url)
                        });
                    }
                }
            }
            from = end.max(start);
        }
    }
    out
}

fn carve_html(html: &str, source: &str, url: Option<&str>) -> Vec<BatchItem> {
    let mut out = field_items(&input_fields(html), source, url);
    out.extend(resource_items(html, source, url));
    out
}
