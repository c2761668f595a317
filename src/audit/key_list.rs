//! Lists of publicly known `<machineKey>` pairs.
//!
//! Lists are read from bytes (no text conversion of the whole file), each pair's hex decoded
//! once into one flat buffer, and de-duplicated by the decoded bytes with an index keyed by
//! the keys' leading bytes (listed keys are random, so those bytes are a hash already). The
//! [`KnownKey`] text form is made only when asked for.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::ControlFlow;
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::crypto::encoding::to_upper_hex;
use crate::keys::fingerprint;

/// A known key pair, as hex text (upper-cased).
///
/// A list may hold a user's own production keys, so `Debug` shows only the
/// [`fingerprints`](Self::fingerprints); the keys are in the fields (and in the JSON a
/// finding serializes to, where showing the key that matched is the point).
///
/// # Example
/// ```
/// use machinekey::audit::KeyList;
/// let list = KeyList::parse("AABBCCDD,EEFF0011");
/// let key = list.key(0).unwrap();
/// assert!(!format!("{key:?}").contains("AABB"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub struct KnownKey {
    /// The `validationKey`.
    pub validation_key: String,
    /// The `decryptionKey`.
    pub decryption_key: String,
}

impl core::fmt::Debug for KnownKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let fp = self.fingerprints();
        f.debug_struct("KnownKey")
            .field(
                "validation_key",
                &format_args!("[redacted {}]", fp.validation_key),
            )
            .field(
                "decryption_key",
                &format_args!("[redacted {}]", fp.decryption_key),
            )
            .finish()
    }
}

impl KnownKey {
    /// Short fingerprints of both keys ([`fingerprint`]), to name them without showing them.
    #[must_use]
    pub fn fingerprints(&self) -> KeyFingerprints {
        KeyFingerprints {
            validation_key: fingerprint(&self.validation_key),
            decryption_key: fingerprint(&self.decryption_key),
        }
    }
}

/// The fingerprints of a key pair (first 8 hex digits of the SHA-256 of each key's text).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct KeyFingerprints {
    /// Of the `validationKey`.
    pub validation_key: String,
    /// Of the `decryptionKey`.
    pub decryption_key: String,
}

/// Where a key pair was first listed: the list's name (a file path, or `built-in`) and the
/// 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct KeyOrigin {
    /// The list: the path it was read from, or `built-in`.
    pub source: Arc<str>,
    /// The line, from 1.
    pub line: usize,
}

impl core::fmt::Display for KeyOrigin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}:{}", self.source, self.line)
    }
}

/// What reading one list added and what it skipped, so a file of the wrong shape is
/// noticed rather than silently read as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LoadReport {
    /// New key pairs.
    pub pairs: usize,
    /// New SHA-256 hashes of key strings.
    pub hashes: usize,
    /// Pairs already in the list.
    pub duplicates: usize,
    /// Lines that are neither blank, a `#` comment, a key pair nor a hash.
    pub skipped: usize,
    /// The first such line (1-based).
    pub first_skipped_line: Option<usize>,
}

/// One pair: where its bytes are in the list's buffer, and where it was listed.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry {
    start: usize,
    validation_len: usize,
    decryption_len: usize,
    source: u32,
    line: u32,
}

impl Entry {
    /// Where the validation key is in the list's buffer.
    pub(super) fn validation(&self) -> core::ops::Range<usize> {
        self.start..self.start + self.validation_len
    }
}

/// A hasher that passes a `u64` through: the index is keyed by leading key bytes, which are
/// already uniformly distributed in lists of random keys (and compared in full on a match).
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Index<V> = HashMap<u64, V, BuildHasherDefault<PassThrough>>;

