//! From facts to findings: who made each key, where each replica keeps its keys, which
//! failure each finding explains.

use std::collections::{BTreeMap, BTreeSet};

use time::OffsetDateTime;

use super::facts::{Consumer, Fact, FactKind};
use super::logs::LogFacts;
use super::values::PastedValue;
use super::{
    Confidence, Diagnosis, Evidence, Finding, LogSummary, Persistence, ReplicaSummary, RingInput,
    RingSummary, SessionStore, Settings, Verdict,
};
use crate::dataprotection::consumers::{
    ANTIFORGERY_COOKIE_PREFIX, antiforgery_cookie_name, content_root_discriminator,
};
use crate::dataprotection::{KeyId, RevokedKeys};

/// What one replica's facts say.
#[derive(Default)]
struct View<'a> {
    name: String,
    facts: Vec<&'a Fact>,
    made: BTreeMap<KeyId, &'a Fact>,
    used: BTreeMap<KeyId, &'a Fact>,
    dirs: BTreeMap<String, &'a Fact>,
    container: Option<&'a Fact>,
    profile: Option<&'a Fact>,
    registry: Option<&'a Fact>,
    ephemeral: Option<&'a Fact>,
    read_only: Option<&'a Fact>,
    content_root: Option<String>,
    discriminators: BTreeSet<String>,
    ring: Option<usize>,
}

impl View<'_> {
    fn keys(&self) -> BTreeSet<KeyId> {
        self.made.keys().chain(self.used.keys()).copied().collect()
    }

    fn repository(&self) -> Option<String> {
        if let Some(f) = self.container {
            if let FactKind::KeysInContainer { directory } = &f.kind {
                return Some(format!(
                    "{} (inside the container)",
                    directory.as_deref().unwrap_or("a directory")
                ));
            }
        }
        if self.ephemeral.is_some() {
            return Some("an in-memory ring".to_owned());
        }
        if let Some(f) = self.read_only {
            if let FactKind::ReadOnlyRepository { directory } = &f.kind {
                return Some(format!(
                    "{} (read-only)",
                    directory.as_deref().unwrap_or("?")
                ));
            }
        }
        if let Some(f) = self.profile {
            if let FactKind::ProfileRepository { directory, .. } = &f.kind {
                return Some(format!(
                    "{} (user profile)",
                    directory.as_deref().unwrap_or("?")
                ));
            }
        }
        if let Some(f) = self.registry {
            if let FactKind::RegistryRepository { key } = &f.kind {
                return Some(format!("{} (registry)", key.as_deref().unwrap_or("?")));
            }
        }
        self.dirs.keys().next().cloned()
    }
}

fn evidence_of(f: &Fact, what: String) -> Evidence {
    Evidence {
        what,
        replica: Some(f.replica.clone()),
        source: Some(f.source.clone()),
        line: Some(f.line),
        key: key_of(&f.kind),
        ring: None,
        excerpt: Some(f.excerpt.clone()),
    }
}

fn plain(what: String) -> Evidence {
    Evidence {
        what,
        replica: None,
        source: None,
        line: None,
        key: None,
        ring: None,
        excerpt: None,
    }
}

fn key_of(kind: &FactKind) -> Option<KeyId> {
    match kind {
        FactKind::KeyCreated { key } | FactKind::KeyInUse { key } => Some(*key),
        FactKind::KeyNotFound { key, .. }
        | FactKind::RevokedKeyRefused { key, .. }
        | FactKind::DefaultKeyRevoked { key }
        | FactKind::Revocation { key }
        | FactKind::FallbackKey { key }
        | FactKind::KeyUnusable { key }
        | FactKind::KeyFileWritten { key, .. }
        | FactKind::KeyFileRead { key, .. } => *key,
        FactKind::Purposes { key, .. } => *key,
        _ => None,
    }
}

fn parent_dir(path: &str) -> String {
    let p = path.trim_end_matches(['/', '\\']);
    match p.rfind(['/', '\\']) {
        Some(i)
            if p.get(i + 1..)
                .is_some_and(|n| n.to_ascii_lowercase().ends_with(".xml")) =>
        {
            p.get(..i).unwrap_or(p).to_owned()
        }
        _ => p.to_owned(),
    }
}

fn norm_dir(path: &str) -> String {
    let t = path.trim().trim_end_matches(['/', '\\']);
    if t.is_empty() {
        path.trim().to_owned()
    } else {
        t.to_owned()
    }
}

/// Whether `dir` lies under the application's own directory: relative, below the content
/// root, or below `/app` (the working directory of .NET's container images).
fn under_working_directory(dir: &str, content_root: Option<&str>) -> bool {
    let d = dir.trim();
    let relative = !d.starts_with('/')
        && !d.starts_with('\\')
        && !d.get(1..3).is_some_and(|s| s == ":\\" || s == ":/");
    if relative && !d.is_empty() {
        return true;
    }
    let below = |root: &str| {
        let r = root.trim_end_matches(['/', '\\']);
        !r.is_empty()
            && (d == r || d.starts_with(&format!("{r}/")) || d.starts_with(&format!("{r}\\")))
    };
    content_root.is_some_and(below) || below("/app")
}

#[derive(Default)]
struct Builder {
    findings: BTreeMap<Verdict, Finding>,
}

impl Builder {
    fn add(
        &mut self,
        verdict: Verdict,
        confidence: Confidence,
        explains: bool,
        summary: impl FnOnce() -> String,
        evidence: Vec<Evidence>,
    ) {
        let f = self.findings.entry(verdict).or_insert_with(|| Finding {
            verdict,
            confidence,
            explains_failures: explains,
            summary: summary(),
            evidence: Vec::new(),
            fix: fix(verdict).to_owned(),
        });
        if explains && !f.explains_failures {
            f.explains_failures = true;
        }
        if confidence < f.confidence {
            f.confidence = confidence;
        }
        for e in evidence {
            if !f.evidence.contains(&e) && f.evidence.len() < 200 {
                f.evidence.push(e);
            }
        }
    }
}

