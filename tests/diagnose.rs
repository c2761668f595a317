//! `compat::diagnose` on real text: the four scenarios of `data/aspnetcore_replicas.json`
//! (two replicas of a real ASP.NET Core 10 app, their Debug logs, rings and responses), the
//! same logs in every shape operators hold them, real JSON-formatter logs of the same setups
//! (`data/corediag/oracle-json`), and log excerpts copied from public issue threads
//! (`data/corediag/issues`, each with its provenance in `MANIFEST.json`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation
)]

use std::path::{Path, PathBuf};

use machinekey::compat::diagnose::{Confidence, Diagnoser, Diagnosis, FactKind, Settings, Verdict};
use machinekey::dataprotection::KeyRing;
use serde_json::Value;

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(p)
}

fn scenarios() -> Vec<Value> {
    let text = std::fs::read_to_string(data("aspnetcore_replicas.json")).unwrap();
    serde_json::from_str::<Vec<Value>>(&text).unwrap()
}

fn expected(s: &Value) -> Verdict {
    s["expected"]["verdict"].as_str().unwrap().parse().unwrap()
}

fn log_of<'a>(s: &'a Value, r: &str) -> &'a str {
    s["inputs"][r]["log"].as_str().unwrap()
}

fn rings_of(s: &Value) -> Vec<(String, KeyRing)> {
    s["inputs"]["rings"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(label, files)| {
            let elements = files
                .as_object()
                .unwrap()
                .iter()
                .map(|(name, xml)| (name.clone(), xml.as_str().unwrap().to_owned()))
                .collect::<Vec<_>>();
            (label.clone(), KeyRing::from_elements(elements).unwrap())
        })
        .collect()
}

fn at(s: &Value) -> time::OffsetDateTime {
    // The scenarios ran on 2026-12-06; their keys live 90 days.
    let _ = s;
    time::macros::datetime!(2026-12-06 04:00 UTC)
}

fn run(logs: &[(&str, &str)], f: impl FnOnce(&mut Diagnoser)) -> Diagnosis {
    let mut d = Diagnoser::new();
    for (name, text) in logs {
        d.read_log(name, text.as_bytes()).unwrap();
    }
    f(&mut d);
    d.diagnose()
}

#[test]
fn the_four_scenarios_from_their_logs() {
    for s in scenarios() {
        let id = s["id"].as_str().unwrap();
        let d = run(
            &[
                ("replica-a", log_of(&s, "replica_a")),
                ("replica-b", log_of(&s, "replica_b")),
            ],
            |_| {},
        );
        assert_eq!(d.primary(), expected(&s), "{id}:\n{}", d.report());
        assert!(
            d.findings[0].explains_failures,
            "{id}: the primary finding explains the failures\n{}",
            d.report()
        );
        assert_eq!(
            d.findings[0].confidence,
            Confidence::Shown,
            "{id}\n{}",
            d.report()
        );
        assert!(!d.nothing_to_go_on);
        // Every finding's evidence names a replica and a line of its log.
        assert!(
            d.findings[0]
                .evidence
                .iter()
                .any(|e| e.replica.is_some() && e.line.is_some()),
            "{id}"
        );
    }
}

#[test]
fn the_four_scenarios_with_rings_and_values() {
    for s in scenarios() {
        let id = s["id"].as_str().unwrap();
        let d = run(
            &[
                ("replica-a", log_of(&s, "replica_a")),
                ("replica-b", log_of(&s, "replica_b")),
            ],
            |d| {
                for (label, ring) in rings_of(&s) {
                    d.key_ring(&label, ring);
                }
                for step in s["inputs"]["steps"].as_array().unwrap() {
                    let sent = step["sent_cookie"].as_str().unwrap();
                    if !sent.is_empty() {
                        d.value(sent);
                    }
                }
                d.at(at(&s));
            },
        );
        assert_eq!(d.primary(), expected(&s), "{id}:\n{}", d.report());
        // Each pasted value is tied to its key and to the replica that made it.
        assert_eq!(d.values.len(), 3, "{id}");
        for v in &d.values {
            let key = v.key.expect("a CfDJ8 value names its key");
            assert!(
                d.replicas
                    .iter()
                    .any(|r| r.name == "replica-a" && r.keys_made.contains(&key)),
                "{id}"
            );
        }
    }
}

