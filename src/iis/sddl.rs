//! Security descriptors in SDDL (what `(Get-Acl HKLM:\...).Sddl` prints), and the access
//! check Windows makes with them.
//!
//! The grammar is Microsoft's "Security Descriptor String Format" and "ACE Strings" pages:
//!
//! ```text
//! O:owner_sid G:group_sid D:dacl_flags(ace)(ace)... S:sacl_flags(ace)(ace)...
//! ace = type;flags;rights;object_guid;inherit_object_guid;account_sid[;(condition)]
//! ```
//!
//! Types `A` `D` `OA` `OD` `AU` `AL` `OU` `OL` `ML` `XA` `XD` `XU` `ZA` `RA` `SP` `TL` `FL`;
//! flags `CI` `OI` `NP` `IO` `ID` `SA` `FA` `TP` `CR`; rights as two-letter codes (`GA` `GR`
//! `GW` `GX`, `RC` `SD` `WD` `WO`, `RP` `WP` `CC` `DC` `LC` `SW` `LO` `DT` `CR`, `FA` `FR`
//! `FW` `FX`, `KA` `KR` `KW` `KX`, `NR` `NW` `NX`) or a number (`0x` hex or decimal); SIDs
//! as `S-1-...` or the two-letter aliases of [`sid::alias`]. Letters are
//! read in either case and white space between parts is skipped.
//!
//! The access check follows Microsoft's "How DACLs Control Access to an Object": no DACL
//! (or `D:NO_ACCESS_CONTROL`) grants everything; an empty DACL grants nothing; otherwise the
//! ACEs are read **in order**, skipping inherit-only ones and those whose SID is not in the
//! token: an access-denied ACE that names a requested right not yet granted denies, an
//! access-allowed ACE grants its rights, and the check succeeds once every requested right
//! is granted. In a canonical DACL (explicit deny, explicit allow, then inherited) this is
//! "deny before allow". The owner is implicitly granted `READ_CONTROL` and `WRITE_DAC`
//! unless an `OWNER RIGHTS` (`OW`) ACE is present, whose rights the owner gets instead.
//! Generic rights are mapped with the registry's mapping (`GENERIC_READ` = `KEY_READ`, ...).
//! Conditional (callback) ACEs cannot be evaluated offline: a matching one makes the answer
//! [uncertain](AccessCheck::uncertain).
//!
//! # Example
//! The ACL Microsoft's `Provision-AutoGenKeys.ps1` puts on `AutoGenKeys\<SID>`:
//! ```
//! use machinekey::iis::sddl::{AccessToken, SecurityDescriptor, rights};
//! use machinekey::iis::sid::Sid;
//! let pool = Sid::application_pool("Shop");
//! let sd = SecurityDescriptor::parse(&format!("D:P(A;OICI;GA;;;SY)(A;OICI;GA;;;BA)(A;OICI;GA;;;{pool})"))?;
//! let token = AccessToken::new(pool, vec![]);
//! assert!(sd.access_check(&token, rights::KEY_READ | rights::KEY_WRITE).allowed);
//! let other = AccessToken::new(Sid::application_pool("Other"), vec![]);
//! assert!(!sd.access_check(&other, rights::KEY_SET_VALUE).allowed);
//! let err = SecurityDescriptor::parse("D:(A;;KQ;;;BA)").unwrap_err();
//! assert_eq!(err.offset, 6); // the unknown right "KQ"
//! # Ok::<(), machinekey::iis::sddl::SddlError>(())
//! ```

use core::fmt;

use serde::Serialize;

mod parse;

use super::sid::{self, Sid};
pub use crate::error::SddlError;

/// The longest SDDL string read (64 KiB, the size limit of an ACL).
pub const MAX_SDDL_LEN: usize = 64 * 1024;
/// The most ACEs read in one ACL.
pub const MAX_ACES: usize = 4096;

