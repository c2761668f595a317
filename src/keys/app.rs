//! The application identity that IsolateApps and IsolateByAppId key on.

use super::string_hash::invariant_ignore_case_hash;
use crate::error::{ArgumentError, Error};

/// An ASP.NET application: its virtual path (`HttpRuntime.AppDomainAppVirtualPath`: `/`
/// for a root application, `/MyApp` for a virtual one, no trailing slash) and its id
/// (`HttpRuntime.AppDomainAppId`, the IIS metabase path such as `/LM/W3SVC/1/ROOT/MyApp`).
///
/// Each can carry a caller-supplied 32-bit hash, used instead of the computed one; this is
/// how paths with characters the crate cannot weigh (`/my-app`) are handled.
///
/// # Example
/// ```
/// use machinekey::keys::AppIdentity;
/// let app = AppIdentity::new("/MyApp", "/LM/W3SVC/1/ROOT/MyApp")?;
/// assert_eq!(app.virtual_path_hash()? as u32, 0x179A_B900);
/// let hyphen = AppIdentity::new("/my-app", "/LM/W3SVC/1/ROOT/my-app")?;
/// assert!(hyphen.virtual_path_hash().is_err());
/// assert_eq!(hyphen.with_virtual_path_hash(-12345).virtual_path_hash()?, -12345);
/// # Ok::<(), machinekey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AppIdentity {
    virtual_path: String,
    app_id: String,
    virtual_path_hash: Option<i32>,
    app_id_hash: Option<i32>,
}

impl AppIdentity {
    /// An application at `virtual_path` with IIS id `app_id`.
    ///
    /// # Errors
    /// [`ArgumentError::VirtualPath`] unless `virtual_path` starts with `/` and has no
    /// trailing slash (except the root `/`); [`ArgumentError::EmptyAppId`] for an empty
    /// `app_id`.
    ///
    /// # Example
    /// ```
    /// use machinekey::keys::AppIdentity;
    /// assert!(AppIdentity::new("/MyApp/", "/LM/W3SVC/1/ROOT/MyApp").is_err());
    /// assert!(AppIdentity::new("/", "/LM/W3SVC/1/ROOT").is_ok());
    /// ```
    pub fn new(virtual_path: &str, app_id: &str) -> Result<Self, Error> {
        if !virtual_path.starts_with('/') || (virtual_path.len() > 1 && virtual_path.ends_with('/'))
        {
            return Err(ArgumentError::VirtualPath.into());
        }
        if app_id.is_empty() {
            return Err(ArgumentError::EmptyAppId.into());
        }
        Ok(Self {
            virtual_path: virtual_path.to_owned(),
            app_id: app_id.to_owned(),
            virtual_path_hash: None,
            app_id_hash: None,
        })
    }

    /// The IIS id of the application at `virtual_path` in the Default Web Site (site 1):
    /// `/LM/W3SVC/1/ROOT` followed by the path (the root application's id has no trailing
    /// slash).
    ///
    /// # Example
    /// ```
    /// use machinekey::keys::AppIdentity;
    /// assert_eq!(AppIdentity::default_site_app_id("/MyApp"), "/LM/W3SVC/1/ROOT/MyApp");
    /// assert_eq!(AppIdentity::default_site_app_id("/"), "/LM/W3SVC/1/ROOT");
    /// ```
    #[must_use]
    pub fn default_site_app_id(virtual_path: &str) -> String {
        format!("/LM/W3SVC/1/ROOT{}", virtual_path.trim_end_matches('/'))
    }

    /// The application at `virtual_path` in the Default Web Site
    /// ([`default_site_app_id`](Self::default_site_app_id)).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    ///
    /// # Example
    /// ```
    /// use machinekey::keys::AppIdentity;
    /// assert_eq!(AppIdentity::in_default_site("/MyApp")?.app_id(), "/LM/W3SVC/1/ROOT/MyApp");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn in_default_site(virtual_path: &str) -> Result<Self, Error> {
        Self::new(virtual_path, &Self::default_site_app_id(virtual_path))
    }

    /// Uses `hash` as the `InvariantCultureIgnoreCase` hash of the virtual path.
    #[must_use]
    pub fn with_virtual_path_hash(mut self, hash: i32) -> Self {
        self.virtual_path_hash = Some(hash);
        self
    }

    /// Uses `hash` as the `InvariantCultureIgnoreCase` hash of the application id.
    #[must_use]
    pub fn with_app_id_hash(mut self, hash: i32) -> Self {
        self.app_id_hash = Some(hash);
        self
    }

    /// The virtual path.
    #[must_use]
    pub fn virtual_path(&self) -> &str {
        &self.virtual_path
    }

    /// The application id.
    #[must_use]
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The hash IsolateApps writes into key bytes 0–3: the supplied one, or computed.
    ///
    /// # Errors
    /// [`Error::StringHash`] if the path has a character the crate cannot weigh and no hash
    /// was supplied.
    ///
    /// # Example
    /// See [`AppIdentity`].
    pub fn virtual_path_hash(&self) -> Result<i32, Error> {
        match self.virtual_path_hash {
            Some(h) => Ok(h),
            None => Ok(invariant_ignore_case_hash(&self.virtual_path)?),
        }
    }

    /// The hash IsolateByAppId writes into key bytes 4–7: the supplied one, or computed.
    ///
    /// # Errors
    /// [`Error::StringHash`] if the id has a character the crate cannot weigh and no hash
    /// was supplied.
    ///
    /// # Example
    /// ```
    /// use machinekey::keys::AppIdentity;
    /// let app = AppIdentity::new("/MyApp", "/LM/W3SVC/1/ROOT/MyApp")?;
    /// assert_eq!(app.app_id_hash()? as u32, 0x76A3_70DF);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn app_id_hash(&self) -> Result<i32, Error> {
        match self.app_id_hash {
            Some(h) => Ok(h),
            None => Ok(invariant_ignore_case_hash(&self.app_id)?),
        }
    }
}
