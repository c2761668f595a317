//! A model of where a worker process finds its auto-generated keys (webengine4.dll `GetAutogenKeys`, native, no public source): the LSA
//! secret, the user's registry hive (HKCU), or `HKLM\...\AutoGenKeys\<SID>`; and of what
//! administrators and installers do to them.
//!
//! Resolution order for a process, as `webengine4.dll!GetAutogenKeys` does it:
//!
//! 1. **LSA secret** `L$ASP.NETAutoGenKeysV44.0.30319.0`, for identities that may open the
//!    LSA policy (LocalSystem, administrators). Read it, or store the proposed key.
//! 2. **HKCU** `Software\Microsoft\ASP.NET\4.0.30319.0`, for identities with a loaded
//!    profile (NETWORK SERVICE, LOCAL SERVICE, or an application-pool or custom identity
//!    whose profile is loaded).
//! 3. **HKLM** `SOFTWARE\Microsoft\ASP.NET\4.0.30319.0\AutoGenKeys\<SID>` in the process's
//!    registry view (32-bit processes see `WOW6432Node`), only if that key exists and its ACL
//!    grants the identity (`aspnet_regiis -ga`).
//! 4. Otherwise **silently** each process uses its own random proposal: keys differ between
//!    processes and change on every recycle.
//!
//! In the registry stores a value is used only if it was created after the framework's last
//! install or repair (`MachineKeyWasCreatedAfterInstall`; the exact comparison is
//! UNVERIFIED: this model uses "strictly later"); otherwise the proposed key
//! replaces it. Values are modelled in the clear (`AutoGenKeyFormat` 2), the inferred 4.x
//! format (UNVERIFIED). Whether the 32- and 64-bit views share HKCU and the
//! LSA secret is UNVERIFIED (webengine4.dll `GetAutogenKeys`); the model shares them.
//!
//! The state lives in memory and can be saved to and loaded from a JSON file the caller
//! names. That file holds the keys in the clear: treat it as a secret.

use std::collections::BTreeMap;
use std::fmt;
#[cfg(feature = "sim")]
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::AutoGenKeys;
#[cfg(feature = "sim")]
use crate::clock::{from_file_time, to_file_time};
use crate::error::Error;
#[cfg(feature = "sim")]
use crate::error::{FileError, KeyImportError};
use crate::names::names;

/// A registry view: what `HKLM\SOFTWARE` means to a 64-bit or a 32-bit (WOW64) process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RegistryView {
    /// A 64-bit worker process.
    Bits64,
    /// A 32-bit worker process (`enable32BitAppOnWin64`), redirected to `WOW6432Node`.
    Bits32,
}

names!(RegistryView, "The view, in words.", {
    Bits64 => "64-bit",
    Bits32 => "32-bit",
});

impl RegistryView {
    /// Both views (a slice, so a new view is no breaking change).
    pub const ALL: &'static [Self] = &[Self::Bits64, Self::Bits32];
}

/// The kind of account a worker process runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum IdentityKind {
    /// `LocalSystem` (SID S-1-5-18): may use the LSA secret.
    LocalSystem,
    /// `NETWORK SERVICE` (S-1-5-20): its profile is always loaded.
    NetworkService,
    /// `LOCAL SERVICE` (S-1-5-19): its profile is always loaded.
    LocalService,
    /// `IIS AppPool\<name>` (S-1-5-82-...): HKCU only when the pool loads the user profile.
    ApplicationPoolIdentity,
    /// A custom (domain or local) account: HKCU only when its profile is loaded.
    Custom,
}

names!(IdentityKind, "The name, in words.", {
    LocalSystem => "LocalSystem",
    NetworkService => "NETWORK SERVICE",
    LocalService => "LOCAL SERVICE",
    ApplicationPoolIdentity => "ApplicationPoolIdentity",
    Custom => "custom",
});

/// The identity a worker process runs as.
///
/// # Example
/// ```
/// use machinekey::keys::store::ProcessIdentity;
/// let svc = ProcessIdentity::custom("S-1-5-21-1-2-3-1001", false);
/// assert!(!svc.can_use_current_user_hive());
/// assert!(ProcessIdentity::network_service().can_use_current_user_hive());
/// assert!(ProcessIdentity::local_system().can_open_lsa());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProcessIdentity {
    kind: IdentityKind,
    sid: String,
    profile_loaded: bool,
    administrator: bool,
}

