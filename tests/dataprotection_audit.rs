//! Published Data Protection keys in the audit, measured on values real ASP.NET Core 10
//! protected under keys of the built-in list: the shared file's three
//! (`aspnetcore_known_key_values.json`) and a held-out set made for these tests
//! (`aspnetcore_known_key_heldout.json`, by `make_dataprotection_heldout.py` with
//! dotnet-oracle) with discriminators and consumers the shared file does not use: each must
//! be named with its key id and discriminator, every altered copy must not open, and the
//! pages (a Blazor page as a raw response, a WARC with a chunked cookie, a HAR of an OpenID
//! Connect login) must give every value through `carve` then the batch audit. The real
//! Blazor page (`aspnetcore_blazor_page.json`) opens into its component and state.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::audit::batch::{BatchItem, BatchResult};
use machinekey::audit::carve::{CarveOptions, carve};
use machinekey::audit::data_protection::{
    DataProtectionAuditor, DataProtectionKeyList, DataProtectionMatch, DataProtectionVerdict,
    OpenedValue,
};
use machinekey::audit::warc::{WarcItem, WarcLimits, carve_warc};
use machinekey::audit::{Auditor, KeyList};
use machinekey::dataprotection::KeyRing;
use machinekey::formats::aspnetcore::CoreValue;
use serde_json::Value;

fn data(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// The chain after the discriminator.
fn consumer_chain(m: &DataProtectionMatch) -> &[String] {
    let skip = usize::from(m.discriminator.is_some());
    &m.purposes[skip..]
}

fn opened<'a>(verdict: &'a DataProtectionVerdict, id: &str) -> &'a DataProtectionMatch {
    verdict
        .opened()
        .unwrap_or_else(|| panic!("{id}: not opened: {verdict:?}"))
}

#[test]
fn shared_file_values_name_key_discriminator_consumer_and_repository() {
    let auditor = DataProtectionAuditor::builtin();
    for v in data("aspnetcore_known_key_values.json").as_array().unwrap() {
        let id = v["id"].as_str().unwrap();
        let e = &v["expected"];
        let verdict = auditor.audit(v["inputs"]["value"].as_str().unwrap());
        let m = opened(&verdict, id);
        assert_eq!(m.key_id.to_string(), e["key_id"].as_str().unwrap(), "{id}");
        assert_eq!(
            m.discriminator.as_deref(),
            e["discriminator"].as_str(),
            "{id}"
        );
        assert_eq!(consumer_chain(m), strs(&e["consumer_purposes"]), "{id}");
        let published = &e["key_published_in"];
        assert_eq!(
            m.key.found_in.as_deref(),
            published["kind_of_file"].as_str(),
            "{id}"
        );
        assert_eq!(
            m.key.sources[0].repo.as_deref(),
            published["repo"].as_str(),
            "{id}"
        );
        assert_eq!(
            m.key.sources[0].path.as_deref(),
            published["path"].as_str(),
            "{id}"
        );
        assert!(!m.impact.is_empty());
        // The finding as JSON names the key and where it was published, never key bytes.
        let json = serde_json::to_value(&verdict).unwrap();
        assert_eq!(json["result"], "opened");
        assert_eq!(json["key"]["key_id"], e["key_id"]);
        let text = json.to_string();
        for master in m.key.expose_master_keys() {
            assert!(!text.contains(&machinekey::crypto::encoding::to_base64(master)));
            assert!(!text.contains(&hex::encode_upper(master)));
        }
    }
}

/// A copy of `text` with one character of its body changed (past the header, 27 characters or 40 hex digits,
/// so the key id stays).
fn altered(text: &str, at: usize) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let i = (45 + at % (chars.len() - 50)).min(chars.len() - 3);
    chars[i] = match chars[i] {
        'A' => 'B',
        '0' => '1',
        '%' => '%',
        _ => 'A',
    };
    chars.into_iter().collect()
}

