//! The event-log readers one piece at a time, fast enough to run under cargo-mutants: the
//! executables found in payloads (each header bound at its edge), the insertion-string
//! layout of every health-monitoring event ID, the event ID a bare web event code implies,
//! and where each record of a text input starts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::events::pe::{Container, find};
use machinekey::events::{self, Event, Format, Item, Limits, SkipReason, Skipped};

fn collect_with(format: Format, text: &str, limits: &Limits) -> (Vec<Event>, Vec<Skipped>) {
    let (mut ev, mut sk) = (Vec::new(), Vec::new());
    events::read(text.as_bytes(), format, "test", limits, |i| match i {
        Item::Event(e) => ev.push(*e),
        Item::Skipped(s) => sk.push(s),
    })
    .unwrap();
    (ev, sk)
}

fn collect(format: Format, text: &str) -> (Vec<Event>, Vec<Skipped>) {
    collect_with(format, text, &Limits::default())
}

// ---------------------------------------------------------------------------------------
// Executables (PE/COFF headers: `e_lfanew` at 0x3C, the COFF header after `PE\0\0`, the
// optional header's magic, `SizeOfHeaders` at optional + 60, 40-byte section headers with
// `SizeOfRawData` at +16 and `PointerToRawData` at +20).

/// A PE image laid out by hand: `PE\0\0` at `lfanew`, the given magic and characteristics,
/// `SizeOfHeaders` = `headers`, and one section header per `(raw size, raw pointer)`.
struct Pe {
    lfanew: usize,
    magic: u16,
    machine: u16,
    characteristics: u16,
    headers: u32,
    sections: Vec<(u32, u32)>,
    len: usize,
}

impl Pe {
    fn dll() -> Self {
        Self {
            lfanew: 0x80,
            magic: 0x10B,
            machine: 0x14C,
            characteristics: 0x2102,
            headers: 0x200,
            sections: vec![(0x100, 0x200)],
            len: 0x300,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let optional_size = 0xE0usize;
        let table = self.lfanew + 24 + optional_size;
        let need = table + 40 * self.sections.len();
        let mut b = vec![0u8; self.len.max(need)];
        b[..2].copy_from_slice(b"MZ");
        b[0x3C..0x40].copy_from_slice(&u32::try_from(self.lfanew).unwrap().to_le_bytes());
        let pe = self.lfanew;
        b[pe..pe + 4].copy_from_slice(b"PE\0\0");
        b[pe + 4..pe + 6].copy_from_slice(&self.machine.to_le_bytes());
        let n = u16::try_from(self.sections.len()).unwrap();
        b[pe + 6..pe + 8].copy_from_slice(&n.to_le_bytes());
        b[pe + 20..pe + 22].copy_from_slice(&u16::try_from(optional_size).unwrap().to_le_bytes());
        b[pe + 22..pe + 24].copy_from_slice(&self.characteristics.to_le_bytes());
        let opt = pe + 24;
        b[opt..opt + 2].copy_from_slice(&self.magic.to_le_bytes());
        b[opt + 60..opt + 64].copy_from_slice(&self.headers.to_le_bytes());
        for (i, (size, ptr)) in self.sections.iter().enumerate() {
            let s = table + 40 * i;
            b[s + 16..s + 20].copy_from_slice(&size.to_le_bytes());
            b[s + 20..s + 24].copy_from_slice(&ptr.to_le_bytes());
        }
        b
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
}

#[test]
fn an_executable_in_the_bytes_with_every_field() {
    let pe = Pe::dll().bytes();
    let payload = [b"\x0f\x01\x32junk".as_slice(), &pe, b"tail"].concat();
    let found = find(&payload);
    assert_eq!(found.len(), 1, "{found:?}");
    let e = &found[0];
    assert_eq!(e.container, Container::Bytes);
    assert_eq!((e.offset, e.size), (7, 0x300));
    assert_eq!(
        (e.format, e.machine.as_str(), e.dll),
        ("PE32", "i386", true)
    );
    assert!(!e.truncated);
    assert_eq!(e.bytes, pe);
    use sha2::Digest;
    assert_eq!(e.sha256, hex::encode(sha2::Sha256::digest(&pe)));
}

#[test]
fn an_executable_in_a_base64_run() {
    let pe = Pe::dll().bytes();
    // As a BinaryFormatter string would carry it: length prefix, Base64, MessageEnd.
    let payload = [
        b"\x06\x01\x00\x00\x00\x80\x08".as_slice(),
        b64(&pe).as_bytes(),
        b"\x0b",
    ]
    .concat();
    let found = find(&payload);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].container, Container::Base64);
    assert_eq!((found[0].offset, found[0].size), (7, 0x300));
    assert_eq!(found[0].bytes, pe);
}

#[test]
fn pe32_plus_and_the_machine_names() {
    for (machine, name) in [
        (0x8664u16, "amd64"),
        (0xAA64, "arm64"),
        (0x1C4, "armnt"),
        (0x14C, "i386"),
        (0x0200, "0x0200"),
    ] {
        let pe = Pe {
            magic: 0x20B,
            machine,
            ..Pe::dll()
        };
        let found = find(&pe.bytes());
        assert_eq!(found.len(), 1, "{machine:#x}");
        assert_eq!(
            (found[0].format, found[0].machine.as_str()),
            ("PE32+", name)
        );
    }
    // Any other optional-header magic (a ROM image, 0x107) is not an executable.
    let rom = Pe {
        magic: 0x107,
        ..Pe::dll()
    };
    assert!(find(&rom.bytes()).is_empty());
}

