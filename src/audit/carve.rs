//! Carving: the protected values in what scanners hold (saved HTML pages, HAR exports, raw
//! HTTP responses), as [`BatchItem`]s ready for [`Auditor::audit_item`](super::Auditor::audit_item)
//! or `machinekey audit --batch`.
//!
//! Found: every `__VIEWSTATE` (split `__VIEWSTATE0..N` fields joined, with
//! `__VIEWSTATEGENERATOR` and the page URL), `__EVENTVALIDATION`, `__PREVIOUSPAGE`,
//! `WebResource.axd` / `ScriptResource.axd` `d=` values in links, forms-authentication
//! cookies (`.ASPXAUTH`, or another `forms_cookie_name`), and MVC anti-forgery tokens
//! (`__RequestVerificationToken` fields and cookies: `MachineKey.Protect` with purpose
//! `System.Web.Helpers.AntiXsrf.AntiForgeryToken.v1`). Values that are not ASP.NET
//! `<machineKey>` data are labelled, not audited as something they are not: `CfDJ8…`
//! and SystemWeb `09F0C9F0…` tickets (Data Protection) as `data_protection`, Telerik handler tokens as `telerik`,
//! role cookies (`.ASPXROLES`) as `role_cookie`, other ASP.NET Core cookies (`.AspNetCore.*`,
//! chunk markers included) as `aspnetcore_cookie`. OWIN cookies (`.AspNet.<authentication
//! type>`, ASP.NET Identity 2's `.AspNet.ApplicationCookie`) are `MachineKey.Protect` output
//! under the cookie middleware's fixed purposes, and are carved as such (a chunked one, whose
//! chunks come as separate cookies, is labelled `owin_cookie_chunks`).
//!
//! A `__VIEWSTATE` readable without keys (unsigned, or legacy signed) is also read as a
//! tree, and the deserialization gadgets it carries are listed in the item's `gadgets`.
//! Unprotected GZip-compressed ViewStates that custom persisters write (`__VSTATE`,
//! `__COMPRESSEDVIEWSTATE`, or Base64 starting `H4sI` in `__VIEWSTATE`) are decompressed
//! (at most 16 MiB), read as trees and labelled `compressed_viewstate` with their gadgets:
//! no key protects them, so there is nothing to audit.
//!
//! The HTML reading is a small scanner for `<input>` tags and `href`/`src` links, not a full
//! HTML parser: it reads what ASP.NET writes.

use serde_json::Value;

use super::batch::BatchItem;
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
    let items = if trimmed.starts_with('{') {
        match serde_json::from_str::<Value>(trimmed) {
            Ok(har) if har.get("log").is_some() => carve_har(&har, name, options),
            _ => carve_html(content, name, url),
        }
    } else if trimmed.starts_with("HTTP/") {
        carve_response(trimmed, name, url, options)
    } else {
        carve_html(content, name, url)
    };
    items.into_iter().map(label_foreign).collect()
}

/// A value that is not `<machineKey>` data, wherever it was found, is labelled instead.
fn label_foreign(item: BatchItem) -> BatchItem {
    let value = [
        &item.viewstate,
        &item.eventvalidation,
        &item.cookie,
        &item.resource,
        &item.protected,
    ]
    .into_iter()
    .find_map(Option::as_deref);
    match value.and_then(foreign_label) {
        Some(label) => labelled(
            item.source.as_deref().unwrap_or_default(),
            item.url.as_deref(),
            label,
        ),
        None => item,
    }
}

fn carve_har(har: &Value, name: &str, options: &CarveOptions) -> Vec<BatchItem> {
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
        for (header, value) in headers("/response/headers") {
            if header.eq_ignore_ascii_case("set-cookie") {
                out.extend(cookie_items(&value, &source, url, options));
            }
        }
        for (header, value) in headers("/request/headers") {
            if header.eq_ignore_ascii_case("cookie") {
                for pair in value.split(';') {
                    out.extend(cookie_items(pair, &source, url, options));
                }
            }
        }
        // A form posted back carries the page state the server gave out.
        if let Some(body) = entry
            .pointer("/request/postData/text")
            .and_then(Value::as_str)
        {
            out.extend(form_body_items(body, &format!("{source} request"), url));
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
            out.extend(carve_html(&body, &source, url));
        }
    }
    out
}

fn carve_response(
    text: &str,
    name: &str,
    url: Option<&str>,
    options: &CarveOptions,
) -> Vec<BatchItem> {
    let (head, body) = text
        .split_once("\r\n\r\n")
        .or_else(|| text.split_once("\n\n"))
        .unwrap_or((text, ""));
    carve_head_and_body(head, body, name, url, options)
}

/// Carves an HTTP response already split into its head (status line and headers) and body,
/// labelling what is not `<machineKey>` data as [`carve`] does (for WARC records, whose body
/// was decoded apart).
pub(crate) fn carve_http(
    head: &str,
    body: &str,
    name: &str,
    url: Option<&str>,
    options: &CarveOptions,
) -> Vec<BatchItem> {
    carve_head_and_body(head, body, name, url, options)
        .into_iter()
        .map(label_foreign)
        .collect()
}

fn carve_head_and_body(
    head: &str,
    body: &str,
    name: &str,
    url: Option<&str>,
    options: &CarveOptions,
) -> Vec<BatchItem> {
    let mut out = Vec::new();
    for line in head.lines().skip(1) {
        if let Some((header, value)) = line.split_once(':') {
            if header.trim().eq_ignore_ascii_case("set-cookie") {
                out.extend(cookie_items(value.trim(), name, url, options));
            }
        }
    }
    out.extend(carve_html(body, name, url));
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

/// One `name=value[; attributes]` cookie.
fn cookie_items(
    cookie: &str,
    source: &str,
    url: Option<&str>,
    options: &CarveOptions,
) -> Vec<BatchItem> {
    let first = cookie.split(';').next().unwrap_or_default().trim();
    let Some((name, value)) = first.split_once('=') else {
        return Vec::new();
    };
    let (name, value) = (name.trim(), value.trim());
    if value.is_empty() {
        return Vec::new();
    }
    let source = format!("{source} cookie {name}");
    if let Some(label) = foreign_label(value) {
        return vec![labelled(&source, url, label)];
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
    if name.starts_with(".AspNetCore.") {
        // A chunked Core login (the chunks come as their own cookies) or another Core cookie.
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

fn html_unescape(text: &str) -> String {
    text.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x2B;", "+")
        .replace("&#43;", "+")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/")
        .replace("&#61;", "=")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
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
            } else if let Some(label) = foreign_label(&viewstate) {
                out.push(labelled(&format!("{source} __VIEWSTATE"), url, label));
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
