//! Reading a replica's log as its operator holds it, one line at a time: the plain console
//! formatter's multi-line `info: Category[EventId]` blocks (with or without timestamps and
//! colours, single-line or not), the systemd formatter, the JSON console formatter (one object
//! per line or indented), Serilog's text and JSON (rendered or compact CLEF, whose messages are
//! templates to fill in), NLog and log4net lines, the Windows event log's text, and wrappers
//! around all of them: `docker logs --timestamps`, docker's `json-file` lines, `kubectl logs
//! --prefix --timestamps`, containerd's CRI lines, `docker compose` service prefixes, journald
//! lines and JSON exports, Loki, Fluent Bit and cloud exports, and text pasted into an issue
//! (Markdown quotes and fences, lines re-wrapped, stack traces).
//!
//! The reader groups lines into records (one log event: its message, continuation lines and
//! exception), per replica when one file interleaves several, and hands each finished record
//! to [`super::facts`]. Nothing but the facts is kept, so memory stays bounded whatever the
//! size of the log.

use std::collections::BTreeMap;
use std::io::{BufRead, Read};

use serde_json::{Map, Value};

use super::facts::{self, Fact, Record};

/// Bounds on what one log may cost to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogLimits {
    /// The longest line kept (longer lines are cut there and counted).
    pub max_line: usize,
    /// The most lines in one record (a longer record is closed and the rest read as new
    /// records).
    pub max_record_lines: usize,
    /// The most bytes in one record.
    pub max_record_bytes: usize,
    /// The most facts kept from one log (later facts are counted, not kept).
    pub max_facts: usize,
    /// The most replicas whose records are open at once in one interleaved log.
    pub max_open_records: usize,
}

impl Default for LogLimits {
    fn default() -> Self {
        Self {
            max_line: 256 * 1024,
            max_record_lines: 4000,
            max_record_bytes: 512 * 1024,
            max_facts: 100_000,
            max_open_records: 256,
        }
    }
}

/// How deep wrappers may nest (a JSON line whose `log` field is a JSON line, …).
const MAX_WRAP_DEPTH: usize = 4;

/// What one log yielded.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct LogFacts {
    /// The source's name (a file name), also the replica of lines no prefix names.
    pub source: String,
    /// Lines read.
    pub lines: u64,
    /// Records (log events) read.
    pub records: u64,
    /// Lines longer than [`LogLimits::max_line`], cut.
    pub long_lines: u64,
    /// Facts over [`LogLimits::max_facts`], counted but not kept.
    pub dropped_facts: u64,
    /// The shapes recognised, in order of first sight (`console`, `json`, `serilog`, …).
    pub shapes: Vec<&'static str>,
    /// The facts, in log order per replica.
    pub facts: Vec<Fact>,
}

/// What a wrapper or prefix said about a line.
#[derive(Debug, Clone, Default)]
struct Context {
    replica: Option<String>,
}

/// The streaming reader's state.
struct Reader<'a> {
    limits: LogLimits,
    out: LogFacts,
    /// Open records per replica, with the line of their last addition (to flush the oldest).
    open: BTreeMap<String, Record>,
    /// An indented JSON object being gathered: its replica, first line and text.
    json_acc: Option<(Context, u64, String)>,
    default_replica: &'a str,
}

/// Reads a log from `input`, a line at a time, and returns its facts. `source` names it (a
/// file name): it is the replica of every line that does not name its own.
///
/// # Errors
/// The I/O error of `input`.
pub(crate) fn read_log<R: Read>(
    source: &str,
    input: R,
    limits: LogLimits,
) -> std::io::Result<LogFacts> {
    let mut reader = Reader {
        limits,
        out: LogFacts {
            source: source.to_owned(),
            ..LogFacts::default()
        },
        open: BTreeMap::new(),
        json_acc: None,
        default_replica: source,
    };
    let mut input = std::io::BufReader::with_capacity(64 * 1024, Transcode::new(input));
    let mut buf = Vec::with_capacity(4096);
    let mut line_no: u64 = 0;
    loop {
        buf.clear();
        let (read, cut) = read_bounded_line(&mut input, &mut buf, limits.max_line)?;
        if read == 0 {
            break;
        }
        line_no = line_no.saturating_add(1);
        if cut {
            reader.out.long_lines = reader.out.long_lines.saturating_add(1);
        }
        let text = String::from_utf8_lossy(&buf);
        reader.feed(line_no, &text, &Context::default(), 0);
    }
    reader.out.lines = line_no;
    reader.finish();
    Ok(reader.out)
}

