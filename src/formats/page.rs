//! The identity of a Web Forms page: what its ViewState is bound to (`ObjectStateFormatter`, `HiddenFieldPageStatePersister`).

use crate::config::RuntimeSettings;
use crate::error::{ArgumentError, Error};
use crate::keys::string_hash::{frozen_hash_ignore_case, invariant_ignore_case_hash};
use crate::names::names;

/// Which string hash gives a page's `__VIEWSTATEGENERATOR`: what
/// `aspnet:UseRandomizedStringHashAlgorithm` decides (`ObjectStateFormatter`,
/// `StringUtil.GetNonRandomizedHashCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum GeneratorHash {
    /// `StringComparer.InvariantCultureIgnoreCase` (the default).
    #[default]
    InvariantIgnoreCase,
    /// With `aspnet:UseRandomizedStringHashAlgorithm=true`: the frozen 32-bit
    /// `String.GetHashCode` of the lower-cased string.
    Frozen,
}

names!(GeneratorHash, "The hash, in words.", {
    InvariantIgnoreCase => "InvariantCultureIgnoreCase",
    Frozen => "frozen String.GetHashCode (UseRandomizedStringHashAlgorithm)",
});

impl From<&RuntimeSettings> for GeneratorHash {
    /// The hash `aspnet:UseRandomizedStringHashAlgorithm` picks.
    fn from(runtime: &RuntimeSettings) -> Self {
        if runtime.use_randomized_string_hash_algorithm {
            Self::Frozen
        } else {
            Self::InvariantIgnoreCase
        }
    }
}

/// A page: its `TemplateSourceDirectory` and compiled type name (which give the
/// `__VIEWSTATEGENERATOR` and the Framework45 purposes), or just a generator value read
/// from the form, plus an optional `ViewStateUserKey`.
///
/// # Example
/// ```
/// use machinekey::formats::{GeneratorHash, Page};
/// let page = Page::from_path("/mac/vsk/test/default.aspx", "/mac/vsk")?;
/// assert_eq!(page.template_source_directory(), Some("/mac/vsk/test"));
/// assert_eq!(page.type_name(), Some("test_default_aspx"));
/// assert_eq!(page.generator(GeneratorHash::default())?, 0x2037_ECEB);
/// # Ok::<(), machinekey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Page {
    template_source_directory: Option<String>,
    type_name: Option<String>,
    generator: Option<u32>,
    view_state_user_key: Option<String>,
}

/// `Util.MakeValidTypeNameFromString`: letters, digits and `_` stay, anything else becomes
/// `_`, and a leading digit gets a `_` prefix. Lower-cased, as ASP.NET's build names pages
/// (case does not matter to either hash or purpose).
fn type_name_from(relative: &str) -> String {
    let mut out: String = relative
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// `String.ToUpperInvariant`, one character to one character (characters whose upper case
/// is longer, such as `ß`, stay as they are, as in .NET).
fn upper_invariant(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        })
        .collect()
}

/// The path of a request path or URL: `http(s)://host` is dropped, and so are the query
/// and the fragment.
pub(crate) fn request_path(path_or_url: &str) -> &str {
    let mut path = path_or_url;
    for scheme in ["http://", "https://"] {
        if let Some(rest) = path.strip_prefix(scheme) {
            path = rest.find('/').and_then(|i| rest.get(i..)).unwrap_or("/");
        }
    }
    path.split(['?', '#']).next().unwrap_or_default()
}