/// A deduplicated list of known key pairs, plus the SHA-256 hashes of key strings that
/// published lists carry (Microsoft's MSTIC list publishes hashes, not keys).
///
/// # Example
/// ```
/// use machinekey::audit::KeyList;
/// let list = KeyList::parse("# comment\nAABB,CCDD\n0102,0304\n0102,0304\nnot,hex!\n");
/// assert_eq!(list.len(), 2);
/// assert!(KeyList::builtin().len() > 3000);
/// ```
#[derive(Debug, Clone, Default)]
pub struct KeyList {
    /// Every pair's validation then decryption key bytes, back to back.
    bytes: Vec<u8>,
    entries: Vec<Entry>,
    /// The first pair of each index key...
    index: Index<u32>,
    /// ...and the others with the same key (rare: only keys sharing their leading bytes).
    overflow: Index<Vec<u32>>,
    sources: Vec<Arc<str>>,
    hashes: HashSet<[u8; 32]>,
    /// The text form, made on first use of [`pairs`](Self::pairs).
    text: OnceLock<Vec<KnownKey>>,
    /// The pairs of the blocks before this one, for a list read by [`KeyList::scan`].
    index_base: usize,
    /// A block of [`KeyList::scan`]: pairs are not looked up in the index (a block's pairs
    /// are used once, and a duplicate costs less than the look-ups would).
    keep_duplicates: bool,
}

impl core::fmt::Debug for PassThrough {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PassThrough")
    }
}

/// The built-in list as text (kept for tests that check the compiled form against it).
#[cfg(test)]
const BUILTIN: &str = include_str!("blacklist3r_machinekeys.txt");

/// The built-in list decoded at compile time by `build.rs`: per pair, the line (u32 LE), the
/// two key lengths (u8 each), then the key bytes.
const BUILTIN_DECODED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/builtin_keys.bin"));

/// Appends the bytes of even-length, non-empty hex `text` to `out`; `false` (and `out`
/// unchanged) otherwise.
fn push_hex(text: &[u8], out: &mut Vec<u8>) -> bool {
    push_hex_fields(&[text], out)
}

/// Appends the bytes of every field of `fields`, each even-length, non-empty hex, to `out`
/// (its room made once for all of them); `false` (and `out` unchanged) if any is not.
#[inline]
fn push_hex_fields(fields: &[&[u8]], out: &mut Vec<u8>) -> bool {
    if fields.iter().any(|f| f.is_empty() || f.len() % 2 != 0) {
        return false;
    }
    let start = out.len();
    out.resize(start + fields.iter().map(|f| f.len() / 2).sum::<usize>(), 0);
    let mut slot = out.get_mut(start..).unwrap_or_default();
    let decoded = fields.iter().all(|field| {
        let (head, rest) = core::mem::take(&mut slot).split_at_mut(field.len() / 2);
        slot = rest;
        const_hex::decode_to_slice(field, head).is_ok()
    });
    if !decoded {
        out.truncate(start);
    }
    decoded
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if last.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// The index key of a pair: its leading bytes, mixed with the lengths.
fn slot(validation: &[u8], decryption: &[u8]) -> u64 {
    let mut head = [0u8; 8];
    for (dst, src) in head.iter_mut().zip(validation.iter().chain(decryption)) {
        *dst = *src;
    }
    let lengths = (validation.len() as u64) << 32 | decryption.len() as u64;
    u64::from_le_bytes(head) ^ lengths.rotate_left(17)
}

/// One list being read, line by line, in as many pieces of whole lines as it comes in.
struct Loader<'a> {
    list: &'a mut KeyList,
    source: u32,
    /// Lines read so far.
    line: usize,
    report: LoadReport,
    /// The offsets of the comma and the newline of the last line with one comma.
    shape: Option<(usize, usize)>,
}

