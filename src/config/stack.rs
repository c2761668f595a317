//! Configuration as ASP.NET resolves it for an application: `machine.config`, the
//! framework's root `web.config`, the site's `web.config`, the web.config files of folders
//! and applications along the virtual path, and `<location>` blocks in any of them.
//!
//! The rules, from Microsoft's documentation of the ASP.NET configuration system
//! ([location Element (ASP.NET Settings Schema)](https://learn.microsoft.com/previous-versions/dotnet/netframework-4.0/b6x6shw7(v=vs.100)),
//! [SectionInformation.InheritInChildApplications](https://learn.microsoft.com/dotnet/api/system.configuration.sectioninformation.inheritinchildapplications),
//! "ASP.NET Configuration File Hierarchy and Inheritance", "General Attributes Inherited by
//! Section Elements" for the lock attributes) and `MachineKeySection`'s registration in
//! machine.config (`allowDefinition="MachineToApplication"`):
//!
//! * Settings are inherited **attribute by attribute**: each level overrides only the
//!   attributes it sets. `<appSettings>` is a collection: `<add>`, `<remove>` and `<clear/>`
//!   apply in order across the levels.
//! * Levels apply from the most general to the most specific: machine.config, root
//!   web.config, then by virtual path (the site's web.config at `/`, then each folder).
//!   A `<location path>` block applies at its target path, before the web.config that lives
//!   at that path (a file's own settings win over what a parent file says about it).
//! * `<location path>`: `.` or empty is the file's own path; other paths are relative to the
//!   file, except in machine.config and the root web.config, where IIS writes them with the
//!   site name first (`Default Web Site/MyApp`). Paths compare case-insensitively.
//! * `inheritInChildApplications="false"`: the block applies to its target path's own
//!   application, not to applications nested below it.
//! * `allowOverride="false"` (or IIS's `overrideMode="Deny"`) locks the sections of the
//!   block for every level below; `lockAttributes`, `lockAllAttributesExcept` and
//!   `lockItem="true"` lock single attributes or the element. Setting a locked value below
//!   is the configuration error ASP.NET raises (`Config_section_locked`,
//!   `Config_base_attribute_locked`), naming both places.
//! * `<machineKey>` may be set in machine.config, the root web.config, and at application
//!   roots, not in a folder's web.config below an application
//!   (`Config_allow_definition_error_application`). Application roots are the site, the
//!   application resolved, files added with
//!   [`application_web_config`](ConfigStack::application_web_config), and the targets of
//!   `<location>` blocks in machine-wide files (IIS writes those for sites and applications).
//! * `configSource` on `<machineKey>` or `<appSettings>` reads the element from a file
//!   relative to the one naming it; an encrypted section (`configProtectionProvider`) is an
//!   error that names the provider, never read as empty.
//!
//! UNVERIFIED: the order between a `<location>` block in a parent file and the web.config at
//! the block's target path is taken from the documentation's description (the nearer file
//! wins); locks are enforced only against later files, not within the file that sets them.
//! Whether `file=` on `<appSettings>` is merged is not modelled (the attribute is ignored).
//!
//! # Example
//! ```
//! use machinekey::config::stack::{ConfigFile, ConfigStack};
//! use machinekey::config::{KeyAttribute, KeySource};
//! let root = ConfigFile::from_text(r#"<configuration>
//!   <location path="Default Web Site/Shop" allowOverride="false">
//!     <system.web><machineKey validation="HMACSHA256"
//!       validationKey="0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
//!       decryptionKey="0123456789ABCDEF0123456789ABCDEF" /></system.web>
//!   </location>
//! </configuration>"#, "root web.config");
//! let app = ConfigFile::from_text("<configuration/>", "Shop/web.config");
//! let resolved = ConfigStack::new()
//!     .root_web_config(root)
//!     .application_web_config("/Shop", app)
//!     .resolve("/Shop")?;
//! assert_eq!(resolved.config.legacy_key_specs()?.0.source, KeySource::Explicit);
//! assert_eq!(resolved.origin(KeyAttribute::ValidationKey).map(|o| o.to_string()).as_deref(),
//!            Some("root web.config:3 (root web.config)"));
//! # Ok::<(), machinekey::ConfigError>(())
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use roxmltree::{Document, Node};

use super::forms::CookieProtection;
pub use super::forms::{
    CookieMode, FormsSettings, PagesSettings, SessionStateMode, SessionStateSettings,
    TicketCompatibilityMode, ViewStateEncryptionMode,
};
use super::xml::{GENERAL_ATTRIBUTES, builder_from_attributes, dotnet_bool, only_child, xml_error};
use super::{FrameworkVersion, KeyText, MachineKeyConfig, RuntimeSettings};
use crate::error::{ConfigError, ConfigErrorKind, FileError};
use crate::vocabulary::{KeyAttribute, Section, Setting};
pub use crate::vocabulary::{Level, Origin};
use crate::xml_lines::Lined;

