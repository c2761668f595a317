//! Security identifiers: the `S-1-...` string form, the SID of an `IIS APPPOOL\<pool>`
//! virtual account, the built-in accounts an application pool can run as, and SDDL's
//! two-letter aliases.
//!
//! Sources: Microsoft's "Well-known SIDs" and "SID Strings" (the SDDL alias table) pages;
//! the application-pool SID is `S-1-5-82-` followed by the five little-endian 32-bit words
//! of the SHA-1 of the UTF-16LE lower-cased pool name (checked against the SID public
//! `whoami /all` output shows for `IIS APPPOOL\DefaultAppPool`). The lower-casing of names
//! outside ASCII is Rust's Unicode lower-casing, which may differ from Windows' case table
//! for rare characters (UNVERIFIED).

use core::fmt;
use core::str::FromStr;

use serde::{Serialize, Serializer};
use sha1::{Digest, Sha1};

pub use crate::error::SidError;

/// The most sub-authorities a SID holds (`SID_MAX_SUB_AUTHORITIES`).
pub const MAX_SUB_AUTHORITIES: usize = 15;

/// A security identifier.
///
/// # Example
/// ```
/// use machinekey::iis::sid::Sid;
/// let sid: Sid = "S-1-5-32-544".parse()?;
/// assert_eq!(sid.to_string(), "S-1-5-32-544");
/// assert_eq!(Sid::application_pool("DefaultAppPool").to_string(),
///            "S-1-5-82-3006700770-424185619-1745488364-794895919-4004696415");
/// assert!("S-1-5-x".parse::<Sid>().is_err());
/// # Ok::<(), machinekey::iis::sid::SidError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sid {
    authority: u64,
    sub_authorities: Vec<u32>,
}

const AUTHORITY_MAX: u64 = (1 << 48) - 1;

impl Sid {
    /// A SID from its identifier authority and sub-authorities (at most 15; more are
    /// dropped).
    #[must_use]
    pub fn new(authority: u64, sub_authorities: &[u32]) -> Self {
        Self {
            authority: authority.min(AUTHORITY_MAX),
            sub_authorities: sub_authorities
                .iter()
                .copied()
                .take(MAX_SUB_AUTHORITIES)
                .collect(),
        }
    }

    /// `NT AUTHORITY\SYSTEM` (LocalSystem), S-1-5-18.
    #[must_use]
    pub fn local_system() -> Self {
        Self::new(5, &[18])
    }

    /// `NT AUTHORITY\LOCAL SERVICE`, S-1-5-19.
    #[must_use]
    pub fn local_service() -> Self {
        Self::new(5, &[19])
    }

    /// `NT AUTHORITY\NETWORK SERVICE`, S-1-5-20.
    #[must_use]
    pub fn network_service() -> Self {
        Self::new(5, &[20])
    }

    /// The SID of `IIS APPPOOL\<pool>`: `S-1-5-82-` and the five little-endian 32-bit words
    /// of SHA-1(UTF-16LE(lower-cased pool name)).
    ///
    /// # Example
    /// ```
    /// use machinekey::iis::sid::Sid;
    /// // case does not matter: the name is lower-cased first
    /// assert_eq!(Sid::application_pool("DEFAULTAPPPOOL"), Sid::application_pool("defaultapppool"));
    /// ```
    #[must_use]
    pub fn application_pool(pool: &str) -> Self {
        let utf16: Vec<u8> = pool
            .to_lowercase()
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let digest = Sha1::digest(&utf16);
        let words: Vec<u32> = digest
            .chunks_exact(4)
            .map(|w| match w {
                [a, b, c, d] => u32::from_le_bytes([*a, *b, *c, *d]),
                _ => 0,
            })
            .collect();
        let mut sub = vec![82];
        sub.extend(words);
        Self::new(5, &sub)
    }

    /// The identifier authority (5 for `NT AUTHORITY`).
    #[must_use]
    pub fn authority(&self) -> u64 {
        self.authority
    }

    /// The sub-authorities.
    #[must_use]
    pub fn sub_authorities(&self) -> &[u32] {
        &self.sub_authorities
    }