impl Loader<'_> {
    /// Reads `text`, whole lines (the last may lack its newline at the end of the input).
    ///
    /// Lists are uniform: once a line `V,D` is read, the next line is first read as having
    /// the same shape (its comma and newline at the same offsets), without searching for
    /// them. The guess stands only if both fields then decode as hex, which no field with a
    /// comma, a newline or any other character in it does; otherwise the line is searched
    /// (SIMD) for its newline and commas and read as any line is.
    fn lines(&mut self, text: &[u8]) {
        let mut start = 0;
        let mut commas: Vec<usize> = Vec::with_capacity(4);
        while start < text.len() {
            if let Some((comma, len)) = self.shape {
                let end = start + len;
                let ends_line = text.get(end).map_or(end == text.len(), |b| *b == b'\n');
                if ends_line && text.get(start + comma) == Some(&b',') {
                    let v = text.get(start..start + comma).unwrap_or_default();
                    let d = text.get(start + comma + 1..end).unwrap_or_default();
                    if self.pair(v, d, self.line + 1) {
                        self.line += 1;
                        start = end + 1;
                        continue;
                    }
                }
            }
            let rest = text.get(start..).unwrap_or_default();
            let end = memchr::memchr(b'\n', rest).map_or(text.len(), |i| start + i);
            let line = text.get(start..end).unwrap_or_default();
            commas.clear();
            commas.extend(memchr::memchr_iter(b',', line));
            self.line += 1;
            self.line_of_text(line, &commas);
            self.shape = match commas.as_slice() {
                [comma] => Some((*comma, line.len())),
                _ => None,
            };
            start = end + 1;
        }
    }

    /// Adds the pair `v`,`d` of line `line` and counts it (new or duplicate); `false` if
    /// it is not a pair.
    fn pair(&mut self, v: &[u8], d: &[u8], line: usize) -> bool {
        match self.list.push_pair(v, d, self.source, line) {
            Some(true) => self.report.pairs += 1,
            Some(false) => self.report.duplicates += 1,
            None => return false,
        }
        true
    }

    /// A line that is not read (longer than the reading buffer).
    fn skip_line(&mut self) {
        self.line += 1;
        self.report.skip(self.line);
    }

    /// One line; `commas` are the offsets of its commas.
    fn line_of_text(&mut self, line: &[u8], commas: &[usize]) {
        let line_no = self.line;
        let mut used = false;
        if commas.is_empty() {
            let line = trim(line);
            if line.is_empty() || line.first() == Some(&b'#') {
                return;
            }
            let mut hash = Vec::with_capacity(32);
            if line.len() == 64 && push_hex(line, &mut hash) {
                if let Ok(hash) = <[u8; 32]>::try_from(hash) {
                    used = true;
                    if self.list.hashes.insert(hash) {
                        self.report.hashes += 1;
                    }
                }
            }
        } else {
            if trim(line).first() == Some(&b'#') {
                return;
            }
            // Fields between the commas; each adjacent two are a pair.
            let ends = commas.iter().copied().chain(std::iter::once(line.len()));
            let mut from = 0;
            let mut previous: Option<&[u8]> = None;
            for end in ends {
                let field = trim(line.get(from..end).unwrap_or_default());
                from = end + 1;
                if let Some(v) = previous {
                    used |= self.pair(v, field, line_no);
                }
                previous = Some(field);
            }
        }
        if !used {
            self.report.skip(line_no);
        }
    }
}

/// A piece of a list being read: whole lines, or a line too long to hold (skipped).
enum Piece<'a> {
    Lines(&'a [u8]),
    Overlong,
}

