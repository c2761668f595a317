//! ASP.NET's events as the Application log holds them: what happened, where and to whom.

use serde::Serialize;

use super::fields::{Field, field_for_label, id_for_code, layout};
use super::when::{EventTime, parse_culture};
use crate::names::names;

/// Why a ViewState failed verification (`WebViewStateFailureAuditEvent`, code 4009).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ViewStateReason {
    /// Detail 50203 (`InvalidViewStateMac`): "The viewstate supplied failed integrity check."
    Mac,
    /// Detail 50204 (`InvalidViewState`): "Viewstate was invalid."
    Invalid,
    /// Another or no detail code.
    Unknown,
}

/// Why forms authentication failed (`WebAuthenticationFailureAuditEvent`, code 4005).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TicketReason {
    /// Detail 50201 (`InvalidTicketFailure`): "The ticket supplied was invalid."
    InvalidTicket,
    /// Detail 50202 (`ExpiredTicketFailure`): "The ticket supplied has expired."
    ExpiredTicket,
    /// Another or no detail code.
    Unknown,
}

/// An exception classified by the text ASP.NET (or the library that threw it) gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ExceptionClass {
    /// "Validation of viewstate MAC failed..." (`ViewState_AuthenticationFailed`).
    ViewStateMac,
    /// "The state information is invalid for this page and might be corrupted."
    ViewStateInvalid,
    /// "Unable to validate data." (`MachineKeySection`: a legacy MAC did not verify).
    UnableToValidate,
    /// "Padding is invalid and cannot be removed." (a decryption without a verified MAC).
    Padding,
    /// "Error occurred during a cryptographic operation." (Framework45 unprotect failed).
    CryptographicOperation,
    /// "The anti-forgery token could not be decrypted..." (MVC / Web Pages, or Core's
    /// "The antiforgery token could not be decrypted.").
    AntiForgery,
    /// "The key {...} was not found in the key ring." (Data Protection).
    KeyNotFound,
    /// "Invalid value for 'encryptedTicket' parameter." (`FormsAuthentication.Decrypt`).
    Ticket,
    /// Any other exception.
    Other,
}

impl ExceptionClass {
    /// Classifies an exception message.
    ///
    /// # Example
    /// ```
    /// use machinekey::events::ExceptionClass;
    /// assert_eq!(ExceptionClass::of("Padding is invalid and cannot be removed."), ExceptionClass::Padding);
    /// assert_eq!(ExceptionClass::of("The key {2d5b6c63-1f42-4a52-8a3c-2b4b7c1e0f11} was not found in the key ring."), ExceptionClass::KeyNotFound);
    /// assert_eq!(ExceptionClass::of("Object reference not set to an instance of an object."), ExceptionClass::Other);
    /// ```
    #[must_use]
    pub fn of(message: &str) -> Self {
        const TEXTS: &[(&str, ExceptionClass)] = &[
            (
                "Validation of viewstate MAC failed",
                ExceptionClass::ViewStateMac,
            ),
            (
                "The state information is invalid for this page",
                ExceptionClass::ViewStateInvalid,
            ),
            (
                "Padding is invalid and cannot be removed",
                ExceptionClass::Padding,
            ),
            ("Unable to validate data", ExceptionClass::UnableToValidate),
            (
                "Error occurred during a cryptographic operation",
                ExceptionClass::CryptographicOperation,
            ),
            (
                "anti-forgery token could not be decrypted",
                ExceptionClass::AntiForgery,
            ),
            (
                "antiforgery token could not be decrypted",
                ExceptionClass::AntiForgery,
            ),
            ("was not found in the key ring", ExceptionClass::KeyNotFound),
            (
                "Invalid value for 'encryptedTicket' parameter",
                ExceptionClass::Ticket,
            ),
        ];
        TEXTS
            .iter()
            .find(|(t, _)| message.contains(t))
            .map_or(Self::Other, |(_, c)| *c)
    }

