//! One function per command: read the inputs, call the library, shape the output. No
//! cryptography, policy or story lives here.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use machinekey::audit::{Auditor, Blob, Finding, KeyList, KnownKey};
use machinekey::compat::Outcome;
use machinekey::config::lint::{Summary, lint_resolved};
use machinekey::config::stack::ResolvedConfig;
use machinekey::config::{KeyAttribute, MachineKeyAttribute, Section, Setting};
use machinekey::crypto::encoding::{to_base64, to_upper_hex, url_token_encode};
use machinekey::formats::GeneratorHash;
use machinekey::formats::nrbf::gadgets;
use machinekey::formats::osf;
use machinekey::formats::viewstate::ViewStateProtection;
use machinekey::random::OsRandom;
use machinekey::sim::Era;
use machinekey::sim::scenarios::{WebGardenSettings, table, web_garden};
use machinekey::time::OffsetDateTime;
use machinekey::{FormsAuthenticationTicket, Page, TicketValidation};
use serde::Serialize;
use serde_json::json;

use crate::args::{
    Command, EraArg, PageStateCommand, ResourceCommand, SimulateCommand, TicketCommand,
};
use crate::input::node;
use crate::input::{
    app_keys, cookie_protection, first_reading, framework, keys_files, known_lists,
    machine_key_lists, machine_key_protection, open_lists, pages, parse_generator, payload,
    resolve, resource_kind, scan_list, value_readings,
};
use crate::output::{Failure, Output};

