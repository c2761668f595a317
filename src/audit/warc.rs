//! WARC input for [`carve`](super::carve): the web-archive files crawlers write (ISO 28500,
//! WARC/1.0 and 1.1; Common Crawl publishes `.warc.gz`), read as a stream with bounded
//! memory whatever the file's size.
//!
//! Each `response` record's HTTP message is taken apart (status line and headers, `Set-Cookie`
//! among them; a `chunked` transfer encoding and a `gzip` or `deflate` content encoding
//! undone) and carved with its `WARC-Target-URI` as the page URL; each `request` record's
//! too (the request line's URL, `Cookie` headers, a posted form). Other records are skipped
//! unread. A `.warc.gz` (a GZip member per record, or one for the whole file) is recognised
//! by its magic bytes.
//!
//! Malformed input never stops the run where it can be stepped over: a record whose header
//! is not WARC, has no `Content-Length`, or does not end with the two CRLFs is reported as an
//! [`WarcItem::Error`] with its byte offset, and reading resumes at the next line that starts a
//! WARC record. A body over [`WarcLimits::max_record`] is carved from its first bytes and
//! reported too. The end of the data inside a record, or a broken GZip stream, ends the
//! file with an error.
//!
//! No well-kept WARC crate fitted: the one on crates.io buffers a header line without a
//! bound and cannot step over a malformed record.
//!
//! # Example
//! ```
//! use machinekey::audit::carve::CarveOptions;
//! use machinekey::audit::warc::{WarcItem, WarcLimits, carve_warc};
//! let body = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<input type=\"hidden\" name=\"__VIEWSTATE\" value=\"/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==\" />";
//! let warc = format!(
//!     "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://host/a.aspx\r\nContent-Length: {}\r\n\r\n{body}\r\n\r\n",
//!     body.len()
//! );
//! let mut items = Vec::new();
//! carve_warc(warc.as_bytes(), "crawl.warc", &CarveOptions::default(), &WarcLimits::default(), |i| items.push(i))?;
//! let WarcItem::Item(item) = &items[0] else { panic!("{:?}", items[0]) };
//! assert_eq!(item.url.as_deref(), Some("https://host/a.aspx"));
//! assert!(item.viewstate.is_some());
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, BufRead, BufReader, Read};

use super::batch::BatchItem;
use super::carve::{CarveOptions, carve_http, is_request_line};
pub use crate::error::WarcError;

/// Bounds on what one record may make the reader hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WarcLimits {
    /// A header line (64 KiB).
    pub max_line: usize,
    /// A record's header block (1 MiB).
    pub max_header: usize,
    /// A response body carved, before and after decoding (16 MiB); the rest is skipped.
    pub max_record: usize,
}

impl Default for WarcLimits {
    fn default() -> Self {
        Self {
            max_line: 64 << 10,
            max_header: 1 << 20,
            max_record: 16 << 20,
        }
    }
}

/// What reading a WARC gives, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WarcItem {
    /// A carved value.
    Item(Box<BatchItem>),
    /// A record that could not be read (or only in part), and where.
    Error(WarcError),
}

/// Reads a WARC or `.warc.gz` stream and hands every carved value and every error to `emit`,
/// record by record.
///
/// # Errors
/// Only an I/O error of the underlying reader before anything was read; errors inside the
/// stream are [`WarcItem::Error`]s.
///
/// # Example
/// See the [module documentation](self).
pub fn carve_warc<R: Read>(
    reader: R,
    name: &str,
    options: &CarveOptions,
    limits: &WarcLimits,
    mut emit: impl FnMut(WarcItem),
) -> io::Result<()> {
    let mut buffered = BufReader::with_capacity(64 << 10, reader);
    let gzip = buffered.fill_buf()?.starts_with(&[0x1F, 0x8B]);
    if gzip {
        let decoder = flate2::read::MultiGzDecoder::new(buffered);
        let mut r = Records::new(BufReader::with_capacity(64 << 10, decoder), name, *limits);
        r.run(options, &mut emit);
    } else {
        let mut r = Records::new(buffered, name, *limits);
        r.run(options, &mut emit);
    }
    Ok(())
}

struct Records<R> {
    reader: R,
    name: String,
    limits: WarcLimits,
    offset: u64,
}

/// Where reading goes after a record.
enum Next {
    /// The next record follows.
    Continue,
    /// A malformed record was stepped over up to this version line of the next one.
    Resumed(Vec<u8>),
    /// The data ended.
    End,
}

impl From<Option<Vec<u8>>> for Next {
    fn from(found: Option<Vec<u8>>) -> Self {
        found.map_or(Self::End, Self::Resumed)
    }
}

/// One header line read.
enum Line {
    Text(Vec<u8>),
    TooLong,
    Eof,
}

impl<R: BufRead> Records<R> {
    fn new(reader: R, name: &str, limits: WarcLimits) -> Self {
        Self {
            reader,
            name: name.to_owned(),
            limits,
            offset: 0,
        }
    }