impl ProcessIdentity {
    /// `LocalSystem`.
    #[must_use]
    pub fn local_system() -> Self {
        Self::of(IdentityKind::LocalSystem, "S-1-5-18", true)
    }

    /// `NETWORK SERVICE`.
    #[must_use]
    pub fn network_service() -> Self {
        Self::of(IdentityKind::NetworkService, "S-1-5-20", true)
    }

    /// `LOCAL SERVICE`.
    #[must_use]
    pub fn local_service() -> Self {
        Self::of(IdentityKind::LocalService, "S-1-5-19", true)
    }

    /// `IIS AppPool\<name>` with its SID; `profile_loaded` is the pool's `loadUserProfile`.
    #[must_use]
    pub fn application_pool_identity(sid: &str, profile_loaded: bool) -> Self {
        Self::of(IdentityKind::ApplicationPoolIdentity, sid, profile_loaded)
    }

    /// A custom account with its SID; `profile_loaded` says whether its profile is loaded.
    #[must_use]
    pub fn custom(sid: &str, profile_loaded: bool) -> Self {
        Self::of(IdentityKind::Custom, sid, profile_loaded)
    }

    fn of(kind: IdentityKind, sid: &str, profile_loaded: bool) -> Self {
        Self {
            kind,
            sid: sid.to_owned(),
            profile_loaded,
            administrator: false,
        }
    }

    /// Marks the account as a member of Administrators (it may then open the LSA policy).
    #[must_use]
    pub fn administrator(mut self, yes: bool) -> Self {
        self.administrator = yes;
        self
    }

    /// The kind of account.
    #[must_use]
    pub fn kind(&self) -> IdentityKind {
        self.kind
    }

    /// The SID.
    #[must_use]
    pub fn sid(&self) -> &str {
        &self.sid
    }

    /// Whether `LsaOpenPolicy(POLICY_ALL_ACCESS)` succeeds: SYSTEM and administrators.
    #[must_use]
    pub fn can_open_lsa(&self) -> bool {
        self.kind == IdentityKind::LocalSystem || self.administrator
    }

    /// Whether HKCU is there to read and write: the built-in service accounts always have a
    /// loaded profile; others only when it is loaded.
    #[must_use]
    pub fn can_use_current_user_hive(&self) -> bool {
        match self.kind {
            IdentityKind::LocalSystem
            | IdentityKind::NetworkService
            | IdentityKind::LocalService => true,
            IdentityKind::ApplicationPoolIdentity | IdentityKind::Custom => self.profile_loaded,
        }
    }
}

/// Where a process got its auto-generated keys.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AutoGenSource {
    /// The LSA secret; `created` when this process stored its proposal there.
    LsaSecret {
        /// This process created the secret.
        created: bool,
    },
    /// HKCU; `created` when this process stored its proposal, `replaced_stale` when that
    /// replaced a value older than the last framework install.
    CurrentUser {
        /// This process created the value.
        created: bool,
        /// The value it replaced predated the last install or repair.
        replaced_stale: bool,
    },
    /// `HKLM\...\AutoGenKeys\<SID>` in `view`.
    LocalMachine {
        /// The registry view.
        view: RegistryView,
        /// This process created the value.
        created: bool,
        /// The value it replaced predated the last install or repair.
        replaced_stale: bool,
    },
    /// No store could be used: the process silently uses its own random keys.
    ProcessRandom {
        /// Why every store failed.
        reason: FallbackReason,
    },
}

impl AutoGenSource {
    /// Whether these keys are shared with other processes of the same identity (any store)
    /// rather than private to this process.
    #[must_use]
    pub fn is_shared(&self) -> bool {
        !matches!(self, Self::ProcessRandom { .. })
    }
}

