//! Who a pool's workers run as: the account, its SID, the groups in its token, whether its
//! profile is loaded, and the key-store model's [`ProcessIdentity`] for it.
//!
//! SIDs: `ApplicationPoolIdentity` is computed ([`Sid::application_pool`]); the built-in
//! accounts are well known; a specific user's (domain or local) SID cannot be computed and
//! comes from an operator-supplied map ([`Accounts`]; the collection script resolves it on
//! the server). Token groups are the memberships Windows gives such a logon (`Everyone`,
//! `Authenticated Users`, `This Organization`, `LOCAL`; `BUILTIN\Users` and `SERVICE` for
//! the service accounts; `BATCH` or `SERVICE` for a specific user by `logonType`;
//! `Administrators` for LocalSystem) plus `IIS_IUSRS`, which WAS adds unless
//! `manualGroupMembership` is set, plus whatever groups the operator lists. Profiles: the
//! built-in service accounts always have theirs loaded; `ApplicationPoolIdentity` and a
//! specific user only with `loadUserProfile="true"` (IIS 7 and later; IIS 6: never,
//! UNVERIFIED); under IIS Express every worker is the interactive user, profile loaded.

use std::collections::BTreeMap;

use serde::Serialize;

use super::server::{AppPool, IdentityType, LogonType, ServerKind};
use super::sid::{self, Sid};
use crate::error::IisError;
use crate::keys::store::ProcessIdentity;

/// Account names mapped to SIDs and extra groups, as the operator supplies them
/// (`--sid ACCOUNT=SID`, or the bundle's `accounts.txt`).
///
/// # Example
/// ```
/// use machinekey::iis::identity::Accounts;
/// let accounts = Accounts::from_text("accounts.txt", "\
/// CORP\\svc_shop=S-1-5-21-1004336348-1177238915-682003330-1105
/// CORP\\svc_shop groups=S-1-5-32-544
/// ")?;
/// assert!(accounts.sid_of("corp\\SVC_SHOP").is_some());
/// assert!(accounts.sid_of("svc_shop").is_some()); // the user part alone, when unambiguous
/// assert_eq!(accounts.groups_of("CORP\\svc_shop").len(), 1);
/// assert!(Accounts::from_text("x", "CORP\\svc=not-a-sid").is_err());
/// # Ok::<(), machinekey::iis::IisError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Accounts {
    sids: BTreeMap<String, (String, Sid, String)>,
    groups: BTreeMap<String, Vec<Sid>>,
}

fn account_key(name: &str) -> String {
    let n = name.trim();
    let n = n.strip_prefix(".\\").unwrap_or(n);
    n.to_lowercase()
}

fn user_part(key: &str) -> &str {
    key.rsplit('\\').next().unwrap_or(key)
}

impl Accounts {
    /// No accounts.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps `account` (`DOMAIN\user`, `.\user`, `user`) to `sid`; `source` says where the
    /// mapping came from.
    pub fn add_sid(&mut self, account: &str, sid: Sid, source: &str) {
        self.sids.insert(
            account_key(account),
            (account.trim().to_owned(), sid, source.to_owned()),
        );
    }

    /// Adds a group to `account`'s token.
    pub fn add_group(&mut self, account: &str, group: Sid) {
        self.groups
            .entry(account_key(account))
            .or_default()
            .push(group);
    }

    /// Adds an `ACCOUNT=SID` rule, as `--sid` takes it.
    ///
    /// # Errors
    /// [`IisError::Rule`] when there is no `=` or the SID does not parse.
    pub fn add_rule(&mut self, rule: &str, source: &str) -> Result<(), IisError> {
        let rule_error = |message| IisError::Rule { message };
        let (account, sid) = rule
            .rsplit_once('=')
            .filter(|(a, s)| !a.trim().is_empty() && !s.trim().is_empty())
            .ok_or_else(|| {
                rule_error(format!("an account mapping is ACCOUNT=SID (got {rule:?})"))
            })?;
        let sid: Sid = sid
            .trim()
            .parse()
            .map_err(|e| rule_error(format!("{account}: not a SID ({e})")))?;
        self.add_sid(account, sid, source);
        Ok(())
    }