/// The largest configuration file read (4 MiB; real web.config files are kilobytes).
pub const MAX_CONFIG_FILE: u64 = 4 << 20;

/// One configuration file: its name (for messages and origins), its text, and the
/// directory it was read from (for `configSource`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    name: String,
    text: String,
    directory: Option<PathBuf>,
}

fn file_error(e: FileError) -> ConfigError {
    ConfigError::in_file(ConfigErrorKind::File(e))
}

/// Decodes configuration file bytes as servers hold them: UTF-8 with or without a BOM, or
/// UTF-16 LE/BE with a BOM.
///
/// # Errors
/// A [`ConfigErrorKind::File`] error for text that is none of these.
///
/// # Example
/// ```
/// use machinekey::config::stack::decode_config_text;
/// let utf16: Vec<u8> = [0xFF, 0xFE].into_iter()
///     .chain("<configuration/>".encode_utf16().flat_map(u16::to_le_bytes)).collect();
/// assert_eq!(decode_config_text(&utf16, "web.config")?, "<configuration/>");
/// # Ok::<(), machinekey::ConfigError>(())
/// ```
pub fn decode_config_text(bytes: &[u8], name: &str) -> Result<String, ConfigError> {
    crate::bounded::decode_text(name, bytes).map_err(file_error)
}

impl ConfigFile {
    /// A file given as text; `configSource` references cannot be followed from it.
    #[must_use]
    pub fn from_text(text: &str, name: &str) -> Self {
        Self {
            name: name.to_owned(),
            text: text.trim_start_matches('\u{feff}').to_owned(),
            directory: None,
        }
    }

    /// A file given as bytes in any encoding [`decode_config_text`] reads.
    ///
    /// # Errors
    /// As [`decode_config_text`].
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Self, ConfigError> {
        Ok(Self::from_text(&decode_config_text(bytes, name)?, name))
    }

    /// Reads a file from disk (at most [`MAX_CONFIG_FILE`] bytes); `configSource` is
    /// followed relative to its directory.
    ///
    /// # Errors
    /// A [`ConfigErrorKind::File`] error if it cannot be read, is too large, or is not in a
    /// supported encoding.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let name = path.display().to_string();
        let bytes = read_bounded(path, &name)?;
        let mut file = Self::from_bytes(&bytes, &name)?;
        file.directory = path.parent().map(Path::to_path_buf);
        Ok(file)
    }

    /// Reads a file from disk like [`read`](Self::read), naming it `name` in messages and
    /// origins (for example its path on the server it was copied from); `configSource` is
    /// still followed relative to where it was read.
    ///
    /// # Errors
    /// As [`read`](Self::read).
    pub fn read_named(path: &Path, name: &str) -> Result<Self, ConfigError> {
        let bytes = read_bounded(path, name)?;
        let mut file = Self::from_bytes(&bytes, name)?;
        file.directory = path.parent().map(Path::to_path_buf);
        Ok(file)
    }

    /// The name given.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

fn read_bounded(path: &Path, name: &str) -> Result<Vec<u8>, ConfigError> {
    crate::bounded::read_file(path, name, MAX_CONFIG_FILE).map_err(file_error)
}

#[derive(Debug, Clone)]
struct StackFile {
    level: Level,
    /// The virtual path the file sits at (`/` for the site; unused for machine-wide files).
    path: String,
    file: ConfigFile,
}

/// The configuration files that apply to a site's applications, to resolve the effective
/// settings of one application (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct ConfigStack {
    files: Vec<StackFile>,
    site_name: String,
    framework: FrameworkVersion,
}

impl Default for ConfigStack {
    fn default() -> Self {
        Self::new()
    }
}

/// The effective settings of one application, and where each came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolvedConfig {
    /// The effective `<machineKey>` with its runtime settings.
    pub config: MachineKeyConfig,
    /// The effective `<forms>` settings.
    pub forms: FormsSettings,
    /// The effective `<pages>` ViewState settings.
    pub pages: PagesSettings,
    /// The effective `<sessionState>` settings.
    pub session_state: SessionStateSettings,
    origins: BTreeMap<Setting, Origin>,
    /// Every explicit key found anywhere in the stack, effective or not (for the known-key
    /// check).
    pub keys_in_stack: Vec<StackKey>,
    /// Where `<machineKey>` (or one of its key attributes) is locked above the application,
    /// if it is.
    pub machine_key_lock: Option<Origin>,
    /// `appSettings aspnet:dataProtectionStartupType`: the `DataProtectionStartup` subclass
    /// that configures the Data Protection repository of a `dataProtectorType` application
    /// (`None` or empty: the default repository rules).
    pub data_protection_startup_type: Option<String>,
}