/// Why a process fell back to random keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FallbackReason {
    /// The identity cannot open the LSA policy (not SYSTEM or an administrator).
    pub lsa_denied: bool,
    /// The identity has no loaded profile, so HKCU is not there.
    pub no_profile: bool,
    /// The state of `HKLM\...\AutoGenKeys\<SID>` in the process's view.
    pub local_machine: LocalMachineKeyState,
}

/// The state of a `HKLM\...\AutoGenKeys\<SID>` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LocalMachineKeyState {
    /// The key does not exist (`aspnet_regiis -ga` was never run for this identity, or not
    /// in this view).
    Missing,
    /// The key exists but its ACL does not grant the identity (for example after an
    /// installer reset the permissions).
    AccessDenied,
}

names!(LocalMachineKeyState, "The state, in words.", {
    Missing => "missing",
    AccessDenied => "access denied",
});

impl fmt::Display for AutoGenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = |created: bool, stale: bool| match (created, stale) {
            (false, _) => "read the stored key",
            (true, false) => "stored its own new key",
            (true, true) => "replaced a key older than the last framework install",
        };
        match self {
            Self::LsaSecret { created } => write!(f, "LSA secret: {}", how(*created, false)),
            Self::CurrentUser {
                created,
                replaced_stale,
            } => {
                write!(f, "HKCU: {}", how(*created, *replaced_stale))
            }
            Self::LocalMachine {
                view,
                created,
                replaced_stale,
            } => write!(
                f,
                "HKLM AutoGenKeys ({}-bit view): {}",
                if *view == RegistryView::Bits32 {
                    32
                } else {
                    64
                },
                how(*created, *replaced_stale)
            ),
            Self::ProcessRandom { reason } => {
                f.write_str("per-process random keys (silent fallback): ")?;
                f.write_str(if reason.no_profile {
                    "no loaded profile for HKCU"
                } else {
                    "HKCU unusable"
                })?;
                f.write_str(match reason.local_machine {
                    LocalMachineKeyState::Missing => {
                        ", no HKLM AutoGenKeys key for the SID (run aspnet_regiis -ga)"
                    }
                    LocalMachineKeyState::AccessDenied => {
                        ", HKLM AutoGenKeys key not granted to the SID (run aspnet_regiis -ga)"
                    }
                })
            }
        }
    }
}

/// What a resolution gave a process.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolution {
    /// The buffer the process uses.
    pub keys: AutoGenKeys,
    /// Where it came from, or why the process fell back.
    pub source: AutoGenSource,
}

#[derive(Clone)]
struct StoredKey {
    keys: AutoGenKeys,
    created: OffsetDateTime,
}

#[derive(Clone, Default)]
struct LocalMachineKey {
    granted: bool,
    value: Option<StoredKey>,
}

/// The machine's key stores for ASP.NET 4.x.
///
/// # Example
/// The classic failure and its fix:
/// ```
/// use machinekey::keys::AutoGenKeys;
/// use machinekey::keys::store::{KeyStore, ProcessIdentity, RegistryView};
/// use machinekey::random::OsRandom;
/// use machinekey::time::{Duration, OffsetDateTime};
/// let mut store = KeyStore::new();
/// let identity = ProcessIdentity::custom("S-1-5-21-1-2-3-1001", false); // no profile
/// store.grant_access(identity.sid()); // aspnet_regiis -ga, long ago
/// let day = |n: i64| OffsetDateTime::UNIX_EPOCH + Duration::days(20_000 + n);
/// let start = |store: &mut KeyStore, t| {
///     store.resolve(&identity, RegistryView::Bits64, AutoGenKeys::generate(&OsRandom)?, day(t))
/// };
/// let (a, b) = (start(&mut store, 10)?, start(&mut store, 11)?);
/// assert_eq!(a.keys, b.keys); // two workers agree
///
/// store.install_framework(day(20), true); // a .NET update with the ACL bug
/// let (a, b) = (start(&mut store, 30)?, start(&mut store, 31)?);
/// assert_ne!(a.keys, b.keys); // each worker silently uses its own random keys
/// assert!(!a.source.is_shared());
///
/// store.grant_access(identity.sid()); // the fix: aspnet_regiis -ga, then recycle
/// let (a, b) = (start(&mut store, 40)?, start(&mut store, 41)?);
/// assert_eq!(a.keys, b.keys);
/// # Ok::<(), machinekey::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct KeyStore {
    lsa_secret: Option<AutoGenKeys>,
    current_user: BTreeMap<String, StoredKey>,
    local_machine: BTreeMap<(RegistryView, String), LocalMachineKey>,
    last_install: BTreeMap<RegistryView, OffsetDateTime>,
}

