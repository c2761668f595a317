//! The Data Protection facts of one log record, found by the words ASP.NET Core writes (its
//! `LoggingExtensions` templates and `Resources.resx` exception messages in
//! dotnet/aspnetcore `src/DataProtection/DataProtection/src`, the session, antiforgery and
//! authentication middleware's messages), matched case-insensitively over the record's text
//! with runs of blanks and line breaks read as one blank, so that re-wrapped and re-indented
//! lines still match. Wording that changed between 2.1 and 10 (`Userprofile` /
//! `User profile`, the aka.ms link or none, the old "auto-generation of keys disabled"
//! message) is matched in every form.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Serialize;

use crate::dataprotection::KeyId;

/// A record being assembled: one log event.
#[derive(Debug, Default)]
pub(super) struct Record {
    /// The replica its lines came from.
    pub(super) replica: String,
    /// `(line number, text)` of each line, the header's message first.
    pub(super) lines: Vec<(u64, String)>,
    /// The logger category, when the shape carries it.
    pub(super) category: Option<String>,
    /// The event id, when the shape carries it.
    pub(super) event_id: Option<u32>,
    /// Its size so far (bounded by [`LogLimits::max_record_bytes`](super::LogLimits)).
    pub(super) bytes: usize,
}

/// Which Data Protection user a failure or success is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Consumer {
    /// The session cookie (`SessionMiddleware`).
    Session,
    /// The antiforgery cookie or request token.
    Antiforgery,
    /// A cookie-authentication ticket (login cookie).
    CookieAuthentication,
    /// The TempData cookie.
    TempData,
    /// OpenID Connect or OAuth state.
    OpenIdConnect,
    /// IdentityServer's own protected data (signing keys, grants).
    IdentityServer,
    /// Not said.
    Unknown,
}

impl core::fmt::Display for Consumer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Consumer {
    /// A name for reports.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Session => "session cookie",
            Self::Antiforgery => "antiforgery token",
            Self::CookieAuthentication => "login cookie",
            Self::TempData => "TempData cookie",
            Self::OpenIdConnect => "OpenID Connect state",
            Self::IdentityServer => "IdentityServer data",
            Self::Unknown => "protected value",
        }
    }

    /// The name with its article ("an antiforgery token").
    #[must_use]
    pub fn a(self) -> String {
        match self {
            Self::Antiforgery | Self::IdentityServer => format!("an {}", self.as_str()),
            _ => format!("a {}", self.as_str()),
        }
    }
}

