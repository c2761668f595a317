//! Text inputs as UTF-8, whatever Windows wrote them in, read in bounded pieces.

use std::io::{self, BufRead, Read};

/// How a text input is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextEncoding {
    Utf8,
    Utf16Le,
    Utf16Be,
}

/// The encoding of text starting with `head`: a BOM, or the NUL bytes of UTF-16 ASCII
/// (Windows PowerShell's `>` writes UTF-16LE), else UTF-8. Also how many BOM bytes to skip.
pub(crate) fn sniff(head: &[u8]) -> (TextEncoding, usize) {
    match head {
        [0xEF, 0xBB, 0xBF, ..] => (TextEncoding::Utf8, 3),
        [0xFF, 0xFE, ..] => (TextEncoding::Utf16Le, 2),
        [0xFE, 0xFF, ..] => (TextEncoding::Utf16Be, 2),
        [a, 0, b, 0, ..] if a.is_ascii() && b.is_ascii() && *a != 0 => (TextEncoding::Utf16Le, 0),
        [0, a, 0, b, ..] if a.is_ascii() && b.is_ascii() && *a != 0 => (TextEncoding::Utf16Be, 0),
        _ => (TextEncoding::Utf8, 0),
    }
}

/// A reader that turns UTF-16 into UTF-8 as it reads (unpaired surrogates become U+FFFD).
pub(crate) struct Utf16ToUtf8<R> {
    inner: R,
    big_endian: bool,
    /// A high surrogate waiting for its pair.
    pending: Option<u16>,
    /// An odd byte waiting for its pair.
    odd: Option<u8>,
    out: Vec<u8>,
    out_pos: usize,
    done: bool,
}

impl<R: Read> Utf16ToUtf8<R> {
    pub(crate) fn new(inner: R, big_endian: bool) -> Self {
        Self {
            inner,
            big_endian,
            pending: None,
            odd: None,
            out: Vec::new(),
            out_pos: 0,
            done: false,
        }
    }

    fn push_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.out
            .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }

    fn push_unit(&mut self, unit: u16) {
        match (self.pending.take(), unit) {
            (Some(high), 0xDC00..=0xDFFF) => {
                let c = 0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                self.push_char(char::from_u32(c).unwrap_or('\u{FFFD}'));
            }
            (Some(_), _) => {
                self.push_char('\u{FFFD}');
                self.push_unit(unit);
            }
            (None, 0xD800..=0xDBFF) => self.pending = Some(unit),
            (None, 0xDC00..=0xDFFF) => self.push_char('\u{FFFD}'),
            (None, u) => self.push_char(char::from_u32(u32::from(u)).unwrap_or('\u{FFFD}')),
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        let mut raw = [0u8; 16 << 10];
        while self.out.is_empty() && !self.done {
            let n = self.inner.read(&mut raw)?;
            if n == 0 {
                self.done = true;
                if self.pending.take().is_some() || self.odd.take().is_some() {
                    self.push_char('\u{FFFD}');
                }
                break;
            }
            let mut bytes = raw.get(..n).unwrap_or_default().iter().copied();
            loop {
                let first = match self.odd.take() {
                    Some(b) => b,
                    None => match bytes.next() {
                        Some(b) => b,
                        None => break,
                    },
                };
                let Some(second) = bytes.next() else {
                    self.odd = Some(first);
                    break;
                };
                let unit = if self.big_endian {
                    u16::from_be_bytes([first, second])
                } else {
                    u16::from_le_bytes([first, second])
                };
                self.push_unit(unit);
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for Utf16ToUtf8<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos >= self.out.len() {
            self.refill()?;
        }
        let available = self.out.get(self.out_pos..).unwrap_or_default();
        let n = available.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), available.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.out_pos += n;
        Ok(n)
    }
}

/// A UTF-8 view of a text input: the BOM dropped, UTF-16 transcoded. The encoding is
/// decided on the first four bytes, gathered however the input hands them over (a pipe may
/// give one byte a read).
pub(crate) fn utf8_reader<'a, R: BufRead + 'a>(mut reader: R) -> io::Result<Box<dyn BufRead + 'a>> {
    let mut head = Vec::with_capacity(4);
    while head.len() < 4 {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let n = buf.len().min(4 - head.len());
        head.extend_from_slice(buf.get(..n).unwrap_or_default());
        reader.consume(n);
    }
    let (encoding, bom) = sniff(&head);
    let rest = io::Cursor::new(head.get(bom..).unwrap_or_default().to_vec()).chain(reader);
    Ok(match encoding {
        TextEncoding::Utf8 => Box::new(rest),
        TextEncoding::Utf16Le => Box::new(io::BufReader::with_capacity(
            64 << 10,
            Utf16ToUtf8::new(rest, false),
        )),
        TextEncoding::Utf16Be => Box::new(io::BufReader::with_capacity(
            64 << 10,
            Utf16ToUtf8::new(rest, true),
        )),
    })
}

/// What [`read_line`] found.
pub(crate) enum Line {
    /// A line (without its end).
    Text(String),
    /// A line longer than the limit: skipped to its end.
    TooLong,
    /// The input ended.
    End,
}

/// One line of at most `max` bytes; a longer one is read to its end and dropped.
pub(crate) fn read_line(reader: &mut dyn BufRead, max: usize) -> io::Result<Line> {
    let mut line = Vec::new();
    let mut too_long = false;
    let mut any = false;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        any = true;
        let (take, found) = match memchr_newline(buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if !too_long {
            let part = buf.get(..take).unwrap_or_default();
            if line.len() + part.len() > max.saturating_add(2) {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(part);
            }
        }
        reader.consume(take);
        if found {
            break;
        }
    }
    if !any {
        return Ok(Line::End);
    }
    if too_long {
        return Ok(Line::TooLong);
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(Line::Text(String::from_utf8_lossy(&line).into_owned()))
}

fn memchr_newline(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|b| *b == b'\n')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn utf16_becomes_utf8() {
        let text = "Event code: 4009 \u{e9}\u{1F600}\n";
        let mut le = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            le.extend(u.to_le_bytes());
        }
        let mut out = String::new();
        utf8_reader(io::BufReader::with_capacity(3, le.as_slice()))
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
        // An unpaired surrogate and an odd byte at the end.
        let mut r = Utf16ToUtf8::new(&[0x00, 0xD8, 0x41, 0x00, 0x42][..], false);
        let mut out = String::new();
        r.read_to_string(&mut out).unwrap();
        assert_eq!(out, "\u{FFFD}A\u{FFFD}");
    }

    #[test]
    fn long_lines_are_dropped_whole() {
        let text = format!("short\n{}\nnext", "x".repeat(100));
        let mut r = io::BufReader::with_capacity(7, text.as_bytes());
        assert!(matches!(read_line(&mut r, 10).unwrap(), Line::Text(s) if s == "short"));
        assert!(matches!(read_line(&mut r, 10).unwrap(), Line::TooLong));
        assert!(matches!(read_line(&mut r, 10).unwrap(), Line::Text(s) if s == "next"));
        assert!(matches!(read_line(&mut r, 10).unwrap(), Line::End));
    }
}