#[test]
fn separate_rings_show_the_missing_key_and_the_rings() {
    let s = &scenarios()[0];
    let d = run(
        &[
            ("replica-a", log_of(s, "replica_a")),
            ("replica-b", log_of(s, "replica_b")),
        ],
        |d| {
            for (label, ring) in rings_of(s) {
                d.key_ring(&label, ring);
            }
            d.at(at(s));
        },
    );
    let f = &d.findings[0];
    let key: machinekey::dataprotection::KeyId =
        "76ad219b-a727-4658-ba2d-ef0bbb12da08".parse().unwrap();
    // B's log line with the missing key, A's log line that made it, and ring B lacking it.
    assert!(
        f.evidence
            .iter()
            .any(|e| e.replica.as_deref() == Some("replica-b")
                && e.key == Some(key)
                && e.line.is_some())
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.replica.as_deref() == Some("replica-a")
                && e.key == Some(key)
                && e.what.contains("made"))
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.ring.as_deref() == Some("B") && e.what.contains("lacks"))
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.ring.as_deref() == Some("A") && e.what.contains("holds"))
    );
    // B re-read its ring looking for the key (the 2-minute window of 3.0+).
    assert!(
        f.evidence.iter().any(|e| e.what.contains("re-read")),
        "{}",
        d.report()
    );
    assert!(f.fix.contains("shared location"));
}

#[test]
fn rings_alone_tell_separate_rings() {
    let s = &scenarios()[0];
    let d = run(&[], |d| {
        for (label, ring) in rings_of(s) {
            d.key_ring(&label, ring);
        }
        d.value(s["inputs"]["steps"][1]["sent_cookie"].as_str().unwrap());
        d.at(at(s));
    });
    assert_eq!(d.primary(), Verdict::RingsNotShared, "{}", d.report());
    assert!(d.findings[0].explains_failures);
}

#[test]
fn different_names_name_the_discriminators_of_the_antiforgery_cookies() {
    // B's response names the cookie it looked for; the browser held A's.
    let s = &scenarios()[1];
    let b_said = s["inputs"]["steps"][3]["body"].as_str().unwrap();
    let mut log_b = log_of(s, "replica_b").to_owned();
    log_b.push_str(&format!(
        "warn: Microsoft.AspNetCore.Antiforgery.DefaultAntiforgery[1]\n      {}\n",
        b_said
            .trim_matches('"')
            .trim_start_matches("antiforgery: ")
            .replace("\\\"", "\"")
    ));
    let d = run(
        &[("replica-a", log_of(s, "replica_a")), ("replica-b", &log_b)],
        |d| {
            d.value(s["inputs"]["steps"][3]["sent_cookie"].as_str().unwrap());
            d.settings(Settings {
                application_name: Some("Shop2".into()),
                ..Settings::default()
            });
        },
    );
    assert_eq!(
        d.primary(),
        Verdict::DiscriminatorMismatch,
        "{}",
        d.report()
    );
    let report = d.report();
    assert!(report.contains("\"Shop2\""), "{report}");
    assert!(
        report.contains(".AspNetCore.Antiforgery.0Aqua3-_d6Q"),
        "{report}"
    );
}

#[test]
fn a_single_replica_log_in_a_container_is_a_risk() {
    let s = &scenarios()[3];
    let d = run(&[("replica-a", log_of(s, "replica_a"))], |_| {});
    assert_eq!(d.primary(), Verdict::KeysInContainer, "{}", d.report());
    assert!(!d.findings[0].explains_failures);
    let fact = d
        .replicas
        .iter()
        .find(|r| r.name == "replica-a")
        .and_then(|r| r.repository.clone())
        .unwrap();
    assert!(
        fact.contains("/tmp/homeA/.aspnet/DataProtection-Keys"),
        "{fact}"
    );
}

#[test]
fn nothing_relevant_is_nothing_to_go_on() {
    let d = run(
        &[(
            "web",
            "info: Microsoft.Hosting.Lifetime[0]\n      Application started. Press Ctrl+C to shut down.\nhello\n",
        )],
        |_| {},
    );
    assert_eq!(d.verdicts(), [Verdict::Healthy]);
    assert!(d.nothing_to_go_on);
    let d = run(&[], |_| {});
    assert!(d.nothing_to_go_on);
}