/// An explicit key found in a configuration stack ([`ResolvedConfig::keys_in_stack`]):
/// which attribute, its text (a secret), and where.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StackKey {
    /// `validationKey` or `decryptionKey`.
    pub attribute: KeyAttribute,
    /// The attribute's text.
    pub text: KeyText,
    /// Where it is set.
    pub origin: Origin,
}

impl ResolvedConfig {
    /// Where an effective setting came from (`None` for a default): a
    /// [`KeyAttribute`] or
    /// [`MachineKeyAttribute`](crate::config::MachineKeyAttribute), or any [`Setting`]
    /// (`httpRuntime targetFramework`, `appSettings aspnet:UseLegacyEncryption`,
    /// `forms timeout`, ...). `appSettings` keys are compared without regard to case.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::{KeyAttribute, Setting};
    /// use machinekey::config::stack::{ConfigFile, ConfigStack};
    /// let site = ConfigFile::from_text("<configuration>\n<system.web>\n<httpRuntime targetFramework=\"4.8\" /></system.web></configuration>", "web.config");
    /// let resolved = ConfigStack::new().site_web_config(site).resolve("/")?;
    /// assert_eq!(resolved.origin(Setting::TARGET_FRAMEWORK).map(|o| o.line), Some(3));
    /// assert_eq!(resolved.origin(KeyAttribute::ValidationKey), None); // the default
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    #[must_use]
    pub fn origin(&self, setting: impl Into<Setting>) -> Option<&Origin> {
        let setting = setting.into();
        self.origins.get(&setting).or_else(|| {
            self.origins
                .iter()
                .find(|(k, _)| k.matches(&setting))
                .map(|(_, v)| v)
        })
    }

    /// Every setting that was set somewhere, with its origin.
    #[must_use]
    pub fn origins(&self) -> &BTreeMap<Setting, Origin> {
        &self.origins
    }
}

// ---------------------------------------------------------------------------------------
// Reading one file into blocks.

/// How an element's attributes are locked for the levels below.
#[derive(Debug, Clone, Default)]
enum AttributeLock {
    #[default]
    None,
    Element,
    Only(Vec<String>),
    AllExcept(Vec<String>),
}

impl AttributeLock {
    fn locks(&self, attribute: &str) -> bool {
        let listed = |list: &[String]| list.iter().any(|a| a.eq_ignore_ascii_case(attribute));
        match self {
            Self::None => false,
            Self::Element => true,
            Self::Only(list) => listed(list),
            Self::AllExcept(list) => !listed(list),
        }
    }
}

#[derive(Debug, Clone)]
struct Element {
    line: u32,
    attributes: Vec<(String, String)>,
    lock: AttributeLock,
}

#[derive(Debug, Clone)]
enum AppSetting {
    Add(String, String),
    Remove(String),
    Clear,
}

/// What one block (a file's own settings, or one `<location>`) says.
#[derive(Debug, Clone, Default)]
struct Sections {
    machine_key: Option<Element>,
    http_runtime: Option<Element>,
    forms: Option<Element>,
    pages: Option<Element>,
    session_state: Option<Element>,
    app_settings: Vec<(AppSetting, u32)>,
}

#[derive(Debug, Clone)]
struct Block {
    /// The target virtual path, normalised (`/`, `/a/b`), or `None` for every site (the
    /// machine-wide files' own settings).
    target: Option<String>,
    inherit_in_child_applications: bool,
    allow_override: bool,
    sections: Sections,
}

const SECTIONS: [Section; 5] = [
    Section::MachineKey,
    Section::HttpRuntime,
    Section::Forms,
    Section::Pages,
    Section::SessionState,
];

fn line_of(doc: &Lined<'_>, node: Node<'_, '_>) -> u32 {
    u32::try_from(doc.line(node)).unwrap_or(u32::MAX)
}

/// `/a/b` from `a\b/`, `/A/b`...: one leading slash, no trailing one, `/` for the root.
fn normalize(path: &str) -> String {
    let parts: Vec<&str> = path
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

/// Whether `ancestor` is `path` or one of its parents (case-insensitive, by segment).
fn is_ancestor_or_self(ancestor: &str, path: &str) -> bool {
    let a = ancestor.to_ascii_lowercase();
    let p = path.to_ascii_lowercase();
    a == "/" || a == p || p.starts_with(&format!("{a}/"))
}

fn depth(path: &str) -> usize {
    path.split('/').filter(|s| !s.is_empty()).count()
}

struct FileReader<'a> {
    file: &'a StackFile,
    site_name: &'a str,
}

