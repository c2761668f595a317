//! What a registry export of the ASP.NET key stores shows: which `AutoGenKeys\<SID>` keys
//! exist in which view, the auto-generated keys they hold and when those were created, and
//! the users' `HKEY_USERS\<SID>\Software\Microsoft\ASP.NET\<version>` stores.
//!
//! The export is what `reg export HKLM\SOFTWARE\Microsoft\ASP.NET aspnet-64.reg` (and the
//! `WOW6432Node` branch for the 32-bit view) writes: UTF-16LE with a byte-order mark, or
//! UTF-8. Each key holding an `AutoGenKeyV4` (2.0: `AutoGenKey`) value is read with
//! [`read_reg_export`], so the rules are the crate's; a
//! DPAPI-protected value (`AutoGenKeyFormat` 1) is recorded as present but unreadable.
//!
//! A `LastInstallTime` QWORD under `ASP.NET\<version>` is read as the framework's last
//! install or repair time; where `ResetMachineKeys` writes it is UNVERIFIED.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use time::OffsetDateTime;

use super::sid::Sid;
use crate::clock::from_file_time;
use crate::error::IisError;
use crate::keys::store::RegistryView;
use crate::keys::{AutoGenKeys, KeyImportError, logical_lines, read_reg_export};

/// The largest registry export read (16 MiB).
pub const MAX_REG_FILE: u64 = 16 << 20;

/// Where a key store in the export is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "hive", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StoreKey {
    /// `HKLM\SOFTWARE\[WOW6432Node\]Microsoft\ASP.NET\<version>\AutoGenKeys\<sid>`.
    LocalMachine {
        /// The framework key version (`4.0.30319.0`, `2.0.50727.0`).
        version: String,
        /// The registry view (`WOW6432Node` is the 32-bit view).
        view: RegistryView,
        /// The account the key is for.
        sid: Sid,
    },
    /// `HKEY_USERS\<sid>\Software\Microsoft\ASP.NET\<version>` (or `HKEY_CURRENT_USER`).
    CurrentUser {
        /// The framework key version.
        version: String,
        /// The account, when the export names it (`HKEY_USERS`).
        sid: Option<Sid>,
    },
}

/// The auto-generated keys a store holds (never serialized).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StoredValue {
    /// The buffer.
    #[serde(skip)]
    pub keys: AutoGenKeys,
    /// `AutoGenKeyFormat` (2 = clear).
    pub format: Option<u32>,
    /// `AutoGenKeyCreationTime` (a `FILETIME` in the export; in JSON, RFC 3339 text).
    #[serde(with = "time::serde::rfc3339::option")]
    pub creation_time: Option<OffsetDateTime>,
}

/// One key store found in an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StoreEntry {
    /// Which store.
    pub key: StoreKey,
    /// The registry path as written.
    pub path: String,
    /// The file and line of the key.
    pub at: String,
    /// The auto-generated keys, if the key holds them.
    pub value: Option<StoredValue>,
    /// Why the value could not be read (DPAPI-protected, malformed), with its line.
    pub unreadable: Option<String>,
}

/// A framework's last install or repair time, as the export shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LastInstall {
    /// The framework key version.
    pub version: String,
    /// The registry view.
    pub view: RegistryView,
    /// The time (a `FILETIME` in the export; in JSON, RFC 3339 text).
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    /// The file and line.
    pub at: String,
}

/// Everything the registry exports of a server show about the ASP.NET key stores.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct AspNetRegistry {
    /// The key stores found.
    pub stores: Vec<StoreEntry>,
    /// Last install times found.
    pub last_install: Vec<LastInstall>,
    /// The (view, version) pairs the exports cover: a store missing from a covered pair
    /// does not exist.
    pub covered: BTreeSet<(RegistryView, String)>,
}

/// One `[key]` of an export: its line, its path, and its value lines with theirs.
type Section = (usize, String, Vec<(usize, String)>);

/// A registry path split into what the key-store model needs.
enum Parsed {
    Store(StoreKey),
    Version { version: String, view: RegistryView },
    Other,
}

