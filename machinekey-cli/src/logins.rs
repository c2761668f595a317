//! `ticket decode` and `ticket encode` for every login kind (forms, OWIN, Core, Interop,
//! Katana OAuth tokens), in one JSON shape.

use machinekey::formats::auth_cookie::{
    AuthCookie, Chunking, FORMS_COOKIE_PATH, FormsCookie, LoginCookie, cookie_pairs,
    set_cookie_pair,
};
use machinekey::formats::auth_ticket::{AuthTicket, Claim, ClaimsIdentity};
use machinekey::formats::oauth_token::{OAuthToken, TokenKind, bearer_token};
use machinekey::time::OffsetDateTime;
use machinekey::{CookieProtection, FormsAuthenticationTicket};
use serde_json::{Value, json};

use crate::args::{EncodeArgs, KeyArgs, LoginKindArg};
use crate::input::{app_keys, argument_text, key_ring};
use crate::output::{Failure, Output};

/// The OWIN authentication types `ticket decode` tries when neither `--scheme` nor the
/// pasted cookie's name gives one.
const OWIN_TYPES: [&str; 4] = [
    "ApplicationCookie",
    "Cookies",
    "ExternalCookie",
    "TwoFactorCookie",
];

/// `ticket decode`'s inputs.
pub(crate) struct DecodeArgs<'a> {
    pub(crate) keys: &'a KeyArgs,
    pub(crate) scheme: Option<&'a str>,
    pub(crate) app_name: Option<&'a str>,
    pub(crate) oauth: Option<&'a str>,
    pub(crate) require_valid: bool,
    pub(crate) value: &'a str,
}

/// The token kind of an `--owin-oauth` value.
pub(crate) fn oauth_kind(name: &str) -> Result<TokenKind, Failure> {
    TokenKind::from_name(name)
        .ok_or_else(|| Failure::usage("--owin-oauth takes access, refresh or code"))
}

/// A Katana OAuth token as pasted: the token itself, `Authorization: Bearer TOKEN`,
/// `Bearer TOKEN`, or a `name=TOKEN` parameter (`access_token=`, `refresh_token=`, `code=`).
pub(crate) fn oauth_token_text(text: &str) -> String {
    let t = text.trim();
    let t = t
        .strip_prefix("Authorization:")
        .or_else(|| t.strip_prefix("authorization:"))
        .map_or(t, str::trim);
    if let Some(token) = bearer_token(t.as_bytes()) {
        return token.to_owned();
    }
    match t.split_once('=') {
        Some((name, token)) if TokenKind::from_name(name).is_some() => token
            .split('&')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned(),
        _ => t.to_owned(),
    }
}

/// A pasted cookie: its name when given as `NAME=VALUE` (as the browser sends it), and the
/// pairs to join chunks from.
struct Pasted<'a> {
    name: Option<&'a str>,
    pairs: Vec<(&'a str, &'a str)>,
    raw: &'a str,
}

impl<'a> Pasted<'a> {
    fn new(text: &'a str) -> Self {
        let raw = text.trim();
        // The `Set-Cookie` lines of a response (one a line, or one with attributes): the
        // first pair of each; otherwise a `Cookie` header (its `Cookie:` prefix dropped).
        let lines: Vec<&str> = raw
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let set_cookie = lines.len() > 1
            || lines.first().is_some_and(|l| {
                l.get(..11)
                    .is_some_and(|p| p.eq_ignore_ascii_case("set-cookie:"))
                    || l.to_ascii_lowercase().contains("; path=")
            });
        let header = raw
            .get(..7)
            .filter(|p| p.eq_ignore_ascii_case("cookie:"))
            .and_then(|_| raw.get(7..))
            .unwrap_or(raw);
        let all: Vec<(&str, &str)> = if set_cookie {
            lines.iter().filter_map(|l| set_cookie_pair(l)).collect()
        } else {
            cookie_pairs(header).collect()
        };
        let pairs: Vec<(&str, &str)> = all
            .into_iter()
            .filter(|(k, v)| !k.is_empty() && !v.is_empty() && !v.bytes().all(|b| b == b'='))
            .collect();
        // A whole `Cookie` header: the login's pair, not the first one (chunks excepted).
        let login = |k: &str| {
            (k.starts_with(".ASPXAUTH") || k.starts_with(".AspNet"))
                && !k
                    .rsplit_once('C')
                    .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        };
        let name = pairs
            .iter()
            .find(|(k, _)| login(k))
            .or(pairs.first())
            .map(|(k, _)| *k);
        Self { name, pairs, raw }
    }