#[test]
fn dll_is_the_coff_dll_characteristic_alone() {
    for (characteristics, dll) in [
        (0x2102u16, true),
        (0x2000, true),
        (0x0102, false),
        (0x0000, false),
        (0xDFFF, false),
    ] {
        let pe = Pe {
            characteristics,
            ..Pe::dll()
        };
        let found = find(&pe.bytes());
        assert_eq!(found[0].dll, dll, "{characteristics:#06x}");
    }
}

#[test]
fn e_lfanew_must_point_past_the_dos_header_at_a_pe_signature() {
    // In range with the signature: found; at 0x40 exactly and at 0x10000 exactly too.
    for lfanew in [0x40usize, 0x80, 0x1_0000] {
        let pe = Pe {
            lfanew,
            headers: 0,
            ..Pe::dll()
        };
        assert_eq!(find(&pe.bytes()).len(), 1, "{lfanew:#x}");
    }
    // Below 0x40 (inside the DOS header) or past 64 KiB: refused even with the signature.
    for lfanew in [0x20usize, 0x1_0008] {
        let pe = Pe {
            lfanew,
            headers: 0,
            ..Pe::dll()
        };
        assert!(find(&pe.bytes()).is_empty(), "{lfanew:#x}");
    }
    // In range without the signature: refused.
    let mut b = Pe::dll().bytes();
    b[0x80..0x84].copy_from_slice(b"PX\0\0");
    assert!(find(&b).is_empty());
}

#[test]
fn the_size_is_the_end_of_the_last_sections_raw_data() {
    // No section: the headers' size.
    let pe = Pe {
        headers: 0x280,
        sections: vec![],
        len: 0x300,
        ..Pe::dll()
    };
    let found = find(&pe.bytes());
    assert_eq!(found[0].size, 0x280);
    assert_eq!(found[0].bytes.len(), 0x280);
    // Two sections, the later one first in the table; a zero-size section's pointer does not
    // count, however far it points.
    let pe = Pe {
        headers: 0x200,
        sections: vec![(0x80, 0x400), (0x100, 0x200), (0, 0x9000)],
        len: 0x480,
        ..Pe::dll()
    };
    let found = find(&pe.bytes());
    assert_eq!((found[0].size, found[0].truncated), (0x480, false));
    // Headers larger than every section's end.
    let pe = Pe {
        headers: 0x1000,
        sections: vec![(0x10, 0x200)],
        len: 0x1000,
        ..Pe::dll()
    };
    assert_eq!(find(&pe.bytes())[0].size, 0x1000);
}

#[test]
fn size_bounds_at_their_edges() {
    // Zero: no headers and no section data is not an image.
    let pe = Pe {
        headers: 0,
        sections: vec![(0, 0x200)],
        ..Pe::dll()
    };
    assert!(find(&pe.bytes()).is_empty());
    // 1 GiB exactly is read (truncated: the payload is smaller); one byte more is refused.
    let at = |end: u32| Pe {
        headers: 0x200,
        sections: vec![(end - 0x200, 0x200)],
        ..Pe::dll()
    };
    let found = find(&at(1 << 30).bytes());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].size, 1 << 30);
    assert!(found[0].truncated);
    assert_eq!(found[0].bytes.len(), 0x300);
    assert!(find(&at((1 << 30) + 1).bytes()).is_empty());
}

#[test]
fn at_most_96_sections() {
    let with = |n: usize| Pe {
        headers: 0x200,
        sections: vec![(0x10, 0x200); n],
        len: 0,
        ..Pe::dll()
    };
    let found = find(&with(96).bytes());
    assert_eq!(found.len(), 1);
    assert!(find(&with(97).bytes()).is_empty());
}

#[test]
fn sixteen_executables_at_most_and_each_skipped_whole() {
    let pe = Pe::dll().bytes();
    // An executable holding `MZ` inside is one executable, not two.
    let mut inner = pe.clone();
    inner[0x250..0x252].copy_from_slice(b"MZ");
    assert_eq!(find(&inner).len(), 1);
    let many: Vec<u8> = std::iter::repeat_n(pe.as_slice(), 20)
        .flatten()
        .copied()
        .collect();
    let found = find(&many);
    assert_eq!(found.len(), 16);
    assert_eq!(found[15].offset, 15 * 0x300);
    let text = b64(&pe);
    let many = vec![text.as_str(); 20].join("!");
    assert_eq!(find(many.as_bytes()).len(), 16);
}

// ---------------------------------------------------------------------------------------
// The insertion strings of each health-monitoring event ID (`EventLogWebEventProvider`:
// basic fields %1-%14, then process, request, exception, thread and ViewState fields).

fn numbered_event(id: u32, count: usize) -> String {
    let data: String = (0..count)
        .map(|i| {
            // %1 (the event code) is a code; every other string is its own position.
            if i == 0 {
                "<Data>9999</Data>".to_owned()
            } else {
                format!("<Data>{}</Data>", 100 + i)
            }
        })
        .collect();
    format!(
        "<Event><System><Provider Name='ASP.NET 4.0.30319.0'/><EventID>{id}</EventID></System><EventData>{data}</EventData></Event>"
    )
}

/// The 1-based insertion-string number a field was read from (`100 + i` is `%i+1`).
fn at(v: &Option<String>) -> Option<usize> {
    v.as_deref().map(|s| s.parse::<usize>().unwrap() - 100 + 1)
}