/// Reads one line (up to `\n`) into `buf`, keeping at most `max` bytes; returns the bytes
/// consumed and whether the line was cut.
fn read_bounded_line<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<(usize, bool)> {
    let mut consumed = 0usize;
    let mut cut = false;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((consumed, cut));
        }
        let (chunk, done) = match memchr_newline(available) {
            Some(i) => (available.get(..=i).unwrap_or(available), true),
            None => (available, false),
        };
        let room = max.saturating_sub(buf.len());
        if chunk.len() > room {
            cut = true;
        }
        buf.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
        let n = chunk.len();
        input.consume(n);
        consumed = consumed.saturating_add(n);
        if done {
            return Ok((consumed, cut));
        }
    }
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

/// UTF-8 passes through; UTF-16 with a byte-order mark (what Windows PowerShell's `>` writes)
/// is turned into UTF-8 as it is read.
struct Transcode<R> {
    inner: R,
    state: TranscodeState,
    pending: Vec<u8>,
    out: std::collections::VecDeque<u8>,
    carry: Option<u8>,
    surrogate: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TranscodeState {
    Start,
    Utf8,
    Utf16 { little: bool },
}

impl<R: Read> Transcode<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            state: TranscodeState::Start,
            pending: Vec::new(),
            out: std::collections::VecDeque::new(),
            carry: None,
            surrogate: None,
        }
    }

    fn push_unit(&mut self, unit: u16) {
        let mut units = [0u16; 2];
        let slice: &[u16] = match self.surrogate.take() {
            Some(high) if (0xDC00..0xE000).contains(&unit) => {
                units = [high, unit];
                &units
            }
            Some(_) | None if (0xD800..0xDC00).contains(&unit) => {
                self.surrogate = Some(unit);
                return;
            }
            _ => {
                units[0] = unit;
                units.get(..1).unwrap_or_default()
            }
        };
        for c in char::decode_utf16(slice.iter().copied()) {
            let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
            let mut b = [0u8; 4];
            self.out.extend(c.encode_utf8(&mut b).as_bytes());
        }
    }
}

impl<R: Read> Read for Transcode<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.state == TranscodeState::Start {
            let mut head = [0u8; 2];
            let mut got = 0;
            while got < 2 {
                let n = self.inner.read(head.get_mut(got..).unwrap_or_default())?;
                if n == 0 {
                    break;
                }
                got += n;
            }
            self.state = match head {
                [0xFF, 0xFE] if got == 2 => TranscodeState::Utf16 { little: true },
                [0xFE, 0xFF] if got == 2 => TranscodeState::Utf16 { little: false },
                _ => {
                    self.pending
                        .extend_from_slice(head.get(..got).unwrap_or_default());
                    TranscodeState::Utf8
                }
            };
        }
        match self.state {
            TranscodeState::Start | TranscodeState::Utf8 => {
                if !self.pending.is_empty() {
                    let n = self.pending.len().min(buf.len());
                    if let (Some(dst), Some(src)) = (buf.get_mut(..n), self.pending.get(..n)) {
                        dst.copy_from_slice(src);
                    }
                    self.pending.drain(..n);
                    return Ok(n);
                }
                self.inner.read(buf)
            }
            TranscodeState::Utf16 { little } => {
                while self.out.is_empty() {
                    let mut raw = [0u8; 4096];
                    let n = self.inner.read(&mut raw)?;
                    if n == 0 {
                        break;
                    }
                    let mut bytes = raw.get(..n).unwrap_or_default().iter().copied();
                    loop {
                        let first = match self.carry.take() {
                            Some(b) => b,
                            None => match bytes.next() {
                                Some(b) => b,
                                None => break,
                            },
                        };
                        let Some(second) = bytes.next() else {
                            self.carry = Some(first);
                            break;
                        };
                        let unit = if little {
                            u16::from_le_bytes([first, second])
                        } else {
                            u16::from_be_bytes([first, second])
                        };
                        self.push_unit(unit);
                    }
                }
                let n = self.out.len().min(buf.len());
                for (dst, src) in buf.iter_mut().zip(self.out.drain(..n)) {
                    *dst = src;
                }
                Ok(n)
            }
        }
    }
}