/// Access rights and the registry's generic mapping.
pub mod rights {
    /// `KEY_QUERY_VALUE`.
    pub const KEY_QUERY_VALUE: u32 = 0x0001;
    /// `KEY_SET_VALUE`.
    pub const KEY_SET_VALUE: u32 = 0x0002;
    /// `KEY_CREATE_SUB_KEY`.
    pub const KEY_CREATE_SUB_KEY: u32 = 0x0004;
    /// `KEY_ENUMERATE_SUB_KEYS`.
    pub const KEY_ENUMERATE_SUB_KEYS: u32 = 0x0008;
    /// `KEY_NOTIFY`.
    pub const KEY_NOTIFY: u32 = 0x0010;
    /// `KEY_CREATE_LINK`.
    pub const KEY_CREATE_LINK: u32 = 0x0020;
    /// `DELETE`.
    pub const DELETE: u32 = 0x0001_0000;
    /// `READ_CONTROL`.
    pub const READ_CONTROL: u32 = 0x0002_0000;
    /// `WRITE_DAC`.
    pub const WRITE_DAC: u32 = 0x0004_0000;
    /// `WRITE_OWNER`.
    pub const WRITE_OWNER: u32 = 0x0008_0000;
    /// `SYNCHRONIZE`.
    pub const SYNCHRONIZE: u32 = 0x0010_0000;
    /// `KEY_READ` (SDDL `KR`, also `KEY_EXECUTE`, `KX`).
    pub const KEY_READ: u32 = READ_CONTROL | KEY_QUERY_VALUE | KEY_ENUMERATE_SUB_KEYS | KEY_NOTIFY;
    /// `KEY_WRITE` (SDDL `KW`).
    pub const KEY_WRITE: u32 = READ_CONTROL | KEY_SET_VALUE | KEY_CREATE_SUB_KEY;
    /// `KEY_ALL_ACCESS` (SDDL `KA`).
    pub const KEY_ALL_ACCESS: u32 = 0x000F_003F;
    /// `GENERIC_ALL` (SDDL `GA`).
    pub const GENERIC_ALL: u32 = 0x1000_0000;
    /// `GENERIC_EXECUTE` (SDDL `GX`).
    pub const GENERIC_EXECUTE: u32 = 0x2000_0000;
    /// `GENERIC_WRITE` (SDDL `GW`).
    pub const GENERIC_WRITE: u32 = 0x4000_0000;
    /// `GENERIC_READ` (SDDL `GR`).
    pub const GENERIC_READ: u32 = 0x8000_0000;

    /// Maps the generic bits of `mask` with the registry's generic mapping.
    #[must_use]
    pub const fn map_registry_generic(mask: u32) -> u32 {
        let mut out = mask & 0x0FFF_FFFF;
        if mask & GENERIC_READ != 0 {
            out |= KEY_READ;
        }
        if mask & GENERIC_WRITE != 0 {
            out |= KEY_WRITE;
        }
        if mask & GENERIC_EXECUTE != 0 {
            out |= KEY_READ;
        }
        if mask & GENERIC_ALL != 0 {
            out |= KEY_ALL_ACCESS;
        }
        out
    }
}

fn fail<T>(offset: usize, message: impl Into<String>) -> Result<T, SddlError> {
    Err(SddlError {
        offset,
        message: message.into(),
    })
}

/// Who an ACE, owner or group names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Trustee {
    /// A SID (given as `S-1-...` or a fixed alias such as `BA`).
    Sid(Sid),
    /// A domain-relative alias (`DA`, `DU`, ...): its domain is not in the string.
    DomainRelative {
        /// The alias as written (upper case).
        alias: String,
        /// The relative identifier.
        rid: u32,
    },
    /// A machine-relative alias (`LA`, `LG`).
    MachineRelative {
        /// The alias as written (upper case).
        alias: String,
        /// The relative identifier.
        rid: u32,
    },
}

impl Trustee {
    /// The SID, when the string gives one.
    #[must_use]
    pub fn sid(&self) -> Option<&Sid> {
        match self {
            Self::Sid(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Trustee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sid(s) => match sid::alias_of(s) {
                Some(a) => f.write_str(a),
                None => write!(f, "{s}"),
            },
            Self::DomainRelative { alias, .. } | Self::MachineRelative { alias, .. } => {
                f.write_str(alias)
            }
        }
    }
}

/// An ACE type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AceType {
    /// `A`: access allowed.
    Allow,
    /// `D`: access denied.
    Deny,
    /// `OA`: object access allowed.
    ObjectAllow,
    /// `OD`: object access denied.
    ObjectDeny,
    /// `AU`: audit.
    Audit,
    /// `AL`: alarm.
    Alarm,
    /// `OU`: object audit.
    ObjectAudit,
    /// `OL`: object alarm.
    ObjectAlarm,
    /// `ML`: mandatory label.
    MandatoryLabel,
    /// `XA`: callback (conditional) access allowed.
    CallbackAllow,
    /// `XD`: callback (conditional) access denied.
    CallbackDeny,
    /// `XU`: callback audit.
    CallbackAudit,
    /// `ZA`: callback object access allowed.
    CallbackObjectAllow,
    /// `RA`: resource attribute.
    ResourceAttribute,
    /// `SP`: central access policy.
    ScopedPolicy,
    /// `TL`: process trust label.
    TrustLabel,
    /// `FL`: access filter.
    AccessFilter,
}

