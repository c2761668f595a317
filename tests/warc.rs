//! WARC input for carve: a corpus of crawl records with known keys planted among decoys
//! (ViewState, EventValidation, forms cookies in `Set-Cookie`, resource tokens in links;
//! plain, chunked and gzip content; `.warc` and `.warc.gz`), with truncated, oversized,
//! garbage and header-less records: every planted key is found, no decoy is reported, each
//! malformed record is an error line with its offset, and the run goes on.

#![cfg(feature = "audit")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write as _;

use machinekey::audit::carve::CarveOptions;
use machinekey::audit::warc::{WarcItem, WarcLimits, carve_warc};
use machinekey::audit::{Auditor, KeyList};
use machinekey::formats::resource::ResourceKind;
use machinekey::{AppKeys, CookieProtection, FormsAuthenticationTicket, MachineKeyConfig, Page};

/// The publicly known pair of the README (in the built-in list).
const KNOWN_VK: &str = "F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B";
const KNOWN_DK: &str = "B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78";

fn keys(vk: &str, dk: &str, mode: &str) -> AppKeys {
    let cfg = MachineKeyConfig::builder()
        .validation_key(vk)
        .decryption_key(dk)
        .validation(machinekey::config::ValidationAlgorithm::Sha1)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .attribute(
            machinekey::config::MachineKeyAttribute::CompatibilityMode,
            mode,
        )
        .build()
        .unwrap();
    AppKeys::explicit(&cfg).unwrap()
}

fn decoy_keys() -> AppKeys {
    use machinekey::config::{DecryptionAlgorithm, ValidationAlgorithm};
    let fresh = machinekey::keys::generate(
        ValidationAlgorithm::Sha1,
        DecryptionAlgorithm::Aes,
        &machinekey::random::OsRandom,
    )
    .unwrap();
    AppKeys::explicit(&fresh).unwrap()
}

fn record(uri: &str, http: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2026-11-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n",
        http.len()
    )
    .into_bytes();
    r.extend_from_slice(http);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

fn page(viewstate: &str, eventvalidation: &str, generator: &str, resource: &str) -> String {
    format!(
        r#"<html><body><form method="post" action="./default.aspx">
<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{viewstate}" />
<input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" value="{generator}" />
<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="{eventvalidation}" />
<script src="/WebResource.axd?d={resource}&amp;t=637100000000000000"></script>
</form></body></html>"#
    )
}

fn http(headers: &str, body: &[u8]) -> Vec<u8> {
    let mut m =
        format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n{headers}\r\n")
            .into_bytes();
    m.extend_from_slice(body);
    m
}

fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in body.chunks(100) {
        out.extend_from_slice(format!("{:x};ext=1\r\n", c.len()).as_bytes());
        out.extend_from_slice(c);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// The corpus: (WARC bytes, how many planted values, how many malformed records).
fn corpus() -> (Vec<u8>, usize, usize) {
    let known = keys(KNOWN_VK, KNOWN_DK, "Framework20SP2");
    let known_page = Page::from_path("/default.aspx", "/").unwrap();
    let generator = format!(
        "{:08X}",
        known_page
            .generator(machinekey::formats::GeneratorHash::InvariantIgnoreCase)
            .unwrap()
    );
    let vs = known
        .encode_viewstate(
            b"\xff\x01\x0f\x0f\x05\x09811019769dd",
            &known_page,
            machinekey::formats::viewstate::ViewStateProtection::Signed,
        )
        .unwrap();
    let ev = known
        .encode_event_validation(
            b"\xff\x01\x16\x01\x02\x05",
            &known_page,
            machinekey::formats::viewstate::ViewStateProtection::Signed,
        )
        .unwrap();
    let resource = known
        .encrypt_resource_string("s|WebForms.js", ResourceKind::WebResource)
        .unwrap();
    let ticket = FormsAuthenticationTicket::new(
        "planted",
        time::OffsetDateTime::now_utc(),
        time::Duration::minutes(30),
    );
    let cookie = known
        .encrypt_ticket(&ticket, CookieProtection::All)
        .unwrap();

    let decoy = decoy_keys();
    let dvs = decoy
        .encode_viewstate(
            b"\xff\x01\x0f\x0f\x05\x09811019769dd",
            &known_page,
            machinekey::formats::viewstate::ViewStateProtection::Signed,
        )
        .unwrap();
    let dev = decoy
        .encode_event_validation(
            b"\xff\x01\x16\x01\x02\x05",
            &known_page,
            machinekey::formats::viewstate::ViewStateProtection::Signed,
        )
        .unwrap();
    let dres = decoy
        .encrypt_resource_string("s|WebForms.js", ResourceKind::WebResource)
        .unwrap();
    let dcookie = decoy
        .encrypt_ticket(&ticket, CookieProtection::All)
        .unwrap();

    let mut warc = Vec::new();
    warc.extend(b"WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 9\r\n\r\nsoftware!\r\n\r\n");
    // Planted, plain body with the forms cookie in Set-Cookie.
    warc.extend(record(
        "https://leaky.example/default.aspx",
        &http(
            &format!("Set-Cookie: .ASPXAUTH={cookie}; path=/; HttpOnly\r\n"),
            page(&vs, &ev, &generator, &resource).as_bytes(),
        ),
    ));
    // Decoys, chunked.
    warc.extend(record(
        "https://safe.example/default.aspx",
        &http(
            &format!("Transfer-Encoding: chunked\r\nSet-Cookie: .ASPXAUTH={dcookie}; path=/\r\n"),
            &chunked(page(&dvs, &dev, &generator, &dres).as_bytes()),
        ),
    ));
    // Garbage between records.
    warc.extend(b"this is not a warc record\r\n\x00\x01\x02 junk\r\n");
    // A record without a Content-Length.
    warc.extend(b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://broken.example/\r\n\r\nwhatever\r\n\r\n");
    // Decoys again, gzip content encoding.
    warc.extend(record(
        "https://safe2.example/default.aspx",
        &http(
            "Content-Encoding: gzip\r\n",
            &gzip(page(&dvs, &dev, &generator, &dres).as_bytes()),
        ),
    ));
    // A request record: skipped.
    warc.extend(b"WARC/1.0\r\nWARC-Type: request\r\nContent-Length: 5\r\n\r\nGET /\r\n\r\n");
    // A record whose Content-Length is wrong (does not end with CRLF CRLF).
    warc.extend(b"WARC/1.0\r\nWARC-Type: metadata\r\nContent-Length: 3\r\n\r\nabcdef\r\n\r\n");
    // The planted ViewState again, in the last record, which is truncated.
    let last = record(
        "https://leaky2.example/default.aspx",
        &http("", page(&vs, &ev, &generator, &resource).as_bytes()),
    );
    let cut = last.len() - 100;
    warc.extend(&last[..cut]);
    // planted: 4 values in the first record, and the truncated record's ViewState/EV which
    // are before the cut.
    (warc, 4, 4)
}

fn run(
    bytes: &[u8],
    limits: &WarcLimits,
) -> (
    Vec<machinekey::audit::batch::BatchItem>,
    Vec<machinekey::audit::warc::WarcError>,
) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    carve_warc(
        bytes,
        "crawl.warc",
        &CarveOptions::default(),
        limits,
        |i| match i {
            WarcItem::Item(it) => items.push(*it),
            WarcItem::Error(e) => errors.push(e),
            _ => {}
        },
    )
    .unwrap();
    (items, errors)
}

fn check(items: &[machinekey::audit::batch::BatchItem]) {
    let auditor = Auditor::from_list(KeyList::builtin());
    let mut planted = 0;
    for (n, item) in items.iter().enumerate() {
        let result = auditor.audit_item(n + 1, item);
        let url = item.url.as_deref().unwrap_or_default();
        if url.contains("leaky2") {
            // The truncated record: what was carved before the cut may or may not be whole.
            continue;
        }
        if url.contains("leaky") {
            assert!(result.found, "planted value not found: {:?}", item.source);
            planted += 1;
        } else {
            assert!(!result.found, "a decoy was reported: {:?}", item.source);
        }
    }
    assert!(planted >= 4, "{planted}");
}

#[test]
fn planted_keys_are_found_among_decoys_and_bad_records_are_error_lines() {
    let (warc, _, _) = corpus();
    let (items, errors) = run(&warc, &WarcLimits::default());
    check(&items);
    // Every kind planted in the first record is carved and found.
    let leaky: Vec<_> = items
        .iter()
        .filter(|i| i.url.as_deref() == Some("https://leaky.example/default.aspx"))
        .collect();
    assert!(leaky.iter().any(|i| i.viewstate.is_some()));
    assert!(leaky.iter().any(|i| i.eventvalidation.is_some()));
    assert!(leaky.iter().any(|i| i.cookie.is_some()));
    assert!(leaky.iter().any(|i| i.resource.is_some()));
    // The decoys of the chunked and gzip records were carved (and not reported).
    assert!(items.iter().any(
        |i| i.url.as_deref() == Some("https://safe.example/default.aspx") && i.viewstate.is_some()
    ));
    assert!(items.iter().any(
        |i| i.url.as_deref() == Some("https://safe2.example/default.aspx") && i.viewstate.is_some()
    ));
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("not a WARC record")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("without a valid Content-Length")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("does not end with CRLF CRLF")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("ends inside a record's body")),
        "{messages:?}"
    );
    assert!(errors.iter().all(|e| e.offset < warc.len() as u64));
}

