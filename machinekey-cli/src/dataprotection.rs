//! `machinekey dataprotection`: unprotect, protect and list a Data Protection key ring.

use machinekey::audit::blazor::JsonValue;
use machinekey::audit::data_protection::{
    DataProtectionAuditor, DataProtectionKeyList, DataProtectionMatch, DataProtectionVerdict,
    OpenedValue,
};
use machinekey::crypto::encoding::{to_base64, to_base64url};
use machinekey::dataprotection::consumers::{self, Consumer, ConsumerKind};
use machinekey::dataprotection::{DataProtector, Key, KeyRing, RevokedKeys};
use machinekey::dataprotection::{TIME_LIMITED_PURPOSE, split_expiry};
use machinekey::formats::aspnetcore::CoreValue;
use machinekey::formats::aspnetcore::antiforgery::TokenUser;
use machinekey::time::OffsetDateTime;
use machinekey::time::format_description::well_known::Rfc3339;
use serde_json::json;

use crate::args::{ChainArgs, DataProtectionCommand};
use crate::input::{KeysFile, first_reading, key_ring, payload};
use crate::output::{Failure, Output};

pub(crate) fn run(command: &DataProtectionCommand) -> Result<Output, Failure> {
    match command {
        DataProtectionCommand::Unprotect {
            chain,
            ignore_revocation,
            time_limited,
            ignore_expiry,
            value,
        } => {
            let mut chain = chain.clone();
            let given_last =
                chain.purposes.last().map(String::as_str) == Some(TIME_LIMITED_PURPOSE);
            let time_limited = *time_limited || given_last;
            if time_limited && !given_last {
                chain.purposes.push(TIME_LIMITED_PURPOSE.to_owned());
            }
            let p = protector(&chain)?;
            // Base64url, standard Base64 with or without padding, percent-encoded: every
            // reading is tried and the MAC decides.
            let u = first_reading(value, |bytes| {
                let revoked = if *ignore_revocation {
                    RevokedKeys::Allow
                } else {
                    RevokedKeys::Refuse
                };
                p.unprotect_detailed(bytes, revoked)
            })?;
            let hex = hex::encode_upper(&u.plaintext);
            let mut json = serde_json::Map::new();
            json.insert("data_hex".into(), json!(hex));
            json.insert("key_id".into(), json!(u.key_id));
            json.insert("requires_migration".into(), json!(u.requires_migration));
            json.insert("was_revoked".into(), json!(u.was_revoked));
            json.insert("purposes".into(), json!(p.purposes()));
            let mut text = String::new();
            let (inner, kind) = if time_limited {
                let Some((expires, inner)) = split_expiry(&u.plaintext) else {
                    return Err(Failure::from(machinekey::Error::Unprotect));
                };
                let expired = OffsetDateTime::now_utc() > expires;
                if expired && !*ignore_expiry {
                    return Err(Failure::not_found(format!(
                        "the payload expired at {} (--ignore-expiry shows it anyway)",
                        date(expires)
                    )));
                }
                text.push_str(&format!(
                    "expires: {}{}\n",
                    date(expires),
                    if expired { " (EXPIRED)" } else { "" }
                ));
                json.insert("expires".into(), json!(date(expires)));
                json.insert("expired".into(), json!(expired));
                json.insert("inner_hex".into(), json!(hex::encode_upper(inner)));
                let without = p.purposes().split_last().map_or(&[][..], |(_, rest)| rest);
                (inner, consumers::kind_of(without))
            } else {
                (u.plaintext.as_slice(), consumers::kind_of(p.purposes()))
            };
            text.push_str(&hex::encode_upper(inner));
            if let Ok(s) = core::str::from_utf8(inner) {
                if !s.chars().any(char::is_control) && !s.is_empty() {
                    text.push_str(&format!("\n# UTF-8: {s}"));
                }
            }
            if let Some((decoded_text, decoded_json)) = decoded(kind, inner) {
                text.push('\n');
                text.push_str(&decoded_text);
                json.insert("decoded".into(), decoded_json);
            }
            Output::new(text, &json)
        }
        DataProtectionCommand::Protect { chain, payload: pl } => {
            let p = protector(chain)?;
            let text = to_base64url(&p.protect(&payload(pl)?)?);
            Output::new(
                text.clone(),
                &json!({ "protected": text, "purposes": p.purposes() }),
            )
        }
        DataProtectionCommand::Keys { key_ring: path, at } => {
            let now = match at {
                Some(t) => OffsetDateTime::parse(t, &Rfc3339).map_err(|_| {
                    Failure::usage("--at takes an RFC 3339 time, e.g. 2026-01-31T12:00:00Z")
                })?,
                None => OffsetDateTime::now_utc(),
            };
            keys(&key_ring(path)?, now)
        }
    }
}

