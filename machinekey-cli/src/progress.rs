//! Progress of long runs (`carve`, `audit --batch`) on a terminal: bytes read against the
//! input's size with an ETA when it is known, blobs per second and candidate keys per second.
//! Nothing at all when standard error is not a terminal (piped, in CI, under Spark).

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// A reader that counts the bytes it hands out.
pub(crate) struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The progress of one run: the bar (when shown) and the counters.
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    read: Arc<AtomicU64>,
    start: Instant,
    /// Candidate keys tried per blob (0 for carve).
    keys_per_blob: u64,
}

impl Progress {
    /// A progress display for input of `total` bytes (when known), shown only when standard
    /// error is a terminal and `allowed`.
    pub(crate) fn new(total: Option<u64>, keys_per_blob: u64, allowed: bool) -> Self {
        let show = allowed && std::io::IsTerminal::is_terminal(&std::io::stderr());
        let bar = show.then(|| {
            let (bar, template) = match total {
                Some(t) => (
                    indicatif::ProgressBar::new(t),
                    "{bar:30} {bytes}/{total_bytes} {msg} ETA {eta}",
                ),
                None => (
                    indicatif::ProgressBar::new_spinner(),
                    "{spinner} {bytes} read, {msg}",
                ),
            };
            bar.set_style(
                indicatif::ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Self {
            bar,
            read: Arc::new(AtomicU64::new(0)),
            start: Instant::now(),
            keys_per_blob,
        }
    }

    /// `reader`, counted into this progress.
    pub(crate) fn reader<R: Read>(&self, reader: R) -> Counted<R> {
        Counted {
            inner: reader,
            count: self.read.clone(),
        }
    }

    /// Updates the display after `blobs` blobs, `found` of them with a key.
    pub(crate) fn update(&self, blobs: u64, found: u64) {
        let Some(bar) = &self.bar else { return };
        bar.set_position(self.read.load(Ordering::Relaxed));
        let secs = self.start.elapsed().as_secs_f64().max(1e-3);
        let rate = blobs as f64 / secs;
        let mut msg = format!("{blobs} blobs ({rate:.0}/s)");
        if self.keys_per_blob > 0 {
            let keys = rate * self.keys_per_blob as f64;
            msg.push_str(&format!(", {:.1} M keys/s, {found} found", keys / 1e6));
        }
        bar.set_message(msg);
    }

    /// Clears the display.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The size of a file argument, when it is a regular file (`-` and pipes have none).
pub(crate) fn input_size(file: &str) -> Option<u64> {
    if file == "-" {
        return None;
    }
    std::fs::metadata(file)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len())
}
