//! `machinekey dataprotection`: unprotect, protect and list a Data Protection key ring.

use machinekey::crypto::encoding::to_base64url;
use machinekey::dataprotection::consumers::{self, Consumer, ConsumerKind};
use machinekey::dataprotection::{DataProtector, Key, KeyRing};
use machinekey::dataprotection::{TIME_LIMITED_PURPOSE, split_expiry};
use machinekey::formats::aspnetcore::CoreValue;
use machinekey::formats::aspnetcore::antiforgery::TokenUser;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::args::{ChainArgs, DataProtectionCommand};
use crate::input::{first_reading, key_ring, payload};
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
                p.unprotect_detailed(bytes, *ignore_revocation)
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
        } => {
            let mut text = format!(
                "opened: key {key_id} in {}\nconsumer: {consumer}\npurposes: {}\npayload: {}",
                rings.get(*ring).map_or("?", String::as_str),
                purposes.join(" | "),
                hex::encode_upper(plaintext)
            );
            if let Some((decoded_text, decoded_json)) =
                decoded(consumers::kind_of(purposes), plaintext)
            {
                text.push('\n');
                text.push_str(&decoded_text);
                let mut json =
                    serde_json::to_value(&finding).map_err(|e| Failure::usage(e.to_string()))?;
                if let serde_json::Value::Object(m) = &mut json {
                    m.insert("decoded".into(), decoded_json);
                }
                return Output::new(text, &json);
            }
            text
        }
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

/// What an ASP.NET Core consumer put in a plaintext, as text and JSON; `None` for a kind this
/// crate does not decode, or bytes that are not its layout.
pub(crate) fn decoded(kind: ConsumerKind, plaintext: &[u8]) -> Option<(String, serde_json::Value)> {
    let value = CoreValue::decode(kind, plaintext).ok()?;
    Some(match value {
        CoreValue::Ticket(t) => (
            crate::logins::ticket_text(
                "Core",
                &t,
                t.expires().is_some_and(|e| e < OffsetDateTime::now_utc()),
            ),
            json!({ "kind": "ticket", "ticket": t }),
        ),
        CoreValue::Antiforgery(t) => {
            let token = hex::encode_upper(t.security_token);
            match &t.request {
                None => (
                    format!("antiforgery cookie token\nsecurity token: {token}"),
                    json!({ "kind": "antiforgery", "token": "cookie", "security_token": token }),
                ),
                Some(r) => {
                    let (user, user_json) = match &r.user {
                        TokenUser::Username(u) if u.is_empty() => {
                            ("anonymous".to_owned(), json!({ "username": "" }))
                        }
                        TokenUser::Username(u) => {
                            (format!("user name {u}"), json!({ "username": u }))
                        }
                        TokenUser::ClaimUid(c) => {
                            let c = hex::encode_upper(c);
                            (format!("claim UID {c}"), json!({ "claim_uid": c }))
                        }
                        _ => ("-".to_owned(), json!(null)),
                    };
                    (
                        format!(
                            "antiforgery request token\nsecurity token: {token}\nuser: {user}\nadditional data: {}",
                            if r.additional_data.is_empty() {
                                "-"
                            } else {
                                &r.additional_data
                            }
                        ),
                        json!({ "kind": "antiforgery", "token": "request", "security_token": token,
                                "user": user_json, "additional_data": r.additional_data }),
                    )
                }
            }
        }
        CoreValue::Session(key) => (
            format!("session key: {key}"),
            json!({ "kind": "session", "session_key": key }),
        ),
        CoreValue::TempData(t) => {
            let mut text = String::from("TempData");
            for (k, v) in &t.entries {
                text.push_str(&format!("\n  {k} = {v}"));
            }
            (text, json!({ "kind": "temp_data", "entries": t.entries }))
        }
        CoreValue::IdentityToken(t) => {
            let expires =
                t.expires(machinekey::formats::aspnetcore::identity_token::DEFAULT_LIFESPAN);
            (
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
                ),
                json!({ "kind": "identity_token", "created": date(t.created), "user_id": t.user_id,
                        "purpose": t.purpose, "security_stamp": t.security_stamp,
                        "expires_default_lifespan": date(expires) }),
            )
        }
        CoreValue::State(p) => {
            let mut text = String::from("state (AuthenticationProperties)");
            for (k, v) in &p.items {
                text.push_str(&format!("\n  {k} = {v}"));
            }
            (text, json!({ "kind": "state", "items": p.items }))
        }
        CoreValue::Nonce(n) => (
            format!("OpenID Connect nonce: {n}"),
            json!({ "kind": "nonce", "nonce": n }),
        ),
        CoreValue::TimeLimited { expires, inner } => (
            format!("time-limited, expires {}", date(expires)),
            json!({ "kind": "time_limited", "expires": date(expires), "inner_hex": hex::encode_upper(inner) }),
        ),
        _ => return None,
    })
}