#[test]
fn healthy_replicas_are_healthy() {
    // The same-ring-same-name scenario without its session lines: Data Protection works.
    let s = &scenarios()[2];
    let strip = |t: &str| -> String {
        let mut out = String::new();
        let mut skip = false;
        for l in t.lines() {
            if !l.starts_with(' ') {
                skip = l.contains("DistributedSession");
            }
            if !skip {
                out.push_str(l);
                out.push('\n');
            }
        }
        out
    };
    let d = run(
        &[
            ("a", &strip(log_of(s, "replica_a"))),
            ("b", &strip(log_of(s, "replica_b"))),
        ],
        |_| {},
    );
    assert_eq!(d.verdicts(), [Verdict::Healthy], "{}", d.report());
    assert!(!d.nothing_to_go_on);
}

// ---- The same logs in every shape.

/// Console blocks → (level, category, event id, message lines).
fn blocks(log: &str) -> Vec<(String, String, u32, Vec<String>)> {
    let mut out: Vec<(String, String, u32, Vec<String>)> = Vec::new();
    for l in log.lines() {
        if let Some((lvl, rest)) = l
            .split_once(": ")
            .filter(|(lvl, _)| lvl.len() == 4 && !l.starts_with(' '))
        {
            let (cat, id) = rest.trim_end_matches(']').split_once('[').unwrap();
            out.push((
                lvl.to_owned(),
                cat.to_owned(),
                id.parse().unwrap(),
                Vec::new(),
            ));
        } else if let Some(last) = out.last_mut() {
            last.3.push(l.trim_start_matches("      ").to_owned());
        }
    }
    out
}

fn level_name(l: &str) -> &'static str {
    match l {
        "trce" => "Trace",
        "dbug" => "Debug",
        "info" => "Information",
        "warn" => "Warning",
        "fail" => "Error",
        _ => "Critical",
    }
}

fn serilog_level(l: &str) -> &'static str {
    match l {
        "trce" => "VRB",
        "dbug" => "DBG",
        "info" => "INF",
        "warn" => "WRN",
        "fail" => "ERR",
        _ => "FTL",
    }
}

