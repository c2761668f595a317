//! Event logs read into the model: real `.evtx` and published event texts, event XML built
//! exactly as ASP.NET's templates lay it out, the responder's and the operator's cases end
//! to end, the chart, and bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use machinekey::audit::KeyList;
use machinekey::audit::batch::BatchItem;
use machinekey::config::{MachineKeyAttribute, MachineKeyConfig};
use machinekey::crypto::encoding::from_base64;
use machinekey::events::{
    self, Analysis, DiagnosisCode, Event, EventKind, ExceptionClass, Format, Item, Limits, Opener,
    Report, SkipReason, ViewStateReason, batch_line,
};
use machinekey::formats::nrbf::{self, gadgets::Gadget};
use machinekey::formats::osf::{self, Value};
use machinekey::formats::viewstate::ViewStateProtection;
use machinekey::{AppKeys, Page};
use sha2::{Digest, Sha256};

const DATA: &str = "tests/data/eventlog";

fn collect(format: Format, text: &str) -> (Vec<Event>, Vec<events::Skipped>) {
    let (mut ev, mut sk) = (Vec::new(), Vec::new());
    events::read(
        text.as_bytes(),
        format,
        "test",
        &Limits::default(),
        |i| match i {
            Item::Event(e) => ev.push(*e),
            Item::Skipped(s) => sk.push(s),
        },
    )
    .unwrap();
    (ev, sk)
}

