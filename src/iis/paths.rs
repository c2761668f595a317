//! Windows paths of a server and where their copies are: environment variables in
//! physical paths (`%SystemDrive%\inetpub\wwwroot`) and the mapping of server paths onto a
//! local copy (`C:\inetpub=./copy/inetpub`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::IisError;

/// Environment variables for expanding physical paths, matched case-insensitively as
/// Windows does.
///
/// # Example
/// ```
/// use machinekey::iis::paths::Environment;
/// let mut env = Environment::windows_defaults();
/// assert_eq!(env.expand(r"%SystemDrive%\inetpub\wwwroot")?, r"C:\inetpub\wwwroot");
/// assert_eq!(env.expand(r"%IIS_SITES_HOME%\WebSite1").unwrap_err(), "IIS_SITES_HOME");
/// env.set("IIS_SITES_HOME", r"C:\Users\dev\Documents\My Web Sites");
/// assert_eq!(env.expand(r"%iis_sites_home%\WebSite1")?, r"C:\Users\dev\Documents\My Web Sites\WebSite1");
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Environment {
    vars: BTreeMap<String, (String, String)>,
}

impl Environment {
    /// No variables.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The variables every Windows server has, with their usual values: `SystemDrive`
    /// (`C:`), `SystemRoot` and `windir` (`C:\Windows`), `ProgramFiles`,
    /// `ProgramFiles(x86)`, `ProgramData`. Override them with [`set`](Self::set) when the
    /// server differs.
    #[must_use]
    pub fn windows_defaults() -> Self {
        let mut env = Self::new();
        for (k, v) in [
            ("SystemDrive", "C:"),
            ("SystemRoot", r"C:\Windows"),
            ("windir", r"C:\Windows"),
            ("ProgramFiles", r"C:\Program Files"),
            ("ProgramFiles(x86)", r"C:\Program Files (x86)"),
            ("ProgramData", r"C:\ProgramData"),
        ] {
            env.set(k, v);
        }
        env
    }

    /// Sets a variable.
    pub fn set(&mut self, name: &str, value: &str) {
        self.vars.insert(
            name.to_ascii_lowercase(),
            (name.to_owned(), value.to_owned()),
        );
    }

    /// A variable's value.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(&name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }

    /// `text` with every `%NAME%` replaced.
    ///
    /// # Errors
    /// The name of the first variable that is not set.
    pub fn expand(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find('%') {
            let (before, after) = rest.split_at(start);
            out.push_str(before);
            let after = after.get(1..).unwrap_or_default();
            let Some(end) = after.find('%') else {
                out.push('%');
                rest = after;
                continue;
            };
            let name = after.get(..end).unwrap_or_default();
            match self.get(name) {
                Some(v) => out.push_str(v),
                None => return Err(name.to_owned()),
            }
            rest = after.get(end + 1..).unwrap_or_default();
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// A Windows path in a normal form for comparing: `\` separators, no trailing separator,
/// lower case.
fn normal(path: &str) -> String {
    let mut p = path.trim().replace('/', "\\");
    while p.ends_with('\\') && p.len() > 3 {
        p.pop();
    }
    p.to_lowercase()
}

/// Server path prefixes and the local folders that hold their copies; the longest
/// matching prefix wins, compared case-insensitively by whole path segment.
///
/// # Example
/// ```
/// use machinekey::iis::paths::PathMap;
/// use std::path::PathBuf;
/// let mut map = PathMap::new();
/// map.add_rule(r"C:\inetpub=./copy/inetpub")?;
/// map.add(r"C:\inetpub\wwwroot\shop", "./shop-copy");
/// assert_eq!(map.map(r"c:\INETPUB\wwwroot\web.config"), Some(PathBuf::from("./copy/inetpub/wwwroot/web.config")));
/// assert_eq!(map.map(r"C:\inetpub\wwwroot\shop\web.config"), Some(PathBuf::from("./shop-copy/web.config")));
/// assert_eq!(map.map(r"C:\inetpubX\web.config"), None);
/// assert!(matches!(map.add_rule("no equals sign"), Err(machinekey::iis::IisError::Rule { .. })));
/// # Ok::<(), machinekey::iis::IisError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PathMap {
    entries: Vec<(String, String, PathBuf)>,
}

impl PathMap {
    /// No mappings.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps the server path `from` (and everything below it) to the local folder `to`.
    pub fn add(&mut self, from: &str, to: impl AsRef<Path>) {
        let key = normal(from);
        self.entries.retain(|(k, _, _)| *k != key);
        self.entries
            .push((key, from.to_owned(), to.as_ref().to_path_buf()));
        self.entries
            .sort_by_key(|(k, _, _)| core::cmp::Reverse(k.len()));
    }

    /// Adds a `FROM=TO` rule, as `--map` takes it.
    ///
    /// # Errors
    /// [`IisError::Rule`] when there is no `=` or either side is empty.
    pub fn add_rule(&mut self, rule: &str) -> Result<(), IisError> {
        match rule.split_once('=') {
            Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
                self.add(from.trim(), to.trim());
                Ok(())
            }
            _ => Err(IisError::Rule {
                message: format!(
                    "a path mapping is FROM=TO, e.g. C:\\inetpub=./copy/inetpub (got {rule:?})"
                ),
            }),
        }
    }

    /// Whether no mapping was added.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The local path of the server path `path`, if a mapping covers it.
    #[must_use]
    pub fn map(&self, path: &str) -> Option<PathBuf> {
        let p = normal(path);
        for (key, _, to) in &self.entries {
            let rest = if p == *key {
                ""
            } else if let Some(rest) = p.strip_prefix(key.as_str()) {
                if key.ends_with('\\') {
                    rest
                } else if let Some(r) = rest.strip_prefix('\\') {
                    r
                } else {
                    continue;
                }
            } else {
                continue;
            };
            // Keep the original case of the remainder (local file systems may care).
            let original = path.trim().replace('/', "\\");
            let tail_len = rest.len();
            let tail = original
                .get(original.len().saturating_sub(tail_len)..)
                .filter(|t| t.to_lowercase() == rest)
                .unwrap_or(rest);
            let mut out = to.clone();
            for segment in tail.split('\\').filter(|s| !s.is_empty() && *s != ".") {
                out.push(segment);
            }
            return Some(out);
        }
        None
    }

    /// The mappings, as (server path, local folder).
    pub fn rules(&self) -> impl Iterator<Item = (&str, &Path)> {
        self.entries
            .iter()
            .map(|(_, f, t)| (f.as_str(), t.as_path()))
    }
}
