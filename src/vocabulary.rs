//! The words the layers share with their errors: which configuration setting, where in
//! which file, which Data Protection key.
//!
//! They sit at the bottom of the crate, below the [errors](crate::Error) that name them,
//! and are re-exported where their layer's users look for them: [`Section`], [`Setting`],
//! [`KeyAttribute`] and [`MachineKeyAttribute`] in [`config`](crate::config), [`Origin`] and
//! [`Level`] in [`config::stack`](crate::config::stack), [`KeyId`] in
//! [`dataprotection`](crate::dataprotection).

use core::fmt;
use std::borrow::Cow;

use serde::Serialize;

use crate::names::names;

/// A configuration element the crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Section {
    /// `<system.web><machineKey>`.
    MachineKey,
    /// `<system.web><httpRuntime>`.
    HttpRuntime,
    /// `<system.web><authentication><forms>`.
    Forms,
    /// `<system.web><pages>`.
    Pages,
    /// `<system.web><sessionState>`.
    SessionState,
    /// `<appSettings>`: its settings are the keys of its `<add>` elements.
    AppSettings,
    /// `<system.web>` itself.
    SystemWeb,
    /// `<system.web><authentication>` itself.
    Authentication,
}

names!(Section, "The element's name, as web.config spells it.", {
    MachineKey => "machineKey",
    HttpRuntime => "httpRuntime",
    Forms => "forms",
    Pages => "pages",
    SessionState => "sessionState",
    AppSettings => "appSettings",
    SystemWeb => "system.web",
    Authentication => "authentication",
});

/// Which of the two key attributes of `<machineKey>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum KeyAttribute {
    /// `validationKey`.
    #[serde(rename = "validationKey")]
    ValidationKey,
    /// `decryptionKey`.
    #[serde(rename = "decryptionKey")]
    DecryptionKey,
}

names!(KeyAttribute, "The attribute name, as web.config spells it.", {
    ValidationKey => "validationKey",
    DecryptionKey => "decryptionKey",
});

/// An attribute of `<machineKey>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum MachineKeyAttribute {
    /// `validationKey`.
    #[serde(rename = "validationKey")]
    ValidationKey,
    /// `decryptionKey`.
    #[serde(rename = "decryptionKey")]
    DecryptionKey,
    /// `validation`.
    #[serde(rename = "validation")]
    Validation,
    /// `decryption`.
    #[serde(rename = "decryption")]
    Decryption,
    /// `compatibilityMode`.
    #[serde(rename = "compatibilityMode")]
    CompatibilityMode,
    /// `applicationName`.
    #[serde(rename = "applicationName")]
    ApplicationName,
    /// `dataProtectorType`.
    #[serde(rename = "dataProtectorType")]
    DataProtectorType,
}

names!(MachineKeyAttribute, "The attribute name, as web.config spells it.", {
    ValidationKey => "validationKey",
    DecryptionKey => "decryptionKey",
    Validation => "validation",
    Decryption => "decryption",
    CompatibilityMode => "compatibilityMode",
    ApplicationName => "applicationName",
    DataProtectorType => "dataProtectorType",
});

impl MachineKeyAttribute {
    /// The attribute named `name` (case-sensitive, as the configuration system reads it).
    ///
    /// # Example
    /// ```
    /// use machinekey::config::MachineKeyAttribute;
    /// assert_eq!(MachineKeyAttribute::from_name("validation"), Some(MachineKeyAttribute::Validation));
    /// assert_eq!(MachineKeyAttribute::from_name("Validation"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::ValidationKey,
            Self::DecryptionKey,
            Self::Validation,
            Self::Decryption,
            Self::CompatibilityMode,
            Self::ApplicationName,
            Self::DataProtectorType,
        ]
        .into_iter()
        .find(|a| a.as_str() == name)
    }

    /// The key attribute this is, if it is one.
    #[must_use]
    pub const fn key_attribute(self) -> Option<KeyAttribute> {
        match self {
            Self::ValidationKey => Some(KeyAttribute::ValidationKey),
            Self::DecryptionKey => Some(KeyAttribute::DecryptionKey),
            _ => None,
        }
    }
}