    /// Whether this is a failure to verify or decrypt protected data (every class but
    /// [`Other`](Self::Other)).
    #[must_use]
    pub fn is_crypto(self) -> bool {
        self != Self::Other
    }
}

/// Whether a step of a setup operation started or finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Step {
    /// "Start ..." (1017, 1027, 1137).
    Start,
    /// "Finish..." (1019, 1029, 1138).
    Finish,
}

/// What an ASP.NET event says happened.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// 1316 / code 4009: "Viewstate verification failed."
    #[serde(rename = "viewstate_failure")]
    ViewStateFailure {
        /// From the detail code.
        reason: ViewStateReason,
    },
    /// 1315 / code 4005: "Forms authentication failed for the request."
    FormsAuthenticationFailure {
        /// From the detail code.
        reason: TicketReason,
    },
    /// 1309 / codes 3001-3012: an error event (3005: "An unhandled exception has occurred.").
    Exception {
        /// From the exception message.
        class: ExceptionClass,
    },
    /// 1305 / codes 1001-1005: the application started, shut down (and why), compiled.
    ApplicationLifetime {
        /// The web event code (1001 start, 1002 shutdown).
        code: u32,
    },
    /// 1017/1019 ("Start/Finish registering ASP.NET (version ...)"), 1027/1029
    /// (unregistering): a framework installer, update or repair ran.
    Installer {
        /// Start or finish.
        step: Step,
        /// Whether it unregistered.
        unregister: bool,
        /// The framework version registered.
        version: Option<String>,
    },
    /// 1137/1138: `aspnet_regiis -ga ACCOUNT` ("Start/Finished granting ACCOUNT access to the
    /// IIS metabase and other directories used by ASP.NET.").
    GrantAccess {
        /// Start or finish.
        step: Step,
        /// The account granted.
        account: Option<String>,
    },
    /// Another health-monitoring event (success audits, heartbeats, ...).
    OtherWebEvent {
        /// The web event code.
        code: Option<u32>,
    },
    /// Another ASP.NET event ID.
    Other,
}

impl EventKind {
    /// A failure to read protected state: a ViewState verification failure, a forms ticket
    /// that was invalid (not merely expired), or an exception whose text is a cryptographic
    /// failure.
    ///
    /// # Example
    /// ```
    /// use machinekey::events::{EventKind, ExceptionClass, TicketReason};
    /// assert!(EventKind::Exception { class: ExceptionClass::UnableToValidate }.is_failure());
    /// assert!(!EventKind::FormsAuthenticationFailure { reason: TicketReason::ExpiredTicket }.is_failure());
    /// ```
    #[must_use]
    pub fn is_failure(&self) -> bool {
        match self {
            Self::ViewStateFailure { .. } => true,
            Self::FormsAuthenticationFailure { reason } => *reason != TicketReason::ExpiredTicket,
            Self::Exception { class } => class.is_crypto(),
            _ => false,
        }
    }

    /// A short label: `viewstate_failure/mac`, `exception/padding`, `installer/finish`, ...
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Self::ViewStateFailure { reason } => {
                format!("viewstate_failure/{}", reason.as_str())
            }
            Self::FormsAuthenticationFailure { reason } => {
                format!("forms_authentication_failure/{}", reason.as_str())
            }
            Self::Exception { class } => format!("exception/{}", class.as_str()),
            Self::ApplicationLifetime { code } => format!("application_lifetime/{code}"),
            Self::Installer {
                step, unregister, ..
            } => format!(
                "installer/{}{}",
                if *unregister { "unregister_" } else { "" },
                step.as_str()
            ),
            Self::GrantAccess { step, .. } => format!("grant_access/{}", step.as_str()),
            Self::OtherWebEvent { code } => match code {
                Some(c) => format!("other_web_event/{c}"),
                None => "other_web_event".to_owned(),
            },
            Self::Other => "other".to_owned(),
        }
    }
}