#[test]
fn every_health_event_id_lays_out_its_strings() {
    // (id, process id at, account at, url at, exception type at, persisted state at,
    // client address at)
    type Row = (
        u32,
        Option<usize>,
        Option<usize>,
        Option<usize>,
        Option<usize>,
        Option<usize>,
        Option<usize>,
    );
    let rows: [Row; 14] = [
        (1303, None, None, None, None, None, None),
        (1304, Some(15), Some(17), None, None, None, None),
        (1305, Some(15), Some(17), None, None, None, None),
        (1306, Some(15), Some(17), Some(18), None, None, Some(20)),
        (1307, Some(15), Some(17), None, None, None, None),
        (1308, Some(15), Some(17), None, Some(18), None, None),
        (1309, Some(15), Some(17), Some(20), Some(18), None, Some(22)),
        (1310, Some(15), Some(17), Some(20), Some(18), None, Some(22)),
        (1311, Some(15), Some(17), Some(18), None, None, Some(20)),
        (1312, Some(15), Some(17), Some(18), None, None, Some(20)),
        (1313, Some(15), Some(17), Some(18), None, None, Some(20)),
        (1314, Some(15), Some(17), Some(18), None, None, Some(20)),
        (1315, Some(15), Some(17), Some(18), None, None, Some(20)),
        (1316, Some(15), Some(17), Some(18), None, Some(29), Some(26)),
    ];
    for (id, pid, account, url, exception, state, client) in rows {
        let (ev, sk) = collect(Format::Xml, &numbered_event(id, 40));
        assert!(sk.is_empty(), "{id}: {sk:?}");
        let e = &ev[0];
        assert_eq!(e.event_id, Some(id));
        // The basic fields of every layout: %1 code, %2 message, %13 machine.
        assert_eq!(e.event_code, Some(9999), "{id}");
        assert_eq!(at(&e.message), Some(2), "{id}");
        assert_eq!(at(&e.machine), Some(13), "{id}");
        assert_eq!(
            e.process_id.map(|p| usize::try_from(p).unwrap() - 100 + 1),
            pid,
            "{id}"
        );
        assert_eq!(at(&e.account), account, "{id}");
        assert_eq!(at(&e.url), url, "{id}");
        assert_eq!(at(&e.exception_type), exception, "{id}");
        assert_eq!(at(&e.persisted_state), state, "{id}");
        assert_eq!(at(&e.client_address), client, "{id}");
    }
    // An ID outside 1303-1316 has no layout: nothing is read positionally.
    let (ev, _) = collect(Format::Xml, &numbered_event(1302, 40));
    assert!(
        ev.iter()
            .all(|e| e.message.is_none() && e.process_id.is_none())
    );
}

#[test]
fn a_bare_web_event_code_implies_its_event_id() {
    // deja_view lines carry no event ID when the first field has no `|`.
    for (code, id) in [
        (1001u32, 1305u32),
        (1003, 1305),
        (1005, 1305),
        (3001, 1309),
        (3005, 1309),
        (3012, 1309),
        (4001, 1313),
        (4002, 1313),
        (4003, 1311),
        (4004, 1311),
        (4005, 1315),
        (4006, 1315),
        (4007, 1314),
        (4008, 1314),
        (4009, 1316),
        (4010, 1314),
        (4011, 1314),
    ] {
        let (ev, sk) = collect(Format::DejaView, &format!("{code}-++-a message-++-x\n"));
        assert!(sk.is_empty(), "{code}");
        assert_eq!(ev[0].event_id, Some(id), "{code}");
        assert_eq!(ev[0].event_code, Some(code));
        assert_eq!(ev[0].message.as_deref(), Some("a message"), "{code}");
    }
    for code in [1000u32, 1006, 3000, 3013, 4000, 4012, 9999] {
        let (ev, sk) = collect(Format::DejaView, &format!("{code}-++-a message\n"));
        assert_eq!(ev.len() + sk.len(), 1, "{code}");
        assert!(ev.iter().all(|e| e.event_id.is_none()), "{code}");
    }
}

// ---------------------------------------------------------------------------------------
// deja_view lines: where each record starts.

#[test]
fn deja_view_positions_are_line_numbers_over_every_line() {
    let text = "a header line\n\
                1316 | Information | Event code: 4009-++-Viewstate verification failed.\n\
                \n\
                not a record\n\
                hello-++-world\n\
                3005-++-An unhandled exception has occurred.\n";
    let (ev, sk) = collect(Format::DejaView, text);
    assert_eq!(
        ev.iter().map(|e| e.origin.position).collect::<Vec<_>>(),
        [Some(2), Some(6)]
    );
    assert_eq!(sk.len(), 1);
    assert_eq!(sk[0].origin.position, Some(5));
    assert!(matches!(sk[0].reason, SkipReason::Malformed { .. }));
    // A line over the record limit is skipped as too large, and counts as a line.
    let mut limits = Limits::default();
    limits.max_record = 64;
    let long = format!("4009-++-{}\nx\n4009-++-short\n", "A".repeat(100));
    let (ev, sk) = collect_with(Format::DejaView, &long, &limits);
    assert_eq!(sk.len(), 1);
    assert_eq!(sk[0].origin.position, Some(1));
    assert!(matches!(sk[0].reason, SkipReason::TooLarge { limit: 64 }));
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].origin.position, Some(3));
    // Two long lines in a row: the second is line 2.
    let two = format!("4009-++-{0}\n4009-++-{0}\n4009-++-s\n", "B".repeat(100));
    let (ev, sk) = collect_with(Format::DejaView, &two, &limits);
    assert_eq!(
        sk.iter().map(|s| s.origin.position).collect::<Vec<_>>(),
        [Some(1), Some(2)]
    );
    assert_eq!(ev[0].origin.position, Some(3));
}

// ---------------------------------------------------------------------------------------
// Text exports: `wevtutil qe /f:text`, the older Event Viewer copy, bare messages.

fn time_of(e: &Event) -> String {
    e.time.as_ref().map(ToString::to_string).unwrap_or_default()
}