fn protector(chain: &ChainArgs) -> Result<DataProtector, Failure> {
    let purposes: Vec<String> = chain
        .app_name
        .iter()
        .cloned()
        .chain(chain.purposes.iter().cloned())
        .collect();
    Ok(key_ring(&chain.key_ring)?.protector(&purposes)?)
}

fn date(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn keys(ring: &KeyRing, now: OffsetDateTime) -> Result<Output, Failure> {
    let resolution = ring.resolve(now);
    let status = |k: &Key| {
        let mut s = Vec::new();
        if resolution.default_key == Some(k.id()) {
            s.push("DEFAULT".to_owned());
        }
        if k.is_revoked() {
            s.push("revoked".to_owned());
        }
        if k.is_expired(now) {
            s.push("expired".to_owned());
        } else if k.activation() > now {
            s.push("not yet active".to_owned());
        }
        if let Some(p) = k.at_rest_protection() {
            s.push(format!("encrypted at rest ({p})"));
        } else if let Err(e) = k.encryptor() {
            s.push(e.to_string());
        }
        s.join(", ")
    };
    let mut text = format!("{} key(s); resolved at {}\n", ring.keys().len(), date(now));
    for k in ring.keys() {
        text.push_str(&format!(
            "{}  {}  created {}  active {}  expires {}  {}  [{}]\n",
            k.id(),
            k.id().payload_prefix(),
            date(k.creation()),
            date(k.activation()),
            date(k.expiration()),
            k.algorithm()
                .map_or_else(|| "unknown algorithm".to_owned(), |a| a.to_string()),
            status(k)
        ));
    }
    match resolution.default_key {
        Some(id) => text.push_str(&format!("default key now: {id}\n")),
        None => text.push_str(&format!(
            "no default key now: ASP.NET would create a new key{}\n",
            resolution
                .fallback_key
                .map(|f| format!(" (or, with key generation disabled, fall back to {f})"))
                .unwrap_or_default()
        )),
    }
    for s in ring.skipped() {
        text.push_str(&format!("skipped {}: {}\n", s.origin, s.reason));
    }
    let keys: Vec<_> = ring
        .keys()
        .iter()
        .map(|k| {
            json!({
                "id": k.id(),
                "payload_prefix": k.id().payload_prefix(),
                "creation": date(k.creation()),
                "activation": date(k.activation()),
                "expiration": date(k.expiration()),
                "algorithm": k.algorithm().map(|a| a.to_string()),
                "revoked": k.is_revoked(),
                "expired": k.is_expired(now),
                "encrypted_at_rest": k.at_rest_protection(),
                "usable": k.is_usable(),
                "origin": k.origin(),
            })
        })
        .collect();
    Output::new(
        text.trim_end(),
        &json!({ "keys": keys, "resolution": resolution, "skipped": ring.skipped() }),
    )
}

/// Where `audit` takes Data Protection keys and names from.
pub(crate) struct AuditSources<'a> {
    /// `--keys` files holding Data Protection keys (lists, rings).
    pub(crate) keys: &'a [KeysFile],
    /// `--key-ring` paths.
    pub(crate) rings: &'a [String],
    /// `--app-name` and `--app-names` names.
    pub(crate) app_names: Vec<String>,
    /// `--purpose` values: a consumer of the user's own, tried after each discriminator.
    pub(crate) purposes: &'a [String],
    /// `--url`: the ASP.NET 4.x page chains of every application level it can belong to.
    pub(crate) url: Option<&'a str>,
}