const ACE_TYPES: &[(&str, AceType)] = &[
    ("A", AceType::Allow),
    ("D", AceType::Deny),
    ("OA", AceType::ObjectAllow),
    ("OD", AceType::ObjectDeny),
    ("AU", AceType::Audit),
    ("AL", AceType::Alarm),
    ("OU", AceType::ObjectAudit),
    ("OL", AceType::ObjectAlarm),
    ("ML", AceType::MandatoryLabel),
    ("XA", AceType::CallbackAllow),
    ("XD", AceType::CallbackDeny),
    ("XU", AceType::CallbackAudit),
    ("ZA", AceType::CallbackObjectAllow),
    ("RA", AceType::ResourceAttribute),
    ("SP", AceType::ScopedPolicy),
    ("TL", AceType::TrustLabel),
    ("FL", AceType::AccessFilter),
];

impl AceType {
    /// The SDDL code (`A`, `D`, `OA`, ...).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        ACE_TYPES
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("A", |(c, _)| *c)
    }

    const fn is_allow(self) -> bool {
        matches!(
            self,
            Self::Allow | Self::ObjectAllow | Self::CallbackAllow | Self::CallbackObjectAllow
        )
    }

    const fn is_deny(self) -> bool {
        matches!(self, Self::Deny | Self::ObjectDeny | Self::CallbackDeny)
    }

    const fn is_conditional(self) -> bool {
        matches!(
            self,
            Self::CallbackAllow | Self::CallbackDeny | Self::CallbackObjectAllow
        )
    }
}

impl fmt::Display for AceType {
    /// The SDDL code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// ACE flags (the `ACE_HEADER` flag bits).
pub mod ace_flags {
    /// `OI`: object inherit.
    pub const OBJECT_INHERIT: u8 = 0x01;
    /// `CI`: container inherit (subkeys of a registry key inherit it).
    pub const CONTAINER_INHERIT: u8 = 0x02;
    /// `NP`: no propagate inherit.
    pub const NO_PROPAGATE_INHERIT: u8 = 0x04;
    /// `IO`: inherit only (does not apply to the object itself).
    pub const INHERIT_ONLY: u8 = 0x08;
    /// `ID`: inherited from the parent.
    pub const INHERITED: u8 = 0x10;
    /// `CR`: critical.
    pub const CRITICAL: u8 = 0x20;
    /// `SA`: audit successful access (`TP`, trust-protected filter, on `FL` ACEs).
    pub const SUCCESSFUL_ACCESS: u8 = 0x40;
    /// `FA`: audit failed access.
    pub const FAILED_ACCESS: u8 = 0x80;
}

const FLAG_CODES: &[(&str, u8)] = &[
    ("OI", ace_flags::OBJECT_INHERIT),
    ("CI", ace_flags::CONTAINER_INHERIT),
    ("NP", ace_flags::NO_PROPAGATE_INHERIT),
    ("IO", ace_flags::INHERIT_ONLY),
    ("ID", ace_flags::INHERITED),
    ("CR", ace_flags::CRITICAL),
    ("SA", ace_flags::SUCCESSFUL_ACCESS),
    ("TP", ace_flags::SUCCESSFUL_ACCESS),
    ("FA", ace_flags::FAILED_ACCESS),
];

/// Two-letter access-right codes; the first code of a value is the one printed.
const RIGHT_CODES: &[(&str, u32)] = &[
    ("GA", rights::GENERIC_ALL),
    ("GR", rights::GENERIC_READ),
    ("GW", rights::GENERIC_WRITE),
    ("GX", rights::GENERIC_EXECUTE),
    ("KA", rights::KEY_ALL_ACCESS),
    ("KR", rights::KEY_READ),
    ("KW", rights::KEY_WRITE),
    ("KX", rights::KEY_READ),
    ("FA", 0x001F_01FF),
    ("FR", 0x0012_0089),
    ("FW", 0x0012_0116),
    ("FX", 0x0012_00A0),
    ("RC", rights::READ_CONTROL),
    ("SD", rights::DELETE),
    ("WD", rights::WRITE_DAC),
    ("WO", rights::WRITE_OWNER),
    ("CC", 0x0001),
    ("DC", 0x0002),
    ("LC", 0x0004),
    ("SW", 0x0008),
    ("RP", 0x0010),
    ("WP", 0x0020),
    ("DT", 0x0040),
    ("LO", 0x0080),
    ("CR", 0x0100),
    ("NW", 0x0001),
    ("NR", 0x0002),
    ("NX", 0x0004),
];

/// One access control entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ace {
    /// The type.
    pub ace_type: AceType,
    /// The flags ([`ace_flags`]).
    pub flags: u8,
    /// The access mask, as written (generic bits unmapped).
    pub mask: u32,
    /// The object type GUID of an object ACE, lower case.
    pub object_type: Option<String>,
    /// The inherited object type GUID of an object ACE, lower case.
    pub inherited_object_type: Option<String>,
    /// Who it applies to.
    pub trustee: Trustee,
    /// The condition of a callback ACE or the attribute of a resource-attribute ACE, as
    /// written (with its parentheses).
    pub extra: Option<String>,
}