#[test]
fn gzip_members_per_record_read_the_same() {
    let (warc, _, _) = corpus();
    // One GZip member per record, as Common Crawl writes .warc.gz.
    let mut gz = Vec::new();
    let mut rest = warc.as_slice();
    while !rest.is_empty() {
        let next = rest
            .windows(9)
            .skip(1)
            .position(|w| w == b"\r\nWARC/1.")
            .map_or(rest.len(), |p| p + 3);
        gz.extend(gzip(&rest[..next]));
        rest = &rest[next..];
    }
    let (plain_items, plain_errors) = run(&warc, &WarcLimits::default());
    let (items, errors) = run(&gz, &WarcLimits::default());
    assert_eq!(items, plain_items);
    assert_eq!(errors.len(), plain_errors.len());
    check(&items);
}

#[test]
fn oversized_records_are_carved_from_their_start_and_reported() {
    let (warc, _, _) = corpus();
    let mut limits = WarcLimits::default();
    limits.max_record = 700;
    let (items, errors) = run(&warc, &limits);
    assert!(
        errors.iter().any(|e| e.message.contains("only the first")),
        "{errors:?}"
    );
    // The planted cookie (a header) sits in the first 700 bytes of its response.
    assert!(items.iter().any(
        |i| i.url.as_deref() == Some("https://leaky.example/default.aspx") && i.cookie.is_some()
    ));
}

#[test]
fn garbage_and_truncations_never_panic() {
    let (warc, _, _) = corpus();
    for cut in (0..warc.len()).step_by(97) {
        let _ = run(&warc[..cut], &WarcLimits::default());
    }
    let mut limits = WarcLimits::default();
    limits.max_line = 16;
    limits.max_header = 64;
    let (_, errors) = run(&warc, &limits);
    assert!(!errors.is_empty());
    let _ = run(b"\x1f\x8bnot really gzip", &WarcLimits::default());
    let _ = run(&[b'W'; 100_000], &WarcLimits::default());
}

// Mutation testing, second round (issue 33).

fn warc_record(headers: &str, body: &[u8], end: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "WARC/1.0\r\n{headers}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r.extend_from_slice(end);
    r
}