#[test]
fn event_viewer_copy_reads_its_header() {
    // Event ID 1310 (not the 1309 that code 3005 alone implies), the machine from
    // `Computer:` (the message has no `Machine name:`), the time from `Date:` and `Time:`.
    let text = "Event Type:\tWarning\n\
                Event Source:\tASP.NET 2.0.50727.0\n\
                Event Category:\tWeb Event \n\
                Event ID:\t1310\n\
                Date:\t\t1/7/2016\n\
                Time:\t\t11:15:03 PM\n\
                User:\t\tN/A\n\
                Computer:\tWEB01\n\
                Description:\n\
                Event code: 3005 \n\
                Event message: An unhandled exception has occurred. \n\
                Request path: /shop/a[1]\n\
                Exception message: Invalid length for a Base-64 char array or string. [x]\n";
    let (ev, sk) = collect(Format::Text, text);
    assert!(sk.is_empty(), "{sk:?}");
    assert_eq!(ev.len(), 1, "{ev:?}");
    let e = &ev[0];
    assert_eq!(e.event_id, Some(1310));
    assert_eq!(e.event_code, Some(3005));
    assert_eq!(e.provider.as_deref(), Some("ASP.NET 2.0.50727.0"));
    assert_eq!(e.machine.as_deref(), Some("WEB01"));
    assert_eq!(time_of(e), "2016-01-07T23:15:03Z (local)");
    assert_eq!(e.request_path.as_deref(), Some("/shop/a[1]"));
    // The record starts at its first header line, not at `Description:`.
    assert_eq!(e.origin.position, Some(1));
}

#[test]
fn wevtutil_records_split_at_their_numbers() {
    let text = "Event[0]:\n\
                \x20 Log Name: Application\n\
                \x20 Source: ASP.NET 4.0.30319.0\n\
                \x20 Date: 2016-01-07T23:15:03.000\n\
                \x20 Event ID: 1017\n\
                \x20 Computer: w1\n\
                \x20 Description: \n\
                Start registering ASP.NET (version 4.0.30319.0) (internal flag: 0x00000404)\n\
                \n\
                Event[1]:\n\
                \x20 Source: ASP.NET 4.0.30319.0\n\
                \x20 Date: 2016-01-08T01:02:03.000\n\
                \x20 Event ID: 1019\n\
                \x20 Computer: w2\n\
                \x20 Description: \n\
                Finish registering ASP.NET (version 4.0.30319.0) (internal flag: 0x00000404) [done]\n";
    let (ev, sk) = collect(Format::Text, text);
    assert!(sk.is_empty(), "{sk:?}");
    assert_eq!(
        ev.iter()
            .map(|e| (e.event_id, e.origin.position, e.machine.clone(), time_of(e)))
            .collect::<Vec<_>>(),
        [
            (
                Some(1017),
                Some(1),
                Some("w1".to_owned()),
                "2016-01-07T23:15:03Z (local)".to_owned()
            ),
            (
                Some(1019),
                Some(10),
                Some("w2".to_owned()),
                "2016-01-08T01:02:03Z (local)".to_owned()
            ),
        ]
    );
    // Without an `Event ID:` line a setup record has no event: the ID came from the header.
    let (ev, _) = collect(
        Format::Text,
        "Event[0]:\n  Source: ASP.NET 4.0.30319.0\n  Description: \nStart registering ASP.NET (version 4.0.30319.0)\n",
    );
    assert!(ev.iter().all(|e| e.event_id.is_none()));
}

#[test]
fn bare_messages_and_long_lines_keep_their_line_numbers() {
    let mut limits = Limits::default();
    limits.max_line = 64;
    let text = format!(
        "{}\n\
         Description:\n\
         Event code: 4009\n\
         Event message: Viewstate verification failed.\n\
         \n\
         Event code: 3005\n\
         {}\n\
         Event message: An unhandled exception has occurred.\n",
        "x".repeat(100),
        "y".repeat(100)
    );
    let (ev, sk) = collect_with(Format::Text, &text, &limits);
    // Line 1, too long outside any record: skipped as malformed, at line 1.
    assert_eq!(sk.len(), 2, "{sk:?}");
    assert_eq!(sk[0].origin.position, Some(1));
    assert!(matches!(sk[0].reason, SkipReason::Malformed { .. }));
    // The bare `Description:` block is a record from line 2.
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(
        (ev[0].event_code, ev[0].origin.position),
        (Some(4009), Some(2))
    );
    // The 3005 message holds a too-long line: the whole record is too large, at line 6.
    assert_eq!(sk[1].origin.position, Some(6));
    assert!(matches!(sk[1].reason, SkipReason::TooLarge { .. }));
}

#[test]
fn a_message_after_a_header_without_description_is_its_own_record() {
    // wevtutil's header of another source, then a bare ASP.NET message: two records.
    let text = "Event[0]:\n  Source: WLMS\n  Event ID: 100\nEvent code: 3005\nEvent message: An unhandled exception has occurred.\n";
    let (ev, sk) = collect(Format::Text, text);
    assert_eq!(sk.len(), 1, "{sk:?}");
    assert_eq!(sk[0].origin.position, Some(1));
    assert!(matches!(&sk[0].reason, SkipReason::NotAspNet { provider: Some(p) } if p == "WLMS"));
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].event_code, ev[0].origin.position),
        (Some(3005), Some(4))
    );
}