#[test]
fn held_out_values_are_named_with_key_id_and_discriminator() {
    let set = data("aspnetcore_known_key_heldout.json");
    let values = set["values"].as_array().unwrap();
    assert!(values.len() >= 10);
    let given: Vec<String> = values
        .iter()
        .flat_map(|v| strs(&v["app_names_given"]))
        .collect();
    let auditor = DataProtectionAuditor::builtin().with_app_names(&given);
    let bare = DataProtectionAuditor::builtin();
    for v in values {
        let id = v["id"].as_str().unwrap();
        let text = v["value"].as_str().unwrap();
        let e = &v["expected"];
        let verdict = auditor.audit_hinted(text, v["hint"].as_str());
        let m = opened(&verdict, id);
        assert_eq!(m.key_id.to_string(), e["key_id"].as_str().unwrap(), "{id}");
        assert_eq!(
            m.discriminator.as_deref(),
            e["discriminator"].as_str(),
            "{id}"
        );
        assert_eq!(consumer_chain(m), strs(&e["purposes"]), "{id}");
        // The same without the hint.
        let unhinted = auditor.audit(text);
        assert_eq!(opened(&unhinted, id).purposes, m.purposes, "{id}");
        // What the plaintext holds.
        match (e["kind"].as_str().unwrap(), &m.opened) {
            ("ticket", Some(OpenedValue::Core(CoreValue::Ticket(t)))) => {
                assert!(
                    ["alice", "bob", "carol"].contains(&t.name().unwrap()),
                    "{id}"
                );
                assert_eq!(t.roles(), ["Admin"], "{id}");
            }
            ("state", Some(OpenedValue::Core(CoreValue::State(p)))) => {
                assert!(p.items.iter().any(|(k, _)| k == ".redirect"), "{id}");
            }
            ("nonce", Some(OpenedValue::Core(CoreValue::Nonce(text))))
            | ("session", Some(OpenedValue::Core(CoreValue::Session(text)))) => {
                assert!(!text.is_empty(), "{id}");
            }
            #[cfg(feature = "temp-data")]
            ("temp_data", Some(OpenedValue::Core(CoreValue::TempData(t)))) => {
                assert!(!t.entries.is_empty(), "{id}");
            }
            #[cfg(not(feature = "temp-data"))]
            ("temp_data", Some(OpenedValue::Text { text })) => {
                assert!(text.starts_with('{'), "{id}");
            }
            ("antiforgery" | "identity_token" | "systemweb_ticket", _) => {}
            (kind, other) => panic!("{id}: {kind} opened as {other:?}"),
        }
        if v["note"].as_str() == Some("master key variant 1") {
            assert_eq!(m.variant, 1, "{id}");
        }
        // Names the user gave are needed where the value was made under one.
        if !v["app_names_given"].as_array().unwrap().is_empty() {
            assert!(
                matches!(
                    bare.audit(text),
                    DataProtectionVerdict::PublishedKeyUnverified { .. }
                ),
                "{id} opened without the name given"
            );
        }
        // Altered copies name the key but do not open.
        for at in [0, 7, 31] {
            let changed = altered(text, at);
            if changed == text {
                continue;
            }
            match auditor.audit(&changed) {
                DataProtectionVerdict::PublishedKeyUnverified {
                    key_id,
                    chains_tried,
                    ..
                } => {
                    assert_eq!(key_id, m.key_id, "{id}");
                    assert!(chains_tried > 50, "{id}: {chains_tried}");
                }
                other => panic!("{id} altered at {at}: {other:?}"),
            }
        }
    }
    for n in set["negatives"].as_array().unwrap() {
        let id = n["id"].as_str().unwrap();
        let verdict = auditor.audit(n["value"].as_str().unwrap());
        let json = serde_json::to_value(&verdict).unwrap();
        assert_eq!(json["result"], n["expected"]["result"], "{id}: {verdict:?}");
        assert_eq!(
            verdict.key_id().unwrap().to_string(),
            n["expected"]["key_id"].as_str().unwrap(),
            "{id}"
        );
    }
}

/// Carves a page of the held-out set as its kind says, a WARC through the WARC reader.
fn carve_page(page: &Value) -> Vec<BatchItem> {
    let content = page["content"].as_str().unwrap();
    let id = page["id"].as_str().unwrap();
    if page["kind"] == "warc" {
        let mut items = Vec::new();
        carve_warc(
            content.as_bytes(),
            id,
            &CarveOptions::default(),
            &WarcLimits::default(),
            |i| {
                if let WarcItem::Item(i) = i {
                    items.push(*i);
                }
            },
        )
        .unwrap();
        items
    } else {
        carve(content, id, page["url"].as_str(), &CarveOptions::default())
    }
}

