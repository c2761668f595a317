//! Known deserialization gadgets, named from what a stream names.
//!
//! The families are those ysoserial.net ships for `BinaryFormatter`, `LosFormatter` and
//! `ObjectStateFormatter` (its `--credit` list): each is recognised by the class records it
//! needs, or, where a chain names its dangerous type only as text (XAML in a string,
//! remoting URLs), by that text. Class names are compared with their generic arguments and
//! assembly suffix removed, so `SortedSet`1[[System.String, mscorlib, ...]]` matches
//! `System.Collections.Generic.SortedSet`1`. Finding a gadget type does not prove an
//! exploit; it says the state carries types that only attack payloads put there.
//!
//! # Example
//! ```
//! use machinekey::formats::nrbf::{self, gadgets::{Gadget, triage}};
//! let mut bytes = nrbf::STREAM_HEADER.to_vec();
//! // A SystemClassWithMembers record of class System.Security.Claims.ClaimsIdentity, no members.
//! bytes.push(2);
//! bytes.extend(1i32.to_le_bytes());
//! let name = b"System.Security.Claims.ClaimsIdentity";
//! bytes.push(name.len() as u8);
//! bytes.extend(name);
//! bytes.extend(0i32.to_le_bytes());
//! bytes.push(11);
//! let found = triage(&nrbf::read(&bytes)?);
//! assert_eq!(found[0].gadget, Gadget::ClaimsIdentity);
//! # Ok::<(), nrbf::NrbfError>(())
//! ```

use serde::{Deserialize, Serialize};

use super::Stream;

/// A known gadget family (ysoserial.net's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Gadget {
    /// `SortedSet` with a `ComparisonComparer` over a delegate: calls any static method
    /// (usually `Process.Start`).
    TypeConfuseDelegate,
    /// `TextFormattingRunProperties` (Microsoft.PowerShell.Editor): XAML in `ForegroundBrush`.
    TextFormattingRunProperties,
    /// `System.Windows.Data.ObjectDataProvider`, named in XAML text.
    ObjectDataProvider,
    /// `ActivitySurrogateSelector` (System.Workflow.ComponentModel): loads an assembly.
    ActivitySurrogateSelector,
    /// The XAML that sets `DisableActivitySurrogateSelectorTypeCheck`.
    ActivitySurrogateDisableTypeCheck,
    /// `System.Windows.Forms.AxHost+State`, with a nested stream in `PropertyBagBinary`.
    AxHostState,
    /// `System.Data.DataSet`, with a nested stream or XML in its members.
    DataSet,
    /// A class name that starts `System.Data.DataSet` and carries extra text.
    DataSetTypeSpoof,
    /// `System.Security.Claims.ClaimsIdentity` (a nested stream in its members).
    ClaimsIdentity,
    /// `System.Security.Claims.ClaimsPrincipal`.
    ClaimsPrincipal,
    /// `System.Security.Principal.WindowsIdentity`.
    WindowsIdentity,
    /// `System.Security.Principal.WindowsPrincipal`.
    WindowsPrincipal,
    /// `Microsoft.IdentityModel.Claims.WindowsClaimsIdentity`.
    WindowsClaimsIdentity,
    /// `System.Security.Principal.GenericPrincipal`.
    GenericPrincipal,
    /// `System.Web.Security.RolePrincipal`.
    RolePrincipal,
    /// `System.IdentityModel.Tokens.SessionSecurityToken`.
    SessionSecurityToken,
    /// `System.Management.Automation.PSObject` (CLIXML in `CliXml`).
    PSObject,
    /// `System.Resources.ResourceSet`.
    ResourceSet,
    /// `SessionViewState+SessionViewStateHistoryItem` (System.Web.Mobile): nested LosFormatter.
    SessionViewStateHistoryItem,
    /// `System.Drawing.Design.ToolboxItemContainer`.
    ToolboxItemContainer,
    /// `System.Runtime.Remoting.ObjRef`, named in text.
    ObjRef,
    /// `ManifestImages+XamlImageInfo` (System.Activities.Presentation).
    XamlImageInfo,
    /// `System.Windows.Markup.XamlReader`, named anywhere.
    XamlReader,
    /// `System.Diagnostics.Process`, named anywhere: what most chains end by calling.
    ProcessStart,
}

