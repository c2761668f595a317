//! `machinekey events`: event logs read, the ViewStates they logged opened, the report.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use machinekey::MachineKeyConfig;
use machinekey::events::{self, Analysis, Item, Limits, Opened, Opener, batch_line};

use crate::input::known_lists;
use crate::output::{Failure, Output};

/// The key list: the built-in list, `--keys` files, and the explicit keys of `--web-config`.
fn key_list(
    keys: &[String],
    web_config: Option<&str>,
) -> Result<machinekey::audit::KeyList, Failure> {
    let (mut list, _) = known_lists(keys)?;
    if let Some(file) = web_config {
        let text = std::fs::read_to_string(file).map_err(|e| Failure::io(file, &e))?;
        let cfg = MachineKeyConfig::from_web_config(&text)
            .map_err(|e| Failure::usage(format!("{file}: {e}")))?;
        let (vk, dk) = (
            cfg.validation_key_text().expose_secret(),
            cfg.decryption_key_text().expose_secret(),
        );
        if vk.contains("AutoGenerate") || dk.contains("AutoGenerate") {
            return Err(Failure::usage(format!(
                "{file}: its <machineKey> is AutoGenerate: the keys are in the server's key store, not the file"
            )));
        }
        list.load(&format!("{vk},{dk}\n"), file);
    }
    Ok(list)
}

/// One opened ViewState, for people.
fn opened_text(e: &events::Event, o: &Opened) -> String {
    let mut t = format!(
        "{} {} {} client {} page {}\n  {}: {}\n",
        e.origin,
        e.time.map(|t| t.to_string()).unwrap_or_else(|| "?".into()),
        e.machine.as_deref().unwrap_or("?"),
        e.client_address.as_deref().unwrap_or("?"),
        e.page_path
            .as_deref()
            .or(e.request_path.as_deref())
            .unwrap_or("?"),
        o.state,
        o.note
    );
    if o.truncated_by_event_log {
        t.push_str("  the event log cut this ViewState at 32,766 characters: it cannot verify\n");
    }
    if !o.gadgets.is_empty() {
        let mut names: Vec<String> = o.gadgets.iter().map(|g| g.gadget.to_string()).collect();
        names.dedup();
        let _ = writeln!(
            t,
            "  WARNING: deserialization gadgets: {}",
            names.join(", ")
        );
    }
    for x in &o.executables {
        let _ = writeln!(
            t,
            "  WARNING: Windows executable ({} {}{}) in the {} at offset {}, {} bytes{}, SHA-256 {}",
            x.format,
            x.machine,
            if x.dll { " DLL" } else { "" },
            match x.container {
                events::pe::Container::Bytes => "payload bytes",
                events::pe::Container::Base64 => "Base64 text of the payload",
            },
            x.offset,
            x.size,
            if x.truncated { " (truncated)" } else { "" },
            x.sha256
        );
    }
    t
}

pub(crate) fn run(
    files: &[String],
    keys: &[String],
    web_config: Option<&str>,
    plot: Option<&str>,
    extract: Option<&str>,
    json: bool,
) -> Result<Output, Failure> {
    let opener = Opener::new(key_list(keys, web_config)?);
    if let Some(dir) = extract {
        std::fs::create_dir_all(dir).map_err(|e| Failure::io(dir, &e))?;
    }
    let mut analysis = Analysis::new();
    let mut out = std::io::stdout().lock();
    let mut text = String::new();
    let mut failure: Option<Failure> = None;
    for file in files {
        events::read_path(Path::new(file), &Limits::default(), |item| {
            if let Item::Event(e) = &item {
                let opened = opener.open(e);
                if let Some(o) = &opened {
                    o.record(e, &mut analysis);
                }
                if let (Some(dir), Some(o)) = (extract, &opened) {
                    for x in &o.executables {
                        let path = Path::new(dir).join(format!("{}.bin", x.sha256));
                        if let Err(err) = std::fs::write(&path, &x.bytes) {
                            failure.get_or_insert(Failure::io(&path.display().to_string(), &err));
                        }
                    }
                }
                if json {
                    let _ = writeln!(out, "{}", batch_line(e, opened.as_ref()));
                } else if let Some(o) = &opened {
                    text.push_str(&opened_text(e, o));
                }
            }
            analysis.add(&item);
        })
        .map_err(|e| Failure::usage(e.to_string()))?;
    }
    if let Some(f) = failure {
        return Err(f);
    }
    let report = analysis.finish();
    if let Some(path) = plot {
        let title = report
            .summary
            .by_machine
            .iter()
            .map(|m| m.name.as_str())
            .take(4)
            .collect::<Vec<_>>()
            .join(", ");
        let svg = events::plot::svg(&report, &title).map_err(|e| Failure::usage(e.to_string()))?;
        std::fs::write(path, svg).map_err(|e| Failure::io(path, &e))?;
    }
    if json {
        // The report as one last line `audit --batch` echoes (a label, no value).
        let line = serde_json::json!({ "id": { "report": report }, "label": "events_report" });
        let _ = writeln!(out, "{line}");
        return Ok(Output::streamed());
    }
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(&report.to_string());
    Output::new(text.trim_end(), &report)
}
