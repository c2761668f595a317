//! Blazor's markers in a prerendered page, and what their protected values hold.
//!
//! A page prerendered with interactive components carries, for each component, a comment
//! `<!--Blazor:{…}-->` whose JSON (`ComponentMarker`) names the render mode (`server`,
//! `webassembly`, `auto`) and, for server components, a `descriptor`: Base64 of a Data
//! Protection payload (purpose [`BLAZOR_DESCRIPTOR_PURPOSE`], then a time-limited protector
//! expiring five minutes after the render) whose plaintext is the JSON of a `ServerComponent`:
//! sequence, component key, assembly and type name, parameter definitions (name, type,
//! assembly) and values, and an invocation id. System.Text.Json writes `+` as `\u002B` in the
//! marker. WebAssembly components carry the same facts unprotected (their parameter
//! definitions and values as Base64 of JSON).
//!
//! The state the server persisted during prerendering follows in
//! `<!--Blazor-Server-Component-State:…-->` (Base64 of a payload under
//! [`BLAZOR_STATE_PURPOSE`]) and `<!--Blazor-WebAssembly-Component-State:…-->` (unprotected):
//! a JSON object of key to Base64 of each value's JSON. It is to Blazor what `__VIEWSTATE`
//! was to Web Forms: data the server hands the browser and trusts when it comes back.
//!
//! The formats follow dotnet/aspnetcore's `src/Shared/Components/` (`ComponentMarker.cs`,
//! `ServerComponent.cs`, `ComponentParameter.cs`, `ServerComponentSerializationSettings.cs`,
//! `ProtectedPrerenderComponentApplicationStore.cs`, `PrerenderComponentApplicationStore.cs`)
//! and are checked against a page real ASP.NET Core 10 rendered.
//!
//! [`BLAZOR_DESCRIPTOR_PURPOSE`]: crate::dataprotection::consumers::BLAZOR_DESCRIPTOR_PURPOSE
//! [`BLAZOR_STATE_PURPOSE`]: crate::dataprotection::consumers::BLAZOR_STATE_PURPOSE
//!
//! # Example
//! ```
//! use machinekey::audit::blazor::{markers, read_state};
//! let page = r#"<!--Blazor:{"type":"server","prerenderId":"a1","sequence":0,"descriptor":"CfDJ8x\u002By"}--><p>hi</p><!--Blazor:{"prerenderId":"a1"}-->"#;
//! let found = markers(page);
//! assert_eq!(found.len(), 1, "the end marker carries nothing");
//! assert_eq!(found[0].descriptor.as_deref(), Some("CfDJ8x+y"));
//! let state = read_state(br#"{"count":"NDE="}"#)?;
//! assert_eq!(state.entries[0].value.to_string(), "41");
//! # Ok::<(), machinekey::audit::blazor::BlazorError>(())
//! ```

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::crypto::encoding::{from_base64, to_upper_hex};
pub use crate::error::BlazorError;
use crate::names::names;

/// The most markers read from one page.
pub const MAX_MARKERS: usize = 10_000;
/// The longest marker read (JSON of one component, or one state comment): 16 MiB.
pub const MAX_MARKER_LEN: usize = 16 << 20;

/// The render mode of a marker (`ComponentMarker.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RenderMode {
    /// `server`: the descriptor is protected.
    Server,
    /// `webassembly`: the component and its parameters are in the clear.
    #[serde(rename = "webassembly")]
    WebAssembly,
    /// `auto`: both.
    Auto,
    /// Another value.
    Other,
}

names!(RenderMode, "The marker's type, as Blazor writes it (`other` for another).", {
    Server => "server",
    WebAssembly => "webassembly",
    Auto => "auto",
    Other => "other",
});

/// The key of a component instance (`ComponentMarkerKey`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ComponentKey {
    /// A hash of the component's type name and its render-tree sequence, `HASH:SEQUENCE`.
    pub location_hash: Option<String>,
    /// The formatted `@key`, if any.
    pub formatted_component_key: Option<String>,
}

/// A `<!--Blazor:{…}-->` start marker.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Marker {
    /// The render mode.
    pub mode: RenderMode,
    /// Pairs the start marker with its end marker (prerendered components).
    pub prerender_id: Option<String>,
    /// The component key.
    pub key: Option<ComponentKey>,
    /// The order of the component in the response (server).
    pub sequence: Option<i64>,
    /// The protected descriptor, its JSON escapes undone (server, auto).
    pub descriptor: Option<String>,
    /// What a WebAssembly component's marker holds in the clear.
    pub webassembly: Option<ComponentDescriptor>,
    /// Where the marker starts in the page (byte offset).
    pub offset: usize,
}

