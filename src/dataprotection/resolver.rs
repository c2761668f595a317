//! Which key protects new payloads: `DefaultKeyResolver.FindDefaultKey` (current
//! algorithm and the 2.x one) in `Microsoft.AspNetCore.DataProtection.KeyManagement`.

use time::{Duration, OffsetDateTime};

use super::KeyId;
use crate::names::names;

/// How long a new key takes to reach every instance before it is preferred
/// (`KeyManagementOptions.KeyPropagationWindow`).
pub const KEY_PROPAGATION_WINDOW: Duration = Duration::days(2);
/// How far in the future a key may activate and still be used
/// (`KeyManagementOptions.MaxServerClockSkew`).
pub const MAX_SERVER_CLOCK_SKEW: Duration = Duration::minutes(5);
/// The lifetime of a key ASP.NET makes (`KeyManagementOptions.NewKeyLifetime`).
pub const NEW_KEY_LIFETIME: Duration = Duration::days(90);

/// Which version of the default-key rules to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub enum ResolverVersion {
    /// What real ASP.NET Core 10 (10.0.12) does, proved by the differential tests against
    /// it (`checks/tests/dotnet_oracle.rs`, random rings of up to four keys with revocations
    /// and dates around now): the most recently activated key (activated by now + 5 minutes;
    /// ties by key id) when it is unrevoked, unexpired and usable; otherwise the fallback
    /// of `DefaultKeyResolver`'s source: among unrevoked usable keys (expired ones too), the
    /// newest created two days or more ago other than the rejected key, else the oldest
    /// created since (a key not yet activated included). A ring whose one key is expired has
    /// no key at all (with key generation off, .NET throws "The key ring does not contain a
    /// valid default protection key").
    #[default]
    AspNetCore10,
    /// The propagation-aware rules of `DefaultKeyResolver.cs` in `dotnet/aspnetcore`'s
    /// source (keys that have had two days to propagate come first). Real ASP.NET Core
    /// 10.0.12 does **not** follow them: it prefers a key created and activated two hours
    /// ago over one created and activated three days ago (`tests/data_protection_api.rs`
    /// keeps that case); kept for the source's own test cases.
    Current,
    /// The 2.x rules (`aspnet/DataProtection`): the most recently activated key, whether or
    /// not it has propagated. When exactly the switch happened is not documented.
    V2,
}

names!(ResolverVersion, "The name, in words.", {
    AspNetCore10 => "ASP.NET Core 10",
    Current => "current",
    V2 => "2.x",
});

/// What the resolver needs of one key.
///
/// # Example
/// See [`resolve_default_key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyMetadata {
    /// The key id.
    pub id: KeyId,
    /// `creationDate`.
    pub creation: OffsetDateTime,
    /// `activationDate`.
    pub activation: OffsetDateTime,
    /// `expirationDate`.
    pub expiration: OffsetDateTime,
    /// Revoked, by id or by a mass revocation.
    pub revoked: bool,
    /// Whether an encryptor can be made for it (its master key is readable and its
    /// algorithm supported).
    pub usable: bool,
}

impl KeyMetadata {
    fn expired(&self, now: OffsetDateTime) -> bool {
        self.expiration <= now
    }

    fn can_be_default(&self, now: OffsetDateTime) -> bool {
        !self.revoked && !self.expired(now) && self.usable
    }
}

/// The outcome of default-key resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Resolution {
    /// The key new payloads are protected with, if one qualifies.
    pub default_key: Option<KeyId>,
    /// The key used when no default qualifies and a new one cannot be made (it may be
    /// expired).
    pub fallback_key: Option<KeyId>,
    /// Whether ASP.NET would now create a new key (when automatic generation is on).
    pub should_generate_new_key: bool,
}

/// Resolves the default key at `now` as `DefaultKeyResolver` does.
///
/// Current rules: among keys activated by `now + 5 min`, those created at least two days
/// ago come first (latest activation first), then the newer ones (earliest activation
/// first), ties by key id; only the first is considered, and it must be unrevoked,
/// unexpired and usable. The fallback is the newest usable unrevoked key created before the
/// propagation window, else the oldest created after it.
///
/// Ties between keys are broken by key id, comparing the GUID's fields as unsigned numbers,
/// as real .NET 10 orders them (`tests/data_protection_api.rs` keeps the cases observed:
/// `00000001-…` before `80000000-…` and `00000000-0001-…` before `00000000-8000-…`).
///
/// # Example
/// ```
/// use machinekey::dataprotection::{KeyMetadata, ResolverVersion, resolve_default_key};
/// use time::macros::datetime;
/// let key = |id: &str, act, exp| KeyMetadata {
///     id: id.parse().unwrap(), creation: datetime!(2015-01-01 0:00 UTC),
///     activation: act, expiration: exp, revoked: false, usable: true,
/// };
/// let keys = [
///     key("00000000-0000-0000-0000-000000000001", datetime!(2015-03-01 0:00 UTC), datetime!(2016-03-01 0:00 UTC)),
///     key("00000000-0000-0000-0000-000000000002", datetime!(2016-03-01 0:00 UTC), datetime!(2017-03-01 0:00 UTC)),
/// ];
/// let r = resolve_default_key(&keys, datetime!(2016-02-20 23:59 UTC), ResolverVersion::Current);
/// assert_eq!(r.default_key, Some(keys[0].id));
/// // Within the 5-minute clock skew, the successor is already preferred.
/// let r = resolve_default_key(&keys, datetime!(2016-02-29 23:59 UTC), ResolverVersion::Current);
/// assert_eq!(r.default_key, Some(keys[1].id));
/// ```
#[must_use]
pub fn resolve_default_key(
    keys: &[KeyMetadata],
    now: OffsetDateTime,
    version: ResolverVersion,
) -> Resolution {
    match version {
        ResolverVersion::AspNetCore10 => resolve_aspnetcore10(keys, now),
        ResolverVersion::Current => resolve_current(keys, now),
        ResolverVersion::V2 => resolve_v2(keys, now),
    }
}