/// The ViewState and EventValidation chains (after the discriminator) of every page and
/// application level a URL can stand for, and the default app id of each level (the
/// SystemWeb discriminator without `applicationName`).
fn page_consumers(url: &str) -> (Vec<Consumer>, Vec<String>) {
    let mut consumers = Vec::new();
    let mut app_ids = Vec::new();
    for app in machinekey::Page::app_path_candidates(url) {
        app_ids.push(machinekey::AppIdentity::default_site_app_id(&app));
        for path in machinekey::Page::paths_for_url(url) {
            let Ok(purposes) = machinekey::Page::from_path(&path, &app).and_then(|p| p.purposes())
            else {
                continue;
            };
            for (field, primary) in [
                (
                    "ViewState",
                    "WebForms.HiddenFieldPageStatePersister.ClientState",
                ),
                (
                    "EventValidation",
                    "WebForms.ClientScriptManager.EventValidation",
                ),
            ] {
                let mut chain = vec![primary.to_owned()];
                chain.extend(purposes.iter().cloned());
                consumers.push(Consumer {
                    name: format!("ASP.NET 4.x {field} of {path} (application {app})"),
                    purposes: chain,
                });
            }
        }
    }
    (consumers, app_ids)
}

/// The auditor `audit` uses: the built-in published keys, the `--keys` lists and rings and
/// the `--key-ring` rings, with the names and chains the options give. Also the rings read,
/// to tell a key held encrypted at rest.
pub(crate) fn auditor(
    sources: &AuditSources<'_>,
) -> Result<(DataProtectionAuditor, Vec<KeyRing>), Failure> {
    let mut list = DataProtectionKeyList::builtin();
    let mut rings = Vec::new();
    let ring_paths = sources
        .keys
        .iter()
        .filter_map(|f| match f {
            KeysFile::KeyRing(p) => Some(p),
            _ => None,
        })
        .chain(sources.rings);
    for path in ring_paths {
        let ring = key_ring(path)?;
        list.add_key_ring(&ring, path);
        rings.push(ring);
    }
    for f in sources.keys {
        if let KeysFile::DataProtectionList(path) = f {
            let report = list
                .load_file(path)
                .map_err(|e| Failure::usage(e.to_string()))?;
            if report.added + report.merged == 0 {
                return Err(Failure::usage(format!(
                    "{path}: no Data Protection key in it{}",
                    report
                        .skipped
                        .first()
                        .map(|(i, why)| format!(" (entry {i}: {why})"))
                        .unwrap_or_default()
                )));
            }
            for (i, why) in &report.skipped {
                eprintln!("machinekey: {path}: entry {i} skipped: {why}");
            }
        }
    }
    let mut app_names = sources.app_names.clone();
    let mut consumers = Vec::new();
    if let Some(url) = sources.url {
        let (pages, app_ids) = page_consumers(url);
        consumers.extend(pages);
        app_names.extend(app_ids);
    }
    if !sources.purposes.is_empty() {
        consumers.push(Consumer {
            name: "the given purposes".to_owned(),
            purposes: sources.purposes.to_vec(),
        });
    }
    let auditor = DataProtectionAuditor::new(list)
        .with_app_names(app_names)
        .with_consumers(consumers);
    Ok((auditor, rings))
}

fn json_line(v: &JsonValue) -> String {
    match v.as_str() {
        Some(s) => format!("{s:?}"),
        None => v.to_string(),
    }
}