/// A `<!--Blazor-…-Component-State:…-->` comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StateMarker {
    /// `true` for `Blazor-Server-Component-State` (protected), `false` for WebAssembly's.
    pub protected: bool,
    /// The comment's text: Base64.
    pub value: String,
    /// Where the comment starts in the page (byte offset).
    pub offset: usize,
}

/// A JSON value as Blazor wrote it (a parameter's value, a persisted entry): its compact
/// JSON text on `Display`, itself when serialized.
///
/// # Example
/// ```
/// use machinekey::audit::blazor::read_state;
/// let state = read_state(br#"{"greeting":"ImhpIg==","count":"Mw=="}"#)?;
/// assert_eq!(state.entries[0].value.as_str(), Some("hi"));
/// assert_eq!(state.entries[1].value.to_string(), "3");
/// # Ok::<(), machinekey::audit::blazor::BlazorError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct JsonValue(Value);

impl JsonValue {
    /// The value, if it is a JSON string.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_str()
    }

    /// Whether it is JSON `null`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        self.0.is_null()
    }
}

impl core::fmt::Display for JsonValue {
    /// The compact JSON text.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.0, f)
    }
}

/// A component parameter: its definition and value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Parameter {
    /// The parameter's name.
    pub name: String,
    /// The full name of the value's type (none for a null value).
    pub type_name: Option<String>,
    /// The value type's assembly.
    pub assembly: Option<String>,
    /// The value, as JSON.
    pub value: JsonValue,
}

/// What a server component's descriptor (or a WebAssembly marker) says to render.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ComponentDescriptor {
    /// The order of the component in the response.
    pub sequence: Option<i64>,
    /// The component key.
    pub key: Option<ComponentKey>,
    /// The component's assembly.
    pub assembly: Option<String>,
    /// The component's full type name.
    pub type_name: Option<String>,
    /// Its parameters.
    pub parameters: Vec<Parameter>,
    /// The id shared by every component of one response.
    pub invocation_id: Option<String>,
    /// When the descriptor stops being accepted (the time-limited protector's expiry).
    #[serde(serialize_with = "rfc3339")]
    pub expires: Option<OffsetDateTime>,
}

/// One persisted value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StateEntry {
    /// Its key (a name the component chose, or a hash `[PersistentState]` made).
    pub key: String,
    /// The value, as JSON; a string of upper-case hex when its bytes are not JSON.
    pub value: JsonValue,
    /// Whether `value` is the bytes in hex rather than their JSON.
    pub raw: bool,
}

/// What a page's persisted component state holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PersistedState {
    /// The values, in the order written.
    pub entries: Vec<StateEntry>,
}

/// The markers of every component in `html` that carries something (end markers, which
/// carry only their prerender id, are left out), in page order.
///
/// # Example
/// See the [module documentation](self).
#[must_use]
pub fn markers(html: &str) -> Vec<Marker> {
    let mut out = Vec::new();
    for (offset, json) in comments(html, "<!--Blazor:") {
        if out.len() >= MAX_MARKERS {
            break;
        }
        let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(json.trim()) else {
            continue;
        };
        if let Some(marker) = marker(&obj, offset) {
            out.push(marker);
        }
    }
    out
}

/// The persisted-state comments of `html`, in page order.
///
/// # Example
/// ```
/// use machinekey::audit::blazor::state_markers;
/// let found = state_markers("<!--Blazor-Server-Component-State:CfDJ8ab+c=-->");
/// assert!(found[0].protected && found[0].value == "CfDJ8ab+c=");
/// ```
#[must_use]
pub fn state_markers(html: &str) -> Vec<StateMarker> {
    let mut out = Vec::new();
    for (prefix, protected) in [
        ("<!--Blazor-Server-Component-State:", true),
        ("<!--Blazor-WebAssembly-Component-State:", false),
    ] {
        for (offset, value) in comments(html, prefix) {
            if out.len() >= MAX_MARKERS {
                break;
            }
            let value = value.trim();
            if !value.is_empty() {
                out.push(StateMarker {
                    protected,
                    value: value.to_owned(),
                    offset,
                });
            }
        }
    }
    out.sort_by_key(|m| m.offset);
    out
}

/// Each comment starting with `prefix`: its offset and its text up to `-->`.
fn comments<'a>(html: &'a str, prefix: &'static str) -> impl Iterator<Item = (usize, &'a str)> {
    let mut from = 0;
    core::iter::from_fn(move || {
        let at = from + html.get(from..)?.find(prefix)?;
        let start = at + prefix.len();
        let rest = html.get(start..)?;
        let len = rest.find("-->").unwrap_or(rest.len());
        from = start + len;
        (len <= MAX_MARKER_LEN)
            .then(|| (at, rest.get(..len).unwrap_or_default()))
            .or(Some((at, "")))
    })
    .filter(|(_, text)| !text.is_empty())
}