fn batch(auditor: &Auditor, items: &[BatchItem]) -> Vec<BatchResult> {
    let lines: Vec<String> = items
        .iter()
        .map(|i| serde_json::to_string(i).unwrap())
        .collect();
    auditor.audit_lines(&lines).collect()
}

fn matches_of(results: &[BatchResult]) -> Vec<&DataProtectionMatch> {
    results
        .iter()
        .filter_map(|r| r.data_protection.as_ref()?.opened())
        .collect()
}

#[test]
fn held_out_pages_carve_then_audit_every_value() {
    let set = data("aspnetcore_known_key_heldout.json");
    for page in set["pages"].as_array().unwrap() {
        let id = page["id"].as_str().unwrap();
        let given = page.get("app_names_given").map(strs).unwrap_or_default();
        let auditor = Auditor::from_list(KeyList::default())
            .with_data_protection(DataProtectionAuditor::builtin().with_app_names(&given));
        let items = carve_page(page);
        let dp: Vec<&BatchItem> = items
            .iter()
            .filter(|i| i.data_protection.is_some())
            .collect();
        let expected = page["expected"].as_array().unwrap();
        assert_eq!(dp.len(), expected.len(), "{id}: {dp:#?}");
        let results = batch(&auditor, &items);
        let found = matches_of(&results);
        assert_eq!(found.len(), expected.len(), "{id}: {results:#?}");
        for e in expected {
            let chain = strs(&e["purposes"]);
            let m = found
                .iter()
                .find(|m| {
                    m.key_id.to_string() == e["key_id"].as_str().unwrap()
                        && consumer_chain(m) == chain
                })
                .unwrap_or_else(|| panic!("{id}: {e} not found"));
            assert_eq!(
                m.discriminator.as_deref(),
                e["discriminator"].as_str(),
                "{id}"
            );
            // The carved item said what it is.
            if let Some(hint) = e["hint"].as_str() {
                assert!(
                    dp.iter().any(|i| i.hint.as_deref() == Some(hint)),
                    "{id}: no item hinted {hint}"
                );
            }
            if let Some(chunks) = e.get("chunks").and_then(Value::as_u64) {
                assert!(
                    dp.iter().any(|i| i
                        .source
                        .as_deref()
                        .unwrap()
                        .contains(&format!("({chunks} chunks)"))),
                    "{id}: the chunked cookie"
                );
            }
            match &m.opened {
                Some(OpenedValue::ComponentDescriptor(d)) => {
                    assert_eq!(d.type_name.as_deref(), e["type_name"].as_str(), "{id}");
                    assert_eq!(d.assembly.as_deref(), e["assembly"].as_str(), "{id}");
                    let expires = time::OffsetDateTime::parse(
                        e["expires"].as_str().unwrap(),
                        &time::format_description::well_known::Rfc3339,
                    )
                    .unwrap();
                    assert_eq!(d.expires, Some(expires), "{id}");
                    assert_eq!(m.expires, Some(expires), "{id}");
                    for (name, value) in e["parameters"].as_object().unwrap() {
                        let p = d.parameters.iter().find(|p| &p.name == name).unwrap();
                        assert_eq!(p.value.to_string(), value.to_string(), "{id}: {name}");
                    }
                }
                Some(OpenedValue::PersistedState(s)) => {
                    for (key, value) in e["state"].as_object().unwrap() {
                        let entry = s.entries.iter().find(|x| &x.key == key).unwrap();
                        assert_eq!(entry.value.to_string(), value.to_string(), "{id}: {key}");
                    }
                }
                _ => assert!(
                    e.get("type_name").is_none() && e.get("state").is_none(),
                    "{id}"
                ),
            }
        }
    }
}