/// What an opened value holds, as text lines.
fn opened_text(opened: &OpenedValue) -> String {
    let mut t = String::new();
    match opened {
        OpenedValue::Core(v) => {
            if let Some(text) = core_value_text(v) {
                t.push_str(&text);
                t.push('\n');
            }
        }
        OpenedValue::ComponentDescriptor(d) => {
            t.push_str(&format!(
                "component: {} (assembly {})\n",
                d.type_name.as_deref().unwrap_or("-"),
                d.assembly.as_deref().unwrap_or("-")
            ));
            if let Some(seq) = d.sequence {
                t.push_str(&format!("  sequence: {seq}\n"));
            }
            if let Some(k) = &d.key {
                t.push_str(&format!(
                    "  key: {}{}\n",
                    k.location_hash.as_deref().unwrap_or("-"),
                    k.formatted_component_key
                        .as_deref()
                        .filter(|f| !f.is_empty())
                        .map(|f| format!(" @key {f}"))
                        .unwrap_or_default()
                ));
            }
            if let Some(i) = &d.invocation_id {
                t.push_str(&format!("  invocation: {i}\n"));
            }
            if let Some(e) = d.expires {
                t.push_str(&format!("  descriptor expires: {}\n", date(e)));
            }
            if d.parameters.is_empty() {
                t.push_str("  parameters: none\n");
            }
            for p in &d.parameters {
                t.push_str(&format!(
                    "  parameter {} ({}{}) = {}\n",
                    p.name,
                    p.type_name.as_deref().unwrap_or("null"),
                    p.assembly
                        .as_deref()
                        .map(|a| format!(", {a}"))
                        .unwrap_or_default(),
                    json_line(&p.value)
                ));
            }
        }
        OpenedValue::PersistedState(state) => {
            t.push_str(&format!(
                "persisted component state ({} values):\n",
                state.entries.len()
            ));
            for e in &state.entries {
                t.push_str(&format!(
                    "  {} = {}{}\n",
                    e.key,
                    json_line(&e.value),
                    if e.raw { " (bytes, hex)" } else { "" }
                ));
            }
        }
        OpenedValue::Text { text } => t.push_str(&format!("text: {text}\n")),
        _ => {}
    }
    t
}

/// A match as text: the key, where it was published, discriminator, consumer, impact and
/// what the value holds.
pub(crate) fn match_text(m: &DataProtectionMatch, show_keys: bool) -> String {
    let key = &m.key;
    let mut t = format!(
        "found: Data Protection key {} ({}), published: {}\n",
        m.key_id,
        key.found_in.as_deref().unwrap_or("source not recorded"),
        key.published_at()
    );
    if &*key.list != machinekey::audit::data_protection::BUILTIN_NAME {
        t.push_str(&format!("listed in: {}\n", key.list));
    }
    if show_keys {
        if let Some(master) = key.expose_master_keys().nth(m.variant) {
            t.push_str(&format!("master key: {}\n", to_base64(master)));
        }
    }
    t.push_str(&format!(
        "discriminator: {}\nconsumer: {}\npurposes: {}\nimpact: {}\n",
        m.discriminator.as_deref().unwrap_or("(none)"),
        m.consumer,
        m.purposes.join(" | "),
        m.impact
    ));
    if let Some(e) = m.expires {
        t.push_str(&format!("expires: {}\n", date(e)));
    }
    if let Some(o) = &m.opened {
        t.push_str(&opened_text(o));
    }
    t.push_str(&format!("payload: {}", hex::encode_upper(&m.plaintext)));
    t
}

/// A verdict as JSON, with the master key that verified when asked for.
pub(crate) fn verdict_json(v: &DataProtectionVerdict, show_keys: bool) -> serde_json::Value {
    let mut json = serde_json::to_value(v).unwrap_or_default();
    if let (true, Some(m), Some(obj)) = (show_keys, v.opened(), json.as_object_mut()) {
        if let Some(master) = m.key.expose_master_keys().nth(m.variant) {
            obj.insert("master_key_base64".to_owned(), to_base64(master).into());
        }
    }
    json
}