fn parse_path(path: &str) -> Parsed {
    let parts: Vec<&str> = path.split('\\').filter(|p| !p.is_empty()).collect();
    let lower: Vec<String> = parts.iter().map(|p| p.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    match lower.as_slice() {
        [hklm, "software", rest @ ..] if matches!(*hklm, "hkey_local_machine" | "hklm") => {
            let (view, rest) = match rest {
                ["wow6432node", rest @ ..] => (RegistryView::Bits32, rest),
                _ => (RegistryView::Bits64, rest),
            };
            match rest {
                ["microsoft", "asp.net", _, "autogenkeys", sid, ..] => {
                    let version = parts.get(parts.len() - rest.len() + 2).copied();
                    match (sid.parse::<Sid>(), version) {
                        (Ok(sid), Some(v)) if rest.len() == 5 => {
                            Parsed::Store(StoreKey::LocalMachine {
                                version: v.to_owned(),
                                view,
                                sid,
                            })
                        }
                        (_, Some(v)) => Parsed::Version {
                            version: v.to_owned(),
                            view,
                        },
                        _ => Parsed::Other,
                    }
                }
                ["microsoft", "asp.net", _, ..] => {
                    let version = parts.get(parts.len() - rest.len() + 2).copied();
                    version.map_or(Parsed::Other, |v| Parsed::Version {
                        version: v.to_owned(),
                        view,
                    })
                }
                _ => Parsed::Other,
            }
        }
        ["hkey_users", sid, "software", "microsoft", "asp.net", _] => {
            let version = parts.get(5).copied().unwrap_or_default().to_owned();
            Parsed::Store(StoreKey::CurrentUser {
                version,
                sid: sid.parse().ok(),
            })
        }
        [hkcu, "software", "microsoft", "asp.net", _]
            if matches!(*hkcu, "hkey_current_user" | "hkcu") =>
        {
            let version = parts.get(4).copied().unwrap_or_default().to_owned();
            Parsed::Store(StoreKey::CurrentUser { version, sid: None })
        }
        _ => Parsed::Other,
    }
}

/// Decodes a `.reg` file: UTF-16LE with a BOM, or UTF-8 with or without one.
fn decode(file: &str, bytes: &[u8]) -> Result<String, IisError> {
    let bad = |m: &str| IisError::invalid(file, 0, m);
    if let Some(body) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        if body.len() % 2 != 0 {
            return Err(bad("UTF-16 text with an odd number of bytes"));
        }
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| match c {
                [a, b] => u16::from_le_bytes([*a, *b]),
                _ => 0,
            })
            .collect();
        return String::from_utf16(&units).map_err(|_| bad("invalid UTF-16 text"));
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    String::from_utf8(body.to_vec())
        .map_err(|_| bad("neither UTF-16LE with a byte-order mark nor UTF-8"))
}

/// Parses a `hex(b):` QWORD value.
fn qword(value: &str) -> Option<u64> {
    let hex = value.trim().strip_prefix("hex(b):")?;
    let bytes: Vec<u8> = hex
        .split(',')
        .map(|b| u8::from_str_radix(b.trim(), 16).ok())
        .collect::<Option<_>>()?;
    Some(u64::from_le_bytes(<[u8; 8]>::try_from(bytes).ok()?))
}

