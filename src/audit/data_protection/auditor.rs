//! Auditing Data Protection values against published keys: the key id first (one look-up),
//! then, for a published key, every known consumer's purposes after every discriminator
//! candidate.

use std::sync::{Arc, OnceLock};

use serde::Serialize;
use time::OffsetDateTime;

use super::opened::{Kind, OpenedValue, open};
use super::published::{DataProtectionKeyList, PublishedKey};
use super::text::{Reading, header_key_id, payload_bytes};
use crate::dataprotection::consumers::{self, Consumer};
use crate::dataprotection::{AuthenticatedEncryptor, HEADER_LEN, KeyId, aad};

/// The content root of Microsoft's ASP.NET Core container images (`WORKDIR /app`), as the
/// discriminator of .NET 6 and later writes it (with its trailing separator)...
pub const CONTAINER_CONTENT_ROOT: &str = "/app/";
/// ...and as .NET 5 and earlier wrote it (without).
pub const CONTAINER_CONTENT_ROOT_LEGACY: &str = "/app";
/// The application id of the root application of IIS's default site, the discriminator of
/// an ASP.NET 4.x application under `Microsoft.AspNetCore.DataProtection.SystemWeb` without
/// `<machineKey applicationName>`.
pub const DEFAULT_SITE_ROOT_APP_ID: &str = "/LM/W3SVC/1/ROOT";

/// The chains tried beyond [`consumers::known`] and [`consumers::blazor`]: the OpenID
/// Connect state and nonce under the scheme `oidc` of IdentityServer's templates
/// (`OpenIdConnectPostConfigureOptions`: the handler, [`System.String` for the nonce], the
/// scheme, `v1`); `known` carries the default scheme `OpenIdConnect`.
fn more_consumers() -> Vec<Consumer> {
    vec![
        Consumer {
            name: "OpenID Connect state (oidc)".to_owned(),
            purposes: consumers::oidc_state("oidc"),
        },
        Consumer {
            name: "OpenID Connect nonce (oidc)".to_owned(),
            purposes: consumers::oidc_nonce("oidc"),
        },
    ]
}

/// Every consumer an audit tries, after the discriminator, each chain once.
fn default_consumers() -> Vec<Consumer> {
    let mut out: Vec<Consumer> = Vec::new();
    for c in consumers::known()
        .into_iter()
        .chain(consumers::blazor())
        .chain(more_consumers())
    {
        if !out.iter().any(|o| o.purposes == c.purposes) {
            out.push(c);
        }
    }
    out
}

/// Where a value was found, as `carve` names it (`cookie_authentication`, `antiforgery`,
/// `session`, `temp_data`, `state`, `oidc_nonce`, `blazor_descriptor`, `blazor_state`,
/// `identity_token`, `bearer_token`, `systemweb_ticket`, `systemweb_page`): the matching
/// consumers are tried first. Any other text is ignored.
pub type Hint<'a> = Option<&'a str>;

/// A value opened under a published key.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DataProtectionMatch {
    /// The key id the value names.
    pub key_id: KeyId,
    /// The published key: where it was published, what kind of file, which list.
    pub key: Arc<PublishedKey>,
    /// The application discriminator that verified (`None`: the chain has none).
    pub discriminator: Option<String>,
    /// The consumer whose purposes verified.
    pub consumer: String,
    /// The whole purpose chain, discriminator first.
    pub purposes: Vec<String>,
    /// What holding the key lets an attacker do with such values.
    pub impact: &'static str,
    /// Which master-key variant of the key verified (from 0; published keys have one, or a
    /// few when the files they were found in disagree).
    pub variant: usize,
    /// The verified plaintext (serialized as `payload_hex`, upper-case hex).
    #[serde(rename = "payload_hex", serialize_with = "hex_upper")]
    pub plaintext: Vec<u8>,
    /// The expiry of a time-limited payload.
    #[serde(serialize_with = "crate::audit::blazor::rfc3339")]
    pub expires: Option<OffsetDateTime>,
    /// What the plaintext holds, when its format is known.
    pub opened: Option<OpenedValue>,
}

fn hex_upper<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode_upper(bytes))
}