/// What a log line says about Data Protection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "fact", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FactKind {
    /// Warning 60: keys stored in a directory that is not a volume of the container.
    KeysInContainer {
        /// The directory.
        directory: Option<String>,
    },
    /// The user profile's key directory (`XmlKeyManager` 62/63).
    ProfileRepository {
        /// The directory.
        directory: Option<String>,
        /// Whether keys are encrypted at rest (DPAPI on Windows).
        encrypted_at_rest: bool,
    },
    /// The IIS registry key without a profile (61).
    RegistryRepository {
        /// The registry key.
        key: Option<String>,
    },
    /// Azure App Service's `%HOME%` share (64).
    AppServiceRepository {
        /// The directory.
        directory: Option<String>,
    },
    /// An in-memory ring (59, 50, or the ephemeral provider 45).
    EphemeralRepository,
    /// `ReadOnlyDataProtectionKeyDirectory`: keys read, never written.
    ReadOnlyRepository {
        /// The directory.
        directory: Option<String>,
    },
    /// A key file written (39).
    KeyFileWritten {
        /// The file.
        path: String,
        /// The key, from the file's name.
        key: Option<KeyId>,
    },
    /// A key file or registry value read (37, 40).
    KeyFileRead {
        /// The file.
        path: String,
        /// The key, from the file's name.
        key: Option<KeyId>,
    },
    /// A key made here (58, 35).
    KeyCreated {
        /// The key.
        key: KeyId,
    },
    /// A key found in or used from the ring (18, 13, 2, 65).
    KeyInUse {
        /// The key.
        key: KeyId,
    },
    /// "The key {…} was not found in the key ring."
    KeyNotFound {
        /// The key, unless the log hid it.
        key: Option<KeyId>,
        /// What failed.
        consumer: Consumer,
    },
    /// "The payload was invalid.": the key was there, the MAC failed.
    PayloadInvalid {
        /// What failed.
        consumer: Consumer,
    },
    /// A value that could not be decrypted, the cause not logged ("The antiforgery token
    /// could not be decrypted." alone).
    Undecryptable {
        /// What failed.
        consumer: Consumer,
    },
    /// A value refused because its key is revoked.
    RevokedKeyRefused {
        /// The key.
        key: Option<KeyId>,
        /// What failed.
        consumer: Consumer,
    },
    /// "The key ring's default data protection key {…} has been revoked."
    DefaultKeyRevoked {
        /// The key.
        key: Option<KeyId>,
    },
    /// A revocation in the ring (16, 19, 20, 22, 36).
    Revocation {
        /// The key, or every key created before the date when `None`.
        key: Option<KeyId>,
    },
    /// No usable default key and key generation disabled (49).
    NoKeyCannotCreate,
    /// Key generation disabled, an expired fallback key used (1).
    FallbackKey {
        /// The key.
        key: Option<KeyId>,
    },
    /// A key that cannot be used here (12: its `CreateEncryptor` failed: DPAPI or a
    /// certificate of another machine).
    KeyUnusable {
        /// The key.
        key: Option<KeyId>,
    },
    /// The key ring could not be read or refreshed (47, 48, 66).
    RingReadFailed,
    /// Writing the ring was refused (access denied, read-only file system).
    RingNotWritable {
        /// The path, when logged.
        path: Option<String>,
    },
    /// "The provided payload cannot be decrypted because it was not protected with this
    /// protection provider."
    NotAProtectedValue {
        /// What failed.
        consumer: Consumer,
    },
    /// "The required antiforgery cookie "…" is not present."
    AntiforgeryCookieMissing {
        /// The cookie the replica looked for.
        cookie: String,
    },
    /// "Antiforgery successfully validated a request."
    AntiforgeryValid,
    /// "… was not authenticated. Failure message: Unprotect ticket failed"
    CookieRejected {
        /// The authentication scheme.
        scheme: Option<String>,
    },
    /// "AuthenticationScheme: … was successfully authenticated."
    CookieAccepted {
        /// The authentication scheme.
        scheme: Option<String>,
    },
    /// "Session started; Key:…"
    SessionStarted {
        /// The session key (the cache entry, not the cookie).
        session: String,
    },
    /// "Accessing expired session, Key:…": the cache has no entry for the cookie's session.
    SessionMissing {
        /// The session key.
        session: String,
    },
    /// "Content root path: …" (the discriminator without `SetApplicationName`).
    ContentRoot {
        /// The path.
        path: String,
    },
    /// Trace 5/31: the purposes of an operation; the first is the application
    /// discriminator.
    Purposes {
        /// The key.
        key: Option<KeyId>,
        /// The purposes.
        purposes: Vec<String>,
    },
}

/// A fact with where it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Fact {
    /// The replica (the log's name, or the pod, host or service a prefix named).
    pub replica: String,
    /// The log it was read from.
    pub source: String,
    /// The line (1-based).
    pub line: u64,
    /// What it says.
    #[serde(flatten)]
    pub kind: FactKind,
    /// The log line, trimmed and cut to 240 characters, protected values elided.
    pub excerpt: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum P {
    KeysInContainer,
    Profile,
    ProfileOld,
    Registry,
    AppService,
    Ephemeral59,
    Ephemeral50,
    Ephemeral45,
    ReadOnly,
    Writing,
    ReadingFile,
    ReadingRegistry,
    Creating,
    NoXmlEncryptor,
    UsingKey,
    RingWithDefault,
    FoundKey,
    Considering,
    NotFound,
    PayloadInvalid,
    AntiforgeryDecrypt,
    HasBeenRevoked,
    WasRevokedCannot,
    RevokingAll,
    RevokingKey,
    FoundRevocationAll,
    FoundRevocationKey,
    MarkedRevoked,
    CannotCreate,
    CannotCreateOld,
    Fallback,
    Ineligible,
    ReadError,
    RefreshError,
    FailedToLoad,
    AccessDenied,
    ReadOnlyFs,
    NotProtected,
    AfCookieMissing,
    AfValid,
    UnprotectTicket,
    SuccessfullyAuthenticated,
    SessionStarted,
    SessionExpired,
    ContentRoot,
    PerformingUnprotect,
    PerformingProtect,
}

