//! What ASP.NET protects (`System.Web/Security/MachineKey.cs`; `Page`, `FormsAuthentication`, `CookieProtectionHelper`): ViewState and EventValidation, forms-authentication
//! tickets, resource URLs and `__PREVIOUSPAGE`, role and anonymous-id cookies, and the public
//! `MachineKey` APIs, each choosing the legacy or the Framework45 stack exactly as ASP.NET
//! does for the configuration.
//!
//! Everything starts from [`AppKeys`]: one application's keys for both stacks.

pub mod aspnetcore;
pub mod auth_cookie;
pub mod auth_ticket;
pub mod cookie;
pub mod forms_ticket;
pub mod nrbf;
pub mod oauth_token;
pub mod osf;
mod page;
pub mod resource;
pub mod session;
pub mod viewstate;

use std::sync::Arc;

pub use page::{GeneratorHash, Page};

use crate::config::MachineKeyAttribute;
use crate::config::{CompatibilityMode, MachineKeyConfig};
use crate::crypto::framework45::{Framework45Protector, Purpose};
use crate::crypto::legacy::{LegacyProtector, MachineKeyProtection};
use crate::dataprotection::KeyRing;
use crate::dataprotection::systemweb::CompatibilityDataProtector;
use crate::error::{ConfigError, ConfigErrorKind, Error};
use crate::keys::{AppIdentity, AutoGenKeys, Framework45Keys, LegacyKeys};
use crate::random::RandomSource;

/// One application's keys, ready for both protection stacks.
///
/// The stack of the config's effective compatibility mode must be usable (construction
/// fails otherwise, as ASP.NET fails on the first request), except with `dataProtectorType`,
/// where a Data Protection key ring ([`with_key_ring`](Self::with_key_ring)) protects what
/// that stack would. The other stack is kept even if
/// it cannot be built, and its error is returned when something needs it: `MachineKey.Protect`
/// always uses Framework45 and `MachineKey.Encode` always uses legacy.
///
/// # Example
/// ```
/// use machinekey::config::MachineKeyConfig;
/// use machinekey::formats::AppKeys;
/// let cfg = MachineKeyConfig::builder()
///     .validation_key(&"AB".repeat(64))
///     .decryption_key(&"CD".repeat(32))
///     .build()?;
/// let keys = AppKeys::explicit(&cfg)?;
/// let blob = keys.protect(b"data", &["Sessions"])?;
/// assert_eq!(keys.unprotect(&blob, &["Sessions"])?, b"data");
/// # Ok::<(), machinekey::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AppKeys {
    config: MachineKeyConfig,
    legacy: Result<LegacyProtector, Error>,
    framework45: Result<Framework45Protector, Error>,
    data_protection: Option<CompatibilityDataProtector>,
    rng: Option<Arc<dyn RandomSource>>,
}

/// What protects the Framework45 consumers whose crypto options are `None` (ViewState,
/// EventValidation, forms tickets, role and anonymous-id cookies, `MachineKey.Protect`):
/// the `<machineKey>` keys, or with `dataProtectorType` the Data Protection key ring
/// (`AspNetCryptoServiceProvider.GetCryptoService`).
pub(crate) enum StateProtector<'a> {
    MachineKey(&'a Framework45Protector),
    DataProtection(&'a CompatibilityDataProtector),
}

impl StateProtector<'_> {
    pub(crate) fn protect(&self, data: &[u8], purpose: &Purpose) -> Result<Vec<u8>, Error> {
        match self {
            Self::MachineKey(p) => p.protect(data, purpose),
            Self::DataProtection(p) => p.protect(data, purpose),
        }
    }

    pub(crate) fn unprotect(&self, blob: &[u8], purpose: &Purpose) -> Result<Vec<u8>, Error> {
        match self {
            Self::MachineKey(p) => p.unprotect(blob, purpose),
            Self::DataProtection(p) => p.unprotect(blob, purpose),
        }
    }
}

impl AppKeys {
    /// Keys for a config whose keys are explicit hex (no AutoGenerate, no isolation).
    ///
    /// # Errors
    /// The configuration error of the effective stack.
    ///
    /// # Example
    /// See [`AppKeys`].
    pub fn explicit(config: &MachineKeyConfig) -> Result<Self, Error> {
        Self::assemble(
            config,
            LegacyKeys::explicit(config).map_err(Error::from),
            Framework45Keys::explicit(config).map_err(Error::from),
        )
    }