fn analyse(format: Format, text: &str) -> Report {
    let mut a = Analysis::new();
    events::read(text.as_bytes(), format, "test", &Limits::default(), |i| {
        a.add(&i)
    })
    .unwrap();
    a.finish()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An event as `wevtutil qe Application /f:xml` prints a classic ASP.NET record.
fn event_xml(
    id: u32,
    qualifiers: u32,
    time: &str,
    record: u64,
    computer: &str,
    strings: &[&str],
) -> String {
    let data: String = strings
        .iter()
        .map(|s| {
            if s.is_empty() {
                "<Data></Data>".to_owned()
            } else {
                format!("<Data>{}</Data>", xml_escape(s))
            }
        })
        .collect();
    format!(
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='ASP.NET 4.0.30319.0'/><EventID Qualifiers='{qualifiers}'>{id}</EventID><Level>4</Level><Task>3</Task><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='{time}'/><EventRecordID>{record}</EventRecordID><Channel>Application</Channel><Computer>{computer}</Computer><Security/></System><EventData>{data}</EventData></Event>"
    )
}

/// The 31 insertion strings of a 1316 (`WebViewStateFailureAuditEvent`), in
/// `EventLogWebEventProvider` order.
#[allow(clippy::too_many_arguments)]
fn viewstate_failure(
    time: &str,
    machine: &str,
    pid: u32,
    detail: u32,
    client: &str,
    state: &str,
    path: &str,
    app: &str,
) -> Vec<String> {
    let reason = if detail == 50203 {
        "The viewstate supplied failed integrity check."
    } else {
        "Viewstate was invalid."
    };
    let app_domain = format!(
        "/LM/W3SVC/1/ROOT{}-1-133555{pid}",
        if app == "/" { "" } else { app }
    );
    [
        "4009",
        &format!("Viewstate verification failed. Reason: {reason}"),
        time,
        time,
        "4c8e6d0b6a0e4b1f9a2d2c3e4f5a6b7c",
        "12",
        "3",
        &detail.to_string(),
        &app_domain,
        "Full",
        app,
        "C:\\inetpub\\shop\\",
        machine,
        "",
        &pid.to_string(),
        "w3wp.exe",
        "IIS APPPOOL\\Shop",
        &format!("http://{machine}{path}"),
        path,
        client,
        "",
        "False",
        "",
        "IIS APPPOOL\\Shop",
        "The state information is invalid for this page and might be corrupted.",
        client,
        "51234",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
        state,
        "",
        path,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// The 30 insertion strings of a 1309 (`WebRequestErrorEvent`, code 3005).
fn unhandled(
    time: &str,
    machine: &str,
    pid: u32,
    app: &str,
    ex_type: &str,
    message: &str,
) -> Vec<String> {
    let app_domain = format!(
        "/LM/W3SVC/1/ROOT{}-1-133555{pid}",
        if app == "/" { "" } else { app }
    );
    [
        "3005",
        "An unhandled exception has occurred.",
        time,
        time,
        "0d1c2b3a49586776a5b4c3d2e1f00f1e",
        "40",
        "7",
        "0",
        &app_domain,
        "Full",
        app,
        "C:\\inetpub\\shop\\",
        machine,
        "",
        &pid.to_string(),
        "w3wp.exe",
        "IIS APPPOOL\\Shop",
        ex_type,
        message,
        &format!("http://{machine}{app}/cart.aspx"),
        &format!("{app}/cart.aspx"),
        "10.0.0.7",
        "",
        "False",
        "",
        "IIS APPPOOL\\Shop",
        "9",
        "IIS APPPOOL\\Shop",
        "False",
        "   at System.Web.UI.ViewStateException.ThrowError(...)",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// The 17 insertion strings of a 1305 (`WebApplicationLifetimeEvent`).
fn lifetime(time: &str, machine: &str, pid: u32, code: u32, detail: u32) -> Vec<String> {
    let msg = if code == 1001 {
        "Application is starting."
    } else {
        "Application is shutting down. Reason: Configuration changed."
    };
    [
        &code.to_string(),
        msg,
        time,
        time,
        "1e2d3c4b5a6978877665544332211000",
        "1",
        "1",
        &detail.to_string(),
        &format!("/LM/W3SVC/1/ROOT/shop-1-133555{pid}"),
        "Full",
        "/shop",
        "C:\\inetpub\\shop\\",
        machine,
        "",
        &pid.to_string(),
        "w3wp.exe",
        "IIS APPPOOL\\Shop",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn x(id: u32, time: &str, record: u64, machine: &str, strings: &[String]) -> String {
    let refs: Vec<&str> = strings.iter().map(String::as_str).collect();
    let q = if id == 1309 { 32768 } else { 16384 };
    event_xml(id, q, time, record, machine, &refs)
}

// ---------------------------------------------------------------- real logs and texts

/// apache/nifi's application-logs.evtx (Windows 7, January 2016), cross-checked against the
/// event XML python-evtx 0.8 gives for its ASP.NET records.
#[test]
fn real_evtx_matches_python_evtx() {
    let path = Path::new(DATA).join("nifi-win7-application-logs.evtx");
    let mut from_evtx = Vec::new();
    let mut skipped = Vec::new();
    let format = events::read_path(&path, &Limits::default(), |i| match i {
        Item::Event(e) => from_evtx.push(*e),
        Item::Skipped(s) => skipped.push(s),
    })
    .unwrap();
    assert_eq!(format, Format::Evtx);
    let xml = std::fs::read_to_string(
        Path::new(DATA).join("nifi-win7-application-logs.aspnet-records.xml"),
    )
    .unwrap();
    let (from_xml, xml_skipped) = collect(Format::Xml, &xml);
    // The python-evtx extract also holds LoadPerf records that mention ASP.NET: skipped as
    // another provider's.
    assert_eq!(xml_skipped.len(), 62);
    assert!(xml_skipped.iter().all(|s| matches!(&s.reason, SkipReason::NotAspNet { provider: Some(p) } if p.contains("LoadPerf"))));
    assert_eq!(from_xml.len(), 48);
    assert_eq!(from_evtx.len(), 48, "every ASP.NET record of the file");
    let not_aspnet = skipped
        .iter()
        .filter(|s| matches!(s.reason, SkipReason::NotAspNet { .. }))
        .count();
    assert!(not_aspnet > 1000, "{not_aspnet}");
    // The one record the evtx crate cannot read is skipped with its reason, not fatal.
    let malformed: Vec<_> = skipped
        .iter()
        .filter(|s| matches!(s.reason, SkipReason::Malformed { .. }))
        .collect();
    assert_eq!(malformed.len(), 1);
    for (a, b) in from_evtx.iter().zip(&from_xml) {
        assert_eq!(a.record_id, b.record_id);
        assert_eq!(a.event_id, b.event_id);
        assert_eq!(
            a.time.map(|t| t.unix()),
            b.time.map(|t| t.unix()),
            "record {:?}",
            a.record_id
        );
        assert_eq!(a.machine.as_deref(), Some("win7-pro-vm"));
        assert_eq!(a.kind, b.kind);
    }
    let first = &from_evtx[0];
    assert_eq!((first.record_id, first.event_id), (Some(229), Some(1017)));
    assert_eq!(
        first.kind,
        EventKind::Installer {
            step: events::Step::Start,
            unregister: false,
            version: Some("4.0.30319.0".into())
        }
    );
    assert_eq!(first.time.unwrap().to_string(), "2016-01-07T23:15:03Z");
    let kinds = |k: &str| from_evtx.iter().filter(|e| e.kind.label() == k).count();
    assert_eq!(
        (
            kinds("installer/start"),
            kinds("installer/finish"),
            kinds("other")
        ),
        (16, 16, 16)
    );
    // The report: installers marked, no failures, nothing about keys.
    let mut a = Analysis::new();
    events::read_path(&path, &Limits::default(), |i| a.add(&i)).unwrap();
    let report = a.finish();
    assert_eq!(report.timeline.marks.len(), 32);
    assert_eq!(report.summary.failures, 0);
    assert_eq!(report.diagnosis[0].code, DiagnosisCode::Nothing);
}

/// Microsoft's published padding-oracle example (Exchange team blog, 2010).
#[test]
fn published_padding_error_text() {
    let text =
        std::fs::read_to_string(Path::new(DATA).join("exchange-2010-padding-oracle-1309-3005.txt"))
            .unwrap();
    let (ev, sk) = collect(Format::detect(text.as_bytes()), &text);
    assert!(sk.is_empty());
    let e = &ev[0];
    assert_eq!(
        e.kind,
        EventKind::Exception {
            class: ExceptionClass::Padding
        }
    );
    assert_eq!(e.event_id, Some(1309));
    assert_eq!(
        (
            e.machine.as_deref(),
            e.process_id,
            e.process_name.as_deref()
        ),
        (Some("FOO"), Some(3784), Some("WebDev.WebServer40.exe"))
    );
    assert_eq!(e.account.as_deref(), Some("foo"));
    assert_eq!(
        e.app_path.as_deref(),
        Some("C:\\foo\\TargetWebApplication\\")
    );
    assert_eq!(e.exception_type.as_deref(), Some("CryptographicException"));
    assert_eq!((e.sequence, e.occurrence), (Some(133_482), Some(44_273)));
    assert_eq!(e.time.unwrap().to_string(), "1111-11-11T11:11:11Z");
    // One padding error is not a probe; a burst of them is, and is not a key mismatch.
    let one = analyse(Format::Text, &text);
    assert_ne!(one.diagnosis[0].code, DiagnosisCode::PaddingOracleProbe);
    let burst = analyse(Format::Text, &text.repeat(8));
    assert_eq!(burst.summary.events, 8);
    assert_eq!(
        burst.diagnosis[0].code,
        DiagnosisCode::PaddingOracleProbe,
        "{burst}"
    );
    assert!(
        burst
            .diagnosis
            .iter()
            .all(|d| d.code != DiagnosisCode::KeyMismatch && d.code != DiagnosisCode::WebGarden)
    );
}

/// KB 2431728's sample (a farm patched in part): "Unable to validate data" in a 1309 of the
/// Windows 2003 Event Viewer text form.
#[test]
fn published_unable_to_validate_text() {
    let text = std::fs::read_to_string(
        Path::new(DATA).join("kb2431728-ms10-070-1309-3005-unable-to-validate.txt"),
    )
    .unwrap();
    let (ev, _) = collect(Format::Text, &text);
    assert_eq!(ev.len(), 1);
    let e = &ev[0];
    assert_eq!(e.provider.as_deref(), Some("ASP.NET 2.0.50727.0"));
    assert_eq!(e.event_id, Some(1309));
    assert_eq!(
        e.kind,
        EventKind::Exception {
            class: ExceptionClass::UnableToValidate
        }
    );
    assert_eq!(e.exception_type.as_deref(), Some("HttpException"));
    let r = analyse(Format::Text, &text);
    assert_eq!(r.diagnosis[0].code, DiagnosisCode::KeyMismatch);
}

// ---------------------------------------------------------------- the responder's case

/// A `BinaryFormatter` stream of one byte array (`ArraySinglePrimitive` of `Byte`, as the
/// assembly bytes of an `ActivitySurrogateSelector` chain).
fn byte_array_stream(bytes: &[u8]) -> Vec<u8> {
    let mut s = nrbf::STREAM_HEADER.to_vec();
    s.push(15);
    s.extend(1i32.to_le_bytes());
    s.extend(i32::try_from(bytes.len()).unwrap().to_le_bytes());
    s.push(2);
    s.extend(bytes);
    s.push(11);
    s
}

/// A tiny harmless PE: a PE32 DLL of one section, headers 0x200 bytes, 0x100 of raw data.
fn tiny_pe() -> Vec<u8> {
    let mut b = vec![0u8; 0x300];
    b[..2].copy_from_slice(b"MZ");
    b[0x3C] = 0x80;
    b[0x80..0x84].copy_from_slice(b"PE\0\0");
    b[0x84..0x86].copy_from_slice(&0x14Cu16.to_le_bytes());
    b[0x86..0x88].copy_from_slice(&1u16.to_le_bytes());
    b[0x94..0x96].copy_from_slice(&0xE0u16.to_le_bytes());
    b[0x96..0x98].copy_from_slice(&0x2102u16.to_le_bytes());
    b[0x98..0x9A].copy_from_slice(&0x10Bu16.to_le_bytes());
    b[0x98 + 60..0x98 + 64].copy_from_slice(&0x200u32.to_le_bytes());
    let s = 0x98 + 0xE0;
    b[s..s + 6].copy_from_slice(b".text\0");
    b[s + 16..s + 20].copy_from_slice(&0x100u32.to_le_bytes());
    b[s + 20..s + 24].copy_from_slice(&0x200u32.to_le_bytes());
    b[0x200..0x210].copy_from_slice(b"harmless payload");
    b
}

/// An attack payload: ysoserial.net's TypeConfuseDelegate stream (pwntester/ysoserial.net
/// README, via tests/data/viewstate_gadgets.json) and a byte array holding the PE.
fn attack_payload() -> Vec<u8> {
    let vectors: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/data/viewstate_gadgets.json").unwrap(),
    )
    .unwrap();
    let tcd = vectors["vectors"][0]["value_b64"].as_str().unwrap();
    let doc = osf::read(&from_base64(tcd).unwrap()).unwrap();
    let Value::BinarySerialized(stream) = doc.root else {
        panic!("a BinaryFormatter root")
    };
    osf::write(&Value::ArrayList(vec![
        Value::BinarySerialized(stream),
        Value::BinarySerialized(byte_array_stream(&tiny_pe())),
    ]))
    .unwrap()
}

fn keys_of(index: usize, mode: &str, validation: &str, decryption: &str) -> AppKeys {
    let list = KeyList::builtin();
    let k = &list.pairs()[index];
    let cfg = MachineKeyConfig::builder()
        .validation_key(&k.validation_key)
        .decryption_key(&k.decryption_key)
        .attribute(MachineKeyAttribute::Validation, validation)
        .attribute(MachineKeyAttribute::Decryption, decryption)
        .attribute(MachineKeyAttribute::CompatibilityMode, mode)
        .build()
        .unwrap();
    AppKeys::explicit(&cfg).unwrap()
}

#[test]
fn responder_case_framework45_and_legacy() {
    let payload = attack_payload();
    let pe = tiny_pe();
    let pe_offset = payload.windows(2).position(|w| w == b"MZ").unwrap();
    let pe_hash = hex::encode(Sha256::digest(&pe));
    let page = Page::from_path("/portal/default.aspx", "/portal").unwrap();
    let cases = [
        (
            7usize,
            "Framework45",
            "HMACSHA256",
            "AES",
            ViewStateProtection::Encrypted,
        ),
        (
            12usize,
            "Framework20SP1",
            "SHA1",
            "AES",
            ViewStateProtection::Encrypted,
        ),
    ];
    let opener = Opener::new(KeyList::builtin());
    let no_keys = Opener::new(KeyList::parse(
        "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF,00112233445566778899AABBCCDDEEFF",
    ));
    for (index, mode, validation, decryption, encrypt) in cases {
        let field = keys_of(index, mode, validation, decryption)
            .encode_viewstate(&payload, &page, encrypt)
            .unwrap();
        let strings = viewstate_failure(
            "2025-07-19T03:14:15.000Z",
            "SP01",
            7712,
            50203,
            "203.0.113.66",
            &field,
            "/portal/default.aspx",
            "/portal",
        );
        let log = x(1316, "2025-07-19T03:14:15.1234567Z", 9001, "SP01", &strings);
        if let Some(dir) = std::env::var_os("MACHINEKEY_EVENTS_FIXTURES") {
            std::fs::write(
                Path::new(&dir).join(format!("responder-1316-{}.xml", mode.to_ascii_lowercase())),
                &log,
            )
            .unwrap();
        }
        let (ev, sk) = collect(Format::Xml, &log);
        assert!(sk.is_empty(), "{sk:?}");
        let e = &ev[0];
        assert_eq!(
            e.kind,
            EventKind::ViewStateFailure {
                reason: ViewStateReason::Mac
            }
        );
        assert_eq!(
            (e.detail_code, e.client_address.as_deref()),
            (Some(50203), Some("203.0.113.66"))
        );
        assert_eq!(e.page_path.as_deref(), Some("/portal/default.aspx"));
        assert_eq!(
            e.user_agent.as_deref(),
            Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64)")
        );
        assert_eq!(e.persisted_state.as_deref(), Some(field.as_str()));
        let opened = opener.open(e).unwrap();
        assert!(opened.verified, "{mode}: {}", opened.note);
        let f = opened.finding.as_ref().unwrap();
        assert_eq!(f.index, index, "{mode}");
        assert_eq!(f.payload, payload);
        assert!(
            opened
                .gadgets
                .iter()
                .any(|g| g.gadget == Gadget::TypeConfuseDelegate),
            "{:?}",
            opened.gadgets
        );
        assert_eq!(opened.executables.len(), 1);
        let exe = &opened.executables[0];
        assert_eq!(
            (exe.offset, exe.size, exe.sha256.as_str()),
            (pe_offset, pe.len(), pe_hash.as_str())
        );
        assert_eq!(exe.bytes, pe);
        assert!(opened.note.contains("built-in"), "{}", opened.note);
        // The JSON line: audit --batch takes it; the key is named by fingerprint only.
        let line = batch_line(e, Some(&opened));
        let text = line.to_string();
        assert!(!text.contains(&KeyList::builtin().pairs()[index].validation_key));
        let item: BatchItem = serde_json::from_value(line.clone()).unwrap();
        assert_eq!(item.viewstate.as_deref(), Some(field.as_str()));
        assert_eq!(
            line["id"]["opened"]["executables"][0]["sha256"],
            pe_hash.as_str()
        );
        // Without the key: said so, and the event still counts.
        let blind = no_keys.open(e).unwrap();
        assert!(!blind.verified && blind.executables.is_empty());
        assert_eq!(blind.state, "unreadable");
        assert!(
            blind.note.contains("no key among the 1 tried"),
            "{}",
            blind.note
        );
        let r = analyse(Format::Xml, &log);
        assert_eq!((r.summary.events, r.summary.failures), (1, 1));
    }
}

#[test]
fn deja_view_lines_carry_the_same_fields() {
    let strings = viewstate_failure(
        "7/19/2025 3:14:15 AM",
        "SP01",
        7712,
        50203,
        "203.0.113.66",
        "/wEPDwUJODExMDE5NzY5ZGQ=",
        "/_layouts/15/ToolPane.aspx",
        "/",
    );
    let line = format!("1316 | Information | Event code: {}", strings.join("-++-"));
    assert_eq!(Format::detect(line.as_bytes()), Format::DejaView);
    let (ev, _) = collect(Format::DejaView, &format!("header line\n{line}\n"));
    let e = &ev[0];
    // deja_view's fields 12, 16, 18, 19, 27, 28.
    assert_eq!(e.machine.as_deref(), Some("SP01"));
    assert_eq!(e.account.as_deref(), Some("IIS APPPOOL\\Shop"));
    assert_eq!(
        e.request_path.as_deref(),
        Some("/_layouts/15/ToolPane.aspx")
    );
    assert_eq!(e.client_address.as_deref(), Some("203.0.113.66"));
    assert_eq!(
        e.user_agent.as_deref(),
        Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64)")
    );
    assert_eq!(
        e.persisted_state.as_deref(),
        Some("/wEPDwUJODExMDE5NzY5ZGQ=")
    );
    assert_eq!(e.time.unwrap().to_string(), "2025-07-19T03:14:15Z");
    // An unsigned ViewState opens without keys.
    let opened = Opener::new(KeyList::parse("")).open(e).unwrap();
    assert_eq!(opened.state, "unsigned");
    assert!(opened.tree.unwrap().contains("811019769"));
}

// ---------------------------------------------------------------- the operator's case

/// Three worker processes of one pool: quiet until a .NET update's installer runs, MAC
/// failures from all three after it, none after `aspnet_regiis -ga` and the recycle.
fn web_garden_log() -> String {
    let mut out = String::from("<Events>\n");
    let mut rec = 100u64;
    let mut push = |id: u32, t: &str, s: Vec<String>| {
        rec += 1;
        out.push_str(&x(id, t, rec, "WEB01", &s));
        out.push('\n');
    };
    for (i, pid) in [4012u32, 4013, 4014].into_iter().enumerate() {
        let t = format!("2024-03-01T08:0{i}:00.000Z");
        push(1305, &t, lifetime(&t, "WEB01", pid, 1001, 0));
    }
    push(
        1017,
        "2024-03-01T09:00:00.000Z",
        vec!["4.0.30319.0".into(), "0x00000404".into()],
    );
    push(
        1019,
        "2024-03-01T09:00:07.000Z",
        vec![
            "4.0.30319.0".into(),
            "C:\\Windows\\TEMP\\ASPNETSetup_00001.log".into(),
        ],
    );
    for minute in 10..50u32 {
        let pid = [4012u32, 4013, 4014][(minute % 3) as usize];
        let t = format!("2024-03-01T09:{minute:02}:30.000Z");
        if minute % 2 == 0 {
            push(
                1316,
                &t,
                viewstate_failure(
                    &t,
                    "WEB01",
                    pid,
                    50203,
                    "10.0.0.7",
                    "/wEPDwUKMTY1NDU2MTA1MmRkGqpPyb2dLh6pWRHdpBkbgCQX+e0=",
                    "/shop/cart.aspx",
                    "/shop",
                ),
            );
        } else {
            push(
                1309,
                &t,
                unhandled(
                    &t,
                    "WEB01",
                    pid,
                    "/shop",
                    "HttpException",
                    "Validation of viewstate MAC failed. If this application is hosted by a Web Farm or cluster, ensure that <machineKey> configuration specifies the same validationKey and validation algorithm. AutoGenerate cannot be used in a cluster.",
                ),
            );
        }
    }
    push(
        1137,
        "2024-03-01T10:00:00.000Z",
        vec!["IIS APPPOOL\\Shop".into()],
    );
    push(
        1138,
        "2024-03-01T10:00:02.000Z",
        vec!["IIS APPPOOL\\Shop".into()],
    );
    for (i, pid) in [5120u32, 5121, 5122].into_iter().enumerate() {
        let t = format!("2024-03-01T10:0{}:00.000Z", i + 5);
        push(1305, &t, lifetime(&t, "WEB01", pid, 1001, 0));
    }
    out.push_str("</Events>\n");
    out
}

#[test]
fn operator_case_web_garden() {
    let log = web_garden_log();
    if let Some(dir) = std::env::var_os("MACHINEKEY_EVENTS_FIXTURES") {
        std::fs::write(Path::new(&dir).join("web-garden.xml"), &log).unwrap();
    }
    let report = analyse(Format::Xml, &log);
    let s = &report.summary;
    assert_eq!((s.events, s.failures), (50, 40));
    assert_eq!(s.by_worker.iter().filter(|w| w.failures > 0).count(), 3);
    assert_eq!(s.by_application[0].name, "/LM/W3SVC/1/ROOT/shop");
    let t = &report.timeline;
    assert_eq!(t.marks.len(), 4);
    assert_eq!(t.segments.len(), 3);
    assert_eq!(t.segments[0].failures, 0, "none before the installer");
    assert_eq!(t.segments[1].failures, 40);
    assert_eq!(t.segments[1].by_worker.len(), 3);
    assert_eq!(t.segments[2].failures, 0, "none after -ga");
    let d = &report.diagnosis[0];
    assert_eq!(d.code, DiagnosisCode::WebGarden, "{report}");
    assert!(
        d.summary.contains("installer") && d.summary.contains("aspnet_regiis -ga"),
        "{}",
        d.summary
    );
    assert!(d.fixes.iter().any(|f| f.contains("<machineKey")));
    assert!(d.fixes.iter().any(|f| f.contains("aspnet_regiis -ga")));
    let text = report.to_string();
    assert!(
        text.contains("[web_garden]") && text.contains("fix:"),
        "{text}"
    );
    // The same log as wevtutil text says the same.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["diagnosis"][0]["code"], "web_garden");
}

/// `<polyline points="x,y x,y ...">` elements with their stroke colour.
fn polylines(svg: &str) -> Vec<(String, Vec<(f64, f64)>)> {
    let mut out = Vec::new();
    for part in svg.split("<polyline").skip(1) {
        let tag = &part[..part.find("/>").unwrap_or(part.len())];
        let attr = |name: &str| {
            let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
            Some(tag[at..at + tag[at..].find('"')?].to_owned())
        };
        let points = attr("points")
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|p| {
                let (a, b) = p.split_once(',')?;
                Some((a.parse().ok()?, b.parse().ok()?))
            })
            .collect();
        out.push((attr("stroke").unwrap_or_default(), points));
    }
    out
}

#[test]
fn operator_case_chart() {
    let report = analyse(Format::Xml, &web_garden_log());
    let svg = events::plot::svg(&report, "WEB01 pool Shop").unwrap();
    for w in [
        "WEB01/4012 w3wp.exe",
        "WEB01/4013 w3wp.exe",
        "WEB01/4014 w3wp.exe",
        "installer start",
        "aspnet_regiis -ga",
    ] {
        assert!(svg.contains(w), "{w}");
    }
    let lines = polylines(&svg);
    let vertical = |colour: &str| -> Vec<f64> {
        lines
            .iter()
            .filter(|(c, p)| c == colour && p.len() == 2 && (p[0].0 - p[1].0).abs() < 0.5)
            .map(|(_, p)| p[0].0)
            .collect()
    };
    let installer = vertical("#D20000");
    let grant = vertical("#009600");
    assert!(!installer.is_empty() && !grant.is_empty(), "{lines:?}");
    let (installer_x, grant_x) = (installer[0], grant.iter().copied().fold(f64::MIN, f64::max));
    let series: Vec<&(String, Vec<(f64, f64)>)> =
        lines.iter().filter(|(_, p)| p.len() > 10).collect();
    assert_eq!(series.len(), 3, "three worker processes");
    let baseline = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|q| q.1))
        .fold(f64::MIN, f64::max);
    for (_, points) in series {
        let up: Vec<f64> = points
            .iter()
            .filter(|p| p.1 < baseline - 0.5)
            .map(|p| p.0)
            .collect();
        assert!(!up.is_empty(), "each worker fails");
        assert!(
            up.iter().all(|x| *x > installer_x && *x < grant_x),
            "failures only between the installer and -ga: {up:?} {installer_x} {grant_x}"
        );
    }
    let out = std::env::var_os("MACHINEKEY_EVENTS_SVG");
    if let Some(path) = out {
        std::fs::write(path, &svg).unwrap();
    }
}

#[test]
fn farm_and_not_keys() {
    let mut log = String::new();
    for i in 0..6u64 {
        let t = format!("2024-05-02T12:0{i}:00.000Z");
        log.push_str(&x(
            1309,
            &t,
            i,
            "WEB02",
            &unhandled(
                &t,
                "WEB02",
                300,
                "/",
                "HttpException",
                "Unable to validate data.",
            ),
        ));
        log.push_str(&x(
            1305,
            &t,
            100 + i,
            "WEB01",
            &lifetime(&t, "WEB01", 200, 1001, 0),
        ));
    }
    let r = analyse(Format::Xml, &log);
    assert_eq!(r.diagnosis[0].code, DiagnosisCode::FarmKeysDiffer, "{r}");
    assert!(r.diagnosis[0].summary.starts_with("Only WEB02"));
    let mut quiet = String::new();
    for i in 0..4u64 {
        let t = format!("2024-05-02T12:0{i}:00.000Z");
        quiet.push_str(&x(
            1305,
            &t,
            i,
            "WEB01",
            &lifetime(&t, "WEB01", 200 + u32::try_from(i).unwrap(), 1002, 50004),
        ));
    }
    let r = analyse(Format::Xml, &quiet);
    assert_eq!(r.diagnosis[0].code, DiagnosisCode::NotKeys, "{r}");
}

// ---------------------------------------------------------------- fixes and formats

#[test]
fn compressed_viewstates_are_carved_and_read() {
    use std::io::Write;
    let vectors: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/data/viewstate_gadgets.json").unwrap(),
    )
    .unwrap();
    let state = from_base64(vectors["vectors"][0]["value_b64"].as_str().unwrap()).unwrap();
    let gz = |bytes: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        machinekey::crypto::encoding::to_base64(&e.finish().unwrap())
    };
    let raw = gz(&state);
    let text = gz(machinekey::crypto::encoding::to_base64(&state).as_bytes());
    let html = format!(
        "<form><input type=\"hidden\" name=\"__VSTATE\" value=\"{raw}\" /><input type=\"hidden\" name=\"__COMPRESSEDVIEWSTATE\" value=\"{text}\" /><input type=\"hidden\" name=\"__VIEWSTATE\" value=\"{raw}\" /></form>"
    );
    let items = machinekey::audit::carve::carve(
        &html,
        "page.html",
        Some("https://h/a.aspx"),
        &Default::default(),
    );
    let labelled: Vec<_> = items
        .iter()
        .filter(|i| i.label.as_deref() == Some("compressed_viewstate"))
        .collect();
    assert_eq!(labelled.len(), 3, "{items:?}");
    assert!(labelled.iter().all(|i| {
        i.gadgets
            .iter()
            .any(|g| g.gadget == Gadget::TypeConfuseDelegate)
    }));
    assert_eq!(
        machinekey::formats::viewstate::compressed_payload(&text)
            .unwrap()
            .unwrap(),
        state
    );
    // Corrupt GZip, and a bomb past the bound: errors, not panics.
    assert!(
        machinekey::formats::viewstate::compressed_payload("H4sIAAAAAAAA")
            .unwrap()
            .is_err()
    );
    let bomb = gz(&vec![0u8; 17 << 20]);
    assert!(
        machinekey::formats::viewstate::compressed_payload(&bomb)
            .unwrap()
            .is_err()
    );
}