#[test]
fn real_blazor_page_opens_into_component_and_state() {
    let v = &data("aspnetcore_blazor_page.json")[0];
    let inputs = &v["inputs"];
    let mut ring = KeyRing::new();
    for (name, xml) in inputs["ring"].as_object().unwrap() {
        ring.add(machinekey::dataprotection::Key::from_xml(xml.as_str().unwrap(), name).unwrap())
            .unwrap();
    }
    let mut list = DataProtectionKeyList::builtin();
    list.add_key_ring(&ring, "blazor ring");
    let dp = DataProtectionAuditor::new(list)
        .with_app_names([inputs["application_name"].as_str().unwrap()]);
    // As a scanner has it: the response with its Set-Cookie header.
    let mut response = String::from("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n");
    for c in inputs["set_cookie_headers"].as_array().unwrap() {
        response.push_str(&format!("Set-Cookie: {}\r\n", c.as_str().unwrap()));
    }
    response.push_str("\r\n");
    response.push_str(inputs["html"].as_str().unwrap());
    let items = carve(
        &response,
        "counter.txt",
        Some("http://127.0.0.1/counter"),
        &CarveOptions::default(),
    );
    let hints: Vec<Option<&str>> = items
        .iter()
        .filter(|i| i.data_protection.is_some())
        .map(|i| i.hint.as_deref())
        .collect();
    assert_eq!(
        hints,
        [
            Some("antiforgery"),
            Some("blazor_descriptor"),
            Some("blazor_state")
        ],
        "{items:#?}"
    );
    let auditor = Auditor::from_list(KeyList::default()).with_data_protection(dp);
    let results = batch(&auditor, &items);
    let found = matches_of(&results);
    assert_eq!(found.len(), 3, "{results:#?}");
    let opened = &v["expected"]["opened"];
    // The descriptor: its chain, component, expiry, the JSON the server wrote.
    let descriptor = found
        .iter()
        .find(|m| m.purposes[1..] == strs(&opened[0]["purposes"]))
        .unwrap();
    assert_eq!(descriptor.discriminator.as_deref(), Some("BlazorApp"));
    let Some(OpenedValue::ComponentDescriptor(d)) = &descriptor.opened else {
        panic!("{descriptor:?}")
    };
    let inner: Value =
        serde_json::from_str(opened[0]["inner_plaintext_utf8"].as_str().unwrap()).unwrap();
    assert_eq!(d.type_name.as_deref(), inner["typeName"].as_str());
    assert_eq!(d.assembly.as_deref(), inner["assemblyName"].as_str());
    assert_eq!(d.invocation_id.as_deref(), inner["invocationId"].as_str());
    assert_eq!(
        d.key.as_ref().unwrap().location_hash.as_deref(),
        inner["key"]["locationHash"].as_str()
    );
    assert_eq!(
        &descriptor.plaintext[8..],
        opened[0]["inner_plaintext_utf8"]
            .as_str()
            .unwrap()
            .as_bytes()
    );
    let expires = time::OffsetDateTime::parse(
        opened[0]["expires"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(d.expires, Some(expires));
    // The state: every value the server persisted, decoded.
    let state = found
        .iter()
        .find(|m| m.purposes[1..] == strs(&opened[1]["purposes"]))
        .unwrap();
    assert_eq!(
        hex::encode_upper(&state.plaintext),
        opened[1]["plaintext_hex"].as_str().unwrap()
    );
    let Some(OpenedValue::PersistedState(s)) = &state.opened else {
        panic!("{state:?}")
    };
    let count = s.entries.iter().find(|e| e.key == "count").unwrap();
    assert_eq!(count.value.to_string(), "41");
    let note = s.entries.iter().find(|e| e.key == "secret-note").unwrap();
    assert_eq!(note.value.as_str(), Some("persisted by the server"));
    assert_eq!(s.entries.len(), 4);
    // The descriptor altered: it names its key but does not open; the state still does.
    let html = inputs["html"].as_str().unwrap();
    let marker_at = html.find("\"descriptor\":\"").unwrap() + 14;
    let mut tampered = html.to_owned();
    let was = &html[marker_at + 40..marker_at + 41];
    tampered.replace_range(
        marker_at + 40..marker_at + 41,
        if was == "Q" { "R" } else { "Q" },
    );
    let items = carve(&tampered, "t.html", None, &CarveOptions::default());
    let results = batch(&auditor, &items);
    assert_eq!(matches_of(&results).len(), 1, "only the state still opens");
}