names!(ViewStateReason, "The reason, as JSON gives it.", {
    Mac => "mac",
    Invalid => "invalid",
    Unknown => "unknown",
});

names!(TicketReason, "The reason, as JSON gives it.", {
    InvalidTicket => "invalid_ticket",
    ExpiredTicket => "expired_ticket",
    Unknown => "unknown",
});

names!(ExceptionClass, "The class, as JSON gives it.", {
    ViewStateMac => "view_state_mac",
    ViewStateInvalid => "view_state_invalid",
    UnableToValidate => "unable_to_validate",
    Padding => "padding",
    CryptographicOperation => "cryptographic_operation",
    AntiForgery => "anti_forgery",
    KeyNotFound => "key_not_found",
    Ticket => "ticket",
    Other => "other",
});

names!(Step, "The step, as JSON gives it.", {
    Start => "start",
    Finish => "finish",
});

impl core::fmt::Display for EventKind {
    /// The [`label`](Self::label).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.label())
    }
}

/// Where a record was read: the input's name and the record's place in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Origin {
    /// The file name (or what the caller named the input).
    pub source: String,
    /// The record's number in the input (1-based, in reading order).
    pub index: u64,
    /// The line (text inputs) or byte offset (XML, evtx) where the record starts.
    pub position: Option<u64>,
}

impl core::fmt::Display for Origin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}#{}", self.source, self.index)
    }
}

/// One ASP.NET event, every field as the log wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Event {
    /// Where it was read.
    pub origin: Origin,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
    /// The Windows event ID (1309, 1316, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<u32>,
    /// The record number in its log (`EventRecordID`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<u64>,
    /// The event source (`ASP.NET 4.0.30319.0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// When: the record's `TimeCreated`, or else the event's own `Event time (UTC)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<EventTime>,
    /// The web event code (3005, 4009, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_code: Option<u32>,
    /// The web event detail code (50203, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_code: Option<u32>,
    /// The event message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The machine: the event's `Machine name`, or the record's `Computer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// The worker process id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_id: Option<u32>,
    /// The worker process name (`w3wp.exe`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_name: Option<String>,
    /// The process account (`IIS APPPOOL\DefaultAppPool`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The application domain (`/LM/W3SVC/1/ROOT/shop-1-13...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_domain: Option<String>,
    /// The application virtual path (`/shop`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_virtual_path: Option<String>,
    /// The application's physical path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_path: Option<String>,
    /// The client address (`Client IP`, else `User host address`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_address: Option<String>,
    /// The client's User-Agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The request URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The request path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_path: Option<String>,
    /// The page path (`PATH_INFO`) of a ViewState failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_path: Option<String>,
    /// The Referer of a ViewState failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referer: Option<String>,
    /// The exception type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception_type: Option<String>,
    /// The exception message (for a ViewState failure, the `ViewStateException`'s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception_message: Option<String>,
    /// The ViewState of a ViewState failure, as logged. Not serialized (it is the value
    /// itself: the batch line carries it as `viewstate`).
    #[serde(skip)]
    pub persisted_state: Option<String>,
    /// Event sequence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u64>,
    /// Event occurrence (how many of this event the application had raised).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurrence: Option<u64>,
}

impl Event {
    /// The worker process, as `machine/pid process`.
    #[must_use]
    pub fn worker(&self) -> Option<String> {
        let pid = self.process_id?;
        Some(format!(
            "{}/{pid}{}",
            self.machine.as_deref().unwrap_or("?"),
            self.process_name
                .as_deref()
                .map(|n| format!(" {n}"))
                .unwrap_or_default()
        ))
    }

    /// The application: the metabase path of its application domain (`/LM/W3SVC/1/ROOT/shop`,
    /// the domain's `-N-timestamp` suffix removed), else its virtual path.
    #[must_use]
    pub fn application(&self) -> Option<String> {
        if let Some(domain) = self.app_domain.as_deref() {
            return Some(app_domain_base(domain).to_owned());
        }
        self.app_virtual_path.clone()
    }