    /// The value for a cookie named `name` (chunks joined by `chunking`), or the text as
    /// given when it was not pasted as `NAME=VALUE`.
    fn value(&self, chunking: Chunking) -> String {
        match self.name {
            Some(name) => chunking.join(&self.pairs, name).unwrap_or_default(),
            None => self.raw.to_owned(),
        }
    }
}

/// `Uri.UnescapeDataString` of a Core cookie name's scheme part (`%2E` and the like).
fn unescape(s: &str) -> String {
    percent_decode(s)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether these key arguments give a `<machineKey>` (as opposed to a key ring alone).
fn has_machine_key(k: &KeyArgs) -> bool {
    k.web_config.is_some()
        || k.validation_key.is_some()
        || k.decryption_key.is_some()
        || k.levels.machine_config.is_some()
        || k.levels.root_web_config.is_some()
        || k.levels.site_web_config.is_some()
}

/// The `<machineKey>`'s keys alone (a `--key-ring` given beside them opens Core cookies,
/// it does not switch the application to `dataProtectorType`).
fn machine_keys(k: &KeyArgs) -> Result<machinekey::AppKeys, Failure> {
    let mut without_ring = k.clone();
    without_ring.key_ring = None;
    app_keys(&without_ring)
}

/// `ticket decode`.
pub(crate) fn decode(a: &DecodeArgs<'_>) -> Result<Output, Failure> {
    let text = argument_text(a.value)?;
    let view = match a.oauth {
        Some(kind) => decode_oauth(a.keys, oauth_kind(kind)?, &text)?,
        None => decode_cookie(a, &text)?,
    };
    let expired = view
        .json
        .get("expired")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if a.require_valid && expired {
        return Err(Failure::from(machinekey::Error::TicketExpired));
    }
    Output::new(view.text, &view.json)
}

struct View {
    text: String,
    json: Value,
}

/// The one JSON shape of every kind.
fn view(
    kind: &str,
    label: &str,
    cookie: Option<&str>,
    purposes: &[String],
    t: &AuthTicket,
    forms: Option<&FormsAuthenticationTicket>,
) -> View {
    let now = OffsetDateTime::now_utc();
    let expired = t.expires().is_some_and(|e| e < now);
    let claims: Vec<Value> = t
        .identities
        .iter()
        .flat_map(|i| i.claims.iter())
        .map(|c| json!({ "type": c.claim_type, "value": c.value, "issuer": c.issuer }))
        .collect();
    let json = json!({
        "kind": kind,
        "cookie": cookie,
        "scheme": t.scheme,
        "purposes": purposes,
        "name": t.name(),
        "roles": t.roles(),
        "claims": claims,
        "issued_unix": t.issued().map(OffsetDateTime::unix_timestamp),
        "expires_unix": t.expires().map(OffsetDateTime::unix_timestamp),
        "expired": expired,
        "persistent": t.is_persistent(),
        "properties": t.properties.items,
        "forms": forms.map(|f| json!({ "version": f.version, "user_data": f.user_data, "cookie_path": f.cookie_path })),
        "ticket": t,
    });
    View {
        text: ticket_text(label, t, expired),
        json,
    }
}

/// A ticket as text: every identity with every claim field (type, value, value type,
/// issuer, original issuer, properties), its bootstrap context and actor chain, then the
/// properties in their serialized order.
pub(crate) fn ticket_text(kind: &str, t: &AuthTicket, expired: bool) -> String {
    let mut out = format!("{kind} ticket, scheme {}\n", t.scheme);
    for (i, id) in t.identities.iter().enumerate() {
        identity_text(&mut out, &format!("identity {}", i + 1), id, 0);
    }
    for (k, v) in &t.properties.items {
        out.push_str(&format!("{k} = {v}\n"));
    }
    out.push_str(&format!("expired: {expired}"));
    out
}

fn identity_text(out: &mut String, label: &str, id: &ClaimsIdentity, depth: usize) {
    use machinekey::formats::auth_ticket::{
        DEFAULT_ISSUER, DEFAULT_NAME_CLAIM_TYPE, DEFAULT_ROLE_CLAIM_TYPE, STRING_VALUE_TYPE,
    };
    let pad = "  ".repeat(depth);
    out.push_str(&format!(
        "{pad}{label} ({}), name {}\n",
        if id.authentication_type.is_empty() {
            "-"
        } else {
            &id.authentication_type
        },
        id.name().unwrap_or("-")
    ));
    if id.name_claim_type != DEFAULT_NAME_CLAIM_TYPE
        || id.role_claim_type != DEFAULT_ROLE_CLAIM_TYPE
    {
        out.push_str(&format!(
            "{pad}  name claim type {}, role claim type {}\n",
            id.name_claim_type, id.role_claim_type
        ));
    }
    for c in &id.claims {
        let short = c.claim_type.rsplit('/').next().unwrap_or(&c.claim_type);
        out.push_str(&format!("{pad}  {short} = {}", c.value));
        if c.value_type != STRING_VALUE_TYPE {
            out.push_str(&format!(" [value type {}]", c.value_type));
        }
        if c.issuer != DEFAULT_ISSUER || c.original_issuer != c.issuer {
            out.push_str(&format!(" [issuer {}", c.issuer));
            if c.original_issuer != c.issuer {
                out.push_str(&format!(", original issuer {}", c.original_issuer));
            }
            out.push(']');
        }
        out.push('\n');
        for (k, v) in &c.properties {
            out.push_str(&format!("{pad}    property {k} = {v}\n"));
        }
    }
    if let Some(b) = &id.bootstrap {
        out.push_str(&format!("{pad}  bootstrap context: {b}\n"));
    }
    if let Some(actor) = &id.actor {
        identity_text(out, "actor", actor, depth + 1);
    }
}

fn decode_cookie(a: &DecodeArgs<'_>, text: &str) -> Result<View, Failure> {
    let pasted = Pasted::new(text);
    let ring_path = a.keys.key_ring.as_deref();
    let with_machine_key = has_machine_key(a.keys) || ring_path.is_none();
    // The cookies to try, in order: (JSON kind, text label, cookie).
    let mut candidates: Vec<(&str, &str, AuthCookie)> = Vec::new();
    if with_machine_key {
        let k = machine_keys(a.keys)?;
        // A forms ticket first (hex), under its pasted name or as given.
        let forms_value = pasted.value(Chunking::Core);
        if let Ok(f) =
            k.decrypt_ticket_without_expiry_check(forms_value.trim(), CookieProtection::All)
        {
            let forms = FormsCookie::new(&k).with_cookie_name(pasted.name.unwrap_or(".ASPXAUTH"));
            let login = forms.read(
                &mut std::iter::once((forms.cookie_name(), forms_value.trim())),
                OffsetDateTime::UNIX_EPOCH,
            );
            let ticket = login.map(|l| l.ticket).unwrap_or_else(|_| forms_ticket(&f));
            return Ok(view("forms", "Forms", pasted.name, &[], &ticket, Some(&f)));
        }
        let owin_type = pasted.name.and_then(|n| n.strip_prefix(".AspNet."));
        let types: Vec<&str> = match (a.scheme, owin_type) {
            (Some(s), _) | (None, Some(s)) => vec![s],
            _ => OWIN_TYPES.to_vec(),
        };
        for t in types {
            let mut c = AuthCookie::owin(&k, t)?;
            if let Some(n) = pasted.name {
                c = c.with_cookie_name(n);
            }
            candidates.push(("owin", "OWIN", c));
        }
    }
    if let Some(path) = ring_path {
        let ring = key_ring(path)?;
        let core_scheme = pasted
            .name
            .and_then(|n| n.strip_prefix(".AspNetCore."))
            .map(unescape);
        let schemes: Vec<String> = match (a.scheme, core_scheme) {
            (Some(s), _) => vec![s.to_owned()],
            (None, Some(s)) => vec![s],
            _ => machinekey::dataprotection::consumers::COOKIE_SCHEMES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        };
        for s in &schemes {
            if let Ok(mut c) = AuthCookie::core(&ring, s, a.app_name) {
                if let Some(n) = pasted.name {
                    c = c.with_cookie_name(n);
                }
                candidates.push(("core", "Core", c));
            }
            if let Ok(c) = AuthCookie::interop(
                &ring,
                s,
                a.app_name,
                pasted.name.unwrap_or(".AspNet.SharedCookie"),
            ) {
                candidates.push(("interop", "Interop", c));
            }
        }
    }
    let opened = candidates.iter().find_map(|(kind, label, c)| {
        let chunking = if *kind == "owin" {
            Chunking::Katana
        } else {
            Chunking::Core
        };
        let value = pasted.value(chunking);
        c.unprotect(&value).ok().map(|t| (*kind, *label, c, t))
    });
    let Some((kind, label, cookie, ticket)) = opened else {
        return Err(why_not(a, &pasted, &candidates));
    };
    Ok(view(
        kind,
        label,
        pasted.name,
        &cookie.purposes(),
        &ticket,
        None,
    ))
}

/// A forms ticket as claims, when the cookie reader cannot give them (it always can for a
/// ticket that decrypted; this is the fallback).
fn forms_ticket(f: &FormsAuthenticationTicket) -> AuthTicket {
    let mut id = ClaimsIdentity::new("Forms");
    id.claims.push(Claim::name(&f.name));
    AuthTicket::new("Forms", vec![id])
}

/// Why no candidate opened the cookie: a ticket that verified but does not parse, a Core
/// cookie without the application's discriminator, or the opaque error. Never the value.
fn why_not(
    a: &DecodeArgs<'_>,
    pasted: &Pasted<'_>,
    candidates: &[(&str, &str, AuthCookie)],
) -> Failure {
    let parse = candidates.iter().find_map(|(kind, _, c)| {
        let chunking = if *kind == "owin" {
            Chunking::Katana
        } else {
            Chunking::Core
        };
        let e = c
            .parse(&c.unprotect_payload(&pasted.value(chunking)).ok()?)
            .err()?;
        Some(Failure::not_found(format!(
            "the cookie verified under the purposes {}, but its ticket does not parse: {e}",
            c.purposes().join(" / ")
        )))
    });
    if let Some(f) = parse {
        return f;
    }
    let looks_core = pasted.name.is_some_and(|n| n.starts_with(".AspNetCore."))
        || pasted.value(Chunking::Core).starts_with("CfDJ8");
    if a.keys.key_ring.is_some() && a.app_name.is_none() && looks_core {
        return Failure::not_found(
            "unable to validate data: an ASP.NET Core application protects its cookies under \
             its application discriminator (the name given to SetApplicationName, else its \
             content root path, e.g. /app or C:\\inetpub\\site): give it with --app-name",
        );
    }
    if a.keys.key_ring.is_none() && looks_core {
        return Failure::not_found(
            "unable to validate data: this looks like an ASP.NET Core cookie; give the \
             application's key ring with --key-ring and its discriminator with --app-name",
        );
    }
    Failure::from(machinekey::Error::Unprotect)
}

fn decode_oauth(keys: &KeyArgs, kind: TokenKind, text: &str) -> Result<View, Failure> {
    let k = machine_keys(keys)?;
    let token = oauth_token_text(text);
    let format = OAuthToken::new(&k, kind);
    let ticket = match format.unprotect(&token) {
        Ok(t) => t,
        Err(e) => {
            // Why not, when it verifies under another kind's purposes.
            let other = TokenKind::ALL
                .iter()
                .copied()
                .filter(|o| *o != kind)
                .find(|o| OAuthToken::new(&k, *o).unprotect_payload(&token).is_ok());
            if let Some(o) = other {
                return Err(Failure::not_found(format!(
                    "the value is not a {kind} token, but it verifies as a {o} token (--owin-oauth {o})"
                )));
            }
            if let Ok(payload) = format.unprotect_payload(&token) {
                if let Err(p) = format.parse(&payload) {
                    return Err(Failure::not_found(format!(
                        "the token verified under the purposes {}, but its ticket does not parse: {p}",
                        format.purposes().join(" / ")
                    )));
                }
            }
            return Err(Failure::from(e));
        }
    };
    Ok(view(
        &format!("oauth_{}", kind.as_str()),
        &format!("OAuth {kind} token"),
        None,
        format.purposes(),
        &ticket,
        None,
    ))
}

/// `ticket encode`: a login cookie of any kind, as the site's sign-in issues it.
pub(crate) fn encode(a: &EncodeArgs) -> Result<Output, Failure> {
    let now = OffsetDateTime::now_utc();
    let minutes = a
        .minutes
        .map(|m| machinekey::time::Duration::minutes(i64::from(m)));
    let scheme = a.scheme.as_deref();
    let cookie: Box<dyn LoginCookie> = match a.kind {
        LoginKindArg::Forms => {
            let mut c = FormsCookie::new(&machine_keys(&a.keys)?)
                .with_roles_in_user_data(a.roles_separator);
            if let Some(m) = minutes {
                c = c.with_timeout(m);
            }
            if let Some(n) = &a.cookie_name {
                c = c.with_cookie_name(n);
            }
            Box::new(c)
        }
        LoginKindArg::Owin => {
            let mut c = AuthCookie::owin(
                &machine_keys(&a.keys)?,
                scheme.unwrap_or("ApplicationCookie"),
            )?;
            if let Some(m) = minutes {
                c = c.with_expire_time_span(m);
            }
            if let Some(n) = &a.cookie_name {
                c = c.with_cookie_name(n);
            }
            Box::new(c)
        }
        LoginKindArg::Core | LoginKindArg::Interop => {
            let path = a
                .keys
                .key_ring
                .as_deref()
                .ok_or_else(|| Failure::usage("a Core or Interop cookie needs --key-ring"))?;
            let ring = key_ring(path)?;
            let s = scheme.unwrap_or("Identity.Application");
            let mut c = if a.kind == LoginKindArg::Core {
                AuthCookie::core(&ring, s, a.app_name.as_deref())?
            } else {
                AuthCookie::interop(
                    &ring,
                    s,
                    a.app_name.as_deref(),
                    a.cookie_name.as_deref().unwrap_or(".AspNet.SharedCookie"),
                )?
            };
            if let Some(m) = minutes {
                c = c.with_expire_time_span(m);
            }
            if let (Some(n), LoginKindArg::Core) = (&a.cookie_name, a.kind) {
                c = c.with_cookie_name(n);
            }
            Box::new(c)
        }
    };
    let auth_type = match a.kind {
        LoginKindArg::Forms => "Forms".to_owned(),
        _ => scheme
            .unwrap_or(if a.kind == LoginKindArg::Owin {
                "ApplicationCookie"
            } else {
                "Identity.Application"
            })
            .to_owned(),
    };
    let mut id = ClaimsIdentity::new(&auth_type);
    id.claims.push(Claim::name(&a.name));
    id.claims.extend(a.roles.iter().map(|r| Claim::role(r)));
    for c in &a.claims {
        let (t, v) = c
            .split_once('=')
            .ok_or_else(|| Failure::usage("--claim takes TYPE=VALUE"))?;
        id.claims.push(Claim::new(t, v));
    }
    if let Some(data) = &a.user_data {
        id.claims.push(Claim::new(
            machinekey::formats::auth_cookie::FORMS_USER_DATA_CLAIM,
            data,
        ));
    }
    let mut ticket = cookie.sign_in(vec![id], a.persistent, now);
    let mut template = cookie.template();
    template.path = Some(a.cookie_path.clone());
    if a.kind == LoginKindArg::Forms {
        ticket.properties.set(FORMS_COOKIE_PATH, &a.cookie_path);
    }
    let set = cookie.issue(&ticket, &template)?;
    let headers: Vec<String> = set.iter().map(|c| c.header()).collect();
    let pairs: Vec<Value> = set
        .iter()
        .map(|c| json!({ "name": c.name, "value": c.value }))
        .collect();
    let cookie_header: Vec<String> = set
        .iter()
        .map(|c| format!("{}={}", c.name, c.value))
        .collect();
    let kind = match a.kind {
        LoginKindArg::Forms => "forms",
        LoginKindArg::Owin => "owin",
        LoginKindArg::Core => "core",
        LoginKindArg::Interop => "interop",
    };
    Output::new(
        headers
            .iter()
            .map(|h| format!("Set-Cookie: {h}"))
            .collect::<Vec<_>>()
            .join("\n"),
        &json!({ "kind": kind, "set_cookie": headers, "cookies": pairs,
                 "cookie_header": cookie_header.join("; "),
                 "expires_unix": ticket.expires().map(OffsetDateTime::unix_timestamp) }),
    )
}