crate::names::names!(Gadget, "The name, as the .NET type or ysoserial.net family is known.", {
    TypeConfuseDelegate => "TypeConfuseDelegate",
    TextFormattingRunProperties => "TextFormattingRunProperties",
    ObjectDataProvider => "ObjectDataProvider",
    ActivitySurrogateSelector => "ActivitySurrogateSelector",
    ActivitySurrogateDisableTypeCheck => "ActivitySurrogateDisableTypeCheck",
    AxHostState => "AxHostState",
    DataSet => "DataSet",
    DataSetTypeSpoof => "DataSetTypeSpoof",
    ClaimsIdentity => "ClaimsIdentity",
    ClaimsPrincipal => "ClaimsPrincipal",
    WindowsIdentity => "WindowsIdentity",
    WindowsPrincipal => "WindowsPrincipal",
    WindowsClaimsIdentity => "WindowsClaimsIdentity",
    GenericPrincipal => "GenericPrincipal",
    RolePrincipal => "RolePrincipal",
    SessionSecurityToken => "SessionSecurityToken",
    PSObject => "PSObject",
    ResourceSet => "ResourceSet",
    SessionViewStateHistoryItem => "SessionViewStateHistoryItem",
    ToolboxItemContainer => "ToolboxItemContainer",
    ObjRef => "ObjRef",
    XamlImageInfo => "XamlImageInfo",
    XamlReader => "XamlReader",
    ProcessStart => "ProcessStart",
});

/// One gadget found, with the name that gave it away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Finding {
    /// The gadget family.
    pub gadget: Gadget,
    /// The class name or text that matched.
    pub evidence: String,
    /// 0 in the stream itself, 1 in a stream nested in it, and so on.
    pub nesting: usize,
}

/// Classes that are gadgets by themselves.
const CLASSES: &[(&str, Gadget)] = &[
    (
        "Microsoft.VisualStudio.Text.Formatting.TextFormattingRunProperties",
        Gadget::TextFormattingRunProperties,
    ),
    ("System.Windows.Forms.AxHost+State", Gadget::AxHostState),
    ("System.Data.DataSet", Gadget::DataSet),
    (
        "System.Security.Claims.ClaimsIdentity",
        Gadget::ClaimsIdentity,
    ),
    (
        "System.Security.Claims.ClaimsPrincipal",
        Gadget::ClaimsPrincipal,
    ),
    (
        "System.Security.Principal.WindowsIdentity",
        Gadget::WindowsIdentity,
    ),
    (
        "System.Security.Principal.WindowsPrincipal",
        Gadget::WindowsPrincipal,
    ),
    (
        "Microsoft.IdentityModel.Claims.WindowsClaimsIdentity",
        Gadget::WindowsClaimsIdentity,
    ),
    (
        "System.Security.Principal.GenericPrincipal",
        Gadget::GenericPrincipal,
    ),
    ("System.Web.Security.RolePrincipal", Gadget::RolePrincipal),
    (
        "System.IdentityModel.Tokens.SessionSecurityToken",
        Gadget::SessionSecurityToken,
    ),
    ("System.Management.Automation.PSObject", Gadget::PSObject),
    ("System.Resources.ResourceSet", Gadget::ResourceSet),
    (
        "System.Web.UI.MobileControls.SessionViewState+SessionViewStateHistoryItem",
        Gadget::SessionViewStateHistoryItem,
    ),
    (
        "System.Drawing.Design.ToolboxItemContainer",
        Gadget::ToolboxItemContainer,
    ),
    (
        "System.Activities.Presentation.Internal.ManifestImages+XamlImageInfo",
        Gadget::XamlImageInfo,
    ),
];

/// Text that names a gadget wherever it appears (strings, class and member type names).
const TEXT: &[(&str, Gadget)] = &[
    ("ObjectDataProvider", Gadget::ObjectDataProvider),
    (
        "DisableActivitySurrogateSelectorTypeCheck",
        Gadget::ActivitySurrogateDisableTypeCheck,
    ),
    (
        "ActivitySurrogateSelector",
        Gadget::ActivitySurrogateSelector,
    ),
    ("System.Runtime.Remoting.ObjRef", Gadget::ObjRef),
    ("System.Windows.Markup.XamlReader", Gadget::XamlReader),
    ("System.Diagnostics.Process", Gadget::ProcessStart),
];

/// A class name without generic arguments (`[[...]]`) or an assembly suffix (from the first
/// comma outside brackets).
///
/// # Example
/// ```
/// use machinekey::formats::nrbf::gadgets::base_name;
/// assert_eq!(base_name("System.Collections.Generic.SortedSet`1[[System.String, mscorlib]]"), "System.Collections.Generic.SortedSet`1");
/// assert_eq!(base_name("System.Data.DataSet, System.Data, Version=4.0.0.0"), "System.Data.DataSet");
/// ```
#[must_use]
pub fn base_name(name: &str) -> &str {
    let end = name.find(['[', ',']).unwrap_or(name.len());
    name.get(..end).unwrap_or(name).trim()
}

