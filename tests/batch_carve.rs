//! Batch audits (JSON lines, order kept, ids echoed, malformed lines reported and skipped,
//! every planted key found among decoys for every kind of value) and carving (HTML, HAR and
//! raw responses written here: split ViewState, cookies, axd links, anti-forgery fields),
//! piped into the batch audit as a user would.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::audit::batch::BatchItem;
use machinekey::audit::carve::{ANTIFORGERY_PURPOSE, CarveOptions, carve};
use machinekey::audit::{Auditor, KeyList};
use machinekey::crypto::encoding::{to_base64, url_token_encode};
use machinekey::formats::resource::ResourceKind;
use machinekey::{CookieProtection, FormsAuthenticationTicket, Page};
use serde_json::{Value, json};

#[path = "common/planted_page.rs"]
mod planted_page;
use planted_page::{keys, list, page_html};

fn ticket() -> FormsAuthenticationTicket {
    FormsAuthenticationTicket {
        version: 2,
        name: "alice".into(),
        issue_date: machinekey::clock::from_dotnet_ticks(638_000_000_000_000_000).unwrap(),
        expiration: machinekey::clock::from_dotnet_ticks(638_000_018_000_000_000).unwrap(),
        is_persistent: false,
        user_data: String::new(),
        cookie_path: "/".into(),
    }
}

/// One value of every kind, each under one of the planted keys.
fn planted_items(planted: &[(String, String)]) -> Vec<(Value, usize)> {
    let page = Page::from_path("/shop/cart.aspx", "/shop").unwrap();
    let generator = format!(
        "{:08X}",
        page.generator(machinekey::formats::GeneratorHash::InvariantIgnoreCase)
            .unwrap()
    );
    let legacy = |i: usize| keys(&planted[i].0, &planted[i].1, "Framework20SP1");
    let fx45 = |i: usize| keys(&planted[i].0, &planted[i].1, "Framework45");
    vec![
        (
            json!({"id": "vs", "viewstate": legacy(0).encode_viewstate(b"\xff\x01\x64", &page, machinekey::formats::viewstate::ViewStateProtection::Signed).unwrap(), "generator": generator}),
            100,
        ),
        (
            json!({"id": "vs45", "viewstate": fx45(1).encode_viewstate(b"\xff\x01\x64", &page, machinekey::formats::viewstate::ViewStateProtection::Signed).unwrap(), "url": "https://host/shop/cart.aspx"}),
            201,
        ),
        (
            json!({"id": "ev", "eventvalidation": fx45(2).encode_event_validation(b"\xff\x01\x64", &page, machinekey::formats::viewstate::ViewStateProtection::Signed).unwrap(), "url": "https://host/shop/cart.aspx"}),
            302,
        ),
        (
            json!({"id": "cookie", "cookie": legacy(3).encrypt_ticket(&ticket(), CookieProtection::All).unwrap()}),
            403,
        ),
        (
            json!({"id": "res", "resource": legacy(4).encrypt_resource_string("s|WebForms.js", ResourceKind::WebResource).unwrap()}),
            504,
        ),
        (
            json!({"id": "mkp", "protected": to_base64(&fx45(0).protect(b"x", &["Sessions"]).unwrap()), "purposes": ["Sessions"]}),
            100,
        ),
        (
            json!({"id": "af", "protected": url_token_encode(&fx45(1).protect(b"token", &[ANTIFORGERY_PURPOSE]).unwrap()), "purposes": [ANTIFORGERY_PURPOSE]}),
            201,
        ),
    ]
}