const PATTERNS: [(&str, P); 48] = [
    ("storing keys in a directory", P::KeysInContainer),
    ("user profile is available. using", P::Profile),
    ("userprofile is available. using", P::ProfileOld),
    ("user profile not available. using", P::Registry),
    ("azure web sites environment detected. using", P::AppService),
    (
        "neither user profile nor hklm registry available",
        P::Ephemeral59,
    ),
    ("using an in-memory repository", P::Ephemeral50),
    ("using ephemeral data protection provider", P::Ephemeral45),
    (
        "enabling read-only key access with repository directory",
        P::ReadOnly,
    ),
    ("writing data to file", P::Writing),
    ("reading data from file", P::ReadingFile),
    ("reading data from registry key", P::ReadingRegistry),
    ("creating key {", P::Creating),
    ("no xml encryptor configured. key {", P::NoXmlEncryptor),
    ("as the default key", P::UsingKey),
    ("key ring with default key {", P::RingWithDefault),
    ("found key {", P::FoundKey),
    ("considering key {", P::Considering),
    ("was not found in the key ring", P::NotFound),
    ("the payload was invalid", P::PayloadInvalid),
    (
        "antiforgery token could not be decrypted",
        P::AntiforgeryDecrypt,
    ),
    ("has been revoked", P::HasBeenRevoked),
    (
        "was revoked. unprotect operation cannot proceed",
        P::WasRevokedCannot,
    ),
    ("revoking all keys as of", P::RevokingAll),
    ("revoking key {", P::RevokingKey),
    (
        "found revocation of all keys created prior to",
        P::FoundRevocationAll,
    ),
    ("found revocation of key {", P::FoundRevocationKey),
    ("as revoked in the keyring", P::MarkedRevoked),
    (
        "cannot create a new key because auto-generation of keys is disabled",
        P::CannotCreate,
    ),
    (
        "configured with auto-generation of keys disabled",
        P::CannotCreateOld,
    ),
    (
        "automatic generation of keys is disabled. using fallback key",
        P::Fallback,
    ),
    (
        "is ineligible to be the default key because its",
        P::Ineligible,
    ),
    ("an error occurred while reading the key ring", P::ReadError),
    (
        "an error occurred while refreshing the key ring",
        P::RefreshError,
    ),
    (
        "key ring failed to load during application startup",
        P::FailedToLoad,
    ),
    ("access to the path", P::AccessDenied),
    ("read-only file system", P::ReadOnlyFs),
    (
        "was not protected with this protection provider",
        P::NotProtected,
    ),
    ("the required antiforgery cookie", P::AfCookieMissing),
    ("antiforgery successfully validated a request", P::AfValid),
    (
        "failure message: unprotect ticket failed",
        P::UnprotectTicket,
    ),
    (
        "was successfully authenticated",
        P::SuccessfullyAuthenticated,
    ),
    ("session started; key:", P::SessionStarted),
    ("accessing expired session, key:", P::SessionExpired),
    ("content root path:", P::ContentRoot),
    (
        "performing unprotect operation to key {",
        P::PerformingUnprotect,
    ),
    (
        "performing protect operation to key {",
        P::PerformingProtect,
    ),
    ("userprofile is available; using", P::ProfileOld),
];