/// What auditing one Data Protection value found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DataProtectionVerdict {
    /// The text is not a Data Protection value (no `CfDJ8` / `09F0C9F0` header of format
    /// version 0).
    NotDataProtection,
    /// The value names a key that no list holds (the common case: found in one look-up).
    UnknownKey {
        /// The key id.
        key_id: KeyId,
    },
    /// The value names a published key, but no purpose chain tried verifies: the
    /// discriminator or the consumer is not among those tried (give `--app-name`), or the
    /// value was altered. The key id alone all but proves the key file was copied.
    PublishedKeyUnverified {
        /// The key id.
        key_id: KeyId,
        /// The published key.
        key: Arc<PublishedKey>,
        /// How many chains were tried (under every master-key variant).
        chains_tried: usize,
    },
    /// Opened: the MAC verified under a published key.
    Opened(Box<DataProtectionMatch>),
}

impl DataProtectionVerdict {
    /// The match, when the value opened.
    #[must_use]
    pub fn opened(&self) -> Option<&DataProtectionMatch> {
        match self {
            Self::Opened(m) => Some(m),
            _ => None,
        }
    }

    /// The key id the value names, when it is a Data Protection value.
    #[must_use]
    pub fn key_id(&self) -> Option<KeyId> {
        match self {
            Self::NotDataProtection => None,
            Self::UnknownKey { key_id } | Self::PublishedKeyUnverified { key_id, .. } => {
                Some(*key_id)
            }
            Self::Opened(m) => Some(m.key_id),
        }
    }
}

/// Audits Data Protection values against a [`DataProtectionKeyList`].
///
/// A value costs, under an unknown key, the decoding of its first 27 characters and one
/// hash look-up; under a published key, one SP800-108 derivation and one HMAC per chain
/// tried: each known consumer's purposes ([`consumers::known`], [`consumers::blazor`] and
/// the handlers of OpenID Connect, OAuth, bearer tokens and Identity tokens) after each
/// discriminator candidate, in this order: the application names given
/// ([`with_app_names`](Self::with_app_names)), the names the key's repository sets, its
/// recorded content root, [`CONTAINER_CONTENT_ROOT`] and [`CONTAINER_CONTENT_ROOT_LEGACY`],
/// [`DEFAULT_SITE_ROOT_APP_ID`], and none; then any whole chains given
/// ([`with_chain`](Self::with_chain)). The first chain whose MAC verifies is reported;
/// a finding is certain.
///
/// # Example
/// ```
/// use machinekey::audit::data_protection::{DataProtectionAuditor, DataProtectionVerdict};
/// let auditor = DataProtectionAuditor::builtin();
/// // A session cookie real ASP.NET Core protected under a key published in a public repository.
/// let cookie = "CfDJ8PJTg7FyAV9CujOiiXrPYNv4i91RoLccVYkyptMOp03%2FBw5UYeNaN%2FXRXel15JaH0ofEdM8ZKl%2F9z84M7TlhFa2R8IwVq2YD%2Fqo168pHqmlSEX3c3md1aGjzBW13hx5RHC2Q1qScWgSGciIsZB5pu5IaXaBUpCkNGVfnZvMGs8Gt";
/// let found = auditor.audit(cookie);
/// let m = found.opened().expect("a published key");
/// assert_eq!(m.key_id.to_string(), "b18353f2-0172-425f-ba33-a2897acf60db");
/// assert_eq!((m.discriminator.as_deref(), m.consumer.as_str()), (Some("/app/"), "session cookie"));
/// // Under a key nobody published: one look-up.
/// assert!(matches!(
///     auditor.audit("CfDJ8OUZ7VP6urtMpSpa4DyPrBt_XfIXfqMtHxYfFviias53qCCxgLuJdLn6HCf1KQ"),
///     DataProtectionVerdict::UnknownKey { .. }
/// ));
/// ```
pub struct DataProtectionAuditor {
    list: DataProtectionKeyList,
    /// Per key, the encryptor of each master-key variant, made on first use.
    encryptors: Vec<OnceLock<Vec<AuthenticatedEncryptor>>>,
    app_names: Vec<String>,
    consumers: Vec<Consumer>,
    chains: Vec<(Option<String>, Consumer)>,
}

impl core::fmt::Debug for DataProtectionAuditor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DataProtectionAuditor")
            .field("keys", &self.list.len())
            .field("app_names", &self.app_names)
            .field("consumers", &self.consumers.len())
            .field("chains", &self.chains.len())
            .finish()
    }
}

impl DataProtectionAuditor {
    /// An auditor over `list`, trying every known consumer.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::data_protection::{DataProtectionAuditor, DataProtectionKeyList};
    /// let auditor = DataProtectionAuditor::new(DataProtectionKeyList::builtin());
    /// assert!(auditor.list().len() >= 72);
    /// ```
    #[must_use]
    pub fn new(list: DataProtectionKeyList) -> Self {
        Self {
            encryptors: (0..list.len()).map(|_| OnceLock::new()).collect(),
            list,
            app_names: Vec::new(),
            consumers: default_consumers(),
            chains: Vec::new(),
        }
    }