fn shapes(log: &str, pod: &str) -> Vec<(&'static str, String)> {
    let b = blocks(log);
    let mut out = Vec::new();
    // The JSON console formatter (message and exception apart).
    out.push((
        "json",
        b.iter()
            .map(|(lvl, cat, id, lines)| {
                let (msg, exc) = split_exception(lines);
                let mut o = serde_json::json!({"EventId": id, "LogLevel": level_name(lvl), "Category": cat, "Message": msg, "State": {"Message": msg}});
                if !exc.is_empty() {
                    o["Exception"] = Value::String(exc);
                }
                o.to_string() + "\n"
            })
            .collect(),
    ));
    // Indented JSON (JsonWriterOptions.Indented).
    out.push((
        "json-indented",
        b.iter()
            .map(|(lvl, cat, id, lines)| {
                let (msg, exc) = split_exception(lines);
                serde_json::to_string_pretty(&serde_json::json!({"EventId": id, "LogLevel": level_name(lvl), "Category": cat, "Message": msg, "Exception": exc})).unwrap() + "\n"
            })
            .collect(),
    ));
    // The systemd formatter: one line each.
    out.push((
        "systemd",
        b.iter()
            .map(|(lvl, cat, id, lines)| {
                let p = match lvl.as_str() {
                    "warn" => 4,
                    "fail" => 3,
                    "info" => 6,
                    _ => 7,
                };
                format!("<{p}>{cat}[{id}] {}\n", lines.join(" "))
            })
            .collect(),
    ));
    // docker logs -t, single-line console with timestamps.
    out.push((
        "docker-timestamps",
        b.iter()
            .map(|(lvl, cat, id, lines)| {
                format!(
                    "2026-12-06T03:20:50.123456789Z {lvl}: {cat}[{id}] {}\n",
                    lines.join(" ")
                )
            })
            .collect(),
    ));
    // kubectl logs --prefix --timestamps of the multi-line console output.
    out.push((
        "kubectl",
        log.lines()
            .map(|l| format!("[pod/{pod}/web] 2026-12-06T03:20:50.123Z {l}\n"))
            .collect(),
    ));
    // docker's json-file driver.
    out.push((
        "docker-json-file",
        log.lines()
            .map(|l| serde_json::json!({"log": format!("{l}\n"), "stream": "stdout", "time": "2026-12-06T03:20:50.1Z"}).to_string() + "\n")
            .collect(),
    ));
    // containerd CRI lines.
    out.push((
        "cri",
        log.lines()
            .map(|l| format!("2026-12-06T03:20:50.123456789Z stdout F {l}\n"))
            .collect(),
    ));
    // docker compose, coloured output stripped of nothing: ANSI colours kept.
    out.push((
        "compose-ansi",
        log.lines()
            .map(|l| {
                let l = l.replacen(
                    "warn:",
                    "\u{1b}[40m\u{1b}[1m\u{1b}[33mwarn\u{1b}[39m\u{1b}[22m\u{1b}[49m:",
                    1,
                );
                format!("{pod}  | {l}\n")
            })
            .collect(),
    ));
    // Serilog's console sink (default template), exceptions on their own lines.
    out.push((
        "serilog",
        b.iter()
            .map(|(lvl, _, _, lines)| {
                let (msg, exc) = split_exception(lines);
                let mut s = format!("[03:20:50 {}] {msg}\n", serilog_level(lvl));
                if !exc.is_empty() {
                    s.push_str(&exc);
                    s.push('\n');
                }
                s
            })
            .collect(),
    ));
    // Serilog's compact JSON (CLEF): templates with properties.
    out.push((
        "clef",
        b.iter()
            .map(|(lvl, cat, id, lines)| {
                let (msg, exc) = split_exception(lines);
                let (template, props) = templatize(&msg);
                let mut o = serde_json::json!({"@t": "2026-12-06T03:20:50.1234567Z", "@mt": template, "SourceContext": cat, "EventId": {"Id": id}});
                if lvl != "info" {
                    o["@l"] = Value::String(level_name(lvl).into());
                }
                for (k, v) in props {
                    o[k] = Value::String(v);
                }
                if !exc.is_empty() {
                    o["@x"] = Value::String(exc);
                }
                o.to_string() + "\n"
            })
            .collect(),
    ));
    // Pasted into an issue: a Markdown quote, CRLF, lines re-wrapped at 72 columns.
    out.push((
        "pasted-wrapped",
        log.lines()
            .flat_map(|l| {
                let mut parts = Vec::new();
                let mut rest = l;
                while rest.len() > 72 {
                    let cut = rest[..72].rfind(' ').filter(|c| *c > 10).unwrap_or(72);
                    parts.push(format!("> {}\r\n", &rest[..cut]));
                    rest = &rest[cut..];
                }
                parts.push(format!("> {rest}\r\n"));
                parts
            })
            .collect(),
    ));
    out
}

fn split_exception(lines: &[String]) -> (String, String) {
    let i = lines
        .iter()
        .position(|l| l.contains("Exception: ") || l.trim_start().starts_with("at "))
        .unwrap_or(lines.len());
    (lines[..i].join("\n"), lines[i..].join("\n"))
}

/// Turns a message's key ids and quoted paths back into template holes.
fn templatize(msg: &str) -> (String, Vec<(String, String)>) {
    let mut props = Vec::new();
    let mut t = msg.to_owned();
    if let (Some(a), Some(b)) = (t.find('{'), t.find('}')) {
        if b > a && b - a == 37 {
            props.push(("KeyId".to_owned(), t[a + 1..b].to_owned()));
            t.replace_range(a..=b, "{KeyId:B}");
        }
    }
    if let Some(a) = t.find('\'') {
        if let Some(len) = t[a + 1..].find('\'') {
            props.push(("FullPath".to_owned(), t[a + 1..a + 1 + len].to_owned()));
            t.replace_range(a + 1..a + 1 + len, "{FullPath}");
        }
    }
    (t, props)
}

