//! ASP.NET's failures as Windows event logs hold them, read into the crate's model: the
//! operator's diagnosis (which worker processes and servers fail to read each other's state,
//! and since when) and the responder's triage (every `PersistedState` of a "Viewstate
//! verification failed" event opened with the keys at hand, its gadgets and any Windows
//! executable inside it named).
//!
//! **Start here:** [`read_path`] (or [`read`] for any reader) hands each record to a
//! callback as an [`Item`]: an [`Event`] or a record [`Skipped`] with its reason; an
//! [`Analysis`] takes the events and [`finish`](Analysis::finish)es into a [`Report`]:
//! counts, a [`Timeline`] that places installer runs and `aspnet_regiis -ga` against the
//! failures, and the [`Diagnosis`] in an operator's words. With the `audit` feature,
//! [`Opener`] opens the ViewStates; with `plot`, [`plot::svg`] draws the failures over time.
//!
//! Inputs, each read as a stream in bounded memory ([`Limits`]):
//! - `.evtx` files (feature `evtx`, through the `evtx` crate),
//! - event XML as `wevtutil qe LOG /f:xml` and `Get-WinEvent ... | % { $_.ToXml() }` print,
//! - `wevtutil qe LOG /f:text` output and Event Viewer's copied text,
//! - `deja_view`'s `-++-` lines.
//!
//! Records of other sources are skipped and counted ([`SkipReason::NotAspNet`]).
//!
//! The event model follows ASP.NET's own sources: the event codes and detail codes of
//! `System.Web/Management/WebEventCodes.cs`, the insertion strings of
//! `EventLogWebEventProvider` (`System.Web/Management/EventlogProvider.cs`) and
//! `ViewStateException` (`System.Web/UI/ViewStateException.cs`: the `Path` is `PATH_INFO`)
//! in <https://github.com/microsoft/referencesource>, and the message templates of
//! `aspnet_rc.dll` (event IDs 1017/1019 registration, 1137/1138 `aspnet_regiis -ga`,
//! 1305, 1309, 1315, 1316) as libyal's winevt-kb lists them
//! (<https://github.com/libyal/winevt-kb>, `docs/sources/message-files/MessageFile-aspnet_rc.dll.md`).
//!
//! # Example
//! ```
//! use machinekey::events::{Analysis, Format, Limits, read};
//! let xml = r#"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>
//!   <Provider Name='ASP.NET 4.0.30319.0'/><EventID Qualifiers='16384'>1017</EventID>
//!   <TimeCreated SystemTime='2024-03-01T09:00:00.000Z'/><EventRecordID>7</EventRecordID>
//!   <Computer>WEB01</Computer></System><EventData><Data>4.0.30319.0</Data>
//!   <Data>0x00000404</Data></EventData></Event>"#;
//! let mut analysis = Analysis::new();
//! read(xml.as_bytes(), Format::Xml, "app.xml", &Limits::default(), |item| analysis.add(&item))?;
//! let report = analysis.finish();
//! assert_eq!(report.summary.events, 1);
//! assert_eq!(report.timeline.marks[0].what, "installer/start");
//! # Ok::<(), machinekey::events::EventsError>(())
//! ```
#![cfg_attr(
    not(feature = "audit"),
    doc = "\n[`Opener`]: https://docs.rs/machinekey/latest/machinekey/events/struct.Opener.html"
)]
#![cfg_attr(
    not(feature = "plot"),
    doc = "\n[`plot::svg`]: https://docs.rs/machinekey/latest/machinekey/events/plot/fn.svg.html"
)]

mod analysis;
mod deja_view;
#[cfg(feature = "evtx")]
mod evtx_file;
mod fields;
mod input;
mod model;
#[cfg(feature = "audit")]
mod open;
pub mod pe;
#[cfg(feature = "plot")]
#[cfg_attr(docsrs, doc(cfg(feature = "plot")))]
pub mod plot;
mod text;
mod when;
mod xml;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::Serialize;

pub use crate::error::EventsError;
use crate::error::FileError;
use crate::names::names;

