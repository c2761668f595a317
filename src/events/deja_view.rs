//! The one-line records Mandiant's `deja_view` reads (github.com/ramen0x3f/deja_view,
//! `deja_view.py`, `get_events`): an event's insertion strings joined with `-++-`, the
//! first prefixed with the event ID and level, as in
//! `1316 | Information | Event code: 4009-++-Viewstate verification failed.-++-...`.
//! Field `n` after the first is insertion string `%n+1` (deja_view takes the machine name
//! from field 12, the request path from 18, the client address from 19, the User-Agent from
//! 27 and the PersistedState from 28, which are `%13`, `%19`, `%20`, `%28` and `%29` of event
//! 1316).

use std::io::BufRead;

use super::input::{Line, read_line};
use super::model::RawRecord;
use super::{Entry, Limits, Sink};

/// The separator.
pub(crate) const SEPARATOR: &str = "-++-";

/// One line as a record.
fn parse_line(line: &str) -> Result<RawRecord, String> {
    let mut parts = line.split(SEPARATOR);
    let first = parts.next().unwrap_or_default();
    let mut raw = RawRecord::default();
    let code = match first.rsplit_once('|') {
        Some((head, code)) => {
            raw.event_id = head
                .split('|')
                .next()
                .and_then(|id| id.trim().parse::<u32>().ok());
            code
        }
        None => first,
    };
    let code = code.trim();
    let code = code.strip_prefix("Event code:").unwrap_or(code).trim();
    if code.parse::<u32>().is_err() {
        return Err(format!(
            "the first field is not an event code: {:.60}",
            first.trim()
        ));
    }
    raw.strings.push(code.to_owned());
    raw.strings.extend(parts.map(str::to_owned));
    Ok(raw)
}

/// Reads every `-++-` line; other lines are not records.
pub(crate) fn read(
    reader: &mut dyn BufRead,
    name: &str,
    limits: &Limits,
    sink: &mut Sink<'_>,
) -> std::io::Result<()> {
    let mut line_no = 0u64;
    loop {
        match read_line(reader, limits.max_record)? {
            Line::End => return Ok(()),
            Line::TooLong => {
                line_no += 1;
                sink.push(name, Entry::TooLarge(limits.max_record, Some(line_no)));
            }
            Line::Text(line) => {
                line_no += 1;
                if !line.contains(SEPARATOR) {
                    continue;
                }
                let entry = match parse_line(&line) {
                    Ok(raw) => Entry::Raw(Box::new(raw), Some(line_no)),
                    Err(m) => Entry::Malformed(m, Some(line_no)),
                };
                sink.push(name, entry);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn first_field_carries_id_and_code() {
        let raw = parse_line(
            "1316 | Information | Event code: 4009-++-Viewstate verification failed.-++-x",
        )
        .unwrap();
        assert_eq!(raw.event_id, Some(1316));
        assert_eq!(raw.strings, ["4009", "Viewstate verification failed.", "x"]);
        assert!(parse_line("hello-++-world").is_err());
        assert_eq!(parse_line("3005-++-m").unwrap().event_id, None);
    }
}