fn source_at(item: &machinekey::audit::batch::BatchItem, offset: usize) -> bool {
    item.source
        .as_deref()
        .and_then(|s| s.strip_prefix(&format!("crawl.warc@{offset}")))
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// Every error's offset, source and message, and every item's record, over a stream of good,
/// skipped and malformed records: where a record starts is counted through blank lines,
/// skipped bodies, over-long lines and resynchronisations.
#[test]
fn offsets_sources_and_messages_are_exact() {
    const VS: &str = "/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==";
    let body = format!(r#"<input type="hidden" name="__VIEWSTATE" value="{VS}" />"#);
    let resp = http("", body.as_bytes());
    let mut w = Vec::new();
    let mut starts = Vec::new();
    let uri = |n: usize| format!("WARC-Type: response\r\nWARC-Target-URI: https://h/{n}\r\n");
    // 0: a good response.
    starts.push(w.len());
    w.extend(warc_record(&uri(0), &resp, b"\r\n\r\n"));
    w.extend_from_slice(b"\r\n \r\n");
    // 1: a line that is not a version line.
    starts.push(w.len());
    w.extend_from_slice(b"junk\r\nmore junk\r\n");
    // 2: no Content-Length.
    starts.push(w.len());
    w.extend_from_slice(b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://h/2\r\n\r\n");
    // 3: skipped records (warcinfo; a response of another content type), then a good one.
    w.extend(warc_record(
        "WARC-Type: warcinfo\r\n",
        b"software: x\r\n",
        b"\r\n\r\n",
    ));
    w.extend(warc_record(
        "WARC-Type: response\r\nContent-Type: text/dns\r\n",
        &resp,
        b"\r\n\r\n",
    ));
    starts.push(w.len());
    // A chunked, gzip-encoded body.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(body.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let coded = http(
        "Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n",
        &chunked(&gz),
    );
    w.extend(warc_record(&uri(3), &coded, b"\r\n\r\n"));
    // 4: a wrong Content-Length (the record ends elsewhere).
    starts.push(w.len());
    w.extend(warc_record(&uri(4), &resp, b"XX\r\n\r\n"));
    let at4 = w.len() - 6;
    // 5: a request record.
    starts.push(w.len());
    let req = format!(
        "GET /p?__VIEWSTATE={} HTTP/1.1\r\nHost: h\r\n\r\n",
        VS.replace('/', "%2F")
            .replace('=', "%3D")
            .replace('+', "%2B")
    );
    w.extend(warc_record(
        "WARC-Type: request\r\nWARC-Target-URI: https://h/5\r\nContent-Type: application/http; msgtype=request\r\n",
        req.as_bytes(),
        b"\r\n\r\n",
    ));
    let (items, errors) = run(&w, &WarcLimits::default());
    let got: Vec<(u64, &str, &str)> = errors
        .iter()
        .map(|e| (e.offset, e.source.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                starts[1] as u64,
                "crawl.warc",
                "not a WARC record (no WARC/1.x version line)"
            ),
            (
                starts[2] as u64,
                "crawl.warc https://h/2",
                "a record without a valid Content-Length"
            ),
            (
                at4 as u64,
                "crawl.warc https://h/4",
                "a record that does not end with CRLF CRLF (a wrong Content-Length?)"
            ),
        ]
    );
    let vs: Vec<(&str, bool)> = items
        .iter()
        .filter(|i| i.viewstate.as_deref() == Some(VS))
        .map(|i| (i.url.as_deref().unwrap_or_default(), true))
        .collect();
    assert!(vs.contains(&("https://h/0", true)), "{items:?}");
    assert!(vs.contains(&("https://h/3", true)), "{items:?}");
    assert!(vs.contains(&("https://h/4", true)), "{items:?}");
    assert!(items.iter().any(|i| source_at(i, starts[0])));
    assert!(items.iter().any(|i| source_at(i, starts[3])));
    // Nothing was carved from the skipped records.
    assert!(
        items
            .iter()
            .all(|i| i.url.as_deref() != Some("https://h/2"))
    );
    // Nor from the response of another content type (it has no target URI).
    assert!(items.iter().all(|i| i.url.is_some()), "{items:?}");
}

/// The limits at their bounds: a header line of exactly `max_line` bytes (its CRLF included)
/// and a header block of exactly `max_header` are read, one byte more is refused; a body of
/// exactly `max_record` is carved without a report, one byte more is reported in MiB.
#[test]
fn warc_limits_hold_at_their_bounds() {
    let resp = http("", b"<p>x</p>");
    let headers = "WARC-Type: response\r\nWARC-Target-URI: https://h/a\r\n";
    let rec = warc_record(headers, &resp, b"\r\n\r\n");
    // The longest header line here: the target URI, 30 bytes with its CRLF.
    let longest = "WARC-Target-URI: https://h/a\r\n".len();
    let header_block =
        rec.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 2 - "WARC/1.0\r\n".len();
    let mut limits = WarcLimits::default();
    limits.max_line = longest;
    limits.max_header = header_block;
    let (_, errors) = run(&rec, &limits);
    assert!(errors.is_empty(), "{errors:?}");
    limits.max_line = longest - 1;
    let (_, errors) = run(&rec, &limits);
    assert_eq!(errors[0].message, "a header line over the limit");
    assert_eq!(errors[0].offset, 0);
    limits.max_line = longest;
    limits.max_header = header_block - 1;
    let (_, errors) = run(&rec, &limits);
    assert_eq!(errors[0].message, "a header block over the limit");
    let mut limits = WarcLimits::default();
    limits.max_record = resp.len();
    let (_, errors) = run(&rec, &limits);
    assert!(errors.is_empty(), "{errors:?}");
    limits.max_record = resp.len() - 1;
    let (_, errors) = run(&rec, &limits);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].message,
        format!(
            "a record of {} bytes: only the first 0 MiB are carved",
            resp.len()
        )
    );
    let mut limits = WarcLimits::default();
    limits.max_record = 3 << 20;
    let big = http("", &vec![b'a'; (3 << 20) + 1]);
    let (_, errors) = run(&warc_record(headers, &big, b"\r\n\r\n"), &limits);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].message,
        format!(
            "a record of {} bytes: only the first 3 MiB are carved",
            big.len()
        )
    );
}