impl FileReader<'_> {
    fn origin(&self, line: u32) -> Origin {
        Origin {
            file: self.file.file.name.clone(),
            line,
            level: self.file.level,
        }
    }

    /// The target of a `<location path>` in this file, `None` when it names another site.
    fn location_target(&self, path: Option<&str>) -> Option<Option<String>> {
        let path = path.unwrap_or_default().trim();
        let own = || {
            if self.file.level.is_machine_wide() {
                None
            } else {
                Some(normalize(&self.file.path))
            }
        };
        if path.is_empty() || path == "." {
            return Some(own());
        }
        if self.file.level.is_machine_wide() {
            let mut parts = path.splitn(2, ['/', '\\']);
            let site = parts.next().unwrap_or_default();
            if !site.eq_ignore_ascii_case(self.site_name) {
                return None;
            }
            return Some(Some(normalize(parts.next().unwrap_or_default())));
        }
        Some(Some(normalize(&format!("{}/{path}", self.file.path))))
    }

    fn read(&self) -> Result<Vec<Block>, ConfigError> {
        let name = &self.file.file.name;
        let text = &self.file.file.text;
        let doc = Lined::new(
            Document::parse(text).map_err(|e| xml_error(name, &e))?,
            text,
        );
        let root = doc.root_element();
        if root.tag_name().name() != "configuration" {
            return Err(ConfigError::in_file(ConfigErrorKind::Xml {
                message: format!(
                    "{name}: the root element is <{}>, not <configuration>",
                    root.tag_name().name()
                ),
            }));
        }
        let own_target = if self.file.level.is_machine_wide() {
            None
        } else {
            Some(normalize(&self.file.path))
        };
        let mut blocks = vec![Block {
            target: own_target,
            inherit_in_child_applications: true,
            allow_override: true,
            sections: self.sections(&doc, root)?,
        }];
        for location in root
            .children()
            .filter(|n| n.is_element() && n.tag_name().name() == "location")
        {
            let Some(target) = self.location_target(location.attribute("path")) else {
                continue;
            };
            let allow_override = !location
                .attribute("allowOverride")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"))
                && !location
                    .attribute("overrideMode")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("deny"));
            blocks.push(Block {
                target,
                inherit_in_child_applications: !location
                    .attribute("inheritInChildApplications")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("false")),
                allow_override,
                sections: self.sections(&doc, location)?,
            });
        }
        Ok(blocks)
    }

    fn sections(&self, doc: &Lined<'_>, parent: Node<'_, '_>) -> Result<Sections, ConfigError> {
        let mut sections = Sections::default();
        if let Some(app_settings) = only_child(parent, Section::AppSettings)? {
            sections.app_settings = self.app_settings(doc, app_settings)?;
        }
        let Some(system_web) = only_child(parent, Section::SystemWeb)? else {
            return Ok(sections);
        };
        let element = |section| -> Result<Option<Element>, ConfigError> {
            only_child(system_web, section)?
                .map(|n| self.element(doc, n, section))
                .transpose()
        };
        sections.machine_key = element(Section::MachineKey)?;
        sections.http_runtime = element(Section::HttpRuntime)?;
        sections.pages = element(Section::Pages)?;
        sections.session_state = element(Section::SessionState)?;
        if let Some(authentication) = only_child(system_web, Section::Authentication)? {
            sections.forms = only_child(authentication, Section::Forms)?
                .map(|n| self.element(doc, n, Section::Forms))
                .transpose()?;
        }
        Ok(sections)
    }

    fn check_encrypted(
        &self,
        doc: &Lined<'_>,
        node: Node<'_, '_>,
        section: Section,
    ) -> Result<(), ConfigError> {
        if let Some(provider) = node.attribute("configProtectionProvider") {
            return Err(ConfigError::new(
                section,
                ConfigErrorKind::EncryptedSection {
                    provider: provider.to_owned(),
                    at: self.origin(line_of(doc, node)),
                },
            ));
        }
        Ok(())
    }

    /// Reads the file a `configSource` names (relative to this file), checks that its root
    /// is `<name>` and not encrypted, and hands the root to `read`.
    fn with_config_source<T>(
        &self,
        source: &str,
        line: u32,
        section: Section,
        read: impl FnOnce(Node<'_, '_>) -> T,
    ) -> Result<T, ConfigError> {
        let Some(dir) = &self.file.file.directory else {
            return Err(ConfigError::new(
                section,
                ConfigErrorKind::ConfigSourceUnresolved {
                    source: source.to_owned(),
                    at: self.origin(line),
                },
            ));
        };
        let name = section.as_str();
        let path = dir.join(source.replace('\\', "/"));
        let path_name = path.display().to_string();
        let text = decode_config_text(&read_bounded(&path, &path_name)?, &path_name)?;
        let sub = Lined::new(
            Document::parse(&text).map_err(|e| xml_error(&path_name, &e))?,
            &text,
        );
        let root = sub.root_element();
        if root.tag_name().name() != name {
            return Err(ConfigError::new(
                section,
                ConfigErrorKind::Xml {
                    message: format!(
                        "{path_name}: a configSource for <{name}> must hold one <{name}> element"
                    ),
                },
            ));
        }
        self.check_encrypted(&sub, root, section)?;
        Ok(read(root))
    }

    fn element(
        &self,
        doc: &Lined<'_>,
        node: Node<'_, '_>,
        section: Section,
    ) -> Result<Element, ConfigError> {
        self.check_encrypted(doc, node, section)?;
        let line = line_of(doc, node);
        if let Some(source) = node.attribute("configSource") {
            let mut element = self
                .with_config_source(source, line, section, |root| element_attributes(root, line))?;
            element.lock = lock_of(node);
            return Ok(element);
        }
        Ok(element_attributes(node, line))
    }

    fn app_settings(
        &self,
        doc: &Lined<'_>,
        node: Node<'_, '_>,
    ) -> Result<Vec<(AppSetting, u32)>, ConfigError> {
        self.check_encrypted(doc, node, Section::AppSettings)?;
        let line = line_of(doc, node);
        if let Some(source) = node.attribute("configSource") {
            return self.with_config_source(source, line, Section::AppSettings, |root| {
                app_setting_items(root)
                    .into_iter()
                    .map(|(s, _)| (s, line))
                    .collect()
            });
        }
        Ok(app_setting_items(node)
            .into_iter()
            .map(|(s, n)| (s, line_of(doc, n)))
            .collect())
    }
}