/// Reads `reader` in blocks of 1 MiB and gives `f` the whole lines of each (the last line
/// may lack its newline at the end), a leading UTF-8 byte-order mark removed. A line longer
/// than the block is given as [`Piece::Overlong`] without being held.
fn read_lines<R, F>(mut reader: R, mut f: F) -> std::io::Result<()>
where
    R: std::io::Read,
    F: FnMut(Piece<'_>) -> ControlFlow<()>,
{
    const BLOCK: usize = 1 << 20;
    let mut buffer = vec![0u8; BLOCK];
    // `buffer[..kept]` is the start of a line that the next block completes.
    let mut kept = 0;
    let mut first = true;
    // Inside a line longer than the buffer: it is skipped, not held.
    let mut overlong = false;
    loop {
        if kept == buffer.len() {
            overlong = true;
            kept = 0;
        }
        let read = match reader.read(buffer.get_mut(kept..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let filled = kept + read;
        let mut text = buffer.get(..filled).unwrap_or_default();
        if first {
            if text.len() < 3 && b"\xEF\xBB\xBF".starts_with(text) {
                kept = filled;
                continue;
            }
            text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
            first = false;
        }
        if overlong {
            let Some(end) = memchr::memchr(b'\n', text) else {
                kept = 0;
                continue;
            };
            overlong = false;
            if f(Piece::Overlong).is_break() {
                return Ok(());
            }
            text = text.get(end + 1..).unwrap_or_default();
        }
        let whole = memchr::memrchr(b'\n', text).map_or(0, |i| i + 1);
        if whole > 0 && f(Piece::Lines(text.get(..whole).unwrap_or_default())).is_break() {
            return Ok(());
        }
        let rest = text.len() - whole;
        let rest_start = filled - rest;
        buffer.copy_within(rest_start..filled, 0);
        kept = rest;
    }
    if overlong {
        if f(Piece::Overlong).is_break() {
            return Ok(());
        }
        kept = 0;
    }
    let text = buffer.get(..kept).unwrap_or_default();
    let text = if first {
        text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text)
    } else {
        text
    };
    if !text.is_empty() {
        let _ = f(Piece::Lines(text));
    }
    Ok(())
}

impl LoadReport {
    /// Counts line `line` as skipped.
    fn skip(&mut self, line: usize) {
        self.skipped += 1;
        self.first_skipped_line.get_or_insert(line);
    }

    fn add(&mut self, other: &LoadReport) {
        self.pairs += other.pairs;
        self.hashes += other.hashes;
        self.duplicates += other.duplicates;
        self.skipped += other.skipped;
        if self.first_skipped_line.is_none() {
            self.first_skipped_line = other.first_skipped_line;
        }
    }
}

impl KeyList {
    /// The list shipped in the crate: the 3,626 key pairs of Blacklist3r's
    /// `MachineKeys.txt` (MIT; see `src/audit/LICENSE-blacklist3r.txt`), named `built-in`.
    /// Read once per process.
    #[must_use]
    pub fn builtin() -> Self {
        static BUILT_IN: OnceLock<KeyList> = OnceLock::new();
        BUILT_IN
            .get_or_init(|| {
                let mut list = Self::default();
                list.sources.push(Arc::from("built-in"));
                let mut rest = BUILTIN_DECODED;
                while let [l0, l1, l2, l3, vlen, dlen, tail @ ..] = rest {
                    let line = u32::from_le_bytes([*l0, *l1, *l2, *l3]) as usize;
                    let (v, tail) = tail
                        .split_at_checked(usize::from(*vlen))
                        .unwrap_or_default();
                    let (d, tail) = tail
                        .split_at_checked(usize::from(*dlen))
                        .unwrap_or_default();
                    list.push_decoded(v, d, 0, line);
                    rest = tail;
                }
                list
            })
            .clone()
    }

    /// Reads `validationKey,decryptionKey` lines. Blank lines and `#` comments are
    /// skipped; a line of 64 hex digits alone is a SHA-256 hash of a key string; a line
    /// with more than two fields gives each adjacent pair; duplicates are dropped. Use
    /// [`load`](Self::load) to learn what was skipped.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let mut list = Self::default();
        list.load(text, "text");
        list
    }

    /// Adds the lines of `text` (see [`parse`](Self::parse)).
    pub fn extend_from_text(&mut self, text: &str) {
        self.load(text, "text");
    }

    /// Adds the lines of `text`, remembering `source` and the line of each new pair (see
    /// [`origin`](Self::origin)), and reports what was added and skipped.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::KeyList;
    /// let mut list = KeyList::default();
    /// let report = list.load("AABB,CCDD\n<html>\n# note\nAABB,CCDD\n", "keys.txt");
    /// assert_eq!((report.pairs, report.duplicates, report.skipped), (1, 1, 1));
    /// assert_eq!(report.first_skipped_line, Some(2));
    /// assert_eq!(list.origin(0).map(|o| o.to_string()).as_deref(), Some("keys.txt:1"));
    /// ```
    pub fn load(&mut self, text: &str, source: &str) -> LoadReport {
        self.load_bytes(text.as_bytes(), source)
    }

    /// As [`load`](Self::load), from the bytes of a file as read (any encoding that keeps
    /// ASCII as ASCII; lines that are not key pairs are skipped and counted).
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::KeyList;
    /// let mut list = KeyList::default();
    /// let report = list.load_bytes(b"\xef\xbb\xbfAABB,CCDD\r\n\xff\xfe\n", "keys.txt");
    /// assert_eq!((report.pairs, report.skipped), (1, 1));
    /// ```
    pub fn load_bytes(&mut self, bytes: &[u8], source: &str) -> LoadReport {
        let mut loader = self.loader(source, bytes.len());
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        loader.lines(bytes);
        loader.report
    }

    /// As [`load_bytes`](Self::load_bytes), streaming from `reader` in blocks of 1 MiB, so
    /// a list of any size is read with no more memory than its decoded keys take. A line
    /// longer than 1 MiB is skipped (and counted) without being held.
    ///
    /// # Errors
    /// The reader's I/O error; the pairs read before it stay in the list.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::KeyList;
    /// let mut list = KeyList::default();
    /// let report = list.load_reader(&b"AABB,CCDD\n0102,0304"[..], "keys.txt")?;
    /// assert_eq!(report.pairs, 2);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn load_reader<R: std::io::Read>(
        &mut self,
        reader: R,
        source: &str,
    ) -> std::io::Result<LoadReport> {
        self.read_from(reader, source, 0)
    }

    fn read_from<R: std::io::Read>(
        &mut self,
        reader: R,
        source: &str,
        size: usize,
    ) -> std::io::Result<LoadReport> {
        let mut loader = self.loader(source, size);
        read_lines(reader, |piece| {
            match piece {
                Piece::Lines(text) => loader.lines(text),
                Piece::Overlong => loader.skip_line(),
            }
            ControlFlow::Continue(())
        })?;
        Ok(loader.report)
    }

    /// Reads the list in `reader` a block (about 1 MiB of text) at a time, giving each
    /// block's pairs to `f` as a list of their own, and empties the block before reading the
    /// next: a list of any size is read in the memory of one block, for a caller that needs
    /// each pair once, in list order (auditing one value against a large list: an
    /// [`Auditor::from_list`](super::Auditor::from_list) of each block). `f` returns
    /// [`ControlFlow::Break`] to stop reading.
    ///
    /// The block is lent to `f`, which may take it (`std::mem::take`); a block left in place,
    /// or given back (by [`Auditor::into_list`](super::Auditor::into_list), say), has its
    /// memory reused for the next block instead of newly allocated pages for each.
    ///
    /// Pairs are not deduplicated (a pair listed twice is given twice; the report counts
    /// it among the pairs): a block's pairs are used once, and looking each up would cost
    /// more than the rare duplicate does. Each block's [`origin`](Self::origin)s name `source` and the
    /// line in the whole input, and its findings' indices count the pairs of the blocks
    /// before it. The report sums the blocks read.
    ///
    /// # Errors
    /// The reader's I/O error; the blocks before it were given to `f`.
    ///
    /// # Example
    /// ```
    /// use std::ops::ControlFlow;
    /// use machinekey::audit::{Auditor, Blob, KeyList};
    /// let mut seen = 0;
    /// let report = KeyList::scan(&b"AABB,CCDD\n0102,0304\n"[..], "keys.txt", |block| {
    ///     seen += block.len();
    ///     // Audit the block, then give it back for the next one.
    ///     let auditor = Auditor::from_list(std::mem::take(block));
    ///     assert!(auditor.audit(&Blob::viewstate(&[0xFF, 0x01, 0x64])).is_none());
    ///     *block = auditor.into_list();
    ///     ControlFlow::Continue(())
    /// })?;
    /// assert_eq!((seen, report.pairs), (2, 2));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn scan<R, F>(reader: R, source: &str, mut f: F) -> std::io::Result<LoadReport>
    where
        R: std::io::Read,
        F: FnMut(&mut KeyList) -> ControlFlow<()>,
    {
        let mut report = LoadReport::default();
        let mut line = 0;
        let mut base = 0;
        let mut block = KeyList::default();
        read_lines(reader, |piece| {
            let text = match piece {
                Piece::Lines(text) => text,
                Piece::Overlong => {
                    line += 1;
                    report.skip(line);
                    return ControlFlow::Continue(());
                }
            };
            block.empty_for_block(base);
            let mut loader = block.loader(source, text.len());
            loader.line = line;
            loader.lines(text);
            line = loader.line;
            report.add(&loader.report);
            base += block.len();
            f(&mut block)
        })?;
        Ok(report)
    }

    /// Empties the list, keeping its allocations, as the block of [`KeyList::scan`] whose
    /// first pair is pair `index_base` of the input (its text form is reset by `loader`).
    fn empty_for_block(&mut self, index_base: usize) {
        self.bytes.clear();
        self.entries.clear();
        self.index.clear();
        self.overflow.clear();
        self.sources.clear();
        self.hashes.clear();
        self.index_base = index_base;
        self.keep_duplicates = true;
    }

    /// The index in the whole input of this list's first pair (non-zero for the blocks
    /// after the first of [`KeyList::scan`]).
    pub(super) fn index_base(&self) -> usize {
        self.index_base
    }

    /// As [`load_reader`](Self::load_reader), from the file at `path` (named by its path in
    /// [`origin`](Self::origin)), with room for its keys made once from its size.
    ///
    /// # Errors
    /// The file cannot be opened or read.
    ///
    /// # Example
    /// ```no_run
    /// use machinekey::audit::KeyList;
    /// let mut list = KeyList::builtin();
    /// let report = list.load_file("keys.txt")?;
    /// println!("{} new pairs, {} skipped lines", report.pairs, report.skipped);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn load_file(&mut self, path: impl AsRef<std::path::Path>) -> std::io::Result<LoadReport> {
        let path = path.as_ref();
        let file = std::fs::File::open(path)?;
        let size = file
            .metadata()
            .ok()
            .and_then(|m| usize::try_from(m.len()).ok())
            .unwrap_or(0);
        self.read_from(file, &path.to_string_lossy(), size)
    }

    /// Starts reading a list named `source` of about `size` bytes.
    fn loader(&mut self, source: &str, size: usize) -> Loader<'_> {
        self.text = OnceLock::new();
        let source_id = u32::try_from(self.sources.len()).unwrap_or(u32::MAX);
        self.sources.push(Arc::from(source));
        // A typical line is a 64-byte and a 24-byte key in hex: about 180 bytes.
        let expected = size / 160;
        self.entries.reserve(expected);
        if !self.keep_duplicates {
            self.index.reserve(expected);
        }
        self.bytes.reserve(size / 2);
        Loader {
            list: self,
            source: source_id,
            line: 0,
            report: LoadReport::default(),
            shape: None,
        }
    }

    /// Adds one pair: `Some(true)` new, `Some(false)` a duplicate, `None` not a pair.
    fn push_pair(&mut self, v: &[u8], d: &[u8], source: u32, line: usize) -> Option<bool> {
        let start = self.bytes.len();
        if !push_hex_fields(&[v, d], &mut self.bytes) {
            return None;
        }
        self.insert_at(start, v.len() / 2, source, line)
    }

    /// Adds one decoded pair (see [`push_pair`](Self::push_pair)).
    fn push_decoded(&mut self, v: &[u8], d: &[u8], source: u32, line: usize) -> Option<bool> {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(v);
        self.bytes.extend_from_slice(d);
        self.insert_at(start, v.len(), source, line)
    }

    /// Indexes the pair whose bytes start at `start` (validation key `validation_len`
    /// bytes, the decryption key the rest), or drops them as a duplicate.
    fn insert_at(
        &mut self,
        start: usize,
        validation_len: usize,
        source: u32,
        line: usize,
    ) -> Option<bool> {
        let decryption_len = self
            .bytes
            .len()
            .checked_sub(start)?
            .checked_sub(validation_len)?;
        let same = |i: &u32| {
            self.entries.get(*i as usize).is_some_and(|e| {
                e.validation_len == validation_len
                    && self
                        .bytes
                        .get(e.start..e.start + e.validation_len + e.decryption_len)
                        == self.bytes.get(start..)
            })
        };
        let entry = Entry {
            start,
            validation_len,
            decryption_len,
            source,
            line: u32::try_from(line).unwrap_or(u32::MAX),
        };
        let id = u32::try_from(self.entries.len()).ok()?;
        if self.keep_duplicates {
            self.entries.push(entry);
            return Some(true);
        }
        let key = self.entry_bytes(&entry).map(|(v, d)| slot(v, d))?;
        // One probe of the index for a new key (the common case in a list of random keys).
        match self.index.entry(key) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(id);
            }
            std::collections::hash_map::Entry::Occupied(first) => {
                let first = *first.get();
                let duplicate = same(&first)
                    || self
                        .overflow
                        .get(&key)
                        .is_some_and(|more| more.iter().any(same));
                if duplicate {
                    self.bytes.truncate(start);
                    return Some(false);
                }
                self.overflow.entry(key).or_default().push(id);
            }
        }
        self.entries.push(entry);
        Some(true)
    }

    fn entry_bytes(&self, e: &Entry) -> Option<(&[u8], &[u8])> {
        let v = self.bytes.get(e.start..e.start + e.validation_len)?;
        let d = self
            .bytes
            .get(e.start + e.validation_len..e.start + e.validation_len + e.decryption_len)?;
        Some((v, d))
    }

    /// The buffer of decoded keys and the pairs in it, for the auditor.
    pub(super) fn parts(&self) -> (&[u8], &[Entry]) {
        (&self.bytes, &self.entries)
    }

    /// The decoded keys of the pair at `index`: (validation key, decryption key).
    #[must_use]
    pub fn key_bytes(&self, index: usize) -> Option<(&[u8], &[u8])> {
        self.entry_bytes(self.entries.get(index)?)
    }

    /// The pair at `index` as text.
    #[must_use]
    pub fn key(&self, index: usize) -> Option<KnownKey> {
        let (v, d) = self.key_bytes(index)?;
        Some(KnownKey {
            validation_key: to_upper_hex(v),
            decryption_key: to_upper_hex(d),
        })
    }

    /// Where the pair at `index` was first listed.
    #[must_use]
    pub fn origin(&self, index: usize) -> Option<KeyOrigin> {
        let e = self.entries.get(index)?;
        Some(KeyOrigin {
            source: Arc::clone(self.sources.get(e.source as usize)?),
            line: e.line as usize,
        })
    }

    /// The key pairs as text, in first-seen order (made on first use).
    #[must_use]
    pub fn pairs(&self) -> &[KnownKey] {
        self.text.get_or_init(|| {
            (0..self.entries.len())
                .filter_map(|i| self.key(i))
                .collect()
        })
    }

    /// How many key pairs.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list has no key pairs.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether a key string (as written in a web.config) is publicly known: listed as
    /// either key of a pair (any case), or listed as the SHA-256 of the exact string.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::KeyList;
    /// let list = KeyList::builtin();
    /// assert!(list.is_known_key("f5144f1a581a57ba3b60311af7562a855998f7dd203cd8a71405599b980d8694b5c986c888be4fc0e6571c2ce600d58ce82b8fa13106b17d77ea4cecddbbec1b"));
    /// assert!(!list.is_known_key("00112233445566778899AABBCCDDEEFF00112233"));
    /// ```
    #[must_use]
    pub fn is_known_key(&self, key: &str) -> bool {
        let text = key.trim();
        let digest: [u8; 32] = Sha256::digest(text.as_bytes()).into();
        if self.hashes.contains(&digest) {
            return true;
        }
        // Microsoft's MachineKeyScan.ps1 hashes `$validationKey.ToUpper()`, and its
        // MachineKeys.csv lists those hashes: a key written in lower case is theirs too.
        let upper = text.to_ascii_uppercase();
        if upper != text {
            let digest: [u8; 32] = Sha256::digest(upper.as_bytes()).into();
            if self.hashes.contains(&digest) {
                return true;
            }
        }
        let mut bytes = Vec::new();
        if !push_hex(key.trim().as_bytes(), &mut bytes) {
            return false;
        }
        self.entries.iter().any(|e| {
            self.entry_bytes(e)
                .is_some_and(|(v, d)| v == bytes.as_slice() || d == bytes.as_slice())
        })
    }
}