    /// Reads `account=SID` and `account groups=SID,SID` lines (`#` starts a comment).
    ///
    /// # Errors
    /// [`IisError::Invalid`] with the line of a malformed entry.
    pub fn from_text(file: &str, text: &str) -> Result<Self, IisError> {
        let mut accounts = Self::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim().trim_start_matches('\u{feff}');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |m: String| IisError::invalid(file, i + 1, m);
            let Some((left, right)) = line.rsplit_once('=') else {
                return Err(err(
                    "expected ACCOUNT=SID or ACCOUNT groups=SID,SID".to_owned()
                ));
            };
            if let Some(account) = left.trim().strip_suffix(" groups") {
                for g in right.split(',').map(str::trim).filter(|g| !g.is_empty()) {
                    let sid = g
                        .parse()
                        .map_err(|e| err(format!("{g:?} is not a SID ({e})")))?;
                    accounts.add_group(account, sid);
                }
            } else {
                accounts
                    .add_rule(line, &format!("{file}:{}", i + 1))
                    .map_err(|e| err(e.to_string()))?;
            }
        }
        Ok(accounts)
    }

    /// The SID of `account` and where the mapping came from: an exact (case-insensitive)
    /// match, else a unique match of the part after `\`.
    #[must_use]
    pub fn sid_of(&self, account: &str) -> Option<(&Sid, &str)> {
        let key = account_key(account);
        if let Some((_, s, src)) = self.sids.get(&key) {
            return Some((s, src));
        }
        let user = user_part(&key);
        let mut matches = self
            .sids
            .iter()
            .filter(|(k, _)| user_part(k) == user)
            .map(|(_, (_, s, src))| (s, src.as_str()));
        match (matches.next(), matches.next()) {
            (Some(m), None) => Some(m),
            _ => None,
        }
    }

    /// The extra groups listed for `account`.
    #[must_use]
    pub fn groups_of(&self, account: &str) -> &[Sid] {
        self.groups
            .get(&account_key(account))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether no account is mapped.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sids.is_empty() && self.groups.is_empty()
    }
}

/// Where a pool identity's SID came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SidSource {
    /// A well-known account.
    WellKnown,
    /// Computed from the pool name (`IIS APPPOOL\<pool>`).
    Computed,
    /// The operator's map, at the given place.
    Supplied(String),
    /// Not known (a specific user missing from the map, or the IIS Express user).
    Unknown,
}

/// Who a pool's workers run as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PoolIdentity {
    /// The account (`IIS APPPOOL\Shop`, `NT AUTHORITY\NETWORK SERVICE`, `CORP\svc_shop`).
    pub account: String,
    /// The identity type (`None` under IIS Express, where the type is ignored).
    pub identity_type: Option<IdentityType>,
    /// The SID, when known.
    pub sid: Option<Sid>,
    /// Where the SID came from.
    pub sid_source: SidSource,
    /// Whether the worker's user profile (its HKCU) is loaded.
    pub profile_loaded: bool,
    /// The groups of its token.
    pub groups: Vec<Sid>,
    /// Whether it is an administrator (which may use the LSA secret).
    pub administrator: bool,
}