    /// Whether the PersistedState ends with the `...` ASP.NET appends when it cuts an
    /// insertion string at the event log's limit (32,766 characters).
    #[must_use]
    pub fn persisted_state_truncated(&self) -> bool {
        self.persisted_state
            .as_deref()
            .is_some_and(|s| s.len() >= 32_000 && s.ends_with("..."))
    }
}

/// `/LM/W3SVC/1/ROOT/shop-1-130567...` without its `-N-digits` suffix.
fn app_domain_base(domain: &str) -> &str {
    let mut parts = domain.rsplitn(3, '-');
    let (Some(last), Some(mid), Some(base)) = (parts.next(), parts.next(), parts.next()) else {
        return domain;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(last) && digits(mid) {
        base
    } else {
        domain
    }
}

/// A record as a reader found it, before it is read as an ASP.NET event.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawRecord {
    pub(crate) provider: Option<String>,
    pub(crate) event_id: Option<u32>,
    pub(crate) record_id: Option<u64>,
    pub(crate) time: Option<EventTime>,
    pub(crate) computer: Option<String>,
    /// The insertion strings, in order (XML, evtx, deja_view).
    pub(crate) strings: Vec<String>,
    /// Fields read from a rendered message (text exports).
    pub(crate) labelled: Vec<(Field, String)>,
    /// The rendered message, when the input gives only that.
    pub(crate) description: Option<String>,
}

/// Why a record is not an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SkipReason {
    /// Another provider's record.
    NotAspNet {
        /// Its provider, when named.
        provider: Option<String>,
    },
    /// A record that cannot be read, and why.
    Malformed {
        /// What is wrong.
        message: String,
    },
    /// A record larger than the reader's limit.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl core::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NotAspNet { provider: Some(p) } => write!(f, "not an ASP.NET record ({p})"),
            Self::NotAspNet { provider: None } => f.write_str("not an ASP.NET record"),
            Self::Malformed { message } => write!(f, "malformed record: {message}"),
            Self::TooLarge { limit } => write!(f, "record larger than {limit} bytes"),
        }
    }
}

/// The Windows event IDs of ASP.NET's setup and health events that the model reads.
const SETUP_IDS: [u32; 6] = [1017, 1019, 1027, 1029, 1137, 1138];

fn is_aspnet_provider(p: &str) -> bool {
    let p = p.trim();
    p.len() >= 7
        && p.get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("ASP.NET"))
        && !p.to_ascii_lowercase().contains("core")
}

fn nonempty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty() && t != "N/A").then(|| t.to_owned())
}

/// Reads a setup message's argument: the text after `prefix` up to `end`.
fn between<'a>(text: &'a str, prefix: &str, end: &str) -> Option<&'a str> {
    let start = text.find(prefix)? + prefix.len();
    let rest = text.get(start..)?;
    let stop = rest.find(end).unwrap_or(rest.len());
    rest.get(..stop).map(str::trim)
}

