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