impl Reader<'_> {
    fn shape(&mut self, name: &'static str) {
        if !self.out.shapes.contains(&name) {
            self.out.shapes.push(name);
        }
    }

    /// One physical line (or a line a wrapper held), with what the wrappers around it said.
    fn feed(&mut self, line_no: u64, raw: &str, ctx: &Context, depth: usize) {
        let cleaned = clean(raw);
        let mut ctx = ctx.clone();
        let mut rest = cleaned.as_str();

        // An indented JSON object being gathered takes every line until it closes.
        if let Some((acc_ctx, first, mut text)) = self.json_acc.take() {
            text.push('\n');
            text.push_str(rest);
            if text.len() > self.limits.max_record_bytes {
                // Not JSON after all, or too large: read its lines as text.
                let lines: Vec<String> = text.lines().map(str::to_owned).collect();
                for (i, l) in lines.iter().enumerate() {
                    let n = first.saturating_add(i as u64);
                    self.text_line(n, l, &acc_ctx);
                }
                return;
            }
            if braces_balanced(&text) {
                match serde_json::from_str::<Value>(&text) {
                    Ok(Value::Object(obj)) => {
                        self.shape("json");
                        self.json_object(first, &obj, &acc_ctx, depth);
                    }
                    _ => {
                        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
                        for (i, l) in lines.iter().enumerate() {
                            self.text_line(first.saturating_add(i as u64), l, &acc_ctx);
                        }
                    }
                }
            } else {
                self.json_acc = Some((acc_ctx, first, text));
            }
            return;
        }

        // Wrappers and prefixes, outermost first.
        for _ in 0..8 {
            let before = rest.len();
            rest = self.strip_prefix(rest, &mut ctx);
            if rest.len() == before {
                break;
            }
        }

        let trimmed = rest.trim_start();
        if trimmed.starts_with('{') && depth < MAX_WRAP_DEPTH {
            match serde_json::from_str::<Value>(trimmed) {
                Ok(Value::Object(obj)) => {
                    self.shape("json");
                    self.json_object(line_no, &obj, &ctx, depth);
                    return;
                }
                Ok(_) => {}
                Err(e) if e.is_eof() => {
                    self.json_acc = Some((ctx, line_no, trimmed.to_owned()));
                    return;
                }
                Err(_) => {}
            }
        }
        self.text_line(line_no, rest, &ctx);
    }

    /// Strips one known prefix from the start of `line`, noting a replica it names.
    fn strip_prefix<'l>(&mut self, line: &'l str, ctx: &mut Context) -> &'l str {
        // Markdown quotes and list bullets as pasted into issues.
        let t = line.trim_start();
        if let Some(r) = t.strip_prefix('>') {
            if r.is_empty() || r.starts_with(' ') || r.starts_with('>') {
                return r.strip_prefix(' ').unwrap_or(r);
            }
        }
        // containerd / CRI-O: `2024-01-01T00:00:00.000000000Z stdout F text`.
        if let Some((ts_len, after)) = iso_timestamp(line) {
            let after_ts = line.get(ts_len..).unwrap_or_default();
            for stream in [" stdout ", " stderr "] {
                if let Some(r) = after_ts.strip_prefix(stream) {
                    if let Some(r) = r.strip_prefix("F ").or_else(|| r.strip_prefix("P ")) {
                        self.shape("cri");
                        return r;
                    }
                }
            }
            // `docker logs -t`, `kubectl logs --timestamps`, the console formatter's
            // TimestampFormat, Serilog's file sink: the timestamp and its blank.
            if after {
                self.shape("timestamp");
                return after_ts.trim_start();
            }
        }
        // `kubectl logs --prefix`: `[pod/web-7d9f/web] `.
        if let Some(r) = line.strip_prefix('[') {
            for kind in ["pod/", "deployment/", "replicaset/", "statefulset/", "job/"] {
                if let Some(r) = r.strip_prefix(kind) {
                    if let Some((inside, after)) = r.split_once("] ") {
                        let pod = inside.split('/').next().unwrap_or(inside);
                        if !pod.is_empty() && !pod.contains(' ') {
                            ctx.replica = Some(pod.to_owned());
                            self.shape("kubectl-prefix");
                            return after;
                        }
                    }
                }
            }
            // A bare time in brackets (the console formatter's `[HH:mm:ss] `), not
            // Serilog's `[HH:mm:ss LVL]`.
            if let Some((inside, after)) = r.split_once("] ") {
                if is_clock(inside) {
                    self.shape("timestamp");
                    return after;
                }
            }
        }
        // `docker compose` / `docker-compose`: `web-1  | text`.
        if let Some((name, after)) = line.split_once(" |") {
            let name = name.trim_end();
            if !name.is_empty()
                && name.len() <= 80
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && name.chars().any(|c| c.is_ascii_alphabetic())
                && !name.contains("..")
            {
                ctx.replica = Some(name.to_owned());
                self.shape("compose-prefix");
                return after.strip_prefix(' ').unwrap_or(after);
            }
        }
        // syslog / journalctl: `Jan 05 10:00:00 host unit[123]: text`.
        if let Some((host, after)) = syslog_prefix(line) {
            ctx.replica = Some(host.to_owned());
            self.shape("journal");
            return after;
        }
        line
    }

    /// A line of text after its wrappers: a record header or a continuation.
    fn text_line(&mut self, line_no: u64, line: &str, ctx: &Context) {
        let t = line.trim_end();
        if t.trim_start().starts_with("```") || t.trim_start().starts_with("~~~") {
            return;
        }
        let replica = ctx
            .replica
            .clone()
            .unwrap_or_else(|| self.default_replica.to_owned());
        if let Some(h) = header(t) {
            self.shape(h.shape);
            self.close(&replica);
            let mut rec = Record {
                replica: replica.clone(),
                category: h.category.map(str::to_owned),
                event_id: h.event_id,
                ..Record::default()
            };
            let msg = h.message.trim();
            rec.bytes = msg.len();
            rec.lines.push((line_no, msg.to_owned()));
            self.open_record(replica, rec);
            return;
        }
        // The Windows event log's text: `EventId: 7` belongs to the record `Category:` opened.
        if let Some(id) = t.trim().strip_prefix("EventId: ") {
            if let Some(rec) = self.open.get_mut(&replica) {
                rec.event_id = id.trim().parse().ok();
                return;
            }
        }
        if t.trim().is_empty() {
            return;
        }
        let limits = self.limits;
        let needs_new = match self.open.get(&replica) {
            Some(rec) => {
                rec.lines.len() >= limits.max_record_lines
                    || rec.bytes.saturating_add(t.len()) > limits.max_record_bytes
            }
            None => true,
        };
        if needs_new {
            self.close(&replica);
            let rec = Record {
                replica: replica.clone(),
                ..Record::default()
            };
            self.open_record(replica.clone(), rec);
        }
        if let Some(rec) = self.open.get_mut(&replica) {
            rec.bytes = rec.bytes.saturating_add(t.len());
            rec.lines.push((line_no, t.to_owned()));
        }
    }

    fn open_record(&mut self, replica: String, rec: Record) {
        if self.open.len() >= self.limits.max_open_records {
            if let Some(oldest) = self
                .open
                .iter()
                .min_by_key(|(_, r)| r.lines.last().map_or(0, |l| l.0))
                .map(|(k, _)| k.clone())
            {
                self.close(&oldest);
            }
        }
        self.open.insert(replica, rec);
    }

    fn close(&mut self, replica: &str) {
        if let Some(rec) = self.open.remove(replica) {
            self.emit(&rec);
        }
    }

    fn emit(&mut self, rec: &Record) {
        if rec.lines.is_empty() {
            return;
        }
        self.out.records = self.out.records.saturating_add(1);
        for fact in facts::extract(rec, &self.out.source) {
            if self.out.facts.len() < self.limits.max_facts {
                self.out.facts.push(fact);
            } else {
                self.out.dropped_facts = self.out.dropped_facts.saturating_add(1);
            }
        }
    }

    fn finish(&mut self) {
        if let Some((ctx, first, text)) = self.json_acc.take() {
            let lines: Vec<String> = text.lines().map(str::to_owned).collect();
            for (i, l) in lines.iter().enumerate() {
                self.text_line(first.saturating_add(i as u64), l, &ctx);
            }
        }
        let names: Vec<String> = self.open.keys().cloned().collect();
        for n in names {
            self.close(&n);
        }
    }

    /// A JSON object: a wrapper holding a line of text (docker, journald, Loki, cloud
    /// exports), or a structured log event (the JSON console formatter, Serilog, CLEF, ECS).
    fn json_object(&mut self, line_no: u64, obj: &Map<String, Value>, ctx: &Context, depth: usize) {
        let mut ctx = ctx.clone();
        if let Some(r) = replica_of(obj) {
            ctx.replica = Some(r);
        }
        // Wrappers: the text is a line of some other shape.
        for key in ["log", "line", "MESSAGE", "textPayload", "LogEntry", "Log"] {
            if let Some(Value::String(text)) = get_ci(obj, key) {
                if !is_structured_event(obj) {
                    self.shape("json-wrapper");
                    for l in text.lines() {
                        self.feed(line_no, l, &ctx, depth + 1);
                    }
                    return;
                }
            }
        }
        for key in ["jsonPayload", "fields", "log_processed"] {
            if let Some(Value::Object(inner)) = get_ci(obj, key) {
                if is_structured_event(inner) {
                    self.json_object(line_no, inner, &ctx, depth + 1);
                    return;
                }
            }
        }
        let event = structured_event(obj);
        // A message that is itself a log line or a JSON object (a Loki or CloudWatch export).
        if let Some(msg) = &event.message {
            let m = msg.trim_start();
            if depth < MAX_WRAP_DEPTH
                && event.category.is_none()
                && (m.starts_with('{') || header(m.lines().next().unwrap_or_default()).is_some())
            {
                self.shape("json-wrapper");
                for l in msg.lines() {
                    self.feed(line_no, l, &ctx, depth + 1);
                }
                return;
            }
        }
        let replica = ctx
            .replica
            .clone()
            .unwrap_or_else(|| self.default_replica.to_owned());
        // A JSON event closes the replica's open text record.
        self.close(&replica);
        let mut rec = Record {
            replica,
            category: event.category,
            event_id: event.event_id,
            ..Record::default()
        };
        let mut budget = self.limits.max_record_bytes;
        for text in std::iter::once(event.message.unwrap_or_default())
            .chain(event.exception)
            .chain(event.other)
        {
            for l in text.lines() {
                if budget < l.len() || rec.lines.len() >= self.limits.max_record_lines {
                    break;
                }
                budget -= l.len();
                rec.lines.push((line_no, l.to_owned()));
            }
        }
        self.emit(&rec);
    }
}