    fn error(&self, offset: u64, source: Option<&str>, message: impl Into<String>) -> WarcItem {
        WarcItem::Error(WarcError {
            source: source.map_or_else(|| self.name.clone(), |u| format!("{} {u}", self.name)),
            offset,
            message: message.into(),
        })
    }

    /// A line up to `max_line` bytes (a longer one is consumed to its end and reported).
    fn line(&mut self) -> io::Result<Line> {
        let mut line = Vec::new();
        let cap = u64::try_from(self.limits.max_line).unwrap_or(u64::MAX);
        let n = (&mut self.reader).take(cap).read_until(b'\n', &mut line)?;
        self.offset += n as u64;
        if n == 0 {
            return Ok(Line::Eof);
        }
        if !line.ends_with(b"\n") && line.len() >= self.limits.max_line {
            // Consume the rest of the over-long line in bounded steps.
            loop {
                let mut rest = Vec::new();
                let m = (&mut self.reader).take(cap).read_until(b'\n', &mut rest)?;
                self.offset += m as u64;
                if m == 0 || rest.ends_with(b"\n") {
                    break;
                }
            }
            return Ok(Line::TooLong);
        }
        Ok(Line::Text(line))
    }

    /// Skips `n` bytes; false when the data ends first.
    fn skip(&mut self, n: u64) -> io::Result<bool> {
        let copied = io::copy(&mut (&mut self.reader).take(n), &mut io::sink())?;
        self.offset += copied;
        Ok(copied == n)
    }

    fn run(&mut self, options: &CarveOptions, emit: &mut impl FnMut(WarcItem)) {
        // `pending` holds a version line found while resynchronising.
        let mut pending: Option<Vec<u8>> = None;
        loop {
            // A record found by a resynchronisation starts at its version line, already read.
            let start = self
                .offset
                .saturating_sub(pending.as_ref().map_or(0, |l| l.len() as u64));
            match self.step(start, pending.take(), options, emit) {
                Ok(Next::Continue) => {}
                Ok(Next::Resumed(l)) => pending = Some(l),
                Ok(Next::End) => return,
                Err(e) => return emit(self.error(self.offset, None, format!("read error: {e}"))),
            }
        }
    }

    /// One record from its version line (read here, or found by a resynchronisation).
    fn step(
        &mut self,
        start: u64,
        pending: Option<Vec<u8>>,
        options: &CarveOptions,
        emit: &mut impl FnMut(WarcItem),
    ) -> io::Result<Next> {
        let first = match pending {
            Some(l) => Line::Text(l),
            None => self.line()?,
        };
        let not_warc = match first {
            Line::Eof => return Ok(Next::End),
            Line::TooLong => "not a WARC record (a line over the limit)",
            Line::Text(l) if l.iter().all(u8::is_ascii_whitespace) => return Ok(Next::Continue), // blank lines between records
            Line::Text(l) if l.starts_with(b"WARC/") => return self.record(start, options, emit),
            Line::Text(_) => "not a WARC record (no WARC/1.x version line)",
        };
        emit(self.error(start, None, not_warc));
        Ok(self.resync()?.into())
    }