/// Runs one command.
pub(crate) fn run(command: &Command, json: bool) -> Result<Output, Failure> {
    match command {
        Command::Generate {
            validation,
            decryption,
        } => {
            let cfg =
                machinekey::keys::generate(validation.parse()?, decryption.parse()?, &OsRandom)?;
            let xml = cfg.to_machine_key_element();
            Output::new(xml.clone(), &json!({ "machineKey": xml }))
        }
        Command::Config {
            file,
            app_path,
            levels,
            framework: fw,
            keys,
            strict,
        } => {
            let resolved = resolve(levels, file, app_path, framework(*fw))?;
            config(&resolved, keys, *strict)
        }
        Command::Viewstate { command } => page_state(command, false),
        Command::Eventvalidation { command } => page_state(command, true),
        Command::Ticket { command } => ticket(command),
        Command::Resource { command } => match command {
            ResourceCommand::Encrypt { keys, kind, text } => {
                let token = app_keys(keys)?.encrypt_resource_string(text, resource_kind(*kind))?;
                Output::new(token.clone(), &json!({ "token": token }))
            }
            ResourceCommand::Decrypt { keys, kind, token } => {
                let k = app_keys(keys)?;
                let text = first_reading(token, |bytes| {
                    k.decrypt_resource_string(&url_token_encode(bytes), resource_kind(*kind))
                })?;
                Output::new(text.clone(), &json!({ "text": text }))
            }
        },
        Command::Protect {
            keys,
            purposes,
            payload: p,
        } => {
            let blob = app_keys(keys)?.protect(&payload(p)?, purposes)?;
            hex_output(&blob, "protected_hex")
        }
        Command::Unprotect {
            keys,
            purposes,
            value,
        } => {
            let k = app_keys(keys)?;
            let data = first_reading(value, |bytes| k.unprotect(bytes, purposes))?;
            hex_output(&data, "data_hex")
        }
        Command::Encode {
            keys,
            protection,
            payload: p,
        } => {
            let text =
                app_keys(keys)?.encode(&payload(p)?, machine_key_protection(*protection)?)?;
            Output::new(text.clone(), &json!({ "encoded": text }))
        }
        Command::Decode {
            keys,
            protection,
            value,
        } => {
            let k = app_keys(keys)?;
            let protection = machine_key_protection(*protection)?;
            let data = first_reading(value, |bytes| k.decode(&to_upper_hex(bytes), protection))?;
            hex_output(&data, "data_hex")
        }
        Command::Audit {
            keys,
            generator,
            url,
            user_keys,
            event_validation,
            cookie,
            resource,
            protected,
            purposes,
            owin_cookie,
            owin_oauth,
            show_keys,
            key_rings,
            app_names,
            app_names_file,
            batch,
            value,
        } => {
            let files = keys_files(keys)?;
            let machine_key = machine_key_lists(&files);
            let sources = crate::dataprotection::AuditSources {
                keys: &files,
                rings: key_rings,
                app_names: crate::input::app_names(app_names, app_names_file.as_deref())?,
                purposes,
                url: url.as_deref(),
            };
            if let Some(file) = batch {
                return audit_batch(
                    &machine_key,
                    &sources,
                    file,
                    *show_keys,
                    !json && std::io::IsTerminal::is_terminal(&std::io::stderr()),
                );
            }
            let value = value
                .as_deref()
                .ok_or_else(|| Failure::usage("give a VALUE or --batch FILE"))?;
            let text = crate::input::argument_text(value)?;
            if !key_rings.is_empty() || machinekey::dataprotection::looks_like_payload(&text) {
                return crate::dataprotection::audit(&text, &sources, *show_keys);
            }
            // Data Protection lists given with a <machineKey> value are still read: a broken
            // one is reported, not ignored.
            if machine_key.len() < files.len() {
                crate::dataprotection::auditor(&sources)?;
            }
            let owin_purposes: Vec<String>;
            let oauth_text: String;
            let (purposes, text) = match (owin_cookie, owin_oauth) {
                (Some(t), _) => {
                    owin_purposes = vec![
                        machinekey::formats::auth_cookie::OWIN_PURPOSE.to_owned(),
                        t.clone(),
                        "v1".to_owned(),
                    ];
                    (&owin_purposes, text.as_str())
                }
                (None, Some(k)) => {
                    owin_purposes = crate::logins::oauth_kind(k)?
                        .purposes()
                        .iter()
                        .map(|p| (*p).to_owned())
                        .collect();
                    oauth_text = crate::logins::oauth_token_text(&text);
                    (&owin_purposes, oauth_text.as_str())
                }
                (None, None) => (purposes, text.as_str()),
            };
            let kind = if *cookie {
                BlobKind::Cookie
            } else if owin_cookie.is_some() || owin_oauth.is_some() {
                BlobKind::Protected
            } else if *resource {
                BlobKind::Resource
            } else if *protected {
                BlobKind::Protected
            } else if *event_validation {
                BlobKind::EventValidation
            } else {
                BlobKind::ViewState
            };
            let generator = generator.as_deref().map(parse_generator).transpose()?;
            let query = AuditQuery {
                kind,
                generator,
                url: url.as_deref(),
                user_keys,
                purposes,
            };
            audit(
                &machine_key,
                &query,
                text,
                *show_keys,
                !json && std::io::IsTerminal::is_terminal(&std::io::stderr()),
            )
        }
        Command::Dataprotection { command } => crate::dataprotection::run(command),
        Command::Diagnose {
            logs,
            key_rings,
            app_name,
            replicas,
            persistence,
            session_store,
            values,
        } => crate::diagnose::run(&crate::diagnose::Request {
            logs,
            key_rings,
            app_name: app_name.as_deref(),
            replicas: *replicas,
            persistence: *persistence,
            session_store: *session_store,
            values,
        }),
        Command::Compare { nodes } => compare(nodes),
        Command::Iis {
            path,
            bundle,
            iis,
            keys,
            strict,
        } => {
            let path = path
                .as_deref()
                .or(bundle.as_deref())
                .ok_or_else(|| Failure::usage("give PATH or --bundle DIR"))?;
            crate::iis::run(path, iis, keys, *strict)
        }
        Command::Simulate {
            iis: Some(path),
            iis_args,
            pool,
            requests,
            seed,
            ..
        } => crate::iis::simulate(path, iis_args, pool.as_deref(), *requests, *seed),
        Command::Ui { port } => serve_ui(*port),
        Command::Carve {
            files,
            url,
            forms_cookie_name,
        } => carve(files, url.as_deref(), forms_cookie_name),
        Command::Events {
            files,
            keys,
            web_config,
            plot,
            extract,
        } => crate::events::run(
            files,
            keys,
            web_config.as_deref(),
            plot.as_deref(),
            extract.as_deref(),
            json,
        ),
        Command::Simulate {
            scenario: Some(file),
            ..
        } => {
            let scenario = machinekey::sim::scenario::AnyScenario::read(std::path::Path::new(file))
                .map_err(|e| Failure::usage(format!("{file}: {e}")))?;
            let report = scenario
                .run()
                .map_err(|e| Failure::usage(format!("{file}: {e}")))?;
            Output::new(report.table().trim_end(), &report)
        }
        Command::Simulate { command, .. } => {
            match command.as_ref().unwrap_or(&SimulateCommand::WebGarden {
                workers: 3,
                requests: 3000,
                seed: 2026,
                era: None,
            }) {
                core @ SimulateCommand::Core { .. } => crate::diagnose::simulate_core(core),
                SimulateCommand::WebGarden {
                    workers,
                    requests,
                    seed,
                    era,
                } => {
                    let eras = match era {
                        Some(EraArg::Net20) => vec![Era::Net20],
                        Some(EraArg::Net48) => vec![Era::Net48],
                        None => vec![Era::Net20, Era::Net48],
                    };
                    let stories = eras
                        .into_iter()
                        .map(|era| {
                            web_garden(WebGardenSettings {
                                era,
                                workers: *workers,
                                requests: *requests,
                                seed: *seed,
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    Output::new(table(&stories).trim_end(), &stories)
                }
            }
        }
    }
}

fn compare(specs: &[String]) -> Result<Output, Failure> {
    use machinekey::compat::{StateKind, matrix};
    let nodes = specs
        .iter()
        .enumerate()
        .map(|(i, s)| match crate::iis::node_spec(s) {
            Some(iis) => iis,
            None => node(s, i),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let comparisons = matrix(&nodes)?;
    let width = comparisons
        .iter()
        .map(|c| c.from.len() + c.to.len() + 3)
        .max()
        .unwrap_or(10)
        .max(10);
    let mut text = format!("{:<width$}", "from -> to");
    for kind in StateKind::ALL {
        text.push_str(&format!("  {:>18}", kind.as_str()));
    }
    text.push('\n');
    for c in &comparisons {
        text.push_str(&format!("{:<width$}", format!("{} -> {}", c.from, c.to)));
        for v in &c.verdicts {
            let cell = match v.outcome {
                Outcome::Read => "reads",
                Outcome::Refused => "FAILS",
                _ => "n/a",
            };
            text.push_str(&format!("  {cell:>18}"));
        }
        text.push('\n');
    }
    for c in comparisons.iter().filter(|c| !c.all_readable()) {
        text.push_str(&format!("\n{} -> {}:\n", c.from, c.to));
        let mut seen: Vec<(String, Vec<&str>)> = Vec::new();
        for v in c.verdicts.iter().filter(|v| v.outcome == Outcome::Refused) {
            for r in &v.reasons {
                let message = r.to_string();
                match seen.iter_mut().find(|(m, _)| *m == message) {
                    Some((_, kinds)) => kinds.push(v.kind.as_str()),
                    None => seen.push((message, vec![v.kind.as_str()])),
                }
            }
        }
        for (message, kinds) in seen {
            text.push_str(&format!("  {}: {message}\n", kinds.join(", ")));
        }
    }
    let mut out = Output::new(text.trim_end(), &comparisons)?;
    if comparisons.iter().any(|c| !c.all_readable()) {
        out.code = 1;
    }
    Ok(out)
}

/// `carve`: JSON lines, one per value found.
fn carve(files: &[String], url: Option<&str>, forms_cookie_name: &str) -> Result<Output, Failure> {
    use machinekey::audit::carve::{CarveOptions, carve};
    use machinekey::audit::warc::{WarcItem, WarcLimits, carve_warc};
    use std::io::{BufRead as _, Read as _, Write as _};
    let options = CarveOptions {
        forms_cookie_name: forms_cookie_name.to_owned(),
    };
    let mut out = std::io::stdout().lock();
    let mut closed = false;
    let total = files
        .iter()
        .map(|f| crate::progress::input_size(f))
        .sum::<Option<u64>>();
    let progress = crate::progress::Progress::new(total, 0, true);
    let mut blobs = 0u64;
    for file in files {
        let source: Box<dyn std::io::Read> = if file == "-" {
            Box::new(progress.reader(std::io::stdin().lock()))
        } else {
            Box::new(progress.reader(std::fs::File::open(file).map_err(|e| Failure::io(file, &e))?))
        };
        let mut reader = std::io::BufReader::with_capacity(64 << 10, source);
        let head = reader.fill_buf().map_err(|e| Failure::io(file, &e))?;
        if head.starts_with(b"WARC/") || head.starts_with(&[0x1F, 0x8B]) {
            // A WARC or .warc.gz: streamed record by record, errors as lines of their own.
            carve_warc(reader, file, &options, &WarcLimits::default(), |item| {
                if closed {
                    return;
                }
                blobs += 1;
                progress.update(blobs, 0);
                let line = match item {
                    WarcItem::Item(i) => serde_json::to_string(&i),
                    WarcItem::Error(e) => serde_json::to_string(&serde_json::json!({
                        "error": { "code": "warc_record", "message": e.message, "offset": e.offset },
                        "source": e.source,
                    })),
                    _ => return,
                };
                if let Ok(line) = line {
                    closed = writeln!(out, "{line}").is_err();
                }
            })
            .map_err(|e| Failure::io(file, &e))?;
            if closed {
                return Ok(Output::streamed());
            }
            continue;
        }
        let mut bytes = Vec::new();
        reader
            .take(crate::input::MAX_INPUT + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::io(file, &e))?;
        if bytes.len() as u64 > crate::input::MAX_INPUT {
            return Err(Failure::usage(format!(
                "{file}: larger than the {} MiB input limit (WARC files are streamed whatever their size)",
                crate::input::MAX_INPUT >> 20
            )));
        }
        let text = String::from_utf8_lossy(&bytes);
        for item in carve(&text, file, url, &options) {
            blobs += 1;
            progress.update(blobs, 0);
            let line = serde_json::to_string(&item).map_err(|e| Failure::usage(e.to_string()))?;
            if writeln!(out, "{line}").is_err() {
                return Ok(Output::streamed());
            }
        }
    }
    progress.finish();
    let _ = out.flush();
    Ok(Output::streamed())
}

/// The longest batch line read (16 MiB: a ViewState of ysoserial size fits many times over).
const MAX_BATCH_LINE: u64 = 16 << 20;

/// Lines of `reader`, each at most [`MAX_BATCH_LINE`] bytes; a longer one ends the run with
/// an error naming its number and the limit.
fn bounded_lines(
    mut reader: Box<dyn std::io::BufRead>,
) -> impl Iterator<Item = Result<String, Failure>> {
    use std::io::{BufRead as _, Read as _};
    let mut number = 0usize;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        number += 1;
        let mut line = Vec::new();
        let read = (&mut reader)
            .take(MAX_BATCH_LINE + 1)
            .read_until(b'\n', &mut line);
        match read {
            Ok(0) => None,
            Ok(_) if line.len() as u64 > MAX_BATCH_LINE => {
                done = true;
                Some(Err(Failure::usage(format!(
                    "line {number} is longer than the {} MiB limit for a batch line",
                    MAX_BATCH_LINE >> 20
                ))))
            }
            Ok(_) => Some(Ok(String::from_utf8_lossy(&line).into_owned())),
            Err(e) => {
                done = true;
                Some(Err(Failure::usage(format!("line {number}: {e}"))))
            }
        }
    })
}

/// `audit --batch`: JSON lines in, JSON lines out, streamed. Data Protection values are
/// audited against the published keys and what `sources` adds.
fn audit_batch(
    lists: &[String],
    sources: &crate::dataprotection::AuditSources<'_>,
    file: &str,
    show_keys: bool,
    progress_bar: bool,
) -> Result<Output, Failure> {
    use std::io::Write as _;
    let (list, _) = known_lists(lists)?;
    let (dp, _) = crate::dataprotection::auditor(sources)?;
    let auditor = Auditor::from_list(list).with_data_protection(dp);
    let progress = crate::progress::Progress::new(
        crate::progress::input_size(file),
        u64::try_from(auditor.len()).unwrap_or(u64::MAX),
        progress_bar,
    );
    let reader: Box<dyn std::io::BufRead> = if file == "-" {
        Box::new(std::io::BufReader::new(
            progress.reader(std::io::stdin().lock()),
        ))
    } else {
        Box::new(std::io::BufReader::new(progress.reader(
            std::fs::File::open(file).map_err(|e| Failure::io(file, &e))?,
        )))
    };
    let mut found = 0u64;
    let mut out = std::io::stdout().lock();
    let mut lines = bounded_lines(reader);
    let mut failure = None;
    let lines = std::iter::from_fn(|| match lines.next()? {
        Ok(line) => Some(line),
        Err(f) => {
            failure = Some(f);
            None
        }
    });
    let mut blobs = 0u64;
    for result in auditor.audit_lines(lines) {
        found += u64::from(result.found);
        blobs += 1;
        progress.update(blobs, found);
        let mut line = serde_json::to_value(&result).map_err(|e| Failure::usage(e.to_string()))?;
        if show_keys {
            if let (Some(f), Some(obj)) = (&result.finding, line.as_object_mut()) {
                obj.insert(
                    "key".to_owned(),
                    serde_json::to_value(&f.key).unwrap_or_default(),
                );
            }
            if let (Some(v), Some(obj)) = (&result.data_protection, line.as_object_mut()) {
                obj.insert(
                    "data_protection".to_owned(),
                    crate::dataprotection::verdict_json(v, true),
                );
            }
        }
        if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
            break; // the reader went away: stop quietly
        }
    }
    progress.finish();
    match failure {
        Some(f) => Err(f),
        None => Ok(Output::streamed()),
    }
}

fn hex_output(bytes: &[u8], field: &str) -> Result<Output, Failure> {
    let hex = to_upper_hex(bytes);
    Output::new(hex.clone(), &json!({ field: hex }))
}

/// `config`'s output: the summary with origins and findings, and the forms and pages
/// settings.
#[derive(Serialize)]
struct ConfigView<'a> {
    #[serde(flatten)]
    summary: &'a Summary,
    forms: &'a machinekey::config::stack::FormsSettings,
    pages: &'a machinekey::config::stack::PagesSettings,
}

fn config(resolved: &ResolvedConfig, lists: &[String], strict: bool) -> Result<Output, Failure> {
    let (known, _) = known_lists(lists)?;
    let summary = lint_resolved(resolved, Some(&known))?;
    let from = |setting: Setting| {
        resolved
            .origin(setting)
            .map_or_else(|| "  (default)".to_owned(), |o| format!("  ({o})"))
    };
    let mode_from = resolved
        .origin(MachineKeyAttribute::CompatibilityMode)
        .or_else(|| resolved.origin(Setting::TARGET_FRAMEWORK))
        .map_or_else(|| "  (default)".to_owned(), |o| format!("  ({o})"));
    let mut text = format!(
        "mode: {}{mode_from}\nvalidation: {}{}\ndecryption: {}{}\n",
        summary.mode,
        summary.validation,
        from(MachineKeyAttribute::Validation.into()),
        summary.decryption,
        from(MachineKeyAttribute::Decryption.into()),
    );
    for (name, spec) in [
        (KeyAttribute::ValidationKey, summary.validation_key),
        (KeyAttribute::DecryptionKey, summary.decryption_key),
    ] {
        let source = match spec.source {
            machinekey::config::KeySource::AutoGenerate => "AutoGenerate",
            _ => "explicit",
        };
        text.push_str(&format!(
            "{name}: {source}{}{}{}\n",
            if spec.isolate_apps {
                ", IsolateApps"
            } else {
                ""
            },
            if spec.isolate_by_app_id {
                ", IsolateByAppId"
            } else {
                ""
            },
            from(name.into())
        ));
    }
    for (setting, origin) in &summary.origins {
        if setting.section() != Section::MachineKey {
            text.push_str(&format!("{setting}  ({origin})\n"));
        }
    }
    text.push_str(&format!(
        "forms: {} protection={} timeout={}min slidingExpiration={}\npages: enableViewStateMac={} viewStateEncryptionMode={}\n",
        resolved.forms.name,
        resolved.forms.protection,
        resolved.forms.timeout.whole_minutes(),
        resolved.forms.sliding_expiration,
        resolved.pages.enable_view_state_mac,
        resolved.pages.view_state_encryption_mode
    ));
    for l in &summary.lints {
        text.push_str(&format!("{}: {}\n", l.severity, l.message));
    }
    let view = ConfigView {
        summary: &summary,
        forms: &resolved.forms,
        pages: &resolved.pages,
    };
    let mut out = Output::new(text.trim_end(), &view)?;
    if strict && summary.has_warnings() {
        out.code = 1;
    }
    Ok(out)
}

fn page_state(command: &PageStateCommand, event_validation: bool) -> Result<Output, Failure> {
    match command {
        PageStateCommand::Generator { path, app_path } => {
            let page = Page::from_path(path, app_path)?;
            let g = format!("{:08X}", page.generator(GeneratorHash::default())?);
            Output::new(
                g.clone(),
                &json!({ "generator": g, "template_source_directory": page.template_source_directory(), "type_name": page.type_name() }),
            )
        }
        PageStateCommand::AppPath { path, generator } => {
            let apps = Page::app_paths_for_generator(path, parse_generator(generator)?);
            if apps.is_empty() {
                return Err(Failure::not_found(format!(
                    "no application level of {path} gives generator {generator} (a ClassName directive, or another page)"
                )));
            }
            Output::new(apps.join("\n"), &json!({ "app_paths": apps }))
        }
        PageStateCommand::Encode {
            keys,
            page,
            encrypt,
            payload: p,
        } => {
            let k = app_keys(keys)?;
            let page = pages(page, &keys.app_path)?
                .into_iter()
                .next()
                .ok_or_else(|| Failure::usage("no page"))?;
            let data = payload(p)?;
            let protection = if *encrypt {
                ViewStateProtection::Encrypted
            } else {
                ViewStateProtection::Signed
            };
            let field = if event_validation {
                k.encode_event_validation(&data, &page, protection)?
            } else {
                k.encode_viewstate(&data, &page, protection)?
            };
            let name = if event_validation {
                "eventvalidation"
            } else {
                "viewstate"
            };
            Output::new(field.clone(), &json!({ name: field }))
        }
        PageStateCommand::Inspect { value } => inspect(value),
        PageStateCommand::Decode {
            keys,
            page,
            tree,
            value,
        } => {
            let k = app_keys(keys)?;
            let pages = pages(page, &keys.app_path)?;
            let data = first_reading(value, |bytes| {
                let field = to_base64(bytes);
                let mut last = machinekey::Error::Unprotect;
                for page in &pages {
                    let opened = if event_validation {
                        k.decode_event_validation(&field, page)
                    } else {
                        k.decode_viewstate(&field, page)
                    };
                    match opened {
                        Ok(data) => return Ok(data),
                        Err(e) => last = e,
                    }
                }
                Err(last)
            })?;
            if *tree {
                tree_output(&data, "MAC verified")
            } else {
                hex_output(&data, "payload_hex")
            }
        }
    }
}

/// A verified payload as its tree: text for people, `{tree, gadgets, ...}` for tools.
fn tree_output(data: &[u8], verdict: &str) -> Result<Output, Failure> {
    let doc =
        osf::read(data).map_err(|e| Failure::usage(format!("the payload verified, but {e}")))?;
    let gadgets = gadgets::in_state(&doc.root);
    let mut text = format!("{verdict}\n{}", osf::render::text(&doc.root));
    if !doc.trailer.is_empty() {
        text.push_str(&format!(
            "{} bytes after the graph (ignored by ASP.NET)\n",
            doc.trailer.len()
        ));
    }
    text.push_str(&gadget_summary(&gadgets));
    Output::new(
        text.trim_end().to_owned(),
        &json!({
            "verdict": verdict,
            "payload_hex": to_upper_hex(data),
            "tree": doc.root,
            "trailer_len": doc.trailer.len(),
            "gadgets": gadgets,
        }),
    )
}

fn gadget_summary(found: &[gadgets::Finding]) -> String {
    if found.is_empty() {
        return String::new();
    }
    let mut names: Vec<String> = found.iter().map(|f| f.gadget.to_string()).collect();
    names.dedup();
    format!(
        "WARNING: this state carries deserialization gadget types ({}): an attack payload, not page state\n",
        names.join(", ")
    )
}

/// `viewstate inspect`: the tree of a field readable without keys.
fn inspect(value: &str) -> Result<Output, Failure> {
    for reading in value_readings(value)? {
        let Ok(doc) = osf::read(&reading.bytes) else {
            continue;
        };
        let verdict = match doc.trailer.len() {
            0 => "no MAC: sent with EnableViewStateMac=false, or forged".to_owned(),
            n => format!(
                "MAC not verified: {n} bytes after the graph ({}); give keys to `decode` to verify it",
                match n {
                    16 => "the length of an MD5 MAC",
                    20 => "the length of a SHA1 MAC",
                    32 => "the length of an HMACSHA256 MAC",
                    48 => "the length of an HMACSHA384 MAC",
                    64 => "the length of an HMACSHA512 MAC",
                    _ => "no MAC length ASP.NET uses",
                }
            ),
        };
        return tree_output(&reading.bytes, &verdict);
    }
    Err(Failure::not_found(
        "not an ObjectStateFormatter graph: encrypted, or Framework45; use `decode` with the keys, or `audit` to find them",
    ))
}

/// A ticket as printed: its fields, the dates as Unix seconds, and whether it has expired.
#[derive(Serialize)]
struct TicketView<'a> {
    #[serde(flatten)]
    ticket: &'a FormsAuthenticationTicket,
    issued_unix: i64,
    expires_unix: i64,
    expired: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    cookie: Option<&'a str>,
}

fn ticket_output(t: &FormsAuthenticationTicket, cookie: Option<&str>) -> Result<Output, Failure> {
    let view = TicketView {
        ticket: t,
        issued_unix: t.issue_date.unix_timestamp(),
        expires_unix: t.expiration.unix_timestamp(),
        expired: t.is_expired(OffsetDateTime::now_utc(), &TicketValidation::default()),
        cookie,
    };
    let mut text = String::new();
    if let Some(c) = cookie {
        text.push_str(c);
        text.push('\n');
    }
    text.push_str(&format!(
        "name: {}\nuser data: {}\nissued (unix): {}\nexpires (unix): {}{}\npersistent: {}\npath: {}\nversion: {}",
        t.name,
        t.user_data,
        view.issued_unix,
        view.expires_unix,
        if view.expired { " (expired)" } else { "" },
        t.is_persistent,
        t.cookie_path,
        t.version
    ));
    Output::new(text, &view)
}

fn ticket(command: &TicketCommand) -> Result<Output, Failure> {
    match command {
        TicketCommand::Encrypt {
            keys,
            name,
            user_data,
            minutes,
            persistent,
            cookie_path,
            protection,
        } => {
            let lifetime = machinekey::time::Duration::seconds(
                i64::try_from(minutes.saturating_mul(60)).unwrap_or(i64::MAX),
            );
            let now = OffsetDateTime::now_utc();
            // As DateTime.AddMinutes throws in ASP.NET: no expiry after .NET's last date.
            if now.checked_add(lifetime).is_none() {
                return Err(Failure::usage(
                    "the ticket would expire after .NET's last DateTime (9999-12-31)",
                ));
            }
            let mut t = FormsAuthenticationTicket::new(name, now, lifetime);
            t.user_data.clone_from(user_data);
            t.is_persistent = *persistent;
            t.cookie_path.clone_from(cookie_path);
            let cookie = app_keys(keys)?.encrypt_ticket(&t, cookie_protection(*protection))?;
            ticket_output(&t, Some(&cookie))
        }
        TicketCommand::Decrypt {
            keys,
            protection,
            require_valid,
            value,
        } => {
            let k = app_keys(keys)?;
            let policy = if *require_valid {
                TicketValidation::default()
            } else {
                TicketValidation::default().ignoring_expiry()
            };
            let t = first_reading(value, |bytes| {
                k.decrypt_ticket(
                    &to_upper_hex(bytes),
                    cookie_protection(*protection),
                    &policy,
                )
            })?;
            ticket_output(&t, None)
        }
        TicketCommand::Decode {
            keys,
            scheme,
            app_name,
            owin_oauth,
            require_valid,
            value,
        } => crate::logins::decode(&crate::logins::DecodeArgs {
            keys,
            scheme: scheme.as_deref(),
            app_name: app_name.as_deref(),
            oauth: owin_oauth.as_deref(),
            require_valid: *require_valid,
            value,
        }),
        TicketCommand::Encode(args) => crate::logins::encode(args),
        TicketCommand::Renew {
            keys,
            protection,
            if_old,
            value,
        } => {
            let k = app_keys(keys)?;
            let protection = cookie_protection(*protection);
            let t = first_reading(value, |bytes| {
                k.decrypt_ticket(
                    &to_upper_hex(bytes),
                    protection,
                    &TicketValidation::default(),
                )
            })?;
            let now = OffsetDateTime::now_utc();
            let renewed = if *if_old {
                t.renew_if_old(now)
            } else {
                Some(t.renewed(now))
            };
            match renewed {
                Some(r) => {
                    let cookie = k.encrypt_ticket(&r, protection)?;
                    ticket_output(&r, Some(&cookie))
                }
                None => Err(Failure::not_found(
                    "less than half of the ticket's lifetime is gone: ASP.NET keeps the cookie as it is",
                )),
            }
        }
    }
}

#[derive(Clone, Copy)]
enum BlobKind {
    ViewState,
    EventValidation,
    Cookie,
    Resource,
    Protected,
}

struct AuditQuery<'a> {
    kind: BlobKind,
    generator: Option<u32>,
    url: Option<&'a str>,
    user_keys: &'a [String],
    purposes: &'a [String],
}

