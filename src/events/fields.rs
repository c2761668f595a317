//! The insertion strings ASP.NET writes for each of its health-monitoring events, by
//! position, and the labels the rendered message gives them.
//!
//! Positions follow `EventLogWebEventProvider.ProcessEvent` in Microsoft's reference source
//! (`System.Web/Management/EventlogProvider.cs`: the basic fields, then the process, request,
//! exception, thread, name and ViewState fields, each added when the event's class has them);
//! labels follow the message templates of `aspnet_rc.dll` (event IDs 1303 to 1316, as
//! documented by libyal's winevt-kb, `docs/sources/message-files/MessageFile-aspnet_rc.dll.md`).

/// One field of an ASP.NET health-monitoring event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub(crate) enum Field {
    /// `%1` Event code (`3005`, `4009`, ...).
    EventCode,
    /// `%2` Event message.
    EventMessage,
    /// `%3` Event time (local, in the server's culture).
    EventTime,
    /// `%4` Event time (UTC, in the server's culture).
    EventTimeUtc,
    /// `%5` Event ID: the web event's GUID (not the Windows event ID).
    WebEventId,
    /// `%6` Event sequence.
    EventSequence,
    /// `%7` Event occurrence.
    EventOccurrence,
    /// `%8` Event detail code (`50203`, ...).
    EventDetailCode,
    /// `%9` Application domain.
    ApplicationDomain,
    /// `%10` Trust level.
    TrustLevel,
    /// `%11` Application Virtual Path.
    ApplicationVirtualPath,
    /// `%12` Application Path.
    ApplicationPath,
    /// `%13` Machine name.
    MachineName,
    /// `%14` Custom event details.
    CustomEventDetails,
    /// Process ID.
    ProcessId,
    /// Process name.
    ProcessName,
    /// Account name (of the process).
    AccountName,
    /// Exception type.
    ExceptionType,
    /// Exception message (for a ViewState failure: the `ViewStateException`'s short message).
    ExceptionMessage,
    /// Request URL.
    RequestUrl,
    /// Request path.
    RequestPath,
    /// User host address.
    UserHostAddress,
    /// User.
    User,
    /// Is authenticated.
    IsAuthenticated,
    /// Authentication Type.
    AuthenticationType,
    /// Thread account name.
    ThreadAccountName,
    /// Thread ID.
    ThreadId,
    /// Is impersonating.
    IsImpersonating,
    /// Stack trace.
    StackTrace,
    /// Name to authenticate.
    NameToAuthenticate,
    /// Client IP (`REMOTE_ADDR`).
    ClientIp,
    /// Port (`REMOTE_PORT`).
    Port,
    /// User-Agent.
    UserAgent,
    /// PersistedState: the ViewState that failed.
    PersistedState,
    /// Referer.
    Referer,
    /// Path (`PATH_INFO`): the page.
    Path,
}

use Field::*;

/// `AddBasicDataFields`: `%1` to `%14`.
const BASIC: [Field; 14] = [
    EventCode,
    EventMessage,
    EventTime,
    EventTimeUtc,
    WebEventId,
    EventSequence,
    EventOccurrence,
    EventDetailCode,
    ApplicationDomain,
    TrustLevel,
    ApplicationVirtualPath,
    ApplicationPath,
    MachineName,
    CustomEventDetails,
];
/// `AddWebProcessInformationDataFields`.
const PROCESS: [Field; 3] = [ProcessId, ProcessName, AccountName];
/// `AddWebRequestInformationDataFields`.
const REQUEST: [Field; 7] = [
    RequestUrl,
    RequestPath,
    UserHostAddress,
    User,
    IsAuthenticated,
    AuthenticationType,
    ThreadAccountName,
];
/// `AddExceptionDataFields`.
const EXCEPTION: [Field; 2] = [ExceptionType, ExceptionMessage];
/// `AddWebThreadInformationDataFields`.
const THREAD: [Field; 4] = [ThreadId, ThreadAccountName, IsImpersonating, StackTrace];
/// `AddViewStateExceptionDataFields`.
const VIEWSTATE: [Field; 7] = [
    ExceptionMessage,
    ClientIp,
    Port,
    UserAgent,
    PersistedState,
    Referer,
    Path,
];