impl AspNetRegistry {
    /// An empty record (no export collected).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds what the export `text` (named `file` in messages) shows.
    ///
    /// # Errors
    /// [`IisError::Invalid`] with the line, for a file that is not a registry export; a
    /// store value that cannot be read is recorded as [`StoreEntry::unreadable`] instead.
    ///
    /// # Example
    /// ```
    /// use machinekey::iis::registry::AspNetRegistry;
    /// use machinekey::keys::store::RegistryView;
    /// let text = "Windows Registry Editor Version 5.00\r\n\r\n\
    ///     [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ASP.NET\\4.0.30319.0\\AutoGenKeys]\r\n\r\n\
    ///     [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ASP.NET\\4.0.30319.0\\AutoGenKeys\\S-1-5-21-1-2-3-1105]\r\n";
    /// let mut reg = AspNetRegistry::new();
    /// reg.add_text("aspnet-64.reg", text)?;
    /// let sid = "S-1-5-21-1-2-3-1105".parse()?;
    /// assert!(reg.local_machine_key("4.0.30319.0", RegistryView::Bits64, &sid).is_some());
    /// assert_eq!(reg.local_machine_key_exists("4.0.30319.0", RegistryView::Bits64, &sid), Some(true));
    /// assert_eq!(reg.local_machine_key_exists("4.0.30319.0", RegistryView::Bits32, &sid), None); // not exported
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_text(&mut self, file: &str, text: &str) -> Result<(), IisError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines = logical_lines(text);
        let mut meaningful = lines
            .iter()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with(';'));
        match meaningful.next() {
            Some((_, l))
                if matches!(
                    l.trim(),
                    "Windows Registry Editor Version 5.00" | "REGEDIT4"
                ) => {}
            Some((n, _)) => {
                return Err(IisError::invalid(
                    file,
                    *n,
                    "not a registry export: expected \"Windows Registry Editor Version 5.00\"",
                ));
            }
            None => return Err(IisError::invalid(file, 0, "the file is empty")),
        }
        // Sections: (line of the key, path, value lines).
        let mut sections: Vec<Section> = Vec::new();
        for (n, line) in meaningful {
            let line = line.trim();
            if let Some(path) = line.strip_prefix('[') {
                let path = path
                    .strip_suffix(']')
                    .ok_or_else(|| IisError::invalid(file, *n, "a key line must end with ']'"))?;
                if path.starts_with('-') {
                    continue; // a deletion, not a key
                }
                sections.push((*n, path.to_owned(), Vec::new()));
            } else if let Some(section) = sections.last_mut() {
                section.2.push((*n, line.to_owned()));
            } else {
                return Err(IisError::invalid(file, *n, "a value before any [key] line"));
            }
        }
        for (line, path, values) in sections {
            let at = format!("{file}:{line}");
            match parse_path(&path) {
                Parsed::Store(key) => {
                    if let StoreKey::LocalMachine { version, view, .. } = &key {
                        self.covered.insert((*view, version.clone()));
                    }
                    let (value, unreadable) = read_value(file, line, &path, &values);
                    self.stores.push(StoreEntry {
                        key,
                        path,
                        at,
                        value,
                        unreadable,
                    });
                }
                Parsed::Version { version, view } => {
                    for (n, value_line) in &values {
                        if let Some(v) = value_line
                            .strip_prefix("\"LastInstallTime\"=")
                            .and_then(qword)
                            .and_then(from_file_time)
                        {
                            self.last_install.push(LastInstall {
                                version: version.clone(),
                                view,
                                time: v,
                                at: format!("{file}:{n}"),
                            });
                        }
                    }
                    self.covered.insert((view, version));
                }
                Parsed::Other => {}
            }
        }
        Ok(())
    }

    /// Reads an export file (at most [`MAX_REG_FILE`] bytes) and adds it.
    ///
    /// # Errors
    /// [`IisError::File`] if it cannot be read; otherwise as [`add_text`](Self::add_text).
    pub fn add_file(&mut self, path: &Path) -> Result<(), IisError> {
        let name = path.display().to_string();
        let bytes = super::read_bounded(path, MAX_REG_FILE)?;
        let text = decode(&name, &bytes)?;
        self.add_text(&name, &text)
    }

    /// The `AutoGenKeys\<sid>` key of `version` in `view`, if an export shows it.
    #[must_use]
    pub fn local_machine_key(
        &self,
        version: &str,
        view: RegistryView,
        sid: &Sid,
    ) -> Option<&StoreEntry> {
        self.stores.iter().find(|e| {
            matches!(&e.key, StoreKey::LocalMachine { version: v, view: w, sid: s }
                if v.eq_ignore_ascii_case(version) && *w == view && s == sid)
        })
    }

    /// Whether `AutoGenKeys\<sid>` exists: `Some(true)` if an export shows it,
    /// `Some(false)` if an export covers that view and version without it, `None` if no
    /// export covers it.
    #[must_use]
    pub fn local_machine_key_exists(
        &self,
        version: &str,
        view: RegistryView,
        sid: &Sid,
    ) -> Option<bool> {
        if self.local_machine_key(version, view, sid).is_some() {
            return Some(true);
        }
        self.covered
            .iter()
            .any(|(w, v)| *w == view && v.eq_ignore_ascii_case(version))
            .then_some(false)
    }

    /// The user store of `sid` for `version`, if an export shows it.
    #[must_use]
    pub fn current_user_key(&self, version: &str, sid: &Sid) -> Option<&StoreEntry> {
        self.stores.iter().find(|e| {
            matches!(&e.key, StoreKey::CurrentUser { version: v, sid: Some(s) }
                if v.eq_ignore_ascii_case(version) && s == sid)
        })
    }

    /// The last install time of `version` in `view`, if an export shows it.
    #[must_use]
    pub fn last_install(&self, version: &str, view: RegistryView) -> Option<&LastInstall> {
        self.last_install
            .iter()
            .find(|l| l.view == view && l.version.eq_ignore_ascii_case(version))
    }
}

/// Reads the auto-generated keys of one key section with the crate's `.reg` reader; the
/// value lines keep their line numbers in the messages.
fn read_value(
    file: &str,
    line: usize,
    path: &str,
    values: &[(usize, String)],
) -> (Option<StoredValue>, Option<String>) {
    let has_key = values.iter().any(|(_, v)| {
        let v = v.to_ascii_lowercase();
        v.starts_with("\"autogenkeyv4\"=") || v.starts_with("\"autogenkey\"=")
    });
    if !has_key {
        return (None, None);
    }
    // Mini export: header (line 1), key (line 2), then each value line.
    let mut mini = format!("Windows Registry Editor Version 5.00\n[{path}]\n");
    let mut origin = vec![0, 0, line];
    for (n, v) in values {
        mini.push_str(v);
        mini.push('\n');
        origin.push(*n);
    }
    match read_reg_export(&mini) {
        Ok(export) => (
            Some(StoredValue {
                keys: export.keys,
                format: export.format,
                creation_time: export.creation_time,
            }),
            None,
        ),
        Err(e) => {
            let message = match &e {
                crate::Error::KeyImport(k) => {
                    let real = origin.get(k.line()).copied().unwrap_or(line);
                    KeyImportError::new(real, k.message()).to_string()
                }
                other => other.to_string(),
            };
            (None, Some(format!("{file}: {message}")))
        }
    }
}
