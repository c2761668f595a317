//! `machinekey dataprotection`: unprotect, protect and list a Data Protection key ring.

use machinekey::crypto::encoding::to_base64url;
use machinekey::dataprotection::consumers::Consumer;
use machinekey::dataprotection::{DataProtector, Key, KeyRing, RevokedKeys};
use machinekey::time::OffsetDateTime;
use machinekey::time::format_description::well_known::Rfc3339;
use serde_json::json;

use crate::args::{ChainArgs, DataProtectionCommand};
use crate::input::{first_reading, key_ring, payload};
use crate::output::{Failure, Output};

pub(crate) fn run(command: &DataProtectionCommand) -> Result<Output, Failure> {
    match command {
        DataProtectionCommand::Unprotect {
            chain,
            ignore_revocation,
            value,
        } => {
            let p = protector(chain)?;
            let u = first_reading(value, |bytes| {
                let revoked = if *ignore_revocation {
                    RevokedKeys::Allow
                } else {
                    RevokedKeys::Refuse
                };
                p.unprotect_detailed(bytes, revoked)
            })?;
            let hex = hex::encode_upper(&u.plaintext);
            let text = match core::str::from_utf8(&u.plaintext) {
                Ok(s) if !s.chars().any(char::is_control) => format!("{hex}\n# UTF-8: {s}"),
                _ => hex.clone(),
            };
            Output::new(
                text,
                &json!({
                    "data_hex": hex,
                    "key_id": u.key_id,
                    "requires_migration": u.requires_migration,
                    "was_revoked": u.was_revoked,
                    "purposes": p.purposes(),
                }),
            )
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

/// `audit --key-ring`: which key a Data Protection value needs, and which chain opens it.
/// With a page URL: the ViewState and EventValidation chains of every application level
/// the page can belong to, each after that level's default app id
/// (`/LM/W3SVC/1/ROOT/...`) and after every given discriminator.
fn page_chains(url: &str, app_names: &[String]) -> Vec<Consumer> {
    let mut out = Vec::new();
    for app in machinekey::Page::app_path_candidates(url) {
        let app_id = machinekey::AppIdentity::default_site_app_id(&app);
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
                for d in app_names.iter().chain(std::iter::once(&app_id)) {
                    let mut chain = vec![d.clone(), primary.to_owned()];
                    chain.extend(purposes.iter().cloned());
                    out.push(Consumer {
                        name: format!("ASP.NET 4.x {field} of {path} (application {app})"),
                        purposes: chain,
                    });
                }
            }
        }
    }
    out
}

pub(crate) fn audit(
    value: &str,
    rings: &[String],
    app_names: &[String],
    purposes: &[String],
    url: Option<&str>,
) -> Result<Output, Failure> {
    use machinekey::audit::data_protection::{DataProtectionFinding, audit_data_protection};
    let text = crate::input::argument_text(value)?;
    let loaded = rings
        .iter()
        .map(|r| key_ring(r))
        .collect::<Result<Vec<_>, _>>()?;
    let given = |chain: Vec<String>| Consumer {
        name: "the given purposes".to_owned(),
        purposes: chain,
    };
    let mut extra: Vec<Consumer> = app_names
        .iter()
        .map(|a| {
            std::iter::once(a.clone())
                .chain(purposes.iter().cloned())
                .collect()
        })
        .chain(std::iter::once(purposes.to_vec()))
        .filter(|_| !purposes.is_empty())
        .map(given)
        .collect();
    if let Some(url) = url {
        extra.extend(page_chains(url, app_names));
    }
    let finding = audit_data_protection(&text, &loaded, app_names, &extra)?;
    let out = match &finding {
        DataProtectionFinding::Opened {
            key_id,
            ring,
            consumer,
            purposes,
            plaintext,
        } => format!(
            "opened: key {key_id} in {}\nconsumer: {consumer}\npurposes: {}\npayload: {}",
            rings.get(*ring).map_or("?", String::as_str),
            purposes.join(" | "),
            hex::encode_upper(plaintext)
        ),
        DataProtectionFinding::KeyFoundNoChain {
            key_id,
            ring,
            chains_tried,
        } => {
            let text = format!(
                "key {key_id} is in {}, but none of the {chains_tried} purpose chains tried opens the value: give the application discriminator (--app-name), the page (--url) or the purposes (--purpose)",
                rings.get(*ring).map_or("?", String::as_str)
            );
            return Err(Failure::not_found(text));
        }
        DataProtectionFinding::KeyNotFound { key_id } => {
            return Err(Failure::not_found(format!(
                "the value needs key {key_id} ({}), which none of the given key rings holds",
                key_id.payload_prefix()
            )));
        }
        _ => return Err(Failure::not_found("nothing found")),
    };
    Output::new(out, &finding)
}