impl From<KeyAttribute> for MachineKeyAttribute {
    fn from(a: KeyAttribute) -> Self {
        match a {
            KeyAttribute::ValidationKey => Self::ValidationKey,
            KeyAttribute::DecryptionKey => Self::DecryptionKey,
        }
    }
}

/// A configuration setting: an attribute of an element (`machineKey validationKey`,
/// `httpRuntime targetFramework`, `forms timeout`), an `appSettings` key
/// (`appSettings aspnet:UseLegacyEncryption`), or an element as a whole (`machineKey`, for
/// a lock or a duplicate).
///
/// It displays (and serializes) as the element name, a space, and the attribute or key.
/// Compare settings read from files with [`matches`](Self::matches): ASP.NET reads
/// `appSettings` keys without regard to case.
///
/// # Example
/// ```
/// use machinekey::config::{KeyAttribute, MachineKeyAttribute, Section, Setting};
/// let s = Setting::from(KeyAttribute::ValidationKey);
/// assert_eq!(s.to_string(), "machineKey validationKey");
/// assert_eq!(s.machine_key_attribute(), Some(MachineKeyAttribute::ValidationKey));
/// assert_eq!(Setting::TARGET_FRAMEWORK.section(), Section::HttpRuntime);
/// assert!(Setting::app_setting("aspnet:UseLegacyEncryption")
///     .matches(&Setting::app_setting("ASPNET:uselegacyencryption")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Setting {
    section: Section,
    name: Cow<'static, str>,
}

impl Setting {
    /// `httpRuntime targetFramework`.
    pub const TARGET_FRAMEWORK: Self = Self::new(Section::HttpRuntime, "targetFramework");

    /// The attribute `name` of `section`.
    #[must_use]
    pub const fn new(section: Section, name: &'static str) -> Self {
        Self {
            section,
            name: Cow::Borrowed(name),
        }
    }

    /// The attribute or key `name` of `section`, as read from a file.
    #[must_use]
    pub fn named(section: Section, name: &str) -> Self {
        Self {
            section,
            name: Cow::Owned(name.to_owned()),
        }
    }

    /// The element `section` as a whole.
    #[must_use]
    pub const fn element(section: Section) -> Self {
        Self::new(section, "")
    }

    /// An attribute of `<machineKey>`.
    #[must_use]
    pub const fn machine_key(attribute: MachineKeyAttribute) -> Self {
        Self::new(Section::MachineKey, attribute.as_str())
    }

    /// The `appSettings` key `key` (such as `aspnet:UseLegacyEncryption`).
    #[must_use]
    pub fn app_setting(key: &str) -> Self {
        Self::named(Section::AppSettings, key)
    }

    /// The element.
    #[must_use]
    pub fn section(&self) -> Section {
        self.section
    }

    /// The attribute or key (empty for an element as a whole).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this is an element as a whole.
    #[must_use]
    pub fn is_element(&self) -> bool {
        self.name.is_empty()
    }

    /// The `<machineKey>` attribute this is, if it is one.
    #[must_use]
    pub fn machine_key_attribute(&self) -> Option<MachineKeyAttribute> {
        match self.section {
            Section::MachineKey => MachineKeyAttribute::from_name(&self.name),
            _ => None,
        }
    }

    /// The key attribute this is, if it is one.
    #[must_use]
    pub fn key_attribute(&self) -> Option<KeyAttribute> {
        self.machine_key_attribute()
            .and_then(MachineKeyAttribute::key_attribute)
    }

    /// Whether `other` is the same setting, its name compared without regard to ASCII case.
    #[must_use]
    pub fn matches(&self, other: &Self) -> bool {
        self.section == other.section && self.name.eq_ignore_ascii_case(&other.name)
    }
}

impl From<KeyAttribute> for Setting {
    fn from(a: KeyAttribute) -> Self {
        Self::machine_key(a.into())
    }
}

