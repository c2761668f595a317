//! `.evtx` files, read with the `evtx` crate (its BinXML reader renders each record as event
//! XML, which [`super::xml`] reads like any other). Chunks are parsed on all cores; records
//! come out in log order. A chunk or record the crate cannot read is a skipped record with
//! the crate's reason; reading goes on with the next.

use std::io::{Read, Seek};

use super::xml::parse_record;
use super::{Entry, EventsError, Sink};

/// Reads every record of an `.evtx` stream.
pub(crate) fn read<R: Read + Seek>(
    reader: R,
    name: &str,
    sink: &mut Sink<'_>,
) -> Result<(), EventsError> {
    let settings = evtx::ParserSettings::new().num_threads(0);
    let mut parser = evtx::EvtxParser::from_read_seek(reader)
        .map_err(|e| EventsError::Evtx {
            source_name: name.to_owned(),
            message: e.to_string(),
        })?
        .with_configuration(settings);
    for record in parser.records() {
        let entry = match record {
            Ok(r) => match parse_record(r.data.as_bytes()) {
                Ok(mut raw) => {
                    raw.record_id = raw.record_id.or(Some(r.event_record_id));
                    Entry::Raw(Box::new(raw), None)
                }
                Err(m) => Entry::Malformed(m, None),
            },
            Err(e) => Entry::Malformed(e.to_string(), None),
        };
        sink.push(name, entry);
    }
    Ok(())
}