impl Ace {
    /// Whether the ACE applies to the object itself (not inherit-only).
    #[must_use]
    pub fn applies_to_object(&self) -> bool {
        self.flags & ace_flags::INHERIT_ONLY == 0
    }
}

impl fmt::Display for Ace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({};", self.ace_type)?;
        for (code, bit) in FLAG_CODES {
            let tp = *code == "TP";
            let wanted = if self.ace_type == AceType::AccessFilter {
                *code != "SA"
            } else {
                !tp
            };
            if wanted && self.flags & bit != 0 {
                f.write_str(code)?;
            }
        }
        f.write_str(";")?;
        match RIGHT_CODES.iter().find(|(_, m)| *m == self.mask) {
            Some((code, _)) if self.mask != 0 => f.write_str(code)?,
            _ => write!(f, "0x{:x}", self.mask)?,
        }
        write!(
            f,
            ";{};{};{}",
            self.object_type.as_deref().unwrap_or_default(),
            self.inherited_object_type.as_deref().unwrap_or_default(),
            self.trustee
        )?;
        if let Some(extra) = &self.extra {
            write!(f, ";{extra}")?;
        }
        f.write_str(")")
    }
}

/// An access control list and its flags.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Acl {
    /// `P`: protected from inheritance.
    pub protected: bool,
    /// `AR`: auto-inherit required.
    pub auto_inherit_required: bool,
    /// `AI`: auto-inherited.
    pub auto_inherited: bool,
    /// `NO_ACCESS_CONTROL`: a null ACL (grants everyone everything).
    pub null: bool,
    /// The entries, in order.
    pub aces: Vec<Ace>,
}

impl Acl {
    fn write_flags(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.protected {
            f.write_str("P")?;
        }
        if self.auto_inherit_required {
            f.write_str("AR")?;
        }
        if self.auto_inherited {
            f.write_str("AI")?;
        }
        if self.null {
            f.write_str("NO_ACCESS_CONTROL")?;
        }
        for ace in &self.aces {
            write!(f, "{ace}")?;
        }
        Ok(())
    }

    /// Whether the entries are in canonical order: explicit denies, explicit allows, then
    /// inherited entries (denies before allows among those too).
    #[must_use]
    pub fn is_canonical(&self) -> bool {
        let rank = |a: &Ace| {
            let inherited = a.flags & ace_flags::INHERITED != 0;
            match (inherited, a.ace_type.is_deny(), a.ace_type.is_allow()) {
                (false, true, _) => 0,
                (false, _, true) => 1,
                (true, true, _) => 2,
                (true, _, true) => 3,
                _ => 4,
            }
        };
        let ranks: Vec<u8> = self.aces.iter().map(rank).filter(|r| *r < 4).collect();
        ranks.windows(2).all(|w| matches!(w, [a, b] if a <= b))
    }
}