    /// Keys for `app`, resolving `AutoGenerate` from `autogen` and applying IsolateApps /
    /// IsolateByAppId (see [`LegacyKeys::resolve`] and [`Framework45Keys::resolve`]).
    ///
    /// # Errors
    /// The error of the effective stack: a configuration error, missing material, or a
    /// string hash that cannot be computed.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::MachineKeyConfig;
    /// use machinekey::formats::AppKeys;
    /// use machinekey::keys::{AppIdentity, AutoGenKeys};
    /// use machinekey::random::OsRandom;
    /// let autogen = AutoGenKeys::generate(&OsRandom)?;
    /// let app = AppIdentity::new("/Shop", "/LM/W3SVC/1/ROOT/Shop")?;
    /// let keys = AppKeys::resolve(&MachineKeyConfig::default(), &app, Some(&autogen))?;
    /// assert!(!keys.compatibility_mode().is_framework45());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn resolve(
        config: &MachineKeyConfig,
        app: &AppIdentity,
        autogen: Option<&AutoGenKeys>,
    ) -> Result<Self, Error> {
        Self::assemble(
            config,
            LegacyKeys::resolve(config, app, autogen),
            Framework45Keys::resolve(config, app, autogen),
        )
    }

    fn assemble(
        config: &MachineKeyConfig,
        legacy: Result<LegacyKeys, Error>,
        framework45: Result<Framework45Keys, Error>,
    ) -> Result<Self, Error> {
        let legacy = legacy.and_then(|k| Ok(LegacyProtector::new(config, &k)?));
        let framework45 = framework45.and_then(|k| Ok(Framework45Protector::new(config, &k)?));
        let keys = Self {
            config: config.clone(),
            legacy,
            framework45,
            data_protection: None,
            rng: None,
        };
        if config.data_protector_type().is_some() {
            // The routed consumers use the key ring attached later; the `<machineKey>` keys
            // serve only resource URLs and `__PREVIOUSPAGE`, and say so when those need them.
        } else if keys.compatibility_mode().is_framework45() {
            keys.framework45()?;
        } else {
            keys.legacy()?;
        }
        Ok(keys)
    }

    /// Replaces the random source of both stacks, for example to pin bytes in tests.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// # use machinekey::formats::AppKeys;
    /// use std::sync::Arc;
    /// use machinekey::random::OsRandom;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let _keys = AppKeys::explicit(&cfg)?.with_random(Arc::new(OsRandom));
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn with_random(mut self, rng: Arc<dyn RandomSource>) -> Self {
        self.legacy = self.legacy.map(|p| p.with_random(Arc::clone(&rng)));
        self.framework45 = self.framework45.map(|p| p.with_random(Arc::clone(&rng)));
        self.data_protection = self
            .data_protection
            .map(|p| p.with_random(Arc::clone(&rng)));
        self.rng = Some(rng);
        self
    }

    /// Attaches the Data Protection key ring of an application whose `<machineKey>` has
    /// `dataProtectorType` (the `Microsoft.AspNetCore.DataProtection.SystemWeb` package):
    /// ViewState, EventValidation, forms tickets, role and anonymous-id cookies and
    /// `MachineKey.Protect` then go through the ring with the purpose chain
    /// `[discriminator, primary purpose, specific purposes…]`, where the discriminator is
    /// `<machineKey applicationName>` or else `app`'s `AppDomainAppId`. `WebResource.axd`,
    /// `ScriptResource.axd` and `__PREVIOUSPAGE` stay on the `<machineKey>` keys, as in
    /// ASP.NET (`AspNetCryptoServiceProvider`: cacheable output is never routed).
    ///
    /// Without `dataProtectorType` the ring is kept but not used.
    ///
    /// # Example
    /// ```
    /// use machinekey::{AppKeys, MachineKeyConfig, Page};
    /// use machinekey::formats::viewstate::ViewStateProtection;
    /// use machinekey::dataprotection::KeyRing;
    /// use machinekey::dataprotection::systemweb::COMPATIBILITY_DATA_PROTECTOR;
    /// use machinekey::keys::{AppIdentity, AutoGenKeys};
    /// let cfg = MachineKeyConfig::builder()
    ///     .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
    ///     .data_protector_type(COMPATIBILITY_DATA_PROTECTOR)
    ///     .build()?;
    /// let mut ring = KeyRing::new();
    /// ring.generate_key(time::OffsetDateTime::now_utc(), &machinekey::random::OsRandom)?;
    /// let app = AppIdentity::new("/Shop", "/LM/W3SVC/1/ROOT/Shop")?;
    /// let autogen = AutoGenKeys::generate(&machinekey::random::OsRandom)?;
    /// let keys = AppKeys::resolve(&cfg, &app, Some(&autogen))?.with_key_ring(ring, &app);
    /// let page = Page::from_path("/Shop/default.aspx", "/Shop")?;
    /// let state = keys.encode_viewstate(b"\xff\x01\x0f\x0f", &page, ViewStateProtection::Encrypted)?;
    /// assert!(state.starts_with("CfDJ8"));
    /// assert_eq!(keys.decode_viewstate(&state, &page)?, b"\xff\x01\x0f\x0f");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn with_key_ring(mut self, ring: KeyRing, app: &AppIdentity) -> Self {
        let mut dp = CompatibilityDataProtector::new(ring, &self.config, app);
        if let Some(rng) = &self.rng {
            dp = dp.with_random(Arc::clone(rng));
        }
        self.data_protection = Some(dp);
        self
    }

    /// The Data Protection side, when a key ring is attached.
    #[must_use]
    pub fn data_protection(&self) -> Option<&CompatibilityDataProtector> {
        self.data_protection.as_ref()
    }

    /// The protector of the routed consumers: with `dataProtectorType` the key ring (an
    /// error until one is attached), otherwise the Framework45 stack.
    pub(crate) fn state_protector(&self) -> Result<StateProtector<'_>, Error> {
        if self.config.data_protector_type().is_some() {
            return self
                .data_protection
                .as_ref()
                .map(StateProtector::DataProtection)
                .ok_or_else(|| {
                    ConfigError::new(
                        MachineKeyAttribute::DataProtectorType,
                        ConfigErrorKind::KeyRingRequired,
                    )
                    .into()
                });
        }
        Ok(StateProtector::MachineKey(self.framework45()?))
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &MachineKeyConfig {
        &self.config
    }

    /// The effective compatibility mode.
    #[must_use]
    pub fn compatibility_mode(&self) -> CompatibilityMode {
        self.config.compatibility_mode()
    }

    /// Whether the consumers (ViewState, tickets, resources, cookies) use Framework45.
    fn uses_framework45(&self) -> bool {
        self.compatibility_mode().is_framework45()
    }

    /// The legacy stack.
    ///
    /// # Errors
    /// Why the legacy stack cannot be built for this config.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// # use machinekey::formats::AppKeys;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// assert_eq!(AppKeys::explicit(&cfg)?.legacy()?.mac_len(), 32);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn legacy(&self) -> Result<&LegacyProtector, Error> {
        self.legacy.as_ref().map_err(Clone::clone)
    }

    /// The Framework45 stack.
    ///
    /// # Errors
    /// Why the Framework45 stack cannot be built for this config (for example hex keys with
    /// `,IsolateApps`, or MD5 validation).
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// # use machinekey::formats::AppKeys;
    /// let cfg = MachineKeyConfig::builder()
    ///     .validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).validation(machinekey::config::ValidationAlgorithm::Md5).build()?;
    /// let keys = AppKeys::explicit(&cfg)?; // fine for the legacy consumers...
    /// assert!(keys.framework45().is_err()); // ...but MachineKey.Protect cannot run
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn framework45(&self) -> Result<&Framework45Protector, Error> {
        self.framework45.as_ref().map_err(Clone::clone)
    }

    /// `MachineKey.Protect(data, purposes)` (always Framework45; with `dataProtectorType`,
    /// the attached key ring).
    ///
    /// # Errors
    /// As [`Framework45Protector::machine_key_protect`], or the Framework45 stack's error.
    ///
    /// # Example
    /// See [`AppKeys`].
    pub fn protect<S: AsRef<str>>(&self, data: &[u8], purposes: &[S]) -> Result<Vec<u8>, Error> {
        match self.state_protector()? {
            StateProtector::MachineKey(p) => p.machine_key_protect(data, purposes),
            StateProtector::DataProtection(p) => p.machine_key_protect(data, purposes),
        }
    }

    /// `MachineKey.Unprotect(blob, purposes)` (always Framework45).
    ///
    /// # Errors
    /// As [`Framework45Protector::machine_key_unprotect`], or the Framework45 stack's error.
    ///
    /// # Example
    /// See [`AppKeys`].
    pub fn unprotect<S: AsRef<str>>(&self, blob: &[u8], purposes: &[S]) -> Result<Vec<u8>, Error> {
        match self.state_protector()? {
            StateProtector::MachineKey(p) => p.machine_key_unprotect(blob, purposes),
            StateProtector::DataProtection(p) => p.machine_key_unprotect(blob, purposes),
        }
    }

    /// `MachineKey.Encode(data, protection)` (always legacy).
    ///
    /// # Errors
    /// As [`LegacyProtector::encode`], or the legacy stack's error.
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// # use machinekey::formats::AppKeys;
    /// use machinekey::crypto::legacy::MachineKeyProtection;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let keys = AppKeys::explicit(&cfg)?;
    /// let text = keys.encode(b"data", MachineKeyProtection::All)?;
    /// assert_eq!(keys.decode(&text, MachineKeyProtection::All)?, b"data");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn encode(&self, data: &[u8], protection: MachineKeyProtection) -> Result<String, Error> {
        self.legacy()?.encode(data, protection)
    }

    /// `MachineKey.Decode(text, protection)` (always legacy).
    ///
    /// # Errors
    /// As [`LegacyProtector::decode`], or the legacy stack's error.
    ///
    /// # Example
    /// See [`encode`](Self::encode).
    pub fn decode(&self, text: &str, protection: MachineKeyProtection) -> Result<Vec<u8>, Error> {
        self.legacy()?.decode(text, protection)
    }
}