/// The gadgets a stream (and the streams nested in it) carries, each family once per nesting
/// level, in the order found.
///
/// # Example
/// ```
/// use machinekey::formats::nrbf::{Stream, gadgets::triage};
/// assert!(triage(&Stream::default()).is_empty());
/// ```
#[must_use]
pub fn triage(stream: &Stream) -> Vec<Finding> {
    let mut out = Vec::new();
    triage_into(stream, 0, &mut out);
    out
}

fn triage_into(stream: &Stream, nesting: usize, out: &mut Vec<Finding>) {
    let found = |gadget: Gadget, evidence: &str, out: &mut Vec<Finding>| {
        if !out
            .iter()
            .any(|f| f.gadget == gadget && f.nesting == nesting)
        {
            out.push(Finding {
                gadget,
                evidence: evidence.chars().take(200).collect(),
                nesting,
            });
        }
    };
    let names: Vec<&str> = stream.classes.iter().map(|c| base_name(&c.name)).collect();
    let has = |n: &str| names.contains(&n);
    if has("System.DelegateSerializationHolder")
        && (has("System.Collections.Generic.ComparisonComparer`1")
            || has("System.Collections.Generic.SortedSet`1"))
    {
        found(
            Gadget::TypeConfuseDelegate,
            "System.DelegateSerializationHolder with a SortedSet`1 / ComparisonComparer`1",
            out,
        );
    }
    for class in &stream.classes {
        let base = base_name(&class.name);
        if let Some((_, g)) = CLASSES.iter().find(|(n, _)| *n == base) {
            // A DataSet whose record name carries more than the type is the spoofing variant.
            let g = if *g == Gadget::DataSet && class.name.trim() != base {
                Gadget::DataSetTypeSpoof
            } else {
                *g
            };
            found(g, &class.name, out);
        }
    }
    let texts = stream
        .strings
        .iter()
        .chain(&stream.member_types)
        .chain(stream.classes.iter().map(|c| &c.name));
    for text in texts {
        for (needle, g) in TEXT {
            if text.contains(needle) {
                found(*g, needle, out);
            }
        }
    }
    for inner in &stream.nested {
        triage_into(inner, nesting + 1, out);
    }
}

/// The gadgets of every `BinaryFormatter` payload in an `ObjectStateFormatter` tree (each
/// payload read as far as it is well formed).
///
/// # Example
/// ```
/// use machinekey::formats::nrbf::gadgets::in_state;
/// use machinekey::formats::osf::Value;
/// assert!(in_state(&Value::ArrayList(vec![Value::BinarySerialized(vec![1, 2, 3])])).is_empty());
/// ```
#[must_use]
pub fn in_state(root: &crate::formats::osf::Value) -> Vec<Finding> {
    root.binary_payloads()
        .into_iter()
        .flat_map(|bytes| triage(&super::read_partial(bytes).0))
        .collect()
}

/// The gadgets of a `__VIEWSTATE` field read without keys: an unsigned field, or a legacy
/// signed one (its MAC is not verified). Empty when no reading of the text is an
/// `ObjectStateFormatter` graph (encrypted, Framework45, or not page state).
///
/// # Example
/// ```
/// use machinekey::formats::nrbf::gadgets::in_unverified_field;
/// assert!(in_unverified_field("/wEPDwUJODExMDE5NzY5ZGQ=").is_empty());
/// ```
#[must_use]
pub fn in_unverified_field(field: &str) -> Vec<Finding> {
    // Carve calls this for every ViewState of a crawl: a field without the stream header's
    // bytes anywhere can hold no stream, and is not read as a tree at all.
    const HEADER_TAIL: [u8; 12] = [0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0, 0, 0, 0, 0];
    let readings = crate::crypto::encoding::decode_value(field).unwrap_or_default();
    if !readings
        .iter()
        .any(|r| r.bytes.windows(HEADER_TAIL.len()).any(|w| w == HEADER_TAIL))
    {
        return Vec::new();
    }
    readings
        .iter()
        .find_map(|r| crate::formats::osf::read(&r.bytes).ok())
        .map(|doc| in_state(&doc.root))
        .unwrap_or_default()
}