/// An over-long line is consumed to its end however long it is (a version line inside it is
/// not a record), and a skipped record cut short is reported.
#[test]
fn long_lines_are_consumed_whole_and_short_skips_reported() {
    let mut limits = WarcLimits::default();
    limits.max_line = 24;
    let mut w = b"WARC/1.0\r\nX: ".to_vec();
    w.extend_from_slice(&[b'a'; 21]);
    w.extend_from_slice(&[b'b'; 24]);
    w.extend_from_slice(b"WARC/1.0 inside\r\nWARC-Type: x\r\n\r\n");
    let next = w.len();
    w.extend_from_slice(b"WARC/1.0\r\nContent-Length: 100\r\n\r\nshort");
    let (_, errors) = run(&w, &limits);
    let got: Vec<(u64, &str)> = errors
        .iter()
        .map(|e| (e.offset, e.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (0, "a header line over the limit"),
            (next as u64, "the data ends inside a record's body"),
        ]
    );
}

/// A reader that fails once its bytes are read.
struct FailAtEnd(std::io::Cursor<Vec<u8>>);

impl std::io::Read for FailAtEnd {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.0.read(buf)? {
            0 => Err(std::io::Error::other("boom")),
            n => Ok(n),
        }
    }
}

/// A last record without its two CRLFs ends the file quietly; an I/O error there is
/// reported with the offset reached.
#[test]
fn the_end_of_the_last_record() {
    let resp = http("", b"<p>x</p>");
    let rec = warc_record("WARC-Type: response\r\n", &resp, b"");
    let (_, errors) = run(&rec, &WarcLimits::default());
    assert!(errors.is_empty(), "{errors:?}");
    let mut errors = Vec::new();
    carve_warc(
        FailAtEnd(std::io::Cursor::new(rec.clone())),
        "crawl.warc",
        &CarveOptions::default(),
        &WarcLimits::default(),
        |i| {
            if let WarcItem::Error(e) = i {
                errors.push(e);
            }
        },
    )
    .unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].offset, rec.len() as u64);
    assert_eq!(errors[0].message, "read error: boom");
}

