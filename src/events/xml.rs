//! Event XML: what `wevtutil qe /f:xml` and `Get-WinEvent ... | % { $_.ToXml() }` print
//! (`<Event xmlns=...>` elements one after another, or inside an `<Events>` root), and what
//! the `evtx` crate renders for each record of a `.evtx` file.
//!
//! The input is split into `<Event>` elements as it streams, each at most
//! [`Limits::max_record`](super::Limits) bytes, and each element is parsed on its own with
//! `roxmltree`. Classic events (ASP.NET writes through the `ReportEvent` API) carry their
//! insertion strings as unnamed `<Data>` elements in order; python-evtx renders them as one
//! `<Data>` holding `<string>` elements, which is read too.

use std::io::BufRead;

use super::model::RawRecord;
use super::when::parse_iso;
use super::{Entry, Limits, Sink};

/// The start of an `<Event>` element at `i`: `<Event` then a space or `>`.
fn event_start(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        let rest = buf.get(i..)?;
        let at = find(rest, b"<Event")?;
        let pos = i + at;
        match buf.get(pos + 6) {
            Some(b' ' | b'\t' | b'\r' | b'\n' | b'>') => return Some(pos),
            // Not known yet: wait for more input.
            None => return Some(pos),
            _ => i = pos + 6,
        }
    }
}