/// A security descriptor read from SDDL.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SecurityDescriptor {
    /// `O:`, the owner.
    pub owner: Option<Trustee>,
    /// `G:`, the primary group.
    pub group: Option<Trustee>,
    /// `D:`, the discretionary ACL; `None` when absent (which grants everything).
    pub dacl: Option<Acl>,
    /// `S:`, the system ACL.
    pub sacl: Option<Acl>,
}

impl fmt::Display for SecurityDescriptor {
    /// Writes SDDL that [`parse`](SecurityDescriptor::parse) reads back to the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(o) = &self.owner {
            write!(f, "O:{o}")?;
        }
        if let Some(g) = &self.group {
            write!(f, "G:{g}")?;
        }
        if let Some(d) = &self.dacl {
            f.write_str("D:")?;
            d.write_flags(f)?;
        }
        if let Some(s) = &self.sacl {
            f.write_str("S:")?;
            s.write_flags(f)?;
        }
        Ok(())
    }
}

impl Serialize for SecurityDescriptor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl SecurityDescriptor {
    /// Parses SDDL.
    ///
    /// # Errors
    /// An [`SddlError`] with the byte offset of the first problem: an unknown component,
    /// ACE type, flag or right, a malformed SID or GUID, an unclosed ACE, a component given
    /// twice, more than [`MAX_ACES`] ACEs, or a string over [`MAX_SDDL_LEN`] bytes.
    ///
    /// # Example
    /// ```
    /// use machinekey::iis::sddl::SecurityDescriptor;
    /// let sd = SecurityDescriptor::parse("O:BAG:SYD:PAI(A;CIID;KR;;;BU)(A;CIID;KA;;;BA)")?;
    /// let dacl = sd.dacl.as_ref().expect("a DACL");
    /// assert!(dacl.protected && dacl.auto_inherited);
    /// assert_eq!(dacl.aces.len(), 2);
    /// assert_eq!(sd.to_string(), "O:BAG:SYD:PAI(A;CIID;KR;;;BU)(A;CIID;KA;;;BA)");
    /// # Ok::<(), machinekey::iis::sddl::SddlError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, SddlError> {
        parse::descriptor(text)
    }

    /// The security descriptor a new subkey gets from this key (the parent): the entries
    /// marked container-inherit (`CI`), as inherited entries (`ID`), without `IO`; without
    /// `CI`/`NP` when the parent's said `NP`. `CREATOR OWNER`/`CREATOR GROUP` entries are
    /// left out (they name whoever creates the subkey), and the subkey has no owner.
    ///
    /// This is also what an existing subkey holds after an installer resets the tree's
    /// permissions, unless its own DACL is protected.
    ///
    /// # Example
    /// ```
    /// use machinekey::iis::sddl::SecurityDescriptor;
    /// let parent = SecurityDescriptor::parse("D:P(A;CI;KA;;;SY)(A;;KA;;;BA)(A;CIIO;GA;;;CO)(A;CINP;KR;;;BU)")?;
    /// // inherited entries keep CI (they pass on to the subkey's own subkeys), except after NP
    /// assert_eq!(parent.inherited_by_child_key().to_string(), "D:AI(A;CIID;KA;;;SY)(A;ID;KR;;;BU)");
    /// # Ok::<(), machinekey::iis::sddl::SddlError>(())
    /// ```
    #[must_use]
    pub fn inherited_by_child_key(&self) -> Self {
        let Some(dacl) = &self.dacl else {
            return Self::default();
        };
        if dacl.null {
            return Self::default();
        }
        let creator = [sid::fixed("CO"), sid::fixed("CG")];
        let aces = dacl
            .aces
            .iter()
            .filter(|a| a.flags & ace_flags::CONTAINER_INHERIT != 0)
            .filter(|a| !a.trustee.sid().is_some_and(|s| creator.contains(s)))
            .map(|a| {
                let mut flags = (a.flags & !ace_flags::INHERIT_ONLY) | ace_flags::INHERITED;
                if a.flags & ace_flags::NO_PROPAGATE_INHERIT != 0 {
                    flags &= !(ace_flags::CONTAINER_INHERIT
                        | ace_flags::OBJECT_INHERIT
                        | ace_flags::NO_PROPAGATE_INHERIT);
                }
                Ace {
                    flags,
                    mask: rights::map_registry_generic(a.mask),
                    ..a.clone()
                }
            })
            .collect();
        Self {
            owner: None,
            group: None,
            dacl: Some(Acl {
                auto_inherited: true,
                aces,
                ..Acl::default()
            }),
            sacl: None,
        }
    }

    /// The access check for `desired` rights (generic bits mapped with the registry's
    /// mapping), as described in the [module documentation](self).
    ///
    /// # Example
    /// ```
    /// use machinekey::iis::sddl::{AccessToken, SecurityDescriptor, rights};
    /// use machinekey::iis::sid::Sid;
    /// let user: Sid = "S-1-5-21-1-2-3-1105".parse()?;
    /// let users: Sid = "S-1-5-32-545".parse()?;
    /// let token = AccessToken::new(user.clone(), vec![users]);
    /// // deny first: the user is denied writing although Users may write
    /// let sd = SecurityDescriptor::parse(&format!("D:(D;;KW;;;{user})(A;;KA;;;BU)"))?;
    /// let check = sd.access_check(&token, rights::KEY_SET_VALUE);
    /// assert!(!check.allowed);
    /// assert_eq!(check.decided_by.as_deref(), Some("(D;;KW;;;S-1-5-21-1-2-3-1105)"));
    /// assert!(sd.access_check(&token, rights::KEY_QUERY_VALUE).allowed);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn access_check(&self, token: &AccessToken, desired: u32) -> AccessCheck {
        let desired = rights::map_registry_generic(desired);
        let Some(dacl) = self.dacl.as_ref().filter(|d| !d.null) else {
            return AccessCheck {
                allowed: true,
                granted: desired,
                decided_by: None,
                uncertain: false,
                note: "no DACL: everyone has full access".to_owned(),
            };
        };
        let mut granted = 0u32;
        let owner_rights = sid::fixed("OW");
        let owner_rights_ace = dacl
            .aces
            .iter()
            .any(|a| a.trustee.sid() == Some(&owner_rights));
        let is_owner = self.owner.as_ref().is_some_and(|o| token.matches(o));
        if !owner_rights_ace && is_owner {
            granted |= rights::READ_CONTROL | rights::WRITE_DAC;
        }
        let mut uncertain = false;
        for ace in &dacl.aces {
            if granted & desired == desired {
                break;
            }
            if !ace.applies_to_object()
                || !(ace.ace_type.is_allow() || ace.ace_type.is_deny())
                || ace.object_type.is_some()
                || !(token.matches(&ace.trustee)
                    || is_owner && ace.trustee.sid() == Some(&owner_rights))
            {
                continue;
            }
            let mask = rights::map_registry_generic(ace.mask);
            if ace.ace_type.is_conditional() && mask & desired & !granted != 0 {
                uncertain = true;
                continue;
            }
            if ace.ace_type.is_deny() {
                if mask & desired & !granted != 0 {
                    return AccessCheck {
                        allowed: false,
                        granted,
                        decided_by: Some(ace.to_string()),
                        uncertain,
                        note: format!(
                            "denied by {ace} (rights 0x{:x} still wanted)",
                            desired & !granted
                        ),
                    };
                }
            } else {
                granted |= mask;
            }
        }
        let allowed = granted & desired == desired;
        AccessCheck {
            allowed,
            granted: granted & desired,
            decided_by: None,
            uncertain,
            note: if allowed {
                "granted by the allow entries".to_owned()
            } else {
                format!(
                    "no entry grants rights 0x{:x} to the account or its groups",
                    desired & !granted
                )
            },
        }
    }
}

/// The SIDs a process's token holds: its user and its groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AccessToken {
    /// The account.
    pub user: Sid,
    /// Its groups (enabled group SIDs).
    pub groups: Vec<Sid>,
}

impl AccessToken {
    /// A token of `user` with `groups`.
    #[must_use]
    pub fn new(user: Sid, groups: Vec<Sid>) -> Self {
        Self { user, groups }
    }

    fn matches(&self, trustee: &Trustee) -> bool {
        trustee
            .sid()
            .is_some_and(|s| *s == self.user || self.groups.contains(s))
    }
}

/// The outcome of [`SecurityDescriptor::access_check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AccessCheck {
    /// Whether every desired right is granted.
    pub allowed: bool,
    /// The desired rights granted before the check ended.
    pub granted: u32,
    /// The access-denied ACE that decided, in SDDL.
    pub decided_by: Option<String>,
    /// A conditional ACE matched that cannot be evaluated offline.
    pub uncertain: bool,
    /// Why, in words.
    pub note: String,
}