/// A property by name, as `System.Text.Json` with `PropertyNameCaseInsensitive` reads it.
fn get<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn string(obj: &Map<String, Value>, name: &str) -> Option<String> {
    get(obj, name).and_then(Value::as_str).map(str::to_owned)
}

fn component_key(obj: &Map<String, Value>) -> Option<ComponentKey> {
    let key = get(obj, "key")?.as_object()?;
    Some(ComponentKey {
        location_hash: string(key, "locationHash"),
        formatted_component_key: string(key, "formattedComponentKey"),
    })
}

fn marker(obj: &Map<String, Value>, offset: usize) -> Option<Marker> {
    let mode = match string(obj, "type")?.as_str() {
        "server" => RenderMode::Server,
        "webassembly" => RenderMode::WebAssembly,
        "auto" => RenderMode::Auto,
        _ => RenderMode::Other,
    };
    // A WebAssembly marker's definitions and values: Base64 of their JSON.
    let base64_json = |name: &str| -> Option<Value> {
        let bytes = from_base64(&string(obj, name)?).ok()?;
        serde_json::from_slice(&bytes).ok()
    };
    let webassembly = string(obj, "typeName").map(|type_name| ComponentDescriptor {
        sequence: None,
        key: component_key(obj),
        assembly: string(obj, "assembly"),
        type_name: Some(type_name),
        parameters: parameters(
            base64_json("parameterDefinitions").as_ref(),
            base64_json("parameterValues").as_ref(),
        ),
        invocation_id: None,
        expires: None,
    });
    Some(Marker {
        mode,
        prerender_id: string(obj, "prerenderId"),
        key: component_key(obj),
        sequence: get(obj, "sequence").and_then(Value::as_i64),
        descriptor: string(obj, "descriptor"),
        webassembly,
        offset,
    })
}

/// Definitions and values paired by position.
fn parameters(definitions: Option<&Value>, values: Option<&Value>) -> Vec<Parameter> {
    let definitions = definitions
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let values = values
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    definitions
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            let d = d.as_object()?;
            Some(Parameter {
                name: string(d, "name").unwrap_or_default(),
                type_name: string(d, "typeName"),
                assembly: string(d, "assembly"),
                value: JsonValue(values.get(i).cloned().unwrap_or(Value::Null)),
            })
        })
        .collect()
}

/// The expiry and the data of a time-limited payload's plaintext
/// (`TimeLimitedDataProtector`: 8 bytes of big-endian UTC ticks, then the data).
///
/// # Errors
/// [`BlazorError::NoExpiry`] if the plaintext is shorter than 8 bytes.
///
/// # Example
/// ```
/// use machinekey::audit::blazor::time_limited;
/// let mut plaintext = 639_004_000_000_000_000_u64.to_be_bytes().to_vec();
/// plaintext.extend_from_slice(b"{}");
/// let (expires, data) = time_limited(&plaintext)?;
/// assert_eq!((expires.map(|t| t.year()), data), (Some(2025), &b"{}"[..]));
/// # Ok::<(), machinekey::audit::blazor::BlazorError>(())
/// ```
pub fn time_limited(plaintext: &[u8]) -> Result<(Option<OffsetDateTime>, &[u8]), BlazorError> {
    let (ticks, data) = plaintext
        .split_first_chunk::<8>()
        .ok_or(BlazorError::NoExpiry)?;
    Ok((ticks_to_time(u64::from_be_bytes(*ticks)), data))
}

/// A time as RFC 3339 text (or null).
pub(crate) fn rfc3339<S: serde::Serializer>(
    t: &Option<OffsetDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t.and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    }) {
        Some(text) => s.serialize_str(&text),
        None => s.serialize_none(),
    }
}

/// .NET ticks (100 ns since 0001-01-01 UTC) as a time, when in range.
pub(crate) fn ticks_to_time(ticks: u64) -> Option<OffsetDateTime> {
    i64::try_from(ticks)
        .ok()
        .and_then(crate::clock::from_dotnet_ticks)
}