fn lock_of(node: Node<'_, '_>) -> AttributeLock {
    let list = |v: &str| {
        v.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    };
    if node.attribute("lockItem").is_some_and(dotnet_bool) {
        AttributeLock::Element
    } else if let Some(v) = node.attribute("lockAllAttributesExcept") {
        AttributeLock::AllExcept(list(v))
    } else if let Some(v) = node.attribute("lockAttributes") {
        AttributeLock::Only(list(v))
    } else {
        AttributeLock::None
    }
}

fn element_attributes(node: Node<'_, '_>, line: u32) -> Element {
    Element {
        line,
        attributes: node
            .attributes()
            .filter(|a| a.namespace().is_none() && !GENERAL_ATTRIBUTES.contains(&a.name()))
            .map(|a| (a.name().to_owned(), a.value().to_owned()))
            .collect(),
        lock: lock_of(node),
    }
}

fn app_setting_items<'a, 'i>(node: Node<'a, 'i>) -> Vec<(AppSetting, Node<'a, 'i>)> {
    node.children()
        .filter(Node::is_element)
        .filter_map(|n| {
            let key = n.attribute("key").unwrap_or_default().to_owned();
            let item = match n.tag_name().name() {
                "add" => AppSetting::Add(key, n.attribute("value").unwrap_or_default().to_owned()),
                "remove" => AppSetting::Remove(key),
                "clear" => AppSetting::Clear,
                _ => return None,
            };
            Some((item, n))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Resolution.

/// One section's merged attributes and the locks seen so far.
#[derive(Default)]
struct Merged {
    attributes: BTreeMap<String, (String, Origin)>,
    /// The whole element locked (allowOverride=false, lockItem): where.
    element_lock: Option<(Origin, usize)>,
    /// Attribute locks: (lock, where, file index).
    attribute_locks: Vec<(AttributeLock, Origin, usize)>,
}

impl Merged {
    fn apply(
        &mut self,
        section: Section,
        element: &Element,
        origin: &Origin,
        file: usize,
        allow_override: bool,
    ) -> Result<(), ConfigError> {
        if let Some((locked, by)) = &self.element_lock {
            if *by != file && !element.attributes.is_empty() {
                return Err(ConfigError::new(
                    section,
                    ConfigErrorKind::Locked {
                        what: Setting::element(section),
                        locked_at: locked.clone(),
                        set_at: origin.clone(),
                    },
                ));
            }
        }
        for (name, value) in &element.attributes {
            for (lock, locked, by) in &self.attribute_locks {
                if *by != file && lock.locks(name) {
                    let what = Setting::named(section, name);
                    return Err(ConfigError::new(
                        what.clone(),
                        ConfigErrorKind::Locked {
                            what,
                            locked_at: locked.clone(),
                            set_at: origin.clone(),
                        },
                    ));
                }
            }
            self.attributes
                .insert(name.clone(), (value.clone(), origin.clone()));
        }
        if !allow_override || matches!(element.lock, AttributeLock::Element) {
            self.element_lock.get_or_insert((origin.clone(), file));
        } else if !matches!(element.lock, AttributeLock::None) {
            self.attribute_locks
                .push((element.lock.clone(), origin.clone(), file));
        }
        Ok(())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(|(v, _)| v.as_str())
    }

    fn lock_origin(&self) -> Option<Origin> {
        self.element_lock
            .as_ref()
            .map(|(o, _)| o.clone())
            .or_else(|| {
                self.attribute_locks
                    .iter()
                    .find(|(l, _, _)| l.locks("validationKey") || l.locks("decryptionKey"))
                    .map(|(_, o, _)| o.clone())
            })
    }
}

impl ConfigStack {
    /// An empty stack for ASP.NET 4.x and the site `Default Web Site`.
    #[must_use]
    pub fn new() -> Self {
        Self {
            files: Vec::new(),
            site_name: "Default Web Site".to_owned(),
            framework: FrameworkVersion::V4,
        }
    }

    /// The framework build whose rules apply (default 4.x).
    #[must_use]
    pub fn framework(mut self, framework: FrameworkVersion) -> Self {
        self.framework = framework;
        self
    }

    /// The IIS site name that `<location path>` in machine-wide files starts with (default
    /// `Default Web Site`).
    #[must_use]
    pub fn site_name(mut self, name: &str) -> Self {
        name.clone_into(&mut self.site_name);
        self
    }

    fn with(mut self, level: Level, path: &str, file: ConfigFile) -> Self {
        self.files.push(StackFile {
            level,
            path: normalize(path),
            file,
        });
        self
    }

    /// Adds `machine.config`.
    #[must_use]
    pub fn machine_config(self, file: ConfigFile) -> Self {
        self.with(Level::Machine, "/", file)
    }

    /// Adds the framework's root `web.config`.
    #[must_use]
    pub fn root_web_config(self, file: ConfigFile) -> Self {
        self.with(Level::RootWebConfig, "/", file)
    }

    /// Adds the site's `web.config` (virtual path `/`, the root application).
    #[must_use]
    pub fn site_web_config(self, file: ConfigFile) -> Self {
        self.with(Level::Site, "/", file)
    }

    /// Adds the `web.config` of an application root at `virtual_path` (`/Shop`).
    #[must_use]
    pub fn application_web_config(self, virtual_path: &str, file: ConfigFile) -> Self {
        self.with(Level::Application, virtual_path, file)
    }

    /// Adds the `web.config` of a folder at `virtual_path` that is not an application root.
    #[must_use]
    pub fn folder_web_config(self, virtual_path: &str, file: ConfigFile) -> Self {
        self.with(Level::Folder, virtual_path, file)
    }

    /// The effective settings of the application at `app_path`.
    ///
    /// # Errors
    /// A [`ConfigError`]: malformed XML or a duplicated element in any file, a lock
    /// overridden ([`ConfigErrorKind::Locked`]), `<machineKey>` below an application root
    /// ([`ConfigErrorKind::NotAllowedBelowApplication`]), an encrypted section, an unreadable
    /// `configSource`, or any value ASP.NET rejects in the merged `<machineKey>`.
    ///
    /// # Example
    /// See the [module documentation](self).
    pub fn resolve(&self, app_path: &str) -> Result<ResolvedConfig, ConfigError> {
        let app = normalize(app_path);
        let app_lower = app.to_ascii_lowercase();
        // Application roots on the way: the site, the application, and files added as such.
        let mut app_roots: Vec<String> = vec!["/".to_owned(), app_lower.clone()];
        app_roots.extend(
            self.files
                .iter()
                .filter(|f| matches!(f.level, Level::Site | Level::Application))
                .map(|f| f.path.to_ascii_lowercase()),
        );
        // Files in order: machine-wide by level, then by virtual path depth.
        let mut files: Vec<&StackFile> = self
            .files
            .iter()
            .filter(|f| f.level.is_machine_wide() || is_ancestor_or_self(&f.path, &app))
            .collect();
        files.sort_by_key(|f| {
            (
                !f.level.is_machine_wide(),
                f.level.is_machine_wide().then_some(f.level),
                depth(&f.path),
            )
        });

        // Every applicable block, with its order key.
        let mut blocks: Vec<((usize, usize, usize), usize, Block)> = Vec::new();
        for (index, file) in files.iter().enumerate() {
            let reader = FileReader {
                file,
                site_name: &self.site_name,
            };
            for (seq, block) in reader.read()?.into_iter().enumerate() {
                let applies = match &block.target {
                    None => true,
                    Some(target) => {
                        is_ancestor_or_self(target, &app)
                            && (block.inherit_in_child_applications
                                || target.eq_ignore_ascii_case(&app))
                    }
                };
                if applies {
                    let d = block.target.as_deref().map_or(0, |t| depth(t) + 1);
                    blocks.push(((d, index, seq), index, block));
                }
            }
        }
        blocks.sort_by_key(|(order, _, _)| *order);

        let mut merged: BTreeMap<Section, Merged> =
            SECTIONS.iter().map(|s| (*s, Merged::default())).collect();
        let mut app_settings: Vec<(String, String, Origin)> = Vec::new();
        let mut keys_in_stack = Vec::new();
        for (_, file_index, block) in &blocks {
            let Some(file) = files.get(*file_index) else {
                continue;
            };
            let origin = |line| Origin::new(&file.file.name, line, file.level);
            let s = &block.sections;
            if let Some(mk) = &s.machine_key {
                // Machine-wide files name sites and applications in <location> (IIS writes
                // them so); below the site, a path is an application root only if known.
                let below_application = !file.level.is_machine_wide()
                    && block
                        .target
                        .as_ref()
                        .is_some_and(|t| !app_roots.contains(&t.to_ascii_lowercase()));
                if below_application {
                    return Err(ConfigError::new(
                        Section::MachineKey,
                        ConfigErrorKind::NotAllowedBelowApplication {
                            element: Section::MachineKey,
                            at: origin(mk.line),
                        },
                    ));
                }
                for (name, value) in &mk.attributes {
                    let attribute = match name.as_str() {
                        "validationKey" => KeyAttribute::ValidationKey,
                        "decryptionKey" => KeyAttribute::DecryptionKey,
                        _ => continue,
                    };
                    if !value.contains("AutoGenerate") {
                        keys_in_stack.push(StackKey {
                            attribute,
                            text: KeyText::new(value),
                            origin: origin(mk.line),
                        });
                    }
                }
            }
            for (section, element) in [
                (Section::MachineKey, &s.machine_key),
                (Section::HttpRuntime, &s.http_runtime),
                (Section::Forms, &s.forms),
                (Section::Pages, &s.pages),
                (Section::SessionState, &s.session_state),
            ] {
                if let (Some(element), Some(m)) = (element, merged.get_mut(&section)) {
                    m.apply(
                        section,
                        element,
                        &origin(element.line),
                        *file_index,
                        block.allow_override,
                    )?;
                }
            }
            for (item, line) in &s.app_settings {
                match item {
                    AppSetting::Add(key, value) => {
                        app_settings.retain(|(k, _, _)| !k.eq_ignore_ascii_case(key));
                        app_settings.push((key.clone(), value.clone(), origin(*line)));
                    }
                    AppSetting::Remove(key) => {
                        app_settings.retain(|(k, _, _)| !k.eq_ignore_ascii_case(key))
                    }
                    AppSetting::Clear => app_settings.clear(),
                }
            }
        }

        let mut origins = BTreeMap::new();
        for (section, m) in &merged {
            for (name, (_, origin)) in &m.attributes {
                origins.insert(Setting::named(*section, name), origin.clone());
            }
        }
        for (key, _, origin) in &app_settings {
            origins.insert(Setting::app_setting(key), origin.clone());
        }

        let mut runtime = RuntimeSettings {
            framework: self.framework,
            ..RuntimeSettings::default()
        };
        let empty = Merged::default();
        let section = |section: Section| merged.get(&section).unwrap_or(&empty);
        if let Some(target) = section(Section::HttpRuntime).get("targetFramework") {
            runtime.target_framework = Some(target.parse()?);
        }
        for (key, value, _) in &app_settings {
            let flag = match key.to_ascii_lowercase().as_str() {
                "aspnet:uselegacyencryption" => &mut runtime.use_legacy_encryption,
                "aspnet:uselegacymachinekeyencryption" => {
                    &mut runtime.use_legacy_machine_key_encryption
                }
                "aspnet:uselegacyformsauthenticationticketcompatibility" => {
                    &mut runtime.use_legacy_forms_authentication_ticket_compatibility
                }
                "aspnet:userandomizedstringhashalgorithm" => {
                    &mut runtime.use_randomized_string_hash_algorithm
                }
                _ => continue,
            };
            *flag = dotnet_bool(value);
        }
        let machine_key = section(Section::MachineKey);
        let config = builder_from_attributes(
            machine_key
                .attributes
                .iter()
                .map(|(k, (v, _))| (k.as_str(), v.as_str())),
            runtime,
        )?
        .build()?;
        Ok(ResolvedConfig {
            config,
            forms: forms_settings(section(Section::Forms))?,
            pages: pages_settings(section(Section::Pages))?,
            session_state: session_state_settings(section(Section::SessionState))?,
            origins,
            keys_in_stack,
            machine_key_lock: machine_key.lock_origin(),
            data_protection_startup_type: app_settings
                .iter()
                .find(|(k, _, _)| k.eq_ignore_ascii_case("aspnet:dataProtectionStartupType"))
                .map(|(_, v, _)| v.clone()),
        })
    }
}

fn bad_value(section: Section, name: &str, value: &str) -> ConfigError {
    ConfigError::new(
        Setting::named(section, name),
        ConfigErrorKind::InvalidValue {
            value: value.to_owned(),
        },
    )
}

fn bool_attribute(
    m: &Merged,
    section: Section,
    name: &str,
    default: bool,
) -> Result<bool, ConfigError> {
    match m.get(name).map(str::trim) {
        None => Ok(default),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(bad_value(section, name, v)),
    }
}

/// An enumeration attribute: one of `values` (compared without regard to case), or the
/// default when absent.
fn enum_attribute<T: Copy>(
    m: &Merged,
    section: Section,
    name: &str,
    values: &[T],
    as_str: fn(T) -> &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match m.get(name) {
        None => Ok(default),
        Some(v) => values
            .iter()
            .copied()
            .find(|x| as_str(*x).eq_ignore_ascii_case(v.trim()))
            .ok_or_else(|| bad_value(section, name, v)),
    }
}

fn forms_settings(m: &Merged) -> Result<FormsSettings, ConfigError> {
    let mut forms = FormsSettings::default();
    if let Some(v) = m.get("name") {
        v.clone_into(&mut forms.name);
    }
    forms.protection = enum_attribute(
        m,
        Section::Forms,
        "protection",
        CookieProtection::ALL,
        CookieProtection::as_str,
        forms.protection,
    )?;
    if let Some(v) = m.get("timeout") {
        // TimeSpanMinutesConverter: whole minutes.
        let minutes: u32 = v
            .trim()
            .parse()
            .map_err(|_| bad_value(Section::Forms, "timeout", v))?;
        forms.timeout = time::Duration::minutes(i64::from(minutes));
    }
    forms.sliding_expiration = bool_attribute(m, Section::Forms, "slidingExpiration", true)?;
    forms.require_ssl = bool_attribute(m, Section::Forms, "requireSSL", false)?;
    if let Some(v) = m.get("path") {
        v.clone_into(&mut forms.path);
    }
    forms.cookieless = enum_attribute(
        m,
        Section::Forms,
        "cookieless",
        CookieMode::ALL,
        CookieMode::as_str,
        forms.cookieless,
    )?;
    forms.ticket_compatibility_mode = enum_attribute(
        m,
        Section::Forms,
        "ticketCompatibilityMode",
        TicketCompatibilityMode::ALL,
        TicketCompatibilityMode::as_str,
        forms.ticket_compatibility_mode,
    )?;
    Ok(forms)
}

fn session_state_settings(m: &Merged) -> Result<SessionStateSettings, ConfigError> {
    Ok(SessionStateSettings {
        mode: enum_attribute(
            m,
            Section::SessionState,
            "mode",
            SessionStateMode::ALL,
            SessionStateMode::as_str,
            SessionStateMode::InProc,
        )?,
    })
}

fn pages_settings(m: &Merged) -> Result<PagesSettings, ConfigError> {
    Ok(PagesSettings {
        enable_view_state_mac: bool_attribute(m, Section::Pages, "enableViewStateMac", true)?,
        enable_view_state: bool_attribute(m, Section::Pages, "enableViewState", true)?,
        view_state_encryption_mode: enum_attribute(
            m,
            Section::Pages,
            "viewStateEncryptionMode",
            ViewStateEncryptionMode::ALL,
            ViewStateEncryptionMode::as_str,
            ViewStateEncryptionMode::Auto,
        )?,
    })
}
