//! The event-log readers on arbitrary input: never a panic, every record either an event or
//! a skipped record with its reason, and a stream read in any piece size gives the same
//! items as the whole.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::events::{self, Analysis, Format, Item, Limits};
use proptest::prelude::*;

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

fn items(data: &[u8], format: Format, step: usize) -> Vec<Item> {
    let mut out = Vec::new();
    events::read(Trickle(data, step), format, "p", &Limits::default(), |i| {
        out.push(i)
    })
    .unwrap();
    out
}

/// Pieces of event records, glued at random.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>".to_owned()),
        Just("<System><Provider Name='ASP.NET 4.0.30319.0'/><EventID>1316</EventID>".to_owned()),
        Just(
            "<TimeCreated SystemTime='2024-03-01T09:00:00Z'/><Computer>W</Computer></System>"
                .to_owned()
        ),
        Just("<EventData><Data>4009</Data><Data>x</Data></EventData></Event>".to_owned()),
        Just(
            "Event[0]:\n  Source: ASP.NET 4.0.30319.0\n  Event ID: 1309\n  Description:\n"
                .to_owned()
        ),
        Just(
            "Event code: 3005\nException message: Unable to validate data.\nProcess ID: 7\n"
                .to_owned()
        ),
        Just("1316 | Information | Event code: 4009-++-m-++-".to_owned()),
        "[ -~\n]{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn readers_never_panic_and_stream_like_the_whole(parts in prop::collection::vec(piece(), 0..12), step in 1usize..70) {
        let text = parts.concat();
        for format in [Format::Xml, Format::Text, Format::DejaView] {
            let whole = items(text.as_bytes(), format, usize::MAX);
            let trickled = items(text.as_bytes(), format, step);
            prop_assert_eq!(&whole, &trickled);
            let mut analysis = Analysis::new();
            for i in &whole {
                analysis.add(i);
            }
            let report = analysis.finish();
            let skipped: u64 = report.summary.skipped.values().sum();
            prop_assert_eq!(report.summary.events + skipped, whole.len() as u64);
        }
    }

    #[test]
    fn random_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..400)) {
        for format in [Format::Xml, Format::Text, Format::DejaView] {
            let _ = items(&data, format, 7);
        }
        let _ = Format::detect(&data);
        let _ = events::pe::find(&data);
        let _ = machinekey::formats::osf::mono::read(&data);
    }
}