#[test]
fn a_text_record_at_its_size_limit() {
    let mut limits = Limits::default();
    limits.max_record = 100;
    // "Event code: 3005\n" is 17 bytes; a next line of 83 bytes brings it to the limit
    // (the limit counts the text before each line's newline is added).
    let at = |len: usize| {
        format!(
            "Event code: 3005\nEvent message: {}\n",
            "a".repeat(len - "Event message: ".len())
        )
    };
    let (ev, sk) = collect_with(Format::Text, &at(83), &limits);
    assert!(sk.is_empty(), "{sk:?}");
    assert_eq!(ev[0].message.as_deref().map(str::len), Some(83 - 15));
    let (ev, sk) = collect_with(Format::Text, &at(84), &limits);
    assert!(ev.is_empty());
    assert!(matches!(sk[0].reason, SkipReason::TooLarge { limit: 100 }));
}

// ---------------------------------------------------------------------------------------
// Event XML as it streams: elements split across reads, oversized ones skipped to their
// end, a cut input, and the input read no further ahead than the record limit needs.

/// Gives at most `step` bytes a read, and counts what it gave.
struct Pieces<'a> {
    data: &'a [u8],
    step: usize,
    given: std::rc::Rc<std::cell::Cell<usize>>,
}

impl std::io::Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        let (now, rest) = self.data.split_at(n);
        buf[..n].copy_from_slice(now);
        self.data = rest;
        self.given.set(self.given.get() + n);
        Ok(n)
    }
}

const ONE: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='ASP.NET 4.0.30319.0'/><EventID Qualifiers='16384'>1017</EventID><TimeCreated SystemTime='2016-01-07T23:15:03.000Z'/><EventRecordID>229</EventRecordID><Computer>w</Computer></System><EventData><Data>4.0.30319.0</Data><Data>0x00000404</Data></EventData></Event>";

/// Each item as `event <record id> @<offset>` or `skip <reason> @<offset>`.
fn xml_items(input: &str, step: usize, limits: &Limits) -> Vec<String> {
    let mut out = Vec::new();
    let reader = Pieces {
        data: input.as_bytes(),
        step,
        given: std::rc::Rc::default(),
    };
    events::read(reader, Format::Xml, "t", limits, |i| {
        out.push(match i {
            Item::Event(e) => format!(
                "event {} @{}",
                e.record_id.unwrap_or(0),
                e.origin.position.unwrap_or(u64::MAX)
            ),
            Item::Skipped(s) => format!(
                "skip {} @{}",
                s.reason,
                s.origin.position.unwrap_or(u64::MAX)
            ),
        });
    })
    .unwrap();
    out
}

#[test]
fn xml_elements_are_found_however_the_input_is_cut() {
    let big = format!(
        "<Event><System><Provider Name='x'/></System><EventData><Data>{}</Data></EventData></Event>",
        "A".repeat(5000)
    );
    // A root, an event, an oversized one, an event, a malformed one, `<EventData` (not an
    // event start), and a cut one.
    let input =
        format!("<Events>{ONE}\r\n{big}{ONE}<EventX/><Event><System></Event><Event><System>");
    let at_one = 8;
    let at_big = at_one + ONE.len() + 2;
    let at_two = at_big + big.len();
    let at_bad = at_two + ONE.len() + "<EventX/>".len();
    let at_cut = at_bad + "<Event><System></Event>".len();
    let mut limits = Limits::default();
    limits.max_record = 4096;
    for step in [1usize, 5, 6, 7, 64, 4096, 1 << 20] {
        let items = xml_items(&input, step, &limits);
        assert_eq!(items.len(), 5, "{step}: {items:?}");
        assert_eq!(items[0], format!("event 229 @{at_one}"), "{step}");
        assert_eq!(
            items[1],
            format!("skip record larger than 4096 bytes @{at_big}"),
            "{step}"
        );
        assert_eq!(items[2], format!("event 229 @{at_two}"), "{step}");
        assert!(items[3].starts_with("skip malformed"), "{step}: {items:?}");
        assert!(
            items[3].ends_with(&format!("@{at_bad}")),
            "{step}: {items:?}"
        );
        assert_eq!(
            items[4],
            format!("skip malformed record: the input ends inside an <Event> element @{at_cut}"),
            "{step}"
        );
    }
    // An input that ends on `<Event` itself is cut inside an element too.
    for step in [1usize, 3, 1 << 20] {
        let items = xml_items(&format!("{ONE}<Event"), step, &limits);
        assert_eq!(items.len(), 2, "{step}: {items:?}");
        assert!(items[1].contains("ends inside"), "{step}: {items:?}");
    }
}

#[test]
fn an_xml_record_at_its_size_limit() {
    let mut limits = Limits::default();
    limits.max_record = ONE.len();
    for step in [7usize, 1 << 20] {
        assert_eq!(xml_items(ONE, step, &limits), ["event 229 @0"]);
        limits.max_record = ONE.len() - 1;
        assert_eq!(
            xml_items(ONE, step, &limits),
            [format!(
                "skip record larger than {} bytes @0",
                ONE.len() - 1
            )]
        );
        limits.max_record = ONE.len();
    }
    // An element that never ends is too large once it passes the limit, not cut.
    let mut limits = Limits::default();
    limits.max_record = 100;
    let endless = format!("<Event><EventData><Data>{}", "x".repeat(1000));
    for step in [7usize, 1 << 20] {
        assert_eq!(
            xml_items(&endless, step, &limits),
            ["skip record larger than 100 bytes @0"],
            "{step}"
        );
    }
}