fn cutoff(now: OffsetDateTime) -> OffsetDateTime {
    now.checked_sub(KEY_PROPAGATION_WINDOW)
        .unwrap_or(time::PrimitiveDateTime::MIN.assume_utc())
}

fn skewed(now: OffsetDateTime) -> OffsetDateTime {
    now.checked_add(MAX_SERVER_CLOCK_SKEW).unwrap_or(now)
}

/// The key ids in their .NET `Guid` order (fields as unsigned numbers).
fn id_order(k: &KeyMetadata) -> [u8; 16] {
    k.id.field_order()
}

fn resolve_current(keys: &[KeyMetadata], now: OffsetDateTime) -> Resolution {
    let cutoff = cutoff(now);
    let mut activated: Vec<&KeyMetadata> = keys
        .iter()
        .filter(|k| k.activation <= skewed(now))
        .collect();
    activated.sort_by(|a, b| {
        let (pa, pb) = (a.creation <= cutoff, b.creation <= cutoff);
        pb.cmp(&pa)
            .then_with(|| {
                if pa {
                    b.activation.cmp(&a.activation)
                } else {
                    a.activation.cmp(&b.activation)
                }
            })
            .then_with(|| id_order(a).cmp(&id_order(b)))
    });
    let candidate = activated.first().copied();
    if let Some(k) = candidate.filter(|k| k.can_be_default(now)) {
        return Resolution {
            default_key: Some(k.id),
            fallback_key: None,
            should_generate_new_key: false,
        };
    }
    Resolution {
        default_key: None,
        fallback_key: fallback(keys, cutoff, candidate.map(|k| k.id)),
        should_generate_new_key: true,
    }
}

fn fallback(
    keys: &[KeyMetadata],
    cutoff: OffsetDateTime,
    rejected: Option<KeyId>,
) -> Option<KeyId> {
    let mut old: Vec<&KeyMetadata> = keys
        .iter()
        .filter(|k| !k.revoked && k.creation <= cutoff && Some(k.id) != rejected)
        .collect();
    old.sort_by_key(|k| core::cmp::Reverse(k.creation));
    let mut new: Vec<&KeyMetadata> = keys
        .iter()
        .filter(|k| !k.revoked && k.creation > cutoff)
        .collect();
    new.sort_by_key(|k| k.creation);
    old.into_iter().chain(new).find(|k| k.usable).map(|k| k.id)
}

/// The most recently activated key (by `now` + skew), ties by key id ascending.
fn latest_activated(keys: &[KeyMetadata], now: OffsetDateTime) -> Option<&KeyMetadata> {
    keys.iter()
        .filter(|k| k.activation <= skewed(now))
        .max_by(|a, b| {
            a.activation
                .cmp(&b.activation)
                .then_with(|| id_order(b).cmp(&id_order(a)))
        })
}

/// `KeyRingProvider`'s refresh period (`KeyManagementOptions.KeyRingRefreshPeriod`).
const KEY_RING_REFRESH_PERIOD: Duration = Duration::hours(24);

fn resolve_aspnetcore10(keys: &[KeyMetadata], now: OffsetDateTime) -> Resolution {
    let preferred = latest_activated(keys, now);
    if let Some(k) = preferred.filter(|k| k.can_be_default(now)) {
        // `KeyRingProvider`: a replacement is due when the default key expires within the
        // refresh period plus the propagation window and the key that would then be the
        // default expires within it too.
        let min = now
            .checked_add(KEY_RING_REFRESH_PERIOD + KEY_PROPAGATION_WINDOW)
            .unwrap_or(now);
        let due = k.expiration < min
            && latest_activated(keys, k.expiration)
                .filter(|n| n.can_be_default(k.expiration))
                .is_none_or(|n| n.expiration < min);
        return Resolution {
            default_key: Some(k.id),
            fallback_key: None,
            should_generate_new_key: due,
        };
    }
    Resolution {
        default_key: None,
        fallback_key: fallback(keys, cutoff(now), preferred.map(|k| k.id)),
        should_generate_new_key: true,
    }
}

fn resolve_v2(keys: &[KeyMetadata], now: OffsetDateTime) -> Resolution {
    let preferred = keys
        .iter()
        .filter(|k| k.activation <= skewed(now))
        .max_by(|a, b| {
            a.activation
                .cmp(&b.activation)
                .then_with(|| id_order(b).cmp(&id_order(a)))
        });
    if let Some(k) = preferred.filter(|k| k.can_be_default(now)) {
        let bound = k
            .expiration
            .checked_add(MAX_SERVER_CLOCK_SKEW)
            .unwrap_or(k.expiration);
        let horizon = now.checked_add(KEY_PROPAGATION_WINDOW).unwrap_or(now);
        let successor = keys
            .iter()
            .any(|s| !s.revoked && s.activation <= bound && s.expiration > horizon);
        return Resolution {
            default_key: Some(k.id),
            fallback_key: None,
            should_generate_new_key: !successor,
        };
    }
    let cutoff = cutoff(now);
    let usable = |k: &&KeyMetadata| !k.revoked && k.usable;
    let fallback = keys
        .iter()
        .filter(|k| k.creation <= cutoff)
        .filter(usable)
        .max_by_key(|k| k.creation)
        .or_else(|| keys.iter().filter(usable).min_by_key(|k| k.creation))
        .map(|k| k.id);
    Resolution {
        default_key: None,
        fallback_key: fallback,
        should_generate_new_key: true,
    }
}