impl RawRecord {
    /// The record as an ASP.NET event, or why it is not one.
    pub(crate) fn into_event(self, origin: Origin) -> Result<Event, SkipReason> {
        let provider_ok = match self.provider.as_deref() {
            Some(p) => is_aspnet_provider(p),
            None => true,
        };
        if !provider_ok {
            return Err(SkipReason::NotAspNet {
                provider: self.provider,
            });
        }
        let mut fields: Vec<(Field, String)> = Vec::new();
        let mut event_id = self.event_id;
        let code_at_0 = self
            .strings
            .first()
            .and_then(|s| s.trim().parse::<u32>().ok());
        if !self.strings.is_empty() {
            let id = event_id
                .filter(|id| layout(*id).is_some())
                .or_else(|| code_at_0.and_then(id_for_code));
            if let Some(l) = id.and_then(layout) {
                event_id = event_id.or(id);
                fields.extend(
                    l.into_iter()
                        .zip(self.strings.iter())
                        .map(|(f, s)| (f, s.clone())),
                );
            }
        }
        fields.extend(self.labelled);
        let get = |f: Field| -> Option<String> {
            fields
                .iter()
                .find(|(g, v)| *g == f && !v.trim().is_empty())
                .and_then(|(_, v)| nonempty(v))
        };
        let code = get(Field::EventCode).and_then(|c| c.parse::<u32>().ok());
        if event_id.is_none() {
            event_id = code.and_then(id_for_code);
        }
        // Setup events carry their arguments positionally (or in the rendered text).
        let arg = |i: usize| self.strings.get(i).and_then(|s| nonempty(s));
        let text = self.description.as_deref().unwrap_or_default();
        let kind = match (event_id, code) {
            (Some(id @ (1017 | 1019 | 1027 | 1029)), _) => EventKind::Installer {
                step: if matches!(id, 1017 | 1027) {
                    Step::Start
                } else {
                    Step::Finish
                },
                unregister: matches!(id, 1027 | 1029),
                version: arg(0).or_else(|| between(text, "(version ", ")").map(str::to_owned)),
            },
            (Some(id @ (1137 | 1138)), _) => EventKind::GrantAccess {
                step: if id == 1137 {
                    Step::Start
                } else {
                    Step::Finish
                },
                account: arg(0).or_else(|| {
                    between(text, "granting ", " access")
                        .filter(|a| !a.is_empty())
                        .map(str::to_owned)
                }),
            },
            (_, Some(c)) => {
                let detail = get(Field::EventDetailCode).and_then(|d| d.parse::<u32>().ok());
                let message = get(Field::EventMessage).unwrap_or_default();
                match c {
                    4009 => EventKind::ViewStateFailure {
                        reason: match detail {
                            Some(50203) => ViewStateReason::Mac,
                            Some(50204) => ViewStateReason::Invalid,
                            _ if message.contains("failed integrity check") => ViewStateReason::Mac,
                            _ if message.contains("Viewstate was invalid") => {
                                ViewStateReason::Invalid
                            }
                            _ => ViewStateReason::Unknown,
                        },
                    },
                    4005 => EventKind::FormsAuthenticationFailure {
                        reason: match detail {
                            Some(50201) => TicketReason::InvalidTicket,
                            Some(50202) => TicketReason::ExpiredTicket,
                            _ if message.contains("ticket supplied was invalid") => {
                                TicketReason::InvalidTicket
                            }
                            _ if message.contains("ticket supplied has expired") => {
                                TicketReason::ExpiredTicket
                            }
                            _ => TicketReason::Unknown,
                        },
                    },
                    3001..=3012 => EventKind::Exception {
                        class: ExceptionClass::of(
                            &get(Field::ExceptionMessage).unwrap_or_default(),
                        ),
                    },
                    1001..=1005 => EventKind::ApplicationLifetime { code: c },
                    _ => EventKind::OtherWebEvent { code: Some(c) },
                }
            }
            (Some(id), None) if (1303..=1316).contains(&id) => {
                EventKind::OtherWebEvent { code: None }
            }
            (Some(id), None) if self.provider.is_some() || SETUP_IDS.contains(&id) => {
                EventKind::Other
            }
            _ => {
                return Err(match self.provider {
                    Some(_) => SkipReason::Malformed {
                        message: "an ASP.NET record without an event ID or event code".into(),
                    },
                    None => SkipReason::NotAspNet { provider: None },
                });
            }
        };
        let time = self
            .time
            .or_else(|| get(Field::EventTimeUtc).and_then(|t| parse_culture(&t, true)))
            .or_else(|| get(Field::EventTime).and_then(|t| parse_culture(&t, false)));
        let number = |f: Field| get(f).and_then(|v| v.parse::<u64>().ok());
        Ok(Event {
            origin,
            kind,
            event_id,
            record_id: self.record_id,
            provider: self.provider,
            time,
            event_code: code,
            detail_code: get(Field::EventDetailCode)
                .and_then(|d| d.parse().ok())
                .filter(|d| *d != 0),
            message: get(Field::EventMessage),
            machine: get(Field::MachineName).or_else(|| self.computer.and_then(|c| nonempty(&c))),
            process_id: get(Field::ProcessId).and_then(|p| p.parse().ok()),
            process_name: get(Field::ProcessName),
            account: get(Field::AccountName),
            app_domain: get(Field::ApplicationDomain),
            app_virtual_path: get(Field::ApplicationVirtualPath),
            app_path: get(Field::ApplicationPath),
            client_address: get(Field::ClientIp).or_else(|| get(Field::UserHostAddress)),
            user_agent: get(Field::UserAgent),
            url: get(Field::RequestUrl),
            request_path: get(Field::RequestPath),
            page_path: get(Field::Path),
            referer: get(Field::Referer),
            exception_type: get(Field::ExceptionType),
            exception_message: get(Field::ExceptionMessage),
            persisted_state: get(Field::PersistedState),
            sequence: number(Field::EventSequence),
            occurrence: number(Field::EventOccurrence),
        })
    }
}