/// Control characters and ANSI colour sequences removed, CR dropped.
fn clean(raw: &str) -> String {
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // CSI: ESC [ parameters final-byte; other escapes: drop the next char.
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for d in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&d) {
                            break;
                        }
                    }
                } else {
                    chars.next();
                }
            }
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether the braces of `text` balance, outside JSON strings.
fn braces_balanced(text: &str) -> bool {
    let mut depth: i64 = 0;
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            _ => {}
        }
    }
    depth <= 0
}

/// An ISO 8601 timestamp at the start of `line`: its length, and whether a blank follows.
fn iso_timestamp(line: &str) -> Option<(usize, bool)> {
    let b = line.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    if !(digit(0) && digit(1) && digit(2) && digit(3) && b.get(4) == Some(&b'-')) {
        return None;
    }
    if !(digit(5) && digit(6) && b.get(7) == Some(&b'-') && digit(8) && digit(9)) {
        return None;
    }
    if !matches!(b.get(10), Some(b'T' | b' ')) {
        return None;
    }
    if !(digit(11) && digit(12) && b.get(13) == Some(&b':') && digit(14) && digit(15)) {
        return None;
    }
    let mut i = 16;
    if b.get(i) == Some(&b':') && digit(i + 1) && digit(i + 2) {
        i += 3;
    }
    if matches!(b.get(i), Some(b'.' | b',')) {
        i += 1;
        while digit(i) {
            i += 1;
        }
    }
    if b.get(i) == Some(&b'Z') {
        i += 1;
    } else if matches!(b.get(i), Some(b'+' | b'-')) && digit(i + 1) && digit(i + 2) {
        i += 3;
        if b.get(i) == Some(&b':') {
            i += 1;
        }
        while digit(i) {
            i += 1;
        }
    } else if b.get(i) == Some(&b' ')
        && matches!(b.get(i + 1), Some(b'+' | b'-'))
        && digit(i + 2)
        && digit(i + 3)
        && b.get(i + 4) == Some(&b':')
    {
        // Serilog's file sink: `2018-08-29 14:58:10.977 -07:00 `.
        i += 7;
    }
    // NLog's `2018-02-14 12:35:55.0661|…` keeps its timestamp: the line is a record header.
    let blank = b.get(i) == Some(&b' ');
    line.get(..i).map(|_| (i, blank))
}