    /// Reads lines until one starts a WARC record (returned), or the end (`None`).
    fn resync(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            match self.line()? {
                Line::Eof => return Ok(None),
                Line::TooLong => {}
                Line::Text(l) if l.starts_with(b"WARC/1.") => return Ok(Some(l)),
                Line::Text(_) => {}
            }
        }
    }

    /// One record after its version line.
    fn record(
        &mut self,
        start: u64,
        options: &CarveOptions,
        emit: &mut impl FnMut(WarcItem),
    ) -> io::Result<Next> {
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut size = 0usize;
        loop {
            match self.line()? {
                Line::Eof => {
                    emit(self.error(start, None, "the data ends inside a record's header"));
                    return Ok(Next::End);
                }
                Line::TooLong => {
                    emit(self.error(start, None, "a header line over the limit"));
                    return Ok(self.resync()?.into());
                }
                Line::Text(l) => {
                    if l == b"\r\n" || l == b"\n" {
                        break;
                    }
                    size += l.len();
                    if size > self.limits.max_header {
                        emit(self.error(start, None, "a header block over the limit"));
                        return Ok(self.resync()?.into());
                    }
                    let text = String::from_utf8_lossy(&l);
                    if let Some((k, v)) = text.split_once(':') {
                        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
                    }
                }
            }
        }
        let get = |k: &str| {
            headers
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
        };
        let target = get("warc-target-uri").map(str::to_owned);
        let Some(length) = get("content-length").and_then(|v| v.parse::<u64>().ok()) else {
            emit(self.error(
                start,
                target.as_deref(),
                "a record without a valid Content-Length",
            ));
            return Ok(self.resync()?.into());
        };
        let is_response = get("warc-type").is_some_and(|t| {
            t.eq_ignore_ascii_case("response") || t.eq_ignore_ascii_case("request")
        });
        let http =
            get("content-type").is_none_or(|t| t.to_ascii_lowercase().contains("application/http"));
        if is_response && http {
            let cap = u64::try_from(self.limits.max_record).unwrap_or(u64::MAX);
            let mut body = Vec::new();
            let read = (&mut self.reader)
                .take(length.min(cap))
                .read_to_end(&mut body)?;
            self.offset += read as u64;
            if (read as u64) < length.min(cap) {
                emit(self.error(
                    start,
                    target.as_deref(),
                    "the data ends inside a record's body",
                ));
                self.carve_http(&body, start, target.as_deref(), options, emit);
                return Ok(Next::End);
            }
            if length > cap {
                emit(self.error(
                    start,
                    target.as_deref(),
                    format!(
                        "a record of {length} bytes: only the first {} MiB are carved",
                        self.limits.max_record >> 20
                    ),
                ));
                if !self.skip(length - cap)? {
                    emit(self.error(
                        start,
                        target.as_deref(),
                        "the data ends inside a record's body",
                    ));
                    return Ok(Next::End);
                }
            }
            self.carve_http(&body, start, target.as_deref(), options, emit);
        } else if !self.skip(length)? {
            emit(self.error(
                start,
                target.as_deref(),
                "the data ends inside a record's body",
            ));
            return Ok(Next::End);
        }
        // The record ends with two CRLFs.
        let mut end = [0u8; 4];
        let at = self.offset;
        match self.reader.read_exact(&mut end) {
            Ok(()) => self.offset += 4,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(Next::End),
            Err(e) => return Err(e),
        }
        if &end != b"\r\n\r\n" {
            emit(self.error(
                at,
                target.as_deref(),
                "a record that does not end with CRLF CRLF (a wrong Content-Length?)",
            ));
            return Ok(self.resync()?.into());
        }
        Ok(Next::Continue)
    }

    fn carve_http(
        &self,
        message: &[u8],
        start: u64,
        target: Option<&str>,
        options: &CarveOptions,
        emit: &mut impl FnMut(WarcItem),
    ) {
        let source = format!("{}@{start}", self.name);
        match decode_http(message, self.limits.max_record) {
            Ok((head, body)) => {
                for item in carve_http(&head, &body, &source, target, options) {
                    emit(WarcItem::Item(Box::new(item)));
                }
            }
            Err(why) => emit(self.error(start, target, why)),
        }
    }
}

/// An HTTP message's head and body (a response's, or a request's), the body's transfer and
/// content encodings undone.
fn decode_http(message: &[u8], limit: usize) -> Result<(String, String), String> {
    let split = message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| {
            message
                .windows(2)
                .position(|w| w == b"\n\n")
                .map(|i| (i, i + 2))
        });
    let Some((head_end, body_start)) = split else {
        // Headers only (a redirect with Set-Cookie, cut short), or no head at all.
        let text = String::from_utf8_lossy(message).into_owned();
        return Ok(if text.starts_with("HTTP/") || is_request_line(&text) {
            (text, String::new())
        } else {
            (String::new(), text)
        });
    };
    let head = String::from_utf8_lossy(message.get(..head_end).unwrap_or_default()).into_owned();
    if !head.starts_with("HTTP/") && !is_request_line(&head) {
        return Err("a record whose payload is not an HTTP message".into());
    }
    let mut body = message.get(body_start..).unwrap_or_default().to_vec();
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_ascii_lowercase())
    };
    if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        body = dechunk(&body).ok_or("a broken chunked body")?;
    }
    match header("content-encoding").as_deref() {
        Some("gzip" | "x-gzip") => {
            body = bounded_read(flate2::read::MultiGzDecoder::new(body.as_slice()), limit)
                .map_err(|_| "a broken gzip content encoding".to_owned())?;
        }
        Some("deflate") => {
            body = bounded_read(flate2::read::ZlibDecoder::new(body.as_slice()), limit)
                .or_else(|_| {
                    bounded_read(flate2::read::DeflateDecoder::new(body.as_slice()), limit)
                })
                .map_err(|_| "a broken deflate content encoding".to_owned())?;
        }
        _ => {}
    }
    Ok((head, String::from_utf8_lossy(&body).into_owned()))
}

fn bounded_read(r: impl Read, limit: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    r.take(u64::try_from(limit).unwrap_or(u64::MAX))
        .read_to_end(&mut out)?;
    Ok(out)
}

/// `Transfer-Encoding: chunked` undone (sizes in hex, extensions ignored, trailers dropped).
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = core::str::from_utf8(body.get(..line_end)?).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        body = body.get(line_end + 2..)?;
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size..)?;
        body = body.strip_prefix(b"\r\n").unwrap_or(body);
    }
}