fn fix(v: Verdict) -> &'static str {
    match v {
        Verdict::NoUsableKey => {
            "Give the application a key it may use: let it write its key store (grant write access to the directory or database, remove DisableAutomaticKeyGeneration()), or, where the ring is managed elsewhere and mounted read-only (ReadOnlyDataProtectionKeyDirectory, Azure Container Apps' Data Protection feature), have that manager add a current key. Until then every protect fails."
        }
        Verdict::KeyRevoked => {
            "Values protected with a revoked key are refused by design: users sign in again and forms reload. If the key was revoked by mistake and never leaked, remove its <revocation> element from the ring; otherwise nothing is to be done."
        }
        Verdict::KeysInContainer => {
            "Keep the keys outside the container and share them: mount one volume that every replica uses at the key directory (PersistKeysToFileSystem on that mount), or persist them to Redis (PersistKeysToStackExchangeRedis), a database (PersistKeysToDbContext) or Azure Blob Storage (PersistKeysToAzureBlobStorage); and give every replica the same SetApplicationName. Protect the keys at rest (ProtectKeysWithCertificate, Azure Key Vault)."
        }
        Verdict::KeysUnderWorkingDirectory => {
            "The keys sit under the application's own directory (HOME pointed to a directory that does not exist, or the key path is relative), which each deployment and each container gets afresh. Persist them to one shared location (a mounted volume, Redis, a database, Azure Blob Storage) with an absolute path, give every replica the same SetApplicationName, and set HOME to a directory that exists."
        }
        Verdict::KeysInUserProfile => {
            "The keys are in one account's profile (or the machine's registry) on one host: other hosts, and other accounts, have their own ring, and DPAPI-protected keys cannot be read elsewhere. Persist them to one shared location (a file share, Redis, a database, Azure Blob Storage), protect them with a certificate every host has (ProtectKeysWithCertificate), and set one SetApplicationName."
        }
        Verdict::RingsNotShared => {
            "Give every replica the same key ring: persist the keys to one shared location (a volume all replicas mount, Redis, a database, Azure Blob Storage) instead of each replica's own directory or memory, and set the same SetApplicationName on each. Values made with keys only one replica had cannot be recovered: their users sign in again."
        }
        Verdict::DiscriminatorMismatch => {
            "The replicas share keys but not the application discriminator (the content root path, unless SetApplicationName sets it), so a value made on one fails to authenticate on another, and the antiforgery cookie is named differently on each. Call SetApplicationName(\"…\") with the same name on every replica."
        }
        Verdict::SessionStoreNotShared => {
            "The session cookie is read fine, but its data lives in one replica's memory (AddDistributedMemoryCache). Use a shared IDistributedCache (Redis: AddStackExchangeRedisCache; SQL Server: AddDistributedSqlServerCache), or route each user to one replica (sticky sessions)."
        }
        Verdict::Healthy => "Nothing to fix.",
    }
}

/// Tries to open a pasted value with `ring` under each candidate discriminator and the
/// purposes of its consumer (all known consumers when its name does not say).
fn open_value(
    ring: &crate::dataprotection::KeyRing,
    payload: &[u8],
    candidates: &BTreeSet<String>,
    val: &PastedValue,
) -> Option<(String, Vec<String>)> {
    use crate::dataprotection::consumers;
    let mut chains: Vec<Vec<String>> = Vec::new();
    if let Some(scheme) = val
        .cookie
        .as_deref()
        .and_then(|c| c.strip_prefix(".AspNetCore."))
    {
        let scheme = scheme
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .trim_end_matches('C');
        if val.consumer == Consumer::CookieAuthentication && !scheme.is_empty() {
            chains.push(consumers::cookie_authentication(scheme));
        }
    }
    chains.extend(consumers::known().into_iter().map(|c| c.purposes));
    for d in candidates.iter().take(32) {
        for chain in chains.iter().take(24) {
            let full: Vec<&str> = std::iter::once(d.as_str())
                .filter(|d| !d.is_empty())
                .chain(chain.iter().map(String::as_str))
                .collect();
            let Ok(p) = ring.protector(&full) else {
                continue;
            };
            if p.unprotect_detailed(payload, RevokedKeys::Allow).is_ok() {
                return Some((d.clone(), chain.clone()));
            }
        }
    }
    None
}

/// The discriminators an antiforgery cookie name could come from, among those known.
fn discriminator_of_cookie(cookie: &str, candidates: &BTreeSet<String>) -> Option<String> {
    candidates
        .iter()
        .find(|c| antiforgery_cookie_name(c) == cookie)
        .cloned()
}