/// `HH:mm:ss` with optional fraction.
fn is_clock(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8
        && b.iter().enumerate().all(|(i, c)| {
            c.is_ascii_digit()
                || (c == &b':' && (i == 2 || i == 5))
                || (i >= 8 && matches!(c, b'.' | b','))
        })
        && b.get(2) == Some(&b':')
        && b.get(5) == Some(&b':')
}

/// `Jan 05 10:00:00 host unit[pid]: ` → (host, text).
fn syslog_prefix(line: &str) -> Option<(&str, &str)> {
    const MONTHS: [&str; 12] = [
        "Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ", "Jul ", "Aug ", "Sep ", "Oct ", "Nov ",
        "Dec ",
    ];
    let rest = MONTHS.iter().find_map(|m| line.strip_prefix(m))?;
    let rest = rest.trim_start();
    let (day, rest) = rest.split_once(' ')?;
    if day.is_empty() || day.len() > 2 || !day.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (clock, rest) = rest.split_once(' ')?;
    if !is_clock(clock) {
        return None;
    }
    let (host, rest) = rest.split_once(' ')?;
    let (unit, text) = rest.split_once(": ")?;
    if unit.contains(' ') || host.is_empty() {
        return None;
    }
    Some((host, text))
}

/// A record header found at the start of a line.
struct Header<'l> {
    shape: &'static str,
    category: Option<&'l str>,
    event_id: Option<u32>,
    message: &'l str,
}