fn automaton() -> Option<&'static AhoCorasick> {
    static AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    AC.get_or_init(|| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(PATTERNS.iter().map(|(p, _)| *p))
            .ok()
    })
    .as_ref()
}

/// A record's text as one line: blanks and line breaks collapsed to one blank, with where
/// each original line starts (to give a match its line) and ends.
struct Flat {
    text: String,
    /// `(offset in text, line number, offset where the line ends)`.
    lines: Vec<(usize, u64, usize)>,
}

fn flatten(rec: &Record) -> Flat {
    let mut text = String::new();
    let mut lines = Vec::with_capacity(rec.lines.len());
    for (no, l) in &rec.lines {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push(' ');
        }
        let start = text.len();
        let mut blank = false;
        for c in l.chars() {
            if c.is_whitespace() {
                blank = true;
            } else {
                if blank {
                    text.push(' ');
                    blank = false;
                }
                text.push(c);
            }
        }
        lines.push((start, *no, text.len()));
    }
    Flat { text, lines }
}

impl Flat {
    fn line_at(&self, offset: usize) -> (u64, usize, usize) {
        let i = self
            .lines
            .partition_point(|(start, _, _)| *start <= offset)
            .saturating_sub(1);
        self.lines
            .get(i)
            .map_or((0, 0, self.text.len()), |(s, n, e)| (*n, *s, *e))
    }

    fn after(&self, offset: usize) -> &str {
        self.text.get(offset..).unwrap_or_default()
    }

    fn before(&self, offset: usize, max: usize) -> &str {
        let mut start = offset.saturating_sub(max);
        while start < offset && !self.text.is_char_boundary(start) {
            start += 1;
        }
        self.text.get(start..offset).unwrap_or_default()
    }
}

/// The first GUID in braces in `s` (blanks inside tolerated: wrapped lines), within the
/// first `window` bytes; `Some(None)` for braces holding no GUID (a redacted `{GUID}`,
/// `{xxx}`, `{...}`).
fn braced_guid(s: &str, window: usize) -> Option<Option<KeyId>> {
    let open = prefix(s, window + 1).find('{')?;
    if open > window {
        return None;
    }
    let inner = s.get(open + 1..)?;
    let close = prefix(inner, 96).find('}')?;
    let body: String = inner
        .get(..close.min(80))?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Some(body.parse::<KeyId>().ok())
}

/// At most the first `max` bytes of `s` (cut back to a character boundary).
fn prefix(s: &str, max: usize) -> &str {
    let mut cut = s.len().min(max);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.get(..cut).unwrap_or_default()
}

/// The last GUID in braces in `s`.
fn last_braced_guid(s: &str) -> Option<Option<KeyId>> {
    let open = s.rfind('{')?;
    braced_guid(s.get(open..)?, 0)
}

/// A bare GUID in `s` (a key file's name).
fn bare_guid(s: &str) -> Option<KeyId> {
    let b = s.as_bytes();
    (0..b.len())
        .find_map(|i| s.get(i..i + 36).and_then(|c| c.parse::<KeyId>().ok()))
        .filter(|_| b.len() >= 36)
}

/// The text inside the first quotes (`'…'`, `"…"`, Serilog's `'"…"'`) near the start of `s`.
fn quoted(s: &str, window: usize) -> Option<String> {
    let start = prefix(s, window + 1).find(['\'', '"'])?;
    if start > window {
        return None;
    }
    let q = s.get(start..start + 1)?;
    let rest = s.get(start + 1..)?;
    let end = prefix(rest, 1100).find(q)?;
    let inner = rest.get(..end)?.trim_matches(['"', '\'']).trim();
    (!inner.is_empty() && inner.len() <= 1024).then(|| inner.to_owned())
}