/// The end of the element: just after `</Event>`.
fn event_end(buf: &[u8], from: usize) -> Option<usize> {
    let rest = buf.get(from..)?;
    find(rest, b"</Event>").map(|i| from + i + 8)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads every `<Event>` of an XML stream.
pub(crate) fn read(
    reader: &mut dyn BufRead,
    name: &str,
    limits: &Limits,
    sink: &mut Sink<'_>,
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    // Bytes of the stream before `buf`.
    let mut base: u64 = 0;
    let mut eof = false;
    // Skipping an oversized element until its end.
    let mut skipping = false;
    let chunk = 256 << 10;
    loop {
        // Fill.
        if !eof {
            let data = reader.fill_buf()?;
            if data.is_empty() {
                eof = true;
            } else {
                let n = data.len().min(chunk);
                buf.extend_from_slice(data.get(..n).unwrap_or_default());
                reader.consume(n);
            }
        }
        let mut consumed = 0usize;
        loop {
            if skipping {
                // Keep the last 7 bytes: `</Event>` may straddle the boundary.
                match event_end(&buf, consumed) {
                    Some(end) => {
                        consumed = end;
                        skipping = false;
                    }
                    None => {
                        consumed = buf.len().saturating_sub(7).max(consumed);
                        break;
                    }
                }
            }
            let Some(start) = event_start(&buf, consumed) else {
                consumed = buf.len().saturating_sub(6).max(consumed);
                break;
            };
            if buf.get(start + 6).is_none() && !eof {
                consumed = start;
                break;
            }
            match event_end(&buf, start) {
                Some(end) if end - start > limits.max_record => {
                    sink.push(
                        name,
                        Entry::TooLarge(limits.max_record, Some(base + start as u64)),
                    );
                    consumed = end;
                }
                Some(end) => {
                    let position = base + start as u64;
                    let record = buf.get(start..end).unwrap_or_default();
                    let entry = match parse_record(record) {
                        Ok(raw) => Entry::Raw(Box::new(raw), Some(position)),
                        Err(message) => Entry::Malformed(message, Some(position)),
                    };
                    sink.push(name, entry);
                    consumed = end;
                }
                None if buf.len() - start > limits.max_record => {
                    sink.push(
                        name,
                        Entry::TooLarge(limits.max_record, Some(base + start as u64)),
                    );
                    skipping = true;
                    consumed = start + 6;
                }
                None if eof => {
                    sink.push(
                        name,
                        Entry::Malformed(
                            "the input ends inside an <Event> element".into(),
                            Some(base + start as u64),
                        ),
                    );
                    consumed = buf.len();
                    break;
                }
                None => {
                    consumed = start;
                    break;
                }
            }
        }
        buf.drain(..consumed.min(buf.len()));
        base += consumed as u64;
        if eof {
            return Ok(());
        }
    }
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// Reads one `<Event>` element.
pub(crate) fn parse_record(bytes: &[u8]) -> Result<RawRecord, String> {
    let text = String::from_utf8_lossy(bytes);
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 100_000,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(&text, options).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    if root.tag_name().name() != "Event" {
        return Err("not an <Event> element".into());
    }
    let mut raw = RawRecord::default();
    if let Some(system) = child(root, "System") {
        raw.provider = child(system, "Provider")
            .and_then(|p| {
                p.attribute("Name")
                    .or_else(|| p.attribute("EventSourceName"))
            })
            .map(str::to_owned);
        raw.event_id = child(system, "EventID")
            .and_then(|e| e.text())
            .and_then(|t| t.trim().parse::<u32>().ok())
            .map(|id| id & 0xFFFF);
        raw.record_id = child(system, "EventRecordID")
            .and_then(|e| e.text())
            .and_then(|t| t.trim().parse().ok());
        raw.time = child(system, "TimeCreated")
            .and_then(|t| t.attribute("SystemTime"))
            .and_then(parse_iso);
        raw.computer = child(system, "Computer")
            .and_then(|c| c.text())
            .map(|c| c.trim().to_owned());
    }
    if let Some(data) = child(root, "EventData") {
        for d in data
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "Data")
        {
            raw.strings.push(d.text().unwrap_or_default().to_owned());
        }
        // python-evtx: one <Data> holding "<string>a</string>\n<string>b</string>".
        if let [only] = raw.strings.as_slice() {
            if only.trim_start().starts_with("<string>") {
                raw.strings = python_evtx_strings(only);
            }
        }
        if raw.strings.len() == 1 && raw.strings.first().is_some_and(|s| s.is_empty()) {
            raw.strings.clear();
        }
    }
    if let Some(message) = child(root, "RenderingInfo").and_then(|r| child(r, "Message")) {
        let text = message.text().unwrap_or_default();
        if raw.strings.is_empty() {
            raw.labelled = super::model::labelled_fields(text);
        }
        raw.description = Some(text.to_owned());
    }
    Ok(raw)
}

fn python_evtx_strings(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<string>") {
        let after = rest.get(start + 8..).unwrap_or_default();
        let end = after.find("</string>").unwrap_or(after.len());
        out.push(unescape(after.get(..end).unwrap_or_default()));
        rest = after.get(end..).unwrap_or_default();
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn splits_and_skips() {
        let one = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='ASP.NET 4.0.30319.0'/><EventID Qualifiers='16384'>1017</EventID><TimeCreated SystemTime='2016-01-07T23:15:03.000Z'/><EventRecordID>229</EventRecordID><Computer>w</Computer></System><EventData><Data>4.0.30319.0</Data><Data>0x00000404</Data></EventData></Event>";
        let big = format!(
            "<Event><System><Provider Name='x'/></System><EventData><Data>{}</Data></EventData></Event>",
            "A".repeat(5000)
        );
        let input = format!("<Events>{one}\r\n{big}{one}<Event><System></Event><Event><System>");
        for cap in [1usize, 5, 64, 1 << 20] {
            let mut out = Vec::new();
            let limits = Limits {
                max_record: 4096,
                ..Limits::default()
            };
            let mut push = |e| out.push(e);
            let mut sink = Sink::new(&mut push);
            read(
                &mut std::io::BufReader::with_capacity(cap, input.as_bytes()),
                "t",
                &limits,
                &mut sink,
            )
            .unwrap();
            let kinds: Vec<String> = out
                .iter()
                .map(|e| match e {
                    super::super::Item::Event(ev) => format!("event {}", ev.record_id.unwrap_or(0)),
                    super::super::Item::Skipped(s) => format!("skip {}", s.reason),
                })
                .collect();
            assert_eq!(kinds.len(), 5, "{cap}: {kinds:?}");
            assert_eq!(kinds[0], "event 229");
            assert!(kinds[1].starts_with("skip record larger"), "{kinds:?}");
            assert_eq!(kinds[2], "event 229");
            assert!(kinds[3].starts_with("skip malformed"), "{kinds:?}");
            assert!(kinds[4].contains("ends inside"), "{kinds:?}");
        }
    }
}