impl Page {
    /// The page at `request_path` (a path such as `/MyApp/sub/Default.aspx`, or a full URL)
    /// in the application at `app_path` (`/` or `/MyApp`).
    ///
    /// `TemplateSourceDirectory` is the page's directory without a trailing slash (`/` at the
    /// root); the type name is the application-relative path with `/` and `.` turned into
    /// `_` (`sub_default_aspx`).
    ///
    /// # Errors
    /// [`ArgumentError::PagePath`] if the path does not name a page;
    /// [`ArgumentError::PageOutsideApplication`] if it is not inside the application.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::{GeneratorHash, Page};
    /// let page = Page::from_path("http://10.1.1.43/default2.aspx?x=1", "/")?;
    /// assert_eq!(format!("{:08X}", page.generator(GeneratorHash::default())?), "9BD98A7D");
    /// assert!(Page::from_path("/other/a.aspx", "/MyApp").is_err());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn from_path(request_path: &str, app_path: &str) -> Result<Self, Error> {
        let path = self::request_path(request_path);
        if !path.starts_with('/') || path.ends_with('/') {
            return Err(ArgumentError::PagePath.into());
        }
        let app = app_path.trim_end_matches('/');
        let relative = if app.is_empty() {
            path.get(1..)
        } else {
            path.get(..app.len())
                .filter(|prefix| prefix.eq_ignore_ascii_case(app))
                .and_then(|_| path.get(app.len()..))
                .and_then(|rest| rest.strip_prefix('/'))
        }
        .ok_or(ArgumentError::PageOutsideApplication)?;
        let directory = match path.rfind('/') {
            Some(0) | None => "/",
            Some(i) => path.get(..i).unwrap_or("/"),
        };
        Ok(Self::new(directory, &type_name_from(relative)))
    }

    /// The page paths a URL (or path) can stand for: its own path when it names a file; a
    /// directory's (`/shop/`) default document `default.aspx`; for an extensionless path
    /// (`/Login`, routed or FriendlyUrls) both `/Login.aspx` and `/Login/default.aspx`.
    ///
    /// # Example
    /// ```
    /// use machinekey::Page;
    /// assert_eq!(Page::paths_for_url("https://host/shop/"), ["/shop/default.aspx"]);
    /// assert_eq!(Page::paths_for_url("/Login?x=1"), ["/Login.aspx", "/Login/default.aspx"]);
    /// assert_eq!(Page::paths_for_url("/a/b.aspx"), ["/a/b.aspx"]);
    /// ```
    #[must_use]
    pub fn paths_for_url(url: &str) -> Vec<String> {
        let path = request_path(url);
        if path.is_empty() || path.ends_with('/') {
            return vec![format!(
                "{}default.aspx",
                if path.is_empty() { "/" } else { path }
            )];
        }
        let last = path.rsplit('/').next().unwrap_or_default();
        if last.contains('.') {
            vec![path.to_owned()]
        } else {
            vec![format!("{path}.aspx"), format!("{path}/default.aspx")]
        }
    }

    /// Every application path the page at `request_path` (a path or a URL) could belong to,
    /// from the root down: `/`, `/a` and `/a/b` for `/a/b/page.aspx`.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::Page;
    /// assert_eq!(Page::app_path_candidates("https://host/a/b/page.aspx?x=1"), ["/", "/a", "/a/b"]);
    /// ```
    #[must_use]
    pub fn app_path_candidates(request_path: &str) -> Vec<String> {
        let path = self::request_path(request_path);
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let dirs = segments.len().saturating_sub(1);
        let mut out = vec!["/".to_owned()];
        for n in 1..=dirs {
            out.push(format!(
                "/{}",
                segments.get(..n).unwrap_or_default().join("/")
            ));
        }
        out
    }

    /// The application paths (of [`app_path_candidates`](Self::app_path_candidates)) under
    /// which the page at `request_path` has the `__VIEWSTATEGENERATOR` `generator`: the
    /// application path recovered from a captured page, since the generator hashes the
    /// page's directory and its application-relative type name. Usually one; none if the
    /// page's type name is not the default one (a `ClassName` directive, say), or the
    /// path's characters are outside what the crate's string hash covers.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::{GeneratorHash, Page};
    /// let generator = Page::from_path("/mac/vsk/test/default.aspx", "/mac/vsk")?.generator(GeneratorHash::default())?;
    /// assert_eq!(Page::app_paths_for_generator("http://host/mac/vsk/test/default.aspx", generator), ["/mac/vsk"]);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn app_paths_for_generator(request_path: &str, generator: u32) -> Vec<String> {
        Self::app_path_candidates(request_path)
            .into_iter()
            .filter(|app| {
                Self::from_path(request_path, app)
                    .and_then(|page| page.generator(GeneratorHash::default()))
                    .is_ok_and(|g| g == generator)
            })
            .collect()
    }

    /// A page from its `TemplateSourceDirectory` (e.g. `/` or `/MyApp/sub`) and type name
    /// (e.g. `default_aspx`).
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::{GeneratorHash, Page};
    /// assert_eq!(Page::new("/", "default_aspx").generator(GeneratorHash::default())?, 0xCA0B_0334);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn new(template_source_directory: &str, type_name: &str) -> Self {
        Self {
            template_source_directory: Some(template_source_directory.to_owned()),
            type_name: Some(type_name.to_owned()),
            generator: None,
            view_state_user_key: None,
        }
    }

    /// A page known only by its `__VIEWSTATEGENERATOR` value. Enough for legacy ViewState;
    /// Framework45 needs the directory and type name.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::{GeneratorHash, Page};
    /// let page = Page::from_generator(0xEDD8_C9AE);
    /// assert_eq!(page.legacy_modifier(GeneratorHash::default())?, vec![0xAE, 0xC9, 0xD8, 0xED]);
    /// assert!(page.purposes().is_err());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn from_generator(generator: u32) -> Self {
        Self {
            template_source_directory: None,
            type_name: None,
            generator: Some(generator),
            view_state_user_key: None,
        }
    }

    /// Sets `Page.ViewStateUserKey` (often the session id or user name).
    #[must_use]
    pub fn with_view_state_user_key(mut self, key: &str) -> Self {
        self.view_state_user_key = Some(key.to_owned());
        self
    }

    /// `TemplateSourceDirectory`, if known.
    #[must_use]
    pub fn template_source_directory(&self) -> Option<&str> {
        self.template_source_directory.as_deref()
    }

    /// The compiled type name, if known.
    #[must_use]
    pub fn type_name(&self) -> Option<&str> {
        self.type_name.as_deref()
    }

    /// `ViewStateUserKey`, if set.
    #[must_use]
    pub fn view_state_user_key(&self) -> Option<&str> {
        self.view_state_user_key.as_deref()
    }

    fn names(&self) -> Result<(&str, &str), Error> {
        match (&self.template_source_directory, &self.type_name) {
            (Some(d), Some(t)) => Ok((d, t)),
            _ => Err(ArgumentError::PageWithoutNames.into()),
        }
    }

    /// The `__VIEWSTATEGENERATOR` value: `hash(TemplateSourceDirectory) + hash(type name)`
    /// as a `u32` (`ObjectStateFormatter`, `HiddenFieldPageStatePersister`), with `hash`
    /// (`GeneratorHash::default()` unless the application sets
    /// `aspnet:UseRandomizedStringHashAlgorithm`; `GeneratorHash::from(config.runtime())`
    /// picks it).
    ///
    /// # Errors
    /// [`Error::StringHash`] for a character the crate cannot weigh;
    /// [`ArgumentError::PageWithoutNames`] without names or generator.
    ///
    /// # Example
    /// See [`Page`].
    pub fn generator(&self, hash: GeneratorHash) -> Result<u32, Error> {
        if let Some(g) = self.generator {
            return Ok(g);
        }
        let (dir, name) = self.names()?;
        let hash = match hash {
            GeneratorHash::Frozen => frozen_hash_ignore_case,
            GeneratorHash::InvariantIgnoreCase => invariant_ignore_case_hash,
        };
        let sum = hash(dir)?.wrapping_add(hash(name)?);
        Ok(u32::from_ne_bytes(sum.to_ne_bytes()))
    }

    /// The legacy MAC modifier (`GetMacKeyModifier`): the generator little-endian, then the
    /// UTF-16LE `ViewStateUserKey` if set.
    ///
    /// # Errors
    /// As [`generator`](Self::generator).
    ///
    /// # Example
    /// See [`from_generator`](Self::from_generator).
    pub fn legacy_modifier(&self, hash: GeneratorHash) -> Result<Vec<u8>, Error> {
        let mut out = self.generator(hash)?.to_le_bytes().to_vec();
        if let Some(key) = &self.view_state_user_key {
            out.extend(key.encode_utf16().flat_map(u16::to_le_bytes));
        }
        Ok(out)
    }

    /// The Framework45 specific purposes: `TemplateSourceDirectory: <UPPER>`,
    /// `Type: <UPPER>`, and `ViewStateUserKey: <value>` (not upper-cased) if set.
    ///
    /// # Errors
    /// [`ArgumentError::PageWithoutNames`] for a page known only by its generator.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::Page;
    /// let page = Page::from_path("/form.aspx", "/")?.with_view_state_user_key("abc");
    /// assert_eq!(page.purposes()?, ["TemplateSourceDirectory: /", "Type: FORM_ASPX", "ViewStateUserKey: abc"]);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn purposes(&self) -> Result<Vec<String>, Error> {
        let (dir, name) = self.names()?;
        let mut out = vec![
            format!("TemplateSourceDirectory: {}", upper_invariant(dir)),
            format!("Type: {}", upper_invariant(name)),
        ];
        if let Some(key) = &self.view_state_user_key {
            out.push(format!("ViewStateUserKey: {key}"));
        }
        Ok(out)
    }
}