    /// Parses `S-1-<authority>-<sub>...`; `offset` is added to error offsets (the SID's
    /// position in a longer string).
    pub(crate) fn parse_at(s: &str, offset: usize) -> Result<Self, SidError> {
        let err = |at: usize, message| SidError {
            offset: offset + at.min(s.len()),
            message,
        };
        let rest = s
            .strip_prefix("S-")
            .or_else(|| s.strip_prefix("s-"))
            .ok_or_else(|| err(0, "a SID starts with \"S-\""))?;
        let mut pos = 2;
        let mut parts = rest.split('-');
        let revision = parts.next().unwrap_or_default();
        if revision != "1" {
            return Err(err(pos, "the SID revision must be 1"));
        }
        pos += revision.len() + 1;
        let authority_text = parts
            .next()
            .ok_or_else(|| err(pos, "the identifier authority is missing"))?;
        let authority = parse_number(authority_text, AUTHORITY_MAX)
            .ok_or_else(|| err(pos, "the identifier authority is not a 48-bit number"))?;
        pos += authority_text.len() + 1;
        let mut sub = Vec::new();
        for part in parts {
            if sub.len() == MAX_SUB_AUTHORITIES {
                return Err(err(pos, "a SID has at most 15 sub-authorities"));
            }
            let value = parse_number(part, u64::from(u32::MAX))
                .and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| err(pos, "a sub-authority is not a 32-bit number"))?;
            sub.push(value);
            pos += part.len() + 1;
        }
        Ok(Self {
            authority,
            sub_authorities: sub,
        })
    }
}

/// A decimal number, or hex with `0x`, no larger than `max`.
fn parse_number(text: &str, max: u64) -> Option<u64> {
    let value = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        if hex.is_empty() || hex.len() > 16 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(hex, 16).ok()?
    } else {
        if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()?
    };
    (value <= max).then_some(value)
}

impl FromStr for Sid {
    type Err = SidError;

    /// Parses `S-1-<authority>-<sub-authority>...` (the authority in decimal or `0x` hex).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_at(s, 0)
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.authority >= 1 << 32 {
            write!(f, "S-1-0x{:012X}", self.authority)?;
        } else {
            write!(f, "S-1-{}", self.authority)?;
        }
        for s in &self.sub_authorities {
            write!(f, "-{s}")?;
        }
        Ok(())
    }
}

impl Serialize for Sid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What an SDDL two-letter alias stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AliasTarget {
    /// A fixed SID.
    Sid(Sid),
    /// A SID relative to the domain (`S-1-5-21-<domain>-<rid>`): which domain is not in the
    /// string, so it never matches a token the crate builds.
    DomainRelative(u32),
    /// A SID relative to the machine (`S-1-5-21-<machine>-<rid>`): the local Administrator
    /// (500) or Guest (501) account.
    MachineRelative(u32),
}

/// SDDL's two-letter SID aliases (Microsoft's "SID Strings" table).
const ALIASES: &[(&str, u64, &[u32])] = &[
    ("AA", 5, &[32, 579]),
    ("AC", 15, &[2, 1]),
    ("AN", 5, &[7]),
    ("AO", 5, &[32, 548]),
    ("AS", 18, &[1]),
    ("AU", 5, &[11]),
    ("BA", 5, &[32, 544]),
    ("BG", 5, &[32, 546]),
    ("BO", 5, &[32, 551]),
    ("BU", 5, &[32, 545]),
    ("CD", 5, &[32, 574]),
    ("CG", 3, &[1]),
    ("CO", 3, &[0]),
    ("CY", 5, &[32, 569]),
    ("ED", 5, &[9]),
    ("ER", 5, &[32, 573]),
    ("ES", 5, &[32, 576]),
    ("HA", 5, &[32, 578]),
    ("HI", 16, &[12288]),
    ("IS", 5, &[32, 568]),
    ("IU", 5, &[4]),
    ("LS", 5, &[19]),
    ("LU", 5, &[32, 559]),
    ("LW", 16, &[4096]),
    ("ME", 16, &[8192]),
    ("MP", 16, &[8448]),
    ("MS", 5, &[32, 577]),
    ("MU", 5, &[32, 558]),
    ("NO", 5, &[32, 556]),
    ("NS", 5, &[20]),
    ("NU", 5, &[2]),
    ("OW", 3, &[4]),
    ("PO", 5, &[32, 550]),
    ("PS", 5, &[10]),
    ("PU", 5, &[32, 547]),
    ("RA", 5, &[32, 575]),
    ("RC", 5, &[12]),
    ("RD", 5, &[32, 555]),
    ("RE", 5, &[32, 552]),
    ("RM", 5, &[32, 580]),
    ("RU", 5, &[32, 554]),
    ("SI", 16, &[16384]),
    ("SO", 5, &[32, 549]),
    ("SS", 18, &[2]),
    ("SU", 5, &[6]),
    ("SY", 5, &[18]),
    ("UD", 5, &[84, 0, 0, 0, 0, 0]),
    ("WD", 1, &[0]),
    ("WR", 5, &[33]),
];

