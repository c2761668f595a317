//! A busy server's Application log streamed through the event readers and the analysis:
//! event XML of ~300 MB (ASP.NET failures, installer and `-ga` records and other sources'
//! records, repeated) and an `.evtx` of ~200 MB (the chunks of apache/nifi's sample log,
//! repeated), each read from a temporary file in bounded memory. Prints records per second
//! (criterion's throughput) and the process's peak resident set (`VmHWM`) after each.

#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use machinekey::events::{Analysis, Limits, read_path};

fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

fn record(id: u32, t: &str, n: u64, strings: &[String]) -> String {
    let data: String = strings
        .iter()
        .map(|s| format!("<Data>{s}</Data>"))
        .collect();
    format!(
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='ASP.NET 4.0.30319.0'/><EventID Qualifiers='16384'>{id}</EventID><Level>4</Level><Task>3</Task><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='{t}'/><EventRecordID>{n}</EventRecordID><Channel>Application</Channel><Computer>WEB01</Computer><Security/></System><EventData>{data}</EventData></Event>\r\n"
    )
}

/// Writes the XML log; returns its path and record count.
fn xml_log(dir: &Path, target: u64) -> (PathBuf, u64) {
    let path = dir.join("busy.xml");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let state = "/wEPDwUKMTY1NDU2MTA1MmRkGqpPyb2dLh6pWRHdpBkbgCQX+e0=".repeat(20);
    let other = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-SPP'/><EventID>16384</EventID><TimeCreated SystemTime='2024-03-01T09:00:00Z'/><Computer>WEB01</Computer></System><EventData><Data>RulesEngine</Data></EventData></Event>\r\n";
    let (mut written, mut n) = (0u64, 0u64);
    while written < target {
        let s = n % 86_400;
        let t = format!(
            "2024-03-01T{:02}:{:02}:{:02}.000Z",
            s / 3600,
            (s / 60) % 60,
            s % 60
        );
        let pid = 4000 + (n % 3);
        let r = match n % 50 {
            0 => record(1017, &t, n, &["4.0.30319.0".into(), "0x00000404".into()]),
            1..=30 => {
                let mut v: Vec<String> = ["4009", "Viewstate verification failed. Reason: The viewstate supplied failed integrity check.", &t, &t, "4c8e6d0b6a0e4b1f9a2d2c3e4f5a6b7c", "12", "3", "50203", "/LM/W3SVC/1/ROOT/shop-1-133555", "Full", "/shop", "C:\\inetpub\\shop\\", "WEB01", ""].iter().map(|s| (*s).to_owned()).collect();
                v.extend([
                    pid.to_string(),
                    "w3wp.exe".into(),
                    "IIS APPPOOL\\Shop".into(),
                    "http://web01/shop/cart.aspx".into(),
                    "/shop/cart.aspx".into(),
                    "10.0.0.7".into(),
                    String::new(),
                    "False".into(),
                    String::new(),
                    "IIS APPPOOL\\Shop".into(),
                    "The state information is invalid for this page and might be corrupted.".into(),
                    "10.0.0.7".into(),
                    "51234".into(),
                    "Mozilla/5.0".into(),
                    state.clone(),
                    String::new(),
                    "/shop/cart.aspx".into(),
                ]);
                record(1316, &t, n, &v)
            }
            _ => other.to_owned(),
        };
        f.write_all(r.as_bytes()).unwrap();
        written += r.len() as u64;
        n += 1;
    }
    f.flush().unwrap();
    (path, n)
}

/// Writes an `.evtx` of nifi's header and its 17 chunks repeated; returns path and records.
fn evtx_log(dir: &Path, target: u64) -> (PathBuf, u64) {
    let src = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/eventlog/nifi-win7-application-logs.evtx"),
    )
    .unwrap();
    let (header, chunks) = src.split_at(4096);
    let chunks = &chunks[..chunks.len() / 65_536 * 65_536];
    let path = dir.join("busy.evtx");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    f.write_all(header).unwrap();
    let mut written = 4096u64;
    let mut copies = 0u64;
    while written < target {
        f.write_all(chunks).unwrap();
        written += chunks.len() as u64;
        copies += 1;
    }
    f.flush().unwrap();
    // 1,277 records per copy (1,276 read and one the evtx crate cannot read).
    (path, copies * 1277)
}

fn stream(path: &Path) -> u64 {
    let mut a = Analysis::new();
    read_path(path, &Limits::default(), |i| a.add(&i)).unwrap();
    let r = a.finish();
    r.summary.events + r.summary.skipped.values().sum::<u64>()
}

fn events(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("machinekey-events-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut g = c.benchmark_group("events");
    g.sample_size(10);
    let (xml, n) = xml_log(&dir, 300 << 20);
    g.throughput(Throughput::Elements(n));
    g.bench_function("xml_300MiB", |b| b.iter(|| black_box(stream(&xml))));
    eprintln!(
        "events/xml_300MiB: {n} records; peak RSS so far {} MiB",
        peak_rss_mib()
    );
    std::fs::remove_file(&xml).ok();
    let (evtx, n) = evtx_log(&dir, 200 << 20);
    g.throughput(Throughput::Elements(n));
    g.bench_function("evtx_200MiB", |b| b.iter(|| black_box(stream(&evtx))));
    eprintln!(
        "events/evtx_200MiB: {n} records; peak RSS so far {} MiB",
        peak_rss_mib()
    );
    std::fs::remove_file(&evtx).ok();
    g.finish();
    std::fs::remove_dir_all(&dir).ok();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(100)).measurement_time(Duration::from_secs(20)).sample_size(10);
    targets = events
}
criterion_main!(benches);