/// Which consumer a record is about, from the words around its failure.
fn consumer_of(flat: &str, category: Option<&str>) -> Consumer {
    let lower = flat.to_ascii_lowercase();
    let cat = category.unwrap_or_default().to_ascii_lowercase();
    let markers: [(&str, Consumer); 12] = [
        ("session cookie", Consumer::Session),
        ("sessionmiddleware", Consumer::Session),
        ("cookieprotection.unprotect", Consumer::Session),
        ("antiforgery", Consumer::Antiforgery),
        ("unprotect ticket failed", Consumer::CookieAuthentication),
        ("cookieauthentication", Consumer::CookieAuthentication),
        ("ticketdataformat", Consumer::CookieAuthentication),
        ("tempdata", Consumer::TempData),
        ("openidconnect", Consumer::OpenIdConnect),
        ("oauth", Consumer::OpenIdConnect),
        ("identityserver", Consumer::IdentityServer),
        ("duende", Consumer::IdentityServer),
    ];
    let mut best: Option<(usize, Consumer)> = None;
    for (m, c) in markers {
        let pos = if cat.contains(m) {
            Some(0)
        } else {
            lower.find(m)
        };
        if let Some(p) = pos {
            if best.is_none_or(|(b, _)| p < b) {
                best = Some((p, c));
            }
        }
    }
    best.map_or(Consumer::Unknown, |(_, c)| c)
}

/// A log line with protected values elided, cut to 240 characters.
fn excerpt(line: &str) -> String {
    let mut out = String::with_capacity(line.len().min(260));
    let mut rest = line;
    while let Some(i) = rest.find("CfDJ8") {
        out.push_str(rest.get(..i).unwrap_or_default());
        out.push_str("CfDJ8…");
        let tail = rest.get(i..).unwrap_or_default();
        let end = tail
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/' | '=' | '%'))
            })
            .unwrap_or(tail.len());
        rest = tail.get(end..).unwrap_or_default();
    }
    out.push_str(rest);
    if out.chars().count() > 240 {
        let cut: String = out.chars().take(239).collect();
        format!("{cut}…")
    } else {
        out
    }
}

/// The most facts one record yields (a stack trace repeating one message yields one).
const MAX_FACTS_PER_RECORD: usize = 256;

