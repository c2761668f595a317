//! Rendered events as text: `wevtutil qe /f:text` (`Event[0]:`, indented `Key: value`
//! header lines, `Description:`, then the message), the older Event Viewer copy (`Event
//! Type:`, `Event Source:`, `Event ID:`, `Date:`, `Time:`, `Description:`), and bare ASP.NET
//! messages (`Event code: 3005` and the lines after it) as pasted into tickets and articles.
//!
//! A message is read back into fields by its labels ([`labelled_fields`]), so the fields of
//! every template are found whatever their position. Lines are at most
//! [`Limits::max_line`](super::Limits) bytes; a record at most `max_record`.

use std::io::BufRead;

use super::input::{Line, read_line};
use super::model::{RawRecord, labelled_fields};
use super::when::{parse_culture, parse_iso};
use super::{Entry, Limits, Sink};

#[derive(Default)]
struct Pending {
    /// The line it starts on (1-based).
    line: u64,
    header: Vec<(String, String)>,
    description: String,
    in_description: bool,
    /// Whether the description holds an `Event code:` line (a bare message does from the
    /// start).
    has_code: bool,
    too_large: bool,
    any: bool,
}

impl Pending {
    fn header(&self, key: &str) -> Option<&str> {
        self.header
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    fn into_entry(self, limits: &Limits) -> Option<Entry> {
        if !self.any {
            return None;
        }
        let position = Some(self.line);
        if self.too_large {
            return Some(Entry::TooLarge(limits.max_record, position));
        }
        let mut raw = RawRecord {
            provider: self
                .header("Source")
                .or_else(|| self.header("Event Source"))
                .map(str::to_owned),
            event_id: self
                .header("Event ID")
                .and_then(|v| v.trim().parse::<u32>().ok()),
            computer: self.header("Computer").map(str::to_owned),
            ..RawRecord::default()
        };
        raw.time = match (self.header("Date"), self.header("Time")) {
            (Some(d), Some(t)) => parse_culture(&format!("{d} {t}"), false),
            (Some(d), None) => parse_iso(d),
            _ => None,
        };
        raw.labelled = labelled_fields(&self.description);
        raw.description = Some(self.description);
        if raw.provider.is_none() && raw.event_id.is_none() && raw.labelled.is_empty() {
            return Some(Entry::Malformed(
                "text that is neither an event header nor an ASP.NET message".into(),
                position,
            ));
        }
        Some(Entry::Raw(Box::new(raw), position))
    }
}

/// `  Key: value` of a header, `Key` being one `wevtutil` or Event Viewer prints.
fn header_line(line: &str) -> Option<(String, String)> {
    const KEYS: &[&str] = &[
        "Log Name",
        "Source",
        "Date",
        "Event ID",
        "Task",
        "Level",
        "Opcode",
        "Keyword",
        "User",
        "User Name",
        "Computer",
        "Event Type",
        "Event Source",
        "Event Category",
        "Time",
    ];
    let (key, value) = line.trim().split_once(':')?;
    KEYS.iter()
        .find(|k| k.eq_ignore_ascii_case(key.trim()))
        .map(|k| ((*k).to_owned(), value.trim().to_owned()))
}

fn is_wevtutil_start(line: &str) -> bool {
    let t = line.trim();
    t.starts_with("Event[") && t.trim_end_matches(':').ends_with(']')
}

/// Reads every record of a text export.
pub(crate) fn read(
    reader: &mut dyn BufRead,
    name: &str,
    limits: &Limits,
    sink: &mut Sink<'_>,
) -> std::io::Result<()> {
    let mut line_no = 0u64;
    let mut cur = Pending::default();
    let flush = |cur: &mut Pending, sink: &mut Sink<'_>| {
        if let Some(entry) = core::mem::take(cur).into_entry(limits) {
            sink.push(name, entry);
        }
    };
    loop {
        let line = match read_line(reader, limits.max_line)? {
            Line::End => break,
            Line::TooLong => {
                line_no += 1;
                if cur.any {
                    cur.too_large = true;
                } else {
                    sink.push(
                        name,
                        Entry::Malformed(
                            format!("a line longer than {} bytes", limits.max_line),
                            Some(line_no),
                        ),
                    );
                }
                continue;
            }
            Line::Text(l) => l,
        };
        line_no += 1;
        let trimmed = line.trim();
        if is_wevtutil_start(trimmed) || trimmed.starts_with("Event Type:") {
            flush(&mut cur, sink);
            cur.line = line_no;
            cur.any = true;
            if let Some(h) = header_line(trimmed) {
                cur.header.push(h);
            }
            continue;
        }
        if !cur.in_description {
            if let Some(rest) = trimmed.strip_prefix("Description:") {
                if !cur.any {
                    cur.line = line_no;
                    cur.any = true;
                }
                cur.in_description = true;
                cur.description.push_str(rest.trim());
                cur.description.push('\n');
                cur.has_code = rest.contains("Event code:");
                continue;
            }
            if cur.any {
                if let Some(h) = header_line(trimmed) {
                    cur.header.push(h);
                    continue;
                }
            }
        }
        let starts_message = trimmed.starts_with("Event code:");
        if starts_message && (!cur.in_description || cur.has_code) {
            // A bare message, or the next one.
            if cur.has_code || (cur.any && !cur.in_description) {
                flush(&mut cur, sink);
            }
            if !cur.any {
                cur.line = line_no;
                cur.any = true;
            }
            cur.in_description = true;
        }
        if starts_message {
            cur.has_code = true;
        }
        if cur.in_description {
            if cur.description.len() + line.len() > limits.max_record {
                cur.too_large = true;
            } else {
                cur.description.push_str(&line);
                cur.description.push('\n');
            }
        }
        // Lines outside any record (comments, prose) are not records.
    }
    flush(&mut cur, sink);
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::super::Item;
    use super::*;

    fn read_all(text: &str) -> Vec<Item> {
        let mut out = Vec::new();
        let mut push = |e| out.push(e);
        let mut sink = Sink::new(&mut push);
        read(&mut text.as_bytes(), "t", &Limits::default(), &mut sink).unwrap();
        out
    }

    #[test]
    fn wevtutil_records_split() {
        let text = "Event[0]:\n  Log Name: Application\n  Source: ASP.NET 4.0.30319.0\n  Date: 2016-01-07T23:15:03.000\n  Event ID: 1017\n  Computer: w\n  Description: \nStart registering ASP.NET (version 4.0.30319.0) (internal flag: 0x00000404)\n\nEvent[1]:\n  Log Name: Application\n  Source: WLMS\n  Event ID: 100\n  Description:\nN/A\n";
        let items = read_all(text);
        assert_eq!(items.len(), 2);
        match &items[0] {
            Item::Event(e) => {
                assert_eq!(e.event_id, Some(1017));
                assert_eq!(e.origin.position, Some(1));
                assert!(
                    matches!(&e.kind, super::super::EventKind::Installer { version: Some(v), .. } if v == "4.0.30319.0")
                );
            }
            Item::Skipped(s) => panic!("{s:?}"),
        }
        assert!(
            matches!(&items[1], Item::Skipped(s) if matches!(s.reason, super::super::SkipReason::NotAspNet { .. }))
        );
    }

    #[test]
    fn bare_messages_split_on_event_code() {
        let text = "# a comment\nEvent code: 3005\nEvent message: An unhandled exception has occurred.\nException message: Padding is invalid and cannot be removed.\nEvent code: 3005\nException message: Unable to validate data.\n";
        let items = read_all(text);
        assert_eq!(items.len(), 2);
    }
}