#[test]
fn xml_is_read_record_by_record_not_whole() {
    // 4 MiB of events: the first is handed on long before the input is read.
    let input: String = std::iter::repeat_n(ONE, (4 << 20) / ONE.len()).collect();
    let given = std::rc::Rc::new(std::cell::Cell::new(0usize));
    let reader = Pieces {
        data: input.as_bytes(),
        step: 1 << 20,
        given: given.clone(),
    };
    let mut read_at_first = None;
    let mut n = 0usize;
    events::read(reader, Format::Xml, "t", &Limits::default(), |_| {
        n += 1;
        read_at_first.get_or_insert(given.get());
    })
    .unwrap();
    assert_eq!(n, input.len() / ONE.len());
    let first = read_at_first.unwrap();
    assert!(
        first <= 1 << 20,
        "{first} bytes read before the first record"
    );
}

fn record(id: u32, data: &str, message: Option<&str>) -> String {
    let rendering = message.map_or_else(String::new, |m| {
        format!("<RenderingInfo Culture='en-US'><Message>{m}</Message></RenderingInfo>")
    });
    format!(
        "<Event><System><Provider Name='ASP.NET 4.0.30319.0'/><EventID>{id}</EventID></System><EventData>{data}</EventData>{rendering}</Event>"
    )
}

#[test]
fn one_empty_string_is_no_strings() {
    // `<Data></Data>` alone is what wevtutil prints for an event without insertion strings:
    // the rendered message is read instead.
    let xml = record(
        1309,
        "<Data></Data>",
        Some("Event code: 3005\nEvent message: An unhandled exception has occurred.\n"),
    );
    let (ev, _) = collect(Format::Xml, &xml);
    assert_eq!(ev[0].event_code, Some(3005));
    assert_eq!(
        ev[0].message.as_deref(),
        Some("An unhandled exception has occurred.")
    );
    // One string that is not empty is kept (a setup event's version).
    let (ev, _) = collect(Format::Xml, &record(1017, "<Data>4.0.30319.0</Data>", None));
    assert!(
        matches!(&ev[0].kind, events::EventKind::Installer { version: Some(v), .. } if v == "4.0.30319.0"),
        "{:?}",
        ev[0].kind
    );
    // Many strings whose first is empty are kept, position by position.
    let strings: String = ["", "the message", "t", "t", "id"]
        .iter()
        .map(|s| format!("<Data>{s}</Data>"))
        .collect();
    let (ev, _) = collect(Format::Xml, &record(1309, &strings, None));
    assert_eq!(ev[0].message.as_deref(), Some("the message"));
}

#[test]
fn an_event_of_too_many_nodes_is_malformed() {
    // roxmltree's node limit (100 000) bounds each record's tree.
    let data = "<Data/>".repeat(100_001);
    let (ev, sk) = collect(Format::Xml, &record(1309, &data, None));
    assert!(ev.is_empty());
    assert!(
        matches!(&sk[0].reason, SkipReason::Malformed { message } if message.contains("nodes limit")),
        "{sk:?}"
    );
    let data = "<Data/>".repeat(99_000);
    let (ev, _) = collect(Format::Xml, &record(1309, &data, None));
    assert_eq!(ev.len(), 1);
}

#[test]
fn base64_runs_are_read_from_their_tvq_and_cut_to_whole_quads() {
    // Section data whose Base64 holds `+` and `/`.
    let mut pe = Pe::dll().bytes();
    pe[0x201..0x207].copy_from_slice(&[0xFB, 0xEF, 0xBE, 0xFF, 0xFF, 0xFF]);
    let text = b64(&pe);
    assert!(text.contains("++++") && text.contains("////"));
    // Directly after other Base64 characters (`AAp`: not the start of the run), with two
    // more Base64 characters after it (not a whole quad), then a second run.
    let payload = format!("AAp{text}xy!{text}");
    let found = find(payload.as_bytes());
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(
        found
            .iter()
            .map(|e| (e.container, e.offset, e.size))
            .collect::<Vec<_>>(),
        [
            (Container::Base64, 3, 0x300),
            (Container::Base64, 3 + text.len() + 3, 0x300)
        ]
    );
    assert_eq!(found[0].bytes, pe);
    assert!(!found[0].truncated);
    // `MZ` that is no executable, at the start and before one.
    let bytes = [b"MZMZ no pe".as_slice(), &pe].concat();
    let found = find(&bytes);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].offset, found[0].size), (10, 0x300));
    // An executable that ends where the payload does is whole; one byte short is truncated.
    let found = find(&pe);
    assert_eq!((found[0].size, found[0].truncated), (0x300, false));
    let found = find(&pe[..0x2FF]);
    assert_eq!((found[0].size, found[0].truncated), (0x300, true));
    assert_eq!(found[0].bytes.len(), 0x2FF);
}