const CONSOLE_LEVELS: [&str; 6] = ["trce", "dbug", "info", "warn", "fail", "crit"];
const SERILOG_LEVELS: [&str; 18] = [
    "VRB",
    "DBG",
    "INF",
    "WRN",
    "ERR",
    "FTL",
    "Verbose",
    "Debug",
    "Information",
    "Warning",
    "Error",
    "Fatal",
    "TRC",
    "CRT",
    "Trace",
    "Critical",
    "WARN",
    "INFO",
];
const WORD_LEVELS: [&str; 12] = [
    "TRACE",
    "DEBUG",
    "INFO",
    "WARN",
    "ERROR",
    "FATAL",
    "Trace",
    "Debug",
    "Information",
    "Warning",
    "Error",
    "Critical",
];

/// `Category[12]` at the start of `s`: (category, event id, rest).
fn category_event(s: &str) -> Option<(&str, u32, &str)> {
    let open = s.find('[')?;
    let cat = s.get(..open)?;
    if cat.is_empty() || cat.contains(' ') {
        return None;
    }
    let after = s.get(open + 1..)?;
    let close = after.find(']')?;
    let id: u32 = after.get(..close)?.parse().ok()?;
    Some((cat, id, after.get(close + 1..).unwrap_or_default()))
}

fn header(line: &str) -> Option<Header<'_>> {
    let t = line.trim_start();
    // The console formatter: `info: Category[0]` (message on the next lines) or, single-line,
    // `info: Category[0] message`.
    for level in CONSOLE_LEVELS {
        if let Some(rest) = t.strip_prefix(level).and_then(|r| r.strip_prefix(": ")) {
            let rest = rest.trim_start();
            if let Some((cat, id, msg)) = category_event(rest) {
                return Some(Header {
                    shape: "console",
                    category: Some(cat),
                    event_id: Some(id),
                    message: msg,
                });
            }
            return Some(Header {
                shape: "console",
                category: None,
                event_id: None,
                message: rest,
            });
        }
    }
    // The systemd formatter: `<4>Category[60] message`.
    if let Some(rest) = t.strip_prefix('<') {
        if let Some((p, rest)) = rest.split_once('>') {
            if p.len() == 1 && p.bytes().all(|b| b.is_ascii_digit()) {
                if let Some((cat, id, msg)) = category_event(rest) {
                    return Some(Header {
                        shape: "systemd",
                        category: Some(cat),
                        event_id: Some(id),
                        message: msg,
                    });
                }
            }
        }
    }
    // Serilog: `[12:00:00 WRN] message`, `[2024-01-01 12:00:00.000 +00:00 WRN] …`,
    // `[Warning] message` (after a stripped timestamp), `[WRN] message`.
    if let Some(rest) = t.strip_prefix('[') {
        if let Some((inside, msg)) = rest.split_once(']') {
            let level = inside.rsplit(' ').next().unwrap_or(inside);
            if SERILOG_LEVELS.contains(&level) && inside.len() <= 48 {
                return Some(Header {
                    shape: "serilog",
                    category: None,
                    event_id: None,
                    message: msg,
                });
            }
        }
    }
    // NLog's default layout and pipe-separated layouts: `2018-…|WARN|Category|message`.
    if iso_timestamp(t).is_some_and(|(n, _)| t.as_bytes().get(n) == Some(&b'|')) {
        let fields: Vec<&str> = t.split('|').collect();
        let category = fields
            .iter()
            .find(|f| {
                f.contains('.')
                    && f.starts_with(|c: char| c.is_ascii_uppercase())
                    && !f.contains(' ')
            })
            .copied();
        return Some(Header {
            shape: "nlog",
            category,
            event_id: None,
            message: t,
        });
    }
    // log4net-like: `2024-01-01 12:00:00,000 [12] WARN  Category - message`, and
    // timestamp-less `WARN  Category - message` after a stripped timestamp.
    let words = t.split_whitespace().take(3).collect::<Vec<_>>();
    for (i, w) in words.iter().enumerate() {
        if WORD_LEVELS.contains(&w.trim_matches(|c| c == '[' || c == ']' || c == ':')) && i <= 1 {
            if let Some(pos) = t.find(" - ") {
                if pos < 200 {
                    return Some(Header {
                        shape: "log4net",
                        category: None,
                        event_id: None,
                        message: t.get(pos + 3..).unwrap_or_default(),
                    });
                }
            }
        }
    }
    // OpenTelemetry's console exporter: a record per `LogRecord.Timestamp:` block.
    if t.starts_with("LogRecord.Timestamp:") {
        return Some(Header {
            shape: "opentelemetry",
            category: None,
            event_id: None,
            message: "",
        });
    }
    // The debug and event-source providers: `Microsoft.AspNetCore.X: Warning: message`, and
    // the event log's `Category: Microsoft.AspNetCore.X`.
    if let Some(rest) = t.strip_prefix("Category: ") {
        if !rest.contains(' ') {
            return Some(Header {
                shape: "eventlog",
                category: Some(rest.trim()),
                event_id: None,
                message: "",
            });
        }
    }
    if let Some((cat, rest)) = t.split_once(": ") {
        if cat.contains('.') && !cat.contains(' ') {
            let cat = cat.split('[').next().unwrap_or(cat);
            for level in WORD_LEVELS {
                if let Some(msg) = rest.strip_prefix(level).and_then(|r| r.strip_prefix(": ")) {
                    return Some(Header {
                        shape: "debug",
                        category: Some(cat),
                        event_id: None,
                        message: msg,
                    });
                }
            }
        }
    }
    None
}