/// The facts of one record.
pub(super) fn extract(rec: &Record, source: &str) -> Vec<Fact> {
    let Some(ac) = automaton() else {
        return Vec::new();
    };
    let flat = flatten(rec);
    let mut out: Vec<Fact> = Vec::new();
    let mut push = |offset: usize, kind: FactKind| {
        if out.len() >= MAX_FACTS_PER_RECORD || out.iter().any(|f| f.kind == kind) {
            return;
        }
        let (line, start, end) = flat.line_at(offset);
        let text = flat.text.get(start..end).unwrap_or_default();
        out.push(Fact {
            replica: rec.replica.clone(),
            source: source.to_owned(),
            line,
            kind,
            excerpt: excerpt(text),
        });
    };
    // Worked out once per record, and only when a failure needs it.
    let consumer_cell: std::cell::OnceCell<Consumer> = std::cell::OnceCell::new();
    let consumer =
        || *consumer_cell.get_or_init(|| consumer_of(&flat.text, rec.category.as_deref()));
    let lower_cell: std::cell::OnceCell<String> = std::cell::OnceCell::new();
    let lower = || {
        lower_cell
            .get_or_init(|| flat.text.to_ascii_lowercase())
            .as_str()
    };
    let mut matched_decrypt_cause = false;
    let mut antiforgery_decrypt: Option<usize> = None;
    for m in ac.find_overlapping_iter(&flat.text) {
        let Some((_, p)) = PATTERNS.get(m.pattern().as_usize()) else {
            continue;
        };
        let (start, end) = (m.start(), m.end());
        let after = flat.after(end);
        // What follows the match, bounded: wording checks look no further.
        let near = {
            let mut cut = after.len().min(600);
            while !after.is_char_boundary(cut) {
                cut -= 1;
            }
            after.get(..cut).unwrap_or_default().to_ascii_lowercase()
        };
        // `{…}` right at the end of the pattern (patterns ending in `{` keep it in `after`).
        let key_here = || braced_guid(flat.after(end.saturating_sub(1)), 2).flatten();
        match p {
            P::KeysInContainer => {
                if near.contains("container") {
                    push(
                        start,
                        FactKind::KeysInContainer {
                            directory: quoted(after, 8),
                        },
                    );
                }
            }
            P::Profile | P::ProfileOld => {
                let tail = &near;
                push(
                    start,
                    FactKind::ProfileRepository {
                        directory: quoted(after, 8),
                        encrypted_at_rest: tail.contains("dpapi")
                            && !tail.contains("will not be encrypted"),
                    },
                );
            }
            P::Registry => push(
                start,
                FactKind::RegistryRepository {
                    key: quoted(after, 8),
                },
            ),
            P::AppService => push(
                start,
                FactKind::AppServiceRepository {
                    directory: quoted(after, 8),
                },
            ),
            P::Ephemeral59 | P::Ephemeral50 | P::Ephemeral45 => {
                push(start, FactKind::EphemeralRepository)
            }
            P::ReadOnly => push(
                start,
                FactKind::ReadOnlyRepository {
                    directory: quoted(after, 8),
                },
            ),
            P::Writing | P::ReadingFile | P::ReadingRegistry => {
                if let Some(path) = quoted(after, 8) {
                    let key = bare_guid(&path);
                    push(
                        start,
                        if *p == P::Writing {
                            FactKind::KeyFileWritten { path, key }
                        } else {
                            FactKind::KeyFileRead { path, key }
                        },
                    );
                }
            }
            P::Creating | P::NoXmlEncryptor => {
                if let Some(key) = key_here() {
                    push(start, FactKind::KeyCreated { key });
                }
            }
            P::UsingKey => {
                // "Using key {…} as the default key." (and "… fallback key {…} … as default key").
                let before = flat.before(start, 60);
                if let Some(Some(key)) = last_braced_guid(before) {
                    push(start, FactKind::KeyInUse { key });
                }
            }
            P::RingWithDefault | P::FoundKey | P::Considering => {
                if let Some(key) = key_here() {
                    push(start, FactKind::KeyInUse { key });
                }
            }
            P::NotFound => {
                let before = flat.before(start, 70);
                let key = last_braced_guid(before).flatten();
                matched_decrypt_cause = true;
                push(
                    start,
                    FactKind::KeyNotFound {
                        key,
                        consumer: consumer(),
                    },
                );
            }
            P::PayloadInvalid => {
                matched_decrypt_cause = true;
                push(
                    start,
                    FactKind::PayloadInvalid {
                        consumer: consumer(),
                    },
                );
            }
            P::AntiforgeryDecrypt => antiforgery_decrypt = antiforgery_decrypt.or(Some(start)),
            P::HasBeenRevoked => {
                let before = flat.before(start, 120);
                let key = last_braced_guid(before).flatten();
                matched_decrypt_cause = true;
                if before
                    .to_ascii_lowercase()
                    .contains("default data protection key")
                {
                    push(start, FactKind::DefaultKeyRevoked { key });
                } else if before.to_ascii_lowercase().contains("key") {
                    push(
                        start,
                        FactKind::RevokedKeyRefused {
                            key,
                            consumer: consumer(),
                        },
                    );
                }
            }
            P::WasRevokedCannot => {
                let key = last_braced_guid(flat.before(start, 70)).flatten();
                matched_decrypt_cause = true;
                push(
                    start,
                    FactKind::RevokedKeyRefused {
                        key,
                        consumer: consumer(),
                    },
                );
            }
            P::RevokingAll | P::FoundRevocationAll => {
                push(start, FactKind::Revocation { key: None })
            }
            P::RevokingKey | P::FoundRevocationKey => {
                if let Some(key) = key_here() {
                    push(start, FactKind::Revocation { key: Some(key) });
                }
            }
            P::MarkedRevoked => {
                if let Some(Some(key)) = last_braced_guid(flat.before(start, 70)) {
                    push(start, FactKind::Revocation { key: Some(key) });
                }
            }
            P::CannotCreate | P::CannotCreateOld => push(start, FactKind::NoKeyCannotCreate),
            P::Fallback => push(start, FactKind::FallbackKey { key: key_here() }),
            P::Ineligible => {
                let key = last_braced_guid(flat.before(start, 70)).flatten();
                push(start, FactKind::KeyUnusable { key });
            }
            P::ReadError | P::RefreshError | P::FailedToLoad => {
                push(start, FactKind::RingReadFailed)
            }
            P::AccessDenied => {
                // Only where the path is the ring's: a key file or the keys' directory.
                let path = quoted(after, 4);
                let relevant = path.as_deref().is_some_and(|p| {
                    let l = p.to_ascii_lowercase();
                    l.contains("dataprotection") || l.contains("key-") || l.contains("keys")
                });
                if relevant
                    && after
                        .get(..after.len().min(1200))
                        .unwrap_or(after)
                        .contains("denied")
                {
                    push(start, FactKind::RingNotWritable { path });
                }
            }
            P::ReadOnlyFs => {
                let l = lower();
                if l.contains("dataprotection") || l.contains("key-") || l.contains("xmlrepository")
                {
                    push(
                        start,
                        FactKind::RingNotWritable {
                            path: quoted(flat.before(start, 300), 300),
                        },
                    );
                }
            }
            P::NotProtected => push(
                start,
                FactKind::NotAProtectedValue {
                    consumer: consumer(),
                },
            ),
            P::AfCookieMissing => {
                if let Some(cookie) = quoted(after, 6) {
                    if near.contains("is not present") {
                        push(start, FactKind::AntiforgeryCookieMissing { cookie });
                    }
                }
            }
            P::AfValid => push(start, FactKind::AntiforgeryValid),
            P::UnprotectTicket => {
                let before = flat.before(start, 120);
                let scheme = before
                    .rsplit_once(" was not authenticated.")
                    .map(|(b, _)| {
                        b.rsplit(' ')
                            .next()
                            .unwrap_or(b)
                            .trim_end_matches(':')
                            .to_owned()
                    })
                    .filter(|s| !s.is_empty() && s.len() < 100);
                push(start, FactKind::CookieRejected { scheme });
            }
            P::SuccessfullyAuthenticated => {
                let before = flat.before(start, 100);
                let scheme = before
                    .rsplit_once("AuthenticationScheme:")
                    .map(|(_, s)| s.trim().to_owned())
                    .filter(|s| !s.is_empty() && s.len() < 100);
                push(start, FactKind::CookieAccepted { scheme });
            }
            P::SessionStarted | P::SessionExpired => {
                let session: String = after
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_hexdigit() || *c == '-')
                    .collect();
                if !session.is_empty() {
                    push(
                        start,
                        if *p == P::SessionStarted {
                            FactKind::SessionStarted { session }
                        } else {
                            FactKind::SessionMissing { session }
                        },
                    );
                }
            }
            P::ContentRoot => {
                let (_, _, line_end) = flat.line_at(end);
                let path = flat
                    .text
                    .get(end..line_end.max(end))
                    .unwrap_or_default()
                    .trim()
                    .trim_matches(['"', '\''])
                    .to_owned();
                if !path.is_empty() && path.len() <= 1024 {
                    push(start, FactKind::ContentRoot { path });
                }
            }
            P::PerformingUnprotect | P::PerformingProtect => {
                let key = key_here();
                if let Some((_, list)) = prefix(after, 8192).split_once("with purposes (") {
                    let list = list.split(")").next().unwrap_or_default();
                    let purposes: Vec<String> = list
                        .split("', '")
                        .map(|p| p.trim().trim_matches('\'').to_owned())
                        .filter(|p| !p.is_empty())
                        .take(32)
                        .collect();
                    if !purposes.is_empty() {
                        push(start, FactKind::Purposes { key, purposes });
                    }
                }
            }
        }
    }
    if let Some(at) = antiforgery_decrypt {
        if !matched_decrypt_cause {
            push(
                at,
                FactKind::Undecryptable {
                    consumer: Consumer::Antiforgery,
                },
            );
        }
    }
    out
}