/// The field at each insertion-string position of the event with Windows event ID `id`
/// (1303 to 1316), or `None` for an ID that is not a health-monitoring event.
pub(crate) fn layout(id: u32) -> Option<Vec<Field>> {
    let mut out: Vec<Field> = BASIC.to_vec();
    match id {
        1303 => {}
        1304 | 1305 => out.extend(PROCESS),
        // 1307 (heartbeat) carries process statistics after the process fields; they are
        // not read.
        1307 => out.extend(PROCESS),
        1306 | 1311 | 1312 | 1314 => {
            out.extend(PROCESS);
            out.extend(REQUEST);
        }
        1313 | 1315 => {
            out.extend(PROCESS);
            out.extend(REQUEST);
            out.push(NameToAuthenticate);
        }
        1316 => {
            out.extend(PROCESS);
            out.extend(REQUEST);
            out.extend(VIEWSTATE);
        }
        1308 => {
            out.extend(PROCESS);
            out.extend(EXCEPTION);
        }
        1309 | 1310 => {
            out.extend(PROCESS);
            out.extend(EXCEPTION);
            out.extend(REQUEST);
            out.extend(THREAD);
        }
        _ => return None,
    }
    Some(out)
}

/// The Windows event ID ASP.NET logs a health event of web event code `code` under, for
/// inputs that carry only the code (a copied message text).
pub(crate) fn id_for_code(code: u32) -> Option<u32> {
    Some(match code {
        // WebApplicationLifetimeEvent.
        1001..=1005 => 1305,
        // WebRequestErrorEvent / WebErrorEvent.
        3001..=3012 => 1309,
        // WebAuthenticationSuccessAuditEvent / WebSuccessAuditEvent.
        4001 | 4002 => 1313,
        4003 | 4004 => 1311,
        // WebAuthenticationFailureAuditEvent.
        4005 | 4006 => 1315,
        // WebFailureAuditEvent.
        4007 | 4008 | 4010 | 4011 => 1314,
        // WebViewStateFailureAuditEvent.
        4009 => 1316,
        _ => return None,
    })
}

/// The field a rendered message's label names (`Request URL`, `Client IP`, ...), compared
/// without regard to case.
pub(crate) fn field_for_label(label: &str) -> Option<Field> {
    const LABELS: &[(&str, Field)] = &[
        ("event code", EventCode),
        ("event message", EventMessage),
        ("event time", EventTime),
        ("event time (utc)", EventTimeUtc),
        ("event id", WebEventId),
        ("event sequence", EventSequence),
        ("event occurrence", EventOccurrence),
        ("event detail code", EventDetailCode),
        ("application domain", ApplicationDomain),
        ("trust level", TrustLevel),
        ("application virtual path", ApplicationVirtualPath),
        ("application path", ApplicationPath),
        ("machine name", MachineName),
        ("process id", ProcessId),
        ("process name", ProcessName),
        ("account name", AccountName),
        ("exception type", ExceptionType),
        ("exception message", ExceptionMessage),
        ("request url", RequestUrl),
        ("request path", RequestPath),
        ("user host address", UserHostAddress),
        ("user", User),
        ("is authenticated", IsAuthenticated),
        ("authentication type", AuthenticationType),
        ("thread account name", ThreadAccountName),
        ("thread id", ThreadId),
        ("is impersonating", IsImpersonating),
        ("stack trace", StackTrace),
        ("name to authenticate", NameToAuthenticate),
        ("client ip", ClientIp),
        ("port", Port),
        ("user-agent", UserAgent),
        ("persistedstate", PersistedState),
        ("referer", Referer),
        ("path", Path),
        ("custom event details", CustomEventDetails),
    ];
    let label = label.trim();
    LABELS
        .iter()
        .find(|(l, _)| l.eq_ignore_ascii_case(label))
        .map(|(_, f)| *f)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn positions_match_the_message_templates() {
        // aspnet_rc.dll 0x40000524 (1316): PersistedState is %29, Path %31.
        let l = layout(1316).unwrap();
        assert_eq!(l.len(), 31);
        assert_eq!(l[28], PersistedState);
        assert_eq!(l[30], Path);
        assert_eq!(l[12], MachineName);
        assert_eq!(l[14], ProcessId);
        // 0x8000051d (1309): exception %18/%19, request URL %20, stack trace %30.
        let l = layout(1309).unwrap();
        assert_eq!(
            (l[17], l[18], l[19], l[29]),
            (ExceptionType, ExceptionMessage, RequestUrl, StackTrace)
        );
        // 0x40000523 (1315): Name to authenticate %25.
        assert_eq!(layout(1315).unwrap()[24], NameToAuthenticate);
        assert!(layout(1017).is_none());
        assert_eq!(field_for_label("User-Agent"), Some(UserAgent));
        assert_eq!(field_for_label("Event time (UTC)"), Some(EventTimeUtc));
        assert_eq!(id_for_code(4009), Some(1316));
    }
}