/// Reads `Label: value` lines of a rendered ASP.NET message into fields; lines that name no
/// field continue the field before them (stack traces, multi-line messages). Section headers
/// (`Request information:`) end a field.
pub(crate) fn labelled_fields(text: &str) -> Vec<(Field, String)> {
    let mut out: Vec<(Field, String)> = Vec::new();
    let mut open = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some((label, value)) = trimmed.split_once(':') {
            if let Some(field) = field_for_label(label) {
                out.push((field, value.trim().to_owned()));
                open = true;
                continue;
            }
            if value.trim().is_empty() && label.ends_with("information") {
                open = false;
                continue;
            }
        }
        if open {
            if let Some((_, v)) = out.last_mut() {
                if v.len() < 1 << 20 {
                    v.push('\n');
                    v.push_str(trimmed);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn app_domain_base_drops_the_instance_suffix() {
        assert_eq!(
            app_domain_base("/LM/W3SVC/1/ROOT/shop-1-130567891234567890"),
            "/LM/W3SVC/1/ROOT/shop"
        );
        assert_eq!(
            app_domain_base("/LM/W3SVC/86188572/Root/foo-4-12836d23d585972500"),
            "/LM/W3SVC/86188572/Root/foo-4-12836d23d585972500"
        );
        assert_eq!(app_domain_base("c1db5830-1-129291000036654651"), "c1db5830");
    }

    #[test]
    fn labels_and_kinds() {
        assert_eq!(
            EventKind::ViewStateFailure {
                reason: ViewStateReason::Mac
            }
            .label(),
            "viewstate_failure/mac"
        );
        assert_eq!(
            EventKind::Installer {
                step: Step::Finish,
                unregister: false,
                version: None
            }
            .label(),
            "installer/finish"
        );
        let raw = RawRecord {
            provider: Some("Microsoft-Windows-LoadPerf".into()),
            event_id: Some(1000),
            ..RawRecord::default()
        };
        let origin = Origin {
            source: "x".into(),
            index: 1,
            position: None,
        };
        assert!(matches!(
            raw.into_event(origin.clone()),
            Err(SkipReason::NotAspNet { .. })
        ));
        let raw = RawRecord {
            provider: Some("ASP.NET 4.0.30319.0".into()),
            event_id: Some(1137),
            description: Some("Start granting IIS APPPOOL\\Shop access to the IIS metabase and other directories used by ASP.NET.".into()),
            ..RawRecord::default()
        };
        let e = raw.into_event(origin).unwrap();
        assert_eq!(
            e.kind,
            EventKind::GrantAccess {
                step: Step::Start,
                account: Some("IIS APPPOOL\\Shop".into())
            }
        );
    }
}
