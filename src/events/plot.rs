//! An SVG chart of a [`Report`]: failures per worker process (one line each, named
//! `machine/pid process`, servers told apart by their colour family) over time, with the
//! installer runs (red, dashed) and `aspnet_regiis -ga` (green, dashed) marked, so an
//! operator sees at a glance which processes started failing when, and when they stopped.
//! Drawn with plotters' SVG backend (no fonts needed: the SVG names a sans-serif family).
//!
//! # Example
//! ```
//! use machinekey::events::{Analysis, Format, Limits, plot, read};
//! let mut analysis = Analysis::new();
//! read("Event code: 3005\nException message: Unable to validate data.\nMachine name: WEB01\nProcess ID: 4012\nProcess name: w3wp.exe\nEvent time (UTC): 3/1/2024 9:05:00 AM\n".as_bytes(),
//!      Format::Text, "x", &Limits::default(), |i| analysis.add(&i))?;
//! let svg = plot::svg(&analysis.finish(), "WEB01")?;
//! assert!(svg.starts_with("<svg") && svg.contains("WEB01/4012 w3wp.exe"));
//! # Ok::<(), machinekey::events::EventsError>(())
//! ```

use std::collections::BTreeMap;

use plotters::prelude::*;

use super::EventsError;
use super::analysis::Report;
use super::when::format_time;

/// Time bins across the chart.
const BINS: i64 = 40;

fn plot_err<E: std::fmt::Display>(e: E) -> EventsError {
    EventsError::Plot(e.to_string())
}

/// The colour of worker `i` of machine `m`: each machine its own hue, its workers shades.
fn colour(machine: usize, worker: usize) -> RGBColor {
    const HUES: [(u8, u8, u8); 6] = [
        (31, 119, 180),
        (255, 127, 14),
        (148, 103, 189),
        (140, 86, 75),
        (23, 190, 207),
        (188, 189, 34),
    ];
    let (r, g, b) = HUES.get(machine % HUES.len()).copied().unwrap_or((0, 0, 0));
    let shade = |c: u8| -> u8 {
        let step = u8::try_from((worker % 4) * 40).unwrap_or(0);
        c.saturating_sub(step)
    };
    RGBColor(shade(r), shade(g), shade(b))
}

/// The chart as SVG text, 1000 by 560 pixels.
///
/// # Errors
/// [`EventsError::Plot`] if plotters fails to draw.
pub fn svg(report: &Report, title: &str) -> Result<String, EventsError> {
    let marks: Vec<(i64, bool, String)> = report
        .timeline
        .marks
        .iter()
        .filter_map(|m| {
            let t = m.time?;
            let ms = i64::try_from(t.at.unix_timestamp_nanos() / 1_000_000).ok()?;
            let grant = m.what.starts_with("grant_access");
            let label = if grant {
                format!(
                    "aspnet_regiis -ga {}",
                    m.detail.as_deref().unwrap_or_default()
                )
            } else {
                format!("installer {}", m.what.trim_start_matches("installer/"))
            };
            Some((ms, grant, label))
        })
        .collect();
    let times = report
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|(t, _)| *t))
        .chain(marks.iter().map(|m| m.0));
    let (lo, hi) = times.fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
    let (lo, hi) = if lo > hi { (0, 60_000) } else { (lo, hi) };
    let span = (hi - lo).max(60_000);
    let width = (span / BINS).max(1000);
    // A margin of a tenth of the span on each side, so marks at either end show.
    let pad = span / 10;
    let (lo, hi) = (lo - pad, hi + pad);
    // Each series in bins.
    let mut machines: BTreeMap<&str, usize> = BTreeMap::new();
    let mut lines = Vec::new();
    let mut y_max = 1u64;
    for s in &report.series {
        let m = machines.len();
        let mi = *machines.entry(s.machine.as_str()).or_insert(m);
        let n = usize::try_from((hi - lo) / width + 2).unwrap_or(64);
        let mut bins = vec![0u64; n];
        for (t, n) in &s.points {
            let i = usize::try_from((t - lo) / width).unwrap_or(0);
            if let Some(b) = bins.get_mut(i) {
                *b += n;
            }
        }
        y_max = y_max.max(bins.iter().copied().max().unwrap_or(0));
        let worker_no = lines.iter().filter(|(_, m, _)| *m == mi).count();
        lines.push((s.worker.clone(), mi, (bins, colour(mi, worker_no))));
    }
    let y_top = y_max + y_max / 2 + 1;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (1000, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("ASP.NET failures per worker process: {title}"),
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(lo..hi, 0u64..y_top)
            .map_err(plot_err)?;
        let time_label = |t: &i64| {
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(*t) * 1_000_000)
                .map(|at| {
                    let s = format_time(at);
                    s.get(..16).unwrap_or(&s).replace('T', " ")
                })
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .x_labels(6)
            .x_label_formatter(&time_label)
            .y_desc(format!("failures per {} s", width / 1000))
            .x_desc("time (UTC)")
            .draw()
            .map_err(plot_err)?;
        for (name, _, (bins, colour)) in &lines {
            let points = bins
                .iter()
                .enumerate()
                .map(|(i, n)| (lo + i64::try_from(i).unwrap_or(0) * width + width / 2, *n));
            let style = colour.stroke_width(2);
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(plot_err)?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
        let mut last_label: Option<(i64, bool)> = None;
        for (t, grant, label) in &marks {
            let c = if *grant {
                RGBColor(0, 150, 0)
            } else {
                RGBColor(210, 0, 0)
            };
            // One label for marks of one kind close together (an installer's start and
            // finish); labels in the right half are drawn to the left of their line.
            let crowded = last_label.is_some_and(|(lt, lg)| lg == *grant && t - lt < span / 20);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(*t, 0), (*t, y_top)],
                    6,
                    4,
                    c.stroke_width(2),
                ))
                .map_err(plot_err)?;
            if crowded {
                continue;
            }
            last_label = Some((*t, *grant));
            let anchor = if *t > lo + (hi - lo) / 2 {
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Right,
                    plotters::style::text_anchor::VPos::Top,
                )
            } else {
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Left,
                    plotters::style::text_anchor::VPos::Top,
                )
            };
            let text = format!(" {label} ");
            chart
                .draw_series(std::iter::once(Text::new(
                    text,
                    (*t, y_top),
                    ("sans-serif", 13).into_font().color(&c).pos(anchor),
                )))
                .map_err(plot_err)?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperMiddle)
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(out)
}
