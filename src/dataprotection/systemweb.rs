//! ASP.NET 4.x with `Microsoft.AspNetCore.DataProtection.SystemWeb`:
//! `<machineKey dataProtectorType="…CompatibilityDataProtector…">` routes ViewState, forms
//! tickets, role and anonymous-id cookies and `MachineKey.Protect` through a key ring
//! (`CompatibilityDataProtector`, `DataProtectionStartup`).

use std::sync::Arc;

use time::OffsetDateTime;

use super::{DataProtector, KeyRing};
use crate::clock::{Clock, FixedClock};
use crate::config::MachineKeyConfig;
use crate::error::Error;
use crate::keys::AppIdentity;
use crate::keys::purpose::Purpose;
use crate::random::RandomSource;

/// The primary purpose of `MachineKey.Protect` (`Purpose.User_MachineKey_Protect`).
pub const MACHINE_KEY_PROTECT: &str = "User.MachineKey.Protect";

/// The type name the SystemWeb package writes into `<machineKey dataProtectorType>`.
pub const COMPATIBILITY_DATA_PROTECTOR: &str = "Microsoft.AspNetCore.DataProtection.SystemWeb.CompatibilityDataProtector, Microsoft.AspNetCore.DataProtection.SystemWeb";

/// The application discriminator of a 4.x application (`SystemWebApplicationDiscriminator`):
/// `<machineKey applicationName>` when the attribute is present (even empty), else
/// `HttpRuntime.AppDomainAppId` (`/LM/W3SVC/1/ROOT/Shop`); trimmed, and `None` when empty.
///
/// The app id contains the IIS site id, so the same application under different site ids
/// on two servers has two discriminators unless `applicationName` is set.
///
/// # Example
/// ```
/// use machinekey::config::MachineKeyConfig;
/// use machinekey::dataprotection::systemweb::discriminator;
/// let cfg = MachineKeyConfig::default();
/// assert_eq!(discriminator(&cfg, "/LM/W3SVC/1/ROOT/Shop").as_deref(), Some("/LM/W3SVC/1/ROOT/Shop"));
/// let named = MachineKeyConfig::builder().application_name(" Shop ").build()?;
/// assert_eq!(discriminator(&named, "/LM/W3SVC/1/ROOT/Shop").as_deref(), Some("Shop"));
/// # Ok::<(), machinekey::ConfigError>(())
/// ```
#[must_use]
pub fn discriminator(config: &MachineKeyConfig, app_domain_app_id: &str) -> Option<String> {
    let d = config
        .application_name()
        .unwrap_or(app_domain_app_id)
        .trim();
    (!d.is_empty()).then(|| d.to_owned())
}

/// The purpose chain for a System.Web purpose: `[discriminator?, primary, specific…]`.
///
/// # Example
/// ```
/// use machinekey::Purpose;
/// use machinekey::dataprotection::systemweb::chain;
/// let p = Purpose::new("FormsAuthentication.Ticket");
/// assert_eq!(chain(Some("/LM/W3SVC/1/ROOT/Shop"), &p), ["/LM/W3SVC/1/ROOT/Shop", "FormsAuthentication.Ticket"]);
/// ```
#[must_use]
pub fn chain(discriminator: Option<&str>, purpose: &Purpose) -> Vec<String> {
    discriminator
        .map(str::to_owned)
        .into_iter()
        .chain(core::iter::once(purpose.primary().to_owned()))
        .chain(purpose.specific().iter().cloned())
        .collect()
}

/// `CompatibilityDataProtector` for one application: its key ring and discriminator.
///
/// [`AppKeys::with_key_ring`](crate::AppKeys::with_key_ring) attaches one to an
/// application's keys, so that its ViewState, tickets and `MachineKey.Protect` go through it.
///
/// # Example
/// ```
/// use machinekey::config::MachineKeyConfig;
/// use machinekey::dataprotection::KeyRing;
/// use machinekey::dataprotection::systemweb::CompatibilityDataProtector;
/// use machinekey::keys::AppIdentity;
/// let mut ring = KeyRing::new();
/// ring.generate_key(time::OffsetDateTime::now_utc(), &machinekey::random::OsRandom)?;
/// let app = AppIdentity::new("/Shop", "/LM/W3SVC/1/ROOT/Shop")?;
/// let dp = CompatibilityDataProtector::new(ring.clone(), &MachineKeyConfig::default(), &app);
/// let blob = dp.machine_key_protect(b"secret", &["MyPurpose"])?;
/// // The same bytes through the plain Data Protection API:
/// let p = ring.protector(&["/LM/W3SVC/1/ROOT/Shop", "User.MachineKey.Protect", "MyPurpose"])?;
/// assert_eq!(p.unprotect(&blob)?, b"secret");
/// # Ok::<(), machinekey::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct CompatibilityDataProtector {
    ring: Arc<KeyRing>,
    discriminator: Option<String>,
    rng: Option<Arc<dyn RandomSource>>,
    clock: Option<Arc<dyn Clock>>,
}

impl CompatibilityDataProtector {
    /// The protector of the application `app` under `config`.
    #[must_use]
    pub fn new(ring: KeyRing, config: &MachineKeyConfig, app: &AppIdentity) -> Self {
        Self {
            ring: Arc::new(ring),
            discriminator: discriminator(config, app.app_id()),
            rng: None,
            clock: None,
        }
    }

    /// The application discriminator (first purpose of every chain), if any.
    #[must_use]
    pub fn discriminator(&self) -> Option<&str> {
        self.discriminator.as_deref()
    }

    /// The key ring.
    #[must_use]
    pub fn key_ring(&self) -> &KeyRing {
        &self.ring
    }