#[test]
fn an_oversized_element_cut_short_is_placed_where_it_starts() {
    // Too large before its end arrives, starting after another record in the same read.
    let mut limits = Limits::default();
    limits.max_record = ONE.len() + 10;
    let input = format!("{ONE}<Event><EventData><Data>{}", "x".repeat(1000));
    assert_eq!(
        xml_items(&input, 1 << 20, &limits),
        [
            "event 229 @0".to_owned(),
            format!(
                "skip record larger than {} bytes @{}",
                ONE.len() + 10,
                ONE.len()
            )
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Text encodings: what Windows writes (a BOM, or UTF-16 without one from PowerShell's `>`).

fn encode(text: &str, encoding: &str) -> Vec<u8> {
    let units = text.encode_utf16();
    match encoding {
        "utf8" => text.as_bytes().to_vec(),
        "utf8 bom" => [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        "le bom" => [0xFF, 0xFE]
            .into_iter()
            .chain(units.flat_map(u16::to_le_bytes))
            .collect(),
        "be bom" => [0xFE, 0xFF]
            .into_iter()
            .chain(units.flat_map(u16::to_be_bytes))
            .collect(),
        "le" => units.flat_map(u16::to_le_bytes).collect(),
        "be" => units.flat_map(u16::to_be_bytes).collect(),
        _ => unreachable!(),
    }
}

fn deja_view_messages(bytes: &[u8], step: usize) -> Vec<String> {
    let mut out = Vec::new();
    let reader = Pieces {
        data: bytes,
        step,
        given: std::rc::Rc::default(),
    };
    events::read(reader, Format::DejaView, "t", &Limits::default(), |i| {
        if let Item::Event(e) = i {
            out.push(e.message.unwrap_or_default());
        }
    })
    .unwrap();
    out
}

#[test]
fn every_encoding_windows_writes_reads_the_same() {
    let text = "4009-++-Viewstate \u{e9}t\u{e9} \u{1F600} \u{20AC}-++-x\n3005-++-second-++-y\n";
    for encoding in ["utf8", "utf8 bom", "le bom", "be bom", "le", "be"] {
        for step in [1usize, 2, 3, 1 << 20] {
            assert_eq!(
                deja_view_messages(&encode(text, encoding), step),
                ["Viewstate \u{e9}t\u{e9} \u{1F600} \u{20AC}", "second"],
                "{encoding} {step}"
            );
        }
    }
    // An unpaired surrogate, and an odd byte at the end: U+FFFD each.
    let mut le = encode("4009-++-a", "le bom");
    le.extend(0xD800u16.to_le_bytes());
    le.extend(encode("b-++-x\n4009-++-c", "le"));
    le.extend(0xDBFFu16.to_le_bytes());
    for step in [1usize, 3, 1 << 20] {
        assert_eq!(
            deja_view_messages(&le, step),
            ["a\u{FFFD}b", "c\u{FFFD}"],
            "{step}"
        );
        let odd = [&encode("4009-++-c", "le bom")[..], &[0x41]].concat();
        assert_eq!(deja_view_messages(&odd, step), ["c\u{FFFD}"], "{step}");
    }
    // A lone low surrogate.
    let mut le = encode("4009-++-a", "le bom");
    le.extend(0xDC00u16.to_le_bytes());
    le.extend(encode("b", "le"));
    assert_eq!(deja_view_messages(&le, 1 << 20), ["a\u{FFFD}b"]);
}

#[test]
fn nul_padding_is_not_utf16() {
    // A UTF-8 export that starts with NUL bytes (a zero-filled block, as a cut copy leaves):
    // not UTF-16 of either order.
    for pad in [&[0u8, 0, 0, 0][..], &[0, 0, b' ', 0], &[0, 0, 0, b' ']] {
        let bytes = [pad, b"\n4009-++-m-++-x\n"].concat();
        assert_eq!(deja_view_messages(&bytes, 1 << 20), ["m"], "{pad:?}");
    }
}

#[test]
fn skipping_an_oversized_element_across_reads_keeps_the_offsets() {
    // Forty records (13 KB), one element of 70 KB that does not fit the first 64 KiB read,
    // then a record whose offset must count every byte skipped.
    let mut limits = Limits::default();
    limits.max_record = 4096;
    let big = format!(
        "<Event><EventData><Data>{}</Data></EventData></Event>",
        "x".repeat(70_000)
    );
    let input = format!("{}{big}{ONE}", ONE.repeat(40));
    let items = xml_items(&input, 1 << 20, &limits);
    assert_eq!(items.len(), 42);
    for (i, item) in items.iter().take(40).enumerate() {
        assert_eq!(item, &format!("event 229 @{}", i * ONE.len()));
    }
    assert_eq!(
        items[40],
        format!("skip record larger than 4096 bytes @{}", 40 * ONE.len())
    );
    assert_eq!(
        items[41],
        format!("event 229 @{}", 40 * ONE.len() + big.len())
    );
}

// ---------------------------------------------------------------------------------------
// Times: `TimeCreated` as wevtutil and python-evtx print it, and `Event time (UTC)` /
// `Event time` as the server's culture wrote them.

fn time_created(system_time: &str) -> Option<events::EventTime> {
    let xml = format!(
        "<Event><System><Provider Name='ASP.NET 4.0.30319.0'/><EventID>1017</EventID><TimeCreated SystemTime='{system_time}'/></System></Event>"
    );
    let (ev, sk) = collect(Format::Xml, &xml);
    assert!(sk.is_empty(), "{sk:?}");
    ev[0].time
}

#[test]
fn time_created_in_every_form_the_tools_print() {
    for (text, unix, local) in [
        ("2016-01-07T23:15:03.0000000Z", 1_452_208_503, false),
        ("2016-01-07T23:15:03z", 1_452_208_503, false),
        ("2016-01-07 23:15:03+00:00", 1_452_208_503, false),
        ("2016-01-08 00:15:03+01:00", 1_452_208_503, false),
        ("2016-01-08 00:15:03+0100", 1_452_208_503, false),
        ("2016-01-08 00:15:03+01", 1_452_208_503, false),
        ("2016-01-07 17:45:03-05:30", 1_452_208_503, false),
        ("2016-01-07 17:45:03-0530", 1_452_208_503, false),
        ("2016-01-07T23:15:03", 1_452_208_503, true),
        (" 2016-1-7T23:15:03Z ", 1_452_208_503, false),
    ] {
        let t = time_created(text).unwrap_or_else(|| panic!("{text}"));
        assert_eq!((t.unix(), t.local), (unix, local), "{text}");
    }
    // Fractions to the nanosecond (digits past nine are dropped); shown to the millisecond.
    let t = time_created("2016-01-07T23:15:04.4453125Z").unwrap();
    assert_eq!(t.at.nanosecond(), 445_312_500);
    assert_eq!(t.to_string(), "2016-01-07T23:15:04.445Z");
    let t = time_created("2016-01-07T23:15:04.1234567891Z").unwrap();
    assert_eq!(t.at.nanosecond(), 123_456_789);
    let t = time_created("2016-01-07T23:15:04.5").unwrap();
    assert_eq!(t.to_string(), "2016-01-07T23:15:04.500Z (local)");
    // Not a time: an empty record time rather than a wrong one.
    for bad in [
        "",
        "2016-01-007T23:15:03Z",
        "20160-01-07T23:15:03Z",
        "2016-01-07T023:15:03Z",
        "2016-01-07T23:15Z",
        "2016-01-07X23:15:03Z",
        "2016-02-30T00:00:00Z",
        "2016-01-07T24:00:00Z",
        "2016-01-07T23:15:03.12aZ",
        "2016-01-07T23:15:03 +01:00:00",
        "2016-01-07T23:15:03+1:000",
        "2016-01-07T23:15:03+26:00",
        "2016-01-07T23:15:03*01:00",
    ] {
        assert!(time_created(bad).is_none(), "{bad}");
    }
}

#[test]
fn event_times_in_the_servers_culture() {
    let read = |label: &str, value: &str| {
        let (ev, _) = collect(
            Format::Text,
            &format!("Event code: 3005\n{label}: {value}\nEvent message: m\n"),
        );
        ev[0].time
    };
    for (value, utc) in [
        ("10/7/2007 12:47:36 PM", "2007-10-07T12:47:36Z"),
        ("10/7/2007 12:47:36 pm", "2007-10-07T12:47:36Z"),
        ("10/7/2007 12:47:36 AM", "2007-10-07T00:47:36Z"),
        ("10/7/2007 1:47:36 am", "2007-10-07T01:47:36Z"),
        ("10/7/2007 11:47:36 PM", "2007-10-07T23:47:36Z"),
        ("10/7/2007 14:47:36", "2007-10-07T14:47:36Z"),
        ("7.10.2007 14:47:36", "2007-10-07T14:47:36Z"),
        ("2007-10-07 14:47:36", "2007-10-07T14:47:36Z"),
        ("10/7/2007 14:47:36.250", "2007-10-07T14:47:36.250Z"),
    ] {
        let t = read("Event time (UTC)", value).unwrap_or_else(|| panic!("{value}"));
        assert_eq!((t.to_string(), t.local), (utc.to_owned(), false), "{value}");
        // `Event time` is the server's local time, zone unknown.
        let t = read("Event time", value).unwrap_or_else(|| panic!("{value}"));
        assert_eq!(
            (t.to_string(), t.local),
            (format!("{utc} (local)"), true),
            "{value}"
        );
        assert_eq!(t.unix(), t.at.unix_timestamp());
    }
    for bad in [
        "13/45/2007 1:00:00",
        "1/1/2000 13:00:00 PM",
        "1/1/2000 0:00:00 AM",
        "1/1/2000 1:00:00 XM",
        "1-1-2000 1:00:00",
        "1/1/20000 1:00:00",
        "1/111/2000 1:00:00",
        "11111/1/2000 1:00:00",
        "1/1.2000 1:00:00",
        "7 October 2007",
    ] {
        assert!(read("Event time (UTC)", bad).is_none(), "{bad}");
    }
    // The record's own time comes first.
    let (ev, _) = collect(
        Format::Text,
        "Event[0]:\n  Source: ASP.NET 4.0.30319.0\n  Date: 2016-01-07T23:15:03.000Z\n  Event ID: 1309\n  Description:\nEvent code: 3005\nEvent time (UTC): 10/7/2007 12:47:36 PM\n",
    );
    assert_eq!(time_of(&ev[0]), "2016-01-07T23:15:03Z");
    assert_eq!(ev[0].time.unwrap().unix(), 1_452_208_503);
}

#[test]
fn a_text_line_at_its_length_limit() {
    // `max_line` bytes of text, then its line end (CR LF), is one line; a byte more is not.
    let mut limits = Limits::default();
    limits.max_line = 64;
    let at = |len: usize| {
        format!(
            "Event code: 3005\r\nEvent message: {}\r\n",
            "a".repeat(len - "Event message: ".len())
        )
    };
    let (ev, sk) = collect_with(Format::Text, &at(64), &limits);
    assert!(sk.is_empty(), "{sk:?}");
    assert_eq!(ev[0].message.as_deref().map(str::len), Some(64 - 15));
    let (ev, sk) = collect_with(Format::Text, &at(65), &limits);
    assert!(ev.is_empty());
    assert!(
        matches!(sk[0].reason, SkipReason::TooLarge { .. }),
        "{sk:?}"
    );
}

#[test]
fn utf16_is_transcoded_as_it_is_read() {
    // 4 MiB of UTF-16 lines: the first record is handed on long before the input is read.
    let line = "4009-++-Viewstate verification failed.-++-x\n";
    let input = encode(&line.repeat((2 << 20) / line.len()), "le bom");
    let given = std::rc::Rc::new(std::cell::Cell::new(0usize));
    let reader = Pieces {
        data: &input,
        step: 1 << 20,
        given: given.clone(),
    };
    let mut read_at_first = None;
    let mut n = 0usize;
    events::read(reader, Format::DejaView, "t", &Limits::default(), |_| {
        n += 1;
        read_at_first.get_or_insert(given.get());
    })
    .unwrap();
    assert_eq!(n, (2 << 20) / line.len());
    let first = read_at_first.unwrap();
    assert!(
        first <= 1 << 20,
        "{first} bytes read before the first record"
    );
}