pub use analysis::{
    Analysis, Count, Diagnosis, DiagnosisCode, MAX_BUCKETS, MAX_KEYS, Mark, Report, Segment,
    Series, Summary, Timeline,
};
pub use model::{
    Event, EventKind, ExceptionClass, Origin, SkipReason, Step, TicketReason, ViewStateReason,
};
#[cfg(feature = "audit")]
#[cfg_attr(docsrs, doc(cfg(feature = "audit")))]
pub use open::{Opened, Opener, batch_line};
pub use when::EventTime;

/// What an input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Format {
    /// A Windows `.evtx` file (feature `evtx`).
    Evtx,
    /// Event XML.
    Xml,
    /// `wevtutil /f:text`, Event Viewer text, or bare ASP.NET messages.
    Text,
    /// `deja_view`'s `-++-` lines.
    DejaView,
}

names!(Format, "The format, as JSON gives it.", {
    Evtx => "evtx",
    Xml => "xml",
    Text => "text",
    DejaView => "deja_view",
});

impl Format {
    /// The format of an input starting with `head` (its first kilobytes): the `ElfFile`
    /// signature of `.evtx`, `<` for XML, a `-++-` separator, else text. UTF-16 text (as
    /// Windows PowerShell's `>` writes it) is recognised too.
    ///
    /// # Example
    /// ```
    /// use machinekey::events::Format;
    /// assert_eq!(Format::detect(b"ElfFile\0..."), Format::Evtx);
    /// assert_eq!(Format::detect(b"\xef\xbb\xbf<Events>"), Format::Xml);
    /// assert_eq!(Format::detect(b"1316 | Information | Event code: 4009-++-Viewstate"), Format::DejaView);
    /// assert_eq!(Format::detect(b"Event[0]:\r\n  Log Name: Application"), Format::Text);
    /// ```
    #[must_use]
    pub fn detect(head: &[u8]) -> Self {
        if head.starts_with(b"ElfFile\0") {
            return Self::Evtx;
        }
        let mut text = Vec::new();
        let _ = input::utf8_reader(head).and_then(|mut r| r.read_to_end(&mut text));
        let trimmed = text.trim_ascii_start();
        if trimmed.starts_with(b"<") {
            Self::Xml
        } else if text
            .windows(deja_view::SEPARATOR.len())
            .any(|w| w == deja_view::SEPARATOR.as_bytes())
        {
            Self::DejaView
        } else {
            Self::Text
        }
    }
}

/// Bounds on what one record may make a reader hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// One record: an `<Event>` element, a text record, a `-++-` line (8 MiB: ASP.NET cuts
    /// each of an event's 31 strings at 32,766 characters).
    pub max_record: usize,
    /// One line of a text export (1 MiB).
    pub max_line: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_record: 8 << 20,
            max_line: 1 << 20,
        }
    }
}

/// What a reader hands on for each record, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// An ASP.NET event.
    Event(Box<Event>),
    /// A record that is not one, and why.
    Skipped(Skipped),
}

/// A record skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Skipped {
    /// Where it was.
    pub origin: Origin,
    /// Why.
    #[serde(flatten)]
    pub reason: SkipReason,
}

/// A record as a reader found it.
pub(crate) enum Entry {
    Raw(Box<model::RawRecord>, Option<u64>),
    Malformed(String, Option<u64>),
    TooLarge(usize, Option<u64>),
}

/// Numbers the records and turns them into items.
pub(crate) struct Sink<'a> {
    index: u64,
    emit: &'a mut dyn FnMut(Item),
}

impl<'a> Sink<'a> {
    pub(crate) fn new(emit: &'a mut dyn FnMut(Item)) -> Self {
        Self { index: 0, emit }
    }

    pub(crate) fn push(&mut self, name: &str, entry: Entry) {
        self.index += 1;
        let origin = |position| Origin {
            source: name.to_owned(),
            index: self.index,
            position,
        };
        let item = match entry {
            Entry::Raw(raw, position) => match raw.into_event(origin(position)) {
                Ok(event) => Item::Event(Box::new(event)),
                Err(reason) => Item::Skipped(Skipped {
                    origin: origin(position),
                    reason,
                }),
            },
            Entry::Malformed(message, position) => Item::Skipped(Skipped {
                origin: origin(position),
                reason: SkipReason::Malformed { message },
            }),
            Entry::TooLarge(limit, position) => Item::Skipped(Skipped {
                origin: origin(position),
                reason: SkipReason::TooLarge { limit },
            }),
        };
        (self.emit)(item);
    }
}

