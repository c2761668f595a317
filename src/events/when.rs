//! Times as event logs print them.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// A time read from a record, and whether it is UTC or the server's local time (`wevtutil
/// qe /f:text` prints local times without a zone; they are kept as given, read as if UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct EventTime {
    /// The instant (for a local time: the wall-clock reading taken as UTC).
    pub at: OffsetDateTime,
    /// Whether the log gave a local time without its zone.
    pub local: bool,
}

impl EventTime {
    /// Unix seconds.
    #[must_use]
    pub fn unix(&self) -> i64 {
        self.at.unix_timestamp()
    }
}

impl core::fmt::Display for EventTime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", format_time(self.at))?;
        if self.local {
            f.write_str(" (local)")?;
        }
        Ok(())
    }
}

impl serde::Serialize for EventTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.local {
            s.collect_str(&format_args!(
                "{}",
                format_time(self.at).trim_end_matches('Z')
            ))
        } else {
            s.collect_str(&format_time(self.at))
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]Z`, milliseconds only when not zero.
pub(crate) fn format_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    let ms = at.millisecond();
    let frac = if ms == 0 {
        String::new()
    } else {
        format!(".{ms:03}")
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{frac}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Digits at the start of `s`, as a number, and the rest.
fn number(s: &str, max_digits: usize) -> Option<(u32, &str)> {
    let end = s
        .char_indices()
        .find(|(_, c)| !c.is_ascii_digit())
        .map_or(s.len(), |(i, _)| i);
    if end == 0 || end > max_digits {
        return None;
    }
    let value = s.get(..end)?.parse().ok()?;
    Some((value, s.get(end..)?))
}

fn date(year: u32, month: u32, day: u32) -> Option<Date> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()
}

fn clock(hour: u32, minute: u32, second: u32, nanos: u32) -> Option<Time> {
    Time::from_hms_nano(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
        nanos,
    )
    .ok()
}

/// Reads `HH:MM:SS[.fraction]` and gives the time and the rest.
fn hms(s: &str) -> Option<(Time, &str)> {
    let (h, s) = number(s, 2)?;
    let (m, s) = number(s.strip_prefix(':')?, 2)?;
    let (sec, mut s) = number(s.strip_prefix(':')?, 2)?;
    let mut nanos = 0u32;
    if let Some(rest) = s.strip_prefix('.') {
        let end = rest
            .char_indices()
            .find(|(_, c)| !c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        let digits = rest.get(..end)?;
        for (i, c) in digits.chars().take(9).enumerate() {
            let d = c.to_digit(10)?;
            nanos += d * 10u32.pow(8 - u32::try_from(i).ok()?);
        }
        s = rest.get(end..)?;
    }
    Some((clock(h, m, sec, nanos)?, s))
}

/// An ISO 8601 time as event XML and `wevtutil` print it: `2016-01-07T23:15:03.0000000Z`,
/// python-evtx's `2016-01-07 23:15:03+00:00`, or a time without a zone (taken as local).
pub(crate) fn parse_iso(text: &str) -> Option<EventTime> {
    let s = text.trim();
    let (y, s) = number(s, 4)?;
    let (mo, s) = number(s.strip_prefix('-')?, 2)?;
    let (d, s) = number(s.strip_prefix('-')?, 2)?;
    let s = s.strip_prefix(['T', ' '])?;
    let (t, s) = hms(s)?;
    let naive = PrimitiveDateTime::new(date(y, mo, d)?, t);
    let s = s.trim();
    if s.is_empty() {
        return Some(EventTime {
            at: naive.assume_utc(),
            local: true,
        });
    }
    let offset = if s == "Z" || s == "z" {
        UtcOffset::UTC
    } else {
        let sign: i8 = match s.get(..1)? {
            "+" => 1,
            "-" => -1,
            _ => return None,
        };
        // ISO 8601's `hh:mm`, `hhmm` or `hh`.
        let rest = s.get(1..)?;
        let (hours, minutes) = match rest.split_once(':') {
            Some(parts) => parts,
            None if rest.len() == 4 => (rest.get(..2)?, rest.get(2..)?),
            None => (rest, "00"),
        };
        let whole =
            |part: &str| number(part, 2).and_then(|(value, rest)| rest.is_empty().then_some(value));
        let (oh, om) = (whole(hours)?, whole(minutes)?);
        UtcOffset::from_hms(
            sign * i8::try_from(oh).ok()?,
            sign * i8::try_from(om).ok()?,
            0,
        )
        .ok()?
    };
    Some(EventTime {
        at: naive.assume_offset(offset).to_offset(UtcOffset::UTC),
        local: false,
    })
}

/// A `DateTime.ToString()` of the server's culture, as ASP.NET writes `Event time (UTC)`:
/// en-US `M/d/yyyy h:mm:ss AM`, 24-hour `M/d/yyyy H:mm:ss`, `d.M.yyyy H:mm:ss`, or ISO.
/// Other cultures give `None`.
pub(crate) fn parse_culture(text: &str, utc: bool) -> Option<EventTime> {
    let s = text.trim();
    if let Some(t) = parse_iso(s) {
        return Some(EventTime {
            local: !utc && t.local,
            ..t
        });
    }
    let (a, rest) = number(s, 4)?;
    let sep = rest.chars().next()?;
    if sep != '/' && sep != '.' {
        return None;
    }
    let (b, rest) = number(rest.get(1..)?, 2)?;
    let (year, rest) = number(rest.strip_prefix(sep)?, 4)?;
    let (month, day) = if sep == '/' { (a, b) } else { (b, a) };
    let (t, rest) = hms(rest.trim_start())?;
    let rest = rest.trim();
    let mut hour = u32::from(t.hour());
    match rest {
        "" => {}
        "AM" | "am" if (1..=12).contains(&hour) => hour %= 12,
        "PM" | "pm" if (1..=12).contains(&hour) => hour = hour % 12 + 12,
        _ => return None,
    }
    let t = clock(
        hour,
        u32::from(t.minute()),
        u32::from(t.second()),
        t.nanosecond(),
    )?;
    Some(EventTime {
        at: PrimitiveDateTime::new(date(year, month, day)?, t).assume_utc(),
        local: !utc,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_the_forms_logs_print() {
        let t = parse_iso("2016-01-07T23:15:03.0000000Z").unwrap();
        assert_eq!((t.unix(), t.local), (1_452_208_503, false));
        assert_eq!(
            parse_iso("2016-01-07 23:15:03+00:00").unwrap().unix(),
            1_452_208_503
        );
        assert_eq!(
            parse_iso("2016-01-08 00:15:03+01:00").unwrap().unix(),
            1_452_208_503
        );
        assert!(parse_iso("2020-12-14T17:09:08.940").unwrap().local);
        assert_eq!(
            format_time(parse_iso("2016-01-07T23:15:04.4453125Z").unwrap().at),
            "2016-01-07T23:15:04.445Z"
        );
        let t = parse_culture("10/7/2007 12:47:36 PM", true).unwrap();
        assert_eq!(format_time(t.at), "2007-10-07T12:47:36Z");
        assert_eq!(
            format_time(parse_culture("10/7/2007 12:47:36 AM", true).unwrap().at),
            "2007-10-07T00:47:36Z"
        );
        assert_eq!(
            format_time(parse_culture("7.10.2007 14:47:36", true).unwrap().at),
            "2007-10-07T14:47:36Z"
        );
        for bad in [
            "",
            "13/45/2007 1:00:00",
            "2016-02-30T00:00:00Z",
            "1/1/2000 13:00:00 PM",
            "99999999999",
        ] {
            assert!(parse_culture(bad, true).is_none(), "{bad}");
        }
    }
}