/// Case-insensitive field lookup, also through dotted names (`log.level`).
fn get_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if let Some(v) = obj.get(key) {
        return Some(v);
    }
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn get_path<'a>(obj: &'a Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let v = get_ci(obj, first)?;
    if rest.is_empty() {
        return Some(v);
    }
    match v {
        Value::Object(o) => get_path(o, rest),
        _ => None,
    }
}

fn string_at(obj: &Map<String, Value>, paths: &[&[&str]]) -> Option<String> {
    paths.iter().find_map(|p| match get_path(obj, p) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    })
}

/// The replica a structured line names: Kubernetes metadata, host, machine, container.
fn replica_of(obj: &Map<String, Value>) -> Option<String> {
    string_at(
        obj,
        &[
            &["kubernetes", "pod_name"],
            &["kubernetes", "pod", "name"],
            &["k8s", "pod", "name"],
            &["pod_name"],
            &["pod"],
            &["_HOSTNAME"],
            &["CONTAINER_NAME"],
            &["container_name"],
            &["MachineName"],
            &["Properties", "MachineName"],
            &["host", "name"],
            &["hostname"],
            &["HostName"],
            &["cloud_RoleInstance"],
        ],
    )
    .filter(|s| s.len() <= 200)
}

fn is_structured_event(obj: &Map<String, Value>) -> bool {
    [
        "Category",
        "SourceContext",
        "@mt",
        "@m",
        "MessageTemplate",
        "RenderedMessage",
        "EventId",
        "LogLevel",
        "@l",
        "logger",
        "Logger",
        "LoggerName",
    ]
    .iter()
    .any(|k| get_ci(obj, k).is_some())
}

/// What a structured event holds.
#[derive(Default)]
struct Event {
    message: Option<String>,
    exception: Option<String>,
    category: Option<String>,
    event_id: Option<u32>,
    other: Vec<String>,
}