/// Reads a text input (`format` XML, text or `-++-` lines) record by record and hands each
/// to `emit`. UTF-8 and UTF-16 (with or without a BOM) are read.
///
/// # Errors
/// [`EventsError::File`] when reading fails; [`EventsError::EvtxNotBuilt`] or
/// [`EventsError::Evtx`] for [`Format::Evtx`] (read those with [`read_path`] or
/// `read_evtx` (feature `evtx`), which need to seek).
///
/// # Example
/// ```
/// use machinekey::events::{Format, Item, Limits, read};
/// let text = "Event code: 3005\nEvent message: An unhandled exception has occurred.\n\
///             Exception type: CryptographicException\n\
///             Exception message: Padding is invalid and cannot be removed.\n";
/// let mut events = Vec::new();
/// read(text.as_bytes(), Format::Text, "pasted", &Limits::default(), |i| {
///     if let Item::Event(e) = i { events.push(e) }
/// })?;
/// assert_eq!(events[0].kind.label(), "exception/padding");
/// assert_eq!(events[0].event_id, Some(1309));
/// # Ok::<(), machinekey::events::EventsError>(())
/// ```
pub fn read<R: Read>(
    reader: R,
    format: Format,
    name: &str,
    limits: &Limits,
    mut emit: impl FnMut(Item),
) -> Result<(), EventsError> {
    let io = |source| EventsError::from(FileError::io(name, source));
    let mut sink = Sink::new(&mut emit);
    let buffered = BufReader::with_capacity(64 << 10, reader);
    let mut text = input::utf8_reader(buffered).map_err(io)?;
    match format {
        Format::Xml => xml::read(&mut *text, name, limits, &mut sink).map_err(io),
        Format::Text => text::read(&mut *text, name, limits, &mut sink).map_err(io),
        Format::DejaView => deja_view::read(&mut *text, name, limits, &mut sink).map_err(io),
        Format::Evtx => Err(EventsError::EvtxNotBuilt {
            source_name: name.to_owned(),
        }),
    }
}

/// Reads an `.evtx` stream record by record.
///
/// # Errors
/// [`EventsError::Evtx`] when the file is not an event log the `evtx` crate reads (records
/// it cannot read inside one are [`Item::Skipped`]).
///
/// # Example
/// ```
/// use machinekey::events::read_evtx;
/// let err = read_evtx(std::io::Cursor::new(b"not a log".to_vec()), "x.evtx", |_| {}).unwrap_err();
/// assert!(err.to_string().contains("not a readable .evtx file"));
/// ```
#[cfg(feature = "evtx")]
#[cfg_attr(docsrs, doc(cfg(feature = "evtx")))]
pub fn read_evtx<R: Read + std::io::Seek>(
    reader: R,
    name: &str,
    mut emit: impl FnMut(Item),
) -> Result<(), EventsError> {
    let mut sink = Sink::new(&mut emit);
    evtx_file::read(reader, name, &mut sink)
}

/// Reads a file of any supported format (found from its first bytes: [`Format::detect`]),
/// record by record. Returns the format.
///
/// # Errors
/// [`EventsError::File`] for a file that cannot be opened or read; the errors of [`read`] and
/// `read_evtx` (feature `evtx`).
///
/// # Example
/// ```no_run
/// use machinekey::events::{Analysis, Limits, read_path};
/// let mut analysis = Analysis::new();
/// read_path("Application.evtx".as_ref(), &Limits::default(), |item| analysis.add(&item))?;
/// println!("{}", analysis.finish());
/// # Ok::<(), machinekey::events::EventsError>(())
/// ```
pub fn read_path(
    path: &Path,
    limits: &Limits,
    emit: impl FnMut(Item),
) -> Result<Format, EventsError> {
    let name = path.display().to_string();
    let io = |source| EventsError::from(FileError::io(&name, source));
    let file = std::fs::File::open(path).map_err(io)?;
    let mut buffered = BufReader::with_capacity(64 << 10, file);
    let format = Format::detect(buffered.fill_buf().map_err(io)?);
    match format {
        #[cfg(feature = "evtx")]
        Format::Evtx => read_evtx(buffered, &name, emit)?,
        _ => read(buffered, format, &name, limits, emit)?,
    }
    Ok(format)
}