/// Reads a server component descriptor's JSON (the plaintext after the expiry).
///
/// # Errors
/// [`BlazorError::Shape`] if it is not a JSON object naming a component.
///
/// # Example
/// ```
/// use machinekey::audit::blazor::read_descriptor;
/// let d = read_descriptor(br#"{"sequence":0,"assemblyName":"App","typeName":"App.Pages.Counter",
///   "parameterDefinitions":[{"name":"Start","typeName":"System.Int32","assembly":"System.Private.CoreLib"}],
///   "parameterValues":[5],"invocationId":"c5f21e0e-309f-43bc-c14d-0092acea09e0"}"#, None)?;
/// assert_eq!(d.type_name.as_deref(), Some("App.Pages.Counter"));
/// assert_eq!((d.parameters[0].name.as_str(), d.parameters[0].value.to_string()), ("Start", "5".to_owned()));
/// # Ok::<(), machinekey::audit::blazor::BlazorError>(())
/// ```
pub fn read_descriptor(
    json: &[u8],
    expires: Option<OffsetDateTime>,
) -> Result<ComponentDescriptor, BlazorError> {
    let shape = |why: &str| BlazorError::Shape {
        what: "component descriptor",
        why: why.to_owned(),
    };
    let value: Value = serde_json::from_slice(json).map_err(|e| shape(&e.to_string()))?;
    let obj = value
        .as_object()
        .ok_or_else(|| shape("not a JSON object"))?;
    let type_name = string(obj, "typeName").ok_or_else(|| shape("no typeName"))?;
    Ok(ComponentDescriptor {
        sequence: get(obj, "sequence").and_then(Value::as_i64),
        key: component_key(obj),
        assembly: string(obj, "assemblyName"),
        type_name: Some(type_name),
        parameters: parameters(
            get(obj, "parameterDefinitions"),
            get(obj, "parameterValues"),
        ),
        invocation_id: string(obj, "invocationId"),
        expires,
    })
}

/// Reads persisted component state: a JSON object of key to Base64 of the value's JSON
/// (`PrerenderComponentApplicationStore`, a `Dictionary<string, byte[]>`).
///
/// # Errors
/// [`BlazorError::Shape`] if it is not such an object.
///
/// # Example
/// See the [module documentation](self).
pub fn read_state(json: &[u8]) -> Result<PersistedState, BlazorError> {
    let shape = |why: &str| BlazorError::Shape {
        what: "persisted state",
        why: why.to_owned(),
    };
    let value: Value = serde_json::from_slice(json).map_err(|e| shape(&e.to_string()))?;
    let obj = value
        .as_object()
        .ok_or_else(|| shape("not a JSON object"))?;
    let mut entries = Vec::with_capacity(obj.len());
    for (key, v) in obj {
        let text = v
            .as_str()
            .ok_or_else(|| shape("a value that is not a Base64 string"))?;
        let bytes = from_base64(text).map_err(|_| shape("a value that is not Base64"))?;
        let (value, raw) = match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) => (v, false),
            Err(_) => (Value::String(to_upper_hex(&bytes)), true),
        };
        entries.push(StateEntry {
            key: key.clone(),
            value: JsonValue(value),
            raw,
        });
    }
    Ok(PersistedState { entries })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn webassembly_markers_and_unterminated_comments() {
        let defs = crate::crypto::encoding::to_base64(
            br#"[{"name":"Title","typeName":"System.String","assembly":"System.Private.CoreLib"}]"#,
        );
        let values = crate::crypto::encoding::to_base64(br#"["hello"]"#);
        let page = format!(
            r#"<!--Blazor:{{"type":"webassembly","prerenderId":"p","assembly":"Client","typeName":"Client.Card","parameterDefinitions":"{defs}","parameterValues":"{values}"}}--><!--Blazor:{{"type":"server","#
        );
        let found = markers(&page);
        assert_eq!(found.len(), 1, "the unterminated one is not JSON");
        let wasm = found[0].webassembly.as_ref().unwrap();
        assert_eq!(found[0].mode, RenderMode::WebAssembly);
        assert_eq!(wasm.parameters[0].value.as_str(), Some("hello"));
        assert!(found[0].descriptor.is_none());
        assert!(state_markers("<!--Blazor-Server-Component-State:").is_empty());
    }

    #[test]
    fn ticks_convert_and_garbage_is_refused() {
        // 2026-12-06T03:11:03.7262752Z, the real descriptor's expiry.
        let t = ticks_to_time(639_321_234_637_262_752).unwrap();
        assert_eq!(t.to_string(), "2026-12-06 3:11:03.7262752 +00:00:00");
        assert!(ticks_to_time(u64::MAX).is_none());
        assert!(time_limited(&[1, 2, 3]).is_err());
        assert!(read_state(b"[1]").is_err());
        assert!(read_state(br#"{"a":"not base64!"}"#).is_err());
        assert!(read_descriptor(br#"{"sequence":0}"#, None).is_err());
    }
}
