//! Where a pool's AutoGenerate keys live: the key-store model fed with the registry
//! export and the ACLs (Windows' access check on `AutoGenKeys\\<SID>`).

use time::OffsetDateTime;

use super::{AclVerdict, KeyStoreVerdict, StoreKind};
use crate::iis::bundle::Server;
use crate::iis::identity::PoolIdentity;
use crate::iis::registry::{LastInstall, StoredValue};
use crate::iis::sddl::{AccessToken, SecurityDescriptor, rights};
use crate::iis::server::{AppPool, ServerKind};
use crate::keys::AutoGenKeys;
use crate::keys::store::{AutoGenSource, KeyStore, RegistryView};

fn filetime_text(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

fn hklm_path(version: &str, view: RegistryView, sid: &str) -> String {
    format!(
        "HKLM\\SOFTWARE\\{}Microsoft\\ASP.NET\\{version}\\AutoGenKeys\\{sid}",
        if view == RegistryView::Bits32 {
            "WOW6432Node\\"
        } else {
            ""
        }
    )
}

/// What a registry export shows is stored, and whether it predates the framework's last
/// install (then the next worker start replaces it).
fn stored_text(
    value: Option<&StoredValue>,
    at: &str,
    last_install: Option<&LastInstall>,
) -> (String, Option<String>) {
    let Some(v) = value else {
        return (
            format!("the key exists without an AutoGenKeyV4 value ({at})"),
            None,
        );
    };
    let created = v.creation_time.map_or_else(
        || "creation time unknown".to_owned(),
        |t| format!("created {}", filetime_text(t)),
    );
    let stale = match (v.creation_time, last_install) {
        (Some(c), Some(i)) if c <= i.time => Some(format!(
            "the key was {created} ({at}), before the framework's last install on {} ({}): the next worker start replaces it with new keys, and what the old keys protected (forms tickets, ViewState, MachineKey.Protect data) stops being readable",
            filetime_text(i.time),
            i.at
        )),
        _ => None,
    };
    (
        format!(
            "{} bytes of AutoGenerate keys, {created} ({at})",
            v.keys.len()
        ),
        stale,
    )
}

/// The key store of `pool`'s workers.
pub(super) fn key_store(
    server: &Server,
    pool: &AppPool,
    identity: &PoolIdentity,
    stored_keys: &mut Vec<(String, Option<(AutoGenKeys, String)>)>,
) -> KeyStoreVerdict {
    let Some(version) = pool.runtime.key_version() else {
        return KeyStoreVerdict {
            store: StoreKind::NotApplicable,
            location: String::new(),
            description: format!(
                "runtime {}: no ASP.NET 2.0 to 4.x key store",
                pool.runtime.label()
            ),
            shared_by_workers: None,
            acl: None,
            stored: None,
            stale: None,
        };
    };
    let view = if server.config.kind == ServerKind::Iis6 {
        if server.config.iis6_32bit {
            RegistryView::Bits32
        } else {
            RegistryView::Bits64
        }
    } else {
        pool.registry_view()
    };
    let process = identity.process_identity();
    let sid_text = identity.sid.as_ref().map(ToString::to_string);
    let proposed = |n: u8| AutoGenKeys::from_bytes(&[n; AutoGenKeys::LEN]);
    if process.can_open_lsa() {
        let name = if version.starts_with('4') {
            "L$ASP.NETAutoGenKeysV44.0.30319.0".to_owned()
        } else {
            format!("L$ASP.NETAutoGenKeys{version} (exact 2.0 name UNVERIFIED)")
        };
        stored_keys.push((pool.name.clone(), None));
        return KeyStoreVerdict {
            store: StoreKind::LsaSecret,
            location: format!("LSA secret {name}"),
            description:
                "the LSA secret, shared by every process of an administrator or SYSTEM account"
                    .to_owned(),
            shared_by_workers: Some(true),
            acl: None,
            stored: None,
            stale: None,
        };
    }
    if process.can_use_current_user_hive() {
        let location = match &sid_text {
            Some(s) => format!("HKEY_USERS\\{s}\\Software\\Microsoft\\ASP.NET\\{version}"),
            None => format!(
                "HKCU\\Software\\Microsoft\\ASP.NET\\{version} of {}",
                identity.account
            ),
        };
        let entry = identity
            .sid
            .as_ref()
            .and_then(|s| server.registry.current_user_key(version, s));
        let last_install = server.registry.last_install(version, view);
        stored_keys.push((
            pool.name.clone(),
            entry.and_then(|e| {
                e.value
                    .as_ref()
                    .map(|v| (v.keys.clone(), format!("{} ({})", location, e.at)))
            }),
        ));
        return KeyStoreVerdict {
            store: StoreKind::CurrentUser,
            location,
            description: "the account's HKCU (its profile is loaded), shared by its workers"
                .to_owned(),
            shared_by_workers: Some(true),
            acl: None,
            stored: entry.map(|e| stored_text(e.value.as_ref(), &e.at, last_install).0),
            stale: entry.and_then(|e| stored_text(e.value.as_ref(), &e.at, last_install).1),
        };
    }
    // HKLM AutoGenKeys\<SID>.
    let Some(sid) = identity.sid.as_ref() else {
        stored_keys.push((pool.name.clone(), None));
        return KeyStoreVerdict {
            store: StoreKind::Unknown,
            location: hklm_path(version, view, "<SID>"),
            description: format!(
                "no profile and no LSA access, so only HKLM AutoGenKeys\\<SID> is left; the SID of {} is not known, so its key and ACL cannot be checked (supply it: --sid \"{}=S-1-5-21-...\")",
                identity.account, identity.account
            ),
            shared_by_workers: None,
            acl: None,
            stored: None,
            stale: None,
        };
    };
    let location = hklm_path(version, view, &sid.to_string());
    let entry = server.registry.local_machine_key(version, view, sid);
    let mut exists = server.registry.local_machine_key_exists(version, view, sid);
    let mut exists_from = entry.map(|e| e.at.clone());
    // The last ACL given for a key wins (the command line's over a bundle's).
    let own_acl = server
        .acls
        .iter()
        .rev()
        .find(|a| a.sid.as_ref() == Some(sid) && a.applies(version, view));
    let parent_acl = server
        .acls
        .iter()
        .rev()
        .find(|a| a.sid.is_none() && a.applies(version, view));
    if own_acl.is_some() && exists.is_none() {
        exists = Some(true);
        exists_from = own_acl.map(|a| format!("{} (its ACL was read)", a.source));
    }
    if exists == Some(false) && exists_from.is_none() {
        exists_from = Some("not in the registry export".to_owned());
    }
    let token = AccessToken::new(sid.clone(), identity.groups.clone());
    let (descriptor, acl_from, inherited): (Option<SecurityDescriptor>, Option<String>, bool) =
        match (own_acl, parent_acl) {
            (Some(a), _) => (Some(a.descriptor.clone()), Some(a.source.clone()), false),
            (None, Some(p)) => (
                Some(p.descriptor.inherited_by_child_key()),
                Some(p.source.clone()),
                true,
            ),
            (None, None) => (None, None, false),
        };
    let usable = descriptor
        .as_ref()
        .map(|d| d.access_check(&token, rights::KEY_READ | rights::KEY_WRITE));
    let read = descriptor
        .as_ref()
        .map(|d| d.access_check(&token, rights::KEY_READ).allowed);
    let write = descriptor
        .as_ref()
        .map(|d| d.access_check(&token, rights::KEY_WRITE).allowed);
    let create = parent_acl.map(|p| {
        p.descriptor
            .access_check(&token, rights::KEY_CREATE_SUB_KEY)
            .allowed
    });
    let acl = AclVerdict {
        exists,
        exists_from,
        acl_from,
        inherited_from_parent: inherited,
        read,
        write,
        create,
        decided_by: usable.as_ref().and_then(|u| u.decided_by.clone()),
    };
    let granted = usable.as_ref().map(|u| u.allowed && !u.uncertain);
    let last_install = server.registry.last_install(version, view);
    let (stored, stale) = match entry.map(|e| stored_text(e.value.as_ref(), &e.at, last_install)) {
        Some((a, b)) => (Some(a), b),
        None => (None, None),
    };
    stored_keys.push((
        pool.name.clone(),
        entry.and_then(|e| {
            e.value
                .as_ref()
                .map(|v| (v.keys.clone(), format!("{location} ({})", e.at)))
        }),
    ));
    let certain = match (exists, granted) {
        (Some(false), _) => Some(false),
        (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    };
    let Some(usable_store) = certain else {
        let missing = match (exists, granted) {
            (None, None) => "neither the registry export nor the ACL of AutoGenKeys was collected",
            (None, _) => {
                "the registry export was not collected, so whether the key exists is unknown"
            }
            _ => "the ACL of AutoGenKeys was not collected",
        };
        return KeyStoreVerdict {
            store: StoreKind::Unknown,
            location,
            description: format!(
                "no profile and no LSA access: the workers share this key only if it exists and grants {} read and write; {missing}",
                identity.account
            ),
            shared_by_workers: None,
            acl: Some(acl),
            stored,
            stale,
        };
    };
    // The key-store model decides, from these facts.
    let mut store = KeyStore::new();
    // A key that is not known to be missing is modelled as present: when its ACL denies
    // the account, the model then says so rather than that the key is missing.
    if exists != Some(false) {
        store.set_local_machine_access(process.sid(), view, usable_store);
    }
    // Two worker starts, a second apart: the instants only date keys a start creates.
    let start = OffsetDateTime::UNIX_EPOCH;
    let resolved = proposed(1).and_then(|a| {
        let first = store.resolve(&process, view, a, start)?;
        let second = store.resolve(&process, view, proposed(2)?, start + time::Duration::SECOND)?;
        Ok((first, second))
    });
    let (kind, description, shared) = match resolved {
        Ok((first, second)) => {
            let shared = first.keys == second.keys;
            match first.source {
                AutoGenSource::LocalMachine { .. } => (
                    StoreKind::LocalMachine,
                    "HKLM AutoGenKeys: the key exists and grants the account read and write; its workers share it".to_owned(),
                    shared,
                ),
                other => (StoreKind::PerProcess, other.to_string(), shared),
            }
        }
        Err(e) => (StoreKind::Unknown, e.to_string(), false),
    };
    KeyStoreVerdict {
        store: kind,
        location,
        description,
        shared_by_workers: Some(shared),
        acl: Some(acl),
        stored,
        stale,
    }
}