#[test]
fn batch_finds_every_planted_key_in_order() {
    let (list, planted) = list();
    let auditor = Auditor::from_list(list);
    let items = planted_items(&planted);
    let mut lines: Vec<String> = Vec::new();
    for (i, (item, _)) in items.iter().enumerate() {
        lines.push(item.to_string());
        if i == 2 {
            lines.push("{not json".to_owned());
            lines.push(String::new());
            lines.push(json!({"id": "two", "viewstate": "AAAA", "cookie": "00"}).to_string());
            lines.push(json!({"id": "decoy", "viewstate": "/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==", "generator": "EDD8C9AE"}).to_string());
        }
    }
    let results: Vec<_> = auditor.audit_lines(&lines).collect();
    assert_eq!(results.len(), items.len() + 3, "the blank line is skipped");
    let found: Vec<_> = results.iter().filter(|r| r.found).collect();
    assert_eq!(found.len(), items.len());
    for ((item, index), r) in items.iter().zip(found) {
        assert_eq!(
            r.id.as_ref().map(ToString::to_string),
            item.get("id").map(ToString::to_string),
            "order and ids"
        );
        let f = r.finding.as_ref().unwrap();
        assert_eq!(f.index + 1, *index + 1, "{:?}", item["id"]);
        assert_eq!(
            f.origin.as_ref().unwrap().to_string(),
            format!("planted.txt:{}", index + 1)
        );
    }
    let line_of = |code: &str| {
        results
            .iter()
            .find(|r| r.error.as_ref().is_some_and(|e| e.code.as_str() == code))
            .map(|r| r.line)
    };
    assert_eq!(line_of("malformed_line"), Some(4));
    assert!(results.iter().any(
        |r| r.id.as_ref().and_then(|id| id.as_str()) == Some("decoy")
            && !r.found
            && r.error.is_none()
    ));
    // Output lines are JSON with the finding flattened.
    let out = serde_json::to_value(&results[0]).unwrap();
    assert_eq!(
        (out["line"].as_u64(), out["found"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(out["mode"], "legacy_signed");
}

fn assert_all_found(items: &[BatchItem], auditor: &Auditor, expected_found: usize) {
    let lines: Vec<String> = items
        .iter()
        .map(|i| serde_json::to_string(i).unwrap())
        .collect();
    let results: Vec<_> = auditor.audit_lines(&lines).collect();
    let found = results.iter().filter(|r| r.found).count();
    assert_eq!(found, expected_found, "{results:#?}");
}

#[test]
fn carve_html_and_audit() {
    let (list, planted) = list();
    let auditor = Auditor::from_list(list);
    let html = page_html(&planted);
    let items = carve(
        &html,
        "cart.html",
        Some("https://host/shop/cart.aspx"),
        &CarveOptions::default(),
    );
    let kinds: Vec<&str> = items
        .iter()
        .map(|i| match i {
            _ if i.viewstate.is_some() => "viewstate",
            _ if i.eventvalidation.is_some() => "eventvalidation",
            _ if i.resource.is_some() => "resource",
            _ if i.protected.is_some() => "protected",
            _ => i.label.as_deref().unwrap_or("?"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "viewstate",
            "eventvalidation",
            "protected",
            "resource",
            "telerik"
        ]
    );
    assert!(
        items[0].viewstate.as_ref().unwrap().len() > 20,
        "split fields joined"
    );
    assert_eq!(items[2].purposes, [ANTIFORGERY_PURPOSE]);
    assert_all_found(&items, &auditor, 4);
}

#[test]
fn carve_har_and_raw_response() {
    let (list, planted) = list();
    let auditor = Auditor::from_list(list);
    let legacy = keys(&planted[3].0, &planted[3].1, "Framework20SP1");
    let cookie = legacy
        .encrypt_ticket(&ticket(), CookieProtection::All)
        .unwrap();
    let html = page_html(&planted);
    let har = json!({"log": {"version": "1.2", "entries": [
        {"request": {"method": "GET", "url": "https://host/shop/cart.aspx", "headers": []},
         "response": {"status": 200, "headers": [
             {"name": "Set-Cookie", "value": format!(".ASPXAUTH={cookie}; path=/; HttpOnly")},
             {"name": "Set-Cookie", "value": ".AspNetCore.Session=CfDJ8AAAA; path=/"},
             {"name": "Set-Cookie", "value": "ASP.NET_SessionId=abc; path=/"}],
          "content": {"mimeType": "text/html", "encoding": "base64", "text": to_base64(html.as_bytes())}}},
        {"request": {"method": "POST", "url": "https://host/shop/cart.aspx", "headers": [{"name": "Cookie", "value": format!("a=b; .ASPXAUTH={cookie}")}],
                     "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "__VIEWSTATE=%2FwEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh%2F4C9UEuwa64w%3D%3D&__VIEWSTATEGENERATOR=EDD8C9AE&x=1"}},
         "response": {"status": 302, "headers": [], "content": {"text": ""}}}
    ]}});
    let items = carve(&har.to_string(), "site.har", None, &CarveOptions::default());
    assert!(
        items
            .iter()
            .all(|i| i.source.as_deref().unwrap().starts_with("site.har#entry"))
    );
    assert!(
        items.iter().filter(|i| i.url.is_some()).count() == items.len(),
        "URLs from the HAR entries"
    );
    assert!(
        items
            .iter()
            .any(|i| i.label.as_deref() == Some("data_protection"))
    );
    // From entry 1: cookie, page state (4 of them: viewstate, ev, antiforgery, resource).
    // From entry 2: the request cookie and the posted ViewState (a built-in key's).
    assert_all_found(&items, &auditor, 5 + 1);
    let mut with_builtin = KeyList::builtin();
    with_builtin.load(&format!("{},{}\n", planted[3].0, planted[3].1), "extra");
    let both = Auditor::from_list(with_builtin);
    let posted: Vec<BatchItem> = items
        .iter()
        .filter(|i| i.source.as_deref().unwrap().starts_with("site.har#entry2"))
        .cloned()
        .collect();
    assert_all_found(&posted, &both, 2);

    // A raw HTTP response: headers then the page.
    let raw = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nSet-Cookie: .SHOPAUTH={cookie}; path=/\r\n\r\n{html}"
    );
    let options = CarveOptions {
        forms_cookie_name: ".SHOPAUTH".into(),
    };
    let items = carve(
        &raw,
        "response.txt",
        Some("https://host/shop/cart.aspx"),
        &options,
    );
    assert!(
        items
            .iter()
            .any(|i| i.cookie.as_deref() == Some(cookie.as_str()))
    );
    assert_all_found(&items, &auditor, 5);
}

/// Every hidden field carries what the audit needs: the generator on ViewState and
/// EventValidation, `__PREVIOUSPAGE` as a resource string (cargo-mutants survivors).
#[test]
fn hidden_fields_carry_generator_and_previous_page() {
    let html = r#"<form method="post" action="./default.aspx">
<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUKMTIzNDU2Nzg5MGRk" />
<input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" value="CA0B0334" />
<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="/wEdAAJd2lp0ZGRk" />
<input type="hidden" name="__PREVIOUSPAGE" id="__PREVIOUSPAGE" value="abcDEF123_-x1" />
</form>"#;
    let items = carve(
        html,
        "page.html",
        Some("https://host/app/default.aspx"),
        &CarveOptions::default(),
    );
    let vs = items.iter().find(|i| i.viewstate.is_some()).unwrap();
    let ev = items.iter().find(|i| i.eventvalidation.is_some()).unwrap();
    let pp = items.iter().find(|i| i.resource.is_some()).unwrap();
    assert_eq!(vs.generator.as_deref(), Some("CA0B0334"));
    assert_eq!(ev.generator.as_deref(), Some("CA0B0334"));
    assert_eq!(pp.resource.as_deref(), Some("abcDEF123_-x1"));
    assert!(pp.source.as_deref().unwrap().ends_with("__PREVIOUSPAGE"));
}

/// A real ASP.NET Core value of `tests/data/aspnetcore_known_key_values.json` (0: an
/// authentication cookie, 1: an antiforgery token, 2: a session cookie).
fn core_value(i: usize) -> String {
    let path = format!(
        "{}/tests/data/aspnetcore_known_key_values.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let values: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    values[i]["inputs"]["value"].as_str().unwrap().to_owned()
}

/// The real Blazor page of `tests/data/aspnetcore_blazor_page.json`: its HTML and the
/// antiforgery cookie it set (`name=value`).
fn blazor_page() -> (String, String) {
    let path = format!(
        "{}/tests/data/aspnetcore_blazor_page.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let page: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let inputs = &page[0]["inputs"];
    let cookie = inputs["set_cookie_headers"][0].as_str().unwrap();
    (
        inputs["html"].as_str().unwrap().to_owned(),
        cookie.split(';').next().unwrap().to_owned(),
    )
}

fn dp_items(items: &[BatchItem]) -> Vec<(&str, Option<&str>)> {
    items
        .iter()
        .filter_map(|i| Some((i.data_protection.as_deref()?, i.hint.as_deref())))
        .collect()
}

/// Values in JSON and page scripts are named by the property they are the value of: a
/// token response's bearer tokens, the antiforgery token a script sends, a Blazor component
/// descriptor outside its marker comment.
#[test]
fn json_and_script_values_are_named_by_their_property() {
    let options = CarveOptions::default();
    let (access, refresh) = (core_value(1), core_value(0));
    // A JSON body that is not a HAR export is carved as text; both tokens are found, the
    // second however close it follows the first.
    let tokens = format!(
        r#"{{"token_type":"Bearer","expires_in":3600,"access_token":"{access}","refresh_token":"{refresh}"}}"#
    );
    let items = carve(&tokens, "token.json", None, &options);
    assert_eq!(
        dp_items(&items),
        [
            (access.as_str(), Some("bearer_token")),
            (refresh.as_str(), Some("bearer_token"))
        ],
        "{items:#?}"
    );
    assert_eq!(
        items[0].source.as_deref(),
        Some("token.json (access_token)")
    );

    // A Blazor marker's JSON outside its comment (as a script or an endpoint returns it):
    // the descriptor, its JSON escapes undone.
    let (html, _) = blazor_page();
    let start = html.find("<!--Blazor:").unwrap() + "<!--Blazor:".len();
    let json = &html[start..start + html[start..].find("-->").unwrap()];
    let descriptor = serde_json::from_str::<Value>(json).unwrap()["descriptor"]
        .as_str()
        .unwrap()
        .to_owned();
    let items = carve(json, "component.json", None, &options);
    assert_eq!(
        dp_items(&items),
        [(descriptor.as_str(), Some("blazor_descriptor"))],
        "{items:#?}"
    );

    // The antiforgery token a page's script sends, under the header name ASP.NET Core reads
    // (`RequestVerificationToken`) or the form field's.
    let (_, cookie) = blazor_page();
    let cookie_token = cookie.split_once('=').unwrap().1;
    let script = format!(
        r#"<script>
fetch("/cart", {{ method: "POST", headers: {{ "RequestVerificationToken": "{access}" }} }});
$.post("/cart", {{"__RequestVerificationToken":"{cookie_token}"}});
</script>"#
    );
    let items = carve(&script, "cart.html", None, &options);
    assert_eq!(
        dp_items(&items),
        [
            (access.as_str(), Some("antiforgery")),
            (cookie_token, Some("antiforgery"))
        ],
        "{items:#?}"
    );
}

/// Text is carved for whole values: a file that is only a value (a token copied from a
/// browser) gives it; a page that merely mentions the `CfDJ8` prefix gives nothing.
#[test]
fn text_gives_whole_values_only() {
    let options = CarveOptions::default();
    let value = core_value(0);
    let items = carve(&format!("{value}\n"), "token.txt", None, &options);
    assert_eq!(dp_items(&items), [(value.as_str(), None)], "{items:#?}");
    let prose = "<p>ASP.NET Core Data Protection values start with CfDJ8 (the magic header \
                 09F0C9F0 in Base64url).</p>";
    let items = carve(prose, "docs.html", None, &options);
    assert!(items.is_empty(), "{items:#?}");
}

/// A raw HTTP request is read as one (its `Cookie` header and posted form); a page whose
/// first line merely mentions `HTTP/` is read as a page.
#[test]
fn raw_requests_are_read_as_requests_and_pages_as_pages() {
    let (_, planted) = list();
    let cookie = keys(&planted[3].0, &planted[3].1, "Framework20SP1")
        .encrypt_ticket(&ticket(), CookieProtection::All)
        .unwrap();
    let options = CarveOptions::default();
    let request = format!(
        "POST /shop/cart.aspx HTTP/1.1\r\nHost: host\r\nCookie: ASP.NET_SessionId=abc; .ASPXAUTH={cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\r\n\
         __VIEWSTATE=%2FwEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh%2F4C9UEuwa64w%3D%3D&__VIEWSTATEGENERATOR=EDD8C9AE"
    );
    let items = carve(
        &request,
        "request.txt",
        Some("https://host/shop/cart.aspx"),
        &options,
    );
    assert!(
        items
            .iter()
            .any(|i| i.cookie.as_deref() == Some(cookie.as_str())),
        "{items:#?}"
    );
    let posted = items.iter().find(|i| i.viewstate.is_some()).unwrap();
    assert_eq!(posted.generator.as_deref(), Some("EDD8C9AE"));
    assert_eq!(
        posted.source.as_deref(),
        Some("request.txt request __VIEWSTATE")
    );

    for note in [
        "Captured HTTP/1.1 traffic of https://host/shop/cart.aspx",
        "Fetched over HTTP/1.1 from https://host/shop/cart.aspx",
    ] {
        let page = format!(
            "{note}\n<form method=\"post\" action=\"./cart.aspx\">\n\
<input type=\"hidden\" name=\"__VIEWSTATE\" id=\"__VIEWSTATE\" value=\"/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==\" />\n\
<input type=\"hidden\" name=\"__VIEWSTATEGENERATOR\" id=\"__VIEWSTATEGENERATOR\" value=\"EDD8C9AE\" />\n\
</form>"
        );
        let items = carve(&page, "notes.html", None, &options);
        assert_eq!(items.len(), 1, "{note}: {items:#?}");
        assert_eq!(items[0].generator.as_deref(), Some("EDD8C9AE"));
        assert_eq!(items[0].source.as_deref(), Some("notes.html __VIEWSTATE"));
    }
}

/// An ASP.NET Core antiforgery token in the 4.x field name (`__RequestVerificationToken`) is
/// a Data Protection value hinted `antiforgery`; one in `__EVENTVALIDATION` is SystemWeb page
/// state.
#[test]
fn core_values_in_systemweb_fields_are_named_by_their_field() {
    let (token, state) = (core_value(1), core_value(2));
    let html = format!(
        r#"<form method="post">
<input name="__RequestVerificationToken" type="hidden" value="{token}" />
<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="{state}" />
</form>"#
    );
    let items = carve(&html, "form.html", None, &CarveOptions::default());
    assert_eq!(
        dp_items(&items),
        [
            (state.as_str(), Some("systemweb_page")),
            (token.as_str(), Some("antiforgery"))
        ],
        "{items:#?}"
    );
    assert!(
        items
            .iter()
            .all(|i| i.label.as_deref() == Some("data_protection") && i.purposes.is_empty())
    );
    // In `__VIEWSTATE` too: one item, the value and the field's hint (it was a label
    // without the value, and the value again from the text scan without a hint).
    let html = format!(r#"<input type="hidden" name="__VIEWSTATE" value="{state}" />"#);
    let items = carve(&html, "page.html", None, &CarveOptions::default());
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(dp_items(&items), [(state.as_str(), Some("systemweb_page"))]);
    assert_eq!(items[0].source.as_deref(), Some("page.html __VIEWSTATE"));
    assert!(items[0].viewstate.is_none());
    // A Core value in a cookie of the antiforgery field's name is an antiforgery token.
    let items = carve(
        &format!("GET / HTTP/1.1\r\nCookie: __RequestVerificationToken={token}\r\n\r\n"),
        "req.txt",
        None,
        &CarveOptions::default(),
    );
    assert_eq!(dp_items(&items), [(token.as_str(), Some("antiforgery"))]);
}

/// Values in request and response headers other than cookies, named by the header:
/// ASP.NET Core antiforgery's `RequestVerificationToken` header (and the `X-XSRF-TOKEN`
/// SPAs send), a bearer token in `Authorization`, anything else without a hint.
#[test]
fn values_in_other_headers_are_carved() {
    let (a, b, c) = (core_value(0), core_value(1), core_value(2));
    // (`c` is written URL-escaped; it is carved as the value.)
    let c_value = c
        .replace("%2F", "/")
        .replace("%2B", "+")
        .replace("%3D", "=");
    let raw = format!(
        "POST /api/cart HTTP/1.1\r\nHost: shop\r\nRequestVerificationToken: {a}\r\n\
         Authorization: Bearer {b}\r\nX-Custom: {c}\r\n\r\n{{}}"
    );
    let expected = [
        (a.as_str(), Some("antiforgery")),
        (b.as_str(), Some("bearer_token")),
        (c_value.as_str(), None),
    ];
    let items = carve(&raw, "req.txt", None, &CarveOptions::default());
    assert_eq!(dp_items(&items), expected, "{items:#?}");
    assert_eq!(
        items[0].source.as_deref(),
        Some("req.txt header RequestVerificationToken")
    );
    // The same in a HAR export's request and response headers.
    let har = json!({"log": {"entries": [{
        "request": {"method": "POST", "url": "https://shop/api/cart", "headers": [
            {"name": "X-XSRF-TOKEN", "value": a},
            {"name": "authorization", "value": format!("Bearer {b}")}
        ]},
        "response": {"status": 200, "headers": [{"name": "X-Custom", "value": c}]}
    }]}});
    let items = carve(&har.to_string(), "x.har", None, &CarveOptions::default());
    assert_eq!(dp_items(&items), expected, "{items:#?}");
    assert_eq!(
        items[1].source.as_deref(),
        Some("x.har#entry1 header authorization")
    );
}

/// GZip-compressed ViewStates of custom persisters are decompressed and read: labelled
/// `compressed_viewstate` with the gadgets they carry, or `compressed_viewstate_unreadable`.
#[test]
fn compressed_viewstates_are_labelled_with_their_gadgets() {
    use std::io::Write;
    let path = format!(
        "{}/tests/data/viewstate_gadgets.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let vectors: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let state = machinekey::crypto::encoding::from_base64(
        vectors["vectors"][0]["value_b64"].as_str().unwrap(),
    )
    .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&state).unwrap();
    let field = to_base64(&gz.finish().unwrap());
    let html = format!(
        r#"<input type="hidden" name="__VSTATE" value="{field}" />
<input type="hidden" name="__COMPRESSEDVIEWSTATE" value="H4sIAAAAAAAA" />"#
    );
    let items = carve(&html, "page.html", None, &CarveOptions::default());
    let labels: Vec<Option<&str>> = items.iter().map(|i| i.label.as_deref()).collect();
    assert_eq!(
        labels,
        [
            Some("compressed_viewstate"),
            Some("compressed_viewstate_unreadable")
        ],
        "{items:#?}"
    );
    assert_eq!(items[0].source.as_deref(), Some("page.html __VSTATE"));
    assert!(
        items[0]
            .gadgets
            .iter()
            .any(|g| g.gadget == machinekey::formats::nrbf::gadgets::Gadget::TypeConfuseDelegate),
        "{items:#?}"
    );
    assert!(items[1].gadgets.is_empty());
}

/// ASP.NET Core's chunked cookies (`NAME=chunks-N`, `NAMEC1`…`NAMECN`) are joined from their
/// numbered chunks only: another cookie whose name starts `NAMEC` is carved on its own, and
/// chunks that are all empty leave the cookie labelled incomplete.
#[test]
fn chunked_cookies_are_joined_from_their_numbered_chunks() {
    let options = CarveOptions::default();
    let (auth, cart) = (core_value(0), core_value(2));
    let (c1, c2) = auth.split_at(200);
    let response = format!(
        "HTTP/1.1 200 OK\r\nSet-Cookie: Shop=chunks-2; path=/; httponly\r\n\
         Set-Cookie: ShopC1={c1}; path=/; httponly\r\nSet-Cookie: ShopC2={c2}; path=/; httponly\r\n\
         Set-Cookie: ShopCart={cart}; path=/\r\n\r\n"
    );
    let items = carve(&response, "response.txt", None, &options);
    assert_eq!(
        dp_items(&items),
        [(auth.as_str(), None), (cart.as_str(), None)],
        "{items:#?}"
    );
    assert_eq!(
        items[0].source.as_deref(),
        Some("response.txt (2 chunks) cookie Shop")
    );
    assert_eq!(
        items[1].source.as_deref(),
        Some("response.txt cookie ShopCart")
    );

    let request = "GET / HTTP/1.1\r\nCookie: .AspNetCore.Cookies=chunks-2; .AspNetCore.CookiesC1=; \
                   .AspNetCore.CookiesC2=\r\n\r\n";
    let items = carve(request, "request.txt", None, &options);
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(items[0].label.as_deref(), Some("aspnetcore_cookie"));
    assert_eq!(
        items[0].source.as_deref(),
        Some("request.txt cookie .AspNetCore.Cookies (chunked; chunks missing)")
    );
}

/// Blazor state comments that hold no Data Protection value (WebAssembly's unprotected
/// state, a Server state comment with other text) give no item; the real page's protected
/// state does.
#[test]
fn blazor_state_comments_give_only_protected_values() {
    let options = CarveOptions::default();
    let plain = "<!--Blazor-WebAssembly-Component-State:eyJjb3VudCI6NDF9-->\n\
                 <!--Blazor-Server-Component-State:eyJjb3VudCI6NDF9-->";
    let items = carve(plain, "wasm.html", None, &options);
    assert!(items.is_empty(), "{items:#?}");
    let (html, _) = blazor_page();
    let items = carve(&html, "counter.html", None, &options);
    let hints: Vec<Option<&str>> = dp_items(&items).into_iter().map(|(_, h)| h).collect();
    assert_eq!(
        hints,
        [Some("blazor_descriptor"), Some("blazor_state")],
        "{items:#?}"
    );
}

/// The `protected` values of a page's `__RequestVerificationToken` fields, in order.
fn antiforgery_values(html: &str) -> Vec<String> {
    carve(html, "form.html", None, &CarveOptions::default())
        .into_iter()
        .filter_map(|i| i.protected)
        .collect()
}

/// Hidden fields are read whatever the syntax of their tag's attributes, as a browser reads
/// them: any order and case, double, single or no quotes, whitespace around `=`, bare
/// attributes, names with `-`, `:` and `_`, values holding the other quote character.
#[test]
fn hidden_fields_are_read_whatever_their_attribute_syntax() {
    // Unquoted values, the field's name before other attributes.
    assert_eq!(
        antiforgery_values("<input name=__RequestVerificationToken type=hidden value=tok1 />"),
        ["tok1"]
    );
    // An unquoted value ends at the end of the tag.
    assert_eq!(
        antiforgery_values("<input type=hidden name=__RequestVerificationToken value=tok2>"),
        ["tok2"]
    );
    // A bare attribute (no value) before the field's name.
    assert_eq!(
        antiforgery_values(
            r#"<input type="hidden" disabled name="__RequestVerificationToken" value="tok3" />"#
        ),
        ["tok3"]
    );
    // Whitespace on both sides of `=`, before quoted and unquoted values.
    assert_eq!(
        antiforgery_values(
            "<input type = \"hidden\" name =\t'__RequestVerificationToken'\nvalue= \"tok4\" >"
        ),
        ["tok4"]
    );
    assert_eq!(
        antiforgery_values("<input name = __RequestVerificationToken value = tok5 >"),
        ["tok5"]
    );
    // Upper-case tag and attribute names, single quotes.
    assert_eq!(
        antiforgery_values("<INPUT TYPE='hidden' NAME='__RequestVerificationToken' VALUE='tok6'>"),
        ["tok6"]
    );
    // Quoted values holding the other quote character, and attribute names with `-`, `:`
    // and `_` (whose endings are not taken for `name` or `value`).
    assert_eq!(
        antiforgery_values(
            r#"<input title='say "name=x"' data-value="it's" xml:name=y _value=z aria-hidden=true name="__RequestVerificationToken" value="tok7">"#
        ),
        ["tok7"]
    );
    // A tag ending right after `=` gives an empty value (no item); a quote left open runs to
    // the end of the tag.
    assert!(antiforgery_values("<input name=__RequestVerificationToken value=>").is_empty());
    assert_eq!(
        antiforgery_values(r#"<input name="__RequestVerificationToken" value="tok8>"#),
        ["tok8"]
    );
    // The generator reaches the ViewState whatever the quoting of either field.
    let items = carve(
        "<input type=hidden name=__VIEWSTATE value=/wEPDwUKMTIzNDU2Nzg5MGRk>\n\
         <input type='hidden' name = '__VIEWSTATEGENERATOR' value = 'CA0B0334' />",
        "page.html",
        None,
        &CarveOptions::default(),
    );
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(
        items[0].viewstate.as_deref(),
        Some("/wEPDwUKMTIzNDU2Nzg5MGRk")
    );
    assert_eq!(items[0].generator.as_deref(), Some("CA0B0334"));
}

/// An uncompressed ViewState carries the gadgets its (unverified) tree holds; empty
/// compressed-state fields give no item.
#[test]
fn viewstate_fields_give_their_gadgets_and_empty_fields_nothing() {
    let path = format!(
        "{}/tests/data/viewstate_gadgets.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let vectors: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let state = vectors["vectors"][0]["value_b64"].as_str().unwrap();
    let html = format!(
        r#"<input type="hidden" name="__VSTATE" value="" />
<input type="hidden" name="__COMPRESSEDVIEWSTATE" value="" />
<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{state}" />"#
    );
    let items = carve(&html, "page.html", None, &CarveOptions::default());
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(items[0].viewstate.as_deref(), Some(state));
    assert!(
        items[0]
            .gadgets
            .iter()
            .any(|g| g.gadget == machinekey::formats::nrbf::gadgets::Gadget::TypeConfuseDelegate),
        "{items:#?}"
    );
}

/// A `WebResource.axd` link is labelled Telerik by its own URL only: a plain link after a
/// Telerik handler's link (links written with `&amp;`) is a resource value.
#[test]
fn resource_links_are_telerik_by_their_own_url() {
    let d = url_token_encode(&[0x5A; 48]);
    let html = format!(
        r#"<script src="/Telerik.Web.UI.WebResource.axd?d=abc&amp;t=1"></script>
<script src="/WebResource.axd?d={d}&amp;t=637100000000000000"></script>"#
    );
    let items = carve(&html, "page.html", None, &CarveOptions::default());
    let found: Vec<(Option<&str>, Option<&str>)> = items
        .iter()
        .map(|i| (i.label.as_deref(), i.resource.as_deref()))
        .collect();
    assert_eq!(
        found,
        [(Some("telerik"), None), (None, Some(d.as_str()))],
        "{items:#?}"
    );
}

/// Character references in a field's value are undone once, as a browser reads them.
#[test]
fn character_references_are_undone_once() {
    let html = r#"<input type="hidden" name="__RequestVerificationToken" value="a&amp;lt;b&amp;amp;c&lt;d&#x2B;e&quot;f" />"#;
    let items = carve(html, "p.html", None, &CarveOptions::default());
    assert_eq!(items[0].protected.as_deref(), Some("a&lt;b&amp;c<d+e\"f"));
}