impl fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyStore")
            .field("lsa_secret", &self.lsa_secret.is_some())
            .field(
                "current_user_sids",
                &self.current_user.keys().collect::<Vec<_>>(),
            )
            .field("local_machine_keys", &self.local_machine.len())
            .field("last_install", &self.last_install)
            .finish_non_exhaustive()
    }
}

impl KeyStore {
    /// An empty store: nothing provisioned, never installed.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn fresh(&self, stored: &StoredKey, view: RegistryView) -> bool {
        self.last_install
            .get(&view)
            .is_none_or(|installed| stored.created > *installed)
    }

    /// Resolves the keys of a worker process of `identity` starting in `view` at `now`,
    /// with `proposed` the random buffer it generated (`HttpRuntime.SetAutogenKeys`), and records what it
    /// stored.
    ///
    /// # Errors
    /// None in practice; the `Result` leaves room for stores that can fail.
    ///
    /// # Example
    /// ```
    /// use machinekey::keys::AutoGenKeys;
    /// use machinekey::keys::store::{AutoGenSource, KeyStore, ProcessIdentity, RegistryView};
    /// # use machinekey::random::OsRandom;
    /// let mut store = KeyStore::new();
    /// let r = store.resolve(&ProcessIdentity::network_service(), RegistryView::Bits64,
    ///                       AutoGenKeys::generate(&OsRandom)?, machinekey::time::OffsetDateTime::now_utc())?;
    /// assert_eq!(r.source, AutoGenSource::CurrentUser { created: true, replaced_stale: false });
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn resolve(
        &mut self,
        identity: &ProcessIdentity,
        view: RegistryView,
        proposed: AutoGenKeys,
        now: OffsetDateTime,
    ) -> Result<Resolution, Error> {
        if identity.can_open_lsa() {
            if let Some(keys) = &self.lsa_secret {
                return Ok(Resolution {
                    keys: keys.clone(),
                    source: AutoGenSource::LsaSecret { created: false },
                });
            }
            self.lsa_secret = Some(proposed.clone());
            return Ok(Resolution {
                keys: proposed,
                source: AutoGenSource::LsaSecret { created: true },
            });
        }
        if identity.can_use_current_user_hive() {
            let existing = self.current_user.get(identity.sid());
            if let Some(stored) = existing.filter(|s| self.fresh(s, view)) {
                return Ok(Resolution {
                    keys: stored.keys.clone(),
                    source: AutoGenSource::CurrentUser {
                        created: false,
                        replaced_stale: false,
                    },
                });
            }
            let replaced_stale = existing.is_some();
            self.current_user.insert(
                identity.sid().to_owned(),
                StoredKey {
                    keys: proposed.clone(),
                    created: now,
                },
            );
            return Ok(Resolution {
                keys: proposed,
                source: AutoGenSource::CurrentUser {
                    created: true,
                    replaced_stale,
                },
            });
        }
        let slot = (view, identity.sid().to_owned());
        let state = match self.local_machine.get(&slot) {
            None => LocalMachineKeyState::Missing,
            Some(key) if !key.granted => LocalMachineKeyState::AccessDenied,
            Some(key) => {
                if let Some(stored) = key.value.as_ref().filter(|s| self.fresh(s, view)) {
                    return Ok(Resolution {
                        keys: stored.keys.clone(),
                        source: AutoGenSource::LocalMachine {
                            view,
                            created: false,
                            replaced_stale: false,
                        },
                    });
                }
                let replaced_stale = key.value.is_some();
                if let Some(key) = self.local_machine.get_mut(&slot) {
                    key.value = Some(StoredKey {
                        keys: proposed.clone(),
                        created: now,
                    });
                }
                return Ok(Resolution {
                    keys: proposed,
                    source: AutoGenSource::LocalMachine {
                        view,
                        created: true,
                        replaced_stale,
                    },
                });
            }
        };
        Ok(Resolution {
            keys: proposed,
            source: AutoGenSource::ProcessRandom {
                reason: FallbackReason {
                    lsa_denied: true,
                    no_profile: !identity.can_use_current_user_hive(),
                    local_machine: state,
                },
            },
        })
    }

    /// A .NET Framework install or repair at `now` (`ResetMachineKeys`): writes
    /// `LastInstallTime` in both views, so every stored registry key becomes stale, and
    /// clears the LSA secret. With `acl_bug`, the installer also resets the permissions of
    /// the `AutoGenKeys\<SID>` keys, so no custom identity is granted any more.
    pub fn install_framework(&mut self, now: OffsetDateTime, acl_bug: bool) {
        for &view in RegistryView::ALL {
            self.last_install.insert(view, now);
        }
        self.lsa_secret = None;
        if acl_bug {
            for key in self.local_machine.values_mut() {
                key.granted = false;
            }
        }
    }

    /// `aspnet_regiis -ga <account>`: creates `HKLM\...\AutoGenKeys\<SID>` in both registry
    /// views if missing and grants the account full access. Stored values are kept.
    pub fn grant_access(&mut self, sid: &str) {
        for &view in RegistryView::ALL {
            self.local_machine
                .entry((view, sid.to_owned()))
                .or_default()
                .granted = true;
        }
    }

    /// Records what a server shows for `HKLM\...\AutoGenKeys\<sid>` in `view`: the key
    /// exists, and its ACL grants the account read and write (`granted`) or not. Stored
    /// values are kept.
    ///
    /// # Example
    /// ```
    /// use machinekey::keys::AutoGenKeys;
    /// use machinekey::keys::store::{KeyStore, ProcessIdentity, RegistryView};
    /// # use machinekey::random::OsRandom;
    /// let identity = ProcessIdentity::custom("S-1-5-21-1-2-3-1105", false);
    /// let mut store = KeyStore::new();
    /// store.set_local_machine_access(identity.sid(), RegistryView::Bits64, false);
    /// let r = store.resolve(&identity, RegistryView::Bits64, AutoGenKeys::generate(&OsRandom)?, machinekey::time::OffsetDateTime::UNIX_EPOCH)?;
    /// assert!(!r.source.is_shared()); // the key exists but is not granted
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn set_local_machine_access(&mut self, sid: &str, view: RegistryView, granted: bool) {
        self.local_machine
            .entry((view, sid.to_owned()))
            .or_default()
            .granted = granted;
    }

    /// Deletes the LSA secret.
    pub fn delete_lsa_secret(&mut self) {
        self.lsa_secret = None;
    }

    /// Deletes the HKCU value of `sid`.
    pub fn delete_current_user_key(&mut self, sid: &str) {
        self.current_user.remove(sid);
    }

    /// Deletes `HKLM\...\AutoGenKeys\<sid>` in `view`.
    pub fn delete_local_machine_key(&mut self, sid: &str, view: RegistryView) {
        self.local_machine.remove(&(view, sid.to_owned()));
    }
}