impl AuditQuery<'_> {
    fn blob<'b>(&'b self, bytes: &'b [u8], purposes: &'b [&'b str]) -> Blob<'b> {
        let mut blob = match self.kind {
            BlobKind::ViewState => Blob::viewstate(bytes),
            BlobKind::EventValidation => Blob::event_validation(bytes),
            BlobKind::Cookie => Blob::forms_cookie(bytes),
            BlobKind::Resource => Blob::resource(bytes),
            BlobKind::Protected => Blob::protected(bytes, purposes),
        };
        if let Some(g) = self.generator {
            blob = blob.with_generator(g);
        }
        if let Some(u) = self.url {
            blob = blob.with_url(u);
        }
        for k in self.user_keys {
            blob = blob.with_user_key(k);
        }
        blob
    }
}

/// A finding as printed: the library's finding (fingerprints and list line), plus the key
/// pair itself only when asked for.
#[derive(Serialize)]
struct FindingView<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a KnownKey>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    gadgets: Vec<gadgets::Finding>,
}

fn audit(
    lists: &[String],
    query: &AuditQuery<'_>,
    text: &str,
    show_keys: bool,
    progress_bar: bool,
) -> Result<Output, Failure> {
    let readings = machinekey::crypto::encoding::decode_value(text)?;
    let files = open_lists(lists)?;
    let builtin = Auditor::from_list(KeyList::builtin());
    let purposes: Vec<&str> = query.purposes.iter().map(String::as_str).collect();
    let blobs: Vec<_> = readings
        .iter()
        .map(|r| query.blob(&r.bytes, &purposes))
        .collect();
    let progress = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    // The lists' pairs are not counted before they are read: a typical line is a 64-byte and
    // a 24-byte key in hex, 178 bytes.
    let expected = builtin.len().saturating_add(
        files
            .iter()
            .map(|f| usize::try_from(f.size.unwrap_or(0) / 178).unwrap_or(usize::MAX))
            .sum(),
    );
    let total = u64::try_from(expected.saturating_mul(blobs.len())).unwrap_or(u64::MAX);
    let mut candidates = builtin.len();
    let found = std::thread::scope(|scope| {
        if progress_bar {
            scope.spawn(|| {
                let bar = indicatif::ProgressBar::new(total);
                while !done.load(Ordering::Relaxed) {
                    bar.set_position(u64::try_from(progress.load(Ordering::Relaxed)).unwrap_or(0));
                    std::thread::sleep(Duration::from_millis(100));
                }
                bar.finish_and_clear();
            });
        }
        let result = (|| {
            // Every reading in one pass over the keys; the first reading with a finding wins.
            let first = |auditor: &Auditor| {
                auditor
                    .audit_group(&blobs, &progress)
                    .into_iter()
                    .flatten()
                    .next()
            };
            if let Some(f) = first(&builtin) {
                return Ok(Some(f));
            }
            // Each list a block at a time: its keys are used once, so none is kept.
            for file in files {
                let mut found = None;
                let report = scan_list(file, |block| {
                    let auditor = Auditor::from_list(std::mem::take(block));
                    found = first(&auditor);
                    // Its memory serves the next block.
                    *block = auditor.into_list();
                    if found.is_some() {
                        std::ops::ControlFlow::Break(())
                    } else {
                        std::ops::ControlFlow::Continue(())
                    }
                })?;
                candidates += report.report.pairs + report.report.duplicates;
                if found.is_some() {
                    return Ok(found);
                }
            }
            Ok::<_, Failure>(None)
        })();
        done.store(true, Ordering::Relaxed);
        result
    })?;
    let Some(f) = found else {
        return Err(Failure::not_found(format!(
            "no known key among {candidates} candidates protects this value"
        )));
    };
    let origin = f
        .origin
        .as_ref()
        .map_or_else(|| format!("#{}", f.index), ToString::to_string);
    let mut text = format!(
        "found: validationKey {} / decryptionKey {} (fingerprints), listed at {origin}\n",
        f.fingerprints.validation_key, f.fingerprints.decryption_key
    );
    if show_keys {
        text.push_str(&format!(
            "validationKey={}\ndecryptionKey={}\n",
            f.key.validation_key, f.key.decryption_key
        ));
    }
    text.push_str(&format!(
        "validation: {}\ndecryption: {}\nmode: {:?}\napp path: {}{}\nViewStateUserKey: {}\nheader: {}\npayload: {}",
        f.validation,
        f.decryption.map_or("-", |d| d.as_str()),
        f.mode,
        f.app_path.as_deref().unwrap_or("-"),
        if f.isolate_apps { " (IsolateApps)" } else { "" },
        f.view_state_user_key.as_deref().unwrap_or("-"),
        f.header.map_or_else(|| "-".to_owned(), |h| h.to_string()),
        to_upper_hex(&f.payload)
    ));
    let found_gadgets = f.gadgets();
    let warning = gadget_summary(&found_gadgets);
    if !warning.is_empty() {
        text.push('\n');
        text.push_str(warning.trim_end());
    }
    let view = FindingView {
        finding: &f,
        key: show_keys.then_some(&f.key),
        gadgets: found_gadgets,
    };
    Output::new(text, &view)
}

/// `machinekey ui`: binds 127.0.0.1 (never another address), prints the URL, serves.
fn serve_ui(port: u16) -> Result<Output, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start the server: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| Failure::usage(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::usage(e.to_string()))?;
        println!("machinekey ui: http://{addr}/ (Ctrl-C to stop)");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        crate::ui::serve(listener)
            .await
            .map_err(|e| Failure::usage(format!("the server stopped: {e}")))?;
        Ok(Output::streamed())
    })
}