#[test]
fn bad_input_is_skipped_with_a_reason() {
    let evtx = std::fs::read(Path::new(DATA).join("nifi-win7-application-logs.evtx")).unwrap();
    // Truncated files: an error for a missing header, skipped or fewer records otherwise.
    for cut in [
        0usize,
        7,
        100,
        4096,
        4096 + 30_000,
        4096 + 65_536 + 10,
        evtx.len() / 2,
    ] {
        let r = events::read_evtx(
            std::io::Cursor::new(evtx[..cut].to_vec()),
            "cut.evtx",
            |_| {},
        );
        if cut < 4096 {
            assert!(r.is_err(), "{cut}");
        }
    }
    // Corrupt chunks: bytes flipped across the file.
    let mut bad = evtx.clone();
    for i in (4096..bad.len()).step_by(997) {
        bad[i] ^= 0xA5;
    }
    let mut n = 0;
    let _ = events::read_evtx(std::io::Cursor::new(bad), "bad.evtx", |_| n += 1);
    // Malformed XML and records of any size.
    let (ev, sk) = collect(
        Format::Xml,
        "<Event><System><Provider Name='ASP.NET 4.0.30319.0'/><EventID>1316</EventID></Event><Event>&bogus;</Event><Event xmlns='x'><System>",
    );
    assert!(ev.is_empty());
    assert_eq!(sk.len(), 3);
    let huge = x(
        1316,
        "2024-01-01T00:00:00Z",
        1,
        "W",
        &viewstate_failure(
            "t",
            "W",
            1,
            50203,
            "c",
            &"A".repeat(9 << 20),
            "/p.aspx",
            "/",
        ),
    );
    let (ev, sk) = collect(
        Format::Xml,
        &format!(
            "{huge}{}",
            x(
                1017,
                "2024-01-01T00:00:01Z",
                2,
                "W",
                &["4.0.30319.0".to_owned()]
            )
        ),
    );
    assert_eq!(ev.len(), 1);
    assert!(matches!(sk[0].reason, SkipReason::TooLarge { .. }));
    // Garbage PersistedState: opened as unreadable, never a panic.
    let opener = Opener::new(KeyList::parse(""));
    for garbage in [
        "",
        "%%%",
        "/wE",
        "H4sI!!!!",
        "/wEPDw==",
        &"QUFB".repeat(5000),
        "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA==",
    ] {
        let log = x(
            1316,
            "2024-01-01T00:00:00Z",
            1,
            "W",
            &viewstate_failure("t", "W", 1, 50203, "c", garbage, "/p.aspx", "/"),
        );
        let (ev, _) = collect(Format::Xml, &log);
        if let Some(o) = ev.first().and_then(|e| opener.open(e)) {
            assert!(!o.verified);
        }
    }
    // Text of every shape.
    for text in [
        "Event[0]:\n",
        "Event code: \n",
        "Event code: 99999999999999\nProcess ID: -1\n",
        "\u{feff}Description:\n\n",
        "Event Type: x\nEvent ID: 1316\n",
    ] {
        let _ = collect(Format::Text, text);
    }
}

#[test]
fn every_line_is_a_batch_line() {
    let (ev, _) = collect(Format::Xml, &web_garden_log());
    for e in &ev {
        let line = batch_line(e, None);
        let item: BatchItem =
            serde_json::from_value(line.clone()).unwrap_or_else(|err| panic!("{err}: {line}"));
        assert_eq!(item.viewstate.is_some(), e.persisted_state.is_some());
        if item.viewstate.is_none() {
            assert_eq!(item.label.as_deref(), Some("aspnet_event"));
        }
    }
}

#[test]
fn utf16_exports_read_like_utf8() {
    let log = web_garden_log();
    let mut le = vec![0xFF, 0xFE];
    for u in log.encode_utf16() {
        le.extend(u.to_le_bytes());
    }
    assert_eq!(Format::detect(&le[..4096]), Format::Xml);
    let mut n = 0;
    events::read(le.as_slice(), Format::Xml, "u16", &Limits::default(), |i| {
        if matches!(i, Item::Event(_)) {
            n += 1;
        }
    })
    .unwrap();
    assert_eq!(n, 50);
}
