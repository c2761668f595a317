//! `Purpose`: the primary and specific purposes that label Framework45 derived keys
//! (`System.Web/Security/Cryptography/Purpose.cs`).

/// A purpose: a primary string and an ordered list of specific strings.
///
/// The derived keys are `SP800-108(master, label = UTF-8(primary), context = for each
/// specific purpose its 7-bit-encoded byte length then its UTF-8 bytes)`.
///
/// # Example
/// ```
/// use machinekey::crypto::framework45::Purpose;
/// let p = Purpose::new("WebForms.HiddenFieldPageStatePersister.ClientState")
///     .with_specific("TemplateSourceDirectory: /")
///     .with_specific("Type: FORM_ASPX");
/// assert_eq!(p.context()[0], 26); // "TemplateSourceDirectory: /" is 26 bytes
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Purpose {
    primary: String,
    specific: Vec<String>,
}

impl Purpose {
    /// A purpose with no specific purposes.
    #[must_use]
    pub fn new(primary: &str) -> Self {
        Self {
            primary: primary.to_owned(),
            specific: Vec::new(),
        }
    }

    /// Appends a specific purpose (`AppendSpecificPurpose`).
    #[must_use]
    pub fn with_specific(mut self, specific: &str) -> Self {
        self.specific.push(specific.to_owned());
        self
    }

    /// Appends several specific purposes, in order.
    #[must_use]
    pub fn with_specifics<S: AsRef<str>>(mut self, specifics: &[S]) -> Self {
        self.specific
            .extend(specifics.iter().map(|s| s.as_ref().to_owned()));
        self
    }

    /// The primary purpose.
    #[must_use]
    pub fn primary(&self) -> &str {
        &self.primary
    }

    /// The specific purposes, in order.
    #[must_use]
    pub fn specific(&self) -> &[String] {
        &self.specific
    }

    /// The KDF label: the UTF-8 bytes of the primary purpose.
    #[must_use]
    pub fn label(&self) -> &[u8] {
        self.primary.as_bytes()
    }

    /// The KDF context: each specific purpose as `BinaryWriter.Write(string)` writes it (a
    /// 7-bit-encoded byte length, then UTF-8).
    #[must_use]
    pub fn context(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for s in &self.specific {
            crate::binary::write_7bit(&mut out, s.len());
            out.extend_from_slice(s.as_bytes());
        }
        out
    }
}

/// The primary purposes ASP.NET uses (`System.Web/Security/Cryptography/Purpose.cs`).
pub mod primary {
    /// Anonymous-identification cookie.
    pub const ANONYMOUS_IDENTIFICATION_TICKET: &str = "AnonymousIdentificationModule.Ticket";
    /// `WebResource.axd?d=` (cacheable output).
    pub const WEB_RESOURCE_URL: &str = "AssemblyResourceLoader.WebResourceUrl";
    /// `.ASPXAUTH` forms-authentication ticket.
    pub const FORMS_AUTHENTICATION_TICKET: &str = "FormsAuthentication.Ticket";
    /// `__PREVIOUSPAGE` (cacheable output).
    pub const PREVIOUS_PAGE_ID: &str = "WebForms.Page.PreviousPageID";
    /// Role-manager cookie.
    pub const ROLE_PRINCIPAL_TICKET: &str = "RolePrincipal.Ticket";
    /// `ScriptResource.axd?d=` (cacheable output).
    pub const SCRIPT_RESOURCE_URL: &str = "ScriptResourceHandler.ScriptResourceUrl";
    /// `__EVENTVALIDATION` (with page purposes).
    pub const EVENT_VALIDATION: &str = "WebForms.ClientScriptManager.EventValidation";
    /// DetailsView key table (with page purposes).
    pub const DETAILS_VIEW_KEY_TABLE: &str = "WebForms.DetailsView.KeyTable";
    /// GridView data keys (with page purposes).
    pub const GRID_VIEW_DATA_KEYS: &str = "WebForms.GridView.DataKeys";
    /// GridView sort expression (with page purposes).
    pub const GRID_VIEW_SORT_EXPRESSION: &str = "WebForms.GridView.SortExpression";
    /// `__VIEWSTATE` (with page purposes).
    pub const VIEWSTATE: &str = "WebForms.HiddenFieldPageStatePersister.ClientState";
    /// AJAX history state (with page purposes).
    pub const SCRIPT_MANAGER_HISTORY_STATE: &str = "WebForms.ScriptManager.HistoryState";
    /// Session page-state persister (with page purposes).
    pub const SESSION_PAGE_STATE: &str = "WebForms.SessionPageStatePersister.ClientState";
    /// `MachineKey.Protect` (with the caller's purposes).
    pub const MACHINE_KEY_PROTECT: &str = "User.MachineKey.Protect";
    /// A manual `ObjectStateFormatter.Serialize` call.
    pub const OBJECT_STATE_FORMATTER_SERIALIZE: &str = "User.ObjectStateFormatter.Serialize";
    /// The AutoGenerate master-key derivation (with `IsolateApps: ...` purposes).
    pub const MACHINE_KEY_DERIVATION: &str = "MachineKeyDerivation";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_bit_lengths() {
        let long = "x".repeat(300);
        let ctx = Purpose::new("p").with_specific(&long).context();
        assert_eq!(&ctx[..2], &[0xAC, 0x02]);
        assert_eq!(ctx.len(), 302);
        assert!(Purpose::new("p").context().is_empty());
        // multi-byte UTF-8: the length counts bytes
        assert_eq!(
            Purpose::new("p").with_specific("é").context(),
            vec![2, 0xC3, 0xA9]
        );
    }
}