/// The store's JSON file (feature `sim`, which brings in `serde_json`).
#[cfg(feature = "sim")]
#[cfg_attr(docsrs, doc(cfg(feature = "sim")))]
impl KeyStore {
    /// Writes the state as JSON (keys as hex: a secret).
    ///
    /// # Example
    /// ```
    /// use machinekey::keys::store::KeyStore;
    /// let mut store = KeyStore::new();
    /// store.grant_access("S-1-5-21-1-2-3-1001");
    /// let back = KeyStore::from_json(&store.to_json())?;
    /// assert_eq!(back.to_json(), store.to_json());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn to_json(&self) -> String {
        let stored = |s: &StoredKey| PersistedKey {
            keys_hex: hex::encode_upper(s.keys.expose_secret()),
            created: to_file_time(s.created).unwrap_or_default(),
        };
        let persisted = Persisted {
            lsa_secret_hex: self
                .lsa_secret
                .as_ref()
                .map(|k| hex::encode_upper(k.expose_secret())),
            current_user: self
                .current_user
                .iter()
                .map(|(sid, s)| (sid.clone(), stored(s)))
                .collect(),
            local_machine: self
                .local_machine
                .iter()
                .map(|((view, sid), key)| PersistedMachineKey {
                    view: *view,
                    sid: sid.clone(),
                    granted: key.granted,
                    value: key.value.as_ref().map(stored),
                })
                .collect(),
            last_install: self
                .last_install
                .iter()
                .map(|(v, t)| (*v, to_file_time(*t).unwrap_or_default()))
                .collect(),
        };
        serde_json::to_string_pretty(&persisted).unwrap_or_default()
    }

    /// Reads a state written by [`to_json`](Self::to_json).
    ///
    /// # Errors
    /// [`Error::KeyImport`] with the line of the first problem.
    ///
    /// # Example
    /// See [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let p: Persisted = serde_json::from_str(text)
            .map_err(|e| KeyImportError::new(e.line(), format!("not a key-store file: {e}")))?;
        let keys =
            |hex_text: &str| -> Result<AutoGenKeys, Error> { AutoGenKeys::from_hex(hex_text) };
        let date = |file_time: u64| {
            from_file_time(file_time).ok_or_else(|| {
                KeyImportError::new(0, "a date in the key-store file is past .NET's last date")
            })
        };
        let stored = |k: &PersistedKey| -> Result<StoredKey, Error> {
            Ok(StoredKey {
                keys: keys(&k.keys_hex)?,
                created: date(k.created)?,
            })
        };
        let mut store = Self {
            lsa_secret: p.lsa_secret_hex.as_deref().map(keys).transpose()?,
            ..Self::default()
        };
        for (sid, k) in &p.current_user {
            store.current_user.insert(sid.clone(), stored(k)?);
        }
        for m in &p.local_machine {
            let value = m.value.as_ref().map(stored).transpose()?;
            store.local_machine.insert(
                (m.view, m.sid.clone()),
                LocalMachineKey {
                    granted: m.granted,
                    value,
                },
            );
        }
        for (view, file_time) in p.last_install {
            store.last_install.insert(view, date(file_time)?);
        }
        Ok(store)
    }

    /// Saves the state to `path` as JSON (keys in the clear: a secret).
    ///
    /// # Errors
    /// [`Error::File`] if the file cannot be written (its I/O error is the source).
    ///
    /// # Example
    /// ```no_run
    /// # use machinekey::keys::store::KeyStore;
    /// KeyStore::new().save("keystore.json")?;
    /// let _store = KeyStore::load("keystore.json")?;
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        std::fs::write(path, self.to_json())
            .map_err(|e| FileError::io(&path.display().to_string(), e).into())
    }

    /// Loads a state saved with [`save`](Self::save) (at most [`MAX_STORE_FILE`] bytes).
    ///
    /// # Errors
    /// [`Error::File`] if the file cannot be read; as [`from_json`](Self::from_json) if it
    /// is not a key-store file.
    ///
    /// # Example
    /// See [`save`](Self::save).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::from_json(&crate::bounded::read_text(path.as_ref(), MAX_STORE_FILE)?)
    }
}

/// The largest key-store file [`KeyStore::load`] reads (16 MiB).
#[cfg(feature = "sim")]
#[cfg_attr(docsrs, doc(cfg(feature = "sim")))]
pub const MAX_STORE_FILE: u64 = 16 << 20;

#[cfg(feature = "sim")]
#[derive(Serialize, Deserialize)]
struct PersistedKey {
    keys_hex: String,
    created: u64,
}

#[cfg(feature = "sim")]
#[derive(Serialize, Deserialize)]
struct PersistedMachineKey {
    view: RegistryView,
    sid: String,
    granted: bool,
    value: Option<PersistedKey>,
}

#[cfg(feature = "sim")]
#[derive(Serialize, Deserialize)]
struct Persisted {
    lsa_secret_hex: Option<String>,
    current_user: Vec<(String, PersistedKey)>,
    local_machine: Vec<PersistedMachineKey>,
    last_install: Vec<(RegistryView, u64)>,
}

#[cfg(feature = "sim")]
impl Drop for PersistedKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.keys_hex);
    }
}