impl PoolIdentity {
    /// The identity of `pool`'s workers on a `kind` server, with SIDs and groups from
    /// `accounts`.
    ///
    /// # Example
    /// ```
    /// use machinekey::iis::apphost::{ReadOptions, parse_application_host};
    /// use machinekey::iis::identity::{Accounts, PoolIdentity, SidSource};
    /// let server = parse_application_host("a.config", r#"<configuration><system.applicationHost>
    ///   <applicationPools><add name="DefaultAppPool" /></applicationPools>
    /// </system.applicationHost></configuration>"#, &ReadOptions::default())?;
    /// let pool = server.pool("DefaultAppPool").expect("declared");
    /// let id = PoolIdentity::of(pool, server.kind, &Accounts::new());
    /// assert_eq!(id.account, "IIS APPPOOL\\DefaultAppPool");
    /// assert_eq!(id.sid_source, SidSource::Computed);
    /// assert_eq!(id.sid.map(|s| s.to_string()).as_deref(),
    ///            Some("S-1-5-82-3006700770-424185619-1745488364-794895919-4004696415"));
    /// assert!(!id.profile_loaded); // the schema's loadUserProfile default
    /// # Ok::<(), machinekey::iis::IisError>(())
    /// ```
    #[must_use]
    pub fn of(pool: &AppPool, kind: ServerKind, accounts: &Accounts) -> Self {
        let mut groups = vec![
            sid::fixed("WD"),
            sid::fixed("AU"),
            sid::this_organization(),
            sid::local(),
        ];
        let iis_iusrs = || sid::fixed("IS");
        if kind == ServerKind::IisExpress {
            let account = "the user running iisexpress.exe".to_owned();
            let known = accounts.sid_of("IISEXPRESS");
            groups.extend([sid::fixed("BU"), sid::fixed("IU")]);
            groups.extend(accounts.groups_of("IISEXPRESS").iter().cloned());
            let administrator = groups.contains(&sid::fixed("BA"));
            return Self {
                account,
                identity_type: None,
                sid: known.map(|(s, _)| s.clone()),
                sid_source: known.map_or(SidSource::Unknown, |(_, src)| {
                    SidSource::Supplied(src.to_owned())
                }),
                profile_loaded: true,
                groups,
                administrator,
            };
        }
        let profile = pool.load_user_profile.unwrap_or(false);
        let (account, sid, source, profile_loaded) = match pool.identity_type {
            IdentityType::LocalSystem => {
                groups.push(sid::fixed("BA"));
                (
                    "NT AUTHORITY\\SYSTEM".to_owned(),
                    Some(Sid::local_system()),
                    SidSource::WellKnown,
                    true,
                )
            }
            IdentityType::LocalService => (
                "NT AUTHORITY\\LOCAL SERVICE".to_owned(),
                Some(Sid::local_service()),
                SidSource::WellKnown,
                true,
            ),
            IdentityType::NetworkService => (
                "NT AUTHORITY\\NETWORK SERVICE".to_owned(),
                Some(Sid::network_service()),
                SidSource::WellKnown,
                true,
            ),
            IdentityType::ApplicationPoolIdentity => (
                format!("IIS APPPOOL\\{}", pool.name),
                Some(Sid::application_pool(&pool.name)),
                SidSource::Computed,
                profile,
            ),
            IdentityType::SpecificUser => {
                let name = pool.user_name.clone().unwrap_or_default();
                let found = accounts.sid_of(&name);
                (
                    if name.is_empty() {
                        "(a specific user with no userName)".to_owned()
                    } else {
                        name.clone()
                    },
                    found.map(|(s, _)| s.clone()),
                    found.map_or(SidSource::Unknown, |(_, src)| {
                        SidSource::Supplied(src.to_owned())
                    }),
                    profile,
                )
            }
        };
        if pool.identity_type != IdentityType::LocalSystem {
            groups.push(sid::fixed("BU"));
        }
        match pool.identity_type {
            IdentityType::LocalSystem => {}
            IdentityType::SpecificUser => groups.push(match pool.logon_type {
                LogonType::LogonBatch => sid::batch(),
                LogonType::LogonService => sid::fixed("SU"),
            }),
            _ => groups.push(sid::fixed("SU")),
        }
        if !pool.manual_group_membership && kind != ServerKind::Iis6 {
            groups.push(iis_iusrs());
        }
        groups.extend(accounts.groups_of(&account).iter().cloned());
        let administrator =
            pool.identity_type == IdentityType::LocalSystem || groups.contains(&sid::fixed("BA"));
        Self {
            account,
            identity_type: Some(pool.identity_type),
            sid,
            sid_source: source,
            profile_loaded,
            groups,
            administrator,
        }
    }

    /// The key-store model's identity; an unknown SID is replaced by a placeholder that
    /// matches no key.
    #[must_use]
    pub fn process_identity(&self) -> ProcessIdentity {
        let sid = self
            .sid
            .as_ref()
            .map_or_else(|| "S-1-5-21-0-0-0-0".to_owned(), ToString::to_string);
        match self.identity_type {
            Some(IdentityType::LocalSystem) => ProcessIdentity::local_system(),
            Some(IdentityType::LocalService) => ProcessIdentity::local_service(),
            Some(IdentityType::NetworkService) => ProcessIdentity::network_service(),
            Some(IdentityType::ApplicationPoolIdentity) => {
                ProcessIdentity::application_pool_identity(&sid, self.profile_loaded)
            }
            _ => {
                ProcessIdentity::custom(&sid, self.profile_loaded).administrator(self.administrator)
            }
        }
    }
}