impl From<MachineKeyAttribute> for Setting {
    fn from(a: MachineKeyAttribute) -> Self {
        Self::machine_key(a)
    }
}

impl From<Section> for Setting {
    fn from(section: Section) -> Self {
        Self::element(section)
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.section.as_str())?;
        if !self.name.is_empty() {
            write!(f, " {}", self.name)?;
        }
        Ok(())
    }
}

impl Serialize for Setting {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Which level of the configuration hierarchy a file sits at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Level {
    /// `machine.config`.
    Machine,
    /// The framework's root `web.config` (next to machine.config).
    RootWebConfig,
    /// The site's `web.config` (virtual path `/`, the root application).
    Site,
    /// An application root's `web.config` below the site root.
    Application,
    /// A folder's `web.config` that is not an application root.
    Folder,
}

names!(Level, "A readable name.", {
    Machine => "machine.config",
    RootWebConfig => "root web.config",
    Site => "site",
    Application => "application",
    Folder => "folder",
});

impl Level {
    /// Whether files of this level apply to every site (machine.config, the root
    /// web.config).
    #[must_use]
    pub const fn is_machine_wide(self) -> bool {
        matches!(self, Self::Machine | Self::RootWebConfig)
    }
}

/// Where a configuration value was set: the file (as named when it was added), the line
/// of the element, and the file's level.
///
/// It displays as `FILE:LINE (level)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Origin {
    /// The file, as named when it was added.
    pub file: String,
    /// The line (1-based) of the element that set it.
    pub line: u32,
    /// The file's level.
    pub level: Level,
}

impl Origin {
    /// `file` at `line`, a file of `level`.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::stack::{Level, Origin};
    /// let o = Origin::new("web.config", 3, Level::Site);
    /// assert_eq!(o.to_string(), "web.config:3 (site)");
    /// assert_eq!(o.location(), "web.config:3");
    /// ```
    #[must_use]
    pub fn new(file: &str, line: u32, level: Level) -> Self {
        Self {
            file: file.to_owned(),
            line,
            level,
        }
    }

    /// `FILE:LINE`, without the level.
    #[must_use]
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} ({})", self.file, self.line, self.level)
    }
}

/// The id of a key in a Data Protection key ring: a GUID, written into payloads in .NET's
/// `Guid.ToByteArray()` order (the first three groups little-endian).
///
/// It displays in `D` form (`657cf77b-e662-48e4-912a-c80edc60e56b`), and
/// [`braced`](Self::braced) gives ASP.NET's `{…}` form. It parses from any spelling
/// `XmlConvert.ToGuid` reads.
///
/// # Example
/// ```
/// use machinekey::dataprotection::KeyId;
/// let id: KeyId = "657cf77b-e662-48e4-912a-c80edc60e56b".parse()?;
/// assert_eq!(hex::encode(id.to_bytes_le()), "7bf77c6562e6e448912ac80edc60e56b");
/// assert_eq!(id.braced(), "{657cf77b-e662-48e4-912a-c80edc60e56b}");
/// # Ok::<(), machinekey::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub(crate) uuid::Uuid);

impl KeyId {
    /// From the 16 payload bytes (`Guid.ToByteArray()` order).
    #[must_use]
    pub fn from_bytes_le(bytes: [u8; 16]) -> Self {
        Self(uuid::Uuid::from_bytes_le(bytes))
    }

    /// The 16 bytes as payloads carry them.
    #[must_use]
    pub fn to_bytes_le(self) -> [u8; 16] {
        self.0.to_bytes_le()
    }

    /// The bytes in field order (`Data1`, `Data2`, `Data3` big-endian, then `Data4`): sorting
    /// by them compares the fields as unsigned numbers.
    pub(crate) fn field_order(self) -> [u8; 16] {
        *self.0.as_bytes()
    }

    /// `{d}` in lower case, as ASP.NET's messages print it (`{0:B}`).
    #[must_use]
    pub fn braced(self) -> String {
        format!("{{{}}}", self.0.hyphenated())
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.0.hyphenated())
    }
}

impl Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