/// `audit` of a Data Protection value: its key id looked up among the published keys (and
/// the rings and lists given), then its chain searched.
pub(crate) fn audit(
    value: &str,
    sources: &AuditSources<'_>,
    show_keys: bool,
) -> Result<Output, Failure> {
    let text = crate::input::argument_text(value)?;
    let (auditor, rings) = auditor(sources)?;
    let verdict = auditor.audit(&text);
    match &verdict {
        DataProtectionVerdict::Opened(m) => {
            let text = match_text(m, show_keys);
            let json = verdict_json(&verdict, show_keys);
            let mut out = Output::new(text, &verdict)?;
            out.json = json;
            Ok(out)
        }
        DataProtectionVerdict::PublishedKeyUnverified {
            key_id,
            key,
            chains_tried,
        } => Err(Failure::not_found(format!(
            "the value names Data Protection key {key_id}, published: {} ({}); none of the {chains_tried} purpose chains tried verifies it: give the application discriminator (--app-name, --app-names FILE), the page (--url) or the purposes (--purpose)",
            key.published_at(),
            key.found_in.as_deref().unwrap_or("source not recorded"),
        ))),
        DataProtectionVerdict::UnknownKey { key_id } => {
            // A ring holding the key encrypted at rest: say what is missing.
            if let Some(k) = rings.iter().find_map(|r| r.key(*key_id)) {
                k.encryptor()?;
            }
            Err(Failure::not_found(format!(
                "the value needs key {key_id} ({}), which is not among the {} published Data Protection keys{}",
                key_id.payload_prefix(),
                auditor.list().len()
                    - rings
                        .iter()
                        .map(|r| r.keys().len())
                        .sum::<usize>()
                        .min(auditor.list().len()),
                if rings.is_empty() {
                    ""
                } else {
                    " nor in the key rings given"
                }
            )))
        }
        _ => Err(Failure::usage(
            "not a Data Protection value: no CfDJ8 or 09F0C9F0 header of format version 0",
        )),
    }
}

/// What an ASP.NET Core consumer put in a plaintext, as text and JSON; `None` for a kind this
/// crate does not decode, or bytes that are not its layout.
pub(crate) fn decoded(kind: ConsumerKind, plaintext: &[u8]) -> Option<(String, serde_json::Value)> {
    let value = CoreValue::decode(kind, plaintext).ok()?;
    Some((core_value_text(&value)?, serde_json::to_value(&value).ok()?))
}

/// A decoded consumer value as text lines; `None` for bytes no layout read.
fn core_value_text(value: &CoreValue) -> Option<String> {
    Some(match value {
        CoreValue::Ticket(t) => crate::logins::ticket_text(
            "Core",
            t,
            t.expires().is_some_and(|e| e < OffsetDateTime::now_utc()),
        ),
        CoreValue::Antiforgery(t) => {
            let token = hex::encode_upper(t.security_token);
            match &t.request {
                None => format!("antiforgery cookie token\nsecurity token: {token}"),
                Some(r) => {
                    let user = match &r.user {
                        TokenUser::Username(u) if u.is_empty() => "anonymous".to_owned(),
                        TokenUser::Username(u) => format!("user name {u}"),
                        TokenUser::ClaimUid(c) => format!("claim UID {}", hex::encode_upper(c)),
                        _ => "-".to_owned(),
                    };
                    format!(
                        "antiforgery request token\nsecurity token: {token}\nuser: {user}\nadditional data: {}",
                        if r.additional_data.is_empty() {
                            "-"
                        } else {
                            &r.additional_data
                        }
                    )
                }
            }
        }
        CoreValue::Session(key) => format!("session key: {key}"),
        CoreValue::TempData(t) => {
            let mut text = String::from("TempData");
            for (k, v) in &t.entries {
                text.push_str(&format!("\n  {k} = {v}"));
            }
            text
        }
        CoreValue::IdentityToken(t) => {
            let expires =
                t.expires(machinekey::formats::aspnetcore::identity_token::DEFAULT_LIFESPAN);
            format!(
                "Identity token (DataProtectorTokenProvider)\ncreated: {}\nuser id: {}\npurpose: {}\nsecurity stamp: {}\nexpires with the default 1-day lifespan: {}{}",
                date(t.created),
                t.user_id,
                t.purpose,
                t.security_stamp,
                date(expires),
                if expires < OffsetDateTime::now_utc() {
                    " (EXPIRED)"
                } else {
                    ""
                }
            )
        }
        CoreValue::State(p) => {
            let mut text = String::from("state (AuthenticationProperties)");
            for (k, v) in &p.items {
                text.push_str(&format!("\n  {k} = {v}"));
            }
            text
        }
        CoreValue::Nonce(n) => format!("OpenID Connect nonce: {n}"),
        CoreValue::TimeLimited { expires, .. } => {
            format!("time-limited, expires {}", date(*expires))
        }
        _ => return None,
    })
}