#[test]
fn the_four_scenarios_in_every_shape() {
    for s in scenarios() {
        let id = s["id"].as_str().unwrap();
        let a = shapes(log_of(&s, "replica_a"), "shop-6d9f-a");
        let b = shapes(log_of(&s, "replica_b"), "shop-6d9f-b");
        for ((shape, la), (_, lb)) in a.iter().zip(&b) {
            let d = run(&[("replica-a", la), ("replica-b", lb)], |_| {});
            assert_eq!(
                d.primary(),
                expected(&s),
                "{id} as {shape}:\n{}\n{la}",
                d.report()
            );
        }
        // Both replicas interleaved in one kubectl stream (`kubectl logs -l app=shop --prefix`):
        // the prefixes name the replicas.
        let ka = &a.iter().find(|(n, _)| *n == "kubectl").unwrap().1;
        let kb = &b.iter().find(|(n, _)| *n == "kubectl").unwrap().1;
        let mut merged = String::new();
        let (la, lb): (Vec<&str>, Vec<&str>) = (ka.lines().collect(), kb.lines().collect());
        for i in 0..la.len().max(lb.len()) {
            for l in [la.get(i), lb.get(i)].into_iter().flatten() {
                merged.push_str(l);
                merged.push('\n');
            }
        }
        let d = run(&[("all-pods", &merged)], |_| {});
        assert_eq!(
            d.primary(),
            expected(&s),
            "{id} interleaved:\n{}",
            d.report()
        );
        assert!(d.replicas.iter().any(|r| r.name == "shop-6d9f-a"), "{id}");
    }
}

#[test]
fn utf16_logs_as_powershell_writes_them() {
    let s = &scenarios()[0];
    let to16 = |t: &str| -> Vec<u8> {
        [0xFF, 0xFE]
            .into_iter()
            .chain(t.encode_utf16().flat_map(u16::to_le_bytes))
            .collect()
    };
    let mut d = Diagnoser::new();
    d.read_log("a", &to16(log_of(s, "replica_a"))[..]).unwrap();
    d.read_log("b", &to16(log_of(s, "replica_b"))[..]).unwrap();
    assert_eq!(d.diagnose().primary(), Verdict::RingsNotShared);
}

// ---- Real JSON-formatter logs of the same setups (dotnet-oracle serve --json-logs).

#[test]
fn real_json_console_logs() {
    let dir = data("corediag/oracle-json");
    for (name, want) in [
        ("separate", Verdict::RingsNotShared),
        ("names", Verdict::DiscriminatorMismatch),
        ("container", Verdict::KeysInContainer),
        ("samename", Verdict::SessionStoreNotShared),
        // HOME names a missing directory: keys under the working directory, which the log
        // does not name (the content root line is filtered out there), inside the container.
        ("nohome", Verdict::KeysInContainer),
    ] {
        let mut d = Diagnoser::new();
        d.read_log_file(&dir.join(format!("{name}-a.log"))).unwrap();
        d.read_log_file(&dir.join(format!("{name}-b.log"))).unwrap();
        let diag = d.diagnose();
        assert_eq!(diag.primary(), want, "{name}:\n{}", diag.report());
        assert!(
            diag.logs.iter().all(|l| l.shapes.contains(&"json")),
            "{name}"
        );
    }
}

#[test]
fn facts_carry_line_numbers_and_replicas() {
    let s = &scenarios()[3];
    let mut d = Diagnoser::new();
    d.read_log("replica-b", log_of(s, "replica_b").as_bytes())
        .unwrap();
    let facts = &d.logs()[0].facts;
    let warn60 = facts
        .iter()
        .find(|f| matches!(f.kind, FactKind::KeysInContainer { .. }))
        .unwrap();
    // The line that holds the words (the header `warn: …[60]` is line 1).
    assert_eq!((warn60.line, warn60.replica.as_str()), (2, "replica-b"));
    let missing = facts
        .iter()
        .find(|f| matches!(f.kind, FactKind::KeyNotFound { .. }))
        .unwrap();
    let line = log_of(s, "replica_b")
        .lines()
        .position(|l| l.contains("was not found in the key ring"))
        .unwrap() as u64
        + 1;
    assert_eq!(missing.line, line);
    assert!(
        missing
            .excerpt
            .contains("381b83c4-1c1f-4038-aacb-1579c14a6fd8")
    );
}

// ---- Excerpts of public issue threads.