impl crate::config::lint::KnownKeys for KeyList {
    fn is_known_key(&self, key_text: &str) -> bool {
        KeyList::is_known_key(self, key_text)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// A reader that hands out `step` bytes at a time.
    struct Trickle<'a>(&'a [u8], usize);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            let (head, tail) = self.0.split_at(n);
            buf[..n].copy_from_slice(head);
            self.0 = tail;
            Ok(n)
        }
    }

    #[test]
    fn a_lower_case_key_matches_microsofts_upper_case_hash() {
        // microsoft/mstic RapidReleaseTI/MachineKeys.csv @ 0cccabff, the validationKey hash
        // of the line "f95df404..., 3ea8fe9d...": SHA-256 of the upper-case key text
        // F2D27DF0... (the first pair of Blacklist3r's list), as MachineKeyScan.ps1 hashes.
        let mut list = KeyList::default();
        let r = list.load(
            "f95df4044d21f47b6c4c841479680c558868a9a52a1f431e87ee0994b2fe5ee7\n",
            "MachineKeys.csv",
        );
        assert_eq!(r.hashes, 1);
        let key = "F2D27DF0348E9A3EAD6AC66330C31F821394D4CD1A5E139EEE85EA9D9F2A963E55EC87572F699FB834292CC9E37AD56B6B26AA379106CBA5E9AA544C688F3E92";
        assert!(list.is_known_key(key));
        assert!(list.is_known_key(&key.to_ascii_lowercase()));
        assert!(list.is_known_key(&format!("  {}\t", key.to_ascii_lowercase())));
        assert!(!list.is_known_key(&key.to_ascii_lowercase().replacen('f', "e", 1)));
    }

    #[test]
    fn streaming_reads_what_bytes_read() {
        let mut text = b"\xef\xbb\xbf# list\nAABB,CCDD\r\n0102 , 0304,0506\nnot hex\n".to_vec();
        text.extend_from_slice(&[b'A'; 3 << 20]);
        text.extend_from_slice(b"\nAABB,CCDD\n1111,2222");
        let mut whole = KeyList::default();
        let expected = whole.load_bytes(&text, "k");
        for step in [1usize, 2, 3, 7, 100, 1 << 20, usize::MAX] {
            let mut streamed = KeyList::default();
            let report = streamed.load_reader(Trickle(&text, step), "k").unwrap();
            assert_eq!(report, expected, "{step}");
            assert_eq!(streamed.len(), whole.len());
            for i in 0..whole.len() {
                assert_eq!(streamed.key_bytes(i), whole.key_bytes(i));
                assert_eq!(streamed.origin(i), whole.origin(i));
            }
        }
        assert_eq!(
            (expected.pairs, expected.duplicates, expected.skipped),
            (4, 1, 2)
        );
        assert_eq!(expected.first_skipped_line, Some(4));
    }

    #[test]
    fn dedupes_exactly_and_keeps_first_origin() {
        let mut list = KeyList::default();
        // Same leading bytes, different keys: both kept (the index compares in full).
        let r = list.load(
            "AABBCCDDEEFF0011,22\nAABBCCDDEEFF0011,23\naabbccddeeff0011,22\n",
            "a",
        );
        assert_eq!((r.pairs, r.duplicates), (2, 1));
        let r = list.load("AABBCCDDEEFF0011,23\n", "b");
        assert_eq!((r.pairs, r.duplicates), (0, 1));
        assert_eq!(list.origin(1).unwrap().to_string(), "a:2");
        assert_eq!(list.pairs()[0].validation_key, "AABBCCDDEEFF0011");
        // A pair split differently is another pair.
        let r = list.load("AABB,CCDDEEFF001122\n", "c");
        assert_eq!(r.pairs, 1);
        assert_eq!(list.len(), 3);
    }

    /// The compiled form holds exactly what parsing the text gives: the same pairs, in the
    /// same order, from the same lines.
    #[test]
    fn builtin_matches_its_text() {
        let compiled = KeyList::builtin();
        let mut parsed = KeyList::default();
        parsed.load(BUILTIN, "built-in");
        assert_eq!(compiled.len(), parsed.len());
        assert!(compiled.len() > 3600);
        assert_eq!(compiled.pairs(), parsed.pairs());
        for i in [0, 1, 145, compiled.len() - 1] {
            assert_eq!(compiled.origin(i), parsed.origin(i));
        }
    }
}