    /// Replaces the random source, to pin bytes in tests.
    #[must_use]
    pub fn with_random(mut self, rng: Arc<dyn RandomSource>) -> Self {
        self.rng = Some(rng);
        self
    }

    /// Asks `clock` for the time that chooses the default key (the system clock otherwise).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Pins the time used to choose the default key: [`with_clock`](Self::with_clock) with a
    /// [`FixedClock`].
    #[must_use]
    pub fn at(self, now: OffsetDateTime) -> Self {
        self.with_clock(Arc::new(FixedClock(now)))
    }

    /// The Data Protection protector for a System.Web purpose.
    ///
    /// # Errors
    /// Cannot fail for a System.Web purpose (the chain always has the primary purpose).
    ///
    /// # Example
    /// See [`CompatibilityDataProtector`].
    pub fn protector(&self, purpose: &Purpose) -> Result<DataProtector, Error> {
        self.protector_for(&chain(self.discriminator(), purpose))
    }

    fn protector_for(&self, chain: &[String]) -> Result<DataProtector, Error> {
        let mut p = Arc::clone(&self.ring).into_protector(chain)?;
        if let Some(rng) = &self.rng {
            p = p.with_random(Arc::clone(rng));
        }
        if let Some(clock) = &self.clock {
            p = p.with_clock(Arc::clone(clock));
        }
        Ok(p)
    }

    /// Protects for a System.Web purpose.
    ///
    /// # Errors
    /// As [`DataProtector::protect`].
    ///
    /// # Example
    /// See [`CompatibilityDataProtector`].
    pub fn protect(&self, data: &[u8], purpose: &Purpose) -> Result<Vec<u8>, Error> {
        self.protector(purpose)?.protect(data)
    }

    /// Unprotects for a System.Web purpose.
    ///
    /// # Errors
    /// As [`DataProtector::unprotect`].
    ///
    /// # Example
    /// See [`CompatibilityDataProtector`].
    pub fn unprotect(&self, blob: &[u8], purpose: &Purpose) -> Result<Vec<u8>, Error> {
        self.protector(purpose)?.unprotect(blob)
    }

    /// `MachineKey.Protect(data, purposes)`: chain `[d, "User.MachineKey.Protect", purposes…]`.
    ///
    /// # Errors
    /// As [`DataProtector::protect`].
    ///
    /// # Example
    /// See [`CompatibilityDataProtector`].
    pub fn machine_key_protect<S: AsRef<str>>(
        &self,
        data: &[u8],
        purposes: &[S],
    ) -> Result<Vec<u8>, Error> {
        self.protect(
            data,
            &Purpose::new(MACHINE_KEY_PROTECT).with_specifics(purposes),
        )
    }

    /// `MachineKey.Unprotect(blob, purposes)`.
    ///
    /// # Errors
    /// As [`DataProtector::unprotect`].
    ///
    /// # Example
    /// See [`CompatibilityDataProtector`].
    pub fn machine_key_unprotect<S: AsRef<str>>(
        &self,
        blob: &[u8],
        purposes: &[S],
    ) -> Result<Vec<u8>, Error> {
        self.unprotect(
            blob,
            &Purpose::new(MACHINE_KEY_PROTECT).with_specifics(purposes),
        )
    }

    /// `MachineKey.Protect` inside `CompatibilityDataProtector.RunWithSuppressedPrimaryPurpose`:
    /// chain `[d, purposes…]`, the form OWIN code uses to share payloads with ASP.NET Core.
    ///
    /// # Errors
    /// [`ArgumentError::EmptyPurposeChain`](crate::ArgumentError::EmptyPurposeChain) when
    /// the chain would be empty (no discriminator and no purposes), as `CreateProtector`
    /// throws; otherwise as [`DataProtector::protect`].
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// # use machinekey::dataprotection::KeyRing;
    /// # use machinekey::dataprotection::systemweb::CompatibilityDataProtector;
    /// # use machinekey::keys::AppIdentity;
    /// # let mut ring = KeyRing::new();
    /// # ring.generate_key(time::OffsetDateTime::now_utc(), &machinekey::random::OsRandom)?;
    /// let cfg = MachineKeyConfig::builder().application_name("SharedCookieApp").build()?;
    /// let dp = CompatibilityDataProtector::new(ring.clone(), &cfg, &AppIdentity::new("/", "/LM/W3SVC/1/ROOT")?);
    /// let blob = dp.machine_key_protect_suppressed(b"ticket", &["Cookies", "v2"])?;
    /// assert_eq!(ring.protector(&["SharedCookieApp", "Cookies", "v2"])?.unprotect(&blob)?, b"ticket");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn machine_key_protect_suppressed<S: AsRef<str>>(
        &self,
        data: &[u8],
        purposes: &[S],
    ) -> Result<Vec<u8>, Error> {
        self.protector_for(&self.suppressed_chain(purposes))?
            .protect(data)
    }

    /// Reverses [`machine_key_protect_suppressed`](Self::machine_key_protect_suppressed).
    ///
    /// # Errors
    /// As [`machine_key_protect_suppressed`](Self::machine_key_protect_suppressed) and
    /// [`DataProtector::unprotect`].
    ///
    /// # Example
    /// See [`machine_key_protect_suppressed`](Self::machine_key_protect_suppressed).
    pub fn machine_key_unprotect_suppressed<S: AsRef<str>>(
        &self,
        blob: &[u8],
        purposes: &[S],
    ) -> Result<Vec<u8>, Error> {
        self.protector_for(&self.suppressed_chain(purposes))?
            .unprotect(blob)
    }

    fn suppressed_chain<S: AsRef<str>>(&self, purposes: &[S]) -> Vec<String> {
        self.discriminator
            .iter()
            .cloned()
            .chain(purposes.iter().map(|p| p.as_ref().to_owned()))
            .collect()
    }
}