    /// An auditor over [`DataProtectionKeyList::builtin`].
    ///
    /// # Example
    /// See [`DataProtectionAuditor`].
    #[must_use]
    pub fn builtin() -> Self {
        Self::new(DataProtectionKeyList::builtin())
    }

    /// The shared auditor over the built-in list (made once per process; its encryptors are
    /// kept across uses).
    pub(crate) fn shared_builtin() -> Arc<Self> {
        static SHARED: OnceLock<Arc<DataProtectionAuditor>> = OnceLock::new();
        Arc::clone(SHARED.get_or_init(|| Arc::new(Self::builtin())))
    }

    /// Adds application discriminators to try (`SetApplicationName` values, content roots,
    /// ASP.NET 4.x application ids), first. Names are trimmed as Data Protection trims them;
    /// empty ones and repeats are dropped.
    #[must_use]
    pub fn with_app_names<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for n in names {
            let n = n.as_ref().trim();
            if !n.is_empty() && !self.app_names.iter().any(|a| a == n) {
                self.app_names.push(n.to_owned());
            }
        }
        self
    }

    /// Adds consumers to try after every discriminator candidate, as the known ones are: an
    /// application's own purposes, or an ASP.NET 4.x page's (the first tried when the
    /// chains are the same).
    #[must_use]
    pub fn with_consumers(mut self, more: impl IntoIterator<Item = Consumer>) -> Self {
        for c in more {
            self.consumers.retain(|o| o.purposes != c.purposes);
            self.consumers.insert(0, c);
        }
        self
    }

    /// Adds whole purpose chains to try as given, after every other: `discriminator` is what
    /// the report names as the chain's discriminator (its first element, or none).
    #[must_use]
    pub fn with_chain(mut self, discriminator: Option<&str>, chain: Consumer) -> Self {
        self.chains.push((discriminator.map(str::to_owned), chain));
        self
    }

    /// The keys audited against.
    #[must_use]
    pub fn list(&self) -> &DataProtectionKeyList {
        &self.list
    }

    /// The application names given.
    #[must_use]
    pub fn app_names(&self) -> &[String] {
        &self.app_names
    }

    /// The key id of a value, if it is a Data Protection value (`CfDJ8…` in any text form, or
    /// `09F0C9F0…`), read from its first characters.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::data_protection::DataProtectionAuditor;
    /// let id = DataProtectionAuditor::key_id_of("CfDJ8Hv3fGVi5uRIkSrIDtxg5WsAAQ");
    /// assert_eq!(id.map(|i| i.to_string()).as_deref(), Some("657cf77b-e662-48e4-912a-c80edc60e56b"));
    /// assert!(DataProtectionAuditor::key_id_of("/wEPDwUKLTE2").is_none());
    /// ```
    #[must_use]
    pub fn key_id_of(text: &str) -> Option<KeyId> {
        let text = consumers::nonce_in_cookie(text).unwrap_or(text);
        header_key_id(text, Reading::Given).map(KeyId::from_bytes_le)
    }

    /// The published key a value names, if any: the key-id look-up alone, no cryptography.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::data_protection::DataProtectionAuditor;
    /// let auditor = DataProtectionAuditor::builtin();
    /// assert!(auditor.published_key_of("CfDJ8PJTg7FyAV9CujOiiXrPYNv4i91RoLccVYky").is_some());
    /// assert!(auditor.published_key_of("CfDJ8Hv3fGVi5uRIkSrIDtxg5WsAAQ").is_none());
    /// ```
    #[must_use]
    pub fn published_key_of(&self, text: &str) -> Option<&Arc<PublishedKey>> {
        let id = header_key_id(text, Reading::Given)?;
        self.list.keys().get(self.list.position(id)?)
    }

    /// Audits one value in any text form.
    ///
    /// # Example
    /// See [`DataProtectionAuditor`].
    #[must_use]
    pub fn audit(&self, text: &str) -> DataProtectionVerdict {
        self.audit_hinted(text, None)
    }

    /// As [`audit`](Self::audit), trying first the consumers that `hint` (where the value was
    /// found, as [`carve`](crate::audit::carve) names it) points at.
    #[must_use]
    pub fn audit_hinted(&self, text: &str, hint: Hint<'_>) -> DataProtectionVerdict {
        // An OpenID Connect nonce cookie carries its protected value in its name.
        let text = consumers::nonce_in_cookie(text).unwrap_or(text);
        let Some(id) = header_key_id(text, Reading::Given) else {
            return DataProtectionVerdict::NotDataProtection;
        };
        let key_id = KeyId::from_bytes_le(id);
        let Some(index) = self.list.position(id) else {
            return DataProtectionVerdict::UnknownKey { key_id };
        };
        let (Some(key), Some(slot)) = (self.list.keys().get(index), self.encryptors.get(index))
        else {
            return DataProtectionVerdict::UnknownKey { key_id };
        };
        let unverified = |chains_tried| DataProtectionVerdict::PublishedKeyUnverified {
            key_id,
            key: Arc::clone(key),
            chains_tried,
        };
        let Some(payload) = payload_bytes(text, Reading::Given) else {
            return unverified(0);
        };
        let body = payload.get(HEADER_LEN..).unwrap_or_default();
        let encryptors = slot.get_or_init(|| {
            key.expose_master_keys()
                .filter_map(|m| AuthenticatedEncryptor::new(m, key.algorithm).ok())
                .collect()
        });
        let chains = self.chains_for(key, hint.and_then(Kind::from_hint));
        let mut tried = 0;
        for (variant, encryptor) in encryptors.iter().enumerate() {
            for (discriminator, consumer, purposes) in &chains {
                tried += 1;
                let Ok(plaintext) = encryptor.decrypt(body, &aad(key_id, purposes)) else {
                    continue;
                };
                let (expires, opened) = open(purposes, &plaintext);
                return DataProtectionVerdict::Opened(Box::new(DataProtectionMatch {
                    key_id,
                    key: Arc::clone(key),
                    discriminator: discriminator.clone(),
                    consumer: (*consumer).to_owned(),
                    purposes: purposes.clone(),
                    impact: Kind::of(purposes).impact(),
                    variant,
                    plaintext,
                    expires,
                    opened,
                }));
            }
        }
        unverified(tried)
    }

    /// The discriminator candidates for `key`, in the order tried.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::data_protection::DataProtectionAuditor;
    /// let auditor = DataProtectionAuditor::builtin().with_app_names(["Contoso"]);
    /// let key = auditor.list().get("0701599c-b6cc-4704-8d26-0bb32586345b".parse()?).unwrap();
    /// let d = auditor.discriminators(key);
    /// assert_eq!(d[0].as_deref(), Some("Contoso"));
    /// assert_eq!(d[1].as_deref(), Some("AI.ProfilePhotoMaker.API"));
    /// assert!(d.contains(&Some("/app/".to_owned())) && d.last() == Some(&None));
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn discriminators(&self, key: &PublishedKey) -> Vec<Option<String>> {
        let mut out: Vec<Option<String>> = Vec::new();
        let named = self
            .app_names
            .iter()
            .chain(&key.application_names)
            .map(String::as_str)
            .chain(key.content_root.as_deref())
            .chain([
                CONTAINER_CONTENT_ROOT,
                CONTAINER_CONTENT_ROOT_LEGACY,
                DEFAULT_SITE_ROOT_APP_ID,
            ]);
        for n in named {
            let n = n.trim();
            if !n.is_empty() && !out.iter().any(|o| o.as_deref() == Some(n)) {
                out.push(Some(n.to_owned()));
            }
        }
        out.push(None);
        out
    }

    /// The chains for `key`: (discriminator, consumer name, whole chain), the hinted kind's
    /// consumers first.
    fn chains_for(
        &self,
        key: &PublishedKey,
        hint: Option<Kind>,
    ) -> Vec<(Option<String>, &str, Vec<String>)> {
        let discriminators = self.discriminators(key);
        let hinted = |c: &Consumer| hint.is_some_and(|h| Kind::of(&c.purposes) == h);
        let ordered = self
            .consumers
            .iter()
            .filter(|c| hinted(c))
            .chain(self.consumers.iter().filter(|c| !hinted(c)));
        let mut out = Vec::with_capacity(discriminators.len() * self.consumers.len());
        for c in ordered {
            for d in &discriminators {
                let chain = d.iter().chain(&c.purposes).cloned().collect();
                out.push((d.clone(), c.name.as_str(), chain));
            }
        }
        for (d, c) in &self.chains {
            out.push((d.clone(), c.name.as_str(), c.purposes.clone()));
        }
        out
    }
}