/// The HTTP message inside a record: bare-LF line ends, a head without a body (a redirect
/// setting a cookie), a payload that is not HTTP, and a `deflate` content encoding (zlib, and
/// raw deflate as some servers send it).
#[test]
fn http_messages_are_taken_apart() {
    const VS: &str = "/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==";
    let input = format!(r#"<input type="hidden" name="__VIEWSTATE" value="{VS}" />"#);
    let known = keys(KNOWN_VK, KNOWN_DK, "Framework20SP2");
    let ticket = FormsAuthenticationTicket::new(
        "planted",
        time::OffsetDateTime::now_utc(),
        time::Duration::minutes(30),
    );
    let cookie = known
        .encrypt_ticket(&ticket, CookieProtection::All)
        .unwrap();
    let padded = format!("{input}{}", "<p>padding</p>".repeat(200));
    let zlib = {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(padded.as_bytes()).unwrap();
        z.finish().unwrap()
    };
    let raw = {
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(padded.as_bytes()).unwrap();
        z.finish().unwrap()
    };
    // Compressed for real (a stored block would leave the value readable).
    for z in [&zlib, &raw] {
        assert!(!z.windows(8).any(|w| w == &VS.as_bytes()[..8]));
    }
    let uri = |n: u8| format!("WARC-Type: response\r\nWARC-Target-URI: https://h/{n}\r\n");
    let mut w = Vec::new();
    let lf = format!("HTTP/1.1 200 OK\nContent-Type: text/html\n\n{input}");
    w.extend(warc_record(&uri(1), lf.as_bytes(), b"\r\n\r\n"));
    let head_only = format!("HTTP/1.1 302 Found\r\nSet-Cookie: .ASPXAUTH={cookie}; path=/");
    w.extend(warc_record(&uri(2), head_only.as_bytes(), b"\r\n\r\n"));
    let not_http = w.len();
    w.extend(warc_record(&uri(3), b"hello\r\n\r\nworld", b"\r\n\r\n"));
    w.extend(warc_record(
        &uri(4),
        &http("Content-Encoding: deflate\r\n", &zlib),
        b"\r\n\r\n",
    ));
    w.extend(warc_record(
        &uri(5),
        &http("Content-Encoding: deflate\r\n", &raw),
        b"\r\n\r\n",
    ));
    let (items, errors) = run(&w, &WarcLimits::default());
    let got: Vec<(u64, &str, &str)> = errors
        .iter()
        .map(|e| (e.offset, e.source.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [(
            not_http as u64,
            "crawl.warc https://h/3",
            "a record whose payload is not an HTTP message"
        )]
    );
    for n in [1, 4, 5] {
        let url = format!("https://h/{n}");
        assert!(
            items
                .iter()
                .any(|i| i.url.as_deref() == Some(url.as_str())
                    && i.viewstate.as_deref() == Some(VS)),
            "{n}: {items:?}"
        );
    }
    let from_head: Vec<_> = items
        .iter()
        .filter(|i| i.url.as_deref() == Some("https://h/2"))
        .collect();
    assert!(
        from_head
            .iter()
            .any(|i| i.cookie.as_deref() == Some(cookie.as_str())),
        "{from_head:?}"
    );
    // Read from the head's Set-Cookie, not carved from text.
    assert!(
        from_head.iter().any(|i| i
            .source
            .as_deref()
            .is_some_and(|s| s.ends_with(" cookie .ASPXAUTH"))),
        "{from_head:?}"
    );
}