#[allow(clippy::too_many_lines)]
pub(super) fn diagnose(
    logs: &[LogFacts],
    rings: &[RingInput],
    settings: &Settings,
    values: &[PastedValue],
    now: OffsetDateTime,
) -> Diagnosis {
    // ---- Views per replica.
    let mut views: BTreeMap<String, View<'_>> = BTreeMap::new();
    for log in logs {
        for f in &log.facts {
            let v = views.entry(f.replica.clone()).or_insert_with(|| View {
                name: f.replica.clone(),
                ..View::default()
            });
            v.facts.push(f);
            match &f.kind {
                FactKind::KeyCreated { key } => {
                    v.made.entry(*key).or_insert(f);
                }
                FactKind::KeyInUse { key } => {
                    v.used.entry(*key).or_insert(f);
                }
                FactKind::KeysInContainer { directory } => {
                    v.container.get_or_insert(f);
                    if let Some(d) = directory {
                        v.dirs.entry(norm_dir(d)).or_insert(f);
                    }
                }
                FactKind::ProfileRepository { directory, .. } => {
                    v.profile.get_or_insert(f);
                    if let Some(d) = directory {
                        v.dirs.entry(norm_dir(d)).or_insert(f);
                    }
                }
                FactKind::RegistryRepository { .. } => {
                    v.registry.get_or_insert(f);
                }
                FactKind::EphemeralRepository => {
                    v.ephemeral.get_or_insert(f);
                }
                FactKind::ReadOnlyRepository { directory }
                | FactKind::AppServiceRepository { directory } => {
                    if matches!(f.kind, FactKind::ReadOnlyRepository { .. }) {
                        v.read_only.get_or_insert(f);
                    }
                    if let Some(d) = directory {
                        v.dirs.entry(norm_dir(d)).or_insert(f);
                    }
                }
                FactKind::KeyFileWritten { path, key } | FactKind::KeyFileRead { path, key } => {
                    v.dirs.entry(parent_dir(path)).or_insert(f);
                    if let Some(k) = key {
                        if matches!(f.kind, FactKind::KeyFileWritten { .. }) {
                            v.made.entry(*k).or_insert(f);
                        } else {
                            v.used.entry(*k).or_insert(f);
                        }
                    }
                }
                FactKind::ContentRoot { path } => {
                    v.content_root.get_or_insert_with(|| path.clone());
                }
                FactKind::Purposes { purposes, .. } => {
                    if let Some(first) = purposes.first() {
                        v.discriminators.insert(first.clone());
                    }
                }
                _ => {}
            }
        }
    }

    // ---- Rings: which replica each belongs to.
    let ring_keys: Vec<BTreeSet<KeyId>> = rings
        .iter()
        .map(|r| {
            r.ring
                .keys()
                .iter()
                .map(crate::dataprotection::Key::id)
                .collect()
        })
        .collect();
    for v in views.values_mut() {
        let keys = v.keys();
        let by_label = rings.iter().position(|r| {
            r.label.eq_ignore_ascii_case(&v.name)
                || r.path
                    .as_ref()
                    .is_some_and(|p| v.dirs.contains_key(&norm_dir(&p.display().to_string())))
        });
        let by_keys = ring_keys
            .iter()
            .enumerate()
            .map(|(i, rk)| (rk.intersection(&keys).count(), i))
            .filter(|(n, _)| *n > 0)
            .max()
            .map(|(_, i)| i);
        v.ring = by_label.or(by_keys);
    }

    let mut b = Builder::default();
    let mut unexplained: Vec<Evidence> = Vec::new();
    let many_replicas =
        views.len() > 1 || settings.replicas.is_some_and(|n| n > 1) || rings.len() > 1;

    // Who made (or holds) a key, other than `not`.
    let maker = |key: KeyId, not: &str| -> Option<(&View<'_>, &Fact)> {
        views
            .values()
            .filter(|v| v.name != not)
            .find_map(|v| v.made.get(&key).map(|f| (v, *f)))
            .or_else(|| {
                views
                    .values()
                    .filter(|v| v.name != not)
                    .find_map(|v| v.used.get(&key).map(|f| (v, *f)))
            })
    };

    // ---- no-usable-key.
    for v in views.values() {
        let mut cannot = Vec::new();
        for f in &v.facts {
            match &f.kind {
                FactKind::NoKeyCannotCreate => cannot.push(evidence_of(
                    f,
                    format!("{} has no valid default key and may not create one (key generation disabled)", v.name),
                )),
                FactKind::DefaultKeyRevoked { .. } => cannot.push(evidence_of(
                    f,
                    format!("{}'s default key is revoked", v.name),
                )),
                FactKind::RingNotWritable { path } => cannot.push(evidence_of(
                    f,
                    format!(
                        "{} may not write its key store{}",
                        v.name,
                        path.as_ref().map(|p| format!(" ({p})")).unwrap_or_default()
                    ),
                )),
                FactKind::FallbackKey { .. } => cannot.push(evidence_of(
                    f,
                    format!("{} runs on an expired fallback key: key generation is disabled", v.name),
                )),
                _ => {}
            }
        }
        if !cannot.is_empty() {
            if let Some(ro) = v.read_only {
                cannot.push(evidence_of(
                    ro,
                    format!("{} reads its keys from a read-only directory", v.name),
                ));
            }
            let explains = v.facts.iter().any(|f| {
                matches!(
                    f.kind,
                    FactKind::NoKeyCannotCreate
                        | FactKind::DefaultKeyRevoked { .. }
                        | FactKind::RingReadFailed
                )
            });
            b.add(
                Verdict::NoUsableKey,
                Confidence::Shown,
                explains,
                || format!("{} has no key it may use to protect, and cannot make one: every protect (login, antiforgery token, session cookie) fails.", v.name),
                cannot,
            );
        }
    }
    for (i, r) in rings.iter().enumerate() {
        let keys = r.ring.keys();
        if keys.is_empty() || r.ring.default_key(now).is_some() {
            continue;
        }
        // A ring whose every key is expired or revoked: a replica that could write would have
        // added a key by now, so the ring is most likely not writable for them.
        let readers: Vec<&View<'_>> = views.values().filter(|v| v.ring == Some(i)).collect();
        let read_only = readers.iter().any(|v| v.read_only.is_some());
        let failing = readers.iter().any(|v| {
            v.facts.iter().any(|f| {
                matches!(
                    f.kind,
                    FactKind::NoKeyCannotCreate | FactKind::RingReadFailed
                )
            })
        });
        let revoked = keys.iter().filter(|k| k.is_revoked()).count();
        b.add(
            Verdict::NoUsableKey,
            if read_only || failing { Confidence::Shown } else { Confidence::Likely },
            failing,
            || format!("The key ring {} holds no key that may protect now ({} keys, {revoked} revoked, the rest expired or not yet active), and no replica has added one: it cannot write the ring.", r.label, keys.len()),
            vec![Evidence {
                ring: Some(r.label.clone()),
                ..plain(format!("no key of {} qualifies as the default key at {now}", r.label))
            }],
        );
    }

    // ---- key-revoked.
    let revocations: Vec<&Fact> = views
        .values()
        .flat_map(|v| v.facts.iter().copied())
        .filter(|f| matches!(f.kind, FactKind::Revocation { .. }))
        .collect();
    for v in views.values() {
        for f in &v.facts {
            if let FactKind::RevokedKeyRefused { key, consumer } = &f.kind {
                let mut ev = vec![evidence_of(
                    f,
                    format!(
                        "{} refused {} because its key{} is revoked",
                        v.name,
                        consumer.a(),
                        key.map(|k| format!(" {}", k.braced())).unwrap_or_default()
                    ),
                )];
                for r in &revocations {
                    ev.push(evidence_of(r, "the revocation".to_owned()));
                }
                for (i, r) in rings.iter().enumerate() {
                    if let Some(k) = key.and_then(|k| r.ring.key(k)) {
                        if k.is_revoked() {
                            ev.push(Evidence {
                                ring: Some(r.label.clone()),
                                key: Some(k.id()),
                                ..plain(format!("ring {} revokes {}", r.label, k.id().braced()))
                            });
                        }
                    }
                    let _ = i;
                }
                b.add(
                    Verdict::KeyRevoked,
                    Confidence::Shown,
                    true,
                    || "Values protected with a revoked key are refused.".to_owned(),
                    ev,
                );
            }
        }
    }
    for val in values {
        let Some(key) = val.key else { continue };
        for r in rings {
            if r.ring
                .key(key)
                .is_some_and(crate::dataprotection::Key::is_revoked)
            {
                b.add(
                    Verdict::KeyRevoked,
                    Confidence::Shown,
                    true,
                    || "Values protected with a revoked key are refused.".to_owned(),
                    vec![Evidence {
                        key: Some(key),
                        ring: Some(r.label.clone()),
                        ..plain(format!(
                            "the pasted {}{} was protected with {}, revoked in ring {}",
                            val.consumer.as_str(),
                            val.cookie
                                .as_ref()
                                .map(|c| format!(" ({c})"))
                                .unwrap_or_default(),
                            key.braced(),
                            r.label
                        ))
                    }],
                );
            }
        }
    }

    // ---- Keys missing: where the maker keeps its keys decides the verdict.
    let classify = |views_involved: &[&View<'_>]| -> (Verdict, Vec<Evidence>) {
        let mut ev = Vec::new();
        for v in views_involved {
            if let Some(f) = v.container {
                let dir = match &f.kind {
                    FactKind::KeysInContainer { directory } => directory.clone(),
                    _ => None,
                };
                let wd = dir
                    .as_deref()
                    .is_some_and(|d| under_working_directory(d, v.content_root.as_deref()));
                ev.push(evidence_of(
                    f,
                    format!(
                        "{} keeps its keys in {}, inside its container (warning 60){}",
                        v.name,
                        dir.as_deref().unwrap_or("a directory"),
                        if wd {
                            ", under the application's working directory"
                        } else {
                            ""
                        }
                    ),
                ));
                return (
                    if wd {
                        Verdict::KeysUnderWorkingDirectory
                    } else {
                        Verdict::KeysInContainer
                    },
                    ev,
                );
            }
        }
        for v in views_involved {
            for (d, f) in &v.dirs {
                if under_working_directory(d, v.content_root.as_deref()) {
                    ev.push(evidence_of(
                        f,
                        format!(
                            "{} keeps its keys in {d}, under the application's working directory",
                            v.name
                        ),
                    ));
                    return (Verdict::KeysUnderWorkingDirectory, ev);
                }
            }
        }
        for v in views_involved {
            if let Some(f) = v.ephemeral {
                ev.push(evidence_of(f, format!("{} keeps its keys in memory only: every process, and every restart, has its own ring", v.name)));
                return (Verdict::RingsNotShared, ev);
            }
        }
        for v in views_involved {
            if let Some(f) = v.profile.or(v.registry) {
                ev.push(evidence_of(
                    f,
                    format!(
                        "{} keeps its keys in {}",
                        v.name,
                        v.repository().unwrap_or_default()
                    ),
                ));
                return (Verdict::KeysInUserProfile, ev);
            }
        }
        let dirs: BTreeSet<(&str, &str)> = views_involved
            .iter()
            .flat_map(|v| v.dirs.keys().map(|d| (v.name.as_str(), d.as_str())))
            .collect();
        for v in views_involved {
            if let Some((d, f)) = v.dirs.iter().next() {
                ev.push(evidence_of(f, format!("{} keeps its keys in {d}", v.name)));
            }
        }
        let _ = dirs;
        (Verdict::RingsNotShared, ev)
    };

    for v in views.values() {
        let rereads = v
            .facts
            .iter()
            .filter(|f| matches!(f.kind, FactKind::KeyFileRead { .. }))
            .count();
        for f in &v.facts {
            let FactKind::KeyNotFound { key, consumer } = &f.kind else {
                continue;
            };
            let mut involved: Vec<&View<'_>> = Vec::new();
            let mut ev = vec![evidence_of(
                f,
                format!(
                    "{} could not read {}: key {} is not in its key ring",
                    v.name,
                    consumer.a(),
                    key.map_or_else(|| "(hidden in the log)".to_owned(), KeyId::braced)
                ),
            )];
            let mut shown = false;
            if let Some(k) = key {
                if let Some((mv, mf)) = maker(*k, &v.name) {
                    ev.push(evidence_of(
                        mf,
                        format!(
                            "{} {} key {}",
                            mv.name,
                            if mv.made.contains_key(k) {
                                "made"
                            } else {
                                "uses"
                            },
                            k.braced()
                        ),
                    ));
                    involved.push(mv);
                    shown = true;
                }
                for (i, r) in rings.iter().enumerate() {
                    let has = ring_keys.get(i).is_some_and(|s| s.contains(k));
                    let whose = views
                        .values()
                        .filter(|w| w.ring == Some(i))
                        .map(|w| w.name.clone())
                        .collect::<Vec<_>>();
                    ev.push(Evidence {
                        key: Some(*k),
                        ring: Some(r.label.clone()),
                        ..plain(format!(
                            "ring {}{} {} {}",
                            r.label,
                            if whose.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", whose.join(", "))
                            },
                            if has { "holds" } else { "lacks" },
                            k.braced()
                        ))
                    });
                    if has && v.ring == Some(i) {
                        ev.push(plain(format!(
                            "{}'s ring holds the key now: {} had read its ring before the key was written and re-reads it only in the first two minutes after start (3.0 and later) or on its periodic refresh",
                            v.name, v.name
                        )));
                    }
                    if has && v.ring != Some(i) {
                        shown = true;
                    }
                }
                for val in values.iter().filter(|x| x.key == Some(*k)) {
                    ev.push(Evidence {
                        key: Some(*k),
                        ..plain(format!(
                            "the pasted {}{} was made with this key",
                            val.consumer.as_str(),
                            val.cookie
                                .as_ref()
                                .map(|c| format!(" ({c})"))
                                .unwrap_or_default()
                        ))
                    });
                }
            }
            if rereads > 1 {
                ev.push(plain(format!(
                    "{} re-read its key ring {rereads} times (a missing key makes ASP.NET Core 3.0+ re-read the ring in its first two minutes) and the key was still not there",
                    v.name
                )));
            }
            // The replica made the key itself, before a restart: its ring did not survive it.
            if let Some(k) = key {
                if involved.is_empty() {
                    if let Some(mf) = v.made.get(k) {
                        ev.push(evidence_of(
                            mf,
                            format!(
                                "{} made key {} itself earlier: the ring it has now is not the one it had (a restart with keys that do not outlive the process or container)",
                                v.name,
                                k.braced()
                            ),
                        ));
                        shown = true;
                    }
                }
            }
            // The replica has the key but cannot decrypt it (DPAPI of another account or
            // machine, a certificate it lacks): for it the key is not in the ring.
            let unusable = key.and_then(|k| {
                v.facts
                    .iter()
                    .find(|g| matches!(g.kind, FactKind::KeyUnusable { key: Some(u) } if u == k))
            });
            involved.push(v);
            let (mut verdict, mut more) = classify(&involved);
            if let Some(u) = unusable {
                more.push(evidence_of(
                    u,
                    format!(
                        "{} holds the key but cannot decrypt it (it was encrypted at rest with DPAPI or a certificate this replica lacks)",
                        v.name
                    ),
                ));
                shown = true;
                if verdict == Verdict::RingsNotShared
                    && (v.profile.is_some() || u.excerpt.to_ascii_lowercase().contains("dpapi"))
                {
                    verdict = Verdict::KeysInUserProfile;
                }
            }
            ev.append(&mut more);
            let summary = match verdict {
                Verdict::KeysInContainer => "Each container keeps its own key ring in its writable layer: what one container protected (logins, antiforgery tokens, session cookies) the others cannot read, and every redeploy loses the keys.".to_owned(),
                Verdict::KeysUnderWorkingDirectory => "Each replica keeps its keys under its own application directory: what one protected the others cannot read, and every deployment starts a new ring.".to_owned(),
                Verdict::KeysInUserProfile => "The keys live in one host's user profile (or registry): replicas on other hosts or accounts have their own ring and cannot read each other's values.".to_owned(),
                _ => "The replicas do not share a key ring: a value protected on one (login cookie, antiforgery token, session cookie) names a key the other never had.".to_owned(),
            };
            b.add(
                verdict,
                if shown || !involved.is_empty() && involved.len() > 1 {
                    Confidence::Shown
                } else {
                    Confidence::Likely
                },
                true,
                || summary,
                ev,
            );
        }
    }

    // ---- Payload invalid with the key present: the discriminator.
    let mut candidates: BTreeSet<String> = BTreeSet::new();
    if let Some(n) = &settings.application_name {
        candidates.insert(n.clone());
    }
    for v in views.values() {
        if let Some(r) = &v.content_root {
            candidates.insert(content_root_discriminator(r));
            candidates.insert(r.trim().to_owned());
        }
        candidates.extend(v.discriminators.iter().cloned());
    }
    for d in ["/app/", "/app", "/src/", "/", ""] {
        candidates.insert(d.to_owned());
    }
    let shared_keys: Vec<(KeyId, Vec<String>)> = {
        let mut holders: BTreeMap<KeyId, Vec<String>> = BTreeMap::new();
        for v in views.values() {
            for k in v.keys() {
                holders.entry(k).or_default().push(v.name.clone());
            }
        }
        holders.into_iter().filter(|(_, h)| h.len() > 1).collect()
    };
    let roots: BTreeMap<String, String> = views
        .values()
        .filter_map(|v| {
            v.content_root
                .as_ref()
                .map(|r| (v.name.clone(), content_root_discriminator(r)))
        })
        .collect();
    let discs: BTreeMap<String, &BTreeSet<String>> = views
        .values()
        .filter(|v| !v.discriminators.is_empty())
        .map(|v| (v.name.clone(), &v.discriminators))
        .collect();
    let distinct_roots: BTreeSet<&String> = roots.values().collect();
    let distinct_discs: BTreeSet<&String> = discs.values().flat_map(|s| s.iter()).collect();
    let disc_evidence = || -> (Vec<Evidence>, bool) {
        let mut ev = Vec::new();
        let mut shown = false;
        for (k, holders) in shared_keys.iter().take(3) {
            ev.push(Evidence {
                key: Some(*k),
                ..plain(format!(
                    "{} all use key {}: the ring is shared",
                    holders.join(", "),
                    k.braced()
                ))
            });
            shown = true;
        }
        if settings.application_name.is_none() && distinct_roots.len() > 1 {
            for (r, d) in &roots {
                ev.push(Evidence {
                    replica: Some(r.clone()),
                    ..plain(format!("{r}'s content root makes its discriminator {d:?}"))
                });
            }
            shown = true;
        }
        if distinct_discs.len() > 1 {
            for (r, d) in &discs {
                ev.push(Evidence {
                    replica: Some(r.clone()),
                    ..plain(format!(
                        "{r} protects under the discriminator(s) {d:?} (first purpose)"
                    ))
                });
            }
            shown = true;
        }
        (ev, shown)
    };
    for v in views.values() {
        for f in &v.facts {
            match &f.kind {
                FactKind::PayloadInvalid { consumer } => {
                    let (mut ev, shown) = disc_evidence();
                    ev.insert(
                        0,
                        evidence_of(
                            f,
                            format!(
                                "{} found the key of {} but its MAC failed (\"The payload was invalid\"): the value was made under another purpose chain",
                                v.name,
                                consumer.a()
                            ),
                        ),
                    );
                    b.add(
                        Verdict::DiscriminatorMismatch,
                        if shown { Confidence::Shown } else { Confidence::Likely },
                        true,
                        || "The key ring is the same but the application discriminator is not: values made by one replica (or by the same app before its content root or name changed) fail to authenticate on another.".to_owned(),
                        ev,
                    );
                }
                FactKind::AntiforgeryCookieMissing { cookie } => {
                    let own = discriminator_of_cookie(cookie, &candidates);
                    let held: Vec<&PastedValue> = values
                        .iter()
                        .filter(|x| {
                            x.cookie.as_deref().is_some_and(|c| {
                                c.starts_with(ANTIFORGERY_COOKIE_PREFIX) && c != cookie
                            })
                        })
                        .collect();
                    let mut ev = vec![evidence_of(
                        f,
                        format!(
                            "{} looked for the antiforgery cookie {cookie}{}",
                            v.name,
                            own.as_ref()
                                .map(|d| format!(", named after the discriminator {d:?}"))
                                .unwrap_or_default()
                        ),
                    )];
                    for h in &held {
                        let c = h.cookie.clone().unwrap_or_default();
                        let d = discriminator_of_cookie(&c, &candidates);
                        ev.push(plain(format!(
                            "the browser holds {c}{}",
                            d.map(|d| format!(", set under the discriminator {d:?}"))
                                .unwrap_or_else(|| ", set under another discriminator".to_owned())
                        )));
                    }
                    let (mut more, shown) = disc_evidence();
                    ev.append(&mut more);
                    if many_replicas || !held.is_empty() {
                        b.add(
                            Verdict::DiscriminatorMismatch,
                            if shown || !held.is_empty() { Confidence::Shown } else { Confidence::Likely },
                            true,
                            || "The replicas' application discriminators differ, and the antiforgery cookie's name hashes the discriminator: a replica does not even look for the cookie another set.".to_owned(),
                            ev,
                        );
                    } else {
                        unexplained.extend(ev.into_iter().take(1));
                    }
                }
                _ => {}
            }
        }
    }
    if settings.application_name.is_none() && distinct_roots.len() > 1 {
        let (ev, _) = disc_evidence();
        b.add(
            Verdict::DiscriminatorMismatch,
            Confidence::Shown,
            false,
            || "The replicas run from different content roots and no SetApplicationName is known: their discriminators differ, so they cannot read each other's values even with one key ring.".to_owned(),
            ev,
        );
    }
    // A pasted antiforgery cookie set under another name than the operator's.
    if let Some(name) = &settings.application_name {
        for val in values {
            let Some(c) = val
                .cookie
                .as_deref()
                .filter(|c| c.starts_with(ANTIFORGERY_COOKIE_PREFIX))
            else {
                continue;
            };
            if c != antiforgery_cookie_name(name) {
                let d = discriminator_of_cookie(c, &candidates);
                b.add(
                    Verdict::DiscriminatorMismatch,
                    if d.is_some() { Confidence::Shown } else { Confidence::Likely },
                    false,
                    || format!("The pasted antiforgery cookie was not set by an application named {name:?}."),
                    vec![plain(format!(
                        "{c} is {}; an application named {name:?} uses {}",
                        d.map(|d| format!("the cookie of the discriminator {d:?}")).unwrap_or_else(|| "another discriminator's cookie".to_owned()),
                        antiforgery_cookie_name(name)
                    ))],
                );
            }
        }
    }

    // ---- Pasted values opened with the rings: which discriminator made each.
    let mut values: Vec<PastedValue> = values.to_vec();
    for val in &mut values {
        let Some(k) = val.key else { continue };
        for (r, keys) in rings.iter().zip(&ring_keys) {
            if !keys.contains(&k)
                || !r
                    .ring
                    .key(k)
                    .is_some_and(crate::dataprotection::Key::is_usable)
            {
                continue;
            }
            if let Some((discriminator, purposes)) =
                open_value(&r.ring, &val.payload.0, &candidates, val)
            {
                val.opened = Some(super::Opened {
                    ring: r.label.clone(),
                    discriminator,
                    purposes,
                });
                break;
            }
        }
        let what = |v: &PastedValue| {
            format!(
                "the pasted {}{}",
                v.consumer.as_str(),
                v.cookie
                    .as_ref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default()
            )
        };
        match (&val.opened, &settings.application_name) {
            (Some(o), Some(name)) if &o.discriminator != name => b.add(
                Verdict::DiscriminatorMismatch,
                Confidence::Shown,
                true,
                || format!("A value was made under the discriminator {:?}, not the application name {name:?}: replicas named {name:?} cannot read it.", o.discriminator),
                vec![Evidence {
                    key: Some(k),
                    ring: Some(o.ring.clone()),
                    ..plain(format!("{} opens with ring {} under the discriminator {:?} and no other known", what(val), o.ring, o.discriminator))
                }],
            ),
            (None, Some(name)) if rings.iter().any(|r| r.ring.key(k).is_some_and(crate::dataprotection::Key::is_usable)) => b.add(
                Verdict::DiscriminatorMismatch,
                Confidence::Likely,
                true,
                || format!("A value whose key the ring holds does not open under the application name {name:?}: it was made under another discriminator."),
                vec![Evidence {
                    key: Some(k),
                    ..plain(format!("{} does not open under {name:?} (nor any content root known), though its key {} is in the ring", what(val), k.braced()))
                }],
            ),
            _ => {}
        }
    }
    let values: &[PastedValue] = &values;

    // ---- Sessions.
    let mut started: BTreeMap<&str, (&View<'_>, &Fact)> = BTreeMap::new();
    for v in views.values() {
        for f in &v.facts {
            if let FactKind::SessionStarted { session } = &f.kind {
                started.entry(session.as_str()).or_insert((v, f));
            }
        }
    }
    for v in views.values() {
        for f in &v.facts {
            let FactKind::SessionMissing { session } = &f.kind else {
                continue;
            };
            match started.get(session.as_str()) {
                Some((sv, sf)) if sv.name != v.name => {
                    let mut ev = vec![
                        evidence_of(
                            f,
                            format!(
                                "{} read the session cookie but has no data for session {session}",
                                v.name
                            ),
                        ),
                        evidence_of(sf, format!("{} started session {session}", sv.name)),
                    ];
                    for g in &v.facts {
                        if matches!(
                            g.kind,
                            FactKind::CookieAccepted { .. } | FactKind::AntiforgeryValid
                        ) {
                            ev.push(evidence_of(g, format!("{} read a value another replica protected: the key ring is shared", v.name)));
                            break;
                        }
                    }
                    b.add(
                        Verdict::SessionStoreNotShared,
                        Confidence::Shown,
                        true,
                        || "Data Protection works across the replicas (the session cookie is read), but the session's data is in the memory of the replica that started it.".to_owned(),
                        ev,
                    );
                }
                Some(_) => {}
                None => {
                    if settings.session_store == Some(SessionStore::Memory) && many_replicas {
                        b.add(
                            Verdict::SessionStoreNotShared,
                            Confidence::Likely,
                            true,
                            || "Session data is kept in each replica's memory, so a session started on one is unknown to the others.".to_owned(),
                            vec![evidence_of(f, format!("{} has no data for session {session}", v.name))],
                        );
                    }
                }
            }
        }
    }
    if settings.session_store == Some(SessionStore::Memory)
        && settings.replicas.is_some_and(|n| n > 1)
    {
        b.add(
            Verdict::SessionStoreNotShared,
            Confidence::Shown,
            false,
            || "Session data is kept in each replica's memory: a session started on one is unknown to the others.".to_owned(),
            vec![plain(format!("{} replicas, each with an in-memory session store (as configured)", settings.replicas.unwrap_or(0)))],
        );
    }

    // Directories two replicas demonstrably share (the same directory, a key in common): a
    // volume, whatever its path.
    let shared_dirs: BTreeSet<String> = {
        let all: Vec<&View<'_>> = views.values().collect();
        let mut out = BTreeSet::new();
        for (i, a) in all.iter().enumerate() {
            for c in all.iter().skip(i + 1) {
                if a.keys().intersection(&c.keys()).next().is_some() {
                    out.extend(a.dirs.keys().filter(|d| c.dirs.contains_key(*d)).cloned());
                }
            }
        }
        out
    };
    // ---- Where keys live, as risks.
    for v in views.values() {
        if let Some(f) = v.container {
            let dir = match &f.kind {
                FactKind::KeysInContainer { directory } => directory.clone(),
                _ => None,
            };
            let wd = dir
                .as_deref()
                .is_some_and(|d| under_working_directory(d, v.content_root.as_deref()));
            // Replicas that demonstrably share the directory (a key in common) have a volume
            // the container check did not see.
            let shared = dir
                .as_deref()
                .is_some_and(|d| shared_dirs.contains(&norm_dir(d)));
            if !shared {
                b.add(
                if wd { Verdict::KeysUnderWorkingDirectory } else { Verdict::KeysInContainer },
                Confidence::Shown,
                false,
                || "Keys are kept inside the container: they are lost when it is recreated, and no other container has them.".to_owned(),
                vec![evidence_of(f, format!("{} warns that {} may not be persisted outside of the container", v.name, dir.as_deref().unwrap_or("its key directory")))],
            );
            }
        } else if let Some(f) = v.profile {
            let dir = match &f.kind {
                FactKind::ProfileRepository { directory, .. } => directory.clone(),
                _ => None,
            };
            if dir.as_deref().is_some_and(|d| {
                under_working_directory(d, v.content_root.as_deref())
                    && !shared_dirs.contains(&norm_dir(d))
            }) {
                b.add(
                    Verdict::KeysUnderWorkingDirectory,
                    Confidence::Shown,
                    false,
                    || "Keys are kept under the application's own directory (HOME does not point to an existing directory): each deployment has its own ring.".to_owned(),
                    vec![evidence_of(f, format!("{} uses {} as its key repository", v.name, dir.unwrap_or_default()))],
                );
            } else if many_replicas
                && !dir
                    .as_deref()
                    .is_some_and(|d| shared_dirs.contains(&norm_dir(d)))
            {
                b.add(
                    Verdict::KeysInUserProfile,
                    Confidence::Shown,
                    false,
                    || "Keys are kept in a user profile: shared only by processes of one account on one host.".to_owned(),
                    vec![evidence_of(f, format!("{} uses {} as its key repository", v.name, dir.unwrap_or_default()))],
                );
            }
        } else if let Some(f) = v.registry {
            if many_replicas {
                b.add(
                    Verdict::KeysInUserProfile,
                    Confidence::Shown,
                    false,
                    || "Keys are kept in the machine's registry: shared only by that machine's processes.".to_owned(),
                    vec![evidence_of(f, format!("{} keeps its keys in {}", v.name, v.repository().unwrap_or_default()))],
                );
            }
        }
        if let Some(f) = v.ephemeral {
            b.add(
                Verdict::RingsNotShared,
                Confidence::Shown,
                false,
                || "A replica keeps its keys in memory only: each process has its own ring and loses it when it stops.".to_owned(),
                vec![evidence_of(f, format!("{} uses an in-memory key ring", v.name))],
            );
        }
        for (d, f) in &v.dirs {
            if v.container.is_none()
                && v.profile.is_none()
                && under_working_directory(d, v.content_root.as_deref())
                && !shared_dirs.contains(d)
            {
                b.add(
                    Verdict::KeysUnderWorkingDirectory,
                    Confidence::Shown,
                    false,
                    || "Keys are kept under the application's own directory: each deployment has its own ring.".to_owned(),
                    vec![evidence_of(f, format!("{} keeps its keys in {d}", v.name))],
                );
                break;
            }
        }
    }
    // Replicas whose key directories differ, with no key in common.
    {
        let with_dirs: Vec<&View<'_>> = views.values().filter(|v| !v.dirs.is_empty()).collect();
        let mut ev = Vec::new();
        for (i, a) in with_dirs.iter().enumerate() {
            for c in with_dirs.iter().skip(i + 1) {
                let common = a.dirs.keys().any(|d| c.dirs.contains_key(d));
                let shared = a.keys().intersection(&c.keys()).next().is_some();
                if !common && !shared && a.container.is_none() && c.container.is_none() {
                    for v in [a, c] {
                        if let Some((d, f)) = v.dirs.iter().next() {
                            ev.push(evidence_of(f, format!("{} keeps its keys in {d}", v.name)));
                        }
                    }
                }
            }
        }
        if !ev.is_empty() {
            b.add(
                Verdict::RingsNotShared,
                Confidence::Shown,
                false,
                || "The replicas keep their keys in different places and share no key.".to_owned(),
                ev,
            );
        }
    }
    // Rings given with no key in common.
    if rings.len() > 1 {
        let mut ev = Vec::new();
        for (i, a) in ring_keys.iter().enumerate() {
            for (j, c) in ring_keys.iter().enumerate().skip(i + 1) {
                if a.intersection(c).next().is_none() && !a.is_empty() && !c.is_empty() {
                    if let (Some(ra), Some(rc)) = (rings.get(i), rings.get(j)) {
                        ev.push(plain(format!(
                            "rings {} and {} have no key in common ({} and {} keys)",
                            ra.label,
                            rc.label,
                            a.len(),
                            c.len()
                        )));
                    }
                }
            }
        }
        if !ev.is_empty() {
            let explains = values.iter().any(|x| {
                x.key
                    .is_some_and(|k| ring_keys.iter().any(|s| !s.contains(&k)))
            });
            b.add(
                Verdict::RingsNotShared,
                Confidence::Shown,
                explains,
                || "The key rings given have no key in common: each replica protects with keys the others lack.".to_owned(),
                ev,
            );
        }
    }
    // Values whose key some ring lacks.
    for val in values {
        let Some(k) = val.key else { continue };
        let made_by = views
            .values()
            .find(|v| v.made.contains_key(&k))
            .map(|v| v.name.clone());
        let lacking: Vec<&str> = rings
            .iter()
            .zip(&ring_keys)
            .filter(|(_, s)| !s.contains(&k))
            .map(|(r, _)| r.label.as_str())
            .collect();
        if !lacking.is_empty() && rings.len() > lacking.len() {
            b.add(
                Verdict::RingsNotShared,
                Confidence::Shown,
                true,
                || "The replicas do not share a key ring.".to_owned(),
                vec![Evidence {
                    key: Some(k),
                    replica: made_by.clone(),
                    ..plain(format!(
                        "the pasted {}{} was made with {}{}; ring(s) {} lack it",
                        val.consumer.as_str(),
                        val.cookie
                            .as_ref()
                            .map(|c| format!(" ({c})"))
                            .unwrap_or_default(),
                        k.braced(),
                        made_by.map(|m| format!(" by {m}")).unwrap_or_default(),
                        lacking.join(", ")
                    ))
                }],
            );
        }
    }
    // Operator settings alone.
    if settings.replicas.is_some_and(|n| n > 1) {
        match settings.persistence {
            Some(Persistence::PerReplica) => b.add(
                Verdict::RingsNotShared,
                Confidence::Shown,
                false,
                || "Each replica persists its keys to its own location.".to_owned(),
                vec![plain("keys persisted per replica (as configured)".to_owned())],
            ),
            Some(Persistence::Default) if b.findings.keys().all(|v| !matches!(v, Verdict::KeysInContainer | Verdict::KeysUnderWorkingDirectory | Verdict::KeysInUserProfile)) => b.add(
                Verdict::RingsNotShared,
                Confidence::Likely,
                false,
                || "No key persistence is configured: each replica uses ASP.NET Core's default location (its container, profile or memory), which no other replica shares.".to_owned(),
                vec![plain("no PersistKeysTo… configured (as told)".to_owned())],
            ),
            _ => {}
        }
    }

    // ---- Failures nothing explains, and lone rejections.
    let explained_any = b.findings.values().any(|f| f.explains_failures);
    for v in views.values() {
        for f in &v.facts {
            let what = match &f.kind {
                FactKind::CookieRejected { scheme } => format!(
                    "{} rejected a login cookie{} (\"Unprotect ticket failed\"); the log does not say whether its key was missing or its purpose differed",
                    v.name,
                    scheme
                        .as_ref()
                        .map(|s| format!(" ({s})"))
                        .unwrap_or_default()
                ),
                FactKind::Undecryptable { consumer } => {
                    format!("{} could not decrypt {}", v.name, consumer.a())
                }
                FactKind::RingReadFailed => format!("{} could not read its key ring", v.name),
                FactKind::KeyUnusable { key } => format!(
                    "{} cannot use key {} here (it is protected with DPAPI or a certificate this host lacks)",
                    v.name,
                    key.map_or_else(|| "?".to_owned(), KeyId::braced)
                ),
                FactKind::NotAProtectedValue { consumer } => format!(
                    "{} was sent a {} that Data Protection never protected",
                    v.name,
                    consumer.as_str()
                ),
                _ => continue,
            };
            let e = evidence_of(f, what);
            if explained_any {
                // Attach to the finding that explains failures on this replica.
                if let Some(fd) = b.findings.values_mut().find(|fd| fd.explains_failures) {
                    if fd.evidence.len() < 200 && !fd.evidence.contains(&e) {
                        fd.evidence.push(e);
                    }
                }
            } else if unexplained.len() < 200 {
                unexplained.push(e);
            }
        }
    }
    // Lone rejections: decide from the replicas' keys when possible.
    if !explained_any && !unexplained.is_empty() {
        let disjoint = views.len() > 1
            && views.values().all(|v| !v.keys().is_empty())
            && shared_keys.is_empty();
        let rejected: Vec<Evidence> = unexplained.clone();
        if disjoint {
            let mut ev = rejected;
            for v in views.values() {
                if let Some((k, f)) = v.made.iter().next().or_else(|| v.used.iter().next()) {
                    ev.push(evidence_of(
                        f,
                        format!(
                            "{} uses key {} and no other replica does",
                            v.name,
                            k.braced()
                        ),
                    ));
                }
            }
            let involved: Vec<&View<'_>> = views.values().collect();
            let (verdict, mut more) = classify(&involved);
            ev.append(&mut more);
            b.add(verdict, Confidence::Shown, true, || "The replicas protect with keys no other replica has: values made on one are rejected by the others.".to_owned(), ev);
            unexplained.clear();
        } else if !shared_keys.is_empty() && views.len() > 1 {
            let (mut ev, _) = disc_evidence();
            let mut all = unexplained.clone();
            all.append(&mut ev);
            b.add(
                Verdict::DiscriminatorMismatch,
                Confidence::Likely,
                true,
                || "The replicas share their keys, yet reject each other's values: their application discriminators most likely differ.".to_owned(),
                all,
            );
            unexplained.clear();
        }
    }

    // Failures still unexplained: the replica's key location explains them when known, else
    // the usual cause, marked likely, with what would settle it.
    if !unexplained.is_empty() && !b.findings.values().any(|f| f.explains_failures) {
        let target = [
            Verdict::KeysUnderWorkingDirectory,
            Verdict::KeysInContainer,
            Verdict::KeysInUserProfile,
            Verdict::RingsNotShared,
            Verdict::DiscriminatorMismatch,
        ]
        .into_iter()
        .find(|v| b.findings.contains_key(v));
        match target.and_then(|v| b.findings.get_mut(&v)) {
            Some(f) => {
                f.explains_failures = true;
                f.confidence = Confidence::Likely;
                f.evidence.append(&mut unexplained);
            }
            None => {
                let ev = std::mem::take(&mut unexplained);
                b.add(
                    Verdict::RingsNotShared,
                    Confidence::Likely,
                    true,
                    || "A protected value could not be read and these inputs do not say why; the usual cause is a key ring that the replica (or the process before a restart) that made the value did not share. The replicas' startup lines, Debug logs of Microsoft.AspNetCore.DataProtection, their key rings or the value itself would settle it.".to_owned(),
                    ev,
                );
            }
        }
    }

    // ---- Order: what explains failures first, then by verdict.
    let mut findings: Vec<Finding> = b.findings.into_values().collect();
    let rank = |v: Verdict| {
        Verdict::ALL
            .iter()
            .position(|x| *x == v)
            .unwrap_or(usize::MAX)
    };
    findings.sort_by_key(|f| (!f.explains_failures, f.confidence, rank(f.verdict)));
    // A failure explained by where keys live makes a generic "not shared" redundant.
    // A risk of "not shared" says less than where the keys are: keep the specific one.
    let specific = findings.iter().any(|f| {
        matches!(
            f.verdict,
            Verdict::KeysInContainer
                | Verdict::KeysUnderWorkingDirectory
                | Verdict::KeysInUserProfile
        )
    });
    if specific {
        findings.retain(|f| f.verdict != Verdict::RingsNotShared || f.explains_failures);
    }

    let relevant_facts = logs.iter().map(|l| l.facts.len()).sum::<usize>();
    let nothing_to_go_on = relevant_facts == 0
        && rings.is_empty()
        && values.is_empty()
        && *settings == Settings::default();
    if findings.is_empty() && unexplained.is_empty() {
        let mut ev = Vec::new();
        for v in views.values() {
            for f in v
                .facts
                .iter()
                .filter(|f| {
                    matches!(
                        f.kind,
                        FactKind::CookieAccepted { .. } | FactKind::AntiforgeryValid
                    )
                })
                .take(2)
            {
                ev.push(evidence_of(f, format!("{} read a protected value", v.name)));
            }
        }
        findings.push(Finding {
            verdict: Verdict::Healthy,
            confidence: if nothing_to_go_on || relevant_facts == 0 { Confidence::Likely } else { Confidence::Shown },
            explains_failures: false,
            summary: if relevant_facts == 0 && rings.is_empty() && values.is_empty() {
                "Nothing to go on: no line of these logs concerns Data Protection. Log Microsoft.AspNetCore.DataProtection at Debug level (and keep the startup lines), or give the key rings.".to_owned()
            } else {
                "No sign of replicas disagreeing about keys, names or sessions.".to_owned()
            },
            evidence: ev,
            fix: fix(Verdict::Healthy).to_owned(),
        });
    }

    // ---- Summaries.
    let replicas = views
        .values()
        .map(|v| ReplicaSummary {
            name: v.name.clone(),
            facts: v.facts.len(),
            repository: v.repository(),
            keys_made: v.made.keys().copied().collect(),
            keys_used: v.used.keys().copied().collect(),
            content_root: v.content_root.clone(),
            ring: v.ring.and_then(|i| rings.get(i)).map(|r| r.label.clone()),
        })
        .collect();
    let rings_out = rings
        .iter()
        .map(|r| RingSummary {
            label: r.label.clone(),
            keys: r
                .ring
                .keys()
                .iter()
                .map(crate::dataprotection::Key::id)
                .collect(),
            revoked: r
                .ring
                .keys()
                .iter()
                .filter(|k| k.is_revoked())
                .map(crate::dataprotection::Key::id)
                .collect(),
            default_key: r.ring.default_key(now).map(crate::dataprotection::Key::id),
        })
        .collect();
    let logs_out = logs
        .iter()
        .map(|l| LogSummary {
            source: l.source.clone(),
            lines: l.lines,
            records: l.records,
            facts: l.facts.len(),
            shapes: l.shapes.clone(),
        })
        .collect();
    let _ = Consumer::Unknown;
    Diagnosis {
        findings,
        nothing_to_go_on,
        unexplained,
        replicas,
        rings: rings_out,
        values: values.to_vec(),
        logs: logs_out,
    }
}