/// Domain-relative aliases and their RIDs.
const DOMAIN_ALIASES: &[(&str, u32)] = &[
    ("AP", 525),
    ("CA", 517),
    ("CN", 522),
    ("DA", 512),
    ("DC", 515),
    ("DD", 516),
    ("DG", 514),
    ("DU", 513),
    ("EA", 519),
    ("EK", 527),
    ("KA", 526),
    ("PA", 520),
    ("RO", 498),
    ("RS", 553),
    ("SA", 518),
];

/// What the SDDL alias `code` (two letters, either case) stands for.
///
/// # Example
/// ```
/// use machinekey::iis::sid::{AliasTarget, alias};
/// assert_eq!(alias("BA"), Some(AliasTarget::Sid("S-1-5-32-544".parse()?)));
/// assert_eq!(alias("DU"), Some(AliasTarget::DomainRelative(513)));
/// assert_eq!(alias("ZZ"), None);
/// # Ok::<(), machinekey::iis::sid::SidError>(())
/// ```
#[must_use]
pub fn alias(code: &str) -> Option<AliasTarget> {
    let code = code.to_ascii_uppercase();
    if let Some((_, authority, sub)) = ALIASES.iter().find(|(c, _, _)| *c == code) {
        return Some(AliasTarget::Sid(Sid::new(*authority, sub)));
    }
    if let Some((_, rid)) = DOMAIN_ALIASES.iter().find(|(c, _)| *c == code) {
        return Some(AliasTarget::DomainRelative(*rid));
    }
    match code.as_str() {
        "LA" => Some(AliasTarget::MachineRelative(500)),
        "LG" => Some(AliasTarget::MachineRelative(501)),
        _ => None,
    }
}

/// The alias SDDL writers use for `sid`, if it has one (used when printing).
#[must_use]
pub fn alias_of(sid: &Sid) -> Option<&'static str> {
    ALIASES
        .iter()
        .find(|(_, authority, sub)| sid.authority == *authority && sid.sub_authorities == *sub)
        .map(|(code, _, _)| *code)
}

/// A readable name for well-known SIDs (`BUILTIN\Administrators`, `Everyone`, ...).
#[must_use]
pub fn well_known_name(sid: &Sid) -> Option<&'static str> {
    Some(match alias_of(sid)? {
        "SY" => "NT AUTHORITY\\SYSTEM",
        "LS" => "NT AUTHORITY\\LOCAL SERVICE",
        "NS" => "NT AUTHORITY\\NETWORK SERVICE",
        "BA" => "BUILTIN\\Administrators",
        "BU" => "BUILTIN\\Users",
        "IS" => "BUILTIN\\IIS_IUSRS",
        "AU" => "NT AUTHORITY\\Authenticated Users",
        "WD" => "Everyone",
        "CO" => "CREATOR OWNER",
        "SU" => "NT AUTHORITY\\SERVICE",
        "IU" => "NT AUTHORITY\\INTERACTIVE",
        _ => return None,
    })
}

/// `NT AUTHORITY\BATCH` (S-1-5-3): in the token of an account logged on as a batch job,
/// as WAS logs on a pool's specific user by default (`logonType="LogonBatch"`).
#[must_use]
pub fn batch() -> Sid {
    Sid::new(5, &[3])
}

/// `NT AUTHORITY\This Organization` (S-1-5-15).
#[must_use]
pub fn this_organization() -> Sid {
    Sid::new(5, &[15])
}

/// `LOCAL` (S-1-2-0).
#[must_use]
pub fn local() -> Sid {
    Sid::new(2, &[0])
}

/// A well-known SID by alias, for the fixed ones (`BA`, `BU`, ...).
pub(crate) fn fixed(code: &str) -> Sid {
    match alias(code) {
        Some(AliasTarget::Sid(s)) => s,
        _ => Sid::new(0, &[0]),
    }
}