#[test]
fn public_issue_excerpts() {
    let dir = data("corediag/issues");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("MANIFEST.json")).unwrap()).unwrap();
    let mut failures = Vec::new();
    let excerpts = manifest["excerpts"].as_array().unwrap();
    assert!(excerpts.len() >= 25);
    for e in excerpts {
        let file = e["file"].as_str().unwrap();
        assert!(
            e["source"]
                .as_str()
                .unwrap()
                .starts_with("https://github.com/")
        );
        let want: Verdict = e["verdict"].as_str().unwrap().parse().unwrap();
        let mut d = Diagnoser::new();
        d.read_log_file(&dir.join(file)).unwrap();
        let diag = d.diagnose();
        if diag.primary() != want {
            failures.push(format!(
                "{file}: {} instead of {want}\n{}",
                diag.primary(),
                diag.report()
            ));
        }
        assert!(!diag.nothing_to_go_on, "{file}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- Real console logs of more setups (dotnet-oracle serve --debug, each replica in its own
// mount namespace with its own /app, as the four scenarios).

#[test]
fn real_console_logs_of_more_setups() {
    let dir = data("corediag/oracle-console");
    for (name, want, explains) in [
        // HOME names a missing directory: .NET 10 keeps the keys in /app/.aspnet.
        ("nohome-app", Verdict::KeysUnderWorkingDirectory, true),
        // PersistKeysToFileSystem with a relative path: /app/keys, each container its own.
        ("relative-keys", Verdict::KeysUnderWorkingDirectory, true),
        // Two "hosts" (HOME per replica), no container: each its own profile ring.
        ("profile-hosts", Verdict::KeysInUserProfile, true),
        // One ring, one name, no session: nothing wrong.
        ("healthy", Verdict::Healthy, false),
        // A's key revoked before B started: B refuses A's values.
        ("revoked", Verdict::KeyRevoked, true),
        // ReadOnlyDataProtectionKeyDirectory holding only an expired key.
        ("readonly", Verdict::NoUsableKey, true),
    ] {
        let mut d = Diagnoser::new();
        d.read_log_file(&dir.join(format!("{name}-a.log"))).unwrap();
        d.read_log_file(&dir.join(format!("{name}-b.log"))).unwrap();
        let diag = d.diagnose();
        assert_eq!(diag.primary(), want, "{name}:\n{}", diag.report());
        assert_eq!(
            diag.findings[0].explains_failures,
            explains,
            "{name}:\n{}",
            diag.report()
        );
        assert!(!diag.nothing_to_go_on);
    }
}

/// Keeps the records of `log` whose level is in `levels` (as `Logging:LogLevel` would).
fn at_levels(log: &str, levels: &[&str]) -> String {
    let mut out = String::new();
    let mut keep = false;
    for l in log.lines() {
        if !l.starts_with(' ') {
            keep = levels.iter().any(|lv| l.starts_with(&format!("{lv}: ")));
        }
        if keep {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

#[test]
fn the_four_scenarios_at_information_level() {
    // Production logging drops Debug: no "Found key", no re-reads, no default-key lines.
    for s in scenarios() {
        let id = s["id"].as_str().unwrap();
        let a = at_levels(log_of(&s, "replica_a"), &["info", "warn", "fail", "crit"]);
        let b = at_levels(log_of(&s, "replica_b"), &["info", "warn", "fail", "crit"]);
        let d = run(&[("replica-a", &a), ("replica-b", &b)], |_| {});
        assert_eq!(d.primary(), expected(&s), "{id}:\n{}", d.report());
        assert!(d.findings[0].explains_failures, "{id}");
    }
    // Warnings only (the templates' "Microsoft.AspNetCore": "Warning"): what is still shown.
    for s in scenarios() {
        let id = s["id"].as_str().unwrap();
        let a = at_levels(log_of(&s, "replica_a"), &["warn", "fail", "crit"]);
        let b = at_levels(log_of(&s, "replica_b"), &["warn", "fail", "crit"]);
        let d = run(&[("replica-a", &a), ("replica-b", &b)], |_| {});
        if id == "replicas-same-ring-same-name" {
            // Nothing at Warning level tells a session was lost: no finding is made up.
            assert_eq!(d.primary(), Verdict::Healthy, "{id}:\n{}", d.report());
        } else {
            assert_eq!(d.primary(), expected(&s), "{id}:\n{}", d.report());
        }
    }
}

#[test]
fn a_directory_replicas_share_under_the_app_is_no_risk() {
    // A volume mounted at /app/keys on both replicas: the same key in use on both.
    let a = "info: Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository[39]
      Writing data to file '/app/keys/key-b9cf8582-afda-4698-9a4a-bf89faaf164b.xml'.
";
    let b = "dbug: Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository[37]
      Reading data from file '/app/keys/key-b9cf8582-afda-4698-9a4a-bf89faaf164b.xml'.
dbug: Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationHandler[8]
      AuthenticationScheme: Cookies was successfully authenticated.
";
    let d = run(&[("a", a), ("b", b)], |_| {});
    assert_eq!(d.verdicts(), [Verdict::Healthy], "{}", d.report());
    // The same directory with no key in common: each its own /app.
    let b2 = b.replace(
        "b9cf8582-afda-4698-9a4a-bf89faaf164b",
        "bba57ca6-031b-4498-b69c-c1a2c7f2bcbb",
    );
    let d = run(&[("a", a), ("b", &b2)], |_| {});
    assert_eq!(
        d.primary(),
        Verdict::KeysUnderWorkingDirectory,
        "{}",
        d.report()
    );
}

#[test]
fn a_key_the_replica_cannot_decrypt_and_a_restart() {
    // B holds A's key but its DPAPI protection is another machine's: for B the key is missing.
    let a = "info: Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager[63]
      User profile is available. Using 'C:\\Users\\web1\\AppData\\Local\\ASP.NET\\DataProtection-Keys' as key repository and Windows DPAPI to encrypt keys at rest.
info: Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager[58]
      Creating key {1a2b3c4d-0000-4000-8000-00000000aaaa} with creation date 2026-12-06 03:20:50Z, activation date 2026-12-06 03:20:50Z, and expiration date 2027-03-06 03:20:50Z.
";
    let b = "warn: Microsoft.AspNetCore.DataProtection.KeyManagement.DefaultKeyResolver[12]
      Key {1a2b3c4d-0000-4000-8000-00000000aaaa} is ineligible to be the default key because its CreateEncryptor method failed.
      System.Security.Cryptography.CryptographicException: Key not valid for use in specified state.
warn: Microsoft.AspNetCore.Session.SessionMiddleware[7]
      Error unprotecting the session cookie.
      System.Security.Cryptography.CryptographicException: The key {1a2b3c4d-0000-4000-8000-00000000aaaa} was not found in the key ring.
";
    let d = run(&[("web1", a), ("web2", b)], |_| {});
    assert_eq!(d.primary(), Verdict::KeysInUserProfile, "{}", d.report());
    assert!(
        d.findings[0]
            .evidence
            .iter()
            .any(|e| e.what.contains("cannot decrypt"))
    );
    // One replica that made the key itself, then lost it in a restart (in-memory ring).
    let one = "warn: Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager[59]
      Neither user profile nor HKLM registry available. Using an ephemeral key repository. Protected data will be unavailable when application exits.
info: Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager[58]
      Creating key {1a2b3c4d-0000-4000-8000-00000000bbbb} with creation date 2026-12-06 03:20:50Z, activation date 2026-12-06 03:20:50Z, and expiration date 2027-03-06 03:20:50Z.
info: Microsoft.Hosting.Lifetime[0]
      Application is shutting down...
warn: Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager[59]
      Neither user profile nor HKLM registry available. Using an ephemeral key repository. Protected data will be unavailable when application exits.
fail: Microsoft.AspNetCore.Antiforgery.DefaultAntiforgery[7]
      An exception was thrown while deserializing the token.
      Microsoft.AspNetCore.Antiforgery.AntiforgeryValidationException: The antiforgery token could not be decrypted.
       ---> System.Security.Cryptography.CryptographicException: The key {1a2b3c4d-0000-4000-8000-00000000bbbb} was not found in the key ring.
";
    let d = run(&[("iis", one)], |_| {});
    assert_eq!(d.primary(), Verdict::RingsNotShared, "{}", d.report());
    assert!(
        d.findings[0]
            .evidence
            .iter()
            .any(|e| e.what.contains("made key") && e.what.contains("itself")),
        "{}",
        d.report()
    );
    assert_eq!(d.findings[0].confidence, Confidence::Shown);
}

#[test]
fn opentelemetry_console_exporter_records() {
    let log = "LogRecord.Timestamp:               2026-12-06T03:20:50.1234567Z
LogRecord.CategoryName:            Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository
LogRecord.Severity:                Warn
LogRecord.FormattedMessage:        Storing keys in a directory '/root/.aspnet/DataProtection-Keys' that may not be persisted outside of the container. Protected data will be unavailable when container is destroyed.
LogRecord.Body:                    Storing keys in a directory '{path}' that may not be persisted outside of the container. Protected data will be unavailable when container is destroyed.
LogRecord.Attributes (Key:Value):
    path: /root/.aspnet/DataProtection-Keys
LogRecord.Timestamp:               2026-12-06T03:20:51.1234567Z
LogRecord.CategoryName:            Microsoft.AspNetCore.Session.SessionMiddleware
LogRecord.FormattedMessage:        Error unprotecting the session cookie.
LogRecord.Exception:               System.Security.Cryptography.CryptographicException: The key {76ad219b-a727-4658-ba2d-ef0bbb12da08} was not found in the key ring.
";
    let d = run(&[("web-1", log)], |_| {});
    assert_eq!(d.primary(), Verdict::KeysInContainer, "{}", d.report());
    assert!(d.findings[0].explains_failures);
    assert!(d.logs[0].shapes.contains(&"opentelemetry"));
}

#[test]
fn pasted_values_open_with_the_rings_under_their_discriminator() {
    // One ring, names Shop and Shop2: A's values open under "Shop" only.
    let s = &scenarios()[1];
    let with = |name: &str| {
        run(
            &[
                ("replica-a", log_of(s, "replica_a")),
                ("replica-b", log_of(s, "replica_b")),
            ],
            |d| {
                for (label, ring) in rings_of(s) {
                    d.key_ring(&label, ring);
                }
                for step in s["inputs"]["steps"].as_array().unwrap() {
                    let sent = step["sent_cookie"].as_str().unwrap();
                    if !sent.is_empty() {
                        d.value(sent);
                    }
                }
                d.settings(Settings {
                    application_name: Some(name.to_owned()),
                    ..Settings::default()
                });
                d.at(at(s));
            },
        )
    };
    let d = with("Shop");
    assert_eq!(
        d.primary(),
        Verdict::DiscriminatorMismatch,
        "{}",
        d.report()
    );
    for v in &d.values {
        let o = v.opened.as_ref().unwrap_or_else(|| panic!("{v:?}"));
        assert_eq!(o.discriminator, "Shop");
    }
    let login = d
        .values
        .iter()
        .find(|v| v.cookie.as_deref() == Some(".AspNetCore.Cookies"))
        .unwrap();
    assert_eq!(login.opened.as_ref().unwrap().purposes[1], "Cookies");
    let session = d
        .values
        .iter()
        .find(|v| v.cookie.as_deref() == Some(".AspNetCore.Session"))
        .unwrap();
    assert_eq!(
        session.opened.as_ref().unwrap().purposes,
        ["SessionMiddleware"]
    );
    // Told the application is "Shop2" (B's name): the values were made under another one.
    let d = with("Shop2");
    assert_eq!(d.primary(), Verdict::DiscriminatorMismatch);
    assert!(
        d.findings[0]
            .evidence
            .iter()
            .any(|e| e.what.contains("does not open under \"Shop2\"")),
        "{}",
        d.report()
    );
    // The values themselves never reach the JSON.
    let json = serde_json::to_string(&d).unwrap();
    assert!(!json.contains("CfDJ8"), "{json}");
}

#[test]
fn replicas_sharing_one_profile_on_one_host_are_healthy() {
    let a = "info: Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager[62]
      User profile is available. Using '/home/app/.aspnet/DataProtection-Keys' as key repository; keys will not be encrypted at rest.
info: Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository[39]
      Writing data to file '/home/app/.aspnet/DataProtection-Keys/key-66e9b4ef-438a-4ee8-9247-a165766d01ad.xml'.
";
    let b = "info: Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager[62]
      User profile is available. Using '/home/app/.aspnet/DataProtection-Keys' as key repository; keys will not be encrypted at rest.
dbug: Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository[37]
      Reading data from file '/home/app/.aspnet/DataProtection-Keys/key-66e9b4ef-438a-4ee8-9247-a165766d01ad.xml'.
";
    let d = run(&[("a", a), ("b", b)], |_| {});
    assert_eq!(d.verdicts(), [Verdict::Healthy], "{}", d.report());
    // Two profiles, no key in common: each host its own ring.
    let b2 = b.replace("/home/app/", "/home/app2/").replace(
        "66e9b4ef-438a-4ee8-9247-a165766d01ad",
        "76ad219b-a727-4658-ba2d-ef0bbb12da08",
    );
    let d = run(&[("a", a), ("b", &b2)], |_| {});
    assert_eq!(d.primary(), Verdict::KeysInUserProfile, "{}", d.report());
}