fn structured_event(obj: &Map<String, Value>) -> Event {
    let props = match get_ci(obj, "Properties").or_else(|| get_ci(obj, "State")) {
        Some(Value::Object(p)) => Some(p),
        _ => None,
    };
    let mut message = string_at(
        obj,
        &[
            &["Message"],
            &["@m"],
            &["RenderedMessage"],
            &["message"],
            &["msg"],
            &["@message"],
            &["body"],
        ],
    );
    if message.is_none() {
        if let Some(template) = string_at(
            obj,
            &[&["@mt"], &["MessageTemplate"], &["{OriginalFormat}"]],
        ) {
            message = Some(render_template(&template, obj, props));
        }
    }
    let exception = string_at(
        obj,
        &[
            &["Exception"],
            &["@x"],
            &["exception"],
            &["error", "stack_trace"],
            &["error", "message"],
            &["Exception", "Message"],
        ],
    )
    .or_else(
        || match get_ci(obj, "Exception").or_else(|| get_ci(obj, "exception")) {
            Some(v @ Value::Object(_)) => Some(v.to_string()),
            _ => None,
        },
    );
    let category = string_at(
        obj,
        &[
            &["Category"],
            &["SourceContext"],
            &["Properties", "SourceContext"],
            &["logger"],
            &["Logger"],
            &["LoggerName"],
            &["log", "logger"],
            &["log.logger"],
        ],
    );
    let event_id = [
        get_ci(obj, "EventId"),
        props.and_then(|p| get_ci(p, "EventId")),
        get_path(obj, &["event", "id"]),
    ]
    .into_iter()
    .flatten()
    .find_map(|v| match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::Object(o) => get_ci(o, "Id")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    });
    // Other text (Application Insights' `exceptions.Message` arrays, custom fields): searched
    // too, bounded.
    let mut other = Vec::new();
    let mut budget = 64 * 1024usize;
    collect_strings(obj, &mut other, &mut budget, 0);
    let known: Vec<&str> = [message.as_deref(), exception.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    other.retain(|s| !known.iter().any(|k| k.contains(s.as_str())));
    Event {
        message,
        exception,
        category,
        event_id,
        other,
    }
}

fn collect_strings(
    obj: &Map<String, Value>,
    out: &mut Vec<String>,
    budget: &mut usize,
    depth: usize,
) {
    if depth > 6 {
        return;
    }
    for (k, v) in obj {
        if matches!(k.as_str(), "@mt" | "MessageTemplate" | "{OriginalFormat}") {
            continue;
        }
        collect_value(v, out, budget, depth);
    }
}

fn collect_value(v: &Value, out: &mut Vec<String>, budget: &mut usize, depth: usize) {
    match v {
        Value::String(s) if s.len() >= 12 && s.len() <= *budget => {
            *budget -= s.len();
            out.push(s.clone());
        }
        Value::Array(a) => {
            for x in a.iter().take(64) {
                collect_value(x, out, budget, depth + 1);
            }
        }
        Value::Object(o) => collect_strings(o, out, budget, depth + 1),
        _ => {}
    }
}

/// Fills a message template (`{Name}`, `{Name:B}`, `{@Name}`, `{Name,10}`) from the event's
/// properties, as Serilog's compact JSON leaves it. A GUID with the `B` format gets its
/// braces, as .NET writes key ids.
fn render_template(
    template: &str,
    obj: &Map<String, Value>,
    props: Option<&Map<String, Value>>,
) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(rest.get(..open).unwrap_or_default());
        let after = rest.get(open + 1..).unwrap_or_default();
        if let Some(a) = after.strip_prefix('{') {
            out.push('{');
            rest = a;
            continue;
        }
        let Some(close) = after.find('}') else {
            out.push_str(rest.get(open..).unwrap_or_default());
            return out;
        };
        let hole = after.get(..close).unwrap_or_default();
        let name_fmt = hole.trim_start_matches(['@', '$']);
        let (name, format) = match name_fmt.split_once(':') {
            Some((n, f)) => (n, Some(f)),
            None => (name_fmt, None),
        };
        let name = name.split(',').next().unwrap_or(name);
        let value = get_ci(obj, name).or_else(|| props.and_then(|p| get_ci(p, name)));
        match value {
            Some(Value::String(s)) => {
                let guid_like = s.len() == 36 && s.bytes().filter(|b| *b == b'-').count() == 4;
                if format == Some("B") && guid_like {
                    out.push('{');
                    out.push_str(s);
                    out.push('}');
                } else {
                    out.push_str(s);
                }
            }
            Some(v) => out.push_str(&v.to_string()),
            None => {
                out.push('{');
                out.push_str(hole);
                out.push('}');
            }
        }
        rest = after.get(close + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}
